-- 0008: a write costs the feed one row. The actor of a change's transaction is read from its
-- first audit row (audit_log.xid, indexed) instead of a change_actors row written by a trigger
-- on every audit insert; retention walks the changes in feed order, so changes_at_idx goes;
-- the request's unit id is looked up by a PL/pgSQL function, whose plan the session keeps (a
-- SQL function that cannot be inlined is planned again at each call: once per write).

-- The request's unit ----------------------------------------------------------------------

CREATE OR REPLACE FUNCTION zeren_request_unit_id() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT id FROM units WHERE code = zeren_request_unit());
END
$$;

-- Actors from the audit log -----------------------------------------------------------------

ALTER TABLE audit_log ADD COLUMN xid xid8;
ALTER TABLE audit_log ALTER COLUMN xid SET DEFAULT pg_current_xact_id();

-- The audit rows of the transactions the feed holds actors for: a transaction's audit rows
-- and its change_actors row share its start time (now()) and its request id.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
-- A key two transactions share (a client's own request id, the same instant) is left out:
-- neither's actor can be told apart.
UPDATE audit_log l SET xid = a.xid
FROM change_actors a
WHERE (l.at, l.request_id, l.actor_sub, l.actor_iss) = (a.at, a.request_id, a.actor_sub, a.actor_iss)
  AND l.actor_unit IS NOT DISTINCT FROM a.actor_unit
  AND NOT EXISTS (SELECT 1 FROM change_actors b
		  WHERE b.xid <> a.xid AND (b.at, b.request_id, b.actor_sub, b.actor_iss)
					  = (a.at, a.request_id, a.actor_sub, a.actor_iss));
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
CREATE INDEX audit_log_xid_idx ON audit_log (xid, id);
-- the service writes neither xid nor at: an audit row names its own transaction
REVOKE INSERT ON audit_log FROM zeren_app;
GRANT INSERT (actor_iss, actor_sub, actor_unit, request_id, action, entity, entity_id, before,
	      after) ON audit_log TO zeren_app;

DROP TRIGGER audit_log_feed_actor ON audit_log;
DROP FUNCTION changes_actor();
DROP TABLE change_actors;

-- Retention in feed order -------------------------------------------------------------------

DROP INDEX changes_at_idx;

CREATE OR REPLACE FUNCTION changes_purge(p_days integer, OUT purged_xid xid8,
					 OUT purged_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	cutoff timestamptz := now() - make_interval(days => greatest(p_days, 1));
	horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
	last_xid xid8;
	last_id bigint;
	r record;
BEGIN
	-- read in feed order only as far as the first change kept (the loop fetches lazily), so
	-- a call with nothing due reads one row
	FOR r IN SELECT c.xid, c.id, c.at FROM changes c ORDER BY c.xid, c.id LIMIT 10000 LOOP
		EXIT WHEN NOT (r.at < cutoff AND r.xid < horizon);
		last_xid := r.xid;
		last_id := r.id;
	END LOOP;
	IF last_xid IS NOT NULL THEN
		-- every change up to there is due, and none can still be written below the horizon
		DELETE FROM changes c WHERE (c.xid, c.id) <= (last_xid, last_id);
		UPDATE changes_purged p SET xid = last_xid, id = last_id
		WHERE (last_xid, last_id) > (p.xid, p.id);
	END IF;
	SELECT p.xid, p.id INTO purged_xid, purged_id FROM changes_purged p;
END
$$;

INSERT INTO schema_version (version) VALUES (8);
