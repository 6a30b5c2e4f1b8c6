/* imports_parse_repo.h — the units a parsed document's names are matched against, read from
 * the database as the parser's plain data (no HTTP here). */
#ifndef ZEREN_IMPORTS_PARSE_REPO_H
#define ZEREN_IMPORTS_PARSE_REPO_H

#include <stddef.h>

#include <jansson.h>

#include "../db.h"
#include "../document/doc_units.h"

/* Every unit of the database; owns everything units point into. Free with
 * imports_parse_units_free (also after a failed read). */
struct imports_parse_units {
	struct doc_known_unit *units;
	size_t n;
	const char **names; /* the aliases and members runs, NULL-terminated, back to back */
	json_t *arrays;     /* the parsed alias and member arrays the runs point into */
	PGresult *rows;     /* the codes, names and kinds the units point into */
};

/* Reads every unit with its aliases and members from pool: SVC_OK, or the database's error
 * (503 when it is away). */
enum svc_error imports_parse_units_read(struct db_pool *pool, struct imports_parse_units *out)
        __attribute__((warn_unused_result));
void imports_parse_units_free(struct imports_parse_units *u);

#endif
