-- report.sql — the reads behind reports and exports. A report runs a fixed number of set-based
-- statements whatever the data size: the targets in scope (definitions, measure, latest
-- status), their actuals for the windows report.c computes, and reporting timeliness. Sums read
-- the running totals in progress_totals (db/schema.sql): two index look-ups per target however
-- many records there are. The statements starting WITH are read-only but not retry-safe: they
-- have never been run again after a lost connection, and this file keeps it so.

-- fragment: report_counted(include_submitted)
-- Counted review states: approved, and submitted too when include_submitted (boolean) is true.
(r.review_state = 'approved' OR ({{include_submitted}} AND r.review_state = 'submitted'))

-- fragment: report_latest_status(as_of, include_submitted)
-- A measure's latest counted record up to as_of (alias ls: status, period, summary).
LEFT JOIN LATERAL (
    SELECT r.status, r.period, r.summary
    FROM progress_records r
    WHERE r.measure_id = m.id
      AND r.period_end <= {{as_of}}
      AND {{report_counted({{include_submitted}})}}
    ORDER BY r.period_end DESC, r.id DESC
    LIMIT 1
) ls ON true

-- fragment: report_target_cols
-- What report.c needs of a target (alias tg) and its plan (alias p), read by column name.
tg.id AS target_id, tg.kind, tg.comparator, tg.value::text AS value, tg.deadline,
tg.recurrence, tg.recurrence_start, tg.share_of_id, tg.accountable_unit_id,
p.start_date AS plan_start

-- fragment: report_measure_ref
-- A measure as referenced from a report row (alias m).
json_build_object('id', m.id, 'code', m.code, 'plan_id', m.plan_id,
                  'task_id', m.task_id, 'number', m.number, 'title', m.title)

-- fragment: report_latest_value(units)
-- The latest counted value of target s.target_id (of measure s.measure_id) in [s.ws, s.we]
-- from units matching the condition units: newest period end first, the later record among
-- equal ends.
(SELECT v.value
 FROM progress_records r
 JOIN progress_values v ON v.progress_id = r.id AND v.target_id = s.target_id
 WHERE r.measure_id = s.measure_id
   AND {{units}}
   AND r.period_end BETWEEN s.ws AND s.we
   AND {{report_counted($4)}}
 ORDER BY r.period_end DESC, r.id DESC
 LIMIT 1)

-- fragment: report_lead_units(measure)
-- Units assigned to measure as lead, directly or as members of an assigned group.
(SELECT a.unit_id
 FROM assignments a
 WHERE a.measure_id = {{measure}} AND a.role = 'lead'
 UNION ALL
 SELECT um.member_id
 FROM assignments a
 JOIN unit_memberships um ON um.group_id = a.unit_id
 WHERE a.measure_id = {{measure}} AND a.role = 'lead')

-- fragment: report_reported_by(as_of)
-- Reported by the end of day as_of (UTC).
r.reported_at < (({{as_of}}::date + 1)::timestamp AT TIME ZONE 'UTC')

-- fragment: report_plan_targets_from
-- Every measure and target of plan $1 in document order with each measure's latest status as
-- of $2 ($3: count submitted records).
FROM measures m
JOIN tasks t ON t.id = m.task_id
JOIN plans p ON p.id = m.plan_id
{{report_latest_status($2::date, $3::boolean)}}
LEFT JOIN targets tg ON tg.measure_id = m.id
WHERE m.plan_id = $1
ORDER BY t.number, m.number, tg.position, tg.id

-- fragment: report_expected_units(plans, unit)
-- The units expected to report on the measures of plans (a bigint[]): (plan_id, task_id,
-- measure_id, unit_id), assigned directly (not a group), or members of an assigned group not
-- also assigned themselves, of every unit or of unit only (a unit id or NULL). Groups never
-- report. Shared by timeliness, GET /v1/reports/timeliness and the reminders.
SELECT m.plan_id, m.task_id, a.measure_id, a.unit_id
FROM assignments a
JOIN measures m ON m.id = a.measure_id
JOIN units u ON u.id = a.unit_id
WHERE m.plan_id = ANY ({{plans}})
  AND u.kind <> 'group'
  AND ({{unit}}::bigint IS NULL OR a.unit_id = {{unit}})
UNION ALL
SELECT DISTINCT m.plan_id, m.task_id, a.measure_id, um.member_id
FROM assignments a
JOIN measures m ON m.id = a.measure_id
JOIN unit_memberships um ON um.group_id = a.unit_id
WHERE m.plan_id = ANY ({{plans}})
  AND ({{unit}}::bigint IS NULL OR um.member_id = {{unit}})
  AND NOT EXISTS (SELECT 1
                  FROM assignments d
                  WHERE d.measure_id = a.measure_id AND d.unit_id = um.member_id)

-- fragment: report_timeliness(unit)
-- Timeliness per plan, task, unit and period from the records r (a CTE before it) for the
-- periods $1 plan, $2 label, $3 due (oldest first), of every expected unit or of unit only (a
-- unit id or NULL).
-- e: the units expected to report on the measures of plans $1 (report_expected_units).
-- Expected counts (per task and unit, times the periods) and reported counts (the records
-- matched to expected units) are added up side by side: no join of pairs with periods.
p AS (
    SELECT *
    FROM unnest($1::bigint[], $2::text[], $3::date[]) WITH ORDINALITY AS p(plan_id, period, due, k)
),
e AS (
    {{report_expected_units($1::bigint[], {{unit}})}}
),
ec AS (
    SELECT e.plan_id, e.task_id, e.unit_id, count(*) AS expected
    FROM e
    GROUP BY e.plan_id, e.task_id, e.unit_id
),
x AS (
    SELECT ec.plan_id, ec.task_id, ec.unit_id, p.k, ec.expected, 0 AS on_time, 0 AS late
    FROM ec
    JOIN p ON p.plan_id = ec.plan_id
    UNION ALL
    SELECT e.plan_id, e.task_id, e.unit_id, p.k, 0,
           ((r.reported_at AT TIME ZONE 'UTC')::date <= p.due)::int,
           ((r.reported_at AT TIME ZONE 'UTC')::date > p.due)::int
    FROM r
    JOIN e ON e.measure_id = r.measure_id AND e.unit_id = r.unit_id
    JOIN p ON p.plan_id = e.plan_id AND p.period = r.period
)
SELECT c.plan_id, c.task_id, c.unit_id, uu.code, uu.name, uu.kind, p.period,
       c.expected, c.on_time, c.late, c.expected - c.on_time - c.late AS missing
FROM (
    SELECT plan_id, task_id, unit_id, k, sum(expected) AS expected, sum(on_time) AS on_time,
           sum(late) AS late
    FROM x
    GROUP BY plan_id, task_id, unit_id, k
) c
JOIN p ON p.k = c.k
JOIN units uu ON uu.id = c.unit_id
ORDER BY c.plan_id, c.unit_id, c.k, c.task_id

-- name: STMT_REPORT_PLAN
-- properties: read-only, retry-safe
-- columns: id, code, title, start_date, cadence, report_due_days
SELECT p.id, p.code, p.title, p.start_date, p.cadence, p.report_due_days
FROM plans p
WHERE p.id = $1

-- name: STMT_REPORT_PLAN_ONLY
-- properties: read-only, retry-safe
-- columns: id, code, title, start_date, cadence, report_due_days
-- The plan to use when none is named: rows tell whether there is exactly one.
SELECT p.id, p.code, p.title, p.start_date, p.cadence, p.report_due_days
FROM plans p
ORDER BY p.id
LIMIT 2

-- name: STMT_REPORT_PLAN_TASKS
-- properties: read-only, retry-safe
-- columns: id, code, number, label, title
SELECT t.id, t.code, t.number, t.label, t.title
FROM tasks t
WHERE t.plan_id = $1
ORDER BY t.number

-- name: STMT_REPORT_UNIT
-- properties: read-only, retry-safe
-- columns: id, json
SELECT u.id, {{unit_ref}}
FROM units u
WHERE u.id = $1

-- name: STMT_REPORT_UNIT_CODE
-- properties: read-only, retry-safe
-- columns: id
SELECT u.id
FROM units u
WHERE u.code = $1

-- name: STMT_REPORT_PLAN_TARGETS
-- properties: read-only, retry-safe
-- columns: task_id, measure_id, status, target_id, kind, comparator, value, deadline, recurrence, recurrence_start, share_of_id, accountable_unit_id, plan_start
SELECT t.id AS task_id, m.id AS measure_id, ls.status,
       {{report_target_cols}}
{{report_plan_targets_from}}

-- name: STMT_EXPORT_PLAN_TARGETS
-- properties: read-only, retry-safe
-- columns: task_id, measure_id, status, task_label, task_title, measure_number, measure_title, status_period, status_summary, metric, unit_of_measure, measure_code, target_code, target_id, kind, comparator, value, deadline, recurrence, recurrence_start, share_of_id, accountable_unit_id, plan_start
-- STMT_REPORT_PLAN_TARGETS with what the export prints.
SELECT t.id AS task_id, m.id AS measure_id, ls.status,
       t.label AS task_label, t.title AS task_title, m.number AS measure_number,
       m.title AS measure_title, ls.period AS status_period, ls.summary AS status_summary,
       tg.metric, tg.unit_of_measure, m.code AS measure_code, tg.code AS target_code,
       {{report_target_cols}}
{{report_plan_targets_from}}

-- name: STMT_REPORT_ACTUALS
-- properties: read-only
-- columns: ord, count, value
-- Actuals: for each (target, window start, last counted day) — the ordinality of the arrays
-- $1 $2 $3, first column — the number of counted values and their aggregate; $4: count
-- submitted records. Targets with nothing counted may be left out. Each kind is its own
-- branch so a target visits only the indexes its kind needs.
WITH s AS MATERIALIZED (
    SELECT s.*, tg.aggregation, tg.measure_id, tg.accountable_unit_id
    FROM unnest($1::bigint[], $2::date[], $3::date[]) WITH ORDINALITY AS s(target_id, ws, we, ord)
    JOIN targets tg ON tg.id = s.target_id
)
SELECT s.ord,
       (hi.approved_count - coalesce(lo.approved_count, 0))
           + CASE WHEN $4 THEN hi.submitted_count - coalesce(lo.submitted_count, 0) ELSE 0 END,
       ((hi.approved_sum - coalesce(lo.approved_sum, 0))
           + CASE WHEN $4 THEN hi.submitted_sum - coalesce(lo.submitted_sum, 0) ELSE 0 END)::text
FROM s
JOIN LATERAL (
    SELECT *
    FROM progress_totals pt
    WHERE pt.target_id = s.target_id AND pt.period_end <= s.we
    ORDER BY pt.period_end DESC
    LIMIT 1
) hi ON true
LEFT JOIN LATERAL (
    SELECT *
    FROM progress_totals pt
    WHERE pt.target_id = s.target_id AND pt.period_end < s.ws
    ORDER BY pt.period_end DESC
    LIMIT 1
) lo ON true
WHERE s.aggregation = 'sum'
UNION ALL
SELECT s.ord, 1, l.value::text
FROM s
JOIN LATERAL {{report_latest_value(r.unit_id = s.accountable_unit_id)}} l ON true
WHERE s.aggregation = 'latest'
  AND s.accountable_unit_id IS NOT NULL
UNION ALL
SELECT s.ord, 1, l.value::text
FROM s
JOIN LATERAL {{report_latest_value(r.unit_id IN {{report_lead_units(s.measure_id)}})}} l ON true
WHERE s.aggregation = 'latest'
  AND s.accountable_unit_id IS NULL

-- name: STMT_REPORT_OVERDUE
-- properties: read-only, retry-safe
-- columns: deadline_key, measure_id, target_id, kind, comparator, value, deadline, recurrence, recurrence_start, share_of_id, accountable_unit_id, plan_start
-- Deadline targets due before $2, of plan $1 and unit code $3 (assigned directly, through a
-- group, or accountable) when given, after keyset ($4 deadline as days since 1970-01-01,
-- $5 id), oldest deadline first.
SELECT (tg.deadline - DATE '1970-01-01')::bigint AS deadline_key,
       tg.measure_id,
       {{report_target_cols}}
FROM targets tg
JOIN measures m ON m.id = tg.measure_id
JOIN plans p ON p.id = m.plan_id
WHERE tg.deadline < $2::date
  AND ($1::bigint IS NULL OR m.plan_id = $1)
  AND ($3::text IS NULL
       OR tg.accountable_unit_id = zeren_unit_code_id($3)
       OR EXISTS (SELECT 1
                  FROM assignments a
                  WHERE a.measure_id = m.id AND a.unit_id IN {{unit_or_groups($3)}}))
  AND ($4::bigint IS NULL OR ((tg.deadline - DATE '1970-01-01')::bigint, tg.id) > ($4, $5))
ORDER BY tg.deadline, tg.id

-- name: STMT_REPORT_TARGET_DETAILS
-- properties: read-only, retry-safe
-- columns: target_id, target_json, measure_json, lead_json
-- The JSON of the targets $1 (an array) as listed: target, measure, lead units.
SELECT tg.id,
       {{target_json}}::text,
       {{report_measure_ref}}::text,
       {{measure_units(lead, false)}}::text
FROM targets tg
JOIN measures m ON m.id = tg.measure_id
WHERE tg.id = ANY ($1::bigint[])

-- name: STMT_REPORT_UNIT_TARGETS
-- properties: read-only
-- columns: measure_id, plan_id, cadence, report_due_days, role, via, status, status_period, measure_json, target_id, kind, comparator, value, deadline, recurrence, recurrence_start, share_of_id, accountable_unit_id, plan_start, target_json, lead_json
-- Unit $1's measures (strongest link first) and their targets — for an accountable link only
-- the targets it is accountable for — with latest status as of $2 ($3: count submitted).
-- links: lead/related directly or through a group it belongs to, or accountable for one of a
-- measure's targets; the strongest link per measure.
WITH links AS (
    SELECT DISTINCT ON (measure_id) measure_id, role, via
    FROM (
        SELECT a.measure_id, a.role, CASE WHEN a.unit_id = $1 THEN NULL ELSE a.unit_id END AS via
        FROM assignments a
        WHERE a.unit_id = $1
           OR a.unit_id IN (SELECT group_id FROM unit_memberships WHERE member_id = $1)
        UNION ALL
        SELECT tg.measure_id, 'accountable', NULL
        FROM targets tg
        WHERE tg.accountable_unit_id = $1
    ) l
    ORDER BY measure_id, CASE role WHEN 'lead' THEN 0 WHEN 'related' THEN 1 ELSE 2 END,
             via NULLS FIRST
)
SELECT m.id AS measure_id, m.plan_id, p.cadence, p.report_due_days, l.role,
       (SELECT json_build_object('id', g.id, 'code', g.code, 'name', g.name)
        FROM units g
        WHERE g.id = l.via)::text AS via,
       ls.status, ls.period AS status_period,
       {{report_measure_ref}}::text AS measure_json,
       {{report_target_cols}},
       {{target_json}}::text AS target_json,
       {{measure_units(lead, false)}}::text AS lead_json
FROM links l
JOIN measures m ON m.id = l.measure_id
JOIN plans p ON p.id = m.plan_id
{{report_latest_status($2::date, $3::boolean)}}
LEFT JOIN targets tg ON tg.measure_id = m.id
                    AND (l.role <> 'accountable' OR tg.accountable_unit_id = $1)
ORDER BY m.plan_id, m.number, tg.position, tg.id

-- name: STMT_REPORT_MEASURE_TARGETS
-- properties: read-only, retry-safe
-- columns: target_id, kind, comparator, value, deadline, recurrence, recurrence_start, share_of_id, accountable_unit_id, plan_start
-- The targets of measure $1 with their plan's start, in list order.
SELECT {{report_target_cols}}
FROM targets tg
JOIN measures m ON m.id = tg.measure_id
JOIN plans p ON p.id = m.plan_id
WHERE tg.measure_id = $1
ORDER BY tg.position, tg.id

-- name: STMT_REPORT_TIMELINESS
-- properties: read-only
-- columns: plan_id, task_id, unit_id, code, name, kind, period, expected, on_time, late, missing
-- Reporting timeliness per task for periods ($1 plan, $2 label, $3 due date) and every unit
-- expected to report: measures expected, reported by the due date, reported later (up to
-- as_of $4), not reported by as_of. The records of those periods are read once and hashed:
-- cheaper at scale than a probe per unit and measure.
WITH r AS MATERIALIZED (
    SELECT r.measure_id, r.unit_id, r.period, r.reported_at
    FROM progress_records r
    WHERE r.period = ANY ($2::text[])
      AND {{report_reported_by($4)}}
),
{{report_timeliness(NULL)}}

-- name: STMT_REPORT_UNIT_TIMELINESS
-- properties: read-only
-- columns: plan_id, task_id, unit_id, code, name, kind, period, expected, on_time, late, missing
-- The same for one unit ($5) over many periods: its records are read once.
WITH r AS MATERIALIZED (
    SELECT r.measure_id, r.unit_id, r.period, r.reported_at
    FROM progress_records r
    WHERE r.unit_id = $5
      AND {{report_reported_by($4)}}
),
{{report_timeliness($5)}}

-- name: STMT_REPORT_PLAN_UNITS
-- properties: read-only, retry-safe
-- columns: unit_id, code, name, kind, measure_id, role, target_id
-- Units linked to plan $1's measures: lead/related directly, members of assigned groups, or
-- accountable for a target; one row per unit, measure and link.
SELECT l.unit_id, u.code, u.name, u.kind, l.measure_id, l.role, l.target_id
FROM (
    SELECT a.unit_id, a.measure_id, a.role, NULL::bigint AS target_id
    FROM assignments a
    JOIN measures m ON m.id = a.measure_id
    WHERE m.plan_id = $1
    UNION
    SELECT um.member_id, a.measure_id, a.role, NULL
    FROM assignments a
    JOIN measures m ON m.id = a.measure_id
    JOIN unit_memberships um ON um.group_id = a.unit_id
    WHERE m.plan_id = $1
    UNION
    SELECT tg.accountable_unit_id, tg.measure_id, 'accountable', tg.id
    FROM targets tg
    JOIN measures m ON m.id = tg.measure_id
    WHERE m.plan_id = $1 AND tg.accountable_unit_id IS NOT NULL
) l
JOIN units u ON u.id = l.unit_id
ORDER BY l.unit_id, l.measure_id

-- name: STMT_EXPORT_MEASURES
-- properties: read-only, retry-safe
-- columns: measure_id, items, lead, related
-- The export's document columns per measure of plan $1.
SELECT m.id,
       coalesce((SELECT string_agg('（' || i.number || '）' || i.text, E'\n' ORDER BY i.number)
                 FROM measure_items i
                 WHERE i.measure_id = m.id), ''),
       coalesce((SELECT string_agg(u.name, '、' ORDER BY a.position)
                 FROM assignments a
                 JOIN units u ON u.id = a.unit_id
                 WHERE a.measure_id = m.id AND a.role = 'lead'), ''),
       coalesce((SELECT string_agg(u.name, '、' ORDER BY a.position)
                 FROM assignments a
                 JOIN units u ON u.id = a.unit_id
                 WHERE a.measure_id = m.id AND a.role = 'related'), '')
FROM measures m
WHERE m.plan_id = $1
ORDER BY m.number
