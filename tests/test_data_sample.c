/* The bundled sample scenario (data/sample/) keeps its promises: the
 * files parse in the shared formats of HACKING.md, the counts and shares
 * are what data/sample/README.md says, every kelurahan code is a real one
 * and matches the polygon the point lies in, the incidents pass the real
 * ingest validator; and the generator (bench/gen_scenario) is
 * deterministic and reproduces the committed sample byte for byte.
 *
 * Runs from the repository root; the generator is taken from $BENCHDIR
 * (tests/run.sh), else build/asan/bench.  Writes only under $TMPDIR. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <geos_c.h>
#include <jansson.h>

#include "daemon/ingest.h"

#define SAMPLE "data/sample"
#define ADMIN "data/jakarta"

/* The command of data/sample/README.md, without --out. */
static const char *const sample_args[] = {"--households",
                                          "5000",
                                          "--shelters",
                                          "110",
                                          "--osm-shelters",
                                          "64",
                                          "--shelter-max-capacity",
                                          "80",
                                          "--depots",
                                          "6",
                                          "--seed",
                                          "2007",
                                          NULL};

/* Every file the generator writes, but the fire incident (whose name
 * carries the kelurahan; found by listing incidents/). */
static const char *const gen_files[] = {"kota.geojson",
                                        "kecamatan.geojson",
                                        "kelurahan.geojson",
                                        "rw.geojson",
                                        "flood-zones.geojson",
                                        "fire-zones.geojson",
                                        "households.csv",
                                        "shelters.csv",
                                        "depots.csv",
                                        "stock.csv",
                                        "UNMATCHED.md",
                                        "incidents/flood-2007.json",
                                        "incidents/flood-2007-rw.json"};

/* ---- small helpers ---------------------------------------------------- */

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static json_t *
load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fail_msg("%s:%d: %s", path, e.line, e.text);
	return j;
}

/* A CSV read whole, comma separated without quoting (the generator never
 * writes a comma inside a field). */
struct csv {
	char *buf;
	char **cell;
	size_t rows, cols;
};

static void
csv_load(const char *path, const char *header, struct csv *c)
{
	size_t len, lines = 0;
	c->buf = slurp(path, &len);
	for (size_t i = 0; i < len; i++)
		lines += c->buf[i] == '\n';
	char *nl = strchr(c->buf, '\n');
	assert_non_null(nl);
	*nl = '\0';
	if (strcmp(c->buf, header) != 0)
		fail_msg("%s: header \"%s\", want \"%s\"", path, c->buf,
		         header);
	c->cols = 1;
	for (const char *p = header; *p; p++)
		c->cols += *p == ',';
	c->cell = calloc(lines * c->cols + 1, sizeof *c->cell);
	c->rows = 0;
	char *p = nl + 1;
	while (*p) {
		char *end = strchr(p, '\n');
		assert_non_null(end); /* every line ends with \n */
		*end = '\0';
		size_t k = 0;
		for (char *f = p;; k++) {
			if (k >= c->cols)
				fail_msg("%s: row %zu: too many fields", path,
				         c->rows + 1);
			c->cell[c->rows * c->cols + k] = f;
			char *comma = strchr(f, ',');
			if (!comma)
				break;
			*comma = '\0';
			f = comma + 1;
		}
		if (k + 1 != c->cols)
			fail_msg("%s: row %zu: %zu fields, want %zu", path,
			         c->rows + 1, k + 1, c->cols);
		c->rows++;
		p = end + 1;
	}
}

static const char *
csv_at(const struct csv *c, size_t row, size_t col)
{
	return c->cell[row * c->cols + col];
}

static void
csv_free(struct csv *c)
{
	free(c->buf);
	free(c->cell);
}

static long
to_long(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno)
		fail_msg("not an integer: \"%s\"", s);
	return v;
}

static double
to_double(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end || !isfinite(v))
		fail_msg("not a number: \"%s\"", s);
	return v;
}

/* Kelurahan codes of villages.csv. */
static int
code_known(const struct csv *villages, const char *code)
{
	for (size_t i = 0; i < villages->rows; i++)
		if (strcmp(csv_at(villages, i, 0), code) == 0)
			return 1;
	return 0;
}

static GEOSContextHandle_t geos;

static void
geos_msg(const char *fmt, ...)
{
	(void)fmt;
}

/* GeoJSON Polygon / MultiPolygon -> GEOS (through its own reader). */
static GEOSGeometry *
geom_of(const json_t *g)
{
	char *txt = json_dumps(g, JSON_COMPACT);
	GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(geos);
	GEOSGeometry *out = GEOSGeoJSONReader_readGeometry_r(geos, r, txt);
	GEOSGeoJSONReader_destroy_r(geos, r);
	free(txt);
	assert_non_null(out);
	return out;
}

static double
metres(double lon1, double lat1, double lon2, double lat2)
{
	/* equirectangular at 6.2 S, as the generator */
	double dx = (lon1 - lon2) * 110672.6, dy = (lat1 - lat2) * 110587.2;
	return sqrt(dx * dx + dy * dy);
}

/* ---- the committed sample --------------------------------------------- */

struct kel {
	char code[16];
	const GEOSPreparedGeometry *prep;
	GEOSGeometry *geom;
};

static struct kel *kels;
static size_t nkel;

static int
setup(void **state)
{
	(void)state;
	geos = GEOS_init_r();
	GEOSContext_setNoticeHandler_r(geos, geos_msg);
	GEOSContext_setErrorHandler_r(geos, geos_msg);
	json_t *root = load_json(SAMPLE "/kelurahan.geojson");
	json_t *feats = json_object_get(root, "features");
	nkel = json_array_size(feats);
	kels = calloc(nkel, sizeof *kels);
	for (size_t i = 0; i < nkel; i++) {
		json_t *f = json_array_get(feats, i);
		const char *code = json_string_value(
		    json_object_get(json_object_get(f, "properties"), "code"));
		snprintf(kels[i].code, sizeof kels[i].code, "%s",
		         code ? code : "");
		kels[i].geom = geom_of(json_object_get(f, "geometry"));
		kels[i].prep = GEOSPrepare_r(geos, kels[i].geom);
	}
	json_decref(root);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nkel; i++) {
		GEOSPreparedGeom_destroy_r(geos, kels[i].prep);
		GEOSGeom_destroy_r(geos, kels[i].geom);
	}
	free(kels);
	GEOS_finish_r(geos);
	return 0;
}

static const struct kel *
kel_by_code(const char *code)
{
	for (size_t i = 0; i < nkel; i++)
		if (strcmp(kels[i].code, code) == 0)
			return &kels[i];
	return NULL;
}

static int
point_in(const GEOSPreparedGeometry *p, double lon, double lat)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geos, lon, lat);
	int in = GEOSPreparedIntersects_r(geos, p, pt) == 1;
	GEOSGeom_destroy_r(geos, pt);
	return in;
}

static void
test_admin_layers(void **state)
{
	(void)state;
	struct csv vil;
	csv_load(ADMIN "/villages.csv", "code,district_code,name", &vil);
	assert_int_equal(vil.rows, 267);
	assert_int_equal(nkel, 261);
	size_t coded = 0;
	for (size_t i = 0; i < nkel; i++) {
		assert_int_equal(GEOSisValid_r(geos, kels[i].geom), 1);
		if (!kels[i].code[0])
			continue;
		coded++;
		if (!code_known(&vil, kels[i].code))
			fail_msg("kelurahan code %s not in villages.csv",
			         kels[i].code);
		for (size_t j = 0; j < i; j++)
			if (strcmp(kels[i].code, kels[j].code) == 0)
				fail_msg("code %s on two polygons",
				         kels[i].code);
	}
	assert_true(coded >= 255);

	/* every name left unmatched, in both directions, is reported */
	char *report = slurp(SAMPLE "/UNMATCHED.md", NULL);
	json_t *root = load_json(SAMPLE "/kelurahan.geojson");
	json_t *feats = json_object_get(root, "features");
	for (size_t i = 0; i < json_array_size(feats); i++) {
		json_t *p =
		    json_object_get(json_array_get(feats, i), "properties");
		if (json_is_null(json_object_get(p, "code")) &&
		    !strstr(report, json_string_value(
		                        json_object_get(p, "source_name"))))
			fail_msg("unmatched polygon %s not in UNMATCHED.md",
			         json_string_value(
			             json_object_get(p, "source_name")));
	}
	for (size_t i = 0; i < vil.rows; i++)
		if (!kel_by_code(csv_at(&vil, i, 0)) &&
		    !strstr(report, csv_at(&vil, i, 0)))
			fail_msg("code %s without polygon not in UNMATCHED.md",
			         csv_at(&vil, i, 0));
	json_decref(root);
	free(report);
	csv_free(&vil);

	static const struct {
		const char *file;
		size_t n;
	} layers[] = {{SAMPLE "/kecamatan.geojson", 42},
	              {SAMPLE "/kota.geojson", 5}};
	for (size_t l = 0; l < 2; l++) {
		json_t *lay = load_json(layers[l].file);
		feats = json_object_get(lay, "features");
		assert_int_equal(json_array_size(feats), layers[l].n);
		for (size_t i = 0; i < layers[l].n; i++) {
			json_t *f = json_array_get(feats, i);
			assert_non_null(json_string_value(json_object_get(
			    json_object_get(f, "properties"), "code")));
			GEOSGeometry *g =
			    geom_of(json_object_get(f, "geometry"));
			assert_int_equal(GEOSisValid_r(geos, g), 1);
			GEOSGeom_destroy_r(geos, g);
		}
		json_decref(lay);
	}
}

static void
test_rw(void **state)
{
	(void)state;
	json_t *root = load_json(SAMPLE "/rw.geojson");
	json_t *feats = json_object_get(root, "features");
	size_t n = json_array_size(feats), flood = 0;
	assert_true(n >= 2500);
	const char *prev = "";
	for (size_t i = 0; i < n; i++) {
		json_t *p =
		    json_object_get(json_array_get(feats, i), "properties");
		const char *id = json_string_value(json_object_get(p, "id"));
		const char *kel =
		    json_string_value(json_object_get(p, "kelurahan"));
		json_int_t rw = json_integer_value(json_object_get(p, "rw"));
		assert_non_null(id);
		assert_non_null(kel);
		assert_non_null(kel_by_code(kel));
		/* "<kelurahan digits>-<NN>" */
		char want[24], digits[16];
		size_t k = 0;
		for (const char *c = kel; *c; c++)
			if (*c != '.')
				digits[k++] = *c;
		digits[k] = '\0';
		snprintf(want, sizeof want, "%s-%02d", digits, (int)rw);
		assert_string_equal(id, want);
		assert_true(strcmp(prev, id) < 0); /* sorted, unique */
		prev = id;
		GEOSGeometry *g = geom_of(
		    json_object_get(json_array_get(feats, i), "geometry"));
		assert_int_equal(GEOSisValid_r(geos, g), 1);
		GEOSGeom_destroy_r(geos, g);
		flood += json_is_true(json_object_get(p, "floodprone"));
	}
	assert_true(flood > 900 && flood < 1100);
	json_decref(root);
}

static void
test_zones(void **state)
{
	(void)state;
	json_t *fz = load_json(SAMPLE "/flood-zones.geojson");
	json_t *feats = json_object_get(fz, "features");
	assert_int_equal(json_array_size(feats), 2739);
	for (size_t i = 0; i < json_array_size(feats); i++) {
		json_t *p =
		    json_object_get(json_array_get(feats, i), "properties");
		const char *cl = json_string_value(json_object_get(p, "class"));
		assert_string_equal(
		    json_string_value(json_object_get(p, "hazard")), "flood");
		assert_non_null(json_string_value(json_object_get(p, "id")));
		assert_true(strcmp(cl, "low") == 0 ||
		            strcmp(cl, "medium") == 0 ||
		            strcmp(cl, "high") == 0);
	}
	json_decref(fz);

	/* fire zones: every kelurahan polygon has one, classes valid */
	json_t *fire = load_json(SAMPLE "/fire-zones.geojson");
	feats = json_object_get(fire, "features");
	size_t n = json_array_size(feats), nulls = 0, cls[3] = {0};
	uint8_t *has = calloc(nkel, 1);
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(feats, i);
		json_t *p = json_object_get(f, "properties");
		const char *cl = json_string_value(json_object_get(p, "class"));
		assert_string_equal(
		    json_string_value(json_object_get(p, "hazard")), "fire");
		int c = strcmp(cl, "low") == 0      ? 0
		        : strcmp(cl, "medium") == 0 ? 1
		        : strcmp(cl, "high") == 0   ? 2
		                                    : -1;
		assert_true(c >= 0);
		cls[c]++;
		const char *kel =
		    json_string_value(json_object_get(p, "kelurahan"));
		if (!kel) {
			nulls++;
			continue;
		}
		const struct kel *k = kel_by_code(kel);
		assert_non_null(k);
		has[k - kels] = 1;
		GEOSGeometry *g = geom_of(json_object_get(f, "geometry"));
		assert_int_equal(GEOSisValid_r(geos, g), 1);
		GEOSGeom_destroy_r(geos, g);
	}
	for (size_t i = 0; i < nkel; i++)
		if (kels[i].code[0] && !has[i])
			fail_msg("kelurahan %s has no fire zone", kels[i].code);
	size_t uncoded = 0;
	for (size_t i = 0; i < nkel; i++)
		uncoded += !kels[i].code[0];
	assert_true(nulls >= uncoded); /* the uncoded ones have zones too */
	assert_true(cls[0] > 0 && cls[1] > 0 && cls[2] > 0);
	free(has);
	json_decref(fire);
}

static void
test_households(void **state)
{
	(void)state;
	struct csv h, vil;
	csv_load(SAMPLE "/households.csv",
	         "id,lon,lat,kelurahan,members,elderly,under5,disabled,"
	         "pregnant",
	         &h);
	csv_load(ADMIN "/villages.csv", "code,district_code,name", &vil);
	assert_true(h.rows >= 4500 && h.rows <= 5500);
	double persons = 0, v[4] = {0};
	for (size_t i = 0; i < h.rows; i++) {
		assert_int_equal(to_long(csv_at(&h, i, 0)), (long)i + 1);
		double lon = to_double(csv_at(&h, i, 1));
		double lat = to_double(csv_at(&h, i, 2));
		const char *code = csv_at(&h, i, 3);
		const struct kel *k = kel_by_code(code);
		if (!k || !code_known(&vil, code))
			fail_msg("household %zu: kelurahan %s unknown", i + 1,
			         code);
		if (!point_in(k->prep, lon, lat))
			fail_msg("household %zu (%s,%s) is not in %s", i + 1,
			         csv_at(&h, i, 1), csv_at(&h, i, 2), code);
		long m = to_long(csv_at(&h, i, 4));
		long el = to_long(csv_at(&h, i, 5)),
		     u5 = to_long(csv_at(&h, i, 6));
		long dis = to_long(csv_at(&h, i, 7)),
		     pr = to_long(csv_at(&h, i, 8));
		assert_true(m >= 1 && m <= 12);
		assert_true(el >= 0 && u5 >= 0 && dis >= 0 && pr >= 0);
		assert_true(el + u5 + pr <= m && dis <= m);
		persons += (double)m;
		v[0] += (double)el;
		v[1] += (double)u5;
		v[2] += (double)dis;
		v[3] += (double)pr;
	}
	/* mean KK size: 10.6 M people in 3.5 M KK; shares of people:
	 * InaSAFE defaults (over-60 11.1 %, under-5 9.3 %, disabled 15 %,
	 * pregnant 2.4 %) within sampling tolerance (~3 sigma) */
	double mean = persons / (double)h.rows;
	assert_true(mean > 2.85 && mean < 3.25);
	assert_true(fabs(v[0] / persons - 0.111) < 0.012);
	assert_true(fabs(v[1] / persons - 0.093) < 0.012);
	assert_true(fabs(v[2] / persons - 0.150) < 0.015);
	assert_true(fabs(v[3] / persons - 0.024) < 0.006);
	csv_free(&h);
	csv_free(&vil);
}

static GEOSGeometry *
flood_footprint(void)
{
	json_t *m = load_json(SAMPLE "/incidents/flood-2007.json");
	GEOSGeometry *g = geom_of(
	    json_object_get(json_object_get(m, "footprint"), "geometry"));
	json_decref(m);
	return g;
}

static void
test_shelters(void **state)
{
	(void)state;
	struct csv s;
	csv_load(SAMPLE "/shelters.csv",
	         "id,name,kind,lon,lat,kelurahan,capacity,floor_m2,accessible,"
	         "capacity_source",
	         &s);
	GEOSGeometry *fp = flood_footprint();
	const GEOSPreparedGeometry *fpp = GEOSPrepare_r(geos, fp);
	static const char *const kinds[] = {
	    "school",         "mosque", "sports_hall", "office",
	    "community_hall", "tent",   "other"};
	size_t real = 0, parsed = 0, accessible = 0, inside = 0;
	double out_places = 0;
	for (size_t i = 0; i < s.rows; i++) {
		char id[32];
		snprintf(id, sizeof id, "SH-%04zu", i + 1);
		assert_string_equal(csv_at(&s, i, 0), id);
		const char *name = csv_at(&s, i, 1), *kind = csv_at(&s, i, 2);
		int ok = 0;
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
			ok |= strcmp(kind, kinds[k]) == 0;
		assert_true(ok);
		double lon = to_double(csv_at(&s, i, 3));
		double lat = to_double(csv_at(&s, i, 4));
		const struct kel *k = kel_by_code(csv_at(&s, i, 5));
		assert_non_null(k);
		assert_true(point_in(k->prep, lon, lat));
		const char *cap = csv_at(&s, i, 6), *src = csv_at(&s, i, 9);
		double floor_m2 = to_double(csv_at(&s, i, 7));
		/* capacity, or floor_m2 / 3.5 (Sphere) when empty */
		double places =
		    *cap ? (double)to_long(cap) : floor(floor_m2 / 3.5);
		assert_true(places > 0);
		if (*cap)
			assert_string_equal(src, "parsed");
		else
			assert_string_equal(src, "estimated");
		long acc = to_long(csv_at(&s, i, 8));
		assert_true(acc == 0 || acc == 1);
		accessible += (size_t)acc;
		parsed += *cap != '\0';
		real += strstr(name, "(sintetis)") == NULL;
		if (point_in(fpp, lon, lat))
			inside++;
		else
			out_places += places;
	}
	assert_true(real >= 60);
	assert_true(parsed >= 5);
	assert_true(accessible > s.rows / 4);
	/* the 2007 flood leaves shelters both inside its footprint (not
	 * usable) and outside it, with room for the ~1,600 evacuees of the
	 * default policy (README.md) */
	assert_true(inside > 0);
	assert_true(out_places >= 2000 && out_places <= 6000);
	GEOSPreparedGeom_destroy_r(geos, fpp);
	GEOSGeom_destroy_r(geos, fp);
	csv_free(&s);
}

static int
is_date(const char *s)
{
	int y, m, d;
	char tail;
	return strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
	       m <= 12 && d >= 1 && d <= 31;
}

static void
test_depots_and_stock(void **state)
{
	(void)state;
	struct csv d, st;
	csv_load(SAMPLE "/depots.csv", "id,name,lon,lat,kelurahan,city", &d);
	csv_load(SAMPLE "/stock.csv", "depot,lot,item,qty,expires", &st);
	struct csv vil;
	csv_load(ADMIN "/villages.csv", "code,district_code,name", &vil);
	assert_int_equal(d.rows, 6);
	static const char *const cities[] = {"31.01", "31.71", "31.72",
	                                     "31.73", "31.74", "31.75"};
	for (size_t c = 0; c < 6; c++) {
		size_t hits = 0;
		for (size_t i = 0; i < d.rows; i++)
			hits += strcmp(csv_at(&d, i, 5), cities[c]) == 0;
		assert_int_equal(hits, 1);
	}
	for (size_t i = 0; i < d.rows; i++) {
		assert_true(code_known(&vil, csv_at(&d, i, 4)));
		to_double(csv_at(&d, i, 2));
		to_double(csv_at(&d, i, 3));
		size_t meals = 0;
		for (size_t j = 0; j < st.rows; j++)
			if (strcmp(csv_at(&st, j, 0), csv_at(&d, i, 0)) == 0 &&
			    strcmp(csv_at(&st, j, 2), "meal") == 0)
				meals++;
		assert_true(meals >= 1);
	}
	static const char *const items[] = {"meal", "kit_adult", "kit_child",
	                                    "kit_infant", "kit_family"};
	size_t expired = 0, soon = 0;
	for (size_t j = 0; j < st.rows; j++) {
		int known = 0, item_ok = 0;
		for (size_t i = 0; i < d.rows; i++)
			known |=
			    strcmp(csv_at(&st, j, 0), csv_at(&d, i, 0)) == 0;
		for (size_t k = 0; k < 5; k++)
			item_ok |= strcmp(csv_at(&st, j, 2), items[k]) == 0;
		assert_true(known && item_ok);
		assert_true(to_long(csv_at(&st, j, 3)) > 0);
		for (size_t k = 0; k < j; k++)
			if (strcmp(csv_at(&st, j, 0), csv_at(&st, k, 0)) == 0)
				assert_string_not_equal(csv_at(&st, j, 1),
				                        csv_at(&st, k, 1));
		const char *e = csv_at(&st, j, 4);
		if (!*e)
			continue;
		assert_true(is_date(e));
		/* relative to the fire incident's date, 2026-12-01 */
		expired += strcmp(e, "2026-12-01") < 0;
		soon += strcmp(e, "2026-12-01") >= 0 &&
		        strcmp(e, "2026-12-31") <= 0;
	}
	assert_true(expired >= 1);
	assert_true(soon >= 1);
	csv_free(&d);
	csv_free(&st);
	csv_free(&vil);
}

/* The fire incident file, found by listing incidents/. */
static void
fire_file(const char *dir, char *out, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/incidents", dir);
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "fire-", 5) == 0) {
			snprintf(out, len, "incidents/%s", e->d_name);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
}

static json_t *
check_incident(const char *rel)
{
	char path[512];
	size_t len;
	snprintf(path, sizeof path, SAMPLE "/%s", rel);
	char *buf = slurp(path, &len);
	assert_true(len < 2 * 1024 * 1024);
	/* the daemon's own validator takes it as it is */
	ingest_msg m;
	ingest_error e;
	memset(&m, 0, sizeof m);
	if (ingest_parse(buf, len, 4u << 20, NULL, NULL, &m, &e) != 0)
		fail_msg("%s: rejected: %s %s: %s", rel, e.code, e.field,
		         e.message);
	ingest_msg_clear(&m);
	json_error_t je;
	json_t *j = json_loadb(buf, len, 0, &je);
	free(buf);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "v")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	                    "incident.report");
	assert_string_equal(json_string_value(json_object_get(j, "action")),
	                    "open");
	assert_string_equal(json_string_value(json_object_get(j, "source")),
	                    "bpbd-dki");
	assert_non_null(json_string_value(json_object_get(j, "source_id")));
	assert_non_null(json_string_value(json_object_get(j, "time")));
	assert_true(json_is_object(json_object_get(j, "severity")));
	assert_true(json_is_object(json_object_get(j, "footprint")));
	assert_true(json_integer_value(json_object_get(j, "days")) > 0);
	return j;
}

static void
test_incidents(void **state)
{
	(void)state;
	json_t *f = check_incident("incidents/flood-2007.json");
	assert_string_equal(json_string_value(json_object_get(f, "type")),
	                    "flood");
	assert_string_equal(json_string_value(json_object_get(f, "source_id")),
	                    "2007-02-banjir");
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(f, "severity"), "siaga")),
	                 1);
	json_decref(f);
	GEOSGeometry *fp = flood_footprint();
	assert_int_equal(GEOSisValid_r(geos, fp), 1);
	double area = 0;
	GEOSArea_r(geos, fp, &area);
	area *= 110672.6 * 110587.2 / 1e6; /* km2 */
	assert_true(area > 100 && area < 400);
	GEOSGeom_destroy_r(geos, fp);

	/* the same flood by RW: ids of rw.geojson */
	json_t *r = check_incident("incidents/flood-2007-rw.json");
	json_t *ids = json_object_get(json_object_get(r, "footprint"), "rw");
	assert_true(json_array_size(ids) > 900);
	char *rw = slurp(SAMPLE "/rw.geojson", NULL);
	for (size_t i = 0; i < json_array_size(ids); i++) {
		char key[40];
		snprintf(key, sizeof key, "\"id\":\"%s\"",
		         json_string_value(json_array_get(ids, i)));
		if (!strstr(rw, key))
			fail_msg("RW %s not in rw.geojson", key);
	}
	free(rw);
	json_decref(r);

	/* the fire: a point and a radius, with households inside */
	char rel[256];
	fire_file(SAMPLE, rel, sizeof rel);
	json_t *fi = check_incident(rel);
	assert_string_equal(json_string_value(json_object_get(fi, "type")),
	                    "fire");
	assert_true(json_is_true(
	    json_object_get(json_object_get(fi, "severity"), "evacuate")));
	json_t *fpo = json_object_get(fi, "footprint");
	double lon =
	    json_number_value(json_array_get(json_object_get(fpo, "point"), 0));
	double lat =
	    json_number_value(json_array_get(json_object_get(fpo, "point"), 1));
	double radius = json_number_value(json_object_get(fpo, "radius_m"));
	assert_true(radius > 0);
	struct csv h;
	csv_load(SAMPLE "/households.csv",
	         "id,lon,lat,kelurahan,members,elderly,under5,disabled,"
	         "pregnant",
	         &h);
	size_t near = 0;
	for (size_t i = 0; i < h.rows; i++)
		near += metres(to_double(csv_at(&h, i, 1)),
		               to_double(csv_at(&h, i, 2)), lon, lat) <= radius;
	assert_true(near >= 1);
	csv_free(&h);
	json_decref(fi);
}

/* ---- the generator ---------------------------------------------------- */

static void
run_generator(const char *out, const char *const *args)
{
	const char *dir = getenv("BENCHDIR");
	char bin[512];
	snprintf(bin, sizeof bin, "%s/gen_scenario",
	         dir && *dir ? dir : "build/asan/bench");
	if (access(bin, X_OK) != 0)
		fail_msg("%s: %s (build it: make check)", bin, strerror(errno));
	const char *argv[32];
	size_t n = 0;
	argv[n++] = bin;
	for (; *args; args++)
		argv[n++] = *args;
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n++] = "-q";
	argv[n] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s exited with status %d", bin, status);
}

static const char *
tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

static void
same_file(const char *a_dir, const char *b_dir, const char *name)
{
	char a[512], b[512];
	size_t la, lb;
	snprintf(a, sizeof a, "%s/%s", a_dir, name);
	snprintf(b, sizeof b, "%s/%s", b_dir, name);
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	if (la != lb || memcmp(x, y, la) != 0)
		fail_msg("%s and %s differ", a, b);
	free(x);
	free(y);
}

static void
same_scenario(const char *a, const char *b)
{
	char fa[256], fb[256];
	for (size_t i = 0; i < sizeof gen_files / sizeof *gen_files; i++)
		same_file(a, b, gen_files[i]);
	fire_file(a, fa, sizeof fa);
	fire_file(b, fb, sizeof fb);
	assert_string_equal(fa, fb);
	same_file(a, b, fa);
}

static void
test_generator_deterministic(void **state)
{
	(void)state;
	static const char *const args[] = {"--households", "2000", "--seed",
	                                   "7", NULL};
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/gen-a", tmpdir());
	snprintf(b, sizeof b, "%s/gen-b", tmpdir());
	run_generator(a, args);
	run_generator(b, args);
	same_scenario(a, b);
	char path[600];
	size_t len;
	snprintf(path, sizeof path, "%s/households.csv", a);
	char *h = slurp(path, &len);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += h[i] == '\n';
	assert_int_equal(lines, 2001);
	/* and the seed matters */
	snprintf(path, sizeof path, SAMPLE "/households.csv");
	char *s = slurp(path, NULL);
	assert_true(strncmp(h, s, 4096) != 0);
	free(h);
	free(s);
}

static void
test_generator_reproduces_sample(void **state)
{
	(void)state;
	char out[512];
	snprintf(out, sizeof out, "%s/gen-sample", tmpdir());
	run_generator(out, sample_args);
	same_scenario(out, SAMPLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_admin_layers),
	    cmocka_unit_test(test_rw),
	    cmocka_unit_test(test_zones),
	    cmocka_unit_test(test_households),
	    cmocka_unit_test(test_shelters),
	    cmocka_unit_test(test_depots_and_stock),
	    cmocka_unit_test(test_incidents),
	    cmocka_unit_test(test_generator_deterministic),
	    cmocka_unit_test(test_generator_reproduces_sample),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
