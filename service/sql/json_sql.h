/* json_sql.h — SQL fragments that build each resource's JSON, shared by its statements, so a
 * resource looks the same in a list, alone, and embedded in another. */
#ifndef ZEREN_JSON_SQL_H
#define ZEREN_JSON_SQL_H

/* RFC 3339 UTC timestamp text of a timestamptz expression. */
#define SQL_TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A unit as referenced from elsewhere (alias u). */
#define SQL_UNIT_REF "json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind)"

/* A unit reference that lists a group's members when expand ($E, boolean) is true. */
#define SQL_UNIT_REF_EXPAND(E)                                                                     \
	"(json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind)::jsonb "   \
	"|| CASE WHEN " E " AND u.kind = 'group' THEN jsonb_build_object('members', "              \
	"coalesce((SELECT jsonb_agg(jsonb_build_object('id', mu.id, 'code', mu.code, "             \
	"'name', mu.name, 'kind', mu.kind) ORDER BY um.position, mu.id) "                          \
	"FROM unit_memberships um JOIN units mu ON mu.id = um.member_id "                          \
	"WHERE um.group_id = u.id), '[]'::jsonb)) ELSE '{}'::jsonb END)"

/* A whole unit (alias u): its members if a group, the groups it belongs to otherwise. */
#define SQL_UNIT_JSON                                                                              \
	"json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind, "           \
	"'in_source', u.in_source, 'note', u.note, "                                               \
	"'members', CASE WHEN u.kind = 'group' THEN coalesce((SELECT json_agg("                    \
	"json_build_object('id', mu.id, 'code', mu.code, 'name', mu.name, 'kind', mu.kind) "       \
	"ORDER BY um.position, mu.id) FROM unit_memberships um JOIN units mu ON "                  \
	"mu.id = um.member_id WHERE um.group_id = u.id), '[]') END, "                              \
	"'groups', coalesce((SELECT json_agg(json_build_object('id', g.id, 'code', g.code, "       \
	"'name', g.name) ORDER BY g.id) FROM unit_memberships um JOIN units g ON "                 \
	"g.id = um.group_id WHERE um.member_id = u.id), '[]'), "                                   \
	"'updated_at', " SQL_TS("u.updated_at") ")"

/* A target (alias tg) with every typed field and its source phrase. */
#define SQL_TARGET_JSON                                                                            \
	"json_build_object('id', tg.id, 'code', tg.code, 'measure_id', tg.measure_id, "            \
	"'item_number', (SELECT i.number FROM measure_items i WHERE i.id = tg.item_id), "          \
	"'metric', tg.metric, 'kind', tg.kind, 'comparator', tg.comparator, "                      \
	"'value', tg.value, 'unit_of_measure', tg.unit_of_measure, "                               \
	"'deadline', tg.deadline, 'recurrence', tg.recurrence, "                                   \
	"'recurrence_start', tg.recurrence_start, "                                                \
	"'accountable_unit', (SELECT " SQL_UNIT_REF " FROM units u "                               \
	"WHERE u.id = tg.accountable_unit_id), 'aggregation', tg.aggregation, "                    \
	"'share_of', (SELECT json_build_object('id', b.id, 'code', b.code) FROM targets b "        \
	"WHERE b.id = tg.share_of_id), 'source_phrase', tg.source_phrase, "                        \
	"'updated_at', " SQL_TS("tg.updated_at") ")"

/* The units of one role of measure m, in document order. */
#define SQL_MEASURE_UNITS(ROLE, E)                                                                 \
	"coalesce((SELECT json_agg(" SQL_UNIT_REF_EXPAND(                                          \
	        E) " ORDER BY a.position) "                                                        \
	           "FROM assignments a JOIN units u ON u.id = a.unit_id "                          \
	           "WHERE a.measure_id = m.id AND a.role = '" ROLE "'), '[]')"

/* A measure (alias m) with its task, items, assignments and targets; E expands groups. */
#define SQL_MEASURE_JSON(E)                                                                        \
	"json_build_object('id', m.id, 'code', m.code, 'plan_id', m.plan_id, "                     \
	"'number', m.number, 'title', m.title, "                                                   \
	"'task', (SELECT json_build_object('id', t.id, 'code', t.code, 'number', t.number, "       \
	"'label', t.label, 'title', t.title) FROM tasks t WHERE t.id = m.task_id), "               \
	"'items', coalesce((SELECT json_agg(json_build_object('number', i.number, "                \
	"'text', i.text) ORDER BY i.number) FROM measure_items i WHERE i.measure_id = m.id), "     \
	"'[]'), "                                                                                  \
	"'assignments', json_build_object('lead', " SQL_MEASURE_UNITS(                             \
	        "lead",                                                                            \
	        E) ", "                                                                            \
	           "'related', " SQL_MEASURE_UNITS(                                                \
	                   "related",                                                              \
	                   E) "), "                                                                \
	                      "'targets', coalesce((SELECT json_agg(" SQL_TARGET_JSON              \
	                      " ORDER BY tg.position, "                                            \
	                      "tg.id) FROM targets tg WHERE tg.measure_id = m.id), '[]'), "        \
	                      "'updated_at', " SQL_TS("m.updated_at") ")"

#define SQL_TASK_JSON                                                                              \
	"json_build_object('id', t.id, 'code', t.code, 'plan_id', t.plan_id, "                     \
	"'number', t.number, 'label', t.label, 'title', t.title, "                                 \
	"'measure_count', (SELECT count(*) FROM measures m WHERE m.task_id = t.id), "              \
	"'updated_at', " SQL_TS("t.updated_at") ")"

#define SQL_PLAN_JSON                                                                              \
	"json_build_object('id', p.id, 'code', p.code, 'title', p.title, "                         \
	"'start_date', p.start_date, 'cadence', p.cadence, "                                       \
	"'report_due_days', p.report_due_days, 'assumptions', p.assumptions, "                     \
	"'task_count', (SELECT count(*) FROM tasks t WHERE t.plan_id = p.id), "                    \
	"'measure_count', (SELECT count(*) FROM measures m WHERE m.plan_id = p.id), "              \
	"'created_at', " SQL_TS("p.created_at") ", 'updated_at', " SQL_TS("p.updated_at") ")"

#endif
