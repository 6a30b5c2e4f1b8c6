/* metrics.h — process-wide counters rendered as Prometheus text: requests by method and route
 * with latency histograms, database pools and errors, the reference cache, the process. */
#ifndef ZEREN_METRICS_H
#define ZEREN_METRICS_H

struct db_pool;

/* Counts one finished request; lock-free once its method and route have been seen. method and
 * route must be static text (route patterns are); route NULL counts as "unmatched". */
void metrics_observe_request(const char *method, const char *route, int status, double seconds);
/* Counts a request answered 503 for want of the database. */
void metrics_observe_db_unavailable(void);
/* Counts a failed statement by class ("unavailable", "conflict", "constraint", ...; static). */
void metrics_observe_db_error(const char *kind);
/* Counts a reference-cache lookup. */
void metrics_observe_cache(int hit);

/* Shows pool's gauges under name (static text, e.g. "primary") until unregistered; pool is
 * borrowed. Returns 0, or -1 when the table of pools is full. */
int metrics_register_pool(const char *name, struct db_pool *pool);
void metrics_unregister_pool(struct db_pool *pool);

/* The exposition text; caller frees. NULL when out of memory. */
char *metrics_render(void);

/* Parses /proc/self/stat's text: user + system CPU seconds (ticks per second given). 0, or -1
 * when the text is not one. */
int metrics_parse_proc_stat(const char *text, long ticks, double *cpu_seconds);

#endif
