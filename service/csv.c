/* csv.c — a small state machine over the bytes; fields are copied once into JSON strings and
 * each row is handed over as soon as it ends. */
#include "csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Where csv_each is in the text, and what it has of the row being read. */
struct csv_reader {
	const char *data;
	size_t len, i, line; /* i: the byte being read; line: its line, from 1 */
	size_t count, max_rows;
	csv_row_fn fn;
	void *arg;
	char *err;
	size_t errlen;
	json_t *row; /* the cells of the row so far */
	struct csv_field f;
	int quoted;      /* inside a quoted field */
	int after_quote; /* a quoted field has closed: only a separator may follow */
};

/* One byte inside a quoted field (i == len: the text ended there). 0 to go on, -1 at a
 * fault. */
static int csv_quoted_byte(struct csv_reader *r, char c)
{
	if (r->i == r->len) {
		snprintf(r->err, r->errlen, "line %zu: a quoted field is not closed", r->line);
		return -1;
	}
	if (c != '"') {
		if (c == '\n')
			r->line++;
		return csv_push(&r->f, c);
	}
	if (r->i + 1 < r->len && r->data[r->i + 1] == '"') {
		r->i++; /* "" is one quote */
		return csv_push(&r->f, '"');
	}
	r->quoted = 0;
	r->after_quote = 1;
	return 0;
}

/* A newline outside quotes: the row ends and, unless blank, goes to fn. 0 to go on, 1 when
 * fn stopped the reading, -1 at a fault. */
static int csv_row_end(struct csv_reader *r)
{
	if (csv_end_field(&r->f, r->row) != 0) {
		snprintf(r->err, r->errlen, "line %zu: not valid UTF-8 text", r->line);
		return -1;
	}
	r->after_quote = 0;
	if (!csv_row_blank(r->row)) {
		if (r->count == r->max_rows) {
			snprintf(r->err, r->errlen, "more than %zu rows", r->max_rows);
			return -1;
		}
		if (r->fn(r->row, r->count++, r->arg) != 0)
			return 1;
	}
	json_decref(r->row);
	r->row = json_array();
	r->line++;
	return 0;
}

/* One byte outside quotes; returns as csv_row_end. */
static int csv_plain_byte(struct csv_reader *r, char c)
{
	if (c == '"' && r->f.len == 0 && !r->after_quote) {
		r->quoted = 1;
		return 0;
	}
	if (c == ',') {
		r->after_quote = 0;
		if (csv_end_field(&r->f, r->row) == 0)
			return 0;
		snprintf(r->err, r->errlen, "line %zu: not valid UTF-8 text", r->line);
		return -1;
	}
	if (c == '\r' && r->i + 1 < r->len && r->data[r->i + 1] == '\n')
		return 0; /* the \n ends the row */
	if (c == '\n')
		return csv_row_end(r);
	if (r->after_quote) {
		snprintf(r->err, r->errlen, "line %zu: text after a closing quote", r->line);
		return -1;
	}
	if (c == '"') {
		snprintf(r->err, r->errlen, "line %zu: a quote inside an unquoted field", r->line);
		return -1;
	}
	if (csv_push(&r->f, c) == 0)
		return 0;
	snprintf(r->err, r->errlen, "out of memory");
	return -1;
}

int csv_each(const char *data, size_t len, size_t max_rows, csv_row_fn fn, void *arg, char *err,
             size_t errlen)
{
	struct csv_reader r = {.data = data,
	                       .len = len,
	                       .line = 1,
	                       .max_rows = max_rows,
	                       .fn = fn,
	                       .arg = arg,
	                       .err = err,
	                       .errlen = errlen,
	                       .row = json_array()};
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r.i = 3;
	int rc = 0;
	for (; r.i <= len && rc == 0; r.i++) {
		char c = r.i < len ? data[r.i] : '\n'; /* a missing final newline ends the row */
		if (r.i == len && json_array_size(r.row) == 0 && r.f.len == 0 && !r.quoted &&
		    !r.after_quote)
			break;
		rc = r.quoted ? csv_quoted_byte(&r, c) : csv_plain_byte(&r, c);
	}
	free(r.f.buf);
	json_decref(r.row);
	return rc < 0 ? -1 : 0;
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

/* --- charsets --- */

int csv_media_type(const char *content_type, enum csv_charset *charset)
{
	*charset = CSV_CHARSET_NONE;
	if (content_type == NULL || strncasecmp(content_type, "text/csv", 8) != 0)
		return 0;
	const char *p = content_type + 8;
	p += strspn(p, " \t");
	if (*p != '\0' && *p != ';')
		return 0;
	const char *cs = strcasestr(p, "charset=");
	if (cs == NULL)
		return 1;
	cs += 8;
	cs += *cs == '"';
	size_t n = strcspn(cs, "\"; \t");
	static const char *const gb[] = {"gb18030", "gbk", "gb2312", "cp936", NULL};
	*charset = CSV_CHARSET_OTHER;
	if ((n == 5 && strncasecmp(cs, "utf-8", 5) == 0) ||
	    (n == 4 && strncasecmp(cs, "utf8", 4) == 0))
		*charset = CSV_CHARSET_UTF8;
	for (size_t i = 0; gb[i] != NULL; i++)
		if (n == strlen(gb[i]) && strncasecmp(cs, gb[i], n) == 0)
			*charset = CSV_CHARSET_GB18030;
	return 1;
}

/* Length of the well-formed UTF-8 sequence at s (at most len bytes), 0 when it is not one:
 * no overlong forms, surrogates or code points past U+10FFFF. */
static size_t csv_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n = c < 0x80                 ? 1
	           : c >= 0xC2 && c <= 0xDF ? 2
	           : c >= 0xE0 && c <= 0xEF ? 3
	           : c >= 0xF0 && c <= 0xF4 ? 4
	                                    : 0;
	if (n == 0 || n > len)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

size_t csv_utf8_bad_line(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t line = 1;
	for (size_t i = 0; i < len;) {
		size_t n = csv_utf8_seq(s + i, len - i);
		if (n == 0)
			return line;
		line += s[i] == '\n';
		i += n;
	}
	return 0;
}

char *csv_gb18030_to_utf8(const char *data, size_t len, size_t *out_len, char *err, size_t errlen)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		snprintf(err, errlen, "GB18030 is not available on this server");
		return NULL;
	}
	size_t cap = len * 2 + 16; /* a GB18030 character never grows past 4/2 UTF-8 bytes each */
	char *out = malloc(cap + 1), *in = (char *)data, *dst = out;
	size_t in_left = len, out_left = cap;
	if (out != NULL && iconv(cd, &in, &in_left, &dst, &out_left) == (size_t)-1) {
		size_t line = 1;
		for (const char *p = data; p < in; p++)
			line += *p == '\n';
		snprintf(err, errlen, "line %zu: not valid GB18030 text%s", line,
		         errno == EINVAL ? " (the text ends inside a character)" : "");
		free(out);
		out = NULL;
	} else if (out == NULL) {
		snprintf(err, errlen, "out of memory");
	} else {
		*dst = '\0';
		*out_len = (size_t)(dst - out);
	}
	iconv_close(cd);
	return out;
}
