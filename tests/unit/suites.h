/* suites.h — the unit suites, one per service module. */
#ifndef ZEREN_TEST_SUITES_H
#define ZEREN_TEST_SUITES_H

#include <check.h>

Suite *auth_suite(void);
Suite *config_suite(void);
Suite *problem_suite(void);
Suite *cursor_suite(void);
Suite *policy_suite(void);
Suite *validate_suite(void);
Suite *import_suite(void);
Suite *csv_suite(void);
Suite *pgcopy_suite(void);
Suite *json_stream_suite(void);
Suite *progress_input_suite(void);
Suite *report_suite(void);
Suite *reference_input_suite(void);
Suite *encoding_suite(void);
Suite *domain_suite(void);
Suite *app_suite(void);
Suite *document_seed_suite(void);
Suite *document_shared_suite(void);
Suite *document_target_suite(void);
Suite *document_units_suite(void);
Suite *document_readers_suite(void);
Suite *document_plan_suite(void);
Suite *webhook_suite(void);
Suite *db_suite(void);
Suite *metrics_suite(void);
Suite *sheet_layout_suite(void);
Suite *log_suite(void);

#endif
