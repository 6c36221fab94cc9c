/*
 * tests/test_feed_sitrep.c - the situation report (daemon/sitrep.c) as JSON
 * and GeoJSON, and its HXL CSV tables (daemon/hxl.c), parsed back here
 * with their hashtags.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "daemon/hxl.h"
#include "daemon/sitrep.h"

/* A small scenario: one flood, one exercise, two kelurahan, three
 * shelters (one full), meal and kit needs with one shortage. */
static const sitrep_incident incidents[] = {
    {.id = 1,
     .source = "bpbd-dki",
     .source_id = "2025-01-banjir",
     .type = INCIDENT_FLOOD,
     .title = "Banjir Kampung Melayu, \"Januari\"",
     .open = 1,
     .severity = {SEV_SIAGA, 1},
     .opened = 1736035200,
     .affected = {1200, 4500},
     .evacuees = {600, 2300},
     .placed = {570, 2180},
     .unplaced = {30, 120}},
    {.id = 2,
     .source = "bpbd-dki",
     .source_id = "latihan-1",
     .type = INCIDENT_FIRE,
     .open = 1,
     .exercise = 1,
     .severity = {SEV_EVACUATE, 1},
     .affected = {10, 40},
     .evacuees = {10, 40}},
};

static const sitrep_kelurahan kel[] = {
    {.code = 3175031001u,
     .name = "Kampung Melayu",
     .kecamatan = "Jatinegara",
     .city = "Jakarta Timur",
     .affected = {700, 2600},
     .evacuees = {400, 1500},
     .unplaced = {20, 80}},
    {.code = 3174011005u,
     .name = "Bukit Duri",
     .affected = {500, 1900},
     .evacuees = {200, 800},
     .unplaced = {10, 40}},
};

static const sitrep_shelter shelters[] = {
    {.id = "SH-0001",
     .name = "SDN 01 Kampung Melayu, gedung B",
     .kind = "school",
     .kelurahan = 3175031001u,
     .lon = 106.8660,
     .lat = -6.2240,
     .state = "open",
     .accessible = 1,
     .capacity = 240,
     .registered = 204,
     .present = 150,
     .households = 52},
    {.id = "SH-0002",
     .name = "Masjid Al-Ittihad",
     .kind = "mosque",
     .kelurahan = 3174011005u,
     .lon = 106.8590,
     .lat = -6.2280,
     .state = "full",
     .capacity = 120,
     .registered = 120,
     .present = 120,
     .households = 30},
    {.id = "SH-0003",
     .name = "GOR Jatinegara",
     .kind = "sports_hall",
     .lon = 106.8700,
     .lat = -6.2150,
     .state = "closed",
     .capacity = 800},
};

static const sitrep_need needs[] = {
    {.item = "meal",
     .shelter = "SH-0001",
     .kelurahan = 3175031001u,
     .needed = 612,
     .reserved = 612,
     .delivered = 400},
    {.item = "meal",
     .shelter = "SH-0002",
     .kelurahan = 3174011005u,
     .needed = 360,
     .reserved = 180,
     .shortage = 180},
    {.item = "kit_infant", .needed = 14, .reserved = 14},
};

static sitrep
scenario(void)
{
	sitrep s = {.generated = 1736038800, /* 2025-01-05T01:00:00Z */
	            .utc_offset_min = 420,
	            .office = "Dinas Sosial Provinsi DKI Jakarta",
	            .seq = 12,
	            .incidents = incidents,
	            .nincidents = 2,
	            .kelurahan = kel,
	            .nkelurahan = 2,
	            .shelters = shelters,
	            .nshelters = 3,
	            .needs = needs,
	            .nneeds = 3};
	return s;
}

/* ---- a small RFC 4180 reader, to parse the CSV back --------------------- */

#define MAXC 20
#define MAXR 20

struct table {
	size_t nrows;
	size_t ncols[MAXR];
	char *cell[MAXR][MAXC];
};

static void
table_free(struct table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols[r]; c++)
			free(t->cell[r][c]);
}

static void
parse_csv(const char *s, struct table *t)
{
	char buf[512];
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	while (*s) {
		int quoted = 0;
		n = 0;
		if (*s == '"') {
			quoted = 1;
			s++;
			for (;;) {
				assert_true(*s != '\0'); /* unterminated */
				if (*s == '"' && s[1] == '"') {
					buf[n++] = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					buf[n++] = *s++;
				}
				assert_true(n < sizeof(buf));
			}
		} else {
			while (*s && *s != ',' && *s != '\r' && *s != '\n') {
				assert_true(*s != '"'); /* bare quote */
				buf[n++] = *s++;
				assert_true(n < sizeof(buf));
			}
		}
		(void)quoted;
		buf[n] = '\0';
		assert_true(t->nrows < MAXR && t->ncols[t->nrows] < MAXC);
		t->cell[t->nrows][t->ncols[t->nrows]++] = strdup(buf);
		if (*s == ',') {
			s++;
		} else {
			assert_true(s[0] == '\r' && s[1] == '\n'); /* CRLF */
			s += 2;
			t->nrows++;
		}
	}
}

static int
col(const struct table *t, const char *tag)
{
	for (size_t c = 0; c < t->ncols[1]; c++)
		if (strcmp(t->cell[1][c], tag) == 0)
			return (int)c;
	fail_msg("no column %s", tag);
	return -1;
}

static const char *
cell(const struct table *t, size_t r, const char *tag)
{
	return t->cell[r][col(t, tag)];
}

/* Every cell of the hashtag row is a valid HXL tag spec: #name then
 * +attributes, lower-case letters, digits and underscores. */
static void
assert_hashtag_row(const struct table *t)
{
	assert_true(t->nrows >= 2);
	assert_int_equal(t->ncols[0], t->ncols[1]);
	for (size_t c = 0; c < t->ncols[1]; c++) {
		const char *p = t->cell[1][c];
		assert_true(p[0] == '#');
		p++;
		int seg = 0;
		for (; *p; p++) {
			if (*p == '+') {
				assert_true(seg > 0);
				seg = 0;
				continue;
			}
			assert_true((*p >= 'a' && *p <= 'z') ||
			            (*p >= '0' && *p <= '9') || *p == '_');
			seg++;
		}
		assert_true(seg > 0);
	}
	for (size_t r = 2; r < t->nrows; r++)
		assert_int_equal(t->ncols[r], t->ncols[1]);
}

/* ---- tests
 * ------------------------------------------------------------------- */

static void
totals(void **state)
{
	sitrep s = scenario();
	sitrep_totals t;

	(void)state;
	sitrep_sum(&s, &t);
	assert_int_equal(t.incidents_open, 1); /* the exercise is not counted */
	assert_int_equal(t.affected.persons, 4500);
	assert_int_equal(t.unplaced.households, 30);
	assert_int_equal(t.shelters_open, 1);
	assert_int_equal(t.shelters_full, 1);
	assert_int_equal(t.capacity, 360);
	assert_int_equal(t.registered, 324);
	assert_int_equal(t.free_places, 36);
	assert_int_equal(t.shortages, 1);
}

static void
json_report(void **state)
{
	sitrep s = scenario();
	char *out, err[256];
	size_t len;

	(void)state;
	assert_int_equal(sitrep_json(&s, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(strlen(out), len);
	json_t *j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	                    "sitrep");
	assert_string_equal(json_string_value(json_object_get(j, "generated")),
	                    "2025-01-05T01:00:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "date")),
	                    "2025-01-05"); /* WIB */
	json_t *tot = json_object_get(j, "totals");
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(tot, "evacuees"), "persons")),
	                 2300);
	json_t *in0 = json_array_get(json_object_get(j, "incidents"), 0);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(in0, "severity"), "siaga")),
	                 1);
	assert_string_equal(json_string_value(json_object_get(in0, "type")),
	                    "flood");
	assert_true(json_is_null(json_object_get(in0, "closed")));
	json_t *k0 = json_array_get(json_object_get(j, "kelurahan"), 0);
	assert_string_equal(json_string_value(json_object_get(k0, "code")),
	                    "31.75.03.1001");
	assert_string_equal(
	    json_string_value(json_object_get(k0, "kecamatan_code")),
	    "31.75.03");
	assert_string_equal(json_string_value(json_object_get(k0, "city_code")),
	                    "31.75");
	json_t *sh0 = json_array_get(json_object_get(j, "shelters"), 0);
	assert_float_equal(
	    json_real_value(json_object_get(sh0, "occupancy_pct")), 85.0, 1e-9);
	assert_int_equal(json_integer_value(json_object_get(sh0, "free")), 36);
	json_t *short0 = json_array_get(json_object_get(j, "shortages"), 0);
	assert_int_equal(json_array_size(json_object_get(j, "shortages")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(short0, "shelter")), "SH-0002");
	json_decref(j);
	free(out);
}

static void
geojson_shelters(void **state)
{
	sitrep s = scenario();
	char *out, err[256];
	size_t len;

	(void)state;
	assert_int_equal(sitrep_geojson(&s, &out, &len, err, sizeof(err)), 0);
	json_t *j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	                    "FeatureCollection");
	json_t *f = json_object_get(j, "features");
	assert_int_equal(json_array_size(f), 3);
	json_t *f1 = json_array_get(f, 1);
	json_t *g = json_object_get(f1, "geometry");
	assert_string_equal(json_string_value(json_object_get(g, "type")),
	                    "Point");
	json_t *xy = json_object_get(g, "coordinates");
	assert_float_equal(json_real_value(json_array_get(xy, 0)), 106.859,
	                   1e-9); /* lon first */
	assert_float_equal(json_real_value(json_array_get(xy, 1)), -6.228,
	                   1e-9);
	json_t *p = json_object_get(f1, "properties");
	assert_string_equal(json_string_value(json_object_get(p, "state")),
	                    "full");
	assert_float_equal(json_real_value(json_object_get(p, "occupancy_pct")),
	                   100.0, 1e-9);
	assert_string_equal(json_string_value(json_object_get(p, "kelurahan")),
	                    "31.74.01.1005");
	/* the closed shelter has no kelurahan: null, and no capacity use */
	json_t *p2 = json_object_get(json_array_get(f, 2), "properties");
	assert_true(json_is_null(json_object_get(p2, "kelurahan")));
	assert_float_equal(
	    json_real_value(json_object_get(p2, "occupancy_pct")), 0.0, 1e-9);
	json_decref(j);
	free(out);
}

static void
hxl_kelurahan_parses_back(void **state)
{
	sitrep s = scenario();
	struct table t;
	char *out, err[256];
	size_t len;

	(void)state;
	assert_int_equal(hxl_kelurahan(&s, &out, &len, err, sizeof(err)), 0);
	parse_csv(out, &t);
	assert_hashtag_row(&t);
	assert_int_equal(t.nrows, 4); /* header, hashtags, 2 kelurahan */
	assert_string_equal(t.cell[0][0], "Date");
	assert_string_equal(cell(&t, 2, "#date"), "2025-01-05");
	assert_string_equal(cell(&t, 2, "#adm1+code"), "31");
	assert_string_equal(cell(&t, 2, "#adm1+name"), "DKI Jakarta");
	assert_string_equal(cell(&t, 2, "#adm2+code"), "31.75");
	assert_string_equal(cell(&t, 2, "#adm2+name"), "Jakarta Timur");
	assert_string_equal(cell(&t, 2, "#adm3+code"), "31.75.03");
	assert_string_equal(cell(&t, 2, "#adm4+code"), "31.75.03.1001");
	assert_string_equal(cell(&t, 2, "#adm4+name"), "Kampung Melayu");
	assert_string_equal(cell(&t, 2, "#affected"), "2600");
	assert_string_equal(cell(&t, 2, "#affected+displaced"), "1500");
	assert_string_equal(cell(&t, 3, "#adm4+name"), "Bukit Duri");
	assert_string_equal(cell(&t, 3, "#adm3+name"), ""); /* not given */
	assert_string_equal(cell(&t, 3, "#affected+displaced+hh"), "200");
	table_free(&t);
	free(out);
}

static void
hxl_shelters_and_needs_parse_back(void **state)
{
	sitrep s = scenario();
	struct table t;
	char *out, err[256];
	size_t len;

	(void)state;
	assert_int_equal(hxl_shelters(&s, &out, &len, err, sizeof(err)), 0);
	parse_csv(out, &t);
	assert_hashtag_row(&t);
	assert_int_equal(t.nrows, 5);
	/* a name with a comma comes back whole */
	assert_string_equal(cell(&t, 2, "#loc+name"),
	                    "SDN 01 Kampung Melayu, gedung B");
	assert_string_equal(cell(&t, 2, "#loc+code"), "SH-0001");
	assert_string_equal(cell(&t, 2, "#loc+type"), "school");
	assert_string_equal(cell(&t, 2, "#capacity"), "240");
	assert_string_equal(cell(&t, 2, "#affected+displaced"), "204");
	assert_string_equal(cell(&t, 2, "#capacity+free"), "36");
	assert_string_equal(cell(&t, 3, "#status"), "full");
	assert_float_equal(atof(cell(&t, 3, "#geo+lat")), -6.228, 1e-7);
	assert_string_equal(cell(&t, 4, "#adm4+code"), "");
	table_free(&t);
	free(out);

	assert_int_equal(hxl_needs(&s, &out, &len, err, sizeof(err)), 0);
	parse_csv(out, &t);
	assert_hashtag_row(&t);
	assert_int_equal(t.nrows, 5);
	assert_string_equal(cell(&t, 3, "#item+name"), "meal");
	assert_string_equal(cell(&t, 3, "#loc+code"), "SH-0002");
	assert_string_equal(cell(&t, 3, "#value+shortage"), "180");
	assert_string_equal(cell(&t, 4, "#item+name"), "kit_infant");
	assert_string_equal(cell(&t, 4, "#loc+code"), "");
	table_free(&t);
	free(out);
}

static void
hxl_incidents_parse_back(void **state)
{
	sitrep s = scenario();
	struct table t;
	char *out, err[256];
	size_t len;

	(void)state;
	assert_int_equal(
	    hxl_table("incidents")(&s, &out, &len, err, sizeof(err)), 0);
	parse_csv(out, &t);
	assert_hashtag_row(&t);
	assert_int_equal(t.nrows, 4);
	/* quotes inside a title survive */
	assert_string_equal(cell(&t, 2, "#event+name"),
	                    "Banjir Kampung Melayu, \"Januari\"");
	assert_string_equal(cell(&t, 2, "#date+start"), "2025-01-05T00:00:00Z");
	assert_string_equal(cell(&t, 2, "#affected+displaced+unplaced"), "120");
	assert_string_equal(cell(&t, 3, "#meta+exercise"), "yes");
	assert_string_equal(cell(&t, 3, "#event+type"), "fire");
	table_free(&t);
	free(out);
	assert_null(hxl_table("nope"));
	assert_non_null(hxl_table("needs"));
}

static void
bad_input_named(void **state)
{
	sitrep s = scenario();
	sitrep_kelurahan badk = {.code = 3175};
	sitrep_shelter bads = shelters[0];
	char *out = (char *)1, err[256];
	size_t len;

	(void)state;
	s.kelurahan = &badk;
	s.nkelurahan = 1;
	assert_int_equal(hxl_kelurahan(&s, &out, &len, err, sizeof(err)),
	                 SITREP_EINVAL);
	assert_null(out);
	assert_true(strncmp(err, "kelurahan[0].code", 17) == 0);
	s = scenario();
	bads.lat = 95;
	s.shelters = &bads;
	s.nshelters = 1;
	assert_int_equal(sitrep_geojson(&s, &out, &len, err, sizeof(err)),
	                 SITREP_EINVAL);
	assert_true(strncmp(err, "shelters[0]", 11) == 0);
	s = scenario();
	s.generated = 0;
	assert_int_equal(sitrep_json(&s, &out, &len, err, sizeof(err)),
	                 SITREP_EINVAL);
	/* empty sitrep: valid, empty arrays */
	sitrep e = {.generated = 1736038800};
	assert_int_equal(sitrep_json(&e, &out, &len, err, sizeof(err)), 0);
	assert_non_null(strstr(out, "\"incidents\":[]"));
	free(out);
	assert_int_equal(hxl_needs(&e, &out, &len, err, sizeof(err)), 0);
	struct table t;
	parse_csv(out, &t);
	assert_int_equal(t.nrows, 2);
	table_free(&t);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(totals),
	    cmocka_unit_test(json_report),
	    cmocka_unit_test(geojson_shelters),
	    cmocka_unit_test(hxl_kelurahan_parses_back),
	    cmocka_unit_test(hxl_shelters_and_needs_parse_back),
	    cmocka_unit_test(hxl_incidents_parse_back),
	    cmocka_unit_test(bad_input_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
