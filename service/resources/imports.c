/* imports.c — POST /v1/imports: a whole plan document over HTTP, as `zeren import` loads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http.h"
#include "../idempotency.h"
#include "../import.h"
#include "../tx.h"

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
	struct tx_env env;
	http_tx_env(ctx, &env);
	json_t *report = NULL;
	struct tx_result res;
	/* an unexpected failure is logged once where it is mapped (db_result_error) */
	import_write(&env, NULL, doc, dry_run ? IMPORT_DRY_RUN : IMPORT_COMMIT, &report, &res, NULL,
	             0);
	if (res.err == SVC_OK)
		http_reply_json(ctx, 200, report);
	else
		http_reply_problem(ctx, res.err,
		                   res.detail != NULL ? res.detail
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
