/* test_validate.c — service/validate.c: codes, dates, periods, URLs, UTF-8, member readers. */
#include "validate.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs validate_utf8_text on an exactly-sized heap copy, so any over-read trips ASan. */
static int utf8_ok(const char *bytes, size_t len)
{
	char *copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, len);
	int ok = validate_utf8_text(copy, len);
	free(copy);
	return ok;
}

#define UTF8_OK(lit)  ck_assert_msg(utf8_ok(lit, sizeof(lit) - 1) == 1, "refused: %s", #lit)
#define UTF8_BAD(lit) ck_assert_msg(utf8_ok(lit, sizeof(lit) - 1) == 0, "accepted: %s", #lit)

/* The pointer of errors[i]. */
static const char *pointer_at(json_t *errors, size_t i)
{
	json_t *e = json_array_get(errors, i);
	ck_assert_ptr_nonnull(e);
	const char *msg = json_string_value(json_object_get(e, "message"));
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_gt(strlen(msg), 0);
	const char *ptr = json_string_value(json_object_get(e, "pointer"));
	ck_assert_ptr_nonnull(ptr);
	return ptr;
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_ALLOW_NUL, &jerr);
	ck_assert_msg(v != NULL, "bad fixture JSON: %s", jerr.text);
	return v;
}

START_TEST(test_code)
{
	static const char *const good[] = {"a",       "0",  "hrss",   "yunfu-gdjg-m01",
	                                   "a.b_c-d", "9-", "finance"};
	static const char *const bad[] = {"",    "-a",  ".a",   "_a",  "A",   "aB", "a b",
	                                  "a/b", "a+b", "中文", "a\n", "a:b", " a"};
	char c64[65], c65[66];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(validate_code(good[i]) == 1, "refused \"%s\"", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(validate_code(bad[i]) == 0, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(validate_code(NULL), 0);
	memset(c64, 'a', 64);
	c64[64] = '\0';
	memset(c65, 'a', 65);
	c65[65] = '\0';
	ck_assert_int_eq(validate_code(c64), 1);
	ck_assert_int_eq(validate_code(c65), 0);
}
END_TEST

START_TEST(test_date)
{
	static const char *const good[] = {"2024-02-29", "2000-02-29", "2023-02-28", "2022-12-31",
	                                   "2022-01-01", "2023-04-30", "1900-01-01", "9999-12-31"};
	static const char *const bad[] = {
	        "2023-02-29",  "1900-02-29",           "2100-02-29",   "2023-02-30", "2023-04-31",
	        "2023-13-01",  "2023-00-10",           "2023-01-00",   "2023-01-32", "2023-1-01",
	        "2023-01-1",   "2023-01-011",          "20230101",     "2023/01/01", "2023-01-0a",
	        " 2023-01-01", "2023-01-01 ",          "+023-01-01",   "1899-12-31", "",
	        "2023",        "2023-01-01T00:00:00Z", "０２３-01-01",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(validate_date(good[i]) == 1, "refused \"%s\"", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(validate_date(bad[i]) == 0, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(validate_date(NULL), 0);
}
END_TEST

START_TEST(test_period)
{
	static const struct {
		const char *period, *start, *end;
	} good[] = {
	        {"2022", "2022-01-01", "2022-12-31"},    {"2022-H1", "2022-01-01", "2022-06-30"},
	        {"2022-H2", "2022-07-01", "2022-12-31"}, {"2022-Q1", "2022-01-01", "2022-03-31"},
	        {"2022-Q2", "2022-04-01", "2022-06-30"}, {"2022-Q3", "2022-07-01", "2022-09-30"},
	        {"2022-Q4", "2022-10-01", "2022-12-31"}, {"2022-07", "2022-07-01", "2022-07-31"},
	        {"2022-02", "2022-02-01", "2022-02-28"}, {"2024-02", "2024-02-01", "2024-02-29"},
	        {"2022-11", "2022-11-01", "2022-11-30"}, {"2022-01", "2022-01-01", "2022-01-31"},
	};
	static const char *const bad[] = {"2022-Q5", "2022-Q0", "2022-H3", "2022-H0",  "2022-13",
	                                  "2022-00", "22",      "2022-q1", "2022-h1",  "",
	                                  "2022-",   "2022-7",  "2022-Q",  "2022-H1x", "2022 ",
	                                  "202",     "20221",   "1899",    "2022-W01", "2022/Q1"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char start[11], end[11];
		memset(start, '#', sizeof(start));
		memset(end, '#', sizeof(end));
		ck_assert_msg(validate_period(good[i].period, start, end) == 1, "refused \"%s\"",
		              good[i].period);
		ck_assert_str_eq(start, good[i].start);
		ck_assert_str_eq(end, good[i].end);
		ck_assert_int_eq(validate_period(good[i].period, NULL, NULL), 1);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char start[11], end[11];
		ck_assert_msg(validate_period(bad[i], start, end) == 0, "accepted \"%s\"", bad[i]);
	}
	ck_assert_int_eq(validate_period(NULL, NULL, NULL), 0);
}
END_TEST

START_TEST(test_http_url)
{
	static const char *const good[] = {
	        "http://example.org",
	        "https://example.org",
	        "https://www.gd.gov.cn/zwgk/wjk/qbwj/yf/content/post_3704444.html",
	        "https://example.org:8443/a/b?c=d&e=f#frag",
	        "http://10.0.0.1/report.pdf",
	};
	static const char *const bad[] = {
	        "ftp://example.org/file",
	        "javascript:alert(1)",
	        "https://",
	        "http://",
	        "https:///path",
	        "https://?q",
	        "https://#x",
	        "https://exa mple.org",
	        "https://example.org/a b",
	        "https://example.org/\x01",
	        "https://example.org/\t",
	        "https://example.org/\n",
	        "https://example.org/\x7f",
	        " https://example.org",
	        "https://example.org ",
	        "//example.org",
	        "example.org",
	        "https:example.org",
	        "mailto:a@example.org",
	        "data:text/html,<b>",
	        "",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(validate_http_url(good[i]) == 1, "refused \"%s\"", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(validate_http_url(bad[i]) == 0, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(validate_http_url(NULL), 0);
}
END_TEST

START_TEST(test_utf8_text)
{
	UTF8_OK("");
	UTF8_OK("plain ASCII");
	UTF8_OK("云浮市推进“广东技工”工程实施方案责任清单");
	UTF8_OK("各县（市、区）人民政府");
	UTF8_OK("tab\there\nnew line\r\n");
	UTF8_OK("\xc2\x80");         /* U+0080 */
	UTF8_OK("\xdf\xbf");         /* U+07FF */
	UTF8_OK("\xe0\xa0\x80");     /* U+0800 */
	UTF8_OK("\xef\xbf\xbd");     /* U+FFFD */
	UTF8_OK("\xf0\x90\x80\x80"); /* U+10000 */
	UTF8_OK("\xf0\x9f\x98\x80"); /* an emoji */
	UTF8_OK("\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	UTF8_OK("\xed\x9f\xbf");     /* U+D7FF, just below the surrogates */
	UTF8_OK("\xee\x80\x80");     /* U+E000, just above */

	/* overlong forms */
	UTF8_BAD("\xc0\xaf");
	UTF8_BAD("\xc1\xbf");
	UTF8_BAD("\xe0\x80\xaf");
	UTF8_BAD("\xe0\x9f\xbf");
	UTF8_BAD("\xf0\x80\x80\xaf");
	UTF8_BAD("\xf0\x8f\xbf\xbf");
	/* surrogates */
	UTF8_BAD("\xed\xa0\x80");
	UTF8_BAD("\xed\xbf\xbf");
	UTF8_BAD("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair */
	/* past U+10FFFF, and bytes that never occur */
	UTF8_BAD("\xf4\x90\x80\x80");
	UTF8_BAD("\xf5\x80\x80\x80");
	UTF8_BAD("\xff");
	UTF8_BAD("\xfe");
	UTF8_BAD("a\xffz");
	/* stray continuation bytes */
	UTF8_BAD("\x80");
	UTF8_BAD("\xbf");
	UTF8_BAD("ab\x80");
	/* truncated sequences, at the end and in the middle */
	UTF8_BAD("\xc3");
	UTF8_BAD("\xe4\xb8");
	UTF8_BAD("\xe4");
	UTF8_BAD("\xf0\x9f\x98");
	UTF8_BAD("x\xe4\xb8");
	UTF8_BAD("\xe4\xb8z");
	UTF8_BAD("\xf0\x9f\x98z");
	/* NUL and C0 controls other than tab, CR and LF */
	UTF8_BAD("a\0b");
	UTF8_BAD("\x01");
	UTF8_BAD("bell\x07");
	UTF8_BAD("esc\x1b[0m");
	UTF8_BAD("\x0b");
	UTF8_BAD("\x0c");
	UTF8_BAD("\x1f");

	/* Only len bytes are looked at: a valid prefix of a longer buffer is fine. */
	ck_assert_int_eq(utf8_ok("abc\x01", 3), 1);
	ck_assert_int_eq(utf8_ok("\xe4\xb8\xad", 2), 0); /* 中 cut short by len */
	ck_assert_int_eq(utf8_ok("\xe4\xb8\xad", 3), 1);
}
END_TEST

START_TEST(test_enum)
{
	static const char *const choices[] = {"approve", "return", NULL};
	ck_assert_int_eq(validate_enum("approve", choices), 1);
	ck_assert_int_eq(validate_enum("return", choices), 1);
	ck_assert_int_eq(validate_enum("Approve", choices), 0);
	ck_assert_int_eq(validate_enum("", choices), 0);
	ck_assert_int_eq(validate_enum(NULL, choices), 0);
}
END_TEST

START_TEST(test_string_member)
{
	json_t *obj =
	        parse("{\"name\": \"云浮\", \"num\": 5, \"empty\": \"\", \"long\": \"abcdef\","
	              " \"ctl\": \"a\\u0001b\", \"nul\": \"a\\u0000b\", \"nil\": null,"
	              " \"tabbed\": \"a\\tb\", \"arr\": [\"x\"]}");
	json_t *errors = json_array();
	const char *s;

	s = validate_string_member(obj, "name", 1, 100, "/body", errors);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "云浮");
	ck_assert_str_eq(validate_string_member(obj, "tabbed", 1, 100, "/body", errors), "a\tb");
	ck_assert_str_eq(validate_string_member(obj, "empty", 0, 100, "/body", errors), "");
	/* exactly max_len characters is fine, and 云浮 is two of them, not six bytes */
	ck_assert_ptr_nonnull(validate_string_member(obj, "long", 1, 6, "/body", errors));
	ck_assert_ptr_nonnull(validate_string_member(obj, "name", 1, 2, "/body", errors));
	ck_assert_uint_eq(validate_utf8_chars("云浮a", strlen("云浮a")), 3);
	ck_assert_ptr_null(validate_string_member(obj, "absent", 0, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "nil", 0, 100, "/body", errors));
	ck_assert_uint_eq(json_array_size(errors), 0);

	ck_assert_ptr_null(validate_string_member(obj, "absent", 1, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "nil", 1, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "num", 0, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "arr", 0, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "empty", 1, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "long", 1, 5, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "name", 1, 1, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "ctl", 1, 100, "/body", errors));
	ck_assert_ptr_null(validate_string_member(obj, "nul", 1, 100, "/body", errors));
	ck_assert_uint_eq(json_array_size(errors), 9);
	static const char *const want[] = {"/body/absent", "/body/nil",   "/body/num",
	                                   "/body/arr",    "/body/empty", "/body/long",
	                                   "/body/name",   "/body/ctl",   "/body/nul"};
	for (size_t i = 0; i < 9; i++)
		ck_assert_str_eq(pointer_at(errors, i), want[i]);

	/* Top level: the base is "", the pointer is "/key". */
	json_array_clear(errors);
	ck_assert_ptr_null(validate_string_member(obj, "num", 1, 100, "", errors));
	ck_assert_uint_eq(json_array_size(errors), 1);
	ck_assert_str_eq(pointer_at(errors, 0), "/num");
	json_decref(errors);
	json_decref(obj);
}
END_TEST

START_TEST(test_integer_member)
{
	json_t *obj = parse("{\"n\": 7, \"low\": -1, \"high\": 501, \"real\": 1.5, \"text\": \"5\","
	                    " \"nil\": null, \"big\": 9223372036854775807, \"t\": true}");
	json_t *errors = json_array();
	long long out = -99;

	ck_assert_int_eq(validate_integer_member(obj, "n", 1, 0, 10, &out, "/q", errors), 0);
	ck_assert_int_eq(out, 7);
	ck_assert_int_eq(validate_integer_member(obj, "n", 1, 7, 7, &out, "/q", errors), 0);
	ck_assert_int_eq(validate_integer_member(obj, "big", 1, 0, 9223372036854775807LL, &out,
	                                         "/q", errors),
	                 0);
	ck_assert_int_eq(out, 9223372036854775807LL);
	out = -99;
	ck_assert_int_eq(validate_integer_member(obj, "absent", 0, 0, 10, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "nil", 0, 0, 10, &out, "/q", errors), -1);
	ck_assert_int_eq(out, -99); /* untouched when absent */
	ck_assert_uint_eq(json_array_size(errors), 0);

	ck_assert_int_eq(validate_integer_member(obj, "low", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "high", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "real", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "text", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "t", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "absent", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(validate_integer_member(obj, "nil", 1, 0, 500, &out, "/q", errors), -1);
	ck_assert_int_eq(out, -99);
	ck_assert_uint_eq(json_array_size(errors), 7);
	static const char *const want[] = {"/q/low", "/q/high",   "/q/real", "/q/text",
	                                   "/q/t",   "/q/absent", "/q/nil"};
	for (size_t i = 0; i < 7; i++)
		ck_assert_str_eq(pointer_at(errors, i), want[i]);
	json_decref(errors);
	json_decref(obj);
}
END_TEST

START_TEST(test_number_member)
{
	json_t *obj = parse("{\"i\": 80, \"r\": 65.5, \"neg\": -0.5, \"over\": 120, \"s\": \"80\","
	                    " \"nil\": null, \"huge\": 1e300}");
	json_t *errors = json_array();
	double out = -1;

	ck_assert_int_eq(validate_number_member(obj, "i", 1, 0, 100, &out, "/values/0", errors), 0);
	ck_assert(out == 80.0);
	ck_assert_int_eq(validate_number_member(obj, "r", 1, 0, 100, &out, "/values/0", errors), 0);
	ck_assert(out == 65.5);
	ck_assert_int_eq(validate_number_member(obj, "absent", 0, 0, 1, &out, "/values/0", errors),
	                 -1);
	ck_assert_uint_eq(json_array_size(errors), 0);

	ck_assert_int_eq(validate_number_member(obj, "neg", 1, 0, 100, &out, "/values/0", errors),
	                 -1);
	ck_assert_int_eq(validate_number_member(obj, "over", 1, 0, 100, &out, "/values/1", errors),
	                 -1);
	ck_assert_int_eq(validate_number_member(obj, "s", 1, 0, 100, &out, "/values/2", errors),
	                 -1);
	ck_assert_int_eq(validate_number_member(obj, "nil", 1, 0, 100, &out, "/values/3", errors),
	                 -1);
	ck_assert_int_eq(validate_number_member(obj, "huge", 1, 0, 1e15, &out, "/values/4", errors),
	                 -1);
	ck_assert(out == 65.5); /* untouched by failures */
	ck_assert_uint_eq(json_array_size(errors), 5);
	static const char *const want[] = {"/values/0/neg", "/values/1/over", "/values/2/s",
	                                   "/values/3/nil", "/values/4/huge"};
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(pointer_at(errors, i), want[i]);
	json_decref(errors);
	json_decref(obj);
}
END_TEST

START_TEST(test_known_members)
{
	static const char *const allowed[] = {"measure_id", "period", "status", NULL};
	json_t *obj = parse("{\"measure_id\": 1, \"perod\": \"2022\", \"status\": \"on_track\","
	                    " \"extra\": true}");
	json_t *errors = json_array();

	validate_known_members(obj, allowed, "", errors);
	ck_assert_uint_eq(json_array_size(errors), 2);
	/* Order follows the object's; check as a set. */
	const char *a = pointer_at(errors, 0), *b = pointer_at(errors, 1);
	ck_assert((strcmp(a, "/perod") == 0 && strcmp(b, "/extra") == 0) ||
	          (strcmp(a, "/extra") == 0 && strcmp(b, "/perod") == 0));

	json_array_clear(errors);
	validate_known_members(obj, allowed, "/values/3", errors);
	ck_assert_uint_eq(json_array_size(errors), 2);
	a = pointer_at(errors, 0);
	ck_assert_int_eq(strncmp(a, "/values/3/", 10), 0);

	json_array_clear(errors);
	json_t *clean = parse("{\"period\": \"2022\"}");
	validate_known_members(clean, allowed, "", errors);
	ck_assert_uint_eq(json_array_size(errors), 0);
	json_decref(clean);
	json_decref(errors);
	json_decref(obj);
}
END_TEST

/* RFC 6901: "~" is written "~0" and "/" is written "~1" inside a reference token. */
START_TEST(test_pointer_escaping)
{
	static const char *const allowed[] = {"ok", NULL};
	json_t *obj = parse("{\"a/b\": 1}");
	json_t *errors = json_array();

	validate_known_members(obj, allowed, "", errors);
	ck_assert_uint_eq(json_array_size(errors), 1);
	ck_assert_str_eq(pointer_at(errors, 0), "/a~1b");
	json_decref(obj);

	json_array_clear(errors);
	obj = parse("{\"m~n\": 1}");
	validate_known_members(obj, allowed, "", errors);
	ck_assert_uint_eq(json_array_size(errors), 1);
	ck_assert_str_eq(pointer_at(errors, 0), "/m~0n");
	json_decref(obj);
	json_decref(errors);
}
END_TEST

START_TEST(test_errors_collected_across_checks)
{
	static const char *const allowed[] = {"measure_id", "period", "status", "summary", NULL};
	json_t *body = parse("{\"measure_id\": \"3\", \"status\": 1, \"summary\": \"\","
	                     " \"colour\": \"red\"}");
	json_t *errors = json_array();
	long long id;

	validate_known_members(body, allowed, "", errors);
	validate_integer_member(body, "measure_id", 1, 1, 1000000, &id, "", errors);
	validate_string_member(body, "period", 1, 16, "", errors);
	validate_string_member(body, "status", 1, 32, "", errors);
	validate_string_member(body, "summary", 1, 4000, "", errors);
	verr_add(errors, "/values/0/value", "must be at most %d", 100);
	ck_assert_uint_eq(json_array_size(errors), 6);
	static const char *const want[] = {"/colour", "/measure_id", "/period",
	                                   "/status", "/summary",    "/values/0/value"};
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(pointer_at(errors, i), want[i]);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 5), "message")),
	                 "must be at most 100");
	json_decref(errors);
	json_decref(body);
}
END_TEST

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate");

	tcase_add_test(tc, test_code);
	tcase_add_test(tc, test_date);
	tcase_add_test(tc, test_period);
	tcase_add_test(tc, test_http_url);
	tcase_add_test(tc, test_utf8_text);
	tcase_add_test(tc, test_enum);
	tcase_add_test(tc, test_string_member);
	tcase_add_test(tc, test_integer_member);
	tcase_add_test(tc, test_number_member);
	tcase_add_test(tc, test_known_members);
	tcase_add_test(tc, test_pointer_escaping);
	tcase_add_test(tc, test_errors_collected_across_checks);
	suite_add_tcase(s, tc);
	return s;
}
