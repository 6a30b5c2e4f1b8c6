/* test_report.c — service/report.c: dates, windows, every comparator, kind and timing, the
 * colour rules and their edges, roll-ups, reporting periods and the JSON shapes. */
#include "report.h"

#include <check.h>
#include <math.h>
#include <string.h>

static report_day day(const char *text)
{
	report_day d = 0;
	ck_assert_msg(report_date_parse(text, &d) == 0, "%s refused", text);
	return d;
}

static void assert_day(report_day d, const char *want)
{
	char got[11];
	report_date_format(d, got);
	ck_assert_str_eq(got, want);
}

/* A deadline target with plan start 2021-01-01. */
static struct report_target deadline_target(enum report_comparator c, double value,
                                            const char *deadline)
{
	struct report_target t;
	memset(&t, 0, sizeof(t));
	t.comparator = c;
	t.kind = REPORT_QUANTITY;
	t.value = value;
	t.recurrence = REPORT_ONCE;
	t.deadline = day(deadline);
	return t;
}

static struct report_result eval_tol(const struct report_target *t, const char *as_of,
                                     int has_actual, double actual, int tolerance)
{
	struct report_input in = {has_actual, actual, 0, 0};
	struct report_result r;
	report_evaluate(t, day("2021-01-01"), day(as_of), &in, tolerance, &r);
	return r;
}

static struct report_result eval(const struct report_target *t, const char *as_of, int has_actual,
                                 double actual)
{
	return eval_tol(t, as_of, has_actual, actual, 10);
}

static void assert_colour(const struct report_result *r, enum report_colour c,
                          enum report_reason why)
{
	ck_assert_msg(r->colour == c && r->reason == why, "got %s/%s, want %s/%s",
	              report_colour_name(r->colour), report_reason_name(r->reason),
	              report_colour_name(c), report_reason_name(why));
}

START_TEST(dates_parse_strictly_and_round_trip)
{
	const char *good[] = {"1970-01-01", "2000-02-29", "2024-02-29",
	                      "2022-12-31", "1900-01-01", "9999-12-31"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_day(day(good[i]), good[i]);
	ck_assert_int_eq(day("1970-01-01"), 0);
	ck_assert_int_eq(day("2022-01-01") - day("2021-01-01"), 365);
	const char *bad[] = {"2023-02-29",    "1900-02-29", "2022-13-01", "2022-00-10",
	                     "2022-04-31",    "2022-4-01",  "22-04-01",   "2022/04/01",
	                     "2022-04-01T00", "",           "1899-12-31", "abcd-ef-gh",
	                     "2022-04-0a"};
	report_day d;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(report_date_parse(bad[i], &d) != 0, "%s accepted", bad[i]);
	ck_assert_int_ne(report_date_parse(NULL, &d), 0);
}
END_TEST

START_TEST(codes_parse)
{
	enum report_comparator c;
	enum report_kind k;
	enum report_recurrence r;
	enum report_cadence ca;
	ck_assert_int_eq(report_comparator_parse("gt", &c), 0);
	ck_assert_int_eq(c, REPORT_GT);
	ck_assert_int_ne(report_comparator_parse("ge", &c), 0);
	ck_assert_int_eq(report_kind_parse("milestone", &k), 0);
	ck_assert_int_eq(k, REPORT_MILESTONE);
	ck_assert_int_eq(report_recurrence_parse(NULL, &r), 0);
	ck_assert_int_eq(r, REPORT_ONCE);
	ck_assert_int_eq(report_recurrence_parse("biennial", &r), 0);
	ck_assert_int_eq(r, REPORT_BIENNIAL);
	ck_assert_int_ne(report_recurrence_parse("monthly", &r), 0);
	ck_assert_int_eq(report_cadence_parse("half", &ca), 0);
	ck_assert_int_eq(ca, REPORT_HALF);
	ck_assert_str_eq(report_colour_name(REPORT_BLUE), "blue");
	ck_assert_str_eq(report_reason_name(REPORT_WITHIN_TOLERANCE), "within_tolerance");
}
END_TEST

START_TEST(windows_of_deadline_annual_biennial)
{
	struct report_window w;
	struct report_target t = deadline_target(REPORT_GTE, 5, "2022-12-31");
	report_window_of(&t, day("2021-01-01"), day("2026-11-27"), &w);
	assert_day(w.start, "2021-01-01");
	assert_day(w.end, "2022-12-31");
	/* a deadline before the plan's start: a one-day window, not a negative one */
	report_window_of(&t, day("2023-06-01"), day("2026-11-27"), &w);
	assert_day(w.start, "2022-12-31");

	t.recurrence = REPORT_ANNUAL;
	t.recurrence_start = day("2021-01-01");
	report_window_of(&t, day("2021-01-01"), day("2026-11-27"), &w);
	assert_day(w.start, "2026-01-01");
	assert_day(w.end, "2026-12-31");
	t.recurrence_start = day("2021-07-01");
	report_window_of(&t, day("2021-01-01"), day("2021-09-01"), &w);
	assert_day(w.start, "2021-07-01"); /* no earlier than recurrence_start */
	assert_day(w.end, "2021-12-31");
	report_window_of(&t, day("2021-01-01"), day("2021-03-01"), &w);
	assert_day(w.start, "2021-07-01"); /* before it starts: the first window */
	report_window_of(&t, day("2021-01-01"), day("2022-01-01"), &w);
	assert_day(w.start, "2022-01-01");
	assert_day(w.end, "2022-12-31");

	t.recurrence = REPORT_BIENNIAL;
	t.recurrence_start = day("2021-01-01");
	const char *cases[][3] = {{"2021-01-01", "2021-01-01", "2022-12-31"},
	                          {"2022-12-31", "2021-01-01", "2022-12-31"},
	                          {"2023-01-01", "2023-01-01", "2024-12-31"},
	                          {"2026-11-27", "2025-01-01", "2026-12-31"},
	                          {"2020-05-05", "2021-01-01", "2022-12-31"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		report_window_of(&t, day("2021-01-01"), day(cases[i][0]), &w);
		assert_day(w.start, cases[i][1]);
		assert_day(w.end, cases[i][2]);
	}
	t.recurrence_start = day("2021-03-15");
	report_window_of(&t, day("2021-01-01"), day("2023-03-14"), &w);
	assert_day(w.start, "2021-03-15");
	assert_day(w.end, "2023-03-14");
	report_window_of(&t, day("2021-01-01"), day("2023-03-15"), &w);
	assert_day(w.start, "2023-03-15");
	assert_day(w.end, "2025-03-14");
	t.recurrence_start = day("2020-02-29"); /* a leap day start lands on 28 February */
	report_window_of(&t, day("2020-01-01"), day("2022-03-01"), &w);
	assert_day(w.start, "2022-02-28");
}
END_TEST

START_TEST(comparators_at_and_around_the_value)
{
	struct {
		enum report_comparator c;
		double actual;
		int met;
	} cases[] = {
	        {REPORT_GTE, 5, 1},        {REPORT_GTE, 4.999, 0}, {REPORT_GTE, 6, 1},
	        {REPORT_GT, 5, 0},         {REPORT_GT, 5.001, 1},  {REPORT_GT, 4, 0},
	        {REPORT_LTE, 5, 1},        {REPORT_LTE, 5.001, 0}, {REPORT_LTE, 0, 1},
	        {REPORT_LT, 5, 0},         {REPORT_LT, 4.999, 1},  {REPORT_EQ, 5, 1},
	        {REPORT_EQ, 5.0000001, 0}, {REPORT_EQ, 4, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_target t = deadline_target(cases[i].c, 5, "2022-12-31");
		struct report_result r = eval(&t, "2022-06-30", 1, cases[i].actual);
		ck_assert_msg(r.met == cases[i].met, "case %zu: met %d", i, r.met);
	}
	/* 超过 10000: exactly 10000 is not met, even on the deadline; the day after, overdue */
	struct report_target t = deadline_target(REPORT_GT, 10000, "2025-12-31");
	struct report_result r = eval(&t, "2025-12-31", 1, 10000);
	ck_assert(!r.met && !r.overdue);
	ck_assert_double_eq_tol(r.achievement, 1.0, 1e-12);
	r = eval(&t, "2026-01-01", 1, 10000);
	ck_assert(!r.met && r.overdue);
	assert_colour(&r, REPORT_RED, REPORT_OVERDUE);
	ck_assert_double_eq(r.gap, 0.0);
	r = eval(&t, "2026-01-01", 1, 10001);
	ck_assert(r.met && !r.overdue);
	assert_colour(&r, REPORT_GREEN, REPORT_MET);
}
END_TEST

START_TEST(exactly_at_the_target)
{
	struct report_target t = deadline_target(REPORT_GTE, 5, "2022-12-31");
	struct report_result r = eval(&t, "2022-06-30", 1, 5);
	ck_assert(r.met);
	ck_assert_double_eq(r.achievement, 1.0);
	ck_assert_double_eq(r.gap, 0.0);
	assert_colour(&r, REPORT_BLUE, REPORT_MET_EARLY);
	/* rounding from a ratio does not make an exact target miss */
	struct report_target share = deadline_target(REPORT_EQ, 80, "2022-12-31");
	share.kind = REPORT_PERCENTAGE;
	share.share_of = 1;
	struct report_input in = {1, 12000, 1, 15000};
	report_evaluate(&share, day("2021-01-01"), day("2022-06-30"), &in, 10, &r);
	ck_assert(r.met);
	ck_assert_double_eq_tol(r.actual, 80.0, 1e-9);
}
END_TEST

START_TEST(a_deadline_today)
{
	struct report_target t = deadline_target(REPORT_GTE, 100, "2022-12-31");
	struct report_result r = eval(&t, "2022-12-31", 1, 100);
	ck_assert(r.met && !r.overdue);
	ck_assert_double_eq(r.expected, 1.0);
	assert_colour(&r, REPORT_GREEN, REPORT_MET); /* met, but not before the last day */
	r = eval(&t, "2022-12-31", 1, 95);
	ck_assert(!r.met && !r.overdue); /* due today is not yet overdue */
	assert_colour(&r, REPORT_YELLOW, REPORT_WITHIN_TOLERANCE);
	r = eval(&t, "2022-12-31", 1, 50);
	assert_colour(&r, REPORT_RED, REPORT_BEHIND);
	ck_assert(!r.overdue);
	r = eval(&t, "2023-01-01", 1, 95);
	ck_assert(r.overdue);
	ck_assert_int_eq(r.days_overdue, 1);
	assert_colour(&r, REPORT_RED, REPORT_OVERDUE);
	ck_assert_double_eq(r.gap, 5.0);
}
END_TEST

START_TEST(expected_progress_and_tolerance)
{
	/* 2021-01-01 .. 2022-12-31 is 730 days; by 2021-12-31 365 have passed */
	struct report_target t = deadline_target(REPORT_GTE, 1000, "2022-12-31");
	struct report_result r = eval(&t, "2021-12-31", 1, 550);
	ck_assert_double_eq_tol(r.expected, 0.5, 1e-12);
	assert_colour(&r, REPORT_GREEN, REPORT_ON_TRACK);
	r = eval(&t, "2021-12-31", 1, 500);
	assert_colour(&r, REPORT_GREEN, REPORT_ON_TRACK); /* exactly at expected */
	r = eval(&t, "2021-12-31", 1, 400);
	assert_colour(&r, REPORT_YELLOW, REPORT_WITHIN_TOLERANCE); /* exactly 10 points */
	r = eval(&t, "2021-12-31", 1, 399);
	assert_colour(&r, REPORT_RED, REPORT_BEHIND);
	r = eval_tol(&t, "2021-12-31", 1, 450, 0);
	assert_colour(&r, REPORT_RED, REPORT_BEHIND);
	r = eval_tol(&t, "2021-12-31", 1, 150, 40);
	assert_colour(&r, REPORT_YELLOW, REPORT_WITHIN_TOLERANCE);
	ck_assert_int_eq(r.tolerance_points, 40);
	/* the first day counts as elapsed; before the window nothing is expected */
	r = eval(&t, "2021-01-01", 0, 0);
	ck_assert_double_eq_tol(r.expected, 1.0 / 730.0, 1e-12);
	struct report_input in = {0, 0, 0, 0};
	report_evaluate(&t, day("2021-01-01"), day("2020-06-01"), &in, 10, &r);
	ck_assert_double_eq(r.expected, 0.0);
	assert_colour(&r, REPORT_GREEN, REPORT_ON_TRACK);
	r = eval(&t, "2030-01-01", 0, 0);
	ck_assert_double_eq(r.expected, 1.0);
}
END_TEST

START_TEST(no_reports_and_only_returned_reports)
{
	/* The database counts approved (and optionally submitted) values only, so a target
	 * whose reports were all returned arrives exactly like one with no reports. */
	struct report_target t = deadline_target(REPORT_GTE, 5, "2022-12-31");
	struct report_result r = eval(&t, "2021-01-20", 0, 0);
	ck_assert(!r.has_actual && !r.has_achievement && !r.met && !r.overdue);
	ck_assert(r.has_gap);
	ck_assert_double_eq(r.gap, 5.0);
	assert_colour(&r, REPORT_YELLOW, REPORT_WITHIN_TOLERANCE); /* 20 of 730 days */
	r = eval(&t, "2022-03-01", 0, 0);
	assert_colour(&r, REPORT_RED, REPORT_BEHIND);
	r = eval(&t, "2026-11-27", 0, 0);
	ck_assert(r.overdue);
	assert_colour(&r, REPORT_RED, REPORT_OVERDUE);
	ck_assert_int_eq(r.days_overdue, (int)(day("2026-11-27") - day("2022-12-31")));
	/* a value of 0 reported is data: achievement 0, still not met */
	r = eval(&t, "2026-11-27", 1, 0);
	ck_assert(r.has_actual && r.has_achievement && !r.met);
}
END_TEST

START_TEST(share_of_targets)
{
	struct report_target t;
	memset(&t, 0, sizeof(t));
	t.comparator = REPORT_GTE;
	t.kind = REPORT_PERCENTAGE;
	t.value = 80;
	t.recurrence = REPORT_ANNUAL;
	t.recurrence_start = day("2021-01-01");
	t.share_of = 1;
	struct report_result r;
	struct report_input in = {1, 12600, 1, 15000};
	report_evaluate(&t, day("2021-01-01"), day("2026-06-30"), &in, 10, &r);
	ck_assert(r.has_actual && r.met);
	ck_assert_double_eq_tol(r.actual, 84.0, 1e-9);
	ck_assert_double_eq_tol(r.achievement, 1.05, 1e-9);
	assert_colour(&r, REPORT_BLUE, REPORT_MET_EARLY);
	/* base zero, base missing, own missing: no actual */
	struct report_input zero = {1, 10, 1, 0}, nobase = {1, 10, 0, 0}, noown = {0, 0, 1, 100};
	report_evaluate(&t, day("2021-01-01"), day("2026-06-30"), &zero, 10, &r);
	ck_assert(!r.has_actual && !r.met && !r.has_achievement);
	report_evaluate(&t, day("2021-01-01"), day("2026-06-30"), &nobase, 10, &r);
	ck_assert(!r.has_actual);
	report_evaluate(&t, day("2021-01-01"), day("2026-06-30"), &noown, 10, &r);
	ck_assert(!r.has_actual);
	/* recurring targets are never overdue, even on the window's last day unmet */
	report_evaluate(&t, day("2021-01-01"), day("2026-12-31"), &zero, 10, &r);
	ck_assert(!r.overdue);
	assert_colour(&r, REPORT_RED, REPORT_BEHIND);
	json_t *j = report_result_json(&t, &zero, &r);
	ck_assert(json_is_null(json_object_get(j, "actual")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "share_base")), 0);
	json_decref(j);
}
END_TEST

START_TEST(milestones)
{
	struct report_target t = deadline_target(REPORT_GTE, 1, "2022-12-31");
	t.kind = REPORT_MILESTONE;
	struct report_result r = eval(&t, "2022-03-01", 1, 1);
	ck_assert(r.met);
	assert_colour(&r, REPORT_BLUE, REPORT_MET_EARLY);
	r = eval(&t, "2022-11-30", 1, 0);
	assert_colour(&r, REPORT_YELLOW, REPORT_MILESTONE_PENDING); /* not red half-way */
	r = eval(&t, "2022-12-31", 0, 0);
	assert_colour(&r, REPORT_YELLOW, REPORT_MILESTONE_PENDING);
	r = eval(&t, "2023-01-01", 0, 0);
	assert_colour(&r, REPORT_RED, REPORT_OVERDUE);
	r = eval(&t, "2023-06-01", 1, 1); /* done late: met, no longer overdue */
	assert_colour(&r, REPORT_GREEN, REPORT_MET);
}
END_TEST

START_TEST(limits_lte_lt_eq_above)
{
	struct report_target t = deadline_target(REPORT_LTE, 5, "2022-12-31");
	struct report_result r = eval(&t, "2022-06-30", 1, 4);
	assert_colour(&r, REPORT_GREEN, REPORT_MET); /* a limit kept is not "early" */
	r = eval(&t, "2022-06-30", 1, 5.4);
	assert_colour(&r, REPORT_YELLOW, REPORT_OVER_LIMIT_WITHIN_TOLERANCE);
	ck_assert_double_eq_tol(r.gap, 0.4, 1e-9);
	r = eval(&t, "2022-06-30", 1, 6);
	assert_colour(&r, REPORT_RED, REPORT_OVER_LIMIT);
	t.comparator = REPORT_LT;
	r = eval(&t, "2022-06-30", 1, 5);
	ck_assert(!r.met);
	assert_colour(&r, REPORT_YELLOW, REPORT_OVER_LIMIT_WITHIN_TOLERANCE);
	t.comparator = REPORT_EQ;
	r = eval(&t, "2022-06-30", 1, 7);
	assert_colour(&r, REPORT_RED, REPORT_OVER_LIMIT);
	ck_assert_double_eq(r.gap, 2.0);
	r = eval(&t, "2022-06-30", 1, 4); /* below an exact value: progress towards it */
	assert_colour(&r, REPORT_GREEN, REPORT_ON_TRACK);
	r = eval(&t, "2023-06-30", 1, 7);
	assert_colour(&r, REPORT_RED, REPORT_OVERDUE);
	/* a zero value: achievement is undefined but met still works */
	struct report_target z = deadline_target(REPORT_LTE, 0, "2022-12-31");
	r = eval(&z, "2022-06-30", 1, 0);
	ck_assert(r.met && !r.has_achievement);
	r = eval(&z, "2022-06-30", 1, 1);
	assert_colour(&r, REPORT_RED, REPORT_OVER_LIMIT);
}
END_TEST

START_TEST(counts_and_worst_colour)
{
	struct report_counts c;
	memset(&c, 0, sizeof(c));
	enum report_colour w;
	ck_assert_int_eq(report_counts_worst(&c, &w), 0);
	struct report_target t = deadline_target(REPORT_GTE, 5, "2022-12-31");
	struct report_result blue = eval(&t, "2022-06-30", 1, 5);
	struct report_result red = eval(&t, "2026-11-27", 0, 0);
	report_counts_add(&c, &blue);
	ck_assert_int_eq(report_counts_worst(&c, &w), 1);
	ck_assert_int_eq(w, REPORT_BLUE);
	report_counts_add(&c, &red);
	report_counts_worst(&c, &w);
	ck_assert_int_eq(w, REPORT_RED);
	ck_assert_int_eq(c.total, 2);
	ck_assert_int_eq(c.met, 1);
	ck_assert_int_eq(c.overdue, 1);
	ck_assert_int_eq(c.no_data, 1);
	json_t *j = report_counts_json(&c);
	ck_assert_int_eq(
	        json_integer_value(json_object_get(json_object_get(j, "by_colour"), "red")), 1);
	json_decref(j);
}
END_TEST

START_TEST(periods_of_each_cadence)
{
	struct report_period p;
	report_period_containing(REPORT_QUARTER, day("2022-08-15"), 15, &p);
	ck_assert_str_eq(p.label, "2022-Q3");
	assert_day(p.start, "2022-07-01");
	assert_day(p.end, "2022-09-30");
	assert_day(p.due, "2022-10-15");
	report_period_containing(REPORT_MONTH, day("2024-02-10"), 0, &p);
	ck_assert_str_eq(p.label, "2024-02");
	assert_day(p.end, "2024-02-29");
	report_period_containing(REPORT_HALF, day("2022-07-01"), 30, &p);
	ck_assert_str_eq(p.label, "2022-H2");
	assert_day(p.due, "2023-01-30");
	report_period_containing(REPORT_YEAR, day("2022-07-01"), 0, &p);
	ck_assert_str_eq(p.label, "2022");

	ck_assert(report_current_period(REPORT_QUARTER, 15, day("2021-01-01"), day("2026-11-27"),
	                                &p));
	ck_assert_str_eq(p.label, "2026-Q3");
	ck_assert(report_current_period(REPORT_QUARTER, 15, day("2021-01-01"), day("2026-10-15"),
	                                &p));
	ck_assert_str_eq(p.label, "2026-Q3"); /* due today */
	ck_assert(report_current_period(REPORT_QUARTER, 15, day("2021-01-01"), day("2026-10-14"),
	                                &p));
	ck_assert_str_eq(p.label, "2026-Q2");
	ck_assert(!report_current_period(REPORT_QUARTER, 15, day("2021-01-01"), day("2021-04-14"),
	                                 &p));

	struct report_period list[40];
	size_t n =
	        report_periods(REPORT_QUARTER, 15, day("2021-01-01"), day("2026-11-27"), list, 40);
	ck_assert_uint_eq(n, 23);
	ck_assert_str_eq(list[0].label, "2021-Q1");
	ck_assert_str_eq(list[22].label, "2026-Q3");
	n = report_periods(REPORT_QUARTER, 15, day("2021-01-01"), day("2026-11-27"), list, 4);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(list[0].label, "2025-Q4"); /* the latest are kept */
	ck_assert_str_eq(list[3].label, "2026-Q3");
	/* a plan starting mid-period still reports for that period */
	n = report_periods(REPORT_YEAR, 0, day("2021-06-01"), day("2023-01-01"), list, 40);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].label, "2021");
}
END_TEST

START_TEST(json_shapes)
{
	json_t *n = report_number_json(5.0);
	ck_assert(json_is_integer(n));
	json_decref(n);
	n = report_number_json(0.8333333333);
	ck_assert(json_is_real(n));
	ck_assert_double_eq_tol(json_real_value(n), 0.833333, 1e-12);
	json_decref(n);
	n = report_number_json(NAN);
	ck_assert(json_is_null(n));
	json_decref(n);

	struct report_target t = deadline_target(REPORT_GTE, 5, "2022-12-31");
	struct report_input in = {1, 5, 0, 0};
	struct report_result r;
	report_evaluate(&t, day("2021-01-01"), day("2026-11-27"), &in, 10, &r);
	json_t *j = report_result_json(&t, &in, &r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "colour")), "green");
	ck_assert_str_eq(json_string_value(json_object_get(j, "rule")), "met");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "window"), "start")),
	                 "2021-01-01");
	ck_assert(json_is_true(json_object_get(j, "met")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "tolerance_points")), 10);
	ck_assert_ptr_null(json_object_get(j, "share_base"));
	json_decref(j);
	j = report_rules_json(7);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "tolerance_points")), 7);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(j, "colours"), "yellow"));
	json_decref(j);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, dates_parse_strictly_and_round_trip);
	tcase_add_test(tc, codes_parse);
	tcase_add_test(tc, windows_of_deadline_annual_biennial);
	tcase_add_test(tc, comparators_at_and_around_the_value);
	tcase_add_test(tc, exactly_at_the_target);
	tcase_add_test(tc, a_deadline_today);
	tcase_add_test(tc, expected_progress_and_tolerance);
	tcase_add_test(tc, no_reports_and_only_returned_reports);
	tcase_add_test(tc, share_of_targets);
	tcase_add_test(tc, milestones);
	tcase_add_test(tc, limits_lte_lt_eq_above);
	tcase_add_test(tc, counts_and_worst_colour);
	tcase_add_test(tc, periods_of_each_cadence);
	tcase_add_test(tc, json_shapes);
	suite_add_tcase(s, tc);
	return s;
}
