/* reference_sql.h — reads of plans, tasks, measures, targets and units. List statements
 * return their sort keys first and the JSON last, LIMIT rows after the cursor keys; a NULL
 * filter parameter means "no filter". */
#ifndef ZEREN_REFERENCE_SQL_H
#define ZEREN_REFERENCE_SQL_H

#include "json_sql.h"

/* Units matching code $C directly or through a group it belongs to. */
#define SQL_UNIT_OR_GROUPS(C)                                                                      \
	"(SELECT id FROM units WHERE code = " C " UNION SELECT um.group_id FROM "                  \
	"unit_memberships um JOIN units mu ON mu.id = um.member_id WHERE mu.code = " C ")"

#define REFERENCE_SQL(X)                                                                           \
	X(STMT_PLAN_GET, "SELECT " SQL_PLAN_JSON " FROM plans p WHERE p.id = $1")                  \
	X(STMT_PLAN_LIST, "SELECT p.id, " SQL_PLAN_JSON " FROM plans p "                           \
	                  "WHERE ($1::bigint IS NULL OR p.id > $1) ORDER BY p.id LIMIT $2")        \
	X(STMT_TASK_GET, "SELECT " SQL_TASK_JSON " FROM tasks t WHERE t.id = $1")                  \
	X(STMT_TASK_LIST,                                                                          \
	  "SELECT t.plan_id, t.number, " SQL_TASK_JSON " FROM tasks t "                            \
	  "WHERE ($1::bigint IS NULL OR t.plan_id = $1) AND ($2::bigint IS NULL OR "               \
	  "(t.plan_id, t.number) > ($2, $3)) ORDER BY t.plan_id, t.number LIMIT $4")               \
	X(STMT_MEASURE_GET,                                                                        \
	  "SELECT " SQL_MEASURE_JSON("$2::boolean") " FROM measures m WHERE m.id = $1")            \
	X(STMT_MEASURE_LIST,                                                                       \
	  "SELECT m.plan_id, m.number, " SQL_MEASURE_JSON(                                         \
	          "$6::boolean") " FROM measures m "                                               \
	                         "WHERE ($1::bigint IS NULL OR m.plan_id = $1) "                   \
	                         "AND ($2::bigint IS NULL OR m.task_id = $2) "                     \
	                         "AND (($3::text IS NULL AND $4::text IS NULL) OR EXISTS (SELECT " \
	                         "1 FROM "                                                         \
	                         "assignments a WHERE a.measure_id = m.id AND ($4::text IS NULL "  \
	                         "OR a.role = $4) "                                                \
	                         "AND ($3::text IS NULL OR a.unit_id IN " SQL_UNIT_OR_GROUPS(      \
	                                 "$3") "))) "                                              \
	                                       "AND ($5::text IS NULL OR strpos(m.title, $5) > 0 " \
	                                       "OR EXISTS (SELECT 1 FROM "                         \
	                                       "measure_items i WHERE i.measure_id = m.id AND "    \
	                                       "strpos(i.text, $5) > 0)) "                         \
	                                       "AND ($7::bigint IS NULL OR (m.plan_id, m.number) " \
	                                       "> ($7, $8)) "                                      \
	                                       "ORDER BY m.plan_id, m.number LIMIT $9")            \
	X(STMT_MEASURE_EXISTS, "SELECT 1 FROM measures WHERE id = $1")                             \
	X(STMT_MEASURE_TARGETS,                                                                    \
	  "SELECT tg.position, tg.id, " SQL_TARGET_JSON " FROM targets tg "                        \
	  "WHERE tg.measure_id = $1 AND ($2::bigint IS NULL OR (tg.position, tg.id) > "            \
	  "($2, $3)) ORDER BY tg.position, tg.id LIMIT $4")                                        \
	X(STMT_TARGET_GET, "SELECT " SQL_TARGET_JSON " FROM targets tg WHERE tg.id = $1")          \
	X(STMT_UNIT_GET, "SELECT " SQL_UNIT_JSON " FROM units u WHERE u.id = $1")                  \
	X(STMT_UNIT_LIST,                                                                          \
	  "SELECT u.id, " SQL_UNIT_JSON " FROM units u "                                           \
	  "WHERE ($1::text IS NULL OR u.kind = $1) "                                               \
	  "AND ($2::text IS NULL OR strpos(u.name, $2) > 0 OR strpos(u.code, lower($2)) > 0) "     \
	  "AND ($3::bigint IS NULL OR u.id > $3) ORDER BY u.id LIMIT $4")                          \
	X(STMT_UNIT_EXISTS, "SELECT 1 FROM units WHERE id = $1")                                   \
	/* a unit's measures, directly or through a group, with how it is assigned */              \
	X(STMT_UNIT_MEASURES,                                                                      \
	  "SELECT DISTINCT ON (m.plan_id, m.number) m.plan_id, m.number, (" SQL_MEASURE_JSON(      \
	          "false") "::jsonb || "                                                           \
	                   "jsonb_build_object('assignment', jsonb_build_object('role', a.role, "  \
	                   "'via', "                                                               \
	                   "CASE WHEN a.unit_id = $1 THEN NULL ELSE (SELECT "                      \
	                   "jsonb_build_object('id', g.id, "                                       \
	                   "'code', g.code, 'name', g.name) FROM units g WHERE g.id = a.unit_id) " \
	                   "END)))::text "                                                         \
	                   "FROM assignments a JOIN measures m ON m.id = a.measure_id "            \
	                   "WHERE (a.unit_id = $1 OR a.unit_id IN (SELECT group_id FROM "          \
	                   "unit_memberships "                                                     \
	                   "WHERE member_id = $1)) AND ($2::text IS NULL OR a.role = $2) "         \
	                   "AND ($3::bigint IS NULL OR (m.plan_id, m.number) > ($3, $4)) "         \
	                   "ORDER BY m.plan_id, m.number, (a.unit_id = $1) DESC, (a.role = "       \
	                   "'lead') DESC, a.unit_id LIMIT $5")

#endif
