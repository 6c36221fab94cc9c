/*
 * geo zone sets: hand-made geometry in a metric CRS (exact edges), the
 * boundary rule, repair and rejection with feature indexes, reload
 * failures, and GeoJSON vs GeoPackage giving identical answers.
 */
#define _GNU_SOURCE

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geo/geo.h"
#include "geo/zone.h"

#define METRIC "tests/fixtures/geo/zones_metric.geojson"
#define WGS84 "tests/fixtures/geo/zones_wgs84.geojson"
/* origin of the metric fixture (EPSG:32748 metres) */
#define X0 700000.0
#define Y0 9300000.0

static geo_ctx *ctx;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	ctx = geo_ctx_new(NULL, err, sizeof err);
	if (ctx == NULL)
		fprintf(stderr, "geo_ctx_new: %s\n", err);
	return ctx == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	geo_ctx_free(ctx);
	return 0;
}

static geo_zoneset *
load(const char *path, geo_diag *d)
{
	const char *paths[] = {path};
	geo_zoneset *zs = NULL;
	char err[512];
	int rc;

	rc = geo_zoneset_load(ctx, paths, 1, NULL, d, &zs, err, sizeof err);
	if (rc != 0)
		fail_msg("load %s: %s", path, err);
	return zs;
}

static geo_class
flood(const geo_zoneset *zs, double dx, double dy)
{
	return geo_zoneset_class_at(zs, GEO_FLOOD, X0 + dx, Y0 + dy);
}

static geo_class
fire(const geo_zoneset *zs, double dx, double dy)
{
	return geo_zoneset_class_at(zs, GEO_FIRE, X0 + dx, Y0 + dy);
}

/* Does some diag item of this level mention this index and text? */
static int
has_diag(const geo_diag *d, geo_diag_level lv, long where, const char *text)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->items[i].level == lv && d->items[i].where == where &&
		    strstr(d->items[i].msg, text) != NULL)
			return 1;
	return 0;
}

static void
test_interiors(void **state)
{
	geo_diag d;
	geo_zoneset *zs;

	(void)state;
	geo_diag_init(&d);
	zs = load(METRIC, &d);
	assert_int_equal(flood(zs, 50, 50), GEO_MEDIUM);   /* A */
	assert_int_equal(flood(zs, 150, 50), GEO_HIGH);    /* B */
	assert_int_equal(flood(zs, 250, 50), GEO_NONE);    /* gap */
	assert_int_equal(flood(zs, 320, 100), GEO_LOW);    /* C ring */
	assert_int_equal(flood(zs, 360, 60), GEO_NONE);    /* C's hole */
	assert_int_equal(flood(zs, 400, 100), GEO_MEDIUM); /* G in hole */
	assert_int_equal(flood(zs, 625, 25), GEO_MEDIUM);  /* D part 1 */
	assert_int_equal(flood(zs, 675, 25), GEO_NONE);    /* between */
	assert_int_equal(flood(zs, 725, 25), GEO_MEDIUM);  /* D part 2 */
	assert_int_equal(flood(zs, -1000, -1000), GEO_NONE);
	assert_int_equal(fire(zs, 50, 50), GEO_HIGH);   /* F, "tinggi" */
	assert_int_equal(fire(zs, 320, 100), GEO_NONE); /* no fire there */
	/* hazard "banjir" and class "sedang" were understood (G) */
	assert_int_equal(geo_zoneset_count_hazard(zs, GEO_FIRE), 1);
	geo_zoneset_free(zs);
	geo_diag_free(&d);
}

/* Boundary rule: on an edge or vertex (or within 1 cm) is inside; on an
 * edge shared by two classes the higher class wins. */
static void
test_boundary_rule(void **state)
{
	geo_zoneset *zs;

	(void)state;
	zs = load(METRIC, NULL);
	/* shared edge x = 100 between A (medium) and B (high) */
	assert_int_equal(flood(zs, 100, 50), GEO_HIGH);
	assert_int_equal(flood(zs, 100, 0), GEO_HIGH);   /* shared vertex */
	assert_int_equal(flood(zs, 100, 100), GEO_HIGH); /* shared vertex */
	/* A's own edges and vertices */
	assert_int_equal(flood(zs, 0, 50), GEO_MEDIUM);
	assert_int_equal(flood(zs, 0, 0), GEO_MEDIUM);
	assert_int_equal(flood(zs, 50, 100), GEO_MEDIUM);
	/* B's far edge and corner */
	assert_int_equal(flood(zs, 200, 100), GEO_HIGH);
	/* tolerance: 5 mm outside is on the edge, 5 cm outside is not */
	assert_int_equal(flood(zs, -0.005, 50), GEO_MEDIUM);
	assert_int_equal(flood(zs, -0.05, 50), GEO_NONE);
	assert_int_equal(flood(zs, 200.005, 50), GEO_HIGH);
	assert_int_equal(flood(zs, 200.05, 50), GEO_NONE);
	/* a hole's boundary belongs to the zone */
	assert_int_equal(flood(zs, 350, 100), GEO_LOW);
	assert_int_equal(flood(zs, 350, 50), GEO_LOW); /* hole vertex */
	assert_int_equal(flood(zs, 350.05, 100), GEO_NONE);
	/* G's edge inside the hole: medium; C's outer vertex */
	assert_int_equal(flood(zs, 380, 100), GEO_MEDIUM);
	assert_int_equal(flood(zs, 500, 200), GEO_LOW);
	/* multipolygon part edges */
	assert_int_equal(flood(zs, 650, 25), GEO_MEDIUM);
	assert_int_equal(flood(zs, 700, 50), GEO_MEDIUM);
	geo_zoneset_free(zs);
}

static void
test_repair_and_reject(void **state)
{
	geo_diag d;
	geo_zoneset *zs;
	size_t i;
	int seen_e = 0, seen_h = 0;

	(void)state;
	geo_diag_init(&d);
	zs = load(METRIC, &d);
	/* bow-tie (feature 4) repaired into two triangles and reported */
	assert_true(has_diag(&d, GEO_DIAG_WARN, 4, "feature 4: invalid"));
	assert_true(has_diag(&d, GEO_DIAG_WARN, 4, "repaired"));
	assert_int_equal(flood(zs, 810, 50), GEO_HIGH);
	assert_int_equal(flood(zs, 890, 50), GEO_HIGH);
	assert_int_equal(flood(zs, 850, 10), GEO_NONE);
	assert_int_equal(flood(zs, 850, 50), GEO_HIGH); /* the crossing */
	/* an unclosed ring is closed and reported (feature 12) */
	assert_true(has_diag(&d, GEO_DIAG_WARN, 12, "not closed"));
	assert_int_equal(flood(zs, 1050, 50), GEO_LOW);
	/* rejected with index and reason; the rest loaded */
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 5, "bad class 'extreme'"));
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 6, "not polygonal"));
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 7, "no geometry"));
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 8, "no hazard"));
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 10, "fewer than 4"));
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 10, METRIC ": feature 10"));
	assert_int_equal(d.nreject, 5);
	assert_int_equal(d.nwarn, 2);
	assert_int_equal(geo_zoneset_count(zs), 8);
	assert_int_equal(flood(zs, 50, 350), GEO_NONE); /* rejected one */
	for (i = 0; i < geo_zoneset_count(zs); i++) {
		const geo_zone *z = geo_zoneset_zone(zs, i);

		if (strcmp(z->id, "E-bowtie") == 0) {
			seen_e = 1;
			assert_int_equal(z->feature, 4);
			/* two 50 m x 100 m / 2 triangles */
			assert_true(z->area_m2 > 4999 && z->area_m2 < 5001);
		}
		if (strcmp(z->id, "A") == 0) {
			seen_h = 1;
			assert_string_equal(z->name, "Kali A");
			assert_int_equal(z->depth_cm, 70);
			assert_int_equal(z->cls, GEO_MEDIUM);
			assert_true(z->area_m2 > 9999 && z->area_m2 < 10001);
		}
	}
	assert_true(seen_e && seen_h);
	geo_zoneset_free(zs);
	geo_diag_free(&d);
}

static void
test_zones_at(void **state)
{
	geo_zoneset *zs = load(METRIC, NULL);
	uint32_t out[8];
	size_t n;

	(void)state;
	/* (100, 50): A, B and fire F */
	n = geo_zoneset_zones_at(zs, X0 + 100, Y0 + 50, out, 8);
	assert_int_equal(n, 3);
	assert_string_equal(geo_zoneset_zone(zs, out[0])->id, "A");
	assert_string_equal(geo_zoneset_zone(zs, out[1])->id, "B");
	assert_string_equal(geo_zoneset_zone(zs, out[2])->id, "F");
	assert_int_equal(geo_zoneset_zones_at(zs, X0 + 100, Y0 + 50, out, 1),
	                 3);
	assert_int_equal(geo_zoneset_zones_at(zs, X0 + 250, Y0 + 50, out, 8),
	                 0);
	geo_zoneset_free(zs);
}

static void
test_exposure_arrays(void **state)
{
	geo_zoneset *zs = load(METRIC, NULL);
	geo_household hh[4];
	double xy[8];
	uint8_t f[4], fi[4];
	size_t i;

	(void)state;
	memset(hh, 0, sizeof hh);
	xy[0] = X0 + 50, xy[1] = Y0 + 50;
	xy[2] = X0 + 100, xy[3] = Y0 + 50;
	xy[4] = X0 + 360, xy[5] = Y0 + 60;
	xy[6] = X0 + 320, xy[7] = Y0 + 100;
	for (i = 0; i < 4; i++) {
		hh[i].x = xy[2 * i];
		hh[i].y = xy[2 * i + 1];
		hh[i].flood = hh[i].fire = 9; /* overwritten */
	}
	geo_exposure(zs, hh, 4);
	geo_exposure_xy(zs, xy, 4, f, fi);
	assert_int_equal(hh[0].flood, GEO_MEDIUM);
	assert_int_equal(hh[0].fire, GEO_HIGH);
	assert_int_equal(hh[1].flood, GEO_HIGH);
	assert_int_equal(hh[2].flood, GEO_NONE);
	assert_int_equal(hh[2].fire, GEO_NONE);
	assert_int_equal(hh[3].flood, GEO_LOW);
	for (i = 0; i < 4; i++) {
		assert_int_equal(f[i], hh[i].flood);
		assert_int_equal(fi[i], hh[i].fire);
	}
	geo_exposure_xy(zs, xy, 4, NULL, fi); /* either output may be NULL */
	assert_int_equal(fi[0], GEO_HIGH);
	geo_zoneset_free(zs);
}

/* Several cell sizes must give identical answers (the raster is only an
 * accelerator). */
static void
test_cell_size_invariance(void **state)
{
	static const double cells[] = {0, 3, 17, 250};
	geo_zoneset *ref = load(METRIC, NULL);
	size_t c;
	int dx, dy;

	(void)state;
	for (c = 0; c < sizeof cells / sizeof cells[0]; c++) {
		geo_zoneset *zs = geo_zoneset_new();
		char err[256];

		assert_true(geo_zoneset_add_file(zs, ctx, METRIC,
		                                 GEO_HAZARD_ANY, NULL, err,
		                                 sizeof err) > 0);
		assert_int_equal(
		    geo_zoneset_build(zs, cells[c], err, sizeof err), 0);
		/* 5 m lattice, edges included */
		for (dx = -20; dx <= 1120; dx += 5)
			for (dy = -20; dy <= 220; dy += 5) {
				geo_class a, b, fa, fb;

				geo_zoneset_classes_at(ref, X0 + dx, Y0 + dy,
				                       &a, &fa);
				geo_zoneset_classes_at(zs, X0 + dx, Y0 + dy, &b,
				                       &fb);
				if (a != b || fa != fb)
					fail_msg("cell %g at (%d,%d): %d/%d vs "
					         "%d/%d",
					         cells[c], dx, dy, a, fa, b,
					         fb);
			}
		geo_zoneset_free(zs);
	}
	geo_zoneset_free(ref);
}

static char *
tmp_path(const char *name)
{
	const char *t = getenv("TMPDIR");
	char *p;

	if (asprintf(&p, "%s/%s", t ? t : "/tmp", name) < 0)
		fail_msg("out of memory");
	return p;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A file that cannot be read leaves the zones in use untouched. */
static void
test_unreadable_keeps_old(void **state)
{
	geo_zoneset *old = load(METRIC, NULL), *fresh = NULL;
	char *bad = tmp_path("broken.geojson"), err[512];
	const char *paths[2] = {WGS84, NULL};
	int rc;

	(void)state;
	write_file(bad, "{\"type\": \"FeatureCollection\", \"features\": [\n"
	                "  {\"type\": \"Feature\", \"properties\": {}, \n");
	paths[1] = bad;
	rc = geo_zoneset_load(ctx, paths, 2, NULL, NULL, &fresh, err,
	                      sizeof err);
	assert_true(rc < 0);
	assert_null(fresh);
	assert_non_null(strstr(err, "broken.geojson"));
	paths[1] = "tests/fixtures/geo/does-not-exist.geojson";
	rc = geo_zoneset_load(ctx, paths, 2, NULL, NULL, &fresh, err,
	                      sizeof err);
	assert_int_equal(rc, GEO_EIO);
	assert_null(fresh);
	assert_non_null(strstr(err, "does-not-exist"));
	/* not GeoJSON at all */
	write_file(bad, "id,lon,lat\n1,2,3\n");
	paths[1] = bad;
	rc = geo_zoneset_load(ctx, paths, 2, NULL, NULL, &fresh, err,
	                      sizeof err);
	assert_true(rc < 0);
	/* the old set still answers */
	assert_int_equal(flood(old, 150, 50), GEO_HIGH);
	assert_int_equal(geo_zoneset_count(old), 8);
	/* an add_file error leaves a set being built unchanged */
	{
		geo_zoneset *zs = geo_zoneset_new();

		assert_true(geo_zoneset_add_file(zs, ctx, METRIC,
		                                 GEO_HAZARD_ANY, NULL, err,
		                                 sizeof err) == 8);
		assert_true(geo_zoneset_add_file(zs, ctx, bad, GEO_FLOOD, NULL,
		                                 err, sizeof err) < 0);
		assert_int_equal(geo_zoneset_count(zs), 8);
		assert_int_equal(geo_zoneset_build(zs, 0, err, sizeof err), 0);
		assert_true(geo_zoneset_add_file(zs, ctx, METRIC, GEO_FLOOD,
		                                 NULL, err, sizeof err) ==
		            GEO_EINVAL); /* built: read-only */
		geo_zoneset_free(zs);
	}
	geo_zoneset_free(old);
	free(bad);
}

/* The hazard argument fills in a missing hazard property. */
static void
test_default_hazard(void **state)
{
	static const char gj[] =
	    "{\"type\":\"Feature\",\"properties\":{\"class\":\"high\"},"
	    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[106.8,"
	    "-6.2],[106.801,-6.2],[106.801,-6.199],[106.8,-6.199],[106.8,"
	    "-6.2]]]}}";
	geo_zoneset *zs = geo_zoneset_new();
	geo_diag d;
	char err[256];
	double x, y;

	(void)state;
	geo_diag_init(&d);
	assert_int_equal(geo_zoneset_add_geojson(zs, ctx, gj, strlen(gj), "t",
	                                         GEO_FIRE, &d, err, sizeof err),
	                 1);
	assert_int_equal(geo_zoneset_add_geojson(zs, ctx, gj, strlen(gj), "t2",
	                                         GEO_HAZARD_ANY, &d, err,
	                                         sizeof err),
	                 0);
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 0,
	                     "t2: feature 0: no "
	                     "hazard"));
	assert_int_equal(geo_zoneset_build(zs, 0, err, sizeof err), 0);
	assert_int_equal(geo_to_metric(ctx, 106.8005, -6.1995, &x, &y), 0);
	assert_int_equal(geo_zoneset_class_at(zs, GEO_FIRE, x, y), GEO_HIGH);
	assert_int_equal(geo_zoneset_class_at(zs, GEO_FLOOD, x, y), GEO_NONE);
	/* the zone id falls back to file#index */
	assert_string_equal(geo_zoneset_zone(zs, 0)->id, "t#0");
	geo_zoneset_free(zs);
	geo_diag_free(&d);
}

/* An empty set builds and answers none. */
static void
test_empty_set(void **state)
{
	geo_zoneset *zs = geo_zoneset_new();
	char err[128];

	(void)state;
	assert_int_equal(geo_zoneset_build(zs, 0, err, sizeof err), 0);
	assert_int_equal(geo_zoneset_class_at(zs, GEO_FLOOD, X0, Y0), GEO_NONE);
	geo_zoneset_free(zs);
}

static void
run_ogr(const char *out, const char *in)
{
	char *cmd;
	int rc;

	if (system("command -v ogr2ogr >/dev/null 2>&1") != 0)
		fail_msg("ogr2ogr not found: install Debian's gdal-bin to "
		         "run the GeoPackage tests");
	if (asprintf(&cmd, "ogr2ogr -f GPKG '%s' '%s' -nln zones 2>&1", out,
	             in) < 0)
		fail_msg("out of memory");
	remove(out);
	rc = system(cmd);
	free(cmd);
	if (rc != 0)
		fail_msg("ogr2ogr failed (%d) converting %s", rc, in);
}

/* Same layer as GeoJSON and as GeoPackage: identical answers. */
static void
compare_formats(const char *geojson, const char *gpkg_name, double x0,
                double y0, double w, double h)
{
	char *gpkg = tmp_path(gpkg_name);
	geo_diag dj, dg;
	geo_zoneset *a, *b;
	size_t i, j, nonzero = 0;

	run_ogr(gpkg, geojson);
	geo_diag_init(&dj);
	geo_diag_init(&dg);
	a = load(geojson, &dj);
	b = load(gpkg, &dg);
	assert_int_equal(geo_zoneset_count(a), geo_zoneset_count(b));
	for (i = 0; i < geo_zoneset_count(a); i++) {
		const geo_zone *za = geo_zoneset_zone(a, i);
		const geo_zone *zb = geo_zoneset_zone(b, i);

		assert_string_equal(za->id, zb->id);
		assert_int_equal(za->feature, zb->feature);
		assert_int_equal(za->cls, zb->cls);
		assert_int_equal(za->hazard, zb->hazard);
		assert_true(fabs(za->area_m2 - zb->area_m2) < 1e-3);
	}
	/* the same repairs are reported at the same feature indexes */
	for (i = 0; i < dj.n; i++)
		if (dj.items[i].level == GEO_DIAG_WARN &&
		    strstr(dj.items[i].msg, "invalid") != NULL)
			assert_true(has_diag(&dg, GEO_DIAG_WARN,
			                     dj.items[i].where, "invalid"));
	for (i = 0; i <= 200; i++)
		for (j = 0; j <= 200; j++) {
			double x = x0 + w * (double)i / 200;
			double y = y0 + h * (double)j / 200;
			geo_class fa, fia, fb, fib;

			geo_zoneset_classes_at(a, x, y, &fa, &fia);
			geo_zoneset_classes_at(b, x, y, &fb, &fib);
			if (fa != fb || fia != fib)
				fail_msg("%s vs gpkg at (%f, %f): %d/%d vs "
				         "%d/%d",
				         geojson, x, y, fa, fia, fb, fib);
			nonzero += fa != GEO_NONE;
		}
	assert_true(nonzero > 1000); /* the grid did hit the zones */
	geo_zoneset_free(a);
	geo_zoneset_free(b);
	geo_diag_free(&dj);
	geo_diag_free(&dg);
	free(gpkg);
}

static void
test_gpkg_same_answers_wgs84(void **state)
{
	double x0, y0, x1, y1;

	(void)state;
	assert_int_equal(geo_to_metric(ctx, 106.799, -6.201, &x0, &y0), 0);
	assert_int_equal(geo_to_metric(ctx, 106.826, -6.179, &x1, &y1), 0);
	compare_formats(WGS84, "zones_wgs84.gpkg", x0, y0, x1 - x0, y1 - y0);
}

static void
test_gpkg_same_answers_metric(void **state)
{
	(void)state;
	/* a layer in EPSG:32748: the GeoPackage's srs_id is honoured */
	compare_formats(METRIC, "zones_metric.gpkg", X0 - 20, Y0 - 20, 1140,
	                240);
}

/* A GeoPackage in another CRS (Web Mercator) lands in the same place. */
static void
test_gpkg_other_srs(void **state)
{
	char *gpkg = tmp_path("zones_3857.gpkg"), *cmd;
	geo_zoneset *a, *b;
	double x, y;
	int i, j, diff = 0, hits = 0;

	(void)state;
	if (system("command -v ogr2ogr >/dev/null 2>&1") != 0)
		fail_msg("ogr2ogr not found: install Debian's gdal-bin");
	if (asprintf(&cmd, "ogr2ogr -f GPKG -t_srs EPSG:3857 '%s' '%s' 2>&1",
	             gpkg, WGS84) < 0)
		fail_msg("oom");
	remove(gpkg);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	a = load(WGS84, NULL);
	b = load(gpkg, NULL);
	/* sample interior points away from edges (reprojected vertices
	 * move by micrometres) */
	for (i = 0; i < 60; i++)
		for (j = 0; j < 60; j++) {
			assert_int_equal(
			    geo_to_metric(ctx, 106.80033 + i * 0.00041,
			                  -6.19967 + j * 0.00033, &x, &y),
			    0);
			diff += geo_zoneset_class_at(a, GEO_FLOOD, x, y) !=
			        geo_zoneset_class_at(b, GEO_FLOOD, x, y);
			hits += geo_zoneset_class_at(a, GEO_FLOOD, x, y) != 0;
		}
	assert_int_equal(diff, 0);
	assert_true(hits > 100);
	geo_zoneset_free(a);
	geo_zoneset_free(b);
	free(gpkg);
}

/* hazard/class columns are read from GeoPackage attribute columns */
static void
test_gpkg_columns(void **state)
{
	char *gpkg = tmp_path("zones_cols.gpkg");
	geo_diag d;
	geo_zoneset *zs;

	(void)state;
	run_ogr(gpkg, METRIC);
	geo_diag_init(&d);
	zs = load(gpkg, &d);
	assert_int_equal(geo_zoneset_count(zs), 8);
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 5, "bad class 'extreme'"));
	assert_true(has_diag(&d, GEO_DIAG_REJECT, 8, "no hazard"));
	assert_int_equal(flood(zs, 100, 50), GEO_HIGH);
	assert_int_equal(fire(zs, 100, 50), GEO_HIGH);
	geo_zoneset_free(zs);
	geo_diag_free(&d);
	free(gpkg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interiors),
	    cmocka_unit_test(test_boundary_rule),
	    cmocka_unit_test(test_repair_and_reject),
	    cmocka_unit_test(test_zones_at),
	    cmocka_unit_test(test_exposure_arrays),
	    cmocka_unit_test(test_cell_size_invariance),
	    cmocka_unit_test(test_unreadable_keeps_old),
	    cmocka_unit_test(test_default_hazard),
	    cmocka_unit_test(test_empty_set),
	    cmocka_unit_test(test_gpkg_same_answers_wgs84),
	    cmocka_unit_test(test_gpkg_same_answers_metric),
	    cmocka_unit_test(test_gpkg_other_srs),
	    cmocka_unit_test(test_gpkg_columns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
