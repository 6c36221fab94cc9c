#!/bin/bash
# SIGHUP reloads the config and the zones, all or nothing: a good config is
# applied (zones swapped: households' hazard class follows), a bad one is
# refused with a log line naming FILE:LINE and the old one stays in force;
# poskod answers throughout. The log level follows the file; keys read only
# at start (sockets, spool, ...) keep their running values and are named.
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

# ---- the log level follows the file; keys read only at start keep their
# running values (named in the log); a new outbox directory is created
debug_lines() { grep -c ' debug ' "$PK_DIR/poskod.log" || true; }
sed -e 's/^log_level = info/log_level = debug/' \
	-e "s|^runtime_dir = .*|runtime_dir = $PK_DIR/run2|" \
	-e 's|^spool_dir = .*|spool_dir = %S/spool2|' \
	-e 's|^outbox_dir = .*|outbox_dir = %S/cap-out2|' \
	-e 's|^sitrep_interval_s = .*|sitrep_interval_s = 3600|' \
	"$PK_DIR/good.conf" >"$PK_CONF"
hup_wait "SIGHUP: configuration .* reloaded \\(zones: $zones0\\)"
pk_wait_grep "$PK_DIR/poskod.log" 'SIGHUP: log level debug' 1 5 || pk_fail "log level not applied"
pk_wait_grep "$PK_DIR/poskod.log" 'SIGHUP: \[daemon\] runtime_dir, \[bus\] ingest, .*\[cap\] spool_dir changed in the file but take effect only at a restart; the running values stay in force' 1 5 ||
	pk_fail "the restart-only keys are not named"
grep -q 'feed: sitrep every 3600 s' "$PK_DIR/poskod.log" || pk_fail "the new sitrep interval is not applied"
[ -d "$PK_DIR/state/cap-out2" ] || pk_fail "the new CAP outbox directory was not created"
[ ! -e "$PK_DIR/state/spool2" ] || pk_fail "the new spool directory was taken before a restart"
pk_req '{"v":1,"cmd":"status"}' | grep -q '"ok":true' || pk_fail "the sockets moved with runtime_dir"
d0=$(debug_lines)
pk_push_data "$(circle c5)"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"c5"' 1 60 || pk_fail "c5 not opened"
pk_settle "$ev"
d1=$(debug_lines)
[ "$d1" -gt "$d0" ] || pk_fail "no debug line after log_level = debug ($d0 -> $d1)"

# back to info: quiet again, and nothing left waiting for a restart
cp "$PK_DIR/good.conf" "$PK_CONF"
n=$(grep -c 'take effect only at a restart\|takes effect only at a restart' "$PK_DIR/poskod.log" || true)
hup_wait 'SIGHUP: log level info'
pk_wait_grep "$PK_DIR/poskod.log" "SIGHUP: configuration .* reloaded" 4 5 || pk_fail "no reload line"
pk_eq "nothing waits for a restart after going back" \
	"$(grep -c 'take effect only at a restart\|takes effect only at a restart' "$PK_DIR/poskod.log" || true)" "$n"
d2=$(debug_lines)
pk_push_data "$(circle c6)"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"c6"' 1 60 || pk_fail "c6 not opened"
pk_settle "$ev"
pk_eq "no debug line at log_level = info" "$(debug_lines)" "$d2"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
