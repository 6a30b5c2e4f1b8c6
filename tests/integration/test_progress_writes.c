/* test_progress_writes.c — reporting progress over HTTP: every status of a POST, the Yunfu
 * permission matrix, hostile input, reads and idempotency. Row and audit counts are checked
 * around every refusal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

/* POSTs as a reporter of unit (or with token tok) and returns the status. */
static long post_as(const char *tok, int m, const char *period)
{
	char *b = body_for(m, period);
	struct http_resp *r = http_post_json("/v1/progress", tok, b);
	long st = r->status;
	if (st >= 400 && st != 401 && st != 403 && st != 409 && st != 422)
		fprintf(stderr, "unexpected %ld: %s\n", st, r->body);
	if (st >= 400)
		assert_problem(r, (int)st, NULL);
	http_resp_free(r);
	free(b);
	return st;
}

static long post_for_unit(const char *unit, int m, const char *period)
{
	char *tok = harness_token(unit, ROLE_REPORTER, unit);
	long st = post_as(tok, m, period);
	free(tok);
	return st;
}

START_TEST(create_returns_201_with_location_version_and_audit)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[512];
	long long t1 = target_of(3, 0);
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022-Q3\",\"status\":\"at_risk\","
	         "\"summary\":\"一体化教师占比提升\",\"problems\":\"编制不足\",\"next_steps\":null,"
	         "\"values\":[{\"target_id\":%lld,\"value\":61.5}],\"evidence\":[{\"title\":"
	         "\"通知\",\"url\":\"https://example.gov.cn/a.pdf\"}]}",
	         measure_id(3), t1);
	struct http_resp *r = http_post_json("/v1/progress", tok, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	json_t *j = r->json;
	char loc[64], want[64];
	snprintf(want, sizeof(want), "/v1/progress/%lld",
	         json_integer_value(json_object_get(j, "id")));
	ck_assert_str_eq(http_resp_header(r, "Location", loc, sizeof(loc)), want);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "unit"), "code")),
	                 "finance");
	ck_assert_str_eq(json_string_value(json_object_get(j, "period_start")), "2022-07-01");
	ck_assert_str_eq(json_string_value(json_object_get(j, "period_end")), "2022-09-30");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "review_state")), "submitted");
	ck_assert_str_eq(json_string_value(json_object_get(j, "reported_by")), "finance-clerk");
	ck_assert(json_is_null(json_object_get(j, "next_steps")));
	json_t *v = json_array_get(json_object_get(j, "values"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "target_id")), t1);
	ck_assert(json_number_value(json_object_get(v, "value")) == 61.5);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	/* the first version is the record itself: nothing superseded yet */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions"), 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log WHERE actor_sub = "
	                               "'finance-clerk' AND actor_unit = 'finance' AND action = "
	                               "'progress.create' AND after IS NOT NULL"),
	                 1);
	char path[80];
	snprintf(path, sizeof(path), "%s/history", want);
	struct http_resp *h = http_get(path, tok);
	ck_assert_msg(h->status == 200, "%s", h->body);
	json_t *items = json_object_get(h->json, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	json_t *v1 = json_array_get(items, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(v1, "version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(v1, "created_by")), "finance-clerk");
	ck_assert(json_equal(json_object_get(v1, "record"), j));
	http_resp_free(h);
	http_resp_free(r);
	free(tok);
}
END_TEST

/* Numbers come back as sent: 65.3 is not stored as 65.299999999999997. */
START_TEST(values_keep_their_decimal_digits)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\","
	         "\"summary\":\"s\",\"values\":[{\"target_id\":%lld,\"value\":65.3}]}",
	         measure_id(3), target_of(3, 0));
	struct http_resp *r = http_post_json("/v1/progress", tok, body);
	ck_assert_int_eq(r->status, 201);
	ck_assert_ptr_nonnull(strstr(r->body, "65.3}"));
	ck_assert_ptr_null(strstr(r->body, "65.29999"));
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_values WHERE value = 65.3"),
	                 1);
	free(tok);
}
END_TEST

START_TEST(yunfu_permission_matrix)
{
	struct {
		const char *unit;
		int measure;
		long want;
	} cases[] = {
	        {"finance", 3, 201},
	        {"finance", 2, 403},
	        {"yunfu-technician-college", 2, 201}, /* through 各职业院校 */
	        {"yunan-district-gov", 17, 201}, /* through 各县（市、区）人民政府 */
	        {"yunan-district-gov", 1, 403},
	        {"luoding-city-gov", 1, 201}, /* lead */
	        {"luoding-city-gov", 17, 201},
	        {"womens-federation", 15, 201},
	        {"womens-federation", 16, 403},
	        {"commerce", 16, 201}, /* the truncated 市商务 */
	        /* accountable for 纳入高职院校序列 though not among measure 1's units */
	        {"yunfu-technician-college", 1, 201},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long before = harness_count(COUNT_RECORDS), audit = harness_count(COUNT_AUDIT);
		long st = post_for_unit(cases[i].unit, cases[i].measure, "2022");
		ck_assert_msg(st == cases[i].want, "%s on %d: %ld", cases[i].unit, cases[i].measure,
		              st);
		ck_assert_int_eq(harness_count(COUNT_RECORDS), before + (st == 201));
		ck_assert_int_eq(harness_count(COUNT_AUDIT), audit + (st == 201));
	}
	/* a reporter whose unit claim names no unit holds no valid token for writing */
	char *ghost = harness_token("ghost", ROLE_REPORTER, "no-such-unit");
	ck_assert_int_eq(post_as(ghost, 1, "2023"), 401);
	free(ghost);
	enum principal_role never[] = {ROLE_READER, ROLE_SUPERVISOR};
	for (size_t i = 0; i < 2; i++) {
		char *tok = harness_token("someone", never[i], "hrss");
		ck_assert_int_eq(post_as(tok, 1, "2023"), 403);
		free(tok);
	}
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 8);
}
END_TEST

START_TEST(unit_in_body_and_admin_on_behalf)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[256];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"hrss\",\"period\":\"2022\",\"status\":"
	         "\"on_track\",\"summary\":\"x\"}",
	         measure_id(3));
	struct http_resp *r = http_post_json("/v1/progress", tok, body);
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\","
	         "\"summary\":\"x\"}",
	         measure_id(3));
	r = http_post_json("/v1/progress", admin, body);
	assert_problem(r, 400, "/unit");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"finance\",\"period\":\"2022\",\"status\":"
	         "\"on_track\",\"summary\":\"x\"}",
	         measure_id(3));
	r = http_post_json("/v1/progress", admin, body);
	ck_assert_int_eq(r->status, 201);
	http_resp_free(r);
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"finance\",\"period\":\"2022\",\"status\":"
	         "\"on_track\",\"summary\":\"x\"}",
	         measure_id(2));
	r = http_post_json("/v1/progress", admin, body);
	assert_problem(r, 422, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	free(admin);
	free(tok);
}
END_TEST

/* Each hostile body: refused with a problem, the pointer named, nothing written. */
START_TEST(bad_input_writes_nothing)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	long long m = measure_id(3), other = target_of(4, 0);
	char buf[8][512];
	snprintf(buf[0], 512, "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\"}",
	         m);
	snprintf(buf[1], 512,
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\",\"summary\":"
	         "\"x\","
	         "\"id\":5}",
	         m);
	snprintf(buf[2], 512,
	         "{\"measure_id\":%lld,\"period\":\"2022-Q5\",\"status\":\"on_track\",\"summary\":"
	         "\"x\"}",
	         m);
	snprintf(buf[3], 512,
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"fine\",\"summary\":\"x\"}",
	         m);
	snprintf(buf[4], 512,
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\",\"summary\":"
	         "\"x\","
	         "\"values\":[{\"target_id\":%lld,\"value\":1}]}",
	         m, other);
	snprintf(buf[5], 512,
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\",\"summary\":"
	         "\"x\","
	         "\"evidence\":[{\"title\":\"t\",\"url\":\"javascript:alert(1)\"}]}",
	         m);
	snprintf(buf[6], 512,
	         "{\"measure_id\":\"%lld\",\"period\":\"2022\",\"status\":\"on_track\",\"summary\":"
	         "\"x\"}",
	         m);
	snprintf(buf[7], 512,
	         "{\"measure_id\":999999,\"period\":\"2022\",\"status\":\"on_track\",\"summary\":"
	         "\"x\"}");
	struct {
		const char *body;
		int status;
		const char *pointer;
	} cases[] = {
	        {buf[0], 400, "/summary"},
	        {buf[1], 400, "/id"},
	        {buf[2], 400, "/period"},
	        {buf[3], 400, "/status"},
	        {buf[4], 422, "/values/0/target_id"},
	        {buf[5], 400, "/evidence/0/url"},
	        {buf[6], 400, "/measure_id"},
	        {buf[7], 422, "/measure_id"},
	        {"{\"measure_id\":1,", 400, ""},
	        {"[{\"measure_id\":1}]", 400, ""},
	        {"{\"summary\":\"a\",\"summary\":\"b\"}", 400, ""},
	        {"{\"summary\":\"a\\u0000b\"}", 400, ""},
	        {"{\"summary\":\"\xff\xfe\"}", 400, ""},
	        {"{\"values\":[{\"target_id\":1,\"value\":1e400}]}", 400, ""},
	        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	         "]",
	         400, ""},
	        {"", 400, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_resp *r = http_post_json("/v1/progress", tok, cases[i].body);
		assert_problem(r, cases[i].status, cases[i].pointer);
		http_resp_free(r);
	}
	/* wrong content types */
	struct http_resp *r =
	        http_call("POST", "/v1/progress", tok, "text/plain", buf[0], strlen(buf[0]), NULL);
	assert_problem(r, 415, NULL);
	http_resp_free(r);
	r = http_call("POST", "/v1/progress", tok, "application/x-www-form-urlencoded", "a=b", 3,
	              NULL);
	assert_problem(r, 415, NULL);
	http_resp_free(r);
	/* a body over ZEREN_MAX_BODY_BYTES (4 MiB in tests) */
	size_t big = 5u << 20;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	r = http_call("POST", "/v1/progress", tok, "application/json", huge, big, NULL);
	assert_problem(r, 413, NULL);
	http_resp_free(r);
	free(huge);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	free(tok);
}
END_TEST

START_TEST(duplicate_period_is_409_and_sql_text_is_verbatim)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022-07\",\"status\":\"on_track\","
	         "\"summary\":\"'); DROP TABLE progress_records; --\"}",
	         measure_id(3));
	struct http_resp *r = http_post_json("/v1/progress", tok, body);
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "summary")),
	                 "'); DROP TABLE progress_records; --");
	http_resp_free(r);
	r = http_post_json("/v1/progress", tok, body);
	assert_problem(r, 409, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	free(tok);
}
END_TEST

/* A create sends its values and audit row with the insert, before the record's id is known:
 * when the record is already there they must touch neither it nor the one made before. */
START_TEST(duplicate_with_values_adds_no_values_and_no_audit_row)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022-08\",\"status\":\"on_track\","
	         "\"summary\":\"s\",\"values\":[{\"target_id\":%lld,\"value\":7}]}",
	         measure_id(3), target_of(3, 0));
	struct http_resp *r = http_post_json("/v1/progress", tok, body);
	ck_assert_int_eq(r->status, 201);
	http_resp_free(r);
	r = http_post_json("/v1/progress", tok, body);
	assert_problem(r, 409, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_values"), 1);
	free(tok);
}
END_TEST

START_TEST(reads_list_filter_and_404)
{
	create_record("finance", 3, "2022-Q1", NULL);
	create_record("finance", 3, "2022-Q2", NULL);
	long long id = create_record("hrss", 1, "2022-Q1", NULL);
	char *reader = harness_token("r", ROLE_READER, NULL);
	char path[128];
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	struct http_resp *r = http_get(path, reader);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	r = http_get("/v1/progress?unit=finance&limit=1", reader);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	r = http_get("/v1/progress?period=2022-Q1&review_state=submitted", reader);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 2);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/progress?measure_id=%lld", measure_id(1));
	r = http_get(path, reader);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
	http_resp_free(r);
	r = http_get("/v1/progress?since=2000-01-01T00:00:00Z", reader);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 3);
	http_resp_free(r);
	static const char *const bad[][2] = {
	        {"/v1/progress?since=yesterday", "?since"},
	        {"/v1/progress?period=2022-Q9", "?period"},
	        {"/v1/progress?review_state=done", "?review_state"},
	        {"/v1/progress?measure_id=x", "?measure_id"},
	};
	for (size_t i = 0; i < 4; i++) {
		r = http_get(bad[i][0], reader);
		assert_problem(r, 400, bad[i][1]);
		http_resp_free(r);
	}
	r = http_get("/v1/progress/999999", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	r = http_get("/v1/progress/999999/history", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	free(reader);
}
END_TEST

START_TEST(idempotent_retry_replays_and_other_body_is_422)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char *b = body_for(3, "2022-H1");
	const char *const key[] = {"Idempotency-Key: 7f1c-retry", NULL};
	struct http_resp *a =
	        http_call("POST", "/v1/progress", tok, "application/json", b, strlen(b), key);
	ck_assert_int_eq(a->status, 201);
	struct http_resp *again =
	        http_call("POST", "/v1/progress", tok, "application/json", b, strlen(b), key);
	ck_assert_int_eq(again->status, 201);
	ck_assert_str_eq(a->body, again->body);
	char v[32], l1[64], l2[64];
	ck_assert_str_eq(http_resp_header(again, "Idempotent-Replayed", v, sizeof(v)), "true");
	ck_assert_str_eq(http_resp_header(a, "Location", l1, sizeof(l1)),
	                 http_resp_header(again, "Location", l2, sizeof(l2)));
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	char *other = body_for(3, "2022-H2");
	struct http_resp *c = http_call("POST", "/v1/progress", tok, "application/json", other,
	                                strlen(other), key);
	assert_problem(c, 422, NULL);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	/* a key left in flight by a request that is still running */
	harness_exec("INSERT INTO idempotency_keys (subject, key, endpoint, request_hash) VALUES "
	             "('zeren-dev|finance-clerk', 'busy', 'POST /v1/progress', 'x')");
	const char *const busy[] = {"Idempotency-Key: busy", NULL};
	struct http_resp *d = http_call("POST", "/v1/progress", tok, "application/json", other,
	                                strlen(other), busy);
	assert_problem(d, 409, NULL);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	http_resp_free(a);
	http_resp_free(again);
	http_resp_free(c);
	http_resp_free(d);
	free(b);
	free(other);
	free(tok);
}
END_TEST

Suite *progress_writes_suite(void)
{
	Suite *s = suite_create("progress_writes");
	TCase *tc = tcase_create("writes");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, create_returns_201_with_location_version_and_audit);
	tcase_add_test(tc, yunfu_permission_matrix);
	tcase_add_test(tc, values_keep_their_decimal_digits);
	tcase_add_test(tc, unit_in_body_and_admin_on_behalf);
	tcase_add_test(tc, bad_input_writes_nothing);
	tcase_add_test(tc, duplicate_period_is_409_and_sql_text_is_verbatim);
	tcase_add_test(tc, duplicate_with_values_adds_no_values_and_no_audit_row);
	tcase_add_test(tc, reads_list_filter_and_404);
	tcase_add_test(tc, idempotent_retry_replays_and_other_body_is_422);
	suite_add_tcase(s, tc);
	return s;
}
