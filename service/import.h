/* import.h — plan documents (zeren.plan/v1): validate whole, then upsert all or nothing. */
#ifndef ZEREN_IMPORT_H
#define ZEREN_IMPORT_H

#include <jansson.h>
#include <libpq-fe.h>

#include "problem.h"

/* Checks the whole document; returns a new array of {pointer, message} (empty when valid).
 * Caller owns the array. */
json_t *import_validate(json_t *doc);

/* Writes a valid document in one transaction on pg (which must be idle), rolling back instead
 * of committing when dry_run. On success *report is a new object with created / updated /
 * unchanged / deleted counts per kind. On failure returns the error and sets *detail to a
 * static or pg-owned message valid until the next call on pg. */
enum svc_error import_apply(PGconn *pg, json_t *doc, int dry_run, json_t **report, char *detail,
                            size_t detail_len) __attribute__((warn_unused_result));

/* `zeren import FILE [--dry-run]`: prints the report or every problem; exit status. */
int import_file(const char *conninfo, const char *path, int dry_run);

#endif
