/*
 * alloc/plan.c - the living plan (see alloc/plan.h): incidents, stays,
 * dispatches with their reservations, shortages, and the steps that change
 * them.
 *
 * Every step ends with reconcile(): the dispatch lines are brought to the
 * needs (meals per shelter per day, kits per shelter per arrival day) -
 * surplus released first, then the missing units planned day by day, oldest
 * day first, from the nearest depot with stock, first-expiring usable lot
 * first; what cannot be planned is a shortage.
 *
 * Incremental (issue 5: one plan holds every incident of months, one step
 * per report): the needs are kept up to date as stays begin and end, kits
 * are first owed and periods change, and each cell whose need changed is
 * marked dirty. reconcile() then works on the dirty cells plus, only when
 * some lot has more units available than at the end of the previous step
 * (released, received, or raised by the caller), the cells with an open
 * shortage of that item - in the same (day, incident, shelter, item) order
 * as a full pass, stopping at the first point where every such lot is
 * empty again. Every other cell would be left as it is by a full pass:
 * its need is unchanged, so it is either fully planned or short with
 * every lot it may use empty at the end of the previous step, and those
 * lots have not gained anything since. A day earlier than the previous
 * step's, a shelter that moved, or alloc_plan_replan do a full pass.
 * Per-incident lists of evacuees, stays, cells and unplaced evacuees keep
 * the other steps to the incident they name.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/plan.h"
#include "alloc/alloc.h" /* alloc_plan_place (desk step) */
#include "alloc/internal.h"

#include <math.h>
#include <stddef.h>
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
	uint8_t dirty;     /* 1: need changed since the last reconcile; 2:
			      taken into this reconcile for its shortage */
	uint8_t inshort;   /* in the open-shortage set of its item */
	int64_t need;
	uint32_t first;    /* first dispatch line, chained by line_next */
	uint32_t shortage; /* index in shortages or NOPE */
	uint32_t spos;     /* position in the open-shortage set */
};

/* A growable list of indexes. */
struct ulist {
	uint32_t *v;
	size_t n, cap;
};

/* Per incident, pointed to from a slot parallel to pl->incidents (moved
 * with it); NULL once the incident is closed and all four lists are empty
 * (after alloc_plan_forget_closed and alloc_plan_compact), so a closed
 * incident costs its slot, not the struct (incx_of reads it as empty). */
struct incx {
	struct ulist ev;   /* its evacuees, ascending */
	struct ulist stay; /* its stays, ascending */
	struct ulist cell; /* its cells */
	struct ulist unpl; /* evacuees that became UNPLACED (may be stale) */
};

struct supply;

/* The plan's shelters in a uniform grid (cell max_distance / 2), so that
 * placing a few families looks at the shelters near them only. Rebuilt when
 * a shelter is added or moves. Items of a cell in index (= id) order. */
struct sgrid {
	double minx, miny, cell;
	long nx, ny;
	uint32_t *start, *item;
	uint8_t ok;
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
	struct incx **incx;  /* parallel to incidents */
	size_t capincx;
	struct ulist dirty;  /* cells whose need changed */
	struct ulist shortset[ALLOC_ITEM_COUNT]; /* cells with deficit > 0 */
	struct supply *sup;  /* lot index and depot order, kept */
	int64_t *snap;       /* per ledger lot: available at the end of the
				last reconcile */
	size_t nsnap, capsnap;
	struct sgrid grid;
	struct ulist *shstay; /* per shelter (parallel to shelters): its stays,
				 ended ones dropped lazily */
	size_t capshstay;
	alloc_day last_today;
	uint8_t have_today;
	uint8_t force_full;  /* next reconcile is a full pass */
	/* change log (alloc_plan_changes): indexes stamped since the last
	 * alloc_plan_changes_clear, per enum alloc_change_kind */
	struct ulist chg[ALLOC_CHG_KINDS];
	uint8_t chg_lost;    /* a push failed: the log is incomplete */
	uint32_t disp_ids;   /* dispatch ids handed out (the last one) */
	uint32_t ev_ids;     /* evacuee ids handed out (the last one) */
	uint8_t compacted;   /* alloc_plan_compact removed cells: closed
				incidents may lack theirs (selfcheck) */
	uint8_t forgot;      /* alloc_plan_forget_closed ran: closed
				incidents' cells keep needs nothing
				recomputes (selfcheck) */
	/* the ids of the open incidents, ascending: the steps that look at
	 * open incidents only walk these, not every incident ever opened
	 * (a daemon's plan keeps its closed incidents' records) */
	struct ulist openids;
};

static int
ulist_push(struct ulist *l, uint32_t x)
{
	if (alloc_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return ALLOC_ENOMEM;
	l->v[l->n++] = x;
	return ALLOC_OK;
}

static void
ulist_free(struct ulist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* First position in the ascending list l whose value is >= x. */
static size_t
ulist_lower(const struct ulist *l, uint32_t x)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (l->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct incx incx_none;

/* Incident k's lists for reading (empty when it has none). */
static const struct incx *
incx_of(const struct alloc_plan_priv *pv, size_t k)
{
	return pv->incx[k] ? pv->incx[k] : &incx_none;
}

/* Incident k's lists for adding to: NULL when out of memory. */
static struct incx *
incx_mut(struct alloc_plan_priv *pv, size_t k)
{
	if (pv->incx[k] == NULL)
		pv->incx[k] = calloc(1, sizeof(*pv->incx[k]));
	return pv->incx[k];
}

/* Let go of incident k's lists when all are empty. */
static void
incx_trim(struct alloc_plan_priv *pv, size_t k)
{
	struct incx *x = pv->incx[k];

	if (x && x->ev.n == 0 && x->stay.n == 0 && x->cell.n == 0 &&
	    x->unpl.n == 0) {
		ulist_free(&x->ev);
		ulist_free(&x->stay);
		ulist_free(&x->cell);
		ulist_free(&x->unpl);
		free(x);
		pv->incx[k] = NULL;
	}
}

/* Stamp a record with the current rev and log its index once per rev
 * (the change log never changes the plan; on ENOMEM it is marked lost). */
static void
chg_stamp(struct alloc_plan *pl, int kind, size_t index, uint32_t *rev)
{
	if (*rev != pl->rev && !pl->priv->chg_lost &&
	    ulist_push(&pl->priv->chg[kind], (uint32_t)index))
		pl->priv->chg_lost = 1;
	*rev = pl->rev;
}

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

/* Index of the record whose uint32_t id (at offset off of each stride-byte
 * record) is id, in an array sorted by it; -1 when none. Inlined into each
 * look-up with its constant stride and offset. */
static inline long
find_sorted(const void *base, size_t n, size_t stride, size_t off,
	    uint32_t id)
{
	const unsigned char *b = base;
	size_t lo = 0, hi = n;
	uint32_t v;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		memcpy(&v, b + mid * stride + off, sizeof(v));
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return -1;
	memcpy(&v, b + lo * stride + off, sizeof(v));
	return v == id ? (long)lo : -1;
}

long
alloc_plan_incident_find(const struct alloc_plan *pl, uint32_t id)
{
	return find_sorted(pl->incidents, pl->nincidents,
			   sizeof(*pl->incidents),
			   offsetof(struct alloc_incident, id), id);
}

long
alloc_plan_evacuee_by_id(const struct alloc_plan *pl, uint32_t id)
{
	return find_sorted(pl->evacuees, pl->nevacuees, sizeof(*pl->evacuees),
			   offsetof(struct alloc_evacuee, id), id);
}

long
alloc_plan_dispatch_find(const struct alloc_plan *pl, uint32_t id)
{
	return find_sorted(pl->dispatches, pl->ndispatches,
			   sizeof(*pl->dispatches),
			   offsetof(struct alloc_dispatch, id), id);
}

long
alloc_plan_shelter_find(const struct alloc_plan *pl, uint32_t id)
{
	return find_sorted(pl->shelters, pl->nshelters,
			   sizeof(*pl->shelters),
			   offsetof(struct alloc_plan_shelter, s.id), id);
}

long
alloc_plan_depot_find(const struct alloc_plan *pl, uint32_t id)
{
	return find_sorted(pl->depots, pl->ndepots, sizeof(*pl->depots),
			   offsetof(struct alloc_depot, id), id);
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

static void supply_destroy(struct supply *s);

void
alloc_plan_free(struct alloc_plan *pl)
{
	if (pl == NULL)
		return;
	if (pl->priv)
		ulist_free(&pl->priv->openids);
	if (pl->priv && pl->priv->incx)
		for (size_t i = 0; i < pl->nincidents; i++) {
			struct incx *x = pl->priv->incx[i];
			if (x == NULL)
				continue;
			ulist_free(&x->ev);
			ulist_free(&x->stay);
			ulist_free(&x->cell);
			ulist_free(&x->unpl);
			free(x);
		}
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
		free(pl->priv->incx);
		ulist_free(&pl->priv->dirty);
		for (int it = 0; it < ALLOC_ITEM_COUNT; it++)
			ulist_free(&pl->priv->shortset[it]);
		supply_destroy(pl->priv->sup);
		free(pl->priv->grid.start);
		free(pl->priv->grid.item);
		if (pl->priv->shstay)
			for (size_t j = 0; j < pl->nshelters; j++)
				ulist_free(&pl->priv->shstay[j]);
		free(pl->priv->shstay);
		free(pl->priv->snap);
		for (int k = 0; k < ALLOC_CHG_KINDS; k++)
			ulist_free(&pl->priv->chg[k]);
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
	pl->priv->capshstay = nsh ? nsh : 1;
	pl->priv->shstay = calloc(pl->priv->capshstay,
				  sizeof(*pl->priv->shstay));
	if (pl->priv->shstay == NULL) {
		alloc_plan_free(pl);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	}
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

/* ---- needs, kept up to date ---------------------------------------------------- */

/* need += delta for the cell (incident k, shelter, day, item), which is
 * created when new and marked dirty. */
static int
need_add(struct alloc_plan *pl, size_t k, uint32_t shelter, alloc_day day,
	 int item, int64_t delta)
{
	struct alloc_plan_priv *pv = pl->priv;
	uint32_t id = pl->incidents[k].id;
	long c = cell_find(pv, id, shelter, day, item);

	if (c < 0) {
		c = cell_get(pv, id, shelter, day, item);
		struct incx *x = incx_mut(pv, (size_t)k);
		if (c < 0 || x == NULL || ulist_push(&x->cell, (uint32_t)c))
			return ALLOC_ENOMEM;
	}
	pv->cells[c].need += delta;
	if (!pv->cells[c].dirty) {
		if (ulist_push(&pv->dirty, (uint32_t)c))
			return ALLOC_ENOMEM;
		pv->cells[c].dirty = 1;
	}
	return ALLOC_OK;
}

/* Meals of stay st (incident k) for days [a, b), times sign. */
static int
need_meals(struct alloc_plan *pl, size_t k, const struct alloc_stay *st,
	   alloc_day a, alloc_day b, int sign)
{
	int64_t q = (int64_t)st->persons * pl->params.supply.meals_per_day *
		    sign;

	for (alloc_day d = a; d < b; d++) {
		int rc = need_add(pl, k, st->shelter, d, ALLOC_ITEM_MEAL, q);

		if (rc != ALLOC_OK)
			return rc;
	}
	return ALLOC_OK;
}

/* The days stay st is fed by incident inc: [*lo, *hi) (may be empty). */
static void
stay_days(const struct alloc_incident *inc, const struct alloc_stay *st,
	  alloc_day *lo, alloc_day *hi)
{
	alloc_day end = inc->start + (alloc_day)inc->days;

	*lo = st->day_in > inc->start ? st->day_in : inc->start;
	*hi = st->day_out < end ? st->day_out : end;
}

/* Kits owed to evacuee e of incident k (first placed). */
static int
need_kits(struct alloc_plan *pl, size_t k, const struct alloc_evacuee *e)
{
	int64_t q[ALLOC_ITEM_COUNT];

	alloc_supply_kits(&pl->params.supply, &e->hh, q);
	for (int it = 1; it < ALLOC_ITEM_COUNT; it++) {
		int rc;

		if (q[it] == 0)
			continue;
		rc = need_add(pl, k, e->kit_shelter, e->first_day, it, q[it]);
		if (rc != ALLOC_OK)
			return rc;
	}
	return ALLOC_OK;
}

static int
stay_add(struct alloc_plan *pl, size_t k, uint32_t household,
	 uint32_t shelter, uint32_t persons, alloc_day day, uint32_t *index)
{
	struct alloc_stay *s;
	uint32_t incident = pl->incidents[k].id;
	alloc_day lo, hi;
	long si;

	if (alloc_grow((void **)&pl->stays, &pl->priv->capstay,
		       pl->nstays + 1, sizeof(*pl->stays)) ||
	    incx_mut(pl->priv, (size_t)k) == NULL ||
	    ulist_push(&pl->priv->incx[k]->stay, (uint32_t)pl->nstays))
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
	si = alloc_plan_shelter_find(pl, shelter);
	if (si >= 0 && ulist_push(&pl->priv->shstay[si], *index))
		return ALLOC_ENOMEM;
	stay_days(&pl->incidents[k], s, &lo, &hi);
	return need_meals(pl, k, s, lo, hi, 1);
}

/* End evacuee e's current stay on day (its places are free). */
static int
stay_end(struct alloc_plan *pl, struct alloc_evacuee *e, alloc_day day)
{
	struct alloc_stay *s;
	long si, k;
	alloc_day lo, hi, lo2, hi2;

	if (e->status != ALLOC_ST_PLACED || e->stay == NOPE)
		return ALLOC_OK;
	s = &pl->stays[e->stay];
	k = alloc_plan_incident_find(pl, s->incident);
	stay_days(&pl->incidents[k], s, &lo, &hi);
	s->day_out = day < s->day_in ? s->day_in : day;
	stay_days(&pl->incidents[k], s, &lo2, &hi2);
	s->rev = pl->rev;
	si = alloc_plan_shelter_find(pl, s->shelter);
	if (si >= 0) {
		pl->shelters[si].placed -= s->persons;
		pl->shelters[si].rev = pl->rev;
	}
	e->stay = NOPE;
	/* fed [lo, hi) before, [lo, hi2) now */
	return need_meals(pl, (size_t)k, s, hi2 > lo ? hi2 : lo, hi, -1);
}

/* ---- placing ---------------------------------------------------------------------- */

static void
sgrid_reset(struct alloc_plan *pl)
{
	struct sgrid *g = &pl->priv->grid;

	free(g->start);
	free(g->item);
	memset(g, 0, sizeof(*g));
}

static int
sgrid_build(struct alloc_plan *pl)
{
	struct sgrid *g = &pl->priv->grid;
	double maxx = -INFINITY, maxy = -INFINITY, c;
	size_t ncell;
	uint32_t *fill;

	sgrid_reset(pl);
	g->minx = INFINITY;
	g->miny = INFINITY;
	for (size_t j = 0; j < pl->nshelters; j++) {
		const struct alloc_shelter *s = &pl->shelters[j].s;

		g->minx = s->x < g->minx ? s->x : g->minx;
		g->miny = s->y < g->miny ? s->y : g->miny;
		maxx = s->x > maxx ? s->x : maxx;
		maxy = s->y > maxy ? s->y : maxy;
	}
	if (pl->nshelters == 0) {
		g->ok = 1;
		return ALLOC_OK;
	}
	c = pl->params.assign.max_distance_m / 2;
	if (c < (maxx - g->minx) / 512)
		c = (maxx - g->minx) / 512;
	if (c < (maxy - g->miny) / 512)
		c = (maxy - g->miny) / 512;
	if (c < 1)
		c = 1;
	g->cell = c;
	g->nx = (long)((maxx - g->minx) / c) + 1;
	g->ny = (long)((maxy - g->miny) / c) + 1;
	ncell = (size_t)g->nx * (size_t)g->ny;
	g->start = calloc(ncell + 1, sizeof(*g->start));
	g->item = malloc(pl->nshelters * sizeof(*g->item));
	fill = calloc(ncell, sizeof(*fill));
	if (g->start == NULL || g->item == NULL || fill == NULL) {
		free(fill);
		sgrid_reset(pl);
		return ALLOC_ENOMEM;
	}
	for (size_t j = 0; j < pl->nshelters; j++) {
		const struct alloc_shelter *s = &pl->shelters[j].s;
		long cx = (long)((s->x - g->minx) / c),
		     cy = (long)((s->y - g->miny) / c);

		g->start[(size_t)cy * (size_t)g->nx + (size_t)cx + 1]++;
	}
	for (size_t k = 0; k < ncell; k++)
		g->start[k + 1] += g->start[k];
	for (size_t j = 0; j < pl->nshelters; j++) {
		const struct alloc_shelter *s = &pl->shelters[j].s;
		long cx = (long)((s->x - g->minx) / c),
		     cy = (long)((s->y - g->miny) / c);
		size_t k = (size_t)cy * (size_t)g->nx + (size_t)cx;

		g->item[g->start[k] + fill[k]++] = (uint32_t)j;
	}
	free(fill);
	g->ok = 1;
	return ALLOC_OK;
}

/* Indexes (ascending) of the shelters whose grid cells meet the box
 * [x0, x1] x [y0, y1]; into out (room for nshelters), mark is nshelters
 * zeroed bytes (left zeroed). Returns the count. */
static size_t
sgrid_query(const struct alloc_plan *pl, double x0, double x1, double y0,
	    double y1, uint32_t *out, uint8_t *mark)
{
	const struct sgrid *g = &pl->priv->grid;
	long cx0, cx1, cy0, cy1;
	size_t n = 0;

	if (pl->nshelters == 0)
		return 0;
	cx0 = (long)floor((x0 - g->minx) / g->cell);
	cx1 = (long)floor((x1 - g->minx) / g->cell);
	cy0 = (long)floor((y0 - g->miny) / g->cell);
	cy1 = (long)floor((y1 - g->miny) / g->cell);
	cx0 = cx0 < 0 ? 0 : cx0;
	cy0 = cy0 < 0 ? 0 : cy0;
	cx1 = cx1 >= g->nx ? g->nx - 1 : cx1;
	cy1 = cy1 >= g->ny ? g->ny - 1 : cy1;
	for (long cy = cy0; cy <= cy1; cy++)
		for (long cx = cx0; cx <= cx1; cx++) {
			size_t k = (size_t)cy * (size_t)g->nx + (size_t)cx;

			for (uint32_t t = g->start[k]; t < g->start[k + 1];
			     t++)
				out[n++] = g->item[t];
		}
	if (n * 16 < pl->nshelters) {
		if (n > 1)
			qsort(out, n, sizeof(*out), u32_cmp);
		return n;
	}
	/* many: in index order by a pass over all */
	for (size_t t = 0; t < n; t++)
		mark[out[t]] = 1;
	n = 0;
	for (size_t j = 0; j < pl->nshelters; j++)
		if (mark[j]) {
			mark[j] = 0;
			out[n++] = (uint32_t)j;
		}
	return n;
}

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
	size_t k = (size_t)(inc - pl->incidents), m = 0, ncand;
	uint32_t *cand = NULL;
	uint8_t *mark = NULL;
	double minx = INFINITY, maxx = -INFINITY, miny = INFINITY,
	       maxy = -INFINITY, reach;
	int rc = ALLOC_ENOMEM;

	if (n == 0)
		return ALLOC_OK;
	hh = malloc(n * sizeof(*hh));
	out = malloc(n * sizeof(*out));
	if (hh == NULL || out == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		hh[i] = pl->evacuees[idx[i]].hh;
		minx = hh[i].x < minx ? hh[i].x : minx;
		maxx = hh[i].x > maxx ? hh[i].x : maxx;
		miny = hh[i].y < miny ? hh[i].y : miny;
		maxy = hh[i].y > maxy ? hh[i].y : maxy;
	}
	/*
	 * Only the shelters that may take one of them: open, usable for the
	 * incident, within reach of the group's bounding box. The assignment
	 * never looks at the others (not even for the reason of the
	 * unplaced), and keeps the id order of those it is given, so the
	 * result is the same as over every shelter of the plan; a small
	 * incident no longer pays for the whole province
	 * (tests/test_alloc_replay.c checks the equality).
	 */
	reach = pl->params.assign.max_distance_m + 1.0;
	cand = malloc((pl->nshelters ? pl->nshelters : 1) * sizeof(*cand));
	mark = calloc(pl->nshelters ? pl->nshelters : 1, 1);
	if (cand == NULL || mark == NULL ||
	    (!pl->priv->grid.ok && sgrid_build(pl) != ALLOC_OK))
		goto fail;
	ncand = sgrid_query(pl, minx - reach, maxx + reach, miny - reach,
			    maxy + reach, cand, mark);
	sh = malloc((ncand ? ncand : 1) * sizeof(*sh));
	if (sh == NULL)
		goto fail;
	for (size_t t = 0; t < ncand; t++) {
		size_t j = cand[t];
		const struct alloc_shelter *src = &pl->shelters[j].s;
		double dx = src->x < minx   ? minx - src->x
			    : src->x > maxx ? src->x - maxx
					    : 0,
		       dy = src->y < miny   ? miny - src->y
			    : src->y > maxy ? src->y - maxy
					    : 0;

		if (dx > reach || dy > reach ||
		    dx * dx + dy * dy > reach * reach || !src->open ||
		    !src->usable || src->capacity == 0 ||
		    excluded(inc, src->id))
			continue;
		sh[m] = *src;
		sh[m].occupancy += pl->shelters[j].placed;
		if (sh[m].occupancy > sh[m].capacity)
			sh[m].occupancy = sh[m].capacity;
		m++;
	}
	rc = alloc_shelter_assign(hh, n, sh, m, &pl->params.assign, out, NULL,
				  NULL, 0);
	if (rc != ALLOC_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct alloc_evacuee *e = &pl->evacuees[idx[i]];
		long si;

		chg_stamp(pl, ALLOC_CHG_EVACUEE, (size_t)(e - pl->evacuees), &e->rev);
		e->since = day;
		if (out[i].shelter == ALLOC_NONE) {
			e->status = ALLOC_ST_UNPLACED;
			e->reason = out[i].reason;
			e->distance_m = 0;
			if (incx_mut(pl->priv, (size_t)k) == NULL ||
			    ulist_push(&pl->priv->incx[k]->unpl, idx[i])) {
				rc = ALLOC_ENOMEM;
				goto fail;
			}
			continue;
		}
		rc = stay_add(pl, k, e->hh.id, out[i].shelter, e->hh.persons,
			      day, &e->stay);
		if (rc != ALLOC_OK)
			goto fail;
		if (e->status == ALLOC_ST_PLACED || e->shelter != ALLOC_NONE)
			if (e->moves < UINT8_MAX)
				e->moves++;
		e->status = ALLOC_ST_PLACED;
		e->reason = ALLOC_PLACED;
		e->shelter = out[i].shelter;
		e->distance_m = out[i].distance_m;
		si = alloc_plan_shelter_find(pl, out[i].shelter);
		pl->shelters[si].placed += e->hh.persons;
		pl->shelters[si].rev = pl->rev;
		if (e->first_day == ALLOC_DAY_NEVER) {
			e->first_day = day;
			e->kit_shelter = out[i].shelter;
			rc = need_kits(pl, k, e);
			if (rc != ALLOC_OK)
				goto fail;
		}
	}
	rc = ALLOC_OK;
fail:
	free(hh);
	free(out);
	free(sh);
	free(cand);
	free(mark);
	return rc;
}

/*
 * Give UNPLACED evacuees of every open incident a place if one is free
 * (incident by incident in id order, each incident's in evacuee order).
 * The incident's unpl list holds every evacuee that became UNPLACED, and
 * some that have been placed or have left since: those are dropped here.
 */
static int
place_unplaced(struct alloc_plan *pl, alloc_day today)
{
	struct alloc_plan_priv *pv = pl->priv;
	uint32_t *idx = NULL;
	size_t cap = 0;
	int rc = ALLOC_OK;

	for (size_t o = 0; o < pv->openids.n && rc == ALLOC_OK; o++) {
		long k = alloc_plan_incident_find(pl, pv->openids.v[o]);
		const struct alloc_incident *inc = &pl->incidents[k];
		struct incx *x = pv->incx[k];
		struct ulist *u = x ? &x->unpl : NULL;
		size_t n = 0;

		if (u == NULL || u->n == 0)
			continue;
		if (alloc_grow((void **)&idx, &cap, u->n, sizeof(*idx))) {
			rc = ALLOC_ENOMEM;
			break;
		}
		qsort(u->v, u->n, sizeof(*u->v), u32_cmp);
		for (size_t t = 0; t < u->n; t++)
			if ((n == 0 || u->v[t] != idx[n - 1]) &&
			    pl->evacuees[u->v[t]].status == ALLOC_ST_UNPLACED)
				idx[n++] = u->v[t];
		/* place_group lists again those it cannot place */
		u->n = 0;
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

/* Kept between steps: the lot index is rebuilt when the ledger gains a lot,
 * the depot order of all shelters when a shelter is added, of one shelter
 * when it moves. */
struct supply {
	struct lotref *lots;  /* sorted by depot, item, expiry, lot */
	size_t nlots;
	uint32_t *range;      /* per depot*ITEM_COUNT: start; +1: end */
	size_t ledger_n;      /* ledger->n the index was built for */
	uint8_t lots_ok;
	struct depotref *near; /* per shelter: depots by distance (lazy) */
	uint8_t *near_done;
	size_t near_nsh;      /* shelters near/near_done are sized for */
};

static void
supply_destroy(struct supply *s)
{
	if (s == NULL)
		return;
	free(s->lots);
	free(s->range);
	free(s->near);
	free(s->near_done);
	free(s);
}

/* Forget the depot order of every shelter (shelter indexes moved). */
static void
supply_near_reset(struct alloc_plan *pl)
{
	struct supply *s = pl->priv->sup;

	if (s == NULL)
		return;
	free(s->near);
	free(s->near_done);
	s->near = NULL;
	s->near_done = NULL;
	s->near_nsh = 0;
}

static int
supply_build(struct alloc_plan *pl, struct supply *s)
{
	size_t nd = pl->ndepots, nr = nd * ALLOC_ITEM_COUNT;

	if (s->near == NULL) {
		s->near = malloc((pl->nshelters * nd > 0 ? pl->nshelters * nd
							 : 1) *
				 sizeof(*s->near));
		s->near_done = calloc(pl->nshelters ? pl->nshelters : 1, 1);
		if (!s->near || !s->near_done) {
			free(s->near);
			free(s->near_done);
			s->near = NULL;
			s->near_done = NULL;
			return ALLOC_ENOMEM;
		}
		s->near_nsh = pl->nshelters;
	}
	if (s->lots_ok && s->ledger_n == pl->ledger->n)
		return ALLOC_OK;
	free(s->lots);
	free(s->range);
	s->lots_ok = 0;
	s->nlots = 0;
	s->lots = malloc((pl->ledger->n ? pl->ledger->n : 1) * sizeof(*s->lots));
	s->range = calloc(nr + 1, sizeof(*s->range));
	if (!s->lots || !s->range)
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
	s->ledger_n = pl->ledger->n;
	s->lots_ok = 1;
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
		chg_stamp(pl, ALLOC_CHG_DISPATCH, (size_t)(d - pl->dispatches), &d->rev);
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
			chg_stamp(pl, ALLOC_CHG_DISPATCH, (size_t)(d - pl->dispatches), &d->rev);
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
	d->id = ++pl->priv->disp_ids;
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
	chg_stamp(pl, ALLOC_CHG_DISPATCH, (size_t)(d - pl->dispatches), &d->rev);
	pl->priv->line_next[idx] = c->first;
	c->first = idx;
	return ALLOC_OK;
}

/* The open-shortage set of each item: cells whose deficit is > 0. */
static int
shortset_add(struct alloc_plan_priv *pv, struct cell *c)
{
	struct ulist *l = &pv->shortset[c->item];

	if (ulist_push(l, (uint32_t)(c - pv->cells)))
		return ALLOC_ENOMEM;
	c->spos = (uint32_t)(l->n - 1);
	c->inshort = 1;
	return ALLOC_OK;
}

static void
shortset_del(struct alloc_plan_priv *pv, struct cell *c)
{
	struct ulist *l = &pv->shortset[c->item];
	uint32_t last = l->v[--l->n];

	if (last != (uint32_t)(c - pv->cells)) {
		l->v[c->spos] = last;
		pv->cells[last].spos = c->spos;
	}
	c->inshort = 0;
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
		chg_stamp(pl, ALLOC_CHG_SHORTAGE, (size_t)(s - pl->shortages), &s->rev);
	}
	if (deficit > s->peak)
		s->peak = deficit;
	if (deficit > 0 && !c->inshort)
		return shortset_add(pl->priv, c);
	if (deficit == 0 && c->inshort)
		shortset_del(pl->priv, c);
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

/* A cell a reconcile on `today` works on: its incident is open, and a meal
 * cell of a day before today is history. */
static int
cell_live(const struct alloc_plan *pl, const struct cell *c, alloc_day today)
{
	long k;

	if (c->item == ALLOC_ITEM_MEAL && c->day < today)
		return 0;
	k = alloc_plan_incident_find(pl, c->incident);
	return k >= 0 && pl->incidents[k].open;
}

static int
incident_open(const struct alloc_plan *pl, uint32_t id)
{
	long k = alloc_plan_incident_find(pl, id);

	return k >= 0 && pl->incidents[k].open;
}

/* Does one of the lots gain[0..n) of this item still have units? */
static int
gain_left(const struct alloc_plan *pl, const uint32_t *gain, size_t n,
	  int item)
{
	for (size_t t = 0; t < n; t++) {
		const struct alloc_lot *l = &pl->ledger->lots[gain[t]];

		if (l->item == item && l->qty - l->reserved > 0)
			return 1;
	}
	return 0;
}

/*
 * Bring the open incidents' dispatch lines to their needs from today on:
 * release the surplus of cells that need less, then fill the cells that
 * need more in order (day, incident, shelter, item), recording shortages.
 * Meal cells of days before today are history and stay as they are; kit
 * cells are filled whatever their day. full: every live cell; else the
 * dirty ones and the open shortages that lots which gained units may fill
 * (see the top of this file: the result is the full pass's).
 */
static int
reconcile_pass(struct alloc_plan *pl, alloc_day today, int full)
{
	struct alloc_plan_priv *pv = pl->priv;
	struct ulist cand = { 0 };
	uint32_t *tmp = NULL, *gain = NULL;
	size_t ngain = 0, nl = pl->ledger->n;
	uint8_t gained[ALLOC_ITEM_COUNT] = { 0 };
	int rc = ALLOC_ENOMEM;

	if (pv->force_full || (pv->have_today && today < pv->last_today))
		full = 1;
	pv->force_full = 1; /* until this pass is through */
	if (pv->sup == NULL &&
	    (pv->sup = calloc(1, sizeof(*pv->sup))) == NULL)
		goto out;
	if ((rc = supply_build(pl, pv->sup)) != ALLOC_OK)
		goto out;
	rc = ALLOC_ENOMEM;
	if (full) {
		/* the cells of the open incidents */
		for (size_t o = 0; o < pv->openids.n; o++) {
			long k = alloc_plan_incident_find(pl,
							  pv->openids.v[o]);
			const struct ulist *cl = &incx_of(pv, (size_t)k)->cell;
			for (size_t t = 0; t < cl->n; t++)
				if (cell_live(pl, &pv->cells[cl->v[t]],
					      today) &&
				    ulist_push(&cand, cl->v[t]))
					goto out;
		}
	} else {
		for (size_t t = 0; t < pv->dirty.n; t++)
			if (cell_live(pl, &pv->cells[pv->dirty.v[t]], today) &&
			    ulist_push(&cand, pv->dirty.v[t]))
				goto out;
	}
	for (size_t t = 0; t < cand.n; t++) {
		struct cell *cl = &pv->cells[cand.v[t]];
		int64_t planned = cell_planned(pl, cl);

		if (planned > cl->need)
			cell_release(pl, cl, planned - cl->need);
	}
	/* lots with more units available than at the end of the last pass
	 * (released above or by a step, received, raised by the caller) */
	if (alloc_grow((void **)&pv->snap, &pv->capsnap, nl ? nl : 1,
		       sizeof(*pv->snap)))
		goto out;
	gain = malloc((nl ? nl : 1) * sizeof(*gain));
	if (gain == NULL)
		goto out;
	for (size_t i = 0; i < nl; i++) {
		const struct alloc_lot *l = &pl->ledger->lots[i];
		int64_t avail = l->qty - l->reserved,
			prev = i < pv->nsnap ? pv->snap[i] : 0;

		if (avail > 0 && avail > prev && l->item < ALLOC_ITEM_COUNT) {
			gain[ngain++] = (uint32_t)i;
			gained[l->item] = 1;
		}
	}
	for (int it = 0; it < ALLOC_ITEM_COUNT && !full; it++) {
		struct ulist *l = &pv->shortset[it];

		if (!gained[it])
			continue;
		for (size_t t = 0; t < l->n;) {
			struct cell *cl = &pv->cells[l->v[t]];

			if (!cell_live(pl, cl, today)) {
				/* history or closed: out of the set (a day
				 * going back is a full pass) */
				shortset_del(pv, cl);
				continue;
			}
			if (!cl->dirty) {
				cl->dirty = 2;
				if (ulist_push(&cand, l->v[t]))
					goto out;
			}
			t++;
		}
	}
	tmp = malloc((cand.n ? cand.n : 1) * sizeof(*tmp));
	if (tmp == NULL)
		goto out;
	sort_cells(cand.v, tmp, cand.n, pv->cells);
	for (size_t t = 0; t < cand.n; t++) {
		struct cell *cl = &pv->cells[cand.v[t]];

		/* an open shortage whose need did not change can only take
		 * from the lots that gained */
		if (cl->dirty == 2 && !gain_left(pl, gain, ngain, cl->item))
			continue;
		rc = cell_fill(pl, pv->sup, cl, today);
		if (rc != ALLOC_OK)
			goto out;
	}
	for (size_t i = 0; i < nl; i++)
		pv->snap[i] = pl->ledger->lots[i].qty -
			      pl->ledger->lots[i].reserved;
	pv->nsnap = nl;
	pv->last_today = today;
	pv->have_today = 1;
	pv->force_full = 0;
	rc = ALLOC_OK;
out:
	for (size_t t = 0; t < cand.n; t++)
		pv->cells[cand.v[t]].dirty = 0;
	if (rc == ALLOC_OK) {
		for (size_t t = 0; t < pv->dirty.n; t++)
			pv->cells[pv->dirty.v[t]].dirty = 0;
		pv->dirty.n = 0;
	}
	ulist_free(&cand);
	free(tmp);
	free(gain);
	return rc;
}

static int
reconcile(struct alloc_plan *pl, alloc_day today)
{
	return reconcile_pass(pl, today, 0);
}

/*
 * Self-check for tests (alloc/internal.h): the needs kept up to date equal
 * the needs recomputed from the stays and evacuees, the per-incident lists
 * and the open-shortage sets hold what they should.
 */
int
alloc_plan_selfcheck(const struct alloc_plan *pl, char *err, size_t errlen)
{
	const struct alloc_plan_priv *pv = pl->priv;
	const struct alloc_supply_params *sp = &pl->params.supply;
	int64_t *want = calloc(pv->ncells ? pv->ncells : 1, sizeof(*want));
	size_t nev = 0, nst = 0;
	int rc = ALLOC_OK;

	if (want == NULL)
		return ALLOC_ENOMEM;
	for (size_t i = 0; i < pl->nstays && rc == ALLOC_OK; i++) {
		const struct alloc_stay *st = &pl->stays[i];
		long k = alloc_plan_incident_find(pl, st->incident);
		alloc_day lo, hi;

		if (k < 0) {
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "stay %zu: no incident", i);
			break;
		}
		stay_days(&pl->incidents[k], st, &lo, &hi);
		for (alloc_day d = lo; d < hi; d++) {
			long c = cell_find(pv, st->incident, st->shelter, d,
					   ALLOC_ITEM_MEAL);

			if (c < 0 && pv->compacted && !pl->incidents[k].open)
				continue; /* compacted away */
			if (c < 0) {
				rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
						  "stay %zu day %d: no cell",
						  i, (int)d);
				break;
			}
			want[c] += (int64_t)st->persons * sp->meals_per_day;
		}
	}
	for (size_t i = 0; i < pl->nevacuees && rc == ALLOC_OK; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		int64_t q[ALLOC_ITEM_COUNT];

		if (e->first_day == ALLOC_DAY_NEVER)
			continue;
		alloc_supply_kits(sp, &e->hh, q);
		for (int it = 1; it < ALLOC_ITEM_COUNT; it++) {
			long c;

			if (q[it] == 0)
				continue;
			c = cell_find(pv, e->incident, e->kit_shelter,
				      e->first_day, it);
			if (c < 0 && pv->compacted && !incident_open(pl, e->incident))
				continue; /* compacted away */
			if (c < 0) {
				rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
						  "evacuee %zu: no kit cell",
						  i);
				break;
			}
			want[c] += q[it];
		}
	}
	for (size_t c = 0; c < pv->ncells && rc == ALLOC_OK; c++) {
		const struct cell *cl = &pv->cells[c];

		if (want[c] != cl->need &&
		    !(pv->forgot && !incident_open(pl, cl->incident)))
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "cell %zu (incident %u shelter %u "
					  "day %d item %d): need %lld, "
					  "recomputed %lld",
					  c, cl->incident, cl->shelter,
					  (int)cl->day, cl->item,
					  (long long)cl->need,
					  (long long)want[c]);
		else if (cl->dirty)
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "cell %zu dirty after a step", c);
		else if (cl->shortage != NOPE &&
			 pl->shortages[cl->shortage].deficit > 0 &&
			 cell_live(pl, cl, pv->last_today) && !cl->inshort)
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "cell %zu short, not in the set", c);
		else if (cl->inshort &&
			 pv->shortset[cl->item].v[cl->spos] != (uint32_t)c)
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "cell %zu: bad set position", c);
	}
	for (size_t k = 0; k < pl->nincidents && rc == ALLOC_OK; k++) {
		const struct incx *x = incx_of(pv, k);

		nev += x->ev.n;
		nst += x->stay.n;
		for (size_t t = 0; t < x->ev.n; t++)
			if (pl->evacuees[x->ev.v[t]].incident !=
				    pl->incidents[k].id ||
			    (t > 0 && x->ev.v[t] <= x->ev.v[t - 1]))
				rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
						  "incident %u: evacuee list",
						  pl->incidents[k].id);
		for (size_t t = 0; t < x->stay.n; t++)
			if (pl->stays[x->stay.v[t]].incident !=
			    pl->incidents[k].id)
				rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
						  "incident %u: stay list",
						  pl->incidents[k].id);
	}
	{
		size_t o = 0;
		for (size_t k = 0; k < pl->nincidents && rc == ALLOC_OK; k++)
			if (pl->incidents[k].open &&
			    (o >= pv->openids.n ||
			     pv->openids.v[o++] != pl->incidents[k].id))
				rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
						  "incident %u open, not in "
						  "the open list",
						  pl->incidents[k].id);
		if (rc == ALLOC_OK && o != pv->openids.n)
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "open list: %zu ids, %zu open "
					  "incidents",
					  pv->openids.n, o);
	}
	if (rc == ALLOC_OK && (nev != pl->nevacuees || nst != pl->nstays))
		rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
				  "per-incident lists: %zu/%zu evacuees, "
				  "%zu/%zu stays",
				  nev, pl->nevacuees, nst, pl->nstays);
	for (size_t i = 0; i < pl->nevacuees && rc == ALLOC_OK; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];
		long k = alloc_plan_incident_find(pl, e->incident);
		const struct ulist *u = &incx_of(pv, (size_t)k)->unpl;
		size_t t = 0;

		if (e->status != ALLOC_ST_UNPLACED || !pl->incidents[k].open)
			continue;
		while (t < u->n && u->v[t] != (uint32_t)i)
			t++;
		if (t == u->n)
			rc = alloc_seterr(err, errlen, ALLOC_ESTATE,
					  "evacuee %zu unplaced, not listed",
					  i);
	}
	free(want);
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

/* Append household h to incident inc as an AFFECTED evacuee (room in
 * evacuees, evkey and the map reserved by the caller); its record, or
 * NULL when the incident's list cannot grow. */
static struct alloc_evacuee *
evacuee_append(struct alloc_plan *pl, struct alloc_incident *inc,
	       const struct alloc_household *h, alloc_day today)
{
	size_t i = pl->nevacuees;
	struct alloc_evacuee *e = &pl->evacuees[i];

	struct incx *x = incx_mut(pl->priv, (size_t)(inc - pl->incidents));

	if (x == NULL || ulist_push(&x->ev, (uint32_t)i))
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hh = *h;
	e->id = ++pl->priv->ev_ids;
	e->incident = inc->id;
	e->status = ALLOC_ST_AFFECTED;
	e->shelter = ALLOC_NONE;
	e->kit_shelter = ALLOC_NONE;
	e->since = today;
	e->first_day = ALLOC_DAY_NEVER;
	e->stay = NOPE;
	chg_stamp(pl, ALLOC_CHG_EVACUEE, i, &e->rev);
	pl->priv->evkey[i] = evkey(inc->id, h->id);
	ev_insert_slot(&pl->priv->evmap, pl->priv->evkey, (uint32_t)i);
	pl->nevacuees++;
	return e;
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

		if (ev_find(pl, inc->id, h->id) >= 0)
			continue;
		if (evacuee_append(pl, inc, h, today) == NULL)
			goto fail;
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
	struct incx *x = NULL;
	struct ulist *open = &pl->priv->openids;
	size_t lo = 0, hi = pl->nincidents, o;

	if (alloc_grow((void **)&pl->incidents, &pl->priv->capinc,
		       pl->nincidents + 1, sizeof(*pl->incidents)) ||
	    alloc_grow((void **)&pl->priv->incx, &pl->priv->capincx,
		       pl->nincidents + 1, sizeof(*pl->priv->incx)) ||
	    alloc_grow((void **)&open->v, &open->cap, open->n + 1,
		       sizeof(*open->v)) ||
	    (x = calloc(1, sizeof(*x))) == NULL)
		return ALLOC_ENOMEM;
	/* ids usually come in ascending order: a binary search, not a walk
	 * over every incident the plan has held */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pl->incidents[mid].id < sp->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	at = lo;
	o = ulist_lower(open, sp->id);
	memmove(&open->v[o + 1], &open->v[o], (open->n - o) * sizeof(*open->v));
	open->v[o] = sp->id;
	open->n++;
	memmove(&pl->incidents[at + 1], &pl->incidents[at],
		(pl->nincidents - at) * sizeof(*pl->incidents));
	memmove(&pl->priv->incx[at + 1], &pl->priv->incx[at],
		(pl->nincidents - at) * sizeof(*pl->priv->incx));
	pl->priv->incx[at] = x;
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
	const struct incx *x;
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
	x = incx_of(pl->priv, (size_t)(inc - pl->incidents));
	go = malloc((x->ev.n ? x->ev.n : 1) * sizeof(*go));
	if (go == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	for (size_t t = 0; t < x->ev.n; t++) {
		uint32_t i = x->ev.v[t];
		struct alloc_evacuee *e = &pl->evacuees[i];
		uint8_t d;

		if (e->status != ALLOC_ST_AFFECTED)
			continue;
		alloc_policy_decide(&pl->params.policy, inc->type, sev, &e->hh,
				    1, &d, NULL, 0);
		if (!d)
			continue;
		e->evacuate = 1;
		chg_stamp(pl, ALLOC_CHG_EVACUEE, (size_t)(e - pl->evacuees), &e->rev);
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
	const struct incx *x;
	alloc_day end0, end1;
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
	x = incx_of(pl->priv, (size_t)(inc - pl->incidents));
	end0 = inc->start + (alloc_day)inc->days;
	end1 = inc->start + (alloc_day)days;
	inc->days = days;
	inc->rev = pl->rev;
	/* meals of the days added or removed, stay by stay */
	for (size_t t = 0; t < x->stay.n && rc == ALLOC_OK; t++) {
		const struct alloc_stay *st = &pl->stays[x->stay.v[t]];
		alloc_day lo = st->day_in > inc->start ? st->day_in
						       : inc->start,
			  h0 = st->day_out < end0 ? st->day_out : end0,
			  h1 = st->day_out < end1 ? st->day_out : end1;

		if (h1 > h0)
			rc = need_meals(pl, (size_t)(inc - pl->incidents), st,
					h0 > lo ? h0 : lo, h1, 1);
		else if (h0 > h1)
			rc = need_meals(pl, (size_t)(inc - pl->incidents), st,
					h1 > lo ? h1 : lo, h0, -1);
	}
	return rc == ALLOC_OK ? reconcile(pl, today) : rc;
}

/* Families of evacuees idx[0..n) leave their shelter today and are placed
 * again (per incident, in incident order). */
static void
sort_by_incident(uint32_t *o, uint32_t *tmp, size_t n,
		 const struct alloc_plan *pl)
{
	size_t a, b, k;

	if (n < 2)
		return;
	sort_by_incident(o, tmp, n / 2, pl);
	sort_by_incident(o + n / 2, tmp, n - n / 2, pl);
	for (a = 0, b = n / 2, k = 0; a < n / 2 && b < n;)
		tmp[k++] = pl->evacuees[o[b]].incident <
					   pl->evacuees[o[a]].incident
				   ? o[b++]
				   : o[a++];
	while (a < n / 2)
		tmp[k++] = o[a++];
	while (b < n)
		tmp[k++] = o[b++];
	memcpy(o, tmp, n * sizeof(*o));
}

static int
rehome(struct alloc_plan *pl, uint32_t *idx, size_t n, alloc_day today)
{
	int rc = ALLOC_OK;
	uint32_t *sub, *tmp;

	for (size_t t = 0; t < n && rc == ALLOC_OK; t++) {
		struct alloc_evacuee *e = &pl->evacuees[idx[t]];
		long k = alloc_plan_incident_find(pl, e->incident);

		rc = stay_end(pl, e, today);
		e->status = ALLOC_ST_UNPLACED;
		chg_stamp(pl, ALLOC_CHG_EVACUEE, (size_t)(e - pl->evacuees), &e->rev);
		if (rc == ALLOC_OK)
			rc = incx_mut(pl->priv, (size_t)k) == NULL
				     ? ALLOC_ENOMEM
				     : ulist_push(&pl->priv->incx[k]->unpl,
						  idx[t]);
	}
	if (rc != ALLOC_OK || n == 0)
		return rc;
	/* by incident in id order, each in the given order */
	sub = malloc(n * sizeof(*sub));
	tmp = malloc(n * sizeof(*tmp));
	if (sub == NULL || tmp == NULL) {
		free(sub);
		free(tmp);
		return ALLOC_ENOMEM;
	}
	memcpy(sub, idx, n * sizeof(*sub));
	sort_by_incident(sub, tmp, n, pl);
	for (size_t a = 0, b; a < n && rc == ALLOC_OK; a = b) {
		uint32_t id = pl->evacuees[sub[a]].incident;

		for (b = a; b < n && pl->evacuees[sub[b]].incident == id; b++)
			;
		rc = place_group(pl, incident_get(pl, id), sub + a, b - a,
				 today);
	}
	free(sub);
	free(tmp);
	return rc;
}

int
alloc_plan_exclude_shelters(struct alloc_plan *pl, uint32_t incident,
			    const uint32_t *ids, size_t n, alloc_day today,
			    char *err, size_t errlen)
{
	struct alloc_incident *inc;
	const struct incx *x;
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
	x = incx_of(pl->priv, (size_t)(inc - pl->incidents));
	idx = malloc((x->ev.n ? x->ev.n : 1) * sizeof(*idx));
	if (idx == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	for (size_t t = 0; t < x->ev.n; t++) {
		const struct alloc_evacuee *e = &pl->evacuees[x->ev.v[t]];

		if (e->status == ALLOC_ST_PLACED && excluded(inc, e->shelter))
			idx[k++] = x->ev.v[t];
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
		       pl->nshelters + 1, sizeof(*pl->shelters)) ||
	    alloc_grow((void **)&pl->priv->shstay, &pl->priv->capshstay,
		       pl->nshelters + 1, sizeof(*pl->priv->shstay)))
		return ALLOC_ENOMEM;
	while (at < pl->nshelters && pl->shelters[at].s.id < s->id)
		at++;
	memmove(&pl->shelters[at + 1], &pl->shelters[at],
		(pl->nshelters - at) * sizeof(*pl->shelters));
	memmove(&pl->priv->shstay[at + 1], &pl->priv->shstay[at],
		(pl->nshelters - at) * sizeof(*pl->priv->shstay));
	memset(&pl->priv->shstay[at], 0, sizeof(*pl->priv->shstay));
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
	struct ulist *sl;
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
		supply_near_reset(pl); /* shelter indexes moved */
		sgrid_reset(pl);
		rc = place_unplaced(pl, today);
		return rc == ALLOC_OK ? reconcile(pl, today) : rc;
	}
	ps = &pl->shelters[si];
	if (ps->s.x != s->x || ps->s.y != s->y) {
		/* its depots in another order: a full pass */
		if (pl->priv->sup && pl->priv->sup->near_done &&
		    (size_t)si < pl->priv->sup->near_nsh)
			pl->priv->sup->near_done[si] = 0;
		pl->priv->force_full = 1;
		sgrid_reset(pl);
	}
	ps->s = *s;
	ps->rev = pl->rev;
	/* its families: the current stays of its list (the leave order is
	 * total, so the order they are found in does not matter) */
	sl = &pl->priv->shstay[si];
	idx = malloc((sl->n ? sl->n : 1) * sizeof(*idx));
	tmp = malloc((sl->n ? sl->n : 1) * sizeof(*tmp));
	if (idx == NULL || tmp == NULL) {
		free(idx);
		free(tmp);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	}
	{
		size_t w = 0;

		for (size_t t = 0; t < sl->n; t++) {
			const struct alloc_stay *st = &pl->stays[sl->v[t]];
			long ei;

			if (st->day_out != ALLOC_DAY_NEVER)
				continue;
			sl->v[w++] = sl->v[t];
			ei = ev_find(pl, st->incident, st->household);
			if (ei >= 0 &&
			    pl->evacuees[ei].status == ALLOC_ST_PLACED &&
			    pl->evacuees[ei].stay == sl->v[t])
				idx[k++] = (uint32_t)ei;
		}
		sl->n = w;
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
	/* a closed incident takes no step (and may be forgotten:
	 * alloc_plan_forget_closed), whoever is asked for */
	if (alloc_plan_incident_find(pl, incident) >= 0 &&
	    !incident_open(pl, incident))
		return alloc_seterr(err, errlen, ALLOC_ESTATE,
				    "plan: incident %u is closed", incident);
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
	rc = stay_end(pl, e, today);
	e->status = ALLOC_ST_LEFT;
	e->since = today;
	chg_stamp(pl, ALLOC_CHG_EVACUEE, (size_t)(e - pl->evacuees), &e->rev);
	if (rc == ALLOC_OK)
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
	chg_stamp(pl, ALLOC_CHG_DISPATCH, (size_t)(d - pl->dispatches), &d->rev);
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
		rc = reconcile_pass(pl, today, 1);
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
	struct incx *x;
	int rc;

	if (pl == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	if ((rc = open_incident(pl, incident, &inc, err, errlen)) != 0)
		return rc;
	pv = pl->priv;
	x = incx_mut(pv, (size_t)(inc - pl->incidents));
	if (x == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	pl->rev++;
	for (size_t t = 0; t < x->ev.n; t++) {
		struct alloc_evacuee *e = &pl->evacuees[x->ev.v[t]];

		if (e->status != ALLOC_ST_PLACED &&
		    e->status != ALLOC_ST_UNPLACED)
			continue;
		stay_end(pl, e, today); /* its needs no longer count */
		e->status = ALLOC_ST_LEFT;
		e->since = today;
		chg_stamp(pl, ALLOC_CHG_EVACUEE, (size_t)(e - pl->evacuees), &e->rev);
	}
	x->unpl.n = 0;
	/* every reservation of the incident goes back to the depots */
	for (size_t t = 0; t < x->cell.n; t++) {
		struct cell *cl = &pv->cells[x->cell.v[t]];

		for (uint32_t l = cl->first; l != NOPE; l = pv->line_next[l]) {
			struct alloc_dispatch *dp = &pl->dispatches[l];

			if (dp->state != ALLOC_DISPATCH_PLANNED)
				continue;
			alloc_ledger_release(pl->ledger, dp->lot_index,
					     dp->qty);
			dp->qty = 0;
			dp->state = ALLOC_DISPATCH_RELEASED;
			chg_stamp(pl, ALLOC_CHG_DISPATCH, (size_t)(dp - pl->dispatches), &dp->rev);
		}
		if (cl->shortage != NOPE &&
		    pl->shortages[cl->shortage].deficit != 0) {
			pl->shortages[cl->shortage].deficit = 0;
			chg_stamp(pl, ALLOC_CHG_SHORTAGE, cl->shortage, &pl->shortages[cl->shortage].rev);
		}
		if (cl->inshort)
			shortset_del(pv, cl);
	}
	inc->open = 0;
	inc->closed = today;
	inc->rev = pl->rev;
	{
		struct ulist *open = &pv->openids;
		size_t o = ulist_lower(open, inc->id);
		if (o < open->n && open->v[o] == inc->id) {
			memmove(&open->v[o], &open->v[o + 1],
				(open->n - o - 1) * sizeof(*open->v));
			open->n--;
		}
	}
	rc = place_unplaced(pl, today);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
	return rc;
}

/* Keep the values of l that map to an index, renumbered, in order. */
static void
ulist_remap(struct ulist *l, const uint32_t *map)
{
	size_t n = 0;

	for (size_t t = 0; t < l->n; t++)
		if (map[l->v[t]] != NOPE)
			l->v[n++] = map[l->v[t]];
	l->n = n;
	if (n == 0)
		ulist_free(l);
}

/* Compaction and forgetting run between steps, with the change log read
 * and cleared (the logged indexes would go stale): 0 or the error. */
static int
between_steps(const struct alloc_plan *pl, const char *what, char *err,
	      size_t errlen)
{
	if (pl == NULL || pl->priv == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: NULL argument");
	for (int k = 0; k < ALLOC_CHG_KINDS; k++)
		if (pl->priv->chg[k].n)
			return alloc_seterr(err, errlen, ALLOC_ESTATE,
					    "plan: %s with changes logged "
					    "and not cleared",
					    what);
	return ALLOC_OK;
}

/* incident_open of runs of records of one incident: the last answer kept */
struct open_memo {
	uint32_t id;
	int open, have;
};

static int
memo_open(const struct alloc_plan *pl, struct open_memo *m, uint32_t id)
{
	if (!m->have || m->id != id) {
		m->id = id;
		m->open = incident_open(pl, id);
		m->have = 1;
	}
	return m->open;
}

int
alloc_plan_compact(struct alloc_plan *pl, size_t *removed, char *err,
		   size_t errlen)
{
	struct alloc_plan_priv *pv;
	uint32_t *map, *next, *cmap;
	size_t nd = 0, nc = 0;
	struct open_memo memo = {0};
	int rc;

	if (removed)
		*removed = 0;
	if ((rc = between_steps(pl, "compact", err, errlen)) != ALLOC_OK)
		return rc;
	pv = pl->priv;
	/* a closed incident takes no step: its unusable shelters (often
	 * every shelter in a high zone) and unplaced list are not read */
	for (size_t k = 0; k < pl->nincidents; k++) {
		struct alloc_incident *x = &pl->incidents[k];

		if (x->open)
			continue;
		free(x->unusable);
		x->unusable = NULL;
		x->nunusable = 0;
		if (pv->incx[k])
			ulist_free(&pv->incx[k]->unpl);
	}
	if (pl->ndispatches == 0)
		return ALLOC_OK;
	map = malloc(pl->ndispatches * sizeof(*map));
	next = malloc(pl->ndispatches * sizeof(*next));
	cmap = malloc((pv->ncells ? pv->ncells : 1) * sizeof(*cmap));
	if (map == NULL || next == NULL || cmap == NULL) {
		free(map);
		free(next);
		free(cmap);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	}
	/* the lines that go: released, of a closed incident */
	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->state == ALLOC_DISPATCH_RELEASED &&
		    !memo_open(pl, &memo, d->incident)) {
			map[i] = NOPE;
			continue;
		}
		map[i] = (uint32_t)nd++;
	}
	/* every cell's chain over the lines that stay, in the same order;
	 * a closed incident's cell left without lines goes (nothing reads
	 * it again: closed incidents take no step and are not reconciled) */
	for (size_t c = 0; c < pv->ncells; c++) {
		struct cell *cl = &pv->cells[c];
		uint32_t first = NOPE, *link = &first;

		for (uint32_t l = cl->first; l != NOPE; l = pv->line_next[l]) {
			if (map[l] == NOPE)
				continue;
			*link = map[l];
			link = &next[map[l]];
		}
		*link = NOPE;
		cl->first = first;
		if (first == NOPE && !cl->dirty && !cl->inshort &&
		    !incident_open(pl, cl->incident))
			cmap[c] = NOPE;
		else
			cmap[c] = (uint32_t)nc++;
	}
	for (size_t i = 0; i < pl->ndispatches; i++)
		if (map[i] != NOPE && map[i] != i)
			pl->dispatches[map[i]] = pl->dispatches[i];
	if (removed)
		*removed = pl->ndispatches - nd;
	pl->ndispatches = nd;
	memcpy(pv->line_next, next, nd * sizeof(*next));
	if (nc < pv->ncells) {
		for (size_t c = 0; c < pv->ncells; c++)
			if (cmap[c] != NOPE && cmap[c] != c)
				pv->cells[cmap[c]] = pv->cells[c];
		pv->ncells = nc;
		for (size_t k = 0; k < pl->nincidents; k++) {
			if (pv->incx[k] == NULL)
				continue;
			ulist_remap(&pv->incx[k]->cell, cmap);
			if (!pl->incidents[k].open)
				incx_trim(pv, k);
		}
		ulist_remap(&pv->dirty, cmap);
		/* open-shortage cells all stay: positions (spos) unchanged */
		for (int it = 0; it < ALLOC_ITEM_COUNT; it++)
			for (size_t t = 0; t < pv->shortset[it].n; t++)
				pv->shortset[it].v[t] =
					cmap[pv->shortset[it].v[t]];
		memset(pv->cellmap.slot, 0,
		       pv->cellmap.cap * sizeof(*pv->cellmap.slot));
		pv->cellmap.n = 0;
		for (size_t c = 0; c < nc; c++)
			cell_insert_slot(&pv->cellmap, pv->cells, (uint32_t)c);
		pv->compacted = 1;
	}
	free(map);
	free(next);
	free(cmap);
	return ALLOC_OK;
}

int
alloc_plan_forget_closed(struct alloc_plan *pl, size_t *removed,
			 uint32_t **map, char *err, size_t errlen)
{
	struct alloc_plan_priv *pv;
	uint32_t *emap = NULL, *smap = NULL;
	size_t ne = 0, ns = 0;
	struct open_memo memo = {0};
	int rc;

	if (removed)
		*removed = 0;
	if (map)
		*map = NULL;
	if ((rc = between_steps(pl, "forget", err, errlen)) != ALLOC_OK)
		return rc;
	pv = pl->priv;
	emap = malloc((pl->nevacuees ? pl->nevacuees : 1) * sizeof(*emap));
	smap = malloc((pl->nstays ? pl->nstays : 1) * sizeof(*smap));
	if (emap == NULL || smap == NULL) {
		free(emap);
		free(smap);
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	}
	/* a closed incident's stays all ended when it closed (its places
	 * were freed and its needs dropped then): nothing live holds them */
	for (size_t i = 0; i < pl->nstays; i++)
		smap[i] = memo_open(pl, &memo, pl->stays[i].incident)
				  ? (uint32_t)ns++
				  : NOPE;
	for (size_t i = 0; i < pl->nevacuees; i++)
		emap[i] = memo_open(pl, &memo, pl->evacuees[i].incident)
				  ? (uint32_t)ne++
				  : NOPE;
	for (size_t i = 0; i < pl->nstays; i++)
		if (smap[i] != NOPE && smap[i] != i)
			pl->stays[smap[i]] = pl->stays[i];
	for (size_t i = 0; i < pl->nevacuees; i++) {
		struct alloc_evacuee *e = &pl->evacuees[i];

		if (emap[i] == NOPE)
			continue;
		if (e->stay != NOPE)
			e->stay = smap[e->stay];
		if (emap[i] != i) {
			pl->evacuees[emap[i]] = *e;
			pv->evkey[emap[i]] = pv->evkey[i];
		}
	}
	if (removed)
		*removed = pl->nevacuees - ne;
	pl->nevacuees = ne;
	pl->nstays = ns;
	memset(pv->evmap.slot, 0, pv->evmap.cap * sizeof(*pv->evmap.slot));
	pv->evmap.n = 0;
	for (size_t i = 0; i < ne; i++)
		ev_insert_slot(&pv->evmap, pv->evkey, (uint32_t)i);
	for (size_t k = 0; k < pl->nincidents; k++) {
		struct incx *x = pv->incx[k];

		if (x == NULL)
			continue;
		if (!pl->incidents[k].open) {
			ulist_free(&x->ev);
			ulist_free(&x->stay);
			ulist_free(&x->unpl);
			incx_trim(pv, k);
			continue;
		}
		ulist_remap(&x->ev, emap);
		ulist_remap(&x->stay, smap);
		ulist_remap(&x->unpl, emap);
	}
	for (size_t j = 0; j < pl->nshelters; j++)
		ulist_remap(&pv->shstay[j], smap);
	pv->forgot = 1;
	free(smap);
	if (map)
		*map = emap;
	else
		free(emap);
	return ALLOC_OK;
}

long
alloc_plan_changes(const struct alloc_plan *pl, int kind,
		   const uint32_t **idx)
{
	*idx = NULL;
	if (pl->priv == NULL || kind < 0 || kind >= ALLOC_CHG_KINDS ||
	    pl->priv->chg_lost)
		return -1;
	*idx = pl->priv->chg[kind].v;
	return (long)pl->priv->chg[kind].n;
}

void
alloc_plan_changes_clear(struct alloc_plan *pl)
{
	if (pl->priv == NULL)
		return;
	for (int k = 0; k < ALLOC_CHG_KINDS; k++)
		pl->priv->chg[k].n = 0;
	pl->priv->chg_lost = 0;
}

size_t
alloc_plan_incident_stays(const struct alloc_plan *pl, uint32_t incident,
			  const uint32_t **idx)
{
	long k = alloc_plan_incident_find(pl, incident);
	*idx = NULL;
	if (k < 0 || pl->priv == NULL || pl->priv->incx == NULL)
		return 0;
	*idx = incx_of(pl->priv, (size_t)k)->stay.v;
	return incx_of(pl->priv, (size_t)k)->stay.n;
}

size_t
alloc_plan_open_incidents(const struct alloc_plan *pl, const uint32_t **ids)
{
	*ids = NULL;
	if (pl->priv == NULL)
		return 0;
	*ids = pl->priv->openids.v;
	return pl->priv->openids.n;
}

size_t
alloc_plan_incident_evacuees(const struct alloc_plan *pl, uint32_t incident,
			     const uint32_t **idx)
{
	long k = alloc_plan_incident_find(pl, incident);
	*idx = NULL;
	if (k < 0 || pl->priv == NULL || pl->priv->incx == NULL)
		return 0;
	*idx = incx_of(pl->priv, (size_t)k)->ev.v;
	return incx_of(pl->priv, (size_t)k)->ev.n;
}

/* ---- the desk places a family in a named shelter (alloc.h) ------------- */

int
alloc_plan_place_check(const struct alloc_plan *pl, uint32_t incident,
                       const struct alloc_household *hh, uint32_t shelter,
                       uint32_t *free_places)
{
	long k, si, at;
	const struct alloc_plan_shelter *ps;
	const struct alloc_household *h = hh;

	if (free_places)
		*free_places = 0;
	k = alloc_plan_incident_find(pl, incident);
	if (k < 0)
		return ALLOC_PLACE_NO_INCIDENT;
	if (!pl->incidents[k].open)
		return ALLOC_PLACE_INCIDENT_CLOSED;
	si = alloc_plan_shelter_find(pl, shelter);
	if (si < 0)
		return ALLOC_PLACE_NO_SHELTER;
	ps = &pl->shelters[si];
	if (free_places)
		*free_places = alloc_plan_shelter_free(pl, (size_t)si);
	at = ev_find(pl, incident, hh->id);
	if (at >= 0)
		h = &pl->evacuees[at].hh; /* the incident's own record */
	if (at >= 0 && pl->evacuees[at].status == ALLOC_ST_PLACED &&
	    pl->evacuees[at].shelter == shelter)
		return ALLOC_PLACE_ALREADY_THERE;
	if (!ps->s.open)
		return ALLOC_PLACE_SHELTER_CLOSED;
	if (!ps->s.usable || excluded(&pl->incidents[k], shelter))
		return ALLOC_PLACE_UNUSABLE;
	if (h->disabled && !ps->s.accessible)
		return ALLOC_PLACE_INACCESSIBLE;
	if (alloc_plan_shelter_free(pl, (size_t)si) < h->persons)
		return ALLOC_PLACE_FULL;
	return ALLOC_PLACE_OK;
}

const char *
alloc_place_refusal_name(int why)
{
	switch (why) {
	case ALLOC_PLACE_OK:
		return "ok";
	case ALLOC_PLACE_NO_INCIDENT:
		return "no such incident";
	case ALLOC_PLACE_INCIDENT_CLOSED:
		return "incident closed";
	case ALLOC_PLACE_NO_SHELTER:
		return "no such shelter";
	case ALLOC_PLACE_SHELTER_CLOSED:
		return "shelter closed";
	case ALLOC_PLACE_UNUSABLE:
		return "shelter unusable for the incident";
	case ALLOC_PLACE_INACCESSIBLE:
		return "shelter not accessible";
	case ALLOC_PLACE_FULL:
		return "not enough free places";
	case ALLOC_PLACE_ALREADY_THERE:
		return "already in that shelter";
	}
	return "?";
}

/* A household the incident does not know yet (it came to the desk from
 * outside the footprint): a new evacuee record that evacuates, not yet
 * placed. */
static int
evacuee_new(struct alloc_plan *pl, struct alloc_incident *inc,
            const struct alloc_household *hh, alloc_day today, long *at)
{
	struct alloc_evacuee *e;
	size_t i = pl->nevacuees;

	if (alloc_grow((void **)&pl->evacuees, &pl->priv->capev, i + 1,
	               sizeof(*pl->evacuees)) ||
	    alloc_grow((void **)&pl->priv->evkey, &pl->priv->capevkey, i + 1,
	               sizeof(*pl->priv->evkey)) ||
	    ev_map_grow(pl, i + 1) != ALLOC_OK ||
	    (e = evacuee_append(pl, inc, hh, today)) == NULL)
		return ALLOC_ENOMEM;
	e->evacuate = 1;
	*at = (long)i;
	return ALLOC_OK;
}

int
alloc_plan_place(struct alloc_plan *pl, uint32_t incident,
                 const struct alloc_household *hh, uint32_t shelter,
                 alloc_day today, char *err, size_t errlen)
{
	struct alloc_incident *inc;
	struct alloc_evacuee *e;
	struct alloc_plan_shelter *ps;
	long k, si, at;
	double dx, dy;
	int why, rc;

	if (pl == NULL || hh == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
		                    "plan: NULL argument");
	why = alloc_plan_place_check(pl, incident, hh, shelter, NULL);
	if (why == ALLOC_PLACE_NO_INCIDENT || why == ALLOC_PLACE_NO_SHELTER)
		return alloc_seterr(err, errlen, ALLOC_ENOENT,
		                    "plan: place household %u in shelter %u "
		                    "(incident %u): %s",
		                    hh->id, shelter, incident,
		                    alloc_place_refusal_name(why));
	if (why != ALLOC_PLACE_OK)
		return alloc_seterr(err, errlen, ALLOC_ESTATE,
		                    "plan: place household %u in shelter %u "
		                    "(incident %u): %s",
		                    hh->id, shelter, incident,
		                    alloc_place_refusal_name(why));
	at = ev_find(pl, incident, hh->id);
	if (at < 0 && (rc = hh_check(hh, 1, err, errlen)) != ALLOC_OK)
		return rc;
	k = alloc_plan_incident_find(pl, incident);
	inc = &pl->incidents[k];
	if (today < inc->start)
		today = inc->start;
	pl->rev++;
	if (at < 0 && (rc = evacuee_new(pl, inc, hh, today, &at)) != ALLOC_OK)
		goto out;
	e = &pl->evacuees[at];
	/* a placed family leaves its shelter today, as a re-home does: its
	 * meals from today are released there and planned here */
	if ((rc = stay_end(pl, e, today)) != ALLOC_OK)
		goto out;
	rc = stay_add(pl, (size_t)k, e->hh.id, shelter, e->hh.persons, today,
	              &e->stay);
	if (rc != ALLOC_OK)
		goto out;
	if ((e->status == ALLOC_ST_PLACED || e->shelter != ALLOC_NONE) &&
	    e->moves < UINT8_MAX)
		e->moves++;
	si = alloc_plan_shelter_find(pl, shelter);
	ps = &pl->shelters[si];
	dx = e->hh.x - ps->s.x;
	dy = e->hh.y - ps->s.y;
	e->status = ALLOC_ST_PLACED;
	e->reason = ALLOC_PLACED;
	e->evacuate = 1;
	e->shelter = shelter;
	e->distance_m = sqrt(dx * dx + dy * dy);
	e->since = today;
	chg_stamp(pl, ALLOC_CHG_EVACUEE, (size_t)at, &e->rev);
	ps->placed += e->hh.persons;
	ps->rev = pl->rev;
	if (e->first_day == ALLOC_DAY_NEVER) {
		e->first_day = today;
		e->kit_shelter = shelter;
		if ((rc = need_kits(pl, (size_t)k, e)) != ALLOC_OK)
			goto out;
	}
	/* the places it left go to unplaced families, as after a check-out */
	rc = place_unplaced(pl, today);
	if (rc == ALLOC_OK)
		rc = reconcile(pl, today);
out:
	if (rc == ALLOC_ENOMEM)
		alloc_seterr(err, errlen, rc, "plan: out of memory");
	return rc;
}

/* ---- a depot added while the plan runs ------------------------------------------ */

int
alloc_plan_add_depot(struct alloc_plan *pl, const struct alloc_depot *d,
		     alloc_day today, char *err, size_t errlen)
{
	struct alloc_plan_priv *pv;
	struct alloc_depot *v;
	size_t at = 0;
	int held = 0, rc;

	if (pl == NULL || d == NULL || d->id == ALLOC_NONE ||
	    !isfinite(d->x) || !isfinite(d->y))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "plan: bad depot");
	if (alloc_plan_depot_find(pl, d->id) >= 0)
		return alloc_seterr(err, errlen, ALLOC_EEXIST,
				    "plan: depot %u is already planned",
				    d->id);
	v = realloc(pl->depots, (pl->ndepots + 1) * sizeof(*v));
	if (v == NULL)
		return alloc_seterr(err, errlen, ALLOC_ENOMEM,
				    "plan: out of memory");
	pl->depots = v;
	while (at < pl->ndepots && pl->depots[at].id < d->id)
		at++;
	memmove(&pl->depots[at + 1], &pl->depots[at],
		(pl->ndepots - at) * sizeof(*pl->depots));
	pl->depots[at] = *d;
	pl->ndepots++;
	pl->rev++;
	pv = pl->priv;
	/* the lot index (per depot and item) and every shelter's depot order
	 * hold depot indexes, which moved: both are built again */
	if (pv->sup)
		pv->sup->lots_ok = 0;
	supply_near_reset(pl);
	/* Lots of it already in the ledger were never offered to the plan
	 * (the last pass skipped them but counted their units as seen): they
	 * count as received now, so open shortages take from them. */
	for (size_t i = 0; i < pl->ledger->n; i++) {
		if (pl->ledger->lots[i].depot != d->id)
			continue;
		held = 1;
		if (i < pv->nsnap)
			pv->snap[i] = 0;
	}
	/* without lots it changes no dispatch: no pass, so a plan started
	 * with the depot and one it is added to decide alike */
	if (!held)
		return ALLOC_OK;
	rc = reconcile(pl, today);
	if (rc != ALLOC_OK)
		alloc_seterr(err, errlen, rc, "plan: out of memory");
	return rc;
}
