/* test_webhooks.c — webhooks end to end with a real receiver on 127.0.0.1 (libmicrohttpd in
 * this process): the admin API and its refusals, signed deliveries in feed order, retries after
 * a 500 and a timeout, dead letters and a manual retry, deactivation, two workers without
 * duplicates, a worker stopped mid-delivery, reminders reaching a subscription, and runs: a run
 * stopping at a failure, kept-alive connections shared by subscriptions with their own secrets. */
#include <libpq-fe.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "db_stmts.h"
#include "harness.h"
#include "reminders.h"
#include "suites.h"
#include "webhook_worker.h"

#define RECEIVER_MAX 512

/* What the receiver got and how it answers; guarded by mu. */
struct receiver {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	int fail_from, fail_first; /* answer 500 to requests fail_from..fail_first-1 */
	int hang_from, hang_first; /* hold requests hang_from..hang_first-1 hang_ms */
	int hang_ms;
	int status; /* the answer otherwise */
	int count;
	int verified;     /* requests whose signature checked out */
	int verified_own; /* ... with the secret of the subscription named in the body */
	int connections;  /* TCP connections accepted */
	long long delivery[RECEIVER_MAX];
	long long change[RECEIVER_MAX];
	long long sub[RECEIVER_MAX];
	char event[RECEIVER_MAX][32];
	const char *secret;
	long long sub_id[4]; /* subscriptions with their own secrets (subscribe_with) */
	const char *sub_secret[4];
};

static struct receiver rx;
static char *admin;

/* One request's body, gathered across calls. */
struct rx_body {
	char *data;
	size_t len;
};

/* 1 when header "t=…,v1=…" is HMAC-SHA256(secret, t "." body), computed here independently. */
static int rx_signature_ok(const char *secret, const char *header, const char *body, size_t len)
{
	long long t = 0;
	char v1[80] = "";
	if (header == NULL || sscanf(header, "t=%lld,v1=%64s", &t, v1) != 2 ||
	    llabs((long long)time(NULL) - t) > 300)
		return 0;
	char *msg = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&msg, &n);
	fprintf(f, "%lld.", t);
	fwrite(body, 1, len, f);
	fclose(f);
	unsigned char mac[32];
	unsigned int maclen = 0;
	if (secret == NULL)
		secret = "";
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, n, mac, &maclen);
	free(msg);
	char hex[65];
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return maclen == 32 && strcmp(hex, v1) == 0;
}

static void rx_record(struct MHD_Connection *c, const struct rx_body *b, int *hang, int *status)
{
	const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Zeren-Signature");
	const char *did = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Zeren-Delivery");
	const char *ev = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Zeren-Event");
	json_t *body = json_loadb(b->data != NULL ? b->data : "", b->len, 0, NULL);
	pthread_mutex_lock(&rx.mu);
	int i = rx.count++;
	long long sub = json_integer_value(json_object_get(body, "subscription_id"));
	const char *own = NULL;
	for (int k = 0; k < 4; k++)
		if (rx.sub_id[k] == sub && sub != 0)
			own = rx.sub_secret[k];
	if (i < RECEIVER_MAX) {
		rx.sub[i] = sub;
		rx.delivery[i] = did != NULL ? atoll(did) : 0;
		rx.change[i] =
		        json_integer_value(json_object_get(json_object_get(body, "change"), "id"));
		snprintf(rx.event[i], sizeof(rx.event[i]), "%s", ev != NULL ? ev : "");
	}
	rx.verified += rx_signature_ok(rx.secret, sig, b->data != NULL ? b->data : "", b->len);
	rx.verified_own +=
	        own != NULL && rx_signature_ok(own, sig, b->data != NULL ? b->data : "", b->len);
	*hang = i >= rx.hang_from && i < rx.hang_first ? rx.hang_ms : 0;
	*status = i >= rx.fail_from && i < rx.fail_first ? 500 : rx.status;
	pthread_mutex_unlock(&rx.mu);
	json_decref(body);
}

static enum MHD_Result rx_handle(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *size, void **state)
{
	(void)cls, (void)url, (void)method, (void)version;
	struct rx_body *b = *state;
	if (b == NULL) {
		*state = calloc(1, sizeof(*b));
		return MHD_YES;
	}
	if (*size > 0) {
		b->data = realloc(b->data, b->len + *size + 1);
		memcpy(b->data + b->len, data, *size);
		b->len += *size;
		b->data[b->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	int hang = 0, status = 200;
	rx_record(c, b, &hang, &status);
	if (hang > 0)
		usleep((useconds_t)hang * 1000);
	struct MHD_Response *r =
	        MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static void rx_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode code)
{
	(void)cls, (void)c, (void)code;
	struct rx_body *b = *state;
	if (b != NULL)
		free(b->data);
	free(b);
	*state = NULL;
}

static void rx_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	(void)cls, (void)c, (void)socket_context;
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	pthread_mutex_lock(&rx.mu);
	rx.connections++;
	pthread_mutex_unlock(&rx.mu);
}

static void rx_start(void)
{
	pthread_mutex_destroy(&rx.mu);
	memset(&rx, 0, sizeof(rx));
	pthread_mutex_init(&rx.mu, NULL);
	rx.status = 200;
	rx.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
	                        NULL, NULL, rx_handle, NULL, MHD_OPTION_NOTIFY_COMPLETED, rx_done,
	                        NULL, MHD_OPTION_NOTIFY_CONNECTION, rx_connection, NULL,
	                        MHD_OPTION_END);
	ck_assert_ptr_nonnull(rx.d);
	rx.port = MHD_get_daemon_info(rx.d, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static int rx_count(void)
{
	pthread_mutex_lock(&rx.mu);
	int n = rx.count;
	pthread_mutex_unlock(&rx.mu);
	return n;
}

/* Settings of every test here: webhooks to 127.0.0.1 over http, fast polls and retries, 3
 * attempts before a delivery is parked. */
#define WEBHOOK_SETTINGS                                                                           \
	"ZEREN_WEBHOOK_ALLOWED_HOSTS=hooks.example.org, http://127.0.0.1:*",                       \
	        "ZEREN_WEBHOOK_POLL_MS=20", "ZEREN_WEBHOOK_RETRY_BASE_MS=20",                      \
	        "ZEREN_WEBHOOK_RETRY_MAX_MS=40", "ZEREN_WEBHOOK_MAX_ATTEMPTS=3",                   \
	        "ZEREN_REMINDER_INTERVAL_S=0", "ZEREN_DB_POOL_SIZE=8"

/* extra settings come first: the first of a name wins */
static void webhooks_setup_with(const char *const *extra)
{
	static const char *const base[] = {WEBHOOK_SETTINGS, NULL};
	const char *settings[24];
	size_t n = 0;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		settings[n++] = extra[i];
	for (size_t i = 0; base[i] != NULL; i++)
		settings[n++] = base[i];
	settings[n] = NULL;
	harness_setup_with(settings);
	rx_start();
	admin = harness_token("hook-admin", ROLE_ADMIN, NULL);
}

static void webhooks_setup(void)
{
	static const char *const extra[] = {"ZEREN_WEBHOOK_TIMEOUT_MS=300",
	                                    "ZEREN_WEBHOOK_LEASE_S=1", NULL};
	webhooks_setup_with(extra);
}

/* Failing for a second deactivates. */
static void webhooks_setup_deactivate(void)
{
	static const char *const extra[] = {"ZEREN_WEBHOOK_MAX_ATTEMPTS=1000",
	                                    "ZEREN_WEBHOOK_DEACTIVATE_S=1", NULL};
	webhooks_setup_with(extra);
}

/* A lease of 2 s over a timeout of 1.5 s. */
static void webhooks_setup_lease(void)
{
	static const char *const extra[] = {"ZEREN_WEBHOOK_TIMEOUT_MS=1500",
	                                    "ZEREN_WEBHOOK_LEASE_S=2", NULL};
	webhooks_setup_with(extra);
}

/* Runs: a lease long enough for a run of 10, a first retry 1 to 2 s after a failure (time to
 * look at what the failure left). */
static void webhooks_setup_runs(void)
{
	static const char *const extra[] = {
	        "ZEREN_WEBHOOK_TIMEOUT_MS=2000", "ZEREN_WEBHOOK_LEASE_S=10",
	        "ZEREN_WEBHOOK_RETRY_BASE_MS=2000", "ZEREN_WEBHOOK_RETRY_MAX_MS=4000", NULL};
	webhooks_setup_with(extra);
}

static void webhooks_teardown(void)
{
	MHD_stop_daemon(rx.d);
	rx.d = NULL;
	free(admin);
	admin = NULL;
	harness_teardown();
}

/* Subscribes the receiver to events (a JSON list) with secret (borrowed: it must outlive the
 * test); returns the id. */
static long long subscribe_with(const char *events, const char *secret)
{
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"url\":\"http://127.0.0.1:%d/hook\",\"events\":%s,\"secret\":\"%s\"}", rx.port,
	         events, secret);
	rx.secret = secret;
	struct http_resp *r = http_post_json("/v1/subscriptions", admin, body);
	ck_assert_msg(r->status == 201, "subscribe: %ld %s", r->status, r->body);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	http_resp_free(r);
	for (int k = 0; k < 4; k++)
		if (rx.sub_id[k] == 0) {
			rx.sub_id[k] = id;
			rx.sub_secret[k] = secret;
			break;
		}
	return id;
}

/* Subscribes the receiver to events (a JSON list) with a known secret; returns the id. */
static long long subscribe(const char *events)
{
	return subscribe_with(events, "test-secret-0123456789");
}

/* Makes n units, one transaction each when separate, else all in one. */
static void make_units(int n, int separate, const char *prefix)
{
	char sql[256];
	for (int i = 0; separate && i < n; i++) {
		snprintf(sql, sizeof(sql),
		         "INSERT INTO units (code, name, kind) VALUES ('%s-%d', 'u', 'department')",
		         prefix, i);
		harness_exec(sql);
	}
	if (!separate) {
		snprintf(
		        sql, sizeof(sql),
		        "INSERT INTO units (code, name, kind) SELECT '%s-' || g, 'u', 'department' "
		        "FROM generate_series(1, %d) g",
		        prefix, n);
		harness_exec(sql);
	}
}

/* Waits up to ms until sql counts want; returns the last count. */
static long long wait_count(const char *sql, long long want, int ms)
{
	long long n = -1;
	for (int waited = 0; waited <= ms; waited += 20) {
		if ((n = harness_count(sql)) == want)
			break;
		usleep(20000);
	}
	return n;
}

static struct webhook_worker *worker(void)
{
	char err[200];
	struct webhook_worker *w = webhook_worker_start(harness_current_app(), err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	return w;
}

START_TEST(admin_api_creates_lists_and_refuses)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%d/x\",\"events\":[\"*\"]}",
	         rx.port);
	struct http_resp *r = http_post_json("/v1/subscriptions", admin, body);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	const char *secret = json_string_value(json_object_get(r->json, "secret"));
	ck_assert_ptr_nonnull(secret);
	ck_assert_int_eq(strncmp(secret, "whsec_", 6), 0); /* generated when not given */
	long long id = json_integer_value(json_object_get(r->json, "id"));
	char path[96], loc[96];
	snprintf(path, sizeof(path), "/v1/subscriptions/%lld", id);
	ck_assert_str_eq(http_resp_header(r, "Location", loc, sizeof(loc)), path);
	http_resp_free(r);
	r = http_get(path, admin); /* the secret is never shown again */
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_null(json_object_get(r->json, "secret"));
	ck_assert_ptr_null(strstr(r->body, "whsec_"));
	http_resp_free(r);
	r = http_get("/v1/subscriptions", admin);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
	http_resp_free(r);
	const char *refused[][2] = {
	        {"{\"url\":\"https://internal.example.org/x\",\"events\":[\"*\"]}", "422"},
	        {"{\"url\":\"http://hooks.example.org/x\",\"events\":[\"*\"]}", "422"},
	        {"{\"url\":\"http://127.0.0.2:80/x\",\"events\":[\"*\"]}", "422"},
	        {"{\"url\":\"ftp://127.0.0.1/x\",\"events\":[\"*\"]}", "422"},
	        {"{\"url\":\"https://hooks.example.org/x\",\"events\":[\"nope.created\"]}", "400"},
	        {"{\"url\":\"https://hooks.example.org/x\",\"events\":[]}", "400"},
	        {"{\"url\":\"https://hooks.example.org/"
	         "x\",\"events\":[\"*\"],\"secret\":\"short\"}",
	         "400"},
	};
	long long before = harness_count("SELECT count(*) FROM subscriptions");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		r = http_post_json("/v1/subscriptions", admin, refused[i][0]);
		ck_assert_msg(r->status == atoi(refused[i][1]), "%s: %ld %s", refused[i][0],
		              r->status, r->body);
		assert_problem(r, (int)r->status, NULL);
		http_resp_free(r);
	}
	ck_assert_int_eq(harness_count("SELECT count(*) FROM subscriptions"), before);
	char *reader = harness_token("someone", ROLE_SUPERVISOR, NULL);
	r = http_get("/v1/subscriptions", reader);
	ck_assert_int_eq(r->status, 403);
	http_resp_free(r);
	r = http_post_json("/v1/subscriptions", reader, body);
	ck_assert_int_eq(r->status, 403);
	http_resp_free(r);
	free(reader);
	r = http_call("PATCH", path, admin, "application/json", "{\"active\":false}", 16, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_false(json_object_get(r->json, "active")));
	http_resp_free(r);
	r = http_call("DELETE", path, admin, NULL, NULL, 0, NULL);
	ck_assert_int_eq(r->status, 204);
	http_resp_free(r);
	r = http_get(path, admin);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
}
END_TEST

START_TEST(deliveries_are_signed_and_in_feed_order)
{
	long long sid = subscribe("[\"unit.created\"]");
	make_units(5, 1, "order");
	make_units(20, 0, "batch");
	harness_exec("UPDATE plans SET title = title || ' (renamed)'"); /* not subscribed */
	struct webhook_worker *w = worker();
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'", 25, 10000),
	        25);
	webhook_worker_stop(w);
	ck_assert_int_eq(rx_count(), 25);
	ck_assert_int_eq(rx.verified, 25);
	for (int i = 1; i < 25; i++) {
		ck_assert_int_gt(rx.change[i], rx.change[i - 1]); /* feed order */
		ck_assert_int_gt(rx.delivery[i], rx.delivery[i - 1]);
		ck_assert_str_eq(rx.event[i], "unit.created");
	}
	char path[96];
	snprintf(path, sizeof(path), "/v1/subscriptions/%lld/deliveries?limit=2", sid);
	struct http_resp *r = http_get(path, admin);
	ck_assert_int_eq(r->status, 200);
	json_t *d = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "state")), "delivered");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "attempts")), 1);
	json_t *h = json_array_get(json_object_get(d, "history"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(h, "status")), 200);
	http_resp_free(r);
}
END_TEST

START_TEST(a_500_and_a_timeout_are_retried)
{
	rx.fail_first = 1; /* the first request gets a 500 */
	rx.hang_from = 1;  /* the second outlasts the 300 ms timeout */
	rx.hang_first = 2;
	rx.hang_ms = 1200;
	long long sid = subscribe("[\"*\"]");
	make_units(1, 1, "retry");
	struct webhook_worker *w = worker();
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'", 1, 10000),
	        1);
	webhook_worker_stop(w);
	char path[96];
	snprintf(path, sizeof(path), "/v1/subscriptions/%lld/deliveries", sid);
	struct http_resp *r = http_get(path, admin);
	json_t *d = json_array_get(json_object_get(r->json, "items"), 0);
	json_t *hist = json_object_get(d, "history");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "attempts")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(hist, 0), "status")),
	                 500);
	ck_assert(json_is_null(json_object_get(json_array_get(hist, 1), "status")));
	ck_assert_ptr_nonnull(strcasestr(
	        json_string_value(json_object_get(json_array_get(hist, 1), "error")), "timeout"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(hist, 2), "status")),
	                 200);
	http_resp_free(r);
}
END_TEST

START_TEST(a_delivery_failing_every_attempt_is_parked_then_retried_by_hand)
{
	rx.status = 500;
	long long sid = subscribe("[\"unit.created\"]");
	make_units(2, 1, "dead");
	struct webhook_worker *w = worker();
	/* the first is parked after 3 attempts; the second follows it and is parked too */
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'failed'", 2, 10000), 2);
	ck_assert_int_eq(harness_count("SELECT min(attempts) FROM deliveries"), 3);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM delivery_attempts"), 6);
	pthread_mutex_lock(&rx.mu);
	rx.status = 204;
	pthread_mutex_unlock(&rx.mu);
	long long did = harness_count("SELECT min(id) FROM deliveries");
	char path[128];
	snprintf(path, sizeof(path), "/v1/subscriptions/%lld/deliveries/%lld/retry", sid, did);
	struct http_resp *r = http_call("POST", path, admin, NULL, NULL, 0, NULL);
	ck_assert_msg(r->status == 202, "%ld %s", r->status, r->body);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "state")), "pending");
	http_resp_free(r);
	char sql[128];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM deliveries WHERE id = %lld AND state = "
	         "'delivered' AND attempts = 4",
	         did);
	ck_assert_int_eq(wait_count(sql, 1, 10000), 1);
	webhook_worker_stop(w);
	snprintf(path, sizeof(path), "/v1/subscriptions/%lld/deliveries?state=failed", sid);
	r = http_get(path, admin);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/subscriptions/%lld/deliveries/999999/retry", sid);
	r = http_call("POST", path, admin, NULL, NULL, 0, NULL);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
}
END_TEST

START_TEST(a_subscription_failing_for_long_is_deactivated)
{
	rx.status = 503;
	subscribe("[\"*\"]");
	make_units(1, 1, "down");
	struct webhook_worker *w = worker();
	ck_assert_int_eq(wait_count("SELECT count(*) FROM subscriptions WHERE NOT active AND "
	                            "deactivated_at IS NOT NULL",
	                            1, 10000),
	                 1);
	webhook_worker_stop(w);
}
END_TEST

START_TEST(two_workers_deliver_each_once)
{
	subscribe("[\"unit.created\"]");
	subscribe("[\"unit.created\"]");
	make_units(60, 0, "pair");
	struct webhook_worker *a = worker(), *b = worker();
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'", 120, 20000),
	        120);
	webhook_worker_stop(a);
	webhook_worker_stop(b);
	ck_assert_int_eq(rx_count(), 120); /* no delivery sent twice */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM delivery_attempts"), 120);
	for (int i = 0; i < 120; i++)
		for (int j = i + 1; j < 120; j++)
			ck_assert_int_ne(rx.delivery[i], rx.delivery[j]);
}
END_TEST

START_TEST(a_worker_stopped_mid_delivery_leaves_it_to_another)
{
	rx.hang_first = 1;
	rx.hang_ms = 2500;
	subscribe("[\"unit.created\"]");
	make_units(1, 1, "dies");
	struct webhook_worker *a = worker();
	for (int i = 0; i < 500 && rx_count() == 0; i++)
		usleep(10000);
	ck_assert_int_eq(rx_count(), 1); /* a's request is in flight */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	webhook_worker_stop(a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2); /* stopping does not wait for the receiver */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM deliveries WHERE state = 'pending' "
	                               "AND claimed_until > now()"),
	                 1); /* a still holds it, as a dead instance would */
	struct webhook_worker *b = worker();
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'", 1, 10000),
	        1);
	webhook_worker_stop(b);
	ck_assert_int_eq(harness_count("SELECT attempts FROM deliveries"), 2);
}
END_TEST

START_TEST(reminders_reach_a_subscription)
{
	subscribe("[\"report.due\", \"report.overdue\"]");
	long long emitted = 0;
	/* 2024-Q1 is due 2024-04-15 (15 days after its end): 5 days ahead, within warn_days 7 */
	ck_assert_int_eq(reminders_run(harness_current_app()->pool,
	                               report_day_from_ymd(2024, 4, 10), 45, &emitted),
	                 SVC_OK);
	ck_assert_int_gt(emitted, 0);
	struct webhook_worker *w = worker();
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM deliveries WHERE state = 'delivered'");
	ck_assert_int_eq(wait_count(sql, emitted, 15000), emitted);
	webhook_worker_stop(w);
	ck_assert_str_eq(rx.event[0], "report.due");
	ck_assert_int_eq(rx.verified, (int)emitted);
}
END_TEST

START_TEST(a_run_stopping_at_a_failure_keeps_later_ones_pending_in_order)
{
	rx.fail_from = 2; /* the third request of the run gets a 500 */
	rx.fail_first = 3;
	subscribe("[\"unit.created\"]");
	make_units(10, 0, "run");
	struct webhook_worker *w = worker();
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM delivery_attempts WHERE status = 500", 1, 10000),
	        1);
	/* before the retry (1 to 2 s later): the two before it delivered, it pending with its
	 * attempt, the seven after it pending, free and with no attempt counted, none sent */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'"),
	                 2);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM (SELECT d.*, row_number() OVER "
	                               "(ORDER BY change_xid, change_id) AS n FROM deliveries d) x "
	                               "WHERE n = 3 AND state = 'pending' AND attempts = 1 AND "
	                               "last_status = 500 AND next_attempt_at > now()"),
	                 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM (SELECT d.*, row_number() OVER "
	                               "(ORDER BY change_xid, change_id) AS n FROM deliveries d) x "
	                               "WHERE n > 3 AND state = 'pending' AND attempts = 0 AND "
	                               "claim IS NULL AND claimed_until IS NULL"),
	                 7);
	ck_assert_int_eq(rx_count(), 3);
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'", 10, 15000),
	        10);
	webhook_worker_stop(w);
	/* received: 1, 2, 3 (500), 3 again, then 4..10 in order */
	ck_assert_int_eq(rx_count(), 11);
	ck_assert_int_eq(rx.change[3], rx.change[2]);
	for (int i = 1; i < 11; i++)
		if (i != 3)
			ck_assert_int_gt(rx.change[i], rx.change[i - 1]);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM delivery_attempts"), 11);
	ck_assert_int_eq(harness_count("SELECT sum(attempts) FROM deliveries"), 11);
}
END_TEST

START_TEST(kept_alive_connections_keep_each_subscriptions_secret)
{
	static const char *const a_secret = "secret-of-a-0123456789",
	                         *b_secret = "secret-of-b-9876543210";
	long long a = subscribe_with("[\"unit.created\"]", a_secret);
	long long b = subscribe_with("[\"unit.created\"]", b_secret);
	make_units(30, 0, "pairs");
	struct webhook_worker *w = worker();
	ck_assert_int_eq(
	        wait_count("SELECT count(*) FROM deliveries WHERE state = 'delivered'", 60, 20000),
	        60);
	webhook_worker_stop(w);
	pthread_mutex_lock(&rx.mu);
	int count = rx.count, own = rx.verified_own, connections = rx.connections;
	pthread_mutex_unlock(&rx.mu);
	ck_assert_int_eq(count, 60);
	ck_assert_int_eq(own, 60); /* each signed with its own subscription's secret */
	/* the runs went over kept-alive connections, not one each */
	ck_assert_msg(connections <= 6, "%d connections for 60 requests", connections);
	long long last_a = 0, last_b = 0;
	int of_a = 0;
	for (int i = 0; i < 60; i++) {
		ck_assert(rx.sub[i] == a || rx.sub[i] == b);
		long long *last = rx.sub[i] == a ? &last_a : &last_b;
		of_a += rx.sub[i] == a;
		ck_assert_int_gt(rx.change[i], *last); /* in order per subscription */
		*last = rx.change[i];
	}
	ck_assert_int_eq(of_a, 30);
}
END_TEST

/* Buffers one claim of a run of 10 touches (EXPLAIN ANALYZE, rolled back), run as the service
 * role with the statement the worker prepares, planned for these values (as an unnamed
 * statement is) or generic (as a prepared one is after its first runs), whichever reads more. */
static long long claim_buffers(void)
{
	PGconn *c = PQconnectdb(harness_app_conninfo());
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQprepare(c, "claim", db_stmt_table[STMT_WEBHOOK_CLAIM].sql, 0, NULL);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
	PQclear(r);
	long long most = 0;
	static const char *const modes[] = {"force_custom_plan", "force_generic_plan"};
	for (int i = 0; i < 2; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "SET plan_cache_mode = %s", modes[i]);
		r = PQexec(c, sql);
		ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
		PQclear(r);
		r = PQexec(c, "BEGIN");
		ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		r = PQexec(c, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
		              "EXECUTE claim('32', 'buffers-test', '60', '10')");
		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
		json_t *plan = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
		json_t *top = json_object_get(json_array_get(plan, 0), "Plan");
		ck_assert_int_eq(json_integer_value(json_object_get(top, "Actual Rows")), 10);
		long long n = json_integer_value(json_object_get(top, "Shared Hit Blocks")) +
		              json_integer_value(json_object_get(top, "Shared Read Blocks"));
		most = n > most ? n : most;
		json_decref(plan);
		PQclear(r);
		PQclear(PQexec(c, "ROLLBACK"));
	}
	PQfinish(c);
	return most;
}

/* Found in a benchmark: the claim looked for each subscription's first pending delivery by
 * testing every pending delivery for an earlier one, so it read the whole backlog each time
 * (23 ms a claim at 20,000 pending, 115 ms at 100,000) and senders fell further behind the
 * more they had to send. Then, with statistics taken while the table was small, it locked its
 * run through a semi join over every due delivery (50 ms a claim). A claim now reads its run by
 * key, whatever waits behind it and whatever the statistics say. */
START_TEST(a_claim_does_not_read_the_backlog)
{
	long long id = subscribe("[\"*\"]");
	/* the statistics below are the test's to choose, not autovacuum's */
	harness_exec("ALTER TABLE deliveries SET (autovacuum_enabled = off)");
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO deliveries (subscription_id, change_xid, change_id, event, body) "
	         "SELECT %lld, '1000'::xid8, g, 'unit.created', repeat('x', 600) "
	         "FROM generate_series(1, 20) g",
	         id);
	harness_exec(sql);
	harness_exec("VACUUM ANALYZE deliveries");
	long long small = claim_buffers();
	/* statistics taken while hardly anything was pending, as when a backlog builds up
	 * between analyses */
	snprintf(sql, sizeof(sql),
	         "INSERT INTO deliveries (subscription_id, change_xid, change_id, event, body, "
	         "state, finished_at) "
	         "SELECT %lld, '2000'::xid8, g, 'unit.created', 'x', 'delivered', now() "
	         "FROM generate_series(1, 5000) g",
	         id);
	harness_exec(sql);
	harness_exec("VACUUM ANALYZE deliveries");
	snprintf(sql, sizeof(sql),
	         "INSERT INTO deliveries (subscription_id, change_xid, change_id, event, body) "
	         "SELECT %lld, '1000'::xid8, g, 'unit.created', repeat('x', 600) "
	         "FROM generate_series(21, 20000) g",
	         id);
	harness_exec(sql);
	/* what the rolled-back claims left is cleared, as autovacuum would; not the statistics */
	harness_exec("VACUUM deliveries");
	long long stale = claim_buffers();
	harness_exec("VACUUM ANALYZE deliveries");
	long long fresh = claim_buffers();
	/* behind 20 rows every look-up is one page, behind 20,000 an index descent of two or
	 * three; reading the backlog costs tens of thousands (62,212 before the fix) */
	ck_assert_msg(stale <= 3 * small && fresh <= 3 * small,
	              "a claim read %lld buffers behind 20,000 (%lld with old statistics), "
	              "%lld behind 20",
	              fresh, stale, small);
}
END_TEST

/* A claim that finds a subscription's first pending delivery held by another sender leaves the
 * whole subscription alone: sending its second would break feed order. */
START_TEST(a_held_head_keeps_its_subscription_out_of_a_claim)
{
	long long id = subscribe("[\"*\"]");
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO deliveries (subscription_id, change_xid, change_id, event, body) "
	         "SELECT %lld, '1000'::xid8, g, 'unit.created', 'x' FROM generate_series(1, 5) g",
	         id);
	harness_exec(sql);
	PGconn *holder = PQconnectdb(harness_app_conninfo());
	PGconn *sender = PQconnectdb(harness_app_conninfo());
	ck_assert_int_eq(PQstatus(holder), CONNECTION_OK);
	ck_assert_int_eq(PQstatus(sender), CONNECTION_OK);
	PGresult *r = PQexec(holder, "BEGIN");
	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = PQexec(holder, "SELECT id FROM deliveries WHERE change_id = 1 FOR UPDATE");
	ck_assert_int_eq(PQntuples(r), 1);
	PQclear(r);
	/* a claim that waited for the lock instead of skipping it fails here, not at the timeout */
	r = PQexec(sender, "SET lock_timeout = '2s'");
	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	const char *p[] = {"32", "held-head-test", "60", "10"};
	r = PQexecParams(sender, db_stmt_table[STMT_WEBHOOK_CLAIM].sql, 4, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(sender));
	ck_assert_int_eq(PQntuples(r), 0);
	PQclear(r);
	PQclear(PQexec(holder, "ROLLBACK"));
	/* once free, the run starts at the head, in feed order */
	r = PQexecParams(sender, db_stmt_table[STMT_WEBHOOK_CLAIM].sql, 4, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(sender));
	ck_assert_int_eq(PQntuples(r), 5);
	PQclear(r);
	ck_assert_int_eq(
	        harness_count("SELECT count(*) FROM deliveries WHERE claim = 'held-head-test' "
	                      "AND attempts = 1"),
	        5);
	ck_assert_int_eq(harness_count("SELECT min(change_id) FROM deliveries "
	                               "WHERE claim = 'held-head-test'"),
	                 1);
	PQfinish(holder);
	PQfinish(sender);
}
END_TEST

Suite *webhooks_suite(void)
{
	Suite *s = suite_create("webhooks");
	TCase *tc = tcase_create("webhooks");
	tcase_add_checked_fixture(tc, webhooks_setup, webhooks_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, admin_api_creates_lists_and_refuses);
	tcase_add_test(tc, deliveries_are_signed_and_in_feed_order);
	tcase_add_test(tc, a_500_and_a_timeout_are_retried);
	tcase_add_test(tc, a_delivery_failing_every_attempt_is_parked_then_retried_by_hand);
	tcase_add_test(tc, two_workers_deliver_each_once);
	tcase_add_test(tc, reminders_reach_a_subscription);
	tcase_add_test(tc, a_claim_does_not_read_the_backlog);
	tcase_add_test(tc, a_held_head_keeps_its_subscription_out_of_a_claim);
	suite_add_tcase(s, tc);
	TCase *deactivate = tcase_create("deactivation");
	tcase_add_checked_fixture(deactivate, webhooks_setup_deactivate, webhooks_teardown);
	tcase_set_timeout(deactivate, 60);
	tcase_add_test(deactivate, a_subscription_failing_for_long_is_deactivated);
	suite_add_tcase(s, deactivate);
	TCase *lease = tcase_create("lease");
	tcase_add_checked_fixture(lease, webhooks_setup_lease, webhooks_teardown);
	tcase_set_timeout(lease, 60);
	tcase_add_test(lease, a_worker_stopped_mid_delivery_leaves_it_to_another);
	suite_add_tcase(s, lease);
	TCase *runs = tcase_create("runs");
	tcase_add_checked_fixture(runs, webhooks_setup_runs, webhooks_teardown);
	tcase_set_timeout(runs, 60);
	tcase_add_test(runs, a_run_stopping_at_a_failure_keeps_later_ones_pending_in_order);
	tcase_add_test(runs, kept_alive_connections_keep_each_subscriptions_secret);
	suite_add_tcase(s, runs);
	return s;
}
