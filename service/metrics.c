/* metrics.c — atomic counters and a latency histogram, nothing allocated per request. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double metrics_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,   0.25,   0.5,   1,    2.5,   5};
#define METRICS_BUCKETS (sizeof(metrics_buckets) / sizeof(metrics_buckets[0]))

static atomic_ullong metrics_by_status[600];
static atomic_ullong metrics_bucket_counts[METRICS_BUCKETS];
static atomic_ullong metrics_count;
static atomic_ullong metrics_sum_us;
static atomic_ullong metrics_db_unavailable;

void metrics_observe_request(int status, double seconds)
{
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&metrics_by_status[status], 1, memory_order_relaxed);
	for (size_t i = 0; i < METRICS_BUCKETS; i++)
		if (seconds <= metrics_buckets[i])
			atomic_fetch_add_explicit(&metrics_bucket_counts[i], 1,
			                          memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics_sum_us, (unsigned long long)(seconds * 1e6),
	                          memory_order_relaxed);
}

void metrics_observe_db_unavailable(void)
{
	atomic_fetch_add_explicit(&metrics_db_unavailable, 1, memory_order_relaxed);
}

char *metrics_render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fprintf(f, "# HELP zeren_http_requests_total HTTP requests answered, by status.\n"
	           "# TYPE zeren_http_requests_total counter\n");
	for (int s = 100; s < 600; s++) {
		unsigned long long n = atomic_load(&metrics_by_status[s]);
		if (n > 0)
			fprintf(f, "zeren_http_requests_total{code=\"%d\"} %llu\n", s, n);
	}
	fprintf(f, "# HELP zeren_http_request_duration_seconds Time from routing to reply.\n"
	           "# TYPE zeren_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < METRICS_BUCKETS; i++)
		fprintf(f, "zeren_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		        metrics_buckets[i], atomic_load(&metrics_bucket_counts[i]));
	unsigned long long count = atomic_load(&metrics_count);
	fprintf(f, "zeren_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", count);
	fprintf(f, "zeren_http_request_duration_seconds_sum %.6f\n",
	        (double)atomic_load(&metrics_sum_us) / 1e6);
	fprintf(f, "zeren_http_request_duration_seconds_count %llu\n", count);
	fprintf(f,
	        "# HELP zeren_db_unavailable_total Requests answered 503 for want of the "
	        "database.\n# TYPE zeren_db_unavailable_total counter\n"
	        "zeren_db_unavailable_total %llu\n",
	        atomic_load(&metrics_db_unavailable));
	fclose(f);
	return buf;
}
