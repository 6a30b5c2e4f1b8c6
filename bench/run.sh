#!/usr/bin/env bash
# run.sh — the benchmarks, run by hand (never in CI): builds a Release binary, starts a
# throwaway PostgreSQL in /tmp, generates data, and prints a Markdown table for the README.
# Traffic goes only to 127.0.0.1; every load is bounded by wrk's -d.
# Usage: bench/run.sh [import] [read] [write] [batch]   (no argument: all of them)
# BENCH_STATEMENTS="prepared unnamed" runs the read and write sections once per statement mode
# (ZEREN_DB_STATEMENTS), back to back on the same data; the default is the service's default.
SECTIONS=" ${*:-import read write batch} "
want() { [[ $SECTIONS == *" $1 "* ]]; }
source "$(dirname "$0")/../scripts/lib.sh"
install_deps
command -v wrk >/dev/null || as_root apt-get install -y -qq wrk >/dev/null
command -v python3 >/dev/null || as_root apt-get install -y -qq python3 >/dev/null
command -v bc >/dev/null || as_root apt-get install -y -qq bc >/dev/null
build "$ZEREN_ROOT/build-rel" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null
BIN=$ZEREN_ROOT/build-rel/zeren
WORK=$(mktemp -d /tmp/zeren-bench.XXXXXX)
chmod 755 "$WORK"
ZEREN_LOCAL=$WORK/local
mkdir -p "$ZEREN_LOCAL"
pg_start >/dev/null
cleanup() {
	[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null
	pg_stop
}
trap cleanup EXIT
create_database zeren
export ZEREN_JWT_HS256_SECRET=bench-secret-0123456789abcdef0123456789
export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=$PGUSER"
$BIN migrate >/dev/null
$BIN import "$ZEREN_ROOT/db/seed/yunfu-gdjg.json" >/dev/null

row() { printf '| %s | %s |\n' "$1" "$2"; }
echo "| benchmark | result |"
echo "|---|---|"

# Import: one plan of 1,000 measures and 10,000 targets, then the same file again.
if want import; then
python3 "$ZEREN_ROOT/bench/gen_plan.py" 0 1000 10 >"$WORK/big.json"
t0=$(date +%s.%N); $BIN import "$WORK/big.json" >/dev/null; t1=$(date +%s.%N)
$BIN import "$WORK/big.json" >/dev/null; t2=$(date +%s.%N)
row "import 1,000 measures / 10,000 targets (new)" "$(echo "$t1 - $t0" | bc) s"
row "same import again (no change)" "$(echo "$t2 - $t1" | bc) s"
fi

# Read data: 100 plans x 20 measures x 10 targets (2,000 measures, 20,000 targets).
for p in $(seq 1 100); do
	python3 "$ZEREN_ROOT/bench/gen_plan.py" "$p" 20 10 >"$WORK/p.json"
	$BIN import "$WORK/p.json" >/dev/null
done

for mode in ${BENCH_STATEMENTS:-prepared}; do
export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=zeren"
export ZEREN_PORT=$(free_port 18080) ZEREN_DB_TIMEOUT_MS=120000 ZEREN_MAX_BODY_BYTES=67108864
if [ -n "${SERVER:-}" ]; then kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; fi
rm -f "$WORK/serve.out"
ZEREN_DB_STATEMENTS=$mode $BIN serve >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
until grep -q listening "$WORK/serve.out" 2>/dev/null; do sleep 0.1; done
URL=http://127.0.0.1:$ZEREN_PORT
READER=$($BIN token --sub bench-reader --role reader --ttl 3600)
REPORTER=$($BIN token --sub bench-hrss --role reporter --unit hrss --ttl 3600)
MID=$(psql -qtA -d zeren -c "SELECT id FROM measures WHERE code = 'bench-p50-m10'")

[ "${BENCH_STATEMENTS:-}" != "" ] && row "**ZEREN_DB_STATEMENTS=$mode**" ""
rss() { awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$SERVER/status; }
load() { # name, wrk args...
	local name=$1
	shift
	local out
	out=$(wrk --latency "$@" 2>&1)
	local rps p50 p99
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	row "$name" "$rps req/s, p50 $p50, p99 $p99, server RSS $(rss)"
}
if want read; then
load "GET /healthz (wrk -t2 -c32 -d10s)" -t2 -c32 -d10s "$URL/healthz"
load "GET /v1/measures/{id} with JWT" -t2 -c32 -d10s -H "Authorization: Bearer $READER" "$URL/v1/measures/$MID"
load "GET /v1/measures?limit=50 (page 1)" -t2 -c32 -d10s -H "Authorization: Bearer $READER" "$URL/v1/measures?limit=50"
# page 40: follow next_cursor 39 times
path="/v1/measures?limit=50"
for i in $(seq 1 39); do
	cursor=$(curl -s -H "Authorization: Bearer $READER" "$URL$path" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"])')
	path="/v1/measures?limit=50&cursor=$cursor"
done
load "GET /v1/measures?limit=50 (page 40)" -t2 -c32 -d10s -H "Authorization: Bearer $READER" "$URL$path"
fi

# Writes: POST /v1/progress at 16 connections, each request a new (measure, period).
MEASURES=$(psql -qtA -d zeren -c "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p%'")
if want write; then
MEASURES=$MEASURES TOKEN=$REPORTER load "POST /v1/progress (wrk -t2 -c16 -d10s)" -t2 -c16 -d10s \
	-s "$ZEREN_ROOT/bench/post_progress.lua" "$URL"
records=$(psql -qtA -d zeren -c "SELECT count(*) FROM progress_records")
row "progress records written by that run" "$records"
fi

done

# Batch: 100,000 CSV rows through the API, beside psql \copy of the same rows.
if want batch; then
python3 - "$WORK" "$MEASURES" <<'PY'
import sys
work, ids = sys.argv[1], sys.argv[2].split(",")
with open(f"{work}/batch.csv", "w") as api, open(f"{work}/copy.csv", "w") as cp:
    api.write("measure_id,period,status,summary\n")
    for i in range(100000):
        m = ids[i % len(ids)]
        k = i // len(ids)
        api.write(f"{m},{3000 + k // 12}-{1 + k % 12:02d},on_track,batch row {i}\n")
        y, mo = 6000 + k // 12, 1 + k % 12
        last = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
        cp.write(f"{m},{y}-{mo:02d},{y}-{mo:02d}-01,{y}-{mo:02d}-{last},on_track,copy row {i},bench,bench\n")
PY
t0=$(date +%s.%N)
code=$(curl -s -o "$WORK/batch.out" -w '%{http_code}' -H "Authorization: Bearer $REPORTER" \
	-H "Content-Type: text/csv" --data-binary @"$WORK/batch.csv" "$URL/v1/progress/batch")
t1=$(date +%s.%N)
api_s=$(echo "$t1 - $t0" | bc)
row "POST /v1/progress/batch, 100,000 CSV rows (HTTP $code)" "$api_s s, $(echo "100000 / $api_s" | bc) rows/s"
HRSS=$(psql -qtA -d zeren -c "SELECT id FROM units WHERE code = 'hrss'")
sed -i "s/^\([0-9]*\),/\1,$HRSS,/" "$WORK/copy.csv"
t0=$(date +%s.%N)
psql -q -d zeren -c "\copy progress_records (measure_id, unit_id, period, period_start, period_end, status, summary, reported_by, reported_iss) FROM '$WORK/copy.csv' CSV"
t1=$(date +%s.%N)
copy_s=$(echo "$t1 - $t0" | bc)
row "psql \\copy of the same 100,000 rows" "$copy_s s, $(echo "100000 / $copy_s" | bc) rows/s"
row "server peak RSS" "$(awk '/VmHWM/ {print $2 / 1024 " MB"}' /proc/$SERVER/status)"
# The same rows as a JSON array (other periods): the array is parsed whole before the checks.
python3 - "$WORK" "$MEASURES" <<'PY'
import json, sys
work, ids = sys.argv[1], sys.argv[2].split(",")
rows = []
for i in range(100000):
    k = i // len(ids)
    rows.append({"measure_id": int(ids[i % len(ids)]), "period": f"{4000 + k // 12}-{1 + k % 12:02d}",
                 "status": "on_track", "summary": f"json row {i}"})
json.dump(rows, open(f"{work}/batch.json", "w"))
PY
t0=$(date +%s.%N)
code=$(curl -s -o "$WORK/batch-json.out" -w '%{http_code}' -H "Authorization: Bearer $REPORTER" \
	-H "Content-Type: application/json" --data-binary @"$WORK/batch.json" "$URL/v1/progress/batch")
t1=$(date +%s.%N)
json_s=$(echo "$t1 - $t0" | bc)
row "POST /v1/progress/batch, the same 100,000 rows as JSON (HTTP $code)" "$json_s s, $(echo "100000 / $json_s" | bc) rows/s, server peak RSS $(awk '/VmHWM/ {print $2 / 1024 " MB"}' /proc/$SERVER/status)"
# where the server spent the batch's time, from its log line
grep -o '"rows".*' "$WORK/serve.log" | grep _ms | sed 's/^/<!-- batch_written /; s/$/ -->/'
fi
