#!/bin/bash
# CAP 1.2 over the ingest socket, through the real poskod: an Alert opens an
# incident keyed (sender, identifier) and evacuates (responseType
# Evacuate); its Update lands on the same incident (revision 2, wider
# footprint); its Cancel closes it; an Exercise is journaled and never
# allocates; broken CAP is rejected naming the element, with the CAP codes.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT
fix=$PK_ROOT/tests/fixtures/cap

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

# ---- Alert
pk_push "$fix/e2e/alert.xml"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the CAP Alert opened no incident"
pk_settle "$ev"
op=$(grep '^incident.opened' "$ev")
echo "$op" | grep -q '"source":"bpbd_bpbd.jakarta.go.id","source_id":"bpbd-e2e-banjir-001"' ||
	pk_fail "wrong incident key: $op"
echo "$op" | grep -q '"type":"flood"' || pk_fail "not a flood: $op"
echo "$op" | grep -q '"severity":{"evacuate":true}' || pk_fail "responseType Evacuate lost: $op"
grep '^ingest.accepted' "$ev" | grep -q '"origin":"cap"' || pk_fail "ingest.accepted without origin cap"
inc=$(pk_sql "SELECT id FROM incidents WHERE source='bpbd_bpbd.jakarta.go.id' AND source_id='bpbd-e2e-banjir-001'")
[ -n "$inc" ] || pk_fail "incident not in the store"
placed1=$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")
[ "$placed1" -gt 0 ] || pk_fail "the evacuation order placed nobody"
echo "ok: Alert opened incident $inc, $placed1 households placed"

# ---- Update: same incident, one more kelurahan
pk_push "$fix/e2e/update.xml"
pk_wait_grep "$ev" '^incident.updated' 1 60 || pk_fail "the CAP Update did not revise the incident"
pk_settle "$ev"
pk_eq "incidents after the Update" "$(pk_sql "SELECT count(*) FROM incidents")" 1
pk_eq "revision after the Update" "$(pk_sql "SELECT revision FROM incidents WHERE id=$inc")" 2
placed2=$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")
[ "$placed2" -gt "$placed1" ] || pk_fail "the wider Update placed no more households ($placed2 <= $placed1)"
echo "ok: Update on incident $inc, $placed2 households placed"

# ---- Cancel: closes it
pk_push "$fix/e2e/cancel.xml"
pk_wait_grep "$ev" '^incident.closed' 1 60 || pk_fail "the CAP Cancel did not close the incident"
pk_settle "$ev"
pk_eq "state after the Cancel" "$(pk_sql "SELECT state FROM incidents WHERE id=$inc")" closed
pk_eq "registered families after the Cancel" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")" 0

# ---- Exercise: journaled, never allocates
pk_push "$fix/e2e/exercise.xml"
pk_wait_grep "$ev" '^incident.opened .*"exercise":true' 1 60 || pk_fail "the Exercise was not journaled"
pk_settle "$ev"
ex=$(pk_sql "SELECT id FROM incidents WHERE source_id='bpbd-e2e-latihan-001'")
pk_eq "assignments of the Exercise" "$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$ex")" 0

# ---- rejections name the element
reject() { # file code text
	local before
	before=$(pk_count "$ev" '^ingest.rejected')
	pk_push "$1"
	pk_wait_grep "$ev" '^ingest.rejected' $((before + 1)) 30 || pk_fail "$1 was not rejected"
	local line
	line=$(grep '^ingest.rejected' "$ev" | tail -n 1)
	echo "$line" | grep -q "\"code\":\"$2\"" || pk_fail "$1: code is not $2: $line"
	echo "$line" | grep -qF "$3" || pk_fail "$1: message lacks '$3': $line"
	echo "ok: $(basename "$1") rejected: $2"
}
reject "$fix/bad-unclosed-polygon.xml" bad_field 'info[0].area[0].polygon: ring is not closed'
reject "$fix/bad-coordinates.xml" bad_field 'info[0].area[0].polygon: point 2'
reject "$fix/bad-namespace-cap11.xml" bad_cap 'urn:oasis:names:tc:emergency:cap:1.1'
reject "$fix/bad-missing-sender.xml" bad_cap 'expected sender'
reject "$fix/bad-doctype.xml" bad_xml 'DOCTYPE'
pk_eq "incidents after the rejections" "$(pk_sql "SELECT count(*) FROM incidents")" 2

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
