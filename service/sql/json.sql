-- json.sql — fragments that build each resource's JSON, shared by its statements, so a resource
-- looks the same in a list, alone, and embedded in another.

-- fragment: ts(x)
-- RFC 3339 UTC timestamp text of a timestamptz expression.
to_char(({{x}}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')

-- fragment: unit_ref
-- A unit as referenced from elsewhere (alias u).
json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind)

-- fragment: unit_ref_expand(expand)
-- A unit reference that lists a group's members when expand (boolean) is true.
({{unit_ref}}::jsonb
    || CASE WHEN {{expand}} AND u.kind = 'group' THEN
           jsonb_build_object('members', coalesce((
               SELECT jsonb_agg(jsonb_build_object('id', mu.id, 'code', mu.code,
                                                   'name', mu.name, 'kind', mu.kind)
                                ORDER BY um.position, mu.id)
               FROM unit_memberships um
               JOIN units mu ON mu.id = um.member_id
               WHERE um.group_id = u.id
           ), '[]'::jsonb))
       ELSE '{}'::jsonb
       END)

-- fragment: unit_json
-- A whole unit (alias u): its members if a group, the groups it belongs to otherwise.
json_build_object(
    'id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind,
    'in_source', u.in_source, 'note', u.note, 'aliases', to_json(u.aliases),
    'members', CASE WHEN u.kind = 'group' THEN coalesce((
        SELECT json_agg(json_build_object('id', mu.id, 'code', mu.code,
                                          'name', mu.name, 'kind', mu.kind)
                        ORDER BY um.position, mu.id)
        FROM unit_memberships um
        JOIN units mu ON mu.id = um.member_id
        WHERE um.group_id = u.id
    ), '[]') END,
    'groups', coalesce((
        SELECT json_agg(json_build_object('id', g.id, 'code', g.code, 'name', g.name)
                        ORDER BY g.id)
        FROM unit_memberships um
        JOIN units g ON g.id = um.group_id
        WHERE um.member_id = u.id
    ), '[]'),
    'updated_at', {{ts(u.updated_at)}}
)

-- fragment: target_json
-- A target (alias tg) with every typed field and its source phrase.
json_build_object(
    'id', tg.id, 'code', tg.code, 'measure_id', tg.measure_id,
    'item_number', (SELECT i.number FROM measure_items i WHERE i.id = tg.item_id),
    'metric', tg.metric, 'kind', tg.kind, 'comparator', tg.comparator,
    'value', tg.value, 'unit_of_measure', tg.unit_of_measure,
    'deadline', tg.deadline, 'recurrence', tg.recurrence,
    'recurrence_start', tg.recurrence_start,
    'accountable_unit', (SELECT {{unit_ref}} FROM units u WHERE u.id = tg.accountable_unit_id),
    'aggregation', tg.aggregation,
    'share_of', (SELECT json_build_object('id', b.id, 'code', b.code)
                 FROM targets b
                 WHERE b.id = tg.share_of_id),
    'source_phrase', tg.source_phrase,
    'updated_at', {{ts(tg.updated_at)}}
)

-- fragment: measure_units(role, expand)
-- The units of one role of measure m, in document order; expand lists groups' members.
coalesce((
    SELECT json_agg({{unit_ref_expand({{expand}})}} ORDER BY a.position)
    FROM assignments a
    JOIN units u ON u.id = a.unit_id
    WHERE a.measure_id = m.id
      AND a.role = '{{role}}'
), '[]')

-- fragment: measure_json(expand)
-- A measure (alias m) with its task, items, assignments and targets; expand lists groups'
-- members.
json_build_object(
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
        'lead', {{measure_units(lead, {{expand}})}},
        'related', {{measure_units(related, {{expand}})}}
    ),
    'targets', coalesce((
        SELECT json_agg({{target_json}} ORDER BY tg.position, tg.id)
        FROM targets tg
        WHERE tg.measure_id = m.id
    ), '[]'),
    'updated_at', {{ts(m.updated_at)}}
)

-- fragment: task_json
-- A task (alias t) with how many measures it has.
json_build_object(
    'id', t.id, 'code', t.code, 'plan_id', t.plan_id,
    'number', t.number, 'label', t.label, 'title', t.title,
    'measure_count', (SELECT count(*) FROM measures m WHERE m.task_id = t.id),
    'updated_at', {{ts(t.updated_at)}}
)

-- fragment: plan_json
-- A plan (alias p) with how many tasks and measures it has.
json_build_object(
    'id', p.id, 'code', p.code, 'title', p.title,
    'start_date', p.start_date, 'cadence', p.cadence,
    'report_due_days', p.report_due_days, 'warn_days', p.warn_days,
    'assumptions', p.assumptions,
    'task_count', (SELECT count(*) FROM tasks t WHERE t.plan_id = p.id),
    'measure_count', (SELECT count(*) FROM measures m WHERE m.plan_id = p.id),
    'created_at', {{ts(p.created_at)}},
    'updated_at', {{ts(p.updated_at)}}
)

-- fragment: unit_or_groups(code)
-- The units matching code directly or through a group it belongs to.
(SELECT id FROM units WHERE code = {{code}}
 UNION
 SELECT um.group_id
 FROM unit_memberships um
 JOIN units mu ON mu.id = um.member_id
 WHERE mu.code = {{code}})

-- fragment: set_scope(unit, role)
-- Sets the request's unit and role for row-level security, in this transaction (two columns).
set_config('zeren.unit', coalesce({{unit}}, ''), true),
set_config('zeren.role', {{role}}, true)
