-- parse.sql — what POST /v1/imports/parse reads: the units names in a document are matched
-- against.

-- name: STMT_PARSE_KNOWN_UNITS
-- properties: read-only, retry-safe
-- columns: code, name, kind, aliases, members
-- Every unit with its aliases and, for a group, its member codes (JSON arrays of text).
SELECT u.code,
       u.name,
       u.kind,
       to_json(u.aliases)::text,
       coalesce((SELECT json_agg(m.code ORDER BY um.position, m.id)
                 FROM unit_memberships um
                 JOIN units m ON m.id = um.member_id
                 WHERE um.group_id = u.id), '[]')::text
FROM units u
ORDER BY u.id
