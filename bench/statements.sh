#!/usr/bin/env bash
# statements.sh — what ZEREN_DB_STATEMENTS=unnamed costs against prepared, by hand (never in CI).
# Builds a Release binary, starts a throwaway PostgreSQL in /tmp with the seed and 20 generated
# plans, and three servers on one database: prepared (direct), unnamed (direct) and unnamed
# through PgBouncer in pool_mode=transaction. farm-bench then runs a fixed amount of work (one
# curl --parallel process, 8 connections, a list of requests made beforehand) against two of
# them in turn, A B A B ..., and takes the wall-time ratio pair by pair, which stays meaningful
# on a machine whose load drifts (bench/run.sh's wrk -d figures do not). Loopback only; every
# load is bounded by its request count.
# Usage: bench/statements.sh [RUNS]   (default 8 pairs per comparison)
RUNS=${1:-8}
source "$(dirname "$0")/../scripts/lib.sh"
install_deps
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

serve() { # name mode url; sets PORT
	PORT=$(free_port $((18080 + RANDOM % 1000)))
	ZEREN_PORT=$PORT ZEREN_DB_STATEMENTS=$2 ZEREN_DATABASE_URL=$3 ZEREN_DB_TIMEOUT_MS=120000 \
		ZEREN_DATABASE_LISTEN_URL="host=$PGHOST port=$PGPORT dbname=zeren user=zeren" \
		$BIN serve >"$WORK/$1.out" 2>"$WORK/$1.log" &
	PIDS+=($!)
	until grep -q listening "$WORK/$1.out" 2>/dev/null; do sleep 0.1; done
}
DIRECT="host=$PGHOST port=$PGPORT dbname=zeren user=zeren"
serve prepared prepared "$DIRECT"
P=$PORT
serve unnamed unnamed "$DIRECT"
U=$PORT
serve bouncer unnamed "host=127.0.0.1 port=$BOUNCER_PORT dbname=zeren user=zeren"
B=$PORT

READER=$($BIN token --sub bench-reader --role reader --ttl 3600)
REPORTER=$($BIN token --sub bench-hrss --role reporter --unit hrss --ttl 3600)
MEASURES=$(psql -qtA -d zeren -c "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p%'")
# one record to read back (progress reads are never cached: every one runs its statement); the
# write runs start at run 1, whose periods begin decades after 1900-01
echo 1 >"$WORK/run"
MID=${MEASURES%%,*}
PID_=$(curl -s -H "Authorization: Bearer $REPORTER" -H "Content-Type: application/json" \
	-d "{\"measure_id\":$MID,\"period\":\"1900-01\",\"status\":\"on_track\",\"summary\":\"read me\"}" \
	"http://127.0.0.1:$P/v1/progress" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# Request lists for curl -K: reads of one record; writes of a (measure, period) used once, one
# list per run (a counter file picks the next), so that no write meets a conflict.
READS=2000
WRITES=400
python3 - "$WORK" "$PID_" "$READER" "$REPORTER" "$MEASURES" "$READS" "$WRITES" "$((4 * (RUNS + 1) + 16))" <<'PY'
import json, sys
work, rid, reader, reporter, ids, reads, writes, lists = sys.argv[1:9]
ids = ids.split(",")
with open(f"{work}/reads.cfg", "w") as f:
    f.write(f'header = "Authorization: Bearer {reader}"\n')
    for _ in range(int(reads)):
        f.write(f'url = "http://127.0.0.1:PORT/v1/progress/{rid}"\n')
n = 0
for run in range(int(lists)):
    with open(f"{work}/writes.{run}.cfg", "w") as f:
        for i in range(int(writes)):
            n += 1
            if i:
                f.write("next\n")
            k = n // len(ids)
            body = json.dumps({"measure_id": int(ids[n % len(ids)]),
                               "period": "%04d-%02d" % (1950 + k // 12, 1 + k % 12),
                               "status": "on_track", "summary": "bench %d" % n})
            f.write('url = "http://127.0.0.1:PORT/v1/progress"\n'
                    f'header = "Authorization: Bearer {reporter}"\n'
                    'header = "Content-Type: application/json"\n'
                    'data = "%s"\n' % body.replace('"', '\\"'))
PY
echo 0 >"$WORK/run"
# one run: curl over a request list with PORT filled in; prints nothing but its failures
cat >"$WORK/one.sh" <<'SH'
#!/bin/sh
# one.sh reads|writes PORT WORK
if [ "$1" = writes ]; then
	n=$(cat "$3/run"); echo $((n + 1)) >"$3/run"
	list="$3/writes.$n.cfg"
else
	list="$3/reads.cfg"
fi
sed "s/PORT/$2/" "$list" >"$3/now.$2.cfg"
exec curl -s -S -o /dev/null --no-progress-meter --fail-early --parallel --parallel-max 8 -K "$3/now.$2.cfg"
SH
chmod +x "$WORK/one.sh"

compare() { # title, reads|writes, port A, port B
	echo "### $1"
	farm-bench -n "$RUNS" --timeout 900 --vs "$WORK/one.sh $2 $4 $WORK" -- "$WORK/one.sh" "$2" "$3" "$WORK"
}
uptime
compare "read GET /v1/progress/{id} x $READS: A unnamed, B prepared" reads "$U" "$P"
compare "write POST /v1/progress x $WRITES: A unnamed, B prepared" writes "$U" "$P"
compare "read x $READS: A unnamed through PgBouncer (transaction), B prepared direct" reads "$B" "$P"
compare "write x $WRITES: A unnamed through PgBouncer (transaction), B prepared direct" writes "$B" "$P"
uptime
# CPU rather than wall: what one run costs the server side (zeren, every PostgreSQL process,
# PgBouncer), from /proc, which a busy machine disturbs far less than elapsed time. The three
# set-ups take turns, five rounds; the median per request is printed.
POSTMASTER=$(head -1 "$PGHOST/data/postmaster.pid")
ticks() { # pids... -> user + system clock ticks
	local t=0 p f
	for p in "$@"; do
		f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + $(echo "$f" | awk '{print $12 + $13}')))
	done
	echo "$t"
}
server_ticks() { # zeren pid
	ticks "$1" "$POSTMASTER" $(ps -o pid= --ppid "$POSTMASTER") "$(cat "$WORK/pgbouncer.pid")"
}
HZ=$(getconf CLK_TCK)
declare -A ZP=([prepared]=${PIDS[1]} [unnamed]=${PIDS[2]} [bouncer]=${PIDS[3]})
declare -A PORTS=([prepared]=$P [unnamed]=$U [bouncer]=$B)
for kind in reads writes; do
	count=$([ "$kind" = reads ] && echo "$READS" || echo "$WRITES")
	for setup in prepared unnamed bouncer; do : >"$WORK/cpu.$kind.$setup"; done
	for round in 1 2 3 4 5; do
		for setup in prepared unnamed bouncer; do
			t0=$(server_ticks "${ZP[$setup]}")
			"$WORK/one.sh" "$kind" "${PORTS[$setup]}" "$WORK" >/dev/null
			t1=$(server_ticks "${ZP[$setup]}")
			echo "$(( (t1 - t0) * 1000000 / HZ / count ))" >>"$WORK/cpu.$kind.$setup"
		done
	done
	for setup in prepared unnamed bouncer; do
		echo "server CPU per $kind request, $setup: median $(sort -n "$WORK/cpu.$kind.$setup" | sed -n 3p) us (runs: $(sort -n "$WORK/cpu.$kind.$setup" | tr '\n' ' '))"
	done
done
for n in prepared unnamed bouncer; do
	echo "$n: $(grep -c '"request"' "$WORK/$n.log") requests, $(grep -c '"status":[45]' "$WORK/$n.log") answered 4xx/5xx"
done
