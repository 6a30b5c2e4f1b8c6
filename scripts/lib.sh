#!/usr/bin/env bash
# lib.sh — shared steps of the run and test commands: packages, build, throwaway PostgreSQL.
# Sourced, not run. Everything it starts lives under $ZEREN_LOCAL (default .local/).
set -euo pipefail

ZEREN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZEREN_LOCAL=${ZEREN_LOCAL:-$ZEREN_ROOT/.local}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# Debian bookworm packages the project builds, runs and tests with.
ZEREN_PACKAGES=(build-essential cmake pkg-config clang-format
	libulfius-dev libjansson-dev libjwt-dev libpq-dev libmicrohttpd-dev liborcania-dev
	libssl-dev libxlsxwriter-dev check libsubunit-dev libcurl4-gnutls-dev
	libzip-dev libxml2-dev postgresql-15 unzip)

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
	if [ -n "$path" ] && [ -f "$path/data/postmaster.pid" ]; then
		as_pg "$PG_BIN/pg_ctl" -D "$path/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
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
