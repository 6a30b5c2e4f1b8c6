/* measures.c — GET /v1/measures (filters), /v1/measures/{id}, /v1/measures/{id}/targets. */
#include <stdio.h>
#include <string.h>

#include "../http.h"
#include "../repo.h"
#include "../validate.h"
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
	const char *q = http_query(ctx, "q");
	if (q != NULL && (q[0] == '\0' || !validate_utf8_text(q, strlen(q)) || strlen(q) > 200)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?q",
		                   "q must be 1 to 200 bytes of UTF-8 text");
		return;
	}
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

const struct route measures_routes[] = {
        {"GET", "/v1/measures", measures_list, ROUTE_CACHED},
        {"GET", "/v1/measures/:id", measures_get, ROUTE_CACHED},
        {"GET", "/v1/measures/:id/targets", measures_targets, ROUTE_CACHED},
        {NULL, NULL, NULL, 0},
};
