/* progress_sql.h — progress records: scope checks, writes, versions, audit rows, reads.
 * Every write transaction starts with a statement that sets zeren.unit and zeren.role, which
 * the row-level security policies in db/schema.sql check again. */
#ifndef ZEREN_PROGRESS_SQL_H
#define ZEREN_PROGRESS_SQL_H

#include "json_sql.h"

/* A progress record (alias r) as the API returns it. */
/* clang-format off */
/* A progress record (alias r) as the API returns it, given SQL for its unit reference and
 * its values array. */
#define SQL_PROGRESS_JSON_WITH(UNIT, VALUES)                                                  \
	"json_build_object('id', r.id, 'measure_id', r.measure_id, 'unit', " UNIT ", "        \
	"'period', r.period, 'period_start', r.period_start, 'period_end', r.period_end, "    \
	"'status', r.status, 'summary', r.summary, 'problems', r.problems, "                  \
	"'next_steps', r.next_steps, 'values', " VALUES ", 'evidence', r.evidence, "          \
	"'version', r.version, 'review_state', r.review_state, "                              \
	"'reported_by', r.reported_by, 'reported_at', " SQL_TS("r.reported_at") ", "          \
	"'updated_at', " SQL_TS("r.updated_at") ", 'reviewed_by', r.reviewed_by, "            \
	"'reviewed_at', CASE WHEN r.reviewed_at IS NULL THEN NULL ELSE "                      \
	SQL_TS("r.reviewed_at") " END, 'review_comment', r.review_comment)"

/* One record, looking its unit and values up. */
#define SQL_PROGRESS_JSON                                                                     \
	SQL_PROGRESS_JSON_WITH(                                                               \
		"(SELECT " SQL_UNIT_REF " FROM units u WHERE u.id = r.unit_id)",              \
		"coalesce((SELECT json_agg(json_build_object('target_id', v.target_id, "      \
		"'value', v.value) ORDER BY v.target_id) FROM progress_values v "             \
		"WHERE v.progress_id = r.id), '[]')")
/* clang-format on */

/* Sets the request's unit ($U) and role ($R) for row-level security, in this transaction. */
#define SQL_SET_SCOPE(U, R)                                                                        \
	"set_config('zeren.unit', coalesce(" U ", ''), true), "                                    \
	"set_config('zeren.role', " R ", true)"

#define PROGRESS_SQL(X)                                                                            \
	/* $1 acting unit code, $2 role, $3 measure id, $4 values [{target_id, value}],            \
	 * $5 the token's unit. Returns the acting unit's id, whether the measure exists,          \
	 * whether the acting unit is assigned, and the indexes of values whose target is not      \
	 * the measure's or whose percentage is over 100. */                                       \
	X(STMT_PROGRESS_SCOPE,                                                                     \
	  "SELECT " SQL_SET_SCOPE(                                                                 \
	          "$5", "$2") ", "                                                                 \
	                      "(SELECT id FROM units WHERE code = $1 AND kind <> 'group'), "       \
	                      "EXISTS (SELECT 1 FROM measures WHERE id = $3), "                    \
	                      "coalesce(zeren_unit_assigned((SELECT id FROM units WHERE code = "   \
	                      "$1), $3), false), "                                                 \
	                      "(SELECT coalesce(json_agg(v.ord - 1 ORDER BY v.ord), '[]') FROM "   \
	                      "jsonb_array_elements($4::jsonb) WITH ORDINALITY AS v(e, ord) LEFT " \
	                      "JOIN targets t "                                                    \
	                      "ON t.id = (v.e->>'target_id')::bigint AND t.measure_id = $3 WHERE " \
	                      "t.id IS NULL)::text, "                                              \
	                      "(SELECT coalesce(json_agg(v.ord - 1 ORDER BY v.ord), '[]') FROM "   \
	                      "jsonb_array_elements($4::jsonb) WITH ORDINALITY AS v(e, ord) JOIN " \
	                      "targets t "                                                         \
	                      "ON t.id = (v.e->>'target_id')::bigint AND t.measure_id = $3 WHERE " \
	                      "t.kind = 'percentage' AND t.share_of_id IS NULL AND "               \
	                      "(v.e->>'value')::numeric > 100)::text")                             \
	X(STMT_PROGRESS_INSERT,                                                                    \
	  "INSERT INTO progress_records (measure_id, unit_id, period, period_start, "              \
	  "period_end, status, summary, problems, next_steps, evidence, reported_by, "             \
	  "reported_iss) VALUES ($1, $2, $3, $4::date, $5::date, $6, $7, $8, $9, $10::jsonb, "     \
	  "$11, $12) ON CONFLICT (measure_id, unit_id, period) DO NOTHING RETURNING id")           \
	X(STMT_PROGRESS_VALUES_INSERT,                                                             \
	  "INSERT INTO progress_values (progress_id, target_id, value) "                           \
	  "SELECT $1, (e->>'target_id')::bigint, (e->>'value')::numeric "                          \
	  "FROM jsonb_array_elements($2::jsonb) e")                                                \
	X(STMT_PROGRESS_VALUES_DELETE, "DELETE FROM progress_values WHERE progress_id = $1")       \
	/* The record's JSON after a write, kept as a version and in the audit log. $1 id,         \
	 * $2 sub, $3 iss, $4 unit, $5 request id, $6 action, $7 JSON before (or NULL). */         \
	X(STMT_PROGRESS_SNAPSHOT,                                                                  \
	  "WITH b AS (SELECT " SQL_PROGRESS_JSON "::jsonb AS j, r.version FROM "                   \
	  "progress_records r WHERE r.id = $1), "                                                  \
	  "v AS (INSERT INTO progress_versions (progress_id, version, body, created_by) "          \
	  "SELECT $1, b.version, b.j, $2 FROM b ON CONFLICT (progress_id, version) DO NOTHING), "  \
	  "a AS (INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, "    \
	  "entity, entity_id, before, after) SELECT $3, $2, $4, $5, $6, 'progress', $1, "          \
	  "$7::jsonb, b.j FROM b) "                                                                \
	  "SELECT " SQL_PROGRESS_JSON "::text FROM progress_records r WHERE r.id = $1")            \
	/* Locks a record for a change. $1 id, $2 role, $3 token's unit. Returns its JSON,         \
	 * unit code, review state, and whether the token's unit is assigned / leads. */           \
	X(STMT_PROGRESS_LOCK,                                                                      \
	  "SELECT " SQL_SET_SCOPE(                                                                 \
	          "$3",                                                                            \
	          "$2") ", " SQL_PROGRESS_JSON "::text, "                                          \
	                "(SELECT code FROM units WHERE id = r.unit_id), r.review_state, "          \
	                "coalesce(zeren_unit_assigned((SELECT id FROM units WHERE code = $3), "    \
	                "r.measure_id), false), coalesce(zeren_unit_assigned((SELECT id FROM "     \
	                "units WHERE "                                                             \
	                "code = $3), r.measure_id, 'lead'), false), r.measure_id, r.version "      \
	                "FROM progress_records r WHERE r.id = $1 FOR UPDATE OF r")                 \
	X(STMT_PROGRESS_UPDATE,                                                                    \
	  "UPDATE progress_records SET status = $2, summary = $3, problems = $4, "                 \
	  "next_steps = $5, evidence = $6::jsonb, version = version + 1, "                         \
	  "row_version = row_version + 1, review_state = 'submitted', reviewed_by = NULL, "        \
	  "reviewed_at = NULL, review_comment = NULL, updated_at = clock_timestamp() "             \
	  "WHERE id = $1")                                                                         \
	X(STMT_PROGRESS_REVIEW,                                                                    \
	  "WITH rv AS (INSERT INTO progress_reviews (progress_id, version, decision, comment, "    \
	  "reviewer_sub, reviewer_unit) VALUES ($1, $6, $2, $3, $4, $5)) "                         \
	  "UPDATE progress_records SET review_state = CASE $2 WHEN 'approve' THEN 'approved' "     \
	  "ELSE 'returned' END, reviewed_by = $4, reviewed_at = clock_timestamp(), "               \
	  "review_comment = $3, row_version = row_version + 1, updated_at = clock_timestamp() "    \
	  "WHERE id = $1")                                                                         \
	X(STMT_PROGRESS_GET,                                                                       \
	  "SELECT " SQL_PROGRESS_JSON " FROM progress_records r WHERE r.id = $1")                  \
	X(STMT_PROGRESS_EXISTS, "SELECT 1 FROM progress_records WHERE id = $1")                    \
	X(STMT_PROGRESS_LIST,                                                                      \
	  "SELECT r.id, " SQL_PROGRESS_JSON " FROM progress_records r "                            \
	  "WHERE ($1::bigint IS NULL OR r.measure_id = $1) "                                       \
	  "AND ($2::text IS NULL OR r.unit_id = (SELECT id FROM units WHERE code = $2)) "          \
	  "AND ($3::text IS NULL OR r.period = $3) "                                               \
	  "AND ($4::text IS NULL OR r.review_state = $4) "                                         \
	  "AND ($5::timestamptz IS NULL OR r.updated_at >= $5) "                                   \
	  "AND ($6::bigint IS NULL OR r.id > $6) ORDER BY r.id LIMIT $7")                          \
	X(STMT_PROGRESS_HISTORY,                                                                   \
	  "SELECT v.version, json_build_object('version', v.version, 'created_at', " SQL_TS(       \
	          "v.created_at") ", 'created_by', v.created_by, 'record', v.body, "               \
	                          "'reviews', coalesce((SELECT "                                   \
	                          "json_agg(json_build_object('decision', rv.decision, "           \
	                          "'comment', rv.comment, 'reviewer', rv.reviewer_sub, "           \
	                          "'reviewer_unit', "                                              \
	                          "rv.reviewer_unit, 'reviewed_at', " SQL_TS(                      \
	                                  "rv.reviewed_at") ") ORDER BY rv.id) "                   \
	                                                    "FROM progress_reviews rv WHERE "      \
	                                                    "rv.progress_id = v.progress_id AND "  \
	                                                    "rv.version = v.version), '[]')) "     \
	                                                    "FROM progress_versions v WHERE "      \
	                                                    "v.progress_id = $1 "                  \
	                                                    "AND ($2::bigint IS NULL OR "          \
	                                                    "v.version > $2) ORDER BY v.version "  \
	                                                    "LIMIT $3")                            \
	/* Batch: $1 rows [{i, measure_id, unit, period}], $2 role, $3 token's unit.               \
	 * Returns {i, problem} for each row the database refuses. */                              \
	X(STMT_PROGRESS_BATCH_CHECK,                                                               \
	  "WITH s AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i int, "                    \
	  "measure_id bigint, unit text, period text, targets bigint[], percents bigint[])), "     \
	  "k AS (SELECT s.*, u.id AS unit_id, m.id AS mid FROM s LEFT JOIN units u ON "            \
	  "u.code = s.unit AND u.kind <> 'group' LEFT JOIN measures m ON m.id = s.measure_id) "    \
	  "SELECT " SQL_SET_SCOPE(                                                                 \
	          "$3",                                                                            \
	          "$2") ", coalesce((SELECT json_agg(json_build_object("                           \
	                "'i', p.i, 'field', p.field, 'problem', p.problem) ORDER BY p.i) FROM ("   \
	                "SELECT i, 'measure_id' AS field, 'unknown measure' AS problem FROM k "    \
	                "WHERE mid IS NULL "                                                       \
	                "UNION ALL SELECT i, 'unit', 'unknown unit' FROM k WHERE unit_id IS NULL " \
	                "UNION ALL SELECT i, 'unit', 'forbidden: the unit is not assigned to "     \
	                "this measure' "                                                           \
	                "FROM k WHERE mid IS NOT NULL AND unit_id IS NOT NULL AND "                \
	                "NOT zeren_unit_assigned(unit_id, mid) "                                   \
	                "UNION ALL SELECT i, 'period', 'conflict: a record for this measure, "     \
	                "unit and "                                                                \
	                "period exists' FROM k WHERE EXISTS (SELECT 1 FROM progress_records r "    \
	                "WHERE "                                                                   \
	                "r.measure_id = k.mid AND r.unit_id = k.unit_id AND r.period = k.period) " \
	                "UNION ALL SELECT k.i, 'values', 'target ' || t.t || ' is not a target "   \
	                "of the "                                                                  \
	                "measure' FROM k, unnest(k.targets) AS t(t) WHERE mid IS NOT NULL AND "    \
	                "NOT EXISTS "                                                              \
	                "(SELECT 1 FROM targets g WHERE g.id = t.t AND g.measure_id = k.mid) "     \
	                "UNION ALL SELECT k.i, 'values', 'target ' || t.t || ' is a percentage: "  \
	                "at most "                                                                 \
	                "100' FROM k, unnest(k.percents) AS t(t) WHERE EXISTS (SELECT 1 FROM "     \
	                "targets g "                                                               \
	                "WHERE g.id = t.t AND g.kind = 'percentage' AND g.share_of_id IS NULL)"    \
	                ") p), '[]')::text")                                                       \
	/* $1 rows [{measure_id, unit, period, period_start, period_end, status, summary,          \
	 * problems, next_steps, evidence}], $2 sub, $3 iss: the new ids in row order. */          \
	X(STMT_PROGRESS_BATCH_INSERT,                                                              \
	  "WITH s AS (SELECT x.*, u.id AS unit_id FROM jsonb_to_recordset($1::jsonb) AS "          \
	  "x(i int, measure_id bigint, unit text, period text, period_start date, "                \
	  "period_end date, status text, summary text, problems text, next_steps text, "           \
	  "evidence jsonb) JOIN units u ON u.code = x.unit), "                                     \
	  "ins AS (INSERT INTO progress_records (measure_id, unit_id, period, period_start, "      \
	  "period_end, status, summary, problems, next_steps, evidence, reported_by, "             \
	  "reported_iss) SELECT measure_id, unit_id, period, period_start, period_end, "           \
	  "status, summary, problems, next_steps, coalesce(evidence, '[]'), $2, $3 FROM s "        \
	  "ORDER BY i RETURNING id, measure_id, unit_id, period) "                                 \
	  "SELECT coalesce(json_agg(ins.id ORDER BY s.i), '[]')::text FROM ins JOIN s ON "         \
	  "s.measure_id = ins.measure_id AND s.unit_id = ins.unit_id AND s.period = ins.period")   \
	/* the batch's rows again ($1 as for the insert): their values, by the records'            \
	 * (measure, unit, period) */                                                              \
	X(STMT_PROGRESS_BATCH_VALUES,                                                              \
	  "INSERT INTO progress_values (progress_id, target_id, value) "                           \
	  "SELECT r.id, v.target_id, v.value FROM jsonb_to_recordset($1::jsonb) AS "               \
	  "s(measure_id bigint, unit text, period text, \"values\" jsonb) "                        \
	  "JOIN units u ON u.code = s.unit JOIN progress_records r ON r.measure_id = "             \
	  "s.measure_id AND r.unit_id = u.id AND r.period = s.period, "                            \
	  "jsonb_to_recordset(s.\"values\") AS v(target_id bigint, value numeric) "                \
	  "WHERE jsonb_array_length(s.\"values\") > 0")                                            \
	/* A batch's versions, built with joins rather than per-record look-ups, and one           \
	 * audit row for the whole batch. $1 ids (JSON array), $2 sub, $3 iss, $4 unit,            \
	 * $5 request id */                                                                        \
	X(STMT_PROGRESS_BATCH_SNAPSHOT,                                                            \
	  "WITH ids AS (SELECT (jsonb_array_elements_text($1::jsonb))::bigint AS id), "            \
	  "vals AS (SELECT v.progress_id, json_agg(json_build_object('target_id', "                \
	  "v.target_id, 'value', v.value) ORDER BY v.target_id) AS a FROM progress_values v "      \
	  "JOIN ids ON ids.id = v.progress_id GROUP BY v.progress_id), "                           \
	  "b AS (SELECT r.id, r.version, " SQL_PROGRESS_JSON_WITH(                                 \
	          SQL_UNIT_REF,                                                                    \
	          "coalesce(vals.a, '[]')") "::jsonb AS j FROM ids JOIN progress_records r ON "    \
	                                    "r.id = ids.id JOIN units u ON u.id = r.unit_id LEFT " \
	                                    "JOIN vals ON "                                        \
	                                    "vals.progress_id = r.id), "                           \
	                                    "v AS (INSERT INTO progress_versions (progress_id, "   \
	                                    "version, body, created_by) "                          \
	                                    "SELECT id, version, j, $2 FROM b) "                   \
	                                    "INSERT INTO audit_log (actor_iss, actor_sub, "        \
	                                    "actor_unit, request_id, action, "                     \
	                                    "entity, after) VALUES ($3, $2, $4, $5, "              \
	                                    "'progress.batch', 'progress', "                       \
	                                    "jsonb_build_object('rows', "                          \
	                                    "jsonb_array_length($1::jsonb), 'ids', $1::jsonb))")

#endif
