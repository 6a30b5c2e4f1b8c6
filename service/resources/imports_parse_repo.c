/* imports_parse_repo.c — the database's units as doc_known_unit rows for the parser. */
#include "imports_parse_repo.h"

#include <stdlib.h>
#include <string.h>

/* Points *run at a NULL-terminated run of the strings of the JSON array text, appended to
 * u->names at *at; the array is kept in u->arrays. NULL when the array is empty. */
static void units_run(struct imports_parse_units *u, const char *text, size_t *at,
                      const char *const **run)
{
	json_t *a = json_loads(text, 0, NULL);
	*run = NULL;
	if (json_array_size(a) == 0) {
		json_decref(a);
		return;
	}
	*run = &u->names[*at];
	size_t i;
	json_t *s;
	json_array_foreach(a, i, s) u->names[(*at)++] = json_string_value(s);
	u->names[(*at)++] = NULL;
	json_array_append_new(u->arrays, a);
}

/* Room for every run: each array's elements and its NULL, counted from the texts' commas
 * (an upper bound: names may hold commas too, which only leaves room unused). */
static size_t units_room(PGresult *r, int rows)
{
	size_t room = 1;
	for (int i = 0; i < rows; i++) {
		const char *cols[] = {PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_ALIASES),
		                      PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_MEMBERS)};
		for (int c = 0; c < 2; c++) {
			room += 2;
			for (const char *p = cols[c]; *p; p++)
				room += *p == ',';
		}
	}
	return room;
}

enum svc_error imports_parse_units_read(struct db_pool *pool, struct imports_parse_units *out)
{
	memset(out, 0, sizeof(*out));
	struct db_conn *conn;
	enum svc_error err = db_acquire(pool, &conn);
	if (err != SVC_OK)
		return err;
	PGresult *r = db_exec(conn, STMT_PARSE_KNOWN_UNITS, 0, NULL);
	err = db_result_error(conn, r);
	db_release(pool, conn);
	if (err != SVC_OK) {
		PQclear(r);
		return err;
	}
	out->rows = r;
	int rows = PQntuples(r);
	out->units = calloc((size_t)rows + 1, sizeof(*out->units));
	out->names = calloc(units_room(r, rows), sizeof(*out->names));
	out->arrays = json_array();
	if (out->units == NULL || out->names == NULL || out->arrays == NULL)
		return SVC_INTERNAL;
	size_t at = 0;
	for (int i = 0; i < rows; i++) {
		struct doc_known_unit *k = &out->units[i];
		k->code = PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_CODE);
		k->name = PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_NAME);
		k->kind = PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_KIND);
		units_run(out, PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_ALIASES), &at,
		          &k->aliases);
		units_run(out, PQgetvalue(r, i, STMT_PARSE_KNOWN_UNITS_COL_MEMBERS), &at,
		          &k->members);
	}
	out->n = (size_t)rows;
	return SVC_OK;
}

void imports_parse_units_free(struct imports_parse_units *u)
{
	free(u->units);
	free(u->names);
	json_decref(u->arrays);
	PQclear(u->rows);
	memset(u, 0, sizeof(*u));
}
