#!/usr/bin/env bash
# reports.sh — times GET /v1/reports/summary, /v1/reports/overdue and a unit scorecard at
# about 10 k and at 1 M progress records (2,000 measures, 4,000 targets, 200 units), each in
# a throwaway database of a throwaway PostgreSQL cluster. Run by hand, not in CI:
#   bench/reports.sh            # prints one line per endpoint and size: median and best ms
# ZEREN_BENCH_RUNS (default 15) sets the timed requests per endpoint after two warm-ups.
set -euo pipefail
export ZEREN_LOCAL=${ZEREN_BENCH_LOCAL:-$(cd "$(dirname "$0")/.." && pwd)/.local/bench}
source "$(dirname "$0")/../scripts/lib.sh"

RUNS=${ZEREN_BENCH_RUNS:-15}
AS_OF=2026-11-27
BUILD=$ZEREN_ROOT/build-bench
SECRET=bench-secret-0123456789abcdef0123456789
mkdir -p "$ZEREN_LOCAL"

echo "== build (Release)"
build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null

SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
	pg_stop
}
trap cleanup EXIT
pg_start

# generate DB FRACTION: reference data, then FRACTION of the 1,000,000 records
# (2,000 measures x 5 units x 100 months), each with a value for both targets of its measure.
generate() {
	local db=$1 fraction=$2
	create_database "$db"
	ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db" \
		ZEREN_JWT_HS256_SECRET=$SECRET "$BUILD/zeren" migrate >/dev/null
	psql -q -v ON_ERROR_STOP=1 -d "$db" -v fraction="$fraction" <<'SQL'
INSERT INTO plans (code, title, start_date, cadence, report_due_days)
VALUES ('bench', '基准测试方案', '2018-07-01', 'month', 15);
INSERT INTO tasks (plan_id, code, number, label, title)
SELECT 1, 'bench-t' || n, n, '（' || n || '）', '任务 ' || n FROM generate_series(1, 20) n;
INSERT INTO measures (plan_id, task_id, code, number, title)
SELECT 1, (n - 1) / 100 + 1, 'bench-m' || n, n, '措施 ' || n FROM generate_series(1, 2000) n;
INSERT INTO measure_items (measure_id, number, text)
SELECT id, 1, '工作内容 ' || number FROM measures;
INSERT INTO units (code, name, kind)
SELECT 'bench-u' || n, '单位 ' || n, 'department' FROM generate_series(1, 200) n;
-- five units per measure, two of them lead; every unit serves 50 measures
INSERT INTO assignments (measure_id, unit_id, role, position)
SELECT m, (m * 37) % 40 + k * 40 + 1, CASE WHEN k < 2 THEN 'lead' ELSE 'related' END, k
FROM generate_series(1, 2000) m, generate_series(0, 4) k;
-- a summed count (deadlines 2022 and 2025, or annual) and a latest percentage per measure
INSERT INTO targets (measure_id, item_id, code, position, metric, kind, comparator, value,
		     unit_of_measure, deadline, recurrence, recurrence_start, aggregation,
		     source_phrase)
SELECT m, (SELECT i.id FROM measure_items i WHERE i.measure_id = m), 'bench-m' || m || '-t1', 1, '培训人次 ' || m, 'quantity',
       CASE WHEN m % 10 = 0 THEN 'gt' ELSE 'gte' END, 2000, '人次',
       CASE m % 4 WHEN 2 THEN DATE '2025-12-31' WHEN 3 THEN NULL ELSE DATE '2022-12-31' END,
       CASE WHEN m % 4 = 3 THEN 'annual' END, CASE WHEN m % 4 = 3 THEN DATE '2018-07-01' END,
       'sum', '培训 2000 人次'
FROM generate_series(1, 2000) m;
INSERT INTO targets (measure_id, item_id, code, position, metric, kind, comparator, value,
		     unit_of_measure, deadline, accountable_unit_id, aggregation, source_phrase)
SELECT m, (SELECT i.id FROM measure_items i WHERE i.measure_id = m), 'bench-m' || m || '-t2', 2, '达标比例 ' || m, 'percentage', 'gte', 60, '%',
       DATE '2026-12-31', CASE WHEN m % 2 = 0 THEN (m * 37) % 40 + 1 END, 'latest', '达到 60%'
FROM generate_series(1, 2000) m;

-- bulk load without the roll-up triggers, then build the running totals once
SET session_replication_role = replica;
SELECT setseed(0.42);
INSERT INTO progress_records (measure_id, unit_id, period, period_start, period_end, status,
			      summary, reported_by, reported_iss, review_state, reported_at)
SELECT m, u, to_char(ps, 'YYYY-MM'), ps, (ps + interval '1 month - 1 day')::date,
       (ARRAY['not_started', 'on_track', 'at_risk', 'delayed', 'completed'])[1 + (m + i) % 5],
       '本月进展 ' || i, 'bench', 'bench',
       CASE WHEN s < 0.85 THEN 'approved' WHEN s < 0.95 THEN 'submitted' ELSE 'returned' END,
       ps + interval '1 month' + (s * 30)::int * interval '1 day'
FROM (SELECT m, (m * 37) % 40 + k * 40 + 1 AS u, i,
	     (DATE '2018-07-01' + i * interval '1 month')::date AS ps, random() AS pick,
	     random() AS s
      FROM generate_series(1, 2000) m, generate_series(0, 4) k, generate_series(0, 99) i) x
WHERE :fraction >= 1 OR pick < :fraction
ORDER BY i, m, u; -- stored in the order reports arrive: period by period
INSERT INTO progress_values (progress_id, target_id, value)
SELECT r.id, t.id, CASE WHEN t.aggregation = 'sum' THEN r.id % 50 ELSE r.id % 100 END
FROM progress_records r JOIN targets t ON t.measure_id = r.measure_id ORDER BY r.id, t.id;
SET session_replication_role = DEFAULT;
SELECT progress_totals_rebuild();
VACUUM ANALYZE;
SQL
	psql -qAt -d "$db" -c "SELECT 'records: ' || count(*) FROM progress_records"
}

# serve DB: starts the Release binary on it as the service role; sets SERVER_PID and URL.
serve() {
	local db=$1 port
	port=$(free_port 18700)
	ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=zeren dbname=$db" \
		ZEREN_JWT_HS256_SECRET=$SECRET ZEREN_PORT=$port ZEREN_DB_POOL_SIZE=4 \
		ZEREN_RATE_PER_SECOND=0 ZEREN_EXPENSIVE_CONCURRENCY=64 \
		"$BUILD/zeren" serve >"$ZEREN_LOCAL/serve-$db.log" 2>&1 &
	SERVER_PID=$!
	URL=http://127.0.0.1:$port
	for _ in $(seq 50); do
		curl -fs "$URL/readyz" >/dev/null 2>&1 && return
		sleep 0.1
	done
	echo "server did not start (see $ZEREN_LOCAL/serve-$db.log)" >&2
	exit 1
}

# timed NAME PATH: two warm-ups, then RUNS requests; prints median and best in ms.
timed() {
	local name=$1 path=$2 token=$3 code
	for _ in 1 2; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$URL$path")
		[ "$code" = 200 ] || { echo "$path: HTTP $code" >&2; exit 1; }
	done
	local times
	times=$(for _ in $(seq "$RUNS"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$URL$path"
	done | sort -n)
	local median best
	median=$(echo "$times" | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { printf "%.1f", $1 * 1000 }')
	best=$(echo "$times" | head -1 | awk '{ printf "%.1f", $1 * 1000 }')
	printf '%-10s %-10s median %7s ms   best %7s ms\n' "$SIZE" "$name" "$median" "$best"
}

for SIZE in 10k 1M; do
	db=zeren_bench_$SIZE
	echo "== $SIZE: generating"
	generate "$db" "$([ "$SIZE" = 1M ] && echo 1 || echo 0.01)"
	serve "$db"
	token=$(ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT user=zeren dbname=$db" \
		ZEREN_JWT_HS256_SECRET=$SECRET "$BUILD/zeren" token --sub bench --role reader)
	timed summary "/v1/reports/summary?plan_id=1&as_of=$AS_OF" "$token"
	timed overdue "/v1/reports/overdue?plan_id=1&as_of=$AS_OF&limit=50" "$token"
	timed scorecard "/v1/reports/units/1?as_of=$AS_OF" "$token"
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
done
