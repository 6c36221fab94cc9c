/*
 * daemon/gate.c - water-gate levels, watch sets and watch-only incidents
 * (see gate.h and docs/feed.md, "Water-gate levels").
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/report.h"
#include "daemon/gate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/config.h"
#include "daemon/cap.h"

struct gstate {
	int level;     /* 0 unknown, 1..4 */
	time_t opened; /* when it left Siaga 4 (the incident key) */
	char source[65];
};

struct gate {
	char name[GATE_NAME_LEN];
	char core[GATE_NAME_LEN]; /* normalised, prefix removed */
	char slug[GATE_NAME_LEN];
	double lon, lat;
};

struct gate_table {
	struct gate *g;
	struct gstate *s;
	size_t n;
};


/* ---- names ------------------------------------------------------------------
 */

/* Lower case, runs of anything but letters and digits as one blank, and
 * without a leading "pintu air", "pa" or "p a" (PetaBencana's gauges write
 * "PA. Manggarai"). */
static void
normalise(const char *in, char *out, size_t n)
{
	size_t o = 0;
	int blank = 1;

	for (; *in && o + 1 < n; in++) {
		if (isalnum((unsigned char)*in)) {
			out[o++] = (char)tolower((unsigned char)*in);
			blank = 0;
		} else if (!blank) {
			out[o++] = ' ';
			blank = 1;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	static const char *const prefixes[] = {"pintu air ", "p a ", "pa "};
	for (size_t i = 0; i < 3; i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(out, prefixes[i], pl) == 0) {
			memmove(out, out + pl, strlen(out + pl) + 1);
			break;
		}
	}
}

static void
slugify(const char *in, char *out, size_t n)
{
	size_t o = 0;
	int dash = 1;

	for (; *in && o + 1 < n; in++) {
		if (isalnum((unsigned char)*in)) {
			out[o++] = (char)tolower((unsigned char)*in);
			dash = 0;
		} else if (!dash) {
			out[o++] = '-';
			dash = 1;
		}
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

int
gate_level_parse(const char *s)
{
	static const char *const roman[] = {"i", "ii", "iii", "iv"};
	char buf[32];

	if (s == NULL)
		return -1;
	normalise(s, buf, sizeof(buf));
	const char *p = buf;
	if (strncmp(p, "siaga ", 6) == 0)
		p += 6;
	if (p[0] >= '1' && p[0] <= '4' && p[1] == '\0')
		return p[0] - '0';
	for (int i = 0; i < 4; i++)
		if (strcmp(p, roman[i]) == 0)
			return i + 1;
	return -1;
}

/* ---- table ------------------------------------------------------------------
 */

gate_table *
gate_table_new(const char *const *names, size_t n, char *err, size_t errlen)
{
	gate_table *t = calloc(1, sizeof(*t));

	if (t == NULL || (n && ((t->g = calloc(n, sizeof(*t->g))) == NULL ||
	                        (t->s = calloc(n, sizeof(*t->s))) == NULL))) {
		gate_table_free(t);
		posko_seterr(err, errlen, "gates: out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct gate *g = &t->g[i];
		if (names[i] == NULL || strlen(names[i]) >= GATE_NAME_LEN) {
			posko_seterr(err, errlen,
			       "gates[%zu]: name missing or "
			       "longer than %d bytes",
			       i, GATE_NAME_LEN - 1);
			gate_table_free(t);
			return NULL;
		}
		snprintf(g->name, sizeof(g->name), "%s", names[i]);
		normalise(names[i], g->core, sizeof(g->core));
		slugify(names[i], g->slug, sizeof(g->slug));
		if (g->core[0] == '\0') {
			posko_seterr(err, errlen, "gates[%zu]: empty name", i);
			gate_table_free(t);
			return NULL;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(t->g[j].core, g->core) == 0) {
				posko_seterr(err, errlen,
				       "gates[%zu]: \"%s\" is the same gate as "
				       "gates[%zu] \"%s\"",
				       i, g->name, j, t->g[j].name);
				gate_table_free(t);
				return NULL;
			}
		}
	}
	t->n = n;
	return t;
}

int
gate_table_load(const char *path, gate_table **out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *features;
	const char **names = NULL;
	size_t n;
	int rc = GATE_EFIELD;

	*out = NULL;
	root = json_load_file(path, 0, &je);
	if (root == NULL) {
		posko_seterr(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return GATE_EIO;
	}
	features = json_object_get(root, "features");
	if (!json_is_array(features) || json_array_size(features) == 0) {
		posko_seterr(err, errlen, "%s: features: a non-empty array needed",
		       path);
		goto out;
	}
	n = json_array_size(features);
	if ((names = calloc(n, sizeof(*names))) == NULL) {
		rc = GATE_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(features, i);
		names[i] = json_string_value(
		    json_object_get(json_object_get(f, "properties"), "name"));
		if (names[i] == NULL) {
			posko_seterr(err, errlen,
			       "%s: features[%zu].properties.name: missing",
			       path, i);
			goto out;
		}
	}
	char e2[200];
	*out = gate_table_new(names, n, e2, sizeof(e2));
	if (*out == NULL) {
		posko_seterr(err, errlen, "%s: %s", path, e2);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object_get(
		    json_object_get(json_array_get(features, i), "geometry"),
		    "coordinates");
		if (json_is_array(c) && json_array_size(c) >= 2) {
			(*out)->g[i].lon =
			    json_number_value(json_array_get(c, 0));
			(*out)->g[i].lat =
			    json_number_value(json_array_get(c, 1));
		}
	}
	rc = 0;
out:
	free(names);
	json_decref(root);
	return rc;
}

void
gate_table_free(gate_table *t)
{
	if (t == NULL)
		return;
	free(t->g);
	free(t->s);
	free(t);
}

size_t
gate_count(const gate_table *t)
{
	return t ? t->n : 0;
}

const char *
gate_name(const gate_table *t, size_t i)
{
	return t && i < t->n ? t->g[i].name : NULL;
}

void
gate_position(const gate_table *t, size_t i, double *lon, double *lat)
{
	*lon = t && i < t->n ? t->g[i].lon : 0;
	*lat = t && i < t->n ? t->g[i].lat : 0;
}

int
gate_level(const gate_table *t, size_t i)
{
	return t && i < t->n ? t->s[i].level : 0;
}

int
gate_find(const gate_table *t, const char *name)
{
	char core[GATE_NAME_LEN * 2];

	if (t == NULL || name == NULL)
		return -1;
	normalise(name, core, sizeof(core));
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->g[i].core, core) == 0)
			return (int)i;
	return -1;
}

/* ---- parsing ----------------------------------------------------------------
 */

static int
ferr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return GATE_EFIELD;
}

static int
parse_level(json_t *v, int *out)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		*out = n >= 1 && n <= 4 ? (int)n : -1;
	} else if (json_is_string(v)) {
		*out = gate_level_parse(json_string_value(v));
	} else {
		*out = -1;
	}
	return *out < 0 ? -1 : 0;
}

static int
parse_entry(const gate_table *t, json_t *o, const char *path, gate_msg *m,
            size_t *cap, char *err, size_t errlen)
{
	json_t *gate = json_object_get(o, "gate");
	json_t *h = json_object_get(o, "height_cm");
	json_t *tm = json_object_get(o, "time");
	gate_entry e = {.height_cm = -1};
	int idx;

	if (!json_is_object(o))
		return ferr(err, errlen, "%s: must be an object", path);
	if (!json_is_string(gate))
		return ferr(err, errlen, "%sgate: must be a gate name", path);
	if ((idx = gate_find(t, json_string_value(gate))) < 0)
		return ferr(err, errlen,
		            "%sgate: unknown gate \"%.60s\" (not in the gate "
		            "layer)",
		            path, json_string_value(gate));
	e.gate = (size_t)idx;
	if (parse_level(json_object_get(o, "level"), &e.level) != 0)
		return ferr(err, errlen,
		            "%slevel: must be 1..4 (Siaga I..IV; 1 is "
		            "critical)",
		            path);
	if (tm && !json_is_null(tm) &&
	    (!json_is_string(tm) ||
	     cap_time_parse(json_string_value(tm), &e.time) != 0))
		return ferr(err, errlen, "%stime: not an RFC 3339 time", path);
	if (h && !json_is_null(h)) {
		if (!json_is_integer(h) || json_integer_value(h) < 0 ||
		    json_integer_value(h) > 5000)
			return ferr(err, errlen, "%sheight_cm: must be 0..5000",
			            path);
		e.height_cm = (int)json_integer_value(h);
	}
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].gate == e.gate) {
			m->v[i] = e; /* the last entry wins */
			return 0;
		}
	}
	if (m->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		gate_entry *v = realloc(m->v, nc * sizeof(*v));
		if (v == NULL) {
			posko_seterr(err, errlen, "out of memory");
			return GATE_ENOMEM;
		}
		m->v = v;
		*cap = nc;
	}
	m->v[m->n++] = e;
	return 0;
}

static int
valid_source(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return 0;
	return 1;
}

static int
parse_root(json_t *root, const gate_table *t, gate_msg *m, char *err,
           size_t errlen)
{
	json_t *v = json_object_get(root, "v");
	json_t *kind = json_object_get(root, "kind");
	json_t *src = json_object_get(root, "source");
	json_t *tm = json_object_get(root, "time");
	size_t cap = 0;
	int rc;

	if (!json_is_object(root))
		return ferr(err, errlen, "message: must be a JSON object");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return ferr(err, errlen, "v: must be 1");
	const char *k = json_string_value(kind);
	if (k == NULL ||
	    (strcmp(k, "gate.level") != 0 && strcmp(k, "gate.levels") != 0))
		return ferr(err, errlen,
		            "kind: must be \"gate.level\" or \"gate.levels\"");
	if (src &&
	    (!json_is_string(src) || !valid_source(json_string_value(src))))
		return ferr(err, errlen,
		            "source: 1..64 characters of A-Z a-z 0-9 . _ : -");
	if ((m->source = strdup(src ? json_string_value(src) : "gate")) ==
	    NULL) {
		posko_seterr(err, errlen, "out of memory");
		return GATE_ENOMEM;
	}
	if (tm && !json_is_null(tm) &&
	    (!json_is_string(tm) ||
	     cap_time_parse(json_string_value(tm), &m->time) != 0))
		return ferr(err, errlen, "time: not an RFC 3339 time");
	if (strcmp(k, "gate.level") == 0) {
		if ((rc = parse_entry(t, root, "", m, &cap, err, errlen)) != 0)
			return rc;
		if (m->v[0].time == 0)
			m->v[0].time = m->time;
		return 0;
	}
	json_t *levels = json_object_get(root, "levels");
	if (!json_is_array(levels) || json_array_size(levels) == 0)
		return ferr(err, errlen, "levels: must be a non-empty array");
	for (size_t i = 0; i < json_array_size(levels); i++) {
		char path[32];
		snprintf(path, sizeof(path), "levels[%zu].", i);
		if ((rc = parse_entry(t, json_array_get(levels, i), path, m,
		                      &cap, err, errlen)) != 0)
			return rc;
	}
	return 0;
}

int
gate_parse(const char *json, size_t len, const gate_table *t, gate_msg *out,
           char *err, size_t errlen)
{
	json_t *root;
	int rc;

	if (out == NULL || json == NULL || t == NULL) {
		posko_seterr(err, errlen, "message: missing");
		return GATE_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	root = posko_json_message(json, len, err, errlen);
	if (root == NULL)
		return GATE_EJSON;
	rc = parse_root(root, t, out, err, errlen);
	json_decref(root);
	if (rc != 0)
		gate_msg_clear(out);
	return rc;
}

void
gate_msg_clear(gate_msg *m)
{
	if (m == NULL)
		return;
	free(m->source);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- watch sets
 * -------------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorted union of the watch lists of every gate at its level in s. */
static int
watch_of(const gate_table *t, const struct gstate *s,
         const struct posko_config *cfg, uint32_t **codes, size_t *n)
{
	size_t total = 0, k = 0;
	uint32_t *v;

	*codes = NULL;
	*n = 0;
	if (cfg == NULL)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct config_gate_watch *w =
		    s[i].level
		        ? config_gate_watch(cfg, t->g[i].name, s[i].level)
		        : NULL;
		total += w ? w->nkelurahan : 0;
	}
	if (total == 0)
		return 0;
	if ((v = malloc(total * sizeof(*v))) == NULL)
		return GATE_ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct config_gate_watch *w =
		    s[i].level
		        ? config_gate_watch(cfg, t->g[i].name, s[i].level)
		        : NULL;
		for (size_t j = 0; w && j < w->nkelurahan; j++)
			v[k++] = w->kelurahan[j];
	}
	qsort(v, k, sizeof(*v), cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	*codes = v;
	*n = u;
	return 0;
}

int
gate_watch_set(const gate_table *t, const struct posko_config *cfg,
               uint32_t **codes, size_t *n)
{
	if (t == NULL || codes == NULL || n == NULL)
		return GATE_EINVAL;
	return watch_of(t, t->s, cfg, codes, n);
}

/* Elements of a (sorted) not in b (sorted). */
static int
minus(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
      uint32_t **out, size_t *nout)
{
	size_t j = 0, k = 0;

	*out = NULL;
	*nout = 0;
	if (na == 0)
		return 0;
	if ((*out = malloc(na * sizeof(**out))) == NULL)
		return GATE_ENOMEM;
	for (size_t i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j == nb || b[j] != a[i])
			(*out)[k++] = a[i];
	}
	*nout = k;
	if (k == 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

/* ---- reports
 * ------------------------------------------------------------------- */

static int
gate_report(const gate_table *t, size_t i, const struct gstate *st,
            report_action action, int level, time_t when,
            const struct posko_config *cfg, posko_report *r)
{
	struct tm tm;
	time_t o = st->opened;
	char sid[GATE_NAME_LEN + 96], title[GATE_NAME_LEN + 32];
	const struct config_gate_watch *w;

	memset(r, 0, sizeof(*r));
	gmtime_r(&o, &tm);
	snprintf(sid, sizeof(sid), "gate-%s-%04d%02d%02dT%02d%02d%02dZ",
	         t->g[i].slug, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
	snprintf(title, sizeof(title), "%s Siaga %d", t->g[i].name, level);
	r->origin = ORIGIN_GATE;
	r->action = action;
	r->type = INCIDENT_FLOOD;
	r->time = when;
	r->severity.kind = SEV_SIAGA;
	r->severity.value = level;
	r->source = strdup(st->source);
	r->source_id = strdup(sid);
	r->title = strdup(title);
	if (!r->source || !r->source_id || !r->title)
		return GATE_ENOMEM;
	w = action != REPORT_CANCEL && cfg
	        ? config_gate_watch(cfg, t->g[i].name, level)
	        : NULL;
	if (w && w->nkelurahan > 0) {
		r->footprint.codes = malloc(w->nkelurahan * sizeof(uint32_t));
		if (r->footprint.codes == NULL)
			return GATE_ENOMEM;
		memcpy(r->footprint.codes, w->kelurahan,
		       w->nkelurahan * sizeof(uint32_t));
		r->footprint.ncodes = w->nkelurahan;
		r->footprint.kind = FOOT_KELURAHAN;
	}
	return 0;
}

void
gate_result_clear(gate_result *r)
{
	if (r == NULL)
		return;
	free(r->changes);
	for (size_t i = 0; i < r->nreports; i++)
		posko_report_clear(&r->reports[i]);
	free(r->reports);
	free(r->watch_on);
	free(r->watch_off);
	memset(r, 0, sizeof(*r));
}

int
gate_ingest(gate_table *t, const gate_msg *m, const struct posko_config *cfg,
            time_t now, gate_result *out, char *err, size_t errlen)
{
	struct gstate *ns = NULL;
	uint32_t *before = NULL, *after = NULL;
	size_t nb = 0, na = 0;
	int rc = GATE_ENOMEM;

	if (out == NULL) {
		posko_seterr(err, errlen, "gate_ingest: NULL argument");
		return GATE_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (t == NULL || m == NULL || m->source == NULL) {
		posko_seterr(err, errlen, "gate_ingest: NULL argument");
		return GATE_EINVAL;
	}
	if (t->n == 0) {
		posko_seterr(err, errlen, "gates: no gate layer loaded");
		return GATE_EINVAL;
	}
	if ((ns = malloc(t->n * sizeof(*ns))) == NULL)
		goto fail;
	memcpy(ns, t->s, t->n * sizeof(*ns));
	if (m->n > 0) {
		out->changes = calloc(m->n, sizeof(*out->changes));
		out->reports = calloc(m->n, sizeof(*out->reports));
		if (!out->changes || !out->reports)
			goto fail;
	}
	for (size_t k = 0; k < m->n; k++) {
		const gate_entry *e = &m->v[k];
		size_t i = e->gate;
		if (i >= t->n || e->level < 1 || e->level > 4) {
			posko_seterr(err, errlen, "levels[%zu]: bad gate or level",
			       k);
			rc = GATE_EINVAL;
			goto fail;
		}
		int from = ns[i].level, to = e->level;
		time_t when = e->time ? e->time : m->time ? m->time : now;
		if (from == to)
			continue;
		out->changes[out->nchanges++] =
		    (gate_change){i, from, to, when};
		int was = from == 0 ? GATE_NORMAL : from;
		report_action act;
		if (was == GATE_NORMAL && to == GATE_NORMAL) {
			ns[i].level = to;
			continue;
		} else if (was == GATE_NORMAL) {
			act = REPORT_OPEN;
			ns[i].opened = when;
			snprintf(ns[i].source, sizeof(ns[i].source), "%s",
			         m->source);
		} else {
			act = to == GATE_NORMAL ? REPORT_CANCEL : REPORT_UPDATE;
		}
		ns[i].level = to;
		rc = gate_report(t, i, &ns[i], act, to, when, cfg,
		                 &out->reports[out->nreports]);
		out->nreports++;
		if (rc != 0)
			goto fail;
	}
	if ((rc = watch_of(t, t->s, cfg, &before, &nb)) != 0 ||
	    (rc = watch_of(t, ns, cfg, &after, &na)) != 0 ||
	    (rc = minus(after, na, before, nb, &out->watch_on,
	                &out->nwatch_on)) != 0 ||
	    (rc = minus(before, nb, after, na, &out->watch_off,
	                &out->nwatch_off)) != 0)
		goto fail;
	memcpy(t->s, ns, t->n * sizeof(*ns));
	free(ns);
	free(before);
	free(after);
	return 0;
fail:
	if (rc == GATE_ENOMEM)
		posko_seterr(err, errlen, "out of memory");
	gate_result_clear(out);
	free(ns);
	free(before);
	free(after);
	return rc;
}

int
gate_restore(gate_table *t, const char *source, const char *source_id,
             int level)
{
	char slug[GATE_NAME_LEN], iso[32];
	const char *dash;
	time_t opened;

	if (t == NULL || source == NULL || source_id == NULL || level < 1 ||
	    level > 3 || strncmp(source_id, "gate-", 5) != 0)
		return GATE_EINVAL;
	dash = strrchr(source_id, '-');
	if (dash == NULL || strlen(dash + 1) != 16 ||
	    (size_t)(dash - source_id - 5) >= sizeof(slug))
		return GATE_EFIELD;
	memcpy(slug, source_id + 5, (size_t)(dash - source_id - 5));
	slug[dash - source_id - 5] = '\0';
	const char *ts = dash + 1;
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", ts, ts + 4,
	         ts + 6, ts + 9, ts + 11, ts + 13);
	if (cap_time_parse(iso, &opened) != 0)
		return GATE_EFIELD;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->g[i].slug, slug) != 0)
			continue;
		t->s[i].level = level;
		t->s[i].opened = opened;
		snprintf(t->s[i].source, sizeof(t->s[i].source), "%s", source);
		return 0;
	}
	return GATE_EFIELD;
}
