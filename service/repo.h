/* repo.h — running read statements and turning their rows into responses: one resource, a
 * page of a list, existence checks. */
#ifndef ZEREN_REPO_H
#define ZEREN_REPO_H

#include "db.h"
#include "http.h"

/* The statement returns at most one row whose last column is the resource's JSON: replies 200
 * with an ETag (or 304), 404 when there is no row, 503/500 on database trouble. */
void repo_reply_one(struct http_ctx *ctx, enum db_stmt stmt, int nparams,
                    const char *const *params);

/* A keyset page. The statement's parameters end with the nkeys cursor keys (NULL on the first
 * page) and the row limit; its rows are nkeys integer sort keys then the JSON. Reads ?cursor=
 * and ?limit= itself; params holds the filters (nfilters) and is extended here. */
void repo_reply_page(struct http_ctx *ctx, enum db_stmt stmt, const char *const *filters,
                     int nfilters, const char *kind, int nkeys);

/* repo_reply_page with each item's JSON passed through map (which may change it in place)
 * before it is written; data is map's. */
typedef void (*repo_item_map)(json_t *item, void *data);
void repo_reply_page_map(struct http_ctx *ctx, enum db_stmt stmt, const char *const *filters,
                         int nfilters, const char *kind, int nkeys, repo_item_map map, void *data);

/* The Link header value for the next page of this request's list: the same path and
 * parameters with ?cursor= replaced. Caller frees; NULL on allocation failure. */
char *repo_next_link(struct http_ctx *ctx, const char *cursor);

/* SVC_OK when the statement returns a row, SVC_NOT_FOUND when not, else the database error. */
enum svc_error repo_exists(struct http_ctx *ctx, enum db_stmt stmt, int nparams,
                           const char *const *params) __attribute__((warn_unused_result));

/* Replies the problem for a database-side error code with a fitting detail. */
void repo_reply_error(struct http_ctx *ctx, enum svc_error err);
/* Same, with the caller's detail when it has one (NULL: the default for err). */
void repo_reply_error_detail(struct http_ctx *ctx, enum svc_error err, const char *detail);

#endif
