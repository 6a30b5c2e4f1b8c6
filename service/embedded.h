/* embedded.h — files compiled into the binary so it runs without the source tree. */
#ifndef ZEREN_EMBEDDED_H
#define ZEREN_EMBEDDED_H

#include <stddef.h>

extern const char embedded_openapi_yaml[];
extern const size_t embedded_openapi_yaml_len;
extern const char embedded_schema_sql[];
extern const size_t embedded_schema_sql_len;

/* Versioned migrations: db/migrations/NNNN_name.sql, sorted by version. */
struct embedded_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct embedded_migration embedded_migrations[];
extern const size_t embedded_migrations_count;
/* The version db/schema.sql brings a database to. */
extern const int embedded_schema_version;

#endif
