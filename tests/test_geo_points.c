/*
 * geo point readers (households, shelters, depots, stock lots) and the
 * small shared helpers: enums, kelurahan codes, dates, diagnostics,
 * projections.
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

static int
has_diag(const geo_diag *d, long where, const char *text)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->items[i].level == GEO_DIAG_REJECT &&
		    d->items[i].where == where &&
		    strstr(d->items[i].msg, text) != NULL)
			return 1;
	return 0;
}

static void
test_households_csv(void **state)
{
	geo_household *hh;
	geo_diag d;
	char err[256];
	size_t n;
	double x, y;

	(void)state;
	assert_true(sizeof(geo_household) <= 32);
	geo_diag_init(&d);
	assert_int_equal(geo_households_read_csv(ctx, FIX "households.csv", &hh,
	                                         &n, &d, err, sizeof err),
	                 0);
	assert_int_equal(n, 6);
	assert_int_equal(hh[0].id, 1);
	assert_int_equal(hh[0].kel, 3171011001u);
	assert_int_equal(hh[0].members, 4);
	assert_int_equal(hh[0].elderly, 1);
	assert_int_equal(hh[0].under5, 1);
	assert_int_equal(geo_to_metric(ctx, 106.8035, -6.1965, &x, &y), 0);
	assert_true(fabs(hh[0].x - x) < 1e-6 && fabs(hh[0].y - y) < 1e-6);
	assert_int_equal(hh[1].id, 2);
	assert_int_equal(hh[1].kel, 0);
	assert_int_equal(hh[1].disabled, 1);
	assert_int_equal(hh[1].pregnant, 1);
	assert_int_equal(hh[2].id, 11); /* quoted id, undotted code */
	assert_int_equal(hh[2].kel, 3171011002u);
	assert_int_equal(hh[3].id, 12); /* empty counts are 0 */
	assert_int_equal(hh[3].elderly, 0);
	assert_int_equal(hh[5].id, 14);
	/* each bad row, by line number, with its reason */
	assert_true(has_diag(&d, 4, "line 4: id: 'x3'"));
	assert_true(has_diag(&d, 5, "line 5: lon/lat (206.85, -6.21) out of"));
	assert_true(has_diag(&d, 6, "kelurahan: bad code '31.71.01'"));
	assert_true(has_diag(&d, 7, "members: '0'"));
	assert_true(has_diag(&d, 8, "elderly (3) exceeds members (2)"));
	assert_true(has_diag(&d, 9, "elderly + under5 (3) exceeds"));
	assert_true(has_diag(&d, 10, "3 fields, the header needs 9"));
	assert_true(has_diag(&d, 11, "members: '300'"));
	assert_int_equal(d.nreject, 8);
	assert_non_null(strstr(d.items[0].msg, FIX "households.csv: line"));
	free(hh);
	geo_diag_free(&d);
}

static char *
tmp_path(const char *name)
{
	const char *t = getenv("TMPDIR");
	char *p;

	if (asprintf(&p, "%s/%s", t ? t : "/tmp", name) < 0)
		fail_msg("oom");
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

static void
test_households_bad_files(void **state)
{
	char *p = tmp_path("hh.csv"), err[256];
	geo_household *hh = (geo_household *)1;
	geo_diag d;
	size_t n = 7;

	(void)state;
	geo_diag_init(&d);
	assert_int_equal(geo_households_read_csv(ctx, FIX "nope.csv", &hh, &n,
	                                         &d, err, sizeof err),
	                 GEO_EIO);
	assert_null(hh);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "nope.csv"));
	write_file(p, "id,lon,lat,kelurahan,elderly\n1,106.8,-6.2,,0\n");
	assert_int_equal(
	    geo_households_read_csv(ctx, p, &hh, &n, &d, err, sizeof err),
	    GEO_EFORMAT);
	assert_non_null(strstr(err, "no column 'members'"));
	write_file(p, "");
	assert_int_equal(
	    geo_households_read_csv(ctx, p, &hh, &n, &d, err, sizeof err),
	    GEO_EFORMAT);
	/* columns in another order, a BOM, CRLF, an unterminated quote */
	write_file(p, "\xef\xbb\xbfmembers,lat,lon,id\r\n2,-6.2,106.8,77\r\n"
	              "3,-6.2,106.8,\"78\r\n");
	assert_int_equal(
	    geo_households_read_csv(ctx, p, &hh, &n, &d, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hh[0].id, 77);
	assert_int_equal(hh[0].members, 2);
	assert_true(has_diag(&d, 3, "unterminated quote"));
	free(hh);
	free(p);
	geo_diag_free(&d);
}

static void
test_households_gpkg(void **state)
{
	char *gpkg = tmp_path("hh.gpkg"), *cmd, err[256];
	geo_household *a, *b;
	size_t na, nb, i;
	geo_diag d;

	(void)state;
	if (system("command -v ogr2ogr >/dev/null 2>&1") != 0)
		fail_msg("ogr2ogr not found: install Debian's gdal-bin");
	/* a point layer made from the CSV by GDAL: same households */
	remove(gpkg);
	if (asprintf(&cmd,
	             "ogr2ogr -f GPKG '%s' CSV:'" FIX "households.csv' "
	             "-oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat "
	             "-oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326 -nln hh 2>&1",
	             gpkg) < 0)
		fail_msg("oom");
	assert_int_equal(system(cmd), 0);
	free(cmd);
	geo_diag_init(&d);
	assert_int_equal(geo_households_read_csv(ctx, FIX "households.csv", &a,
	                                         &na, NULL, err, sizeof err),
	                 0);
	assert_int_equal(
	    geo_households_read(ctx, gpkg, &b, &nb, &d, err, sizeof err), 0);
	/* rows the CSV reader rejects are rejected from the GeoPackage too
	 * (GDAL wrote lon 206.85 as a point: out of range) */
	assert_int_equal(nb, na);
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i].id, b[i].id);
		assert_int_equal(a[i].kel, b[i].kel);
		assert_int_equal(a[i].members, b[i].members);
		assert_int_equal(a[i].elderly, b[i].elderly);
		assert_true(fabs(a[i].x - b[i].x) < 1e-6);
		assert_true(fabs(a[i].y - b[i].y) < 1e-6);
	}
	assert_true(d.nreject > 0);
	assert_non_null(strstr(d.items[0].msg, "hh.gpkg:hh: feature"));
	free(a);
	free(b);
	free(gpkg);
	geo_diag_free(&d);
}

static void
test_shelters_csv(void **state)
{
	geo_shelter *s;
	geo_diag d;
	char err[256];
	size_t n;

	(void)state;
	geo_diag_init(&d);
	assert_int_equal(geo_shelters_read(ctx, FIX "shelters.csv", &s, &n, &d,
	                                   err, sizeof err),
	                 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].id, "SH-0001");
	assert_int_equal(s[0].capacity, 120);
	assert_int_equal(s[0].kind, GEO_SHELTER_SCHOOL);
	assert_int_equal(s[0].accessible, 1);
	assert_int_equal(s[0].capacity_source, GEO_CAP_DECLARED);
	assert_int_equal(s[0].kel, 3171011001u);
	assert_string_equal(s[1].name, "Masjid Al-Ikhlas, Cideng");
	/* Sphere: 350 m2 / 3.5 m2 per person */
	assert_int_equal(s[1].capacity, 100);
	assert_int_equal(s[1].capacity_source, GEO_CAP_ESTIMATED);
	assert_true(fabs(s[1].floor_m2 - 350) < 1e-9);
	assert_int_equal(s[2].capacity, 20); /* floor(70.5 / 3.5) */
	assert_int_equal(s[2].kind, GEO_SHELTER_COMMUNITY_HALL);
	assert_true(has_diag(&d, 4, "no capacity"));
	assert_true(has_diag(&d, 5, "kind: unknown 'palace'"));
	assert_true(has_diag(&d, 6, "duplicate id 'SH-0001'"));
	assert_true(has_diag(&d, 7, "accessible: '2'"));
	assert_true(has_diag(&d, 9, "unterminated quote"));
	assert_int_equal(d.nreject, 5);
	free(s);
	geo_diag_free(&d);
}

static void
test_depots_and_lots(void **state)
{
	geo_depot *dp;
	geo_lot *l;
	geo_diag d;
	char err[256];
	size_t nd, nl;

	(void)state;
	geo_diag_init(&d);
	assert_int_equal(geo_depots_read_csv(ctx, FIX "depots.csv", &dp, &nd,
	                                     &d, err, sizeof err),
	                 0);
	assert_int_equal(nd, 2);
	assert_string_equal(dp[0].id, "DEP-3171");
	assert_int_equal(dp[0].city, 3171);
	assert_int_equal(dp[1].city, 3172);
	assert_true(has_diag(&d, 4, "duplicate id 'DEP-3171'"));
	assert_true(has_diag(&d, 5, "city: bad code '31.7'"));
	geo_diag_clear(&d);
	assert_int_equal(geo_lots_read_csv(FIX "stock.csv", dp, nd, &l, &nl, &d,
	                                   err, sizeof err),
	                 0);
	assert_int_equal(nl, 4);
	assert_int_equal(l[0].depot, 0);
	assert_string_equal(l[0].lot, "L001");
	assert_int_equal(l[0].item, GEO_ITEM_MEAL);
	assert_int_equal(l[0].qty, 5000);
	assert_int_equal(l[0].expires_ymd, 20251231);
	assert_int_equal(l[0].expires_days, 20453); /* 2025-12-31 */
	assert_int_equal(l[1].expires_days, GEO_NO_EXPIRY);
	assert_int_equal(l[1].expires_ymd, 0);
	/* L001 again, but in another depot: fine */
	assert_int_equal(l[2].depot, 1);
	assert_int_equal(l[2].expires_ymd, 20240229);
	assert_int_equal(l[3].item, GEO_ITEM_KIT_FAMILY);
	assert_true(has_diag(&d, 5, "depot: unknown 'DEP-9999'"));
	assert_true(has_diag(&d, 6, "duplicate lot 'L001' in depot"));
	assert_true(has_diag(&d, 7, "item: unknown 'sarung'"));
	assert_true(has_diag(&d, 8, "qty: '-4'"));
	assert_true(has_diag(&d, 9, "expires: '2023-02-29'"));
	free(dp);
	free(l);
	geo_diag_free(&d);
}

static void
test_enums(void **state)
{
	geo_class c;
	geo_hazard h;

	(void)state;
	assert_int_equal(geo_class_parse("rendah", &c), 0);
	assert_int_equal(c, GEO_LOW);
	assert_int_equal(geo_class_parse(" Sedang ", &c), 0);
	assert_int_equal(c, GEO_MEDIUM);
	assert_int_equal(geo_class_parse("TINGGI", &c), 0);
	assert_int_equal(c, GEO_HIGH);
	assert_int_equal(geo_class_parse("high", &c), 0);
	assert_int_equal(c, GEO_HIGH);
	assert_int_equal(geo_class_parse("none", &c), 0);
	assert_int_equal(c, GEO_NONE);
	assert_int_equal(geo_class_parse("higher", &c), GEO_EINVAL);
	assert_int_equal(geo_class_parse("", &c), GEO_EINVAL);
	assert_string_equal(geo_class_name(GEO_MEDIUM), "medium");
	assert_string_equal(geo_class_name((geo_class)7), "?");
	assert_int_equal(geo_hazard_parse("Banjir", &h), 0);
	assert_int_equal(h, GEO_FLOOD);
	assert_int_equal(geo_hazard_parse("fire", &h), 0);
	assert_int_equal(h, GEO_FIRE);
	assert_int_equal(geo_hazard_parse("quake", &h), GEO_EINVAL);
	assert_string_equal(geo_hazard_name(GEO_FIRE), "fire");
}

static void
test_codes(void **state)
{
	char buf[GEO_KEL_BUFLEN], rb[GEO_RW_BUFLEN];
	uint32_t k;
	unsigned rw;

	(void)state;
	assert_int_equal(geo_kel_parse("31.71.01.1001", &k), 0);
	assert_int_equal(k, 3171011001u);
	assert_int_equal(geo_kel_parse("3171011001", &k), 0);
	assert_int_equal(k, 3171011001u);
	assert_string_equal(geo_kel_format(3171011001u, buf), "31.71.01.1001");
	assert_string_equal(geo_kel_format(3101011001u, buf), "31.01.01.1001");
	assert_int_equal(geo_kel_parse("31.71.01", &k), GEO_EINVAL);
	assert_int_equal(geo_kel_parse("31.71.01.10011", &k), GEO_EINVAL);
	assert_int_equal(geo_kel_parse("31.71.01.1001x", &k), GEO_EINVAL);
	assert_int_equal(geo_kel_parse("317.1.01.1001", &k), GEO_EINVAL);
	/* Papua (94) does not fit 32 bits: refused, not wrapped */
	assert_int_equal(geo_kel_parse("94.71.01.1001", &k), GEO_EINVAL);
	assert_int_equal(geo_city_parse("31.71", &k), 0);
	assert_int_equal(k, 3171);
	assert_int_equal(geo_city_parse("3172", &k), 0);
	assert_int_equal(k, 3172);
	assert_int_equal(geo_city_parse("31.7", &k), GEO_EINVAL);
	assert_int_equal(geo_kel_city(3171011001u), 3171);
	assert_int_equal(geo_rw_parse("3172011001-09", &k, &rw), 0);
	assert_int_equal(k, 3172011001u);
	assert_int_equal(rw, 9);
	assert_int_equal(geo_rw_parse("31.72.01.1001-12", &k, &rw), 0);
	assert_int_equal(rw, 12);
	assert_int_equal(geo_rw_parse("3172011001-00", &k, &rw), GEO_EINVAL);
	assert_int_equal(geo_rw_parse("3172011001", &k, &rw), GEO_EINVAL);
	assert_string_equal(geo_rw_format(3172011001u, 9, rb), "3172011001-09");
}

static void
test_dates(void **state)
{
	int32_t days;
	uint32_t ymd;

	(void)state;
	assert_int_equal(geo_date_parse("1970-01-01", &days, &ymd), 0);
	assert_int_equal(days, 0);
	assert_int_equal(geo_date_parse("2007-02-02", &days, &ymd), 0);
	assert_int_equal(days, 13546);
	assert_int_equal(ymd, 20070202);
	assert_int_equal(geo_days_to_ymd(13546), 20070202);
	assert_int_equal(geo_days_to_ymd(-1), 19691231);
	assert_int_equal(geo_date_parse("2024-02-29", &days, NULL), 0);
	assert_int_equal(geo_days_to_ymd(days), 20240229);
	assert_int_equal(geo_date_parse("2100-02-29", &days, NULL), GEO_EINVAL);
	assert_int_equal(geo_date_parse("2024-13-01", &days, NULL), GEO_EINVAL);
	assert_int_equal(geo_date_parse("2024-1-01", &days, NULL), GEO_EINVAL);
	assert_int_equal(geo_date_parse("2024-01-01T00", &days, NULL),
	                 GEO_EINVAL);
}

static void
test_diag_cap(void **state)
{
	geo_diag d;
	int i;

	(void)state;
	geo_diag_init(&d);
	d.max = 10;
	for (i = 0; i < 25; i++)
		assert_int_equal(
		    geo_diag_add(&d, i % 2 ? GEO_DIAG_WARN : GEO_DIAG_REJECT, i,
		                 "f: line %d: bad", i),
		    0);
	assert_int_equal(d.n, 10);
	assert_int_equal(d.dropped, 15);
	assert_int_equal(d.nreject, 13);
	assert_int_equal(d.nwarn, 12);
	assert_string_equal(d.items[3].msg, "f: line 3: bad");
	geo_diag_clear(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.max, 10);
	geo_diag_free(&d);
	assert_int_equal(geo_diag_add(NULL, GEO_DIAG_WARN, 0, "x"), 0);
}

static void
test_projection(void **state)
{
	double x, y, lon, lat, xy[4] = {106.8456, -6.2088, 106.9, -6.1};
	char err[256];
	geo_ctx *c2;

	(void)state;
	/* Monas, Jakarta: UTM 48S easting ~ 703 km, northing ~ 9313 km */
	assert_int_equal(geo_to_metric(ctx, 106.8271, -6.1754, &x, &y), 0);
	assert_true(x > 702000 && x < 704000);
	assert_true(y > 9316000 && y < 9318000);
	assert_int_equal(geo_to_wgs84(ctx, x, y, &lon, &lat), 0);
	assert_true(fabs(lon - 106.8271) < 1e-9);
	assert_true(fabs(lat + 6.1754) < 1e-9);
	assert_int_equal(geo_to_metric(ctx, 200, 0, &x, &y), GEO_EPROJ);
	assert_int_equal(geo_to_metric(ctx, NAN, 0, &x, &y), GEO_EPROJ);
	assert_int_equal(geo_to_metric_n(ctx, xy, 2), 0);
	assert_true(xy[0] > 700000 && xy[3] > 9300000);
	assert_true(fabs(geo_distance_m(0, 0, 3, 4) - 5) < 1e-12);
	assert_string_equal(geo_ctx_crs(ctx), "EPSG:32748");
	assert_null(geo_ctx_new("EPSG:4326", err, sizeof err));
	assert_non_null(strstr(err, "not a projected CRS"));
	assert_null(geo_ctx_new("EPSG:999999", err, sizeof err));
	c2 = geo_ctx_new("EPSG:32749", err, sizeof err); /* UTM 49S */
	assert_non_null(c2);
	assert_int_equal(geo_to_metric(c2, 106.8271, -6.1754, &x, &y), 0);
	assert_true(x < 100000); /* far west of zone 49's meridian */
	geo_ctx_free(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_households_csv),
	    cmocka_unit_test(test_households_bad_files),
	    cmocka_unit_test(test_households_gpkg),
	    cmocka_unit_test(test_shelters_csv),
	    cmocka_unit_test(test_depots_and_lots),
	    cmocka_unit_test(test_enums),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_diag_cap),
	    cmocka_unit_test(test_projection),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
