#!/bin/bash
# SIGHUP reloads the config and the zones, all or nothing: a good config is
# applied (zones swapped: households' hazard class follows), a bad one is
# refused with a log line naming FILE:LINE and the old one stays in force;
# poskod answers throughout.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"
zones0=$(sed -n 's/.*data: .* \([0-9]*\) zones$/\1/p' "$PK_DIR/poskod.log" | tail -n 1)
[ "${zones0:-0}" -gt 0 ] || pk_fail "the sample has no zones?"

hup_wait() { # signal, then wait for a log line matching $1
	local n
	n=$(grep -c -E "$1" "$PK_DIR/poskod.log" || true)
	kill -HUP "$PK_PID"
	pk_wait_grep "$PK_DIR/poskod.log" "$1" $((n + 1)) 20 || pk_fail "no log line /$1/ after SIGHUP"
}

# an evacuation circle at a household inside a flood zone
H=$(awk -F, 'NR > 1 && NR % 53 == 0 { print $2 "," $3; exit }' "$PK_DATA/households.csv")
circle() { # source_id
	echo "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"e2e\",\"source_id\":\"$1\",\"type\":\"collapse\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[$H],\"radius_m\":400},\"days\":2}"
}
classes() { # incident -> the distinct hazard classes of its assignments
	grep "^assign.household .*\"incident\":$1," "$ev" |
		sed -n 's/.*"class":"\([a-z]*\)".*/\1/p' | sort -u | tr '\n' ' '
}
pk_push_data "$(circle c1)"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"c1"' 1 60 || pk_fail "c1 not opened"
pk_settle "$ev"
c1=$(classes 1)
echo "classes with the sample zones: $c1"

# ---- good: no zones at all -> applied
cp "$PK_CONF" "$PK_DIR/good.conf"
sed -i -e 's/^flood_zones = .*/flood_zones =/' -e 's/^fire_zones = .*/fire_zones =/' "$PK_CONF"
hup_wait 'SIGHUP: configuration .* reloaded \(zones: 0\)'
pk_req '{"v":1,"cmd":"status"}' | grep -q '"ok":true' || pk_fail "no answer after the reload"
pk_push_data "$(circle c2)"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"c2"' 1 60 || pk_fail "c2 not opened"
pk_settle "$ev"
pk_eq "without zones every household is class none" "$(classes 2)" "none "

# ---- bad value: refused with FILE:LINE, the old config (no zones) stays
sed -i 's/^\[alerts\]$/[alerts]\nshelter_warn = 150/' "$PK_CONF"
grep -q '^shelter_warn = 150' "$PK_CONF" || printf '[alerts]\nshelter_warn = 150\n' >>"$PK_CONF"
hup_wait 'SIGHUP: new config refused, the old one stays: .*posko.conf:[0-9]+: \[alerts\] shelter_warn'
pk_req '{"v":1,"cmd":"status"}' | grep -q '"ok":true' || pk_fail "no answer after a refused reload"

# ---- a zones file that does not load: refused as a whole
cp "$PK_DIR/good.conf" "$PK_CONF"
echo '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":' >"$PK_DIR/broken.geojson"
sed -i "s|^flood_zones = .*|flood_zones = $PK_DIR/broken.geojson|" "$PK_CONF"
hup_wait 'SIGHUP: new config refused, the old one stays'
pk_push_data "$(circle c3)"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"c3"' 1 60 || pk_fail "c3 not opened"
pk_settle "$ev"
pk_eq "refused reloads kept the config in force (no zones)" "$(classes 3)" "none "

# ---- back to the sample: the zones come back
cp "$PK_DIR/good.conf" "$PK_CONF"
hup_wait "SIGHUP: configuration .* reloaded \\(zones: $zones0\\)"
pk_push_data "$(circle c4)"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"c4"' 1 60 || pk_fail "c4 not opened"
pk_settle "$ev"
echo "classes with the zones back: $(classes 4)"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
