-- 0002: the unit-scope policies look the request's unit and its measures up once per
-- statement instead of once per row, so a batch of 100,000 records pays for them once.

-- The request's unit id (NULL without one). Policies call it as (SELECT ...), which the
-- planner runs once per statement.
CREATE FUNCTION zeren_request_unit_id() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT id FROM units WHERE code = zeren_request_unit()
$$;

-- The measures a unit may report on: zeren_unit_assigned(p_unit, m) without a role, as a
-- set, so that a policy or a batch check can hash it once.
CREATE FUNCTION zeren_unit_measures(p_unit bigint) RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
	SELECT a.measure_id FROM assignments a
	WHERE a.unit_id = p_unit
	   OR a.unit_id IN (SELECT m.group_id FROM unit_memberships m WHERE m.member_id = p_unit)
	UNION
	SELECT t.measure_id FROM targets t WHERE t.accountable_unit_id = p_unit
$$;

DROP POLICY progress_insert ON progress_records;
CREATE POLICY progress_insert ON progress_records FOR INSERT WITH CHECK (
	zeren_request_role() = 'admin'
	OR (zeren_request_role() = 'reporter'
	    AND unit_id = (SELECT zeren_request_unit_id())
	    AND measure_id IN (SELECT m FROM zeren_unit_measures((SELECT zeren_request_unit_id())) m)));

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
