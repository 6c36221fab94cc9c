#!/bin/bash
# An update revises an incident (revision 2, incident.updated with the
# changes, only the difference decided, nobody sent home); a cancel closes
# it (incident.closed, registered families released, planned dispatches
# released); a second cancel is a duplicate; an update of a closed incident
# is rejected (incident_closed).
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

fire=$(ls "$PK_DATA"/incidents/fire-*.json | head -n 1)
src=$(sed -n 's/.*"source":"\([^"]*\)".*/\1/p' "$fire")
sid=$(sed -n 's/.*"source_id":"\([^"]*\)".*/\1/p' "$fire")
pk_push "$fire"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the fire was not opened"
pk_settle "$ev"
placed1=$(pk_sql "SELECT placed_hh FROM incidents WHERE id=1")
hh1=$(pk_sql "SELECT group_concat(household) FROM (SELECT household FROM assignments WHERE incident=1 AND status='registered' ORDER BY household)")
[ "$placed1" -gt 0 ] || pk_fail "the fire placed nobody"

# ---- update: a wider radius, a shorter period
radius=$(sed -n 's/.*"radius_m":\([0-9.]*\).*/\1/p' "$fire")
wider=$(awk -v r="$radius" 'BEGIN { printf "%d", r * 2 }')
lonlat=$(sed -n 's/.*"point":\(\[[^]]*\]\).*/\1/p' "$fire")
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$src\",\"source_id\":\"$sid\",\"action\":\"update\",\"footprint\":{\"point\":$lonlat,\"radius_m\":$wider},\"days\":5}"
pk_wait_grep "$ev" '^incident.updated' 1 60 || pk_fail "no incident.updated"
pk_settle "$ev"
up=$(grep '^incident.updated' "$ev")
echo "$up" | grep -q '"revision":2' || pk_fail "update is not revision 2: $up"
echo "$up" | grep -q '"days":5' || pk_fail "update does not carry days 5: $up"
echo "$up" | grep -q '"changes":{"placed":[0-9]*,"released":0,' || pk_fail "an update released families: $up"
pk_eq "store revision" "$(pk_sql "SELECT revision FROM incidents WHERE id=1")" 2
pk_eq "journal rows for the incident" "$(pk_sql "SELECT count(*) FROM journal WHERE incident=1")" 2
placed2=$(pk_sql "SELECT placed_hh FROM incidents WHERE id=1")
[ "$placed2" -ge "$placed1" ] || pk_fail "the update placed fewer ($placed2 < $placed1)"
# nobody placed by revision 1 was moved or sent home
pk_eq "revision 1 families still registered" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=1 AND status='registered' AND household IN ($hh1)")" \
	"$placed1"
pk_eq "no household twice" \
	"$(pk_sql "SELECT count(*) FROM (SELECT household FROM assignments WHERE incident=1 GROUP BY household HAVING count(*)>1)")" 0
# meals now end after 5 days: no planned meal line past the 5th day
start=$(pk_sql "SELECT min(day) FROM dispatches WHERE incident=1 AND kind='meals'")
pk_eq "no meals planned past day 5" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=1 AND kind='meals' AND status='planned' AND day >= date('$start', '+5 days')")" 0
pk_eq "same update again is a duplicate (no revision 3)" "$(
	pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$src\",\"source_id\":\"$sid\",\"action\":\"update\",\"footprint\":{\"point\":$lonlat,\"radius_m\":$wider},\"days\":5}"
	pk_wait_grep "$ev" '^ingest.accepted .*"duplicate":true' 1 30 || true
	pk_settle "$ev"
	pk_sql "SELECT revision FROM incidents WHERE id=1")" 2

# ---- cancel
placed_p=$(pk_sql "SELECT coalesce(sum(persons),0) FROM assignments WHERE incident=1 AND status='registered'")
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$src\",\"source_id\":\"$sid\",\"action\":\"cancel\"}"
pk_wait_grep "$ev" '^incident.closed' 1 60 || pk_fail "no incident.closed"
pk_settle "$ev"
cl=$(grep '^incident.closed' "$ev")
echo "$cl" | grep -q '"reason":"cancel"' || pk_fail "closed without reason cancel: $cl"
pk_eq "incident closed in the store" "$(pk_sql "SELECT state FROM incidents WHERE id=1")" closed
pk_eq "no registered family left" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=1 AND status='registered'")" 0
pk_eq "released families" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=1 AND status='released'")" "$placed2"
pk_eq "released assign.household events" \
	"$(grep -c '^assign.household .*"status":"released"' "$ev")" "$placed2"
pk_eq "no planned dispatch left" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=1 AND status='planned'")" 0
pk_eq "nothing reserved any more" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE status='planned'")" 0
echo "(released $placed2 households, $placed_p persons)"

# ---- cancel again: a duplicate, nothing changes
nj=$(pk_sql "SELECT count(*) FROM journal")
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$src\",\"source_id\":\"$sid\",\"action\":\"cancel\"}"
pk_wait_grep "$ev" '^ingest.accepted .*"action":"cancel".*"duplicate":true' 1 30 ||
	pk_fail "second cancel is not a duplicate"
pk_eq "second cancel: journal unchanged" "$(pk_sql "SELECT count(*) FROM journal")" "$nj"

# ---- update of a closed incident: rejected
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$src\",\"source_id\":\"$sid\",\"action\":\"update\",\"severity\":{\"evacuate\":true},\"days\":3}"
pk_wait_grep "$ev" '^ingest.rejected .*"code":"incident_closed"' 1 30 ||
	pk_fail "update of a closed incident not rejected"
pk_eq "after the rejected update: journal unchanged" "$(pk_sql "SELECT count(*) FROM journal")" "$nj"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
