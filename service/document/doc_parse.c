/* doc_parse.c — sniffs the file kind, reads it, lays it out, builds the plan document. */
#include "document/doc_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/doc_office.h"
#include "document/doc_text.h"
#include "document/doc_zip.h"
#include "import.h"

static int is_zip(const unsigned char *p, size_t len)
{
	return len >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] < 9 && p[3] < 9;
}

static int is_compound(const unsigned char *p, size_t len)
{
	return len >= 8 && memcmp(p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0;
}

/* An OLE compound file: an old .doc / .xls, or an encrypted Office file (which Office stores
 * as a compound file holding an "EncryptedPackage" stream, named in UTF-16). */
static enum doc_error compound_file(const unsigned char *p, size_t len)
{
	static const char name[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e";
	for (size_t i = 0; i + sizeof(name) - 1 <= len; i++)
		if (memcmp(p + i, name, sizeof(name) - 1) == 0)
			return DOC_ENCRYPTED;
	return DOC_FORMAT;
}

static enum doc_error office_body(const void *bytes, size_t len, struct doc_body *b,
                                  enum doc_kind *kind)
{
	struct doc_zip *z;
	enum doc_error e = doc_zip_open(bytes, len, &z);
	if (e != DOC_OK)
		return e;
	if (doc_zip_has(z, "word/document.xml")) {
		*kind = DOC_KIND_DOCX;
		e = doc_docx_read(z, b);
	} else if (doc_zip_has(z, "xl/workbook.xml")) {
		*kind = DOC_KIND_XLSX;
		e = doc_xlsx_read(z, b);
	} else {
		e = doc_zip_has(z, "EncryptedPackage") ? DOC_ENCRYPTED : DOC_FORMAT;
	}
	doc_zip_close(z);
	return e;
}

enum doc_error doc_parse_body(const void *bytes, size_t len, struct doc_body *b,
                              enum doc_kind *kind)
{
	const unsigned char *p = bytes;
	*kind = DOC_KIND_TEXT;
	if (len == 0)
		return DOC_EMPTY;
	if (len > DOC_MAX_INPUT)
		return DOC_TOO_LARGE;
	if (is_zip(p, len))
		return office_body(bytes, len, b, kind);
	if (is_compound(p, len))
		return compound_file(p, len);
	char *text;
	size_t tl;
	enum doc_error e = doc_text_decode(bytes, len, &text, &tl);
	if (e != DOC_OK)
		return e;
	e = doc_text_read(text, tl, b);
	free(text);
	return e;
}

/* Reads the bytes as the sender declared them: an Office file for an Office type, text for
 * text (in the charset named); DOC_WRONG_TYPE when the content is of another kind. */
static enum doc_error body_as_declared(const void *bytes, size_t len, enum doc_declared d,
                                       struct doc_body *b)
{
	const unsigned char *p = bytes;
	int office = is_zip(p, len) || is_compound(p, len);
	int text = d == DOC_DECLARED_TEXT || d == DOC_DECLARED_UTF8 || d == DOC_DECLARED_GB18030;
	if (d != DOC_DECLARED_ANY && len > 0 && office == text)
		return DOC_WRONG_TYPE;
	enum doc_kind kind;
	if (d != DOC_DECLARED_UTF8 && d != DOC_DECLARED_GB18030) {
		enum doc_error e = doc_parse_body(bytes, len, b, &kind);
		int want = d == DOC_DECLARED_DOCX ? DOC_KIND_DOCX : DOC_KIND_XLSX;
		if (e == DOC_OK && (d == DOC_DECLARED_DOCX || d == DOC_DECLARED_XLSX) &&
		    (int)kind != want)
			e = DOC_WRONG_TYPE;
		return e;
	}
	if (len == 0)
		return DOC_EMPTY;
	char *t;
	size_t tl;
	enum doc_error e = doc_text_decode_as(
	        bytes, len, d == DOC_DECLARED_UTF8 ? DOC_TEXT_UTF8 : DOC_TEXT_GB18030, &t, &tl);
	if (e != DOC_OK)
		return e;
	e = doc_text_read(t, tl, b);
	free(t);
	return e;
}

int doc_review_covers(json_t *review, const char *pointer)
{
	size_t i;
	json_t *e;
	json_array_foreach(review, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "pointer"));
		size_t n = p != NULL ? strlen(p) : 0;
		if (p != NULL && strncmp(pointer, p, n) == 0 &&
		    (pointer[n] == '\0' || (n > 0 && pointer[n] == '/')))
			return 1;
	}
	return 0;
}

/* Runs the importer's check on the document built: whatever it refuses that no review entry
 * covers is listed too, so that the review names every fix the import needs. */
static void doc_review_import_check(struct doc_model *m, json_t *document)
{
	json_t *errors = import_validate(document);
	size_t i;
	json_t *err;
	json_array_foreach(errors, i, err)
	{
		const char *p = json_string_value(json_object_get(err, "pointer"));
		const char *msg = json_string_value(json_object_get(err, "message"));
		if (p == NULL || doc_review_covers(m->review, p))
			continue;
		char reason[600];
		snprintf(reason, sizeof(reason), DOC_REVIEW_IMPORT_REFUSES "%s",
		         msg != NULL ? msg : "invalid");
		doc_model_review(m, p, reason, NULL);
	}
	json_decref(errors);
}

enum doc_error doc_parse(const void *bytes, size_t len, const struct doc_options *o,
                         struct doc_result *r)
{
	memset(r, 0, sizeof(*r));
	struct doc_body b;
	struct doc_model m;
	doc_body_init(&b);
	enum doc_error e = body_as_declared(bytes, len, o->declared, &b);
	if (e == DOC_OK && b.nrows == 0 && b.nparas == 0)
		e = DOC_EMPTY;
	if (e == DOC_OK)
		e = doc_model_init(&m);
	if (e != DOC_OK) {
		doc_body_free(&b);
		return e;
	}
	e = b.nrows > 0 ? doc_layout_table(&b, &m) : DOC_NOT_A_LIST;
	if (e == DOC_NOT_A_LIST && b.nparas > 0) {
		doc_model_free(&m);
		e = doc_model_init(&m);
		if (e == DOC_OK)
			e = doc_layout_paras(&b, &m);
	}
	if (e == DOC_OK && b.controls > 0) {
		char reason[160];
		snprintf(reason, sizeof(reason),
		         "%zu control character(s) (a page break or the like) replaced by spaces: "
		         "the importer refuses them in text",
		         b.controls);
		doc_model_review(&m, "", reason, NULL);
	}
	doc_body_free(&b);
	if (e == DOC_OK)
		e = doc_plan_build(&m, o, &r->document, &r->stats);
	if (e == DOC_OK) {
		doc_review_import_check(&m, r->document);
		r->review = json_incref(m.review);
	}
	doc_model_free(&m);
	return e;
}

void doc_result_free(struct doc_result *r)
{
	json_decref(r->document);
	json_decref(r->review);
	json_decref(r->stats);
	memset(r, 0, sizeof(*r));
}
