/* test_document_units.c — service/document/doc_units.c: splitting and matching unit lists. */
#include <check.h>
#include <string.h>

#include "document/doc_units.h"
#include "suites.h"

static void split_is(const char *text, const char *const *want, size_t n)
{
	char **got;
	size_t k = doc_units_split(text, &got);
	ck_assert_msg(k == n, "%s: %zu names, want %zu", text, k, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(got[i], want[i]);
	doc_units_free(got, k);
}

START_TEST(splitting)
{
	const char *a[] = {"市人力资源社会保障局", "云城区人民政府", "罗定市人民政府",
	                   "新兴县人民政府", "郁南县人民政府"};
	split_is("市人力资源社会保障局，云城区、罗定市、新兴县、郁南县人民政府", a, 5);
	const char *b[] = {"市财政局", "各县（市、区）人民政府"};
	split_is("市财政局，各县（市、区）人民政府", b, 2);
	const char *c[] = {"市委组织部", "各有关单位", "各区、县级市"};
	split_is("市委组织部、各有关单位，各区、县级市", c, 3);
	const char *d[] = {"农业农村部", "发展改革委", "财政部"};
	split_is("农业农村部、发展改革委、财政部等负责", d, 3);
	const char *e[] = {"国家发展改革委", "有关部门"};
	split_is("国家发展改革委会同有关部门负责", e, 2);
	const char *f[] = {"人力资源社会保障部", "有关部门和单位"};
	split_is("人力资源社会保障部等有关部门和单位负责", f, 2);
	const char *g[] = {"教育部", "各省级人民政府"};
	split_is("教育部，各省级人民政府按职责分工负责", g, 2);
	split_is("", NULL, 0);
}
END_TEST

START_TEST(matching)
{
	static const char *const aliases[] = {"市卫健局", NULL};
	struct doc_known_unit k[] = {
	        {.code = "commerce", .name = "市商务局"},
	        {.code = "health", .name = "市卫生健康局", .aliases = aliases},
	        {.code = "edu", .name = "市教育局"},
	        {.code = "edu2", .name = "市教育局属学校"},
	};
	enum doc_unit_match how;
	ck_assert_int_eq(doc_units_match(k, 4, "市商务局", &how), 0);
	ck_assert_int_eq(how, DOC_UNIT_EXACT);
	ck_assert_int_eq(doc_units_match(k, 4, "市卫健局", &how), 1);
	ck_assert_int_eq(how, DOC_UNIT_ALIAS);
	ck_assert_int_eq(doc_units_match(k, 4, "市商务", &how), 0);
	ck_assert_int_eq(how, DOC_UNIT_TRUNCATED);
	ck_assert_int_eq(doc_units_match(k, 4, "市教育", &how), -1); /* two fit: none */
	ck_assert_int_eq(doc_units_match(k, 4, "市", &how), -1);
	ck_assert_int_eq(doc_units_match(k, 4, "市公安局", &how), -1);
}
END_TEST

START_TEST(kinds_and_codes)
{
	ck_assert_str_eq(doc_units_kind("各职业院校"), "group");
	ck_assert_str_eq(doc_units_kind("罗定市人民政府"), "county_government");
	ck_assert_str_eq(doc_units_kind("云浮技师学院"), "school");
	ck_assert_str_eq(doc_units_kind("市总工会"), "organisation");
	ck_assert_str_eq(doc_units_kind("市财政局"), "department");
	char a[16], b[16];
	doc_units_code("市财政局", a, sizeof(a));
	doc_units_code("市财政局", b, sizeof(b));
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(strlen(a), 10);
	doc_units_code("市教育局", b, sizeof(b));
	ck_assert_str_ne(a, b);
}
END_TEST

Suite *document_units_suite(void)
{
	Suite *s = suite_create("document_units");
	TCase *tc = tcase_create("units");
	tcase_add_test(tc, splitting);
	tcase_add_test(tc, matching);
	tcase_add_test(tc, kinds_and_codes);
	suite_add_tcase(s, tc);
	return s;
}
