#!/bin/sh
# entrypoint.sh — writes PgBouncer's auth file from the Compose secret of the service's role,
# then runs PgBouncer in the foreground. The file holds the password in clear so that PgBouncer
# can answer the client's SCRAM exchange and log in to PostgreSQL with SCRAM itself; it lives in
# a tmpfs, never in the image or a volume. The paths can be changed for a test run.
set -eu

secrets=${SECRETS_DIR:-/run/secrets}
dir=${PGBOUNCER_AUTH_DIR:-/tmp/pgbouncer}
ini=${PGBOUNCER_INI:-/etc/pgbouncer/pgbouncer.ini}
mkdir -p "$dir"
umask 077
# userlist.txt: "name" "password", a double quote inside doubled.
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
printf '%s %s\n' "$(quote zeren)" "$(quote "$(cat "$secrets/db_app_password")")" >"$dir/userlist.txt"
exec pgbouncer "$ini"
