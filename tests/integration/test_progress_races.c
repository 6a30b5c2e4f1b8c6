/* test_progress_races.c — concurrent writes: two PATCHes with one ETag, and many writers at
 * once each storing every write exactly once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "progress_fixtures.h"
#include "suites.h"

struct race_arg {
	const char *token;
	long long id;
	const char *etag;
	long status;
};

static void *race_patch(void *p)
{
	struct race_arg *a = p;
	struct http_resp *r = patch(a->token, a->id, a->etag, "{\"summary\":\"racer\"}");
	a->status = r->status;
	http_resp_free(r);
	return NULL;
}

START_TEST(racing_patches_exactly_one_wins)
{
	char etag[32];
	long long id = create_record("finance", 3, "2021", etag);
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	struct race_arg a = {tok, id, etag, 0}, b = {tok, id, etag, 0};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, race_patch, &a);
	pthread_create(&tb, NULL, race_patch, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_msg((a.status == 200 && b.status == 412) || (a.status == 412 && b.status == 200),
	              "%ld %ld", a.status, b.status);
	ck_assert_int_eq(harness_count("SELECT version FROM progress_records"), 2);
	free(tok);
}
END_TEST

#define WRITERS 20
#define WRITES  20

struct writer {
	int n;
	char *token;
	const char *unit;
	long long measures[10];
	int ok;
	long last_bad;
};

static void *writer_run(void *p)
{
	struct writer *w = p;
	int k = w->n / 3; /* which of a unit's writers this is: its own year */
	for (int j = 0; j < WRITES; j++) {
		char body[256];
		snprintf(body, sizeof(body),
		         "{\"measure_id\":%lld,\"period\":\"%d-%02d\",\"status\":\"on_track\","
		         "\"summary\":\"w%d-%d\"}",
		         w->measures[j % 10], 2021 + k, 1 + j / 10, w->n, j);
		struct http_resp *r = http_post_json("/v1/progress", w->token, body);
		if (r->status == 201)
			w->ok++;
		else
			w->last_bad = r->status;
		http_resp_free(r);
	}
	return NULL;
}

START_TEST(concurrent_writers_store_each_write_once)
{
	static const char *const units[3] = {"hrss", "finance", "education"};
	static const int lists[3][10] = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
	                                 {1, 3, 6, 7, 9, 10, 11, 14, 15, 17},
	                                 {1, 2, 5, 8, 9, 11, 12, 13, 14, 15}};
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.n = i, .unit = units[i % 3]};
		w[i].token = harness_token(units[i % 3], ROLE_REPORTER, units[i % 3]);
		for (int j = 0; j < 10; j++)
			w[i].measures[j] = measure_id(lists[i % 3][j]);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, writer_run, &w[i]);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < WRITERS; i++) {
		ck_assert_msg(w[i].ok == WRITES, "writer %d: %d ok, last %ld", i, w[i].ok,
		              w[i].last_bad);
		free(w[i].token);
	}
	ck_assert_int_eq(harness_count(COUNT_RECORDS), WRITERS * WRITES);
	ck_assert_int_eq(harness_count("SELECT count(DISTINCT summary) FROM progress_records"),
	                 WRITERS * WRITES);
	/* every record is its writer's unit, and audited as that unit */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_records r JOIN units u ON "
	                               "u.id = r.unit_id WHERE r.reported_by <> u.code"),
	                 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log a JOIN progress_records r "
	                               "ON r.id = a.entity_id JOIN units u ON u.id = r.unit_id "
	                               "WHERE a.actor_unit <> u.code"),
	                 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), WRITERS * WRITES);
}
END_TEST

Suite *progress_races_suite(void)
{
	Suite *s = suite_create("progress_races");
	TCase *tc = tcase_create("races");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, racing_patches_exactly_one_wins);
	tcase_add_test(tc, concurrent_writers_store_each_write_once);
	suite_add_tcase(s, tc);
	return s;
}
