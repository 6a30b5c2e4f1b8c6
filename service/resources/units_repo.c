/* units_repo.c — the statements behind POST/PATCH/DELETE of units, in the order they run. */
#include "units_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference_input.h"
#include "../validate.h"

#define UNITS_CODE_TAKEN "a unit with this code, or with one of these names, already exists"

/* Members that are unknown units or groups, as field errors. members may be NULL. */
static int units_check_members(struct tx *tx, json_t *members)
{
	if (!json_is_array(members))
		return 0;
	char *text = json_dumps(members, JSON_COMPACT);
	const char *p[] = {text};
	PGresult *r = tx_exec(tx, STMT_UNIT_MEMBER_PROBLEMS, 1, p, NULL);
	free(text);
	if (r == NULL)
		return -1;
	int rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		char ptr[48];
		snprintf(ptr, sizeof(ptr), "/members/%s",
		         PQgetvalue(r, i, STMT_UNIT_MEMBER_PROBLEMS_COL_INDEX));
		if (PQgetisnull(r, i, STMT_UNIT_MEMBER_PROBLEMS_COL_KIND))
			verr_add(tx->opt.errors, ptr, "unknown unit \"%s\"",
			         PQgetvalue(r, i, STMT_UNIT_MEMBER_PROBLEMS_COL_CODE));
		else
			verr_add(tx->opt.errors, ptr, "a group cannot be a member");
	}
	PQclear(r);
	return rows > 0 ? tx_fail(tx, SVC_VALIDATION,
	                          "the unit is not valid; nothing was "
	                          "written")
	                : 0;
}

/* Names the unit would take from another unit (units_names_unique), as field errors. id is
 * NULL for a new unit; aliases may be NULL. */
static int units_check_names(struct tx *tx, const char *id, const char *name, json_t *aliases)
{
	char *text = json_is_array(aliases) ? json_dumps(aliases, JSON_COMPACT) : NULL;
	const char *p[] = {id, name, text};
	PGresult *r = tx_exec(tx, STMT_UNIT_NAME_CLASHES, 3, p, NULL);
	free(text);
	if (r == NULL)
		return -1;
	int rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		const char *at = PQgetvalue(r, i, STMT_UNIT_NAME_CLASHES_COL_INDEX);
		const char *code = PQgetvalue(r, i, STMT_UNIT_NAME_CLASHES_COL_CODE);
		char ptr[48];
		if (strcmp(at, "-1") == 0)
			verr_add(tx->opt.errors, "/name", "is an alias of unit \"%s\"", code);
		else if (snprintf(ptr, sizeof(ptr), "/aliases/%s", at) > 0)
			verr_add(tx->opt.errors, ptr,
			         "\"%s\" is the name or an alias of unit \"%s\"",
			         PQgetvalue(r, i, STMT_UNIT_NAME_CLASHES_COL_NAME), code);
	}
	PQclear(r);
	return rows > 0 ? tx_fail(tx, SVC_VALIDATION, "the unit is not valid; nothing was written")
	                : 0;
}

/* The aliases as a JSON array's text (owned), or NULL when there are none. */
static char *units_aliases_text(json_t *body)
{
	json_t *a = json_object_get(body, "aliases");
	return json_is_array(a) ? json_dumps(a, JSON_COMPACT) : NULL;
}

static int units_set_members(struct tx *tx, const char *id, json_t *members, int clear)
{
	const char *p[] = {id, NULL};
	if (clear && tx_run(tx, STMT_UNIT_MEMBERS_CLEAR, 1, p, NULL) != 0)
		return -1;
	if (!json_is_array(members))
		return 0;
	char *text = json_dumps(members, JSON_COMPACT);
	p[1] = text;
	int rc = tx_run(tx, STMT_UNIT_MEMBERS_ADD, 2, p, NULL);
	free(text);
	return rc;
}

static const char *units_bool(json_t *v)
{
	return v == NULL || json_is_true(v) ? "true" : "false";
}

void units_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                       struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], *aliases = NULL;
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	json_t *members = json_object_get(body, "members");
	const char *name = json_string_value(json_object_get(body, "name"));
	if (units_check_members(&tx, members) != 0 ||
	    units_check_names(&tx, NULL, name, json_object_get(body, "aliases")) != 0)
		goto cleanup;
	aliases = units_aliases_text(body);
	const char *ip[] = {json_string_value(json_object_get(body, "code")),
	                    name,
	                    json_string_value(json_object_get(body, "kind")),
	                    units_bool(json_object_get(body, "in_source")),
	                    json_string_value(json_object_get(body, "note")),
	                    aliases};
	if (admin_repo_insert(&tx, STMT_UNIT_INSERT, 6, ip, UNITS_CODE_TAKEN, id) == 0 &&
	    units_set_members(&tx, id, members, 0) == 0)
		admin_repo_done(&tx, STMT_UNIT_GET, id, "unit.create", "unit", NULL, out);
cleanup:
	tx_end(&tx, out);
	free(aliases);
}

/* The unit's current state in the shape of a request body: member objects become codes. */
static json_t *units_current_body(json_t *cur)
{
	json_t *b = json_object();
	static const char *const keys[] = {"code", "name",    "kind", "in_source",
	                                   "note", "aliases", NULL};
	for (int i = 0; keys[i] != NULL; i++) {
		json_t *v = json_object_get(cur, keys[i]);
		if (v != NULL && !json_is_null(v))
			json_object_set(b, keys[i], v);
	}
	json_t *members = json_object_get(cur, "members");
	if (json_is_array(members)) {
		json_t *codes = json_array();
		size_t i;
		json_t *m;
		json_array_foreach(members, i, m)
		        json_array_append(codes, json_object_get(m, "code"));
		json_object_set_new(b, "members", codes);
	}
	return b;
}

/* Is the unit's kind a group? */
static int units_is_group(json_t *obj)
{
	const char *k = json_string_value(json_object_get(obj, "kind"));
	return k != NULL && strcmp(k, "group") == 0;
}

void units_repo_update(const struct tx_env *env, long long uid, const char *if_match, json_t *body,
                       json_t *errors, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[24], *before = NULL, *aliases = NULL;
	json_t *cur = NULL, *merged = NULL;
	snprintf(id, sizeof(id), "%lld", uid);
	if (admin_repo_begin(&tx, env, errors) != 0)
		goto cleanup;
	if ((before = tx_lock(&tx, STMT_UNIT_LOCK, id, if_match, "no such unit")) == NULL)
		goto cleanup;
	cur = json_loads(before, 0, NULL);
	merged = units_current_body(cur);
	json_object_update(merged, body); /* members named in the body win; null clears note */
	if (json_is_null(json_object_get(merged, "note")))
		json_object_del(merged, "note");
	if (units_is_group(cur) != units_is_group(merged)) {
		verr_add(errors, "/kind",
		         "a unit cannot become or stop being a group; create a new unit instead");
		tx_fail(&tx, SVC_VALIDATION, "the unit is not valid; nothing was written");
		goto cleanup;
	}
	if (reference_input_unit(merged, REFERENCE_WHOLE, errors) != 0) {
		tx_fail(&tx, SVC_VALIDATION, "the unit is not valid; nothing was written");
		goto cleanup;
	}
	json_t *members = json_object_get(body, "members");
	const char *name = json_string_value(json_object_get(merged, "name"));
	if (units_check_members(&tx, members) != 0 ||
	    units_check_names(&tx, id, name, json_object_get(merged, "aliases")) != 0)
		goto cleanup;
	aliases = units_aliases_text(merged);
	const char *up[] = {id,
	                    json_string_value(json_object_get(merged, "code")),
	                    name,
	                    json_string_value(json_object_get(merged, "kind")),
	                    units_bool(json_object_get(merged, "in_source")),
	                    json_string_value(json_object_get(merged, "note")),
	                    aliases};
	if (tx_run(&tx, STMT_UNIT_UPDATE, 7, up, UNITS_CODE_TAKEN) != 0)
		goto cleanup;
	if (json_is_array(members) && units_set_members(&tx, id, members, 1) != 0)
		goto cleanup;
	admin_repo_done(&tx, STMT_UNIT_GET, id, "unit.update", "unit", before, out);
cleanup:
	tx_end(&tx, out);
	json_decref(cur);
	json_decref(merged);
	free(before);
	free(aliases);
}

void units_repo_delete(const struct tx_env *env, long long uid, const char *if_match,
                       struct tx_result *out)
{
	static const struct admin_delete unit = {
	        .entity = "unit",
	        .action = "unit.delete",
	        .lock = STMT_UNIT_LOCK,
	        .not_found = "no such unit",
	        .guard = STMT_UNIT_SOLE_MEMBER,
	        .guarded = "the unit is the only member of a group; change the group's members "
	                   "first",
	        .remove = STMT_UNIT_DELETE,
	        .in_use = "the unit is still assigned to measures, accountable for targets or "
	                  "named in progress records; remove those first",
	};
	admin_repo_delete(env, &unit, uid, if_match, out);
}
