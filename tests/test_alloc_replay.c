/* tests/test_alloc_replay.c - a long seeded sequence of plan steps (every
 * kind of step, shortages and refills, a day going back now and then, the
 * ledger lowered by the caller before a replan) gives exactly the plan the
 * straightforward implementation gave: every field of every record, the
 * ledger and each step's return code are hashed after every step and the
 * chained hash is compared with the one recorded from the plan.c that
 * recomputed everything on every step (before the incremental rework).
 * Invariants are checked after each step as well. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "alloc/alloc.h"
#include "alloc/internal.h"

#define D0 20000

/* Chained hashes recorded from the full-recompute plan.c (git 06a5f3d),
 * one per seed of test_replay_matches_reference. */
static const uint64_t reference[] = {
	0xead952730046edc4ull,
	0x9fb46696562d64f2ull,
	0x59acd7eea5d764abull,
};

struct rng {
	uint64_t s;
};

static uint32_t
rnd(struct rng *r, uint32_t below)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((r->s >> 33) % below);
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

#define H(x)                                                                   \
	do {                                                                   \
		__typeof__(x) v_ = (x);                                        \
		h = fnv(h, &v_, sizeof(v_));                                   \
	} while (0)

/* Is a dispatch line one alloc_plan_compact removes? */
static int
compactable(const struct alloc_plan *pl, const struct alloc_dispatch *d)
{
	long k = alloc_plan_incident_find(pl, d->incident);

	return d->state == ALLOC_DISPATCH_RELEASED && k >= 0 &&
	       !pl->incidents[k].open;
}

/* live: leave out what alloc_plan_compact removes (released lines and
 * unusable lists of closed incidents), and hash the ids of the other lines
 * (a plan compacted and one never compacted hash alike) */
static uint64_t
plan_hash_of(const struct alloc_plan *pl, uint64_t h, int live)
{
	H(pl->rev);
	H(pl->nincidents);
	for (size_t i = 0; i < pl->nincidents; i++) {
		const struct alloc_incident *x = &pl->incidents[i];

		H(x->id);
		H(x->open);
		H(x->severity.kind);
		H(x->severity.value);
		H(x->start);
		H(x->days);
		H(x->closed);
		/* compaction empties a closed incident's unusable list */
		if (!live || x->open) {
			H(x->nunusable);
			for (size_t k = 0; k < x->nunusable; k++)
				H(x->unusable[k]);
		}
		H(x->rev);
	}
	H(pl->nshelters);
	for (size_t i = 0; i < pl->nshelters; i++) {
		const struct alloc_plan_shelter *x = &pl->shelters[i];

		H(x->s.id);
		H(x->s.capacity);
		H(x->s.open);
		H(x->placed);
		H(x->rev);
	}
	H(pl->nevacuees);
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *x = &pl->evacuees[i];

		H(x->hh.id);
		H(x->incident);
		H(x->evacuate);
		H(x->status);
		H(x->reason);
		H(x->moves);
		H(x->shelter);
		H(x->distance_m);
		H(x->since);
		H(x->first_day);
		H(x->stay);
		H(x->kit_shelter);
		H(x->rev);
	}
	H(pl->nstays);
	for (size_t i = 0; i < pl->nstays; i++) {
		const struct alloc_stay *x = &pl->stays[i];

		H(x->incident);
		H(x->household);
		H(x->shelter);
		H(x->persons);
		H(x->day_in);
		H(x->day_out);
		H(x->rev);
	}
	if (!live)
		H(pl->ndispatches);
	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *x = &pl->dispatches[i];

		if (live) {
			if (compactable(pl, x))
				continue;
			H(x->id);
		}
		H(x->incident);
		H(x->shelter);
		H(x->depot);
		H(x->lot);
		H(x->lot_index);
		H(x->day);
		H(x->expires);
		H(x->item);
		H(x->state);
		H(x->qty);
		H(x->distance_m);
		H(x->rev);
	}
	H(pl->nshortages);
	for (size_t i = 0; i < pl->nshortages; i++) {
		const struct alloc_shortage *x = &pl->shortages[i];

		H(x->incident);
		H(x->shelter);
		H(x->day);
		H(x->item);
		H(x->deficit);
		H(x->peak);
		H(x->rev);
	}
	H(pl->ledger->n);
	for (size_t i = 0; i < pl->ledger->n; i++) {
		H(pl->ledger->lots[i].qty);
		H(pl->ledger->lots[i].reserved);
	}
	return h;
}

static uint64_t
plan_hash(const struct alloc_plan *pl, uint64_t h)
{
	return plan_hash_of(pl, h, 0);
}

/* The invariants of alloc/plan.h that hold after any step. */
static void
check(const struct alloc_plan *pl)
{
	uint64_t *placed = calloc(pl->nshelters + 1, sizeof(*placed));
	int64_t *res = calloc(pl->ledger->n + 1, sizeof(*res));

	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		long si;

		if (e->evacuate && e->status != ALLOC_ST_LEFT)
			assert_true(e->status == ALLOC_ST_PLACED ||
				    (e->status == ALLOC_ST_UNPLACED &&
				     e->reason != ALLOC_PLACED));
		if (e->status != ALLOC_ST_PLACED)
			continue;
		si = alloc_plan_shelter_find(pl, e->shelter);
		assert_true(si >= 0);
		placed[si] += e->hh.persons;
		assert_true(e->distance_m <= pl->params.assign.max_distance_m);
		assert_int_equal(pl->stays[e->stay].shelter, e->shelter);
		assert_int_equal(pl->stays[e->stay].day_out, ALLOC_DAY_NEVER);
	}
	for (size_t j = 0; j < pl->nshelters; j++) {
		assert_int_equal(placed[j], pl->shelters[j].placed);
		assert_true(placed[j] == 0 ||
			    placed[j] + pl->shelters[j].s.occupancy <=
				    pl->shelters[j].s.capacity);
	}
	for (size_t d = 0; d < pl->ndispatches; d++) {
		const struct alloc_dispatch *x = &pl->dispatches[d];

		assert_true(x->qty >= 0);
		assert_true(x->expires >= x->day);
		if (x->state == ALLOC_DISPATCH_PLANNED)
			res[x->lot_index] += x->qty;
	}
	for (size_t l = 0; l < pl->ledger->n; l++) {
		assert_true(pl->ledger->lots[l].qty >= 0);
		assert_true(pl->ledger->lots[l].reserved <=
			    pl->ledger->lots[l].qty);
		assert_int_equal(res[l], pl->ledger->lots[l].reserved);
	}
	free(placed);
	free(res);
}

struct world {
	struct alloc_household *pool;
	size_t npool;
	struct alloc_shelter *sh;
	size_t nsh;
	struct alloc_depot dep[5];
};

static void
world_make(struct world *w, struct rng *r)
{
	w->npool = 900;
	w->pool = calloc(w->npool, sizeof(*w->pool));
	for (size_t i = 0; i < w->npool; i++) {
		struct alloc_household *h = &w->pool[i];

		h->id = (uint32_t)(i * 13 + 5);
		h->x = rnd(r, 12000);
		h->y = rnd(r, 12000);
		h->persons = (uint16_t)(1 + rnd(r, 7));
		h->elderly = rnd(r, 10) < 3;
		h->under5 = rnd(r, 10) < 2;
		h->disabled = rnd(r, 20) == 0;
		h->pregnant = rnd(r, 20) == 0;
		h->kelurahan = 3171011001u + (uint32_t)rnd(r, 5);
		h->flood_class = (uint8_t)rnd(r, 4);
		h->fire_class = (uint8_t)rnd(r, 4);
	}
	w->nsh = 30;
	w->sh = calloc(w->nsh, sizeof(*w->sh));
	for (size_t j = 0; j < w->nsh; j++) {
		struct alloc_shelter *s = &w->sh[j];

		s->id = (uint32_t)(j * 7 + 2);
		s->x = rnd(r, 12000);
		s->y = rnd(r, 12000);
		s->capacity = 15 + rnd(r, 70);
		s->occupancy = rnd(r, 4) == 0 ? rnd(r, 10) : 0;
		s->accessible = rnd(r, 10) < 8;
		s->open = 1;
		s->usable = 1;
	}
	for (uint32_t d = 0; d < 5; d++) {
		w->dep[d].id = d * 11 + 3;
		w->dep[d].x = rnd(r, 12000);
		w->dep[d].y = rnd(r, 12000);
	}
}

static void
world_free(struct world *w)
{
	free(w->pool);
	free(w->sh);
}

/* An open incident's id, or 0 when none. */
static uint32_t
some_open(const struct alloc_plan *pl, struct rng *r)
{
	size_t k;

	if (pl->nincidents == 0)
		return 0;
	k = rnd(r, (uint32_t)pl->nincidents);
	for (size_t t = 0; t < pl->nincidents; t++) {
		const struct alloc_incident *x =
			&pl->incidents[(k + t) % pl->nincidents];

		if (x->open || rnd(r, 8) == 0)
			return x->id;
	}
	return pl->incidents[k].id;
}

/* nids: dispatch ids handed out so far (a confirm draws one of them) */
/* test_forget_changes_nothing: the plan requests are drawn from */
static const struct alloc_plan *step_ref;

static int
step(struct alloc_plan *pl, struct world *w, struct rng *r, alloc_day today,
     size_t nids)
{
	uint32_t op = rnd(r, 100), inc;
	struct alloc_household hh[40];
	uint32_t ids[4];
	size_t n;

	if (op < 20) { /* open */
		struct alloc_incident_spec sp;

		memset(&sp, 0, sizeof(sp));
		sp.id = 1 + rnd(r, 400);
		sp.type = rnd(r, 3) == 0 ? ALLOC_INC_FIRE : ALLOC_INC_FLOOD;
		if (rnd(r, 4) == 0) {
			sp.severity.kind = ALLOC_SEV_EVACUATE;
			sp.severity.value = 1;
		} else {
			sp.severity.kind = ALLOC_SEV_SIAGA;
			sp.severity.value = 1 + (int32_t)rnd(r, 4);
		}
		sp.start = today - (alloc_day)rnd(r, 2);
		sp.days = rnd(r, 3) == 0 ? 0 : 2 + rnd(r, 9);
		n = 1 + rnd(r, rnd(r, 5) == 0 ? 40 : 8);
		for (size_t i = 0; i < n; i++)
			hh[i] = w->pool[rnd(r, (uint32_t)w->npool)];
		/* a household given twice is an error: keep the first */
		for (size_t i = 1; i < n; i++)
			for (size_t k = 0; k < i; k++)
				if (hh[k].id == hh[i].id) {
					hh[i] = hh[--n];
					i--;
					break;
				}
		for (size_t k = 0, nu = rnd(r, 3); k < nu; k++)
			ids[k] = w->sh[rnd(r, (uint32_t)w->nsh)].id;
		return alloc_plan_open(pl, &sp, hh, n, ids, rnd(r, 3), today,
				       NULL, 0);
	}
	if (op < 32) { /* add households */
		inc = some_open(pl, r);
		n = 1 + rnd(r, 10);
		for (size_t i = 0; i < n; i++)
			hh[i] = w->pool[rnd(r, (uint32_t)w->npool)];
		for (size_t i = 1; i < n; i++)
			for (size_t k = 0; k < i; k++)
				if (hh[k].id == hh[i].id) {
					hh[i] = hh[--n];
					i--;
					break;
				}
		return alloc_plan_add_households(pl, inc, hh, n, today, NULL,
						 0);
	}
	if (op < 38) { /* severity */
		struct alloc_severity sev = { ALLOC_SEV_SIAGA,
					      1 + (int32_t)rnd(r, 4) };

		return alloc_plan_set_severity(pl, some_open(pl, r), &sev,
					       today, NULL, 0);
	}
	if (op < 44) /* days */
		return alloc_plan_set_days(pl, some_open(pl, r),
					   1 + rnd(r, 12), today, NULL, 0);
	if (op < 48) { /* exclude */
		ids[0] = w->sh[rnd(r, (uint32_t)w->nsh)].id;
		ids[1] = w->sh[rnd(r, (uint32_t)w->nsh)].id;
		return alloc_plan_exclude_shelters(pl, some_open(pl, r), ids,
						   1 + rnd(r, 2), today, NULL,
						   0);
	}
	if (op < 55) { /* shelter changes */
		struct alloc_shelter s;
		uint32_t what = rnd(r, 8);

		if (what == 0 || pl->nshelters == 0) {
			memset(&s, 0, sizeof(s));
			s.id = 1000 + rnd(r, 50);
			s.x = rnd(r, 12000);
			s.y = rnd(r, 12000);
			s.capacity = 10 + rnd(r, 60);
			s.accessible = rnd(r, 2);
			s.open = 1;
			s.usable = 1;
		} else {
			s = pl->shelters[rnd(r, (uint32_t)pl->nshelters)].s;
			if (what == 1)
				s.open = !s.open;
			else if (what == 2)
				s.capacity = s.capacity / 2;
			else if (what == 3)
				s.capacity += 20 + rnd(r, 40);
			else if (what == 4)
				s.accessible = !s.accessible;
			else if (what == 5)
				s.usable = !s.usable;
			else if (what == 6) {
				s.x += (double)rnd(r, 4000) - 2000;
				s.y += (double)rnd(r, 4000) - 2000;
			} else
				s.occupancy = rnd(r, 8);
		}
		return alloc_plan_update_shelter(pl, &s, today, NULL, 0);
	}
	if (op < 67) { /* check-out */
		const struct alloc_evacuee *e;

		/* drawn from the reference plan when one is set, so that a
		 * plan that forgot closed incidents gets the same request */
		const struct alloc_plan *src = step_ref ? step_ref : pl;

		if (src->nevacuees == 0)
			return -100;
		e = &src->evacuees[rnd(r, (uint32_t)src->nevacuees)];
		return alloc_plan_checkout(pl, e->incident, e->hh.id, today,
					   NULL, 0);
	}
	if (op < 75) { /* stock arrives */
		uint32_t it = rnd(r, 3) == 0 ? 1 + rnd(r, ALLOC_ITEM_COUNT - 1)
					    : ALLOC_ITEM_MEAL;

		return alloc_plan_receive_stock(
			pl, w->dep[rnd(r, 5)].id, 100 + rnd(r, 6), (int)it,
			1 + rnd(r, it == ALLOC_ITEM_MEAL ? 900 : 60),
			rnd(r, 4) == 0 ? ALLOC_DAY_NEVER
				       : D0 + 40 + (alloc_day)rnd(r, 4) * 7,
			today, NULL, 0);
	}
	if (op < 85) { /* confirm */
		long at;

		if (nids == 0)
			return -100;
		at = alloc_plan_dispatch_find(pl, 1 + rnd(r, (uint32_t)nids));
		/* compacted away: released, and confirm refuses those */
		return at < 0 ? ALLOC_ESTATE
			      : alloc_plan_confirm(pl, (size_t)at, NULL, 0);
	}
	if (op < 88) /* replan */
		return alloc_plan_replan(pl, today, NULL, 0);
	if (op < 90) { /* the caller lowers a lot, then re-plans */
		struct alloc_lot *l;

		if (pl->ledger->n == 0)
			return -100;
		l = &pl->ledger->lots[rnd(r, (uint32_t)pl->ledger->n)];
		l->qty -= (l->qty - l->reserved) / 2;
		return alloc_plan_replan(pl, today, NULL, 0);
	}
	return alloc_plan_close(pl, some_open(pl, r), today, NULL, 0);
}

static uint64_t
replay(uint64_t seed, size_t nsteps, int verbose)
{
	struct rng r = { seed * 0x9e3779b97f4a7c15ull + 1 };
	struct world w;
	struct alloc_params par;
	struct alloc_ledger led;
	struct alloc_plan pl;
	alloc_day today = D0;
	uint64_t h = 1469598103934665603ull;

	world_make(&w, &r);
	alloc_params_default(&par);
	if (seed % 3 == 1)
		par.supply.max_depot_distance_m = 7000;
	alloc_ledger_init(&led);
	for (uint32_t d = 0; d < 5; d++) {
		for (uint32_t lot = 0; lot < 3; lot++)
			assert_int_equal(
				alloc_ledger_receive(
					&led, w.dep[d].id, lot, ALLOC_ITEM_MEAL,
					300 + rnd(&r, 900),
					D0 + 3 + (alloc_day)rnd(&r, 20), NULL,
					NULL, 0),
				0);
		for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
			assert_int_equal(alloc_ledger_receive(
						 &led, w.dep[d].id, 9, it,
						 20 + rnd(&r, 60),
						 ALLOC_DAY_NEVER, NULL, NULL,
						 0),
					 0);
	}
	assert_int_equal(alloc_plan_init(&pl, &par, w.sh, w.nsh, w.dep, 5,
					 &led, NULL, 0),
			 0);
	for (size_t t = 0; t < nsteps; t++) {
		int rc;
		uint32_t dd = rnd(&r, 100);

		if (dd < 12)
			today++;
		else if (dd < 14)
			today--;
		rc = step(&pl, &w, &r, today, pl.ndispatches);
		h = fnv(h, &rc, sizeof(rc));
		h = plan_hash(&pl, h);
		check(&pl);
#ifndef REPLAY_NO_SELFCHECK /* to build against another plan.c */
		{
			char err[200] = "";
			int sc = alloc_plan_selfcheck(&pl, err, sizeof(err));

			if (sc != 0)
				fail_msg("seed %llu step %zu: %s",
					 (unsigned long long)seed, t, err);
		}
#endif
		if (verbose > 1)
			printf("step %zu rc %d hash %016llx\n", t, rc,
			       (unsigned long long)h);
	}
	if (verbose)
		printf("seed %llu: %zu incidents %zu evacuees %zu stays %zu "
		       "dispatches %zu shortages, hash 0x%016llxull\n",
		       (unsigned long long)seed, pl.nincidents, pl.nevacuees,
		       pl.nstays, pl.ndispatches, pl.nshortages,
		       (unsigned long long)h);
	alloc_plan_free(&pl);
	alloc_ledger_free(&led);
	world_free(&w);
	return h;
}

static void
test_replay_matches_reference(void **state)
{
	const char *v = getenv("REPLAY_VERBOSE");

	const char *ns = getenv("REPLAY_SEEDS"); /* more, printed only */
	uint64_t nref = sizeof(reference) / sizeof(reference[0]),
		 n = ns ? strtoull(ns, NULL, 10) : nref;

	(void)state;
	for (uint64_t s = 0; s < n || s < nref; s++) {
		uint64_t h = replay(s + 1, 700, v ? atoi(v) : 0);

		if (s < nref)
			assert_true(h == reference[s]);
	}
}

/* Two plans over the same world and stock, for the twin tests. */
static void
twins_init(const struct world *w, struct alloc_params *par,
	   struct alloc_ledger *la, struct alloc_ledger *lb,
	   struct alloc_plan *a, struct alloc_plan *b)
{
	alloc_params_default(par);
	alloc_ledger_init(la);
	alloc_ledger_init(lb);
	for (uint32_t d = 0; d < 5; d++)
		for (int it = 0; it < ALLOC_ITEM_COUNT; it++) {
			int64_t q = it == ALLOC_ITEM_MEAL ? 900 : 60;

			assert_int_equal(alloc_ledger_receive(
						 la, w->dep[d].id, (uint32_t)it,
						 it, q, ALLOC_DAY_NEVER, NULL,
						 NULL, 0),
					 0);
			assert_int_equal(alloc_ledger_receive(
						 lb, w->dep[d].id, (uint32_t)it,
						 it, q, ALLOC_DAY_NEVER, NULL,
						 NULL, 0),
					 0);
		}
	assert_int_equal(alloc_plan_init(a, par, w->sh, w->nsh, w->dep, 5, la,
					 NULL, 0),
			 0);
	assert_int_equal(alloc_plan_init(b, par, w->sh, w->nsh, w->dep, 5, lb,
					 NULL, 0),
			 0);
}

static int
open_incident(const struct alloc_plan *pl, uint32_t id)
{
	long k = alloc_plan_incident_find(pl, id);

	return k >= 0 && pl->incidents[k].open;
}

static uint64_t
stay_hash(const struct alloc_plan *pl, uint32_t i, uint64_t h)
{
	const struct alloc_stay *x = &pl->stays[i];

	H(x->incident);
	H(x->household);
	H(x->shelter);
	H(x->persons);
	H(x->day_in);
	H(x->day_out);
	H(x->rev);
	return h;
}

/* What a plan that forgot its closed incidents still holds: everything
 * of plan_hash_of's live view, but evacuees (by id) and stays of open
 * incidents only, an evacuee's stay by its content (indexes move). */
static uint64_t
open_hash_of(const struct alloc_plan *pl, uint64_t h)
{
	struct alloc_plan v = *pl;

	/* incidents, shelters, dispatches, shortages as the live view */
	v.nevacuees = 0;
	v.nstays = 0;
	h = plan_hash_of(&v, h, 1);
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *x = &pl->evacuees[i];

		if (!open_incident(pl, x->incident))
			continue;
		H(x->id);
		H(x->hh.id);
		H(x->incident);
		H(x->evacuate);
		H(x->status);
		H(x->reason);
		H(x->moves);
		H(x->shelter);
		H(x->distance_m);
		H(x->since);
		H(x->first_day);
		if (x->stay != UINT32_MAX)
			h = stay_hash(pl, x->stay, h);
		H(x->kit_shelter);
		H(x->rev);
	}
	for (size_t i = 0; i < pl->nstays; i++)
		if (open_incident(pl, pl->stays[i].incident))
			h = stay_hash(pl, (uint32_t)i, h);
	return h;
}

/*
 * alloc_plan_forget_closed changes nothing a step decides either: a plan
 * compacted and made to forget its closed incidents after every step
 * keeps every record of its open incidents equal to one that never did,
 * returns the same codes, gives the same SPM counts for open incidents,
 * passes the self-check, and holds no evacuee or stay of a closed
 * incident; evacuee ids are found where they are and the map says where
 * each record went.
 */
static void
test_forget_changes_nothing(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct rng ra = { seed * 0x9e3779b97f4a7c15ull + 11 }, rb = ra;
		struct world w;
		struct alloc_params par;
		struct alloc_ledger la, lb;
		struct alloc_plan a, b;
		alloc_day today = D0;
		size_t forgot = 0;

		world_make(&w, &ra);
		rb = ra;
		twins_init(&w, &par, &la, &lb, &a, &b);
		for (size_t t = 0; t < 500; t++) {
			uint32_t dd = rnd(&ra, 100), *map = NULL;
			size_t removed = 0, nold = b.nevacuees, nopen = 0;
			uint32_t *oldid = malloc((nold ? nold : 1) *
						 sizeof(*oldid));
			char err[200] = "";

			assert_int_equal(rnd(&rb, 100), dd);
			if (dd < 12)
				today++;
			else if (dd < 14)
				today--;
			/* b first: both draw from a as it was before */
			step_ref = &a;
			size_t nd = a.ndispatches;
			int rcb = step(&b, &w, &rb, today, nd);
			int rca = step(&a, &w, &ra, today, nd);
			step_ref = NULL;
			assert_int_equal(rca, rcb);
			alloc_plan_changes_clear(&a);
			alloc_plan_changes_clear(&b);
			if (alloc_plan_compact(&b, NULL, err, sizeof(err)))
				fail_msg("seed %llu step %zu: %s",
					 (unsigned long long)seed, t, err);
			nold = b.nevacuees;
			oldid = realloc(oldid, (nold ? nold : 1) *
						       sizeof(*oldid));
			for (size_t i = 0; i < nold; i++)
				oldid[i] = b.evacuees[i].id;
			if (alloc_plan_forget_closed(&b, &removed, &map, err,
						     sizeof(err)))
				fail_msg("seed %llu step %zu: %s",
					 (unsigned long long)seed, t, err);
			forgot += removed;
			/* the map: where each record went, or gone */
			for (size_t i = 0; i < nold; i++)
				if (map[i] != UINT32_MAX)
					assert_int_equal(b.evacuees[map[i]].id,
							 oldid[i]);
			free(map);
			free(oldid);
			assert_true(open_hash_of(&a, 1) == open_hash_of(&b, 1));
			for (size_t i = 0; i < b.nevacuees; i++) {
				assert_true(open_incident(&b,
						  b.evacuees[i].incident));
				assert_int_equal(alloc_plan_evacuee_by_id(
							 &b, b.evacuees[i].id),
						 (long)i);
			}
			for (size_t i = 0; i < a.nevacuees; i++)
				nopen += open_incident(&a,
						       a.evacuees[i].incident);
			assert_int_equal(b.nevacuees, nopen);
			if (alloc_plan_selfcheck(&b, err, sizeof(err)))
				fail_msg("seed %llu step %zu: %s",
					 (unsigned long long)seed, t, err);
			for (size_t k = 0; k < a.nincidents; k++) {
				struct alloc_report ra_, rb_;

				if (!a.incidents[k].open)
					continue;
				assert_int_equal(
					alloc_report_incident(
						&a, a.incidents[k].id, INT32_MIN,
						ALLOC_DAY_NEVER - 1, &ra_, NULL, 0),
					0);
				assert_int_equal(
					alloc_report_incident(
						&b, b.incidents[k].id, INT32_MIN,
						ALLOC_DAY_NEVER - 1, &rb_, NULL, 0),
					0);
				assert_memory_equal(&ra_.total, &rb_.total,
						    sizeof(ra_.total));
				alloc_report_free(&ra_);
				alloc_report_free(&rb_);
			}
		}
		/* the test means something only if records were forgotten */
		assert_true(forgot > 0);
		alloc_plan_free(&a);
		alloc_plan_free(&b);
		alloc_ledger_free(&la);
		alloc_ledger_free(&lb);
		world_free(&w);
	}
}

/*
 * alloc_plan_compact changes nothing a step decides: two plans driven by
 * the same steps, one compacted after every step, keep every record equal
 * (dispatches by id, leaving out the lines compaction removed), return the
 * same codes and give the same SPM counts; the compacted one holds only the
 * lines compaction keeps and passes the self-check.
 */
static void
test_compact_changes_nothing(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct rng ra = { seed * 0x9e3779b97f4a7c15ull + 7 }, rb = ra;
		struct world w;
		struct alloc_params par;
		struct alloc_ledger la, lb;
		struct alloc_plan a, b;
		alloc_day today = D0;
		size_t removed_total = 0;

		world_make(&w, &ra);
		rb = ra;
		twins_init(&w, &par, &la, &lb, &a, &b);
		for (size_t t = 0; t < 500; t++) {
			uint32_t dd = rnd(&ra, 100);
			size_t removed = 0, keep = 0;
			char err[200] = "";

			assert_int_equal(rnd(&rb, 100), dd);
			if (dd < 12)
				today++;
			else if (dd < 14)
				today--;
			/* both draw from the ids plan a handed out */
			int rca = step(&a, &w, &ra, today, a.ndispatches);
			int rcb = step(&b, &w, &rb, today, a.ndispatches);
			assert_int_equal(rca, rcb);
			alloc_plan_changes_clear(&b);
			if (alloc_plan_compact(&b, &removed, err, sizeof(err)))
				fail_msg("seed %llu step %zu: %s",
					 (unsigned long long)seed, t, err);
			removed_total += removed;
			alloc_plan_changes_clear(&a);
			assert_true(plan_hash_of(&a, 1, 1) ==
				    plan_hash_of(&b, 1, 1));
			for (size_t i = 0; i < a.ndispatches; i++)
				keep += !compactable(&a, &a.dispatches[i]);
			assert_int_equal(b.ndispatches, keep);
			if (alloc_plan_selfcheck(&b, err, sizeof(err)))
				fail_msg("seed %llu step %zu: %s",
					 (unsigned long long)seed, t, err);
			for (size_t k = 0; k < a.nincidents; k += 7) {
				struct alloc_report ra_, rb_;

				assert_int_equal(
					alloc_report_incident(
						&a, a.incidents[k].id, INT32_MIN,
						ALLOC_DAY_NEVER - 1, &ra_, NULL, 0),
					0);
				assert_int_equal(
					alloc_report_incident(
						&b, b.incidents[k].id, INT32_MIN,
						ALLOC_DAY_NEVER - 1, &rb_, NULL, 0),
					0);
				assert_memory_equal(&ra_.total, &rb_.total,
						    sizeof(ra_.total));
				alloc_report_free(&ra_);
				alloc_report_free(&rb_);
			}
		}
		/* the test means something only if lines were removed */
		assert_true(removed_total > 0);
		alloc_plan_free(&a);
		alloc_plan_free(&b);
		alloc_ledger_free(&la);
		alloc_ledger_free(&lb);
		world_free(&w);
	}
}

/* Compaction refuses to run over unread changes, and a dispatch is found
 * by id before and after. */
static void
test_compact_contract(void **state)
{
	struct rng r = { 99 };
	struct world w;
	struct alloc_params par;
	struct alloc_ledger led;
	struct alloc_plan pl;
	alloc_day today = D0;
	char err[200] = "";
	size_t removed = 0;

	(void)state;
	world_make(&w, &r);
	alloc_params_default(&par);
	alloc_ledger_init(&led);
	for (uint32_t d = 0; d < 5; d++)
		assert_int_equal(alloc_ledger_receive(&led, w.dep[d].id, 1,
						      ALLOC_ITEM_MEAL, 5000,
						      ALLOC_DAY_NEVER, NULL,
						      NULL, 0),
				 0);
	assert_int_equal(alloc_plan_init(&pl, &par, w.sh, w.nsh, w.dep, 5,
					 &led, NULL, 0),
			 0);
	for (size_t t = 0; t < 200; t++)
		(void)step(&pl, &w, &r, today, pl.ndispatches);
	/* every id is found where it is, before any compaction */
	for (size_t i = 0; i < pl.ndispatches; i++)
		assert_int_equal(alloc_plan_dispatch_find(&pl,
							  pl.dispatches[i].id),
				 (long)i);
	assert_int_equal(alloc_plan_dispatch_find(&pl, 0), -1);
	if (pl.ndispatches)
		assert_int_equal(alloc_plan_dispatch_find(
					 &pl, (uint32_t)pl.ndispatches + 1),
				 -1);
	/* a step logged changes (a new incident's evacuees): refused,
	 * nothing removed */
	struct alloc_incident_spec sp;
	const uint32_t *ix;
	memset(&sp, 0, sizeof(sp));
	sp.id = 999;
	sp.type = ALLOC_INC_FLOOD;
	sp.severity.kind = ALLOC_SEV_EVACUATE;
	sp.severity.value = 1;
	sp.start = today;
	alloc_plan_changes_clear(&pl);
	assert_int_equal(alloc_plan_open(&pl, &sp, w.pool, 3, NULL, 0, today,
					 NULL, 0),
			 0);
	assert_true(alloc_plan_changes(&pl, ALLOC_CHG_EVACUEE, &ix) == 3);
	size_t n0 = pl.ndispatches;
	assert_int_equal(alloc_plan_compact(&pl, &removed, err, sizeof(err)),
			 ALLOC_ESTATE);
	assert_int_equal(pl.ndispatches, n0);
	assert_int_equal(removed, 0);
	alloc_plan_changes_clear(&pl);
	assert_int_equal(alloc_plan_compact(&pl, &removed, err, sizeof(err)),
			 0);
	for (size_t i = 0; i < pl.ndispatches; i++) {
		assert_int_equal(alloc_plan_dispatch_find(&pl,
							  pl.dispatches[i].id),
				 (long)i);
		if (i > 0)
			assert_true(pl.dispatches[i].id >
				    pl.dispatches[i - 1].id);
	}
	alloc_plan_free(&pl);
	alloc_ledger_free(&led);
	world_free(&w);
}

/* The same steps in the same order give the same plan, twice over. */
static void
test_replay_deterministic(void **state)
{
	(void)state;
	assert_true(replay(11, 300, 0) == replay(11, 300, 0));
}

/*
 * place_group gives the assignment only the shelters within reach of the
 * families' bounding box; that must decide exactly as over every shelter
 * (ids kept in order, reasons of the unplaced included).
 */
static void
test_assign_over_shelters_in_reach(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct rng r = { seed * 7919 };
		struct world w;
		struct alloc_assign_params p;
		struct alloc_household hh[60];
		struct alloc_shelter near[64];
		struct alloc_assignment a[60], b[60];
		size_t n = 1 + rnd(&r, 60), m = 0;
		double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300,
		       reach;

		world_make(&w, &r);
		alloc_assign_params_default(&p);
		if (seed % 2)
			p.max_distance_m = 1500 + rnd(&r, 4000);
		reach = p.max_distance_m + 1.0;
		/* a footprint: households around one of them */
		for (size_t i = 0; i < n; i++) {
			hh[i] = w.pool[rnd(&r, (uint32_t)w.npool)];
			hh[i].id = (uint32_t)i + 1;
			if (i > 0 && seed % 3) {
				hh[i].x = hh[0].x + rnd(&r, 1500);
				hh[i].y = hh[0].y + rnd(&r, 1500);
			}
		}
		for (size_t j = 0; j < w.nsh; j++)
			w.sh[j].occupancy = rnd(&r, 3) ? 0 : w.sh[j].capacity;
		for (size_t i = 0; i < n; i++) {
			x0 = fmin(x0, hh[i].x);
			x1 = fmax(x1, hh[i].x);
			y0 = fmin(y0, hh[i].y);
			y1 = fmax(y1, hh[i].y);
		}
		for (size_t j = 0; j < w.nsh; j++) {
			double dx = fmax(0, fmax(x0 - w.sh[j].x, w.sh[j].x - x1)),
			       dy = fmax(0, fmax(y0 - w.sh[j].y, w.sh[j].y - y1));

			if (dx * dx + dy * dy <= reach * reach)
				near[m++] = w.sh[j];
		}
		assert_int_equal(alloc_shelter_assign(hh, n, w.sh, w.nsh, &p,
						      a, NULL, NULL, 0),
				 0);
		assert_int_equal(alloc_shelter_assign(hh, n, near, m, &p, b,
						      NULL, NULL, 0),
				 0);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(a[i].household, b[i].household);
			assert_int_equal(a[i].shelter, b[i].shelter);
			assert_int_equal(a[i].reason, b[i].reason);
			assert_true(a[i].distance_m == b[i].distance_m);
		}
		world_free(&w);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_matches_reference),
		cmocka_unit_test(test_replay_deterministic),
		cmocka_unit_test(test_assign_over_shelters_in_reach),
		cmocka_unit_test(test_compact_changes_nothing),
		cmocka_unit_test(test_compact_contract),
		cmocka_unit_test(test_forget_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
