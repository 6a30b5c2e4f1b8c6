/* timeliness.c — GET /v1/reports/timeliness?plan_id=&period=&as_of=: for one reporting period
 * of a plan, every unit and measure expected to report, whether it did (on time or late) or
 * still owes the report (owed before the due date, overdue after), and the reminders sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../repo.h"
#include "../validate.h"
#include "reports_http.h"
#include "reports_repo.h"
#include "timeliness_repo.h"

/* The period named by ?period= (which must be one of the plan's cadence), or by default the
 * one whose reports are due next on or after as_of; -1 after replying 400. */
static int timeliness_period(struct http_ctx *ctx, const struct reports_plan *plan,
                             report_day as_of, struct report_period *out)
{
	const char *label = http_query(ctx, "period");
	if (label == NULL) {
		report_period_containing(plan->cadence, as_of - plan->due_days, plan->due_days,
		                         out);
		return 0;
	}
	char start[11], end[11];
	report_day s = 0;
	int found = validate_period(label, start, end) && report_date_parse(start, &s) == 0;
	if (found) /* the plan's period starting that day; another cadence's label names none */
		report_period_containing(plan->cadence, s, plan->due_days, out);
	if (!found || strcmp(out->label, label) != 0) {
		http_reply_invalid(
		        ctx, SVC_BAD_REQUEST, "?period",
		        "period must be one of the plan's reporting periods, e.g. 2024-Q1 "
		        "for a quarterly plan");
		return -1;
	}
	return 0;
}

/* Counts the items' states into {on_time, late, owed, overdue} (owned). */
static json_t *timeliness_counts(json_t *items)
{
	json_t *c = json_pack("{sisisisi}", "on_time", 0, "late", 0, "owed", 0, "overdue", 0);
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
	{
		json_t *n = json_object_get(c, json_string_value(json_object_get(item, "state")));
		if (n != NULL)
			json_integer_set(n, json_integer_value(n) + 1);
	}
	return c;
}

static void timeliness_get(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"plan_id", "period", "as_of", NULL};
	struct reports_options o;
	long long pid = 0;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &pid) < 0 || reports_read_options(ctx, &o) != 0)
		return;
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	struct reports_plan plan;
	struct report_period period;
	char *items = NULL;
	enum svc_error err = reports_plan_load(conn, http_query(ctx, "plan_id"), &plan);
	if (err == SVC_OK && timeliness_period(ctx, &plan, o.as_of, &period) != 0) {
		db_release(ctx->app->read_pool, conn);
		return;
	}
	if (err == SVC_OK)
		err = timeliness_repo_items(conn, plan.id, &period, o.as_of_text, &items);
	db_release(ctx->app->read_pool, conn);
	if (err != SVC_OK) {
		repo_reply_error_detail(ctx, err,
		                        err == SVC_NOT_FOUND ? "no such plan"
		                        : err == SVC_BAD_REQUEST
		                                ? "there are several plans: name one "
		                                  "with ?plan_id="
		                                : NULL);
		return;
	}
	json_t *list = json_loads(items, 0, NULL);
	free(items);
	json_t *body = json_pack("{sosssoso}", "plan", reports_plan_json(&plan), "as_of",
	                         o.as_of_text, "period", reports_period_json(&period), "counts",
	                         timeliness_counts(list));
	json_object_set_new(body, "items", list != NULL ? list : json_array());
	http_set_header(ctx, "Cache-Control", "no-store");
	reports_reply(ctx, body);
}

const struct route timeliness_routes[] = {
        {"GET", "/v1/reports/timeliness", timeliness_get, 0},
        {NULL, NULL, NULL, 0},
};
