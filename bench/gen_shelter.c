/* Shelters (tempat pengungsian): real candidates from the OSM building
 * layer (data/jakarta/buildings.gpkg, InaSAFE's Jakarta exposure test
 * data), and synthetic sites where that layer has no coverage.
 *
 * Candidates: TYPE "Place of Worship - Islam" (mosque), "School" and
 * "University/College" (school), "Government" (office), "Sports Facility"
 * (sports_hall).  Left out: candidates whose interior point is not in a
 * kelurahan with a code, those inside an HKV medium or high flood zone
 * (design flood over 50 cm: a site planners would not choose), and those
 * with room for fewer than 10 people.
 *
 * Capacity, in this order:
 *  - parsed from CAPACITY: "500", "100 orang", "200 0rang", "300 jiwa",
 *    "Lebih dari 300" and ">1000" (a lower bound: 300, 1000),
 *    "500 - 1000" (the lower end).  Not parsed: "<300" (an upper bound),
 *    "56 Pintu", "6 kelas", "300 tempat tidur" (doors, classrooms, beds:
 *    not persons), "Kecil", "FIX ME", stray text.  A parsed value above
 *    2 persons per m2 of gross floor is taken for a typo (or a worship
 *    capacity counting the yard) and not used;
 *  - estimated from the footprint: usable floor = footprint area x levels
 *    (LEVELS, "4-7" -> 4, ">7" -> 8, "10+" -> 10, unknown -> 1; at most 3
 *    count, upper floors of tall buildings are not used for shelter) x
 *    usable share (mosque 0.6: the prayer hall; school 0.5: classrooms,
 *    not corridors; office 0.3: halls and lobbies only; sports hall 0.7:
 *    the court), then Sphere's 3.5 m2 covered space per person (Sphere
 *    shelter standard 3; anchors.md §4.1).  Such rows carry floor_m2 and an
 *    empty capacity, the contract's way of saying "floor_m2 / 3.5".
 * Footprint areas use an equirectangular projection at Jakarta's latitude
 * (gen_m_per_deg_*), within 0.1 % of UTM 48S for buildings.
 *
 * Accessible (1) when the space is reachable without stairs: LEVELS = 1,
 * a sports hall (one hall at ground level), or a government office
 * (public buildings must provide access for people with disabilities:
 * Permen PUPR 14/PRT/M/2017, Persyaratan Kemudahan Bangunan Gedung).
 * Multi-storey and unknown-height mosques and schools are 0: not known to
 * be step-free.
 *
 * Selection: the candidates are grouped by kelurahan; kelurahan in a
 * seeded random order take one candidate each per round (seeded order
 * within a kelurahan) until the requested number is reached, so shelters
 * spread over the covered area.  --shelter-max-capacity drops larger
 * candidates first (the sample uses it so that 5,000 households press on
 * the shelters as a city-wide flood presses on the real ones).
 *
 * Synthetic sites (--shelters minus the OSM ones, default a fifth) are
 * drawn by population weight among cells farther than 1 km from every
 * candidate building, that is where the building layer has no coverage
 * (it covers central and north Jakarta only), on dry or low (<= 50 cm) HKV
 * ground.  Kinds: tent 40 %, school 30 %, mosque 20 %, community hall
 * 10 %; floors drawn from plausible ranges; names end in "(sintetis)".
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sqlite3.h>

#include "bench/gen_io.h"

#define SPHERE_M2 3.5       /* covered living space per person */
#define MIN_PERSONS 10      /* smaller rooms are not shelters */
#define MAX_DENSITY 2.0     /* parsed persons per m2 of gross floor */
#define COVER_RADIUS_M 1000 /* building layer "covers" this far */
#define MAX_LEVELS_USED 3
#define MAX_FLOOD_CLASS 1 /* no site where the design flood passes 50 cm */

struct shelter {
	char name[120];
	const char *kind;
	double lon, lat;
	int kel;
	long capacity; /* parsed or declared; 0 when estimated */
	double floor_m2;
	int accessible;
	const char *source; /* parsed | estimated | declared */
	long fid;           /* OSM feature id, 0 for synthetic */
	double eff;         /* capacity or floor_m2 / 3.5 */
	uint64_t key;       /* selection order */
};

static const struct {
	const char *type, *kind, *label;
	double share;
} kinds[] = {
    {"Place of Worship - Islam", "mosque", "Masjid", 0.6},
    {"School", "school", "Sekolah", 0.5},
    {"University/College", "school", "Kampus", 0.5},
    {"Government", "office", "Kantor pemerintah", 0.3},
    {"Sports Facility", "sports_hall", "Gedung olahraga", 0.7},
};

/* Persons from the CAPACITY text, or -1. */
static long
parse_capacity(const char *text)
{
	char s[64];
	size_t n = 0;
	if (!text)
		return -1;
	for (; *text && n + 1 < sizeof s; text++)
		s[n++] = (char)tolower((unsigned char)*text);
	s[n] = '\0';
	char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "lebih dari", 10) == 0)
		p += 10;
	else if (*p == '>')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	char *end;
	long v = strtol(p, &end, 10);
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') { /* a range: keep the lower end */
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		strtol(p, &end, 10);
		p = end;
		while (isspace((unsigned char)*p))
			p++;
	}
	/* "0rang" is "orang" typed with a zero */
	if (strncmp(p, "orang", 5) == 0 || strncmp(p, "0rang", 5) == 0)
		p += 5;
	else if (strncmp(p, "jiwa", 4) == 0)
		p += 4;
	while (isspace((unsigned char)*p))
		p++;
	if (*p || v <= 0)
		return -1;
	return v;
}

/* Storeys from LEVELS, 0 when unknown. */
static int
parse_levels(const char *t)
{
	if (!t)
		return 0;
	while (isspace((unsigned char)*t))
		t++;
	if (*t == '>')
		return isdigit((unsigned char)t[1]) ? atoi(t + 1) + 1 : 0;
	if (!isdigit((unsigned char)*t))
		return 0;
	return atoi(t);
}

static void
clean_name(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	int space = 0;
	for (; src && *src && n + 1 < len; src++) {
		unsigned char ch = (unsigned char)*src;
		int sp = ch == ',' || ch == '"' || ch < 0x20 || ch == ' ';
		if (sp) {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < len)
			dst[n++] = ' ';
		space = 0;
		dst[n++] = (char)ch;
	}
	dst[n] = '\0';
}

struct cand_set {
	struct shelter *s;
	size_t n, cap;
};

static void
push(struct cand_set *cs, const struct shelter *s)
{
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 256;
		cs->s = realloc(cs->s, cs->cap * sizeof *cs->s);
		if (!cs->s)
			gen_fail("out of memory");
	}
	cs->s[cs->n++] = *s;
}

/* Prepared HKV flood polygons with their class (1 low, 2 medium, 3
 * high), queried by STRtree. */
struct flood_zones {
	GEOSSTRtree *tree;
	const GEOSPreparedGeometry **prep;
	GEOSGeometry **geom;
	int *cls;
	size_t n;
};

static void
load_zones(struct gen_ctx *c, struct flood_zones *hz)
{
	char path[512];
	json_error_t jerr;
	json_t *root = json_load_file(
	    gen_path(path, sizeof path, c->opt.data, "flood-zones.geojson"), 0,
	    &jerr);
	if (!root)
		gen_fail("%s:%d: %s", path, jerr.line, jerr.text);
	json_t *feats = json_object_get(root, "features");
	size_t n = json_array_size(feats);
	memset(hz, 0, sizeof *hz);
	hz->prep = calloc(n ? n : 1, sizeof *hz->prep);
	hz->geom = calloc(n ? n : 1, sizeof *hz->geom);
	hz->cls = calloc(n ? n : 1, sizeof *hz->cls);
	hz->tree = GEOSSTRtree_create_r(c->h, 8);
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(feats, i);
		const char *cl = json_string_value(
		    json_object_get(json_object_get(f, "properties"), "class"));
		int k = !cl                         ? 0
		        : strcmp(cl, "low") == 0    ? 1
		        : strcmp(cl, "medium") == 0 ? 2
		        : strcmp(cl, "high") == 0   ? 3
		                                    : 0;
		GEOSGeometry *g =
		    k ? gen_geom_from_json(c->h, json_object_get(f, "geometry"))
		      : NULL;
		if (!g)
			continue;
		hz->geom[hz->n] = g;
		hz->cls[hz->n] = k;
		hz->prep[hz->n] = GEOSPrepare_r(c->h, g);
		GEOSSTRtree_insert_r(c->h, hz->tree, g, &hz->cls[hz->n]);
		hz->n++;
	}
	json_decref(root);
}

struct zone_q {
	GEOSContextHandle_t h;
	const struct flood_zones *z;
	const GEOSGeometry *pt;
	int cls;
};

static void
zone_cb(void *item, void *data)
{
	struct zone_q *q = data;
	const int *cls = item;
	size_t i = (size_t)(cls - q->z->cls);
	if (*cls > q->cls &&
	    GEOSPreparedIntersects_r(q->h, q->z->prep[i], q->pt) == 1)
		q->cls = *cls;
}

/* Highest HKV class at lon/lat, 0 when dry. */
static int
zone_class(struct gen_ctx *c, const struct flood_zones *z, double lon,
           double lat)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->h, lon, lat);
	struct zone_q q = {c->h, z, pt, 0};
	GEOSSTRtree_query_r(c->h, z->tree, pt, zone_cb, &q);
	GEOSGeom_destroy_r(c->h, pt);
	return q.cls;
}

static void
free_zones(struct gen_ctx *c, struct flood_zones *hz)
{
	for (size_t i = 0; i < hz->n; i++) {
		GEOSPreparedGeom_destroy_r(c->h, hz->prep[i]);
		GEOSGeom_destroy_r(c->h, hz->geom[i]);
	}
	GEOSSTRtree_destroy_r(c->h, hz->tree);
	free(hz->prep);
	free(hz->geom);
	free(hz->cls);
}

/* Read the candidates; mark every candidate building's cell in `covered`
 * (before any filter: it is the layer's coverage that matters). */
static void
load_candidates(struct gen_ctx *c, const struct flood_zones *z,
                struct cand_set *cs, uint8_t *covered)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	gen_path(path, sizeof path, c->opt.data, "buildings.gpkg");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		gen_fail("%s: %s", path, sqlite3_errmsg(db));
	const char *sql =
	    "SELECT fid, TYPE, NAME, CAPACITY, LEVELS, geom FROM "
	    "clipped_jakarta_building WHERE TYPE IN ('Place of Worship - "
	    "Islam','School','University/College','Government','Sports "
	    "Facility') ORDER BY fid";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		gen_fail("%s: %s", path, sqlite3_errmsg(db));
	GEOSWKBReader *rd = GEOSWKBReader_create_r(c->h);
	const struct gen_grid *g = &c->grid;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct shelter s;
		memset(&s, 0, sizeof s);
		s.fid = sqlite3_column_int64(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		const char *cap = (const char *)sqlite3_column_text(st, 3);
		const char *lev = (const char *)sqlite3_column_text(st, 4);
		const unsigned char *blob = sqlite3_column_blob(st, 5);
		int blen = sqlite3_column_bytes(st, 5);
		size_t kind = 0;
		while (kind < sizeof kinds / sizeof *kinds &&
		       strcmp(kinds[kind].type, type ? type : "") != 0)
			kind++;
		if (kind == sizeof kinds / sizeof *kinds || !blob || blen < 8 ||
		    blob[0] != 'G' || blob[1] != 'P')
			continue;
		/* GeoPackage binary: 8-byte header, envelope, then WKB */
		static const int env_len[] = {0, 32, 48, 48, 64};
		int env = (blob[3] >> 1) & 7;
		if (env > 4 || 8 + env_len[env] >= blen)
			continue;
		int off = 8 + env_len[env];
		GEOSGeometry *geom = GEOSWKBReader_read_r(c->h, rd, blob + off,
		                                          (size_t)(blen - off));
		if (!geom)
			continue;
		double area_deg = 0, x, y;
		GEOSArea_r(c->h, geom, &area_deg);
		GEOSGeometry *pt = GEOSPointOnSurface_r(c->h, geom);
		GEOSGeomGetX_r(c->h, pt, &x);
		GEOSGeomGetY_r(c->h, pt, &y);
		GEOSGeom_destroy_r(c->h, pt);
		GEOSGeom_destroy_r(c->h, geom);
		x = round(x * 1e6) / 1e6;
		y = round(y * 1e6) / 1e6;
		int col = (int)((x - g->x0) / g->cell);
		int row = (int)((g->ytop - y) / g->cell);
		if (col >= 0 && col < g->ncols && row >= 0 && row < g->nrows)
			covered[(size_t)row * g->ncols + col] = 1;

		double foot = area_deg * gen_m_per_deg_lon * gen_m_per_deg_lat;
		int levels = parse_levels(lev);
		int used = levels <= 0                ? 1
		           : levels > MAX_LEVELS_USED ? MAX_LEVELS_USED
		                                      : levels;
		s.kind = kinds[kind].kind;
		s.lon = x;
		s.lat = y;
		s.floor_m2 = round(foot * used * kinds[kind].share);
		s.accessible = levels == 1 ||
		               strcmp(s.kind, "sports_hall") == 0 ||
		               strcmp(s.kind, "office") == 0;
		long parsed = parse_capacity(cap);
		if (parsed > 0 && parsed <= MAX_DENSITY * foot * used) {
			s.capacity = parsed;
			s.source = "parsed";
			s.eff = (double)parsed;
		} else {
			s.source = "estimated";
			s.eff = floor(s.floor_m2 / SPHERE_M2);
		}
		if (name && *name)
			clean_name(s.name, sizeof s.name, name);
		else
			snprintf(s.name, sizeof s.name, "%s (OSM fid %ld)",
			         kinds[kind].label, s.fid);
		if (s.eff < MIN_PERSONS)
			continue;
		s.kel = gen_admin_locate(c, x, y);
		if (s.kel < 0 || c->kel[s.kel].match < 0)
			continue;
		if (zone_class(c, z, x, y) > MAX_FLOOD_CLASS)
			continue;
		push(cs, &s);
	}
	GEOSWKBReader_destroy_r(c->h, rd);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Cells within COVER_RADIUS_M of a candidate building. */
static void
dilate(const struct gen_grid *g, uint8_t *covered)
{
	size_t n = (size_t)g->ncols * (size_t)g->nrows;
	uint8_t *src = malloc(n);
	memcpy(src, covered, n);
	int rx = (int)ceil(COVER_RADIUS_M / (g->cell * gen_m_per_deg_lon));
	int ry = (int)ceil(COVER_RADIUS_M / (g->cell * gen_m_per_deg_lat));
	for (int row = 0; row < g->nrows; row++)
		for (int col = 0; col < g->ncols; col++) {
			if (!src[(size_t)row * g->ncols + col])
				continue;
			for (int dy = -ry; dy <= ry; dy++)
				for (int dx = -rx; dx <= rx; dx++) {
					int r = row + dy, cc = col + dx;
					double ex = (double)dx / rx,
					       ey = (double)dy / ry;
					if (r < 0 || r >= g->nrows || cc < 0 ||
					    cc >= g->ncols ||
					    ex * ex + ey * ey > 1.0)
						continue;
					covered[(size_t)r * g->ncols + cc] = 1;
				}
		}
	free(src);
}

static int
cmp_key(const void *a, const void *b)
{
	const struct shelter *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->fid > y->fid) - (x->fid < y->fid);
}

static int
cmp_output(const void *a, const void *b)
{
	const struct shelter *x = a, *y = b;
	if (x->fid && !y->fid)
		return -1;
	if (!x->fid && y->fid)
		return 1;
	if (x->kel != y->kel)
		return x->kel < y->kel ? -1 : 1;
	if (x->fid != y->fid)
		return x->fid < y->fid ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

/* Round-robin over kelurahan in seeded order. */
static size_t
select_osm(struct gen_ctx *c, struct cand_set *cs, size_t want,
           struct gen_rng *r, struct shelter *out)
{
	uint64_t *kel_key = malloc(c->nkel * sizeof *kel_key);
	for (size_t i = 0; i < c->nkel; i++)
		kel_key[i] = gen_rng_next(r);
	/* key: round within kelurahan (high bits) then kelurahan order */
	for (size_t i = 0; i < cs->n; i++)
		cs->s[i].key = gen_rng_next(r);
	qsort(cs->s, cs->n, sizeof *cs->s, cmp_key);
	uint32_t *round_no = calloc(c->nkel, sizeof *round_no);
	for (size_t i = 0; i < cs->n; i++) {
		int k = cs->s[i].kel;
		uint64_t rd = round_no[k]++;
		cs->s[i].key = (rd << 40) | (kel_key[k] >> 24);
	}
	qsort(cs->s, cs->n, sizeof *cs->s, cmp_key);
	size_t n = want < cs->n ? want : cs->n;
	memcpy(out, cs->s, n * sizeof *out);
	free(kel_key);
	free(round_no);
	return n;
}

static const struct {
	const char *kind, *label;
	double share, foot_min, foot_max;
	int levels, accessible_pct;
	double usable;
} syn_kinds[] = {
    /* tents: platoon tents of 6 x 14 m, one to four per site */
    {"tent", "Tenda pengungsian", 0.40, 84, 336, 1, 100, 1.0},
    {"school", "Sekolah", 0.30, 300, 1200, 2, 50, 0.5},
    {"mosque", "Masjid", 0.20, 150, 800, 1, 50, 0.6},
    {"community_hall", "Balai warga", 0.10, 150, 500, 1, 100, 0.7},
};

static size_t
make_synthetic(struct gen_ctx *c, const struct flood_zones *z,
               const uint8_t *covered, size_t want, struct gen_rng *r,
               struct shelter *out)
{
	const struct gen_grid *g = &c->grid;
	struct gen_sampler s = {0};
	s.cells = malloc(g->pop.n * sizeof *s.cells);
	s.cdf = malloc(g->pop.n * sizeof *s.cdf);
	double acc = 0;
	for (size_t i = 0; i < g->pop.n; i++) {
		uint32_t cell = g->pop.cells[i];
		if (covered[cell])
			continue;
		acc += g->v[cell];
		s.cells[s.n] = cell;
		s.cdf[s.n++] = acc;
	}
	s.total = acc;
	int own = s.n > 0;
	if (!own) { /* the layer covers everything: use all cells */
		free(s.cells);
		free(s.cdf);
		s = g->pop;
	}
	uint32_t *per_kel = calloc(c->nkel, sizeof *per_kel);
	for (size_t i = 0; i < want; i++) {
		struct shelter *sh = &out[i];
		memset(sh, 0, sizeof *sh);
		/* a dry site; after many tries (a wholly flooded area) take
		 * what comes rather than loop forever */
		int tries = 0;
		do
			sh->kel = gen_grid_place(c, &s, r, &sh->lon, &sh->lat);
		while (zone_class(c, z, sh->lon, sh->lat) > MAX_FLOOD_CLASS &&
		       ++tries < 1000);
		double u = gen_rng_unit(r), a = 0;
		size_t k = 0;
		while (k + 1 < sizeof syn_kinds / sizeof *syn_kinds &&
		       u >= a + syn_kinds[k].share)
			a += syn_kinds[k++].share;
		double foot = syn_kinds[k].foot_min +
		              gen_rng_unit(r) * (syn_kinds[k].foot_max -
		                                 syn_kinds[k].foot_min);
		if (strcmp(syn_kinds[k].kind, "tent") == 0)
			foot = 84.0 * (1 + gen_rng_below(r, 4));
		sh->kind = syn_kinds[k].kind;
		sh->floor_m2 =
		    round(foot * syn_kinds[k].levels * syn_kinds[k].usable);
		if (c->opt.shelter_max_capacity > 0 &&
		    sh->floor_m2 / SPHERE_M2 > c->opt.shelter_max_capacity)
			sh->floor_m2 = c->opt.shelter_max_capacity * SPHERE_M2;
		sh->eff = floor(sh->floor_m2 / SPHERE_M2);
		sh->accessible =
		    (int)gen_rng_below(r, 100) < syn_kinds[k].accessible_pct;
		sh->source = "estimated";
		const struct gen_area *kel = &c->kel[sh->kel];
		snprintf(sh->name, sizeof sh->name, "%s Kel. %s %u (sintetis)",
		         syn_kinds[k].label, c->vil[kel->match].name,
		         ++per_kel[sh->kel]);
		sh->key = i;
	}
	free(per_kel);
	if (own) {
		free(s.cells);
		free(s.cdf);
	}
	return want;
}

static void
write_shelters(struct gen_ctx *c, struct shelter *s, size_t n)
{
	FILE *f = gen_create(c, "shelters.csv");
	char lon[32], lat[32];
	fputs("id,name,kind,lon,lat,kelurahan,capacity,floor_m2,accessible,"
	      "capacity_source\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		gen_fmt_fixed(lon, s[i].lon, 6);
		gen_fmt_fixed(lat, s[i].lat, 6);
		fprintf(f, "SH-%04zu,%s,%s,%s,%s,%s,", i + 1, s[i].name,
		        s[i].kind, lon, lat,
		        gen_area_code(c, &c->kel[s[i].kel]));
		if (s[i].capacity > 0)
			fprintf(f, "%ld", s[i].capacity);
		fprintf(f, ",%.0f,%d,%s\n", s[i].floor_m2, s[i].accessible,
		        s[i].source);
		c->shelter_capacity += s[i].eff;
	}
	gen_close(f, "shelters.csv");
}

void
gen_shelter_write(struct gen_ctx *c)
{
	struct cand_set cs = {0};
	struct gen_rng r;
	const struct gen_grid *g = &c->grid;
	size_t ncell = (size_t)g->ncols * (size_t)g->nrows;
	uint8_t *covered = calloc(ncell, 1);
	if (!covered)
		gen_fail("out of memory");
	struct flood_zones z;
	gen_rng_seed(&r, c->opt.seed, GEN_STREAM_SHELTER);
	load_zones(c, &z);
	load_candidates(c, &z, &cs, covered);
	dilate(g, covered);
	size_t all = cs.n;
	if (c->opt.shelter_max_capacity > 0) {
		size_t k = 0;
		for (size_t i = 0; i < cs.n; i++)
			if (cs.s[i].eff <= c->opt.shelter_max_capacity)
				cs.s[k++] = cs.s[i];
		cs.n = k;
	}
	size_t want_osm = c->opt.osm_shelters >= 0
	                      ? (size_t)c->opt.osm_shelters
	                      : c->opt.shelters - c->opt.shelters / 5;
	if (want_osm > c->opt.shelters)
		want_osm = c->opt.shelters;
	struct shelter *out =
	    calloc(c->opt.shelters ? c->opt.shelters : 1, sizeof *out);
	if (!out)
		gen_fail("out of memory");
	size_t n_osm = select_osm(c, &cs, want_osm, &r, out);
	size_t n_syn = make_synthetic(c, &z, covered, c->opt.shelters - n_osm,
	                              &r, out + n_osm);
	qsort(out, n_osm + n_syn, sizeof *out, cmp_output);
	write_shelters(c, out, n_osm + n_syn);
	c->n_shelters_osm = n_osm;
	c->n_shelters_syn = n_syn;
	gen_progress_done("shelters",
	                  "%zu from %zu OSM candidates (%zu under the cap), "
	                  "%zu synthetic, %.0f places",
	                  n_osm, all, cs.n, n_syn, c->shelter_capacity);
	free(out);
	free(cs.s);
	free(covered);
	free_zones(c, &z);
}
