/* targets.c — GET /v1/targets/{id}. */
#include <stdio.h>

#include "../http.h"
#include "../repo.h"

static void targets_get(struct http_ctx *ctx)
{
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_TARGET_GET, 1, params);
}

const struct route targets_routes[] = {
        {"GET", "/v1/targets/:id", targets_get, ROUTE_CACHED},
        {NULL, NULL, NULL, 0},
};
