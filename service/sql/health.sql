-- health.sql — the readiness probe.

-- name: STMT_HEALTH_PING
-- properties: read-only, retry-safe
-- columns: one
SELECT 1
