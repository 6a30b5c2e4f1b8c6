/* admin_repo.c — the lookup, insert, closing and delete steps of admin reference writes. */
#include "admin_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int admin_repo_begin(struct tx *tx, const struct tx_env *env, json_t *errors)
{
	const struct tx_options opt = {
	        .flags = TX_REFERENCE_DATA | TX_RESTRICT_IS_CONFLICT,
	        .errors = errors,
	        /* still referenced (ON DELETE RESTRICT) or a unique code taken */
	        .conflict = "the change conflicts with existing data",
	};
	return tx_begin(tx, env, &opt);
}

int admin_repo_lookup(struct tx *tx, enum db_stmt stmt, const char *key, char id[TX_ID_SIZE])
{
	const char *p[] = {key};
	return tx_single(tx, stmt, 1, p, NULL, id);
}

int admin_repo_insert(struct tx *tx, enum db_stmt stmt, int n, const char *const *p,
                      const char *conflict_detail, char id[TX_ID_SIZE])
{
	int created = tx_single(tx, stmt, n, p, conflict_detail, id);
	if (created < 0)
		return -1;
	return created ? 0 : tx_fail(tx, SVC_CONFLICT, conflict_detail);
}

int admin_repo_done(struct tx *tx, enum db_stmt get_stmt, const char *id, const char *action,
                    const char *entity, const char *before, struct tx_result *out)
{
	if ((out->json = tx_json(tx, get_stmt, id)) == NULL)
		return -1;
	if (tx_audit(tx, action, entity, id, before, out->json) != 0 || tx_commit(tx) != 0)
		return -1;
	out->id = atoll(id);
	return 0;
}

json_t *admin_repo_merge(json_t *cur, const char *const *keys, json_t *body)
{
	json_t *merged = json_object();
	for (int i = 0; keys[i] != NULL; i++)
		json_object_set(merged, keys[i], json_object_get(cur, keys[i]));
	json_object_update(merged, body);
	return merged;
}

/* The guard: 0 when the delete may go on, -1 with tx->err set (409 guarded) when not. */
static int admin_repo_guard(struct tx *tx, const struct admin_delete *d, const char *const *p)
{
	if (d->guarded == NULL)
		return 0;
	int refused = tx_exists(tx, d->guard, 1, p);
	if (refused > 0)
		return tx_fail(tx, SVC_CONFLICT, d->guarded);
	return refused;
}

void admin_repo_delete(const struct tx_env *env, const struct admin_delete *d, long long id,
                       const char *if_match, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char ids[TX_ID_SIZE], *before = NULL;
	snprintf(ids, sizeof(ids), "%lld", id);
	const char *p[] = {ids};
	if (admin_repo_begin(&tx, env, NULL) != 0)
		goto cleanup;
	if ((before = tx_lock(&tx, d->lock, ids, if_match, d->not_found)) == NULL)
		goto cleanup;
	if (admin_repo_guard(&tx, d, p) != 0 || tx_run(&tx, d->remove, 1, p, d->in_use) != 0 ||
	    tx_audit(&tx, d->action, d->entity, ids, before, NULL) != 0 || tx_commit(&tx) != 0)
		goto cleanup;
	out->id = id;
cleanup:
	tx_end(&tx, out);
	free(before);
}
