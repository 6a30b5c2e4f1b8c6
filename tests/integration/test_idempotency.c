/* test_idempotency.c — what the key table's upkeep must keep: the bounded purge deletes only
 * expired keys, oldest first, and an expired key is taken over by a new request, not replayed.
 * (Replays, 422 and 409 are in test_progress_writes.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

#define COUNT_KEYS "SELECT count(*) FROM idempotency_keys"

/* n keys k<from>..k<from+n-1> of subject s that expired minutes ago (oldest first). */
static void keys_expired(const char *s, int from, int n)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO idempotency_keys (subject, key, endpoint, request_hash, status, "
	         "response_headers, response_body, created_at, expires_at) "
	         "SELECT '%s', 'k' || g, 'POST /v1/progress', 'x', 201, '{}', '{}', "
	         "now() - interval '49 hours', now() - make_interval(mins => 1000 - g) "
	         "FROM generate_series(%d, %d) g",
	         s, from, from + n - 1);
	harness_exec(sql);
}

START_TEST(purge_deletes_expired_keys_in_batches_oldest_first)
{
	keys_expired("zeren-dev|a", 1, 5);
	harness_exec("INSERT INTO idempotency_keys (subject, key, endpoint, request_hash) "
	             "VALUES ('zeren-dev|a', 'live', 'POST /v1/progress', 'x')");
	ck_assert_int_eq(harness_count("SELECT idempotency_purge(2)"), 2);
	/* k1 and k2 expired first */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM idempotency_keys WHERE key IN "
	                               "('k1', 'k2')"),
	                 0);
	ck_assert_int_eq(harness_count("SELECT idempotency_purge(2)"), 2);
	ck_assert_int_eq(harness_count("SELECT idempotency_purge(2)"), 1);
	ck_assert_int_eq(harness_count("SELECT idempotency_purge(2)"), 0);
	ck_assert_int_eq(harness_count(COUNT_KEYS), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM idempotency_keys WHERE key = 'live'"),
	                 1);
}
END_TEST

START_TEST(expired_key_is_taken_over_not_replayed)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	keys_expired("zeren-dev|finance-clerk", 1, 1);
	char *b = body_for(3, "2022-H1");
	const char *const key[] = {"Idempotency-Key: k1", NULL};
	struct http_resp *a =
	        http_call("POST", "/v1/progress", tok, "application/json", b, strlen(b), key);
	ck_assert_msg(a->status == 201, "%s", a->body);
	char v[16];
	ck_assert_ptr_null(http_resp_header(a, "Idempotent-Replayed", v, sizeof(v)));
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	/* the key now holds this reply, and replays it */
	struct http_resp *again =
	        http_call("POST", "/v1/progress", tok, "application/json", b, strlen(b), key);
	ck_assert_int_eq(again->status, 201);
	ck_assert_str_eq(again->body, a->body);
	ck_assert_str_eq(http_resp_header(again, "Idempotent-Replayed", v, sizeof(v)), "true");
	ck_assert_int_eq(harness_count("SELECT count(*) FROM idempotency_keys WHERE key = 'k1' "
	                               "AND expires_at > now() + interval '47 hours'"),
	                 1);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	http_resp_free(a);
	http_resp_free(again);
	free(b);
	free(tok);
}
END_TEST

Suite *idempotency_suite(void)
{
	Suite *s = suite_create("idempotency");
	TCase *tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, purge_deletes_expired_keys_in_batches_oldest_first);
	tcase_add_test(tc, expired_key_is_taken_over_not_replayed);
	suite_add_tcase(s, tc);
	return s;
}
