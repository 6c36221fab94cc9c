/*
 * alloc/report.c - SPM counts per incident, per shelter and per kelurahan
 * of origin (see alloc/report.h).
 *
 * Unique counts (households placed, persons fed) go to the first shelter a
 * household stayed in within the range, so that shelter rows add up to the
 * total even when families were moved.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/report.h"
#include "alloc/internal.h"

#include <stdlib.h>
#include <string.h>

static int
u32cmp(const void *a, const void *b)
{
	return alloc_cmp_u32(*(const uint32_t *)a, *(const uint32_t *)b);
}

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static long
find_u32(const uint32_t *v, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == key ? (long)lo : -1;
}

void
alloc_report_free(struct alloc_report *r)
{
	if (r == NULL)
		return;
	free(r->shelters);
	free(r->kelurahan);
	memset(r, 0, sizeof(*r));
}

struct work {
	const struct alloc_plan *pl;
	const struct alloc_incident *inc;
	alloc_day lo, hi; /* [lo, hi): range within the period */
	struct alloc_counts *sc; /* per plan shelter */
	uint8_t *sused;
	uint32_t *kel;    /* distinct kelurahan codes, sorted */
	size_t nkel;
	struct alloc_counts *kc;
	uint32_t *first;  /* per evacuee: first stay in range, or NONE */
	uint64_t *pairs;  /* (kelurahan index << 32 | shelter index) */
	size_t npairs;
};

static void
add_household(struct alloc_counts *c, const struct alloc_evacuee *e)
{
	c->households_affected++;
	c->persons_affected += e->hh.persons;
	if (e->evacuate) {
		c->households_evacuating++;
		c->persons_evacuating += e->hh.persons;
	}
	if (e->status == ALLOC_ST_UNPLACED) {
		c->households_unplaced++;
		c->persons_unplaced += e->hh.persons;
	}
}

static void
add_kits(struct alloc_counts *c, const struct alloc_supply_params *sp,
	 const struct alloc_evacuee *e)
{
	int64_t k[ALLOC_ITEM_COUNT];

	alloc_supply_kits(sp, &e->hh, k);
	for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
		c->kits_due[it] += (uint64_t)k[it];
	c->persons_clothed += e->hh.persons;
}

static int
households(struct work *w)
{
	const struct alloc_plan *pl = w->pl;
	size_t n = 0;

	w->kel = malloc((pl->nevacuees ? pl->nevacuees : 1) * sizeof(*w->kel));
	if (w->kel == NULL)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < pl->nevacuees; i++)
		if (pl->evacuees[i].incident == w->inc->id)
			w->kel[n++] = pl->evacuees[i].hh.kelurahan;
	qsort(w->kel, n, sizeof(*w->kel), u32cmp);
	for (size_t i = 0; i < n; i++)
		if (w->nkel == 0 || w->kel[i] != w->kel[w->nkel - 1])
			w->kel[w->nkel++] = w->kel[i];
	w->kc = calloc(w->nkel ? w->nkel : 1, sizeof(*w->kc));
	return w->kc ? ALLOC_OK : ALLOC_ENOMEM;
}

/* Days of stay st within the range and the period. */
static alloc_day
stay_days(const struct work *w, const struct alloc_stay *st)
{
	alloc_day a = st->day_in > w->lo ? st->day_in : w->lo;
	alloc_day b = st->day_out < w->hi ? st->day_out : w->hi;

	return b > a ? b - a : 0;
}

static int
stays(struct work *w, struct alloc_counts *tot)
{
	const struct alloc_plan *pl = w->pl;
	const struct alloc_supply_params *sp = &pl->params.supply;
	size_t cap = 0;

	w->first = malloc((pl->nevacuees ? pl->nevacuees : 1) *
			  sizeof(*w->first));
	if (w->first == NULL)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < pl->nevacuees; i++)
		w->first[i] = ALLOC_NONE;
	for (size_t i = 0; i < pl->nstays; i++) {
		const struct alloc_stay *st = &pl->stays[i];
		alloc_day d;
		long si, ei, ki;
		uint64_t pd;

		if (st->incident != w->inc->id || (d = stay_days(w, st)) == 0)
			continue;
		si = alloc_plan_shelter_find(pl, st->shelter);
		ei = alloc_plan_evacuee_find(pl, st->incident, st->household);
		if (si < 0 || ei < 0)
			continue;
		pd = (uint64_t)st->persons * (uint64_t)d;
		w->sc[si].person_days += pd;
		w->sc[si].meals_due += pd * sp->meals_per_day;
		w->sused[si] = 1;
		ki = find_u32(w->kel, w->nkel, pl->evacuees[ei].hh.kelurahan);
		w->kc[ki].person_days += pd;
		w->kc[ki].meals_due += pd * sp->meals_per_day;
		tot->person_days += pd;
		tot->meals_due += pd * sp->meals_per_day;
		if (w->first[ei] == ALLOC_NONE)
			w->first[ei] = (uint32_t)i;
		if (alloc_grow((void **)&w->pairs, &cap, w->npairs + 1,
			       sizeof(*w->pairs)))
			return ALLOC_ENOMEM;
		w->pairs[w->npairs++] = ((uint64_t)ki << 32) | (uint64_t)si;
	}
	/* unique counts at the first stay in range */
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		long si, ki;

		if (w->first[i] == ALLOC_NONE)
			continue;
		si = alloc_plan_shelter_find(pl, pl->stays[w->first[i]].shelter);
		ki = find_u32(w->kel, w->nkel, e->hh.kelurahan);
		w->sc[si].households_placed++;
		w->sc[si].persons_placed += e->hh.persons;
		w->sc[si].persons_fed += e->hh.persons;
		w->kc[ki].households_placed++;
		w->kc[ki].persons_placed += e->hh.persons;
		w->kc[ki].persons_fed += e->hh.persons;
		tot->households_placed++;
		tot->persons_placed += e->hh.persons;
		tot->persons_fed += e->hh.persons;
	}
	return ALLOC_OK;
}

static void
supplies(struct work *w, struct alloc_counts *tot)
{
	const struct alloc_plan *pl = w->pl;
	alloc_day lo = w->lo, hi = w->hi;

	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];
		uint64_t q = (uint64_t)d->qty;
		long si;

		if (d->incident != w->inc->id ||
		    d->state == ALLOC_DISPATCH_RELEASED || d->day < lo ||
		    d->day >= hi)
			continue;
		si = alloc_plan_shelter_find(pl, d->shelter);
		if (si < 0)
			continue;
		if (d->item == ALLOC_ITEM_MEAL) {
			w->sc[si].meals_planned += q;
			tot->meals_planned += q;
			if (d->state == ALLOC_DISPATCH_CONFIRMED) {
				w->sc[si].meals_delivered += q;
				tot->meals_delivered += q;
			}
			continue;
		}
		w->sc[si].kits_planned[d->item] += q;
		tot->kits_planned[d->item] += q;
		if (d->state == ALLOC_DISPATCH_CONFIRMED) {
			w->sc[si].kits_issued[d->item] += q;
			tot->kits_issued[d->item] += q;
		}
	}
	for (size_t i = 0; i < pl->nshortages; i++) {
		const struct alloc_shortage *s = &pl->shortages[i];
		uint64_t q = (uint64_t)s->deficit;
		long si;

		if (s->incident != w->inc->id || s->deficit <= 0 ||
		    s->day < lo || s->day >= hi)
			continue;
		si = alloc_plan_shelter_find(pl, s->shelter);
		if (si < 0)
			continue;
		if (s->item == ALLOC_ITEM_MEAL) {
			w->sc[si].meals_short += q;
			tot->meals_short += q;
		} else {
			w->sc[si].kits_short[s->item] += q;
			tot->kits_short[s->item] += q;
		}
	}
}

static void
evacuees(struct work *w, struct alloc_counts *tot)
{
	const struct alloc_plan *pl = w->pl;
	const struct alloc_supply_params *sp = &pl->params.supply;

	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		long ki, si;

		if (e->incident != w->inc->id)
			continue;
		ki = find_u32(w->kel, w->nkel, e->hh.kelurahan);
		add_household(tot, e);
		add_household(&w->kc[ki], e);
		if (e->first_day == ALLOC_DAY_NEVER || e->first_day < w->lo ||
		    e->first_day >= w->hi)
			continue;
		si = alloc_plan_shelter_find(pl, e->kit_shelter);
		add_kits(tot, sp, e);
		add_kits(&w->kc[ki], sp, e);
		if (si >= 0)
			add_kits(&w->sc[si], sp, e);
	}
}

static int
rows(struct work *w, struct alloc_report *out)
{
	const struct alloc_plan *pl = w->pl;
	size_t ns = 0;

	for (size_t j = 0; j < pl->nshelters; j++) {
		if (!w->sused[j]) {
			/* kits or meals may still name it (a stay that ended
			 * before the range): keep rows that carry numbers */
			static const struct alloc_counts zero;

			if (memcmp(&w->sc[j], &zero, sizeof(zero)) == 0)
				continue;
		}
		w->sc[j].shelters_used = w->sused[j];
		out->total.shelters_used += w->sused[j];
		ns++;
	}
	out->shelters = calloc(ns ? ns : 1, sizeof(*out->shelters));
	out->kelurahan = calloc(w->nkel ? w->nkel : 1, sizeof(*out->kelurahan));
	if (out->shelters == NULL || out->kelurahan == NULL)
		return ALLOC_ENOMEM;
	for (size_t j = 0; j < pl->nshelters; j++) {
		static const struct alloc_counts zero;

		if (!w->sused[j] && memcmp(&w->sc[j], &zero, sizeof(zero)) == 0)
			continue;
		out->shelters[out->nshelters].key = pl->shelters[j].s.id;
		out->shelters[out->nshelters].c = w->sc[j];
		out->nshelters++;
	}
	/* shelters used per kelurahan: distinct (kelurahan, shelter) */
	if (w->npairs) /* pairs is NULL when nobody was placed */
		qsort(w->pairs, w->npairs, sizeof(*w->pairs), u64cmp);
	for (size_t i = 0; i < w->npairs; i++) {
		if (i > 0 && w->pairs[i] == w->pairs[i - 1])
			continue;
		w->kc[w->pairs[i] >> 32].shelters_used++;
	}
	for (size_t k = 0; k < w->nkel; k++) {
		out->kelurahan[k].key = w->kel[k];
		out->kelurahan[k].c = w->kc[k];
	}
	out->nkelurahan = w->nkel;
	return ALLOC_OK;
}

int
alloc_report_incident(const struct alloc_plan *pl, uint32_t incident,
		      alloc_day from, alloc_day to, struct alloc_report *out,
		      char *err, size_t errlen)
{
	struct work w;
	long at;
	int rc = ALLOC_ENOMEM;
	int64_t end;

	if (pl == NULL || out == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "report: NULL argument");
	memset(out, 0, sizeof(*out));
	at = alloc_plan_incident_find(pl, incident);
	if (at < 0)
		return alloc_seterr(err, errlen, ALLOC_ENOENT,
				    "report: no incident %u", incident);
	if (from > to)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "report: empty range");
	memset(&w, 0, sizeof(w));
	w.pl = pl;
	w.inc = &pl->incidents[at];
	/* range within the emergency period */
	end = (int64_t)w.inc->start + w.inc->days;
	w.lo = from > w.inc->start ? from : w.inc->start;
	w.hi = (int64_t)to + 1 < end ? (alloc_day)((int64_t)to + 1)
				     : (alloc_day)end;
	if (w.hi < w.lo)
		w.hi = w.lo;
	out->incident = incident;
	out->from = from;
	out->to = to;
	w.sc = calloc(pl->nshelters ? pl->nshelters : 1, sizeof(*w.sc));
	w.sused = calloc(pl->nshelters ? pl->nshelters : 1, 1);
	if (w.sc == NULL || w.sused == NULL)
		goto fail;
	if ((rc = households(&w)) != ALLOC_OK ||
	    (rc = stays(&w, &out->total)) != ALLOC_OK)
		goto fail;
	/* kits due and unique counts use the first day, which lies in the
	 * period; supplies are counted by their day in the same window */
	supplies(&w, &out->total);
	evacuees(&w, &out->total);
	rc = rows(&w, out);
fail:
	if (rc != ALLOC_OK) {
		alloc_report_free(out);
		alloc_seterr(err, errlen, rc, "report: out of memory");
	}
	free(w.sc);
	free(w.sused);
	free(w.kel);
	free(w.kc);
	free(w.first);
	free(w.pairs);
	return rc;
}
