/* progress_batch_rows.c — reads a batch row by row: a CSV row becomes the object a JSON row
 * is, every row goes through the same checks as POST /v1/progress, and a valid row is written
 * straight out as COPY text, so memory holds the request and the COPY text, not trees of it
 * (a JSON array is parsed element by element too, see json_stream.h). */
#include "progress_batch_rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../csv.h"
#include "../pgcopy.h"
#include "../policy.h"
#include "../progress_input.h"
#include "../validate.h"

/* Reading state: the result being filled, plus what is needed across rows. */
struct batch_reader {
	struct http_ctx *ctx;
	struct batch_rows *out;
	FILE *rows, *values; /* open_memstream over out->rows_copy / out->values_copy */
	json_t *seen;        /* "measure|unit|period" -> first row index */
	json_t *header;      /* CSV: the header row's cells */
	size_t count;        /* rows read so far */
	int too_many;        /* a JSON array longer than BATCH_MAX_ROWS */
};

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

/* One valid row: a batch_rows line and a batch_values line per value. */
static void batch_copy_add(struct batch_reader *r, size_t i, const struct progress_input *in,
                           const char *unit)
{
	pgcopy_int(r->rows, (long long)i, 0);
	pgcopy_int(r->rows, in->measure_id, 0);
	pgcopy_field(r->rows, unit, 0);
	pgcopy_field(r->rows, in->period, 0);
	pgcopy_field(r->rows, in->period_start, 0);
	pgcopy_field(r->rows, in->period_end, 0);
	pgcopy_field(r->rows, in->status, 0);
	pgcopy_field(r->rows, in->summary, 0);
	pgcopy_field(r->rows, in->problems, 0);
	pgcopy_field(r->rows, in->next_steps, 0);
	pgcopy_field(r->rows, in->evidence, 1);
	r->out->n++;
	size_t k;
	json_t *v;
	json_array_foreach(in->value_list, k, v)
	{
		/* the client's digits, printed as progress_input prints them */
		char *num = json_dumps(json_object_get(v, "value"),
		                       JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		pgcopy_int(r->values, (long long)i, 0);
		pgcopy_int(r->values, json_integer_value(json_object_get(v, "target_id")), 0);
		pgcopy_field(r->values, num, 1);
		free(num);
		r->out->n_values++;
	}
}

/* 1 when the errors already fill a reply: later rows are only counted, so that a batch too
 * long is still 413 whatever its rows hold. */
static int batch_errors_full(const struct batch_reader *r)
{
	return json_array_size(r->out->errors) >= BATCH_MAX_ERRORS;
}

/* Checks one row (an object, as in a JSON batch) and, when the batch is still clean, writes
 * it out. */
static void batch_row(struct batch_reader *r, json_t *row, size_t i)
{
	const struct principal *who = &r->ctx->principal;
	json_t *errors = r->out->errors;
	char base[32];
	snprintf(base, sizeof(base), "/%zu", i);
	struct progress_input in;
	if (progress_input_create(row, base, &in, errors) == 0) {
		const char *unit = policy_acting_unit(who, in.unit);
		char p[64];
		snprintf(p, sizeof(p), "%s/unit", base);
		struct policy_scope s = {.assigned = 1, .acting_unit = unit};
		if (!policy_allows(who, POLICY_REPORT, &s, NULL)) {
			verr_add(errors, p, "a reporter reports only as its own unit");
			r->out->forbidden = 1;
		} else if (unit == NULL) {
			verr_add(errors, p, "an admin must name the unit of every row");
		} else {
			char key[320];
			snprintf(key, sizeof(key), "%lld|%s|%s", in.measure_id, unit, in.period);
			json_t *first = json_object_get(r->seen, key);
			if (first != NULL)
				verr_add(
				        errors, base,
				        "repeats row %lld: one record per measure, unit and period",
				        json_integer_value(first));
			else
				json_object_set_new(r->seen, key, json_integer((json_int_t)i));
			if (json_array_size(errors) == 0)
				batch_copy_add(r, i, &in, unit);
		}
	}
	progress_input_free(&in);
}

/* The CSV header: every column must be known, and named once (else the last would win). */
static void batch_csv_header(struct batch_reader *r, json_t *header)
{
	json_t *seen = json_object(); /* column name -> its first index */
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
		json_t *first = json_object_get(seen, col);
		if (first != NULL)
			verr_add(r->out->errors, p, "column \"%s\" appears twice (also at %lld)",
			         col, (long long)json_integer_value(first));
		else
			json_object_set_new(seen, col, json_integer((json_int_t)c));
		if (!validate_enum(col, known) &&
		    !(strncmp(col, "target_", 7) == 0 && col[7] >= '1' && col[7] <= '9' &&
		      strspn(col + 7, "0123456789") == strlen(col + 7)))
			verr_add(
			        r->out->errors, p,
			        "unknown column \"%s\"; expected measure_id, unit, period, status, "
			        "summary, problems, next_steps, evidence_title, evidence_url or "
			        "target_<id>",
			        col);
	}
	json_decref(seen);
	r->header = json_incref(header);
}

static int batch_json_row(json_t *row, size_t index, void *arg)
{
	struct batch_reader *r = arg;
	if (index >= BATCH_MAX_ROWS) {
		r->too_many = 1;
		return 1;
	}
	r->count++;
	if (!batch_errors_full(r))
		batch_row(r, row, index);
	return 0;
}

static int batch_csv_row(json_t *cells, size_t index, void *arg)
{
	struct batch_reader *r = arg;
	if (index == 0) {
		batch_csv_header(r, cells);
		return 0;
	}
	r->count++;
	if (batch_errors_full(r))
		return 0;
	json_t *row = batch_csv_object(r->header, cells, index - 1, r->out->errors);
	batch_row(r, row, index - 1);
	json_decref(row);
	return 0;
}

/* Reads the body into r; 0, or -1 after replying. */
static int batch_read_body(struct http_ctx *ctx, struct batch_reader *r)
{
	if (http_body_content_type(ctx, "application/json")) {
		int rc = http_json_array_each(ctx, batch_json_row, r);
		if (rc == -2)
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "",
			                   "a batch is a JSON array of progress records");
		else if (rc == 0 && r->too_many)
			http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
		return rc == 0 && !r->too_many ? 0 : -1;
	}
	if (!http_body_content_type(ctx, "text/csv")) {
		http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA,
		                   "a batch is application/json or text/csv in UTF-8");
		return -1;
	}
	char err[160];
	if (csv_each(ctx->req->binary_body != NULL ? ctx->req->binary_body : "",
	             ctx->req->binary_body_length, BATCH_MAX_ROWS + 1, batch_csv_row, r, err,
	             sizeof(err)) != 0) {
		if (strncmp(err, "more than", 9) == 0)
			http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
		else
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "", err);
		return -1;
	}
	return 0;
}

int batch_rows_read(struct http_ctx *ctx, struct batch_rows *rows)
{
	memset(rows, 0, sizeof(*rows));
	rows->errors = json_array();
	struct batch_reader r = {
	        .ctx = ctx,
	        .out = rows,
	        .rows = open_memstream(&rows->rows_copy, &rows->rows_len),
	        .values = open_memstream(&rows->values_copy, &rows->values_len),
	        .seen = json_object(),
	};
	int rc = -1;
	if (r.rows == NULL || r.values == NULL)
		http_reply_problem(ctx, SVC_INTERNAL, "out of memory");
	else
		rc = batch_read_body(ctx, &r);
	if (r.rows != NULL)
		fclose(r.rows);
	if (r.values != NULL)
		fclose(r.values);
	json_decref(r.seen);
	json_decref(r.header);
	if (rc == 0 && r.count == 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", "the batch has no rows");
		rc = -1;
	}
	return rc;
}

void batch_rows_free(struct batch_rows *rows)
{
	json_decref(rows->errors);
	free(rows->rows_copy);
	free(rows->values_copy);
	memset(rows, 0, sizeof(*rows));
}
