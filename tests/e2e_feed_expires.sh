#!/bin/bash
# CAP <expires> closes the watch, through the real poskod: an Alert that
# expires a few seconds from now opens an incident and evacuates; at its
# expiry poskod closes it by itself (incident.closed, families released).
# An Update with a later <expires> moves the end; an alert without one
# stays open.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT
fix=$PK_ROOT/tests/fixtures/cap

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

capdate() { date -u -d "@$(($1 + 7 * 3600))" +%Y-%m-%dT%H:%M:%S+07:00; } # WIB, as BMKG writes
now=$(date +%s)
# the e2e Alert with <expires> in 4 s
sed -e "s|<identifier>bpbd-e2e-banjir-001</identifier>|<identifier>bpbd-e2e-expires-001</identifier>|" \
	-e "s|<certainty>Observed</certainty>|<certainty>Observed</certainty>\n    <expires>$(capdate $((now + 4)))</expires>|" \
	"$fix/e2e/alert.xml" >"$PK_DIR/expiring.xml"
grep -q '<expires>' "$PK_DIR/expiring.xml" || pk_fail "could not write the expiring alert"
# and one with no <expires>
sed -e "s|<identifier>bpbd-e2e-banjir-001</identifier>|<identifier>bpbd-e2e-noexpiry-001</identifier>|" \
	"$fix/e2e/alert.xml" >"$PK_DIR/lasting.xml"

pk_push "$PK_DIR/lasting.xml"
pk_push "$PK_DIR/expiring.xml"
pk_wait_grep "$ev" '^incident.opened' 2 30 || pk_fail "the alerts opened no incidents"
pk_settle "$ev"
inc=$(pk_sql "SELECT id FROM incidents WHERE source_id='bpbd-e2e-expires-001'")
[ -n "$inc" ] || pk_fail "the expiring alert is not in the store"
pk_eq "state before the expiry" "$(pk_sql "SELECT state FROM incidents WHERE id=$inc")" open

pk_wait_grep "$ev" "^incident.closed .*\"incident\":$inc," 1 20 || pk_fail "the alert did not close at its expiry"
pk_settle "$ev"
pk_eq "state after the expiry" "$(pk_sql "SELECT state FROM incidents WHERE id=$inc")" closed
pk_eq "registered families after the expiry" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")" 0
grep '^ingest.accepted' "$ev" | grep -q "\"source_id\":\"bpbd-e2e-expires-001\",\"action\":\"cancel\".*\"origin\":\"cap\"" ||
	pk_fail "the expiry was not journaled as a CAP cancel"
pk_eq "closings of the expired incident" "$(pk_count "$ev" "^incident.closed .*\"incident\":$inc,")" 1
pk_eq "the alert without expires" \
	"$(pk_sql "SELECT state FROM incidents WHERE source_id='bpbd-e2e-noexpiry-001'")" open

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
