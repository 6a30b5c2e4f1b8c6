-- admin.sql — admin writes to reference data (units, assignments, targets, measures, tasks,
-- plans) and their audit rows. Lock statements return the resource's JSON exactly as its GET
-- does, so the ETag an If-Match names can be compared with the row held FOR UPDATE.

-- name: STMT_ADMIN_AUDIT
-- properties: writes
-- $1 iss, $2 sub, $3 unit, $4 request id, $5 action, $6 entity, $7 id, $8 JSON before,
-- $9 JSON after.
INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity, entity_id,
                       before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)

-- name: STMT_UNIT_LOCK
-- properties: writes
-- columns: json
SELECT {{unit_json}}::text
FROM units u
WHERE u.id = $1
FOR UPDATE OF u

-- name: STMT_UNIT_MEMBER_PROBLEMS
-- properties: read-only, retry-safe
-- columns: index, code, kind
-- Member codes ($1, a JSON array) that are unknown or groups.
SELECT e.ord - 1, e.code, u.kind
FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY e(code, ord)
LEFT JOIN units u ON u.code = e.code
WHERE u.id IS NULL OR u.kind = 'group'
ORDER BY e.ord

-- name: STMT_UNIT_NAME_CLASHES
-- properties: read-only, retry-safe
-- columns: index, name, code
-- The names unit $1 (NULL for a new one) would take that another unit has: its name $2
-- (index -1) as another's alias, and its aliases ($3, a JSON array) as another's name or
-- alias; with that unit's code. units_names_unique checks the same at the write.
SELECT -1, $2::text, u.code
FROM units u
WHERE u.id IS DISTINCT FROM $1::bigint AND u.aliases @> ARRAY[$2::text]
UNION ALL
SELECT e.ord - 1, e.name, u.code
FROM jsonb_array_elements_text(coalesce($3::jsonb, '[]')) WITH ORDINALITY e(name, ord)
JOIN units u ON u.id IS DISTINCT FROM $1::bigint
            AND (u.name = e.name OR u.aliases @> ARRAY[e.name])
ORDER BY 1

-- name: STMT_UNIT_IS_MEMBER
-- properties: read-only, retry-safe
-- columns: one
-- A unit that belongs to a group cannot become one.
SELECT 1
FROM unit_memberships
WHERE member_id = $1
LIMIT 1

-- name: STMT_UNIT_INSERT
-- properties: writes
-- columns: id
-- $6 aliases, a JSON array (NULL: none).
INSERT INTO units (code, name, kind, in_source, note, aliases)
VALUES ($1, $2, $3, $4::boolean, $5,
        ARRAY(SELECT jsonb_array_elements_text(coalesce($6::jsonb, '[]'))))
ON CONFLICT (code) DO NOTHING
RETURNING id

-- name: STMT_UNIT_UPDATE
-- properties: writes
-- $7 aliases, a JSON array (NULL: none).
UPDATE units
SET code = $2, name = $3, kind = $4, in_source = $5::boolean, note = $6,
    aliases = ARRAY(SELECT jsonb_array_elements_text(coalesce($7::jsonb, '[]'))),
    row_version = row_version + 1, updated_at = now()
WHERE id = $1

-- name: STMT_UNIT_MEMBERS_CLEAR
-- properties: writes
DELETE FROM unit_memberships
WHERE group_id = $1

-- name: STMT_UNIT_MEMBERS_ADD
-- properties: writes
-- $1 group, $2 member codes in order (a JSON array).
INSERT INTO unit_memberships (group_id, member_id, position)
SELECT $1, u.id, e.ord - 1
FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY e(code, ord)
JOIN units u ON u.code = e.code

-- name: STMT_UNIT_DELETE
-- properties: writes
DELETE FROM units
WHERE id = $1

-- name: STMT_UNIT_SOLE_MEMBER
-- properties: read-only, retry-safe
-- columns: one
-- A group whose only member is unit $1 would be left empty.
SELECT 1
FROM unit_memberships um
WHERE um.member_id = $1
  AND NOT EXISTS (SELECT 1
                  FROM unit_memberships o
                  WHERE o.group_id = um.group_id AND o.member_id <> $1)

-- name: STMT_MEASURE_LOCK
-- properties: writes
-- columns: json
-- The measure locked; its JSON as GET shows it (groups not expanded).
SELECT {{measure_json(false)}}::text
FROM measures m
WHERE m.id = $1
FOR UPDATE OF m

-- name: STMT_MEASURE_JSON
-- properties: read-only, retry-safe
-- columns: json
SELECT {{measure_json(false)}}::text
FROM measures m
WHERE m.id = $1

-- name: STMT_UNIT_ID_BY_CODE
-- properties: read-only, retry-safe
-- columns: id
SELECT id
FROM units
WHERE code = $1

-- name: STMT_ASSIGNMENT_INSERT
-- properties: writes
-- columns: one
-- $1 measure, $2 unit id, $3 role: appended after the measure's last assignment.
INSERT INTO assignments (measure_id, unit_id, role, position)
SELECT $1, $2, $3, coalesce(max(position) + 1, 0)
FROM assignments
WHERE measure_id = $1
ON CONFLICT (measure_id, unit_id) DO NOTHING
RETURNING 1

-- name: STMT_ASSIGNMENT_DELETE
-- properties: writes
-- columns: role, leads_left
-- Removes the assignment; returns the role it had and how many leads remain.
WITH d AS (
    DELETE FROM assignments
    WHERE measure_id = $1 AND unit_id = $2
    RETURNING role
)
SELECT d.role,
       (SELECT count(*)
        FROM assignments a
        WHERE a.measure_id = $1 AND a.role = 'lead' AND a.unit_id <> $2)
FROM d

-- name: STMT_MEASURE_TOUCH
-- properties: writes
UPDATE measures
SET row_version = row_version + 1, updated_at = now()
WHERE id = $1

-- name: STMT_TARGET_LOCK
-- properties: writes
-- columns: json, measure_id
SELECT {{target_json}}::text, tg.measure_id
FROM targets tg
WHERE tg.id = $1
FOR UPDATE OF tg

-- name: STMT_TARGET_CONTEXT
-- properties: read-only, retry-safe
-- columns: items, unit_kind, share_of_in_plan, share_of_self
-- What a target's codes need from measure $1: its items {number: text}, the kind of unit $2,
-- whether target $3 is of the same plan and whether it is target $4 itself.
SELECT coalesce((SELECT json_object_agg(i.number::text, i.text)
                 FROM measure_items i
                 WHERE i.measure_id = mm.id), '{}')::text,
       (SELECT kind FROM units WHERE code = $2),
       EXISTS (SELECT 1
               FROM targets s
               JOIN measures sm ON sm.id = s.measure_id
               WHERE s.code = $3 AND sm.plan_id = mm.plan_id),
       coalesce((SELECT s.id = $4::bigint FROM targets s WHERE s.code = $3), false)
FROM measures mm
WHERE mm.id = $1

-- name: STMT_TARGET_INSERT
-- properties: writes
-- columns: id
-- $1 code, $2 measure, $3 item number, $4 metric, $5 kind, $6 comparator, $7 value, $8 unit of
-- measure, $9 deadline, $10 recurrence, $11 recurrence start, $12 unit code, $13 aggregation,
-- $14 share_of code, $15 source phrase.
INSERT INTO targets (code, measure_id, item_id, position, metric, kind, comparator, value,
                     unit_of_measure, deadline, recurrence, recurrence_start,
                     accountable_unit_id, aggregation, share_of_id, source_phrase)
SELECT $1::text, $2::bigint, i.id,
       coalesce((SELECT max(position) + 1 FROM targets WHERE measure_id = $2::bigint), 0),
       $4::text, $5::text, $6::text, $7::numeric, $8::text, $9::date, $10::text, $11::date,
       (SELECT id FROM units WHERE code = $12::text),
       $13::text,
       (SELECT id FROM targets WHERE code = $14::text),
       $15::text
FROM measure_items i
WHERE i.measure_id = $2::bigint AND i.number = $3::int
ON CONFLICT (code) DO NOTHING
RETURNING id

-- name: STMT_TARGET_UPDATE
-- properties: writes
-- The parameters of STMT_TARGET_INSERT, $16 the target.
UPDATE targets
SET code = $1::text,
    item_id = (SELECT id FROM measure_items WHERE measure_id = $2::bigint AND number = $3::int),
    metric = $4::text, kind = $5::text, comparator = $6::text, value = $7::numeric,
    unit_of_measure = $8::text, deadline = $9::date, recurrence = $10::text,
    recurrence_start = $11::date,
    accountable_unit_id = (SELECT id FROM units WHERE code = $12::text),
    aggregation = $13::text,
    share_of_id = (SELECT id FROM targets WHERE code = $14::text),
    source_phrase = $15::text, row_version = row_version + 1, updated_at = now()
WHERE id = $16::bigint

-- name: STMT_TARGET_DELETE
-- properties: writes
DELETE FROM targets
WHERE id = $1

-- name: STMT_TASK_BY_CODE
-- properties: read-only, retry-safe
-- columns: id, plan_id
SELECT id, plan_id
FROM tasks
WHERE code = $1

-- name: STMT_MEASURE_NUMBER_TAKEN
-- properties: read-only, retry-safe
-- columns: one
-- Is measure number $2 of plan $1 used by a measure other than $3?
SELECT 1
FROM measures
WHERE plan_id = $1 AND number = $2::int AND id IS DISTINCT FROM $3::bigint

-- name: STMT_UNIT_CODES_UNKNOWN
-- properties: read-only, retry-safe
-- columns: index, code
-- Unit codes ($1, a JSON array) that name no unit.
SELECT e.ord - 1, e.code
FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY e(code, ord)
WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.code = e.code)
ORDER BY e.ord

-- name: STMT_MEASURE_INSERT
-- properties: writes
-- columns: id
INSERT INTO measures (plan_id, task_id, code, number, title)
VALUES ($1, $2, $3, $4::int, $5)
ON CONFLICT (code) DO NOTHING
RETURNING id

-- name: STMT_MEASURE_UPDATE
-- properties: writes
UPDATE measures
SET task_id = $2, code = $3, number = $4::int, title = $5, row_version = row_version + 1,
    updated_at = now()
WHERE id = $1

-- name: STMT_MEASURE_ITEMS_TRIM
-- properties: writes
-- With STMT_MEASURE_ITEMS_PUT, $2 the items [{number, text}]: numbers past the last are
-- removed, others upserted.
DELETE FROM measure_items
WHERE measure_id = $1 AND number > $2::int

-- name: STMT_MEASURE_ITEMS_PUT
-- properties: writes
INSERT INTO measure_items (measure_id, number, text)
SELECT $1, (e->>'number')::int, e->>'text'
FROM jsonb_array_elements($2::jsonb) e
ON CONFLICT (measure_id, number) DO UPDATE
SET text = EXCLUDED.text

-- name: STMT_MEASURE_ITEMS_IN_USE
-- properties: read-only, retry-safe
-- columns: number
-- Items past $2 that targets point at.
SELECT i.number
FROM measure_items i
WHERE i.measure_id = $1
  AND i.number > $2::int
  AND EXISTS (SELECT 1 FROM targets t WHERE t.item_id = i.id)
ORDER BY i.number

-- name: STMT_MEASURE_PHRASES_LOST
-- properties: read-only, retry-safe
-- columns: index, code
-- Targets whose source phrase the new item text ($2) no longer contains.
SELECT (e->>'number')::int - 1, t.code
FROM targets t
JOIN measure_items i ON i.id = t.item_id
JOIN jsonb_array_elements($2::jsonb) e ON (e->>'number')::int = i.number
WHERE t.measure_id = $1
  AND strpos(e->>'text', t.source_phrase) = 0
ORDER BY 1, t.code

-- name: STMT_MEASURE_ASSIGN_ALL
-- properties: writes
-- $2 unit codes in order, $3 role, $4 first position.
INSERT INTO assignments (measure_id, unit_id, role, position)
SELECT $1, u.id, $3, $4::int + e.ord - 1
FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY e(code, ord)
JOIN units u ON u.code = e.code

-- name: STMT_MEASURE_DELETE
-- properties: writes
DELETE FROM measures
WHERE id = $1

-- name: STMT_TASK_LOCK
-- properties: writes
-- columns: json
SELECT {{task_json}}::text
FROM tasks t
WHERE t.id = $1
FOR UPDATE OF t

-- name: STMT_PLAN_BY_CODE
-- properties: read-only, retry-safe
-- columns: id
SELECT id
FROM plans
WHERE code = $1

-- name: STMT_TASK_NUMBER_TAKEN
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
FROM tasks
WHERE plan_id = $1 AND number = $2::int AND id IS DISTINCT FROM $3::bigint

-- name: STMT_TASK_INSERT
-- properties: writes
-- columns: id
INSERT INTO tasks (plan_id, code, number, label, title)
VALUES ($1, $2, $3::int, coalesce($4, ''), $5)
ON CONFLICT (code) DO NOTHING
RETURNING id

-- name: STMT_TASK_UPDATE
-- properties: writes
UPDATE tasks
SET code = $2, number = $3::int, label = coalesce($4, ''), title = $5,
    row_version = row_version + 1, updated_at = now()
WHERE id = $1

-- name: STMT_TASK_HAS_MEASURES
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
FROM measures
WHERE task_id = $1
LIMIT 1

-- name: STMT_TASK_DELETE
-- properties: writes
DELETE FROM tasks
WHERE id = $1

-- name: STMT_PLAN_LOCK
-- properties: writes
-- columns: json
SELECT {{plan_json}}::text
FROM plans p
WHERE p.id = $1
FOR UPDATE OF p

-- name: STMT_PLAN_INSERT
-- properties: writes
-- columns: id
INSERT INTO plans (code, title, start_date, cadence, report_due_days, assumptions, warn_days)
VALUES ($1, $2, $3::date, $4, $5::int, coalesce($6::jsonb, '[]'), coalesce($7::int, 7))
ON CONFLICT (code) DO NOTHING
RETURNING id

-- name: STMT_PLAN_UPDATE
-- properties: writes
UPDATE plans
SET code = $2, title = $3, start_date = $4::date, cadence = $5, report_due_days = $6::int,
    assumptions = coalesce($7::jsonb, '[]'), warn_days = coalesce($8::int, 7),
    row_version = row_version + 1, updated_at = now()
WHERE id = $1

-- name: STMT_PLAN_HAS_TASKS
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
FROM tasks
WHERE plan_id = $1
LIMIT 1

-- name: STMT_PLAN_DELETE
-- properties: writes
DELETE FROM plans
WHERE id = $1
