/* doc_office.h — Word (.docx) and Excel (.xlsx) files read into a doc_body. */
#ifndef ZEREN_DOC_OFFICE_H
#define ZEREN_DOC_OFFICE_H

#include <libxml/xmlreader.h>
#include <stddef.h>

#include "document/doc.h"
#include "document/doc_zip.h"

/* Reads word/document.xml: each table row becomes a row (a w:gridSpan cell is followed by
 * empty cells for the columns it spans, a w:vMerge continuation is NULL), each paragraph
 * outside a table a paragraph. Rows of all tables are appended in document order. */
enum doc_error doc_docx_read(struct doc_zip *z, struct doc_body *b)
        __attribute__((warn_unused_result));

/* Reads the worksheet that holds the list, with xl/sharedStrings.xml: the workbook's sheets
 * (xl/workbook.xml, resolved through xl/_rels/workbook.xml.rels) in order, the first with a
 * list's header row (doc_layout_has_header), else the first sheet; xl/worksheets/sheet1.xml
 * when the workbook names none. One row per sheet row; cells inside a merged range are ""
 * right of its first cell and NULL below it. */
enum doc_error doc_xlsx_read(struct doc_zip *z, struct doc_body *b)
        __attribute__((warn_unused_result));

/* A streaming XML reader over the len bytes at xml (which must outlive it) with network
 * access, DTD loading and entity expansion off. Free with xmlFreeTextReader. */
xmlTextReaderPtr doc_xml_reader(const char *xml, size_t len);

/* The attribute whose local name is local (any namespace) as a new string the caller frees
 * with xmlFree, or NULL. */
xmlChar *doc_xml_attr(xmlTextReaderPtr r, const char *local);

/* Non-zero when the current node is an element (or end element when end) named local. */
int doc_xml_is(xmlTextReaderPtr r, const char *local, int end);

#endif
