/*
 * alloc/plan.c - the living plan (see alloc/plan.h): incidents, stays,
 * dispatches with their reservations, shortages, and the steps that change
 * them.
 *
 * Every step ends with reconcile(): the needs (meals per shelter per day,
 * kits per shelter per arrival day) are recomputed from the stays, and the
 * dispatch lines are brought to them - surplus released first, then the
 * missing units planned day by day, oldest day first, from the nearest
 * depot with stock, first-expiring usable lot first; what cannot be planned
 * is a shortage.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/plan.h"
#include "alloc/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOPE UINT32_MAX

/* ---- small hash maps -------------------------------------------------------- */

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64 finaliser: spreads ids that differ in few bits */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Open addressing: slots hold index + 1 (0 = empty). */
struct map {
	uint32_t *slot;
	size_t cap; /* power of two */
	size_t n;
};

/* A cell: one (incident, shelter, day, item) of need. */
struct cell {
	uint32_t incident, shelter;
	alloc_day day;
	uint8_t item;
	int64_t need;
	uint32_t first;    /* first dispatch line, chained by line_next */
	uint32_t shortage; /* index in shortages or NOPE */
};

struct alloc_plan_priv {
	struct map evmap;  /* (incident, household) -> evacuee */
	uint64_t *evkey;   /* key per evacuee, for rehashing */
	size_t capev, capevkey, capstay, capdisp, capshort, capinc, capsh;
	struct cell *cells;
	size_t ncells, capcells;
	struct map cellmap;
	uint32_t *line_next; /* per dispatch */
	size_t capnext;
	uint32_t *excl;      /* scratch per shelter */
};

static uint64_t
evkey(uint32_t incident, uint32_t household)
{
	return ((uint64_t)incident << 32) | household;
}

static uint64_t
cellhash(uint32_t incident, uint32_t shelter, alloc_day day, int item)
{
	return mix64(evkey(incident, shelter) ^
		     mix64(((uint64_t)(uint32_t)day << 8) | (uint64_t)item));
}

static int
map_init(struct map *m, size_t cap)
{
	m->slot = calloc(cap, sizeof(*m->slot));
	m->cap = cap;
	m->n = 0;
	return m->slot ? ALLOC_OK : ALLOC_ENOMEM;
}

/* ---- evacuee map ------------------------------------------------------------ */

static long
ev_find(const struct alloc_plan *pl, uint32_t incident, uint32_t household)
{
	const struct map *m = &pl->priv->evmap;
	uint64_t k = evkey(incident, household);
	size_t i = mix64(k) & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		uint32_t v = m->slot[i];

		if (v == 0)
			return -1;
		if (pl->priv->evkey[v - 1] == k)
			return (long)(v - 1);
	}
}

static void
ev_insert_slot(struct map *m, const uint64_t *keys, uint32_t idx)
{
	size_t i = mix64(keys[idx]) & (m->cap - 1);

	while (m->slot[i] != 0)
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = idx + 1;
	m->n++;
}

static int
ev_map_grow(struct alloc_plan *pl, size_t need)
{
	struct map *m = &pl->priv->evmap, nm;

	if (need * 2 <= m->cap)
		return ALLOC_OK;
	if (map_init(&nm, m->cap * 2 > need * 4 ? m->cap * 2 : need * 4) !=
	    ALLOC_OK)
		return ALLOC_ENOMEM;
	{
		size_t c = 1;

		while (c < nm.cap)
			c <<= 1;
		if (c != nm.cap) {
			free(nm.slot);
			if (map_init(&nm, c) != ALLOC_OK)
				return ALLOC_ENOMEM;
		}
	}
	for (size_t i = 0; i < pl->nevacuees; i++)
		ev_insert_slot(&nm, pl->priv->evkey, (uint32_t)i);
	free(m->slot);
	*m = nm;
	return ALLOC_OK;
}

/* ---- cell map --------------------------------------------------------------- */

static long
cell_find(const struct alloc_plan_priv *pv, uint32_t incident,
	  uint32_t shelter, alloc_day day, int item)
{
	const struct map *m = &pv->cellmap;
	size_t i = cellhash(incident, shelter, day, item) & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		uint32_t v = m->slot[i];
		const struct cell *c;

		if (v == 0)
			return -1;
		c = &pv->cells[v - 1];
		if (c->incident == incident && c->shelter == shelter &&
		    c->day == day && c->item == item)
			return (long)(v - 1);
	}
}

static void
cell_insert_slot(struct map *m, const struct cell *cells, uint32_t idx)
{
	const struct cell *c = &cells[idx];
	size_t i = cellhash(c->incident, c->shelter, c->day, c->item) &
		   (m->cap - 1);

	while (m->slot[i] != 0)
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = idx + 1;
	m->n++;
}

/* The cell for this key, created (need 0) when new. */
static long
cell_get(struct alloc_plan_priv *pv, uint32_t incident, uint32_t shelter,
	 alloc_day day, int item)
{
	long at = cell_find(pv, incident, shelter, day, item);
	struct cell *c;

	if (at >= 0)
		return at;
	if ((pv->ncells + 1) * 2 > pv->cellmap.cap) {
		struct map nm;

		if (map_init(&nm, pv->cellmap.cap * 2) != ALLOC_OK)
			return -1;
		for (size_t i = 0; i < pv->ncells; i++)
			cell_insert_slot(&nm, pv->cells, (uint32_t)i);
		free(pv->cellmap.slot);
		pv->cellmap = nm;
	}
	if (alloc_grow((void **)&pv->cells, &pv->capcells, pv->ncells + 1,
		       sizeof(*pv->cells)))
		return -1;
	c = &pv->cells[pv->ncells];
	memset(c, 0, sizeof(*c));
	c->incident = incident;
	c->shelter = shelter;
	c->day = day;
	c->item = (uint8_t)item;
	c->first = NOPE;
	c->shortage = NOPE;
	cell_insert_slot(&pv->cellmap, pv->cells, (uint32_t)pv->ncells);
	return (long)pv->ncells++;
}

/* ---- names, params ------------------------------------------------------------ */

const char *
alloc_status_name(int status)
{
	switch (status) {
	case ALLOC_ST_AFFECTED:
		return "affected";
	case ALLOC_ST_PLACED:
		return "placed";
	case ALLOC_ST_UNPLACED:
		return "unplaced";
	case ALLOC_ST_LEFT:
		return "left";
	}
	return "?";
}

const char *
alloc_dispatch_state_name(int state)
{
	switch (state) {
	case ALLOC_DISPATCH_PLANNED:
		return "planned";
	case ALLOC_DISPATCH_CONFIRMED:
		return "confirmed";
	case ALLOC_DISPATCH_RELEASED:
		return "released";
	}
	return "?";
}

void
alloc_params_default(struct alloc_params *p)
{
	memset(p, 0, sizeof(*p));
	alloc_policy_default(&p->policy);
	alloc_assign_params_default(&p->assign);
	alloc_supply_params_default(&p->supply);
}

int
alloc_params_validate(const struct alloc_params *p, char *err, size_t errlen)
{
	int rc;

	if (p == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL, "no parameters");
	if ((rc = alloc_policy_validate(&p->policy, err, errlen)) != 0 ||
	    (rc = alloc_assign_params_validate(&p->assign, err, errlen)) != 0)
		return rc;
	return alloc_supply_params_validate(&p->supply, err, errlen);
}

/* ---- look-ups ------------------------------------------------------------------ */

long
alloc_plan_incident_find(const struct alloc_plan *pl, uint32_t id)
{
	size_t lo = 0, hi = pl->nincidents;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pl->incidents[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pl->nincidents && pl->incidents[lo].id == id ? (long)lo
								 : -1;
}

long
alloc_plan_shelter_find(const struct alloc_plan *pl, uint32_t id)
{
	size_t lo = 0, hi = pl->nshelters;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pl->shelters[mid].s.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pl->nshelters && pl->shelters[lo].s.id == id ? (long)lo
								 : -1;
}

long
alloc_plan_depot_find(const struct alloc_plan *pl, uint32_t id)
{
	size_t lo = 0, hi = pl->ndepots;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pl->depots[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pl->ndepots && pl->depots[lo].id == id ? (long)lo : -1;
}

long
alloc_plan_evacuee_find(const struct alloc_plan *pl, uint32_t incident,
			uint32_t household)
{
	return ev_find(pl, incident, household);
}

uint32_t
alloc_plan_shelter_free(const struct alloc_plan *pl, size_t index)
{
	const struct alloc_plan_shelter *s = &pl->shelters[index];
	int64_t f = (int64_t)s->s.capacity - s->s.occupancy - s->placed;

	return f > 0 ? (uint32_t)f : 0;
}

/* ---- init / free ---------------------------------------------------------------- */

static int
shelter_cmp(const void *a, const void *b)
{
	const struct alloc_plan_shelter *x = a, *y = b;

	return alloc_cmp_u32(x->s.id, y->s.id);
}

static int
depot_cmp(const void *a, const void *b)
{
	const struct alloc_depot *x = a, *y = b;

	return alloc_cmp_u32(x->id, y->id);
}

void
alloc_plan_free(struct alloc_plan *pl)
{
	if (pl == NULL)
		return;
	for (size_t i = 0; i < pl->nincidents; i++)
		free(pl->incidents[i].unusable);
	free(pl->incidents);
	free(pl->shelters);
	free(pl->depots);
	free(pl->evacuees);
	free(pl->stays);
	free(pl->dispatches);
	free(pl->shortages);
	if (pl->priv) {
		free(pl->priv->evmap.slot);
		free(pl->priv->evkey);
		free(pl->priv->cells);
		free(pl->priv->cellmap.slot);
		free(pl->priv->line_next);
		free(pl->priv->excl);
		free(pl->priv);
	}
	memset(pl, 0, sizeof(*pl));
}

int
alloc_plan_init(struct alloc_plan *pl, const struct alloc_params *params,
		const struct alloc_shelter *sh, size_t nsh,
		const struct alloc_depot *dep, size_t ndep,
		struct alloc_ledger *ledger, char *err, size_t errlen)
{
	int rc;

	if (pl == NULL || params == NULL || ledger == NULL ||
	    (nsh > 0 && sh == NULL) || (ndep > 0 && dep == NULL))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	memset(pl, 0, sizeof(*pl));
	rc = alloc_params_validate(params, err, errlen);
	if (rc != ALLOC_OK)
		return rc;
	pl->params = *params;
	pl->ledger = ledger;
	pl->priv = calloc(1, sizeof(*pl->priv));
	pl->shelters = calloc(nsh ? nsh : 1, sizeof(*pl->shelters));
	pl->depots = calloc(ndep ? ndep : 1, sizeof(*pl->depots));
	if (pl->priv == NULL || pl->shelters == NULL || pl->depots == NULL ||
	    map_init(&pl->priv->evmap, 1024) != ALLOC_OK ||
	    map_init(&pl->priv->cellmap, 1024) != ALLOC_OK) {
		alloc_plan_free(pl);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	}
	pl->priv->capsh = nsh ? nsh : 1;
	for (size_t i = 0; i < nsh; i++)
		pl->shelters[i].s = sh[i];
	pl->nshelters = nsh;
	qsort(pl->shelters, nsh, sizeof(*pl->shelters), shelter_cmp);
	memcpy(pl->depots, dep, ndep * sizeof(*dep));
	pl->ndepots = ndep;
	qsort(pl->depots, ndep, sizeof(*pl->depots), depot_cmp);
	for (size_t i = 1; i < nsh; i++)
		if (pl->shelters[i].s.id == pl->shelters[i - 1].s.id) {
			uint32_t dup = pl->shelters[i].s.id;

			alloc_plan_free(pl);
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "plan: duplicate shelter id %u",
					    dup);
		}
	for (size_t i = 1; i < ndep; i++)
		if (pl->depots[i].id == pl->depots[i - 1].id) {
			uint32_t dup = pl->depots[i].id;

			alloc_plan_free(pl);
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "plan: duplicate depot id %u", dup);
		}
	return ALLOC_OK;
}

/* ---- records -------------------------------------------------------------------- */

static struct alloc_incident *
incident_get(struct alloc_plan *pl, uint32_t id)
{
	long at = alloc_plan_incident_find(pl, id);

	return at < 0 ? NULL : &pl->incidents[at];
}

static int
excluded(const struct alloc_incident *inc, uint32_t shelter)
{
	size_t lo = 0, hi = inc->nunusable;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (inc->unusable[mid] < shelter)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < inc->nunusable && inc->unusable[lo] == shelter;
}

static int
u32_cmp(const void *a, const void *b)
{
	return alloc_cmp_u32(*(const uint32_t *)a, *(const uint32_t *)b);
}

/* Merge ids into the incident's sorted unusable set. */
static int
exclude_add(struct alloc_incident *inc, const uint32_t *ids, size_t n)
{
	uint32_t *u;
	size_t k = 0;

	u = realloc(inc->unusable, (inc->nunusable + n + 1) * sizeof(*u));
	if (u == NULL)
		return ALLOC_ENOMEM;
	memcpy(u + inc->nunusable, ids, n * sizeof(*u));
	n += inc->nunusable;
	qsort(u, n, sizeof(*u), u32_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || u[i] != u[k - 1])
			u[k++] = u[i];
	inc->unusable = u;
	inc->nunusable = k;
	return ALLOC_OK;
}

static int
stay_add(struct alloc_plan *pl, uint32_t incident, uint32_t household,
	 uint32_t shelter, uint32_t persons, alloc_day day, uint32_t *index)
{
	struct alloc_stay *s;

	if (alloc_grow((void **)&pl->stays, &pl->priv->capstay,
		       pl->nstays + 1, sizeof(*pl->stays)))
		return ALLOC_ENOMEM;
	s = &pl->stays[pl->nstays];
	s->incident = incident;
	s->household = household;
	s->shelter = shelter;
	s->persons = persons;
	s->day_in = day;
	s->day_out = ALLOC_DAY_NEVER;
	s->rev = pl->rev;
	*index = (uint32_t)pl->nstays++;
	return ALLOC_OK;
}

/* End evacuee e's current stay on day (its places are free). */
static void
stay_end(struct alloc_plan *pl, struct alloc_evacuee *e, alloc_day day)
{
	struct alloc_stay *s;
	long si;

	if (e->status != ALLOC_ST_PLACED || e->stay == NOPE)
		return;
	s = &pl->stays[e->stay];
	s->day_out = day < s->day_in ? s->day_in : day;
	s->rev = pl->rev;
	si = alloc_plan_shelter_find(pl, s->shelter);
	if (si >= 0) {
		pl->shelters[si].placed -= s->persons;
		pl->shelters[si].rev = pl->rev;
	}
	e->stay = NOPE;
}

/* ---- placing ---------------------------------------------------------------------- */

/*
 * Place the evacuees listed in idx[0..n) (all of one incident, none
 * PLACED) with alloc_shelter_assign over the plan's shelters as they are
 * now; they arrive on `day`. Those not placed become UNPLACED with the
 * reason.
 */
static int
place_group(struct alloc_plan *pl, const struct alloc_incident *inc,
	    const uint32_t *idx, size_t n, alloc_day day)
{
	struct alloc_household *hh = NULL;
	struct alloc_shelter *sh = NULL;
	struct alloc_assignment *out = NULL;
	int rc = ALLOC_ENOMEM;

	if (n == 0)
		return ALLOC_OK;
	hh = malloc(n * sizeof(*hh));
	out = malloc(n * sizeof(*out));
	sh = malloc((pl->nshelters ? pl->nshelters : 1) * sizeof(*sh));
	if (hh == NULL || out == NULL || sh == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++)
		hh[i] = pl->evacuees[idx[i]].hh;
	for (size_t j = 0; j < pl->nshelters; j++) {
		sh[j] = pl->shelters[j].s;
		sh[j].occupancy += pl->shelters[j].placed;
		if (sh[j].occupancy > sh[j].capacity)
			sh[j].occupancy = sh[j].capacity;
		if (excluded(inc, sh[j].id))
			sh[j].usable = 0;
	}
	rc = alloc_shelter_assign(hh, n, sh, pl->nshelters,
				  &pl->params.assign, out, NULL, NULL, 0);
	if (rc != ALLOC_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct alloc_evacuee *e = &pl->evacuees[idx[i]];
		long si;

		e->rev = pl->rev;
		e->since = day;
		if (out[i].shelter == ALLOC_NONE) {
			e->status = ALLOC_ST_UNPLACED;
			e->reason = out[i].reason;
			e->distance_m = 0;
			continue;
		}
		rc = stay_add(pl, inc->id, e->hh.id, out[i].shelter,
			      e->hh.persons, day, &e->stay);
		if (rc != ALLOC_OK)
			goto fail;
		if (e->status == ALLOC_ST_PLACED || e->shelter != ALLOC_NONE)
			if (e->moves < UINT8_MAX)
				e->moves++;
		e->status = ALLOC_ST_PLACED;
		e->reason = ALLOC_PLACED;
		e->shelter = out[i].shelter;
		e->distance_m = out[i].distance_m;
		if (e->first_day == ALLOC_DAY_NEVER) {
			e->first_day = day;
			e->kit_shelter = out[i].shelter;
		}
		si = alloc_plan_shelter_find(pl, out[i].shelter);
		pl->shelters[si].placed += e->hh.persons;
		pl->shelters[si].rev = pl->rev;
	}
	rc = ALLOC_OK;
fail:
	free(hh);
	free(out);
	free(sh);
	return rc;
}

/* Give UNPLACED evacuees of every open incident a place if one is free. */
static int
place_unplaced(struct alloc_plan *pl, alloc_day today)
{
	uint32_t *idx = NULL;
	size_t cap = 0;
	int rc = ALLOC_OK;

	for (size_t k = 0; k < pl->nincidents && rc == ALLOC_OK; k++) {
		const struct alloc_incident *inc = &pl->incidents[k];
		size_t n = 0;

		if (!inc->open)
			continue;
		for (size_t i = 0; i < pl->nevacuees; i++) {
			if (pl->evacuees[i].incident != inc->id ||
			    pl->evacuees[i].status != ALLOC_ST_UNPLACED)
				continue;
			if (alloc_grow((void **)&idx, &cap, n + 1,
				       sizeof(*idx))) {
				rc = ALLOC_ENOMEM;
				break;
			}
			idx[n++] = (uint32_t)i;
		}
		if (rc == ALLOC_OK)
			rc = place_group(pl, inc, idx, n, today);
	}
	free(idx);
	return rc;
}

/* ---- supply: reconcile needs with dispatch lines ------------------------------------ */

struct lotref {
	uint32_t depot; /* index in pl->depots */
	uint8_t item;
	alloc_day expires;
	uint32_t lot;
	uint32_t index; /* in the ledger */
};

static int
lotref_cmp(const void *a, const void *b)
{
	const struct lotref *x = a, *y = b;
	int c;

	if ((c = alloc_cmp_u32(x->depot, y->depot)) != 0)
		return c;
	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1; /* FEFO */
	return alloc_cmp_u32(x->lot, y->lot);
}

struct depotref {
	double d;
	uint32_t depot;
};

static int
depotref_cmp(const void *a, const void *b)
{
	const struct depotref *x = a, *y = b;

	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return alloc_cmp_u32(x->depot, y->depot);
}

struct supply {
	struct lotref *lots;  /* sorted by depot, item, expiry, lot */
	size_t nlots;
	uint32_t *range;      /* per depot*ITEM_COUNT: start; +1: end */
	struct depotref *near; /* per shelter: depots by distance (lazy) */
	uint8_t *near_done;
};

static void
supply_free(struct supply *s)
{
	free(s->lots);
	free(s->range);
	free(s->near);
	free(s->near_done);
}

static int
supply_build(struct alloc_plan *pl, struct supply *s)
{
	size_t nd = pl->ndepots, nr = nd * ALLOC_ITEM_COUNT;

	memset(s, 0, sizeof(*s));
	s->lots = malloc((pl->ledger->n ? pl->ledger->n : 1) * sizeof(*s->lots));
	s->range = calloc(nr + 1, sizeof(*s->range));
	s->near = malloc((pl->nshelters * nd > 0 ? pl->nshelters * nd : 1) *
			 sizeof(*s->near));
	s->near_done = calloc(pl->nshelters ? pl->nshelters : 1, 1);
	if (!s->lots || !s->range || !s->near || !s->near_done)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < pl->ledger->n; i++) {
		const struct alloc_lot *l = &pl->ledger->lots[i];
		long di = alloc_plan_depot_find(pl, l->depot);

		if (di < 0 || l->item >= ALLOC_ITEM_COUNT)
			continue; /* a depot without a place is not planned */
		s->lots[s->nlots].depot = (uint32_t)di;
		s->lots[s->nlots].item = l->item;
		s->lots[s->nlots].expires = l->expires;
		s->lots[s->nlots].lot = l->lot;
		s->lots[s->nlots].index = (uint32_t)i;
		s->nlots++;
	}
	qsort(s->lots, s->nlots, sizeof(*s->lots), lotref_cmp);
	for (size_t i = 0; i < s->nlots; i++)
		s->range[s->lots[i].depot * ALLOC_ITEM_COUNT +
			 s->lots[i].item + 1]++;
	for (size_t r = 0; r < nr; r++)
		s->range[r + 1] += s->range[r];
	return ALLOC_OK;
}

static const struct depotref *
supply_near(struct alloc_plan *pl, struct supply *s, size_t si)
{
	struct depotref *v = &s->near[si * pl->ndepots];

	if (!s->near_done[si]) {
		const struct alloc_shelter *sh = &pl->shelters[si].s;

		for (size_t d = 0; d < pl->ndepots; d++) {
			double dx = pl->depots[d].x - sh->x,
			       dy = pl->depots[d].y - sh->y;

			v[d].d = sqrt(dx * dx + dy * dy);
			v[d].depot = (uint32_t)d;
		}
		qsort(v, pl->ndepots, sizeof(*v), depotref_cmp);
		s->near_done[si] = 1;
	}
	return v;
}

static int64_t
cell_planned(const struct alloc_plan *pl, const struct cell *c)
{
	int64_t sum = 0;

	for (uint32_t l = c->first; l != NOPE; l = pl->priv->line_next[l])
		if (pl->dispatches[l].state != ALLOC_DISPATCH_RELEASED)
			sum += pl->dispatches[l].qty;
	return sum;
}

/* Release `surplus` units of the cell's PLANNED lines, latest line first. */
static void
cell_release(struct alloc_plan *pl, struct cell *c, int64_t surplus)
{
	/* the chain runs newest first: the last planned goes back first */
	for (uint32_t l = c->first; l != NOPE && surplus > 0;
	     l = pl->priv->line_next[l]) {
		struct alloc_dispatch *d = &pl->dispatches[l];
		int64_t q;

		if (d->state != ALLOC_DISPATCH_PLANNED)
			continue;
		q = d->qty < surplus ? d->qty : surplus;
		alloc_ledger_release(pl->ledger, d->lot_index, q);
		d->qty -= q;
		surplus -= q;
		if (d->qty == 0)
			d->state = ALLOC_DISPATCH_RELEASED;
		d->rev = pl->rev;
	}
}

static int
line_add(struct alloc_plan *pl, struct cell *c, const struct lotref *lr,
	 alloc_day day, int64_t q, double dist)
{
	struct alloc_dispatch *d;
	uint32_t idx;

	/* same lot, same cell, still planned: one line */
	for (uint32_t l = c->first; l != NOPE; l = pl->priv->line_next[l]) {
		d = &pl->dispatches[l];
		if (d->state == ALLOC_DISPATCH_PLANNED &&
		    d->lot_index == lr->index && d->day == day) {
			d->qty += q;
			d->rev = pl->rev;
			return ALLOC_OK;
		}
	}
	if (alloc_grow((void **)&pl->dispatches, &pl->priv->capdisp,
		       pl->ndispatches + 1, sizeof(*pl->dispatches)) ||
	    alloc_grow((void **)&pl->priv->line_next, &pl->priv->capnext,
		       pl->ndispatches + 1, sizeof(*pl->priv->line_next)))
		return ALLOC_ENOMEM;
	idx = (uint32_t)pl->ndispatches++;
	d = &pl->dispatches[idx];
	memset(d, 0, sizeof(*d));
	d->incident = c->incident;
	d->shelter = c->shelter;
	d->depot = pl->depots[lr->depot].id;
	d->lot = lr->lot;
	d->lot_index = lr->index;
	d->day = day;
	d->expires = lr->expires;
	d->item = c->item;
	d->state = ALLOC_DISPATCH_PLANNED;
	d->qty = q;
	d->distance_m = dist;
	d->rev = pl->rev;
	pl->priv->line_next[idx] = c->first;
	c->first = idx;
	return ALLOC_OK;
}

static int
shortage_set(struct alloc_plan *pl, struct cell *c, int64_t deficit)
{
	struct alloc_shortage *s;

	if (c->shortage == NOPE) {
		if (deficit <= 0)
			return ALLOC_OK;
		if (alloc_grow((void **)&pl->shortages, &pl->priv->capshort,
			       pl->nshortages + 1, sizeof(*pl->shortages)))
			return ALLOC_ENOMEM;
		s = &pl->shortages[pl->nshortages];
		memset(s, 0, sizeof(*s));
		s->incident = c->incident;
		s->shelter = c->shelter;
		s->day = c->day;
		s->item = c->item;
		c->shortage = (uint32_t)pl->nshortages++;
	}
	s = &pl->shortages[c->shortage];
	if (deficit < 0)
		deficit = 0;
	if (s->deficit != deficit || s->rev == 0) {
		s->deficit = deficit;
		s->rev = pl->rev;
	}
	if (deficit > s->peak)
		s->peak = deficit;
	return ALLOC_OK;
}

/* Plan the cell's missing units: nearest depot with stock, FEFO lots. */
static int
cell_fill(struct alloc_plan *pl, struct supply *s, struct cell *c,
	  alloc_day today)
{
	int64_t need = c->need - cell_planned(pl, c);
	/* kits still owed from an earlier day go out today */
	alloc_day day = c->day < today ? today : c->day;
	double maxd = pl->params.supply.max_depot_distance_m;
	const struct depotref *near;
	long si;
	int rc;

	if (need <= 0)
		return shortage_set(pl, c, 0);
	si = alloc_plan_shelter_find(pl, c->shelter);
	if (si < 0)
		return shortage_set(pl, c, need);
	near = supply_near(pl, s, (size_t)si);
	for (size_t k = 0; k < pl->ndepots && need > 0; k++) {
		uint32_t di = near[k].depot;
		size_t r = (size_t)di * ALLOC_ITEM_COUNT + c->item;

		if (maxd > 0 && near[k].d > maxd)
			break;
		for (uint32_t t = s->range[r]; t < s->range[r + 1] && need > 0;
		     t++) {
			const struct lotref *lr = &s->lots[t];
			struct alloc_lot *lot = &pl->ledger->lots[lr->index];
			int64_t q = lot->qty - lot->reserved;

			/* never an expired lot: usable through its expiry
			 * day */
			if (lr->expires < day || q <= 0)
				continue;
			if (q > need)
				q = need;
			rc = alloc_ledger_reserve(pl->ledger, lr->index, q);
			if (rc != ALLOC_OK)
				return rc;
			rc = line_add(pl, c, lr, day, q, near[k].d);
			if (rc != ALLOC_OK) {
				alloc_ledger_release(pl->ledger, lr->index, q);
				return rc;
			}
			need -= q;
		}
	}
	return shortage_set(pl, c, need);
}

static int
cellref_cmp(const void *a, const void *b, const struct cell *cells)
{
	const struct cell *x = &cells[*(const uint32_t *)a],
			  *y = &cells[*(const uint32_t *)b];
	int c;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if ((c = alloc_cmp_u32(x->incident, y->incident)) != 0)
		return c;
	if ((c = alloc_cmp_u32(x->shelter, y->shelter)) != 0)
		return c;
	return x->item < y->item ? -1 : x->item > y->item;
}

static void
sort_cells(uint32_t *o, uint32_t *tmp, size_t n, const struct cell *cells)
{
	size_t a, b, k;

	if (n < 2)
		return;
	sort_cells(o, tmp, n / 2, cells);
	sort_cells(o + n / 2, tmp, n - n / 2, cells);
	for (a = 0, b = n / 2, k = 0; a < n / 2 && b < n;)
		tmp[k++] = cellref_cmp(&o[b], &o[a], cells) < 0 ? o[b++]
								 : o[a++];
	while (a < n / 2)
		tmp[k++] = o[a++];
	while (b < n)
		tmp[k++] = o[b++];
	memcpy(o, tmp, n * sizeof(*o));
}

/* Needs of one incident from its stays and evacuees, added to the cells. */
static int
needs_incident(struct alloc_plan *pl, const struct alloc_incident *inc)
{
	struct alloc_plan_priv *pv = pl->priv;
	const struct alloc_supply_params *sp = &pl->params.supply;
	alloc_day end = inc->start + (alloc_day)inc->days;

	for (size_t i = 0; i < pl->nstays; i++) {
		const struct alloc_stay *st = &pl->stays[i];
		alloc_day lo, hi;

		if (st->incident != inc->id)
			continue;
		lo = st->day_in > inc->start ? st->day_in : inc->start;
		hi = st->day_out < end ? st->day_out : end;
		for (alloc_day d = lo; d < hi; d++) {
			long c = cell_get(pv, inc->id, st->shelter, d,
					  ALLOC_ITEM_MEAL);

			if (c < 0)
				return ALLOC_ENOMEM;
			pv->cells[c].need +=
				(int64_t)st->persons * sp->meals_per_day;
		}
	}
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		int64_t k[ALLOC_ITEM_COUNT];

		if (e->incident != inc->id || e->first_day == ALLOC_DAY_NEVER)
			continue;
		alloc_supply_kits(sp, &e->hh, k);
		for (int it = 1; it < ALLOC_ITEM_COUNT; it++) {
			long c;

			if (k[it] == 0)
				continue;
			c = cell_get(pv, inc->id, e->kit_shelter, e->first_day,
				     it);
			if (c < 0)
				return ALLOC_ENOMEM;
			pv->cells[c].need += k[it];
		}
	}
	return ALLOC_OK;
}

/*
 * Bring every open incident's dispatch lines to its needs from today on:
 * recompute the needs, release the surplus of cells that need less, then
 * fill the cells that need more in order (day, incident, shelter, item),
 * recording shortages. Meal cells of days before today are history and
 * stay as they are; kit cells are filled whatever their day.
 */
static int
reconcile(struct alloc_plan *pl, alloc_day today)
{
	struct alloc_plan_priv *pv = pl->priv;
	struct supply s;
	uint32_t *order = NULL, *tmp = NULL;
	size_t n = 0;
	int rc;

	for (size_t c = 0; c < pv->ncells; c++)
		pv->cells[c].need = 0;
	for (size_t k = 0; k < pl->nincidents; k++)
		if (pl->incidents[k].open) {
			rc = needs_incident(pl, &pl->incidents[k]);
			if (rc != ALLOC_OK)
				return rc;
		}
	rc = supply_build(pl, &s);
	order = malloc((pv->ncells ? pv->ncells : 1) * sizeof(*order));
	tmp = malloc((pv->ncells ? pv->ncells : 1) * sizeof(*tmp));
	if (rc != ALLOC_OK || order == NULL || tmp == NULL) {
		rc = ALLOC_ENOMEM;
		goto out;
	}
	for (size_t c = 0; c < pv->ncells; c++) {
		struct cell *cl = &pv->cells[c];
		const struct alloc_incident *inc =
			incident_get(pl, cl->incident);
		int64_t planned;

		if (inc == NULL || !inc->open)
			continue;
		if (cl->item == ALLOC_ITEM_MEAL && cl->day < today)
			continue;
		planned = cell_planned(pl, cl);
		if (planned > cl->need)
			cell_release(pl, cl, planned - cl->need);
		order[n++] = (uint32_t)c;
	}
	sort_cells(order, tmp, n, pv->cells);
	for (size_t t = 0; t < n; t++) {
		rc = cell_fill(pl, &s, &pv->cells[order[t]], today);
		if (rc != ALLOC_OK)
			goto out;
	}
	rc = ALLOC_OK;
out:
	supply_free(&s);
	free(order);
	free(tmp);
	return rc;
}

/* ---- steps ------------------------------------------------------------------------ */

static int
hh_check(const struct alloc_household *hh, size_t n, char *err,
	 size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct alloc_household *h = &hh[i];

		if (h->persons < 1 || h->elderly > h->persons ||
		    h->under5 > h->persons || h->disabled > h->persons ||
		    h->pregnant > h->persons || !isfinite(h->x) ||
		    !isfinite(h->y))
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "plan: household %u: bad counts "
					    "or position", h->id);
	}
	return ALLOC_OK;
}

struct hidx {
	uint32_t id;
	uint32_t i;
};

static int
hidx_cmp(const void *a, const void *b)
{
	const struct hidx *x = a, *y = b;
	int c = alloc_cmp_u32(x->id, y->id);

	return c ? c : alloc_cmp_u32(x->i, y->i);
}

/*
 * Add the households not yet known to the incident as evacuee records
 * (in id order), decide evacuate per the policy, and place those that
 * evacuate. Duplicates within hh are an error.
 */
static int
add_households(struct alloc_plan *pl, struct alloc_incident *inc,
	       const struct alloc_household *hh, size_t n, alloc_day today,
	       char *err, size_t errlen)
{
	struct hidx *ix = NULL;
	uint32_t *go = NULL;
	uint8_t *ev = NULL;
	size_t ngo = 0, first = pl->nevacuees, added = 0;
	int rc = ALLOC_ENOMEM;

	ix = malloc((n ? n : 1) * sizeof(*ix));
	ev = malloc((n ? n : 1) * sizeof(*ev));
	go = malloc((n ? n : 1) * sizeof(*go));
	if (ix == NULL || ev == NULL || go == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		ix[i].id = hh[i].id;
		ix[i].i = (uint32_t)i;
	}
	qsort(ix, n, sizeof(*ix), hidx_cmp);
	for (size_t i = 1; i < n; i++)
		if (ix[i].id == ix[i - 1].id) {
			rc = alloc_seterr(err, errlen, ALLOC_EINVAL,
					  "plan: household %u given twice",
					  ix[i].id);
			goto fail;
		}
	if (alloc_grow((void **)&pl->evacuees, &pl->priv->capev,
		       pl->nevacuees + n, sizeof(*pl->evacuees)) ||
	    alloc_grow((void **)&pl->priv->evkey, &pl->priv->capevkey,
		       pl->nevacuees + n, sizeof(*pl->priv->evkey)) ||
	    ev_map_grow(pl, pl->nevacuees + n) != ALLOC_OK)
		goto fail;
	for (size_t t = 0; t < n; t++) {
		const struct alloc_household *h = &hh[ix[t].i];
		struct alloc_evacuee *e;

		if (ev_find(pl, inc->id, h->id) >= 0)
			continue;
		e = &pl->evacuees[pl->nevacuees];
		memset(e, 0, sizeof(*e));
		e->hh = *h;
		e->incident = inc->id;
		e->status = ALLOC_ST_AFFECTED;
		e->shelter = ALLOC_NONE;
		e->kit_shelter = ALLOC_NONE;
		e->since = today;
		e->first_day = ALLOC_DAY_NEVER;
		e->stay = NOPE;
		e->rev = pl->rev;
		pl->priv->evkey[pl->nevacuees] = evkey(inc->id, h->id);
		ev_insert_slot(&pl->priv->evmap, pl->priv->evkey,
			       (uint32_t)pl->nevacuees);
		pl->nevacuees++;
		added++;
	}
	for (size_t t = 0; t < added; t++)
		ev[t] = 0;
	{
		struct alloc_household *tmp =
			malloc((added ? added : 1) * sizeof(*tmp));

		if (tmp == NULL)
			goto fail;
		for (size_t t = 0; t < added; t++)
			tmp[t] = pl->evacuees[first + t].hh;
		rc = alloc_policy_decide(&pl->params.policy, inc->type,
					 &inc->severity, tmp, added, ev, err,
					 errlen);
		free(tmp);
		if (rc != ALLOC_OK)
			goto fail;
	}
	for (size_t t = 0; t < added; t++) {
		pl->evacuees[first + t].evacuate = ev[t];
		if (ev[t])
			go[ngo++] = (uint32_t)(first + t);
	}
	rc = place_group(pl, inc, go, ngo, today);
fail:
	free(ix);
	free(ev);
	free(go);
	return rc;
}

static int
incident_insert(struct alloc_plan *pl, const struct alloc_incident_spec *sp,
		struct alloc_incident **out)
{
	size_t at = 0;
	struct alloc_incident *inc;

	if (alloc_grow((void **)&pl->incidents, &pl->priv->capinc,
		       pl->nincidents + 1, sizeof(*pl->incidents)))
		return ALLOC_ENOMEM;
	while (at < pl->nincidents && pl->incidents[at].id < sp->id)
		at++;
	memmove(&pl->incidents[at + 1], &pl->incidents[at],
		(pl->nincidents - at) * sizeof(*pl->incidents));
	inc = &pl->incidents[at];
	memset(inc, 0, sizeof(*inc));
	inc->id = sp->id;
	inc->type = sp->type;
	inc->open = 1;
	inc->severity = sp->severity;
	inc->start = sp->start;
	inc->days = sp->days ? sp->days : pl->params.supply.days;
	inc->closed = ALLOC_DAY_NEVER;
	inc->rev = pl->rev;
	pl->nincidents++;
	*out = inc;
	return ALLOC_OK;
}

int
alloc_plan_open(struct alloc_plan *pl, const struct alloc_incident_spec *spec,
		const struct alloc_household *hh, size_t n,
		const uint32_t *unusable, size_t nunusable, alloc_day today,
		char *err, size_t errlen)
{
	struct alloc_incident *inc;
	alloc_classmask m;
	alloc_day from;
	int rc;

	if (pl == NULL || spec == NULL || (n > 0 && hh == NULL) ||
	    (nunusable > 0 && unusable == NULL))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if (alloc_plan_incident_find(pl, spec->id) >= 0)
		return alloc_seterr(err, errlen, ALLOC_EEXIST,
				    "plan: incident %u exists", spec->id);
	if (spec->days > 366)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: incident %u: %u days", spec->id,
				    spec->days);
	rc = alloc_policy_classes(&pl->params.policy, spec->type,
				  &spec->severity, &m, err, errlen);
	if (rc != ALLOC_OK || (rc = hh_check(hh, n, err, errlen)) != 0)
		return rc;
	pl->rev++;
	rc = incident_insert(pl, spec, &inc);
	if (rc == ALLOC_OK && nunusable > 0)
		rc = exclude_add(inc, unusable, nunusable);
	from = today > spec->start ? today : spec->start;
	if (rc == ALLOC_OK)
		rc = add_households(pl, inc, hh, n, from, err, errlen);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	if (rc == ALLOC_ENOMEM)
		alloc_seterr(err, errlen, rc, "plan: out of memory");
	return rc;
}

static int
open_incident(struct alloc_plan *pl, uint32_t id,
	      struct alloc_incident **out, char *err, size_t errlen)
{
	struct alloc_incident *inc = incident_get(pl, id);

	if (inc == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOENT,
				    "plan: no incident %u", id);
	if (!inc->open)
		return alloc_seterr(err, errlen, ALLOC_ESTATE,
				    "plan: incident %u is closed", id);
	*out = inc;
	return ALLOC_OK;
}

int
alloc_plan_add_households(struct alloc_plan *pl, uint32_t incident,
			  const struct alloc_household *hh, size_t n,
			  alloc_day today, char *err, size_t errlen)
{
	struct alloc_incident *inc;
	int rc;

	if (pl == NULL || (n > 0 && hh == NULL))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if ((rc = open_incident(pl, incident, &inc, err, errlen)) != 0 ||
	    (rc = hh_check(hh, n, err, errlen)) != 0)
		return rc;
	pl->rev++;
	if (today < inc->start)
		today = inc->start;
	rc = add_households(pl, inc, hh, n, today, err, errlen);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}

int
alloc_plan_set_severity(struct alloc_plan *pl, uint32_t incident,
			const struct alloc_severity *sev, alloc_day today,
			char *err, size_t errlen)
{
	struct alloc_incident *inc;
	alloc_classmask m;
	uint32_t *go = NULL;
	size_t ngo = 0;
	int rc;

	if (pl == NULL || sev == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if ((rc = open_incident(pl, incident, &inc, err, errlen)) != 0)
		return rc;
	rc = alloc_policy_classes(&pl->params.policy, inc->type, sev, &m, err,
				  errlen);
	if (rc != ALLOC_OK)
		return rc;
	pl->rev++;
	inc->severity = *sev;
	inc->rev = pl->rev;
	go = malloc((pl->nevacuees ? pl->nevacuees : 1) * sizeof(*go));
	if (go == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	for (size_t i = 0; i < pl->nevacuees; i++) {
		struct alloc_evacuee *e = &pl->evacuees[i];
		uint8_t d;

		if (e->incident != incident || e->status != ALLOC_ST_AFFECTED)
			continue;
		alloc_policy_decide(&pl->params.policy, inc->type, sev, &e->hh,
				    1, &d, NULL, 0);
		if (!d)
			continue;
		e->evacuate = 1;
		e->rev = pl->rev;
		go[ngo++] = (uint32_t)i;
	}
	if (today < inc->start)
		today = inc->start;
	rc = place_group(pl, inc, go, ngo, today);
	free(go);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}

int
alloc_plan_set_days(struct alloc_plan *pl, uint32_t incident, uint32_t days,
		    alloc_day today, char *err, size_t errlen)
{
	struct alloc_incident *inc;
	int rc;

	if (pl == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if ((rc = open_incident(pl, incident, &inc, err, errlen)) != 0)
		return rc;
	if (days < 1 || days > 366)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: days must be 1..366");
	pl->rev++;
	inc->days = days;
	inc->rev = pl->rev;
	return reconcile(pl, today);
}

/* Families of evacuees idx[0..n) leave their shelter today and are placed
 * again (per incident, in incident order). */
static int
rehome(struct alloc_plan *pl, uint32_t *idx, size_t n, alloc_day today)
{
	int rc = ALLOC_OK;

	for (size_t t = 0; t < n; t++) {
		struct alloc_evacuee *e = &pl->evacuees[idx[t]];

		stay_end(pl, e, today);
		e->status = ALLOC_ST_UNPLACED;
		e->rev = pl->rev;
	}
	for (size_t k = 0; k < pl->nincidents && rc == ALLOC_OK; k++) {
		const struct alloc_incident *inc = &pl->incidents[k];
		size_t m = 0;
		uint32_t *sub = malloc((n ? n : 1) * sizeof(*sub));

		if (sub == NULL)
			return ALLOC_ENOMEM;
		for (size_t t = 0; t < n; t++)
			if (pl->evacuees[idx[t]].incident == inc->id)
				sub[m++] = idx[t];
		rc = place_group(pl, inc, sub, m, today);
		free(sub);
	}
	return rc;
}

int
alloc_plan_exclude_shelters(struct alloc_plan *pl, uint32_t incident,
			    const uint32_t *ids, size_t n, alloc_day today,
			    char *err, size_t errlen)
{
	struct alloc_incident *inc;
	uint32_t *idx;
	size_t k = 0;
	int rc;

	if (pl == NULL || (n > 0 && ids == NULL))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if ((rc = open_incident(pl, incident, &inc, err, errlen)) != 0)
		return rc;
	pl->rev++;
	if ((rc = exclude_add(inc, ids, n)) != ALLOC_OK)
		return alloc_seterr(err, errlen, rc, "plan: out of memory");
	inc->rev = pl->rev;
	idx = malloc((pl->nevacuees ? pl->nevacuees : 1) * sizeof(*idx));
	if (idx == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];

		if (e->incident == incident && e->status == ALLOC_ST_PLACED &&
		    excluded(inc, e->shelter))
			idx[k++] = (uint32_t)i;
	}
	rc = rehome(pl, idx, k, today);
	free(idx);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}

/* Order of leaving a shrinking shelter: non-vulnerable first, the most
 * recently placed (highest stay index) first. */
static int
leave_order(const void *a, const void *b, const struct alloc_plan *pl)
{
	const struct alloc_evacuee *x = &pl->evacuees[*(const uint32_t *)a],
				   *y = &pl->evacuees[*(const uint32_t *)b];
	int vx = alloc_household_vulnerable(&x->hh),
	    vy = alloc_household_vulnerable(&y->hh);

	if (vx != vy)
		return vx - vy;
	return alloc_cmp_u32(y->stay, x->stay);
}

static void
sort_leave(uint32_t *o, uint32_t *tmp, size_t n, const struct alloc_plan *pl)
{
	size_t a, b, k;

	if (n < 2)
		return;
	sort_leave(o, tmp, n / 2, pl);
	sort_leave(o + n / 2, tmp, n - n / 2, pl);
	for (a = 0, b = n / 2, k = 0; a < n / 2 && b < n;)
		tmp[k++] = leave_order(&o[b], &o[a], pl) < 0 ? o[b++] : o[a++];
	while (a < n / 2)
		tmp[k++] = o[a++];
	while (b < n)
		tmp[k++] = o[b++];
	memcpy(o, tmp, n * sizeof(*o));
}

static int
shelter_insert(struct alloc_plan *pl, const struct alloc_shelter *s)
{
	size_t at = 0;

	if (alloc_grow((void **)&pl->shelters, &pl->priv->capsh,
		       pl->nshelters + 1, sizeof(*pl->shelters)))
		return ALLOC_ENOMEM;
	while (at < pl->nshelters && pl->shelters[at].s.id < s->id)
		at++;
	memmove(&pl->shelters[at + 1], &pl->shelters[at],
		(pl->nshelters - at) * sizeof(*pl->shelters));
	memset(&pl->shelters[at], 0, sizeof(pl->shelters[at]));
	pl->shelters[at].s = *s;
	pl->shelters[at].rev = pl->rev;
	pl->nshelters++;
	return ALLOC_OK;
}

int
alloc_plan_update_shelter(struct alloc_plan *pl,
			  const struct alloc_shelter *s, alloc_day today,
			  char *err, size_t errlen)
{
	struct alloc_plan_shelter *ps;
	uint32_t *idx = NULL, *tmp = NULL;
	size_t k = 0, go = 0;
	int64_t excess;
	long si;
	int rc;

	if (pl == NULL || s == NULL || s->id == ALLOC_NONE ||
	    !isfinite(s->x) || !isfinite(s->y))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: bad shelter");
	pl->rev++;
	si = alloc_plan_shelter_find(pl, s->id);
	if (si < 0) {
		if ((rc = shelter_insert(pl, s)) != ALLOC_OK)
			return alloc_seterr(err, errlen, rc,
					    "plan: out of memory");
		rc = place_unplaced(pl, today);
		return rc == ALLOC_OK ? reconcile(pl, today) : rc;
	}
	ps = &pl->shelters[si];
	ps->s = *s;
	ps->rev = pl->rev;
	idx = malloc((pl->nevacuees ? pl->nevacuees : 1) * sizeof(*idx));
	tmp = malloc((pl->nevacuees ? pl->nevacuees : 1) * sizeof(*tmp));
	if (idx == NULL || tmp == NULL) {
		free(idx);
		free(tmp);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	}
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];

		if (e->status == ALLOC_ST_PLACED && e->shelter == s->id)
			idx[k++] = (uint32_t)i;
	}
	sort_leave(idx, tmp, k, pl);
	if (!s->open || !s->usable) {
		go = k;
	} else {
		/* inaccessible now: families with a disabled member go */
		if (!s->accessible) {
			size_t w = 0;

			for (size_t t = 0; t < k; t++)
				if (pl->evacuees[idx[t]].hh.disabled)
					tmp[go++] = idx[t];
				else
					idx[w++] = idx[t];
			memmove(idx + go, idx, w * sizeof(*idx));
			memcpy(idx, tmp, go * sizeof(*idx));
		}
		excess = (int64_t)ps->placed + s->occupancy - s->capacity;
		for (size_t t = 0; t < go; t++)
			excess -= pl->evacuees[idx[t]].hh.persons;
		while (excess > 0 && go < k) {
			excess -= pl->evacuees[idx[go]].hh.persons;
			go++;
		}
	}
	/* the shelter is off limits while its leavers are re-homed */
	rc = rehome(pl, idx, go, today);
	free(idx);
	free(tmp);
	if (rc == ALLOC_OK)
		rc = place_unplaced(pl, today);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}

int
alloc_plan_checkout(struct alloc_plan *pl, uint32_t incident,
		    uint32_t household, alloc_day today, char *err,
		    size_t errlen)
{
	struct alloc_evacuee *e;
	long at;
	int rc;

	if (pl == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	at = ev_find(pl, incident, household);
	if (at < 0)
		return alloc_seterr(err, errlen, ALLOC_ENOENT,
				    "plan: household %u not in incident %u",
				    household, incident);
	e = &pl->evacuees[at];
	if (e->status != ALLOC_ST_PLACED && e->status != ALLOC_ST_UNPLACED)
		return alloc_seterr(err, errlen, ALLOC_ESTATE,
				    "plan: household %u is %s", household,
				    alloc_status_name(e->status));
	pl->rev++;
	stay_end(pl, e, today);
	e->status = ALLOC_ST_LEFT;
	e->since = today;
	e->rev = pl->rev;
	rc = place_unplaced(pl, today);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}

int
alloc_plan_receive_stock(struct alloc_plan *pl, uint32_t depot, uint32_t lot,
			 int item, int64_t qty, alloc_day expires,
			 alloc_day today, char *err, size_t errlen)
{
	int rc;

	if (pl == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	rc = alloc_ledger_receive(pl->ledger, depot, lot, item, qty, expires,
				  NULL, err, errlen);
	if (rc != ALLOC_OK)
		return rc;
	pl->rev++;
	return reconcile(pl, today);
}

int
alloc_plan_confirm(struct alloc_plan *pl, size_t index, char *err,
		   size_t errlen)
{
	struct alloc_dispatch *d;
	int rc;

	if (pl == NULL || index >= pl->ndispatches)
		return alloc_seterr(err, errlen, ALLOC_ENOENT,
				    "plan: no dispatch %zu", index);
	d = &pl->dispatches[index];
	if (d->state != ALLOC_DISPATCH_PLANNED)
		return alloc_seterr(err, errlen, ALLOC_ESTATE,
				    "plan: dispatch %zu is %s", index,
				    alloc_dispatch_state_name(d->state));
	rc = alloc_ledger_confirm(pl->ledger, d->lot_index, d->qty);
	if (rc != ALLOC_OK)
		return alloc_seterr(err, errlen, rc,
				    "plan: dispatch %zu: ledger does not "
				    "hold its reservation", index);
	pl->rev++;
	d->state = ALLOC_DISPATCH_CONFIRMED;
	d->rev = pl->rev;
	return ALLOC_OK;
}

int
alloc_plan_replan(struct alloc_plan *pl, alloc_day today, char *err,
		  size_t errlen)
{
	int rc;

	if (pl == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	pl->rev++;
	rc = place_unplaced(pl, today);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	if (rc != ALLOC_OK)
		alloc_seterr(err, errlen, rc, "plan: out of memory");
	return rc;
}

int
alloc_plan_close(struct alloc_plan *pl, uint32_t incident, alloc_day today,
		 char *err, size_t errlen)
{
	struct alloc_incident *inc;
	struct alloc_plan_priv *pv;
	int rc;

	if (pl == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if ((rc = open_incident(pl, incident, &inc, err, errlen)) != 0)
		return rc;
	pv = pl->priv;
	pl->rev++;
	for (size_t i = 0; i < pl->nevacuees; i++) {
		struct alloc_evacuee *e = &pl->evacuees[i];

		if (e->incident != incident ||
		    (e->status != ALLOC_ST_PLACED &&
		     e->status != ALLOC_ST_UNPLACED))
			continue;
		stay_end(pl, e, today);
		e->status = ALLOC_ST_LEFT;
		e->since = today;
		e->rev = pl->rev;
	}
	/* every reservation of the incident goes back to the depots */
	for (size_t d = 0; d < pl->ndispatches; d++) {
		struct alloc_dispatch *dp = &pl->dispatches[d];

		if (dp->incident != incident ||
		    dp->state != ALLOC_DISPATCH_PLANNED)
			continue;
		alloc_ledger_release(pl->ledger, dp->lot_index, dp->qty);
		dp->qty = 0;
		dp->state = ALLOC_DISPATCH_RELEASED;
		dp->rev = pl->rev;
	}
	for (size_t c = 0; c < pv->ncells; c++)
		if (pv->cells[c].incident == incident &&
		    pv->cells[c].shortage != NOPE &&
		    pl->shortages[pv->cells[c].shortage].deficit != 0) {
			pl->shortages[pv->cells[c].shortage].deficit = 0;
			pl->shortages[pv->cells[c].shortage].rev = pl->rev;
		}
	inc->open = 0;
	inc->closed = today;
	inc->rev = pl->rev;
	rc = place_unplaced(pl, today);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}
