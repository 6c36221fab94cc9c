#!/bin/bash
# The release poskod under valgrind (memcheck, full leak check) on the
# sample flood: open, a replay, a rejection, an update, a control read, a
# cancel, SIGHUP, SIGTERM. Any memory error or leak fails the run
# (--error-exitcode, --errors-for-leak-kinds=definite,indirect).
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3 valgrind
trap pk_cleanup EXIT

POSKOD=${POSKOD_REL:-$PK_ROOT/build/rel/poskod}
[ -x "$POSKOD" ] || pk_fail "$POSKOD is not built"
PK_TIMEOUT=120
PK_REQ_TIMEOUT=90 # a desk write waits for the decision in flight
PK_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --log-file=${TMPDIR:-/tmp}/posko/valgrind.log"
pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

flood=$PK_DATA/incidents/flood-2007.json
pk_push "$flood"
pk_wait_grep "$ev" '^incident.opened' 1 120 || pk_fail "the flood was not opened"
pk_push "$flood"
pk_wait_grep "$ev" '^ingest.accepted .*"duplicate":true' 1 60 || pk_fail "no duplicate"
pk_push_data '{"v":1,"kind":"incident.report","source":"vg","source_id":"x","type":"fire","severity":{"evacuate":true},"footprint":{"point":[106.85,-6.2],"radius_m":-1}}'
pk_wait_grep "$ev" '^ingest.rejected .*"source_id":"x"' 1 60 || pk_fail "no rejection"
# update and cancel on the small fire (the flood's 420 kB polygon would
# be re-read by each step, slow under valgrind)
fire=$(ls "$PK_DATA"/incidents/fire-*.json | head -n 1)
fsrc=$(sed -n 's/.*"source":"\([^"]*\)".*/\1/p' "$fire")
fsid=$(sed -n 's/.*"source_id":"\([^"]*\)".*/\1/p' "$fire")
pk_push "$fire"
pk_wait_grep "$ev" '^incident.opened' 2 120 || pk_fail "the fire was not opened"
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$fsrc\",\"source_id\":\"$fsid\",\"action\":\"update\",\"days\":2}"
pk_wait_grep "$ev" '^incident.updated' 1 120 || pk_fail "no update"
for c in status incident.list shelter.list alerts.list; do
	pk_req "{\"v\":1,\"cmd\":\"$c\",\"args\":{\"state\":\"all\"}}" | grep -q '"ok":true' || pk_fail "$c failed"
done
pk_req '{"v":1,"cmd":"incident.show","args":{"incident":1}}' | grep -q '"ok":true' || pk_fail "incident.show"
pk_req '{"v":1,"cmd":"household.find","args":{"household":1}}' | grep -q '"ok":true' || pk_fail "household.find"
kill -HUP "$PK_PID"
pk_wait_grep "$PK_DIR/poskod.log" 'SIGHUP: configuration .* reloaded' 1 120 || pk_fail "no reload"
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"$fsrc\",\"source_id\":\"$fsid\",\"action\":\"cancel\"}"
pk_req '{"v":1,"cmd":"checkout","operator":"vg","args":{"household":1,"reason":"x"}}' >/dev/null ||
	pk_fail "no reply to checkout"
pk_req '{"v":1,"cmd":"report.spm","args":{"date":"2007-02-02"}}' | grep -q '"ok":true' || pk_fail "report.spm"
pk_req '{"v":1,"cmd":"stock.list"}' | grep -q '"ok":true' || pk_fail "stock.list"
pk_wait_grep "$ev" '^incident.closed' 1 120 || pk_fail "no close"
pk_settle "$ev"

rc=0
pk_stop || rc=$?
if [ $rc -ne 0 ] || [ -s "$PK_DIR/valgrind.log" ]; then
	cat "$PK_DIR/valgrind.log" >&2 || true
	pk_fail "valgrind: exit $rc"
fi
echo "PASS (valgrind clean)"
