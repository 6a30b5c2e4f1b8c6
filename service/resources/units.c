/* units.c — GET /v1/units (?kind= &q=), /v1/units/{id}, /v1/units/{id}/measures (?role=). */
#include <stdio.h>
#include <string.h>

#include "../http.h"
#include "../repo.h"
#include "../validate.h"

static void units_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "kind", "q", NULL};
	static const char *const kinds[] = {
	        "department", "county_government", "school", "organisation", "group", NULL};
	const char *kind = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_enum(ctx, "kind", kinds, &kind) < 0)
		return;
	const char *q = http_query(ctx, "q");
	if (q != NULL && (q[0] == '\0' || !validate_utf8_text(q, strlen(q)) || strlen(q) > 200)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?q",
		                   "q must be 1 to 200 bytes of UTF-8 text");
		return;
	}
	const char *filters[] = {kind, q};
	repo_reply_page(ctx, STMT_UNIT_LIST, filters, 2, "units", 1);
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
	static const char *const allowed[] = {"limit", "cursor", "role", NULL};
	static const char *const roles[] = {"lead", "related", NULL};
	long long id;
	const char *role = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_enum(ctx, "role", roles, &role) < 0 || http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0], role};
	enum svc_error err = repo_exists(ctx, STMT_UNIT_EXISTS, 1, params);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	repo_reply_page(ctx, STMT_UNIT_MEASURES, params, 2, "unit-measures", 2);
}

const struct route units_routes[] = {
        {"GET", "/v1/units", units_list, ROUTE_CACHED},
        {"GET", "/v1/units/:id", units_get, ROUTE_CACHED},
        {"GET", "/v1/units/:id/measures", units_measures, ROUTE_CACHED},
        {NULL, NULL, NULL, 0},
};
