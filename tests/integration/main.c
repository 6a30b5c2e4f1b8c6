/* main.c — integration runner: seeds the template database once, then runs every suite. */
#include <check.h>
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

int main(void)
{
	harness_prepare_template();
	SRunner *sr = srunner_create(health_suite());
	srunner_add_suite(sr, seed_suite());
	srunner_add_suite(sr, reference_suite());
	srunner_add_suite(sr, progress_writes_suite());
	srunner_add_suite(sr, progress_amend_suite());
	srunner_add_suite(sr, progress_races_suite());
	srunner_add_suite(sr, progress_batch_json_suite());
	srunner_add_suite(sr, progress_batch_csv_suite());
	srunner_add_suite(sr, progress_scope_suite());
	srunner_add_suite(sr, imports_suite());
	srunner_add_suite(sr, refcache_suite());
	srunner_add_suite(sr, reports_suite());
	srunner_add_suite(sr, admin_suite());
	srunner_add_suite(sr, changes_suite());
	srunner_add_suite(sr, webhooks_suite());
	srunner_add_suite(sr, reminders_suite());
	srunner_add_suite(sr, replica_suite());
	srunner_add_suite(sr, ops_suite());
	srunner_add_suite(sr, parse_suite());
	srunner_add_suite(sr, sheets_suite());
	srunner_add_suite(sr, frontend_suite());
	srunner_add_suite(sr, progress_codes_suite());
	srunner_add_suite(sr, me_suite());
	srunner_add_suite(sr, limits_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
