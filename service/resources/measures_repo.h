/* measures_repo.h — admin writes to measures: create (with items and assignments), change
 * (items as a whole array), delete; each one audited transaction. */
#ifndef ZEREN_MEASURES_REPO_H
#define ZEREN_MEASURES_REPO_H

#include <jansson.h>

#include "admin_repo.h"

/* body has passed reference_input_measure(body, 0, ...). */
void measures_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                          struct tx_result *out);
/* body has passed reference_input_measure_patch; it is merged over the current measure and
 * the whole checked. if_match is required. */
void measures_repo_update(const struct tx_env *env, long long id, const char *if_match,
                          json_t *body, json_t *errors, struct tx_result *out);
void measures_repo_delete(const struct tx_env *env, long long id, const char *if_match,
                          struct tx_result *out);

#endif
