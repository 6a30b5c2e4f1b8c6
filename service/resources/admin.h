/* admin.h — the HTTP side every admin write to reference data shares: the preamble (admin
 * only, no query, :id, If-Match), the body's checks, and the reply of a tx_result. */
#ifndef ZEREN_ADMIN_H
#define ZEREN_ADMIN_H

#include <jansson.h>

#include "../http.h"
#include "../tx.h"
#include "admin_repo.h"

/* Replies a failed write: 400 with errors[] when errors (borrowed, may be NULL) holds field
 * errors, else res's error and detail. */
void admin_reply_failure(struct http_ctx *ctx, const struct tx_result *res, json_t *errors);

/* The common preamble: admin only (403 before anything else), no query parameters, the
 * :id at param 0 when id is not NULL (404), and If-Match when if_match is not NULL (428).
 * Returns -1 after replying. */
int admin_preamble(struct http_ctx *ctx, long long *id, const char **if_match);
/* *if_match from the request; -1 after replying 428 when it is missing. */
int admin_require_if_match(struct http_ctx *ctx, const char **if_match);

/* Checks a body, adding field errors; 0 when valid. */
typedef int (*admin_check_fn)(json_t *body, json_t *errors);

/* One reference resource's admin writes, told apart by this table. */
struct admin_resource {
	const char *name;     /* "plan", for the 400 detail */
	const char *location; /* "/v1/plans/", the created resource's path before its id */
	admin_check_fn check_create, check_update;
	admin_create_fn create;
	admin_update_fn update;
	admin_delete_fn remove;
};

/* Replies a write's result: its failure, or status with the JSON and ETag, plus a Location
 * of location + id when location is not NULL. Frees res->json. */
void admin_reply_result(struct http_ctx *ctx, struct tx_result *res, json_t *errors, int status,
                        const char *location);
/* Replies the 400 for a body r's checks refused. */
void admin_reply_invalid_resource(struct http_ctx *ctx, const struct admin_resource *r,
                                  json_t *errors);

/* POST (201 + Location), PATCH (If-Match, 200) and DELETE (If-Match, 204) of resource r. */
void admin_handle_create(struct http_ctx *ctx, const struct admin_resource *r);
void admin_handle_update(struct http_ctx *ctx, const struct admin_resource *r);
void admin_handle_delete(struct http_ctx *ctx, const struct admin_resource *r);

#endif
