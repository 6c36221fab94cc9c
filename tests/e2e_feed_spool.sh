#!/bin/bash
# The spool directory ([cap] spool_dir) through the real poskod: files
# dropped there (CAP XML, RW-state JSON, gate JSON) are decided like
# ingest-socket messages and moved to done/ or failed/ next to a .reason
# file; nothing is lost: every dropped file ends in exactly one of them,
# hidden and other files are left alone, a name taken in done/ gets ".1".
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT
fix=$PK_ROOT/tests/fixtures

pk_setup
spool=$PK_DIR/state/spool
# a file waiting before poskod starts is taken at start
mkdir -p "$spool"
cp "$fix/cap/e2e/exercise.xml" "$spool/00-exercise.xml"
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

drop() { # SRC NAME: write atomically, as docs/feed.md asks
	cp "$1" "$spool/.$2.tmp"
	mv "$spool/.$2.tmp" "$spool/$2"
}
wait_file() { # PATH
	local i
	for i in $(seq 1 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	pk_fail "$1 did not appear"
}

wait_file "$spool/done/00-exercise.xml"
grep -q 'incident' "$spool/done/00-exercise.xml.reason" || pk_fail "reason: $(cat "$spool/done/00-exercise.xml.reason")"

drop "$fix/cap/e2e/alert.xml" 10-alert.xml
wait_file "$spool/done/10-alert.xml.reason"
grep -q '^done: accepted as incident [0-9]* revision 1' "$spool/done/10-alert.xml.reason" ||
	pk_fail "10-alert.xml reason: $(cat "$spool/done/10-alert.xml.reason")"
pk_settle "$ev"
grep '^ingest.accepted' "$ev" | grep -q '"source_id":"bpbd-e2e-banjir-001".*"origin":"cap"' ||
	pk_fail "the spooled Alert was not accepted"
[ "$(pk_count "$ev" '^assign.household')" -gt 0 ] || pk_fail "the spooled Alert placed nobody"

drop "$fix/cap/bad-unclosed-polygon.xml" 20-bad.xml
wait_file "$spool/failed/20-bad.xml.reason"
grep -q '^failed: bad_field: info\[0\].area\[0\].polygon: ring is not closed' "$spool/failed/20-bad.xml.reason" ||
	pk_fail "20-bad.xml reason: $(cat "$spool/failed/20-bad.xml.reason")"
pk_wait_grep "$ev" '^ingest.rejected .*"origin":"cap"' 1 20 || pk_fail "no ingest.rejected for the spooled bad CAP"

# an Update whose incident is unknown: parsed fine, rejected when decided
drop "$fix/cap/bmkg-update.xml" 30-orphan-update.xml
wait_file "$spool/failed/30-orphan-update.xml.reason"
grep -q '^failed: unknown_incident' "$spool/failed/30-orphan-update.xml.reason" ||
	pk_fail "30 reason: $(cat "$spool/failed/30-orphan-update.xml.reason")"

# RW states as JSON
printf '%s' '{"v":1,"kind":"rw.state","source":"petabencana","rw":"3175081004-11","state":3}' >"$spool/.rw.tmp"
mv "$spool/.rw.tmp" "$spool/40-rw.json"
wait_file "$spool/done/40-rw.json.reason"
grep -q 'accepted as incident' "$spool/done/40-rw.json.reason" || pk_fail "40 reason: $(cat "$spool/done/40-rw.json.reason")"

# a gate level without a gate layer configured: failed, with why
printf '%s' '{"v":1,"kind":"gate.level","gate":"Manggarai","level":1}' >"$spool/.g.tmp"
mv "$spool/.g.tmp" "$spool/50-gate.json"
wait_file "$spool/failed/50-gate.json.reason"
grep -q 'floodgates' "$spool/failed/50-gate.json.reason" || pk_fail "50 reason: $(cat "$spool/failed/50-gate.json.reason")"

# not JSON at all
printf 'hello' >"$spool/.x.tmp"
mv "$spool/.x.tmp" "$spool/60-junk.json"
wait_file "$spool/failed/60-junk.json.reason"
grep -q '^failed: bad_json' "$spool/failed/60-junk.json.reason" || pk_fail "60 reason: $(cat "$spool/failed/60-junk.json.reason")"

# the same name again: kept beside the first as .1 (a duplicate: done)
drop "$fix/cap/e2e/alert.xml" 10-alert.xml
wait_file "$spool/done/10-alert.xml.1.reason"
grep -q '^done: duplicate of incident' "$spool/done/10-alert.xml.1.reason" ||
	pk_fail "second 10-alert.xml reason: $(cat "$spool/done/10-alert.xml.1.reason")"

# other names are left alone
printf 'note' >"$spool/README.txt"
sleep 1
[ -e "$spool/README.txt" ] || pk_fail "a .txt file was taken"

# nothing lost: 8 dropped files, 8 in done/ + failed/, none left
left=$(find "$spool" -maxdepth 1 -type f \( -name '*.xml' -o -name '*.json' \) | wc -l)
pk_eq "feed files left in the spool" "$left" 0
n=$(find "$spool/done" "$spool/failed" -type f ! -name '*.reason' | wc -l)
pk_eq "files in done/ and failed/" "$n" 8
r=$(find "$spool/done" "$spool/failed" -type f -name '*.reason' | wc -l)
pk_eq "reason files" "$r" 8

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
