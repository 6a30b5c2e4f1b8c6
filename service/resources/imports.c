/* imports.c — POST /v1/imports: a whole plan document over HTTP, as `zeren import` loads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../http.h"
#include "../idempotency.h"
#include "../import.h"
#include "../refcache.h"
#include "../repo.h"

static void imports_run(struct http_ctx *ctx, int dry_run)
{
	json_t *doc = http_json_body(ctx);
	if (doc == NULL)
		return;
	json_t *errors = import_validate(doc);
	if (json_array_size(errors) > 0) {
		http_reply_errors(ctx, SVC_VALIDATION,
		                  "the plan document is not valid; nothing was written", errors);
		goto cleanup;
	}
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &c);
	if (err != SVC_OK) {
		repo_reply_error(ctx, err);
		goto cleanup;
	}
	char detail[1024];
	json_t *report = NULL;
	struct import_actor actor = {ctx->principal.iss, ctx->principal.sub,
	                             principal_unit(&ctx->principal), ctx->request_id};
	err = import_apply(c->pg, doc, dry_run, &actor, &report, detail, sizeof(detail));
	db_release(ctx->app->pool, c);
	/* this instance's readers see the import at once, not only after the notice arrives */
	if (err == SVC_OK && !dry_run)
		refcache_invalidate(ctx->app->refcache);
	if (err == SVC_OK)
		http_reply_json(ctx, 200, report);
	else
		http_reply_problem(ctx, err,
		                   err == SVC_CONFLICT ? "the document conflicts with data in use "
		                                         "(for example a target that has progress "
		                                         "values); nothing was written"
		                                       : "the import failed; nothing was written");
cleanup:
	json_decref(errors);
	json_decref(doc);
}

static void imports_create(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"dry_run", NULL};
	int dry_run = 0;
	if (http_authorize(ctx, POLICY_ADMINISTER, NULL) != 0 ||
	    http_query_allow(ctx, allowed) != 0 || http_query_bool(ctx, "dry_run", &dry_run) < 0)
		return;
	struct idem idem;
	if (idem_begin(ctx, "POST /v1/imports", &idem) == IDEM_DONE)
		return;
	imports_run(ctx, dry_run);
	idem_finish(ctx, &idem);
}

const struct route imports_routes[] = {
        {"POST", "/v1/imports", imports_create, 0},
        {NULL, NULL, NULL, 0},
};
