/* doc_docx.c — word/document.xml through libxml2's streaming reader: tables and paragraphs. */
#include "document/doc_office.h"

#include <stdlib.h>
#include <string.h>

xmlTextReaderPtr doc_xml_reader(const char *xml, size_t len)
{
	if (len > (size_t)INT32_MAX)
		return NULL;
	/* No XML_PARSE_NOENT (entities stay unexpanded), no DTD loading, no network. */
	return xmlReaderForMemory(xml, (int)len, NULL, NULL,
	                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

xmlChar *doc_xml_attr(xmlTextReaderPtr r, const char *local)
{
	xmlChar *v = NULL;
	if (xmlTextReaderMoveToFirstAttribute(r) != 1)
		return NULL;
	do {
		const xmlChar *n = xmlTextReaderConstLocalName(r);
		if (n != NULL && strcmp((const char *)n, local) == 0) {
			v = xmlTextReaderValue(r);
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(r) == 1);
	xmlTextReaderMoveToElement(r);
	return v;
}

int doc_xml_is(xmlTextReaderPtr r, const char *local, int end)
{
	int t = xmlTextReaderNodeType(r);
	if (t != (end ? XML_READER_TYPE_END_ELEMENT : XML_READER_TYPE_ELEMENT))
		return 0;
	const xmlChar *n = xmlTextReaderConstLocalName(r);
	return n != NULL && strcmp((const char *)n, local) == 0;
}

/* Where the reader is inside document.xml. */
struct docx_state {
	struct doc_body *b;
	int tbl_depth; /* nested tables are read as text of the outer cell */
	char *cells[DOC_MAX_CELLS];
	size_t ncells;
	struct doc_buf cell, para;
	int in_cell, continued, span, in_text;
};

static enum doc_error cell_end(struct docx_state *s)
{
	char *text = doc_buf_take(&s->cell);
	if (text == NULL)
		return DOC_NOMEM;
	if (s->continued) {
		free(text);
		text = NULL;
	}
	for (int i = 0; i < s->span; i++) {
		if (s->ncells == DOC_MAX_CELLS) {
			if (i == 0) /* from the second column of a span on, cells[] owns text */
				free(text);
			return DOC_TOO_LARGE;
		}
		char *c = i == 0 || text == NULL ? text : strdup("");
		if (i > 0 && text != NULL && c == NULL)
			return DOC_NOMEM;
		s->cells[s->ncells++] = c;
	}
	s->in_cell = 0;
	return DOC_OK;
}

static enum doc_error row_end(struct docx_state *s)
{
	char **cells = malloc((s->ncells ? s->ncells : 1) * sizeof(*cells));
	if (cells == NULL)
		return DOC_NOMEM;
	memcpy(cells, s->cells, s->ncells * sizeof(*cells));
	size_t n = s->ncells;
	s->ncells = 0;
	return doc_body_add_row(s->b, cells, n);
}

static enum doc_error para_end(struct docx_state *s)
{
	if (s->tbl_depth > 0 && s->in_cell) {
		enum doc_error e = DOC_OK;
		if (s->para.len > 0 && s->cell.len > 0)
			e = doc_buf_add(&s->cell, s->b, "\n", 1);
		if (e == DOC_OK && s->para.len > 0)
			e = doc_buf_add(&s->cell, s->b, s->para.s, s->para.len);
		s->para.len = 0;
		return e;
	}
	enum doc_error e = DOC_OK;
	if (s->para.len > 0)
		e = doc_body_add_para(s->b, s->para.s, s->para.len);
	s->para.len = 0;
	return e;
}

/* w:vMerge without a value or with "continue" continues the cell above. */
static void cell_props(struct docx_state *s, xmlTextReaderPtr r)
{
	xmlChar *v = doc_xml_attr(r, "val");
	if (doc_xml_is(r, "vMerge", 0))
		s->continued = v == NULL || strcmp((const char *)v, "restart") != 0;
	else if (v != NULL) {
		long n = strtol((const char *)v, NULL, 10);
		s->span = n >= 1 && n <= DOC_MAX_CELLS ? (int)n : 1;
	}
	xmlFree(v);
}

static enum doc_error on_element(struct docx_state *s, xmlTextReaderPtr r)
{
	int empty = xmlTextReaderIsEmptyElement(r);
	if (doc_xml_is(r, "tbl", 0)) {
		s->tbl_depth += !empty; /* an empty <tbl/> has no end to count it back */
	} else if (doc_xml_is(r, "tc", 0) && s->tbl_depth == 1) {
		s->in_cell = 1, s->continued = 0, s->span = 1;
		if (empty)
			return cell_end(s);
	} else if (doc_xml_is(r, "vMerge", 0) || doc_xml_is(r, "gridSpan", 0)) {
		if (s->tbl_depth == 1)
			cell_props(s, r);
	} else if (doc_xml_is(r, "t", 0)) {
		s->in_text = !empty;
	} else if (doc_xml_is(r, "tab", 0)) {
		return doc_buf_add(&s->para, s->b, "\t", 1);
	} else if (doc_xml_is(r, "br", 0)) {
		return doc_buf_add(&s->para, s->b, "\n", 1);
	} else if (doc_xml_is(r, "p", 0) && empty) {
		return para_end(s);
	}
	return DOC_OK;
}

static enum doc_error on_node(struct docx_state *s, xmlTextReaderPtr r)
{
	int t = xmlTextReaderNodeType(r);
	if (t == XML_READER_TYPE_ELEMENT)
		return on_element(s, r);
	if ((t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
	    s->in_text) {
		const char *v = (const char *)xmlTextReaderConstValue(r);
		return v ? doc_buf_add(&s->para, s->b, v, strlen(v)) : DOC_OK;
	}
	if (t != XML_READER_TYPE_END_ELEMENT)
		return DOC_OK;
	if (doc_xml_is(r, "t", 1))
		s->in_text = 0;
	else if (doc_xml_is(r, "p", 1))
		return para_end(s);
	else if (doc_xml_is(r, "tc", 1) && s->tbl_depth == 1 && s->in_cell)
		return cell_end(s); /* only a cell begun at this depth (<tc><tbl/></tc> is not) */
	else if (doc_xml_is(r, "tr", 1) && s->tbl_depth == 1)
		return row_end(s);
	else if (doc_xml_is(r, "tbl", 1))
		s->tbl_depth--;
	return DOC_OK;
}

enum doc_error doc_docx_read(struct doc_zip *z, struct doc_body *b)
{
	char *xml;
	size_t len;
	enum doc_error e = doc_zip_read(z, "word/document.xml", &xml, &len);
	if (e != DOC_OK)
		return e;
	xmlTextReaderPtr r = doc_xml_reader(xml, len);
	struct docx_state s = {.b = b};
	int rc = 1;
	if (r == NULL)
		e = DOC_NOMEM;
	while (e == DOC_OK && (rc = xmlTextReaderRead(r)) == 1)
		e = on_node(&s, r);
	if (e == DOC_OK && rc != 0)
		e = DOC_BAD_XML;
	for (size_t i = 0; i < s.ncells; i++)
		free(s.cells[i]);
	doc_buf_free(&s.cell);
	doc_buf_free(&s.para);
	xmlFreeTextReader(r);
	free(xml);
	return e;
}
