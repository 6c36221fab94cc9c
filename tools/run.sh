#!/bin/bash
# tools/run.sh - `make run`: poskod in the foreground on the sample scenario.
#
# State and sockets go to $POSKO_RUN_DIR (default build/run), kept between
# runs so the store survives. Ctrl-C stops poskod gracefully. In another
# terminal:
#   build/poskoctl --control ipc://$PWD/build/run/run/control.ipc status
#   nanocat --push --connect ipc://$PWD/build/run/run/ingest.ipc \
#           -F data/sample/incidents/flood-2007.json
#   nanocat --sub --connect ipc://$PWD/build/run/run/events.ipc -A
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${POSKOD:-$root/build/rel/poskod}
dir=${POSKO_RUN_DIR:-$root/build/run}
[ -x "$bin" ] || { echo "run: $bin is not built; run \`make\`" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sed -e "s|@DIR@|$dir|g" -e "s|@DATA@|$root/data/sample|g" \
	tools/sample.conf >"$dir/posko.conf"
echo "run: config $dir/posko.conf; store $dir/state/posko.db"
echo "run: ingest  ipc://$dir/run/ingest.ipc"
echo "run: control ipc://$dir/run/control.ipc"
echo "run: events  ipc://$dir/run/events.ipc"
exec "$bin" --config "$dir/posko.conf" --foreground "$@"
