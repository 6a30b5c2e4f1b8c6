/* reports_http.c — report options read from the query, the read connection, the reply. */
#include "reports_http.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../repo.h"

int reports_read_options(struct http_ctx *ctx, struct reports_options *out)
{
	static const char *const includes[] = {"submitted", NULL};
	memset(out, 0, sizeof(*out));
	out->tolerance_points = ctx->app->cfg.report_tolerance_points;
	const char *as_of = http_query(ctx, "as_of");
	if (as_of != NULL) {
		if (report_date_parse(as_of, &out->as_of) != 0) {
			http_reply_invalid(ctx, SVC_BAD_REQUEST, "?as_of",
			                   "as_of must be a real date written YYYY-MM-DD");
			return -1;
		}
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		out->as_of = report_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	}
	report_date_format(out->as_of, out->as_of_text);
	const char *include = NULL;
	if (http_query_enum(ctx, "include", includes, &include) < 0)
		return -1;
	out->include_submitted = include != NULL;
	return 0;
}

struct db_conn *reports_connect(struct http_ctx *ctx)
{
	struct db_conn *conn = NULL;
	enum svc_error err = reports_repo_connect(ctx->app->read_pool, &conn);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		return NULL;
	}
	return conn;
}

void reports_reply(struct http_ctx *ctx, json_t *body)
{
	char *text = reports_dump(body);
	if (text == NULL) {
		http_reply_problem(ctx, SVC_INTERNAL, "response could not be serialized");
		return;
	}
	http_reply_json_etag(ctx, text, strlen(text));
	free(text);
}
