#!/bin/bash
# bench/ab.sh - bench_daemon against two poskod binaries, one right after
# the other, on the same data and footprints: a before/after pair measured
# in the same minute (the machine's load changes more than that between
# runs).  Prints the main keys of each run on one line; the full outputs
# stay in $TMPDIR/ab-TAG-{a,b}.txt.
#
#   bench/ab.sh BASELINE_POSKOD [bench_daemon options...]
#
# The baseline is typically poskod built from an older commit in a copy of
# the tree:  git archive OLD | tar -x -C /tmp/old && make -C /tmp/old
# build/rel/poskod.  The second binary is $POSKOD_REL or build/rel/poskod.
# Give --scenario DIR (a kept bench_daemon scenario, --keep) so both runs
# read the same files without generating them twice.
set -u
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: bench/ab.sh BASELINE_POSKOD [bench_daemon options...]" >&2
	exit 2
fi
a=$1
shift
b=${POSKOD_REL:-$PWD/build/rel/poskod}
tag=$(date +%H%M%S)
keys='^(latency_p50_ms|latency_p99_ms|latency_first_tenth_p50_ms'
keys+='|latency_last_tenth_p50_ms|echo_latency_p99_ms|achieved_reports_per_s'
keys+='|sustained_answer_p99_ms|drained|lost|memory_flat'
keys+='|rss_second_half_growth_pct|ok)='
rc=0
for v in a b; do
	bin=$a
	[ $v = b ] && bin=$b
	out=${TMPDIR:-/tmp}/ab-$tag-$v.txt
	POSKOD_REL=$bin build/rel/bench/bench_daemon "$@" >"$out" 2>&1 || rc=1
	echo "$v $bin: $(grep -E "$keys" "$out" | tr '\n' ' ')"
done
exit $rc
