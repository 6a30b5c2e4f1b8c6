/* exports.c — GET /v1/exports/plans/{id}.csv and .xlsx: the responsibility list in the
 * source document's layout (工作任务 · 工作措施 · 工作内容 · 牵头单位 · 相关责任单位) followed
 * by each target's deadline, actual, achievement, colour and the latest progress; the
 * workbook adds a sheet of unit scorecards. One plan is held in memory at a time. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../http.h"
#include "../repo.h"
#include "exports_repo.h"
#include "exports_write.h"
#include "reports_http.h"

/* Builds the workbook in a temporary file, unlinks it and streams it from the open file. */
static void export_reply_xlsx(struct http_ctx *ctx, const struct export_data *d)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/zeren-export-XXXXXX.xlsx",
	         dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	int fd = mkstemps(path, 5);
	if (fd < 0) {
		http_reply_problem(ctx, SVC_INTERNAL, "the workbook could not be written");
		return;
	}
	close(fd);
	int built = export_xlsx_write(d, path);
	fd = built == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	unlink(path);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 ||
	    http_reply_file(ctx, 200,
	                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fd,
	                    (size_t)sb.st_size) != 0)
		http_reply_problem(ctx, SVC_INTERNAL, "the workbook could not be written");
}

/* --- handler --- */

static void exports_plan(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"as_of", "include", NULL};
	const char *file = ctx->params[0], *dot = strrchr(file, '.');
	enum export_format format =
	        dot != NULL && strcmp(dot, ".xlsx") == 0 ? EXPORT_XLSX : EXPORT_CSV;
	if (dot == NULL || (format == EXPORT_CSV && strcmp(dot, ".csv") != 0)) {
		http_reply_problem(ctx, SVC_NOT_FOUND,
		                   "no such export: ask for {plan id}.csv or {plan id}.xlsx");
		return;
	}
	char id[24];
	long long parsed;
	snprintf(id, sizeof(id), "%.*s", (int)(dot - file), file);
	struct export_data d;
	memset(&d, 0, sizeof(d));
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    reports_read_options(ctx, &d.o) != 0)
		return;
	char *end = NULL;
	parsed = strtoll(id, &end, 10);
	if ((size_t)(dot - file) >= sizeof(id) || id[0] < '1' || id[0] > '9' || *end != '\0' ||
	    parsed <= 0) {
		http_reply_problem(ctx, SVC_NOT_FOUND, "no such plan");
		return;
	}
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	enum svc_error err = export_data_load(conn, id, format, &d);
	db_release(ctx->app->read_pool, conn);
	if (err != SVC_OK) {
		if (err == SVC_NOT_FOUND)
			http_reply_problem(ctx, SVC_NOT_FOUND, "no such plan");
		else
			repo_reply_error(ctx, err);
		export_data_free(&d);
		return;
	}
	char disposition[200];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s-%s.%s\"", d.plan.code,
	         d.o.as_of_text, format == EXPORT_XLSX ? "xlsx" : "csv");
	http_set_header(ctx, "Content-Disposition", disposition);
	http_set_header(ctx, "Cache-Control", "no-cache");
	if (format == EXPORT_XLSX) {
		export_reply_xlsx(ctx, &d);
	} else {
		char *body = NULL;
		size_t len = 0;
		if (export_csv_write(&d, &body, &len) == 0)
			http_reply_body(ctx, 200, "text/csv; charset=utf-8", body, len);
		else
			http_reply_problem(ctx, SVC_INTERNAL, "the CSV could not be written");
		free(body);
	}
	export_data_free(&d);
}

const struct route exports_routes[] = {
        {"GET", "/v1/exports/plans/:file", exports_plan, 0},
        {NULL, NULL, NULL, 0},
};
