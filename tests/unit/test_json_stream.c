/* test_json_stream.c — a JSON array's objects one at a time, and where it hands over to a
 * whole-document parse. */
#include <check.h>
#include <string.h>

#include "json_stream.h"
#include "suites.h"

/* Keeps copies of the elements it is given; stops after stop_after of them. */
struct seen {
	json_t *all;
	size_t stop_after;
};

static int keep(json_t *element, size_t index, void *arg)
{
	struct seen *s = arg;
	ck_assert_uint_eq(index, json_array_size(s->all));
	json_array_append(s->all, element);
	return json_array_size(s->all) == s->stop_after;
}

static int run(const char *text, size_t stop_after, json_t **all, size_t *handled)
{
	struct seen s = {json_array(), stop_after};
	int rc = json_stream_array(text, strlen(text), JSON_REJECT_DUPLICATES, keep, &s, handled);
	*all = s.all;
	return rc;
}

START_TEST(objects_one_by_one)
{
	json_t *all;
	size_t handled;
	ck_assert_int_eq(
	        run(" [ {\"a\":1} ,\n{\"s\":\"}]\\\"{\",\"b\":[1,{}]} ]\r\n", 0, &all, &handled),
	        0);
	ck_assert_uint_eq(handled, 2);
	json_t *want = json_loads("[{\"a\":1},{\"s\":\"}]\\\"{\",\"b\":[1,{}]}]", 0, NULL);
	ck_assert(json_equal(all, want));
	json_decref(want);
	json_decref(all);
	/* positions are bytes: multibyte text before the next element */
	ck_assert_int_eq(run("[{\"下一步\":\"é€😀\"},{\"b\":1}]", 0, &all, &handled), 0);
	ck_assert_uint_eq(handled, 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(all, 1), "b")), 1);
	json_decref(all);
	ck_assert_int_eq(run("[]", 0, &all, &handled), 0);
	ck_assert_uint_eq(handled, 0);
	json_decref(all);
	/* the callee stops the reading */
	ck_assert_int_eq(run("[{\"a\":1},{\"a\":2},{\"a\":3}]", 2, &all, &handled), 0);
	ck_assert_uint_eq(handled, 2);
	json_decref(all);
}
END_TEST

START_TEST(anything_else_is_handed_over_with_the_count)
{
	static const struct {
		const char *text;
		size_t handled;
	} cases[] = {
	        {"{\"a\":1}", 0},             /* not an array */
	        {"[{\"a\":1}, 5]", 1},        /* an element that is not an object */
	        {"[{\"a\":1}] x", 1},         /* text after the array */
	        {"[{\"a\":1}", 1},            /* truncated */
	        {"[{\"a\":1,\"a\":2}]", 0},   /* a duplicate key */
	        {"[{\"a\":1} {\"a\":2}]", 1}, /* a missing comma */
	        {"", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *all;
		size_t handled;
		ck_assert_msg(run(cases[i].text, 0, &all, &handled) == 1, "%s", cases[i].text);
		ck_assert_msg(handled == cases[i].handled, "%s: %zu", cases[i].text, handled);
		json_decref(all);
	}
}
END_TEST

Suite *json_stream_suite(void)
{
	Suite *s = suite_create("json_stream");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, objects_one_by_one);
	tcase_add_test(tc, anything_else_is_handed_over_with_the_count);
	suite_add_tcase(s, tc);
	return s;
}
