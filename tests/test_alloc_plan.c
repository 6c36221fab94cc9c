/* tests/test_alloc_plan.c - the living plan: meals 3x1 and kits from depot
 * lots (FEFO, expiry, split, shortages), the ledger, changes over time,
 * SPM counts, and invariants on seeded random instances. */
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

static struct alloc_incident_spec
spec(uint32_t id, int type, int kind, int value, uint32_t days)
{
	struct alloc_incident_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.id = id;
	sp.type = (uint8_t)type;
	sp.severity.kind = (uint8_t)kind;
	sp.severity.value = value;
	sp.start = D0;
	sp.days = days;
	return sp;
}

/* meals planned (PLANNED + CONFIRMED) for (incident, shelter, day) */
static int64_t
planned(const struct alloc_plan *pl, uint32_t inc, uint32_t shelter,
	alloc_day day, int item)
{
	int64_t q = 0;

	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->incident == inc && d->shelter == shelter &&
		    d->day == day && d->item == item &&
		    d->state != ALLOC_DISPATCH_RELEASED)
			q += d->qty;
	}
	return q;
}

static int64_t
short_of(const struct alloc_plan *pl, uint32_t inc, uint32_t shelter,
	 alloc_day day, int item)
{
	for (size_t i = 0; i < pl->nshortages; i++) {
		const struct alloc_shortage *s = &pl->shortages[i];

		if (s->incident == inc && s->shelter == shelter &&
		    s->day == day && s->item == item)
			return s->deficit;
	}
	return 0;
}

/* Ledger reserved == sum of PLANNED lines, per lot; nothing negative. */
static void
check_ledger(const struct alloc_plan *pl)
{
	for (size_t l = 0; l < pl->ledger->n; l++) {
		const struct alloc_lot *t = &pl->ledger->lots[l];
		int64_t r = 0;

		assert_true(t->qty >= 0);
		assert_true(t->reserved >= 0 && t->reserved <= t->qty);
		for (size_t i = 0; i < pl->ndispatches; i++) {
			const struct alloc_dispatch *d = &pl->dispatches[i];

			if (d->lot_index == l &&
			    d->state == ALLOC_DISPATCH_PLANNED)
				r += d->qty;
			/* never from a lot expired on its day */
			if (d->lot_index == l &&
			    d->state != ALLOC_DISPATCH_RELEASED)
				assert_true(t->expires >= d->day);
		}
		assert_int_equal(r, t->reserved);
	}
}

static void
test_ledger(void **state)
{
	struct alloc_ledger l;
	size_t i;
	struct alloc_expiring *ex;
	size_t nex;

	(void)state;
	alloc_ledger_init(&l);
	assert_int_equal(alloc_ledger_receive(&l, 1, 7, ALLOC_ITEM_MEAL, 100,
					      D0 + 3, &i, NULL, 0), 0);
	assert_int_equal(alloc_ledger_receive(&l, 1, 7, ALLOC_ITEM_MEAL, 50,
					      D0 + 3, NULL, NULL, 0), 0);
	assert_int_equal(l.lots[i].qty, 150);
	assert_int_equal(alloc_ledger_receive(&l, 1, 7, ALLOC_ITEM_MEAL, 5,
					      D0 + 4, NULL, NULL, 0),
			 ALLOC_EINVAL);
	assert_int_equal(alloc_ledger_receive(&l, 1, 8, ALLOC_ITEM_MEAL, 0,
					      D0, NULL, NULL, 0), ALLOC_EINVAL);
	assert_int_equal(alloc_ledger_reserve(&l, i, 120), 0);
	assert_int_equal(alloc_ledger_reserve(&l, i, 31), ALLOC_ESTOCK);
	assert_int_equal(alloc_ledger_confirm(&l, i, 100), 0);
	assert_int_equal(l.lots[i].qty, 50);
	assert_int_equal(l.lots[i].reserved, 20);
	assert_int_equal(alloc_ledger_confirm(&l, i, 21), ALLOC_ESTOCK);
	assert_int_equal(alloc_ledger_release(&l, i, 21), ALLOC_ESTOCK);
	assert_int_equal(alloc_ledger_release(&l, i, 20), 0);
	assert_int_equal(alloc_ledger_release(&l, 9, 1), ALLOC_ENOENT);
	assert_int_equal(alloc_ledger_available(&l, ALLOC_NONE,
						ALLOC_ITEM_MEAL, D0 + 3), 50);
	/* usable through the expiry day, not after */
	assert_int_equal(alloc_ledger_available(&l, 1, ALLOC_ITEM_MEAL,
						D0 + 4), 0);
	alloc_ledger_receive(&l, 2, 1, ALLOC_ITEM_KIT_FAMILY, 10, D0 + 30,
			     NULL, NULL, 0);
	alloc_ledger_receive(&l, 2, 2, ALLOC_ITEM_KIT_ADULT, 10,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	assert_int_equal(alloc_ledger_expiring(&l, D0, 7, &ex, &nex, NULL, 0),
			 0);
	assert_int_equal(nex, 1);
	assert_int_equal(ex[0].lot, 7);
	assert_int_equal(ex[0].unused, 50);
	free(ex);
	assert_int_equal(alloc_ledger_expiring(&l, D0, 30, &ex, &nex, NULL, 0),
			 0);
	assert_int_equal(nex, 2);
	assert_true(ex[0].expires <= ex[1].expires);
	free(ex);
	alloc_ledger_free(&l);
}

static void
test_kits_rule(void **state)
{
	struct alloc_supply_params p;
	struct alloc_household h = hh_make(1, 0, 0, 5);
	int64_t k[ALLOC_ITEM_COUNT];

	(void)state;
	alloc_supply_params_default(&p);
	h.under5 = 2;
	alloc_supply_kits(&p, &h, k);
	assert_int_equal(k[ALLOC_ITEM_KIT_INFANT], 2);
	assert_int_equal(k[ALLOC_ITEM_KIT_ADULT], 3);
	assert_int_equal(k[ALLOC_ITEM_KIT_FAMILY], 1);
	assert_int_equal(k[ALLOC_ITEM_KIT_CHILD] + k[ALLOC_ITEM_MEAL], 0);
	p.kit_under5 = ALLOC_ITEM_KIT_CHILD;
	p.family_kits = 0;
	alloc_supply_kits(&p, &h, k);
	assert_int_equal(k[ALLOC_ITEM_KIT_CHILD], 2);
	assert_int_equal(k[ALLOC_ITEM_KIT_FAMILY], 0);
	p.kit_other = ALLOC_ITEM_MEAL;
	assert_int_equal(alloc_supply_params_validate(&p, NULL, 0),
			 ALLOC_EINVAL);
}

/* Two shelters, two depots (near: 1, far: 2). */
static void
fx_init(struct fx *f, uint32_t cap)
{
	struct alloc_shelter s[2] = { sh_make(10, 1000, 0, cap),
				      sh_make(11, -1000, 0, cap) };
	struct alloc_depot d[2] = { { 1500, 0, 1 }, { 9000, 0, 2 } };

	alloc_params_default(&f->par);
	alloc_ledger_init(&f->led);
	assert_int_equal(alloc_plan_init(&f->pl, &f->par, s, 2, d, 2, &f->led,
					 NULL, 0), 0);
}

static void
test_meals_3x1(void **state)
{
	struct fx f;
	struct alloc_household h[3] = { hh_make(1, 900, 0, 4),
					hh_make(2, 1100, 0, 2),
					hh_make(3, -900, 0, 5) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 5);

	(void)state;
	fx_init(&f, 100);
	alloc_ledger_receive(&f.led, 1, 1, ALLOC_ITEM_MEAL, 10000,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	assert_int_equal(alloc_plan_open(&f.pl, &sp, h, 3, NULL, 0, D0, NULL,
					 0), 0);
	for (alloc_day d = D0; d < D0 + 5; d++) {
		assert_int_equal(planned(&f.pl, 1, 10, d, ALLOC_ITEM_MEAL),
				 3 * 6);
		assert_int_equal(planned(&f.pl, 1, 11, d, ALLOC_ITEM_MEAL),
				 3 * 5);
	}
	assert_int_equal(planned(&f.pl, 1, 10, D0 + 5, ALLOC_ITEM_MEAL), 0);
	/* no kits in stock: only kit shortages, one per shelter and item */
	for (size_t i = 0; i < f.pl.nshortages; i++)
		assert_int_not_equal(f.pl.shortages[i].item, ALLOC_ITEM_MEAL);
	assert_int_equal(short_of(&f.pl, 1, 10, D0, ALLOC_ITEM_KIT_ADULT), 6);
	/* 11 persons x 5 days x 3 = 165 reserved */
	assert_int_equal(f.led.lots[0].reserved, 165);
	check_ledger(&f.pl);
	fx_free(&f);
}

static void
test_shortage_split_fefo(void **state)
{
	struct fx f;
	struct alloc_household h[1] = { hh_make(1, 900, 0, 10) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 3);

	(void)state;
	fx_init(&f, 100);
	/* near depot: lot 5 expires day 1, lot 6 never; far depot: 20 */
	alloc_ledger_receive(&f.led, 1, 6, ALLOC_ITEM_MEAL, 25,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	alloc_ledger_receive(&f.led, 1, 5, ALLOC_ITEM_MEAL, 40, D0 + 1, NULL,
			     NULL, 0);
	alloc_ledger_receive(&f.led, 2, 1, ALLOC_ITEM_MEAL, 20,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	assert_int_equal(alloc_plan_open(&f.pl, &sp, h, 1, NULL, 0, D0, NULL,
					 0), 0);
	/* need 30 a day, 90 in all; 85 exist */
	for (size_t i = 0; i < f.pl.ndispatches; i++) {
		const struct alloc_dispatch *d = &f.pl.dispatches[i];

		if (d->day == D0) /* FEFO: the expiring lot first */
			assert_int_equal(d->lot, 5);
		if (d->day == D0 + 2) /* lot 5 expired: never planned */
			assert_int_not_equal(d->lot, 5);
	}
	assert_int_equal(planned(&f.pl, 1, 10, D0, ALLOC_ITEM_MEAL), 30);
	assert_int_equal(planned(&f.pl, 1, 10, D0 + 1, ALLOC_ITEM_MEAL), 30);
	/* day 2: lot 6 (25 left after... ) and the far depot; 5 short */
	assert_int_equal(planned(&f.pl, 1, 10, D0 + 2, ALLOC_ITEM_MEAL) +
				 short_of(&f.pl, 1, 10, D0 + 2,
					  ALLOC_ITEM_MEAL),
			 30);
	assert_int_equal(short_of(&f.pl, 1, 10, D0 + 2, ALLOC_ITEM_MEAL), 5);
	/* kits: none in stock -> shortages, not silence */
	assert_int_equal(short_of(&f.pl, 1, 10, D0, ALLOC_ITEM_KIT_ADULT), 10);
	assert_int_equal(short_of(&f.pl, 1, 10, D0, ALLOC_ITEM_KIT_FAMILY), 1);
	check_ledger(&f.pl);
	/* stock arrives: the meal shortage is filled (day 2 is still ahead) */
	assert_int_equal(alloc_plan_receive_stock(&f.pl, 2, 9, ALLOC_ITEM_MEAL,
						  100, ALLOC_DAY_NEVER, D0,
						  NULL, 0), 0);
	assert_int_equal(short_of(&f.pl, 1, 10, D0 + 2, ALLOC_ITEM_MEAL), 0);
	assert_int_equal(planned(&f.pl, 1, 10, D0 + 2, ALLOC_ITEM_MEAL), 30);
	check_ledger(&f.pl);
	fx_free(&f);
}

static void
test_nearest_depot_first(void **state)
{
	struct fx f;
	struct alloc_household h[1] = { hh_make(1, 900, 0, 2) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 2);

	(void)state;
	fx_init(&f, 100);
	alloc_ledger_receive(&f.led, 2, 1, ALLOC_ITEM_MEAL, 100,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	alloc_ledger_receive(&f.led, 1, 1, ALLOC_ITEM_MEAL, 100,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	alloc_plan_open(&f.pl, &sp, h, 1, NULL, 0, D0, NULL, 0);
	for (size_t i = 0; i < f.pl.ndispatches; i++)
		if (f.pl.dispatches[i].item == ALLOC_ITEM_MEAL)
			assert_int_equal(f.pl.dispatches[i].depot, 1);
	fx_free(&f);
}

static void
test_oldest_day_first(void **state)
{
	struct fx f;
	struct alloc_household h[1] = { hh_make(1, 900, 0, 2) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 4);

	(void)state;
	fx_init(&f, 100);
	alloc_plan_open(&f.pl, &sp, h, 1, NULL, 0, D0, NULL, 0);
	assert_int_equal(short_of(&f.pl, 1, 10, D0 + 3, ALLOC_ITEM_MEAL), 6);
	/* 9 meals arrive: day 0 (6) then 3 of day 1 */
	alloc_plan_receive_stock(&f.pl, 1, 1, ALLOC_ITEM_MEAL, 9,
				 ALLOC_DAY_NEVER, D0, NULL, 0);
	assert_int_equal(short_of(&f.pl, 1, 10, D0, ALLOC_ITEM_MEAL), 0);
	assert_int_equal(short_of(&f.pl, 1, 10, D0 + 1, ALLOC_ITEM_MEAL), 3);
	assert_int_equal(short_of(&f.pl, 1, 10, D0 + 2, ALLOC_ITEM_MEAL), 6);
	check_ledger(&f.pl);
	fx_free(&f);
}

static void
test_checkout_and_close(void **state)
{
	struct fx f;
	struct alloc_household h[2] = { hh_make(1, 900, 0, 4),
					hh_make(2, 950, 0, 1) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 7);
	uint32_t rev;

	(void)state;
	fx_init(&f, 100);
	alloc_ledger_receive(&f.led, 1, 1, ALLOC_ITEM_MEAL, 1000,
			     ALLOC_DAY_NEVER, NULL, NULL, 0);
	alloc_plan_open(&f.pl, &sp, h, 2, NULL, 0, D0, NULL, 0);
	assert_int_equal(f.led.lots[0].reserved, 5 * 3 * 7);
	/* day 0 delivered */
	for (size_t i = 0; i < f.pl.ndispatches; i++)
		if (f.pl.dispatches[i].day == D0 &&
		    f.pl.dispatches[i].item == ALLOC_ITEM_MEAL)
			assert_int_equal(alloc_plan_confirm(&f.pl, i, NULL, 0),
					 0);
	assert_int_equal(f.led.lots[0].qty, 1000 - 15);
	rev = f.pl.rev;
	/* family 1 leaves on day 2: its meals from day 2 on are released */
	assert_int_equal(alloc_plan_checkout(&f.pl, 1, 1, D0 + 2, NULL, 0), 0);
	assert_true(f.pl.rev > rev);
	assert_int_equal(planned(&f.pl, 1, 10, D0 + 1, ALLOC_ITEM_MEAL), 15);
	assert_int_equal(planned(&f.pl, 1, 10, D0 + 2, ALLOC_ITEM_MEAL), 3);
	assert_int_equal(alloc_plan_shelter_free(&f.pl, (size_t)
			 alloc_plan_shelter_find(&f.pl, 10)), 99);
	assert_int_equal(alloc_plan_checkout(&f.pl, 1, 1, D0 + 2, NULL, 0),
			 ALLOC_ESTATE);
	assert_int_equal(alloc_plan_checkout(&f.pl, 1, 99, D0 + 2, NULL, 0),
			 ALLOC_ENOENT);
	check_ledger(&f.pl);
	/* the incident closes on day 3: every reservation goes back */
	assert_int_equal(alloc_plan_close(&f.pl, 1, D0 + 3, NULL, 0), 0);
	assert_int_equal(f.led.lots[0].reserved, 0);
	assert_int_equal(f.led.lots[0].qty, 1000 - 15);
	assert_int_equal(alloc_plan_close(&f.pl, 1, D0 + 3, NULL, 0),
			 ALLOC_ESTATE);
	assert_int_equal(alloc_plan_shelter_free(&f.pl, 0), 100);
	check_ledger(&f.pl);
	fx_free(&f);
}

/* The plan walks its open incidents only (alloc_plan_open_incidents): ids
 * opened out of order are listed in order, a close takes the id out, and
 * families left unplaced by open incidents get the places a close frees. */
static void
test_open_incidents(void **state)
{
	struct fx f;
	struct alloc_household big[2] = { hh_make(1, 900, 0, 4),
					  hh_make(2, -900, 0, 4) };
	struct alloc_household a = hh_make(3, 900, 0, 3),
			       b = hh_make(4, -900, 0, 2);
	struct alloc_incident_spec s3 = spec(3, ALLOC_INC_FIRE,
					     ALLOC_SEV_NONE, 0, 7),
				   s1 = spec(1, ALLOC_INC_FIRE,
					     ALLOC_SEV_NONE, 0, 7),
				   s2 = spec(2, ALLOC_INC_FIRE,
					     ALLOC_SEV_NONE, 0, 7),
				   s7 = spec(7, ALLOC_INC_FIRE,
					     ALLOC_SEV_NONE, 0, 7);
	const uint32_t *ids;
	char err[200];

	(void)state;
	fx_init(&f, 4);
	assert_int_equal(alloc_plan_open_incidents(&f.pl, &ids), 0);
	assert_int_equal(alloc_plan_open(&f.pl, &s3, big, 2, NULL, 0, D0,
					 NULL, 0), 0);
	assert_int_equal(alloc_plan_open(&f.pl, &s1, &a, 1, NULL, 0, D0, NULL,
					 0), 0);
	assert_int_equal(alloc_plan_open(&f.pl, &s2, &b, 1, NULL, 0, D0, NULL,
					 0), 0);
	assert_int_equal(alloc_plan_open_incidents(&f.pl, &ids), 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 3);
	for (uint32_t id = 1; id <= 3; id++)
		assert_int_equal(f.pl.incidents[alloc_plan_incident_find(
				 &f.pl, id)].id, id);
	/* both shelters are full: incidents 1 and 2 wait */
	assert_int_equal(f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 1, 3)]
			 .status, ALLOC_ST_UNPLACED);
	assert_int_equal(f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 2, 4)]
			 .status, ALLOC_ST_UNPLACED);
	assert_int_equal(alloc_plan_close(&f.pl, 3, D0 + 1, NULL, 0), 0);
	assert_int_equal(alloc_plan_open_incidents(&f.pl, &ids), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 1, 3)]
			 .status, ALLOC_ST_PLACED);
	assert_int_equal(f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 2, 4)]
			 .status, ALLOC_ST_PLACED);
	assert_int_equal(alloc_plan_open(&f.pl, &s7, big, 1, NULL, 0, D0 + 1,
					 NULL, 0), 0);
	assert_int_equal(alloc_plan_close(&f.pl, 1, D0 + 2, NULL, 0), 0);
	assert_int_equal(alloc_plan_open_incidents(&f.pl, &ids), 2);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 7);
	assert_int_equal(f.pl.nincidents, 4);
	assert_int_equal(alloc_plan_selfcheck(&f.pl, err, sizeof(err)), 0);
	fx_free(&f);
}

static void
test_shelter_closes_vulnerable_first(void **state)
{
	struct fx f;
	struct alloc_household h[2] = { hh_make(1, 900, 0, 3),
					hh_make(2, 900, 0, 3) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 7);
	struct alloc_shelter s;
	long a, b;

	(void)state;
	fx_init(&f, 100);
	h[1].elderly = 1;
	alloc_plan_open(&f.pl, &sp, h, 2, NULL, 0, D0, NULL, 0);
	a = alloc_plan_evacuee_find(&f.pl, 1, 1);
	b = alloc_plan_evacuee_find(&f.pl, 1, 2);
	assert_int_equal(f.pl.evacuees[a].shelter, 10);
	assert_int_equal(f.pl.evacuees[b].shelter, 10);
	/* shelter 11 shrinks to 3 places, then 10 closes: the vulnerable
	 * family gets the only place */
	s = f.pl.shelters[alloc_plan_shelter_find(&f.pl, 11)].s;
	s.capacity = 3;
	assert_int_equal(alloc_plan_update_shelter(&f.pl, &s, D0, NULL, 0), 0);
	s = f.pl.shelters[alloc_plan_shelter_find(&f.pl, 10)].s;
	s.open = 0;
	assert_int_equal(alloc_plan_update_shelter(&f.pl, &s, D0 + 1, NULL, 0),
			 0);
	assert_int_equal(f.pl.evacuees[b].status, ALLOC_ST_PLACED);
	assert_int_equal(f.pl.evacuees[b].shelter, 11);
	assert_int_equal(f.pl.evacuees[b].moves, 1);
	assert_int_equal(f.pl.evacuees[a].status, ALLOC_ST_UNPLACED);
	assert_int_equal(f.pl.evacuees[a].reason, ALLOC_ALL_FULL);
	assert_int_equal(f.pl.evacuees[a].rev, f.pl.rev);
	/* the old stay ended on day 1; kits stay where first issued */
	assert_int_equal(f.pl.stays[0].day_out, D0 + 1);
	assert_int_equal(f.pl.evacuees[b].kit_shelter, 10);
	/* 10 reopens: the unplaced family comes back */
	s.open = 1;
	assert_int_equal(alloc_plan_update_shelter(&f.pl, &s, D0 + 2, NULL, 0),
			 0);
	assert_int_equal(f.pl.evacuees[a].status, ALLOC_ST_PLACED);
	assert_int_equal(f.pl.evacuees[a].shelter, 10);
	check_ledger(&f.pl);
	fx_free(&f);
}

static void
test_more_households_and_severity(void **state)
{
	struct fx f;
	struct alloc_household h[3] = { hh_make(1, 900, 0, 3),
					hh_make(2, 900, 0, 2),
					hh_make(3, -900, 0, 4) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 2, 7);
	struct alloc_severity sev = { ALLOC_SEV_SIAGA, 1 };
	long a;
	uint32_t sh1;

	(void)state;
	fx_init(&f, 100);
	h[1].flood_class = ALLOC_CLASS_MEDIUM;
	assert_int_equal(alloc_plan_open(&f.pl, &sp, h, 2, NULL, 0, D0, NULL,
					 0), 0);
	a = alloc_plan_evacuee_find(&f.pl, 1, 2);
	/* Siaga 2: medium zone affected only, still counted */
	assert_int_equal(f.pl.evacuees[a].status, ALLOC_ST_AFFECTED);
	sh1 = f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 1, 1)].shelter;
	/* more households: only the new one is placed, 1 stays put */
	assert_int_equal(alloc_plan_add_households(&f.pl, 1, h, 3, D0 + 1,
						   NULL, 0), 0);
	assert_int_equal(f.pl.nevacuees, 3);
	assert_int_equal(
		f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 1, 1)].shelter,
		sh1);
	assert_int_equal(
		f.pl.evacuees[alloc_plan_evacuee_find(&f.pl, 1, 3)].since,
		D0 + 1);
	/* Siaga 1: the medium zone leaves too */
	assert_int_equal(alloc_plan_set_severity(&f.pl, 1, &sev, D0 + 2, NULL,
						 0), 0);
	assert_int_equal(f.pl.evacuees[a].status, ALLOC_ST_PLACED);
	assert_int_equal(f.pl.evacuees[a].first_day, D0 + 2);
	assert_int_equal(alloc_plan_open(&f.pl, &sp, h, 1, NULL, 0, D0, NULL,
					 0), ALLOC_EEXIST);
	fx_free(&f);
}

static void
test_excluded_shelter(void **state)
{
	struct fx f;
	struct alloc_household h[1] = { hh_make(1, 900, 0, 3) };
	struct alloc_incident_spec sp =
		spec(1, ALLOC_INC_FIRE, ALLOC_SEV_NONE, 0, 7);
	uint32_t bad = 10;

	(void)state;
	fx_init(&f, 100);
	alloc_plan_open(&f.pl, &sp, h, 1, &bad, 1, D0, NULL, 0);
	assert_int_equal(f.pl.evacuees[0].shelter, 11);
	bad = 11;
	assert_int_equal(alloc_plan_exclude_shelters(&f.pl, 1, &bad, 1, D0 + 1,
						     NULL, 0), 0);
	assert_int_equal(f.pl.evacuees[0].status, ALLOC_ST_UNPLACED);
	assert_int_equal(f.pl.evacuees[0].reason, ALLOC_NONE_IN_REACH);
	fx_free(&f);
}

/* ---- random instances -------------------------------------------------- */

static uint64_t rs;

static double
unit(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (double)((rs * 2685821657736338717ull) >> 11) /
	       9007199254740992.0;
}

static void
build(struct fx *f, uint64_t seed, size_t n, struct alloc_household *h,
      int shuffle)
{
	struct alloc_shelter s[15];
	struct alloc_depot d[4];

	rs = seed;
	for (size_t i = 0; i < n; i++) {
		h[i] = hh_make((uint32_t)(i * 3 + 5), unit() * 8000,
			       unit() * 8000, (uint16_t)(1 + unit() * 6));
		h[i].under5 = unit() < 0.3;
		h[i].disabled = unit() < 0.1;
		h[i].kelurahan = 3171011001u + (uint32_t)(i % 3);
		h[i].flood_class = (uint8_t)(unit() * 4);
	}
	for (size_t j = 0; j < 15; j++) {
		s[j] = sh_make((uint32_t)(j + 100), unit() * 8000,
			       unit() * 8000, (uint32_t)(20 + unit() * 120));
		s[j].accessible = unit() < 0.6;
	}
	for (size_t k = 0; k < 4; k++) {
		d[k].id = (uint32_t)k + 1;
		d[k].x = unit() * 8000;
		d[k].y = unit() * 8000;
	}
	alloc_params_default(&f->par);
	alloc_ledger_init(&f->led);
	for (uint32_t k = 1; k <= 4; k++) {
		alloc_ledger_receive(&f->led, k, 1, ALLOC_ITEM_MEAL,
				     (int64_t)(unit() * 3000),
				     D0 + (alloc_day)(unit() * 6), NULL, NULL,
				     0);
		alloc_ledger_receive(&f->led, k, 2, ALLOC_ITEM_MEAL,
				     (int64_t)(unit() * 3000) + 1,
				     ALLOC_DAY_NEVER, NULL, NULL, 0);
		for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
			alloc_ledger_receive(&f->led, k, 3, it,
					     (int64_t)(unit() * 200) + 1,
					     D0 + 60, NULL, NULL, 0);
	}
	if (shuffle) {
		for (size_t i = n - 1; i > 0; i--) {
			size_t k = (size_t)(unit() * (double)(i + 1)) % (i + 1);
			struct alloc_household t = h[i];

			h[i] = h[k];
			h[k] = t;
		}
		for (size_t j = 14; j > 0; j--) {
			size_t k = (size_t)(unit() * (double)(j + 1)) % (j + 1);
			struct alloc_shelter t = s[j];

			s[j] = s[k];
			s[k] = t;
		}
	}
	assert_int_equal(alloc_plan_init(&f->pl, &f->par, s, 15, d, 4,
					 &f->led, NULL, 0), 0);
}

static void
check_plan(const struct alloc_plan *pl)
{
	uint64_t *placed = calloc(pl->nshelters, sizeof(*placed));

	check_ledger(pl);
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		const struct alloc_plan_shelter *s;
		long si;

		if (e->evacuate && e->status != ALLOC_ST_LEFT)
			assert_true(e->status == ALLOC_ST_PLACED ||
				    (e->status == ALLOC_ST_UNPLACED &&
				     e->reason != ALLOC_PLACED));
		if (e->status != ALLOC_ST_PLACED)
			continue;
		si = alloc_plan_shelter_find(pl, e->shelter);
		s = &pl->shelters[si];
		placed[si] += e->hh.persons;
		assert_true(e->distance_m <= pl->params.assign.max_distance_m);
		if (e->hh.disabled)
			assert_true(s->s.accessible);
		assert_int_equal(pl->stays[e->stay].shelter, e->shelter);
	}
	for (size_t j = 0; j < pl->nshelters; j++) {
		assert_int_equal(placed[j], pl->shelters[j].placed);
		assert_true(placed[j] == 0 ||
			    placed[j] + pl->shelters[j].s.occupancy <=
				    pl->shelters[j].s.capacity);
	}
	free(placed);
}

/* meals: planned + short == 3 x persons present, per shelter and day */
static void
check_meals(const struct alloc_plan *pl, uint32_t inc, alloc_day from)
{
	const struct alloc_incident *in =
		&pl->incidents[alloc_plan_incident_find(pl, inc)];

	for (size_t j = 0; j < pl->nshelters; j++)
		for (alloc_day d = from; d < in->start + (alloc_day)in->days;
		     d++) {
			int64_t need = 0;

			for (size_t t = 0; t < pl->nstays; t++) {
				const struct alloc_stay *st = &pl->stays[t];

				if (st->incident == inc &&
				    st->shelter == pl->shelters[j].s.id &&
				    st->day_in <= d && d < st->day_out)
					need += 3 * (int64_t)st->persons;
			}
			assert_int_equal(
				planned(pl, inc, pl->shelters[j].s.id, d,
					ALLOC_ITEM_MEAL) +
					short_of(pl, inc, pl->shelters[j].s.id,
						 d, ALLOC_ITEM_MEAL),
				need);
		}
}

static void
test_random_invariants(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		struct fx f, g;
		size_t n = 60 + (size_t)seed * 15;
		struct alloc_household *h = malloc(n * sizeof(*h)),
				       *h2 = malloc(n * sizeof(*h));
		struct alloc_incident_spec sp =
			spec(7, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 1, 5);
		struct alloc_shelter s;

		build(&f, seed * 7919, n, h, 0);
		build(&g, seed * 7919, n, h2, 1);
		assert_int_equal(alloc_plan_open(&f.pl, &sp, h, n, NULL, 0, D0,
						 NULL, 0), 0);
		assert_int_equal(alloc_plan_open(&g.pl, &sp, h2, n, NULL, 0,
						 D0, NULL, 0), 0);
		check_plan(&f.pl);
		check_meals(&f.pl, 7, D0);
		/* same decisions for the shuffled input */
		for (size_t i = 0; i < f.pl.nevacuees; i++) {
			const struct alloc_evacuee *e = &f.pl.evacuees[i];
			long k = alloc_plan_evacuee_find(&g.pl, 7, e->hh.id);

			assert_true(k >= 0);
			assert_int_equal(g.pl.evacuees[k].status, e->status);
			assert_int_equal(g.pl.evacuees[k].shelter, e->shelter);
		}
		assert_int_equal(f.pl.ndispatches, g.pl.ndispatches);
		for (size_t i = 0; i < f.pl.ndispatches; i++) {
			assert_int_equal(f.pl.dispatches[i].qty,
					 g.pl.dispatches[i].qty);
			assert_int_equal(f.pl.dispatches[i].lot,
					 g.pl.dispatches[i].lot);
		}
		/* changes over time keep the invariants */
		s = f.pl.shelters[seed % 15].s;
		s.open = 0;
		assert_int_equal(alloc_plan_update_shelter(&f.pl, &s, D0 + 1,
							   NULL, 0), 0);
		check_plan(&f.pl);
		check_meals(&f.pl, 7, D0 + 1);
		s = f.pl.shelters[(seed + 3) % 15].s;
		s.capacity /= 2;
		alloc_plan_update_shelter(&f.pl, &s, D0 + 2, NULL, 0);
		check_plan(&f.pl);
		check_meals(&f.pl, 7, D0 + 2);
		for (size_t i = 0; i < f.pl.nevacuees; i += 5)
			if (f.pl.evacuees[i].status == ALLOC_ST_PLACED)
				alloc_plan_checkout(&f.pl, 7,
						    f.pl.evacuees[i].hh.id,
						    D0 + 3, NULL, 0);
		alloc_plan_receive_stock(&f.pl, 1, 9, ALLOC_ITEM_MEAL, 500,
					 ALLOC_DAY_NEVER, D0 + 3, NULL, 0);
		check_plan(&f.pl);
		check_meals(&f.pl, 7, D0 + 3);
		alloc_plan_close(&f.pl, 7, D0 + 4, NULL, 0);
		check_plan(&f.pl);
		for (size_t l = 0; l < f.led.n; l++)
			assert_int_equal(f.led.lots[l].reserved, 0);
		fx_free(&f);
		fx_free(&g);
		free(h);
		free(h2);
	}
}

static void
sum_rows(const struct alloc_report_row *r, size_t n, struct alloc_counts *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		s->households_affected += r[i].c.households_affected;
		s->persons_placed += r[i].c.persons_placed;
		s->persons_fed += r[i].c.persons_fed;
		s->person_days += r[i].c.person_days;
		s->meals_due += r[i].c.meals_due;
		s->meals_planned += r[i].c.meals_planned;
		s->meals_short += r[i].c.meals_short;
		s->kits_due[ALLOC_ITEM_KIT_ADULT] +=
			r[i].c.kits_due[ALLOC_ITEM_KIT_ADULT];
	}
}

static void
test_report_adds_up(void **state)
{
	struct fx f;
	size_t n = 150;
	struct alloc_household *h = malloc(n * sizeof(*h));
	struct alloc_incident_spec sp =
		spec(3, ALLOC_INC_FLOOD, ALLOC_SEV_SIAGA, 1, 7);
	struct alloc_report r;
	struct alloc_counts s;
	struct alloc_shelter sh;

	(void)state;
	build(&f, 4242, n, h, 0);
	alloc_plan_open(&f.pl, &sp, h, n, NULL, 0, D0, NULL, 0);
	sh = f.pl.shelters[2].s;
	sh.open = 0; /* some families move: unique counts stay unique */
	alloc_plan_update_shelter(&f.pl, &sh, D0 + 2, NULL, 0);
	for (size_t i = 0; i < f.pl.ndispatches; i++)
		if (f.pl.dispatches[i].day == D0 &&
		    f.pl.dispatches[i].state == ALLOC_DISPATCH_PLANNED)
			alloc_plan_confirm(&f.pl, i, NULL, 0);
	assert_int_equal(alloc_report_incident(&f.pl, 3, INT32_MIN,
					       ALLOC_DAY_NEVER - 1, &r, NULL,
					       0), 0);
	assert_int_equal(r.total.households_affected, n);
	assert_true(r.total.persons_evacuating >= r.total.persons_placed);
	assert_int_equal(r.total.meals_due, 3 * r.total.person_days);
	assert_int_equal(r.total.meals_planned + r.total.meals_short,
			 r.total.meals_due);
	assert_true(r.total.meals_delivered > 0);
	assert_true(r.total.persons_fed <= r.total.persons_placed);
	sum_rows(r.shelters, r.nshelters, &s);
	assert_int_equal(s.persons_placed, r.total.persons_placed);
	assert_int_equal(s.persons_fed, r.total.persons_fed);
	assert_int_equal(s.person_days, r.total.person_days);
	assert_int_equal(s.meals_planned, r.total.meals_planned);
	assert_int_equal(s.meals_short, r.total.meals_short);
	assert_int_equal(s.kits_due[ALLOC_ITEM_KIT_ADULT],
			 r.total.kits_due[ALLOC_ITEM_KIT_ADULT]);
	sum_rows(r.kelurahan, r.nkelurahan, &s);
	assert_int_equal(s.households_affected, r.total.households_affected);
	assert_int_equal(s.persons_fed, r.total.persons_fed);
	assert_int_equal(s.person_days, r.total.person_days);
	assert_int_equal(s.meals_due, r.total.meals_due);
	assert_int_equal(r.nkelurahan, 3);
	alloc_report_free(&r);
	/* one day: person-days of that day only */
	assert_int_equal(alloc_report_incident(&f.pl, 3, D0, D0, &r, NULL, 0),
			 0);
	assert_true(r.total.person_days <= r.total.persons_fed);
	alloc_report_free(&r);
	assert_int_equal(alloc_report_incident(&f.pl, 99, D0, D0, &r, NULL, 0),
			 ALLOC_ENOENT);
	fx_free(&f);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger),
		cmocka_unit_test(test_kits_rule),
		cmocka_unit_test(test_meals_3x1),
		cmocka_unit_test(test_shortage_split_fefo),
		cmocka_unit_test(test_nearest_depot_first),
		cmocka_unit_test(test_oldest_day_first),
		cmocka_unit_test(test_checkout_and_close),
		cmocka_unit_test(test_open_incidents),
		cmocka_unit_test(test_shelter_closes_vulnerable_first),
		cmocka_unit_test(test_more_households_and_severity),
		cmocka_unit_test(test_excluded_shelter),
		cmocka_unit_test(test_random_invariants),
		cmocka_unit_test(test_report_adds_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
