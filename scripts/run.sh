#!/usr/bin/env bash
# run.sh — install, build, start a throwaway PostgreSQL in .local/, migrate, load the seed,
# print example tokens and serve on http://localhost:8080 until Ctrl-C.
source "$(dirname "$0")/lib.sh"

install_deps
build "$ZEREN_ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZEREN_TESTS=OFF
pg_start
trap pg_stop EXIT
create_database zeren

export ZEREN_JWT_HS256_SECRET=${ZEREN_JWT_HS256_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=$PGUSER"
"$ZEREN_ROOT/build/zeren" migrate
"$ZEREN_ROOT/build/zeren" import "$ZEREN_ROOT/db/seed/yunfu-gdjg.json" >/dev/null
echo "== seed loaded: db/seed/yunfu-gdjg.json"

# The service connects as a non-owner role so row-level security applies to it.
export ZEREN_DATABASE_URL="host=$PGHOST port=$PGPORT dbname=zeren user=zeren"
export ZEREN_PORT=${ZEREN_PORT:-8080}
admin=$("$ZEREN_ROOT/build/zeren" token --sub dev-admin --role admin --ttl 86400)
reporter=$("$ZEREN_ROOT/build/zeren" token --sub dev-finance --role reporter --unit finance --ttl 86400)
cat <<MSG
== tokens (valid 24 h; mint more with: ZEREN_JWT_HS256_SECRET=$ZEREN_JWT_HS256_SECRET build/zeren token --sub S --role R [--unit CODE])
admin:    $admin
reporter (市财政局, unit finance): $reporter
try:      curl -H "Authorization: Bearer \$TOKEN" http://localhost:$ZEREN_PORT/v1/measures
MSG
"$ZEREN_ROOT/build/zeren" serve
