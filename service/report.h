/* report.h — the rules of reporting, pure: target windows, actual, achievement, met,
 * expected progress (序时进度), status colour, overdue, roll-ups and reporting periods. No
 * database and no clock; dates are day numbers so every edge can be unit-tested.
 *
 * The rules, as documented in api/openapi.yaml (ReportRules):
 * - Window. A target with a deadline runs from the plan's start to the deadline. An annual
 *   target runs over the calendar year containing as_of, starting no earlier than its
 *   recurrence_start; a biennial one over the two-year window, counted from recurrence_start,
 *   that contains as_of. Before recurrence_start the first window applies. All inclusive.
 * - Actual. Computed by the database from the window (see sql/report.sql); here it arrives
 *   as "own" and, for a share-of target, "base": actual = own ÷ base × 100, none when either
 *   is missing or the base is 0.
 * - Achievement = actual ÷ value (none without an actual or when the value is 0).
 * - Met by the comparator (gte ≥, gt >, lte ≤, lt <, eq =), with a relative tolerance of 1e-9
 *   for rounding only: exactly 10000 against gt 10000 is not met.
 * - Expected progress = elapsed inclusive days of the window ÷ its days, clamped to 0..1
 *   (1 on and after the last day).
 * - Overdue = a deadline target whose deadline is before as_of and which is not met.
 *   Recurring targets are judged on their current window only and are never overdue.
 * - Colour, first rule that applies:
 *   blue   met before the window's last day (completed early; gte/gt/eq and milestones);
 *   green  met;
 *   red    overdue;
 *   yellow a milestone (value 1 = done) not yet done and not overdue;
 *   then, for targets to reach (gte, gt, eq below the value) and targets with no actual,
 *   the shortfall in points = (expected − achievement) × 100, achievement 0 without data:
 *   green  shortfall ≤ 0 (at or above expected progress);
 *   yellow shortfall ≤ tolerance points (ZEREN_REPORT_TOLERANCE, default 10);
 *   red    further behind;
 *   and for limits (lte, lt, eq above the value) the excess in points = (actual ÷ value − 1) ×
 *   100: yellow within the tolerance, red beyond it.
 * - Roll-ups: a measure takes its worst target colour (red > yellow > green > blue). */
#ifndef ZEREN_REPORT_H
#define ZEREN_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "domain.h"

/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
typedef long report_day;

/* Strict YYYY-MM-DD of a real date, years 1900..9999: 0, or -1. */
int report_date_parse(const char *text, report_day *out) __attribute__((warn_unused_result));
void report_date_format(report_day day, char out[11]);
report_day report_day_from_ymd(int year, int month, int day);
void report_ymd_from_day(report_day d, int *year, int *month, int *day);

/* The domain's words (domain.h) under the names the rules use; the parsers below read the
 * domain's lists, so a word and its value cannot drift apart. */
enum report_comparator {
	REPORT_GTE = DOMAIN_CMP_GTE,
	REPORT_GT = DOMAIN_CMP_GT,
	REPORT_LTE = DOMAIN_CMP_LTE,
	REPORT_LT = DOMAIN_CMP_LT,
	REPORT_EQ = DOMAIN_CMP_EQ
};
enum report_kind {
	REPORT_QUANTITY = DOMAIN_TARGET_QUANTITY,
	REPORT_PERCENTAGE = DOMAIN_TARGET_PERCENTAGE,
	REPORT_MILESTONE = DOMAIN_TARGET_MILESTONE
};
/* One-off (a deadline) or one of domain_recurrences, shifted by one. */
enum report_recurrence {
	REPORT_ONCE,
	REPORT_ANNUAL = 1 + DOMAIN_RECUR_ANNUAL,
	REPORT_BIENNIAL = 1 + DOMAIN_RECUR_BIENNIAL
};
enum report_cadence {
	REPORT_MONTH = DOMAIN_CADENCE_MONTH,
	REPORT_QUARTER = DOMAIN_CADENCE_QUARTER,
	REPORT_HALF = DOMAIN_CADENCE_HALF,
	REPORT_YEAR = DOMAIN_CADENCE_YEAR
};

/* Ordered from best to worst, so the worst of a set is the largest. */
enum report_colour { REPORT_BLUE, REPORT_GREEN, REPORT_YELLOW, REPORT_RED, REPORT_COLOUR_COUNT };

/* Which rule gave the colour; returned with every result as "rule". */
enum report_reason {
	REPORT_MET_EARLY,
	REPORT_MET,
	REPORT_OVERDUE,
	REPORT_MILESTONE_PENDING,
	REPORT_ON_TRACK,
	REPORT_WITHIN_TOLERANCE,
	REPORT_BEHIND,
	REPORT_OVER_LIMIT_WITHIN_TOLERANCE,
	REPORT_OVER_LIMIT,
	REPORT_REASON_COUNT
};

/* Parsers of the database's text codes: 0, or -1 for an unknown code. */
int report_comparator_parse(const char *s, enum report_comparator *out)
        __attribute__((warn_unused_result));
int report_kind_parse(const char *s, enum report_kind *out) __attribute__((warn_unused_result));
/* NULL or "" is REPORT_ONCE. */
int report_recurrence_parse(const char *s, enum report_recurrence *out)
        __attribute__((warn_unused_result));
int report_cadence_parse(const char *s, enum report_cadence *out)
        __attribute__((warn_unused_result));

const char *report_colour_name(enum report_colour c);
const char *report_reason_name(enum report_reason r);

struct report_target {
	enum report_comparator comparator;
	enum report_kind kind;
	double value;
	enum report_recurrence recurrence;
	report_day deadline;         /* REPORT_ONCE */
	report_day recurrence_start; /* REPORT_ANNUAL, REPORT_BIENNIAL */
	int share_of;                /* a share of another target's actual, in % */
};

/* Both days inclusive. */
struct report_window {
	report_day start, end;
};

/* The target's window as of as_of. */
void report_window_of(const struct report_target *t, report_day plan_start, report_day as_of,
                      struct report_window *out);

/* What the database aggregated over the window (up to as_of). */
struct report_input {
	int has_own; /* 0: no counted report carries a value for the target */
	double own;
	int has_base; /* share-of targets: the referenced target's aggregate, same window */
	double base;
};

struct report_result {
	struct report_window window;
	int has_actual;
	double actual;
	int has_achievement;
	double achievement; /* actual ÷ value */
	int met;
	double expected; /* 0..1 */
	enum report_colour colour;
	enum report_reason reason;
	int overdue;
	int has_gap;
	double gap; /* distance to the value in the comparator's direction, ≥ 0 */
	int days_overdue;
	int tolerance_points;
};

void report_evaluate(const struct report_target *t, report_day plan_start, report_day as_of,
                     const struct report_input *in, int tolerance_points,
                     struct report_result *out);

/* Counts of a set of results (targets of a measure, of a task, ...). */
struct report_counts {
	int total;
	int colour[REPORT_COLOUR_COUNT];
	int met;
	int overdue;
	int no_data;
};

void report_counts_add(struct report_counts *c, const struct report_result *r);
/* The worst colour counted: 1 and *out set, or 0 when the set is empty. */
int report_counts_worst(const struct report_counts *c, enum report_colour *out);

/* A reporting period of a plan's cadence: label as stored on progress records. */
struct report_period {
	char label[12]; /* 2022, 2022-H1, 2022-Q3, 2022-07 */
	report_day start, end;
	report_day due; /* end + the plan's report_due_days */
};

void report_period_containing(enum report_cadence c, report_day day, int due_days,
                              struct report_period *out);
/* The latest period that ends on or after plan_start and whose reports are due by as_of:
 * 1 and *out set, or 0 when none is due yet. */
int report_current_period(enum report_cadence c, int due_days, report_day plan_start,
                          report_day as_of, struct report_period *out);
/* Every period from the one containing plan_start to the current one, oldest first, keeping
 * the latest max when there are more. Returns how many were written. */
size_t report_periods(enum report_cadence c, int due_days, report_day plan_start, report_day as_of,
                      struct report_period *out, size_t max);

/* JSON. Numbers are rounded to 6 decimals; callers own the returned objects. */
json_t *report_number_json(double v);
/* {window, actual, achievement, met, expected, colour, rule, overdue, gap, ...}. base is the
 * base aggregate of a share-of target (ignored otherwise). */
json_t *report_result_json(const struct report_target *t, const struct report_input *in,
                           const struct report_result *r);
/* {total, by_colour, met, overdue, no_data}. */
json_t *report_counts_json(const struct report_counts *c);
/* The rules and thresholds, returned once with every report. */
json_t *report_rules_json(int tolerance_points);

#endif
