/* tasks.c — GET /v1/tasks (?plan_id=) and /v1/tasks/{id}; admin POST /v1/tasks, PATCH and
 * DELETE /v1/tasks/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "admin.h"
#include "tasks_repo.h"

static void tasks_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "plan_id", "code", "count", NULL};
	long long plan_id;
	const char *code = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &plan_id) < 0 || http_query_code(ctx, "code", &code) < 0)
		return;
	const char *filters[] = {http_query(ctx, "plan_id"), code};
	repo_reply_page(ctx, STMT_TASK_LIST, filters, 2, "tasks", 2);
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

static int tasks_check_create(json_t *body, json_t *errors)
{
	return reference_input_task(body, REFERENCE_WHOLE, errors);
}

static const struct admin_resource tasks_admin = {
        .name = "task",
        .location = "/v1/tasks/",
        .check_create = tasks_check_create,
        .check_update = reference_input_task_patch,
        .create = tasks_repo_create,
        .update = tasks_repo_update,
        .remove = tasks_repo_delete,
};

static void tasks_create(struct http_ctx *ctx)
{
	admin_handle_create(ctx, &tasks_admin);
}

static void tasks_update(struct http_ctx *ctx)
{
	admin_handle_update(ctx, &tasks_admin);
}

static void tasks_delete(struct http_ctx *ctx)
{
	admin_handle_delete(ctx, &tasks_admin);
}

const struct route tasks_routes[] = {
        {"GET", "/v1/tasks", tasks_list, ROUTE_CACHED},
        {"GET", "/v1/tasks/:id", tasks_get, ROUTE_CACHED},
        {"POST", "/v1/tasks", tasks_create, 0},
        {"PATCH", "/v1/tasks/:id", tasks_update, 0},
        {"DELETE", "/v1/tasks/:id", tasks_delete, 0},
        {NULL, NULL, NULL, 0},
};
