-- exports_form.sql — a unit's report form: the unit, and the measures it reports on in a period.

-- name: STMT_EXPORT_FORM_UNIT
-- properties: read-only, retry-safe
-- columns: id, code, name, kind
SELECT u.id, u.code, u.name, u.kind
FROM units u
WHERE u.id = $1

-- name: STMT_EXPORT_FORM_MEASURES
-- properties: read-only, retry-safe
-- columns: plan_id, measure_id, reported
-- The measures unit $1 reports on (assigned directly, through a group, or accountable for one
-- of its targets: zeren_unit_measures) in plans that have started by the end $2 of period $3,
-- in document order, and whether the unit has a record for that period already.
SELECT m.plan_id, m.id AS measure_id,
       EXISTS (SELECT 1
               FROM progress_records r
               WHERE r.measure_id = m.id AND r.unit_id = $1 AND r.period = $3) AS reported
FROM measures m
JOIN plans p ON p.id = m.plan_id
JOIN tasks t ON t.id = m.task_id
WHERE m.id IN (SELECT zeren_unit_measures($1))
  AND p.start_date <= $2::date
ORDER BY m.plan_id, t.number, m.number
