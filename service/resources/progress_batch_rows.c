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
#include "../http.h"
#include "../pgcopy.h"
#include "../policy.h"
#include "../progress_input.h"
#include "../validate.h"
#include "progress_batch_sheet.h"

#define BATCH_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Reading state: the result being filled, plus what is needed across rows. */
struct batch_reader {
	struct http_ctx *ctx;
	struct batch_rows *out;
	FILE *rows, *values; /* open_memstream over out->rows_copy / out->values_copy */
	json_t *seen;        /* "measure|unit|period" -> first row index */
	json_t *header;      /* CSV: the header row's cells */
	size_t count;        /* rows read so far */
	int too_many;        /* a JSON array longer than BATCH_MAX_ROWS */
	int long_form;       /* CSV with target_id and value columns: a row per target */
	json_t *pending;     /* long form: the record being collected, owned */
	size_t pending_index;
};

static const char *const batch_text_columns[] = {"measure_code", "unit",     "period",     "status",
                                                 "summary",      "problems", "next_steps", NULL};

/* A CSV value column names its target: target_<id> or target:<code> (':' is in no code). */
#define BATCH_TARGET_ID_PREFIX   "target_"
#define BATCH_TARGET_CODE_PREFIX "target:"
#define BATCH_TARGET_PREFIX_LEN  7

/* 1 when col is target_<id>: an id without leading zeros. */
static int batch_target_id_column(const char *col)
{
	const char *id = col + BATCH_TARGET_PREFIX_LEN;
	return strncmp(col, BATCH_TARGET_ID_PREFIX, BATCH_TARGET_PREFIX_LEN) == 0 && id[0] >= '1' &&
	       id[0] <= '9' && strspn(id, "0123456789") == strlen(id);
}

/* 1 when col is target:<code>. */
static int batch_target_code_column(const char *col)
{
	return strncmp(col, BATCH_TARGET_CODE_PREFIX, BATCH_TARGET_PREFIX_LEN) == 0 &&
	       validate_code(col + BATCH_TARGET_PREFIX_LEN);
}

enum batch_target_by { BATCH_BY_ID, BATCH_BY_CODE };

/* Appends {target_id or target_code, value} to values, or an error at ptr when cell is not a
 * number. target is the id's digits or the code. */
static void batch_csv_value(json_t *values, const char *target, enum batch_target_by by,
                            const char *cell, const char *ptr, json_t *errors)
{
	char *end = NULL;
	double v = strtod(cell, &end);
	if (end == cell || *end != '\0' || !isfinite(v)) {
		verr_add(errors, ptr, "must be a number");
		return;
	}
	/* whole numbers stay integers; others keep 15 significant digits */
	json_t *num = v == (double)(long long)v && fabs(v) < 1e15 ? json_integer((json_int_t)v)
	                                                          : json_real(v);
	json_t *value = json_pack("{so}", "value", num);
	if (by == BATCH_BY_CODE)
		json_object_set_new(value, "target_code", json_string(target));
	else
		json_object_set_new(value, "target_id", json_integer(atoll(target)));
	json_array_append_new(values, value);
}

/* A CSV row as the JSON object the validator expects; cell problems go to errors. Columns
 * other than the batch's are ignored (an export's list columns, codes). */
static json_t *batch_csv_object(json_t *header, json_t *cells, size_t i, json_t *errors)
{
	json_t *o = json_object(), *values = json_array();
	const char *etitle = NULL, *eurl = NULL, *target = NULL, *value = NULL;
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
		snprintf(ptr, sizeof(ptr), "/%zu/%s", i, col);
		if (batch_target_id_column(col) || batch_target_code_column(col)) {
			batch_csv_value(values, col + BATCH_TARGET_PREFIX_LEN,
			                batch_target_code_column(col) ? BATCH_BY_CODE : BATCH_BY_ID,
			                cell, ptr, errors);
		} else if (strcmp(col, "measure_id") == 0) {
			char *end = NULL;
			long long id = strtoll(cell, &end, 10);
			json_object_set_new(o, col,
			                    *end == '\0' && end != cell ? json_integer(id)
			                                                : json_string(cell));
		} else if (strcmp(col, "target_id") == 0) {
			target = cell;
		} else if (strcmp(col, "value") == 0) {
			value = cell;
		} else if (strcmp(col, "evidence_title") == 0) {
			etitle = cell;
		} else if (strcmp(col, "evidence_url") == 0) {
			eurl = cell;
		} else if (validate_enum(col, batch_text_columns)) {
			json_object_set_new(o, col, json_string(cell));
		}
	}
	snprintf(ptr, sizeof(ptr), "/%zu/value", i);
	if (value != NULL && target == NULL)
		verr_add(errors, ptr, "a value needs its target_id");
	else if (value != NULL)
		batch_csv_value(values, target, BATCH_BY_ID, value, ptr, errors);
	if (json_array_size(values) > 0)
		json_object_set(o, "values", values);
	json_decref(values);
	if (etitle != NULL || eurl != NULL)
		json_object_set_new(o, "evidence",
		                    json_pack("[{ssss}]", "title", etitle ? etitle : "", "url",
		                              eurl ? eurl : ""));
	return o;
}

/* An id field, or NULL for 0 (the row gave a code instead). */
static void batch_copy_id(FILE *out, long long id)
{
	if (id != 0)
		pgcopy_int(out, id, PGCOPY_NEXT);
	else
		pgcopy_field(out, NULL, PGCOPY_NEXT);
}

/* One valid row: a batch_rows line and a batch_values line per value. */
static void batch_copy_add(struct batch_reader *r, size_t i, const struct progress_input *in,
                           const char *unit)
{
	pgcopy_int(r->rows, (long long)i, PGCOPY_NEXT);
	batch_copy_id(r->rows, in->measure_id);
	pgcopy_field(r->rows, in->measure_code, PGCOPY_NEXT);
	pgcopy_field(r->rows, unit, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->period, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->period_start, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->period_end, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->status, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->summary, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->problems, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->next_steps, PGCOPY_NEXT);
	pgcopy_field(r->rows, in->evidence, PGCOPY_LAST);
	r->out->n++;
	int by_code = in->measure_id == 0;
	size_t k;
	json_t *v;
	json_array_foreach(in->value_list, k, v)
	{
		json_t *target = json_object_get(v, "target_id");
		by_code |= target == NULL;
		/* the client's digits, printed as progress_input prints them */
		char *num = json_dumps(json_object_get(v, "value"),
		                       JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		pgcopy_int(r->values, (long long)i, PGCOPY_NEXT);
		batch_copy_id(r->values, target != NULL ? json_integer_value(target) : 0);
		pgcopy_field(r->values, json_string_value(json_object_get(v, "target_code")),
		             PGCOPY_NEXT);
		pgcopy_field(r->values, num, PGCOPY_LAST);
		free(num);
		r->out->n_values++;
	}
	r->out->n_by_code += (size_t)by_code;
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
			/* by id, or by code (a row naming its measure the other way is the
			 * database's conflict) */
			if (in.measure_id != 0)
				snprintf(key, sizeof(key), "%lld|%s|%s", in.measure_id, unit,
				         in.period);
			else
				snprintf(key, sizeof(key), "c%s|%s|%s", in.measure_code, unit,
				         in.period);
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

/* The CSV header. Unknown columns are ignored, so that an export with its list columns is a
 * batch, but a column named twice is refused (else the last would win); a target_id column
 * makes it the export's long form: a row per target. */
static void batch_csv_header(struct batch_reader *r, json_t *header)
{
	json_t *seen = json_object(); /* column name -> its first index */
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
		if (strcmp(col, "target_id") == 0)
			r->long_form = 1;
		/* a column meant as a target's value column that names no target is a mistake to
		 * report, not a column to ignore (target_id and target_code are the long form's) */
		else if (strcmp(col, "target_code") != 0 &&
		         (strncmp(col, BATCH_TARGET_ID_PREFIX, BATCH_TARGET_PREFIX_LEN) == 0 ||
		          strncmp(col, BATCH_TARGET_CODE_PREFIX, BATCH_TARGET_PREFIX_LEN) == 0) &&
		         !batch_target_id_column(col) && !batch_target_code_column(col))
			verr_add(r->out->errors, p,
			         "column \"%s\" names no target: use target_<id> or target:<code>",
			         col);
	}
	json_decref(seen);
	r->header = json_incref(header);
}

/* Checks and writes the long form's record collected so far. */
static void batch_csv_flush(struct batch_reader *r)
{
	if (r->pending == NULL)
		return;
	r->count++;
	if (!batch_errors_full(r))
		batch_row(r, r->pending, r->pending_index);
	json_decref(r->pending);
	r->pending = NULL;
}

/* Whether row has nothing filled in: a template row left alone. */
static int batch_csv_untouched(json_t *row)
{
	static const char *const filled[] = {"status",     "summary", "problems",
	                                     "next_steps", "values",  "evidence"};
	for (size_t k = 0; k < sizeof(filled) / sizeof(filled[0]); k++)
		if (json_object_get(row, filled[k]) != NULL)
			return 0;
	return 1;
}

/* The long form: consecutive rows of one measure, unit and period are one record (its texts
 * from the first row that has them, a value from each); untouched rows are skipped. */
static void batch_csv_long_row(struct batch_reader *r, json_t *row, size_t i)
{
	if (batch_csv_untouched(row)) {
		json_decref(row);
		return;
	}
	json_t *p = r->pending;
	static const char *const keys[] = {"measure_id", "unit", "period"};
	int same = p != NULL;
	for (size_t k = 0; same && k < 3; k++) {
		json_t *a = json_object_get(p, keys[k]), *b = json_object_get(row, keys[k]);
		same = (a == NULL && b == NULL) || (a != NULL && b != NULL && json_equal(a, b));
	}
	if (!same) {
		batch_csv_flush(r);
		r->pending = row;
		r->pending_index = i;
		return;
	}
	json_t *values = json_object_get(p, "values"), *more = json_object_get(row, "values");
	if (values == NULL) {
		values = json_array();
		json_object_set_new(p, "values", values);
	}
	if (more != NULL)
		json_array_extend(values, more);
	json_object_update_missing(p, row);
	json_decref(row);
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
	json_t *row = batch_csv_object(r->header, cells, index - 1, r->out->errors);
	if (r->long_form) {
		batch_csv_long_row(r, row, index - 1);
		return 0;
	}
	r->count++;
	if (!batch_errors_full(r))
		batch_row(r, row, index - 1);
	json_decref(row);
	return 0;
}

static int batch_sheet_row(json_t *row, size_t index, void *arg)
{
	struct batch_reader *r = arg;
	r->count++;
	if (!batch_errors_full(r))
		batch_row(r, row, index);
	return 0;
}

/* A filled report form; 0, or -1 after replying. */
static int batch_read_sheet(struct http_ctx *ctx, struct batch_reader *r)
{
	size_t len = 0;
	const char *body = http_body(ctx, &len), *message = NULL;
	enum batch_sheet_error e = batch_sheet_each(body, len, batch_sheet_row, r, &message);
	if (e == BATCH_SHEET_OK)
		return 0;
	if (e == BATCH_SHEET_TOO_LARGE)
		http_reply_problem(ctx, SVC_TOO_LARGE, message);
	else if (e == BATCH_SHEET_NOMEM)
		http_reply_problem(ctx, SVC_INTERNAL, "out of memory");
	else
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", message);
	return -1;
}

/* CSV in UTF-8 (a BOM or not), or in GB18030/GBK when the charset says so; 0, or -1 after
 * replying. */
static int batch_read_csv(struct http_ctx *ctx, struct batch_reader *r, enum csv_charset cs)
{
	char err[200];
	size_t len = 0;
	const char *body = http_body(ctx, &len);
	char *converted = NULL;
	if (cs == CSV_CHARSET_OTHER) {
		http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA,
		                   "a CSV batch is UTF-8 or GB18030 (charset=gb18030 or gbk)");
		return -1;
	}
	if (cs == CSV_CHARSET_GB18030) {
		converted = csv_gb18030_to_utf8(body, len, &len, err, sizeof(err));
		if (converted == NULL) {
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "", err);
			return -1;
		}
		body = converted;
	} else {
		size_t line = csv_utf8_bad_line(body, len);
		if (line > 0) {
			snprintf(
			        err, sizeof(err),
			        "line %zu is not UTF-8: save the file as UTF-8 (CSV UTF-8) or "
			        "declare its charset, e.g. Content-Type: text/csv; charset=gb18030",
			        line);
			http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA, err);
			return -1;
		}
	}
	int rc = csv_each(body, len, BATCH_MAX_ROWS + 1, batch_csv_row, r, err, sizeof(err));
	free(converted);
	if (rc == 0)
		batch_csv_flush(r);
	if (rc != 0) {
		if (strncmp(err, "more than", 9) == 0)
			http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
		else
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "", err);
		return -1;
	}
	return 0;
}

/* Reads the body into r; 0, or -1 after replying. */
static int batch_read_body(struct http_ctx *ctx, struct batch_reader *r)
{
	enum csv_charset cs;
	if (http_body_content_type(ctx, "application/json")) {
		int rc = http_json_array_each(ctx, batch_json_row, r);
		if (rc == -2)
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "",
			                   "a batch is a JSON array of progress records");
		else if (rc == 0 && r->too_many)
			http_reply_problem(ctx, SVC_TOO_LARGE, "at most 100000 rows per batch");
		return rc == 0 && !r->too_many ? 0 : -1;
	}
	if (csv_media_type(http_header(ctx, "Content-Type"), &cs))
		return batch_read_csv(ctx, r, cs);
	if (http_body_content_type(ctx, BATCH_XLSX_TYPE))
		return batch_read_sheet(ctx, r);
	http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA,
	                   "a batch is application/json, text/csv (UTF-8 or GB18030) or a filled "
	                   "report form (" BATCH_XLSX_TYPE ")");
	return -1;
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
	json_decref(r.pending);
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
