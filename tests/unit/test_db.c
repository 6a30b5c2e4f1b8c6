/* test_db.c — the database layer's pure parts: LSN text, the statement mode, the per-thread
 * request scope, the replica health rule. No database. */
#include "db.h"
#include "db_internal.h"

#include <check.h>
#include <string.h>

START_TEST(test_lsn_parse_and_format)
{
	static const struct {
		const char *text;
		db_lsn value;
	} good[] = {
	        {"0/0", 0},
	        {"0/1", 1},
	        {"16/B374D848", (0x16ULL << 32) | 0xB374D848ULL},
	        {"ffffffff/ffffffff", 0xffffffffffffffffULL},
	        {"A/b", (0xAULL << 32) | 0xB},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		db_lsn v = 42;
		ck_assert_msg(db_lsn_parse(good[i].text, &v) == 0, "%s", good[i].text);
		ck_assert_msg(v == good[i].value, "%s", good[i].text);
		char out[24], back[24];
		db_lsn_format(v, out);
		db_lsn w = 0;
		ck_assert_int_eq(db_lsn_parse(out, &w), 0);
		ck_assert(w == v);
		db_lsn_format(w, back);
		ck_assert_str_eq(out, back);
	}
	char out[24];
	db_lsn_format((0x16ULL << 32) | 0xB374D848ULL, out);
	ck_assert_str_eq(out, "16/B374D848");
	static const char *const bad[] = {"",    "/",    "0/",    "/0",          "0//0",
	                                  "g/0", "0/0 ", " 0/0",  "123456789/0", "0/123456789",
	                                  "0",   "0/-1", "0x1/0", "1/2/3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		db_lsn v = 7;
		ck_assert_msg(db_lsn_parse(bad[i], &v) == -1, "\"%s\" accepted", bad[i]);
		ck_assert(v == 7);
	}
}
END_TEST

START_TEST(test_statements_parse)
{
	enum db_statements m = DB_STATEMENTS_UNNAMED;
	ck_assert_int_eq(db_statements_parse("prepared", &m), 0);
	ck_assert_int_eq(m, DB_STATEMENTS_PREPARED);
	ck_assert_int_eq(db_statements_parse("unnamed", &m), 0);
	ck_assert_int_eq(m, DB_STATEMENTS_UNNAMED);
	ck_assert_int_eq(db_statements_parse("UNNAMED", &m), -1);
	ck_assert_int_eq(db_statements_parse("", &m), -1);
	ck_assert_int_eq(db_statements_parse(NULL, &m), -1);
}
END_TEST

START_TEST(test_request_scope)
{
	db_request_begin(100);
	ck_assert(db_request_required() == 100);
	db_request_require(50); /* never lowered */
	ck_assert(db_request_required() == 100);
	db_request_require(200);
	ck_assert(db_request_required() == 200);
	ck_assert(db_request_commit_lsn() == 0);
	db_request_begin(0);
	ck_assert(db_request_required() == 0);
	ck_assert_str_eq(db_replica_state(NULL), "none");
}
END_TEST

/* Found in the cluster test: a look answered just before the replica stopped marked it ok 1 ms
 * after another thread had seen it fail, and reads went to it for 250 ms more. The rule only:
 * that the look reads `since` before its round trip is db_replica_look's part. */
START_TEST(test_replica_health_a_late_answer_does_not_undo_a_failure)
{
	unsigned next = 0;
	unsigned start = (unsigned)DB_REPLICA_OK;
	/* a failure always counts */
	ck_assert_int_eq(db_replica_health_next(start, DB_REPLICA_DOWN, 0, &next), 1);
	unsigned down = next;
	ck_assert_uint_eq(down & 3u, DB_REPLICA_DOWN);
	ck_assert_uint_ne(down & ~3u, start & ~3u);
	/* the look began before it (since = start): its answer is refused */
	ck_assert_int_eq(db_replica_health_next(down, DB_REPLICA_OK, start, &next), 0);
	ck_assert_int_eq(db_replica_health_next(down, DB_REPLICA_LAGGING, start, &next), 0);
	/* a look begun after it may bring the replica back */
	ck_assert_int_eq(db_replica_health_next(down, DB_REPLICA_OK, down, &next), 1);
	ck_assert_uint_eq(next & 3u, DB_REPLICA_OK);
	ck_assert_uint_eq(next & ~3u, down & ~3u);
	/* with no failure between, lagging and ok follow each other */
	unsigned ok = next;
	ck_assert_int_eq(db_replica_health_next(ok, DB_REPLICA_LAGGING, ok, &next), 1);
	ck_assert_uint_eq(next & 3u, DB_REPLICA_LAGGING);
	/* a second failure counts again; the count wraps without harm */
	ck_assert_int_eq(db_replica_health_next(down, DB_REPLICA_DOWN, 0, &next), 1);
	ck_assert_uint_ne(next & ~3u, down & ~3u);
	ck_assert_int_eq(db_replica_health_next(~0u, DB_REPLICA_DOWN, 0, &next), 1);
	ck_assert_uint_eq(next, (unsigned)DB_REPLICA_DOWN);
}
END_TEST

START_TEST(test_pool_stats_of_a_new_pool)
{
	struct db_pool *p = db_pool_create("host=/nonexistent", 3, 100, DB_STATEMENTS_UNNAMED);
	ck_assert_ptr_nonnull(p);
	struct db_pool_stats st;
	db_pool_stats(p, &st);
	ck_assert_int_eq(st.size, 3);
	ck_assert_int_eq(st.in_use + st.idle + st.waiting, 0);
	ck_assert_str_eq(db_replica_state(p), "none");
	db_pool_destroy(p);
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("db");
	tcase_add_test(tc, test_lsn_parse_and_format);
	tcase_add_test(tc, test_statements_parse);
	tcase_add_test(tc, test_request_scope);
	tcase_add_test(tc, test_pool_stats_of_a_new_pool);
	tcase_add_test(tc, test_replica_health_a_late_answer_does_not_undo_a_failure);
	suite_add_tcase(s, tc);
	return s;
}
