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
