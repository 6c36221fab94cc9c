#!/bin/bash
# systemd/: poskod.service passes `systemd-analyze verify` (the only thing
# tolerated is the binary not being installed yet), its offline security
# exposure is 2.0 or lower, the sysusers file parses, the unit agrees with
# the Makefile's install paths and config/posko.conf, and the man pages the
# unit points at exist and render without warnings.
# Exit 0 pass, 77 skip (with the reason), anything else fail.
set -euo pipefail
cd "$(dirname "$0")/.."

unit=systemd/poskod.service
sysusers=systemd/posko.sysusers.conf
tmp=${TMPDIR:-/tmp}/e2e-systemd.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

command -v systemd-analyze >/dev/null ||
	{ echo "skip: systemd-analyze not installed (Debian package systemd)"; exit 77; }
[ -f "$unit" ] || fail "$unit missing"

# The man pages named in Documentation= must exist: verify runs `man` on
# them, so point MANPATH at the repository's pages.
mkdir -p "$tmp/man/man5" "$tmp/man/man8"
cp docs/man/poskod.8 "$tmp/man/man8/"
cp docs/man/posko.conf.5 "$tmp/man/man5/"

# --- systemd-analyze verify -------------------------------------------------
# Run on a copy named as installed; the only complaint allowed is that the
# binary (ExecStart, /usr/local/sbin/poskod) is not installed on this host.
set +e
MANPATH="$tmp/man" systemd-analyze verify "$unit" >"$tmp/verify.out" 2>&1
verify_rc=$?
set -e
grep -v -E '^poskod\.service: Command /usr/local/sbin/poskod is not executable: No such file or directory$' \
	"$tmp/verify.out" >"$tmp/verify.rest" || true
if [ -s "$tmp/verify.rest" ]; then
	cat "$tmp/verify.out" >&2
	fail "systemd-analyze verify $unit reports problems (see above)"
fi
if [ $verify_rc -ne 0 ] && ! grep -q 'is not executable' "$tmp/verify.out"; then
	fail "systemd-analyze verify exited $verify_rc without saying why"
fi
echo "ok: systemd-analyze verify (exit $verify_rc; only a missing binary tolerated)"

# A unit with a real mistake must fail the same check (the check can fail).
sed 's/^Type=notify$/Type=notifyy/' "$unit" >"$tmp/poskod.service"
MANPATH="$tmp/man" systemd-analyze verify "$tmp/poskod.service" >"$tmp/bad.out" 2>&1 || true
grep -v -E 'Command /usr/local/sbin/poskod is not executable' "$tmp/bad.out" \
	>"$tmp/bad.rest" || true
[ -s "$tmp/bad.rest" ] || fail "verify did not notice Type=notifyy"

# --- the unit's contract -----------------------------------------------------
need() { grep -q -x -F -- "$1" "$unit" || fail "$unit lacks: $1"; }
need 'Type=notify'
need 'ExecStart=/usr/local/sbin/poskod --config /etc/posko/posko.conf'
need 'ExecReload=/bin/kill -HUP $MAINPID'
need 'WatchdogSec=30'
need 'Restart=on-failure'
need 'StateDirectory=posko'
need 'RuntimeDirectory=posko'
need 'ConfigurationDirectory=posko'
need 'User=posko'
need 'Group=posko'
need 'UMask=0007'
need 'NoNewPrivileges=yes'
need 'ProtectSystem=strict'
need 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
need 'SystemCallFilter=@system-service'
need 'SystemCallArchitectures=native'
need 'CapabilityBoundingSet='
# ExecStart must be where `make install` puts poskod: $(PREFIX)/sbin with
# PREFIX ?= /usr/local.
grep -q -E '^PREFIX[[:space:]]*\?=[[:space:]]*/usr/local$' Makefile ||
	fail "Makefile PREFIX default is no longer /usr/local: update ExecStart"
grep -q -E '^SBINDIR[[:space:]]*\?=[[:space:]]*\$\(PREFIX\)/sbin$' Makefile ||
	fail "Makefile SBINDIR default is no longer \$(PREFIX)/sbin: update ExecStart"
# The directories systemd creates are the ones the default config uses, and
# the socket group is the unit's group.
grep -q -x 'state_dir = /var/lib/posko' config/posko.conf || fail "state_dir != StateDirectory"
grep -q -x 'runtime_dir = /run/posko' config/posko.conf || fail "runtime_dir != RuntimeDirectory"
grep -q -x 'socket_group = posko' config/posko.conf || fail "socket_group != Group"
grep -q -x 'socket_mode = 0660' config/posko.conf || fail "socket_mode is not 0660"
echo "ok: unit agrees with the Makefile and config/posko.conf"

# --- sysusers -------------------------------------------------------------------
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$tmp/root"
	systemd-sysusers --dry-run --root="$tmp/root" - <"$sysusers" >"$tmp/sysusers.out" 2>&1 ||
		{ cat "$tmp/sysusers.out" >&2; fail "systemd-sysusers rejects $sysusers"; }
	grep -q "Creating user 'posko'" "$tmp/sysusers.out" ||
		{ cat "$tmp/sysusers.out" >&2; fail "$sysusers does not create user posko"; }
	grep -q "Creating group 'posko'" "$tmp/sysusers.out" ||
		{ cat "$tmp/sysusers.out" >&2; fail "$sysusers does not create group posko"; }
	echo "ok: $sysusers creates user and group posko"
else
	echo "note: systemd-sysusers not installed, $sysusers not checked"
fi

# --- man pages render cleanly --------------------------------------------------
if command -v groff >/dev/null; then
	for m in docs/man/poskod.8 docs/man/posko.conf.5; do
		# at a narrow, the usual and a wide terminal
		for ll in 60n 78n 120n; do
			LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z -rLL=$ll "$m" \
				>"$tmp/groff.out" 2>&1 || true
			if [ -s "$tmp/groff.out" ]; then
				cat "$tmp/groff.out" >&2
				fail "$m: groff warnings at line length $ll"
			fi
		done
	done
	echo "ok: man pages render without warnings"
fi

# --- systemd-analyze security --offline ----------------------------------------
if ! systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	echo "skip: this systemd-analyze has no 'security --offline' (needs systemd >= 250)"
	exit 77
fi
set +e
systemd-analyze security --offline=yes "$unit" >"$tmp/security.out" 2>&1
sec_rc=$?
set -e
line=$(grep -a 'Overall exposure level for poskod.service:' "$tmp/security.out" || true)
if [ -z "$line" ]; then
	cat "$tmp/security.out" >&2
	fail "no 'Overall exposure level' line (exit $sec_rc)"
fi
level=$(printf '%s\n' "$line" | sed -E 's/.*poskod\.service: *([0-9]+(\.[0-9]+)?).*/\1/')
[[ $level =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "cannot read the level in: $line"
awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' ||
	{ grep -a '✗' "$tmp/security.out" >&2 || true; fail "exposure $level > 2.0"; }
echo "ok: systemd-analyze security --offline: exposure $level (<= 2.0)"
