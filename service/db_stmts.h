/* db_stmts.h — the registry of prepared statements; SQL text lives only in sql/ headers. */
#ifndef ZEREN_DB_STMTS_H
#define ZEREN_DB_STMTS_H

#include "sql/admin_sql.h"
#include "sql/health_sql.h"
#include "sql/idempotency_sql.h"
#include "sql/import_sql.h"
#include "sql/progress_sql.h"
#include "sql/reference_sql.h"
#include "sql/report_sql.h"

/* Every resource's list, in one place, so each connection prepares them all on connect. */
#define DB_ALL_STATEMENTS(X)                                                                       \
	HEALTH_SQL(X)                                                                              \
	IMPORT_SQL(X) REFERENCE_SQL(X) PROGRESS_SQL(X) IDEMPOTENCY_SQL(X) REPORT_SQL(X) ADMIN_SQL(X)

enum db_stmt {
#define DB_STMT_ENUM(name, sql) name,
	DB_ALL_STATEMENTS(DB_STMT_ENUM)
#undef DB_STMT_ENUM
	        DB_STMT_COUNT
};

struct db_stmt_def {
	const char *name;
	const char *sql;
};

extern const struct db_stmt_def db_stmt_table[DB_STMT_COUNT];

#endif
