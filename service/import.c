/* import.c — the plan document: every rule checked up front, then one statement per table. */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "domain.h"
#include "reference_input.h"
#include "tx.h"
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
	char list[128];
	snprintf(list, sizeof(list), "%s%s", parent, name);
	return validate_element(el, list, i, NULL, out, len, errors);
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
	static const char *const known[] = {"code", "name",    "kind",    "in_source",
	                                    "note", "members", "aliases", NULL};
	validate_known_members(u, known, base, errors);
	const char *code = import_code(u, base, units, "unit", errors);
	const char *name = validate_string_member(u, "name", VALIDATE_REQUIRED, 500, base, errors);
	json_t *aliases = json_object_get(u, "aliases");
	char ap[96];
	snprintf(ap, sizeof(ap), "%s/aliases", base);
	if (aliases != NULL)
		reference_input_aliases(aliases, name, ap, errors);
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

/* Unit i's aliases against the other units of the document: an alias is no other unit's name
 * or alias, and a name no other unit's alias (names owned records unit i as their owner). */
static void import_check_aliases(json_t *u, size_t i, json_t *owners, json_t *errors)
{
	json_t *aliases = json_object_get(u, "aliases");
	size_t j;
	json_t *a;
	json_array_foreach(aliases, j, a)
	{
		json_t *owner = json_object_get(owners, json_string_value(a));
		if (owner == NULL || (size_t)json_integer_value(owner) == i)
			continue;
		char ptr[96];
		snprintf(ptr, sizeof(ptr), "/units/%zu/aliases/%zu", i, j);
		verr_add(errors, ptr, "\"%s\" is the name or an alias of /units/%lld",
		         json_string_value(a), (long long)json_integer_value(owner));
	}
}

/* Names and aliases unique across the document's units (the database checks the same across
 * every unit, units_names_unique). Only well-formed names and aliases take part. */
static void import_check_names(json_t *list, json_t *errors)
{
	json_t *owners = json_object(); /* name or alias -> first unit index */
	size_t i, j;
	json_t *u, *a;
	json_array_foreach(list, i, u)
	{
		const char *name = json_string_value(json_object_get(u, "name"));
		if (name != NULL && json_object_get(owners, name) == NULL)
			json_object_set_new(owners, name, json_integer((json_int_t)i));
	}
	json_array_foreach(list, i, u)
	{
		json_t *aliases = json_object_get(u, "aliases");
		if (!json_is_array(aliases))
			continue;
		import_check_aliases(u, i, owners, errors);
		json_array_foreach(aliases, j, a)
		{
			const char *alias = json_string_value(a);
			if (alias != NULL && json_object_get(owners, alias) == NULL)
				json_object_set_new(owners, alias, json_integer((json_int_t)i));
		}
	}
	json_decref(owners);
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
	import_check_names(list, errors);
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
