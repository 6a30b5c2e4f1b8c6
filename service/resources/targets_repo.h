/* targets_repo.h — admin writes to targets: create under a measure, change, delete; each one
 * audited transaction. */
#ifndef ZEREN_TARGETS_REPO_H
#define ZEREN_TARGETS_REPO_H

#include <jansson.h>

#include "admin_repo.h"

/* body has passed reference_input_target_patch (the item and references are checked here). */
void targets_repo_create(const struct tx_env *env, long long measure_id, json_t *body,
                         json_t *errors, struct tx_result *out);
/* body is merged over the current target, and the whole checked; if_match is required. */
void targets_repo_update(const struct tx_env *env, long long id, const char *if_match, json_t *body,
                         json_t *errors, struct tx_result *out);
void targets_repo_delete(const struct tx_env *env, long long id, const char *if_match,
                         struct tx_result *out);

#endif
