/*
 * tests/alloc_fixture.h - what the alloc tests build their instances from
 * (each test is a binary of its own: everything here is static inline).
 * Include after <cmocka.h>.
 */
#ifndef POSKO_TESTS_ALLOC_FIXTURE_H
#define POSKO_TESTS_ALLOC_FIXTURE_H

#include <string.h>

#include "alloc/alloc.h"
#include "alloc/internal.h"

/* A household of `persons` at (x, y) in metres: kelurahan 3171011001 +
 * id % 3, high flood class (a flood evacuates it), nobody vulnerable. */
static inline struct alloc_household
hh_make(uint32_t id, double x, double y, uint16_t persons)
{
	struct alloc_household h;

	memset(&h, 0, sizeof(h));
	h.id = id;
	h.x = x;
	h.y = y;
	h.persons = persons;
	h.kelurahan = 3171011001u + id % 3;
	h.flood_class = ALLOC_CLASS_HIGH;
	return h;
}

/* An open, usable, accessible shelter of capacity cap at (x, y). */
static inline struct alloc_shelter
sh_make(uint32_t id, double x, double y, uint32_t cap)
{
	struct alloc_shelter s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.x = x;
	s.y = y;
	s.capacity = cap;
	s.accessible = 1;
	s.open = 1;
	s.usable = 1;
	return s;
}

/* A plan with its params and ledger; each test has its own fx_init. */
struct fx {
	struct alloc_params par;
	struct alloc_ledger led;
	struct alloc_plan pl;
};

static inline void
fx_free(struct fx *f)
{
	alloc_plan_free(&f->pl);
	alloc_ledger_free(&f->led);
}

/* alloc_plan_selfcheck, failing the test with its message. */
static inline void
selfcheck(const struct alloc_plan *pl)
{
	char err[256] = "";

	if (alloc_plan_selfcheck(pl, err, sizeof(err)) != ALLOC_OK)
		fail_msg("selfcheck: %s", err);
}

#endif
