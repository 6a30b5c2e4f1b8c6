#!/usr/bin/env bash
# soak.sh — a soak, run by hand (never in CI): builds the Release binary, starts a throwaway
# PostgreSQL in /tmp and the server, then for SECONDS (default 600) sends mixed traffic on
# 127.0.0.1 — reads cached and uncached, the life of progress records (POST, PATCH, review),
# refused requests (4xx), and every 15 s a CSV batch, both exports and a report — while it
# samples the server's RSS, open files and threads every SOAK_SAMPLE seconds (5) into a CSV.
# At the end: min / median / max of each and the slope of RSS over the second half ("flat"
# when it moves less than SOAK_FLAT_MB, 4, over that half). Everything it started is stopped by
# its PID. Load is bounded: 8 connections, SOAK_DELAY_MS (2) between requests on each.
# Usage: bench/soak.sh [SECONDS]
seconds=${1:-600}
sample=${SOAK_SAMPLE:-5}
source "$(dirname "$0")/../scripts/lib.sh"
install_deps
command -v wrk >/dev/null || as_root apt-get install -y -qq wrk >/dev/null
command -v python3 >/dev/null || as_root apt-get install -y -qq python3 >/dev/null
build "$ZEREN_ROOT/build-rel" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null
BIN=$ZEREN_ROOT/build-rel/zeren
WORK=$(mktemp -d /tmp/zeren-soak.XXXXXX)
chmod 755 "$WORK"
ZEREN_LOCAL=$WORK/local
mkdir -p "$ZEREN_LOCAL"
PIDS=()
pause() { # SECONDS, in steps of one, cut short by $WORK/stop
	local i
	for ((i = 0; i < $1; i++)); do
		[ -e "$WORK/stop" ] && return 1
		sleep 1
	done
}
# The sampler and the periodic client stop by themselves when $WORK/stop exists (so that no
# sleep of theirs is left behind); wrk and the server are stopped by PID.
cleanup() {
	local p
	touch "$WORK/stop"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	pg_stop
	# Keep the samples and logs, not the database.
	rm -rf "$(cat "$ZEREN_LOCAL/pg.path" 2>/dev/null || echo "$ZEREN_LOCAL/pg")"
}
trap cleanup EXIT
pg_start >/dev/null
create_database zeren
export ZEREN_JWT_HS256_SECRET=soak-secret-0123456789abcdef0123456789
export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=$PGUSER"
$BIN migrate >/dev/null
$BIN import "$ZEREN_ROOT/db/seed/yunfu-gdjg.json" >/dev/null
python3 "$ZEREN_ROOT/bench/gen_plan.py" 1 50 4 >"$WORK/plan.json"
$BIN import "$WORK/plan.json" >/dev/null

export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=zeren"
export ZEREN_PORT=$(free_port 18180)
# One token sends all of it: its per-token rate (429 past 100/s) would refuse most of the load
# and leave the paths under test idle. The expensive-work cap stays as served.
export ZEREN_RATE_PER_SECOND=0
$BIN serve >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
PIDS+=("$SERVER")
until grep -q listening "$WORK/serve.out" 2>/dev/null; do
	kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
	sleep 0.1
done
URL=http://127.0.0.1:$ZEREN_PORT
export READER=$($BIN token --sub soak-reader --role reader --ttl $((seconds + 600)))
export REPORTER=$($BIN token --sub soak-hrss --role reporter --unit hrss --ttl $((seconds + 600)))
export SUPERVISOR=$($BIN token --sub soak-supervisor --role supervisor --ttl $((seconds + 600)))
export OUTSIDER=$($BIN token --sub soak-finance --role reporter --unit finance --ttl $((seconds + 600)))
ADMIN=$($BIN token --sub soak-admin --role admin --ttl $((seconds + 600)))
export MEASURES=$(psql -qtA -d zeren -c "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p1-%'")
export PLAN=$(psql -qtA -d zeren -c "SELECT id FROM plans WHERE code = 'bench-plan-1'")
export SOAK_DELAY_MS=${SOAK_DELAY_MS:-2}
echo "soak: ${seconds} s on $URL, server PID $SERVER, samples every ${sample} s in $WORK/samples.csv"

# Samples: seconds since the start, VmRSS (kB), open descriptors, threads.
echo "t,rss_kb,fds,threads" >"$WORK/samples.csv"
start=$(date +%s)
sampler() {
	while kill -0 "$SERVER" 2>/dev/null && [ ! -e "$WORK/stop" ]; do
		local rss threads fds
		rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status")
		threads=$(awk '/^Threads/ {print $2}' "/proc/$SERVER/status")
		fds=$(find "/proc/$SERVER/fd" -mindepth 1 -maxdepth 1 | wc -l)
		echo "$(($(date +%s) - start)),$rss,$fds,$threads" >>"$WORK/samples.csv"
		pause "$sample" || break
	done
}
sampler &
SAMPLER=$!
PIDS+=("$SAMPLER")

# Every 15 s: a CSV batch of 200 new rows (and a dry run of it), both exports, a unit report.
periodic() {
	local round=0 code
	IFS=, read -r -a ids <<<"$MEASURES"
	while [ ! -e "$WORK/stop" ]; do
		round=$((round + 1))
		{
			echo "measure_id,period,status,summary"
			for i in $(seq 0 199); do
				echo "${ids[i % ${#ids[@]}]},$((7000 + round))-$(printf %02d $((1 + i / ${#ids[@]})))," \
					"on_track,soak batch $round row $i" | tr -d ' '
			done
		} >"$WORK/batch.csv"
		for q in "?dry_run=true" ""; do
			code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $REPORTER" \
				-H "Content-Type: text/csv" --data-binary @"$WORK/batch.csv" "$URL/v1/progress/batch$q")
			echo "batch$q $code"
		done
		for f in csv xlsx; do
			echo "export.$f $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $READER" \
				"$URL/v1/exports/plans/$PLAN.$f")"
		done
		echo "import $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
			-H "Content-Type: application/json" --data-binary @"$WORK/plan.json" "$URL/v1/imports")"
		echo "report $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $READER" \
			"$URL/v1/reports/summary?plan_id=$PLAN")"
		pause 15 || break
	done >>"$WORK/periodic.log" 2>&1
}
periodic &
PERIODIC=$!
PIDS+=("$PERIODIC")

WRKS=()
for spec in "read 2 4" "write 2 2" "bad 1 2"; do
	read -r mode t c <<<"$spec"
	SOAK_MODE=$mode wrk -t"$t" -c"$c" -d"${seconds}s" --timeout 10s -s "$ZEREN_ROOT/bench/soak.lua" \
		"$URL" >"$WORK/wrk-$mode.out" 2>&1 &
	WRKS+=($!)
	PIDS+=($!)
done
for p in "${WRKS[@]}"; do wait "$p" || true; done
sleep "$sample" # one more sample after the load
touch "$WORK/stop"
wait "$PERIODIC" "$SAMPLER" 2>/dev/null || true

grep -h '^soak ' "$WORK"/wrk-*.out || { cat "$WORK"/wrk-*.out; exit 1; }
echo "periodic: $(sort "$WORK/periodic.log" | uniq -c | awk '{printf "%s %s×%s, ", $2, $3, $1}')"
echo "healthz after: $(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")"
echo "server log: $(grep -c '"status":5' "$WORK/serve.log" || true) replies 5xx of $(wc -l <"$WORK/serve.log") lines"
python3 - "$WORK/samples.csv" "${SOAK_FLAT_MB:-4}" <<'PY'
import csv, statistics, sys
rows = [{k: int(v) for k, v in r.items()} for r in csv.DictReader(open(sys.argv[1]))]
flat_mb = float(sys.argv[2])
def line(name, vals, unit=""):
    print(f"{name:8} min {min(vals):8.1f}{unit}  median {statistics.median(vals):8.1f}{unit}  "
          f"max {max(vals):8.1f}{unit}")
print(f"samples: {len(rows)} over {rows[-1]['t']} s")
line("RSS", [r["rss_kb"] / 1024 for r in rows], " MB")
line("open fds", [r["fds"] for r in rows])
line("threads", [r["threads"] for r in rows])
half = [r for r in rows if r["t"] >= rows[-1]["t"] / 2]
if len(half) >= 3:
    xs, ys = [r["t"] for r in half], [r["rss_kb"] / 1024 for r in half]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    drift = slope * (xs[-1] - xs[0])
    verdict = "flat" if abs(drift) <= flat_mb else "NOT flat"
    print(f"RSS slope over the second half: {slope * 60:+.3f} MB/min "
          f"({drift:+.2f} MB over {xs[-1] - xs[0]} s): {verdict} (within {flat_mb:g} MB)")
PY
echo "samples: $WORK/samples.csv"
