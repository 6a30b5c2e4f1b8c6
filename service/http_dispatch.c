/* http_dispatch.c — the one door: every request gets its id, CORS, route, body-size check,
 * authentication, rate and log line and metrics here, from its head (http_admit), a refusal of
 * the guard's (http_refuse) or the whole request (http_dispatch). */
#include "http_internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "db.h"
#include "encoding.h"
#include "log.h"
#include "metrics.h"
#include "request_limits.h"

#define HTTP_NO_BODY_MAX 1024 /* body bytes accepted by a method that takes none */

/* A client's X-Request-Id is echoed only if it is short and plain; otherwise we make one. */
static int http_request_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' &&
		    id[i] != '.' && id[i] != ':')
			return 0;
	return 1;
}

static void http_request_id_new(char *out, size_t len)
{
	unsigned char raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* Fall back to time and address entropy; uniqueness matters, secrecy does not. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t a = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uintptr_t)out;
		memcpy(raw, &a, sizeof(a));
		memcpy(raw + 8, &a, sizeof(a));
	}
	encoding_hex(raw, sizeof(raw), out, len);
}

/* 413 from Content-Length before the handler looks at the body; ulfius keeps at most one
 * byte more than the limit, so a body without a length is caught by its size. */
static int http_body_too_large(struct http_ctx *ctx)
{
	long long max = ctx->app->cfg.max_body_bytes;
	const char *cl = http_header(ctx, "Content-Length");
	if (cl != NULL) {
		char *end = NULL;
		long long n = strtoll(cl, &end, 10);
		if (end == cl || *end != '\0' || n < 0 || n > max)
			return 1;
	}
	return (long long)ctx->req->binary_body_length > max;
}

static int http_authenticate(struct http_ctx *ctx)
{
	const char *header = http_header(ctx, "Authorization");
	const char *token = NULL;
	size_t len = 0;
	const char *reason = "missing bearer token";
	if (header != NULL && auth_bearer_token(header, &token, &len) == 0 &&
	    auth_verify(ctx->app->verifier, token, len, (long long)time(NULL), &ctx->principal,
	                &reason) == AUTH_OK) {
		ctx->authenticated = 1;
		return 0;
	}
	log_json("warn", "auth_rejected",
	         json_pack("{ssss}", "request_id", ctx->request_id, "reason", reason));
	char detail[160];
	snprintf(detail, sizeof(detail), "bearer token rejected: %s", reason);
	http_reply_problem(ctx, SVC_UNAUTHORIZED, detail);
	return -1;
}

static void http_log_request(const struct http_ctx *ctx, int status, double seconds)
{
	json_t *f =
	        json_pack("{sssssisfss}", "method", ctx->method, "path",
	                  ctx->req->url_path != NULL ? ctx->req->url_path : "", "status", status,
	                  "duration_ms", log_duration_ms(seconds), "request_id", ctx->request_id);
	if (f == NULL)
		return;
	if (ctx->route != NULL)
		json_object_set_new(f, "route", json_string(ctx->route));
	if (ctx->authenticated) {
		json_object_set_new(f, "sub", json_string(ctx->principal.sub));
		json_object_set_new(f, "role",
		                    json_string(principal_role_name(ctx->principal.role)));
		if (ctx->principal.unit[0] != '\0')
			json_object_set_new(f, "unit", json_string(ctx->principal.unit));
	}
	log_json("info", "request", f);
}

int http_authorize(struct http_ctx *ctx, enum policy_action action,
                   const struct policy_scope *scope)
{
	const char *reason = NULL;
	if (policy_allows(&ctx->principal, action, scope, &reason))
		return 0;
	http_reply_problem(ctx, SVC_FORBIDDEN, reason);
	return -1;
}

static void http_route_and_run(const struct route *const *tables, struct http_ctx *ctx)
{
	const char *path = ctx->req->url_path != NULL ? ctx->req->url_path : "/";
	if (http_cors(ctx))
		return;
	int path_known = 0;
	char allow[128];
	const struct route *r =
	        http_route_find(tables, ctx, path, &path_known, allow, sizeof(allow));
	if (r == NULL) {
		if (path_known) {
			http_set_header(ctx, "Allow", allow);
			http_reply_problem(ctx, SVC_METHOD_NOT_ALLOWED, "method not allowed here");
		} else {
			http_reply_problem(ctx, SVC_NOT_FOUND, "no such resource");
		}
		return;
	}
	ctx->route = r->pattern;
	if (http_guard_draining(ctx->server->guard) && strcmp(r->pattern, "/readyz") == 0) {
		http_reply_problem(ctx, SVC_UNAVAILABLE, "shutting down");
		return;
	}
	if (http_method_has_body(ctx->method) && http_body_too_large(ctx)) {
		http_reply_problem(ctx, SVC_TOO_LARGE, "the request body exceeds the size limit");
		return;
	}
	if (!(r->flags & ROUTE_PUBLIC) && http_authenticate(ctx) != 0)
		return;
	if ((r->flags & ROUTE_CACHED) && strcmp(ctx->method, "GET") == 0 &&
	    ctx->app->refcache != NULL) {
		http_run_cached(ctx, r);
		return;
	}
	if (r->flags & ROUTE_PUBLIC)
		r->handler(ctx);
	else
		http_run_limited(ctx, r);
}

static void http_ctx_init(struct http_ctx *ctx, const struct http_server *server,
                          const struct _u_request *req, struct _u_response *res)
{
	static _Thread_local struct http_guard_call head_call; /* for admit and refuse */
	memset(ctx, 0, sizeof(*ctx));
	memset(&head_call, 0, sizeof(head_call));
	ctx->call = &head_call;
	ctx->app = server->app;
	ctx->server = server;
	ctx->req = req;
	ctx->res = res;
	ctx->method = req->http_verb != NULL ? req->http_verb : "";
	const char *rid = u_map_get_case(req->map_header, "X-Request-Id");
	if (rid != NULL && http_request_id_valid(rid))
		snprintf(ctx->request_id, sizeof(ctx->request_id), "%s", rid);
	else
		http_request_id_new(ctx->request_id, sizeof(ctx->request_id));
	http_set_header(ctx, "X-Request-Id", ctx->request_id);
}

static void http_finish(struct http_ctx *ctx, double started)
{
	if (ctx->res->status == 0)
		ctx->res->status = 200;
	double took = http_now() - started;
	metrics_observe_request(ctx->method, ctx->route, (int)ctx->res->status, took);
	http_log_request(ctx, (int)ctx->res->status, took);
}

/* The one request callback: everything goes through here. */
int http_dispatch(void *cls, const struct _u_request *req, struct _u_response *res,
                  struct http_guard_call *call)
{
	double started = http_now();
	const struct http_server *server = cls;
	struct http_ctx ctx;
	http_ctx_init(&ctx, server, req, res);
	ctx.call = call;
	/* one database deadline for the whole request, the time it queued included */
	long long waited = call->waited_ms > 0 ? call->waited_ms : 0;
	long long budget = server->app->cfg.db_timeout_ms - waited;
	limits_deadline_set(budget > 1 ? (int)budget : 1);
	/* Read your writes: a read presenting a write's token is served by a replica only once
	 * it has replayed that far; a write's reply carries the token (db.h). Begun again on
	 * the worker thread when the request is handed to one. */
	db_lsn seen = 0;
	const char *token = u_map_get_case(req->map_header, "Zeren-Consistency");
	if (token == NULL || db_lsn_parse(token, &seen) != 0)
		seen = 0;
	db_request_begin(seen);
	http_route_and_run(server->tables, &ctx);
	limits_deadline_clear();
	if (ctx.defer != 0)
		return ctx.defer;
	if (db_request_commit_lsn() != 0) {
		char lsn[24];
		db_lsn_format(db_request_commit_lsn(), lsn);
		http_set_header(&ctx, "Zeren-Consistency", lsn);
	}
	http_finish(&ctx, started);
	return HTTP_GUARD_DONE;
}

/* From the head alone: a protected route's token and rate, so that a body nobody may send is
 * never read. Preflights, public routes and unknown paths go on to http_dispatch. */
int http_admit(void *cls, const struct _u_request *req, struct _u_response *res, size_t *body_limit)
{
	double started = http_now();
	const struct http_server *server = cls;
	struct http_ctx ctx;
	http_ctx_init(&ctx, server, req, res);
	*body_limit = http_method_has_body(ctx.method) ? (size_t)server->app->cfg.max_body_bytes
	                                               : HTTP_NO_BODY_MAX;
	if (strcmp(ctx.method, "OPTIONS") == 0)
		return 0;
	int path_known = 0;
	char allow[128];
	const char *path = req->url_path != NULL ? req->url_path : "/";
	const struct route *r =
	        http_route_find(server->tables, &ctx, path, &path_known, allow, sizeof(allow));
	if (r == NULL) {
		/* 404 or 405 needs no body: answered now, so none is read for nothing */
		http_route_and_run(server->tables, &ctx);
		http_finish(&ctx, started);
		return 1;
	}
	if (r->flags & ROUTE_PUBLIC)
		return 0;
	ctx.route = r->pattern;
	if (http_authenticate(&ctx) == 0 && http_rate_take(&ctx) == 0)
		return 0;
	(void)http_cors(&ctx); /* a browser must be able to read a refusal made from the head */
	http_finish(&ctx, started);
	return 1;
}

void http_refuse(void *cls, const struct _u_request *req, struct _u_response *res,
                 enum http_guard_refusal why)
{
	double started = http_now();
	struct http_ctx ctx;
	http_ctx_init(&ctx, cls, req, res);
	if (why == HTTP_GUARD_FRAMING)
		http_reply_problem(&ctx, SVC_BAD_REQUEST,
		                   "Content-Length with Transfer-Encoding, or two Content-Length "
		                   "headers: the message framing is ambiguous");
	else if (why == HTTP_GUARD_URI)
		http_reply_problem(&ctx, SVC_URI_TOO_LONG,
		                   "the request target is too long or has too many query "
		                   "parameters");
	else if (why == HTTP_GUARD_HEAD)
		http_reply_problem(&ctx, SVC_HEAD_TOO_LARGE,
		                   "the request head is over 32 KiB or has more than 256 header "
		                   "fields");
	else if (why == HTTP_GUARD_TOO_LARGE)
		http_reply_problem(&ctx, SVC_TOO_LARGE, "the request body exceeds the size limit");
	else
		http_reply_problem(&ctx, SVC_UNAVAILABLE,
		                   "too many request bodies are being received; retry shortly");
	http_finish(&ctx, started);
}
