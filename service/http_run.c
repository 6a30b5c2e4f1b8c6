/* http_run.c — how a matched route's handler runs: from the reference cache, under the
 * concurrency cap for expensive work and the per-token rate, on a database worker. */
#include "http_internal.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "refcache.h"
#include "request_limits.h"

/* An expensive request's database deadline, in ZEREN_DB_TIMEOUT_MS: a batch of 100,000 rows
 * needs more than a lookup, and the concurrency cap already bounds how many take it. */
#define HTTP_EXPENSIVE_DEADLINE 10
#define HTTP_MARK_EXPENSIVE     1u /* http_guard_call.marks: the request holds an expensive slot */

/* Reports, exports, batches and imports: the work the concurrency cap is for. */
static int http_route_expensive(const struct route *r)
{
	static const char *const prefixes[] = {"/v1/reports/", "/v1/exports/", "/v1/progress/batch",
	                                       "/v1/imports", NULL};
	for (size_t i = 0; prefixes[i] != NULL; i++)
		if (strncmp(r->pattern, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Takes a slot of cap without blocking the worker: 0 when taken; 1 when the request should
 * wait (queued without a thread, see HTTP_GUARD_WAIT) because it has waited less than
 * queue_ms; -1 when it has waited long enough. */
static int http_turn(struct http_ctx *ctx, struct limits_cap *cap, long long queue_ms)
{
	if (limits_cap_take(cap, 0) == 0)
		return 0;
	if (ctx->call->waited_ms >= 0 && ctx->call->waited_ms < queue_ms) {
		ctx->defer = HTTP_GUARD_WAIT;
		return 1;
	}
	return -1;
}

static void http_turn_end(struct http_ctx *ctx, struct limits_cap *cap)
{
	limits_cap_give(cap);
	http_guard_wake(ctx->server->guard);
}

/* Runs a handler that may wait on the database on one of the guard's workers (ZEREN_DB_WORKERS),
 * never on an I/O thread, so that health checks and cache hits are answered while every
 * worker waits. A request that queued for a worker past its deadline gets 503. */
static void http_run_gated(struct http_ctx *ctx, const struct route *r)
{
	if (!ctx->call->on_worker) {
		ctx->defer = HTTP_GUARD_OFFLOAD;
		return;
	}
	long long waited = ctx->call->waited_ms;
	if (waited < 0 || waited >= ctx->app->cfg.db_timeout_ms) {
		http_reply_problem(ctx, SVC_UNAVAILABLE,
		                   waited < 0 ? "shutting down"
		                              : "every database worker is busy; retry shortly");
		return;
	}
	r->handler(ctx);
}

/* Serves a reference GET from the cache, or runs it and keeps a 200 answer. The key is the
 * whole request target; every role may read reference data, so the token only has to be
 * valid (checked before this) and allowed to read. */
void http_run_cached(struct http_ctx *ctx, const struct route *r)
{
	struct refcache *cache = ctx->app->refcache;
	const char *key = ctx->req->http_url;
	struct refcache_hit hit;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0)
		return;
	if (refcache_get(cache, key, db_request_required(), &hit)) {
		http_set_header(ctx, "Cache-Control", "no-cache");
		if (hit.link != NULL)
			http_set_header(ctx, "Link", hit.link);
		if (hit.etag != NULL) {
			http_set_header(ctx, "ETag", hit.etag);
			if (http_etag_matches(http_header(ctx, "If-None-Match"), hit.etag)) {
				ctx->res->status = 304;
				refcache_hit_free(&hit);
				return;
			}
		}
		http_reply_json_owned(ctx, 200, hit.body, hit.len);
		hit.body = NULL; /* the reply's now */
		refcache_hit_free(&hit);
		return;
	}
	unsigned long long gen = refcache_generation(cache);
	/* what is kept under gen must be at least as new as the change that began it */
	db_request_require(refcache_floor(cache));
	http_run_gated(ctx, r);
	if (ctx->defer || ctx->uncacheable || gen == 0 || ctx->res->status != 200)
		return;
	refcache_put(cache, key, gen, db_request_required(), ctx->res->binary_body,
	             ctx->res->binary_body_length, u_map_get_case(ctx->res->map_header, "ETag"),
	             u_map_get_case(ctx->res->map_header, "Link"));
}

/* The concurrency cap for expensive routes (a short queue, then 429), then the gate. */
void http_run_limited(struct http_ctx *ctx, const struct route *r)
{
	if (!http_route_expensive(r)) {
		http_run_gated(ctx, r);
		return;
	}
	struct limits_cap *cap = ctx->server->expensive;
	if (!(ctx->call->marks & HTTP_MARK_EXPENSIVE)) {
		int turn = http_turn(ctx, cap, ctx->app->cfg.expensive_queue_ms);
		if (turn > 0)
			return;
		if (turn < 0) {
			http_reply_busy(
			        ctx, 1,
			        "too many reports, exports, batches or imports are running; "
			        "retry shortly");
			return;
		}
		ctx->call->marks |= HTTP_MARK_EXPENSIVE; /* held until the handler has run */
	}
	long long waited = ctx->call->waited_ms > 0 ? ctx->call->waited_ms : 0;
	limits_deadline_set(
	        (int)((long long)ctx->app->cfg.db_timeout_ms * HTTP_EXPENSIVE_DEADLINE - waited));
	http_run_gated(ctx, r);
	if (ctx->defer == 0) {
		ctx->call->marks &= ~HTTP_MARK_EXPENSIVE;
		http_turn_end(ctx, cap);
	}
}

/* Takes one request from the token's bucket and sets the RateLimit-* headers; -1 after
 * replying 429. */
int http_rate_take(struct http_ctx *ctx)
{
	struct limits_rate *rate = ctx->server->rate;
	const char *header = http_header(ctx, "Authorization");
	if (rate == NULL || header == NULL)
		return 0;
	struct limits_rate_verdict v;
	limits_rate_take(rate, header, strlen(header), http_now(), &v);
	char n[24];
	snprintf(n, sizeof(n), "%d", v.limit);
	http_set_header(ctx, "RateLimit-Limit", n);
	snprintf(n, sizeof(n), "%d", v.remaining);
	http_set_header(ctx, "RateLimit-Remaining", n);
	snprintf(n, sizeof(n), "%d", v.reset_s);
	http_set_header(ctx, "RateLimit-Reset", n);
	if (v.allowed)
		return 0;
	http_reply_busy(ctx, v.retry_after_s, "this token's request rate is exceeded");
	return -1;
}
