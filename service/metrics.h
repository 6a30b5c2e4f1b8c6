/* metrics.h — process-wide request counters rendered as Prometheus text. */
#ifndef ZEREN_METRICS_H
#define ZEREN_METRICS_H

/* Counts one finished request; lock-free, safe from any thread. */
void metrics_observe_request(int status, double seconds);
/* Counts a database connection failure seen by a request. */
void metrics_observe_db_unavailable(void);
/* The exposition text; caller frees. */
char *metrics_render(void);

#endif
