/* plans_repo.c — the statements behind POST /v1/plans and PATCH/DELETE /v1/plans/{id}. */
#include "plans_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"

#define PLANS_CODE_TAKEN "a plan with this code already exists"

static void plans_finish(struct admin_tx *tx, struct admin_result *out)
{
	if (tx->err != SVC_OK) {
		free(out->json);
		out->json = NULL;
	}
	out->err = tx->err;
	out->detail = tx->detail;
	admin_end(tx);
}

/* The statement parameters of a whole plan p, after the first (id) when update is set.
 * *assumptions is owned by the caller. */
static void plans_params(json_t *p, const char **out, char days[24], char **assumptions)
{
	snprintf(days, 24, "%lld", json_integer_value(json_object_get(p, "report_due_days")));
	json_t *as = json_object_get(p, "assumptions");
	*assumptions = as != NULL ? json_dumps(as, JSON_COMPACT) : NULL;
	out[0] = json_string_value(json_object_get(p, "code"));
	out[1] = json_string_value(json_object_get(p, "title"));
	out[2] = json_string_value(json_object_get(p, "start_date"));
	out[3] = json_string_value(json_object_get(p, "cadence"));
	out[4] = days;
	out[5] = *assumptions;
}

void plans_repo_create(struct http_ctx *ctx, json_t *body, json_t *errors, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char id[24], days[24], *assumptions = NULL;
	if (admin_begin(ctx, errors, &tx) != 0)
		goto cleanup;
	const char *ip[6];
	plans_params(body, ip, days, &assumptions);
	PGresult *r = admin_exec(&tx, STMT_PLAN_INSERT, 6, ip, PLANS_CODE_TAKEN);
	if (r == NULL)
		goto cleanup;
	int created = PQntuples(r) == 1;
	if (created)
		snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!created) {
		admin_fail(&tx, SVC_CONFLICT, PLANS_CODE_TAKEN);
		goto cleanup;
	}
	if ((out->json = admin_json(&tx, STMT_PLAN_GET, id)) == NULL)
		goto cleanup;
	if (admin_audit(&tx, "plan.create", "plan", id, NULL, out->json) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = atoll(id);
cleanup:
	plans_finish(&tx, out);
	free(assumptions);
}

void plans_repo_update(struct http_ctx *ctx, long long pid, const char *if_match, json_t *body,
                       json_t *errors, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char id[24], days[24], *before = NULL, *assumptions = NULL;
	json_t *cur = NULL, *merged = json_object();
	snprintf(id, sizeof(id), "%lld", pid);
	if (admin_begin(ctx, errors, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, STMT_PLAN_LOCK, id, if_match, "no such plan")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	static const char *const keys[] = {
	        "code", "title", "start_date", "cadence", "report_due_days", "assumptions", NULL};
	for (int i = 0; keys[i] != NULL; i++)
		json_object_set(merged, keys[i], json_object_get(cur, keys[i]));
	json_object_update(merged, body);
	if (reference_input_plan(merged, errors) != 0) {
		admin_fail(&tx, SVC_VALIDATION, "the plan is not valid; nothing was written");
		goto cleanup;
	}
	const char *up[7] = {id};
	plans_params(merged, up + 1, days, &assumptions);
	PGresult *r = admin_exec(&tx, STMT_PLAN_UPDATE, 7, up, PLANS_CODE_TAKEN);
	if (r == NULL)
		goto cleanup;
	PQclear(r);
	if ((out->json = admin_json(&tx, STMT_PLAN_GET, id)) == NULL)
		goto cleanup;
	if (admin_audit(&tx, "plan.update", "plan", id, before, out->json) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = pid;
cleanup:
	plans_finish(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
	free(assumptions);
}

void plans_repo_delete(struct http_ctx *ctx, long long pid, const char *if_match,
                       struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char id[24], *before = NULL;
	snprintf(id, sizeof(id), "%lld", pid);
	if (admin_begin(ctx, NULL, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, STMT_PLAN_LOCK, id, if_match, "no such plan")) == NULL)
		goto cleanup;
	const char *p[] = {id};
	/* deleting would cascade to every task and measure; make that an explicit choice */
	int has = admin_exists(&tx, STMT_PLAN_HAS_TASKS, 1, p);
	if (has != 0) {
		if (has > 0)
			admin_fail(
			        &tx, SVC_CONFLICT,
			        "the plan still has tasks; delete them (and their measures) first");
		goto cleanup;
	}
	PGresult *r = admin_exec(&tx, STMT_PLAN_DELETE, 1, p, NULL);
	if (r == NULL)
		goto cleanup;
	PQclear(r);
	if (admin_audit(&tx, "plan.delete", "plan", id, before, NULL) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = pid;
cleanup:
	plans_finish(&tx, out);
	free(before);
}
