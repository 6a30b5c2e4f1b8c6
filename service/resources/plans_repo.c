/* plans_repo.c — the statements behind POST /v1/plans and PATCH/DELETE /v1/plans/{id}. */
#include "plans_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"

#define PLANS_CODE_TAKEN "a plan with this code already exists"

/* The statement parameters of a whole plan p, after the first (id) when update is set.
 * *assumptions is owned by the caller. */
static void plans_params(json_t *p, const char **out, char days[48], char **assumptions)
{
	snprintf(days, 24, "%lld", json_integer_value(json_object_get(p, "report_due_days")));
	json_t *warn = json_object_get(p, "warn_days"); /* optional: the column's default */
	snprintf(days + 24, 24, "%lld", json_integer_value(warn));
	json_t *as = json_object_get(p, "assumptions");
	*assumptions = as != NULL ? json_dumps(as, JSON_COMPACT) : NULL;
	out[0] = json_string_value(json_object_get(p, "code"));
	out[1] = json_string_value(json_object_get(p, "title"));
	out[2] = json_string_value(json_object_get(p, "start_date"));
	out[3] = json_string_value(json_object_get(p, "cadence"));
	out[4] = days;
	out[5] = *assumptions;
	out[6] = warn != NULL ? days + 24 : NULL;
}

void plans_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                       struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], days[48], *assumptions = NULL;
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	const char *ip[7];
	plans_params(body, ip, days, &assumptions);
	if (admin_repo_insert(&tx, STMT_PLAN_INSERT, 7, ip, PLANS_CODE_TAKEN, id) == 0)
		admin_repo_done(&tx, STMT_PLAN_GET, id, "plan.create", "plan", NULL, out);
cleanup:
	tx_end(&tx, out);
	free(assumptions);
}

void plans_repo_update(const struct tx_env *env, long long pid, const char *if_match, json_t *body,
                       json_t *errors, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], days[48], *before = NULL, *assumptions = NULL;
	json_t *cur = NULL, *merged = NULL;
	snprintf(id, sizeof(id), "%lld", pid);
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	if ((before = tx_lock(&tx, STMT_PLAN_LOCK, id, if_match, "no such plan")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	static const char *const keys[] = {
	        "code",        "title",     "start_date", "cadence", "report_due_days",
	        "assumptions", "warn_days", NULL};
	merged = admin_repo_merge(cur, keys, body);
	if (reference_input_plan(merged, errors) != 0) {
		tx_fail(&tx, SVC_VALIDATION, "the plan is not valid; nothing was written");
		goto cleanup;
	}
	const char *up[8] = {id};
	plans_params(merged, up + 1, days, &assumptions);
	if (tx_run(&tx, STMT_PLAN_UPDATE, 8, up, PLANS_CODE_TAKEN) == 0)
		admin_repo_done(&tx, STMT_PLAN_GET, id, "plan.update", "plan", before, out);
cleanup:
	tx_end(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
	free(assumptions);
}

void plans_repo_delete(const struct tx_env *env, long long pid, const char *if_match,
                       struct tx_result *out)
{
	static const struct admin_delete plan = {
	        .entity = "plan",
	        .action = "plan.delete",
	        .lock = STMT_PLAN_LOCK,
	        .not_found = "no such plan",
	        /* deleting would cascade to every task and measure; make that an explicit choice */
	        .guard = STMT_PLAN_HAS_TASKS,
	        .guarded = "the plan still has tasks; delete them (and their measures) first",
	        .remove = STMT_PLAN_DELETE,
	};
	admin_repo_delete(env, &plan, pid, if_match, out);
}
