/* test_document_plan.c — the plan document built from a laid-out list (doc_plan.c,
 * doc_registry.c): numbers and codes, titles, unit names and text the importer accepts, each
 * with its review entry; and the inputs the fuzzers found, replayed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/doc_fuzz.h"
#include "document/doc_parse.h"
#include "import.h"
#include "suites.h"
#include "test_document.h"

#define HEAD "工作任务\t工作措施\t工作内容\t牵头单位\t相关责任单位\n"
/* A table whose first column is a number, so a row's task cell may be left empty. */
#define NHEAD "序号\t工作任务\t工作措施\t工作内容\t牵头单位\n"

static enum doc_error parse(const char *text, struct doc_result *r)
{
	struct doc_options o = {.code = "t"};
	return doc_parse(text, strlen(text), &o, r);
}

/* The importer's check of the parsed document finds nothing. */
static void assert_importable(const struct doc_result *r)
{
	json_t *errors = import_validate(r->document);
	json_t *e = json_array_get(errors, 0);
	ck_assert_msg(json_array_size(errors) == 0, "import check: %s %s",
	              json_string_value(json_object_get(e, "pointer")),
	              json_string_value(json_object_get(e, "message")));
	json_decref(errors);
}

/* The review entry at pointer whose reason contains word, or NULL. */
static json_t *review_at(const struct doc_result *r, const char *pointer, const char *word)
{
	size_t i;
	json_t *e;
	json_array_foreach(r->review, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "pointer")), pointer) == 0 &&
		    strstr(json_string_value(json_object_get(e, "reason")), word) != NULL)
			return e;
	}
	return NULL;
}

static json_t *measure(const struct doc_result *r, size_t i)
{
	return json_array_get(json_object_get(r->document, "measures"), i);
}

static const char *member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Two measures numbered 2.: the second used to be renumbered to its position, 2 again, so
 * both had code t-m02 (found by fuzzing). And a number taken by a later measure is not
 * given: 1., 1., 2. numbers the second 3, its target codes with it. */
START_TEST(repeated_numbers_get_free_codes)
{
	struct doc_result r;
	ck_assert_int_eq(parse(HEAD "（一）任务甲\t2.措施一。\t推进工作。\t市财政局\t市教育局\n"
	                            "（二）任务乙\t2.措施二。\t完善制度。\t市教育局\t市财政局\n",
	                       &r),
	                 DOC_OK);
	ck_assert_str_eq(member(measure(&r, 0), "code"), "t-m02");
	ck_assert_str_ne(member(measure(&r, 1), "code"), "t-m02");
	ck_assert_ptr_nonnull(review_at(&r, "/measures/1/number", "used twice"));
	assert_importable(&r);
	doc_result_free(&r);

	ck_assert_int_eq(parse(NHEAD "1\t（一）任务甲\t1.措施一。\t建成2个基地。\t市财政局\n"
	                             "2\t\t1.措施二。\t建成3个基地。\t市财政局\n"
	                             "3\t\t2.措施三。\t建成4个基地。\t市财政局\n",
	                       &r),
	                 DOC_OK);
	ck_assert_str_eq(member(measure(&r, 1), "code"), "t-m03");
	ck_assert_str_eq(member(measure(&r, 2), "code"), "t-m02");
	json_t *t = json_array_get(json_object_get(measure(&r, 1), "targets"), 0);
	ck_assert_str_eq(member(t, "code"), "t-m03-t01");
	ck_assert_ptr_nonnull(review_at(&r, "/measures/1/number", "renumbered 3"));
	assert_importable(&r);
	doc_result_free(&r);
}
END_TEST

/* A form feed (a page break, as pdftotext writes one) in a title and in an item: replaced by a
 * space, with one review entry, so the importer takes the document and the item's target
 * (found by fuzzing: the importer refused the title and the target's item). */
START_TEST(control_characters_become_spaces)
{
	struct doc_result r;
	ck_assert_int_eq(parse(HEAD
	                       "（一）任务甲\t1.措施一。\f\t推进\f工作，建成2个基地。\t市财政局"
	                       "\t市教\v育局\n",
	                       &r),
	                 DOC_OK);
	json_t *m = measure(&r, 0);
	ck_assert_str_eq(member(m, "title"), "措施一。 ");
	ck_assert_str_eq(member(json_array_get(json_object_get(m, "items"), 0), "text"),
	                 "推进 工作，建成2个基地。");
	ck_assert_uint_eq(json_array_size(json_object_get(m, "targets")), 1);
	ck_assert_ptr_nonnull(review_at(&r, "", "3 control character"));
	assert_importable(&r);
	doc_result_free(&r);
}
END_TEST

/* A measure cell holding only its number: the title is its first item's first sentence; with
 * no content either, a placeholder; both reviewed (found by fuzzing: an empty title). */
START_TEST(measure_without_title)
{
	struct doc_result r;
	ck_assert_int_eq(parse(NHEAD "1\t（一）任务甲\t1.\t（1）建成2个基地。完善制度。\t市财政局\n"
	                             "2\t\t2.\t\t市财政局\n",
	                       &r),
	                 DOC_OK);
	ck_assert_str_eq(member(measure(&r, 0), "title"), "建成2个基地。");
	ck_assert_ptr_nonnull(review_at(&r, "/measures/0/title", "first item"));
	json_t *m = measure(&r, 1);
	ck_assert_str_eq(member(m, "title"), "（无标题措施）");
	ck_assert_str_eq(member(json_array_get(json_object_get(m, "items"), 0), "text"),
	                 "（无标题措施）");
	ck_assert_ptr_nonnull(review_at(&r, "/measures/1/title", "placeholder"));
	assert_importable(&r);
	doc_result_free(&r);
}
END_TEST

/* A list with neither a title nor a task column: its one task takes the plan's title. */
START_TEST(task_without_title)
{
	struct doc_result r;
	ck_assert_int_eq(parse("工作措施\t牵头单位\n1.措施一。\t市财政局\n", &r), DOC_OK);
	json_t *task = json_array_get(json_object_get(r.document, "tasks"), 0);
	ck_assert_str_eq(member(task, "title"), "（无标题）");
	ck_assert_ptr_nonnull(review_at(&r, "/tasks/0/title", "plan's title"));
	assert_importable(&r);
	doc_result_free(&r);
}
END_TEST

/* A unit cell that is really a sentence is not made a unit (found by fuzzing: a unit whose
 * name was over the importer's 500 characters). */
START_TEST(prose_is_not_a_unit)
{
	char text[4096], prose[2048] = "";
	for (int i = 0; i < 40; i++)
		strcat(prose, "推动技工教育"); /* 240 characters, no separator */
	snprintf(text, sizeof(text), HEAD "（一）任务甲\t1.措施一。\t推进工作。\t市财政局\t%s\n",
	         prose);
	struct doc_result r;
	ck_assert_int_eq(parse(text, &r), DOC_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(r.document, "units")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(measure(&r, 0), "related")), 0);
	json_t *e = review_at(&r, "/measures/0/related", "not read as a unit");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(member(e, "source_text"), prose);
	assert_importable(&r);
	doc_result_free(&r);
}
END_TEST

/* The inputs the fuzzers found (tests/fuzz/corpus/doc/, the first byte the options), replayed:
 * every import-check error of the parsed document is in its review, and these four import
 * cleanly. */
START_TEST(fuzz_found_inputs)
{
	static const char *const names[] = {
	        "control-char-in-item-found-gb18030", "control-char-in-title",
	        "duplicate-code-after-renumber",      "duplicate-target-code-after-renumber-found",
	        "empty-measure-title-found",          "unit-name-over-500-bytes-found"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[256];
		size_t len;
		snprintf(rel, sizeof(rel), "tests/fuzz/corpus/doc/%s", names[i]);
		char *bytes = doc_test_read(doc_test_path(rel), &len);
		struct doc_options o = doc_fuzz_options((uint8_t)bytes[0]);
		struct doc_result r;
		ck_assert_int_eq(doc_parse(bytes + 1, len - 1, &o, &r), DOC_OK);
		json_t *errors = import_validate(r.document);
		size_t j;
		json_t *e;
		json_array_foreach(errors, j, e)
		{
			const char *p = member(e, "pointer");
			ck_assert_msg(doc_review_covers(r.review, p), "%s: %s %s not in the review",
			              names[i], p, member(e, "message"));
		}
		json_decref(errors);
		doc_result_free(&r);
		free(bytes);
	}
}
END_TEST

/* What the importer refuses and no reader says (here an item over the importer's 20,000
 * characters) is still in the review, marked DOC_REVIEW_IMPORT_REFUSES, so that the person sees
 * it before POST /v1/imports does. */
START_TEST(importer_refusals_no_reader_names_are_reviewed)
{
	size_t n = 20001, len = strlen(HEAD) + 64 + 3 * n;
	char *text = malloc(len);
	ck_assert_ptr_nonnull(text);
	int w = snprintf(text, len, HEAD "一、任务\t（一）措施\t");
	for (size_t i = 0; i < n; i++, w += 3)
		memcpy(text + w, "字", 3);
	snprintf(text + w, len - (size_t)w, "\t市人力资源社会保障局\t\n");
	struct doc_result r;
	ck_assert_int_eq(parse(text, &r), DOC_OK);
	json_t *errors = import_validate(r.document);
	ck_assert_uint_gt(json_array_size(errors), 0);
	size_t i, marked = 0;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		const char *p = member(e, "pointer");
		ck_assert_msg(doc_review_covers(r.review, p), "%s not in the review", p);
	}
	json_array_foreach(r.review, i, e)
	{
		if (strncmp(member(e, "reason"), DOC_REVIEW_IMPORT_REFUSES,
		            strlen(DOC_REVIEW_IMPORT_REFUSES)) == 0)
			marked++;
	}
	ck_assert_uint_gt(marked, 0);
	json_decref(errors);
	doc_result_free(&r);
	free(text);
}
END_TEST

Suite *document_plan_suite(void)
{
	Suite *s = suite_create("document_plan");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, repeated_numbers_get_free_codes);
	tcase_add_test(tc, control_characters_become_spaces);
	tcase_add_test(tc, measure_without_title);
	tcase_add_test(tc, task_without_title);
	tcase_add_test(tc, prose_is_not_a_unit);
	tcase_add_test(tc, fuzz_found_inputs);
	tcase_add_test(tc, importer_refusals_no_reader_names_are_reviewed);
	suite_add_tcase(s, tc);
	return s;
}
