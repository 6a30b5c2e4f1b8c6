/* plans.c — GET /v1/plans and /v1/plans/{id}. */
#include <stdio.h>

#include "../http.h"
#include "../repo.h"

static void plans_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", NULL};
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0)
		return;
	repo_reply_page(ctx, STMT_PLAN_LIST, NULL, 0, "plans", 1);
}

static void plans_get(struct http_ctx *ctx)
{
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_PLAN_GET, 1, params);
}

const struct route plans_routes[] = {
        {"GET", "/v1/plans", plans_list, ROUTE_CACHED},
        {"GET", "/v1/plans/:id", plans_get, ROUTE_CACHED},
        {NULL, NULL, NULL, 0},
};
