/* progress_batch.c — many records in one request (a JSON array or CSV), validated whole and
 * written all or nothing with set-based statements. */
#include "progress_batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../csv.h"
#include "../db.h"
#include "../idempotency.h"
#include "../log.h"
#include "../pgcopy.h"
#include "../progress_input.h"
#include "../repo.h"
#include "../sql/progress_batch_sql.h"
#include "../validate.h"

#define BATCH_MAX_ROWS 100000

static double batch_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
#define BATCH_MAX_ERRORS 1000

static const char *const batch_text_columns[] = {"unit",     "period",     "status", "summary",
                                                 "problems", "next_steps", NULL};

/* A CSV row as the JSON object the validator expects; cell problems go to errors. */
static json_t *batch_csv_object(json_t *header, json_t *cells, size_t i, json_t *errors)
{
	json_t *o = json_object(), *values = json_array();
	const char *etitle = NULL, *eurl = NULL;
	char ptr[96];
	snprintf(ptr, sizeof(ptr), "/%zu", i);
	if (json_array_size(cells) != json_array_size(header))
		verr_add(errors, ptr, "row %zu has %zu fields; the header has %zu", i + 1,
		         json_array_size(cells), json_array_size(header));
	size_t c;
	json_t *name;
	json_array_foreach(header, c, name)
	{
		const char *col = json_string_value(name);
		const char *cell = json_string_value(json_array_get(cells, c));
		if (cell == NULL || cell[0] == '\0' || col == NULL)
			continue;
		if (strncmp(col, "target_", 7) == 0) {
			char *end = NULL;
			double v = strtod(cell, &end);
			long long target = atoll(col + 7);
			if (end == cell || *end != '\0' || !isfinite(v)) {
				snprintf(ptr, sizeof(ptr), "/%zu/%s", i, col);
				verr_add(errors, ptr, "must be a number");
				continue;
			}
			/* whole numbers stay integers; others keep 15 significant digits */
			json_t *num = v == (double)(long long)v && fabs(v) < 1e15
			                      ? json_integer((json_int_t)v)
			                      : json_real(v);
			json_array_append_new(values, json_pack("{sIso}", "target_id",
			                                        (json_int_t)target, "value", num));
		} else if (strcmp(col, "measure_id") == 0) {
			char *end = NULL;
			long long id = strtoll(cell, &end, 10);
			json_object_set_new(o, col,
			                    *end == '\0' && end != cell ? json_integer(id)
			                                                : json_string(cell));
		} else if (strcmp(col, "evidence_title") == 0) {
			etitle = cell;
		} else if (strcmp(col, "evidence_url") == 0) {
			eurl = cell;
		} else if (validate_enum(col, batch_text_columns)) {
			json_object_set_new(o, col, json_string(cell));
		} /* other columns were reported once, against the header */
	}
	if (json_array_size(values) > 0)
		json_object_set(o, "values", values);
	json_decref(values);
	if (etitle != NULL || eurl != NULL)
		json_object_set_new(o, "evidence",
		                    json_pack("[{ssss}]", "title", etitle ? etitle : "", "url",
		                              eurl ? eurl : ""));
	return o;
}

/* The request's rows as an array of objects, or NULL after replying. */
static json_t *batch_rows(struct http_ctx *ctx, json_t *errors)
{
	if (http_body_content_type(ctx, "application/json")) {
		json_t *doc = http_json_body(ctx);
		if (doc != NULL && !json_is_array(doc)) {
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "",
			                   "a batch is a JSON array of progress records");
			json_decref(doc);
			return NULL;
		}
		return doc;
	}
	if (!http_body_content_type(ctx, "text/csv")) {
		http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA,
		                   "a batch is application/json or text/csv in UTF-8");
		return NULL;
	}
	char err[160];
	json_t *table =
	        csv_parse(ctx->req->binary_body != NULL ? ctx->req->binary_body : "",
	                  ctx->req->binary_body_length, BATCH_MAX_ROWS + 1, err, sizeof(err));
	if (table == NULL) {
		if (strncmp(err, "more than", 9) == 0)
			http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
		else
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "", err);
		return NULL;
	}
	json_t *header = json_array_get(table, 0);
	static const char *const known[] = {
	        "measure_id", "unit",       "period",         "status",       "summary",
	        "problems",   "next_steps", "evidence_title", "evidence_url", NULL};
	size_t c;
	json_t *name;
	json_array_foreach(header, c, name)
	{
		const char *col = json_string_value(name);
		char p[96];
		snprintf(p, sizeof(p), "/header/%zu", c);
		if (!validate_enum(col, known) &&
		    !(strncmp(col, "target_", 7) == 0 && col[7] >= '1' && col[7] <= '9' &&
		      strspn(col + 7, "0123456789") == strlen(col + 7)))
			verr_add(errors, p,
			         "unknown column \"%s\"; expected measure_id, unit, "
			         "period, status, summary, problems, next_steps, "
			         "evidence_title, evidence_url or target_<id>",
			         col);
	}
	json_t *rows = json_array();
	for (size_t i = 1; i < json_array_size(table); i++)
		json_array_append_new(
		        rows, batch_csv_object(header, json_array_get(table, i), i - 1, errors));
	json_decref(table);
	return rows;
}

static void batch_reply_errors(struct http_ctx *ctx, enum svc_error err, const char *detail,
                               json_t *errors)
{
	json_t *p = problem_new(err, detail, ctx->request_id);
	json_object_set(p, "errors", errors);
	http_reply_problem_json(ctx, p);
}

/* The valid rows in COPY text format, for the batch's two staging tables; written row by row
 * so that memory holds the request, not several object trees of it. */
struct batch_copy {
	FILE *rows, *values;
	char *rows_text, *values_text;
	size_t rows_len, values_len, n, n_values;
	double started; /* when reading the body began, for the timings in the log */
};

static void batch_copy_open(struct batch_copy *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->started = batch_now();
	cp->rows = open_memstream(&cp->rows_text, &cp->rows_len);
	cp->values = open_memstream(&cp->values_text, &cp->values_len);
}

static void batch_copy_close(struct batch_copy *cp)
{
	if (cp->rows != NULL)
		fclose(cp->rows);
	if (cp->values != NULL)
		fclose(cp->values);
	cp->rows = cp->values = NULL;
}

static void batch_copy_free(struct batch_copy *cp)
{
	batch_copy_close(cp);
	free(cp->rows_text);
	free(cp->values_text);
}

/* One valid row: a batch_rows line and a batch_values line per value. */
static void batch_copy_add(struct batch_copy *cp, size_t i, const struct progress_input *in,
                           const char *unit)
{
	pgcopy_int(cp->rows, (long long)i, 0);
	pgcopy_int(cp->rows, in->measure_id, 0);
	pgcopy_field(cp->rows, unit, 0);
	pgcopy_field(cp->rows, in->period, 0);
	pgcopy_field(cp->rows, in->period_start, 0);
	pgcopy_field(cp->rows, in->period_end, 0);
	pgcopy_field(cp->rows, in->status, 0);
	pgcopy_field(cp->rows, in->summary, 0);
	pgcopy_field(cp->rows, in->problems, 0);
	pgcopy_field(cp->rows, in->next_steps, 0);
	pgcopy_field(cp->rows, in->evidence, 1);
	cp->n++;
	if (json_array_size(in->target_ids) == 0)
		return;
	json_t *vals = json_loads(in->values, 0, NULL);
	size_t k;
	json_t *v;
	json_array_foreach(vals, k, v)
	{
		/* the client's digits, as progress_input printed them */
		char *num = json_dumps(json_object_get(v, "value"),
		                       JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		pgcopy_int(cp->values, (long long)i, 0);
		pgcopy_int(cp->values, json_integer_value(json_object_get(v, "target_id")), 0);
		pgcopy_field(cp->values, num, 1);
		free(num);
		cp->n_values++;
	}
	json_decref(vals);
}

/* Validates every row (freeing each once read) into cp; returns 1 when a row is outside the
 * token's scope. */
static int batch_validate(struct http_ctx *ctx, json_t *rows, json_t *errors, struct batch_copy *cp)
{
	json_t *seen = json_object();
	int forbidden = 0;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);
		char base[32];
		snprintf(base, sizeof(base), "/%zu", i);
		struct progress_input in;
		if (progress_input_create(row, base, &in, errors) == 0) {
			const char *unit = ctx->principal.role == ROLE_ADMIN ? in.unit
			                   : in.unit != NULL                 ? in.unit
			                                                     : ctx->principal.unit;
			char p[64];
			snprintf(p, sizeof(p), "%s/unit", base);
			struct policy_scope s = {.assigned = 1, .acting_unit = unit};
			if (!policy_allows(&ctx->principal, POLICY_REPORT, &s, NULL)) {
				verr_add(errors, p, "a reporter reports only as its own unit");
				forbidden = 1;
			} else if (unit == NULL) {
				verr_add(errors, p, "an admin must name the unit of every row");
			} else {
				char key[320];
				snprintf(key, sizeof(key), "%lld|%s|%s", in.measure_id, unit,
				         in.period);
				if (json_object_get(seen, key) != NULL)
					verr_add(errors, base,
					         "repeats row %lld: one record per measure, unit "
					         "and period",
					         json_integer_value(json_object_get(seen, key)));
				json_object_set_new(seen, key, json_integer((json_int_t)i));
				if (json_array_size(errors) == 0)
					batch_copy_add(cp, i, &in, unit);
			}
		}
		progress_input_free(&in);
		json_array_set_new(rows, i, json_null()); /* done with it */
		if (json_array_size(errors) >= BATCH_MAX_ERRORS)
			break;
	}
	json_decref(seen);
	batch_copy_close(cp);
	return forbidden;
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

static enum svc_error batch_stage(struct db_conn *c)
{
	PGresult *r = db_exec_simple(c, SQL_BATCH_STAGE); /* two statements, no parameters */
	enum svc_error err = db_result_error(c, r);
	PQclear(r);
	return err;
}

/* Stages the rows, checks them, writes them in one transaction and replies. */
static void batch_write(struct http_ctx *ctx, struct batch_copy *cp, json_t *errors)
{
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &c);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	PGresult *r = NULL;
	const char *unit = ctx->principal.unit[0] != '\0' ? ctx->principal.unit : NULL;
	const char *role = principal_role_name(ctx->principal.role);
	const char *detail = NULL;
	double t0 = batch_now();
	if ((err = db_begin(c)) != SVC_OK || (err = batch_stage(c)) != SVC_OK ||
	    (err = db_copy_in(c, SQL_BATCH_COPY_ROWS, cp->rows_text, cp->rows_len)) != SVC_OK ||
	    (cp->n_values > 0 && (err = db_copy_in(c, SQL_BATCH_COPY_VALUES, cp->values_text,
	                                           cp->values_len)) != SVC_OK))
		goto fail;
	double t1 = batch_now();
	const char *cparams[] = {role, unit};
	if ((err = batch_exec(c, SQL_BATCH_CHECK, 2, cparams, &r)) != SVC_OK)
		goto fail;
	if (strcmp(PQgetvalue(r, 0, 2), "[]") != 0) {
		err = batch_problems(ctx, PQgetvalue(r, 0, 2), errors);
		detail = "some rows cannot be written; nothing was written";
		goto refused;
	}
	PQclear(r);
	r = NULL;
	double t2 = batch_now();
	const char *iparams[] = {ctx->principal.sub, ctx->principal.iss};
	if ((err = batch_exec(c, SQL_BATCH_INSERT, 2, iparams, &r)) != SVC_OK)
		goto fail;
	if (strtoull(PQgetvalue(r, 0, 0), NULL, 10) != cp->n) {
		PQclear(r);
		r = NULL;
		if ((err = batch_exec(c, SQL_BATCH_CONFLICTS, 0, NULL, &r)) != SVC_OK)
			goto fail;
		err = batch_problems(ctx, PQgetvalue(r, 0, 0), errors);
		detail = "records for some rows exist already; nothing was written";
		if (json_array_size(errors) == 0) /* gone again: say so without naming rows */
			err = SVC_CONFLICT;
		else
			goto refused;
		goto fail;
	}
	PQclear(r);
	r = NULL;
	double t3 = batch_now();
	if (cp->n_values > 0 && (err = batch_exec(c, SQL_BATCH_VALUES, 0, NULL, NULL)) != SVC_OK)
		goto fail;
	double t4 = batch_now();
	const char *sparams[] = {ctx->principal.sub, ctx->principal.iss, unit, ctx->request_id};
	if ((err = batch_exec(c, SQL_BATCH_AUDIT, 4, sparams, &r)) != SVC_OK)
		goto fail;
	double t5 = batch_now();
	if ((err = db_commit(c)) != SVC_OK)
		goto fail;
	db_release(ctx->app->pool, c);
	log_json("info", "batch_written",
	         json_pack("{sssIsfsfsfsfsfsfsf}", "request_id", ctx->request_id, "rows",
	                   (json_int_t)cp->n, "parse_ms", (t0 - cp->started) * 1e3, "stage_ms",
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
	batch_reply_errors(ctx, err, detail, errors);
	return;
fail:
	PQclear(r);
	db_rollback(c);
	db_release(ctx->app->pool, c);
	repo_reply_error_detail(ctx, err,
	                        err == SVC_CONFLICT    ? "a record for one of the rows was written "
	                                                 "meanwhile; nothing was written"
	                        : err == SVC_FORBIDDEN ? "the database refused a row outside the "
	                                                 "unit's scope; nothing was written"
	                                               : NULL);
}

static void progress_batch_run(struct http_ctx *ctx)
{
	json_t *errors = json_array();
	struct batch_copy cp;
	batch_copy_open(&cp);
	json_t *rows = batch_rows(ctx, errors);
	if (rows == NULL) {
		batch_copy_free(&cp);
		json_decref(errors);
		return;
	}
	if (json_array_size(rows) == 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", "the batch has no rows");
	} else if (json_array_size(rows) > BATCH_MAX_ROWS) {
		http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
	} else {
		int forbidden = batch_validate(ctx, rows, errors, &cp);
		if (json_array_size(errors) > 0)
			batch_reply_errors(ctx, forbidden ? SVC_FORBIDDEN : SVC_VALIDATION,
			                   "some rows are not valid; nothing was written", errors);
		else
			batch_write(ctx, &cp, errors);
	}
	batch_copy_free(&cp);
	json_decref(rows);
	json_decref(errors);
}

void progress_batch(struct http_ctx *ctx)
{
	if (http_query_allow(ctx, NULL) != 0)
		return;
	/* Readers and supervisors never write progress. */
	struct policy_scope early = {.assigned = 1, .acting_unit = ctx->principal.unit};
	if (http_authorize(ctx, POLICY_REPORT, &early) != 0)
		return;
	struct idem idem;
	if (idem_begin(ctx, "POST /v1/progress/batch", &idem) == IDEM_DONE)
		return;
	progress_batch_run(ctx);
	idem_finish(ctx, &idem);
}
