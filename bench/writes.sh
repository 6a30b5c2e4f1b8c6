#!/usr/bin/env bash
# writes.sh — what the changes feed and webhooks cost a write: POST /v1/progress (wrk -t2 -c16,
# each request a new measure and period) against one `zeren serve` in three modes, in turns
# (ROUNDS rounds, default 2) on the same data so that they share the machine's load:
#   off   the feed's trigger on progress_records disabled and audit_log's xid index dropped:
#         a write as before the feed
#   feed  the triggers on, no subscription
#   hook  the triggers on, a subscription to progress.created whose deliveries the instance's
#         worker sends to a receiver on 127.0.0.1 (nginx `return 200`, which costs the shared
#         cores little, as a receiver on its own machine would cost them nothing) while the
#         writes go on; the round ends once every delivery is sent (at most 60 s more)
# Beside each round's rate and latency it prints the server side's CPU per write (zeren and
# every PostgreSQL process, from /proc; in hook mode the deliveries' fan-out, claims, sends
# and outcomes included): on a busy machine that moves far less than requests per second.
# In off and feed mode pgbench then runs the POST's own transaction (its statements as this
# build prepares them, as the service's role, 8 clients): without HTTP around it the feed's
# share of a write is at its largest, so its slowdown there bounds the POST's. Last, PAIRS
# (default 8) pairs of 4 s pgbench runs of that transaction, off and feed, with 1 and with 4
# clients, and each pair's ratio: short and in turns (A B B A), they share the machine's drift.
# Prints a Markdown row per run. Traffic only to 127.0.0.1, every load bounded by wrk's -d. Run
# by hand, not in CI.
set -euo pipefail
export ZEREN_LOCAL=${ZEREN_BENCH_LOCAL:-$(cd "$(dirname "$0")/.." && pwd)/.local/bench-writes}
source "$(dirname "$0")/../scripts/lib.sh"
source "$(dirname "$0")/nginx.sh"

BUILD=$ZEREN_ROOT/build-bench
SECRET=bench-secret-0123456789abcdef0123456789
ROUNDS=${ROUNDS:-2}
SECONDS_EACH=${SECONDS_EACH:-10}
mkdir -p "$ZEREN_LOCAL"

echo "== build (Release)"
build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	pg_stop
}
trap cleanup EXIT
pg_start >/dev/null
create_database bench_writes
export ZEREN_JWT_HS256_SECRET=$SECRET
ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=$PGUSER dbname=bench_writes" "$BUILD/zeren" migrate >/dev/null
for p in $(seq 1 20); do
	python3 "$ZEREN_ROOT/bench/gen_plan.py" "$p" 20 5 >"$ZEREN_LOCAL/p.json"
	ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=$PGUSER dbname=bench_writes" \
		"$BUILD/zeren" import "$ZEREN_LOCAL/p.json" >/dev/null
done

# the receiver: nginx answering 200 to everything on kept-alive connections, stopped by its PID
RPORT=$(free_port 18400)
nginx_start "$ZEREN_LOCAL/nginx" "$RPORT" 1
RECEIVER=$NGINX_PID
PIDS+=("$RECEIVER")

PORT=$(free_port 18500)
ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=zeren dbname=bench_writes" ZEREN_PORT=$PORT \
	ZEREN_RATE_PER_SECOND=0 ZEREN_WEBHOOK_ALLOWED_HOSTS="http://127.0.0.1:*" \
	ZEREN_WEBHOOK_POLL_MS=100 ZEREN_REMINDER_INTERVAL_S=0 \
	"$BUILD/zeren" serve >"$ZEREN_LOCAL/serve.log" 2>&1 &
ZEREN=$!
PIDS+=("$ZEREN")
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$PORT/healthz" -o /dev/null && break
	sleep 0.1
done
ADMIN=$("$BUILD/zeren" token --sub bench-admin --role admin --ttl 3600)
REPORTER=$("$BUILD/zeren" token --sub bench-hrss --role reporter --unit hrss --ttl 3600)
curl -fsS -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
	-d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"progress.created\"],\"active\":false}" \
	"http://127.0.0.1:$PORT/v1/subscriptions"
MEASURES=$(psql -qtA -d bench_writes -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM measures WHERE code LIKE 'bench-p%'")
NM=$(tr ',' '\n' <<<"$MEASURES" | wc -l)
LO=${MEASURES%%,*}
[ "$(tr ',' '\n' <<<"$MEASURES" | tail -1)" = $((LO + NM - 1)) ] || { echo "bench measures are not contiguous" >&2; exit 1; }
UNIT_ID=$(psql -qtA -d bench_writes -c "SELECT id FROM units WHERE code = 'hrss'")
python3 "$ZEREN_ROOT/bench/pgbench_scripts.py" "$BUILD" "$ZEREN_LOCAL"
# pgbench of the POST transaction; its periods start 100 years after those wrk's run of the
# same number writes (post_progress.lua: year 1900 + OFFSET * 4 / measures / 12, mod 8000)
pgb() { # RUN [SECONDS CLIENTS]
	local y0=$((1900 + ($1 * 1000000 * 4 / NM / 12) % 8000 + 100)) out
	local d=${2:-$SECONDS_EACH} c=${3:-8}
	out=$(pgbench -n -M prepared -T "$d" -c "$c" -j "$((c < 2 ? 1 : 2))" -U zeren -d bench_writes \
		-f "$ZEREN_LOCAL/post_progress.sql" -D k=0 -D nclients="$c" -D lo="$LO" -D nm="$NM" \
		-D y0="$y0" -D unit_id="$UNIT_ID" 2>&1) || true
	awk '/^tps = / {printf "%d tps", $3}' <<<"$out" | grep . || echo "failed: $(tail -1 <<<"$out")"
}

sql() { psql -q -d bench_writes -c "$1" >/dev/null; }
mode() { # off | feed | hook
	local t=ENABLE active=false
	[ "$1" = off ] && t=DISABLE
	[ "$1" = hook ] && active=true
	sql "ALTER TABLE progress_records $t TRIGGER progress_records_feed_insert"
	if [ "$1" = off ]; then
		sql "DROP INDEX IF EXISTS audit_log_xid_idx"
	else
		sql "CREATE INDEX IF NOT EXISTS audit_log_xid_idx ON audit_log (xid, id)"
	fi
	# a subscription starts at the feed's horizon: the writes of earlier modes are not sent
	sql "UPDATE subscriptions SET active = $active, feed_xid = pg_snapshot_xmin(pg_current_snapshot()), feed_id = 0"
}
# CPU clock ticks (user + system) of the given processes, and of the server side: zeren, the
# postmaster and its children (a backend that exits during a round takes its ticks with it)
ticks() {
	local t=0 p f
	for p in "$@"; do
		f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + $(awk '{print $12 + $13}' <<<"$f")))
	done
	echo "$t"
}
POSTMASTER=$(head -1 "$PGHOST/data/postmaster.pid")
# the postmaster's reaped children (autovacuum workers, backends that ended) count too
reaped_ticks() { awk '{print $14 + $15}' <<<"$(cut -d')' -f2- "/proc/$POSTMASTER/stat")"; }
server_ticks() { echo $(($(ticks "$ZEREN" "$POSTMASTER" $(ps -o pid= --ppid "$POSTMASTER")) + $(reaped_ticks))); }
HZ=$(getconf CLK_TCK)
count() { psql -qtA -d bench_writes -c "$1"; }

echo "| round | mode | POST /v1/progress | server CPU per write | deliveries sent | receiver CPU per delivery | pgbench of the transaction |"
echo "|---|---|---|---|---|---|---|"
run=0
for round in $(seq "$ROUNDS"); do
	for m in off feed hook; do
		run=$((run + 1))
		mode "$m"
		sql "CHECKPOINT"
		before=$(count "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
		writes0=$(count "SELECT count(*) FROM progress_records")
		t0=$(server_ticks)
		r0=$(ticks "$RECEIVER" $(ps -o pid= --ppid "$RECEIVER"))
		out=$(OFFSET=$((run * 1000000)) MEASURES=$MEASURES TOKEN=$REPORTER wrk --latency -t2 -c16 -d"${SECONDS_EACH}s" \
			-s "$ZEREN_ROOT/bench/post_progress.lua" "http://127.0.0.1:$PORT" 2>&1)
		if [ "$m" = hook ]; then # the round's deliveries belong to its cost
			drained=
			for _ in $(seq 600); do
				[ "$(count "SELECT count(*) FROM deliveries WHERE state = 'pending'")" = 0 ] &&
					[ "$(count "SELECT count(*) FROM changes c, subscriptions s WHERE s.active AND (c.xid, c.id) > (s.feed_xid, s.feed_id)")" = 0 ] && drained=1 && break
				sleep 0.1
			done
			[ -n "$drained" ] || echo "round $round: deliveries still pending after 60 s; the CPU below leaves them out" >&2
		fi
		t1=$(server_ticks)
		r1=$(ticks "$RECEIVER" $(ps -o pid= --ppid "$RECEIVER"))
		writes=$(($(count "SELECT count(*) FROM progress_records") - writes0))
		after=$(count "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
		sent=$((after - before))
		rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
		p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
		p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
		non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
		cpu=$([ "$writes" -gt 0 ] && echo "$(((t1 - t0) * 1000000 / HZ / writes)) µs" || echo -)
		rcpu=$([ "$sent" -gt 0 ] && echo "$(((r1 - r0) * 1000000 / HZ / sent)) µs" || echo -)
		tps=-
		[ "$m" = hook ] || tps=$(pgb "$run")
		echo "| $round | $m | $rps req/s, p50 $p50, p99 $p99${non2xx:+, $non2xx non-2xx} | $cpu | $sent | $rcpu | $tps |"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| clients | pair | off | feed | feed ÷ off |"
echo "|---|---|---|---|---|"
# odd pairs off then feed, even pairs feed then off (A B B A): what follows building or dropping
# the index, and the drift, fall on both alike
for c in 1 4; do
	for pair in $(seq "${PAIRS:-8}"); do
		order="off feed"
		[ $((pair % 2)) = 1 ] || order="feed off"
		declare -A pt=()
		for m in $order; do
			run=$((run + 1))
			mode "$m"
			pt[$m]=$(pgb "$run" 4 "$c")
		done
		echo "| $c | $pair | ${pt[off]} | ${pt[feed]} | $(echo "scale=2; ${pt[feed]% tps} / ${pt[off]% tps}" | bc 2>/dev/null || echo -) |"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
