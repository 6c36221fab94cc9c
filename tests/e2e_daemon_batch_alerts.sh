#!/bin/bash
# Shelter occupancy alerts are looked at once per batch of decisions
# (docs/protocol.md 3.4): reports decided together in one transaction
# raise the alerts of the state after the batch.
#
# Deterministic batches: the reports are put in the inbox (state_dir/
# inbox.db, where poskod journals every report on receipt) while poskod
# is stopped, as after a crash between receipt and decision; at the next
# start every pending report is queued at once and decided in one batch.
#  A. the sample flood alone: shelters pass 80 % and alert.shelter is
#     raised (the scenario does cross a threshold);
#  B. the flood and its cancel in one batch: both decided, in order, and
#     no shelter alert is raised or cleared (the occupancy ends where it
#     began); per-decision alerts would have raised and cleared them.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT
flood=$PK_DATA/incidents/flood-2007.json
cancel='{"v":1,"kind":"incident.report","source":"bpbd-dki","source_id":"2007-02-banjir","action":"cancel"}'
base=${TMPDIR:-/tmp}

# inbox DIR [cancel]: a store that has decided nothing (poskod started
# once and stopped, so the inbox is its own schema), with the flood (and
# its cancel) put in the inbox as if received just before a crash.
inbox() {
	pk_setup "$1"
	pk_start
	pk_stop
	sqlite3 -batch -bail "$1/state/inbox.db" \
		"INSERT INTO inbox (id, time, origin, source, source_id, raw)
		 VALUES (1, '2007-02-02T00:00:00Z', 'json', 'bpbd-dki',
		  '2007-02-banjir', readfile('$flood'))"
	if [ "${2:-}" = cancel ]; then
		printf '%s' "$cancel" >"$1/cancel.json"
		sqlite3 -batch -bail "$1/state/inbox.db" \
			"INSERT INTO inbox (id, time, origin, source, source_id,
			  raw) VALUES (2, '2007-02-02T00:00:01Z', 'json',
			  'bpbd-dki', '2007-02-banjir', readfile('$1/cancel.json'))"
	fi
}

# run DIR: start poskod on the prepared inbox, wait for N incident
# events, settle, stop.
run() {
	local want=$2
	pk_setup "$1"
	pk_sub_early "$PK_DIR/events.txt"
	pk_start
	pk_wait_grep "$PK_DIR/events.txt" '^incident\.(opened|closed) ' "$want" 120 ||
		pk_fail "$1: $want incident events never came"
	pk_settle "$PK_DIR/events.txt"
	pk_cleanup
}

# ---- A: the flood alone raises shelter alerts
inbox "$base/a"
run "$base/a" 1
ev=$base/a/events.txt
na=$(pk_count "$ev" '^alert\.shelter .*"state":"raised"')
[ "$na" -gt 0 ] || pk_fail "A: the flood raised no shelter alert"
echo "ok: A: the flood alone raised $na shelter alerts"

# ---- B: the flood and its cancel in one batch
inbox "$base/b" cancel
run "$base/b" 2
ev=$base/b/events.txt
pk_eq "B: the flood opened" "$(pk_count "$ev" '^incident\.opened .*"source_id":"2007-02-banjir"')" 1
pk_eq "B: then closed" "$(pk_count "$ev" '^incident\.closed .*"source_id":"2007-02-banjir"')" 1
first=$(grep -n -m1 -E '^incident\.(opened|closed) ' "$ev" | cut -d: -f2- | cut -d' ' -f1)
pk_eq "B: in arrival order" "$first" incident.opened
placed=$(pk_count "$ev" '^assign\.household .*"status":"registered"')
[ "$placed" -gt 0 ] || pk_fail "B: nobody was placed"
pk_eq "B: every placed family released" \
	"$(pk_count "$ev" '^assign\.household .*"status":"released"')" "$placed"
pk_eq "B: no shelter alert event" "$(pk_count "$ev" '^alert\.shelter ')" 0
pk_eq "B: no shelter alert stored" \
	"$(sqlite3 -batch "$base/b/state/posko.db" "SELECT count(*) FROM alerts WHERE topic='alert.shelter'")" 0
pk_eq "B: both decided" \
	"$(sqlite3 -batch "$base/b/state/posko.db" "SELECT value FROM meta WHERE key='inbox_decided'")" 2
