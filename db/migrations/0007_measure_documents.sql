-- 0007: each measure's JSON kept ready (measure_documents, maintained by statement triggers on
-- every table the document reads); idempotency keys purged by a freshly planned bounded
-- statement, their rows left room for the finishing update.

-- Measure documents ----------------------------------------------------------------------

-- A measure's JSON as GET /v1/measures/{id} serves it, without (json) and with
-- (json_expanded) groups' members: the text of service/sql/json.sql's measure_json(false) and
-- measure_json(true) for the row as committed, written only by measure_documents_refresh() at
-- the commit of each transaction that changed what it shows (measure_documents_touch below).
-- Kept in the row uncompressed (STORAGE MAIN, a tuple target of a whole page): a page of 50
-- measures reads 50 rows, with no decompression and no TOAST look-ups (a document is about
-- 4 kB). A change to measure_document() must change json.sql's fragment the same way
-- (test_measure_documents.c compares every document with the fragment).
CREATE TABLE measure_documents (
	measure_id bigint PRIMARY KEY REFERENCES measures (id) ON DELETE CASCADE,
	json text NOT NULL,
	json_expanded text -- NULL when it would equal json (no group among the measure's units)
) WITH (toast_tuple_target = 8160);
ALTER TABLE measure_documents ALTER COLUMN json SET STORAGE MAIN;

-- The document of measure m: json.sql's measure_json(expand) word for word, with the measure as
-- a row and expand a parameter (inlined into the statement that calls it).
CREATE FUNCTION measure_document(m measures, p_expand boolean) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT json_build_object(
	'id', m.id, 'code', m.code, 'plan_id', m.plan_id,
	'number', m.number, 'title', m.title,
	'task', (SELECT json_build_object('id', t.id, 'code', t.code, 'number', t.number,
	                                  'label', t.label, 'title', t.title)
	         FROM tasks t
	         WHERE t.id = m.task_id),
	'items', coalesce((
		SELECT json_agg(json_build_object('number', i.number, 'text', i.text)
		                ORDER BY i.number)
		FROM measure_items i
		WHERE i.measure_id = m.id
	), '[]'),
	'assignments', json_build_object(
		'lead', coalesce((
			SELECT json_agg((json_build_object('id', u.id, 'code', u.code,
			                                   'name', u.name, 'kind', u.kind)::jsonb
			                 || CASE WHEN p_expand AND u.kind = 'group' THEN
			                        jsonb_build_object('members', coalesce((
			                            SELECT jsonb_agg(jsonb_build_object(
			                                       'id', mu.id, 'code', mu.code,
			                                       'name', mu.name, 'kind', mu.kind)
			                                   ORDER BY um.position, mu.id)
			                            FROM unit_memberships um
			                            JOIN units mu ON mu.id = um.member_id
			                            WHERE um.group_id = u.id
			                        ), '[]'::jsonb))
			                    ELSE '{}'::jsonb
			                    END) ORDER BY a.position)
			FROM assignments a
			JOIN units u ON u.id = a.unit_id
			WHERE a.measure_id = m.id
			  AND a.role = 'lead'
		), '[]'),
		'related', coalesce((
			SELECT json_agg((json_build_object('id', u.id, 'code', u.code,
			                                   'name', u.name, 'kind', u.kind)::jsonb
			                 || CASE WHEN p_expand AND u.kind = 'group' THEN
			                        jsonb_build_object('members', coalesce((
			                            SELECT jsonb_agg(jsonb_build_object(
			                                       'id', mu.id, 'code', mu.code,
			                                       'name', mu.name, 'kind', mu.kind)
			                                   ORDER BY um.position, mu.id)
			                            FROM unit_memberships um
			                            JOIN units mu ON mu.id = um.member_id
			                            WHERE um.group_id = u.id
			                        ), '[]'::jsonb))
			                    ELSE '{}'::jsonb
			                    END) ORDER BY a.position)
			FROM assignments a
			JOIN units u ON u.id = a.unit_id
			WHERE a.measure_id = m.id
			  AND a.role = 'related'
		), '[]')
	),
	'targets', coalesce((
		SELECT json_agg(json_build_object(
			'id', tg.id, 'code', tg.code, 'measure_id', tg.measure_id,
			'item_number', (SELECT i.number FROM measure_items i
			                WHERE i.id = tg.item_id),
			'metric', tg.metric, 'kind', tg.kind, 'comparator', tg.comparator,
			'value', tg.value, 'unit_of_measure', tg.unit_of_measure,
			'deadline', tg.deadline, 'recurrence', tg.recurrence,
			'recurrence_start', tg.recurrence_start,
			'accountable_unit', (SELECT json_build_object('id', u.id, 'code', u.code,
			                                              'name', u.name,
			                                              'kind', u.kind)
			                     FROM units u
			                     WHERE u.id = tg.accountable_unit_id),
			'aggregation', tg.aggregation,
			'share_of', (SELECT json_build_object('id', b.id, 'code', b.code)
			             FROM targets b
			             WHERE b.id = tg.share_of_id),
			'source_phrase', tg.source_phrase,
			'updated_at', to_char(tg.updated_at AT TIME ZONE 'UTC',
			                      'YYYY-MM-DD"T"HH24:MI:SS"Z"')
		) ORDER BY tg.position, tg.id)
		FROM targets tg
		WHERE tg.measure_id = m.id
	), '[]'),
	'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
)::text
$$;

-- Recomputes the documents of the measures in p_ids (ids of deleted measures are skipped).
-- The measures are locked first: of two transactions changing one measure's parts at once, the
-- later waits and then computes from a snapshot that holds the earlier one's commit.
CREATE FUNCTION measure_documents_refresh(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
		RETURN;
	END IF;
	PERFORM 1 FROM measures WHERE id = ANY (p_ids) ORDER BY id FOR NO KEY UPDATE;
	INSERT INTO measure_documents AS d (measure_id, json, json_expanded)
	SELECT m.id, doc.json, nullif(doc.json_expanded, doc.json)
	FROM measures m
	CROSS JOIN LATERAL (
		SELECT measure_document(m, false) AS json,
		       CASE WHEN EXISTS (SELECT 1
		                         FROM assignments a
		                         JOIN units u ON u.id = a.unit_id
		                         WHERE a.measure_id = m.id AND u.kind = 'group')
		            THEN measure_document(m, true)
		       END AS json_expanded
	) doc
	WHERE m.id = ANY (p_ids)
	ON CONFLICT (measure_id) DO UPDATE
	SET json = EXCLUDED.json, json_expanded = EXCLUDED.json_expanded
	WHERE (d.json, d.json_expanded) IS DISTINCT FROM (EXCLUDED.json, EXCLUDED.json_expanded);
END
$$;

-- A transaction with documents to refresh at its commit: one row while it runs, whose
-- deferred trigger (measure_documents_flush) refreshes them once, however many statements
-- touched them (an import touches each measure in several statements). The measures wait in
-- the transaction-local setting zeren.measure_documents as "id,id,...,".
CREATE TABLE measure_documents_pending (
	xid xid8 PRIMARY KEY DEFAULT pg_current_xact_id()
);

-- Which measures' documents a statement on a table they read has changed: the rows it wrote
-- (new_rows, old_rows: both for an UPDATE, which counts only rows that changed), mapped to
-- the measures that show them, are queued for the transaction's commit. Deleting a measure
-- deletes its document by the foreign key. Reads in the writing transaction itself see the
-- documents as they were before it (the writes return JSON built by json.sql, not these).
CREATE FUNCTION measure_documents_touch() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	ids bigint[];
	pending text;
BEGIN
	IF TG_TABLE_NAME = 'measures' THEN
		IF TG_OP = 'INSERT' THEN
			SELECT array_agg(n.id) INTO ids FROM new_rows n;
		ELSE
			SELECT array_agg(n.id) INTO ids
			FROM new_rows n JOIN old_rows o ON o.id = n.id
			WHERE n IS DISTINCT FROM o;
		END IF;
	ELSIF TG_TABLE_NAME IN ('measure_items', 'assignments', 'targets') THEN
		IF TG_OP = 'INSERT' THEN
			SELECT array_agg(DISTINCT n.measure_id) INTO ids FROM new_rows n;
		ELSIF TG_OP = 'DELETE' THEN
			SELECT array_agg(DISTINCT o.measure_id) INTO ids FROM old_rows o;
		ELSE
			-- a target's code shows in the targets that are shares of it
			SELECT array_agg(DISTINCT x.measure_id) INTO ids
			FROM (SELECT n.measure_id, n.id
			      FROM new_rows n JOIN old_rows o ON o.id = n.id
			      WHERE n IS DISTINCT FROM o
			      UNION ALL
			      SELECT o.measure_id, o.id
			      FROM new_rows n JOIN old_rows o ON o.id = n.id
			      WHERE n IS DISTINCT FROM o) x;
			IF TG_TABLE_NAME = 'targets' THEN
				SELECT array_agg(DISTINCT s.measure_id) || coalesce(ids, '{}') INTO ids
				FROM targets s
				WHERE s.share_of_id IN (SELECT n.id
				                        FROM new_rows n JOIN old_rows o ON o.id = n.id
				                        WHERE n.code IS DISTINCT FROM o.code);
			END IF;
		END IF;
	ELSIF TG_TABLE_NAME = 'tasks' THEN
		SELECT array_agg(m.id) INTO ids
		FROM measures m
		WHERE m.task_id IN (SELECT n.id
		                    FROM new_rows n JOIN old_rows o ON o.id = n.id
		                    WHERE (n.code, n.number, n.label, n.title)
		                          IS DISTINCT FROM (o.code, o.number, o.label, o.title));
	ELSIF TG_TABLE_NAME = 'units' THEN
		-- a unit shows in its measures' assignments, as an accountable unit of their targets,
		-- and as a member of a group assigned to them
		WITH changed AS (
			SELECT n.id
			FROM new_rows n JOIN old_rows o ON o.id = n.id
			WHERE (n.code, n.name, n.kind) IS DISTINCT FROM (o.code, o.name, o.kind)
		)
		SELECT array_agg(DISTINCT x.measure_id) INTO ids
		FROM (SELECT a.measure_id
		      FROM assignments a
		      WHERE a.unit_id IN (SELECT id FROM changed)
		         OR a.unit_id IN (SELECT um.group_id FROM unit_memberships um
		                          WHERE um.member_id IN (SELECT id FROM changed))
		      UNION ALL
		      SELECT tg.measure_id
		      FROM targets tg
		      WHERE tg.accountable_unit_id IN (SELECT id FROM changed)) x;
	ELSIF TG_TABLE_NAME = 'unit_memberships' THEN
		IF TG_OP = 'INSERT' THEN
			SELECT array_agg(DISTINCT a.measure_id) INTO ids
			FROM assignments a WHERE a.unit_id IN (SELECT n.group_id FROM new_rows n);
		ELSIF TG_OP = 'DELETE' THEN
			SELECT array_agg(DISTINCT a.measure_id) INTO ids
			FROM assignments a WHERE a.unit_id IN (SELECT o.group_id FROM old_rows o);
		ELSE
			SELECT array_agg(DISTINCT a.measure_id) INTO ids
			FROM assignments a
			WHERE a.unit_id IN (SELECT n.group_id FROM new_rows n
			                    UNION SELECT o.group_id FROM old_rows o);
		END IF;
	END IF;
	IF cardinality(ids) > 0 THEN
		pending := coalesce(current_setting('zeren.measure_documents', true), '');
		IF pending = '' THEN
			INSERT INTO measure_documents_pending DEFAULT VALUES;
		END IF;
		PERFORM set_config('zeren.measure_documents', pending || array_to_string(ids, ',') || ',',
		                   true);
	END IF;
	RETURN NULL;
END
$$;

-- At commit (deferred): refreshes the documents the transaction's statements queued.
CREATE FUNCTION measure_documents_flush() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	pending text := coalesce(current_setting('zeren.measure_documents', true), '');
BEGIN
	PERFORM set_config('zeren.measure_documents', '', true);
	DELETE FROM measure_documents_pending WHERE xid = NEW.xid;
	PERFORM measure_documents_refresh(
		(SELECT array_agg(DISTINCT x::bigint)
		 FROM unnest(string_to_array(pending, ',')) AS x
		 WHERE x <> ''));
	RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER measure_documents_flush AFTER INSERT ON measure_documents_pending
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION measure_documents_flush();

CREATE TRIGGER measure_documents_insert AFTER INSERT ON measures
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON measures
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_insert AFTER INSERT ON measure_items
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON measure_items
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_delete AFTER DELETE ON measure_items
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_insert AFTER INSERT ON assignments
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON assignments
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_delete AFTER DELETE ON assignments
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_insert AFTER INSERT ON targets
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON targets
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_delete AFTER DELETE ON targets
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON tasks
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON units
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_insert AFTER INSERT ON unit_memberships
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_update AFTER UPDATE ON unit_memberships
	REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();
CREATE TRIGGER measure_documents_delete AFTER DELETE ON unit_memberships
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION measure_documents_touch();

SELECT measure_documents_refresh(array_agg(id)) FROM measures;

GRANT SELECT ON measure_documents TO zeren_app;

-- Idempotency keys -----------------------------------------------------------------------

-- Room on each page for the update that stores a key's reply beside its claim (a HOT update:
-- no new index entries, the claim's version pruned in place).
ALTER TABLE idempotency_keys SET (fillfactor = 70);

-- Deletes at most p_limit expired keys, oldest first; returns how many. The statement is planned
-- on each call (EXECUTE): a prepared one keeps the plan made when the table was small, a
-- sequential scan, and ran it over the whole table as the table grew.
CREATE FUNCTION idempotency_purge(p_limit integer) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
	n integer;
BEGIN
	EXECUTE 'DELETE FROM idempotency_keys k
	         USING (SELECT subject, key FROM idempotency_keys
	                WHERE expires_at < now() ORDER BY expires_at LIMIT $1) old
	         WHERE k.subject = old.subject AND k.key = old.key'
	USING p_limit;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

INSERT INTO schema_version (version) VALUES (7);
