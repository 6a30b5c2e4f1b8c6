/* assignments_repo.h — admin writes to a measure's assignments (unit ↔ measure with role
 * lead or related), each one audited transaction on the measure row. */
#ifndef ZEREN_ASSIGNMENTS_REPO_H
#define ZEREN_ASSIGNMENTS_REPO_H

#include <jansson.h>

#include "admin_repo.h"

/* On success json (owned, free it) is the measure as GET /v1/measures/{id} shows it;
 * otherwise err, a static detail and possibly field errors in the caller's errors array. */
/* Appends unit (a code) with role after the measure's assignments; if_match may be NULL. */
void assignments_repo_create(const struct tx_env *env, long long measure_id, const char *if_match,
                             const char *unit, const char *role, json_t *errors,
                             struct tx_result *out);
/* Removes the unit's assignment; if_match (the measure's ETag) is required. */
void assignments_repo_delete(const struct tx_env *env, long long measure_id, long long unit_id,
                             const char *if_match, struct tx_result *out);

#endif
