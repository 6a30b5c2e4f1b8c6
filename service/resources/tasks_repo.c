/* tasks_repo.c — the statements behind POST /v1/tasks and PATCH/DELETE /v1/tasks/{id}. */
#include "tasks_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"
#include "../validate.h"

#define TASKS_CODE_TAKEN "a task with this code already exists"
#define TASKS_INVALID    "the task is not valid; nothing was written"

static void tasks_finish(struct admin_tx *tx, struct admin_result *out)
{
	if (tx->err != SVC_OK) {
		free(out->json);
		out->json = NULL;
	}
	out->err = tx->err;
	out->detail = tx->detail;
	admin_end(tx);
}

static const char *tasks_str(json_t *t, const char *key)
{
	return json_string_value(json_object_get(t, key));
}

/* 409 when another task of the plan has t's number. */
static int tasks_number_free(struct admin_tx *tx, const char *plan_id, json_t *t, const char *self,
                             char number[24])
{
	snprintf(number, 24, "%lld", json_integer_value(json_object_get(t, "number")));
	const char *p[] = {plan_id, number, self};
	int taken = admin_exists(tx, STMT_TASK_NUMBER_TAKEN, 3, p);
	if (taken < 0)
		return -1;
	return taken ? admin_fail(tx, SVC_CONFLICT, "another task of this plan has this number")
	             : 0;
}

void tasks_repo_create(struct http_ctx *ctx, json_t *body, json_t *errors, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char id[24], plan_id[24], number[24];
	if (admin_begin(ctx, errors, &tx) != 0)
		goto cleanup;
	const char *pp[] = {tasks_str(body, "plan")};
	PGresult *r = admin_exec(&tx, STMT_PLAN_BY_CODE, 1, pp, NULL);
	if (r == NULL)
		goto cleanup;
	int known = PQntuples(r) == 1;
	if (known)
		snprintf(plan_id, sizeof(plan_id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!known) {
		verr_add(errors, "/plan", "unknown plan \"%s\"", pp[0]);
		admin_fail(&tx, SVC_VALIDATION, TASKS_INVALID);
		goto cleanup;
	}
	if (tasks_number_free(&tx, plan_id, body, NULL, number) != 0)
		goto cleanup;
	const char *ip[] = {plan_id, tasks_str(body, "code"), number, tasks_str(body, "label"),
	                    tasks_str(body, "title")};
	if ((r = admin_exec(&tx, STMT_TASK_INSERT, 5, ip, TASKS_CODE_TAKEN)) == NULL)
		goto cleanup;
	int created = PQntuples(r) == 1;
	if (created)
		snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!created) {
		admin_fail(&tx, SVC_CONFLICT, TASKS_CODE_TAKEN);
		goto cleanup;
	}
	if ((out->json = admin_json(&tx, STMT_TASK_GET, id)) == NULL)
		goto cleanup;
	if (admin_audit(&tx, "task.create", "task", id, NULL, out->json) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = atoll(id);
cleanup:
	tasks_finish(&tx, out);
}

void tasks_repo_update(struct http_ctx *ctx, long long tid, const char *if_match, json_t *body,
                       json_t *errors, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char id[24], plan_id[24], number[24], *before = NULL;
	json_t *cur = NULL, *merged = json_object();
	snprintf(id, sizeof(id), "%lld", tid);
	if (admin_begin(ctx, errors, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, STMT_TASK_LOCK, id, if_match, "no such task")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	static const char *const keys[] = {"code", "number", "label", "title", NULL};
	for (int i = 0; keys[i] != NULL; i++)
		json_object_set(merged, keys[i], json_object_get(cur, keys[i]));
	json_object_update(merged, body);
	if (reference_input_task(merged, 1, errors) != 0) {
		admin_fail(&tx, SVC_VALIDATION, TASKS_INVALID);
		goto cleanup;
	}
	snprintf(plan_id, sizeof(plan_id), "%lld",
	         json_integer_value(json_object_get(cur, "plan_id")));
	if (tasks_number_free(&tx, plan_id, merged, id, number) != 0)
		goto cleanup;
	const char *up[] = {id, tasks_str(merged, "code"), number, tasks_str(merged, "label"),
	                    tasks_str(merged, "title")};
	PGresult *r = admin_exec(&tx, STMT_TASK_UPDATE, 5, up, TASKS_CODE_TAKEN);
	if (r == NULL)
		goto cleanup;
	PQclear(r);
	if ((out->json = admin_json(&tx, STMT_TASK_GET, id)) == NULL)
		goto cleanup;
	if (admin_audit(&tx, "task.update", "task", id, before, out->json) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = tid;
cleanup:
	tasks_finish(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
}

void tasks_repo_delete(struct http_ctx *ctx, long long tid, const char *if_match,
                       struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char id[24], *before = NULL;
	snprintf(id, sizeof(id), "%lld", tid);
	if (admin_begin(ctx, NULL, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, STMT_TASK_LOCK, id, if_match, "no such task")) == NULL)
		goto cleanup;
	const char *p[] = {id};
	/* deleting would cascade to its measures; make that an explicit choice */
	int has = admin_exists(&tx, STMT_TASK_HAS_MEASURES, 1, p);
	if (has != 0) {
		if (has > 0)
			admin_fail(&tx, SVC_CONFLICT,
			           "the task still has measures; delete or move them first");
		goto cleanup;
	}
	PGresult *r = admin_exec(&tx, STMT_TASK_DELETE, 1, p, NULL);
	if (r == NULL)
		goto cleanup;
	PQclear(r);
	if (admin_audit(&tx, "task.delete", "task", id, before, NULL) != 0 ||
	    admin_commit(&tx) != 0)
		goto cleanup;
	out->id = tid;
cleanup:
	tasks_finish(&tx, out);
	free(before);
}
