/*
 * store.h - poskod's SQLite store: schema, migrations, journal, outbox.
 *
 * One database file in WAL mode. The schema version is PRAGMA user_version;
 * store_open() applies the ordered migrations above it, each in its own
 * transaction, and refuses a file newer than this binary.
 *
 * Two connections are used by poskod: the loop's (control reads, control
 * writes while no decision runs, outbox marking) and the decision worker's
 * (a batch of reports decided and committed in one transaction). Decisions
 * are serialised by the pipeline queue, so the two never write at once; WAL
 * lets the loop read while the worker writes.
 *
 * Outbox: an event is a row (id, topic, body) written in the transaction
 * that decided it. Its published text is "topic {"v":1,"id":N,"time":T,
 * <body fields>}", built by store_event_text() from the row, so a
 * re-publish after a crash yields the same bytes and the same id.
 *
 * Errors: functions return 0 or -1 and fill err (sqlite3_errmsg text with
 * what was being done). Nothing here logs.
 */
#ifndef POSKO_DAEMON_STORE_H
#define POSKO_DAEMON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_SCHEMA_VERSION 9

typedef struct store store;

/* Open (create) the database at path, set WAL, foreign keys off, busy
 * timeout, and migrate to STORE_SCHEMA_VERSION. */
int store_open(const char *path, store **out, char *err, size_t errlen);
void store_close(store *s);

/*
 * Time per statement, for profiling: with POSKOD_SQL_PROFILE set in the
 * environment when a store is opened, every cached statement's runs and
 * total time (SQLite's own measure, ns) are counted. fn is called once per
 * statement that ran, largest total first, then once for "(not cached)"
 * (sqlite3_exec and the like). Counts nothing without the variable.
 */
typedef void (*store_profile_fn)(const char *sql, uint64_t runs, uint64_t ns,
				 void *arg);
void store_profile(store *s, store_profile_fn fn, void *arg);
sqlite3 *store_db(store *s);
const char *store_errmsg(store *s);
/* 1 when the connection's last error is the store's state, not the
 * statement's: the disk or the file system (full, an I/O error, a file
 * too large for RLIMIT_FSIZE, read-only), the file locked, out of
 * memory. The same write can work later; a constraint, a trigger or a
 * bad statement fails again. Read it before the rollback, which resets
 * the error. */
int store_transient(store *s);
/* store_errmsg into buf, with the system's reason for a store_transient
 * error ("disk I/O error (File too large)"). Returns buf. */
const char *store_errdetail(store *s, char *buf, size_t len);

/* The schema version of the open file (after migration). */
int store_version(store *s);

/* A cached prepared statement for sql (keyed by the string's address, so
 * pass string literals). Reset and bindings cleared before return. NULL on
 * a prepare error (store_errmsg says why). */
sqlite3_stmt *store_stmt(store *s, const char *sql);

int store_exec(store *s, const char *sql);

/* WAL checkpoints made by the caller instead of by whichever connection
 * commits past 1,000 pages (that commit waited 10-20 ms for it, issue 5):
 * after store_wal_manual(s), s never checkpoints by itself and
 * store_wal_frames(s) is the WAL's size in pages after its last commit
 * (0 before one). store_checkpoint(): a PASSIVE checkpoint (never waits
 * for readers or the writer), for any connection, from any one thread. */
void store_wal_manual(store *s);
int store_wal_frames(store *s);
int store_checkpoint(store *s);
int store_begin(store *s);	/* BEGIN IMMEDIATE */
int store_commit(store *s);
int store_rollback(store *s);

/* Journal one accepted message. Returns the journal row id or -1. */
typedef struct store_journal {
	const char *origin;    /* json | cap | rw_state | gate | control */
	const char *source;    /* may be NULL for control commands */
	const char *source_id; /* may be NULL */
	const char *action;    /* open | update | cancel | <control cmd> */
	const char *hash;      /* 16 hex digits, or NULL */
	int64_t incident;      /* 0 = none */
	int revision;          /* 0 = none */
	const char *operator_; /* NULL when not given */
	const char *raw;       /* the message as received */
	size_t rawlen;
	const char *effective; /* the full report decided (merged), or NULL */
	int64_t today;         /* the plan's day of the step */
} store_journal;
int64_t store_journal_add(store *s, const store_journal *j);

/* Add an event to the outbox: body is a JSON object text "{...}" without
 * v/id/time. Returns the event id or -1. */
int64_t store_outbox_add(store *s, const char *topic, const char *body);
/* The same with the body's length given (body need not be NUL-ended). */
int64_t store_outbox_addn(store *s, const char *topic, const char *body,
			  size_t bodylen);

/* Build the published text of event (id, topic, time, body) into a
 * malloc'ed string (*len its length, no NUL counted). NULL on ENOMEM. */
char *store_event_text(int64_t id, const char *topic, const char *time,
		       const char *body, size_t *len);

/* Call fn for every unpublished event with id > after, in id order (at
 * most max, 0 = all), until it returns non-zero. Returns the number
 * visited or -1. */
typedef int (*store_event_fn)(int64_t id, const char *topic,
			      const char *time, const char *body, void *arg);
long store_outbox_unpublished(store *s, int64_t after, size_t max,
			      store_event_fn fn, void *arg);
/*
 * Committed events with after < id <= upto whose topic starts with prefix
 * ("" for all), in id order: fn for each until it returns non-zero or max
 * were visited (control events.since: what a subscriber missed). Published
 * or not. Returns the number visited or -1.
 */
long store_outbox_since(store *s, int64_t after, int64_t upto,
			const char *prefix, size_t max, store_event_fn fn,
			void *arg);
/* The outbox's ids: *last as store_last_event_id, *first the lowest
 * still kept (trimming deletes the oldest; *last + 1 when none is). 0 or
 * -1. */
int store_event_range(store *s, int64_t *first, int64_t *last);
/*
 * The planned meal lines of today (Asia/Jakarta), a WHERE clause on
 * dispatches (control.c status and shelter.list; tests/test_store_schema.c
 * checks its plan): through the open incidents' planned lines (dispatches_inc),
 * since a closed incident has none from its closing day on
 * (alloc_plan_close); "+day" keeps SQLite off the day index, which walks
 * every line of the day, released ones too (200,000 on the bench's
 * store: status and shelter.list, which a desk board polls every 10 s,
 * spent 60-110 ms there on the loop).
 */
#define TODAY_PLANNED_MEALS                                                   \
	" incident IN (SELECT id FROM incidents WHERE state='open') AND"     \
	" status='planned' AND kind='meals' AND +day=date('now','+7 hours')"

/* Mark events with id <= upto published. */
int store_outbox_mark(store *s, int64_t upto);
/* The last event id ever committed, 0 before the first (ids are never
 * reused, and trimming does not change it); -1 on error. */
int64_t store_last_event_id(store *s);

/*
 * Inbox: every report that passes validation is journaled here on receipt,
 * before it is queued for deciding (docs/protocol.md "Acceptance"). It is a
 * file of its own (state_dir/inbox.db, own user_version) with its own
 * connection used by the loop only: the decision worker holds posko.db's
 * write lock for a whole batch, and receipts must never wait for it.
 * An inbox id is the arrival order and the report's idempotency key:
 * posko.db's meta 'inbox_decided' is the highest id decided, written in
 * the decision's transaction (store_inbox_set_decided), so a report is
 * decided exactly once; those above it are pending at the next start.
 */
int store_inbox_open(const char *path, store **out, char *err, size_t errlen);
/* Add one report (inside the caller's transaction on the inbox). */
int store_inbox_add(store *s, int64_t id, const char *origin,
		    const char *source, const char *source_id,
		    const char *operator_, const char *raw, size_t rawlen);
/* Call fn for every inbox row with id > after, in id order. Returns the
 * number visited or -1. raw is not NUL-terminated. */
typedef void (*store_inbox_fn)(int64_t id, const char *origin,
			       const char *operator_, const char *raw,
			       size_t rawlen, void *arg);
long store_inbox_pending(store *s, int64_t after, store_inbox_fn fn,
			 void *arg);
/* Delete inbox rows with id <= upto (decided). */
int store_inbox_trim(store *s, int64_t upto);
/* Highest inbox id held (0 when empty), or -1. */
int64_t store_inbox_last(store *s);
/* posko.db: the highest inbox id decided (0 when none), or -1; and set it
 * (inside the decision's transaction). */
int64_t store_inbox_decided(store *s);
int store_inbox_set_decided(store *s, int64_t id);

/* Delete published outbox rows older than before (RFC 3339 UTC, as
 * store_now) or beyond the last keep_rows, at most max of them. Returns
 * the number deleted or -1. */
long store_outbox_trim(store *s, const char *before, int64_t keep_rows,
		       size_t max);

/* "now" as RFC 3339 UTC with seconds ("2007-02-01T23:00:06Z"). buf >= 32. */
char *store_now(char *buf);
/* time_t -> the same format. */
char *store_time(int64_t t, char *buf);

#endif
