/* repo.c — shared read paths: borrow a read connection, run, map rows to a response. */
#include "repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

void repo_reply_error(struct http_ctx *ctx, enum svc_error err)
{
	switch (err) {
	case SVC_UNAVAILABLE:
		http_reply_problem(ctx, err, "the database is not available; retry shortly");
		break;
	case SVC_NOT_FOUND:
		http_reply_problem(ctx, err, "no such resource");
		break;
	default:
		http_reply_problem(ctx, err, NULL);
	}
}

void repo_reply_error_detail(struct http_ctx *ctx, enum svc_error err, const char *detail)
{
	if (detail == NULL)
		repo_reply_error(ctx, err);
	else
		http_reply_problem(ctx, err, detail);
}

void repo_reply_one(struct http_ctx *ctx, enum db_stmt stmt, int nparams, const char *const *params)
{
	struct db_conn *conn = NULL;
	enum svc_error err = db_acquire(ctx->app->read_pool, &conn);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	PGresult *r = db_exec(conn, stmt, nparams, params);
	err = db_result_error(conn, r);
	if (err == SVC_OK && PQntuples(r) == 0)
		err = SVC_NOT_FOUND;
	if (err == SVC_OK) {
		int col = PQnfields(r) - 1;
		http_reply_json_etag(ctx, PQgetvalue(r, 0, col), (size_t)PQgetlength(r, 0, col));
	} else {
		repo_reply_error(ctx, err);
	}
	PQclear(r);
	db_release(ctx->app->read_pool, conn);
}

enum svc_error repo_exists(struct http_ctx *ctx, enum db_stmt stmt, int nparams,
                           const char *const *params)
{
	struct db_conn *conn = NULL;
	enum svc_error err = db_acquire(ctx->app->read_pool, &conn);
	if (err != SVC_OK)
		return err;
	PGresult *r = db_exec(conn, stmt, nparams, params);
	err = db_result_error(conn, r);
	if (err == SVC_OK && PQntuples(r) == 0)
		err = SVC_NOT_FOUND;
	PQclear(r);
	db_release(ctx->app->read_pool, conn);
	return err;
}

static void repo_url_encode(FILE *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			fputc(*p, out);
		else
			fprintf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

/* One parameter of the next page's link: every one but the cursor, which is replaced. */
static void repo_link_param(const char *name, const char *value, void *arg)
{
	FILE *out = arg;
	if (strcmp(name, "cursor") == 0)
		return;
	repo_url_encode(out, name);
	fputc('=', out);
	repo_url_encode(out, value);
	fputc('&', out);
}

/* The next page's link: the same path and filters with the new cursor. */
char *repo_next_link(struct http_ctx *ctx, const char *cursor)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (out == NULL)
		return NULL;
	fprintf(out, "<%s?", http_path(ctx));
	http_query_each(ctx, repo_link_param, out);
	fprintf(out, "cursor=%s>; rel=\"next\"", cursor);
	fclose(out);
	return buf;
}

/* Writes one item's JSON, through map when there is one. */
static void repo_write_item(FILE *out, const char *text, size_t len, repo_item_map map, void *data)
{
	json_t *item = map != NULL ? json_loadb(text, len, 0, NULL) : NULL;
	char *mapped = NULL;
	if (item != NULL) {
		map(item, data);
		mapped = json_dumps(item,
		                    JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		json_decref(item);
	}
	if (mapped != NULL)
		fputs(mapped, out);
	else
		fwrite(text, 1, len, out);
	free(mapped);
}

/* ?count=true: the list statement itself, all pages of it (no cursor, LIMIT NULL), counted.
 * The text wraps a registered statement's text and nothing else: no request data is in it. */
static const char repo_count_sql[] = "SELECT count(*) FROM (%s) AS list";

/* The rows of every page of stmt with these filters: 0 and *total, or the error. */
static enum svc_error repo_count(struct db_conn *conn, enum db_stmt stmt, const char **params,
                                 int nfilters, int nkeys, long long *total)
{
	const char *sql = db_stmt_table[stmt].sql;
	size_t len = strlen(sql) + sizeof(repo_count_sql);
	char *text = malloc(len);
	if (text == NULL)
		return SVC_INTERNAL;
	snprintf(text, len, repo_count_sql, sql);
	const char *all[16];
	int n = 0;
	for (int i = 0; i < nfilters; i++)
		all[n++] = params[i];
	for (int i = 0; i <= nkeys; i++)
		all[n++] = NULL; /* no cursor keys, no limit */
	PGresult *r = db_exec_text(conn, text, n, all);
	free(text);
	enum svc_error err = db_result_error(conn, r);
	if (err == SVC_OK)
		*total = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return err;
}

/* How a page is written: its cursor kind and keys, size, total (-1: none) and item map. */
struct repo_page {
	const char *kind;
	int nkeys, limit;
	long long total;
	repo_item_map map;
	void *data;
};

/* The page body of the rows r (one more than the limit tells that a next page exists) as a
 * new string (NULL when out of memory); next gets the next cursor, "" on the last page. */
static char *repo_page_body(PGresult *r, const struct repo_page *p, char *next, size_t *len)
{
	int rows = PQntuples(r), shown = rows > p->limit ? p->limit : rows;
	int col = PQnfields(r) - 1;
	char *body = NULL;
	FILE *out = open_memstream(&body, len);
	if (out == NULL)
		return NULL;
	fputs("{\"items\":[", out);
	for (int i = 0; i < shown; i++) {
		if (i > 0)
			fputc(',', out);
		repo_write_item(out, PQgetvalue(r, i, col), (size_t)PQgetlength(r, i, col), p->map,
		                p->data);
	}
	fputs("],\"next_cursor\":", out);
	if (rows > p->limit && shown > 0) {
		long long last[CURSOR_MAX_KEYS];
		for (int k = 0; k < p->nkeys; k++)
			last[k] = atoll(PQgetvalue(r, shown - 1, k));
		cursor_encode(p->kind, last, p->nkeys, next);
		fprintf(out, "\"%s\"", next);
	} else {
		fputs("null", out);
	}
	if (p->total >= 0)
		fprintf(out, ",\"total\":%lld", p->total);
	fputc('}', out);
	fclose(out);
	return body;
}

void repo_reply_page(struct http_ctx *ctx, enum db_stmt stmt, const char *const *filters,
                     int nfilters, const char *kind, int nkeys)
{
	repo_reply_page_map(ctx, stmt, filters, nfilters, kind, nkeys, NULL, NULL);
}

void repo_reply_page_map(struct http_ctx *ctx, enum db_stmt stmt, const char *const *filters,
                         int nfilters, const char *kind, int nkeys, repo_item_map map, void *data)
{
	int limit = 0, count = 0;
	if (http_query_limit(ctx, &limit) != 0 || http_query_bool(ctx, "count", &count) < 0)
		return;
	long long keys[CURSOR_MAX_KEYS] = {0};
	const char *cursor = http_query(ctx, "cursor");
	if (cursor != NULL && cursor_decode(cursor, kind, keys, nkeys) != 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?cursor",
		                   "cursor is not one this list issued");
		return;
	}
	char keytext[CURSOR_MAX_KEYS][24], limtext[16];
	const char *params[16];
	int n = 0;
	for (int i = 0; i < nfilters; i++)
		params[n++] = filters[i];
	for (int i = 0; i < nkeys; i++) {
		snprintf(keytext[i], sizeof(keytext[i]), "%lld", keys[i]);
		params[n++] = cursor != NULL ? keytext[i] : NULL;
	}
	snprintf(limtext, sizeof(limtext), "%d", limit + 1); /* one more tells if a next exists */
	params[n++] = limtext;

	struct db_conn *conn = NULL;
	enum svc_error err = db_acquire(ctx->app->read_pool, &conn);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return;
	}
	long long total = -1;
	if (count)
		err = repo_count(conn, stmt, params, nfilters, nkeys, &total);
	PGresult *r = err == SVC_OK ? db_exec(conn, stmt, n, params) : NULL;
	if (err == SVC_OK)
		err = db_result_error(conn, r);
	if (err != SVC_OK) {
		PQclear(r);
		db_release(ctx->app->read_pool, conn);
		repo_reply_error(ctx, err);
		return;
	}
	char next[CURSOR_TEXT_MAX] = "";
	struct repo_page page = {kind, nkeys, limit, total, map, data};
	size_t len = 0;
	char *body = repo_page_body(r, &page, next, &len);
	PQclear(r);
	db_release(ctx->app->read_pool, conn);
	if (body == NULL) {
		http_reply_problem(ctx, SVC_INTERNAL, "out of memory");
		return;
	}
	if (next[0] != '\0') {
		char *link = repo_next_link(ctx, next);
		if (link != NULL)
			http_set_header(ctx, "Link", link);
		free(link);
	}
	http_set_header(ctx, "Cache-Control", "no-cache");
	http_reply_json_owned(ctx, 200, body, len);
}
