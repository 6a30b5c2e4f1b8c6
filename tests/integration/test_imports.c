/* test_imports.c — POST /v1/imports: admin only, validated whole, all or nothing, dry run,
 * repeatable, audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

static char *seed_text_with_title(const char *title)
{
	json_t *doc = json_load_file(getenv("ZEREN_TEST_SEED"), 0, NULL);
	ck_assert_ptr_nonnull(doc);
	if (title != NULL)
		json_object_set_new(json_object_get(doc, "plan"), "title", json_string(title));
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

START_TEST(admin_reimport_is_a_no_op_and_audited)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	char *doc = seed_text_with_title(NULL);
	struct http_resp *r = http_post_json("/v1/imports", admin, doc);
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert(json_is_false(json_object_get(r->json, "changed")));
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log WHERE action = "
	                               "'plan.import' AND actor_sub = 'importer'"),
	                 1);
	free(doc);
	free(admin);
}
END_TEST

START_TEST(dry_run_then_real_change)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	char *doc = seed_text_with_title("新的标题");
	struct http_resp *r = http_post_json("/v1/imports?dry_run=true", admin, doc);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_true(json_object_get(r->json, "dry_run")));
	ck_assert(json_is_true(json_object_get(r->json, "changed")));
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = '新的标题'"), 0);
	r = http_post_json("/v1/imports?dry_run=false", admin, doc);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = '新的标题'"), 1);
	r = http_post_json("/v1/imports?dry_run=maybe", admin, doc);
	assert_problem(r, 400, "?dry_run");
	http_resp_free(r);
	free(doc);
	free(admin);
}
END_TEST

START_TEST(invalid_document_names_rows_and_writes_nothing)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	json_t *doc = json_load_file(getenv("ZEREN_TEST_SEED"), 0, NULL);
	json_object_set_new(json_object_get(doc, "plan"), "title", json_string("x"));
	json_t *m = json_array_get(json_object_get(doc, "measures"), 16);
	json_array_append_new(json_object_get(m, "lead"), json_string("no-such-unit"));
	char *text = json_dumps(doc, JSON_COMPACT);
	struct http_resp *r = http_post_json("/v1/imports", admin, text);
	assert_problem(r, 400, "/measures/16/lead/1");
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = 'x'"), 0);
	ck_assert_int_eq(
	        harness_count("SELECT count(*) FROM audit_log WHERE actor_sub = 'importer'"), 0);
	json_decref(doc);
	free(text);
	free(admin);
}
END_TEST

/* The same key on a dry run and on the real import names two different requests. */
START_TEST(idempotency_key_tells_dry_run_from_import)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	char *doc = seed_text_with_title("幂等标题");
	const char *const key[] = {"Idempotency-Key: import-1", NULL};
	struct http_resp *r = http_call("POST", "/v1/imports?dry_run=true", admin,
	                                "application/json", doc, strlen(doc), key);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	r = http_call("POST", "/v1/imports", admin, "application/json", doc, strlen(doc), key);
	assert_problem(r, 422, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = '幂等标题'"), 0);
	free(doc);
	free(admin);
}
END_TEST

START_TEST(only_admins_import)
{
	char *doc = seed_text_with_title("y");
	enum principal_role roles[] = {ROLE_READER, ROLE_REPORTER, ROLE_SUPERVISOR};
	for (int i = 0; i < 3; i++) {
		char *tok = harness_token("someone", roles[i], "hrss");
		struct http_resp *r = http_post_json("/v1/imports", tok, doc);
		assert_problem(r, 403, NULL);
		http_resp_free(r);
		free(tok);
	}
	struct http_resp *r = http_post_json("/v1/imports", NULL, doc);
	assert_problem(r, 401, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = 'y'"), 0);
	free(doc);
}
END_TEST

Suite *imports_suite(void)
{
	Suite *s = suite_create("imports");
	TCase *tc = tcase_create("imports");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, admin_reimport_is_a_no_op_and_audited);
	tcase_add_test(tc, dry_run_then_real_change);
	tcase_add_test(tc, invalid_document_names_rows_and_writes_nothing);
	tcase_add_test(tc, only_admins_import);
	tcase_add_test(tc, idempotency_key_tells_dry_run_from_import);
	suite_add_tcase(s, tc);
	return s;
}
