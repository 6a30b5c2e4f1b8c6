/* test_progress.c — reporting, amending and reviewing progress over HTTP: every status, the
 * Yunfu permission matrix, hostile input, idempotency, batches, races, and the database's own
 * refusal of a cross-unit write. Row and audit counts are checked around every refusal. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

#define COUNT_RECORDS "SELECT count(*) FROM progress_records"
#define COUNT_AUDIT   "SELECT count(*) FROM audit_log WHERE entity = 'progress'"

static long long measure_id(int number)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT id FROM measures WHERE number = %d", number);
	return harness_count(sql);
}

/* A percentage target of measure 3 that is not a share of another target (at most 100). */
static long long percentage_target_of_3(void)
{
	return harness_count("SELECT t.id FROM targets t JOIN measures m ON m.id = t.measure_id "
	                     "WHERE m.number = 3 AND t.kind = 'percentage' AND t.share_of_id IS "
	                     "NULL ORDER BY t.id LIMIT 1");
}

static long long target_of(int measure, int nth)
{
	char sql[192];
	snprintf(sql, sizeof(sql),
	         "SELECT t.id FROM targets t JOIN measures m ON m.id = t.measure_id WHERE "
	         "m.number = %d ORDER BY t.position OFFSET %d LIMIT 1",
	         measure, nth);
	return harness_count(sql);
}

/* A minimal valid body for measure number m and period p. */
static char *body_for(int m, const char *period)
{
	char *b = malloc(512);
	snprintf(b, 512,
	         "{\"measure_id\":%lld,\"period\":\"%s\",\"status\":\"on_track\","
	         "\"summary\":\"已组织培训\"}",
	         measure_id(m), period);
	return b;
}

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

/* Creates a record as unit on measure m, returning its id and ETag. */
static long long create_record(const char *unit, int m, const char *period, char *etag)
{
	char *tok = harness_token(unit, ROLE_REPORTER, unit);
	char *b = body_for(m, period);
	struct http_resp *r = http_post_json("/v1/progress", tok, b);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	if (etag != NULL)
		ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, 32));
	http_resp_free(r);
	free(b);
	free(tok);
	return id;
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

static struct http_resp *patch(const char *tok, long long id, const char *etag, const char *body)
{
	char path[64], hdr[96];
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag != NULL ? etag : "");
	const char *const headers[] = {hdr, NULL};
	return http_call("PATCH", path, tok, "application/json", body, strlen(body),
	                 etag != NULL ? headers : NULL);
}

static struct http_resp *review(const char *tok, long long id, const char *body)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/progress/%lld/review", id);
	return http_post_json(path, tok, body);
}

START_TEST(amend_needs_if_match_and_keeps_history)
{
	char etag[32];
	long long id = create_record("finance", 3, "2022-Q3", etag);
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	struct http_resp *r = patch(tok, id, NULL, "{\"summary\":\"更新\"}");
	assert_problem(r, 428, NULL);
	http_resp_free(r);
	r = patch(tok, id, "\"0000000000000000\"", "{\"summary\":\"更新\"}");
	assert_problem(r, 412, NULL);
	http_resp_free(r);
	r = patch(tok, id, etag, "{\"period\":\"2023\"}");
	assert_problem(r, 400, "/period");
	http_resp_free(r);
	r = patch(tok, id, etag, "{}");
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions"), 0);
	char *other = harness_token("finance-lead", ROLE_REPORTER, "finance");
	r = patch(other, id, etag, "{\"summary\":\"更新\",\"status\":\"completed\"}");
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "summary")), "更新");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "completed");
	json_t *amended = json_incref(r->json);
	http_resp_free(r);
	free(other);
	/* the superseded version is kept as it stood */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions WHERE version = 1 "
	                               "AND body->>'summary' = '已组织培训' AND created_by = "
	                               "'finance'"),
	                 1);
	/* the old ETag is stale now */
	r = patch(tok, id, etag, "{\"summary\":\"again\"}");
	assert_problem(r, 412, NULL);
	http_resp_free(r);
	char path[64];
	snprintf(path, sizeof(path), "/v1/progress/%lld/history", id);
	r = http_get(path, tok);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 2);
	json_t *first = json_object_get(json_array_get(items, 0), "record");
	ck_assert_str_eq(json_string_value(json_object_get(first, "summary")), "已组织培训");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 1), "version")),
	                 2);
	/* the current version is the record as GET returns it, made by who amended it */
	ck_assert(json_equal(json_object_get(json_array_get(items, 1), "record"), amended));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "created_by")),
	                 "finance-lead");
	json_decref(amended);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log WHERE action = "
	                               "'progress.amend' AND before IS NOT NULL"),
	                 1);
	/* another unit, even the lead unit, cannot amend it */
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	r = http_get(path, tok);
	char now[32];
	http_resp_header(r, "ETag", now, sizeof(now));
	http_resp_free(r);
	char *lead = harness_token("hrss-clerk", ROLE_REPORTER, "hrss");
	r = patch(lead, id, now, "{\"summary\":\"not mine\"}");
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	char *sup = harness_token("sup", ROLE_SUPERVISOR, NULL);
	r = patch(sup, id, now, "{\"summary\":\"not mine\"}");
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT version FROM progress_records"), 2);
	free(sup);
	free(lead);
	free(tok);
}
END_TEST

/* History pages like every list: the kept versions, then the record as the last page's end. */
START_TEST(history_pages_through_versions)
{
	char etag[32], path[96];
	long long id = create_record("finance", 3, "2022-H1", etag);
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	for (int v = 2; v <= 3; v++) {
		char body[64];
		snprintf(body, sizeof(body), "{\"summary\":\"version %d\"}", v);
		struct http_resp *r = patch(tok, id, etag, body);
		ck_assert_msg(r->status == 200, "%s", r->body);
		http_resp_header(r, "ETag", etag, sizeof(etag));
		http_resp_free(r);
	}
	snprintf(path, sizeof(path), "/v1/progress/%lld/history?limit=2", id);
	struct http_resp *r = http_get(path, tok);
	ck_assert_msg(r->status == 200, "%s", r->body);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "version")),
	                 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 1), "version")),
	                 2);
	const char *cursor = json_string_value(json_object_get(r->json, "next_cursor"));
	ck_assert_ptr_nonnull(cursor);
	snprintf(path, sizeof(path), "/v1/progress/%lld/history?limit=2&cursor=%s", id, cursor);
	http_resp_free(r);
	r = http_get(path, tok);
	ck_assert_msg(r->status == 200, "%s", r->body);
	items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	json_t *last = json_array_get(items, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(last, "version")), 3);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(last, "record"), "summary")),
	        "version 3");
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions"), 2);
	free(tok);
}
END_TEST

START_TEST(review_by_lead_or_supervisor_only)
{
	char etag[32];
	long long id = create_record("finance", 3, "2022-Q4", etag);
	char *own = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char *reader = harness_token("r", ROLE_READER, NULL);
	char *lead = harness_token("hrss-clerk", ROLE_REPORTER, "hrss");
	char *sup = harness_token("sup", ROLE_SUPERVISOR, NULL);
	struct http_resp *r = review(own, id, "{\"decision\":\"approve\"}");
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	r = review(reader, id, "{\"decision\":\"approve\"}");
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	r = review(lead, id, "{\"decision\":\"return\"}");
	assert_problem(r, 400, "/comment");
	http_resp_free(r);
	r = review(lead, id, "{\"decision\":\"maybe\"}");
	assert_problem(r, 400, "/decision");
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_reviews"), 0);
	/* the lead unit returns it, the reporter amends it, a supervisor approves it */
	r = review(lead, id, "{\"decision\":\"return\",\"comment\":\"缺少佐证材料\"}");
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "review_state")), "returned");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "reviewed_by")), "hrss-clerk");
	char now[32];
	http_resp_header(r, "ETag", now, sizeof(now));
	http_resp_free(r);
	r = patch(own, id, now,
	          "{\"evidence\":[{\"title\":\"照片\",\"url\":\"http://a.cn/p.jpg\"}]}");
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "review_state")), "submitted");
	http_resp_free(r);
	r = review(sup, id, "{\"decision\":\"approve\",\"comment\":\"ok\"}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "review_state")), "approved");
	http_resp_header(r, "ETag", now, sizeof(now));
	http_resp_free(r);
	r = review(sup, id, "{\"decision\":\"approve\"}");
	assert_problem(r, 409, NULL);
	http_resp_free(r);
	r = patch(own, id, now, "{\"summary\":\"late change\"}");
	assert_problem(r, 409, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_reviews"), 2);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log WHERE action IN "
	                               "('progress.return', 'progress.approve')"),
	                 2);
	/* history: version 1 as it stood when amended (returned, with the comment and its
	 * review), version 2 as it is now (approved, with its review) */
	char path[80];
	snprintf(path, sizeof(path), "/v1/progress/%lld/history", id);
	r = http_get(path, reader);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 2);
	json_t *v1 = json_array_get(items, 0), *v2 = json_array_get(items, 1);
	json_t *rec1 = json_object_get(v1, "record"), *rec2 = json_object_get(v2, "record");
	ck_assert_str_eq(json_string_value(json_object_get(rec1, "review_state")), "returned");
	ck_assert_str_eq(json_string_value(json_object_get(rec1, "review_comment")),
	                 "缺少佐证材料");
	ck_assert_uint_eq(json_array_size(json_object_get(rec1, "evidence")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(
	                         json_array_get(json_object_get(v1, "reviews"), 0), "decision")),
	                 "return");
	ck_assert_str_eq(json_string_value(json_object_get(rec2, "review_state")), "approved");
	ck_assert_uint_eq(json_array_size(json_object_get(rec2, "evidence")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(v2, "reviews")), 1);
	http_resp_free(r);
	/* the lead unit reviews its own unit's records too, as the plan makes it lead */
	long long mine = create_record("hrss", 3, "2022-Q4", etag);
	r = review(lead, mine, "{\"decision\":\"approve\"}");
	ck_assert_msg(r->status == 200, "%s", r->body);
	http_resp_free(r);
	free(own);
	free(reader);
	free(lead);
	free(sup);
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

/* --- races --- */

struct race_arg {
	const char *token;
	long long id;
	const char *etag;
	long status;
};

static void *race_patch(void *p)
{
	struct race_arg *a = p;
	struct http_resp *r = patch(a->token, a->id, a->etag, "{\"summary\":\"racer\"}");
	a->status = r->status;
	http_resp_free(r);
	return NULL;
}

START_TEST(racing_patches_exactly_one_wins)
{
	char etag[32];
	long long id = create_record("finance", 3, "2021", etag);
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	struct race_arg a = {tok, id, etag, 0}, b = {tok, id, etag, 0};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, race_patch, &a);
	pthread_create(&tb, NULL, race_patch, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_msg((a.status == 200 && b.status == 412) || (a.status == 412 && b.status == 200),
	              "%ld %ld", a.status, b.status);
	ck_assert_int_eq(harness_count("SELECT version FROM progress_records"), 2);
	free(tok);
}
END_TEST

#define WRITERS 20
#define WRITES  20

struct writer {
	int n;
	char *token;
	const char *unit;
	long long measures[10];
	int ok;
	long last_bad;
};

static void *writer_run(void *p)
{
	struct writer *w = p;
	int k = w->n / 3; /* which of a unit's writers this is: its own year */
	for (int j = 0; j < WRITES; j++) {
		char body[256];
		snprintf(body, sizeof(body),
		         "{\"measure_id\":%lld,\"period\":\"%d-%02d\",\"status\":\"on_track\","
		         "\"summary\":\"w%d-%d\"}",
		         w->measures[j % 10], 2021 + k, 1 + j / 10, w->n, j);
		struct http_resp *r = http_post_json("/v1/progress", w->token, body);
		if (r->status == 201)
			w->ok++;
		else
			w->last_bad = r->status;
		http_resp_free(r);
	}
	return NULL;
}

START_TEST(concurrent_writers_store_each_write_once)
{
	static const char *const units[3] = {"hrss", "finance", "education"};
	static const int lists[3][10] = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
	                                 {1, 3, 6, 7, 9, 10, 11, 14, 15, 17},
	                                 {1, 2, 5, 8, 9, 11, 12, 13, 14, 15}};
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.n = i, .unit = units[i % 3]};
		w[i].token = harness_token(units[i % 3], ROLE_REPORTER, units[i % 3]);
		for (int j = 0; j < 10; j++)
			w[i].measures[j] = measure_id(lists[i % 3][j]);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, writer_run, &w[i]);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < WRITERS; i++) {
		ck_assert_msg(w[i].ok == WRITES, "writer %d: %d ok, last %ld", i, w[i].ok,
		              w[i].last_bad);
		free(w[i].token);
	}
	ck_assert_int_eq(harness_count(COUNT_RECORDS), WRITERS * WRITES);
	ck_assert_int_eq(harness_count("SELECT count(DISTINCT summary) FROM progress_records"),
	                 WRITERS * WRITES);
	/* every record is its writer's unit, and audited as that unit */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_records r JOIN units u ON "
	                               "u.id = r.unit_id WHERE r.reported_by <> u.code"),
	                 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log a JOIN progress_records r "
	                               "ON r.id = a.entity_id JOIN units u ON u.id = r.unit_id "
	                               "WHERE a.actor_unit <> u.code"),
	                 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), WRITERS * WRITES);
}
END_TEST

/* --- batches --- */

START_TEST(batch_json_all_or_nothing)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[1024];
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\",\"summary\":"
	         "\"a\"},{\"measure_id\":%lld,\"period\":\"2022-02\",\"status\":\"on_track\","
	         "\"summary\":\"b\"},{\"measure_id\":%lld,\"period\":\"2022-03\",\"status\":"
	         "\"on_track\",\"summary\":\"c\"}]",
	         measure_id(3), measure_id(3), measure_id(2));
	struct http_resp *r = http_post_json("/v1/progress/batch", tok, body);
	assert_problem(r, 403, "/2/unit");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\",\"summary\":"
	         "\"a\",\"values\":[{\"target_id\":%lld,\"value\":40}]},{\"measure_id\":%lld,"
	         "\"period\":\"2022-02\",\"status\":\"on_track\",\"summary\":\"b\"}]",
	         measure_id(3), target_of(3, 0), measure_id(3));
	r = http_post_json("/v1/progress/batch", tok, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "created")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "ids")), 2);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_values"), 1);
	/* one audit row for the batch, naming every record it created */
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	ck_assert_int_eq(harness_count("SELECT (after->>'rows')::int FROM audit_log WHERE "
	                               "action = 'progress.batch'"),
	                 2);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions"), 0);
	/* each record's history is its one version, with the values the row gave */
	snprintf(body, sizeof(body), "/v1/progress/%lld/history",
	         harness_count("SELECT min(id) FROM progress_records"));
	r = http_get(body, tok);
	ck_assert_msg(r->status == 200, "%s", r->body);
	json_t *v1 =
	        json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "record");
	ck_assert_str_eq(json_string_value(json_object_get(v1, "summary")), "a");
	ck_assert(json_number_value(json_object_get(
	                  json_array_get(json_object_get(v1, "values"), 0), "value")) == 40);
	http_resp_free(r);
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\",\"summary\":"
	         "\"a\",\"values\":[{\"target_id\":%lld,\"value\":40}]},{\"measure_id\":%lld,"
	         "\"period\":\"2022-02\",\"status\":\"on_track\",\"summary\":\"b\"}]",
	         measure_id(3), target_of(3, 0), measure_id(3));
	/* the same rows again: conflicts, nothing written */
	r = http_post_json("/v1/progress/batch", tok, body);
	assert_problem(r, 409, "/0/period");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	free(tok);
}
END_TEST

/* 10,000 CSV rows with a BOM and CRLF; one bad row at the end names itself. */
static char *csv_rows(int n, int bad_last, long long m1, long long m2, long long target)
{
	size_t cap = (size_t)n * 96 + 256, len = 0;
	char *csv = malloc(cap);
	len += (size_t)snprintf(
	        csv, cap, "\xEF\xBB\xBFmeasure_id,period,status,summary,target_%lld\r\n", target);
	for (int i = 0; i < n; i++) {
		/* a distinct month for every row */
		int y = 1900 + i / 12, mth = 1 + i % 12;
		char period[16];
		snprintf(period, sizeof(period), "%d-%02d%s", y, mth,
		         bad_last && i == n - 1 ? "X" : "");
		len += (size_t)snprintf(csv + len, cap - len,
		                        "%lld,%s,on_track,\"行 %d, ok\",%d\r\n", i % 2 ? m2 : m1,
		                        period, i, i % 100);
	}
	return csv;
}

START_TEST(batch_csv_10000_rows_one_bad_row_writes_nothing)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	long long m3 = measure_id(3), m6 = measure_id(6), t = target_of(3, 2);
	/* target_of(3, 2) belongs to measure 3 only, so give every row measure 3 */
	char *csv = csv_rows(10000, 1, m3, m3, t);
	(void)m6;
	struct http_resp *r =
	        http_call("POST", "/v1/progress/batch", tok, "text/csv", csv, strlen(csv), NULL);
	assert_problem(r, 400, "/9999/period");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")), 1);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	free(csv);
	free(tok);
}
END_TEST

START_TEST(batch_csv_idempotent_retry)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	long long m3 = measure_id(3), t = target_of(3, 2);
	char *csv = csv_rows(500, 0, m3, m3, t);
	const char *const key[] = {"Idempotency-Key: batch-1", NULL};
	struct http_resp *r = http_call("POST", "/v1/progress/batch", tok,
	                                "text/csv; charset=utf-8", csv, strlen(csv), key);
	ck_assert_msg(r->status == 201, "%s", r->body);
	long first = r->status;
	http_resp_free(r);
	long long after = harness_count(COUNT_RECORDS);
	r = http_call("POST", "/v1/progress/batch", tok, "text/csv; charset=utf-8", csv,
	              strlen(csv), key);
	ck_assert_int_eq(r->status, first);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), after);
	free(csv);
	free(tok);
}
END_TEST

/* A JSON batch is read element by element; whatever is not a plain array of objects is
 * refused whole, as one parse of the document would, and nothing is written. */
START_TEST(batch_json_shapes_refused_whole)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char row[160], body[640];
	snprintf(row, sizeof(row),
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\","
	         "\"summary\":\"a\"}",
	         measure_id(3));
	static const struct {
		const char *before, *after, *pointer; /* the body is before + row + after */
	} cases[] = {
	        {"", "", ""},                                              /* an object */
	        {"[", ", 5]", "/1"},                                       /* not an object */
	        {"[", ", {\"period\":\"2023\",\"period\":\"2024\"}]", ""}, /* a duplicate key */
	        {"[", "] trailing", ""},
	        {"[", ",", ""},
	        {"[", " {}]", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "%s%s%s", cases[i].before, row, cases[i].after);
		struct http_resp *r = http_post_json("/v1/progress/batch", tok, body);
		assert_problem(r, 400, cases[i].pointer);
		if (cases[i].pointer[0] !=
		    '\0') /* the row before it was checked once, and passed */
			ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")), 1);
		http_resp_free(r);
	}
	struct http_resp *r = http_post_json("/v1/progress/batch", tok, "[]");
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	/* 100,000 empty rows are checked (400); one more and the batch is too long (413) */
	for (size_t n = 100000; n <= 100001; n++) {
		size_t len = 0;
		char *many = malloc(n * 3 + 2);
		many[len++] = '[';
		for (size_t i = 0; i < n; i++) {
			memcpy(many + len, i ? ",{}" : "{}", i ? 3 : 2);
			len += i ? 3 : 2;
		}
		many[len++] = ']';
		r = http_call("POST", "/v1/progress/batch", tok, "application/json", many, len,
		              NULL);
		assert_problem(r, n == 100000 ? 400 : 413, n == 100000 ? "/0/summary" : NULL);
		http_resp_free(r);
		free(many);
	}
	/* the same limit for CSV: rows after the header */
	for (size_t n = 100000; n <= 100001; n++) {
		size_t cap = n * 4 + 64, len = 0;
		char *csv = malloc(cap);
		len += (size_t)snprintf(csv, cap, "summary\n");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(csv + len, cap - len, "x\n");
		r = http_call("POST", "/v1/progress/batch", tok, "text/csv", csv, len, NULL);
		assert_problem(r, n == 100000 ? 400 : 413, n == 100000 ? "/0/measure_id" : NULL);
		http_resp_free(r);
		free(csv);
	}
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	free(tok);
}
END_TEST

/* A dry run goes through every check, the database's included, and writes nothing. */
START_TEST(batch_dry_run_checks_everything_writes_nothing)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[512];
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\","
	         "\"summary\":\"a\",\"values\":[{\"target_id\":%lld,\"value\":40}]},"
	         "{\"measure_id\":%lld,\"period\":\"2022-02\",\"status\":\"on_track\","
	         "\"summary\":\"b\"}]",
	         measure_id(3), target_of(3, 0), measure_id(3));
	struct http_resp *r = http_post_json("/v1/progress/batch?dry_run=true", tok, body);
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert(json_is_true(json_object_get(r->json, "dry_run")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "rows")), 2);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_values"), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	/* written for real, the same file's dry run now finds the records there */
	r = http_post_json("/v1/progress/batch?dry_run=false", tok, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	http_resp_free(r);
	r = http_post_json("/v1/progress/batch?dry_run=true", tok, body);
	assert_problem(r, 409, "/1/period");
	http_resp_free(r);
	/* and what the database alone knows: a measure the unit is not assigned to */
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\","
	         "\"summary\":\"a\"}]",
	         measure_id(2));
	r = http_post_json("/v1/progress/batch?dry_run=true", tok, body);
	assert_problem(r, 403, "/0/unit");
	http_resp_free(r);
	r = http_post_json("/v1/progress/batch?dry_run=maybe", tok, body);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	free(tok);
}
END_TEST

struct racer {
	const char *tok, *csv;
	long status;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct http_resp *resp = http_call("POST", "/v1/progress/batch", r->tok, "text/csv", r->csv,
	                                   strlen(r->csv), NULL);
	r->status = resp->status;
	http_resp_free(resp);
	return NULL;
}

/* The same 2,000 (measure, unit, period) keys in two batches at once, one in the other's
 * reverse order: exactly one is written, the other is 409, nothing is mixed. */
START_TEST(racing_batches_with_the_same_keys)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	long long m3 = measure_id(3);
	size_t cap = 2000 * 64 + 64;
	char *up = malloc(cap), *down = malloc(cap);
	size_t ul = (size_t)snprintf(up, cap, "measure_id,period,status,summary\n");
	size_t dl = (size_t)snprintf(down, cap, "measure_id,period,status,summary\n");
	for (int i = 0; i < 2000; i++) {
		int j = 1999 - i;
		ul += (size_t)snprintf(up + ul, cap - ul, "%lld,%d-%02d,on_track,up\n", m3,
		                       1900 + i / 12, 1 + i % 12);
		dl += (size_t)snprintf(down + dl, cap - dl, "%lld,%d-%02d,on_track,down\n", m3,
		                       1900 + j / 12, 1 + j % 12);
	}
	struct racer a = {tok, up, 0}, b = {tok, down, 0};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, racer_run, &a);
	pthread_create(&tb, NULL, racer_run, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_msg((a.status == 201 && b.status == 409) || (a.status == 409 && b.status == 201),
	              "statuses %ld and %ld", a.status, b.status);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2000);
	ck_assert_int_eq(harness_count("SELECT count(DISTINCT summary) FROM progress_records"), 1);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	free(up);
	free(down);
	free(tok);
}
END_TEST

static struct http_resp *post_batch(const char *tok, json_t *rows)
{
	char *body = json_dumps(rows, JSON_COMPACT);
	struct http_resp *r = http_post_json("/v1/progress/batch", tok, body);
	free(body);
	json_decref(rows);
	return r;
}

/* What only the database can know about a batch (units, measures, targets, assignments) is
 * checked for every row at once, each bad row named; nothing is written. */
START_TEST(batch_database_checks_name_every_row)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	long long m3 = measure_id(3), pct = percentage_target_of_3();
	json_t *rows =
	        json_pack("[{sIssssssss}, {sIssssssss}, {sIssssssss}, {sIssssssss},"
	                  " {sIsssssssss[{sIsi}]}, {sIsssssssss[{sIsi}]}]",
	                  "measure_id", (json_int_t)m3, "unit", "finance", "period", "2022-01",
	                  "status", "on_track", "summary", "ok", /* 0: fine */
	                  "measure_id", (json_int_t)m3, "unit", "no-such-unit", "period", "2022-01",
	                  "status", "on_track", "summary", "x", /* 1 */
	                  "measure_id", (json_int_t)999999, "unit", "finance", "period", "2022-01",
	                  "status", "on_track", "summary", "x", /* 2 */
	                  "measure_id", (json_int_t)measure_id(2), "unit", "finance", "period",
	                  "2022-01", "status", "on_track", "summary", "x", /* 3: not assigned */
	                  "measure_id", (json_int_t)m3, "unit", "finance", "period", "2022-02",
	                  "status", "on_track", "summary", "x", "values", "target_id",
	                  (json_int_t)target_of(2, 0), "value", 1, /* 4: another measure's target */
	                  "measure_id", (json_int_t)m3, "unit", "finance", "period", "2022-03",
	                  "status", "on_track", "summary", "x", "values", "target_id",
	                  (json_int_t)pct, "value", 150); /* 5: a percentage over 100 */
	struct http_resp *r = post_batch(admin, rows);
	assert_problem(r, 422, "/1/unit");
	assert_problem(r, 422, "/2/measure_id");
	assert_problem(r, 422, "/3/unit");
	assert_problem(r, 422, "/4/values");
	assert_problem(r, 422, "/5/values");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")), 5);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	free(admin);
}
END_TEST

/* Text in a batch reaches the database through COPY: tabs, newlines, backslashes, COPY's
 * own markers and SQL come back exactly as sent; one batch may carry several units. */
START_TEST(batch_text_is_verbatim_and_units_mix)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	long long m3 = measure_id(3), pct = percentage_target_of_3();
	json_t *first =
	        json_pack("{sIsssssssssssss[{ssss}]}", "measure_id", (json_int_t)m3, "unit",
	                  "finance", "period", "2023", "status", "at_risk", "summary",
	                  "tab\there back\\slash \\N \\. line\nbreak\r\nend", "problems",
	                  "'; DROP TABLE progress_records; --", "next_steps", "下一步\t",
	                  "evidence", "title", "证据\\", "url", "https://example.org/a?b=c");
	json_t *rows = json_pack("[O{sIsssssssss[{sIsf}]}]", first, "measure_id", (json_int_t)m3,
	                         "unit", "hrss", "period", "2023", "status", "on_track", "summary",
	                         "x", "values", "target_id", (json_int_t)pct, "value", 65.3);
	struct http_resp *r = post_batch(admin, rows);
	ck_assert_msg(r->status == 201, "%s", r->body);
	json_t *ids = json_object_get(r->json, "ids");
	char path[64];
	snprintf(path, sizeof(path), "/v1/progress/%lld",
	         json_integer_value(json_array_get(ids, 0)));
	struct http_resp *g = http_get(path, admin);
	ck_assert_msg(g->status == 200, "%s", g->body);
	static const char *const fields[] = {"summary", "problems", "next_steps", "evidence", NULL};
	for (int i = 0; fields[i] != NULL; i++)
		ck_assert_msg(json_equal(json_object_get(g->json, fields[i]),
		                         json_object_get(first, fields[i])),
		              "%s differs: %s", fields[i], g->body);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(g->json, "unit"), "code")),
	        "finance");
	http_resp_free(g);
	snprintf(path, sizeof(path), "/v1/progress/%lld",
	         json_integer_value(json_array_get(ids, 1)));
	g = http_get(path, admin);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(g->json, "unit"), "code")),
	        "hrss");
	json_t *v = json_array_get(json_object_get(g->json, "values"), 0);
	ck_assert(json_number_value(json_object_get(v, "value")) == 65.3);
	ck_assert_msg(strstr(g->body, "65.3}") != NULL && strstr(g->body, "65.29") == NULL, "%s",
	              g->body);
	http_resp_free(g);
	http_resp_free(r);
	json_decref(first);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	free(admin);
}
END_TEST

/* Runs sql on the service's own connection in a transaction set to unit and role (as the
 * service sets it), then rolls back. Returns the SQLSTATE, "" when it succeeded. */
static const char *as_unit(const char *unit, const char *role, const char *sql, char state[6])
{
	PGconn *pg = PQconnectdb(harness_app_conninfo());
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	char scope[160];
	snprintf(scope, sizeof(scope),
	         "BEGIN; SELECT set_config('zeren.unit', '%s', true), "
	         "set_config('zeren.role', '%s', true)",
	         unit, role);
	PQclear(PQexec(pg, scope));
	PGresult *r = PQexec(pg, sql);
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(state, 6, "%s", st != NULL ? st : "");
	PQclear(r);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	return state;
}

/* An insert of one record for measure number m as unit (its code). */
static const char *insert_as(const char *unit, int m, const char *record_unit, char state[6])
{
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO progress_records (measure_id, unit_id, period, period_start, "
	         "period_end, status, summary, reported_by, reported_iss) SELECT %lld, id, '2022', "
	         "'2022-01-01', '2022-12-31', 'on_track', 'x', 'bug', 'bug' FROM units WHERE "
	         "code = '%s'",
	         measure_id(m), record_unit);
	return as_unit(unit, "reporter", sql, state);
}

/* The database alone refuses a write outside the unit's scope (row-level security), as if
 * the C policy had a bug. */
START_TEST(database_refuses_cross_unit_write)
{
	char st[6], sql[160];
	/* a reporter writing as another unit, or on a measure its unit is not assigned to */
	ck_assert_str_eq(insert_as("finance", 1, "hrss", st), "42501");
	ck_assert_str_eq(insert_as("finance", 2, "finance", st), "42501");
	ck_assert_str_eq(insert_as("finance", 3, "finance", st), ""); /* its own: fine */
	/* the lead unit may review another unit's record but the database refuses a rewrite */
	char etag[32];
	long long id = create_record("finance", 3, "2022", etag);
	static const char *const rewrites[] = {"summary = 'rewritten'", "amended_by = 'hrss'",
	                                       "version = 7", NULL};
	for (int i = 0; rewrites[i] != NULL; i++) {
		snprintf(sql, sizeof(sql), "UPDATE progress_records SET %s WHERE id = %lld",
		         rewrites[i], id);
		ck_assert_msg(strcmp(as_unit("hrss", "reporter", sql, st), "42501") == 0, "%s: %s",
		              rewrites[i], st);
	}
	snprintf(sql, sizeof(sql),
	         "UPDATE progress_records SET review_state = 'approved' WHERE id = %lld", id);
	ck_assert_str_eq(as_unit("hrss", "reporter", sql, st), "");
	/* the audit log cannot be changed by the service's role */
	ck_assert_str_eq(as_unit("finance", "admin", "UPDATE audit_log SET actor_sub = 'x'", st),
	                 "42501");
	ck_assert_str_eq(as_unit("finance", "admin", "DELETE FROM audit_log", st), "42501");
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_records WHERE summary = "
	                               "'rewritten'"),
	                 0);
}
END_TEST

/* A set-based write (as a batch makes) is refused whole when one row is out of scope, and
 * the scope set a batch checks against names exactly the measures the per-row check allows. */
START_TEST(database_scope_for_many_rows)
{
	char st[6], sql[640];
	const char *insert = "INSERT INTO progress_records (measure_id, unit_id, period, "
	                     "period_start, period_end, status, summary, reported_by, "
	                     "reported_iss) SELECT m, (SELECT id FROM units WHERE code = "
	                     "'finance'), p, '2022-01-01', '2022-12-31', 'on_track', 'x', 'b', "
	                     "'b' FROM (VALUES ";
	snprintf(sql, sizeof(sql), "%s(%lld, '2022'), (%lld, '2023')) v(m, p)", insert,
	         measure_id(3), measure_id(3));
	ck_assert_str_eq(as_unit("finance", "reporter", sql, st), "");
	snprintf(sql, sizeof(sql), "%s(%lld, '2022'), (%lld, '2022')) v(m, p)", insert,
	         measure_id(3), measure_id(2));
	ck_assert_str_eq(as_unit("finance", "reporter", sql, st), "42501");
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	/* every unit and measure of the seed: the set and the per-row check agree */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM units u CROSS JOIN measures m "
	                               "WHERE zeren_unit_assigned(u.id, m.id) IS DISTINCT FROM "
	                               "(m.id IN (SELECT zeren_unit_measures(u.id)))"),
	                 0);
	ck_assert_int_gt(harness_count("SELECT count(*) FROM units u, zeren_unit_measures(u.id)"),
	                 50);
}
END_TEST

Suite *progress_suite(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("progress");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, create_returns_201_with_location_version_and_audit);
	tcase_add_test(tc, yunfu_permission_matrix);
	tcase_add_test(tc, values_keep_their_decimal_digits);
	tcase_add_test(tc, unit_in_body_and_admin_on_behalf);
	tcase_add_test(tc, bad_input_writes_nothing);
	tcase_add_test(tc, duplicate_period_is_409_and_sql_text_is_verbatim);
	tcase_add_test(tc, reads_list_filter_and_404);
	tcase_add_test(tc, amend_needs_if_match_and_keeps_history);
	tcase_add_test(tc, review_by_lead_or_supervisor_only);
	tcase_add_test(tc, history_pages_through_versions);
	tcase_add_test(tc, idempotent_retry_replays_and_other_body_is_422);
	tcase_add_test(tc, racing_patches_exactly_one_wins);
	tcase_add_test(tc, concurrent_writers_store_each_write_once);
	tcase_add_test(tc, batch_json_all_or_nothing);
	tcase_add_test(tc, batch_csv_10000_rows_one_bad_row_writes_nothing);
	tcase_add_test(tc, batch_csv_idempotent_retry);
	tcase_add_test(tc, batch_database_checks_name_every_row);
	tcase_add_test(tc, batch_text_is_verbatim_and_units_mix);
	tcase_add_test(tc, racing_batches_with_the_same_keys);
	tcase_add_test(tc, batch_json_shapes_refused_whole);
	tcase_add_test(tc, batch_dry_run_checks_everything_writes_nothing);
	tcase_add_test(tc, database_refuses_cross_unit_write);
	tcase_add_test(tc, database_scope_for_many_rows);
	suite_add_tcase(s, tc);
	return s;
}
