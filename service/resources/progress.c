/* progress.c — /v1/progress: report, read, amend, review and history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain.h"
#include "../http.h"
#include "../idempotency.h"
#include "../progress_input.h"
#include "../repo.h"
#include "../validate.h"
#include "progress_batch.h"
#include "progress_repo.h"

/* Replies a write's outcome: its failure (field errors when there are any, else the detail),
 * or status with the record. Frees the record's JSON. */
static void progress_reply_result(struct http_ctx *ctx, struct tx_result *res, int status,
                                  json_t *errors)
{
	if (res->err != SVC_OK && json_array_size(errors) > 0)
		http_reply_errors(ctx, res->err, res->detail, errors);
	else if (res->err != SVC_OK)
		repo_reply_error_detail(ctx, res->err, res->detail);
	else
		http_reply_json_written(ctx, status, res->json, strlen(res->json));
	free(res->json);
	res->json = NULL;
}

static void progress_reply_invalid(struct http_ctx *ctx, json_t *errors)
{
	http_reply_errors(ctx, SVC_VALIDATION, "the progress record is not valid", errors);
}

static void progress_create_run(struct http_ctx *ctx)
{
	/* Roles that never report are refused before the body is read. */
	struct policy_scope role_only = {.assigned = 1};
	if (http_authorize(ctx, POLICY_REPORT, &role_only) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	struct progress_input in;
	if (progress_input_create(body, "", &in, errors) != 0) {
		progress_reply_invalid(ctx, errors);
		goto cleanup;
	}
	const char *acting = policy_acting_unit(&ctx->principal, in.unit);
	/* Refuse what no database answer could allow before touching it. */
	struct policy_scope early = {.assigned = 1, .acting_unit = acting};
	if (http_authorize(ctx, POLICY_REPORT, &early) != 0)
		goto cleanup;
	if (acting == NULL) {
		http_reply_invalid(ctx, SVC_VALIDATION, "/unit",
		                   "an admin must name the unit the record is for");
		goto cleanup;
	}
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	progress_repo_create(&env, &ctx->principal, &in, acting, errors, &res);
	if (res.err == SVC_OK) {
		char location[64];
		snprintf(location, sizeof(location), "/v1/progress/%lld", res.id);
		http_set_header(ctx, "Location", location);
	}
	progress_reply_result(ctx, &res, 201, errors);
cleanup:
	progress_input_free(&in);
	json_decref(errors);
	json_decref(body);
}

static void progress_create(struct http_ctx *ctx)
{
	if (http_query_allow(ctx, NULL) != 0)
		return;
	struct idem idem;
	if (idem_begin(ctx, "POST /v1/progress", &idem) == IDEM_DONE)
		return;
	progress_create_run(ctx);
	idem_finish(ctx, &idem);
}

static void progress_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "measure_id",
	                                      "unit",  "period", "review_state",
	                                      "since", "count",  NULL};
	long long id;
	const char *state = NULL;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_query_id(ctx, "measure_id", &id) < 0 ||
	    http_query_enum(ctx, "review_state", domain_review_states, &state) < 0)
		return;
	const char *unit = http_query(ctx, "unit"), *period = http_query(ctx, "period");
	const char *since = http_query(ctx, "since");
	if (unit != NULL && !validate_code(unit)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?unit", "unit must be a unit code");
		return;
	}
	if (period != NULL && !validate_period(period, NULL, NULL)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?period",
		                   "period must look like 2022, 2022-H1, 2022-Q3 or 2022-07");
		return;
	}
	if (since != NULL && !validate_timestamp(since)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?since",
		                   "since must be an RFC 3339 timestamp such as "
		                   "2022-07-01T00:00:00Z");
		return;
	}
	const char *filters[] = {http_query(ctx, "measure_id"), unit, period, state, since};
	repo_reply_page(ctx, STMT_PROGRESS_LIST, filters, 5, "progress", 1);
}

static void progress_get(struct http_ctx *ctx)
{
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_PROGRESS_GET, 1, params);
}

static void progress_history(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "count", NULL};
	long long id;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    http_param_id(ctx, 0, &id) != 0)
		return;
	const char *params[] = {ctx->params[0]};
	enum svc_error err = repo_exists(ctx, STMT_PROGRESS_EXISTS, 1, params);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	repo_reply_page(ctx, STMT_PROGRESS_HISTORY, params, 1, "history", 1);
}

static void progress_amend(struct http_ctx *ctx)
{
	long long id;
	if (http_query_allow(ctx, NULL) != 0 || http_param_id(ctx, 0, &id) != 0)
		return;
	const char *if_match = http_header(ctx, "If-Match");
	if (if_match == NULL) {
		http_reply_problem(ctx, SVC_PRECONDITION_REQUIRED,
		                   "send If-Match with the ETag of the record you read");
		return;
	}
	/* Roles that may never amend are refused before the body is read. */
	struct policy_scope early = {.assigned = 1, .record_unit = ctx->principal.unit};
	if (http_authorize(ctx, POLICY_AMEND, &early) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	struct progress_input in;
	if (progress_input_patch(body, &in, errors) != 0) {
		progress_reply_invalid(ctx, errors);
		goto cleanup;
	}
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	progress_repo_amend(&env, &ctx->principal, id, if_match, &in, errors, &res);
	progress_reply_result(ctx, &res, 200, errors);
cleanup:
	progress_input_free(&in);
	json_decref(errors);
	json_decref(body);
}

static void progress_review(struct http_ctx *ctx)
{
	long long id;
	if (http_query_allow(ctx, NULL) != 0 || http_param_id(ctx, 0, &id) != 0)
		return;
	struct policy_scope early = {.lead = 1};
	if (http_authorize(ctx, POLICY_REVIEW, &early) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	const char *decision = NULL, *comment = NULL;
	if (progress_input_review(body, &decision, &comment, errors) != 0) {
		progress_reply_invalid(ctx, errors);
	} else {
		struct tx_env env;
		http_tx_env(ctx, &env);
		struct tx_result res;
		progress_repo_review(&env, &ctx->principal, id, http_header(ctx, "If-Match"),
		                     decision, comment, &res);
		progress_reply_result(ctx, &res, 200, errors);
	}
	json_decref(errors);
	json_decref(body);
}

const struct route progress_routes[] = {
        {"POST", "/v1/progress", progress_create, 0},
        {"GET", "/v1/progress", progress_list, 0},
        {"POST", "/v1/progress/batch", progress_batch, 0},
        {"GET", "/v1/progress/:id", progress_get, 0},
        {"PATCH", "/v1/progress/:id", progress_amend, 0},
        {"GET", "/v1/progress/:id/history", progress_history, 0},
        {"POST", "/v1/progress/:id/review", progress_review, 0},
        {NULL, NULL, NULL, 0},
};
