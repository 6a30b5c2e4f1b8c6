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

check "migrate brings version 1 to $latest" env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" migrate
check "the migrated database records version $latest" \
	test "$(psql -qtA -d zeren_mig_old -c 'SELECT max(version) FROM schema_version')" = "$latest"
check "migrate again changes nothing" env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" migrate
check "a new database gets db/schema.sql" env ZEREN_DATABASE_URL="$(url zeren_mig_new)" "$bin" migrate
schema_of zeren_mig_old >"$work/old.sql"
schema_of zeren_mig_new >"$work/new.sql"
check "migrated schema equals db/schema.sql" diff -u "$work/new.sql" "$work/old.sql"
check "the seed imports into the migrated database" \
	env ZEREN_DATABASE_URL="$(url zeren_mig_old)" "$bin" import "$here/../../db/seed/yunfu-gdjg.json"

psql -q -d postgres -c 'DROP DATABASE zeren_mig_old WITH (FORCE)' -c 'DROP DATABASE zeren_mig_new WITH (FORCE)'
echo "migrations: Checks: $checks, Failures: $failures"
[ "$failures" -eq 0 ]
