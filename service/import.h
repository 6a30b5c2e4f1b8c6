/* import.h — plan documents (zeren.plan/v1): validate whole, then upsert all or nothing. */
#ifndef ZEREN_IMPORT_H
#define ZEREN_IMPORT_H

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"
#include "problem.h"
#include "tx.h"

/* Checks the whole document; returns a new array of {pointer, message} (empty when valid).
 * Caller owns the array. */
json_t *import_validate(json_t *doc);

/* Who runs an import, for its audit row. */
struct import_actor {
	const char *iss, *sub, *unit, *request_id;
};

/* Whether an import is kept or, every statement having run, rolled back. */
enum import_mode { IMPORT_COMMIT, IMPORT_DRY_RUN };

/* Writes a valid document in one transaction as env's actor: on conn (the caller's, idle,
 * kept) or, when conn is NULL, on a connection borrowed from env->pool; rolled back instead of
 * committed for IMPORT_DRY_RUN, the reference cache dropped after a commit. On success
 * out->err is SVC_OK and *report a new object with created / updated / unchanged / deleted
 * counts per kind; otherwise *report is NULL, out has the error and a static detail (a 409's
 * says the document conflicts with data in use) and message the database's words. */
void import_write(const struct tx_env *env, struct db_conn *conn, json_t *doc,
                  enum import_mode mode, json_t **report, struct tx_result *out, char *message,
                  size_t message_size);

/* import_write on pg (which must be idle) as actor, dry_run 0 or 1: the error, with the
 * database's message in detail. */
enum svc_error import_apply(PGconn *pg, json_t *doc, int dry_run, const struct import_actor *actor,
                            json_t **report, char *detail, size_t detail_len)
        __attribute__((warn_unused_result));

/* `zeren import FILE [--dry-run]`: prints the report or every problem; exit status. */
int import_file(const char *conninfo, const char *path, int dry_run);

#endif
