/* test_progress_amend.c — amending a record (If-Match, kept versions), paging its history and
 * reviewing it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

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

Suite *progress_amend_suite(void)
{
	Suite *s = suite_create("progress_amend");
	TCase *tc = tcase_create("amend");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, amend_needs_if_match_and_keeps_history);
	tcase_add_test(tc, review_by_lead_or_supervisor_only);
	tcase_add_test(tc, history_pages_through_versions);
	suite_add_tcase(s, tc);
	return s;
}
