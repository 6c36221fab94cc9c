/* config: the evacuation policy the config gives (through alloc's own
 * decision function), PetaBencana RW states, the CAP mapping table, CAP
 * statuses that never allocate, and the water-gate watch lists. */
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

#define B(c) ALLOC_CLASSBIT(ALLOC_CLASS_##c)

static posko_config *
parse(const char *text)
{
	char err[512] = "";
	posko_config *c = NULL;

	if (config_load_string(text, "t.conf", &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return c;
}

static alloc_classmask
classes(const posko_config *c, int type, int kind, int value)
{
	struct alloc_severity s = {(uint8_t)kind, value};
	alloc_classmask m = 0xff;
	char err[256];

	if (alloc_policy_classes(&c->policy, type, &s, &m, err, sizeof(err)))
		fail_msg("%s", err);
	return m;
}

static void
test_default_policy(void **state)
{
	posko_config *c = config_default();

	/* flood by Siaga level: 1 high+medium, 2 high, 3 and 4 nobody */
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 1),
	                 B(HIGH) | B(MEDIUM));
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 2),
	                 B(HIGH));
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 3), 0);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 4), 0);
	/* flood by depth: from 71 cm (PetaBencana state 3) everyone */
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 70),
	                 0);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 71),
	                 ALLOC_CLASSES_ALL);
	/* levels */
	assert_int_equal(
	    classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_LEVEL, ALLOC_LEVEL_MINOR), 0);
	assert_int_equal(
	    classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_LEVEL, ALLOC_LEVEL_SEVERE),
	    B(HIGH) | B(MEDIUM));
	assert_int_equal(
	    classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_LEVEL, ALLOC_LEVEL_EXTREME),
	    ALLOC_CLASSES_ALL);
	/* fire and collapse: everyone in the footprint, whatever severity;
	 * an explicit order: everyone */
	assert_int_equal(
	    classes(c, ALLOC_INC_FIRE, ALLOC_SEV_LEVEL, ALLOC_LEVEL_MINOR),
	    ALLOC_CLASSES_ALL);
	assert_int_equal(classes(c, ALLOC_INC_COLLAPSE, ALLOC_SEV_NONE, 0),
	                 ALLOC_CLASSES_ALL);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_EVACUATE, 1),
	                 ALLOC_CLASSES_ALL);
	assert_int_equal(
	    classes(c, ALLOC_INC_EARTHQUAKE, ALLOC_SEV_EVACUATE, 1),
	    ALLOC_CLASSES_ALL);
	assert_int_equal(alloc_policy_hazard(&c->policy, ALLOC_INC_FIRE),
	                 ALLOC_HAZARD_FIRE);
	config_free(c);
}

/* A policy from the file drives alloc's decisions per household. */
static void
test_policy_from_file(void **state)
{
	posko_config *c = parse("[policy]\n"
	                        "flood.siaga3 = low\n"
	                        "flood.siaga1 = tinggi, sedang, rendah\n"
	                        "flood.depth.71 =\n"
	                        "flood.depth.30 = high\n"
	                        "flood.depth.120 = all\n"
	                        "earthquake.level.moderate = all\n"
	                        "fire.hazard = none\n");
	struct alloc_household hh[3] = {
	    {.id = 1, .persons = 2, .flood_class = ALLOC_CLASS_HIGH},
	    {.id = 2, .persons = 3, .flood_class = ALLOC_CLASS_LOW},
	    {.id = 3, .persons = 1, .flood_class = ALLOC_CLASS_NONE},
	};
	struct alloc_severity sev = {ALLOC_SEV_SIAGA, 3};
	uint8_t ev[3];
	char err[256];

	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 3),
	                 B(LOW));
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 1),
	                 B(HIGH) | B(MEDIUM) | B(LOW));
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 29),
	                 0);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 80),
	                 B(HIGH));
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 120),
	                 ALLOC_CLASSES_ALL);
	assert_int_equal(classes(c, ALLOC_INC_EARTHQUAKE, ALLOC_SEV_LEVEL,
	                         ALLOC_LEVEL_MODERATE),
	                 ALLOC_CLASSES_ALL);
	assert_int_equal(alloc_policy_hazard(&c->policy, ALLOC_INC_FIRE),
	                 ALLOC_HAZARD_NONE);

	assert_int_equal(alloc_policy_decide(&c->policy, ALLOC_INC_FLOOD, &sev,
	                                     hh, 3, ev, err, sizeof(err)),
	                 0);
	assert_int_equal(ev[0], 0); /* high zone: siaga3 = low only */
	assert_int_equal(ev[1], 1);
	assert_int_equal(ev[2], 0);
	sev.kind = ALLOC_SEV_DEPTH_CM;
	sev.value = 150;
	assert_int_equal(alloc_policy_decide(&c->policy, ALLOC_INC_FLOOD, &sev,
	                                     hh, 3, ev, err, sizeof(err)),
	                 0);
	assert_int_equal(ev[0] + ev[1] + ev[2], 3);
	config_free(c);
}

static void
test_rw_states(void **state)
{
	posko_config *c = parse("[policy]\nrw_state2_cm = 40\n");
	struct alloc_severity s;

	assert_int_equal(config_rw_state_severity(c, 2, &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_DEPTH_CM);
	assert_int_equal(s.value, 40);
	/* state 3 (71-150 cm) reaches the 71 cm band: everyone leaves;
	 * state 2 does not */
	assert_int_equal(config_rw_state_severity(c, 3, &s), 0);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, s.kind, s.value),
	                 ALLOC_CLASSES_ALL);
	assert_int_equal(config_rw_state_severity(c, 2, &s), 0);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, s.kind, s.value), 0);
	assert_int_equal(config_rw_state_severity(c, 1, &s), 0);
	assert_int_equal(classes(c, ALLOC_INC_FLOOD, s.kind, s.value), 0);
	assert_int_equal(config_rw_state_severity(c, 0, &s), CONFIG_EVALUE);
	assert_int_equal(config_rw_state_severity(c, 5, &s), CONFIG_EVALUE);
	config_free(c);
}

static int
cap_type(const posko_config *c, const char *cat, const char *event,
         const char *sev, const char *urg, const char *cert)
{
	const struct config_cap_rule *r =
	    config_cap_match(c, cat, event, sev, urg, cert);

	return r ? r->type : -1;
}

static void
test_default_cap_map(void **state)
{
	posko_config *c = config_default();
	const struct config_cap_rule *r;
	struct alloc_severity s;

	/* BMKG/BPBD wording, Indonesian and English, any case */
	assert_int_equal(
	    cap_type(c, "Met", "Banjir", "Severe", "Immediate", "Observed"),
	    ALLOC_INC_FLOOD);
	assert_int_equal(cap_type(c, "Geo", "BANJIR ROB", NULL, NULL, NULL),
	                 ALLOC_INC_FLOOD);
	assert_int_equal(cap_type(c, "Met", "Flash Flood", NULL, NULL, NULL),
	                 ALLOC_INC_FLOOD);
	assert_int_equal(
	    cap_type(c, "Fire", "Kebakaran Permukiman", NULL, NULL, NULL),
	    ALLOC_INC_FIRE);
	assert_int_equal(cap_type(c, "Fire", "Urban fire", NULL, NULL, NULL),
	                 ALLOC_INC_FIRE);
	assert_int_equal(cap_type(c, "Geo", "Gempabumi M5.2", NULL, NULL, NULL),
	                 ALLOC_INC_EARTHQUAKE);
	assert_int_equal(cap_type(c, "Infra", "Rumah roboh", NULL, NULL, NULL),
	                 ALLOC_INC_COLLAPSE);
	assert_int_equal(cap_type(c, "Met", "Hujan Lebat dan Angin Kencang",
	                          NULL, NULL, NULL),
	                 ALLOC_INC_EXTREME_WEATHER);
	assert_int_equal(cap_type(c, "Health", "Wabah", NULL, NULL, NULL),
	                 ALLOC_INC_OTHER);

	/* severity from CAP <severity> */
	r = config_cap_match(c, "Met", "Banjir", "Severe", NULL, NULL);
	assert_non_null(r);
	assert_int_equal(config_cap_severity(r, "Severe", &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_LEVEL);
	assert_int_equal(s.value, ALLOC_LEVEL_SEVERE);
	assert_int_equal(config_cap_severity(r, "Extreme", &s), 0);
	assert_int_equal(s.value, ALLOC_LEVEL_EXTREME);
	assert_int_equal(config_cap_severity(r, "Minor", &s), 0);
	assert_int_equal(s.value, ALLOC_LEVEL_MINOR);
	assert_int_equal(config_cap_severity(r, "Unknown", &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_NONE);
	assert_int_equal(config_cap_severity(r, "Catastrophic", &s),
	                 CONFIG_EVALUE);
	config_free(c);
}

static void
test_custom_cap_map(void **state)
{
	posko_config *c = parse(
	    "[cap]\n"
	    "map.5 = category=Met event=\"Banjir Rob*\" -> type=flood "
	    "severity=siaga:2\n"
	    "map.7 = urgency=Immediate certainty=Observed severity=Extreme "
	    "-> type=fire severity=evacuate\n"
	    "map.8 = event=Genangan -> type=flood severity=depth:30\n"
	    "map.9 = event=Angin? -> type=extreme_weather "
	    "severity=level:moderate\n"
	    "map.10 = event=x* -> type=other severity=unspecified\n"
	    "map.100 =\n");
	const struct config_cap_rule *r;
	struct alloc_severity s;

	/* quoted pattern with a blank; every condition must hold */
	r = config_cap_match(c, "Met", "Banjir Rob Pluit", "Minor", NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->n, 5);
	assert_int_equal(config_cap_severity(r, "Minor", &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_SIAGA);
	assert_int_equal(s.value, 2);
	/* map.10 (banjir -> flood) was replaced: another Met "Banjir" now
	 * falls through to map.90 (category Met) */
	r = config_cap_match(c, "Met", "Banjir Besar", NULL, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->n, 90);
	assert_int_equal(r->type, ALLOC_INC_EXTREME_WEATHER);
	r = config_cap_match(c, "Geo", "xyz", NULL, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->n, 10);
	assert_int_equal(r->type, ALLOC_INC_OTHER);
	assert_int_equal(config_cap_severity(r, "Extreme", &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_NONE);
	/* three conditions */
	r = config_cap_match(c, "Safety", "Ledakan", "Extreme", "Immediate",
	                     "Observed");
	assert_non_null(r);
	assert_int_equal(r->n, 7);
	assert_int_equal(config_cap_severity(r, "Extreme", &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_EVACUATE);
	assert_null(config_cap_match(c, "Safety", "Ledakan", "Extreme",
	                             "Expected", "Observed"));
	/* an absent element only matches rules without that condition */
	assert_null(config_cap_match(c, "Safety", "Ledakan", "Extreme", NULL,
	                             "Observed"));
	r = config_cap_match(c, "Met", "Genangan", NULL, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(config_cap_severity(r, NULL, &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_DEPTH_CM);
	assert_int_equal(s.value, 30);
	r = config_cap_match(c, "Met", "angin1", NULL, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(config_cap_severity(r, "Severe", &s), 0);
	assert_int_equal(s.kind, ALLOC_SEV_LEVEL);
	assert_int_equal(s.value, ALLOC_LEVEL_MODERATE);
	/* the catch-all map.100 was removed: unmatched alerts are refused */
	assert_null(config_cap_match(c, "Health", "Wabah", NULL, NULL, NULL));
	config_free(c);
}

/* Every alloc incident type name is accepted as a map result, and gives
 * that type (the two name tables agree). */
static void
test_type_names_agree(void **state)
{
	for (int t = 0; t < ALLOC_INC_COUNT; t++) {
		char text[128];
		posko_config *c;
		const struct config_cap_rule *r;

		snprintf(text, sizeof(text), "[cap]\nmap.1 = * -> type=%s\n",
		         alloc_incident_type_name(t));
		c = parse(text);
		r = config_cap_match(c, NULL, "anything", NULL, NULL, NULL);
		assert_non_null(r);
		assert_int_equal(r->type, t);
		config_free(c);
	}
}

static void
test_cap_statuses(void **state)
{
	posko_config *d = config_default();
	posko_config *c = parse("[cap]\nno_allocate = test\n");

	assert_int_equal(config_cap_status_allocates(d, "Actual"), 1);
	assert_int_equal(config_cap_status_allocates(d, "Exercise"), 0);
	assert_int_equal(config_cap_status_allocates(d, "System"), 0);
	assert_int_equal(config_cap_status_allocates(d, "Test"), 0);
	assert_int_equal(config_cap_status_allocates(d, "Draft"), 0);
	assert_int_equal(config_cap_status_allocates(d, "Rumour"),
	                 CONFIG_EVALUE);
	assert_int_equal(config_cap_status_allocates(c, "Exercise"), 1);
	assert_int_equal(config_cap_status_allocates(c, "Test"), 0);
	config_free(c);
	config_free(d);
}

static void
test_gates(void **state)
{
	posko_config *c = config_default();
	const struct config_gate_watch *w;

	/* defaults: Manggarai (Ciliwung) and Karet (West Flood Canal) */
	w = config_gate_watch(c, "Pintu Air Manggarai", 3);
	assert_non_null(w);
	assert_int_equal(w->nkelurahan, 2);
	assert_int_equal(w->kelurahan[0], 3175031001u); /* Kampung Melayu */
	assert_int_equal(w->kelurahan[1], 3174011005u); /* Bukit Duri */
	w = config_gate_watch(c, "pintu air manggarai", 1);
	assert_non_null(w);
	assert_int_equal(w->nkelurahan, 11);
	assert_non_null(config_gate_watch(c, "Pintu Air Karet", 2));
	assert_null(config_gate_watch(c, "Pintu Air Karet", 3));
	assert_null(config_gate_watch(c, "Pintu Air Sogo", 1));
	config_free(c);

	c = parse("[gates]\nPintu Air Sogo.siaga2 = 3171081001 31.71.08.1002,"
	          "\n  31.71.08.1001\nPintu Air Manggarai.siaga3 =\n");
	w = config_gate_watch(c, "Pintu Air Sogo", 2);
	assert_non_null(w);
	assert_int_equal(w->siaga, 2);
	assert_int_equal(w->nkelurahan, 2); /* the repeated code once */
	assert_int_equal(w->kelurahan[0], 3171081001u);
	assert_int_equal(w->kelurahan[1], 3171081002u);
	assert_null(config_gate_watch(c, "Pintu Air Manggarai", 3));
	assert_non_null(config_gate_watch(c, "Pintu Air Manggarai", 2));
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_policy),
	    cmocka_unit_test(test_policy_from_file),
	    cmocka_unit_test(test_rw_states),
	    cmocka_unit_test(test_default_cap_map),
	    cmocka_unit_test(test_custom_cap_map),
	    cmocka_unit_test(test_type_names_agree),
	    cmocka_unit_test(test_cap_statuses),
	    cmocka_unit_test(test_gates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
