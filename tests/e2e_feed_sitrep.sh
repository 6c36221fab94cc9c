#!/bin/bash
# The situation report and HXL through the real poskod: with a flood open,
# the daemon publishes sitrep.published on its timer ([feed]
# sitrep_first_s, sitrep_interval_s) and writes the JSON, GeoJSON and HXL
# files in [feed] sitrep_dir; `poskoctl feed sitrep|hxl` gives them on
# demand; the HXL CSV parses back with its hashtags.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3 python3
trap pk_cleanup EXIT
[ -x "${POSKOCTL:-}" ] || { echo "skipped: POSKOCTL is not built"; exit 77; }

pk_setup
# the sample config has the timer off; a test cannot wait 15 minutes
sed -i 's/^sitrep_interval_s = 0$/sitrep_interval_s = 60\nsitrep_first_s = 4/' "$PK_CONF"
grep -q '^sitrep_first_s = 4' "$PK_CONF" || pk_fail "could not set the sitrep timer"
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"
ctl() { "$POSKOCTL" --control "$PK_CONTROL" "$@"; }

pk_push "$PK_ROOT/tests/fixtures/cap/e2e/alert.xml"
pk_wait_grep "$ev" '^incident.opened' 1 30 || pk_fail "no incident"
pk_settle "$ev"

# ---- on the timer
pk_wait_grep "$ev" '^sitrep.published ' 1 20 || pk_fail "no sitrep.published within 20 s"
sp=$(grep '^sitrep.published ' "$ev" | head -n 1)
echo "$sp" | grep -q '"seq":1,' || pk_fail "first sitrep is not seq 1: $sp"
echo "$sp" | grep -q '"incidents_open":1' || pk_fail "sitrep totals: $sp"
dir=$PK_DIR/state/sitrep
for f in $(echo "$sp" | sed 's/.*"files":\[\([^]]*\)\].*/\1/' | tr -d '"' | tr ',' ' '); do
	[ -s "$dir/$f" ] || pk_fail "sitrep file $f missing"
done
ls "$dir"/sitrep-*-1.json "$dir"/sitrep-*-1.geojson "$dir"/hxl-shelters-*-1.csv >/dev/null ||
	pk_fail "sitrep files: $(ls "$dir")"
echo "ok: sitrep 1 published with $(ls "$dir" | wc -l) files"

# ---- on demand
ctl feed sitrep --out "$PK_DIR/s.json" || pk_fail "poskoctl feed sitrep failed"
ctl feed sitrep --format geojson --out "$PK_DIR/s.geojson" || pk_fail "poskoctl feed sitrep --format geojson failed"
ctl feed hxl --table shelters --out "$PK_DIR/shelters.csv" || pk_fail "poskoctl feed hxl failed"
ctl feed hxl --out "$PK_DIR/kel.csv" || pk_fail "poskoctl feed hxl (kelurahan) failed"
ctl feed hxl --table nope >/dev/null 2>&1 && pk_fail "an unknown HXL table was accepted"

python3 - "$PK_DIR" <<'PY' || pk_fail "the reports do not read back"
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/s.json"))
assert s["kind"] == "sitrep", s.keys()
inc = [i for i in s["incidents"] if i["source_id"] == "bpbd-e2e-banjir-001"]
assert inc and inc[0]["state"] == "open", s["incidents"]
placed = inc[0]["placed"]["persons"]
assert placed > 0, inc
assert sum(x["registered"] for x in s["shelters"]) == s["totals"]["shelters"]["registered"]
assert s["totals"]["shelters"]["registered"] >= placed
kel = {k["code"]: k for k in s["kelurahan"]}
assert "31.72.05.1003" in kel and kel["31.72.05.1003"]["evacuees"]["persons"] > 0, s["kelurahan"][:3]
# the kelurahan rows (from the plan) add up to the one open incident's
# totals (from the store), households and persons alike
for f in ("affected", "evacuees", "unplaced"):
    for u in ("households", "persons"):
        got = sum(k[f][u] for k in s["kelurahan"])
        assert got == inc[0][f][u], (f, u, got, inc[0][f])
g = json.load(open(d + "/s.geojson"))
assert g["type"] == "FeatureCollection" and g["features"], g.keys()
f = g["features"][0]
assert f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2
# HXL: a header row, then the hashtag row, then data
def hxl(path, need):
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    assert len(rows) >= 3, (path, rows[:3])
    tags = rows[1]
    assert all(t.startswith("#") for t in tags), (path, tags)
    assert len(rows[0]) == len(tags), path
    for t in need:
        assert t in tags, (path, t, tags)
    for r in rows[2:]:
        assert len(r) == len(tags), (path, r)
    return [dict(zip(tags, r)) for r in rows[2:]]
sh = hxl(d + "/shelters.csv", ["#date", "#adm4+code", "#loc+code", "#loc+name", "#geo+lat", "#geo+lon", "#capacity", "#affected+displaced"])
byid = {r["#loc+code"]: r for r in sh}
js = {x["id"]: x for x in s["shelters"]}
for k, r in byid.items():
    assert int(r["#capacity"]) == js[k]["capacity"], k
    assert int(r["#affected+displaced"]) == js[k]["registered"], k
ke = hxl(d + "/kel.csv", ["#adm1+code", "#adm2+code", "#adm3+code", "#adm4+code", "#affected", "#affected+displaced"])
r = [x for x in ke if x["#adm4+code"] == "31.72.05.1003"]
assert r and r[0]["#adm2+code"] == "31.72" and r[0]["#adm3+code"] == "31.72.05", r
assert int(r[0]["#affected+displaced"]) == kel["31.72.05.1003"]["evacuees"]["persons"]
print("ok: sitrep JSON, GeoJSON and HXL read back (%d shelters, %d kelurahan rows)" % (len(sh), len(ke)))
PY
ctl --json feed sitrep >"$PK_DIR/reply.json" || pk_fail "feed sitrep --json failed"
grep -q '"format": *"json"' "$PK_DIR/reply.json" || pk_fail "feed sitrep --json: $(head -c 300 "$PK_DIR/reply.json")"

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
