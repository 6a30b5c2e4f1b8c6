/* targets.c — GET /v1/targets/{id}; admin POST /v1/measures/{id}/targets, PATCH and DELETE
 * /v1/targets/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
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

static void targets_reply_failure(struct http_ctx *ctx, const struct targets_result *res,
                                  json_t *errors)
{
	struct admin_tx tx = {.ctx = ctx, .err = res->err, .detail = res->detail, .errors = errors};
	admin_reply_failure(ctx, &tx);
}

/* POST (measure_id > 0) or PATCH (target id, if_match) with the body checked here. */
static void targets_write(struct http_ctx *ctx, long long measure_id, long long id,
                          const char *if_match)
{
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_target_patch(body, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the target is not valid; nothing was written");
		goto cleanup;
	}
	struct targets_result res;
	if (measure_id > 0)
		targets_repo_create(ctx, measure_id, body, errors, &res);
	else
		targets_repo_update(ctx, id, if_match, body, errors, &res);
	if (res.err != SVC_OK) {
		targets_reply_failure(ctx, &res, errors);
		goto cleanup;
	}
	if (measure_id > 0) {
		char location[64];
		snprintf(location, sizeof(location), "/v1/targets/%lld", res.id);
		http_set_header(ctx, "Location", location);
	}
	http_reply_json_written(ctx, measure_id > 0 ? 201 : 200, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void targets_create(struct http_ctx *ctx)
{
	long long measure_id;
	if (admin_preamble(ctx, &measure_id, NULL) != 0)
		return;
	targets_write(ctx, measure_id, 0, NULL);
}

static void targets_update(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	targets_write(ctx, 0, id, if_match);
}

static void targets_delete(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	struct targets_result res;
	targets_repo_delete(ctx, id, if_match, &res);
	if (res.err != SVC_OK) {
		targets_reply_failure(ctx, &res, NULL);
		return;
	}
	ctx->res->status = 204; /* no body */
}

const struct route targets_routes[] = {
        {"GET", "/v1/targets/:id", targets_get, ROUTE_CACHED},
        {"POST", "/v1/measures/:id/targets", targets_create, 0},
        {"PATCH", "/v1/targets/:id", targets_update, 0},
        {"DELETE", "/v1/targets/:id", targets_delete, 0},
        {NULL, NULL, NULL, 0},
};
