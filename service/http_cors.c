/* http_cors.c — CORS: the allowed origins' headers, and preflights answered. */
#include "http_internal.h"

#include <string.h>

static int http_origin_allowed(const struct app *app, const char *origin)
{
	if (origin == NULL)
		return 0;
	if (app->cors_any)
		return 1;
	for (size_t i = 0; i < app->cors_count; i++)
		if (strcmp(app->cors_origins[i], origin) == 0)
			return 1;
	return 0;
}

/* Returns 1 when the request was a preflight and has been answered. */
int http_cors(struct http_ctx *ctx)
{
	const char *origin = http_header(ctx, "Origin");
	int allowed = http_origin_allowed(ctx->app, origin);
	if (allowed) {
		http_set_header(ctx, "Access-Control-Allow-Origin", origin);
		http_set_header(ctx, "Vary", "Origin");
		http_set_header(
		        ctx, "Access-Control-Expose-Headers",
		        "ETag, Link, Location, X-Request-Id, Retry-After, Idempotent-Replayed, "
		        "Zeren-Consistency, Content-Disposition, Allow, WWW-Authenticate, "
		        "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset");
	}
	if (strcmp(ctx->method, "OPTIONS") != 0 ||
	    http_header(ctx, "Access-Control-Request-Method") == NULL)
		return 0;
	if (allowed) {
		http_set_header(ctx, "Access-Control-Allow-Methods",
		                "GET, POST, PATCH, DELETE, OPTIONS");
		http_set_header(ctx, "Access-Control-Allow-Headers",
		                "Authorization, Content-Type, If-Match, If-None-Match, "
		                "Idempotency-Key, X-Request-Id, Zeren-Consistency");
		http_set_header(ctx, "Access-Control-Max-Age", "600");
	}
	ctx->route = "preflight";
	ctx->res->status = 204;
	return 1;
}
