/* webhook_worker.h — the background worker of an instance: turns committed changes into
 * deliveries, claims due deliveries (FOR UPDATE SKIP LOCKED and a lease, so any number of
 * instances share the work and none sends a delivery another holds), sends them, records
 * each attempt, retries with exponential backoff and jitter, parks what keeps failing, runs
 * the reminders check and retention. See README, "Webhooks". */
#ifndef ZEREN_WEBHOOK_WORKER_H
#define ZEREN_WEBHOOK_WORKER_H

#include <stddef.h>

#include "app.h"

struct webhook_worker;

/* Starts a worker thread on app (borrowed: it must outlive the worker), with the app's
 * ZEREN_WEBHOOK_* and ZEREN_REMINDER_* settings. NULL with the reason in err. */
struct webhook_worker *webhook_worker_start(struct app *app, char *err, size_t errlen)
        __attribute__((warn_unused_result));

/* Stops the worker and frees it; NULL is a no-op. Deliveries in flight are abandoned as an
 * instance that dies would leave them: their leases run out and a worker sends them again. */
void webhook_worker_stop(struct webhook_worker *w);

/* The retry delay after attempt (1 = the first) failed: base_ms doubled per attempt, capped at
 * max_ms, then a random point in its upper half (jitter from r, 0..1). Pure, for tests. */
long long webhook_backoff_ms(int attempt, int base_ms, int max_ms, double r);

#endif
