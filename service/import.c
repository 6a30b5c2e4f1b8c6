/* import.c — the plan document: every rule checked up front, then one statement per table. */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "domain.h"
#include "reference_input.h"
#include "validate.h"

#define IMPORT_TEXT_MAX 20000

/* What the document has declared so far, for duplicate and reference checks; each an object
 * of code (or number as text) -> value describing it, owned here. */
struct import_seen {
	json_t *units;   /* unit code -> its kind ("?" when invalid) */
	json_t *tasks;   /* task code -> true */
	json_t *targets; /* target code -> true, over all measures */
};

static int import_array(json_t *doc, const char *key, const char *ptr, json_t *errors, json_t **out)
{
	json_t *a = json_object_get(doc, key);
	if (!json_is_array(a)) {
		verr_add(errors, ptr, "must be an array");
		return -1;
	}
	*out = a;
	return 0;
}

/* Names element i of the list parent + name in out (a JSON pointer) and checks that it is an
 * object; -1 after the error when it is not. */
static int import_element(json_t *el, const char *parent, const char *name, size_t i, char *out,
                          size_t len, json_t *errors)
{
	snprintf(out, len, "%s%s/%zu", parent, name, i);
	if (json_is_object(el))
		return 0;
	verr_add(errors, out, "must be an object");
	return -1;
}

/* The admin API's code rule, and no code twice in the document (seen, when not NULL). */
static const char *import_code(json_t *obj, const char *base, json_t *seen, const char *what,
                               json_t *errors)
{
	const char *code = reference_input_code(obj, base, VALIDATE_REQUIRED, errors);
	if (code == NULL || seen == NULL || json_object_get(seen, code) == NULL)
		return code;
	char ptr[160];
	snprintf(ptr, sizeof(ptr), "%s/code", base);
	verr_add(errors, ptr, "duplicate %s code \"%s\"", what, code);
	return NULL;
}

/* obj's number (1..max), used by no earlier element of its list (numbers: as text -> true). */
static void import_number(json_t *obj, long long max, const char *base, json_t *numbers,
                          const char *what, json_t *errors)
{
	long long n;
	if (validate_integer_member(obj, "number", VALIDATE_REQUIRED, 1, max, &n, base, errors) !=
	    0)
		return;
	char key[24], ptr[96];
	snprintf(key, sizeof(key), "%lld", n);
	snprintf(ptr, sizeof(ptr), "%s/number", base);
	if (json_object_get(numbers, key) != NULL)
		verr_add(errors, ptr, "%s number %lld is used twice", what, n);
	json_object_set_new(numbers, key, json_true());
}

/* The plan: the admin API's rules (reference_input_plan_fields), under /plan. */
static void import_check_plan(json_t *plan, json_t *errors)
{
	if (!json_is_object(plan)) {
		verr_add(errors, "/plan", "must be an object");
		return;
	}
	reference_input_plan_fields(plan, "/plan", errors);
}

/* One unit's own fields; its code goes into units with its kind ("?" when invalid). */
static void import_check_unit(json_t *u, const char *base, json_t *units, json_t *errors)
{
	static const char *const known[] = {"code", "name",    "kind", "in_source",
	                                    "note", "members", NULL};
	validate_known_members(u, known, base, errors);
	const char *code = import_code(u, base, units, "unit", errors);
	validate_string_member(u, "name", VALIDATE_REQUIRED, 500, base, errors);
	validate_string_member(u, "note", VALIDATE_OPTIONAL, IMPORT_TEXT_MAX, base, errors);
	json_t *in_source = json_object_get(u, "in_source");
	if (in_source != NULL && !json_is_boolean(in_source))
		verr_add(errors, base, "in_source must be true or false");
	const char *kind = validate_string_member(u, "kind", VALIDATE_REQUIRED, 32, base, errors);
	char ptr[96];
	snprintf(ptr, sizeof(ptr), "%s/kind", base);
	if (validate_choice(kind, domain_unit_kinds, ptr, errors) != 0)
		kind = NULL;
	if (code != NULL)
		json_object_set_new(units, code, json_string(kind ? kind : "?"));
}

static int import_is_group(const char *kind)
{
	return domain_lookup(domain_unit_kinds, kind) == DOMAIN_UNIT_GROUP;
}

/* Unit i's members: only a group has them, each a unit of the document that is not a group,
 * none twice (reference_input_members, with the document's units). */
static void import_check_members(json_t *u, size_t i, json_t *units, json_t *errors)
{
	char ptr[96];
	snprintf(ptr, sizeof(ptr), "/units/%zu/members", i);
	json_t *members = json_object_get(u, "members");
	int is_group = import_is_group(json_string_value(json_object_get(u, "kind")));
	if (members == NULL) {
		if (is_group)
			verr_add(errors, ptr, "a group needs members");
		return;
	}
	if (!is_group) {
		verr_add(errors, ptr, "only a group has members");
		return;
	}
	reference_input_members(members, ptr, units, errors);
}

static void import_check_units(json_t *doc, json_t *units, json_t *errors)
{
	json_t *list;
	if (import_array(doc, "units", "/units", errors, &list) != 0)
		return;
	size_t i;
	json_t *u;
	/* First pass: codes and kinds, so members may name units listed later. */
	json_array_foreach(list, i, u)
	{
		char base[64];
		if (import_element(u, "", "/units", i, base, sizeof(base), errors) == 0)
			import_check_unit(u, base, units, errors);
	}
	json_array_foreach(list, i, u) import_check_members(u, i, units, errors);
}

static void import_check_tasks(json_t *doc, json_t *tasks_seen, json_t *errors)
{
	static const char *const known[] = {"code", "number", "label", "title", NULL};
	json_t *tasks;
	if (import_array(doc, "tasks", "/tasks", errors, &tasks) != 0)
		return;
	json_t *numbers = json_object();
	size_t i;
	json_t *t;
	json_array_foreach(tasks, i, t)
	{
		char base[64];
		if (import_element(t, "", "/tasks", i, base, sizeof(base), errors) != 0)
			continue;
		validate_known_members(t, known, base, errors);
		const char *code = import_code(t, base, tasks_seen, "task", errors);
		validate_string_member(t, "label", VALIDATE_OPTIONAL, 64, base, errors);
		validate_string_member(t, "title", VALIDATE_REQUIRED, IMPORT_TEXT_MAX, base,
		                       errors);
		import_number(t, 100000, base, numbers, "task", errors);
		if (code != NULL)
			json_object_set_new(tasks_seen, code, json_true());
	}
	json_decref(numbers);
}

/* Checks one target; items maps item number (as text) to its text. The field rules are
 * reference_input_target's, shared with the admin API; codes and units are the document's. */
static void import_check_target(json_t *t, const char *base, json_t *items,
                                const struct import_seen *seen, json_t *errors)
{
	char ptr[160];
	const char *code = import_code(t, base, seen->targets, "target", errors);
	if (code != NULL)
		json_object_set_new(seen->targets, code, json_true());
	reference_input_target_fields(t, base, items, errors);
	const char *acc = json_string_value(json_object_get(t, "accountable_unit"));
	snprintf(ptr, sizeof(ptr), "%s/accountable_unit", base);
	if (acc == NULL)
		return;
	const char *k = json_string_value(json_object_get(seen->units, acc));
	if (k == NULL)
		verr_add(errors, ptr, "unknown unit \"%s\"", acc);
	else if (import_is_group(k))
		verr_add(errors, ptr, "must be a unit, not a group");
}

/* A measure's targets (an optional array), checked against its items. */
static void import_check_targets(json_t *m, const char *base, json_t *items,
                                 const struct import_seen *seen, json_t *errors)
{
	char ptr[128];
	json_t *targets = json_object_get(m, "targets");
	snprintf(ptr, sizeof(ptr), "%s/targets", base);
	if (targets != NULL && !json_is_array(targets))
		verr_add(errors, ptr, "must be an array");
	size_t j;
	json_t *t;
	json_array_foreach(targets, j, t)
	{
		char tb[128];
		if (import_element(t, base, "/targets", j, tb, sizeof(tb), errors) == 0)
			import_check_target(t, tb, items, seen, errors);
	}
}

/* One measure: the admin API's rules for items, lead and related, with the document's tasks,
 * units and codes (measure codes and numbers unique in measure_codes / numbers). */
static void import_check_measure(json_t *m, const char *base, json_t *measure_codes,
                                 json_t *numbers, const struct import_seen *seen, json_t *errors)
{
	static const char *const known[] = {"code", "number",  "task",    "title", "items",
	                                    "lead", "related", "targets", NULL};
	char ptr[128];
	validate_known_members(m, known, base, errors);
	const char *code = import_code(m, base, measure_codes, "measure", errors);
	if (code != NULL)
		json_object_set_new(measure_codes, code, json_true());
	validate_string_member(m, "title", VALIDATE_REQUIRED, IMPORT_TEXT_MAX, base, errors);
	import_number(m, 1000000, base, numbers, "measure", errors);
	const char *task = validate_string_member(m, "task", VALIDATE_REQUIRED, 64, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/task", base);
	if (task != NULL && json_object_get(seen->tasks, task) == NULL)
		verr_add(errors, ptr, "unknown task \"%s\"", task);

	json_t *items = json_object();
	reference_input_items(json_object_get(m, "items"), base, items, errors);
	json_t *in_measure = json_object();
	reference_input_unit_list(m, "lead", base, VALIDATE_REQUIRED, seen->units, in_measure,
	                          errors);
	reference_input_unit_list(m, "related", base, VALIDATE_OPTIONAL, seen->units, in_measure,
	                          errors);
	json_decref(in_measure);
	import_check_targets(m, base, items, seen, errors);
	json_decref(items);
}

/* share_of may point forward, so it is checked once every target code is known. */
static void import_check_shares(json_t *measures, json_t *targets_seen, json_t *errors)
{
	size_t i, j;
	json_t *m, *t;
	json_array_foreach(measures, i, m)
	{
		json_array_foreach(json_object_get(m, "targets"), j, t)
		{
			const char *so = json_string_value(json_object_get(t, "share_of"));
			const char *own = json_string_value(json_object_get(t, "code"));
			if (so == NULL)
				continue;
			char ptr[160];
			snprintf(ptr, sizeof(ptr), "/measures/%zu/targets/%zu/share_of", i, j);
			if (json_object_get(targets_seen, so) == NULL)
				verr_add(errors, ptr, "unknown target \"%s\"", so);
			else if (own != NULL && strcmp(own, so) == 0)
				verr_add(errors, ptr, "a target cannot be a share of itself");
		}
	}
}

static void import_check_measures(json_t *doc, struct import_seen *seen, json_t *errors)
{
	json_t *measures;
	if (import_array(doc, "measures", "/measures", errors, &measures) != 0)
		return;
	json_t *codes = json_object(), *numbers = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(measures, i, m)
	{
		char base[64];
		if (import_element(m, "", "/measures", i, base, sizeof(base), errors) == 0)
			import_check_measure(m, base, codes, numbers, seen, errors);
	}
	import_check_shares(measures, seen->targets, errors);
	json_decref(codes);
	json_decref(numbers);
}

json_t *import_validate(json_t *doc)
{
	json_t *errors = json_array();
	if (!json_is_object(doc)) {
		verr_add(errors, "", "a plan document must be a JSON object");
		return errors;
	}
	static const char *const known[] = {"format", "plan", "units", "tasks", "measures", NULL};
	validate_known_members(doc, known, "", errors);
	const char *format = json_string_value(json_object_get(doc, "format"));
	if (format == NULL || strcmp(format, "zeren.plan/v1") != 0)
		verr_add(errors, "/format", "must be \"zeren.plan/v1\"");
	import_check_plan(json_object_get(doc, "plan"), errors);
	struct import_seen seen = {json_object(), json_object(), json_object()};
	import_check_units(doc, seen.units, errors);
	import_check_tasks(doc, seen.tasks, errors);
	import_check_measures(doc, &seen, errors);
	json_decref(seen.units);
	json_decref(seen.tasks);
	json_decref(seen.targets);
	return errors;
}

/* --- flattening the document into one JSON array per table --- */

struct import_rows {
	json_t *units, *memberships, *groups, *tasks, *measures, *measure_codes, *items,
	        *assignments, *targets, *shares;
};

static json_t *import_member_or_null(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v != NULL ? json_incref(v) : json_null();
}

static void import_flatten(json_t *doc, struct import_rows *r)
{
	r->units = json_array();
	r->memberships = json_array();
	r->groups = json_array();
	r->tasks = json_array();
	r->measures = json_array();
	r->measure_codes = json_array();
	r->items = json_array();
	r->assignments = json_array();
	r->targets = json_array();
	r->shares = json_array();
	size_t i, j;
	json_t *u, *m, *x;
	json_array_foreach(json_object_get(doc, "units"), i, u)
	{
		json_t *in_source = json_object_get(u, "in_source");
		json_array_append_new(r->units,
		                      json_pack("{sOsOsOsbso}", "code", json_object_get(u, "code"),
		                                "name", json_object_get(u, "name"), "kind",
		                                json_object_get(u, "kind"), "in_source",
		                                in_source == NULL || json_is_true(in_source),
		                                "note", import_member_or_null(u, "note")));
		/* every unit's memberships are synchronised: a unit that stopped being a group
		 * loses its members */
		json_array_append(r->groups, json_object_get(u, "code"));
		json_t *members = json_object_get(u, "members");
		if (members == NULL)
			continue;
		json_array_foreach(members, j, x) json_array_append_new(
		        r->memberships, json_pack("{sOsOsi}", "grp", json_object_get(u, "code"),
		                                  "member", x, "position", (int)j));
	}
	json_array_foreach(json_object_get(doc, "tasks"), i, x) json_array_append_new(
	        r->tasks, json_pack("{sOsOsssO}", "code", json_object_get(x, "code"), "number",
	                            json_object_get(x, "number"), "label",
	                            json_string_value(json_object_get(x, "label"))
	                                    ? json_string_value(json_object_get(x, "label"))
	                                    : "",
	                            "title", json_object_get(x, "title")));
	json_array_foreach(json_object_get(doc, "measures"), i, m)
	{
		json_t *code = json_object_get(m, "code");
		json_array_append(r->measure_codes, code);
		json_array_append_new(r->measures, json_pack("{sOsOsOsO}", "code", code, "number",
		                                             json_object_get(m, "number"), "task",
		                                             json_object_get(m, "task"), "title",
		                                             json_object_get(m, "title")));
		json_array_foreach(json_object_get(m, "items"), j, x) json_array_append_new(
		        r->items, json_pack("{sOsOsO}", "measure", code, "number",
		                            json_object_get(x, "number"), "text",
		                            json_object_get(x, "text")));
		int pos = 0;
		const char *roles[] = {"lead", "related"};
		for (int k = 0; k < 2; k++)
			json_array_foreach(json_object_get(m, roles[k]), j, x)
			        json_array_append_new(r->assignments,
			                              json_pack("{sOsOsssi}", "measure", code,
			                                        "unit", x, "role", roles[k],
			                                        "position", pos++));
		json_array_foreach(json_object_get(m, "targets"), j, x)
		{
			json_t *row = json_pack(
			        "{sOsOsOsisOsOsOsOsosososososOsO}", "code",
			        json_object_get(x, "code"), "measure", code, "item",
			        json_object_get(x, "item"), "position", (int)j, "metric",
			        json_object_get(x, "metric"), "kind", json_object_get(x, "kind"),
			        "comparator", json_object_get(x, "comparator"), "value",
			        json_object_get(x, "value"), "unit_of_measure",
			        import_member_or_null(x, "unit_of_measure"), "deadline",
			        import_member_or_null(x, "deadline"), "recurrence",
			        import_member_or_null(x, "recurrence"), "recurrence_start",
			        import_member_or_null(x, "recurrence_start"), "accountable_unit",
			        import_member_or_null(x, "accountable_unit"), "aggregation",
			        json_object_get(x, "aggregation"), "source_phrase",
			        json_object_get(x, "source_phrase"));
			json_array_append_new(r->targets, row);
			json_array_append_new(r->shares,
			                      json_pack("{sOso}", "code",
			                                json_object_get(x, "code"), "share_of",
			                                import_member_or_null(x, "share_of")));
		}
	}
}

static void import_rows_free(struct import_rows *r)
{
	json_t **all[] = {&r->units,    &r->memberships,   &r->groups, &r->tasks,
	                  &r->measures, &r->measure_codes, &r->items,  &r->assignments,
	                  &r->targets,  &r->shares};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		json_decref(*all[i]);
		*all[i] = NULL;
	}
}

/* Runs one counting statement (unprepared, so it works on any connection) and adds its
 * created / updated / unchanged / deleted numbers to report under name. */
static enum svc_error import_step(PGconn *pg, enum db_stmt stmt, int n, const char *const *p,
                                  const char *name, json_t *report, char *detail, size_t dlen)
{
	PGresult *r = PQexecParams(pg, db_stmt_table[stmt].sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(detail, dlen, "%s: %s", name, PQresultErrorMessage(r));
		size_t l = strlen(detail);
		while (l > 0 && detail[l - 1] == '\n')
			detail[--l] = '\0';
		int constraint = strncmp(db_sqlstate(r), "23", 2) == 0;
		PQclear(r);
		if (PQstatus(pg) != CONNECTION_OK)
			return SVC_UNAVAILABLE;
		return constraint ? SVC_CONFLICT : SVC_INTERNAL;
	}
	if (name == NULL) {
		PQclear(r);
		return SVC_OK;
	}
	json_t *c = json_object_get(report, name);
	if (c == NULL) {
		c = json_pack("{sisisisi}", "created", 0, "updated", 0, "unchanged", 0, "deleted",
		              0);
		json_object_set_new(report, name, c);
	}
	long long created = atoll(PQgetvalue(r, 0, 0));
	long long updated = PQnfields(r) > 1 ? atoll(PQgetvalue(r, 0, 1)) : 0;
	long long total = PQnfields(r) > 2 ? atoll(PQgetvalue(r, 0, 2)) : 0;
	long long deleted = PQnfields(r) > 3 ? atoll(PQgetvalue(r, 0, 3)) : 0;
	PQclear(r);
	const char *keys[] = {"created", "updated", "deleted"};
	long long adds[] = {created, updated, deleted};
	for (int i = 0; i < 3; i++)
		json_object_set_new(
		        c, keys[i],
		        json_integer(json_integer_value(json_object_get(c, keys[i])) + adds[i]));
	long long unchanged = json_integer_value(json_object_get(c, "unchanged"));
	if (total > 0)
		unchanged = total - created - updated;
	else
		unchanged -= updated; /* the share_of pass only moves rows to "updated" */
	json_object_set_new(c, "unchanged", json_integer(unchanged < 0 ? 0 : unchanged));
	return SVC_OK;
}

static char *import_dump(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

enum svc_error import_apply(PGconn *pg, json_t *doc, int dry_run, const struct import_actor *actor,
                            json_t **report, char *detail, size_t dlen)
{
	struct import_rows rows;
	import_flatten(doc, &rows);
	json_t *plan = json_object_get(doc, "plan");
	char days[24];
	snprintf(days, sizeof(days), "%lld",
	         json_integer_value(json_object_get(plan, "report_due_days")));
	json_t *empty = json_array();
	json_t *assumptions = json_object_get(plan, "assumptions");
	char *texts[11] = {
	        import_dump(assumptions != NULL ? assumptions : empty),
	        import_dump(rows.units),
	        import_dump(rows.memberships),
	        import_dump(rows.groups),
	        import_dump(rows.tasks),
	        import_dump(rows.measures),
	        import_dump(rows.items),
	        import_dump(rows.measure_codes),
	        import_dump(rows.assignments),
	        import_dump(rows.targets),
	        import_dump(rows.shares),
	};
	json_decref(empty);
	const char *plan_code = json_string_value(json_object_get(plan, "code"));
	const char *p_plan[] = {plan_code,
	                        json_string_value(json_object_get(plan, "title")),
	                        json_string_value(json_object_get(plan, "start_date")),
	                        json_string_value(json_object_get(plan, "cadence")),
	                        days,
	                        texts[0]};
	json_t *counts = json_object();
	enum svc_error err = SVC_OK;
	for (size_t i = 0; i < 11; i++)
		if (texts[i] == NULL)
			err = SVC_INTERNAL;
	PGresult *b = PQexec(pg, "BEGIN");
	if (PQresultStatus(b) != PGRES_COMMAND_OK) {
		snprintf(detail, dlen, "%s", PQerrorMessage(pg));
		err = PQstatus(pg) != CONNECTION_OK ? SVC_UNAVAILABLE : SVC_INTERNAL;
	}
	PQclear(b);
	const char *p_units[] = {texts[1]};
	const char *p_members[] = {texts[2], texts[3]};
	const char *p_tasks[] = {plan_code, texts[4]};
	const char *p_measures[] = {plan_code, texts[5]};
	const char *p_items[] = {texts[6], texts[7]};
	const char *p_assign[] = {texts[8], texts[7]};
	const char *p_targets[] = {texts[9], texts[7]};
	const char *p_shares[] = {texts[10]};
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_LOCK, 0, NULL, NULL, counts, detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_PLAN, 6, p_plan, "plans", counts, detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_UNITS, 1, p_units, "units", counts, detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_MEMBERSHIPS, 2, p_members, "memberships", counts,
		                  detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_TASKS, 2, p_tasks, "tasks", counts, detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_MEASURES, 2, p_measures, "measures", counts,
		                  detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_ITEMS, 1, p_items, "items", counts, detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_ASSIGNMENTS, 2, p_assign, "assignments", counts,
		                  detail, dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_TARGETS, 2, p_targets, "targets", counts, detail,
		                  dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_ITEMS_PRUNE, 2, p_items, "items", counts, detail,
		                  dlen);
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_TARGET_SHARES, 1, p_shares, "targets", counts,
		                  detail, dlen);
	char *counts_text = err == SVC_OK ? json_dumps(counts, JSON_COMPACT) : NULL;
	const char *p_audit[] = {actor->iss,        actor->sub,  actor->unit,
	                         actor->request_id, counts_text, plan_code};
	if (err == SVC_OK)
		err = import_step(pg, STMT_IMPORT_AUDIT, 6, p_audit, NULL, counts, detail, dlen);
	free(counts_text);
	const char *finish = err == SVC_OK && !dry_run ? "COMMIT" : "ROLLBACK";
	PGresult *f = PQexec(pg, finish);
	if (err == SVC_OK && PQresultStatus(f) != PGRES_COMMAND_OK) {
		snprintf(detail, dlen, "commit: %s", PQerrorMessage(pg));
		err = PQstatus(pg) != CONNECTION_OK ? SVC_UNAVAILABLE : SVC_CONFLICT;
	}
	PQclear(f);
	for (size_t i = 0; i < 11; i++)
		free(texts[i]);
	import_rows_free(&rows);
	if (err != SVC_OK) {
		json_decref(counts);
		return err;
	}
	int changed = 0;
	const char *k;
	json_t *v;
	json_object_foreach(counts, k, v)
	{
		(void)k;
		changed |= json_integer_value(json_object_get(v, "created")) != 0 ||
		           json_integer_value(json_object_get(v, "updated")) != 0 ||
		           json_integer_value(json_object_get(v, "deleted")) != 0;
	}
	*report = json_pack("{sssbsbso}", "plan", plan_code, "dry_run", dry_run, "changed", changed,
	                    "counts", counts);
	return SVC_OK;
}

int import_file(const char *conninfo, const char *path, int dry_run)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "zeren import: %s:%d:%d: %s\n", path, jerr.line, jerr.column,
		        jerr.text);
		return 1;
	}
	json_t *errors = import_validate(doc);
	if (json_array_size(errors) > 0) {
		size_t i;
		json_t *e;
		fprintf(stderr, "zeren import: %s has %zu problem(s); nothing was written\n", path,
		        json_array_size(errors));
		json_array_foreach(errors, i, e) fprintf(
		        stderr, "  %s: %s\n", json_string_value(json_object_get(e, "pointer")),
		        json_string_value(json_object_get(e, "message")));
		json_decref(errors);
		json_decref(doc);
		return 1;
	}
	json_decref(errors);
	char msg[1024];
	PGconn *pg = db_connect_once(conninfo, msg, sizeof(msg));
	if (pg == NULL) {
		fprintf(stderr, "zeren import: cannot connect: %s\n", msg);
		json_decref(doc);
		return 1;
	}
	json_t *report = NULL;
	const char *user = getenv("USER");
	struct import_actor actor = {"zeren-cli", user != NULL ? user : "unknown", NULL, "cli"};
	enum svc_error err = import_apply(pg, doc, dry_run, &actor, &report, msg, sizeof(msg));
	PQfinish(pg);
	json_decref(doc);
	if (err != SVC_OK) {
		fprintf(stderr, "zeren import: nothing was written: %s\n", msg);
		return 1;
	}
	char *text = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text != NULL ? text : "{}");
	free(text);
	json_decref(report);
	return 0;
}
