#!/bin/bash
# poskoctl as a program, against fake poskods made of nanocat (Debian's
# nanomsg-utils): a REP socket that gives one canned reply, and a PUB socket
# that publishes one canned event.  Independent of the daemon's state, this
# pins down what the desk sees: exit codes 0/1/2/3, the daemon's reason on a
# refusal, both output forms, Indonesian, colour only on a terminal and
# never with NO_COLOR, the SPM sums check, import line numbers and batches,
# watch (plain, --json, dedup of re-published ids), the board redrawing when
# a shelter turns full (tmux), help and bash completion.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
CTL=${POSKOCTL:-$root/build/asan/poskoctl}
[ -x "$CTL" ] || { echo "skip: no poskoctl at $CTL (make first)"; exit 77; }
command -v nanocat >/dev/null || { echo "skip: nanocat (nanomsg-utils) missing"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 missing"; exit 77; }
T=${TMPDIR:-/tmp}/ctl-fake.$$
mkdir -p "$T"
pids=()
cleanup() {
	for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	tmux kill-server -L "ctlfake$$" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset NO_COLOR LC_ALL LANGUAGE LC_MESSAGES
export LANG=C.UTF-8 TZ=UTC
# The Indonesian catalogue, built here so the test needs no `make locale`.
mkdir -p "$T/locale/id/LC_MESSAGES"
msgfmt --check -o "$T/locale/id/LC_MESSAGES/poskoctl.mo" ctl/po/id.po
export POSKO_LOCALEDIR=$T/locale

C=ipc://$T/control.sock
E=ipc://$T/events.sock
ctl() { "$CTL" --control "$C" --events "$E" --timeout 3 "$@"; }
# A JSON value from a file, read with sqlite3's JSON functions.
jget() { sqlite3 :memory: "select json_extract(readfile('$1'), '$2')"; }

rep_pid=
serve() { # canned reply file
	[ -n "$rep_pid" ] && { kill "$rep_pid" 2>/dev/null || true; wait "$rep_pid" 2>/dev/null || true; }
	rm -f "$T/control.sock"
	nanocat --rep --bind "$C" -F "$1" -q >/dev/null 2>&1 &
	rep_pid=$!
	pids+=("$rep_pid")
	for _ in $(seq 50); do [ -S "$T/control.sock" ] && return; sleep 0.05; done
	fail "fake poskod did not start"
}
expect_rc() { # rc command...
	local want=$1 rc=0; shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] || { cat "$T/out" "$T/err"; fail "exit $rc, wanted $want: $*"; }
}
has() { grep -qF -- "$1" "${2:-$T/out}" || { cat "${2:-$T/out}"; fail "no '$1' in ${2:-output}"; }; }
hasnt() { ! grep -qF -- "$1" "${2:-$T/out}" || { cat "${2:-$T/out}"; fail "unexpected '$1'"; }; }

# The reply every read command can use: status fields, shelters, alerts,
# today's meals and an SPM report that adds up, side by side.
state() { # registered-in-SH-0001
	local r=$1 free=$((240 - $1)) state=open pct
	[ "$r" -ge 240 ] && state=full
	pct=$(awk -v r="$r" 'BEGIN{printf "%.1f", r*100/240}')
	cat <<JSON
{"v":1,"ok":true,"data":{"version":"0.1.0","uptime_s":4242,"last_event_id":118,
"incidents":{"open":1},"people":{"affected":5210,"evacuating":3120,"registered":2980,"present":17,"unplaced":140},
"shelters":[{"shelter":"SH-0001","name":"SDN Kampung Melayu 01","kind":"school","kelurahan":"31.75.01.1001","lon":106.8655,"lat":-6.2241,"capacity":240,"capacity_source":"declared","accessible":true,"state":"$state","registered":$r,"present":150,"households":52,"free":$free,"percent":$pct,"meals_due_today":612},
{"shelter":"SH-0002","name":"Masjid Jami' Al-Ikhlas","kind":"mosque","kelurahan":"31.75.01.1002","lon":106.86,"lat":-6.22,"capacity":100,"capacity_source":"estimated","accessible":false,"state":"closed","registered":0,"present":0,"households":0,"free":0,"percent":0.0}],
"meals":[{"dispatch":17,"incident":1,"shelter":"SH-0001","depot":"DEP-3175","lot":"L-2007-001","date":"2007-02-02","meals":600,"status":"planned","operator":null},
{"dispatch":18,"incident":1,"shelter":"SH-0001","depot":"DEP-3171","lot":"L-2007-004","date":"2007-02-02","meals":12,"status":"planned","operator":null}],
"alerts":[{"alert":3,"topic":"alert.shelter","kind":"occupancy","subject":"SH-0001","level":"warn","state":"raised","raised":"2007-02-01T23:00:06Z","acknowledged":null,"acked_by":null,"cleared":null,"detail":{"shelter":"SH-0001","registered":204,"capacity":240,"percent":85.0}}],
"date":"2007-02-02","incident":null,
"kelurahan":[{"code":"31.75.01.1001","evacuees":120,"fed_3x1":120,"person_days":240,"meals_planned":360,"meals_delivered":360,"kits_planned":120,"kits_issued":80,"shelters_used":2,"needs_met":1.0},
{"code":"31.75.01.1002","evacuees":30,"fed_3x1":20,"person_days":50,"meals_planned":90,"meals_delivered":60,"kits_planned":30,"kits_issued":30,"shelters_used":1,"needs_met":0.667},
{"code":"31.71.01.1001","evacuees":10,"fed_3x1":10,"person_days":10,"meals_planned":30,"meals_delivered":30,"kits_planned":10,"kits_issued":0,"shelters_used":1,"needs_met":1.0}],
"cities":[{"code":"31.71","evacuees":10,"fed_3x1":10,"person_days":10,"meals_planned":30,"meals_delivered":30,"kits_planned":10,"kits_issued":0,"shelters_used":1,"needs_met":1.0},
{"code":"31.75","evacuees":150,"fed_3x1":140,"person_days":290,"meals_planned":450,"meals_delivered":420,"kits_planned":150,"kits_issued":110,"shelters_used":2,"needs_met":0.933}],
"total":{"evacuees":160,"fed_3x1":150,"person_days":300,"meals_planned":480,"meals_delivered":450,"kits_planned":160,"kits_issued":110,"shelters_used":3,"needs_met":0.938}}}
JSON
}
state 204 >"$T/state.json"
serve "$T/state.json"

echo "== every message has an Indonesian translation"
if command -v xgettext >/dev/null; then
	grep -v '^#' ctl/po/POTFILES >"$T/potfiles"
	xgettext -k_ -kN_ --from-code=UTF-8 -f "$T/potfiles" -o "$T/now.pot"
	msgcmp ctl/po/id.po "$T/now.pot" || fail "ctl/po/id.po lacks messages (see ctl/po/POTFILES)"
	! msgattrib --untranslated --no-obsolete ctl/po/id.po | grep -q '^msgid' ||
		fail "untranslated messages in ctl/po/id.po"
fi

echo "== usage errors exit 2"
expect_rc 2 "$CTL"
expect_rc 2 ctl frobnicate; has "frobnicate" "$T/err"
expect_rc 2 ctl stock adjust DEP-3171 L-1 -40; has "reason" "$T/err"
expect_rc 2 ctl stock receive DEP-3171 rice 10; has "not an item" "$T/err"
expect_rc 2 ctl stock receive DEP-3171 meal 1.5
expect_rc 2 ctl shelter close SH-0001; has "--reason" "$T/err"
expect_rc 2 ctl --lang xx status
expect_rc 2 ctl --timeout soon status
expect_rc 2 ctl household find abc
expect_rc 2 ctl report spm --date 2007-02-30x
echo '{"v":1,' >"$T/broken.json"
expect_rc 2 ctl incident submit "$T/broken.json"; has "broken.json:" "$T/err"
expect_rc 2 ctl import households "$T/none.csv"

echo "== unreachable exits 3 and says what to do"
expect_rc 3 "$CTL" --control "ipc://$T/nothing.sock" status
has "systemctl start poskod" "$T/err"
expect_rc 3 "$CTL" --control "ipc://$T/nothing.sock" --lang id status
has "poskod tidak berjalan" "$T/err"

echo "== status, both forms"
expect_rc 0 ctl status
has "People affected"; has "5,210"; has "Present tonight"; has "Registered in a shelter"
has "Without a shelter"; has "140 persons have no shelter"; has "WIB"
hasnt $'\033'
expect_rc 0 ctl status --json
[ "$(jget "$T/out" '$.people.present')" = 17 ] || fail "--json status"
hasnt "People affected"

echo "== Indonesian: --lang id and LANG=id_ID.UTF-8"
expect_rc 0 ctl --lang id status
has "Jiwa terdampak"; has "5.210"; has "Hadir malam ini"
LANG=id_ID.UTF-8 expect_rc 0 ctl status
has "Jiwa mengungsi"; has "3.120"
LC_ALL=C.UTF-8 LANG=id_ID.UTF-8 expect_rc 0 ctl status
has "People evacuating"   # LC_ALL wins, as POSIX says
expect_rc 0 ctl --lang id help
has "Cara pakai"; has "Kode keluar"

echo "== shelters: bars, words, totals; colour only on a terminal"
expect_rc 0 ctl shelter list
has "SH-0001"; has "85.0%"; has "nearly full"; has "closed"; has "total"
has "█"
hasnt $'\033'
script -qec "$CTL --control $C shelter list" /dev/null >"$T/tty" </dev/null
grep -q $'\033\[' "$T/tty" || fail "no colour on a terminal"
NO_COLOR=1 script -qec "$CTL --control $C shelter list" /dev/null >"$T/tty" </dev/null
! grep -q $'\033\[' "$T/tty" || fail "colour despite NO_COLOR"
script -qec "$CTL --control $C --no-color shelter list" /dev/null >"$T/tty" </dev/null
! grep -q $'\033\[' "$T/tty" || fail "colour despite --no-color"
expect_rc 0 ctl shelter show SH-0001
has "Meals today"; has "dispatch confirm"; has "L-2007-001"; has "600"; has "L-2007-004"
expect_rc 0 ctl alerts
has "shelter SH-0001 is at 85.0% (204 of 240 persons)"; has "2007-02-02 06:00 WIB"

echo "== SPM report: adds up, table, CSV, JSON"
expect_rc 0 ctl report spm --date 2007-02-02
has "SPM report for 2007-02-02"; has "city 31.75"; has "TOTAL"; has "PERSON-DAYS"
has "93.8%"   # 150 of 160
expect_rc 0 ctl report spm --csv
has "date,level,code,evacuees,fed_3x1,person_days,meals_planned,meals_delivered,kits_planned,kits_issued,shelters_used,needs_met"
has "2007-02-02,total,,160,150,300,480,450,160,110,3,0.938"
[ "$(grep -c ',kelurahan,' "$T/out")" = 3 ] || fail "csv kelurahan rows"
expect_rc 0 ctl report spm --json
[ "$(jget "$T/out" '$.total.person_days')" = 300 ] || fail "--json report"
sed 's/"person_days":290/"person_days":291/' "$T/state.json" >"$T/bad.json"
serve "$T/bad.json"
expect_rc 1 ctl report spm
has "does not add up" "$T/err"; has "person_days" "$T/err"
serve "$T/state.json"

echo "== a refusal prints poskod's reason and exits 1"
cat >"$T/refuse.json" <<'JSON'
{"v":1,"ok":false,"error":{"code":"conflict","field":"args.shelter","message":"SH-0002 is closed; open it first with `poskoctl shelter open SH-0002`"}}
JSON
serve "$T/refuse.json"
expect_rc 1 ctl transfer 1001 SH-0002 --reason "lantai 2 penuh"
has "poskod refused: SH-0002 is closed" "$T/err"
expect_rc 1 ctl --json checkin 1001
[ "$(jget "$T/out" '$.error.code')" = conflict ] || fail "--json refusal"

echo "== import: batches, local and daemon rejections by file line"
cat >"$T/households.csv" <<'CSV'
id,lon,lat,kelurahan,members,elderly,under5,disabled,pregnant
1,106.86,-6.22,31.75.01.1001,4,1,1,0,0
2,106.86,-6.22,31.75.01.1001,3,0,0,0,0
3,106.86,-6.22,31.75.01.1001,2,0,0,0

4,106.86,-6.22,31.75.01.1001,5,0,1,0,1
5,106.86,-6.22,"31.75.01.1001",1,1,0,1,0
CSV
cat >"$T/import.json" <<'JSON'
{"v":1,"ok":true,"data":{"batch":1,"accepted":1,"rejected":[{"row":0,"field":"members","message":"members: must be 1 or more"}],"rejected_count":1,"total":5000}}
JSON
serve "$T/import.json"
expect_rc 1 ctl import households "$T/households.csv" --batch 2
# rows 1,2 -> batch 1 (lines 2,3); row 3 is short (line 4, local);
# rows 4,5 -> batch 2 (lines 6,7): poskod rejects row 0 of each batch.
has "5 rows read, 2 accepted, 3 rejected"; has "line 2: members: must be 1 or more"
has "line 4: 8 fields where the header has 9"; has "line 6: members"
hasnt "line 3:"; hasnt "line 7:"
has "5,000 households"
expect_rc 1 ctl --json import households "$T/households.csv" --batch 2
[ "$(jget "$T/out" '$.rejected[1].line')" = 4 ] || fail "--json import lines"
printf 'id,lon,lat\n1,2,3\n' >"$T/short.csv"
expect_rc 2 ctl import households "$T/short.csv"; has "kelurahan, members" "$T/err"
serve "$T/state.json"

echo "== watch: plain words, --json, re-published ids shown once"
ev='alert.shelter {"v":1,"id":170,"time":"2007-02-01T23:00:06Z","alert":3,"state":"raised","kind":"occupancy","level":"warn","shelter":"SH-0001","registered":204,"capacity":240,"percent":85.0}'
nanocat --pub --bind "$E" --data "$ev" --interval 0.1 -q >/dev/null 2>&1 &
pub=$!; pids+=("$pub")
timeout 10 "$CTL" --events "$E" watch --count 1 >"$T/out"
has "06:00:06"; has "shelter SH-0001 is at 85.0% (204 of 240 persons)"
timeout 10 "$CTL" --events "$E" --json watch --count 1 >"$T/out"
sed -n 1p "$T/out" >"$T/ev.json"
[ "$(jget "$T/ev.json" '$.topic')" = alert.shelter ] || fail "watch --json topic"
rc=0; timeout 2 "$CTL" --events "$E" watch --count 2 >"$T/out" || rc=$?
[ "$rc" = 124 ] || fail "the same event id was shown twice (rc $rc)"
[ "$(wc -l <"$T/out")" = 1 ] || fail "dedup"
rc=0; timeout 2 "$CTL" --events "$E" watch --shelter SH-0999 --count 1 >"$T/out" || rc=$?
[ "$rc" = 124 ] && [ ! -s "$T/out" ] || fail "--shelter filter"
kill "$pub"; wait "$pub" 2>/dev/null || true

echo "== watch --since: missed events fetched first, a gap in the ids filled"
since_reply() { # ID... -> an events.since reply holding those events
	local ids=("$@") e= i
	for i in "${ids[@]}"; do
		e="$e${e:+,}{\"topic\":\"assign.household\",\"event\":{\"v\":1,\"id\":$i,\"time\":\"2007-02-01T23:05:00Z\",\"incident\":1,\"household\":$((1000 + i)),\"shelter\":\"SH-0001\",\"persons\":4,\"status\":\"registered\",\"reason\":\"placed\",\"operator\":null}}"
	done
	echo "{\"v\":1,\"ok\":true,\"data\":{\"events\":[$e],\"next\":${ids[-1]},\"more\":false,\"last_event_id\":${ids[-1]},\"first_kept\":1,\"trimmed\":false}}"
}
since_reply 8 >"$T/since1.json"
since_reply 8 9 >"$T/since2.json"
serve "$T/since1.json"
timeout 10 "$CTL" --control "$C" --events "$E" --json watch --since 7 --count 3 >"$T/out" 2>"$T/err" &
w=$!
for _ in $(seq 100); do grep -q '"id":8,' "$T/out" && break; sleep 0.1; done
has '"household":1008'
# poskod now has 9 and 10; this terminal gets only 10 live
serve "$T/since2.json"
ev='assign.household {"v":1,"id":10,"time":"2007-02-01T23:06:00Z","incident":1,"household":1010,"shelter":"SH-0001","persons":4,"status":"registered","reason":"placed","operator":null}'
nanocat --pub --bind "$E" --data "$ev" --interval 0.1 -q >/dev/null 2>&1 &
pub=$!; pids+=("$pub")
wait "$w" || { cat "$T/out" "$T/err"; fail "watch --since did not show 3 events"; }
[ "$(sed -n 's/.*"id":\([0-9]*\),.*/\1/p' "$T/out" | tr '\n' ' ')" = "8 9 10 " ] ||
	{ cat "$T/out"; fail "watch --since 7: want ids 8 9 10 (9 fetched for the gap)"; }
kill "$pub"; wait "$pub" 2>/dev/null || true
printf '%s\n' '{"v":1,"ok":true,"data":{"events":[],"next":500,"more":false,"last_event_id":900,"first_kept":501,"trimmed":true}}' >"$T/trimmed.json"
serve "$T/trimmed.json"
rc=0; timeout 2 "$CTL" --control "$C" --events "$E" watch --since 3 >"$T/out" 2>"$T/err" || rc=$?
has "events 4 to 500 are no longer kept" "$T/err"
expect_rc 2 ctl watch --since x; has "--since takes an event id" "$T/err"
serve "$T/state.json"

echo "== board: a shelter turning full, in tmux"
if command -v tmux >/dev/null; then
	tm() { tmux -L "ctlfake$$" "$@"; }
	tm new-session -d -x 120 -y 40 -s board \
		"env POSKO_LOCALEDIR=$T/locale $CTL --control $C --events $E watch --board; sleep 30"
	shot() { tm capture-pane -p -t board >"$T/screen"; }
	for _ in $(seq 100); do shot; grep -q 'SH-0001' "$T/screen" && break; sleep 0.1; done
	has "SH-0001" "$T/screen"; has "85.0%" "$T/screen"; has "nearly full" "$T/screen"
	has "612" "$T/screen"    # meals due today at SH-0001
	has "OPEN ALERTS (1)" "$T/screen"
	state 240 >"$T/full.json"
	serve "$T/full.json"
	ev='assign.household {"v":1,"id":171,"time":"2007-02-01T23:05:00Z","incident":1,"household":1001,"shelter":"SH-0001","persons":4,"status":"registered","reason":"placed","operator":null}'
	nanocat --pub --bind "$E" --data "$ev" --interval 0.2 -q >/dev/null 2>&1 &
	pub=$!; pids+=("$pub")
	for _ in $(seq 100); do shot; grep -q '100.0%' "$T/screen" && break; sleep 0.1; done
	has "100.0%" "$T/screen"; has "240/240" "$T/screen"
	grep 'SH-0001' "$T/screen" | grep -q 'full' || fail "SH-0001 not shown full"
	has "household 1001 (4 persons) registered in SH-0001" "$T/screen"
	tm resize-window -t board -x 90 -y 30 2>/dev/null || true
	sleep 0.5; shot; has "SH-0001" "$T/screen"
	tm send-keys -t board q
	for _ in $(seq 50); do shot; grep -q 'SH-0001' "$T/screen" || break; sleep 0.1; done
	hasnt "SH-0001" "$T/screen"   # quit, alternate screen left
	kill "$pub"; wait "$pub" 2>/dev/null || true
else
	echo "(tmux missing: board not checked)"
fi
expect_rc 2 ctl watch --board </dev/null   # not a terminal

echo "== help and completion"
expect_rc 0 ctl help
for c in status incident shelter household checkin checkout transfer stock \
	dispatch alerts report import watch impact plan; do has "poskoctl $c"; done
grep -qE '^  impact +offline: ' "$T/out" || fail "help: the impact line"
grep -qE '^  plan +offline: ' "$T/out" || fail "help: the plan line"
has "Exit status"
expect_rc 0 ctl help plan; has "poskoctl plan --zones"; has "--incident REPORT.json"
expect_rc 0 ctl help impact; has "poskoctl impact --zones"
# impact and plan are ctl/impact.c and ctl/plan.c: dispatched to them
expect_rc 2 ctl impact --no-such-option; has "usage: poskoctl impact" "$T/err"
expect_rc 2 ctl plan --no-such-option; has "usage: poskoctl plan" "$T/err"
expect_rc 0 ctl shelter --help; has "shelter set-capacity"
complete_words() { # words... -> COMPREPLY joined
	bash -c 'source ctl/poskoctl.bash
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_poskoctl; echo "${COMPREPLY[*]}"' _ "$@"
}
[[ " $(complete_words poskoctl sh) " == *" shelter "* ]] || fail "complete command"
[[ " $(complete_words poskoctl shelter s) " == *" set-capacity "* ]] || fail "complete sub"
[[ " $(complete_words poskoctl stock receive DEP-1 k) " == *" kit_adult "* ]] || fail "complete item"
[[ " $(complete_words poskoctl report spm --) " == *" --csv "* ]] || fail "complete option"
echo "all poskoctl fake-daemon checks passed"
