#!/usr/bin/env bash
# webhooks.sh — 1,000 webhook deliveries to a local receiver by two `zeren serve` instances
# sharing one throwaway PostgreSQL 15 cluster: 10 subscriptions × 100 changes (the instances
# share the subscriptions), then 1 subscription × 1,000 changes (one at a time, in order).
# Prints the time from the changes' commit until the last delivery is recorded, and what the
# receiver counted (requests, distinct deliveries, bad signatures). Run by hand, not in CI.
set -euo pipefail
export ZEREN_LOCAL=${ZEREN_BENCH_LOCAL:-$(cd "$(dirname "$0")/.." && pwd)/.local/bench-hooks}
source "$(dirname "$0")/../scripts/lib.sh"

BUILD=$ZEREN_ROOT/build-bench
SECRET=bench-secret-0123456789abcdef0123456789
HOOK_SECRET=bench-hook-secret-0123
mkdir -p "$ZEREN_LOCAL"

echo "== build (Release)"
build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	pg_stop
}
trap cleanup EXIT
pg_start
create_database bench_hooks
DB="host=$PGHOST port=$PGPORT user=$PGUSER dbname=bench_hooks"
APPDB="host=$PGHOST port=$PGPORT user=zeren dbname=bench_hooks"
ZEREN_DATABASE_URL=$DB ZEREN_JWT_HS256_SECRET=$SECRET "$BUILD/zeren" migrate >/dev/null

# The receiver: answers 200 at once, checks each signature, counts requests and deliveries.
RPORT=$(free_port 18100)
python3 - "$RPORT" "$HOOK_SECRET" >"$ZEREN_LOCAL/receiver.log" 2>&1 <<'PY' &
import hashlib, hmac, http.server, json, sys, threading
port, secret = int(sys.argv[1]), sys.argv[2].encode()
lock, seen, stats = threading.Lock(), set(), {"requests": 0, "bad_signatures": 0}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each small reply waits for a delayed ACK (40 ms)
    wbufsize = 65536  # headers and body in one write
    def log_message(self, *a): pass
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with lock:
            self.reply(json.dumps(dict(stats, distinct=len(seen))).encode())
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        t, v1 = [kv.split("=", 1)[1] for kv in self.headers["Zeren-Signature"].split(",")]
        good = hmac.compare_digest(v1, hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest())
        with lock:
            stats["requests"] += 1
            stats["bad_signatures"] += 0 if good else 1
            seen.add(self.headers["Zeren-Delivery"])
        self.reply(b"ok")
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
PIDS+=($!)

start_instance() { # PORT
	ZEREN_DATABASE_URL=$APPDB ZEREN_JWT_HS256_SECRET=$SECRET ZEREN_PORT=$1 \
		ZEREN_WEBHOOK_ALLOWED_HOSTS="http://127.0.0.1:*" ZEREN_WEBHOOK_POLL_MS=50 \
		ZEREN_REMINDER_INTERVAL_S=0 "$BUILD/zeren" serve >"$ZEREN_LOCAL/serve-$1.log" 2>&1 &
	PIDS+=($!)
}
P1=$(free_port 18200)
start_instance "$P1"
P2=$(free_port $((P1 + 1)))
start_instance "$P2"
for url in "http://127.0.0.1:$RPORT/" "http://127.0.0.1:$P1/healthz" "http://127.0.0.1:$P2/healthz"; do
	for _ in $(seq 100); do
		curl -fs "$url" -o /dev/null && break
		sleep 0.1
	done
done
TOKEN=$(ZEREN_JWT_HS256_SECRET=$SECRET "$BUILD/zeren" token --sub bench --role admin)

# run SUBSCRIPTIONS CHANGES: subscribe, commit CHANGES new units, time until all delivered.
run() {
	local subs=$1 changes=$2 want=$(($1 * $2))
	psql -q -d bench_hooks -c "TRUNCATE subscriptions CASCADE" >/dev/null
	for _ in $(seq "$subs"); do
		curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			-d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"unit.created\"],\"secret\":\"$HOOK_SECRET\"}" \
			"http://127.0.0.1:$P1/v1/subscriptions"
	done
	local before
	before=$(curl -fsS "http://127.0.0.1:$RPORT/")
	local t0 t1 n=0
	t0=$(date +%s.%N)
	psql -q -d bench_hooks -c "INSERT INTO units (code, name, kind) SELECT 'bench-' || \
		extract(epoch FROM clock_timestamp())::bigint || '-' || g, 'u', 'department' \
		FROM generate_series(1, $changes) g" >/dev/null
	for _ in $(seq 1200); do
		n=$(psql -qtA -d bench_hooks -c "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
		[ "$n" -ge "$want" ] && break
		sleep 0.05
	done
	t1=$(date +%s.%N)
	printf '%s subscriptions x %s changes: %s of %s delivered in %.2f s; receiver before %s, after %s\n' \
		"$subs" "$changes" "$n" "$want" "$(echo "$t1 - $t0" | bc)" "$before" "$(curl -fsS "http://127.0.0.1:$RPORT/")"
}
echo "== 2 instances on :$P1 and :$P2, receiver on :$RPORT"
run 10 100
run 1 1000
