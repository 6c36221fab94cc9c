#!/bin/bash
# `make bench`: generate the Jakarta-scale scenario once (cached under
# build/bench-scenario), then run every benchmark.  Each prints key=value
# lines with its own baseline measured in the same run and the ratio; a
# benchmark that finds its fast path disagreeing with its baseline, or a
# bound violated, exits non-zero and `make bench` fails.
#
#   make bench                     full size (3.5 M households)
#   make bench BENCH_ARGS=--quick  small sizes, a smoke run
set -u
cd "$(dirname "$0")/.."
B=build/rel/bench
quick=0
for a in "$@"; do [ "$a" = --quick ] && quick=1; done

scen=build/bench-scenario
if [ $quick -eq 0 ] && [ ! -e $scen/.done ]; then
	echo "# generating the Jakarta-scale scenario (3.5 M households) in $scen"
	rm -rf $scen; mkdir -p $scen
	start=$SECONDS
	$B/gen_scenario --households 3500000 --shelters 1200 --depots 50 \
		--seed 42 --out $scen || exit 1
	echo "gen_scenario households=3500000 seconds=$((SECONDS - start))"
	touch $scen/.done
fi

fail=0
for b in $B/bench_*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	echo "# $name"
	args=("$@")
	if [ $quick -eq 0 ] && "$b" --help 2>&1 | grep -q -- --scenario; then
		args+=(--scenario "$scen")
	fi
	if ! "$b" "${args[@]}"; then
		echo "# $name FAILED" >&2
		fail=1
	fi
done
exit $fail
