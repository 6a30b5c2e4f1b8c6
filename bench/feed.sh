#!/usr/bin/env bash
# feed.sh — GET /v1/changes read whole: a throwaway PostgreSQL 15 cluster, 100,000 changes
# written straight into the feed by 1,000 transactions of 100 progress changes and an actor
# each (as 1,000 batch writes would leave them; through the API that would take minutes), then
# one client on one kept-alive connection follows next_cursor through pages of 500 from the
# start until a page comes back empty, three times. Prints each read's time and count, and
# EXPLAIN ANALYZE of one page from the middle. Traffic only to 127.0.0.1; run by hand, not in
# CI. FEED_CHANGES overrides the 100,000.
set -euo pipefail
export ZEREN_LOCAL=${ZEREN_BENCH_LOCAL:-$(cd "$(dirname "$0")/.." && pwd)/.local/bench-feed}
source "$(dirname "$0")/../scripts/lib.sh"

BUILD=$ZEREN_ROOT/build-bench
SECRET=bench-secret-0123456789abcdef0123456789
CHANGES=${FEED_CHANGES:-100000}
mkdir -p "$ZEREN_LOCAL"

echo "== build (Release)"
build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null

SERVER=
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
	pg_stop
}
trap cleanup EXIT
pg_start
create_database bench_feed
DB="host=$PGHOST port=$PGPORT user=$PGUSER dbname=bench_feed"
ZEREN_DATABASE_URL=$DB ZEREN_JWT_HS256_SECRET=$SECRET "$BUILD/zeren" migrate >/dev/null

echo "== $CHANGES changes in $((CHANGES / 100)) transactions"
t0=$(date +%s.%N)
psql -q -d bench_feed -c "DO \$\$
BEGIN
	FOR t IN 1..$((CHANGES / 100)) LOOP
		INSERT INTO audit_log (actor_iss, actor_sub, actor_unit, request_id, action, entity)
		VALUES ('bench', 'writer-' || t % 10, 'hrss', 'req-' || t, 'progress.create', 'progress');
		INSERT INTO changes (entity, entity_id, action)
		SELECT 'progress', (t - 1) * 100 + g, 'created' FROM generate_series(1, 100) g;
		COMMIT;
	END LOOP;
END
\$\$"
psql -q -d bench_feed -c "VACUUM ANALYZE changes, audit_log" >/dev/null
echo "written in $(echo "$(date +%s.%N) - $t0" | bc) s"

PORT=$(free_port 18300)
ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=zeren dbname=bench_feed" \
	ZEREN_JWT_HS256_SECRET=$SECRET ZEREN_PORT=$PORT ZEREN_WEBHOOK_WORKER=0 \
	ZEREN_RATE_PER_SECOND=0 "$BUILD/zeren" serve >"$ZEREN_LOCAL/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$PORT/healthz" -o /dev/null && break
	sleep 0.1
done
TOKEN=$(ZEREN_JWT_HS256_SECRET=$SECRET "$BUILD/zeren" token --sub bench --role reader)

echo "== read in pages of 500 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$PORT" "$TOKEN" <<'PY'
import http.client, json, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
for run in range(1, 4):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    after, n, pages, slowest = None, 0, 0, 0.0
    t0 = time.monotonic()
    while True:
        path = "/v1/changes?limit=500" + (f"&after={after}" if after else "")
        t = time.monotonic()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        body = r.read()
        slowest = max(slowest, time.monotonic() - t)
        assert r.status == 200, (r.status, body[:200])
        page = json.loads(body)
        pages += 1
        if not page["items"]:
            break
        n += len(page["items"])
        after = page["next_cursor"]
    s = time.monotonic() - t0
    print(f"read {run}: {n} changes in {pages} requests, {s:.2f} s "
          f"({n / s:.0f} changes/s, slowest page {slowest * 1000:.0f} ms)")
    conn.close()
PY

echo "== EXPLAIN ANALYZE of the page after the 50,000th change"
read -r XID ID < <(psql -qtA -F' ' -d bench_feed -c \
	"SELECT xid, id FROM changes ORDER BY xid, id OFFSET $((CHANGES / 2)) LIMIT 1")
psql -q -d bench_feed -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT c.xid::text::bigint, c.id
FROM changes c LEFT JOIN LATERAL (SELECT l.xid, l.actor_sub FROM audit_log l WHERE l.xid = c.xid ORDER BY l.id LIMIT 1) a ON true
WHERE (c.xid, c.id) > ('$XID'::xid8, $ID::bigint)
  AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY c.xid, c.id LIMIT 500"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
