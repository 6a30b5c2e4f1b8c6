/* admin_repo.h — the shape every admin write to reference data shares: one transaction on
 * the primary, the row locked and its ETag compared with If-Match, the statements, one
 * audit row, commit, and this instance's reference cache dropped. */
#ifndef ZEREN_ADMIN_REPO_H
#define ZEREN_ADMIN_REPO_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../db.h"
#include "../http.h"

/* What an admin write came to: on success json (owned, the resource as GET returns it) and
 * the id; otherwise err and a static detail. */
struct admin_result {
	enum svc_error err;
	const char *detail;
	char *json;
	long long id;
};

/* One write in progress. err and detail (static text) say why it stopped; errors (borrowed,
 * may be NULL) collects field errors for a 400. */
struct admin_tx {
	struct http_ctx *ctx;
	struct db_conn *conn;
	enum svc_error err;
	const char *detail;
	json_t *errors;
};

/* Borrows a primary connection and begins; -1 with tx->err set on failure. */
int admin_begin(struct http_ctx *ctx, json_t *errors, struct admin_tx *tx)
        __attribute__((warn_unused_result));
/* Records err/detail and returns -1. */
int admin_fail(struct admin_tx *tx, enum svc_error err, const char *detail);
/* Runs stmt; NULL with tx->err set on a database error (caller PQclears a result). A
 * foreign-key violation becomes 409 with conflict_detail. */
PGresult *admin_exec(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
                     const char *conflict_detail);
/* Runs a statement whose single row's first column is JSON text; returns it (owned) or NULL
 * with tx->err set (SVC_NOT_FOUND when there is no row). */
char *admin_json(struct admin_tx *tx, enum db_stmt stmt, const char *id);
/* 1 when the statement returns a row, 0 when not, -1 with tx->err on a database error. */
int admin_exists(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p)
        __attribute__((warn_unused_result));
/* Locks the row with lock_stmt($1 = id) and compares its ETag with if_match when if_match
 * is not NULL: 404 / 412. Returns the current JSON (owned) or NULL. */
char *admin_lock(struct admin_tx *tx, enum db_stmt lock_stmt, const char *id, const char *if_match,
                 const char *not_found);
/* Inserts the audit row; before/after may be NULL. */
int admin_audit(struct admin_tx *tx, const char *action, const char *entity, const char *id,
                const char *before, const char *after) __attribute__((warn_unused_result));
/* Commits and drops the reference cache; -1 with tx->err on failure. */
int admin_commit(struct admin_tx *tx) __attribute__((warn_unused_result));
/* Rolls back unless committed and returns the connection. */
void admin_end(struct admin_tx *tx);

/* The steps every create, update and delete would otherwise write out again. */

/* Runs stmt for its effect only and clears the result; -1 with tx->err set as admin_exec. */
int admin_run(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
              const char *conflict_detail) __attribute__((warn_unused_result));
/* Looks a row up by key with stmt($1 = key): 1 with the first column of its single row in
 * id, 0 when there is no single row, -1 with tx->err on a database error. */
int admin_lookup(struct admin_tx *tx, enum db_stmt stmt, const char *key, char id[24])
        __attribute__((warn_unused_result));
/* Runs an INSERT ... RETURNING id and copies the new id; -1 with tx->err set, a 409 with
 * conflict_detail when the statement conflicts or returns no row. */
int admin_insert(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
                 const char *conflict_detail, char id[24]) __attribute__((warn_unused_result));
/* Closes a create or update: reads row id back with get_stmt into out->json, audits action
 * on entity (before NULL on create), commits and sets out->id; -1 with tx->err set. */
int admin_done(struct admin_tx *tx, enum db_stmt get_stmt, const char *id, const char *action,
               const char *entity, const char *before, struct admin_result *out);
/* Copies tx's outcome into out, dropping out->json on failure, and ends tx: the last step
 * of every write, on every path. */
void admin_finish(struct admin_tx *tx, struct admin_result *out);
/* A PATCH's whole view: a new object (owned) of cur's members named in keys (NULL-ended),
 * with body's members laid over them. */
json_t *admin_merge(json_t *cur, const char *const *keys, json_t *body);

/* How one kind of reference row is deleted. */
struct admin_delete {
	const char *entity;    /* "plan", for the audit row */
	const char *action;    /* "plan.delete", for the audit row */
	enum db_stmt lock;     /* locks the row and returns its JSON, $1 = id */
	const char *not_found; /* the 404 detail */
	enum db_stmt guard;    /* returns a row when the delete must be refused, $1 = id */
	const char *guarded;   /* guard's 409 detail; NULL when there is no guard to run */
	enum db_stmt remove;   /* deletes the row, $1 = id */
	const char *in_use;    /* remove's 409 detail when the row is still referenced, or NULL */
};

/* Deletes row id as d says: lock and If-Match (404/412), guard (409), delete, audit row,
 * commit. out as for every admin write. */
void admin_delete(struct http_ctx *ctx, const struct admin_delete *d, long long id,
                  const char *if_match, struct admin_result *out);

/* Replies tx's failure: 400 with errors[] when there are field errors, else the detail. */
void admin_reply_failure(struct http_ctx *ctx, const struct admin_tx *tx);

/* The common preamble: admin only (403 before anything else), no query parameters, the
 * :id at param 0 when id is not NULL (404), and If-Match when if_match is not NULL (428).
 * Returns -1 after replying. */
int admin_preamble(struct http_ctx *ctx, long long *id, const char **if_match);
/* *if_match from the request; -1 after replying 428 when it is missing. */
int admin_require_if_match(struct http_ctx *ctx, const char **if_match);

/* The handler steps every reference resource shares, told apart by this table. */
typedef int (*admin_check_fn)(json_t *body, json_t *errors);
typedef void (*admin_create_fn)(struct http_ctx *ctx, json_t *body, json_t *errors,
                                struct admin_result *out);
typedef void (*admin_update_fn)(struct http_ctx *ctx, long long id, const char *if_match,
                                json_t *body, json_t *errors, struct admin_result *out);
typedef void (*admin_delete_fn)(struct http_ctx *ctx, long long id, const char *if_match,
                                struct admin_result *out);

struct admin_resource {
	const char *name;     /* "plan", for the 400 detail */
	const char *location; /* "/v1/plans/", the created resource's path before its id */
	admin_check_fn check_create, check_update;
	admin_create_fn create;
	admin_update_fn update;
	admin_delete_fn remove;
};

/* Replies a write's result: its failure, or status with the JSON and ETag, plus a Location
 * of location + id when location is not NULL. Frees res->json. */
void admin_reply_result(struct http_ctx *ctx, struct admin_result *res, json_t *errors, int status,
                        const char *location);
/* Replies the 400 for a body r's checks refused. */
void admin_reply_invalid_resource(struct http_ctx *ctx, const struct admin_resource *r,
                                  json_t *errors);

/* POST (201 + Location), PATCH (If-Match, 200) and DELETE (If-Match, 204) of resource r. */
void admin_handle_create(struct http_ctx *ctx, const struct admin_resource *r);
void admin_handle_update(struct http_ctx *ctx, const struct admin_resource *r);
void admin_handle_delete(struct http_ctx *ctx, const struct admin_resource *r);

#endif
