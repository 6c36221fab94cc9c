#!/bin/bash
# control events.since: a subscriber that missed events (not connected
# yet, restarted, its pipe overflowed) fetches them from the outbox: the
# same events the bus published, in id order, without a gap, page by page,
# by topic; on the read-only socket too; bad arguments named; an outbox
# trimmed past the asked id says so.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
# keep only the last 1,000 published events (the least allowed): the
# 2007 flood below makes more, so the oldest are trimmed
sed -i 's/^\[daemon\]$/[daemon]\noutbox_keep_rows = 1000/' "$PK_CONF"
grep -q '^outbox_keep_rows = 1000' "$PK_CONF" || pk_fail "could not set outbox_keep_rows"
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

R=$PK_DIR/reply.json
since() { # ARGS-JSON -> the reply in $R
	pk_req "{\"v\":1,\"cmd\":\"events.since\",\"args\":$1}" >"$R" ||
		pk_fail "events.since $1: no reply"
}
rj() { # PATH -> a value of the reply
	sqlite3 :memory: "SELECT json_extract(readfile('$R'), '$1')"
}
# the reply's events as the bus prints them: "topic json" (normalized)
lines() {
	sqlite3 :memory: "SELECT json_extract(value, '\$.topic') || ' ' ||
		json(json_extract(value, '\$.event')) FROM
		json_each(json_extract(readfile('$R'), '\$.data.events'))"
}
ids() { # the reply's event ids, one a line
	sqlite3 :memory: "SELECT json_extract(value, '\$.event.id') FROM
		json_each(json_extract(readfile('$R'), '\$.data.events'))"
}
# what the subscriber got, ids > $1, normalized the same way
got() {
	awk '{i = index($0, " "); printf "%s\t%s\n", substr($0, 1, i - 1), substr($0, i + 1)}' \
		"$ev" >"$PK_DIR/got.tsv"
	rm -f "$PK_DIR/got.db"
	sqlite3 "$PK_DIR/got.db" "CREATE TABLE ev (topic TEXT, j TEXT);" \
		".mode ascii" ".separator \"\t\" \"\n\"" ".import $PK_DIR/got.tsv ev"
	sqlite3 "$PK_DIR/got.db" "SELECT topic || ' ' || json(j) FROM ev
		WHERE json_extract(j, '\$.id') > $1 ORDER BY json_extract(j, '\$.id')"
}

# ---- the fire: everything the subscriber saw, from the outbox
pk_push "$PK_DATA/incidents/fire-utan-kayu-selatan.json"
pk_wait_grep "$ev" '^incident.opened ' 1 60 || pk_fail "the fire was not opened"
pk_settle "$ev"
last=$(pk_max_id "$ev")
first_sub=$(sed -n 's/^[^ ]* {"v":1,"id":\([0-9]*\),.*/\1/p' "$ev" | sort -n | head -n 1)
since '{"after":0,"limit":1000}'
pk_eq "ok" "$(rj '$.ok')" 1
pk_eq "last_event_id" "$(rj '$.data.last_event_id')" "$last"
pk_eq "nothing trimmed yet" "$(rj '$.data.trimmed')" 0
pk_eq "first_kept" "$(rj '$.data.first_kept')" 1
pk_eq "every event, from 1" "$(ids | head -n 1) $(ids | wc -l)" "1 $last"
pk_eq "next is the last id" "$(rj '$.data.next')" "$last"
pk_eq "more" "$(rj '$.data.more')" 0
lines | awk -v f="$first_sub" '{ if (match($0, /"id":[0-9]+/)) { id = substr($0, RSTART + 5, RLENGTH - 5) + 0; if (id >= f) print } }' \
	>"$PK_DIR/since.txt"
got $((first_sub - 1)) >"$PK_DIR/got.txt"
[ -s "$PK_DIR/got.txt" ] || pk_fail "the subscriber got nothing?"
cmp -s "$PK_DIR/since.txt" "$PK_DIR/got.txt" ||
	pk_fail "events.since differs from the bus: $(diff "$PK_DIR/since.txt" "$PK_DIR/got.txt" | head -n 5)"
echo "ok: events.since = the $(wc -l <"$PK_DIR/got.txt") events the bus published"

# ---- poskoctl watch --since: the kept events first, then live
CTL=${POSKOCTL:?POSKOCTL is not set}
P=("$CTL" --config "$PK_CONF" --timeout 15)
"${P[@]}" --json watch --since 0 --count 10 >"$PK_DIR/w1.txt" ||
	pk_fail "poskoctl watch --since 0 failed"
pk_eq "watch --since 0 --count 10: ids" \
	"$(sed -n 's/.*"id":\([0-9]*\),.*/\1/p' "$PK_DIR/w1.txt" | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 10 "
"${P[@]}" --json watch --since 25 --topic incident. --topic assign. --count 3 \
	>"$PK_DIR/w2.txt" & w2=$!
sleep 1
pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"e2e\",\"source_id\":\"w2\",\"type\":\"collapse\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[$(awk -F, 'NR == 3 { print $2 "," $3 }' "$PK_DATA/households.csv")],\"radius_m\":30}}"
wait "$w2" || pk_fail "poskoctl watch --since 25 --topic ... failed"
want=$(got 25 | grep -E '^(incident|assign)\.' | head -n 3 | sed -n 's/.*"id":\([0-9]*\),.*/\1/p' | tr '\n' ' ')
pk_eq "watch --since 25 with two topics: kept, then live" \
	"$(sed -n 's/.*"id":\([0-9]*\),.*/\1/p' "$PK_DIR/w2.txt" | tr '\n' ' ')" "$want"
grep -vqE '"topic":"(incident|assign)\.' "$PK_DIR/w2.txt" && pk_fail "watch showed other topics: $(cat "$PK_DIR/w2.txt")"
pk_settle "$ev"
last=$(pk_max_id "$ev")

# ---- pages of 7: every id once, in order, then more=false
after=0 all=
for _ in $(seq 1 1000); do
	since "{\"after\":$after,\"limit\":7}"
	[ "$(ids | wc -l)" -le 7 ] || pk_fail "a page of 7 held $(ids | wc -l)"
	all="$all $(ids | tr '\n' ' ')"
	after=$(rj '$.data.next')
	[ "$(rj '$.data.more')" = 1 ] || break
done
pk_eq "paged ids" "$(echo $all)" "$(seq -s ' ' 1 "$last")"

# ---- by topic: only incident.*, as many as the bus published
since '{"after":0,"limit":1000,"topic":"incident."}'
pk_eq "incident.* only" "$(lines | grep -vc '^incident\.' || true)" 0
pk_eq "incident.* events" "$(lines | wc -l)" "$(grep -c '^incident\.' "$ev")"
since '{"after":0,"topic":"assign.household"}'
pk_eq "assign.household, the default page" "$(lines | wc -l)" \
	"$(grep -c '^assign\.household ' "$ev" | awk '{print ($1 > 200 ? 200 : $1)}')"

# ---- the read-only socket answers it
r=$(PK_REQ_SOCK=$PK_CONTROL_RO pk_req '{"v":1,"cmd":"events.since","args":{"after":0,"limit":1}}')
echo "$r" | grep -q '"ok":true' || pk_fail "read-only socket: $r"

# ---- bad arguments: named, nothing else
bad() { # ARGS FIELD
	since "$1"
	pk_eq "events.since $1" "$(rj '$.ok') $(rj '$.error.code') $(rj '$.error.field')" \
		"0 bad_argument $2"
}
bad '{}' args.after
bad '{"after":-1}' args.after
bad '{"after":"5"}' args.after
bad '{"after":0,"limit":0}' args.limit
bad '{"after":0,"limit":1001}' args.limit
bad '{"after":0,"topic":"Alert*"}' args.topic
bad '{"after":0,"topic":5}' args.topic
bad "{\"after\":$((last + 1))}" args.after

# ---- the flood: more events than the outbox keeps; the oldest go.
# A watch stopped while the flood is decided (its terminal busy) still
# shows every id once, in order: the flood's burst fits nanomsg's 16 MiB
# buffers; a city-sized one that does not leaves a gap in the ids, which
# watch fetches (tests/e2e_ctl_fake.sh makes such a gap).
f0=$(pk_max_id "$ev")
"${P[@]}" --json watch >"$PK_DIR/w3.raw" 2>"$PK_DIR/w3.err" & w3=$!
sleep 1
kill -STOP "$w3"
pk_push "$PK_DATA/incidents/flood-2007.json"
pk_wait_grep "$ev" '^incident.opened .*"source_id":"2007-02-banjir"' 1 120 || pk_fail "the flood was not opened"
pk_settle "$ev"
kill -CONT "$w3"
flast=$(pk_max_id "$ev")
for _ in $(seq 1 100); do
	[ "$(sed -n 's/.*"id":\([0-9]*\),.*/\1/p' "$PK_DIR/w3.raw" | tail -n 1)" = "$flast" ] && break
	sleep 0.1
done
kill "$w3" 2>/dev/null || true
wait "$w3" 2>/dev/null || true
sed -n 's/.*"id":\([0-9]*\),.*/\1/p' "$PK_DIR/w3.raw" | awk -v f="$f0" '$1 > f' >"$PK_DIR/w3.ids"
pk_eq "a stalled watch shows every id of the flood once, in order" \
	"$(awk 'NR == 1 { a = $1 } { if ($1 != a + NR - 1) bad++ } END { print NR, a, $1, bad + 0 }' "$PK_DIR/w3.ids")" \
	"$((flast - f0)) $((f0 + 1)) $flast 0"
# trimming runs with a batch of decisions, at most every 10 s when the
# last look found nothing to trim: small reports until it has
H=$(awk -F, 'NR == 2 { print $2 "," $3 }' "$PK_DATA/households.csv")
first=1
for k in $(seq 1 60); do
	since '{"after":0,"limit":1}'
	first=$(rj '$.data.first_kept')
	last=$(rj '$.data.last_event_id')
	[ $((last - first + 1)) -le 1000 ] && break
	pk_push_data "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"e2e\",\"source_id\":\"t$k\",\"type\":\"collapse\",\"severity\":{\"evacuate\":true},\"footprint\":{\"point\":[$H],\"radius_m\":30}}"
	sleep 0.5
done
[ "$first" -gt 1 ] || pk_fail "nothing was trimmed (first_kept $first, last $last)"
since '{"after":0,"limit":5}'
pk_eq "after a trimmed id: trimmed, from the first kept" \
	"$(rj '$.data.trimmed') $(ids | head -n 1)" "1 $first"
since "{\"after\":$((first - 1)),\"limit\":5}"
pk_eq "from the first kept: not trimmed" "$(rj '$.data.trimmed') $(ids | head -n 1)" "0 $first"

# ---- a walk by a topic over every kept id ends, with what the bus sent
after=$((first - 1)) n=0
for _ in $(seq 1 1000); do
	since "{\"after\":$after,\"limit\":50,\"topic\":\"alert.\"}"
	n=$((n + $(ids | wc -l)))
	after=$(rj '$.data.next')
	[ "$(rj '$.data.more')" = 1 ] || break
done
pk_eq "the walk ends at the last id" "$after" "$(rj '$.data.last_event_id')"
want=$(got $((first - 1)) | grep -c '^alert\.' || true)
pk_eq "alert.* events kept" "$n" "$want"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
