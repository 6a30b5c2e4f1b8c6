#!/usr/bin/env bash
# run.sh — the benchmarks, run by hand (never in CI): builds a Release binary, starts a
# throwaway PostgreSQL in /tmp, generates data, and prints Markdown tables for the README:
# zeren beside the machine's ceilings measured in the same run (nginx `return 200`, pgbench of
# the service's own statements as its own role, psql \copy), with ratios.
# Traffic goes only to 127.0.0.1; every load is bounded by wrk's -d or pgbench's -T.
#
# Usage: bench/run.sh [import] [read] [write] [idem] [batch]   (no argument: all of them)
# Environment:
#   BENCH_SECONDS   length of each load (10)
#   BENCH_ROUNDS    interleaved rounds of the read, write and idem loads; medians shown (3)
#   BENCH_BASELINE  a Release build directory of another version (its `zeren` and
#                   `db_sql.c`): run beside this one, on a database of its own built by it,
#                   in the same rounds — the "before" of a change
#   BENCH_KEYS      idempotency keys in the table for the last idem rounds (1000000)
#   BENCH_PLANS     generated plans of 20 measures for the reads and writes (100)
#   BENCH_STATEMENTS  ZEREN_DB_STATEMENTS of this build's instances (prepared or unnamed; the
#                   service's default when unset); pgbench then uses -M prepared or -M extended
SECTIONS=" ${*:-import read write idem batch} "
want() { [[ $SECTIONS == *" $1 "* ]]; }
D=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
KEYS=${BENCH_KEYS:-1000000}
BASE=${BENCH_BASELINE:-}
source "$(dirname "$0")/../scripts/lib.sh"
source "$(dirname "$0")/nginx.sh"
install_deps
for tool in wrk python3 bc nginx; do
	command -v $tool >/dev/null || as_root apt-get install -y -qq $tool >/dev/null
done
build "$ZEREN_ROOT/build-rel" -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF >/dev/null
BIN=$ZEREN_ROOT/build-rel/zeren
WORK=$(mktemp -d /tmp/zeren-bench.XXXXXX)
chmod 755 "$WORK"
ZEREN_LOCAL=$WORK/local
mkdir -p "$ZEREN_LOCAL"
pg_start >/dev/null
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	pg_stop
}
trap cleanup EXIT
export ZEREN_JWT_HS256_SECRET=bench-secret-0123456789abcdef0123456789
owner_url() { echo "host=$PGHOST port=$PGPORT dbname=$1 user=$PGUSER"; }
app_url() { echo "host=$PGHOST port=$PGPORT dbname=$1 user=zeren"; }

# prepare DB BINARY SEED: a database made and filled by that binary, with its version's seed.
prepare() {
	local db=$1 bin=$2 seed=$3
	create_database "$db"
	ZEREN_DATABASE_URL=$(owner_url "$db") "$bin" migrate >/dev/null
	ZEREN_DATABASE_URL=$(owner_url "$db") "$bin" import "$seed" >/dev/null
}
prepare zeren "$BIN" "$ZEREN_ROOT/db/seed/yunfu-gdjg.json"
if [ -n "$BASE" ]; then
	# the seed of the baseline's own sources (an older importer refuses newer members)
	base_src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BASE/CMakeCache.txt")
	prepare zeren_base "$BASE/zeren" "${base_src:-$ZEREN_ROOT}/db/seed/yunfu-gdjg.json"
fi

echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; ${D} s loads, $ROUNDS rounds."
echo
echo "| benchmark | result |"
echo "|---|---|"
row() { printf '| %s | %s |\n' "$1" "$2"; }

# Import: one plan of 1,000 measures and 10,000 targets, then the same file again.
if want import; then
	python3 "$ZEREN_ROOT/bench/gen_plan.py" 0 1000 10 >"$WORK/big.json"
	export ZEREN_DATABASE_URL=$(owner_url zeren)
	t0=$(date +%s.%N); $BIN import "$WORK/big.json" >/dev/null; t1=$(date +%s.%N)
	$BIN import "$WORK/big.json" >/dev/null; t2=$(date +%s.%N)
	row "import 1,000 measures / 10,000 targets (new)" "$(echo "$t1 - $t0" | bc) s"
	row "same import again (no change)" "$(echo "$t2 - $t1" | bc) s"
	if [ -n "$BASE" ]; then
		export ZEREN_DATABASE_URL=$(owner_url zeren_base)
		t0=$(date +%s.%N); "$BASE/zeren" import "$WORK/big.json" >/dev/null; t1=$(date +%s.%N)
		row "baseline: the same new import" "$(echo "$t1 - $t0" | bc) s"
	fi
fi

# Read data: 100 plans x 20 measures x 10 targets (2,000 measures, 20,000 targets).
for p in $(seq 1 "${BENCH_PLANS:-100}"); do
	python3 "$ZEREN_ROOT/bench/gen_plan.py" "$p" 20 10 >"$WORK/p$p.json"
	ZEREN_DATABASE_URL=$(owner_url zeren) $BIN import "$WORK/p$p.json" >/dev/null
	[ -z "$BASE" ] || ZEREN_DATABASE_URL=$(owner_url zeren_base) "$BASE/zeren" import "$WORK/p$p.json" >/dev/null
done
for db in zeren ${BASE:+zeren_base}; do psql -q -d $db -c "VACUUM ANALYZE"; done

# serve NAME DB BINARY [VAR=VALUE...]: an instance on a free port; sets URL_<NAME>, PID_<NAME>.
# Throughput, not limits, is measured here: one token drives every connection.
serve() {
	local name=$1 db=$2 bin=$3
	shift 3
	local port
	port=$(free_port $((18080 + RANDOM % 2000)))
	env ZEREN_DATABASE_URL="$(app_url "$db")" ZEREN_PORT="$port" ZEREN_DB_TIMEOUT_MS=120000 \
		${BENCH_STATEMENTS:+ZEREN_DB_STATEMENTS=$BENCH_STATEMENTS} \
		ZEREN_MAX_BODY_BYTES=67108864 \
		ZEREN_RATE_PER_SECOND=0 ZEREN_EXPENSIVE_CONCURRENCY=64 ZEREN_BODY_BUDGET_BYTES=1073741824 \
		"$@" "$bin" serve >"$WORK/$name.out" 2>"$WORK/$name.log" &
	local pid=$!
	PIDS+=("$pid")
	until grep -q listening "$WORK/$name.out" 2>/dev/null; do sleep 0.1; done
	printf -v "URL_$name" 'http://127.0.0.1:%s' "$port"
	printf -v "PID_$name" '%s' "$pid"
}
PGB_MODE=prepared
[ "${BENCH_STATEMENTS:-prepared}" = prepared ] || PGB_MODE=extended
serve cached zeren "$BIN"
serve nocache zeren "$BIN" ZEREN_REFCACHE_ENTRIES=0
# the token cache off: every request's token verified in full (signature, both JSON segments)
serve notoken zeren "$BIN" ZEREN_JWT_CACHE_ENTRIES=0
# as many HTTP threads as cores, against the default 4
serve threads2 zeren "$BIN" ZEREN_HTTP_THREADS=2
# the pool sized to the cores PostgreSQL has here (it shares them): as many database workers
# as cores (the pool is one more, kept for /readyz) and as many HTTP threads
! want write || serve cores zeren "$BIN" ZEREN_DB_POOL_SIZE=$(($(nproc) + 1)) ZEREN_HTTP_THREADS="$(nproc)"
if [ -n "$BASE" ]; then
	serve base_cached zeren_base "$BASE/zeren"
	# A baseline that knows ZEREN_REFCACHE_ENTRIES turns the cache off with it; before it, only a
	# read URL did (since the replica work a read URL keeps the cache on, so it cannot be used then)
	if grep -q ZEREN_REFCACHE_ENTRIES "$BASE/zeren"; then
		serve base_nocache zeren_base "$BASE/zeren" ZEREN_REFCACHE_ENTRIES=0
	else
		serve base_nocache zeren_base "$BASE/zeren" ZEREN_DATABASE_READ_URL="$(app_url zeren_base)"
	fi
fi

# nginx `return 200` on a loopback port: the machine's HTTP ceiling, stopped by its PID.
NGINX_PORT=$(free_port $((20080 + RANDOM % 2000)))
nginx_start "$WORK/nginx" "$NGINX_PORT" "$(nproc)"
NGINX=$NGINX_PID
PIDS+=("$NGINX")

READER=$($BIN token --sub bench-reader --role reader --ttl 7200)
REPORTER=$($BIN token --sub bench-hrss --role reporter --unit hrss --ttl 7200)
q() { psql -qtA -d "$1" -c "$2"; }
MCODE=bench-p$(((${BENCH_PLANS:-100} + 1) / 2))-m10
MID=$(q zeren "SELECT id FROM measures WHERE code = '$MCODE'")
MEASURES=$(q zeren "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p%'")
# pgbench draws measure ids from a range: plans 1.. were imported once each, so theirs are one
PGB_MEASURES=$(q zeren "SELECT string_agg(id::text, ',' ORDER BY id) FROM measures WHERE code LIKE 'bench-p%' AND code NOT LIKE 'bench-p0-%'")
[ -z "$BASE" ] || {
	BASE_MID=$(q zeren_base "SELECT id FROM measures WHERE code = '$MCODE'")
	BASE_MEASURES=$(q zeren_base "SELECT string_agg(id::text, ',') FROM measures WHERE code LIKE 'bench-p%'")
	BASE_PGB_MEASURES=$(q zeren_base "SELECT string_agg(id::text, ',' ORDER BY id) FROM measures WHERE code LIKE 'bench-p%' AND code NOT LIKE 'bench-p0-%'")
}

# pgbench scripts from each build's own statement texts.
mkdir -p "$WORK/pgbench" "$WORK/pgbench-base"
python3 "$ZEREN_ROOT/bench/pgbench_scripts.py" "$ZEREN_ROOT/build-rel" "$WORK/pgbench"
# A baseline from before service/sql/*.sql (no db_sql.c) has no statement texts to replay.
BASE_PGB=
[ -z "$BASE" ] || [ ! -f "$BASE/db_sql.c" ] || BASE_PGB=1
[ -z "$BASE_PGB" ] || python3 "$ZEREN_ROOT/bench/pgbench_scripts.py" "$BASE" "$WORK/pgbench-base"
# pgb NAME DB SCRIPT [-D ...]: pgbench as the service's role (row-level security and
# triggers apply), statements as the service sends them, 8 clients = the service's pool.
pgb() {
	local name=$1 db=$2 script=$3
	shift 3
	local out
	out=$(pgbench -n -M "$PGB_MODE" -T "$D" -c 8 -j 2 -U zeren -d "$db" -f "$script" "$@" 2>&1) || true
	local tps
	tps=$(awk '/^tps = / {printf "%d", $3}' <<<"$out")
	[ -n "$tps" ] || { echo "pgbench $name failed: $(tail -3 <<<"$out")" >&2; tps=0; }
	record "$name" "$tps" ""
}
# the period's years of each write round are its own, so rounds never collide
YEAR=1900
next_year() { YEAR=$((YEAR + 20)); }
pgb_post() { # NAME DB SCRIPTDIR MEASURE_IDS
	local ids=$4 lo nm
	lo=${ids%%,*}
	nm=$(tr ',' '\n' <<<"$ids" | wc -l)
	local hi=$((lo + nm - 1))
	[ "$(tr ',' '\n' <<<"$ids" | tail -1)" = "$hi" ] || echo "bench measures are not contiguous" >&2
	next_year
	pgb "$1" "$2" "$3/post_progress.sql" -D k=0 -D nclients=8 -D lo="$lo" -D nm="$nm" -D y0="$YEAR" \
		-D unit_id="$(q "$2" "SELECT id FROM units WHERE code = 'hrss'")"
}

declare -A RESULTS DETAIL P99S
NAMES=()
record() { # NAME VALUE DETAIL
	[ -n "${RESULTS[$1]+x}" ] || NAMES+=("$1")
	RESULTS[$1]="${RESULTS[$1]:-} $2"
	DETAIL[$1]=$3
}
load() { # NAME PID wrk args...
	local name=$1 pid=$2
	shift 2
	local out rps p50 p99 rss=""
	out=$(wrk --latency -d"$D"s "$@" 2>&1) || echo "$name: wrk failed: $out" >&2
	rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	if grep -q 'Non-2xx' <<<"$out"; then echo "$name: $(grep Non-2xx <<<"$out")" >&2; fi
	[ "$pid" = - ] || rss=", RSS $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' /proc/$pid/status)"
	# every round's p99 in ms (wrk prints us, ms or s), for a median beside the last round's
	[ -z "$p99" ] || P99S[$name]="${P99S[$name]:-} $(awk '{v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/) v *= 1000; printf "%.1f", v}' <<<"$p99")"
	record "$name" "${rps:-0}" "p50 $p50, p99 $p99$rss"
}
post() { # NAME PID URL MEASURES IDEMPOTENCY
	next_year
	MEASURES=$4 TOKEN=$REPORTER YEAR0=$YEAR IDEMPOTENCY=$5 load "$1" "$2" -t2 -c16 \
		-s "$ZEREN_ROOT/bench/post_progress.lua" "$3"
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
med() { median "${RESULTS[$1]:-0}"; }
ratio() { [ "$(med "$2")" -gt 0 ] 2>/dev/null && echo "scale=2; $(med "$1") / $(med "$2")" | bc || echo "—"; }

AUTH=(-H "Authorization: Bearer $READER")
keys_fill() { # DB COUNT: the bench reporter's key table filled to COUNT keys (stored replies)
	psql -q -d "$1" -c "INSERT INTO idempotency_keys (subject, key, endpoint, request_hash, status,
		response_headers, response_body)
		SELECT 'zeren-dev|bench-hrss', 'fill-' || g, 'POST /v1/progress', md5(g::text), 201,
		       '{\"Content-Type\": \"application/json\"}', repeat('x', 600)
		FROM generate_series(1, greatest($2 - (SELECT count(*) FROM idempotency_keys), 0)) g" \
		-c "VACUUM ANALYZE idempotency_keys"
}
for round in $(seq 1 "$ROUNDS"); do
	if want read; then
		load "nginx return 200" - -t2 -c32 "http://127.0.0.1:$NGINX_PORT/"
		load "GET /healthz" "$PID_cached" -t2 -c32 "$URL_cached/healthz"
		load "GET measure, cached" "$PID_cached" -t2 -c32 "${AUTH[@]}" "$URL_cached/v1/measures/$MID"
		load "GET /healthz, ZEREN_HTTP_THREADS=2" "$PID_threads2" -t2 -c32 "$URL_threads2/healthz"
		load "GET measure, cached, token cache off" "$PID_notoken" -t2 -c32 "${AUTH[@]}" "$URL_notoken/v1/measures/$MID"
		load "GET measure, cache off" "$PID_nocache" -t2 -c32 "${AUTH[@]}" "$URL_nocache/v1/measures/$MID"
		pgb "pgbench GET measure SELECT" zeren "$WORK/pgbench/get_measure.sql" -D mid="$MID"
		load "GET list page 1, cached" "$PID_cached" -t2 -c32 "${AUTH[@]}" "$URL_cached/v1/measures?limit=50"
		load "GET list page 1, cache off" "$PID_nocache" -t2 -c32 "${AUTH[@]}" "$URL_nocache/v1/measures?limit=50"
		pgb "pgbench GET list SELECT" zeren "$WORK/pgbench/list_measures.sql"
		if [ -n "$BASE" ]; then
			load "baseline: GET /healthz" "$PID_base_cached" -t2 -c32 "$URL_base_cached/healthz"
			load "baseline: GET measure, cached" "$PID_base_cached" -t2 -c32 "${AUTH[@]}" "$URL_base_cached/v1/measures/$BASE_MID"
			load "baseline: GET measure, cache off" "$PID_base_nocache" -t2 -c32 "${AUTH[@]}" "$URL_base_nocache/v1/measures/$BASE_MID"
			[ -z "$BASE_PGB" ] || pgb "baseline: pgbench GET measure SELECT" zeren_base "$WORK/pgbench-base/get_measure.sql" -D mid="$BASE_MID"
			load "baseline: GET list page 1, cache off" "$PID_base_nocache" -t2 -c32 "${AUTH[@]}" "$URL_base_nocache/v1/measures?limit=50"
			[ -z "$BASE_PGB" ] || pgb "baseline: pgbench GET list SELECT" zeren_base "$WORK/pgbench-base/list_measures.sql"
		fi
	fi
	if want write; then
		post "POST progress" "$PID_cached" "$URL_cached" "$MEASURES" 0
		post "POST progress, fresh Idempotency-Key" "$PID_cached" "$URL_cached" "$MEASURES" 1
		post "POST progress, pool sized to the cores" "$PID_cores" "$URL_cores" "$MEASURES" 0
		pgb_post "pgbench POST transaction" zeren "$WORK/pgbench" "$PGB_MEASURES"
		if [ -n "$BASE" ]; then
			post "baseline: POST progress" "$PID_base_cached" "$URL_base_cached" "$BASE_MEASURES" 0
			post "baseline: POST progress, fresh Idempotency-Key" "$PID_base_cached" "$URL_base_cached" "$BASE_MEASURES" 1
			# the baseline's own statements: the transaction as it was before a change to them
			pgb_post "baseline: pgbench POST transaction" zeren_base "$WORK/pgbench-base" "$BASE_PGB_MEASURES"
		fi
	fi
done
# Idempotency-Key writes with a big key table: filled to BENCH_KEYS, then the rounds again.
if want idem; then
	for db in zeren ${BASE:+zeren_base}; do keys_fill $db "$KEYS"; done
	for round in $(seq 1 "$ROUNDS"); do
		post "POST progress ($KEYS keys)" "$PID_cached" "$URL_cached" "$MEASURES" 0
		post "POST progress, fresh Idempotency-Key ($KEYS keys)" "$PID_cached" "$URL_cached" "$MEASURES" 1
		if [ -n "$BASE" ]; then
			post "baseline: POST progress ($KEYS keys)" "$PID_base_cached" "$URL_base_cached" "$BASE_MEASURES" 0
			post "baseline: POST progress, fresh Idempotency-Key ($KEYS keys)" "$PID_base_cached" "$URL_base_cached" "$BASE_MEASURES" 1
		fi
	done
	row "idempotency keys after the rounds" "$(q zeren "SELECT count(*) FROM idempotency_keys")"
fi
for name in "${NAMES[@]}"; do
	unit="req/s"
	[[ $name == pgbench* || $name == "baseline: pgbench"* ]] && unit="tps"
	p99s=""
	[ -z "${P99S[$name]:-}" ] || p99s="; p99 of the rounds: $(tr ' ' '/' <<<"${P99S[$name]# }" | sed 's|/| / |g') ms"
	row "$name" "**$(med "$name")** $unit (rounds:$(tr ' ' '/' <<<"${RESULTS[$name]# }" | sed 's/^/ /;s|/| / |g'))${DETAIL[$name]:+; last round ${DETAIL[$name]}}$p99s"
done

# Ratios, medians against medians of the same run.
echo
echo "| ratio (medians, same run) | value |"
echo "|---|---|"
if want read; then
	row "zeren healthz ÷ nginx return 200" "$(ratio "GET /healthz" "nginx return 200")"
	row "cached GET measure ÷ zeren healthz" "$(ratio "GET measure, cached" "GET /healthz")"
	row "cached GET measure, token cache off ÷ zeren healthz" "$(ratio "GET measure, cached, token cache off" "GET /healthz")"
	row "healthz with 2 HTTP threads ÷ with 4" "$(ratio "GET /healthz, ZEREN_HTTP_THREADS=2" "GET /healthz")"
	row "uncached GET measure ÷ pgbench of its SELECT" "$(ratio "GET measure, cache off" "pgbench GET measure SELECT")"
	row "uncached GET measure ÷ cached" "$(ratio "GET measure, cache off" "GET measure, cached")"
	row "uncached list page ÷ pgbench of its SELECT" "$(ratio "GET list page 1, cache off" "pgbench GET list SELECT")"
	row "uncached list page ÷ cached" "$(ratio "GET list page 1, cache off" "GET list page 1, cached")"
	[ -z "$BASE" ] || {
		row "baseline: zeren healthz ÷ nginx return 200" "$(ratio "baseline: GET /healthz" "nginx return 200")"
		row "baseline: cached GET measure ÷ its healthz" "$(ratio "baseline: GET measure, cached" "baseline: GET /healthz")"
		row "cached GET measure ÷ baseline's" "$(ratio "GET measure, cached" "baseline: GET measure, cached")"
		row "uncached GET measure ÷ baseline's" "$(ratio "GET measure, cache off" "baseline: GET measure, cache off")"
		row "uncached list page ÷ baseline's" "$(ratio "GET list page 1, cache off" "baseline: GET list page 1, cache off")"
	}
fi
if want write; then
	row "POST ÷ pgbench of its transaction" "$(ratio "POST progress" "pgbench POST transaction")"
	row "Idempotency-Key POST ÷ plain POST" "$(ratio "POST progress, fresh Idempotency-Key" "POST progress")"
	row "POST, pool sized to the cores ÷ pgbench of its transaction" "$(ratio "POST progress, pool sized to the cores" "pgbench POST transaction")"
	[ -z "$BASE" ] || {
		row "baseline: Idempotency-Key POST ÷ plain POST" "$(ratio "baseline: POST progress, fresh Idempotency-Key" "baseline: POST progress")"
		row "POST ÷ pgbench of the baseline's transaction" "$(ratio "POST progress" "baseline: pgbench POST transaction")"
		row "baseline: POST ÷ pgbench of its transaction" "$(ratio "baseline: POST progress" "baseline: pgbench POST transaction")"
		row "POST ÷ baseline's POST" "$(ratio "POST progress" "baseline: POST progress")"
	}
fi
if want idem; then
	row "Idempotency-Key POST ÷ plain POST, $KEYS keys" "$(ratio "POST progress, fresh Idempotency-Key ($KEYS keys)" "POST progress ($KEYS keys)")"
	row "Idempotency-Key POST, $KEYS keys ÷ near-empty table" "$(ratio "POST progress, fresh Idempotency-Key ($KEYS keys)" "POST progress, fresh Idempotency-Key")"
	[ -z "$BASE" ] || row "baseline: Idempotency-Key POST ÷ plain POST, $KEYS keys" "$(ratio "baseline: POST progress, fresh Idempotency-Key ($KEYS keys)" "baseline: POST progress ($KEYS keys)")"
fi
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."

# Batch: 100,000 CSV rows through the API, beside psql \copy of the same rows.
if want batch; then
	echo
	echo "| batch | result |"
	echo "|---|---|"
	URL=$URL_cached
	SERVER=$PID_cached
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
	HRSS=$(q zeren "SELECT id FROM units WHERE code = 'hrss'")
	sed -i "s/^\([0-9]*\),/\1,$HRSS,/" "$WORK/copy.csv"
	t0=$(date +%s.%N)
	psql -q -d zeren -c "\copy progress_records (measure_id, unit_id, period, period_start, period_end, status, summary, reported_by, reported_iss) FROM '$WORK/copy.csv' CSV"
	t1=$(date +%s.%N)
	copy_s=$(echo "$t1 - $t0" | bc)
	row "psql \\copy of the same 100,000 rows" "$copy_s s, $(echo "100000 / $copy_s" | bc) rows/s"
	row "batch ÷ \\copy" "$(echo "scale=2; $copy_s / $api_s" | bc)"
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
	grep -o '"rows".*' "$WORK/cached.log" | grep _ms | sed 's/^/<!-- batch_written /; s/$/ -->/'
fi
