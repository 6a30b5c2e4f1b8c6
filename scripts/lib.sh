#!/usr/bin/env bash
# lib.sh — shared steps of the run and test commands: packages, build, throwaway PostgreSQL.
# Sourced, not run. Everything it starts lives under $ZEREN_LOCAL (default .local/).
set -euo pipefail

ZEREN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZEREN_LOCAL=${ZEREN_LOCAL:-$ZEREN_ROOT/.local}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# Debian bookworm packages the project builds, runs and tests with (the cluster test drives
# its load with python3, curl and wrk: a bare bookworm image has none of them).
ZEREN_PACKAGES=(build-essential cmake pkg-config clang-format python3 curl
	libulfius-dev libjansson-dev libjwt-dev libpq-dev libmicrohttpd-dev liborcania-dev
	libssl-dev libxlsxwriter-dev check libsubunit-dev libcurl4-gnutls-dev
	libzip-dev libxml2-dev postgresql-15 unzip clang-14 libclang-rt-14-dev pgbouncer haproxy wrk)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
	local missing=()
	for p in "${ZEREN_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	# The OpenAPI linter runs on Node.js; any installed node and npm will do.
	command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing: ${missing[*]}"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# build DIR [cmake args...]
build() {
	local dir=$1
	shift
	cmake -S "$ZEREN_ROOT" -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)"
}

# fuzz_build: the libFuzzer harnesses of tests/fuzz/ with clang, ASan and UBSan, in build-fuzz/.
# The service sources get coverage instrumentation (-fsanitize=fuzzer-no-link) through the
# ZEREN_FUZZ option; -O1 keeps the service's own checks and makes the runs fast enough.
fuzz_build() {
	cmake -S "$ZEREN_ROOT" -B "$ZEREN_ROOT/build-fuzz" -DCMAKE_C_COMPILER=clang-14 \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
		-DZEREN_SANITIZE=ON -DZEREN_FUZZ=ON -DZEREN_TESTS=OFF >/dev/null
	cmake --build "$ZEREN_ROOT/build-fuzz" --target fuzzers -j"$(nproc)"
}

# fuzz_names: every harness, one name a line (fuzz_csv.c -> csv).
fuzz_names() {
	local f
	for f in "$ZEREN_ROOT"/tests/fuzz/fuzz_*.c; do
		f=${f##*/fuzz_}
		echo "${f%.c}"
	done
}

# fuzz_run NAME SECONDS: runs harness NAME for SECONDS from its committed seeds
# (tests/fuzz/corpus/NAME, read only) and the inputs earlier runs found ($ZEREN_LOCAL/fuzz/NAME).
# A crash, a leak, a broken property, one input taking over 10 s, RSS over 512 MB or a single
# allocation over 256 MB (the readers' limits allow 64 MB a zip entry) fails it; the input is left
# as $ZEREN_LOCAL/fuzz/NAME-crash-* (or -leak-, -timeout-): copy it into the seeds so that every
# later run replays it.
fuzz_run() {
	local name=$1 seconds=$2 work=$ZEREN_LOCAL/fuzz
	mkdir -p "$work/$name"
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$ZEREN_ROOT/tests/lsan.supp:print_suppressions=0 \
		"$ZEREN_ROOT/build-fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=512 -malloc_limit_mb=256 -print_final_stats=1 -artifact_prefix="$work/$name-" \
		"$work/$name" "$ZEREN_ROOT/tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
		echo "fuzz $name: $(grep -m1 -o 'Done [0-9]* runs in [0-9]* second(s)' "$work/$name.log"), no crash"
		return 0
	fi
	echo "fuzz $name: FAILED (log $work/$name.log)"
	grep -E -m1 -A12 '^==[0-9]+== ?ERROR|runtime error|property failed' "$work/$name.log" || tail -20 "$work/$name.log"
	grep -E 'Test unit written' "$work/$name.log" || true
	return 1
}

free_port() {
	local p
	for p in $(seq "${1:-54329}" 65000); do
		if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

# Runs a command as the database owner: postgres when we are root (the server refuses root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start: a fresh cluster in $ZEREN_LOCAL/pg on a free port, trust auth over its own socket.
# Sets PGHOST, PGPORT, PGUSER for the caller.
pg_start() {
	local dir=$ZEREN_LOCAL/pg
	pg_stop
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$dir"
		# postgres must be able to reach the folder; fall back to /tmp when it cannot.
		if ! runuser -u postgres -- test -w "$dir"; then
			dir=$(mktemp -d /tmp/zeren-pg.XXXXXX)
			chown postgres:postgres "$dir"
		fi
	fi
	echo "$dir" >"$ZEREN_LOCAL/pg.path"
	local user
	user=$([ "$(id -u)" -eq 0 ] && echo postgres || id -un)
	as_pg "$PG_BIN/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	# A port found free can be taken by another cluster starting at the same moment (parallel
	# runs on one machine): try a few, from a random starting point.
	local try
	for try in 1 2 3 4 5; do
		PGPORT=$(free_port $((54329 + RANDOM % 2000)))
		if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $PGPORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
			break
		fi
		[ "$try" -lt 5 ] || { echo "PostgreSQL did not start; see $dir/server.log" >&2; return 1; }
	done
	export PGHOST=$dir PGPORT PGUSER=$user PGDATABASE=postgres
	echo "== PostgreSQL 15 on port $PGPORT (socket $dir, log $dir/server.log)"
}

pg_stop() {
	local path
	path=$(cat "$ZEREN_LOCAL/pg.path" 2>/dev/null || true)
	for d in replica data; do
		if [ -n "$path" ] && [ -f "$path/$d/postmaster.pid" ]; then
			as_pg "$PG_BIN/pg_ctl" -D "$path/$d" -m fast -w stop >/dev/null 2>&1 || true
		fi
	done
}

# pg_replica_start: a streaming replica of the pg_start cluster (pg_basebackup -R: standby.signal
# and primary_conninfo), on its own free port and the same socket folder; its settings are in
# its postgresql.auto.conf, so a plain `pg_ctl -D DIR start` brings it back. initdb's pg_hba
# already trusts replication over the socket and 127.0.0.1; wal_level=replica and
# max_wal_senders=10 are the defaults. Sets PG_REPLICA_PORT and PG_REPLICA_DATA.
pg_replica_start() {
	local dir
	dir=$(cat "$ZEREN_LOCAL/pg.path")
	PG_REPLICA_DATA=$dir/replica
	rm -rf "$PG_REPLICA_DATA"
	as_pg "$PG_BIN/pg_basebackup" -D "$PG_REPLICA_DATA" -R -X stream -c fast -h "$PGHOST" -p "$PGPORT" -U "$PGUSER"
	as_pg tee -a "$PG_REPLICA_DATA/postgresql.auto.conf" >/dev/null <<CONF
unix_socket_directories = '$dir'
listen_addresses = '127.0.0.1'
hot_standby = on
hot_standby_feedback = on
max_connections = 200
fsync = off
CONF
	# the port goes last in postgresql.auto.conf, where the last setting wins (see pg_start)
	local try
	for try in 1 2 3 4 5; do
		PG_REPLICA_PORT=$(free_port $((PGPORT + 1 + RANDOM % 500)))
		echo "port = $PG_REPLICA_PORT" | as_pg tee -a "$PG_REPLICA_DATA/postgresql.auto.conf" >/dev/null
		as_pg "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" -l "$dir/replica.log" -w -t 60 start >/dev/null && break
		[ "$try" -lt 5 ] || return 1
	done
	export PG_REPLICA_PORT PG_REPLICA_DATA
	echo "== streaming replica on port $PG_REPLICA_PORT (log $dir/replica.log)"
}

# create_database NAME: owner-side database plus the login role the service uses.
create_database() {
	local name=$1
	psql -q -v ON_ERROR_STOP=1 -d postgres <<SQL
DROP DATABASE IF EXISTS "$name" WITH (FORCE);
CREATE DATABASE "$name";
SQL
	psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zeren_app') THEN
		CREATE ROLE zeren_app NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zeren') THEN
		CREATE ROLE zeren LOGIN IN ROLE zeren_app;
	END IF;
END $$;
SQL
}

# test_servers_start: a throwaway primary and streaming replica (stopped on exit), the template
# database, and the environment the test programs read (ZEREN_TEST_*, sanitizer options).
test_servers_start() {
	pg_start
	trap pg_stop EXIT
	pg_replica_start
	create_database zeren_template
	export ZEREN_TEST_PG="host=$PGHOST port=$PGPORT user=$PGUSER"
	# tests/integration/test_replica.c reads through the replica and stops and starts it
	export ZEREN_TEST_PG_REPLICA="host=$PGHOST port=$PG_REPLICA_PORT user=$PGUSER"
	export ZEREN_TEST_PG_REPLICA_CTL="$(if [ "$(id -u)" -eq 0 ]; then echo "runuser -u postgres --"; fi) $PG_BIN/pg_ctl -D $PG_REPLICA_DATA -l $(dirname "$PG_REPLICA_DATA")/replica.log"
	export ZEREN_TEST_SEED=$ZEREN_ROOT/db/seed/yunfu-gdjg.json
	export ZEREN_TEST_NODE_TOOLS=$tools/node_modules
	export ZEREN_TEST_OPENAPI=$ZEREN_ROOT/api/openapi.yaml
	export ZEREN_TEST_BINARY=$ZEREN_ROOT/build-asan/zeren
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0
	export LSAN_OPTIONS=suppressions=$ZEREN_ROOT/tests/lsan.supp:print_suppressions=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	# Every HTTP exchange of the integration tests is checked against api/openapi.yaml afterwards.
	export ZEREN_TEST_CONTRACT_LOG=$ZEREN_LOCAL/contract.jsonl
	rm -f "$ZEREN_TEST_CONTRACT_LOG"
}
