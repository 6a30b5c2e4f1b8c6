/* progress_repo.h — progress writes, each one transaction: scope set for row-level security,
 * the policy asked with what the database says, the write, its version and audit row. */
#ifndef ZEREN_PROGRESS_REPO_H
#define ZEREN_PROGRESS_REPO_H

#include <jansson.h>

#include "../http.h"
#include "../progress_input.h"

/* What a write came to. On success json (owned, free it) is the record; otherwise err,
 * a static detail and possibly field errors appended to the caller's errors array. */
struct progress_result {
	enum svc_error err;
	const char *detail;
	char *json;
	long long id;
};

/* POST: writes in as acting_unit (the token's unit for reporters, the body's for admins). */
void progress_repo_create(struct http_ctx *ctx, const struct progress_input *in,
                          const char *acting_unit, json_t *errors, struct progress_result *out);

/* PATCH: if_match must equal the current representation's ETag. */
void progress_repo_amend(struct http_ctx *ctx, long long id, const char *if_match,
                         const struct progress_input *in, json_t *errors,
                         struct progress_result *out);

/* POST .../review: if_match may be NULL. */
void progress_repo_review(struct http_ctx *ctx, long long id, const char *if_match,
                          const char *decision, const char *comment, struct progress_result *out);

#endif
