#!/bin/bash
# poskoctl impact (offline, no daemon): tables whose rows add up to their
# total, the JSON form agreeing with them, footprints, and exit codes.
set -euo pipefail
: "${POSKOCTL:?POSKOCTL must name the poskoctl binary}"
[ -x "$POSKOCTL" ] || { echo "FAIL: $POSKOCTL is not built" >&2; exit 1; }
cd "$(dirname "$0")/.."
fx=tests/fixtures/geo
out=$TMPDIR/impact

fail() { echo "FAIL: $*" >&2; exit 1; }

# Column sums of the per-kelurahan CSV rows must equal the total row.
check_sums() { # file
	awk -F, 'NR == 1 { next }
		$1 == "total" { for (i = 3; i <= NF; i++) t[i] = $i; seen = 1; next }
		{ for (i = 3; i <= NF; i++) s[i] += $i; n++ }
		END {
			if (!seen) { print "no total row"; exit 1 }
			for (i = 3; i <= 14; i++)
				if (s[i] != t[i]) { print "column " i ": rows " s[i] " != total " t[i]; exit 1 }
			# per hazard, low+medium+high <= households
			if (t[9] + t[10] + t[11] > t[3]) { print "flood classes exceed total"; exit 1 }
			print n " rows add up"
		}' "$1"
}

# 1. exposure (no footprint)
"$POSKOCTL" impact --zones $fx/zones_wgs84.geojson --households $fx/households.csv \
	--kelurahan $fx/kelurahan.geojson --out "$out.csv" >"$out.txt" 2>"$out.err" \
	|| fail "impact exited $?: $(cat "$out.err")"
check_sums "$out.csv" || fail "CSV rows do not add up: $(cat "$out.csv")"
grep -q '^total,,5,15,3,2,2,1,1,2,2,0,1,1$' "$out.csv" || fail "unexpected totals: $(tail -1 "$out.csv")"
grep -q '^31.71.01.1001,Gambir,2,7,' "$out.csv" || fail "Gambir row missing"
grep -q 'Affected: 5 households, 15 people' "$out.txt" || fail "header: $(head -1 "$out.txt")"
grep -q 'line 4: id' "$out.err" || fail "bad rows not reported on stderr"

# 2. the same as JSON: totals agree with the CSV, class rows add up
"$POSKOCTL" impact --zones $fx/zones_wgs84.geojson --households $fx/households.csv \
	--kelurahan $fx/kelurahan.geojson --json >"$out.json" 2>/dev/null
tr -d ' \n' <"$out.json" >"$out.flat"
grep -q '"total":{"households":5,"people":15,"elderly":3,"under5":2,"disabled":2,"pregnant":1}' "$out.flat" \
	|| fail "JSON total: $(cat "$out.json")"
# flood classes high/medium/low/none: 2 + 2 + 1 + 0 households
grep -q '"flood":\[{"households":2,[^]]*{"households":2,[^]]*{"households":1,[^]]*{"households":0,' "$out.flat" \
	|| fail "JSON flood classes: $(cat "$out.json")"

# 3. a 700 m circle around household 1: it and household 2 (625 m away)
"$POSKOCTL" impact --zones $fx/zones_wgs84.geojson --households $fx/households.csv \
	--point 106.8035,-6.1965 --radius-m 700 --out "$out.pt.csv" >/dev/null 2>&1
check_sums "$out.pt.csv" >/dev/null || fail "circle CSV does not add up"
grep -q '^total,,2,7,' "$out.pt.csv" || fail "circle total: $(tail -1 "$out.pt.csv")"

# 4. a footprint file (the kelurahan layer: every household in it)
"$POSKOCTL" impact --zones $fx/zones_wgs84.geojson --households $fx/households.csv \
	--footprint $fx/kelurahan.geojson --out "$out.fp.csv" >/dev/null 2>&1
check_sums "$out.fp.csv" >/dev/null || fail "footprint CSV does not add up"
grep -q '^total,,5,' "$out.fp.csv" || fail "footprint total: $(tail -1 "$out.fp.csv")"

# 5. exit codes: usage 2, input error 1
set +e
"$POSKOCTL" impact --households $fx/households.csv >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing --zones exited $rc, want 2"
"$POSKOCTL" impact --zones $fx/zones_wgs84.geojson --households $fx/households.csv \
	--point 106.8 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad --point exited $rc, want 2"
"$POSKOCTL" impact --zones $fx/nope.geojson --households $fx/households.csv >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "missing zones file exited $rc, want 1"
"$POSKOCTL" impact --zones $fx/zones_wgs84.geojson --households $fx/nope.csv >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "missing households file exited $rc, want 1"
set -e
echo "e2e_geo_impact: ok"
