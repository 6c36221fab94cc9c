/* tests/test_alloc_policy.c - evacuation policy: defaults, validation,
 * per-household decisions; item, day and error helpers. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "alloc/alloc.h"

#define HI ALLOC_CLASSBIT(ALLOC_CLASS_HIGH)
#define MED ALLOC_CLASSBIT(ALLOC_CLASS_MEDIUM)

static alloc_classmask
classes(const struct alloc_policy *p, int type, int kind, int value)
{
	struct alloc_severity s = { (uint8_t)kind, value };
	alloc_classmask m = 0xff;

	assert_int_equal(alloc_policy_classes(p, type, &s, &m, NULL, 0), 0);
	return m;
}

static void
test_flood_siaga(void **state)
{
	struct alloc_policy p;

	(void)state;
	alloc_policy_default(&p);
	assert_int_equal(alloc_policy_validate(&p, NULL, 0), 0);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 1),
			 HI | MED);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 2), HI);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 3), 0);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 4), 0);
}

static void
test_flood_depth(void **state)
{
	struct alloc_policy p;

	(void)state;
	alloc_policy_default(&p);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 70),
			 0);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 71),
			 ALLOC_CLASSES_ALL);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 300),
			 ALLOC_CLASSES_ALL);
	/* configured bands */
	p.rule[ALLOC_INC_FLOOD].ndepth = 2;
	p.rule[ALLOC_INC_FLOOD].depth[0].min_cm = 50;
	p.rule[ALLOC_INC_FLOOD].depth[0].classes = HI;
	p.rule[ALLOC_INC_FLOOD].depth[1].min_cm = 150;
	p.rule[ALLOC_INC_FLOOD].depth[1].classes = ALLOC_CLASSES_ALL;
	assert_int_equal(alloc_policy_validate(&p, NULL, 0), 0);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 49),
			 0);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 50),
			 HI);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_DEPTH_CM, 151),
			 ALLOC_CLASSES_ALL);
	p.rule[ALLOC_INC_FLOOD].depth[1].min_cm = 40; /* out of order */
	assert_int_equal(alloc_policy_validate(&p, NULL, 0), ALLOC_EINVAL);
}

static void
test_levels_and_orders(void **state)
{
	struct alloc_policy p;

	(void)state;
	alloc_policy_default(&p);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_LEVEL,
				 ALLOC_LEVEL_MINOR), 0);
	assert_int_equal(classes(&p, ALLOC_INC_FLOOD, ALLOC_SEV_LEVEL,
				 ALLOC_LEVEL_SEVERE), HI | MED);
	/* fire, collapse, evacuation order: everyone in the footprint */
	for (int k = ALLOC_SEV_NONE; k <= ALLOC_SEV_EVACUATE; k++) {
		int v = k == ALLOC_SEV_DEPTH_CM ? 10 : 1;

		assert_int_equal(classes(&p, ALLOC_INC_FIRE, k, v),
				 ALLOC_CLASSES_ALL);
		assert_int_equal(classes(&p, ALLOC_INC_COLLAPSE, k, v),
				 ALLOC_CLASSES_ALL);
	}
	for (int t = 0; t < ALLOC_INC_COUNT; t++)
		assert_int_equal(classes(&p, t, ALLOC_SEV_EVACUATE, 1),
				 ALLOC_CLASSES_ALL);
	assert_int_equal(classes(&p, ALLOC_INC_EARTHQUAKE, ALLOC_SEV_LEVEL,
				 ALLOC_LEVEL_MODERATE), 0);
	assert_int_equal(classes(&p, ALLOC_INC_EARTHQUAKE, ALLOC_SEV_LEVEL,
				 ALLOC_LEVEL_EXTREME), ALLOC_CLASSES_ALL);
}

static void
test_bad_severity(void **state)
{
	struct alloc_policy p;
	struct alloc_severity s = { ALLOC_SEV_SIAGA, 5 };
	alloc_classmask m;
	char err[128] = "";

	(void)state;
	alloc_policy_default(&p);
	assert_int_equal(alloc_policy_classes(&p, ALLOC_INC_FLOOD, &s, &m, err,
					      sizeof(err)), ALLOC_EINVAL);
	assert_non_null(strstr(err, "siaga"));
	s.kind = ALLOC_SEV_DEPTH_CM;
	s.value = -1;
	assert_int_equal(alloc_policy_classes(&p, ALLOC_INC_FLOOD, &s, &m,
					      NULL, 0), ALLOC_EINVAL);
	s.kind = 9;
	assert_int_equal(alloc_policy_classes(&p, ALLOC_INC_FLOOD, &s, &m,
					      NULL, 0), ALLOC_EINVAL);
	s.kind = ALLOC_SEV_NONE;
	assert_int_equal(alloc_policy_classes(&p, ALLOC_INC_COUNT, &s, &m,
					      NULL, 0), ALLOC_EINVAL);
	p.rule[ALLOC_INC_FIRE].order = 0x30;
	assert_int_equal(alloc_policy_validate(&p, NULL, 0), ALLOC_EINVAL);
}

static void
test_decide(void **state)
{
	struct alloc_policy p;
	struct alloc_household hh[4];
	struct alloc_severity s = { ALLOC_SEV_SIAGA, 2 };
	uint8_t ev[4];

	(void)state;
	alloc_policy_default(&p);
	memset(hh, 0, sizeof(hh));
	for (int i = 0; i < 4; i++) {
		hh[i].id = (uint32_t)i + 1;
		hh[i].persons = 3;
		hh[i].flood_class = (uint8_t)i; /* none, low, medium, high */
		hh[i].fire_class = (uint8_t)(3 - i);
	}
	assert_int_equal(alloc_policy_decide(&p, ALLOC_INC_FLOOD, &s, hh, 4,
					     ev, NULL, 0), 0);
	assert_int_equal(ev[0] + ev[1] + ev[2], 0);
	assert_int_equal(ev[3], 1);
	s.value = 1;
	alloc_policy_decide(&p, ALLOC_INC_FLOOD, &s, hh, 4, ev, NULL, 0);
	assert_int_equal(ev[0] + ev[1], 0);
	assert_int_equal(ev[2] + ev[3], 2);
	/* a fire evacuates everyone, whatever the flood class */
	s.kind = ALLOC_SEV_NONE;
	alloc_policy_decide(&p, ALLOC_INC_FIRE, &s, hh, 4, ev, NULL, 0);
	assert_int_equal(ev[0] + ev[1] + ev[2] + ev[3], 4);
	/* a policy that tests fire classes */
	p.rule[ALLOC_INC_FIRE].unspecified = HI;
	alloc_policy_decide(&p, ALLOC_INC_FIRE, &s, hh, 4, ev, NULL, 0);
	assert_int_equal(ev[0], 1); /* fire_class 3 */
	assert_int_equal(ev[1] + ev[2] + ev[3], 0);
	assert_int_equal(alloc_policy_hazard(&p, ALLOC_INC_FLOOD),
			 ALLOC_HAZARD_FLOOD);
	assert_int_equal(alloc_policy_hazard(&p, ALLOC_INC_FIRE),
			 ALLOC_HAZARD_FIRE);
}

static void
test_names_and_days(void **state)
{
	alloc_day d;
	int y, m, dd;
	char buf[ALLOC_DAY_BUFLEN];

	(void)state;
	for (int t = 0; t < ALLOC_INC_COUNT; t++)
		assert_int_equal(alloc_incident_type_parse(
					 alloc_incident_type_name(t)), t);
	assert_int_equal(alloc_incident_type_parse("tsunami"), ALLOC_EINVAL);
	for (int i = 0; i < ALLOC_ITEM_COUNT; i++)
		assert_int_equal(alloc_item_parse(alloc_item_name(i)), i);
	assert_int_equal(alloc_item_parse("rice"), ALLOC_EINVAL);
	assert_int_equal(alloc_level_parse("severe"), ALLOC_LEVEL_SEVERE);
	assert_int_equal(alloc_day_from_ymd(1970, 1, 1), 0);
	assert_int_equal(alloc_day_parse("2007-02-02", &d), 0);
	assert_int_equal(d, alloc_day_from_ymd(2007, 2, 2));
	alloc_day_to_ymd(d, &y, &m, &dd);
	assert_true(y == 2007 && m == 2 && dd == 2);
	assert_string_equal(alloc_day_format(d + 27, buf), "2007-03-01");
	assert_int_equal(alloc_day_parse("2023-02-29", &d), ALLOC_EINVAL);
	assert_int_equal(alloc_day_parse("2024-02-29", &d), 0);
	assert_int_equal(alloc_day_parse("2024-2-29", &d), ALLOC_EINVAL);
	assert_string_equal(alloc_strerror(ALLOC_ESTOCK), "not enough stock");
	/* Sphere 3.5 m2 per person */
	assert_int_equal(alloc_capacity_from_floor(350.0), 100);
	assert_int_equal(alloc_capacity_from_floor(10.0), 2);
	assert_int_equal(alloc_capacity_from_floor(-1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_siaga),
		cmocka_unit_test(test_flood_depth),
		cmocka_unit_test(test_levels_and_orders),
		cmocka_unit_test(test_bad_severity),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_names_and_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
