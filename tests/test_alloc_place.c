/* tests/test_alloc_place.c - the desk's step alloc_plan_place: a transfer
 * moves the whole family and its meals, a walk-in is placed (kits owed
 * once), every refusal leaves the plan as it was, freed places go to the
 * unplaced, and the same steps give the same plan (journal replay). */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/alloc_fixture.h"

#define D0 20000 /* a day number: 2024-10-04 */

/* Shelters 10 (x 1000), 11 (x -1000), 12 (x 9000: out of reach of the
 * families near x 0, the plan never uses it; not accessible), 13
 * (x 0, capacity 3); one depot with plenty of meals and kits; incident 1
 * (fire, everyone evacuates, 5 days from D0) over the given households;
 * shelter 13 is excluded for it when excl13. */
static void
fx_open(struct fx *f, uint32_t cap, const struct alloc_household *hh, size_t n,
        int excl13)
{
	struct alloc_shelter s[4] = {sh_make(10, 1000, 0, cap),
	                             sh_make(11, -1000, 0, cap),
	                             sh_make(12, 9000, 0, 50),
	                             sh_make(13, 0, 0, 3)};
	struct alloc_depot d = {0, 0, 1};
	struct alloc_incident_spec sp;
	uint32_t x13 = 13;

	s[2].accessible = 0;
	alloc_params_default(&f->par);
	alloc_ledger_init(&f->led);
	assert_int_equal(
	    alloc_plan_init(&f->pl, &f->par, s, 4, &d, 1, &f->led, NULL, 0), 0);
	alloc_ledger_receive(&f->led, 1, 1, ALLOC_ITEM_MEAL, 100000,
	                     ALLOC_DAY_NEVER, NULL, NULL, 0);
	for (int it = ALLOC_ITEM_KIT_ADULT; it < ALLOC_ITEM_COUNT; it++)
		alloc_ledger_receive(&f->led, 1, (uint32_t)(1 + it), it, 1000,
		                     ALLOC_DAY_NEVER, NULL, NULL, 0);
	memset(&sp, 0, sizeof(sp));
	sp.id = 1;
	sp.type = ALLOC_INC_FIRE;
	sp.start = D0;
	sp.days = 5;
	assert_int_equal(alloc_plan_open(&f->pl, &sp, hh, n,
	                                 excl13 ? &x13 : NULL, excl13 ? 1 : 0,
	                                 D0, NULL, 0),
	                 0);
}

/* units in PLANNED + CONFIRMED lines of (incident 1, shelter, day, item) */
static int64_t
planned(const struct alloc_plan *pl, uint32_t shelter, alloc_day day, int item)
{
	int64_t q = 0;

	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->incident == 1 && d->shelter == shelter &&
		    d->day == day && d->item == item &&
		    d->state != ALLOC_DISPATCH_RELEASED)
			q += d->qty;
	}
	return q;
}

/* kit units of every kit item in lines to (incident 1, shelter) */
static int64_t
kits_at(const struct alloc_plan *pl, uint32_t shelter)
{
	int64_t q = 0;

	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->incident == 1 && d->shelter == shelter &&
		    d->item != ALLOC_ITEM_MEAL &&
		    d->state != ALLOC_DISPATCH_RELEASED)
			q += d->qty;
	}
	return q;
}

static const struct alloc_evacuee *
ev(const struct alloc_plan *pl, uint32_t household)
{
	long at = alloc_plan_evacuee_find(pl, 1, household);

	assert_true(at >= 0);
	return &pl->evacuees[at];
}

static uint32_t
placed(const struct alloc_plan *pl, uint32_t shelter)
{
	long si = alloc_plan_shelter_find(pl, shelter);

	assert_true(si >= 0);
	return pl->shelters[si].placed;
}

/* The plan's own consistency and the ledger's: reserved == PLANNED. */
static void
check(const struct alloc_plan *pl)
{
	selfcheck(pl);
	for (size_t l = 0; l < pl->ledger->n; l++) {
		int64_t r = 0;

		for (size_t i = 0; i < pl->ndispatches; i++)
			if (pl->dispatches[i].lot_index == l &&
			    pl->dispatches[i].state == ALLOC_DISPATCH_PLANNED)
				r += pl->dispatches[i].qty;
		assert_int_equal(r, pl->ledger->lots[l].reserved);
	}
	for (size_t j = 0; j < pl->nshelters; j++)
		assert_true(pl->shelters[j].placed <=
		            pl->shelters[j].s.capacity);
}

static void
test_transfer_moves_family_and_meals(void **state)
{
	struct alloc_household h[2] = {hh_make(1, 900, 0, 4),
	                               hh_make(2, -900, 0, 2)};
	struct fx f;
	char err[256] = "";
	int64_t kits10;

	(void)state;
	fx_open(&f, 20, h, 2, 0);
	assert_int_equal(ev(&f.pl, 1)->shelter, 10);
	assert_int_equal(planned(&f.pl, 10, D0 + 2, ALLOC_ITEM_MEAL), 12);
	kits10 = kits_at(&f.pl, 10);
	assert_true(kits10 > 0);
	/* on the third day the desk moves family 1 to shelter 11 */
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &h[0], 11, D0 + 2, err, sizeof(err)), 0);
	assert_int_equal(ev(&f.pl, 1)->status, ALLOC_ST_PLACED);
	assert_int_equal(ev(&f.pl, 1)->shelter, 11);
	assert_int_equal(ev(&f.pl, 1)->since, D0 + 2);
	assert_int_equal(ev(&f.pl, 1)->moves, 1);
	assert_int_equal(placed(&f.pl, 10), 0);
	assert_int_equal(placed(&f.pl, 11), 6);
	/* the days before stay where they were; from today the meals follow */
	assert_int_equal(planned(&f.pl, 10, D0 + 1, ALLOC_ITEM_MEAL), 12);
	for (alloc_day d = D0 + 2; d < D0 + 5; d++) {
		assert_int_equal(planned(&f.pl, 10, d, ALLOC_ITEM_MEAL), 0);
		assert_int_equal(planned(&f.pl, 11, d, ALLOC_ITEM_MEAL), 18);
	}
	assert_int_equal(planned(&f.pl, 11, D0 + 5, ALLOC_ITEM_MEAL), 0);
	/* kits were issued once, at the first shelter */
	assert_int_equal(ev(&f.pl, 1)->kit_shelter, 10);
	assert_int_equal(kits_at(&f.pl, 10), kits10);
	check(&f.pl);
	fx_free(&f);
}

static void
test_refusals_change_nothing(void **state)
{
	struct alloc_household h[2] = {hh_make(1, 900, 0, 4),
	                               hh_make(2, -900, 0, 2)};
	struct alloc_household dis = hh_make(1, 900, 0, 4);
	struct fx f;
	char err[256];
	uint32_t rev, fr;
	size_t nd;

	(void)state;
	fx_open(&f, 20, h, 2, 1);
	rev = f.pl.rev;
	nd = f.pl.ndispatches;
	/* unknown incident, unknown shelter */
	assert_int_equal(alloc_plan_place_check(&f.pl, 9, &h[0], 11, NULL),
	                 ALLOC_PLACE_NO_INCIDENT);
	assert_int_equal(
	    alloc_plan_place(&f.pl, 9, &h[0], 11, D0, err, sizeof(err)),
	    ALLOC_ENOENT);
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &h[0], 99, D0, err, sizeof(err)),
	    ALLOC_ENOENT);
	assert_non_null(strstr(err, "no such shelter"));
	/* already there */
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &h[0], 10, D0, err, sizeof(err)),
	    ALLOC_ESTATE);
	assert_non_null(strstr(err, "already"));
	/* excluded for the incident */
	assert_int_equal(alloc_plan_place_check(&f.pl, 1, &h[0], 13, NULL),
	                 ALLOC_PLACE_UNUSABLE);
	/* the incident's record counts, not the one given: a disabled member
	 * only where the incident knows of one */
	dis.disabled = 1;
	assert_int_equal(alloc_plan_place_check(&f.pl, 1, &dis, 12, NULL),
	                 ALLOC_PLACE_OK);
	assert_int_equal(f.pl.rev, rev);
	assert_int_equal(f.pl.ndispatches, nd);
	assert_int_equal(ev(&f.pl, 1)->shelter, 10);
	fx_free(&f);

	/* closed, inaccessible, full */
	h[0].disabled = 1;
	fx_open(&f, 5, h, 2, 0);
	rev = f.pl.rev;
	assert_int_equal(alloc_plan_place_check(&f.pl, 1, &h[0], 12, NULL),
	                 ALLOC_PLACE_INACCESSIBLE);
	/* shelter 11 holds family 2 (2 of 5): 3 free, family 1 has 4 */
	assert_int_equal(alloc_plan_place_check(&f.pl, 1, &h[0], 11, &fr),
	                 ALLOC_PLACE_FULL);
	assert_int_equal(fr, 3);
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &h[0], 11, D0, err, sizeof(err)),
	    ALLOC_ESTATE);
	assert_non_null(strstr(err, "free places"));
	{
		struct alloc_shelter s = sh_make(11, -1000, 0, 50);

		s.open = 0;
		assert_int_equal(
		    alloc_plan_update_shelter(&f.pl, &s, D0, NULL, 0), 0);
		rev = f.pl.rev;
		assert_int_equal(
		    alloc_plan_place_check(&f.pl, 1, &h[0], 11, NULL),
		    ALLOC_PLACE_SHELTER_CLOSED);
	}
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &h[0], 12, D0, err, sizeof(err)),
	    ALLOC_ESTATE);
	assert_int_equal(f.pl.rev, rev);
	/* closed incident */
	assert_int_equal(alloc_plan_close(&f.pl, 1, D0 + 1, NULL, 0), 0);
	assert_int_equal(alloc_plan_place_check(&f.pl, 1, &h[1], 10, NULL),
	                 ALLOC_PLACE_INCIDENT_CLOSED);
	check(&f.pl);
	fx_free(&f);
}

static void
test_walk_in(void **state)
{
	struct alloc_household h[1] = {hh_make(1, 900, 0, 4)};
	/* family 7 lives far outside the footprint and walks in */
	struct alloc_household w = hh_make(7, 40000, 0, 3);
	struct fx f;
	char err[256] = "";

	(void)state;
	fx_open(&f, 20, h, 1, 0);
	assert_int_equal(alloc_plan_evacuee_find(&f.pl, 1, 7), -1);
	w.under5 = 1;
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &w, 10, D0 + 1, err, sizeof(err)), 0);
	assert_int_equal(ev(&f.pl, 7)->status, ALLOC_ST_PLACED);
	assert_int_equal(ev(&f.pl, 7)->evacuate, 1);
	assert_int_equal(ev(&f.pl, 7)->first_day, D0 + 1);
	assert_int_equal(ev(&f.pl, 7)->moves, 0);
	assert_int_equal(placed(&f.pl, 10), 7);
	assert_int_equal(planned(&f.pl, 10, D0, ALLOC_ITEM_MEAL), 12);
	assert_int_equal(planned(&f.pl, 10, D0 + 1, ALLOC_ITEM_MEAL), 21);
	/* its kits: 2 adult, 1 infant, 1 family, on its first day */
	assert_int_equal(planned(&f.pl, 10, D0 + 1, ALLOC_ITEM_KIT_INFANT), 1);
	assert_int_equal(planned(&f.pl, 10, D0 + 1, ALLOC_ITEM_KIT_ADULT), 2);
	/* a household with bad counts is refused when new */
	w.id = 8;
	w.persons = 0;
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &w, 10, D0, err, sizeof(err)),
	    ALLOC_EINVAL);
	assert_int_equal(alloc_plan_evacuee_find(&f.pl, 1, 8), -1);
	/* checked out, then back at the desk: placed again, no new kits */
	assert_int_equal(alloc_plan_checkout(&f.pl, 1, 7, D0 + 2, NULL, 0), 0);
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &h[0], 11, D0 + 3, err, sizeof(err)), 0);
	w.id = 7;
	w.persons = 3;
	assert_int_equal(
	    alloc_plan_place(&f.pl, 1, &w, 11, D0 + 3, err, sizeof(err)), 0);
	assert_int_equal(ev(&f.pl, 7)->shelter, 11);
	assert_int_equal(ev(&f.pl, 7)->kit_shelter, 10);
	assert_int_equal(kits_at(&f.pl, 11), 0);
	assert_int_equal(planned(&f.pl, 11, D0 + 3, ALLOC_ITEM_MEAL), 21);
	assert_int_equal(planned(&f.pl, 10, D0 + 3, ALLOC_ITEM_MEAL), 0);
	check(&f.pl);
	fx_free(&f);
}

static void
test_freed_places_go_to_unplaced(void **state)
{
	/* shelters 10 and 11 hold 4 each: family 3 (4 persons) is unplaced */
	struct alloc_household h[3] = {hh_make(1, 900, 0, 4),
	                               hh_make(2, -900, 0, 4),
	                               hh_make(3, 950, 0, 4)};
	struct fx f;
	char err[256] = "";

	(void)state;
	fx_open(&f, 4, h, 3, 0);
	assert_int_equal(placed(&f.pl, 10) + placed(&f.pl, 11), 8);
	{
		uint32_t un = 0, mover = 0;

		for (uint32_t id = 1; id <= 3; id++)
			if (ev(&f.pl, id)->status == ALLOC_ST_UNPLACED)
				un = id;
			else if (ev(&f.pl, id)->shelter == 10)
				mover = id;
		assert_int_not_equal(un, 0);
		assert_int_not_equal(mover, 0);
		/* the desk places the unplaced family in shelter 12, out of
		 * the plan's reach: the distance limit is the desk's call */
		assert_int_equal(alloc_plan_place(&f.pl, 1, &h[un - 1], 12, D0,
		                                  err, sizeof(err)),
		                 0);
		assert_int_equal(ev(&f.pl, un)->status, ALLOC_ST_PLACED);
		assert_int_equal(placed(&f.pl, 12), 4);
		assert_int_equal(alloc_plan_place(&f.pl, 1, &h[mover - 1], 12,
		                                  D0 + 1, err, sizeof(err)),
		                 0);
		assert_int_equal(placed(&f.pl, 10), 0);
		assert_int_equal(placed(&f.pl, 12), 8);
	}
	check(&f.pl);
	fx_free(&f);

	/* shelter 10 full with family 1, family 3 unplaced (both shelters
	 * full); family 1 moves to 12: its places go to family 3 */
	fx_open(&f, 4, h, 3, 0);
	{
		uint32_t un = 0, in10 = 0;

		for (uint32_t id = 1; id <= 3; id++)
			if (ev(&f.pl, id)->status == ALLOC_ST_UNPLACED)
				un = id;
			else if (ev(&f.pl, id)->shelter == 10)
				in10 = id;
		assert_int_equal(alloc_plan_place(&f.pl, 1, &h[in10 - 1], 12,
		                                  D0 + 1, err, sizeof(err)),
		                 0);
		assert_int_equal(ev(&f.pl, un)->status, ALLOC_ST_PLACED);
		assert_int_equal(ev(&f.pl, un)->shelter, 10);
		assert_int_equal(planned(&f.pl, 10, D0 + 1, ALLOC_ITEM_MEAL),
		                 12);
		assert_int_equal(planned(&f.pl, 12, D0 + 1, ALLOC_ITEM_MEAL),
		                 12);
	}
	check(&f.pl);
	fx_free(&f);
}

/* The journal replays the same steps: the same plan. */
static void
test_same_steps_same_plan(void **state)
{
	struct alloc_household h[3] = {hh_make(1, 900, 0, 4),
	                               hh_make(2, -900, 0, 2),
	                               hh_make(3, 1200, 0, 5)};
	struct alloc_household w = hh_make(9, 2000, 0, 2);
	struct fx a, b;
	struct fx *p[2] = {&a, &b};

	(void)state;
	for (int i = 0; i < 2; i++) {
		fx_open(p[i], 30, h, 3, 0);
		assert_int_equal(
		    alloc_plan_place(&p[i]->pl, 1, &h[0], 11, D0 + 1, NULL, 0),
		    0);
		assert_int_equal(
		    alloc_plan_place(&p[i]->pl, 1, &w, 12, D0 + 2, NULL, 0), 0);
		assert_int_equal(
		    alloc_plan_place(&p[i]->pl, 1, &h[0], 10, D0 + 3, NULL, 0),
		    0);
	}
	assert_int_equal(a.pl.rev, b.pl.rev);
	assert_int_equal(a.pl.nevacuees, b.pl.nevacuees);
	assert_int_equal(a.pl.nstays, b.pl.nstays);
	assert_int_equal(a.pl.ndispatches, b.pl.ndispatches);
	for (size_t i = 0; i < a.pl.ndispatches; i++) {
		assert_int_equal(a.pl.dispatches[i].shelter,
		                 b.pl.dispatches[i].shelter);
		assert_int_equal(a.pl.dispatches[i].qty,
		                 b.pl.dispatches[i].qty);
		assert_int_equal(a.pl.dispatches[i].state,
		                 b.pl.dispatches[i].state);
	}
	assert_int_equal(ev(&a.pl, 1)->moves, 2);
	assert_int_equal(ev(&a.pl, 1)->shelter, 10);
	check(&a.pl);
	fx_free(&a);
	fx_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transfer_moves_family_and_meals),
	    cmocka_unit_test(test_refusals_change_nothing),
	    cmocka_unit_test(test_walk_in),
	    cmocka_unit_test(test_freed_places_go_to_unplaced),
	    cmocka_unit_test(test_same_steps_same_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
