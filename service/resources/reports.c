/* reports.c — GET /v1/reports/summary, /v1/reports/overdue, /v1/reports/units/{id}: the
 * questions a supervisor asks (what is met, what is behind or overdue, who has not
 * reported), answered from report.c's rules over reports_repo.c's rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cursor.h"
#include "../domain.h"
#include "../repo.h"
#include "../validate.h"
#include "reports_http.h"
#include "reports_repo.h"

#define REPORTS_MAX_PERIODS 240 /* timeliness rows per plan in a scorecard: 20 years monthly */

static json_t *reports_nullable_string(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* An overdue target as listed by /overdue and in a scorecard, from set row i and the
 * target's JSON (target, measure and lead units, all stolen). */
static json_t *reports_overdue_item(const struct reports_set *s, int i, json_t *target,
                                    json_t *measure, json_t *leads)
{
	const struct reports_row *r = &s->rows[i];
	json_t *accountable = json_object_get(target, "accountable_unit");
	char deadline[11];
	report_date_format(r->result.window.end, deadline);
	json_t *item = json_object();
	json_object_set_new(item, "target", target);
	json_object_set_new(item, "measure", measure);
	json_object_set(item, "accountable_unit", accountable != NULL ? accountable : json_null());
	json_object_set_new(item, "lead_units", leads);
	json_object_set_new(item, "deadline", json_string(deadline));
	json_object_set_new(item, "days_overdue", json_integer(r->result.days_overdue));
	json_object_set_new(item, "actual",
	                    r->result.has_actual ? report_number_json(r->result.actual)
	                                         : json_null());
	json_object_set_new(item, "gap",
	                    r->result.has_gap ? report_number_json(r->result.gap) : json_null());
	json_object_set_new(item, "progress", reports_progress_json(r));
	return item;
}

/* A JSON text value parsed (owned), JSON null when unparsable. */
static json_t *reports_parse(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;
	return j != NULL ? j : json_null();
}

/* Units with something not reported for the period: one task's (task_id) or, when task_id
 * is 0, every task's summed per unit. t holds STMT_REPORT_TIMELINESS rows (or
 * STMT_REPORT_UNIT_TIMELINESS's, which are the same columns). */
static json_t *reports_not_reported(const PGresult *t, long long task_id)
{
	json_t *list = json_array();
	int rows = t != NULL ? PQntuples(t) : 0;
	for (int i = 0; i < rows;) {
		long long unit = atoll(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_UNIT_ID));
		int expected = 0, reported = 0, missing = 0, first = i;
		for (; i < rows &&
		       atoll(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_UNIT_ID)) == unit;
		     i++) {
			if (task_id != 0 &&
			    atoll(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_TASK_ID)) != task_id)
				continue;
			expected += atoi(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_EXPECTED));
			reported += atoi(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_ON_TIME)) +
			            atoi(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_LATE));
			missing += atoi(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_MISSING));
		}
		if (missing == 0)
			continue;
		json_t *u = json_pack("{sIssssss}", "id", (json_int_t)unit, "code",
		                      PQgetvalue(t, first, STMT_REPORT_TIMELINESS_COL_CODE), "name",
		                      PQgetvalue(t, first, STMT_REPORT_TIMELINESS_COL_NAME), "kind",
		                      PQgetvalue(t, first, STMT_REPORT_TIMELINESS_COL_KIND));
		json_array_append_new(list, json_pack("{sosisisi}", "unit", u, "expected", expected,
		                                      "reported", reported, "missing", missing));
	}
	return list;
}

/* The counts of the plan and of each task (tasks: STMT_REPORT_PLAN_TASKS, in the order of
 * the set's rows). */
static json_t *reports_summary_json(const struct reports_set *s, const PGresult *tasks,
                                    const PGresult *timely)
{
	struct reports_tally plan;
	memset(&plan, 0, sizeof(plan));
	json_t *list = json_array();
	int i = 0;
	for (int t = 0; t < PQntuples(tasks); t++) {
		long long task = atoll(PQgetvalue(tasks, t, STMT_REPORT_PLAN_TASKS_COL_ID));
		struct reports_tally tt;
		memset(&tt, 0, sizeof(tt));
		while (i < s->n && s->rows[i].task_id == task) {
			struct report_counts c;
			const char *status = reports_text(s, i, "status");
			i = reports_measure_counts(s, i, &c);
			reports_tally_measure(&tt, &c, status);
			reports_tally_measure(&plan, &c, status);
		}
		json_t *ref = json_pack(
		        "{sIsssIssss}", "id", (json_int_t)task, "code",
		        PQgetvalue(tasks, t, STMT_REPORT_PLAN_TASKS_COL_CODE), "number",
		        (json_int_t)atoll(PQgetvalue(tasks, t, STMT_REPORT_PLAN_TASKS_COL_NUMBER)),
		        "label", PQgetvalue(tasks, t, STMT_REPORT_PLAN_TASKS_COL_LABEL), "title",
		        PQgetvalue(tasks, t, STMT_REPORT_PLAN_TASKS_COL_TITLE));
		json_array_append_new(list, json_pack("{sosososo}", "task", ref, "measures",
		                                      reports_tally_measures_json(&tt), "targets",
		                                      report_counts_json(&tt.targets),
		                                      "units_not_reported",
		                                      reports_not_reported(timely, task)));
	}
	return json_pack("{sosososo}", "measures", reports_tally_measures_json(&plan), "targets",
	                 report_counts_json(&plan.targets), "units_not_reported",
	                 reports_not_reported(timely, 0), "tasks", list);
}

static void reports_summary(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"plan_id", "as_of", "include", NULL};
	struct reports_options o;
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &id) < 0 || reports_read_options(ctx, &o) != 0)
		return;
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	enum svc_error err = SVC_OK;
	struct reports_plan plan;
	struct reports_set set;
	PGresult *timely = NULL, *tasks = NULL;
	struct report_period current;
	int has_current = 0;
	memset(&set, 0, sizeof(set));
	err = reports_plan_load(conn, http_query(ctx, "plan_id"), &plan);
	if (err == SVC_OK) {
		char pid[24];
		snprintf(pid, sizeof(pid), "%lld", plan.id);
		const char *params[] = {pid, o.as_of_text, o.include_submitted ? "true" : "false"};
		err = reports_plan_tasks(conn, plan.id, &tasks);
		if (err == SVC_OK)
			err = reports_set_load(conn, STMT_REPORT_PLAN_TARGETS, 3, params, &o, &set);
	}
	if (err == SVC_OK) {
		has_current = report_current_period(plan.cadence, plan.due_days, plan.start,
		                                    o.as_of, &current);
		if (has_current)
			err = reports_timeliness(conn, &plan.id, &current, 1, REPORTS_ALL_UNITS,
			                         o.as_of, &timely);
	}
	db_release(ctx->app->read_pool, conn);
	if (err == SVC_OK) {
		json_t *body = json_pack("{sosssbso}", "plan", reports_plan_json(&plan), "as_of",
		                         o.as_of_text, "include_submitted", o.include_submitted,
		                         "rules", report_rules_json(o.tolerance_points));
		json_object_set_new(body, "current_period",
		                    has_current ? reports_period_json(&current) : json_null());
		json_t *parts = reports_summary_json(&set, tasks, timely);
		json_object_update(body, parts);
		json_decref(parts);
		reports_reply(ctx, body);
	} else if (err == SVC_NOT_FOUND) {
		http_reply_invalid(ctx, SVC_NOT_FOUND, "?plan_id",
		                   http_query(ctx, "plan_id") != NULL ? "no such plan"
		                                                      : "there is no plan yet");
	} else if (err == SVC_BAD_REQUEST) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?plan_id",
		                   "plan_id is required when there is more than one plan");
	} else {
		repo_reply_error(ctx, err);
	}
	PQclear(timely);
	PQclear(tasks);
	reports_set_free(&set);
}

/* Resolves ?unit= (a code) to its id text; 0 absent, 1 found, -1 after replying 400/404. */
static int reports_unit_param(struct http_ctx *ctx, struct db_conn *conn, char out[24])
{
	const char *code = http_query(ctx, "unit");
	if (code == NULL)
		return 0;
	if (!validate_code(code)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?unit", "unit must be a unit code");
		return -1;
	}
	enum svc_error err = reports_unit_by_code(conn, code, out);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return -1;
	}
	if (out[0] == '\0') {
		http_reply_invalid(ctx, SVC_NOT_FOUND, "?unit", "no unit has this code");
		return -1;
	}
	return 1;
}

/* Picks up to limit overdue rows of s into rows[]; returns how many, with *more set when
 * another follows. */
static int reports_overdue_page(const struct reports_set *s, int limit, int *rows, int *more)
{
	int shown = 0;
	*more = 0;
	for (int i = 0; i < s->n; i++) {
		if (!s->rows[i].has_target || !s->rows[i].result.overdue)
			continue;
		if (shown == limit) {
			*more = 1;
			break;
		}
		rows[shown++] = i;
	}
	return shown;
}

/* The listed items of the picked rows, with their JSON read in one statement. */
static enum svc_error reports_overdue_items(struct db_conn *conn, const struct reports_set *s,
                                            const int *rows, int n, json_t *items)
{
	if (n == 0)
		return SVC_OK;
	PGresult *d = NULL;
	enum svc_error err = reports_target_details(conn, s, rows, n, &d);
	for (int k = 0; err == SVC_OK && k < n; k++) {
		int found = -1;
		for (int j = 0; j < PQntuples(d) && found < 0; j++)
			if (atoll(PQgetvalue(d, j, STMT_REPORT_TARGET_DETAILS_COL_TARGET_ID)) ==
			    s->rows[rows[k]].target_id)
				found = j;
		if (found < 0) {
			err = SVC_INTERNAL; /* deleted meanwhile: let the client retry */
			break;
		}
		json_t *target = reports_parse(
		        PQgetvalue(d, found, STMT_REPORT_TARGET_DETAILS_COL_TARGET_JSON));
		json_t *measure = reports_parse(
		        PQgetvalue(d, found, STMT_REPORT_TARGET_DETAILS_COL_MEASURE_JSON));
		json_t *leads = reports_parse(
		        PQgetvalue(d, found, STMT_REPORT_TARGET_DETAILS_COL_LEAD_JSON));
		json_array_append_new(items,
		                      reports_overdue_item(s, rows[k], target, measure, leads));
	}
	PQclear(d);
	return err;
}

/* Replies the overdue page: items (stolen), and the next page's cursor and link after the
 * key last when last is not NULL. */
static void reports_overdue_reply(struct http_ctx *ctx, const struct reports_options *o,
                                  json_t *items, const long long *last)
{
	char next[CURSOR_TEXT_MAX] = "";
	if (last != NULL)
		cursor_encode("overdue", last, 2, next);
	json_t *body = json_pack("{sssbsoso}", "as_of", o->as_of_text, "include_submitted",
	                         o->include_submitted, "rules",
	                         report_rules_json(o->tolerance_points), "items", items);
	json_object_set_new(body, "next_cursor", last != NULL ? json_string(next) : json_null());
	if (last != NULL) {
		char *link = repo_next_link(ctx, next);
		if (link != NULL)
			http_set_header(ctx, "Link", link);
		free(link);
	}
	char *text = reports_dump(body);
	if (text == NULL) {
		http_reply_problem(ctx, SVC_INTERNAL, "response could not be serialized");
		return;
	}
	http_set_header(ctx, "Cache-Control", "no-cache");
	http_reply_json_owned(ctx, 200, text, strlen(text));
}

static void reports_overdue(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"plan_id", "as_of",  "include", "unit",
	                                      "limit",   "cursor", NULL};
	struct reports_options o;
	long long id, keys[CURSOR_MAX_KEYS] = {0};
	int limit = 0;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &id) < 0 || reports_read_options(ctx, &o) != 0 ||
	    http_query_limit(ctx, &limit) != 0)
		return;
	const char *cursor = http_query(ctx, "cursor");
	if (cursor != NULL && cursor_decode(cursor, "overdue", keys, 2) != 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?cursor",
		                   "cursor is not one this list issued");
		return;
	}
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	enum svc_error err = SVC_OK;
	char unit[24] = "", k0[24], k1[24];
	struct reports_plan plan;
	struct reports_set set;
	memset(&set, 0, sizeof(set));
	if (reports_unit_param(ctx, conn, unit) < 0) {
		db_release(ctx->app->read_pool, conn);
		return;
	}
	const char *plan_id = http_query(ctx, "plan_id");
	if (plan_id != NULL)
		err = reports_plan_load(conn, plan_id, &plan);
	json_t *items = json_array();
	int *rows = calloc((size_t)limit, sizeof(int)), shown = 0, more = 0;
	if (rows == NULL)
		err = SVC_INTERNAL;
	if (err == SVC_OK) {
		snprintf(k0, sizeof(k0), "%lld", keys[0]);
		snprintf(k1, sizeof(k1), "%lld", keys[1]);
		const char *params[] = {plan_id, o.as_of_text, http_query(ctx, "unit"),
		                        cursor != NULL ? k0 : NULL, cursor != NULL ? k1 : NULL};
		err = reports_set_load(conn, STMT_REPORT_OVERDUE, 5, params, &o, &set);
	}
	if (err == SVC_OK) {
		shown = reports_overdue_page(&set, limit, rows, &more);
		err = reports_overdue_items(conn, &set, rows, shown, items);
	}
	db_release(ctx->app->read_pool, conn);
	long long last[2] = {0, 0};
	if (err == SVC_OK && shown > 0) {
		last[0] = reports_int(&set, rows[shown - 1], "deadline_key");
		last[1] = set.rows[rows[shown - 1]].target_id;
	}
	free(rows);
	reports_set_free(&set);
	if (err != SVC_OK) {
		json_decref(items);
		if (err == SVC_NOT_FOUND)
			http_reply_invalid(ctx, SVC_NOT_FOUND, "?plan_id", "no such plan");
		else
			repo_reply_error(ctx, err);
		return;
	}
	reports_overdue_reply(ctx, &o, items, more ? last : NULL);
}

/* A plan a scorecard's measures belong to, with its reporting periods up to as_of. */
struct reports_unit_plan {
	long long id;
	enum report_cadence cadence;
	int due_days;
	report_day start;
	struct report_period *periods;
	size_t nperiods;
};

/* The distinct plans of the scorecard rows (ordered by plan), each with its periods. */
static size_t reports_unit_plans(const struct reports_set *s, report_day as_of,
                                 struct reports_unit_plan *plans, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < s->n && n < max; i++) {
		long long id = reports_int(s, i, "plan_id");
		if (n > 0 && plans[n - 1].id == id)
			continue;
		struct reports_unit_plan *p = &plans[n];
		memset(p, 0, sizeof(*p));
		p->id = id;
		p->due_days = (int)reports_int(s, i, "report_due_days");
		const char *start = reports_text(s, i, "plan_start");
		if (start == NULL) { /* a measure without targets: read the plan another way */
			for (int j = i; j < s->n && reports_int(s, j, "plan_id") == id; j++)
				if ((start = reports_text(s, j, "plan_start")) != NULL)
					break;
		}
		if (report_cadence_parse(reports_text(s, i, "cadence"), &p->cadence) != 0 ||
		    start == NULL || report_date_parse(start, &p->start) != 0)
			continue; /* no targets anywhere in this plan: no periods either */
		p->periods = calloc(REPORTS_MAX_PERIODS, sizeof(*p->periods));
		if (p->periods != NULL)
			p->nperiods = report_periods(p->cadence, p->due_days, p->start, as_of,
			                             p->periods, REPORTS_MAX_PERIODS);
		n++;
	}
	return n;
}

/* Timeliness per period of one plan, summed over its tasks; t as for reports_not_reported. */
static json_t *reports_unit_reporting(const struct reports_unit_plan *p, const PGresult *t)
{
	json_t *periods = json_array();
	int totals[4] = {0, 0, 0, 0}, last_missing = -1;
	int rows = t != NULL ? PQntuples(t) : 0;
	for (size_t k = 0; k < p->nperiods; k++) {
		int c[4] = {0, 0, 0, 0};
		for (int i = 0; i < rows; i++) {
			if (atoll(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_PLAN_ID)) != p->id ||
			    strcmp(PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_PERIOD),
			           p->periods[k].label) != 0)
				continue;
			/* c[] follows the columns: expected, on_time, late, missing */
			for (int j = 0; j < 4; j++)
				c[j] += atoi(
				        PQgetvalue(t, i, STMT_REPORT_TIMELINESS_COL_EXPECTED + j));
		}
		json_t *o = reports_period_json(&p->periods[k]);
		json_object_set_new(o, "expected", json_integer(c[0]));
		json_object_set_new(o, "on_time", json_integer(c[1]));
		json_object_set_new(o, "late", json_integer(c[2]));
		json_object_set_new(o, "missing", json_integer(c[3]));
		json_array_append_new(periods, o);
		for (int j = 0; j < 4; j++)
			totals[j] += c[j];
		last_missing = c[3];
	}
	json_t *current =
	        p->nperiods > 0 ? reports_period_json(&p->periods[p->nperiods - 1]) : json_null();
	return json_pack("{sIsssisosososo}", "plan_id", (json_int_t)p->id, "cadence",
	                 domain_cadences[p->cadence], "report_due_days", p->due_days,
	                 "current_period", current, "current_period_reported",
	                 last_missing < 0 ? json_null() : json_boolean(last_missing == 0), "totals",
	                 json_pack("{sisisisi}", "expected", totals[0], "on_time", totals[1],
	                           "late", totals[2], "missing", totals[3]),
	                 "periods", periods);
}

/* The measures part of a scorecard: counts by role, colour and status, and the list. */
static json_t *reports_unit_measures(const struct reports_set *s, struct reports_tally *all,
                                     json_t *overdue)
{
	json_t *items = json_array();
	int roles[DOMAIN_ROLE_COUNT + 1] = {0}; /* by enum domain_role, then "accountable" */
	for (int i = 0; i < s->n;) {
		int first = i;
		struct report_counts c;
		i = reports_measure_counts(s, i, &c);
		const char *role = reports_text(s, first, "role");
		int k = domain_lookup(domain_roles, role);
		roles[k >= 0 ? k : DOMAIN_ROLE_COUNT]++;
		reports_tally_measure(all, &c, reports_text(s, first, "status"));
		for (int j = first; j < i; j++)
			if (s->rows[j].has_target && s->rows[j].result.overdue)
				json_array_append_new(
				        overdue, reports_overdue_item(
				                         s, j, reports_json(s, j, "target_json"),
				                         reports_json(s, j, "measure_json"),
				                         reports_json(s, j, "lead_json")));
		json_t *item = json_pack(
		        "{sosssososososo}", "measure", reports_json(s, first, "measure_json"),
		        "role", role, "via", reports_json(s, first, "via"), "colour",
		        reports_colour_json(&c), "status",
		        reports_nullable_string(reports_text(s, first, "status")), "status_period",
		        reports_nullable_string(reports_text(s, first, "status_period")), "targets",
		        report_counts_json(&c));
		json_array_append_new(items, item);
	}
	json_t *m = reports_tally_measures_json(all);
	json_object_set_new(m, "by_role",
	                    json_pack("{sisisi}", "lead", roles[DOMAIN_ROLE_LEAD], "related",
	                              roles[DOMAIN_ROLE_RELATED], "accountable",
	                              roles[DOMAIN_ROLE_COUNT]));
	json_object_set_new(m, "items", items);
	return m;
}

static void reports_unit(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"as_of", "include", NULL};
	struct reports_options o;
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_param_id(ctx, 0, &id) != 0 || reports_read_options(ctx, &o) != 0)
		return;
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	PGresult *unit = NULL, *timely = NULL;
	enum svc_error err = reports_unit_load(conn, ctx->params[0], &unit);
	struct reports_set set;
	struct reports_unit_plan plans[16];
	size_t nplans = 0;
	memset(&set, 0, sizeof(set));
	if (err == SVC_OK) {
		const char *params[] = {ctx->params[0], o.as_of_text,
		                        o.include_submitted ? "true" : "false"};
		err = reports_set_load(conn, STMT_REPORT_UNIT_TARGETS, 3, params, &o, &set);
	}
	if (err == SVC_OK) {
		nplans = reports_unit_plans(&set, o.as_of, plans, 16);
		size_t total = 0;
		for (size_t k = 0; k < nplans; k++)
			total += plans[k].nperiods;
		long long *ids = calloc(total + 1, sizeof(*ids));
		struct report_period *all = calloc(total + 1, sizeof(*all));
		size_t n = 0;
		for (size_t k = 0; ids != NULL && all != NULL && k < nplans; k++)
			for (size_t j = 0; j < plans[k].nperiods; j++, n++) {
				ids[n] = plans[k].id;
				all[n] = plans[k].periods[j];
			}
		if (ids == NULL || all == NULL)
			err = SVC_INTERNAL;
		else if (n > 0)
			err = reports_timeliness(conn, ids, all, n, id, o.as_of, &timely);
		free(ids);
		free(all);
	}
	db_release(ctx->app->read_pool, conn);
	if (err == SVC_OK) {
		struct reports_tally tally;
		memset(&tally, 0, sizeof(tally));
		json_t *overdue = json_array(), *reporting = json_array();
		json_t *measures = reports_unit_measures(&set, &tally, overdue);
		for (size_t k = 0; k < nplans; k++)
			json_array_append_new(reporting, reports_unit_reporting(&plans[k], timely));
		json_t *body = json_pack(
		        "{sosssbsososososo}", "unit",
		        json_loads(PQgetvalue(unit, 0, STMT_REPORT_UNIT_COL_JSON), 0, NULL),
		        "as_of", o.as_of_text, "include_submitted", o.include_submitted, "rules",
		        report_rules_json(o.tolerance_points), "measures", measures, "targets",
		        report_counts_json(&tally.targets), "overdue", overdue, "reporting",
		        reporting);
		reports_reply(ctx, body);
	} else {
		repo_reply_error(ctx, err);
	}
	for (size_t k = 0; k < nplans; k++)
		free(plans[k].periods);
	PQclear(unit);
	PQclear(timely);
	reports_set_free(&set);
}

const struct route reports_routes[] = {
        {"GET", "/v1/reports/summary", reports_summary, 0},
        {"GET", "/v1/reports/overdue", reports_overdue, 0},
        {"GET", "/v1/reports/units/:id", reports_unit, 0},
        {NULL, NULL, NULL, 0},
};
