#!/bin/bash
# CAP 1.2 out through the real poskod: shelter-capacity and
# unplaced-evacuee alerts are also published as CAP (events topic
# cap.alert, files <identifier>.xml in [cap] outbox_dir). Raised = Alert; a
# level change (here the desk lowering a shelter's capacity) = one Update
# referencing the Alert; cleared = Cancel referencing the Alert. Every
# document validates against docs/cap/CAP-v1.2.xsd with xmllint, and
# `poskoctl feed cap` lists the open ones.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3 xmllint
trap pk_cleanup EXIT
fix=$PK_ROOT/tests/fixtures/cap
xsd=$PK_ROOT/docs/cap/CAP-v1.2.xsd

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"
out=$PK_DIR/state/cap-out

# ---- raised -> Alert
pk_push "$fix/e2e/alert.xml"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the CAP Alert opened no incident"
pk_settle "$ev"
nsh=$(pk_count "$ev" '^alert.shelter .*"state":"raised"')
nun=$(pk_count "$ev" '^alert.unplaced .*"state":"raised"')
[ "$nsh" -gt 0 ] || pk_fail "the scenario raised no shelter alert"
pk_eq "CAP Alerts for shelter alerts" "$(pk_count "$ev" '^cap.alert .*"topic":"alert.shelter",.*"msg_type":"Alert"')" "$nsh"
pk_eq "CAP Alerts for unplaced alerts" "$(pk_count "$ev" '^cap.alert .*"topic":"alert.unplaced",.*"msg_type":"Alert"')" "$nun"

# a shelter at warn: S with R registered
line=$(grep '^alert.shelter .*"state":"raised".*"level":"warn"' "$ev" | head -n 1)
[ -n "$line" ] || pk_fail "no shelter at warn level"
S=$(echo "$line" | sed 's/.*"shelter":"\([^"]*\)".*/\1/')
R=$(echo "$line" | sed 's/.*"registered":\([0-9]*\).*/\1/')
cap1=$(grep "^cap.alert .*\"subject\":\"$S\"" "$ev" | head -n 1)
id1=$(echo "$cap1" | sed 's/.*"identifier":"\([^"]*\)".*/\1/')
[ -s "$out/$id1.xml" ] || pk_fail "no outbox file $id1.xml"
grep -q '<msgType>Alert</msgType>' "$out/$id1.xml" || pk_fail "$id1.xml is not an Alert"
grep -q "<value>$S</value>" "$out/$id1.xml" || pk_fail "$id1.xml does not name $S"
echo "ok: $S at warn ($R registered) -> $id1"

# ---- level change -> one Update referencing the Alert
reply=$(pk_req "{\"v\":1,\"cmd\":\"shelter.set_capacity\",\"operator\":\"e2e\",\"args\":{\"shelter\":\"$S\",\"capacity\":$R,\"reason\":\"e2e\"}}")
echo "$reply" | grep -q '"ok":true' || pk_fail "set_capacity: $reply"
pk_settle "$ev"
pk_wait_grep "$ev" "^cap.alert .*\"subject\":\"$S\",.*\"msg_type\":\"Update\"" 1 20 || pk_fail "no CAP Update for $S"
upd=$(grep "^cap.alert .*\"subject\":\"$S\",.*\"msg_type\":\"Update\"" "$ev" | tail -n 1)
pk_eq "CAP Updates for $S" "$(pk_count "$ev" "^cap.alert .*\"subject\":\"$S\",.*\"msg_type\":\"Update\"")" 1
echo "$upd" | grep -q "\"references\":\[\"$id1\"\]" || pk_fail "the Update does not reference $id1: $(echo "$upd" | cut -c1-300)"
id2=$(echo "$upd" | sed 's/.*"identifier":"\([^"]*\)".*/\1/')
grep -q "<references>[^<]*,$id1,[^<]*</references>" "$out/$id2.xml" || pk_fail "$id2.xml: references"
grep -q '<value>full</value>' "$out/$id2.xml" || pk_fail "$id2.xml is not at level full"

# ---- poskoctl feed cap lists the open documents
if [ -n "${POSKOCTL:-}" ] && [ -x "$POSKOCTL" ]; then
	"$POSKOCTL" --control "$PK_CONTROL" feed cap --json >"$PK_DIR/feedcap.json" ||
		pk_fail "poskoctl feed cap failed"
	grep -q "\"identifier\": *\"$id2\"" "$PK_DIR/feedcap.json" || pk_fail "feed cap does not list $id2"
fi

# ---- cleared -> Cancel referencing the Alert (and the latest)
pk_push "$fix/e2e/cancel.xml"
pk_wait_grep "$ev" '^incident.closed' 1 60 || pk_fail "the CAP Cancel did not close the incident"
pk_settle "$ev"
can=$(grep "^cap.alert .*\"subject\":\"$S\",.*\"msg_type\":\"Cancel\"" "$ev" | tail -n 1)
[ -n "$can" ] || pk_fail "no CAP Cancel for $S"
echo "$can" | grep -q "\"references\":\[\"$id1\",\"$id2\"\]" || pk_fail "the Cancel references: $(echo "$can" | cut -c1-300)"
id3=$(echo "$can" | sed 's/.*"identifier":"\([^"]*\)".*/\1/')
grep -q '<msgType>Cancel</msgType>' "$out/$id3.xml" || pk_fail "$id3.xml is not a Cancel"
pk_eq "CAP Cancels" "$(pk_count "$ev" '^cap.alert .*"msg_type":"Cancel"')" "$((nsh + nun))"

# ---- every document posko wrote is CAP 1.2
n=0
for f in "$out"/*.xml; do
	xmllint --noout --nonet --schema "$xsd" "$f" 2>"$PK_DIR/xmllint.err" ||
		pk_fail "$f does not validate: $(cat "$PK_DIR/xmllint.err")"
	n=$((n + 1))
done
pk_eq "outbox files = cap.alert events" "$n" "$(pk_count "$ev" '^cap.alert ')"
echo "ok: $n CAP documents validate against CAP-v1.2.xsd"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
