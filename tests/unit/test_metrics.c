/* test_metrics.c — service/metrics.c: labels, histograms, /proc parsing, the build line. */
#include "metrics.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static int has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

START_TEST(test_requests_by_method_and_route)
{
	static const char route[] = "/v1/unit-test-route/:id";
	metrics_observe_request("GET", route, 200, 0.002);
	metrics_observe_request("GET", route, 200, 0.2);
	metrics_observe_request("POST", route, 201, 0.002);
	metrics_observe_request("BREW", NULL, 404, 0.0001);
	char *t = metrics_render();
	ck_assert_ptr_nonnull(t);
	ck_assert(has(t,
	              "zeren_http_requests_total{method=\"GET\",route=\"/v1/unit-test-route/:id\","
	              "code=\"200\"} 2\n"));
	ck_assert(has(t, "zeren_http_requests_total{method=\"POST\",route=\"/v1/unit-test-route/"
	                 ":id\",code=\"201\"} 1\n"));
	ck_assert(has(t, "method=\"other\",route=\"unmatched\",code=\"404\""));
	ck_assert(has(t, "zeren_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
	                 "unit-test-route/:id\",le=\"0.0025\"} 1\n"));
	ck_assert(has(t, "zeren_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
	                 "unit-test-route/:id\",le=\"0.25\"} 2\n"));
	ck_assert(has(t, "zeren_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/"
	                 "unit-test-route/:id\"} 2\n"));
	ck_assert(has(t, "zeren_build_info{version=\"" ZEREN_VERSION "\""));
	ck_assert(has(t, "process_resident_memory_bytes "));
	ck_assert(has(t, "process_open_fds "));
	ck_assert(has(t, "process_cpu_seconds_total "));
	free(t);
}
END_TEST

START_TEST(test_db_and_cache_counters)
{
	metrics_observe_db_error("conflict");
	metrics_observe_db_error("no such kind");
	metrics_observe_cache(1);
	metrics_observe_cache(0);
	metrics_observe_cache(0);
	char *t = metrics_render();
	ck_assert(has(t, "zeren_db_errors_total{kind=\"conflict\"} 1\n"));
	ck_assert(has(t, "zeren_db_errors_total{kind=\"other\"} 1\n"));
	ck_assert(has(t, "zeren_cache_lookups_total{result=\"hit\"} 1\n"));
	ck_assert(has(t, "zeren_cache_lookups_total{result=\"miss\"} 2\n"));
	free(t);
}
END_TEST

START_TEST(test_proc_stat)
{
	/* a command name with spaces and a parenthesis, as the kernel prints it */
	const char *stat = "4242 (zer en) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 "
	                   "0 5 0 123 456 789";
	double cpu = 0;
	ck_assert_int_eq(metrics_parse_proc_stat(stat, 100, &cpu), 0);
	ck_assert_double_eq_tol(cpu, 3.0, 1e-9);
	ck_assert_int_eq(metrics_parse_proc_stat("no parenthesis", 100, &cpu), -1);
	ck_assert_int_eq(metrics_parse_proc_stat("1 (x) S 1", 100, &cpu), -1);
	ck_assert_int_eq(metrics_parse_proc_stat(stat, 0, &cpu), -1);
}
END_TEST

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");
	tcase_add_test(tc, test_requests_by_method_and_route);
	tcase_add_test(tc, test_db_and_cache_counters);
	tcase_add_test(tc, test_proc_stat);
	suite_add_tcase(s, tc);
	return s;
}
