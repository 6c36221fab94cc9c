/*
 * daemon/sitrep.c - the situation report as JSON and GeoJSON (see
 * sitrep.h and docs/feed.md, "Situation report").
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/report.h"
#include "daemon/sitrep.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>


char *
sitrep_kelurahan_code(uint32_t c, char *buf, size_t n)
{
	snprintf(buf, n, "%02u.%02u.%02u.%04u", c / 100000000u,
	         c / 1000000u % 100, c / 10000u % 100, c % 10000u);
	return buf;
}

char *
sitrep_date(const sitrep *s, char *buf, size_t n)
{
	time_t t = s->generated + (time_t)s->utc_offset_min * 60;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(buf, n, "%Y-%m-%d", &tm) == 0 && n > 0)
		buf[0] = '\0';
	return buf;
}

static void
add(sitrep_count *a, sitrep_count b)
{
	a->households += b.households;
	a->persons += b.persons;
}

void
sitrep_sum(const sitrep *s, sitrep_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->nincidents; i++) {
		const sitrep_incident *in = &s->incidents[i];
		if (!in->open || in->exercise)
			continue;
		t->incidents_open++;
		add(&t->affected, in->affected);
		add(&t->evacuees, in->evacuees);
		add(&t->placed, in->placed);
		add(&t->unplaced, in->unplaced);
	}
	for (size_t i = 0; i < s->nshelters; i++) {
		const sitrep_shelter *sh = &s->shelters[i];
		int full = sh->state && strcmp(sh->state, "full") == 0;
		int open = sh->state && strcmp(sh->state, "open") == 0;
		if (!open && !full)
			continue;
		t->shelters_open += open;
		t->shelters_full += full;
		t->capacity += sh->capacity;
		t->registered += sh->registered;
		t->present += sh->present;
		if (sh->capacity > sh->registered)
			t->free_places += sh->capacity - sh->registered;
	}
	for (size_t i = 0; i < s->nneeds; i++)
		t->shortages += s->needs[i].shortage > 0;
}

/* ---- validation -----------------------------------------------------------
 */

static int
valid_code(uint32_t c)
{
	return c >= 1000000000u;
}

int
sitrep_check(const sitrep *s, char *err, size_t errlen)
{
	if (s == NULL || s->generated <= 0) {
		posko_seterr(err, errlen, "generated: required");
		return SITREP_EINVAL;
	}
	if ((s->nincidents && !s->incidents) ||
	    (s->nkelurahan && !s->kelurahan) ||
	    (s->nshelters && !s->shelters) || (s->nneeds && !s->needs)) {
		posko_seterr(err, errlen, "an array is NULL but its count is not 0");
		return SITREP_EINVAL;
	}
	for (size_t i = 0; i < s->nincidents; i++) {
		if (!s->incidents[i].source || !s->incidents[i].source_id ||
		    incident_type_name(s->incidents[i].type) == NULL) {
			posko_seterr(err, errlen,
			       "incidents[%zu]: source, source_id and a known "
			       "type are required",
			       i);
			return SITREP_EINVAL;
		}
	}
	for (size_t i = 0; i < s->nkelurahan; i++) {
		if (!valid_code(s->kelurahan[i].code)) {
			posko_seterr(err, errlen,
			       "kelurahan[%zu].code: %u is not a 10-digit "
			       "kelurahan code",
			       i, s->kelurahan[i].code);
			return SITREP_EINVAL;
		}
	}
	for (size_t i = 0; i < s->nshelters; i++) {
		const sitrep_shelter *sh = &s->shelters[i];
		if (!sh->id || !isfinite(sh->lon) || !isfinite(sh->lat) ||
		    sh->lon < -180 || sh->lon > 180 || sh->lat < -90 ||
		    sh->lat > 90 ||
		    (sh->kelurahan && !valid_code(sh->kelurahan))) {
			posko_seterr(err, errlen,
			       "shelters[%zu]: id, a WGS84 lon/lat and a "
			       "kelurahan code (or 0) are required",
			       i);
			return SITREP_EINVAL;
		}
	}
	for (size_t i = 0; i < s->nneeds; i++) {
		if (!s->needs[i].item) {
			posko_seterr(err, errlen, "needs[%zu].item: required", i);
			return SITREP_EINVAL;
		}
	}
	return 0;
}

/* ---- JSON ------------------------------------------------------------------
 */

/* RFC 3339 UTC with Z, as every posko output (docs/protocol.md); null for
 * 0. */
static json_t *
jtime(time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
jcount(sitrep_count c)
{
	return json_pack("{s:I,s:I}", "households", (json_int_t)c.households,
	                 "persons", (json_int_t)c.persons);
}

static json_t *
jcode(uint32_t code)
{
	char buf[16];

	return code ? json_string(sitrep_kelurahan_code(code, buf, sizeof(buf)))
	            : json_null();
}

/* The severity as the JSON incident report writes it (protocol.md 1.1). */
static json_t *
jseverity(report_severity s)
{
	static const char *const levels[] = {NULL, "minor", "moderate",
	                                     "severe", "extreme"};

	switch (s.kind) {
	case SEV_SIAGA:
		return json_pack("{s:i}", "siaga", s.value);
	case SEV_DEPTH_CM:
		return json_pack("{s:i}", "depth_cm", s.value);
	case SEV_LEVEL:
		if (s.value >= 1 && s.value <= 4)
			return json_pack("{s:s}", "level", levels[s.value]);
		return json_null();
	case SEV_EVACUATE:
		return json_pack("{s:b}", "evacuate", 1);
	case SEV_RW_STATE:
		return json_pack("{s:i}", "rw_state", s.value);
	default:
		return json_null();
	}
}

static json_t *
jincident(const sitrep_incident *in)
{
	return json_pack(
	    "{s:I,s:s,s:s,s:s,s:o,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "incident", (json_int_t)in->id, "source", in->source, "source_id",
	    in->source_id, "type", incident_type_name(in->type), "title",
	    jstr(in->title), "state", in->open ? "open" : "closed", "exercise",
	    in->exercise, "severity", jseverity(in->severity), "opened",
	    jtime(in->opened), "closed", jtime(in->closed), "affected",
	    jcount(in->affected), "evacuees", jcount(in->evacuees), "placed",
	    jcount(in->placed), "unplaced", jcount(in->unplaced));
}

static json_t *
jkelurahan(const sitrep_kelurahan *k)
{
	char c[16], city[8], kec[12];

	sitrep_kelurahan_code(k->code, c, sizeof(c));
	snprintf(city, sizeof(city), "%.5s", c);
	snprintf(kec, sizeof(kec), "%.8s", c);
	return json_pack("{s:s,s:o,s:s,s:o,s:s,s:o,s:o,s:o,s:o}", "code", c,
	                 "name", jstr(k->name), "kecamatan_code", kec,
	                 "kecamatan", jstr(k->kecamatan), "city_code", city,
	                 "city", jstr(k->city), "affected", jcount(k->affected),
	                 "evacuees", jcount(k->evacuees), "unplaced",
	                 jcount(k->unplaced));
}

/* Shelter fields shared by the JSON and the GeoJSON properties. */
static json_t *
jshelter(const sitrep_shelter *sh, int with_coords)
{
	uint32_t free_places =
	    sh->capacity > sh->registered ? sh->capacity - sh->registered : 0;
	json_t *pct =
	    sh->capacity
	        ? json_real(round(1000.0 * sh->registered / sh->capacity) /
	                    10.0)
	        : json_null();
	json_t *o = json_pack(
	    "{s:s,s:o,s:o,s:o,s:o,s:b,s:I,s:I,s:I,s:I,s:I,s:o}", "id", sh->id,
	    "name", jstr(sh->name), "kind", jstr(sh->kind), "kelurahan",
	    jcode(sh->kelurahan), "state", jstr(sh->state), "accessible",
	    sh->accessible, "capacity", (json_int_t)sh->capacity, "registered",
	    (json_int_t)sh->registered, "present", (json_int_t)sh->present,
	    "households", (json_int_t)sh->households, "free",
	    (json_int_t)free_places, "occupancy_pct", pct);

	if (o && with_coords &&
	    json_object_set_new(o, "point",
	                        json_pack("[ff]", sh->lon, sh->lat)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
jneed(const sitrep_need *n)
{
	return json_pack("{s:s,s:o,s:o,s:I,s:I,s:I,s:I}", "item", n->item,
	                 "shelter", jstr(n->shelter), "kelurahan",
	                 jcode(n->kelurahan), "needed", (json_int_t)n->needed,
	                 "reserved", (json_int_t)n->reserved, "delivered",
	                 (json_int_t)n->delivered, "shortage",
	                 (json_int_t)n->shortage);
}

static json_t *
jtotals(const sitrep_totals *t)
{
	return json_pack(
	    "{s:I,s:o,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I},"
	    "s:I}",
	    "incidents_open", (json_int_t)t->incidents_open, "affected",
	    jcount(t->affected), "evacuees", jcount(t->evacuees), "placed",
	    jcount(t->placed), "unplaced", jcount(t->unplaced), "shelters",
	    "open", (json_int_t)t->shelters_open, "full",
	    (json_int_t)t->shelters_full, "capacity", (json_int_t)t->capacity,
	    "registered", (json_int_t)t->registered, "present",
	    (json_int_t)t->present, "free", (json_int_t)t->free_places,
	    "shortages", (json_int_t)t->shortages);
}

/* Append each element's JSON to a new array under key; -1 on failure. */
#define ADD_ARRAY(obj, key, n, expr)                                           \
	do {                                                                   \
		json_t *arr_ = json_array();                                   \
		if (arr_ == NULL || json_object_set_new(obj, key, arr_) != 0)  \
			goto fail;                                             \
		for (size_t i = 0; i < (n); i++) {                             \
			json_t *e_ = (expr);                                   \
			if (e_ == NULL ||                                      \
			    json_array_append_new(arr_, e_) != 0)              \
				goto fail;                                     \
		}                                                              \
	} while (0)

static int
dump(json_t *root, char **out, size_t *len, char *err, size_t errlen)
{
	*out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (*out == NULL) {
		posko_seterr(err, errlen, "out of memory");
		return SITREP_ENOMEM;
	}
	*len = strlen(*out);
	return 0;
}

int
sitrep_json(const sitrep *s, char **out, size_t *len, char *err, size_t errlen)
{
	sitrep_totals t;
	char date[16];
	json_t *root;
	int rc;

	if (out == NULL || len == NULL)
		return SITREP_EINVAL;
	*out = NULL;
	*len = 0;
	if ((rc = sitrep_check(s, err, errlen)) != 0)
		return rc;
	sitrep_sum(s, &t);
	root = json_pack("{s:i,s:s,s:I,s:o,s:s,s:o,s:o}", "v", 1, "kind",
	                 "sitrep", "seq", (json_int_t)s->seq, "generated",
	                 jtime(s->generated), "date",
	                 sitrep_date(s, date, sizeof(date)), "office",
	                 jstr(s->office), "totals", jtotals(&t));
	if (root == NULL)
		goto fail;
	ADD_ARRAY(root, "incidents", s->nincidents,
	          jincident(&s->incidents[i]));
	ADD_ARRAY(root, "kelurahan", s->nkelurahan,
	          jkelurahan(&s->kelurahan[i]));
	ADD_ARRAY(root, "shelters", s->nshelters, jshelter(&s->shelters[i], 1));
	ADD_ARRAY(root, "needs", s->nneeds, jneed(&s->needs[i]));
	/* shortages: the needs an operator must act on, repeated apart */
	json_t *sh = json_array();
	if (sh == NULL || json_object_set_new(root, "shortages", sh) != 0)
		goto fail;
	for (size_t i = 0; i < s->nneeds; i++) {
		if (s->needs[i].shortage == 0)
			continue;
		json_t *e = jneed(&s->needs[i]);
		if (e == NULL || json_array_append_new(sh, e) != 0)
			goto fail;
	}
	return dump(root, out, len, err, errlen);
fail:
	json_decref(root);
	posko_seterr(err, errlen, "out of memory");
	return SITREP_ENOMEM;
}

int
sitrep_geojson(const sitrep *s, char **out, size_t *len, char *err,
               size_t errlen)
{
	json_t *root, *features;
	int rc;

	if (out == NULL || len == NULL)
		return SITREP_EINVAL;
	*out = NULL;
	*len = 0;
	if ((rc = sitrep_check(s, err, errlen)) != 0)
		return rc;
	root =
	    json_pack("{s:s,s:o,s:o}", "type", "FeatureCollection", "generated",
	              jtime(s->generated), "features", json_array());
	if (root == NULL)
		goto fail;
	features = json_object_get(root, "features");
	for (size_t i = 0; i < s->nshelters; i++) {
		const sitrep_shelter *sh = &s->shelters[i];
		json_t *f = json_pack("{s:s,s:s,s:{s:s,s:[ff]},s:o}", "type",
		                      "Feature", "id", sh->id, "geometry",
		                      "type", "Point", "coordinates", sh->lon,
		                      sh->lat, "properties", jshelter(sh, 0));
		if (f == NULL || json_array_append_new(features, f) != 0)
			goto fail;
	}
	return dump(root, out, len, err, errlen);
fail:
	json_decref(root);
	posko_seterr(err, errlen, "out of memory");
	return SITREP_ENOMEM;
}
