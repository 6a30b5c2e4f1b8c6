/* db_tx.c — transactions (BEGIN, COMMIT with its LSN, ROLLBACK) and the consistency a
 * request asks for: the LSN its reads must see and the one its writes reached. */
#include "db_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

_Thread_local db_lsn db_tls_required;
_Thread_local db_lsn db_tls_committed;

void db_request_begin(db_lsn required)
{
	db_tls_required = required;
	db_tls_committed = 0;
}

void db_request_require(db_lsn required)
{
	if (required > db_tls_required)
		db_tls_required = required;
}

db_lsn db_request_required(void)
{
	return db_tls_required;
}

db_lsn db_request_commit_lsn(void)
{
	return db_tls_committed;
}

/* 1 to 8 hex digits up to stop; the position after them, or NULL. */
static const char *db_hex32(const char *p, char stop, unsigned long long *out)
{
	int digits = 0;
	*out = 0;
	for (; *p != stop; p++, digits++) {
		int c = (unsigned char)*p;
		if (!isxdigit(c) || digits == 8)
			return NULL;
		*out = *out * 16 + (unsigned)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return digits > 0 ? p : NULL;
}

int db_lsn_parse(const char *text, db_lsn *out)
{
	unsigned long long hi = 0, lo = 0;
	const char *p = db_hex32(text, '/', &hi);
	if (p == NULL || db_hex32(p + 1, '\0', &lo) == NULL)
		return -1;
	*out = hi << 32 | lo;
	return 0;
}

void db_lsn_format(db_lsn lsn, char out[24])
{
	snprintf(out, 24, "%X/%X", (unsigned)(lsn >> 32), (unsigned)(lsn & 0xffffffffu));
}

enum svc_error db_command(struct db_conn *conn, const char *sql)
{
	if (strcmp(sql, "COMMIT") == 0)
		return db_commit(conn);
	PGresult *r = db_exec_simple(conn, sql);
	enum svc_error e = db_result_error(conn, r);
	PQclear(r);
	return e;
}

enum svc_error db_begin_custom_plans(struct db_conn *conn)
{
	return db_command(conn, "BEGIN READ ONLY; SET LOCAL plan_cache_mode = "
	                        "force_custom_plan");
}

enum svc_error db_begin(struct db_conn *conn)
{
	return db_command(conn, "BEGIN");
}

/* Notes the LSN a commit's SQL_WAL_INSERT_LSN read returned for the thread. */
void db_note_commit_lsn(const PGresult *r)
{
	db_lsn lsn = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    db_lsn_parse(PQgetvalue(r, 0, 0), &lsn) == 0 && lsn > db_tls_committed)
		db_tls_committed = lsn;
}

/* COMMIT, then the insert LSN, sent as one query; each answer is read on its own so that a
 * failed COMMIT is told from a failed LSN read (which loses only the token). */
static enum svc_error db_commit_noting_lsn(struct db_conn *conn)
{
	if (PQsendQuery(conn->pg, SQL_COMMIT_LSN) != 1) {
		PGresult *r = PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
		enum svc_error e = db_result_error(conn, r);
		PQclear(r);
		return e;
	}
	enum svc_error e = SVC_INTERNAL;
	int n = 0;
	PGresult *r;
	while ((r = PQgetResult(conn->pg)) != NULL) {
		if (n == 0)
			e = db_result_error(conn, r);
		else if (n == 1)
			db_note_commit_lsn(r);
		n++;
		PQclear(r);
	}
	return e;
}

enum svc_error db_commit(struct db_conn *conn)
{
	conn = db_serving(conn);
	if (conn->pg != NULL && atomic_load(&conn->pool->capture_lsn))
		return db_commit_noting_lsn(conn);
	PGresult *r = db_exec_simple(conn, "COMMIT");
	enum svc_error e = db_result_error(conn, r);
	PQclear(r);
	return e;
}

void db_rollback(struct db_conn *conn)
{
	conn = db_serving(conn);
	if (conn->pg == NULL)
		return;
	PGresult *r = PQexec(conn->pg, "ROLLBACK");
	PQclear(r);
}
