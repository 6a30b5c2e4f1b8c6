-- replica.sql — how far a streaming replica has replayed, and where the primary's WAL is.

-- name: STMT_REPLICA_STATUS
-- properties: read-only, retry-safe
-- columns: replay_lsn, lag_ms
-- On a standby: the last replayed position and how far behind it is, in milliseconds — 0 when
-- it has replayed all it has received, else the age of the last transaction it replayed (an
-- upper bound: after a long idle spell the first new transaction looks old for the moment it
-- takes to replay). On a primary replay_lsn is NULL.
SELECT pg_last_wal_replay_lsn()::text,
       CASE
           WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
           ELSE coalesce((extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint, 0)
       END

-- text: SQL_COMMIT_LSN
-- Commits and, in the same round trip, reads the WAL insert position: at or after the end of
-- the commit record whatever synchronous_commit says, so a replica that has replayed this far
-- has the transaction. pg_current_wal_lsn() (the write position) can trail a commit made with
-- synchronous_commit = off.
COMMIT;
SELECT pg_current_wal_insert_lsn()::text

-- text: SQL_WAL_INSERT_LSN
-- columns: lsn
-- Where the primary's WAL is now: read by the cache listener after each notice.
SELECT pg_current_wal_insert_lsn()::text
