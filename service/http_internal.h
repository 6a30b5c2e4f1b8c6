/* http_internal.h — what the http_*.c files share: the server's layout, the router, the body
 * checks, CORS, the limits a matched route runs under and the guard's three callbacks.
 * Included only by service/http_*.c and tests/unit/test_http.c; the rest of the service sees
 * http.h. */
#ifndef ZEREN_HTTP_INTERNAL_H
#define ZEREN_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <stddef.h>
#include <time.h>

#include "http.h"
#include "http_guard.h"

#define HTTP_JSON_MAX_DEPTH 32 /* nesting of a JSON request body */

struct http_server {
	struct http_guard *guard; /* owned: the sockets */
	struct sockaddr_in addr;
	struct app *app;                   /* borrowed; outlives the server */
	const struct route *const *tables; /* borrowed; matched in order */
	struct limits_cap *expensive;      /* owned: reports, exports, batches, imports */
	struct limits_rate *rate;          /* owned: per-token buckets; NULL when off */
};

/* Seconds on a monotonic clock, for durations and token buckets. */
static inline double http_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- routing (http_route.c) --- */

/* Splits a copy of path into segments in scratch and matches them against pattern's; a ":x"
 * pattern segment captures the path segment into params. Returns 1 on a match. */
int http_route_match(const char *pattern, const char *path, const char **params, char *scratch,
                     size_t scratch_len);
/* Finds the route for ctx->method and path, its params copied into ctx. Returns it, or NULL
 * with *path_known set when some route has the path (405) and allow filled with its
 * methods. */
const struct route *http_route_find(const struct route *const *tables, struct http_ctx *ctx,
                                    const char *path, int *path_known, char *allow,
                                    size_t allow_len);
/* 1 for the methods that carry a request body (POST, PATCH, PUT). */
int http_method_has_body(const char *method);

/* --- request bodies (http_body.c) --- */

/* 1 when the Content-Type value ct (may be NULL) is want, with parameters allowed and a
 * charset only when it is UTF-8. */
int http_content_type_is(const char *ct, const char *want);
/* 1 when the JSON text nests at most HTTP_JSON_MAX_DEPTH deep (outside strings). */
int http_json_depth_ok(const char *text, size_t len);

/* --- CORS (http_cors.c) --- */

/* Sets the CORS headers for an allowed Origin. Returns 1 when the request was a preflight and
 * has been answered. */
int http_cors(struct http_ctx *ctx);

/* --- replies (http_reply.c) --- */

/* 429 with Retry-After: retry_after seconds. */
void http_reply_busy(struct http_ctx *ctx, int retry_after, const char *detail);

/* --- running a matched route (http_run.c) --- */

/* Serves a reference GET from the reference cache, or runs it and keeps a 200 answer. */
void http_run_cached(struct http_ctx *ctx, const struct route *r);
/* Runs a protected route: the concurrency cap for expensive ones, then a database worker. */
void http_run_limited(struct http_ctx *ctx, const struct route *r);
/* Takes one request from the token's bucket and sets the RateLimit-* headers; -1 after
 * replying 429. */
int http_rate_take(struct http_ctx *ctx);

/* --- the door (http_dispatch.c): the guard's callbacks (http_guard.h), cls the server --- */

int http_admit(void *cls, const struct _u_request *req, struct _u_response *res,
               size_t *body_limit);
void http_refuse(void *cls, const struct _u_request *req, struct _u_response *res,
                 enum http_guard_refusal why);
int http_dispatch(void *cls, const struct _u_request *req, struct _u_response *res,
                  struct http_guard_call *call);

#endif
