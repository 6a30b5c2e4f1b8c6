#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer harnesses (tests/fuzz/) with clang-14, ASan and UBSan and runs
# each for SECONDS (default 10; e.g. `scripts/fuzz.sh 600` for a longer hunt), or only the
# harnesses named. Non-zero when any harness finds a crash.
source "$(dirname "$0")/lib.sh"

seconds=${1:-10}
shift || true
install_deps
echo "== fuzz: build (clang-14, libFuzzer + ASan + UBSan)"
fuzz_build
mapfile -t names < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else fuzz_names; fi)
failed=0
for name in "${names[@]}"; do
	fuzz_run "$name" "$seconds" || failed=$((failed + 1))
done
echo "fuzz: ${#names[@]} harnesses, $failed failed"
[ "$failed" -eq 0 ]
