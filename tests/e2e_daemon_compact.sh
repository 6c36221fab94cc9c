#!/bin/bash
# poskod lets go of the released dispatch lines of closed incidents
# (alloc_plan_compact; POSKOD_COMPACT_ALWAYS=1 makes it do so after every
# decision instead of once the plan has doubled to thousands of lines). Nothing
# anyone sees changes: dispatch numbers are kept (the store's rows, the
# events, dispatch.confirm), a new line never reuses a number, a released
# line that left the plan is refused as released, and a restart (which
# compacts while it replays) gives the same numbers. The plan also forgets
# closed incidents' household records (alloc_plan_forget_closed); what
# household.find tells of them (affected_by, received) is kept: the same
# answer as from a plan that never forgot (a restart without the hook), and
# from a store from before migration 7 whose history the replay writes.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

export POSKOD_COMPACT_ALWAYS=1
pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

fire=$(ls "$PK_DATA"/incidents/fire-*.json | head -n 1)
sid=$(sed -n 's/.*"source_id":"\([^"]*\)".*/\1/p' "$fire")
src=$(sed -n 's/.*"source":"\([^"]*\)".*/\1/p' "$fire")
report() { # SOURCE_ID ACTION [DAYS]: the sample fire under another id
	pk_push_data "$(sed -e "s/\"source_id\":\"$sid\"/\"source_id\":\"$1\"/" \
		-e "s/\"action\":\"open\"/\"action\":\"$2\"/" \
		-e "s/\"days\":[0-9]*/\"days\":${3:-7}/" "$fire")"
}
req() { pk_req "{\"v\":1,\"cmd\":\"dispatch.confirm\",\"operator\":\"t\",\"args\":{\"dispatch\":$1}}"; }
confirm_ok() { # ID WHEN: dispatch.confirm accepted, the row and an event say so
	local r
	r=$(req "$1")
	echo "$r" | grep -q '"ok":true' || pk_fail "confirm of $1 $2: $r"
	pk_eq "line $1 confirmed $2" \
		"$(pk_sql "SELECT status FROM dispatches WHERE id=$1")" confirmed
	pk_wait_grep "$ev" "^dispatch\\.[a-z]* .*\"dispatch\":$1,.*\"status\":\"confirmed\"" 1 10 ||
		pk_fail "no confirmed event for line $1"
}
# every dispatch row of the store is what its last event said, and every
# numbered line has one row (events before a restart in $ev0)
ev0=/dev/null
store_is_events() {
	pk_settle "$ev"
	cat "$ev0" "$ev" >"$PK_DIR/all-events.txt"
	pk_evdb "$PK_DIR/all-events.txt"
	pk_eq "$1: rows whose last event differs" "$(pk_evq "ATTACH '$PK_DB' AS s;
		SELECT count(*) FROM s.dispatches d JOIN (SELECT j->>'dispatch' AS id,
		  coalesce(j->>'meals', j->>'qty') AS q, j->>'status' AS st, max(j->>'id')
		  FROM ev WHERE topic IN ('dispatch.meals','dispatch.sandang')
		  GROUP BY j->>'dispatch') e ON e.id = d.id
		WHERE e.q != d.qty OR e.st != d.status")" 0
	pk_eq "$1: numbered lines = rows" "$(pk_evq "SELECT count(DISTINCT j->>'dispatch')
		FROM ev WHERE topic IN ('dispatch.meals','dispatch.sandang')")" \
		"$(pk_sql "SELECT count(*) FROM dispatches")"
}

report A open
report B open
pk_wait_grep "$ev" '^incident.opened' 2 60 || pk_fail "the two fires were not opened"
pk_settle "$ev"
na=$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=1")
nb=$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=2")
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || pk_fail "no dispatch lines ($na, $nb)"
max0=$(pk_sql "SELECT max(id) FROM dispatches")

# ---- A's history: what A sent to one family's shelter, confirmed (first
# day's meals, the kits), so household.find has something to tell of A
# (its meals count no day: the family left the day it came)
hA=$(pk_sql "SELECT household FROM assignments WHERE incident=1 ORDER BY id LIMIT 1")
sA=$(pk_sql "SELECT shelter FROM assignments WHERE incident=1 AND household=$hA")
dA=$(pk_sql "SELECT min(day) FROM dispatches WHERE incident=1 AND shelter='$sA' AND kind='meals'")
for id in $(pk_sql "SELECT id FROM dispatches WHERE incident=1 AND shelter='$sA' AND status='planned' AND qty > 0 AND (kind='sandang' OR day='$dA')"); do
	confirm_ok "$id" "(A's)"
done

# the family moves to another of A's shelters: two stays, kept apart
tA=$(pk_sql "SELECT shelter FROM assignments WHERE incident=1 AND shelter != '$sA' LIMIT 1")
[ -n "$tA" ] || pk_fail "A used one shelter only"
r=$(pk_req "{\"v\":1,\"cmd\":\"transfer\",\"operator\":\"t\",\"args\":{\"household\":$hA,\"incident\":1,\"shelter\":\"$tA\",\"reason\":\"e2e: two stays\"}}")
echo "$r" | grep -q '"ok":true' || pk_fail "transfer of $hA to $tA: $r"

# ---- A cancelled: its lines are released, then let go by the plan
report A cancel
pk_wait_grep "$ev" '^incident.closed' 1 60 || pk_fail "A was not closed"
pk_settle "$ev"
grep -q "released dispatch lines of closed incidents let go" "$PK_DIR/poskod.log" ||
	pk_fail "the plan kept A's released lines"
pk_eq "A's rows, all released (or confirmed)" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=1 AND status != 'planned'")" "$na"
store_is_events "after the compaction"

# a released line of A (no longer in the plan) is refused as released
da=$(pk_sql "SELECT max(id) FROM dispatches WHERE incident=1 AND status='released'")
r=$(req "$da")
echo "$r" | grep -q '"code":"conflict"' && echo "$r" | grep -q 'is released' ||
	pk_fail "confirm of released line $da: $r"
# B's lines are found by their numbers: confirm the last planned one
db=$(pk_sql "SELECT max(id) FROM dispatches WHERE incident=2 AND status='planned' AND qty > 0")
confirm_ok "$db" "by its number"

# ---- B grows: new lines get new numbers, A's rows stay A's
report B update 12
pk_wait_grep "$ev" '^incident.updated' 1 60 || pk_fail "B was not updated"
pk_settle "$ev"
[ "$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=2")" -gt "$nb" ] ||
	pk_fail "12 days planned no new line"
pk_eq "new lines numbered after the old ones" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=2 AND id > $max0")" \
	$(($(pk_sql "SELECT count(*) FROM dispatches WHERE incident=2") - nb))
pk_eq "A's rows after B's update" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=1 AND status != 'planned'")" "$na"
store_is_events "after the update"

# ---- restart: the replay compacts too and numbers the lines alike
rows=$(pk_sql "SELECT group_concat(id || ':' || incident || ':' || qty || ':' || status, ' ') FROM (SELECT * FROM dispatches ORDER BY id)")
pk_stop
ev0=$PK_DIR/events-before-restart.txt
mv "$ev" "$ev0"
: >"$PK_DIR/poskod.log"
pk_start
pk_sub "$ev"
grep -q "released dispatch lines of closed incidents let go" "$PK_DIR/poskod.log" ||
	pk_fail "the replay kept A's released lines"
db2=$(pk_sql "SELECT min(id) FROM dispatches WHERE incident=2 AND status='planned' AND qty > 0")
confirm_ok "$db2" "after the restart"
r=$(req "$db")
echo "$r" | grep -q '"code":"conflict"' || pk_fail "line $db confirmed twice: $r"
pk_eq "rows unchanged by the restart (but $db2)" \
	"$(pk_sql "SELECT group_concat(id || ':' || incident || ':' || qty || ':' || CASE WHEN id=$db2 THEN 'planned' ELSE status END, ' ') FROM (SELECT * FROM dispatches ORDER BY id)")" \
	"$rows"
max1=$(pk_sql "SELECT max(id) FROM dispatches")
report B cancel
pk_wait_grep "$ev" '^incident.closed' 1 60 || pk_fail "B was not closed"
report C open
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "C was not opened"
pk_settle "$ev"
pk_eq "C's lines numbered after every earlier one" \
	"$(pk_sql "SELECT min(id) > $max1 FROM dispatches WHERE incident=3")" 1
pk_eq "A's rows after the restart" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=1 AND status != 'planned'")" "$na"
store_is_events "after the restart"
pk_eq "integrity" "$(pk_sql "PRAGMA integrity_check")" ok

# ---- household.find of A's family: A's records were forgotten, its
# history kept; a plan that never forgot (restart without the hook, whose
# replay keeps every record: thresholds far above this) answers the same
grep -q "household records of closed incidents let go" "$PK_DIR/poskod.log" ||
	pk_fail "the plan kept the closed incidents' household records"
hfind() {
	pk_req "{\"v\":1,\"cmd\":\"household.find\",\"args\":{\"household\":$1}}"
}
f1=$(hfind "$hA")
echo "$f1" | grep -q '"affected_by":\[1,2,3\]' || pk_fail "household $hA: A, B and C not in affected_by: $f1"
echo "$f1" | grep -q '"kit_[a-z]*":[1-9]' || pk_fail "household $hA: no kits received: $f1"
# what it tells of the closed ones is the store's (household_history,
# written at each close), of the open one the plan's
pk_eq "history rows of the open incident C" \
	"$(pk_sql "SELECT count(*) FROM household_history WHERE incident=3")" 0
pk_eq "families of A in the history = A's assignments" \
	"$(pk_sql "SELECT count(DISTINCT household) FROM household_history WHERE incident=1")" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=1")"
pk_stop
unset POSKOD_COMPACT_ALWAYS
: >"$PK_DIR/poskod.log"
pk_start
grep -q "household records of closed incidents let go" "$PK_DIR/poskod.log" &&
	pk_fail "the replay without the hook forgot records"
pk_eq "household.find of $hA, forgotten vs never forgotten" "$(hfind "$hA")" "$f1"
pk_stop

# ---- a store from before the history (schema 6): the next start's replay
# writes it, the same rows as the closes wrote, and the flag goes
hist_rows() {
	pk_sql "SELECT group_concat(household || ':' || incident || ':' || kind || ':' ||
		shelter || ':' || lo || ':' || hi || ':' || persons || ':' || under5, ' ')
		FROM household_history"
}
h0=$(hist_rows)
[ -n "$h0" ] || pk_fail "no household history"
pk_sql "DELETE FROM household_history; INSERT INTO meta (key, value) VALUES ('history_backfill', 1)" >/dev/null
# a row that cannot be written: nothing is, the flag stays for the next start
pk_sql "CREATE TRIGGER e2e_no_history BEFORE INSERT ON household_history BEGIN SELECT RAISE(FAIL, 'e2e: disk full'); END" >/dev/null
: >"$PK_DIR/poskod.log"
pk_start
grep -q "household history not written, the next start tries again" "$PK_DIR/poskod.log" ||
	pk_fail "a failed backfill was not reported: $(grep -i history "$PK_DIR/poskod.log")"
pk_stop
pk_eq "history rows after a failed backfill" "$(pk_sql "SELECT count(*) FROM household_history")" 0
pk_eq "backfill flag kept after a failed backfill" \
	"$(pk_sql "SELECT count(*) FROM meta WHERE key='history_backfill'")" 1
pk_sql "DROP TRIGGER e2e_no_history" >/dev/null
: >"$PK_DIR/poskod.log"
pk_start
grep -q "household history written for 2 closed incidents" "$PK_DIR/poskod.log" ||
	pk_fail "the replay did not write the history: $(grep -i history "$PK_DIR/poskod.log")"
pk_eq "history written by the replay = written by the closes" "$(hist_rows)" "$h0"
pk_eq "backfill flag left" \
	"$(pk_sql "SELECT count(*) FROM meta WHERE key='history_backfill'")" 0
pk_eq "household.find of $hA after the backfill" "$(hfind "$hA")" "$f1"
pk_stop
echo "ok: e2e_daemon_compact ($na + $nb lines)"
