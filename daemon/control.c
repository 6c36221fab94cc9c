#define _POSIX_C_SOURCE 200809L
#include "daemon/control.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include <jansson.h>

#include "daemon/desk.h"
#include "daemon/engine_int.h" /* shelter_name */
#include "daemon/feedwire.h"
#include "daemon/import.h"
#include "daemon/ingest.h"
#include "daemon/log.h"
#include "daemon/posko.h"
#include "geo/geo.h"

typedef struct creq {
	posko *P;
	const char *raw;
	size_t rawlen;
	int deferred;
	json_t *args;
	const char *op;
	const char *cmd;
	json_t *data; /* reply data on success */
	char code[32], field[96], msg[400];
} creq;

static int
cerr(creq *c, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
cerr(creq *c, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;
	snprintf(c->code, sizeof(c->code), "%s", code);
	snprintf(c->field, sizeof(c->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int64_t
q1(store *s, const char *sql)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t v = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

/* args.NAME: a whole number in [lo, hi] into *v, or def when absent
 * (required when def < lo). 0, or -1 with bad_argument and `why`. */
static int
arg_int(creq *c, const char *name, json_int_t lo, json_int_t hi,
	json_int_t def, const char *why, json_int_t *v)
{
	json_t *j = json_object_get(c->args, name);
	char field[64];

	if (j == NULL && def >= lo) {
		*v = def;
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < lo ||
	    json_integer_value(j) > hi) {
		snprintf(field, sizeof(field), "args.%s", name);
		return cerr(c, "bad_argument", field, "%s", why);
	}
	*v = json_integer_value(j);
	return 0;
}

/*
 * Every query here reads only what is live (the status is polled: a
 * desk's board asks every 10 s, on the loop): the open incidents by
 * incidents_open, the registered and present families by
 * assignments_sh_live's condition, today's planned meals by
 * TODAY_PLANNED_MEALS. On the bench's store (37,605 incidents, 531,217
 * dispatch lines) the reply took 97-126 ms, now 5-9 ms (with nanocat).
 */
static int
cmd_status(creq *c)
{
	posko *P = c->P;
	store *s = P->rdb;
	json_int_t open = 0, affected = 0, evacuating = 0, unplaced = 0;
	sqlite3_stmt *st = store_stmt(
		s, "SELECT coalesce(sum(exercise = 0), 0),"
		   " coalesce(sum(affected_p), 0), coalesce(sum(evac_p), 0),"
		   " coalesce(sum(unplaced_p), 0) FROM incidents"
		   " WHERE state = 'open'");
	if (st == NULL)
		return cerr(c, "internal", NULL, "store: %s",
			    store_errmsg(s));
	if (sqlite3_step(st) == SQLITE_ROW) {
		open = sqlite3_column_int64(st, 0);
		affected = sqlite3_column_int64(st, 1);
		evacuating = sqlite3_column_int64(st, 2);
		unplaced = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	c->data = json_pack(
		"{s:s,s:I,s:I,s:{s:I},s:{s:I,s:I,s:I,s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I},s:{s:I},s:{s:I},s:{s:I},"
		"s:{s:I,s:b,s:I,s:I,s:I,s:b,s:s?,s:b}}",
		"version", POSKO_VERSION, "uptime_s",
		(json_int_t)(time(NULL) - P->started), "last_event_id",
		(json_int_t)store_last_event_id(s), "incidents", "open", open,
		"people", "affected", affected, "evacuating", evacuating,
		"registered",
		(json_int_t)q1(s, "SELECT coalesce(sum(persons),0) FROM"
				  " assignments WHERE status IN"
				  " ('registered','present')"),
		"present",
		(json_int_t)q1(s, "SELECT coalesce(sum(persons),0) FROM"
				  " assignments WHERE status IN"
				  " ('registered','present') AND"
				  " status='present'"),
		"unplaced", unplaced, "shelters", "open",
		(json_int_t)q1(s, "SELECT count(*) FROM shelters WHERE"
				  " state='open'"),
		"nearly_full",
		(json_int_t)q1(s, "SELECT count(*) FROM alerts WHERE"
				  " topic='alert.shelter' AND state!='cleared'"
				  " AND level IN ('warn','critical')"),
		"full",
		(json_int_t)q1(s, "SELECT count(*) FROM alerts WHERE"
				  " topic='alert.shelter' AND state!='cleared'"
				  " AND level='full'"),
		"closed",
		(json_int_t)q1(s, "SELECT count(*) FROM shelters WHERE"
				  " state='closed'"),
		"meals", "due_today",
		(json_int_t)q1(s, "SELECT coalesce(sum(qty),0) FROM dispatches"
				  " WHERE" TODAY_PLANNED_MEALS),
		"alerts", "open",
		(json_int_t)q1(s, "SELECT count(*) FROM alerts WHERE"
				  " state!='cleared'"),
		"shortages", "open",
		(json_int_t)q1(s, "SELECT count(*) FROM alerts WHERE"
				  " topic='alert.shortage' AND state!='cleared'"),
		"pipeline", "queued", (json_int_t)(P->queued + P->received_n),
		"busy", P->busy, "received", (json_int_t)P->received,
		"accepted", (json_int_t)P->accepted, "rejected",
		(json_int_t)P->rejected, "held", P->held || P->down_since,
		"store_error", P->down_since ? P->store_err : NULL,
		"ingest_paused", bus_paused(P->ingest));
	return c->data ? 0 : cerr(c, "internal", NULL, "out of memory");
}

static json_t *
incident_json(sqlite3_stmt *st)
{
	json_t *sev = json_loads((const char *)sqlite3_column_text(st, 6), 0,
				 NULL);
	const char *title = (const char *)sqlite3_column_text(st, 4);
	const char *closed = (const char *)sqlite3_column_text(st, 11);
	return json_pack(
		"{s:I,s:s,s:s,s:s,s:s?,s:s,s:b,s:i,s:o,s:i,s:s,s:s?,"
		"s:{s:I,s:I},s:{s:I,s:I},s:{s:I,s:I},s:{s:I,s:I}}",
		"incident", (json_int_t)sqlite3_column_int64(st, 0), "source",
		sqlite3_column_text(st, 1), "source_id",
		sqlite3_column_text(st, 2), "type", sqlite3_column_text(st, 3),
		"title", title, "state", sqlite3_column_text(st, 5),
		"exercise", sqlite3_column_int(st, 7), "revision",
		sqlite3_column_int(st, 8), "severity",
		sev ? sev : json_object(), "days", sqlite3_column_int(st, 9),
		"opened", sqlite3_column_text(st, 10), "closed", closed,
		"affected", "households",
		(json_int_t)sqlite3_column_int64(st, 12), "persons",
		(json_int_t)sqlite3_column_int64(st, 13), "evacuees",
		"households", (json_int_t)sqlite3_column_int64(st, 14),
		"persons", (json_int_t)sqlite3_column_int64(st, 15), "placed",
		"households", (json_int_t)sqlite3_column_int64(st, 16),
		"persons", (json_int_t)sqlite3_column_int64(st, 17),
		"unplaced", "households",
		(json_int_t)sqlite3_column_int64(st, 18), "persons",
		(json_int_t)sqlite3_column_int64(st, 19));
}

#define INC_COLS                                                              \
	"SELECT id, source, source_id, type, title, state, severity,"         \
	" exercise, revision, days, opened, closed, affected_hh, affected_p," \
	" evac_hh, evac_p, placed_hh, placed_p, unplaced_hh, unplaced_p"      \
	" FROM incidents"

static int
cmd_incident_list(creq *c)
{
	const char *state = json_string_value(json_object_get(c->args, "state"));
	sqlite3_stmt *st;
	if (state == NULL)
		state = "open";
	if (strcmp(state, "open") && strcmp(state, "closed") &&
	    strcmp(state, "all"))
		return cerr(c, "bad_argument", "args.state",
			    "state must be open, closed or all");
	st = store_stmt(c->P->rdb, INC_COLS " WHERE ?='all' OR state=?"
					    " ORDER BY id");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	json_t *a = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, incident_json(st));
	sqlite3_reset(st);
	c->data = json_pack("{s:o}", "incidents", a);
	return 0;
}

static int
cmd_incident_show(creq *c)
{
	json_t *id = json_object_get(c->args, "incident");
	const char *src = json_string_value(json_object_get(c->args, "source"));
	const char *sid =
		json_string_value(json_object_get(c->args, "source_id"));
	sqlite3_stmt *st;
	if (json_is_integer(id)) {
		st = store_stmt(c->P->rdb, INC_COLS " WHERE id=?");
		sqlite3_bind_int64(st, 1, json_integer_value(id));
	} else if (src && sid) {
		st = store_stmt(c->P->rdb,
				INC_COLS " WHERE source=? AND source_id=?");
		sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
	} else {
		return cerr(c, "bad_argument", "args.incident",
			    "give incident (a number) or source and "
			    "source_id");
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return cerr(c, "not_found", "args.incident",
			    "no such incident; `poskoctl incident list` "
			    "shows the ids");
	}
	c->data = incident_json(st);
	int64_t inc = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	json_t *revs = json_array();
	st = store_stmt(c->P->rdb,
			"SELECT revision, action, time, operator, source, hash"
			" FROM journal WHERE incident=? ORDER BY id");
	sqlite3_bind_int64(st, 1, inc);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
			revs, json_pack("{s:i,s:s,s:s,s:s?,s:s?,s:s?}",
					"revision", sqlite3_column_int(st, 0),
					"action", sqlite3_column_text(st, 1),
					"time", sqlite3_column_text(st, 2),
					"operator", sqlite3_column_text(st, 3),
					"source", sqlite3_column_text(st, 4),
					"hash", sqlite3_column_text(st, 5)));
	sqlite3_reset(st);
	json_t *sh = json_array();
	st = store_stmt(c->P->rdb,
			"SELECT shelter, count(*), sum(persons) FROM"
			" assignments WHERE incident=? AND status IN"
			" ('registered','present') GROUP BY shelter"
			" ORDER BY shelter");
	sqlite3_bind_int64(st, 1, inc);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
			sh, json_pack("{s:s,s:I,s:I}", "shelter",
				      sqlite3_column_text(st, 0), "households",
				      (json_int_t)sqlite3_column_int64(st, 1),
				      "persons",
				      (json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	json_object_set_new(c->data, "revisions", revs);
	json_object_set_new(c->data, "shelters", sh);
	return 0;
}

static int
cmd_shelter_list(creq *c)
{
	const char *state = json_string_value(json_object_get(c->args, "state"));
	const char *one = json_string_value(json_object_get(c->args, "shelter"));
	if (state == NULL)
		state = "all";
	sqlite3_stmt *st = store_stmt(
		c->P->rdb,
		/* today's planned meals per shelter: one pass over today's
		 * lines (dispatches_day), not one per shelter */
		"WITH today AS MATERIALIZED (SELECT shelter, sum(qty) AS q"
		" FROM dispatches WHERE" TODAY_PLANNED_MEALS
		" GROUP BY shelter)"
		" SELECT s.id, s.name, s.kind, s.kel, s.lon, s.lat, s.capacity,"
		" s.capacity_source, s.accessible, s.state,"
		" coalesce(sum(a.persons),0),"
		" coalesce(sum(a.persons) FILTER (WHERE a.status='present'),0),"
		" count(a.id), coalesce(max(t.q),0)"
		" FROM shelters s LEFT JOIN assignments a ON"
		" a.shelter=s.id AND a.status IN ('registered','present')"
		" LEFT JOIN today t ON t.shelter=s.id"
		" WHERE (?='all' OR s.state=?) AND (? IS NULL OR s.id=?)"
		" GROUP BY s.id ORDER BY s.id");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (one) {
		sqlite3_bind_text(st, 3, one, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, one, -1, SQLITE_STATIC);
	}
	json_t *a = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char kel[GEO_KEL_BUFLEN];
		int64_t cap = sqlite3_column_int64(st, 6);
		int64_t reg = sqlite3_column_int64(st, 10);
		const char *sstate = (const char *)sqlite3_column_text(st, 9);
		double pct = cap ? (double)(int64_t)(1000.0 * reg / cap + 0.5) /
					   10.0
				 : 0;
		json_array_append_new(
			a,
			json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:I,s:s,s:b,s:s,"
				  "s:I,s:I,s:I,s:I,s:f,s:I}",
				  "shelter", sqlite3_column_text(st, 0), "name",
				  sqlite3_column_text(st, 1), "kind",
				  sqlite3_column_text(st, 2), "kelurahan",
				  geo_kel_format((uint32_t)sqlite3_column_int64(
							 st, 3),
						 kel),
				  "lon", sqlite3_column_double(st, 4), "lat",
				  sqlite3_column_double(st, 5), "capacity",
				  (json_int_t)cap, "capacity_source",
				  sqlite3_column_text(st, 7), "accessible",
				  sqlite3_column_int(st, 8), "state",
				  strcmp(sstate, "open") == 0 && reg >= cap
					  ? "full"
					  : sstate,
				  "registered", (json_int_t)reg, "present",
				  (json_int_t)sqlite3_column_int64(st, 11),
				  "households",
				  (json_int_t)sqlite3_column_int64(st, 12),
				  "free", (json_int_t)(reg < cap ? cap - reg : 0),
				  "percent", pct, "meals_due_today",
				  (json_int_t)sqlite3_column_int64(st, 13)));
	}
	sqlite3_reset(st);
	if (one) {
		if (json_array_size(a) == 0) {
			json_decref(a);
			return cerr(c, "not_found", "args.shelter",
				    "no shelter %s; `poskoctl shelter list` "
				    "shows the ids",
				    one);
		}
		c->data = json_incref(json_array_get(a, 0));
		json_decref(a);
		return 0;
	}
	c->data = json_pack("{s:o}", "shelters", a);
	return 0;
}

/* The alerts as protocol.md 2.6 lists them, one object per row of a
 * statement that selects ALERT_COLUMNS. */
#define ALERT_COLUMNS                                                       \
	"id, topic, kind, subject, level, state, raised, acknowledged,"     \
	" acked_by, cleared, detail"

static json_t *
alert_rows(sqlite3_stmt *st)
{
	json_t *a = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *d = json_loads(
			(const char *)sqlite3_column_text(st, 10), 0, NULL);
		json_array_append_new(
			a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:s?,"
				     "s:s?,s:o}",
				     "alert",
				     (json_int_t)sqlite3_column_int64(st, 0),
				     "topic", sqlite3_column_text(st, 1),
				     "kind", sqlite3_column_text(st, 2),
				     "subject", sqlite3_column_text(st, 3),
				     "level", sqlite3_column_text(st, 4),
				     "state", sqlite3_column_text(st, 5),
				     "raised", sqlite3_column_text(st, 6),
				     "acknowledged", sqlite3_column_text(st, 7),
				     "acked_by", sqlite3_column_text(st, 8),
				     "cleared", sqlite3_column_text(st, 9),
				     "detail", d ? d : json_object()));
	}
	return a;
}

static int
cmd_shelter_show(creq *c)
{
	if (!json_is_string(json_object_get(c->args, "shelter")))
		return cerr(c, "bad_argument", "args.shelter",
			    "give the shelter id, e.g. SH-0001");
	if (cmd_shelter_list(c))
		return -1;
	const char *id = json_string_value(json_object_get(c->args, "shelter"));
	sqlite3_stmt *st = store_stmt(
		c->P->rdb, "SELECT household, persons, status, since, incident"
			   " FROM assignments WHERE shelter=? AND status IN"
			   " ('registered','present') ORDER BY household");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	json_t *a = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:I,s:i,s:s,s:s,s:I}", "household",
				     (json_int_t)sqlite3_column_int64(st, 0),
				     "persons", sqlite3_column_int(st, 1),
				     "status", sqlite3_column_text(st, 2),
				     "since", sqlite3_column_text(st, 3),
				     "incident",
				     (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
	json_object_set_new(c->data, "households", a);
	/* today's meal lines (Asia/Jakarta day), released ones left out */
	st = store_stmt(c->P->rdb,
			"SELECT id, incident, depot, lot, day, qty, status"
			" FROM dispatches WHERE shelter=? AND kind='meals' AND"
			" day=date('now','+7 hours') AND status!='released'"
			" ORDER BY id");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	a = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:I,s:I,s:s?,s:s?,s:s,s:I,s:s}",
				     "dispatch",
				     (json_int_t)sqlite3_column_int64(st, 0),
				     "incident",
				     (json_int_t)sqlite3_column_int64(st, 1),
				     "depot", sqlite3_column_text(st, 2),
				     "lot", sqlite3_column_text(st, 3), "date",
				     sqlite3_column_text(st, 4), "meals",
				     (json_int_t)sqlite3_column_int64(st, 5),
				     "status", sqlite3_column_text(st, 6)));
	sqlite3_reset(st);
	json_object_set_new(c->data, "meals", a);
	/* its open alerts: occupancy (subject = the shelter) and those whose
	 * detail names it (shortages) */
	st = store_stmt(c->P->rdb,
			"SELECT " ALERT_COLUMNS " FROM alerts WHERE"
			" state!='cleared' AND (subject=?1 OR"
			" json_extract(detail,'$.shelter')=?1) ORDER BY id");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	a = alert_rows(st);
	sqlite3_reset(st);
	json_object_set_new(c->data, "alerts", a);
	return 0;
}

static int
cmd_alerts_list(creq *c)
{
	const char *state = json_string_value(json_object_get(c->args, "state"));
	if (state == NULL)
		state = "open";
	sqlite3_stmt *st = store_stmt(
		c->P->rdb,
		"SELECT " ALERT_COLUMNS " FROM alerts WHERE"
		" ?1='all' OR (?1='open' AND state!='cleared') OR state=?1"
		" ORDER BY id");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	json_t *a = alert_rows(st);
	sqlite3_reset(st);
	c->data = json_pack("{s:o}", "alerts", a);
	return 0;
}

/* ---- events.since ------------------------------------------------------------
 * PUB/SUB loses what a subscriber was not there for (a restart, a broken
 * connection, a full pipe); event ids are gapless, so a subscriber sees a
 * gap and fetches it here from the outbox, which keeps the last
 * [daemon] outbox_keep_rows / _days of events. */

/* ids looked at per request: bounds the loop's time for a rare topic */
#define EVENTS_SCAN 20000
#define EVENTS_BYTES (512 * 1024)

struct since {
	json_t *a;
	size_t bytes;
	int64_t last; /* id of the last event taken */
	int full;     /* stopped at EVENTS_BYTES */
	int64_t failed; /* the event it could not read (stopped there) */
};

static int
since_one(int64_t id, const char *topic, const char *time, const char *body,
	  void *arg)
{
	struct since *S = arg;
	size_t len;
	char *t = store_event_text(id, topic, time, body, &len);
	json_t *ev = t ? json_loads(t + strlen(topic) + 1, 0, NULL) : NULL;

	free(t);
	if (ev == NULL) {
		/* out of memory (or a row that is not JSON): the page ends
		 * before it, and `next` must not pass it */
		S->failed = id;
		return 1;
	}
	if (json_array_size(S->a) > 0 && S->bytes + len > EVENTS_BYTES) {
		json_decref(ev);
		S->full = 1;
		return 1;
	}
	json_array_append_new(S->a, json_pack("{s:s,s:o}", "topic", topic,
					      "event", ev));
	S->bytes += len;
	S->last = id;
	return 0;
}

static int
cmd_events_since(creq *c)
{
	json_t *jt = json_object_get(c->args, "topic");
	json_int_t after, limit;
	const char *prefix = "";

	if (arg_int(c, "after", 0, INT64_MAX, -1,
		    "after must be an event id (a whole number, 0 for the "
		    "oldest kept)",
		    &after) ||
	    arg_int(c, "limit", 1, 1000, 200,
		    "limit must be a whole number from 1 to 1000", &limit))
		return -1;
	if (jt) {
		prefix = json_string_value(jt);
		if (prefix == NULL || strlen(prefix) > 32 ||
		    strspn(prefix, "abcdefghijklmnopqrstuvwxyz0123456789._") !=
			    strlen(prefix))
			return cerr(c, "bad_argument", "args.topic",
				    "topic must be a topic or its start, as "
				    "subscribed (\"alert.\", "
				    "\"assign.household\")");
	}
	int64_t first, last;
	if (store_event_range(c->P->rdb, &first, &last))
		return cerr(c, "internal", NULL, "store: %s",
			    store_errmsg(c->P->rdb));
	if (after > last)
		return cerr(c, "bad_argument", "args.after",
			    "after %lld is beyond the last event id %lld: "
			    "ids from another store (a restore or a new "
			    "install)? Start again from 0",
			    (long long)after, (long long)last);
	/* a trimmed range is skipped, not walked 20,000 ids at a time */
	int64_t from = after < first - 1 ? first - 1 : after;
	int64_t upto = from < last - EVENTS_SCAN ? from + EVENTS_SCAN : last;
	struct since S = {.a = json_array(), .last = from};
	if (S.a == NULL)
		return cerr(c, "internal", NULL, "out of memory");
	long n = store_outbox_since(c->P->rdb, from, upto, prefix,
				    (size_t)limit, since_one, &S);
	if (n < 0) {
		json_decref(S.a);
		return cerr(c, "internal", NULL, "store: %s",
			    store_errmsg(c->P->rdb));
	}
	if (S.failed && json_array_size(S.a) == 0) {
		json_decref(S.a);
		return cerr(c, "internal", NULL,
			    "event %lld could not be read (out of memory?)",
			    (long long)S.failed);
	}
	/* where the next request starts: after the last event given, or
	 * the end of the ids looked at when the page is not full */
	int64_t next = S.full || S.failed ||
			       (json_int_t)json_array_size(S.a) >= limit
			       ? S.last
			       : upto;
	if (next < from)
		next = from;
	c->data = json_pack("{s:o,s:I,s:b,s:I,s:I,s:b}", "events", S.a, "next",
			    (json_int_t)next, "more", next < last,
			    "last_event_id", (json_int_t)last, "first_kept",
			    (json_int_t)first, "trimmed", after + 1 < first);
	return 0;
}

/* ---- household.find -------------------------------------------------------
 * affected_by and received need the plan (incidents, stays, kits), which
 * belongs to the decision-token holder. The loop copies what it needs into
 * hfacts while no decision runs and the plan changed since the last copy;
 * while a decision runs it answers from that copy (the plan as it was
 * before that decision, as the store is until it commits). */

/* One fact about a household: an incident it is affected by (HF_AFFECTED),
 * a stay (HF_STAY: shelter and the days its incident feeds it [lo, hi)),
 * its kits (HF_KITS: first shelter, first day lo, units per item). */
enum { HF_AFFECTED = 0, HF_STAY = 1, HF_KITS = 2 };

typedef struct hfact {
	uint32_t household, incident, shelter;
	int32_t lo, hi;
	uint32_t persons;
	uint8_t kind;
	int64_t kits[ALLOC_ITEM_COUNT];
} hfact;

static struct {
	hfact *v;
	size_t n;
	uint32_t rev;
	size_t nev, nstay;
	struct alloc_supply_params supply; /* the plan's, at the copy */
	int ok;
} hfacts;

static int
hfact_cmp(const void *a, const void *b)
{
	const hfact *x = a, *y = b;
	if (x->household != y->household)
		return x->household < y->household ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->incident != y->incident)
		return x->incident < y->incident ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* 1 when incident id is open in the plan; *k is its index (-1: none), and
 * kept: records of one incident come in runs, one search per run. */
static int
open_memo(const struct alloc_plan *pl, uint32_t id, long *k)
{
	if (*k < 0 || pl->incidents[*k].id != id)
		*k = alloc_plan_incident_find(pl, id);
	return *k >= 0 && pl->incidents[*k].open;
}

/* Copy the open incidents' facts from the plan (token free only); closed
 * incidents' are in the store (household_history, written at the close),
 * whether or not the plan still holds their records. 0 or -1 (no memory:
 * the old copy stays). */
static int
hfacts_refresh(posko *P)
{
	const struct alloc_plan *pl = &P->E.plan;
	size_t cap = 2 * pl->nevacuees + pl->nstays + 1, n = 0;
	hfact *v;
	long k = -1;

	if (P->busy ||
	    (hfacts.ok && hfacts.rev == pl->rev &&
	     hfacts.nev == pl->nevacuees && hfacts.nstay == pl->nstays))
		return 0;
	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		if (!open_memo(pl, e->incident, &k))
			continue;
		hfact *f = &v[n++];
		f->household = e->hh.id;
		f->incident = e->incident;
		f->kind = HF_AFFECTED;
		if (e->first_day == ALLOC_DAY_NEVER)
			continue;
		f = &v[n++];
		f->household = e->hh.id;
		f->incident = e->incident;
		f->shelter = e->kit_shelter;
		f->lo = e->first_day;
		f->kind = HF_KITS;
		alloc_supply_kits(&pl->params.supply, &e->hh, f->kits);
	}
	for (size_t i = 0; i < pl->nstays; i++) {
		const struct alloc_stay *st = &pl->stays[i];
		if (!open_memo(pl, st->incident, &k))
			continue;
		const struct alloc_incident *inc = &pl->incidents[k];
		alloc_day end = inc->start + (alloc_day)inc->days;
		hfact *f = &v[n++];
		f->household = st->household;
		f->incident = st->incident;
		f->shelter = st->shelter;
		f->persons = st->persons;
		f->lo = st->day_in > inc->start ? st->day_in : inc->start;
		f->hi = st->day_out < end ? st->day_out : end;
		f->kind = HF_STAY;
	}
	qsort(v, n, sizeof(*v), hfact_cmp);
	free(hfacts.v);
	hfacts.v = v;
	hfacts.n = n;
	hfacts.rev = pl->rev;
	hfacts.nev = pl->nevacuees;
	hfacts.nstay = pl->nstays;
	hfacts.supply = pl->params.supply;
	hfacts.ok = 1;
	return 0;
}

void
control_free(void)
{
	free(hfacts.v);
	memset(&hfacts, 0, sizeof(hfacts));
}

/* Index of the first fact of household id, hfacts.n when none. */
static size_t
hfacts_first(uint32_t id)
{
	size_t lo = 0, hi = hfacts.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (hfacts.v[mid].household < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < hfacts.n && hfacts.v[lo].household == id ? lo : hfacts.n;
}

/* Days in [lo, hi) whose meal lines to (incident, shelter) are all
 * confirmed: at least one confirmed with meals, none still planned (the
 * reading of report.spm's fed_3x1). */
static int64_t
confirmed_meal_days(store *s, uint32_t inc, const char *shelter, alloc_day lo,
                    alloc_day hi)
{
	char a[ALLOC_DAY_BUFLEN], b[ALLOC_DAY_BUFLEN];
	sqlite3_stmt *st;
	int64_t n = 0;

	if (hi <= lo)
		return 0;
	st = store_stmt(s, "SELECT count(*) FROM (SELECT day FROM dispatches"
	                   " WHERE incident=? AND shelter=? AND kind='meals'"
	                   " AND day >= ? AND day < ? GROUP BY day HAVING"
	                   " sum(status='confirmed' AND qty > 0) > 0 AND"
	                   " sum(status='planned' AND qty > 0) = 0)");
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, inc);
	sqlite3_bind_text(st, 2, shelter, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, alloc_day_format(lo, a), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, alloc_day_format(hi, b), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* 1 when the sandang lines of item to (incident, shelter) dated from day
 * on are all confirmed (at least one, none still planned). */
static int
kits_confirmed(store *s, uint32_t inc, const char *shelter, alloc_day day,
               int item)
{
	char a[ALLOC_DAY_BUFLEN];
	sqlite3_stmt *st;
	int ok = 0;

	st = store_stmt(s, "SELECT coalesce(sum(status='confirmed' AND"
	                   " qty > 0),0), coalesce(sum(status='planned' AND"
	                   " qty > 0),0) FROM dispatches WHERE incident=? AND"
	                   " shelter=? AND kind='sandang' AND item=? AND"
	                   " day >= ?");
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, inc);
	sqlite3_bind_text(st, 2, shelter, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, alloc_item_name(item), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, alloc_day_format(day, a), -1,
	                  SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = sqlite3_column_int64(st, 0) > 0 &&
		     sqlite3_column_int64(st, 1) == 0;
	sqlite3_reset(st);
	return ok;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* affected_by and received of household id (protocol.md 2.4): the open
 * incidents from the copy of the plan, the closed ones from the store. */
static void
household_plan_fields(creq *c, uint32_t id, json_t *o)
{
	const engine *E = &c->P->E;
	json_t *aff = json_array(), *kits = json_object();
	int64_t meals = 0, k[ALLOC_ITEM_COUNT] = {0};
	uint32_t *incs = NULL;
	size_t ninc = 0, cinc = 0;

#define AFFECTED(x)                                                         \
	do {                                                                \
		if (ninc == cinc) {                                         \
			size_t nc = cinc ? 2 * cinc : 8;                    \
			uint32_t *nv = realloc(incs, nc * sizeof(*nv));     \
			if (nv == NULL)                                     \
				break;                                      \
			incs = nv;                                          \
			cinc = nc;                                          \
		}                                                           \
		incs[ninc++] = (x);                                         \
	} while (0)
	for (size_t i = hfacts_first(id);
	     i < hfacts.n && hfacts.v[i].household == id; i++) {
		const hfact *f = &hfacts.v[i];
		const char *sh = shelter_name(E, f->shelter);
		if (f->kind == HF_AFFECTED) {
			AFFECTED(f->incident);
		} else if (f->kind == HF_STAY) {
			meals += (int64_t)hfacts.supply.meals_per_day *
			         f->persons *
			         confirmed_meal_days(c->P->rdb, f->incident, sh,
			                             f->lo, f->hi);
		} else {
			for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
				if (f->kits[it] > 0 &&
				    kits_confirmed(c->P->rdb, f->incident, sh,
				                   f->lo, it))
					k[it] += f->kits[it];
		}
	}
	/* the closed incidents' rows (written at the close), by the
	 * incidents the household was placed in (assignments, the two
	 * partial indexes: their status lists) or left unplaced in. An
	 * incident the copy still holds open (a close committed, its batch
	 * not yet over) is told as the copy has it, not twice. */
	size_t nopen = ninc;
	if (nopen > 1)
		qsort(incs, nopen, sizeof(*incs), u32_cmp);
	sqlite3_stmt *st = store_stmt(
	    c->P->rdb,
	    "SELECT incident, kind, shelter, lo, hi, persons, under5 FROM"
	    " household_history WHERE household=?1 AND incident IN (SELECT"
	    " incident FROM assignments WHERE household=?1 AND status IN"
	    " ('registered','present') UNION SELECT incident FROM"
	    " assignments WHERE household=?1 AND status IN"
	    " ('checked_out','released') UNION SELECT incident FROM"
	    " unplaced WHERE household=?1)");
	if (st)
		sqlite3_bind_int64(st, 1, id);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		uint32_t inc = (uint32_t)sqlite3_column_int64(st, 0);
		int kind = sqlite3_column_int(st, 1);
		const char *sh = (const char *)sqlite3_column_text(st, 2);
		alloc_day lo = sqlite3_column_int(st, 3),
		          hi = sqlite3_column_int(st, 4);
		uint32_t persons = (uint32_t)sqlite3_column_int64(st, 5);
		if (nopen && bsearch(&inc, incs, nopen, sizeof(*incs), u32_cmp))
			continue;
		if (kind != ENGINE_HIST_STAY)
			AFFECTED(inc);
		if (kind != ENGINE_HIST_EVACUEE)
			meals += (int64_t)hfacts.supply.meals_per_day *
			         persons *
			         confirmed_meal_days(c->P->rdb, inc, sh, lo, hi);
		if (kind == ENGINE_HIST_STAY || lo == ALLOC_DAY_NEVER)
			continue;
		struct alloc_household hh = {
		    .id = id,
		    .persons = (uint16_t)persons,
		    .under5 = (uint16_t)sqlite3_column_int64(st, 6)};
		int64_t u[ALLOC_ITEM_COUNT] = {0};
		alloc_supply_kits(&hfacts.supply, &hh, u);
		for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
			if (u[it] > 0 &&
			    kits_confirmed(c->P->rdb, inc, sh, lo, it))
				k[it] += u[it];
	}
	if (st)
		sqlite3_reset(st);
#undef AFFECTED
	if (ninc > 1)
		qsort(incs, ninc, sizeof(*incs), u32_cmp);
	for (size_t i = 0; i < ninc; i++)
		json_array_append_new(aff, json_integer(incs[i]));
	free(incs);
	for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
		json_object_set_new(kits, alloc_item_name(it),
		                    json_integer(k[it]));
	json_object_set_new(o, "affected_by", aff);
	json_object_set_new(
	    o, "received",
	    json_pack("{s:I,s:o}", "meals", (json_int_t)meals, "kits", kits));
}

static json_t *
household_json(creq *c, const geo_household *h)
{
	engine *E = &c->P->E;
	char kb[GEO_KEL_BUFLEN];
	double lon = 0, lat = 0;
	/* geo_ctx is the token holder's: convert only idle */
	if (!c->P->busy)
		geo_to_wgs84(E->gctx, h->x, h->y, &lon, &lat);
	json_t *asg = json_null();
	/* the household's latest assignment: the newer of its latest live
	 * and its latest ended one (two partial indexes, store.c 4 -> 5;
	 * the status lists must stay those of the indexes' WHERE) */
	static const char *const q[2] = {
	    "SELECT id, incident, shelter, status, since, checked_in,"
	    " checked_out FROM assignments WHERE household=? AND status IN"
	    " ('registered','present') ORDER BY id DESC LIMIT 1",
	    "SELECT id, incident, shelter, status, since, checked_in,"
	    " checked_out FROM assignments WHERE household=? AND status IN"
	    " ('checked_out','released') ORDER BY id DESC LIMIT 1"};
	int64_t best = 0;
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st = store_stmt(c->P->rdb, q[k]);
		if (st == NULL)
			continue;
		sqlite3_bind_int64(st, 1, h->id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int64(st, 0) > best) {
			best = sqlite3_column_int64(st, 0);
			json_decref(asg);
			asg = json_pack(
			    "{s:I,s:s,s:s,s:s,s:s?,s:s?}", "incident",
			    (json_int_t)sqlite3_column_int64(st, 1), "shelter",
			    sqlite3_column_text(st, 2), "status",
			    sqlite3_column_text(st, 3), "since",
			    sqlite3_column_text(st, 4), "checked_in",
			    sqlite3_column_text(st, 5), "checked_out",
			    sqlite3_column_text(st, 6));
		}
		sqlite3_reset(st);
	}
	json_t *o = json_pack("{s:I,s:s,s:f,s:f,s:i,s:i,s:i,s:i,s:i,s:o}",
	                      "household", (json_int_t)h->id, "kelurahan",
	                      geo_kel_format(h->kel, kb), "lon", lon, "lat",
	                      lat, "members", h->members, "elderly", h->elderly,
	                      "under5", h->under5, "disabled", h->disabled,
	                      "pregnant", h->pregnant, "assignment", asg);
	/* no copy of the plan yet (a decision has run since the start):
	 * the fields are left out, never a made-up empty list */
	if (o && hfacts.ok)
		household_plan_fields(c, h->id, o);
	return o;
}

static int
cmd_household_find(creq *c)
{
	json_t *id = json_object_get(c->args, "household");
	const char *kel =
	    json_string_value(json_object_get(c->args, "kelurahan"));
	uint32_t kc = 0;
	engine *E = &c->P->E;
	json_int_t limit, offset, total = 0;

	if (!json_is_integer(id) && (kel == NULL || geo_kel_parse(kel, &kc)))
		return cerr(c, "bad_argument", "args.household",
		            "give household (a number) or kelurahan (a code "
		            "like 31.71.01.1001)");
	if (arg_int(c, "limit", 1, 1000, 100,
	            "limit must be a whole number from 1 to 1000", &limit) ||
	    arg_int(c, "offset", 0, INT64_MAX, 0,
	            "offset must be a whole number, 0 or more", &offset))
		return -1;
	if (hfacts_refresh(c->P))
		return cerr(c, "internal", NULL, "out of memory");
	json_t *out = json_array();
	/* reference data only grows through import, on this loop: safe to
	 * read while a decision runs; one household by the id map (no scan
	 * of millions), a kelurahan by a scan */
	if (json_is_integer(id)) {
		json_int_t v = json_integer_value(id);
		long k = v >= 0 && v <= UINT32_MAX
		                 ? engine_household_find(E, (uint32_t)v)
		                 : -1;
		if (k == -2) {
			json_decref(out);
			return cerr(c, "internal", NULL, "out of memory");
		}
		if (k >= 0) {
			json_array_append_new(out, household_json(c, &E->hh[k]));
			total = 1;
		}
	}
	for (size_t i = 0; !json_is_integer(id) && i < E->nhh; i++) {
		const geo_household *h = &E->hh[i];
		if (h->kel != kc)
			continue;
		/* total counts every match; rows are [offset, offset+limit) */
		if (total++ < offset || total > offset + limit)
			continue;
		json_array_append_new(out, household_json(c, h));
	}
	if (json_is_integer(id) && total == 0) {
		json_decref(out);
		return cerr(c, "not_found", "args.household",
		            "no household %lld in the register",
		            (long long)json_integer_value(id));
	}
	c->data = json_pack("{s:I,s:o}", "total", total, "households", out);
	return 0;
}

static int
queue_report(creq *c, json_t *report, const char *prefix)
{
	ingest_msg m;
	ingest_error e;
	if (ingest_parse_object(report, prefix, &m, &e))
		return cerr(c, strcmp(e.code, INGEST_BAD_FIELD) == 0 ||
					       strcmp(e.code, INGEST_BAD_JSON) == 0
				       ? "bad_argument"
				       : e.code,
			    e.field, "%s", e.message);
	char *raw = json_dumps(report, JSON_COMPACT);
	const char *src = m.rep.source, *sid = m.rep.source_id;
	json_t *d = json_pack("{s:b,s:s,s:s}", "queued", 1, "source", src,
			      "source_id", sid);
	size_t pos = posko_queue_message(c->P, &m, raw ? raw : "{}",
					 raw ? strlen(raw) : 2, "control",
					 c->op);
	free(raw);
	json_object_set_new(d, "position", json_integer((json_int_t)pos));
	c->data = d;
	return 0;
}

static int
cmd_incident_submit(creq *c)
{
	json_t *r = json_object_get(c->args, "report");
	if (!json_is_object(r))
		return cerr(c, "bad_argument", "args.report",
			    "give the incident report object (protocol.md "
			    "1.1)");
	return queue_report(c, r, "args.report.");
}

/* incident.update / incident.close: a report with the incident's key. */
static int
cmd_incident_change(creq *c, int close)
{
	json_t *id = json_object_get(c->args, "incident");
	if (!json_is_integer(id))
		return cerr(c, "bad_argument", "args.incident",
			    "give the incident number");
	sqlite3_stmt *st = store_stmt(
		c->P->rdb, "SELECT source, source_id FROM incidents WHERE id=?");
	sqlite3_bind_int64(st, 1, json_integer_value(id));
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return cerr(c, "not_found", "args.incident",
			    "no such incident; `poskoctl incident list` "
			    "shows the ids");
	}
	json_t *r = json_pack("{s:i,s:s,s:s,s:s,s:s}", "v", 1, "kind",
			      "incident.report", "source",
			      sqlite3_column_text(st, 0), "source_id",
			      sqlite3_column_text(st, 1), "action",
			      close ? "cancel" : "update");
	sqlite3_reset(st);
	if (!close) {
		static const char *const keys[] = {"severity", "footprint",
						   "days", "title", "type"};
		int any = 0;
		for (size_t i = 0; i < 5; i++) {
			json_t *v = json_object_get(c->args, keys[i]);
			if (v) {
				json_object_set(r, keys[i], v);
				any = 1;
			}
		}
		if (!any) {
			json_decref(r);
			return cerr(c, "bad_argument", "args",
				    "give at least one of severity, "
				    "footprint, days, title");
		}
	}
	int rc = queue_report(c, r, "args.");
	json_decref(r);
	return rc;
}

static int
cmd_update(creq *c)
{
	return cmd_incident_change(c, 0);
}

static int
cmd_close(creq *c)
{
	return cmd_incident_change(c, 1);
}

static int
cmd_stock_list(creq *c)
{
	const char *dep = json_string_value(json_object_get(c->args, "depot"));
	const char *item = json_string_value(json_object_get(c->args, "item"));
	store *s = c->P->rdb;
	if (item && alloc_item_parse(item) < 0)
		return cerr(c, "bad_argument", "args.item",
			    "item must be meal, kit_adult, kit_child, "
			    "kit_infant or kit_family");
	/* reserved = what planned dispatches hold (the plan's ledger),
	 * summed in one pass over the lines: a sum per lot walked every
	 * line of the store once per lot (14.5 s on the loop on the
	 * bench's store: 303 lots, 531,217 lines; 70 ms now) */
	sqlite3_stmt *st = store_stmt(
		s, "SELECT l.depot, l.lot, l.item, l.qty, coalesce(r.q, 0),"
		   " l.expires FROM lots l LEFT JOIN (SELECT depot, lot,"
		   " sum(qty) AS q FROM dispatches WHERE status='planned'"
		   " GROUP BY depot, lot) r ON r.depot=l.depot AND"
		   " r.lot=l.lot WHERE (?1 IS NULL OR l.depot=?1) AND"
		   " (?2 IS NULL OR l.item=?2) ORDER BY l.depot, l.item,"
		   " l.expires IS NULL, l.expires, l.lot");
	sqlite3_bind_text(st, 1, dep, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
	json_t *lots = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(st, 3);
		int64_t r = sqlite3_column_int64(st, 4);
		json_array_append_new(
			lots, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s?}", "depot",
					sqlite3_column_text(st, 0), "lot",
					sqlite3_column_text(st, 1), "item",
					sqlite3_column_text(st, 2), "qty",
					(json_int_t)q, "reserved", (json_int_t)r,
					"available", (json_int_t)(q - r),
					"expires", sqlite3_column_text(st, 5)));
	}
	sqlite3_reset(st);
	/* meals planned per day from each depot, for days_of_cover: one
	 * pass over the lines, not one per depot (2 s on the bench's store) */
	json_t *per_days = json_object();
	st = store_stmt(s, "SELECT depot, CAST(sum(qty) AS REAL) /"
			   " count(DISTINCT day) FROM dispatches WHERE"
			   " kind='meals' AND status='planned' AND qty > 0"
			   " AND (?1 IS NULL OR depot=?1) GROUP BY depot");
	sqlite3_bind_text(st, 1, dep, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(per_days,
				    (const char *)sqlite3_column_text(st, 0),
				    json_real(sqlite3_column_double(st, 1)));
	sqlite3_reset(st);
	st = store_stmt(s, "SELECT id, name, city FROM depots WHERE ?1 IS NULL"
			   " OR id=?1 ORDER BY id");
	sqlite3_bind_text(st, 1, dep, -1, SQLITE_STATIC);
	json_t *deps = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char city[48];
		int64_t cc = sqlite3_column_int64(st, 2);
		snprintf(city, sizeof(city), "%02lld.%02lld",
			 (long long)(cc / 100 % 100), (long long)(cc % 100));
		json_t *items = json_object();
		const char *id = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; i < json_array_size(lots); i++) {
			json_t *l = json_array_get(lots, i);
			if (strcmp(json_string_value(json_object_get(l, "depot")),
				   id))
				continue;
			const char *it =
				json_string_value(json_object_get(l, "item"));
			json_t *o = json_object_get(items, it);
			if (o == NULL) {
				o = json_pack("{s:I,s:I,s:I}", "qty",
					      (json_int_t)0, "reserved",
					      (json_int_t)0, "available",
					      (json_int_t)0);
				json_object_set_new(items, it, o);
			}
			static const char *const k[] = {"qty", "reserved",
							"available"};
			for (int j = 0; j < 3; j++)
				json_object_set_new(
					o, k[j],
					json_integer(
						json_integer_value(
							json_object_get(o, k[j])) +
						json_integer_value(
							json_object_get(l, k[j]))));
		}
		json_t *meal = json_object_get(items, "meal");
		if (meal) {
			double per_day = json_real_value(
				json_object_get(per_days, id));
			json_object_set_new(
				meal, "days_of_cover",
				per_day > 0
					? json_real(round(10.0 *
							  json_integer_value(json_object_get(
								  meal, "available")) /
							  per_day) /
						    10.0)
					: json_null());
		}
		json_array_append_new(
			deps, json_pack("{s:s,s:s,s:s,s:o}", "depot", id, "name",
					sqlite3_column_text(st, 1), "city", city,
					"items", items));
	}
	sqlite3_reset(st);
	json_decref(per_days);
	c->data = json_pack("{s:o,s:o}", "lots", lots, "depots", deps);
	return 0;
}

/* ---- report.spm --------------------------------------------------------- */

typedef struct hkel {
	uint32_t id, kel;
} hkel;

static int
hkel_cmp(const void *a, const void *b)
{
	uint32_t x = ((const hkel *)a)->id, y = ((const hkel *)b)->id;
	return x < y ? -1 : x > y;
}

/* household id -> kelurahan, from the reference data (read-only once
 * loaded, so the loop may read it while a decision runs). */
static uint32_t
household_kel(const engine *E, uint32_t id)
{
	static hkel *map;
	static size_t n;
	static const void *built_for;
	if (built_for != E->hh || n != E->nhh) {
		free(map);
		map = malloc((E->nhh + 1) * sizeof(*map));
		n = 0;
		built_for = NULL;
		if (map == NULL)
			return 0;
		for (size_t i = 0; i < E->nhh; i++)
			map[i] = (hkel){E->hh[i].id, E->hh[i].kel};
		n = E->nhh;
		qsort(map, n, sizeof(*map), hkel_cmp);
		built_for = E->hh;
	}
	hkel key = {id, 0};
	hkel *f = bsearch(&key, map, n, sizeof(*map), hkel_cmp);
	return f ? f->kel : 0;
}

typedef struct spm_row {
	uint32_t code; /* kelurahan or city; 0 = total */
	int64_t evacuees, fed, person_days, meals_planned, meals_delivered,
		kits_planned, kits_issued;
	char **shelters;
	size_t nshelters;
} spm_row;

static void
spm_add_shelter(spm_row *r, const char *sh)
{
	for (size_t i = 0; i < r->nshelters; i++)
		if (strcmp(r->shelters[i], sh) == 0)
			return;
	char **n = realloc(r->shelters, (r->nshelters + 1) * sizeof(char *));
	if (n == NULL)
		return;
	r->shelters = n;
	r->shelters[r->nshelters++] = strdup(sh);
}

static spm_row *
spm_get(spm_row **rows, size_t *n, uint32_t code)
{
	for (size_t i = 0; i < *n; i++)
		if ((*rows)[i].code == code)
			return &(*rows)[i];
	spm_row *x = realloc(*rows, (*n + 1) * sizeof(spm_row));
	if (x == NULL)
		return NULL;
	*rows = x;
	memset(&x[*n], 0, sizeof(spm_row));
	x[*n].code = code;
	return &x[(*n)++];
}

static void
spm_merge(spm_row *to, const spm_row *from)
{
	to->evacuees += from->evacuees;
	to->fed += from->fed;
	to->person_days += from->person_days;
	to->meals_planned += from->meals_planned;
	to->meals_delivered += from->meals_delivered;
	to->kits_planned += from->kits_planned;
	to->kits_issued += from->kits_issued;
	for (size_t i = 0; i < from->nshelters; i++)
		spm_add_shelter(to, from->shelters[i]);
}

static json_t *
spm_json(const spm_row *r, int kind) /* 0 kelurahan, 1 city, 2 total */
{
	char code[GEO_KEL_BUFLEN];
	json_t *o = json_object();
	if (kind == 0)
		json_object_set_new(o, "code",
				    json_string(geo_kel_format(r->code, code)));
	else if (kind == 1) {
		snprintf(code, sizeof(code), "%02u.%02u", r->code / 100,
			 r->code % 100);
		json_object_set_new(o, "code", json_string(code));
	}
	json_object_set_new(o, "evacuees", json_integer(r->evacuees));
	json_object_set_new(o, "fed_3x1", json_integer(r->fed));
	json_object_set_new(o, "person_days", json_integer(r->person_days));
	json_object_set_new(o, "meals_planned", json_integer(r->meals_planned));
	json_object_set_new(o, "meals_delivered",
			    json_integer(r->meals_delivered));
	json_object_set_new(o, "kits_planned", json_integer(r->kits_planned));
	json_object_set_new(o, "kits_issued", json_integer(r->kits_issued));
	json_object_set_new(o, "shelters_used",
			    json_integer((json_int_t)r->nshelters));
	json_object_set_new(
		o, "needs_met",
		json_real(r->evacuees ? round(1000.0 * r->fed / r->evacuees) /
						1000.0
				      : 1.0));
	return o;
}

static void
spm_free(spm_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < rows[i].nshelters; j++)
			free(rows[i].shelters[j]);
		free(rows[i].shelters);
	}
	free(rows);
}

static int
spm_kel_cmp(const void *a, const void *b)
{
	uint32_t x = ((const spm_row *)a)->code, y = ((const spm_row *)b)->code;
	return x < y ? -1 : x > y;
}

/*
 * The SPM report. Its per-family subqueries find the family's lines by
 * (incident, status) (dispatches_inc): "+d.day" keeps SQLite off the
 * day index, which made each of them walk every line of the day. On the
 * bench's store (3,501 families placed, 200,000 lines for the day) that
 * froze the loop for over two minutes; 10 ms now.
 */
static int
cmd_report_spm(creq *c)
{
	const char *date = json_string_value(json_object_get(c->args, "date"));
	json_t *inc = json_object_get(c->args, "incident");
	const posko_config *cfg = c->P->cfg;
	alloc_day day;
	char dbuf[ALLOC_DAY_BUFLEN];

	if (json_object_get(c->args, "date") &&
	    (date == NULL || alloc_day_parse(date, &day)))
		return cerr(c, "bad_argument", "args.date",
			    "date must be a day like 2007-02-02");
	if (date == NULL)
		day = engine_day((int64_t)time(NULL));
	if (inc && !json_is_integer(inc))
		return cerr(c, "bad_argument", "args.incident",
			    "incident must be an incident number");
	alloc_day_format(day, dbuf);
	sqlite3_stmt *st = store_stmt(
		c->P->rdb,
		"SELECT a.household, a.persons, a.shelter,"
		" EXISTS (SELECT 1 FROM dispatches d WHERE d.incident=a.incident"
		"  AND d.shelter=a.shelter AND d.kind='meals' AND +d.day=?1 AND"
		"  d.status IN ('planned','confirmed') AND d.qty > 0),"
		" EXISTS (SELECT 1 FROM dispatches d WHERE d.incident=a.incident"
		"  AND d.shelter=a.shelter AND d.kind='meals' AND +d.day=?1 AND"
		"  d.status='confirmed' AND d.qty > 0) AND NOT EXISTS (SELECT 1"
		"  FROM dispatches d WHERE d.incident=a.incident AND"
		"  d.shelter=a.shelter AND d.kind='meals' AND +d.day=?1 AND"
		"  d.status='planned' AND d.qty > 0),"
		" (SELECT count(*) FROM (SELECT d.day FROM dispatches d WHERE"
		"  d.incident=a.incident AND d.shelter=a.shelter AND"
		"  d.kind='meals' AND d.day <= ?1 GROUP BY d.day HAVING"
		"  sum(d.status='confirmed' AND d.qty > 0) > 0 AND"
		"  sum(d.status='planned' AND d.qty > 0) = 0)),"
		" EXISTS (SELECT 1 FROM dispatches d WHERE d.incident=a.incident"
		"  AND d.shelter=a.shelter AND d.kind='sandang' AND"
		"  d.status='confirmed' AND d.qty > 0) AND NOT EXISTS (SELECT 1"
		"  FROM dispatches d WHERE d.incident=a.incident AND"
		"  d.shelter=a.shelter AND d.kind='sandang' AND"
		"  d.status='planned' AND d.qty > 0)"
		" FROM assignments a JOIN incidents i ON i.id=a.incident"
		" WHERE a.status IN ('registered','present') AND"
		" (?2 IS NULL OR a.incident=?2) AND i.start_day <= ?3 AND"
		" ?3 < i.start_day + i.days ORDER BY a.household");
	sqlite3_bind_text(st, 1, dbuf, -1, SQLITE_STATIC);
	if (inc)
		sqlite3_bind_int64(st, 2, json_integer_value(inc));
	sqlite3_bind_int64(st, 3, day);
	spm_row *kel = NULL, *city = NULL, total;
	size_t nkel = 0, ncity = 0;
	memset(&total, 0, sizeof(total));
	int per_person = cfg->supply.kits_per_person;
	int family = cfg->supply.kit_family ? 1 : 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint32_t hh = (uint32_t)sqlite3_column_int64(st, 0);
		int64_t p = sqlite3_column_int64(st, 1);
		const char *sh = (const char *)sqlite3_column_text(st, 2);
		int planned = sqlite3_column_int(st, 3);
		int fed = sqlite3_column_int(st, 4);
		int64_t fed_days = sqlite3_column_int64(st, 5);
		int kits = sqlite3_column_int(st, 6);
		spm_row *r = spm_get(&kel, &nkel, household_kel(&c->P->E, hh));
		if (r == NULL)
			break;
		int64_t k = p * per_person + family;
		r->evacuees += p;
		r->fed += fed ? p : 0;
		r->person_days += p * fed_days;
		r->meals_planned += planned ? 3 * p : 0;
		r->meals_delivered += fed ? 3 * p : 0;
		r->kits_planned += k;
		r->kits_issued += kits ? k : 0;
		spm_add_shelter(r, sh);
	}
	sqlite3_reset(st);
	if (nkel > 1)
		qsort(kel, nkel, sizeof(*kel), spm_kel_cmp);
	for (size_t i = 0; i < nkel; i++) {
		spm_row *cr = spm_get(&city, &ncity, kel[i].code / 1000000);
		if (cr)
			spm_merge(cr, &kel[i]);
	}
	if (ncity > 1)
		qsort(city, ncity, sizeof(*city), spm_kel_cmp);
	for (size_t i = 0; i < ncity; i++)
		spm_merge(&total, &city[i]);
	json_t *ka = json_array(), *ca = json_array();
	for (size_t i = 0; i < nkel; i++)
		json_array_append_new(ka, spm_json(&kel[i], 0));
	for (size_t i = 0; i < ncity; i++)
		json_array_append_new(ca, spm_json(&city[i], 1));
	c->data = json_pack("{s:s,s:O?,s:o,s:o,s:o}", "date", dbuf, "incident",
			    inc, "kelurahan", ka, "cities", ca, "total",
			    spm_json(&total, 2));
	if (c->data && inc == NULL)
		json_object_set_new(c->data, "incident", json_null());
	spm_free(kel, nkel);
	spm_free(city, ncity);
	for (size_t j = 0; j < total.nshelters; j++)
		free(total.shelters[j]);
	free(total.shelters);
	return 0;
}

/* The reply data of a desk command: the object it changed, read back
 * after the commit. */
static int
desk_reply(creq *c, const desk_result *r)
{
	const char *cmd = c->cmd;
	json_t *args = c->args;
	if (strncmp(cmd, "shelter.", 8) == 0) {
		if (cmd_shelter_list(c))
			return -1;
		if (strcmp(cmd, "shelter.close") == 0) {
			json_object_set_new(c->data, "rehomed",
					    json_integer((json_int_t)r->placed));
			json_object_set_new(
				c->data, "unplaced",
				json_integer((json_int_t)r->unplaced));
		}
		return 0;
	}
	if (strcmp(cmd, "checkin") == 0 || strcmp(cmd, "checkout") == 0 ||
	    strcmp(cmd, "transfer") == 0) {
		json_t *s = json_object_get(args, "shelter");
		if (s)
			json_incref(s);
		json_object_del(args, "shelter");
		int rc = cmd_household_find(c);
		if (s)
			json_object_set_new(args, "shelter", s);
		if (rc == 0) {
			/* the household itself, as household.find gives it */
			json_t *h = json_incref(json_array_get(
				json_object_get(c->data, "households"), 0));
			json_decref(c->data);
			c->data = h ? h : json_object();
		}
		return rc;
	}
	if (strncmp(cmd, "stock.", 6) == 0) {
		const char *dep = json_string_value(json_object_get(args, "depot"));
		const char *lot = json_string_value(json_object_get(args, "lot"));
		sqlite3_stmt *st = store_stmt(
			c->P->rdb,
			"SELECT depot, lot, item, qty, expires FROM lots WHERE"
			" depot=? AND (lot=? OR ? IS NULL) ORDER BY rowid DESC"
			" LIMIT 1");
		sqlite3_bind_text(st, 1, dep, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, lot, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, lot, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			c->data = json_pack(
				"{s:s,s:s,s:s,s:I,s:s?,s:I}", "depot",
				sqlite3_column_text(st, 0), "lot",
				sqlite3_column_text(st, 1), "item",
				sqlite3_column_text(st, 2), "qty",
				(json_int_t)sqlite3_column_int64(st, 3),
				"expires", sqlite3_column_text(st, 4),
				"dispatches", (json_int_t)r->dispatches);
		sqlite3_reset(st);
		return 0;
	}
	if (strcmp(cmd, "dispatch.confirm") == 0) {
		c->data = json_pack("{s:O,s:s}", "dispatch",
				    json_object_get(args, "dispatch"), "status",
				    "confirmed");
		return 0;
	}
	if (strcmp(cmd, "alerts.ack") == 0) {
		c->data = json_pack("{s:O,s:s}", "alert",
				    json_object_get(args, "alert"), "state",
				    "acknowledged");
		return 0;
	}
	return 0;
}

/* A write on the decision connection: 1 when it must wait for the
 * decision in flight (c->deferred set: posko.c runs it right after), -1
 * when the store refuses (c has the error), 0 in a transaction. */
static int
write_begin(creq *c)
{
	if (c->P->busy) {
		c->deferred = 1;
		return 1;
	}
	/* while deciding is held for the store (posko.h store_down), a
	 * write would fail the same way, and its rollback would cost a
	 * rebuild of the plan: refused at once */
	if (c->P->down_since)
		return cerr(c, "internal", NULL,
			    "%s changed nothing: the store cannot write (%s); "
			    "send it again once `poskoctl status` no longer "
			    "says so",
			    c->cmd, c->P->store_err);
	if (store_begin(c->P->wdb))
		return cerr(c, "internal", NULL, "store: %s",
			    store_errmsg(c->P->wdb));
	return 0;
}

/* A desk write: on the loop while no decision holds the token, in one
 * transaction with its journal row and events; published before the
 * reply. */
static int
cmd_desk(creq *c)
{
	posko *P = c->P;
	desk_result r;
	desk_error de;
	char err[512] = "";
	int rc;

	if ((rc = write_begin(c)) != 0)
		return rc > 0 ? 0 : -1;
	rc = desk_run(&P->E, c->cmd, c->args, c->op, c->raw, c->rawlen, &r,
		      &de, err, sizeof(err));
	if (rc == 0 && store_commit(P->wdb) == 0) {
		posko_publish(P);
		log_info("control %s by %s: %zu placed, %zu unplaced, %zu "
			 "released, %zu dispatch lines",
			 c->cmd, c->op, r.placed, r.unplaced, r.released,
			 r.dispatches);
		return desk_reply(c, &r);
	}
	/* (the store's own trouble, read before the rollback resets it) */
	int down = rc <= 0 && store_transient(P->wdb);
	char serr[256];
	store_errdetail(P->wdb, serr, sizeof(serr));
	store_rollback(P->wdb);
	if (rc > 0)
		return cerr(c, de.code, de.field[0] ? de.field : NULL, "%s",
			    de.message);
	log_warnx("control %s: %s", c->cmd, err[0] ? err : serr);
	/* The store is unchanged; the plan may have taken the step: it is
	 * rebuilt from the store before the next decision. */
	posko_engine_suspect(P);
	if (down)
		return cerr(c, "internal", NULL,
			    "%s changed nothing: the store cannot write (%s); "
			    "send it again once it can (status: "
			    "pipeline.store_error)",
			    c->cmd, serr);
	return cerr(c, "internal", NULL,
		    "%s failed and changed nothing; the log says why", c->cmd);
}

/* feed.sitrep, feed.hxl, feed.cap: daemon/feedwire.c */
static int
cmd_feed(creq *c)
{
	return feedwire_control(c->P, c->cmd, c->args, &c->data, c->code,
				sizeof(c->code), c->field, sizeof(c->field),
				c->msg, sizeof(c->msg));
}

/* import.households|shelters|depots|stock: daemon/import.c */
static int
cmd_import(creq *c)
{
	desk_error de = {0};
	if (import_control(c->P, c->cmd, c->args, c->op, c->raw, c->rawlen,
			   &c->deferred, &c->data, &de) == 0)
		return 0;
	return cerr(c, de.code, de.field[0] ? de.field : NULL, "%s",
		    de.message);
}

/* import.zones: the flood or fire zones replaced by the GeoJSON sent
 * (engine_import_zones), all or nothing, journaled with the operator. */
static int
cmd_import_zones(creq *c)
{
	posko *P = c->P;
	const char *hz = json_string_value(json_object_get(c->args, "hazard"));
	json_t *g = json_object_get(c->args, "geojson");
	char err[512] = "", raw[160];
	int fire, rc;

	if (hz == NULL || (strcmp(hz, "flood") && strcmp(hz, "fire")))
		return cerr(c, "bad_argument", "args.hazard",
			    "hazard must be flood or fire");
	fire = strcmp(hz, "fire") == 0;
	if (!json_is_string(g) || json_string_length(g) == 0)
		return cerr(c, "bad_argument", "args.geojson",
			    "give the zone file's GeoJSON text as a string");
	if ((rc = write_begin(c)) != 0)
		return rc > 0 ? 0 : -1;
	snprintf(raw, sizeof(raw), "{\"hazard\":\"%s\",\"bytes\":%zu}", hz,
		 json_string_length(g));
	store_journal j = {.origin = "control",
			   .source = "control",
			   .action = "import.zones",
			   .operator_ = c->op,
			   .raw = raw,
			   .rawlen = strlen(raw),
			   .today = engine_day(time(NULL))};
	if (store_journal_add(P->wdb, &j) < 0) {
		store_rollback(P->wdb);
		return cerr(c, "internal", NULL, "store: %s",
			    store_errmsg(P->wdb));
	}
	if (engine_import_zones(&P->E, fire, json_string_value(g),
				json_string_length(g), err, sizeof(err))) {
		store_rollback(P->wdb);
		return cerr(c, "bad_argument", "args.geojson",
			    "%s zones not replaced (the old ones stay): %s",
			    hz, err);
	}
	if (store_commit(P->wdb)) {
		/* the new zones are in force; only the record failed */
		log_warnx("import.zones: journal: %s", store_errmsg(P->wdb));
		store_rollback(P->wdb);
	}
	log_info("control import.zones by %s: %s zones replaced (%zu bytes)",
		 c->op, hz, json_string_length(g));
	c->data = json_pack("{s:s,s:I}", "hazard", hz, "bytes",
			    (json_int_t)json_string_length(g));
	return c->data ? 0 : cerr(c, "internal", NULL, "out of memory");
}

static const struct command {
	const char *name;
	int write;
	int (*fn)(creq *);
} commands[] = {
	{"feed.sitrep", 0, cmd_feed},
	{"feed.hxl", 0, cmd_feed},
	{"feed.cap", 0, cmd_feed},
	{"status", 0, cmd_status},
	{"incident.list", 0, cmd_incident_list},
	{"incident.show", 0, cmd_incident_show},
	{"shelter.list", 0, cmd_shelter_list},
	{"shelter.show", 0, cmd_shelter_show},
	{"household.find", 0, cmd_household_find},
	{"stock.list", 0, cmd_stock_list},
	{"alerts.list", 0, cmd_alerts_list},
	{"report.spm", 0, cmd_report_spm},
	{"events.since", 0, cmd_events_since},
	{"incident.submit", 1, cmd_incident_submit},
	{"incident.update", 1, cmd_update},
	{"incident.close", 1, cmd_close},
	{"shelter.open", 1, cmd_desk},
	{"shelter.close", 1, cmd_desk},
	{"shelter.set_capacity", 1, cmd_desk},
	{"checkin", 1, cmd_desk},
	{"checkout", 1, cmd_desk},
	{"transfer", 1, cmd_desk},
	{"stock.receive", 1, cmd_desk},
	{"stock.adjust", 1, cmd_desk},
	{"dispatch.confirm", 1, cmd_desk},
	{"alerts.ack", 1, cmd_desk},
	{"import.zones", 1, cmd_import_zones},
	{"import.households", 1, cmd_import},
	{"import.shelters", 1, cmd_import},
	{"import.depots", 1, cmd_import},
	{"import.stock", 1, cmd_import},
};

static int
dispatch(creq *c, json_t *req, int readonly)
{
	json_t *v = json_object_get(req, "v");
	json_t *op = json_object_get(req, "operator");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return cerr(c, "unsupported_version", "v",
			    "v must be 1 (protocol version)");
	c->cmd = json_string_value(json_object_get(req, "cmd"));
	if (c->cmd == NULL)
		return cerr(c, "bad_request", "cmd",
			    "cmd is required, e.g. \"status\"");
	c->args = json_object_get(req, "args");
	if (c->args && !json_is_object(c->args))
		return cerr(c, "bad_argument", "args", "args must be an object");
	if (c->args == NULL)
		c->args = json_object_get(req, "__empty");
	if (op && (!json_is_string(op) || strlen(json_string_value(op)) < 1 ||
		   strlen(json_string_value(op)) > 64))
		return cerr(c, "bad_argument", "operator",
			    "operator must be a name of 1 to 64 characters");
	c->op = json_string_value(op);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *k = &commands[i];
		if (strcmp(k->name, c->cmd))
			continue;
		if (k->write && readonly)
			return cerr(c, "read_only", NULL,
				    "%s changes state and this is the "
				    "read-only socket; use the desk socket "
				    "(control.ipc)",
				    c->cmd);
		if (k->write && c->op == NULL)
			return cerr(c, "missing_operator", "operator",
				    "%s changes state: give your name as "
				    "operator (poskoctl --operator NAME)",
				    c->cmd);
		if (k->fn == NULL)
			return cerr(c, "unknown_command", "cmd",
				    "%s is documented but not implemented in "
				    "this poskod %s yet",
				    c->cmd, POSKO_VERSION);
		if (c->P->stopping)
			return cerr(c, "internal", NULL,
				    "poskod is stopping; try again when it is "
				    "back");
		return k->fn(c);
	}
	return cerr(c, "unknown_command", "cmd",
		    "no command \"%s\"; see docs/protocol.md section 2",
		    c->cmd);
}

char *
control_handle(posko *P, const char *req, size_t len, int readonly,
	       size_t *rlen, int *deferred)
{
	creq c;
	json_error_t je;
	json_t *r = NULL, *reply;
	json_t *empty = json_object();
	char *out;

	memset(&c, 0, sizeof(c));
	c.P = P;
	c.raw = req;
	c.rawlen = len;
	*deferred = 0;
	if (len > P->cfg->daemon.max_message_bytes) {
		cerr(&c, "too_large", NULL,
		     "request of %zu bytes is over max_message_bytes; send "
		     "smaller batches",
		     len);
	} else {
		while (len && (req[len - 1] == '\0' || req[len - 1] == '\n'))
			len--;
		r = json_loadb(req, len, 0, &je);
		if (!json_is_object(r)) {
			cerr(&c, "bad_request", NULL,
			     "the request must be a JSON object (%s)",
			     r ? "got another JSON value" : je.text);
		} else {
			json_object_set(r, "__empty", empty);
			int drc = dispatch(&c, r, readonly);
			json_object_del(r, "__empty");
			if (c.deferred) {
				json_decref(r);
				json_decref(empty);
				*deferred = 1;
				*rlen = 0;
				return NULL;
			}
			if (drc == 0 && c.data == NULL)
				c.data = json_object();
		}
	}
	json_t *id = r && json_is_object(r) ? json_object_get(r, "id") : NULL;
	if (c.data)
		reply = json_pack("{s:i,s:b,s:o}", "v", 1, "ok", 1, "data",
				  c.data);
	else
		reply = json_pack("{s:i,s:b,s:{s:s,s:s?,s:s}}", "v", 1, "ok", 0,
				  "error", "code", c.code, "field",
				  c.field[0] ? c.field : NULL, "message",
				  c.msg);
	if (reply && id)
		json_object_set(reply, "id", id);
	/* "field" is omitted when no single field is at fault */
	if (reply && c.data == NULL && !c.field[0])
		json_object_del(json_object_get(reply, "error"), "field");
	if (c.data == NULL)
		log_info("control %s%s: %s: %s", c.cmd ? c.cmd : "?",
			 readonly ? " (read-only)" : "", c.code, c.msg);
	out = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(reply);
	json_decref(r);
	json_decref(empty);
	*rlen = out ? strlen(out) : 0;
	return out;
}
