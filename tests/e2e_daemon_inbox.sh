#!/bin/bash
# Reports are durable on receipt (the inbox, docs/protocol.md "Acceptance"):
#  1. a burst of reports on the ingest socket while poskod decides a heavy
#     one, then kill -9 once poskod has read them all: each is either
#     decided (journal) or pending (inbox); after the restart the pending
#     ones are decided first, each exactly once, nothing twice;
#  2. the same with SIGTERM: poskod exits within a few seconds (the backlog
#     is not decided first), exit 0, and after the restart the rest is
#     decided, each once;
#  3. the feed's messages on the socket (an RW flood state, a CAP alert)
#     behind a heavy report, then kill -9: they are in the inbox, and the
#     restart decides each once (the RW state is not lost because its RW
#     table row was already written).
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap 'kill ${PUSHERS[*]:-} 2>/dev/null || true; pk_cleanup' EXIT
PUSHERS=()

pk_setup
pk_start
INBOX=$PK_DIR/state/inbox.db

# N small fires at household locations, source_id PREFIX-NNN
make_burst() { # prefix n file
	awk -F, -v n="$2" -v p="$1" 'NR > 1 && (NR % 41) == 0 && c < n {
		c++
		printf "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"e2e-inbox\",\"source_id\":\"%s-%03d\",\"action\":\"open\",\"type\":\"fire\",\"time\":\"2026-12-01T10:00:00+07:00\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[%s,%s],\"radius_m\":60},\"days\":3}\n", p, c, $2, $3
	}' "$PK_DATA/households.csv" >"$3"
}

# A heavy report (a wide evacuation), so that what follows it waits.
heavy() { # source_id
	local pt
	pt=$(awk -F, 'NR == 500 { print $2 "," $3 }' "$PK_DATA/households.csv")
	printf '{"v":1,"kind":"incident.report","source":"e2e-heavy","source_id":"%s","action":"open","type":"fire","time":"2026-12-01T09:00:00+07:00","severity":{"evacuate":true},"footprint":{"point":[%s],"radius_m":2500},"days":7}' "$1" "$pt"
}

# Send the heavy report, then every line of FILE, each from its own nanocat
# (kept alive: nanomsg drops what is in flight when a socket closes), and
# wait until poskod has read them all.
burst() { # heavy_id file
	pk_burst "$(heavy "$1")" "$2" || pk_fail "poskod did not read the burst"
}

stop_pushers() {
	pk_stop_pushers
	[ ${#PUSHERS[@]} -gt 0 ] || return 0
	kill "${PUSHERS[@]}" 2>/dev/null || true
	wait "${PUSHERS[@]}" 2>/dev/null || true
	PUSHERS=()
}

# journal rows, pending inbox rows, of source_ids LIKE prefix-%
journaled() { pk_sql "SELECT count(*) FROM journal WHERE source='e2e-inbox' AND source_id LIKE '$1-%'"; }
pending() {
	sqlite3 -batch -bail "$PK_DB" "ATTACH '$INBOX' AS i;
		SELECT count(*) FROM i.inbox WHERE source='e2e-inbox' AND source_id LIKE '$1-%'
		AND id > (SELECT CAST(value AS INTEGER) FROM meta WHERE key='inbox_decided')"
}
# every report of the burst exactly once: decided, or pending, not both
check_once() { # prefix n
	local both
	both=$(sqlite3 -batch -bail "$PK_DB" "ATTACH '$INBOX' AS i;
		SELECT count(*) FROM i.inbox b JOIN journal j ON j.source = b.source
		AND j.source_id = b.source_id
		WHERE b.id > (SELECT CAST(value AS INTEGER) FROM meta WHERE key='inbox_decided')")
	pk_eq "$1: pending reports already decided" "$both" 0
	pk_eq "$1: decided + pending" "$(($(journaled "$1") + $(pending "$1")))" "$2"
	pk_eq "$1: distinct decided" \
		"$(pk_sql "SELECT count(DISTINCT source_id) FROM journal WHERE source='e2e-inbox' AND source_id LIKE '$1-%'")" \
		"$(journaled "$1")"
}
wait_decided() { # prefix n
	local i
	for i in $(seq 1 $((PK_TIMEOUT * 10 + 600))); do
		[ "$(journaled "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	pk_fail "$1: only $(journaled "$1") of $2 decided after the restart"
}
after_restart() { # prefix n
	wait_decided "$1" "$2"
	pk_eq "$1: one journal row per report" "$(journaled "$1")" "$2"
	pk_eq "$1: one incident per report" \
		"$(pk_sql "SELECT count(*) || ' ' || count(DISTINCT source_id) FROM incidents WHERE source='e2e-inbox' AND source_id LIKE '$1-%'")" "$2 $2"
	pk_eq "$1: nothing decided twice (no duplicate)" \
		"$(pk_sql "SELECT count(*) FROM outbox WHERE topic='ingest.accepted' AND body LIKE '%\"source\":\"e2e-inbox\"%' AND body LIKE '%\"duplicate\":true%'")" 0
	pk_eq "$1: nothing pending" "$(pending "$1")" 0
	pk_eq "integrity" "$(pk_sql 'PRAGMA integrity_check')" ok
}

# ---- 1. kill -9 -----------------------------------------------------------
N=${INBOX_N:-80}
make_burst crash "$N" "$PK_DIR/crash.jsonl"
burst heavy-1 "$PK_DIR/crash.jsonl"
pk_kill9
stop_pushers
p1=$(pending crash)
echo "killed: $(journaled crash) decided, $p1 pending of $N"
check_once crash "$N"
[ "$p1" -gt 0 ] || echo "note: every report was decided before the kill"
pk_start
grep -q "not yet decided; deciding them first" "$PK_DIR/poskod.log" ||
	[ "$p1" = 0 ] || pk_fail "the restart did not take the pending reports"
after_restart crash "$N"

# ---- 2. SIGTERM with a backlog ----------------------------------------------
make_burst term "$N" "$PK_DIR/term.jsonl"
burst heavy-2 "$PK_DIR/term.jsonl"
t0=$(date +%s%N)
pk_stop || pk_fail "poskod did not exit 0 on SIGTERM"
ms=$((($(date +%s%N) - t0) / 1000000))
stop_pushers
p2=$(pending term)
echo "SIGTERM: exited in $ms ms; $(journaled term) decided, $p2 pending of $N"
[ "$ms" -lt 10000 ] || pk_fail "poskod took $ms ms to stop"
check_once term "$N"
pk_start
after_restart term "$N"

# ---- 3. the feed's messages on the socket ------------------------------------
RW=3175081004-11
nanocat --push --connect "$PK_INGEST" -D "$(heavy heavy-3)" -i 3600 >/dev/null 2>&1 &
PUSHERS+=($!)
sleep 0.05
before=$(pk_received)
nanocat --push --connect "$PK_INGEST" -D "{\"v\":1,\"kind\":\"rw.state\",\"source\":\"petabencana\",\"rw\":\"$RW\",\"state\":2}" -i 3600 >/dev/null 2>&1 &
PUSHERS+=($!)
nanocat --push --connect "$PK_INGEST" -D "$(cat "$PK_ROOT/tests/fixtures/cap/e2e/alert.xml")" -i 3600 >/dev/null 2>&1 &
PUSHERS+=($!)
for _ in $(seq 1 $((PK_TIMEOUT * 20))); do
	[ "$(pk_received)" -ge $((before + 2)) ] && break
	sleep 0.05
done
pk_kill9
stop_pushers
feed_q() { # decided|pending origin
	if [ "$1" = decided ]; then
		pk_sql "SELECT count(*) FROM journal WHERE origin='$2'"
	else
		sqlite3 -batch -bail "$PK_DB" "ATTACH '$INBOX' AS i;
			SELECT count(*) FROM i.inbox WHERE origin='$2' AND id >
			(SELECT CAST(value AS INTEGER) FROM meta WHERE key='inbox_decided')"
	fi
}
for o in rw_state cap; do
	d=$(feed_q decided $o) p=$(feed_q pending $o)
	echo "killed: $o $d decided, $p pending"
	pk_eq "$o: decided + pending before the restart" $((d + p)) 1
done
pk_start
for o in rw_state cap; do
	for _ in $(seq 1 $((PK_TIMEOUT * 10 + 600))); do
		[ "$(feed_q decided $o)" -ge 1 ] && break
		sleep 0.1
	done
	pk_eq "$o: decided once after the restart" "$(feed_q decided $o)" 1
	pk_eq "$o: nothing pending" "$(feed_q pending $o)" 0
done
pk_eq "the RW flood has its incident" \
	"$(pk_sql "SELECT count(*) FROM incidents WHERE source='petabencana' AND source_id LIKE 'rwflood-$RW-%'")" 1
# the RW table learnt the incident decided from the inbox: the RW's next
# state revises it instead of opening a second one
rw_rev() { pk_sql "SELECT revision FROM incidents WHERE source='petabencana' AND source_id LIKE 'rwflood-$RW-%'"; }
r0=$(rw_rev)
pk_push_data "{\"v\":1,\"kind\":\"rw.state\",\"source\":\"petabencana\",\"rw\":\"$RW\",\"state\":3}"
for _ in $(seq 1 $((PK_TIMEOUT * 10))); do
	[ "$(pk_sql "SELECT count(*) FROM journal WHERE origin='rw_state'")" -ge 2 ] && break
	sleep 0.1
done
pk_eq "the RW's next state: still one incident" \
	"$(pk_sql "SELECT count(*) FROM incidents WHERE source='petabencana' AND source_id LIKE 'rwflood-$RW-%'")" 1
pk_eq "the RW's next state revised it" "$(rw_rev)" $((r0 + 1))
pk_eq "integrity" "$(pk_sql 'PRAGMA integrity_check')" ok

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
