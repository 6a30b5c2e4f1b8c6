/* changes.c — GET /v1/changes: the feed of committed changes, for systems that poll. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "changes_repo.h"

static const char *const changes_entities[] = {"plan",     "task",   "measure", "target", "unit",
                                               "progress", "review", "report",  NULL};

/* Reads ?after=, ?limit= and ?entity= into q; -1 after replying 400. */
static int changes_read_query(struct http_ctx *ctx, struct changes_query *q)
{
	static const char *const allowed[] = {"after", "limit", "entity", NULL};
	if (http_query_allow(ctx, allowed) != 0 || http_query_limit(ctx, &q->limit) != 0 ||
	    http_query_enum(ctx, "entity", changes_entities, &q->entity) < 0)
		return -1;
	const char *after = http_query(ctx, "after");
	if (after == NULL)
		return 0;
	long long keys[2];
	if (cursor_decode(after, CHANGES_CURSOR_KIND, keys, 2) != 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?after",
		                   "after must be a cursor this feed issued");
		return -1;
	}
	q->after.xid = keys[0];
	q->after.id = keys[1];
	q->from_cursor = 1;
	return 0;
}

static void changes_list(struct http_ctx *ctx)
{
	struct changes_query q = {.retention_days = ctx->app->cfg.changes_retention_days};
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || changes_read_query(ctx, &q) != 0)
		return;
	/* the primary: retention writes, and the horizon must be the writers' own */
	struct changes_page page;
	enum svc_error err = changes_repo_page(ctx->app->pool, &q, &page);
	if (err == SVC_GONE) {
		char detail[200];
		snprintf(detail, sizeof(detail),
		         "changes after this cursor are no longer kept (the feed keeps %d days); "
		         "read the feed from its start, without ?after=, and resynchronise",
		         q.retention_days);
		http_reply_problem(ctx, SVC_GONE, detail);
		return;
	}
	if (err != SVC_OK) {
		http_reply_problem(ctx, err,
		                   err == SVC_UNAVAILABLE
		                           ? "the database is not available; retry shortly"
		                           : NULL);
		return;
	}
	char link[CURSOR_TEXT_MAX + 120];
	snprintf(link, sizeof(link), "</v1/changes?after=%s&limit=%d%s%s>; rel=\"next\"",
	         page.next_cursor, q.limit, q.entity != NULL ? "&entity=" : "",
	         q.entity != NULL ? q.entity : "");
	http_set_header(ctx, "Link", link);
	http_set_header(ctx, "Cache-Control", "no-store");
	http_reply_json_owned(ctx, 200, page.body, page.len);
}

const struct route changes_routes[] = {
        {"GET", "/v1/changes", changes_list, 0},
        {NULL, NULL, NULL, 0},
};
