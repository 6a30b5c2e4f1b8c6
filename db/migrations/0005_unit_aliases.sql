-- 0005: units keep aliases, other names documents use for them (市商务 for 市商务局), each
-- naming one unit only (units_names_unique).

ALTER TABLE units ADD COLUMN aliases text[] NOT NULL DEFAULT '{}';
ALTER TABLE units ADD CONSTRAINT units_aliases_valid CHECK (array_position(aliases, NULL) IS NULL
							   AND array_position(aliases, '') IS NULL
							   AND NOT name = ANY (aliases));
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

INSERT INTO schema_version (version) VALUES (5);
