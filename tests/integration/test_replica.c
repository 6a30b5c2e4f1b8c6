/* test_replica.c — reads through a real streaming replica (scripts/lib.sh pg_replica_start):
 * a client sees its own writes with the consistency token, reads fall back to the primary
 * while the replica is stopped or lagging and /readyz says so, and the reference cache never
 * refills from a replica older than the change that emptied it. Replay is paused with
 * pg_wal_replay_pause() to make the replica lag on purpose. */
#include <arpa/inet.h>
#include <check.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static char replica_read_url[512];
static char *admin, *reader;

/* Runs sql on the replica as the owner (dbname: zeren_test or postgres); returns the first
 * value of the first row as a number (-1 when none or on failure). */
static long long replica_value(const char *dbname, const char *sql)
{
	char ci[512];
	snprintf(ci, sizeof(ci), "%s dbname=%s connect_timeout=3", getenv("ZEREN_TEST_PG_REPLICA"),
	         dbname);
	PGconn *pg = PQconnectdb(ci);
	long long v = -1;
	if (PQstatus(pg) == CONNECTION_OK) {
		PGresult *r = PQexec(pg, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
		    !PQgetisnull(r, 0, 0))
			v = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	PQfinish(pg);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits until the replica has replayed lsn (pg_lsn text), at most 15 s. */
static void replica_wait_replayed(const char *lsn)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT (pg_last_wal_replay_lsn() >= '%s'::pg_lsn)::int", lsn);
	for (int i = 0; i < 300; i++) {
		if (replica_value("postgres", sql) == 1)
			return;
		sleep_ms(50);
	}
	ck_abort_msg("the replica did not replay %s within 15 s", lsn);
}

/* Waits until the replica has everything the primary has written so far. */
static void replica_catch_up(void)
{
	char lsn[64];
	unsigned long long at = (unsigned long long)harness_count(
	        "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint");
	snprintf(lsn, sizeof(lsn), "%llX/%llX", at >> 32, at & 0xffffffffULL);
	replica_wait_replayed(lsn);
}

static void replica_ctl(const char *action)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s -w -t 60 %s >/dev/null 2>&1",
	         getenv("ZEREN_TEST_PG_REPLICA_CTL"), action);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void replica_pause(int pause)
{
	ck_assert_int_ne(replica_value("postgres", pause ? "SELECT 1 FROM pg_wal_replay_pause()"
	                                                 : "SELECT 1 FROM pg_wal_replay_resume()"),
	                 -1);
}

static void setup_with_replica(const char *max_lag_ms, const char *check_ms)
{
	const char *base = getenv("ZEREN_TEST_PG_REPLICA");
	ck_assert_msg(base != NULL, "ZEREN_TEST_PG_REPLICA not set (scripts/test.sh sets it)");
	/* a test that failed with the replica stopped did not get to its teardown */
	if (replica_value("postgres", "SELECT 1") == -1)
		replica_ctl("start");
	/* the service's own role on the replica, like harness_app_conninfo on the primary */
	char copy[400];
	snprintf(copy, sizeof(copy), "%s", base);
	char *user = strstr(copy, "user=");
	if (user != NULL)
		*user = '\0';
	snprintf(replica_read_url, sizeof(replica_read_url),
	         "ZEREN_DATABASE_READ_URL=%s user=zeren dbname=zeren_test", copy);
	static char lag[64], check[64];
	snprintf(lag, sizeof(lag), "ZEREN_REPLICA_MAX_LAG_MS=%s", max_lag_ms);
	snprintf(check, sizeof(check), "ZEREN_REPLICA_CHECK_MS=%s", check_ms);
	const char *settings[] = {replica_read_url, lag, check, NULL};
	harness_setup_with(NULL);
	/* the copied database must be on the replica before the read pool connects */
	replica_catch_up();
	harness_restart_with(settings);
	admin = harness_token("replica-admin", ROLE_ADMIN, NULL);
	reader = harness_token("replica-reader", ROLE_READER, NULL);
}

static void setup_fast_lag(void)
{
	setup_with_replica("300", "20");
}

static void setup_slow_lag(void)
{
	setup_with_replica("600000", "20");
}

/* The replica is looked at once, by the first read, and not again for a minute: only a
 * failed read can tell the service that it went away. */
static void setup_one_look(void)
{
	setup_with_replica("600000", "60000");
}

static void teardown(void)
{
	/* whatever the test left: replaying, and running */
	(void)replica_value("postgres", "SELECT 1 FROM pg_wal_replay_resume()");
	if (replica_value("postgres", "SELECT 1") == -1)
		replica_ctl("start");
	free(admin);
	free(reader);
	admin = reader = NULL;
	harness_teardown();
}

/* POSTs a progress record; returns its id and copies the consistency token into token. */
static long long post_progress(const char *period, char token[64])
{
	long long m = harness_count("SELECT id FROM measures WHERE number = 1");
	long long t = harness_count("SELECT id FROM targets WHERE code = 'yunfu-gdjg-m01-t01'");
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"hrss\",\"period\":\"%s\",\"status\":"
	         "\"on_track\",\"summary\":\"副本\",\"values\":[{\"target_id\":%lld,\"value\":1}]}",
	         m, period, t);
	struct http_resp *r = http_post_json("/v1/progress", admin, body);
	ck_assert_int_eq(r->status, 201);
	ck_assert_ptr_nonnull(http_resp_header(r, "Zeren-Consistency", token, 64));
	long long id = json_integer_value(json_object_get(r->json, "id"));
	http_resp_free(r);
	ck_assert_int_gt(id, 0);
	return id;
}

static long get_status(const char *path, const char *token)
{
	char hdr[96];
	snprintf(hdr, sizeof(hdr), "Zeren-Consistency: %s", token != NULL ? token : "");
	const char *headers[] = {token != NULL ? hdr : NULL, NULL};
	struct http_resp *r = http_call("GET", path, reader, NULL, NULL, 0, headers);
	long status = r->status;
	http_resp_free(r);
	return status;
}

/* /readyz's replica field. */
static void readyz_replica(char *out, size_t len)
{
	struct http_resp *r = http_get("/readyz", NULL);
	ck_assert_int_eq(r->status, 200);
	snprintf(out, len, "%s", json_string_value(json_object_get(r->json, "replica")));
	http_resp_free(r);
}

static void wait_readyz(const char *want)
{
	char state[32] = "";
	for (int i = 0; i < 200; i++) {
		readyz_replica(state, sizeof(state));
		if (strcmp(state, want) == 0)
			return;
		sleep_ms(50);
	}
	ck_abort_msg("readyz says the replica is %s, not %s", state, want);
}

START_TEST(a_client_reads_its_own_write_with_the_token)
{
	wait_readyz("ok");
	replica_pause(1);
	char token[64], path[64];
	long long id = post_progress("2023", token);
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	/* the replica has not replayed it: without the token the read goes there and misses */
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM progress_records WHERE id = %lld", id);
	ck_assert_int_eq(replica_value("zeren_test", sql), 0);
	ck_assert_int_eq(harness_count(sql), 1);
	ck_assert_int_eq(get_status(path, NULL), 404);
	/* with it, the primary answers */
	ck_assert_int_eq(get_status(path, token), 200);
	ck_assert_int_eq(get_status(path, "not-an-lsn"), 404); /* a malformed token is no token */
	replica_pause(0);
	replica_wait_replayed(token);
	ck_assert_int_eq(get_status(path, token), 200);
	ck_assert_int_eq(get_status(path, NULL), 200);
}
END_TEST

START_TEST(a_lagging_replica_sends_reads_to_the_primary)
{
	wait_readyz("ok");
	replica_pause(1);
	char token[64], path[64];
	long long id = post_progress("2024", token);
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	sleep_ms(700); /* beyond ZEREN_REPLICA_MAX_LAG_MS=300 */
	wait_readyz("lagging");
	ck_assert_int_eq(get_status(path, NULL), 200);
	replica_pause(0);
	replica_wait_replayed(token);
	wait_readyz("ok");
}
END_TEST

START_TEST(a_stopped_replica_sends_reads_to_the_primary)
{
	wait_readyz("ok");
	char token[64], path[64];
	long long id = post_progress("2025", token);
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	replica_wait_replayed(token);
	replica_ctl("stop -m fast");
	ck_assert_int_eq(get_status(path, NULL), 200);
	wait_readyz("down");
	ck_assert_int_eq(get_status(path, NULL), 200);
	ck_assert_int_eq(get_status("/v1/units?limit=5", NULL), 200);
	replica_ctl("start");
	wait_readyz("ok");
	ck_assert_int_eq(get_status(path, NULL), 200);
}
END_TEST

/* The cache is emptied by the primary's notice; a refill from the paused replica would bring
 * the old name back and keep it. */
START_TEST(the_cache_refills_from_a_source_as_new_as_the_change)
{
	wait_readyz("ok");
	long long id = harness_count("SELECT id FROM units WHERE code = 'hrss'");
	char path[64];
	snprintf(path, sizeof(path), "/v1/units/%lld", id);
	struct http_resp *r = http_get(path, reader);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	replica_pause(1);
	harness_exec("UPDATE units SET name = '副本之后' WHERE code = 'hrss'");
	for (int i = 0; i < 100; i++) {
		r = http_get(path, reader);
		ck_assert_int_eq(r->status, 200);
		const char *name = json_string_value(json_object_get(r->json, "name"));
		int fresh = name != NULL && strcmp(name, "副本之后") == 0;
		http_resp_free(r);
		if (fresh)
			break;
		ck_assert_msg(i < 99, "the new name never showed");
		sleep_ms(20);
	}
	/* and it stays: what the cache now holds is the new name */
	for (int i = 0; i < 5; i++) {
		r = http_get(path, reader);
		ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "副本之后");
		http_resp_free(r);
	}
	ck_assert_int_eq(replica_value("zeren_test", "SELECT count(*) FROM units WHERE name = "
	                                             "'副本之后'"),
	                 0);
}
END_TEST

/* GETs path as the reader; the body (owned), asserting 200. */
static char *get_body(const char *path)
{
	struct http_resp *r = http_get(path, reader);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
	char *body = strdup(r->body);
	http_resp_free(r);
	return body;
}

/* The read pool has an open connection to the replica, the replica is known to be up and
 * has replayed everything, and nothing will look at it again (setup_one_look). */
static void open_replica_connection(void)
{
	replica_catch_up();
	wait_readyz("ok");
	free(get_body("/v1/progress?limit=1"));
}

/* The total of GET /v1/progress?count=true. */
static long long progress_total(void)
{
	struct http_resp *r = http_get("/v1/progress?count=true&limit=1", reader);
	ck_assert_msg(r->status == 200, "GET /v1/progress?count=true: %ld %s", r->status, r->body);
	long long total = json_integer_value(json_object_get(r->json, "total"));
	http_resp_free(r);
	return total;
}

/* A restart ends every connection to the replica; the pooled one is still in the pool. The
 * first read on it (here one whose first statement is its count) fails on the replica and
 * is run on the primary, the replica is marked down at once (no look was due), and the
 * reads after it go to the primary. */
START_TEST(reads_on_a_restarted_replicas_pooled_connection_run_on_the_primary)
{
	char token[64], path[64];
	long long id = post_progress("2026", token);
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	open_replica_connection();
	char *report = get_body("/v1/reports/summary?as_of=2026-11-27");
	replica_ctl("restart -m fast");
	ck_assert_int_eq(progress_total(), harness_count("SELECT count(*) FROM progress_records"));
	char state[32];
	readyz_replica(state, sizeof(state));
	ck_assert_str_eq(state, "down");
	struct http_resp *r = http_get(path, reader);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "id")), id);
	http_resp_free(r);
	char *again = get_body("/v1/reports/summary?as_of=2026-11-27");
	ck_assert_str_eq(again, report);
	free(again);
	free(report);
}
END_TEST

/* A report begins a read-only transaction: on a pooled connection to a replica that has
 * stopped, the BEGIN fails, and the whole report runs on the primary instead. */
START_TEST(a_report_on_a_stopped_replicas_pooled_connection_runs_on_the_primary)
{
	open_replica_connection();
	char *report = get_body("/v1/reports/summary?as_of=2026-11-27");
	replica_ctl("stop -m fast");
	char *again = get_body("/v1/reports/summary?as_of=2026-11-27");
	ck_assert_str_eq(again, report);
	free(again);
	free(report);
	char state[32];
	readyz_replica(state, sizeof(state));
	ck_assert_str_eq(state, "down");
	ck_assert_int_eq(progress_total(), harness_count("SELECT count(*) FROM progress_records"));
	replica_ctl("start");
}
END_TEST

/* A listening socket on 127.0.0.1 that is never accepted from: the kernel completes each
 * connection, so a client's startup packet goes out and no answer ever comes, like a replica
 * that hangs or a pooler holding logins for a server that is down. */
static int silent_fd = -1;

static void setup_silent_replica(void)
{
	silent_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(silent_fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(silent_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(silent_fd, 64), 0);
	socklen_t len = sizeof(a);
	ck_assert_int_eq(getsockname(silent_fd, (struct sockaddr *)&a, &len), 0);
	snprintf(replica_read_url, sizeof(replica_read_url),
	         "ZEREN_DATABASE_READ_URL=host=127.0.0.1 port=%d user=zeren dbname=zeren_test",
	         ntohs(a.sin_port));
	/* two seconds for each request's statements, the replica's attempts included: less than
	 * libpq's own connect_timeout (3 s here), which is what the test is about */
	const char *settings[] = {replica_read_url, "ZEREN_DB_TIMEOUT_MS=2000",
	                          "ZEREN_REPLICA_CHECK_MS=20", NULL};
	harness_setup_with(settings);
	reader = harness_token("replica-reader", ROLE_READER, NULL);
}

static void teardown_silent_replica(void)
{
	free(reader);
	reader = NULL;
	harness_teardown();
	close(silent_fd);
	silent_fd = -1;
}

static long long ms_since(const struct timespec *from)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - from->tv_sec) * 1000 +
	       (now.tv_nsec - from->tv_nsec) / 1000000;
}

/* Opening a connection to the replica gets half of what the request has left, like each of its
 * round trips, so the read runs on the primary within the request's deadline (libpq's own
 * connect_timeout, seconds, would have spent all of it and more: a 503 after 3 s). */
START_TEST(a_replica_that_never_answers_a_connection_leaves_the_read_its_deadline)
{
	/* the primary's pool warmed first: a cold connection prepares every statement */
	ck_assert_int_eq(get_status("/v1/progress?limit=1", NULL), 200);
	sleep_ms(1100);
	for (int i = 0; i < 2; i++) {
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long status = get_status("/v1/progress?limit=1", NULL);
		long long took = ms_since(&t0);
		ck_assert_msg(status == 200, "read %d: %ld after %lld ms", i, status, took);
		ck_assert_msg(took < 2000, "read %d took %lld ms, past its 2000 ms deadline", i,
		              took);
		char state[32];
		readyz_replica(state, sizeof(state));
		ck_assert_str_eq(state, "down");
		sleep_ms(1100); /* past the backoff (DB_REPLICA_BACKOFF_MS): the next read looks
		                   again */
	}
}
END_TEST

/* A replica that answers, slowly: a proxy on 127.0.0.1 in front of the real replica that holds
 * each piece of the replica's answers for slow_replica_ms, like a replica far away or
 * overloaded. Each connection gets two threads, one for each direction, that end when either
 * side closes. */
static _Atomic int slow_replica_ms = 350;

static int slow_fd = -1;
static int slow_target_port;

struct slow_pipe {
	int from, to;
	int delay_ms;
};

static void *slow_pipe_run(void *arg)
{
	struct slow_pipe *p = arg;
	char buf[16384];
	for (;;) {
		ssize_t n = read(p->from, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (p->delay_ms > 0)
			sleep_ms(p->delay_ms);
		if (send(p->to, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	}
	/* the other direction sees its end too */
	shutdown(p->from, SHUT_RDWR);
	shutdown(p->to, SHUT_RDWR);
	free(p);
	return NULL;
}

static void slow_pipe_start(int from, int to, int delay_ms)
{
	struct slow_pipe *p = malloc(sizeof(*p));
	ck_assert_ptr_nonnull(p);
	*p = (struct slow_pipe){from, to, delay_ms};
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, slow_pipe_run, p), 0);
	pthread_detach(t);
}

static void *slow_accept_run(void *arg)
{
	(void)arg;
	for (;;) {
		int client = accept(slow_fd, NULL, NULL);
		if (client < 0)
			break;
		int server = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
		                        .sin_port = htons((uint16_t)slow_target_port)};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (server < 0 || connect(server, (struct sockaddr *)&a, sizeof(a)) != 0) {
			close(client);
			if (server >= 0)
				close(server);
			continue;
		}
		slow_pipe_start(client, server, 0);
		slow_pipe_start(server, client, atomic_load(&slow_replica_ms));
	}
	return NULL;
}

static void setup_slow_replica(void)
{
	const char *base = getenv("ZEREN_TEST_PG_REPLICA");
	ck_assert_msg(base != NULL, "ZEREN_TEST_PG_REPLICA not set (scripts/test.sh sets it)");
	const char *port = strstr(base, "port=");
	ck_assert_ptr_nonnull(port);
	slow_target_port = atoi(port + 5);
	if (replica_value("postgres", "SELECT 1") == -1)
		replica_ctl("start");
	slow_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(slow_fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(slow_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(slow_fd, 64), 0);
	socklen_t len = sizeof(a);
	ck_assert_int_eq(getsockname(slow_fd, (struct sockaddr *)&a, &len), 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, slow_accept_run, NULL), 0);
	pthread_detach(t);
	/* unnamed statements: a connection's set-up is then a fixed few round trips (preparing
	 * every statement is not bounded by the deadline yet), and no TLS request */
	snprintf(replica_read_url, sizeof(replica_read_url),
	         "ZEREN_DATABASE_READ_URL=host=127.0.0.1 port=%d user=zeren dbname=zeren_test "
	         "sslmode=disable",
	         ntohs(a.sin_port));
	const char *settings[] = {replica_read_url, "ZEREN_DB_TIMEOUT_MS=2000",
	                          "ZEREN_REPLICA_CHECK_MS=20", "ZEREN_DB_STATEMENTS=unnamed", NULL};
	harness_setup_with(NULL);
	replica_catch_up();
	harness_restart_with(settings);
	reader = harness_token("replica-reader", ROLE_READER, NULL);
}

static void teardown_slow_replica(void)
{
	free(reader);
	reader = NULL;
	harness_teardown();
	shutdown(slow_fd, SHUT_RDWR); /* ends the accept loop */
	close(slow_fd);
	slow_fd = -1;
}

/* Every step of a new replica connection answers, each slowly: connecting, the session set-up,
 * the schema version, the check of the statements' columns, the look at its replay. Given half
 * of what was left each, the first four steps added up to most of the deadline (1.5-1.9 s of 2 s
 * at 350 ms an answer), and the column check, a hundred round trips, had no bound at all: at
 * 200 ms an answer a read waited past the test's 60 s. All of them together get half of the
 * deadline, so the read is served by the primary after about a second. */
START_TEST(a_slow_replica_takes_at_most_half_of_the_reads_deadline)
{
	ck_assert_int_eq(get_status("/v1/progress?limit=1", NULL), 200);
	const int delays[] = {350, 200};
	for (int i = 0; i < 2; i++) {
		atomic_store(&slow_replica_ms, delays[i]);
		sleep_ms(1100); /* past the backoff (DB_REPLICA_BACKOFF_MS): the read looks again */
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long status = get_status("/v1/progress?limit=1", NULL);
		long long took = ms_since(&t0);
		ck_assert_msg(status == 200, "%d ms an answer: %ld after %lld ms", delays[i],
		              status, took);
		ck_assert_msg(
		        took < 1500,
		        "%d ms an answer: the read took %lld ms, the replica more than half of "
		        "its 2000",
		        delays[i], took);
	}
}
END_TEST

Suite *replica_suite(void)
{
	Suite *s = suite_create("replica");
	TCase *fast = tcase_create("replica_lag");
	tcase_add_checked_fixture(fast, setup_fast_lag, teardown);
	tcase_set_timeout(fast, 90);
	tcase_add_test(fast, a_lagging_replica_sends_reads_to_the_primary);
	suite_add_tcase(s, fast);
	TCase *slow = tcase_create("replica");
	tcase_add_checked_fixture(slow, setup_slow_lag, teardown);
	tcase_set_timeout(slow, 90);
	tcase_add_test(slow, a_client_reads_its_own_write_with_the_token);
	tcase_add_test(slow, a_stopped_replica_sends_reads_to_the_primary);
	tcase_add_test(slow, the_cache_refills_from_a_source_as_new_as_the_change);
	suite_add_tcase(s, slow);
	TCase *restart = tcase_create("replica_restart");
	tcase_add_checked_fixture(restart, setup_one_look, teardown);
	tcase_set_timeout(restart, 90);
	tcase_add_test(restart, reads_on_a_restarted_replicas_pooled_connection_run_on_the_primary);
	tcase_add_test(restart,
	               a_report_on_a_stopped_replicas_pooled_connection_runs_on_the_primary);
	suite_add_tcase(s, restart);
	TCase *silent = tcase_create("replica_silent");
	tcase_add_checked_fixture(silent, setup_silent_replica, teardown_silent_replica);
	tcase_set_timeout(silent, 60);
	tcase_add_test(silent,
	               a_replica_that_never_answers_a_connection_leaves_the_read_its_deadline);
	suite_add_tcase(s, silent);
	TCase *slowly = tcase_create("replica_slow");
	tcase_add_checked_fixture(slowly, setup_slow_replica, teardown_slow_replica);
	tcase_set_timeout(slowly, 60);
	tcase_add_test(slowly, a_slow_replica_takes_at_most_half_of_the_reads_deadline);
	suite_add_tcase(s, slowly);
	return s;
}
