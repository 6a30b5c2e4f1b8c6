/* progress_batch_sheet.c — the report form's rows, read with the document reader's .xlsx code
 * (document/doc_xlsx.c), found by the column keys in the form's hidden key row, so columns a
 * spreadsheet program moved or added do not matter. */
#include "progress_batch_sheet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../document/doc_office.h"
#include "../domain.h"
#include "exports_form.h"

/* Where the form's columns are in the sheet: -1 when absent. */
struct sheet_cols {
	int fixed[EXPORT_FORM_FIXED_COLS];
	int target[EXPORT_FORM_MAX_SLOTS], value[EXPORT_FORM_MAX_SLOTS];
};

static const char *sheet_cell(const struct doc_row *row, int col)
{
	if (col < 0 || (size_t)col >= row->ncells || row->cells[col] == NULL)
		return "";
	return row->cells[col];
}

/* Reads the key row's names into c; 0 when the row is the form's key row. */
static int sheet_keys(const struct doc_row *row, struct sheet_cols *c)
{
	memset(c, 0xFF, sizeof(*c)); /* every column -1 */
	if (strcmp(sheet_cell(row, 0), export_form_keys[0]) != 0)
		return -1;
	for (size_t i = 0; i < row->ncells; i++) {
		const char *key = sheet_cell(row, (int)i);
		for (int k = 0; k < EXPORT_FORM_FIXED_COLS; k++)
			if (strcmp(key, export_form_keys[k]) == 0)
				c->fixed[k] = (int)i;
		int slot = 0;
		if (strncmp(key, "target_", 7) == 0 && (slot = atoi(key + 7)) >= 1 &&
		    slot <= EXPORT_FORM_MAX_SLOTS)
			c->target[slot - 1] = (int)i;
		else if (strncmp(key, "value_", 6) == 0 && (slot = atoi(key + 6)) >= 1 &&
		         slot <= EXPORT_FORM_MAX_SLOTS)
			c->value[slot - 1] = (int)i;
	}
	return 0;
}

/* A cell's number as JSON: an integer when whole, else a real; the text itself when it is not
 * a number, for the row checks to refuse. */
static json_t *sheet_number(const char *text)
{
	char *end = NULL;
	double v = strtod(text, &end);
	end += strspn(end, " ");
	if (end == text || *end != '\0' || !isfinite(v))
		return json_string(text);
	if (v == (double)(long long)v && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* Row as a batch row; NULL when nothing on it is filled in. */
static json_t *sheet_row(const struct doc_row *row, const struct sheet_cols *c)
{
	json_t *o = json_object(), *values = json_array();
	int filled = 0;
	for (int k = EXPORT_FORM_STATUS; k < EXPORT_FORM_FIXED_COLS; k++) {
		const char *v = sheet_cell(row, c->fixed[k]);
		if (v[0] == '\0')
			continue;
		filled = 1;
		int label = domain_lookup(export_form_status_labels, v);
		if (k == EXPORT_FORM_STATUS && label >= 0)
			v = domain_statuses[label];
		json_object_set_new(o, export_form_keys[k], json_string(v));
	}
	for (int k = 0; k < EXPORT_FORM_MAX_SLOTS; k++) {
		const char *v = sheet_cell(row, c->value[k]), *t = sheet_cell(row, c->target[k]);
		if (v[0] == '\0')
			continue;
		filled = 1;
		json_array_append_new(values, json_pack("{sIso}", "target_id", (json_int_t)atoll(t),
		                                        "value", sheet_number(v)));
	}
	if (!filled) {
		json_decref(o);
		json_decref(values);
		return NULL;
	}
	const char *id = sheet_cell(row, c->fixed[EXPORT_FORM_MEASURE_ID]);
	char *end = NULL;
	long long measure = strtoll(id, &end, 10);
	json_object_set_new(o, "measure_id",
	                    end != id && *end == '\0' ? json_integer(measure) : json_string(id));
	json_object_set_new(o, "unit", json_string(sheet_cell(row, c->fixed[EXPORT_FORM_UNIT])));
	json_object_set_new(o, "period",
	                    json_string(sheet_cell(row, c->fixed[EXPORT_FORM_PERIOD])));
	json_object_set_new(o, "values", values);
	return o;
}

static enum batch_sheet_error sheet_error(enum doc_error e, const char **message)
{
	*message = doc_error_message(e);
	return e == DOC_TOO_LARGE ? BATCH_SHEET_TOO_LARGE
	       : e == DOC_NOMEM   ? BATCH_SHEET_NOMEM
	                          : BATCH_SHEET_UNREADABLE;
}

enum batch_sheet_error batch_sheet_each(const char *body, size_t len, batch_sheet_fn fn, void *arg,
                                        const char **message)
{
	struct doc_zip *z = NULL;
	struct doc_body b;
	doc_body_init(&b);
	enum doc_error e = len > DOC_MAX_INPUT ? DOC_TOO_LARGE : doc_zip_open(body, len, &z);
	if (e == DOC_OK)
		e = doc_xlsx_read(z, &b);
	doc_zip_close(z);
	if (e != DOC_OK) {
		doc_body_free(&b);
		return sheet_error(e, message);
	}
	struct sheet_cols c;
	size_t key = 0;
	while (key < b.nrows && sheet_keys(&b.rows[key], &c) != 0)
		key++;
	enum batch_sheet_error rc = BATCH_SHEET_OK;
	if (key == b.nrows) {
		*message = "not a report form: its hidden row of column keys is missing (download "
		           "the form from /v1/exports/units/{id}/template.xlsx)";
		rc = BATCH_SHEET_NOT_A_FORM;
	}
	/* the labels follow the keys, then one row per measure */
	for (size_t i = key + 2; rc == BATCH_SHEET_OK && i < b.nrows; i++) {
		json_t *row = sheet_row(&b.rows[i], &c);
		int stop = row != NULL && fn(row, i - key - 2, arg) != 0;
		json_decref(row);
		if (stop)
			break;
	}
	doc_body_free(&b);
	return rc;
}
