/*
 * Cross-check of household exposure against SpatiaLite's ST_Contains on
 * the real HKV flood zones (data/jakarta/flood-zones.geojson, 2,739
 * polygons). The test hands SpatiaLite the polygons as WKB it writes
 * itself from the GeoJSON coordinates (GeomFromGeoJSON is very slow under
 * ASan), and SpatiaLite answers in WGS84 lon/lat while geo answers in UTM
 * metres: the two sides share no code, not even the projection.
 *
 * Points are generated (fixed seed): half uniform over the zones' extent,
 * half inside random zones' bounding boxes, so that many lie near edges.
 * They must agree on every point, except points within about 2 cm of a
 * zone boundary, where geo's boundary rule (on the edge = inside) and
 * ST_Contains (boundary excluded) legitimately differ.
 */
#define _GNU_SOURCE

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "geo/geo.h"
#include "geo/zone.h"

#define ZONES "data/jakarta/flood-zones.geojson"
#define NPOINTS 3000
/* 2 * GEO_BOUNDARY_TOL_M in degrees at 6 deg S (1 deg ~ 110.6 km), with a
 * margin for the lon/lat vs projected-chord difference of edges */
#define NEAR_DEG 3e-7

static uint64_t seed = 88172645463325252ull;

static double
urand(void)
{
	/* xorshift64: deterministic, no libc rand() state */
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (double)(seed >> 11) / 9007199254740992.0;
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("spatialite: %s: %s", sql, msg ? msg : "?");
}

static sqlite3 *
open_spatialite(void)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	sqlite3_enable_load_extension(db, 1);
	if (sqlite3_load_extension(db, "mod_spatialite", NULL, &msg) !=
	    SQLITE_OK)
		fail_msg("cannot load mod_spatialite (%s): install Debian's "
		         "libsqlite3-mod-spatialite",
		         msg ? msg : "?");
	exec(db, "SELECT InitSpatialMetadata(1, 'WGS84')");
	exec(db, "CREATE TABLE z (id INTEGER PRIMARY KEY, cls INT)");
	exec(db, "SELECT AddGeometryColumn('z', 'geom', 4326, 'GEOMETRY', "
	         "'XY')");
	return db;
}

/* Little-endian WKB of a GeoJSON Polygon / MultiPolygon coordinates. */
typedef struct wkb {
	unsigned char *p;
	size_t n, cap;
} wkb;

static void
put(wkb *w, const void *v, size_t len)
{
	if (w->n + len > w->cap) {
		w->cap = (w->n + len) * 2;
		w->p = realloc(w->p, w->cap);
		assert_non_null(w->p);
	}
	memcpy(w->p + w->n, v, len);
	w->n += len;
}

static void
put_u32(wkb *w, uint32_t v)
{
	unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255,
	                      v >> 24};

	put(w, b, 4);
}

static void
put_f64(wkb *w, double d)
{
	uint64_t u;
	unsigned char b[8];
	int i;

	memcpy(&u, &d, 8);
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	put(w, b, 8);
}

static void
put_polygon(wkb *w, const json_t *rings)
{
	size_t i, k;
	json_t *r, *p;

	put(w, "\x01", 1);
	put_u32(w, 3);
	put_u32(w, (uint32_t)json_array_size(rings));
	json_array_foreach(rings, i, r)
	{
		put_u32(w, (uint32_t)json_array_size(r));
		json_array_foreach(r, k, p)
		{
			put_f64(w, json_number_value(json_array_get(p, 0)));
			put_f64(w, json_number_value(json_array_get(p, 1)));
		}
	}
}

static void
to_wkb(wkb *w, const json_t *geom)
{
	const char *type = json_string_value(json_object_get(geom, "type"));
	const json_t *co = json_object_get(geom, "coordinates");
	size_t i;
	json_t *part;

	w->n = 0;
	if (strcmp(type, "Polygon") == 0) {
		put_polygon(w, co);
		return;
	}
	assert_string_equal(type, "MultiPolygon");
	put(w, "\x01", 1);
	put_u32(w, 6);
	put_u32(w, (uint32_t)json_array_size(co));
	json_array_foreach(co, i, part) put_polygon(w, part);
}

/* Load the layer into SpatiaLite; returns feature count. Also the
 * WGS84 extent and per-feature boxes for the point generator. */
static size_t
load_spatialite(sqlite3 *db, double (**box)[4], double ext[4])
{
	json_error_t je;
	json_t *root = json_load_file(ZONES, 0, &je), *f;
	sqlite3_stmt *st;
	size_t i, n;
	wkb w = {NULL, 0, 0};

	if (root == NULL)
		fail_msg("%s: %s", ZONES, je.text);
	n = json_array_size(json_object_get(root, "features"));
	*box = calloc(n, sizeof **box);
	ext[0] = ext[1] = INFINITY;
	ext[2] = ext[3] = -INFINITY;
	assert_int_equal(
	    sqlite3_prepare_v2(db,
	                       "INSERT INTO z (id, cls, geom) VALUES (?, ?, "
	                       "GeomFromWKB(?, 4326))",
	                       -1, &st, NULL),
	    SQLITE_OK);
	exec(db, "BEGIN");
	json_array_foreach(json_object_get(root, "features"), i, f)
	{
		json_t *g = json_object_get(f, "geometry");
		const char *cl = json_string_value(
		    json_object_get(json_object_get(f, "properties"), "class"));
		json_t *ring =
		    json_array_get(json_object_get(g, "coordinates"), 0);
		geo_class c;
		size_t k;
		json_t *p;

		assert_int_equal(geo_class_parse(cl, &c), 0);
		(*box)[i][0] = (*box)[i][1] = INFINITY;
		(*box)[i][2] = (*box)[i][3] = -INFINITY;
		json_array_foreach(ring, k, p)
		{
			double x = json_number_value(json_array_get(p, 0));
			double y = json_number_value(json_array_get(p, 1));

			(*box)[i][0] = fmin((*box)[i][0], x);
			(*box)[i][1] = fmin((*box)[i][1], y);
			(*box)[i][2] = fmax((*box)[i][2], x);
			(*box)[i][3] = fmax((*box)[i][3], y);
		}
		ext[0] = fmin(ext[0], (*box)[i][0]);
		ext[1] = fmin(ext[1], (*box)[i][1]);
		ext[2] = fmax(ext[2], (*box)[i][2]);
		ext[3] = fmax(ext[3], (*box)[i][3]);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_int(st, 2, (int)c);
		to_wkb(&w, g);
		sqlite3_bind_blob(st, 3, w.p, (int)w.n, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("insert %zu: %s", i, sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	free(w.p);
	exec(db, "COMMIT");
	sqlite3_finalize(st);
	exec(db, "SELECT CreateSpatialIndex('z', 'geom')");
	json_decref(root);
	return n;
}

static void
test_exposure_matches_spatialite(void **state)
{
	const char *paths[] = {ZONES};
	geo_ctx *ctx;
	geo_zoneset *zs;
	sqlite3 *db;
	sqlite3_stmt *q, *dq;
	double(*box)[4] = NULL, ext[4];
	char err[512];
	size_t nz, i, seen[4] = {0}, ambiguous = 0, mismatched = 0;

	(void)state;
	ctx = geo_ctx_new(NULL, err, sizeof err);
	assert_non_null(ctx);
	assert_int_equal(
	    geo_zoneset_load(ctx, paths, 1, NULL, NULL, &zs, err, sizeof err),
	    0);
	db = open_spatialite();
	nz = load_spatialite(db, &box, ext);
	assert_int_equal(nz, geo_zoneset_count(zs));
	assert_int_equal(
	    sqlite3_prepare_v2(
	        db,
	        "SELECT coalesce(max(cls), 0) FROM z WHERE "
	        "ST_Contains(geom, MakePoint(?1, ?2, 4326)) AND id IN "
	        "(SELECT rowid FROM SpatialIndex WHERE f_table_name = "
	        "'z' AND search_frame = MakePoint(?1, ?2, 4326))",
	        -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(
	        db,
	        "SELECT min(ST_Distance(ST_Boundary(geom), "
	        "MakePoint(?1, ?2, 4326))) FROM z WHERE id IN (SELECT "
	        "rowid FROM SpatialIndex WHERE f_table_name = 'z' AND "
	        "search_frame = BuildMbr(?1 - 1e-5, ?2 - 1e-5, ?1 + "
	        "1e-5, ?2 + 1e-5, 4326))",
	        -1, &dq, NULL),
	    SQLITE_OK);
	for (i = 0; i < NPOINTS; i++) {
		double lon, lat, x, y;
		int want, got;

		if (i % 2 == 0) {
			lon = ext[0] + (ext[2] - ext[0]) * urand();
			lat = ext[1] + (ext[3] - ext[1]) * urand();
		} else {
			const double *b = box[(size_t)(urand() * (double)nz)];

			lon = b[0] + (b[2] - b[0]) * urand();
			lat = b[1] + (b[3] - b[1]) * urand();
		}
		assert_int_equal(geo_to_metric(ctx, lon, lat, &x, &y), 0);
		got = (int)geo_zoneset_class_at(zs, GEO_FLOOD, x, y);
		sqlite3_bind_double(q, 1, lon);
		sqlite3_bind_double(q, 2, lat);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		want = sqlite3_column_int(q, 0);
		sqlite3_reset(q);
		seen[want]++;
		if (got == want)
			continue;
		sqlite3_bind_double(dq, 1, lon);
		sqlite3_bind_double(dq, 2, lat);
		assert_int_equal(sqlite3_step(dq), SQLITE_ROW);
		if (sqlite3_column_type(dq, 0) != SQLITE_NULL &&
		    sqlite3_column_double(dq, 0) <= NEAR_DEG) {
			ambiguous++;
		} else {
			mismatched++;
			print_error("disagree at lon %.9f lat %.9f: geo %d, "
			            "spatialite %d\n",
			            lon, lat, got, want);
		}
		sqlite3_reset(dq);
	}
	assert_int_equal(mismatched, 0);
	assert_true(ambiguous <= 3);
	/* the sample did exercise every class */
	assert_true(seen[0] > 100 && seen[1] > 50 && seen[2] > 50 &&
	            seen[3] > 50);
	sqlite3_finalize(q);
	sqlite3_finalize(dq);
	sqlite3_close(db);
	free(box);
	geo_zoneset_free(zs);
	geo_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exposure_matches_spatialite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
