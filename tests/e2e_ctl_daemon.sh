#!/bin/bash
# poskoctl against the real poskod on the sample scenario (data/sample,
# tools/sample.conf, tests/fixtures/daemon/lib.sh), every command in both
# output forms (the table the desk reads and --json).
#
# The numbers poskoctl shows are checked against counts made here, not
# by poskod: sqlite3 on the store's rows (assignments, unplaced, alerts,
# lots, dispatches) joined with the sample's CSV files loaded into a
# reference database, and the offline `poskoctl impact` for who lives in
# an incident's footprint.
#
# Incidents: the sample fire (incidents/fire-utan-kayu-selatan.json, 4
# households) and the sample flood (incidents/flood-2007.json), which
# fills shelters: `watch --board` runs in tmux from the start and must
# show a shelter turning full.
#
# A command poskod does not have yet (it answers unknown_command) is
# reported as "NOT IMPLEMENTED by poskod: CMD" and its section skipped;
# as soon as poskod has it, the section asserts it for real.  Each write
# section's first call is the --json form, which is how the answer is
# checked before anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PK_ROOT=$root
. "$root/tests/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
POSKOD=${POSKOD:-$root/build/asan/poskod}
CTL=${POSKOCTL:-$root/build/asan/poskoctl}
[ -x "$POSKOD" ] || { echo "skipped: no poskod at $POSKOD"; exit 77; }
[ -x "$CTL" ] || { echo "skipped: no poskoctl at $CTL"; exit 77; }
export POSKOD
unset NO_COLOR LC_ALL LANGUAGE LC_MESSAGES
export LANG=C.UTF-8

FIRE=data/sample/incidents/fire-utan-kayu-selatan.json
FLOOD=data/sample/incidents/flood-2007.json
T=${TMPDIR:-/tmp}/ctl-e2e.$$
mkdir -p "$T"
bg=()
cleanup() {
	for p in "${bg[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	tmux -L "ctle2e$$" kill-server 2>/dev/null || true
	pk_cleanup
}
trap cleanup EXIT
fail() { pk_fail "$*"; }
pk_setup "$T/pk"
pk_start

P=("$CTL" --config "$PK_CONF" --operator e2e-desk --timeout 15)
run() { "${P[@]}" "$@"; }
expect_rc() { # rc command...
	local want=$1 rc=0; shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] || { cat "$T/out" "$T/err"; fail "exit $rc, wanted $want: $*"; }
}
has() { grep -qF -- "$1" "${2:-$T/out}" || { cat "${2:-$T/out}"; fail "no '$1' in ${2:-output}"; }; }
# has_line RE [FILE]: a whole line of the table matches (extended RE)
has_line() { grep -qE -- "^$1\$" "${2:-$T/out}" || { cat "${2:-$T/out}"; fail "no line /$1/ in ${2:-output}"; }; }
jget() { sqlite3 :memory: "select json_extract(readfile('$1'), '$2')"; }
jlen() { sqlite3 :memory: "select json_array_length(readfile('$1'), '$2')"; }
eq() { [ "$2" = "$3" ] || fail "$1: poskoctl says '$2', the independent count '$3'"; }
# 12345 -> 12,345, as the desk sees it
commas() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

# The reference: the sample's CSV files, read here, not by poskod.
REF=$T/ref.db
sqlite3 "$REF" \
	"CREATE TABLE households (id INTEGER PRIMARY KEY, lon REAL, lat REAL,
	  kelurahan TEXT, members INTEGER, elderly INTEGER, under5 INTEGER,
	  disabled INTEGER, pregnant INTEGER);" \
	"CREATE TABLE shelters (id TEXT PRIMARY KEY, name TEXT, kind TEXT,
	  lon REAL, lat REAL, kelurahan TEXT, capacity, floor_m2 REAL,
	  accessible INTEGER, capacity_source TEXT);" \
	".import --csv --skip 1 data/sample/households.csv households" \
	".import --csv --skip 1 data/sample/shelters.csv shelters"
# sq SQL: the store with the reference attached as `ref`
sq() { sqlite3 -batch -bail "$PK_DB" "ATTACH '$REF' AS ref;" "$1"; }
# persons now registered or present, per shelter, counted from the CSV
REG_BY_SHELTER="SELECT a.shelter, sum(h.members) AS persons,
  sum(h.members) FILTER (WHERE a.status='present') AS present,
  count(*) AS households FROM assignments a
  JOIN ref.households h ON h.id=a.household
  WHERE a.status IN ('registered','present') GROUP BY a.shelter"

notdone=()
# try NAME ARGS...: `poskoctl --json ARGS`, output in $T/out.  When poskod
# answers unknown_command: say so, return 1.  Otherwise it must succeed.
try() {
	local name=$1 rc=0; shift
	"${P[@]}" --json "$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" = 1 ] && [ "$(jget "$T/out" '$.error.code')" = unknown_command ]; then
		echo "NOT IMPLEMENTED by poskod: $name"
		notdone+=("$name")
		return 1
	fi
	[ "$rc" = 0 ] || { cat "$T/out" "$T/err"; fail "exit $rc: poskoctl --json $*"; }
}
# settle: every event poskod committed has reached `watch --json`
settle() {
	local i last max
	for i in $(seq 1 200); do
		last=$(pk_status_field last_event_id)
		max=$(sed -n 's/^{"v":1,"id":\([0-9]*\),.*/\1/p' "$T/events.jsonl" | sort -n | tail -n 1)
		[ "${max:-0}" -ge "${last:-0}" ] && [ "$(pk_status_field queued)" = 0 ] && return 0
		sleep 0.1
	done
	fail "watch --json did not get every event (last $last, seen ${max:-none})"
}
ev_count() { grep -c "\"topic\":\"$1\"" "$T/events.jsonl" || true; }

echo "== status before any incident, both forms"
nsh=$(sqlite3 "$REF" "select count(*) from shelters")
expect_rc 0 run status
has_line "Incidents open +0"; has_line "People affected +0"
has_line "Registered in a shelter +0"; has_line "Present tonight +0"
has "Shelters: $nsh open, 0 nearly full, 0 full, 0 closed"
expect_rc 0 run --json status
eq "incidents.open" "$(jget "$T/out" '$.incidents.open')" 0
eq "people.affected" "$(jget "$T/out" '$.people.affected')" 0
eq "shelters.open" "$(jget "$T/out" '$.shelters.open')" "$nsh"

# Every event of the run, as poskoctl watch --json sees it.
"${P[@]}" --json watch >"$T/events.jsonl" 2>"$T/watch.err" &
bg+=($!)

echo "== watch --board in tmux, before the incidents"
board=0
tm() { tmux -L "ctle2e$$" "$@"; }
shot() { tm capture-pane -p -t board >"$T/screen"; }
if command -v tmux >/dev/null; then
	board=1
	tm new-session -d -x 160 -y 60 -s board \
		"env LANG=C.UTF-8 ${CTL} --config ${PK_CONF} watch --board; sleep 60"
	for _ in $(seq 150); do shot; grep -q 'SH-0' "$T/screen" && break; sleep 0.2; done
	has "SH-0" "$T/screen"; has "POSKO" "$T/screen"
	cp "$T/screen" "$T/screen.before"
else
	echo "   tmux is not installed: the board is not checked"
	notdone+=("watch --board (no tmux)")
fi
sleep 0.5

echo "== incident submit: the sample fire, waits for the decision"
expect_rc 0 run incident submit "$FIRE"
has "queued"; has "accepted"
fire=$(sed -n 's/^Incident \([0-9]*\):.*/\1/p' "$T/out" | head -n 1)
[ -n "$fire" ] || fail "no incident number in the submit output"
has "Kebakaran permukiman Kel. Utan Kayu Selatan"
eq "fire incident id" "$fire" "$(sq "select id from incidents where source_id='2026-12-kebakaran-utan-kayu-selatan'")"
# the desk operator who submitted it is on every decision it made
n_assign=$(sq "select count(*) from outbox where topic='assign.household' and json_extract(body,'\$.incident')=$fire")
[ "$n_assign" -gt 0 ] || fail "the fire placed nobody"
eq "assign.household events carrying the submitting operator" \
	"$(sq "select count(*) from outbox where topic='assign.household' and json_extract(body,'\$.incident')=$fire and json_extract(body,'\$.operator')='e2e-desk'")" "$n_assign"
echo "== the same report again, --json: a duplicate, nothing changes"
expect_rc 0 run --json incident submit "$FIRE"
eq "duplicate: incident" "$(jget "$T/out" '$.incident')" "$fire"
eq "duplicate: revision" "$(jget "$T/out" '$.revision')" 1
eq "incidents after the duplicate" "$(sq 'select count(*) from incidents')" 1

echo "== a bad report is refused with its field, exit 1, both forms"
sed -e 's/"radius_m":300/"radius_m":-5/' -e 's/kebakaran-utan-kayu-selatan/bad-radius/' "$FIRE" >"$T/bad.json"
expect_rc 1 run incident submit "$T/bad.json"
has "radius_m" "$T/err"
expect_rc 1 run --json incident submit "$T/bad.json"
eq "bad report code" "$(jget "$T/out" '$.error.code')" bad_argument
eq "bad report field" "$(jget "$T/out" '$.error.field')" "args.report.footprint.radius_m"

echo "== incident submit --json: the sample flood"
expect_rc 0 run --timeout 60 --json incident submit "$FLOOD"
flood=$(jget "$T/out" '$.incident')
eq "flood incident id" "$flood" "$(sq "select id from incidents where source_id='2007-02-banjir'")"
eq "flood placed persons" "$(jget "$T/out" '$.placed.persons')" \
	"$(sq "select sum(h.members) from assignments a join ref.households h on h.id=a.household where a.incident=$flood and a.status in ('registered','present')")"
eq "flood unplaced persons" "$(jget "$T/out" '$.unplaced.persons')" \
	"$(sq "select coalesce(sum(h.members),0) from unplaced u join ref.households h on h.id=u.household where u.incident=$flood")"

echo "== the board shows a shelter turning full"
# Full now, counted from the store and the CSV: persons >= capacity.
fulls=$(sq "select s.id from shelters s join ($REG_BY_SHELTER) r on r.shelter=s.id where s.capacity>0 and r.persons>=s.capacity order by s.id")
[ -n "$fulls" ] || fail "the flood filled no shelter (the sample's README says it does)"
if [ "$board" = 1 ]; then
	fullsh=
	for _ in $(seq 100); do
		shot
		for s in $fulls; do
			grep "^$s " "$T/screen" | grep -q '  full' || continue
			grep "^$s " "$T/screen.before" | grep -q '  full' && continue
			fullsh=$s; break
		done
		[ -n "$fullsh" ] && break
		sleep 0.2
	done
	[ -n "$fullsh" ] || { cat "$T/screen"; fail "board: none of $fulls turned full"; }
	line=$(grep "^$fullsh " "$T/screen")
	reg=$(sq "select persons from ($REG_BY_SHELTER) where shelter='$fullsh'")
	cap=$(sq "select capacity from shelters where id='$fullsh'")
	grep -qF "$reg/$cap" <<<"$line" || fail "board row of $fullsh: $line (store $reg/$cap)"
	[ "$(grep '^SH-' "$T/screen.before" | grep -c '  full')" = 0 ] ||
		fail "a shelter was full on the board before the flood"
	has "Incidents 2" "$T/screen"
	# every event of the burst reached the board (none dropped by PUB)
	last=$(pk_status_field last_event_id)
	for _ in $(seq 100); do
		shot; n=$(sed -n 's/.*last event #\([0-9]*\).*/\1/p' "$T/screen")
		[ "${n:-0}" -ge "$last" ] && break; sleep 0.2
	done
	[ "${n:-0}" -ge "$last" ] || fail "board: last event #${n:-none}, poskod committed $last"
	echo "   $fullsh turned full on the board ($reg/$cap); events up to #$n"
	tm send-keys -t board q
fi

echo "== status, both forms = counts from the store, the CSV and impact"
imp() { # footprint zones: persons affected (and evacuating with classes)
	"$CTL" impact --zones "$2" --households data/sample/households.csv \
		--footprint "$1" --json 2>/dev/null >"$T/impact.json"
}
imp "$FIRE" data/sample/fire-zones.geojson
fire_aff=$(jget "$T/impact.json" '$.total.people')
imp "$FLOOD" data/sample/flood-zones.geojson
flood_aff=$(jget "$T/impact.json" '$.total.people')
# Siaga 1 evacuates the high and medium flood zones (data/sample/README.md,
# alloc/policy.h); the fire is an evacuation order: everyone in it.
flood_evac=$(sqlite3 :memory: "select sum(json_extract(value,'\$.people')) from json_each(readfile('$T/impact.json'), '\$.by_class.flood') where json_extract(value,'\$.class') in ('high','medium')")
expect_rc 0 run --json status
cp "$T/out" "$T/status.json"
aff=$(jget "$T/status.json" '$.people.affected')
evac=$(jget "$T/status.json" '$.people.evacuating')
reg=$(jget "$T/status.json" '$.people.registered')
pres=$(jget "$T/status.json" '$.people.present')
unpl=$(jget "$T/status.json" '$.people.unplaced')
eq "incidents.open" "$(jget "$T/status.json" '$.incidents.open')" 2
eq "people.affected" "$aff" $((fire_aff + flood_aff))
eq "people.evacuating" "$evac" $((fire_aff + flood_evac))
eq "people.evacuating (store)" "$evac" \
	"$(sq "select sum(h.members) from ref.households h where h.id in (select household from assignments union select household from unplaced)")"
eq "people.registered" "$reg" "$(sq "select coalesce(sum(persons),0) from ($REG_BY_SHELTER)")"
eq "people.present" "$pres" "$(sq "select coalesce(sum(present),0) from ($REG_BY_SHELTER)")"
eq "people.unplaced" "$unpl" "$(sq "select coalesce(sum(h.members),0) from unplaced u join ref.households h on h.id=u.household")"
nfull=$(sq "select count(*) from shelters s join ($REG_BY_SHELTER) r on r.shelter=s.id where s.state='open' and s.capacity>0 and r.persons>=s.capacity")
nnear=$(sq "select count(*) from shelters s join ($REG_BY_SHELTER) r on r.shelter=s.id where s.state='open' and s.capacity>0 and r.persons<s.capacity and r.persons*100>=80*s.capacity")
eq "shelters.full" "$(jget "$T/status.json" '$.shelters.full')" "$nfull"
eq "shelters.nearly_full" "$(jget "$T/status.json" '$.shelters.nearly_full')" "$nnear"
nalerts=$(sq "select count(*) from alerts where state!='cleared'")
eq "alerts.open" "$(jget "$T/status.json" '$.alerts.open')" "$nalerts"
[ "$reg" -gt 0 ] && [ "$unpl" -gt 0 ] || fail "the flood should place some and leave some without a shelter"
expect_rc 0 run status
has_line "People affected +$(commas "$aff")"
has_line "People evacuating +$(commas "$evac")"
has_line "Registered in a shelter +$(commas "$reg")"
has_line "Present tonight +$(commas "$pres")"
has_line "Without a shelter +$(commas "$unpl")"
has_line "Open alerts +$(commas "$nalerts")"
has "Shelters: $(sq "select count(*) from shelters where state='open'") open, $nnear nearly full, $nfull full, 0 closed"
has "$(commas "$unpl") persons have no shelter"

echo "== incident list and show, both forms"
expect_rc 0 run --json incident list
eq "incident list" "$(jlen "$T/out" '$.incidents')" 2
eq "incident list: flood placed" "$(jget "$T/out" '$.incidents[1].placed.persons')" \
	"$(sq "select sum(h.members) from assignments a join ref.households h on h.id=a.household where a.incident=$flood and a.status in ('registered','present')")"
flood_placed=$(jget "$T/out" '$.incidents[1].placed.persons')
flood_placed_hh=$(jget "$T/out" '$.incidents[1].placed.households')
expect_rc 0 run incident list
grep -E "^ *$flood +flood +Siaga 1 +open " "$T/out" | grep -qF "$(commas "$flood_placed")" ||
	{ cat "$T/out"; fail "incident list: the flood row"; }
grep -E "^ *$fire +fire +evacuation order +open " "$T/out" | grep -qF "Kebakaran" ||
	{ cat "$T/out"; fail "incident list: the fire row"; }
expect_rc 0 run --json incident show "$flood"
sum=$(sqlite3 :memory: "select sum(json_extract(value,'\$.persons')) from json_each(readfile('$T/out'), '\$.shelters')")
eq "incident show: placed = its shelters" "$(jget "$T/out" '$.placed.persons')" "$sum"
eq "incident show: shelters" "$(jlen "$T/out" '$.shelters')" \
	"$(sq "select count(distinct shelter) from assignments where incident=$flood and status in ('registered','present')")"
expect_rc 0 run incident show "$flood"
has "Incident $flood: Banjir Februari 2007"; has "Shelters used by this incident"
has_line "Placed in a shelter +$(commas "$flood_placed") persons, $(commas "$flood_placed_hh") households"
has_line "total +$(commas "$flood_placed_hh") +$(commas "$flood_placed")"

echo "== shelter list, both forms: every shelter's occupancy = the store"
expect_rc 0 run --json shelter list
cp "$T/out" "$T/shelters.json"
eq "shelter list rows" "$(jlen "$T/out" '$.shelters')" "$nsh"
bad=$(sq "select group_concat(j.id) from (select json_extract(value,'\$.shelter') id,
	json_extract(value,'\$.registered') reg, json_extract(value,'\$.present') pres,
	json_extract(value,'\$.households') hh, json_extract(value,'\$.capacity') cap,
	json_extract(value,'\$.state') st
	from json_each(readfile('$T/shelters.json'), '\$.shelters')) j
	join shelters s on s.id=j.id left join ($REG_BY_SHELTER) r on r.shelter=j.id
	where j.reg != coalesce(r.persons,0) or j.pres != coalesce(r.present,0)
	   or j.hh != coalesce(r.households,0) or j.cap != s.capacity
	   or (j.st='full') != (s.capacity>0 and coalesce(r.persons,0)>=s.capacity)")
[ -z "$bad" ] || fail "shelter list --json differs from the store for: $bad"
expect_rc 0 run shelter list
[ "$(grep -c '^SH-' "$T/out")" = "$nsh" ] || fail "shelter list rows"
s1=$(echo "$fulls" | head -n 1)
reg1=$(sq "select persons from ($REG_BY_SHELTER) where shelter='$s1'")
cap1=$(sq "select capacity from shelters where id='$s1'")
grep "^$s1 " "$T/out" | grep -qE " $(commas "$reg1") +$(commas "$cap1") +0 .* full *$" ||
	{ grep "^$s1 " "$T/out"; fail "shelter list: the row of $s1 ($reg1 of $cap1, full)"; }
grep -E "^total " "$T/out" | grep -qF " $(commas "$reg") " || fail "shelter list total row"
expect_rc 0 run --json shelter list --open
eq "shelter list --open" "$(jlen "$T/out" '$.shelters')" "$(sq "select count(*) from shelters where state='open'")"

echo "== shelter show, both forms"
expect_rc 0 run --json shelter show "$s1"
eq "shelter show" "$(jget "$T/out" '$.shelter')" "$s1"
eq "shelter show: registered" "$(jget "$T/out" '$.registered')" "$reg1"
eq "shelter show: households" "$(jlen "$T/out" '$.households')" \
	"$(sq "select count(*) from assignments where shelter='$s1' and status in ('registered','present')")"
expect_rc 0 run shelter show "$s1"
has "Shelter $s1: "; has "Households:"
has_line "Registered +$(commas "$reg1") of $(commas "$cap1") persons \(.*\)"
expect_rc 1 run shelter show SH-9999
has "SH-9999" "$T/err"
expect_rc 1 run --json shelter show SH-9999
eq "shelter show SH-9999" "$(jget "$T/out" '$.error.code')" not_found

echo "== household find, both forms: the shelter the store has"
hh=$(sq "select household from assignments where incident=$fire and status='registered' order by household limit 1")
sh=$(sq "select shelter from assignments where household=$hh and status='registered'")
members=$(sq "select members from ref.households where id=$hh")
expect_rc 0 run household find "$hh"
has "Household $hh"; has "registered in $sh since"; has "WIB"; has_line "Members +$members"
# protocol.md 2.4: the incidents it belongs to, what left the depot for it
# (nothing is confirmed yet)
has_line "Affected by incident +$fire"
has_line "Received +0 meals; 0 clothing kits \(adult 0, child 0, infant 0, family 0\)"
expect_rc 0 run --json household find "$hh"
eq "household find: affected_by" "$(jget "$T/out" '$.households[0].affected_by')" "[$fire]"
eq "household find: received.meals" "$(jget "$T/out" '$.households[0].received.meals')" 0
eq "household find: shelter" "$(jget "$T/out" '$.households[0].assignment.shelter')" "$sh"
eq "household find: status" "$(jget "$T/out" '$.households[0].assignment.status')" registered
eq "household find: incident" "$(jget "$T/out" '$.households[0].assignment.incident')" "$fire"
eq "household find: members" "$(jget "$T/out" '$.households[0].members')" "$members"
kel=$(sq "select kelurahan from ref.households where id=$hh")
nkel=$(sq "select count(*) from ref.households where kelurahan='$kel'")
expect_rc 0 run --json household find --kelurahan "$kel" --limit 1000
eq "household find --kelurahan" "$(jlen "$T/out" '$.households')" "$nkel"
expect_rc 0 run --json household find --kelurahan "$kel" --limit 1
eq "household find --limit 1: rows" "$(jlen "$T/out" '$.households')" 1
eq "household find --limit 1: total" "$(jget "$T/out" '$.total')" "$nkel"
expect_rc 0 run household find --kelurahan "$kel" --limit 1000
has "$nkel of $nkel households shown"
grep -E "^ *$hh " "$T/out" | grep -q "registered.*$sh" || fail "household find --kelurahan: the row of $hh"
expect_rc 1 run household find 99999999
expect_rc 2 run household find abc

echo "== alerts, both forms = the store"
expect_rc 0 run --json alerts --all
eq "alerts --all" "$(jlen "$T/out" '$.alerts')" "$(sq 'select count(*) from alerts')"
expect_rc 0 run --json alerts
eq "alerts (open)" "$(jlen "$T/out" '$.alerts')" "$nalerts"
expect_rc 0 run alerts
[ "$(grep -cE '^ *[0-9]+  ' "$T/out")" = "$nalerts" ] || fail "alerts table rows"
a1=$(sq "select id from alerts where topic='alert.shelter' and subject='$s1' and state!='cleared'")
grep -E "^ *$a1 " "$T/out" | grep -qF "shelter $s1 is at" || fail "alerts: the row of alert $a1"
has "have no shelter (incident $flood)"

echo "== watch --json saw every decision; watch in plain words"
settle
eq "watch: assign.household" "$(ev_count assign.household)" \
	"$(sq "select count(*) from outbox where topic='assign.household'")"
eq "watch: unplaced.household" "$(ev_count unplaced.household)" \
	"$(sq "select count(*) from outbox where topic='unplaced.household'")"
eq "watch: incident.opened" "$(ev_count incident.opened)" 2
timeout 20 "${P[@]}" watch --topic ingest. --count 1 >"$T/w.out" &
wpid=$!; sleep 1
run incident submit --no-wait "$FIRE" >/dev/null
wait "$wpid" || fail "watch --topic ingest. --count 1 did not end"
grep -q "received again: already decided" "$T/w.out" || fail "watch line: $(cat "$T/w.out")"

echo "== the read-only socket: reads work, writes are refused with a reason"
expect_rc 0 "$CTL" --control "$PK_CONTROL_RO" --json status
eq "read-only status" "$(jget "$T/out" '$.people.registered')" "$reg"
expect_rc 0 "$CTL" --control "$PK_CONTROL_RO" shelter list
expect_rc 1 "$CTL" --control "$PK_CONTROL_RO" --operator e2e incident close "$fire" --reason test
has "read-only" "$T/err"
expect_rc 1 "$CTL" --control "$PK_CONTROL_RO" --operator e2e --json incident close "$fire" --reason test
eq "read-only code" "$(jget "$T/out" '$.error.code')" read_only

echo "== incident update: table, then --json; an update never sends a family home"
expect_rc 0 run incident update "$fire" --days 3
has "revision 2"
expect_rc 0 run --json incident show "$fire"
eq "update --days" "$(jget "$T/out" '$.days')" 3
eq "journal operator (show)" "$(jget "$T/out" '$.revisions[1].operator')" e2e-desk
eq "journal operator (store)" "$(sq "select operator from journal where incident=$fire and revision=2")" e2e-desk
before=$(sq "select count(*)||'/'||sum(persons) from assignments where incident=$flood and status in ('registered','present')")
expect_rc 0 run --json incident update "$flood" --siaga 2
eq "update --siaga: revision" "$(jget "$T/out" '$.revision')" 2
eq "update --siaga: severity" "$(jget "$T/out" '$.severity.siaga')" 2
eq "families still placed after a lower severity" \
	"$(sq "select count(*)||'/'||sum(persons) from assignments where incident=$flood and status in ('registered','present')")" "$before"
eq "released by the update" "$(sq "select count(*) from assignments where incident=$flood and status='released'")" 0
expect_rc 2 run incident update "$flood"
expect_rc 2 run incident update "$flood" --siaga 7

echo "== checkin, both forms"
read -r h1 h2 < <(sq "select group_concat(household, ' ') from (select household from assignments where incident=$flood and status='registered' order by household limit 2)")
sh1=$(sq "select shelter from assignments where household=$h1 and status='registered'")
sh2=$(sq "select shelter from assignments where household=$h2 and status='registered'")
# watch filtered by incident and by shelter: the checkin's event
timeout 20 "${P[@]}" watch --incident "$flood" --shelter "$sh1" --count 1 >"$T/w.out" &
wpid=$!; bg+=($wpid); sleep 1
if try checkin checkin "$h1"; then
	wait "$wpid" || fail "watch --incident --shelter did not end"
	grep -qF "household $h1 " "$T/w.out" && grep -qF "present in $sh1" "$T/w.out" ||
		fail "watch --incident $flood --shelter $sh1: $(cat "$T/w.out")"
	eq "checkin --json: status" "$(jget "$T/out" '$.assignment.status')" present
	eq "checkin --json: shelter" "$(jget "$T/out" '$.assignment.shelter')" "$sh1"
	eq "checkin stored" "$(sq "select status from assignments where household=$h1 order by id desc limit 1")" present
	expect_rc 0 run checkin "$h2"
	has "Household $h2: present in $sh2 since"
	eq "checkin stored" "$(sq "select status from assignments where household=$h2 order by id desc limit 1")" present
	expect_rc 1 run checkin 99999999
	expect_rc 0 run --json status
	eq "present after checkin" "$(jget "$T/out" '$.people.present')" \
		"$(sq "select coalesce(sum(present),0) from ($REG_BY_SHELTER)")"
fi

echo "== dispatch confirm, both forms: the fire's meals of its first day"
D=$(sq "select min(day) from dispatches where incident=$fire and kind='meals'")
fsh=$(sq "select shelter from dispatches where incident=$fire and kind='meals' and day='$D' and status='planned' order by shelter limit 1")
lines=$(sq "select group_concat(id, ' ') from dispatches where incident=$fire and kind='meals' and day='$D' and shelter='$fsh' and status='planned'")
confirmed=0
if [ -n "$lines" ]; then
	first=${lines%% *}
	lot_before=$(sq "select l.qty from lots l join dispatches d on d.depot=l.depot and d.lot=l.lot where d.id=$first")
	q1=$(sq "select qty from dispatches where id=$first")
	if try dispatch.confirm dispatch confirm "$first"; then
		eq "dispatch confirm stored" "$(sq "select status from dispatches where id=$first")" confirmed
		eq "the lot gave the meals" "$(sq "select l.qty from lots l join dispatches d on d.depot=l.depot and d.lot=l.lot where d.id=$first")" \
			$((lot_before - q1))
		for d in ${lines#"$first"}; do
			expect_rc 0 run dispatch confirm "$d"
			has "Dispatch $d confirmed as delivered"
			eq "dispatch confirm stored" "$(sq "select status from dispatches where id=$d")" confirmed
		done
		expect_rc 1 run dispatch confirm "$first"   # already confirmed
		expect_rc 2 run dispatch confirm "$first" --qty 3
		confirmed=1
	fi
else
	fail "the fire planned no meals for $fsh on its first day"
fi

echo "== alerts ack, both forms"
read -r al1 al2 < <(sq "select group_concat(id, ' ') from (select id from alerts where state='raised' order by id limit 2)")
if try alerts.ack alerts ack "$al1" --note "sudah ditelepon"; then
	eq "alerts ack stored" "$(sq "select state||'/'||acked_by from alerts where id=$al1")" acknowledged/e2e-desk
	expect_rc 0 run alerts ack "$al2"
	has "Alert $al2 acknowledged by e2e-desk"
	expect_rc 0 run --json alerts --acknowledged
	eq "alerts --acknowledged" "$(jlen "$T/out" '$.alerts')" "$(sq "select count(*) from alerts where state='acknowledged'")"
	expect_rc 0 run alerts
	grep -E "^ *$al1 " "$T/out" | grep -q "acknowledged by e2e-desk" || fail "alerts: $al1 acknowledged"
fi

echo "== stock list, receive, adjust, both forms"
dep=$(sed -n '2s/,.*//p' data/sample/depots.csv)
if try stock.list stock list; then
	eq "stock list lots" "$(jlen "$T/out" '$.lots')" "$(sq 'select count(*) from lots')"
	cp "$T/out" "$T/stock.json"
	bad=$(sq "select group_concat(j.lot) from (select json_extract(value,'\$.depot') dep,
		json_extract(value,'\$.lot') lot, json_extract(value,'\$.qty') qty,
		json_extract(value,'\$.reserved') res, json_extract(value,'\$.available') av
		from json_each(readfile('$T/stock.json'), '\$.lots')) j
		left join lots l on l.depot=j.dep and l.lot=j.lot
		left join (select depot, lot, sum(qty) q from dispatches where status='planned'
		  group by depot, lot) p on p.depot=j.dep and p.lot=j.lot
		where l.qty is null or j.qty!=l.qty or j.res!=coalesce(p.q,0)
		   or j.av!=l.qty-coalesce(p.q,0)")
	# reserved = what the planned dispatch lines take from the lot
	[ -z "$bad" ] || fail "stock list --json differs from the store for lots: $bad"
	dep=$(jget "$T/out" '$.depots[0].depot')
	dep_meals=$(sq "select sum(l.qty) - (select coalesce(sum(d.qty),0) from dispatches d join lots m
		on m.depot=d.depot and m.lot=d.lot where d.status='planned' and m.depot='$dep' and m.item='meal')
		from lots l where l.depot='$dep' and l.item='meal'")
	eq "stock list: $dep meals free" "$(jget "$T/out" '$.depots[0].items.meal.available')" "$dep_meals"
	expect_rc 0 run stock list
	grep -E "^$dep " "$T/out" | grep -qF " $(commas "$dep_meals") " || fail "stock list: the row of $dep"
	expect_rc 0 run --json stock list --depot "$dep" --item meal
	eq "stock list --depot --item" "$(jlen "$T/out" '$.lots')" \
		"$(sq "select count(*) from lots where depot='$dep' and item='meal'")"
	expect_rc 2 run stock list --item soap
fi
if try stock.receive stock receive "$dep" meal 5.000 --lot E2E-1 --expires 2030-01-31; then
	eq "stock receive stored" "$(sq "select qty||'/'||expires from lots where depot='$dep' and lot='E2E-1'")" 5000/2030-01-31
	expect_rc 0 run stock receive "$dep" kit_child 40 --lot E2E-2
	has "Received 40 child kits at $dep (lot E2E-2)"
	eq "stock receive stored" "$(sq "select qty from lots where depot='$dep' and lot='E2E-2'")" 40
	expect_rc 2 run stock receive "$dep" meal 0
fi
if try stock.adjust stock adjust "$dep" E2E-1 -40 --reason "basah, rusak"; then
	eq "stock adjust stored" "$(sq "select qty from lots where depot='$dep' and lot='E2E-1'")" 4960
	expect_rc 0 run stock adjust "$dep" E2E-1 +15 --reason dihitung
	has "Lot E2E-1 at $dep changed by +15"
	eq "stock adjust stored" "$(sq "select qty from lots where depot='$dep' and lot='E2E-1'")" 4975
	expect_rc 2 run stock adjust "$dep" E2E-1 -40
	expect_rc 1 run stock adjust "$dep" E2E-1 -99999 --reason "too much"
fi

echo "== report spm, both forms and --csv = an independent count on the store"
# The fire on its first planned day D: every family the fire placed is
# registered (or present) on D, whichever way "on the date" is read.
if try report.spm report spm --date "$D" --incident "$fire"; then
	cp "$T/out" "$T/spm.json"
	FIRE_HH="SELECT a.household, a.shelter, h.members, h.kelurahan FROM assignments a
	  JOIN ref.households h ON h.id=a.household
	  WHERE a.incident=$fire AND a.status IN ('registered','present')"
	evq=$(sq "select sum(members) from ($FIRE_HH)")
	eq "SPM date" "$(jget "$T/spm.json" '$.date')" "$D"
	eq "SPM incident" "$(jget "$T/spm.json" '$.incident')" "$fire"
	eq "SPM evacuees" "$(jget "$T/spm.json" '$.total.evacuees')" "$evq"
	eq "SPM shelters used" "$(jget "$T/spm.json" '$.total.shelters_used')" \
		"$(sq "select count(distinct shelter) from ($FIRE_HH)")"
	eq "SPM meals planned" "$(jget "$T/spm.json" '$.total.meals_planned')" \
		"$(sq "select coalesce(sum(qty),0) from dispatches where incident=$fire and kind='meals' and day='$D' and status!='released'")"
	eq "SPM meals delivered" "$(jget "$T/spm.json" '$.total.meals_delivered')" \
		"$(sq "select coalesce(sum(qty),0) from dispatches where incident=$fire and kind='meals' and day='$D' and status='confirmed'")"
	eq "SPM kits planned" "$(jget "$T/spm.json" '$.total.kits_planned')" \
		"$(sq "select coalesce(sum(qty),0) from dispatches where incident=$fire and kind='sandang' and day<='$D' and status!='released'")"
	eq "SPM kits issued" "$(jget "$T/spm.json" '$.total.kits_issued')" \
		"$(sq "select coalesce(sum(qty),0) from dispatches where incident=$fire and kind='sandang' and day<='$D' and status='confirmed'")"
	# fed 3x1: the persons of the shelters whose meal lines of D are all
	# confirmed (and planned 3 a person)
	fed=$(sq "select coalesce(sum(members),0) from ($FIRE_HH) f where f.shelter in (
		select shelter from dispatches where incident=$fire and kind='meals' and day='$D'
		and status!='released' group by shelter
		having sum(status='planned')=0 and sum(qty) >= 3*(select sum(members) from ($FIRE_HH) g where g.shelter=dispatches.shelter))")
	[ "$confirmed" = 1 ] && [ "$fed" = 0 ] && fail "SPM check: no shelter fed after dispatch confirm"
	eq "SPM fed 3x1" "$(jget "$T/spm.json" '$.total.fed_3x1')" "$fed"
	eq "SPM person-days" "$(jget "$T/spm.json" '$.total.person_days')" "$fed"
	# per kelurahan of origin and per city, from the CSV
	bad=$(sq "select group_concat(k.code) from (select kelurahan code, sum(members) n from ($FIRE_HH) group by kelurahan) k
		left join (select json_extract(value,'\$.code') code, json_extract(value,'\$.evacuees') n
		from json_each(readfile('$T/spm.json'), '\$.kelurahan')) r on r.code=k.code where r.n is not k.n")
	[ -z "$bad" ] || fail "SPM kelurahan rows differ from the store for: $bad"
	eq "SPM kelurahan rows" "$(jlen "$T/spm.json" '$.kelurahan')" "$(sq "select count(distinct kelurahan) from ($FIRE_HH)")"
	eq "SPM city rows" "$(jlen "$T/spm.json" '$.cities')" "$(sq "select count(distinct substr(kelurahan,1,5)) from ($FIRE_HH)")"
	expect_rc 0 run report spm --date "$D" --incident "$fire"
	has "SPM report for $D, incident $fire"
	grep -E "^TOTAL " "$T/out" | grep -qE "^TOTAL +$(commas "$evq") +$(commas "$fed") " ||
		{ cat "$T/out"; fail "report spm: the TOTAL row"; }
	expect_rc 0 run report spm --date "$D" --incident "$fire" --csv
	has "date,level,code,evacuees,fed_3x1,person_days,meals_planned,meals_delivered,kits_planned,kits_issued,shelters_used,needs_met"
	grep -q "^$D,total,,$evq,$fed,$fed," "$T/out" || { cat "$T/out"; fail "report spm --csv: the total row"; }
	# every incident, today: poskoctl itself checks that the rows add up
	expect_rc 0 run --json report spm
	expect_rc 0 run report spm
	has "TOTAL"
	expect_rc 2 run report spm --date 2026-13-45
fi

echo "== transfer and checkout, both forms"
if [ -n "$(sq "select 1 from assignments where household=$h1 and status='present'")" ]; then
	# an open, accessible shelter in use, with room for the family
	m1=$(sq "select members from ref.households where id=$h1")
	# (one the flood uses: not in its footprint nor in a high zone)
	dst=$(sq "select s.id from shelters s join ($REG_BY_SHELTER) r on r.shelter=s.id
		where s.state='open' and s.accessible=1 and s.id!='$sh1'
		and s.id in (select shelter from assignments where incident=$flood)
		and s.capacity - r.persons >= $m1 order by s.capacity - r.persons desc limit 1")
	# and one without room for it
	full=$(sq "select s.id from shelters s join ($REG_BY_SHELTER) r on r.shelter=s.id
		where s.state='open' and s.id!='$sh1' and s.capacity - r.persons < $m1
		order by s.id limit 1")
	if try transfer transfer "$h1" "$dst" --reason "lantai 2 penuh"; then
		eq "transfer --json" "$(jget "$T/out" '$.assignment.shelter')" "$dst"
		eq "transfer --json: still present" "$(jget "$T/out" '$.assignment.status')" present
		eq "transfer stored" "$(sq "select shelter from assignments where household=$h1 and status in ('registered','present')")" "$dst"
		nj=$(sq "select count(*) from journal")
		expect_rc 1 run transfer "$h1" "$full" --reason "penuh"
		has "poskod refused: shelter $full has " "$T/err"
		expect_rc 1 run --json transfer "$h1" "$full" --reason "penuh"
		eq "transfer to a full shelter" "$(jget "$T/out" '$.error.code')/$(jget "$T/out" '$.error.field')" conflict/args.shelter
		expect_rc 1 run --json transfer "$h1" "$sh1"
		eq "transfer without a reason" "$(jget "$T/out" '$.error.field')" args.reason
		eq "refused transfers: nothing journaled" "$(sq "select count(*) from journal")" "$nj"
		eq "refused transfers: the family stays" "$(sq "select shelter from assignments where household=$h1 and status in ('registered','present')")" "$dst"
		expect_rc 0 run transfer "$h1" "$sh1" --reason kembali
		has "Household $h1: "; has "in $sh1 since"
		eq "transfer back stored" "$(sq "select shelter from assignments where household=$h1 and status in ('registered','present')")" "$sh1"
	fi
	if try checkout checkout "$h1" --reason pulang; then
		eq "checkout --json" "$(jget "$T/out" '$.assignment.status')" checked_out
		eq "checkout stored" "$(sq "select status from assignments where household=$h1 order by id desc limit 1")" checked_out
		expect_rc 0 run checkout "$h2" --reason pulang
		has "Household $h2: checked out from $sh2 at"
		expect_rc 0 run --json status
		eq "present after checkout" "$(jget "$T/out" '$.people.present')" \
			"$(sq "select coalesce(sum(present),0) from ($REG_BY_SHELTER)")"
		eq "registered after checkout" "$(jget "$T/out" '$.people.registered')" \
			"$(sq "select coalesce(sum(persons),0) from ($REG_BY_SHELTER)")"
	fi
fi

echo "== walk-in checkin, both forms"
# households of the register no incident placed, and a shelter the flood
# uses (so usable for it) that is open, accessible and has room for both
read -r w1 w2 < <(sq "select group_concat(id, ' ') from (select id from ref.households
	where id not in (select household from assignments) and id not in (select household from unplaced)
	order by id limit 2)")
wm=$(sq "select sum(members) from ref.households where id in ($w1, $w2)")
wsh=$(sq "select s.id from shelters s join ($REG_BY_SHELTER) r on r.shelter=s.id
	where s.state='open' and s.accessible=1
	and s.id in (select shelter from assignments where incident=$flood)
	and s.capacity - r.persons >= $wm order by s.id limit 1")
if [ -n "$wsh" ] && try checkin checkin "$w1" "$wsh" --incident "$flood"; then
	eq "walk-in --json: status" "$(jget "$T/out" '$.assignment.status')" present
	eq "walk-in --json: shelter" "$(jget "$T/out" '$.assignment.shelter')" "$wsh"
	eq "walk-in --json: affected_by" "$(jget "$T/out" '$.affected_by')" "[$flood]"
	eq "walk-in stored" "$(sq "select status||'/'||shelter from assignments where household=$w1")" "present/$wsh"
	expect_rc 1 run --json checkin "$w2" "$wsh"
	eq "walk-in without --incident" "$(jget "$T/out" '$.error.field')" args.incident
	expect_rc 0 run checkin "$w2" "$wsh" --incident "$flood"
	has "Household $w2: present in $wsh since"
	expect_rc 0 run --json status
	eq "present after the walk-ins" "$(jget "$T/out" '$.people.present')" \
		"$(sq "select coalesce(sum(present),0) from ($REG_BY_SHELTER)")"
else
	[ -n "$wsh" ] || fail "no shelter with room for the walk-ins"
fi

echo "== shelter set-capacity, close, open, both forms"
# a shelter with at least two persons, none of them from the fire
s2=$(sq "select r.shelter from ($REG_BY_SHELTER) r where r.persons>=2 and r.shelter not in
	(select shelter from assignments where incident=$fire) order by r.persons desc limit 1")
cap2=$(sq "select capacity from shelters where id='$s2'")
reg2=$(sq "select persons from ($REG_BY_SHELTER) where shelter='$s2'")
# protocol.md 2.3 (revised): lowering below the head count re-homes the
# families that no longer fit, or reports them unplaced; nobody is lost.
inside=$(sq "select group_concat(household) from assignments where shelter='$s2' and status in ('registered','present')")
evac_before=$(pk_status_field evacuating)
if try shelter.set_capacity shelter set-capacity "$s2" 1 --reason "aula ditutup"; then
	eq "set-capacity --json: capacity" "$(jget "$T/out" '$.capacity')" 1
	[ "$(jget "$T/out" '$.registered')" -le 1 ] || fail "set-capacity: still over capacity"
	eq "set-capacity --json: registered" "$(jget "$T/out" '$.registered')" \
		"$(sq "select coalesce(sum(persons),0) from ($REG_BY_SHELTER) where shelter='$s2'")"
	eq "set-capacity stored" "$(sq "select capacity from shelters where id='$s2'")" 1
	eq "set-capacity: every family placed or listed unplaced" \
		"$(sq "select count(*) from ref.households h where h.id in ($inside) and
			(h.id in (select household from assignments where status in ('registered','present'))
			 or h.id in (select household from unplaced))")" \
		"$(sq "select count(*) from ref.households where id in ($inside)")"
	eq "set-capacity: evacuating unchanged" "$(pk_status_field evacuating)" "$evac_before"
	expect_rc 0 run shelter set-capacity "$s2" "$cap2" --reason "aula dibuka"
	has "Shelter $s2 now holds $(commas "$cap2") persons."
	eq "set-capacity stored" "$(sq "select capacity from shelters where id='$s2'")" "$cap2"
	expect_rc 2 run shelter set-capacity "$s2" 10
fi
hh2=$(sq "select count(*) from assignments where shelter='$s2' and status in ('registered','present')")
if try shelter.close shelter close "$s2" --reason "atap bocor"; then
	eq "close --json: state" "$(jget "$T/out" '$.state')" closed
	eq "close --json: rehomed + unplaced" $(($(jget "$T/out" '$.rehomed') + $(jget "$T/out" '$.unplaced'))) "$hh2"
	eq "close stored" "$(sq "select state from shelters where id='$s2'")" closed
	eq "nobody left in the closed shelter" "$(sq "select count(*) from assignments where shelter='$s2' and status in ('registered','present')")" 0
	expect_rc 1 run shelter close "$s2" --reason again
	expect_rc 0 run shelter list --closed
	grep -E "^$s2 " "$T/out" | grep -q "closed" || fail "shelter list --closed: $s2"
	if try shelter.open shelter open "$s2"; then
		eq "open stored" "$(sq "select state from shelters where id='$s2'")" open
		expect_rc 0 run shelter close "$s2" --reason "e2e table form"
		has "Shelter $s2 is closed."
		expect_rc 0 run shelter open "$s2"
		has "Shelter $s2 is open."
	fi
fi
echo "== import, both forms"
{ head -n 1 data/sample/shelters.csv
  echo 'SH-9001,Masjid Contoh,mosque,106.84,-6.21,31.71.01.1001,,350,1,estimated'
  echo 'SH-9002,Bad,castle,106.84,-6.21,31.71.01.1001,10,,1,declared'; } >"$T/sh.csv"
rc=0; "${P[@]}" --json import shelters "$T/sh.csv" >"$T/out" 2>"$T/err" || rc=$?
if [ "$rc" = 1 ] && [ "$(jget "$T/out" '$.error.code')" = unknown_command ]; then
	echo "NOT IMPLEMENTED by poskod: import.shelters"
	notdone+=(import.shelters)
else
	# protocol.md 2.8: a batch is all or nothing
	[ "$rc" = 1 ] || { cat "$T/out" "$T/err"; fail "import with a bad row: exit $rc"; }
	eq "import --json: the bad batch stored nothing" "$(jget "$T/out" '$.accepted')" 0
	eq "import --json rejected" "$(jget "$T/out" '$.rejected[0].line')" 3
	eq "import: nothing of the batch stored" "$(sq "select count(*) from shelters where id='SH-9001'")" 0
	expect_rc 1 run import shelters "$T/sh.csv"
	has "2 rows read, 0 accepted, 1 rejected"; has "line 3:"
	head -n 2 "$T/sh.csv" >"$T/sh1.csv"
	expect_rc 0 run --json import shelters "$T/sh1.csv"
	eq "import --json accepted" "$(jget "$T/out" '$.accepted')" 1
	eq "import stored" "$(sq "select count(*) from shelters where id='SH-9001'")" 1
	eq "import total" "$(jget "$T/out" '$.total')" "$(sq 'select count(*) from shelters')"
	expect_rc 0 run import shelters "$T/sh1.csv"
	has "1 rows read, 1 accepted, 0 rejected"
fi

echo "== incident close, table and --json"
expect_rc 0 run incident close "$fire" --reason "api padam"
has "closed"
expect_rc 0 run --json incident show "$fire"
eq "incident close" "$(jget "$T/out" '$.state')" closed
eq "fire: nobody registered after the close" \
	"$(sq "select count(*) from assignments where incident=$fire and status='registered'")" 0
expect_rc 0 run --json incident close "$flood" --reason "air surut"
eq "incident close --json" "$(jget "$T/out" '$.state')" closed
expect_rc 0 run --json status
eq "incidents open after the closes" "$(jget "$T/out" '$.incidents.open')" 0
eq "registered after the closes (present ones stay)" "$(jget "$T/out" '$.people.registered')" \
	"$(sq "select coalesce(sum(persons),0) from ($REG_BY_SHELTER)")"
expect_rc 0 run incident list --closed
[ "$(grep -cE '^ *[0-9]+ ' "$T/out")" = 2 ] || fail "incident list --closed"

pk_stop
if [ ${#notdone[@]} -gt 0 ]; then
	echo "not checked (poskod lacks them): ${notdone[*]}"
fi
echo "poskoctl against poskod: passed"
