-- subscriptions.sql — the admin API of webhooks: subscriptions (their secret is never read
-- back), their deliveries with every attempt, and a manual retry.

-- fragment: subscription_json
-- A subscription (alias s) as the API returns it, with its deliveries counted by state.
json_build_object(
    'id', s.id,
    'url', s.url,
    'events', to_json(s.events),
    'active', s.active,
    'failing_since', {{ts(s.failing_since)}},
    'deactivated_at', {{ts(s.deactivated_at)}},
    'deliveries', (SELECT json_build_object(
                              'pending', count(*) FILTER (WHERE d.state = 'pending'),
                              'delivered', count(*) FILTER (WHERE d.state = 'delivered'),
                              'failed', count(*) FILTER (WHERE d.state = 'failed'))
                   FROM deliveries d
                   WHERE d.subscription_id = s.id),
    'created_by', s.created_by,
    'created_at', {{ts(s.created_at)}},
    'updated_at', {{ts(s.updated_at)}}
)

-- fragment: delivery_json
-- A delivery (alias d) with its attempts, oldest first.
json_build_object(
    'id', d.id,
    'subscription_id', d.subscription_id,
    'event', d.event,
    'state', d.state,
    'attempts', d.attempts,
    'next_attempt_at', CASE WHEN d.state = 'pending' THEN {{ts(d.next_attempt_at)}} END,
    'last_status', d.last_status,
    'last_error', d.last_error,
    'created_at', {{ts(d.created_at)}},
    'finished_at', {{ts(d.finished_at)}},
    'history', coalesce((SELECT json_agg(json_build_object(
                                    'attempt', t.attempt,
                                    'at', {{ts(t.at)}},
                                    'status', t.status,
                                    'error', t.error,
                                    'duration_ms', t.duration_ms)
                                ORDER BY t.attempt)
                         FROM delivery_attempts t
                         WHERE t.delivery_id = d.id), '[]'),
    'body', d.body::json
)

-- name: STMT_SUBSCRIPTION_INSERT
-- properties: writes
-- columns: id
-- $1 url, $2 events (text[]), $3 secret, $4 active, $5 who.
INSERT INTO subscriptions (url, events, secret, active, created_by)
VALUES ($1, $2::text[], $3, $4::boolean, $5)
RETURNING id

-- name: STMT_SUBSCRIPTION_GET
-- properties: read-only, retry-safe
-- columns: json
SELECT {{subscription_json}}::text
FROM subscriptions s
WHERE s.id = $1

-- name: STMT_SUBSCRIPTION_LIST
-- properties: read-only, retry-safe
-- columns: id, json
-- After id $1 (NULL: from the first), at most $2.
SELECT s.id, {{subscription_json}}::text
FROM subscriptions s
WHERE ($1::bigint IS NULL OR s.id > $1)
ORDER BY s.id
LIMIT $2

-- name: STMT_SUBSCRIPTION_SET_ACTIVE
-- properties: writes
-- columns: id
-- $1 id, $2 active. Activating clears the failure record.
UPDATE subscriptions s
SET active = $2::boolean,
    failing_since = CASE WHEN $2::boolean THEN NULL ELSE s.failing_since END,
    deactivated_at = CASE WHEN $2::boolean THEN NULL ELSE s.deactivated_at END,
    updated_at = now()
WHERE s.id = $1
RETURNING s.id

-- name: STMT_SUBSCRIPTION_DELETE
-- properties: writes
-- columns: id
DELETE FROM subscriptions
WHERE id = $1
RETURNING id

-- name: STMT_DELIVERY_LIST
-- properties: read-only, retry-safe
-- columns: id, json
-- Subscription $1's deliveries in state $2 (NULL: any) in feed order, after id $3 (NULL:
-- from the first), at most $4.
SELECT d.id, {{delivery_json}}::text
FROM deliveries d
WHERE d.subscription_id = $1
  AND ($2::text IS NULL OR d.state = $2)
  AND ($3::bigint IS NULL OR d.id > $3)
ORDER BY d.id
LIMIT $4

-- name: STMT_DELIVERY_RETRY
-- properties: writes
-- columns: json
-- Delivery $2 of subscription $1 sent again now, with a new round of retries; a sender that
-- still holds it finishes unheard (its claim is gone).
UPDATE deliveries d
SET state = 'pending', next_attempt_at = now(), claimed_until = NULL, claim = NULL,
    round_start = d.attempts, round_at = now(), finished_at = NULL
WHERE d.subscription_id = $1 AND d.id = $2
RETURNING {{delivery_json}}::text
