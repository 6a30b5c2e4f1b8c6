-- 0003: a record's current version is the record itself; progress_versions keeps the
-- versions an amendment superseded, each as it last stood. A write no longer builds and
-- stores a copy of what it just wrote, so a batch of 100,000 records writes 100,000 rows
-- fewer. amended_by/amended_at say who made the current version when it is not the first.
ALTER TABLE progress_records ADD COLUMN amended_by text, ADD COLUMN amended_at timestamptz;

-- Records written before this version have a row for their current version too, written
-- right after the write. Its author and time become amended_by/amended_at (for versions
-- after the first), and the row goes: the current version is shown from the record now,
-- and the next amendment keeps it as it stands then (with its review), as for new records.
UPDATE progress_records r SET amended_by = v.created_by, amended_at = v.created_at
FROM progress_versions v
WHERE v.progress_id = r.id AND v.version = r.version AND r.version > 1;
DELETE FROM progress_versions v USING progress_records r
WHERE v.progress_id = r.id AND v.version >= r.version;

-- The amendment columns are the reporting unit's, like the rest of the record.
CREATE OR REPLACE FUNCTION progress_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

INSERT INTO schema_version (version) VALUES (3);
