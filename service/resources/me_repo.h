/* me_repo.h — the token's unit and the measures it may report on, for GET /v1/me. */
#ifndef ZEREN_ME_REPO_H
#define ZEREN_ME_REPO_H

#include <jansson.h>

#include "../db.h"

struct me_facts {
	json_t *unit;            /* {id, code, name, kind}, or NULL when no unit has the code;
	                          * owned, freed by me_repo_free */
	long long unit_id;       /* 0 with no unit */
	long long unit_measures; /* measures the unit may report on (0 for a group) */
	long long all_measures;  /* every measure, which an admin may report on */
};

/* Reads the facts for unit_code (NULL or "": none) on a connection of pool. SVC_OK with *out
 * filled; otherwise the database error and *out holds nothing. Free with me_repo_free in both
 * cases. */
enum svc_error me_repo_read(struct db_pool *pool, const char *unit_code, struct me_facts *out)
        __attribute__((warn_unused_result));
void me_repo_free(struct me_facts *facts);

#endif
