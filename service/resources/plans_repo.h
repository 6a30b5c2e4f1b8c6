/* plans_repo.h — admin writes to plans: create, change, delete (only without tasks); each
 * one audited transaction. */
#ifndef ZEREN_PLANS_REPO_H
#define ZEREN_PLANS_REPO_H

#include <jansson.h>

#include "admin_repo.h"

/* body has passed reference_input_plan. */
void plans_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                       struct tx_result *out);
/* body has passed reference_input_plan_patch; merged over the current plan and the whole
 * checked. if_match is required. */
void plans_repo_update(const struct tx_env *env, long long id, const char *if_match, json_t *body,
                       json_t *errors, struct tx_result *out);
void plans_repo_delete(const struct tx_env *env, long long id, const char *if_match,
                       struct tx_result *out);

#endif
