/* test_app.c — service/app.c: the CORS origin list as main.c and the harness both parse it. */
#include "app.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void cors_free(struct app *app)
{
	for (size_t i = 0; i < app->cors_count; i++)
		free(app->cors_origins[i]);
	free(app->cors_origins);
	memset(app, 0, sizeof(*app));
}

START_TEST(test_cors_one_origin)
{
	struct app app = {0};
	ck_assert_int_eq(app_cors_parse(&app, "https://app.example.org"), 0);
	ck_assert_uint_eq(app.cors_count, 1);
	ck_assert_str_eq(app.cors_origins[0], "https://app.example.org");
	ck_assert_int_eq(app.cors_any, 0);
	cors_free(&app);
}
END_TEST

START_TEST(test_cors_commas_spaces_and_star)
{
	struct app app = {0};
	ck_assert_int_eq(app_cors_parse(&app, " https://a.example, https://b.example,,*  "
	                                      "https://c.example https://d.example"),
	                 0);
	ck_assert_uint_eq(app.cors_count, 4);
	ck_assert_str_eq(app.cors_origins[0], "https://a.example");
	ck_assert_str_eq(app.cors_origins[1], "https://b.example");
	ck_assert_str_eq(app.cors_origins[2], "https://c.example");
	ck_assert_str_eq(app.cors_origins[3], "https://d.example");
	ck_assert_int_eq(app.cors_any, 1);
	cors_free(&app);
}
END_TEST

START_TEST(test_cors_empty)
{
	struct app app = {0};
	ck_assert_int_eq(app_cors_parse(&app, NULL), 0);
	ck_assert_uint_eq(app.cors_count, 0);
	ck_assert_int_eq(app.cors_any, 0);
	cors_free(&app);
	ck_assert_int_eq(app_cors_parse(&app, " , "), 0);
	ck_assert_uint_eq(app.cors_count, 0);
	cors_free(&app);
}
END_TEST

Suite *app_suite(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("app");
	tcase_add_test(tc, test_cors_one_origin);
	tcase_add_test(tc, test_cors_commas_spaces_and_star);
	tcase_add_test(tc, test_cors_empty);
	suite_add_tcase(s, tc);
	return s;
}
