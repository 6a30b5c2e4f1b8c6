/* reference_input.c — admin reference-data bodies checked by the importer's rules. */
#include "reference_input.h"

#include <stdio.h>
#include <string.h>

#include "validate.h"

#define REFERENCE_TEXT_MAX 20000

const char *const reference_unit_kinds[] = {
        "department", "county_government", "school", "organisation", "group", NULL};
static const char *const reference_roles[] = {"lead", "related", NULL};
static const char *const reference_target_kinds[] = {"quantity", "percentage", "milestone", NULL};
static const char *const reference_comparators[] = {"gte", "gt", "lte", "lt", "eq", NULL};
static const char *const reference_recurrences[] = {"annual", "biennial", NULL};
static const char *const reference_aggregations[] = {"sum", "latest", NULL};
static const char *const reference_target_known[] = {"code",
                                                     "item",
                                                     "metric",
                                                     "kind",
                                                     "comparator",
                                                     "value",
                                                     "unit_of_measure",
                                                     "deadline",
                                                     "recurrence",
                                                     "recurrence_start",
                                                     "accountable_unit",
                                                     "aggregation",
                                                     "share_of",
                                                     "source_phrase",
                                                     NULL};

static void reference_check_code(json_t *obj, int required, json_t *errors)
{
	const char *code = validate_string_member(obj, "code", required, 64, "", errors);
	if (code != NULL && !validate_code(code))
		verr_add(errors, "/code", "must match ^[a-z0-9][a-z0-9._-]{0,63}$");
	if (!required && json_is_null(json_object_get(obj, "code")))
		verr_add(errors, "/code", "must be a string");
}

/* members: a non-empty array of distinct unit codes. */
static void reference_check_members(json_t *members, json_t *errors)
{
	if (!json_is_array(members) || json_array_size(members) == 0) {
		verr_add(errors, "/members", "must be a non-empty array of unit codes");
		return;
	}
	json_t *seen = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(members, i, m)
	{
		char ptr[48];
		snprintf(ptr, sizeof(ptr), "/members/%zu", i);
		const char *code = json_string_value(m);
		if (code == NULL || !validate_code(code))
			verr_add(errors, ptr, "must be a unit code");
		else if (json_object_get(seen, code) != NULL)
			verr_add(errors, ptr, "\"%s\" listed twice", code);
		else
			json_object_set_new(seen, code, json_true());
	}
	json_decref(seen);
}

int reference_input_unit(json_t *body, int partial, json_t *errors)
{
	static const char *const known[] = {"code", "name",    "kind", "in_source",
	                                    "note", "members", NULL};
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, known, "", errors);
	if (partial && json_object_size(body) == 0)
		verr_add(errors, "", "nothing to change");
	reference_check_code(body, !partial, errors);
	validate_string_member(body, "name", !partial, 500, "", errors);
	if (partial && json_is_null(json_object_get(body, "name")))
		verr_add(errors, "/name", "must be a string");
	validate_string_member(body, "note", 0, REFERENCE_TEXT_MAX, "", errors);
	json_t *in_source = json_object_get(body, "in_source");
	if (in_source != NULL && !json_is_boolean(in_source))
		verr_add(errors, "/in_source", "must be true or false");
	const char *kind = validate_string_member(body, "kind", !partial, 32, "", errors);
	if (kind != NULL && !validate_enum(kind, reference_unit_kinds)) {
		verr_add(errors, "/kind",
		         "must be department, county_government, school, organisation or group");
		kind = NULL;
	}
	if (partial && json_is_null(json_object_get(body, "kind")))
		verr_add(errors, "/kind", "must be a string");
	json_t *members = json_object_get(body, "members");
	int is_group = kind != NULL && strcmp(kind, "group") == 0;
	if (members != NULL && !json_is_null(members))
		reference_check_members(members, errors);
	if (!partial && kind != NULL) {
		int has_members = members != NULL && !json_is_null(members);
		if (is_group && !has_members)
			verr_add(errors, "/members", "a group needs members");
		else if (!is_group && has_members)
			verr_add(errors, "/members", "only a group has members");
	}
	return json_array_size(errors) > before ? -1 : 0;
}

int reference_input_assignment(json_t *body, const char **unit, const char **role, json_t *errors)
{
	static const char *const known[] = {"unit", "role", NULL};
	size_t before = json_array_size(errors);
	*unit = NULL;
	*role = NULL;
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, known, "", errors);
	const char *u = validate_string_member(body, "unit", 1, 64, "", errors);
	if (u != NULL && !validate_code(u))
		verr_add(errors, "/unit", "must be a unit code");
	const char *r = validate_string_member(body, "role", 1, 16, "", errors);
	if (r != NULL && !validate_enum(r, reference_roles))
		verr_add(errors, "/role", "must be lead or related");
	if (json_array_size(errors) > before)
		return -1;
	*unit = u;
	*role = r;
	return 0;
}

void reference_input_target_fields(json_t *t, const char *base, json_t *items, json_t *errors)
{
	char ptr[160];
	validate_known_members(t, reference_target_known, base, errors);
	validate_string_member(t, "metric", 1, 1000, base, errors);
	const char *kind = validate_string_member(t, "kind", 1, 16, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/kind", base);
	if (kind != NULL && !validate_enum(kind, reference_target_kinds))
		verr_add(errors, ptr, "must be quantity, percentage or milestone");
	const char *cmp = validate_string_member(t, "comparator", 1, 8, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/comparator", base);
	if (cmp != NULL && !validate_enum(cmp, reference_comparators))
		verr_add(errors, ptr, "must be gte, gt, lte, lt or eq");
	double value;
	int pct = kind != NULL && strcmp(kind, "percentage") == 0;
	validate_number_member(t, "value", 1, 0, pct ? 100 : 1e15, &value, base, errors);
	validate_string_member(t, "unit_of_measure", 0, 32, base, errors);
	const char *deadline = validate_string_member(t, "deadline", 0, 10, base, errors);
	const char *rec = validate_string_member(t, "recurrence", 0, 16, base, errors);
	const char *rec_start = validate_string_member(t, "recurrence_start", 0, 10, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/deadline", base);
	if (deadline != NULL && !validate_date(deadline))
		verr_add(errors, ptr, "must be a date YYYY-MM-DD");
	if ((deadline == NULL) == (rec == NULL))
		verr_add(errors, ptr, "exactly one of deadline and recurrence must be set");
	snprintf(ptr, sizeof(ptr), "%s/recurrence", base);
	if (rec != NULL && !validate_enum(rec, reference_recurrences))
		verr_add(errors, ptr, "must be annual or biennial");
	snprintf(ptr, sizeof(ptr), "%s/recurrence_start", base);
	if (rec != NULL && (rec_start == NULL || !validate_date(rec_start)))
		verr_add(errors, ptr, "a recurring target needs a start date YYYY-MM-DD");
	if (rec == NULL && rec_start != NULL)
		verr_add(errors, ptr, "only a recurring target has a start");
	const char *agg = validate_string_member(t, "aggregation", 1, 16, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/aggregation", base);
	if (agg != NULL && !validate_enum(agg, reference_aggregations))
		verr_add(errors, ptr, "must be sum or latest");
	validate_string_member(t, "accountable_unit", 0, 64, base, errors);
	validate_string_member(t, "share_of", 0, 64, base, errors);
	long long item;
	const char *phrase = validate_string_member(t, "source_phrase", 1, 2000, base, errors);
	if (validate_integer_member(t, "item", 1, 1, 1000, &item, base, errors) == 0) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", item);
		const char *text = json_string_value(json_object_get(items, key));
		snprintf(ptr, sizeof(ptr), "%s/item", base);
		if (text == NULL)
			verr_add(errors, ptr, "the measure has no item %lld", item);
		else if (phrase != NULL && strstr(text, phrase) == NULL) {
			snprintf(ptr, sizeof(ptr), "%s/source_phrase", base);
			verr_add(errors, ptr, "is not found verbatim in item %lld", item);
		}
	}
}

int reference_input_target(json_t *t, json_t *items, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(t)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	reference_check_code(t, 1, errors);
	reference_input_target_fields(t, "", items, errors);
	return json_array_size(errors) > before ? -1 : 0;
}

int reference_input_target_patch(json_t *t, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(t)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(t, reference_target_known, "", errors);
	if (json_object_size(t) == 0)
		verr_add(errors, "", "nothing to change");
	reference_check_code(t, 0, errors);
	return json_array_size(errors) > before ? -1 : 0;
}

static const char *const reference_measure_known[] = {"code",  "number", "task",    "title",
                                                      "items", "lead",   "related", NULL};

/* items: a non-empty array numbered 1..n in order with non-empty text. */
static void reference_check_items(json_t *list, json_t *errors)
{
	if (!json_is_array(list) || json_array_size(list) == 0) {
		verr_add(errors, "/items", "must be a non-empty array");
		return;
	}
	size_t j;
	json_t *it;
	json_array_foreach(list, j, it)
	{
		static const char *const item_known[] = {"number", "text", NULL};
		char ib[48];
		snprintf(ib, sizeof(ib), "/items/%zu", j);
		if (!json_is_object(it)) {
			verr_add(errors, ib, "must be an object");
			continue;
		}
		validate_known_members(it, item_known, ib, errors);
		validate_string_member(it, "text", 1, REFERENCE_TEXT_MAX, ib, errors);
		long long num;
		if (validate_integer_member(it, "number", 1, 1, 1000, &num, ib, errors) == 0 &&
		    num != (long long)j + 1) {
			char np[64];
			snprintf(np, sizeof(np), "%s/number", ib);
			verr_add(errors, np, "items must be numbered 1..n in order; expected %zu",
			         j + 1);
		}
	}
}

void reference_input_unit_list(json_t *m, const char *key, const char *base, int required,
                               json_t *known, json_t *in_measure, json_t *errors)
{
	char ptr[128];
	snprintf(ptr, sizeof(ptr), "%s/%s", base, key);
	json_t *list = json_object_get(m, key);
	if (list == NULL && !required)
		return;
	if (!json_is_array(list) || (required && json_array_size(list) == 0)) {
		verr_add(errors, ptr,
		         required ? "must be a non-empty array of unit codes"
		                  : "must be an array of unit codes");
		return;
	}
	size_t i;
	json_t *u;
	json_array_foreach(list, i, u)
	{
		char up[160];
		snprintf(up, sizeof(up), "%s/%zu", ptr, i);
		const char *code = json_string_value(u);
		if (code == NULL || (known == NULL && !validate_code(code)))
			verr_add(errors, up, "must be a unit code");
		else if (known != NULL && json_object_get(known, code) == NULL)
			verr_add(errors, up, "unknown unit \"%s\"", code);
		else if (json_object_get(in_measure, code) != NULL)
			verr_add(errors, up, "unit \"%s\" is assigned twice", code);
		else
			json_object_set_new(in_measure, code, json_true());
	}
}

int reference_input_measure(json_t *body, int merged, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, reference_measure_known, "", errors);
	reference_check_code(body, 1, errors);
	validate_string_member(body, "title", 1, REFERENCE_TEXT_MAX, "", errors);
	long long n;
	validate_integer_member(body, "number", 1, 1, 1000000, &n, "", errors);
	const char *task = validate_string_member(body, "task", 1, 64, "", errors);
	if (task != NULL && !validate_code(task))
		verr_add(errors, "/task", "must be a task code");
	reference_check_items(json_object_get(body, "items"), errors);
	if (merged) {
		if (json_object_get(body, "lead") != NULL)
			verr_add(errors, "/lead",
			         "change assignments through "
			         "/v1/measures/{id}/assignments");
		if (json_object_get(body, "related") != NULL)
			verr_add(errors, "/related",
			         "change assignments through "
			         "/v1/measures/{id}/assignments");
	} else {
		json_t *seen = json_object();
		reference_input_unit_list(body, "lead", "", 1, NULL, seen, errors);
		reference_input_unit_list(body, "related", "", 0, NULL, seen, errors);
		json_decref(seen);
	}
	return json_array_size(errors) > before ? -1 : 0;
}

int reference_input_measure_patch(json_t *body, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, reference_measure_known, "", errors);
	if (json_object_size(body) == 0)
		verr_add(errors, "", "nothing to change");
	reference_check_code(body, 0, errors);
	if (json_object_get(body, "lead") != NULL)
		verr_add(errors, "/lead",
		         "change assignments through /v1/measures/{id}/assignments");
	if (json_object_get(body, "related") != NULL)
		verr_add(errors, "/related",
		         "change assignments through /v1/measures/{id}/assignments");
	return json_array_size(errors) > before ? -1 : 0;
}

static const char *const reference_task_known[] = {"plan",  "code",  "number",
                                                   "label", "title", NULL};
static const char *const reference_plan_known[] = {
        "code", "title", "start_date", "cadence", "report_due_days", "assumptions", NULL};
static const char *const reference_cadences[] = {"month", "quarter", "half", "year", NULL};

int reference_input_task(json_t *body, int merged, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, reference_task_known, "", errors);
	reference_check_code(body, 1, errors);
	if (merged) {
		if (json_object_get(body, "plan") != NULL)
			verr_add(errors, "/plan", "a task cannot move to another plan");
	} else {
		const char *plan = validate_string_member(body, "plan", 1, 64, "", errors);
		if (plan != NULL && !validate_code(plan))
			verr_add(errors, "/plan", "must be a plan code");
	}
	long long n;
	validate_integer_member(body, "number", 1, 1, 100000, &n, "", errors);
	validate_string_member(body, "label", 0, 64, "", errors);
	validate_string_member(body, "title", 1, REFERENCE_TEXT_MAX, "", errors);
	return json_array_size(errors) > before ? -1 : 0;
}

int reference_input_plan(json_t *body, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, reference_plan_known, "", errors);
	reference_check_code(body, 1, errors);
	validate_string_member(body, "title", 1, REFERENCE_TEXT_MAX, "", errors);
	const char *d = validate_string_member(body, "start_date", 1, 10, "", errors);
	if (d != NULL && !validate_date(d))
		verr_add(errors, "/start_date", "must be a date YYYY-MM-DD");
	const char *c = validate_string_member(body, "cadence", 1, 16, "", errors);
	if (c != NULL && !validate_enum(c, reference_cadences))
		verr_add(errors, "/cadence", "must be month, quarter, half or year");
	long long days;
	validate_integer_member(body, "report_due_days", 1, 0, 366, &days, "", errors);
	json_t *as = json_object_get(body, "assumptions");
	if (as != NULL && !json_is_array(as))
		verr_add(errors, "/assumptions", "must be an array");
	size_t i;
	json_t *a;
	json_array_foreach(as, i, a)
	{
		static const char *const assumption_known[] = {"field", "note", NULL};
		char base[48];
		snprintf(base, sizeof(base), "/assumptions/%zu", i);
		if (!json_is_object(a)) {
			verr_add(errors, base, "must be an object");
			continue;
		}
		validate_known_members(a, assumption_known, base, errors);
		validate_string_member(a, "field", 1, 64, base, errors);
		validate_string_member(a, "note", 1, REFERENCE_TEXT_MAX, base, errors);
	}
	return json_array_size(errors) > before ? -1 : 0;
}

static int reference_patch_shape(json_t *body, const char *const *known, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, known, "", errors);
	if (json_object_size(body) == 0)
		verr_add(errors, "", "nothing to change");
	reference_check_code(body, 0, errors);
	return json_array_size(errors) > before ? -1 : 0;
}

int reference_input_task_patch(json_t *body, json_t *errors)
{
	if (reference_patch_shape(body, reference_task_known, errors) != 0)
		return -1;
	if (json_object_get(body, "plan") == NULL)
		return 0;
	verr_add(errors, "/plan", "a task cannot move to another plan");
	return -1;
}

int reference_input_plan_patch(json_t *body, json_t *errors)
{
	return reference_patch_shape(body, reference_plan_known, errors);
}
