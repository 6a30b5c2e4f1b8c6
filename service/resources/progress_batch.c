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
#include "../progress_input.h"
#include "../repo.h"
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

/* The rows as the statements take them, written as JSON text row by row so that memory
 * holds the request, not several object trees of it. */
struct batch_sql {
	FILE *check, *insert; /* "[{i, measure_id, unit, period, targets, percents}, ...]" */
	char *check_text, *insert_text;
	size_t check_len, insert_len, rows;
};

static void batch_sql_open(struct batch_sql *sql)
{
	memset(sql, 0, sizeof(*sql));
	sql->check = open_memstream(&sql->check_text, &sql->check_len);
	sql->insert = open_memstream(&sql->insert_text, &sql->insert_len);
	fputc('[', sql->check);
	fputc('[', sql->insert);
}

static void batch_sql_close(struct batch_sql *sql)
{
	if (sql->check != NULL) {
		fputc(']', sql->check);
		fclose(sql->check);
	}
	if (sql->insert != NULL) {
		fputc(']', sql->insert);
		fclose(sql->insert);
	}
	sql->check = sql->insert = NULL;
}

static void batch_sql_free(struct batch_sql *sql)
{
	batch_sql_close(sql);
	free(sql->check_text);
	free(sql->insert_text);
}

static void batch_sql_append(FILE *out, size_t n, json_t *row)
{
	if (n > 0)
		fputc(',', out);
	json_dumpf(row, out, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(row);
}

/* One valid row as the two statement rows. */
static void batch_sql_add(struct batch_sql *sql, size_t i, const struct progress_input *in,
                          const char *unit)
{
	json_t *vals = json_loads(in->values, 0, NULL), *percents = json_array();
	size_t k;
	json_t *v;
	json_array_foreach(vals, k, v)
	{
		if (json_number_value(json_object_get(v, "value")) > 100)
			json_array_append(percents, json_object_get(v, "target_id"));
	}
	json_t *check = json_object();
	json_object_set_new(check, "i", json_integer((json_int_t)i));
	json_object_set_new(check, "measure_id", json_integer(in->measure_id));
	json_object_set_new(check, "unit", json_string(unit));
	json_object_set_new(check, "period", json_string(in->period));
	json_t *ins = json_copy(check);
	json_object_set(check, "targets", in->target_ids);
	json_object_set_new(check, "percents", percents);
	json_object_set_new(ins, "period_start", json_string(in->period_start));
	json_object_set_new(ins, "period_end", json_string(in->period_end));
	json_object_set_new(ins, "status", json_string(in->status));
	json_object_set_new(ins, "summary", json_string(in->summary));
	if (in->problems != NULL)
		json_object_set_new(ins, "problems", json_string(in->problems));
	if (in->next_steps != NULL)
		json_object_set_new(ins, "next_steps", json_string(in->next_steps));
	json_object_set_new(ins, "evidence", json_loads(in->evidence, 0, NULL));
	json_object_set_new(ins, "values", vals);
	batch_sql_append(sql->check, sql->rows, check);
	batch_sql_append(sql->insert, sql->rows, ins);
	sql->rows++;
}

/* Validates every row (freeing each once read) into sql; returns 1 when a row is outside the
 * token's scope. */
static int batch_validate(struct http_ctx *ctx, json_t *rows, json_t *errors, struct batch_sql *sql)
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
					batch_sql_add(sql, i, &in, unit);
			}
		}
		progress_input_free(&in);
		json_array_set_new(rows, i, json_null()); /* done with it */
		if (json_array_size(errors) >= BATCH_MAX_ERRORS)
			break;
	}
	json_decref(seen);
	batch_sql_close(sql);
	return forbidden;
}

/* Runs the batch statements in one transaction and replies. */
static void batch_write(struct http_ctx *ctx, struct batch_sql *sql, json_t *errors)
{
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &c);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	char *ids_text = NULL;
	json_t *ids = NULL;
	PGresult *r = NULL;
	const char *unit = ctx->principal.unit[0] != '\0' ? ctx->principal.unit : NULL;
	const char *role = principal_role_name(ctx->principal.role);
	if ((err = db_begin(c)) != SVC_OK)
		goto fail;
	double t0 = batch_now();
	const char *cp[] = {sql->check_text, role, unit};
	r = db_exec(c, STMT_PROGRESS_BATCH_CHECK, 3, cp);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	json_t *problems = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
	PQclear(r);
	r = NULL;
	if (json_array_size(problems) > 0) {
		enum svc_error kind = SVC_UNPROCESSABLE;
		size_t k;
		json_t *pr;
		json_array_foreach(problems, k, pr)
		{
			const char *msg = json_string_value(json_object_get(pr, "problem"));
			char p[96];
			snprintf(p, sizeof(p), "/%lld/%s",
			         json_integer_value(json_object_get(pr, "i")),
			         json_string_value(json_object_get(pr, "field")));
			verr_add(errors, p, "%s", msg);
			if (strncmp(msg, "forbidden", 9) == 0 &&
			    ctx->principal.role == ROLE_REPORTER)
				kind = SVC_FORBIDDEN;
			else if (strncmp(msg, "conflict", 8) == 0 && kind != SVC_FORBIDDEN)
				kind = SVC_CONFLICT;
		}
		json_decref(problems);
		db_rollback(c);
		db_release(ctx->app->pool, c);
		batch_reply_errors(ctx, kind, "some rows cannot be written; nothing was written",
		                   errors);
		return;
	}
	json_decref(problems);
	double t1 = batch_now();
	const char *ip[] = {sql->insert_text, ctx->principal.sub, ctx->principal.iss};
	r = db_exec(c, STMT_PROGRESS_BATCH_INSERT, 3, ip);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	ids = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	r = NULL;
	if (json_array_size(ids) != sql->rows) {
		err = SVC_CONFLICT; /* a concurrent writer took one of the periods */
		goto fail;
	}
	double t2 = batch_now();
	const char *vp[] = {sql->insert_text};
	r = db_exec(c, STMT_PROGRESS_BATCH_VALUES, 1, vp);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	PQclear(r);
	double t3 = batch_now();
	ids_text = json_dumps(ids, JSON_COMPACT);
	const char *sp[] = {ids_text, ctx->principal.sub, ctx->principal.iss, unit,
	                    ctx->request_id};
	r = db_exec(c, STMT_PROGRESS_BATCH_SNAPSHOT, 5, sp);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	PQclear(r);
	r = NULL;
	double t4 = batch_now();
	if ((err = db_commit(c)) != SVC_OK)
		goto fail;
	db_release(ctx->app->pool, c);
	log_json("info", "batch_written",
	         json_pack("{sssIsfsfsfsfsf}", "request_id", ctx->request_id, "rows",
	                   (json_int_t)sql->rows, "check_ms", (t1 - t0) * 1e3, "insert_ms",
	                   (t2 - t1) * 1e3, "values_ms", (t3 - t2) * 1e3, "snapshot_ms",
	                   (t4 - t3) * 1e3, "commit_ms", (batch_now() - t4) * 1e3));
	http_reply_json(
	        ctx, 201,
	        json_pack("{sIsO}", "created", (json_int_t)json_array_size(ids), "ids", ids));
	goto done;
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
done:
	free(ids_text);
	json_decref(ids);
}

static void progress_batch_run(struct http_ctx *ctx)
{
	json_t *errors = json_array();
	json_t *rows = batch_rows(ctx, errors);
	if (rows == NULL) {
		json_decref(errors);
		return;
	}
	struct batch_sql sql;
	batch_sql_open(&sql);
	if (json_array_size(rows) == 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", "the batch has no rows");
	} else if (json_array_size(rows) > BATCH_MAX_ROWS) {
		http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
	} else {
		int forbidden = batch_validate(ctx, rows, errors, &sql);
		if (json_array_size(errors) > 0)
			batch_reply_errors(ctx, forbidden ? SVC_FORBIDDEN : SVC_VALIDATION,
			                   "some rows are not valid; nothing was written", errors);
		else
			batch_write(ctx, &sql, errors);
	}
	batch_sql_free(&sql);
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
