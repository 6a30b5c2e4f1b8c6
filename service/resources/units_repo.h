/* units_repo.h — admin writes to units: create, change, delete, each one audited
 * transaction. */
#ifndef ZEREN_UNITS_REPO_H
#define ZEREN_UNITS_REPO_H

#include <jansson.h>

#include "admin_repo.h"

/* What a write came to: on success json (owned, free it) is the unit as GET shows it, or
 * NULL after a delete; otherwise tx-style err/detail and field errors in the caller's
 * errors array. */
/* body has passed reference_input_unit(body, 0, ...). */
void units_repo_create(const struct tx_env *env, json_t *body, json_t *errors,
                       struct tx_result *out);
/* body has passed reference_input_unit(body, 1, ...); if_match is required. */
void units_repo_update(const struct tx_env *env, long long id, const char *if_match, json_t *body,
                       json_t *errors, struct tx_result *out);
void units_repo_delete(const struct tx_env *env, long long id, const char *if_match,
                       struct tx_result *out);

#endif
