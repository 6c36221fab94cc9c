/* Households (KK, kartu keluarga): where they live and who is in them.
 *
 * Location: a populated cell drawn by population weight, a point uniform
 * inside it, kept only inside a kelurahan with a code (gen_grid_place).
 *
 * Size: the table below, mean 3.045 members, so that Jakarta's ~3.5 M KK
 * (design.md) hold ~10.66 M people, the BPS figure of 10.557 M (2020) to
 * 10.685 M (2025) (domain.md §5.2).
 *
 * Vulnerable members, as shares of people, are InaSAFE's defaults
 * (safe/definitions/default_values.py; anchors.md §1.4): under-5 9.3 %,
 * over-60 11.1 %, disabled 15 %, pregnant 2.4 %.  The head of the family
 * is never an under-five; the per-member probabilities are derived from
 * the size table so that the shares of people come out at those values:
 *   under-5 among non-heads     p_u = 0.093 M / (M - 1)
 *   elderly among non-under-5s  p_e = 0.111 M / (1 + (M - 1)(1 - p_u))
 *   disabled, anyone            0.15
 *   pregnant among the others   0.024 / (1 - 0.093 - 0.111)
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <stdlib.h>
#include <string.h>

#include "bench/gen_io.h"

static const double size_share[] = {
    0,     /* 0 members: none */
    0.150, /* 1 */
    0.240, /* 2 */
    0.260, /* 3 */
    0.200, /* 4 */
    0.090, /* 5 */
    0.040, /* 6 */
    0.015, /* 7 */
    0.005, /* 8 */
};
#define MAX_SIZE 8

#define SHARE_UNDER5 0.093
#define SHARE_ELDERLY 0.111
#define SHARE_DISABLED 0.15
#define SHARE_PREGNANT 0.024

struct house_model {
	double cdf[MAX_SIZE + 1];
	double p_u5, p_el, p_dis, p_preg;
};

static void
model_init(struct house_model *m)
{
	double mean = 0, acc = 0;
	for (int s = 1; s <= MAX_SIZE; s++) {
		mean += s * size_share[s];
		acc += size_share[s];
		m->cdf[s] = acc;
	}
	mean /= acc;
	m->p_u5 = SHARE_UNDER5 * mean / (mean - 1);
	m->p_el = SHARE_ELDERLY * mean / (1 + (mean - 1) * (1 - m->p_u5));
	m->p_dis = SHARE_DISABLED;
	m->p_preg = SHARE_PREGNANT / (1 - SHARE_UNDER5 - SHARE_ELDERLY);
}

struct house {
	int members, elderly, under5, disabled, pregnant;
};

static void
draw_house(const struct house_model *m, struct gen_rng *r, struct house *h)
{
	double u = gen_rng_unit(r) * m->cdf[MAX_SIZE];
	int size = 1;
	while (size < MAX_SIZE && u >= m->cdf[size])
		size++;
	memset(h, 0, sizeof *h);
	h->members = size;
	for (int i = 0; i < size; i++) {
		if (i > 0 && gen_rng_bernoulli(r, m->p_u5))
			h->under5++;
		else if (gen_rng_bernoulli(r, m->p_el))
			h->elderly++;
		else if (gen_rng_bernoulli(r, m->p_preg))
			h->pregnant++;
		if (gen_rng_bernoulli(r, m->p_dis))
			h->disabled++;
	}
}

static char *
put_uint(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void
gen_house_write(struct gen_ctx *c)
{
	struct house_model m;
	struct gen_rng r;
	FILE *f = gen_create(c, "households.csv");
	static char line[256];
	model_init(&m);
	gen_rng_seed(&r, c->opt.seed, GEN_STREAM_HOUSE);
	fputs("id,lon,lat,kelurahan,members,elderly,under5,disabled,"
	      "pregnant\n",
	      f);
	for (size_t i = 0; i < c->opt.households; i++) {
		double lon, lat;
		struct house h;
		int k = gen_grid_place(c, &c->grid.pop, &r, &lon, &lat);
		struct gen_area *a = &c->kel[k];
		draw_house(&m, &r, &h);
		char *p = line;
		p = put_uint(p, i + 1);
		*p++ = ',';
		p += gen_fmt_fixed(p, lon, 6);
		*p++ = ',';
		p += gen_fmt_fixed(p, lat, 6);
		*p++ = ',';
		const char *code = gen_area_code(c, a);
		size_t cl = strlen(code);
		memcpy(p, code, cl);
		p += cl;
		int v[5] = {h.members, h.elderly, h.under5, h.disabled,
		            h.pregnant};
		for (int j = 0; j < 5; j++) {
			*p++ = ',';
			p = put_uint(p, (uint64_t)v[j]);
		}
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), f);
		a->persons += (uint64_t)h.members;
		a->households++;
		c->persons += (uint64_t)h.members;
		c->elderly += (uint64_t)h.elderly;
		c->under5 += (uint64_t)h.under5;
		c->disabled += (uint64_t)h.disabled;
		c->pregnant += (uint64_t)h.pregnant;
		if ((i & 0xffff) == 0)
			gen_progress("households", i, c->opt.households);
	}
	gen_close(f, "households.csv");
	gen_progress_done("households", "%zu households, %llu persons",
	                  c->opt.households, (unsigned long long)c->persons);
}
