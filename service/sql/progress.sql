-- progress.sql — progress records: scope checks, writes, versions, audit rows, reads.
-- Every write transaction starts with a statement that sets zeren.unit and zeren.role
-- ({{set_scope}}), which the row-level security policies in db/schema.sql check again.

-- fragment: progress_json
-- A progress record (alias r) as the API returns it, its unit and values looked up.
json_build_object(
    'id', r.id, 'measure_id', r.measure_id,
    'unit', (SELECT {{unit_ref}} FROM units u WHERE u.id = r.unit_id),
    'period', r.period, 'period_start', r.period_start, 'period_end', r.period_end,
    'status', r.status, 'summary', r.summary, 'problems', r.problems,
    'next_steps', r.next_steps,
    'values', coalesce((
        SELECT json_agg(json_build_object('target_id', v.target_id, 'value', v.value)
                        ORDER BY v.target_id)
        FROM progress_values v
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

-- name: STMT_PROGRESS_SCOPE
-- properties: read-only
-- columns: set_unit, set_role, unit_id, measure_exists, assigned, unknown_targets, over_100
-- $1 acting unit code, $2 role, $3 measure id, $4 values [{target_id, value}], $5 the token's
-- unit. Returns the acting unit's id, whether the measure exists, whether the acting unit is
-- assigned, and the indexes of values whose target is not the measure's or whose percentage
-- is over 100.
SELECT {{set_scope($5, $2)}},
       (SELECT id FROM units WHERE code = $1 AND kind <> 'group'),
       EXISTS (SELECT 1 FROM measures WHERE id = $3),
       coalesce(zeren_unit_assigned((SELECT id FROM units WHERE code = $1), $3), false),
       (SELECT coalesce(json_agg(v.ord - 1 ORDER BY v.ord), '[]')
        FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS v(e, ord)
        LEFT JOIN targets t ON t.id = (v.e->>'target_id')::bigint AND t.measure_id = $3
        WHERE t.id IS NULL)::text,
       (SELECT coalesce(json_agg(v.ord - 1 ORDER BY v.ord), '[]')
        FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS v(e, ord)
        JOIN targets t ON t.id = (v.e->>'target_id')::bigint AND t.measure_id = $3
        WHERE t.kind = 'percentage'
          AND t.share_of_id IS NULL
          AND (v.e->>'value')::numeric > 100)::text

-- name: STMT_PROGRESS_INSERT
-- properties: writes
-- columns: id
INSERT INTO progress_records (measure_id, unit_id, period, period_start, period_end, status,
                              summary, problems, next_steps, evidence, reported_by,
                              reported_iss)
VALUES ($1, $2, $3, $4::date, $5::date, $6, $7, $8, $9, $10::jsonb, $11, $12)
ON CONFLICT (measure_id, unit_id, period) DO NOTHING
RETURNING id

-- name: STMT_PROGRESS_VALUES_INSERT
-- properties: writes
INSERT INTO progress_values (progress_id, target_id, value)
SELECT $1, (e->>'target_id')::bigint, (e->>'value')::numeric
FROM jsonb_array_elements($2::jsonb) e

-- name: STMT_PROGRESS_VALUES_DELETE
-- properties: writes
DELETE FROM progress_values
WHERE progress_id = $1

-- name: STMT_PROGRESS_SNAPSHOT
-- properties: writes
-- columns: json
-- The record's JSON after a write, and its audit row. $1 id, $2 sub, $3 iss, $4 unit,
-- $5 request id, $6 action, $7 JSON before (or NULL).
WITH b AS (
    SELECT {{progress_json}} AS j
    FROM progress_records r
    WHERE r.id = $1
),
a AS (
    INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity,
                           entity_id, before, after)
    SELECT $3, $2, $4, $5, $6, 'progress', $1, $7::jsonb, b.j::jsonb
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
