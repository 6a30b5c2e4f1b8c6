/* measures.c — GET /v1/measures (filters), /v1/measures/{id}, /v1/measures/{id}/targets;
 * admin POST /v1/measures, PATCH/DELETE /v1/measures/{id}, POST
 * /v1/measures/{id}/assignments and DELETE .../assignments/{unit_id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "../validate.h"
#include "assignments_repo.h"
#include "measures_repo.h"
#include "reports_repo.h"

static const char *const measures_roles[] = {"lead", "related", NULL};
static const char *const measures_expand[] = {"members", NULL};

static void measures_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "plan_id", "task_id", "unit",
	                                      "role",  "q",      "expand",  NULL};
	long long id;
	const char *role = NULL, *expand = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &id) < 0 || http_query_id(ctx, "task_id", &id) < 0 ||
	    http_query_enum(ctx, "role", measures_roles, &role) < 0 ||
	    http_query_enum(ctx, "expand", measures_expand, &expand) < 0)
		return;
	const char *unit = http_query(ctx, "unit");
	if (unit != NULL && !validate_code(unit)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?unit", "unit must be a unit code");
		return;
	}
	const char *q = NULL;
	if (http_query_text(ctx, "q", 200, &q) < 0)
		return;
	const char *filters[] = {
	        http_query(ctx, "plan_id"),       http_query(ctx, "task_id"), unit, role, q,
	        expand != NULL ? "true" : "false"};
	repo_reply_page(ctx, STMT_MEASURE_LIST, filters, 6, "measures", 2);
}

static void measures_get(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"expand", "as_of", "include", NULL};
	long long id;
	const char *expand = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_enum(ctx, "expand", measures_expand, &expand) < 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	if (http_query(ctx, "as_of") != NULL || http_query(ctx, "include") != NULL) {
		ctx->uncacheable = 1; /* progress changes without a reference-data notice */
		reports_reply_measure(ctx, ctx->params[0], expand); /* with progress */
		return;
	}
	const char *params[] = {ctx->params[0], expand != NULL ? "true" : "false"};
	repo_reply_one(ctx, STMT_MEASURE_GET, 2, params);
}

static void measures_targets(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "as_of", "include", NULL};
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	enum svc_error err = repo_exists(ctx, STMT_MEASURE_EXISTS, 1, params);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	if (http_query(ctx, "as_of") != NULL || http_query(ctx, "include") != NULL) {
		ctx->uncacheable = 1;
		reports_reply_measure_targets(ctx, ctx->params[0]); /* with progress */
		return;
	}
	repo_reply_page(ctx, STMT_MEASURE_TARGETS, params, 1, "targets", 2);
}

static void measures_reply_failure(struct http_ctx *ctx, const struct assignments_result *res,
                                   json_t *errors)
{
	struct admin_tx tx = {.ctx = ctx, .err = res->err, .detail = res->detail, .errors = errors};
	admin_reply_failure(ctx, &tx);
}

static void measures_write_failure(struct http_ctx *ctx, const struct measures_result *res,
                                   json_t *errors)
{
	struct admin_tx tx = {.ctx = ctx, .err = res->err, .detail = res->detail, .errors = errors};
	admin_reply_failure(ctx, &tx);
}

static void measures_create(struct http_ctx *ctx)
{
	if (admin_preamble(ctx, NULL, NULL) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_measure(body, 0, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the measure is not valid; nothing was written");
		goto cleanup;
	}
	struct measures_result res;
	measures_repo_create(ctx, body, errors, &res);
	if (res.err != SVC_OK) {
		measures_write_failure(ctx, &res, errors);
		goto cleanup;
	}
	char location[64];
	snprintf(location, sizeof(location), "/v1/measures/%lld", res.id);
	http_set_header(ctx, "Location", location);
	http_reply_json_written(ctx, 201, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void measures_update(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	if (reference_input_measure_patch(body, errors) != 0) {
		admin_reply_invalid(ctx, errors, "the measure is not valid; nothing was written");
		goto cleanup;
	}
	struct measures_result res;
	measures_repo_update(ctx, id, if_match, body, errors, &res);
	if (res.err != SVC_OK) {
		measures_write_failure(ctx, &res, errors);
		goto cleanup;
	}
	http_reply_json_written(ctx, 200, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void measures_delete(struct http_ctx *ctx)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	struct measures_result res;
	measures_repo_delete(ctx, id, if_match, &res);
	if (res.err != SVC_OK) {
		measures_write_failure(ctx, &res, NULL);
		return;
	}
	ctx->res->status = 204; /* no body */
}

static void measures_assign(struct http_ctx *ctx)
{
	long long id;
	if (admin_preamble(ctx, &id, NULL) != 0)
		return;
	const char *if_match = http_header(ctx, "If-Match"); /* optional here */
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	const char *unit = NULL, *role = NULL;
	if (reference_input_assignment(body, &unit, &role, errors) != 0) {
		admin_reply_invalid(ctx, errors,
		                    "the assignment is not valid; nothing was written");
		goto cleanup;
	}
	struct assignments_result res;
	assignments_repo_create(ctx, id, if_match, unit, role, errors, &res);
	if (res.err != SVC_OK) {
		measures_reply_failure(ctx, &res, errors);
		goto cleanup;
	}
	char location[64];
	snprintf(location, sizeof(location), "/v1/measures/%lld", id);
	http_set_header(ctx, "Location", location);
	http_reply_json_written(ctx, 201, res.json, strlen(res.json));
	free(res.json);
cleanup:
	json_decref(errors);
	json_decref(body);
}

static void measures_unassign(struct http_ctx *ctx)
{
	long long id, unit_id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, NULL) != 0 || http_param_id(ctx, 1, &unit_id) != 0 ||
	    admin_require_if_match(ctx, &if_match) != 0)
		return;
	struct assignments_result res;
	assignments_repo_delete(ctx, id, unit_id, if_match, &res);
	if (res.err != SVC_OK) {
		measures_reply_failure(ctx, &res, NULL);
		return;
	}
	http_reply_json_written(ctx, 200, res.json, strlen(res.json));
	free(res.json);
}

const struct route measures_routes[] = {
        {"GET", "/v1/measures", measures_list, ROUTE_CACHED},
        {"GET", "/v1/measures/:id", measures_get, ROUTE_CACHED},
        {"GET", "/v1/measures/:id/targets", measures_targets, ROUTE_CACHED},
        {"POST", "/v1/measures", measures_create, 0},
        {"PATCH", "/v1/measures/:id", measures_update, 0},
        {"DELETE", "/v1/measures/:id", measures_delete, 0},
        {"POST", "/v1/measures/:id/assignments", measures_assign, 0},
        {"DELETE", "/v1/measures/:id/assignments/:unit_id", measures_unassign, 0},
        {NULL, NULL, NULL, 0},
};
