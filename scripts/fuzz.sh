#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer harnesses (tests/fuzz/) with clang-14, ASan and UBSan and runs
# each for SECONDS (default 10; e.g. `scripts/fuzz.sh 600` for a longer hunt), or only the
# harnesses named. Non-zero when any harness finds a crash. `scripts/fuzz.sh --crashes` replays
# the known, unfixed crashes of tests/fuzz/crashes/ (non-zero while any still fails).
source "$(dirname "$0")/lib.sh"

install_deps
echo "== fuzz: build (clang-14, libFuzzer + ASan + UBSan)"
fuzz_build
if [ "${1:-}" = --crashes ]; then
	# Replays tests/fuzz/crashes/NAME/* (known bugs, not fixed yet); none there is a pass.
	left=0
	for input in "$ZEREN_ROOT"/tests/fuzz/crashes/*/*; do
		[ -f "$input" ] || continue
		name=$(basename "$(dirname "$input")")
		mkdir -p "$ZEREN_LOCAL"
		if ASAN_OPTIONS=detect_leaks=1 "$ZEREN_ROOT/build-fuzz/fuzz_$name" \
			-artifact_prefix="$ZEREN_LOCAL/fuzz-replay-" "$input" >"$ZEREN_LOCAL/fuzz-replay.log" 2>&1; then
			echo "fixed: $name/${input##*/} (move it into tests/fuzz/corpus/$name/)"
		else
			echo "still fails: $name/${input##*/}"
			grep -E -m1 'ERROR: AddressSanitizer|runtime error|property failed' "$ZEREN_LOCAL/fuzz-replay.log" || true
			left=$((left + 1))
		fi
	done
	echo "fuzz --crashes: $left still failing"
	[ "$left" -eq 0 ]
	exit
fi
seconds=${1:-10}
shift || true
mapfile -t names < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else fuzz_names; fi)
failed=0
for name in "${names[@]}"; do
	fuzz_run "$name" "$seconds" || failed=$((failed + 1))
done
echo "fuzz: ${#names[@]} harnesses, $failed failed"
[ "$failed" -eq 0 ]
