/* targets_repo.c — the statements behind POST /v1/measures/{id}/targets and PATCH/DELETE
 * /v1/targets/{id}, in the order they run. */
#include "targets_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"
#include "../validate.h"

#define TARGETS_CODE_TAKEN "a target with this code already exists"
#define TARGETS_INVALID    "the target is not valid; nothing was written"

static const char *targets_str(json_t *t, const char *key)
{
	return json_string_value(json_object_get(t, key));
}

/* Checks the whole target t against measure mid's items and the units and targets its codes
 * name; self is the target's own id when changing one (NULL on create). */
static int targets_check(struct tx *tx, const char *mid, const char *self, json_t *t)
{
	const char *p[] = {mid, targets_str(t, "accountable_unit"), targets_str(t, "share_of"),
	                   self};
	PGresult *r = tx_exec(tx, STMT_TARGET_CONTEXT, 4, p, NULL);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return tx_fail(tx, SVC_NOT_FOUND, "no such measure");
	}
	json_t *items = json_loads(PQgetvalue(r, 0, STMT_TARGET_CONTEXT_COL_ITEMS), 0, NULL);
	int bad = reference_input_target(t, items, tx->opt.errors) != 0;
	json_decref(items);
	const char *acc = targets_str(t, "accountable_unit");
	if (acc != NULL && PQgetisnull(r, 0, STMT_TARGET_CONTEXT_COL_UNIT_KIND)) {
		verr_add(tx->opt.errors, "/accountable_unit", "unknown unit \"%s\"", acc);
		bad = 1;
	} else if (acc != NULL &&
	           strcmp(PQgetvalue(r, 0, STMT_TARGET_CONTEXT_COL_UNIT_KIND), "group") == 0) {
		verr_add(tx->opt.errors, "/accountable_unit", "must be a unit, not a group");
		bad = 1;
	}
	const char *so = targets_str(t, "share_of");
	if (so != NULL &&
	    strcmp(PQgetvalue(r, 0, STMT_TARGET_CONTEXT_COL_SHARE_OF_IN_PLAN), "t") != 0) {
		verr_add(tx->opt.errors, "/share_of", "unknown target \"%s\" in this plan", so);
		bad = 1;
	} else if (so != NULL &&
	           strcmp(PQgetvalue(r, 0, STMT_TARGET_CONTEXT_COL_SHARE_OF_SELF), "t") == 0) {
		verr_add(tx->opt.errors, "/share_of", "a target cannot be a share of itself");
		bad = 1;
	}
	PQclear(r);
	return bad ? tx_fail(tx, SVC_VALIDATION, TARGETS_INVALID) : 0;
}

/* Writes t's fields: inserts with the new id into new_id when id is NULL, else updates id. */
static int targets_write(struct tx *tx, const char *mid, const char *id, json_t *t, char new_id[24])
{
	char item[24], value[48];
	snprintf(item, sizeof(item), "%lld", json_integer_value(json_object_get(t, "item")));
	json_t *v = json_object_get(t, "value");
	if (json_is_integer(v))
		snprintf(value, sizeof(value), "%lld", json_integer_value(v));
	else
		snprintf(value, sizeof(value), "%.17g", json_real_value(v));
	const char *p[] = {targets_str(t, "code"),
	                   mid,
	                   item,
	                   targets_str(t, "metric"),
	                   targets_str(t, "kind"),
	                   targets_str(t, "comparator"),
	                   value,
	                   targets_str(t, "unit_of_measure"),
	                   targets_str(t, "deadline"),
	                   targets_str(t, "recurrence"),
	                   targets_str(t, "recurrence_start"),
	                   targets_str(t, "accountable_unit"),
	                   targets_str(t, "aggregation"),
	                   targets_str(t, "share_of"),
	                   targets_str(t, "source_phrase"),
	                   id};
	if (id == NULL)
		return admin_repo_insert(tx, STMT_TARGET_INSERT, 15, p, TARGETS_CODE_TAKEN, new_id);
	return tx_run(tx, STMT_TARGET_UPDATE, 16, p, TARGETS_CODE_TAKEN);
}

void targets_repo_create(const struct tx_env *env, long long measure_id, json_t *body,
                         json_t *errors, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char mid[24], id[24];
	snprintf(mid, sizeof(mid), "%lld", measure_id);
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	if (targets_check(&tx, mid, NULL, body) != 0)
		goto cleanup;
	if (targets_write(&tx, mid, NULL, body, id) == 0)
		admin_repo_done(&tx, STMT_TARGET_GET, id, "target.create", "target", NULL, out);
cleanup:
	tx_end(&tx, out);
}

/* The target's current state in the shape of a request body. */
static json_t *targets_current_body(json_t *cur)
{
	static const char *const keys[] = {"code",        "metric",        "kind",
	                                   "comparator",  "value",         "unit_of_measure",
	                                   "deadline",    "recurrence",    "recurrence_start",
	                                   "aggregation", "source_phrase", NULL};
	json_t *b = json_object();
	for (int i = 0; keys[i] != NULL; i++) {
		json_t *v = json_object_get(cur, keys[i]);
		if (v != NULL && !json_is_null(v))
			json_object_set(b, keys[i], v);
	}
	json_object_set(b, "item", json_object_get(cur, "item_number"));
	json_t *acc = json_object_get(json_object_get(cur, "accountable_unit"), "code");
	if (acc != NULL)
		json_object_set(b, "accountable_unit", acc);
	json_t *so = json_object_get(json_object_get(cur, "share_of"), "code");
	if (so != NULL)
		json_object_set(b, "share_of", so);
	return b;
}

void targets_repo_update(const struct tx_env *env, long long tid, const char *if_match,
                         json_t *body, json_t *errors, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], mid[24], *before = NULL;
	json_t *cur = NULL, *merged = NULL;
	snprintf(id, sizeof(id), "%lld", tid);
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	if ((before = tx_lock(&tx, STMT_TARGET_LOCK, id, if_match, "no such target")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	snprintf(mid, sizeof(mid), "%lld", json_integer_value(json_object_get(cur, "measure_id")));
	merged = targets_current_body(cur);
	json_object_update(merged, body);
	/* null clears an optional member (deadline, recurrence, accountable_unit, ...) */
	const char *key;
	json_t *v, *tmp;
	json_object_foreach_safe(merged, tmp, key, v)
	{
		if (json_is_null(v))
			json_object_del(merged, key);
	}
	if (targets_check(&tx, mid, id, merged) != 0)
		goto cleanup;
	if (targets_write(&tx, mid, id, merged, NULL) == 0)
		admin_repo_done(&tx, STMT_TARGET_GET, id, "target.update", "target", before, out);
cleanup:
	tx_end(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
}

void targets_repo_delete(const struct tx_env *env, long long tid, const char *if_match,
                         struct tx_result *out)
{
	static const struct admin_delete target = {
	        .entity = "target",
	        .action = "target.delete",
	        .lock = STMT_TARGET_LOCK,
	        .not_found = "no such target",
	        .remove = STMT_TARGET_DELETE,
	        .in_use = "the target has progress values reported against it and cannot be "
	                  "deleted",
	};
	admin_repo_delete(env, &target, tid, if_match, out);
}
