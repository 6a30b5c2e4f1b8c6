#!/usr/bin/env bash
# writes.sh — what the changes feed and webhooks cost a write: POST /v1/progress (wrk -t2 -c16,
# each request a new measure and period) against one `zeren serve` in three modes, in turns
# (ROUNDS rounds, default 2) on the same data so that they share the machine's load:
#   off   the feed's trigger on progress_records disabled and audit_log's xid index dropped:
#         a write as before the feed
#   feed  the triggers on, no subscription
#   hook  the triggers on, a subscription to progress.created whose deliveries the instance's
#         worker sends to a receiver on 127.0.0.1 while the writes go on
# Prints a Markdown row per run. Traffic only to 127.0.0.1, every load bounded by wrk's -d. Run
# by hand, not in CI.
set -euo pipefail
export ZEREN_LOCAL=${ZEREN_BENCH_LOCAL:-$(cd "$(dirname "$0")/.." && pwd)/.local/bench-writes}
source "$(dirname "$0")/../scripts/lib.sh"

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

# the receiver: 200 to everything, on a kept-alive connection
RPORT=$(free_port 18400)
python3 - "$RPORT" >"$ZEREN_LOCAL/receiver.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    do_GET = do_POST
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PIDS+=($!)

PORT=$(free_port 18500)
ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=zeren dbname=bench_writes" ZEREN_PORT=$PORT \
	ZEREN_RATE_PER_SECOND=0 ZEREN_WEBHOOK_ALLOWED_HOSTS="http://127.0.0.1:*" \
	ZEREN_WEBHOOK_POLL_MS=100 ZEREN_REMINDER_INTERVAL_S=0 \
	"$BUILD/zeren" serve >"$ZEREN_LOCAL/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$PORT/healthz" -o /dev/null && break
	sleep 0.1
done
ADMIN=$("$BUILD/zeren" token --sub bench-admin --role admin --ttl 3600)
REPORTER=$("$BUILD/zeren" token --sub bench-hrss --role reporter --unit hrss --ttl 3600)
curl -fsS -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
	-d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"progress.created\"],\"active\":false}" \
	"http://127.0.0.1:$PORT/v1/subscriptions"
MEASURES=$(psql -qtA -d bench_writes -c "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p%'")

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
echo "| round | mode | POST /v1/progress | deliveries sent during the run |"
echo "|---|---|---|---|"
run=0
for round in $(seq "$ROUNDS"); do
	for m in off feed hook; do
		run=$((run + 1))
		mode "$m"
		sql "CHECKPOINT"
		before=$(psql -qtA -d bench_writes -c "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
		out=$(OFFSET=$((run * 1000000)) MEASURES=$MEASURES TOKEN=$REPORTER wrk --latency -t2 -c16 -d"${SECONDS_EACH}s" \
			-s "$ZEREN_ROOT/bench/post_progress.lua" "http://127.0.0.1:$PORT" 2>&1)
		after=$(psql -qtA -d bench_writes -c "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
		rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
		p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
		p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
		non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
		echo "| $round | $m | $rps req/s, p50 $p50, p99 $p99${non2xx:+, $non2xx non-2xx} | $((after - before)) |"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
