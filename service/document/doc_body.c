/* doc_body.c — the container every reader fills: table rows and paragraphs, bounded. */
#include "document/doc.h"

#include <stdlib.h>
#include <string.h>

const char *doc_error_message(enum doc_error e)
{
	switch (e) {
	case DOC_OK:
		return "ok";
	case DOC_EMPTY:
		return "the file is empty";
	case DOC_ENCODING:
		return "the text is neither UTF-8 nor GB18030";
	case DOC_FORMAT:
		return "not a text, .docx or .xlsx file";
	case DOC_ENCRYPTED:
		return "the file is encrypted";
	case DOC_TOO_LARGE:
		return "the file is too large, or expands too much (a zip bomb)";
	case DOC_BAD_XML:
		return "the Office XML inside the file is broken";
	case DOC_NOT_A_LIST:
		return "no responsibility list found: no table with known headers and no numbered "
		       "measures with units";
	case DOC_NOMEM:
		return "out of memory";
	case DOC_WRONG_TYPE:
		return "the content is not of the declared type";
	}
	return "unknown error";
}

void doc_body_init(struct doc_body *b)
{
	memset(b, 0, sizeof(*b));
}

void doc_body_free(struct doc_body *b)
{
	for (size_t i = 0; i < b->nrows; i++) {
		for (size_t j = 0; j < b->rows[i].ncells; j++)
			free(b->rows[i].cells[j]);
		free(b->rows[i].cells);
	}
	free(b->rows);
	for (size_t i = 0; i < b->nparas; i++)
		free(b->paras[i]);
	free(b->paras);
	doc_body_init(b);
}

enum doc_error doc_body_charge(struct doc_body *b, size_t len)
{
	if (len > DOC_MAX_TEXT - b->text_bytes)
		return DOC_TOO_LARGE;
	b->text_bytes += len;
	return DOC_OK;
}

/* Replaces the control characters of s that text may not hold by spaces; counts them in b. */
static void clean(struct doc_body *b, char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') {
			*s = ' ';
			b->controls++;
		}
}

static void free_cells(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

enum doc_error doc_body_add_row(struct doc_body *b, char **cells, size_t ncells)
{
	if (b->nrows >= DOC_MAX_ROWS) {
		free_cells(cells, ncells);
		return DOC_TOO_LARGE;
	}
	if (b->nrows == b->rows_cap) {
		size_t cap = b->rows_cap ? b->rows_cap * 2 : 32;
		struct doc_row *r = realloc(b->rows, cap * sizeof(*r));
		if (r == NULL) {
			free_cells(cells, ncells);
			return DOC_NOMEM;
		}
		b->rows = r;
		b->rows_cap = cap;
	}
	for (size_t i = 0; i < ncells; i++)
		if (cells[i] != NULL)
			clean(b, cells[i]);
	b->rows[b->nrows].cells = cells;
	b->rows[b->nrows].ncells = ncells;
	b->nrows++;
	return DOC_OK;
}

enum doc_error doc_body_add_para(struct doc_body *b, const char *text, size_t len)
{
	if (b->nparas >= DOC_MAX_PARAS)
		return DOC_TOO_LARGE;
	enum doc_error e = doc_body_charge(b, len + 1);
	if (e != DOC_OK)
		return e;
	if (b->nparas == b->paras_cap) {
		size_t cap = b->paras_cap ? b->paras_cap * 2 : 64;
		char **p = realloc(b->paras, cap * sizeof(*p));
		if (p == NULL)
			return DOC_NOMEM;
		b->paras = p;
		b->paras_cap = cap;
	}
	char *copy = strndup(text, len);
	if (copy == NULL)
		return DOC_NOMEM;
	clean(b, copy);
	b->paras[b->nparas++] = copy;
	return DOC_OK;
}

enum doc_error doc_buf_add(struct doc_buf *buf, struct doc_body *b, const char *s, size_t len)
{
	if (b != NULL && doc_body_charge(b, len) != DOC_OK)
		return DOC_TOO_LARGE;
	if (buf->len + len + 1 > buf->cap) {
		size_t cap = buf->cap ? buf->cap : 64;
		while (cap < buf->len + len + 1)
			cap *= 2;
		char *n = realloc(buf->s, cap);
		if (n == NULL)
			return DOC_NOMEM;
		buf->s = n;
		buf->cap = cap;
	}
	memcpy(buf->s + buf->len, s, len);
	buf->len += len;
	buf->s[buf->len] = '\0';
	return DOC_OK;
}

char *doc_buf_take(struct doc_buf *buf)
{
	char *s = buf->s != NULL ? buf->s : strdup("");
	buf->s = NULL;
	buf->len = buf->cap = 0;
	return s;
}

void doc_buf_free(struct doc_buf *buf)
{
	free(buf->s);
	buf->s = NULL;
	buf->len = buf->cap = 0;
}
