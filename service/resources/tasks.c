/* tasks.c — GET /v1/tasks (?plan_id=) and /v1/tasks/{id}. */
#include <stdio.h>

#include "../http.h"
#include "../repo.h"

static void tasks_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "plan_id", NULL};
	long long plan_id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &plan_id) < 0)
		return;
	const char *filters[] = {http_query(ctx, "plan_id")};
	repo_reply_page(ctx, STMT_TASK_LIST, filters, 1, "tasks", 2);
}

static void tasks_get(struct http_ctx *ctx)
{
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_TASK_GET, 1, params);
}

const struct route tasks_routes[] = {
        {"GET", "/v1/tasks", tasks_list, ROUTE_CACHED},
        {"GET", "/v1/tasks/:id", tasks_get, ROUTE_CACHED},
        {NULL, NULL, NULL, 0},
};
