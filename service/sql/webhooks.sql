-- webhooks.sql — the delivery worker's statements: changes fanned out into deliveries, a
-- claim with a lease, the outcome of an attempt, retention. Any number of instances run them
-- at once; row locks with SKIP LOCKED and the lease keep each delivery with one sender.

-- fragment: webhook_body
-- The body sent for change c (the feed's columns) to subscription c.subscription_id, with its
-- transaction's actor a.
json_build_object(
    'event', c.entity || '.' || c.action,
    'subscription_id', c.subscription_id,
    'change', {{change_json}}
)::text

-- name: STMT_WEBHOOK_FANOUT
-- properties: writes
-- columns: deliveries, subscriptions
-- For every active subscription no other instance is fanning out: up to $1 changes after its
-- feed position, below the feed's horizon (as GET /v1/changes serves them), become deliveries
-- when their kind is subscribed to, and the position moves past them.
WITH s AS (
    SELECT s.id, s.events, s.feed_xid, s.feed_id
    FROM subscriptions s
    WHERE s.active
    ORDER BY s.id
    FOR UPDATE SKIP LOCKED
),
c AS (
    SELECT s.id AS subscription_id, s.events, x.*
    FROM s
    CROSS JOIN LATERAL (
        SELECT c.*
        FROM changes c
        WHERE (c.xid, c.id) > (s.feed_xid, s.feed_id)
          AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY c.xid, c.id
        LIMIT $1
    ) x
),
ins AS (
    INSERT INTO deliveries (subscription_id, change_xid, change_id, event, body)
    SELECT c.subscription_id, c.xid, c.id, c.entity || '.' || c.action, {{webhook_body}}
    FROM c
    LEFT JOIN change_actors a ON a.xid = c.xid
    WHERE '*' = ANY (c.events) OR c.entity || '.' || c.action = ANY (c.events)
    ORDER BY c.subscription_id, c.xid, c.id
    ON CONFLICT (subscription_id, change_xid, change_id) DO NOTHING
    RETURNING 1
),
adv AS (
    UPDATE subscriptions u
    SET feed_xid = m.xid, feed_id = m.id
    FROM (
        SELECT DISTINCT ON (c.subscription_id) c.subscription_id, c.xid, c.id
        FROM c
        ORDER BY c.subscription_id, c.xid DESC, c.id DESC
    ) m
    WHERE u.id = m.subscription_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM adv)

-- name: STMT_WEBHOOK_CLAIM
-- properties: writes
-- columns: id, subscription_id, url, secret, event, body, attempt, round_age_s
-- Up to $1 deliveries due now, each the oldest pending one of its active subscription (so a
-- subscription's deliveries go in feed order, one at a time), not held by another sender:
-- held for $3 seconds under claim $2. attempt counts this round's attempts, this one included.
WITH due AS (
    SELECT d.id
    FROM deliveries d
    JOIN subscriptions s ON s.id = d.subscription_id
    WHERE d.state = 'pending'
      AND d.next_attempt_at <= now()
      AND (d.claimed_until IS NULL OR d.claimed_until < now())
      AND s.active
      AND NOT EXISTS (SELECT 1
                      FROM deliveries e
                      WHERE e.subscription_id = d.subscription_id
                        AND e.state = 'pending'
                        AND (e.change_xid, e.change_id) < (d.change_xid, d.change_id))
    ORDER BY d.next_attempt_at, d.id
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE deliveries d
SET claimed_until = clock_timestamp() + make_interval(secs => $3::int), claim = $2,
    attempts = d.attempts + 1
FROM due, subscriptions s
WHERE d.id = due.id AND s.id = d.subscription_id
RETURNING d.id, d.subscription_id, s.url, s.secret, d.event, d.body,
          d.attempts - d.round_start,
          extract(epoch FROM now() - d.round_at)::bigint

-- name: STMT_WEBHOOK_DELIVERED
-- properties: writes
-- columns: id
-- Delivery $1 under claim $2 was answered $3 (2xx) in $4 ms: done, and its subscription is no
-- longer failing. Nothing when the claim was lost (its lease ran out and another took it).
WITH d AS (
    UPDATE deliveries d
    SET state = 'delivered', claimed_until = NULL, claim = NULL, last_status = $3::int,
        last_error = NULL, finished_at = now()
    WHERE d.id = $1 AND d.claim = $2
    RETURNING d.id, d.subscription_id, d.attempts
),
a AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, status, duration_ms)
    SELECT d.id, d.attempts, $3::int, $4::int
    FROM d
),
s AS (
    UPDATE subscriptions s
    SET failing_since = NULL
    FROM d
    WHERE s.id = d.subscription_id AND s.failing_since IS NOT NULL
)
SELECT d.id
FROM d

-- name: STMT_WEBHOOK_FAILED
-- properties: writes
-- columns: id, active
-- Delivery $1 under claim $2 failed: status $3 (NULL without a response), error $4, in $5 ms.
-- Tried again in $6 ms, or parked as failed when $6 is NULL. Its subscription, failing since
-- its first failure after a success, is deactivated once that is $7 seconds ago.
WITH d AS (
    UPDATE deliveries d
    SET state = CASE WHEN $6::bigint IS NULL THEN 'failed' ELSE 'pending' END,
        next_attempt_at = CASE WHEN $6::bigint IS NULL THEN d.next_attempt_at
                               ELSE now() + $6::bigint * interval '1 millisecond' END,
        finished_at = CASE WHEN $6::bigint IS NULL THEN now() END,
        claimed_until = NULL, claim = NULL, last_status = $3::int, last_error = $4
    WHERE d.id = $1 AND d.claim = $2
    RETURNING d.id, d.subscription_id, d.attempts
),
a AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, status, error, duration_ms)
    SELECT d.id, d.attempts, $3::int, $4, $5::int
    FROM d
),
s AS (
    UPDATE subscriptions s
    SET failing_since = coalesce(s.failing_since, now()),
        active = s.active
                 AND NOT coalesce(s.failing_since < now() - make_interval(secs => $7::int),
                                  false),
        deactivated_at = CASE WHEN s.active
                                   AND s.failing_since < now() - make_interval(secs => $7::int)
                              THEN now()
                              ELSE s.deactivated_at
                         END
    FROM d
    WHERE s.id = d.subscription_id
    RETURNING s.active
)
SELECT d.id, (SELECT bool_and(s.active) FROM s)
FROM d

-- name: STMT_WEBHOOK_PURGE
-- properties: writes
-- columns: deleted
-- Deliveries finished more than $1 days ago (with their attempts), a batch at a time.
WITH gone AS (
    DELETE FROM deliveries d
    WHERE d.id IN (SELECT f.id
                   FROM deliveries f
                   WHERE f.state <> 'pending'
                     AND f.finished_at < now() - make_interval(days => $1::int)
                   LIMIT 10000)
    RETURNING 1
)
SELECT count(*)
FROM gone
