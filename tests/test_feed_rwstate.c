/*
 * tests/test_feed_rwstate.c - RW flood states (daemon/rwstate.c): parsing
 * the three message forms, the per-RW state machine, the incidents it
 * drives, restore after restart, and the feed.stale helper.
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

#include "alloc/policy.h"
#include "config/config.h"
#include "daemon/rwstate.h"

#define FIX "tests/fixtures/rw/"

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
parse_file(const char *name, rwstate_resolver res, rwstate_msg *m, char *err,
           size_t errlen)
{
	char path[256];
	size_t len;

	snprintf(path, sizeof(path), FIX "%s", name);
	char *json = slurp(path, &len);
	int rc =
	    rwstate_parse(json, len, "petabencana", res, NULL, m, err, errlen);
	free(json);
	return rc;
}

static int
parse_str(const char *json, rwstate_msg *m, char *err, size_t errlen)
{
	return rwstate_parse(json, strlen(json), "petabencana", NULL, NULL, m,
	                     err, errlen);
}

/* ---- parsing ----------------------------------------------------------------
 */

static void
parse_single(void **state)
{
	rwstate_msg m;
	char err[256];

	(void)state;
	assert_int_equal(
	    parse_file("rw-state.json", NULL, &m, err, sizeof(err)), 0);
	assert_string_equal(m.source, "petabencana");
	assert_int_equal(m.snapshot, 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].rw, "3172011001-09");
	assert_int_equal(m.v[0].state, 3);
	assert_int_equal(m.v[0].time, 1736035200);
	rwstate_msg_clear(&m);
}

static void
parse_batch(void **state)
{
	rwstate_msg m;
	char err[256];

	(void)state;
	assert_int_equal(
	    parse_file("rw-states.json", NULL, &m, err, sizeof(err)), 0);
	assert_string_equal(m.source, "bpbd-dki");
	assert_int_equal(m.n, 3);
	assert_int_equal(m.v[1].state, 4);
	assert_int_equal(m.v[1].time, 1736036400);
	assert_int_equal(m.v[2].time, 0); /* not given: the message's */
	assert_int_equal(m.time, 1736037000);
	rwstate_msg_clear(&m);
}

static void
parse_petabencana_geojson(void **state)
{
	rwstate_msg m;
	char err[256];

	(void)state;
	/* Without a resolver the feature with area_id "52" cannot be
	 * placed: the whole message is refused, naming it. */
	assert_int_equal(
	    parse_file("petabencana-floods.json", NULL, &m, err, sizeof(err)),
	    RWSTATE_EFIELD);
	assert_non_null(strstr(err, "features[1].properties"));
	assert_non_null(strstr(err, "52"));
	assert_null(m.v);
	assert_null(m.source);

	assert_int_equal(parse_file("petabencana-floods.json",
	                            rwstate_resolve_digits, &m, err,
	                            sizeof(err)),
	                 0);
	assert_string_equal(m.source, "petabencana"); /* default */
	assert_int_equal(m.snapshot, 1);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.v[0].rw, "3172011001-09");
	assert_int_equal(m.v[0].state, 3);
	assert_string_equal(m.v[1].rw, "3172011001-10");
	assert_int_equal(m.v[1].state, 4); /* "4" as a string */
	assert_string_equal(m.v[2].rw, "3175011002-03");
	assert_int_equal(m.v[2].time, 1736035800);
	rwstate_msg_clear(&m);

	assert_int_equal(parse_file("petabencana-unmapped.geojson",
	                            rwstate_resolve_digits, &m, err,
	                            sizeof(err)),
	                 RWSTATE_EFIELD);
	assert_non_null(strstr(err, "features[1].properties"));
}

static void
parse_rejects(void **state)
{
	static const struct {
		const char *json;
		int rc;
		const char *prefix;
	} cases[] = {
	    {"{\"v\":1,\"kind\":\"rw.state\",\"source\":\"p\",\"rw\":"
	     "\"3172011001-9\",\"state\":1}",
	     RWSTATE_EFIELD, "rw: "},
	    {"{\"v\":1,\"kind\":\"rw.state\",\"source\":\"p\",\"rw\":"
	     "\"3172011001-09\",\"state\":5}",
	     RWSTATE_EFIELD, "state: must be 0..4"},
	    {"{\"v\":1,\"kind\":\"rw.state\",\"source\":\"p\",\"rw\":"
	     "\"3172011001-09\",\"state\":1.5}",
	     RWSTATE_EFIELD, "state: "},
	    {"{\"v\":2,\"kind\":\"rw.state\"}", RWSTATE_EFIELD, "v: "},
	    {"{\"v\":1,\"kind\":\"rw.state\",\"rw\":\"3172011001-09\","
	     "\"state\":1}",
	     RWSTATE_EFIELD, "source: required"},
	    {"{\"v\":1,\"kind\":\"rw.state\",\"source\":\"a b\",\"rw\":"
	     "\"3172011001-09\",\"state\":1}",
	     RWSTATE_EFIELD, "source: "},
	    {"{\"v\":1,\"kind\":\"rw.state\",\"source\":\"p\",\"rw\":"
	     "\"3172011001-09\",\"state\":1,\"time\":\"kemarin\"}",
	     RWSTATE_EFIELD, "time: "},
	    {"{\"v\":1,\"kind\":\"rw.states\",\"source\":\"p\",\"states\":"
	     "[{\"rw\":\"3172011001-09\",\"state\":1},{\"rw\":\"x\","
	     "\"state\":1}]}",
	     RWSTATE_EFIELD, "states[1].rw: "},
	    {"{\"v\":1,\"kind\":\"rw.states\",\"source\":\"p\",\"states\":"
	     "[],\"snapshot\":\"yes\"}",
	     RWSTATE_EFIELD, "snapshot: "},
	    {"{\"v\":1,\"kind\":\"gate.level\"}", RWSTATE_EFIELD, "kind: "},
	    {"{\"v\":1,", RWSTATE_EJSON, "message: not JSON"},
	    {"[1,2]", RWSTATE_EFIELD, "message: "},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rwstate_msg m;
		memset(&m, 0x5a, sizeof(m));
		int rc = parse_str(cases[i].json, &m, err, sizeof(err));
		if (rc != cases[i].rc ||
		    strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
			fail_msg("case %zu: rc %d \"%s\"", i, rc, err);
		assert_null(m.v);
		assert_null(m.source);
		assert_int_equal(m.n, 0);
	}
}

static void
duplicate_rw_keeps_higher_state(void **state)
{
	rwstate_msg m;
	char err[256];

	(void)state;
	assert_int_equal(
	    parse_str("{\"v\":1,\"kind\":\"rw.states\",\"source\":\"p\","
	              "\"states\":[{\"rw\":\"3172011001-09\",\"state\":2},"
	              "{\"rw\":\"3172011001-09\",\"state\":3},"
	              "{\"rw\":\"3172011001-09\",\"state\":1}]}",
	              &m, err, sizeof(err)),
	    0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.v[0].state, 3);
	rwstate_msg_clear(&m);
}

/* ---- state machine
 * ------------------------------------------------------------ */

static void
step_moves(void **state)
{
	(void)state;
	assert_int_equal(rwstate_step(0, 0), RWSTATE_SAME);
	assert_int_equal(rwstate_step(0, 1), RWSTATE_OPEN);
	assert_int_equal(rwstate_step(1, 3), RWSTATE_RISE);
	assert_int_equal(rwstate_step(4, 2), RWSTATE_FALL);
	assert_int_equal(rwstate_step(2, 0), RWSTATE_CLOSE);
	assert_int_equal(rwstate_step(3, 3), RWSTATE_SAME);
	assert_string_equal(rwstate_move_name(RWSTATE_RISE), "rise");
}

static void
apply_tracks_state(void **state)
{
	rwstate_table *t = rwstate_table_new(RWSTATE_GROUP_RW);
	rwstate_change ch;

	(void)state;
	assert_non_null(t);
	assert_int_equal(rwstate_apply(t, "p", "3172011001-09", 2, &ch), 0);
	assert_int_equal(ch.move, RWSTATE_OPEN);
	assert_int_equal(rwstate_get(t, "p", "3172011001-09"), 2);
	assert_int_equal(rwstate_get(t, "q", "3172011001-09"), 0);
	assert_int_equal(rwstate_apply(t, "p", "3172011001-09", 0, &ch), 0);
	assert_int_equal(ch.move, RWSTATE_CLOSE);
	assert_int_equal(ch.from, 2);
	assert_int_equal(rwstate_active(t), 0);
	assert_int_equal(rwstate_apply(t, "p", "bad", 1, &ch), RWSTATE_EINVAL);
	assert_int_equal(rwstate_apply(t, "p", "3172011001-09", 7, &ch),
	                 RWSTATE_EINVAL);
	rwstate_table_free(t);
}

static posko_report *
ingest_one(rwstate_table *t, const char *rw, int st, time_t when, size_t *nr)
{
	rwstate_entry e;
	rwstate_msg m = {
	    .source = "petabencana", .time = when, .v = &e, .n = 1};
	posko_report *r;
	char err[256];

	snprintf(e.rw, sizeof(e.rw), "%s", rw);
	e.state = st;
	e.time = 0;
	assert_int_equal(rwstate_ingest(t, &m, 1, &r, nr, err, sizeof(err)), 0);
	return r;
}

/* The sequence: 1 -> 3 -> 4 -> 2 -> 0 opens, escalates twice,
 * de-escalates and closes ONE incident; a new flood is a new incident. */
static void
sequence_1_3_4_2_0(void **state)
{
	static const int seq[] = {1, 3, 4, 2, 0};
	static const report_action want[] = {REPORT_OPEN, REPORT_UPDATE,
	                                     REPORT_UPDATE, REPORT_UPDATE,
	                                     REPORT_CANCEL};
	rwstate_table *t = rwstate_table_new(RWSTATE_GROUP_RW);
	char key[80] = "";
	time_t t0 = 1736035200; /* 2025-01-05T00:00:00Z */

	(void)state;
	for (int i = 0; i < 5; i++) {
		size_t nr;
		posko_report *r =
		    ingest_one(t, "3172011001-09", seq[i], t0 + 3600 * i, &nr);
		assert_int_equal(nr, 1);
		assert_int_equal(r[0].action, want[i]);
		assert_int_equal(r[0].origin, ORIGIN_RW_STATE);
		assert_int_equal(r[0].type, INCIDENT_FLOOD);
		assert_int_equal(r[0].severity.kind, SEV_RW_STATE);
		assert_int_equal(r[0].severity.value, seq[i]);
		assert_string_equal(r[0].source, "petabencana");
		assert_int_equal(r[0].time, t0 + 3600 * i);
		if (i == 0)
			snprintf(key, sizeof(key), "%s", r[0].source_id);
		assert_string_equal(r[0].source_id, key);
		if (want[i] == REPORT_CANCEL) {
			assert_int_equal(r[0].footprint.kind, FOOT_NONE);
		} else {
			assert_int_equal(r[0].footprint.kind, FOOT_RW);
			assert_int_equal(r[0].footprint.ncodes, 1);
			assert_string_equal(r[0].footprint.rw_ids[0],
			                    "3172011001-09");
		}
		rwstate_reports_free(r, nr);
	}
	assert_string_equal(key, "rwflood-3172011001-09-20250105T000000Z");
	assert_int_equal(rwstate_active(t), 0);

	/* The same state again changes nothing: no report. */
	size_t nr;
	posko_report *r = ingest_one(t, "3172011001-09", 0, t0 + 20000, &nr);
	assert_int_equal(nr, 0);
	assert_null(r);

	/* Flooded again the next day: a new incident key. */
	r = ingest_one(t, "3172011001-09", 2, t0 + 86400, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_OPEN);
	assert_string_equal(r[0].source_id,
	                    "rwflood-3172011001-09-20250106T000000Z");
	rwstate_reports_free(r, nr);
	r = ingest_one(t, "3172011001-09", 2, t0 + 90000, &nr);
	assert_int_equal(nr, 0); /* repeat of the same state */
	rwstate_table_free(t);
}

/* The same sequence through the config's state -> depth table and the
 * default flood policy: who evacuates at each step. With the shipped
 * defaults (rw_state_cm 0, 10, 71, 151; flood depth >= 71 cm -> everyone
 * in the footprint): state 1 nobody, 3 and 4 everyone, back at 2 nobody
 * new (the engine keeps families already in a shelter), 0 closes. */
static void
sequence_evacuations_under_default_policy(void **state)
{
	static const int seq[] = {1, 3, 4, 2};
	static const alloc_classmask want[] = {
	    ALLOC_CLASSES_NONE, ALLOC_CLASSES_ALL, ALLOC_CLASSES_ALL,
	    ALLOC_CLASSES_NONE};
	posko_config *cfg = config_default();
	rwstate_table *t = rwstate_table_new(RWSTATE_GROUP_RW);
	char err[256];

	(void)state;
	assert_non_null(cfg);
	for (int i = 0; i < 4; i++) {
		size_t nr;
		posko_report *r = ingest_one(t, "3172011001-09", seq[i],
		                             1736035200 + 3600 * i, &nr);
		assert_int_equal(nr, 1);
		struct alloc_severity sev;
		alloc_classmask m;
		assert_int_equal(
		    config_rw_state_severity(cfg, r[0].severity.value, &sev),
		    0);
		assert_int_equal(alloc_policy_classes(&cfg->policy,
		                                      ALLOC_INC_FLOOD, &sev, &m,
		                                      err, sizeof(err)),
		                 0);
		if (m != want[i])
			fail_msg("state %d: classes 0x%x, want 0x%x", seq[i], m,
			         want[i]);
		rwstate_reports_free(r, nr);
	}
	size_t nr;
	posko_report *r = ingest_one(t, "3172011001-09", 0, 1736050000, &nr);
	assert_int_equal(r[0].action, REPORT_CANCEL);
	struct alloc_severity sev;
	/* state 0 is never mapped: it arrives as a cancel */
	assert_int_not_equal(config_rw_state_severity(cfg, 0, &sev), 0);
	rwstate_reports_free(r, nr);
	rwstate_table_free(t);
	config_free(cfg);
}

static void
kelurahan_grouping(void **state)
{
	rwstate_table *t = rwstate_table_new(RWSTATE_GROUP_KELURAHAN);
	posko_report *r;
	size_t nr;
	char key[80];

	(void)state;
	r = ingest_one(t, "3172011001-09", 2, 1736035200, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_OPEN);
	snprintf(key, sizeof(key), "%s", r[0].source_id);
	assert_string_equal(key, "rwflood-3172011001-20250105T000000Z");
	rwstate_reports_free(r, nr);

	/* a second RW of the same kelurahan joins: update, max state 4 */
	r = ingest_one(t, "3172011001-10", 4, 1736038800, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_UPDATE);
	assert_string_equal(r[0].source_id, key);
	assert_int_equal(r[0].severity.value, 4);
	assert_int_equal(r[0].footprint.ncodes, 2);
	rwstate_reports_free(r, nr);

	/* the worse RW recedes: de-escalate, footprint shrinks */
	r = ingest_one(t, "3172011001-10", 0, 1736042400, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_UPDATE);
	assert_int_equal(r[0].severity.value, 2);
	assert_int_equal(r[0].footprint.ncodes, 1);
	assert_string_equal(r[0].footprint.rw_ids[0], "3172011001-09");
	rwstate_reports_free(r, nr);

	/* another kelurahan is another incident */
	r = ingest_one(t, "3172011002-01", 1, 1736042400, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_OPEN);
	assert_string_equal(r[0].source_id,
	                    "rwflood-3172011002-20250105T020000Z");
	rwstate_reports_free(r, nr);

	/* the last RW closes the first kelurahan's incident */
	r = ingest_one(t, "3172011001-09", 0, 1736046000, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_CANCEL);
	assert_string_equal(r[0].source_id, key);
	rwstate_reports_free(r, nr);
	rwstate_table_free(t);
}

/* A PetaBencana snapshot: RWs missing from the next snapshot are at 0. */
static void
snapshot_closes_missing(void **state)
{
	rwstate_table *t = rwstate_table_new(RWSTATE_GROUP_RW);
	rwstate_msg m;
	posko_report *r;
	size_t nr;
	char err[256];

	(void)state;
	assert_int_equal(parse_file("petabencana-floods.json",
	                            rwstate_resolve_digits, &m, err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(
	    rwstate_ingest(t, &m, 1736035200, &r, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 3);
	for (size_t i = 0; i < nr; i++)
		assert_int_equal(r[i].action, REPORT_OPEN);
	/* opened at the feature's last_updated */
	assert_string_equal(r[0].source_id,
	                    "rwflood-3172011001-09-20250105T000000Z");
	rwstate_reports_free(r, nr);

	/* the same snapshot again: nothing */
	assert_int_equal(
	    rwstate_ingest(t, &m, 1736035200, &r, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 0);
	rwstate_msg_clear(&m);

	/* an emptier snapshot from the same source: RW 10 at 2 (fall),
	 * the two others absent -> closed */
	assert_int_equal(
	    parse_str("{\"type\":\"FeatureCollection\",\"features\":[{"
	              "\"type\":\"Feature\",\"geometry\":null,"
	              "\"properties\":{\"rw\":\"3172011001-10\","
	              "\"state\":2}}]}",
	              &m, err, sizeof(err)),
	    0);
	assert_int_equal(
	    rwstate_ingest(t, &m, 1736040000, &r, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 3);
	int cancels = 0, updates = 0;
	for (size_t i = 0; i < nr; i++) {
		cancels += r[i].action == REPORT_CANCEL;
		if (r[i].action == REPORT_UPDATE) {
			updates++;
			assert_int_equal(r[i].severity.value, 2);
		}
	}
	assert_int_equal(cancels, 2);
	assert_int_equal(updates, 1);
	assert_int_equal(rwstate_active(t), 1);
	rwstate_reports_free(r, nr);
	rwstate_msg_clear(&m);

	/* a delta batch from another source does not close anything */
	assert_int_equal(
	    parse_str("{\"v\":1,\"kind\":\"rw.states\",\"source\":\"bpbd\","
	              "\"states\":[{\"rw\":\"3175011002-03\",\"state\":2}]}",
	              &m, err, sizeof(err)),
	    0);
	assert_int_equal(
	    rwstate_ingest(t, &m, 1736040000, &r, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_OPEN);
	assert_string_equal(r[0].source, "bpbd");
	assert_int_equal(rwstate_get(t, "petabencana", "3172011001-10"), 2);
	rwstate_reports_free(r, nr);
	rwstate_msg_clear(&m);
	rwstate_table_free(t);
}

static void
restore_after_restart(void **state)
{
	rwstate_table *t = rwstate_table_new(RWSTATE_GROUP_RW);
	char *ids[] = {"3172011001-09"};
	posko_report *r;
	size_t nr;

	(void)state;
	assert_int_equal(rwstate_restore(t, "petabencana",
	                                 "rwflood-3172011001-09-"
	                                 "20250105T000000Z",
	                                 ids, 1, 3),
	                 0);
	assert_int_equal(rwstate_get(t, "petabencana", "3172011001-09"), 3);
	/* the next state lands on the restored incident */
	r = ingest_one(t, "3172011001-09", 4, 1736050000, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].action, REPORT_UPDATE);
	assert_string_equal(r[0].source_id,
	                    "rwflood-3172011001-09-20250105T000000Z");
	rwstate_reports_free(r, nr);
	assert_int_equal(
	    rwstate_restore(t, "petabencana", "2007-02-flood", ids, 1, 3),
	    RWSTATE_EFIELD);
	char *other[] = {"3172011002-01"};
	assert_int_equal(rwstate_restore(t, "petabencana",
	                                 "rwflood-3172011001-09-"
	                                 "20250105T000000Z",
	                                 other, 1, 3),
	                 RWSTATE_EFIELD);
	rwstate_table_free(t);
}

static void
stale_raises_and_clears_once(void **state)
{
	int raised = 0;
	time_t t0 = 1736035200;

	(void)state;
	/* no flood active: never stale */
	assert_int_equal(rwstate_stale_step(&raised, 0, t0, t0 + 7200, 30),
	                 FEED_STALE_NONE);
	/* active, 29 minutes of silence: not yet */
	assert_int_equal(rwstate_stale_step(&raised, 1, t0, t0 + 29 * 60, 30),
	                 FEED_STALE_NONE);
	assert_int_equal(rwstate_stale_step(&raised, 1, t0, t0 + 30 * 60, 30),
	                 FEED_STALE_RAISE);
	assert_int_equal(rwstate_stale_step(&raised, 1, t0, t0 + 45 * 60, 30),
	                 FEED_STALE_NONE); /* once */
	/* a message arrives: cleared once */
	assert_int_equal(
	    rwstate_stale_step(&raised, 1, t0 + 46 * 60, t0 + 46 * 60, 30),
	    FEED_STALE_CLEAR);
	assert_int_equal(
	    rwstate_stale_step(&raised, 1, t0 + 46 * 60, t0 + 47 * 60, 30),
	    FEED_STALE_NONE);
	/* stale again, then the floods end: cleared */
	assert_int_equal(rwstate_stale_step(&raised, 1, t0, t0 + 99 * 60, 30),
	                 FEED_STALE_RAISE);
	assert_int_equal(rwstate_stale_step(&raised, 0, t0, t0 + 100 * 60, 30),
	                 FEED_STALE_CLEAR);
	/* 0 minutes = off */
	assert_int_equal(rwstate_stale_step(&raised, 1, t0, t0 + 999 * 60, 0),
	                 FEED_STALE_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_single),
	    cmocka_unit_test(parse_batch),
	    cmocka_unit_test(parse_petabencana_geojson),
	    cmocka_unit_test(parse_rejects),
	    cmocka_unit_test(duplicate_rw_keeps_higher_state),
	    cmocka_unit_test(step_moves),
	    cmocka_unit_test(apply_tracks_state),
	    cmocka_unit_test(sequence_1_3_4_2_0),
	    cmocka_unit_test(sequence_evacuations_under_default_policy),
	    cmocka_unit_test(kelurahan_grouping),
	    cmocka_unit_test(snapshot_closes_missing),
	    cmocka_unit_test(restore_after_restart),
	    cmocka_unit_test(stale_raises_and_clears_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
