#define _GNU_SOURCE /* timegm */
#include "daemon/ingest.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo/geo.h"

#if __has_include("daemon/cap.h")
#include "daemon/cap.h"
#define HAVE_CAP 1
#endif

void
ingest_msg_clear(ingest_msg *m)
{
	posko_report_clear(&m->rep);
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}

static int
fail(ingest_error *e, const char *code, const char *prefix, const char *field,
     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail(ingest_error *e, const char *code, const char *prefix, const char *field,
     const char *fmt, ...)
{
	char reason[360];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(e->code, sizeof(e->code), "%s", code);
	if (field && *field) {
		snprintf(e->field, sizeof(e->field), "%s%s", prefix, field);
		snprintf(e->message, sizeof(e->message), "%s: %s", e->field,
			 reason);
	} else {
		e->field[0] = '\0';
		snprintf(e->message, sizeof(e->message), "%s", reason);
	}
	return -1;
}

/* A short printable rendering of a JSON value for "got ..." texts. */
static const char *
got(const json_t *v, char *buf, size_t len)
{
	char *s;
	if (v == NULL)
		return "nothing";
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (s == NULL)
		return "?";
	if (strlen(s) > 60)
		strcpy(s + 57, "...");
	snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

uint64_t
ingest_hash_bytes(const void *p, size_t n)
{
	/* FNV-1a 64 (Fowler, Noll, Vo): fast, and collisions between two
	 * different reports of the same key are not a threat model here. */
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t
ingest_hash_json(const json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS |
					  JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	uint64_t h;
	if (s == NULL)
		return 0;
	h = ingest_hash_bytes(s, strlen(s));
	free(s);
	return h;
}

char *
ingest_hash_hex(uint64_t h, char *buf)
{
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
	return buf;
}

int
ingest_parse_time(const char *s, time_t *t)
{
	int y, mo, d, hh, mi, se, n = 0;
	struct tm tm;
	const char *p;
	long off = 0;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &hh, &mi, &se,
		   &n) != 6 ||
	    n != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 ||
	    se > 60)
		return -1;
	p = s + n;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
		    p[3] != ':' || !isdigit((unsigned char)p[4]) ||
		    !isdigit((unsigned char)p[5]))
			return -1;
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
		if (oh > 23 || om > 59)
			return -1;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = timegm(&tm) - off;
	return 0;
}

static int
valid_source(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return 0;
	return 1;
}

static int
valid_source_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 128)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
parse_severity(json_t *sev, const char *px, report_severity *out,
	       ingest_error *e)
{
	char g[80];
	const char *key;
	json_t *v;

	if (!json_is_object(sev))
		return fail(e, INGEST_BAD_FIELD, px, "severity",
			    "must be an object such as {\"siaga\":1}, got %s",
			    got(sev, g, sizeof(g)));
	if (json_object_size(sev) != 1)
		return fail(e, INGEST_BAD_FIELD, px, "severity",
			    "give exactly one of siaga, depth_cm, level, "
			    "evacuate, got %s",
			    got(sev, g, sizeof(g)));
	json_object_foreach(sev, key, v)
	{
		if (strcmp(key, "siaga") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 4)
				return fail(e, INGEST_BAD_FIELD, px,
					    "severity.siaga",
					    "must be a water-gate alert level "
					    "1 (critical) to 4 (normal), got %s",
					    got(v, g, sizeof(g)));
			out->kind = SEV_SIAGA;
			out->value = (int)json_integer_value(v);
		} else if (strcmp(key, "depth_cm") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 2000)
				return fail(e, INGEST_BAD_FIELD, px,
					    "severity.depth_cm",
					    "must be a whole number of "
					    "centimetres from 0 to 2000, got %s",
					    got(v, g, sizeof(g)));
			out->kind = SEV_DEPTH_CM;
			out->value = (int)json_integer_value(v);
		} else if (strcmp(key, "level") == 0) {
			static const char *const lv[] = {
				"minor", "moderate", "severe", "extreme"};
			const char *s = json_string_value(v);
			int found = 0;
			for (int i = 0; s && i < 4; i++)
				if (strcmp(s, lv[i]) == 0)
					found = i + 1;
			if (!found)
				return fail(e, INGEST_BAD_FIELD, px,
					    "severity.level",
					    "must be minor, moderate, severe or "
					    "extreme, got %s",
					    got(v, g, sizeof(g)));
			out->kind = SEV_LEVEL;
			out->value = found;
		} else if (strcmp(key, "evacuate") == 0) {
			if (!json_is_true(v))
				return fail(e, INGEST_BAD_FIELD, px,
					    "severity.evacuate",
					    "must be true (an evacuation order); "
					    "leave it out otherwise, got %s",
					    got(v, g, sizeof(g)));
			out->kind = SEV_EVACUATE;
			out->value = 1;
		} else {
			return fail(e, INGEST_BAD_FIELD, px, "severity",
				    "unknown kind \"%s\"; give one of siaga, "
				    "depth_cm, level, evacuate",
				    key);
		}
	}
	return 0;
}

static int
check_position(json_t *pos, const char *px, const char *path, ingest_error *e)
{
	char g[80];
	double lon, lat;
	if (!json_is_array(pos) || json_array_size(pos) < 2 ||
	    !json_is_number(json_array_get(pos, 0)) ||
	    !json_is_number(json_array_get(pos, 1)))
		return fail(e, INGEST_BAD_FIELD, px, path,
			    "must be a position [lon, lat], got %s",
			    got(pos, g, sizeof(g)));
	lon = json_number_value(json_array_get(pos, 0));
	lat = json_number_value(json_array_get(pos, 1));
	if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
		return fail(e, INGEST_BAD_FIELD, px, path,
			    "longitude must be -180..180 and latitude -90..90 "
			    "(GeoJSON order is [lon, lat]), got %s",
			    got(pos, g, sizeof(g)));
	return 0;
}

static int
check_ring(json_t *ring, const char *px, const char *path, ingest_error *e)
{
	char p[128], g[80];
	size_t n;
	if (!json_is_array(ring) || (n = json_array_size(ring)) < 4)
		return fail(e, INGEST_BAD_FIELD, px, path,
			    "a ring needs at least 4 positions (closed), got %s",
			    got(ring, g, sizeof(g)));
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%.100s[%zu]", path, i);
		if (check_position(json_array_get(ring, i), px, p, e))
			return -1;
	}
	if (!json_equal(json_array_get(ring, 0), json_array_get(ring, n - 1)))
		return fail(e, INGEST_BAD_FIELD, px, path,
			    "ring is not closed: the last position must repeat "
			    "the first");
	return 0;
}

static int
check_polygon(json_t *poly, const char *px, const char *path, ingest_error *e)
{
	char p[128], g[80];
	if (!json_is_array(poly) || json_array_size(poly) < 1)
		return fail(e, INGEST_BAD_FIELD, px, path,
			    "must be an array of rings, got %s",
			    got(poly, g, sizeof(g)));
	for (size_t i = 0; i < json_array_size(poly); i++) {
		snprintf(p, sizeof(p), "%.100s[%zu]", path, i);
		if (check_ring(json_array_get(poly, i), px, p, e))
			return -1;
	}
	return 0;
}

static int
parse_geometry(json_t *geom, const char *px, report_footprint *fp,
	       ingest_error *e)
{
	char g[80], p[128];
	const char *type = json_string_value(json_object_get(geom, "type"));
	json_t *coords = json_object_get(geom, "coordinates");

	if (!json_is_object(geom))
		return fail(e, INGEST_BAD_FIELD, px, "footprint.geometry",
			    "must be a GeoJSON geometry object, got %s",
			    got(geom, g, sizeof(g)));
	if (type == NULL ||
	    (strcmp(type, "Polygon") && strcmp(type, "MultiPolygon")))
		return fail(e, INGEST_BAD_FIELD, px, "footprint.geometry.type",
			    "must be Polygon or MultiPolygon, got %s",
			    got(json_object_get(geom, "type"), g, sizeof(g)));
	if (strcmp(type, "Polygon") == 0) {
		if (check_polygon(coords, px, "footprint.geometry.coordinates",
				  e))
			return -1;
	} else {
		if (!json_is_array(coords) || json_array_size(coords) < 1)
			return fail(e, INGEST_BAD_FIELD, px,
				    "footprint.geometry.coordinates",
				    "must be an array of polygons, got %s",
				    got(coords, g, sizeof(g)));
		for (size_t i = 0; i < json_array_size(coords); i++) {
			snprintf(p, sizeof(p),
				 "footprint.geometry.coordinates[%zu]", i);
			if (check_polygon(json_array_get(coords, i), px, p, e))
				return -1;
		}
	}
	fp->kind = FOOT_GEOMETRY;
	fp->geojson = json_dumps(geom, JSON_COMPACT | JSON_REAL_PRECISION(17));
	return fp->geojson ? 0
			   : fail(e, INGEST_BAD_FIELD, px, "footprint",
				  "out of memory");
}

static int
parse_footprint(json_t *f, const char *px, report_footprint *fp,
		ingest_error *e)
{
	char g[80], p[128];
	json_t *v;

	if (!json_is_object(f))
		return fail(e, INGEST_BAD_FIELD, px, "footprint",
			    "must be an object with geometry, point + "
			    "radius_m, kelurahan or rw, got %s",
			    got(f, g, sizeof(g)));
	int forms = !!json_object_get(f, "geometry") +
		    !!json_object_get(f, "point") +
		    !!json_object_get(f, "kelurahan") + !!json_object_get(f, "rw");
	if (forms != 1)
		return fail(e, INGEST_BAD_FIELD, px, "footprint",
			    "give exactly one of geometry, point (with "
			    "radius_m), kelurahan, rw; got %d",
			    forms);
	if ((v = json_object_get(f, "geometry")))
		return parse_geometry(v, px, fp, e);
	if ((v = json_object_get(f, "point"))) {
		json_t *r = json_object_get(f, "radius_m");
		double rad;
		if (check_position(v, px, "footprint.point", e))
			return -1;
		if (json_array_size(v) != 2)
			return fail(e, INGEST_BAD_FIELD, px, "footprint.point",
				    "must be [lon, lat], got %s",
				    got(v, g, sizeof(g)));
		if (r == NULL)
			return fail(e, INGEST_BAD_FIELD, px,
				    "footprint.radius_m",
				    "is required with point: a positive number "
				    "of metres");
		rad = json_number_value(r);
		if (!json_is_number(r) || !(rad > 0))
			return fail(e, INGEST_BAD_FIELD, px,
				    "footprint.radius_m",
				    "must be a positive number of metres, got %s",
				    got(r, g, sizeof(g)));
		if (rad > 50000)
			return fail(e, INGEST_BAD_FIELD, px,
				    "footprint.radius_m",
				    "must be at most 50000 metres (use a "
				    "polygon or kelurahan list for larger "
				    "areas), got %s",
				    got(r, g, sizeof(g)));
		fp->kind = FOOT_CIRCLE;
		fp->lon = json_number_value(json_array_get(v, 0));
		fp->lat = json_number_value(json_array_get(v, 1));
		fp->radius_m = rad;
		return 0;
	}
	if ((v = json_object_get(f, "kelurahan"))) {
		size_t n = json_array_size(v);
		if (!json_is_array(v) || n < 1 || n > 300)
			return fail(e, INGEST_BAD_FIELD, px,
				    "footprint.kelurahan",
				    "must be an array of 1 to 300 kelurahan "
				    "codes, got %s",
				    got(v, g, sizeof(g)));
		fp->codes = calloc(n, sizeof(uint32_t));
		if (fp->codes == NULL)
			return fail(e, INGEST_BAD_FIELD, px, "footprint",
				    "out of memory");
		fp->kind = FOOT_KELURAHAN;
		fp->ncodes = n;
		for (size_t i = 0; i < n; i++) {
			const char *s = json_string_value(json_array_get(v, i));
			snprintf(p, sizeof(p), "footprint.kelurahan[%zu]", i);
			if (s == NULL || geo_kel_parse(s, &fp->codes[i]))
				return fail(e, INGEST_BAD_FIELD, px, p,
					    "%s is not a kelurahan code like "
					    "31.71.01.1001",
					    got(json_array_get(v, i), g,
						sizeof(g)));
		}
		return 0;
	}
	v = json_object_get(f, "rw");
	size_t n = json_array_size(v);
	if (!json_is_array(v) || n < 1 || n > 3000)
		return fail(e, INGEST_BAD_FIELD, px, "footprint.rw",
			    "must be an array of 1 to 3000 RW ids, got %s",
			    got(v, g, sizeof(g)));
	fp->rw_ids = calloc(n, sizeof(char *));
	if (fp->rw_ids == NULL)
		return fail(e, INGEST_BAD_FIELD, px, "footprint",
			    "out of memory");
	fp->kind = FOOT_RW;
	fp->ncodes = n;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(v, i));
		uint32_t kel;
		unsigned rw;
		snprintf(p, sizeof(p), "footprint.rw[%zu]", i);
		if (s == NULL || geo_rw_parse(s, &kel, &rw))
			return fail(e, INGEST_BAD_FIELD, px, p,
				    "%s is not an RW id like 3172011001-09",
				    got(json_array_get(v, i), g, sizeof(g)));
		fp->rw_ids[i] = strdup(s);
		if (fp->rw_ids[i] == NULL)
			return fail(e, INGEST_BAD_FIELD, px, "footprint",
				    "out of memory");
	}
	return 0;
}

static void
note_key(json_t *obj, ingest_error *e)
{
	const char *s = json_string_value(json_object_get(obj, "source"));
	const char *id = json_string_value(json_object_get(obj, "source_id"));
	snprintf(e->source, sizeof(e->source), "%s", s ? s : "");
	snprintf(e->source_id, sizeof(e->source_id), "%s", id ? id : "");
}

static int
parse_object(json_t *obj, const char *px, ingest_msg *m, ingest_error *e)
{
	char g[80];
	json_t *v;
	const char *s;
	posko_report *r = &m->rep;

	memset(e, 0, sizeof(*e));
	memset(m, 0, sizeof(*m));
	if (!json_is_object(obj))
		return fail(e, INGEST_BAD_JSON, px, "",
			    "a message must be a JSON object");
	note_key(obj, e);
	v = json_object_get(obj, "v");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return fail(e, INGEST_BAD_VERSION, px, "v",
			    "must be 1 (protocol version), got %s",
			    got(v, g, sizeof(g)));
	s = json_string_value(json_object_get(obj, "kind"));
	if (s == NULL)
		return fail(e, INGEST_UNKNOWN_KIND, px, "kind",
			    "is required: \"incident.report\"");
	if (strcmp(s, "rw.state") == 0 || strcmp(s, "gate.level") == 0)
		return fail(e, INGEST_UNSUPPORTED, px, "kind",
			    "\"%s\" is handled by the feed module, which this "
			    "poskod does not have yet",
			    s);
	if (strcmp(s, "incident.report") != 0)
		return fail(e, INGEST_UNKNOWN_KIND, px, "kind",
			    "unknown message kind \"%s\"; this socket takes "
			    "\"incident.report\"",
			    s);

	v = json_object_get(obj, "source");
	if (!json_is_string(v) || !valid_source(json_string_value(v)))
		return fail(e, INGEST_BAD_FIELD, px, "source",
			    "must be 1 to 64 letters, digits or . _ : - "
			    "naming the sender, got %s",
			    got(v, g, sizeof(g)));
	v = json_object_get(obj, "source_id");
	if (!json_is_string(v) || !valid_source_id(json_string_value(v)))
		return fail(e, INGEST_BAD_FIELD, px, "source_id",
			    "must be 1 to 128 printable characters, the "
			    "sender's id for the incident, got %s",
			    got(v, g, sizeof(g)));
	r->origin = ORIGIN_JSON;
	r->source = strdup(json_string_value(json_object_get(obj, "source")));
	r->source_id =
		strdup(json_string_value(json_object_get(obj, "source_id")));
	if (!r->source || !r->source_id)
		goto nomem;

	v = json_object_get(obj, "action");
	s = v ? json_string_value(v) : "open";
	if (s == NULL)
		s = "";
	if (strcmp(s, "open") == 0)
		r->action = REPORT_OPEN;
	else if (strcmp(s, "update") == 0)
		r->action = REPORT_UPDATE;
	else if (strcmp(s, "cancel") == 0)
		r->action = REPORT_CANCEL;
	else
		return fail(e, INGEST_BAD_FIELD, px, "action",
			    "must be open, update or cancel, got %s",
			    got(v, g, sizeof(g)));
	if (r->action == REPORT_CANCEL)
		goto done;

	if ((v = json_object_get(obj, "type"))) {
		int t = json_is_string(v)
				? incident_type_parse(json_string_value(v))
				: -1;
		if (t < 0)
			return fail(e, INGEST_BAD_FIELD, px, "type",
				    "must be flood, fire, collapse, "
				    "extreme_weather, earthquake or other, "
				    "got %s",
				    got(v, g, sizeof(g)));
		r->type = (incident_type)t;
		m->has |= INGEST_HAS_TYPE;
	} else if (r->action == REPORT_OPEN) {
		return fail(e, INGEST_BAD_FIELD, px, "type",
			    "is required to open an incident (flood, fire, "
			    "collapse, extreme_weather, earthquake, other)");
	}
	if ((v = json_object_get(obj, "time"))) {
		if (!json_is_string(v) ||
		    ingest_parse_time(json_string_value(v), &r->time))
			return fail(e, INGEST_BAD_FIELD, px, "time",
				    "must be an RFC 3339 time like "
				    "2007-02-02T06:00:00+07:00, got %s",
				    got(v, g, sizeof(g)));
		m->has |= INGEST_HAS_TIME;
	}
	if ((v = json_object_get(obj, "title"))) {
		if (!json_is_string(v) || strlen(json_string_value(v)) > 200)
			return fail(e, INGEST_BAD_FIELD, px, "title",
				    "must be text of at most 200 bytes, got %s",
				    got(v, g, sizeof(g)));
		r->title = strdup(json_string_value(v));
		if (r->title == NULL)
			goto nomem;
		m->has |= INGEST_HAS_TITLE;
	}
	if ((v = json_object_get(obj, "severity"))) {
		if (parse_severity(v, px, &r->severity, e))
			return -1;
		m->has |= INGEST_HAS_SEVERITY;
	} else if (r->action == REPORT_OPEN) {
		return fail(e, INGEST_BAD_FIELD, px, "severity",
			    "is required to open an incident: one of "
			    "{\"siaga\":1..4}, {\"depth_cm\":N}, "
			    "{\"level\":\"...\"}, {\"evacuate\":true}");
	}
	if ((v = json_object_get(obj, "footprint"))) {
		if (parse_footprint(v, px, &r->footprint, e))
			return -1;
		m->has |= INGEST_HAS_FOOTPRINT;
	} else if (r->action == REPORT_OPEN) {
		return fail(e, INGEST_BAD_FIELD, px, "footprint",
			    "is required to open an incident: a geometry, a "
			    "point with radius_m, or kelurahan or rw codes");
	}
	if ((v = json_object_get(obj, "days"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 90)
			return fail(e, INGEST_BAD_FIELD, px, "days",
				    "must be a whole number of days from 1 to "
				    "90 (the emergency period), got %s",
				    got(v, g, sizeof(g)));
		r->days = (int)json_integer_value(v);
		m->has |= INGEST_HAS_DAYS;
	}
	if ((v = json_object_get(obj, "exercise"))) {
		if (!json_is_boolean(v))
			return fail(e, INGEST_BAD_FIELD, px, "exercise",
				    "must be true or false, got %s",
				    got(v, g, sizeof(g)));
		r->exercise = json_is_true(v);
	}
done:
	m->json = json_incref(obj);
	m->hash = ingest_hash_json(obj);
	return 0;
nomem:
	return fail(e, INGEST_BAD_FIELD, px, "", "out of memory");
}

int
ingest_parse_object(json_t *obj, const char *px, ingest_msg *m,
		    ingest_error *e)
{
	int rc = parse_object(obj, px, m, e);
	if (rc)
		ingest_msg_clear(m);
	return rc;
}

int
ingest_parse(const char *buf, size_t len, size_t max_bytes,
	     const struct posko_config *cfg, const void *capctx,
	     ingest_msg *m, ingest_error *e)
{
	json_error_t je;
	json_t *obj;
	size_t i = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	memset(m, 0, sizeof(*m));
	if (max_bytes && len > max_bytes)
		return fail(e, INGEST_TOO_LARGE, "", "",
			    "message of %zu bytes is larger than the limit of "
			    "%zu bytes (max_message_bytes); split the "
			    "footprint or simplify the polygon",
			    len, max_bytes);
	/* tolerate one trailing NUL or newline (nanocat --data adds none,
	 * echo does) */
	while (len > 0 && (buf[len - 1] == '\0' || buf[len - 1] == '\n' ||
			   buf[len - 1] == '\r'))
		len--;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i < len && buf[i] == '<') {
#ifdef HAVE_CAP
		char err[400];
		int crc;
		if (capctx == NULL)
			return fail(e, INGEST_UNSUPPORTED, "", "",
				    "CAP not supported: the CAP schema could "
				    "not be loaded at start (see the log)");
		crc = cap_parse(capctx, buf, len, cfg, &m->rep, err,
			       sizeof(err));
		if (crc != 0) {
			posko_report_clear(&m->rep);
			return fail(e, cap_err_code(crc), "", "", "%s", err);
		}
		m->rep.origin = ORIGIN_CAP;
		m->json = ingest_report_to_json(&m->rep);
		m->hash = ingest_hash_bytes(buf, len);
		m->has = INGEST_HAS_TYPE | INGEST_HAS_SEVERITY |
			 INGEST_HAS_FOOTPRINT | INGEST_HAS_TIME |
			 (m->rep.title ? INGEST_HAS_TITLE : 0) |
			 (m->rep.days ? INGEST_HAS_DAYS : 0);
		return m->json ? 0 : fail(e, INGEST_BAD_FIELD, "", "", "nomem");
#else
		(void)cfg;
		(void)capctx;
		return fail(e, INGEST_UNSUPPORTED, "", "",
			    "CAP not supported yet: this poskod was built "
			    "without the CAP 1.2 module; send a JSON "
			    "incident.report");
#endif
	}
	obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (obj == NULL)
		return fail(e, INGEST_BAD_JSON, "", "",
			    "not valid JSON at line %d column %d: %s", je.line,
			    je.column, je.text);
	rc = ingest_parse_object(obj, "", m, e);
	json_decref(obj);
	if (rc)
		ingest_msg_clear(m);
	return rc;
}

json_t *
ingest_merge(const json_t *cur, const json_t *upd)
{
	static const char *const keys[] = {"type",	"severity", "footprint",
					   "days",	"title",    "time",
					   "exercise"};
	json_t *out = json_deep_copy(cur);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(upd, keys[i]);
		if (v)
			json_object_set(out, keys[i], v);
	}
	json_object_set_new(out, "action", json_string("open"));
	return out;
}

json_t *
ingest_severity_json(const report_severity *s)
{
	static const char *const lv[] = {"none", "minor", "moderate", "severe",
					 "extreme"};
	switch (s->kind) {
	case SEV_SIAGA:
		return json_pack("{s:i}", "siaga", s->value);
	case SEV_DEPTH_CM:
		return json_pack("{s:i}", "depth_cm", s->value);
	case SEV_LEVEL:
		return json_pack("{s:s}", "level",
				 lv[s->value >= 1 && s->value <= 4 ? s->value
								     : 0]);
	case SEV_EVACUATE:
		return json_pack("{s:b}", "evacuate", 1);
	case SEV_RW_STATE:
		return json_pack("{s:i}", "rw_state", s->value);
	case SEV_NONE:
		break;
	}
	return json_object();
}

static json_t *
footprint_json(const report_footprint *f)
{
	json_t *a;
	switch (f->kind) {
	case FOOT_GEOMETRY:
		return json_pack("{s:o}", "geometry",
				 json_loads(f->geojson, 0, NULL));
	case FOOT_CIRCLE:
		return json_pack("{s:[f,f],s:f}", "point", f->lon, f->lat,
				 "radius_m", f->radius_m);
	case FOOT_KELURAHAN:
		a = json_array();
		for (size_t i = 0; i < f->ncodes; i++) {
			char b[GEO_KEL_BUFLEN];
			json_array_append_new(
				a, json_string(geo_kel_format(f->codes[i], b)));
		}
		return json_pack("{s:o}", "kelurahan", a);
	case FOOT_RW:
		a = json_array();
		for (size_t i = 0; i < f->ncodes; i++)
			json_array_append_new(a, json_string(f->rw_ids[i]));
		return json_pack("{s:o}", "rw", a);
	case FOOT_NONE:
		break;
	}
	return NULL;
}

json_t *
ingest_report_to_json(const posko_report *r)
{
	char t[32];
	struct tm tm;
	json_t *o = json_pack("{s:i,s:s,s:s?,s:s?,s:s}", "v", 1, "kind",
			      "incident.report", "source", r->source,
			      "source_id", r->source_id, "action",
			      report_action_name(r->action));
	if (o == NULL)
		return NULL;
	if (r->action == REPORT_CANCEL)
		return o;
	json_object_set_new(o, "type",
			    json_string(incident_type_name(r->type)));
	if (r->severity.kind != SEV_NONE)
		json_object_set_new(o, "severity",
				    ingest_severity_json(&r->severity));
	if (r->footprint.kind != FOOT_NONE)
		json_object_set_new(o, "footprint",
				    footprint_json(&r->footprint));
	if (r->time) {
		time_t tt = r->time;
		gmtime_r(&tt, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(o, "time", json_string(t));
	}
	if (r->title)
		json_object_set_new(o, "title", json_string(r->title));
	if (r->days)
		json_object_set_new(o, "days", json_integer(r->days));
	if (r->exercise)
		json_object_set_new(o, "exercise", json_true());
	return o;
}
