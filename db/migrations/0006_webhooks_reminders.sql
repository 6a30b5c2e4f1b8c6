-- 0006: webhooks and reminders (催办): plans get warn_days; subscriptions, their deliveries
-- and each delivery's attempts; reminders (report.due, report.overdue), each once per unit,
-- measure and period, written into the changes feed by a trigger.

ALTER TABLE plans ADD COLUMN warn_days integer NOT NULL DEFAULT 7
	CHECK (warn_days BETWEEN 0 AND 366);

ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
	CHECK (entity IN ('plan', 'task', 'measure', 'target', 'unit', 'progress', 'review',
			  'report'));
ALTER TABLE changes DROP CONSTRAINT changes_action_check;
ALTER TABLE changes ADD CONSTRAINT changes_action_check
	CHECK (action IN ('created', 'updated', 'deleted', 'amended', 'approved', 'returned',
			  'due', 'overdue'));

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
-- A subscription's oldest pending delivery (the only one that may be sent), and the due ones.
CREATE INDEX deliveries_pending_idx ON deliveries (subscription_id, change_xid, change_id)
	WHERE state = 'pending';
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE state = 'pending';
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

INSERT INTO schema_version (version) VALUES (6);
