/*
 * Incident footprints (polygon, point + radius, kelurahan / RW lists),
 * the household index, and kelurahan areas.
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

#include "geo/area.h"
#include "geo/footprint.h"
#include "geo/geo.h"
#include "geo/hindex.h"
#include "geo/points.h"

#define FIX "tests/fixtures/geo/"

static geo_ctx *ctx;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	ctx = geo_ctx_new(NULL, err, sizeof err);
	return ctx == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	geo_ctx_free(ctx);
	return 0;
}

/* Households on a lattice over lon0..lon1 x lat0..lat1 (step degrees). */
static geo_household *
lattice(double lon0, double lat0, double lon1, double lat1, double step,
        size_t *n)
{
	size_t nx = (size_t)((lon1 - lon0) / step) + 1;
	size_t ny = (size_t)((lat1 - lat0) / step) + 1, i, j, k = 0;
	geo_household *hh = calloc(nx * ny, sizeof *hh);

	assert_non_null(hh);
	for (j = 0; j < ny; j++)
		for (i = 0; i < nx; i++, k++) {
			assert_int_equal(geo_to_metric(ctx, lon0 + step * i,
			                               lat0 + step * j,
			                               &hh[k].x, &hh[k].y),
			                 0);
			hh[k].id = (uint32_t)k;
			hh[k].members = 1;
		}
	*n = k;
	return hh;
}

/* Index query == brute force over geo_footprint_contains, ascending. */
static size_t
check_query(const geo_footprint *fp, const geo_hindex *ix,
            const geo_household *hh, size_t n)
{
	uint32_t *idx;
	size_t cnt, i, k = 0;

	assert_int_equal(geo_footprint_households(fp, ix, &idx, &cnt), 0);
	for (i = 0; i < n; i++)
		if (geo_footprint_contains(fp, hh[i].x, hh[i].y)) {
			if (k >= cnt || idx[k] != i)
				fail_msg("household %zu missing from the "
				         "query",
				         i);
			k++;
		}
	assert_int_equal(k, cnt);
	free(idx);
	return cnt;
}

static void
test_circle(void **state)
{
	geo_footprint *fp;
	geo_household hh[6];
	geo_hindex *ix;
	char err[256];
	double cx, cy;
	uint32_t *idx;
	size_t n;

	(void)state;
	assert_int_equal(geo_footprint_from_point(ctx, 106.8271, -6.1754, 100,
	                                          &fp, err, sizeof err),
	                 0);
	assert_int_equal(geo_footprint_get_kind(fp), GEO_FP_CIRCLE);
	assert_int_equal(geo_to_metric(ctx, 106.8271, -6.1754, &cx, &cy), 0);
	assert_true(geo_footprint_contains(fp, cx + 99, cy));
	assert_false(geo_footprint_contains(fp, cx + 101, cy));
	assert_true(geo_footprint_contains(fp, cx, cy - 100)); /* boundary */
	assert_true(geo_footprint_contains(fp, cx, cy + 100.005));
	assert_false(geo_footprint_contains(fp, cx, cy + 100.05));
	assert_true(geo_footprint_contains(fp, cx + 70.7, cy + 70.7));
	assert_false(geo_footprint_contains(fp, cx + 70.8, cy + 70.8));
	assert_true(fabs(geo_footprint_area_m2(fp) - 31415.9265) < 0.01);
	/* the same through the household index */
	memset(hh, 0, sizeof hh);
	hh[0].x = cx + 99, hh[0].y = cy;
	hh[1].x = cx + 101, hh[1].y = cy;
	hh[2].x = cx, hh[2].y = cy;
	hh[3].x = cx - 60, hh[3].y = cy - 79; /* 99.2 m */
	hh[4].x = cx - 61, hh[4].y = cy - 80; /* 100.6 m */
	hh[5].x = cx + 5000, hh[5].y = cy;
	assert_int_equal(geo_hindex_build(hh, 6, 0, &ix, err, sizeof err), 0);
	assert_int_equal(geo_footprint_households(fp, ix, &idx, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 2);
	assert_int_equal(idx[2], 3);
	free(idx);
	geo_hindex_free(ix);
	geo_footprint_free(fp);
	/* bad radius / point */
	assert_int_equal(
	    geo_footprint_from_point(ctx, 106.8, -6.2, 0, &fp, err, sizeof err),
	    GEO_EINVAL);
	assert_int_equal(geo_footprint_from_point(ctx, 406.8, -6.2, 10, &fp,
	                                          err, sizeof err),
	                 GEO_EPROJ);
	assert_null(fp);
}

static void
test_circle_query_lattice(void **state)
{
	geo_footprint *fp;
	geo_household *hh;
	geo_hindex *ix;
	char err[256];
	size_t n, got;

	(void)state;
	/* ~11 m lattice, 1.1 km around the centre; radius 300 m */
	hh = lattice(106.8, -6.2, 106.81, -6.19, 0.0001, &n);
	assert_int_equal(geo_hindex_build(hh, n, 0, &ix, err, sizeof err), 0);
	assert_int_equal(geo_footprint_from_point(ctx, 106.805, -6.195, 300,
	                                          &fp, err, sizeof err),
	                 0);
	got = check_query(fp, ix, hh, n);
	/* pi r^2 / cell area (~11.06 m x 11.05 m) */
	assert_true(got > 2250 && got < 2370);
	geo_footprint_free(fp);
	geo_hindex_free(ix);
	free(hh);
}

static const char square_gj[] =
    "{\"type\":\"Polygon\",\"coordinates\":[[[106.80,-6.20],[106.81,"
    "-6.20],[106.81,-6.19],[106.80,-6.19],[106.80,-6.20]],[[106.803,"
    "-6.197],[106.803,-6.193],[106.807,-6.193],[106.807,-6.197],"
    "[106.803,-6.197]]]}";

static void
test_polygon(void **state)
{
	geo_footprint *fp, *back;
	geo_household *hh;
	geo_hindex *ix;
	char err[256], *wkt, *gj;
	double x, y, x0, y0, x1, y1, area;
	size_t n, got;
	json_t *j;

	(void)state;
	assert_int_equal(geo_footprint_from_geojson(ctx, square_gj,
	                                            strlen(square_gj), NULL,
	                                            &fp, err, sizeof err),
	                 0);
	assert_int_equal(geo_footprint_get_kind(fp), GEO_FP_POLYGON);
	/* ~1106 m x 1105 m minus a 442 m x 442 m hole */
	area = geo_footprint_area_m2(fp);
	assert_true(area > 1.02e6 && area < 1.04e6);
	assert_int_equal(geo_to_metric(ctx, 106.801, -6.199, &x, &y), 0);
	assert_true(geo_footprint_contains(fp, x, y));
	assert_int_equal(geo_to_metric(ctx, 106.805, -6.195, &x, &y), 0);
	assert_false(geo_footprint_contains(fp, x, y)); /* in the hole */
	assert_int_equal(geo_to_metric(ctx, 106.80, -6.195, &x, &y), 0);
	assert_true(geo_footprint_contains(fp, x, y)); /* on the edge */
	assert_int_equal(geo_to_metric(ctx, 106.803, -6.195, &x, &y), 0);
	assert_true(geo_footprint_contains(fp, x, y)); /* hole edge */
	assert_int_equal(geo_to_metric(ctx, 106.81, -6.19, &x, &y), 0);
	assert_true(geo_footprint_contains(fp, x, y)); /* vertex */
	assert_false(geo_footprint_contains(fp, x + 0.5, y));
	geo_footprint_bbox(fp, &x0, &y0, &x1, &y1);
	assert_true(x1 - x0 > 1100 && x1 - x0 < 1115);

	hh = lattice(106.799, -6.201, 106.811, -6.189, 0.00017, &n);
	assert_int_equal(geo_hindex_build(hh, n, 0, &ix, err, sizeof err), 0);
	got = check_query(fp, ix, hh, n);
	assert_true(got > 2500);

	/* out as WKT and GeoJSON (WGS84), back in: the same footprint */
	wkt = geo_footprint_wkt(fp, ctx, err, sizeof err);
	assert_non_null(wkt);
	assert_true(strncmp(wkt, "MULTIPOLYGON (((106.8", 21) == 0);
	gj = geo_footprint_geojson(fp, ctx, err, sizeof err);
	assert_non_null(gj);
	j = json_loads(gj, 0, NULL);
	assert_non_null(j);
	assert_int_equal(
	    geo_footprint_from_json(ctx, j, NULL, &back, err, sizeof err), 0);
	assert_true(fabs(geo_footprint_area_m2(back) - area) < 1.0);
	assert_int_equal(check_query(back, ix, hh, n), got);
	json_decref(j);
	free(wkt);
	free(gj);
	geo_footprint_free(back);
	geo_footprint_free(fp);
	geo_hindex_free(ix);
	free(hh);
}

static void
test_polygon_errors(void **state)
{
	static const char bowtie[] =
	    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
	    "\"Polygon\",\"coordinates\":[[[106.80,-6.20],[106.81,-6.19],"
	    "[106.81,-6.20],[106.80,-6.19],[106.80,-6.20]]]}}";
	static const char line[] =
	    "{\"type\":\"LineString\",\"coordinates\":[[106.8,-6.2],"
	    "[106.81,-6.19]]}";
	geo_footprint *fp = NULL;
	geo_diag d;
	char err[256];

	(void)state;
	geo_diag_init(&d);
	assert_int_equal(geo_footprint_from_geojson(ctx, bowtie, strlen(bowtie),
	                                            &d, &fp, err, sizeof err),
	                 0);
	assert_int_equal(d.nwarn, 1);
	assert_non_null(strstr(d.items[0].msg, "repaired"));
	geo_footprint_free(fp);
	assert_int_equal(geo_footprint_from_geojson(ctx, line, strlen(line), &d,
	                                            &fp, err, sizeof err),
	                 GEO_EEMPTY);
	assert_null(fp);
	assert_true(geo_footprint_from_geojson(ctx, "{", 1, NULL, &fp, err,
	                                       sizeof err) < 0);
	assert_null(fp);
	geo_diag_free(&d);
}

static void
test_kelurahan_areas(void **state)
{
	geo_areaset *as;
	geo_diag d;
	char err[256];
	double x, y;
	long i;

	(void)state;
	geo_diag_init(&d);
	assert_int_equal(geo_areaset_load(ctx, FIX "kelurahan.geojson",
	                                  GEO_AREA_KELURAHAN, NULL, &d, &as,
	                                  err, sizeof err),
	                 0);
	assert_int_equal(geo_areaset_count(as), 4);
	assert_int_equal(d.nreject, 1);
	assert_non_null(strstr(d.items[0].msg,
	                       "feature 4: bad kelurahan code 'not-a-code'"));
	i = geo_areaset_find(as, "31.71.01.1002");
	assert_true(i >= 0);
	assert_string_equal(geo_areaset_get(as, (size_t)i)->name, "Cideng");
	assert_int_equal(geo_areaset_find(as, "3171011002"), i);
	assert_int_equal(geo_areaset_find_kel(as, 3171011002u), i);
	assert_int_equal(geo_areaset_find(as, "31.71.01.1009"), -1);
	assert_int_equal(geo_to_metric(ctx, 106.815, -6.195, &x, &y), 0);
	assert_int_equal(geo_areaset_kelurahan_at(as, x, y), 3171011002u);
	assert_int_equal(geo_to_metric(ctx, 106.805, -6.185, &x, &y), 0);
	assert_int_equal(geo_areaset_kelurahan_at(as, x, y), 3171011003u);
	/* shared edge: the lower index (1001) wins */
	assert_int_equal(geo_to_metric(ctx, 106.81, -6.195, &x, &y), 0);
	assert_int_equal(geo_areaset_kelurahan_at(as, x, y), 3171011001u);
	assert_int_equal(geo_to_metric(ctx, 106.9, -6.195, &x, &y), 0);
	assert_int_equal(geo_areaset_kelurahan_at(as, x, y), 0);
	assert_int_equal(geo_areaset_locate(as, x, y), -1);
	geo_areaset_free(as);
	geo_diag_free(&d);
	assert_int_equal(geo_areaset_load(ctx, FIX "nope.geojson",
	                                  GEO_AREA_KELURAHAN, NULL, NULL, &as,
	                                  err, sizeof err),
	                 GEO_EIO);
	assert_null(as);
}

static void
test_assign_kelurahan(void **state)
{
	geo_areaset *as;
	geo_household *hh;
	char err[256];
	size_t n, set;

	(void)state;
	assert_int_equal(geo_areaset_load(ctx, FIX "kelurahan.geojson",
	                                  GEO_AREA_KELURAHAN, NULL, NULL, &as,
	                                  err, sizeof err),
	                 0);
	assert_int_equal(geo_households_read_csv(ctx, FIX "households.csv", &hh,
	                                         &n, NULL, err, sizeof err),
	                 0);
	/* hh 2 (no code, in 1001), hh 12 (no code, in 1004), hh 14 (no
	 * code, outside): two are set, codes already there are kept */
	set = geo_areaset_assign_kelurahan(as, hh, n, 0);
	assert_int_equal(set, 2);
	assert_int_equal(hh[1].kel, 3171011001u);
	assert_int_equal(hh[3].kel, 3171011004u);
	assert_int_equal(hh[5].kel, 0);
	assert_int_equal(hh[2].kel, 3171011002u);
	free(hh);
	geo_areaset_free(as);
}

static void
test_area_footprint(void **state)
{
	const char *keys[] = {"31.71.01.1001", "3171011002", "31.71.01.1001"};
	const char *bad[] = {"31.71.01.1001", "31.71.01.1999"};
	const char *rws[] = {"3171011001-02"};
	geo_areaset *as, *rw;
	geo_footprint *fp;
	geo_household *hh;
	geo_hindex *ix;
	char err[256];
	size_t n, got, i, inside = 0;

	(void)state;
	assert_int_equal(geo_areaset_load(ctx, FIX "kelurahan.geojson",
	                                  GEO_AREA_KELURAHAN, NULL, NULL, &as,
	                                  err, sizeof err),
	                 0);
	assert_int_equal(
	    geo_footprint_from_areas(ctx, as, keys, 3, &fp, err, sizeof err),
	    0);
	assert_int_equal(geo_footprint_get_kind(fp), GEO_FP_AREAS);
	/* two ~1106 m x 1105 m squares: their union, shared edge dissolved */
	assert_true(fabs(geo_footprint_area_m2(fp) -
	                 (geo_areaset_get(as, 0)->area_m2 +
	                  geo_areaset_get(as, 1)->area_m2)) < 1.0);
	hh = lattice(106.7995, -6.2005, 106.8205, -6.1795, 0.0002, &n);
	assert_int_equal(geo_hindex_build(hh, n, 0, &ix, err, sizeof err), 0);
	got = check_query(fp, ix, hh, n);
	/* equals "located in kelurahan 1001 or 1002" away from edges */
	for (i = 0; i < n; i++) {
		uint32_t k = geo_areaset_kelurahan_at(as, hh[i].x, hh[i].y);

		inside += k == 3171011001u || k == 3171011002u;
	}
	assert_true(got >= inside && got - inside < 200);
	assert_true(got > 4000);
	geo_footprint_free(fp);
	assert_int_equal(
	    geo_footprint_from_areas(ctx, as, bad, 2, &fp, err, sizeof err),
	    GEO_EINVAL);
	assert_non_null(strstr(err, "unknown kelurahan '31.71.01.1999'"));
	/* RW ids through an RW layer */
	assert_int_equal(geo_areaset_load(ctx, FIX "rw.geojson", GEO_AREA_RW,
	                                  NULL, NULL, &rw, err, sizeof err),
	                 0);
	assert_int_equal(geo_areaset_get(rw, 0)->kel, 3171011001u);
	assert_int_equal(geo_areaset_get(rw, 1)->rw, 2);
	assert_int_equal(
	    geo_footprint_from_areas(ctx, rw, rws, 1, &fp, err, sizeof err), 0);
	got = check_query(fp, ix, hh, n);
	assert_true(got > 300 && got < 1500);
	geo_footprint_free(fp);
	geo_areaset_free(rw);
	geo_areaset_free(as);
	geo_hindex_free(ix);
	free(hh);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void
test_hindex(void **state)
{
	geo_household *hh;
	geo_hindex *ix;
	char err[256];
	uint32_t *idx = NULL;
	size_t n, cnt = 0, cap = 0, i, want;
	double cx, cy;
	long near, best = -1;
	double bd = INFINITY;

	(void)state;
	hh = lattice(106.80, -6.20, 106.81, -6.19, 0.0003, &n);
	hh[7].x = NAN; /* left out of the index */
	assert_int_equal(geo_hindex_build(hh, n, 0, &ix, err, sizeof err), 0);
	assert_int_equal(geo_hindex_count(ix), n);
	assert_true(geo_hindex_bytes(ix) < n * 16);
	cx = hh[n / 2].x + 3.3;
	cy = hh[n / 2].y - 1.7;
	assert_int_equal(geo_hindex_radius(ix, cx, cy, 150, &idx, &cnt, &cap),
	                 0);
	qsort(idx, cnt, sizeof *idx, cmp_u32);
	for (i = 0, want = 0; i < n; i++) {
		double dx = hh[i].x - cx, dy = hh[i].y - cy;

		if (dx * dx + dy * dy <= 150.0 * 150.0) {
			assert_true(want < cnt && idx[want] == i);
			want++;
		}
		if (dx * dx + dy * dy < bd) {
			bd = dx * dx + dy * dy;
			best = (long)i;
		}
	}
	assert_int_equal(want, cnt);
	near = geo_hindex_nearest(ix, cx, cy, 1000);
	assert_int_equal(near, best);
	assert_int_equal(geo_hindex_nearest(ix, cx + 1e6, cy, 100), -1);
	cnt = 0;
	assert_int_equal(geo_hindex_box(ix, cx - 100, cy - 100, cx + 100,
	                                cy + 100, &idx, &cnt, &cap),
	                 0);
	for (i = 0; i < cnt; i++)
		assert_true(fabs(hh[idx[i]].x - cx) <= 100 &&
		            fabs(hh[idx[i]].y - cy) <= 100);
	assert_true(cnt > 10);
	free(idx);
	geo_hindex_free(ix);
	free(hh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_circle),
	    cmocka_unit_test(test_circle_query_lattice),
	    cmocka_unit_test(test_polygon),
	    cmocka_unit_test(test_polygon_errors),
	    cmocka_unit_test(test_kelurahan_areas),
	    cmocka_unit_test(test_assign_kelurahan),
	    cmocka_unit_test(test_area_footprint),
	    cmocka_unit_test(test_hindex),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
