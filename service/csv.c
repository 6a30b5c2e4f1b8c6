/* csv.c — a small state machine over the bytes; fields are copied once into JSON strings and
 * each row is handed over as soon as it ends. */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

struct csv_field {
	char *buf;
	size_t len, cap;
};

static int csv_push(struct csv_field *f, char c)
{
	if (f->len + 1 >= f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		char *grown = realloc(f->buf, cap);
		if (grown == NULL)
			return -1;
		f->buf = grown;
		f->cap = cap;
	}
	f->buf[f->len++] = c;
	return 0;
}

/* Ends a field: appends it to row; 0 ok, -1 not valid text. */
static int csv_end_field(struct csv_field *f, json_t *row)
{
	if (!validate_utf8_text(f->buf != NULL ? f->buf : "", f->len))
		return -1;
	json_array_append_new(row, json_stringn(f->buf != NULL ? f->buf : "", f->len));
	f->len = 0;
	return 0;
}

static int csv_row_blank(json_t *row)
{
	return json_array_size(row) == 1 && json_string_length(json_array_get(row, 0)) == 0;
}

int csv_each(const char *data, size_t len, size_t max_rows, csv_row_fn fn, void *arg, char *err,
             size_t errlen)
{
	size_t i = 0, line = 1, count = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	json_t *row = json_array();
	struct csv_field f = {NULL, 0, 0};
	int quoted = 0, after_quote = 0, ok = 1;
	for (; i <= len && ok; i++) {
		char c = i < len ? data[i] : '\n'; /* a missing final newline ends the row */
		if (i == len && json_array_size(row) == 0 && f.len == 0 && !quoted && !after_quote)
			break;
		if (quoted) {
			if (i == len) {
				snprintf(err, errlen, "line %zu: a quoted field is not closed",
				         line);
				ok = 0;
			} else if (c == '"') {
				if (i + 1 < len && data[i + 1] == '"') {
					ok = csv_push(&f, '"') == 0;
					i++;
				} else {
					quoted = 0;
					after_quote = 1;
				}
			} else {
				if (c == '\n')
					line++;
				ok = csv_push(&f, c) == 0;
			}
			continue;
		}
		if (c == '"' && f.len == 0 && !after_quote) {
			quoted = 1;
		} else if (c == ',') {
			if (csv_end_field(&f, row) != 0) {
				snprintf(err, errlen, "line %zu: not valid UTF-8 text", line);
				ok = 0;
			}
			after_quote = 0;
		} else if (c == '\r' && i + 1 < len && data[i + 1] == '\n') {
			continue; /* the \n ends the row */
		} else if (c == '\n') {
			if (csv_end_field(&f, row) != 0) {
				snprintf(err, errlen, "line %zu: not valid UTF-8 text", line);
				ok = 0;
				break;
			}
			after_quote = 0;
			if (!csv_row_blank(row)) {
				if (count == max_rows) {
					snprintf(err, errlen, "more than %zu rows", max_rows);
					ok = 0;
					break;
				}
				if (fn(row, count++, arg) != 0) {
					json_decref(row);
					row = NULL;
					break;
				}
			}
			json_decref(row);
			row = json_array();
			line++;
		} else if (after_quote) {
			snprintf(err, errlen, "line %zu: text after a closing quote", line);
			ok = 0;
		} else if (c == '"') {
			snprintf(err, errlen, "line %zu: a quote inside an unquoted field", line);
			ok = 0;
		} else {
			ok = csv_push(&f, c) == 0;
			if (!ok)
				snprintf(err, errlen, "out of memory");
		}
	}
	free(f.buf);
	json_decref(row);
	return ok ? 0 : -1;
}

static int csv_collect(json_t *cells, size_t index, void *rows)
{
	(void)index;
	return json_array_append(rows, cells);
}

json_t *csv_parse(const char *data, size_t len, size_t max_rows, char *err, size_t errlen)
{
	json_t *rows = json_array();
	if (csv_each(data, len, max_rows, csv_collect, rows, err, errlen) != 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}
