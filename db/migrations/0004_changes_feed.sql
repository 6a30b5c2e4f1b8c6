-- 0004: the changes feed (GET /v1/changes): a change row per committed change to reference
-- data, progress records and reviews, with its transaction id, written by triggers; actors
-- from the audit rows; retention's purge. A database migrated to 4 starts its feed empty.

-- Changes feed ---------------------------------------------------------------------------

-- Every committed change to reference data, progress records and reviews, for GET /v1/changes,
-- written by the triggers below inside the writing transaction with that transaction's id.
-- The feed serves a change only when every transaction with a smaller id has ended (its xid
-- is below the reading snapshot's xmin) and orders by (xid, id), so a transaction that got its
-- id before another but commits after it is never passed over by a reader that has already
-- read the other (README, "Changes feed"). `at` is when the writing transaction began.
CREATE TABLE changes (
	xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	id bigint GENERATED ALWAYS AS IDENTITY,
	at timestamptz NOT NULL DEFAULT now(),
	entity text NOT NULL CHECK (entity IN ('plan', 'task', 'measure', 'target', 'unit',
					       'progress', 'review')),
	entity_id bigint NOT NULL,
	code text,
	action text NOT NULL CHECK (action IN ('created', 'updated', 'deleted', 'amended',
					       'approved', 'returned')),
	progress_id bigint, -- a review's record
	PRIMARY KEY (xid, id)
);
-- ?entity= pages; retention's purge.
CREATE INDEX changes_entity_idx ON changes (entity, xid, id);
CREATE INDEX changes_at_idx ON changes (at);
-- A reference row changed in several ways by one transaction (a measure and its items, a new
-- unit and its members) is one change: the first recorded, or its deletion.
CREATE UNIQUE INDEX changes_reference_once_idx ON changes (xid, entity, entity_id)
	WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit');

-- Who wrote each transaction's changes: the actor of its first audit row (every write path
-- writes one), one row per transaction.
CREATE TABLE change_actors (
	xid xid8 PRIMARY KEY DEFAULT pg_current_xact_id(),
	at timestamptz NOT NULL DEFAULT now(),
	actor_iss text NOT NULL,
	actor_sub text NOT NULL,
	actor_unit text,
	request_id text NOT NULL
);

-- The position (xid, id) of the newest change retention has removed: a reader positioned
-- before it has missed changes and gets 410 Gone.
CREATE TABLE changes_purged (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	xid xid8 NOT NULL DEFAULT '0',
	id bigint NOT NULL DEFAULT 0
);
INSERT INTO changes_purged DEFAULT VALUES;

-- plans, tasks, measures, targets, units (TG_ARGV[0] the entity): a row version change is an
-- update (the ETag changed); cascaded SET NULLs that leave it are not.
CREATE FUNCTION changes_reference() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_entity text := TG_ARGV[0];
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO changes (entity, entity_id, code, action)
		SELECT v_entity, n.id, n.code, 'created' FROM new_rows n ORDER BY n.id
		ON CONFLICT (xid, entity, entity_id)
			WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit') DO NOTHING;
	ELSIF TG_OP = 'UPDATE' THEN
		INSERT INTO changes (entity, entity_id, code, action)
		SELECT v_entity, n.id, n.code, 'updated'
		FROM new_rows n JOIN old_rows o ON o.id = n.id
		WHERE n.row_version IS DISTINCT FROM o.row_version ORDER BY n.id
		ON CONFLICT (xid, entity, entity_id)
			WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit') DO NOTHING;
	ELSE
		INSERT INTO changes (entity, entity_id, code, action)
		SELECT v_entity, o.id, o.code, 'deleted' FROM old_rows o ORDER BY o.id
		ON CONFLICT (xid, entity, entity_id)
			WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit')
			DO UPDATE SET action = 'deleted', code = EXCLUDED.code;
	END IF;
	RETURN NULL;
END
$$;

-- A measure's items and assignments, a group's members: an update of the measure or group
-- when it still exists (not when it is being deleted with them).
CREATE FUNCTION changes_parts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	parents bigint[];
BEGIN
	IF TG_TABLE_NAME = 'unit_memberships' THEN
		IF TG_OP = 'DELETE' THEN
			SELECT array_agg(DISTINCT o.group_id) INTO parents FROM old_rows o;
		ELSE
			SELECT array_agg(DISTINCT n.group_id) INTO parents FROM new_rows n;
		END IF;
		INSERT INTO changes (entity, entity_id, code, action)
		SELECT 'unit', u.id, u.code, 'updated' FROM units u
		WHERE u.id = ANY (parents) ORDER BY u.id
		ON CONFLICT (xid, entity, entity_id)
			WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit') DO NOTHING;
	ELSE
		IF TG_OP = 'DELETE' THEN
			SELECT array_agg(DISTINCT o.measure_id) INTO parents FROM old_rows o;
		ELSE
			SELECT array_agg(DISTINCT n.measure_id) INTO parents FROM new_rows n;
		END IF;
		INSERT INTO changes (entity, entity_id, code, action)
		SELECT 'measure', m.id, m.code, 'updated' FROM measures m
		WHERE m.id = ANY (parents) ORDER BY m.id
		ON CONFLICT (xid, entity, entity_id)
			WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit') DO NOTHING;
	END IF;
	RETURN NULL;
END
$$;

-- Progress records: created, or amended (a new version; a review is its own change).
CREATE FUNCTION changes_progress() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO changes (entity, entity_id, action)
		SELECT 'progress', n.id, 'created' FROM new_rows n ORDER BY n.id;
	ELSE
		INSERT INTO changes (entity, entity_id, action)
		SELECT 'progress', n.id, 'amended'
		FROM new_rows n JOIN old_rows o ON o.id = n.id
		WHERE n.version <> o.version ORDER BY n.id;
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION changes_review() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO changes (entity, entity_id, action, progress_id)
	SELECT 'review', n.id, CASE n.decision WHEN 'approve' THEN 'approved' ELSE 'returned' END,
	       n.progress_id
	FROM new_rows n ORDER BY n.id;
	RETURN NULL;
END
$$;

CREATE FUNCTION changes_actor() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO change_actors (actor_iss, actor_sub, actor_unit, request_id)
	VALUES (NEW.actor_iss, NEW.actor_sub, NEW.actor_unit, NEW.request_id)
	ON CONFLICT (xid) DO NOTHING;
	RETURN NULL;
END
$$;

DO $$
DECLARE
	t text;
	k text;
BEGIN
	FOR t, k IN VALUES ('plans', 'plan'), ('tasks', 'task'), ('measures', 'measure'),
			   ('targets', 'target'), ('units', 'unit') LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
			       'FOR EACH STATEMENT EXECUTE FUNCTION changes_reference(%L)',
			       t || '_feed_insert', t, k);
		EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
			       'NEW TABLE AS new_rows FOR EACH STATEMENT '
			       'EXECUTE FUNCTION changes_reference(%L)', t || '_feed_update', t, k);
		EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
			       'FOR EACH STATEMENT EXECUTE FUNCTION changes_reference(%L)',
			       t || '_feed_delete', t, k);
	END LOOP;
	FOREACH t IN ARRAY ARRAY['measure_items', 'assignments', 'unit_memberships'] LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
			       'FOR EACH STATEMENT EXECUTE FUNCTION changes_parts()',
			       t || '_feed_insert', t);
		EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
			       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION changes_parts()',
			       t || '_feed_update', t);
		EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
			       'FOR EACH STATEMENT EXECUTE FUNCTION changes_parts()',
			       t || '_feed_delete', t);
	END LOOP;
END
$$;
CREATE TRIGGER progress_records_feed_insert AFTER INSERT ON progress_records
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION changes_progress();
CREATE TRIGGER progress_records_feed_update AFTER UPDATE ON progress_records
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION changes_progress();
CREATE TRIGGER progress_reviews_feed_insert AFTER INSERT ON progress_reviews
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION changes_review();
CREATE TRIGGER audit_log_feed_actor AFTER INSERT ON audit_log
	FOR EACH ROW EXECUTE FUNCTION changes_actor();

-- Retention, run by whichever instance serves a feed read: removes changes (and their actors)
-- older than p_days whose transactions are behind every running one, at most 10,000 per call,
-- and returns the newest position removed so far.
CREATE FUNCTION changes_purge(p_days integer, OUT purged_xid xid8, OUT purged_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	cutoff timestamptz := now() - make_interval(days => greatest(p_days, 1));
	horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
	last_xid xid8;
	last_id bigint;
BEGIN
	WITH gone AS (
		DELETE FROM changes c
		WHERE (c.xid, c.id) IN (SELECT d.xid, d.id FROM changes d
					WHERE d.at < cutoff AND d.xid < horizon LIMIT 10000)
		RETURNING c.xid, c.id
	)
	SELECT g.xid, g.id INTO last_xid, last_id FROM gone g
	ORDER BY g.xid DESC, g.id DESC LIMIT 1;
	IF last_xid IS NOT NULL THEN
		UPDATE changes_purged p SET xid = last_xid, id = last_id
		WHERE (last_xid, last_id) > (p.xid, p.id);
		DELETE FROM change_actors a
		WHERE a.at < cutoff
		  AND a.xid < coalesce((SELECT min(c.xid) FROM changes c), horizon);
	END IF;
	SELECT p.xid, p.id INTO purged_xid, purged_id FROM changes_purged p;
END
$$;

GRANT SELECT ON changes, change_actors, changes_purged TO zeren_app;

INSERT INTO schema_version (version) VALUES (4);
