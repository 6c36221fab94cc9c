/*
 * bench_geo - household exposure and footprint speed of geo/, against
 * GEOS (STRtree + prepared geometry per point) and SpatiaLite (spatial
 * index + ST_Contains) on the same data in the same run.
 *
 *   bench_geo [--quick] [--scenario DIR] [--households FILE] [--n N]
 *             [--seed S] [--zones FILE]... [--fire FILE] [--kota FILE]
 *             [--geos-sample N] [--spatialite-sample N]
 *
 * --scenario DIR takes households.csv, flood-zones.geojson,
 * fire-zones.geojson and kota.geojson from a bench/gen_scenario output.
 *
 * Prints key=value lines. Exits non-zero (and says FAIL on stderr) when
 * the fast path and a baseline disagree on a point both classify (points
 * within 2 * GEO_BOUNDARY_TOL_M of a zone boundary are counted as
 * "ambiguous" instead: there the two rules legitimately differ), or when a
 * footprint query disagrees with GEOS.
 *
 * Defaults: the real HKV flood zones (data/jakarta/flood-zones.geojson);
 * fire zones from --fire, or else made here from the 261 real kelurahan
 * polygons (class by position, so that fire zones have realistic vertex
 * counts); households from --households, or else generated (deterministic
 * from --seed): half uniform over the zones' extent, half in the bounding
 * boxes of random zones, which puts many of them near zone edges.
 */
#define _GNU_SOURCE

#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <proj.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "geo/footprint.h"
#include "geo/geo.h"
#include "geo/hindex.h"
#include "geo/points.h"
#include "geo/zone.h"

#define MAXZ 16

typedef struct opts {
	int quick;
	const char *households;
	size_t n;
	uint64_t seed;
	const char *zones[MAXZ];
	size_t nzones;
	const char *fire;
	const char *kelurahan;
	const char *kota;
	size_t geos_sample, sl_sample;
} opts;

/* One baseline zone: GEOS geometry in the metric CRS. */
typedef struct bzone {
	GEOSGeometry *g;
	const GEOSPreparedGeometry *prep;
	int hazard, cls;
} bzone;

static GEOSContextHandle_t H;
static int failed;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = 1;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_geo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* splitmix64: small, deterministic, good enough for placing points */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
urand(void)
{
	return (double)(rng() >> 11) * (1.0 / 9007199254740992.0);
}

static void
usage(void)
{
	fputs("usage: bench_geo [--quick] [--households FILE] [--n N] "
	      "[--seed S]\n"
	      "                 [--zones FILE]... [--fire FILE] "
	      "[--kelurahan FILE] [--kota FILE]\n"
	      "                 [--geos-sample N] [--spatialite-sample N]\n"
	      "                 [--scenario DIR]\n",
	      stderr);
	exit(2);
}

static void
scenario(opts *o, const char *dir)
{
	static char hh[4096], fl[4096], fi[4096], ko[4096];

	snprintf(hh, sizeof hh, "%s/households.csv", dir);
	snprintf(fl, sizeof fl, "%s/flood-zones.geojson", dir);
	snprintf(fi, sizeof fi, "%s/fire-zones.geojson", dir);
	snprintf(ko, sizeof ko, "%s/kota.geojson", dir);
	o->households = hh;
	o->zones[0] = fl;
	o->nzones = 1;
	o->fire = fi;
	o->kota = ko;
}

static void
parse_args(int argc, char **argv, opts *o)
{
	int i;

	memset(o, 0, sizeof *o);
	o->n = 3500000;
	o->seed = 20070202;
	o->kelurahan = "data/jakarta/kelurahan.geojson";
	o->kota = "data/jakarta/kota.geojson";
	o->geos_sample = 300000;
	o->sl_sample = 20000;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--quick") == 0) {
			o->quick = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--scenario") == 0)
			scenario(o, v);
		else if (strcmp(a, "--households") == 0)
			o->households = v;
		else if (strcmp(a, "--n") == 0)
			o->n = strtoul(v, NULL, 10);
		else if (strcmp(a, "--seed") == 0)
			o->seed = strtoull(v, NULL, 10);
		else if (strcmp(a, "--zones") == 0 && o->nzones < MAXZ)
			o->zones[o->nzones++] = v;
		else if (strcmp(a, "--fire") == 0)
			o->fire = v;
		else if (strcmp(a, "--kelurahan") == 0)
			o->kelurahan = v;
		else if (strcmp(a, "--kota") == 0)
			o->kota = v;
		else if (strcmp(a, "--geos-sample") == 0)
			o->geos_sample = strtoul(v, NULL, 10);
		else if (strcmp(a, "--spatialite-sample") == 0)
			o->sl_sample = strtoul(v, NULL, 10);
		else
			usage();
	}
	if (o->nzones == 0)
		o->zones[o->nzones++] = "data/jakarta/flood-zones.geojson";
	if (o->quick) {
		if (o->n > 200000)
			o->n = 200000;
		if (o->geos_sample > 20000)
			o->geos_sample = 20000;
		if (o->sl_sample > 1000)
			o->sl_sample = 1000;
	}
}

/* ---- inputs ------------------------------------------------------------ */

static json_t *
load_json(const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);

	if (j == NULL)
		die("%s: line %d: %s", path, je.line, je.text);
	return j;
}

/* Fire zones from kelurahan polygons: class cycles low/medium/high. */
static char *
synth_fire(const char *kel_path)
{
	static const char *cls[] = {"low", "medium", "high"};
	json_t *root = load_json(kel_path), *fs, *f;
	size_t i;
	char *text;

	fs = json_object_get(root, "features");
	json_array_foreach(fs, i, f)
	{
		json_t *p = json_object();

		json_object_set_new(p, "id", json_sprintf("fire-%zu", i));
		json_object_set_new(p, "hazard", json_string("fire"));
		json_object_set_new(p, "class", json_string(cls[i % 3]));
		json_object_set(f, "properties", p);
		json_decref(p);
	}
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

static void
load_zones(geo_ctx *ctx, const opts *o, geo_zoneset **out, char **fire_text,
           double *load_s)
{
	geo_zoneset *zs = geo_zoneset_new();
	char err[512];
	geo_diag d;
	size_t i;
	double t0 = now();

	geo_diag_init(&d);
	for (i = 0; i < o->nzones; i++)
		if (geo_zoneset_add_file(zs, ctx, o->zones[i], GEO_HAZARD_ANY,
		                         &d, err, sizeof err) < 0)
			die("%s", err);
	if (o->fire != NULL) {
		if (geo_zoneset_add_file(zs, ctx, o->fire, GEO_FIRE, &d, err,
		                         sizeof err) < 0)
			die("%s", err);
		*fire_text = NULL;
	} else {
		*fire_text = synth_fire(o->kelurahan);
		if (geo_zoneset_add_geojson(zs, ctx, *fire_text,
		                            strlen(*fire_text), "fire(synth)",
		                            GEO_FIRE, &d, err, sizeof err) < 0)
			die("%s", err);
	}
	if (geo_zoneset_build(zs, 0, err, sizeof err) != 0)
		die("%s", err);
	*load_s = now() - t0;
	if (d.nreject > 0)
		fprintf(stderr, "bench_geo: %zu zone features rejected\n",
		        d.nreject);
	geo_diag_free(&d);
	*out = zs;
}

static geo_household *
make_households(geo_ctx *ctx, const opts *o, const geo_zoneset *zs, size_t *n)
{
	double minx = INFINITY, miny = INFINITY, maxx = -INFINITY,
	       maxy = -INFINITY;
	geo_household *hh;
	size_t i, nz = geo_zoneset_count(zs);

	if (o->households != NULL) {
		char err[512];
		geo_diag d;
		int rc;

		geo_diag_init(&d);
		rc = geo_households_read(ctx, o->households, &hh, n, &d, err,
		                         sizeof err);
		if (rc != 0)
			die("%s", err);
		if (d.nreject)
			fprintf(stderr,
			        "bench_geo: %zu household rows "
			        "rejected\n",
			        d.nreject);
		geo_diag_free(&d);
		return hh;
	}
	for (i = 0; i < nz; i++) {
		const geo_zone *z = geo_zoneset_zone(zs, i);

		minx = fmin(minx, z->minx);
		miny = fmin(miny, z->miny);
		maxx = fmax(maxx, z->maxx);
		maxy = fmax(maxy, z->maxy);
	}
	rng_state = o->seed;
	*n = o->n;
	hh = calloc(*n, sizeof *hh);
	if (hh == NULL)
		die("out of memory");
	for (i = 0; i < *n; i++) {
		geo_household *h = &hh[i];

		if (i % 2 == 0 || nz == 0) {
			h->x = minx + (maxx - minx) * urand();
			h->y = miny + (maxy - miny) * urand();
		} else {
			const geo_zone *z = geo_zoneset_zone(zs, rng() % nz);

			h->x = z->minx + (z->maxx - z->minx) * urand();
			h->y = z->miny + (z->maxy - z->miny) * urand();
		}
		h->id = (uint32_t)i + 1;
		h->members = (uint8_t)(1 + rng() % 6);
	}
	return hh;
}

/* ---- GEOS baseline --------------------------------------------------------
 */

static int
to_metric_cb(double *x, double *y, void *ud)
{
	PJ_COORD c = proj_trans(ud, PJ_FWD, proj_coord(*x, *y, 0, 0));

	if (!isfinite(c.xy.x) || !isfinite(c.xy.y))
		return 0;
	*x = c.xy.x;
	*y = c.xy.y;
	return 1;
}

/* Independent of geo/: GEOS's own GeoJSON reader, PROJ directly. */
static void
baseline_layer(json_t *root, int hazard_default, PJ *P, bzone **bz, size_t *n,
               size_t *cap)
{
	GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(H);
	json_t *fs = json_object_get(root, "features"), *f;
	size_t i;

	json_array_foreach(fs, i, f)
	{
		json_t *p = json_object_get(f, "properties");
		const char *hz =
		    json_string_value(json_object_get(p, "hazard"));
		const char *cl = json_string_value(json_object_get(p, "class"));
		char *gj = json_dumps(json_object_get(f, "geometry"), 0);
		GEOSGeometry *g, *m;
		geo_hazard h;
		geo_class c;

		h = hazard_default;
		if (hz != NULL && geo_hazard_parse(hz, &h) != 0)
			h = (geo_hazard)-1;
		if (cl == NULL || geo_class_parse(cl, &c) != 0 || c == 0 ||
		    (int)h < 0 || gj == NULL) {
			free(gj);
			continue;
		}
		g = GEOSGeoJSONReader_readGeometry_r(H, rd, gj);
		free(gj);
		if (g == NULL)
			continue;
		m = GEOSGeom_transformXY_r(H, g, to_metric_cb, P);
		GEOSGeom_destroy_r(H, g);
		if (m == NULL)
			continue;
		if (!GEOSisValid_r(H, m)) {
			g = GEOSMakeValid_r(H, m);
			GEOSGeom_destroy_r(H, m);
			m = g;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*bz = realloc(*bz, *cap * sizeof **bz);
		}
		(*bz)[*n].g = m;
		(*bz)[*n].prep = GEOSPrepare_r(H, m);
		(*bz)[*n].hazard = h;
		(*bz)[*n].cls = c;
		(*n)++;
	}
	GEOSGeoJSONReader_destroy_r(H, rd);
}

typedef struct qctx {
	const bzone *bz;
	const GEOSGeometry *pt;
	int best[2];
} qctx;

static void
tree_cb(void *item, void *ud)
{
	qctx *q = ud;
	const bzone *z = item;

	if (z->cls > q->best[z->hazard] &&
	    GEOSPreparedContains_r(H, z->prep, q->pt))
		q->best[z->hazard] = z->cls;
}

/* Distance from (x, y) to the nearest zone boundary (brute force; only
 * used to judge disagreements). */
static double
boundary_dist(const bzone *bz, size_t nbz, double x, double y)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(H, x, y);
	double best = INFINITY, d;
	size_t i;

	for (i = 0; i < nbz; i++) {
		GEOSGeometry *b = GEOSBoundary_r(H, bz[i].g);

		if (b != NULL && GEOSDistance_r(H, b, pt, &d) == 1 && d < best)
			best = d;
		GEOSGeom_destroy_r(H, b);
	}
	GEOSGeom_destroy_r(H, pt);
	return best;
}

typedef struct cmp_stats {
	size_t checked, ambiguous, mismatched;
} cmp_stats;

static void
judge(const char *who, const bzone *bz, size_t nbz, const geo_household *h,
      int bf, int bfi, cmp_stats *st)
{
	st->checked++;
	if (bf == h->flood && bfi == h->fire)
		return;
	if (boundary_dist(bz, nbz, h->x, h->y) <= 2 * GEO_BOUNDARY_TOL_M) {
		st->ambiguous++;
		return;
	}
	st->mismatched++;
	if (st->mismatched <= 5)
		fail("%s disagrees at (%.3f, %.3f): geo flood=%d fire=%d, "
		     "%s flood=%d fire=%d",
		     who, h->x, h->y, h->flood, h->fire, who, bf, bfi);
}

static double
run_geos(const bzone *bz, size_t nbz, const geo_household *hh, size_t n,
         size_t sample, cmp_stats *st)
{
	GEOSSTRtree *tree = GEOSSTRtree_create_r(H, 10);
	size_t i, step = n / (sample ? sample : 1);
	double t0, t = 0;
	int *bf = malloc(sizeof(int) * 2 * (sample + 1));
	size_t k = 0;

	if (step == 0)
		step = 1;
	for (i = 0; i < nbz; i++)
		GEOSSTRtree_insert_r(H, tree, bz[i].g, (void *)&bz[i]);
	if (n > 0) { /* the tree is built on the first query: not timed */
		qctx q = {bz, NULL, {0, 0}};

		q.pt = GEOSGeom_createPointFromXY_r(H, hh[0].x, hh[0].y);
		GEOSSTRtree_query_r(H, tree, q.pt, tree_cb, &q);
		GEOSGeom_destroy_r(H, (GEOSGeometry *)q.pt);
	}
	t0 = now();
	for (i = 0; i < n && k < sample; i += step, k++) {
		qctx q = {bz, NULL, {0, 0}};

		/* a point made per query, as a caller would */
		q.pt = GEOSGeom_createPointFromXY_r(H, hh[i].x, hh[i].y);
		GEOSSTRtree_query_r(H, tree, q.pt, tree_cb, &q);
		GEOSGeom_destroy_r(H, (GEOSGeometry *)q.pt);
		bf[2 * k] = q.best[0];
		bf[2 * k + 1] = q.best[1];
	}
	t = now() - t0;
	for (i = 0, k = 0; i < n && k < sample; i += step, k++)
		judge("geos", bz, nbz, &hh[i], bf[2 * k], bf[2 * k + 1], st);
	free(bf);
	GEOSSTRtree_destroy_r(H, tree);
	return (double)k / t;
}

/* ---- SpatiaLite baseline ------------------------------------------------- */

static void
sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("spatialite: %s: %s", sql, msg ? msg : "?");
}

static double
run_spatialite(const bzone *bz, size_t nbz, const geo_household *hh, size_t n,
               size_t sample, int srid, cmp_stats *st)
{
	sqlite3 *db;
	sqlite3_stmt *ins, *q;
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(H);
	char *msg = NULL, sql[1024];
	size_t i, k = 0, step;
	double t0, t;
	int *bf;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		die("sqlite3_open");
	sqlite3_enable_load_extension(db, 1);
	if (sqlite3_load_extension(db, "mod_spatialite", NULL, &msg) !=
	    SQLITE_OK)
		die("cannot load mod_spatialite: %s", msg ? msg : "?");
	sql_exec(db, "SELECT InitSpatialMetadata(1, 'WGS84')");
	sql_exec(db, "CREATE TABLE z (id INTEGER PRIMARY KEY, hazard INT, "
	             "cls INT)");
	snprintf(sql, sizeof sql,
	         "SELECT AddGeometryColumn('z', 'geom', %d, 'GEOMETRY', "
	         "'XY')",
	         srid);
	sql_exec(db, sql);
	snprintf(sql, sizeof sql,
	         "INSERT INTO z (hazard, cls, geom) VALUES (?, ?, "
	         "GeomFromWKB(?, %d))",
	         srid);
	if (sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK)
		die("spatialite: %s", sqlite3_errmsg(db));
	sql_exec(db, "BEGIN");
	for (i = 0; i < nbz; i++) {
		size_t len;
		unsigned char *wkb = GEOSWKBWriter_write_r(H, w, bz[i].g, &len);

		sqlite3_bind_int(ins, 1, bz[i].hazard);
		sqlite3_bind_int(ins, 2, bz[i].cls);
		sqlite3_bind_blob(ins, 3, wkb, (int)len, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("spatialite insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins);
		GEOSFree_r(H, wkb);
	}
	sql_exec(db, "COMMIT");
	sqlite3_finalize(ins);
	sql_exec(db, "SELECT CreateSpatialIndex('z', 'geom')");
	snprintf(sql, sizeof sql,
	         "SELECT hazard, max(cls) FROM z WHERE ST_Contains(geom, "
	         "MakePoint(?1, ?2, %d)) AND id IN (SELECT rowid FROM "
	         "SpatialIndex WHERE f_table_name = 'z' AND search_frame = "
	         "MakePoint(?1, ?2, %d)) GROUP BY hazard",
	         srid, srid);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		die("spatialite: %s", sqlite3_errmsg(db));
	step = n / (sample ? sample : 1);
	if (step == 0)
		step = 1;
	bf = calloc(2 * (sample + 1), sizeof *bf);
	t0 = now();
	for (i = 0; i < n && k < sample; i += step, k++) {
		sqlite3_bind_double(q, 1, hh[i].x);
		sqlite3_bind_double(q, 2, hh[i].y);
		while (sqlite3_step(q) == SQLITE_ROW) {
			int hz = sqlite3_column_int(q, 0);

			if (hz == 0 || hz == 1)
				bf[2 * k + hz] = sqlite3_column_int(q, 1);
		}
		sqlite3_reset(q);
	}
	t = now() - t0;
	for (i = 0, k = 0; i < n && k < sample; i += step, k++)
		judge("spatialite", bz, nbz, &hh[i], bf[2 * k], bf[2 * k + 1],
		      st);
	free(bf);
	sqlite3_finalize(q);
	sqlite3_close(db);
	GEOSWKBWriter_destroy_r(H, w);
	return (double)k / t;
}

/* ---- footprints --------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Each city polygon as a footprint: time the query; check against GEOS. */
static void
bench_footprints(geo_ctx *ctx, const opts *o, const geo_hindex *ix,
                 const geo_household *hh, size_t n, PJ *P)
{
	json_t *root = load_json(o->kota), *f;
	GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(H);
	double worst_ms = 0;
	size_t worst_n = 0, i, mism = 0, checked = 0;

	json_array_foreach(json_object_get(root, "features"), i, f)
	{
		json_t *geom = json_object_get(f, "geometry");
		geo_footprint *fp;
		char err[512], *gj;
		uint32_t *idx;
		size_t cnt, j, step, k;
		GEOSGeometry *g, *m;
		const GEOSPreparedGeometry *prep;
		double t0, ms;
		int best_ms_rep;

		if (geo_footprint_from_json(ctx, geom, NULL, &fp, err,
		                            sizeof err) != 0)
			die("kota %zu: %s", i, err);
		ms = INFINITY;
		idx = NULL;
		cnt = 0;
		for (best_ms_rep = 0; best_ms_rep < 3; best_ms_rep++) {
			free(idx);
			t0 = now();
			if (geo_footprint_households(fp, ix, &idx, &cnt) != 0)
				die("footprint: out of memory");
			ms = fmin(ms, (now() - t0) * 1e3);
		}
		if (ms > worst_ms) {
			worst_ms = ms;
			worst_n = cnt;
		}
		/* GEOS check on a sample of the households in the bbox */
		gj = json_dumps(geom, 0);
		g = GEOSGeoJSONReader_readGeometry_r(H, rd, gj);
		free(gj);
		m = GEOSGeom_transformXY_r(H, g, to_metric_cb, P);
		GEOSGeom_destroy_r(H, g);
		if (!GEOSisValid_r(H, m)) {
			g = GEOSMakeValid_r(H, m);
			GEOSGeom_destroy_r(H, m);
			m = g;
		}
		prep = GEOSPrepare_r(H, m);
		step = n / (o->quick ? 20000 : 200000);
		step = step ? step : 1;
		for (j = 0; j < n; j += step) {
			GEOSGeometry *pt =
			    GEOSGeom_createPointFromXY_r(H, hh[j].x, hh[j].y);
			int want = GEOSPreparedIntersects_r(H, prep, pt);
			uint32_t key = (uint32_t)j;
			int got = bsearch(&key, idx, cnt, sizeof *idx,
			                  cmp_u32) != NULL;

			checked++;
			if (want != got) {
				double d = 0;
				GEOSGeometry *b = GEOSBoundary_r(H, m);

				GEOSDistance_r(H, b, pt, &d);
				GEOSGeom_destroy_r(H, b);
				if (d > 2 * GEO_BOUNDARY_TOL_M && ++mism <= 5)
					fail("footprint kota %zu: household "
					     "%zu geos=%d geo=%d",
					     i, j, want, got);
			}
			GEOSGeom_destroy_r(H, pt);
		}
		for (k = 1; k < cnt; k++)
			if (idx[k] <= idx[k - 1]) {
				fail("footprint result not ascending");
				break;
			}
		GEOSPreparedGeom_destroy_r(H, prep);
		GEOSGeom_destroy_r(H, m);
		free(idx);
		geo_footprint_free(fp);
	}
	printf("footprint_ms=%.2f\n", worst_ms);
	printf("footprint_households=%zu\n", worst_n);
	printf("footprint_checked=%zu\n", checked);
	printf("footprint_mismatches=%zu\n", mism);
	GEOSGeoJSONReader_destroy_r(H, rd);
	json_decref(root);
}

/* ---- main ------------------------------------------------------------------
 */

static PJ *
make_pj(PJ_CONTEXT *pc)
{
	PJ *raw = proj_create_crs_to_crs(pc, "EPSG:4326",
	                                 GEO_DEFAULT_METRIC_CRS, NULL);
	PJ *P = raw ? proj_normalize_for_visualization(pc, raw) : NULL;

	proj_destroy(raw);
	if (P == NULL)
		die("PROJ cannot build the transformation");
	return P;
}

int
main(int argc, char **argv)
{
	opts o;
	geo_ctx *ctx;
	geo_zoneset *zs;
	geo_hindex *ix;
	geo_household *hh;
	geo_zoneset_stats st;
	bzone *bz = NULL;
	size_t nbz = 0, cap = 0, n, i;
	cmp_stats gs = {0}, ss = {0};
	char err[512], *fire_text;
	double load_s, t0, t_exp, t_exp_ix, rate, geos_rate, sl_rate;
	PJ_CONTEXT *pc;
	PJ *P;
	struct rusage ru;
	json_t *root;

	parse_args(argc, argv, &o);
	ctx = geo_ctx_new(NULL, err, sizeof err);
	if (ctx == NULL)
		die("%s", err);
	load_zones(ctx, &o, &zs, &fire_text, &load_s);
	geo_zoneset_get_stats(zs, &st);
	t0 = now();
	hh = make_households(ctx, &o, zs, &n);
	if (n == 0)
		die("no households");
	printf("households_source=%s\n",
	       o.households ? o.households : "generated");
	printf("households_load_s=%.3f\n", now() - t0);

	/* fast path: best of 3, array order (as loaded) and index order */
	t_exp = INFINITY;
	for (i = 0; i < 3; i++) {
		t0 = now();
		geo_exposure(zs, hh, n);
		t_exp = fmin(t_exp, now() - t0);
	}
	t0 = now();
	if (geo_hindex_build(hh, n, 0, &ix, err, sizeof err) != 0)
		die("%s", err);
	printf("index_build_s=%.3f\n", now() - t0);
	t_exp_ix = INFINITY;
	for (i = 0; i < 3; i++) {
		t0 = now();
		geo_hindex_exposure(ix, zs, hh);
		t_exp_ix = fmin(t_exp_ix, now() - t0);
	}
	rate = (double)n / t_exp;
	printf("zones=%zu\n", geo_zoneset_count(zs));
	printf("zones_flood=%zu\n", geo_zoneset_count_hazard(zs, GEO_FLOOD));
	printf("zones_fire=%zu\n", geo_zoneset_count_hazard(zs, GEO_FIRE));
	printf("zones_load_s=%.3f\n", load_s);
	printf("raster_cell_m=%.1f\n", st.cell_m);
	printf("raster_boundary_cells=%zu\n", st.boundary_cells);
	printf("zones_mb=%.1f\n", (double)st.bytes / 1048576.0);
	printf("households=%zu\n", n);
	printf("exposure_s=%.3f\n", t_exp);
	printf("exposure_indexed_s=%.3f\n", t_exp_ix);
	printf("households_per_s=%.0f\n", rate);

	/* baselines on the same zones, parsed and projected independently */
	H = GEOS_init_r();
	pc = proj_context_create();
	P = make_pj(pc);
	for (i = 0; i < o.nzones; i++) {
		root = load_json(o.zones[i]);
		baseline_layer(root, -1, P, &bz, &nbz, &cap);
		json_decref(root);
	}
	if (fire_text != NULL) {
		json_error_t je;

		root = json_loads(fire_text, 0, &je);
		baseline_layer(root, GEO_FIRE, P, &bz, &nbz, &cap);
		json_decref(root);
	} else {
		root = load_json(o.fire);
		baseline_layer(root, GEO_FIRE, P, &bz, &nbz, &cap);
		json_decref(root);
	}
	if (nbz != geo_zoneset_count(zs))
		fail("baseline has %zu zones, geo %zu", nbz,
		     geo_zoneset_count(zs));
	geos_rate = run_geos(bz, nbz, hh, n, o.geos_sample, &gs);
	printf("geos_prepared_per_s=%.0f\n", geos_rate);
	printf("geos_checked=%zu\n", gs.checked);
	printf("geos_ambiguous=%zu\n", gs.ambiguous);
	printf("geos_mismatches=%zu\n", gs.mismatched);
	printf("ratio_vs_geos_prepared=%.1f\n", rate / geos_rate);
	sl_rate = run_spatialite(bz, nbz, hh, n, o.sl_sample, 32748, &ss);
	printf("spatialite_per_s=%.0f\n", sl_rate);
	printf("spatialite_checked=%zu\n", ss.checked);
	printf("spatialite_ambiguous=%zu\n", ss.ambiguous);
	printf("spatialite_mismatches=%zu\n", ss.mismatched);
	printf("ratio_vs_spatialite=%.0f\n", rate / sl_rate);

	bench_footprints(ctx, &o, ix, hh, n, P);
	printf("bytes_per_household=%.1f\n",
	       (double)(n * sizeof(geo_household) + geo_hindex_bytes(ix)) /
	           (double)n);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_mb=%.1f\n", (double)ru.ru_maxrss / 1024.0);
	printf("exposure_under_1s_for_3_5M=%s\n",
	       3.5e6 / rate < 1.0 ? "yes" : "no");

	for (i = 0; i < nbz; i++) {
		GEOSPreparedGeom_destroy_r(H, bz[i].prep);
		GEOSGeom_destroy_r(H, bz[i].g);
	}
	free(bz);
	proj_destroy(P);
	proj_context_destroy(pc);
	GEOS_finish_r(H);
	free(fire_text);
	geo_hindex_free(ix);
	free(hh);
	geo_zoneset_free(zs);
	geo_ctx_free(ctx);
	if (failed) {
		fprintf(stderr, "bench_geo: FAILED: fast path and a baseline "
		                "disagree\n");
		printf("result=FAIL\n");
		return 1;
	}
	printf("result=ok\n");
	return 0;
}
