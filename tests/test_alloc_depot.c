/* tests/test_alloc_depot.c - alloc_plan_add_depot: a depot added while an
 * incident runs is planned at once (a meal shortage is filled from its
 * lot), the depots it started with keep their ids, a second add of the
 * same depot is refused with nothing changed, lots the ledger held before
 * the add are offered at the add, and a plan started with the depot
 * decides as one it is added to later. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "tests/alloc_fixture.h"

#define D0 20000 /* a day number: 2024-10-04 */
#define DAYS 3

/* One shelter at (1000, 0); depots 1 (near) and 2 (far) unless ndep 3:
 * then also depot 3 (nearest of all) from the start. */
static void
fx_init(struct fx *f, size_t ndep)
{
	struct alloc_shelter s;
	struct alloc_depot d[3] = {{1500, 0, 1}, {9000, 0, 2}, {1100, 0, 3}};

	memset(&s, 0, sizeof(s));
	s.id = 10;
	s.x = 1000;
	s.capacity = 100;
	s.accessible = 1;
	s.open = 1;
	s.usable = 1;
	alloc_params_default(&f->par);
	alloc_ledger_init(&f->led);
	assert_int_equal(
	    alloc_plan_init(&f->pl, &f->par, &s, 1, d, ndep, &f->led, NULL, 0),
	    0);
}

/* A fire of DAYS days with one family of 4 near the shelter. */
static void
open_fire(struct fx *f)
{
	struct alloc_incident_spec sp;
	struct alloc_household h;

	memset(&sp, 0, sizeof(sp));
	sp.id = 1;
	sp.type = ALLOC_INC_FIRE;
	sp.severity.kind = ALLOC_SEV_NONE;
	sp.start = D0;
	sp.days = DAYS;
	memset(&h, 0, sizeof(h));
	h.id = 7;
	h.x = 900;
	h.persons = 4;
	h.kelurahan = 3171011001u;
	h.flood_class = ALLOC_CLASS_HIGH;
	assert_int_equal(
	    alloc_plan_open(&f->pl, &sp, &h, 1, NULL, 0, D0, NULL, 0), 0);
}

static int64_t
meal_deficit(const struct alloc_plan *pl)
{
	int64_t q = 0;

	for (size_t i = 0; i < pl->nshortages; i++)
		if (pl->shortages[i].item == ALLOC_ITEM_MEAL)
			q += pl->shortages[i].deficit;
	return q;
}

/* meals planned (not released) from one depot */
static int64_t
meals_from(const struct alloc_plan *pl, uint32_t depot)
{
	int64_t q = 0;

	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->item == ALLOC_ITEM_MEAL && d->depot == depot &&
		    d->state != ALLOC_DISPATCH_RELEASED)
			q += d->qty;
	}
	return q;
}

static void
test_added_depot_fills_shortage(void **state)
{
	struct fx f;
	struct alloc_depot d3 = {1100, 0, 3};
	const int64_t need = 3 * 4 * DAYS; /* 3x1 for 4 persons */
	uint32_t rev;

	(void)state;
	fx_init(&f, 2);
	/* the far depot holds a little: most of the meals are short */
	assert_int_equal(alloc_ledger_receive(&f.led, 2, 1, ALLOC_ITEM_MEAL, 10,
	                                      ALLOC_DAY_NEVER, NULL, NULL, 0),
	                 0);
	open_fire(&f);
	assert_int_equal(meals_from(&f.pl, 2), 10);
	assert_int_equal(meal_deficit(&f.pl), need - 10);

	rev = f.pl.rev;
	assert_int_equal(alloc_plan_add_depot(&f.pl, &d3, D0, NULL, 0), 0);
	assert_true(f.pl.rev > rev);
	/* ids stable: the depots it started with are found as before, the
	 * new one by its id; nothing planned moved */
	assert_int_equal(f.pl.ndepots, 3);
	assert_true(alloc_plan_depot_find(&f.pl, 1) >= 0);
	assert_true(alloc_plan_depot_find(&f.pl, 2) >= 0);
	assert_true(alloc_plan_depot_find(&f.pl, 3) >= 0);
	assert_int_equal(f.pl.depots[alloc_plan_depot_find(&f.pl, 3)].x, 1100);
	assert_int_equal(meals_from(&f.pl, 2), 10);
	assert_int_equal(meal_deficit(&f.pl), need - 10);

	/* stock into it fills the open shortage (a lot id new to the ledger,
	 * as the daemon appends lots) */
	assert_int_equal(alloc_plan_receive_stock(&f.pl, 3, 2, ALLOC_ITEM_MEAL,
	                                          500, ALLOC_DAY_NEVER, D0,
	                                          NULL, 0),
	                 0);
	assert_int_equal(meal_deficit(&f.pl), 0);
	assert_int_equal(meals_from(&f.pl, 3), need - 10);
	assert_int_equal(meals_from(&f.pl, 2), 10);
	selfcheck(&f.pl);

	/* the same depot again: refused before anything changes */
	rev = f.pl.rev;
	assert_int_equal(alloc_plan_add_depot(&f.pl, &d3, D0, NULL, 0),
	                 ALLOC_EEXIST);
	assert_int_equal(f.pl.rev, rev);
	assert_int_equal(f.pl.ndepots, 3);
	/* and one that cannot be placed */
	d3.id = 4;
	d3.x = NAN;
	assert_int_equal(alloc_plan_add_depot(&f.pl, &d3, D0, NULL, 0),
	                 ALLOC_EINVAL);
	assert_int_equal(f.pl.ndepots, 3);
	assert_int_equal(f.pl.rev, rev);
	fx_free(&f);
}

/* Stock the ledger held for a depot the plan did not know is planned as
 * soon as the depot is added (the plan had skipped those lots). */
static void
test_held_lots_offered_at_add(void **state)
{
	struct fx f;
	struct alloc_depot d3 = {1100, 0, 3};
	const int64_t need = 3 * 4 * DAYS;

	(void)state;
	fx_init(&f, 2);
	open_fire(&f);
	assert_int_equal(meal_deficit(&f.pl), need);
	/* received for a depot the plan does not know: never planned */
	assert_int_equal(alloc_plan_receive_stock(&f.pl, 3, 1, ALLOC_ITEM_MEAL,
	                                          500, ALLOC_DAY_NEVER, D0,
	                                          NULL, 0),
	                 0);
	assert_int_equal(meal_deficit(&f.pl), need);
	assert_int_equal(alloc_plan_add_depot(&f.pl, &d3, D0, NULL, 0), 0);
	assert_int_equal(meal_deficit(&f.pl), 0);
	assert_int_equal(meals_from(&f.pl, 3), need);
	selfcheck(&f.pl);
	fx_free(&f);
}

/* The replay may meet the depot at the start (the daemon loads every
 * stored depot) or add it where it was imported: the same dispatches. */
static void
test_started_with_equals_added(void **state)
{
	struct fx a, b;
	struct alloc_depot d3 = {1100, 0, 3};

	(void)state;
	fx_init(&a, 3);
	fx_init(&b, 2);
	for (int k = 0; k < 2; k++) {
		struct fx *f = k ? &b : &a;

		assert_int_equal(
		    alloc_ledger_receive(&f->led, 2, 1, ALLOC_ITEM_MEAL, 10,
		                         ALLOC_DAY_NEVER, NULL, NULL, 0),
		    0);
		open_fire(f);
	}
	assert_int_equal(alloc_plan_add_depot(&b.pl, &d3, D0 + 1, NULL, 0), 0);
	for (int k = 0; k < 2; k++)
		assert_int_equal(alloc_plan_receive_stock(
		                     k ? &b.pl : &a.pl, 3, 2, ALLOC_ITEM_MEAL,
		                     20, ALLOC_DAY_NEVER, D0 + 1, NULL, 0),
		                 0);
	assert_int_equal(a.pl.ndispatches, b.pl.ndispatches);
	assert_int_equal(a.pl.nshortages, b.pl.nshortages);
	for (size_t i = 0; i < a.pl.ndispatches; i++) {
		const struct alloc_dispatch *x = &a.pl.dispatches[i],
		                            *y = &b.pl.dispatches[i];

		assert_int_equal(x->depot, y->depot);
		assert_int_equal(x->lot, y->lot);
		assert_int_equal(x->day, y->day);
		assert_int_equal(x->qty, y->qty);
		assert_int_equal(x->state, y->state);
	}
	for (size_t i = 0; i < a.pl.nshortages; i++)
		assert_int_equal(a.pl.shortages[i].deficit,
		                 b.pl.shortages[i].deficit);
	assert_true(meals_from(&b.pl, 3) > 0);
	selfcheck(&b.pl);
	fx_free(&a);
	fx_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_added_depot_fills_shortage),
	    cmocka_unit_test(test_held_lots_offered_at_add),
	    cmocka_unit_test(test_started_with_equals_added),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
