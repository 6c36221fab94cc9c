#define _POSIX_C_SOURCE 200809L
#include "daemon/feedwire.h"
#include "daemon/bgjob.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cap.h"
#include "daemon/control.h"
#include "daemon/engine.h"
#include "daemon/engine_int.h"
#include "daemon/gate.h"
#include "daemon/hxl.h"
#include "daemon/ingest.h"
#include "daemon/log.h"
#include "daemon/posko.h"
#include "daemon/rwstate.h"
#include "daemon/sitrep.h"
#include "daemon/spool.h"

#define WIB_MIN 420 /* Asia/Jakarta, UTC+7 all year */

/* A spool file waiting for the decisions of the reports it made. */
typedef struct sfile {
	struct sfile *next;
	char *name;
	int left;   /* reports not decided yet */
	int queued; /* all its reports are queued */
	int failed;
	char reason[512];
} sfile;

/* A queued message the feed wants to hear about (keyed by its json). */
typedef struct ticket {
	struct ticket *next;
	const void *key;
	sfile *file;
	char *src, *sid; /* an expiry's cancel: which incident */
	int expiry;	 /* queued by the expiry timer */
} ticket;

enum pend_kind {
	P_EVENT,   /* emit topic body */
	P_REJECT,  /* ingest.rejected */
	P_JOURNAL, /* a gate report: journal row + ingest.accepted */
	P_EXPIRY,  /* set (expires > 0) or drop a CAP expiry */
	P_GATE,	   /* gate state for a restart (level 0 = drop) */
	P_STALE	   /* feed.stale raise (1) / clear (0) */
};

typedef struct pend {
	struct pend *next;
	int kind;
	char *topic;
	json_t *body;
	ingest_error e;
	size_t bytes;
	char origin[16];
	char *src, *sid, *raw;
	size_t rawlen;
	const char *action;
	char hash[17];
	int level;
	time_t t;
} pend;

/* People per kelurahan of origin, from the plan (cached at each flush). */
typedef struct kelsum {
	uint32_t code;
	counts c; /* as the incidents count them (count_evacuee) */
} kelsum;

typedef struct feedwire {
	posko *P;
	rwstate_table *rw;
	gate_table *gates;
	spool *spool;
	uv_timer_t tick, sitrep_timer;
	int tick_on, sitrep_on;
	time_t last_feed;
	int stale_raised;
	uint64_t sitrep_seq;
	int sitrep_due;
	int64_t cap_seen; /* outbox id up to which alerts became CAP */
	char host[64];
	ticket *tickets, *tickets_tail;
	sfile *files;
	pend *ph, *pt;
	kelsum *kel;
	size_t nkel;
	uint32_t kel_rev;
	int kel_ok;
	uint64_t kel_at; /* loop time (ms) of the last refresh after a batch */
	/* CAP files are written (and the directory synced) on the
	 * background thread (P->bg), one batch of files at a time, in commit
	 * order: the loop does not wait for the disk between decisions */
	bgjob_req cap_work;
	struct capfile *cap_doing, *cap_next;
	int cap_busy;
	uint64_t cap_t0; /* uv_hrtime when cap_doing went to the writer */
	char cap_dir[4096];
} feedwire;

/* ---- small helpers --------------------------------------------------------- */

static feedwire *
FW(posko *P)
{
	return (feedwire *)P->feed;
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
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

static int
mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static pend *
pend_add(feedwire *F, int kind)
{
	pend *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->kind = kind;
	if (F->pt)
		F->pt->next = p;
	else
		F->ph = p;
	F->pt = p;
	return p;
}

static void
pend_free(pend *p)
{
	free(p->topic);
	json_decref(p->body);
	free(p->src);
	free(p->sid);
	free(p->raw);
	free(p);
}

static void
event_later(feedwire *F, const char *topic, json_t *body)
{
	pend *p;
	if (body == NULL)
		return;
	p = pend_add(F, P_EVENT);
	if (p == NULL) {
		json_decref(body);
		return;
	}
	p->topic = strdup(topic);
	p->body = body;
}

/* An ingest.rejected for a message the feed refused: err is
 * "<path>: <reason>" as the feed modules write it. */
static void
reject_later(feedwire *F, const char *code, const char *err, size_t bytes,
	     const char *origin, const char *src)
{
	pend *p = pend_add(F, P_REJECT);
	const char *colon = strstr(err, ": ");
	F->P->rejected++;
	log_info("rejected %s message of %zu bytes: %s", origin, bytes, err);
	if (p == NULL)
		return;
	snprintf(p->e.code, sizeof(p->e.code), "%s", code);
	if (colon && (size_t)(colon - err) < sizeof(p->e.field) &&
	    memchr(err, ' ', (size_t)(colon - err)) == NULL)
		snprintf(p->e.field, sizeof(p->e.field), "%.*s",
			 (int)(colon - err), err);
	snprintf(p->e.message, sizeof(p->e.message), "%s", err);
	snprintf(p->e.source, sizeof(p->e.source), "%s", src ? src : "");
	p->bytes = bytes;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
}

static void
reject_ie_later(feedwire *F, const ingest_error *e, size_t bytes,
		const char *origin)
{
	pend *p = pend_add(F, P_REJECT);
	F->P->rejected++;
	log_info("rejected %s message of %zu bytes: %s", origin, bytes,
		 e->message);
	if (p == NULL)
		return;
	p->e = *e;
	p->bytes = bytes;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
}

/* Flush now when nothing holds the token (otherwise the after-work
 * publish does it). */
static void
kick(feedwire *F)
{
	if (!F->P->busy && !F->P->stopping && F->ph)
		posko_publish(F->P);
}

/* ---- staleness --------------------------------------------------------------- */

static int
stale_seconds(const posko_config *c)
{
	if (c->alerts.feed_stale_s > 0)
		return c->alerts.feed_stale_s;
	return c->alerts.feed_stale_minutes * 60;
}

static void
stale_step(feedwire *F, time_t now)
{
	posko *P = F->P;
	int floods = q1(P->rdb, "SELECT count(*) FROM incidents WHERE"
				" state='open' AND exercise=0 AND"
				" type='flood'") > 0;
	feed_stale_action a = rwstate_stale_step_s(
		&F->stale_raised, floods, F->last_feed, now,
		stale_seconds(P->cfg));
	if (a == FEED_STALE_NONE)
		return;
	pend *p = pend_add(F, P_STALE);
	if (p) {
		p->level = a == FEED_STALE_RAISE;
		p->t = F->last_feed;
	}
}

/* A feed message arrived and was valid. */
static void
fed(feedwire *F)
{
	F->last_feed = time(NULL);
	stale_step(F, F->last_feed);
}

/* ---- tickets and spool files ---------------------------------------------------- */

static ticket *
ticket_add(feedwire *F, const void *key, sfile *sf)
{
	ticket *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->key = key;
	t->file = sf;
	if (sf)
		sf->left++;
	if (F->tickets_tail)
		F->tickets_tail->next = t;
	else
		F->tickets = t;
	F->tickets_tail = t;
	return t;
}

static void
ticket_free(ticket *t)
{
	free(t->src);
	free(t->sid);
	free(t);
}

static sfile *
sfile_new(const char *name)
{
	sfile *sf = calloc(1, sizeof(*sf));
	if (sf && (sf->name = strdup(name)) == NULL) {
		free(sf);
		sf = NULL;
	}
	return sf;
}

static void
sfile_free(sfile *sf)
{
	if (sf) {
		free(sf->name);
		free(sf);
	}
}

static void
sfile_settle(feedwire *F, sfile *sf)
{
	if (sf->left > 0 || !sf->queued)
		return;
	for (sfile **pp = &F->files; *pp; pp = &(*pp)->next)
		if (*pp == sf) {
			*pp = sf->next;
			break;
		}
	if (F->spool &&
	    spool_verdict(F->spool, sf->name,
			  sf->failed ? SPOOL_FAILED : SPOOL_DONE,
			  sf->reason[0] ? sf->reason : "done") < 0)
		log_warnx("spool %s: could not be moved yet", sf->name);
	sfile_free(sf);
}

/* Queue one parsed message with a ticket. Returns 0 or -1. */
static int
queue_msg(feedwire *F, ingest_msg *m, const char *raw, size_t rawlen,
	  const char *origin, sfile *sf, ticket **tout)
{
	ticket *t = ticket_add(F, m->json, sf);
	if (tout)
		*tout = t;
	if (t == NULL) {
		ingest_msg_clear(m);
		return -1;
	}
	if (sf)
		posko_queue_spooled(F->P, m, raw, rawlen, origin);
	else
		posko_queue_message(F->P, m, raw, rawlen, origin, NULL);
	return 0;
}

static void rw_relearn(feedwire *F, int64_t incident);

/* Record (t > 0) or end (t == 0) a CAP expiry watch, written with the
 * feed's other waiting rows. */
static void
expiry_later(feedwire *F, const char *src, const char *sid, time_t t)
{
	pend *p = pend_add(F, P_EXPIRY);
	if (p) {
		p->src = xstrdup(src);
		p->sid = xstrdup(sid);
		p->t = t;
	}
}

void
feedwire_decided(posko *P, const ingest_msg *m, const engine_result *res,
		 int failed)
{
	feedwire *F = FW(P);
	ticket *t, *prev = NULL;
	if (F == NULL || m->json == NULL)
		return;
	for (t = F->tickets; t; prev = t, t = t->next)
		if (t->key == (const void *)m->json)
			break;
	/* a CAP report's expiry (or the end of it), from the report itself:
	 * the same whether it was queued now or read back from the inbox
	 * after a restart */
	if (m->rep.origin == ORIGIN_CAP && !failed && !res->rejected &&
	    (m->rep.expires || m->rep.action == REPORT_CANCEL))
		expiry_later(F, m->rep.source, m->rep.source_id,
			     m->rep.action == REPORT_CANCEL ? 0
							    : m->rep.expires);
	if (t == NULL) {
		/* read back from the inbox after a restart */
		if (m->rep.origin == ORIGIN_RW_STATE && !failed &&
		    !res->rejected && !res->duplicate && res->incident)
			rw_relearn(F, res->incident);
		return;
	}
	if (prev)
		prev->next = t->next;
	else
		F->tickets = t->next;
	if (F->tickets_tail == t)
		F->tickets_tail = prev;
	if (t->file) {
		sfile *sf = t->file;
		sf->left--;
		if (failed) {
			sf->failed = 1;
			snprintf(sf->reason, sizeof(sf->reason),
				 "not decided: store failure (see the log); "
				 "send it again");
		} else if (res->rejected) {
			sf->failed = 1;
			snprintf(sf->reason, sizeof(sf->reason), "%.31s: %.470s",
				 res->e.code, res->e.message);
		} else if (!sf->failed) {
			snprintf(sf->reason, sizeof(sf->reason),
				 "%s incident %lld revision %d",
				 res->duplicate ? "duplicate of" : "accepted as",
				 (long long)res->incident, res->revision);
		}
		sfile_settle(F, sf);
	}
	ticket_free(t);
}

/* ---- classifying a message -------------------------------------------------------- */

enum { K_OTHER, K_CAP, K_RW, K_GATE };

static int
classify(const char *buf, size_t len)
{
	size_t i = 0;
	json_t *o, *k;
	const char *s;
	int kind = K_OTHER;

	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i < len && buf[i] == '<')
		return K_CAP;
	o = json_loadb(buf, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return K_OTHER;
	}
	k = json_object_get(o, "kind");
	s = json_string_value(k);
	if (s && (strcmp(s, "rw.state") == 0 || strcmp(s, "rw.states") == 0))
		kind = K_RW;
	else if (s && (strcmp(s, "gate.level") == 0 ||
		       strcmp(s, "gate.levels") == 0))
		kind = K_GATE;
	else if (k == NULL) {
		json_t *r = json_object_get(o, "result");
		const char *t = json_string_value(json_object_get(o, "type"));
		if (!t && json_is_object(r))
			t = json_string_value(json_object_get(r, "type"));
		if (t && strcmp(t, "FeatureCollection") == 0)
			kind = K_RW;
	}
	json_decref(o);
	return kind;
}

/* ---- CAP and JSON incident reports ----------------------------------------------- */

/* Returns -1 rejected, 0 queued. */
static int
take_report(feedwire *F, const char *buf, size_t len, int cap, sfile *sf,
	    char *reason, size_t reasonlen)
{
	posko *P = F->P;
	ingest_msg m;
	ingest_error e;
	const char *origin = cap ? "cap" : "json";

	if (ingest_parse(buf, len, P->cfg->daemon.max_message_bytes, P->cfg,
			 P->cap, &m, &e)) {
		reject_ie_later(F, &e, len, origin);
		snprintf(reason, reasonlen, "%s: %s", e.code, e.message);
		return -1;
	}
	if (cap)
		fed(F);
	queue_msg(F, &m, buf, len, origin, sf, NULL);
	return 0;
}

/* ---- RW flood states --------------------------------------------------------------- */

/* The RW state as the flood policy takes it: a depth ([policy]
 * rw_state_cm), so the engine decides it as it decides depth_cm. */
static void
rw_severity(const posko_config *c, report_severity *s)
{
	if (s->kind == SEV_RW_STATE && s->value >= 1 && s->value <= 4) {
		s->kind = SEV_DEPTH_CM;
		s->value = c->rw_state_cm[s->value];
	}
}

/* Which incident key of the reports holds this RW (GROUP_RW keys). */
static const char *
rw_key(const posko_report *r, size_t n, const char *rw)
{
	size_t l = strlen(rw);
	for (size_t i = 0; i < n; i++)
		if (r[i].source_id && strncmp(r[i].source_id, "rwflood-", 8) == 0 &&
		    strncmp(r[i].source_id + 8, rw, l) == 0 &&
		    r[i].source_id[8 + l] == '-')
			return r[i].source_id;
	return NULL;
}

static int
take_rw(feedwire *F, const char *buf, size_t len, sfile *sf, char *reason,
	size_t reasonlen)
{
	posko *P = F->P;
	rwstate_msg rm;
	posko_report *reps = NULL;
	size_t n = 0;
	char err[512];
	int *before = NULL, rc;
	time_t now = time(NULL);

	rc = rwstate_parse(buf, len, P->cfg->feed.petabencana_source,
			   rwstate_resolve_digits, NULL, &rm, err, sizeof(err));
	if (rc) {
		reject_later(F, rc == RWSTATE_EJSON ? INGEST_BAD_JSON
						    : INGEST_BAD_FIELD,
			     err, len, "rw_state", NULL);
		snprintf(reason, reasonlen, "%s", err);
		return -1;
	}
	for (size_t i = 0; P->E.rw && i < rm.n; i++)
		if (geo_areaset_find(P->E.rw, rm.v[i].rw) < 0) {
			snprintf(err, sizeof(err),
				 "rw: unknown RW \"%s\" (not in the RW layer, "
				 "[data] rw)",
				 rm.v[i].rw);
			reject_later(F, INGEST_BAD_FIELD, err, len, "rw_state",
				     rm.source);
			snprintf(reason, reasonlen, "%s", err);
			rwstate_msg_clear(&rm);
			return -1;
		}
	before = calloc(rm.n + 1, sizeof(int));
	if (before == NULL) {
		rwstate_msg_clear(&rm);
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < rm.n; i++)
		before[i] = rwstate_get(F->rw, rm.source, rm.v[i].rw);
	rc = rwstate_ingest(F->rw, &rm, now, &reps, &n, err, sizeof(err));
	if (rc) {
		reject_later(F, INGEST_BAD_FIELD, err, len, "rw_state",
			     rm.source);
		snprintf(reason, reasonlen, "%s", err);
		free(before);
		rwstate_msg_clear(&rm);
		return -1;
	}
	fed(F);
	for (size_t i = 0; i < rm.n; i++) {
		int to = rwstate_get(F->rw, rm.source, rm.v[i].rw);
		if (to == before[i])
			continue;
		event_later(F, "rw.state",
			    json_pack("{s:s,s:s,s:i,s:i,s:s,s:s?}", "source",
				      rm.source, "rw", rm.v[i].rw, "from",
				      before[i], "to", to, "move",
				      rwstate_move_name(
					      rwstate_step(before[i], to)),
				      "source_id", rw_key(reps, n, rm.v[i].rw)));
	}
	free(before);
	for (size_t i = 0; i < n; i++) {
		ingest_msg m;
		memset(&m, 0, sizeof(m));
		m.rep = reps[i];
		memset(&reps[i], 0, sizeof(reps[i]));
		m.rep.origin = ORIGIN_RW_STATE;
		rw_severity(P->cfg, &m.rep.severity);
		m.json = ingest_report_to_json(&m.rep);
		if (m.json == NULL) {
			ingest_msg_clear(&m);
			continue;
		}
		m.hash = ingest_hash_json(m.json);
		if (m.rep.action != REPORT_CANCEL)
			m.has = INGEST_HAS_TYPE | INGEST_HAS_SEVERITY |
				INGEST_HAS_FOOTPRINT | INGEST_HAS_TIME |
				(m.rep.title ? INGEST_HAS_TITLE : 0);
		/* the journal and the inbox keep each report's own JSON (what
		 * the inbox decides again after a crash), so a 3,000-RW
		 * snapshot is not stored 3,000 times either */
		char *own = json_dumps(m.json, JSON_COMPACT);
		if (own)
			queue_msg(F, &m, own, strlen(own), "rw_state", sf, NULL);
		else
			ingest_msg_clear(&m);
		free(own);
	}
	rwstate_reports_free(reps, n);
	if (n == 0)
		snprintf(reason, reasonlen, "RW states of %s: no change",
			 rm.source);
	rwstate_msg_clear(&rm);
	return n ? 0 : 1;
}

/* ---- water gates ------------------------------------------------------------------- */

/* Shelters and depots in the kelurahan of codes (sorted). */
static json_t *
ids_in(const engine *E, const uint32_t *codes, size_t n, int depots)
{
	json_t *a = json_array();
	size_t cnt = depots ? E->ndep : E->nsh;
	for (size_t i = 0; i < cnt; i++) {
		uint32_t k = depots ? E->dep[i].kel : E->sh[i].kel;
		const char *id = depots ? E->dep[i].id : E->sh[i].id;
		for (size_t j = 0; j < n; j++)
			if (codes[j] == k) {
				json_array_append_new(a, json_string(id));
				break;
			}
	}
	return a;
}

static json_t *
codes_json(const uint32_t *codes, size_t n)
{
	json_t *a = json_array();
	char b[GEO_KEL_BUFLEN];
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(geo_kel_format(codes[i], b)));
	return a;
}

static int
take_gate(feedwire *F, const char *buf, size_t len, char *reason,
	  size_t reasonlen)
{
	posko *P = F->P;
	gate_msg gm;
	gate_result gr;
	char err[512], hash[17];
	int rc;
	size_t off = 0;

	if (F->gates == NULL) {
		snprintf(err, sizeof(err),
			 "gate: no water-gate layer is configured ([data] "
			 "floodgates)");
		reject_later(F, INGEST_BAD_FIELD, err, len, "gate", NULL);
		snprintf(reason, reasonlen, "%s", err);
		return -1;
	}
	rc = gate_parse(buf, len, F->gates, &gm, err, sizeof(err));
	if (rc == 0) {
		rc = gate_ingest(F->gates, &gm, P->cfg, time(NULL), &gr, err,
				 sizeof(err));
		if (rc)
			gate_msg_clear(&gm);
	}
	if (rc) {
		reject_later(F, rc == GATE_EJSON ? INGEST_BAD_JSON
						 : INGEST_BAD_FIELD,
			     err, len, "gate", NULL);
		snprintf(reason, reasonlen, "%s", err);
		return -1;
	}
	fed(F);
	ingest_hash_hex(ingest_hash_bytes(buf, len), hash);
	for (size_t i = 0; i < gr.nreports; i++) {
		const posko_report *r = &gr.reports[i];
		pend *p = pend_add(F, P_JOURNAL);
		if (p) {
			p->src = xstrdup(r->source);
			p->sid = xstrdup(r->source_id);
			p->action = report_action_name(r->action);
			memcpy(p->hash, hash, sizeof(hash));
			p->raw = malloc(len + 1);
			if (p->raw) {
				memcpy(p->raw, buf, len);
				p->raw[len] = '\0';
				p->rawlen = len;
			}
			p->level = r->action == REPORT_CANCEL
					   ? 0
					   : r->severity.value;
		}
		p = pend_add(F, P_GATE);
		if (p) {
			p->src = xstrdup(r->source);
			p->sid = xstrdup(r->source_id);
			p->level = r->action == REPORT_CANCEL
					   ? 0
					   : r->severity.value;
		}
	}
	const char *gname = NULL;
	int glevel = 0;
	for (size_t i = 0; i < gr.nchanges; i++) {
		const gate_change *c = &gr.changes[i];
		int h = -1;
		char t[32];
		for (size_t j = 0; j < gm.n; j++)
			if (gm.v[j].gate == c->gate)
				h = gm.v[j].height_cm;
		gname = gate_name(F->gates, c->gate);
		glevel = c->to;
		json_t *b = json_pack("{s:s,s:s,s:i,s:i,s:s}", "source",
				      gm.source, "gate", gname, "from", c->from,
				      "to", c->to, "changed",
				      store_time(c->time ? c->time : time(NULL),
						 t));
		if (b && h >= 0)
			json_object_set_new(b, "height_cm", json_integer(h));
		event_later(F, "gate.level", b);
		off += (size_t)snprintf(reason + (off < reasonlen ? off : 0),
					off < reasonlen ? reasonlen - off : 0,
					"%s%s %d->%d", i ? ", " : "", gname,
					c->from, c->to);
	}
	if (gr.nwatch_on)
		event_later(F, "watch.on",
			    json_pack("{s:s?,s:i,s:o,s:o,s:o}", "gate", gname,
				      "level", glevel, "kelurahan",
				      codes_json(gr.watch_on, gr.nwatch_on),
				      "shelters",
				      ids_in(&P->E, gr.watch_on, gr.nwatch_on,
					     0),
				      "depots",
				      ids_in(&P->E, gr.watch_on, gr.nwatch_on,
					     1)));
	if (gr.nwatch_off)
		event_later(F, "watch.off",
			    json_pack("{s:s?,s:i,s:o,s:o,s:o}", "gate", gname,
				      "level", glevel, "kelurahan",
				      codes_json(gr.watch_off, gr.nwatch_off),
				      "shelters",
				      ids_in(&P->E, gr.watch_off,
					     gr.nwatch_off, 0),
				      "depots",
				      ids_in(&P->E, gr.watch_off,
					     gr.nwatch_off, 1)));
	if (gr.nchanges == 0)
		snprintf(reason, reasonlen, "gate levels: no change");
	log_info("gate levels from %s: %zu changes, %zu on watch, %zu off",
		 gm.source, gr.nchanges, gr.nwatch_on, gr.nwatch_off);
	gate_result_clear(&gr);
	gate_msg_clear(&gm);
	return 1;
}

/* ---- ingest entry points ------------------------------------------------------------- */

/* -1 rejected, 0 queued (decisions follow), 1 done now. */
static int
take(feedwire *F, int kind, const char *buf, size_t len, sfile *sf,
     char *reason, size_t reasonlen)
{
	switch (kind) {
	case K_RW:
		return take_rw(F, buf, len, sf, reason, reasonlen);
	case K_GATE:
		return take_gate(F, buf, len, reason, reasonlen);
	case K_CAP:
		return take_report(F, buf, len, 1, sf, reason, reasonlen);
	default:
		return take_report(F, buf, len, 0, sf, reason, reasonlen);
	}
}

int
feedwire_ingest(posko *P, const char *buf, size_t len)
{
	feedwire *F = FW(P);
	char reason[512];
	int kind;

	if (F == NULL || len > P->cfg->daemon.max_message_bytes)
		return 0;
	kind = classify(buf, len);
	if (kind == K_OTHER)
		return 0;
	take(F, kind, buf, len, NULL, reason, sizeof(reason));
	kick(F);
	return 1;
}

static spool_verdict_t
on_spool_file(void *data, spool *s, const char *name, const char *buf,
	      size_t len, char *reason, size_t reasonlen)
{
	feedwire *F = data;
	sfile *sf;
	int rc;

	(void)s;
	if (F->P->stopping) {
		snprintf(reason, reasonlen, "poskod was stopping; drop it again");
		return SPOOL_FAILED;
	}
	sf = sfile_new(name);
	if (sf == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return SPOOL_FAILED;
	}
	reason[0] = '\0';
	F->P->received++;
	rc = take(F, classify(buf, len), buf, len, sf, reason, reasonlen);
	kick(F);
	if (rc != 0 || sf->left == 0) {
		int failed = rc < 0 || sf->failed;
		if (!failed && reason[0] == '\0')
			snprintf(reason, reasonlen, "%s", sf->reason);
		/* no ticket points at sf when nothing was queued */
		if (sf->left == 0)
			sfile_free(sf);
		else
			sf->queued = 1; /* cannot happen: rc 0 only */
		return failed ? SPOOL_FAILED : SPOOL_DONE;
	}
	sf->queued = 1;
	sf->next = F->files;
	F->files = sf;
	log_info("spool %s: queued", name);
	return SPOOL_PENDING;
}

static void
on_spool_error(void *data, const char *name, const char *msg)
{
	(void)data;
	log_warnx("spool %s: %s", name ? name : "-", msg);
}

/* ---- sitrep ---------------------------------------------------------------------------- */

/* Strings the sitrep borrows, kept until it is written. */
typedef struct pool {
	char **s;
	size_t n, cap;
} pool;

static const char *
pool_add(pool *p, const unsigned char *s)
{
	char *d;
	if (s == NULL)
		return NULL;
	if (p->n == p->cap) {
		size_t c = p->cap ? p->cap * 2 : 64;
		char **x = realloc(p->s, c * sizeof(char *));
		if (x == NULL)
			return NULL;
		p->s = x;
		p->cap = c;
	}
	d = strdup((const char *)s);
	if (d)
		p->s[p->n++] = d;
	return d;
}

static void
pool_free(pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->s[i]);
	free(p->s);
}

typedef struct built {
	sitrep s;
	pool strs;
	sitrep_incident *inc;
	sitrep_kelurahan *kel;
	sitrep_shelter *sh;
	sitrep_need *need;
} built;

static void
built_free(built *b)
{
	pool_free(&b->strs);
	free(b->inc);
	free(b->kel);
	free(b->sh);
	free(b->need);
}

static void
severity_from_json(const char *text, report_severity *out)
{
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	json_t *v;
	memset(out, 0, sizeof(*out));
	if ((v = json_object_get(o, "siaga"))) {
		out->kind = SEV_SIAGA;
		out->value = (int)json_integer_value(v);
	} else if ((v = json_object_get(o, "depth_cm"))) {
		out->kind = SEV_DEPTH_CM;
		out->value = (int)json_integer_value(v);
	} else if ((v = json_object_get(o, "rw_state"))) {
		out->kind = SEV_RW_STATE;
		out->value = (int)json_integer_value(v);
	} else if ((v = json_object_get(o, "evacuate"))) {
		out->kind = SEV_EVACUATE;
		out->value = 1;
	} else if ((v = json_object_get(o, "level"))) {
		static const char *const lv[] = {"minor", "moderate", "severe",
						 "extreme"};
		const char *s = json_string_value(v);
		for (int i = 0; s && i < 4; i++)
			if (strcmp(s, lv[i]) == 0) {
				out->kind = SEV_LEVEL;
				out->value = i + 1;
			}
	}
	json_decref(o);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int
cmp_kelsum(const void *a, const void *b)
{
	return cmp_u32(&((const kelsum *)a)->code, &((const kelsum *)b)->code);
}

/* Count evacuee e (count_evacuee) into its kelurahan's row of the sorted
 * ks. 0 or -1. */
static int
kelsum_add(kelsum **ks, size_t *nk, size_t *kcap,
	   const struct alloc_evacuee *e)
{
	kelsum key = {.code = e->hh.kelurahan}, *k;
	k = *nk ? bsearch(&key, *ks, *nk, sizeof(**ks), cmp_kelsum) : NULL;
	if (k == NULL) {
		if (*nk == *kcap) {
			size_t c = *kcap ? *kcap * 2 : 64;
			kelsum *x = realloc(*ks, c * sizeof(*x));
			if (x == NULL)
				return -1;
			*ks = x;
			*kcap = c;
		}
		(*ks)[(*nk)++] = key;
		qsort(*ks, *nk, sizeof(**ks), cmp_kelsum);
		k = bsearch(&key, *ks, *nk, sizeof(**ks), cmp_kelsum);
	}
	count_evacuee(&k->c, e);
	return 0;
}

/* People per kelurahan of origin from the plan: the open incidents' own
 * evacuees, not every evacuee the plan ever held (closed incidents stay in
 * it; exercises never enter it). Token free only. */
static void
kel_refresh(feedwire *F)
{
	posko *P = F->P;
	const struct alloc_plan *pl = &P->E.plan;
	kelsum *ks = NULL;
	size_t nk = 0, kcap = 0;

	if (P->busy || !P->E.plan_ok || (F->kel_ok && F->kel_rev == pl->rev))
		return;
	const uint32_t *open;
	size_t nopen = alloc_plan_open_incidents(pl, &open);
	for (size_t j = 0; j < nopen; j++) {
		const uint32_t *iv;
		size_t niv = alloc_plan_incident_evacuees(pl, open[j], &iv);
		for (size_t t = 0; t < niv; t++)
			if (kelsum_add(&ks, &nk, &kcap, &pl->evacuees[iv[t]])) {
				free(ks);
				return;
			}
	}
	free(F->kel);
	F->kel = ks;
	F->nkel = nk;
	F->kel_rev = pl->rev;
	F->kel_ok = 1;
}

#define GROW(arr, n, cap)                                                   \
	do {                                                                \
		if ((n) == (cap)) {                                         \
			size_t c_ = (cap) ? (cap) * 2 : 32;                 \
			void *x_ = realloc((arr), c_ * sizeof(*(arr)));     \
			if (x_ == NULL)                                     \
				goto fail;                                  \
			(arr) = x_;                                         \
			(cap) = c_;                                         \
		}                                                           \
	} while (0)

static int
build_sitrep(feedwire *F, built *b, uint64_t seq)
{
	posko *P = F->P;
	store *db = P->rdb;
	size_t cap = 0;
	sqlite3_stmt *st;
	char today[16];
	time_t now = time(NULL);

	memset(b, 0, sizeof(*b));
	kel_refresh(F);
	b->s.generated = now;
	b->s.utc_offset_min = WIB_MIN;
	b->s.office = P->cfg->cap.sender_name;
	b->s.seq = seq;
	{
		time_t t = now + WIB_MIN * 60;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	}
	st = store_stmt(db,
			"SELECT id, source, source_id, type, title,"
			" state='open', exercise, severity, opened, closed,"
			" affected_hh, affected_p, evac_hh, evac_p, placed_hh,"
			" placed_p, unplaced_hh, unplaced_p FROM incidents"
			" WHERE state='open' OR closed >="
			" strftime('%Y-%m-%dT%H:%M:%SZ','now','-1 day')"
			" ORDER BY id");
	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(b->inc, b->s.nincidents, cap);
		sitrep_incident *x = &b->inc[b->s.nincidents++];
		memset(x, 0, sizeof(*x));
		x->id = (uint64_t)sqlite3_column_int64(st, 0);
		x->source = pool_add(&b->strs, sqlite3_column_text(st, 1));
		x->source_id = pool_add(&b->strs, sqlite3_column_text(st, 2));
		int t = incident_type_parse(
			(const char *)sqlite3_column_text(st, 3));
		x->type = t < 0 ? INCIDENT_OTHER : (incident_type)t;
		x->title = pool_add(&b->strs, sqlite3_column_text(st, 4));
		x->open = sqlite3_column_int(st, 5);
		x->exercise = sqlite3_column_int(st, 6);
		severity_from_json((const char *)sqlite3_column_text(st, 7),
				   &x->severity);
		if (sqlite3_column_text(st, 8))
			ingest_parse_time(
				(const char *)sqlite3_column_text(st, 8),
				&x->opened);
		if (sqlite3_column_text(st, 9))
			ingest_parse_time(
				(const char *)sqlite3_column_text(st, 9),
				&x->closed);
		x->affected.households = (uint32_t)sqlite3_column_int64(st, 10);
		x->affected.persons = (uint32_t)sqlite3_column_int64(st, 11);
		x->evacuees.households = (uint32_t)sqlite3_column_int64(st, 12);
		x->evacuees.persons = (uint32_t)sqlite3_column_int64(st, 13);
		x->placed.households = (uint32_t)sqlite3_column_int64(st, 14);
		x->placed.persons = (uint32_t)sqlite3_column_int64(st, 15);
		x->unplaced.households = (uint32_t)sqlite3_column_int64(st, 16);
		x->unplaced.persons = (uint32_t)sqlite3_column_int64(st, 17);
	}
	sqlite3_reset(st);
	b->s.incidents = b->inc;

	b->kel = calloc(F->nkel + 1, sizeof(*b->kel));
	if (b->kel == NULL)
		goto fail;
	for (size_t i = 0; i < F->nkel; i++) {
		const kelsum *k = &F->kel[i];
		sitrep_kelurahan *x = &b->kel[b->s.nkelurahan];
		if (k->code < 1000000000u)
			continue; /* households without a kelurahan code */
		x->code = k->code;
		if (P->E.kel) {
			long a = geo_areaset_find_kel(P->E.kel, k->code);
			const geo_area *g =
				a >= 0 ? geo_areaset_get(P->E.kel, (size_t)a)
				       : NULL;
			if (g && g->name[0])
				x->name = g->name;
		}
		x->affected.households = (uint32_t)k->c.aff_hh;
		x->affected.persons = (uint32_t)k->c.aff_p;
		x->evacuees.households = (uint32_t)k->c.ev_hh;
		x->evacuees.persons = (uint32_t)k->c.ev_p;
		x->unplaced.households = (uint32_t)k->c.un_hh;
		x->unplaced.persons = (uint32_t)k->c.un_p;
		b->s.nkelurahan++;
	}
	b->s.kelurahan = b->kel;

	cap = 0;
	st = store_stmt(
		db, "SELECT s.id, s.name, s.kind, s.kel, s.lon, s.lat,"
		    " s.state, s.accessible, s.capacity,"
		    " coalesce(sum(a.persons),0),"
		    " coalesce(sum(a.persons) FILTER (WHERE"
		    " a.status='present'),0),"
		    " count(a.id)"
		    /* the live rows only: the term of the partial index
		     * assignments_sh_live (store.c 5 -> 6), which ended
		     * rows do not enter */
		    " FROM shelters s LEFT JOIN assignments a ON a.shelter=s.id"
		    " AND a.status IN ('registered','present')"
		    " GROUP BY s.id ORDER BY s.id");
	if (st == NULL)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(b->sh, b->s.nshelters, cap);
		sitrep_shelter *x = &b->sh[b->s.nshelters++];
		memset(x, 0, sizeof(*x));
		x->id = pool_add(&b->strs, sqlite3_column_text(st, 0));
		x->name = pool_add(&b->strs, sqlite3_column_text(st, 1));
		x->kind = pool_add(&b->strs, sqlite3_column_text(st, 2));
		x->kelurahan = (uint32_t)sqlite3_column_int64(st, 3);
		x->lon = sqlite3_column_double(st, 4);
		x->lat = sqlite3_column_double(st, 5);
		x->accessible = sqlite3_column_int(st, 7);
		x->capacity = (uint32_t)sqlite3_column_int64(st, 8);
		x->registered = (uint32_t)sqlite3_column_int64(st, 9);
		x->present = (uint32_t)sqlite3_column_int64(st, 10);
		x->households = (uint32_t)sqlite3_column_int64(st, 11);
		const char *state = (const char *)sqlite3_column_text(st, 6);
		x->state = state && strcmp(state, "closed") == 0 ? "closed"
			   : x->capacity && x->registered >= x->capacity
				   ? "full"
				   : "open";
	}
	sqlite3_reset(st);
	b->s.shelters = b->sh;

	cap = 0;
	st = store_stmt(
		db, "SELECT shelter, item, sum(res), sum(del), sum(short) FROM"
		    " (SELECT d.shelter, d.item, CASE WHEN d.status='planned'"
		    " THEN d.qty ELSE 0 END AS res, CASE WHEN"
		    " d.status='confirmed' THEN d.qty ELSE 0 END AS del,"
		    " 0 AS short FROM dispatches d JOIN incidents i ON"
		    " i.id=d.incident WHERE i.state='open' AND d.day=?1"
		    " UNION ALL SELECT s.shelter, s.item, 0, 0, s.deficit FROM"
		    " shortages s JOIN incidents i ON i.id=s.incident WHERE"
		    " i.state='open' AND s.day=?1)"
		    " GROUP BY shelter, item ORDER BY shelter, item");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(b->need, b->s.nneeds, cap);
		sitrep_need *x = &b->need[b->s.nneeds++];
		memset(x, 0, sizeof(*x));
		x->shelter = pool_add(&b->strs, sqlite3_column_text(st, 0));
		x->item = pool_add(&b->strs, sqlite3_column_text(st, 1));
		x->reserved = (uint64_t)sqlite3_column_int64(st, 2);
		x->delivered = (uint64_t)sqlite3_column_int64(st, 3);
		x->shortage = (uint64_t)sqlite3_column_int64(st, 4);
		x->needed = x->reserved + x->delivered + x->shortage;
		long k = x->shelter ? engine_shelter_find(&P->E, x->shelter)
				    : -1;
		x->kelurahan = k >= 0 ? P->E.sh[k].kel : 0;
		if (x->item == NULL)
			b->s.nneeds--;
	}
	sqlite3_reset(st);
	b->s.needs = b->need;
	return 0;
fail:
	if (st)
		sqlite3_reset(st);
	built_free(b);
	memset(b, 0, sizeof(*b));
	return -1;
}

/* The sitrep files of a timed report; names appended to files. Returns
 * the totals object of the JSON (new reference) or NULL. */
static json_t *
write_sitrep(feedwire *F, built *b, json_t *files, char *date, size_t dlen)
{
	const posko_config *c = F->P->cfg;
	static const char *const tables[] = {"kelurahan", "shelters", "needs",
					     "incidents"};
	char *txt = NULL, err[256], name[128];
	size_t len;
	json_t *totals = NULL;

	sitrep_date(&b->s, date, dlen);
	if (sitrep_json(&b->s, &txt, &len, err, sizeof(err))) {
		log_warnx("sitrep: %s", err);
		return NULL;
	}
	json_t *o = json_loadb(txt, len, 0, NULL);
	totals = json_incref(json_object_get(o, "totals"));
	json_decref(o);
	snprintf(name, sizeof(name), "sitrep-%s-%llu.json", date,
		 (unsigned long long)b->s.seq);
	if (spool_write_atomic(c->feed.sitrep_dir, name, txt, len, err,
			       sizeof(err)))
		log_warnx("sitrep: %s", err);
	else
		json_array_append_new(files, json_string(name));
	free(txt);
	if (sitrep_geojson(&b->s, &txt, &len, err, sizeof(err)) == 0) {
		snprintf(name, sizeof(name), "sitrep-%s-%llu.geojson", date,
			 (unsigned long long)b->s.seq);
		if (spool_write_atomic(c->feed.sitrep_dir, name, txt, len,
				       err, sizeof(err)))
			log_warnx("sitrep: %s", err);
		else
			json_array_append_new(files, json_string(name));
		free(txt);
	}
	for (size_t i = 0; i < 4; i++) {
		if (hxl_table(tables[i])(&b->s, &txt, &len, err, sizeof(err)))
			continue;
		snprintf(name, sizeof(name), "hxl-%s-%s-%llu.csv", tables[i],
			 date, (unsigned long long)b->s.seq);
		if (spool_write_atomic(c->feed.sitrep_dir, name, txt, len,
				       err, sizeof(err)))
			log_warnx("sitrep: %s", err);
		else
			json_array_append_new(files, json_string(name));
		free(txt);
	}
	return totals;
}

/* Inside the flush transaction. */
static int
timed_sitrep(feedwire *F)
{
	built b;
	char date[16];
	json_t *files = json_array();
	if (build_sitrep(F, &b, F->sitrep_seq + 1)) {
		json_decref(files);
		log_warnx("sitrep: could not read the state");
		return 0; /* not a reason to roll back the rest */
	}
	F->sitrep_seq++;
	json_t *totals = write_sitrep(F, &b, files, date, sizeof(date));
	built_free(&b);
	log_info("sitrep %llu published (%zu files)",
		 (unsigned long long)F->sitrep_seq, json_array_size(files));
	return emit(&F->P->E, "sitrep.published",
		    json_pack("{s:I,s:s,s:o,s:o}", "seq",
			      (json_int_t)F->sitrep_seq, "date", date, "files",
			      files, "totals", totals ? totals : json_object()));
}

/* ---- CAP out ----------------------------------------------------------------------------- */

typedef struct caprow caprow;

struct caprow {
	int64_t id;
	char topic[24];
	char subject[72];
	char time[32];
	json_t *body;
};

static void
caprows_free(caprow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(rows[i].body);
	free(rows);
}

typedef struct capfile {
	struct capfile *next;
	char name[CAP_ID_MAX + 8];
	char *xml;
	size_t len;
	int failed, sync_failed, invalid; /* set by the writer */
	char err[256], why_invalid[256];
} capfile;

static void
capfiles_free(capfile *c)
{
	while (c) {
		capfile *n = c->next;
		free(c->xml);
		free(c);
		c = n;
	}
}

/* On the background thread (daemon/bgjob.h: below the decisions' CPU
 * priority; nobody waits on these files): the files of cap_doing, then
 * one fsync of the directory (not one per file). Touches only cap_doing
 * and cap_dir. */
static void
cap_write_work(bgjob_req *w)
{
	feedwire *F = w->data;
	for (capfile *c = F->cap_doing; c; c = c->next) {
		/* a self-check against the shipped XSD (a validation context
		 * of its own on the schema parsed at start) */
		if (F->P->cap)
			c->invalid = cap_check(F->P->cap, c->xml, c->len, 0,
					       c->why_invalid,
					       sizeof(c->why_invalid)) != 0;
		c->failed = spool_write_nosync(F->cap_dir, c->name, c->xml,
					       c->len, c->err,
					       sizeof(c->err)) != 0;
		if (c->next == NULL && !c->failed)
			c->sync_failed = spool_sync_dir(F->cap_dir, c->err,
							sizeof(c->err)) != 0;
	}
}

static void cap_write_start(feedwire *F);

static void
cap_write_done(bgjob_req *w)
{
	feedwire *F = w->data;
	capfile *files = F->cap_doing;

	size_t nfiles = 0, nwaiting = 0;

	F->cap_doing = NULL;
	F->cap_busy = 0;
	for (capfile *c = F->cap_next; c; c = c->next)
		nwaiting++;
	for (capfile *c = files; c; c = c->next) {
		nfiles++;
		if (c->invalid)
			log_warnx("CAP out %s: not valid CAP 1.2: %s", c->name,
				  c->why_invalid);
		if (c->failed || c->sync_failed)
			log_warnx("CAP outbox: %s", c->err);
		if (!c->failed)
			log_info("CAP out: %s", c->name);
	}
	/* how the writer keeps up: a growing "waiting" means it does not */
	log_debug("CAP out: %zu files written in %.1f ms, %zu waiting", nfiles,
		  (uv_hrtime() - F->cap_t0) / 1e6, nwaiting);
	capfiles_free(files);
	cap_write_start(F);
}

/* Hand the waiting files to the writer unless it is busy (it takes them
 * when it is done). */
static void
cap_write_start(feedwire *F)
{
	if (F->cap_busy || F->cap_next == NULL)
		return;
	snprintf(F->cap_dir, sizeof(F->cap_dir), "%s",
		 F->P->cfg->cap.outbox_dir);
	F->cap_doing = F->cap_next;
	F->cap_next = NULL;
	F->cap_busy = 1;
	F->cap_t0 = uv_hrtime();
	F->cap_work.data = F;
	if (bgjob_queue(F->P->bg, &F->cap_work, cap_write_work,
			cap_write_done)) {
		cap_write_work(&F->cap_work); /* closed: write them here */
		cap_write_done(&F->cap_work);
	}
}

static int
chain_load(feedwire *F, const char *topic, const char *subject, cap_chain *c)
{
	sqlite3_stmt *st = store_stmt(
		F->P->wdb, "SELECT open, seq, first_alert, root_id, root_sent,"
			   " last_id, last_sent FROM feed_cap WHERE topic=?"
			   " AND subject=?");
	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->open = sqlite3_column_int(st, 0);
		c->seq = (unsigned)sqlite3_column_int(st, 1);
		c->first_alert = (uint64_t)sqlite3_column_int64(st, 2);
		snprintf(c->root.identifier, sizeof(c->root.identifier), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		c->root.sent = (time_t)sqlite3_column_int64(st, 4);
		snprintf(c->last.identifier, sizeof(c->last.identifier), "%s",
			 (const char *)sqlite3_column_text(st, 5));
		c->last.sent = (time_t)sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return 0;
}

static int
chain_save(feedwire *F, const char *topic, const char *subject,
	   const cap_chain *c, const char *msg_type, const char *xml)
{
	sqlite3_stmt *st = store_stmt(
		F->P->wdb,
		"INSERT OR REPLACE INTO feed_cap (topic, subject, open, seq,"
		" first_alert, root_id, root_sent, last_id, last_sent,"
		" msg_type, xml) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, c->open);
	sqlite3_bind_int(st, 4, (int)c->seq);
	sqlite3_bind_int64(st, 5, (int64_t)c->first_alert);
	sqlite3_bind_text(st, 6, c->root.identifier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)c->root.sent);
	sqlite3_bind_text(st, 8, c->last.identifier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (int64_t)c->last.sent);
	sqlite3_bind_text(st, 10, msg_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, xml, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

static const char *
num(pool *p, json_t *v)
{
	char b[48];
	if (json_is_integer(v))
		snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(b, sizeof(b), "%.1f", json_real_value(v));
	else if (json_is_string(v))
		snprintf(b, sizeof(b), "%s", json_string_value(v));
	else
		return NULL;
	return pool_add(p, (const unsigned char *)b);
}

/* One CAP message for the last event of a subject. */
static int
cap_one(feedwire *F, const caprow *r, capfile **files)
{
	posko *P = F->P;
	const posko_config *c = P->cfg;
	cap_chain ch;
	cap_ref refs[2];
	size_t nrefs = 0;
	cap_msg_type type;
	char ident[CAP_ID_MAX], err[256];
	const char *state = json_string_value(json_object_get(r->body, "state"));
	int raised = state && strcmp(state, "raised") == 0;
	int64_t alert = json_integer_value(json_object_get(r->body, "alert"));
	time_t sent = 0;
	pool p = {0};
	cap_param params[8];
	size_t np = 0;
	uint32_t kels[32];
	size_t nk = 0;
	char *xml = NULL;
	size_t len = 0;
	int rc = -1;

	if (ingest_parse_time(r->time, &sent))
		sent = time(NULL);
	if (chain_load(F, r->topic, r->subject, &ch))
		return -1;
	int ev = raised ? (ch.open ? CAP_CHAIN_CHANGE : CAP_CHAIN_RAISE)
			: CAP_CHAIN_CLEAR;
	int n = cap_chain_next(&ch, (cap_chain_event)ev, F->host,
			       (uint64_t)alert, sent, &type, ident, refs,
			       &nrefs);
	if (n == 1)
		return 0;
	if (n < 0)
		return -1;
	cap_alert_out a = {
		.sender = c->cap.sender,
		.sender_name = c->cap.sender_name,
		.identifier = ident,
		.sent = sent,
		.utc_offset_min = WIB_MIN,
		.msg_type = type,
		.refs = refs,
		.nrefs = nrefs,
		.topic = r->topic,
		.kind = json_string_value(json_object_get(r->body, "kind")),
		.level = json_string_value(json_object_get(r->body, "level")),
		.alert_id = (uint64_t)alert,
		.params = params,
	};
	if (a.kind == NULL)
		a.kind = "unknown";
	if (a.level == NULL)
		a.level = "warn";
	if (strcmp(r->topic, "alert.shelter") == 0) {
		static const char *const keys[] = {"shelter", "registered",
						   "capacity", "percent"};
		for (size_t i = 0; i < 4; i++) {
			const char *v =
				num(&p, json_object_get(r->body, keys[i]));
			if (v)
				params[np++] = (cap_param){keys[i], v};
		}
		sqlite3_stmt *st = store_stmt(
			P->wdb, "SELECT name, lon, lat, kel FROM shelters"
				" WHERE id=?");
		if (st) {
			sqlite3_bind_text(st, 1, r->subject, -1,
					  SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				a.area_desc = pool_add(
					&p, sqlite3_column_text(st, 0));
				a.has_point = 1;
				a.lon = sqlite3_column_double(st, 1);
				a.lat = sqlite3_column_double(st, 2);
				kels[nk] = (uint32_t)sqlite3_column_int64(st, 3);
				if (kels[nk])
					nk++;
			}
			sqlite3_reset(st);
		}
	} else {
		static const char *const keys[] = {"incident", "households",
						   "persons"};
		for (size_t i = 0; i < 3; i++) {
			const char *v =
				num(&p, json_object_get(r->body, keys[i]));
			if (v)
				params[np++] = (cap_param){keys[i], v};
		}
		/* where the families without a place come from */
		uint32_t inc = (uint32_t)json_integer_value(
			json_object_get(r->body, "incident"));
		const uint32_t *ix = NULL;
		size_t nix = P->E.plan_ok ? alloc_plan_incident_evacuees(
						    &P->E.plan, inc, &ix)
					  : 0;
		for (size_t i = 0;
		     i < nix && nk < sizeof(kels) / sizeof(kels[0]); i++) {
			const struct alloc_evacuee *e =
				&P->E.plan.evacuees[ix[i]];
			size_t j;
			if (e->status != ALLOC_ST_UNPLACED ||
			    e->hh.kelurahan == 0)
				continue;
			for (j = 0; j < nk && kels[j] != e->hh.kelurahan; j++)
				;
			if (j == nk)
				kels[nk++] = e->hh.kelurahan;
		}
		if (nk) {
			char d[96];
			snprintf(d, sizeof(d),
				 "Kelurahan asal pengungsi, kejadian %u", inc);
			a.area_desc = pool_add(&p, (const unsigned char *)d);
		}
	}
	a.nparams = np;
	if (nk && a.area_desc) {
		a.kelurahan = kels;
		a.nkelurahan = nk;
	}
	if (cap_write_alert(&a, &xml, &len, err, sizeof(err))) {
		log_warnx("CAP out %s %s: %s", r->topic, r->subject, err);
		rc = 0; /* skip this one, keep the rest */
		goto out;
	}
	static const char *const tn[] = {"Alert", "Update", "Cancel"};
	json_t *rl = json_array();
	for (size_t i = 0; i < nrefs; i++)
		json_array_append_new(rl, json_string(refs[i].identifier));
	char fname[CAP_ID_MAX + 8];
	snprintf(fname, sizeof(fname), "%s.xml", ident);
	if (emit(&P->E, "cap.alert",
		 json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:s}", "alert",
			   (json_int_t)alert, "topic", r->topic, "subject",
			   r->subject, "identifier", ident, "msg_type",
			   tn[type], "references", rl, "file", fname, "xml",
			   xml)) ||
	    chain_save(F, r->topic, r->subject, &ch, tn[type], xml))
		goto out;
	capfile *cf = calloc(1, sizeof(*cf));
	if (cf) {
		snprintf(cf->name, sizeof(cf->name), "%s", fname);
		cf->xml = xml;
		cf->len = len;
		xml = NULL;
		cf->next = *files;
		*files = cf;
	}
	rc = 0;
out:
	free(xml);
	pool_free(&p);
	return rc;
}

/* Alert events committed since cap_seen become CAP messages: per subject
 * the last event counts (a level change is clear + raise there and one
 * Update here). */
static int
cap_read(feedwire *F, caprow **out, size_t *nout, int64_t *seen)
{
	posko *P = F->P;
	caprow *rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = store_stmt(
		P->wdb, "SELECT id, topic, time, body FROM outbox WHERE id > ?"
			" AND topic IN ('alert.shelter','alert.unplaced')"
			" ORDER BY id");
	*seen = F->cap_seen;
	*out = NULL;
	*nout = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, F->cap_seen);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *b = json_loads(
			(const char *)sqlite3_column_text(st, 3), 0, NULL);
		const char *state = json_string_value(json_object_get(b, "state"));
		*seen = sqlite3_column_int64(st, 0);
		if (!state || (strcmp(state, "raised") && strcmp(state, "cleared"))) {
			json_decref(b);
			continue;
		}
		const char *topic = (const char *)sqlite3_column_text(st, 1);
		char subject[72];
		if (strcmp(topic, "alert.shelter") == 0)
		{
			const char *sh = json_string_value(
				json_object_get(b, "shelter"));
			snprintf(subject, sizeof(subject), "%s", sh ? sh : "?");
		}
		else
			snprintf(subject, sizeof(subject), "%lld",
				 (long long)json_integer_value(
					 json_object_get(b, "incident")));
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(rows[i].topic, topic) == 0 &&
			    strcmp(rows[i].subject, subject) == 0)
				break;
		if (i == n) {
			GROW(rows, n, cap);
			memset(&rows[n], 0, sizeof(rows[n]));
			n++;
		}
		caprow *r = &rows[i];
		json_decref(r->body);
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->topic, sizeof(r->topic), "%s", topic);
		snprintf(r->subject, sizeof(r->subject), "%s", subject);
		snprintf(r->time, sizeof(r->time), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		r->body = b;
	}
	sqlite3_reset(st);
	*out = rows;
	*nout = n;
	return 0;
fail:
	sqlite3_reset(st);
	caprows_free(rows, n);
	return -1;
}

/* ---- the flush ------------------------------------------------------------------------------ */

static int
meta_set(feedwire *F, const char *key, int64_t v)
{
	sqlite3_stmt *st = store_stmt(F->P->wdb,
				      "INSERT OR REPLACE INTO feed_meta (key,"
				      " value) VALUES (?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

static int
pend_write(feedwire *F, pend *p)
{
	engine *E = &F->P->E;
	store *db = F->P->wdb;
	char t[32];
	sqlite3_stmt *st;
	int rc = 0;

	switch (p->kind) {
	case P_EVENT:
		rc = emit(E, p->topic, json_incref(p->body));
		break;
	case P_REJECT:
		rc = engine_reject(E, &p->e, p->bytes, p->origin);
		break;
	case P_JOURNAL: {
		store_journal j = {.origin = "gate",
				   .source = p->src,
				   .source_id = p->sid,
				   .action = p->action,
				   .hash = p->hash,
				   .raw = p->raw ? p->raw : "",
				   .rawlen = p->raw ? p->rawlen : 0,
				   .today = engine_day(time(NULL))};
		if (store_journal_add(db, &j) < 0)
			return -1;
		/* a gate report is journaled, never decided: no incident */
		rc = emit(E, "ingest.accepted",
			  json_pack("{s:s,s:s,s:s,s:n,s:i,s:s,s:b,s:s,s:n}",
				    "source", p->src, "source_id", p->sid,
				    "action", p->action, "incident",
				    "revision", 0, "hash", p->hash,
				    "duplicate", 0, "origin", "gate",
				    "operator"));
		break;
	}
	case P_EXPIRY:
		st = store_stmt(db, p->t ? "INSERT OR REPLACE INTO feed_expiry"
					   " (source, source_id, expires)"
					   " VALUES (?,?,?)"
					 : "DELETE FROM feed_expiry WHERE"
					   " source=? AND source_id=?");
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, p->src, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->sid, -1, SQLITE_STATIC);
		if (p->t)
			sqlite3_bind_int64(st, 3, (int64_t)p->t);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
		break;
	case P_GATE:
		st = store_stmt(db, p->level ? "INSERT OR REPLACE INTO"
					       " feed_gate (source_id, source,"
					       " level) VALUES (?,?,?)"
					     : "DELETE FROM feed_gate WHERE"
					       " source_id=? AND source=?");
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, p->sid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->src, -1, SQLITE_STATIC);
		if (p->level)
			sqlite3_bind_int(st, 3, p->level);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
		break;
	case P_STALE: {
		int secs = stale_seconds(F->P->cfg);
		json_t *d = json_pack("{s:s,s:i,s:i}", "last_message",
				      store_time(p->t, t), "minutes",
				      (secs + 59) / 60, "seconds", secs);
		if (p->level) {
			if (open_alert(E, "feed.stale", "feed") > 0) {
				json_decref(d);
				break;
			}
			rc = alert_raise(E, "feed.stale", "stale", "feed",
					 "warn", d) < 0
				     ? -1
				     : 0;
			log_warnx("feed.stale raised: no feed message since %s",
				  t);
		} else {
			int64_t id = open_alert(E, "feed.stale", "feed");
			if (id > 0) {
				rc = alert_clear(E, id, "feed.stale", d);
				log_info("feed.stale cleared");
			} else {
				json_decref(d);
			}
		}
		break;
	}
	}
	return rc;
}

void
feedwire_flush(posko *P)
{
	feedwire *F = FW(P);
	capfile *files = NULL;
	int64_t seen = 0;
	int due;

	if (F == NULL || P->busy)
		return;
	/* The per-kelurahan sums walk every evacuee of the plan: after a
	 * batch they are refreshed at most once a second (a sitrep built now
	 * refreshes them itself; a feed.sitrep asked for during a decision
	 * reads them at most a second and a decision old). */
	if (uv_now(P->loop) - F->kel_at >= 1000) {
		kel_refresh(F);
		F->kel_at = uv_now(P->loop);
	}
	due = F->sitrep_due;
	/* anything to do? (the common case after a decision: only the
	 * alert scan, a read: one pass over the events since the last
	 * look, reading the alerts for CAP on the way) */
	caprow *rows = NULL;
	size_t nrows = 0;
	if (cap_read(F, &rows, &nrows, &seen)) {
		log_warnx("feed: store: %s", store_errmsg(P->wdb));
		return;
	}
	int nalerts = seen > F->cap_seen;
	/* Nothing for CAP among the committed events read: the next look
	 * starts after them. (It used to start again at the last alert
	 * every time: a scan growing with every event of a quiet spell.)
	 * In memory only; after a restart the scan starts at the stored
	 * mark and finds the same nothing. Nothing is committed between
	 * the scan and max(id): no decision runs (P->busy), and the loop
	 * is here. */
	if (!nalerts) {
		sqlite3_stmt *st = store_stmt(
			P->wdb, "SELECT coalesce(max(id), 0) FROM outbox");
		if (st && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int64(st, 0) > F->cap_seen)
			F->cap_seen = sqlite3_column_int64(st, 0);
		if (st)
			sqlite3_reset(st);
	}
	if (F->ph == NULL && !nalerts && !due) {
		caprows_free(rows, nrows);
		return;
	}
	if (store_begin(P->wdb)) {
		log_warnx("feed: store: %s", store_errmsg(P->wdb));
		caprows_free(rows, nrows);
		return;
	}
	for (pend *p = F->ph; p; p = p->next)
		if (pend_write(F, p))
			goto fail;
	for (size_t i = 0; i < nrows; i++)
		if (cap_one(F, &rows[i], &files))
			goto fail;
	if (nalerts && meta_set(F, "cap_seen", seen))
		goto fail;
	uint64_t seq0 = F->sitrep_seq;
	if (due && (timed_sitrep(F) ||
		    meta_set(F, "sitrep_seq", (int64_t)F->sitrep_seq))) {
		F->sitrep_seq = seq0;
		goto fail;
	}
	if (store_commit(P->wdb))
		goto fail;
	if (nalerts)
		F->cap_seen = seen;
	F->sitrep_due = 0;
	/* committed: the files go to the writer, after those before them */
	if (files) {
		capfile **tail = &F->cap_next;
		while (*tail)
			tail = &(*tail)->next;
		*tail = files;
		files = NULL;
		cap_write_start(F);
	}
	goto out;
fail:
	log_warnx("feed: writing events failed, dropped: %s",
		  store_errmsg(P->wdb));
	store_rollback(P->wdb);
	F->sitrep_due = 0;
out:
	while (F->ph) {
		pend *p = F->ph;
		F->ph = p->next;
		pend_free(p);
	}
	F->pt = NULL;
	capfiles_free(files);
	caprows_free(rows, nrows);
}

/* ---- timers ---------------------------------------------------------------------------------- */

static int
expiry_ticket(feedwire *F, const char *src, const char *sid)
{
	for (ticket *t = F->tickets; t; t = t->next)
		if (t->expiry && t->src && strcmp(t->src, src) == 0 &&
		    strcmp(t->sid, sid) == 0)
			return 1;
	return 0;
}

/* CAP expires: a cancel for every open CAP incident past its expiry. */
static void
expire(feedwire *F, time_t now)
{
	posko *P = F->P;
	sqlite3_stmt *st = store_stmt(
		P->rdb, "SELECT e.source, e.source_id FROM feed_expiry e JOIN"
			" incidents i ON i.source=e.source AND"
			" i.source_id=e.source_id WHERE i.state='open' AND"
			" e.expires <= ?");
	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, (int64_t)now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *src = (const char *)sqlite3_column_text(st, 0);
		const char *sid = (const char *)sqlite3_column_text(st, 1);
		ingest_msg m;
		ticket *t;
		if (expiry_ticket(F, src, sid))
			continue;
		memset(&m, 0, sizeof(m));
		m.rep.origin = ORIGIN_CAP;
		m.rep.action = REPORT_CANCEL;
		m.rep.source = xstrdup(src);
		m.rep.source_id = xstrdup(sid);
		m.json = ingest_report_to_json(&m.rep);
		if (m.json == NULL) {
			ingest_msg_clear(&m);
			continue;
		}
		json_object_set_new(m.json, "reason", json_string("expires"));
		m.hash = ingest_hash_json(m.json);
		char *raw = json_dumps(m.json, JSON_COMPACT);
		log_info("CAP %s/%s expired: closing it", src, sid);
		if (raw && queue_msg(F, &m, raw, strlen(raw), "cap", NULL, &t) ==
				   0 &&
		    t) {
			t->expiry = 1;
			t->src = xstrdup(src);
			t->sid = xstrdup(sid);
		}
		free(raw);
	}
	sqlite3_reset(st);
}

static void
on_tick(uv_timer_t *h)
{
	feedwire *F = h->data;
	time_t now = time(NULL);
	if (F->P->stopping)
		return;
	stale_step(F, now);
	expire(F, now);
	kick(F);
}

static void
on_sitrep_timer(uv_timer_t *h)
{
	feedwire *F = h->data;
	if (F->P->stopping)
		return;
	F->sitrep_due = 1;
	if (!F->P->busy)
		posko_publish(F->P);
}

/* ---- start / stop ------------------------------------------------------------------------------ */

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS feed_meta (key TEXT PRIMARY KEY,"
	" value INTEGER);"
	"CREATE TABLE IF NOT EXISTS feed_cap (topic TEXT NOT NULL,"
	" subject TEXT NOT NULL, open INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" first_alert INTEGER NOT NULL, root_id TEXT, root_sent INTEGER,"
	" last_id TEXT, last_sent INTEGER, msg_type TEXT, xml TEXT,"
	" PRIMARY KEY (topic, subject));"
	"CREATE TABLE IF NOT EXISTS feed_expiry (source TEXT NOT NULL,"
	" source_id TEXT NOT NULL, expires INTEGER NOT NULL,"
	" PRIMARY KEY (source, source_id));"
	"CREATE TABLE IF NOT EXISTS feed_gate (source_id TEXT NOT NULL,"
	" source TEXT NOT NULL, level INTEGER NOT NULL,"
	" PRIMARY KEY (source_id, source));";

static int64_t
meta_get(store *db, const char *key, int64_t dflt)
{
	sqlite3_stmt *st =
		store_stmt(db, "SELECT value FROM feed_meta WHERE key=?");
	int64_t v = dflt;
	if (st == NULL)
		return dflt;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* One RW-flood incident of the store into the RW table: open, its RWs at
 * the state of its severity (only_new: unless one of them already has a
 * state, set by a message taken since); closed, its RWs back to 0. 1 when
 * the table changed. */
static int
restore_row(feedwire *F, sqlite3_stmt *st, int only_new)
{
	posko *P = F->P;
	const char *src = (const char *)sqlite3_column_text(st, 0);
	const char *sid = (const char *)sqlite3_column_text(st, 1);
	const char *state = (const char *)sqlite3_column_text(st, 4);
	json_t *fp = json_loads((const char *)sqlite3_column_text(st, 2), 0,
				NULL);
	json_t *a = json_object_get(fp, "rw");
	size_t k = json_array_size(a);
	char **ids = calloc(k + 1, sizeof(char *));
	report_severity sev;
	int lvl = 1, changed = 0, fresh = 1;

	severity_from_json((const char *)sqlite3_column_text(st, 3), &sev);
	if (sev.kind == SEV_RW_STATE)
		lvl = sev.value;
	else if (sev.kind == SEV_DEPTH_CM)
		for (int s = 1; s <= 4; s++)
			if (sev.value >= P->cfg->rw_state_cm[s])
				lvl = s;
	for (size_t i = 0; ids && i < k; i++) {
		ids[i] = (char *)json_string_value(json_array_get(a, i));
		if (ids[i] && rwstate_get(F->rw, src, ids[i]) > 0)
			fresh = 0;
	}
	if (ids && k && src && sid && state && strcmp(state, "open") == 0) {
		if ((!only_new || fresh) &&
		    rwstate_restore(F->rw, src, sid, ids, k, lvl) == 0)
			changed = 1;
	} else if (ids && src && sid && state &&
		   rwstate_forget(F->rw, src, sid, ids, k) == 0) {
		changed = 1;
	}
	free(ids);
	json_decref(fp);
	return changed;
}

#define RW_ROW_SQL                                                          \
	"SELECT source, source_id, footprint, severity, state FROM incidents"

/* RW states of the open RW-flood incidents (their footprint and depth). */
static void
restore_rw(feedwire *F)
{
	posko *P = F->P;
	sqlite3_stmt *st = store_stmt(
		P->wdb, RW_ROW_SQL " WHERE state='open' AND source_id LIKE"
				   " 'rwflood-%'");
	size_t n = 0;
	if (st == NULL)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		n += (size_t)restore_row(F, st, 0);
	sqlite3_reset(st);
	if (n)
		log_info("feed: %zu RW flood incidents restored", n);
}

/* An RW state's report decided from the inbox after a restart: the RW
 * table was rebuilt from the incidents decided before it, so it learns
 * this one now (else the RW's next message would open a second incident,
 * or never reopen a closed one). */
static void
rw_relearn(feedwire *F, int64_t incident)
{
	sqlite3_stmt *st =
		store_stmt(F->P->rdb, RW_ROW_SQL " WHERE id = ?");
	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, incident);
	if (sqlite3_step(st) == SQLITE_ROW && restore_row(F, st, 1))
		log_info("feed: RW flood incident %lld (decided from the "
			 "inbox) entered in the RW table",
			 (long long)incident);
	sqlite3_reset(st);
}

static void
restore_gates(feedwire *F)
{
	sqlite3_stmt *st = store_stmt(
		F->P->wdb, "SELECT source, source_id, level FROM feed_gate");
	if (st == NULL || F->gates == NULL)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (gate_restore(F->gates,
				 (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1),
				 sqlite3_column_int(st, 2)))
			log_warnx("feed: gate %s not restored",
				  (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
}

/* The timed sitrep: the first in first_ms, then every [feed]
 * sitrep_interval_s (the timer made on first use). */
static void
sitrep_schedule(feedwire *F, uint64_t first_ms)
{
	uint64_t ival = (uint64_t)F->P->cfg->feed.sitrep_interval_s * 1000;
	if (!F->sitrep_on) {
		uv_timer_init(F->P->loop, &F->sitrep_timer);
		F->sitrep_timer.data = F;
		F->sitrep_on = 1;
	}
	uv_timer_start(&F->sitrep_timer, on_sitrep_timer, first_ms, ival);
}

int
feedwire_start(posko *P, char *err, size_t errlen)
{
	const posko_config *c = P->cfg;
	feedwire *F = calloc(1, sizeof(*F));
	if (F == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	F->P = P;
	P->feed = F;
	if (store_exec(P->wdb, schema)) {
		snprintf(err, errlen, "feed tables: %s", store_errmsg(P->wdb));
		return -1;
	}
	F->rw = rwstate_table_new(RWSTATE_GROUP_RW);
	if (F->rw == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	restore_rw(F);
	if (c->data.floodgates) {
		if (gate_table_load(c->data.floodgates, &F->gates, err,
				    errlen))
			log_warnx("gates: %s: gate levels are refused", err);
		else
			restore_gates(F);
	}
	F->cap_seen = meta_get(P->wdb, "cap_seen", -1);
	if (F->cap_seen < 0) /* a store from before the feed: no backlog */
		F->cap_seen = q1(P->wdb, "SELECT coalesce(max(id),0) FROM outbox");
	F->sitrep_seq = (uint64_t)meta_get(P->wdb, "sitrep_seq", 0);
	F->stale_raised = open_alert(&P->E, "feed.stale", "feed") > 0;
	if (gethostname(F->host, sizeof(F->host)) != 0 || F->host[0] == '\0')
		snprintf(F->host, sizeof(F->host), "posko");
	F->host[sizeof(F->host) - 1] = '\0';
	F->last_feed = time(NULL);
	if (mkdir_p(c->cap.outbox_dir))
		log_warnx("CAP outbox %s: %s", c->cap.outbox_dir,
			  strerror(errno));
	if (mkdir_p(c->feed.sitrep_dir))
		log_warnx("sitrep dir %s: %s", c->feed.sitrep_dir,
			  strerror(errno));
	spool_opts so = {.dir = c->cap.spool_dir,
			 .max_bytes = c->daemon.max_message_bytes,
			 .on_file = on_spool_file,
			 .on_error = on_spool_error,
			 .data = F};
	F->spool = spool_new(P->loop, &so, err, errlen);
	if (F->spool && spool_start(F->spool, err, errlen)) {
		log_warnx("spool %s: %s: not watched", c->cap.spool_dir, err);
		spool_close(F->spool);
		F->spool = NULL;
	} else if (F->spool == NULL) {
		log_warnx("spool %s: %s: not watched", c->cap.spool_dir, err);
	}
	err[0] = '\0';
	uv_update_time(P->loop); /* loading took a while */
	uv_timer_init(P->loop, &F->tick);
	F->tick.data = F;
	uv_timer_start(&F->tick, on_tick, 1000, 1000);
	F->tick_on = 1;
	if (c->feed.sitrep_interval_s > 0)
		sitrep_schedule(F, c->feed.sitrep_first_s > 0
					   ? (uint64_t)c->feed.sitrep_first_s * 1000
					   : (uint64_t)c->feed.sitrep_interval_s *
						     1000);
	kel_refresh(F);
	log_info("feed: spool %s, outbox %s, sitrep %s every %d s, %zu gates",
		 F->spool ? c->cap.spool_dir : "(off)", c->cap.outbox_dir,
		 c->feed.sitrep_dir, c->feed.sitrep_interval_s,
		 F->gates ? gate_count(F->gates) : 0);
	return 0;
}

void
feedwire_plan_reset(posko *P)
{
	feedwire *F = FW(P);
	if (F)
		F->kel_ok = 0;
}

void
feedwire_reload(posko *P, const posko_config *old)
{
	feedwire *F = FW(P);
	const posko_config *c = P->cfg;
	if (F == NULL)
		return;
	if (strcmp(c->cap.outbox_dir, old->cap.outbox_dir) != 0 &&
	    mkdir_p(c->cap.outbox_dir))
		log_warnx("CAP outbox %s: %s", c->cap.outbox_dir,
			  strerror(errno));
	if (strcmp(c->feed.sitrep_dir, old->feed.sitrep_dir) != 0 &&
	    mkdir_p(c->feed.sitrep_dir))
		log_warnx("sitrep dir %s: %s", c->feed.sitrep_dir,
			  strerror(errno));
	if (c->feed.sitrep_interval_s == old->feed.sitrep_interval_s)
		return;
	if (c->feed.sitrep_interval_s > 0) {
		/* the next one a full new interval from now */
		sitrep_schedule(F, (uint64_t)c->feed.sitrep_interval_s * 1000);
	} else if (F->sitrep_on) {
		uv_timer_stop(&F->sitrep_timer);
	}
	log_info("feed: sitrep every %d s%s", c->feed.sitrep_interval_s,
		 c->feed.sitrep_interval_s > 0 ? "" : " (off)");
}

void
feedwire_stop(posko *P)
{
	feedwire *F = FW(P);
	if (F == NULL)
		return;
	if (F->spool) {
		spool_close(F->spool);
		F->spool = NULL;
	}
	if (F->tick_on) {
		uv_close((uv_handle_t *)&F->tick, NULL);
		F->tick_on = 0;
	}
	if (F->sitrep_on) {
		uv_close((uv_handle_t *)&F->sitrep_timer, NULL);
		F->sitrep_on = 0;
	}
}

void
feedwire_free(posko *P)
{
	feedwire *F = FW(P);
	if (F == NULL)
		return;
	feedwire_stop(P);
	rwstate_table_free(F->rw);
	gate_table_free(F->gates);
	while (F->tickets) {
		ticket *t = F->tickets;
		F->tickets = t->next;
		ticket_free(t);
	}
	while (F->files) {
		sfile *s = F->files;
		F->files = s->next;
		sfile_free(s);
	}
	while (F->ph) {
		pend *p = F->ph;
		F->ph = p->next;
		pend_free(p);
	}
	/* the loop ran until the writer was done (main.c) */
	capfiles_free(F->cap_doing);
	capfiles_free(F->cap_next);
	free(F->kel);
	free(F);
	P->feed = NULL;
}

/* ---- control commands -------------------------------------------------------------------------- */

static int
ctl_err(char *code, size_t codelen, char *field, size_t fieldlen, char *msg,
	size_t msglen, const char *c, const char *f, const char *m)
{
	snprintf(code, codelen, "%s", c);
	snprintf(field, fieldlen, "%s", f ? f : "");
	snprintf(msg, msglen, "%s", m);
	return -1;
}

int
feedwire_control(posko *P, const char *cmd, json_t *args, json_t **data,
		 char *code, size_t codelen, char *field, size_t fieldlen,
		 char *msg, size_t msglen)
{
	feedwire *F = FW(P);
	char err[256], date[16], name[160];
	char *txt = NULL;
	size_t len = 0;
	built b;

	if (F == NULL)
		return ctl_err(code, codelen, field, fieldlen, msg, msglen,
			       "internal", NULL, "the feed is not running");
	if (strcmp(cmd, "feed.cap") == 0) {
		json_t *a = json_array();
		sqlite3_stmt *st = store_stmt(
			P->rdb, "SELECT topic, subject, last_id, msg_type, xml,"
				" first_alert FROM feed_cap WHERE open=1"
				" ORDER BY topic, subject");
		if (st == NULL)
			return ctl_err(code, codelen, field, fieldlen, msg,
				       msglen, "internal", NULL,
				       "the store could not be read");
		while (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(name, sizeof(name), "%s.xml",
				 (const char *)sqlite3_column_text(st, 2));
			json_array_append_new(
				a,
				json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}",
					  "topic", sqlite3_column_text(st, 0),
					  "subject", sqlite3_column_text(st, 1),
					  "identifier",
					  sqlite3_column_text(st, 2),
					  "msg_type",
					  sqlite3_column_text(st, 3), "file",
					  name, "xml",
					  sqlite3_column_text(st, 4), "alert",
					  (json_int_t)sqlite3_column_int64(st,
									   5)));
		}
		sqlite3_reset(st);
		*data = json_pack("{s:o}", "alerts", a);
		return 0;
	}
	int hxl = strcmp(cmd, "feed.hxl") == 0;
	if (!hxl && strcmp(cmd, "feed.sitrep") != 0)
		return ctl_err(code, codelen, field, fieldlen, msg, msglen,
			       "unknown_command", "cmd", "no such feed command");
	const char *fmt = json_string_value(json_object_get(args, "format"));
	const char *table = json_string_value(json_object_get(args, "table"));
	hxl_writer w = NULL;
	if (hxl) {
		if (table == NULL)
			table = "kelurahan";
		w = hxl_table(table);
		if (w == NULL)
			return ctl_err(code, codelen, field, fieldlen, msg,
				       msglen, "bad_argument", "args.table",
				       "table must be kelurahan, shelters, "
				       "needs or incidents");
	} else {
		if (fmt == NULL)
			fmt = "json";
		if (strcmp(fmt, "json") && strcmp(fmt, "geojson"))
			return ctl_err(code, codelen, field, fieldlen, msg,
				       msglen, "bad_argument", "args.format",
				       "format must be json or geojson");
	}
	if (build_sitrep(F, &b, F->sitrep_seq))
		return ctl_err(code, codelen, field, fieldlen, msg, msglen,
			       "internal", NULL,
			       "the state could not be read; the log says why");
	int rc = hxl ? w(&b.s, &txt, &len, err, sizeof(err))
	       : strcmp(fmt, "json") == 0
		       ? sitrep_json(&b.s, &txt, &len, err, sizeof(err))
		       : sitrep_geojson(&b.s, &txt, &len, err, sizeof(err));
	sitrep_date(&b.s, date, sizeof(date));
	built_free(&b);
	if (rc) {
		log_warnx("control %s: %s", cmd, err);
		return ctl_err(code, codelen, field, fieldlen, msg, msglen,
			       "internal", NULL, err);
	}
	if (hxl)
		snprintf(name, sizeof(name), "hxl-%s-%s.csv", table, date);
	else
		snprintf(name, sizeof(name), "sitrep-%s.%s", date, fmt);
	*data = json_pack("{s:s,s:s,s:s,s:s%}", "format",
			  hxl ? "hxl" : fmt, "table", hxl ? table : "", "name",
			  name, "text", txt, len);
	if (!hxl)
		json_object_del(*data, "table");
	free(txt);
	return *data ? 0
		     : ctl_err(code, codelen, field, fieldlen, msg, msglen,
			       "internal", NULL, "out of memory");
}
