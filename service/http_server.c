/* http_server.c — the server's life: its limits handed to the guard (http_guard.c) with the
 * door's callbacks, start, drain on SIGTERM and stop. */
#include "http_internal.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "log.h"
#include "request_limits.h"

#define HTTP_MAX_TARGET       8192  /* bytes of path and query in one request */
#define HTTP_MAX_QUERY_PARAMS 256   /* query parameters in one request */
#define HTTP_MAX_HEAD         32768 /* bytes of request line and header fields */
#define HTTP_MAX_HEAD_FIELDS  256   /* header fields in one request */

static void http_server_free(struct http_server *s)
{
	limits_cap_destroy(s->expensive);
	limits_rate_destroy(s->rate);
	free(s);
}

struct http_server *http_server_start(struct app *app, const struct route *const *tables, int *port)
{
	const struct config *cfg = &app->cfg;
	struct http_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->app = app;
	s->tables = tables;
	s->addr.sin_family = AF_INET;
	s->addr.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->bind_address, &s->addr.sin_addr) != 1) {
		log_msg("error", "http_start_failed",
		        "ZEREN_BIND_ADDRESS %s is not an IPv4 address", cfg->bind_address);
		free(s);
		return NULL;
	}
	/* one pooled connection stays for /readyz, which runs on the I/O threads */
	int workers = cfg->db_workers > 0 ? cfg->db_workers : cfg->db_pool_size - 1;
	s->expensive = limits_cap_create(cfg->expensive_concurrency);
	if (cfg->rate_per_second > 0)
		s->rate = limits_rate_create(cfg->rate_per_second, cfg->rate_burst, 8192);
	if (s->expensive == NULL || (cfg->rate_per_second > 0 && s->rate == NULL)) {
		http_server_free(s);
		return NULL;
	}
	struct http_guard_limits limits = {
	        .threads = (unsigned)cfg->http_threads,
	        .max_connections = (unsigned)cfg->max_connections,
	        .max_per_client = (unsigned)cfg->max_connections_per_client,
	        .idle_timeout_s = (unsigned)cfg->connection_timeout_s,
	        .head_timeout_s = (unsigned)cfg->header_timeout_s,
	        .body_grace_s = (unsigned)cfg->body_timeout_s,
	        .body_min_rate = cfg->body_min_rate,
	        /* one body of the largest size must always fit */
	        .body_budget = cfg->body_budget_bytes > cfg->max_body_bytes ? cfg->body_budget_bytes
	                                                                    : cfg->max_body_bytes,
	        .max_body = (size_t)cfg->max_body_bytes,
	        .max_target = HTTP_MAX_TARGET,
	        .max_params = HTTP_MAX_QUERY_PARAMS,
	        .max_head = HTTP_MAX_HEAD,
	        .max_head_fields = HTTP_MAX_HEAD_FIELDS,
	        .workers = (unsigned)(workers > 0 ? workers : 1),
	};
	struct http_guard_handlers handlers = {http_admit, http_refuse, http_dispatch, s};
	if (http_guard_start(&s->guard, (const struct sockaddr *)&s->addr, &limits, &handlers,
	                     port) != 0) {
		log_msg("error", "http_start_failed", "cannot listen on %s:%d", cfg->bind_address,
		        cfg->port);
		http_server_free(s);
		return NULL;
	}
	return s;
}

int http_server_drain(struct http_server *server, int seconds)
{
	return server != NULL ? http_guard_drain(server->guard, seconds) : 0;
}

void http_server_stop(struct http_server *server)
{
	if (server == NULL)
		return;
	http_guard_stop(server->guard);
	http_server_free(server);
}
