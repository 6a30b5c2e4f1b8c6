/* metrics_http.h — /metrics on an address of its own (ZEREN_METRICS_ADDRESS), apart from the
 * API, so that a scraper can reach it where clients cannot. */
#ifndef ZEREN_METRICS_HTTP_H
#define ZEREN_METRICS_HTTP_H

struct metrics_http;

/* Serves GET /metrics on address ("A.B.C.D:PORT"; port 0 picks a free one, written to *port)
 * with one thread. Returns NULL after logging why. Stop with metrics_http_stop. */
struct metrics_http *metrics_http_start(const char *address, int *port);
void metrics_http_stop(struct metrics_http *server);

#endif
