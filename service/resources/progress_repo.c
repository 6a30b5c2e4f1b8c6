/* progress_repo.c — the statements behind progress writes, in the order they must run. */
#include "progress_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../policy.h"
#include "../validate.h"

static const char *progress_role(const struct http_ctx *ctx)
{
	return principal_role_name(ctx->principal.role);
}

static int progress_fail(struct progress_result *out, enum svc_error err, const char *detail)
{
	out->err = err;
	out->detail = detail;
	return -1;
}

/* Runs stmt; on a database error records it in out and returns NULL. */
static PGresult *progress_exec(struct db_conn *c, enum db_stmt stmt, int n, const char *const *p,
                               struct progress_result *out)
{
	PGresult *r = db_exec(c, stmt, n, p);
	enum svc_error err = db_result_error(c, r);
	if (err == SVC_OK)
		return r;
	PQclear(r);
	progress_fail(out, err,
	              err == SVC_FORBIDDEN ? "the database refused a write outside the unit's scope"
	              : err == SVC_CONFLICT ? "a concurrent change conflicted; retry"
	                                    : NULL);
	return NULL;
}

/* Values whose targets are not the measure's, or percentages over 100, as field errors. */
static int progress_value_errors(PGresult *scope, int col_targets, int col_percent, json_t *errors)
{
	int bad = 0;
	json_t *a = json_loads(PQgetvalue(scope, 0, col_targets), 0, NULL);
	json_t *b = json_loads(PQgetvalue(scope, 0, col_percent), 0, NULL);
	size_t i;
	json_t *v;
	char p[64];
	json_array_foreach(a, i, v)
	{
		snprintf(p, sizeof(p), "/values/%lld/target_id", json_integer_value(v));
		verr_add(errors, p, "not a target of this measure");
		bad = 1;
	}
	json_array_foreach(b, i, v)
	{
		snprintf(p, sizeof(p), "/values/%lld/value", json_integer_value(v));
		verr_add(errors, p, "a percentage is at most 100");
		bad = 1;
	}
	json_decref(a);
	json_decref(b);
	return bad;
}

/* Writes the audit row; returns the record's JSON (owned). */
static char *progress_snapshot(struct db_conn *c, struct http_ctx *ctx, const char *id,
                               const char *action, const char *before, struct progress_result *out)
{
	const char *p[] = {id,
	                   ctx->principal.sub,
	                   ctx->principal.iss,
	                   principal_unit(&ctx->principal),
	                   ctx->request_id,
	                   action,
	                   before};
	PGresult *r = progress_exec(c, STMT_PROGRESS_SNAPSHOT, 7, p, out);
	if (r == NULL)
		return NULL;
	char *json = PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	if (json == NULL)
		progress_fail(out, SVC_INTERNAL, NULL);
	return json;
}

/* The end of a write that got this far: its audit row and commit; out gets the record's JSON
 * and id, or the error. */
static void progress_done(struct db_conn *c, struct http_ctx *ctx, const char *id,
                          const char *action, const char *before, struct progress_result *out)
{
	out->json = progress_snapshot(c, ctx, id, action, before, out);
	if (out->json == NULL)
		return;
	out->id = atoll(id);
	out->err = db_commit(c);
}

/* Every write's last step, on every path: unless it committed, roll back and drop the JSON. */
static void progress_end(struct db_conn *c, struct http_ctx *ctx, struct progress_result *out)
{
	if (out->err != SVC_OK) {
		db_rollback(c);
		free(out->json);
		out->json = NULL;
	}
	db_release(ctx->app->pool, c);
}

static int progress_insert_values(struct db_conn *c, const char *id, const char *values,
                                  struct progress_result *out)
{
	if (strcmp(values, "[]") == 0)
		return 0; /* nothing to insert: spare the round trip */
	const char *p[] = {id, values};
	PGresult *r = progress_exec(c, STMT_PROGRESS_VALUES_INSERT, 2, p, out);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* Checks the policy for REPORT once the database has said how the unit is assigned. */
static int progress_create_checks(struct http_ctx *ctx, PGresult *scope, const char *acting_unit,
                                  json_t *errors, struct progress_result *out)
{
	if (PQgetisnull(scope, 0, 2)) {
		/* a reporter's unit claim must name a unit: the token is not valid here */
		if (ctx->principal.role == ROLE_REPORTER)
			return progress_fail(out, SVC_UNAUTHORIZED,
			                     "the token's unit claim names no known unit");
		verr_add(errors, "/unit", "unknown unit");
		return progress_fail(out, SVC_UNPROCESSABLE, "unknown unit");
	}
	if (strcmp(PQgetvalue(scope, 0, 3), "t") != 0) {
		verr_add(errors, "/measure_id", "unknown measure");
		return progress_fail(out, SVC_UNPROCESSABLE, "unknown measure");
	}
	struct policy_scope s = {.assigned = strcmp(PQgetvalue(scope, 0, 4), "t") == 0,
	                         .acting_unit = acting_unit};
	const char *reason = NULL;
	if (!policy_allows(&ctx->principal, POLICY_REPORT, &s, &reason))
		return progress_fail(out, SVC_FORBIDDEN, reason);
	if (!s.assigned) /* an admin writing for a unit the measure does not name */
		return progress_fail(out, SVC_UNPROCESSABLE,
		                     "the unit is not assigned to this measure");
	if (progress_value_errors(scope, 5, 6, errors))
		return progress_fail(out, SVC_UNPROCESSABLE,
		                     "some values do not fit the measure's targets");
	return 0;
}

void progress_repo_create(struct http_ctx *ctx, const struct progress_input *in,
                          const char *acting_unit, json_t *errors, struct progress_result *out)
{
	memset(out, 0, sizeof(*out));
	struct db_conn *c = NULL;
	out->err = db_acquire(ctx->app->pool, &c);
	if (out->err != SVC_OK)
		return;
	char mid[24], id[24];
	snprintf(mid, sizeof(mid), "%lld", in->measure_id);
	PGresult *r = NULL;
	if ((out->err = db_begin(c)) != SVC_OK)
		goto cleanup;
	const char *sp[] = {acting_unit, progress_role(ctx), mid, in->values,
	                    principal_unit(&ctx->principal)};
	if ((r = progress_exec(c, STMT_PROGRESS_SCOPE, 5, sp, out)) == NULL)
		goto cleanup;
	int refused = progress_create_checks(ctx, r, acting_unit, errors, out);
	char unit_id[24];
	snprintf(unit_id, sizeof(unit_id), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	if (refused)
		goto cleanup;
	const char *ip[] = {mid,
	                    unit_id,
	                    in->period,
	                    in->period_start,
	                    in->period_end,
	                    in->status,
	                    in->summary,
	                    in->problems,
	                    in->next_steps,
	                    in->evidence,
	                    ctx->principal.sub,
	                    ctx->principal.iss};
	if ((r = progress_exec(c, STMT_PROGRESS_INSERT, 12, ip, out)) == NULL)
		goto cleanup;
	if (PQntuples(r) == 0) {
		PQclear(r);
		progress_fail(out, SVC_CONFLICT,
		              "this unit already reported on this measure for this period; "
		              "amend that record with PATCH");
		goto cleanup;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (progress_insert_values(c, id, in->values, out) == 0)
		progress_done(c, ctx, id, "progress.create", NULL, out);
cleanup:
	progress_end(c, ctx, out);
}

/* Locks the record; fills the lock row into *lock (caller PQclears). */
static int progress_lock(struct db_conn *c, struct http_ctx *ctx, const char *id,
                         const char *if_match, int if_match_required, PGresult **lock,
                         struct progress_result *out)
{
	const char *lp[] = {id, progress_role(ctx), principal_unit(&ctx->principal)};
	PGresult *r = progress_exec(c, STMT_PROGRESS_LOCK, 3, lp, out);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return progress_fail(out, SVC_NOT_FOUND, "no such progress record");
	}
	char etag[24];
	http_etag_of(PQgetvalue(r, 0, 2), (size_t)PQgetlength(r, 0, 2), etag);
	if ((if_match != NULL || if_match_required) && !http_etag_matches(if_match, etag)) {
		PQclear(r);
		return progress_fail(out, SVC_PRECONDITION_FAILED,
		                     "the record changed since it was read; GET it again");
	}
	*lock = r;
	return 0;
}

/* Field of a JSON object as text, or NULL. */
static const char *progress_current(json_t *cur, const char *key)
{
	return json_string_value(json_object_get(cur, key));
}

void progress_repo_amend(struct http_ctx *ctx, long long rid, const char *if_match,
                         const struct progress_input *in, json_t *errors,
                         struct progress_result *out)
{
	memset(out, 0, sizeof(*out));
	struct db_conn *c = NULL;
	out->err = db_acquire(ctx->app->pool, &c);
	if (out->err != SVC_OK)
		return;
	char id[24];
	snprintf(id, sizeof(id), "%lld", rid);
	PGresult *lock = NULL, *r = NULL;
	json_t *cur = NULL;
	const char *before = NULL; /* the record's JSON as locked, borrowed from lock */
	char *evidence = NULL;
	if ((out->err = db_begin(c)) != SVC_OK)
		goto cleanup;
	if (progress_lock(c, ctx, id, if_match, 1, &lock, out) != 0)
		goto cleanup;
	before = PQgetvalue(lock, 0, 2);
	struct policy_scope s = {.assigned = strcmp(PQgetvalue(lock, 0, 5), "t") == 0,
	                         .record_unit = PQgetvalue(lock, 0, 3)};
	const char *reason = NULL;
	if (!policy_allows(&ctx->principal, POLICY_AMEND, &s, &reason)) {
		progress_fail(out, SVC_FORBIDDEN, reason);
		goto cleanup;
	}
	if (strcmp(PQgetvalue(lock, 0, 4), "approved") == 0) {
		progress_fail(out, SVC_CONFLICT, "an approved record cannot be changed");
		goto cleanup;
	}
	if (in->has_values) {
		const char *sp[] = {PQgetvalue(lock, 0, 3), progress_role(ctx),
		                    PQgetvalue(lock, 0, 7), in->values,
		                    principal_unit(&ctx->principal)};
		if ((r = progress_exec(c, STMT_PROGRESS_SCOPE, 5, sp, out)) == NULL)
			goto cleanup;
		int bad = progress_value_errors(r, 5, 6, errors);
		PQclear(r);
		if (bad) {
			progress_fail(out, SVC_UNPROCESSABLE,
			              "some values do not fit the measure's targets");
			goto cleanup;
		}
	}
	/* Members not in the body keep their current value. */
	cur = json_loads(before, 0, NULL);
	evidence = in->has_evidence ? NULL
	                            : json_dumps(json_object_get(cur, "evidence"), JSON_COMPACT);
	const char *up[] = {
	        id,
	        in->has_status ? in->status : progress_current(cur, "status"),
	        in->has_summary ? in->summary : progress_current(cur, "summary"),
	        in->has_problems ? in->problems : progress_current(cur, "problems"),
	        in->has_next_steps ? in->next_steps : progress_current(cur, "next_steps"),
	        in->has_evidence ? in->evidence : evidence,
	        before,
	        ctx->principal.sub,
	};
	if ((r = progress_exec(c, STMT_PROGRESS_UPDATE, 8, up, out)) == NULL)
		goto cleanup;
	PQclear(r);
	if (in->has_values) {
		const char *dp[] = {id};
		if ((r = progress_exec(c, STMT_PROGRESS_VALUES_DELETE, 1, dp, out)) == NULL)
			goto cleanup;
		PQclear(r);
		if (progress_insert_values(c, id, in->values, out) != 0)
			goto cleanup;
	}
	progress_done(c, ctx, id, "progress.amend", before, out);
cleanup:
	progress_end(c, ctx, out);
	PQclear(lock);
	json_decref(cur);
	free(evidence);
}

void progress_repo_review(struct http_ctx *ctx, long long rid, const char *if_match,
                          const char *decision, const char *comment, struct progress_result *out)
{
	memset(out, 0, sizeof(*out));
	struct db_conn *c = NULL;
	out->err = db_acquire(ctx->app->pool, &c);
	if (out->err != SVC_OK)
		return;
	char id[24];
	snprintf(id, sizeof(id), "%lld", rid);
	PGresult *lock = NULL, *r = NULL;
	const char *before = NULL; /* the record's JSON as locked, borrowed from lock */
	if ((out->err = db_begin(c)) != SVC_OK)
		goto cleanup;
	if (progress_lock(c, ctx, id, if_match, 0, &lock, out) != 0)
		goto cleanup;
	before = PQgetvalue(lock, 0, 2);
	struct policy_scope s = {.lead = strcmp(PQgetvalue(lock, 0, 6), "t") == 0};
	const char *reason = NULL;
	if (!policy_allows(&ctx->principal, POLICY_REVIEW, &s, &reason)) {
		progress_fail(out, SVC_FORBIDDEN, reason);
		goto cleanup;
	}
	if (strcmp(PQgetvalue(lock, 0, 4), "submitted") != 0) {
		progress_fail(out, SVC_CONFLICT,
		              "only a submitted record can be reviewed; this one is already "
		              "reviewed");
		goto cleanup;
	}
	const char *rp[] = {id,
	                    decision,
	                    comment,
	                    ctx->principal.sub,
	                    principal_unit(&ctx->principal),
	                    PQgetvalue(lock, 0, 8)};
	if ((r = progress_exec(c, STMT_PROGRESS_REVIEW, 6, rp, out)) == NULL)
		goto cleanup;
	PQclear(r);
	progress_done(c, ctx, id,
	              strcmp(decision, "approve") == 0 ? "progress.approve" : "progress.return",
	              before, out);
cleanup:
	progress_end(c, ctx, out);
	PQclear(lock);
}
