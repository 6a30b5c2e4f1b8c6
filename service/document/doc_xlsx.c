/* doc_xlsx.c — the first worksheet of an .xlsx: shared strings, inline strings, merges. */
#include "document/doc_office.h"

#include <stdlib.h>
#include <string.h>

/* The shared string table, each entry owned. */
struct xlsx_strings {
	char **s;
	size_t n, cap;
};

/* The sheet as a dense grid, DOC_MAX_CELLS wide: owned strings (NULL for no cell) and a mark
 * for each slot below the first row of a merged range. */
struct xlsx_grid {
	char **cell;
	unsigned char *cont;
	size_t nrows, ncols, cap_rows;
};

static enum doc_error strings_push(struct xlsx_strings *t, char *s)
{
	if (s == NULL)
		return DOC_NOMEM;
	if (t->n == t->cap) {
		if (t->cap >= DOC_MAX_ROWS * 4) {
			free(s);
			return DOC_TOO_LARGE;
		}
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **n = realloc(t->s, cap * sizeof(*n));
		if (n == NULL) {
			free(s);
			return DOC_NOMEM;
		}
		t->s = n;
		t->cap = cap;
	}
	t->s[t->n++] = s;
	return DOC_OK;
}

/* Text of <t> elements until the end of the element named until (si, is or c). */
static enum doc_error read_text(xmlTextReaderPtr r, struct doc_body *b, const char *until,
                                struct doc_buf *out)
{
	int in_t = 0, rc;
	enum doc_error e = DOC_OK;
	if (xmlTextReaderIsEmptyElement(r))
		return DOC_OK;
	while (e == DOC_OK && (rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (doc_xml_is(r, until, 1))
			return DOC_OK;
		if (doc_xml_is(r, "t", 0) || doc_xml_is(r, "v", 0))
			in_t = !xmlTextReaderIsEmptyElement(r);
		else if (doc_xml_is(r, "t", 1) || doc_xml_is(r, "v", 1))
			in_t = 0;
		else if (in_t && (type == XML_READER_TYPE_TEXT ||
		                  type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			e = doc_buf_add(out, b, v, strlen(v));
		}
	}
	return e != DOC_OK ? e : DOC_BAD_XML;
}

static enum doc_error read_strings(struct doc_zip *z, struct doc_body *b, struct xlsx_strings *t)
{
	if (!doc_zip_has(z, "xl/sharedStrings.xml"))
		return DOC_OK;
	char *xml;
	size_t len;
	enum doc_error e = doc_zip_read(z, "xl/sharedStrings.xml", &xml, &len);
	if (e != DOC_OK)
		return e;
	xmlTextReaderPtr r = doc_xml_reader(xml, len);
	int rc = 1;
	e = r == NULL ? DOC_NOMEM : DOC_OK;
	while (e == DOC_OK && (rc = xmlTextReaderRead(r)) == 1) {
		if (!doc_xml_is(r, "si", 0))
			continue;
		struct doc_buf buf = {0};
		e = read_text(r, b, "si", &buf);
		if (e == DOC_OK)
			e = strings_push(t, doc_buf_take(&buf));
		doc_buf_free(&buf);
	}
	if (e == DOC_OK && rc != 0)
		e = DOC_BAD_XML;
	xmlFreeTextReader(r);
	free(xml);
	return e;
}

/* "C12" → column 2, row 11 (both from 0); -1 when malformed or out of bounds. */
static int cell_ref(const char *ref, size_t *row, size_t *col)
{
	size_t c = 0, r = 0;
	const char *p = ref;
	for (; *p >= 'A' && *p <= 'Z'; p++)
		c = c * 26 + (size_t)(*p - 'A' + 1);
	for (; *p >= '0' && *p <= '9'; p++)
		r = r * 10 + (size_t)(*p - '0');
	if (*p != '\0' || c == 0 || r == 0 || c > DOC_MAX_CELLS || r > DOC_MAX_ROWS)
		return -1;
	*row = r - 1, *col = c - 1;
	return 0;
}

static enum doc_error grid_grow(struct xlsx_grid *g, size_t row)
{
	if (row < g->cap_rows)
		return DOC_OK;
	size_t cap = g->cap_rows ? g->cap_rows : 32;
	while (cap <= row)
		cap *= 2;
	char **n = realloc(g->cell, cap * DOC_MAX_CELLS * sizeof(*n));
	if (n == NULL)
		return DOC_NOMEM;
	g->cell = n;
	unsigned char *c = realloc(g->cont, cap * DOC_MAX_CELLS);
	if (c == NULL)
		return DOC_NOMEM;
	g->cont = c;
	size_t old = g->cap_rows * DOC_MAX_CELLS, add = (cap - g->cap_rows) * DOC_MAX_CELLS;
	memset(n + old, 0, add * sizeof(*n));
	memset(c + old, 0, add);
	g->cap_rows = cap;
	return DOC_OK;
}

static enum doc_error grid_put(struct xlsx_grid *g, size_t row, size_t col, char *s)
{
	if (grid_grow(g, row) != DOC_OK) {
		free(s);
		return DOC_NOMEM;
	}
	free(g->cell[row * DOC_MAX_CELLS + col]);
	g->cell[row * DOC_MAX_CELLS + col] = s;
	if (row + 1 > g->nrows)
		g->nrows = row + 1;
	if (col + 1 > g->ncols)
		g->ncols = col + 1;
	return DOC_OK;
}

/* One <c>: its value as text, resolved through the shared strings for t="s". */
static enum doc_error read_cell(xmlTextReaderPtr r, struct doc_body *b,
                                const struct xlsx_strings *t, struct xlsx_grid *g)
{
	xmlChar *ref = doc_xml_attr(r, "r"), *type = doc_xml_attr(r, "t");
	size_t row = 0, col = 0;
	int ok = ref != NULL && cell_ref((const char *)ref, &row, &col) == 0;
	int shared = type != NULL && strcmp((const char *)type, "s") == 0;
	xmlFree(ref);
	xmlFree(type);
	struct doc_buf buf = {0};
	enum doc_error e = read_text(r, b, "c", &buf);
	char *text = doc_buf_take(&buf);
	if (e != DOC_OK || !ok || text == NULL) {
		free(text);
		return e != DOC_OK ? e : (ok ? DOC_NOMEM : DOC_BAD_XML);
	}
	if (shared) {
		unsigned long i = strtoul(text, NULL, 10);
		free(text);
		text = i < t->n ? strdup(t->s[i]) : strdup("");
		if (text == NULL)
			return DOC_NOMEM;
	}
	return grid_put(g, row, col, text);
}

/* <mergeCell ref="A3:A9">: cells right of the first are "", cells below it NULL. */
static enum doc_error read_merge(xmlTextReaderPtr r, struct xlsx_grid *g)
{
	xmlChar *ref = doc_xml_attr(r, "ref");
	char *colon = ref ? strchr((char *)ref, ':') : NULL;
	size_t r0, c0, r1, c1;
	enum doc_error e = DOC_OK;
	if (colon == NULL) {
		xmlFree(ref);
		return DOC_BAD_XML;
	}
	*colon = '\0';
	if (cell_ref((const char *)ref, &r0, &c0) != 0 || cell_ref(colon + 1, &r1, &c1) != 0)
		e = DOC_BAD_XML;
	xmlFree(ref);
	for (size_t i = r0; e == DOC_OK && i <= r1; i++)
		for (size_t j = c0; e == DOC_OK && j <= c1; j++) {
			if (i == r0 && j == c0)
				continue;
			char *v = i == r0 ? strdup("") : NULL;
			if (i == r0 && v == NULL)
				return DOC_NOMEM;
			e = grid_put(g, i, j, v);
			if (e == DOC_OK)
				g->cont[i * DOC_MAX_CELLS + j] = i > r0;
		}
	return e;
}

static enum doc_error read_sheet(const char *xml, size_t len, struct doc_body *b,
                                 const struct xlsx_strings *t, struct xlsx_grid *g)
{
	xmlTextReaderPtr r = doc_xml_reader(xml, len);
	if (r == NULL)
		return DOC_NOMEM;
	int rc;
	enum doc_error e = DOC_OK;
	while (e == DOC_OK && (rc = xmlTextReaderRead(r)) == 1) {
		if (doc_xml_is(r, "c", 0))
			e = read_cell(r, b, t, g);
		else if (doc_xml_is(r, "mergeCell", 0))
			e = read_merge(r, g);
	}
	if (e == DOC_OK && rc != 0)
		e = DOC_BAD_XML;
	xmlFreeTextReader(r);
	return e;
}

/* Grid rows become body rows: a merged continuation is NULL, a cell never written "". */
static enum doc_error grid_to_body(struct xlsx_grid *g, struct doc_body *b)
{
	enum doc_error e = DOC_OK;
	for (size_t i = 0; e == DOC_OK && i < g->nrows; i++) {
		char **cells = calloc(g->ncols ? g->ncols : 1, sizeof(*cells));
		if (cells == NULL)
			return DOC_NOMEM;
		for (size_t j = 0; j < g->ncols; j++) {
			size_t k = i * DOC_MAX_CELLS + j;
			cells[j] = g->cell[k];
			g->cell[k] = NULL;
			if (cells[j] == NULL && !g->cont[k])
				cells[j] = strdup("");
		}
		e = doc_body_add_row(b, cells, g->ncols);
	}
	return e;
}

static void grid_free(struct xlsx_grid *g)
{
	for (size_t i = 0; i < g->cap_rows * DOC_MAX_CELLS; i++)
		free(g->cell[i]);
	free(g->cell);
	free(g->cont);
}

enum doc_error doc_xlsx_read(struct doc_zip *z, struct doc_body *b)
{
	struct xlsx_strings t = {0};
	struct xlsx_grid g = {0};
	char *xml = NULL;
	size_t len;
	enum doc_error e = read_strings(z, b, &t);
	if (e == DOC_OK)
		e = doc_zip_read(z, "xl/worksheets/sheet1.xml", &xml, &len);
	if (e == DOC_OK)
		e = read_sheet(xml, len, b, &t, &g);
	if (e == DOC_OK)
		e = grid_to_body(&g, b);
	grid_free(&g);
	for (size_t i = 0; i < t.n; i++)
		free(t.s[i]);
	free(t.s);
	free(xml);
	return e;
}
