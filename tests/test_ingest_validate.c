/* Ingest: every field error names the field and the reason; good reports
 * parse; the hash ignores key order and whitespace; merge keeps what an
 * update omits. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/ingest.h"

#define HEAD "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"t\"," \
	     "\"source_id\":\"i1\","
#define OKSEV "\"severity\":{\"siaga\":1},"
#define OKFP "\"footprint\":{\"point\":[106.8,-6.2],\"radius_m\":100}"

static void
expect_reject(const char *msg, const char *code, const char *field,
	      const char *words)
{
	ingest_msg m;
	ingest_error e;
	int rc = ingest_parse(msg, strlen(msg), 4096, NULL, NULL, &m, &e);
	if (rc == 0)
		fail_msg("accepted: %s", msg);
	assert_string_equal(e.code, code);
	assert_string_equal(e.field, field);
	if (words && strstr(e.message, words) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e.message, words);
}

static void
test_field_errors(void **state)
{
	expect_reject("{", INGEST_BAD_JSON, "", "line 1");
	expect_reject("[1]", INGEST_BAD_JSON, "", "object");
	expect_reject("{\"v\":2}", INGEST_BAD_VERSION, "v", "must be 1");
	expect_reject("{\"v\":1}", INGEST_UNKNOWN_KIND, "kind", "required");
	expect_reject("{\"v\":1,\"kind\":\"x\"}", INGEST_UNKNOWN_KIND, "kind",
		      "unknown");
	expect_reject("{\"v\":1,\"kind\":\"rw.state\"}", INGEST_UNSUPPORTED,
		      "kind", "feed module");
	expect_reject("{\"v\":1,\"kind\":\"incident.report\",\"source\":\"a b\"}",
		      INGEST_BAD_FIELD, "source", "letters");
	expect_reject("{\"v\":1,\"kind\":\"incident.report\",\"source\":\"a\"}",
		      INGEST_BAD_FIELD, "source_id", "printable");
	expect_reject(HEAD "\"action\":\"close\"}", INGEST_BAD_FIELD, "action",
		      "open, update or cancel");
	expect_reject(HEAD OKSEV OKFP "}", INGEST_BAD_FIELD, "type",
		      "required");
	expect_reject(HEAD "\"type\":\"tsunami\"," OKSEV OKFP "}",
		      INGEST_BAD_FIELD, "type", "flood, fire");
	expect_reject(HEAD "\"type\":\"fire\"," OKFP "}", INGEST_BAD_FIELD,
		      "severity", "required");
	expect_reject(HEAD "\"type\":\"fire\",\"severity\":{\"siaga\":1,"
			   "\"depth_cm\":3}," OKFP "}",
		      INGEST_BAD_FIELD, "severity", "exactly one");
	expect_reject(HEAD "\"type\":\"fire\",\"severity\":{\"siaga\":5}," OKFP
			   "}",
		      INGEST_BAD_FIELD, "severity.siaga", "got 5");
	expect_reject(HEAD "\"type\":\"fire\",\"severity\":{\"depth_cm\":-1},"
			   OKFP "}",
		      INGEST_BAD_FIELD, "severity.depth_cm", "centimetres");
	expect_reject(HEAD "\"type\":\"fire\",\"severity\":{\"level\":\"big\"},"
			   OKFP "}",
		      INGEST_BAD_FIELD, "severity.level", "moderate");
	expect_reject(HEAD "\"type\":\"fire\",\"severity\":{\"evacuate\":false},"
			   OKFP "}",
		      INGEST_BAD_FIELD, "severity.evacuate", "must be true");
	expect_reject(HEAD "\"type\":\"fire\",\"severity\":{\"colour\":1},"
			   OKFP "}",
		      INGEST_BAD_FIELD, "severity", "unknown kind");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV "\"x\":1}",
		      INGEST_BAD_FIELD, "footprint", "required");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"point\":[106.8,-6.2],"
			   "\"radius_m\":-5}}",
		      INGEST_BAD_FIELD, "footprint.radius_m",
		      "must be a positive number of metres, got -5");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"point\":[106.8,-6.2]}}",
		      INGEST_BAD_FIELD, "footprint.radius_m", "required");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"point\":[106.8,-6.2],"
			   "\"radius_m\":60000}}",
		      INGEST_BAD_FIELD, "footprint.radius_m", "50000");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"point\":[-6.2,206.8],"
			   "\"radius_m\":5}}",
		      INGEST_BAD_FIELD, "footprint.point", "[lon, lat]");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"point\":[1,2],\"radius_m\":5,"
			   "\"rw\":[\"3172011001-09\"]}}",
		      INGEST_BAD_FIELD, "footprint", "exactly one");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"kelurahan\":[\"31.71.01.1001\","
			   "\"31.71.1001\"]}}",
		      INGEST_BAD_FIELD, "footprint.kelurahan[1]",
		      "kelurahan code");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"kelurahan\":[]}}",
		      INGEST_BAD_FIELD, "footprint.kelurahan", "1 to 300");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"rw\":[\"nope\"]}}",
		      INGEST_BAD_FIELD, "footprint.rw[0]", "RW id");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"geometry\":{\"type\":\"Point\","
			   "\"coordinates\":[1,2]}}}",
		      INGEST_BAD_FIELD, "footprint.geometry.type", "Polygon");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"geometry\":{\"type\":\"Polygon\","
			   "\"coordinates\":[[[1,1],[2,1],[2,2],[1,3]]]}}}",
		      INGEST_BAD_FIELD, "footprint.geometry.coordinates[0]",
		      "not closed");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV
			   "\"footprint\":{\"geometry\":{\"type\":\"Polygon\","
			   "\"coordinates\":[[[1,1],[2,1],[1,1]]]}}}",
		      INGEST_BAD_FIELD, "footprint.geometry.coordinates[0]",
		      "at least 4");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV OKFP ",\"days\":0}",
		      INGEST_BAD_FIELD, "days", "1 to 90");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV OKFP ",\"time\":\"yesterday\"}",
		      INGEST_BAD_FIELD, "time", "RFC 3339");
	expect_reject(HEAD "\"type\":\"fire\"," OKSEV OKFP ",\"exercise\":1}",
		      INGEST_BAD_FIELD, "exercise", "true or false");
	expect_reject("<alert/>", INGEST_UNSUPPORTED, "", "CAP");
}

static void
test_too_large(void **state)
{
	char big[5000];
	ingest_msg m;
	ingest_error e;
	memset(big, ' ', sizeof(big));
	assert_int_equal(ingest_parse(big, sizeof(big), 4096, NULL, NULL, &m,
				      &e),
			 -1);
	assert_string_equal(e.code, INGEST_TOO_LARGE);
	assert_non_null(strstr(e.message, "5000"));
}

static void
test_good_and_hash(void **state)
{
	const char *a = HEAD "\"type\":\"flood\",\"time\":"
			     "\"2007-02-02T06:00:00+07:00\"," OKSEV OKFP "}";
	const char *b = "{ \"footprint\":{\"radius_m\":100,\"point\":[106.8,"
			"-6.2]}, \"severity\":{\"siaga\":1},\"type\":\"flood\","
			"\"source_id\":\"i1\",\"source\":\"t\",\"kind\":"
			"\"incident.report\",\"v\":1,\"time\":"
			"\"2007-02-02T06:00:00+07:00\"}\n";
	ingest_msg ma, mb;
	ingest_error e;
	assert_int_equal(ingest_parse(a, strlen(a), 0, NULL, NULL, &ma, &e), 0);
	assert_int_equal(ingest_parse(b, strlen(b), 0, NULL, NULL, &mb, &e), 0);
	assert_true(ma.hash == mb.hash);
	assert_int_equal(ma.rep.action, REPORT_OPEN);
	assert_int_equal(ma.rep.type, INCIDENT_FLOOD);
	assert_int_equal(ma.rep.severity.kind, SEV_SIAGA);
	assert_int_equal(ma.rep.footprint.kind, FOOT_CIRCLE);
	assert_true(ma.rep.time == 1170370800); /* 2007-02-01T23:00:00Z */
	ingest_msg_clear(&mb);

	/* update merges: keeps footprint, replaces severity */
	const char *u = HEAD "\"action\":\"update\",\"severity\":{\"siaga\":2}}";
	assert_int_equal(ingest_parse(u, strlen(u), 0, NULL, NULL, &mb, &e), 0);
	assert_int_equal(mb.rep.action, REPORT_UPDATE);
	assert_true(mb.has & INGEST_HAS_SEVERITY);
	assert_false(mb.has & INGEST_HAS_FOOTPRINT);
	json_t *merged = ingest_merge(ma.json, mb.json);
	ingest_msg mm;
	assert_int_equal(ingest_parse_object(merged, "", &mm, &e), 0);
	assert_int_equal(mm.rep.severity.value, 2);
	assert_int_equal(mm.rep.footprint.kind, FOOT_CIRCLE);
	json_decref(merged);
	ingest_msg_clear(&mm);
	ingest_msg_clear(&ma);
	ingest_msg_clear(&mb);
}

static void
test_object_prefix(void **state)
{
	json_t *o = json_loads(HEAD "\"type\":\"fire\",\"severity\":{\"siaga\":"
				    "9}," OKFP "}",
			       0, NULL);
	ingest_msg m;
	ingest_error e;
	assert_int_equal(ingest_parse_object(o, "args.report.", &m, &e), -1);
	assert_string_equal(e.field, "args.report.severity.siaga");
	assert_string_equal(e.source_id, "i1");
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_good_and_hash),
		cmocka_unit_test(test_object_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
