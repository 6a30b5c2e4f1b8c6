/* plans.c — GET /v1/plans and /v1/plans/{id}; admin POST /v1/plans, PATCH and DELETE
 * /v1/plans/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "admin.h"
#include "plans_repo.h"

static void plans_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "code", "count", NULL};
	const char *code = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_code(ctx, "code", &code) < 0)
		return;
	const char *filters[] = {code};
	repo_reply_page(ctx, STMT_PLAN_LIST, filters, 1, "plans", 1);
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

static const struct admin_resource plans_admin = {
        .name = "plan",
        .location = "/v1/plans/",
        .check_create = reference_input_plan,
        .check_update = reference_input_plan_patch,
        .create = plans_repo_create,
        .update = plans_repo_update,
        .remove = plans_repo_delete,
};

static void plans_create(struct http_ctx *ctx)
{
	admin_handle_create(ctx, &plans_admin);
}

static void plans_update(struct http_ctx *ctx)
{
	admin_handle_update(ctx, &plans_admin);
}

static void plans_delete(struct http_ctx *ctx)
{
	admin_handle_delete(ctx, &plans_admin);
}

const struct route plans_routes[] = {
        {"GET", "/v1/plans", plans_list, ROUTE_CACHED},
        {"GET", "/v1/plans/:id", plans_get, ROUTE_CACHED},
        {"POST", "/v1/plans", plans_create, 0},
        {"PATCH", "/v1/plans/:id", plans_update, 0},
        {"DELETE", "/v1/plans/:id", plans_delete, 0},
        {NULL, NULL, NULL, 0},
};
