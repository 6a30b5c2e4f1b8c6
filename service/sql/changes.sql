-- changes.sql — the changes feed (GET /v1/changes): retention and keyset pages in commit-safe
-- order. Changes are written by triggers (db/schema.sql, "Changes feed"), not here.

-- fragment: change_json
-- A change (alias c) with its transaction's actor (alias a, NULL when it wrote no audit row),
-- as the feed returns it without its cursor; a reminder (entity report) with what is owed.
json_build_object(
    'entity', c.entity,
    'id', c.entity_id,
    'code', c.code,
    'action', c.action,
    'at', {{ts(c.at)}},
    'actor', CASE WHEN a.xid IS NULL THEN NULL
                  ELSE json_build_object('sub', a.actor_sub, 'unit', a.actor_unit)
             END,
    'progress_id', c.progress_id,
    'report', CASE WHEN c.entity = 'report' THEN (SELECT {{reminder_json}}
                                                  FROM reminders rm
                                                  WHERE rm.id = c.entity_id) END
)

-- fragment: change_actor
-- Joins the actor (alias a) of change c's transaction: its first audit row, if it wrote one
-- (audit_log_xid_idx: one index probe, however many rows the transaction wrote).
LEFT JOIN LATERAL (
    SELECT l.xid, l.actor_sub, l.actor_unit
    FROM audit_log l
    WHERE l.xid = c.xid
    ORDER BY l.id
    LIMIT 1
) a ON true

-- fragment: change_page(filter)
-- Changes after the position ($1 xid, $2 id) whose transactions, and every transaction with a
-- smaller id, have ended: nothing can still commit before them. {{filter}} narrows by entity.
SELECT c.xid::text::bigint, c.id, {{change_json}}::text
FROM changes c
{{change_actor}}
WHERE (c.xid, c.id) > ($1::text::xid8, $2::bigint)
  AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
  AND {{filter}}
ORDER BY c.xid, c.id
LIMIT $3

-- name: STMT_CHANGES_PURGE
-- properties: writes
-- columns: xid, id
-- $1 retention in days. Removes what is older (a batch at a time) and returns the newest
-- position ever removed: a cursor before it has missed changes.
SELECT purged_xid::text::bigint, purged_id
FROM changes_purge($1::integer)

-- name: STMT_CHANGES_PAGE
-- properties: read-only, retry-safe
-- columns: xid, id, json
-- $1, $2 position (0, 0 for the oldest kept), $3 limit.
{{change_page(true)}}

-- name: STMT_CHANGES_PAGE_ENTITY
-- properties: read-only, retry-safe
-- columns: xid, id, json
-- As STMT_CHANGES_PAGE, $4 one entity kind (served by changes_entity_idx).
{{change_page(c.entity = $4)}}
