/*
 * tests/test_feed_gate.c - water-gate levels (daemon/gate.c): the 28 gates
 * of the real layer, name matching, parsing, level changes, the watch set
 * from the config and the watch-only incidents.
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

#include "config/config.h"
#include "daemon/gate.h"

/* The real layer (28 gates, PetaBencana / CogniCity schema data). */
static const char *const layers[] = {
    "data/jakarta/floodgates.geojson",
};

static gate_table *
load_gates(void)
{
	char err[256];
	gate_table *t = NULL;

	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		FILE *f = fopen(layers[i], "r");
		if (f == NULL)
			continue;
		fclose(f);
		if (gate_table_load(layers[i], &t, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		return t;
	}
	return NULL;
}

static int
setup(void **state)
{
	gate_table *t = load_gates();

	if (t == NULL) {
		/* the layer is not there: a table of four real names */
		static const char *const names[] = {
		    "Pintu Air Karet", "Pintu Air Manggarai",
		    "Pintu Air Pasar Ikan", "Pintu Air Ancol Flusing Gate"};
		char err[128];
		t = gate_table_new(names, 4, err, sizeof(err));
	}
	*state = t;
	return t ? 0 : -1;
}

static int
teardown(void **state)
{
	gate_table_free(*state);
	return 0;
}

static void
layer_and_names(void **state)
{
	gate_table *t = *state;

	if (gate_count(t) != 4) { /* the real layer was loaded */
		assert_int_equal(gate_count(t), 28);
		double lon, lat;
		int i = gate_find(t, "Pintu Air Manggarai");
		assert_true(i >= 0);
		gate_position(t, (size_t)i, &lon, &lat);
		assert_float_equal(lon, 106.8483683, 1e-7);
		assert_float_equal(lat, -6.2078584, 1e-7);
	}
	int m = gate_find(t, "Pintu Air Manggarai");
	assert_true(m >= 0);
	assert_int_equal(gate_find(t, "PA. Manggarai"), m);
	assert_int_equal(gate_find(t, "MANGGARAI"), m);
	assert_int_equal(gate_find(t, "pintu  air manggarai "), m);
	assert_int_equal(gate_find(t, "Manggarai Selatan"), -1);
	assert_true(gate_find(t, "Ancol Flusing Gate") >= 0);
	assert_int_equal(gate_level(t, (size_t)m), 0);

	/* duplicate names are refused */
	static const char *const dup[] = {"Pintu Air Karet", "PA Karet"};
	char err[128];
	assert_null(gate_table_new(dup, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "same gate"));
}

static void
level_words(void **state)
{
	(void)state;
	assert_int_equal(gate_level_parse("Siaga I"), 1);
	assert_int_equal(gate_level_parse("SIAGA IV"), 4);
	assert_int_equal(gate_level_parse("iii"), 3);
	assert_int_equal(gate_level_parse("2"), 2);
	assert_int_equal(gate_level_parse("Siaga 5"), -1);
	assert_int_equal(gate_level_parse("waspada"), -1);
}

static void
parse_forms_and_rejects(void **state)
{
	gate_table *t = *state;
	gate_msg m;
	char err[256];
	const char *one = "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	                  "\"Pintu Air Manggarai\",\"level\":2,\"time\":"
	                  "\"2025-01-05T07:00:00+07:00\",\"height_cm\":850}";

	assert_int_equal(gate_parse(one, strlen(one), t, &m, err, sizeof(err)),
	                 0);
	assert_string_equal(m.source, "gate");
	assert_int_equal(m.n, 1);
	assert_int_equal(m.v[0].gate, (size_t)gate_find(t, "Manggarai"));
	assert_int_equal(m.v[0].level, 2);
	assert_int_equal(m.v[0].height_cm, 850);
	assert_int_equal(m.v[0].time, 1736035200);
	gate_msg_clear(&m);

	const char *batch =
	    "{\"v\":1,\"kind\":\"gate.levels\",\"source\":\"bpbd-dki\","
	    "\"levels\":[{\"gate\":\"PA. Karet\",\"level\":\"Siaga III\"},"
	    "{\"gate\":\"Pintu Air Manggarai\",\"level\":1},"
	    "{\"gate\":\"Pintu Air Karet\",\"level\":2}]}";
	assert_int_equal(
	    gate_parse(batch, strlen(batch), t, &m, err, sizeof(err)), 0);
	assert_string_equal(m.source, "bpbd-dki");
	assert_int_equal(m.n, 2); /* Karet twice: the last wins */
	assert_int_equal(m.v[0].level, 2);
	assert_int_equal(m.v[0].height_cm, -1);
	gate_msg_clear(&m);

	static const struct {
		const char *json, *prefix;
	} bad[] = {
	    {"{\"v\":1,\"kind\":\"gate.level\",\"gate\":\"Pintu Air "
	     "Bogor\",\"level\":2}",
	     "gate: unknown gate"},
	    {"{\"v\":1,\"kind\":\"gate.level\",\"gate\":\"Manggarai\","
	     "\"level\":0}",
	     "level: must be 1..4"},
	    {"{\"v\":1,\"kind\":\"gate.level\",\"gate\":\"Manggarai\","
	     "\"level\":\"Siaga V\"}",
	     "level: "},
	    {"{\"v\":1,\"kind\":\"gate.levels\",\"levels\":[{\"gate\":"
	     "\"Manggarai\",\"level\":1},{\"gate\":\"Karet\"}]}",
	     "levels[1].level: "},
	    {"{\"v\":1,\"kind\":\"gate.level\",\"gate\":\"Manggarai\","
	     "\"level\":1,\"time\":\"tadi\"}",
	     "time: "},
	    {"{\"v\":1,\"kind\":\"rw.state\"}", "kind: "},
	    {"{\"v\":1,\"kind\":\"gate.levels\",\"levels\":[]}", "levels: "},
	    {"nope", "message: not JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0x5a, sizeof(m));
		int rc = gate_parse(bad[i].json, strlen(bad[i].json), t, &m,
		                    err, sizeof(err));
		if (rc == 0 ||
		    strncmp(err, bad[i].prefix, strlen(bad[i].prefix)) != 0)
			fail_msg("case %zu: rc %d \"%s\"", i, rc, err);
		assert_null(m.v);
		assert_null(m.source);
	}
}

static gate_result
ingest(gate_table *t, const posko_config *cfg, const char *json)
{
	gate_msg m;
	gate_result r;
	char err[256];

	if (gate_parse(json, strlen(json), t, &m, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (gate_ingest(t, &m, cfg, 1736035200, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	gate_msg_clear(&m);
	return r;
}

static const char *const conf =
    "[gates]\n"
    "Pintu Air Manggarai.siaga3 = 31.75.03.1001\n"
    "Pintu Air Manggarai.siaga2 = 31.75.03.1001, 31.74.01.1005\n"
    "Pintu Air Manggarai.siaga1 = 31.75.03.1001, 31.74.01.1005, "
    "31.75.03.1002\n"
    "Pintu Air Karet.siaga2 = 31.71.07.1003, 31.75.03.1001\n";

/* Siaga 4 -> 3 -> 1 -> 2 -> 4 at Manggarai (and Karet at 2 meanwhile):
 * one watch-only incident opened, updated and closed; kelurahan enter
 * and leave the watch set exactly once each. */
static void
levels_drive_watch_and_incident(void **state)
{
	gate_table *t = *state;
	posko_config *cfg = NULL;
	char err[512], key[96];
	gate_result r;
	int mg = gate_find(t, "Manggarai");

	if (config_load_string(conf, "gates.conf", &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);

	/* first report, normal: a change from unknown, nothing else */
	r = ingest(t, cfg,
	           "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	           "\"Manggarai\",\"level\":4}");
	assert_int_equal(r.nchanges, 1);
	assert_int_equal(r.changes[0].from, 0);
	assert_int_equal(r.nreports, 0);
	assert_int_equal(r.nwatch_on, 0);
	gate_result_clear(&r);

	r = ingest(t, cfg,
	           "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	           "\"Manggarai\",\"level\":3,\"time\":"
	           "\"2025-01-05T06:00:00+07:00\"}");
	assert_int_equal(r.nreports, 1);
	assert_int_equal(r.reports[0].action, REPORT_OPEN);
	assert_int_equal(r.reports[0].origin, ORIGIN_GATE);
	assert_int_equal(r.reports[0].severity.kind, SEV_SIAGA);
	assert_int_equal(r.reports[0].severity.value, 3);
	assert_int_equal(r.reports[0].footprint.kind, FOOT_KELURAHAN);
	assert_int_equal(r.reports[0].footprint.ncodes, 1);
	snprintf(key, sizeof(key), "%s", r.reports[0].source_id);
	assert_string_equal(key, "gate-pintu-air-manggarai-20250104T230000Z");
	assert_int_equal(r.nwatch_on, 1);
	assert_int_equal(r.watch_on[0], 3175031001u);
	gate_result_clear(&r);

	r = ingest(t, cfg,
	           "{\"v\":1,\"kind\":\"gate.levels\",\"levels\":["
	           "{\"gate\":\"Manggarai\",\"level\":1},"
	           "{\"gate\":\"Karet\",\"level\":2}]}");
	assert_int_equal(r.nchanges, 2);
	assert_int_equal(r.nreports, 2);
	assert_int_equal(r.reports[0].action, REPORT_UPDATE);
	assert_string_equal(r.reports[0].source_id, key);
	assert_int_equal(r.reports[0].footprint.ncodes, 3);
	assert_int_equal(r.reports[1].action, REPORT_OPEN); /* Karet */
	/* on: 31.74.01.1005, 31.75.03.1002 (Manggarai), 31.71.07.1003
	 * (Karet); 31.75.03.1001 already was */
	assert_int_equal(r.nwatch_on, 3);
	assert_int_equal(r.watch_on[0], 3171071003u);
	assert_int_equal(r.watch_on[1], 3174011005u);
	assert_int_equal(r.watch_on[2], 3175031002u);
	assert_int_equal(r.nwatch_off, 0);
	gate_result_clear(&r);

	/* the same levels again: nothing */
	r = ingest(t, cfg,
	           "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	           "\"Manggarai\",\"level\":1}");
	assert_int_equal(r.nchanges, 0);
	assert_int_equal(r.nreports, 0);
	gate_result_clear(&r);

	r = ingest(t, cfg,
	           "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	           "\"Manggarai\",\"level\":2}");
	assert_int_equal(r.reports[0].action, REPORT_UPDATE);
	assert_int_equal(r.nwatch_off, 1);
	assert_int_equal(r.watch_off[0], 3175031002u);
	gate_result_clear(&r);

	/* Manggarai back to normal: cancel; 31.74.01.1005 leaves the watch,
	 * 31.75.03.1001 stays (Karet still lists it) */
	r = ingest(t, cfg,
	           "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	           "\"Manggarai\",\"level\":\"Siaga IV\"}");
	assert_int_equal(r.nreports, 1);
	assert_int_equal(r.reports[0].action, REPORT_CANCEL);
	assert_string_equal(r.reports[0].source_id, key);
	assert_int_equal(r.reports[0].footprint.kind, FOOT_NONE);
	assert_int_equal(r.nwatch_off, 1);
	assert_int_equal(r.watch_off[0], 3174011005u);
	gate_result_clear(&r);

	uint32_t *set;
	size_t n;
	assert_int_equal(gate_watch_set(t, cfg, &set, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(set[0], 3171071003u);
	assert_int_equal(set[1], 3175031001u);
	free(set);
	assert_int_equal(gate_level(t, (size_t)mg), 4);
	config_free(cfg);
}

static void
restore_and_no_config(void **state)
{
	static const char *const names[] = {"Pintu Air Karet",
	                                    "Pintu Air Manggarai"};
	char err[128];
	gate_table *t = gate_table_new(names, 2, err, sizeof(err));
	gate_result r;

	(void)state;
	assert_int_equal(gate_restore(t, "bpbd-dki",
	                              "gate-pintu-air-manggarai-"
	                              "20250104T230000Z",
	                              2),
	                 0);
	assert_int_equal(gate_level(t, 1), 2);
	r = ingest(t, NULL,
	           "{\"v\":1,\"kind\":\"gate.level\",\"gate\":"
	           "\"Manggarai\",\"level\":4}");
	assert_int_equal(r.nreports, 1);
	assert_int_equal(r.reports[0].action, REPORT_CANCEL);
	assert_string_equal(r.reports[0].source, "bpbd-dki");
	assert_string_equal(r.reports[0].source_id,
	                    "gate-pintu-air-manggarai-20250104T230000Z");
	assert_int_equal(r.nwatch_off, 0); /* no config, no watch lists */
	gate_result_clear(&r);
	assert_int_equal(gate_restore(t, "x",
	                              "gate-pintu-air-bogor-"
	                              "20250104T230000Z",
	                              2),
	                 GATE_EFIELD);
	gate_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layer_and_names),
	    cmocka_unit_test(level_words),
	    cmocka_unit_test(parse_forms_and_rejects),
	    cmocka_unit_test(levels_drive_watch_and_incident),
	    cmocka_unit_test(restore_and_no_config),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
