/* reports_http.h — the HTTP side every report, export and measure-progress read shares: the
 * options from the query, a read connection, the reply. */
#ifndef ZEREN_REPORTS_HTTP_H
#define ZEREN_REPORTS_HTTP_H

#include <jansson.h>

#include "../db.h"
#include "../http.h"
#include "reports_repo.h"

/* Reads ?as_of= (default today, UTC) and ?include=; -1 after replying 400 (naming ?as_of or
 * ?include). */
int reports_read_options(struct http_ctx *ctx, struct reports_options *out);

/* reports_repo_connect on ctx->app->read_pool; NULL after replying 503. Return the
 * connection to ctx->app->read_pool. */
struct db_conn *reports_connect(struct http_ctx *ctx);

/* Serializes a report body (stolen) with an ETag and Cache-Control: no-cache. */
void reports_reply(struct http_ctx *ctx, json_t *body);

#endif
