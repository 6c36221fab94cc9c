#!/bin/bash
# Reference data imported through `poskoctl import` (protocol.md 2.8) into
# a poskod whose [data] names no household, shelter, depot or stock file
# (the store is the whole register): depots, shelters, stock, households
# are live at once (an incident places families in an imported shelter and
# plans meals from an imported lot); a bad row refuses its batch with the
# field named and changes nothing; unsafe updates are refused; importing
# the same files again changes nothing; a restart keeps everything, with
# the same plan (dispatch numbers included); a depot imported during an
# incident is planned at once (its lot fills an open meal shortage).
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

CTL=${POSKOCTL:-$PK_ROOT/build/asan/poskoctl}
[ -x "$CTL" ] || pk_fail "$CTL is not built"
FX=$PK_ROOT/tests/fixtures/import

pk_setup
sed -i -e '/^households =/d' -e '/^shelters =/d' -e '/^depots =/d' \
	-e '/^stock =/d' "$PK_CONF"
pk_start
T=$PK_DIR/t
mkdir -p "$T"
P=("$CTL" --config "$PK_CONF" --operator e2e-admin --timeout 30)

q() { printf '%s' "$1" | sed "s/'/''/g"; }
jv() { sqlite3 :memory: "SELECT json_extract('$(q "$1")', '$2')"; }
jget() { jv "$(cat "$1")" "$2"; }
has() { grep -qF -- "$1" "${2:-$T/out}" || pk_fail "'$1' not in ${2:-$T/out}: $(cat "${2:-$T/out}")"; }
# run WANT_RC ARGS...: poskoctl, stdout in $T/out, stderr in $T/err
run() { pk_ctl_run "$@"; }
fingerprint() { # everything an import must not change when it changes nothing
	pk_sql "SELECT (SELECT count(*) FROM journal), (SELECT count(*) FROM outbox),
		(SELECT count(*) FROM households), (SELECT count(*) FROM shelters),
		(SELECT count(*) FROM depots), (SELECT count(*) FROM lots),
		(SELECT group_concat(id || ':' || capacity || ':' || name, ';') FROM shelters),
		(SELECT group_concat(depot || lot || qty, ';') FROM lots),
		(SELECT group_concat(id || ':' || members || ':' || lon, ';') FROM households)"
}

pk_eq "no shelter before the import" "$(pk_sql 'SELECT count(*) FROM shelters')" 0

# ---- import, in the order an office does it
run 0 import depots "$FX/depots.csv"
has "1 rows read, 1 accepted, 0 rejected. poskod now holds 1 depots."
run 0 --json import shelters "$FX/shelters.csv"
pk_eq "shelters added" "$(jget "$T/out" '$.added')" 2
pk_eq "shelters total" "$(jget "$T/out" '$.total')" 2
run 0 import stock "$FX/stock.csv"
has "5 rows read, 5 accepted, 0 rejected. poskod now holds 5 stock."
run 0 --json import households "$FX/households.csv" --batch 3
pk_eq "households accepted over 3 batches" "$(jget "$T/out" '$.accepted')" 8
pk_eq "households total" "$(jget "$T/out" '$.total')" 8

pk_eq "store: shelters" "$(pk_sql "SELECT group_concat(id || ' ' || capacity || ' ' || capacity_source || ' ' || accessible, ',') FROM (SELECT * FROM shelters ORDER BY id)")" \
	"SH-9001 100 estimated 1,SH-9002 12 declared 0"
pk_eq "store: quoted name kept" "$(pk_sql "SELECT name FROM shelters WHERE id='SH-9001'")" "Masjid Contoh, Utan Kayu"
pk_eq "store: lots" "$(pk_sql "SELECT count(*) || ' ' || sum(qty) FROM lots WHERE depot='DEP-9001'")" "5 3190"
pk_eq "store: households" "$(pk_sql "SELECT count(*) || ' ' || sum(members) FROM households")" "8 26"
pk_eq "journal: one row per batch with the operator" \
	"$(pk_sql "SELECT count(*) FROM journal WHERE action LIKE 'import.%' AND operator='e2e-admin'")" 6
# each batch once: the changed rows as column arrays in effective (a
# fraction as its shortest exact text), the request only summarised in raw
pk_eq "journal: raw is a summary of the batch" \
	"$(pk_sql "SELECT group_concat(json_extract(raw, '\$.args.batch') || ':' || json_extract(raw, '\$.args.rows') || ':' || json_extract(raw, '\$.args.last') || ':' || (instr(raw, '990001') > 0), ',') FROM (SELECT raw FROM journal WHERE action='import.households' ORDER BY id)")" \
	"1:3:0:0,2:3:0:0,3:2:1:0"
pk_eq "journal: households as arrays of the 9 columns" \
	"$(pk_sql "SELECT json_extract(effective, '\$.rows[0]') FROM journal WHERE action='import.households' ORDER BY id LIMIT 1")" \
	"$(sed -n 2p "$FX/households.csv" | awk -F, '{printf "[%s,\"%s\",\"%s\",\"%s\",%s,%s,%s,%s,%s]", $1,$2,$3,$4,$5,$6,$7,$8,$9}')"
r=$(pk_req '{"v":1,"cmd":"stock.list","args":{"depot":"DEP-9001"}}')
pk_eq "stock.list sees the imported lot" \
	"$(sqlite3 :memory: "SELECT json_extract(value, '\$.qty') FROM json_each(json_extract('$(q "$r")', '\$.data.lots')) WHERE json_extract(value, '\$.lot')='L-9001-M'")" 3000

# ---- a bad row refuses its batch, naming line and field; nothing changes
fp=$(fingerprint)
run 1 import households "$FX/households-bad.csv"
has "households-bad.csv:3:" "$T/err"
has "members must be a whole number 1 to 255" "$T/err"
has "batch 1 was not stored" "$T/err"
has "line 3:"
run 1 --json import households "$FX/households-bad.csv"
pk_eq "--json: the field" "$(jget "$T/out" '$.error.field')" "args.rows[1].members"
pk_eq "--json: the line" "$(jget "$T/out" '$.rejected[0].line')" 3
pk_eq "--json: nothing accepted" "$(jget "$T/out" '$.accepted')" 0
pk_eq "bad batch: nothing changed" "$(fingerprint)" "$fp"
pk_eq "bad batch: its good rows not stored" "$(pk_sql 'SELECT count(*) FROM households WHERE id IN (990101, 990103)')" 0
r=$(pk_req '{"v":1,"cmd":"import.stock","operator":"t","args":{"batch":2,"rows":[{"depot":"DEP-9001","lot":"X","item":"meal","qty":5},{"depot":"DEP-9001","lot":"X","item":"meal","qty":5}]}}')
pk_eq "the same lot twice in a batch" "$(jv "$r" '$.error.field')" "args.rows[1].lot"
r=$(pk_req '{"v":1,"cmd":"import.stock","operator":"t","args":{"rows":[{"depot":"DEP-0000","lot":"X","item":"meal","qty":5}]}}')
pk_eq "stock of an unknown depot" "$(jv "$r" '$.error.field')" "args.rows[0].depot"
r=$(pk_req '{"v":1,"cmd":"import.shelters","args":{"rows":[]}}')
pk_eq "import without operator" "$(jv "$r" '$.error.code')" missing_operator
pk_eq "refusals: nothing changed" "$(fingerprint)" "$fp"

# ---- unsafe updates are refused with conflict and the reason
sed 's/^SH-9001,\(.*\),106.878000,/SH-9001,\1,106.888000,/' "$FX/shelters.csv" >"$T/moved.csv"
run 1 --json import shelters "$T/moved.csv"
pk_eq "moved shelter: conflict" "$(jget "$T/out" '$.error.code')" conflict
pk_eq "moved shelter: field" "$(jget "$T/out" '$.error.field')" "args.rows[0].lon"
sed 's/L-9001-M,meal,3000/L-9001-M,meal,3500/' "$FX/stock.csv" >"$T/stock-more.csv"
run 1 --json import stock "$T/stock-more.csv"
pk_eq "lot qty by import: conflict" "$(jget "$T/out" '$.error.code')" conflict
has "stock.adjust" "$T/out"
pk_eq "unsafe updates: nothing changed" "$(fingerprint)" "$fp"

# ---- importing the same files again changes nothing
for k in depots shelters stock households; do
	run 0 --json import "$k" "$FX/$k.csv"
	pk_eq "re-import $k: nothing added" "$(jget "$T/out" '$.added')" 0
	pk_eq "re-import $k: nothing updated" "$(jget "$T/out" '$.updated')" 0
done
has "0 new, 0 updated, 8 unchanged" <("${P[@]}" import households "$FX/households.csv")
pk_eq "re-import: nothing changed" "$(fingerprint)" "$fp"

# ---- a safe update: SH-9002's declared capacity, through the plan
sed 's/^SH-9002,SDN Contoh 01,school,\(.*\),12,,0,declared/SH-9002,SDN Contoh 01,school,\1,20,,0,declared/' \
	"$FX/shelters.csv" >"$T/sh-cap.csv"
run 0 --json import shelters "$T/sh-cap.csv"
pk_eq "capacity update counted" "$(jget "$T/out" '$.updated')" 1
pk_eq "capacity update stored" "$(pk_sql "SELECT capacity FROM shelters WHERE id='SH-9002'")" 20

# ---- an incident: families in the imported shelter, meals from the imported lot
ev=$PK_DIR/events.txt
pk_sub "$ev"
pk_push "$FX/incident.json"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the incident was not opened"
pk_settle "$ev"
inc=$(pk_sql "SELECT id FROM incidents WHERE source_id='kebakaran-contoh'")
pk_eq "affected: the six households near the fire" \
	"$(pk_sql "SELECT affected_hh || ' ' || evac_hh || ' ' || placed_hh FROM incidents WHERE id=$inc")" "6 6 6"
pk_eq "placed in the imported SH-9001" \
	"$(pk_sql "SELECT group_concat(household, ',') FROM (SELECT household FROM assignments WHERE incident=$inc AND shelter='SH-9001' AND status='registered' ORDER BY household)")" \
	"990001,990002,990003,990004,990005,990006"
pk_eq "assign events" "$(pk_count "$ev" '^assign.household .*"shelter":"SH-9001"')" 6
persons=$(pk_sql "SELECT sum(persons) FROM assignments WHERE incident=$inc AND status='registered'")
pk_eq "meals from the imported lot: 3 x persons x 3 days" \
	"$(pk_sql "SELECT sum(qty) FROM dispatches WHERE incident=$inc AND kind='meals' AND depot='DEP-9001' AND lot='L-9001-M' AND status='planned'")" \
	"$((3 * persons * 3))"
pk_eq "dispatch.meals events from L-9001-M" "$(pk_count "$ev" '^dispatch.meals .*"lot":"L-9001-M"')" 3

# ---- a shelter imported inside the fire is not used for it; shrinking the
# imported SH-9001 (through the plan, as set_capacity) re-homes families
{ cat "$T/sh-cap.csv"
  echo 'SH-9003,Aula Dalam Api,community_hall,106.869700,-6.203200,31.75.01.1006,100,,1,declared'
  echo 'SH-9004,GOR Contoh,sports_hall,106.885000,-6.210000,31.75.01.1006,100,,1,declared'; } >"$T/sh-late.csv"
run 0 --json import shelters "$T/sh-late.csv"
pk_eq "two shelters added during the incident" "$(jget "$T/out" '$.added')" 2
pk_eq "journal: SH-9003 excluded for the fire" 	"$(pk_sql "SELECT json_extract(effective, '\$.exclude') FROM journal WHERE action='import.shelters' ORDER BY id DESC LIMIT 1")" 	"[[\"SH-9003\",$inc]]"
sed -i 's/^\(SH-9001,.*,\),350,1,estimated$/\15,350,1,declared/' "$T/sh-late.csv"
grep -q '^SH-9001,.*,5,350,1,declared$' "$T/sh-late.csv" || pk_fail "sh-late.csv edit"
n0=$(wc -l <"$ev")
run 0 --json import shelters "$T/sh-late.csv"
pk_eq "SH-9001 shrunk" "$(jget "$T/out" '$.updated')" 1
pk_settle "$ev"
pk_eq "SH-9001 holds at most 5" "$(pk_sql "SELECT coalesce(sum(persons),0) <= 5 FROM assignments WHERE shelter='SH-9001' AND status='registered'")" 1
pk_eq "families re-homed" "$(tail -n +"$((n0 + 1))" "$ev" | grep -c '^assign.household .*"reason":"rehome"' || true)" \
	"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND shelter!='SH-9001' AND status='registered'")"
pk_eq "nobody placed in the shelter inside the fire" "$(pk_sql "SELECT count(*) FROM assignments WHERE shelter='SH-9003'")" 0
pk_eq "re-homed into SH-9004 (outside the fire)" "$(pk_sql "SELECT count(*) > 0 FROM assignments WHERE shelter='SH-9004' AND status='registered'")" 1
pk_eq "every family placed or unplaced" \
	"$(pk_sql "SELECT placed_hh + unplaced_hh FROM incidents WHERE id=$inc")" 6

# ---- after the first incident: households of it are not changed; a new
# depot is planned at once: its lot fills an open meal shortage
sed 's/^990001,\(.*\),4,0,1,0,0$/990001,\1,5,0,1,0,0/' "$FX/households.csv" >"$T/hh-more.csv"
run 1 --json import households "$T/hh-more.csv"
pk_eq "household in an open incident: conflict" "$(jget "$T/out" '$.error.code')" conflict
pk_eq "household in an open incident: field" "$(jget "$T/out" '$.error.field')" "args.rows[0].id"
# 30 days from 2030-01-10: L-9001-M expires 2030-01-31, so the meals of
# 1 to 8 February are short
r=$(pk_req "{\"v\":1,\"cmd\":\"incident.update\",\"operator\":\"t\",\"args\":{\"incident\":$inc,\"days\":30}}")
pk_eq "incident.update days" "$(jv "$r" '$.ok')" 1
pk_wait_grep "$ev" '^incident.updated' 1 60 || pk_fail "the incident was not updated"
pk_settle "$ev"
persons=$(pk_sql "SELECT sum(persons) FROM assignments WHERE incident=$inc AND status='registered'")
short() { pk_sql "SELECT coalesce(sum(deficit),0) FROM shortages WHERE incident=$inc AND item='meal'"; }
pk_eq "meals of 8 days after the lot expires are short" "$(short)" "$((3 * persons * 8))"
printf 'id,name,lon,lat,kelurahan,city\nDEP-9002,Gudang Dua,106.87,-6.21,31.75.01.1006,31.75\n' >"$T/dep2.csv"
printf 'depot,lot,item,qty,expires\nDEP-9002,L-9002-M,meal,5000,2030-03-31\n' >"$T/stock2.csv"
run 0 --json import depots "$T/dep2.csv"
pk_eq "new depot added during the incident" "$(jget "$T/out" '$.added') $(jget "$T/out" '$.total')" "1 2"
pk_eq "no depot waits for a restart" "$(jget "$T/out" '$.planned_after_restart')" ""
pk_eq "a depot alone changes no dispatch" "$(short)" "$((3 * persons * 8))"
n0=$(wc -l <"$ev")
run 0 --json import stock "$T/stock2.csv"
pk_eq "its stock is imported at once" "$(jget "$T/out" '$.added')" 1
pk_settle "$ev"
pk_eq "the meal shortage is filled from the new lot" "$(short)" 0
pk_eq "meals of 1-8 February from L-9002-M" \
	"$(pk_sql "SELECT count(DISTINCT day) || ' ' || sum(qty) || ' ' || min(day) FROM dispatches WHERE incident=$inc AND lot='L-9002-M' AND status='planned'")" \
	"8 $((3 * persons * 8)) 2030-02-01"
pk_eq "dispatch.meals events from L-9002-M, one per line" \
	"$(tail -n +"$((n0 + 1))" "$ev" | grep -c '^dispatch.meals .*"lot":"L-9002-M"' || true)" \
	"$(pk_sql "SELECT count(*) FROM dispatches WHERE lot='L-9002-M'")"
run 0 --json import depots "$T/dep2.csv"
pk_eq "the new depot imported again: unchanged" "$(jget "$T/out" '$.unchanged')" 1
r=$(pk_req '{"v":1,"cmd":"stock.receive","operator":"t","args":{"depot":"DEP-9002","lot":"L-9002-K","item":"kit_adult","qty":10}}')
pk_eq "desk receipt into the new depot" "$(jv "$r" '$.ok')" 1

# ---- restart: everything imported is back, the plan is the same
before=$(pk_sql "SELECT group_concat(id || household || shelter || status, ';') FROM assignments")
sbefore=$(pk_sql "SELECT group_concat(shelter || day || item || deficit, ';') FROM shortages")
dbefore=$(pk_sql "SELECT group_concat(id || lot || day || qty || status, ';') FROM dispatches")
fp=$(fingerprint)
pk_stop || pk_fail "poskod did not stop cleanly"
# a store written before the column arrays holds each row as an object:
# its batches replay too
pk_sql "UPDATE journal SET effective = json_set(effective, '\$.rows', (SELECT
	json_group_array(json_object('id', json_extract(value, '\$[0]'),
	'lon', json_extract(value, '\$[1]'), 'lat', json_extract(value, '\$[2]'),
	'kelurahan', json_extract(value, '\$[3]'), 'members', json_extract(value, '\$[4]'),
	'elderly', json_extract(value, '\$[5]'), 'under5', json_extract(value, '\$[6]'),
	'disabled', json_extract(value, '\$[7]'), 'pregnant', json_extract(value, '\$[8]')))
	FROM json_each(effective, '\$.rows'))) WHERE action='import.households'"
pk_eq "journal: households rows as objects" \
	"$(pk_sql "SELECT json_extract(effective, '\$.rows[0].members') FROM journal WHERE action='import.households' ORDER BY id LIMIT 1")" 4
pk_start
grep -q "data: 0 households, 0 shelters, 2 depots" "$PK_DIR/poskod.log" ||
	pk_fail "the store's depots were not loaded at start"
grep -q "imported batches: 8 households, 4 shelters, 2 depots, 7 lots" "$PK_DIR/poskod.log" ||
	pk_fail "the imported data was not replayed at start"
pk_eq "restart: store unchanged" "$(fingerprint)" "$fp"
for k in depots stock; do
	run 0 --json import "$k" "$FX/$k.csv"
	pk_eq "after restart, $k held: nothing added" "$(jget "$T/out" '$.added')" 0
done
run 0 --json import shelters "$T/sh-late.csv"
pk_eq "after restart, the shelters and their updates are held" "$(jget "$T/out" '$.unchanged')" 4
run 0 --json import households "$FX/households.csv"
pk_eq "after restart, households held" "$(jget "$T/out" '$.unchanged') $(jget "$T/out" '$.total')" "8 8"
pk_eq "restart: nothing changed by those" "$(fingerprint)" "$fp"
r=$(pk_req '{"v":1,"cmd":"household.find","args":{"household":990003}}')
pk_eq "household.find of an imported household" "$(jv "$r" '$.data.households[0].assignment.shelter')" \
	"$(pk_sql "SELECT shelter FROM assignments WHERE household=990003 AND status='registered'")"
pk_push "$FX/incident.json"
sleep 1
pk_eq "restart: the incident again is a duplicate, nothing new" \
	"$(pk_sql "SELECT group_concat(id || household || shelter || status, ';') FROM assignments")" "$before"
pk_eq "restart: same dispatches" \
	"$(pk_sql "SELECT group_concat(id || lot || day || qty || status, ';') FROM dispatches")" "$dbefore"
r=$(pk_req '{"v":1,"cmd":"dispatch.confirm","operator":"t","args":{"dispatch":1}}')
pk_eq "dispatch 1 (imported lot) confirmed after the restart" "$(jv "$r" '$.ok')" 1
pk_eq "its meals left the imported lot" "$(pk_sql "SELECT qty FROM lots WHERE lot='L-9001-M'")" \
	"$((3000 - $(pk_sql 'SELECT qty FROM dispatches WHERE id=1')))"
pk_eq "restart: same shortages" \
	"$(pk_sql "SELECT group_concat(shelter || day || item || deficit, ';') FROM shortages")" "$sbefore"
run 0 --json import stock "$T/stock2.csv"
pk_eq "after the restart the new depot's lot is held" "$(jget "$T/out" '$.unchanged')" 1

pk_stop || pk_fail "poskod did not stop cleanly"

# ---- the sample register imported decides as the sample files loaded
# at start: the same flood gives the same assignments and dispatches
decide_flood() { # DIR import|files
	pk_setup "$1"
	[ "$2" = files ] || sed -i -e '/^households =/d' -e '/^shelters =/d' \
		-e '/^depots =/d' -e '/^stock =/d' "$PK_CONF"
	pk_start
	# importing the very files poskod loaded changes nothing
	for k in depots shelters stock households; do
		[ "$2" = files ] || break
		"$CTL" --config "$PK_CONF" --operator e2e --json --timeout 60 \
			import "$k" "$PK_DATA/$k.csv" >"$1/same-$k.json" ||
			pk_fail "import of the loaded $k: $(cat "$1/same-$k.json")"
		pk_eq "the loaded $k imported again: all unchanged" \
			"$(jget "$1/same-$k.json" '$.added') $(jget "$1/same-$k.json" '$.updated') $(jget "$1/same-$k.json" '$.unchanged')" \
			"0 0 $(($(wc -l <"$PK_DATA/$k.csv") - 1))"
	done
	if [ "$2" = import ]; then
		for k in depots shelters stock households; do
			"$CTL" --config "$PK_CONF" --operator e2e --timeout 60 \
				import "$k" "$PK_DATA/$k.csv" >"$1/import-$k.txt" ||
				pk_fail "import of the sample $k: $(cat "$1/import-$k.txt")"
		done
	fi
	pk_sub "$1/ev.txt"
	pk_push "$PK_DATA/incidents/flood-2007.json"
	pk_wait_grep "$1/ev.txt" '^incident.opened' 1 60 || pk_fail "the flood was not opened ($2)"
	pk_settle "$1/ev.txt"
	pk_sql "SELECT household, shelter, persons, status FROM assignments ORDER BY id" >"$1/assign.txt"
	pk_sql "SELECT shelter, depot, lot, day, item, qty FROM dispatches ORDER BY id" >"$1/disp.txt"
	pk_stop || pk_fail "poskod did not stop cleanly"
	for p in "${PK_SUBS[@]}"; do kill "$p" 2>/dev/null || true; done
	PK_SUBS=()
}
decide_flood "$TMPDIR/files" files
decide_flood "$TMPDIR/imported" import
grep -q "5,000 new" "$TMPDIR/imported/import-households.txt" || pk_fail "sample households not imported"
[ -s "$TMPDIR/files/assign.txt" ] || pk_fail "the sample flood placed nobody"
cmp -s "$TMPDIR/files/assign.txt" "$TMPDIR/imported/assign.txt" ||
	pk_fail "imported register: other assignments than from the files"
cmp -s "$TMPDIR/files/disp.txt" "$TMPDIR/imported/disp.txt" ||
	pk_fail "imported register: other dispatches than from the files"
echo "ok: imported sample register decides the flood as the files ($(wc -l <"$TMPDIR/files/assign.txt") assignments)"
echo "PASS"
