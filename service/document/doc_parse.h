/* doc_parse.h — a responsibility list (text, .docx or .xlsx) to a zeren.plan/v1 document.
 * Pure: no database, no network; memory bounded by the limits in doc.h. */
#ifndef ZEREN_DOC_PARSE_H
#define ZEREN_DOC_PARSE_H

#include <jansson.h>
#include <stddef.h>

#include "document/doc.h"
#include "document/doc_plan.h"

/* What a parse gives; every member is a new reference the caller owns (doc_result_free). */
struct doc_result {
	json_t *document; /* the zeren.plan/v1 document */
	json_t *review;   /* [{pointer, reason, source_text}] */
	json_t *stats;    /* {tasks, measures, items, units_matched, units_new, targets,
	                     targets_assumed} */
};

/* How a review entry's reason begins when the importer's own check found what the readers did
 * not say: the document still goes out, and the person sees what to fix. The readers aim never
 * to leave one (the document fuzzers fail on it). */
#define DOC_REVIEW_IMPORT_REFUSES "the importer refuses this as it is: "

/* 1 when review lists pointer or a member or element above it ("/measures/3" covers
 * "/measures/3/title"). */
int doc_review_covers(json_t *review, const char *pointer);

/* The kind of file the bytes hold, by content, not by name. */
enum doc_kind { DOC_KIND_TEXT, DOC_KIND_DOCX, DOC_KIND_XLSX };

/* Reads bytes (borrowed) into r. On an error r is left empty and nothing needs freeing. */
enum doc_error doc_parse(const void *bytes, size_t len, const struct doc_options *o,
                         struct doc_result *r) __attribute__((warn_unused_result));
void doc_result_free(struct doc_result *r);

/* Reads bytes into b by their kind (*kind set); exposed for tests of the readers. */
enum doc_error doc_parse_body(const void *bytes, size_t len, struct doc_body *b,
                              enum doc_kind *kind) __attribute__((warn_unused_result));

#endif
