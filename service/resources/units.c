/* units.c — GET /v1/units (?kind= &q=), /v1/units/{id}, /v1/units/{id}/measures (?role=);
 * admin POST /v1/units, PATCH and DELETE /v1/units/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain.h"
#include "../http.h"
#include "../reference_input.h"
#include "../repo.h"
#include "../validate.h"
#include "admin.h"
#include "units_repo.h"

static void units_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "kind", "q",
	                                      "code",  "count",  NULL};
	const char *kind = NULL, *code = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_enum(ctx, "kind", domain_unit_kinds, &kind) < 0 ||
	    http_query_code(ctx, "code", &code) < 0)
		return;
	const char *q = NULL;
	if (http_query_text(ctx, "q", 200, &q) < 0)
		return;
	const char *filters[] = {kind, q, code};
	repo_reply_page(ctx, STMT_UNIT_LIST, filters, 3, "units", 1);
}

static void units_get(struct http_ctx *ctx)
{
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_UNIT_GET, 1, params);
}

static void units_measures(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "role", "code", "count", NULL};
	long long id;
	const char *role = NULL, *code = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_enum(ctx, "role", domain_roles, &role) < 0 ||
	    http_query_code(ctx, "code", &code) < 0 || http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0], role, code};
	enum svc_error err = repo_exists(ctx, STMT_UNIT_EXISTS, 1, params);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	repo_reply_page(ctx, STMT_UNIT_MEASURES, params, 3, "unit-measures", 2);
}

static int units_check_create(json_t *body, json_t *errors)
{
	return reference_input_unit(body, REFERENCE_WHOLE, errors);
}

static int units_check_update(json_t *body, json_t *errors)
{
	return reference_input_unit(body, REFERENCE_PARTIAL, errors);
}

static const struct admin_resource units_admin = {
        .name = "unit",
        .location = "/v1/units/",
        .check_create = units_check_create,
        .check_update = units_check_update,
        .create = units_repo_create,
        .update = units_repo_update,
        .remove = units_repo_delete,
};

static void units_create(struct http_ctx *ctx)
{
	admin_handle_create(ctx, &units_admin);
}

static void units_update(struct http_ctx *ctx)
{
	admin_handle_update(ctx, &units_admin);
}

static void units_delete(struct http_ctx *ctx)
{
	admin_handle_delete(ctx, &units_admin);
}

const struct route units_routes[] = {
        {"GET", "/v1/units", units_list, ROUTE_CACHED},
        {"GET", "/v1/units/:id", units_get, ROUTE_CACHED},
        {"GET", "/v1/units/:id/measures", units_measures, ROUTE_CACHED},
        {"POST", "/v1/units", units_create, 0},
        {"PATCH", "/v1/units/:id", units_update, 0},
        {"DELETE", "/v1/units/:id", units_delete, 0},
        {NULL, NULL, NULL, 0},
};
