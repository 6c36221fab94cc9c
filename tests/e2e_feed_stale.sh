#!/bin/bash
# feed.stale through the real poskod, with [alerts] feed_stale_s = 3 (the
# seconds key is for tests; operators set feed_stale_minutes): no alert
# while no flood is open; with a flood open and no feed message for 3 s
# one feed.stale is raised (once, however long it stays quiet); the next
# feed message clears it, once.
set -euo pipefail
. "$(dirname "$0")/fixtures/daemon/lib.sh"
pk_need nanocat sqlite3
trap pk_cleanup EXIT

pk_setup
cat >>"$PK_CONF" <<'EOF2'

[alerts]
feed_stale_s = 3
EOF2
pk_start
ev=$PK_DIR/events.txt
pk_sub "$ev"

# no flood open: quiet is fine
sleep 4
pk_eq "feed.stale without a flood" "$(pk_count "$ev" '^feed.stale ')" 0

# a flood from the feed, then silence
pk_push_data '{"v":1,"kind":"rw.state","source":"petabencana","rw":"3175081004-11","state":3}'
pk_wait_grep "$ev" '^incident.opened' 1 20 || pk_fail "no flood opened"
pk_wait_grep "$ev" '^feed.stale .*"state":"raised"' 1 15 || pk_fail "feed.stale not raised after 3 s of silence"
line=$(grep '^feed.stale .*"state":"raised"' "$ev")
echo "$line" | grep -q '"last_message":"' || pk_fail "feed.stale without last_message: $line"
sleep 3
pk_eq "feed.stale raised (once)" "$(pk_count "$ev" '^feed.stale .*"state":"raised"')" 1
pk_eq "open feed.stale alerts in the store" \
	"$(pk_sql "SELECT count(*) FROM alerts WHERE topic='feed.stale' AND state!='cleared'")" 1

# a feed message (the same state again: no change, but the feed is alive)
pk_push_data '{"v":1,"kind":"rw.state","source":"petabencana","rw":"3175081004-11","state":3}'
pk_wait_grep "$ev" '^feed.stale .*"state":"cleared"' 1 10 || pk_fail "feed.stale not cleared by a feed message"
pk_eq "feed.stale cleared (once)" "$(pk_count "$ev" '^feed.stale .*"state":"cleared"')" 1
pk_eq "open feed.stale alerts after the clear" \
	"$(pk_sql "SELECT count(*) FROM alerts WHERE topic='feed.stale' AND state!='cleared'")" 0

# the flood ends: silence is fine again
pk_push_data '{"v":1,"kind":"rw.state","source":"petabencana","rw":"3175081004-11","state":0}'
pk_wait_grep "$ev" '^incident.closed' 1 20 || pk_fail "the flood did not close"
sleep 5
pk_eq "feed.stale raised after the flood closed" "$(pk_count "$ev" '^feed.stale .*"state":"raised"')" 1

pk_stop || pk_fail "poskod did not stop cleanly"
echo PASS
