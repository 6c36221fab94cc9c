#!/bin/bash
# RW flood states (PetaBencana model) over the ingest socket, through the
# real poskod: RW 3175081004-11 at 1 -> 3 -> 4 -> 2 -> 0 is one incident
# opened at 1 (nobody moves: "use caution"), escalated at 3 (households
# placed), 4 (nobody new), de-escalated at 2 (nobody new, nobody sent home)
# and closed at 0 (the registered families released). A batch (rw.states)
# and PetaBencana's GeoJSON (a snapshot: RWs it does not list go back to
# 0) land on their own incidents; broken messages are rejected naming the
# field, and change nothing.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT
fix=$PK_ROOT/tests/fixtures/rw
RW=3175081004-11

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

state() { # N: send "RW $RW is at state N", wait until decided
	pk_push_data "{\"v\":1,\"kind\":\"rw.state\",\"source\":\"petabencana\",\"rw\":\"$RW\",\"state\":$1}"
	pk_settle "$ev"
}
inc_q() { pk_sql "SELECT $1 FROM incidents WHERE source='petabencana' AND source_id LIKE 'rwflood-$RW-%'"; }
assigned() { pk_count "$ev" "^assign.household .*\"incident\":$inc,.*\"status\":\"registered\""; }

# ---- 1: opened, nobody moves
state 1
pk_wait_grep "$ev" '^incident.opened' 1 30 || pk_fail "state 1 opened no incident"
inc=$(inc_q id)
[ -n "$inc" ] || pk_fail "no incident keyed rwflood-$RW-... in the store"
grep '^ingest.accepted' "$ev" | grep -q '"origin":"rw_state"' || pk_fail "ingest.accepted without origin rw_state"
grep -q "^rw.state .*\"rw\":\"$RW\",\"from\":0,\"to\":1,\"move\":\"open\"" "$ev" || pk_fail "no rw.state event for the opening"
pk_eq "households placed at state 1" "$(assigned)" 0
pk_eq "state in the store at 1" "$(inc_q state)" open

# ---- 3: escalates, families placed
state 3
pk_eq "revision at state 3" "$(inc_q revision)" 2
n3=$(assigned)
[ "$n3" -gt 0 ] || pk_fail "state 3 (71-150 cm) placed nobody"
grep -q "^incident.updated .*\"incident\":$inc,.*\"severity\":{\"depth_cm\":71}" "$ev" ||
	pk_fail "state 3 is not depth 71 cm on the incident"
echo "ok: state 3 placed $n3 households"

# ---- 4: escalates further; everyone of the RW already moved at 3
state 4
pk_eq "revision at state 4" "$(inc_q revision)" 3
n4=$(assigned)
[ "$n4" -ge "$n3" ] || pk_fail "state 4 lost placements"

# ---- 2: de-escalates: nobody new, nobody sent home at night
state 2
pk_eq "revision at state 2" "$(inc_q revision)" 4
pk_eq "assign.household at state 2 (none new)" "$(assigned)" "$n4"
pk_eq "registered families at state 2" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")" "$n4"

# ---- 2 again: a repeated state changes nothing
before=$(pk_max_id "$ev")
state 2
pk_eq "incident revision after a repeated state" "$(inc_q revision)" 4

# ---- 0: closed, families released
state 0
pk_wait_grep "$ev" "^incident.closed .*\"incident\":$inc," 1 30 || pk_fail "state 0 did not close the incident"
pk_eq "state in the store at 0" "$(inc_q state)" closed
closed=$(grep "^incident.closed .*\"incident\":$inc," "$ev")
echo "$closed" | grep -q "\"released\":{\"households\":$n4," || pk_fail "not every family released: $closed"
pk_eq "registered families after 0" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")" 0
pk_eq "released assign.household events" \
	"$(pk_count "$ev" "^assign.household .*\"incident\":$inc,.*\"status\":\"released\"")" "$n4"
grep -q "^rw.state .*\"rw\":\"$RW\",\"from\":2,\"to\":0,\"move\":\"close\"" "$ev" || pk_fail "no rw.state close event"

# ---- flooded again: a new incident, the closed one is never reopened
state 3
n_inc=$(pk_sql "SELECT count(*) FROM incidents WHERE source_id LIKE 'rwflood-$RW-%'")
pk_eq "incidents of $RW after a second flood" "$n_inc" 2
state 0

# ---- a batch: one incident per RW
pk_push "$fix/batch.json"
pk_settle "$ev"
pk_eq "incidents from the batch" \
	"$(pk_sql "SELECT count(*) FROM incidents WHERE source='bpbd-dki' AND source_id LIKE 'rwflood-3172051003-%' AND state='open'")" 2

# ---- PetaBencana GeoJSON: a snapshot opens RW 3175031006-03 ...
pk_push "$fix/petabencana-snapshot.geojson"
pk_settle "$ev"
pb=$(pk_sql "SELECT id FROM incidents WHERE source='petabencana' AND source_id LIKE 'rwflood-3175031006-03-%' AND state='open'")
[ -n "$pb" ] || pk_fail "the PetaBencana GeoJSON opened no incident"
[ "$(pk_count "$ev" "^assign.household .*\"incident\":$pb,")" -gt 0 ] || pk_fail "state \"3\" from PetaBencana placed nobody"
# ... and an empty snapshot closes it (PetaBencana lists only flooded RWs)
pk_push "$fix/petabencana-empty.geojson"
pk_settle "$ev"
pk_wait_grep "$ev" "^incident.closed .*\"incident\":$pb," 1 30 || pk_fail "the empty snapshot did not close $pb"

# ---- broken messages: rejected, nothing changed
n_before=$(pk_sql "SELECT count(*) FROM incidents")
reject() { # file field-text
	local before line
	before=$(pk_count "$ev" '^ingest.rejected .*"origin":"rw_state"')
	pk_push "$1"
	pk_wait_grep "$ev" '^ingest.rejected .*"origin":"rw_state"' $((before + 1)) 30 || pk_fail "$1 was not rejected"
	line=$(grep '^ingest.rejected .*"origin":"rw_state"' "$ev" | tail -n 1)
	echo "$line" | grep -qF "$2" || pk_fail "$1: message lacks '$2': $line"
	echo "ok: $(basename "$1") rejected"
}
reject "$fix/bad-unknown-rw.json" 'unknown RW \"3175081004-99\"'
reject "$fix/bad-state.json" '"field":"state"'
pk_eq "incidents after the rejections" "$(pk_sql "SELECT count(*) FROM incidents")" "$n_before"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
