#!/bin/bash
# The store cannot write (a full disk, an I/O error): no report is dropped.
# poskod holds deciding, keeps the reports it receives (in arrival order),
# retries after a pause (1 s doubling to 60 s), and decides them all once
# the store writes again; a SIGTERM meanwhile leaves them in the inbox for
# the next start. Before, each report's decision failed, was logged "not
# decided" and dropped: no ingest.accepted, no ingest.rejected, and the
# next decided report moved the inbox past it.
#
# The failure is real: the store's files may not grow past their size
# (RLIMIT_FSIZE on the running poskod, set with prlimit), so SQLite's
# writes fail with EFBIG, as they would with ENOSPC on a full disk.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3 prlimit
trap pk_cleanup EXIT

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

# reports at household locations: small fires (about one family each),
# and one heavy report (hundreds of families: writes past any small limit)
fire() { # source_id line_of_households.csv radius
	local pt
	pt=$(awk -F, -v n="$2" 'NR == n { print $2 "," $3 }' "$PK_DATA/households.csv")
	printf '{"v":1,"kind":"incident.report","source":"e2e-df","source_id":"%s","action":"open","type":"fire","time":"2026-12-01T10:00:00+07:00","severity":{"evacuate":true},"footprint":{"point":[%s],"radius_m":%s},"days":3}' "$1" "$pt" "$3"
}
accepted() { pk_count "$ev" "^ingest\\.accepted .*\"source_id\":\"$1\""; }
status_field() { pk_req '{"v":1,"cmd":"status"}' | sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[a-z0-9]*\\).*/\\1/p"; }
# no file of poskod may grow past its size now (the log is far smaller)
disk_full() {
	local wal lim
	wal=$(stat -c %s "$PK_DIR/state/posko.db-wal")
	lim=$((wal + 4096))
	[ "$(stat -c %s "$PK_DIR/poskod.log")" -lt "$lim" ] ||
		pk_fail "poskod.log is larger than the WAL: the limit would cut the log"
	prlimit --pid "$PK_PID" --fsize="$lim:unlimited"
}
disk_freed() { prlimit --pid "$PK_PID" --fsize=unlimited:unlimited; }
# status.pipeline.queued reaches N (a retry that is running holds the
# batch out of the count: look again)
wait_queued() {
	local _
	for _ in $(seq 1 $((PK_TIMEOUT * 10))); do
		[ "$(status_field queued)" = "$1" ] && { echo "ok: $1 reports wait"; return 0; }
		sleep 0.1
	done
	pk_fail "not $1 reports waiting: $(pk_req '{"v":1,"cmd":"status"}')"
}
wait_held() {
	local _
	for _ in $(seq 1 $((PK_TIMEOUT * 10))); do
		[ "$(status_field held)" = true ] && return 0
		sleep 0.1
	done
	pk_fail "poskod did not hold deciding: $(pk_req '{"v":1,"cmd":"status"}')"
}

# a first report decided as usual: one family registered for the desk
pk_push_data "$(fire a-1 700 60)"
pk_wait_grep "$ev" '^ingest\.accepted .*"source_id":"a-1"' 1 30 || pk_fail "a-1 not accepted"
pk_settle "$ev"
hh=$(pk_sql "SELECT household FROM assignments WHERE status='registered' ORDER BY id LIMIT 1")
sh=$(pk_sql "SELECT shelter FROM assignments WHERE household=$hh AND status='registered'")
[ -n "$hh" ] || pk_fail "a-1 registered nobody"

# ---- 1. the disk fills: four reports wait, nothing is dropped
disk_full
pk_push_data "$(fire b-1 500 2500)"
wait_held
pk_push_data "$(fire b-2 820 60)"
pk_push_data "$(fire b-3 1230 60)"
pk_push_data "$(fire b-4 1640 60)"
pk_wait_grep "$PK_DIR/poskod.log" 'deciding is held, .* \(try 2\)' 1 30 ||
	pk_fail "no second try logged"
wait_queued 4
grep -q 'store: writing failed: disk I/O error.*none is dropped' "$PK_DIR/poskod.log" ||
	pk_fail "the log does not say why: $(grep 'store:' "$PK_DIR/poskod.log" | tail -n 2)"
case "$(status_field store_error)" in
*"disk I/O error"*) echo "ok: status says the store cannot write" ;;
*) pk_fail "status.pipeline.store_error: $(status_field store_error)" ;;
esac
pk_eq "accepted while held" "$(pk_count "$ev" '^ingest\.accepted .*"source":"e2e-df"')" 1
pk_eq "rejected while held" "$(pk_count "$ev" '^ingest\.rejected .*"source":"e2e-df"')" 0
pk_eq "journal while held" "$(pk_sql "SELECT count(*) FROM journal WHERE source='e2e-df'")" 1
! grep -q 'not decided' "$PK_DIR/poskod.log" || pk_fail "a report was dropped: $(grep 'not decided' "$PK_DIR/poskod.log")"
# the desk console says it first, in plain words
CTL=${POSKOCTL:-$PK_ROOT/build/asan/poskoctl}
if [ -x "$CTL" ]; then
	out=$(LANG=C.UTF-8 "$CTL" --config "$PK_CONF" status 2>&1) || pk_fail "poskoctl status: $out"
	echo "$out" | grep -q 'poskod cannot write its store (disk I/O error.*): 4 reports wait, none is lost' ||
		pk_fail "poskoctl status does not say the store cannot write: $out"
	echo "ok: poskoctl status says the store cannot write, 4 reports wait"
fi
# the desk is told why its write changed nothing
checkin="{\"v\":1,\"cmd\":\"checkin\",\"operator\":\"t\",\"args\":{\"household\":$hh,\"shelter\":\"$sh\"}}"
r=$(pk_req "$checkin")
case "$r" in
*'"code":"internal"'*'the store cannot write'*) echo "ok: the desk's check-in refused: the store cannot write" ;;
*) pk_fail "check-in while the store cannot write: $r" ;;
esac
# refused before it was tried: no failed write, so no rebuild for it
pk_eq "desk writes tried while held" \
	"$(pk_count "$PK_DIR/poskod.log" 'plan: a rolled-back write may have changed it')" 0

# ---- the disk is freed: all four decided, in their order, each once
disk_freed
for _ in $(seq 1 900); do
	[ "$(pk_count "$ev" '^ingest\.accepted .*"source":"e2e-df"')" -ge 5 ] && break
	sleep 0.1
done
pk_settle "$ev"
for id in b-1 b-2 b-3 b-4; do
	pk_eq "$id accepted" "$(accepted "$id")" 1
done
pk_eq "rejected" "$(pk_count "$ev" '^ingest\.rejected .*"source":"e2e-df"')" 0
pk_eq "incidents in arrival order" \
	"$(pk_sql "SELECT group_concat(source_id, ' ') FROM (SELECT source_id FROM incidents WHERE source='e2e-df' ORDER BY id)")" \
	"a-1 b-1 b-2 b-3 b-4"
pk_eq "journal rows" "$(pk_sql "SELECT count(*) FROM journal WHERE source='e2e-df'")" 5
grep -q 'store: writes work again after' "$PK_DIR/poskod.log" || pk_fail "no recovery logged"
pk_eq "held after" "$(status_field held)" false
pk_eq "store_error after" "$(status_field store_error)" null
r=$(pk_req "$checkin")
echo "$r" | grep -q '"ok":true' || pk_fail "check-in sent again: $r"

# ---- 2. full again, then SIGTERM: the waiting reports stay in the inbox
disk_full
pk_push_data "$(fire c-1 1900 2500)"
wait_held
pk_push_data "$(fire c-2 2050 60)"
wait_queued 2
pk_stop || pk_fail "poskod did not exit 0 on SIGTERM while held"
pk_eq "c reports pending in the inbox" \
	"$(pk_sql "ATTACH '$PK_DIR/state/inbox.db' AS i; SELECT group_concat(source_id, ' ')
	FROM (SELECT source_id FROM i.inbox WHERE source_id LIKE 'c-%' AND id >
	(SELECT CAST(value AS INTEGER) FROM meta WHERE key='inbox_decided') ORDER BY id)")" "c-1 c-2"
pk_start
pk_wait_count 2 "SELECT count(*) FROM journal WHERE source_id LIKE 'c-%'"
pk_eq "c reports decided after the restart" \
	"$(pk_sql "SELECT group_concat(source_id, ' ') FROM (SELECT source_id FROM journal WHERE source_id LIKE 'c-%' ORDER BY id)")" \
	"c-1 c-2"

# ---- 3. the inbox cannot write (a trigger refuses its rows): the report
# read is decided from memory, and the ingest socket is not read for a
# while (its sender waits), then read again; a stop while such a report
# waits says it is lost
pk_settle "$ev"
inbox=$PK_DIR/state/inbox.db
sqlite3 "$inbox" "CREATE TRIGGER e2e_refuse BEFORE INSERT ON inbox
	WHEN NEW.source_id LIKE 'm-%' BEGIN SELECT RAISE(FAIL, 'e2e: inbox full'); END"
pk_push_data "$(fire m-1 2200 60)"
pk_wait_grep "$PK_DIR/poskod.log" 'inbox: cannot write; 1 reports read are only in memory until decided; the ingest socket is not read for 1 s' 1 30 ||
	pk_fail "no inbox pause logged: $(grep 'inbox' "$PK_DIR/poskod.log" | tail -n 3)"
pk_wait_grep "$ev" '^ingest\.accepted .*"source_id":"m-1"' 1 30 || pk_fail "m-1 (memory only) not decided"
# the next report is read after the pause; its row is refused too: the
# second pause is longer, and status shows the socket not read
pk_push_data "$(fire m-2 2350 60)"
pk_wait_grep "$PK_DIR/poskod.log" 'the ingest socket is not read for 2 s' 1 30 ||
	pk_fail "no second, longer inbox pause"
pk_eq "status: ingest paused" "$(status_field ingest_paused)" true
pk_wait_grep "$ev" '^ingest\.accepted .*"source_id":"m-2"' 1 30 || pk_fail "m-2 not decided"
sqlite3 "$inbox" "DROP TRIGGER e2e_refuse"
pk_push_data "$(fire m-3 2500 60)"
pk_wait_grep "$ev" '^ingest\.accepted .*"source_id":"m-3"' 1 30 || pk_fail "m-3 not decided"
pk_wait_grep "$PK_DIR/poskod.log" 'inbox: writes work again' 1 30 || pk_fail "no inbox recovery logged"
pk_eq "m-3 in the inbox" "$(sqlite3 "$inbox" "SELECT count(*) FROM inbox WHERE source_id='m-3'")" 1
pk_eq "m-1, m-2 not in the inbox" "$(sqlite3 "$inbox" "SELECT count(*) FROM inbox WHERE source_id IN ('m-1','m-2')")" 0
# both at once: the report is only in memory and cannot be decided
sqlite3 "$inbox" "CREATE TRIGGER e2e_refuse BEFORE INSERT ON inbox
	WHEN NEW.source_id LIKE 'n-%' BEGIN SELECT RAISE(FAIL, 'e2e: inbox full'); END"
disk_full
pk_push_data "$(fire n-1 2650 2500)"
wait_held
pk_stop || pk_fail "poskod did not exit 0 on SIGTERM"
grep -q '1 reports read while the inbox could not be written are lost with this stop' "$PK_DIR/poskod.log" ||
	pk_fail "the stop does not say n-1 is lost: $(tail -n 5 "$PK_DIR/poskod.log")"
pk_start
# again, but the inbox works again before the stop: the waiting report
# is journaled then (its own id, its place), so the stop keeps it
pk_sub "$ev"
disk_full
pk_push_data "$(fire n-2 2800 2500)"
wait_held
pk_wait_grep "$PK_DIR/poskod.log" 'inbox: cannot write; 1 reports read are only in memory' 2 30 ||
	pk_fail "n-2's inbox row was not refused"
sqlite3 "$inbox" "DROP TRIGGER e2e_refuse"
pk_wait_grep "$PK_DIR/poskod.log" 'inbox: writes work again; the 1 reports read while it could not be written are journaled now' 1 30 ||
	pk_fail "n-2 not journaled once the inbox works: $(grep 'inbox' "$PK_DIR/poskod.log" | tail -n 3)"
pk_stop || pk_fail "poskod did not exit 0 on SIGTERM"
grep -c 'lost with this stop' "$PK_DIR/poskod.log" | grep -qx 1 || pk_fail "this stop lost a report"
pk_eq "n-2 pending in the inbox" \
	"$(pk_sql "ATTACH '$inbox' AS i; SELECT group_concat(source_id, ' ') FROM i.inbox
	WHERE source_id LIKE 'n-%' AND id > (SELECT CAST(value AS INTEGER) FROM meta WHERE key='inbox_decided')")" n-2
pk_start
pk_wait_count 1 "SELECT count(*) FROM journal WHERE source_id='n-2'"
pk_eq "n-2 decided after the restart" "$(pk_sql "SELECT count(*) FROM journal WHERE source_id='n-2'")" 1
pk_eq "n-1 never decided (lost, as the stop said)" "$(pk_sql "SELECT count(*) FROM journal WHERE source_id='n-1'")" 0
pk_eq "integrity" "$(pk_sql 'PRAGMA integrity_check')" ok
pk_stop
echo "PASS"
