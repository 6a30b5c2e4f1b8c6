/* health_sql.h — statements for the readiness probe. */
#ifndef ZEREN_HEALTH_SQL_H
#define ZEREN_HEALTH_SQL_H

#define HEALTH_SQL(X) X(STMT_HEALTH_PING, "SELECT 1")

#endif
