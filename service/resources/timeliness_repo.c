/* timeliness_repo.c — who owes what for a period, one statement. */
#include "timeliness_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum svc_error timeliness_repo_items(struct db_conn *conn, long long plan_id,
                                     const struct report_period *p, const char *as_of, char **out)
{
	*out = NULL;
	char plan[24], due[11];
	snprintf(plan, sizeof(plan), "%lld", plan_id);
	report_date_format(p->due, due);
	const char *params[] = {plan, p->label, due, as_of};
	PGresult *r = db_exec(conn, STMT_REMINDER_TIMELINESS, 4, params);
	enum svc_error err = db_result_error(conn, r);
	if (err == SVC_OK && PQntuples(r) != 1)
		err = SVC_INTERNAL;
	if (err == SVC_OK &&
	    (*out = strdup(PQgetvalue(r, 0, STMT_REMINDER_TIMELINESS_COL_JSON))) == NULL)
		err = SVC_INTERNAL;
	PQclear(r);
	return err;
}
