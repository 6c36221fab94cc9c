#!/bin/bash
# poskoctl import flood-zones / fire-zones (docs/protocol.md 2.9,
# import.zones): the zones a flood is decided against are replaced at
# runtime, all or nothing, and kept across a restart.
#  - the sample's 2007 flood (Siaga 1: high and medium zones evacuate)
#    evacuates families under the sample's HKV zones;
#  - a file that does not load is refused, names the field, and changes
#    nothing (no state file, no journal row);
#  - after importing zones that are all "low", the same footprint
#    evacuates nobody (still affected), and after a restart too;
#  - the import is journaled with the operator;
#  - --json, with the sample's ~1 MB fire zones file in one request.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

CTL=${POSKOCTL:-$PK_ROOT/build/asan/poskoctl}
[ -x "$CTL" ] || pk_fail "$CTL is not built"

pk_setup
pk_start
T=$PK_DIR/t
mkdir -p "$T"
P=("$CTL" --config "$PK_CONF" --operator e2e-gis --timeout 60)
run() { pk_ctl_run "$@"; }
FLOOD=$PK_DATA/incidents/flood-2007.json
flood() { # source_id: the 2007 footprint under another id
	sed -e 's/"source_id": *"[^"]*"/"source_id":"'"$1"'"/' "$FLOOD" >"$T/$1.json"
	run 0 incident submit "$T/$1.json"
}
inc_q() { pk_sql "SELECT $2 FROM incidents WHERE source_id='$1'"; }
STATE_ZONES=$PK_DIR/state/zones/flood.geojson

# ---- under the sample's zones -------------------------------------------------
flood zones-a
[ "$(inc_q zones-a affected_hh)" -gt 0 ] || pk_fail "the 2007 footprint affects nobody"
[ "$(inc_q zones-a evac_hh)" -gt 0 ] || pk_fail "the 2007 flood evacuates nobody under the HKV zones"
echo "under HKV zones: $(inc_q zones-a affected_hh) households affected, $(inc_q zones-a evac_hh) evacuating"
run 0 incident close "$(inc_q zones-a id)" --reason "zones test"

# ---- a file that does not load changes nothing ----------------------------------
printf '{"type":"FeatureCollection","features":[' >"$T/broken.geojson"
j0=$(pk_sql "SELECT count(*) FROM journal")
run 1 import flood-zones "$T/broken.geojson"
grep -q "flood zones not replaced" "$T/err" "$T/out" || pk_fail "no reason given: $(cat "$T/out" "$T/err")"
[ ! -e "$STATE_ZONES" ] || pk_fail "a refused import left $STATE_ZONES"
pk_eq "journal rows after the refused import" "$(pk_sql "SELECT count(*) FROM journal")" "$j0"
run 2 import zones "$T/broken.geojson"

# ---- zones that are all "low": nobody leaves at Siaga 1 -----------------------
cat >"$T/all-low.geojson" <<'EOF'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"all-low","hazard":"flood","class":"low"},"geometry":{"type":"Polygon","coordinates":[[[106.6,-6.45],[107.1,-6.45],[107.1,-5.95],[106.6,-5.95],[106.6,-6.45]]]}}]}
EOF
run 0 import flood-zones "$T/all-low.geojson"
grep -q "Flood zones replaced" "$T/out" || pk_fail "no confirmation: $(cat "$T/out")"
cmp -s "$T/all-low.geojson" "$STATE_ZONES" || pk_fail "the imported file is not $STATE_ZONES"
pk_eq "import journaled with its operator" \
	"$(pk_sql "SELECT operator FROM journal WHERE action='import.zones'")" e2e-gis
flood zones-b
[ "$(inc_q zones-b affected_hh)" -gt 0 ] || pk_fail "the footprint affects nobody after the import"
pk_eq "evacuating under all-low zones" "$(inc_q zones-b evac_hh)" 0

# ---- --json, and a real-sized file (the sample's fire zones, ~1 MB) -----------
run 0 --json import fire-zones "$PK_DATA/fire-zones.geojson"
grep -q '"hazard": *"fire"' "$T/out" || pk_fail "--json: no hazard in $(cat "$T/out")"
pk_eq "--json: bytes" "$(sed -n 's/.*"bytes": *\([0-9]*\).*/\1/p' "$T/out")" \
	"$(wc -c <"$PK_DATA/fire-zones.geojson")"
cmp -s "$PK_DATA/fire-zones.geojson" "$PK_DIR/state/zones/fire.geojson" ||
	pk_fail "the imported fire zones are not the file sent"

# ---- kept across a restart ------------------------------------------------------
pk_stop || pk_fail "poskod did not stop cleanly"
pk_start
grep -q "zones: flood from $STATE_ZONES (imported" "$PK_DIR/poskod.log" ||
	pk_fail "the restart did not say it uses the imported zones"
flood zones-c
pk_eq "evacuating under all-low zones after the restart" "$(inc_q zones-c evac_hh)" 0

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
