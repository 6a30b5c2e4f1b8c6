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
    {{change_actor}}
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
-- Runs of deliveries to send: for up to $1 active subscriptions whose oldest pending delivery
-- (the head) is due and held by no other sender, the head and the pending ones after it in
-- feed order, up to $4 in all, as long as each is due and free (a run has no gaps, so sent in
-- order it keeps the subscription's order): held for $3 seconds under claim $2, each attempt
-- counted. Rows come a run at a time, in feed order. attempt counts this round's attempts,
-- this one included.
WITH lease AS (
    SELECT clock_timestamp() + make_interval(secs => $3::int) AS until
),
-- each active subscription's first pending delivery in feed order, found by its index: a
-- backlog costs a claim nothing (testing every pending delivery for an earlier one read the
-- whole backlog on every claim)
heads AS (
    SELECT d.id, d.subscription_id, d.change_xid, d.change_id
    FROM subscriptions s
    CROSS JOIN LATERAL (
        SELECT e.id
        FROM deliveries e
        WHERE e.subscription_id = s.id
          AND e.state = 'pending'
        ORDER BY e.change_xid, e.change_id
        LIMIT 1
    ) f
    JOIN deliveries d ON d.id = f.id
    WHERE s.active
      -- rechecked on d once locked (f is the row as read before the lock)
      AND d.state = 'pending'
      AND d.next_attempt_at <= now()
      AND (d.claimed_until IS NULL OR d.claimed_until < now())
    ORDER BY d.next_attempt_at, d.id
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
),
-- each head's run as read: the pending deliveries from the head on, numbered in feed order
cand AS (
    SELECT h.subscription_id, r.id, r.n
    FROM heads h
    CROSS JOIN LATERAL (
        SELECT e.id, row_number() OVER (ORDER BY e.change_xid, e.change_id) AS n
        FROM deliveries e
        WHERE e.subscription_id = h.subscription_id
          AND e.state = 'pending'
          AND (e.change_xid, e.change_id) >= (h.change_xid, h.change_id)
        ORDER BY e.change_xid, e.change_id
        LIMIT $4
    ) r
),
-- those still due and free once locked (a lock another holds is skipped, not waited for),
-- each by its primary key: a subquery with a locking clause is planned on its own, so stale
-- statistics cannot make this a semi join over every due delivery (one read the whole
-- backlog once per claim)
free AS (
    SELECT l.id
    FROM cand c
    CROSS JOIN LATERAL (
        SELECT e.id
        FROM deliveries e
        WHERE e.id = c.id
          AND e.state = 'pending'
          AND e.next_attempt_at <= now()
          AND (e.claimed_until IS NULL OR e.claimed_until < now())
        FOR UPDATE SKIP LOCKED
    ) l
),
-- a run ends before its first delivery that is not free
run AS (
    SELECT c.id
    FROM cand c
    WHERE c.n < coalesce((SELECT min(k.n)
                          FROM cand k
                          WHERE k.subscription_id = c.subscription_id
                            AND k.id NOT IN (SELECT f.id FROM free f)),
                         $4::bigint + 1)
),
claimed AS (
    UPDATE deliveries d
    SET claimed_until = lease.until, claim = $2, attempts = d.attempts + 1
    FROM run, lease
    WHERE d.id = run.id
    RETURNING d.id, d.subscription_id, d.change_xid, d.change_id, d.event, d.body,
              d.attempts - d.round_start AS attempt,
              extract(epoch FROM now() - d.round_at)::bigint AS round_age_s
)
SELECT c.id, c.subscription_id, s.url, s.secret, c.event, c.body, c.attempt, c.round_age_s
FROM claimed c
JOIN subscriptions s ON s.id = c.subscription_id
ORDER BY c.subscription_id, c.change_xid, c.change_id

-- name: STMT_WEBHOOK_OUTCOMES
-- properties: writes
-- columns: subscription_id
-- The outcomes of a claim's runs, all at once: $2 a JSON array of {id, outcome, status,
-- error, ms, delay_ms}: delivery id under claim $1 was 'delivered' (a 2xx), 'failed' (tried
-- again in delay_ms, or parked as failed when that is null) or 'unsent' (a run stopped
-- before it: its attempt is taken back and it is free again), with status (null without a
-- response), error and ms. A sent delivery gets its attempt row. Per subscription: a success
-- clears failing; a failure (the last sent of its run) makes it failing since now when the
-- run also had a success, else since its first failure, and deactivates it once that is $3
-- seconds ago. Nothing for a
-- delivery whose claim was lost (its lease ran out and another took it). Returns the
-- subscriptions deactivated.
WITH o AS (
    SELECT *
    FROM jsonb_to_recordset($2::jsonb)
         AS o(id bigint, outcome text, status int, error text, ms int, delay_ms bigint)
),
d AS (
    UPDATE deliveries d
    SET state = CASE WHEN o.outcome = 'delivered' THEN 'delivered'
                     WHEN o.outcome = 'failed' AND o.delay_ms IS NULL THEN 'failed'
                     ELSE 'pending' END,
        attempts = d.attempts - CASE WHEN o.outcome = 'unsent' THEN 1 ELSE 0 END,
        next_attempt_at = CASE WHEN o.outcome = 'failed' AND o.delay_ms IS NOT NULL
                               THEN now() + o.delay_ms * interval '1 millisecond'
                               ELSE d.next_attempt_at END,
        finished_at = CASE WHEN o.outcome = 'delivered'
                                OR (o.outcome = 'failed' AND o.delay_ms IS NULL)
                           THEN now() END,
        claimed_until = NULL, claim = NULL,
        last_status = CASE WHEN o.outcome = 'unsent' THEN d.last_status ELSE o.status END,
        last_error = CASE WHEN o.outcome = 'unsent' THEN d.last_error ELSE o.error END
    FROM o
    WHERE d.id = o.id AND d.claim = $1
    RETURNING d.id, d.subscription_id, d.attempts, o.outcome, o.status, o.error, o.ms
),
a AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, status, error, duration_ms)
    SELECT d.id, d.attempts, d.status, d.error, d.ms
    FROM d
    WHERE d.outcome <> 'unsent'
),
per AS (
    SELECT d.subscription_id, bool_or(d.outcome = 'delivered') AS ok,
           bool_or(d.outcome = 'failed') AS failed
    FROM d
    GROUP BY d.subscription_id
),
s AS (
    UPDATE subscriptions s
    SET failing_since = CASE WHEN NOT per.failed THEN NULL
                             WHEN per.ok THEN now()
                             ELSE coalesce(s.failing_since, now()) END,
        active = s.active
                 AND NOT (per.failed AND NOT per.ok
                          AND coalesce(s.failing_since < now() - make_interval(secs => $3::int),
                                       false)),
        deactivated_at = CASE WHEN s.active AND per.failed AND NOT per.ok
                                   AND s.failing_since < now() - make_interval(secs => $3::int)
                              THEN now()
                              ELSE s.deactivated_at
                         END
    FROM per
    WHERE s.id = per.subscription_id
      AND (per.failed OR s.failing_since IS NOT NULL)
    RETURNING s.id, s.active, s.deactivated_at
)
SELECT s.id
FROM s
WHERE NOT s.active AND s.deactivated_at = now()

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
