/* test_csv.c — the CSV reader: quoting, line ends, BOM, blank lines, limits, bad text. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "suites.h"

static json_t *parse(const char *text, size_t max_rows, char *err)
{
	return csv_parse(text, strlen(text), max_rows, err, 160);
}

static const char *cell(json_t *rows, size_t r, size_t c)
{
	return json_string_value(json_array_get(json_array_get(rows, r), c));
}

START_TEST(quoted_fields_line_ends_and_bom)
{
	char err[160];
	json_t *rows = parse("\xEF\xBB\xBF"
	                     "a,b,c\r\n1,\"x, \"\"y\"\"\",\r\n\n2,\"line\nbreak\",z",
	                     10, err);
	ck_assert_ptr_nonnull(rows);
	ck_assert_uint_eq(json_array_size(rows), 3);
	ck_assert_str_eq(cell(rows, 0, 0), "a");
	ck_assert_str_eq(cell(rows, 1, 1), "x, \"y\"");
	ck_assert_str_eq(cell(rows, 1, 2), "");
	ck_assert_str_eq(cell(rows, 2, 1), "line\nbreak");
	ck_assert_str_eq(cell(rows, 2, 2), "z");
	json_decref(rows);
}
END_TEST

START_TEST(chinese_text_survives)
{
	char err[160];
	json_t *rows = parse("summary\n\"已组织培训，\"\"引号\"\"\"\n", 10, err);
	ck_assert_ptr_nonnull(rows);
	ck_assert_str_eq(cell(rows, 1, 0), "已组织培训，\"引号\"");
	json_decref(rows);
}
END_TEST

START_TEST(malformed_text_is_refused_with_its_line)
{
	static const char *const bad[] = {
	        "a\n\"open",   /* quote never closed */
	        "a\n\"x\"y",   /* text after a closing quote */
	        "a\nx\"y",     /* quote inside an unquoted field */
	        "a\n\xff\xfe", /* not UTF-8 */
	        "a\nx\x01y",   /* a control character */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[160] = "";
		ck_assert_ptr_null(parse(bad[i], 10, err));
		ck_assert_msg(strstr(err, "line 2") != NULL, "%zu: %s", i, err);
	}
}
END_TEST

START_TEST(row_limit_and_empty_input)
{
	char err[160];
	ck_assert_ptr_null(parse("a\n1\n2\n3\n", 3, err));
	ck_assert_ptr_nonnull(strstr(err, "more than 3"));
	json_t *rows = parse("", 3, err);
	ck_assert_ptr_nonnull(rows);
	ck_assert_uint_eq(json_array_size(rows), 0);
	json_decref(rows);
}
END_TEST

/* Counts rows and remembers the last one's first cell; stops after stop_after rows. */
struct tally {
	size_t rows, stop_after;
	char first[16];
};

static int tally_row(json_t *cells, size_t index, void *arg)
{
	struct tally *t = arg;
	ck_assert_uint_eq(index, t->rows);
	t->rows++;
	snprintf(t->first, sizeof(t->first), "%s", json_string_value(json_array_get(cells, 0)));
	return t->rows == t->stop_after;
}

START_TEST(rows_are_handed_over_one_by_one)
{
	char err[160];
	struct tally t = {0, 100, ""};
	ck_assert_int_eq(csv_each("a,b\n1,x\n\n2,\"y\"\r\n3,z", 19, 10, tally_row, &t, err, 160),
	                 0);
	ck_assert_uint_eq(t.rows, 4);
	ck_assert_str_eq(t.first, "3");
	/* the callee stops the reading */
	t = (struct tally){0, 2, ""};
	ck_assert_int_eq(csv_each("a\n1\n2\n3\n", 8, 10, tally_row, &t, err, 160), 0);
	ck_assert_uint_eq(t.rows, 2);
	/* a fault: the rows before it were handed over, then -1 saying what is wrong */
	t = (struct tally){0, 100, ""};
	ck_assert_int_eq(csv_each("a\n1\n\"2\n", 7, 10, tally_row, &t, err, 160), -1);
	ck_assert_uint_eq(t.rows, 2);
	ck_assert_ptr_nonnull(strstr(err, "not closed"));
}
END_TEST

Suite *csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("csv");
	tcase_add_test(tc, quoted_fields_line_ends_and_bom);
	tcase_add_test(tc, chinese_text_survives);
	tcase_add_test(tc, malformed_text_is_refused_with_its_line);
	tcase_add_test(tc, row_limit_and_empty_input);
	tcase_add_test(tc, rows_are_handed_over_one_by_one);
	suite_add_tcase(s, tc);
	return s;
}
