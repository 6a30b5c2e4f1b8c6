/* http.h — what handlers use: the per-request context, reading the request, replying (the
 * http_*.c files implement it; http_server.c starts and stops the server). */
#ifndef ZEREN_HTTP_H
#define ZEREN_HTTP_H

#include <stddef.h>

#include <jansson.h>
#include <ulfius.h>

#include "app.h"
#include "auth.h"
#include "json_stream.h"
#include "policy.h"
#include "problem.h"

#define HTTP_MAX_PARAMS 4

/* Lives for one request on the worker thread's stack; nothing in it outlives the request. */
struct http_server;

struct http_ctx {
	struct app *app;
	const struct http_server *server; /* borrowed: its limits */
	const struct _u_request *req;
	struct _u_response *res;
	const char *method;
	char request_id[72];
	char path_buf[512];                  /* copy of the path; params point into it */
	const char *params[HTTP_MAX_PARAMS]; /* captured :segments of the route, in order */
	struct principal principal;          /* valid when authenticated */
	int authenticated;
	const char *route; /* the matched pattern, for logs and metrics */
	int uncacheable;   /* set by a handler whose answer depends on more than reference data */
	struct http_guard_call *call; /* how long it has queued, on which thread (http_guard.h) */
	int defer; /* nothing replied: HTTP_GUARD_WAIT or _OFFLOAD, see http_guard.h */
};

typedef void (*http_handler)(struct http_ctx *ctx);

enum route_flags {
	ROUTE_PUBLIC = 1u, /* no token needed (health, metrics, the OpenAPI document) */
	ROUTE_CACHED = 2u, /* a reference-data GET: 200 responses go through the refcache */
};

struct route {
	const char *method;
	const char *pattern; /* "/v1/measures/:id/targets" */
	http_handler handler;
	unsigned flags;
};

/* Starts serving app (borrowed, must outlive the server) on its configured address and port
 * with a thread pool, matching requests against tables (a NULL-terminated list of route
 * tables, borrowed; routes.h has the service's) in order. Returns NULL on failure. The bound
 * port (useful with port 0) is written to *port. Stop with http_server_stop. */
struct http_server *http_server_start(struct app *app, const struct route *const *tables,
                                      int *port);
/* On SIGTERM: stops accepting, lets requests in flight finish and deliver their replies for
 * at most seconds (replies then carry Connection: close, and /readyz answers 503). Returns
 * how many were still unfinished. Then call http_server_stop. */
int http_server_drain(struct http_server *server, int seconds);
void http_server_stop(struct http_server *server);

/* --- reading the request --- */
const char *http_header(const struct http_ctx *ctx, const char *name);
/* A query parameter's value, NULL when absent. */
const char *http_query(const struct http_ctx *ctx, const char *name);
/* Replies 400 naming the first query parameter not in allowed (NULL-terminated) and
 * returns -1; returns 0 when all are known. */
int http_query_allow(struct http_ctx *ctx, const char *const *allowed);
/* Reads an optional positive integer parameter: 0 absent (*out untouched), 1 present, -1
 * replied 400. */
int http_query_id(struct http_ctx *ctx, const char *name, long long *out);
/* Reads the list limit (1..500, default 50); -1 when replied 400. */
int http_query_limit(struct http_ctx *ctx, int *limit);
/* The :param at index i as a positive id; -1 after replying 404 (ids are opaque paths). */
int http_param_id(struct http_ctx *ctx, int i, long long *out);
/* 1 when the request's Content-Type is want (parameters allowed, charset UTF-8 only). */
int http_body_content_type(struct http_ctx *ctx, const char *want);
/* The body parsed as a JSON object or array after the content-type, size, UTF-8 and depth
 * checks; NULL after replying 4xx. Caller owns the result. */
json_t *http_json_body(struct http_ctx *ctx);
/* The same checks for a body that is an array, whose elements fn gets one at a time (see
 * json_stream.h): 0 when read (or fn stopped), -2 when the body is JSON but not an array
 * (nothing replied), -1 after replying 4xx. */
int http_json_array_each(struct http_ctx *ctx, json_element_fn fn, void *arg);

/* Asks the policy; replies 403 with its reason and returns -1 when refused. */
int http_authorize(struct http_ctx *ctx, enum policy_action action,
                   const struct policy_scope *scope);
/* Reads an optional enum parameter: 0 absent, 1 present (*out set), -1 replied 400. */
int http_query_enum(struct http_ctx *ctx, const char *name, const char *const *choices,
                    const char **out);
/* Reads an optional search text of 1 to max_chars characters of UTF-8: 0 absent, 1 present
 * (*out set), -1 replied 400. */
int http_query_text(struct http_ctx *ctx, const char *name, size_t max_chars, const char **out);
/* Reads an optional boolean ?name=true|false: 0 absent, 1 present, -1 replied 400. */
int http_query_bool(struct http_ctx *ctx, const char *name, int *out);
/* Reads an optional code (?code=, ?unit=; see validate_code): 0 absent, 1 present (*out set,
 * borrowed from the request), -1 replied 400. */
int http_query_code(struct http_ctx *ctx, const char *name, const char **out);

/* --- replying --- */
void http_set_header(struct http_ctx *ctx, const char *name, const char *value);
/* Serializes body (stolen) as application/json. */
void http_reply_json(struct http_ctx *ctx, int status, json_t *body);
/* Sends JSON text as is. */
void http_reply_json_text(struct http_ctx *ctx, int status, const char *text, size_t len);
/* As http_reply_json_text, taking text (malloc'd) instead of copying it: a list page is
 * hundreds of kilobytes, and a copy of that size is an mmap and its page faults. */
void http_reply_json_owned(struct http_ctx *ctx, int status, char *text, size_t len);
/* A single resource: sets ETag (strong, from a content hash) and Cache-Control: no-cache,
 * and answers 304 when If-None-Match matches. */
void http_reply_json_etag(struct http_ctx *ctx, const char *text, size_t len);
/* A write's answer: the new representation with its ETag; If-None-Match plays no part. */
void http_reply_json_written(struct http_ctx *ctx, int status, const char *text, size_t len);
void http_reply_body(struct http_ctx *ctx, int status, const char *content_type, const char *body,
                     size_t len);
void http_reply_problem(struct http_ctx *ctx, enum svc_error err, const char *detail);
/* Sends a problem built with problem_new (stolen). */
void http_reply_problem_json(struct http_ctx *ctx, json_t *problem);
/* A problem with one field error. */
void http_reply_invalid(struct http_ctx *ctx, enum svc_error err, const char *pointer,
                        const char *message);
/* A problem with the field errors collected in errors ([{pointer, message}], borrowed). */
void http_reply_errors(struct http_ctx *ctx, enum svc_error err, const char *detail,
                       json_t *errors);

/* ETag helpers shared with conditional writes. */
void http_etag_of(const char *text, size_t len, char out[24]);
int http_etag_matches(const char *header, const char *etag);

/* --- helpers for the data side and for files that must not include ulfius (appended) --- */

struct tx_env;
/* The write environment of this request: the primary pool, the reference cache and the
 * token's actor (iss, sub, unit, role) with the request id, all borrowed from ctx. */
void http_tx_env(const struct http_ctx *ctx, struct tx_env *env);

/* The request body as received (borrowed; "" when there is none) and its length. */
const char *http_body(const struct http_ctx *ctx, size_t *len);
/* The request target as sent, path and query ("/v1/x?a=1"), borrowed. */
const char *http_target(const struct http_ctx *ctx);
/* The request path without the query, borrowed. */
const char *http_path(const struct http_ctx *ctx);
/* Calls fn with each query parameter's name and value, in the request's order. */
typedef void (*http_query_fn)(const char *name, const char *value, void *arg);
void http_query_each(const struct http_ctx *ctx, http_query_fn fn, void *arg);
/* A header of the reply being built (case-insensitive), borrowed; NULL when not set. */
const char *http_reply_header(const struct http_ctx *ctx, const char *name);
/* The reply's status so far (0 before a handler set one). */
long http_reply_status(const struct http_ctx *ctx);
/* The reply's body so far (borrowed; NULL when none) and its length. */
const char *http_reply_body_get(const struct http_ctx *ctx, size_t *len);
/* Replies status with the open file fd (owned: closed when sent or on failure) of size bytes
 * streamed as content_type; -1 with fd closed and nothing replied when it cannot. */
int http_reply_file(struct http_ctx *ctx, int status, const char *content_type, int fd, size_t size)
        __attribute__((warn_unused_result));

/* Replies status with no body (204). */
void http_reply_empty(struct http_ctx *ctx, int status);

#endif
