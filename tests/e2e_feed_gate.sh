#!/bin/bash
# Water-gate levels through the real poskod: Pintu Air Manggarai 3 -> 1 ->
# 2 -> (restart) -> 4. Every change is journaled (origin gate) and
# published (gate.level); the kelurahan entering and leaving the watch set
# come as watch.on / watch.off with the shelters and depots in them. A gate
# never evacuates: no incident, no assign.household. An unknown gate is
# rejected naming it.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
cat >>"$PK_CONF" <<EOF

[data]
floodgates = $PK_ROOT/data/jakarta/floodgates.geojson
EOF
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"
cur=$ev

gate() { # NAME LEVEL
	pk_push_data "{\"v\":1,\"kind\":\"gate.level\",\"source\":\"bpbd-dki\",\"gate\":\"$1\",\"level\":$2,\"height_cm\":$((1000 - 100 * $2))}"
	pk_settle "$cur"
}

# ---- Siaga 3: on watch, Kampung Melayu and Bidara Cina (posko.conf
# defaults for Manggarai)
gate "PA. Manggarai" 3
pk_wait_grep "$ev" '^gate.level .*"gate":"Pintu Air Manggarai","from":0,"to":3' 1 20 || pk_fail "no gate.level 0 -> 3"
on=$(grep '^watch.on ' "$ev" | tail -n 1)
echo "$on" | grep -q '"kelurahan":\["31.74.01.1005","31.75.03.1001"\]' || pk_fail "watch.on at Siaga 3: $on"
echo "$on" | grep -q '"shelters":\[' || pk_fail "watch.on names no shelters: $on"
echo "$on" | grep -q '"depots":\[' || pk_fail "watch.on names no depots: $on"
grep '^ingest.accepted' "$ev" | grep -q '"action":"open".*"origin":"gate"' || pk_fail "ingest.accepted open with origin gate missing"

# ---- Siaga 1: the whole valley joins the watch
gate "Pintu Air Manggarai" 1
grep -q '^gate.level .*"from":3,"to":1' "$ev" || pk_fail "no gate.level 3 -> 1"
on=$(grep '^watch.on ' "$ev" | tail -n 1)
echo "$on" | grep -q '"31.75.04.1005"' || pk_fail "Siaga 1 did not widen the watch: $on"
echo "$on" | grep -q '"31.75.03.1001"' && pk_fail "already watched kelurahan repeated in watch.on: $on"

# ---- Siaga 2: some leave the watch
gate "MANGGARAI" 2
off=$(grep '^watch.off ' "$ev" | tail -n 1)
echo "$off" | grep -q '"31.75.04.1005"' || pk_fail "Siaga 2 did not narrow the watch: $off"
grep -q '^gate.level .*"from":1,"to":2,.*"height_cm":800' "$ev" || pk_fail "no gate.level 1 -> 2 with its height"

# ---- a gate never evacuates
pk_eq "incidents from gate levels" "$(pk_sql "SELECT count(*) FROM incidents")" 0
pk_eq "assign.household from gate levels" "$(pk_count "$ev" '^assign.household')" 0
pk_eq "journal rows with origin gate" "$(pk_sql "SELECT count(*) FROM journal WHERE origin='gate'")" 3

# ---- the level survives a restart: back to normal is 2 -> 4
pk_stop || pk_fail "poskod did not stop cleanly"
pk_cleanup
pk_start
ev2=$PK_DIR/events2.txt
pk_sub "$ev2"
cur=$ev2
gate "Pintu Air Manggarai" 4
grep -q '^gate.level .*"from":2,"to":4' "$ev2" || pk_fail "the level was not restored (want 2 -> 4): $(grep '^gate.level' "$ev2")"
off=$(grep '^watch.off ' "$ev2" | tail -n 1)
echo "$off" | grep -q '"31.75.03.1001"' || pk_fail "back to Siaga 4 left kelurahan on watch: $off"
grep '^ingest.accepted' "$ev2" | grep -q '"action":"cancel".*"origin":"gate"' || pk_fail "no cancel journaled at Siaga 4"

# ---- an unknown gate
pk_push_data '{"v":1,"kind":"gate.level","gate":"Pintu Air Bogor","level":1}'
pk_wait_grep "$ev2" '^ingest.rejected .*"origin":"gate"' 1 20 || pk_fail "an unknown gate was not rejected"
grep '^ingest.rejected .*"origin":"gate"' "$ev2" | grep -q 'unknown gate' || pk_fail "the rejection does not say unknown gate"
pk_eq "assign.household after all" "$(pk_count "$ev2" '^assign.household')" 0

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
