/* plans.c — GET /v1/plans and /v1/plans/{id}; admin POST /v1/plans, PATCH and DELETE
 * /v1/plans/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "plans_repo.h"

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

static void plans_reply_failure(struct http_ctx *ctx, const struct plans_result *res,
                                json_t *errors)
{
	struct admin_tx tx = {.ctx = ctx, .err = res->err, .detail = res->detail, .errors = errors};
	admin_reply_failure(ctx, &tx);
}

static void plans_create(struct http_ctx *ctx)
{
	if (admin_preamble(ctx, NULL, NULL) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_plan(body, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the plan is not valid; nothing was written");
		goto cleanup;
	}
	struct plans_result res;
	plans_repo_create(ctx, body, errors, &res);
	if (res.err != SVC_OK) {
		plans_reply_failure(ctx, &res, errors);
		goto cleanup;
	}
	char location[64];
	snprintf(location, sizeof(location), "/v1/plans/%lld", res.id);
	http_set_header(ctx, "Location", location);
	http_reply_json_written(ctx, 201, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void plans_update(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_plan_patch(body, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the plan is not valid; nothing was written");
		goto cleanup;
	}
	struct plans_result res;
	plans_repo_update(ctx, id, if_match, body, errors, &res);
	if (res.err != SVC_OK) {
		plans_reply_failure(ctx, &res, errors);
		goto cleanup;
	}
	http_reply_json_written(ctx, 200, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void plans_delete(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	struct plans_result res;
	plans_repo_delete(ctx, id, if_match, &res);
	if (res.err != SVC_OK) {
		plans_reply_failure(ctx, &res, NULL);
		return;
	}
	ctx->res->status = 204; /* no body */
}

const struct route plans_routes[] = {
        {"GET", "/v1/plans", plans_list, ROUTE_CACHED},
        {"GET", "/v1/plans/:id", plans_get, ROUTE_CACHED},
        {"POST", "/v1/plans", plans_create, 0},
        {"PATCH", "/v1/plans/:id", plans_update, 0},
        {"DELETE", "/v1/plans/:id", plans_delete, 0},
        {NULL, NULL, NULL, 0},
};
