#!/bin/bash
# The desk's write commands on the sample flood, through the control socket:
# shelter.close re-homes its families (or reports them unplaced) and the
# numbers still add up; shelter.open; set_capacity; checkin / checkout;
# stock.receive / adjust (reason required, never below what is reserved);
# dispatch.confirm; alerts.ack; report.spm rows add up; refusals change
# nothing; and a restart rebuilds the same state from the journal.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"
pk_push "$PK_DATA/incidents/flood-2007.json"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the flood was not opened"
pk_settle "$ev"

q() { printf '%s' "$1" | sed "s/'/''/g"; }
jv() { sqlite3 :memory: "SELECT json_extract('$(q "$1")', '$2')"; }
req() { # JSON -> reply; fails on a missing reply
	local r
	r=$(pk_req "$1") || pk_fail "no reply to $1"
	echo "$r"
}
want_ok() { # WHAT JSON
	local r
	r=$(req "$2")
	[ "$(jv "$r" '$.ok')" = 1 ] || pk_fail "$1: $r"
	echo "ok: $1" >&2
	echo "$r"
}
want_err() { # WHAT CODE JSON
	local r
	r=$(req "$3")
	[ "$(jv "$r" '$.error.code')" = "$2" ] || pk_fail "$1: want $2, got $r"
	echo "ok: $1 -> $2"
}
adds_up() {
	pk_eq "$1: evacuees = placed + unplaced" \
		"$(pk_sql "SELECT count(*) FROM incidents WHERE evac_hh != placed_hh + unplaced_hh")" 0
	pk_eq "$1: store placed = registered assignments" \
		"$(pk_sql "SELECT sum(placed_hh) FROM incidents WHERE state='open'")" \
		"$(pk_sql "SELECT count(*) FROM assignments a JOIN incidents i ON i.id=a.incident WHERE i.state='open' AND a.status IN ('registered','present')")"
	pk_eq "$1: store unplaced rows" \
		"$(pk_sql "SELECT sum(unplaced_hh) FROM incidents WHERE state='open'")" \
		"$(pk_sql "SELECT count(*) FROM unplaced u WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.incident=u.incident AND a.household=u.household AND a.status IN ('registered','present'))")"
	pk_eq "$1: no shelter over capacity" \
		"$(pk_sql "SELECT count(*) FROM shelters s WHERE capacity < (SELECT coalesce(sum(persons),0) FROM assignments a WHERE a.shelter=s.id AND a.status IN ('registered','present'))")" 0
	pk_eq "$1: nobody in a closed shelter" \
		"$(pk_sql "SELECT count(*) FROM assignments a JOIN shelters s ON s.id=a.shelter WHERE s.state='closed' AND a.status IN ('registered','present')")" 0
}
adds_up "after the flood"

# ---- refusals change nothing
nj=$(pk_sql "SELECT count(*) FROM journal")
want_err "shelter.close without operator" missing_operator '{"v":1,"cmd":"shelter.close","args":{"shelter":"SH-0001","reason":"x"}}'
want_err "shelter.close unknown" not_found '{"v":1,"cmd":"shelter.close","operator":"t","args":{"shelter":"SH-9999","reason":"x"}}'
want_err "shelter.close without reason" bad_argument '{"v":1,"cmd":"shelter.close","operator":"t","args":{"shelter":"SH-0001"}}'
want_err "shelter.open of an open one" conflict '{"v":1,"cmd":"shelter.open","operator":"t","args":{"shelter":"SH-0001"}}'
want_err "stock.adjust without reason" bad_argument '{"v":1,"cmd":"stock.adjust","operator":"t","args":{"depot":"DEP-3171","lot":"3171-M1","delta":-1}}'
want_err "transfer (not built)" unknown_command '{"v":1,"cmd":"transfer","operator":"t","args":{"household":1,"shelter":"SH-0002","reason":"x"}}'
pk_eq "refusals: journal unchanged" "$(pk_sql "SELECT count(*) FROM journal")" "$nj"

# ---- shelter.close: the fullest shelter
sh=$(pk_sql "SELECT shelter FROM assignments WHERE status='registered' GROUP BY shelter ORDER BY sum(persons) DESC, shelter LIMIT 1")
fam=$(pk_sql "SELECT count(*) FROM assignments WHERE shelter='$sh' AND status='registered'")
un0=$(pk_sql "SELECT sum(unplaced_hh) FROM incidents")
n0=$(wc -l <"$ev")
r=$(want_ok "shelter.close $sh ($fam families)" "{\"v\":1,\"cmd\":\"shelter.close\",\"operator\":\"t\",\"args\":{\"shelter\":\"$sh\",\"reason\":\"atap bocor\"}}")
rehomed=$(jv "$r" '$.data.rehomed')
unpl=$(jv "$r" '$.data.unplaced')
pk_eq "closed shelter state" "$(jv "$r" '$.data.state')" closed
pk_eq "every family of $sh re-homed or unplaced" "$((rehomed + unpl))" "$fam"
pk_settle "$ev"
pk_eq "rehome events" "$(tail -n +"$((n0 + 1))" "$ev" | grep -c '^assign.household .*"reason":"rehome"' || true)" "$rehomed"
pk_eq "unplaced grew by the unplaced" "$(pk_sql "SELECT sum(unplaced_hh) FROM incidents")" "$((un0 + unpl))"
adds_up "after shelter.close"
want_err "shelter.close again" conflict "{\"v\":1,\"cmd\":\"shelter.close\",\"operator\":\"t\",\"args\":{\"shelter\":\"$sh\",\"reason\":\"x\"}}"

# ---- shelter.open: it takes unplaced families again
r=$(want_ok "shelter.open $sh" "{\"v\":1,\"cmd\":\"shelter.open\",\"operator\":\"t\",\"args\":{\"shelter\":\"$sh\"}}")
pk_eq "opened shelter state" "$(pk_sql "SELECT state FROM shelters WHERE id='$sh'")" open
un1=$(pk_sql "SELECT sum(unplaced_hh) FROM incidents")
[ "$un1" -le "$((un0 + unpl))" ] || pk_fail "opening a shelter made more families unplaced"
[ "$(pk_sql "SELECT count(*) FROM assignments WHERE shelter='$sh' AND status='registered'")" -gt 0 ] ||
	pk_fail "the re-opened shelter took nobody"
adds_up "after shelter.open"

# ---- set_capacity: grow an empty shelter
sh2=$(pk_sql "SELECT id FROM shelters s WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.shelter=s.id AND a.status='registered') ORDER BY id LIMIT 1")
r=$(want_ok "shelter.set_capacity $sh2" "{\"v\":1,\"cmd\":\"shelter.set_capacity\",\"operator\":\"t\",\"args\":{\"shelter\":\"$sh2\",\"capacity\":500,\"reason\":\"aula dibuka\"}}")
pk_eq "capacity in the reply" "$(jv "$r" '$.data.capacity')" 500
pk_eq "capacity in the store" "$(pk_sql "SELECT capacity FROM shelters WHERE id='$sh2'")" 500
adds_up "after set_capacity"

# ---- checkin / checkout
hh=$(pk_sql "SELECT household FROM assignments WHERE status='registered' ORDER BY household LIMIT 1")
hsh=$(pk_sql "SELECT shelter FROM assignments WHERE household=$hh AND status='registered'")
want_err "checkin at the wrong shelter" conflict "{\"v\":1,\"cmd\":\"checkin\",\"operator\":\"t\",\"args\":{\"household\":$hh,\"shelter\":\"SH-9998\"}}"
r=$(want_ok "checkin $hh" "{\"v\":1,\"cmd\":\"checkin\",\"operator\":\"t\",\"args\":{\"household\":$hh}}")
pk_eq "checked in" "$(jv "$r" '$.data.assignment.status')" present
pk_wait_grep "$ev" "^assign.household .*\"household\":$hh,.*\"status\":\"present\",\"reason\":\"checkin\",\"operator\":\"t\"" 1 10 ||
	pk_fail "no checkin event"
want_err "checkin twice" conflict "{\"v\":1,\"cmd\":\"checkin\",\"operator\":\"t\",\"args\":{\"household\":$hh}}"
placed=$(pk_sql "SELECT sum(placed_hh) FROM incidents")
r=$(want_ok "checkout $hh" "{\"v\":1,\"cmd\":\"checkout\",\"operator\":\"t\",\"args\":{\"household\":$hh,\"reason\":\"pulang\"}}")
pk_eq "checked out" "$(jv "$r" '$.data.assignment.status')" checked_out
pk_wait_grep "$ev" "^assign.household .*\"household\":$hh,.*\"status\":\"checked_out\",\"reason\":\"checkout\"" 1 10 ||
	pk_fail "no checkout event"
placed2=$(pk_sql "SELECT sum(placed_hh) FROM incidents")
[ "$placed2" -le "$placed" ] || pk_fail "placed grew on a checkout"
want_err "checkout twice" not_found "{\"v\":1,\"cmd\":\"checkout\",\"operator\":\"t\",\"args\":{\"household\":$hh,\"reason\":\"x\"}}"
adds_up "after checkout"

# ---- stock
r=$(want_ok "stock.receive" '{"v":1,"cmd":"stock.receive","operator":"t","args":{"depot":"DEP-3171","item":"meal","qty":500,"lot":"E2E-1","expires":"2030-01-01"}}')
pk_eq "received lot" "$(pk_sql "SELECT qty FROM lots WHERE depot='DEP-3171' AND lot='E2E-1'")" 500
r=$(want_ok "stock.adjust -40" '{"v":1,"cmd":"stock.adjust","operator":"t","args":{"depot":"DEP-3171","lot":"E2E-1","delta":-40,"reason":"basah, rusak"}}')
pk_eq "adjusted lot" "$(pk_sql "SELECT qty FROM lots WHERE depot='DEP-3171' AND lot='E2E-1'")" 460
pk_eq "movement with its reason" "$(pk_sql "SELECT reason || '/' || operator FROM movements WHERE lot='E2E-1' AND kind='adjusted'")" "basah, rusak/t"
res=$(pk_sql "SELECT coalesce(sum(qty),0) FROM dispatches WHERE depot='DEP-3171' AND lot='3171-M1' AND status='planned'")
q1=$(pk_sql "SELECT qty FROM lots WHERE depot='DEP-3171' AND lot='3171-M1'")
if [ "$res" -gt 0 ]; then
	want_err "stock.adjust below reserved" conflict "{\"v\":1,\"cmd\":\"stock.adjust\",\"operator\":\"t\",\"args\":{\"depot\":\"DEP-3171\",\"lot\":\"3171-M1\",\"delta\":-$((q1 - res + 1)),\"reason\":\"hilang\"}}"
fi
r=$(want_ok "stock.list meal" '{"v":1,"cmd":"stock.list","args":{"item":"meal","depot":"DEP-3171"}}')
pk_eq "stock.list available = qty - reserved" \
	"$(sqlite3 :memory: "SELECT count(*) FROM json_each('$(q "$r")', '\$.data.lots') WHERE value->>'available' != value->>'qty' - value->>'reserved'")" 0

# ---- dispatch.confirm
d=$(pk_sql "SELECT id FROM dispatches WHERE status='planned' AND kind='meals' AND qty > 0 ORDER BY id LIMIT 1")
dq=$(pk_sql "SELECT qty FROM dispatches WHERE id=$d")
dlot=$(pk_sql "SELECT depot || '|' || lot FROM dispatches WHERE id=$d")
lq=$(pk_sql "SELECT qty FROM lots WHERE depot || '|' || lot = '$dlot'")
want_ok "dispatch.confirm $d" "{\"v\":1,\"cmd\":\"dispatch.confirm\",\"operator\":\"t\",\"args\":{\"dispatch\":$d}}" >/dev/null
pk_eq "dispatch confirmed" "$(pk_sql "SELECT status FROM dispatches WHERE id=$d")" confirmed
pk_eq "lot consumed" "$(pk_sql "SELECT qty FROM lots WHERE depot || '|' || lot = '$dlot'")" "$((lq - dq))"
pk_wait_grep "$ev" "^dispatch.meals .*\"dispatch\":$d,.*\"status\":\"confirmed\",\"operator\":\"t\"" 1 10 ||
	pk_fail "no confirmed dispatch event"
want_err "dispatch.confirm twice" conflict "{\"v\":1,\"cmd\":\"dispatch.confirm\",\"operator\":\"t\",\"args\":{\"dispatch\":$d}}"

# ---- alerts.ack
a=$(pk_sql "SELECT id FROM alerts WHERE state='raised' ORDER BY id LIMIT 1")
want_ok "alerts.ack $a" "{\"v\":1,\"cmd\":\"alerts.ack\",\"operator\":\"t\",\"args\":{\"alert\":$a,\"note\":\"sudah ditelepon\"}}" >/dev/null
pk_eq "acknowledged" "$(pk_sql "SELECT state || '/' || acked_by FROM alerts WHERE id=$a")" acknowledged/t
pk_wait_grep "$ev" "\"alert\":$a,\"state\":\"acknowledged\"" 1 10 || pk_fail "no acknowledged event"
want_err "alerts.ack twice" conflict "{\"v\":1,\"cmd\":\"alerts.ack\",\"operator\":\"t\",\"args\":{\"alert\":$a}}"

# ---- report.spm: every count adds up, kelurahan -> city -> total
r=$(want_ok "report.spm 2007-02-02" '{"v":1,"cmd":"report.spm","args":{"date":"2007-02-02"}}')
for f in evacuees fed_3x1 person_days meals_planned meals_delivered kits_planned kits_issued; do
	k=$(sqlite3 :memory: "SELECT coalesce(sum(value->>'$f'),0) FROM json_each('$(q "$r")', '\$.data.kelurahan')")
	c=$(sqlite3 :memory: "SELECT coalesce(sum(value->>'$f'),0) FROM json_each('$(q "$r")', '\$.data.cities')")
	t=$(jv "$r" "\$.data.total.$f")
	[ "$k" = "$c" ] && [ "$c" = "$t" ] || pk_fail "report.spm $f: kelurahan $k, cities $c, total $t"
done
echo "ok: report.spm adds up (total evacuees $(jv "$r" '$.data.total.evacuees'))"
pk_eq "report.spm evacuees = persons registered in the flood" "$(jv "$r" '$.data.total.evacuees')" \
	"$(pk_sql "SELECT sum(persons) FROM assignments WHERE incident=1 AND status IN ('registered','present')")"
[ "$(jv "$r" '$.data.total.fed_3x1')" -gt 0 ] || echo "note: no shelter fully confirmed on 2007-02-02"
r=$(want_ok "report.spm of a day without evacuees" '{"v":1,"cmd":"report.spm","args":{"date":"1999-01-01"}}')
pk_eq "empty report: evacuees" "$(jv "$r" '$.data.total.evacuees')" 0
pk_eq "empty report: needs met" "$(jv "$r" '$.data.total.needs_met')" 1.0
want_err "report.spm bad date" bad_argument '{"v":1,"cmd":"report.spm","args":{"date":"2007-13-45"}}' 

# ---- a desk write while a decision runs waits for it (the desk socket
# pauses) and is answered after it; reads go on meanwhile
pk_push_data '{"v":1,"kind":"incident.report","source":"bpbd-dki","source_id":"2007-02-banjir","action":"update","days":6}'
want_ok "set_capacity during the flood update" "{\"v\":1,\"cmd\":\"shelter.set_capacity\",\"operator\":\"t\",\"args\":{\"shelter\":\"$sh2\",\"capacity\":400,\"reason\":\"x\"}}" >/dev/null
want_ok "status during the flood update" '{"v":1,"cmd":"status"}' >/dev/null
pk_wait_grep "$ev" '^incident.updated' 1 60 || pk_fail "the flood update was not decided"
pk_settle "$ev"
pk_eq "capacity after the concurrent write" "$(pk_sql "SELECT capacity FROM shelters WHERE id='$sh2'")" 400
adds_up "after the concurrent write"

# ---- restart: the journal rebuilds the same state
snap() {
	{
		pk_sql "SELECT group_concat(x, ';') FROM (SELECT id || ':' || state || ':' || capacity AS x FROM shelters ORDER BY id)"
		pk_sql "SELECT group_concat(placed_hh || '/' || unplaced_hh) FROM incidents"
		pk_req '{"v":1,"cmd":"shelter.list"}'
		pk_req '{"v":1,"cmd":"stock.list"}'
	} | md5sum | cut -c1-16
}
pk_settle "$ev"
before=$(snap)
nev=$(pk_sql "SELECT count(*) FROM outbox")
pk_stop || pk_fail "poskod did not stop cleanly"
pk_start
grep -q "journal steps replayed" "$PK_DIR/poskod.log" || pk_fail "no replay"
pk_eq "state after restart" "$(snap)" "$before"
pk_eq "restart published no new decision" "$(pk_sql "SELECT count(*) FROM outbox")" "$nev"
# and the rebuilt plan goes on: a checkout after the restart
hh2=$(pk_sql "SELECT household FROM assignments WHERE status='registered' ORDER BY household LIMIT 1")
want_ok "checkout after restart" "{\"v\":1,\"cmd\":\"checkout\",\"operator\":\"t\",\"args\":{\"household\":$hh2,\"reason\":\"pulang\"}}" >/dev/null
adds_up "after the restart"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
