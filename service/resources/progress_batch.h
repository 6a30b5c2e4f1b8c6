/* progress_batch.h — POST /v1/progress/batch. */
#ifndef ZEREN_PROGRESS_BATCH_H
#define ZEREN_PROGRESS_BATCH_H

#include "../http.h"

void progress_batch(struct http_ctx *ctx);

#endif
