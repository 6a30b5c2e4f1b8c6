/* me.c — GET /v1/me: who the token is and what the policy lets it do, for front ends deciding
 * what to show. The actions come from policy.c's table, so they cannot disagree with what the
 * endpoints then decide. */
#include <stdio.h>

#include "../http.h"
#include "../policy.h"
#include "../repo.h"
#include "me_repo.h"

/* One action: its name, whether the role holds it, how far ("all", the unit scope, or null)
 * and the endpoints it governs. */
static json_t *me_action(enum principal_role role, enum policy_action action)
{
	const struct policy_action_info *info = policy_action_info(action);
	enum policy_grant grant = policy_grant_of(role, action);
	json_t *endpoints = json_array();
	for (size_t i = 0; info->endpoints[i] != NULL; i++)
		json_array_append_new(endpoints, json_string(info->endpoints[i]));
	json_t *scope = grant == POLICY_GRANTED       ? json_string("all")
	                : grant == POLICY_UNIT_SCOPED ? json_string(info->unit_scope)
	                                              : json_null();
	return json_pack("{sssbsoso}", "name", info->name, "allowed", grant != POLICY_DENIED,
	                 "scope", scope, "endpoints", endpoints);
}

/* The measures the token may report on: every measure for a role granted REPORT outright,
 * its unit's for a unit-scoped one, none otherwise; with the list that shows them. */
static json_t *me_measures(enum principal_role role, const struct me_facts *f)
{
	enum policy_grant grant = policy_grant_of(role, POLICY_REPORT);
	if (grant == POLICY_GRANTED)
		return json_pack("{sIss}", "count", (json_int_t)f->all_measures, "href",
		                 "/v1/measures");
	if (grant == POLICY_UNIT_SCOPED && f->unit_id != 0 && f->unit_measures > 0) {
		char href[64];
		snprintf(href, sizeof(href), "/v1/units/%lld/measures", f->unit_id);
		return json_pack("{sIss}", "count", (json_int_t)f->unit_measures, "href", href);
	}
	return json_pack("{sIsn}", "count", (json_int_t)0, "href");
}

static void me_get(struct http_ctx *ctx)
{
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, NULL) != 0)
		return;
	const struct principal *p = &ctx->principal;
	struct me_facts f;
	enum svc_error err = me_repo_read(ctx->app->read_pool, principal_unit(p), &f);
	if (err != SVC_OK) {
		me_repo_free(&f);
		repo_reply_error(ctx, err);
		return;
	}
	json_t *actions = json_array();
	for (int a = 0; a < POLICY_ACTION_COUNT; a++)
		json_array_append_new(actions, me_action(p->role, (enum policy_action)a));
	json_t *body = json_pack("{sssssssOsoso}", "sub", p->sub, "iss", p->iss, "role",
	                         principal_role_name(p->role), "unit",
	                         f.unit != NULL ? f.unit : json_null(), "actions", actions,
	                         "measures", me_measures(p->role, &f));
	me_repo_free(&f);
	/* the answer is the token's own: no shared cache may keep it */
	http_set_header(ctx, "Cache-Control", "private, no-store");
	http_reply_json(ctx, 200, body);
}

const struct route me_routes[] = {
        {"GET", "/v1/me", me_get, 0},
        {NULL, NULL, NULL, 0},
};
