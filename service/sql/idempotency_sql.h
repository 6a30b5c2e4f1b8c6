/* idempotency_sql.h — claiming, finishing and replaying Idempotency-Key requests. */
#ifndef ZEREN_IDEMPOTENCY_SQL_H
#define ZEREN_IDEMPOTENCY_SQL_H

#define IDEMPOTENCY_SQL(X)                                                                         \
	/* $1 subject, $2 key, $3 endpoint, $4 request hash. A key whose first request died        \
	 * (no response after 60 s) or that expired is taken over. Returns one row when this       \
	 * request now owns the key. */                                                            \
	X(STMT_IDEMPOTENCY_CLAIM,                                                                  \
	  "INSERT INTO idempotency_keys AS k (subject, key, endpoint, request_hash) "              \
	  "VALUES ($1, $2, $3, $4) ON CONFLICT (subject, key) DO UPDATE SET "                      \
	  "endpoint = EXCLUDED.endpoint, request_hash = EXCLUDED.request_hash, "                   \
	  "status = NULL, response_headers = NULL, response_body = NULL, created_at = now(), "     \
	  "expires_at = now() + interval '48 hours' WHERE k.expires_at < now() OR "                \
	  "(k.status IS NULL AND k.created_at < now() - interval '60 seconds') RETURNING 1")       \
	X(STMT_IDEMPOTENCY_GET,                                                                    \
	  "SELECT endpoint, request_hash, status, response_headers::text, response_body "          \
	  "FROM idempotency_keys WHERE subject = $1 AND key = $2")                                 \
	X(STMT_IDEMPOTENCY_FINISH,                                                                 \
	  "UPDATE idempotency_keys SET status = $3, response_headers = $4::jsonb, "                \
	  "response_body = $5 WHERE subject = $1 AND key = $2")                                    \
	X(STMT_IDEMPOTENCY_RELEASE,                                                                \
	  "DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2 AND status IS NULL")       \
	X(STMT_IDEMPOTENCY_PURGE,                                                                  \
	  "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys "         \
	  "WHERE expires_at < now() LIMIT 1000)")

#endif
