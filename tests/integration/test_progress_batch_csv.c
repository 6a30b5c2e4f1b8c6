/* test_progress_batch_csv.c — POST /v1/progress/batch with CSV: 10,000 rows with one bad row,
 * an idempotent retry, and two batches racing for the same keys. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

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

Suite *progress_batch_csv_suite(void)
{
	Suite *s = suite_create("progress_batch_csv");
	TCase *tc = tcase_create("batch_csv");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, batch_csv_10000_rows_one_bad_row_writes_nothing);
	tcase_add_test(tc, batch_csv_idempotent_retry);
	tcase_add_test(tc, racing_batches_with_the_same_keys);
	suite_add_tcase(s, tc);
	return s;
}
