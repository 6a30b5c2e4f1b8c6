/* test_health.c — liveness, readiness with and without the database, errors, request ids,
 * shutdown on SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

START_TEST(healthz_answers)
{
	struct http_resp *r = http_get("/healthz", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "ok");
	char rid[128];
	ck_assert_ptr_nonnull(http_resp_header(r, "X-Request-Id", rid, sizeof(rid)));
	ck_assert_int_eq((int)strlen(rid), 32);
	http_resp_free(r);
}
END_TEST

START_TEST(readyz_with_database)
{
	struct http_resp *r = http_get("/readyz", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "ready");
	http_resp_free(r);
}
END_TEST

START_TEST(readyz_without_database_is_503_and_service_lives)
{
	/* Port 1 on loopback: nothing listens, as when the database is stopped. */
	const char *const settings[] = {"ZEREN_DATABASE_URL=host=127.0.0.1 port=1 dbname=x "
	                                "connect_timeout=2",
	                                NULL};
	harness_restart_with(settings);
	struct http_resp *r = http_get("/readyz", NULL);
	assert_problem(r, 503, NULL);
	char v[32];
	ck_assert_ptr_nonnull(http_resp_header(r, "Retry-After", v, sizeof(v)));
	http_resp_free(r);
	r = http_get("/healthz", NULL);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
}
END_TEST

/* With the database away: a bad token is still 401 (decided before any database work), a good
 * one gets 503 with Retry-After on reads and writes, and the service stays up. */
START_TEST(database_down_gives_503_and_tokens_are_still_checked)
{
	const char *const settings[] = {"ZEREN_DATABASE_URL=host=127.0.0.1 port=1 dbname=x "
	                                "connect_timeout=2",
	                                NULL};
	harness_restart_with(settings);
	struct http_resp *r = http_get("/v1/measures", "not-a-token");
	assert_problem(r, 401, NULL);
	http_resp_free(r);
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	r = http_get("/v1/measures/1", tok);
	assert_problem(r, 503, NULL);
	http_resp_free(r);
	r = http_post_json("/v1/progress", tok,
	                   "{\"measure_id\":1,\"period\":\"2022\",\"status\":\"on_track\","
	                   "\"summary\":\"x\"}");
	assert_problem(r, 503, NULL);
	char v[16];
	ck_assert_ptr_nonnull(http_resp_header(r, "Retry-After", v, sizeof(v)));
	http_resp_free(r);
	free(tok);
	r = http_get("/healthz", NULL);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
}
END_TEST

START_TEST(readyz_recovers_after_connections_are_killed)
{
	struct http_resp *r = http_get("/readyz", NULL);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	/* Drop every server connection, as a database restart would. */
	harness_count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	              "WHERE usename = 'zeren'");
	r = http_get("/readyz", NULL);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
}
END_TEST

/* A database at another schema version is not served: not ready until it matches again. */
START_TEST(other_schema_version_is_not_served)
{
	harness_exec("INSERT INTO schema_version (version) VALUES (999)");
	harness_count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	              "WHERE usename = 'zeren'");
	struct http_resp *r = http_get("/readyz", NULL);
	ck_assert_int_eq(r->status, 503);
	http_resp_free(r);
	harness_exec("DELETE FROM schema_version WHERE version = 999");
	r = http_get("/readyz", NULL);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
}
END_TEST

START_TEST(unknown_path_is_problem_404)
{
	struct http_resp *r = http_get("/nope", NULL);
	assert_problem(r, 404, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "type")),
	                 "urn:zeren:problem:not-found");
	http_resp_free(r);
}
END_TEST

START_TEST(wrong_method_is_problem_405_with_allow)
{
	struct http_resp *r = http_call("DELETE", "/healthz", NULL, NULL, NULL, 0, NULL);
	assert_problem(r, 405, NULL);
	char allow[64];
	ck_assert_ptr_nonnull(http_resp_header(r, "Allow", allow, sizeof(allow)));
	ck_assert_str_eq(allow, "GET");
	http_resp_free(r);
}
END_TEST

START_TEST(request_id_is_echoed_or_replaced)
{
	const char *const good[] = {"X-Request-Id: trace-42.abc", NULL};
	struct http_resp *r = http_call("GET", "/healthz", NULL, NULL, NULL, 0, good);
	char rid[128];
	ck_assert_str_eq(http_resp_header(r, "X-Request-Id", rid, sizeof(rid)), "trace-42.abc");
	http_resp_free(r);
	const char *const bad[] = {"X-Request-Id: has spaces and <html>", NULL};
	r = http_call("GET", "/nope", NULL, NULL, NULL, 0, bad);
	http_resp_header(r, "X-Request-Id", rid, sizeof(rid));
	ck_assert_int_eq((int)strlen(rid), 32);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "request_id")), rid);
	http_resp_free(r);
}
END_TEST

START_TEST(metrics_and_openapi_are_served)
{
	struct http_resp *r = http_get("/healthz", NULL);
	http_resp_free(r);
	r = http_get("/metrics", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "zeren_http_requests_total{method=\"GET\",route="
	                                      "\"/healthz\",code=\"200\"}"));
	ck_assert_ptr_nonnull(strstr(r->body, "zeren_db_pool_size{pool=\"primary\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(r->body, "zeren_build_info{version="));
	http_resp_free(r);
	r = http_get("/openapi.yaml", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "openapi: 3.1"));
	http_resp_free(r);
}
END_TEST

/* Runs the real binary, waits for its listening line, sends SIGTERM, expects exit 0. */
START_TEST(sigterm_exits_zero)
{
	const char *bin = getenv("ZEREN_TEST_BINARY");
	ck_assert_msg(bin != NULL, "ZEREN_TEST_BINARY not set");
	int out[2];
	ck_assert_int_eq(pipe(out), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		setenv("ZEREN_DATABASE_URL", harness_app_conninfo(), 1);
		setenv("ZEREN_JWT_HS256_SECRET", harness_secret(), 1);
		setenv("ZEREN_PORT", "0", 1);
		freopen("/dev/null", "w", stderr);
		execl(bin, bin, "serve", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *f = fdopen(out[0], "r");
	char line[256] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_ptr_nonnull(strstr(line, "listening on"));
	kill(pid, SIGTERM);
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	fclose(f);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *health_suite(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("health");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, healthz_answers);
	tcase_add_test(tc, readyz_with_database);
	tcase_add_test(tc, other_schema_version_is_not_served);
	tcase_add_test(tc, readyz_without_database_is_503_and_service_lives);
	tcase_add_test(tc, readyz_recovers_after_connections_are_killed);
	tcase_add_test(tc, database_down_gives_503_and_tokens_are_still_checked);
	tcase_add_test(tc, unknown_path_is_problem_404);
	tcase_add_test(tc, wrong_method_is_problem_405_with_allow);
	tcase_add_test(tc, request_id_is_echoed_or_replaced);
	tcase_add_test(tc, metrics_and_openapi_are_served);
	tcase_add_test(tc, sigterm_exits_zero);
	suite_add_tcase(s, tc);
	return s;
}
