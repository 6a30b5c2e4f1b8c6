/* progress_batch.c — many records in one request (a JSON array or CSV), validated whole and
 * written all or nothing with set-based statements. */
#include "progress_batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../csv.h"
#include "../db.h"
#include "../idempotency.h"
#include "../progress_input.h"
#include "../repo.h"
#include "../validate.h"

#define BATCH_MAX_ROWS   100000
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
			json_array_append_new(values, json_pack("{sIsf}", "target_id",
			                                        (json_int_t)target, "value", v));
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

/* The rows as the statements take them, and the (measure, unit, period) check. */
struct batch_sql {
	json_t *check;  /* [{i, measure_id, unit, period, targets, percents}] */
	json_t *insert; /* [{i, measure_id, unit, period, ...}] */
	json_t *values; /* per row: its values array */
};

static int batch_validate(struct http_ctx *ctx, json_t *rows, json_t *errors, struct batch_sql *sql)
{
	json_t *seen = json_object();
	size_t i;
	json_t *row;
	int forbidden = 0;
	json_array_foreach(rows, i, row)
	{
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
				json_t *vals = json_loads(in.values, 0, NULL);
				json_t *percents = json_array();
				size_t k;
				json_t *v;
				json_array_foreach(
				        vals, k,
				        v) if (json_number_value(json_object_get(v, "value")) > 100)
				        json_array_append(percents,
				                          json_object_get(v, "target_id"));
				json_t *check = json_object(), *ins = json_object();
				json_object_set_new(check, "i", json_integer((json_int_t)i));
				json_object_set_new(check, "measure_id",
				                    json_integer(in.measure_id));
				json_object_set_new(check, "unit", json_string(unit));
				json_object_set_new(check, "period", json_string(in.period));
				json_object_set(check, "targets", in.target_ids);
				json_object_set_new(check, "percents", percents);
				json_array_append_new(sql->check, check);
				json_object_update(ins, check);
				json_object_del(ins, "targets");
				json_object_del(ins, "percents");
				json_object_set_new(ins, "period_start",
				                    json_string(in.period_start));
				json_object_set_new(ins, "period_end", json_string(in.period_end));
				json_object_set_new(ins, "status", json_string(in.status));
				json_object_set_new(ins, "summary", json_string(in.summary));
				if (in.problems != NULL)
					json_object_set_new(ins, "problems",
					                    json_string(in.problems));
				if (in.next_steps != NULL)
					json_object_set_new(ins, "next_steps",
					                    json_string(in.next_steps));
				json_object_set_new(ins, "evidence",
				                    json_loads(in.evidence, 0, NULL));
				json_array_append_new(sql->insert, ins);
				json_array_append_new(sql->values, vals);
			}
		}
		progress_input_free(&in);
		if (json_array_size(errors) >= BATCH_MAX_ERRORS)
			break;
	}
	json_decref(seen);
	return forbidden;
}

/* Runs the batch statements in one transaction; on refusal replies and returns -1. */
static void batch_write(struct http_ctx *ctx, struct batch_sql *sql, json_t *errors)
{
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &c);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	char *check = json_dumps(sql->check, JSON_COMPACT);
	char *insert = json_dumps(sql->insert, JSON_COMPACT);
	char *ids_text = NULL, *values = NULL;
	json_t *ids = NULL, *with_ids = NULL;
	PGresult *r = NULL;
	const char *unit = ctx->principal.unit[0] != '\0' ? ctx->principal.unit : NULL;
	const char *role = principal_role_name(ctx->principal.role);
	if ((err = db_begin(c)) != SVC_OK)
		goto fail;
	const char *cp[] = {check, role, unit};
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
		goto done;
	}
	json_decref(problems);
	const char *ip[] = {insert, ctx->principal.sub, ctx->principal.iss};
	r = db_exec(c, STMT_PROGRESS_BATCH_INSERT, 3, ip);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	ids = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	r = NULL;
	if (json_array_size(ids) != json_array_size(sql->insert)) {
		err = SVC_CONFLICT; /* a concurrent writer took one of the periods */
		goto fail;
	}
	with_ids = json_array();
	for (size_t k = 0; k < json_array_size(ids); k++)
		json_array_append_new(with_ids,
		                      json_pack("{sOsO}", "id", json_array_get(ids, k), "values",
		                                json_array_get(sql->values, k)));
	values = json_dumps(with_ids, JSON_COMPACT);
	const char *vp[] = {values};
	r = db_exec(c, STMT_PROGRESS_BATCH_VALUES, 1, vp);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	PQclear(r);
	ids_text = json_dumps(ids, JSON_COMPACT);
	const char *sp[] = {ids_text, ctx->principal.sub, ctx->principal.iss, unit,
	                    ctx->request_id};
	r = db_exec(c, STMT_PROGRESS_BATCH_SNAPSHOT, 5, sp);
	if ((err = db_result_error(c, r)) != SVC_OK)
		goto fail;
	PQclear(r);
	r = NULL;
	if ((err = db_commit(c)) != SVC_OK)
		goto fail;
	db_release(ctx->app->pool, c);
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
	free(check);
	free(insert);
	free(values);
	free(ids_text);
	json_decref(ids);
	json_decref(with_ids);
}

static void progress_batch_run(struct http_ctx *ctx)
{
	json_t *errors = json_array();
	json_t *rows = batch_rows(ctx, errors);
	if (rows == NULL) {
		json_decref(errors);
		return;
	}
	struct batch_sql sql = {json_array(), json_array(), json_array()};
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
	json_decref(sql.check);
	json_decref(sql.insert);
	json_decref(sql.values);
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
