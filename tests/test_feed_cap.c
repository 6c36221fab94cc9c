/*
 * tests/test_feed_cap.c - CAP 1.2 in and out (daemon/cap.c).
 *
 * Fixtures in tests/fixtures/cap/ are messages written for these tests in
 * the shapes BMKG (nowcast: two <info> blocks, polygons) and PetaBencana /
 * BPBD DKI (one RW per alert, event FLOODING) use, plus broken ones. When
 * POSKO_CAP_OUT_DIR is set, the CAP documents posko writes are also saved
 * there for tests/e2e_feed_cap_xmllint.sh to check with xmllint.
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
#include <math.h>

#include "config/config.h"
#include "daemon/cap.h"

#define FIX "tests/fixtures/cap/"

static cap_ctx *ctx;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
parse_file(const char *name, posko_report *r, cap_meta *m, char *err,
           size_t errlen)
{
	char path[256];
	size_t len;

	snprintf(path, sizeof(path), FIX "%s", name);
	char *xml = slurp(path, &len);
	int rc = cap_parse_ex(ctx, xml, len, NULL, r, m, err, errlen);
	free(xml);
	return rc;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	ctx = cap_ctx_new(NULL, err, sizeof(err));
	if (ctx == NULL)
		fprintf(stderr, "cap_ctx_new: %s\n", err);
	return ctx ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	cap_ctx_free(ctx);
	return 0;
}

/* ---- schema ---------------------------------------------------------------
 */

static void
schema_copy_matches_file(void **state)
{
	size_t len;
	char *xsd = slurp("docs/cap/CAP-v1.2.xsd", &len);

	(void)state;
	assert_int_equal(strlen(cap_schema_text()), len);
	assert_memory_equal(cap_schema_text(), xsd, len);
	free(xsd);
}

static void
schema_loads_from_file(void **state)
{
	char err[256];
	cap_ctx *c = cap_ctx_new("docs/cap/CAP-v1.2.xsd", err, sizeof(err));

	(void)state;
	assert_non_null(c);
	cap_ctx_free(c);
	assert_null(
	    cap_ctx_new("tests/fixtures/cap/no-such.xsd", err, sizeof(err)));
	assert_non_null(strstr(err, "no-such.xsd"));
}

/* ---- accepted
 * ---------------------------------------------------------------- */

static void
bmkg_polygons_become_multipolygon(void **state)
{
	posko_report r;
	cap_meta m;
	char err[512];
	time_t exp;

	(void)state;
	assert_int_equal(
	    parse_file("bmkg-polygon.xml", &r, &m, err, sizeof(err)), 0);
	assert_int_equal(r.origin, ORIGIN_CAP);
	assert_int_equal(r.action, REPORT_OPEN);
	assert_string_equal(r.source,
	                    "bmkg_bmkg.go.id" /* @ is not in a source */);
	assert_string_equal(r.source_id, "CJI20250105001");
	assert_string_equal(r.message_id, "CJI20250105001");
	assert_int_equal(r.type, INCIDENT_FLOOD);
	assert_int_equal(r.severity.kind, SEV_LEVEL);
	assert_int_equal(r.severity.value, 3); /* Severe */
	assert_int_equal(r.exercise, 0);
	assert_string_equal(r.title, "Peringatan dini banjir di DKI Jakarta");
	assert_int_equal(cap_time_parse("2025-01-05T09:00:00+07:00", &exp), 0);
	assert_int_equal(r.expires, exp);
	assert_int_equal(cap_time_parse("2025-01-05T06:10:00+07:00", &exp), 0);
	assert_int_equal(r.time, exp); /* effective */

	/* Two <area> polygons of the first <info>: a MultiPolygon, lon,lat. */
	assert_int_equal(r.footprint.kind, FOOT_GEOMETRY);
	json_error_t je;
	json_t *g = json_loads(r.footprint.geojson, 0, &je);
	assert_non_null(g);
	assert_string_equal(json_string_value(json_object_get(g, "type")),
	                    "MultiPolygon");
	json_t *coords = json_object_get(g, "coordinates");
	assert_int_equal(json_array_size(coords), 2);
	json_t *p0 =
	    json_array_get(json_array_get(json_array_get(coords, 0), 0), 0);
	assert_float_equal(json_real_value(json_array_get(p0, 0)), 106.80,
	                   1e-9);
	assert_float_equal(json_real_value(json_array_get(p0, 1)), -6.20, 1e-9);
	json_decref(g);
	assert_string_equal(m.status, "Actual");
	assert_string_equal(m.msg_type, "Alert");
	assert_int_equal(m.nrefs, 0);
	posko_report_clear(&r);
	cap_meta_clear(&m);
}

static void
petabencana_rw_alert(void **state)
{
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse_file("petabencana-rw.xml", &r, NULL, err, sizeof(err)), 0);
	assert_string_equal(r.source, "BPBD.JAKARTA.GOV.ID");
	assert_string_equal(r.source_id, "KEBON.BAWANG.RW09.1736038800");
	assert_int_equal(r.type, INCIDENT_FLOOD); /* event FLOODING */
	assert_int_equal(r.severity.kind, SEV_LEVEL);
	assert_int_equal(r.severity.value, 2); /* Moderate = state 3 */
	/* geometry wins over the rw geocode beside it */
	assert_int_equal(r.footprint.kind, FOOT_GEOMETRY);
	assert_non_null(strstr(r.footprint.geojson, "\"Polygon\""));
	assert_non_null(strstr(r.footprint.geojson, "[106.879,-6.118]"));
	posko_report_clear(&r);
}

static void
circle_with_evacuate(void **state)
{
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse_file("circle-fire.xml", &r, NULL, err, sizeof(err)), 0);
	assert_int_equal(r.type, INCIDENT_FIRE);
	assert_int_equal(r.footprint.kind, FOOT_CIRCLE);
	assert_float_equal(r.footprint.lat, -6.186, 1e-9);
	assert_float_equal(r.footprint.lon, 106.818, 1e-9);
	assert_float_equal(r.footprint.radius_m, 250.0, 1e-9);
	/* responseType Evacuate outranks severity Severe */
	assert_int_equal(r.severity.kind, SEV_EVACUATE);
	posko_report_clear(&r);
}

static void
geocode_kelurahan_with_siaga(void **state)
{
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse_file("geocode-kelurahan.xml", &r, NULL, err, sizeof(err)), 0);
	assert_int_equal(r.footprint.kind, FOOT_KELURAHAN);
	assert_int_equal(r.footprint.ncodes, 2); /* province geocode ignored */
	assert_int_equal(r.footprint.codes[0], 3175011001u);
	assert_int_equal(r.footprint.codes[1], 3175011002u);
	assert_int_equal(r.severity.kind, SEV_SIAGA); /* parameter wins */
	assert_int_equal(r.severity.value, 2);
	assert_int_equal(r.days, 5);
	assert_true(r.expires > 0);
	posko_report_clear(&r);
}

static void
geocode_rw_with_depth(void **state)
{
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse_file("geocode-rw.xml", &r, NULL, err, sizeof(err)), 0);
	assert_int_equal(r.type, INCIDENT_FLOOD); /* "Genangan" */
	assert_int_equal(r.footprint.kind, FOOT_RW);
	assert_int_equal(r.footprint.ncodes, 2);
	assert_string_equal(r.footprint.rw_ids[0], "3172011001-09");
	assert_string_equal(r.footprint.rw_ids[1], "3172011001-10");
	assert_int_equal(r.severity.kind, SEV_DEPTH_CM);
	assert_int_equal(r.severity.value, 80);
	posko_report_clear(&r);
}

/* Update and Cancel land on the incident the Alert opened. */
static void
update_and_cancel_use_alert_key(void **state)
{
	posko_report a, u, c;
	cap_meta m;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse_file("bmkg-polygon.xml", &a, NULL, err, sizeof(err)), 0);
	assert_int_equal(
	    parse_file("bmkg-update.xml", &u, NULL, err, sizeof(err)), 0);
	assert_int_equal(u.action, REPORT_UPDATE);
	assert_string_equal(u.source, a.source);
	assert_string_equal(u.source_id, a.source_id);
	assert_string_equal(u.message_id, "CJI20250105002");
	assert_int_equal(u.severity.value, 4); /* Extreme */
	assert_int_equal(u.footprint.kind, FOOT_GEOMETRY);

	/* The Cancel lists the Update first and the Alert second: the key
	 * is the earliest by sent time, i.e. the Alert. */
	assert_int_equal(
	    parse_file("bmkg-cancel.xml", &c, &m, err, sizeof(err)), 0);
	assert_int_equal(c.action, REPORT_CANCEL);
	assert_string_equal(c.source_id, a.source_id);
	assert_int_equal(c.footprint.kind, FOOT_NONE);
	assert_int_equal(m.nrefs, 2);
	assert_string_equal(m.refs[0].identifier, "CJI20250105002");
	assert_string_equal(m.refs[1].identifier, "CJI20250105001");
	posko_report_clear(&a);
	posko_report_clear(&u);
	posko_report_clear(&c);
	cap_meta_clear(&m);
}

static void
exercise_is_flagged(void **state)
{
	posko_report r;
	cap_meta m;
	char err[512];

	(void)state;
	assert_int_equal(parse_file("exercise.xml", &r, &m, err, sizeof(err)),
	                 0);
	assert_int_equal(r.exercise, 1);
	assert_string_equal(m.status, "Exercise");
	assert_int_equal(r.action, REPORT_OPEN);
	posko_report_clear(&r);
	cap_meta_clear(&m);
}

static const char *const head =
    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
    "<identifier>t-1</identifier><sender>s@x</sender>"
    "<sent>2025-01-05T07:00:00+07:00</sent><status>%s</status>"
    "<msgType>Alert</msgType><scope>Public</scope>"
    "<info><category>%s</category><event>%s</event>"
    "<urgency>Immediate</urgency><severity>%s</severity>"
    "<certainty>%s</certainty><area><areaDesc>a</areaDesc>%s</area>"
    "</info></alert>";

static int
parse_made(posko_report *r, const char *status, const char *cat,
           const char *event, const char *sev, const char *cert,
           const char *area, char *err, size_t errlen)
{
	char xml[4096];
	int n = snprintf(xml, sizeof(xml), head, status, cat, event, sev, cert,
	                 area);

	assert_true(n > 0 && (size_t)n < sizeof(xml));
	return cap_parse(ctx, xml, (size_t)n, NULL, r, err, errlen);
}

static void
default_mapping_table(void **state)
{
	static const struct {
		const char *cat, *event, *sev, *cert;
		incident_type type;
		severity_kind kind;
		int value;
	} cases[] = {
	    {"Met", "Banjir Rob", "Minor", "Observed", INCIDENT_FLOOD,
	     SEV_LEVEL, 1},
	    {"Env", "River flood", "Extreme", "Likely", INCIDENT_FLOOD,
	     SEV_LEVEL, 4},
	    {"Safety", "Kebakaran gudang", "Severe", "Observed", INCIDENT_FIRE,
	     SEV_LEVEL, 3},
	    {"Fire", "Api", "Moderate", "Observed", INCIDENT_FIRE, SEV_LEVEL,
	     2},
	    {"Geo", "Gempa M5.6", "Severe", "Observed", INCIDENT_EARTHQUAKE,
	     SEV_LEVEL, 3},
	    {"Met", "Hujan Lebat disertai Angin Kencang", "Moderate", "Likely",
	     INCIDENT_EXTREME_WEATHER, SEV_LEVEL, 2},
	    {"Infra", "Rumah roboh", "Severe", "Observed", INCIDENT_COLLAPSE,
	     SEV_LEVEL, 3},
	    {"Health", "Wabah", "Severe", "Observed", INCIDENT_OTHER, SEV_LEVEL,
	     3},
	    {"Met", "Banjir", "Unknown", "Observed", INCIDENT_FLOOD, SEV_NONE,
	     0},
	    {"Met", "Banjir", "Severe", "Unlikely", INCIDENT_FLOOD, SEV_NONE,
	     0},
	};
	posko_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse_made(&r, "Actual", cases[i].cat, cases[i].event,
		                    cases[i].sev, cases[i].cert,
		                    "<circle>-6.2,106.8 1</circle>", err,
		                    sizeof(err));
		if (rc != 0)
			fail_msg("case %zu: %s", i, err);
		if (r.type != cases[i].type ||
		    r.severity.kind != cases[i].kind ||
		    r.severity.value != cases[i].value)
			fail_msg("case %zu (%s): type %d sev %d/%d", i,
			         cases[i].event, r.type, r.severity.kind,
			         r.severity.value);
		posko_report_clear(&r);
	}
}

static void
status_other_than_actual_is_exercise(void **state)
{
	static const char *const st[] = {"Exercise", "Test", "System", "Draft"};
	posko_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(parse_made(&r, st[i], "Met", "Banjir",
		                            "Severe", "Observed",
		                            "<circle>-6.2,106.8 1</circle>",
		                            err, sizeof(err)),
		                 0);
		assert_int_equal(r.exercise, 1);
		posko_report_clear(&r);
	}
}

static void
circle_and_polygon_make_multipolygon(void **state)
{
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(parse_made(&r, "Actual", "Met", "Banjir", "Severe",
	                            "Observed",
	                            "<polygon>-6.2,106.8 -6.2,106.9 -6.1,106.9 "
	                            "-6.2,106.8</polygon>"
	                            "<circle>-6.3,106.7 2</circle>",
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(r.footprint.kind, FOOT_GEOMETRY);
	json_t *g = json_loads(r.footprint.geojson, 0, NULL);
	assert_non_null(g);
	assert_string_equal(json_string_value(json_object_get(g, "type")),
	                    "MultiPolygon");
	json_t *circle = json_array_get(
	    json_array_get(json_object_get(g, "coordinates"), 1), 0);
	assert_int_equal(json_array_size(circle), 33); /* 32-gon, closed */
	/* every vertex at least 2 km from the centre (covers the circle) */
	for (size_t i = 0; i < json_array_size(circle); i++) {
		json_t *pt = json_array_get(circle, i);
		double dx = (json_real_value(json_array_get(pt, 0)) - 106.7) *
		            111.32 * 0.99392; /* cos(6.3 deg) */
		double dy =
		    (json_real_value(json_array_get(pt, 1)) + 6.3) * 111.32;
		assert_true(dx * dx + dy * dy >= 4.0 - 1e-6);
	}
	json_decref(g);
	posko_report_clear(&r);
}

static void
kelurahan_and_rw_geocodes_widen_to_kelurahan(void **state)
{
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(parse_made(&r, "Actual", "Met", "Banjir", "Severe",
	                            "Observed",
	                            "<geocode><valueName>kelurahan</valueName>"
	                            "<value>3171011001</value></geocode>"
	                            "<geocode><valueName>RW</valueName>"
	                            "<value>3172011001-09</value></geocode>",
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(r.footprint.kind, FOOT_KELURAHAN);
	assert_int_equal(r.footprint.ncodes, 2);
	assert_int_equal(r.footprint.codes[0], 3171011001u);
	assert_int_equal(r.footprint.codes[1], 3172011001u);
	posko_report_clear(&r);
}

/* A polygon of 60,000 points (about 1.3 MB) is within the limit. */
static void
large_polygon_within_limit(void **state)
{
	size_t npts = 60000, cap = npts * 32 + 2048, off = 0;
	char *area = malloc(cap), *xml = malloc(cap + 1024);
	posko_report r;
	char err[512];

	(void)state;
	assert_non_null(area);
	assert_non_null(xml);
	off += (size_t)snprintf(area + off, cap - off, "<polygon>");
	for (size_t i = 0; i < npts - 1; i++) {
		double a = 6.283185307179586 * (double)i / (double)(npts - 1);
		off += (size_t)snprintf(area + off, cap - off, "%.6f,%.6f ",
		                        -6.2 + 0.05 * sin(a),
		                        106.8 + 0.05 * cos(a));
	}
	off += (size_t)snprintf(area + off, cap - off, "%.6f,%.6f</polygon>",
	                        -6.2, 106.85);
	int n = snprintf(xml, cap + 1024, head, "Actual", "Met", "Banjir",
	                 "Severe", "Observed", area);
	assert_true(n > 1000000);
	int rc = cap_parse(ctx, xml, (size_t)n, NULL, &r, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(r.footprint.kind, FOOT_GEOMETRY);
	posko_report_clear(&r);
	free(area);
	free(xml);
}

/* ---- rejected
 * ---------------------------------------------------------------- */

static void
broken_messages_rejected_naming_the_element(void **state)
{
	static const struct {
		const char *file;
		int rc;
		const char *prefix; /* the message must start with this */
		const char *also;   /* and contain this */
	} cases[] = {
	    {"bad-unclosed-polygon.xml", CAP_EVALUE,
	     "info[0].area[0].polygon: ring is not closed (first point != "
	     "last point)",
	     NULL},
	    {"bad-coordinates.xml", CAP_EVALUE,
	     "info[0].area[0].polygon: ", "\"-6.20,abc\""},
	    {"bad-lonlat-swapped.xml", CAP_EVALUE,
	     "info[0].area[0].polygon: ", "lat,lon"},
	    {"bad-circle-radius.xml", CAP_EVALUE,
	     "info[0].area[0].circle: ", "radius -1 km"},
	    {"bad-geocode-kelurahan.xml", CAP_EVALUE,
	     "info[0].area[0].geocode: ", "31.71.1001"},
	    {"bad-no-footprint.xml", CAP_EVALUE, "info[0]: ", "<area>"},
	    {"bad-namespace-cap11.xml", CAP_ESCHEMA, "alert: namespace ",
	     "urn:oasis:names:tc:emergency:cap:1.1"},
	    {"bad-missing-sender.xml", CAP_ESCHEMA,
	     "alert: ", "expected sender"},
	    {"bad-missing-scope.xml", CAP_ESCHEMA, "alert: ", "scope"},
	    {"bad-missing-event.xml", CAP_ESCHEMA, "info[0]: ", "event"},
	    {"bad-severity-value.xml", CAP_ESCHEMA,
	     "info[0].severity: ", "'Bad'"},
	    {"bad-update-no-references.xml", CAP_EVALUE,
	     "references: ", "Update"},
	    {"bad-references.xml", CAP_EVALUE,
	     "references: ", "sender,identifier,sent"},
	    {"bad-msgtype-ack.xml", CAP_EVALUE, "msgType: ", "Ack"},
	    {"bad-doctype.xml", CAP_EXML, "alert: ", "DOCTYPE"},
	    {"bad-entities.xml", CAP_EXML, "alert: ", NULL},
	    {"bad-not-well-formed.xml", CAP_EXML, "alert: ", "line"},
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		posko_report r;
		cap_meta m;
		/* garbage in: the parser must leave zeroes, not half a report
		 */
		memset(&r, 0xa5, sizeof(r));
		memset(&m, 0xa5, sizeof(m));
		err[0] = '\0';
		int rc = parse_file(cases[i].file, &r, &m, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("%s: rc %d, want %d (%s)", cases[i].file, rc,
			         cases[i].rc, err);
		if (strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
			fail_msg("%s: message \"%s\" does not start with "
			         "\"%s\"",
			         cases[i].file, err, cases[i].prefix);
		if (cases[i].also && strstr(err, cases[i].also) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"",
			         cases[i].file, err, cases[i].also);
		assert_true(all_zero(&r, sizeof(r)));
		assert_true(all_zero(&m, sizeof(m)));
	}
}

/* 10 MB is refused on its size alone: even bytes that are not XML get
 * CAP_ETOOLARGE, so nothing was parsed. */
static void
ten_megabytes_rejected_unread(void **state)
{
	size_t n = 10u << 20;
	char *buf = malloc(n);
	posko_report r;
	char err[256];

	(void)state;
	assert_non_null(buf);
	memset(buf, 'x', n);
	static const char open_tag[] = "<alert xmlns=\"" CAP_NS "\">";
	memcpy(buf, open_tag, sizeof(open_tag) - 1);
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(cap_parse(ctx, buf, n, NULL, &r, err, sizeof(err)),
	                 CAP_ETOOLARGE);
	assert_true(all_zero(&r, sizeof(r)));
	assert_non_null(strstr(err, "10485760 bytes"));
	assert_string_equal(cap_err_code(CAP_ETOOLARGE), "too_large");
	free(buf);
}

static void
parameter_values_checked(void **state)
{
	static const char *const bad[] = {
	    "<parameter><valueName>siaga</valueName><value>5</value>"
	    "</parameter>",
	    "<parameter><valueName>depth_cm</valueName><value>-3</value>"
	    "</parameter>",
	    "<parameter><valueName>days</valueName><value>0</value>"
	    "</parameter>",
	    "<parameter><valueName>siaga</valueName><value>2</value>"
	    "</parameter><parameter><valueName>depth_cm</valueName>"
	    "<value>40</value></parameter>",
	};
	char xml[4096], err[512];
	posko_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = snprintf(
		    xml, sizeof(xml),
		    "<alert xmlns=\"" CAP_NS "\"><identifier>p</identifier>"
		    "<sender>s</sender><sent>2025-01-05T07:00:00+07:00"
		    "</sent><status>Actual</status><msgType>Alert"
		    "</msgType><scope>Public</scope><info><category>Met"
		    "</category><event>Banjir</event><urgency>Immediate"
		    "</urgency><severity>Severe</severity><certainty>"
		    "Observed</certainty>%s<area><areaDesc>a</areaDesc>"
		    "<circle>-6.2,106.8 1</circle></area></info></alert>",
		    bad[i]);
		assert_int_equal(
		    cap_parse(ctx, xml, (size_t)n, NULL, &r, err, sizeof(err)),
		    CAP_EVALUE);
		assert_true(strncmp(err, "info[0].parameter", 17) == 0);
		assert_true(all_zero(&r, sizeof(r)));
	}
}

/* ---- times
 * --------------------------------------------------------------------- */

static void
times(void **state)
{
	time_t t;
	char buf[32];

	(void)state;
	assert_int_equal(cap_time_parse("2025-01-05T07:00:00+07:00", &t), 0);
	assert_int_equal(t, 1736035200);
	assert_int_equal(cap_time_parse("2025-01-05T00:00:00Z", &t), 0);
	assert_int_equal(t, 1736035200);
	assert_int_equal(cap_time_parse("2025-01-04T19:00:00.250-05:00", &t),
	                 0);
	assert_int_equal(t, 1736035200);
	assert_int_equal(cap_time_parse("2024-02-29T00:00:00-00:00", &t), 0);
	assert_int_equal(cap_time_parse("2025-02-29T00:00:00-00:00", &t),
	                 CAP_EVALUE);
	assert_int_equal(cap_time_parse("2025-01-05 07:00:00+07:00", &t),
	                 CAP_EVALUE);
	assert_int_equal(cap_time_parse("2025-01-05T07:00:00", &t), CAP_EVALUE);
	assert_int_equal(cap_time_format(1736035200, 420, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2025-01-05T07:00:00+07:00");
	assert_int_equal(cap_time_format(1736035200, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2025-01-05T00:00:00-00:00");
}

/* ---- out
 * ----------------------------------------------------------------------- */

static void
save_out(const char *name, const char *xml, size_t len)
{
	const char *dir = getenv("POSKO_CAP_OUT_DIR");
	char path[512];

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(xml, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
identifier_is_sanitised(void **state)
{
	char id[CAP_ID_MAX];

	(void)state;
	assert_int_equal(cap_identifier(id, sizeof(id), "posko 1,a<b&c", 42, 3),
	                 0);
	assert_string_equal(id, "posko-posko_1_a_b_c-alert-42-3");
	assert_int_equal(cap_identifier(id, 10, "host", 1, 0), CAP_EINVAL);
}

/* Raise -> Alert, level change -> Update, clear -> Cancel: each valid CAP
 * 1.2, each Update/Cancel referencing the Alert (and the latest), and
 * posko's own parser puts all three on one incident key. */
static void
shelter_alert_chain_validates(void **state)
{
	static const cap_chain_event evs[] = {CAP_CHAIN_RAISE, CAP_CHAIN_RAISE,
	                                      CAP_CHAIN_CLEAR};
	static const cap_msg_type want[] = {CAP_MSG_ALERT, CAP_MSG_UPDATE,
	                                    CAP_MSG_CANCEL};
	static const char *const levels[] = {"warn", "critical", "critical"};
	static const char *const names[] = {"out-alert.xml", "out-update.xml",
	                                    "out-cancel.xml"};
	cap_chain chain;
	char first_key[CAP_ID_MAX] = "", err[512];
	uint32_t kel = 3171011001u;

	(void)state;
	memset(&chain, 0, sizeof(chain));
	for (int i = 0; i < 3; i++) {
		cap_ref refs[2];
		size_t nrefs;
		cap_msg_type type;
		char id[CAP_ID_MAX];
		time_t sent = 1736035200 + 600 * i;
		assert_int_equal(cap_chain_next(&chain, evs[i], "posko-a",
		                                (uint64_t)(3 + i), sent, &type,
		                                id, refs, &nrefs),
		                 0);
		assert_int_equal(type, want[i]);
		assert_int_equal(nrefs, (size_t)(i == 0 ? 0 : i));
		cap_param params[] = {{"shelter", "SH-0001"},
		                      {"registered", i ? "230" : "204"},
		                      {"capacity", "240"},
		                      {"note", "a < b & \"c\""}};
		cap_alert_out a = {
		    .sender = "posko@dinsos.jakarta.go.id",
		    .sender_name = "Dinas Sosial Provinsi DKI Jakarta",
		    .identifier = id,
		    .sent = sent,
		    .utc_offset_min = 420,
		    .msg_type = type,
		    .refs = refs,
		    .nrefs = nrefs,
		    .topic = "alert.shelter",
		    .kind = "occupancy",
		    .level = levels[i],
		    .alert_id = (uint64_t)(3 + i),
		    .description = "Tempat pengungsian SDN 01 hampir "
		                   "penuh",
		    .area_desc = "SDN 01 Kebon Bawang",
		    .has_point = 1,
		    .lon = 106.8790,
		    .lat = -6.1165,
		    .kelurahan = &kel,
		    .nkelurahan = 1,
		    .params = params,
		    .nparams = 4,
		};
		char *xml;
		size_t len;
		assert_int_equal(
		    cap_write_alert(&a, &xml, &len, err, sizeof(err)), 0);
		assert_int_equal(strlen(xml), len);
		if (cap_check(ctx, xml, len, 0, err, sizeof(err)) != 0)
			fail_msg("%s does not validate: %s\n%s", names[i], err,
			         xml);
		save_out(names[i], xml, len);

		posko_report r;
		int rc = cap_parse(ctx, xml, len, NULL, &r, err, sizeof(err));
		if (rc != 0)
			fail_msg("%s: %s", names[i], err);
		assert_string_equal(r.source, "posko_dinsos.jakarta.go.id");
		if (i == 0) {
			snprintf(first_key, sizeof(first_key), "%s",
			         r.source_id);
			assert_string_equal(first_key,
			                    "posko-posko-a-alert-3-0");
		} else {
			assert_string_equal(r.source_id, first_key);
		}
		assert_int_equal(r.action, i == 0   ? REPORT_OPEN
		                           : i == 1 ? REPORT_UPDATE
		                                    : REPORT_CANCEL);
		if (i < 2)
			assert_int_equal(r.footprint.kind, FOOT_CIRCLE);
		assert_non_null(strstr(xml, "a &lt; b &amp;"));
		posko_report_clear(&r);
		free(xml);
	}
	assert_false(chain.open);
	/* a clear of a closed chain sends nothing */
	cap_ref refs[2];
	size_t nrefs;
	cap_msg_type type;
	char id[CAP_ID_MAX];
	assert_int_equal(cap_chain_next(&chain, CAP_CHAIN_CLEAR, "h", 9, 1,
	                                &type, id, refs, &nrefs),
	                 1);
	/* a level change whose chain was lost opens a new one (Alert) */
	assert_int_equal(cap_chain_next(&chain, CAP_CHAIN_CHANGE, "h", 9, 2,
	                                &type, id, refs, &nrefs),
	                 0);
	assert_int_equal(type, CAP_MSG_ALERT);
	assert_int_equal(nrefs, 0);
	assert_string_equal(id, "posko-h-alert-9-0");
}

static void
unplaced_alert_without_point_validates(void **state)
{
	cap_ref ref = {"posko-h-alert-6-0", 1736035200};
	uint32_t kel[2] = {3172011001u, 3172011002u};
	cap_param params[] = {
	    {"incident", "1"}, {"households", "30"}, {"persons", "120"}};
	cap_alert_out a = {
	    .sender = "posko@dinsos.jakarta.go.id",
	    .identifier = "posko-h-alert-6-1",
	    .sent = 1736038800,
	    .utc_offset_min = 0,
	    .exercise = 1,
	    .msg_type = CAP_MSG_UPDATE,
	    .refs = &ref,
	    .nrefs = 1,
	    .topic = "alert.unplaced",
	    .kind = "unplaced",
	    .level = "critical",
	    .alert_id = 6,
	    .expires = 1736125200,
	    .web = "https://posko.example/incident/1",
	    .area_desc = "Banjir Kebon Bawang",
	    .kelurahan = kel,
	    .nkelurahan = 2,
	    .params = params,
	    .nparams = 3,
	};
	char *xml, err[512];
	size_t len;
	posko_report r;

	(void)state;
	assert_int_equal(cap_write_alert(&a, &xml, &len, err, sizeof(err)), 0);
	if (cap_check(ctx, xml, len, 0, err, sizeof(err)) != 0)
		fail_msg("%s\n%s", err, xml);
	save_out("out-unplaced.xml", xml, len);
	assert_non_null(strstr(xml, "<status>Exercise</status>"));
	assert_non_null(strstr(xml, "<severity>Severe</severity>"));
	assert_non_null(strstr(xml, "-00:00</sent>"));
	assert_non_null(strstr(
	    xml, "<references>posko@dinsos.jakarta.go.id,"
	         "posko-h-alert-6-0,2025-01-05T00:00:00-00:00</references>"));
	assert_int_equal(cap_parse(ctx, xml, len, NULL, &r, err, sizeof(err)),
	                 0);
	assert_int_equal(r.exercise, 1);
	assert_int_equal(r.footprint.kind, FOOT_KELURAHAN);
	assert_int_equal(r.footprint.ncodes, 2);
	posko_report_clear(&r);
	free(xml);
}

static void
write_refuses_bad_input(void **state)
{
	cap_alert_out a = {
	    .sender = "posko@dinsos.jakarta.go.id",
	    .identifier = "posko-h-alert-1-1",
	    .sent = 1736038800,
	    .msg_type = CAP_MSG_UPDATE, /* but no references */
	    .topic = "alert.shelter",
	    .kind = "occupancy",
	    .level = "warn",
	};
	char *xml = (char *)1, err[256];
	size_t len = 7;

	(void)state;
	assert_int_equal(cap_write_alert(&a, &xml, &len, err, sizeof(err)),
	                 CAP_EINVAL);
	assert_null(xml);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err, "references"));
	a.msg_type = CAP_MSG_ALERT;
	a.identifier = "has space";
	assert_int_equal(cap_write_alert(&a, &xml, &len, err, sizeof(err)),
	                 CAP_EINVAL);
	assert_non_null(strstr(err, "identifier"));
}

/* ---- with a config ----------------------------------------------------------
 */

static posko_config *
load_cfg(const char *text)
{
	posko_config *c = NULL;
	char err[512];

	if (config_load_string(text, "test.conf", &c, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	return c;
}

static void
config_default_table(void **state)
{
	posko_config *cfg = config_default();
	posko_report r;
	char err[512];
	size_t len;
	char *xml = slurp(FIX "bmkg-polygon.xml", &len);

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cap_parse(ctx, xml, len, cfg, &r, err, sizeof(err)),
	                 0);
	assert_int_equal(r.type, INCIDENT_FLOOD);
	assert_int_equal(r.severity.kind, SEV_LEVEL);
	assert_int_equal(r.severity.value, 3);
	posko_report_clear(&r);
	free(xml);
	xml = slurp(FIX "circle-fire.xml", &len);
	assert_int_equal(cap_parse(ctx, xml, len, cfg, &r, err, sizeof(err)),
	                 0);
	assert_int_equal(r.type, INCIDENT_FIRE);
	assert_int_equal(r.severity.kind, SEV_EVACUATE); /* responseType */
	posko_report_clear(&r);
	free(xml);
	config_free(cfg);
}

/* A config without the catch-all row rejects what no row matches, naming
 * <event>; a row's fixed severity is used; the size limit and the status
 * policy come from the config. */
static void
config_rules_status_and_size(void **state)
{
	posko_config *cfg =
	    load_cfg("[daemon]\nmax_message_bytes = 1K\n"
	             "[cap]\nmap.100 =\n"
	             "map.5 = event=\"Hujan*\" -> type=extreme_weather "
	             "severity=siaga:2\n"
	             "no_allocate = Draft\n");
	posko_report r;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse_made(&r, "Actual", "Met", "Hujan Lebat", "Severe", "Observed",
	               "<circle>-6.2,106.8 1</circle>", err, sizeof(err)),
	    0); /* built-in table: cfg not passed */
	posko_report_clear(&r);

	char xml[4096];
	int n = snprintf(xml, sizeof(xml), head, "Exercise", "Health", "Wabah",
	                 "Severe", "Observed", "<circle>-6.2,106.8 1</circle>");
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(
	    cap_parse(ctx, xml, (size_t)n, cfg, &r, err, sizeof(err)),
	    CAP_EVALUE);
	assert_true(strncmp(err, "info[0].event: no [cap] map rule", 32) == 0);
	assert_true(all_zero(&r, sizeof(r)));

	n = snprintf(xml, sizeof(xml), head, "Exercise", "Met", "Hujan Lebat",
	             "Minor", "Observed", "<circle>-6.2,106.8 1</circle>");
	assert_int_equal(
	    cap_parse(ctx, xml, (size_t)n, cfg, &r, err, sizeof(err)), 0);
	assert_int_equal(r.type, INCIDENT_EXTREME_WEATHER);
	assert_int_equal(r.severity.kind, SEV_SIAGA);
	assert_int_equal(r.severity.value, 2);
	assert_int_equal(r.exercise, 0); /* only Draft is held back */
	posko_report_clear(&r);

	n = snprintf(xml, sizeof(xml), head, "Draft", "Met", "Hujan Lebat",
	             "Minor", "Observed", "<circle>-6.2,106.8 1</circle>");
	assert_int_equal(
	    cap_parse(ctx, xml, (size_t)n, cfg, &r, err, sizeof(err)), 0);
	assert_int_equal(r.exercise, 1);
	posko_report_clear(&r);

	size_t len;
	char *big = slurp(FIX "bmkg-polygon.xml", &len); /* > 1 KiB */
	assert_int_equal(cap_parse(ctx, big, len, cfg, &r, err, sizeof(err)),
	                 CAP_ETOOLARGE);
	free(big);
	config_free(cfg);
}

/* PetaBencana's CAP writes the RW state as a CAP severity; these rows
 * (docs/feed.md 1.4) give it the same depth the RW-state path uses. */
static void
config_petabencana_rows(void **state)
{
	posko_config *cfg =
	    load_cfg("[cap]\n"
	             "map.1 = event=FLOODING severity=Unknown -> type=flood "
	             "severity=depth:0\n"
	             "map.2 = event=FLOODING severity=Minor -> type=flood "
	             "severity=depth:10\n"
	             "map.3 = event=FLOODING severity=Moderate -> type=flood "
	             "severity=depth:71\n"
	             "map.4 = event=FLOODING severity=Severe -> type=flood "
	             "severity=depth:151\n");
	posko_report r;
	char err[512];
	size_t len;
	char *xml = slurp(FIX "petabencana-rw.xml", &len);

	(void)state;
	assert_int_equal(cap_parse(ctx, xml, len, cfg, &r, err, sizeof(err)),
	                 0);
	assert_int_equal(r.type, INCIDENT_FLOOD);
	assert_int_equal(r.severity.kind, SEV_DEPTH_CM);
	assert_int_equal(r.severity.value, 71);
	posko_report_clear(&r);
	free(xml);
	config_free(cfg);
}

/* The incident key: a sender posko cannot use as a source as it is gets
 * the same mapping for the Alert and for what references it; one too
 * long to key an incident is refused naming <sender>. */
static void
key_from_sender(void **state)
{
	posko_report r;
	char xml[2048], err[512];
	const char *fmt =
	    "<alert xmlns=\"" CAP_NS "\"><identifier>i-1</identifier>"
	    "<sender>%s</sender><sent>2025-01-05T07:00:00+07:00</sent>"
	    "<status>Actual</status><msgType>Cancel</msgType>"
	    "<scope>Public</scope><references>%s,i-0,"
	    "2025-01-05T06:00:00+07:00</references></alert>";
	int n;

	(void)state;
	n = snprintf(xml, sizeof(xml), fmt, "ops+cap@bpbd.go.id",
	             "ops+cap@bpbd.go.id");
	assert_int_equal(
	    cap_parse(ctx, xml, (size_t)n, NULL, &r, err, sizeof(err)), 0);
	assert_string_equal(r.source, "ops_cap_bpbd.go.id");
	assert_string_equal(r.source_id, "i-0");
	posko_report_clear(&r);
	char longs[100];
	memset(longs, 'a', 80);
	longs[80] = '\0';
	n = snprintf(xml, sizeof(xml), fmt, "s", longs);
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(
	    cap_parse(ctx, xml, (size_t)n, NULL, &r, err, sizeof(err)),
	    CAP_EVALUE);
	assert_true(strncmp(err, "references: sender", 18) == 0);
	assert_true(all_zero(&r, sizeof(r)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(schema_copy_matches_file),
	    cmocka_unit_test(schema_loads_from_file),
	    cmocka_unit_test(bmkg_polygons_become_multipolygon),
	    cmocka_unit_test(petabencana_rw_alert),
	    cmocka_unit_test(circle_with_evacuate),
	    cmocka_unit_test(geocode_kelurahan_with_siaga),
	    cmocka_unit_test(geocode_rw_with_depth),
	    cmocka_unit_test(update_and_cancel_use_alert_key),
	    cmocka_unit_test(exercise_is_flagged),
	    cmocka_unit_test(default_mapping_table),
	    cmocka_unit_test(status_other_than_actual_is_exercise),
	    cmocka_unit_test(circle_and_polygon_make_multipolygon),
	    cmocka_unit_test(kelurahan_and_rw_geocodes_widen_to_kelurahan),
	    cmocka_unit_test(large_polygon_within_limit),
	    cmocka_unit_test(broken_messages_rejected_naming_the_element),
	    cmocka_unit_test(ten_megabytes_rejected_unread),
	    cmocka_unit_test(parameter_values_checked),
	    cmocka_unit_test(times),
	    cmocka_unit_test(identifier_is_sanitised),
	    cmocka_unit_test(shelter_alert_chain_validates),
	    cmocka_unit_test(unplaced_alert_without_point_validates),
	    cmocka_unit_test(write_refuses_bad_input),
	    cmocka_unit_test(config_default_table),
	    cmocka_unit_test(config_rules_status_and_size),
	    cmocka_unit_test(config_petabencana_rows),
	    cmocka_unit_test(key_from_sender),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
