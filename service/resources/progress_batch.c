/* progress_batch.c — POST /v1/progress/batch: the rows (read and checked by
 * progress_batch_rows.c) are copied into staging tables, checked against the database and
 * written all or nothing with set-based statements in one transaction. */
#include "progress_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db.h"
#include "../idempotency.h"
#include "../log.h"
#include "../repo.h"
#include "../validate.h"
#include "progress_batch_rows.h"

static double batch_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Adds the database's [{i, field, problem}] to errors; returns the reply's status: 403 when a
 * reporter's row is out of scope, else 409 for conflicts, else 422. */
static enum svc_error batch_problems(struct http_ctx *ctx, const char *text, json_t *errors)
{
	json_t *problems = json_loads(text, 0, NULL);
	enum svc_error kind = SVC_UNPROCESSABLE;
	size_t k;
	json_t *pr;
	json_array_foreach(problems, k, pr)
	{
		const char *msg = json_string_value(json_object_get(pr, "problem"));
		char p[96];
		snprintf(p, sizeof(p), "/%lld/%s", json_integer_value(json_object_get(pr, "i")),
		         json_string_value(json_object_get(pr, "field")));
		verr_add(errors, p, "%s", msg);
		if (strncmp(msg, "forbidden", 9) == 0 && ctx->principal.role == ROLE_REPORTER)
			kind = SVC_FORBIDDEN;
		else if (strncmp(msg, "conflict", 8) == 0 && kind != SVC_FORBIDDEN)
			kind = SVC_CONFLICT;
	}
	json_decref(problems);
	return kind;
}

/* Runs one of the batch's statements; on success *out holds its result (when wanted). */
static enum svc_error batch_exec(struct db_conn *c, const char *sql, int n,
                                 const char *const *params, PGresult **out)
{
	PGresult *r = db_exec_text(c, sql, n, params);
	enum svc_error err = db_result_error(c, r);
	if (err == SVC_OK && out != NULL)
		*out = r;
	else
		PQclear(r);
	return err;
}

/* Stages the rows, checks them, writes them in one transaction and replies. */
static void batch_write(struct http_ctx *ctx, struct batch_rows *rows, double started, int dry_run)
{
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &c);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	PGresult *r = NULL;
	const char *unit = principal_unit(&ctx->principal);
	const char *role = principal_role_name(ctx->principal.role);
	const char *detail = NULL;
	double t0 = batch_now();
	if ((err = db_begin(c)) != SVC_OK || (err = db_command(c, SQL_BATCH_STAGE)) != SVC_OK ||
	    (err = db_copy_in(c, SQL_BATCH_COPY_ROWS, rows->rows_copy, rows->rows_len)) != SVC_OK ||
	    (rows->n_values > 0 && (err = db_copy_in(c, SQL_BATCH_COPY_VALUES, rows->values_copy,
	                                             rows->values_len)) != SVC_OK))
		goto fail;
	double t1 = batch_now();
	const char *cparams[] = {role, unit};
	if ((err = batch_exec(c, SQL_BATCH_CHECK, 2, cparams, &r)) != SVC_OK)
		goto fail;
	if (strcmp(PQgetvalue(r, 0, 2), "[]") != 0) {
		err = batch_problems(ctx, PQgetvalue(r, 0, 2), rows->errors);
		detail = "some rows cannot be written; nothing was written";
		goto refused;
	}
	PQclear(r);
	r = NULL;
	double t2 = batch_now();
	const char *iparams[] = {ctx->principal.sub, ctx->principal.iss};
	if ((err = batch_exec(c, SQL_BATCH_INSERT, 2, iparams, &r)) != SVC_OK)
		goto fail;
	if (strtoull(PQgetvalue(r, 0, 0), NULL, 10) != rows->n) {
		PQclear(r);
		r = NULL;
		if ((err = batch_exec(c, SQL_BATCH_CONFLICTS, 0, NULL, &r)) != SVC_OK)
			goto fail;
		err = batch_problems(ctx, PQgetvalue(r, 0, 0), rows->errors);
		detail = "records for some rows exist already; nothing was written";
		if (json_array_size(rows->errors) > 0)
			goto refused;
		/* no row found a record: reference data (a unit's code) changed meanwhile */
		err = SVC_CONFLICT;
		detail = "the plan's reference data changed while the batch was written; nothing "
		         "was written, send it again";
		goto fail;
	}
	PQclear(r);
	r = NULL;
	double t3 = batch_now();
	if (rows->n_values > 0 && (err = batch_exec(c, SQL_BATCH_VALUES, 0, NULL, NULL)) != SVC_OK)
		goto fail;
	double t4 = batch_now();
	if (dry_run) { /* every check has run, the writes included: undo them */
		db_rollback(c);
		db_release(ctx->app->pool, c);
		http_reply_json(ctx, 200,
		                json_pack("{sbsI}", "dry_run", 1, "rows", (json_int_t)rows->n));
		return;
	}
	const char *sparams[] = {ctx->principal.sub, ctx->principal.iss, unit, ctx->request_id};
	if ((err = batch_exec(c, SQL_BATCH_AUDIT, 4, sparams, &r)) != SVC_OK)
		goto fail;
	double t5 = batch_now();
	if ((err = db_commit(c)) != SVC_OK)
		goto fail;
	db_release(ctx->app->pool, c);
	log_json("info", "batch_written",
	         json_pack("{sssIsfsfsfsfsfsfsf}", "request_id", ctx->request_id, "rows",
	                   (json_int_t)rows->n, "parse_ms", (t0 - started) * 1e3, "stage_ms",
	                   (t1 - t0) * 1e3, "check_ms", (t2 - t1) * 1e3, "insert_ms",
	                   (t3 - t2) * 1e3, "values_ms", (t4 - t3) * 1e3, "audit_ms",
	                   (t5 - t4) * 1e3, "commit_ms", (batch_now() - t5) * 1e3));
	json_t *ids = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	http_reply_json(ctx, 201,
	                json_pack("{sIso}", "created", (json_int_t)json_array_size(ids), "ids",
	                          ids != NULL ? ids : json_array()));
	return;
refused:
	PQclear(r);
	db_rollback(c);
	db_release(ctx->app->pool, c);
	http_reply_errors(ctx, err, detail, rows->errors);
	return;
fail:
	PQclear(r);
	db_rollback(c);
	db_release(ctx->app->pool, c);
	repo_reply_error_detail(ctx, err,
	                        detail != NULL         ? detail
	                        : err == SVC_CONFLICT  ? "a record for one of the rows was written "
	                                                 "meanwhile; nothing was written"
	                        : err == SVC_FORBIDDEN ? "the database refused a row outside the "
	                                                 "unit's scope; nothing was written"
	                                               : NULL);
}

static void progress_batch_run(struct http_ctx *ctx, int dry_run)
{
	double started = batch_now();
	struct batch_rows rows;
	if (batch_rows_read(ctx, &rows) == 0) {
		if (json_array_size(rows.errors) > 0)
			http_reply_errors(ctx, rows.forbidden ? SVC_FORBIDDEN : SVC_VALIDATION,
			                  "some rows are not valid; nothing was written",
			                  rows.errors);
		else
			batch_write(ctx, &rows, started, dry_run);
	}
	batch_rows_free(&rows);
}

void progress_batch(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"dry_run", NULL};
	int dry_run = 0;
	if (http_query_allow(ctx, allowed) != 0 || http_query_bool(ctx, "dry_run", &dry_run) < 0)
		return;
	/* Readers and supervisors never write progress. */
	struct policy_scope early = {.assigned = 1, .acting_unit = ctx->principal.unit};
	if (http_authorize(ctx, POLICY_REPORT, &early) != 0)
		return;
	struct idem idem;
	if (idem_begin(ctx, "POST /v1/progress/batch", &idem) == IDEM_DONE)
		return;
	progress_batch_run(ctx, dry_run);
	idem_finish(ctx, &idem);
}
