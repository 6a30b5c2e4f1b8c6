/* main.c — runs every unit suite; each test_<module>.c exports <module>_suite(). */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, problem_suite());
	srunner_add_suite(sr, cursor_suite());
	srunner_add_suite(sr, policy_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, import_suite());
	srunner_add_suite(sr, csv_suite());
	srunner_add_suite(sr, pgcopy_suite());
	srunner_add_suite(sr, json_stream_suite());
	srunner_add_suite(sr, progress_input_suite());
	srunner_add_suite(sr, report_suite());
	srunner_add_suite(sr, reference_input_suite());
	srunner_add_suite(sr, encoding_suite());
	srunner_add_suite(sr, domain_suite());
	srunner_add_suite(sr, app_suite());
	srunner_add_suite(sr, document_seed_suite());
	srunner_add_suite(sr, document_shared_suite());
	srunner_add_suite(sr, document_target_suite());
	srunner_add_suite(sr, document_units_suite());
	srunner_add_suite(sr, document_readers_suite());
	srunner_add_suite(sr, document_plan_suite());
	srunner_add_suite(sr, webhook_suite());
	srunner_add_suite(sr, db_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, sheet_layout_suite());
	srunner_add_suite(sr, log_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
