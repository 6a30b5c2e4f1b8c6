#!/usr/bin/env bash
# suite.sh — for working on one part: rebuilds the sanitizer build and runs only the named
# integration suites (check's suite names, e.g. `scripts/suite.sh admin limits`) against a
# throwaway primary and replica, as scripts/test.sh does. No suite named: the whole program.
source "$(dirname "$0")/lib.sh"

tools=$ZEREN_LOCAL/node
install_deps
build "$ZEREN_ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug -DZEREN_SANITIZE=ON -DZEREN_TESTS=ON
test_servers_start
failed=0
if [ $# -eq 0 ]; then
	"$ZEREN_ROOT/build-asan/integration_tests" || failed=1
fi
for suite in "$@"; do
	CK_RUN_SUITE=$suite "$ZEREN_ROOT/build-asan/integration_tests" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ]
