/* db_stmts.c — the statement table built from the per-resource SQL lists. */
#include "db_stmts.h"

const struct db_stmt_def db_stmt_table[DB_STMT_COUNT] = {
#define DB_STMT_DEF(name, sql) [name] = {#name, sql},
        DB_ALL_STATEMENTS(DB_STMT_DEF)
#undef DB_STMT_DEF
};
