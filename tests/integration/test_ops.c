/* test_ops.c — the real binary (ZEREN_TEST_BINARY) as an operator meets it: --version, a
 * malformed setting stopping the start with one JSON line, an unknown ZEREN_* variable named
 * in a warning, and /metrics on ZEREN_METRICS_ADDRESS apart from the API. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

struct child {
	pid_t pid;
	FILE *out, *err;
};

/* Starts the binary with exactly env (NULL-terminated "NAME=value") and args. */
static struct child run(const char *const *args, const char *const *env)
{
	const char *bin = getenv("ZEREN_TEST_BINARY");
	ck_assert_msg(bin != NULL, "ZEREN_TEST_BINARY not set");
	int out[2], err[2];
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		char *argv[8] = {(char *)bin};
		for (int i = 0; args[i] != NULL && i < 6; i++)
			argv[i + 1] = (char *)args[i];
		/* the sanitizer settings the test build needs, and nothing else */
		char *envp[24];
		int n = 0;
		for (; env[n] != NULL && n < 16; n++)
			envp[n] = (char *)env[n];
		static const char *const keep[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
		static char kept[3][600];
		for (int i = 0; i < 3; i++) {
			const char *v = getenv(keep[i]);
			if (v != NULL) {
				snprintf(kept[i], sizeof(kept[i]), "%s=%s", keep[i], v);
				envp[n++] = kept[i];
			}
		}
		envp[n] = NULL;
		execve(bin, argv, envp);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	struct child c = {pid, fdopen(out[0], "r"), fdopen(err[0], "r")};
	return c;
}

static int finish(struct child *c)
{
	int status = 0;
	ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
	fclose(c->out);
	fclose(c->err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char db_env[600], secret_env[128];

static void base_env(void)
{
	snprintf(db_env, sizeof(db_env), "ZEREN_DATABASE_URL=%s", harness_app_conninfo());
	snprintf(secret_env, sizeof(secret_env), "ZEREN_JWT_HS256_SECRET=%s", harness_secret());
}

START_TEST(version_is_printed)
{
	const char *args[] = {"--version", NULL};
	const char *env[] = {NULL};
	struct child c = run(args, env);
	char line[256] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), c.out));
	ck_assert_int_eq(strncmp(line, "zeren ", 6), 0);
	ck_assert(line[6] >= '0' && line[6] <= '9');
	ck_assert_int_eq(finish(&c), 0);
}
END_TEST

/* Exit 1 with exactly one stderr line: a JSON log line naming var. */
static void refuses_to_start(const char *setting, const char *var)
{
	base_env();
	const char *args[] = {"serve", NULL};
	/* first: getenv takes the first of two same names */
	const char *env[] = {setting, secret_env, db_env, "ZEREN_PORT=0", NULL};
	struct child c = run(args, env);
	char all[4096];
	size_t n = fread(all, 1, sizeof(all) - 1, c.err);
	all[n] = '\0';
	ck_assert_int_eq(finish(&c), 1);
	ck_assert_msg(n > 0 && strchr(all, '\n') == all + n - 1, "not one line: %s", all);
	json_error_t jerr;
	json_t *line = json_loads(all, 0, &jerr);
	ck_assert_msg(line != NULL, "not JSON: %s", all);
	ck_assert_str_eq(json_string_value(json_object_get(line, "level")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(line, "event")), "config_invalid");
	ck_assert_ptr_nonnull(json_object_get(line, "ts"));
	ck_assert_msg(strstr(json_string_value(json_object_get(line, "message")), var) != NULL,
	              "%s not named: %s", var, all);
	json_decref(line);
}

START_TEST(a_malformed_setting_stops_the_start_with_one_line)
{
	refuses_to_start("ZEREN_DATABASE_URL=host=db sslmode", "ZEREN_DATABASE_URL");
	refuses_to_start("ZEREN_DATABASE_READ_URL=postgresql://h/db?bogus=1",
	                 "ZEREN_DATABASE_READ_URL");
	refuses_to_start("ZEREN_CORS_ORIGINS=https://a.example/path", "ZEREN_CORS_ORIGINS");
	refuses_to_start("ZEREN_DB_STATEMENTS=sometimes", "ZEREN_DB_STATEMENTS");
}
END_TEST

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), add = size * n;
	if (have + add >= 1 << 20)
		add = (1 << 20) - have - 1;
	memcpy(buf + have, ptr, add);
	buf[have + add] = '\0';
	return size * n;
}

static long fetch(int port, const char *path, char *body)
{
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	body[0] = '\0';
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

START_TEST(metrics_on_their_own_address_and_unknown_variables_named)
{
	base_env();
	int mport = free_port();
	char maddr[64];
	snprintf(maddr, sizeof(maddr), "ZEREN_METRICS_ADDRESS=127.0.0.1:%d", mport);
	const char *args[] = {"serve", NULL};
	/* no webhook worker: it would hold pool connections while the pool is counted */
	const char *env[] = {secret_env,
	                     db_env,
	                     maddr,
	                     "ZEREN_PORT=0",
	                     "ZEREN_DATABSE_URL=typo",
	                     "ZEREN_WEBHOOK_WORKER=0",
	                     NULL};
	struct child c = run(args, env);
	char line[256] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), c.out));
	const char *at = strstr(line, "127.0.0.1:");
	ck_assert_ptr_nonnull(at);
	int port = atoi(at + 10);
	char *body = calloc(1, 1 << 20);
	ck_assert_int_eq(fetch(port, "/healthz", body), 200);
	ck_assert_int_eq(fetch(port, "/readyz", body), 200);
	ck_assert_int_eq(fetch(mport, "/metrics", body), 200);
	ck_assert_ptr_nonnull(strstr(body, "zeren_build_info{version="));
	ck_assert_ptr_nonnull(strstr(body, "zeren_http_requests_total{method=\"GET\",route="
	                                   "\"/healthz\",code=\"200\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(body, "zeren_db_pool_in_use{pool=\"primary\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body, "zeren_db_pool_idle{pool=\"primary\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(body, "process_resident_memory_bytes "));
	ck_assert_ptr_nonnull(strstr(body, "process_open_fds "));
	ck_assert_int_eq(fetch(mport, "/v1/units", body), 404);
	/* the API port no longer shows them */
	ck_assert_int_eq(fetch(port, "/metrics", body), 404);
	free(body);
	kill(c.pid, SIGTERM);
	char err[1 << 14];
	size_t n = fread(err, 1, sizeof(err) - 1, c.err);
	err[n] = '\0';
	ck_assert_int_eq(finish(&c), 0);
	ck_assert_msg(
	        strstr(err, "\"event\":\"config_unknown\",\"variable\":\"ZEREN_DATABSE_URL\"") !=
	                NULL,
	        "no warning naming the variable: %s", err);
}
END_TEST

/* Unnamed statements (for PgBouncer's transaction pooling) serve a write, reads and a report. */
START_TEST(unnamed_statements_serve_reads_and_writes)
{
	const char *settings[] = {"ZEREN_DB_STATEMENTS=unnamed", NULL};
	harness_restart_with(settings);
	char *admin = harness_token("ops-admin", ROLE_ADMIN, NULL);
	long long m = harness_count("SELECT id FROM measures WHERE number = 1");
	long long t = harness_count("SELECT id FROM targets WHERE code = 'yunfu-gdjg-m01-t01'");
	char body[512], path[64];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"hrss\",\"period\":\"2023\",\"status\":"
	         "\"on_track\",\"summary\":\"unnamed\",\"values\":[{\"target_id\":%lld,\"value\":1}"
	         "]}",
	         m, t);
	struct http_resp *r = http_post_json("/v1/progress", admin, body);
	ck_assert_int_eq(r->status, 201);
	/* no replica: no token */
	char token[64];
	ck_assert_ptr_null(http_resp_header(r, "Zeren-Consistency", token, sizeof(token)));
	snprintf(path, sizeof(path), "/v1/progress/%lld",
	         json_integer_value(json_object_get(r->json, "id")));
	http_resp_free(r);
	const char *reads[] = {path, "/v1/measures?limit=5", "/v1/reports/summary", "/readyz"};
	for (size_t i = 0; i < 4; i++) {
		r = http_get(reads[i], admin);
		ck_assert_msg(r->status == 200, "%s: %ld", reads[i], r->status);
		http_resp_free(r);
	}
	r = http_get("/readyz", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "replica")), "none");
	http_resp_free(r);
	free(admin);
}
END_TEST

Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("ops");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, version_is_printed);
	tcase_add_test(tc, a_malformed_setting_stops_the_start_with_one_line);
	tcase_add_test(tc, metrics_on_their_own_address_and_unknown_variables_named);
	tcase_add_test(tc, unnamed_statements_serve_reads_and_writes);
	suite_add_tcase(s, tc);
	return s;
}
