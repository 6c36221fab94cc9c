/* tests/test_alloc_shelter.c - shelter assignment rules, reasons,
 * determinism, invariants on seeded random instances, and quality against
 * a brute-force optimum on tiny instances. */
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

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: a fixed sequence for a seed on every libc */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static double
unit(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

/* sh_make with its accessibility given */
static struct alloc_shelter
sh_acc(uint32_t id, double x, double y, uint32_t cap, int acc)
{
	struct alloc_shelter s = sh_make(id, x, y, cap);

	s.accessible = (uint8_t)acc;
	return s;
}

static void
assign(const struct alloc_household *h, size_t n,
       const struct alloc_shelter *s, size_t m, struct alloc_assignment *o)
{
	struct alloc_assign_params p;
	char err[128];

	alloc_assign_params_default(&p);
	assert_int_equal(alloc_shelter_assign(h, n, s, m, &p, o, NULL, err,
					      sizeof(err)), 0);
}

static void
test_family_whole_and_capacity(void **state)
{
	struct alloc_household h[2] = { hh_make(1, 0, 0, 4),
					hh_make(2, 10, 0, 3) };
	/* the near shelter fits 5: one family there, the other far */
	struct alloc_shelter s[2] = { sh_acc(10, 5, 0, 5, 1),
				      sh_acc(11, 2000, 0, 10, 1) };
	struct alloc_assignment o[2];

	(void)state;
	assign(h, 2, s, 2, o);
	assert_int_equal(o[0].reason, ALLOC_PLACED);
	assert_int_equal(o[1].reason, ALLOC_PLACED);
	assert_int_not_equal(o[0].shelter, o[1].shelter);
	/* the larger family takes the near places: fewer person-metres */
	assert_int_equal(o[0].shelter, 10);
	assert_int_equal(o[1].shelter, 11);
}

static void
test_accessible_only(void **state)
{
	struct alloc_household h[1] = { hh_make(1, 0, 0, 2) };
	struct alloc_shelter s[2] = { sh_acc(10, 10, 0, 50, 0),
				      sh_acc(11, 3000, 0, 50, 1) };
	struct alloc_assignment o[1];

	(void)state;
	h[0].disabled = 1;
	assign(h, 1, s, 2, o);
	assert_int_equal(o[0].shelter, 11);
	s[1].accessible = 0;
	assign(h, 1, s, 2, o);
	assert_int_equal(o[0].shelter, ALLOC_NONE);
	assert_int_equal(o[0].reason, ALLOC_NO_ACCESSIBLE);
}

static void
test_reasons(void **state)
{
	struct alloc_household h[3] = { hh_make(1, 0, 0, 3),
					hh_make(2, 100, 0, 3),
					hh_make(3, 90000, 0, 1) };
	struct alloc_shelter s[2] = { sh_acc(10, 50, 0, 3, 1),
				      sh_acc(11, 7000, 0, 100, 1) };
	struct alloc_assignment o[3];

	(void)state;
	assign(h, 3, s, 2, o);
	/* one of households 1, 2 fits the only shelter in reach, the other
	 * finds it full; 3 has nothing within 5 km; the shelter at 7 km is
	 * never used */
	assert_true((o[0].shelter == 10 && o[1].reason == ALLOC_ALL_FULL) ||
		    (o[1].shelter == 10 && o[0].reason == ALLOC_ALL_FULL));
	assert_int_equal(o[2].reason, ALLOC_NONE_IN_REACH);
	/* closed or unusable shelters take nobody */
	s[0].open = 0;
	assign(h, 1, s, 2, o);
	assert_int_equal(o[0].reason, ALLOC_NONE_IN_REACH);
	s[0].open = 1;
	s[0].usable = 0;
	assign(h, 1, s, 2, o);
	assert_int_equal(o[0].reason, ALLOC_NONE_IN_REACH);
	/* already occupied: occupancy counts */
	s[0].usable = 1;
	s[0].occupancy = 1;
	assign(h, 1, s, 2, o);
	assert_int_equal(o[0].reason, ALLOC_ALL_FULL);
	/* a family larger than the whole shelter: none in reach */
	s[0].occupancy = 0;
	h[0].persons = 4;
	assign(h, 1, s, 2, o);
	assert_int_equal(o[0].reason, ALLOC_NONE_IN_REACH);
}

static void
test_vulnerable_first_and_nearer(void **state)
{
	/* two identical families at one spot; one place near, one far */
	struct alloc_household h[2] = { hh_make(1, 0, 0, 3),
					hh_make(2, 0, 0, 3) };
	struct alloc_shelter s[2] = { sh_acc(10, 100, 0, 3, 1),
				      sh_acc(11, 2000, 0, 3, 1) };
	struct alloc_assignment o[2];

	(void)state;
	h[1].elderly = 1;
	assign(h, 2, s, 2, o);
	assert_int_equal(o[1].shelter, 10);
	assert_int_equal(o[0].shelter, 11);
	/* only one place: the vulnerable family gets it */
	s[1].capacity = 0;
	assign(h, 2, s, 2, o);
	assert_int_equal(o[1].shelter, 10);
	assert_int_equal(o[0].reason, ALLOC_ALL_FULL);
	/* swap which family is vulnerable: the answer follows */
	h[1].elderly = 0;
	h[0].pregnant = 1;
	assign(h, 2, s, 2, o);
	assert_int_equal(o[0].shelter, 10);
	assert_int_equal(o[1].reason, ALLOC_ALL_FULL);
}

static void
test_bad_input(void **state)
{
	struct alloc_household h[2] = { hh_make(1, 0, 0, 3),
					hh_make(1, 5, 0, 3) };
	struct alloc_shelter s[1] = { sh_acc(10, 100, 0, 3, 1) };
	struct alloc_assignment o[2];
	struct alloc_assign_params p;
	char err[128] = "";

	(void)state;
	alloc_assign_params_default(&p);
	assert_int_equal(alloc_shelter_assign(h, 2, s, 1, &p, o, NULL, err,
					      sizeof(err)), ALLOC_EINVAL);
	assert_non_null(strstr(err, "duplicate"));
	h[1].id = 2;
	h[1].persons = 0;
	assert_int_equal(alloc_shelter_assign(h, 2, s, 1, &p, o, NULL, NULL,
					      0), ALLOC_EINVAL);
	p.max_distance_m = -1;
	h[1].persons = 1;
	assert_int_equal(alloc_shelter_assign(h, 2, s, 1, &p, o, NULL, NULL,
					      0), ALLOC_EINVAL);
	/* nothing to do is fine */
	alloc_assign_params_default(&p);
	assert_int_equal(alloc_shelter_assign(NULL, 0, s, 1, &p, NULL, NULL,
					      NULL, 0), 0);
	assert_int_equal(alloc_shelter_assign(h, 2, NULL, 0, &p, o, NULL,
					      NULL, 0), 0);
	assert_int_equal(o[0].reason, ALLOC_NONE_IN_REACH);
}

/* A random instance: households around a few centres, shelters across a
 * 12 km square. */
static void
gen(size_t n, size_t m, double capratio, struct alloc_household *h,
    struct alloc_shelter *s)
{
	double cx[4], cy[4];
	uint64_t persons = 0;

	for (int c = 0; c < 4; c++) {
		cx[c] = 2000 + unit() * 8000;
		cy[c] = 2000 + unit() * 8000;
	}
	for (size_t i = 0; i < n; i++) {
		int c = (int)(unit() * 4);

		h[i] = hh_make((uint32_t)(i * 7 + 1),
			       cx[c] + (unit() - 0.5) * 4000,
			       cy[c] + (unit() - 0.5) * 4000,
			       (uint16_t)(1 + unit() * 7));
		h[i].elderly = unit() < 0.3;
		h[i].under5 = unit() < 0.2;
		h[i].disabled = unit() < 0.08;
		persons += h[i].persons;
	}
	for (size_t j = 0; j < m; j++) {
		s[j] = sh_acc((uint32_t)(j * 5 + 3), unit() * 12000,
			      unit() * 12000,
			      (uint32_t)(persons * capratio / m *
					  (0.5 + unit())),
			      unit() < 0.6);
		s[j].occupancy = unit() < 0.2 ? 5 : 0;
		s[j].open = unit() < 0.95;
	}
}

static const struct alloc_shelter *
by_id(const struct alloc_shelter *s, size_t m, uint32_t id)
{
	for (size_t j = 0; j < m; j++)
		if (s[j].id == id)
			return &s[j];
	return NULL;
}

static void
check_invariants(const struct alloc_household *h, size_t n,
		 const struct alloc_shelter *s, size_t m,
		 const struct alloc_assignment *o, double maxd)
{
	uint64_t *load = calloc(m, sizeof(*load));

	for (size_t i = 0; i < n; i++) {
		const struct alloc_shelter *sh;

		/* everyone placed or listed with a reason */
		assert_int_equal(o[i].household, h[i].id);
		if (o[i].shelter == ALLOC_NONE) {
			assert_true(o[i].reason >= ALLOC_NONE_IN_REACH &&
				    o[i].reason <= ALLOC_NO_ACCESSIBLE);
			continue;
		}
		assert_int_equal(o[i].reason, ALLOC_PLACED);
		sh = by_id(s, m, o[i].shelter);
		assert_non_null(sh);
		assert_true(sh->open && sh->usable);
		/* no one beyond the limit, disabled only accessible */
		assert_true(o[i].distance_m <= maxd + 1e-6);
		assert_true(fabs(o[i].distance_m -
				 hypot(h[i].x - sh->x, h[i].y - sh->y)) < 1e-6);
		if (h[i].disabled)
			assert_true(sh->accessible);
		/* a family is one record: its persons go to one shelter */
		load[sh - s] += h[i].persons;
	}
	for (size_t j = 0; j < m; j++)
		assert_true(load[j] + s[j].occupancy <= s[j].capacity ||
			    load[j] == 0);
	free(load);
}

static void
test_random_invariants(void **state)
{
	(void)state;
	for (int seed = 1; seed <= 30; seed++) {
		size_t n = 50 + (size_t)seed * 20, m = 5 + (size_t)seed % 17;
		struct alloc_household *h = malloc(n * sizeof(*h));
		struct alloc_shelter *s = malloc(m * sizeof(*s));
		struct alloc_assignment *o = malloc(n * sizeof(*o));
		double ratio = seed % 3 == 0 ? 0.7 : 1.6;

		rng_state = 0x9e3779b97f4a7c15ull * (uint64_t)seed;
		gen(n, m, ratio, h, s);
		assign(h, n, s, m, o);
		check_invariants(h, n, s, m, o, 5000);
		free(h);
		free(s);
		free(o);
	}
}

/*
 * Places short (a coastal kelurahan: a thousand families, shelters in
 * reach for a third of them): vulnerable families go first. Checked as
 * the rule reads: no non-vulnerable family holds a place that an unplaced
 * vulnerable family in reach could take instead (its place plus what is
 * left free fits the vulnerable family). The price war from zero prices
 * ran out of its work budget here and filled places in a hurry, leaving
 * vulnerable families out (alloc/shelter.c, scarce_prices).
 */
/* No placed non-vulnerable family holds places (shelter ids 1..m in
 * order) that an unplaced vulnerable family in reach would fit. fr:
 * scratch of m. */
static void
vulnerable_not_displaced(const struct alloc_household *h, size_t n,
			 const struct alloc_shelter *s, size_t m,
			 const struct alloc_assignment *o, int64_t *fr)
{
	for (size_t j = 0; j < m; j++)
		fr[j] = s[j].capacity;
	for (size_t i = 0; i < n; i++)
		if (o[i].shelter != ALLOC_NONE)
			fr[o[i].shelter - 1] -= h[i].persons;
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (o[i].shelter == ALLOC_NONE ||
		    alloc_household_vulnerable(&h[i]))
			continue;
		j = o[i].shelter - 1;
		for (size_t v = 0; v < n; v++) {
			if (o[v].shelter != ALLOC_NONE ||
			    !alloc_household_vulnerable(&h[v]) ||
			    hypot(h[v].x - s[j].x, h[v].y - s[j].y) > 5000)
				continue;
			if (h[v].persons <= fr[j] + h[i].persons)
				fail_msg("household %u (not vulnerable) holds "
					 "a place in shelter %u that vulnerable "
					 "household %u (%u persons) fits",
					 h[i].id, s[j].id, h[v].id,
					 h[v].persons);
		}
	}
}

static void
test_scarce_vulnerable_first(void **state)
{
	size_t n = 1000, m = 22;
	struct alloc_household *h = malloc(n * sizeof(*h));
	struct alloc_shelter *s = malloc(m * sizeof(*s));
	struct alloc_assignment *o = malloc(n * sizeof(*o));
	uint64_t persons = 0, cap = 0, vul_out = 0;
	int64_t *fr = calloc(m, sizeof(*fr));

	(void)state;
	rng_state = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < n; i++) {
		double a = unit() * 6.283185307179586, r = 300 * sqrt(unit());

		h[i] = hh_make((uint32_t)(i + 1), 5000 + r * cos(a),
			       5000 + r * sin(a), (uint16_t)(1 + unit() * 7));
		h[i].elderly = unit() < 0.35;
		h[i].under5 = unit() < 0.2;
		persons += h[i].persons;
	}
	for (size_t j = 0; j < m; j++) {
		double a = unit() * 3.141592653589793, r = 800 + unit() * 3500;

		/* the sea to the north: shelters on one side only */
		s[j] = sh_make((uint32_t)(j + 1), 5000 + r * cos(a),
			       5000 - r * sin(a),
			       (uint32_t)(persons / 3 / m * (0.5 + unit())));
		cap += s[j].capacity;
	}
	assert_true(cap < persons / 2);
	assign(h, n, s, m, o);
	check_invariants(h, n, s, m, o, 5000);
	vulnerable_not_displaced(h, n, s, m, o, fr);
	for (size_t v = 0; v < n; v++)
		if (o[v].shelter == ALLOC_NONE &&
		    alloc_household_vulnerable(&h[v]))
			vul_out += h[v].persons;
	/* places were short: vulnerable families were left out too */
	assert_true(vul_out > 0);
	free(h);
	free(s);
	free(o);
	free(fr);
}

/*
 * Places for everyone on paper, but whole families of up to 7 cannot use
 * a shelter's last few places (a cluster on the coast, 30 shelters, one
 * place to spare per shelter: poskod's bench drew such incidents, the
 * first phase a price war of ~3,000 sheds, 45-55 ms). Prices start at the
 * scarce level there too: few price rounds, nothing hurried, vulnerable
 * families first.
 */
static void
test_tight_whole_families(void **state)
{
	size_t n = 1000, m = 30;
	struct alloc_household *h = malloc(n * sizeof(*h));
	struct alloc_shelter *s = malloc(m * sizeof(*s));
	struct alloc_assignment *o = malloc(n * sizeof(*o));
	int64_t *fr = calloc(m, sizeof(*fr));
	uint64_t persons = 0, left = 0;
	struct alloc_assign_params p;
	struct alloc_assign_stats st;
	char err[128];

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		double a = unit() * 6.283185307179586, r = 300 * sqrt(unit());

		h[i] = hh_make((uint32_t)(i + 1), 5000 + r * cos(a),
			       5000 + r * sin(a), (uint16_t)(1 + unit() * 7));
		h[i].elderly = unit() < 0.35;
		persons += h[i].persons;
	}
	for (size_t j = 0; j < m; j++) {
		double a = unit() * 3.141592653589793, r = 800 + unit() * 3500;

		s[j] = sh_make((uint32_t)(j + 1), 5000 + r * cos(a),
			       5000 - r * sin(a), 0);
	}
	/* the persons shared out, plus one place each */
	for (size_t j = 0; j < m; j++)
		s[j].capacity = (uint32_t)(persons / m + 1 +
					   (j < persons % m ? 1 : 0));
	alloc_assign_params_default(&p);
	assert_int_equal(alloc_shelter_assign(h, n, s, m, &p, o, &st, err,
					      sizeof(err)),
			 0);
	check_invariants(h, n, s, m, o, 5000);
	vulnerable_not_displaced(h, n, s, m, o, fr);
	for (size_t j = 0; j < m; j++)
		left += (uint64_t)fr[j];
	assert_int_equal(st.hurried, 0);
	/* 191 rounds; 3,211 when prices started at 0 */
	assert_true(st.price_rounds < 1000);
	/* whole families leave places empty, but fewer than 7 a shelter */
	assert_true(left < 7 * m);
	free(h);
	free(s);
	free(o);
	free(fr);
}

static void
test_shuffled_input_same_output(void **state)
{
	size_t n = 400, m = 12;
	struct alloc_household *h = malloc(n * sizeof(*h)),
			       *h2 = malloc(n * sizeof(*h));
	struct alloc_shelter *s = malloc(m * sizeof(*s)),
			     *s2 = malloc(m * sizeof(*s));
	struct alloc_assignment *o = malloc(n * sizeof(*o)),
				*o2 = malloc(n * sizeof(*o));

	(void)state;
	rng_state = 12345;
	gen(n, m, 1.1, h, s);
	memcpy(h2, h, n * sizeof(*h));
	memcpy(s2, s, m * sizeof(*s));
	for (size_t i = n - 1; i > 0; i--) {
		size_t k = rng() % (i + 1);
		struct alloc_household t = h2[i];

		h2[i] = h2[k];
		h2[k] = t;
	}
	for (size_t j = m - 1; j > 0; j--) {
		size_t k = rng() % (j + 1);
		struct alloc_shelter t = s2[j];

		s2[j] = s2[k];
		s2[k] = t;
	}
	assign(h, n, s, m, o);
	assign(h2, n, s2, m, o2);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (h2[k].id != h[i].id)
			k++;
		assert_int_equal(o[i].shelter, o2[k].shelter);
		assert_int_equal(o[i].reason, o2[k].reason);
	}
	free(h);
	free(h2);
	free(s);
	free(s2);
	free(o);
	free(o2);
}

/* Exhaustive optimum of a tiny instance, by trying every shelter (or none)
 * per household, in the assignment's own objective: person-metres plus,
 * per unplaced person, 20 x the distance limit (40 x for a vulnerable
 * household: they are placed first). *best_placed gets the persons the
 * optimum places, *best its person-metres. */
static void
brute(const struct alloc_household *h, size_t n,
      const struct alloc_shelter *s, size_t m, size_t i, int64_t *freecap,
      uint64_t placed, double cost, double metres, uint64_t *best_placed,
      double *best, double *best_metres)
{
	if (i == n) {
		if (cost < *best) {
			*best_placed = placed;
			*best = cost;
			*best_metres = metres;
		}
		return;
	}
	for (size_t j = 0; j <= m; j++) {
		double d;

		if (j == m) {
			double u = 5000.0 *
				   (alloc_household_vulnerable(&h[i]) ? 40 : 20);

			brute(h, n, s, m, i + 1, freecap, placed,
			      cost + h[i].persons * u, metres, best_placed,
			      best, best_metres);
			continue;
		}
		d = hypot(h[i].x - s[j].x, h[i].y - s[j].y);
		if (d > 5000 || freecap[j] < h[i].persons ||
		    (h[i].disabled && !s[j].accessible))
			continue;
		freecap[j] -= h[i].persons;
		brute(h, n, s, m, i + 1, freecap, placed + h[i].persons,
		      cost + h[i].persons * d, metres + h[i].persons * d,
		      best_placed, best, best_metres);
		freecap[j] += h[i].persons;
	}
}

static void
test_tiny_optimum(void **state)
{
	double worst = 1.0;
	int misses = 0;

	(void)state;
	for (int seed = 1; seed <= 40; seed++) {
		struct alloc_household h[8];
		struct alloc_shelter s[3];
		struct alloc_assignment o[8];
		struct alloc_assign_params p;
		struct alloc_assign_stats st;
		int64_t fc[3];
		uint64_t bp = 0;
		double best = INFINITY, bm = 0;

		rng_state = 777u + (uint64_t)seed * 1000003u;
		gen(8, 3, 1.3, h, s);
		for (int j = 0; j < 3; j++) {
			s[j].open = 1;
			s[j].occupancy = 0;
			fc[j] = s[j].capacity;
		}
		brute(h, 8, s, 3, 0, fc, 0, 0, 0, &bp, &best, &bm);
		alloc_assign_params_default(&p);
		p.vulnerable_weight = 1.0; /* compare the pure objective */
		assert_int_equal(alloc_shelter_assign(h, 8, s, 3, &p, o, &st,
						      NULL, 0), 0);
		/* as many placed as the optimum; whole families make this a
		 * packing problem, so allow a rare miss of at most one
		 * family (docs/alloc.md, "Guarantees") */
		if (st.persons_placed < bp) {
			assert_true(bp - st.persons_placed <= 8);
			misses++;
		}
		if (st.persons_placed == bp && bm > 0 &&
		    st.person_metres / bm > worst)
			worst = st.person_metres / bm;
	}
	/*
	 * Whole families on 3 small shelters is a packing problem where
	 * the price method alone is weakest (docs/alloc.md, "Limits"). The
	 * optimum here is that of the assignment's own objective (vulnerable
	 * families first). Measured 2024-11 before the repair pass: 14 of 40
	 * one family short, worst 1.33; with the repair pass (augmenting
	 * chains of depth 3, then trip-shortening chains): 4 of 40, worst
	 * 1.3331. These bounds catch a regression.
	 */
	print_message("tiny instances: worst ratio %.4f, misses %d\n", worst,
		      misses);
	assert_true(worst <= 1.34);
	assert_true(misses <= 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_whole_and_capacity),
		cmocka_unit_test(test_accessible_only),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_vulnerable_first_and_nearer),
		cmocka_unit_test(test_scarce_vulnerable_first),
		cmocka_unit_test(test_tight_whole_families),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_invariants),
		cmocka_unit_test(test_shuffled_input_same_output),
		cmocka_unit_test(test_tiny_optimum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
