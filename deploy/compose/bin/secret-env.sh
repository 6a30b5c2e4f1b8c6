#!/bin/sh
# secret-env.sh — entrypoint wrapper: for every environment variable NAME_FILE, export NAME with
# the content of that file (one trailing newline dropped) and unset NAME_FILE, then exec the
# command. This is how Compose secrets (files under /run/secrets) become the variables zeren and
# libpq read: ZEREN_JWT_HS256_SECRET_FILE -> ZEREN_JWT_HS256_SECRET, PGPASSWORD_FILE -> PGPASSWORD.
# POSIX sh: the zeren image's /bin/sh is dash.
set -eu

names=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*/\1/p')
for name in $names; do
	path=$(printenv "${name}_FILE")
	if [ ! -r "$path" ]; then
		echo "secret-env: ${name}_FILE names $path, which cannot be read" >&2
		exit 1
	fi
	value=$(cat "$path")
	if [ -z "$value" ]; then
		echo "secret-env: $path (${name}_FILE) is empty" >&2
		exit 1
	fi
	export "$name=$value"
	unset "${name}_FILE"
done
exec "$@"
