/* progress_batch_repo.h — a batch's write: the checked rows copied into staging tables,
 * checked against the database and written all or nothing with set-based statements in one
 * transaction. */
#ifndef ZEREN_PROGRESS_BATCH_REPO_H
#define ZEREN_PROGRESS_BATCH_REPO_H

#include <jansson.h>

#include "../auth.h"
#include "../tx.h"
#include "progress_batch_rows.h"

/* Whether the batch is kept or, every check and write having run, undone. */
enum batch_mode { BATCH_COMMIT, BATCH_DRY_RUN };

/* What a batch write came to: res.err SVC_OK with ids (owned, the new records' ids; NULL on
 * a dry run), or the error, its detail and the rows' problems added to rows->errors. */
struct batch_outcome {
	struct tx_result res;
	json_t *ids;
};

/* Writes rows (every one valid) as env's actor, whose role is role; started is when the
 * request began (batch_now), for the timings logged. */
void progress_batch_repo_write(const struct tx_env *env, enum principal_role role,
                               struct batch_rows *rows, enum batch_mode mode, double started,
                               struct batch_outcome *out);

/* A monotonic clock in seconds, for the batch's timings. */
double batch_now(void);

#endif
