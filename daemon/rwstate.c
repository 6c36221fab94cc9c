/*
 * daemon/rwstate.c - PetaBencana-style flood states per RW: parsing, the
 * per-RW state machine and the incidents it drives (see rwstate.h and
 * docs/feed.md, "RW flood states").
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/report.h"
#include "daemon/rwstate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/cap.h"


/* ---- ids ------------------------------------------------------------------
 */

static int
valid_rw(const char *s)
{
	if (s == NULL || strlen(s) != 13 || s[10] != '-')
		return 0;
	for (int i = 0; i < 13; i++)
		if (i != 10 && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* docs/protocol.md 1.1: source is 1..64 of [A-Za-z0-9._:-]. */
static int
valid_source(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= RWSTATE_SOURCE_LEN)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return 0;
	return 1;
}

int
rwstate_resolve_digits(void *data, const char *area_id, const char *geom_id,
                       const char *area_name, const char *parent_name, char *rw)
{
	(void)data;
	(void)area_id;
	(void)area_name;
	(void)parent_name;
	if (geom_id == NULL || strlen(geom_id) != 13)
		return -1;
	for (int i = 0; i < 13; i++)
		if (!isdigit((unsigned char)geom_id[i]))
			return -1;
	int num = atoi(geom_id + 10);
	if (num < 1 || num > 99)
		return -1;
	snprintf(rw, RWSTATE_ID_LEN, "%.10s-%02d", geom_id, num);
	return 0;
}

/* ---- parsing ----------------------------------------------------------------
 */

struct pctx {
	char *err;
	size_t errlen;
	rwstate_msg *m;
	size_t cap;
};

static int
ferr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return RWSTATE_EFIELD;
}

/* An optional RFC 3339 time member; 0 when absent or null. */
static int
get_time(struct pctx *p, json_t *obj, const char *key, const char *path,
         time_t *out)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) ||
	    cap_time_parse(json_string_value(v), out) != 0)
		return ferr(p, "%s%s: not an RFC 3339 time", path, key);
	return 0;
}

/* state: an integer 0..4 (PetaBencana may send it as a numeric string). */
static int
get_state(struct pctx *p, json_t *obj, const char *path, int *out)
{
	json_t *v = json_object_get(obj, "state");
	json_int_t n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_length(v) == 1 &&
	           isdigit((unsigned char)json_string_value(v)[0])) {
		n = json_string_value(v)[0] - '0';
	} else {
		return ferr(p, "%sstate: must be an integer 0..4", path);
	}
	if (n < 0 || n > RWSTATE_MAX)
		return ferr(p, "%sstate: must be 0..4, got %lld", path,
		            (long long)n);
	*out = (int)n;
	return 0;
}

/* Add or merge an entry (an RW listed twice keeps the higher state). */
static int
add_entry(struct pctx *p, const char *rw, int state, time_t t)
{
	rwstate_msg *m = p->m;

	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].rw, rw) != 0)
			continue;
		if (state > m->v[i].state) {
			m->v[i].state = state;
			m->v[i].time = t;
		}
		return 0;
	}
	if (m->n >= RWSTATE_MAX_ENTRIES)
		return ferr(p, "states: more than %d RWs in one message",
		            RWSTATE_MAX_ENTRIES);
	if (m->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		rwstate_entry *v = realloc(m->v, nc * sizeof(*v));
		if (v == NULL) {
			posko_seterr(p->err, p->errlen, "out of memory");
			return RWSTATE_ENOMEM;
		}
		m->v = v;
		p->cap = nc;
	}
	snprintf(m->v[m->n].rw, RWSTATE_ID_LEN, "%s", rw);
	m->v[m->n].state = state;
	m->v[m->n].time = t;
	m->n++;
	return 0;
}

static int
parse_entry(struct pctx *p, json_t *obj, const char *path)
{
	json_t *rw = json_object_get(obj, "rw");
	int state, rc;
	time_t t;

	if (!json_is_object(obj))
		return ferr(p, "%s: must be an object", path[0] ? path : "");
	if (!json_is_string(rw) || !valid_rw(json_string_value(rw)))
		return ferr(p, "%srw: must be an RW id like 3172011001-09",
		            path);
	if ((rc = get_state(p, obj, path, &state)) != 0 ||
	    (rc = get_time(p, obj, "time", path, &t)) != 0)
		return rc;
	return add_entry(p, json_string_value(rw), state, t);
}

static const char *
str_prop(json_t *props, const char *key, char *buf, size_t n)
{
	json_t *v = json_object_get(props, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

static int
parse_feature(struct pctx *p, json_t *f, size_t i, rwstate_resolver resolve,
              void *data)
{
	char path[64], rw[RWSTATE_ID_LEN] = "", b0[32], b1[32], b2[32];
	json_t *props = json_object_get(f, "properties");
	int state, rc;
	time_t t;

	snprintf(path, sizeof(path), "features[%zu].properties.", i);
	if (!json_is_object(props))
		return ferr(p, "features[%zu].properties: must be an object",
		            i);
	const char *id = str_prop(props, "rw", b0, sizeof(b0));
	const char *area_id = str_prop(props, "area_id", b1, sizeof(b1));
	const char *geom_id = str_prop(props, "geom_id", b2, sizeof(b2));
	if (json_is_string(json_object_get(props, "rw"))) {
		if (!valid_rw(id))
			return ferr(p,
			            "%srw: \"%s\" is not an RW id like "
			            "3172011001-09",
			            path, id);
		snprintf(rw, sizeof(rw), "%s", id);
	} else if (resolve &&
	           resolve(data, area_id, geom_id,
	                   str_prop(props, "area_name", NULL, 0),
	                   str_prop(props, "parent_name", NULL, 0), rw) == 0 &&
	           valid_rw(rw)) {
		/* resolved */
	} else if (valid_rw(area_id)) {
		snprintf(rw, sizeof(rw), "%s", area_id);
	} else if (valid_rw(geom_id)) {
		snprintf(rw, sizeof(rw), "%s", geom_id);
	} else {
		return ferr(p,
		            "%.*s: no RW id (\"rw\", or area_id %s / geom_id "
		            "%s that posko can map)",
		            (int)strlen(path) - 1, path,
		            area_id ? area_id : "-", geom_id ? geom_id : "-");
	}
	if ((rc = get_state(p, props, path, &state)) != 0 ||
	    (rc = get_time(p, props, "last_updated", path, &t)) != 0)
		return rc;
	return add_entry(p, rw, state, t);
}

static int
get_source(struct pctx *p, json_t *root, const char *fallback, int required)
{
	json_t *s = json_object_get(root, "source");
	const char *v = json_is_string(s) ? json_string_value(s) : NULL;

	if (s != NULL && !json_is_string(s))
		return ferr(p, "source: must be a string");
	if (v == NULL) {
		if (required || fallback == NULL)
			return ferr(p, "source: required");
		v = fallback;
	}
	if (!valid_source(v))
		return ferr(p,
		            "source: 1..64 characters of A-Z a-z 0-9 . _ : "
		            "-, got \"%.80s\"",
		            v);
	if ((p->m->source = strdup(v)) == NULL) {
		posko_seterr(p->err, p->errlen, "out of memory");
		return RWSTATE_ENOMEM;
	}
	return 0;
}

static int
parse_collection(struct pctx *p, json_t *fc, json_t *outer,
                 const char *default_source, rwstate_resolver resolve,
                 void *data)
{
	json_t *features = json_object_get(fc, "features");
	json_t *snap = json_object_get(fc, "snapshot");
	int rc;

	if (snap == NULL && outer)
		snap = json_object_get(outer, "snapshot");
	if (!json_is_array(features))
		return ferr(p, "features: must be an array");
	if (snap != NULL && !json_is_boolean(snap))
		return ferr(p, "snapshot: must be true or false");
	p->m->snapshot = snap ? json_is_true(snap) : 1;
	if ((rc = get_source(p,
	                     json_object_get(fc, "source") ? fc
	                     : outer                       ? outer
	                                                   : fc,
	                     default_source, 0)) != 0)
		return rc;
	for (size_t i = 0; i < json_array_size(features); i++)
		if ((rc = parse_feature(p, json_array_get(features, i), i,
		                        resolve, data)) != 0)
			return rc;
	return 0;
}

static int
parse_root(struct pctx *p, json_t *root, const char *default_source,
           rwstate_resolver resolve, void *data)
{
	json_t *kind = json_object_get(root, "kind");
	json_t *type = json_object_get(root, "type");
	json_t *result = json_object_get(root, "result");
	int rc;

	if (!json_is_object(root))
		return ferr(p, "message: must be a JSON object");
	if (json_is_string(type) &&
	    strcmp(json_string_value(type), "FeatureCollection") == 0)
		return parse_collection(p, root, NULL, default_source, resolve,
		                        data);
	if (json_is_object(result) &&
	    json_is_string(json_object_get(result, "type")) &&
	    strcmp(json_string_value(json_object_get(result, "type")),
	           "FeatureCollection") == 0)
		return parse_collection(p, result, root, default_source,
		                        resolve, data);

	json_t *v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return ferr(p, "v: must be 1");
	if (!json_is_string(kind))
		return ferr(p, "kind: must be \"rw.state\" or \"rw.states\"");
	const char *k = json_string_value(kind);
	if (strcmp(k, "rw.state") != 0 && strcmp(k, "rw.states") != 0)
		return ferr(p,
		            "kind: must be \"rw.state\" or \"rw.states\", "
		            "got \"%.40s\"",
		            k);
	if ((rc = get_source(p, root, NULL, 1)) != 0 ||
	    (rc = get_time(p, root, "time", "", &p->m->time)) != 0)
		return rc;
	if (strcmp(k, "rw.state") == 0) {
		if ((rc = parse_entry(p, root, "")) != 0)
			return rc;
		if (p->m->v[0].time == 0)
			p->m->v[0].time = p->m->time;
		return 0;
	}
	json_t *states = json_object_get(root, "states");
	json_t *snap = json_object_get(root, "snapshot");
	if (!json_is_array(states))
		return ferr(p, "states: must be an array");
	if (snap != NULL && !json_is_boolean(snap))
		return ferr(p, "snapshot: must be true or false");
	p->m->snapshot = json_is_true(snap);
	for (size_t i = 0; i < json_array_size(states); i++) {
		char path[32];
		snprintf(path, sizeof(path), "states[%zu].", i);
		if ((rc = parse_entry(p, json_array_get(states, i), path)) != 0)
			return rc;
	}
	return 0;
}

int
rwstate_parse(const char *json, size_t len, const char *default_source,
              rwstate_resolver resolve, void *data, rwstate_msg *out, char *err,
              size_t errlen)
{
	struct pctx p = {err, errlen, out, 0};
	json_t *root;
	int rc;

	if (out == NULL || json == NULL) {
		posko_seterr(err, errlen, "message: missing");
		return RWSTATE_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	root = posko_json_message(json, len, err, errlen);
	if (root == NULL)
		return RWSTATE_EJSON;
	rc = parse_root(&p, root, default_source, resolve, data);
	json_decref(root);
	if (rc != 0)
		rwstate_msg_clear(out);
	return rc;
}

void
rwstate_msg_clear(rwstate_msg *m)
{
	if (m == NULL)
		return;
	free(m->source);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- state machine
 * ------------------------------------------------------------ */

rwstate_move
rwstate_step(int from, int to)
{
	if (from == to)
		return RWSTATE_SAME;
	if (to == 0)
		return RWSTATE_CLOSE;
	if (from == 0)
		return RWSTATE_OPEN;
	return to > from ? RWSTATE_RISE : RWSTATE_FALL;
}

const char *
rwstate_move_name(rwstate_move m)
{
	static const char *const names[] = {"same", "open", "rise", "fall",
	                                    "close"};

	return (unsigned)m < 5 ? names[m] : "?";
}

/* One RW with a state >= 1. Sorted by (source, rw): the RWs of one
 * kelurahan of one source are contiguous. */
struct rw {
	char source[RWSTATE_SOURCE_LEN];
	char rw[RWSTATE_ID_LEN];
	int state;
};

/* An open incident: (source, group key) and when it opened. */
struct group {
	char source[RWSTATE_SOURCE_LEN];
	char key[RWSTATE_ID_LEN]; /* RW id, or kelurahan digits */
	time_t opened;
};

struct rwstate_table {
	rwstate_grouping grouping;
	struct rw *rw;
	size_t nrw, caprw;
	struct group *g;
	size_t ng, capg;
	/* Latest time an episode closed: an episode that reopens in the same
	 * second must not reuse the closed one's source_id (its key carries
	 * the opening second), so a new opening is kept strictly after it. */
	time_t last_close;
};

rwstate_table *
rwstate_table_new(rwstate_grouping g)
{
	rwstate_table *t = calloc(1, sizeof(*t));

	if (t)
		t->grouping = g;
	return t;
}

void
rwstate_table_free(rwstate_table *t)
{
	if (t == NULL)
		return;
	free(t->rw);
	free(t->g);
	free(t);
}

static int
rw_cmp(const char *s1, const char *r1, const char *s2, const char *r2)
{
	int c = strcmp(s1, s2);
	return c ? c : strcmp(r1, r2);
}

/* Index of (source, rw), or where it would go (*found = 0). */
static size_t
rw_find(const rwstate_table *t, const char *source, const char *rw, int *found)
{
	size_t lo = 0, hi = t->nrw;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rw_cmp(t->rw[mid].source, t->rw[mid].rw, source, rw);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

int
rwstate_apply(rwstate_table *t, const char *source, const char *rw, int state,
              rwstate_change *out)
{
	int found;
	size_t i;

	if (t == NULL || !valid_source(source) || !valid_rw(rw) || state < 0 ||
	    state > RWSTATE_MAX)
		return RWSTATE_EINVAL;
	i = rw_find(t, source, rw, &found);
	int from = found ? t->rw[i].state : 0;
	if (state > 0 && !found) {
		if (t->nrw == t->caprw) {
			size_t nc = t->caprw ? t->caprw * 2 : 64;
			struct rw *v = realloc(t->rw, nc * sizeof(*v));
			if (v == NULL)
				return RWSTATE_ENOMEM;
			t->rw = v;
			t->caprw = nc;
		}
		memmove(&t->rw[i + 1], &t->rw[i],
		        (t->nrw - i) * sizeof(t->rw[0]));
		t->nrw++;
		snprintf(t->rw[i].source, RWSTATE_SOURCE_LEN, "%s", source);
		snprintf(t->rw[i].rw, RWSTATE_ID_LEN, "%s", rw);
	}
	if (state > 0) {
		t->rw[i].state = state;
	} else if (found) {
		memmove(&t->rw[i], &t->rw[i + 1],
		        (t->nrw - i - 1) * sizeof(t->rw[0]));
		t->nrw--;
	}
	if (out) {
		out->from = from;
		out->to = state;
		out->move = rwstate_step(from, state);
	}
	return 0;
}

int
rwstate_get(const rwstate_table *t, const char *source, const char *rw)
{
	int found;
	size_t i;

	if (t == NULL || source == NULL || rw == NULL)
		return 0;
	i = rw_find(t, source, rw, &found);
	return found ? t->rw[i].state : 0;
}

size_t
rwstate_active(const rwstate_table *t)
{
	return t ? t->nrw : 0;
}

/* ---- incidents
 * ------------------------------------------------------------------ */

static void
group_key(const rwstate_table *t, const char *rw, char *key)
{
	if (t->grouping == RWSTATE_GROUP_KELURAHAN)
		snprintf(key, RWSTATE_ID_LEN, "%.10s", rw);
	else
		snprintf(key, RWSTATE_ID_LEN, "%s", rw);
}

static struct group *
group_find(const rwstate_table *t, const char *source, const char *key)
{
	for (size_t i = 0; i < t->ng; i++)
		if (strcmp(t->g[i].key, key) == 0 &&
		    strcmp(t->g[i].source, source) == 0)
			return &t->g[i];
	return NULL;
}

static int
group_add(rwstate_table *t, const char *source, const char *key, time_t opened)
{
	if (t->ng == t->capg) {
		size_t nc = t->capg ? t->capg * 2 : 32;
		struct group *v = realloc(t->g, nc * sizeof(*v));
		if (v == NULL)
			return RWSTATE_ENOMEM;
		t->g = v;
		t->capg = nc;
	}
	snprintf(t->g[t->ng].source, RWSTATE_SOURCE_LEN, "%s", source);
	snprintf(t->g[t->ng].key, RWSTATE_ID_LEN, "%s", key);
	t->g[t->ng].opened = opened;
	t->ng++;
	return 0;
}

static void
group_remove(rwstate_table *t, struct group *g)
{
	*g = t->g[--t->ng];
}

/* The RWs of one group (range [*lo, *hi) of t->rw) and its highest
 * state. */
static int
group_members(const rwstate_table *t, const char *source, const char *key,
              size_t *lo, size_t *hi)
{
	size_t klen = strlen(key);
	int found, max = 0;
	char first[RWSTATE_ID_LEN];

	snprintf(first, sizeof(first), "%s", key);
	*lo = rw_find(t, source, first, &found);
	*hi = *lo;
	while (*hi < t->nrw && strcmp(t->rw[*hi].source, source) == 0 &&
	       strncmp(t->rw[*hi].rw, key, klen) == 0) {
		if (t->rw[*hi].state > max)
			max = t->rw[*hi].state;
		(*hi)++;
	}
	return max;
}

static rwstate_table *
table_clone(const rwstate_table *t)
{
	rwstate_table *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->grouping = t->grouping;
	c->last_close = t->last_close;
	c->caprw = c->nrw = t->nrw;
	c->capg = c->ng = t->ng;
	c->rw = t->nrw ? malloc(t->nrw * sizeof(*c->rw)) : NULL;
	c->g = t->ng ? malloc(t->ng * sizeof(*c->g)) : NULL;
	if ((t->nrw && c->rw == NULL) || (t->ng && c->g == NULL)) {
		rwstate_table_free(c);
		return NULL;
	}
	if (t->nrw)
		memcpy(c->rw, t->rw, t->nrw * sizeof(*c->rw));
	if (t->ng)
		memcpy(c->g, t->g, t->ng * sizeof(*c->g));
	return c;
}

/* "rwflood-<key>-<YYYYMMDDTHHMMSSZ>". */
static void
make_source_id(const struct group *g, char *buf, size_t n)
{
	struct tm tm;
	time_t o = g->opened;

	gmtime_r(&o, &tm);
	snprintf(buf, n, "rwflood-%s-%04d%02d%02dT%02d%02d%02dZ", g->key,
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec);
}

/* A touched group and the time its latest change carries. */
struct touched {
	char source[RWSTATE_SOURCE_LEN];
	char key[RWSTATE_ID_LEN];
	time_t when;
};

static int
touch(struct touched **v, size_t *n, size_t *cap, const char *source,
      const char *key, time_t when)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i].key, key) == 0 &&
		    strcmp((*v)[i].source, source) == 0) {
			if (when > (*v)[i].when)
				(*v)[i].when = when;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct touched *nv = realloc(*v, nc * sizeof(*nv));
		if (nv == NULL)
			return RWSTATE_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	snprintf((*v)[*n].source, RWSTATE_SOURCE_LEN, "%s", source);
	snprintf((*v)[*n].key, RWSTATE_ID_LEN, "%s", key);
	(*v)[*n].when = when;
	(*n)++;
	return 0;
}

static int
same_members(const rwstate_table *a, size_t alo, size_t ahi,
             const rwstate_table *b, size_t blo, size_t bhi)
{
	if (ahi - alo != bhi - blo)
		return 0;
	for (size_t i = 0; i < ahi - alo; i++)
		if (strcmp(a->rw[alo + i].rw, b->rw[blo + i].rw) != 0)
			return 0;
	return 1;
}

static int
fill_report(const rwstate_table *t, const struct group *g, size_t lo, size_t hi,
            int max, report_action action, time_t when, posko_report *r)
{
	char sid[64], title[160];

	memset(r, 0, sizeof(*r));
	make_source_id(g, sid, sizeof(sid));
	if (t->grouping == RWSTATE_GROUP_KELURAHAN)
		snprintf(title, sizeof(title),
		         "Banjir kel. %.2s.%.2s.%.2s.%.4s (%s)", g->key,
		         g->key + 2, g->key + 4, g->key + 6, g->source);
	else
		snprintf(title, sizeof(title),
		         "Banjir RW %s kel. %.2s.%.2s.%.2s.%.4s (%s)",
		         g->key + 11, g->key, g->key + 2, g->key + 4,
		         g->key + 6, g->source);
	r->origin = ORIGIN_RW_STATE;
	r->action = action;
	r->type = INCIDENT_FLOOD;
	r->time = when;
	r->severity.kind = SEV_RW_STATE;
	r->severity.value = max;
	r->source = strdup(g->source);
	r->source_id = strdup(sid);
	r->title = strdup(title);
	if (!r->source || !r->source_id || !r->title)
		return RWSTATE_ENOMEM;
	if (action == REPORT_CANCEL)
		return 0;
	r->footprint.kind = FOOT_RW;
	r->footprint.rw_ids = calloc(hi - lo, sizeof(char *));
	if (r->footprint.rw_ids == NULL)
		return RWSTATE_ENOMEM;
	for (size_t i = lo; i < hi; i++) {
		if ((r->footprint.rw_ids[i - lo] = strdup(t->rw[i].rw)) == NULL)
			return RWSTATE_ENOMEM;
		r->footprint.ncodes++;
	}
	return 0;
}

/* Decide the report for one touched group: old table t, new table c. */
static int
group_report(const rwstate_table *t, rwstate_table *c, const struct touched *tg,
             time_t fallback, posko_report *out, int *have)
{
	size_t olo, ohi, nlo, nhi;
	int omax = group_members(t, tg->source, tg->key, &olo, &ohi);
	int nmax = group_members(c, tg->source, tg->key, &nlo, &nhi);
	struct group *g = group_find(c, tg->source, tg->key);
	time_t when = tg->when ? tg->when : fallback;
	int rc;

	*have = 0;
	if (omax == 0 && nmax == 0)
		return 0;
	if (omax == 0) {
		/* opened: a new episode, a new key */
		if (when <= c->last_close)
			when = c->last_close + 1;
		if (g == NULL) {
			if ((rc = group_add(c, tg->source, tg->key, when)) != 0)
				return rc;
			g = &c->g[c->ng - 1];
		}
		*have = 1;
		return fill_report(c, g, nlo, nhi, nmax, REPORT_OPEN, when,
		                   out);
	}
	if (g == NULL) /* cannot happen: an open group is in the table */
		return RWSTATE_EINVAL;
	if (nmax == 0) {
		*have = 1;
		rc = fill_report(c, g, nlo, nhi, 0, REPORT_CANCEL, when, out);
		if (when > c->last_close)
			c->last_close = when;
		if (g->opened > c->last_close)
			c->last_close = g->opened;
		group_remove(c, g);
		return rc;
	}
	if (omax == nmax && same_members(t, olo, ohi, c, nlo, nhi))
		return 0;
	*have = 1;
	return fill_report(c, g, nlo, nhi, nmax, REPORT_UPDATE, when, out);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Apply m to c; collect the groups whose RWs moved. */
static int
apply_msg(rwstate_table *c, const rwstate_msg *m, struct touched **tv,
          size_t *nt, size_t *capt, char *err, size_t errlen)
{
	char key[RWSTATE_ID_LEN];
	rwstate_change ch;
	int rc;

	for (size_t i = 0; i < m->n; i++) {
		rc =
		    rwstate_apply(c, m->source, m->v[i].rw, m->v[i].state, &ch);
		if (rc != 0) {
			posko_seterr(err, errlen, "states[%zu]: cannot apply %s=%d",
			       i, m->v[i].rw, m->v[i].state);
			return rc;
		}
		if (ch.move == RWSTATE_SAME)
			continue;
		group_key(c, m->v[i].rw, key);
		if ((rc = touch(tv, nt, capt, m->source, key,
		                m->v[i].time ? m->v[i].time : m->time)) != 0)
			return rc;
	}
	if (!m->snapshot)
		return 0;
	/* A snapshot lists every flooded RW of its source: the others are
	 * at 0 now. */
	const char **listed = malloc((m->n ? m->n : 1) * sizeof(*listed));
	if (listed == NULL)
		return RWSTATE_ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		listed[i] = m->v[i].rw;
	qsort(listed, m->n, sizeof(*listed), cmp_str);
	rc = 0;
	for (size_t i = 0; i < c->nrw && rc == 0;) {
		const char *rw = c->rw[i].rw;
		if (strcmp(c->rw[i].source, m->source) != 0 ||
		    bsearch(&rw, listed, m->n, sizeof(*listed), cmp_str)) {
			i++;
			continue;
		}
		group_key(c, rw, key);
		rc = touch(tv, nt, capt, m->source, key, m->time);
		if (rc == 0)
			rc = rwstate_apply(c, m->source, rw, 0, NULL);
		/* the entry at i was removed: do not advance */
	}
	free(listed);
	return rc;
}

static void
table_swap(rwstate_table *t, rwstate_table *c)
{
	rwstate_table tmp = *t;

	*t = *c;
	*c = tmp;
}

int
rwstate_ingest(rwstate_table *t, const rwstate_msg *m, time_t now,
               posko_report **reports, size_t *nreports, char *err,
               size_t errlen)
{
	struct touched *tv = NULL;
	size_t nt = 0, capt = 0, nr = 0;
	posko_report *r = NULL;
	rwstate_table *c = NULL;
	int rc = RWSTATE_ENOMEM;

	if (reports == NULL || nreports == NULL) {
		posko_seterr(err, errlen, "rwstate_ingest: NULL argument");
		return RWSTATE_EINVAL;
	}
	*reports = NULL;
	*nreports = 0;
	if (t == NULL || m == NULL || !valid_source(m->source)) {
		posko_seterr(err, errlen, "source: missing or invalid");
		return RWSTATE_EINVAL;
	}
	if ((c = table_clone(t)) == NULL)
		goto fail;
	if ((rc = apply_msg(c, m, &tv, &nt, &capt, err, errlen)) != 0)
		goto fail;
	if (nt > 0 && (r = calloc(nt, sizeof(*r))) == NULL) {
		rc = RWSTATE_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nt; i++) {
		int have;
		rc = group_report(t, c, &tv[i], m->time ? m->time : now, &r[nr],
		                  &have);
		if (have)
			nr++;
		if (rc != 0)
			goto fail;
	}
	table_swap(t, c);
	rwstate_table_free(c);
	free(tv);
	if (nr == 0) {
		free(r);
		r = NULL;
	}
	*reports = r;
	*nreports = nr;
	return 0;
fail:
	if (rc == RWSTATE_ENOMEM)
		posko_seterr(err, errlen, "out of memory");
	rwstate_reports_free(r, nr);
	rwstate_table_free(c);
	free(tv);
	return rc;
}

void
rwstate_reports_free(posko_report *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		posko_report_clear(&r[i]);
	free(r);
}

/* "rwflood-<key>-YYYYMMDDTHHMMSSZ" -> key, opened. */
static int
parse_source_id(const char *sid, char *key, size_t keylen, time_t *opened)
{
	const char *p = sid, *dash;
	char iso[32];

	if (strncmp(p, "rwflood-", 8) != 0)
		return -1;
	p += 8;
	dash = strrchr(p, '-');
	if (dash == NULL || (size_t)(dash - p) >= keylen ||
	    strlen(dash + 1) != 16)
		return -1;
	memcpy(key, p, (size_t)(dash - p));
	key[dash - p] = '\0';
	const char *ts = dash + 1;
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", ts, ts + 4,
	         ts + 6, ts + 9, ts + 11, ts + 13);
	if (ts[8] != 'T' || ts[15] != 'Z' || cap_time_parse(iso, opened) != 0)
		return -1;
	return 0;
}

int
rwstate_restore(rwstate_table *t, const char *source, const char *source_id,
                char *const *rw_ids, size_t n, int state)
{
	char key[RWSTATE_ID_LEN + 1], want[RWSTATE_ID_LEN];
	time_t opened;
	int rc;

	if (t == NULL || !valid_source(source) || source_id == NULL ||
	    state < 1 || state > RWSTATE_MAX || n == 0)
		return RWSTATE_EINVAL;
	if (parse_source_id(source_id, key, sizeof(key), &opened) != 0)
		return RWSTATE_EFIELD;
	for (size_t i = 0; i < n; i++) {
		if (!valid_rw(rw_ids[i]))
			return RWSTATE_EFIELD;
		group_key(t, rw_ids[i], want);
		if (strcmp(want, key) != 0)
			return RWSTATE_EFIELD;
	}
	if (group_find(t, source, key) == NULL &&
	    (rc = group_add(t, source, key, opened)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = rwstate_apply(t, source, rw_ids[i], state, NULL)) !=
		    0)
			return rc;
	return 0;
}

int
rwstate_forget(rwstate_table *t, const char *source, const char *source_id,
               char *const *rw_ids, size_t n)
{
	char key[RWSTATE_ID_LEN + 1];
	time_t opened;
	struct group *g;
	int rc;

	if (t == NULL || !valid_source(source) || source_id == NULL)
		return RWSTATE_EINVAL;
	if (parse_source_id(source_id, key, sizeof(key), &opened) != 0)
		return RWSTATE_EFIELD;
	for (size_t i = 0; i < n; i++)
		if (rw_ids[i] && valid_rw(rw_ids[i]) &&
		    (rc = rwstate_apply(t, source, rw_ids[i], 0, NULL)) != 0)
			return rc;
	if ((g = group_find(t, source, key)) != NULL) {
		if (opened > t->last_close)
			t->last_close = opened;
		group_remove(t, g);
	}
	return 0;
}

/* ---- staleness
 * ---------------------------------------------------------------- */

feed_stale_action
rwstate_stale_step(int *raised, int floods_active, time_t last_msg, time_t now,
                   int minutes)
{
	return rwstate_stale_step_s(raised, floods_active, last_msg, now,
	                            minutes > 0 ? minutes * 60 : 0);
}

feed_stale_action
rwstate_stale_step_s(int *raised, int floods_active, time_t last_msg,
                     time_t now, int seconds)
{
	int stale;

	if (raised == NULL)
		return FEED_STALE_NONE;
	stale = seconds > 0 && floods_active && now - last_msg >= seconds;
	if (stale && !*raised) {
		*raised = 1;
		return FEED_STALE_RAISE;
	}
	if (!stale && *raised) {
		*raised = 0;
		return FEED_STALE_CLEAR;
	}
	return FEED_STALE_NONE;
}
