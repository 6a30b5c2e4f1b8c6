/* tasks_repo.h — admin writes to tasks: create in a plan, change, delete (only without
 * measures); each one audited transaction. */
#ifndef ZEREN_TASKS_REPO_H
#define ZEREN_TASKS_REPO_H

#include <jansson.h>

#include "admin_repo.h"

/* body has passed reference_input_task(body, 0, ...). */
void tasks_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                       struct tx_result *out);
/* body has passed reference_input_task_patch; merged over the current task and the whole
 * checked. if_match is required. */
void tasks_repo_update(const struct tx_env *env, long long id, const char *if_match, json_t *body,
                       json_t *errors, struct tx_result *out);
void tasks_repo_delete(const struct tx_env *env, long long id, const char *if_match,
                       struct tx_result *out);

#endif
