/* test_progress_codes.c — codes for ids: ?code= on every list, and measure_code / target_code
 * in every progress write (POST, PATCH, batch JSON, batch CSV). Disagreements are 400 and
 * unknown codes the 422 of unknown ids, each shown to write nothing by counting rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

#define M3           "yunfu-gdjg-m03"
#define M3_T01       "yunfu-gdjg-m03-t01" /* a percentage */
#define M3_T03       "yunfu-gdjg-m03-t03" /* a count */
#define M2_T01       "yunfu-gdjg-m02-t01"
#define COUNT_VALUES "SELECT count(*) FROM progress_values"

static char *finance;

static void codes_setup(void)
{
	harness_setup();
	finance = harness_token("finance-clerk", ROLE_REPORTER, "finance");
}

static void codes_teardown(void)
{
	free(finance);
	finance = NULL;
	harness_teardown();
}

static long long target_id_of(const char *code)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT id FROM targets WHERE code = '%s'", code);
	return harness_count(sql);
}

/* GET path; asserts 200 and returns how many items the page holds. */
static size_t list_size(const char *path)
{
	struct http_resp *r = http_get(path, finance);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
	size_t n = json_array_size(json_object_get(r->json, "items"));
	ck_assert_msg(json_is_null(json_object_get(r->json, "next_cursor")), "GET %s: a next page",
	              path);
	http_resp_free(r);
	return n;
}

/* The first item's id from GET path (which must list exactly one). */
static long long only_id(const char *path)
{
	struct http_resp *r = http_get(path, finance);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_msg(json_array_size(items) == 1, "GET %s: %s", path, r->body);
	long long id = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
	http_resp_free(r);
	return id;
}

START_TEST(every_list_takes_code)
{
	char path[160];
	long long plan = harness_count("SELECT id FROM plans WHERE code = 'yunfu-gdjg'");
	long long task2 = harness_count("SELECT id FROM tasks WHERE code = 'yunfu-gdjg-t2'");
	long long m3 = measure_id(3);
	long long finance_id = harness_count("SELECT id FROM units WHERE code = 'finance'");
	ck_assert_int_eq(only_id("/v1/plans?code=yunfu-gdjg"), plan);
	ck_assert_uint_eq(list_size("/v1/plans?code=no-such-plan"), 0);
	snprintf(path, sizeof(path), "/v1/tasks?plan_id=%lld&code=yunfu-gdjg-t2", plan);
	ck_assert_int_eq(only_id(path), task2);
	snprintf(path, sizeof(path), "/v1/tasks?plan_id=%lld&code=yunfu-gdjg-t2", plan + 1000);
	ck_assert_uint_eq(list_size(path), 0);
	ck_assert_int_eq(only_id("/v1/measures?code=" M3), m3);
	/* with the other filters: finance is related to measure 3, not its lead */
	ck_assert_int_eq(only_id("/v1/measures?code=" M3 "&unit=finance&role=related&limit=1"), m3);
	ck_assert_uint_eq(list_size("/v1/measures?code=" M3 "&unit=finance&role=lead"), 0);
	snprintf(path, sizeof(path), "/v1/measures/%lld/targets?code=" M3_T03, m3);
	ck_assert_int_eq(only_id(path), target_id_of(M3_T03));
	snprintf(path, sizeof(path), "/v1/measures/%lld/targets?code=" M2_T01, m3);
	ck_assert_uint_eq(list_size(path), 0); /* another measure's target */
	ck_assert_int_eq(only_id("/v1/units?code=finance"), finance_id);
	ck_assert_uint_eq(list_size("/v1/units?code=finance&kind=group"), 0);
	snprintf(path, sizeof(path), "/v1/units/%lld/measures?code=" M3, finance_id);
	ck_assert_int_eq(only_id(path), m3);
	snprintf(path, sizeof(path), "/v1/units/%lld/measures?code=yunfu-gdjg-m02", finance_id);
	ck_assert_uint_eq(list_size(path), 0);
	/* a malformed code is 400 on every list */
	static const char *const bad[] = {"/v1/plans?code=Yunfu", "/v1/tasks?code=a%20b",
	                                  "/v1/measures?code=", "/v1/units?code=%E5%B8%82",
	                                  "/v1/units/1/measures?code=-x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_resp *r = http_get(bad[i], finance);
		assert_problem(r, 400, "?code");
		http_resp_free(r);
	}
	snprintf(path, sizeof(path), "/v1/measures/%lld/targets?code=BAD", m3);
	struct http_resp *r = http_get(path, finance);
	assert_problem(r, 400, "?code");
	http_resp_free(r);
}
END_TEST

/* Keyset pages are unchanged by the filter: a cursor from a filtered page goes on. */
START_TEST(code_keeps_the_cursor)
{
	struct http_resp *r = http_get("/v1/measures?limit=1", finance);
	ck_assert_int_eq(r->status, 200);
	char path[256];
	snprintf(path, sizeof(path), "/v1/measures?limit=1&code=" M3 "&cursor=%s",
	         json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	ck_assert_int_eq(only_id(path), measure_id(3)); /* measure 3 comes after measure 1 */
}
END_TEST

START_TEST(post_by_codes_replies_ids_and_codes)
{
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"measure_code\":\"" M3 "\",\"period\":\"2022-Q3\",\"status\":\"on_track\","
	         "\"summary\":\"按代码\",\"values\":[{\"target_code\":\"" M3_T03 "\",\"value\":2},"
	         "{\"target_id\":%lld,\"target_code\":\"" M3_T01 "\",\"value\":61.5}]}",
	         target_id_of(M3_T01));
	struct http_resp *r = http_post_json("/v1/progress", finance, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	json_t *j = r->json;
	ck_assert_int_eq(json_integer_value(json_object_get(j, "measure_id")), measure_id(3));
	ck_assert_str_eq(json_string_value(json_object_get(j, "measure_code")), M3);
	json_t *values = json_object_get(j, "values");
	ck_assert_uint_eq(json_array_size(values), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_array_get(values, i);
		const char *code = json_string_value(json_object_get(v, "target_code"));
		ck_assert_int_eq(json_integer_value(json_object_get(v, "target_id")),
		                 target_id_of(code));
	}
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	ck_assert_int_eq(harness_count(COUNT_VALUES), 2);
	/* measure_id and measure_code agreeing is as good as either */
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"measure_code\":\"" M3 "\",\"period\":\"2022-Q4\","
	         "\"status\":\"on_track\",\"summary\":\"都给\"}",
	         measure_id(3));
	r = http_post_json("/v1/progress", finance, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	http_resp_free(r);
}
END_TEST

/* POSTs body and asserts status with an error at pointer, and that nothing was written. */
static void post_refused(const char *body, int status, const char *pointer, const char *message)
{
	long long records = harness_count(COUNT_RECORDS), audit = harness_count(COUNT_AUDIT);
	struct http_resp *r = http_post_json("/v1/progress", finance, body);
	assert_problem(r, status, pointer);
	if (message != NULL)
		ck_assert_msg(strstr(r->body, message) != NULL, "%s", r->body);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), records);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), audit);
	ck_assert_int_eq(harness_count(COUNT_VALUES), 0);
}

START_TEST(post_codes_that_disagree_or_name_nothing_write_nothing)
{
	char body[512];
	long long m3 = measure_id(3), t01 = target_id_of(M3_T01);
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"measure_code\":\"yunfu-gdjg-m02\",\"period\":\"2022\","
	         "\"status\":\"on_track\",\"summary\":\"s\"}",
	         m3);
	post_refused(body, 400, "/measure_code", "but measure_id is");
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\",\"summary\":"
	         "\"s\",\"values\":[{\"target_id\":%lld,\"target_code\":\"" M3_T03 "\","
	         "\"value\":1}]}",
	         m3, t01);
	post_refused(body, 400, "/values/0/target_code", "but target_id is");
	/* unknown codes: the errors of unknown ids */
	post_refused("{\"measure_code\":\"no-such-measure\",\"period\":\"2022\",\"status\":"
	             "\"on_track\",\"summary\":\"s\"}",
	             422, "/measure_code", "unknown measure");
	post_refused("{\"measure_code\":\"" M3 "\",\"period\":\"2022\",\"status\":\"on_track\","
	             "\"summary\":\"s\",\"values\":[{\"target_code\":\"no-such-target\","
	             "\"value\":1}]}",
	             422, "/values/0/target_code", "not a target of this measure");
	post_refused("{\"measure_code\":\"" M3 "\",\"period\":\"2022\",\"status\":\"on_track\","
	             "\"summary\":\"s\",\"values\":[{\"target_code\":\"" M2_T01 "\","
	             "\"value\":1}]}",
	             422, "/values/0/target_code", "not a target of this measure");
	/* one target by id and again by code */
	snprintf(body, sizeof(body),
	         "{\"measure_code\":\"" M3 "\",\"period\":\"2022\",\"status\":\"on_track\","
	         "\"summary\":\"s\",\"values\":[{\"target_id\":%lld,\"value\":1},"
	         "{\"target_code\":\"" M3_T01 "\",\"value\":2}]}",
	         t01);
	post_refused(body, 422, "/values/1/target_code", "earlier value");
	/* a percentage over 100, its target by code */
	post_refused("{\"measure_code\":\"" M3 "\",\"period\":\"2022\",\"status\":\"on_track\","
	             "\"summary\":\"s\",\"values\":[{\"target_code\":\"" M3_T01 "\","
	             "\"value\":101}]}",
	             422, "/values/0/value", "at most 100");
	/* the scope holds for codes: finance is not assigned to measure 2 */
	post_refused("{\"measure_code\":\"yunfu-gdjg-m02\",\"period\":\"2022\",\"status\":"
	             "\"on_track\",\"summary\":\"s\"}",
	             403, NULL, NULL);
}
END_TEST

START_TEST(patch_values_by_code)
{
	char etag[32], body[256];
	long long id = create_record("finance", 3, "2022-Q2", etag);
	long long t01 = target_id_of(M3_T01);
	/* disagreeing: 400, the record unchanged */
	snprintf(body, sizeof(body),
	         "{\"values\":[{\"target_id\":%lld,\"target_code\":\"" M3_T03 "\",\"value\":5}]}",
	         t01);
	struct http_resp *r = patch(finance, id, etag, body);
	assert_problem(r, 400, "/values/0/target_code");
	http_resp_free(r);
	r = patch(finance, id, etag, "{\"values\":[{\"target_code\":\"" M2_T01 "\",\"value\":5}]}");
	assert_problem(r, 422, "/values/0/target_code");
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions"), 0);
	ck_assert_int_eq(harness_count("SELECT version FROM progress_records"), 1);
	r = patch(finance, id, etag, "{\"values\":[{\"target_code\":\"" M3_T03 "\",\"value\":5}]}");
	ck_assert_msg(r->status == 200, "%s", r->body);
	json_t *v = json_array_get(json_object_get(r->json, "values"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "target_id")), target_id_of(M3_T03));
	ck_assert_str_eq(json_string_value(json_object_get(v, "target_code")), M3_T03);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
	http_resp_free(r);
	/* the record cannot move to another measure by code */
	r = patch(finance, id, "*", "{\"measure_code\":\"yunfu-gdjg-m02\"}");
	assert_problem(r, 400, "/measure_code");
	http_resp_free(r);
}
END_TEST

START_TEST(batch_json_by_codes)
{
	struct http_resp *r = http_post_json(
	        "/v1/progress/batch", finance,
	        "[{\"measure_code\":\"" M3 "\",\"period\":\"2022-01\",\"status\":\"on_track\","
	        "\"summary\":\"a\",\"values\":[{\"target_code\":\"" M3_T03 "\",\"value\":3}]},"
	        "{\"measure_code\":\"" M3 "\",\"period\":\"2022-02\",\"status\":\"on_track\","
	        "\"summary\":\"b\"}]");
	ck_assert_msg(r->status == 201, "%s", r->body);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	char sql[200];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM progress_values WHERE target_id = %lld AND value = 3",
	         target_id_of(M3_T03));
	ck_assert_int_eq(harness_count(sql), 1);
	/* the same measure by id and by code in one batch is one key: 409 naming the row */
	char body[1024];
	snprintf(body, sizeof(body),
	         "[{\"measure_code\":\"" M3 "\",\"period\":\"2022-03\",\"status\":\"on_track\","
	         "\"summary\":\"c\"},{\"measure_id\":%lld,\"period\":\"2022-03\",\"status\":"
	         "\"on_track\",\"summary\":\"d\"}]",
	         measure_id(3));
	r = http_post_json("/v1/progress/batch", finance, body);
	ck_assert_int_eq(r->status, 409);
	http_resp_free(r);
	/* a disagreement and an unknown code: 400, nothing written */
	snprintf(body, sizeof(body),
	         "[{\"measure_code\":\"" M3 "\",\"period\":\"2022-04\",\"status\":\"on_track\","
	         "\"summary\":\"e\",\"values\":[{\"target_code\":\"no-such-target\",\"value\":1}]},"
	         "{\"measure_id\":%lld,\"measure_code\":\"yunfu-gdjg-m02\",\"period\":\"2022-05\","
	         "\"status\":\"on_track\",\"summary\":\"f\"},{\"measure_id\":%lld,\"period\":"
	         "\"2022-06\",\"status\":\"on_track\",\"summary\":\"g\",\"values\":[{\"target_id\":"
	         "%lld,\"target_code\":\"" M3_T03 "\",\"value\":1}]}]",
	         measure_id(3), measure_id(3), target_id_of(M3_T01));
	r = http_post_json("/v1/progress/batch", finance, body);
	assert_problem(r, 400, "/1/measure_code");
	assert_problem(r, 400, "/0/values");
	assert_problem(r, 400, "/2/values");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	/* an unknown measure code alone is the 422 of an unknown id */
	r = http_post_json("/v1/progress/batch", finance,
	                   "[{\"measure_code\":\"no-such-measure\",\"period\":\"2022-07\","
	                   "\"status\":\"on_track\",\"summary\":\"h\"}]");
	assert_problem(r, 422, "/0/measure_code");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
}
END_TEST

static struct http_resp *post_csv(const char *csv)
{
	return http_call("POST", "/v1/progress/batch", finance, "text/csv", csv, strlen(csv), NULL);
}

START_TEST(batch_csv_by_codes)
{
	char csv[512];
	long long t01 = target_id_of(M3_T01);
	snprintf(csv, sizeof(csv),
	         "measure_code,period,status,summary,target:" M3_T03 ",target_%lld\r\n" M3
	         ",2022-01,on_track,a,4,60\r\n" M3 ",2022-02,on_track,b,,\r\n",
	         t01);
	struct http_resp *r = post_csv(csv);
	ck_assert_msg(r->status == 201, "%s", r->body);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	char sql[200];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM progress_values WHERE target_id = %lld AND value = 4",
	         target_id_of(M3_T03));
	ck_assert_int_eq(harness_count(sql), 1);
	ck_assert_int_eq(harness_count(COUNT_VALUES), 2);
	/* measure_id and measure_code disagreeing: 400 at the row's measure_code */
	snprintf(csv, sizeof(csv),
	         "measure_id,measure_code,period,status,summary\r\n%lld,yunfu-gdjg-m02,2022-03,"
	         "on_track,c\r\n",
	         measure_id(3));
	r = post_csv(csv);
	assert_problem(r, 400, "/0/measure_code");
	http_resp_free(r);
	/* an unknown target code, and one target named by both column forms: 422 */
	r = post_csv("measure_code,period,status,summary,target:no-such-target\r\n" M3
	             ",2022-04,on_track,d,1\r\n");
	assert_problem(r, 422, "/0/values");
	http_resp_free(r);
	snprintf(csv, sizeof(csv),
	         "measure_code,period,status,summary,target:" M3_T01 ",target_%lld\r\n" M3
	         ",2022-05,on_track,e,1,2\r\n",
	         t01);
	r = post_csv(csv);
	assert_problem(r, 422, "/0/values");
	ck_assert_msg(strstr(r->body, "given twice") != NULL, "%s", r->body);
	http_resp_free(r);
	/* a column naming no code at all is a header error */
	r = post_csv("measure_code,period,status,summary,target:Not_A_Code\r\n" M3
	             ",2022-06,on_track,f,1\r\n");
	assert_problem(r, 400, "/header/4");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	ck_assert_int_eq(harness_count(COUNT_VALUES), 2);
}
END_TEST

Suite *progress_codes_suite(void)
{
	Suite *s = suite_create("progress_codes");
	TCase *tc = tcase_create("codes");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, codes_setup, codes_teardown);
	tcase_add_test(tc, every_list_takes_code);
	tcase_add_test(tc, code_keeps_the_cursor);
	tcase_add_test(tc, post_by_codes_replies_ids_and_codes);
	tcase_add_test(tc, post_codes_that_disagree_or_name_nothing_write_nothing);
	tcase_add_test(tc, patch_values_by_code);
	tcase_add_test(tc, batch_json_by_codes);
	tcase_add_test(tc, batch_csv_by_codes);
	suite_add_tcase(s, tc);
	return s;
}
