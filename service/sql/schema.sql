-- schema.sql — what the binary sets and asks on a new connection, before it serves or
-- migrates: the session's settings and the schema's version.

-- text: SQL_SESSION_SETUP
-- columns: statement_timeout, lock_timeout, jit
-- $1 the statement timeout, $2 the longest wait for a lock, in milliseconds. No JIT: compiling a plan costs tens of
-- milliseconds, more than any statement here runs, and the planner's costs for set-based
-- reports cross its threshold.
SELECT set_config('statement_timeout', $1, false),
       set_config('lock_timeout', $2, false),
       set_config('jit', 'off', false)

-- text: SQL_SCHEMA_EXISTS
-- columns: missing
-- -1 on a database without the schema_version table, 0 with it.
SELECT CASE WHEN to_regclass('public.schema_version') IS NULL THEN -1 ELSE 0 END

-- text: SQL_SCHEMA_VERSION
-- columns: version
SELECT coalesce(max(version), 0)
FROM schema_version
