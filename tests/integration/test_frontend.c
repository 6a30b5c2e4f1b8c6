/* test_frontend.c — what a browser front end built on the OpenAPI document needs: the headers
 * CORS lets it read, string limits in characters as the schemas say, and list totals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

static char *reader, *hrss;

static void frontend_setup(void)
{
	harness_setup();
	reader = harness_token("reader-1", ROLE_READER, NULL);
	hrss = harness_token("hrss-clerk", ROLE_REPORTER, "hrss");
}

static void frontend_teardown(void)
{
	free(reader);
	free(hrss);
	harness_teardown();
}

/* Asserts that r lets a browser read every header the front end needs. */
static void assert_exposed(const struct http_resp *r)
{
	char v[512];
	const char *h = http_resp_header(r, "Access-Control-Expose-Headers", v, sizeof(v));
	ck_assert_ptr_nonnull(h);
	const char *want[] = {"ETag",
	                      "Link",
	                      "Location",
	                      "X-Request-Id",
	                      "Retry-After",
	                      "Allow",
	                      "WWW-Authenticate",
	                      "Idempotent-Replayed",
	                      "Content-Disposition"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(h, want[i]) != NULL, "%s not in %s", want[i], h);
}

START_TEST(cors_exposes_what_the_front_end_reads)
{
	const char *const origin[] = {"Origin: https://app.example.org", NULL};
	char path[96], v[256];
	snprintf(path, sizeof(path), "/v1/exports/plans/%lld/responsibility.csv",
	         harness_count("SELECT id FROM plans"));
	struct http_resp *r = http_call("GET", path, reader, NULL, NULL, 0, origin);
	ck_assert_int_eq(r->status, 200);
	assert_exposed(r);
	ck_assert_ptr_nonnull(http_resp_header(r, "Content-Disposition", v, sizeof(v)));
	http_resp_free(r);
	r = http_call("GET", "/v1/plans", NULL, NULL, NULL, 0, origin);
	ck_assert_int_eq(r->status, 401);
	assert_exposed(r);
	ck_assert_ptr_nonnull(http_resp_header(r, "WWW-Authenticate", v, sizeof(v)));
	http_resp_free(r);
	r = http_call("PUT", "/v1/plans", reader, NULL, NULL, 0, origin);
	ck_assert_int_eq(r->status, 405);
	assert_exposed(r);
	ck_assert_ptr_nonnull(http_resp_header(r, "Allow", v, sizeof(v)));
	http_resp_free(r);
}
END_TEST

/* A progress body for measure 17 with a summary of n copies of the character ch. */
static char *body_with_summary(size_t n, const char *ch)
{
	size_t w = strlen(ch);
	char *summary = malloc(n * w + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(summary + i * w, ch, w);
	summary[n * w] = '\0';
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	fprintf(f,
	        "{\"measure_id\":%lld,\"period\":\"2026-Q4\",\"status\":\"on_track\","
	        "\"summary\":\"%s\"}",
	        harness_count("SELECT id FROM measures WHERE number = 17"), summary);
	fclose(f);
	free(summary);
	return body;
}

START_TEST(string_limits_count_characters)
{
	/* 20,000 Chinese characters are 60,000 bytes: within maxLength 20000 */
	char *body = body_with_summary(20001, "进");
	struct http_resp *r = http_post_json("/v1/progress", hrss, body);
	assert_problem(r, 400, "/summary");
	ck_assert_ptr_nonnull(strstr(r->body, "20000 characters"));
	http_resp_free(r);
	free(body);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_records"), 0);
	body = body_with_summary(20000, "进");
	r = http_post_json("/v1/progress", hrss, body);
	ck_assert_msg(r->status == 201, "%s", r->status == 201 ? "" : r->body);
	http_resp_free(r);
	free(body);
	ck_assert_int_eq(harness_count("SELECT char_length(summary) FROM progress_records"), 20000);
}
END_TEST

START_TEST(lists_count_on_request)
{
	struct http_resp *r = http_get("/v1/measures?limit=5&count=true", reader);
	ck_assert_int_eq(r->status, 200);
	long long all = harness_count("SELECT count(*) FROM measures");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total")), all);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 5);
	char next[256];
	snprintf(next, sizeof(next), "/v1/measures?limit=5&count=true&cursor=%s",
	         json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	/* the whole list's total on every page, not what is left */
	r = http_get(next, reader);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total")), all);
	http_resp_free(r);
	/* with filters: what they match */
	r = http_get("/v1/units?kind=school&count=true&limit=1", reader);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total")),
	                 harness_count("SELECT count(*) FROM units WHERE kind = 'school'"));
	http_resp_free(r);
	char path[96];
	snprintf(path, sizeof(path), "/v1/units/%lld/measures?count=true&role=lead",
	         harness_count("SELECT id FROM units WHERE code = 'hrss'"));
	r = http_get(path, reader);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total")), 17);
	http_resp_free(r);
	/* without it, no total; a bad value is 400 */
	r = http_get("/v1/plans", reader);
	ck_assert_ptr_null(json_object_get(r->json, "total"));
	http_resp_free(r);
	const char *lists[] = {"/v1/plans?count=true", "/v1/tasks?count=true",
	                       "/v1/progress?count=true"};
	for (size_t i = 0; i < 3; i++) {
		r = http_get(lists[i], reader);
		ck_assert_msg(json_is_integer(json_object_get(r->json, "total")), "%s", lists[i]);
		http_resp_free(r);
	}
	r = http_get("/v1/plans?count=yes", reader);
	assert_problem(r, 400, "?count");
	http_resp_free(r);
}
END_TEST

Suite *frontend_suite(void)
{
	Suite *s = suite_create("frontend");
	TCase *tc = tcase_create("frontend");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, frontend_setup, frontend_teardown);
	tcase_add_test(tc, cors_exposes_what_the_front_end_reads);
	tcase_add_test(tc, string_limits_count_characters);
	tcase_add_test(tc, lists_count_on_request);
	suite_add_tcase(s, tc);
	return s;
}
