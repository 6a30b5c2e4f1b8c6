/* subscriptions.c — webhooks' admin API: POST/GET /v1/subscriptions, GET/PATCH/DELETE
 * /v1/subscriptions/{id}, GET /v1/subscriptions/{id}/deliveries and
 * POST /v1/subscriptions/{id}/deliveries/{did}/retry. Admin only, reads included: URLs and
 * delivery bodies are the plan's data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../repo.h"
#include "../validate.h"
#include "../webhook_sign.h"
#include "../webhook_url.h"
#include "admin.h"
#include "subscriptions_repo.h"

/* The event kinds a subscription may name (besides "*"): the feed's entity.action pairs. */
static const char *const subscriptions_events[] = {"plan.created",
                                                   "plan.updated",
                                                   "plan.deleted",
                                                   "task.created",
                                                   "task.updated",
                                                   "task.deleted",
                                                   "measure.created",
                                                   "measure.updated",
                                                   "measure.deleted",
                                                   "target.created",
                                                   "target.updated",
                                                   "target.deleted",
                                                   "unit.created",
                                                   "unit.updated",
                                                   "unit.deleted",
                                                   "progress.created",
                                                   "progress.amended",
                                                   "review.approved",
                                                   "review.returned",
                                                   "report.due",
                                                   "report.overdue",
                                                   "*",
                                                   NULL};

#define SUBSCRIPTIONS_MAX_EVENTS 64

/* Checks events (an array of known kinds) and writes it as array text into out; field errors
 * go to errors. */
static void subscriptions_events_text(json_t *events, char *out, size_t size, json_t *errors)
{
	size_t n = json_array_size(events);
	if (!json_is_array(events) || n == 0 || n > SUBSCRIPTIONS_MAX_EVENTS) {
		verr_add(errors, "/events", "must be a list of 1 to 64 event kinds, or [\"*\"]");
		return;
	}
	size_t used = (size_t)snprintf(out, size, "{");
	for (size_t i = 0; i < n; i++) {
		const char *e = json_string_value(json_array_get(events, i));
		if (e == NULL || !validate_enum(e, subscriptions_events)) {
			verr_add(errors, "/events",
			         "event %zu is not a kind of change (entity.action, "
			         "e.g. progress.created, report.due) nor *",
			         i);
			return;
		}
		used += (size_t)snprintf(out + used, size - used, "%s%s", i > 0 ? "," : "", e);
	}
	snprintf(out + used, size - used, "}");
}

/* The secret: the body's (16 to 200 printable ASCII characters) or a new one in made. */
static const char *subscriptions_secret(json_t *body, char made[WEBHOOK_SECRET_SIZE],
                                        json_t *errors)
{
	const char *s = validate_string_member(body, "secret", VALIDATE_OPTIONAL, 200, "", errors);
	if (s == NULL)
		return json_object_get(body, "secret") == NULL && webhook_secret_new(made) == 0
		               ? made
		               : NULL;
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			len = 0;
	if (len < 16) {
		verr_add(errors, "/secret", "must be 16 to 200 printable ASCII characters");
		return NULL;
	}
	return s;
}

/* Reads and checks a new subscription into s (events text in events); -1 after replying. */
static int subscriptions_read(struct http_ctx *ctx, json_t *body, struct subscription_new *s,
                              char *events, size_t size, char secret[WEBHOOK_SECRET_SIZE])
{
	static const char *const known[] = {"url", "events", "secret", "active", NULL};
	json_t *errors = json_array();
	validate_known_members(body, known, "", errors);
	s->url =
	        validate_string_member(body, "url", VALIDATE_REQUIRED, WEBHOOK_URL_MAX, "", errors);
	subscriptions_events_text(json_object_get(body, "events"), events, size, errors);
	s->events = events;
	s->secret = subscriptions_secret(body, secret, errors);
	json_t *active = json_object_get(body, "active");
	if (active != NULL && !json_is_boolean(active))
		verr_add(errors, "/active", "must be true or false");
	s->active = active == NULL || json_is_true(active);
	const char *why = NULL;
	int rc = -1;
	if (json_array_size(errors) > 0)
		http_reply_errors(ctx, SVC_VALIDATION, "the subscription is not valid", errors);
	else if (webhook_url_check(ctx->app->cfg.webhook_allowed_hosts, s->url, &why) != 0 ||
	         webhook_url_resolves(s->url, &why) != 0)
		http_reply_invalid(ctx, SVC_UNPROCESSABLE, "/url", why);
	else
		rc = 0;
	json_decref(errors);
	return rc;
}

static void subscriptions_create(struct http_ctx *ctx)
{
	if (admin_preamble(ctx, NULL, NULL) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	char events[SUBSCRIPTIONS_MAX_EVENTS * 24], secret[WEBHOOK_SECRET_SIZE];
	struct subscription_new s;
	if (!json_is_object(body)) {
		http_reply_invalid(ctx, SVC_VALIDATION, "", "must be a JSON object");
	} else if (subscriptions_read(ctx, body, &s, events, sizeof(events), secret) == 0) {
		struct tx_env env;
		http_tx_env(ctx, &env);
		struct tx_result res;
		subscriptions_repo_create(&env, &s, &res);
		admin_reply_result(ctx, &res, NULL, 201, "/v1/subscriptions/");
	}
	json_decref(body);
}

static void subscriptions_list(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", NULL};
	if (http_authorize(ctx, POLICY_ADMINISTER, NULL) != 0 ||
	    http_query_allow(ctx, allowed) != 0)
		return;
	http_set_header(ctx, "Cache-Control", "no-store");
	repo_reply_page(ctx, STMT_SUBSCRIPTION_LIST, NULL, 0, "subscriptions", 1);
}

static void subscriptions_get(struct http_ctx *ctx)
{
	long long id;
	if (admin_preamble(ctx, &id, NULL) != 0)
		return;
	const char *p[] = {ctx->params[0]};
	repo_reply_one(ctx, STMT_SUBSCRIPTION_GET, 1, p);
}

static void subscriptions_update(struct http_ctx *ctx)
{
	long long id;
	if (admin_preamble(ctx, &id, NULL) != 0)
		return;
	json_t *body = http_json_body(ctx);
	if (body == NULL)
		return;
	static const char *const known[] = {"active", NULL};
	json_t *errors = json_array();
	validate_known_members(body, known, "", errors);
	json_t *active = json_object_get(body, "active");
	if (!json_is_boolean(active))
		verr_add(errors, "/active", "must be true or false");
	if (json_array_size(errors) > 0) {
		http_reply_errors(ctx, SVC_VALIDATION, "the change is not valid", errors);
	} else {
		struct tx_env env;
		http_tx_env(ctx, &env);
		struct tx_result res;
		subscriptions_repo_set_active(&env, id, json_is_true(active), &res);
		admin_reply_result(ctx, &res, NULL, 200, NULL);
	}
	json_decref(errors);
	json_decref(body);
}

static void subscriptions_delete(struct http_ctx *ctx)
{
	long long id;
	if (admin_preamble(ctx, &id, NULL) != 0)
		return;
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	subscriptions_repo_delete(&env, id, &res);
	if (res.err != SVC_OK)
		admin_reply_failure(ctx, &res, NULL);
	else
		http_reply_empty(ctx, 204);
}

static void subscriptions_deliveries(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"limit", "cursor", "state", NULL};
	static const char *const states[] = {"pending", "delivered", "failed", NULL};
	long long id;
	const char *state = NULL;
	if (http_authorize(ctx, POLICY_ADMINISTER, NULL) != 0 ||
	    http_query_allow(ctx, allowed) != 0 || http_param_id(ctx, 0, &id) != 0 ||
	    http_query_enum(ctx, "state", states, &state) < 0)
		return;
	const char *p[] = {ctx->params[0], state};
	enum svc_error err = repo_exists(ctx, STMT_SUBSCRIPTION_GET, 1, p);
	if (err != SVC_OK) {
		repo_reply_error_detail(ctx, err,
		                        err == SVC_NOT_FOUND ? "no such subscription" : NULL);
		return;
	}
	http_set_header(ctx, "Cache-Control", "no-store");
	repo_reply_page(ctx, STMT_DELIVERY_LIST, p, 2, "deliveries", 1);
}

static void subscriptions_retry(struct http_ctx *ctx)
{
	long long id, did;
	if (admin_preamble(ctx, &id, NULL) != 0 || http_param_id(ctx, 1, &did) != 0)
		return;
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct tx_result res;
	subscriptions_repo_retry(&env, id, did, &res);
	if (res.err != SVC_OK) {
		admin_reply_failure(ctx, &res, NULL);
		return;
	}
	http_reply_json_text(ctx, 202, res.json, strlen(res.json));
	free(res.json);
}

const struct route subscriptions_routes[] = {
        {"POST", "/v1/subscriptions", subscriptions_create, 0},
        {"GET", "/v1/subscriptions", subscriptions_list, 0},
        {"GET", "/v1/subscriptions/:id", subscriptions_get, 0},
        {"PATCH", "/v1/subscriptions/:id", subscriptions_update, 0},
        {"DELETE", "/v1/subscriptions/:id", subscriptions_delete, 0},
        {"GET", "/v1/subscriptions/:id/deliveries", subscriptions_deliveries, 0},
        {"POST", "/v1/subscriptions/:id/deliveries/:did/retry", subscriptions_retry, 0},
        {NULL, NULL, NULL, 0},
};
