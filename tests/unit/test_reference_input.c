/* test_reference_input.c — service/reference_input.c: unit, assignment and target bodies of
 * the admin API, checked by the plan document's rules. */
#include "reference_input.h"

#include <check.h>
#include <string.h>

static json_t *errors;

static void ri_setup(void)
{
	errors = json_array();
}

static void ri_teardown(void)
{
	json_decref(errors);
}

static int has_pointer(const char *p)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "pointer")), p) == 0)
			return 1;
	}
	return 0;
}

/* Runs check on the JSON text and returns its result; the body is freed. */
static int unit_check(const char *text, int partial)
{
	json_t *b = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(b);
	int rc = reference_input_unit(b, partial, errors);
	json_decref(b);
	return rc;
}

START_TEST(valid_units_pass)
{
	ck_assert_int_eq(unit_check("{\"code\":\"hrss\",\"name\":\"市人社局\",\"kind\":"
	                            "\"department\",\"in_source\":false,\"note\":null}",
	                            0),
	                 0);
	ck_assert_int_eq(unit_check("{\"code\":\"g\",\"name\":\"组\",\"kind\":\"group\","
	                            "\"members\":[\"a\",\"b\"]}",
	                            0),
	                 0);
	ck_assert_int_eq(unit_check("{\"name\":\"新名\"}", 1), 0);
	ck_assert_uint_eq(json_array_size(errors), 0);
	ck_assert_int_eq(unit_check("{}", 1), -1); /* nothing to change */
	ck_assert(has_pointer(""));
}
END_TEST

START_TEST(unit_problems_are_collected)
{
	ck_assert_int_eq(unit_check("{\"code\":\"Bad Code\",\"kind\":\"ministry\",\"in_source\":1,"
	                            "\"colour\":\"red\"}",
	                            0),
	                 -1);
	ck_assert(has_pointer("/code"));
	ck_assert(has_pointer("/name"));
	ck_assert(has_pointer("/kind"));
	ck_assert(has_pointer("/in_source"));
	ck_assert(has_pointer("/colour"));
}
END_TEST

START_TEST(only_groups_have_members)
{
	ck_assert_int_eq(unit_check("{\"code\":\"g\",\"name\":\"组\",\"kind\":\"group\"}", 0), -1);
	ck_assert(has_pointer("/members"));
	json_array_clear(errors);
	ck_assert_int_eq(unit_check("{\"code\":\"d\",\"name\":\"局\",\"kind\":\"department\","
	                            "\"members\":[\"a\"]}",
	                            0),
	                 -1);
	ck_assert(has_pointer("/members"));
	json_array_clear(errors);
	ck_assert_int_eq(unit_check("{\"members\":[\"a\",\"a\",7]}", 1), -1);
	ck_assert(has_pointer("/members/1"));
	ck_assert(has_pointer("/members/2"));
	json_array_clear(errors);
	ck_assert_int_eq(unit_check("{\"code\":null,\"name\":null}", 1), -1);
	ck_assert(has_pointer("/code"));
	ck_assert(has_pointer("/name"));
}
END_TEST

START_TEST(assignments_need_unit_and_role)
{
	const char *unit = NULL, *role = NULL;
	json_t *b = json_loads("{\"unit\":\"hrss\",\"role\":\"lead\"}", 0, NULL);
	ck_assert_int_eq(reference_input_assignment(b, &unit, &role, errors), 0);
	ck_assert_str_eq(unit, "hrss");
	ck_assert_str_eq(role, "lead");
	json_decref(b);
	b = json_loads("{\"unit\":\"A B\",\"role\":\"owner\",\"x\":1}", 0, NULL);
	ck_assert_int_eq(reference_input_assignment(b, &unit, &role, errors), -1);
	ck_assert_ptr_null(unit);
	ck_assert(has_pointer("/unit"));
	ck_assert(has_pointer("/role"));
	ck_assert(has_pointer("/x"));
	json_decref(b);
}
END_TEST

static const char *const target_ok =
        "{\"code\":\"t1\",\"item\":1,\"metric\":\"培训\",\"kind\":\"quantity\",\"comparator\":"
        "\"gte\",\"value\":4000,\"unit_of_measure\":\"人次\",\"deadline\":\"2022-12-31\","
        "\"aggregation\":\"sum\",\"source_phrase\":\"培训4000人次\"}";

/* target_ok with change merged over it, checked against one item. */
static int target_check(const char *change)
{
	json_t *t = json_loads(target_ok, 0, NULL), *c = json_loads(change, 0, NULL);
	ck_assert_ptr_nonnull(c);
	json_object_update(t, c);
	json_t *items = json_pack("{s:s}", "1", "每年开展职业技能培训4000人次以上。");
	int rc = reference_input_target(t, items, errors);
	json_decref(items);
	json_decref(c);
	json_decref(t);
	return rc;
}

START_TEST(valid_targets_pass)
{
	ck_assert_int_eq(target_check("{}"), 0);
	ck_assert_int_eq(target_check("{\"deadline\":null,\"recurrence\":\"annual\","
	                              "\"recurrence_start\":\"2021-01-01\"}"),
	                 0);
	ck_assert_int_eq(target_check("{\"kind\":\"percentage\",\"value\":65.5}"), 0);
	ck_assert_uint_eq(json_array_size(errors), 0);
}
END_TEST

START_TEST(target_rules_match_the_importer)
{
	static const struct {
		const char *change, *pointer;
	} bad[] = {
	        {"{\"item\":2}", "/item"},
	        {"{\"source_phrase\":\"培训5000人次\"}", "/source_phrase"},
	        {"{\"kind\":\"percentage\",\"value\":101}", "/value"},
	        {"{\"value\":-1}", "/value"},
	        {"{\"recurrence\":\"annual\",\"recurrence_start\":\"2021-01-01\"}", "/deadline"},
	        {"{\"deadline\":null}", "/deadline"},
	        {"{\"deadline\":null,\"recurrence\":\"annual\"}", "/recurrence_start"},
	        {"{\"deadline\":null,\"recurrence\":\"monthly\",\"recurrence_start\":\"2021-01-"
	         "01\"}",
	         "/recurrence"},
	        {"{\"recurrence_start\":\"2021-01-01\"}", "/recurrence_start"},
	        {"{\"deadline\":\"2022-02-30\"}", "/deadline"},
	        {"{\"comparator\":\"ge\"}", "/comparator"},
	        {"{\"kind\":\"count\"}", "/kind"},
	        {"{\"aggregation\":\"avg\"}", "/aggregation"},
	        {"{\"code\":\"T 1\"}", "/code"},
	        {"{\"metric\":\"\"}", "/metric"},
	        {"{\"accountable_unit\":5}", "/accountable_unit"},
	        {"{\"share_of\":[]}", "/share_of"},
	        {"{\"colour\":\"red\"}", "/colour"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_array_clear(errors);
		ck_assert_msg(target_check(bad[i].change) == -1, "accepted %s", bad[i].change);
		ck_assert_msg(has_pointer(bad[i].pointer), "no error at %s for %s", bad[i].pointer,
		              bad[i].change);
	}
}
END_TEST

START_TEST(target_patch_checks_shape_only)
{
	json_t *b = json_loads("{\"value\":3}", 0, NULL);
	ck_assert_int_eq(reference_input_target_patch(b, errors), 0);
	json_decref(b);
	b = json_loads("{\"code\":null,\"unknown\":1}", 0, NULL);
	ck_assert_int_eq(reference_input_target_patch(b, errors), -1);
	ck_assert(has_pointer("/code"));
	ck_assert(has_pointer("/unknown"));
	json_decref(b);
	b = json_loads("[]", 0, NULL);
	ck_assert_int_eq(reference_input_target_patch(b, errors), -1);
	json_decref(b);
	static const char *const empty = "{}";
	b = json_loads(empty, 0, NULL);
	json_array_clear(errors);
	ck_assert_int_eq(reference_input_target_patch(b, errors), -1);
	ck_assert_int_eq(reference_input_measure_patch(b, errors), -1);
	ck_assert_int_eq(reference_input_task_patch(b, errors), -1);
	ck_assert_int_eq(reference_input_plan_patch(b, errors), -1);
	ck_assert_uint_eq(json_array_size(errors), 4);
	json_decref(b);
}
END_TEST

Suite *reference_input_suite(void)
{
	Suite *s = suite_create("reference_input");
	TCase *tc = tcase_create("reference_input");
	tcase_add_checked_fixture(tc, ri_setup, ri_teardown);
	tcase_add_test(tc, valid_units_pass);
	tcase_add_test(tc, unit_problems_are_collected);
	tcase_add_test(tc, only_groups_have_members);
	tcase_add_test(tc, assignments_need_unit_and_role);
	tcase_add_test(tc, valid_targets_pass);
	tcase_add_test(tc, target_rules_match_the_importer);
	tcase_add_test(tc, target_patch_checks_shape_only);
	suite_add_tcase(s, tc);
	return s;
}
