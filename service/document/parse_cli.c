/* parse_cli.c — the `zeren parse` subcommand: a file in, a plan document out. */
#include "document/parse_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/doc_parse.h"

static const char usage[] = "usage: zeren parse FILE [--code PREFIX] [--title T] [--review FILE]\n";

/* The whole file into a new buffer the caller frees; NULL with errno-style message. */
static char *read_file(const char *path, size_t *len, const char **why)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return *why = "cannot open the file", NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			char *nb = cap > (size_t)DOC_MAX_INPUT * 2 ? NULL : realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return *why = doc_error_message(DOC_TOO_LARGE), NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return *why = "cannot read the file", NULL;
	}
	*len = n;
	return buf;
}

static int write_review(json_t *review, const char *path)
{
	if (path != NULL)
		return json_dump_file(review, path, JSON_INDENT(2));
	size_t i;
	json_t *e;
	json_array_foreach(review, i, e)
	{
		const char *text = json_string_value(json_object_get(e, "source_text"));
		fprintf(stderr, "review %s: %s%s%s\n",
		        json_string_value(json_object_get(e, "pointer")),
		        json_string_value(json_object_get(e, "reason")), text ? " — " : "",
		        text ? text : "");
	}
	return 0;
}

int parse_command(int argc, char **argv)
{
	const char *file = NULL, *review = NULL;
	struct doc_options o = {0};
	for (int i = 1; i < argc; i++) {
		const char **opt = strcmp(argv[i], "--code") == 0     ? &o.code
		                   : strcmp(argv[i], "--title") == 0  ? &o.title
		                   : strcmp(argv[i], "--review") == 0 ? &review
		                                                      : NULL;
		if (opt != NULL && i + 1 < argc)
			*opt = argv[++i];
		else if (opt == NULL && argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return fputs(usage, stderr), 2;
	}
	if (file == NULL)
		return fputs(usage, stderr), 2;
	size_t len = 0;
	const char *why = NULL;
	char *bytes = read_file(file, &len, &why);
	if (bytes == NULL)
		return fprintf(stderr, "zeren parse: %s: %s\n", file, why), 1;
	struct doc_result r;
	enum doc_error e = doc_parse(bytes, len, &o, &r);
	free(bytes);
	if (e != DOC_OK)
		return fprintf(stderr, "zeren parse: %s: %s\n", file, doc_error_message(e)), 1;
	int rc = json_dumpf(r.document, stdout, JSON_INDENT(2)) == 0 ? 0 : 1;
	fputc('\n', stdout);
	if (write_review(r.review, review) != 0) {
		fprintf(stderr, "zeren parse: cannot write %s\n", review);
		rc = 1;
	}
	doc_result_free(&r);
	return rc;
}
