#!/bin/sh
# make-secrets.sh — writes the files compose.yaml's secrets read, each with 32 random bytes
# (base64), unless it exists already. The folder is ignored by git; keep it out of images.
set -eu
cd "$(dirname "$0")/secrets"
umask 077
for name in jwt_hs256_secret db_superuser_password db_owner_password db_app_password \
	db_replication_password; do
	if [ ! -s "$name" ]; then
		head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$name"
		echo "wrote secrets/$name"
	fi
done
