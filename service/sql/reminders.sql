-- reminders.sql — reminders (催办): reports owed, emitted once each into the changes feed, and
-- GET /v1/reports/timeliness, who owes what for a period.

-- fragment: reminder_json
-- A reminder (alias rm): the unit, measure and period owed, and the due date.
json_build_object(
    'kind', rm.kind,
    'plan_id', rm.plan_id,
    'measure', (SELECT json_build_object('id', m.id, 'code', m.code)
                FROM measures m
                WHERE m.id = rm.measure_id),
    'unit', (SELECT json_build_object('id', u.id, 'code', u.code, 'name', u.name)
             FROM units u
             WHERE u.id = rm.unit_id),
    'period', rm.period,
    'due', rm.due
)

-- fragment: reminders_owed
-- The periods p (plan_id, period, due) and, for each, every expected unit and measure of its
-- plan with no record for it (e: report_expected_units of plans $1).
SELECT e.plan_id, e.measure_id, e.unit_id, p.period, p.due
FROM p
JOIN e ON e.plan_id = p.plan_id
WHERE NOT EXISTS (SELECT 1
                  FROM progress_records r
                  WHERE r.measure_id = e.measure_id
                    AND r.unit_id = e.unit_id
                    AND r.period = p.period)

-- name: STMT_REMINDER_PLANS
-- properties: read-only, retry-safe
-- columns: id, start_date, cadence, report_due_days, warn_days
SELECT p.id, p.start_date, p.cadence, p.report_due_days, p.warn_days
FROM plans p
ORDER BY p.id

-- name: STMT_REMINDER_EMIT
-- properties: writes
-- columns: emitted
-- For the periods ($1 plan, $2 label, $3 due date) and the day $4: every report owed becomes
-- an 'overdue' reminder when its due date has passed, else a 'due' one, unless that reminder
-- was already emitted (by this instance or another: the unique key decides, and a concurrent
-- check waits for the other's commit and then adds nothing).
WITH p AS (
    SELECT *
    FROM unnest($1::bigint[], $2::text[], $3::date[]) AS p(plan_id, period, due)
),
e AS (
    {{report_expected_units($1::bigint[], NULL)}}
),
ins AS (
    INSERT INTO reminders (kind, plan_id, measure_id, unit_id, period, due)
    SELECT CASE WHEN o.due < $4::date THEN 'overdue' ELSE 'due' END, o.plan_id, o.measure_id,
           o.unit_id, o.period, o.due
    FROM ({{reminders_owed}}) o
    ORDER BY o.plan_id, o.due, o.measure_id, o.unit_id
    ON CONFLICT (kind, measure_id, unit_id, period) DO NOTHING
    RETURNING 1
)
SELECT count(*)
FROM ins

-- name: STMT_REMINDER_TIMELINESS
-- properties: read-only, retry-safe
-- columns: json
-- Plan $1's period ($2 label, $3 due date) on day $4: every expected unit and measure, with
-- its record (when reported) and the reminders sent, as {unit, measure, state, ...} where
-- state is on_time, late, owed (not yet due) or overdue; the owing first.
WITH p AS (
    SELECT $1::bigint AS plan_id, $2::text AS period, $3::date AS due
),
e AS (
    {{report_expected_units(ARRAY[$1::bigint], NULL)}}
),
t AS (
    SELECT e.measure_id, e.unit_id, r.id AS progress_id, r.reported_at,
           CASE WHEN r.id IS NULL AND p.due < $4::date THEN 'overdue'
                WHEN r.id IS NULL THEN 'owed'
                WHEN (r.reported_at AT TIME ZONE 'UTC')::date <= p.due THEN 'on_time'
                ELSE 'late'
           END AS state
    FROM e
    CROSS JOIN p
    LEFT JOIN progress_records r
        ON r.measure_id = e.measure_id AND r.unit_id = e.unit_id AND r.period = p.period
)
SELECT coalesce(json_agg(json_build_object(
           'unit', json_build_object('id', u.id, 'code', u.code, 'name', u.name),
           'measure', json_build_object('id', m.id, 'code', m.code, 'number', m.number),
           'state', t.state,
           'progress_id', t.progress_id,
           'reported_at', {{ts(t.reported_at)}},
           'reminded', json_build_object(
               'due', (SELECT {{ts(rm.created_at)}}
                       FROM reminders rm
                       WHERE rm.kind = 'due' AND rm.measure_id = t.measure_id
                         AND rm.unit_id = t.unit_id AND rm.period = $2),
               'overdue', (SELECT {{ts(rm.created_at)}}
                           FROM reminders rm
                           WHERE rm.kind = 'overdue' AND rm.measure_id = t.measure_id
                             AND rm.unit_id = t.unit_id AND rm.period = $2)))
       ORDER BY t.state IN ('on_time', 'late'), u.code, m.number), '[]')::text
FROM t
JOIN units u ON u.id = t.unit_id
JOIN measures m ON m.id = t.measure_id
