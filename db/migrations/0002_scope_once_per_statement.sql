-- 0002: the unit-scope policies look the request's unit up once per statement and check a
-- row's assignment with index look-ups written into the policy instead of a function call
-- per row, so a batch of 100,000 records pays little for them; the batch checks its rows
-- against zeren_unit_measures, the same rule as a set.

-- The request's unit id (NULL without one). Policies call it as (SELECT ...), which the
-- planner runs once per statement.
CREATE FUNCTION zeren_request_unit_id() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT id FROM units WHERE code = zeren_request_unit()
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

DROP POLICY progress_insert ON progress_records;
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

DROP POLICY progress_update ON progress_records;
CREATE POLICY progress_update ON progress_records FOR UPDATE USING (true) WITH CHECK (
	zeren_request_role() IN ('admin', 'supervisor')
	OR (zeren_request_role() = 'reporter'
	    AND (unit_id = (SELECT zeren_request_unit_id())
		 OR zeren_unit_assigned((SELECT zeren_request_unit_id()), measure_id, 'lead'))));

DROP POLICY progress_values_write ON progress_values;
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

INSERT INTO schema_version (version) VALUES (2);
