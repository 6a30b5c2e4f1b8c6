/* admin_repo.c — the transaction, lock, audit and commit steps of admin reference writes. */
#include "admin_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../refcache.h"
#include "../repo.h"

int admin_fail(struct admin_tx *tx, enum svc_error err, const char *detail)
{
	tx->err = err;
	tx->detail = detail;
	return -1;
}

int admin_begin(struct http_ctx *ctx, json_t *errors, struct admin_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->ctx = ctx;
	tx->errors = errors;
	tx->err = db_acquire(ctx->app->pool, &tx->conn);
	if (tx->err != SVC_OK) {
		tx->conn = NULL;
		return -1;
	}
	tx->err = db_begin(tx->conn);
	return tx->err == SVC_OK ? 0 : -1;
}

PGresult *admin_exec(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
                     const char *conflict_detail)
{
	PGresult *r = db_exec(tx->conn, stmt, n, p);
	enum svc_error err = db_result_error(tx->conn, r);
	if (err == SVC_OK)
		return r;
	/* still referenced (ON DELETE RESTRICT) or a unique code taken */
	int fk = strcmp(db_sqlstate(r), "23503") == 0;
	PQclear(r);
	if (fk || err == SVC_CONFLICT)
		admin_fail(tx, SVC_CONFLICT,
		           conflict_detail != NULL ? conflict_detail
		                                   : "the change conflicts with existing data");
	else
		admin_fail(tx, err, NULL);
	return NULL;
}

char *admin_json(struct admin_tx *tx, enum db_stmt stmt, const char *id)
{
	const char *p[] = {id};
	PGresult *r = admin_exec(tx, stmt, 1, p, NULL);
	if (r == NULL)
		return NULL;
	char *json = PQntuples(r) > 0 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	int rows = PQntuples(r);
	PQclear(r);
	if (json == NULL)
		admin_fail(tx, rows == 0 ? SVC_NOT_FOUND : SVC_INTERNAL, NULL);
	return json;
}

int admin_exists(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p)
{
	PGresult *r = admin_exec(tx, stmt, n, p, NULL);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) > 0;
	PQclear(r);
	return found;
}

char *admin_lock(struct admin_tx *tx, enum db_stmt lock_stmt, const char *id, const char *if_match,
                 const char *not_found)
{
	char *json = admin_json(tx, lock_stmt, id);
	if (json == NULL) {
		if (tx->err == SVC_NOT_FOUND)
			tx->detail = not_found;
		return NULL;
	}
	char etag[24];
	http_etag_of(json, strlen(json), etag);
	if (if_match != NULL && !http_etag_matches(if_match, etag)) {
		free(json);
		admin_fail(tx, SVC_PRECONDITION_FAILED,
		           "the resource changed since it was read; GET it again");
		return NULL;
	}
	return json;
}

int admin_audit(struct admin_tx *tx, const char *action, const char *entity, const char *id,
                const char *before, const char *after)
{
	const struct principal *pr = &tx->ctx->principal;
	const char *p[] = {
	        pr->iss, pr->sub, principal_unit(pr), tx->ctx->request_id, action, entity, id,
	        before,  after};
	PGresult *r = admin_exec(tx, STMT_ADMIN_AUDIT, 9, p, NULL);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int admin_commit(struct admin_tx *tx)
{
	tx->err = db_commit(tx->conn);
	if (tx->err != SVC_OK)
		return -1;
	/* this instance's readers see the change at once, not only after the notice arrives */
	refcache_invalidate(tx->ctx->app->refcache);
	return 0;
}

void admin_end(struct admin_tx *tx)
{
	if (tx->conn == NULL)
		return;
	if (tx->err != SVC_OK)
		db_rollback(tx->conn);
	db_release(tx->ctx->app->pool, tx->conn);
	tx->conn = NULL;
}

int admin_run(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
              const char *conflict_detail)
{
	PGresult *r = admin_exec(tx, stmt, n, p, conflict_detail);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* 1 with the first column of stmt's single row in value, 0 without a single row, -1 with
 * tx->err set. */
static int admin_single(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
                        const char *conflict_detail, char value[24])
{
	PGresult *r = admin_exec(tx, stmt, n, p, conflict_detail);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) == 1;
	if (found)
		snprintf(value, 24, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

int admin_lookup(struct admin_tx *tx, enum db_stmt stmt, const char *key, char id[24])
{
	const char *p[] = {key};
	return admin_single(tx, stmt, 1, p, NULL, id);
}

int admin_insert(struct admin_tx *tx, enum db_stmt stmt, int n, const char *const *p,
                 const char *conflict_detail, char id[24])
{
	int created = admin_single(tx, stmt, n, p, conflict_detail, id);
	if (created < 0)
		return -1;
	return created ? 0 : admin_fail(tx, SVC_CONFLICT, conflict_detail);
}

int admin_done(struct admin_tx *tx, enum db_stmt get_stmt, const char *id, const char *action,
               const char *entity, const char *before, struct admin_result *out)
{
	if ((out->json = admin_json(tx, get_stmt, id)) == NULL)
		return -1;
	if (admin_audit(tx, action, entity, id, before, out->json) != 0 || admin_commit(tx) != 0)
		return -1;
	out->id = atoll(id);
	return 0;
}

void admin_finish(struct admin_tx *tx, struct admin_result *out)
{
	if (tx->err != SVC_OK) {
		free(out->json);
		out->json = NULL;
	}
	out->err = tx->err;
	out->detail = tx->detail;
	admin_end(tx);
}

json_t *admin_merge(json_t *cur, const char *const *keys, json_t *body)
{
	json_t *merged = json_object();
	for (int i = 0; keys[i] != NULL; i++)
		json_object_set(merged, keys[i], json_object_get(cur, keys[i]));
	json_object_update(merged, body);
	return merged;
}

void admin_delete(struct http_ctx *ctx, const struct admin_delete *d, long long id,
                  const char *if_match, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char ids[24], *before = NULL;
	snprintf(ids, sizeof(ids), "%lld", id);
	const char *p[] = {ids};
	if (admin_begin(ctx, NULL, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, d->lock, ids, if_match, d->not_found)) == NULL)
		goto cleanup;
	if (d->guarded != NULL) {
		int refused = admin_exists(&tx, d->guard, 1, p);
		if (refused != 0) {
			if (refused > 0)
				admin_fail(&tx, SVC_CONFLICT, d->guarded);
			goto cleanup;
		}
	}
	if (admin_run(&tx, d->remove, 1, p, d->in_use) != 0 ||
	    admin_audit(&tx, d->action, d->entity, ids, before, NULL) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = id;
cleanup:
	admin_finish(&tx, out);
	free(before);
}

void admin_reply_failure(struct http_ctx *ctx, const struct admin_tx *tx)
{
	if (tx->errors != NULL && json_array_size(tx->errors) > 0) {
		http_reply_errors(ctx, SVC_VALIDATION,
		                  tx->detail != NULL
		                          ? tx->detail
		                          : "the request is not valid; nothing was written",
		                  tx->errors);
		return;
	}
	repo_reply_error_detail(ctx, tx->err, tx->detail);
}

int admin_preamble(struct http_ctx *ctx, long long *id, const char **if_match)
{
	if (http_authorize(ctx, POLICY_ADMINISTER, NULL) != 0 || http_query_allow(ctx, NULL) != 0)
		return -1;
	if (id != NULL && http_param_id(ctx, 0, id) != 0)
		return -1;
	return if_match != NULL ? admin_require_if_match(ctx, if_match) : 0;
}

int admin_require_if_match(struct http_ctx *ctx, const char **if_match)
{
	*if_match = http_header(ctx, "If-Match");
	if (*if_match == NULL) {
		http_reply_problem(ctx, SVC_PRECONDITION_REQUIRED,
		                   "send If-Match with the ETag of the resource you read");
		return -1;
	}
	return 0;
}

void admin_reply_result(struct http_ctx *ctx, struct admin_result *res, json_t *errors, int status,
                        const char *location)
{
	if (res->err != SVC_OK) {
		struct admin_tx tx = {
		        .ctx = ctx, .err = res->err, .detail = res->detail, .errors = errors};
		admin_reply_failure(ctx, &tx);
		return;
	}
	if (location != NULL) {
		char path[96];
		snprintf(path, sizeof(path), "%s%lld", location, res->id);
		http_set_header(ctx, "Location", path);
	}
	http_reply_json_written(ctx, status, res->json, strlen(res->json));
	free(res->json);
	res->json = NULL;
}

void admin_reply_invalid_resource(struct http_ctx *ctx, const struct admin_resource *r,
                                  json_t *errors)
{
	char detail[96];
	snprintf(detail, sizeof(detail), "the %s is not valid; nothing was written", r->name);
	http_reply_errors(ctx, SVC_VALIDATION, detail, errors);
}

/* Reads and checks the body, then runs the write: the part create and update share. */
static void admin_handle_write(struct http_ctx *ctx, const struct admin_resource *r, long long id,
                               const char *if_match)
{
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	int creating = if_match == NULL;
	if ((creating ? r->check_create : r->check_update)(body, errors) != 0) {
		admin_reply_invalid_resource(ctx, r, errors);
	} else {
		struct admin_result res;
		if (creating)
			r->create(ctx, body, errors, &res);
		else
			r->update(ctx, id, if_match, body, errors, &res);
		admin_reply_result(ctx, &res, errors, creating ? 201 : 200,
		                   creating ? r->location : NULL);
	}
	json_decref(errors);
	json_decref(body);
}

void admin_handle_create(struct http_ctx *ctx, const struct admin_resource *r)
{
	if (admin_preamble(ctx, NULL, NULL) == 0)
		admin_handle_write(ctx, r, 0, NULL);
}

void admin_handle_update(struct http_ctx *ctx, const struct admin_resource *r)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) == 0)
		admin_handle_write(ctx, r, id, if_match);
}

void admin_handle_delete(struct http_ctx *ctx, const struct admin_resource *r)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	struct admin_result res;
	r->remove(ctx, id, if_match, &res);
	if (res.err != SVC_OK)
		admin_reply_result(ctx, &res, NULL, 0, NULL);
	else
		ctx->res->status = 204; /* no body */
}
