/* me_repo.c — the statement behind GET /v1/me and its row. */
#include "me_repo.h"

#include <stdlib.h>
#include <string.h>

enum svc_error me_repo_read(struct db_pool *pool, const char *unit_code, struct me_facts *out)
{
	memset(out, 0, sizeof(*out));
	struct db_conn *conn = NULL;
	enum svc_error err = db_acquire(pool, &conn);
	if (err != SVC_OK)
		return err;
	const char *p[] = {unit_code != NULL && unit_code[0] != '\0' ? unit_code : NULL};
	PGresult *r = db_exec(conn, STMT_ME_UNIT, 1, p);
	err = db_result_error(conn, r);
	if (err == SVC_OK && PQntuples(r) != 1)
		err = SVC_INTERNAL;
	if (err == SVC_OK) {
		if (!PQgetisnull(r, 0, STMT_ME_UNIT_COL_UNIT_ID)) {
			out->unit_id = atoll(PQgetvalue(r, 0, STMT_ME_UNIT_COL_UNIT_ID));
			out->unit =
			        json_loads(PQgetvalue(r, 0, STMT_ME_UNIT_COL_UNIT_JSON), 0, NULL);
		}
		out->unit_measures = atoll(PQgetvalue(r, 0, STMT_ME_UNIT_COL_UNIT_MEASURES));
		out->all_measures = atoll(PQgetvalue(r, 0, STMT_ME_UNIT_COL_ALL_MEASURES));
		if (out->unit_id != 0 && out->unit == NULL)
			err = SVC_INTERNAL;
	}
	PQclear(r);
	db_release(pool, conn);
	return err;
}

void me_repo_free(struct me_facts *facts)
{
	json_decref(facts->unit);
	memset(facts, 0, sizeof(*facts));
}
