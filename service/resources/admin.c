/* admin.c — the handler steps of admin reference writes: preamble, checks, reply. */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../repo.h"

void admin_reply_failure(struct http_ctx *ctx, const struct tx_result *res, json_t *errors)
{
	if (errors != NULL && json_array_size(errors) > 0) {
		http_reply_errors(ctx, SVC_VALIDATION,
		                  res->detail != NULL
		                          ? res->detail
		                          : "the request is not valid; nothing was written",
		                  errors);
		return;
	}
	repo_reply_error_detail(ctx, res->err, res->detail);
}

int admin_preamble(struct http_ctx *ctx, long long *id, const char **if_match)
{
	if (http_authorize(ctx, POLICY_ADMINISTER, NULL) != 0 || http_query_allow(ctx, NULL) != 0)
		return -1;
	if (id != NULL && http_param_id(ctx, 0, id) != 0)
		return -1;
	return if_match != NULL ? admin_require_if_match(ctx, if_match) : 0;
}

int admin_require_if_match(struct http_ctx *ctx, const char **if_match)
{
	*if_match = http_header(ctx, "If-Match");
	if (*if_match == NULL) {
		http_reply_problem(ctx, SVC_PRECONDITION_REQUIRED,
		                   "send If-Match with the ETag of the resource you read");
		return -1;
	}
	return 0;
}

void admin_reply_result(struct http_ctx *ctx, struct tx_result *res, json_t *errors, int status,
                        const char *location)
{
	if (res->err != SVC_OK) {
		admin_reply_failure(ctx, res, errors);
		return;
	}
	if (location != NULL) {
		char path[96];
		snprintf(path, sizeof(path), "%s%lld", location, res->id);
		http_set_header(ctx, "Location", path);
	}
	http_reply_json_written(ctx, status, res->json, strlen(res->json));
	free(res->json);
	res->json = NULL;
}

void admin_reply_invalid_resource(struct http_ctx *ctx, const struct admin_resource *r,
                                  json_t *errors)
{
	char detail[96];
	snprintf(detail, sizeof(detail), "the %s is not valid; nothing was written", r->name);
	http_reply_errors(ctx, SVC_VALIDATION, detail, errors);
}

/* Reads and checks the body, then runs the write: the part create and update share. */
static void admin_handle_write(struct http_ctx *ctx, const struct admin_resource *r, long long id,
                               const char *if_match)
{
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	json_t *errors = json_array();
	int creating = if_match == NULL;
	if ((creating ? r->check_create : r->check_update)(body, errors) != 0) {
		admin_reply_invalid_resource(ctx, r, errors);
	} else {
		struct tx_env env;
		http_tx_env(ctx, &env);
		struct tx_result res;
		if (creating)
			r->create(&env, body, errors, &res);
		else
			r->update(&env, id, if_match, body, errors, &res);
		admin_reply_result(ctx, &res, errors, creating ? 201 : 200,
		                   creating ? r->location : NULL);
	}
	json_decref(errors);
	json_decref(body);
}

void admin_handle_create(struct http_ctx *ctx, const struct admin_resource *r)
{
	if (admin_preamble(ctx, NULL, NULL) == 0)
		admin_handle_write(ctx, r, 0, NULL);
}

void admin_handle_update(struct http_ctx *ctx, const struct admin_resource *r)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) == 0)
		admin_handle_write(ctx, r, id, if_match);
}

void admin_handle_delete(struct http_ctx *ctx, const struct admin_resource *r)
{
	long long id;
	const char *if_match = NULL;
	if (admin_preamble(ctx, &id, &if_match) != 0)
		return;
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	r->remove(&env, id, if_match, &res);
	if (res.err != SVC_OK)
		admin_reply_result(ctx, &res, NULL, 0, NULL);
	else
		http_reply_empty(ctx, 204);
}
