/* migrate.c — schema versioning: whole schema for a new database, migrations for old ones. */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_stmts.h"
#include "embedded.h"

/* An arbitrary constant that names zeren's migration lock among advisory locks. */
#define MIGRATE_LOCK_KEY "7301190731"

static int migrate_exec(PGconn *pg, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int migrate_current_version(PGconn *pg, int *version, char *err, size_t errlen)
{
	PGresult *r = PQexec(pg, SQL_SCHEMA_EXISTS);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	int exists = atoi(PQgetvalue(r, 0, SQL_SCHEMA_EXISTS_COL_MISSING)) == 0;
	PQclear(r);
	if (!exists) {
		*version = 0;
		return 0;
	}
	r = PQexec(pg, SQL_SCHEMA_VERSION);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	*version = atoi(PQgetvalue(r, 0, SQL_SCHEMA_VERSION_COL_VERSION));
	PQclear(r);
	return 0;
}

/* Runs sql in one transaction; on failure rolls back and prefixes err with what. */
static int migrate_step(PGconn *pg, const char *what, const char *sql, char *err, size_t errlen)
{
	char msg[1024];
	if (migrate_exec(pg, "BEGIN", err, errlen) != 0)
		return -1;
	if (migrate_exec(pg, sql, msg, sizeof(msg)) != 0) {
		PQclear(PQexec(pg, "ROLLBACK"));
		snprintf(err, errlen, "%s: %s", what, msg);
		return -1;
	}
	return migrate_exec(pg, "COMMIT", err, errlen);
}

static int migrate_locked(PGconn *pg, int *from, int *to, char *err, size_t errlen)
{
	int version = 0;
	if (migrate_current_version(pg, &version, err, errlen) != 0)
		return -1;
	*from = version;
	*to = version;
	if (version > embedded_schema_version) {
		snprintf(err, errlen, "database is at version %d, newer than this binary's %d",
		         version, embedded_schema_version);
		return -1;
	}
	if (version == 0) {
		if (migrate_step(pg, "db/schema.sql", embedded_schema_sql, err, errlen) != 0)
			return -1;
		*to = embedded_schema_version;
		return 0;
	}
	for (size_t i = 0; i < embedded_migrations_count; i++) {
		const struct embedded_migration *m = &embedded_migrations[i];
		if (m->version <= version)
			continue;
		if (migrate_step(pg, m->name, m->sql, err, errlen) != 0)
			return -1;
		*to = m->version;
	}
	return 0;
}

int migrate_run(PGconn *pg, int *from, int *to, char *err, size_t errlen)
{
	if (migrate_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, errlen) != 0)
		return -1;
	int rc = migrate_locked(pg, from, to, err, errlen);
	char ignored[256];
	(void)migrate_exec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", ignored,
	                   sizeof(ignored));
	return rc;
}
