/* suites.h — the integration suites, one per area of the API. */
#ifndef ZEREN_IT_SUITES_H
#define ZEREN_IT_SUITES_H

#include <check.h>

Suite *health_suite(void);
Suite *seed_suite(void);
Suite *reference_suite(void);
Suite *progress_writes_suite(void);
Suite *progress_amend_suite(void);
Suite *progress_races_suite(void);
Suite *progress_batch_json_suite(void);
Suite *progress_batch_csv_suite(void);
Suite *progress_scope_suite(void);
Suite *imports_suite(void);
Suite *refcache_suite(void);
Suite *reports_suite(void);
Suite *admin_suite(void);
Suite *changes_suite(void);
Suite *webhooks_suite(void);
Suite *reminders_suite(void);
Suite *replica_suite(void);
Suite *ops_suite(void);
Suite *parse_suite(void);
Suite *sheets_suite(void);
Suite *frontend_suite(void);
Suite *progress_codes_suite(void);
Suite *me_suite(void);
Suite *limits_suite(void);

#endif
