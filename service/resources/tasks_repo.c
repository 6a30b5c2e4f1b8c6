/* tasks_repo.c — the statements behind POST /v1/tasks and PATCH/DELETE /v1/tasks/{id}. */
#include "tasks_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"
#include "../validate.h"

#define TASKS_CODE_TAKEN "a task with this code already exists"
#define TASKS_INVALID    "the task is not valid; nothing was written"

static const char *tasks_str(json_t *t, const char *key)
{
	return json_string_value(json_object_get(t, key));
}

/* 409 when another task of the plan has t's number. */
static int tasks_number_free(struct tx *tx, const char *plan_id, json_t *t, const char *self,
                             char number[24])
{
	snprintf(number, 24, "%lld", json_integer_value(json_object_get(t, "number")));
	const char *p[] = {plan_id, number, self};
	int taken = tx_exists(tx, STMT_TASK_NUMBER_TAKEN, 3, p);
	if (taken < 0)
		return -1;
	return taken ? tx_fail(tx, SVC_CONFLICT, "another task of this plan has this number") : 0;
}

void tasks_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                       struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], plan_id[24], number[24];
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	const char *plan = tasks_str(body, "plan");
	int known = admin_repo_lookup(&tx, STMT_PLAN_BY_CODE, plan, plan_id);
	if (known <= 0) {
		if (known == 0) {
			verr_add(errors, "/plan", "unknown plan \"%s\"", plan);
			tx_fail(&tx, SVC_VALIDATION, TASKS_INVALID);
		}
		goto cleanup;
	}
	if (tasks_number_free(&tx, plan_id, body, NULL, number) != 0)
		goto cleanup;
	const char *ip[] = {plan_id, tasks_str(body, "code"), number, tasks_str(body, "label"),
	                    tasks_str(body, "title")};
	if (admin_repo_insert(&tx, STMT_TASK_INSERT, 5, ip, TASKS_CODE_TAKEN, id) == 0)
		admin_repo_done(&tx, STMT_TASK_GET, id, "task.create", "task", NULL, out);
cleanup:
	tx_end(&tx, out);
}

void tasks_repo_update(const struct tx_env *env, long long tid, const char *if_match, json_t *body,
                       json_t *errors, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], plan_id[24], number[24], *before = NULL;
	json_t *cur = NULL, *merged = NULL;
	snprintf(id, sizeof(id), "%lld", tid);
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	if ((before = tx_lock(&tx, STMT_TASK_LOCK, id, if_match, "no such task")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	static const char *const keys[] = {"code", "number", "label", "title", NULL};
	merged = admin_repo_merge(cur, keys, body);
	if (reference_input_task(merged, REFERENCE_MERGED, errors) != 0) {
		tx_fail(&tx, SVC_VALIDATION, TASKS_INVALID);
		goto cleanup;
	}
	snprintf(plan_id, sizeof(plan_id), "%lld",
	         json_integer_value(json_object_get(cur, "plan_id")));
	if (tasks_number_free(&tx, plan_id, merged, id, number) != 0)
		goto cleanup;
	const char *up[] = {id, tasks_str(merged, "code"), number, tasks_str(merged, "label"),
	                    tasks_str(merged, "title")};
	if (tx_run(&tx, STMT_TASK_UPDATE, 5, up, TASKS_CODE_TAKEN) == 0)
		admin_repo_done(&tx, STMT_TASK_GET, id, "task.update", "task", before, out);
cleanup:
	tx_end(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
}

void tasks_repo_delete(const struct tx_env *env, long long tid, const char *if_match,
                       struct tx_result *out)
{
	static const struct admin_delete task = {
	        .entity = "task",
	        .action = "task.delete",
	        .lock = STMT_TASK_LOCK,
	        .not_found = "no such task",
	        /* deleting would cascade to its measures; make that an explicit choice */
	        .guard = STMT_TASK_HAS_MEASURES,
	        .guarded = "the task still has measures; delete or move them first",
	        .remove = STMT_TASK_DELETE,
	};
	admin_repo_delete(env, &task, tid, if_match, out);
}
