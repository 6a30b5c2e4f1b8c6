/* doc_xlsx.c — the worksheet of an .xlsx that holds the list: the workbook's sheets in order,
 * shared strings, inline strings, merges. */
#include "document/doc_office.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/doc_layout.h"

/* Sheets of a workbook read at most (a plan has one or a few). */
enum { XLSX_MAX_SHEETS = 64 };

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

/* Reads the XML entry name and calls each(reader, ctx) on every element named element. */
static enum doc_error each_element(struct doc_zip *z, const char *name, const char *element,
                                   enum doc_error (*each)(xmlTextReaderPtr, void *), void *ctx)
{
	char *xml;
	size_t len;
	enum doc_error e = doc_zip_read(z, name, &xml, &len);
	if (e != DOC_OK)
		return e;
	xmlTextReaderPtr r = doc_xml_reader(xml, len);
	int rc = 1;
	e = r == NULL ? DOC_NOMEM : DOC_OK;
	while (e == DOC_OK && (rc = xmlTextReaderRead(r)) == 1)
		if (doc_xml_is(r, element, 0))
			e = each(r, ctx);
	if (e == DOC_OK && rc != 0)
		e = DOC_BAD_XML;
	xmlFreeTextReader(r);
	free(xml);
	return e;
}

/* A worksheet relationship of xl/_rels/workbook.xml.rels: its Id → the part's name in the zip
 * (Target is relative to xl/, or absolute from the root). */
static enum doc_error relationship(xmlTextReaderPtr r, void *ctx)
{
	json_t *targets = ctx;
	xmlChar *id = doc_xml_attr(r, "Id"), *target = doc_xml_attr(r, "Target"),
	        *type = doc_xml_attr(r, "Type");
	const char *t = (const char *)target, *ty = (const char *)type;
	size_t tl = ty ? strlen(ty) : 0;
	int sheet = ty != NULL && tl >= 10 && strcmp(ty + tl - 10, "/worksheet") == 0;
	enum doc_error e = DOC_OK;
	if (id != NULL && t != NULL && sheet && strlen(t) < 256) {
		char part[300];
		snprintf(part, sizeof(part), "%s%s", t[0] == '/' ? "" : "xl/",
		         t[0] == '/' ? t + 1 : t);
		if (json_object_set_new(targets, (const char *)id, json_string(part)) != 0)
			e = DOC_NOMEM;
	}
	xmlFree(id);
	xmlFree(target);
	xmlFree(type);
	return e;
}

/* The sheets of xl/workbook.xml in order, as part names (via the relationships). */
struct xlsx_sheets {
	json_t *targets; /* relationship Id → part name (borrowed) */
	json_t *parts;   /* the sheets' part names in workbook order (borrowed) */
};

static enum doc_error workbook_sheet(xmlTextReaderPtr r, void *ctx)
{
	struct xlsx_sheets *s = ctx;
	xmlChar *id = doc_xml_attr(r, "id"); /* r:id */
	json_t *part = id ? json_object_get(s->targets, (const char *)id) : NULL;
	xmlFree(id);
	if (part == NULL || json_array_size(s->parts) >= XLSX_MAX_SHEETS)
		return DOC_OK;
	return json_array_append(s->parts, part) == 0 ? DOC_OK : DOC_NOMEM;
}

/* The worksheet part names in workbook order into parts; xl/worksheets/sheet1.xml alone when
 * the workbook names none that the relationships resolve (or has no relationships). */
static enum doc_error sheet_parts(struct doc_zip *z, json_t *parts)
{
	struct xlsx_sheets s = {json_object(), parts};
	enum doc_error e = s.targets == NULL ? DOC_NOMEM : DOC_OK;
	if (e == DOC_OK && doc_zip_has(z, "xl/_rels/workbook.xml.rels"))
		e = each_element(z, "xl/_rels/workbook.xml.rels", "Relationship", relationship,
		                 s.targets);
	if (e == DOC_OK && json_object_size(s.targets) > 0)
		e = each_element(z, "xl/workbook.xml", "sheet", workbook_sheet, &s);
	json_decref(s.targets);
	if (e == DOC_OK && json_array_size(parts) == 0 &&
	    json_array_append_new(parts, json_string("xl/worksheets/sheet1.xml")) != 0)
		e = DOC_NOMEM;
	return e;
}

/* One worksheet part read into b (rows only). */
static enum doc_error read_part(struct doc_zip *z, const char *part, const struct xlsx_strings *t,
                                struct doc_body *b)
{
	struct xlsx_grid g = {0};
	char *xml = NULL;
	size_t len;
	enum doc_error e = doc_zip_read(z, part, &xml, &len);
	if (e == DOC_OK)
		e = read_sheet(xml, len, b, t, &g);
	if (e == DOC_OK)
		e = grid_to_body(&g, b);
	grid_free(&g);
	free(xml);
	return e;
}

/* The sheets in order until one has a list's header row: that one into b, or the first sheet
 * when none has. Each is read into a body of its own that starts with b's text charged. */
static enum doc_error read_sheets(struct doc_zip *z, json_t *parts, const struct xlsx_strings *t,
                                  struct doc_body *b)
{
	struct doc_body first, sheet;
	doc_body_init(&first);
	enum doc_error e = DOC_OK;
	int found = 0;
	size_t i;
	json_t *part;
	json_array_foreach(parts, i, part)
	{
		const char *name = json_string_value(part);
		if (i > 0 && !doc_zip_has(z, name))
			continue; /* a sheet the relationships name but the file lacks */
		doc_body_init(&sheet);
		sheet.text_bytes = b->text_bytes;
		e = read_part(z, name, t, &sheet);
		found = e == DOC_OK && doc_layout_has_header(&sheet);
		if (e != DOC_OK || found || i == 0) {
			doc_body_free(&first);
			first = sheet; /* the one to use so far */
		} else {
			doc_body_free(&sheet);
		}
		if (e != DOC_OK || found)
			break;
	}
	if (e != DOC_OK) {
		doc_body_free(&first);
		return e;
	}
	doc_body_free(b);
	*b = first;
	return DOC_OK;
}

enum doc_error doc_xlsx_read(struct doc_zip *z, struct doc_body *b)
{
	struct xlsx_strings t = {0};
	json_t *parts = json_array();
	enum doc_error e = parts == NULL ? DOC_NOMEM : read_strings(z, b, &t);
	if (e == DOC_OK)
		e = sheet_parts(z, parts);
	if (e == DOC_OK)
		e = read_sheets(z, parts, &t, b);
	json_decref(parts);
	for (size_t i = 0; i < t.n; i++)
		free(t.s[i]);
	free(t.s);
	return e;
}
