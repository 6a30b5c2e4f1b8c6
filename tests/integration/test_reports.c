/* test_reports.c — reports and exports on the seeded Yunfu plan: overdue and colours with no
 * reports, actuals from approved records only (running totals kept by triggers), latest and
 * share-of targets, keyset pages, a unit's scorecard, the CSV and the workbook. Progress
 * data is written straight into the tables as the owner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static char *reader;

static void rep_setup(void)
{
	harness_setup();
	reader = harness_token("reader-1", ROLE_READER, NULL);
}

static void rep_teardown(void)
{
	free(reader);
	reader = NULL;
	harness_teardown();
}

static struct http_resp *get_ok(const char *path)
{
	struct http_resp *r = http_get(path, reader);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
	return r;
}

static long long plan_id(void)
{
	return harness_count("SELECT id FROM plans WHERE code = 'yunfu-gdjg'");
}

/* A progress record of measure number on unit code, returning its id. */
static long long record(int measure, const char *unit, const char *period, const char *start,
                        const char *end, const char *state, const char *reported_at)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO progress_records (measure_id, unit_id, period, period_start, "
	         "period_end, status, summary, reported_by, reported_iss, review_state, "
	         "reported_at) SELECT m.id, u.id, '%s', '%s', '%s', 'on_track', '%s 进展 %s', "
	         "'tester', 'zeren-dev', '%s', %s FROM measures m, units u WHERE m.number = %d "
	         "AND u.code = '%s'",
	         period, start, end, unit, period, state,
	         reported_at != NULL ? reported_at : "now()", measure, unit);
	harness_exec(sql);
	snprintf(sql, sizeof(sql),
	         "SELECT r.id FROM progress_records r JOIN measures m ON m.id = r.measure_id "
	         "JOIN units u ON u.id = r.unit_id WHERE m.number = %d AND u.code = '%s' "
	         "AND r.period = '%s'",
	         measure, unit, period);
	return harness_count(sql);
}

static void value(long long progress_id, const char *target_code, const char *v)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO progress_values (progress_id, target_id, value) SELECT %lld, id, %s "
	         "FROM targets WHERE code = '%s'",
	         progress_id, v, target_code);
	harness_exec(sql);
}

/* The progress object of target code in GET /v1/measures/{id}?{query}; caller frees r. */
static json_t *target_progress(const char *target_code, const char *query, struct http_resp **r)
{
	char sql[256], path[256];
	snprintf(sql, sizeof(sql), "SELECT measure_id FROM targets WHERE code = '%s'", target_code);
	snprintf(path, sizeof(path), "/v1/measures/%lld?%s", harness_count(sql), query);
	*r = get_ok(path);
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get((*r)->json, "targets"), i, t)
	{
		if (strcmp(json_string_value(json_object_get(t, "code")), target_code) == 0) {
			json_t *p = json_object_get(t, "progress");
			ck_assert_ptr_nonnull(p);
			return p;
		}
	}
	ck_abort_msg("no target %s", target_code);
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	ck_assert_msg(v != NULL, "no string %s", k);
	return v;
}

/* Walks /v1/reports/overdue from path following Link headers; returns the codes joined by
 * commas in out and the number of pages. */
static int walk_overdue(const char *first, char *out, size_t outlen, int *items)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s", first);
	out[0] = '\0';
	*items = 0;
	int pages = 0;
	const char *last_deadline = "";
	char prev[16] = "";
	for (;;) {
		struct http_resp *r = get_ok(path);
		pages++;
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(r->json, "items"), i, item)
		{
			json_t *t = json_object_get(item, "target");
			size_t n = strlen(out);
			snprintf(out + n, outlen - n, "%s%s", n ? "," : "", str(t, "code"));
			last_deadline = str(item, "deadline");
			ck_assert_msg(strcmp(prev, last_deadline) <= 0, "not ordered by deadline");
			snprintf(prev, sizeof(prev), "%s", last_deadline);
			json_t *p = json_object_get(item, "progress");
			ck_assert(json_is_true(json_object_get(p, "overdue")));
			ck_assert_str_eq(str(p, "colour"), "red");
			ck_assert_ptr_nonnull(json_object_get(item, "lead_units"));
			ck_assert_ptr_nonnull(json_object_get(item, "measure"));
			(*items)++;
		}
		char link[1024];
		if (json_is_null(json_object_get(r->json, "next_cursor"))) {
			ck_assert_ptr_null(http_resp_header(r, "Link", link, sizeof(link)));
			http_resp_free(r);
			return pages;
		}
		ck_assert_ptr_nonnull(http_resp_header(r, "Link", link, sizeof(link)));
		char *start = strchr(link, '<'), *end = strchr(link, '>');
		ck_assert(start != NULL && end != NULL);
		*end = '\0';
		snprintf(path, sizeof(path), "%s", start + 1);
		http_resp_free(r);
		ck_assert_int_lt(pages, 50);
	}
}

START_TEST(no_reports_every_past_deadline_is_overdue_and_red)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/reports/summary?plan_id=%lld&as_of=2026-11-27",
	         plan_id());
	struct http_resp *r = get_ok(path);
	json_t *targets = json_object_get(r->json, "targets");
	long long past =
	        harness_count("SELECT count(*) FROM targets WHERE deadline < '2026-11-27'");
	long long y2022 =
	        harness_count("SELECT count(*) FROM targets WHERE deadline = '2022-12-31'");
	ck_assert_int_eq(past, 35);
	ck_assert_int_eq(y2022, 28);
	ck_assert_int_eq(json_integer_value(json_object_get(targets, "total")), 41);
	ck_assert_int_eq(json_integer_value(json_object_get(targets, "overdue")), past);
	ck_assert_int_eq(json_integer_value(json_object_get(targets, "no_data")), 41);
	json_t *measures = json_object_get(r->json, "measures");
	ck_assert_int_eq(json_integer_value(json_object_get(measures, "total")), 17);
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(measures, "by_colour"), "red")),
	        17);
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(measures, "by_status"), "none")),
	        17);
	ck_assert_str_eq(str(json_object_get(r->json, "current_period"), "period"), "2026-Q3");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r->json, "rules"),
	                                                    "tolerance_points")),
	                 10);
	json_t *tasks = json_object_get(r->json, "tasks");
	ck_assert_uint_eq(json_array_size(tasks), 5);
	json_t *t5 = json_array_get(tasks, 4);
	ck_assert_str_eq(str(json_object_get(t5, "task"), "label"), "（五）");
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(t5, "measures"), "total")), 4);
	/* nobody has reported: every expected unit is listed, hrss for all 17 measures */
	json_t *missing = json_object_get(r->json, "units_not_reported");
	ck_assert_uint_gt(json_array_size(missing), 20);
	json_t *first = json_array_get(missing, 0);
	ck_assert_str_eq(str(json_object_get(first, "unit"), "code"), "hrss");
	ck_assert_int_eq(json_integer_value(json_object_get(first, "missing")), 17);
	ck_assert_uint_gt(json_array_size(json_object_get(t5, "units_not_reported")), 0);
	http_resp_free(r);

	/* without plan_id the only plan is used */
	r = get_ok("/v1/reports/summary?as_of=2026-11-27");
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(r->json, "targets"), "overdue")),
	        35);
	http_resp_free(r);

	/* every target due by 2025 is in the overdue list, red */
	char codes[4096];
	int items = 0;
	walk_overdue("/v1/reports/overdue?as_of=2026-11-27&limit=500", codes, sizeof(codes),
	             &items);
	ck_assert_int_eq(items, 35);
	ck_assert_ptr_nonnull(strstr(codes, "yunfu-gdjg-m17-t01"));
	ck_assert_ptr_nonnull(strstr(codes, "yunfu-gdjg-m12-t02"));
	ck_assert_ptr_null(strstr(codes, "yunfu-gdjg-m05")); /* recurring: never overdue */

	/* before the deadline nothing is overdue */
	r = get_ok("/v1/reports/overdue?as_of=2022-12-31");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
	http_resp_free(r);
}
END_TEST

START_TEST(meeting_measure_17_turns_it_green_and_off_the_overdue_list)
{
	/* 5 孵化基地, aggregation latest, lead unit hrss reports 5 for 2022-Q4 */
	long long id = record(17, "hrss", "2022-Q4", "2022-10-01", "2022-12-31", "approved", NULL);
	value(id, "yunfu-gdjg-m17-t01", "5");
	struct http_resp *r;
	json_t *p = target_progress("yunfu-gdjg-m17-t01", "as_of=2026-11-27", &r);
	ck_assert(json_is_true(json_object_get(p, "met")));
	ck_assert(json_is_false(json_object_get(p, "overdue")));
	ck_assert_str_eq(str(p, "colour"), "green");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "achievement")), 1);
	ck_assert_str_eq(str(json_object_get(r->json, "progress"), "colour"), "green");
	http_resp_free(r);

	char codes[4096];
	int items = 0;
	walk_overdue("/v1/reports/overdue?as_of=2026-11-27&limit=100", codes, sizeof(codes),
	             &items);
	ck_assert_int_eq(items, 34);
	ck_assert_ptr_null(strstr(codes, "yunfu-gdjg-m17-t01"));
	r = get_ok("/v1/reports/summary?as_of=2026-11-27");
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(r->json, "targets"), "overdue")),
	        34);
	json_t *t5 = json_array_get(json_object_get(r->json, "tasks"), 4);
	ck_assert_int_eq(
	        json_integer_value(json_object_get(
	                json_object_get(json_object_get(t5, "measures"), "by_colour"), "green")),
	        1);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                         json_object_get(json_object_get(r->json, "measures"), "by_status"),
	                         "on_track")),
	                 1);
	http_resp_free(r);

	/* reported before the deadline and looked at then: completed early */
	id = record(17, "hrss", "2022-Q2", "2022-04-01", "2022-06-30", "approved", NULL);
	value(id, "yunfu-gdjg-m17-t01", "5");
	p = target_progress("yunfu-gdjg-m17-t01", "as_of=2022-07-01", &r);
	ck_assert_str_eq(str(p, "colour"), "blue");
	ck_assert_str_eq(str(p, "rule"), "met_early");
	http_resp_free(r);
	/* the 2022-Q4 report lies after as_of and does not count then */
	p = target_progress("yunfu-gdjg-m17-t01", "as_of=2022-06-29", &r);
	ck_assert(json_is_null(json_object_get(p, "actual")));
	http_resp_free(r);
}
END_TEST

START_TEST(only_approved_values_count_unless_submitted_included)
{
	/* m17 latest: a related unit's report does not count, a lead's does */
	long long fin =
	        record(17, "finance", "2022-Q4", "2022-10-01", "2022-12-31", "approved", NULL);
	value(fin, "yunfu-gdjg-m17-t01", "9");
	long long id = record(17, "hrss", "2022-Q3", "2022-07-01", "2022-09-30", "returned", NULL);
	value(id, "yunfu-gdjg-m17-t01", "5");
	struct http_resp *r;
	json_t *p = target_progress("yunfu-gdjg-m17-t01", "as_of=2026-11-27", &r);
	ck_assert(json_is_null(json_object_get(p, "actual"))); /* only returned: no actual */
	ck_assert(json_is_true(json_object_get(p, "overdue")));
	http_resp_free(r);

	harness_exec("UPDATE progress_records SET review_state = 'submitted' WHERE period = "
	             "'2022-Q3'");
	p = target_progress("yunfu-gdjg-m17-t01", "as_of=2026-11-27", &r);
	ck_assert(json_is_null(json_object_get(p, "actual")));
	http_resp_free(r);
	p = target_progress("yunfu-gdjg-m17-t01", "as_of=2026-11-27&include=submitted", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 5);
	ck_assert(json_is_true(
	        json_object_get(json_object_get(r->json, "progress"), "include_submitted")));
	http_resp_free(r);
}
END_TEST

START_TEST(sums_over_units_periods_and_review_changes)
{
	/* m14-t01 培训粤菜师傅 ≥ 4000 by 2022, sum of every unit's approved values */
	long long a = record(14, "hrss", "2021-Q4", "2021-10-01", "2021-12-31", "approved", NULL);
	long long b =
	        record(14, "commerce", "2022-Q2", "2022-04-01", "2022-06-30", "approved", NULL);
	long long c = record(14, "culture-tourism-sports", "2022-Q4", "2022-10-01", "2022-12-31",
	                     "submitted", NULL);
	long long d = record(14, "agriculture-rural", "2022-Q3", "2022-07-01", "2022-09-30",
	                     "returned", NULL);
	long long e = record(14, "hrss", "2020-Q4", "2020-10-01", "2020-12-31", "approved", NULL);
	long long f = record(14, "hrss", "2023-Q1", "2023-01-01", "2023-03-31", "approved", NULL);
	value(a, "yunfu-gdjg-m14-t01", "1500");
	value(b, "yunfu-gdjg-m14-t01", "1500");
	value(c, "yunfu-gdjg-m14-t01", "1000");
	value(d, "yunfu-gdjg-m14-t01", "9999");
	value(e, "yunfu-gdjg-m14-t01", "777"); /* before the plan's start */
	value(f, "yunfu-gdjg-m14-t01", "888"); /* after the deadline */
	struct http_resp *r;
	json_t *p = target_progress("yunfu-gdjg-m14-t01", "as_of=2026-11-27", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 3000);
	ck_assert(json_is_true(json_object_get(p, "overdue")));
	ck_assert_int_eq(json_integer_value(json_object_get(p, "gap")), 1000);
	http_resp_free(r);
	p = target_progress("yunfu-gdjg-m14-t01", "as_of=2026-11-27&include=submitted", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 4000);
	ck_assert(json_is_true(json_object_get(p, "met")));
	http_resp_free(r);
	p = target_progress("yunfu-gdjg-m14-t01", "as_of=2022-07-01", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 3000);
	ck_assert_double_eq_tol(json_number_value(json_object_get(p, "achievement")), 0.75, 1e-9);
	http_resp_free(r);

	/* the review, an amendment and a removal move the running totals */
	harness_exec("UPDATE progress_records SET review_state = 'approved' WHERE review_state = "
	             "'submitted'");
	harness_exec("UPDATE progress_values SET value = 2000 WHERE value = 1500 AND progress_id = "
	             "(SELECT min(id) FROM progress_records)");
	p = target_progress("yunfu-gdjg-m14-t01", "as_of=2026-11-27", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 4500);
	ck_assert_str_eq(str(p, "colour"), "green");
	http_resp_free(r);
	char sql[256];
	snprintf(sql, sizeof(sql), "DELETE FROM progress_records WHERE id = %lld", b);
	harness_exec(sql);
	p = target_progress("yunfu-gdjg-m14-t01", "as_of=2026-11-27", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 3000);
	http_resp_free(r);

	/* what the triggers kept equals a recomputation */
	harness_exec("CREATE TABLE kept AS SELECT * FROM progress_totals");
	harness_exec("SELECT progress_totals_rebuild()");
	ck_assert_int_eq(harness_count("SELECT count(*) FROM (SELECT target_id, period_end, "
	                               "approved_sum, approved_count, submitted_sum, "
	                               "submitted_count FROM progress_totals EXCEPT SELECT "
	                               "target_id, period_end, approved_sum, approved_count, "
	                               "submitted_sum, submitted_count FROM kept) x"),
	                 0);
}
END_TEST

START_TEST(latest_from_the_accountable_unit_and_share_of)
{
	/* m04-t01 在校学生 ≥ 5000, accountable 云浮技师学院: the lead's figure does not count */
	long long lead = record(4, "hrss", "2022-Q4", "2022-10-01", "2022-12-31", "approved", NULL);
	value(lead, "yunfu-gdjg-m04-t01", "6000");
	long long q2 = record(4, "yunfu-technician-college", "2022-Q2", "2022-04-01", "2022-06-30",
	                      "approved", NULL);
	value(q2, "yunfu-gdjg-m04-t01", "5200");
	long long q4 = record(4, "yunfu-technician-college", "2022-Q4", "2022-10-01", "2022-12-31",
	                      "approved", NULL);
	value(q4, "yunfu-gdjg-m04-t01", "4800");
	struct http_resp *r;
	json_t *p = target_progress("yunfu-gdjg-m04-t01", "as_of=2026-11-27", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 4800); /* latest */
	ck_assert(json_is_true(json_object_get(p, "overdue")));
	http_resp_free(r);
	p = target_progress("yunfu-gdjg-m04-t01", "as_of=2022-09-30", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 5200);
	ck_assert_str_eq(str(p, "colour"), "blue");
	http_resp_free(r);

	/* m05-t02 技能提升培训 ≥ 80 % of m05-t01, annual: the same year's sums */
	long long y = record(5, "hrss", "2026-Q1", "2026-01-01", "2026-03-31", "approved", NULL);
	value(y, "yunfu-gdjg-m05-t01", "10000");
	value(y, "yunfu-gdjg-m05-t02", "8500");
	long long old = record(5, "hrss", "2025-Q4", "2025-10-01", "2025-12-31", "approved", NULL);
	value(old, "yunfu-gdjg-m05-t01", "1");
	p = target_progress("yunfu-gdjg-m05-t02", "as_of=2026-11-27", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "actual")), 85);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "share_base")), 10000);
	ck_assert(json_is_true(json_object_get(p, "met")));
	ck_assert_str_eq(str(json_object_get(p, "window"), "start"), "2026-01-01");
	http_resp_free(r);
	/* last year's base was 1 with no share reported: no actual; base zero in 2024 too */
	p = target_progress("yunfu-gdjg-m05-t02", "as_of=2025-12-31", &r);
	ck_assert(json_is_null(json_object_get(p, "actual")));
	http_resp_free(r);
	long long z = record(5, "hrss", "2024", "2024-01-01", "2024-12-31", "approved", NULL);
	value(z, "yunfu-gdjg-m05-t01", "0");
	value(z, "yunfu-gdjg-m05-t02", "0");
	p = target_progress("yunfu-gdjg-m05-t02", "as_of=2024-12-31", &r);
	ck_assert(json_is_null(json_object_get(p, "actual")));
	ck_assert(json_is_false(json_object_get(p, "overdue")));
	http_resp_free(r);
}
END_TEST

START_TEST(overdue_list_pages_with_cursors)
{
	char all[4096], paged[4096];
	int n_all = 0, n_paged = 0;
	walk_overdue("/v1/reports/overdue?as_of=2026-11-27&limit=500", all, sizeof(all), &n_all);
	int pages = walk_overdue("/v1/reports/overdue?as_of=2026-11-27&limit=7", paged,
	                         sizeof(paged), &n_paged);
	ck_assert_int_eq(pages, 5);
	ck_assert_int_eq(n_paged, n_all);
	ck_assert_str_eq(paged, all);
	/* 2025 deadlines come last */
	ck_assert_ptr_nonnull(strstr(all, "m12-t01,yunfu-gdjg-m12-t02"));

	/* filters: a unit through a group, a plan */
	char codes[4096];
	int items = 0;
	walk_overdue("/v1/reports/overdue?as_of=2026-11-27&unit=yunan-district-gov", codes,
	             sizeof(codes), &items);
	ck_assert_str_eq(codes, "yunfu-gdjg-m17-t01");
	char path[160];
	snprintf(path, sizeof(path), "/v1/reports/overdue?as_of=2026-11-27&plan_id=%lld&limit=50",
	         plan_id());
	walk_overdue(path, codes, sizeof(codes), &items);
	ck_assert_int_eq(items, 35);

	struct http_resp *r = http_get("/v1/reports/overdue?cursor=bm90LWEtY3Vyc29y", reader);
	assert_problem(r, 400, "?cursor");
	http_resp_free(r);
	r = http_get("/v1/reports/overdue?limit=0", reader);
	assert_problem(r, 400, "?limit");
	http_resp_free(r);
}
END_TEST

START_TEST(unit_scorecard)
{
	long long college = harness_count("SELECT id FROM units WHERE code = "
	                                  "'yunfu-technician-college'");
	long long on_time = record(4, "yunfu-technician-college", "2022-Q4", "2022-10-01",
	                           "2022-12-31", "approved", "'2023-01-10T08:00:00Z'");
	value(on_time, "yunfu-gdjg-m04-t01", "5000");
	record(3, "yunfu-technician-college", "2022-Q4", "2022-10-01", "2022-12-31", "submitted",
	       "'2023-03-01T08:00:00Z'");
	char path[128];
	snprintf(path, sizeof(path), "/v1/reports/units/%lld?as_of=2026-11-27", college);
	struct http_resp *r = get_ok(path);
	ck_assert_str_eq(str(json_object_get(r->json, "unit"), "code"), "yunfu-technician-college");
	json_t *m = json_object_get(r->json, "measures");
	json_t *roles = json_object_get(m, "by_role");
	ck_assert_int_eq(json_integer_value(json_object_get(roles, "lead")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(roles, "related")), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(roles, "accountable")), 1);
	int via_group = 0, m4_green = 0;
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(m, "items"), i, item)
	{
		json_t *via = json_object_get(item, "via");
		if (json_is_object(via) && strcmp(str(via, "code"), "vocational-schools") == 0)
			via_group++;
		if (json_integer_value(
		            json_object_get(json_object_get(item, "measure"), "number")) == 4)
			m4_green = json_integer_value(json_object_get(
			                   json_object_get(json_object_get(item, "targets"),
			                                   "by_colour"),
			                   "green")) == 1;
	}
	ck_assert_int_gt(via_group, 0);
	ck_assert(m4_green);
	ck_assert_uint_gt(json_array_size(json_object_get(r->json, "overdue")), 0);
	json_t *rep = json_array_get(json_object_get(r->json, "reporting"), 0);
	ck_assert_str_eq(str(json_object_get(rep, "current_period"), "period"), "2026-Q3");
	ck_assert(json_is_false(json_object_get(rep, "current_period_reported")));
	json_t *periods = json_object_get(rep, "periods");
	ck_assert_uint_eq(json_array_size(periods), 23);
	json_t *q4 = json_array_get(periods, 7);
	ck_assert_str_eq(str(q4, "period"), "2022-Q4");
	ck_assert_int_eq(json_integer_value(json_object_get(q4, "on_time")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(q4, "late")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(q4, "expected")), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(q4, "missing")), 7);
	json_t *totals = json_object_get(rep, "totals");
	ck_assert_int_eq(json_integer_value(json_object_get(totals, "expected")), 9 * 23);
	http_resp_free(r);

	r = http_get("/v1/reports/units/999999?as_of=2026-11-27", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	r = http_get("/v1/reports/units/abc", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
}
END_TEST

START_TEST(measure_targets_gain_progress_with_as_of)
{
	char path[128];
	long long m4 = harness_count("SELECT id FROM measures WHERE number = 4");
	snprintf(path, sizeof(path), "/v1/measures/%lld/targets?as_of=2026-11-27&limit=3", m4);
	struct http_resp *r = get_ok(path);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 3);
	ck_assert_str_eq(str(json_object_get(json_array_get(items, 0), "progress"), "colour"),
	                 "red");
	ck_assert(json_is_string(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/measures/%lld/targets", m4);
	r = get_ok(path);
	ck_assert_ptr_null(
	        json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "progress"));
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/measures/%lld", m4);
	r = get_ok(path);
	ck_assert_ptr_null(json_object_get(r->json, "progress"));
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/measures/%lld?as_of=2026-02-29", m4);
	r = http_get(path, reader);
	assert_problem(r, 400, "?as_of");
	http_resp_free(r);
	r = http_get("/v1/measures/999999?as_of=2026-02-28", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
}
END_TEST

static const char *const measure_titles[17] = {
        "优化技工教育资源配置。",         "实施“联合办学”培养机制。",
        "实施“百名强师”领航计划。",       "实施“学制教育”扩容行动。",
        "实施“万名技工”培育行动。",       "实施“精英工匠”培育行动。",
        "扩大企业主体培训规模。",         "打造特色专业品牌。",
        "加强“云浮工匠”培育。",           "打造“云石工匠”品牌。",
        "实施产教融合人才培育。",         "打造湾区技能人才输出地。",
        "打造特色人才评价品牌。",         "实施“粤菜师傅”培育行动。",
        "实施“云家政服务人才”培育行动。", "实施“乡村振兴技能人才”培育行动。",
        "实施技能就业创业行动。"};

START_TEST(csv_export)
{
	long long id = record(17, "hrss", "2022-Q4", "2022-10-01", "2022-12-31", "approved", NULL);
	value(id, "yunfu-gdjg-m17-t01", "5");
	char path[128];
	snprintf(path, sizeof(path), "/v1/exports/plans/%lld.csv?as_of=2026-11-27", plan_id());
	struct http_resp *r = get_ok(path);
	char ct[128], cd[256];
	ck_assert_str_eq(http_resp_header(r, "Content-Type", ct, sizeof(ct)),
	                 "text/csv; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(http_resp_header(r, "Content-Disposition", cd, sizeof(cd)),
	                             "yunfu-gdjg-2026-11-27.csv"));
	ck_assert(r->len > 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0);
	static const char header[] = "工作任务,工作措施,工作内容,牵头单位,相关责任单位,目标,";
	ck_assert_int_eq(strncmp(r->body + 3, header, strlen(header)), 0);
	ck_assert_ptr_nonnull(strstr(r->body, "\r\n"));
	/* every record ends with CRLF: count them outside quotes */
	int in_quotes = 0, records = 0, bare_lf_outside = 0;
	for (size_t i = 0; i < r->len; i++) {
		if (r->body[i] == '"')
			in_quotes = !in_quotes;
		else if (!in_quotes && r->body[i] == '\n') {
			records++;
			if (i == 0 || r->body[i - 1] != '\r')
				bare_lf_outside++;
		}
	}
	ck_assert_int_eq(in_quotes, 0);
	ck_assert_int_eq(bare_lf_outside, 0);
	ck_assert_int_eq(records, 1 + 41);
	for (int m = 0; m < 17; m++)
		ck_assert_msg(strstr(r->body, measure_titles[m]) != NULL, "measure %d missing",
		              m + 1);
	/* items span lines inside one quoted field; the met target and its progress show */
	ck_assert_ptr_nonnull(strstr(r->body, "\"（1）调整优化技工院校区域布局"));
	ck_assert_ptr_nonnull(strstr(r->body,
	                             "技能创业孵化基地数量 ≥ 5个,2022-12-31,5,100.0%,绿色,否,"
	                             "2022-Q4：hrss 进展 2022-Q4"));
	ck_assert_ptr_nonnull(strstr(r->body, "红色,是"));
	http_resp_free(r);

	r = http_get("/v1/exports/plans/999999.csv", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	r = http_get("/v1/exports/plans/1.pdf", reader);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/exports/plans/%lld.csv?as_of=yesterday", plan_id());
	r = http_get(path, reader);
	assert_problem(r, 400, "?as_of");
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/exports/plans/%lld.csv", plan_id());
	r = http_get(path, NULL);
	assert_problem(r, 401, NULL);
	http_resp_free(r);
}
END_TEST

/* The text of one member of a zip archive, read with unzip(1); caller frees. */
static char *unzip_member(const char *file, const char *member)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'", file, member);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, out);
	fclose(out);
	pclose(p);
	return text;
}

START_TEST(xlsx_export)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/exports/plans/%lld.xlsx?as_of=2026-11-27", plan_id());
	struct http_resp *r = get_ok(path);
	char ct[128];
	ck_assert_str_eq(http_resp_header(r, "Content-Type", ct, sizeof(ct)),
	                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	ck_assert(r->len > 4 && memcmp(r->body, "PK\x03\x04", 4) == 0);
	char file[] = "/tmp/zeren-test-XXXXXX";
	int fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, r->body, r->len), (ssize_t)r->len);
	close(fd);
	http_resp_free(r);

	char *strings = unzip_member(file, "xl/sharedStrings.xml");
	for (int m = 0; m < 17; m++)
		ck_assert_msg(strstr(strings, measure_titles[m]) != NULL, "measure %d missing",
		              m + 1);
	ck_assert_ptr_nonnull(strstr(strings, "相关责任单位"));
	ck_assert_ptr_nonnull(strstr(strings, "红色"));
	char *workbook = unzip_member(file, "xl/workbook.xml");
	ck_assert_ptr_nonnull(strstr(workbook, "name=\"责任清单\""));
	ck_assert_ptr_nonnull(strstr(workbook, "name=\"单位记分卡\""));
	char *sheet1 = unzip_member(file, "xl/worksheets/sheet1.xml");
	ck_assert_ptr_nonnull(strstr(sheet1, "state=\"frozen\""));
	ck_assert_ptr_nonnull(strstr(sheet1, "<mergeCell ref=\"A3:A8\"/>")); /* task （一） */
	char *sheet2 = unzip_member(file, "xl/worksheets/sheet2.xml");
	ck_assert_ptr_nonnull(strstr(sheet2, "<row r=\"2\""));
	char *styles = unzip_member(file, "xl/styles.xml");
	ck_assert_ptr_nonnull(strstr(styles, "FFFFC7CE")); /* the red fill */
	free(strings);
	free(workbook);
	free(sheet1);
	free(sheet2);
	free(styles);
	unlink(file);
}
END_TEST

START_TEST(inputs_are_validated)
{
	struct {
		const char *path;
		int status;
		const char *pointer;
	} cases[] = {
	        {"/v1/reports/summary?as_of=2026-13-01", 400, "?as_of"},
	        {"/v1/reports/summary?as_of=2026-1-1", 400, "?as_of"},
	        {"/v1/reports/summary?plan_id=999999", 404, "?plan_id"},
	        {"/v1/reports/summary?plan_id=abc", 400, "?plan_id"},
	        {"/v1/reports/summary?colour=red", 400, "?colour"},
	        {"/v1/reports/summary?include=approved", 400, "?include"},
	        {"/v1/reports/overdue?as_of=20261127", 400, "?as_of"},
	        {"/v1/reports/overdue?unit=no-such-unit", 404, "?unit"},
	        {"/v1/reports/overdue?unit=Not%20A%20Code", 400, "?unit"},
	        {"/v1/reports/overdue?plan_id=999999", 404, "?plan_id"},
	        {"/v1/reports/overdue?sort=deadline", 400, "?sort"},
	        {"/v1/reports/units/1?as_of=2026-02-30", 400, "?as_of"},
	        {"/v1/reports/units/1?unit=hrss", 400, "?unit"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_resp *r = http_get(cases[i].path, reader);
		assert_problem(r, cases[i].status, cases[i].pointer);
		http_resp_free(r);
	}
	struct http_resp *r = http_get("/v1/reports/summary", NULL);
	assert_problem(r, 401, NULL);
	http_resp_free(r);
	r = http_call("POST", "/v1/reports/summary", reader, NULL, NULL, 0, NULL);
	assert_problem(r, 405, NULL);
	http_resp_free(r);
	/* every role reads reports */
	char *reporter = harness_token("rep-1", ROLE_REPORTER, "hrss");
	r = http_get("/v1/reports/summary?as_of=2026-11-27", reporter);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	free(reporter);
}
END_TEST

Suite *reports_suite(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("reports");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, rep_setup, rep_teardown);
	tcase_add_test(tc, no_reports_every_past_deadline_is_overdue_and_red);
	tcase_add_test(tc, meeting_measure_17_turns_it_green_and_off_the_overdue_list);
	tcase_add_test(tc, only_approved_values_count_unless_submitted_included);
	tcase_add_test(tc, sums_over_units_periods_and_review_changes);
	tcase_add_test(tc, latest_from_the_accountable_unit_and_share_of);
	tcase_add_test(tc, overdue_list_pages_with_cursors);
	tcase_add_test(tc, unit_scorecard);
	tcase_add_test(tc, measure_targets_gain_progress_with_as_of);
	tcase_add_test(tc, csv_export);
	tcase_add_test(tc, xlsx_export);
	tcase_add_test(tc, inputs_are_validated);
	suite_add_tcase(s, tc);
	return s;
}
