/* import.h — plan documents (zeren.plan/v1): validate whole, then upsert all or nothing. */
#ifndef ZEREN_IMPORT_H
#define ZEREN_IMPORT_H

#include <jansson.h>
#include <libpq-fe.h>

#include "problem.h"

/* Checks the whole document; returns a new array of {pointer, message} (empty when valid).
 * Caller owns the array. */
json_t *import_validate(json_t *doc);

/* Who runs an import, for its audit row. */
struct import_actor {
	const char *iss, *sub, *unit, *request_id;
};

/* Writes a valid document in one transaction on pg (which must be idle), with an audit row
 * naming actor, rolling back instead of committing when dry_run. On success *report is a new
 * object with created / updated / unchanged / deleted counts per kind. On failure returns the
 * error with a message in detail. */
enum svc_error import_apply(PGconn *pg, json_t *doc, int dry_run, const struct import_actor *actor,
                            json_t **report, char *detail, size_t detail_len)
        __attribute__((warn_unused_result));

/* `zeren import FILE [--dry-run]`: prints the report or every problem; exit status. */
int import_file(const char *conninfo, const char *path, int dry_run);

#endif
