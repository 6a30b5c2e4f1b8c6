/* assignments_repo.c — the statements behind POST/DELETE /v1/measures/{id}/assignments. */
#include "assignments_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../validate.h"

static void assignments_finish(struct admin_tx *tx, struct admin_result *out)
{
	if (tx->err != SVC_OK) {
		free(out->json);
		out->json = NULL;
	}
	out->err = tx->err;
	out->detail = tx->detail;
	admin_end(tx);
}

/* Bumps the measure's version, reads it back and writes the audit row. */
static int assignments_close(struct admin_tx *tx, const char *mid, const char *action,
                             const char *before, struct admin_result *out)
{
	const char *p[] = {mid};
	PGresult *r = admin_exec(tx, STMT_MEASURE_TOUCH, 1, p, NULL);
	if (r == NULL)
		return -1;
	PQclear(r);
	if ((out->json = admin_json(tx, STMT_MEASURE_JSON, mid)) == NULL)
		return -1;
	if (admin_audit(tx, action, "measure", mid, before, out->json) != 0)
		return -1;
	return admin_commit(tx);
}

void assignments_repo_create(struct http_ctx *ctx, long long measure_id, const char *if_match,
                             const char *unit, const char *role, json_t *errors,
                             struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char mid[24], uid[24], *before = NULL;
	snprintf(mid, sizeof(mid), "%lld", measure_id);
	if (admin_begin(ctx, errors, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, STMT_MEASURE_LOCK, mid, if_match, "no such measure")) == NULL)
		goto cleanup;
	const char *up[] = {unit};
	PGresult *r = admin_exec(&tx, STMT_UNIT_ID_BY_CODE, 1, up, NULL);
	if (r == NULL)
		goto cleanup;
	int known = PQntuples(r) == 1;
	if (known)
		snprintf(uid, sizeof(uid), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!known) {
		verr_add(errors, "/unit", "unknown unit \"%s\"", unit);
		admin_fail(&tx, SVC_VALIDATION, "the assignment is not valid; nothing was written");
		goto cleanup;
	}
	const char *ip[] = {mid, uid, role};
	if ((r = admin_exec(&tx, STMT_ASSIGNMENT_INSERT, 3, ip, NULL)) == NULL)
		goto cleanup;
	int inserted = PQntuples(r) == 1;
	PQclear(r);
	if (!inserted) {
		admin_fail(&tx, SVC_CONFLICT,
		           "the unit is already assigned to this measure; delete that "
		           "assignment first to change its role");
		goto cleanup;
	}
	assignments_close(&tx, mid, "assignment.create", before, out);
cleanup:
	assignments_finish(&tx, out);
	free(before);
}

void assignments_repo_delete(struct http_ctx *ctx, long long measure_id, long long unit_id,
                             const char *if_match, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_tx tx;
	char mid[24], uid[24], *before = NULL;
	snprintf(mid, sizeof(mid), "%lld", measure_id);
	snprintf(uid, sizeof(uid), "%lld", unit_id);
	if (admin_begin(ctx, NULL, &tx) != 0)
		goto cleanup;
	if ((before = admin_lock(&tx, STMT_MEASURE_LOCK, mid, if_match, "no such measure")) == NULL)
		goto cleanup;
	const char *p[] = {mid, uid};
	PGresult *r = admin_exec(&tx, STMT_ASSIGNMENT_DELETE, 2, p, NULL);
	if (r == NULL)
		goto cleanup;
	int found = PQntuples(r) == 1;
	int last_lead = found && strcmp(PQgetvalue(r, 0, 0), "lead") == 0 &&
	                strcmp(PQgetvalue(r, 0, 1), "0") == 0;
	PQclear(r);
	if (!found) {
		admin_fail(&tx, SVC_NOT_FOUND, "the unit is not assigned to this measure");
		goto cleanup;
	}
	if (last_lead) {
		admin_fail(&tx, SVC_CONFLICT,
		           "a measure needs at least one lead unit; assign another lead first");
		goto cleanup;
	}
	assignments_close(&tx, mid, "assignment.delete", before, out);
cleanup:
	assignments_finish(&tx, out);
	free(before);
}
