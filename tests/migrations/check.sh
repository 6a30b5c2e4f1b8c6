#!/usr/bin/env bash
# check.sh — a database made by the first released schema (schema_v1.sql, kept as it was)
# and brought forward by `zeren migrate` must end up exactly like a new database made from
# db/schema.sql: same tables, columns, constraints, indexes, functions, policies and grants.
# Needs the PG* variables of a running cluster and ZEREN_TEST_BINARY; run by scripts/test.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
bin=${ZEREN_TEST_BINARY:?}
work=$(mktemp -d /tmp/zeren-mig.XXXXXX)
trap 'rm -rf "$work"' EXIT
export ZEREN_JWT_HS256_SECRET=migration-check-0123456789abcdef0123
checks=0
failures=0
check() { # description, command...
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@" >"$work/out" 2>&1; then
		echo "ok: $what"
	else
		failures=$((failures + 1))
		echo "FAILED: $what"
		sed 's/^/    /' "$work/out" | head -40
	fi
}
url() { echo "host=$PGHOST port=$PGPORT dbname=$1 user=$PGUSER"; }
# (pg_dump's \restrict lines carry a random key per run)
schema_of() { pg_dump --schema-only --no-owner -d "$1" | grep -Ev '^(--|$|\\(un)?restrict )'; }

create_database zeren_mig_old >/dev/null
create_database zeren_mig_new >/dev/null
psql -q -v ON_ERROR_STOP=1 -d zeren_mig_old -f "$here/schema_v1.sql" >/dev/null
latest=$(sed -n 's/^INSERT INTO schema_version (version) VALUES (\([0-9]*\));/\1/p' \
	"$here/../../db/schema.sql")

# Records as version 1 kept them: a row in progress_versions for every version, the current
# one included. One record was amended once (by bob, after alice reported it).
# (version 1 has no unit aliases: the seed goes in without them, and again whole after migrating)
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	for (const u of d.units) delete u.aliases;
	process.stdout.write(JSON.stringify(d));' "$here/../../db/seed/yunfu-gdjg.json" >"$work/seed_v1.json"
env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" import "$work/seed_v1.json" >/dev/null
psql -q -v ON_ERROR_STOP=1 -d zeren_mig_old <<'SQL'
INSERT INTO progress_records (measure_id, unit_id, period, period_start, period_end, status,
	summary, reported_by, reported_iss, reported_at, updated_at, version, review_state)
SELECT m.id, u.id, p.period, (p.period || '-01-01')::date, (p.period || '-12-31')::date, 'on_track', p.summary,
	p.who, 'iss', '2022-02-01Z', p.updated::timestamptz, p.version, 'submitted'
FROM measures m, units u,
	(VALUES ('2022', 'amended once', 'alice', '2022-03-01Z', 2),
		('2023', 'never amended', 'carol', '2022-02-01Z', 1)) p(period, summary, who, updated, version)
WHERE m.number = 3 AND u.code = 'finance';
INSERT INTO progress_versions (progress_id, version, body, created_at, created_by)
SELECT r.id, v.version, jsonb_build_object('summary', r.summary), v.at::timestamptz, v.who
FROM progress_records r JOIN (VALUES ('amended once', 1, '2022-02-01Z', 'alice'),
	('amended once', 2, '2022-03-01Z', 'bob'),
	('never amended', 1, '2022-02-01Z', 'carol')) v(summary, version, at, who)
ON v.summary = r.summary;
SQL
q() { psql -qtA -d zeren_mig_old -c "$1"; }

check "migrate brings version 1 to $latest" env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" migrate
check "the migrated database records version $latest" \
	test "$(psql -qtA -d zeren_mig_old -c 'SELECT max(version) FROM schema_version')" = "$latest"
check "an amended record keeps who amended it and when" test \
	"$(q "SELECT amended_by || ' ' || to_char(amended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM progress_records WHERE summary = 'amended once'")" = "bob 2022-03-01"
check "a record never amended has no amendment" test \
	"$(q "SELECT count(*) FROM progress_records WHERE summary = 'never amended' AND amended_by IS NULL AND amended_at IS NULL")" = 1
check "only superseded versions stay in progress_versions" test \
	"$(q "SELECT string_agg(r.summary || ' v' || v.version || ' by ' || v.created_by, ', ') FROM progress_versions v JOIN progress_records r ON r.id = v.progress_id")" = "amended once v1 by alice"
check "migrate again changes nothing" env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" migrate
check "a new database gets db/schema.sql" env ZEREN_DATABASE_URL="$(url zeren_mig_new)" "$bin" migrate
schema_of zeren_mig_old >"$work/old.sql"
schema_of zeren_mig_new >"$work/new.sql"
check "migrated schema equals db/schema.sql" diff -u "$work/new.sql" "$work/old.sql"
check "the seed imports again into the migrated database (its aliases added)" \
	env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" import "$here/../../db/seed/yunfu-gdjg.json"

# A database at version 7 with changes in the feed: 0008 takes each change's actor from the
# first audit row of its transaction, which change_actors held until then.
create_database zeren_mig_v7 >/dev/null
psql -q -v ON_ERROR_STOP=1 -d zeren_mig_v7 -f "$here/schema_v1.sql" >/dev/null
for m in "$here"/../../db/migrations/000[2-7]_*.sql; do
	psql -q -v ON_ERROR_STOP=1 -1 -d zeren_mig_v7 -f "$m" >/dev/null
done
psql -q -v ON_ERROR_STOP=1 -d zeren_mig_v7 <<'SQL'
BEGIN;
INSERT INTO units (code, name, kind) VALUES ('mig-a', 'A', 'department');
INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity)
VALUES ('iss', 'alice', 'finance', 'req-a', 'unit.create', 'unit'),
       ('iss', 'bob', 'finance', 'req-a', 'unit.create', 'unit');
COMMIT;
BEGIN;
INSERT INTO units (code, name, kind) VALUES ('mig-b', 'B', 'department');
INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity)
VALUES ('iss', 'carol', NULL, 'req-b', 'unit.create', 'unit');
COMMIT;
INSERT INTO units (code, name, kind) VALUES ('mig-c', 'C', 'department');
SQL
v7() { psql -qtA -d zeren_mig_v7 -c "$1"; }
check "migrate brings version 7 to $latest" env ZEREN_DATABASE_URL="$(url zeren_mig_v7)" "$bin" migrate
check "each change keeps its actor: its transaction's first audit row" test \
	"$(v7 "SELECT string_agg(c.code || ' ' || coalesce((SELECT l.actor_sub FROM audit_log l WHERE l.xid = c.xid ORDER BY l.id LIMIT 1), '-'), ', ' ORDER BY c.xid, c.id) FROM changes c")" = "mig-a alice, mig-b carol, mig-c -"
schema_of zeren_mig_v7 >"$work/v7.sql"
check "schema migrated from version 7 equals db/schema.sql" diff -u "$work/new.sql" "$work/v7.sql"

psql -q -d postgres -c 'DROP DATABASE zeren_mig_old WITH (FORCE)' -c 'DROP DATABASE zeren_mig_new WITH (FORCE)' \
	-c 'DROP DATABASE zeren_mig_v7 WITH (FORCE)'
echo "migrations: Checks: $checks, Failures: $failures"
[ "$failures" -eq 0 ]
