#!/usr/bin/env bash
# test.sh — install, check formatting, lint the OpenAPI document, build with ASan + UBSan,
# start a throwaway PostgreSQL and run every unit and integration test, then fuzz each parser
# for a few seconds (libFuzzer, clang-14). Non-zero on failure.
source "$(dirname "$0")/lib.sh"

install_deps

echo "== clang-format"
# find, not git: a fresh machine may have no git, and the check must not skip silently.
mapfile -t sources < <(cd "$ZEREN_ROOT" && find service tests bench -name '*.[ch]' -not -path '*/build*' | sort)
[ ${#sources[@]} -gt 0 ] || { echo "no C sources found under service/" >&2; exit 1; }
(cd "$ZEREN_ROOT" && clang-format --dry-run --Werror "${sources[@]}")

echo "== OpenAPI lint"
tools=$ZEREN_LOCAL/node
if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
	mkdir -p "$tools"
	(cd "$tools" && npm install --no-audit --no-fund --loglevel=error @redocly/cli@1.34.20 ajv@8 ajv-formats@3 yaml@2 >/dev/null)
fi
(cd "$ZEREN_ROOT" && "$tools/node_modules/.bin/redocly" lint --config api/redocly.yaml api/openapi.yaml)

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
build "$ZEREN_ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug -DZEREN_SANITIZE=ON -DZEREN_TESTS=ON
echo "== build: fuzz harnesses (clang-14, libFuzzer + ASan + UBSan)"
fuzz_build

test_servers_start

failed=0
passed=0
for suite in unit_tests http_tests integration_tests; do
	echo "== $suite"
	if "$ZEREN_ROOT/build-asan/$suite"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "== migrations: version 1 brought forward equals db/schema.sql"
if bash "$ZEREN_ROOT/tests/migrations/check.sh"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
echo "== contract: responses against api/openapi.yaml"
if node "$ZEREN_ROOT/tests/contract/check.mjs" --modules "$tools/node_modules" \
	--spec "$ZEREN_ROOT/api/openapi.yaml" --log "$ZEREN_TEST_CONTRACT_LOG"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
# Each harness is a test program; scripts/fuzz.sh 600 runs them longer. 8 s each keeps the
# 13 harnesses under two minutes together.
fuzz_seconds=${ZEREN_FUZZ_SECONDS:-8}
echo "== fuzz: each harness ${fuzz_seconds} s from tests/fuzz/corpus/"
for name in $(fuzz_names); do
	if fuzz_run "$name" "$fuzz_seconds"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

# ---- deploy/: Compose, HAProxy, Kubernetes and CloudNativePG manifests, the Dockerfile's
# HEALTHCHECK (run against the test binary). Offline: Debian and npm packages only.
echo "== deploy: manifests and HEALTHCHECK (deploy/validate.sh)"
if bash "$ZEREN_ROOT/deploy/validate.sh" "$ZEREN_ROOT/build-asan/zeren"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
# ---- end deploy/

echo "== cluster: primary + replica, PgBouncer (transaction), 3 instances, HAProxy, under load"
# its own clusters and ports, on loopback; ~30 s of load with a kill -9, a replica stop, a drain
if ZEREN_BIN=$ZEREN_ROOT/build-asan/zeren ZEREN_CLUSTER_SECONDS=${ZEREN_CLUSTER_SECONDS:-24} \
	bash "$ZEREN_ROOT/deploy/local/cluster-test.sh"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
echo "test programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
