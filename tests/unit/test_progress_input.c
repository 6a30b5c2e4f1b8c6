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

/* A measure and targets by code, alone or beside their ids; the codes go to the database as
 * they were given. */
START_TEST(codes_name_the_measure_and_targets)
{
	json_t *b = json_loads("{\"measure_code\":\"yunfu-gdjg-m03\",\"period\":\"2022\","
	                       "\"status\":\"on_track\",\"summary\":\"s\",\"values\":["
	                       "{\"target_code\":\"yunfu-gdjg-m03-t01\",\"value\":1},"
	                       "{\"target_id\":7,\"target_code\":\"yunfu-gdjg-m03-t02\","
	                       "\"value\":2}]}",
	                       0, NULL);
	struct progress_input in;
	ck_assert_int_eq(progress_input_create(b, "", &in, errors), 0);
	ck_assert_int_eq(in.measure_id, 0);
	ck_assert_str_eq(in.measure_code, "yunfu-gdjg-m03");
	json_t *v0 = json_array_get(in.value_list, 0), *v1 = json_array_get(in.value_list, 1);
	ck_assert_ptr_null(json_object_get(v0, "target_id"));
	ck_assert_str_eq(json_string_value(json_object_get(v0, "target_code")),
	                 "yunfu-gdjg-m03-t01");
	ck_assert_int_eq(json_integer_value(json_object_get(v1, "target_id")), 7);
	ck_assert_ptr_nonnull(strstr(in.values, "\"target_code\":\"yunfu-gdjg-m03-t02\""));
	progress_input_free(&in);
	json_decref(b);
	/* a null member is absent: a null id beside a code is the code alone */
	b = json_loads("{\"measure_id\":null,\"measure_code\":\"m\",\"period\":\"2022\","
	               "\"status\":\"on_track\",\"summary\":\"s\",\"values\":[{\"target_id\":"
	               "null,\"target_code\":\"t\",\"value\":1}]}",
	               0, NULL);
	ck_assert_int_eq(progress_input_create(b, "", &in, errors), 0);
	ck_assert_int_eq(in.measure_id, 0);
	ck_assert_ptr_null(json_object_get(json_array_get(in.value_list, 0), "target_id"));
	progress_input_free(&in);
	json_decref(b);
}
END_TEST

/* Neither id nor code, a malformed code, one code twice: refused with pointers. */
START_TEST(codes_are_checked)
{
	json_t *b = json_loads("{\"measure_code\":\"Not A Code\",\"period\":\"2022\","
	                       "\"status\":\"on_track\",\"summary\":\"s\",\"values\":["
	                       "{\"value\":1},{\"target_code\":\"t-1\",\"value\":1},"
	                       "{\"target_code\":\"t-1\",\"value\":2},{\"target_code\":5,"
	                       "\"value\":3}]}",
	                       0, NULL);
	struct progress_input in;
	ck_assert_int_eq(progress_input_create(b, "", &in, errors), -1);
	ck_assert(has_pointer("/measure_code"));
	ck_assert(has_pointer("/values/0/target_id"));
	ck_assert(has_pointer("/values/2/target_code"));
	ck_assert(has_pointer("/values/3/target_code"));
	ck_assert(!has_pointer("/values/1/target_code"));
	progress_input_free(&in);
	json_decref(b);
	json_array_clear(errors);
	b = json_loads("{\"period\":\"2022\",\"status\":\"on_track\",\"summary\":\"s\"}", 0, NULL);
	ck_assert_int_eq(progress_input_create(b, "/4", &in, errors), -1);
	ck_assert(has_pointer("/4/measure_id"));
	progress_input_free(&in);
	json_decref(b);
	json_array_clear(errors);
	/* a PATCH cannot move the record to another measure by code either */
	b = json_loads("{\"measure_code\":\"yunfu-gdjg-m03\"}", 0, NULL);
	ck_assert_int_eq(progress_input_patch(b, &in, errors), -1);
	ck_assert(has_pointer("/measure_code"));
	progress_input_free(&in);
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
	tcase_add_test(tc, codes_name_the_measure_and_targets);
	tcase_add_test(tc, codes_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
