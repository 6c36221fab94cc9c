#!/bin/sh
# Install the Debian packages posko needs, only those that are missing.
#   tools/deps.sh build [--quiet]   what `make` needs
#   tools/deps.sh demo              what `make demo` needs too
#   tools/deps.sh test              what `make check` and `make bench` need
# As root it runs apt-get; otherwise it prints the exact apt-get line and
# fails, so nothing is ever downloaded from anywhere but Debian's mirrors.
set -u
mode=${1:-build}
quiet=${2:-}
missing=""

need_pc() { # pkg-config-name debian-package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command debian-package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_file() { # glob debian-package
	for f in $1; do [ -e "$f" ] && return 0; done
	missing="$missing $2"
}

need_cmd cc gcc
need_cmd make make
need_cmd pkg-config pkg-config
need_cmd msgfmt gettext
need_pc libuv libuv1-dev
need_pc nanomsg libnanomsg-dev
need_pc sqlite3 libsqlite3-dev
need_pc geos libgeos-dev
need_pc proj libproj-dev
need_file "/usr/share/proj/proj.db" proj-data
need_pc jansson libjansson-dev
need_pc inih libinih-dev
need_pc libxml-2.0 libxml2-dev
need_pc libsystemd libsystemd-dev
need_cmd xmllint libxml2-utils

if [ "$mode" = demo ] || [ "$mode" = test ]; then
	# tools/demo.sh talks to poskod with Debian's nanomsg client.
	need_cmd nanocat nanomsg-utils
	need_cmd jq jq
fi
if [ "$mode" = test ]; then
	need_pc cmocka libcmocka-dev
	need_cmd ogr2ogr gdal-bin
	need_cmd sqlite3 sqlite3
	need_cmd tmux tmux
	need_cmd python3 python3
	need_cmd valgrind valgrind
	need_cmd systemd-analyze systemd
	need_file "/usr/lib/*/mod_spatialite.so*" libsqlite3-mod-spatialite
	need_file "/usr/include/glpk.h" libglpk-dev
fi

[ -z "$missing" ] && exit 0
line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "posko: missing Debian packages:$missing" >&2
	echo "posko: as root, run:  apt-get update && $line" >&2
	exit 1
fi
echo "posko: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2 || exit 1
