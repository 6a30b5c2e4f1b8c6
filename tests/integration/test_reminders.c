/* test_reminders.c — reminders (催办): report.due within warn_days and report.overdue after the
 * due date, each once per unit, measure and period across repeated and concurrent checks, in
 * the changes feed; a plan's warn_days; GET /v1/reports/timeliness. The seed's plan is
 * quarterly with reports due 15 days after a quarter ends: 2024-Q1 is due 2024-04-15. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "harness.h"
#include "reminders.h"
#include "suites.h"

/* The reminders expected for one period: every (unit, measure) the timeliness list holds. */
static long long expected_pairs(const char *as_of)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/reports/timeliness?period=2024-Q1&as_of=%s", as_of);
	char *reader = harness_token("reader", ROLE_READER, NULL);
	struct http_resp *r = http_get(path, reader);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	long long n = (long long)json_array_size(json_object_get(r->json, "items"));
	http_resp_free(r);
	free(reader);
	return n;
}

static long long run_on(int y, int m, int d)
{
	long long emitted = -1;
	ck_assert_int_eq(reminders_run(harness_current_app()->pool, report_day_from_ymd(y, m, d),
	                               45, &emitted),
	                 SVC_OK);
	return emitted;
}

/* Reports (as the owner, so no token scope applies) the first expected pair of 2024-Q1. */
static void report_one(void)
{
	harness_exec("INSERT INTO progress_records (measure_id, unit_id, period, period_start, "
	             "period_end, status, summary, reported_by, reported_iss, reported_at) "
	             "SELECT r.measure_id, r.unit_id, '2024-Q1', '2024-01-01', '2024-03-31', "
	             "'on_track', 'done', 'tester', 'iss', '2024-04-11Z' FROM reminders r "
	             "ORDER BY r.id LIMIT 1");
}

START_TEST(due_then_overdue_once_each_across_repeated_runs)
{
	long long pairs = expected_pairs("2024-04-10");
	ck_assert_int_gt(pairs, 0);
	ck_assert_int_eq(run_on(2024, 4, 1), 0);      /* 14 days ahead: beyond warn_days (7) */
	ck_assert_int_eq(run_on(2024, 4, 10), pairs); /* 5 days ahead */
	ck_assert_int_eq(run_on(2024, 4, 10), 0);
	ck_assert_int_eq(run_on(2024, 4, 15), 0); /* the due date itself: still due, not overdue */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM reminders WHERE kind = 'due'"), pairs);
	report_one();
	ck_assert_int_eq(run_on(2024, 4, 16), pairs - 1); /* the one reported owes nothing */
	ck_assert_int_eq(run_on(2024, 4, 20), 0);
	ck_assert_int_eq(run_on(2024, 7, 1), 0); /* 2024-Q2 is due 07-15: beyond warn_days */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes WHERE entity = 'report'"),
	                 2 * pairs - 1);
	/* in the feed, with what is owed */
	char *reader = harness_token("reader", ROLE_READER, NULL);
	struct http_resp *r = http_get("/v1/changes?entity=report&limit=1", reader);
	ck_assert_int_eq(r->status, 200);
	json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(item, "action")), "due");
	json_t *report = json_object_get(item, "report");
	ck_assert_str_eq(json_string_value(json_object_get(report, "period")), "2024-Q1");
	ck_assert_str_eq(json_string_value(json_object_get(report, "due")), "2024-04-15");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(report, "unit"), "code"));
	http_resp_free(r);
	free(reader);
}
END_TEST

static void *run_thread(void *arg)
{
	long long *emitted = arg;
	if (reminders_run(harness_current_app()->pool, report_day_from_ymd(2024, 4, 16), 45,
	                  emitted) != SVC_OK)
		*emitted = -1;
	return NULL;
}

START_TEST(concurrent_checks_emit_nothing_twice)
{
	long long pairs = expected_pairs("2024-04-16");
	pthread_t t[4];
	long long emitted[4] = {0};
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, run_thread, &emitted[i]);
	long long total = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_ge(emitted[i], 0);
		total += emitted[i];
	}
	ck_assert_int_eq(total, pairs);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM reminders WHERE kind = 'overdue'"),
	                 pairs);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes WHERE entity = 'report'"),
	                 pairs);
}
END_TEST

START_TEST(warn_days_is_the_plans)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	struct http_resp *r = http_get("/v1/plans/1", admin);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "warn_days")), 7);
	char etag[64], h[96];
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	snprintf(h, sizeof(h), "If-Match: %s", etag);
	const char *headers[] = {h, NULL};
	r = http_call("PATCH", "/v1/plans/1", admin, "application/json", "{\"warn_days\":3}", 15,
	              headers);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "warn_days")), 3);
	http_resp_free(r);
	r = http_call("PATCH", "/v1/plans/1", admin, "application/json", "{\"warn_days\":400}", 17,
	              NULL);
	ck_assert_int_eq(r->status, 428); /* If-Match first; the value is checked below */
	http_resp_free(r);
	free(admin);
	ck_assert_int_eq(run_on(2024, 4, 10), 0); /* 5 days ahead: beyond 3 */
	ck_assert_int_gt(run_on(2024, 4, 12), 0);
}
END_TEST

START_TEST(timeliness_lists_who_owes_what)
{
	char *reader = harness_token("reader", ROLE_READER, NULL);
	ck_assert_int_gt(run_on(2024, 4, 10), 0);
	report_one();
	struct http_resp *r =
	        http_get("/v1/reports/timeliness?period=2024-Q1&as_of=2024-04-16", reader);
	ck_assert_int_eq(r->status, 200);
	json_t *counts = json_object_get(r->json, "counts");
	json_t *items = json_object_get(r->json, "items");
	long long n = (long long)json_array_size(items);
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "on_time")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "overdue")), n - 1);
	json_t *first = json_array_get(items, 0); /* the owing first */
	ck_assert_str_eq(json_string_value(json_object_get(first, "state")), "overdue");
	ck_assert_ptr_nonnull(
	        json_string_value(json_object_get(json_object_get(first, "reminded"), "due")));
	json_t *last = json_array_get(items, json_array_size(items) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(last, "state")), "on_time");
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(r->json, "period"), "due")),
	        "2024-04-15");
	http_resp_free(r);
	/* by default the period due next: on 2024-04-10, 2024-Q1 */
	r = http_get("/v1/reports/timeliness?as_of=2024-04-10", reader);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(r->json, "period"), "period")),
	        "2024-Q1");
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(r->json, "counts"), "owed")),
	        n - 1);
	http_resp_free(r);
	const char *bad[] = {"/v1/reports/timeliness?period=2024-07",
	                     "/v1/reports/timeliness?period=nope", "/v1/reports/timeliness?x=1",
	                     "/v1/reports/timeliness?plan_id=abc"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = http_get(bad[i], reader);
		ck_assert_msg(r->status == 400 || r->status == 404, "%s: %ld", bad[i], r->status);
		assert_problem(r, (int)r->status, NULL);
		http_resp_free(r);
	}
	r = http_get("/v1/reports/timeliness?plan_id=999", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	free(reader);
}
END_TEST

Suite *reminders_suite(void)
{
	Suite *s = suite_create("reminders");
	TCase *tc = tcase_create("reminders");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, due_then_overdue_once_each_across_repeated_runs);
	tcase_add_test(tc, concurrent_checks_emit_nothing_twice);
	tcase_add_test(tc, warn_days_is_the_plans);
	tcase_add_test(tc, timeliness_lists_who_owes_what);
	suite_add_tcase(s, tc);
	return s;
}
