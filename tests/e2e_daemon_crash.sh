#!/bin/bash
# kill -9 in the middle of a burst of reports, then restart:
#  - every report that was accepted (journaled) is there, once;
#  - the plan rebuilt from the journal: resending the whole burst decides
#    only what was not decided before (the rest are duplicates), no
#    household is assigned twice for one incident, no shelter over capacity;
#  - PRAGMA integrity_check is ok;
#  - the outbox re-publishes unpublished events with the same ids and bytes.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

# 120 small fires at household locations (each hits a handful)
N=${CRASH_N:-120}
burst=$PK_DIR/burst
mkdir -p "$burst"
awk -F, -v n="$N" 'NR > 1 && (NR % 37) == 0 && c < n {
	c++
	printf "{\"v\":1,\"cmd\":\"incident.submit\",\"operator\":\"e2e\",\"args\":{\"report\":{\"v\":1,\"kind\":\"incident.report\",\"source\":\"e2e-crash\",\"source_id\":\"fire-%03d\",\"type\":\"fire\",\"time\":\"2026-12-01T10:00:00+07:00\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[%s,%s],\"radius_m\":60},\"days\":3}}}\n", c, $2, $3
}' "$PK_DATA/households.csv" >"$burst/all.jsonl"
pk_eq "burst size" "$(wc -l <"$burst/all.jsonl")" "$N"

send_all() { # every request through the control socket (REQ waits for the reply)
	local line
	while IFS= read -r line; do
		[ -e "$burst/stop" ] && break
		pk_req "$line" >>"$burst/replies" 2>&1 || echo "no reply" >>"$burst/replies"
	done <"$burst/all.jsonl"
}
send_all &
sender=$!

# kill -9 once some, not all, are decided
for _ in $(seq 1 600); do
	n=$(pk_sql "SELECT count(*) FROM journal WHERE source='e2e-crash'" 2>/dev/null || echo 0)
	[ "$n" -ge 15 ] && break
	sleep 0.05
done
# stop the sender first (its REQ socket would resend the request in flight
# to the restarted poskod), then kill poskod while it decides its queue
touch "$burst/stop"
wait "$sender" 2>/dev/null || true
rm -f "$burst/stop"
pk_kill9
j1=$(pk_sql "SELECT count(*) FROM journal WHERE source='e2e-crash'")
# submitted reports not yet decided are pending in the inbox (protocol.md 1)
p1=$(sqlite3 -batch -bail "$PK_DB" "ATTACH '$PK_DIR/state/inbox.db' AS i;
	SELECT count(*) FROM i.inbox WHERE source='e2e-crash' AND id >
	(SELECT CAST(value AS INTEGER) FROM meta WHERE key='inbox_decided')")
echo "killed with $j1 of $N reports journaled, $p1 pending"
[ "$j1" -ge 1 ] || pk_fail "nothing was journaled before the kill"
[ "$j1" -lt "$N" ] || echo "note: every report was decided before the kill"

pk_eq "integrity after kill -9" "$(pk_sql 'PRAGMA integrity_check')" ok
# every journaled report has its incident, and its decisions
pk_eq "journaled reports without an incident" \
	"$(pk_sql "SELECT count(*) FROM journal j WHERE source='e2e-crash' AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = j.incident AND i.source_id = j.source_id)")" 0
pk_eq "incidents without a journal row" \
	"$(pk_sql "SELECT count(*) FROM incidents i WHERE source='e2e-crash' AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.incident = i.id)")" 0
pk_eq "every incident has its incident.opened in the outbox" \
	"$(pk_sql "SELECT count(*) FROM outbox WHERE topic='incident.opened'")" "$j1"
assigned1=$(pk_sql "SELECT count(*) FROM assignments")

# make the last events unpublished, as if the crash came between commit and
# publish: they must go out again with the same ids and the same bytes
last=$(pk_sql "SELECT max(id) FROM outbox")
pk_sql "UPDATE meta SET value = $last - 5 WHERE key = 'outbox_published'"
grep -E "^[a-z.]+ \{\"v\":1,\"id\":($((last - 4))|$((last - 3))|$((last - 2))|$((last - 1))|$last)," "$ev" |
	sort >"$PK_DIR/before.txt" || true
for p in "${PK_SUBS[@]}"; do kill "$p" 2>/dev/null || true; done
PK_SUBS=()

# a subscriber waiting for poskod to come back
ev2=$PK_DIR/events2.txt
pk_sub_early "$ev2"
sleep 0.2
pk_start
grep -q "journal steps replayed" "$PK_DIR/poskod.log" || pk_fail "no replay logged"
pk_wait_grep "$ev2" "\"id\":$last," 1 20 || pk_fail "event $last was not re-published"
grep -E "^[a-z.]+ \{\"v\":1,\"id\":($((last - 4))|$((last - 3))|$((last - 2))|$((last - 1))|$last)," "$ev2" |
	sort >"$PK_DIR/after.txt"
pk_eq "re-published events" "$(wc -l <"$PK_DIR/after.txt")" 5
if [ -s "$PK_DIR/before.txt" ] && [ "$(wc -l <"$PK_DIR/before.txt")" = 5 ]; then
	cmp -s "$PK_DIR/before.txt" "$PK_DIR/after.txt" ||
		pk_fail "re-published events differ from the first publication"
	echo "ok: re-published with the same bytes"
fi
[ "$p1" = 0 ] || pk_settle "$ev2" # the pending ones are decided first
pk_eq "outbox all published" \
	"$(pk_sql "SELECT count(*) FROM outbox WHERE id > (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'outbox_published')")" 0
if [ "$p1" = 0 ]; then
	pk_eq "restart decided nothing by itself" "$(pk_sql "SELECT count(*) FROM assignments")" "$assigned1"
else
	pk_settle "$ev2"
	pk_eq "restart decided the pending reports" \
		"$(pk_sql "SELECT count(*) FROM journal WHERE source='e2e-crash'")" $((j1 + p1))
fi

# the sender resends everything: what was decided is a duplicate
pk_sub "$ev"
send_all
pk_wait_grep "$ev" '"source":"e2e-crash"' "$N" 120 || pk_fail "not every resent report came out"
pk_settle "$ev"
pk_eq "every report decided exactly once" \
	"$(pk_sql "SELECT count(*) || ' ' || count(DISTINCT source_id) FROM incidents WHERE source='e2e-crash'")" "$N $N"
pk_eq "duplicates = the reports decided before the kill" \
	"$(grep -c '^ingest.accepted .*"source":"e2e-crash".*"duplicate":true' "$ev")" $((j1 + p1))
pk_eq "one journal row per report" \
	"$(pk_sql "SELECT count(*) FROM journal WHERE source='e2e-crash'")" "$N"
pk_eq "no household assigned twice for one incident" \
	"$(pk_sql "SELECT count(*) FROM (SELECT incident, household FROM assignments GROUP BY incident, household HAVING count(*) > 1)")" 0
pk_eq "no household placed in two incidents at once" \
	"$(pk_sql "SELECT count(*) FROM (SELECT household FROM assignments WHERE status IN ('registered','present') GROUP BY household HAVING count(*) > 1)")" 0
pk_eq "no shelter over capacity" \
	"$(pk_sql "SELECT count(*) FROM shelters s WHERE capacity < (SELECT coalesce(sum(persons),0) FROM assignments a WHERE a.shelter=s.id AND a.status IN ('registered','present'))")" 0
pk_eq "integrity at the end" "$(pk_sql 'PRAGMA integrity_check')" ok

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
