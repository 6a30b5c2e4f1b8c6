#!/bin/sh
# primary-init.sh — run once by the postgres image's entrypoint (from /docker-entrypoint-initdb.d)
# when the primary's data directory is new. It creates the roles the deployment uses, with their
# passwords read from the Compose secrets, and lets the replication role connect for streaming:
#   zeren_owner  owns the database and runs `zeren migrate`
#   zeren_app    the group the schema grants to (NOLOGIN; schema.sql creates it if missing)
#   zeren        the service's login role, a member of zeren_app, owns nothing
#   replicator   streaming replication (pg_basebackup and the replica's WAL receiver)
# and a physical replication slot for the one replica, so the primary keeps the WAL it needs.
set -eu

secrets=${SECRETS_DIR:-/run/secrets} # changed only for a test run
owner_pw=$(cat "$secrets/db_owner_password")
app_pw=$(cat "$secrets/db_app_password")
repl_pw=$(cat "$secrets/db_replication_password")

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v owner_pw="$owner_pw" -v app_pw="$app_pw" -v repl_pw="$repl_pw" <<'SQL'
CREATE ROLE zeren_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE zeren_app NOLOGIN;
CREATE ROLE zeren LOGIN PASSWORD :'app_pw' IN ROLE zeren_app;
CREATE ROLE replicator LOGIN REPLICATION PASSWORD :'repl_pw';
CREATE DATABASE zeren OWNER zeren_owner ENCODING 'UTF8' TEMPLATE template0;
SELECT pg_create_physical_replication_slot('replica_1');
SQL

# "all" in the database column does not cover replication connections: name them.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
