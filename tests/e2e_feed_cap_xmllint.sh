#!/bin/bash
# The CAP 1.2 documents posko writes (shelter alert chain, unplaced
# evacuees) validate with xmllint --schema against docs/cap/CAP-v1.2.xsd,
# independently of the libxml2 calls in daemon/cap.c; the fixtures that
# posko accepts validate, the ones the schema must refuse do not, and the
# ones only posko's own checks refuse (bad polygons, ...) are schema-valid,
# which is why daemon/cap.c checks them itself.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v xmllint >/dev/null || { echo "xmllint not installed (libxml2-utils)"; exit 77; }
bin=${POSKO_FEED_CAP_TEST:-build/asan/tests/test_feed_cap}
[ -x "$bin" ] || { echo "$bin not built (make check builds it)"; exit 77; }
xsd=docs/cap/CAP-v1.2.xsd
fix=tests/fixtures/cap
fail=0

validates() { xmllint --nonet --noout --schema "$xsd" "$1" >/dev/null 2>&1; }

out=${TMPDIR:-/tmp}/cap-out.$$
rm -rf "$out"; mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
POSKO_CAP_OUT_DIR=$out "$bin" >"$out/unit.log" 2>&1 || {
	echo "FAIL: $bin failed:"; tail -20 "$out/unit.log"; exit 1; }
n=0
for f in "$out"/out-*.xml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if validates "$f"; then echo "ok: posko wrote valid CAP: ${f##*/}"
	else echo "FAIL: ${f##*/} does not validate:"; xmllint --nonet --noout --schema "$xsd" "$f" || true; fail=1; fi
done
[ "$n" -ge 4 ] || { echo "FAIL: expected 4 CAP documents from $bin, got $n"; fail=1; }

# Refused by the schema itself.
schema_bad="bad-namespace-cap11 bad-missing-sender bad-missing-scope
bad-missing-event bad-severity-value bad-not-well-formed bad-entities
bad-doctype"
for f in "$fix"/*.xml; do
	b=$(basename "$f" .xml)
	case " $(echo $schema_bad) " in
	*" $b "*) want=invalid ;;
	*) want=valid ;;
	esac
	if validates "$f"; then got=valid; else got=invalid; fi
	if [ "$got" = "$want" ]; then echo "ok: $b is $got CAP 1.2"
	else echo "FAIL: $b is $got, expected $want"; fail=1; fi
done
exit $fail
