-- idempotency.sql — claiming, finishing and replaying Idempotency-Key requests.

-- name: STMT_IDEMPOTENCY_CLAIM
-- properties: writes
-- columns: one
-- $1 subject, $2 key, $3 endpoint, $4 request hash, $5 seconds after which a key whose first
-- request died (no response) is taken over (IDEM_TAKEOVER_SECONDS); an expired key is taken
-- over too. Returns one row when this request now owns the key.
INSERT INTO idempotency_keys AS k (subject, key, endpoint, request_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT (subject, key) DO UPDATE
SET endpoint = EXCLUDED.endpoint, request_hash = EXCLUDED.request_hash, status = NULL,
    response_headers = NULL, response_body = NULL, created_at = now(),
    expires_at = now() + interval '48 hours'
WHERE k.expires_at < now()
   OR (k.status IS NULL AND k.created_at < now() - make_interval(secs => $5::integer))
RETURNING 1

-- name: STMT_IDEMPOTENCY_GET
-- properties: read-only, retry-safe
-- columns: endpoint, request_hash, status, response_headers, response_body, takeover_in
-- $3 IDEM_TAKEOVER_SECONDS: takeover_in is the whole seconds (at least 1) until a first request
-- still without a response may be taken over, for the 409's Retry-After.
SELECT endpoint, request_hash, status, response_headers::text, response_body,
       greatest(1, ceil($3::integer - extract(epoch FROM now() - created_at)))::integer
FROM idempotency_keys
WHERE subject = $1 AND key = $2

-- name: STMT_IDEMPOTENCY_FINISH
-- properties: writes
UPDATE idempotency_keys
SET status = $3, response_headers = $4::jsonb, response_body = $5
WHERE subject = $1 AND key = $2

-- name: STMT_IDEMPOTENCY_RELEASE
-- properties: writes
DELETE FROM idempotency_keys
WHERE subject = $1 AND key = $2 AND status IS NULL

-- name: STMT_IDEMPOTENCY_PURGE
-- properties: writes
-- columns: purged
-- $1 at most this many expired keys, oldest first (db/schema.sql: planned on each call).
SELECT idempotency_purge($1)
