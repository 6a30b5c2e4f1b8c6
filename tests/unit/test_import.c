/* test_import.c — service/import.c import_validate: the seed passes, each mutation is pinned. */
#include "import.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_NAME "yunfu-gdjg.json"

/* The real seed document, read fresh for every test so mutations never leak between tests. */
static json_t *load_seed(void)
{
	const char *candidates[] = {getenv("ZEREN_TEST_SEED"), "../db/seed/" SEED_NAME,
	                            "db/seed/" SEED_NAME};
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (candidates[i] == NULL || candidates[i][0] == '\0')
			continue;
		json_error_t jerr;
		json_t *doc = json_load_file(candidates[i], 0, &jerr);
		if (doc != NULL)
			return doc;
	}
	ck_abort_msg("seed not found: set ZEREN_TEST_SEED to db/seed/" SEED_NAME);
	return NULL;
}

static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(v != NULL, "seed lacks member \"%s\"", key);
	return v;
}

static json_t *element(json_t *arr, size_t i)
{
	json_t *v = json_array_get(arr, i);
	ck_assert_msg(v != NULL, "seed array too short for index %zu", i);
	return v;
}

static json_t *unit_at(json_t *doc, size_t u, const char *code)
{
	json_t *unit = element(member(doc, "units"), u);
	ck_assert_str_eq(json_string_value(member(unit, "code")), code); /* the seed's layout */
	return unit;
}

static json_t *measure_at(json_t *doc, size_t m)
{
	return element(member(doc, "measures"), m);
}

static json_t *target_at(json_t *doc, size_t m, size_t t)
{
	return element(member(measure_at(doc, m), "targets"), t);
}

static void set_str(json_t *obj, const char *key, const char *value)
{
	ck_assert_int_eq(json_object_set_new(obj, key, json_string(value)), 0);
}

static void set_elem(json_t *arr, size_t i, const char *value)
{
	ck_assert_int_eq(json_array_set_new(arr, i, json_string(value)), 0);
}

/* Formats every error for failure messages. */
static void describe(json_t *errors, char *out, size_t len)
{
	size_t used = 0;
	size_t i;
	json_t *e;
	out[0] = '\0';
	json_array_foreach(errors, i, e)
	{
		int n = snprintf(out + used, len - used, "\n  \"%s\": %s",
		                 json_string_value(json_object_get(e, "pointer")),
		                 json_string_value(json_object_get(e, "message")));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* errors holds exactly the pointers in want (any order), each with a non-empty message. */
static void assert_pointers(json_t *errors, const char *const *want, size_t nwant, const char *what)
{
	char all[4096];
	ck_assert_ptr_nonnull(errors);
	ck_assert(json_is_array(errors));
	describe(errors, all, sizeof(all));
	ck_assert_msg(json_array_size(errors) == nwant, "%s: %zu errors, want %zu:%s", what,
	              json_array_size(errors), nwant, all);
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		const char *msg = json_string_value(json_object_get(e, "message"));
		ck_assert_msg(msg != NULL && msg[0] != '\0', "%s: error %zu has no message", what,
		              i);
		ck_assert_msg(json_is_string(json_object_get(e, "pointer")),
		              "%s: error %zu has no pointer", what, i);
	}
	for (size_t w = 0; w < nwant; w++) {
		int found = 0;
		json_array_foreach(errors, i, e)
		{
			if (strcmp(json_string_value(json_object_get(e, "pointer")), want[w]) == 0)
				found = 1;
		}
		ck_assert_msg(found, "%s: no error at \"%s\":%s", what, want[w], all);
	}
}

START_TEST(test_seed_is_valid)
{
	json_t *doc = load_seed();
	json_t *before = json_deep_copy(doc);
	json_t *errors = import_validate(doc);

	assert_pointers(errors, NULL, 0, "seed");
	ck_assert_msg(json_equal(doc, before), "import_validate changed the document");
	/* The seed is the document DESIGN.md describes. */
	ck_assert_uint_eq(json_array_size(member(doc, "tasks")), 5);
	ck_assert_uint_eq(json_array_size(member(doc, "measures")), 17);
	json_decref(errors);
	json_decref(before);
	json_decref(doc);
}
END_TEST

/* --- one mutation of the seed per case; each returns the document to validate --- */

static json_t *mut_unknown_lead(json_t *doc)
{
	set_elem(member(measure_at(doc, 0), "lead"), 0, "no-such-unit");
	return doc;
}

static json_t *mut_duplicate_unit(json_t *doc)
{
	json_t *units = member(doc, "units");
	json_t *copy = json_deep_copy(unit_at(doc, 0, "hrss"));
	ck_assert_int_eq(json_array_insert_new(units, 1, copy), 0);
	return doc;
}

static json_t *mut_duplicate_target(json_t *doc)
{
	const char *first = json_string_value(member(target_at(doc, 2, 0), "code"));
	ck_assert_str_eq(first, "yunfu-gdjg-m03-t01");
	set_str(target_at(doc, 2, 1), "code", "yunfu-gdjg-m03-t01");
	return doc;
}

static json_t *mut_bad_comparator(json_t *doc)
{
	set_str(target_at(doc, 0, 0), "comparator", "ge");
	return doc;
}

static json_t *mut_bad_deadline(json_t *doc)
{
	set_str(target_at(doc, 0, 0), "deadline", "2022-13-01");
	return doc;
}

static json_t *mut_deadline_and_recurrence(json_t *doc)
{
	json_t *t = target_at(doc, 0, 0);
	ck_assert_str_eq(json_string_value(member(t, "deadline")), "2022-12-31");
	set_str(t, "recurrence", "annual");
	set_str(t, "recurrence_start", "2021-01-01");
	return doc;
}

static json_t *mut_recurrence_without_start(json_t *doc)
{
	json_t *t = target_at(doc, 4, 0);
	ck_assert_str_eq(json_string_value(member(t, "recurrence")), "annual");
	ck_assert_int_eq(json_object_set_new(t, "recurrence_start", json_null()), 0);
	return doc;
}

static json_t *mut_percentage_over_100(json_t *doc)
{
	json_t *t = target_at(doc, 2, 0);
	ck_assert_str_eq(json_string_value(member(t, "kind")), "percentage");
	ck_assert_int_eq(json_object_set_new(t, "value", json_integer(120)), 0);
	return doc;
}

static json_t *mut_phrase_not_in_item(json_t *doc)
{
	set_str(target_at(doc, 0, 0), "source_phrase", "2023年年底前纳入高职院校序列");
	return doc;
}

static json_t *mut_item_out_of_range(json_t *doc)
{
	ck_assert_uint_eq(json_array_size(member(measure_at(doc, 0), "items")), 4);
	ck_assert_int_eq(json_object_set_new(target_at(doc, 0, 0), "item", json_integer(5)), 0);
	return doc;
}

static json_t *mut_item_zero(json_t *doc)
{
	ck_assert_int_eq(json_object_set_new(target_at(doc, 0, 0), "item", json_integer(0)), 0);
	return doc;
}

static json_t *mut_unknown_task(json_t *doc)
{
	set_str(measure_at(doc, 0), "task", "yunfu-gdjg-t9");
	return doc;
}

static json_t *mut_unknown_share_of(json_t *doc)
{
	json_t *t = target_at(doc, 4, 1);
	ck_assert_str_eq(json_string_value(member(t, "share_of")), "yunfu-gdjg-m05-t01");
	set_str(t, "share_of", "yunfu-gdjg-m99-t01");
	return doc;
}

static json_t *mut_group_in_group(json_t *doc)
{
	json_t *members = member(unit_at(doc, 29, "vocational-schools"), "members");
	ck_assert_uint_eq(json_array_size(members), 2);
	ck_assert_int_eq(json_array_append_new(members, json_string("county-governments")), 0);
	return doc;
}

static json_t *mut_members_of_non_group(json_t *doc)
{
	json_t *members = json_pack("[s]", "finance");
	ck_assert_int_eq(json_object_set_new(unit_at(doc, 0, "hrss"), "members", members), 0);
	return doc;
}

static json_t *mut_items_misnumbered(json_t *doc)
{
	/* the last item, which no target names (a target on a misnumbered item is a 2nd error) */
	json_t *item = element(member(measure_at(doc, 0), "items"), 3);
	ck_assert_int_eq(json_integer_value(member(item, "number")), 4);
	ck_assert_int_eq(json_object_set_new(item, "number", json_integer(5)), 0);
	return doc;
}

static json_t *mut_top_level_array(json_t *doc)
{
	json_t *arr = json_array();
	ck_assert_int_eq(json_array_append(arr, doc), 0);
	return arr;
}

static json_t *mut_wrong_format(json_t *doc)
{
	set_str(doc, "format", "zeren.plan/v2");
	return doc;
}

static json_t *mut_unknown_top_member(json_t *doc)
{
	ck_assert_int_eq(json_object_set_new(doc, "extra", json_true()), 0);
	return doc;
}

static json_t *mut_related_also_lead(json_t *doc)
{
	set_elem(member(measure_at(doc, 0), "related"), 0, "hrss");
	return doc;
}

static json_t *mut_accountable_group(json_t *doc)
{
	set_str(target_at(doc, 0, 0), "accountable_unit", "vocational-schools");
	return doc;
}

static json_t *mut_bad_unit_kind(json_t *doc)
{
	set_str(unit_at(doc, 6, "finance"), "kind", "ministry");
	return doc;
}

static json_t *mut_bad_plan_date(json_t *doc)
{
	set_str(member(doc, "plan"), "start_date", "2021-02-30");
	return doc;
}

static json_t *mut_unknown_target_member(json_t *doc)
{
	ck_assert_int_eq(json_object_set_new(target_at(doc, 3, 2), "colour", json_string("red")),
	                 0);
	return doc;
}

struct mutation {
	const char *name;
	json_t *(*apply)(json_t *doc);
	const char *pointer;
};

static const struct mutation mutations[] = {
        {"unknown lead unit", mut_unknown_lead, "/measures/0/lead/0"},
        {"duplicate unit code", mut_duplicate_unit, "/units/1/code"},
        {"duplicate target code", mut_duplicate_target, "/measures/2/targets/1/code"},
        {"bad comparator", mut_bad_comparator, "/measures/0/targets/0/comparator"},
        {"deadline 2022-13-01", mut_bad_deadline, "/measures/0/targets/0/deadline"},
        {"deadline and recurrence", mut_deadline_and_recurrence, "/measures/0/targets/0/deadline"},
        {"recurrence without start", mut_recurrence_without_start,
         "/measures/4/targets/0/recurrence_start"},
        {"percentage 120", mut_percentage_over_100, "/measures/2/targets/0/value"},
        {"source phrase not in item", mut_phrase_not_in_item,
         "/measures/0/targets/0/source_phrase"},
        {"item 5 of 4", mut_item_out_of_range, "/measures/0/targets/0/item"},
        {"item 0", mut_item_zero, "/measures/0/targets/0/item"},
        {"unknown task", mut_unknown_task, "/measures/0/task"},
        {"unknown share_of", mut_unknown_share_of, "/measures/4/targets/1/share_of"},
        {"group member that is a group", mut_group_in_group, "/units/29/members/2"},
        {"members on a non-group", mut_members_of_non_group, "/units/0/members"},
        {"items misnumbered", mut_items_misnumbered, "/measures/0/items/3/number"},
        {"top-level array", mut_top_level_array, ""},
        {"wrong format", mut_wrong_format, "/format"},
        {"unknown top-level member", mut_unknown_top_member, "/extra"},
        {"unit both lead and related", mut_related_also_lead, "/measures/0/related/0"},
        {"accountable unit is a group", mut_accountable_group,
         "/measures/0/targets/0/accountable_unit"},
        {"unknown unit kind", mut_bad_unit_kind, "/units/6/kind"},
        {"plan start 2021-02-30", mut_bad_plan_date, "/plan/start_date"},
        {"unknown target member", mut_unknown_target_member, "/measures/3/targets/2/colour"},
};

#define MUTATIONS ((int)(sizeof(mutations) / sizeof(mutations[0])))

START_TEST(test_mutation)
{
	const struct mutation *m = &mutations[_i];
	json_t *doc = load_seed();
	json_t *target = m->apply(doc);
	json_t *errors = import_validate(target);

	assert_pointers(errors, &m->pointer, 1, m->name);
	json_decref(errors);
	if (target != doc)
		json_decref(target);
	json_decref(doc);
}
END_TEST

START_TEST(test_three_problems_all_reported)
{
	json_t *doc = load_seed();
	static const char *const want[] = {"/format", "/measures/0/lead/0",
	                                   "/measures/2/targets/0/value"};

	mut_wrong_format(doc);
	mut_unknown_lead(doc);
	mut_percentage_over_100(doc);
	json_t *errors = import_validate(doc);
	assert_pointers(errors, want, 3, "three problems");
	json_decref(errors);
	json_decref(doc);
}
END_TEST

START_TEST(test_not_an_object)
{
	static const char *const root[] = {""};
	json_t *values[] = {json_null(), json_string("zeren.plan/v1"), json_integer(1), NULL};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		json_t *errors = import_validate(values[i]);
		assert_pointers(errors, root, 1, "not an object");
		json_decref(errors);
		json_decref(values[i]);
	}
}
END_TEST

START_TEST(test_empty_object)
{
	static const char *const want[] = {"/format", "/plan", "/units", "/tasks", "/measures"};
	json_t *doc = json_object();
	json_t *errors = import_validate(doc);

	assert_pointers(errors, want, 5, "empty object");
	json_decref(errors);
	json_decref(doc);
}
END_TEST

Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_add_test(tc, test_seed_is_valid);
	tcase_add_loop_test(tc, test_mutation, 0, MUTATIONS);
	tcase_add_test(tc, test_three_problems_all_reported);
	tcase_add_test(tc, test_not_an_object);
	tcase_add_test(tc, test_empty_object);
	suite_add_tcase(s, tc);
	return s;
}
