/* exports.c — GET /v1/exports/plans/{id}/responsibility.csv and .xlsx (and the older
 * /v1/exports/plans/{id}.csv and .xlsx): the responsibility list in the source document's
 * layout (工作任务 · 工作措施 · 工作内容 · 牵头单位 · 相关责任单位) followed by each target's
 * deadline, actual, achievement, colour and the latest progress; the workbook adds a sheet of
 * unit scorecards. One plan is held in memory at a time. And GET
 * /v1/exports/units/{id}/template.xlsx?period=: a unit's report form. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../http.h"
#include "../repo.h"
#include "../validate.h"
#include "exports_form.h"
#include "exports_repo.h"
#include "exports_write.h"
#include "reports_http.h"

/* Writes a workbook to the file at path: 0 on success. */
typedef int (*export_writer)(const void *data, const char *path);

static int export_write_list(const void *data, const char *path)
{
	return export_xlsx_write(data, path);
}

static int export_write_form(const void *data, const char *path)
{
	return export_form_write(data, path);
}

/* Builds the workbook in a temporary file, unlinks it and streams it from the open file. */
static void export_reply_xlsx(struct http_ctx *ctx, export_writer write, const void *data)
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
	int built = write(data, path);
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

/* The list of plan id (checked) in format. */
static void exports_plan_reply(struct http_ctx *ctx, const char *id, enum export_format format)
{
	static const char *const allowed[] = {"as_of", "include", NULL};
	struct export_data d;
	memset(&d, 0, sizeof(d));
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    reports_read_options(ctx, &d.o) != 0)
		return;
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
		export_reply_xlsx(ctx, export_write_list, &d);
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

/* "csv" or "xlsx" as the format; -1 for anything else. */
static int exports_format(const char *ext, enum export_format *out)
{
	if (strcmp(ext, "csv") == 0)
		*out = EXPORT_CSV;
	else if (strcmp(ext, "xlsx") == 0)
		*out = EXPORT_XLSX;
	else
		return -1;
	return 0;
}

/* GET /v1/exports/plans/{id}/responsibility.{csv|xlsx} */
static void exports_plan(struct http_ctx *ctx)
{
	long long id;
	enum export_format format;
	const char *file = ctx->params[1];
	if (strncmp(file, "responsibility.", 15) != 0 || exports_format(file + 15, &format) != 0) {
		http_reply_problem(
		        ctx, SVC_NOT_FOUND,
		        "no such export: ask for responsibility.csv or responsibility.xlsx");
		return;
	}
	if (http_param_id(ctx, 0, &id) != 0)
		return;
	char text[24];
	snprintf(text, sizeof(text), "%lld", id);
	exports_plan_reply(ctx, text, format);
}

/* GET /v1/exports/plans/{id}.csv and .xlsx, the first spelling, kept for existing clients. */
static void exports_plan_file(struct http_ctx *ctx)
{
	const char *file = ctx->params[0], *dot = strrchr(file, '.');
	enum export_format format;
	if (dot == NULL || exports_format(dot + 1, &format) != 0) {
		http_reply_problem(ctx, SVC_NOT_FOUND,
		                   "no such export: ask for {plan id}.csv or {plan id}.xlsx");
		return;
	}
	char id[24];
	snprintf(id, sizeof(id), "%.*s", (int)(dot - file), file);
	if ((size_t)(dot - file) >= sizeof(id) || id[0] < '1' || id[0] > '9' ||
	    strspn(id, "0123456789") != strlen(id) || strlen(id) > 18) {
		http_reply_problem(ctx, SVC_NOT_FOUND, "no such plan");
		return;
	}
	exports_plan_reply(ctx, id, format);
}

/* Who may have unit's form: its own reporters, supervisors and admins. -1 after replying. */
static int exports_form_allowed(struct http_ctx *ctx, const struct export_form *f)
{
	const struct principal *p = &ctx->principal;
	if (p->role == ROLE_SUPERVISOR || p->role == ROLE_ADMIN ||
	    (p->role == ROLE_REPORTER &&
	     strcmp(p->unit, export_form_unit(f, STMT_EXPORT_FORM_UNIT_COL_CODE)) == 0))
		return 0;
	http_reply_problem(ctx, SVC_FORBIDDEN,
	                   p->role == ROLE_READER
	                           ? "a reader has no report form"
	                           : "a reporter gets only its own unit's report form");
	return -1;
}

/* GET /v1/exports/units/{id}/template.xlsx?period= */
static void exports_unit_form(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"period", NULL};
	long long id;
	if (strcmp(ctx->params[1], "template.xlsx") != 0) {
		http_reply_problem(ctx, SVC_NOT_FOUND, "no such export: ask for template.xlsx");
		return;
	}
	if (http_param_id(ctx, 0, &id) != 0 || http_authorize(ctx, POLICY_READ, NULL) != 0 ||
	    http_query_allow(ctx, allowed) != 0)
		return;
	struct export_form f;
	memset(&f, 0, sizeof(f));
	const char *period = http_query(ctx, "period");
	if (period == NULL || strlen(period) >= sizeof(f.period) ||
	    !validate_period(period, f.period_start, f.period_end)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?period",
		                   "period is required: YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM");
		return;
	}
	snprintf(f.period, sizeof(f.period), "%s", period);
	struct reports_options o = {.tolerance_points = ctx->app->cfg.report_tolerance_points};
	char unit_id[24];
	snprintf(unit_id, sizeof(unit_id), "%lld", id);
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	enum svc_error err = export_form_load(conn, unit_id, &o, &f);
	db_release(ctx->app->read_pool, conn);
	if (err == SVC_OK &&
	    strcmp(export_form_unit(&f, STMT_EXPORT_FORM_UNIT_COL_KIND), "group") == 0)
		err = SVC_NOT_FOUND; /* a group never reports: its members do */
	if (err == SVC_NOT_FOUND)
		http_reply_problem(ctx, SVC_NOT_FOUND, "no such reporting unit");
	else if (err == SVC_CONFLICT)
		http_reply_problem(ctx, SVC_CONFLICT,
		                   "a measure has more targets than a form holds");
	else if (err != SVC_OK)
		repo_reply_error(ctx, err);
	else if (exports_form_allowed(ctx, &f) == 0) {
		char disposition[200];
		snprintf(disposition, sizeof(disposition),
		         "attachment; filename=\"%s-%s-template.xlsx\"",
		         export_form_unit(&f, STMT_EXPORT_FORM_UNIT_COL_CODE), f.period);
		http_set_header(ctx, "Content-Disposition", disposition);
		http_set_header(ctx, "Cache-Control", "no-cache");
		export_reply_xlsx(ctx, export_write_form, &f);
	}
	export_form_free(&f);
}

const struct route exports_routes[] = {
        {"GET", "/v1/exports/plans/:id/:file", exports_plan, 0},
        {"GET", "/v1/exports/plans/:file", exports_plan_file, 0},
        {"GET", "/v1/exports/units/:id/:file", exports_unit_form, 0},
        {NULL, NULL, NULL, 0},
};
