/*
 * alloc/shelter.c - shelter assignment (see alloc/shelter.h for the rules
 * and docs/alloc.md for the algorithm and its guarantees).
 *
 * Outline:
 *  1. households and usable shelters are copied into compact arrays in id
 *     order (so the input order never matters);
 *  2. a uniform grid over the shelters gives each household its nearest
 *     candidate shelters in reach (those that could hold the whole family
 *     and are accessible when it needs that), K at first, all of them when
 *     the K are not enough;
 *  3. price-directed assignment (a reverse auction, after Bertsekas'
 *     auction algorithm for transportation problems): each household sits
 *     at the shelter minimising  weight x distance + price  (per person).
 *     An over-full shelter raises its price just past the point where
 *     enough of its households prefer their next choice; those move. Prices
 *     only rise, so this ends; at the end every household is within
 *     epsilon of its best choice at the final prices, which bounds the
 *     total cost by the relaxed (LP) optimum plus persons x epsilon plus
 *     the prices of places left empty because families do not split;
 *  4. a fill pass moves families into places left empty when that shortens
 *     their trip, and places left-over families where they fit.
 *
 * Leaving a shelter (being unplaced) has a price too: U per person, larger
 * for vulnerable households, so when places are short the non-vulnerable
 * are the ones left out, and everyone is placed when the places allow.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/shelter.h"
#include "alloc/internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The value of staying unplaced, per person, in weighted metres: as much as
 * 20 trips of the full distance limit (40 for vulnerable households). A
 * place is given up only when making room would push a chain of more than
 * 20 families each a whole max_distance_m further, which does not happen in
 * a city; yet the value is small enough that prices in a region with too
 * few places reach it in a few price rounds.
 */
#define UNPLACED_HOPS 20.0
#define UNPLACED_HOPS_VULNERABLE 40.0

#define NOPE UINT32_MAX

/* Sheds of one shelter in one phase before its price step grows. Was
 * 64: the daemon's slowest 1,000-family incidents (coastal clusters, as
 * many places in reach as persons) spent 2,400 sheds in wars; at 16 they
 * run 42.8 -> 34.5, 39.9 -> 32.7, 36.8 -> 30.3 ms, the 21 others
 * unchanged to the metre; bench_alloc ratio_vs_optimum 1.0080 -> 1.0068,
 * scarce case vulnerable persons placed 5,366 -> 5,376, all persons
 * 5,772 -> 5,751 (LP 5,818). */
#define WAR_SHEDS 16
/* Epsilon scaling: the first price step is max_distance_m / SCALE_START,
 * each phase divides it by SCALE_STEP down to epsilon_m; then at most
 * PHASES more phases at epsilon_m while the reverse step still moves.
 * PHASES was 3: on the daemon's 1,000-family incidents each extra phase
 * at epsilon_m re-pulled ~300 shelters (~3 ms) for 0.05 % of the
 * person-metres; with 2, bench_alloc's ratio_vs_optimum is 1.0080 (was
 * 1.0063; the target is 1.02) and the incidents' auction ~10 % faster. */
#define SCALE_START 8.0
#define SCALE_STEP 4.0
#define PHASES 2
#define REVERSE_BELOW 40.0
#ifndef PULLS
#define PULLS 8
#endif
/*
 * Work budget, in households looked at, per household-candidate: beyond
 * it (a region far too crowded for its shelters, where prices would creep
 * for long) the assignment hurries: no more reverse steps, and an
 * over-full shelter's price step doubles at every shed. The result is
 * still within capacity and every rule holds; only the distance total may
 * be further from the optimum. bench_alloc reports when this happens.
 */
#ifndef WORK_BUDGET
#define WORK_BUDGET 40
#endif
/*
 * ALLOC_SHELTER_BASELINE (defined only by bench/bench_alloc.c, which
 * compiles this file a second time under other names) keeps the code
 * paths this file had before the speed work of Nov 2026, so the bench
 * times both in one run and checks they decide the same. They do: the
 * changes are in how the same decisions are computed.
 */

const char *
alloc_reason_name(int reason)
{
	switch (reason) {
	case ALLOC_PLACED:
		return "placed";
	case ALLOC_NONE_IN_REACH:
		return "none_in_reach";
	case ALLOC_ALL_FULL:
		return "all_full";
	case ALLOC_NO_ACCESSIBLE:
		return "no_accessible";
	}
	return "?";
}

void
alloc_assign_params_default(struct alloc_assign_params *p)
{
	/* 5 km: the default distance limit, about an hour's walk
	 * with children through flooded streets. */
	p->max_distance_m = 5000.0;
	/* Vulnerable households' metres weigh 10 % more: they end nearer when
	 * a choice is close, at a cost in total person-metres that the bench
	 * measures (well under the 2 % budget). */
	p->vulnerable_weight = 1.1;
	p->epsilon_m = 1.0;
	p->candidates = 16;
}

int
alloc_assign_params_validate(const struct alloc_assign_params *p, char *err,
			     size_t errlen)
{
	if (p == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: no parameters");
	if (!isfinite(p->max_distance_m) || p->max_distance_m <= 0)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: max_distance_m must be > 0");
	if (!isfinite(p->vulnerable_weight) || p->vulnerable_weight < 1 ||
	    p->vulnerable_weight > 100)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: vulnerable_weight must be in "
				    "1..100");
	if (!isfinite(p->epsilon_m) || p->epsilon_m <= 0)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: epsilon_m must be > 0");
	if (p->candidates == 0 || p->candidates > 4096)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: candidates must be in 1..4096");
	return ALLOC_OK;
}

/* ---- working state ------------------------------------------------------ */

struct hh {
	double x, y;
	double a;      /* distance weight (1 or vulnerable_weight) */
	double u;      /* value of staying unplaced, per person */
	uint32_t w;    /* persons */
	uint32_t src;  /* index in the caller's array */
	uint8_t dis;   /* needs an accessible shelter */
	uint8_t vul;
};

struct sh {
	double x, y;
	int64_t free0; /* capacity - occupancy at the start */
	uint32_t capacity;
	uint32_t id;
	uint8_t acc;
};

/* A candidate: shelter index and distance. */
struct cand {
	uint32_t s;
	float d;
};

struct grid {
	double minx, miny, g;
	long nx, ny;
	uint32_t *start; /* nx*ny+1 */
	uint32_t *item;  /* shelter indices, per cell in index order */
};

struct vec {
	uint32_t *v;
	uint32_t n, cap;
};

/* Households that have a shelter among their candidates, with the
 * distance: cand.s holds the household index here. */
struct inv {
	struct cand *v;
	uint32_t n, cap;
};

struct work {
	const struct alloc_assign_params *p;
	struct hh *h;
	size_t n;
	struct sh *s;
	size_t m;
	struct grid grid;
	/* candidates: K per household inline, or a widened list in pool */
	uint32_t k;
	struct cand *cand;  /* n * k */
	uint16_t *ncand;    /* inline count */
	uint8_t *trunc;     /* 1: more candidates may exist beyond the K */
	uint32_t *woff;     /* widened: offset in pool, NOPE if not */
	uint32_t *wlen;
	struct cand *pool;
	size_t npool, cappool;
	/* assignment */
	uint32_t *at;       /* shelter index or NOPE */
	uint32_t *pos;      /* position in the shelter's member vector */
	float *curd;        /* distance to the current shelter */
	double *alt;        /* lower bound of the value of the next best
			       choice (-inf: unknown) */
	uint32_t *altto;
	uint32_t *seen;     /* stamp of the shed that computed alt */
	uint32_t stamp;
	struct vec *mem;    /* per shelter */
	int64_t *load;
	double *price;
	/* scratch */
	struct cand *tmp;
	size_t ntmp, captmp;
	struct cand *stmp;  /* merge scratch of cand_sort */
	size_t capstmp;
	uint32_t *queue;    /* FIFO ring of over-full shelters */
	uint8_t *queued;
	size_t qhead, qlen;
	uint32_t *rqueue;   /* FIFO ring of shelters with room and a price */
	uint8_t *rqueued;
	size_t rhead, rlen;
	uint64_t rounds;
	uint64_t pulls;     /* reverse steps that lowered a price */
	uint64_t work;      /* households looked at by shed and pull */
	uint64_t budget;    /* past it: hurry (see shed) */
	double eps;         /* price step of the current phase */
	uint8_t rushed;     /* the repair budget ran out */
	struct inv *inv;    /* inverse candidate lists, per shelter (reverse
			       step); NULL until the first one, then kept
			       up to date by widen */
	uint32_t *mark;     /* per shelter: stamp of widen's old list */
	uint32_t markstamp;
#ifdef ALLOC_SHELTER_BASELINE
	size_t invpool;
#endif
	uint32_t *pick;     /* households a pull draws */
	uint16_t *nshed;    /* sheds / pulls of each shelter this phase */
	uint16_t *npull;
};

static int
cand_less(const struct cand *x, const struct cand *y)
{
	return x->d < y->d || (x->d == y->d && x->s < y->s);
}

static void
cand_isort(struct cand *a, size_t n)
{
	for (size_t t = 1; t < n; t++) {
		struct cand x = a[t];
		size_t k = t;

		while (k > 0 && cand_less(&x, &a[k - 1])) {
			a[k] = a[k - 1];
			k--;
		}
		a[k] = x;
	}
}

#ifdef ALLOC_SHELTER_BASELINE
static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return alloc_cmp_u32(x->s, y->s);
}
#endif

/*
 * Sort candidates by distance, then shelter index: runs of 16 by insertion,
 * merged bottom-up through w->stmp. A shelter appears once in a list, so
 * the order is total and any sort gives the same result; this one inlines
 * the comparison (qsort's calls through cand_cmp were ~10 % of a crowded
 * run, mostly sorting widened lists).
 */
static int
cand_sort(struct work *w, struct cand *a, size_t n)
{
	struct cand *src = a, *dst, *t;

#ifdef ALLOC_SHELTER_BASELINE
	qsort(a, n, sizeof(*a), cand_cmp);
	return ALLOC_OK;
#endif
	if (n <= 24) {
		cand_isort(a, n);
		return ALLOC_OK;
	}
	if (alloc_grow((void **)&w->stmp, &w->capstmp, n, sizeof(*w->stmp)))
		return ALLOC_ENOMEM;
	dst = w->stmp;
	for (size_t lo = 0; lo < n; lo += 16)
		cand_isort(a + lo, n - lo < 16 ? n - lo : 16);
	for (size_t run = 16; run < n; run *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * run) {
			size_t mid = lo + run < n ? lo + run : n;
			size_t hi = lo + 2 * run < n ? lo + 2 * run : n;
			size_t x = lo, y = mid, o = lo;

			while (x < mid && y < hi)
				dst[o++] = cand_less(&src[y], &src[x])
						   ? src[y++]
						   : src[x++];
			while (x < mid)
				dst[o++] = src[x++];
			while (y < hi)
				dst[o++] = src[y++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	return ALLOC_OK;
}

/* ---- input -------------------------------------------------------------- */

struct idsort {
	uint32_t id;
	uint32_t i;
};

static int
idsort_cmp(const void *a, const void *b)
{
	const struct idsort *x = a, *y = b;
	int c = alloc_cmp_u32(x->id, y->id);

	return c ? c : alloc_cmp_u32(x->i, y->i);
}

/* Indices of n records sorted by id; ALLOC_EINVAL on a duplicate. */
static int
sort_ids(const void *base, size_t n, size_t stride, size_t idoff,
	 struct idsort **out, const char *what, char *err, size_t errlen)
{
	struct idsort *ix;

	*out = NULL;
	ix = malloc((n ? n : 1) * sizeof(*ix));
	if (ix == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "assign: out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *rec = (const char *)base + i * stride;

		memcpy(&ix[i].id, rec + idoff, sizeof(uint32_t));
		ix[i].i = (uint32_t)i;
	}
	qsort(ix, n, sizeof(*ix), idsort_cmp);
	for (size_t i = 1; i < n; i++)
		if (ix[i].id == ix[i - 1].id) {
			uint32_t dup = ix[i].id;

			free(ix);
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "assign: duplicate %s id %u",
					    what, dup);
		}
	*out = ix;
	return ALLOC_OK;
}

static int
load_households(struct work *w, const struct alloc_household *hh, size_t n,
		char *err, size_t errlen)
{
	struct idsort *ix;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (hh[i].persons < 1 || !isfinite(hh[i].x) ||
		    !isfinite(hh[i].y))
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "assign: household %u: persons "
					    "must be >= 1 and x, y finite",
					    hh[i].id);
	}
	rc = sort_ids(hh, n, sizeof(*hh),
		      offsetof(struct alloc_household, id), &ix, "household",
		      err, errlen);
	if (rc != ALLOC_OK)
		return rc;
	w->h = calloc(n ? n : 1, sizeof(*w->h));
	if (w->h == NULL) {
		free(ix);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "assign: out of memory");
	}
	w->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct alloc_household *src = &hh[ix[i].i];
		struct hh *d = &w->h[i];

		d->x = src->x;
		d->y = src->y;
		d->w = src->persons;
		d->src = ix[i].i;
		d->dis = src->disabled > 0;
		d->vul = (uint8_t)alloc_household_vulnerable(src);
		d->a = d->vul ? w->p->vulnerable_weight : 1.0;
		d->u = w->p->max_distance_m * d->a *
		       (d->vul ? UNPLACED_HOPS_VULNERABLE : UNPLACED_HOPS);
	}
	free(ix);
	return ALLOC_OK;
}

/* Shelters that can take anyone at all: open and usable. Full ones are
 * kept (free0 <= 0) so that the reason "all full" can be told apart from
 * "none in reach". */
static int
load_shelters(struct work *w, const struct alloc_shelter *sh, size_t m,
	      char *err, size_t errlen)
{
	struct idsort *ix;
	size_t k = 0;
	int rc;

	for (size_t j = 0; j < m; j++)
		if (!isfinite(sh[j].x) || !isfinite(sh[j].y))
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "assign: shelter %u: x, y not "
					    "finite", sh[j].id);
	rc = sort_ids(sh, m, sizeof(*sh), offsetof(struct alloc_shelter, id),
		      &ix, "shelter", err, errlen);
	if (rc != ALLOC_OK)
		return rc;
	w->s = calloc(m ? m : 1, sizeof(*w->s));
	if (w->s == NULL) {
		free(ix);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "assign: out of memory");
	}
	for (size_t j = 0; j < m; j++) {
		const struct alloc_shelter *src = &sh[ix[j].i];

		if (!src->open || !src->usable || src->capacity == 0)
			continue;
		w->s[k].x = src->x;
		w->s[k].y = src->y;
		w->s[k].capacity = src->capacity;
		w->s[k].free0 = (int64_t)src->capacity - src->occupancy;
		w->s[k].id = src->id;
		w->s[k].acc = src->accessible != 0;
		k++;
	}
	w->m = k;
	free(ix);
	return ALLOC_OK;
}

/* ---- grid --------------------------------------------------------------- */

static int
grid_build(struct work *w)
{
	struct grid *g = &w->grid;
	double minx = DBL_MAX, miny = DBL_MAX, maxx = -DBL_MAX,
	       maxy = -DBL_MAX, area, cell;
	size_t ncell;
	uint32_t *fill;

	if (w->m == 0)
		return ALLOC_OK;
	for (size_t j = 0; j < w->m; j++) {
		minx = fmin(minx, w->s[j].x);
		miny = fmin(miny, w->s[j].y);
		maxx = fmax(maxx, w->s[j].x);
		maxy = fmax(maxy, w->s[j].y);
	}
	/* About two shelters per cell, but never so small that a search
	 * within reach scans more than ~16 rings, nor a grid above 1024
	 * cells a side. */
	area = (maxx - minx) * (maxy - miny);
	cell = sqrt(area / (double)w->m * 2.0);
	cell = fmax(cell, w->p->max_distance_m / 16.0);
	cell = fmax(cell, (maxx - minx) / 1024.0);
	cell = fmax(cell, (maxy - miny) / 1024.0);
	cell = fmax(cell, 1.0);
	g->g = cell;
	g->minx = minx;
	g->miny = miny;
	g->nx = (long)((maxx - minx) / cell) + 1;
	g->ny = (long)((maxy - miny) / cell) + 1;
	ncell = (size_t)g->nx * (size_t)g->ny;
	g->start = calloc(ncell + 1, sizeof(*g->start));
	g->item = malloc(w->m * sizeof(*g->item));
	fill = calloc(ncell, sizeof(*fill));
	if (g->start == NULL || g->item == NULL || fill == NULL) {
		free(fill);
		return ALLOC_ENOMEM;
	}
	for (size_t j = 0; j < w->m; j++) {
		long cx = (long)((w->s[j].x - minx) / cell);
		long cy = (long)((w->s[j].y - miny) / cell);

		g->start[(size_t)cy * g->nx + cx + 1]++;
	}
	for (size_t c = 0; c < ncell; c++)
		g->start[c + 1] += g->start[c];
	/* shelters enter cells in index (= id) order */
	for (size_t j = 0; j < w->m; j++) {
		long cx = (long)((w->s[j].x - minx) / cell);
		long cy = (long)((w->s[j].y - miny) / cell);
		size_t c = (size_t)cy * g->nx + cx;

		g->item[g->start[c] + fill[c]++] = (uint32_t)j;
	}
	free(fill);
	return ALLOC_OK;
}

static double
dist(const struct hh *h, const struct sh *s)
{
	double dx = h->x - s->x, dy = h->y - s->y;

	return sqrt(dx * dx + dy * dy);
}

/* Could shelter s ever take household h (whole, accessible if needed)? */
static int
eligible(const struct hh *h, const struct sh *s)
{
	return s->free0 >= (int64_t)h->w && (!h->dis || s->acc);
}

/* ---- bounded max-heap of the k best candidates -------------------------- */

static void
heap_push(struct cand *hp, uint32_t *n, uint32_t k, struct cand c)
{
	uint32_t i;

	if (*n < k) {
		i = (*n)++;
		while (i > 0) {
			uint32_t parent = (i - 1) / 2;

			if (!cand_less(&hp[parent], &c))
				break;
			hp[i] = hp[parent];
			i = parent;
		}
		hp[i] = c;
		return;
	}
	/* full: c replaces the worst (the root) when it is better */
	if (!cand_less(&c, &hp[0]))
		return;
	i = 0;
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, big = NOPE;
		const struct cand *bc = &c;

		if (l < *n && cand_less(bc, &hp[l])) {
			big = l;
			bc = &hp[l];
		}
		if (r < *n && cand_less(bc, &hp[r]))
			big = r;
		if (big == NOPE)
			break;
		hp[i] = hp[big];
		i = big;
	}
	hp[i] = c;
}

/*
 * Search the grid around household h for eligible shelters in reach, ring
 * by ring. With limit k (> 0) keeps the k nearest in out[] (sorted) and
 * stops as soon as no unvisited cell can hold a nearer one; *more says
 * whether eligible shelters beyond the k may exist. With k == 0 collects all
 * of them into w->tmp (sorted) and returns the count.
 */
static int
search(struct work *w, const struct hh *h, uint32_t k, struct cand *out,
       uint32_t *nout, int *more)
{
	const struct grid *g = &w->grid;
	double maxd = w->p->max_distance_m;
	long cx, cy, rmax;
	uint32_t nh = 0;

	*nout = 0;
	if (more)
		*more = 0;
	w->ntmp = 0;
	if (w->m == 0)
		return ALLOC_OK;
	cx = (long)floor((h->x - g->minx) / g->g);
	cy = (long)floor((h->y - g->miny) / g->g);
	rmax = (long)ceil(maxd / g->g) + 1;
	for (long r = 0; r <= rmax; r++) {
		long x0 = cx - r, x1 = cx + r, y0 = cy - r, y1 = cy + r;

		for (long yy = y0 < 0 ? 0 : y0; yy <= y1 && yy < g->ny;
		     yy++) {
			long step;

			step = (yy == y0 || yy == y1) ? 1 : x1 - x0;
			if (step == 0)
				step = 1;
			for (long xx = x0; xx <= x1; xx += step) {
				size_t c;

				if (xx < 0 || xx >= g->nx)
					continue;
				c = (size_t)yy * g->nx + xx;
				for (uint32_t t = g->start[c];
				     t < g->start[c + 1]; t++) {
					uint32_t j = g->item[t];
					double d;
					struct cand cd;

					if (!eligible(h, &w->s[j]))
						continue;
					d = dist(h, &w->s[j]);
					if (d > maxd)
						continue;
					cd.s = j;
					cd.d = (float)d;
					if (k > 0) {
						heap_push(out, &nh, k, cd);
						continue;
					}
					if (alloc_grow((void **)&w->tmp,
						       &w->captmp,
						       w->ntmp + 1,
						       sizeof(*w->tmp)))
						return ALLOC_ENOMEM;
					w->tmp[w->ntmp++] = cd;
				}
			}
		}
		/* everything unvisited is at least r * g away */
		if (k > 0 && nh == k && out[0].d <= r * g->g) {
			if (more)
				*more = 1;
			break;
		}
		if (r * g->g > maxd)
			break;
	}
	if (k > 0) {
		if (cand_sort(w, out, nh) != ALLOC_OK)
			return ALLOC_ENOMEM;
		*nout = nh;
		/* a full heap may have left out equally near or farther
		 * ones; a heap that never filled saw everything */
		if (more && nh == k)
			*more = 1;
	} else {
		if (cand_sort(w, w->tmp, w->ntmp) != ALLOC_OK)
			return ALLOC_ENOMEM;
		*nout = (uint32_t)w->ntmp;
	}
	return ALLOC_OK;
}

static int
build_candidates(struct work *w)
{
	size_t n = w->n;

	w->k = w->p->candidates;
	if (w->m > 0 && w->k > w->m)
		w->k = (uint32_t)w->m;
	if (w->k == 0)
		w->k = 1;
	w->cand = malloc((n ? n : 1) * w->k * sizeof(*w->cand));
	w->ncand = calloc(n ? n : 1, sizeof(*w->ncand));
	w->trunc = calloc(n ? n : 1, sizeof(*w->trunc));
	w->woff = malloc((n ? n : 1) * sizeof(*w->woff));
	w->wlen = calloc(n ? n : 1, sizeof(*w->wlen));
	if (!w->cand || !w->ncand || !w->trunc || !w->woff || !w->wlen)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t nc;
		int more, rc;

		w->woff[i] = NOPE;
		rc = search(w, &w->h[i], w->k, &w->cand[i * w->k], &nc,
			    &more);
		if (rc != ALLOC_OK)
			return rc;
		w->ncand[i] = (uint16_t)nc;
		w->trunc[i] = (uint8_t)more;
	}
	return ALLOC_OK;
}

static const struct cand *
cands(const struct work *w, size_t i, uint32_t *nc)
{
	if (w->woff[i] != NOPE) {
		*nc = w->wlen[i];
		return &w->pool[w->woff[i]];
	}
	*nc = w->ncand[i];
	return &w->cand[i * w->k];
}

static int
inv_push(struct inv *v, uint32_t i, float d)
{
	if (v->n == v->cap) {
		uint32_t nc = v->cap ? v->cap * 2 : 16;
		struct cand *p = realloc(v->v, nc * sizeof(*p));

		if (p == NULL)
			return ALLOC_ENOMEM;
		v->v = p;
		v->cap = nc;
	}
	v->v[v->n].s = i;
	v->v[v->n].d = d;
	v->n++;
	return ALLOC_OK;
}

#ifndef ALLOC_SHELTER_BASELINE
/* Household i's K candidates (still in place) are about to be replaced by
 * the w->tmp list, a superset: the inverse lists get the new ones. */
static int
inverse_widen(struct work *w, size_t i)
{
	uint32_t nc;
	const struct cand *c = cands(w, i, &nc);

	if (++w->markstamp == 0) {
		memset(w->mark, 0, w->m * sizeof(*w->mark));
		w->markstamp = 1;
	}
	for (uint32_t t = 0; t < nc; t++)
		w->mark[c[t].s] = w->markstamp;
	for (size_t t = 0; t < w->ntmp; t++) {
		const struct cand *e = &w->tmp[t];

		if (w->mark[e->s] != w->markstamp &&
		    inv_push(&w->inv[e->s], (uint32_t)i, e->d))
			return ALLOC_ENOMEM;
	}
	return ALLOC_OK;
}
#endif

/* Replace household i's K candidates by every eligible shelter in reach. */
static int
widen(struct work *w, size_t i)
{
	uint32_t nc;
	int rc;

	rc = search(w, &w->h[i], 0, NULL, &nc, NULL);
	if (rc != ALLOC_OK)
		return rc;
#ifndef ALLOC_SHELTER_BASELINE
	if (w->inv != NULL && (rc = inverse_widen(w, i)) != ALLOC_OK)
		return rc;
#endif
	if (alloc_grow((void **)&w->pool, &w->cappool, w->npool + nc,
		       sizeof(*w->pool)))
		return ALLOC_ENOMEM;
	memcpy(&w->pool[w->npool], w->tmp, nc * sizeof(*w->tmp));
	w->woff[i] = (uint32_t)w->npool;
	w->wlen[i] = nc;
	w->npool += nc;
	w->trunc[i] = 0;
	return ALLOC_OK;
}

/* ---- the price-directed assignment -------------------------------------- */

static int
vec_push(struct vec *v, uint32_t x, uint32_t *pos)
{
	if (v->n == v->cap) {
		uint32_t nc = v->cap ? v->cap * 2 : 8;
		uint32_t *p = realloc(v->v, nc * sizeof(*p));

		if (p == NULL)
			return ALLOC_ENOMEM;
		v->v = p;
		v->cap = nc;
	}
	*pos = v->n;
	v->v[v->n++] = x;
	return ALLOC_OK;
}

static int
place(struct work *w, size_t i, uint32_t j)
{
	int rc = vec_push(&w->mem[j], (uint32_t)i, &w->pos[i]);

	if (rc != ALLOC_OK)
		return rc;
	w->at[i] = j;
	w->curd[i] = (float)dist(&w->h[i], &w->s[j]);
	w->load[j] += w->h[i].w;
	return ALLOC_OK;
}

static void
unplace(struct work *w, size_t i)
{
	uint32_t j = w->at[i];
	struct vec *v = &w->mem[j];
	uint32_t p = w->pos[i], last = v->v[--v->n];

	v->v[p] = last;
	w->pos[last] = p;
	w->at[i] = NOPE;
	w->load[j] -= w->h[i].w;
}

static void
enqueue_room(struct work *w, uint32_t j)
{
	if (w->rqueued[j] || w->load[j] >= w->s[j].free0 ||
	    w->price[j] <= 0)
		return;
	w->rqueued[j] = 1;
	w->rqueue[(w->rhead + w->rlen++) % w->m] = j;
}

static void
enqueue(struct work *w, uint32_t j)
{
	if (w->queued[j] || w->load[j] <= w->s[j].free0)
		return;
	w->queued[j] = 1;
	w->queue[(w->qhead + w->qlen++) % w->m] = j;
}

/*
 * Best shelter for household i other than `skip`, at the current prices:
 * *best = shelter or NOPE (unplaced), *val its value. Widens the candidate
 * list when the K nearest are not enough to be sure.
 */
static int
best_choice(struct work *w, size_t i, uint32_t skip, uint32_t *best,
	    double *val)
{
	const struct hh *h = &w->h[i];
	const double *price = w->price, a = h->a;
	const struct cand *c;
	uint32_t nc, b, t;
	double bv;
	int rc;

again:
	c = cands(w, i, &nc);
	b = NOPE;
	bv = h->u;
	/* the hottest loop of a crowded run (a price war scans long widened
	 * lists): one well-predicted branch per candidate, the rare ones
	 * (better or tied) behind it */
	for (t = 0; t < nc; t++) {
		double v, ad = a * c[t].d;
		uint32_t j = c[t].s;

		/* sorted by distance and prices >= 0: nothing further on
		 * can beat (or tie) bv once the trip alone exceeds it */
		if (ad > bv)
			break;
#ifdef ALLOC_SHELTER_BASELINE
		if (j == skip)
			continue;
		v = ad + price[j];
		if (v < bv || (v == bv && b != NOPE && j < b)) {
			bv = v;
			b = j;
		}
#else
		v = ad + price[j];
		if (v <= bv && j != skip &&
		    (v < bv || (b != NOPE && j < b))) {
			bv = v;
			b = j;
		}
#endif
	}
	/* candidates looked at count as work (see WORK_BUDGET): in a price
	 * war most of the time goes here, on long widened lists */
	w->work += t / 8;
	/* A shelter beyond the K has value >= a * d_K (prices >= 0). */
	if (w->trunc[i] && nc > 0 && bv > h->a * c[nc - 1].d) {
		rc = widen(w, i);
		if (rc != ALLOC_OK)
			return rc;
		goto again;
	}
	*best = b;
	*val = bv;
	return ALLOC_OK;
}

/*
 * Best shelter for household i among those with room for it now (or NOPE:
 * unplaced), at the current prices. Used once the run hurries: a family
 * shed then never makes another shelter over-full, so the cascade of sheds
 * ends after one shed per over-full shelter.
 */
static int
best_room(struct work *w, size_t i, uint32_t skip, uint32_t *best)
{
	const struct hh *h = &w->h[i];
	const struct cand *c;
	uint32_t nc, b = NOPE;
	double bv = h->u;
	int rc;

	if (w->trunc[i] && (rc = widen(w, i)) != ALLOC_OK)
		return rc;
	c = cands(w, i, &nc);
	for (uint32_t t = 0; t < nc; t++) {
		double v, ad = h->a * c[t].d;
		uint32_t j = c[t].s;

		if (ad > bv)
			break;
		/* as in best_choice: the rare cases behind one branch */
		v = ad + w->price[j];
		if (v <= bv && j != skip &&
		    w->s[j].free0 - w->load[j] >= (int64_t)h->w &&
		    (v < bv || (b != NOPE && j < b))) {
			bv = v;
			b = j;
		}
	}
	*best = b;
	return ALLOC_OK;
}

struct leave {
	double delta;  /* what leaving costs this household, per person */
	uint32_t i;
	uint32_t to;
};

/* Min-heap of leave costs (ties: lower household index first). */
static int
leave_below(const struct leave *x, const struct leave *y)
{
	return x->delta < y->delta || (x->delta == y->delta && x->i < y->i);
}

static void
leave_down(struct leave *hp, size_t n, size_t i)
{
	struct leave x = hp[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		const struct leave *tp = &x;

		if (l < n && leave_below(&hp[l], tp)) {
			top = l;
			tp = &hp[l];
		}
		if (r < n && leave_below(&hp[r], tp))
			top = r;
		if (top == i)
			break;
		hp[i] = hp[top];
		i = top;
	}
	hp[i] = x;
}

#ifndef ALLOC_SHELTER_BASELINE
static int
leave_i_cmp(const void *a, const void *b)
{
	const struct leave *x = a, *y = b;

	return alloc_cmp_u32(x->i, y->i);
}

/*
 * Members of j whose next best choice is unknown (alt -inf: after a
 * reverse step, or just moved) come out of shed's heap before all others,
 * lowest index first, and are recomputed there one by one, each then
 * sifted down the heap again (~15 % of a daemon-sized run). Recomputed
 * here, before the heap is built, in the same order (so best_choice and
 * its widenings run exactly as they did), they need no sifting. shed
 * always takes at least one household out, so it always reaches them.
 */
static int
shed_unknown(struct work *w, uint32_t j, struct leave *buf, size_t nm)
{
	size_t nu = 0;

	for (size_t t = 0; t < nm; t++) {
		if (buf[t].delta != -INFINITY)
			continue;
		if (t != nu) {
			struct leave x = buf[t];

			buf[t] = buf[nu];
			buf[nu] = x;
		}
		nu++;
	}
	if (nu <= 16) {
		for (size_t t = 1; t < nu; t++) {
			struct leave x = buf[t];
			size_t k = t;

			for (; k > 0 && buf[k - 1].i > x.i; k--)
				buf[k] = buf[k - 1];
			buf[k] = x;
		}
	} else {
		qsort(buf, nu, sizeof(*buf), leave_i_cmp);
	}
	for (size_t t = 0; t < nu; t++) {
		uint32_t i = buf[t].i, to;
		double alt, cur = w->h[i].a * w->curd[i] + w->price[j];
		int rc = best_choice(w, i, j, &to, &alt);

		if (rc != ALLOC_OK)
			return rc;
		w->alt[i] = alt;
		w->altto[i] = to;
		w->seen[i] = w->stamp;
		buf[t].delta = alt - cur;
		buf[t].to = to;
	}
	return ALLOC_OK;
}
#endif

/*
 * Shelter j is over-full: move out the households to which leaving costs
 * least (their next best choice minus where they are), until j fits, and
 * raise j's price by the largest such cost plus the step, so that those
 * that stay are still within the step of their best choice.
 *
 * The next best choice of every member is not recomputed each time: a
 * cached value (alt) is a lower bound, since prices only rise while
 * shedding; members come out of a heap by that bound and are recomputed
 * when they reach the top (lazy evaluation), so a shed costs about the
 * number of members plus a few candidate scans.
 */
static int
shed(struct work *w, uint32_t j, struct leave **buf, size_t *cap)
{
	struct vec *v = &w->mem[j];
	uint32_t nm = v->n;
	int64_t excess = w->load[j] - w->s[j].free0;
	double raise = 0, step;
	size_t nh = nm, nout = 0;
	int rc;

	if (excess <= 0)
		return ALLOC_OK;
	if (alloc_grow((void **)buf, cap, nm, sizeof(**buf)))
		return ALLOC_ENOMEM;
	w->work += nm;
	w->stamp++;
	for (uint32_t t = 0; t < nm; t++) {
		uint32_t i = v->v[t];
		double cur = w->h[i].a * w->curd[i] + w->price[j];

		(*buf)[t].delta = w->alt[i] - cur;
		(*buf)[t].i = i;
		(*buf)[t].to = w->altto[i];
	}
#ifndef ALLOC_SHELTER_BASELINE
	rc = shed_unknown(w, j, *buf, nm);
	if (rc != ALLOC_OK)
		return rc;
#endif
	for (size_t t = nh / 2; t-- > 0;)
		leave_down(*buf, nh, t);
	/* chosen households are parked at the end of buf */
	while (excess > 0 && nh > 0) {
		struct leave top = (*buf)[0];
		uint32_t i = top.i;

		if (w->seen[i] != w->stamp) {
			double alt, cur = w->h[i].a * w->curd[i] + w->price[j];
			uint32_t to;

			rc = best_choice(w, i, j, &to, &alt);
			if (rc != ALLOC_OK)
				return rc;
			w->alt[i] = alt;
			w->altto[i] = to;
			w->seen[i] = w->stamp;
			(*buf)[0].delta = alt - cur;
			(*buf)[0].to = to;
			leave_down(*buf, nh, 0);
			continue;
		}
		(*buf)[0] = (*buf)[--nh];
		if (nh > 0)
			leave_down(*buf, nh, 0);
		(*buf)[nm - 1 - nout++] = top;
		excess -= w->h[i].w;
		if (top.delta > raise)
			raise = top.delta;
	}
	/*
	 * A shelter shed again and again in one phase is in a price war
	 * (neighbours passing the same families back and forth, prices
	 * creeping up by epsilon); its step doubles every 16 sheds past
	 * WAR_SHEDS, which ends the war in a few hundred rounds at the cost
	 * of a price that may overshoot by that step (the reverse step
	 * afterwards takes back what turns out too high).
	 */
	{
		unsigned c = w->nshed[j];

		step = w->eps;
		if (w->work > w->budget)
			c = WAR_SHEDS + 16 * (c < 40 ? c : 40);
		if (c > WAR_SHEDS)
			step = ldexp(step, (int)((c - WAR_SHEDS) / 16 > 60
							 ? 60
							 : (c - WAR_SHEDS) / 16));
		if (w->nshed[j] < UINT16_MAX)
			w->nshed[j]++;
		w->price[j] += raise + step;
	}
	for (size_t t = 0; t < nout; t++) {
		struct leave *l = &(*buf)[nm - 1 - t];

		unplace(w, l->i);
		w->alt[l->i] = -INFINITY;
		if (w->work > w->budget) {
			rc = best_room(w, l->i, j, &l->to);
			if (rc != ALLOC_OK)
				return rc;
		}
		if (l->to == NOPE)
			continue;
		rc = place(w, l->i, l->to);
		if (rc != ALLOC_OK)
			return rc;
		enqueue(w, l->to);
	}
	w->rounds++;
	return ALLOC_OK;
}

static int
drain(struct work *w, struct leave **buf, size_t *cap)
{
	int rc = ALLOC_OK;

	while (w->qlen > 0 && rc == ALLOC_OK) {
		uint32_t j = w->queue[w->qhead];

		w->qhead = (w->qhead + 1) % w->m;
		w->qlen--;
		w->queued[j] = 0;
		rc = shed(w, j, buf, cap);
	}
	return rc;
}

/* Prices fell (reverse step): cached next-best values are no longer lower
 * bounds. */
static void
invalidate(struct work *w)
{
	for (size_t i = 0; i < w->n; i++)
		w->alt[i] = -INFINITY;
}

/* Value of household i where it is now (U when unplaced). */
static double
value_now(const struct work *w, size_t i)
{
	const struct hh *h = &w->h[i];

	if (w->at[i] == NOPE)
		return h->u;
	return h->a * w->curd[i] + w->price[w->at[i]];
}

/*
 * Start of a finer phase: every household more than eps better off
 * elsewhere moves there (over-full shelters then shed at the finer step).
 */
static int
settle(struct work *w)
{
	int rc;

	for (size_t i = 0; i < w->n; i++) {
		double cur = value_now(w, i), bv;
		uint32_t b;

		rc = best_choice(w, i, NOPE, &b, &bv);
		if (rc != ALLOC_OK)
			return rc;
		if (b == w->at[i] || bv >= cur - w->eps)
			continue;
		if (w->at[i] != NOPE)
			unplace(w, i);
		if (b == NOPE)
			continue;
		rc = place(w, i, b);
		if (rc != ALLOC_OK)
			return rc;
		enqueue(w, b);
	}
	return ALLOC_OK;
}

/*
 * The inverse candidate lists, built at the first reverse step. They used
 * to be rebuilt (every household's candidates) at each reverse step after
 * a widening, ~7 % of a crowded run; widen now appends to them. The order
 * inside a list is not the same then, which changes nothing: pull orders
 * the households by (gain, index).
 */
static int
inverse_build(struct work *w)
{
	w->inv = calloc(w->m ? w->m : 1, sizeof(*w->inv));
	w->mark = calloc(w->m ? w->m : 1, sizeof(*w->mark));
	if (w->inv == NULL || w->mark == NULL)
		return ALLOC_ENOMEM;
	/* sized once (a quarter more for widenings to come): growing them
	 * by doubling cost more in realloc copies than the lists */
	for (size_t i = 0; i < w->n; i++) {
		uint32_t nc;
		const struct cand *c = cands(w, i, &nc);

		for (uint32_t t = 0; t < nc; t++)
			w->inv[c[t].s].cap++;
	}
	for (size_t j = 0; j < w->m; j++) {
		struct inv *v = &w->inv[j];

		v->cap += v->cap / 4 + 16;
		v->v = malloc(v->cap * sizeof(*v->v));
		if (v->v == NULL)
			return ALLOC_ENOMEM;
	}
	for (size_t i = 0; i < w->n; i++) {
		uint32_t nc;
		const struct cand *c = cands(w, i, &nc);

		for (uint32_t t = 0; t < nc; t++)
			if (inv_push(&w->inv[c[t].s], (uint32_t)i, c[t].d))
				return ALLOC_ENOMEM;
	}
	return ALLOC_OK;
}

/* Max-heap of gains (ties: lower household index first). */
static int
gain_above(const struct leave *x, const struct leave *y)
{
	return x->delta > y->delta || (x->delta == y->delta && x->i < y->i);
}

static void
gain_down(struct leave *hp, size_t n, size_t i)
{
	struct leave x = hp[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		const struct leave *tp = &x;

		if (l < n && gain_above(&hp[l], tp)) {
			top = l;
			tp = &hp[l];
		}
		if (r < n && gain_above(&hp[r], tp))
			top = r;
		if (top == i)
			break;
		hp[i] = hp[top];
		i = top;
	}
	hp[i] = x;
}

static struct leave
gain_pop(struct leave *hp, size_t *n)
{
	struct leave top = hp[0];

	hp[0] = hp[--*n];
	if (*n > 0)
		gain_down(hp, *n, 0);
	return top;
}

#ifndef ALLOC_SHELTER_BASELINE
#define PULL_BUCKETS 64
#define PULL_SMALL 48

/*
 * The first half of pull: the households of j's inverse list not at j
 * whose gain from coming (their value now less their value at j's price
 * 0) is positive, into b[] with the gain in .delta and the persons in .to;
 * returns how many. Without a branch on the gain (half of them fail it,
 * at random): each record is written and kept or not by the count.
 */
static size_t
pull_gains(const struct work *w, uint32_t j, struct leave *b)
{
	const struct cand *iit = w->inv[j].v;
	uint32_t ni = w->inv[j].n;
	size_t nb = 0;

	for (uint32_t t = 0; t < ni; t++) {
		uint32_t i = iit[t].s, at = w->at[i];
		const struct hh *h = &w->h[i];
		double v = at == NOPE ? h->u
				      : h->a * w->curd[i] + w->price[at];
		double g = v - h->a * iit[t].d;

		b[nb].delta = g;
		b[nb].i = i;
		b[nb].to = h->w;
		nb += (size_t)((g > 0) & (at != j));
	}
	return nb;
}

/* Bucket of gain g: scale is (PULL_BUCKETS - 1) / the largest gain. */
static uint32_t
pull_bucket(double g, double scale)
{
	double x = g * scale;

	return x >= PULL_BUCKETS - 1 ? PULL_BUCKETS - 1 : (uint32_t)x;
}

/*
 * Bucket the nb gains of b[] by value (PULL_BUCKETS equal slices of
 * (0, max]) and move to the front those in the top buckets that hold at
 * least `want` persons (.to); returns how many. The bucket of a gain never
 * falls as the gain grows, so every household moved to the front has a
 * strictly higher gain than every one left behind: popping the front first
 * and the rest after gives the order one heap of all of them gives.
 */
static size_t
pull_front(struct leave *b, size_t nb, int64_t want)
{
	int64_t wt[PULL_BUCKETS] = { 0 }, cum = 0;
	double gmax = 0, scale;
	uint32_t q0 = 0;
	size_t nf = 0;

	for (size_t t = 0; t < nb; t++)
		gmax = b[t].delta > gmax ? b[t].delta : gmax;
	scale = (PULL_BUCKETS - 1) / gmax;
	for (size_t t = 0; t < nb; t++)
		wt[pull_bucket(b[t].delta, scale)] += b[t].to;
	for (uint32_t q = PULL_BUCKETS; q-- > 0;) {
		cum += wt[q];
		if (cum >= want) {
			q0 = q;
			break;
		}
	}
	if (q0 == 0)
		return nb;
	for (size_t t = 0; t < nb; t++) {
		if (pull_bucket(b[t].delta, scale) >= q0) {
			struct leave x = b[t];

			b[t] = b[nf];
			b[nf++] = x;
		}
	}
	return nf;
}

/*
 * The second half of pull, for the nb households with a positive gain in
 * b[]: households come best gain first (ties: lower index) while they fit;
 * one that does not fit is passed over (a family is not split, so it could
 * not come at any price). When the room is used up the price stops at the
 * best gain among those left; otherwise it falls to 0. A pull draws a few
 * of several hundred (about 26 of 730 in a daemon-sized run): a heap of
 * all of them was ~60 % of the auction (gain_down), so only the front that
 * pull_front picks is heaped, the rest only if the front runs out. Same
 * households, same price as one heap of all.
 */
static int
pull_draw(struct work *w, uint32_t j, struct leave *b, size_t nb,
	  int64_t room)
{
	size_t nf, nleft, rest, k = 0;
	double np = 0;
	int rc;

	nf = nb > PULL_SMALL ? pull_front(b, nb, 2 * room + 16) : nb;
	rest = nb - nf;
	nleft = nf;
	for (size_t t = nf / 2; t-- > 0;)
		gain_down(b, nf, t);
	for (;;) {
		struct leave top;

		if (nleft == 0) {
			if (rest == 0)
				break;
			memmove(b, b + nf, rest * sizeof(*b));
			nleft = rest;
			rest = 0;
			for (size_t t = nleft / 2; t-- > 0;)
				gain_down(b, nleft, t);
		}
		top = gain_pop(b, &nleft);
		if ((int64_t)top.to > room)
			continue;
		room -= top.to;
		w->pick[k++] = top.i;
		if (room == 0)
			break;
	}
	/* the best gain left: the front's top, or the rest's best when
	 * the room was used up before the front ran out */
	if (room == 0 && nleft > 0)
		np = b[0].delta;
	for (size_t t = nf; room == 0 && t < nf + rest; t++)
		np = b[t].delta > np ? b[t].delta : np;
	/* a pull lowers the price by at least eps, a few times a phase:
	 * prices going down and up cannot chase each other */
	if (np > w->price[j] - w->eps || w->npull[j] >= PULLS)
		return ALLOC_OK;
	w->npull[j]++;
	w->pulls++;
	w->price[j] = np;
	for (size_t t = 0; t < k; t++) {
		uint32_t i = w->pick[t], from = w->at[i];

		if (from != NOPE) {
			unplace(w, i);
			enqueue_room(w, from);
		}
		rc = place(w, i, j);
		if (rc != ALLOC_OK)
			return rc;
	}
	return ALLOC_OK;
}
#endif

/*
 * Reverse step (prices down): shelter j has room but a price, left over
 * from a coarser phase. Lower the price just enough to draw the households
 * that gain most from coming, as many as fit in turn; the price stops at
 * the gain of the first that does not fit, so every household that does not
 * come is still within eps of its best choice. Shelters that households
 * left are pushed on the work list.
 */
static int
pull(struct work *w, uint32_t j, struct leave **buf, size_t *cap)
{
	uint32_t ni = w->inv[j].n;
	int64_t room = w->s[j].free0 - w->load[j];

	if (room <= 0 || w->price[j] <= 0 || w->work > w->budget)
		return ALLOC_OK;
	if (alloc_grow((void **)buf, cap, (size_t)ni + 1,
		       sizeof(**buf)))
		return ALLOC_ENOMEM;
	w->work += ni;
	/* the price cannot fall by eps (see below; it never goes under 0):
	 * nothing would move */
#ifndef ALLOC_SHELTER_BASELINE
	if (w->npull[j] >= PULLS || w->price[j] < w->eps)
		return ALLOC_OK;
	return pull_draw(w, j, *buf, pull_gains(w, j, *buf), room);
#else
	const struct cand *iit = w->inv[j].v;
	size_t nb = 0;

	for (uint32_t t = 0; t < ni; t++) {
		uint32_t i = iit[t].s;
		double g;

		if (w->at[i] == j)
			continue;
		g = value_now(w, i) - w->h[i].a * iit[t].d;
		if (g <= 0)
			continue;
		(*buf)[nb].delta = g;
		(*buf)[nb].i = i;
		(*buf)[nb].to = j;
		nb++;
	}
	double np = 0;
	int rc;

	for (size_t t = nb / 2; t-- > 0;)
		gain_down(*buf, nb, t);
	/*
	 * Households come best gain first while they fit; one that does not
	 * fit is passed over (a family is not split, so it could not come
	 * at any price). When the room is used up the price stops at the
	 * best gain among those left; otherwise it falls to 0.
	 */
	{
		size_t k = 0, nleft = nb;

		while (nleft > 0) {
			struct leave top = gain_pop(*buf, &nleft);

			if ((int64_t)w->h[top.i].w > room)
				continue;
			room -= w->h[top.i].w;
			/* keep the chosen ones after the heap */
			(*buf)[nb - 1 - k] = top;
			k++;
			if (room == 0)
				break;
		}
		if (room == 0 && nleft > 0)
			np = (*buf)[0].delta;
		/* a pull lowers the price by at least eps, a few times a
		 * phase: prices going down and up cannot chase each other */
		if (np > w->price[j] - w->eps || w->npull[j] >= PULLS)
			return ALLOC_OK;
		w->npull[j]++;
		w->pulls++;
		w->price[j] = np;
		for (size_t t = 0; t < k; t++) {
			uint32_t i = (*buf)[nb - 1 - t].i, from = w->at[i];

			if (from != NOPE) {
				unplace(w, i);
				enqueue_room(w, from);
			}
			rc = place(w, i, j);
			if (rc != ALLOC_OK)
				return rc;
		}
	}
	return ALLOC_OK;
#endif
}

static int
reverse(struct work *w, struct leave **buf, size_t *cap)
{
	int rc;

#ifdef ALLOC_SHELTER_BASELINE
	/* rebuilt after every widening, in household order */
	if (w->inv != NULL && w->invpool != w->npool) {
		for (size_t j = 0; j < w->m; j++)
			free(w->inv[j].v);
		free(w->inv);
		free(w->mark);
		w->inv = NULL;
	}
	w->invpool = w->npool;
#endif
	if (w->inv == NULL && (rc = inverse_build(w)) != ALLOC_OK)
		return rc;
	rc = ALLOC_OK;
	for (uint32_t j = 0; j < w->m; j++)
		enqueue_room(w, j);
	while (rc == ALLOC_OK && w->rlen > 0) {
		uint32_t j = w->rqueue[w->rhead];

		w->rhead = (w->rhead + 1) % w->m;
		w->rlen--;
		w->rqueued[j] = 0;
		rc = pull(w, j, buf, cap);
	}
	invalidate(w);
	return rc;
}

/*
 * Starting prices when places are short. A household in reach of some
 * shelter prefers any shelter in reach to staying out while the price is
 * at most t = U - a x max_distance_m (its value of staying out less the
 * longest trip). When the households with t >= L want more places than
 * there are, one of them stays out, so at the end every shelter in its
 * reach costs at least about L: climbing there from 0 by eps steps was a
 * price war of thousands of rounds (a coastal kelurahan, 22 shelters in
 * reach of 1,000 families: 130 ms, hurried). Every price starts at the
 * highest such L instead. The auction's guarantee does not depend on
 * where prices start (a household that would rather stay out starts
 * out; a shelter left with room has its price taken back by the reverse
 * step): only the last stretch is left to find. Places are counted less
 * a family's mean size per shelter: whole families cannot use a
 * shelter's last few places, so a cluster with a place or two to spare
 * per shelter is short too (the first phase there was a price war of
 * ~3,000 sheds, 45-55 ms, on poskod's coastal incidents; now ~20 ms). With
 * places for everyone in reach, prices start at 0 as before. Returns 0 or
 * ALLOC_ENOMEM.
 */
struct tw {
	double t;
	uint32_t w;
};

static int
tw_desc(const void *a, const void *b)
{
	const struct tw *x = a, *y = b;

	return (x->t < y->t) - (x->t > y->t);
}

static int
scarce_prices(struct work *w)
{
	int64_t demand = 0, room = 0, cum = 0;
	struct tw *v;
	size_t nv = 0;
	double level = 0;

	int64_t fam = 0, waste;

	for (size_t i = 0; i < w->n; i++) {
		uint32_t nc;

		(void)cands(w, i, &nc);
		if (nc > 0) {
			demand += w->h[i].w;
			fam++;
		}
	}
	/* families are whole: a shelter's last places are lost unless a
	 * family fits them exactly, up to about a family's size */
	waste = fam > 0 ? (demand + fam / 2) / fam : 0;
	for (size_t j = 0; j < w->m; j++)
		room += w->s[j].free0 > waste ? w->s[j].free0 - waste : 0;
	if (demand <= room)
		return ALLOC_OK;
#ifdef ALLOC_SHELTER_BASELINE
	/* bench_alloc's assign_1000_scarce times the start from 0 */
	return ALLOC_OK;
#endif
	v = malloc(w->n * sizeof(*v));
	if (v == NULL)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		uint32_t nc;

		(void)cands(w, i, &nc);
		if (nc == 0)
			continue;
		v[nv].t = w->h[i].u - w->h[i].a * w->p->max_distance_m;
		v[nv].w = w->h[i].w;
		nv++;
	}
	/* equal t values are one level: their order does not matter */
	qsort(v, nv, sizeof(*v), tw_desc);
	for (size_t k = 0; k < nv; k++) {
		cum += v[k].w;
		if (cum > room) {
			level = v[k].t;
			break;
		}
	}
	free(v);
	if (level > 0)
		for (size_t j = 0; j < w->m; j++)
			w->price[j] = level;
	return ALLOC_OK;
}

/*
 * Phases at the final epsilon: shed until nothing is over-full, take back
 * prices that turned out too high (reverse), move households that are now
 * better off elsewhere (settle), and again, until a reverse step changes
 * nothing or PHASES is reached.
 */
static int
auction(struct work *w)
{
	struct leave *buf = NULL;
	size_t cap = 0;
	int rc = scarce_prices(w);

	for (size_t i = 0; i < w->n && rc == ALLOC_OK; i++) {
		uint32_t nc;
		const struct cand *c = cands(w, i, &nc);

		/* at equal prices the nearest candidate is the best one
		 * (ties between equal distances go to the lower id), unless
		 * staying out is better (scarce_prices) */
		if (nc > 0 && w->h[i].a * c[0].d + w->price[c[0].s] <= w->h[i].u)
			rc = place(w, i, c[0].s);
	}
	w->budget = WORK_BUDGET * ((uint64_t)w->n * w->k + w->m) + (1u << 20);
	w->eps = fmax(w->p->epsilon_m, w->p->max_distance_m / SCALE_START);
	for (uint32_t j = 0; j < w->m; j++)
		enqueue(w, j);
	for (int extra = 0; rc == ALLOC_OK;) {
		uint64_t pulls = w->pulls;

		rc = drain(w, &buf, &cap);
		/* coarse phases leave prices up to a step too high; the
		 * reverse step pays off once the step is small */
		if (rc == ALLOC_OK && w->eps <= REVERSE_BELOW * w->p->epsilon_m)
			rc = reverse(w, &buf, &cap);
		if (rc != ALLOC_OK)
			break;
		if (w->work > w->budget ||
		    (w->eps <= w->p->epsilon_m &&
		     (w->pulls == pulls || ++extra >= PHASES))) {
			rc = drain(w, &buf, &cap);
			break;
		}
		w->eps = fmax(w->p->epsilon_m, w->eps / SCALE_STEP);
		memset(w->nshed, 0, w->m * sizeof(*w->nshed));
		memset(w->npull, 0, w->m * sizeof(*w->npull));
		rc = settle(w);
	}
	free(buf);
	return rc;
}

/* ---- fill pass ------------------------------------------------------------ */

/* Order for the fill pass: vulnerable first, then larger families (harder
 * to fit), then id. */
static int
fill_cmp(const void *a, const void *b, const struct hh *h)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (h[x].vul != h[y].vul)
		return h[x].vul ? -1 : 1;
	if (h[x].w != h[y].w)
		return h[x].w > h[y].w ? -1 : 1;
	return alloc_cmp_u32(x, y);
}

/* qsort has no context argument in C11: a small merge sort instead. */
static void
sort_order(uint32_t *o, uint32_t *tmp, size_t n, const struct hh *h)
{
	if (n < 2)
		return;
	sort_order(o, tmp, n / 2, h);
	sort_order(o + n / 2, tmp, n - n / 2, h);
	{
		size_t a = 0, b = n / 2, k = 0;

		while (a < n / 2 && b < n)
			tmp[k++] = fill_cmp(&o[b], &o[a], h) < 0 ? o[b++]
								 : o[a++];
		while (a < n / 2)
			tmp[k++] = o[a++];
		while (b < n)
			tmp[k++] = o[b++];
		memcpy(o, tmp, n * sizeof(*o));
	}
}

/*
 * Move households into free places nearer than where they are (or give
 * unplaced ones a place), in priority order, until nothing moves. Each move
 * shortens a trip, so the total only falls.
 */
static int
fill(struct work *w)
{
	uint32_t *o, *tmp;
	int moved = 1, rc = ALLOC_OK;

	o = malloc((w->n ? w->n : 1) * sizeof(*o));
	tmp = malloc((w->n ? w->n : 1) * sizeof(*tmp));
	if (o == NULL || tmp == NULL) {
		free(o);
		free(tmp);
		return ALLOC_ENOMEM;
	}
	for (size_t i = 0; i < w->n; i++)
		o[i] = (uint32_t)i;
	sort_order(o, tmp, w->n, w->h);
	for (int pass = 0; moved && pass < 8 && rc == ALLOC_OK; pass++) {
		moved = 0;
		for (size_t t = 0; t < w->n; t++) {
			uint32_t i = o[t], nc;
			const struct cand *c;

			if (w->at[i] == NOPE && w->trunc[i]) {
				rc = widen(w, i);
				if (rc != ALLOC_OK)
					break;
			}
			c = cands(w, i, &nc);
			for (uint32_t q = 0; q < nc; q++) {
				uint32_t j = c[q].s;

				if (j == w->at[i])
					break; /* nothing nearer has room */
				if (w->s[j].free0 - w->load[j] <
				    (int64_t)w->h[i].w)
					continue;
				if (w->at[i] != NOPE)
					unplace(w, i);
				rc = place(w, i, j);
				moved = 1;
				break;
			}
			if (rc != ALLOC_OK)
				break;
		}
	}
	free(o);
	free(tmp);
	return rc;
}

/* ---- repair: augmenting paths and swaps ----------------------------------- */

/*
 * Whole families make "how many can be placed" a packing question the
 * prices alone do not settle. The repair pass takes each unplaced family
 * (vulnerable first, then larger) and searches, depth first over its
 * candidate shelters nearest first, for a chain of moves that makes room:
 * the family enters shelter j; if j lacks room, one family g living there
 * (large enough to make the room) moves to one of its own candidate
 * shelters, which may in turn push one family on, up to REPAIR_DEPTH
 * shelters; no shelter appears twice in a chain. A non-vulnerable family
 * may also be pushed out altogether (unplaced) when the family coming in
 * is as much a priority and the total below falls (a smaller family out,
 * a larger one in).
 *
 * Every chain is valued in the assignment's own objective: weighted
 * person-metres of the placed plus U per person of the unplaced; the chain
 * that lowers it most is applied. So the repair never works against the
 * priority of vulnerable families (their U is twice as high) and never
 * raises the total. Work is bounded per family (REPAIR_NODES) and overall
 * (REPAIR_BUDGET per household), counted in chain steps, so the result
 * does not depend on the machine.
 */
#define REPAIR_DEPTH 3
#define REPAIR_NODES 4096
#define REPAIR_BUDGET 48
#define SWAP_BUDGET 24

struct move {
	uint32_t i;  /* household */
	uint32_t to; /* shelter, NOPE: pushed out (unplaced) */
};

struct repair {
	struct move path[2 * REPAIR_DEPTH + 2], best[2 * REPAIR_DEPTH + 2];
	int npath, nbest;
	double bestd;
	uint64_t nodes, cap;
	uint8_t *onpath; /* per shelter */
};

static void
rep_record(struct repair *r, double d, uint32_t i, uint32_t to)
{
	if (!(d < r->bestd - 1e-6))
		return;
	r->bestd = d;
	memcpy(r->best, r->path, (size_t)r->npath * sizeof(*r->path));
	r->nbest = r->npath;
	r->best[r->nbest].i = i;
	r->best[r->nbest].to = to;
	r->nbest++;
}

/*
 * Household x has left shelter `from` (NOPE: it was unplaced, the root) and
 * needs a place; acc is the change of the objective so far. Tries its
 * candidates; `depth` more shelters may be made room in.
 */
static void
rep_dfs(struct work *w, struct repair *r, uint32_t x, uint32_t from,
	int depth, double acc)
{
	const struct hh *h = &w->h[x];
	const struct cand *c;
	uint32_t nc;

	c = cands(w, x, &nc);
	for (uint32_t q = 0; q < nc && r->nodes < r->cap; q++) {
		uint32_t j = c[q].s;
		int64_t room = w->s[j].free0 - w->load[j];
		const struct vec *v = &w->mem[j];
		double dc;

		if (j == from || r->onpath[j])
			continue;
		r->nodes++;
		dc = acc + h->a * h->w * c[q].d;
		dc -= from == NOPE ? h->w * h->u : h->a * h->w * w->curd[x];
		if (room >= (int64_t)h->w) {
			rep_record(r, dc, x, j);
			continue;
		}
		if (depth == 0)
			continue;
		r->onpath[j] = 1;
		r->path[r->npath].i = x;
		r->path[r->npath].to = j;
		r->npath++;
		for (uint32_t t = 0; t < v->n && r->nodes < r->cap; t++) {
			uint32_t g = v->v[t];
			const struct hh *hg = &w->h[g];

			if (room + (int64_t)hg->w < (int64_t)h->w)
				continue;
			r->nodes++;
			/* g pushed out: only a family no more a priority than
			 * the one coming in */
			if (!hg->vul || h->vul)
				rep_record(r,
					   dc + hg->w * hg->u -
						   hg->a * hg->w * w->curd[g],
					   g, NOPE);
			if (depth > 1)
				rep_dfs(w, r, g, j, depth - 1, dc);
		}
		r->npath--;
		r->onpath[j] = 0;
	}
}

/* Apply the best chain found: everyone on it leaves, then arrives. */
static int
rep_apply(struct work *w, const struct repair *r)
{
	for (int k = 0; k < r->nbest; k++)
		if (w->at[r->best[k].i] != NOPE)
			unplace(w, r->best[k].i);
	for (int k = 0; k < r->nbest; k++)
		if (r->best[k].to != NOPE &&
		    place(w, r->best[k].i, r->best[k].to) != ALLOC_OK)
			return ALLOC_ENOMEM;
	return ALLOC_OK;
}

static int
repair(struct work *w)
{
	uint32_t *o, *tmp;
	struct repair r;
	uint64_t budget = REPAIR_BUDGET * (uint64_t)w->n + 65536, used = 0;
	int rc = ALLOC_OK;

	memset(&r, 0, sizeof(r));
	o = malloc((w->n ? w->n : 1) * sizeof(*o));
	tmp = malloc((w->n ? w->n : 1) * sizeof(*tmp));
	r.onpath = calloc(w->m ? w->m : 1, 1);
	if (o == NULL || tmp == NULL || r.onpath == NULL) {
		rc = ALLOC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < w->n; i++)
		o[i] = (uint32_t)i;
	sort_order(o, tmp, w->n, w->h);
	for (size_t t = 0; t < w->n && rc == ALLOC_OK && used < budget; t++) {
		uint32_t i = o[t];

		if (w->at[i] != NOPE)
			continue;
		if (w->trunc[i] && (rc = widen(w, i)) != ALLOC_OK)
			break;
		r.npath = r.nbest = 0;
		r.bestd = 0; /* only chains that lower the total */
		r.nodes = 0;
		r.cap = budget - used < REPAIR_NODES ? budget - used
						     : REPAIR_NODES;
		rep_dfs(w, &r, i, NOPE, REPAIR_DEPTH, 0);
		used += r.nodes;
		if (r.nbest > 0)
			rc = rep_apply(w, &r);
	}
	if (used >= budget)
		w->rushed = 1;
	/* then chains that shorten trips: a placed family leaves its shelter
	 * and looks for a chain (a swap is a chain back to its shelter);
	 * a budget of its own, running out of it is no hurry */
	used = 0;
	for (size_t t = 0; t < w->n && rc == ALLOC_OK && used < budget; t++) {
		uint32_t i = o[t], a = w->at[i];

		if (a == NOPE)
			continue;
		unplace(w, i);
		r.npath = r.nbest = 0;
		r.bestd = -1e-6;
		r.nodes = 0;
		r.cap = budget - used < REPAIR_NODES ? budget - used
						     : REPAIR_NODES;
		rep_dfs(w, &r, i, a, REPAIR_DEPTH, 0);
		used += r.nodes;
		rc = r.nbest > 0 ? rep_apply(w, &r) : place(w, i, a);
	}
out:
	free(o);
	free(tmp);
	free(r.onpath);
	return rc;
}

/*
 * Pairwise swaps: household i at A and g at a shelter j nearer to i trade
 * places when both fit, both stay within the rules (reach, accessible) and
 * the weighted person-metres fall. Visits households in priority order,
 * only shelters nearer than where i is; bounded by SWAP_BUDGET per
 * household.
 */
static int
swaps(struct work *w)
{
	uint32_t *o, *tmp;
	uint64_t budget = SWAP_BUDGET * (uint64_t)w->n + 65536, used = 0;
	double maxd = w->p->max_distance_m;

	o = malloc((w->n ? w->n : 1) * sizeof(*o));
	tmp = malloc((w->n ? w->n : 1) * sizeof(*tmp));
	if (o == NULL || tmp == NULL) {
		free(o);
		free(tmp);
		return ALLOC_ENOMEM;
	}
	for (size_t i = 0; i < w->n; i++)
		o[i] = (uint32_t)i;
	sort_order(o, tmp, w->n, w->h);
	for (size_t t = 0; t < w->n && used < budget; t++) {
		uint32_t i = o[t], a = w->at[i], nc, bg = NOPE, bj = NOPE;
		const struct hh *h = &w->h[i];
		const struct cand *c;
		double bd = -1e-6;

		if (a == NOPE)
			continue;
		c = cands(w, i, &nc);
		for (uint32_t q = 0; q < nc && c[q].s != a; q++) {
			uint32_t j = c[q].s;
			const struct vec *v = &w->mem[j];
			int64_t ra = w->s[a].free0 - w->load[a] + h->w,
				rj = w->s[j].free0 - w->load[j] - h->w;
			double gi = h->a * h->w * (c[q].d - w->curd[i]);

			used += v->n + 1;
			for (uint32_t k = 0; k < v->n; k++) {
				uint32_t g = v->v[k];
				const struct hh *hg = &w->h[g];
				double dg, d;

				if ((int64_t)hg->w > ra ||
				    rj + (int64_t)hg->w < 0 ||
				    (hg->dis && !w->s[a].acc))
					continue;
				dg = dist(hg, &w->s[a]);
				if (dg > maxd)
					continue;
				d = gi + hg->a * hg->w * (dg - w->curd[g]);
				if (d < bd) {
					bd = d;
					bg = g;
					bj = j;
				}
			}
		}
		if (bg == NOPE)
			continue;
		unplace(w, i);
		unplace(w, bg);
		if (place(w, i, bj) != ALLOC_OK || place(w, bg, a) != ALLOC_OK) {
			free(o);
			free(tmp);
			return ALLOC_ENOMEM;
		}
	}
	free(o);
	free(tmp);
	return ALLOC_OK;
}

/* ---- reasons and output --------------------------------------------------- */

/* Why household h has no place: look at every open, usable shelter in reach
 * that could hold the family, ignoring how full it is. */
static uint8_t
reason(const struct work *w, const struct hh *h)
{
	double maxd = w->p->max_distance_m;
	int any = 0, acc = 0;

	for (size_t j = 0; j < w->m; j++) {
		const struct sh *s = &w->s[j];

		if (s->capacity < h->w || dist(h, s) > maxd)
			continue;
		any = 1;
		if (s->acc)
			acc = 1;
	}
	if (!any)
		return ALLOC_NONE_IN_REACH;
	if (h->dis && !acc)
		return ALLOC_NO_ACCESSIBLE;
	return ALLOC_ALL_FULL;
}

static void
write_out(struct work *w, const struct alloc_household *hh,
	  struct alloc_assignment *out, struct alloc_assign_stats *st)
{
	struct alloc_assign_stats s;

	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < w->n; i++) {
		const struct hh *h = &w->h[i];
		struct alloc_assignment *o = &out[h->src];

		o->household = hh[h->src].id;
		if (w->at[i] == NOPE) {
			o->shelter = ALLOC_NONE;
			o->reason = reason(w, h);
			o->distance_m = 0;
			s.households_unplaced++;
			s.persons_unplaced += h->w;
			continue;
		}
		o->shelter = w->s[w->at[i]].id;
		o->reason = ALLOC_PLACED;
		o->distance_m = dist(h, &w->s[w->at[i]]);
		s.households_placed++;
		s.persons_placed += h->w;
		s.person_metres += h->w * o->distance_m;
	}
	s.price_rounds = w->rounds;
	s.hurried = w->work > w->budget || w->rushed;
	if (st)
		*st = s;
}

static void
work_free(struct work *w)
{
	free(w->h);
	free(w->s);
	free(w->grid.start);
	free(w->grid.item);
	free(w->cand);
	free(w->ncand);
	free(w->trunc);
	free(w->woff);
	free(w->wlen);
	free(w->pool);
	free(w->at);
	free(w->stmp);
	free(w->pos);
	free(w->curd);
	free(w->alt);
	free(w->altto);
	free(w->seen);
	if (w->mem)
		for (size_t j = 0; j < w->m; j++)
			free(w->mem[j].v);
	free(w->mem);
	free(w->load);
	free(w->price);
	free(w->tmp);
	free(w->queue);
	free(w->queued);
	free(w->rqueue);
	free(w->nshed);
	free(w->npull);
	free(w->pick);
	free(w->rqueued);
	if (w->inv)
		for (size_t j = 0; j < w->m; j++)
			free(w->inv[j].v);
	free(w->inv);
	free(w->mark);
}

static int
work_alloc(struct work *w)
{
	size_t n = w->n ? w->n : 1, m = w->m ? w->m : 1;

	w->at = malloc(n * sizeof(*w->at));
	w->pos = malloc(n * sizeof(*w->pos));
	w->curd = malloc(n * sizeof(*w->curd));
	w->alt = malloc(n * sizeof(*w->alt));
	w->altto = malloc(n * sizeof(*w->altto));
	w->seen = calloc(n, sizeof(*w->seen));
	w->mem = calloc(m, sizeof(*w->mem));
	w->load = calloc(m, sizeof(*w->load));
	w->price = calloc(m, sizeof(*w->price));
	w->queue = malloc(m * sizeof(*w->queue));
	w->queued = calloc(m, sizeof(*w->queued));
	w->rqueue = malloc(m * sizeof(*w->rqueue));
	w->nshed = calloc(m, sizeof(*w->nshed));
	w->npull = calloc(m, sizeof(*w->npull));
	w->pick = malloc(n * sizeof(*w->pick));
	w->rqueued = calloc(m, sizeof(*w->rqueued));
	if (!w->at || !w->pos || !w->curd || !w->alt || !w->altto ||
	    !w->seen || !w->mem || !w->load || !w->price ||
	    !w->queue || !w->queued || !w->rqueue || !w->rqueued ||
	    !w->nshed || !w->npull || !w->pick)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		w->at[i] = NOPE;
		w->alt[i] = -INFINITY;
	}
	return ALLOC_OK;
}

int
alloc_shelter_assign(const struct alloc_household *hh, size_t n,
		     const struct alloc_shelter *sh, size_t m,
		     const struct alloc_assign_params *p,
		     struct alloc_assignment *out,
		     struct alloc_assign_stats *stats, char *err,
		     size_t errlen)
{
	struct work w;
	int rc;

	memset(&w, 0, sizeof(w));
	if ((n > 0 && (hh == NULL || out == NULL)) || (m > 0 && sh == NULL))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: NULL argument");
	if (n > UINT32_MAX - 1 || m > UINT32_MAX - 1)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "assign: too many households or shelters");
	rc = alloc_assign_params_validate(p, err, errlen);
	if (rc != ALLOC_OK)
		return rc;
	w.p = p;
	rc = load_households(&w, hh, n, err, errlen);
	if (rc == ALLOC_OK)
		rc = load_shelters(&w, sh, m, err, errlen);
	if (rc != ALLOC_OK)
		goto fail;
	if ((rc = grid_build(&w)) != ALLOC_OK ||
	    (rc = build_candidates(&w)) != ALLOC_OK ||
	    (rc = work_alloc(&w)) != ALLOC_OK ||
	    (rc = auction(&w)) != ALLOC_OK || (rc = fill(&w)) != ALLOC_OK ||
	    (rc = repair(&w)) != ALLOC_OK || (rc = fill(&w)) != ALLOC_OK ||
	    (rc = swaps(&w)) != ALLOC_OK || (rc = fill(&w)) != ALLOC_OK) {
		alloc_seterr(err, errlen, rc, "assign: out of memory");
		goto fail;
	}
	write_out(&w, hh, out, stats);
fail:
	work_free(&w);
	return rc;
}
