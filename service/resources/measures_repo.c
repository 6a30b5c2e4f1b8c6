/* measures_repo.c — the statements behind POST /v1/measures and PATCH/DELETE
 * /v1/measures/{id}, in the order they run. */
#include "measures_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"
#include "../validate.h"

#define MEASURES_CODE_TAKEN "a measure with this code already exists"
#define MEASURES_INVALID    "the measure is not valid; nothing was written"

static const char *measures_str(json_t *m, const char *key)
{
	return json_string_value(json_object_get(m, key));
}

/* Looks up task code; fills its id and plan id. A field error when unknown. */
static int measures_task(struct tx *tx, const char *code, char task_id[24], char plan_id[24])
{
	const char *p[] = {code};
	PGresult *r = tx_exec(tx, STMT_TASK_BY_CODE, 1, p, NULL);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) == 1;
	if (found) {
		snprintf(task_id, 24, "%s", PQgetvalue(r, 0, STMT_TASK_BY_CODE_COL_ID));
		snprintf(plan_id, 24, "%s", PQgetvalue(r, 0, STMT_TASK_BY_CODE_COL_PLAN_ID));
	}
	PQclear(r);
	if (found)
		return 0;
	verr_add(tx->opt.errors, "/task", "unknown task \"%s\"", code);
	return tx_fail(tx, SVC_VALIDATION, MEASURES_INVALID);
}

/* 409 when another measure of the plan has the number. */
static int measures_number_free(struct tx *tx, const char *plan_id, json_t *m, const char *self)
{
	char number[24];
	snprintf(number, sizeof(number), "%lld", json_integer_value(json_object_get(m, "number")));
	const char *p[] = {plan_id, number, self};
	int taken = tx_exists(tx, STMT_MEASURE_NUMBER_TAKEN, 3, p);
	if (taken < 0)
		return -1;
	return taken ? tx_fail(tx, SVC_CONFLICT, "another measure of this plan has this number")
	             : 0;
}

/* Field errors for lead/related codes that name no unit. */
static int measures_units_known(struct tx *tx, json_t *m, const char *key, int *bad)
{
	json_t *list = json_object_get(m, key);
	if (!json_is_array(list))
		return 0;
	char *text = json_dumps(list, JSON_COMPACT);
	const char *p[] = {text};
	PGresult *r = tx_exec(tx, STMT_UNIT_CODES_UNKNOWN, 1, p, NULL);
	free(text);
	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		char ptr[48];
		snprintf(ptr, sizeof(ptr), "/%s/%s", key,
		         PQgetvalue(r, i, STMT_UNIT_CODES_UNKNOWN_COL_INDEX));
		verr_add(tx->opt.errors, ptr, "unknown unit \"%s\"",
		         PQgetvalue(r, i, STMT_UNIT_CODES_UNKNOWN_COL_CODE));
		*bad = 1;
	}
	PQclear(r);
	return 0;
}

static int measures_assign_all(struct tx *tx, const char *id, json_t *m, const char *role,
                               size_t first)
{
	json_t *list = json_object_get(m, role);
	if (!json_is_array(list))
		return 0;
	char *text = json_dumps(list, JSON_COMPACT), pos[24];
	snprintf(pos, sizeof(pos), "%zu", first);
	const char *p[] = {id, text, role, pos};
	int rc = tx_run(tx, STMT_MEASURE_ASSIGN_ALL, 4, p, NULL);
	free(text);
	return rc;
}

/* Replaces the items by number: texts must keep their targets' source phrases, and an item
 * that targets point at cannot be dropped. */
static int measures_put_items(struct tx *tx, const char *id, json_t *items, int check)
{
	char *text = json_dumps(items, JSON_COMPACT), count[24];
	snprintf(count, sizeof(count), "%zu", json_array_size(items));
	const char *with_text[] = {id, text}, *with_count[] = {id, count};
	int rc = -1;
	if (check) {
		PGresult *r = tx_exec(tx, STMT_MEASURE_PHRASES_LOST, 2, with_text, NULL);
		if (r == NULL)
			goto cleanup;
		for (int i = 0; i < PQntuples(r); i++) {
			char ptr[48];
			snprintf(ptr, sizeof(ptr), "/items/%s/text",
			         PQgetvalue(r, i, STMT_MEASURE_PHRASES_LOST_COL_INDEX));
			verr_add(tx->opt.errors, ptr,
			         "no longer contains the source phrase of target \"%s\"",
			         PQgetvalue(r, i, STMT_MEASURE_PHRASES_LOST_COL_CODE));
		}
		int lost = PQntuples(r) > 0;
		PQclear(r);
		if (lost) {
			tx_fail(tx, SVC_VALIDATION, MEASURES_INVALID);
			goto cleanup;
		}
		int in_use = tx_exists(tx, STMT_MEASURE_ITEMS_IN_USE, 2, with_count);
		if (in_use != 0) {
			if (in_use > 0)
				tx_fail(tx, SVC_CONFLICT,
				        "an item that would be removed has targets; delete or move "
				        "them first");
			goto cleanup;
		}
		if (tx_run(tx, STMT_MEASURE_ITEMS_TRIM, 2, with_count, NULL) != 0)
			goto cleanup;
	}
	if (tx_run(tx, STMT_MEASURE_ITEMS_PUT, 2, with_text, NULL) != 0)
		goto cleanup;
	rc = 0;
cleanup:
	free(text);
	return rc;
}

void measures_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                          struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], task_id[24], plan_id[24], number[24];
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	int bad = 0;
	if (measures_units_known(&tx, body, "lead", &bad) != 0 ||
	    measures_units_known(&tx, body, "related", &bad) != 0)
		goto cleanup;
	if (measures_task(&tx, measures_str(body, "task"), task_id, plan_id) != 0)
		goto cleanup;
	if (bad) {
		tx_fail(&tx, SVC_VALIDATION, MEASURES_INVALID);
		goto cleanup;
	}
	if (measures_number_free(&tx, plan_id, body, NULL) != 0)
		goto cleanup;
	snprintf(number, sizeof(number), "%lld",
	         json_integer_value(json_object_get(body, "number")));
	const char *ip[] = {plan_id, task_id, measures_str(body, "code"), number,
	                    measures_str(body, "title")};
	if (admin_repo_insert(&tx, STMT_MEASURE_INSERT, 5, ip, MEASURES_CODE_TAKEN, id) != 0)
		goto cleanup;
	if (measures_put_items(&tx, id, json_object_get(body, "items"), 0) != 0 ||
	    measures_assign_all(&tx, id, body, "lead", 0) != 0 ||
	    measures_assign_all(&tx, id, body, "related",
	                        json_array_size(json_object_get(body, "lead"))) != 0)
		goto cleanup;
	admin_repo_done(&tx, STMT_MEASURE_JSON, id, "measure.create", "measure", NULL, out);
cleanup:
	tx_end(&tx, out);
}

/* The measure's current state in the shape of a request body (without assignments). */
static json_t *measures_current_body(json_t *cur)
{
	json_t *b = json_object();
	static const char *const keys[] = {"code", "number", "title", "items", NULL};
	for (int i = 0; keys[i] != NULL; i++)
		json_object_set(b, keys[i], json_object_get(cur, keys[i]));
	json_object_set(b, "task", json_object_get(json_object_get(cur, "task"), "code"));
	return b;
}

void measures_repo_update(const struct tx_env *env, long long mid, const char *if_match,
                          json_t *body, json_t *errors, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], task_id[24], plan_id[24], own_plan[24], number[24], *before = NULL;
	json_t *cur = NULL, *merged = NULL;
	snprintf(id, sizeof(id), "%lld", mid);
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	if ((before = tx_lock(&tx, STMT_MEASURE_LOCK, id, if_match, "no such measure")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	snprintf(own_plan, sizeof(own_plan), "%lld",
	         json_integer_value(json_object_get(cur, "plan_id")));
	merged = measures_current_body(cur);
	json_object_update(merged, body);
	if (reference_input_measure(merged, REFERENCE_MERGED, errors) != 0) {
		tx_fail(&tx, SVC_VALIDATION, MEASURES_INVALID);
		goto cleanup;
	}
	if (measures_task(&tx, measures_str(merged, "task"), task_id, plan_id) != 0)
		goto cleanup;
	if (strcmp(plan_id, own_plan) != 0) {
		verr_add(errors, "/task", "must be a task of the measure's plan");
		tx_fail(&tx, SVC_VALIDATION, MEASURES_INVALID);
		goto cleanup;
	}
	if (measures_number_free(&tx, plan_id, merged, id) != 0)
		goto cleanup;
	if (json_object_get(body, "items") != NULL &&
	    measures_put_items(&tx, id, json_object_get(merged, "items"), 1) != 0)
		goto cleanup;
	snprintf(number, sizeof(number), "%lld",
	         json_integer_value(json_object_get(merged, "number")));
	const char *up[] = {id, task_id, measures_str(merged, "code"), number,
	                    measures_str(merged, "title")};
	if (tx_run(&tx, STMT_MEASURE_UPDATE, 5, up, MEASURES_CODE_TAKEN) == 0)
		admin_repo_done(&tx, STMT_MEASURE_JSON, id, "measure.update", "measure", before,
		                out);
cleanup:
	tx_end(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
}

void measures_repo_delete(const struct tx_env *env, long long mid, const char *if_match,
                          struct tx_result *out)
{
	static const struct admin_delete measure = {
	        .entity = "measure",
	        .action = "measure.delete",
	        .lock = STMT_MEASURE_LOCK,
	        .not_found = "no such measure",
	        .remove = STMT_MEASURE_DELETE,
	        .in_use = "the measure has progress records and cannot be deleted",
	};
	admin_repo_delete(env, &measure, mid, if_match, out);
}
