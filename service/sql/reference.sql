-- reference.sql — reads of plans, tasks, measures, targets and units. List statements return
-- their sort keys first and the JSON last (repo_reply_list reads them so), LIMIT rows after the
-- cursor keys; a NULL filter parameter means "no filter". Every list takes ?code= (exact
-- match on the unique code) as its last filter, before the cursor keys.

-- name: STMT_PLAN_GET
-- properties: read-only, retry-safe
-- columns: json
SELECT {{plan_json}}
FROM plans p
WHERE p.id = $1

-- name: STMT_PLAN_LIST
-- properties: read-only, retry-safe
-- columns: id, json
-- $1 code, $2 after this id, $3 limit.
SELECT p.id, {{plan_json}}
FROM plans p
WHERE ($1::text IS NULL OR p.code = $1)
  AND ($2::bigint IS NULL OR p.id > $2)
ORDER BY p.id
LIMIT $3

-- name: STMT_TASK_GET
-- properties: read-only, retry-safe
-- columns: json
SELECT {{task_json}}
FROM tasks t
WHERE t.id = $1

-- name: STMT_TASK_LIST
-- properties: read-only, retry-safe
-- columns: plan_id, number, json
-- $1 plan, $2 code, $3 $4 after this plan and number, $5 limit.
SELECT t.plan_id, t.number, {{task_json}}
FROM tasks t
WHERE ($1::bigint IS NULL OR t.plan_id = $1)
  AND ($2::text IS NULL OR t.code = $2)
  AND ($3::bigint IS NULL OR (t.plan_id, t.number) > ($3, $4))
ORDER BY t.plan_id, t.number
LIMIT $5

-- name: STMT_MEASURE_GET
-- properties: read-only, retry-safe
-- columns: json
-- $1 id, $2 expand groups. The document kept by db/schema.sql's triggers (measure_json).
SELECT CASE WHEN $2::boolean THEN coalesce(d.json_expanded, d.json) ELSE d.json END
FROM measure_documents d
WHERE d.measure_id = $1

-- name: STMT_MEASURE_LIST
-- properties: read-only, retry-safe
-- columns: plan_id, number, json
-- $1 plan, $2 task, $3 unit code (directly or through a group), $4 role, $5 text in the title
-- or an item, $6 expand groups, $7 code, $8 $9 after this plan and number, $10 limit.
SELECT m.plan_id, m.number,
       CASE WHEN $6::boolean THEN coalesce(d.json_expanded, d.json) ELSE d.json END
FROM measures m
JOIN measure_documents d ON d.measure_id = m.id
WHERE ($1::bigint IS NULL OR m.plan_id = $1)
  AND ($2::bigint IS NULL OR m.task_id = $2)
  AND (($3::text IS NULL AND $4::text IS NULL)
       OR EXISTS (SELECT 1
                  FROM assignments a
                  WHERE a.measure_id = m.id
                    AND ($4::text IS NULL OR a.role = $4)
                    AND ($3::text IS NULL OR a.unit_id IN {{unit_or_groups($3)}})))
  AND ($5::text IS NULL
       OR strpos(m.title, $5) > 0
       OR EXISTS (SELECT 1
                  FROM measure_items i
                  WHERE i.measure_id = m.id AND strpos(i.text, $5) > 0))
  AND ($7::text IS NULL OR m.code = $7)
  AND ($8::bigint IS NULL OR (m.plan_id, m.number) > ($8, $9))
ORDER BY m.plan_id, m.number
LIMIT $10

-- name: STMT_MEASURE_EXISTS
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
FROM measures
WHERE id = $1

-- name: STMT_MEASURE_TARGETS
-- properties: read-only, retry-safe
-- columns: position, id, json
-- $1 measure, $2 code, $3 $4 after this position and id, $5 limit.
SELECT tg.position, tg.id, {{target_json}}
FROM targets tg
WHERE tg.measure_id = $1
  AND ($2::text IS NULL OR tg.code = $2)
  AND ($3::bigint IS NULL OR (tg.position, tg.id) > ($3, $4))
ORDER BY tg.position, tg.id
LIMIT $5

-- name: STMT_TARGET_GET
-- properties: read-only, retry-safe
-- columns: json
SELECT {{target_json}}
FROM targets tg
WHERE tg.id = $1

-- name: STMT_UNIT_GET
-- properties: read-only, retry-safe
-- columns: json
SELECT {{unit_json}}
FROM units u
WHERE u.id = $1

-- name: STMT_UNIT_LIST
-- properties: read-only, retry-safe
-- columns: id, json
-- $1 kind, $2 text in the name or code (or a whole alias), $3 code, $4 after this id, $5 limit.
SELECT u.id, {{unit_json}}
FROM units u
WHERE ($1::text IS NULL OR u.kind = $1)
  AND ($2::text IS NULL OR strpos(u.name, $2) > 0 OR strpos(u.code, lower($2)) > 0
       OR u.aliases @> ARRAY[$2::text])
  AND ($3::text IS NULL OR u.code = $3)
  AND ($4::bigint IS NULL OR u.id > $4)
ORDER BY u.id
LIMIT $5

-- name: STMT_UNIT_EXISTS
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
FROM units
WHERE id = $1

-- fragment: unit_assigned(a)
-- Assignment a is unit $1's own: made to it, or to a group it belongs to.
(a.unit_id = $1 OR a.unit_id IN (SELECT group_id FROM unit_memberships WHERE member_id = $1))

-- name: STMT_UNIT_MEASURES
-- properties: read-only, retry-safe
-- columns: plan_id, number, json
-- A unit's measures: assigned directly or through a group, or accountable for one of its
-- targets (what it may report on, as zeren_unit_measures and GET /v1/me count them), with how:
-- its own assignment (direct first), else role 'accountable' and no via. $1 unit, $2 role
-- (which leaves out accountable-only measures), $3 measure code, $4 $5 after this plan and
-- number, $6 limit.
SELECT DISTINCT ON (m.plan_id, m.number)
       m.plan_id,
       m.number,
       (d.json::jsonb
        || jsonb_build_object('assignment', jsonb_build_object(
               'role', CASE WHEN {{unit_assigned(a)}} THEN a.role ELSE 'accountable' END,
               'via', CASE WHEN a.unit_id = $1 OR NOT {{unit_assigned(a)}} THEN NULL
                           ELSE (SELECT jsonb_build_object('id', g.id, 'code', g.code,
                                                           'name', g.name)
                                 FROM units g
                                 WHERE g.id = a.unit_id)
                      END)))::text
FROM assignments a
JOIN measures m ON m.id = a.measure_id
JOIN measure_documents d ON d.measure_id = m.id
WHERE ((a.unit_id = $1 OR a.unit_id IN (SELECT group_id FROM unit_memberships WHERE member_id = $1))
       OR ($2::text IS NULL
           AND m.id IN (SELECT t.measure_id FROM targets t WHERE t.accountable_unit_id = $1)))
  AND ($2::text IS NULL OR a.role = $2)
  AND ($3::text IS NULL OR m.code = $3)
  AND ($4::bigint IS NULL OR (m.plan_id, m.number) > ($4, $5))
ORDER BY m.plan_id, m.number, {{unit_assigned(a)}} DESC, (a.unit_id = $1) DESC,
         (a.role = 'lead') DESC, a.unit_id
LIMIT $6

-- text: SQL_MEASURE_DOCUMENTS_STALE
-- columns: measure_id
-- Measures whose kept document (measure_documents) differs from json.sql's measure_json, or
-- that have none: no row while every write path keeps them in step (tests, or by hand).
SELECT m.id
FROM measures m
LEFT JOIN measure_documents d ON d.measure_id = m.id
WHERE d.json IS DISTINCT FROM {{measure_json(false)}}::text
   OR coalesce(d.json_expanded, d.json) IS DISTINCT FROM {{measure_json(true)}}::text
ORDER BY m.id
