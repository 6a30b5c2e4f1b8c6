/* test_csv.c — the CSV reader: quoting, line ends, BOM, blank lines, limits, bad text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
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

START_TEST(charsets_from_the_content_type)
{
	enum csv_charset cs;
	ck_assert_int_eq(csv_media_type("text/csv", &cs), 1);
	ck_assert_int_eq(cs, CSV_CHARSET_NONE);
	ck_assert_int_eq(csv_media_type("TEXT/CSV; charset=UTF-8", &cs), 1);
	ck_assert_int_eq(cs, CSV_CHARSET_UTF8);
	ck_assert_int_eq(csv_media_type("text/csv;charset=utf8", &cs), 1);
	ck_assert_int_eq(cs, CSV_CHARSET_UTF8);
	const char *gb[] = {"text/csv; charset=gb18030", "text/csv; charset=GBK",
	                    "text/csv; charset=\"gb2312\"",
	                    "text/csv; header=present; charset=cp936"};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(csv_media_type(gb[i], &cs), 1);
		ck_assert_msg(cs == CSV_CHARSET_GB18030, "%s", gb[i]);
	}
	ck_assert_int_eq(csv_media_type("text/csv; charset=latin1", &cs), 1);
	ck_assert_int_eq(cs, CSV_CHARSET_OTHER);
	ck_assert_int_eq(csv_media_type("text/csv; charset=utf-88", &cs), 1);
	ck_assert_int_eq(cs, CSV_CHARSET_OTHER);
	ck_assert_int_eq(csv_media_type("text/csvx", &cs), 0);
	ck_assert_int_eq(csv_media_type("application/json", &cs), 0);
	ck_assert_int_eq(csv_media_type(NULL, &cs), 0);
}
END_TEST

START_TEST(utf8_faults_name_their_line)
{
	ck_assert_uint_eq(csv_utf8_bad_line("a,b\n云浮,1\n", 12), 0);
	ck_assert_uint_eq(csv_utf8_bad_line("a,b\n\xD4\xC6,1\n", 8), 2); /* 云 in GBK */
	ck_assert_uint_eq(csv_utf8_bad_line("\xC0\x80", 2), 1);          /* overlong */
	ck_assert_uint_eq(csv_utf8_bad_line("a\n\n\xED\xA0\x80", 5), 3); /* a surrogate */
	ck_assert_uint_eq(csv_utf8_bad_line("\xE4\xB8", 2), 1);          /* cut short */
}
END_TEST

START_TEST(gb18030_becomes_utf8)
{
	char err[160];
	size_t len = 0;
	/* "云浮,1" in GBK, then a four-byte GB18030 character (U+20BB7 𠮷) */
	static const char gb[] = "\xD4\xC6\xB8\xA1,1\r\n\x95\x34\xB2\x35";
	char *u = csv_gb18030_to_utf8(gb, sizeof(gb) - 1, &len, err, sizeof(err));
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u, "云浮,1\r\n𠮷");
	ck_assert_uint_eq(len, strlen("云浮,1\r\n𠮷"));
	free(u);
	u = csv_gb18030_to_utf8("a\nb\n\xD4", 5, &len, err, sizeof(err));
	ck_assert_ptr_null(u);
	ck_assert_ptr_nonnull(strstr(err, "line 3"));
	u = csv_gb18030_to_utf8("", 0, &len, err, sizeof(err));
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(len, 0);
	free(u);
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
	tcase_add_test(tc, charsets_from_the_content_type);
	tcase_add_test(tc, utf8_faults_name_their_line);
	tcase_add_test(tc, gb18030_becomes_utf8);
	suite_add_tcase(s, tc);
	return s;
}
