/* tasks.c — GET /v1/tasks (?plan_id=) and /v1/tasks/{id}; admin POST /v1/tasks, PATCH and
 * DELETE /v1/tasks/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "tasks_repo.h"

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

static void tasks_reply_failure(struct http_ctx *ctx, const struct tasks_result *res,
                                json_t *errors)
{
	struct admin_tx tx = {.ctx = ctx, .err = res->err, .detail = res->detail, .errors = errors};
	admin_reply_failure(ctx, &tx);
}

static void tasks_create(struct http_ctx *ctx)
{
	if (admin_preamble(ctx, NULL, NULL) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_task(body, 0, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the task is not valid; nothing was written");
		goto cleanup;
	}
	struct tasks_result res;
	tasks_repo_create(ctx, body, errors, &res);
	if (res.err != SVC_OK) {
		tasks_reply_failure(ctx, &res, errors);
		goto cleanup;
	}
	char location[64];
	snprintf(location, sizeof(location), "/v1/tasks/%lld", res.id);
	http_set_header(ctx, "Location", location);
	http_reply_json_written(ctx, 201, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void tasks_update(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_task_patch(body, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the task is not valid; nothing was written");
		goto cleanup;
	}
	struct tasks_result res;
	tasks_repo_update(ctx, id, if_match, body, errors, &res);
	if (res.err != SVC_OK) {
		tasks_reply_failure(ctx, &res, errors);
		goto cleanup;
	}
	http_reply_json_written(ctx, 200, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void tasks_delete(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	struct tasks_result res;
	tasks_repo_delete(ctx, id, if_match, &res);
	if (res.err != SVC_OK) {
		tasks_reply_failure(ctx, &res, NULL);
		return;
	}
	ctx->res->status = 204; /* no body */
}

const struct route tasks_routes[] = {
        {"GET", "/v1/tasks", tasks_list, ROUTE_CACHED},
        {"GET", "/v1/tasks/:id", tasks_get, ROUTE_CACHED},
        {"POST", "/v1/tasks", tasks_create, 0},
        {"PATCH", "/v1/tasks/:id", tasks_update, 0},
        {"DELETE", "/v1/tasks/:id", tasks_delete, 0},
        {NULL, NULL, NULL, 0},
};
