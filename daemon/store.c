#define _POSIX_C_SOURCE 200809L
#include "daemon/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STMT_CACHE 96

struct store {
	sqlite3 *db;
	/* store_now() of the last outbox row: formatted once a second, not
	 * once an event (thousands per decision) */
	int64_t now_t;
	char now[32];
	int wal_frames; /* WAL size at the last commit (store_wal_manual) */
	struct {
		const char *sql;
		sqlite3_stmt *st;
		uint64_t runs, ns; /* store_profile */
	} cache[STMT_CACHE];
	size_t ncache;
	uint64_t other_runs, other_ns; /* statements not in the cache */
};

/* SQLITE_TRACE_PROFILE: a statement ended; add its time to its row. */
static int
profile_cb(unsigned type, void *arg, void *p, void *x)
{
	store *s = arg;
	uint64_t ns = *(const sqlite3_int64 *)x;

	(void)type;
	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].st == p) {
			s->cache[i].runs++;
			s->cache[i].ns += ns;
			return 0;
		}
	s->other_runs++;
	s->other_ns += ns;
	return 0;
}

void
store_profile(store *s, store_profile_fn fn, void *arg)
{
	size_t order[STMT_CACHE], n = 0;

	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].runs > 0)
			order[n++] = i;
	/* largest total first (a few dozen rows: insertion sort) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && s->cache[order[j]].ns >
						    s->cache[order[j - 1]].ns;
		     j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		fn(s->cache[order[i]].sql, s->cache[order[i]].runs,
		   s->cache[order[i]].ns, arg);
	if (s->other_runs > 0)
		fn("(not cached)", s->other_runs, s->other_ns, arg);
}

/*
 * Ordered migrations: migrations[i] takes the schema from version i to
 * i + 1. Never edit one that has shipped; add the next.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	/* every accepted message, with its idempotency key */
	"CREATE TABLE journal ("
	" id INTEGER PRIMARY KEY, time TEXT NOT NULL, origin TEXT NOT NULL,"
	" source TEXT, source_id TEXT, action TEXT NOT NULL, hash TEXT,"
	" incident INTEGER, revision INTEGER, operator TEXT,"
	" raw TEXT NOT NULL,"
	/* what was decided: the full (merged) report and the plan's day,
	 * so a restart replays the same steps */
	" effective TEXT, today INTEGER);"
	"CREATE INDEX journal_key ON journal (source, source_id, hash);"
	"CREATE TABLE incidents ("
	" id INTEGER PRIMARY KEY, source TEXT NOT NULL,"
	" source_id TEXT NOT NULL, state TEXT NOT NULL"
	"  CHECK (state IN ('open','closed')),"
	" type TEXT NOT NULL, title TEXT, severity TEXT NOT NULL,"
	" footprint TEXT NOT NULL, days INTEGER NOT NULL,"
	" exercise INTEGER NOT NULL DEFAULT 0, revision INTEGER NOT NULL,"
	" hash TEXT NOT NULL, report TEXT NOT NULL, start_day INTEGER NOT NULL,"
	" opened TEXT NOT NULL, closed TEXT,"
	" affected_hh INTEGER NOT NULL DEFAULT 0,"
	" affected_p INTEGER NOT NULL DEFAULT 0,"
	" evac_hh INTEGER NOT NULL DEFAULT 0, evac_p INTEGER NOT NULL DEFAULT 0,"
	" placed_hh INTEGER NOT NULL DEFAULT 0,"
	" placed_p INTEGER NOT NULL DEFAULT 0,"
	" unplaced_hh INTEGER NOT NULL DEFAULT 0,"
	" unplaced_p INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (source, source_id));"
	/* households hit by an incident's revision in force */
	"CREATE TABLE affected ("
	" incident INTEGER NOT NULL, household INTEGER NOT NULL,"
	" class INTEGER NOT NULL, evacuate INTEGER NOT NULL,"
	" PRIMARY KEY (incident, household)) WITHOUT ROWID;"
	"CREATE INDEX affected_hh ON affected (household);"
	"CREATE TABLE households ("
	" id INTEGER PRIMARY KEY, lon REAL NOT NULL, lat REAL NOT NULL,"
	" kel INTEGER NOT NULL, members INTEGER NOT NULL,"
	" elderly INTEGER NOT NULL, under5 INTEGER NOT NULL,"
	" disabled INTEGER NOT NULL, pregnant INTEGER NOT NULL);"
	"CREATE INDEX households_kel ON households (kel);"
	"CREATE TABLE shelters ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	" lon REAL NOT NULL, lat REAL NOT NULL, kel INTEGER NOT NULL,"
	" capacity INTEGER NOT NULL, floor_m2 REAL NOT NULL,"
	" accessible INTEGER NOT NULL, capacity_source TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'open'"
	"  CHECK (state IN ('open','closed')));"
	"CREATE TABLE depots ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, lon REAL NOT NULL,"
	" lat REAL NOT NULL, kel INTEGER NOT NULL, city INTEGER NOT NULL);"
	"CREATE TABLE lots ("
	" depot TEXT NOT NULL, lot TEXT NOT NULL, item TEXT NOT NULL,"
	" qty INTEGER NOT NULL CHECK (qty >= 0),"
	" reserved INTEGER NOT NULL DEFAULT 0"
	"  CHECK (reserved >= 0 AND reserved <= qty),"
	" expires TEXT, PRIMARY KEY (depot, lot));"
	/* every stock movement, with why */
	"CREATE TABLE movements ("
	" id INTEGER PRIMARY KEY, time TEXT NOT NULL, depot TEXT NOT NULL,"
	" lot TEXT NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL"
	"  CHECK (kind IN ('received','reserved','released','consumed',"
	"  'adjusted')),"
	" qty INTEGER NOT NULL, dispatch INTEGER, reason TEXT, operator TEXT,"
	" journal INTEGER);"
	"CREATE TABLE assignments ("
	" id INTEGER PRIMARY KEY, incident INTEGER NOT NULL,"
	" household INTEGER NOT NULL, shelter TEXT NOT NULL,"
	" persons INTEGER NOT NULL, status TEXT NOT NULL"
	"  CHECK (status IN ('registered','present','checked_out',"
	"  'released')),"
	" since TEXT NOT NULL, checked_in TEXT, checked_out TEXT,"
	" released TEXT, journal INTEGER);"
	"CREATE INDEX assignments_hh ON assignments (household);"
	"CREATE INDEX assignments_inc ON assignments (incident, status);"
	"CREATE INDEX assignments_sh ON assignments (shelter, status);"
	"CREATE TABLE unplaced ("
	" incident INTEGER NOT NULL, household INTEGER NOT NULL,"
	" reason TEXT NOT NULL, PRIMARY KEY (incident, household))"
	" WITHOUT ROWID;"
	"CREATE TABLE dispatches ("
	" id INTEGER PRIMARY KEY, incident INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('meals','sandang')),"
	" shelter TEXT NOT NULL, depot TEXT, lot TEXT, day TEXT,"
	" item TEXT NOT NULL, qty INTEGER NOT NULL, status TEXT NOT NULL"
	"  CHECK (status IN ('planned','confirmed','released')),"
	" time TEXT NOT NULL, operator TEXT);"
	"CREATE INDEX dispatches_inc ON dispatches (incident, status);"
	"CREATE INDEX dispatches_sh ON dispatches (shelter, day);"
	"CREATE TABLE shortages ("
	" incident INTEGER NOT NULL, shelter TEXT NOT NULL, day TEXT NOT NULL,"
	" item TEXT NOT NULL, deficit INTEGER NOT NULL, peak INTEGER NOT NULL,"
	" PRIMARY KEY (incident, shelter, day, item)) WITHOUT ROWID;"
	"CREATE TABLE alerts ("
	" id INTEGER PRIMARY KEY, topic TEXT NOT NULL, kind TEXT NOT NULL,"
	" subject TEXT NOT NULL, level TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('raised','acknowledged',"
	"  'cleared')),"
	" raised TEXT NOT NULL, acknowledged TEXT, acked_by TEXT, note TEXT,"
	" cleared TEXT, detail TEXT NOT NULL);"
	"CREATE INDEX alerts_open ON alerts (topic, kind, subject)"
	" WHERE state != 'cleared';"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,"
	" time TEXT NOT NULL, body TEXT NOT NULL,"
	" published INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX outbox_unpub ON outbox (id) WHERE published = 0;",
	/* 1 -> 2: the inbox (store_inbox_open) holds the reports accepted on
	 * receipt; the highest inbox id decided is committed here in the
	 * transaction that decided it, so each is decided exactly once. */
	"INSERT OR IGNORE INTO meta (key, value) VALUES ('inbox_decided', 0);",
	/* 2 -> 3 (issue 5): a CHECK (x IN (a, b, c)) of three values or more
	 * made SQLite build a temporary b-tree on every insert into the two
	 * tables a decision writes a row per family and per dispatch line
	 * into (a tenth of a decision in the profile); two values compile
	 * to comparisons. The same rules written as pairs; the tables are
	 * rebuilt, which is how SQLite changes a CHECK. */
	"CREATE TABLE assignments_v3 ("
	" id INTEGER PRIMARY KEY, incident INTEGER NOT NULL,"
	" household INTEGER NOT NULL, shelter TEXT NOT NULL,"
	" persons INTEGER NOT NULL, status TEXT NOT NULL"
	"  CHECK (status IN ('registered','present') OR"
	"  status IN ('checked_out','released')),"
	" since TEXT NOT NULL, checked_in TEXT, checked_out TEXT,"
	" released TEXT, journal INTEGER);"
	"INSERT INTO assignments_v3 SELECT * FROM assignments;"
	"DROP TABLE assignments;"
	"ALTER TABLE assignments_v3 RENAME TO assignments;"
	"CREATE INDEX assignments_hh ON assignments (household);"
	"CREATE INDEX assignments_inc ON assignments (incident, status);"
	"CREATE INDEX assignments_sh ON assignments (shelter, status);"
	"CREATE TABLE dispatches_v3 ("
	" id INTEGER PRIMARY KEY, incident INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('meals','sandang')),"
	" shelter TEXT NOT NULL, depot TEXT, lot TEXT, day TEXT,"
	" item TEXT NOT NULL, qty INTEGER NOT NULL, status TEXT NOT NULL"
	"  CHECK (status IN ('planned','confirmed') OR status = 'released'),"
	" time TEXT NOT NULL, operator TEXT);"
	"INSERT INTO dispatches_v3 SELECT * FROM dispatches;"
	"DROP TABLE dispatches;"
	"ALTER TABLE dispatches_v3 RENAME TO dispatches;"
	"CREATE INDEX dispatches_inc ON dispatches (incident, status);"
	"CREATE INDEX dispatches_sh ON dispatches (shelter, day);",
	/* 3 -> 4 (issue 5): what is published is a prefix of the outbox ids
	 * (rows go out in id order), so one number says it: meta
	 * outbox_published, the highest id published. The per-row flag cost
	 * an index insert for every event in the decision and a row rewrite
	 * plus an index delete when the loop marked it. The column stays
	 * (unused; dropping it rewrites the table). */
	"INSERT OR REPLACE INTO meta (key, value) VALUES ('outbox_published',"
	" coalesce((SELECT min(id) - 1 FROM outbox WHERE published = 0),"
	" (SELECT max(id) FROM outbox), 0));"
	"DROP INDEX IF EXISTS outbox_unpub;",
	/* 4 -> 5 (issue 5): the index of assignments by household took a
	 * random page per family of a new incident once it outgrew the
	 * cache (~1,000 pages dirtied and written to the WAL per 1,000-family
	 * incident: 2 ms of rows and 2-5 ms of commit, growing with the
	 * store). Split by status: the live rows' index stays as small as
	 * the open incidents (a family opens and is looked up there); a row
	 * moves to the ended rows' index when it is released or checked out,
	 * at the close, which no first event waits for. Between them they
	 * hold every row, as the one index did. */
	"DROP INDEX IF EXISTS assignments_hh;"
	"CREATE INDEX IF NOT EXISTS assignments_hh_live ON assignments"
	" (household)"
	" WHERE status IN ('registered','present');"
	"CREATE INDEX IF NOT EXISTS assignments_hh_ended ON assignments"
	" (household)"
	" WHERE status IN ('checked_out','released');",
	/* 5 -> 6 (issue 5): assignments by shelter were keyed (shelter,
	 * status), so a release moved the row's entry from the shelter's
	 * live run into its ended run, which grows with every family the
	 * shelter ever held: a random page dirtied per released family,
	 * 8.7 us per assignment write in the sustained bench. Every query
	 * by shelter asks for the live rows (status registered or present),
	 * so the index holds only those: a release deletes its entry, and
	 * the index stays as small as the shelters' occupancy. */
	"DROP INDEX IF EXISTS assignments_sh;"
	"CREATE INDEX IF NOT EXISTS assignments_sh_live ON assignments"
	" (shelter)"
	" WHERE status IN ('registered','present');",
	/* 6 -> 7 (issue 5): what household.find tells of a closed incident's
	 * families (affected_by, the stays that count for received) was
	 * kept in memory, 28 bytes a family for ever: 18 MB after a 60 s
	 * sustained run. It is written here when the incident closes
	 * (engine.c history_write; kind: 0 the evacuee record, lo its first
	 * day in a shelter; 1 a stay, fed days [lo, hi); 2 both in one).
	 * Keyed by incident, so a close appends its rows (keyed by
	 * household, each family's row went to a page of its own: the
	 * 1,000-family incidents of the latency bench slowed down). A
	 * household's closed incidents are found where it was placed
	 * (assignments) or left unplaced (unplaced, indexed by household
	 * here): every evacuee record is one or the other.
	 * Closes decided before this version write theirs at the next
	 * start's replay (history_backfill). */
	"CREATE TABLE IF NOT EXISTS household_history ("
	" incident INTEGER NOT NULL, household INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, shelter TEXT NOT NULL, lo INTEGER NOT NULL,"
	" hi INTEGER NOT NULL, persons INTEGER NOT NULL,"
	" under5 INTEGER NOT NULL,"
	" PRIMARY KEY (incident, household, kind, shelter, lo, hi))"
	" WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS unplaced_hh ON unplaced (household);"
	"INSERT OR IGNORE INTO meta (key, value) VALUES"
	" ('history_backfill', 1);",
	/* 7 -> 8 (issue 5): dispatch lines by (shelter, day) took a new
	 * line into the middle of its shelter's run: with a thousand
	 * shelters and a week of days, a page dirtied per line written.
	 * Every query that reads lines by shelter reads one day's (today's
	 * meals: shelter.list, shelter.show, status, the sitrep), so lines
	 * are indexed by day, where a new line goes to the end of its day. */
	"DROP INDEX IF EXISTS dispatches_sh;"
	"CREATE INDEX IF NOT EXISTS dispatches_day ON dispatches (day);",
	/* 8 -> 9: `status` (a desk's board asks every 10 s) summed the
	 * open incidents by scanning every incident ever decided, four
	 * times: on the bench's store (37,605 incidents, 200 open) ~10 ms
	 * each, on the loop. The open ones, indexed. */
	"CREATE INDEX IF NOT EXISTS incidents_open ON incidents (id)"
	" WHERE state = 'open';",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* The inbox file's own migrations (its own user_version). */
static const char *const inbox_migrations[] = {
	/* 0 -> 1: id is the arrival order and the idempotency key. */
	"CREATE TABLE inbox ("
	" id INTEGER PRIMARY KEY, time TEXT NOT NULL, origin TEXT NOT NULL,"
	" source TEXT, source_id TEXT, operator TEXT, raw BLOB NOT NULL);",
};

static int
seterr(char *err, size_t errlen, const char *what, sqlite3 *db)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what,
			 db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

int
store_version(store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(store *s, const char *const *mig, size_t nmig, char *err,
	size_t errlen)
{
	int v = store_version(s);
	char sql[64];

	if (v < 0)
		return seterr(err, errlen, "reading user_version", s->db);
	if (v > (int)nmig) {
		snprintf(err, errlen,
			 "database schema version %d is newer than this "
			 "poskod (%d); use the newer poskod or a backup",
			 v, (int)nmig);
		return -1;
	}
	for (; v < (int)nmig; v++) {
		if (store_exec(s, "BEGIN IMMEDIATE"))
			return seterr(err, errlen, "migration begin", s->db);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, mig[v]) || store_exec(s, sql)) {
			seterr(err, errlen, "migration", s->db);
			store_exec(s, "ROLLBACK");
			return -1;
		}
		if (store_exec(s, "COMMIT"))
			return seterr(err, errlen, "migration commit", s->db);
	}
	return 0;
}

static int
open_file(const char *path, const char *const *mig, size_t nmig, store **out,
	  char *err, size_t errlen)
{
	store *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return seterr(err, errlen, "store", NULL);
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		seterr(err, errlen, path, s->db);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* WAL: readers never block the writer. synchronous=NORMAL in WAL
	 * mode is durable against a process crash (kill -9); only a power
	 * loss may lose the last commits, never corrupt the file. */
	/* Temporary b-trees and statement journals in memory, not in
	 * temp files. */
	if (store_exec(s, "PRAGMA journal_mode = WAL") ||
	    store_exec(s, "PRAGMA synchronous = NORMAL") ||
	    store_exec(s, "PRAGMA foreign_keys = OFF") ||
	    store_exec(s, "PRAGMA temp_store = MEMORY")) {
		seterr(err, errlen, path, s->db);
		goto fail;
	}
	if (migrate(s, mig, nmig, err, errlen))
		goto fail;
	if (getenv("POSKOD_SQL_PROFILE") != NULL)
		sqlite3_trace_v2(s->db, SQLITE_TRACE_PROFILE, profile_cb, s);
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

int
store_open(const char *path, store **out, char *err, size_t errlen)
{
	return open_file(path, migrations, NMIGRATIONS, out, err, errlen);
}

int
store_inbox_open(const char *path, store **out, char *err, size_t errlen)
{
	return open_file(path, inbox_migrations,
			 sizeof(inbox_migrations) / sizeof(inbox_migrations[0]),
			 out, err, errlen);
}

void
store_close(store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

sqlite3 *
store_db(store *s)
{
	return s->db;
}

const char *
store_errmsg(store *s)
{
	return sqlite3_errmsg(s->db);
}

int
store_transient(store *s)
{
	switch (sqlite3_extended_errcode(s->db) & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

const char *
store_errdetail(store *s, char *buf, size_t len)
{
	/* (the errno of the last failed system call: only when the error
	 * came from one) */
	int e = store_transient(s) ? sqlite3_system_errno(s->db) : 0;
	if (e)
		snprintf(buf, len, "%s (%s)", sqlite3_errmsg(s->db),
			 strerror(e));
	else
		snprintf(buf, len, "%s", sqlite3_errmsg(s->db));
	return buf;
}

sqlite3_stmt *
store_stmt(store *s, const char *sql)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			st = s->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	if (s->ncache < STMT_CACHE) {
		s->cache[s->ncache].sql = sql;
		s->cache[s->ncache].st = st;
		s->ncache++;
	}
	/* A full cache would leak: STMT_CACHE is sized above the number of
	 * distinct statements poskod uses, which the tests exercise. */
	return st;
}

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((store *)arg)->wal_frames = frames;
	return SQLITE_OK;
}

void
store_wal_manual(store *s)
{
	/* replaces the automatic checkpoint (itself a WAL hook) */
	sqlite3_wal_hook(s->db, wal_hook, s);
}

int
store_wal_frames(store *s)
{
	return s->wal_frames;
}

int
store_checkpoint(store *s)
{
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL,
					   SQLITE_CHECKPOINT_PASSIVE, NULL,
					   NULL);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : -1;
}

int
store_exec(store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
									: -1;
}

int
store_begin(store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int
store_commit(store *s)
{
	return store_exec(s, "COMMIT");
}

int
store_rollback(store *s)
{
	return store_exec(s, "ROLLBACK");
}

char *
store_time(int64_t t, char *buf)
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *
store_now(char *buf)
{
	return store_time((int64_t)time(NULL), buf);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int64_t
store_journal_add(store *s, const store_journal *j)
{
	static const char sql[] =
		"INSERT INTO journal (time, origin, source, source_id, action,"
		" hash, incident, revision, operator, raw, effective, today)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	char now[32];

	if (st == NULL)
		return -1;
	bind_text(st, 1, store_now(now));
	bind_text(st, 2, j->origin);
	bind_text(st, 3, j->source);
	bind_text(st, 4, j->source_id);
	bind_text(st, 5, j->action);
	bind_text(st, 6, j->hash);
	if (j->incident)
		sqlite3_bind_int64(st, 7, j->incident);
	if (j->revision)
		sqlite3_bind_int(st, 8, j->revision);
	bind_text(st, 9, j->operator_);
	sqlite3_bind_text(st, 10, j->raw ? j->raw : "", (int)j->rawlen,
			  SQLITE_TRANSIENT);
	bind_text(st, 11, j->effective);
	sqlite3_bind_int64(st, 12, j->today);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int64_t
store_outbox_add(store *s, const char *topic, const char *body)
{
	return store_outbox_addn(s, topic, body, strlen(body));
}

int64_t
store_outbox_addn(store *s, const char *topic, const char *body,
		  size_t bodylen)
{
	static const char sql[] =
		"INSERT INTO outbox (topic, time, body) VALUES (?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t t = (int64_t)time(NULL);

	if (st == NULL)
		return -1;
	if (t != s->now_t) {
		store_time(t, s->now);
		s->now_t = t;
	}
	/* the row is written by sqlite3_step, before the caller's buffers
	 * change: no copies */
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, (int)bodylen, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return -1;
	}
	/* no binding may outlive the call (SQLITE_STATIC above) */
	sqlite3_clear_bindings(st);
	return sqlite3_last_insert_rowid(s->db);
}

char *
store_event_text(int64_t id, const char *topic, const char *time,
		 const char *body, size_t *len)
{
	size_t tl = strlen(topic), bl = strlen(body);
	size_t cap = tl + bl + 96;
	char *out = malloc(cap);
	int n;

	if (out == NULL)
		return NULL;
	/* body is "{...}" (possibly "{}"): splice the envelope in front. */
	const char *rest = bl > 1 ? body + 1 : "}";
	int empty = (bl <= 2);
	n = snprintf(out, cap, "%s {\"v\":1,\"id\":%lld,\"time\":\"%s\"%s%s",
		     topic, (long long)id, time, empty ? "" : ",",
		     empty ? "}" : rest);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		return NULL;
	}
	*len = (size_t)n;
	return out;
}

/* fn for each (id, topic, time, body) row of st until it returns
 * non-zero, then st reset. The number of rows visited or -1. */
static long
event_rows(sqlite3_stmt *st, store_event_fn fn, void *arg)
{
	long n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (fn(sqlite3_column_int64(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2),
		       (const char *)sqlite3_column_text(st, 3), arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}

long
store_outbox_unpublished(store *s, int64_t after, size_t max,
			 store_event_fn fn, void *arg)
{
	static const char sql[] =
		"SELECT id, topic, time, body FROM outbox WHERE id > max(?1,"
		" (SELECT CAST(value AS INTEGER) FROM meta"
		" WHERE key = 'outbox_published')) ORDER BY id LIMIT ?2";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, max ? (int64_t)max : INT64_MAX);
	return event_rows(st, fn, arg);
}

long
store_outbox_since(store *s, int64_t after, int64_t upto, const char *prefix,
		   size_t max, store_event_fn fn, void *arg)
{
	static const char sql[] =
		"SELECT id, topic, time, body FROM outbox WHERE id > ?1 AND"
		" id <= ?2 AND (?3 = '' OR substr(topic, 1, length(?3)) = ?3)"
		" ORDER BY id LIMIT ?4";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_text(st, 3, prefix ? prefix : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, max ? (int64_t)max : INT64_MAX);
	return event_rows(st, fn, arg);
}

int
store_event_range(store *s, int64_t *first, int64_t *last)
{
	static const char sql[] = "SELECT min(id) FROM outbox";
	sqlite3_stmt *st;
	int rc = -1;

	if ((*last = store_last_event_id(s)) < 0 ||
	    (st = store_stmt(s, sql)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*first = sqlite3_column_type(st, 0) == SQLITE_NULL
				 ? *last + 1
				 : sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

int
store_outbox_mark(store *s, int64_t upto)
{
	static const char sql[] =
		"UPDATE meta SET value = ?1 WHERE key = 'outbox_published'"
		" AND CAST(value AS INTEGER) < ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, upto);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int64_t
store_last_event_id(store *s)
{
	/* AUTOINCREMENT: sqlite_sequence holds the last id handed out,
	 * whatever trimming deleted since (max(id) said 0 once trimming
	 * had emptied the outbox) */
	static const char sql[] = "SELECT coalesce((SELECT seq FROM"
				  " sqlite_sequence WHERE name = 'outbox'), 0)";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* ---- inbox ------------------------------------------------------------------ */

int
store_inbox_add(store *s, int64_t id, const char *origin, const char *source,
		const char *source_id, const char *operator_, const char *raw,
		size_t rawlen)
{
	static const char sql[] = "INSERT INTO inbox (id, time, origin,"
				  " source, source_id, operator, raw)"
				  " VALUES (?,?,?,?,?,?,?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	char now[32];

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, store_now(now));
	bind_text(st, 3, origin);
	bind_text(st, 4, source);
	bind_text(st, 5, source_id);
	bind_text(st, 6, operator_);
	sqlite3_bind_blob(st, 7, raw ? raw : "", (int)rawlen, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

long
store_inbox_pending(store *s, int64_t after, store_inbox_fn fn, void *arg)
{
	static const char sql[] = "SELECT id, origin, operator, raw FROM inbox"
				  " WHERE id > ? ORDER BY id";
	sqlite3_stmt *st = store_stmt(s, sql);
	long n = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *raw = sqlite3_column_blob(st, 3);
		size_t len = (size_t)sqlite3_column_bytes(st, 3);
		fn(sqlite3_column_int64(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2), raw ? raw : "",
		   len, arg);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}

int
store_inbox_trim(store *s, int64_t upto)
{
	static const char sql[] = "DELETE FROM inbox WHERE id <= ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, upto);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int64_t
store_inbox_last(store *s)
{
	static const char sql[] = "SELECT coalesce(max(id), 0) FROM inbox";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int64_t
store_inbox_decided(store *s)
{
	static const char sql[] =
		"SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta"
		" WHERE key = 'inbox_decided'), 0)";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
store_inbox_set_decided(store *s, int64_t id)
{
	static const char sql[] = "INSERT OR REPLACE INTO meta (key, value)"
				  " VALUES ('inbox_decided', ?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* ---- outbox trimming ---------------------------------------------------------- */

long
store_outbox_trim(store *s, const char *before, int64_t keep_rows,
		  size_t max)
{
	/* Ids grow with time, so the first row at or after the cut is where
	 * the kept part starts; only published rows go. */
	static const char q_time[] = "SELECT coalesce((SELECT id FROM outbox"
				     " WHERE time >= ? ORDER BY id LIMIT 1),"
				     " (SELECT max(id) + 1 FROM outbox), 0)";
	static const char q_rows[] = "SELECT coalesce(max(id), 0) - ? + 1"
				     " FROM outbox";
	static const char q_first[] = "SELECT coalesce(min(id), 0) FROM outbox";
	static const char q_pub[] = "SELECT coalesce((SELECT CAST(value AS"
				    " INTEGER) FROM meta WHERE key ="
				    " 'outbox_published'), 0)";
	/*
	 * One upper bound, computed here: with two (`id < ?1 AND id < ?2`)
	 * SQLite ranges over the rowids with one of them and tests the other
	 * on every row, so a slice of 3,400 rows walked the ~185,000 below
	 * the row cut, ~40 ms inside a decision's transaction (issue 5).
	 */
	static const char del[] = "DELETE FROM outbox WHERE id < ?";
	sqlite3_stmt *st;
	int64_t cut_t = 0, cut_r = 0, first = 0, pub = 0, cut;

	if ((st = store_stmt(s, q_time)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, before, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		cut_t = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = store_stmt(s, q_rows)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, keep_rows);
	if (sqlite3_step(st) == SQLITE_ROW)
		cut_r = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = store_stmt(s, q_first)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		first = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = store_stmt(s, q_pub)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		pub = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	/* a row goes when it is too old or beyond the last keep_rows, and
	 * only once published; at most max of them */
	cut = cut_t > cut_r ? cut_t : cut_r;
	if (cut > pub + 1)
		cut = pub + 1;
	if (cut > first + (int64_t)max)
		cut = first + (int64_t)max;
	if (cut <= first)
		return 0;
	if ((st = store_stmt(s, del)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cut);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return (long)sqlite3_changes(s->db);
}
