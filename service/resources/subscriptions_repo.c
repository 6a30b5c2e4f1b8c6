/* subscriptions_repo.c — the statements behind POST, PATCH and DELETE /v1/subscriptions and a
 * delivery's retry. */
#include "subscriptions_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The subscription's JSON with the secret added (owned), or NULL when out of memory. */
static char *subscriptions_with_secret(const char *json, const char *secret)
{
	json_t *o = json_loads(json, 0, NULL);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "secret", json_string(secret));
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

void subscriptions_repo_create(const struct tx_env *env, const struct subscription_new *s,
                               struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	struct tx_options opt = {.flags = TX_CONSTRAINT_IS_CONFLICT};
	char id[TX_ID_SIZE];
	char *json = NULL;
	if (tx_begin(&tx, env, &opt) != 0)
		goto cleanup;
	const char *p[] = {s->url, s->events, s->secret, s->active ? "true" : "false",
	                   env->actor.sub};
	if (tx_single(&tx, STMT_SUBSCRIPTION_INSERT, 5, p, NULL, id) != 1)
		goto cleanup;
	if ((json = tx_json(&tx, STMT_SUBSCRIPTION_GET, id)) == NULL ||
	    tx_audit(&tx, "subscription.create", "subscription", id, NULL, json) != 0 ||
	    tx_commit(&tx) != 0)
		goto cleanup;
	out->id = atoll(id);
	if ((out->json = subscriptions_with_secret(json, s->secret)) == NULL)
		tx_fail(&tx, SVC_INTERNAL, NULL);
cleanup:
	free(json);
	tx_end(&tx, out);
}

void subscriptions_repo_set_active(const struct tx_env *env, long long sid, int active,
                                   struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[TX_ID_SIZE], got[TX_ID_SIZE];
	snprintf(id, sizeof(id), "%lld", sid);
	if (tx_begin(&tx, env, NULL) != 0)
		goto cleanup;
	const char *p[] = {id, active ? "true" : "false"};
	int found = tx_single(&tx, STMT_SUBSCRIPTION_SET_ACTIVE, 2, p, NULL, got);
	if (found == 0)
		tx_fail(&tx, SVC_NOT_FOUND, "no such subscription");
	if (found != 1 || (out->json = tx_json(&tx, STMT_SUBSCRIPTION_GET, id)) == NULL ||
	    tx_audit(&tx, "subscription.update", "subscription", id, NULL, out->json) != 0 ||
	    tx_commit(&tx) != 0)
		goto cleanup;
	out->id = sid;
cleanup:
	tx_end(&tx, out);
}

void subscriptions_repo_delete(const struct tx_env *env, long long sid, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[TX_ID_SIZE], got[TX_ID_SIZE];
	snprintf(id, sizeof(id), "%lld", sid);
	if (tx_begin(&tx, env, NULL) != 0)
		goto cleanup;
	const char *p[] = {id};
	int found = tx_single(&tx, STMT_SUBSCRIPTION_DELETE, 1, p, NULL, got);
	if (found == 0)
		tx_fail(&tx, SVC_NOT_FOUND, "no such subscription");
	if (found == 1 &&
	    tx_audit(&tx, "subscription.delete", "subscription", id, NULL, NULL) == 0 &&
	    tx_commit(&tx) == 0)
		out->id = sid;
cleanup:
	tx_end(&tx, out);
}

void subscriptions_repo_retry(const struct tx_env *env, long long sid, long long did,
                              struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char s[TX_ID_SIZE], d[TX_ID_SIZE];
	snprintf(s, sizeof(s), "%lld", sid);
	snprintf(d, sizeof(d), "%lld", did);
	if (tx_begin(&tx, env, NULL) != 0)
		goto cleanup;
	const char *p[] = {s, d};
	PGresult *r = tx_exec(&tx, STMT_DELIVERY_RETRY, 2, p, NULL);
	if (r == NULL)
		goto cleanup;
	if (PQntuples(r) != 1)
		tx_fail(&tx, SVC_NOT_FOUND, "no such delivery of this subscription");
	else if ((out->json = strdup(PQgetvalue(r, 0, STMT_DELIVERY_RETRY_COL_JSON))) == NULL)
		tx_fail(&tx, SVC_INTERNAL, NULL);
	PQclear(r);
	if (out->json != NULL && tx_audit(&tx, "delivery.retry", "delivery", d, NULL, NULL) == 0 &&
	    tx_commit(&tx) == 0)
		out->id = did;
cleanup:
	tx_end(&tx, out);
}
