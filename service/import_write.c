/* import_write.c — a valid plan document written: flattened into one JSON array per table,
 * then one counting statement per table in one transaction on the tx kit, and its audit row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "domain.h"
#include "import.h"
#include "tx.h"

/* --- flattening the document into one JSON array per table --- */

struct import_rows {
	json_t *units, *aliases, *memberships, *groups, *tasks, *measures, *measure_codes, *items,
	        *assignments, *targets, *shares;
};

static json_t *import_member_or_null(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v != NULL ? json_incref(v) : json_null();
}

/* One measure's rows: the measure, its items, assignments, targets and shares. */
static void import_flatten_measure(json_t *m, struct import_rows *r)
{
	size_t j;
	json_t *x;
	json_t *code = json_object_get(m, "code");
	json_array_append(r->measure_codes, code);
	json_array_append_new(r->measures, json_pack("{sOsOsOsO}", "code", code, "number",
	                                             json_object_get(m, "number"), "task",
	                                             json_object_get(m, "task"), "title",
	                                             json_object_get(m, "title")));
	json_array_foreach(json_object_get(m, "items"), j, x)
	        json_array_append_new(r->items, json_pack("{sOsOsO}", "measure", code, "number",
	                                                  json_object_get(x, "number"), "text",
	                                                  json_object_get(x, "text")));
	int pos = 0;
	/* each role's list is the member of that name, leads first */
	for (int k = 0; k < DOMAIN_ROLE_COUNT; k++)
		json_array_foreach(json_object_get(m, domain_roles[k]), j, x) json_array_append_new(
		        r->assignments, json_pack("{sOsOsssi}", "measure", code, "unit", x, "role",
		                                  domain_roles[k], "position", pos++));
	json_array_foreach(json_object_get(m, "targets"), j, x)
	{
		json_t *row = json_pack(
		        "{sOsOsOsisOsOsOsOsosososososOsO}", "code", json_object_get(x, "code"),
		        "measure", code, "item", json_object_get(x, "item"), "position", (int)j,
		        "metric", json_object_get(x, "metric"), "kind", json_object_get(x, "kind"),
		        "comparator", json_object_get(x, "comparator"), "value",
		        json_object_get(x, "value"), "unit_of_measure",
		        import_member_or_null(x, "unit_of_measure"), "deadline",
		        import_member_or_null(x, "deadline"), "recurrence",
		        import_member_or_null(x, "recurrence"), "recurrence_start",
		        import_member_or_null(x, "recurrence_start"), "accountable_unit",
		        import_member_or_null(x, "accountable_unit"), "aggregation",
		        json_object_get(x, "aggregation"), "source_phrase",
		        json_object_get(x, "source_phrase"));
		json_array_append_new(r->targets, row);
		json_array_append_new(r->shares,
		                      json_pack("{sOso}", "code", json_object_get(x, "code"),
		                                "share_of", import_member_or_null(x, "share_of")));
	}
}

static void import_flatten(json_t *doc, struct import_rows *r)
{
	r->units = json_array();
	r->aliases = json_array();
	r->memberships = json_array();
	r->groups = json_array();
	r->tasks = json_array();
	r->measures = json_array();
	r->measure_codes = json_array();
	r->items = json_array();
	r->assignments = json_array();
	r->targets = json_array();
	r->shares = json_array();
	size_t i, j;
	json_t *u, *m, *x;
	json_array_foreach(json_object_get(doc, "units"), i, u)
	{
		json_t *in_source = json_object_get(u, "in_source");
		json_array_append_new(r->units,
		                      json_pack("{sOsOsOsbso}", "code", json_object_get(u, "code"),
		                                "name", json_object_get(u, "name"), "kind",
		                                json_object_get(u, "kind"), "in_source",
		                                in_source == NULL || json_is_true(in_source),
		                                "note", import_member_or_null(u, "note")));
		if (json_object_get(u, "aliases") != NULL)
			json_array_append_new(
			        r->aliases, json_pack("{sOsO}", "code", json_object_get(u, "code"),
			                              "aliases", json_object_get(u, "aliases")));
		/* every unit's memberships are synchronised: a unit that stopped being a group
		 * loses its members */
		json_array_append(r->groups, json_object_get(u, "code"));
		json_t *members = json_object_get(u, "members");
		if (members == NULL)
			continue;
		json_array_foreach(members, j, x) json_array_append_new(
		        r->memberships, json_pack("{sOsOsi}", "grp", json_object_get(u, "code"),
		                                  "member", x, "position", (int)j));
	}
	json_array_foreach(json_object_get(doc, "tasks"), i, x) json_array_append_new(
	        r->tasks, json_pack("{sOsOsssO}", "code", json_object_get(x, "code"), "number",
	                            json_object_get(x, "number"), "label",
	                            json_string_value(json_object_get(x, "label"))
	                                    ? json_string_value(json_object_get(x, "label"))
	                                    : "",
	                            "title", json_object_get(x, "title")));
	json_array_foreach(json_object_get(doc, "measures"), i, m) import_flatten_measure(m, r);
}

static void import_rows_free(struct import_rows *r)
{
	json_t **all[] = {&r->units,       &r->aliases,  &r->memberships,   &r->groups,
	                  &r->tasks,       &r->measures, &r->measure_codes, &r->items,
	                  &r->assignments, &r->targets,  &r->shares};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		json_decref(*all[i]);
		*all[i] = NULL;
	}
}

/* Column col of the first row as a number; 0 when the result has no such column. */
static long long import_column(const PGresult *r, int col)
{
	return col < PQnfields(r) ? atoll(PQgetvalue(r, 0, col)) : 0;
}

/* Adds one counting statement's created / updated / unchanged / deleted numbers (its
 * columns, as many as it has) to report under name. Every counting statement of import.sql
 * has STMT_IMPORT_PLAN's columns. */
static void import_count(PGresult *r, const char *name, json_t *report)
{
	json_t *c = json_object_get(report, name);
	if (c == NULL) {
		c = json_pack("{sisisisi}", "created", 0, "updated", 0, "unchanged", 0, "deleted",
		              0);
		json_object_set_new(report, name, c);
	}
	long long created = import_column(r, STMT_IMPORT_PLAN_COL_CREATED);
	long long updated = import_column(r, STMT_IMPORT_PLAN_COL_UPDATED);
	long long total = import_column(r, STMT_IMPORT_PLAN_COL_TOTAL);
	long long deleted = import_column(r, STMT_IMPORT_PLAN_COL_DELETED);
	const char *keys[] = {"created", "updated", "deleted"};
	long long adds[] = {created, updated, deleted};
	for (int i = 0; i < 3; i++)
		json_object_set_new(
		        c, keys[i],
		        json_integer(json_integer_value(json_object_get(c, keys[i])) + adds[i]));
	long long unchanged = json_integer_value(json_object_get(c, "unchanged"));
	if (total > 0)
		unchanged = total - created - updated;
	else
		unchanged -= updated; /* the share_of pass only moves rows to "updated" */
	json_object_set_new(c, "unchanged", json_integer(unchanged < 0 ? 0 : unchanged));
}

/* Runs one statement, unprepared so that it works on any connection, and counts it under
 * name unless name is NULL; -1 with tx->err set and the step named in the message. */
static int import_step(struct tx *tx, enum db_stmt stmt, int n, const char *const *p,
                       const char *name, json_t *report)
{
	PGresult *r = tx_exec_text(tx, db_stmt_table[stmt].sql, n, p);
	if (r == NULL) {
		if (tx->opt.message != NULL && name != NULL) {
			char said[1024];
			snprintf(said, sizeof(said), "%s", tx->opt.message);
			snprintf(tx->opt.message, tx->opt.message_size, "%s: %s", name, said);
		}
		return -1;
	}
	if (name != NULL)
		import_count(r, name, report);
	PQclear(r);
	return 0;
}

static char *import_dump(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The statements' parameters, by name: the plan's fields and each table's rows as JSON. */
enum import_param {
	IMPORT_P_CODE,
	IMPORT_P_TITLE,
	IMPORT_P_START,
	IMPORT_P_CADENCE,
	IMPORT_P_DAYS,
	IMPORT_P_WARN,        /* NULL when the document leaves it to the default */
	IMPORT_P_ASSUMPTIONS, /* the first text owned by import_params */
	IMPORT_P_UNITS,
	IMPORT_P_ALIASES,
	IMPORT_P_MEMBERSHIPS,
	IMPORT_P_GROUPS,
	IMPORT_P_TASKS,
	IMPORT_P_MEASURES,
	IMPORT_P_ITEMS,
	IMPORT_P_MEASURE_CODES,
	IMPORT_P_ASSIGNMENTS,
	IMPORT_P_TARGETS,
	IMPORT_P_SHARES,
	IMPORT_P_COUNT
};

struct import_params {
	const char *v[IMPORT_P_COUNT]; /* from IMPORT_P_ASSUMPTIONS on owned, else borrowed */
	char days[24];
	char warn[24];
};

/* Fills p from the document; -1 when a text could not be built (out of memory). */
static int import_params_fill(struct import_params *p, json_t *doc)
{
	memset(p, 0, sizeof(*p));
	struct import_rows rows;
	import_flatten(doc, &rows);
	json_t *plan = json_object_get(doc, "plan");
	snprintf(p->days, sizeof(p->days), "%lld",
	         json_integer_value(json_object_get(plan, "report_due_days")));
	p->v[IMPORT_P_CODE] = json_string_value(json_object_get(plan, "code"));
	p->v[IMPORT_P_TITLE] = json_string_value(json_object_get(plan, "title"));
	p->v[IMPORT_P_START] = json_string_value(json_object_get(plan, "start_date"));
	p->v[IMPORT_P_CADENCE] = json_string_value(json_object_get(plan, "cadence"));
	p->v[IMPORT_P_DAYS] = p->days;
	json_t *warn = json_object_get(plan, "warn_days");
	snprintf(p->warn, sizeof(p->warn), "%lld", json_integer_value(warn));
	p->v[IMPORT_P_WARN] = warn != NULL ? p->warn : NULL;
	json_t *empty = json_array();
	json_t *assumptions = json_object_get(plan, "assumptions");
	json_t *texts[] = {assumptions != NULL ? assumptions : empty,
	                   rows.units,
	                   rows.aliases,
	                   rows.memberships,
	                   rows.groups,
	                   rows.tasks,
	                   rows.measures,
	                   rows.items,
	                   rows.measure_codes,
	                   rows.assignments,
	                   rows.targets,
	                   rows.shares};
	int ok = 1;
	for (int i = IMPORT_P_ASSUMPTIONS; i < IMPORT_P_COUNT; i++)
		ok &= (p->v[i] = import_dump(texts[i - IMPORT_P_ASSUMPTIONS])) != NULL;
	json_decref(empty);
	import_rows_free(&rows);
	return ok ? 0 : -1;
}

static void import_params_free(struct import_params *p)
{
	for (int i = IMPORT_P_ASSUMPTIONS; i < IMPORT_P_COUNT; i++)
		free((char *)p->v[i]);
	memset(p, 0, sizeof(*p));
}

/* One step of an import, in the order they run. */
struct import_step_def {
	enum db_stmt stmt;
	const char *name; /* what it counts under; NULL for none */
	int n;
	enum import_param p[6];
	int skip_empty; /* not run when its first parameter is an empty array */
};

static const struct import_step_def import_steps[] = {
        {STMT_IMPORT_LOCK, NULL, 0, {0}, 0},
        {STMT_IMPORT_PLAN,
         "plans",
         6,
         {IMPORT_P_CODE, IMPORT_P_TITLE, IMPORT_P_START, IMPORT_P_CADENCE, IMPORT_P_DAYS,
          IMPORT_P_ASSUMPTIONS},
         0},
        /* only when the document gives warn_days (so older schemas import as before) */
        {STMT_IMPORT_PLAN_WARN_DAYS, NULL, 2, {IMPORT_P_CODE, IMPORT_P_WARN}, 0},
        {STMT_IMPORT_UNITS, "units", 1, {IMPORT_P_UNITS}, 0},
        {STMT_IMPORT_UNIT_ALIASES, "units", 1, {IMPORT_P_ALIASES}, 1},
        {STMT_IMPORT_MEMBERSHIPS, "memberships", 2, {IMPORT_P_MEMBERSHIPS, IMPORT_P_GROUPS}, 0},
        {STMT_IMPORT_TASKS, "tasks", 2, {IMPORT_P_CODE, IMPORT_P_TASKS}, 0},
        {STMT_IMPORT_MEASURES, "measures", 2, {IMPORT_P_CODE, IMPORT_P_MEASURES}, 0},
        {STMT_IMPORT_ITEMS, "items", 1, {IMPORT_P_ITEMS}, 0},
        {STMT_IMPORT_ASSIGNMENTS,
         "assignments",
         2,
         {IMPORT_P_ASSIGNMENTS, IMPORT_P_MEASURE_CODES},
         0},
        {STMT_IMPORT_TARGETS, "targets", 2, {IMPORT_P_TARGETS, IMPORT_P_MEASURE_CODES}, 0},
        {STMT_IMPORT_ITEMS_PRUNE, "items", 2, {IMPORT_P_ITEMS, IMPORT_P_MEASURE_CODES}, 0},
        {STMT_IMPORT_TARGET_SHARES, "targets", 1, {IMPORT_P_SHARES}, 0},
};

/* A unit name or alias of the document that another unit of the database has: -1 with a 409
 * (the message, for the command line, names it). Only when the document lists aliases. */
static int import_check_names(struct tx *tx, const struct import_params *p)
{
	if (strcmp(p->v[IMPORT_P_ALIASES], "[]") == 0)
		return 0;
	const char *values[] = {p->v[IMPORT_P_UNITS], p->v[IMPORT_P_ALIASES]};
	PGresult *r = tx_exec_text(tx, db_stmt_table[STMT_IMPORT_NAME_CLASHES].sql, 2, values);
	if (r == NULL)
		return -1;
	int clash = PQntuples(r) > 0;
	if (clash && tx->opt.message != NULL)
		snprintf(tx->opt.message, tx->opt.message_size,
		         "units: unit \"%s\" names \"%s\", already a name or alias of unit \"%s\"",
		         PQgetvalue(r, 0, STMT_IMPORT_NAME_CLASHES_COL_CODE),
		         PQgetvalue(r, 0, STMT_IMPORT_NAME_CLASHES_COL_NAME),
		         PQgetvalue(r, 0, STMT_IMPORT_NAME_CLASHES_COL_OTHER));
	PQclear(r);
	return clash ? tx_fail(tx, SVC_CONFLICT,
	                       "a unit name or alias of the document is already another unit's "
	                       "name or alias in the database; nothing was written")
	             : 0;
}

/* Every table's statement, then the audit row with the counts; -1 with tx->err set. */
static int import_run(struct tx *tx, const struct import_params *p, json_t *counts)
{
	if (import_check_names(tx, p) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(import_steps) / sizeof(import_steps[0]); i++) {
		const struct import_step_def *s = &import_steps[i];
		if (s->stmt == STMT_IMPORT_PLAN_WARN_DAYS && p->v[IMPORT_P_WARN] == NULL)
			continue;
		const char *values[6];
		for (int k = 0; k < s->n; k++)
			values[k] = p->v[s->p[k]];
		if (s->skip_empty && strcmp(values[0], "[]") == 0)
			continue;
		if (import_step(tx, s->stmt, s->n, values, s->name, counts) != 0)
			return -1;
	}
	char *counts_text = json_dumps(counts, JSON_COMPACT);
	if (counts_text == NULL)
		return tx_fail(tx, SVC_INTERNAL, NULL);
	const struct tx_actor *a = &tx->env->actor;
	const char *audit[] = {a->iss,        a->sub,      a->unit,
	                       a->request_id, counts_text, p->v[IMPORT_P_CODE]};
	int rc = import_step(tx, STMT_IMPORT_AUDIT, 6, audit, NULL, counts);
	free(counts_text);
	return rc;
}

/* The report of a written (or dry-run) import; counts is stolen. */
static json_t *import_report(const char *plan_code, enum import_mode mode, json_t *counts)
{
	int changed = 0;
	const char *k;
	json_t *v;
	json_object_foreach(counts, k, v)
	{
		(void)k;
		changed |= json_integer_value(json_object_get(v, "created")) != 0 ||
		           json_integer_value(json_object_get(v, "updated")) != 0 ||
		           json_integer_value(json_object_get(v, "deleted")) != 0;
	}
	return json_pack("{sssbsbso}", "plan", plan_code, "dry_run", mode == IMPORT_DRY_RUN,
	                 "changed", changed, "counts", counts);
}

void import_write(const struct tx_env *env, struct db_conn *conn, json_t *doc,
                  enum import_mode mode, json_t **report, struct tx_result *out, char *message,
                  size_t message_size)
{
	memset(out, 0, sizeof(*out));
	*report = NULL;
	const struct tx_options opt = {
	        /* the document was checked whole: a refusal is data in use */
	        .flags = TX_CONSTRAINT_IS_CONFLICT | TX_REFERENCE_DATA,
	        .conflict = "the document conflicts with data in use (for example a target that "
	                    "has progress values); nothing was written",
	        .message = message,
	        .message_size = message_size,
	};
	struct import_params p;
	memset(&p, 0, sizeof(p));
	json_t *counts = json_object();
	struct tx tx;
	int begun = conn != NULL ? tx_begin_on(&tx, conn, env, &opt) : tx_begin(&tx, env, &opt);
	if (begun == 0 && import_params_fill(&p, doc) != 0)
		tx_fail(&tx, SVC_INTERNAL, NULL);
	if (begun == 0 && tx.err == SVC_OK && import_run(&tx, &p, counts) == 0 &&
	    (mode == IMPORT_DRY_RUN || tx_commit(&tx) == 0)) {
		*report = import_report(p.v[IMPORT_P_CODE], mode, counts);
		counts = NULL;
	}
	tx_end(&tx, out);
	import_params_free(&p);
	json_decref(counts);
	if (out->err != SVC_OK) {
		json_decref(*report);
		*report = NULL;
	}
}

enum svc_error import_apply(PGconn *pg, json_t *doc, int dry_run, const struct import_actor *actor,
                            json_t **report, char *detail, size_t dlen)
{
	struct db_conn conn = {.pg = pg, .in_use = 1}; /* the caller's, kept open */
	const struct tx_env env = {
	        .actor = {actor->iss, actor->sub, actor->unit, NULL, actor->request_id}};
	struct tx_result res;
	import_write(&env, &conn, doc, dry_run ? IMPORT_DRY_RUN : IMPORT_COMMIT, report, &res,
	             detail, dlen);
	return res.err;
}
