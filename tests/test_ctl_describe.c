/*
 * poskod's events in plain words (ctl/describe.c), on the event objects
 * of docs/protocol.md section 3: a dispatch is one plan line with its lot
 * (3.3), a line lowered to 0 is `released`, a shortage is `short` units
 * over `days` days (3.4).
 *
 * ctl/ is a program, not a library, so its sources are compiled in here.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/client.c"
#include "ctl/common.c"
#include "ctl/describe.c"
#include "ctl/lang.c"
#include "ctl/out.c"

static int
setup(void **state)
{
	(void)state;
	lang_init("en");
	out_style s = {0, 1, ',', '.', 80, 95};
	out_setup(&s);
	return 0;
}

/* The event line for topic and the JSON text of its object. */
static const char *
line(const char *topic, const char *json)
{
	static char buf[1024];
	json_error_t je;
	json_t *ev = json_loads(json, 0, &je);
	assert_non_null(ev);
	describe_event(buf, sizeof buf, topic, ev);
	json_decref(ev);
	return buf;
}

static void
test_dispatch_meals(void **state)
{
	(void)state;
	/* protocol.md example: event dispatch.meals */
	assert_string_equal(
		line("dispatch.meals",
		     "{\"v\":1,\"id\":160,\"time\":\"2007-02-01T23:00:06Z\","
		     "\"dispatch\":17,\"incident\":1,\"shelter\":\"SH-0001\","
		     "\"depot\":\"DEP-3175\",\"lot\":\"L-2007-001\","
		     "\"date\":\"2007-02-02\",\"meals\":1612,"
		     "\"status\":\"planned\",\"operator\":null}"),
		"meals planned for SH-0001 on 2007-02-02: 1,612 meals from "
		"DEP-3175 lot L-2007-001 (dispatch 17, incident 1)");
	/* the need fell: the same line, lowered to 0 */
	assert_string_equal(
		line("dispatch.meals",
		     "{\"dispatch\":17,\"incident\":1,\"shelter\":\"SH-0001\","
		     "\"depot\":\"DEP-3175\",\"lot\":\"L-2007-001\","
		     "\"date\":\"2007-02-02\",\"meals\":0,"
		     "\"status\":\"released\",\"operator\":null}"),
		"meals released for SH-0001 on 2007-02-02: 0 meals from "
		"DEP-3175 lot L-2007-001 (dispatch 17, incident 1)");
	assert_string_equal(
		line("dispatch.meals",
		     "{\"dispatch\":9,\"incident\":2,\"shelter\":\"SH-0002\","
		     "\"depot\":\"DEP-3171\",\"lot\":\"M1\",\"date\":"
		     "\"2007-02-03\",\"meals\":30,\"status\":\"confirmed\","
		     "\"operator\":\"andi\"}"),
		"meals delivered for SH-0002 on 2007-02-03: 30 meals from "
		"DEP-3171 lot M1 (dispatch 9, incident 2)");
}

static void
test_dispatch_sandang(void **state)
{
	(void)state;
	/* protocol.md example: event dispatch.sandang */
	assert_string_equal(
		line("dispatch.sandang",
		     "{\"v\":1,\"id\":161,\"time\":\"2007-02-01T23:00:06Z\","
		     "\"dispatch\":18,\"incident\":1,\"shelter\":\"SH-0001\","
		     "\"depot\":\"DEP-3175\",\"lot\":\"K-2006-014\","
		     "\"date\":\"2007-02-02\",\"item\":\"kit_adult\","
		     "\"qty\":120,\"status\":\"planned\",\"operator\":null}"),
		"clothing kits planned for SH-0001 on 2007-02-02: 120 adult "
		"kits from DEP-3175 lot K-2006-014 (dispatch 18, incident 1)");
}

static void
test_alerts(void **state)
{
	(void)state;
	/* protocol.md example: event alert.shortage */
	assert_string_equal(
		line("alert.shortage",
		     "{\"v\":1,\"id\":172,\"time\":\"2007-02-01T23:00:06Z\","
		     "\"alert\":5,\"state\":\"raised\",\"kind\":\"meals\","
		     "\"level\":\"critical\",\"incident\":1,\"shelter\":"
		     "\"SH-0007\",\"item\":\"meal\",\"short\":180,\"days\":2}"),
		"ALERT 5 critical: shortage at shelter SH-0007: 180 meals "
		"missing over 2 days (incident 1)");
	assert_string_equal(
		line("alert.shelter",
		     "{\"alert\":3,\"state\":\"cleared\",\"kind\":\"occupancy\","
		     "\"level\":\"warn\",\"shelter\":\"SH-0001\","
		     "\"registered\":150,\"capacity\":240,\"percent\":62.5}"),
		"CLEARED 3 warning: shelter SH-0001 is at 62.5% (150 of 240 "
		"persons)");
	/* an alerts.list row: described from its detail */
	char buf[256];
	json_t *det = json_loads("{\"shelter\":\"SH-0001\",\"registered\":204,"
	                         "\"capacity\":240,\"percent\":85.0}",
	                         0, NULL);
	describe_alert(buf, sizeof buf, "alert.shelter", det);
	assert_string_equal(buf,
	                    "shelter SH-0001 is at 85.0% (204 of 240 persons)");
	json_decref(det);
}

static void
test_assign_and_ingest(void **state)
{
	(void)state;
	assert_string_equal(
		line("assign.household",
		     "{\"incident\":1,\"household\":1001,\"shelter\":\"SH-0001\","
		     "\"persons\":4,\"status\":\"released\",\"reason\":"
		     "\"released\",\"operator\":null}"),
		"household 1001 (4 persons) released from SH-0001 (no longer "
		"needs to evacuate), incident 1");
	assert_string_equal(
		line("assign.household",
		     "{\"incident\":1,\"household\":1001,\"shelter\":\"SH-0002\","
		     "\"persons\":4,\"status\":\"present\",\"reason\":"
		     "\"checkin\",\"operator\":\"budi\"}"),
		"household 1001 (4 persons) present in SH-0002 (checked in), "
		"incident 1, by budi");
	assert_string_equal(
		line("ingest.accepted",
		     "{\"source\":\"bpbd-dki\",\"source_id\":\"2007-02-flood\","
		     "\"action\":\"open\",\"incident\":1,\"revision\":1,"
		     "\"duplicate\":true,\"origin\":\"json\"}"),
		"report bpbd-dki/2007-02-flood received again: already decided, "
		"nothing changed");
	assert_string_equal(
		line("unplaced.household",
		     "{\"incident\":1,\"household\":2417,\"persons\":6,"
		     "\"class\":\"high\",\"reason\":\"no_capacity\"}"),
		"household 2417 (6 persons) has NO SHELTER: no shelter has "
		"room (incident 1)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_meals),
		cmocka_unit_test(test_dispatch_sandang),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_assign_and_ingest),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
