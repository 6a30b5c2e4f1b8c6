-- me.sql — what GET /v1/me needs from the database about the token's unit.

-- name: STMT_ME_UNIT
-- properties: read-only, retry-safe
-- columns: unit_id, unit_json, unit_measures, all_measures
-- $1 the token's unit code (NULL when it has none). One row always: the unit's id and JSON
-- (NULL when no unit has the code), how many measures it may report on (as
-- zeren_unit_measures and the row-level security policies count them; none for a group, which
-- never reports as itself), and how many measures there are.
SELECT u.id,
       CASE WHEN u.id IS NOT NULL THEN {{unit_ref}}::text END,
       CASE WHEN u.id IS NULL OR u.kind = 'group' THEN 0
            ELSE (SELECT count(*) FROM zeren_unit_measures(u.id))
       END,
       (SELECT count(*) FROM measures)
FROM (SELECT 1) one
LEFT JOIN units u ON u.code = $1
