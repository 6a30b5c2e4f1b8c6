/* admin_repo.h — the recipes every admin write to reference data shares, on the tx kit: one
 * transaction on the primary, the row locked and its ETag compared with If-Match, the
 * statements, one audit row, commit, and this instance's reference cache dropped. */
#ifndef ZEREN_ADMIN_REPO_H
#define ZEREN_ADMIN_REPO_H

#include <jansson.h>

#include "../db.h"
#include "../tx.h"

/* Begins an admin write on env (borrowed for the write): a foreign-key violation is a 409,
 * the commit drops the reference cache. errors (borrowed, may be NULL) collects field errors
 * for a 400. -1 with tx->err set on failure; tx_end is still due. */
int admin_repo_begin(struct tx *tx, const struct tx_env *env, json_t *errors)
        __attribute__((warn_unused_result));
/* Looks a row up by key with stmt($1 = key): 1 with the first column of its single row in
 * id, 0 when there is no single row, -1 with tx->err on a database error. */
int admin_repo_lookup(struct tx *tx, enum db_stmt stmt, const char *key, char id[TX_ID_SIZE])
        __attribute__((warn_unused_result));
/* Runs an INSERT ... RETURNING id and copies the new id; -1 with tx->err set, a 409 with
 * conflict_detail when the statement conflicts or returns no row. */
int admin_repo_insert(struct tx *tx, enum db_stmt stmt, int n, const char *const *p,
                      const char *conflict_detail, char id[TX_ID_SIZE])
        __attribute__((warn_unused_result));
/* Closes a create or update: reads row id back with get_stmt into out->json, audits action
 * on entity (before NULL on create), commits and sets out->id; -1 with tx->err set. */
int admin_repo_done(struct tx *tx, enum db_stmt get_stmt, const char *id, const char *action,
                    const char *entity, const char *before, struct tx_result *out);
/* A PATCH's whole view: a new object (owned) of cur's members named in keys (NULL-ended),
 * with body's members laid over them. */
json_t *admin_repo_merge(json_t *cur, const char *const *keys, json_t *body);

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
 * commit. out as for every admin write (json stays NULL). */
void admin_repo_delete(const struct tx_env *env, const struct admin_delete *d, long long id,
                       const char *if_match, struct tx_result *out);

/* The writes each reference resource supplies for its admin table (see resources/admin.h):
 * out is always filled, out->json owned by the caller on success. */
typedef void (*admin_create_fn)(const struct tx_env *env, json_t *body, json_t *errors,
                                struct tx_result *out);
typedef void (*admin_update_fn)(const struct tx_env *env, long long id, const char *if_match,
                                json_t *body, json_t *errors, struct tx_result *out);
typedef void (*admin_delete_fn)(const struct tx_env *env, long long id, const char *if_match,
                                struct tx_result *out);

#endif
