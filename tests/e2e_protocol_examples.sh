#!/bin/bash
# Every example of docs/protocol.md (the ```json block after each
# <!-- example: ... --> marker) through the real sockets:
#  - "ingest ..." examples are pushed on the ingest socket, in document
#    order, and each must come out as ingest.accepted (not rejected);
#  - "control request X" examples are sent to the control socket (in
#    document order) and must get the documented kind of reply: ok:true, or
#    ok:false with a documented error code other than bad_request,
#    unknown_command and internal; where a "control reply X" example
#    exists the reply must be ok:true and its data must have every key of
#    the example's data;
#  - "control reply error" / "read_only": a shelter that does not exist and
#    a write on the read-only socket give those replies;
#  - "event X" examples: an event of topic X must have been published with
#    exactly the example's keys (topics this run cannot cause are listed in
#    NOT_CAUSED with the reason, and are checked to be absent instead).
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

# Topics this run does not cause (and why); empty: every event topic must
# be seen. The run uses a thin stock (a tenth of the sample's meals, and a
# lot of child kits - an item the default policy never issues - expiring
# the day after the flood) so that shortages, meal cover and expiry alerts
# happen too.
NOT_CAUSED=${NOT_CAUSED:-""}
# Commands documented but not built yet (docs/notes-daemon-status.md says
# why): they must answer unknown_command, and this list must shrink.
KNOWN_MISSING=${KNOWN_MISSING:-""}

pk_setup
awk -F, -v OFS=, 'NR > 1 && $3 == "meal" { $4 = int($4 / 10) } { print }' \
	"$PK_DATA/stock.csv" >"$PK_DIR/stock.csv"
echo "DEP-3171,EXP-1,kit_child,50,2007-02-03" >>"$PK_DIR/stock.csv"
sed -i "s|^stock = .*|stock = $PK_DIR/stock.csv|" "$PK_CONF"
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

ex=$PK_DIR/examples.tsv
awk '/<!-- example: .* -->/ { name = $0; sub(/.*<!-- example: /, "", name); sub(/ -->.*/, "", name); want = 1; next }
	want && /^```json/ { injson = 1; buf = ""; next }
	injson && /^```/ { print name "\t" buf; injson = 0; want = 0; next }
	injson { buf = buf $0 }' "$PK_ROOT/docs/protocol.md" >"$ex"
nex=$(wc -l <"$ex")
[ "$nex" -ge 40 ] || pk_fail "only $nex examples found in docs/protocol.md"

q() { printf '%s' "$1" | sed "s/'/''/g"; }
jv() { # JSON PATH -> value
	sqlite3 :memory: "SELECT json_extract('$(q "$1")', '$2')"
}
keys() { # JSON [PATH] -> sorted keys of the object at PATH
	sqlite3 :memory: "SELECT group_concat(key, ',') FROM (SELECT key FROM json_each('$(q "$1")', '${2:-\$}') ORDER BY key)"
}
valid() { sqlite3 :memory: "SELECT json_valid('$(q "$1")')"; }

# a state to act on: the sample flood first (incidents, dispatches, alerts)
pk_push "$PK_DATA/incidents/flood-2007.json"
pk_wait_grep "$ev" '^incident.opened' 1 60 || pk_fail "the sample flood was not opened"
pk_settle "$ev"

n_ingest=0 n_req=0
declare -A reply_keys
while IFS=$'\t' read -r name json; do
	case $name in
	"control reply "*)
		reply_keys[${name#control reply }]=$(keys "$json" '$.data')
		;;
	esac
done <"$ex"

while IFS=$'\t' read -r name json; do
	[ "$(valid "$json")" = 1 ] || pk_fail "example '$name' is not valid JSON"
	case $name in
	"ingest "*)
		n_ingest=$((n_ingest + 1))
		sid=$(jv "$json" '$.source_id')
		action=$(jv "$json" '$.action')
		before=$(grep -c "^ingest\.[a-z]* .*\"source_id\":\"$sid\"" "$ev" || true)
		pk_push_data "$json"
		pk_wait_grep "$ev" "^ingest\\.[a-z]* .*\"source_id\":\"$sid\"" $((before + 1)) 60 ||
			pk_fail "example '$name': no ingest.* event"
		line=$(grep "^ingest\.[a-z]* .*\"source_id\":\"$sid\"" "$ev" | tail -n 1)
		case $line in
		"ingest.accepted "*) echo "ok: $name -> ingest.accepted (${action:-open})" ;;
		*) pk_fail "example '$name' rejected: $line" ;;
		esac
		pk_settle "$ev"
		;;
	"control request "*)
		n_req=$((n_req + 1))
		cmd=${name#control request }
		r=$(pk_req "$json") || pk_fail "example '$name': no reply"
		[ "$(valid "$r")" = 1 ] || pk_fail "example '$name': reply is not JSON: $r"
		[ "$(jv "$r" '$.v')" = 1 ] || pk_fail "example '$name': reply without v 1: $r"
		id=$(jv "$json" '$.id')
		[ -z "$id" ] || [ "$(jv "$r" '$.id')" = "$id" ] || pk_fail "example '$name': id not echoed"
		ok=$(jv "$r" '$.ok')
		if [[ " $KNOWN_MISSING " == *" $cmd "* ]]; then
			[ "$(jv "$r" '$.error.code')" = unknown_command ] ||
				pk_fail "example '$name': $cmd is in KNOWN_MISSING but answered $r"
			echo "missing: $name -> unknown_command (not built yet)"
		elif [ -n "${reply_keys[$cmd]:-}" ]; then
			[ "$ok" = 1 ] || pk_fail "example '$name': want ok, got $r"
			got=",$(keys "$r" '$.data'),"
			for k in ${reply_keys[$cmd]//,/ }; do
				case $got in *",$k,"*) ;; *) pk_fail "example '$name': data lacks '$k': $r" ;; esac
			done
			echo "ok: $name -> ok, data has the example's keys"
		elif [ "$ok" = 1 ]; then
			echo "ok: $name -> ok"
		else
			code=$(jv "$r" '$.error.code')
			case $code in
			bad_argument | missing_operator | not_found | conflict) echo "ok: $name -> $code ($(jv "$r" '$.error.message'))" ;;
			*) pk_fail "example '$name': reply $r" ;;
			esac
		fi
		pk_settle "$ev"
		;;
	"control reply error")
		r=$(pk_req '{"v":1,"cmd":"shelter.show","args":{"shelter":"SH-9999"}}')
		[ "$(keys "$r")" = "$(keys "$json")" ] || pk_fail "error reply keys: $r"
		[ "$(keys "$r" '$.error')" = "$(keys "$json" '$.error')" ] || pk_fail "error object keys: $r"
		[ "$(jv "$r" '$.error.code')" = not_found ] || pk_fail "unknown shelter: $r"
		echo "ok: $name"
		;;
	"control reply read_only")
		r=$(PK_REQ_SOCK=$PK_CONTROL_RO pk_req '{"v":1,"cmd":"shelter.close","operator":"x","args":{"shelter":"SH-0001","reason":"r"}}')
		[ "$(jv "$r" '$.error.code')" = read_only ] || pk_fail "read-only socket took a write: $r"
		[ "$(keys "$r" '$.error')" = "$(keys "$json" '$.error')" ] || pk_fail "read_only error keys: $r"
		r=$(PK_REQ_SOCK=$PK_CONTROL_RO pk_req '{"v":1,"cmd":"status"}')
		[ "$(jv "$r" '$.ok')" = 1 ] || pk_fail "read-only socket refused status: $r"
		echo "ok: $name"
		;;
	esac
done <"$ex"
pk_settle "$ev"
pk_eq "ingest examples" "$n_ingest" 5

# events: each example's topic seen with the same keys
while IFS=$'\t' read -r name json; do
	case $name in "event "*) ;; *) continue ;; esac
	topic=${name#event }
	want=$(keys "$json")
	if [[ " $NOT_CAUSED " == *" $topic "* ]]; then
		grep -q "^$topic " "$ev" && echo "note: $topic was caused after all (update NOT_CAUSED)"
		echo "skip: $topic not caused by this scenario"
		continue
	fi
	grep -q "^$topic " "$ev" || pk_fail "no $topic event was published"
	found=0
	while IFS= read -r line; do
		if [ "$(keys "${line#* }")" = "$want" ]; then found=1; break; fi
	done < <(grep "^$topic " "$ev" | head -n 50)
	[ $found = 1 ] || pk_fail "$topic: no event with the keys $want; first: $(grep -m1 "^$topic " "$ev")"
	echo "ok: event $topic has the documented keys"
done <"$ex"

pk_stop || pk_fail "poskod did not stop cleanly"
echo "PASS ($nex examples, $n_req control requests)"
