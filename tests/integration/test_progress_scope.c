/* test_progress_scope.c — the database's own refusal of a write outside the unit's scope
 * (row-level security), one row at a time and set-based, as if the C policy had a bug. */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

/* Runs sql on the service's own connection in a transaction set to unit and role (as the
 * service sets it), then rolls back. Returns the SQLSTATE, "" when it succeeded. */
static const char *as_unit(const char *unit, const char *role, const char *sql, char state[6])
{
	PGconn *pg = PQconnectdb(harness_app_conninfo());
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	char scope[160];
	snprintf(scope, sizeof(scope),
	         "BEGIN; SELECT set_config('zeren.unit', '%s', true), "
	         "set_config('zeren.role', '%s', true)",
	         unit, role);
	PQclear(PQexec(pg, scope));
	PGresult *r = PQexec(pg, sql);
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(state, 6, "%s", st != NULL ? st : "");
	PQclear(r);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	return state;
}

/* An insert of one record for measure number m as unit (its code). */
static const char *insert_as(const char *unit, int m, const char *record_unit, char state[6])
{
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO progress_records (measure_id, unit_id, period, period_start, "
	         "period_end, status, summary, reported_by, reported_iss) SELECT %lld, id, '2022', "
	         "'2022-01-01', '2022-12-31', 'on_track', 'x', 'bug', 'bug' FROM units WHERE "
	         "code = '%s'",
	         measure_id(m), record_unit);
	return as_unit(unit, "reporter", sql, state);
}

/* The database alone refuses a write outside the unit's scope (row-level security), as if
 * the C policy had a bug. */
START_TEST(database_refuses_cross_unit_write)
{
	char st[6], sql[160];
	/* a reporter writing as another unit, or on a measure its unit is not assigned to */
	ck_assert_str_eq(insert_as("finance", 1, "hrss", st), "42501");
	ck_assert_str_eq(insert_as("finance", 2, "finance", st), "42501");
	ck_assert_str_eq(insert_as("finance", 3, "finance", st), ""); /* its own: fine */
	/* the lead unit may review another unit's record but the database refuses a rewrite */
	char etag[32];
	long long id = create_record("finance", 3, "2022", etag);
	static const char *const rewrites[] = {"summary = 'rewritten'", "amended_by = 'hrss'",
	                                       "version = 7", NULL};
	for (int i = 0; rewrites[i] != NULL; i++) {
		snprintf(sql, sizeof(sql), "UPDATE progress_records SET %s WHERE id = %lld",
		         rewrites[i], id);
		ck_assert_msg(strcmp(as_unit("hrss", "reporter", sql, st), "42501") == 0, "%s: %s",
		              rewrites[i], st);
	}
	snprintf(sql, sizeof(sql),
	         "UPDATE progress_records SET review_state = 'approved' WHERE id = %lld", id);
	ck_assert_str_eq(as_unit("hrss", "reporter", sql, st), "");
	/* the audit log cannot be changed by the service's role */
	ck_assert_str_eq(as_unit("finance", "admin", "UPDATE audit_log SET actor_sub = 'x'", st),
	                 "42501");
	ck_assert_str_eq(as_unit("finance", "admin", "DELETE FROM audit_log", st), "42501");
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_records WHERE summary = "
	                               "'rewritten'"),
	                 0);
}
END_TEST

/* A set-based write (as a batch makes) is refused whole when one row is out of scope, and
 * the scope set a batch checks against names exactly the measures the per-row check allows. */
START_TEST(database_scope_for_many_rows)
{
	char st[6], sql[640];
	const char *insert = "INSERT INTO progress_records (measure_id, unit_id, period, "
	                     "period_start, period_end, status, summary, reported_by, "
	                     "reported_iss) SELECT m, (SELECT id FROM units WHERE code = "
	                     "'finance'), p, '2022-01-01', '2022-12-31', 'on_track', 'x', 'b', "
	                     "'b' FROM (VALUES ";
	snprintf(sql, sizeof(sql), "%s(%lld, '2022'), (%lld, '2023')) v(m, p)", insert,
	         measure_id(3), measure_id(3));
	ck_assert_str_eq(as_unit("finance", "reporter", sql, st), "");
	snprintf(sql, sizeof(sql), "%s(%lld, '2022'), (%lld, '2022')) v(m, p)", insert,
	         measure_id(3), measure_id(2));
	ck_assert_str_eq(as_unit("finance", "reporter", sql, st), "42501");
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	/* every unit and measure of the seed: the set and the per-row check agree */
	ck_assert_int_eq(harness_count("SELECT count(*) FROM units u CROSS JOIN measures m "
	                               "WHERE zeren_unit_assigned(u.id, m.id) IS DISTINCT FROM "
	                               "(m.id IN (SELECT zeren_unit_measures(u.id)))"),
	                 0);
	ck_assert_int_gt(harness_count("SELECT count(*) FROM units u, zeren_unit_measures(u.id)"),
	                 50);
}
END_TEST

Suite *progress_scope_suite(void)
{
	Suite *s = suite_create("progress_scope");
	TCase *tc = tcase_create("scope");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, database_refuses_cross_unit_write);
	tcase_add_test(tc, database_scope_for_many_rows);
	suite_add_tcase(s, tc);
	return s;
}
