#!/usr/bin/env bash
# statements.sh — what ZEREN_DB_STATEMENTS=unnamed costs against prepared, by hand (never in CI).
# Builds a Release binary, starts a throwaway PostgreSQL in /tmp with the seed and 20 generated
# plans, and three servers on one database: prepared (direct), unnamed (direct) and unnamed
# through PgBouncer in pool_mode=transaction. farm-bench then runs a fixed amount of work (wrk
# stopping each thread after COUNT responses) against two of them in turn, A B A B ..., and
# takes the wall-time ratio pair by pair, which stays meaningful on a machine whose load
# drifts (bench/run.sh's wrk -d figures do not). Loopback only; every load is bounded.
# Usage: bench/statements.sh [RUNS]   (default 8 pairs per comparison)
RUNS=${1:-8}
source "$(dirname "$0")/../scripts/lib.sh"
install_deps
command -v wrk >/dev/null || as_root apt-get install -y -qq wrk >/dev/null
command -v farm-bench >/dev/null || { echo "farm-bench is needed" >&2; exit 1; }
build "$ZEREN_ROOT/build-rel" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null
BIN=$ZEREN_ROOT/build-rel/zeren
WORK=$(mktemp -d /tmp/zeren-stmts.XXXXXX)
chmod 755 "$WORK"
ZEREN_LOCAL=$WORK/local
mkdir -p "$ZEREN_LOCAL"
pg_start >/dev/null
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	pg_stop
}
trap cleanup EXIT
create_database zeren
export ZEREN_JWT_HS256_SECRET=bench-secret-0123456789abcdef0123456789
export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=$PGUSER"
$BIN migrate >/dev/null
$BIN import "$ZEREN_ROOT/db/seed/yunfu-gdjg.json" >/dev/null
for p in $(seq 1 20); do
	python3 "$ZEREN_ROOT/bench/gen_plan.py" "$p" 20 10 >"$WORK/p.json"
	$BIN import "$WORK/p.json" >/dev/null
done
# the role's own settings, which behind a transaction pooler replace zeren's session setup
psql -q -d zeren -c "ALTER ROLE zeren SET statement_timeout = '120s'" -c "ALTER ROLE zeren SET jit = off"

# PgBouncer 1.18, transaction pooling, trust on loopback; it refuses to run as root
BOUNCER_PORT=$(free_port $((PGPORT + 100)))
cat >"$WORK/pgbouncer.ini" <<INI
[databases]
zeren = host=$PGHOST port=$PGPORT dbname=zeren
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = 8
max_client_conn = 200
logfile = $WORK/pgbouncer.log
pidfile = $WORK/pgbouncer.pid
INI
echo '"zeren" ""' >"$WORK/userlist.txt"
chown -R "$(stat -c %U "$PGHOST")" "$WORK" 2>/dev/null || true
as_pg pgbouncer -d "$WORK/pgbouncer.ini"
for i in $(seq 1 50); do [ -f "$WORK/pgbouncer.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/pgbouncer.pid")")

serve() { # name mode url -> prints the port
	local port
	port=$(free_port $((18080 + RANDOM % 1000)))
	ZEREN_PORT=$port ZEREN_DB_STATEMENTS=$2 ZEREN_DATABASE_URL=$3 ZEREN_DB_TIMEOUT_MS=120000 \
		ZEREN_DATABASE_LISTEN_URL="host=$PGHOST port=$PGPORT dbname=zeren user=zeren" \
		$BIN serve >"$WORK/$1.out" 2>"$WORK/$1.log" &
	PIDS+=($!)
	until grep -q listening "$WORK/$1.out" 2>/dev/null; do sleep 0.1; done
	echo "$port"
}
DIRECT="host=$PGHOST port=$PGPORT dbname=zeren user=zeren"
P=$(serve prepared prepared "$DIRECT")
U=$(serve unnamed unnamed "$DIRECT")
B=$(serve bouncer unnamed "host=127.0.0.1 port=$BOUNCER_PORT dbname=zeren user=zeren")

READER=$($BIN token --sub bench-reader --role reader --ttl 3600)
REPORTER=$($BIN token --sub bench-hrss --role reporter --unit hrss --ttl 3600)
MEASURES=$(psql -qtA -d zeren -c "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p%'")
# one record to read back (progress reads are never cached: every one runs its statement)
MID=${MEASURES%%,*}
PID_=$(curl -s -H "Authorization: Bearer $REPORTER" -H "Content-Type: application/json" \
	-d "{\"measure_id\":$MID,\"period\":\"1800-01\",\"status\":\"on_track\",\"summary\":\"read me\"}" \
	"http://127.0.0.1:$P/v1/progress" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

compare() { # title, lua, port A, port B, count
	local title=$1 lua=$2 a=$3 b=$4 count=$5
	echo "### $title"
	farm-bench -n "$RUNS" --timeout 900 \
		--vs "env COUNT=$count PATH_URL=/v1/progress/$PID_ TOKEN=$READER MEASURES=$MEASURES RUN_FILE=$WORK/run TOKEN_W=x wrk -t2 -c8 -d120s -s $lua http://127.0.0.1:$b" \
		-- env COUNT=$count PATH_URL=/v1/progress/$PID_ TOKEN=$READER MEASURES=$MEASURES RUN_FILE=$WORK/run wrk -t2 -c8 -d120s -s "$lua" "http://127.0.0.1:$a"
}
compare_w() { # the same for writes (the reporter's token)
	local title=$1 a=$2 b=$3 count=$4
	echo "### $title"
	farm-bench -n "$RUNS" --timeout 900 \
		--vs "env COUNT=$count TOKEN=$REPORTER MEASURES=$MEASURES RUN_FILE=$WORK/run wrk -t2 -c8 -d120s -s $ZEREN_ROOT/bench/fixed_post.lua http://127.0.0.1:$b" \
		-- env COUNT=$count TOKEN=$REPORTER MEASURES=$MEASURES RUN_FILE=$WORK/run wrk -t2 -c8 -d120s -s "$ZEREN_ROOT/bench/fixed_post.lua" "http://127.0.0.1:$a"
}
uptime
compare "read GET /v1/progress/{id}, 2 x 2000: A unnamed, B prepared" "$ZEREN_ROOT/bench/fixed_get.lua" "$U" "$P" 2000
compare_w "write POST /v1/progress, 2 x 500: A unnamed, B prepared" "$U" "$P" 500
compare "read through PgBouncer (transaction, unnamed) A, direct prepared B" "$ZEREN_ROOT/bench/fixed_get.lua" "$B" "$P" 2000
compare_w "write through PgBouncer (transaction, unnamed) A, direct prepared B" "$B" "$P" 500
uptime
for n in prepared unnamed bouncer; do
	echo "$n: $(grep -c '"status":5' "$WORK/$n.log") responses 5xx"
done
