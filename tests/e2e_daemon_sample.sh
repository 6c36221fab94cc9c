#!/bin/bash
# The sample flood and fire through the real sockets: the events come out,
# their numbers add up (every evacuee assigned or unplaced, once), the store
# agrees with the events, meals are 3 x persons x days (or a shortage), no
# shelter over capacity; then a replay changes nothing.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

flood=$PK_DATA/incidents/flood-2007.json
fire=$(ls "$PK_DATA"/incidents/fire-*.json | head -n 1)
pk_push "$flood"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"2007-02-banjir"' 1 60 ||
	pk_fail "no incident.opened for the flood"
pk_push "$fire"
pk_wait_grep "$ev" '^incident.opened' 2 60 || pk_fail "no incident.opened for the fire"
pk_settle "$ev"
pk_evdb "$ev"

# event ids strictly increasing, no gap after the probe
pk_eq "events in id order" \
	"$(pk_evq "SELECT count(*) FROM ev a JOIN ev b ON b.rowid = a.rowid + 1
		   WHERE b.j->>'id' <= a.j->>'id'")" 0
pk_eq "events without a gap" \
	"$(pk_evq "SELECT max(j->>'id') - min(j->>'id') + 1 = count(*) FROM ev")" 1
pk_eq "ingest.accepted" "$(pk_evq "SELECT count(*) FROM ev WHERE topic='ingest.accepted' AND j->>'duplicate'=0")" 2

for inc in 1 2; do
	o="SELECT j FROM ev WHERE topic='incident.opened' AND j->>'incident'=$inc"
	ev_hh=$(pk_evq "SELECT j->'evacuees'->>'households' FROM ($o)")
	pl_hh=$(pk_evq "SELECT j->'placed'->>'households' FROM ($o)")
	un_hh=$(pk_evq "SELECT j->'unplaced'->>'households' FROM ($o)")
	ev_p=$(pk_evq "SELECT j->'evacuees'->>'persons' FROM ($o)")
	pl_p=$(pk_evq "SELECT j->'placed'->>'persons' FROM ($o)")
	un_p=$(pk_evq "SELECT j->'unplaced'->>'persons' FROM ($o)")
	af_hh=$(pk_evq "SELECT j->'affected'->>'households' FROM ($o)")
	echo "incident $inc: affected $af_hh, evacuating $ev_hh ($ev_p persons), placed $pl_hh, unplaced $un_hh"
	[ "$ev_hh" -gt 0 ] || pk_fail "incident $inc evacuates nobody"
	[ "$af_hh" -ge "$ev_hh" ] || pk_fail "incident $inc: more evacuees than affected"
	pk_eq "incident $inc: evacuees = placed + unplaced (households)" "$ev_hh" "$((pl_hh + un_hh))"
	pk_eq "incident $inc: evacuees = placed + unplaced (persons)" "$ev_p" "$((pl_p + un_p))"
	pk_eq "incident $inc: assign.household events" \
		"$(pk_evq "SELECT count(DISTINCT j->>'household') FROM ev WHERE topic='assign.household' AND j->>'incident'=$inc AND j->>'status'='registered'")" "$pl_hh"
	pk_eq "incident $inc: assign.household persons" \
		"$(pk_evq "SELECT coalesce(sum(j->>'persons'),0) FROM ev WHERE topic='assign.household' AND j->>'incident'=$inc AND j->>'status'='registered'")" "$pl_p"
	pk_eq "incident $inc: unplaced.household events" \
		"$(pk_evq "SELECT count(DISTINCT j->>'household') FROM ev WHERE topic='unplaced.household' AND j->>'incident'=$inc")" "$un_hh"
	pk_eq "incident $inc: nobody both placed and unplaced" \
		"$(pk_evq "SELECT count(*) FROM ev a JOIN ev b ON a.j->>'household' = b.j->>'household'
			   WHERE a.topic='assign.household' AND b.topic='unplaced.household'
			   AND a.j->>'incident'=$inc AND b.j->>'incident'=$inc")" 0
	# the store agrees with the events
	pk_eq "incident $inc: store assignments" \
		"$(pk_sql "SELECT count(*) FROM assignments WHERE incident=$inc AND status='registered'")" "$pl_hh"
	pk_eq "incident $inc: store unplaced" \
		"$(pk_sql "SELECT count(*) FROM unplaced WHERE incident=$inc")" "$un_hh"
	pk_eq "incident $inc: no household assigned twice" \
		"$(pk_sql "SELECT count(*) FROM (SELECT household FROM assignments WHERE incident=$inc GROUP BY household HAVING count(*) > 1)")" 0
	pk_eq "incident $inc: store totals" \
		"$(pk_sql "SELECT evac_hh || ' ' || placed_hh || ' ' || unplaced_hh FROM incidents WHERE id=$inc")" \
		"$ev_hh $pl_hh $un_hh"
	# permakanan 3x1: planned meals + shortage = 3 x persons, every day
	pk_eq "incident $inc: meals = 3 x persons per shelter and day" \
		"$(pk_sql "WITH p AS (SELECT shelter, sum(persons) n FROM assignments
				WHERE incident=$inc AND status='registered' GROUP BY shelter),
			d AS (SELECT shelter, day, sum(qty) q FROM dispatches
				WHERE incident=$inc AND kind='meals' AND status='planned' GROUP BY shelter, day),
			s AS (SELECT shelter, day, deficit FROM shortages WHERE incident=$inc AND item='meal'),
			days AS (SELECT shelter, day FROM d UNION SELECT shelter, day FROM s)
			SELECT count(*) FROM days JOIN p USING (shelter)
			LEFT JOIN d USING (shelter, day) LEFT JOIN s USING (shelter, day)
			WHERE coalesce(d.q,0) + coalesce(s.deficit,0) != 3 * p.n")" 0
	ndays=$(pk_sql "SELECT days FROM incidents WHERE id=$inc")
	pk_eq "incident $inc: every placed shelter fed every day" \
		"$(pk_sql "SELECT count(*) FROM (SELECT shelter FROM assignments WHERE incident=$inc AND status='registered' GROUP BY shelter) p
			WHERE (SELECT count(DISTINCT day) FROM (SELECT day FROM dispatches WHERE incident=$inc AND kind='meals' AND status='planned' AND shelter=p.shelter
				UNION SELECT day FROM shortages WHERE incident=$inc AND item='meal' AND shelter=p.shelter AND deficit > 0)) != $ndays")" 0
	# the dispatch events are the store's lines
	pk_eq "incident $inc: dispatch.meals events = store lines" \
		"$(pk_evq "SELECT count(DISTINCT j->>'dispatch') FROM ev WHERE topic='dispatch.meals' AND j->>'incident'=$inc")" \
		"$(pk_sql "SELECT count(*) FROM dispatches WHERE incident=$inc AND kind='meals'")"
	if [ "$un_hh" -gt 0 ]; then
		pk_eq "incident $inc: alert.unplaced raised" \
			"$(pk_evq "SELECT j->>'households' FROM ev WHERE topic='alert.unplaced' AND j->>'incident'=$inc AND j->>'state'='raised'")" "$un_hh"
	fi
done

pk_eq "no shelter over capacity" \
	"$(pk_sql "SELECT count(*) FROM shelters s WHERE capacity < (SELECT coalesce(sum(persons),0) FROM assignments a WHERE a.shelter=s.id AND a.status IN ('registered','present'))")" 0
pk_eq "a full shelter has an alert" \
	"$(pk_sql "SELECT count(*) FROM shelters s WHERE capacity > 0 AND capacity <= (SELECT coalesce(sum(persons),0) FROM assignments a WHERE a.shelter=s.id AND a.status IN ('registered','present'))
		AND NOT EXISTS (SELECT 1 FROM alerts WHERE topic='alert.shelter' AND subject=s.id AND level='full' AND state!='cleared')")" 0
pk_eq "stock never reserved beyond what is there" \
	"$(pk_sql "SELECT count(*) FROM lots l WHERE qty < (SELECT coalesce(sum(qty),0) FROM dispatches d WHERE d.depot=l.depot AND d.lot=l.lot AND status='planned')")" 0
pk_eq "status unplaced persons" "$(pk_status_field unplaced)" \
	"$(pk_sql "SELECT sum(unplaced_p) FROM incidents WHERE state='open'")"

# ---- replay: the same flood again changes nothing
counts() {
	pk_sql "SELECT (SELECT count(*) FROM journal), (SELECT count(*) FROM incidents),
		(SELECT count(*) FROM assignments), (SELECT count(*) FROM dispatches),
		(SELECT count(*) FROM alerts), (SELECT group_concat(revision) FROM incidents)"
}
before=$(counts)
nev=$(wc -l <"$ev")
pk_push "$flood"
pk_wait_grep "$ev" '^ingest.accepted .*"source_id":"2007-02-banjir".*"duplicate":true' 1 60 ||
	pk_fail "no duplicate ingest.accepted for the replayed flood"
pk_settle "$ev"
pk_eq "replay: store unchanged" "$(counts)" "$before"
pk_eq "replay: only one new event" "$(($(wc -l <"$ev") - nev))" 1

# the same report with other whitespace and key order is the same message
pk_push_data "$(sed -e 's/^{"v":1,"kind":"incident.report",/{"kind":"incident.report", "v":1, /' "$fire")"
pk_wait_grep "$ev" '^ingest.accepted .*"duplicate":true' 2 60 ||
	pk_fail "reordered fire report not seen as a duplicate"
pk_settle "$ev"
pk_eq "reordered replay: store unchanged" "$(counts)" "$before"

# the bodies engine.c writes without jansson (assign.household,
# unplaced.household, dispatch.*) are valid compact JSON, exactly what a
# JSON writer gives back for them
pk_eq "hand-written event bodies that are not compact JSON" \
	"$(pk_sql "SELECT count(*) FROM outbox WHERE topic IN ('assign.household','unplaced.household','dispatch.meals','dispatch.sandang') AND (NOT json_valid(body) OR json(body) != body)")" 0
[ "$(pk_sql "SELECT count(DISTINCT topic) FROM outbox WHERE topic IN ('assign.household','unplaced.household','dispatch.meals','dispatch.sandang')")" -ge 3 ] ||
	pk_fail "the sample did not make the hand-written events it checks"

pk_stop || pk_fail "poskod did not stop cleanly"
grep -q 'stopped:' "$PK_DIR/poskod.log" || pk_fail "no 'stopped' line in the log"
echo "PASS"
