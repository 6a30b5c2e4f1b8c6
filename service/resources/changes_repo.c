/* changes_repo.c — the statements behind GET /v1/changes and their rows as the page's JSON. */
#include "changes_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs retention's purge; *gone is set when it has removed changes after q's position. */
static enum svc_error changes_purge(struct db_conn *c, const struct changes_query *q, int *gone)
{
	char days[16];
	snprintf(days, sizeof(days), "%d", q->retention_days);
	const char *p[] = {days};
	PGresult *r = db_exec(c, STMT_CHANGES_PURGE, 1, p);
	enum svc_error err = db_result_error(c, r);
	if (err == SVC_OK && PQntuples(r) != 1)
		err = SVC_INTERNAL;
	if (err == SVC_OK && q->from_cursor) {
		long long px = atoll(PQgetvalue(r, 0, STMT_CHANGES_PURGE_COL_XID));
		long long pid = atoll(PQgetvalue(r, 0, STMT_CHANGES_PURGE_COL_ID));
		*gone = q->after.xid < px || (q->after.xid == px && q->after.id < pid);
	}
	PQclear(r);
	return err;
}

/* Writes the rows of r as the page's items, each with its cursor first, and the next cursor. */
static enum svc_error changes_write_page(const PGresult *r, const struct changes_query *q,
                                         struct changes_page *out)
{
	FILE *f = open_memstream(&out->body, &out->len);
	if (f == NULL)
		return SVC_INTERNAL;
	struct changes_position last = q->after;
	char cursor[CURSOR_TEXT_MAX];
	fputs("{\"items\":[", f);
	for (int i = 0; i < PQntuples(r); i++) {
		last.xid = atoll(PQgetvalue(r, i, STMT_CHANGES_PAGE_COL_XID));
		last.id = atoll(PQgetvalue(r, i, STMT_CHANGES_PAGE_COL_ID));
		long long keys[] = {last.xid, last.id};
		cursor_encode(CHANGES_CURSOR_KIND, keys, 2, cursor);
		/* the statement's object always opens with '{': the cursor goes in front */
		const char *json = PQgetvalue(r, i, STMT_CHANGES_PAGE_COL_JSON);
		fprintf(f, "%s{\"cursor\":\"%s\",%s", i > 0 ? "," : "", cursor, json + 1);
	}
	long long keys[] = {last.xid, last.id};
	cursor_encode(CHANGES_CURSOR_KIND, keys, 2, out->next_cursor);
	fprintf(f, "],\"next_cursor\":\"%s\"}", out->next_cursor);
	if (fclose(f) != 0 || out->body == NULL) {
		free(out->body);
		out->body = NULL;
		return SVC_INTERNAL;
	}
	return SVC_OK;
}

enum svc_error changes_repo_page(struct db_pool *pool, const struct changes_query *q,
                                 struct changes_page *out)
{
	memset(out, 0, sizeof(*out));
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(pool, &c);
	if (err != SVC_OK)
		return err;
	PGresult *r = NULL;
	int gone = 0;
	if ((err = changes_purge(c, q, &gone)) != SVC_OK)
		goto cleanup;
	if (gone) {
		err = SVC_GONE;
		goto cleanup;
	}
	char xid[24], id[24], limit[16];
	snprintf(xid, sizeof(xid), "%lld", q->after.xid);
	snprintf(id, sizeof(id), "%lld", q->after.id);
	snprintf(limit, sizeof(limit), "%d", q->limit);
	const char *p[] = {xid, id, limit, q->entity};
	if (q->entity != NULL)
		r = db_exec(c, STMT_CHANGES_PAGE_ENTITY, 4, p);
	else
		r = db_exec(c, STMT_CHANGES_PAGE, 3, p);
	if ((err = db_result_error(c, r)) == SVC_OK)
		err = changes_write_page(r, q, out);
cleanup:
	PQclear(r);
	db_release(pool, c);
	return err;
}
