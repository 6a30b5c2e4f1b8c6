-- zeren database schema: the whole of it. `zeren migrate` applies this file to an empty
-- database and the files in db/migrations/ to an older one; both end at the version below.
-- The service itself connects as a member of role zeren_app, which is not the owner of these
-- tables, so row-level security and the audit log's insert-only grant apply to it.

SET client_min_messages = warning;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zeren_app') THEN
		CREATE ROLE zeren_app NOLOGIN;
	END IF;
END
$$;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE schema_version (
	version integer NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);

-- Reference data ------------------------------------------------------------------------

CREATE TABLE plans (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	title text NOT NULL CHECK (title <> ''),
	start_date date NOT NULL,
	cadence text NOT NULL CHECK (cadence IN ('month', 'quarter', 'half', 'year')),
	report_due_days integer NOT NULL CHECK (report_due_days BETWEEN 0 AND 366),
	assumptions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(assumptions) = 'array'),
	row_version bigint NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- reminders: report.due this many days before a report's due date (0..366)
	warn_days integer NOT NULL DEFAULT 7 CHECK (warn_days BETWEEN 0 AND 366)
);

CREATE TABLE tasks (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	plan_id bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
	code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	number integer NOT NULL CHECK (number > 0),
	label text NOT NULL DEFAULT '',
	title text NOT NULL CHECK (title <> ''),
	row_version bigint NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- deferred so a re-import may renumber tasks within one transaction
	UNIQUE (plan_id, number) DEFERRABLE INITIALLY DEFERRED,
	UNIQUE (id, plan_id)
);

CREATE TABLE measures (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	plan_id bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
	task_id bigint NOT NULL,
	code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	number integer NOT NULL CHECK (number > 0),
	title text NOT NULL CHECK (title <> ''),
	row_version bigint NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (plan_id, number) DEFERRABLE INITIALLY DEFERRED,
	-- a measure's task belongs to the same plan
	FOREIGN KEY (task_id, plan_id) REFERENCES tasks (id, plan_id) ON DELETE CASCADE
);
CREATE INDEX measures_task_idx ON measures (task_id, number);

CREATE TABLE measure_items (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	measure_id bigint NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	number integer NOT NULL CHECK (number > 0),
	text text NOT NULL CHECK (text <> ''),
	UNIQUE (measure_id, number)
);

CREATE TABLE units (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	name text NOT NULL CHECK (name <> ''),
	kind text NOT NULL CHECK (kind IN ('department', 'county_government', 'school',
					   'organisation', 'group')),
	parent_id bigint REFERENCES units (id) ON DELETE SET NULL,
	in_source boolean NOT NULL DEFAULT true,
	note text,
	row_version bigint NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- other names the unit goes by in documents (市商务 for 市商务局); see units_names_unique
	aliases text[] NOT NULL DEFAULT '{}',
	CONSTRAINT units_aliases_valid CHECK (array_position(aliases, NULL) IS NULL
					      AND array_position(aliases, '') IS NULL
					      AND NOT name = ANY (aliases))
);
CREATE INDEX units_kind_idx ON units (kind, id);
CREATE INDEX units_parent_idx ON units (parent_id);
CREATE INDEX units_name_trgm_idx ON units USING gin (name gin_trgm_ops);
CREATE INDEX units_aliases_idx ON units USING gin (aliases);

-- An alias names one unit only: it is no other unit's name or alias, and no unit's name is
-- another unit's alias (names themselves may repeat, as two offices may share one). Checked
-- after each written row, so a statement may move an alias from one unit to another. The row
-- first takes an advisory lock per name it carries (in name order), so two transactions that
-- write the same name take turns and the second sees the first's commit (in READ COMMITTED
-- each query below takes a new snapshot), while writers of other names never wait.
CREATE FUNCTION units_names_unique() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	clash text;
BEGIN
	PERFORM pg_advisory_xact_lock(730119, hashtext(n))
	FROM (SELECT DISTINCT n FROM unnest(NEW.aliases || NEW.name) n ORDER BY n) s;
	SELECT a INTO clash
	FROM unnest(NEW.aliases) a
	GROUP BY a
	HAVING count(*) > 1
	LIMIT 1;
	IF clash IS NULL THEN
		SELECT a INTO clash
		FROM units u, unnest(NEW.aliases) a
		WHERE u.id <> NEW.id AND (u.name = a OR u.aliases @> ARRAY[a])
		LIMIT 1;
	END IF;
	IF clash IS NULL THEN
		SELECT NEW.name INTO clash
		FROM units u
		WHERE u.id <> NEW.id AND u.aliases @> ARRAY[NEW.name]
		LIMIT 1;
	END IF;
	IF clash IS NOT NULL THEN
		RAISE EXCEPTION 'the unit name or alias "%" is already taken', clash
			USING ERRCODE = 'unique_violation', CONSTRAINT = 'units_names_unique';
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER units_names_unique AFTER INSERT OR UPDATE OF name, aliases ON units
	FOR EACH ROW EXECUTE FUNCTION units_names_unique();
CREATE TABLE unit_memberships (
	group_id bigint NOT NULL REFERENCES units (id) ON DELETE CASCADE,
	member_id bigint NOT NULL REFERENCES units (id) ON DELETE CASCADE,
	position integer NOT NULL DEFAULT 0,
	PRIMARY KEY (group_id, member_id),
	CHECK (group_id <> member_id)
);
CREATE INDEX unit_memberships_member_idx ON unit_memberships (member_id);

CREATE TABLE assignments (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	measure_id bigint NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	unit_id bigint NOT NULL REFERENCES units (id) ON DELETE RESTRICT,
	role text NOT NULL CHECK (role IN ('lead', 'related')),
	position integer NOT NULL CHECK (position >= 0),
	UNIQUE (measure_id, unit_id)
);
CREATE INDEX assignments_unit_idx ON assignments (unit_id, role);

CREATE TABLE targets (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	measure_id bigint NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	item_id bigint NOT NULL REFERENCES measure_items (id) ON DELETE CASCADE,
	code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	position integer NOT NULL DEFAULT 0,
	metric text NOT NULL CHECK (metric <> ''),
	kind text NOT NULL CHECK (kind IN ('quantity', 'percentage', 'milestone')),
	comparator text NOT NULL CHECK (comparator IN ('gte', 'gt', 'lte', 'lt', 'eq')),
	value numeric NOT NULL CHECK (value >= 0 AND (kind <> 'percentage' OR value <= 100)),
	unit_of_measure text,
	deadline date,
	recurrence text CHECK (recurrence IN ('annual', 'biennial')),
	recurrence_start date,
	accountable_unit_id bigint REFERENCES units (id) ON DELETE RESTRICT,
	aggregation text NOT NULL CHECK (aggregation IN ('sum', 'latest')),
	share_of_id bigint REFERENCES targets (id) ON DELETE SET NULL,
	source_phrase text NOT NULL CHECK (source_phrase <> ''),
	row_version bigint NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- a target is either due by a date or recurs from a start, never both
	CHECK ((deadline IS NULL) <> (recurrence IS NULL)),
	CHECK (recurrence IS NULL OR recurrence_start IS NOT NULL),
	CHECK (share_of_id IS NULL OR share_of_id <> id)
);
CREATE INDEX targets_measure_idx ON targets (measure_id, position, id);
CREATE INDEX targets_item_idx ON targets (item_id);
CREATE INDEX targets_accountable_idx ON targets (accountable_unit_id);
CREATE INDEX targets_share_of_idx ON targets (share_of_id);
CREATE INDEX targets_deadline_idx ON targets (deadline);

-- Progress ------------------------------------------------------------------------------

-- One record per measure, unit and period; amendments make new versions of it.
CREATE TABLE progress_records (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	measure_id bigint NOT NULL REFERENCES measures (id) ON DELETE RESTRICT,
	unit_id bigint NOT NULL REFERENCES units (id) ON DELETE RESTRICT,
	period text NOT NULL CHECK (period ~ '^[0-9]{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2]))?$'),
	period_start date NOT NULL,
	period_end date NOT NULL CHECK (period_end >= period_start),
	status text NOT NULL CHECK (status IN ('not_started', 'on_track', 'at_risk', 'delayed',
					       'completed')),
	summary text NOT NULL CHECK (summary <> ''),
	problems text,
	next_steps text,
	evidence jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
	version integer NOT NULL DEFAULT 1 CHECK (version > 0),
	row_version bigint NOT NULL DEFAULT 1,
	review_state text NOT NULL DEFAULT 'submitted'
		CHECK (review_state IN ('submitted', 'approved', 'returned')),
	reported_by text NOT NULL,
	reported_iss text NOT NULL,
	reported_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	reviewed_by text,
	reviewed_at timestamptz,
	review_comment text,
	amended_by text, -- who made the current version, when it is not the first
	amended_at timestamptz,
	UNIQUE (measure_id, unit_id, period)
);
CREATE INDEX progress_unit_idx ON progress_records (unit_id, id);
CREATE INDEX progress_period_idx ON progress_records (period, id);
CREATE INDEX progress_review_idx ON progress_records (review_state, id);
CREATE INDEX progress_updated_idx ON progress_records (updated_at, id);
-- Reports: a measure's latest record, and a unit's latest record on a measure, as of a date
-- (newest period end first, the later record first among equal ends), and whether a unit
-- reported for a period (measure, unit, period end).
CREATE INDEX progress_measure_end_idx ON progress_records (measure_id, period_end, id);
CREATE INDEX progress_measure_unit_end_idx ON progress_records (measure_id, unit_id, period_end,
								  id);

-- The numbers a record reports against its measure's targets (current version).
CREATE TABLE progress_values (
	progress_id bigint NOT NULL REFERENCES progress_records (id) ON DELETE CASCADE,
	target_id bigint NOT NULL REFERENCES targets (id) ON DELETE RESTRICT,
	value numeric NOT NULL,
	PRIMARY KEY (progress_id, target_id)
);
CREATE INDEX progress_values_target_idx ON progress_values (target_id);

-- The versions an amendment superseded, each as the API returned it just before; never
-- updated. The current version is the record itself.
CREATE TABLE progress_versions (
	progress_id bigint NOT NULL REFERENCES progress_records (id) ON DELETE CASCADE,
	version integer NOT NULL,
	body jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL,
	PRIMARY KEY (progress_id, version)
);

CREATE TABLE progress_reviews (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	progress_id bigint NOT NULL REFERENCES progress_records (id) ON DELETE CASCADE,
	version integer NOT NULL,
	decision text NOT NULL CHECK (decision IN ('approve', 'return')),
	comment text,
	reviewer_sub text NOT NULL,
	reviewer_unit text,
	reviewed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX progress_reviews_progress_idx ON progress_reviews (progress_id, id);

-- Report roll-ups -------------------------------------------------------------------------

-- Running totals of reported values per target by the end of the period reported on: a row
-- holds the sums and counts of every value whose record's period ends on or before its
-- period_end, split by review state (returned records count nowhere). The sum over a window
-- is then the row at its end minus the row before its start: two index look-ups per target
-- however many records there are. Maintained by the triggers below; progress_totals_rebuild()
-- recomputes it from scratch (after bulk loads with triggers disabled).
CREATE TABLE progress_totals (
	target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
	period_end date NOT NULL,
	approved_sum numeric NOT NULL DEFAULT 0,
	approved_count bigint NOT NULL DEFAULT 0,
	submitted_sum numeric NOT NULL DEFAULT 0,
	submitted_count bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (target_id, period_end)
);

-- Adds a change at (target, period_end) to that row and every later one. The caller holds
-- the target's measure lock (progress_totals_lock), so a new row copies a stable predecessor.
CREATE FUNCTION progress_totals_add(p_target bigint, p_end date, p_asum numeric,
				    p_acount bigint, p_ssum numeric, p_scount bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF p_acount = 0 AND p_scount = 0 AND p_asum = 0 AND p_ssum = 0 THEN
		RETURN;
	END IF;
	INSERT INTO progress_totals AS t (target_id, period_end, approved_sum, approved_count,
					  submitted_sum, submitted_count)
	SELECT p_target, p_end, coalesce(b.approved_sum, 0), coalesce(b.approved_count, 0),
	       coalesce(b.submitted_sum, 0), coalesce(b.submitted_count, 0)
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (SELECT * FROM progress_totals p WHERE p.target_id = p_target
			   AND p.period_end < p_end ORDER BY p.period_end DESC LIMIT 1) b ON true
	ON CONFLICT (target_id, period_end) DO NOTHING;
	UPDATE progress_totals SET approved_sum = approved_sum + p_asum,
		approved_count = approved_count + p_acount,
		submitted_sum = submitted_sum + p_ssum,
		submitted_count = submitted_count + p_scount
	WHERE target_id = p_target AND period_end >= p_end;
END
$$;

-- Serializes roll-up writers per measure (transaction-scoped advisory lock, class 31346),
-- taken in measure order so that concurrent multi-record writes do not deadlock.
CREATE FUNCTION progress_totals_lock(p_measures bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	m bigint;
BEGIN
	FOR m IN SELECT DISTINCT x FROM unnest(p_measures) x WHERE x IS NOT NULL ORDER BY 1 LOOP
		PERFORM pg_advisory_xact_lock(31346, (m % 2147483647)::integer);
	END LOOP;
END
$$;

-- progress_values changed: add new values, subtract old ones, by their record's current
-- period and state. Values removed with their record (ON DELETE CASCADE) find no record
-- here; progress_records_totals_delete has already subtracted them.
CREATE FUNCTION progress_values_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	ids bigint[] := '{}';
	tids bigint[] := '{}';
	vals numeric[] := '{}';
	signs integer[] := '{}';
	d record;
BEGIN
	-- Each branch reads only the transition tables its trigger defines.
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		SELECT ids || coalesce(array_agg(n.progress_id), '{}'),
		       tids || coalesce(array_agg(n.target_id), '{}'),
		       vals || coalesce(array_agg(n.value), '{}'),
		       signs || coalesce(array_agg(1), '{}')
		INTO ids, tids, vals, signs FROM new_values n;
	END IF;
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		SELECT ids || coalesce(array_agg(o.progress_id), '{}'),
		       tids || coalesce(array_agg(o.target_id), '{}'),
		       vals || coalesce(array_agg(-o.value), '{}'),
		       signs || coalesce(array_agg(-1), '{}')
		INTO ids, tids, vals, signs FROM old_values o;
	END IF;
	PERFORM progress_totals_lock(array(SELECT t.measure_id FROM targets t
					   WHERE t.id = ANY (tids)));
	FOR d IN
		SELECT c.target_id, r.period_end,
		       coalesce(sum(c.value) FILTER (WHERE r.review_state = 'approved'), 0) AS asum,
		       coalesce(sum(c.sign) FILTER (WHERE r.review_state = 'approved'), 0) AS acount,
		       coalesce(sum(c.value) FILTER (WHERE r.review_state = 'submitted'), 0) AS ssum,
		       coalesce(sum(c.sign) FILTER (WHERE r.review_state = 'submitted'), 0) AS scount
		FROM unnest(ids, tids, vals, signs) AS c(progress_id, target_id, value, sign)
		JOIN progress_records r ON r.id = c.progress_id
		WHERE r.review_state IN ('approved', 'submitted')
		GROUP BY c.target_id, r.period_end ORDER BY 1, 2
	LOOP
		PERFORM progress_totals_add(d.target_id, d.period_end, d.asum, d.acount, d.ssum,
					    d.scount);
	END LOOP;
	RETURN NULL;
END
$$;

-- A record's review state or period changed: move its values between buckets.
CREATE FUNCTION progress_records_totals_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	d record;
BEGIN
	PERFORM progress_totals_lock(array(
		SELECT t.measure_id FROM old_records o JOIN new_records n ON n.id = o.id
		JOIN progress_values v ON v.progress_id = o.id JOIN targets t ON t.id = v.target_id
		WHERE (o.review_state, o.period_end) IS DISTINCT FROM (n.review_state, n.period_end)));
	FOR d IN
		SELECT c.target_id, c.period_end,
		       coalesce(sum(c.value) FILTER (WHERE c.state = 'approved'), 0) AS asum,
		       coalesce(sum(c.sign) FILTER (WHERE c.state = 'approved'), 0) AS acount,
		       coalesce(sum(c.value) FILTER (WHERE c.state = 'submitted'), 0) AS ssum,
		       coalesce(sum(c.sign) FILTER (WHERE c.state = 'submitted'), 0) AS scount
		FROM (SELECT v.target_id, o.period_end, o.review_state AS state, -v.value AS value,
			     -1 AS sign
		      FROM old_records o JOIN new_records n ON n.id = o.id
		      JOIN progress_values v ON v.progress_id = o.id
		      WHERE (o.review_state, o.period_end) IS DISTINCT FROM
			    (n.review_state, n.period_end)
		      UNION ALL
		      SELECT v.target_id, n.period_end, n.review_state, v.value, 1
		      FROM old_records o JOIN new_records n ON n.id = o.id
		      JOIN progress_values v ON v.progress_id = n.id
		      WHERE (o.review_state, o.period_end) IS DISTINCT FROM
			    (n.review_state, n.period_end)) c
		WHERE c.state IN ('approved', 'submitted')
		GROUP BY c.target_id, c.period_end ORDER BY 1, 2
	LOOP
		PERFORM progress_totals_add(d.target_id, d.period_end, d.asum, d.acount, d.ssum,
					    d.scount);
	END LOOP;
	RETURN NULL;
END
$$;

-- A record is deleted: subtract its values while they still exist.
CREATE FUNCTION progress_records_totals_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	d record;
BEGIN
	IF OLD.review_state NOT IN ('approved', 'submitted') THEN
		RETURN OLD;
	END IF;
	PERFORM progress_totals_lock(array(SELECT t.measure_id FROM progress_values v
					   JOIN targets t ON t.id = v.target_id
					   WHERE v.progress_id = OLD.id));
	FOR d IN SELECT v.target_id, -sum(v.value) AS s, -count(*) AS n FROM progress_values v
		 WHERE v.progress_id = OLD.id GROUP BY v.target_id ORDER BY 1
	LOOP
		IF OLD.review_state = 'approved' THEN
			PERFORM progress_totals_add(d.target_id, OLD.period_end, d.s, d.n, 0, 0);
		ELSE
			PERFORM progress_totals_add(d.target_id, OLD.period_end, 0, 0, d.s, d.n);
		END IF;
	END LOOP;
	RETURN OLD;
END
$$;

CREATE TRIGGER progress_values_totals_insert AFTER INSERT ON progress_values
	REFERENCING NEW TABLE AS new_values
	FOR EACH STATEMENT EXECUTE FUNCTION progress_values_totals();
CREATE TRIGGER progress_values_totals_update AFTER UPDATE ON progress_values
	REFERENCING OLD TABLE AS old_values NEW TABLE AS new_values
	FOR EACH STATEMENT EXECUTE FUNCTION progress_values_totals();
CREATE TRIGGER progress_values_totals_delete AFTER DELETE ON progress_values
	REFERENCING OLD TABLE AS old_values
	FOR EACH STATEMENT EXECUTE FUNCTION progress_values_totals();
CREATE TRIGGER progress_records_totals_update AFTER UPDATE ON progress_records
	REFERENCING OLD TABLE AS old_records NEW TABLE AS new_records
	FOR EACH STATEMENT EXECUTE FUNCTION progress_records_totals_update();
CREATE TRIGGER progress_records_totals_delete BEFORE DELETE ON progress_records
	FOR EACH ROW EXECUTE FUNCTION progress_records_totals_delete();

-- Recomputes every running total from the records (bulk loads, repairs).
CREATE FUNCTION progress_totals_rebuild() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	DELETE FROM progress_totals;
	INSERT INTO progress_totals (target_id, period_end, approved_sum, approved_count,
				     submitted_sum, submitted_count)
	SELECT target_id, period_end,
	       sum(asum) OVER w, sum(acount) OVER w, sum(ssum) OVER w, sum(scount) OVER w
	FROM (SELECT v.target_id, r.period_end,
		     coalesce(sum(v.value) FILTER (WHERE r.review_state = 'approved'), 0) AS asum,
		     count(*) FILTER (WHERE r.review_state = 'approved') AS acount,
		     coalesce(sum(v.value) FILTER (WHERE r.review_state = 'submitted'), 0) AS ssum,
		     count(*) FILTER (WHERE r.review_state = 'submitted') AS scount
	      FROM progress_values v JOIN progress_records r ON r.id = v.progress_id
	      WHERE r.review_state IN ('approved', 'submitted')
	      GROUP BY v.target_id, r.period_end) d
	WINDOW w AS (PARTITION BY target_id ORDER BY period_end);
$$;

REVOKE EXECUTE ON FUNCTION progress_totals_add(bigint, date, numeric, bigint, numeric, bigint),
	progress_totals_lock(bigint[]), progress_totals_rebuild() FROM PUBLIC;

-- Operations ----------------------------------------------------------------------------

-- Append-only: the service role may insert and read, never change or remove.
CREATE TABLE audit_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor_iss text NOT NULL,
	actor_sub text NOT NULL,
	actor_unit text,
	request_id text NOT NULL,
	action text NOT NULL,
	entity text NOT NULL,
	entity_id bigint,
	before jsonb,
	after jsonb,
	-- the writing transaction: the changes feed takes a change's actor from the first audit
	-- row of its transaction (every write path writes one)
	xid xid8 DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_xid_idx ON audit_log (xid, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- A POST with an Idempotency-Key: the first response, replayed for retries of the same body.
CREATE TABLE idempotency_keys (
	subject text NOT NULL,
	key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
	endpoint text NOT NULL,
	request_hash text NOT NULL,
	status integer,              -- NULL while the first request is still running
	response_headers jsonb,
	response_body text,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL DEFAULT now() + interval '48 hours',
	PRIMARY KEY (subject, key)
) WITH (fillfactor = 70); -- room for the HOT update that stores the reply beside the claim
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

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

-- Unit scope in the database -------------------------------------------------------------

-- The request's unit and role, set per transaction by the service with set_config(..., true).
CREATE FUNCTION zeren_request_unit() RETURNS text LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('zeren.unit', true), '')
$$;
CREATE FUNCTION zeren_request_role() RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('zeren.role', true), ''), 'none')
$$;

-- Is the unit assigned to the measure, directly or through a group it belongs to? Without a
-- role, a unit accountable for one of the measure's targets (云浮技师学院 for 纳入高职院校序列
-- under measure 1) counts as assigned too, so it can report the number it answers for.
CREATE FUNCTION zeren_unit_assigned(p_unit bigint, p_measure bigint, p_role text DEFAULT NULL)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT 1 FROM assignments a
		WHERE a.measure_id = p_measure
		  AND (p_role IS NULL OR a.role = p_role)
		  AND (a.unit_id = p_unit OR a.unit_id IN (
			SELECT m.group_id FROM unit_memberships m WHERE m.member_id = p_unit)))
	    OR (p_role IS NULL AND EXISTS (
		SELECT 1 FROM targets t
		WHERE t.measure_id = p_measure AND t.accountable_unit_id = p_unit))
$$;

CREATE FUNCTION zeren_unit_code_id(p_code text) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT id FROM units WHERE code = p_code
$$;

-- The request's unit id (NULL without one). Policies call it as (SELECT ...), which the
-- planner runs once per statement rather than once per row. PL/pgSQL, so that the session
-- keeps its plan: a SQL function that cannot be inlined is planned again at every call.
CREATE FUNCTION zeren_request_unit_id() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT id FROM units WHERE code = zeren_request_unit());
END
$$;

-- The measures a unit may report on: zeren_unit_assigned(p_unit, m) without a role, as a
-- set, so that a batch checks all its rows with one join.
CREATE FUNCTION zeren_unit_measures(p_unit bigint) RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
	SELECT a.measure_id FROM assignments a WHERE a.unit_id = p_unit
	UNION
	SELECT a.measure_id FROM unit_memberships g JOIN assignments a ON a.unit_id = g.group_id
	WHERE g.member_id = p_unit
	UNION
	SELECT t.measure_id FROM targets t WHERE t.accountable_unit_id = p_unit
$$;

ALTER TABLE progress_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE progress_values ENABLE ROW LEVEL SECURITY;

CREATE POLICY progress_read ON progress_records FOR SELECT USING (true);
-- A reporter writes only as its own unit, only on measures that unit is assigned to; an
-- admin may write on any unit's behalf (scripted imports). The assignment rule is
-- zeren_unit_assigned's, written out so that each row costs three index look-ups at most
-- rather than a function call, and the request's unit is looked up once per statement.
CREATE POLICY progress_insert ON progress_records FOR INSERT WITH CHECK (
	zeren_request_role() = 'admin'
	OR (zeren_request_role() = 'reporter'
	    AND unit_id = (SELECT zeren_request_unit_id())
	    AND (EXISTS (SELECT 1 FROM assignments a
			 WHERE a.measure_id = progress_records.measure_id
			   AND a.unit_id = progress_records.unit_id)
		 OR EXISTS (SELECT 1 FROM unit_memberships g
			    JOIN assignments a ON a.unit_id = g.group_id
			    WHERE g.member_id = progress_records.unit_id
			      AND a.measure_id = progress_records.measure_id)
		 OR EXISTS (SELECT 1 FROM targets t
			    WHERE t.measure_id = progress_records.measure_id
			      AND t.accountable_unit_id = progress_records.unit_id))));
-- Amending is the reporting unit's; reviewing is a supervisor's or the lead unit's.
CREATE POLICY progress_update ON progress_records FOR UPDATE USING (true) WITH CHECK (
	zeren_request_role() IN ('admin', 'supervisor')
	OR (zeren_request_role() = 'reporter'
	    AND (unit_id = (SELECT zeren_request_unit_id())
		 OR zeren_unit_assigned((SELECT zeren_request_unit_id()), measure_id, 'lead'))));

-- A lead unit's reporter may review another unit's record but not rewrite it: apart from
-- the review columns, a reporter changes only its own unit's records, and nobody moves a
-- record to another measure, unit or period.
CREATE FUNCTION progress_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.measure_id, NEW.unit_id, NEW.period) IS DISTINCT FROM
	   (OLD.measure_id, OLD.unit_id, OLD.period) THEN
		RAISE EXCEPTION 'a progress record keeps its measure, unit and period'
			USING ERRCODE = '42501';
	END IF;
	IF zeren_request_role() = 'reporter'
	   AND OLD.unit_id IS DISTINCT FROM zeren_unit_code_id(zeren_request_unit())
	   AND (NEW.status, NEW.summary, NEW.problems, NEW.next_steps, NEW.evidence,
		NEW.version, NEW.reported_by, NEW.reported_iss, NEW.reported_at,
		NEW.period_start, NEW.period_end, NEW.amended_by, NEW.amended_at)
	       IS DISTINCT FROM
	       (OLD.status, OLD.summary, OLD.problems, OLD.next_steps, OLD.evidence,
		OLD.version, OLD.reported_by, OLD.reported_iss, OLD.reported_at,
		OLD.period_start, OLD.period_end, OLD.amended_by, OLD.amended_at) THEN
		RAISE EXCEPTION 'a reviewing unit may change only the review of another unit''s record'
			USING ERRCODE = '42501';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER progress_records_guard BEFORE UPDATE ON progress_records
	FOR EACH ROW EXECUTE FUNCTION progress_records_guard();

CREATE POLICY progress_values_read ON progress_values FOR SELECT USING (true);
CREATE POLICY progress_values_write ON progress_values FOR ALL USING (
	zeren_request_role() = 'admin'
	OR (zeren_request_role() = 'reporter'
	    AND EXISTS (SELECT 1 FROM progress_records r
			WHERE r.id = progress_id AND r.unit_id = (SELECT zeren_request_unit_id()))))
	WITH CHECK (
	zeren_request_role() = 'admin'
	OR (zeren_request_role() = 'reporter'
	    AND EXISTS (SELECT 1 FROM progress_records r
			WHERE r.id = progress_id AND r.unit_id = (SELECT zeren_request_unit_id()))));

-- Reference-data change notices -----------------------------------------------------------

-- Every instance caches reference responses and drops them when told; the notice is sent at
-- commit, so it never announces a change that did not happen.
CREATE FUNCTION zeren_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('zeren_reference', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['plans', 'tasks', 'measures', 'measure_items', 'units',
				 'unit_memberships', 'assignments', 'targets'] LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
			       'ON %I FOR EACH STATEMENT EXECUTE FUNCTION '
			       'zeren_reference_changed()', t || '_changed', t);
	END LOOP;
END
$$;

-- Grants ----------------------------------------------------------------------------------

GRANT USAGE ON SCHEMA public TO zeren_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO zeren_app;
GRANT INSERT, UPDATE, DELETE ON plans, tasks, measures, measure_items, units,
	unit_memberships, assignments, targets TO zeren_app;
GRANT INSERT, UPDATE ON progress_records, progress_values TO zeren_app;
GRANT DELETE ON progress_values TO zeren_app;
GRANT INSERT ON progress_versions, progress_reviews TO zeren_app;
-- not xid (nor at): an audit row names its own transaction, the changes feed's actor
GRANT INSERT (actor_iss, actor_sub, actor_unit, request_id, action, entity, entity_id, before,
	      after) ON audit_log TO zeren_app;
GRANT INSERT, UPDATE, DELETE ON idempotency_keys TO zeren_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO zeren_app;

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
					       'progress', 'review', 'report')),
	entity_id bigint NOT NULL,
	code text,
	action text NOT NULL CHECK (action IN ('created', 'updated', 'deleted', 'amended',
					       'approved', 'returned', 'due', 'overdue')),
	progress_id bigint, -- a review's record
	PRIMARY KEY (xid, id)
);
-- ?entity= pages.
CREATE INDEX changes_entity_idx ON changes (entity, xid, id);
-- A reference row changed in several ways by one transaction (a measure and its items, a new
-- unit and its members) is one change: the first recorded, or its deletion.
CREATE UNIQUE INDEX changes_reference_once_idx ON changes (xid, entity, entity_id)
	WHERE entity IN ('plan', 'task', 'measure', 'target', 'unit');

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

-- Retention, run by whichever instance serves a feed read: removes, in feed order, the changes
-- older than p_days whose transactions are behind every running one, at most 10,000 per call
-- and stopping at the first that is not, and returns the newest position removed so far.
CREATE FUNCTION changes_purge(p_days integer, OUT purged_xid xid8, OUT purged_id bigint)
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

GRANT SELECT ON changes, changes_purged TO zeren_app;

-- Webhooks -------------------------------------------------------------------------------

-- An admin's subscription: changes of the kinds in events (entity.action, or '*') are sent
-- to url, signed with secret. (feed_xid, feed_id) is the feed position up to which changes
-- have become deliveries; a new subscription starts at the feed's current horizon.
CREATE TABLE subscriptions (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
	events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 64),
	secret text NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
	active boolean NOT NULL DEFAULT true,
	feed_xid xid8 NOT NULL DEFAULT pg_snapshot_xmin(pg_current_snapshot()),
	feed_id bigint NOT NULL DEFAULT 0,
	failing_since timestamptz, -- the first failure since the last success
	deactivated_at timestamptz, -- set when it failed for too long
	created_by text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- One change to send to one subscription. pending until a 2xx (delivered) or until its
-- retries are spent (failed, parked). A sender holds it while claimed_until is in the future
-- (claim names the holder); a lease that runs out makes it anyone's again.
CREATE TABLE deliveries (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	change_xid xid8 NOT NULL,
	change_id bigint NOT NULL,
	event text NOT NULL,
	body text NOT NULL, -- the exact bytes sent (and signed) on every attempt
	state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts integer NOT NULL DEFAULT 0,
	-- a manual retry starts a new round of retries: attempts before it, and when
	round_start integer NOT NULL DEFAULT 0,
	round_at timestamptz NOT NULL DEFAULT now(),
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	claimed_until timestamptz,
	claim text,
	last_status integer,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	UNIQUE (subscription_id, change_xid, change_id)
);
-- A subscription's oldest pending delivery (the only one that may be sent) and the run after it.
CREATE INDEX deliveries_pending_idx ON deliveries (subscription_id, change_xid, change_id)
	WHERE state = 'pending';
CREATE INDEX deliveries_finished_idx ON deliveries (finished_at) WHERE state <> 'pending';

-- Every attempt at a delivery: the receiver's status (NULL without a response) or the error.
CREATE TABLE delivery_attempts (
	delivery_id bigint NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
	attempt integer NOT NULL,
	at timestamptz NOT NULL DEFAULT now(),
	status integer,
	error text,
	duration_ms integer NOT NULL,
	PRIMARY KEY (delivery_id, attempt)
);

-- Reminders (催办) ---------------------------------------------------------------------------

-- A report owed: 'due' when its due date is within the plan's warn_days, 'overdue' once it
-- has passed, each once per measure, unit and period (the unique key makes concurrent checks
-- emit nothing twice).
CREATE TABLE reminders (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('due', 'overdue')),
	plan_id bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
	measure_id bigint NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	unit_id bigint NOT NULL REFERENCES units (id) ON DELETE CASCADE,
	period text NOT NULL,
	due date NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (kind, measure_id, unit_id, period)
);
CREATE INDEX reminders_period_idx ON reminders (plan_id, period);

-- Each reminder is a change (entity 'report', action its kind) in the feed.
CREATE FUNCTION changes_reminder() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO changes (entity, entity_id, action)
	SELECT 'report', n.id, n.kind FROM new_rows n ORDER BY n.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER reminders_feed_insert AFTER INSERT ON reminders
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION changes_reminder();

GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions, deliveries TO zeren_app;
GRANT SELECT, INSERT ON delivery_attempts, reminders TO zeren_app;
GRANT USAGE ON SEQUENCE subscriptions_id_seq, deliveries_id_seq, reminders_id_seq TO zeren_app;

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

GRANT SELECT ON measure_documents TO zeren_app;

INSERT INTO schema_version (version) VALUES (9);
