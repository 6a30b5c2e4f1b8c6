/* doc_fuzz.h — what the document-reader harnesses share: a zip built in memory around fuzzed
 * XML (so the fuzzer reaches the Office readers, not the zip checks), the parse options a
 * harness picks from a byte, and the properties of a read body and of a parse result. */
#ifndef ZEREN_DOC_FUZZ_H
#define ZEREN_DOC_FUZZ_H

#include <zip.h>

#include "document/doc_parse.h"
#include "document/doc_text.h"
#include "fuzz.h"
#include "import.h"

/* One entry of a generated zip: name and len bytes of content (borrowed). */
struct doc_fuzz_entry {
	const char *name;
	const void *bytes;
	size_t len;
};

/* A zip archive holding the n entries, stored (not deflated, so a run spends its time in the
 * readers), as new bytes the caller frees; *len set. Aborts on a libzip failure, which would be
 * the harness's bug, not a finding. */
static inline char *doc_fuzz_zip(const struct doc_fuzz_entry *entries, size_t n, size_t *len)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
	zip_t *za = src == NULL ? NULL : zip_open_from_source(src, ZIP_TRUNCATE, &err);
	FUZZ_CHECK(za != NULL);
	zip_error_fini(&err);
	zip_source_keep(src); /* read back after zip_close */
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(za, entries[i].bytes, entries[i].len, 0);
		FUZZ_CHECK(s != NULL);
		zip_int64_t at = zip_file_add(za, entries[i].name, s, ZIP_FL_OVERWRITE);
		FUZZ_CHECK(at >= 0);
		FUZZ_CHECK(zip_set_file_compression(za, (zip_uint64_t)at, ZIP_CM_STORE, 0) == 0);
	}
	FUZZ_CHECK(zip_close(za) == 0);
	FUZZ_CHECK(zip_source_open(src) == 0);
	FUZZ_CHECK(zip_source_seek(src, 0, SEEK_END) == 0);
	zip_int64_t size = zip_source_tell(src);
	FUZZ_CHECK(size > 0 && zip_source_seek(src, 0, SEEK_SET) == 0);
	char *buf = malloc((size_t)size);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(zip_source_read(src, buf, (zip_uint64_t)size) == size);
	zip_source_close(src);
	zip_source_free(src);
	*len = (size_t)size;
	return buf;
}

/* Units a caller could know (a few of the seed's, a group with members), so the matching of
 * names against known units is fuzzed too. */
static const char *const doc_fuzz_hrss_aliases[] = {"市人社局", NULL};
static const char *const doc_fuzz_county_members[] = {"yuncheng-district-gov", "luoding-city-gov",
                                                      NULL};
static const struct doc_known_unit doc_fuzz_units[] = {
        {"hrss", "市人力资源社会保障局", "department", doc_fuzz_hrss_aliases, NULL},
        {"finance", "市财政局", "department", NULL, NULL},
        {"education", "市教育局", "department", NULL, NULL},
        {"commerce", "市商务局", "department", NULL, NULL},
        {"yuncheng-district-gov", "云城区人民政府", "county_government", NULL, NULL},
        {"luoding-city-gov", "罗定市人民政府", "county_government", NULL, NULL},
        {"yunfu-technician-college", "云浮技师学院", "school", NULL, NULL},
        {"county-governments", "各县（市、区）人民政府", "group", NULL, doc_fuzz_county_members},
};

/* The options a caller may pass, chosen by the bits of one byte: a plan code (none, short,
 * the seed's), a title or none, known units or none. Every choice is a valid request. */
static inline struct doc_options doc_fuzz_options(uint8_t pick)
{
	static const char *const codes[] = {NULL, "p", "yunfu-gdjg", "plan-2026.v1"};
	struct doc_options o = {.code = codes[pick & 3]};
	if (pick & 4)
		o.title = "模糊测试 fuzz title";
	if (pick & 8) {
		o.units = doc_fuzz_units;
		o.nunits = sizeof(doc_fuzz_units) / sizeof(doc_fuzz_units[0]);
	}
	return o;
}

/* A read body keeps doc.h's limits, and its text is UTF-8 (cells may be NULL: merged). */
static inline void doc_fuzz_check_body(const struct doc_body *b)
{
	size_t text = 0;
	FUZZ_CHECK(b->nrows <= DOC_MAX_ROWS && b->nparas <= DOC_MAX_PARAS);
	FUZZ_CHECK(b->text_bytes <= DOC_MAX_TEXT);
	for (size_t i = 0; i < b->nrows; i++) {
		FUZZ_CHECK(b->rows[i].ncells <= DOC_MAX_CELLS);
		for (size_t j = 0; j < b->rows[i].ncells; j++) {
			const char *c = b->rows[i].cells[j];
			size_t n = c ? strlen(c) : 0;
			FUZZ_CHECK(c == NULL || doc_utf8_valid(c, n));
			text += n;
		}
	}
	for (size_t i = 0; i < b->nparas; i++) {
		size_t n = strlen(b->paras[i]);
		FUZZ_CHECK(doc_utf8_valid(b->paras[i], n));
		text += n;
	}
	FUZZ_CHECK(text <= DOC_MAX_TEXT);
}

/* Every review entry is {pointer, reason, source_text} with a JSON pointer (source_text null
 * when there is none). */
static inline void doc_fuzz_check_review(json_t *review)
{
	size_t i;
	json_t *e;
	FUZZ_CHECK(json_is_array(review));
	json_array_foreach(review, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "pointer"));
		FUZZ_CHECK(p != NULL && (p[0] == '\0' || p[0] == '/'));
		FUZZ_CHECK(json_is_string(json_object_get(e, "reason")));
		json_t *src = json_object_get(e, "source_text");
		FUZZ_CHECK(json_is_string(src) || json_is_null(src));
	}
}

/* doc_parse's promise: on DOC_OK a document, a review list and stats, and the document passes
 * the importer's check except where the review list tells the person what to fix (a measure
 * with no lead unit found is listed, never dropped); on an error nothing to free. */
static inline void doc_fuzz_check_parse(enum doc_error e, struct doc_result *r)
{
	FUZZ_CHECK(doc_error_message(e) != NULL);
	if (e != DOC_OK) {
		FUZZ_CHECK(r->document == NULL && r->review == NULL && r->stats == NULL);
		return;
	}
	FUZZ_CHECK(json_is_object(r->document) && json_is_object(r->stats));
	doc_fuzz_check_review(r->review);
	static const char *const stats[] = {"tasks",          "measures",  "items",
	                                    "units_matched",  "units_new", "targets",
	                                    "targets_assumed"};
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		json_t *n = json_object_get(r->stats, stats[i]);
		FUZZ_CHECK(json_is_integer(n) && json_integer_value(n) >= 0);
	}
	/* doc_parse lists what the importer refuses and no reader said (DOC_REVIEW_IMPORT_REFUSES)
	 * so that the person sees it; a reader that leaves one is a bug all the same */
	size_t i;
	json_t *err;
	json_array_foreach(r->review, i, err)
	{
		const char *why = json_string_value(json_object_get(err, "reason"));
		if (strncmp(why, DOC_REVIEW_IMPORT_REFUSES, strlen(DOC_REVIEW_IMPORT_REFUSES)) != 0)
			continue;
		fprintf(stderr,
		        "import check of the parsed document, not said by a reader: %s %s\n",
		        json_string_value(json_object_get(err, "pointer")), why);
		int every_import_error_is_found_by_a_reader = 0;
		FUZZ_CHECK(every_import_error_is_found_by_a_reader);
	}
	json_t *errors = import_validate(r->document);
	fuzz_check_errors(errors);
	json_array_foreach(errors, i, err)
	{
		const char *p = json_string_value(json_object_get(err, "pointer"));
		const char *msg = json_string_value(json_object_get(err, "message"));
		if (doc_review_covers(r->review, p))
			continue;
		fprintf(stderr, "import check of the parsed document, not in its review: %s %s\n",
		        p, msg);
		int every_import_error_is_in_the_review = 0;
		FUZZ_CHECK(every_import_error_is_in_the_review);
	}
	json_decref(errors);
}

/* Reads bytes both ways — the body alone (doc_parse_body) and the whole parse — and checks
 * both; the kind read is returned so a harness can check it reached the reader it meant. */
static inline enum doc_kind doc_fuzz_run(const void *bytes, size_t len, uint8_t pick,
                                         enum doc_error *body_error)
{
	struct doc_body b;
	enum doc_kind kind;
	doc_body_init(&b);
	*body_error = doc_parse_body(bytes, len, &b, &kind);
	if (*body_error == DOC_OK)
		doc_fuzz_check_body(&b);
	doc_body_free(&b);
	struct doc_options o = doc_fuzz_options(pick);
	struct doc_result r;
	enum doc_error e = doc_parse(bytes, len, &o, &r);
	doc_fuzz_check_parse(e, &r);
	doc_result_free(&r);
	return kind;
}

#endif
