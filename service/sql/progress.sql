-- progress.sql — progress records: scope checks, writes, versions, audit rows, reads.
-- Every write transaction starts with a statement that sets zeren.unit and zeren.role
-- ({{set_scope}}), which the row-level security policies in db/schema.sql check again.

-- fragment: progress_json
-- A progress record (alias r) as the API returns it, its unit and values looked up.
json_build_object(
    'id', r.id, 'measure_id', r.measure_id,
    'measure_code', (SELECT m.code FROM measures m WHERE m.id = r.measure_id),
    'unit', (SELECT {{unit_ref}} FROM units u WHERE u.id = r.unit_id),
    'period', r.period, 'period_start', r.period_start, 'period_end', r.period_end,
    'status', r.status, 'summary', r.summary, 'problems', r.problems,
    'next_steps', r.next_steps,
    'values', coalesce((
        SELECT json_agg(json_build_object('target_id', v.target_id, 'target_code', t.code,
                                          'value', v.value)
                        ORDER BY v.target_id)
        FROM progress_values v
        JOIN targets t ON t.id = v.target_id
        WHERE v.progress_id = r.id
    ), '[]'),
    'evidence', r.evidence,
    'version', r.version, 'review_state', r.review_state,
    'reported_by', r.reported_by, 'reported_at', {{ts(r.reported_at)}},
    'updated_at', {{ts(r.updated_at)}}, 'reviewed_by', r.reviewed_by,
    'reviewed_at', CASE WHEN r.reviewed_at IS NULL THEN NULL
                        ELSE {{ts(r.reviewed_at)}}
                   END,
    'review_comment', r.review_comment
)

-- fragment: progress_value_target(e)
-- The target a value e ({target_id?, target_code?, value}) names: by id when it has one,
-- else by code (NULL when neither names a target).
coalesce(({{e}}->>'target_id')::bigint,
         (SELECT tc.id FROM targets tc WHERE tc.code = {{e}}->>'target_code'))

-- fragment: progress_value_problems(values, measure)
-- Rows (i, field, problem, disagree) for the values ([{target_id?, target_code?, value}])
-- that do not fit the measure's targets: an id or code naming no target of the measure (the
-- same words for both), an id and a code naming two targets (disagree), a target named twice
-- (once by id, once by code), a percentage over 100.
SELECT v.i, p.field, p.problem, p.disagree
FROM (
    SELECT e.ord - 1 AS i,
           (e.v->>'target_id')::bigint AS given_id,
           e.v->>'target_code' AS given_code,
           (e.v->>'value')::numeric AS value,
           ti.id AS id_target, ti.measure_id AS id_measure,
           tc.id AS code_target, tc.measure_id AS code_measure,
           coalesce(ti.id, tc.id) AS tid,
           coalesce(ti.kind, tc.kind) AS kind,
           CASE WHEN ti.id IS NOT NULL THEN ti.share_of_id ELSE tc.share_of_id END AS share_of,
           coalesce(ti.measure_id, tc.measure_id) AS tmeasure,
           row_number() OVER (PARTITION BY coalesce(ti.id, tc.id) ORDER BY e.ord) AS nth
    FROM jsonb_array_elements({{values}}::jsonb) WITH ORDINALITY AS e(v, ord)
    LEFT JOIN targets ti ON ti.id = (e.v->>'target_id')::bigint
    LEFT JOIN targets tc ON tc.code = e.v->>'target_code'
) v
CROSS JOIN LATERAL (
    VALUES ('target_id', 'not a target of this measure', false,
            v.given_id IS NOT NULL AND v.id_measure IS DISTINCT FROM {{measure}}),
           ('target_code', 'not a target of this measure', false,
            v.given_code IS NOT NULL AND v.code_measure IS DISTINCT FROM {{measure}}),
           ('target_code', 'names target ' || v.code_target || ' but target_id is '
                           || v.given_id, true,
            v.id_target <> v.code_target),
           (CASE WHEN v.given_id IS NULL THEN 'target_code' ELSE 'target_id' END,
            'names a target an earlier value names', false,
            v.tid IS NOT NULL AND v.nth > 1),
           ('value', 'a percentage is at most 100', false,
            v.tmeasure = {{measure}} AND v.kind = 'percentage' AND v.share_of IS NULL
            AND v.value > 100)
) AS p(field, problem, disagree, applies)
WHERE p.applies

-- fragment: progress_unit_assigned(unit, measure)
-- zeren_unit_assigned(unit, measure) (db/schema.sql) written out, so that it is planned once
-- with the statement: a call runs the function's body through the SQL-function executor, which
-- plans it again on every execution (its EXISTS keeps the planner from inlining it). Keep the
-- two in step.
(EXISTS (SELECT 1 FROM assignments a
         WHERE a.measure_id = {{measure}}
           AND (a.unit_id = {{unit}}
                OR a.unit_id IN (SELECT m.group_id FROM unit_memberships m
                                 WHERE m.member_id = {{unit}})))
 OR EXISTS (SELECT 1 FROM targets t
            WHERE t.measure_id = {{measure}} AND t.accountable_unit_id = {{unit}}))

-- name: STMT_PROGRESS_SCOPE
-- properties: read-only
-- columns: set_unit, set_role, unit_id, measure_id, measure_problems, assigned, value_problems
-- $1 acting unit code, $2 role, $3 measure id, $4 values [{target_id?, target_code?, value}],
-- $5 the token's unit, $6 measure code ($3, $6 or both; each NULL when not given). Returns
-- the acting unit's id, the measure's id (by id when given, else by code; NULL when unknown),
-- the measure's problems [{field, problem, disagree}] (an unknown id or code, or an id and a
-- code naming two measures), whether the acting unit is assigned, and the values' problems
-- [{i, field, problem, disagree}] (progress_value_problems).
SELECT {{set_scope($5, $2)}},
       (SELECT id FROM units WHERE code = $1 AND kind <> 'group'),
       x.mid,
       (SELECT coalesce(json_agg(json_build_object('field', p.field, 'problem', p.problem,
                                                   'disagree', p.disagree)), '[]')
        FROM (VALUES ('measure_id', 'unknown measure', false,
                      $3::bigint IS NOT NULL AND x.by_id IS NULL),
                     ('measure_code', 'unknown measure', false,
                      $6::text IS NOT NULL AND x.by_code IS NULL),
                     ('measure_code', 'names measure ' || x.by_code || ' but measure_id is '
                                      || x.by_id, true,
                      x.by_id <> x.by_code)
             ) AS p(field, problem, disagree, applies)
        WHERE p.applies)::text,
       {{progress_unit_assigned(x.unit_id, x.mid)}},
       (SELECT coalesce(json_agg(json_build_object('i', p.i, 'field', p.field,
                                                   'problem', p.problem,
                                                   'disagree', p.disagree)
                                 ORDER BY p.i, p.field), '[]')
        FROM ({{progress_value_problems($4, x.mid)}}) p)::text
-- x is looked up once (OFFSET 0: not pulled up into a copy of its subqueries per use).
FROM (
    SELECT b.by_id, b.by_code, coalesce(b.by_id, b.by_code) AS mid,
           (SELECT id FROM units WHERE code = $1) AS unit_id
    FROM (SELECT (SELECT id FROM measures WHERE id = $3) AS by_id,
                 (SELECT id FROM measures WHERE code = $6) AS by_code) b
    OFFSET 0
) x

-- name: STMT_PROGRESS_INSERT
-- properties: writes
-- columns: id
-- A record already there for the measure, unit and period is a unique violation (409), which
-- stops the statements pipelined after it before anything commits.
INSERT INTO progress_records (measure_id, unit_id, period, period_start, period_end, status,
                              summary, problems, next_steps, evidence, reported_by,
                              reported_iss)
VALUES ($1, $2, $3, $4::date, $5::date, $6, $7, $8, $9, $10::jsonb, $11, $12)
RETURNING id

-- fragment: progress_record_id(id)
-- The record id, or when it is NULL the one this connection's last STMT_PROGRESS_INSERT drew:
-- a create sends its later statements with the insert, before the id is known (a failed
-- insert stops them). The statements using it also do nothing when it names no record. A
-- subquery, so that it is evaluated once and an index can look it up (currval is volatile).
(SELECT coalesce({{id}}::bigint, currval('progress_records_id_seq')))

-- name: STMT_PROGRESS_VALUES_INSERT
-- properties: writes
-- $1 record (progress_record_id; nothing when it names none), $2 values as
-- STMT_PROGRESS_SCOPE checked them (targets by id or code).
INSERT INTO progress_values (progress_id, target_id, value)
SELECT r.id, {{progress_value_target(e)}}, (e->>'value')::numeric
FROM progress_records r, jsonb_array_elements($2::jsonb) e
WHERE r.id = {{progress_record_id($1)}}

-- name: STMT_PROGRESS_VALUES_DELETE
-- properties: writes
DELETE FROM progress_values
WHERE progress_id = $1

-- name: STMT_PROGRESS_SNAPSHOT
-- properties: writes
-- columns: json
-- The record's JSON after a write, and its audit row. $1 id (progress_record_id; no row
-- when it names none), $2 sub, $3 iss, $4 unit, $5 request id, $6 action, $7 JSON before (or
-- NULL).
WITH b AS (
    SELECT r.id, {{progress_json}} AS j
    FROM progress_records r
    WHERE r.id = {{progress_record_id($1)}}
),
a AS (
    INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity,
                           entity_id, before, after)
    SELECT $3, $2, $4, $5, $6, 'progress', b.id, $7::jsonb, b.j::jsonb
    FROM b
)
SELECT b.j::text
FROM b

-- name: STMT_PROGRESS_LOCK
-- properties: writes
-- columns: set_unit, set_role, json, unit_code, review_state, assigned, leads, measure_id, version
-- Locks a record for a change. $1 id, $2 role, $3 token's unit. Returns its JSON, unit code,
-- review state, whether the token's unit is assigned / leads, its measure and version.
SELECT {{set_scope($3, $2)}},
       {{progress_json}}::text,
       (SELECT code FROM units WHERE id = r.unit_id),
       r.review_state,
       coalesce(zeren_unit_assigned((SELECT id FROM units WHERE code = $3),
                                    r.measure_id), false),
       coalesce(zeren_unit_assigned((SELECT id FROM units WHERE code = $3),
                                    r.measure_id, 'lead'), false),
       r.measure_id,
       r.version
FROM progress_records r
WHERE r.id = $1
FOR UPDATE OF r

-- name: STMT_PROGRESS_UPDATE
-- properties: writes
-- $1 id, $2..$6 the new status, summary, problems, next steps, evidence, $7 the record's
-- JSON before (from the lock), $8 sub. The version being superseded is kept as it stood (the
-- row is locked, so nobody else can be keeping it).
WITH old AS (
    INSERT INTO progress_versions (progress_id, version, body, created_at, created_by)
    SELECT id, version, $7::jsonb, coalesce(amended_at, reported_at),
           coalesce(amended_by, reported_by)
    FROM progress_records
    WHERE id = $1
)
UPDATE progress_records
SET status = $2, summary = $3, problems = $4, next_steps = $5, evidence = $6::jsonb,
    version = version + 1, row_version = row_version + 1, review_state = 'submitted',
    reviewed_by = NULL, reviewed_at = NULL, review_comment = NULL, amended_by = $8,
    amended_at = clock_timestamp(), updated_at = clock_timestamp()
WHERE id = $1

-- name: STMT_PROGRESS_REVIEW
-- properties: writes
-- $1 id, $2 decision, $3 comment, $4 reviewer sub, $5 reviewer unit, $6 version reviewed.
WITH rv AS (
    INSERT INTO progress_reviews (progress_id, version, decision, comment, reviewer_sub,
                                  reviewer_unit)
    VALUES ($1, $6, $2, $3, $4, $5)
)
UPDATE progress_records
SET review_state = CASE $2 WHEN 'approve' THEN 'approved' ELSE 'returned' END,
    reviewed_by = $4, reviewed_at = clock_timestamp(), review_comment = $3,
    row_version = row_version + 1, updated_at = clock_timestamp()
WHERE id = $1

-- name: STMT_PROGRESS_GET
-- properties: read-only, retry-safe
-- columns: json
SELECT {{progress_json}}
FROM progress_records r
WHERE r.id = $1

-- name: STMT_PROGRESS_EXISTS
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
FROM progress_records
WHERE id = $1

-- name: STMT_PROGRESS_LIST
-- properties: read-only, retry-safe
-- columns: id, json
-- $1 measure, $2 unit code, $3 period, $4 review state, $5 updated since (each NULL for
-- any), $6 after this id, $7 limit.
SELECT r.id, {{progress_json}}
FROM progress_records r
WHERE ($1::bigint IS NULL OR r.measure_id = $1)
  AND ($2::text IS NULL OR r.unit_id = (SELECT id FROM units WHERE code = $2))
  AND ($3::text IS NULL OR r.period = $3)
  AND ($4::text IS NULL OR r.review_state = $4)
  AND ($5::timestamptz IS NULL OR r.updated_at >= $5)
  AND ($6::bigint IS NULL OR r.id > $6)
ORDER BY r.id
LIMIT $7

-- name: STMT_PROGRESS_HISTORY
-- properties: read-only, retry-safe
-- columns: version, json
-- Every version, oldest first: the superseded ones kept by amendments, then the record itself
-- as the current one. $1 id, $2 after this version (or NULL), $3 limit.
SELECT x.version,
       json_build_object(
           'version', x.version,
           'created_at', {{ts(x.created_at)}},
           'created_by', x.created_by,
           'record', x.body,
           'reviews', coalesce((
               SELECT json_agg(json_build_object('decision', rv.decision,
                                                 'comment', rv.comment,
                                                 'reviewer', rv.reviewer_sub,
                                                 'reviewer_unit', rv.reviewer_unit,
                                                 'reviewed_at', {{ts(rv.reviewed_at)}})
                               ORDER BY rv.id)
               FROM progress_reviews rv
               WHERE rv.progress_id = $1
                 AND rv.version = x.version
           ), '[]'))
FROM (
    SELECT v.version, v.created_at, v.created_by, v.body::json AS body
    FROM progress_versions v
    JOIN progress_records r ON r.id = v.progress_id
    WHERE v.progress_id = $1
      AND v.version < r.version
    UNION ALL
    SELECT r.version, coalesce(r.amended_at, r.reported_at),
           coalesce(r.amended_by, r.reported_by), {{progress_json}}
    FROM progress_records r
    WHERE r.id = $1
) x
WHERE $2::bigint IS NULL OR x.version > $2
ORDER BY x.version
LIMIT $3
