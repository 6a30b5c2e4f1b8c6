/* subscriptions_repo.h — the writes of the webhook admin API, each one transaction with its
 * audit row (which never holds the secret). Reads go through repo.h's page and one-row
 * helpers with the STMT_SUBSCRIPTION_* and STMT_DELIVERY_* statements. */
#ifndef ZEREN_SUBSCRIPTIONS_REPO_H
#define ZEREN_SUBSCRIPTIONS_REPO_H

#include "../tx.h"

/* A subscription to create; all borrowed. */
struct subscription_new {
	const char *url;
	const char *events; /* PostgreSQL array text of checked kinds: {progress.created,*} */
	const char *secret; /* the caller's, or a generated one */
	int active;
};

/* Creates s: out->json (owned) is the subscription as GET returns it plus its secret, the only
 * time the secret is returned. */
void subscriptions_repo_create(const struct tx_env *env, const struct subscription_new *s,
                               struct tx_result *out);
/* Sets subscription id active or not (activating clears its failure record); out->json the
 * subscription (owned); SVC_NOT_FOUND when there is none. */
void subscriptions_repo_set_active(const struct tx_env *env, long long id, int active,
                                   struct tx_result *out);
/* Deletes subscription id with its deliveries; SVC_NOT_FOUND when there is none. */
void subscriptions_repo_delete(const struct tx_env *env, long long id, struct tx_result *out);
/* Queues delivery did of subscription sid to be sent again now; out->json the delivery
 * (owned); SVC_NOT_FOUND when there is no such delivery. */
void subscriptions_repo_retry(const struct tx_env *env, long long sid, long long did,
                              struct tx_result *out);

#endif
