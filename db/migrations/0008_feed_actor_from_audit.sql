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
UPDATE audit_log l SET xid = a.xid
FROM change_actors a
WHERE l.at = a.at AND l.request_id = a.request_id AND l.actor_sub = a.actor_sub
  AND l.actor_iss = a.actor_iss;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
CREATE INDEX audit_log_xid_idx ON audit_log (xid, id);

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
BEGIN
	-- the oldest change decides whether there is anything to do: one probe of the primary key
	IF EXISTS (SELECT 1 FROM (SELECT c.at, c.xid FROM changes c ORDER BY c.xid, c.id LIMIT 1) o
		   WHERE o.at < cutoff AND o.xid < horizon) THEN
		WITH head AS (
			SELECT c.xid, c.id, c.at < cutoff AND c.xid < horizon AS old
			FROM changes c ORDER BY c.xid, c.id LIMIT 10000
		),
		young AS (
			SELECT h.xid, h.id FROM head h WHERE NOT h.old ORDER BY h.xid, h.id LIMIT 1
		),
		gone AS (
			DELETE FROM changes c USING head h
			WHERE c.xid = h.xid AND c.id = h.id AND h.old
			  AND NOT EXISTS (SELECT 1 FROM young y WHERE (y.xid, y.id) < (h.xid, h.id))
			RETURNING c.xid, c.id
		)
		SELECT g.xid, g.id INTO last_xid, last_id FROM gone g
		ORDER BY g.xid DESC, g.id DESC LIMIT 1;
		IF last_xid IS NOT NULL THEN
			UPDATE changes_purged p SET xid = last_xid, id = last_id
			WHERE (last_xid, last_id) > (p.xid, p.id);
		END IF;
	END IF;
	SELECT p.xid, p.id INTO purged_xid, purged_id FROM changes_purged p;
END
$$;

INSERT INTO schema_version (version) VALUES (8);
