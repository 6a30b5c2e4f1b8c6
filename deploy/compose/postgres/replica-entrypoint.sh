#!/bin/sh
# replica-entrypoint.sh — the streaming replica. On first start (no PG_VERSION in $PGDATA) it
# copies the primary with pg_basebackup over the replication slot made by primary-init.sh and
# writes standby.signal and primary_conninfo (-R); every start then runs postgres as a hot
# standby; arguments are passed on to postgres. Runs as the postgres user (compose.yaml:
# user: postgres).
set -eu

: "${PGDATA:?PGDATA must be set}"
: "${PRIMARY_HOST:?PRIMARY_HOST must be set}"
slot=${REPLICATION_SLOT:-replica_1}
port=${PRIMARY_PORT:-5432}
secrets=${SECRETS_DIR:-/run/secrets} # changed only for a test run

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	until pg_isready -q -h "$PRIMARY_HOST" -p "$port"; do
		echo "replica: waiting for $PRIMARY_HOST" >&2
		sleep 1
	done
	# The password lands in postgresql.auto.conf (primary_conninfo) inside the replica's own
	# volume, readable by postgres only.
	PGPASSWORD=$(cat "$secrets/db_replication_password")
	export PGPASSWORD
	pg_basebackup --host="$PRIMARY_HOST" --port="$port" --username=replicator \
		--pgdata="$PGDATA" --wal-method=stream --slot="$slot" \
		--write-recovery-conf --checkpoint=fast --progress
	unset PGPASSWORD
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
