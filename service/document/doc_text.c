/* doc_text.c — plain text: UTF-8 or GB18030 to UTF-8, then lines to paragraphs and cells. */
#include "document/doc_text.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

int doc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		size_t n;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1, min = 0x80, c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, min = 0x800, c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (p[i + k] & 0x3Fu);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Space, tab, line ends, and the form feed and vertical tab of a page break. */
static int all_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '\f' &&
		    s[i] != '\v')
			return 0;
	return 1;
}

/* GB18030 to UTF-8 with iconv; a GB18030 character is at most 4 bytes and becomes at most
 * 4 UTF-8 bytes, so twice the input is always room enough. */
static enum doc_error from_gb18030(const char *bytes, size_t len, char **out, size_t *out_len)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return DOC_ENCODING;
	size_t cap = len * 2 + 1;
	char *buf = malloc(cap);
	if (buf == NULL) {
		iconv_close(cd);
		return DOC_NOMEM;
	}
	char *in = (char *)bytes, *o = buf;
	size_t inleft = len, oleft = cap - 1;
	size_t r = iconv(cd, &in, &inleft, &o, &oleft);
	iconv_close(cd);
	if (r == (size_t)-1 || inleft != 0) {
		free(buf);
		return DOC_ENCODING;
	}
	*o = '\0';
	*out = buf;
	*out_len = (size_t)(o - buf);
	return doc_utf8_valid(buf, *out_len) ? DOC_OK : (free(buf), DOC_ENCODING);
}

enum doc_error doc_text_decode(const char *bytes, size_t len, char **out, size_t *out_len)
{
	return doc_text_decode_as(bytes, len, DOC_TEXT_DETECT, out, out_len);
}

enum doc_error doc_text_decode_as(const char *bytes, size_t len, enum doc_charset cs, char **out,
                                  size_t *out_len)
{
	*out = NULL;
	if (len > DOC_MAX_INPUT)
		return DOC_TOO_LARGE;
	if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
		bytes += 3, len -= 3;
	if (all_space(bytes, len))
		return DOC_EMPTY;
	if (memchr(bytes, '\0', len) != NULL)
		return DOC_FORMAT;
	if (cs == DOC_TEXT_GB18030 || (cs == DOC_TEXT_DETECT && !doc_utf8_valid(bytes, len)))
		return from_gb18030(bytes, len, out, out_len);
	if (!doc_utf8_valid(bytes, len))
		return DOC_ENCODING;
	*out = strndup(bytes, len);
	if (*out == NULL)
		return DOC_NOMEM;
	*out_len = len;
	return DOC_OK;
}

/* The row being assembled from tab cells. */
struct text_row {
	char *cells[DOC_MAX_CELLS];
	size_t n;
	size_t width; /* cells in the first (header) row; 0 until it is known */
};

static enum doc_error cell_append(struct doc_body *b, struct text_row *r, const char *s, size_t len,
                                  int new_cell)
{
	enum doc_error e = doc_body_charge(b, len + 1);
	if (e != DOC_OK)
		return e;
	if (new_cell || r->n == 0) {
		if (r->n == DOC_MAX_CELLS)
			return DOC_TOO_LARGE;
		r->cells[r->n] = strndup(s, len);
		return r->cells[r->n++] == NULL ? DOC_NOMEM : DOC_OK;
	}
	char *old = r->cells[r->n - 1];
	size_t ol = strlen(old);
	char *c = realloc(old, ol + len + 2);
	if (c == NULL)
		return DOC_NOMEM;
	c[ol] = '\n';
	memcpy(c + ol + 1, s, len);
	c[ol + len + 1] = '\0';
	r->cells[r->n - 1] = c;
	return DOC_OK;
}

static enum doc_error row_flush(struct doc_body *b, struct text_row *r)
{
	if (r->n == 0)
		return DOC_OK;
	char **cells = malloc(r->n * sizeof(*cells));
	if (cells == NULL)
		return DOC_NOMEM;
	memcpy(cells, r->cells, r->n * sizeof(*cells));
	if (r->width == 0)
		r->width = r->n;
	size_t n = r->n;
	r->n = 0;
	return doc_body_add_row(b, cells, n);
}

/* One line of the table part: tabs start cells, text without one continues a cell. */
static enum doc_error table_line(struct doc_body *b, struct text_row *r, const char *s, size_t len)
{
	if (all_space(s, len) && memchr(s, '\t', len) == NULL) {
		if (r->n == 1 || (r->width != 0 && r->n >= r->width) || r->width == 0)
			return row_flush(b, r);
		return DOC_OK;
	}
	const char *end = s + len;
	const char *tab = memchr(s, '\t', len);
	enum doc_error e = DOC_OK;
	if (tab != NULL && tab != s) /* a row on one line, as copied from a spreadsheet */
		e = row_flush(b, r);
	if (e == DOC_OK && tab != s) /* text before the first tab continues the cell before */
		e = cell_append(b, r, s, (size_t)((tab ? tab : end) - s), 0);
	while (e == DOC_OK && tab != NULL) {
		const char *start = tab + 1;
		tab = memchr(start, '\t', (size_t)(end - start));
		e = cell_append(b, r, start, (size_t)((tab ? tab : end) - start), 1);
	}
	return e;
}

enum doc_error doc_text_read(const char *text, size_t len, struct doc_body *b)
{
	struct text_row r = {.n = 0, .width = 0};
	int in_table = 0;
	enum doc_error e = DOC_OK;
	const char *p = text, *end = text + len;
	while (e == DOC_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (!in_table && memchr(p, '\t', ll) != NULL)
			in_table = 1;
		if (in_table)
			e = table_line(b, &r, p, ll);
		else if (!all_space(p, ll))
			e = doc_body_add_para(b, p, ll);
		p = nl ? nl + 1 : end;
	}
	if (e == DOC_OK)
		e = row_flush(b, &r);
	for (size_t i = 0; i < r.n; i++)
		free(r.cells[i]);
	return e;
}
