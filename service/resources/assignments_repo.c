/* assignments_repo.c — the statements behind POST/DELETE /v1/measures/{id}/assignments. */
#include "assignments_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain.h"
#include "../validate.h"

/* Bumps the measure's version, reads it back, writes the audit row and commits. */
static void assignments_close(struct tx *tx, const char *mid, const char *action,
                              const char *before, struct tx_result *out)
{
	const char *p[] = {mid};
	if (tx_run(tx, STMT_MEASURE_TOUCH, 1, p, NULL) == 0)
		admin_repo_done(tx, STMT_MEASURE_JSON, mid, action, "measure", before, out);
}

/* Begins the write and locks measure measure_id (mid gets its id as text): its JSON before the
 * change (owned; NULL with the failure in tx). */
static char *assignments_open(struct tx *tx, const struct tx_env *env, json_t *errors,
                              long long measure_id, const char *if_match, char mid[24])
{
	snprintf(mid, 24, "%lld", measure_id);
	if (admin_repo_begin(tx, env, errors) != 0)
		return NULL;
	return tx_lock(tx, STMT_MEASURE_LOCK, mid, if_match, "no such measure");
}

void assignments_repo_create(const struct tx_env *env, long long measure_id, const char *if_match,
                             const char *unit, const char *role, json_t *errors,
                             struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char mid[24], uid[24];
	char *before = assignments_open(&tx, env, errors, measure_id, if_match, mid);
	if (before == NULL)
		goto cleanup;
	int known = admin_repo_lookup(&tx, STMT_UNIT_ID_BY_CODE, unit, uid);
	if (known <= 0) {
		if (known == 0) {
			verr_add(errors, "/unit", "unknown unit \"%s\"", unit);
			tx_fail(&tx, SVC_VALIDATION,
			        "the assignment is not valid; nothing was written");
		}
		goto cleanup;
	}
	const char *ip[] = {mid, uid, role};
	int inserted = tx_exists(&tx, STMT_ASSIGNMENT_INSERT, 3, ip); /* no row: already there */
	if (inserted <= 0) {
		if (inserted == 0)
			tx_fail(&tx, SVC_CONFLICT,
			        "the unit is already assigned to this measure; delete that "
			        "assignment first to change its role");
		goto cleanup;
	}
	assignments_close(&tx, mid, "assignment.create", before, out);
cleanup:
	tx_end(&tx, out);
	free(before);
}

void assignments_repo_delete(const struct tx_env *env, long long measure_id, long long unit_id,
                             const char *if_match, struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char mid[24], uid[24];
	snprintf(uid, sizeof(uid), "%lld", unit_id);
	char *before = assignments_open(&tx, env, NULL, measure_id, if_match, mid);
	if (before == NULL)
		goto cleanup;
	const char *p[] = {mid, uid};
	PGresult *r = tx_exec(&tx, STMT_ASSIGNMENT_DELETE, 2, p, NULL);
	if (r == NULL)
		goto cleanup;
	int found = PQntuples(r) == 1;
	int last_lead = found &&
	                strcmp(PQgetvalue(r, 0, STMT_ASSIGNMENT_DELETE_COL_ROLE),
	                       domain_roles[DOMAIN_ROLE_LEAD]) == 0 &&
	                strcmp(PQgetvalue(r, 0, STMT_ASSIGNMENT_DELETE_COL_LEADS_LEFT), "0") == 0;
	PQclear(r);
	if (!found) {
		tx_fail(&tx, SVC_NOT_FOUND, "the unit is not assigned to this measure");
		goto cleanup;
	}
	if (last_lead) {
		tx_fail(&tx, SVC_CONFLICT,
		        "a measure needs at least one lead unit; assign another lead first");
		goto cleanup;
	}
	assignments_close(&tx, mid, "assignment.delete", before, out);
cleanup:
	tx_end(&tx, out);
	free(before);
}
