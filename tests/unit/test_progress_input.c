/* test_progress_input.c — what a progress body may hold, checked without a database. */
#include <check.h>
#include <string.h>

#include "progress_input.h"
#include "suites.h"

static json_t *errors;

static void setup(void)
{
	errors = json_array();
}

static void teardown(void)
{
	json_decref(errors);
}

static int has_pointer(const char *pointer)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "pointer")), pointer) == 0)
			return 1;
	}
	return 0;
}

START_TEST(valid_body_is_normalised)
{
	json_t *b = json_loads("{\"measure_id\":3,\"period\":\"2022-Q3\",\"status\":\"on_track\","
	                       "\"summary\":\"s\",\"problems\":null,\"values\":[{\"target_id\":9,"
	                       "\"value\":12}],\"evidence\":[{\"title\":\"t\",\"url\":"
	                       "\"https://a.cn/x\"}]}",
	                       0, NULL);
	struct progress_input in;
	ck_assert_int_eq(progress_input_create(b, "", &in, errors), 0);
	ck_assert_int_eq(in.measure_id, 3);
	ck_assert_str_eq(in.period_start, "2022-07-01");
	ck_assert_str_eq(in.period_end, "2022-09-30");
	ck_assert_ptr_null(in.problems);
	ck_assert_ptr_nonnull(strstr(in.values, "\"target_id\":9"));
	ck_assert_uint_eq(json_array_size(in.value_list), 1);
	progress_input_free(&in);
	json_decref(b);
}
END_TEST

START_TEST(every_problem_is_collected)
{
	json_t *b =
	        json_loads("{\"measure_id\":0,\"period\":\"2022-Q5\",\"status\":\"ok\","
	                   "\"version\":2,\"colour\":\"red\",\"values\":[{\"target_id\":1,"
	                   "\"value\":-1},{\"target_id\":2,\"value\":1},{\"target_id\":2,"
	                   "\"value\":3}],\"evidence\":[{\"title\":\"t\",\"url\":\"ftp://x\"}]}",
	                   0, NULL);
	struct progress_input in;
	ck_assert_int_eq(progress_input_create(b, "/4", &in, errors), -1);
	static const char *const want[] = {
	        "/4/measure_id",    "/4/period", "/4/status",         "/4/summary",
	        "/4/version",       "/4/colour", "/4/values/0/value", "/4/values/2/target_id",
	        "/4/evidence/0/url"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(has_pointer(want[i]), "no error at %s", want[i]);
	progress_input_free(&in);
	json_decref(b);
}
END_TEST

START_TEST(patch_refuses_fixed_members_and_empty_bodies)
{
	json_t *b = json_loads("{\"period\":\"2023\",\"unit\":\"x\"}", 0, NULL);
	struct progress_input in;
	ck_assert_int_eq(progress_input_patch(b, &in, errors), -1);
	ck_assert(has_pointer("/period"));
	ck_assert(has_pointer("/unit"));
	progress_input_free(&in);
	json_decref(b);
	json_array_clear(errors);
	b = json_object();
	ck_assert_int_eq(progress_input_patch(b, &in, errors), -1);
	progress_input_free(&in);
	json_decref(b);
	json_array_clear(errors);
	b = json_loads("{\"problems\":null}", 0, NULL);
	ck_assert_int_eq(progress_input_patch(b, &in, errors), 0);
	ck_assert(in.has_problems);
	ck_assert_ptr_null(in.problems);
	progress_input_free(&in);
	json_decref(b);
}
END_TEST

START_TEST(review_needs_a_reason_to_return)
{
	const char *d, *c;
	json_t *b = json_loads("{\"decision\":\"return\"}", 0, NULL);
	ck_assert_int_eq(progress_input_review(b, &d, &c, errors), -1);
	ck_assert(has_pointer("/comment"));
	json_decref(b);
	json_array_clear(errors);
	b = json_loads("{\"decision\":\"approve\"}", 0, NULL);
	ck_assert_int_eq(progress_input_review(b, &d, &c, errors), 0);
	ck_assert_str_eq(d, "approve");
	json_decref(b);
}
END_TEST

Suite *progress_input_suite(void)
{
	Suite *s = suite_create("progress_input");
	TCase *tc = tcase_create("progress_input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_body_is_normalised);
	tcase_add_test(tc, every_problem_is_collected);
	tcase_add_test(tc, patch_refuses_fixed_members_and_empty_bodies);
	tcase_add_test(tc, review_needs_a_reason_to_return);
	suite_add_tcase(s, tc);
	return s;
}
