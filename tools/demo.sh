#!/bin/bash
# tools/demo.sh - `make demo`: the whole flow on the bundled sample scenario.
#
# Starts build/rel/poskod in a temporary directory on data/sample, listens
# on its events socket, sends the February 2007 flood and the Rawamangun
# settlement fire on the ingest socket (as BPBD would), and prints in plain
# words what poskod published: who was placed where, the meal and kit
# dispatches, the alerts, and a summary. Stops poskod gracefully; exit 0.
#
# Needs nanocat (nanomsg-utils) and jq. Environment: POSKOD (default
# build/rel/poskod), DEMO_KEEP=1 keeps the temporary directory, DEMO_SHOW
# (assignments listed before "... and N more", default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PK_ROOT=$root
POSKOD=${POSKOD:-$root/build/rel/poskod}
show=${DEMO_SHOW:-10}

say() { printf '%s\n' "$*"; }
# the first $show lines; reads everything (head would SIGPIPE the writer)
first() { awk -v n="$show" 'NR <= n'; }
die() {
	say "demo: $*" >&2
	if [ -n "${PK_DIR:-}" ] && [ -f "$PK_DIR/poskod.log" ]; then
		say "--- last lines of poskod's log:" >&2
		tail -n 20 "$PK_DIR/poskod.log" >&2
	fi
	exit 1
}

for t in nanocat jq; do
	command -v $t >/dev/null 2>&1 ||
		die "$t is missing; as root: apt-get install -y nanomsg-utils jq"
done
[ -x "$POSKOD" ] || die "$POSKOD is not built; run \`make\` first"

# shellcheck source=../tests/fixtures/daemon/lib.sh
. "$root/tests/fixtures/daemon/lib.sh"
pk_fail() { die "$*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/posko-demo.XXXXXX")
cleanup() {
	pk_cleanup
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		say "(kept $tmp)"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PK_TIMEOUT=30
pk_setup "$tmp"
ev=$tmp/events.txt

say "== posko demo: the sample scenario (data/sample)"
say "   $(($(wc -l <"$PK_DATA/households.csv") - 1)) households," \
	"$(($(wc -l <"$PK_DATA/shelters.csv") - 1)) shelters," \
	"$(($(wc -l <"$PK_DATA/depots.csv") - 1)) depots," \
	"$(($(wc -l <"$PK_DATA/stock.csv") - 1)) stock lots"
say "   starting poskod in $tmp ..."
pk_start
pk_sub "$ev"
say "   poskod is up; listening to its events socket."
say

# Wait until every event poskod committed has reached the subscriber.
settle() {
	local last i got
	for i in $(seq 1 300); do
		last=$(pk_req '{"v":1,"cmd":"status"}' | jq -r '.data.last_event_id // 0')
		got=$(cut -d' ' -f2- "$ev" | jq -r '.id' 2>/dev/null | sort -n | tail -n 1)
		queued=$(pk_req '{"v":1,"cmd":"status"}' | jq -r '(.data.pipeline.queued // 0) + (if .data.pipeline.busy then 1 else 0 end)')
		[ "$queued" = 0 ] && [ "${got:-0}" -ge "$last" ] && return 0
		sleep 0.1
	done
	die "events did not arrive within 30 s"
}

# send FILE: push it on the ingest socket, wait for its outcome.
send() {
	local f=$1 sid
	sid=$(jq -r .source_id "$f")
	say "-- sending $(basename "$f") ($(jq -r .title "$f"), $(wc -c <"$f") bytes) on the ingest socket"
	pk_push "$f"
	pk_wait_grep "$ev" "\"source_id\":\"$sid\".*\"(duplicate|code)\"" 1 60 ||
		die "no ingest.accepted or ingest.rejected for $sid within 60 s"
	if grep -q "^ingest.rejected .*\"source_id\":\"$sid\"" "$ev"; then
		die "poskod rejected $sid: $(grep "^ingest.rejected .*\"source_id\":\"$sid\"" "$ev" | cut -d' ' -f2- | jq -r .message)"
	fi
	settle
}

# Events of one topic as JSON lines.
events() { grep "^$1 " "$ev" | cut -d' ' -f2- || true; }

report_incident() {
	local sid=$1 inc
	inc=$(events incident.opened | jq -r "select(.source_id==\"$sid\") | .incident")
	[ -n "$inc" ] || die "no incident.opened for $sid"
	events incident.opened | jq -r "select(.incident==$inc) |
		\"   incident \(.incident): \(.title // .source_id) (\(.type), severity \(.severity|to_entries|map(\"\(.key) \(.value)\")|join(\", \")), \(.days) days)\",
		\"   affected: \(.affected.households) households (\(.affected.persons) people); must evacuate: \(.evacuees.households) households (\(.evacuees.persons) people)\",
		\"   placed in shelters: \(.placed.households) households (\(.placed.persons) people); no place found: \(.unplaced.households) households (\(.unplaced.persons) people)\""
	say
	local n
	n=$(events assign.household | jq -r "select(.incident==$inc and .status==\"registered\")" | jq -s length)
	say "   assignments published ($n):"
	events assign.household | jq -r "select(.incident==$inc and .status==\"registered\") |
		\"     household \(.household) (\(.persons) people\(if .vulnerable.elderly+.vulnerable.under5+.vulnerable.disabled+.vulnerable.pregnant > 0 then \", vulnerable\" else \"\" end), \(.class) hazard zone) -> shelter \(.shelter)\"" |
		first
	[ "$n" -gt "$show" ] && say "     ... and $((n - show)) more"
	n=$(events unplaced.household | jq -r "select(.incident==$inc)" | jq -s length)
	if [ "$n" -gt 0 ]; then
		say "   families with no shelter ($n):"
		events unplaced.household | jq -s -r "map(select(.incident==$inc)) | group_by(.reason)[] |
			\"     \(length) households (\(map(.persons)|add) people): \(.[0].reason | gsub(\"_\";\" \"))\""
	fi
	say
	say "   meals planned (permakanan 3x1), per shelter, over the emergency period:"
	events dispatch.meals | jq -s -r "map(select(.incident==$inc)) | group_by(.dispatch) | map(last) |
		map(select(.status != \"released\")) | group_by(.shelter) |
		map({s: .[0].shelter, days: (map(.date)|unique|length), first: (map(.date)|min), last: (map(.date)|max),
		     meals: (map(.meals)|add), depots: (map(.depot)|unique|join(\", \"))}) | sort_by(-.meals) |
		(.[0:$show][] | \"     \(.s): \(.meals) meals, \(.days) days \(.first) to \(.last), from \(.depots)\"),
		(if length > $show then \"     ... and \(length - $show) more shelters (\(.[$show:] | map(.meals) | add) meals)\" else empty end)"
	events dispatch.meals | jq -s -r "map(select(.incident==$inc)) | group_by(.dispatch) | map(last) |
		map(select(.status != \"released\")) |
		\"     in all: \(map(.meals)|add // 0) meals in \(length) dispatch lines to \(map(.shelter)|unique|length) shelters\""
	say "   clothing kits planned (sandang):"
	events dispatch.sandang | jq -s -r "map(select(.incident==$inc)) | group_by(.dispatch) | map(last) |
		map(select(.status != \"released\")) | group_by(.item)[] |
		\"     \(.[0].item | sub(\"kit_\";\"\")) kits: \(map(.qty)|add) to \(map(.shelter)|unique|length) shelters\""
	say
}

report_alerts() {
	local n
	n=$(events 'alert\.[a-z]*' | jq -s length)
	say "-- alerts raised ($n events):"
	events alert.shelter | jq -s -r 'group_by(.shelter)[] | last | select(.state=="raised") |
		"   shelter \(.shelter) is \(if .level=="full" then "FULL" elif .level=="critical" then "nearly full (critical)" else "filling up" end): \(.registered) of \(.capacity) places (\(.percent) %)"' |
		first
	local nsh
	nsh=$(events alert.shelter | jq -s -r '[group_by(.shelter)[] | last | select(.state=="raised")] | length')
	[ "$nsh" -gt "$show" ] && say "   ... and $((nsh - show)) more shelters"
	events alert.shortage | jq -s -r 'group_by(.alert)[] | last | select(.state=="raised") |
		"   SHORTAGE: incident \(.incident), shelter \(.shelter): \(.short) \(if .kind=="meals" then "meals" else .item end) missing over \(.days) day(s)"' |
		first
	nsh=$(events alert.shortage | jq -s -r '[group_by(.alert)[] | last | select(.state=="raised")] | length')
	[ "$nsh" -gt "$show" ] && say "   ... and $((nsh - show)) more shortages"
	events alert.depot | jq -s -r 'group_by(.alert)[] | last | select(.state=="raised") |
		"   depot \(.depot): \(.available) meals left, \(.days_of_cover) days of cover (\(.per_day) a day)"'
	events alert.expiry | jq -s -r 'group_by(.alert)[] | last | select(.state=="raised") |
		"   depot \(.depot) lot \(.lot): \(.qty) \(.item) \(if .days_left < 0 then "expired" else "expire in \(.days_left) days" end) (\(.expires))"' |
		first
	events alert.unplaced | jq -s -r 'group_by(.alert)[] | last | select(.state=="raised") |
		"   UNPLACED: incident \(.incident): \(.households) households (\(.persons) people) have no shelter"'
	say
}

flood=$PK_DATA/incidents/flood-2007.json
fire=$(ls "$PK_DATA"/incidents/fire-*.json 2>/dev/null | head -n 1 || true)
[ -f "$flood" ] || die "$flood is missing"
[ -n "$fire" ] || die "no fire incident (data/sample/incidents/fire-*.json)"
send "$flood"
report_incident "$(jq -r .source_id "$flood")"
send "$fire"
report_incident "$(jq -r .source_id "$fire")"
report_alerts

say "-- summary (from poskod's status and its store)"
st=$(pk_req '{"v":1,"cmd":"status"}')
echo "$st" | jq -r '.data |
	"   open incidents: \(.incidents.open)",
	"   people affected: \(.people.affected); evacuating: \(.people.evacuating); in shelters: \(.people.registered); without a shelter: \(.people.unplaced)",
	"   shelters: \(.shelters.open) open, \(.shelters.nearly_full) nearly full, \(.shelters.full) full, \(.shelters.closed) closed",
	"   open alerts: \(.alerts.open) (shortages: \(.shortages.open))"'
il=$(pk_req '{"v":1,"cmd":"incident.list","args":{"state":"all"}}')
echo "$il" | jq -r '.data.incidents | "   households affected: \(map(.affected.households)|add), evacuating: \(map(.evacuees.households)|add), placed: \(map(.placed.households)|add), unplaced: \(map(.unplaced.households)|add)"'
events dispatch.meals | jq -s -r 'group_by(.dispatch) | map(last) | map(select(.status!="released")) | "   meals planned: \(map(.meals)|add // 0)"'
events dispatch.sandang | jq -s -r 'group_by(.dispatch) | map(last) | map(select(.status!="released")) | "   clothing kits planned: \(map(.qty)|add // 0)"'
say "   events published: $(wc -l <"$ev") (the first is the demo's own probe, rejected as it should be)"
say

say "-- stopping poskod (SIGTERM)"
pk_stop || die "poskod did not stop cleanly"
grep -q 'stopped:' "$PK_DIR/poskod.log" || die "poskod's log has no 'stopped' line"
say "   stopped cleanly."
