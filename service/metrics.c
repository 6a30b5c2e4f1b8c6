/* metrics.c — atomic counters and latency histograms per method and route, pool gauges,
 * database errors, cache lookups and /proc/self; nothing allocated per request. */
#include "metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "db.h"
#include "version.h"

static const double metrics_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,   0.25,   0.5,   1,    2.5,   5};
#define METRICS_BUCKETS (sizeof(metrics_buckets) / sizeof(metrics_buckets[0]))

/* One method × route: its statuses and its latency histogram. */
#define METRICS_SERIES   128
#define METRICS_STATUSES 500 /* 100..599 */
struct metrics_series {
	atomic_int ready; /* method and route are set and never change again */
	const char *method, *route;
	atomic_ullong by_status[METRICS_STATUSES];
	atomic_ullong buckets[METRICS_BUCKETS];
	atomic_ullong count, sum_us;
};

static struct metrics_series metrics_series[METRICS_SERIES];
static pthread_mutex_t metrics_claim = PTHREAD_MUTEX_INITIALIZER;
static atomic_ullong metrics_overflow; /* requests of series beyond the table */

static atomic_ullong metrics_db_unavailable;
static atomic_ullong metrics_cache_hits, metrics_cache_misses;

static const char *const metrics_db_kinds[] = {"unavailable", "conflict", "forbidden", "constraint",
                                               "other"};
#define METRICS_DB_KINDS (sizeof(metrics_db_kinds) / sizeof(metrics_db_kinds[0]))
static atomic_ullong metrics_db_errors[METRICS_DB_KINDS];

#define METRICS_POOLS 4
static struct {
	const char *name;
	struct db_pool *pool;
} metrics_pools[METRICS_POOLS];
static pthread_mutex_t metrics_pools_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const metrics_methods[] = {"GET",    "HEAD",    "POST", "PATCH",
                                              "DELETE", "OPTIONS", "PUT"};

/* Methods come from the client: only known ones become a label value. */
static const char *metrics_method(const char *method)
{
	for (size_t i = 0; i < sizeof(metrics_methods) / sizeof(metrics_methods[0]); i++)
		if (method != NULL && strcmp(method, metrics_methods[i]) == 0)
			return metrics_methods[i];
	return "other";
}

static int metrics_matches(struct metrics_series *s, const char *method, const char *route)
{
	return atomic_load_explicit(&s->ready, memory_order_acquire) && s->method == method &&
	       (s->route == route || strcmp(s->route, route) == 0);
}

static size_t metrics_hash(const char *method, const char *route)
{
	uint64_t h = 1469598103934665603ULL ^ (uintptr_t)method;
	for (const char *p = route; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (size_t)(h % METRICS_SERIES);
}

/* The series of method and route, claimed on first sight; NULL when the table is full. */
static struct metrics_series *metrics_find(const char *method, const char *route)
{
	size_t h = metrics_hash(method, route);
	for (size_t i = 0; i < METRICS_SERIES; i++) {
		struct metrics_series *s = &metrics_series[(h + i) % METRICS_SERIES];
		if (metrics_matches(s, method, route))
			return s;
		if (!atomic_load_explicit(&s->ready, memory_order_acquire))
			break;
	}
	struct metrics_series *found = NULL;
	pthread_mutex_lock(&metrics_claim);
	for (size_t i = 0; i < METRICS_SERIES && found == NULL; i++) {
		struct metrics_series *s = &metrics_series[(h + i) % METRICS_SERIES];
		if (metrics_matches(s, method, route)) {
			found = s;
		} else if (!atomic_load(&s->ready)) {
			s->method = method;
			s->route = route;
			atomic_store_explicit(&s->ready, 1, memory_order_release);
			found = s;
		}
	}
	pthread_mutex_unlock(&metrics_claim);
	return found;
}

void metrics_observe_request(const char *method, const char *route, int status, double seconds)
{
	struct metrics_series *s =
	        metrics_find(metrics_method(method), route != NULL ? route : "unmatched");
	if (s == NULL) {
		atomic_fetch_add_explicit(&metrics_overflow, 1, memory_order_relaxed);
		return;
	}
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&s->by_status[status - 100], 1, memory_order_relaxed);
	for (size_t i = 0; i < METRICS_BUCKETS; i++)
		if (seconds <= metrics_buckets[i])
			atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(seconds * 1e6),
	                          memory_order_relaxed);
}

void metrics_observe_db_unavailable(void)
{
	atomic_fetch_add_explicit(&metrics_db_unavailable, 1, memory_order_relaxed);
}

void metrics_observe_db_error(const char *kind)
{
	size_t i = 0;
	while (i + 1 < METRICS_DB_KINDS && strcmp(kind, metrics_db_kinds[i]) != 0)
		i++;
	atomic_fetch_add_explicit(&metrics_db_errors[i], 1, memory_order_relaxed);
}

void metrics_observe_cache(int hit)
{
	atomic_fetch_add_explicit(hit ? &metrics_cache_hits : &metrics_cache_misses, 1,
	                          memory_order_relaxed);
}

int metrics_register_pool(const char *name, struct db_pool *pool)
{
	int rc = -1;
	pthread_mutex_lock(&metrics_pools_lock);
	for (int i = 0; i < METRICS_POOLS && rc != 0; i++) {
		if (metrics_pools[i].pool == NULL) {
			metrics_pools[i].name = name;
			metrics_pools[i].pool = pool;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&metrics_pools_lock);
	return rc;
}

void metrics_unregister_pool(struct db_pool *pool)
{
	pthread_mutex_lock(&metrics_pools_lock);
	for (int i = 0; i < METRICS_POOLS; i++)
		if (metrics_pools[i].pool == pool && pool != NULL)
			metrics_pools[i].pool = NULL;
	pthread_mutex_unlock(&metrics_pools_lock);
}

static void metrics_render_requests(FILE *f)
{
	fprintf(f, "# HELP zeren_http_requests_total HTTP requests answered.\n"
	           "# TYPE zeren_http_requests_total counter\n");
	for (size_t i = 0; i < METRICS_SERIES; i++) {
		struct metrics_series *s = &metrics_series[i];
		if (!atomic_load_explicit(&s->ready, memory_order_acquire))
			continue;
		for (int c = 0; c < METRICS_STATUSES; c++) {
			unsigned long long n = atomic_load(&s->by_status[c]);
			if (n > 0)
				fprintf(f,
				        "zeren_http_requests_total{method=\"%s\",route=\"%s\","
				        "code=\"%d\"} %llu\n",
				        s->method, s->route, c + 100, n);
		}
	}
	fprintf(f, "# HELP zeren_http_request_duration_seconds Time from routing to reply.\n"
	           "# TYPE zeren_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < METRICS_SERIES; i++) {
		struct metrics_series *s = &metrics_series[i];
		if (!atomic_load_explicit(&s->ready, memory_order_acquire))
			continue;
		const char *m = s->method, *r = s->route;
		for (size_t b = 0; b < METRICS_BUCKETS; b++)
			fprintf(f,
			        "zeren_http_request_duration_seconds_bucket{method=\"%s\",route="
			        "\"%s\",le=\"%g\"} %llu\n",
			        m, r, metrics_buckets[b], atomic_load(&s->buckets[b]));
		unsigned long long count = atomic_load(&s->count);
		fprintf(f,
		        "zeren_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
		        "le=\"+Inf\"} %llu\n"
		        "zeren_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
		        "zeren_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
		        "%llu\n",
		        m, r, count, m, r, (double)atomic_load(&s->sum_us) / 1e6, m, r, count);
	}
	fprintf(f,
	        "# HELP zeren_http_requests_unlabelled_total Requests beyond the table of "
	        "method and route series.\n# TYPE zeren_http_requests_unlabelled_total counter\n"
	        "zeren_http_requests_unlabelled_total %llu\n",
	        atomic_load(&metrics_overflow));
}

static void metrics_render_db(FILE *f)
{
	fprintf(f,
	        "# HELP zeren_db_unavailable_total Requests answered 503 for want of the "
	        "database.\n# TYPE zeren_db_unavailable_total counter\n"
	        "zeren_db_unavailable_total %llu\n",
	        atomic_load(&metrics_db_unavailable));
	fprintf(f, "# HELP zeren_db_errors_total Failed statements, by class.\n"
	           "# TYPE zeren_db_errors_total counter\n");
	for (size_t i = 0; i < METRICS_DB_KINDS; i++)
		fprintf(f, "zeren_db_errors_total{kind=\"%s\"} %llu\n", metrics_db_kinds[i],
		        atomic_load(&metrics_db_errors[i]));
	static const char *const gauges[][2] = {
	        {"zeren_db_pool_size", "Connections the pool may hold."},
	        {"zeren_db_pool_in_use", "Connections lent to requests now."},
	        {"zeren_db_pool_idle", "Open connections free now."},
	        {"zeren_db_pool_waiting", "Requests waiting for a connection now."},
	        {"zeren_db_pool_waits_total", "Acquisitions that had to wait."},
	        {"zeren_db_pool_acquired_total", "Connections lent to requests."},
	        {"zeren_db_pool_wait_seconds_total", "Time spent waiting for a connection."},
	};
	/* the order above: 4 gauges, then counters */
	struct db_pool_stats st[METRICS_POOLS];
	const char *names[METRICS_POOLS];
	int n = 0;
	pthread_mutex_lock(&metrics_pools_lock);
	for (int i = 0; i < METRICS_POOLS; i++) {
		if (metrics_pools[i].pool == NULL)
			continue;
		db_pool_stats(metrics_pools[i].pool, &st[n]);
		names[n++] = metrics_pools[i].name;
	}
	pthread_mutex_unlock(&metrics_pools_lock);
	for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]); g++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", gauges[g][0], gauges[g][1], gauges[g][0],
		        g < 4 ? "gauge" : "counter");
		for (int i = 0; i < n; i++) {
			fprintf(f, "%s{pool=\"%s\"} ", gauges[g][0], names[i]);
			if (g == 6)
				fprintf(f, "%.6f\n", st[i].wait_seconds);
			else if (g == 5)
				fprintf(f, "%llu\n", st[i].acquired);
			else if (g == 4)
				fprintf(f, "%llu\n", st[i].waits);
			else
				fprintf(f, "%d\n",
				        g == 0   ? st[i].size
				        : g == 1 ? st[i].in_use
				        : g == 2 ? st[i].idle
				                 : st[i].waiting);
		}
	}
}

int metrics_parse_proc_stat(const char *text, long ticks, double *cpu_seconds)
{
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields are
	 * counted from the last ')'; utime and stime are fields 14 and 15. */
	const char *p = strrchr(text, ')');
	if (p == NULL || ticks <= 0)
		return -1;
	unsigned long long utime = 0, stime = 0;
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
	           &stime) != 2)
		return -1;
	*cpu_seconds = (double)(utime + stime) / (double)ticks;
	return 0;
}

static void metrics_render_process(FILE *f)
{
	char buf[1024];
	FILE *in = fopen("/proc/self/stat", "r");
	size_t n = in != NULL ? fread(buf, 1, sizeof(buf) - 1, in) : 0;
	if (in != NULL)
		fclose(in);
	buf[n] = '\0';
	double cpu = 0;
	if (metrics_parse_proc_stat(buf, sysconf(_SC_CLK_TCK), &cpu) == 0)
		fprintf(f,
		        "# HELP process_cpu_seconds_total User and system CPU time.\n"
		        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "
		        "%.2f\n",
		        cpu);
	unsigned long long size = 0, resident = 0;
	in = fopen("/proc/self/statm", "r");
	if (in != NULL && fscanf(in, "%llu %llu", &size, &resident) == 2)
		fprintf(f,
		        "# HELP process_resident_memory_bytes Resident set size.\n"
		        "# TYPE process_resident_memory_bytes gauge\n"
		        "process_resident_memory_bytes %llu\n",
		        resident * (unsigned long long)sysconf(_SC_PAGESIZE));
	if (in != NULL)
		fclose(in);
	DIR *d = opendir("/proc/self/fd");
	if (d != NULL) {
		long fds = 0;
		while (readdir(d) != NULL)
			fds++;
		closedir(d);
		fprintf(f,
		        "# HELP process_open_fds Open file descriptors.\n"
		        "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
		        fds - 3); /* ".", ".." and the directory's own descriptor */
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		fprintf(f,
		        "# HELP process_max_fds Most file descriptors the process may open.\n"
		        "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
		        (unsigned long long)rl.rlim_cur);
}

char *metrics_render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	        "# HELP zeren_build_info The running build.\n# TYPE zeren_build_info gauge\n"
	        "zeren_build_info{version=\"%s\",revision=\"%s\"} 1\n",
	        ZEREN_VERSION, ZEREN_REVISION);
	metrics_render_requests(f);
	metrics_render_db(f);
	fprintf(f,
	        "# HELP zeren_cache_lookups_total Reference-cache lookups, by result.\n"
	        "# TYPE zeren_cache_lookups_total counter\n"
	        "zeren_cache_lookups_total{result=\"hit\"} %llu\n"
	        "zeren_cache_lookups_total{result=\"miss\"} %llu\n",
	        atomic_load(&metrics_cache_hits), atomic_load(&metrics_cache_misses));
	metrics_render_process(f);
	fclose(f);
	return buf;
}
