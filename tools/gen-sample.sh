#!/bin/sh
# Regenerate data/sample/ with its exact command (data/sample/README.md;
# tests/test_data_sample.c replays the same arguments and compares the
# files byte for byte, so change all three together).
#
#   make build/rel/bench/gen_scenario && tools/gen-sample.sh
#
# Run from the repository root.  GEN overrides the generator binary.
# data/sample/README.md is not written by the generator: update its
# numbers by hand if the scenario changes.
set -eu
cd "$(dirname "$0")/.."
GEN=${GEN:-build/rel/bench/gen_scenario}
exec "$GEN" --households 5000 --shelters 110 --osm-shelters 64 \
	--shelter-max-capacity 80 --depots 6 --seed 2007 --out data/sample "$@"
