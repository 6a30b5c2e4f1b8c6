/* measures.c — GET /v1/measures (filters), /v1/measures/{id}, /v1/measures/{id}/targets;
 * admin POST /v1/measures, PATCH/DELETE /v1/measures/{id}, POST
 * /v1/measures/{id}/assignments and DELETE .../assignments/{unit_id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain.h"
#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "../validate.h"
#include "admin.h"
#include "assignments_repo.h"
#include "measures_repo.h"
#include "reports_http.h"
#include "reports_repo.h"

/* GET /v1/measures/{id} with ?as_of= or ?include=: with each target's progress. */
static void measures_reply_progress(struct http_ctx *ctx, const char *measure_id,
                                    const char *expand)
{
	struct reports_options o;
	ctx->uncacheable = 1; /* progress changes without touching reference data */
	if (reports_read_options(ctx, &o) != 0)
		return;
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	json_t *measure = NULL;
	enum svc_error err = reports_measure_get(conn, measure_id, expand, &o, &measure);
	db_release(ctx->app->read_pool, conn);
	if (err != SVC_OK)
		repo_reply_error(ctx, err);
	else
		reports_reply(ctx, measure);
}

/* GET /v1/measures/{id}/targets with ?as_of= or ?include=: a page of targets with progress;
 * code is the ?code= filter or NULL. */
static void measures_reply_targets_progress(struct http_ctx *ctx, const char *measure_id,
                                            const char *code)
{
	struct reports_options o;
	ctx->uncacheable = 1;
	if (reports_read_options(ctx, &o) != 0)
		return;
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	struct reports_set s;
	enum svc_error err = reports_measure_load(conn, measure_id, &o, &s);
	db_release(ctx->app->read_pool, conn);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	const char *params[] = {measure_id, code};
	repo_reply_page_map(ctx, STMT_MEASURE_TARGETS, params, 2, "targets", 2, reports_attach, &s);
	reports_set_free(&s);
}

static const char *const measures_expand[] = {"members", NULL};

static void measures_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "plan_id", "task_id",
	                                      "unit",  "role",   "q",       "expand",
	                                      "code",  "count",  NULL};
	long long id;
	const char *role = NULL, *expand = NULL, *code = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "plan_id", &id) < 0 || http_query_id(ctx, "task_id", &id) < 0 ||
	    http_query_enum(ctx, "role", domain_roles, &role) < 0 ||
	    http_query_enum(ctx, "expand", measures_expand, &expand) < 0 ||
	    http_query_code(ctx, "code", &code) < 0)
		return;
	const char *unit = http_query(ctx, "unit");
	if (unit != NULL && !validate_code(unit)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?unit", "unit must be a unit code");
		return;
	}
	const char *q = NULL;
	if (http_query_text(ctx, "q", 200, &q) < 0)
		return;
	const char *filters[] = {http_query(ctx, "plan_id"),
	                         http_query(ctx, "task_id"),
	                         unit,
	                         role,
	                         q,
	                         expand != NULL ? "true" : "false",
	                         code};
	repo_reply_page(ctx, STMT_MEASURE_LIST, filters, 7, "measures", 2);
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
		measures_reply_progress(ctx, ctx->params[0], expand);
		return;
	}
	const char *params[] = {ctx->params[0], expand != NULL ? "true" : "false"};
	repo_reply_one(ctx, STMT_MEASURE_GET, 2, params);
}

static void measures_targets(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "as_of", "include",
	                                      "code",  "count",  NULL};
	long long id;
	const char *code = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_code(ctx, "code", &code) < 0 || http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0], code};
	enum svc_error err = repo_exists(ctx, STMT_MEASURE_EXISTS, 1, params);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	if (http_query(ctx, "as_of") != NULL || http_query(ctx, "include") != NULL) {
		ctx->uncacheable = 1;
		measures_reply_targets_progress(ctx, ctx->params[0], code);
		return;
	}
	repo_reply_page(ctx, STMT_MEASURE_TARGETS, params, 2, "targets", 2);
}

static int measures_check_create(json_t *body, json_t *errors)
{
	return reference_input_measure(body, REFERENCE_WHOLE, errors);
}

static const struct admin_resource measures_admin = {
        .name = "measure",
        .location = "/v1/measures/",
        .check_create = measures_check_create,
        .check_update = reference_input_measure_patch,
        .create = measures_repo_create,
        .update = measures_repo_update,
        .remove = measures_repo_delete,
};

static void measures_create(struct http_ctx *ctx)
{
	admin_handle_create(ctx, &measures_admin);
}

static void measures_update(struct http_ctx *ctx)
{
	admin_handle_update(ctx, &measures_admin);
}

static void measures_delete(struct http_ctx *ctx)
{
	admin_handle_delete(ctx, &measures_admin);
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
		http_reply_errors(ctx, SVC_VALIDATION,
		                  "the assignment is not valid; nothing was written", errors);
		goto cleanup;
	}
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	assignments_repo_create(&env, id, if_match, unit, role, errors, &res);
	res.id = id; /* the answer is the measure, with its new assignment */
	admin_reply_result(ctx, &res, errors, 201, "/v1/measures/");
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
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	assignments_repo_delete(&env, id, unit_id, if_match, &res);
	admin_reply_result(ctx, &res, NULL, 200, NULL);
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
