/* parse_cli.h — `zeren parse FILE [--code PREFIX] [--title T] [--review FILE]`. */
#ifndef ZEREN_PARSE_CLI_H
#define ZEREN_PARSE_CLI_H

/* argv[0] is "parse". Prints the plan document on stdout and the review list on stderr (one
 * line each) or as JSON to the --review file; 0 when a plan was read, 1 with one line on
 * stderr when the file cannot be read as a responsibility list, 2 on bad usage. */
int parse_command(int argc, char **argv);

#endif
