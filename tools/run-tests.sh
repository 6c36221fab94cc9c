#!/bin/bash
# Run every test of `make check`: the cmocka unit tests (build/asan/tests/)
# and the end-to-end scripts (tests/e2e_*.sh).  Each runs from the
# repository root in a private TMPDIR with a time limit; the last line is
# "N passed, N failed" and the exit status is non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
root=$PWD
export POSKOD=$root/build/asan/poskod
export POSKOCTL=$root/build/asan/poskoctl
export POSKOD_REL=$root/build/rel/poskod
export POSKOCTL_REL=$root/build/rel/poskoctl
export BENCHDIR=$root/build/asan/bench
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C.UTF-8 TZ=Asia/Jakarta NO_COLOR=1
limit=${POSKO_TEST_TIMEOUT:-300}
filter=${1:-}

passed=0 failed=0 skipped=0 failures=""
logdir=$root/build/test-logs
rm -rf "$logdir"; mkdir -p "$logdir"

run_one() { # name command...
	local name=$1; shift
	[ -n "$filter" ] && [[ $name != *$filter* ]] && return
	local t; t=$(mktemp -d "${TMPDIR:-/tmp}/posko-test.XXXXXX")
	local start=$SECONDS rc
	TMPDIR=$t timeout -k 10 "$limit" "$@" >"$logdir/$name.log" 2>&1
	rc=$?
	local secs=$((SECONDS - start))
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1)); printf 'PASS  %-36s %3ss\n' "$name" "$secs"
		rm -rf "$t"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		printf 'SKIP  %-36s %s\n' "$name" "$(tail -n 1 "$logdir/$name.log")"
		rm -rf "$t"
	else
		failed=$((failed + 1)); failures="$failures $name"
		printf 'FAIL  %-36s %3ss (exit %d) — log: build/test-logs/%s.log\n' \
			"$name" "$secs" "$rc" "$name"
		tail -n 30 "$logdir/$name.log" | sed 's/^/    | /'
	fi
}

for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for s in tests/e2e_*.sh; do
	[ -e "$s" ] || continue
	run_one "$(basename "$s" .sh)" bash "$s"
done

[ -n "$failures" ] && echo "failed:$failures"
[ $skipped -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
