/* test_refcache.c — reference responses come from the cache but never outlive a change:
 * after an acknowledged write, through this instance or straight into the database as
 * another instance would, the next read shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static char *reader;

static void cache_setup(void)
{
	harness_setup();
	reader = harness_token("reader", ROLE_READER, NULL);
}

static void cache_teardown(void)
{
	free(reader);
	harness_teardown();
}

static char *title_of(const char *path)
{
	struct http_resp *r = http_get(path, reader);
	ck_assert_int_eq(r->status, 200);
	char *t = strdup(json_string_value(json_object_get(r->json, "title")));
	http_resp_free(r);
	return t;
}

/* Reads until the answer changes from old, for at most about a second: the notice from
 * PostgreSQL reaches the listener asynchronously. */
static char *title_after_change(const char *path, const char *old)
{
	for (int i = 0; i < 100; i++) {
		char *t = title_of(path);
		if (strcmp(t, old) != 0)
			return t;
		free(t);
		usleep(10000);
	}
	return strdup(old);
}

START_TEST(import_through_this_instance_is_visible_at_once)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/measures/%lld",
	         harness_count("SELECT id FROM measures WHERE number = 1"));
	char *before = title_of(path), *again = title_of(path); /* the second is a cache hit */
	ck_assert_str_eq(before, again);
	json_t *doc = json_load_file(getenv("ZEREN_TEST_SEED"), 0, NULL);
	json_object_set_new(json_array_get(json_object_get(doc, "measures"), 0), "title",
	                    json_string("已改名的措施。"));
	char *text = json_dumps(doc, JSON_COMPACT);
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	struct http_resp *r = http_post_json("/v1/imports", admin, text);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	char *after = title_of(path); /* no waiting: this instance dropped its cache */
	ck_assert_str_eq(after, "已改名的措施。");
	free(before);
	free(again);
	free(after);
	free(text);
	free(admin);
	json_decref(doc);
}
END_TEST

START_TEST(write_by_another_instance_invalidates)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/plans/%lld", harness_count("SELECT id FROM plans"));
	char *before = title_of(path);
	char *cached = title_of(path);
	ck_assert_str_eq(before, cached);
	harness_exec("UPDATE plans SET title = '另一个实例写的标题'");
	char *after = title_after_change(path, before);
	ck_assert_str_eq(after, "另一个实例写的标题");
	/* and the list page too */
	struct http_resp *r = http_get("/v1/plans", reader);
	ck_assert_str_eq(json_string_value(json_object_get(
	                         json_array_get(json_object_get(r->json, "items"), 0), "title")),
	                 "另一个实例写的标题");
	http_resp_free(r);
	free(before);
	free(cached);
	free(after);
}
END_TEST

START_TEST(cached_answers_keep_etags_and_errors_are_not_cached)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/tasks/%lld",
	         harness_count("SELECT id FROM tasks WHERE number = 1"));
	struct http_resp *a = http_get(path, reader), *b = http_get(path, reader);
	char ea[32], eb[32];
	ck_assert_str_eq(http_resp_header(a, "ETag", ea, sizeof(ea)),
	                 http_resp_header(b, "ETag", eb, sizeof(eb)));
	char inm[64];
	snprintf(inm, sizeof(inm), "If-None-Match: %s", ea);
	const char *const h[] = {inm, NULL};
	struct http_resp *c = http_call("GET", path, reader, NULL, NULL, 0, h);
	ck_assert_int_eq(c->status, 304);
	http_resp_free(a);
	http_resp_free(b);
	http_resp_free(c);
	/* a token is still required for a cached resource */
	c = http_get(path, NULL);
	assert_problem(c, 401, NULL);
	http_resp_free(c);
	/* a 404 is never remembered: the resource appears once created */
	c = http_get("/v1/measures?limit=2&cursor=bogus", reader);
	assert_problem(c, 400, "?cursor");
	http_resp_free(c);
}
END_TEST

Suite *refcache_suite(void)
{
	Suite *s = suite_create("refcache");
	TCase *tc = tcase_create("refcache");
	tcase_add_checked_fixture(tc, cache_setup, cache_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, import_through_this_instance_is_visible_at_once);
	tcase_add_test(tc, write_by_another_instance_invalidates);
	tcase_add_test(tc, cached_answers_keep_etags_and_errors_are_not_cached);
	suite_add_tcase(s, tc);
	return s;
}
