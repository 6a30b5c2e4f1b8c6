/* progress_batch.c — POST /v1/progress/batch: the rows are read and checked
 * (progress_batch_rows.c), written all or nothing (progress_batch_repo.c), and replied. */
#include "progress_batch.h"

#include "../idempotency.h"
#include "../repo.h"
#include "../tx.h"
#include "progress_batch_repo.h"
#include "progress_batch_rows.h"

/* Writes the rows and replies: 201 with the ids, 200 for a dry run, or the refusal. */
static void batch_write(struct http_ctx *ctx, struct batch_rows *rows, double started,
                        enum batch_mode mode)
{
	struct tx_env env;
	http_tx_env(ctx, &env);
	struct batch_outcome out;
	progress_batch_repo_write(&env, ctx->principal.role, rows, mode, started, &out);
	if (out.res.err != SVC_OK) {
		if (json_array_size(rows->errors) > 0)
			http_reply_errors(ctx, out.res.err, out.res.detail, rows->errors);
		else
			repo_reply_error_detail(ctx, out.res.err, out.res.detail);
	} else if (mode == BATCH_DRY_RUN) {
		http_reply_json(ctx, 200,
		                json_pack("{sbsI}", "dry_run", 1, "rows", (json_int_t)rows->n));
	} else {
		json_t *ids = out.ids != NULL ? out.ids : json_array();
		http_reply_json(ctx, 201,
		                json_pack("{sIso}", "created", (json_int_t)json_array_size(ids),
		                          "ids", ids));
	}
}

static void progress_batch_run(struct http_ctx *ctx, enum batch_mode mode)
{
	double started = batch_now();
	struct batch_rows rows;
	if (batch_rows_read(ctx, &rows) == 0) {
		if (json_array_size(rows.errors) > 0)
			http_reply_errors(ctx, rows.forbidden ? SVC_FORBIDDEN : SVC_VALIDATION,
			                  "some rows are not valid; nothing was written",
			                  rows.errors);
		else
			batch_write(ctx, &rows, started, mode);
	}
	batch_rows_free(&rows);
}

void progress_batch(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"dry_run", NULL};
	int dry_run = 0;
	if (http_query_allow(ctx, allowed) != 0 || http_query_bool(ctx, "dry_run", &dry_run) < 0)
		return;
	/* Readers and supervisors never write progress. */
	struct policy_scope early = {.assigned = 1, .acting_unit = ctx->principal.unit};
	if (http_authorize(ctx, POLICY_REPORT, &early) != 0)
		return;
	struct idem idem;
	if (idem_begin(ctx, "POST /v1/progress/batch", &idem) == IDEM_DONE)
		return;
	progress_batch_run(ctx, dry_run ? BATCH_DRY_RUN : BATCH_COMMIT);
	idem_finish(ctx, &idem);
}
