/* timeliness_repo.h — the statement behind GET /v1/reports/timeliness: every unit and measure
 * expected to report for one period of a plan, with its state and the reminders sent. */
#ifndef ZEREN_TIMELINESS_REPO_H
#define ZEREN_TIMELINESS_REPO_H

#include "../db.h"
#include "../report.h"

/* The items of plan_id's period p on day as_of ("YYYY-MM-DD"), as a JSON array (owned by the
 * caller, in *out), the owing first. SVC_OK or the database error (*out NULL). */
enum svc_error timeliness_repo_items(struct db_conn *conn, long long plan_id,
                                     const struct report_period *p, const char *as_of, char **out)
        __attribute__((warn_unused_result));

#endif
