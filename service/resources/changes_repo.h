/* changes_repo.h — the changes feed's statements: retention, then a keyset page of committed
 * changes in an order no later commit can fall behind (see README, "Changes feed"). */
#ifndef ZEREN_CHANGES_REPO_H
#define ZEREN_CHANGES_REPO_H

#include <stddef.h>

#include "../cursor.h"
#include "../db.h"

/* The list kind cursors of the feed carry (cursor.h). */
#define CHANGES_CURSOR_KIND "changes"

/* A position in the feed: the writing transaction's id and the change's id. (0, 0) is before
 * every change. */
struct changes_position {
	long long xid;
	long long id;
};

struct changes_query {
	struct changes_position after;
	int from_cursor;    /* after came from a client's cursor (so it may be gone) */
	const char *entity; /* one entity kind, or NULL for all; borrowed */
	int limit;          /* 1..500 */
	int retention_days; /* ZEREN_CHANGES_RETENTION_DAYS */
};

/* A page as the API returns it. body is owned (free it); next_cursor is the position after the
 * last item, or the query's own position when there were none. */
struct changes_page {
	char *body; /* {"items": [...], "next_cursor": "..."} */
	size_t len;
	char next_cursor[CURSOR_TEXT_MAX];
};

/* Purges changes older than the retention (on the primary, as every instance may), then reads
 * the page. SVC_OK with *out filled; SVC_GONE when retention has removed changes after a
 * client's cursor; the database error otherwise (*out then holds nothing to free). */
enum svc_error changes_repo_page(struct db_pool *pool, const struct changes_query *q,
                                 struct changes_page *out) __attribute__((warn_unused_result));

#endif
