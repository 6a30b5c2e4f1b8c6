/* test_changes.c — GET /v1/changes: what every write path records, interleaved and concurrent
 * transactions never missed, pages, parameters, retention's 410. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static char *reader;

static void changes_setup(void)
{
	harness_setup();
	reader = harness_token("feed-reader", ROLE_READER, NULL);
}

static void changes_teardown(void)
{
	free(reader);
	reader = NULL;
	harness_teardown();
}

/* One poll from cursor (NULL: from the start); asserts the page's shape and returns it. */
static struct http_resp *poll_once(const char *cursor, int limit, const char *entity)
{
	char path[512];
	snprintf(path, sizeof(path), "/v1/changes?limit=%d%s%s%s%s", limit, cursor ? "&after=" : "",
	         cursor ? cursor : "", entity ? "&entity=" : "", entity ? entity : "");
	struct http_resp *r = http_get(path, reader);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
	const char *next = json_string_value(json_object_get(r->json, "next_cursor"));
	ck_assert_ptr_nonnull(next);
	char link[512];
	ck_assert_ptr_nonnull(http_resp_header(r, "Link", link, sizeof(link)));
	ck_assert_ptr_nonnull(strstr(link, next));
	ck_assert_ptr_nonnull(strstr(link, "rel=\"next\""));
	json_t *items = json_object_get(r->json, "items");
	ck_assert(json_is_array(items));
	ck_assert_int_le((int)json_array_size(items), limit);
	if (json_array_size(items) > 0) { /* the next cursor is the last item's */
		json_t *last = json_array_get(items, json_array_size(items) - 1);
		ck_assert_str_eq(json_string_value(json_object_get(last, "cursor")), next);
	} else if (cursor != NULL) { /* nothing new: the position is kept */
		ck_assert_str_eq(next, cursor);
	}
	return r;
}

/* Reads the feed to its current end from cursor (NULL: the start); appends each item to all
 * (when not NULL) and leaves the end's cursor in out. Returns the number of items read. */
static size_t drain(const char *cursor, json_t *all, char out[256])
{
	char pos[256] = "";
	if (cursor != NULL)
		snprintf(pos, sizeof(pos), "%s", cursor);
	size_t n = 0;
	for (int pages = 0;; pages++) {
		ck_assert_int_lt(pages, 1000);
		struct http_resp *r = poll_once(pos[0] ? pos : NULL, 500, NULL);
		json_t *items = json_object_get(r->json, "items");
		size_t got = json_array_size(items);
		if (all != NULL)
			json_array_extend(all, items);
		n += got;
		snprintf(pos, sizeof(pos), "%s",
		         json_string_value(json_object_get(r->json, "next_cursor")));
		http_resp_free(r);
		if (got == 0)
			break;
	}
	snprintf(out, 256, "%s", pos);
	return n;
}

static int is_entity(json_t *item, const char *entity, const char *action)
{
	return strcmp(json_string_value(json_object_get(item, "entity")), entity) == 0 &&
	       strcmp(json_string_value(json_object_get(item, "action")), action) == 0;
}

static json_t *find_item(json_t *items, const char *entity, const char *action, long long id)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (is_entity(it, entity, action) &&
		    json_integer_value(json_object_get(it, "id")) == id)
			return it;
	}
	return NULL;
}

static const char *actor_sub(json_t *item)
{
	return json_string_value(json_object_get(json_object_get(item, "actor"), "sub"));
}

/* Sends a JSON request with optional If-Match. */
static struct http_resp *send_json(const char *method, const char *path, const char *tok,
                                   const char *body, const char *if_match)
{
	char h[96];
	const char *headers[] = {h, NULL};
	snprintf(h, sizeof(h), "If-Match: %s", if_match ? if_match : "");
	return http_call(method, path, tok, body ? "application/json" : NULL, body,
	                 body ? strlen(body) : 0, if_match ? headers : NULL);
}

START_TEST(every_write_path_is_in_the_feed_with_its_actor)
{
	char end[256], etag[64];
	json_t *seed = json_array();
	/* the seed import is in the feed: every plan, task, measure, target and unit once */
	drain(NULL, seed, end);
	ck_assert_int_eq(
	        (long long)json_array_size(seed),
	        harness_count("SELECT (SELECT count(*) FROM plans) + (SELECT count(*) FROM "
	                      "tasks) + (SELECT count(*) FROM measures) + (SELECT count(*) "
	                      "FROM targets) + (SELECT count(*) FROM units)"));
	json_decref(seed);

	char *admin = harness_token("admin-1", ROLE_ADMIN, NULL);
	char *hrss = harness_token("hrss-clerk", ROLE_REPORTER, "hrss");
	char *sup = harness_token("sup-1", ROLE_SUPERVISOR, NULL);
	/* admin: unit create, update, delete */
	struct http_resp *r = send_json(
	        "POST", "/v1/units", admin,
	        "{\"code\":\"feed-dept\",\"name\":\"市测试局\",\"kind\":\"department\"}", NULL);
	ck_assert_int_eq(r->status, 201);
	long long uid = json_integer_value(json_object_get(r->json, "id"));
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	char path[128];
	snprintf(path, sizeof(path), "/v1/units/%lld", uid);
	r = send_json("PATCH", path, admin, "{\"name\":\"市测试管理局\"}", etag);
	ck_assert_int_eq(r->status, 200);
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	r = send_json("DELETE", path, admin, NULL, etag);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	http_resp_free(r);
	/* an assignment change is an update of its measure */
	long long mid = harness_count("SELECT id FROM measures WHERE number = 2");
	snprintf(path, sizeof(path), "/v1/measures/%lld", mid);
	r = http_get(path, reader);
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/measures/%lld/assignments", mid);
	r = send_json("POST", path, admin, "{\"unit\":\"finance\",\"role\":\"related\"}", etag);
	ck_assert_msg(r->status == 200 || r->status == 201, "%ld %s", r->status, r->body);
	http_resp_free(r);
	/* progress: create, amend, review */
	char body[256];
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\","
	         "\"summary\":\"已组织培训\"}",
	         harness_count("SELECT id FROM measures WHERE number = 1"));
	r = http_post_json("/v1/progress", hrss, body);
	ck_assert_int_eq(r->status, 201);
	long long pid = json_integer_value(json_object_get(r->json, "id"));
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/progress/%lld", pid);
	r = send_json("PATCH", path, hrss, "{\"summary\":\"已完成培训\"}", etag);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/v1/progress/%lld/review", pid);
	r = http_post_json(path, sup, "{\"decision\":\"approve\"}");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	http_resp_free(r);
	/* a batch */
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2023\",\"status\":\"on_track\","
	         "\"summary\":\"批量\"}]",
	         harness_count("SELECT id FROM measures WHERE number = 1"));
	r = http_post_json("/v1/progress/batch", hrss, body);
	ck_assert_msg(r->status == 201 || r->status == 200, "%ld %s", r->status, r->body);
	http_resp_free(r);

	json_t *items = json_array();
	drain(end, items, end);
	json_t *it = find_item(items, "unit", "created", uid);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(json_string_value(json_object_get(it, "code")), "feed-dept");
	ck_assert_str_eq(actor_sub(it), "admin-1");
	ck_assert_ptr_nonnull(find_item(items, "unit", "updated", uid));
	ck_assert_ptr_nonnull(it = find_item(items, "unit", "deleted", uid));
	ck_assert_str_eq(json_string_value(json_object_get(it, "code")), "feed-dept");
	ck_assert_ptr_nonnull(it = find_item(items, "measure", "updated", mid));
	ck_assert_str_eq(actor_sub(it), "admin-1");
	ck_assert_ptr_nonnull(it = find_item(items, "progress", "created", pid));
	ck_assert_str_eq(actor_sub(it), "hrss-clerk");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(it, "actor"), "unit")),
	                 "hrss");
	ck_assert(json_is_null(json_object_get(it, "code")));
	ck_assert_ptr_nonnull(find_item(items, "progress", "amended", pid));
	size_t i, reviews = 0, batch = 0;
	json_array_foreach(items, i, it)
	{
		if (is_entity(it, "review", "approved")) {
			reviews++;
			ck_assert_int_eq(json_integer_value(json_object_get(it, "progress_id")),
			                 pid);
			ck_assert_str_eq(actor_sub(it), "sup-1");
		}
		if (is_entity(it, "progress", "created") &&
		    json_integer_value(json_object_get(it, "id")) != pid) {
			batch++;
			ck_assert_str_eq(actor_sub(it), "hrss-clerk");
		}
		/* at is RFC 3339 UTC */
		ck_assert_int_eq((int)strlen(json_string_value(json_object_get(it, "at"))), 20);
	}
	ck_assert_uint_eq(reviews, 1);
	ck_assert_uint_eq(batch, 1);
	ck_assert_int_eq((int)json_array_size(items), 8);
	json_decref(items);
	/* every write path wrote its audit row, so every change has its actor */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes c WHERE NOT EXISTS (SELECT 1 "
	                               "FROM audit_log a WHERE a.xid = c.xid)"),
	                 0);
	free(admin);
	free(hrss);
	free(sup);
}
END_TEST

static PGconn *raw_connect(void)
{
	PGconn *c = PQconnectdb(harness_owner_conninfo());
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static void raw_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	              "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

static int count_code(json_t *items, const char *code)
{
	int n = 0;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *c = json_string_value(json_object_get(it, "code"));
		n += c != NULL && strcmp(c, code) == 0;
	}
	return n;
}

START_TEST(a_transaction_numbered_first_but_committed_last_is_delivered)
{
	char pos[256];
	drain(NULL, NULL, pos);
	PGconn *t1 = raw_connect(), *t2 = raw_connect();
	/* T1 takes its transaction id and its change's number first, then waits */
	raw_exec(t1, "BEGIN");
	raw_exec(t1, "INSERT INTO units (code, name, kind) VALUES ('feed-t1', 'T1', 'department')");
	/* T2 comes later, takes higher numbers, and commits */
	raw_exec(t2, "BEGIN");
	raw_exec(t2, "INSERT INTO units (code, name, kind) VALUES ('feed-t2', 'T2', 'department')");
	raw_exec(t2, "COMMIT");
	/* a poll now must not move past T1's position: T2 waits behind the open T1 */
	json_t *seen = json_array();
	struct http_resp *r = poll_once(pos, 500, NULL);
	json_array_extend(seen, json_object_get(r->json, "items"));
	ck_assert_int_eq(count_code(seen, "feed-t2"), 0);
	snprintf(pos, sizeof(pos), "%s",
	         json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	raw_exec(t1, "COMMIT");
	/* T1's change has the smaller number and the smaller transaction id */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes c1, changes c2 WHERE c1.code "
	                               "= 'feed-t1' AND c2.code = 'feed-t2' AND c1.id < c2.id AND "
	                               "c1.xid < c2.xid"),
	                 1);
	/* now both, T1 first, each once */
	r = poll_once(pos, 500, NULL);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq((int)json_array_size(items), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "code")),
	                 "feed-t1");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "code")),
	                 "feed-t2");
	json_array_extend(seen, items);
	snprintf(pos, sizeof(pos), "%s",
	         json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	drain(pos, seen, pos);
	ck_assert_int_eq(count_code(seen, "feed-t1"), 1);
	ck_assert_int_eq(count_code(seen, "feed-t2"), 1);
	json_decref(seen);
	PQfinish(t1);
	PQfinish(t2);
}
END_TEST

#define FEED_WRITERS 4
#define FEED_WRITES  12

struct feed_writer {
	int n;
	char *token;
	long long measures[FEED_WRITES];
	long long ids[FEED_WRITES]; /* what each write created */
	int ok;
	long last_bad;
};

/* Even writers create units as admin, odd ones report progress as hrss. */
static void *feed_writer_run(void *p)
{
	struct feed_writer *w = p;
	for (int j = 0; j < FEED_WRITES; j++) {
		char body[256];
		struct http_resp *r;
		if (w->n % 2 == 0) {
			snprintf(body, sizeof(body),
			         "{\"code\":\"feed-w%d-%d\",\"name\":\"写入%d-%d\","
			         "\"kind\":\"department\"}",
			         w->n, j, w->n, j);
			r = http_post_json("/v1/units", w->token, body);
		} else {
			snprintf(body, sizeof(body),
			         "{\"measure_id\":%lld,\"period\":\"%d-%02d\",\"status\":"
			         "\"on_track\",\"summary\":\"w%d-%d\"}",
			         w->measures[j], 2020 + w->n, 1 + j, w->n, j);
			r = http_post_json("/v1/progress", w->token, body);
		}
		if (r->status == 201) {
			w->ids[w->ok++] = json_integer_value(json_object_get(r->json, "id"));
		} else {
			w->last_bad = r->status;
		}
		http_resp_free(r);
	}
	return NULL;
}

struct feed_poller {
	char start[256];
	volatile int writers_done; /* set once every writer has returned */
	json_t *seen;
	int polls;
	int timed_out;
	long last_status; /* of the reply that stopped it, when it was not a page */
	pthread_mutex_t lock;
};

static void *feed_poller_run(void *p)
{
	struct feed_poller *f = p;
	char pos[256];
	snprintf(pos, sizeof(pos), "%s", f->start);
	time_t deadline = time(NULL) + 90;
	for (;;) {
		pthread_mutex_lock(&f->lock);
		int done_before = f->writers_done;
		pthread_mutex_unlock(&f->lock);
		char path[512];
		snprintf(path, sizeof(path), "/v1/changes?limit=10&after=%s", pos);
		struct http_resp *r = http_get(path, reader);
		f->polls++;
		const char *next = json_string_value(json_object_get(r->json, "next_cursor"));
		json_t *items = json_object_get(r->json, "items");
		size_t got = json_array_size(items);
		if (r->status == 429 && time(NULL) <= deadline) {
			/* the token's rate (100/s): a poller backs off as a client should */
			http_resp_free(r);
			usleep(200 * 1000);
			continue;
		}
		if (r->status != 200 || next == NULL) {
			f->last_status = r->status;
			http_resp_free(r);
			f->timed_out = 1;
			return NULL;
		}
		json_array_extend(f->seen, items);
		snprintf(pos, sizeof(pos), "%s", next);
		http_resp_free(r);
		/* an empty page after every writer returned: nothing more can come */
		if (got == 0 && done_before)
			return NULL;
		if (got == 0)
			usleep(5 * 1000); /* caught up: poll again shortly */
		if (time(NULL) > deadline) {
			f->timed_out = 1;
			return NULL;
		}
	}
}

START_TEST(concurrent_writers_and_a_poller_see_each_change_once)
{
	struct feed_poller f = {.seen = json_array()};
	pthread_mutex_init(&f.lock, NULL);
	drain(NULL, NULL, f.start);
	struct feed_writer w[FEED_WRITERS];
	pthread_t t[FEED_WRITERS], pt;
	static const int hrss_measures[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2};
	for (int i = 0; i < FEED_WRITERS; i++) {
		w[i] = (struct feed_writer){.n = i};
		w[i].token = i % 2 == 0 ? harness_token("admin-w", ROLE_ADMIN, NULL)
		                        : harness_token("hrss-w", ROLE_REPORTER, "hrss");
		for (int j = 0; j < FEED_WRITES; j++) {
			char sql[96];
			snprintf(sql, sizeof(sql), "SELECT id FROM measures WHERE number = %d",
			         hrss_measures[j]);
			w[i].measures[j] = harness_count(sql);
		}
	}
	pthread_create(&pt, NULL, feed_poller_run, &f);
	for (int i = 0; i < FEED_WRITERS; i++)
		pthread_create(&t[i], NULL, feed_writer_run, &w[i]);
	for (int i = 0; i < FEED_WRITERS; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_lock(&f.lock);
	f.writers_done = 1;
	pthread_mutex_unlock(&f.lock);
	pthread_join(pt, NULL);
	pthread_mutex_destroy(&f.lock);
	ck_assert_msg(!f.timed_out, "the poller did not finish (%d polls, last status %ld)",
	              f.polls, f.last_status);

	int expected = 0;
	for (int i = 0; i < FEED_WRITERS; i++) {
		const char *entity = i % 2 == 0 ? "unit" : "progress";
		for (int j = 0; j < w[i].ok; j++) {
			int n = 0;
			size_t k;
			json_t *it;
			json_array_foreach(f.seen, k, it)
			{
				n += is_entity(it, entity, "created") &&
				     json_integer_value(json_object_get(it, "id")) == w[i].ids[j];
			}
			ck_assert_msg(n == 1, "writer %d's %s %lld seen %d times", i, entity,
			              w[i].ids[j], n);
			expected++;
		}
		free(w[i].token);
	}
	/* nothing else, nothing twice */
	ck_assert_int_eq((int)json_array_size(f.seen), expected);
	ck_assert_int_ge(expected, FEED_WRITERS * FEED_WRITES - FEED_WRITES);
	json_decref(f.seen);
}
END_TEST

START_TEST(pages_entity_filter_and_empty_polls)
{
	char end[256];
	size_t total = drain(NULL, NULL, end);
	/* pages of 7 give the same items as one read */
	json_t *all = json_array(), *paged = json_array();
	drain(NULL, all, end);
	char pos[256] = "";
	for (int pages = 0;; pages++) {
		ck_assert_int_lt(pages, 200);
		struct http_resp *r = poll_once(pos[0] ? pos : NULL, 7, NULL);
		size_t got = json_array_size(json_object_get(r->json, "items"));
		json_array_extend(paged, json_object_get(r->json, "items"));
		snprintf(pos, sizeof(pos), "%s",
		         json_string_value(json_object_get(r->json, "next_cursor")));
		http_resp_free(r);
		if (got == 0)
			break;
	}
	ck_assert_int_eq((int)json_array_size(paged), (int)total);
	ck_assert(json_equal(all, paged));
	ck_assert_str_eq(pos, end);
	/* an empty poll repeats the position, again and again */
	for (int i = 0; i < 2; i++) {
		struct http_resp *r = poll_once(end, 50, NULL);
		ck_assert_int_eq((int)json_array_size(json_object_get(r->json, "items")), 0);
		http_resp_free(r);
	}
	/* ?entity= keeps only that kind, in the same order */
	struct http_resp *r = poll_once(NULL, 500, "task");
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq((long long)json_array_size(items),
	                 harness_count("SELECT count(*) FROM tasks"));
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		ck_assert(is_entity(it, "task", "created"));
		ck_assert_ptr_nonnull(json_string_value(json_object_get(it, "code")));
		ck_assert_str_eq(actor_sub(it), "harness");
	}
	http_resp_free(r);
	json_decref(all);
	json_decref(paged);
}
END_TEST

START_TEST(bad_parameters_are_400_and_no_token_401)
{
	static const char *const bad[][2] = {
	        {"/v1/changes?after=not-a-cursor", "?after"}, {"/v1/changes?limit=0", "?limit"},
	        {"/v1/changes?limit=501", "?limit"},          {"/v1/changes?limit=x", "?limit"},
	        {"/v1/changes?entity=assignment", "?entity"}, {"/v1/changes?cursor=abc", NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_resp *r = http_get(bad[i][0], reader);
		assert_problem(r, 400, bad[i][1]);
		http_resp_free(r);
	}
	/* a cursor of another list is refused too */
	struct http_resp *r = http_get("/v1/units?limit=1", reader);
	char path[512];
	snprintf(path, sizeof(path), "/v1/changes?after=%s",
	         json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	r = http_get(path, reader);
	assert_problem(r, 400, "?after");
	http_resp_free(r);
	r = http_get("/v1/changes", NULL);
	assert_problem(r, 401, NULL);
	http_resp_free(r);
}
END_TEST

START_TEST(a_cursor_older_than_retention_is_410)
{
	/* a consumer read one change, then went away */
	struct http_resp *r = poll_once(NULL, 1, NULL);
	char old[256];
	snprintf(old, sizeof(old), "%s",
	         json_string_value(json_object_get(r->json, "next_cursor")));
	http_resp_free(r);
	char end[256];
	drain(NULL, NULL, end);
	/* the seed's changes age past the 30 days kept; one later change stays */
	harness_exec("UPDATE changes SET at = now() - interval '40 days'");
	harness_exec(
	        "INSERT INTO units (code, name, kind) VALUES ('feed-late', 'L', 'department')");
	char path[512];
	snprintf(path, sizeof(path), "/v1/changes?after=%s", old);
	r = http_get(path, reader);
	assert_problem(r, 410, NULL);
	ck_assert_ptr_nonnull(
	        strstr(json_string_value(json_object_get(r->json, "detail")), "30 days"));
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes"), 1);
	/* a consumer that had read everything lost nothing: its cursor still works */
	r = poll_once(end, 50, NULL);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq((int)json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "code")),
	                 "feed-late");
	http_resp_free(r);
	/* and one starting afresh begins at the oldest change kept */
	r = poll_once(NULL, 50, NULL);
	ck_assert_int_eq((int)json_array_size(json_object_get(r->json, "items")), 1);
	http_resp_free(r);
}
END_TEST

START_TEST(retention_removes_changes_in_feed_order)
{
	/* the seed's changes are past retention, then one young change, then an old one after it */
	harness_exec("UPDATE changes SET at = now() - interval '40 days'");
	harness_exec(
	        "INSERT INTO units (code, name, kind) VALUES ('feed-young', 'Y', 'department')");
	harness_exec("INSERT INTO units (code, name, kind) VALUES ('feed-old', 'O', 'department')");
	harness_exec("UPDATE changes SET at = now() - interval '40 days' WHERE code = 'feed-old'");
	struct http_resp *r = poll_once(NULL, 50, NULL);
	json_t *items = json_object_get(r->json, "items");
	/* removal stops at the first change kept, so the position purged stays a prefix */
	ck_assert_int_eq((int)json_array_size(items), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "code")),
	                 "feed-young");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "code")),
	                 "feed-old");
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes c, changes_purged p "
	                               "WHERE (c.xid, c.id) <= (p.xid, p.id)"),
	                 0);
	/* once the young one ages, both go */
	harness_exec("UPDATE changes SET at = now() - interval '40 days'");
	r = poll_once(NULL, 50, NULL);
	ck_assert_int_eq((int)json_array_size(json_object_get(r->json, "items")), 0);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM changes"), 0);
}
END_TEST

START_TEST(the_service_role_cannot_name_an_audit_rows_transaction)
{
	/* the feed's actor is the first audit row stamped with a change's transaction: the
	 * service's role may write audit rows but not choose that stamp (nor the time) */
	PGconn *c = PQconnectdb(harness_app_conninfo());
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	const char *const forged[] = {
	        "INSERT INTO audit_log (actor_iss, actor_sub, request_id, action, entity, xid) "
	        "VALUES ('i', 'mallory', 'r', 'x', 'unit', '5')",
	        "INSERT INTO audit_log (actor_iss, actor_sub, request_id, action, entity, at) "
	        "VALUES ('i', 'mallory', 'r', 'x', 'unit', now() - interval '1 day')",
	};
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		PGresult *r = PQexec(c, forged[i]);
		ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
		PQclear(r);
	}
	PGresult *r = PQexec(c, "INSERT INTO audit_log (actor_iss, actor_sub, request_id, action, "
	                        "entity) VALUES ('i', 'alice', 'r', 'x', 'unit') "
	                        "RETURNING xid = pg_current_xact_id()");
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_str_eq(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	PQfinish(c);
	ck_assert_int_eq(
	        harness_count("SELECT count(*) FROM audit_log WHERE actor_sub = 'mallory'"), 0);
}
END_TEST

Suite *changes_suite(void)
{
	Suite *s = suite_create("changes");
	TCase *tc = tcase_create("feed");
	tcase_add_checked_fixture(tc, changes_setup, changes_teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, every_write_path_is_in_the_feed_with_its_actor);
	tcase_add_test(tc, a_transaction_numbered_first_but_committed_last_is_delivered);
	tcase_add_test(tc, concurrent_writers_and_a_poller_see_each_change_once);
	tcase_add_test(tc, pages_entity_filter_and_empty_polls);
	tcase_add_test(tc, bad_parameters_are_400_and_no_token_401);
	tcase_add_test(tc, a_cursor_older_than_retention_is_410);
	tcase_add_test(tc, retention_removes_changes_in_feed_order);
	tcase_add_test(tc, the_service_role_cannot_name_an_audit_rows_transaction);
	suite_add_tcase(s, tc);
	return s;
}
