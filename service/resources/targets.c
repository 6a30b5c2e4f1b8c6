/* targets.c — GET /v1/targets/{id}; admin POST /v1/measures/{id}/targets, PATCH and DELETE
 * /v1/targets/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "admin.h"
#include "targets_repo.h"

static void targets_get(struct http_ctx *ctx)
{
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_TARGET_GET, 1, params);
}

/* Created under a measure (POST /v1/measures/{id}/targets), so only update and delete go
 * through the shared handlers. */
static const struct admin_resource targets_admin = {
        .name = "target",
        .location = "/v1/targets/",
        .check_update = reference_input_target_patch,
        .update = targets_repo_update,
        .remove = targets_repo_delete,
};

static void targets_create(struct http_ctx *ctx)
{
	long long measure_id;
	if (admin_preamble(ctx, &measure_id, NULL) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_target_patch(body, errors) != 0) {
		admin_reply_invalid_resource(ctx, &targets_admin, errors);
	} else {
		struct tx_env env;
		http_tx_env(ctx, &env);
		struct tx_result res;
		targets_repo_create(&env, measure_id, body, errors, &res);
		admin_reply_result(ctx, &res, errors, 201, targets_admin.location);
	}
	json_decref(errors);
	json_decref(body);
}

static void targets_update(struct http_ctx *ctx)
{
	admin_handle_update(ctx, &targets_admin);
}

static void targets_delete(struct http_ctx *ctx)
{
	admin_handle_delete(ctx, &targets_admin);
}

const struct route targets_routes[] = {
        {"GET", "/v1/targets/:id", targets_get, ROUTE_CACHED},
        {"POST", "/v1/measures/:id/targets", targets_create, 0},
        {"PATCH", "/v1/targets/:id", targets_update, 0},
        {"DELETE", "/v1/targets/:id", targets_delete, 0},
        {NULL, NULL, NULL, 0},
};
