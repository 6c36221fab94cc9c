/*
 * import.c - reference data imported over the control socket
 * (docs/protocol.md 2.8): households, shelters, depots, stock lots.
 *
 * One batch: validate every row (nothing changes when one is bad), store
 * the rows (upserts by id), journal the batch with the rows that changed,
 * then make them live in the engine and the plan. What may change in a
 * record that exists:
 *  - household: anything, unless it belongs to an open incident (the plan
 *    holds its persons and place: changing them under a decision is not
 *    safe); a move rebuilds the household index;
 *  - shelter: name, kind, floor area, capacity and its source,
 *    accessibility (the last two through the plan's shelter step, as
 *    shelter.set_capacity: families that no longer fit are re-homed);
 *    never its place or kelurahan (give a new site a new id);
 *  - depot: name, kelurahan, city; never its place (dispatch distances);
 *  - lot: nothing. Its stock changes through stock.receive and
 *    stock.adjust, which carry a reason. A lot that equals what poskod
 *    holds is unchanged, so importing the same file again changes nothing.
 * A new depot joins the plan at once (alloc_plan_add_depot), before or
 * during incidents: its lots can be imported and received next.
 *
 * The journal row of a batch holds what the replay needs, once: the rows
 * that changed, as arrays of the CSV's columns in a fixed order (the
 * values as sent), and only a summary of the request as its raw text (a
 * 3-million-household register would otherwise be journaled twice).
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/import.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/engine_int.h"
#include "daemon/log.h"
#include "daemon/posko.h"
#include "geo/geo.h"

enum kind { K_HOUSEHOLDS, K_SHELTERS, K_DEPOTS, K_STOCK };

static const char *const kind_cmd[] = {"import.households", "import.shelters",
                                       "import.depots", "import.stock"};

/* A place closer than this to the one held is the same place (metres):
 * the CSV's lon/lat have 5 to 7 decimals, 1 m is 0.00001 degree. */
#define SAME_PLACE_M 1.0
/* rows per batch: the duplicate check is quadratic */
#define MAX_ROWS 20000

enum change { UNCHANGED = 0, ADDED = 1, UPDATED = 2 };

/* One validated row. */
typedef struct irow {
	json_t *src; /* the row as sent (borrowed) */
	long at;     /* index of the record held, -1 when new */
	int change;  /* enum change */
	int replan;  /* shelter: capacity or accessibility changed */
	int moved;   /* household: another place */
	double lon, lat;
	geo_household h;
	geo_shelter s;
	geo_depot d;
	struct {
		long depot;
		char lot[GEO_ID_LEN];
		int item;
		int64_t qty;
		int32_t expires;
		char expires_s[16];
	} l;
} irow;

/* Why a row is refused. */
typedef struct bad {
	const char *code; /* bad_argument | conflict */
	char field[32];
	char why[320];
} bad;

static int fail(bad *b, const char *code, const char *field, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static int
fail(bad *b, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;
	b->code = code;
	snprintf(b->field, sizeof(b->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	return -1;
}

int
import_is_cmd(const char *cmd)
{
	for (size_t i = 0; i < sizeof(kind_cmd) / sizeof(kind_cmd[0]); i++)
		if (strcmp(cmd, kind_cmd[i]) == 0)
			return 1;
	return 0;
}

static int
kind_of(const char *cmd)
{
	for (int i = 0; i < (int)(sizeof(kind_cmd) / sizeof(kind_cmd[0])); i++)
		if (strcmp(cmd, kind_cmd[i]) == 0)
			return i;
	return -1;
}

/* ---- fields ------------------------------------------------------------ */

/* The text of a field: "" when missing or null, numbers as their text
 * (%.17g gives back the same double); NULL for an object or array. */
static const char *
ftext(json_t *o, const char *k, char *buf, size_t len)
{
	json_t *v = json_object_get(o, k);
	if (v == NULL || json_is_null(v))
		return "";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, len, "%.17g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "1" : "0";
	return NULL;
}

/* A whole number in [lo, hi]; "" gives dflt when dflt_ok. */
static int
fint(json_t *o, const char *k, int64_t lo, int64_t hi, int dflt_ok,
     int64_t dflt, int64_t *out, bad *b)
{
	char buf[64], *end;
	const char *t = ftext(o, k, buf, sizeof(buf));
	if (t && *t == '\0' && dflt_ok) {
		*out = dflt;
		return 0;
	}
	if (t == NULL || *t == '\0')
		return fail(b, "bad_argument", k,
		            "%s is required: a whole number %lld to %lld", k,
		            (long long)lo, (long long)hi);
	errno = 0;
	long long v = strtoll(t, &end, 10);
	while (*end == ' ')
		end++;
	/* 12.0 from a spreadsheet is 12 */
	if (*end == '.' && strspn(end + 1, "0") == strlen(end + 1))
		end += strlen(end);
	if (errno || *end || end == t || v < lo || v > hi)
		return fail(
		    b, "bad_argument", k,
		    "%s must be a whole number %lld to %lld, got \"%.40s\"", k,
		    (long long)lo, (long long)hi, t);
	*out = v;
	return 0;
}

/* A finite number in [lo, hi]; "" gives dflt when dflt_ok. */
static int
freal(json_t *o, const char *k, double lo, double hi, int dflt_ok, double dflt,
      double *out, bad *b)
{
	char buf[64], *end;
	const char *t = ftext(o, k, buf, sizeof(buf));
	if (t && *t == '\0' && dflt_ok) {
		*out = dflt;
		return 0;
	}
	if (t == NULL || *t == '\0')
		return fail(b, "bad_argument", k,
		            "%s is required: a number %g to %g", k, lo, hi);
	errno = 0;
	double v = strtod(t, &end);
	while (*end == ' ')
		end++;
	if (errno || *end || end == t || !isfinite(v) || v < lo || v > hi)
		return fail(b, "bad_argument", k,
		            "%s must be a number %g to %g, got \"%.40s\"", k,
		            lo, hi, t);
	*out = v;
	return 0;
}

/* A text field of 1..max-1 bytes without control characters (or "" when
 * empty_ok), copied into out (max bytes). */
static int
fstr(json_t *o, const char *k, char *out, size_t max, int empty_ok, bad *b)
{
	char buf[64];
	const char *t = ftext(o, k, buf, sizeof(buf));
	if (t == NULL)
		return fail(b, "bad_argument", k, "%s must be text", k);
	if (*t == '\0' && !empty_ok)
		return fail(b, "bad_argument", k, "%s is required", k);
	if (strlen(t) >= max)
		return fail(b, "bad_argument", k, "%s is longer than %zu bytes",
		            k, max - 1);
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20)
			return fail(b, "bad_argument", k,
			            "%s holds a control character", k);
	memcpy(out, t, strlen(t) + 1);
	return 0;
}

/* lon, lat in WGS84 -> metric. */
static int
fplace(engine *E, json_t *o, irow *r, double *x, double *y, bad *b)
{
	if (freal(o, "lon", -180, 180, 0, 0, &r->lon, b) ||
	    freal(o, "lat", -90, 90, 0, 0, &r->lat, b))
		return -1;
	if (geo_to_metric(E->gctx, r->lon, r->lat, x, y))
		return fail(b, "bad_argument", "lon",
		            "lon/lat (%g, %g) cannot be placed in the metric "
		            "CRS",
		            r->lon, r->lat);
	return 0;
}

static int
fkel(json_t *o, uint32_t *kel, bad *b)
{
	char t[32];
	*kel = 0;
	if (fstr(o, "kelurahan", t, sizeof(t), 1, b))
		return -1;
	if (*t && geo_kel_parse(t, kel))
		return fail(b, "bad_argument", "kelurahan",
		            "kelurahan must be a code like 31.71.01.1001, got "
		            "\"%s\"",
		            t);
	return 0;
}

static double
dist(double x1, double y1, double x2, double y2)
{
	return hypot(x1 - x2, y1 - y2);
}

/* ---- households ---------------------------------------------------------- */

/* The open incident the household belongs to, or 0. */
static uint32_t
household_busy(const engine *E, uint32_t id)
{
	const struct alloc_plan *pl = &E->plan;
	const uint32_t *open;
	size_t nopen = alloc_plan_open_incidents(pl, &open);
	for (size_t k = 0; k < nopen; k++)
		if (alloc_plan_evacuee_find(pl, open[k], id) >= 0)
			return open[k];
	return 0;
}

static int
v_household(engine *E, json_t *o, irow *r, int replay, bad *b)
{
	geo_household *h = &r->h;
	int64_t v[6];
	static const char *const cols[] = {"members", "elderly", "under5",
	                                   "disabled", "pregnant"};
	memset(h, 0, sizeof(*h));
	if (fint(o, "id", 0, UINT32_MAX, 0, 0, &v[0], b) ||
	    fplace(E, o, r, &h->x, &h->y, b) || fkel(o, &h->kel, b) ||
	    fint(o, "members", 1, 255, 0, 0, &v[1], b))
		return -1;
	for (int i = 1; i < 5; i++)
		if (fint(o, cols[i], 0, v[1], 1, 0, &v[i + 1], b))
			return -1;
	if (v[2] + v[3] > v[1])
		return fail(b, "bad_argument", "elderly",
		            "elderly + under5 (%lld) is more than members "
		            "(%lld)",
		            (long long)(v[2] + v[3]), (long long)v[1]);
	h->id = (uint32_t)v[0];
	h->members = (uint8_t)v[1];
	h->elderly = (uint8_t)v[2];
	h->under5 = (uint8_t)v[3];
	h->disabled = (uint8_t)v[4];
	h->pregnant = (uint8_t)v[5];
	r->at = engine_household_find(E, h->id);
	if (r->at == -2)
		return fail(b, "internal", "", "out of memory");
	if (r->at < 0) {
		r->change = ADDED;
		return 0;
	}
	const geo_household *o0 = &E->hh[r->at];
	r->moved = dist(o0->x, o0->y, h->x, h->y) > SAME_PLACE_M;
	if (!r->moved && o0->members == h->members &&
	    o0->elderly == h->elderly && o0->under5 == h->under5 &&
	    o0->disabled == h->disabled && o0->pregnant == h->pregnant &&
	    (h->kel == 0 || o0->kel == h->kel))
		return 0;
	uint32_t inc = household_busy(E, h->id);
	if (inc && !replay)
		return fail(b, "conflict", "id",
		            "household %u is part of open incident %u; its "
		            "record can change once the incident is closed",
		            h->id, inc);
	r->change = UPDATED;
	return 0;
}

static int
s_household(engine *E, const irow *r)
{
	sqlite3_stmt *st = store_stmt(
	    E->db, "INSERT INTO households (id, lon, lat, kel, members,"
	           " elderly, under5, disabled, pregnant) VALUES"
	           " (?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
	           " lon=excluded.lon, lat=excluded.lat, kel=excluded.kel,"
	           " members=excluded.members, elderly=excluded.elderly,"
	           " under5=excluded.under5, disabled=excluded.disabled,"
	           " pregnant=excluded.pregnant");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->h.id);
	sqlite3_bind_double(st, 2, r->lon);
	sqlite3_bind_double(st, 3, r->lat);
	sqlite3_bind_int64(st, 4, r->h.kel);
	sqlite3_bind_int(st, 5, r->h.members);
	sqlite3_bind_int(st, 6, r->h.elderly);
	sqlite3_bind_int(st, 7, r->h.under5);
	sqlite3_bind_int(st, 8, r->h.disabled);
	sqlite3_bind_int(st, 9, r->h.pregnant);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* ---- shelters ------------------------------------------------------------ */

static int
v_shelter(engine *E, json_t *o, irow *r, int replay, bad *b)
{
	geo_shelter *s = &r->s;
	char t[32];
	int64_t cap, acc;
	geo_shelter_kind kind;
	geo_capacity_source src = GEO_CAP_DECLARED;

	memset(s, 0, sizeof(*s));
	if (fstr(o, "id", s->id, sizeof(s->id), 0, b) ||
	    fstr(o, "name", s->name, sizeof(s->name), 0, b) ||
	    fstr(o, "kind", t, sizeof(t), 0, b))
		return -1;
	if (geo_shelter_kind_parse(t, &kind))
		return fail(b, "bad_argument", "kind",
		            "kind must be school, mosque, sports_hall, office, "
		            "community_hall, tent or other, got \"%s\"",
		            t);
	s->kind = kind;
	if (fplace(E, o, r, &s->x, &s->y, b) || fkel(o, &s->kel, b) ||
	    fint(o, "capacity", 0, 1000000, 1, 0, &cap, b) ||
	    freal(o, "floor_m2", 0, 1e7, 1, 0, &s->floor_m2, b) ||
	    fint(o, "accessible", 0, 1, 1, 0, &acc, b) ||
	    fstr(o, "capacity_source", t, sizeof(t), 1, b))
		return -1;
	if (*t && geo_capacity_source_parse(t, &src))
		return fail(b, "bad_argument", "capacity_source",
		            "capacity_source must be parsed, estimated or "
		            "declared, got \"%s\"",
		            t);
	if (cap == 0) {
		/* Sphere (2018) shelter standard 3: 3.5 m2 per person */
		cap = (int64_t)floor(s->floor_m2 / GEO_SPHERE_M2_PER_PERSON);
		src = GEO_CAP_ESTIMATED;
		if (cap == 0)
			return fail(b, "bad_argument", "capacity",
			            "no capacity: give capacity, or floor_m2 "
			            "of at least %.1f m2",
			            GEO_SPHERE_M2_PER_PERSON);
	}
	s->capacity = (uint32_t)cap;
	s->accessible = (uint8_t)acc;
	s->capacity_source = (uint8_t)src;
	r->at = engine_shelter_find(E, s->id);
	if (r->at < 0) {
		r->change = ADDED;
		return 0;
	}
	const geo_shelter *o0 = &E->sh[r->at];
	if (!replay && (dist(o0->x, o0->y, s->x, s->y) > SAME_PLACE_M ||
	                (s->kel && o0->kel != s->kel)))
		return fail(b, "conflict", "lon",
		            "shelter %s is held at another place; a shelter "
		            "does not move (families are placed by distance): "
		            "give the new site its own id",
		            s->id);
	/* the place held stays (a shelter does not move), so does its
	 * kelurahan when the row gives none: the row as stored and made
	 * live */
	s->x = o0->x;
	s->y = o0->y;
	if (s->kel == 0)
		s->kel = o0->kel;
	r->replan =
	    o0->capacity != s->capacity || o0->accessible != s->accessible;
	if (r->replan || strcmp(o0->name, s->name) || o0->kind != s->kind ||
	    o0->floor_m2 != s->floor_m2 ||
	    o0->capacity_source != s->capacity_source)
		r->change = UPDATED;
	return 0;
}

static int
s_shelter(engine *E, const irow *r)
{
	return engine_store_shelter(E, &r->s);
}

/* ---- depots -------------------------------------------------------------- */

static int
v_depot(engine *E, json_t *o, irow *r, int replay, bad *b)
{
	geo_depot *d = &r->d;
	char t[16];
	memset(d, 0, sizeof(*d));
	if (fstr(o, "id", d->id, sizeof(d->id), 0, b) ||
	    fstr(o, "name", d->name, sizeof(d->name), 0, b) ||
	    fplace(E, o, r, &d->x, &d->y, b) || fkel(o, &d->kel, b) ||
	    fstr(o, "city", t, sizeof(t), 1, b))
		return -1;
	if (*t && geo_city_parse(t, &d->city))
		return fail(b, "bad_argument", "city",
		            "city must be a code like 31.71, got \"%s\"", t);
	if (d->city == 0)
		d->city = geo_kel_city(d->kel);
	r->at = engine_depot_find(E, d->id);
	if (r->at < 0) {
		r->change = ADDED;
		return 0;
	}
	const geo_depot *o0 = &E->dep[r->at];
	if (!replay && dist(o0->x, o0->y, d->x, d->y) > SAME_PLACE_M)
		return fail(b, "conflict", "lon",
		            "depot %s is held at another place; a depot does "
		            "not move (dispatches are planned by distance): "
		            "give the new site its own id",
		            d->id);
	d->x = o0->x; /* the place held stays */
	d->y = o0->y;
	if (strcmp(o0->name, d->name) || o0->kel != d->kel ||
	    o0->city != d->city)
		r->change = UPDATED;
	return 0;
}

static int
s_depot(engine *E, const irow *r)
{
	return engine_store_depot(E, &r->d);
}

/* ---- stock lots ---------------------------------------------------------- */

static int
v_lot(engine *E, json_t *o, irow *r, int replay, bad *b)
{
	char t[GEO_ID_LEN];
	uint32_t ymd;
	if (fstr(o, "depot", t, sizeof(t), 0, b))
		return -1;
	if ((r->l.depot = engine_depot_find(E, t)) < 0)
		return fail(b, "bad_argument", "depot",
		            "no depot %s; import the depots first (poskoctl "
		            "import depots FILE)",
		            t);
	if (fstr(o, "lot", r->l.lot, sizeof(r->l.lot), 0, b) ||
	    fstr(o, "item", t, sizeof(t), 0, b))
		return -1;
	if ((r->l.item = alloc_item_parse(t)) < 0)
		return fail(b, "bad_argument", "item",
		            "item must be meal, kit_adult, kit_child, "
		            "kit_infant or kit_family, got \"%s\"",
		            t);
	if (fint(o, "qty", 1, 100000000, 0, 0, &r->l.qty, b) ||
	    fstr(o, "expires", r->l.expires_s, sizeof(r->l.expires_s), 1, b))
		return -1;
	r->l.expires = GEO_NO_EXPIRY;
	if (r->l.expires_s[0] &&
	    geo_date_parse(r->l.expires_s, &r->l.expires, &ymd))
		return fail(b, "bad_argument", "expires",
		            "expires must be a date YYYY-MM-DD or empty, got "
		            "\"%s\"",
		            r->l.expires_s);
	const char *dep = E->dep[r->l.depot].id;
	r->at = engine_lot_find(E, r->l.depot, r->l.lot);
	if (r->at < 0) {
		r->change = ADDED;
		return 0;
	}
	const geo_lot *l = &E->lots[r->at];
	if ((int)l->item != r->l.item || l->expires_days != r->l.expires)
		return replay
		           ? 0
		           : fail(b, "conflict", "lot",
		                  "lot %s of %s holds %s expiring %s; a lot "
		                  "keeps its item and expiry",
		                  r->l.lot, dep, geo_item_name(l->item),
		                  l->expires_ymd ? "on another date" : "never");
	long i = alloc_ledger_find(&E->ledger, (uint32_t)r->l.depot + 1,
	                           (uint32_t)r->at + 1, r->l.item);
	int64_t held = i >= 0 ? E->ledger.lots[i].qty : 0;
	if (held != r->l.qty && !replay)
		return fail(
		    b, "conflict", "qty",
		    "lot %s of %s holds %lld now, the row says %lld: "
		    "an import does not change stock; use stock.receive "
		    "or stock.adjust (with a reason)",
		    r->l.lot, dep, (long long)held, (long long)r->l.qty);
	return 0;
}

static int
s_lot(engine *E, const irow *r)
{
	sqlite3_stmt *st = store_stmt(
	    E->db, "INSERT INTO lots (depot, lot, item, qty, expires)"
	           " VALUES (?,?,?,?,?) ON CONFLICT (depot, lot) DO UPDATE"
	           " SET item=excluded.item, qty=excluded.qty,"
	           " reserved=0, expires=excluded.expires");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, E->dep[r->l.depot].id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->l.lot, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, alloc_item_name(r->l.item), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->l.qty);
	if (r->l.expires_s[0])
		sqlite3_bind_text(st, 5, r->l.expires_s, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* ---- a batch ------------------------------------------------------------- */

/* The id a refusal names the row by. */
static void
row_name(int kind, json_t *o, char *buf, size_t len)
{
	char nb[64];
	const char *id =
	    ftext(o, kind == K_STOCK ? "lot" : "id", nb, sizeof(nb));
	if (id && *id)
		snprintf(buf, len, " (%s %.40s)",
		         kind == K_HOUSEHOLDS ? "household"
		         : kind == K_SHELTERS ? "shelter"
		         : kind == K_DEPOTS   ? "depot"
		                              : "lot",
		         id);
	else
		buf[0] = '\0';
}

static int
validate(engine *E, int kind, json_t *o, irow *r, int replay, bad *b)
{
	memset(r, 0, sizeof(*r));
	r->src = o;
	r->at = -1;
	if (!json_is_object(o))
		return fail(b, "bad_argument", "",
		            "a row must be an object of the CSV's columns");
	switch (kind) {
	case K_HOUSEHOLDS:
		return v_household(E, o, r, replay, b);
	case K_SHELTERS:
		return v_shelter(E, o, r, replay, b);
	case K_DEPOTS:
		return v_depot(E, o, r, replay, b);
	default:
		return v_lot(E, o, r, replay, b);
	}
}

/* The same id twice in one batch: the later row is refused. */
static int
same_key(int kind, const irow *a, const irow *b)
{
	switch (kind) {
	case K_HOUSEHOLDS:
		return a->h.id == b->h.id;
	case K_SHELTERS:
		return strcmp(a->s.id, b->s.id) == 0;
	case K_DEPOTS:
		return strcmp(a->d.id, b->d.id) == 0;
	default:
		return a->l.depot == b->l.depot &&
		       strcmp(a->l.lot, b->l.lot) == 0;
	}
}

/* Validate every row: 0, or 1 with de naming the first bad one. */
static int
validate_all(engine *E, int kind, json_t *rows, int64_t batch, irow *r,
             desk_error *de)
{
	size_t n = json_array_size(rows), nbad = 0, first = 0;
	bad b, fb = {0};
	for (size_t i = 0; i < n; i++) {
		int rc =
		    validate(E, kind, json_array_get(rows, i), &r[i], 0, &b);
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (same_key(kind, &r[i], &r[j]))
				rc = fail(&b, "bad_argument",
				          kind == K_STOCK ? "lot" : "id",
				          "the same %s as row %zu of this "
				          "batch",
				          kind == K_STOCK ? "depot and lot"
				                          : "id",
				          j);
		if (rc == 0)
			continue;
		if (nbad++ == 0) {
			fb = b;
			first = i;
		}
	}
	if (nbad == 0)
		return 0;
	char name[80], more[64] = "";
	row_name(kind, json_array_get(rows, first), name, sizeof(name));
	if (nbad > 1)
		snprintf(more, sizeof(more), " (%zu rows of it are bad)", nbad);
	snprintf(de->code, sizeof(de->code), "%s", fb.code);
	if (fb.field[0])
		snprintf(de->field, sizeof(de->field), "args.rows[%zu].%s",
		         first, fb.field);
	else
		snprintf(de->field, sizeof(de->field), "args.rows[%zu]", first);
	char msg[1024];
	snprintf(msg, sizeof(msg),
	         "batch %lld, row %zu%s: %s; nothing of batch %lld was "
	         "stored%s",
	         (long long)batch, first, name, fb.why, (long long)batch, more);
	size_t len = strlen(msg);
	if (len >= sizeof(de->message))
		len = sizeof(de->message) - 1;
	memcpy(de->message, msg, len);
	de->message[len] = '\0';
	return 1;
}

static int
store_row(engine *E, int kind, const irow *r)
{
	switch (kind) {
	case K_HOUSEHOLDS:
		return s_household(E, r);
	case K_SHELTERS:
		return s_shelter(E, r);
	case K_DEPOTS:
		return s_depot(E, r);
	default:
		return r->change == ADDED ? s_lot(E, r) : 0;
	}
}

/*
 * A new shelter may not serve an open incident whose footprint holds it or
 * whose hazard is high there (as the shelters held when it opened). Told
 * to the plan before the shelter is, so no family is placed there first.
 * Live, the pairs [shelter, incident] are added to excl (journaled); the
 * replay applies the journaled ones (an incident's footprint may have
 * changed since).
 */
static int
exclude_new(engine *E, long k, json_t *excl, int replay, int32_t today,
            char *err, size_t errlen)
{
	const struct alloc_plan *pl = &E->plan;
	uint32_t id = (uint32_t)k + 1;
	size_t i;
	json_t *p;

	if (replay) {
		json_array_foreach(excl, i, p)
		{
			const char *sh =
			    json_string_value(json_array_get(p, 0));
			json_int_t inc =
			    json_integer_value(json_array_get(p, 1));
			if (sh && strcmp(sh, E->sh[k].id) == 0 &&
			    alloc_plan_incident_find(pl, (uint32_t)inc) >= 0 &&
			    alloc_plan_exclude_shelters(&E->plan, (uint32_t)inc,
			                                &id, 1, today, err,
			                                errlen))
				return -1;
		}
		return 0;
	}
	for (size_t j = 0; j < pl->nincidents; j++) {
		uint32_t inc = pl->incidents[j].id;
		if (!pl->incidents[j].open)
			continue;
		int u = engine_shelter_unusable(E, (size_t)k, inc, err, errlen);
		if (u < 0)
			return -1;
		if (u == 0)
			continue;
		if (alloc_plan_exclude_shelters(&E->plan, inc, &id, 1, today,
		                                err, errlen))
			return -1;
		json_array_append_new(
		    excl, json_pack("[s,I]", E->sh[k].id, (json_int_t)inc));
		log_info("import: shelter %s is not used for incident %u "
		         "(in its footprint or a high zone)",
		         E->sh[k].id, inc);
	}
	return 0;
}

/* Depot k into the plan unless it holds it (alloc depot id k + 1). */
static int
depot_plan(engine *E, size_t k, int32_t today, char *err, size_t errlen)
{
	struct alloc_depot ad = {
	    .x = E->dep[k].x, .y = E->dep[k].y, .id = (uint32_t)k + 1};
	if (alloc_plan_depot_find(&E->plan, ad.id) >= 0)
		return 0;
	if (alloc_plan_add_depot(&E->plan, &ad, today, err, errlen) == 0) {
		log_info("import: depot %s planned from now on", E->dep[k].id);
		return 0;
	}
	return -1;
}

/* Make the changed rows live, in row order (the replay does the same). */
static int
apply(engine *E, int kind, irow *r, size_t n, json_t *excl, int replay,
      int32_t today, char *err, size_t errlen)
{
	if (kind == K_HOUSEHOLDS) {
		geo_household *add = malloc((n ? n : 1) * sizeof(*add));
		size_t na = 0;
		if (add == NULL)
			goto nomem;
		for (size_t i = 0; i < n; i++) {
			if (r[i].change == ADDED) {
				add[na++] = r[i].h;
			} else if (r[i].change == UPDATED) {
				geo_household *h = &E->hh[r[i].at];
				geo_household old = *h;
				*h = r[i].h;
				h->flood = old.flood;
				h->fire = old.fire;
				h->flags = old.flags;
				if (h->kel == 0)
					h->kel = old.kel;
				if (r[i].moved)
					engine_household_moved(E,
					                       (size_t)r[i].at);
			}
		}
		int rc = engine_households_add(E, add, na);
		free(add);
		if (rc)
			goto nomem;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const irow *x = &r[i];
		long k;
		/* a replayed depot the engine loaded at start: the plan
		 * started with it (depot_plan does nothing then) */
		if (kind == K_DEPOTS && replay && x->at >= 0 &&
		    depot_plan(E, (size_t)x->at, today, err, errlen))
			return -1;
		if (x->change == UNCHANGED)
			continue;
		switch (kind) {
		case K_SHELTERS:
			if (x->change == ADDED) {
				if ((k = engine_shelter_add(E, &x->s)) < 0)
					goto nomem;
				if (exclude_new(E, k, excl, replay, today, err,
				                errlen) ||
				    shelter_replan(E, (size_t)k, today, err,
				                   errlen))
					return -1;
				break;
			}
			/* its place and kelurahan as held (v_shelter) */
			E->sh[x->at] = x->s;
			if (x->replan && shelter_replan(E, (size_t)x->at, today,
			                                err, errlen))
				return -1;
			break;
		case K_DEPOTS:
			if (x->change == ADDED) {
				/* live at once: its stock may come next */
				if ((k = engine_depot_add(E, &x->d)) < 0)
					goto nomem;
				if (depot_plan(E, (size_t)k, today, err,
				               errlen))
					return -1;
			} else {
				E->dep[x->at] = x->d; /* place held (v_depot) */
			}
			break;
		default:
			k = desk_lot_add(E, x->l.depot, x->l.lot, x->l.item,
			                 x->l.expires);
			if (k < 0)
				goto nomem;
			if (alloc_plan_receive_stock(
			        &E->plan, (uint32_t)x->l.depot + 1,
			        (uint32_t)k + 1, x->l.item, x->l.qty,
			        x->l.expires == GEO_NO_EXPIRY ? ALLOC_DAY_NEVER
			                                      : x->l.expires,
			        today, err, errlen))
				return -1;
			break;
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The columns a journaled row keeps, in order: what validate() reads. */
static const char *const kind_cols[][11] = {
    {"id", "lon", "lat", "kelurahan", "members", "elderly", "under5",
     "disabled", "pregnant", NULL},
    {"id", "name", "kind", "lon", "lat", "kelurahan", "capacity", "floor_m2",
     "accessible", "capacity_source", NULL},
    {"id", "name", "lon", "lat", "kelurahan", "city", NULL},
    {"depot", "lot", "item", "qty", "expires", NULL}};

/* A number as the shortest text that reads back as the same double:
 * jansson writes 17 digits ("106.86987000000001"), 8 bytes more per
 * coordinate of a 3-million-household register. */
static json_t *
real_text(double v)
{
	char buf[32];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return json_string(buf);
}

/* A row as sent -> the array of its kind's columns (values as sent, null
 * when missing; a fraction as its shortest exact text, which the replay
 * reads as the same number); columns validate() does not read are left
 * out. */
static json_t *
row_pack(int kind, json_t *src)
{
	json_t *a = json_array();
	for (size_t c = 0; a && kind_cols[kind][c]; c++) {
		json_t *v = json_object_get(src, kind_cols[kind][c]);
		json_array_append_new(a, v == NULL ? json_null()
		                         : json_is_real(v)
		                             ? real_text(json_real_value(v))
		                             : json_incref(v));
	}
	return a;
}

/* The journaled array -> a row object validate() reads; NULL when it is
 * not an array of the kind's columns. */
static json_t *
row_unpack(int kind, json_t *a)
{
	size_t nc = 0;
	while (kind_cols[kind][nc])
		nc++;
	if (!json_is_array(a) || json_array_size(a) != nc)
		return NULL;
	json_t *o = json_object();
	for (size_t c = 0; o && c < nc; c++)
		json_object_set(o, kind_cols[kind][c], json_array_get(a, c));
	return o;
}

/*
 * One journal row per batch that changed something. effective: the rows
 * that changed as column arrays, with the day and the shelters excluded
 * (what the replay needs); raw: a summary of the request, not the request
 * (its changed rows are in effective, its unchanged ones change nothing).
 */
static int
journal(engine *E, int kind, const char *op, int64_t batch, int last,
        size_t nrows, size_t rawlen, const irow *r, size_t n, json_t *excl,
        int32_t today)
{
	json_t *rows = json_array();
	for (size_t i = 0; rows && i < n; i++)
		if (r[i].change != UNCHANGED)
			json_array_append_new(rows, row_pack(kind, r[i].src));
	json_t *eff = json_pack("{s:s,s:i,s:o}", "cmd", kind_cmd[kind], "today",
	                        (int)today, "rows", rows);
	if (eff && json_array_size(excl))
		json_object_set(eff, "exclude", excl);
	char *effs =
	    eff ? json_dumps(eff, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(eff);
	json_t *sum = json_pack(
	    "{s:i,s:s,s:s?,s:{s:I,s:b,s:I},s:I}", "v", 1, "cmd", kind_cmd[kind],
	    "operator", op, "args", "batch", (json_int_t)batch, "last", last,
	    "rows", (json_int_t)nrows, "bytes", (json_int_t)rawlen);
	char *raw = sum ? json_dumps(sum, JSON_COMPACT) : NULL;
	json_decref(sum);
	if (effs == NULL || raw == NULL) {
		free(effs);
		free(raw);
		return -1;
	}
	store_journal j = {.origin = "control",
	                   .source = "control",
	                   .action = kind_cmd[kind],
	                   .operator_ = op,
	                   .raw = raw,
	                   .rawlen = strlen(raw),
	                   .effective = effs,
	                   .today = today};
	int64_t id = store_journal_add(E->db, &j);
	free(effs);
	free(raw);
	return id < 0 ? -1 : 0;
}

static size_t
total(const engine *E, int kind)
{
	return kind == K_HOUSEHOLDS ? E->nhh
	       : kind == K_SHELTERS ? E->nsh
	       : kind == K_DEPOTS   ? E->ndep
	                            : E->nlots;
}

int
import_run(engine *E, const char *cmd, json_t *args, const char *op,
           const char *raw, size_t rawlen, json_t **data, desk_error *de,
           char *err, size_t errlen)
{
	int kind = kind_of(cmd);
	json_t *rows = json_object_get(args, "rows");
	json_t *jb = json_object_get(args, "batch");
	json_t *jl = json_object_get(args, "last");
	int32_t today = engine_day((int64_t)time(NULL));
	uint32_t rev0 = E->plan.rev;
	size_t n = json_array_size(rows), cnt[3] = {0};
	irow *r = NULL;
	json_t *excl = NULL;
	int rc = -1;

	*data = NULL;
	memset(de, 0, sizeof(*de));
	if (kind < 0 || !json_is_array(rows) || n > MAX_ROWS ||
	    (jb && (!json_is_integer(jb) || json_integer_value(jb) < 1)) ||
	    (jl && !json_is_boolean(jl))) {
		const char *f = kind < 0                     ? "cmd"
		                : !json_is_array(rows)       ? "args.rows"
		                : n > MAX_ROWS               ? "args.rows"
		                : jl && !json_is_boolean(jl) ? "args.last"
		                                             : "args.batch";
		snprintf(de->code, sizeof(de->code), "bad_argument");
		snprintf(de->field, sizeof(de->field), "%s", f);
		snprintf(de->message, sizeof(de->message),
		         "args: rows (an array of at most %d objects with the "
		         "CSV's columns), batch (1, 2, ...), last (true on "
		         "the last batch)",
		         MAX_ROWS);
		return 1;
	}
	int64_t batch = jb ? json_integer_value(jb) : 1;
	r = calloc(n ? n : 1, sizeof(*r));
	excl = json_array();
	if (r == NULL || excl == NULL) {
		free(r);
		json_decref(excl);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (validate_all(E, kind, rows, batch, r, de)) {
		free(r);
		json_decref(excl);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		cnt[r[i].change]++;
	/* the store first: a store error leaves the engine untouched */
	for (size_t i = 0; i < n; i++)
		if (r[i].change != UNCHANGED && store_row(E, kind, &r[i]))
			goto out;
	if (apply(E, kind, r, n, excl, 0, today, err, errlen) ||
	    (cnt[ADDED] + cnt[UPDATED] &&
	     journal(E, kind, op, batch, jl == NULL || json_is_true(jl), n,
	             rawlen, r, n, excl, today)))
		goto out;
	if (E->plan.rev != rev0) {
		desk_result dr;
		if (desk_after_step(E, rev0, op, today, &dr))
			goto out;
	}
	/* protocol.md 2.8: the household index is rebuilt after the last
	 * batch; before it, the next footprint query rebuilds it */
	if (kind == K_HOUSEHOLDS && (jl == NULL || json_is_true(jl)) &&
	    engine_hindex_refresh(E, err, errlen))
		goto out;
	*data = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:[],s:i,s:I}", "batch", (json_int_t)batch,
	    "accepted", (json_int_t)n, "added", (json_int_t)cnt[ADDED],
	    "updated", (json_int_t)cnt[UPDATED], "unchanged",
	    (json_int_t)cnt[UNCHANGED], "rejected", "rejected_count", 0,
	    "total", (json_int_t)total(E, kind));
	rc = *data ? 0 : -1;
out:
	if (rc && err[0] == '\0')
		snprintf(err, errlen, "store: %s", store_errmsg(E->db));
	free(r);
	json_decref(excl);
	return rc;
}

int
import_replay(engine *E, const char *cmd, const char *effective, int32_t today,
              char *err, size_t errlen)
{
	int kind = kind_of(cmd);
	json_t *eff = json_loads(effective, 0, NULL);
	json_t *rows = json_object_get(eff, "rows");
	size_t n = json_array_size(rows);
	irow *r = calloc(n ? n : 1, sizeof(*r));
	int rc = -1;
	bad b;

	if (kind < 0 || eff == NULL || r == NULL) {
		snprintf(err, errlen, "journal: %s: not an import batch", cmd);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(rows, i);
		/* rows as column arrays; journals before them hold the
		 * row objects as sent */
		if (json_is_array(a)) {
			/* set_new takes o, also when it fails */
			json_t *o = row_unpack(kind, a);
			if (o == NULL || json_array_set_new(rows, i, o) != 0) {
				r[i].change = UNCHANGED;
				r[i].at = -1;
				log_warnx("replay: %s row %zu: not a row of "
				          "%s",
				          cmd, i, cmd);
				continue;
			}
			a = o;
		}
		if (validate(E, kind, a, &r[i], 1, &b) == 0)
			continue;
		/* checked when it was imported: only another build's rules
		 * can refuse it now; the rest of the batch still loads */
		log_warnx("replay: %s row %zu: %s: %s", cmd, i, b.field, b.why);
		r[i].change = UNCHANGED;
	}
	/* the same row twice in a journaled batch cannot happen */
	rc = apply(E, kind, r, n, json_object_get(eff, "exclude"), 1, today,
	           err, errlen);
	alloc_plan_changes_clear(&E->plan);
out:
	free(r);
	json_decref(eff);
	return rc;
}

/* ---- the control command ------------------------------------------------- */

int
import_control(struct posko *P, const char *cmd, json_t *args, const char *op,
               const char *raw, size_t rawlen, int *deferred, json_t **data,
               desk_error *de)
{
	char err[512] = "";
	int rc;

	*data = NULL;
	if (P->busy) {
		/* a decision holds the engine: run after it (posko.c) */
		*deferred = 1;
		return 0;
	}
	if (store_begin(P->wdb)) {
		snprintf(de->code, sizeof(de->code), "internal");
		snprintf(de->message, sizeof(de->message), "store: %s",
		         store_errmsg(P->wdb));
		return -1;
	}
	rc = import_run(&P->E, cmd, args, op, raw, rawlen, data, de, err,
	                sizeof(err));
	if (rc == 0 && store_commit(P->wdb) == 0) {
		posko_publish(P);
		log_info("control %s by %s: batch %lld: %lld added, %lld "
		         "updated, %lld unchanged, %lld held",
		         cmd, op,
		         (long long)json_integer_value(
		             json_object_get(*data, "batch")),
		         (long long)json_integer_value(
		             json_object_get(*data, "added")),
		         (long long)json_integer_value(
		             json_object_get(*data, "updated")),
		         (long long)json_integer_value(
		             json_object_get(*data, "unchanged")),
		         (long long)json_integer_value(
		             json_object_get(*data, "total")));
		return 0;
	}
	store_rollback(P->wdb);
	json_decref(*data);
	*data = NULL;
	if (rc > 0)
		return -1;
	log_warnx("control %s: %s", cmd, err[0] ? err : store_errmsg(P->wdb));
	/* households or shelters may be in the engine, not in the store */
	posko_engine_suspect(P);
	snprintf(de->code, sizeof(de->code), "internal");
	de->field[0] = '\0';
	snprintf(de->message, sizeof(de->message),
	         "%s failed and changed nothing; the log says why", cmd);
	return -1;
}
