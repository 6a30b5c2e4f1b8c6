-- progress_batch.sql — a batch's texts. The rows arrive by COPY into two temporary tables
-- that live for the batch's transaction; every statement after that is set-based over them
-- and is planned for their contents (run unprepared, see db_exec_text).

-- text: SQL_BATCH_STAGE
-- Each row takes its record's id from the records' own sequence as it arrives, so values,
-- versions and the reply find their record without looking it up. A row names its measure by
-- id, code or both, a value its target likewise (SQL_BATCH_RESOLVE fills in the ids).
CREATE TEMP TABLE batch_rows (
    i integer NOT NULL,
    measure_id bigint,
    measure_code text,
    unit text NOT NULL,
    period text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    status text NOT NULL,
    summary text NOT NULL,
    problems text,
    next_steps text,
    evidence jsonb NOT NULL,
    id bigint NOT NULL DEFAULT nextval('progress_records_id_seq')
) ON COMMIT DROP;
CREATE TEMP TABLE batch_values (
    i integer NOT NULL,
    target_id bigint,
    target_code text,
    value numeric NOT NULL
) ON COMMIT DROP

-- text: SQL_BATCH_COPY_ROWS
COPY pg_temp.batch_rows (i, measure_id, measure_code, unit, period, period_start, period_end,
                         status, summary, problems, next_steps, evidence)
FROM STDIN

-- text: SQL_BATCH_COPY_VALUES
COPY pg_temp.batch_values (i, target_id, target_code, value)
FROM STDIN

-- text: SQL_BATCH_RESOLVE
-- Run when some row names a measure or target by code only: the id of what the code names
-- (left NULL for an unknown code, which SQL_BATCH_CHECK reports). An id given is kept, and
-- compared with its code by the check.
UPDATE pg_temp.batch_rows s
SET measure_id = m.id
FROM measures m
WHERE s.measure_id IS NULL
  AND m.code = s.measure_code;
UPDATE pg_temp.batch_values v
SET target_id = t.id
FROM targets t
WHERE v.target_id IS NULL
  AND t.code = v.target_code

-- text: SQL_BATCH_CHECK
-- columns: set_unit, set_role, problems
-- $1 role, $2 the token's unit (set for row-level security). Returns [{i, field, problem}]
-- for the first 1,000 rows the database refuses: an unknown measure (by id or code) or unit,
-- a code naming another measure or target than the id beside it, a unit not assigned to the
-- measure, a target (by id or code) of another measure or named twice, a percentage over 100.
-- A problem starting "forbidden" is about scope, one starting "disagrees" is a 400.
WITH k AS (
    SELECT s.i, s.measure_id AS given_mid, u.id AS unit_id, m.id AS mid
    FROM pg_temp.batch_rows s
    LEFT JOIN units u ON u.code = s.unit AND u.kind <> 'group'
    LEFT JOIN measures m ON m.id = s.measure_id
),
scope AS (
    SELECT d.unit_id, x.mid
    FROM (SELECT DISTINCT unit_id FROM k WHERE unit_id IS NOT NULL) d,
         zeren_unit_measures(d.unit_id) AS x(mid)
),
p AS (
    -- (a measure_id still NULL was not given: its code is unknown, reported below)
    SELECT i, 'measure_id' AS field, 'unknown measure' AS problem
    FROM k
    WHERE mid IS NULL
      AND given_mid IS NOT NULL
    UNION ALL
    SELECT s.i, 'measure_code',
           CASE WHEN m.id IS NULL THEN 'unknown measure'
                ELSE 'disagrees: measure_code names measure ' || m.id || ' but measure_id is '
                     || s.measure_id
           END
    FROM pg_temp.batch_rows s
    LEFT JOIN measures m ON m.code = s.measure_code
    WHERE s.measure_code IS NOT NULL
      AND (m.id IS NULL OR m.id <> s.measure_id)
    UNION ALL
    SELECT i, 'unit', 'unknown unit'
    FROM k
    WHERE unit_id IS NULL
    UNION ALL
    SELECT i, 'unit', 'forbidden: the unit is not assigned to this measure'
    FROM k
    WHERE mid IS NOT NULL
      AND unit_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM scope WHERE scope.unit_id = k.unit_id AND scope.mid = k.mid)
    UNION ALL
    SELECT v.i, 'values',
           'target ' || coalesce(v.target_code, v.target_id::text)
           || ' is not a target of the measure'
    FROM pg_temp.batch_values v
    JOIN k ON k.i = v.i
    WHERE k.mid IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM targets g WHERE g.id = v.target_id AND g.measure_id = k.mid)
    UNION ALL
    SELECT v.i, 'values',
           'disagrees: target_code ' || v.target_code || ' names target ' || g.id
           || ' but target_id is ' || v.target_id
    FROM pg_temp.batch_values v
    JOIN targets g ON g.code = v.target_code
    WHERE g.id <> v.target_id
    UNION ALL
    -- one target named by id in one value and by code in another (the reader catches two ids
    -- or two codes); only rows with a code are grouped
    SELECT d.i, 'values', 'target ' || d.target_id || ' is given twice'
    FROM (SELECT i, target_id
          FROM pg_temp.batch_values
          WHERE target_id IS NOT NULL
            AND i IN (SELECT i FROM pg_temp.batch_values WHERE target_code IS NOT NULL)
          GROUP BY i, target_id
          HAVING count(*) > 1) d
    UNION ALL
    SELECT v.i, 'values', 'target ' || v.target_id || ' is a percentage: at most 100'
    FROM pg_temp.batch_values v
    JOIN targets g ON g.id = v.target_id
    WHERE g.kind = 'percentage'
      AND g.share_of_id IS NULL
      AND v.value > 100
)
SELECT {{set_scope($2, $1)}},
       coalesce((
           SELECT json_agg(json_build_object('i', p.i, 'field', p.field, 'problem', p.problem)
                           ORDER BY p.i)
           FROM (SELECT * FROM p ORDER BY i LIMIT 1000) p
       ), '[]')::text

-- text: SQL_BATCH_INSERT
-- columns: inserted
-- $1 sub, $2 iss. Inserts the records with their staged ids; a row whose measure, unit and
-- period already has a record is skipped, so a count short of the batch means conflicts.
-- Rows go in the order they came (not sorted by key: that costs 15 % of the insert). Two
-- batches sharing keys may then deadlock; PostgreSQL ends one, which is 409 — the answer it
-- would have had anyway, since both cannot write the same keys.
WITH ins AS (
    INSERT INTO progress_records (id, measure_id, unit_id, period, period_start, period_end,
                                  status, summary, problems, next_steps, evidence,
                                  reported_by, reported_iss)
    OVERRIDING SYSTEM VALUE
    SELECT s.id, s.measure_id, u.id, s.period, s.period_start, s.period_end, s.status,
           s.summary, s.problems, s.next_steps, s.evidence, $1, $2
    FROM pg_temp.batch_rows s
    JOIN units u ON u.code = s.unit
    ON CONFLICT (measure_id, unit_id, period) DO NOTHING
    RETURNING 1
)
SELECT count(*)
FROM ins

-- text: SQL_BATCH_CONFLICTS
-- columns: problems
-- After a short insert: [{i, field, problem}] for the rows that found a record there.
SELECT coalesce(json_agg(json_build_object('i', c.i, 'field', 'period', 'problem',
                                           'conflict: a record for this measure, unit and period exists')
                         ORDER BY c.i), '[]')::text
FROM (
    SELECT s.i
    FROM pg_temp.batch_rows s
    JOIN units u ON u.code = s.unit
    JOIN progress_records r ON r.measure_id = s.measure_id
                           AND r.unit_id = u.id
                           AND r.period = s.period
    WHERE r.id <> s.id
    ORDER BY s.i
    LIMIT 1000
) c

-- text: SQL_BATCH_VALUES
INSERT INTO progress_values (progress_id, target_id, value)
SELECT s.id, v.target_id, v.value
FROM pg_temp.batch_values v
JOIN pg_temp.batch_rows s ON s.i = v.i

-- text: SQL_BATCH_AUDIT
-- columns: ids
-- $1 sub, $2 iss, $3 the token's unit, $4 request id. One audit row for the batch; returns
-- the new ids in row order.
WITH ids AS (
    SELECT jsonb_agg(id ORDER BY i) AS a
    FROM pg_temp.batch_rows
),
au AS (
    INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity, after)
    SELECT $2, $1, $3, $4, 'progress.batch', 'progress',
           jsonb_build_object('rows', jsonb_array_length(ids.a), 'ids', ids.a)
    FROM ids
)
SELECT a::text
FROM ids
