/* db_stmts.h — the registry of SQL: prepared statements and fixed texts, generated at build time
 * from service/sql/<resource>.sql by cmake/sql.cmake.
 *
 * A .sql file is a list of blocks, each opened by one of three lines:
 *
 *   -- name: STMT_PROGRESS_GET        a statement, prepared on every connection; callers pass
 *                                     the enum value STMT_PROGRESS_GET to db_exec
 *   -- text: SQL_BATCH_STAGE          a fixed text run unprepared (db_exec_text, db_copy_in,
 *                                     db_command); callers use the constant SQL_BATCH_STAGE
 *   -- fragment: ts(x)                SQL that statements include, with parameters
 *
 * followed by these declarations (a statement needs properties; columns are optional):
 *
 *   -- properties: writes | read-only | read-only, retry-safe
 *        read-only: could run in a READ ONLY transaction (changes and locks no row).
 *        retry-safe: read-only and also leaves nothing behind (no set_config, no advisory lock),
 *        so db_exec runs it once more on a fresh connection when the connection was lost
 *        outside a transaction.
 *   -- columns: id, version, json
 *        the result columns in order; generates STMT_PROGRESS_GET_COL_ID = 0,
 *        STMT_PROGRESS_GET_COL_VERSION = 1, ... (SQL_X_COL_... for a text). Read a value with
 *        PQgetvalue(r, row, STMT_X_COL_VERSION), never with a bare number. The count is checked
 *        against the prepared statement on the first connection of each pool.
 *
 * and then the SQL, laid out as in psql. Other lines starting with "--" are comments for the
 * reader and are not sent; comments take a line of their own. In SQL, {{f}} or {{f(a, b)}} is
 * replaced by fragment f (from any .sql file) with each {{param}} in its body replaced by the
 * argument, then expanded again. An unknown or unused fragment, a name declared twice, a
 * statement without properties or SQL stops the build; the enum and the table come from the
 * same files, so they cannot disagree.
 *
 * To read a new statement's columns by enum: add "-- columns:" above it and replace
 * PQgetvalue(r, i, 3) with PQgetvalue(r, i, STMT_X_COL_<NAME>). */
#ifndef ZEREN_DB_STMTS_H
#define ZEREN_DB_STMTS_H

enum db_stmt_property {
	DB_STMT_READ_ONLY = 1,  /* could run in a READ ONLY transaction */
	DB_STMT_RETRY_SAFE = 2, /* may run again after a lost connection */
};

#include "db_sql.h" /* generated: enum db_stmt, the column enums, the texts */

struct db_stmt_def {
	const char *name;
	const char *sql;
	unsigned properties; /* enum db_stmt_property bits */
	int ncols;           /* declared result columns, -1 when none are declared */
};

extern const struct db_stmt_def db_stmt_table[DB_STMT_COUNT];

#endif
