/* migrate.h — bring a database to the schema compiled into this binary. */
#ifndef ZEREN_MIGRATE_H
#define ZEREN_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* Applies db/schema.sql to an empty database, or each newer migration to an older one, each
 * in its own transaction, under an advisory lock so concurrent instances wait their turn.
 * Sets *from and *to to the versions before and after. 0 on success; -1 with err. */
int migrate_run(PGconn *pg, int *from, int *to, char *err, size_t errlen)
        __attribute__((warn_unused_result));

#endif
