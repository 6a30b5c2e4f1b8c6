/* reminders.h — reminders (催办): for every plan, the reports owed for periods due within the
 * plan's warn_days (report.due) or past due (report.overdue) become reminders, each once per
 * measure, unit and period, and so changes in the feed and webhooks. Any number of instances
 * may run the check at once: the database's unique key lets each reminder in once. */
#ifndef ZEREN_REMINDERS_H
#define ZEREN_REMINDERS_H

#include "db.h"
#include "report.h"

/* Runs the check for day today (UTC) on the primary: periods whose due date is from
 * lookback_days before today to each plan's warn_days after it. SVC_OK with *emitted the
 * reminders this call added (0 when another instance got there first), else the database
 * error. */
enum svc_error reminders_run(struct db_pool *pool, report_day today, int lookback_days,
                             long long *emitted) __attribute__((warn_unused_result));

/* Today in UTC, as a report_day. */
report_day reminders_today(void);

#endif
