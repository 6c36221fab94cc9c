/*
 * daemon/rwstate.h - flood states per RW, the PetaBencana / CogniCity model
 * (anchors.md 3.1): BPBD DKI operators set each RW (rukun warga, the
 * neighbourhood unit) to
 *   0  receded / no flood       3  71-150 cm
 *   1  use caution (no depth)   4  over 150 cm
 *   2  10-70 cm
 * posko reads them as JSON ("rw.state", "rw.states") or as PetaBencana's
 * GeoJSON, keeps the last state of every RW per source in an rwstate_table
 * and turns every change into incident reports (daemon/report.h).
 *
 * Incidents (docs/feed.md, "RW flood states"): by default ONE INCIDENT PER
 * RW FLOOD EPISODE, so that every RW is evacuated by its own state:
 *   key     source = the message's source ("petabencana"),
 *           source_id = "rwflood-<RW id>-<opened, UTC, YYYYMMDDTHHMMSSZ>"
 *   0 -> n  REPORT_OPEN, severity SEV_RW_STATE n, footprint FOOT_RW [rw]
 *   n -> m  REPORT_UPDATE with severity m (rise escalates, fall
 *           de-escalates)
 *   n -> 0  REPORT_CANCEL: the RW is closed
 * The opening time in the key makes a second flood of the same RW a new
 * incident (an incident key, once cancelled, is never reopened).
 * RWSTATE_GROUP_KELURAHAN instead keeps one incident per kelurahan
 * ("rwflood-<kelurahan digits>-<opened>") whose footprint is its RWs with a
 * state >= 1 and whose severity is the highest of them; an RW at 0 leaves
 * the footprint, the last one cancels. Fewer incidents for the desk, but
 * every RW of the kelurahan is then evacuated at the worst state.
 *
 * Everything here is pure: no clock, no I/O, no printing. Errors come back
 * as negative RWSTATE_E* codes with "<field path>: <reason>" in err.
 */
#ifndef POSKO_DAEMON_RWSTATE_H
#define POSKO_DAEMON_RWSTATE_H

#include <stddef.h>
#include <time.h>

#include "daemon/report.h"

enum rwstate_err {
	RWSTATE_OK = 0,
	RWSTATE_EINVAL = -1, /* bad argument */
	RWSTATE_EJSON = -2,  /* not JSON (err has line:column) */
	RWSTATE_EFIELD = -3, /* a field is missing, wrong or out of range */
	RWSTATE_ENOMEM = -4
};

#define RWSTATE_MAX 4            /* highest state */
#define RWSTATE_MAX_ENTRIES 3000 /* per message; Jakarta has ~2,700 RW */
#define RWSTATE_ID_LEN 14        /* "3172011001-09" + NUL */
#define RWSTATE_SOURCE_LEN 65    /* 1..64 characters [A-Za-z0-9._:-] */

/* ---- messages -------------------------------------------------------------
 */

typedef struct rwstate_entry {
	char rw[RWSTATE_ID_LEN]; /* "3172011001-09" */
	int state;               /* 0..4 */
	time_t time;             /* when it was set (UTC); 0 = not given */
} rwstate_entry;

typedef struct rwstate_msg {
	char *source; /* who set the states ("petabencana") */
	int snapshot; /* 1: every RW of this source not listed is at 0 */
	time_t time;  /* message time; 0 = not given */
	rwstate_entry *v;
	size_t n;
} rwstate_msg;

/*
 * Optional: map a PetaBencana feature to a posko RW id when its properties
 * carry no "rw". Gets the properties as found (NULL when absent) and writes
 * the id into rw; returns 0, or -1 when it cannot tell.
 */
typedef int (*rwstate_resolver)(void *data, const char *area_id,
                                const char *geom_id, const char *area_name,
                                const char *parent_name, char *rw);

/* A resolver for geom_id values of 13 digits: the 10-digit kelurahan code
 * and a 3-digit RW number ("3172011001009" -> "3172011001-09"). */
int rwstate_resolve_digits(void *data, const char *area_id, const char *geom_id,
                           const char *area_name, const char *parent_name,
                           char *rw);

/*
 * Parse one message into *out (zeroed first; zeroed again on error;
 * release with rwstate_msg_clear):
 *   {"v":1,"kind":"rw.state","source":S,"rw":ID,"state":N,"time":T}
 *   {"v":1,"kind":"rw.states","source":S,"time":T,"snapshot":B,
 *    "states":[{"rw":ID,"state":N,"time":T},...]}       (snapshot: false)
 *   a GeoJSON FeatureCollection as PetaBencana's /floods?geoformat=geojson
 *   gives it (bare, or as {"statusCode":..,"result":{...}}): properties
 *   "state" and "last_updated"; the RW id from "rw", else resolve(), else
 *   an "area_id"/"geom_id" already in posko's form. A FeatureCollection is
 *   a snapshot unless it says "snapshot": false; its source is its
 *   "source" member, else default_source.
 * An RW listed twice keeps the higher state. Returns 0 or RWSTATE_E*.
 */
int rwstate_parse(const char *json, size_t len, const char *default_source,
                  rwstate_resolver resolve, void *data, rwstate_msg *out,
                  char *err, size_t errlen);
void rwstate_msg_clear(rwstate_msg *m);

/* ---- the state machine ------------------------------------------------------
 */

typedef enum {
	RWSTATE_SAME = 0, /* no change */
	RWSTATE_OPEN,     /* 0 -> 1..4 */
	RWSTATE_RISE,     /* n -> m > n > 0: escalate */
	RWSTATE_FALL,     /* n -> m, 0 < m < n: de-escalate */
	RWSTATE_CLOSE     /* n -> 0: the RW is closed */
} rwstate_move;

/* The move from state `from` to state `to` (both 0..4). */
rwstate_move rwstate_step(int from, int to);
const char *rwstate_move_name(rwstate_move m);

typedef enum {
	RWSTATE_GROUP_RW = 0,   /* one incident per RW (default) */
	RWSTATE_GROUP_KELURAHAN /* one incident per kelurahan */
} rwstate_grouping;

typedef struct rwstate_table rwstate_table;

rwstate_table *rwstate_table_new(rwstate_grouping g);
void rwstate_table_free(rwstate_table *t);

typedef struct rwstate_change {
	rwstate_move move;
	int from, to;
} rwstate_change;

/*
 * Set RW rw of source to state (0..4) and say what moved. This is the
 * primitive rwstate_ingest() uses; it does not touch incidents. Returns 0
 * or RWSTATE_EINVAL / RWSTATE_ENOMEM (t unchanged).
 */
int rwstate_apply(rwstate_table *t, const char *source, const char *rw,
                  int state, rwstate_change *out);

/* Current state of an RW (0 when never seen or closed). */
int rwstate_get(const rwstate_table *t, const char *source, const char *rw);

/* RWs with a state >= 1 (all sources). */
size_t rwstate_active(const rwstate_table *t);

/*
 * Apply a whole message and produce the reports it causes, in group
 * order: at most one per incident (OPEN, UPDATE or CANCEL; a group whose
 * severity and footprint did not change gets none, so a repeated snapshot
 * yields nothing). now: the time to use for the opening key when neither
 * the entry nor the message has one. All or nothing: on error the table is
 * unchanged and *reports is NULL. Free with rwstate_reports_free().
 */
int rwstate_ingest(rwstate_table *t, const rwstate_msg *m, time_t now,
                   posko_report **reports, size_t *nreports, char *err,
                   size_t errlen);
void rwstate_reports_free(posko_report *r, size_t n);

/*
 * After a restart, re-enter an incident still open in the store: its key
 * (source, source_id as rwstate made it), the RWs of its footprint and its
 * severity (the state every listed RW gets). Returns 0, or RWSTATE_EFIELD
 * when source_id is not an rwstate key of this table's grouping.
 */
/*
 * The reverse, for an incident closed behind the table's back (a cancel
 * decided from the inbox after a restart): its RWs back to 0 and its key
 * gone, so the RWs' next flood opens a new incident. Returns 0, or
 * RWSTATE_EFIELD for a source_id that is not an rwstate key.
 */
int rwstate_forget(rwstate_table *t, const char *source, const char *source_id,
                   char *const *rw_ids, size_t n);
int rwstate_restore(rwstate_table *t, const char *source, const char *source_id,
                    char *const *rw_ids, size_t n, int state);

/* ---- staleness -------------------------------------------------------------
 */

typedef enum {
	FEED_STALE_NONE = 0, /* nothing to do */
	FEED_STALE_RAISE,    /* publish alert feed.stale (raised) */
	FEED_STALE_CLEAR     /* publish alert feed.stale (cleared) */
} feed_stale_action;

/*
 * The feed.stale alert: raised once when floods are active and no feed
 * message (CAP, RW state or gate level) has arrived for `minutes`
 * ([alerts] feed_stale_minutes; 0 = off), cleared once when a message
 * arrives or no flood is active any more. *raised is the caller's state
 * (start at 0). last_msg: the last feed message, or the daemon's start
 * time when none came yet. Pure: call it from a timer and on every feed
 * message.
 */
feed_stale_action rwstate_stale_step(int *raised, int floods_active,
                                     time_t last_msg, time_t now, int minutes);
/* The same with the period in seconds ([alerts] feed_stale_s). */
feed_stale_action rwstate_stale_step_s(int *raised, int floods_active,
                                       time_t last_msg, time_t now,
                                       int seconds);

#endif
