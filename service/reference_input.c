/* reference_input.c — the rules of reference data (plans, units, tasks, measures, targets),
 * shared by the admin API and the plan document importer. */
#include "reference_input.h"

#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "validate.h"

#define REFERENCE_TEXT_MAX 20000

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

const char *reference_input_code(json_t *obj, const char *base, enum validate_presence required,
                                 json_t *errors)
{
	char ptr[160];
	snprintf(ptr, sizeof(ptr), "%s/code", base);
	const char *code = validate_string_member(obj, "code", required, 64, base, errors);
	if (code != NULL && !validate_code(code)) {
		verr_add(errors, ptr, "must match ^[a-z0-9][a-z0-9._-]{0,63}$");
		code = NULL;
	}
	if (!required && json_is_null(json_object_get(obj, "code")))
		verr_add(errors, ptr, "must be a string");
	return code;
}

static void reference_check_code(json_t *obj, enum validate_presence required, json_t *errors)
{
	(void)reference_input_code(obj, "", required, errors);
}

void reference_input_members(json_t *members, const char *ptr, json_t *known, json_t *errors)
{
	if (!json_is_array(members) || json_array_size(members) == 0) {
		verr_add(errors, ptr, "must be a non-empty array of unit codes");
		return;
	}
	json_t *seen = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(members, i, m)
	{
		char mp[128];
		snprintf(mp, sizeof(mp), "%s/%zu", ptr, i);
		const char *code = json_string_value(m);
		const char *kind =
		        code && known ? json_string_value(json_object_get(known, code)) : NULL;
		if (code == NULL || (known == NULL && !validate_code(code)))
			verr_add(errors, mp, "must be a unit code");
		else if (known != NULL && kind == NULL)
			verr_add(errors, mp, "unknown unit \"%s\"", code);
		else if (known != NULL &&
		         domain_lookup(domain_unit_kinds, kind) == DOMAIN_UNIT_GROUP)
			verr_add(errors, mp, "a group cannot be a member");
		else if (json_object_get(seen, code) != NULL)
			verr_add(errors, mp, "\"%s\" listed twice", code);
		else
			json_object_set_new(seen, code, json_true());
	}
	json_decref(seen);
}

/* A name: 1 to 500 characters of text without control characters. */
static int reference_name_ok(const char *s)
{
	size_t chars = 0, len = strlen(s);
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	return chars >= 1 && chars <= 500 && validate_utf8_text(s, len) &&
	       strpbrk(s, "\t\r\n") == NULL;
}

void reference_input_aliases(json_t *aliases, const char *name, const char *ptr, json_t *errors)
{
	if (!json_is_array(aliases) || json_array_size(aliases) > REFERENCE_ALIASES_MAX) {
		verr_add(errors, ptr, "must be an array of at most %d names",
		         REFERENCE_ALIASES_MAX);
		return;
	}
	json_t *seen = json_object();
	size_t i;
	json_t *a;
	json_array_foreach(aliases, i, a)
	{
		char ap[160];
		snprintf(ap, sizeof(ap), "%s/%zu", ptr, i);
		const char *alias = json_string_value(a);
		if (alias == NULL || !reference_name_ok(alias))
			verr_add(errors, ap, "must be a name of 1 to 500 characters");
		else if (name != NULL && strcmp(alias, name) == 0)
			verr_add(errors, ap, "is the unit's own name");
		else if (json_object_get(seen, alias) != NULL)
			verr_add(errors, ap, "\"%s\" listed twice", alias);
		else
			json_object_set_new(seen, alias, json_true());
	}
	json_decref(seen);
}

int reference_input_unit(json_t *body, enum reference_body partial, json_t *errors)
{
	static const char *const known[] = {"code", "name",    "kind",    "in_source",
	                                    "note", "members", "aliases", NULL};
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, known, "", errors);
	if (partial && json_object_size(body) == 0)
		verr_add(errors, "", "nothing to change");
	enum validate_presence whole = partial ? VALIDATE_OPTIONAL : VALIDATE_REQUIRED;
	reference_check_code(body, whole, errors);
	validate_string_member(body, "name", whole, 500, "", errors);
	if (partial && json_is_null(json_object_get(body, "name")))
		verr_add(errors, "/name", "must be a string");
	validate_string_member(body, "note", VALIDATE_OPTIONAL, REFERENCE_TEXT_MAX, "", errors);
	json_t *in_source = json_object_get(body, "in_source");
	if (in_source != NULL && !json_is_boolean(in_source))
		verr_add(errors, "/in_source", "must be true or false");
	const char *kind = validate_string_member(body, "kind", whole, 32, "", errors);
	if (validate_choice(kind, domain_unit_kinds, "/kind", errors) != 0)
		kind = NULL;
	if (partial && json_is_null(json_object_get(body, "kind")))
		verr_add(errors, "/kind", "must be a string");
	json_t *aliases = json_object_get(body, "aliases");
	if (aliases != NULL)
		reference_input_aliases(aliases, json_string_value(json_object_get(body, "name")),
		                        "/aliases", errors);
	json_t *members = json_object_get(body, "members");
	int is_group = domain_lookup(domain_unit_kinds, kind) == DOMAIN_UNIT_GROUP;
	if (members != NULL && !json_is_null(members))
		reference_input_members(members, "/members", NULL, errors);
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
	const char *u = validate_string_member(body, "unit", VALIDATE_REQUIRED, 64, "", errors);
	if (u != NULL && !validate_code(u))
		verr_add(errors, "/unit", "must be a unit code");
	const char *r = validate_string_member(body, "role", VALIDATE_REQUIRED, 16, "", errors);
	validate_choice(r, domain_roles, "/role", errors);
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
	validate_string_member(t, "metric", VALIDATE_REQUIRED, 1000, base, errors);
	const char *kind = validate_string_member(t, "kind", VALIDATE_REQUIRED, 16, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/kind", base);
	validate_choice(kind, domain_target_kinds, ptr, errors);
	const char *cmp =
	        validate_string_member(t, "comparator", VALIDATE_REQUIRED, 8, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/comparator", base);
	validate_choice(cmp, domain_comparators, ptr, errors);
	double value;
	int pct = domain_lookup(domain_target_kinds, kind) == DOMAIN_TARGET_PERCENTAGE;
	validate_number_member(t, "value", VALIDATE_REQUIRED, 0, pct ? 100 : 1e15, &value, base,
	                       errors);
	validate_string_member(t, "unit_of_measure", VALIDATE_OPTIONAL, 32, base, errors);
	const char *deadline =
	        validate_string_member(t, "deadline", VALIDATE_OPTIONAL, 10, base, errors);
	const char *rec =
	        validate_string_member(t, "recurrence", VALIDATE_OPTIONAL, 16, base, errors);
	const char *rec_start =
	        validate_string_member(t, "recurrence_start", VALIDATE_OPTIONAL, 10, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/deadline", base);
	if (deadline != NULL && !validate_date(deadline))
		verr_add(errors, ptr, "must be a date YYYY-MM-DD");
	if ((deadline == NULL) == (rec == NULL))
		verr_add(errors, ptr, "exactly one of deadline and recurrence must be set");
	snprintf(ptr, sizeof(ptr), "%s/recurrence", base);
	validate_choice(rec, domain_recurrences, ptr, errors);
	snprintf(ptr, sizeof(ptr), "%s/recurrence_start", base);
	if (rec != NULL && (rec_start == NULL || !validate_date(rec_start)))
		verr_add(errors, ptr, "a recurring target needs a start date YYYY-MM-DD");
	if (rec == NULL && rec_start != NULL)
		verr_add(errors, ptr, "only a recurring target has a start");
	const char *agg =
	        validate_string_member(t, "aggregation", VALIDATE_REQUIRED, 16, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/aggregation", base);
	validate_choice(agg, domain_aggregations, ptr, errors);
	validate_string_member(t, "accountable_unit", VALIDATE_OPTIONAL, 64, base, errors);
	validate_string_member(t, "share_of", VALIDATE_OPTIONAL, 64, base, errors);
	long long item;
	const char *phrase =
	        validate_string_member(t, "source_phrase", VALIDATE_REQUIRED, 2000, base, errors);
	if (validate_integer_member(t, "item", VALIDATE_REQUIRED, 1, 1000, &item, base, errors) ==
	    0) {
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
	reference_check_code(t, VALIDATE_REQUIRED, errors);
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
	reference_check_code(t, VALIDATE_OPTIONAL, errors);
	return json_array_size(errors) > before ? -1 : 0;
}

static const char *const reference_measure_known[] = {"code",  "number", "task",    "title",
                                                      "items", "lead",   "related", NULL};

void reference_input_items(json_t *list, const char *base, json_t *texts, json_t *errors)
{
	char ptr[128];
	snprintf(ptr, sizeof(ptr), "%s/items", base);
	if (!json_is_array(list) || json_array_size(list) == 0) {
		verr_add(errors, ptr, "must be a non-empty array");
		return;
	}
	size_t j;
	json_t *it;
	json_array_foreach(list, j, it)
	{
		static const char *const item_known[] = {"number", "text", NULL};
		char ib[160], np[176];
		if (validate_element(it, ptr, j, NULL, ib, sizeof(ib), errors) != 0)
			continue;
		validate_known_members(it, item_known, ib, errors);
		const char *text = validate_string_member(it, "text", VALIDATE_REQUIRED,
		                                          REFERENCE_TEXT_MAX, ib, errors);
		long long num;
		if (validate_integer_member(it, "number", VALIDATE_REQUIRED, 1, 1000, &num, ib,
		                            errors) != 0)
			continue;
		snprintf(np, sizeof(np), "%s/number", ib);
		if (num != (long long)j + 1)
			verr_add(errors, np, "items must be numbered 1..n in order; expected %zu",
			         j + 1);
		if (texts != NULL && text != NULL) {
			char key[24];
			snprintf(key, sizeof(key), "%lld", num);
			json_object_set_new(texts, key, json_string(text));
		}
	}
}

void reference_input_unit_list(json_t *m, const char *key, const char *base,
                               enum validate_presence required, json_t *known, json_t *in_measure,
                               json_t *errors)
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

int reference_input_measure(json_t *body, enum reference_body merged, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, reference_measure_known, "", errors);
	reference_check_code(body, VALIDATE_REQUIRED, errors);
	validate_string_member(body, "title", VALIDATE_REQUIRED, REFERENCE_TEXT_MAX, "", errors);
	long long n;
	validate_integer_member(body, "number", VALIDATE_REQUIRED, 1, 1000000, &n, "", errors);
	const char *task = validate_string_member(body, "task", VALIDATE_REQUIRED, 64, "", errors);
	if (task != NULL && !validate_code(task))
		verr_add(errors, "/task", "must be a task code");
	reference_input_items(json_object_get(body, "items"), "", NULL, errors);
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
		reference_input_unit_list(body, "lead", "", VALIDATE_REQUIRED, NULL, seen, errors);
		reference_input_unit_list(body, "related", "", VALIDATE_OPTIONAL, NULL, seen,
		                          errors);
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
	reference_check_code(body, VALIDATE_OPTIONAL, errors);
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
        "code",        "title",     "start_date", "cadence", "report_due_days",
        "assumptions", "warn_days", NULL};

int reference_input_task(json_t *body, enum reference_body merged, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	validate_known_members(body, reference_task_known, "", errors);
	reference_check_code(body, VALIDATE_REQUIRED, errors);
	if (merged) {
		if (json_object_get(body, "plan") != NULL)
			verr_add(errors, "/plan", "a task cannot move to another plan");
	} else {
		const char *plan =
		        validate_string_member(body, "plan", VALIDATE_REQUIRED, 64, "", errors);
		if (plan != NULL && !validate_code(plan))
			verr_add(errors, "/plan", "must be a plan code");
	}
	long long n;
	validate_integer_member(body, "number", VALIDATE_REQUIRED, 1, 100000, &n, "", errors);
	validate_string_member(body, "label", VALIDATE_OPTIONAL, 64, "", errors);
	validate_string_member(body, "title", VALIDATE_REQUIRED, REFERENCE_TEXT_MAX, "", errors);
	return json_array_size(errors) > before ? -1 : 0;
}

/* assumptions: an optional array of {field, note}. */
static void reference_check_assumptions(json_t *as, const char *base, json_t *errors)
{
	char ptr[96];
	snprintf(ptr, sizeof(ptr), "%s/assumptions", base);
	if (as != NULL && !json_is_array(as))
		verr_add(errors, ptr, "must be an array");
	size_t i;
	json_t *a;
	json_array_foreach(as, i, a)
	{
		static const char *const assumption_known[] = {"field", "note", NULL};
		char ab[128];
		if (validate_element(a, ptr, i, NULL, ab, sizeof(ab), errors) != 0)
			continue;
		validate_known_members(a, assumption_known, ab, errors);
		validate_string_member(a, "field", VALIDATE_REQUIRED, 64, ab, errors);
		validate_string_member(a, "note", VALIDATE_REQUIRED, REFERENCE_TEXT_MAX, ab,
		                       errors);
	}
}

void reference_input_plan_fields(json_t *plan, const char *base, json_t *errors)
{
	char ptr[96];
	validate_known_members(plan, reference_plan_known, base, errors);
	(void)reference_input_code(plan, base, VALIDATE_REQUIRED, errors);
	validate_string_member(plan, "title", VALIDATE_REQUIRED, REFERENCE_TEXT_MAX, base, errors);
	const char *d =
	        validate_string_member(plan, "start_date", VALIDATE_REQUIRED, 10, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/start_date", base);
	if (d != NULL && !validate_date(d))
		verr_add(errors, ptr, "must be a date YYYY-MM-DD");
	const char *c =
	        validate_string_member(plan, "cadence", VALIDATE_REQUIRED, 16, base, errors);
	snprintf(ptr, sizeof(ptr), "%s/cadence", base);
	validate_choice(c, domain_cadences, ptr, errors);
	long long days;
	validate_integer_member(plan, "report_due_days", VALIDATE_REQUIRED, 0, 366, &days, base,
	                        errors);
	long long warn;
	validate_integer_member(plan, "warn_days", VALIDATE_OPTIONAL, 0, 366, &warn, base, errors);
	reference_check_assumptions(json_object_get(plan, "assumptions"), base, errors);
}

int reference_input_plan(json_t *body, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "must be a JSON object");
		return -1;
	}
	reference_input_plan_fields(body, "", errors);
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
	reference_check_code(body, VALIDATE_OPTIONAL, errors);
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
