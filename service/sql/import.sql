-- import.sql — set-based upserts of a plan document, one statement per table. Each statement
-- returns one row: created, updated, total in the document, deleted. Rows are only touched
-- when a value differs, so a repeated import reports everything unchanged.

-- fragment: import_counts(deleted)
-- The counts row from the upsert's RETURNING (xmax = 0) AS created rows (CTE up) and the
-- document's rows (CTE src).
SELECT count(*) FILTER (WHERE created),
       count(*) FILTER (WHERE NOT created),
       (SELECT count(*) FROM src),
       {{deleted}}
FROM up

-- name: STMT_IMPORT_LOCK
-- properties: read-only
SELECT pg_advisory_xact_lock(7301190732)

-- name: STMT_IMPORT_PLAN
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT $1::text AS code
),
up AS (
    INSERT INTO plans (code, title, start_date, cadence, report_due_days, assumptions)
    VALUES ($1, $2, $3::date, $4, $5::int, $6::jsonb)
    ON CONFLICT (code) DO UPDATE
    SET title = EXCLUDED.title, start_date = EXCLUDED.start_date,
        cadence = EXCLUDED.cadence, report_due_days = EXCLUDED.report_due_days,
        assumptions = EXCLUDED.assumptions, row_version = plans.row_version + 1,
        updated_at = now()
    WHERE (plans.title, plans.start_date, plans.cadence, plans.report_due_days,
           plans.assumptions)
          IS DISTINCT FROM
          (EXCLUDED.title, EXCLUDED.start_date, EXCLUDED.cadence, EXCLUDED.report_due_days,
           EXCLUDED.assumptions)
    RETURNING (xmax = 0) AS created
)
{{import_counts(0)}}

-- name: STMT_IMPORT_PLAN_WARN_DAYS
-- properties: writes
-- Plan $1's warn_days from the document ($2), run only when the document gives it.
UPDATE plans
SET warn_days = $2::int, row_version = row_version + 1, updated_at = now()
WHERE code = $1 AND warn_days <> $2::int

-- name: STMT_IMPORT_UNITS
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT *
    FROM jsonb_to_recordset($1::jsonb)
         AS s(code text, name text, kind text, in_source boolean, note text)
),
up AS (
    INSERT INTO units (code, name, kind, in_source, note)
    SELECT code, name, kind, in_source, note
    FROM src
    ON CONFLICT (code) DO UPDATE
    SET name = EXCLUDED.name, kind = EXCLUDED.kind, in_source = EXCLUDED.in_source,
        note = EXCLUDED.note, row_version = units.row_version + 1, updated_at = now()
    WHERE (units.name, units.kind, units.in_source, units.note)
          IS DISTINCT FROM
          (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.in_source, EXCLUDED.note)
    RETURNING (xmax = 0) AS created
)
{{import_counts(0)}}

-- name: STMT_IMPORT_NAME_CLASHES
-- properties: read-only, retry-safe
-- columns: code, name, other
-- The first name a unit of the document ($1 units, $2 [{code, aliases}] of those that list
-- aliases) would take from another unit as it will stand after the import: its name as the
-- other's alias, an alias as the other's name or alias. Another unit of the document keeps
-- its aliases from the database when it lists none; its name is checked in C. Run with the
-- aliases step only (units_names_unique checks every case at the write).
WITH doc AS (
    SELECT s.code, s.name
    FROM jsonb_to_recordset($1::jsonb) AS s(code text, name text)
),
listed AS (
    SELECT s.code, s.aliases
    FROM jsonb_to_recordset($2::jsonb) AS s(code text, aliases jsonb)
),
al AS (
    SELECT l.code, a.alias
    FROM listed l, jsonb_array_elements_text(l.aliases) AS a(alias)
),
others AS (
    SELECT u.code,
           CASE WHEN u.code IN (SELECT code FROM doc) THEN NULL ELSE u.name END AS name,
           CASE WHEN u.code IN (SELECT code FROM listed) THEN '{}' ELSE u.aliases END AS aliases
    FROM units u
)
(SELECT d.code, d.name, o.code
 FROM doc d
 JOIN others o ON o.code <> d.code AND o.aliases @> ARRAY[d.name]
 UNION ALL
 SELECT a.code, a.alias, o.code
 FROM al a
 JOIN others o ON o.code <> a.code AND (o.name = a.alias OR o.aliases @> ARRAY[a.alias]))
LIMIT 1

-- name: STMT_IMPORT_UNIT_ALIASES
-- properties: writes
-- columns: created, updated, total, deleted
-- The aliases of the units that list them ($1: [{code, aliases}]); a unit without the member
-- keeps its own. Runs only for a document that lists some (so a version-4 database still takes
-- one that lists none). A unit counts as updated here only when the units statement before
-- neither created nor updated it (its updated_at is then older than the transaction).
WITH src AS (
    SELECT s.code, ARRAY(SELECT jsonb_array_elements_text(s.aliases)) AS aliases
    FROM jsonb_to_recordset($1::jsonb) AS s(code text, aliases jsonb)
),
up AS (
    UPDATE units u
    SET aliases = src.aliases, row_version = u.row_version + 1, updated_at = now()
    FROM src, units o
    WHERE u.code = src.code AND o.id = u.id AND u.aliases IS DISTINCT FROM src.aliases
    RETURNING o.updated_at <> now() AS counted
)
SELECT 0, count(*) FILTER (WHERE counted), 0, 0
FROM up

-- name: STMT_IMPORT_MEMBERSHIPS
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT g.id AS group_id, m.id AS member_id, s.position
    FROM jsonb_to_recordset($1::jsonb) AS s(grp text, member text, position int)
    JOIN units g ON g.code = s.grp
    JOIN units m ON m.code = s.member
),
del AS (
    DELETE FROM unit_memberships um
    USING units g
    WHERE um.group_id = g.id
      AND g.code IN (SELECT jsonb_array_elements_text($2::jsonb))
      AND NOT EXISTS (SELECT 1
                      FROM src
                      WHERE src.group_id = um.group_id AND src.member_id = um.member_id)
    RETURNING 1
),
up AS (
    INSERT INTO unit_memberships (group_id, member_id, position)
    SELECT group_id, member_id, position
    FROM src
    ON CONFLICT (group_id, member_id) DO UPDATE
    SET position = EXCLUDED.position
    WHERE unit_memberships.position IS DISTINCT FROM EXCLUDED.position
    RETURNING (xmax = 0) AS created
)
{{import_counts((SELECT count(*) FROM del))}}

-- name: STMT_IMPORT_TASKS
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT *
    FROM jsonb_to_recordset($2::jsonb) AS s(code text, number int, label text, title text)
),
up AS (
    INSERT INTO tasks (plan_id, code, number, label, title)
    SELECT p.id, src.code, src.number, src.label, src.title
    FROM src
    JOIN plans p ON p.code = $1
    ON CONFLICT (code) DO UPDATE
    SET plan_id = EXCLUDED.plan_id, number = EXCLUDED.number, label = EXCLUDED.label,
        title = EXCLUDED.title, row_version = tasks.row_version + 1, updated_at = now()
    WHERE (tasks.plan_id, tasks.number, tasks.label, tasks.title)
          IS DISTINCT FROM
          (EXCLUDED.plan_id, EXCLUDED.number, EXCLUDED.label, EXCLUDED.title)
    RETURNING (xmax = 0) AS created
)
{{import_counts(0)}}

-- name: STMT_IMPORT_MEASURES
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT *
    FROM jsonb_to_recordset($2::jsonb) AS s(code text, number int, task text, title text)
),
up AS (
    INSERT INTO measures (plan_id, task_id, code, number, title)
    SELECT p.id, t.id, src.code, src.number, src.title
    FROM src
    JOIN plans p ON p.code = $1
    JOIN tasks t ON t.code = src.task
    ON CONFLICT (code) DO UPDATE
    SET plan_id = EXCLUDED.plan_id, task_id = EXCLUDED.task_id, number = EXCLUDED.number,
        title = EXCLUDED.title, row_version = measures.row_version + 1, updated_at = now()
    WHERE (measures.plan_id, measures.task_id, measures.number, measures.title)
          IS DISTINCT FROM
          (EXCLUDED.plan_id, EXCLUDED.task_id, EXCLUDED.number, EXCLUDED.title)
    RETURNING (xmax = 0) AS created
)
{{import_counts(0)}}

-- name: STMT_IMPORT_ITEMS
-- properties: writes
-- columns: created, updated, total, deleted
-- Items are upserted before the targets that point at them and pruned after, so a target
-- moving to another item is never cascaded away with its old one.
WITH src AS (
    SELECT m.id AS measure_id, s.number, s.text
    FROM jsonb_to_recordset($1::jsonb) AS s(measure text, number int, text text)
    JOIN measures m ON m.code = s.measure
),
up AS (
    INSERT INTO measure_items (measure_id, number, text)
    SELECT measure_id, number, text
    FROM src
    ON CONFLICT (measure_id, number) DO UPDATE
    SET text = EXCLUDED.text
    WHERE measure_items.text IS DISTINCT FROM EXCLUDED.text
    RETURNING (xmax = 0) AS created
)
{{import_counts(0)}}

-- name: STMT_IMPORT_ITEMS_PRUNE
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT m.id AS measure_id, s.number
    FROM jsonb_to_recordset($1::jsonb) AS s(measure text, number int)
    JOIN measures m ON m.code = s.measure
),
del AS (
    DELETE FROM measure_items i
    USING measures m
    WHERE i.measure_id = m.id
      AND m.code IN (SELECT jsonb_array_elements_text($2::jsonb))
      AND NOT EXISTS (SELECT 1
                      FROM src
                      WHERE src.measure_id = i.measure_id AND src.number = i.number)
    RETURNING 1
)
SELECT 0, 0, 0, count(*)
FROM del

-- name: STMT_IMPORT_ASSIGNMENTS
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT m.id AS measure_id, u.id AS unit_id, s.role, s.position
    FROM jsonb_to_recordset($1::jsonb) AS s(measure text, unit text, role text, position int)
    JOIN measures m ON m.code = s.measure
    JOIN units u ON u.code = s.unit
),
del AS (
    DELETE FROM assignments a
    USING measures m
    WHERE a.measure_id = m.id
      AND m.code IN (SELECT jsonb_array_elements_text($2::jsonb))
      AND NOT EXISTS (SELECT 1
                      FROM src
                      WHERE src.measure_id = a.measure_id AND src.unit_id = a.unit_id)
    RETURNING 1
),
up AS (
    INSERT INTO assignments (measure_id, unit_id, role, position)
    SELECT measure_id, unit_id, role, position
    FROM src
    ON CONFLICT (measure_id, unit_id) DO UPDATE
    SET role = EXCLUDED.role, position = EXCLUDED.position
    WHERE (assignments.role, assignments.position)
          IS DISTINCT FROM
          (EXCLUDED.role, EXCLUDED.position)
    RETURNING (xmax = 0) AS created
)
{{import_counts((SELECT count(*) FROM del))}}

-- name: STMT_IMPORT_TARGETS
-- properties: writes
-- columns: created, updated, total, deleted
WITH src AS (
    SELECT s.*, m.id AS measure_id, i.id AS item_id, au.id AS accountable_unit_id
    FROM jsonb_to_recordset($1::jsonb)
         AS s(code text, measure text, item int, position int, metric text, kind text,
              comparator text, value numeric, unit_of_measure text, deadline date,
              recurrence text, recurrence_start date, accountable_unit text,
              aggregation text, source_phrase text)
    JOIN measures m ON m.code = s.measure
    JOIN measure_items i ON i.measure_id = m.id AND i.number = s.item
    LEFT JOIN units au ON au.code = s.accountable_unit
),
del AS (
    DELETE FROM targets t
    USING measures m
    WHERE t.measure_id = m.id
      AND m.code IN (SELECT jsonb_array_elements_text($2::jsonb))
      AND NOT EXISTS (SELECT 1 FROM src WHERE src.code = t.code)
    RETURNING 1
),
up AS (
    INSERT INTO targets (code, measure_id, item_id, position, metric, kind, comparator, value,
                         unit_of_measure, deadline, recurrence, recurrence_start,
                         accountable_unit_id, aggregation, source_phrase)
    SELECT code, measure_id, item_id, position, metric, kind, comparator, value,
           unit_of_measure, deadline, recurrence, recurrence_start, accountable_unit_id,
           aggregation, source_phrase
    FROM src
    ON CONFLICT (code) DO UPDATE
    SET measure_id = EXCLUDED.measure_id, item_id = EXCLUDED.item_id,
        position = EXCLUDED.position, metric = EXCLUDED.metric, kind = EXCLUDED.kind,
        comparator = EXCLUDED.comparator, value = EXCLUDED.value,
        unit_of_measure = EXCLUDED.unit_of_measure, deadline = EXCLUDED.deadline,
        recurrence = EXCLUDED.recurrence, recurrence_start = EXCLUDED.recurrence_start,
        accountable_unit_id = EXCLUDED.accountable_unit_id,
        aggregation = EXCLUDED.aggregation, source_phrase = EXCLUDED.source_phrase,
        row_version = targets.row_version + 1, updated_at = now()
    WHERE (targets.measure_id, targets.item_id, targets.position, targets.metric,
           targets.kind, targets.comparator, targets.value, targets.unit_of_measure,
           targets.deadline, targets.recurrence, targets.recurrence_start,
           targets.accountable_unit_id, targets.aggregation, targets.source_phrase)
          IS DISTINCT FROM
          (EXCLUDED.measure_id, EXCLUDED.item_id, EXCLUDED.position, EXCLUDED.metric,
           EXCLUDED.kind, EXCLUDED.comparator, EXCLUDED.value, EXCLUDED.unit_of_measure,
           EXCLUDED.deadline, EXCLUDED.recurrence, EXCLUDED.recurrence_start,
           EXCLUDED.accountable_unit_id, EXCLUDED.aggregation, EXCLUDED.source_phrase)
    RETURNING (xmax = 0) AS created
)
{{import_counts((SELECT count(*) FROM del))}}

-- name: STMT_IMPORT_AUDIT
-- properties: writes
-- columns: one
-- $1 iss, $2 sub, $3 unit, $4 request id, $5 counts, $6 plan code.
INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity, entity_id,
                       after)
SELECT $1, $2, $3, $4, 'plan.import', 'plan', p.id, $5::jsonb
FROM plans p
WHERE p.code = $6
RETURNING 1

-- name: STMT_IMPORT_TARGET_SHARES
-- properties: writes
-- columns: created, updated, total, deleted
-- share_of links, after every target exists; a link change on a target that this import did
-- not already create or update counts as an update.
WITH src AS (
    SELECT t.id, t.created_at = now() OR t.updated_at = now() AS seen, b.id AS share_of_id
    FROM jsonb_to_recordset($1::jsonb) AS s(code text, share_of text)
    JOIN targets t ON t.code = s.code
    LEFT JOIN targets b ON b.code = s.share_of
),
up AS (
    UPDATE targets t
    SET share_of_id = src.share_of_id,
        row_version = t.row_version + CASE WHEN src.seen THEN 0 ELSE 1 END,
        updated_at = now()
    FROM src
    WHERE t.id = src.id
      AND t.share_of_id IS DISTINCT FROM src.share_of_id
    RETURNING NOT src.seen AS counted
)
SELECT 0, count(*) FILTER (WHERE counted), 0, 0
FROM up
