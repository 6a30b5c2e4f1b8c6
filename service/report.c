/* report.c — the pure rules of reporting; see report.h for the rules themselves. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* --- dates --- */

/* Howard Hinnant's days_from_civil / civil_from_days. */
report_day report_day_from_ymd(int year, int month, int day)
{
	long y = (long)year - (month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (month + 9) % 12;
	long doy = (153 * mp + 2) / 5 + day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void report_ymd_from_day(report_day d, int *year, int *month, int *day)
{
	long z = d + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long mm = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)(yoe + era * 400 + (mm <= 2));
	*month = (int)mm;
	*day = (int)dd;
}

static int report_days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

int report_date_parse(const char *text, report_day *out)
{
	if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return -1;
	int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 +
	        (text[3] - '0');
	int m = (text[5] - '0') * 10 + (text[6] - '0');
	int d = (text[8] - '0') * 10 + (text[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > report_days_in_month(y, m))
		return -1;
	*out = report_day_from_ymd(y, m, d);
	return 0;
}

void report_date_format(report_day day, char out[11])
{
	int y, m, d;
	report_ymd_from_day(day, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	         (unsigned)d % 100u);
}

/* --- codes --- */

static const char *const report_colours[] = {"blue", "green", "yellow", "red"};
static const char *const report_reasons[] = {"met_early", "met",
                                             "overdue",   "milestone_pending",
                                             "on_track",  "within_tolerance",
                                             "behind",    "over_limit_within_tolerance",
                                             "over_limit"};

int report_comparator_parse(const char *s, enum report_comparator *out)
{
	int i = domain_lookup(domain_comparators, s);
	if (i < 0)
		return -1;
	*out = (enum report_comparator)i;
	return 0;
}

int report_kind_parse(const char *s, enum report_kind *out)
{
	int i = domain_lookup(domain_target_kinds, s);
	if (i < 0)
		return -1;
	*out = (enum report_kind)i;
	return 0;
}

int report_recurrence_parse(const char *s, enum report_recurrence *out)
{
	if (s == NULL || s[0] == '\0') {
		*out = REPORT_ONCE;
		return 0;
	}
	int i = domain_lookup(domain_recurrences, s);
	if (i < 0)
		return -1;
	*out = (enum report_recurrence)(REPORT_ANNUAL + i);
	return 0;
}

int report_cadence_parse(const char *s, enum report_cadence *out)
{
	int i = domain_lookup(domain_cadences, s);
	if (i < 0)
		return -1;
	*out = (enum report_cadence)i;
	return 0;
}

const char *report_colour_name(enum report_colour c)
{
	return c < REPORT_COLOUR_COUNT ? report_colours[c] : "";
}

const char *report_reason_name(enum report_reason r)
{
	return r < REPORT_REASON_COUNT ? report_reasons[r] : "";
}

/* --- windows and evaluation --- */

static report_day report_add_years(report_day day, int years)
{
	int y, m, d;
	report_ymd_from_day(day, &y, &m, &d);
	y += years;
	if (d > report_days_in_month(y, m))
		d = report_days_in_month(y, m); /* 29 February in a common year */
	return report_day_from_ymd(y, m, d);
}

void report_window_of(const struct report_target *t, report_day plan_start, report_day as_of,
                      struct report_window *out)
{
	int y, m, d;
	switch (t->recurrence) {
	case REPORT_ANNUAL: {
		report_day at = as_of < t->recurrence_start ? t->recurrence_start : as_of;
		report_ymd_from_day(at, &y, &m, &d);
		out->start = report_day_from_ymd(y, 1, 1);
		if (out->start < t->recurrence_start)
			out->start = t->recurrence_start;
		out->end = report_day_from_ymd(y, 12, 31);
		return;
	}
	case REPORT_BIENNIAL: {
		int k = 0;
		if (as_of >= t->recurrence_start) {
			int sy, ay;
			report_ymd_from_day(t->recurrence_start, &sy, &m, &d);
			report_ymd_from_day(as_of, &ay, &m, &d);
			k = (ay - sy) / 2;
			if (k > 0 && report_add_years(t->recurrence_start, 2 * k) > as_of)
				k--;
			while (report_add_years(t->recurrence_start, 2 * (k + 1)) <= as_of)
				k++;
		}
		out->start = report_add_years(t->recurrence_start, 2 * k);
		out->end = report_add_years(t->recurrence_start, 2 * (k + 1)) - 1;
		return;
	}
	case REPORT_ONCE:
	default:
		out->start = plan_start <= t->deadline ? plan_start : t->deadline;
		out->end = t->deadline;
		return;
	}
}

/* Differences this small relative to the value are rounding, not a miss. */
static double report_epsilon(double value)
{
	return 1e-9 * (fabs(value) > 1.0 ? fabs(value) : 1.0);
}

static int report_compare(enum report_comparator c, double actual, double value)
{
	double diff = actual - value, eps = report_epsilon(value);
	switch (c) {
	case REPORT_GTE:
		return diff >= -eps;
	case REPORT_GT:
		return diff > eps;
	case REPORT_LTE:
		return diff <= eps;
	case REPORT_LT:
		return diff < -eps;
	case REPORT_EQ:
	default:
		return fabs(diff) <= eps;
	}
}

/* Targets to reach count up towards their value; limits must stay under it. */
static int report_is_limit(const struct report_target *t, const struct report_result *r)
{
	if (t->comparator == REPORT_LTE || t->comparator == REPORT_LT)
		return 1;
	return t->comparator == REPORT_EQ && r->has_actual && r->actual > t->value;
}

static void report_colour_of(const struct report_target *t, report_day as_of,
                             struct report_result *r)
{
	double tol = (double)r->tolerance_points, eps = 1e-9;
	if (r->met) {
		int early = as_of < r->window.end && !report_is_limit(t, r);
		r->colour = early ? REPORT_BLUE : REPORT_GREEN;
		r->reason = early ? REPORT_MET_EARLY : REPORT_MET;
		return;
	}
	if (r->overdue) {
		r->colour = REPORT_RED;
		r->reason = REPORT_OVERDUE;
		return;
	}
	if (t->kind == REPORT_MILESTONE) {
		r->colour = REPORT_YELLOW;
		r->reason = REPORT_MILESTONE_PENDING;
		return;
	}
	if (r->has_actual && report_is_limit(t, r)) {
		double excess = t->value > 0 ? (r->actual / t->value - 1.0) * 100.0 : HUGE_VAL;
		int near = excess <= tol + eps;
		r->colour = near ? REPORT_YELLOW : REPORT_RED;
		r->reason = near ? REPORT_OVER_LIMIT_WITHIN_TOLERANCE : REPORT_OVER_LIMIT;
		return;
	}
	double progress = r->has_achievement ? r->achievement : 0.0;
	double behind = (r->expected - progress) * 100.0;
	if (behind <= eps) {
		r->colour = REPORT_GREEN;
		r->reason = REPORT_ON_TRACK;
	} else if (behind <= tol + eps) {
		r->colour = REPORT_YELLOW;
		r->reason = REPORT_WITHIN_TOLERANCE;
	} else {
		r->colour = REPORT_RED;
		r->reason = REPORT_BEHIND;
	}
}

static void report_gap_of(const struct report_target *t, struct report_result *r)
{
	if (!r->has_actual) {
		r->has_gap = !report_is_limit(t, r);
		r->gap = t->value;
		return;
	}
	r->has_gap = 1;
	if (t->comparator == REPORT_EQ)
		r->gap = fabs(r->actual - t->value);
	else if (report_is_limit(t, r))
		r->gap = r->actual > t->value ? r->actual - t->value : 0.0;
	else
		r->gap = t->value > r->actual ? t->value - r->actual : 0.0;
	if (r->met)
		r->gap = 0.0;
}

void report_evaluate(const struct report_target *t, report_day plan_start, report_day as_of,
                     const struct report_input *in, int tolerance_points, struct report_result *out)
{
	memset(out, 0, sizeof(*out));
	out->tolerance_points = tolerance_points;
	report_window_of(t, plan_start, as_of, &out->window);

	if (t->share_of) {
		out->has_actual = in->has_own && in->has_base && in->base != 0.0;
		out->actual = out->has_actual ? in->own / in->base * 100.0 : 0.0;
	} else {
		out->has_actual = in->has_own;
		out->actual = in->has_own ? in->own : 0.0;
	}
	out->has_achievement = out->has_actual && t->value != 0.0;
	out->achievement = out->has_achievement ? out->actual / t->value : 0.0;
	out->met = out->has_actual && report_compare(t->comparator, out->actual, t->value);

	double days = (double)(out->window.end - out->window.start + 1);
	double elapsed = (double)(as_of - out->window.start + 1);
	out->expected = elapsed <= 0 ? 0.0 : elapsed >= days ? 1.0 : elapsed / days;

	out->overdue = t->recurrence == REPORT_ONCE && as_of > out->window.end && !out->met;
	out->days_overdue = out->overdue ? (int)(as_of - out->window.end) : 0;
	report_colour_of(t, as_of, out);
	report_gap_of(t, out);
}

/* --- roll-ups --- */

void report_counts_add(struct report_counts *c, const struct report_result *r)
{
	c->total++;
	c->colour[r->colour]++;
	c->met += r->met != 0;
	c->overdue += r->overdue != 0;
	c->no_data += !r->has_actual;
}

int report_counts_worst(const struct report_counts *c, enum report_colour *out)
{
	for (int i = REPORT_COLOUR_COUNT - 1; i >= 0; i--) {
		if (c->colour[i] > 0) {
			*out = (enum report_colour)i;
			return 1;
		}
	}
	return 0;
}

/* --- periods --- */

static int report_months_of(enum report_cadence c)
{
	static const int months[] = {1, 3, 6, 12};
	return months[c];
}

void report_period_containing(enum report_cadence c, report_day day, int due_days,
                              struct report_period *out)
{
	int y, m, d, span = report_months_of(c);
	report_ymd_from_day(day, &y, &m, &d);
	int first = (m - 1) / span * span + 1, last = first + span - 1;
	out->start = report_day_from_ymd(y, first, 1);
	out->end = report_day_from_ymd(y, last, report_days_in_month(y, last));
	out->due = out->end + due_days;
	unsigned yy = (unsigned)y % 10000u;
	switch (c) {
	case REPORT_MONTH:
		snprintf(out->label, sizeof(out->label), "%04u-%02u", yy, (unsigned)first % 100u);
		break;
	case REPORT_QUARTER:
		snprintf(out->label, sizeof(out->label), "%04u-Q%u", yy,
		         (unsigned)(first - 1) / 3u % 4u + 1u);
		break;
	case REPORT_HALF:
		snprintf(out->label, sizeof(out->label), "%04u-H%u", yy, first == 1 ? 1u : 2u);
		break;
	case REPORT_YEAR:
	default:
		snprintf(out->label, sizeof(out->label), "%04u", yy);
		break;
	}
}

int report_current_period(enum report_cadence c, int due_days, report_day plan_start,
                          report_day as_of, struct report_period *out)
{
	struct report_period p;
	report_period_containing(c, as_of - due_days, due_days, &p);
	if (p.due > as_of)
		report_period_containing(c, p.start - 1, due_days, &p);
	if (p.end < plan_start)
		return 0;
	*out = p;
	return 1;
}

size_t report_periods(enum report_cadence c, int due_days, report_day plan_start, report_day as_of,
                      struct report_period *out, size_t max)
{
	struct report_period p;
	if (max == 0 || !report_current_period(c, due_days, plan_start, as_of, &p))
		return 0;
	/* Walk back from the current period, then reverse into oldest-first order. */
	size_t n = 0;
	while (n < max && p.end >= plan_start) {
		out[n++] = p;
		report_period_containing(c, p.start - 1, due_days, &p);
	}
	for (size_t i = 0; i < n / 2; i++) {
		struct report_period tmp = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = tmp;
	}
	return n;
}

/* --- JSON --- */

json_t *report_number_json(double v)
{
	if (!isfinite(v))
		return json_null();
	double r = fabs(v) < 1e9 ? round(v * 1e6) / 1e6 : v;
	if (fabs(r) < 1e15 && r == floor(r))
		return json_integer((json_int_t)r);
	return json_real(r);
}

static json_t *report_date_json(report_day d)
{
	char text[11];
	report_date_format(d, text);
	return json_string(text);
}

json_t *report_result_json(const struct report_target *t, const struct report_input *in,
                           const struct report_result *r)
{
	json_t *o = json_object();
	json_t *w = json_object();
	json_object_set_new(w, "start", report_date_json(r->window.start));
	json_object_set_new(w, "end", report_date_json(r->window.end));
	json_object_set_new(o, "window", w);
	json_object_set_new(o, "actual",
	                    r->has_actual ? report_number_json(r->actual) : json_null());
	if (t->share_of) {
		json_object_set_new(o, "share_numerator",
		                    in->has_own ? report_number_json(in->own) : json_null());
		json_object_set_new(o, "share_base",
		                    in->has_base ? report_number_json(in->base) : json_null());
	}
	json_object_set_new(o, "achievement",
	                    r->has_achievement ? report_number_json(r->achievement) : json_null());
	json_object_set_new(o, "met", json_boolean(r->met));
	json_object_set_new(o, "expected", report_number_json(r->expected));
	json_object_set_new(o, "colour", json_string(report_colour_name(r->colour)));
	json_object_set_new(o, "rule", json_string(report_reason_name(r->reason)));
	json_object_set_new(o, "tolerance_points", json_integer(r->tolerance_points));
	json_object_set_new(o, "overdue", json_boolean(r->overdue));
	json_object_set_new(o, "days_overdue", json_integer(r->days_overdue));
	json_object_set_new(o, "gap", r->has_gap ? report_number_json(r->gap) : json_null());
	return o;
}

json_t *report_counts_json(const struct report_counts *c)
{
	json_t *by = json_object();
	for (int i = 0; i < REPORT_COLOUR_COUNT; i++)
		json_object_set_new(by, report_colours[i], json_integer(c->colour[i]));
	return json_pack("{sisosisisi}", "total", c->total, "by_colour", by, "met", c->met,
	                 "overdue", c->overdue, "no_data", c->no_data);
}

json_t *report_rules_json(int tolerance_points)
{
	return json_pack(
	        "{sisisssssssss{ssssssss}}", "version", 1, "tolerance_points", tolerance_points,
	        "window",
	        "deadline targets: plan start to deadline; annual: the calendar year containing "
	        "as_of, from recurrence_start; biennial: the two-year window from "
	        "recurrence_start containing as_of",
	        "expected", "elapsed inclusive days of the window divided by its days, 0..1",
	        "achievement",
	        "actual divided by the target value; share-of targets: own "
	        "aggregate / base aggregate x 100",
	        "overdue",
	        "a deadline target not met after its deadline; recurring targets are "
	        "judged on the current window only and are never overdue",
	        "colours", "blue", "met before the window's last day (completed early)", "green",
	        "met, or at or above expected progress", "yellow",
	        "below expected progress by at most tolerance_points, over a limit by at most "
	        "tolerance_points, or a milestone not yet done before its deadline",
	        "red", "overdue, or further behind (or over a limit) than tolerance_points");
}
