/* progress_repo.h — progress writes, each one transaction: scope set for row-level security,
 * the policy asked with what the database says, the write, its version and audit row. */
#ifndef ZEREN_PROGRESS_REPO_H
#define ZEREN_PROGRESS_REPO_H

#include <jansson.h>

#include "../auth.h"
#include "../progress_input.h"
#include "../tx.h"

/* Each write runs as env's actor (borrowed); who is the same token's principal, asked by the
 * policy once the database has said how the unit and record relate. out is always filled:
 * on success out->json (owned, free it) is the record; otherwise err, a static detail and
 * possibly field errors appended to errors. */

/* POST: writes in as acting_unit (the token's unit for reporters, the body's for admins). */
void progress_repo_create(const struct tx_env *env, const struct principal *who,
                          const struct progress_input *in, const char *acting_unit, json_t *errors,
                          struct tx_result *out);

/* PATCH: if_match must equal the current representation's ETag. */
void progress_repo_amend(const struct tx_env *env, const struct principal *who, long long id,
                         const char *if_match, const struct progress_input *in, json_t *errors,
                         struct tx_result *out);

/* POST .../review: if_match may be NULL. */
void progress_repo_review(const struct tx_env *env, const struct principal *who, long long id,
                          const char *if_match, const char *decision, const char *comment,
                          struct tx_result *out);

#endif
