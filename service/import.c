/* import.c — the plan document: every rule checked up front, then one statement per table. */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "reference_input.h"
#include "tx.h"
#include "validate.h"

#define IMPORT_TEXT_MAX 20000

static const char *const import_unit_kinds[] = {
        "department", "county_government", "school", "organisation", "group", NULL};
static const char *const import_cadences[] = {"month", "quarter", "half", "year", NULL};

/* A set of codes seen so far, for duplicate and reference checks. */
struct import_names {
	json_t *codes; /* object: code -> value describing it */
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

static const char *import_code(json_t *obj, const char *base, json_t *seen, const char *what,
                               json_t *errors)
{
	const char *code = validate_string_member(obj, "code", 1, 64, base, errors);
	if (code == NULL)
		return NULL;
	char ptr[160];
	snprintf(ptr, sizeof(ptr), "%s/code", base);
	if (!validate_code(code)) {
		verr_add(errors, ptr, "must match ^[a-z0-9][a-z0-9._-]{0,63}$");
		return NULL;
	}
	if (seen != NULL && json_object_get(seen, code) != NULL) {
		verr_add(errors, ptr, "duplicate %s code \"%s\"", what, code);
		return NULL;
	}
	return code;
}

static void import_check_plan(json_t *plan, json_t *errors)
{
	static const char *const known[] = {
	        "code", "title", "start_date", "cadence", "report_due_days", "assumptions", NULL};
	if (!json_is_object(plan)) {
		verr_add(errors, "/plan", "must be an object");
		return;
	}
	validate_known_members(plan, known, "/plan", errors);
	import_code(plan, "/plan", NULL, "plan", errors);
	validate_string_member(plan, "title", 1, IMPORT_TEXT_MAX, "/plan", errors);
	const char *d = validate_string_member(plan, "start_date", 1, 10, "/plan", errors);
	if (d != NULL && !validate_date(d))
		verr_add(errors, "/plan/start_date", "must be a date YYYY-MM-DD");
	const char *c = validate_string_member(plan, "cadence", 1, 16, "/plan", errors);
	if (c != NULL && !validate_enum(c, import_cadences))
		verr_add(errors, "/plan/cadence", "must be month, quarter, half or year");
	long long days;
	validate_integer_member(plan, "report_due_days", 1, 0, 366, &days, "/plan", errors);
	json_t *as = json_object_get(plan, "assumptions");
	if (as != NULL && !json_is_array(as))
		verr_add(errors, "/plan/assumptions", "must be an array");
	size_t i;
	json_t *a;
	json_array_foreach(as, i, a)
	{
		char base[64];
		if (import_element(a, "", "/plan/assumptions", i, base, sizeof(base), errors) != 0)
			continue;
		static const char *const assumption_known[] = {"field", "note", NULL};
		validate_known_members(a, assumption_known, base, errors);
		validate_string_member(a, "field", 1, 64, base, errors);
		validate_string_member(a, "note", 1, IMPORT_TEXT_MAX, base, errors);
	}
}

/* units: codes -> kind string, filled for later reference checks. */
static void import_check_units(json_t *doc, json_t *units_seen, json_t *errors)
{
	static const char *const known[] = {"code", "name",    "kind", "in_source",
	                                    "note", "members", NULL};
	json_t *units;
	if (import_array(doc, "units", "/units", errors, &units) != 0)
		return;
	size_t i;
	json_t *u;
	/* First pass: codes and kinds, so members may name units listed later. */
	json_array_foreach(units, i, u)
	{
		char base[64];
		if (import_element(u, "", "/units", i, base, sizeof(base), errors) != 0)
			continue;
		validate_known_members(u, known, base, errors);
		const char *code = import_code(u, base, units_seen, "unit", errors);
		validate_string_member(u, "name", 1, 500, base, errors);
		validate_string_member(u, "note", 0, IMPORT_TEXT_MAX, base, errors);
		json_t *in_source = json_object_get(u, "in_source");
		if (in_source != NULL && !json_is_boolean(in_source))
			verr_add(errors, base, "in_source must be true or false");
		const char *kind = validate_string_member(u, "kind", 1, 32, base, errors);
		if (kind != NULL && !validate_enum(kind, import_unit_kinds)) {
			char ptr[96];
			snprintf(ptr, sizeof(ptr), "%s/kind", base);
			verr_add(errors, ptr,
			         "must be department, county_government, school, organisation or "
			         "group");
			kind = NULL;
		}
		if (code != NULL)
			json_object_set_new(units_seen, code, json_string(kind ? kind : "?"));
	}
	json_array_foreach(units, i, u)
	{
		char base[64], ptr[96];
		snprintf(base, sizeof(base), "/units/%zu", i);
		snprintf(ptr, sizeof(ptr), "%s/members", base);
		json_t *members = json_object_get(u, "members");
		const char *kind = json_string_value(json_object_get(u, "kind"));
		int is_group = kind != NULL && strcmp(kind, "group") == 0;
		if (members == NULL) {
			if (is_group)
				verr_add(errors, ptr, "a group needs members");
			continue;
		}
		if (!is_group) {
			verr_add(errors, ptr, "only a group has members");
			continue;
		}
		if (!json_is_array(members) || json_array_size(members) == 0) {
			verr_add(errors, ptr, "must be a non-empty array of unit codes");
			continue;
		}
		size_t j;
		json_t *m;
		json_t *dup = json_object();
		json_array_foreach(members, j, m)
		{
			char mp[128];
			snprintf(mp, sizeof(mp), "%s/%zu", ptr, j);
			const char *mc = json_string_value(m);
			const char *mk =
			        mc ? json_string_value(json_object_get(units_seen, mc)) : NULL;
			if (mc == NULL)
				verr_add(errors, mp, "must be a unit code");
			else if (mk == NULL)
				verr_add(errors, mp, "unknown unit \"%s\"", mc);
			else if (strcmp(mk, "group") == 0)
				verr_add(errors, mp, "a group cannot be a member");
			else if (json_object_get(dup, mc) != NULL)
				verr_add(errors, mp, "\"%s\" listed twice", mc);
			else
				json_object_set_new(dup, mc, json_true());
		}
		json_decref(dup);
	}
}

static void import_check_tasks(json_t *doc, json_t *tasks_seen, json_t *errors)
{
	static const char *const known[] = {"code", "number", "label", "title", NULL};
	json_t *tasks, *numbers = json_object();
	if (import_array(doc, "tasks", "/tasks", errors, &tasks) != 0) {
		json_decref(numbers);
		return;
	}
	size_t i;
	json_t *t;
	json_array_foreach(tasks, i, t)
	{
		char base[64];
		if (import_element(t, "", "/tasks", i, base, sizeof(base), errors) != 0)
			continue;
		validate_known_members(t, known, base, errors);
		const char *code = import_code(t, base, tasks_seen, "task", errors);
		validate_string_member(t, "label", 0, 64, base, errors);
		validate_string_member(t, "title", 1, IMPORT_TEXT_MAX, base, errors);
		long long n;
		if (validate_integer_member(t, "number", 1, 1, 100000, &n, base, errors) == 0) {
			char key[24], ptr[96];
			snprintf(key, sizeof(key), "%lld", n);
			snprintf(ptr, sizeof(ptr), "%s/number", base);
			if (json_object_get(numbers, key) != NULL)
				verr_add(errors, ptr, "task number %lld is used twice", n);
			json_object_set_new(numbers, key, json_true());
		}
		if (code != NULL)
			json_object_set_new(tasks_seen, code, json_true());
	}
	json_decref(numbers);
}

/* Checks one target; items maps item number (as text) to its text. The field rules are
 * reference_input_target's, shared with the admin API; codes and units are the document's. */
static void import_check_target(json_t *t, const char *base, json_t *items, json_t *units_seen,
                                json_t *targets_seen, json_t *errors)
{
	char ptr[160];
	const char *code = import_code(t, base, targets_seen, "target", errors);
	if (code != NULL)
		json_object_set_new(targets_seen, code, json_true());
	reference_input_target_fields(t, base, items, errors);
	const char *acc = json_string_value(json_object_get(t, "accountable_unit"));
	snprintf(ptr, sizeof(ptr), "%s/accountable_unit", base);
	if (acc != NULL) {
		const char *k = json_string_value(json_object_get(units_seen, acc));
		if (k == NULL)
			verr_add(errors, ptr, "unknown unit \"%s\"", acc);
		else if (strcmp(k, "group") == 0)
			verr_add(errors, ptr, "must be a unit, not a group");
	}
}

static void import_check_measures(json_t *doc, json_t *units_seen, json_t *tasks_seen,
                                  json_t *errors)
{
	static const char *const known[] = {"code", "number",  "task",    "title", "items",
	                                    "lead", "related", "targets", NULL};
	json_t *measures;
	if (import_array(doc, "measures", "/measures", errors, &measures) != 0)
		return;
	json_t *seen = json_object(), *numbers = json_object(), *targets_seen = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(measures, i, m)
	{
		char base[64], ptr[128];
		if (import_element(m, "", "/measures", i, base, sizeof(base), errors) != 0)
			continue;
		validate_known_members(m, known, base, errors);
		const char *code = import_code(m, base, seen, "measure", errors);
		if (code != NULL)
			json_object_set_new(seen, code, json_true());
		validate_string_member(m, "title", 1, IMPORT_TEXT_MAX, base, errors);
		long long n;
		if (validate_integer_member(m, "number", 1, 1, 1000000, &n, base, errors) == 0) {
			char key[24];
			snprintf(key, sizeof(key), "%lld", n);
			snprintf(ptr, sizeof(ptr), "%s/number", base);
			if (json_object_get(numbers, key) != NULL)
				verr_add(errors, ptr, "measure number %lld is used twice", n);
			json_object_set_new(numbers, key, json_true());
		}
		const char *task = validate_string_member(m, "task", 1, 64, base, errors);
		snprintf(ptr, sizeof(ptr), "%s/task", base);
		if (task != NULL && json_object_get(tasks_seen, task) == NULL)
			verr_add(errors, ptr, "unknown task \"%s\"", task);

		/* items: numbered 1..n in order */
		json_t *items = json_object(), *list = json_object_get(m, "items");
		snprintf(ptr, sizeof(ptr), "%s/items", base);
		if (!json_is_array(list) || json_array_size(list) == 0)
			verr_add(errors, ptr, "must be a non-empty array");
		size_t j;
		json_t *it;
		json_array_foreach(list, j, it)
		{
			char ib[128];
			if (import_element(it, base, "/items", j, ib, sizeof(ib), errors) != 0)
				continue;
			static const char *const item_known[] = {"number", "text", NULL};
			validate_known_members(it, item_known, ib, errors);
			long long num;
			const char *text =
			        validate_string_member(it, "text", 1, IMPORT_TEXT_MAX, ib, errors);
			if (validate_integer_member(it, "number", 1, 1, 1000, &num, ib, errors) ==
			    0) {
				if (num != (long long)j + 1) {
					char np[160];
					snprintf(np, sizeof(np), "%s/number", ib);
					verr_add(errors, np,
					         "items must be numbered 1..n in order; "
					         "expected %zu",
					         j + 1);
				}
				char key[24];
				snprintf(key, sizeof(key), "%lld", num);
				if (text != NULL)
					json_object_set_new(items, key, json_string(text));
			}
		}

		json_t *in_measure = json_object();
		reference_input_unit_list(m, "lead", base, 1, units_seen, in_measure, errors);
		reference_input_unit_list(m, "related", base, 0, units_seen, in_measure, errors);
		json_decref(in_measure);

		json_t *targets = json_object_get(m, "targets");
		snprintf(ptr, sizeof(ptr), "%s/targets", base);
		if (targets != NULL && !json_is_array(targets))
			verr_add(errors, ptr, "must be an array");
		json_t *t;
		json_array_foreach(targets, j, t)
		{
			char tb[128];
			if (import_element(t, base, "/targets", j, tb, sizeof(tb), errors) != 0)
				continue;
			import_check_target(t, tb, items, units_seen, targets_seen, errors);
		}
		json_decref(items);
	}
	/* share_of may point forward, so it is checked once every target code is known. */
	json_array_foreach(measures, i, m)
	{
		size_t j;
		json_t *t;
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
	json_decref(seen);
	json_decref(numbers);
	json_decref(targets_seen);
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
	json_t *units_seen = json_object(), *tasks_seen = json_object();
	import_check_units(doc, units_seen, errors);
	import_check_tasks(doc, tasks_seen, errors);
	import_check_measures(doc, units_seen, tasks_seen, errors);
	json_decref(units_seen);
	json_decref(tasks_seen);
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
