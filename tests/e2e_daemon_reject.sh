#!/bin/bash
# Malformed and oversized messages on the ingest socket: each is published
# on ingest.rejected with its code and the field at fault, and nothing
# else changes (row counts equal before and after).
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
# 64 KiB limit, so the sample flood (about 420 kB) is "too large"
sed -i 's/^\[daemon\]$/[daemon]\nmax_message_bytes = 64KiB/' "$PK_CONF"
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

# one good incident first, so there is state to keep unchanged
fire=$(ls "$PK_DATA"/incidents/fire-*.json | head -n 1)
pk_push "$fire"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the fire was not opened"
pk_settle "$ev"

counts() {
	pk_sql "SELECT (SELECT count(*) FROM journal), (SELECT count(*) FROM incidents),
		(SELECT group_concat(revision || state) FROM incidents),
		(SELECT count(*) FROM assignments), (SELECT count(*) FROM dispatches),
		(SELECT count(*) FROM alerts), (SELECT count(*) FROM unplaced),
		(SELECT count(*) FROM outbox WHERE topic != 'ingest.rejected')"
}
before=$(counts)

H='"v":1,"kind":"incident.report","source":"e2e"'
n=0
# reject SOURCE_ID CODE FIELD MESSAGE
reject() {
	local sid=$1 code=$2 field=$3 msg=$4
	n=$((n + 1))
	pk_push_data "$msg"
	pk_wait_grep "$ev" '^ingest.rejected' $((n + 1)) 30 ||
		pk_fail "no ingest.rejected for $sid"
	local line
	line=$(grep '^ingest.rejected' "$ev" | tail -n 1)
	echo "$line" | grep -q "\"code\":\"$code\"" || pk_fail "$sid: want code $code, got: $line"
	if [ "$field" = null ]; then
		echo "$line" | grep -q '"field":null' || pk_fail "$sid: want no field, got: $line"
	else
		echo "$line" | grep -qF "\"field\":\"$field\"" || pk_fail "$sid: want field $field, got: $line"
		echo "$line" | grep -qF "\"message\":\"$field: " || pk_fail "$sid: message does not start with the field: $line"
	fi
	echo "ok: $sid rejected: $code $field"
}

reject bad-json bad_json null '{"v":1,"kind":"incident.report","source":'
reject not-object bad_json null '[1,2,3]'
reject version unsupported_version v "{\"v\":2,\"kind\":\"incident.report\",\"source\":\"e2e\",\"source_id\":\"x\"}"
reject kind unknown_kind kind '{"v":1,"kind":"incident.rapport","source":"e2e","source_id":"x"}'
reject no-source bad_field source '{"v":1,"kind":"incident.report","source_id":"x","type":"fire","severity":{"evacuate":true},"footprint":{"point":[106.85,-6.2],"radius_m":100}}'
reject radius bad_field footprint.radius_m "{$H,\"source_id\":\"r1\",\"type\":\"fire\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[106.85,-6.2],\"radius_m\":-5}}"
reject severity2 bad_field severity "{$H,\"source_id\":\"r2\",\"type\":\"flood\",\"severity\":{\"siaga\":1,\"depth_cm\":30},\"footprint\":{\"point\":[106.85,-6.2],\"radius_m\":100}}"
reject siaga bad_field severity.siaga "{$H,\"source_id\":\"r3\",\"type\":\"flood\",\"severity\":{\"siaga\":7},\"footprint\":{\"point\":[106.85,-6.2],\"radius_m\":100}}"
reject type bad_field type "{$H,\"source_id\":\"r4\",\"type\":\"tsunami\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[106.85,-6.2],\"radius_m\":100}}"
reject kel bad_field 'footprint.kelurahan[1]' "{$H,\"source_id\":\"r5\",\"type\":\"flood\",\"severity\":{\"depth_cm\":80},\"footprint\":{\"kelurahan\":[\"31.72.01.1001\",\"31.71.1001\"]}}"
reject days bad_field days "{$H,\"source_id\":\"r6\",\"type\":\"fire\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[106.85,-6.2],\"radius_m\":100},\"days\":0}"
reject lonlat bad_field 'footprint.point' "{$H,\"source_id\":\"r7\",\"type\":\"fire\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[206.85,-6.2],\"radius_m\":100}}"
reject unknown-inc unknown_incident null "{$H,\"source_id\":\"never-opened\",\"action\":\"update\",\"severity\":{\"siaga\":2}}"
reject too-large too_large null "$(cat "$PK_DATA/incidents/flood-2007.json")"

line=$(grep '^ingest.rejected' "$ev" | tail -n 1)
echo "$line" | grep -q '"bytes":[0-9]\{6\}' || pk_fail "too_large: bytes not given: $line"
pk_settle "$ev"
pk_eq "rejections change nothing" "$(counts)" "$before"
pk_eq "no incident.* event after the rejections" \
	"$(grep -c '^incident\.' "$ev")" 1
st=$(pk_req '{"v":1,"cmd":"status"}')
echo "$st" | grep -q '"incidents":{"open":1}' ||
	pk_fail "poskod does not answer status with one open incident"
# the status counters add up to what the events said
pk_eq "status pipeline.rejected = ingest.rejected events" \
	"$(echo "$st" | sed -n 's/.*"rejected":\([0-9]*\).*/\1/p')" "$(grep -c '^ingest.rejected' "$ev")"
pk_eq "status pipeline.accepted = ingest.accepted events (not duplicates)" \
	"$(echo "$st" | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p')" \
	"$(grep '^ingest.accepted' "$ev" | grep -c '"duplicate":false')"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
