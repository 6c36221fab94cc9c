#define _POSIX_C_SOURCE 200809L
#include "daemon/engine.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/desk.h"
#include "daemon/engine_int.h"
#include "daemon/import.h"
#include "daemon/log.h"
#include "daemon/spool.h"

#define WIB_OFFSET_S (7 * 3600)

int32_t
engine_day(int64_t t)
{
	int64_t s = t + WIB_OFFSET_S;
	return (int32_t)(s >= 0 ? s / 86400 : (s - 86399) / 86400);
}

long
engine_shelter_find(const engine *E, const char *id)
{
	for (size_t i = 0; i < E->nsh; i++)
		if (strcmp(E->sh[i].id, id) == 0)
			return (long)i;
	return -1;
}

void
engine_household_alloc(const geo_household *g, struct alloc_household *h)
{
	memset(h, 0, sizeof(*h));
	h->x = g->x;
	h->y = g->y;
	h->id = g->id;
	h->kelurahan = g->kel;
	h->persons = g->members;
	h->elderly = g->elderly;
	h->under5 = g->under5;
	h->disabled = g->disabled;
	h->pregnant = g->pregnant;
	h->flood_class = g->flood;
	h->fire_class = g->fire;
}

/* ---- reference data grown at runtime (import.c) -------------------------- */

long
engine_depot_find(const engine *E, const char *id)
{
	for (size_t i = 0; i < E->ndep; i++)
		if (strcmp(E->dep[i].id, id) == 0)
			return (long)i;
	return -1;
}

long
engine_lot_find(const engine *E, long dep, const char *lot)
{
	for (size_t i = 0; i < E->nlots; i++)
		if ((long)E->lots[i].depot == dep &&
		    strcmp(E->lots[i].lot, lot) == 0)
			return (long)i;
	return -1;
}

/* Fibonacci hashing of a household id into a power-of-two table. */
static size_t
hmap_slot(uint32_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 11400714819323198485ull) >> 32) &
	       (cap - 1);
}

static void
hmap_put(engine *E, size_t k)
{
	size_t i = hmap_slot(E->hh[k].id, E->hmap_cap);
	while (E->hmap[i]) {
		if (E->hh[E->hmap[i] - 1].id == E->hh[k].id)
			return; /* the first of duplicate ids wins */
		i = (i + 1) & (E->hmap_cap - 1);
	}
	E->hmap[i] = (uint32_t)k + 1;
}

/* Room for n households at a load factor of at most 1/2. */
static int
hmap_reserve(engine *E, size_t n)
{
	size_t cap = E->hmap_cap ? E->hmap_cap : 1024;
	if (E->hmap && n * 2 <= E->hmap_cap)
		return 0;
	while (cap < n * 2)
		cap *= 2;
	uint32_t *m = calloc(cap, sizeof(*m));
	if (m == NULL)
		return -1;
	free(E->hmap);
	E->hmap = m;
	E->hmap_cap = cap;
	for (size_t k = 0; k < E->nhh; k++)
		hmap_put(E, k);
	return 0;
}

long
engine_household_find(engine *E, uint32_t id)
{
	if (hmap_reserve(E, E->nhh))
		return -2;
	for (size_t i = hmap_slot(id, E->hmap_cap); E->hmap[i];
	     i = (i + 1) & (E->hmap_cap - 1))
		if (E->hh[E->hmap[i] - 1].id == id)
			return (long)E->hmap[i] - 1;
	return -1;
}

int
engine_households_add(engine *E, const geo_household *h, size_t n)
{
	if (n == 0)
		return 0;
	if (E->nhh + n >= UINT32_MAX || hmap_reserve(E, E->nhh + n))
		return -1;
	geo_household *a = E->hh;
	if (E->nhh + n > E->hh_cap) {
		/* geometric: a register imported (or replayed) in thousands
		 * of batches is not copied once per batch */
		size_t cap = E->nhh + E->nhh / 2 + n;
		a = realloc(E->hh, cap * sizeof(*a));
		if (a == NULL)
			return -1;
		E->hh = a;
		E->hh_cap = cap;
	}
	memcpy(a + E->nhh, h, n * sizeof(*a));
	for (size_t k = E->nhh; k < E->nhh + n; k++) {
		a[k].flood = (uint8_t)geo_zoneset_class_at(E->zones, GEO_FLOOD,
							   a[k].x, a[k].y);
		a[k].fire = (uint8_t)geo_zoneset_class_at(E->zones, GEO_FIRE,
							  a[k].x, a[k].y);
	}
	if (E->kel)
		geo_areaset_assign_kelurahan(E->kel, a + E->nhh, n, 0);
	E->nhh += n;
	for (size_t k = E->nhh - n; k < E->nhh; k++)
		hmap_put(E, k);
	/* the index still points at the old array: never query it before
	 * engine_hindex_refresh */
	E->hix_stale = 1;
	return 0;
}

void
engine_household_moved(engine *E, size_t k)
{
	geo_household *h = &E->hh[k];
	h->flood = (uint8_t)geo_zoneset_class_at(E->zones, GEO_FLOOD, h->x,
						 h->y);
	h->fire = (uint8_t)geo_zoneset_class_at(E->zones, GEO_FIRE, h->x, h->y);
	E->hix_stale = 1;
}

int
engine_hindex_refresh(engine *E, char *err, size_t errlen)
{
	geo_hindex *ix = NULL;
	if (!E->hix_stale && E->hix)
		return 0;
	if (geo_hindex_build(E->hh, E->nhh, 0, &ix, err, errlen))
		return -1;
	geo_hindex_free(E->hix);
	E->hix = ix;
	E->hix_stale = 0;
	return 0;
}

long
engine_shelter_add(engine *E, const geo_shelter *s)
{
	size_t n = E->nsh + 1;
	geo_shelter *a = realloc(E->sh, n * sizeof(*a));
	if (a == NULL)
		return -1;
	E->sh = a;
	/* the per-shelter state arrays were allocated with one spare */
	uint8_t *lv = realloc(E->sh_level, n + 1);
	if (lv == NULL)
		return -1;
	E->sh_level = lv;
	int64_t *al = realloc(E->sh_alert, (n + 1) * sizeof(*al));
	if (al == NULL)
		return -1;
	E->sh_alert = al;
	uint8_t *cl = realloc(E->sh_closed, n + 1);
	if (cl == NULL)
		return -1;
	E->sh_closed = cl;
	a[E->nsh] = *s;
	lv[E->nsh] = lv[n] = 0;
	al[E->nsh] = al[n] = 0;
	cl[E->nsh] = cl[n] = 0;
	return (long)E->nsh++;
}

long
engine_depot_add(engine *E, const geo_depot *d)
{
	geo_depot *a = realloc(E->dep, (E->ndep + 1) * sizeof(*a));
	if (a == NULL)
		return -1;
	E->dep = a;
	a[E->ndep] = *d;
	return (long)E->ndep++;
}

/* ---- loading ------------------------------------------------------------ */

static void
log_diag(const char *what, geo_diag *d)
{
	for (size_t i = 0; i < d->n && i < 20; i++)
		log_warnx("%s: %s", what, d->items[i].msg);
	if (d->n > 20)
		log_warnx("%s: %zu more problems", what, d->n - 20);
	geo_diag_clear(d);
}

void
fill_alloc_shelter(const engine *E, size_t i, struct alloc_shelter *a)
{
	memset(a, 0, sizeof(*a));
	a->x = E->sh[i].x;
	a->y = E->sh[i].y;
	a->id = (uint32_t)i + 1;
	a->kelurahan = E->sh[i].kel;
	a->capacity = E->sh[i].capacity;
	a->accessible = E->sh[i].accessible;
	a->open = !E->sh_closed[i];
	a->usable = 1;
}

int
incidents_refresh(engine *E)
{
	const struct alloc_plan *pl = &E->plan;
	/* a closed incident's totals were written when it closed and no
	 * step changes them: only the open ones (a daemon that ran for
	 * months has thousands of closed incidents) */
	const uint32_t *open;
	size_t nopen = alloc_plan_open_incidents(pl, &open);
	counts *c = calloc(nopen + 1, sizeof(*c));
	int rc = 0;
	if (c == NULL)
		return -1;
	for (size_t o = 0; o < nopen; o++) {
		const uint32_t *iv;
		size_t niv = alloc_plan_incident_evacuees(pl, open[o], &iv);
		for (size_t t = 0; t < niv; t++)
			count_evacuee(&c[o], &pl->evacuees[iv[t]]);
	}
	for (size_t o = 0; o < nopen && rc == 0; o++) {
		sqlite3_stmt *st =
		    store_stmt(E->db, "UPDATE incidents SET affected_hh=?,"
		                      " affected_p=?, evac_hh=?, evac_p=?,"
		                      " placed_hh=?, placed_p=?, unplaced_hh=?,"
		                      " unplaced_p=? WHERE id=?");
		if (st == NULL) {
			rc = -1;
			break;
		}
		int64_t v[8] = {c[o].aff_hh, c[o].aff_p, c[o].ev_hh, c[o].ev_p,
		                c[o].pl_hh,  c[o].pl_p,  c[o].un_hh, c[o].un_p};
		for (int j = 0; j < 8; j++)
			sqlite3_bind_int64(st, j + 1, v[j]);
		sqlite3_bind_int64(st, 9, open[o]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		else if (unplaced_alert(E, open[o], &c[o]) ||
		         shortage_alerts(E, open[o]))
			rc = -1;
	}
	free(c);
	return rc;
}

int
shelter_replan(engine *E, size_t i, int32_t today, char *err, size_t errlen)
{
	struct alloc_shelter a;
	fill_alloc_shelter(E, i, &a);
	return alloc_plan_update_shelter(&E->plan, &a, today, err, errlen) ? -1
									     : 0;
}

static void
params_from_config(const posko_config *c, struct alloc_params *p)
{
	alloc_params_default(p);
	p->policy = c->policy;
	p->assign.max_distance_m = c->shelter.max_distance_m;
	p->supply.days = (uint32_t)c->supply.emergency_days;
	p->supply.meals_per_day = (uint32_t)c->supply.meals_per_person_day;
	if (c->supply.kit_adult >= 0)
		p->supply.kit_other = (uint8_t)c->supply.kit_adult;
	if (c->supply.kit_under5 >= 0)
		p->supply.kit_under5 = (uint8_t)c->supply.kit_under5;
	p->supply.family_kits = c->supply.kit_family ? 1 : 0;
	p->supply.expiry_warn_days = (uint32_t)c->supply.expiry_warn_days;
}

/* One shelter's row in the store as the engine holds it (upsert by id);
 * lon / lat from its metric place. 0 or -1. */
int
engine_store_shelter(engine *E, const geo_shelter *x)
{
	double lon = 0, lat = 0;
	sqlite3_stmt *st = store_stmt(
		E->db, "INSERT INTO shelters (id, name, kind, lon, lat, kel,"
		       " capacity, floor_m2, accessible, capacity_source)"
		       " VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO"
		       " UPDATE SET name=excluded.name, kind=excluded.kind,"
		       " lon=excluded.lon, lat=excluded.lat,"
		       " kel=excluded.kel, capacity=excluded.capacity,"
		       " floor_m2=excluded.floor_m2,"
		       " accessible=excluded.accessible,"
		       " capacity_source=excluded.capacity_source");
	if (st == NULL)
		return -1;
	geo_to_wgs84(E->gctx, x->x, x->y, &lon, &lat);
	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, geo_shelter_kind_name(x->kind), -1,
			  SQLITE_STATIC);
	sqlite3_bind_double(st, 4, lon);
	sqlite3_bind_double(st, 5, lat);
	sqlite3_bind_int64(st, 6, x->kel);
	sqlite3_bind_int64(st, 7, x->capacity);
	sqlite3_bind_double(st, 8, x->floor_m2);
	sqlite3_bind_int(st, 9, x->accessible);
	sqlite3_bind_text(st, 10,
			  geo_capacity_source_name(
				  (geo_capacity_source)x->capacity_source),
			  -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* The same for a depot. */
int
engine_store_depot(engine *E, const geo_depot *d)
{
	double lon = 0, lat = 0;
	sqlite3_stmt *st = store_stmt(
		E->db, "INSERT INTO depots (id, name, lon, lat, kel, city)"
		       " VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
		       " name=excluded.name, lon=excluded.lon,"
		       " lat=excluded.lat, kel=excluded.kel,"
		       " city=excluded.city");
	if (st == NULL)
		return -1;
	geo_to_wgs84(E->gctx, d->x, d->y, &lon, &lat);
	sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, lon);
	sqlite3_bind_double(st, 4, lat);
	sqlite3_bind_int64(st, 5, d->kel);
	sqlite3_bind_int64(st, 6, d->city);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Mirror the reference data into the store so control reads (and poskoctl)
 * see shelters, depots and lots; rows the desk changed (shelter state,
 * stock movements) are kept. */
static int
mirror_reference(engine *E)
{
	store *s = E->db;
	if (store_begin(s))
		return -1;
	for (size_t i = 0; i < E->nsh; i++)
		if (engine_store_shelter(E, &E->sh[i]))
			goto fail;
	for (size_t i = 0; i < E->ndep; i++)
		if (engine_store_depot(E, &E->dep[i]))
			goto fail;
	for (size_t i = 0; i < E->nlots; i++) {
		const geo_lot *l = &E->lots[i];
		char exp[16];
		sqlite3_stmt *st = store_stmt(
			s, "INSERT OR IGNORE INTO lots (depot, lot, item, qty,"
			   " expires) VALUES (?,?,?,?,?)");
		if (st == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, E->dep[l->depot].id, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 2, l->lot, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, geo_item_name(l->item), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, l->qty);
		if (l->expires_ymd) {
			snprintf(exp, sizeof(exp), "%04u-%02u-%02u",
				 l->expires_ymd / 10000,
				 l->expires_ymd / 100 % 100,
				 l->expires_ymd % 100);
			sqlite3_bind_text(st, 5, exp, -1, SQLITE_TRANSIENT);
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	/* The shelter state the desk set (closed, capacity) is not read
	 * back here: the journal replay re-applies those steps in order, so
	 * the plan is rebuilt exactly; engine_replay writes the result. */
	return store_commit(s);
fail:
	log_warnx("store: mirroring reference data: %s", store_errmsg(s));
	store_rollback(s);
	return -1;
}

/* Depots of the store that the [data] depot file does not name, in the
 * order they were first stored (index + 1 is the alloc depot id). */
static int
load_store_depots(engine *E, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT id, name, lon, lat, kel, city FROM depots"
		       " ORDER BY rowid");
	int rc = 0;
	if (st == NULL) {
		snprintf(err, errlen, "store: %s", store_errmsg(E->db));
		return -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		geo_depot d;
		memset(&d, 0, sizeof(d));
		snprintf(d.id, sizeof(d.id), "%s", sqlite3_column_text(st, 0));
		if (engine_depot_find(E, d.id) >= 0)
			continue;
		snprintf(d.name, sizeof(d.name), "%s",
			 sqlite3_column_text(st, 1));
		if (geo_to_metric(E->gctx, sqlite3_column_double(st, 2),
				  sqlite3_column_double(st, 3), &d.x, &d.y)) {
			log_warnx("data: depot %s in the store has no usable "
				  "place; left out",
				  d.id);
			continue;
		}
		d.kel = (uint32_t)sqlite3_column_int64(st, 4);
		d.city = (uint32_t)sqlite3_column_int64(st, 5);
		if (engine_depot_add(E, &d) < 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	sqlite3_reset(st);
	return rc;
}

/* Where an imported zone file of a hazard lives (docs/protocol.md 2.8,
 * import.zones): state_dir/zones/flood.geojson or fire.geojson. */
static void
zone_file(const posko_config *cfg, int fire, const char *suffix, char *buf,
	  size_t len)
{
	snprintf(buf, len, "%s/zones/%s.geojson%s", cfg->daemon.state_dir,
		 fire ? "fire" : "flood", suffix);
}

/* The flood and fire zones named by cfg, as one zoneset; for a hazard with
 * an imported file, that file instead of cfg's ([data] is the default
 * until the desk imports zones). over: a file to try for hazard over_fire
 * instead of both (an import being checked), or NULL. */
static int
load_zones_from(engine *E, const posko_config *cfg, const char *over,
		int over_fire, geo_zoneset **out, char *err, size_t errlen)
{
	char imp[2][4096];
	int use[2];
	size_t nz = 0, n[2] = {cfg->data.nflood_zones, cfg->data.nfire_zones};
	char *const *list[2] = {cfg->data.flood_zones, cfg->data.fire_zones};
	const char **paths;
	geo_hazard *hz;
	geo_diag d;
	int rc;

	for (int f = 0; f < 2; f++) {
		zone_file(cfg, f, "", imp[f], sizeof(imp[f]));
		if (over && over_fire == f)
			snprintf(imp[f], sizeof(imp[f]), "%s", over);
		use[f] = (over && over_fire == f) || access(imp[f], R_OK) == 0;
		nz += use[f] ? 1 : n[f];
	}
	paths = calloc(nz + 1, sizeof(char *));
	hz = calloc(nz + 1, sizeof(geo_hazard));
	*out = NULL;
	if (!paths || !hz) {
		free(paths);
		free(hz);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nz = 0;
	for (int f = 0; f < 2; f++) {
		if (use[f] && !over)
			log_info("zones: %s from %s (imported; overrides [data] "
				 "%s_zones)",
				 f ? "fire" : "flood", imp[f],
				 f ? "fire" : "flood");
		for (size_t i = 0; i < (use[f] ? 1 : n[f]); i++) {
			paths[nz] = use[f] ? imp[f] : list[f][i];
			hz[nz++] = f ? GEO_FIRE : GEO_FLOOD;
		}
	}
	geo_diag_init(&d);
	rc = geo_zoneset_load(E->gctx, (const char *const *)paths, nz, hz, &d,
			      out, err, errlen);
	free(paths);
	free(hz);
	if (rc == 0)
		log_diag("zones", &d);
	geo_diag_free(&d);
	return rc ? -1 : 0;
}

static int
load_zones(engine *E, const posko_config *cfg, geo_zoneset **out, char *err,
	   size_t errlen)
{
	return load_zones_from(E, cfg, NULL, 0, out, err, errlen);
}

/* Swap in zs, then the exposure of every household from the new zones:
 * the caller holds the decision token, nothing else reads them. */
static void
zones_swap(engine *E, geo_zoneset *zs)
{
	geo_zoneset_free(E->zones);
	E->zones = zs;
	E->nsh_zclass = 0; /* the shelters' classes are the old zones' */
	geo_hindex_exposure(E->hix, E->zones, E->hh);
}

int
engine_reload_zones(engine *E, const posko_config *cfg, char *err,
		    size_t errlen)
{
	geo_zoneset *zs = NULL;
	if (engine_hindex_refresh(E, err, errlen) ||
	    load_zones(E, cfg, &zs, err, errlen))
		return -1;
	zones_swap(E, zs);
	return 0;
}

int
engine_import_zones(engine *E, int fire, const char *text, size_t len,
		    char *err, size_t errlen)
{
	char dir[4096], tmp[4096], fin[4096], name[64];
	geo_zoneset *zs = NULL;
	const posko_config *cfg = E->cfg;

	snprintf(dir, sizeof(dir), "%s/zones", cfg->daemon.state_dir);
	if (mkdir(dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(name, sizeof(name), "%s.geojson.new", fire ? "fire" : "flood");
	zone_file(cfg, fire, ".new", tmp, sizeof(tmp));
	zone_file(cfg, fire, "", fin, sizeof(fin));
	if (spool_write_atomic(dir, name, text, len, err, errlen))
		return -1;
	/* loaded (and checked) with the other hazard as it is now; nothing
	 * changes unless the whole set loads */
	if (engine_hindex_refresh(E, err, errlen) ||
	    load_zones_from(E, cfg, tmp, fire, &zs, err, errlen)) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, fin)) {
		snprintf(err, errlen, "%s: %s", fin, strerror(errno));
		unlink(tmp);
		geo_zoneset_free(zs);
		return -1;
	}
	if (spool_sync_dir(dir, err, errlen))
		log_warnx("zones: %s", err); /* in force; the rename may not
						survive a power loss */
	zones_swap(E, zs);
	return 0;
}

int
engine_load(engine *E, const posko_config *cfg, store *db, char *err,
	    size_t errlen)
{
	geo_diag d;
	struct alloc_params p;
	struct alloc_shelter *ash = NULL;
	struct alloc_depot *adep = NULL;

	geo_diag_init(&d);
	E->cfg = cfg;
	E->db = db;
	/* POSKOD_COMPACT_ALWAYS=1: compact after every decision (a test
	 * hook: tests/e2e_daemon_compact.sh) */
	const char *ca = getenv("POSKOD_COMPACT_ALWAYS");
	E->compact_min = ca && strcmp(ca, "1") == 0 ? 1 : 4096;
	alloc_ledger_init(&E->ledger);
	E->gctx = geo_ctx_new(cfg->daemon.metric_crs, err, errlen);
	if (E->gctx == NULL)
		return -1;
	if (cfg->data.households) {
		if (geo_households_read(E->gctx, cfg->data.households, &E->hh,
					&E->nhh, &d, err, errlen))
			goto fail;
		log_diag("data", &d);
	}
	if (cfg->data.shelters) {
		if (geo_shelters_read(E->gctx, cfg->data.shelters, &E->sh,
				      &E->nsh, &d, err, errlen))
			goto fail;
		log_diag("data", &d);
	}
	if (cfg->data.depots) {
		if (geo_depots_read_csv(E->gctx, cfg->data.depots, &E->dep,
					&E->ndep, &d, err, errlen))
			goto fail;
		log_diag("data", &d);
	}
	/* depots imported over the control socket (import.c), and the
	 * whole register when no depot file is named (a depot imported later
	 * joins the running plan through alloc_plan_add_depot) */
	if (load_store_depots(E, err, errlen))
		goto fail;
	if (cfg->data.stock && E->ndep) {
		if (geo_lots_read_csv(cfg->data.stock, E->dep, E->ndep,
				      &E->lots, &E->nlots, &d, err, errlen))
			goto fail;
		log_diag("data", &d);
	}
	if (cfg->data.kelurahan) {
		if (geo_areaset_load(E->gctx, cfg->data.kelurahan,
				     GEO_AREA_KELURAHAN, NULL, &d, &E->kel, err,
				     errlen))
			goto fail;
		log_diag("data", &d);
	}
	if (cfg->data.rw) {
		if (geo_areaset_load(E->gctx, cfg->data.rw, GEO_AREA_RW, NULL,
				     &d, &E->rw, err, errlen))
			goto fail;
		log_diag("data", &d);
	}
	if (load_zones(E, cfg, &E->zones, err, errlen))
		goto fail;
	if (E->kel)
		geo_areaset_assign_kelurahan(E->kel, E->hh, E->nhh, 0);
	if (geo_hindex_build(E->hh, E->nhh, 0, &E->hix, err, errlen))
		goto fail;
	geo_hindex_exposure(E->hix, E->zones, E->hh);

	E->sh_level = calloc(E->nsh + 1, 1);
	E->sh_alert = calloc(E->nsh + 1, sizeof(int64_t));
	E->sh_closed = calloc(E->nsh + 1, 1);
	ash = calloc(E->nsh + 1, sizeof(*ash));
	adep = calloc(E->ndep + 1, sizeof(*adep));
	if (!E->sh_level || !E->sh_alert || !E->sh_closed || !ash || !adep) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (mirror_reference(E) && !E->rebuild) {
		snprintf(err, errlen, "store: %s", store_errmsg(db));
		goto fail;
	}
	for (size_t i = 0; i < E->nsh; i++)
		fill_alloc_shelter(E, i, &ash[i]);
	for (size_t i = 0; i < E->ndep; i++) {
		adep[i].x = E->dep[i].x;
		adep[i].y = E->dep[i].y;
		adep[i].id = (uint32_t)i + 1;
	}
	/* Stock as the store holds it (received, adjusted, consumed): the
	 * ledger starts from lots.qty; planned reservations are rebuilt by
	 * the replay. */
	for (size_t i = 0; i < E->nlots; i++) {
		const geo_lot *l = &E->lots[i];
		int64_t qty = l->qty;
		sqlite3_stmt *st = store_stmt(
			db, "SELECT qty + coalesce((SELECT sum(qty) FROM "
			    "dispatches WHERE depot=lots.depot AND "
			    "lot=lots.lot AND status='confirmed'),0)"
			    " - coalesce((SELECT sum(qty) FROM movements m"
			    " WHERE m.depot=lots.depot AND m.lot=lots.lot AND"
			    " m.kind IN ('received','adjusted')),0)"
			    " FROM lots WHERE depot=? AND lot=?");
		if (st) {
			sqlite3_bind_text(st, 1, E->dep[l->depot].id, -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 2, l->lot, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				qty = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		}
		if (qty > 0 &&
		    alloc_ledger_receive(&E->ledger, l->depot + 1,
					 (uint32_t)i + 1, (int)l->item, qty,
					 l->expires_ymd ? l->expires_days
							: ALLOC_DAY_NEVER,
					 NULL, err, errlen))
			goto fail;
	}
	params_from_config(cfg, &p);
	if (alloc_plan_init(&E->plan, &p, ash, E->nsh, adep, E->ndep,
			    &E->ledger, err, errlen))
		goto fail;
	E->plan_ok = 1;
	free(ash);
	free(adep);
	geo_diag_free(&d);
	log_info("data: %zu households, %zu shelters, %zu depots, %zu lots, "
		 "%zu zones",
		 E->nhh, E->nsh, E->ndep, E->nlots,
		 geo_zoneset_count(E->zones));
	return 0;
fail:
	free(ash);
	free(adep);
	geo_diag_free(&d);
	return -1;
}

void
engine_free(engine *E)
{
	if (E->plan_ok)
		alloc_plan_free(&E->plan);
	alloc_ledger_free(&E->ledger);
	geo_hindex_free(E->hix);
	geo_zoneset_free(E->zones);
	geo_areaset_free(E->kel);
	geo_areaset_free(E->rw);
	free(E->hmap);
	free(E->hh);
	free(E->sh);
	free(E->dep);
	free(E->lots);
	free(E->ev_status);
	free(E->ev_shelter);
	free(E->meal_live);
	free(E->sh_level);
	free(E->sh_alert);
	free(E->sh_closed);
	free(E->sh_zclass);
	geo_ctx_free(E->gctx);
	memset(E, 0, sizeof(*E));
}

/* ---- one step ------------------------------------------------------------ */

static int
to_alloc_severity(const engine *E, const report_severity *s,
		  struct alloc_severity *out)
{
	out->value = s->value;
	switch (s->kind) {
	case SEV_NONE:
		out->kind = ALLOC_SEV_NONE;
		return 0;
	case SEV_SIAGA:
		out->kind = ALLOC_SEV_SIAGA;
		return 0;
	case SEV_DEPTH_CM:
		out->kind = ALLOC_SEV_DEPTH_CM;
		return 0;
	case SEV_LEVEL:
		out->kind = ALLOC_SEV_LEVEL;
		return 0;
	case SEV_EVACUATE:
		out->kind = ALLOC_SEV_EVACUATE;
		out->value = 1;
		return 0;
	case SEV_RW_STATE:
		return config_rw_state_severity(E->cfg, s->value, out);
	}
	return -1;
}

static int
build_footprint(engine *E, const report_footprint *f, geo_footprint **out,
		char *err, size_t errlen)
{
	const char **keys;
	char (*kb)[GEO_KEL_BUFLEN];
	int rc;

	switch (f->kind) {
	case FOOT_GEOMETRY:
		return geo_footprint_from_geojson(E->gctx, f->geojson,
						  strlen(f->geojson), NULL, out,
						  err, errlen);
	case FOOT_CIRCLE:
		return geo_footprint_from_point(E->gctx, f->lon, f->lat,
						f->radius_m, out, err, errlen);
	case FOOT_KELURAHAN:
		if (E->kel == NULL)
			return geo_seterr(err, errlen, GEO_EINVAL,
					  "no kelurahan layer is configured "
					  "([data] kelurahan)");
		keys = calloc(f->ncodes, sizeof(char *));
		kb = calloc(f->ncodes, sizeof(*kb));
		if (!keys || !kb) {
			free(keys);
			free(kb);
			return GEO_ENOMEM;
		}
		for (size_t i = 0; i < f->ncodes; i++)
			keys[i] = geo_kel_format(f->codes[i], kb[i]);
		rc = geo_footprint_from_areas(E->gctx, E->kel, keys, f->ncodes,
					      out, err, errlen);
		free(keys);
		free(kb);
		return rc;
	case FOOT_RW:
		if (E->rw == NULL)
			return geo_seterr(err, errlen, GEO_EINVAL,
					  "no RW layer is configured ([data] "
					  "rw)");
		return geo_footprint_from_areas(E->gctx, E->rw,
						(const char *const *)f->rw_ids,
						f->ncodes, out, err, errlen);
	case FOOT_NONE:
		break;
	}
	return geo_seterr(err, errlen, GEO_EINVAL, "no footprint");
}

/* The flood and fire class at every shelter, computed once per zone set
 * (a point-in-zone lookup per shelter on every report was a tenth of a
 * small report's decision, issue 5). */
static int
shelter_classes(engine *E)
{
	if (E->nsh_zclass == E->nsh && E->sh_zclass)
		return 0;
	uint8_t *c = realloc(E->sh_zclass, 2 * (E->nsh + 1));
	if (c == NULL)
		return -1;
	E->sh_zclass = c;
	if (E->nsh_zclass > E->nsh)
		E->nsh_zclass = 0;
	for (size_t i = E->nsh_zclass; i < E->nsh; i++) {
		c[2 * i] = (uint8_t)geo_zoneset_class_at(
			E->zones, GEO_FLOOD, E->sh[i].x, E->sh[i].y);
		c[2 * i + 1] = (uint8_t)geo_zoneset_class_at(
			E->zones, GEO_FIRE, E->sh[i].x, E->sh[i].y);
	}
	E->nsh_zclass = E->nsh;
	return 0;
}

/* Affected households and the shelters the incident must not use. */
static int
affected(engine *E, const posko_report *r, struct alloc_household **hh_out,
	 size_t *n_out, uint32_t **unusable, size_t *nunusable, char *err,
	 size_t errlen)
{
	geo_footprint *fp = NULL;
	uint32_t *idx = NULL;
	size_t n = 0;
	int hazard;
	struct alloc_household *hh;

	*hh_out = NULL;
	*unusable = NULL;
	*n_out = *nunusable = 0;
	if (engine_hindex_refresh(E, err, errlen) ||
	    build_footprint(E, &r->footprint, &fp, err, errlen))
		return -1;
	if (geo_footprint_households(fp, E->hix, &idx, &n)) {
		geo_footprint_free(fp);
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	}
	hh = calloc(n + 1, sizeof(*hh));
	*unusable = calloc(E->nsh + 1, sizeof(uint32_t));
	if (!hh || !*unusable) {
		free(hh);
		free(idx);
		geo_footprint_free(fp);
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		engine_household_alloc(&E->hh[idx[i]], &hh[i]);
	hazard = alloc_policy_hazard(&E->plan.params.policy, (int)r->type);
	if (hazard != ALLOC_HAZARD_NONE && shelter_classes(E)) {
		free(hh);
		free(*unusable);
		*unusable = NULL;
		free(idx);
		geo_footprint_free(fp);
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < E->nsh; i++) {
		geo_class c = GEO_NONE;
		if (hazard == ALLOC_HAZARD_FLOOD)
			c = (geo_class)E->sh_zclass[2 * i];
		else if (hazard == ALLOC_HAZARD_FIRE)
			c = (geo_class)E->sh_zclass[2 * i + 1];
		if (c == GEO_HIGH ||
		    geo_footprint_contains(fp, E->sh[i].x, E->sh[i].y))
			(*unusable)[(*nunusable)++] = (uint32_t)i + 1;
	}
	free(idx);
	geo_footprint_free(fp);
	*hh_out = hh;
	*n_out = n;
	return 0;
}

int
engine_shelter_unusable(engine *E, size_t k, uint32_t inc, char *err,
			size_t errlen)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT report FROM incidents WHERE id=?");
	json_t *o = NULL;
	geo_footprint *fp = NULL;
	ingest_msg m;
	ingest_error ie;
	int rc = -1, parsed = 0;

	if (st == NULL) {
		snprintf(err, errlen, "store: %s", store_errmsg(E->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, inc);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = json_loads((const char *)sqlite3_column_text(st, 0), 0,
			       NULL);
	sqlite3_reset(st);
	if (o == NULL || ingest_parse_object(o, "", &m, &ie)) {
		snprintf(err, errlen, "incident %u: its report is not readable",
			 inc);
		goto out;
	}
	parsed = 1;
	if (build_footprint(E, &m.rep.footprint, &fp, err, errlen))
		goto out;
	/* as affected() decides for the shelters held when it opened */
	int hazard = alloc_policy_hazard(&E->plan.params.policy,
					 (int)m.rep.type);
	geo_class c = GEO_NONE;
	if (hazard == ALLOC_HAZARD_FLOOD)
		c = geo_zoneset_class_at(E->zones, GEO_FLOOD, E->sh[k].x,
					 E->sh[k].y);
	else if (hazard == ALLOC_HAZARD_FIRE)
		c = geo_zoneset_class_at(E->zones, GEO_FIRE, E->sh[k].x,
					 E->sh[k].y);
	rc = c == GEO_HIGH || geo_footprint_contains(fp, E->sh[k].x,
						     E->sh[k].y);
out:
	geo_footprint_free(fp);
	if (parsed)
		ingest_msg_clear(&m);
	json_decref(o);
	return rc;
}

/* Make room in the per-evacuee shadow arrays. */
static int
shadow_grow(engine *E)
{
	size_t need = E->plan.nevacuees;
	if (need <= E->ev_cap)
		return 0;
	size_t cap = E->ev_cap ? E->ev_cap : 1024;
	while (cap < need)
		cap *= 2;
	uint8_t *s = realloc(E->ev_status, cap);
	if (s == NULL)
		return -1;
	E->ev_status = s;
	uint32_t *h = realloc(E->ev_shelter, cap * sizeof(uint32_t));
	if (h == NULL)
		return -1;
	E->ev_shelter = h;
	memset(E->ev_status + E->ev_cap, 0xff, cap - E->ev_cap);
	for (size_t i = E->ev_cap; i < cap; i++)
		E->ev_shelter[i] = ALLOC_NONE;
	E->ev_cap = cap;
	return 0;
}

const char *
shelter_name(const engine *E, uint32_t id)
{
	return id >= 1 && id <= E->nsh ? E->sh[id - 1].id : "?";
}

int
emit(engine *E, const char *topic, json_t *body)
{
	char *s;
	int64_t id;
	if (body == NULL) {
		/* a json_pack with a NULL string: a bug, say where */
		log_warnx("event %s: could not be built", topic);
		return -1;
	}
	s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(body);
	if (s == NULL)
		return -1;
	id = store_outbox_add(E->db, topic, s);
	free(s);
	return id > 0 ? 0 : -1;
}

/*
 * Hot event bodies (assign.household, dispatch.*, unplaced.household:
 * thousands per incident) written straight into one reused buffer instead
 * of json_pack + json_dumps (a malloc per value and per key; a third of a
 * decision in the issue 5 profile). The text is what jansson's
 * JSON_COMPACT dump of the same json_pack gives: keys in that order, no
 * spaces, strings escaped as jansson escapes them.
 */
typedef struct jbuf {
	char *p;
	size_t n, cap;
	int oom;
} jbuf;

static void
jb_put(jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

#define JB_LIT(b, lit) jb_put((b), (lit), sizeof(lit) - 1)

static void
jb_int(jbuf *b, int64_t v)
{
	char t[24], *p = t + sizeof(t);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	/* digits from the right (snprintf was a tenth of these events) */
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	jb_put(b, p, (size_t)(t + sizeof(t) - p));
}

/* A JSON string, escaped like jansson's dump (no ensure_ascii). */
static void
jb_str(jbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;

	JB_LIT(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jb_put(b, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		jb_put(b, esc, n);
	}
	jb_put(b, run, (size_t)(s - run));
	JB_LIT(b, "\"");
}

/* ,"key": (key a literal without characters to escape) */
static void
jb_key(jbuf *b, const char *key)
{
	if (b->n && b->p[b->n - 1] != '{')
		JB_LIT(b, ",");
	JB_LIT(b, "\"");
	jb_put(b, key, strlen(key));
	JB_LIT(b, "\":");
}

static void
jb_kint(jbuf *b, const char *key, int64_t v)
{
	jb_key(b, key);
	jb_int(b, v);
}

static void
jb_kstr(jbuf *b, const char *key, const char *v)
{
	jb_key(b, key);
	if (v)
		jb_str(b, v);
	else
		JB_LIT(b, "null");
}

/* Add the body in b (one object) to the outbox. 0 or -1. */
static int
emit_jb(engine *E, const char *topic, jbuf *b)
{
	if (b->oom) {
		log_warnx("event %s: out of memory", topic);
		return -1;
	}
	return store_outbox_addn(E->db, topic, b->p, b->n) > 0 ? 0 : -1;
}

static char *
day_text(int32_t day, char *buf)
{
	return alloc_day_format(day, buf);
}

/* Alerts: raise / clear, stored, with their events. */
int64_t
alert_raise(engine *E, const char *topic, const char *kind,
	    const char *subject, const char *level, json_t *detail)
{
	char now[32], *d;
	int64_t id;
	sqlite3_stmt *st = store_stmt(
		E->db, "INSERT INTO alerts (topic, kind, subject, level, state,"
		       " raised, detail) VALUES (?,?,?,?,'raised',?,?)");
	if (st == NULL)
		return -1;
	d = json_dumps(detail, JSON_COMPACT | JSON_REAL_PRECISION(10));
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, store_now(now), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, d ? d : "{}", -1, SQLITE_TRANSIENT);
	free(d);
	if (sqlite3_step(st) != SQLITE_DONE) {
		json_decref(detail);
		return -1;
	}
	id = sqlite3_last_insert_rowid(store_db(E->db));
	json_object_set_new(detail, "alert", json_integer(id));
	json_object_set_new(detail, "state", json_string("raised"));
	json_object_set_new(detail, "kind", json_string(kind));
	json_object_set_new(detail, "level", json_string(level));
	return emit(E, topic, detail) ? -1 : id;
}

int
alert_clear(engine *E, int64_t id, const char *topic, json_t *detail)
{
	char now[32];
	sqlite3_stmt *st = store_stmt(
		E->db, "UPDATE alerts SET state='cleared', cleared=? WHERE id=?"
		       " RETURNING kind, level");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, store_now(now), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		json_decref(detail);
		return -1;
	}
	json_object_set_new(detail, "alert", json_integer(id));
	json_object_set_new(detail, "state", json_string("cleared"));
	json_object_set_new(
		detail, "kind",
		json_string((const char *)sqlite3_column_text(st, 0)));
	json_object_set_new(
		detail, "level",
		json_string((const char *)sqlite3_column_text(st, 1)));
	sqlite3_step(st);
	sqlite3_reset(st);
	return emit(E, topic, detail);
}

/* Occupancy alerts with hysteresis for every shelter (a few hundred). */
int
shelter_alerts(engine *E)
{
	const posko_config *c = E->cfg;
	static const char *const names[] = {"", "warn", "critical", "full"};
	for (size_t i = 0; i < E->plan.nshelters; i++) {
		const struct alloc_plan_shelter *ps = &E->plan.shelters[i];
		size_t k = ps->s.id - 1;
		uint32_t cap = ps->s.capacity;
		uint32_t reg = ps->placed + ps->s.occupancy;
		double pct = cap ? 100.0 * reg / cap : (reg ? 1000.0 : 0);
		int cur = E->sh_level[k], lvl = 0;
		if (pct >= c->alerts.shelter_full)
			lvl = 3;
		else if (pct >= c->alerts.shelter_critical)
			lvl = 2;
		else if (pct >= c->alerts.shelter_warn)
			lvl = 1;
		/* hysteresis: stay at the current level until the
		 * percentage falls hysteresis points below its threshold */
		if (lvl < cur) {
			int th = cur == 3   ? c->alerts.shelter_full
				 : cur == 2 ? c->alerts.shelter_critical
					    : c->alerts.shelter_warn;
			if (pct > th - c->alerts.hysteresis)
				lvl = cur;
		}
		if (lvl == cur)
			continue;
		json_t *d = json_pack("{s:s,s:i,s:i,s:f}", "shelter",
				      E->sh[k].id, "registered", (int)reg,
				      "capacity", (int)cap, "percent",
				      round(pct * 10) / 10);
		if (E->sh_alert[k]) {
			if (alert_clear(E, E->sh_alert[k], "alert.shelter",
					json_deep_copy(d)))
				goto fail;
			E->sh_alert[k] = 0;
		}
		if (lvl) {
			int64_t id = alert_raise(E, "alert.shelter",
						 "occupancy", E->sh[k].id,
						 names[lvl], json_incref(d));
			if (id < 0)
				goto fail;
			E->sh_alert[k] = id;
		}
		json_decref(d);
		E->sh_level[k] = (uint8_t)lvl;
		continue;
fail:
		json_decref(d);
		return -1;
	}
	return 0;
}

int64_t
open_alert(engine *E, const char *topic, const char *subject)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT id FROM alerts WHERE topic=? AND subject=? AND"
		       " state != 'cleared'");
	int64_t id = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}


void
count_evacuee(counts *c, const struct alloc_evacuee *e)
{
	c->aff_hh++;
	c->aff_p += e->hh.persons;
	/* evacuating = in a shelter or waiting for one: a family that left
	 * (checked out, incident closed) is no longer counted */
	if (!e->evacuate || e->status == ALLOC_ST_LEFT)
		return;
	c->ev_hh++;
	c->ev_p += e->hh.persons;
	if (e->status == ALLOC_ST_PLACED) {
		c->pl_hh++;
		c->pl_p += e->hh.persons;
	} else if (e->status == ALLOC_ST_UNPLACED) {
		c->un_hh++;
		c->un_p += e->hh.persons;
	}
}

static json_t *
hp(int64_t h, int64_t p)
{
	return json_pack("{s:I,s:I}", "households", (json_int_t)h, "persons",
			 (json_int_t)p);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* One array's records with rev > rev0 and index >= from, ascending and
 * once each, from the plan's change log (cleared when rev0 was taken, so
 * it holds at least these); a full scan when the log is incomplete. */
static int
changed_kind(const struct alloc_plan *pl, int kind, const void *arr,
	     size_t nrec, size_t recsz, size_t revoff, uint32_t rev0,
	     size_t from, uint32_t **out, size_t *nout)
{
	const uint32_t *log;
	long nlog = alloc_plan_changes(pl, kind, &log);
	size_t cap = nlog >= 0 ? (size_t)nlog : (nrec > from ? nrec - from : 0);
	uint32_t *v = malloc((cap ? cap : 1) * sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return -1;
#define REV_AT(i)                                                        \
	(*(const uint32_t *)((const char *)arr + (size_t)(i) * recsz + revoff))
	if (nlog >= 0) {
		for (long k = 0; k < nlog; k++)
			if (log[k] >= from && log[k] < nrec &&
			    REV_AT(log[k]) > rev0)
				v[n++] = log[k];
		qsort(v, n, sizeof(*v), cmp_u32);
		size_t u = 0;
		for (size_t k = 0; k < n; k++)
			if (u == 0 || v[u - 1] != v[k])
				v[u++] = v[k];
		n = u;
	} else {
		for (size_t i = from; i < nrec; i++)
			if (REV_AT(i) > rev0)
				v[n++] = (uint32_t)i;
	}
#undef REV_AT
	*out = v;
	*nout = n;
	return 0;
}

/* The evacuees, dispatches and shortages this step changed (write_changes
 * writes them in index order, as a scan of the arrays would). */
static int
changed_since(engine *E, uint32_t rev0, size_t from_ev, size_t from_disp,
	      uint32_t **ch, size_t *nch)
{
	const struct alloc_plan *pl = &E->plan;
	if (changed_kind(pl, ALLOC_CHG_EVACUEE, pl->evacuees, pl->nevacuees,
			 sizeof(*pl->evacuees),
			 offsetof(struct alloc_evacuee, rev), rev0, from_ev,
			 &ch[ALLOC_CHG_EVACUEE], &nch[ALLOC_CHG_EVACUEE]) ||
	    changed_kind(pl, ALLOC_CHG_DISPATCH, pl->dispatches,
			 pl->ndispatches, sizeof(*pl->dispatches),
			 offsetof(struct alloc_dispatch, rev), rev0, from_disp,
			 &ch[ALLOC_CHG_DISPATCH], &nch[ALLOC_CHG_DISPATCH]) ||
	    changed_kind(pl, ALLOC_CHG_SHORTAGE, pl->shortages,
			 pl->nshortages, sizeof(*pl->shortages),
			 offsetof(struct alloc_shortage, rev), rev0, 0,
			 &ch[ALLOC_CHG_SHORTAGE], &nch[ALLOC_CHG_SHORTAGE]))
		return -1;
	return 0;
}

/*
 * Store and publish every plan record this step changed. from_*: the
 * array lengths before the step; with WC_TAIL_ONLY, older records are
 * known unchanged (an incident opening only appends).
 */
int
write_changes(engine *E, uint32_t inc, uint32_t rev0, size_t from_ev,
	      size_t from_disp, int flags, const char *operator_,
	      counts *cnt, size_t *placed, size_t *unplaced, size_t *released,
	      int64_t *released_p, size_t *ndisp)
{
	const int tail_only = flags & WC_TAIL_ONLY;
	struct alloc_plan *pl = &E->plan;
	char now[32], day[ALLOC_DAY_BUFLEN];
	jbuf b = {0};

	uint32_t *ch[ALLOC_CHG_KINDS] = {NULL};
	size_t nch[ALLOC_CHG_KINDS] = {0};

	store_now(now);
	if (shadow_grow(E))
		goto fail;
	if (changed_since(E, rev0, tail_only ? from_ev : 0,
			  tail_only ? from_disp : 0, ch, nch))
		goto fail;
	/* the incident's totals: over its own evacuees only */
	if (tail_only) {
		for (size_t i = from_ev; i < pl->nevacuees; i++)
			if (pl->evacuees[i].incident == inc)
				count_evacuee(cnt, &pl->evacuees[i]);
	} else {
		const uint32_t *iv;
		size_t niv = alloc_plan_incident_evacuees(pl, inc, &iv);
		for (size_t k = 0; k < niv; k++)
			count_evacuee(cnt, &pl->evacuees[iv[k]]);
	}
	for (size_t k = 0; k < nch[ALLOC_CHG_EVACUEE]; k++) {
		size_t i = ch[ALLOC_CHG_EVACUEE][k];
		const struct alloc_evacuee *e = &pl->evacuees[i];
		uint8_t old = E->ev_status[i];
		uint32_t oldsh = E->ev_shelter[i];
		if (old == e->status && oldsh == e->shelter)
			continue;
		E->ev_status[i] = e->status;
		E->ev_shelter[i] = e->shelter;
		const char *status = NULL, *reason = NULL;
		if (e->status == ALLOC_ST_PLACED) {
			status = "registered";
			reason = old == ALLOC_ST_PLACED ? "rehome" : "placed";
			(*placed)++;
		} else if (e->status == ALLOC_ST_LEFT &&
			   old == ALLOC_ST_PLACED) {
			status = flags & WC_DESK ? "checked_out" : "released";
			reason = flags & WC_DESK ? "checkout" : "released";
			(*released)++;
			*released_p += e->hh.persons;
		} else if (e->status == ALLOC_ST_UNPLACED) {
			(*unplaced)++;
			if (old == ALLOC_ST_PLACED) {
				/* lost its place (shelter closed or shrank) */
				sqlite3_stmt *rel = store_stmt(
					E->db, "UPDATE assignments SET"
					       " status='released', released=?"
					       " WHERE id=?");
				if (rel == NULL)
					goto fail;
				sqlite3_bind_text(rel, 1, now, -1,
						  SQLITE_STATIC);
				sqlite3_bind_int64(rel, 2, e->id);
				if (sqlite3_step(rel) != SQLITE_DONE)
					goto fail;
			}
			sqlite3_stmt *st = store_stmt(
				E->db, "INSERT OR REPLACE INTO unplaced"
				       " (incident, household, reason)"
				       " VALUES (?,?,?)");
			if (st == NULL)
				goto fail;
			sqlite3_bind_int64(st, 1, e->incident);
			sqlite3_bind_int64(st, 2, e->hh.id);
			sqlite3_bind_text(st, 3, alloc_reason_name(e->reason),
					  -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto fail;
			b.n = 0;
			JB_LIT(&b, "{");
			jb_kint(&b, "incident", (int)e->incident);
			jb_kint(&b, "household", e->hh.id);
			jb_kint(&b, "persons", (int)e->hh.persons);
			jb_kstr(&b, "class",
				geo_class_name(e->hh.flood_class >
							       e->hh.fire_class
						       ? e->hh.flood_class
						       : e->hh.fire_class));
			jb_kstr(&b, "reason",
				e->reason == ALLOC_NO_ACCESSIBLE
					? "no_accessible_shelter"
					: "no_capacity");
			JB_LIT(&b, "}");
			if (emit_jb(E, "unplaced.household", &b))
				goto fail;
		}
		if (status == NULL)
			continue;
		uint32_t shid = e->status == ALLOC_ST_PLACED ? e->shelter
							     : oldsh;
		sqlite3_stmt *st = store_stmt(
			E->db,
			"INSERT INTO assignments (id, incident, household,"
			" shelter, persons, status, since) VALUES"
			" (?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
			" shelter=excluded.shelter, status=CASE WHEN"
			" excluded.status='registered' AND status='present'"
			" THEN 'present' ELSE excluded.status END,"
			" checked_out=CASE WHEN excluded.status='checked_out'"
			" THEN excluded.since ELSE checked_out END,"
			" released=CASE WHEN excluded.status='released' THEN"
			" excluded.since ELSE released END");
		if (st == NULL)
			goto fail;
		/* the assignment id is the evacuee record's kept id */
		sqlite3_bind_int64(st, 1, e->id);
		sqlite3_bind_int64(st, 2, e->incident);
		sqlite3_bind_int64(st, 3, e->hh.id);
		sqlite3_bind_text(st, 4, shelter_name(E, shid), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(st, 5, e->hh.persons);
		sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		/* a new incident's families were never unplaced in it: no
		 * row to delete (a thousand lookups saved per incident) */
		if (!tail_only) {
			sqlite3_stmt *del = store_stmt(
				E->db, "DELETE FROM unplaced WHERE incident=?"
				       " AND household=?");
			if (del == NULL)
				goto fail;
			sqlite3_bind_int64(del, 1, e->incident);
			sqlite3_bind_int64(del, 2, e->hh.id);
			sqlite3_step(del);
		}
		b.n = 0;
		JB_LIT(&b, "{");
		jb_kint(&b, "incident", (int)e->incident);
		jb_kint(&b, "household", e->hh.id);
		jb_kstr(&b, "shelter", shelter_name(E, shid));
		jb_kint(&b, "persons", (int)e->hh.persons);
		jb_key(&b, "vulnerable");
		JB_LIT(&b, "{");
		jb_kint(&b, "elderly", (int)e->hh.elderly);
		jb_kint(&b, "under5", (int)e->hh.under5);
		jb_kint(&b, "disabled", (int)e->hh.disabled);
		jb_kint(&b, "pregnant", (int)e->hh.pregnant);
		JB_LIT(&b, "}");
		jb_kstr(&b, "class",
			geo_class_name(e->hh.flood_class > e->hh.fire_class
					       ? e->hh.flood_class
					       : e->hh.fire_class));
		jb_kstr(&b, "status", status);
		jb_kstr(&b, "reason", reason);
		jb_kstr(&b, "operator", operator_);
		JB_LIT(&b, "}");
		if (emit_jb(E, "assign.household", &b))
			goto fail;
	}
	for (size_t k = 0; k < nch[ALLOC_CHG_DISPATCH]; k++) {
		size_t i = ch[ALLOC_CHG_DISPATCH][k];
		const struct alloc_dispatch *d = &pl->dispatches[i];
		const char *st_name = alloc_dispatch_state_name(d->state);
		const char *dep = d->depot >= 1 && d->depot <= E->ndep
					  ? E->dep[d->depot - 1].id
					  : "?";
		const char *lot = d->lot >= 1 && d->lot <= E->nlots
					  ? E->lots[d->lot - 1].lot
					  : "?";
		int meal = d->item == ALLOC_ITEM_MEAL;
		/* A line's incident, shelter, depot, lot, day and item never
		 * change (alloc/plan.h): a later write of the line updates
		 * only what can. INSERT OR REPLACE deleted and re-inserted
		 * the row and both its indexes at every release (half the
		 * rows of the sustained bench: 1,584-1,774 -> 1,869-1,989
		 * reports/s, issue 5). */
		sqlite3_stmt *st = store_stmt(
			E->db,
			"INSERT INTO dispatches (id, incident, kind,"
			" shelter, depot, lot, day, item, qty, status, time,"
			" operator) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
			" ON CONFLICT (id) DO UPDATE SET qty=excluded.qty,"
			" status=excluded.status, time=excluded.time,"
			" operator=excluded.operator");
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, d->id);
		sqlite3_bind_int64(st, 2, d->incident);
		sqlite3_bind_text(st, 3, meal ? "meals" : "sandang", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, shelter_name(E, d->shelter), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 5, dep, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, lot, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, day_text(d->day, day), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 8, alloc_item_name(d->item), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, d->qty);
		sqlite3_bind_text(st, 10, st_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
		if (operator_)
			sqlite3_bind_text(st, 12, operator_, -1,
					  SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		b.n = 0;
		JB_LIT(&b, "{");
		jb_kint(&b, "dispatch", d->id);
		jb_kint(&b, "incident", (int)d->incident);
		jb_kstr(&b, "shelter", shelter_name(E, d->shelter));
		jb_kstr(&b, "depot", dep);
		jb_kstr(&b, "lot", lot);
		jb_kstr(&b, "date", day);
		if (meal) {
			jb_kint(&b, "meals", d->qty);
		} else {
			jb_kstr(&b, "item", alloc_item_name(d->item));
			jb_kint(&b, "qty", d->qty);
		}
		jb_kstr(&b, "status", st_name);
		jb_kstr(&b, "operator", operator_);
		JB_LIT(&b, "}");
		if (emit_jb(E, meal ? "dispatch.meals" : "dispatch.sandang",
			    &b))
			goto fail;
		(*ndisp)++;
	}
	/* shortages: one alert per (incident, shelter, item kind) */
	for (size_t k = 0; k < nch[ALLOC_CHG_SHORTAGE]; k++) {
		const struct alloc_shortage *s =
			&pl->shortages[ch[ALLOC_CHG_SHORTAGE][k]];
		sqlite3_stmt *st = store_stmt(
			E->db, "INSERT OR REPLACE INTO shortages (incident,"
			       " shelter, day, item, deficit, peak) VALUES"
			       " (?,?,?,?,?,?)");
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, s->incident);
		sqlite3_bind_text(st, 2, shelter_name(E, s->shelter), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 3, day_text(s->day, day), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, alloc_item_name(s->item), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, s->deficit);
		sqlite3_bind_int64(st, 6, s->peak);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	for (int k = 0; k < ALLOC_CHG_KINDS; k++)
		free(ch[k]);
	/* consumed: the next steps log afresh (whatever is logged before the
	 * next caller takes its rev0 is filtered by rev) */
	alloc_plan_changes_clear(pl);
	free(b.p);
	return 0;
fail:
	for (int k = 0; k < ALLOC_CHG_KINDS; k++)
		free(ch[k]);
	alloc_plan_changes_clear(pl);
	free(b.p);
	return -1;
}

/* Shortage alerts for one incident from the shortages table. */
int
shortage_alerts(engine *E, int64_t inc)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT shelter, CASE WHEN item='meal' THEN 'meals'"
		       " ELSE 'kits' END AS k, sum(deficit), count(*) FILTER"
		       " (WHERE deficit > 0), min(item) FROM shortages"
		       " WHERE incident=? GROUP BY shelter, k");
	struct row {
		char subject[96];
		char shelter[GEO_ID_LEN];
		char kind[8];
		char item[16];
		int64_t sum;
		int days;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, inc);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct row *r = realloc(rows, cap * sizeof(*r));
			if (r == NULL) {
				sqlite3_reset(st);
				free(rows);
				return -1;
			}
			rows = r;
		}
		struct row *r = &rows[n++];
		snprintf(r->shelter, sizeof(r->shelter), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(r->kind, sizeof(r->kind), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(r->item, sizeof(r->item), "%s",
			 strcmp(r->kind, "meals") == 0
				 ? "meal"
				 : (const char *)sqlite3_column_text(st, 4));
		r->sum = sqlite3_column_int64(st, 2);
		r->days = sqlite3_column_int(st, 3);
		snprintf(r->subject, sizeof(r->subject), "%lld/%s/%s",
			 (long long)inc, r->shelter, r->kind);
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct row *r = &rows[i];
		int64_t open = open_alert(E, "alert.shortage", r->subject);
		json_t *d = json_pack("{s:I,s:s,s:s,s:I,s:i}", "incident",
				      (json_int_t)inc, "shelter", r->shelter,
				      "item", r->item, "short",
				      (json_int_t)r->sum, "days", r->days);
		if (r->sum > 0 && open == 0)
			rc = alert_raise(E, "alert.shortage", r->kind,
					 r->subject, "critical", d) < 0;
		else if (r->sum == 0 && open > 0)
			rc = alert_clear(E, open, "alert.shortage", d);
		else
			json_decref(d);
	}
	free(rows);
	return rc ? -1 : 0;
}

int
unplaced_alert(engine *E, int64_t inc, const counts *c)
{
	char subject[32];
	snprintf(subject, sizeof(subject), "%lld", (long long)inc);
	int64_t open = open_alert(E, "alert.unplaced", subject);
	json_t *d = json_pack("{s:I,s:I,s:I}", "incident", (json_int_t)inc,
			      "households", (json_int_t)c->un_hh, "persons",
			      (json_int_t)c->un_p);
	if (c->un_hh > 0 && open == 0)
		return alert_raise(E, "alert.unplaced", "unplaced", subject,
				   "critical", d) < 0
			       ? -1
			       : 0;
	if (c->un_hh == 0 && open > 0)
		return alert_clear(E, open, "alert.unplaced", d);
	json_decref(d);
	return 0;
}

/* Bring E->meal_live up to date: drop the lines no longer PLANNED, add the
 * new PLANNED meal lines. supply_alerts then looks at these only. */
static int
meal_live_update(engine *E)
{
	const struct alloc_plan *pl = &E->plan;
	size_t u = 0;

	if (E->meal_seen > pl->ndispatches) {
		E->nmeal_live = 0;
		E->meal_seen = 0;
	}
	for (size_t k = 0; k < E->nmeal_live; k++)
		if (pl->dispatches[E->meal_live[k]].state ==
		    ALLOC_DISPATCH_PLANNED)
			E->meal_live[u++] = E->meal_live[k];
	E->nmeal_live = u;
	for (size_t i = E->meal_seen; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];
		if (d->item != ALLOC_ITEM_MEAL ||
		    d->state != ALLOC_DISPATCH_PLANNED)
			continue;
		if (E->nmeal_live == E->meal_live_cap) {
			size_t cap = E->meal_live_cap ? E->meal_live_cap * 2
						      : 1024;
			uint32_t *v = realloc(E->meal_live, cap * sizeof(*v));
			if (v == NULL)
				return -1;
			E->meal_live = v;
			E->meal_live_cap = cap;
		}
		E->meal_live[E->nmeal_live++] = (uint32_t)i;
	}
	E->meal_seen = pl->ndispatches;
	return 0;
}

struct open_alert_row {
	int64_t id;
	char subject[96];
};

/* The open alert.depot alerts (a handful: one per depot at most). */
static int
open_depot_alerts(engine *E, struct open_alert_row **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT id, subject FROM alerts WHERE"
		       " topic='alert.depot' AND state != 'cleared'");
	struct open_alert_row *v = NULL;
	size_t nv = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct open_alert_row *y = realloc(v, (nv + 1) * sizeof(*v));
		if (y == NULL) {
			sqlite3_reset(st);
			free(v);
			return -1;
		}
		v = y;
		v[nv].id = sqlite3_column_int64(st, 0);
		snprintf(v[nv].subject, sizeof(v[nv].subject), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		nv++;
	}
	sqlite3_reset(st);
	*out = v;
	*n = nv;
	return 0;
}

/*
 * Depot alerts after a step whose day is `today`:
 *  - alert.depot (meal_cover): meals not yet reserved in a depot against
 *    the meals planned from it per day (the busiest day from today on);
 *    raised under [alerts] depot_cover_days, cleared at that + 0.5 day or
 *    when nothing is planned from it any more;
 *  - alert.expiry: a lot with units nobody planned to use, expiring
 *    within [supply] expiry_warn_days (warn) or expired (critical);
 *    cleared when the lot is used up or adjusted to 0.
 */
int
supply_alerts(engine *E, int32_t today)
{
	const struct alloc_plan *pl = &E->plan;
	double th = E->cfg->alerts.depot_cover_days;
	int64_t *best = calloc(E->ndep + 1, sizeof(int64_t));
	int64_t *avail = NULL;
	struct open_alert_row *dopen = NULL;
	size_t ndopen = 0;
	int rc = 0;

	if (!best || meal_live_update(E)) {
		rc = -1;
		goto out;
	}
	/* meals planned per depot and day from today on, in a depot x day
	 * table over the days that have any (a period is at most 90 days) */
	{
		int32_t hi = today;
		for (size_t k = 0; k < E->nmeal_live; k++) {
			const struct alloc_dispatch *d =
				&pl->dispatches[E->meal_live[k]];
			if (d->item == ALLOC_ITEM_MEAL &&
			    d->state == ALLOC_DISPATCH_PLANNED && d->qty > 0 &&
			    d->day >= today && d->day > hi)
				hi = d->day;
		}
		size_t span = (size_t)(hi - today) + 1;
		if (span > 4000)
			span = 4000;
		int64_t *t = calloc(span * (E->ndep + 1), sizeof(int64_t));
		if (t == NULL) {
			rc = -1;
			goto out;
		}
		for (size_t k = 0; k < E->nmeal_live; k++) {
			const struct alloc_dispatch *d =
				&pl->dispatches[E->meal_live[k]];
			if (d->item != ALLOC_ITEM_MEAL ||
			    d->state != ALLOC_DISPATCH_PLANNED || d->qty <= 0 ||
			    d->day < today || (size_t)(d->day - today) >= span ||
			    d->depot < 1 || d->depot > E->ndep)
				continue;
			t[(d->depot - 1) * span + (size_t)(d->day - today)] +=
				d->qty;
		}
		for (size_t k = 0; k < E->ndep; k++)
			for (size_t j = 0; j < span; j++)
				if (t[k * span + j] > best[k])
					best[k] = t[k * span + j];
		free(t);
	}
	/* Every depot at once, on every report: the meals available (what
	 * alloc_ledger_available sums, in one pass over the ledger) and the
	 * open alerts (one query, not one per depot); the event is built
	 * only when an alert changes (issue 5: this loop was a sixth of a
	 * small report's decision). */
	avail = calloc(E->ndep + 1, sizeof(int64_t));
	if (avail == NULL) {
		rc = -1;
		goto out;
	}
	for (size_t j = 0; j < E->ledger.n; j++) {
		const struct alloc_lot *l = &E->ledger.lots[j];
		if (l->item == ALLOC_ITEM_MEAL && l->expires >= today &&
		    l->depot >= 1 && l->depot <= E->ndep)
			avail[l->depot - 1] += l->qty - l->reserved;
	}
	if (open_depot_alerts(E, &dopen, &ndopen)) {
		rc = -1;
		goto out;
	}
	for (size_t k = 0; k < E->ndep && rc == 0; k++) {
		double cover =
			best[k] > 0 ? (double)avail[k] / best[k] : 1e9;
		int64_t open = 0;
		for (size_t j = 0; j < ndopen && open == 0; j++)
			if (strcmp(dopen[j].subject, E->dep[k].id) == 0)
				open = dopen[j].id;
		int raise = open == 0 && best[k] > 0 && cover < th;
		int clear = open > 0 && (best[k] == 0 || cover >= th + 0.5);
		if (!raise && !clear)
			continue;
		json_t *d = json_pack(
			"{s:s,s:I,s:I,s:f,s:f}", "depot", E->dep[k].id,
			"available", (json_int_t)avail[k], "per_day",
			(json_int_t)best[k], "days_of_cover",
			best[k] > 0 ? round(cover * 10) / 10 : 0.0,
			"threshold_days", th);
		if (raise)
			rc = alert_raise(E, "alert.depot", "meal_cover",
					 E->dep[k].id, "warn", d) < 0;
		else
			rc = alert_clear(E, open, "alert.depot", d);
	}
	if (rc)
		goto out;
	/* expiry: lots about to expire with units nobody planned to use */
	{
		struct alloc_expiring *x = NULL;
		size_t nx = 0;
		char err[128], subject[96], exp[ALLOC_DAY_BUFLEN];
		if (alloc_ledger_expiring(&E->ledger, today,
					  (uint32_t)E->cfg->supply.expiry_warn_days,
					  &x, &nx, err, sizeof(err))) {
			rc = -1;
			goto out;
		}
		for (size_t i = 0; i < nx && rc == 0; i++) {
			uint32_t lot = x[i].lot, dep = x[i].depot;
			if (lot < 1 || lot > E->nlots || dep < 1 || dep > E->ndep)
				continue;
			const char *lid = E->lots[lot - 1].lot;
			snprintf(subject, sizeof(subject), "%s/%s",
				 E->dep[dep - 1].id, lid);
			int64_t open = open_alert(E, "alert.expiry", subject);
			if (open != 0 || x[i].unused <= 0)
				continue;
			int left = x[i].expires - today;
			rc = alert_raise(
				     E, "alert.expiry", "expiry", subject,
				     left < 0 ? "critical" : "warn",
				     json_pack("{s:s,s:s,s:s,s:I,s:s,s:i}",
					       "depot", E->dep[dep - 1].id,
					       "lot", lid, "item",
					       alloc_item_name(x[i].item), "qty",
					       (json_int_t)x[i].unused,
					       "expires",
					       alloc_day_format(x[i].expires,
								exp),
					       "days_left", left)) < 0;
		}
		free(x);
		/* clear the lots that are used up (nothing unused left) */
		sqlite3_stmt *st = store_stmt(
			E->db, "SELECT id, subject FROM alerts WHERE"
			       " topic='alert.expiry' AND state != 'cleared'");
		struct { int64_t id; char subject[96]; } *o = NULL;
		size_t no = 0;
		if (st == NULL) {
			rc = -1;
			goto out;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			void *y = realloc(o, (no + 1) * sizeof(*o));
			if (y == NULL)
				break;
			o = y;
			o[no].id = sqlite3_column_int64(st, 0);
			snprintf(o[no].subject, sizeof(o[no].subject), "%s",
				 (const char *)sqlite3_column_text(st, 1));
			no++;
		}
		sqlite3_reset(st);
		for (size_t i = 0; i < no && rc == 0; i++) {
			char *slash = strchr(o[i].subject, '/');
			if (slash == NULL)
				continue;
			*slash = '\0';
			int64_t unused = 0;
			for (size_t j = 0; j < E->ledger.n; j++) {
				const struct alloc_lot *l = &E->ledger.lots[j];
				if (l->depot >= 1 && l->depot <= E->ndep &&
				    l->lot >= 1 && l->lot <= E->nlots &&
				    strcmp(E->dep[l->depot - 1].id,
					   o[i].subject) == 0 &&
				    strcmp(E->lots[l->lot - 1].lot,
					   slash + 1) == 0)
					unused += l->qty - l->reserved;
			}
			if (unused <= 0)
				rc = alert_clear(
					E, o[i].id, "alert.expiry",
					json_pack("{s:s,s:s,s:I}", "depot",
						  o[i].subject, "lot",
						  slash + 1, "qty",
						  (json_int_t)0));
		}
		free(o);
	}
out:
	free(best);
	free(avail);
	free(dopen);
	return rc;
}

int
engine_reject(engine *E, const ingest_error *e, size_t bytes,
	      const char *origin)
{
	return emit(E, "ingest.rejected",
		    json_pack("{s:s?,s:s?,s:s,s:s?,s:s,s:I,s:s}", "source",
			      e->source[0] ? e->source : NULL, "source_id",
			      e->source_id[0] ? e->source_id : NULL, "code",
			      e->code, "field", e->field[0] ? e->field : NULL,
			      "message", e->message, "bytes",
			      (json_int_t)bytes, "origin", origin));
}

static void
set_rejection(engine_result *res, const char *code, const char *msg,
	      const posko_report *r)
{
	res->rejected = 1;
	snprintf(res->e.code, sizeof(res->e.code), "%s", code);
	snprintf(res->e.message, sizeof(res->e.message), "%s", msg);
	snprintf(res->e.source, sizeof(res->e.source), "%s",
		 r->source ? r->source : "");
	snprintf(res->e.source_id, sizeof(res->e.source_id), "%s",
		 r->source_id ? r->source_id : "");
}

typedef struct incident_row {
	int64_t id;
	int open;
	int revision;
	int exercise;
	json_t *report; /* the merged report in force */
} incident_row;

static int
find_incident(engine *E, const char *src, const char *sid, incident_row *r)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT id, state='open', revision, exercise, report"
		       " FROM incidents WHERE source=? AND source_id=?");
	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		r->open = sqlite3_column_int(st, 1);
		r->revision = sqlite3_column_int(st, 2);
		r->exercise = sqlite3_column_int(st, 3);
		r->report = json_loads(
			(const char *)sqlite3_column_text(st, 4), 0, NULL);
	}
	sqlite3_reset(st);
	return 0;
}

static int
is_duplicate(engine *E, const posko_report *r, const char *hash)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT 1 FROM journal WHERE source=? AND source_id=?"
		       " AND hash=? LIMIT 1");
	int dup;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->source_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	dup = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return dup;
}

/* qsort of stay indexes by (household, index) */
static const struct alloc_plan *stay_sort_plan;

static int
stay_hh_cmp(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct alloc_stay *x = &stay_sort_plan->stays[i],
				*y = &stay_sort_plan->stays[j];
	if (x->household != y->household)
		return x->household < y->household ? -1 : 1;
	return (i > j) - (i < j);
}

static int
history_row(engine *E, const struct alloc_incident *inc, uint32_t household,
	    int kind, uint32_t shelter, int32_t lo, int32_t hi,
	    uint32_t persons, uint32_t under5)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "INSERT OR IGNORE INTO household_history (household,"
		       " incident, kind, shelter, lo, hi, persons, under5)"
		       " VALUES (?,?,?,?,?,?,?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, household);
	sqlite3_bind_int64(st, 2, inc->id);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_text(st, 4,
			  shelter == ALLOC_NONE ? "" : shelter_name(E, shelter),
			  -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, lo);
	sqlite3_bind_int(st, 6, hi);
	sqlite3_bind_int64(st, 7, persons);
	sqlite3_bind_int64(st, 8, under5);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/*
 * The closed incident's families as household.find tells of them (engine.h
 * ENGINE_HIST_*), into household_history in the decision's transaction:
 * after the close nothing changes them, and the plan may then let go of
 * its records (plan_forget_maybe) without household.find losing a word.
 * A replayed close writes nothing (its rows were written when it was
 * decided; INSERT OR IGNORE when a backfill writes them again).
 */
static int
history_write(engine *E, uint32_t id)
{
	const struct alloc_plan *pl = &E->plan;
	long k = alloc_plan_incident_find(pl, id);
	const uint32_t *ev, *sv;
	size_t nev, nst;
	uint32_t *ss = NULL;
	uint8_t *used = NULL;
	int rc = -1;

	if (k < 0)
		return 0;
	const struct alloc_incident *inc = &pl->incidents[k];
	alloc_day end = inc->start + (alloc_day)inc->days;
	nev = alloc_plan_incident_evacuees(pl, id, &ev);
	nst = alloc_plan_incident_stays(pl, id, &sv);
	ss = malloc((nst ? nst : 1) * sizeof(*ss));
	used = calloc(nst ? nst : 1, 1);
	if (ss == NULL || used == NULL)
		goto out;
	memcpy(ss, sv, nst * sizeof(*ss));
	stay_sort_plan = pl;
	qsort(ss, nst, sizeof(*ss), stay_hh_cmp);
	for (size_t t = 0; t < nev; t++) {
		const struct alloc_evacuee *e = &pl->evacuees[ev[t]];
		int kind = ENGINE_HIST_EVACUEE;
		int32_t hi = 0;
		/* its stays: [a, b) of ss */
		size_t a = 0, b = nst;
		while (a < b) {
			size_t m = (a + b) / 2;
			if (pl->stays[ss[m]].household < e->hh.id)
				a = m + 1;
			else
				b = m;
		}
		for (b = a; b < nst && pl->stays[ss[b]].household == e->hh.id;
		     b++)
			;
		if (b == a + 1) {
			const struct alloc_stay *st = &pl->stays[ss[a]];
			if (st->shelter == e->kit_shelter &&
			    st->day_in == e->first_day &&
			    st->day_in >= inc->start &&
			    st->persons == e->hh.persons) {
				kind = ENGINE_HIST_STAYED;
				hi = st->day_out < end ? st->day_out : end;
				used[a] = 1;
			}
		}
		if (history_row(E, inc, e->hh.id, kind, e->kit_shelter,
				e->first_day, hi, e->hh.persons, e->hh.under5))
			goto out;
	}
	for (size_t t = 0; t < nst; t++) {
		const struct alloc_stay *st = &pl->stays[ss[t]];
		if (used[t])
			continue;
		if (history_row(E, inc, st->household, ENGINE_HIST_STAY,
				st->shelter,
				st->day_in > inc->start ? st->day_in
							: inc->start,
				st->day_out < end ? st->day_out : end,
				st->persons, 0))
			goto out;
	}
	rc = 0;
out:
	free(ss);
	free(used);
	return rc;
}

/* Apply the plan steps for one (merged) report. */
static int
plan_step(engine *E, int64_t inc, report_action action, int is_new,
	  const posko_report *eff, const incident_row *prev, int32_t today,
	  char *err, size_t errlen)
{
	struct alloc_household *hh = NULL;
	uint32_t *unusable = NULL;
	size_t n = 0, nun = 0;
	struct alloc_severity sev;
	int rc = -1;

	if (action == REPORT_CANCEL) {
		if (alloc_plan_close(&E->plan, (uint32_t)inc, today, err,
				     errlen))
			return -1;
		if (!E->history_off && history_write(E, (uint32_t)inc)) {
			snprintf(err, errlen, "store: household history: %s",
				 store_errmsg(E->db));
			E->history_failed = 1;
			return -1;
		}
		return 0;
	}
	if (to_alloc_severity(E, &eff->severity, &sev)) {
		snprintf(err, errlen, "severity: not usable by the policy");
		return -1;
	}
	if (affected(E, eff, &hh, &n, &unusable, &nun, err, errlen))
		return -1;
	if (is_new) {
		struct alloc_incident_spec spec = {
			.id = (uint32_t)inc,
			.type = (uint8_t)eff->type,
			.severity = sev,
			.start = engine_day(eff->time),
			.days = (uint32_t)(eff->days ? eff->days
						     : E->cfg->supply
							       .emergency_days),
		};
		rc = alloc_plan_open(&E->plan, &spec, hh, n, unusable, nun,
				     today, err, errlen);
		goto out;
	}
	/* update: only the difference (plan.h): new households placed,
	 * severity and period re-applied, newly unsafe shelters emptied.
	 * Nobody is sent home by an update (protocol.md 1.2). */
	(void)prev;
	if (alloc_plan_exclude_shelters(&E->plan, (uint32_t)inc, unusable,
					nun, today, err, errlen) ||
	    alloc_plan_add_households(&E->plan, (uint32_t)inc, hh, n, today,
				      err, errlen) ||
	    alloc_plan_set_severity(&E->plan, (uint32_t)inc, &sev, today, err,
				    errlen) ||
	    alloc_plan_set_days(&E->plan, (uint32_t)inc,
				(uint32_t)(eff->days ? eff->days
						     : E->cfg->supply
							       .emergency_days),
				today, err, errlen))
		goto out;
	rc = 0;
out:
	free(hh);
	free(unusable);
	return rc;
}

static void plan_compact_maybe(engine *E);

/* Milliseconds from t0 to now (the step timings logged at debug level). */
static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

int
engine_decide(engine *E, ingest_msg *m, const char *raw, size_t rawlen,
	      const char *origin, const char *operator_, engine_result *res,
	      char *err, size_t errlen)
{
	posko_report *r = &m->rep;
	incident_row prev;
	char hash[17], now[32];
	json_t *eff_json = NULL;
	ingest_msg eff;
	ingest_error ie;
	int is_new = 0, rc = -1;
	int64_t inc;
	int32_t today;
	size_t from_ev = E->plan.nevacuees, from_disp = E->plan.ndispatches;
	/* every plan step bumps plan.rev: what this message changed is what
	 * has a rev above the one before it */
	uint32_t rev0 = E->plan.rev;
	counts cnt = {0};
	struct timespec t0;
	double t_plan = 0, t_rows = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* write_changes finds what changed from here in the change log */
	alloc_plan_changes_clear(&E->plan);

	memset(res, 0, sizeof(*res));
	memset(&eff, 0, sizeof(eff));
	ingest_hash_hex(m->hash, hash);
	if (find_incident(E, r->source, r->source_id, &prev))
		return -1;
	int dup = is_duplicate(E, r, hash);
	if (dup < 0)
		goto out;
	if (dup || (r->action == REPORT_CANCEL && prev.id && !prev.open)) {
		res->duplicate = 1;
		res->incident = prev.id;
		res->revision = prev.revision;
		rc = emit(E, "ingest.accepted",
			  json_pack("{s:s,s:s,s:s,s:I,s:i,s:s,s:b,s:s,s:s?}",
				    "source", r->source, "source_id",
				    r->source_id, "action",
				    report_action_name(r->action), "incident",
				    (json_int_t)prev.id, "revision",
				    prev.revision, "hash", hash, "duplicate", 1,
				    "origin", origin, "operator", operator_));
		goto out;
	}
	if (prev.id == 0 && r->action != REPORT_OPEN) {
		set_rejection(res, INGEST_UNKNOWN_INCIDENT,
			      "no incident with this source and source_id was "
			      "ever opened; send action \"open\" first",
			      r);
		rc = engine_reject(E, &res->e, rawlen, origin);
		goto out;
	}
	if (prev.id && !prev.open && r->action != REPORT_CANCEL) {
		set_rejection(res, INGEST_INCIDENT_CLOSED,
			      "this incident is closed; open a new one with "
			      "a new source_id",
			      r);
		rc = engine_reject(E, &res->e, rawlen, origin);
		goto out;
	}
	/* the effective report: new, or merged into the one in force */
	if (prev.id && r->action != REPORT_CANCEL)
		eff_json = ingest_merge(prev.report, m->json);
	else if (prev.id)
		eff_json = json_incref(prev.report);
	else
		eff_json = json_incref(m->json);
	if (eff_json == NULL ||
	    ingest_parse_object(eff_json, "", &eff, &ie)) {
		snprintf(err, errlen, "merging the report: %s", ie.message);
		goto out;
	}
	if (eff.rep.time == 0)
		eff.rep.time = r->time ? r->time : time(NULL);
	if (!(m->has & INGEST_HAS_TIME) && prev.id == 0) {
		char t[32];
		json_object_set_new(eff_json, "time",
				    json_string(store_time(eff.rep.time, t)));
	}
	/* The plan's clock is the report's own time, so a replayed 2007
	 * scenario plans 2007's days (and a live report plans today). */
	today = engine_day(r->time ? r->time : eff.rep.time);
	if (prev.id == 0) {
		sqlite3_stmt *st = store_stmt(
			E->db,
			"INSERT INTO incidents (source, source_id, state, type,"
			" title, severity, footprint, days, exercise, revision,"
			" hash, report, start_day, opened) VALUES"
			" (?,?,'open',?,?,'{}','{}',?,?,1,?,'{}',?,?)");
		if (st == NULL)
			goto out;
		sqlite3_bind_text(st, 1, r->source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->source_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, incident_type_name(eff.rep.type), -1,
				  SQLITE_STATIC);
		if (eff.rep.title)
			sqlite3_bind_text(st, 4, eff.rep.title, -1,
					  SQLITE_STATIC);
		sqlite3_bind_int(st, 5,
				 eff.rep.days ? eff.rep.days
					      : E->cfg->supply.emergency_days);
		sqlite3_bind_int(st, 6, eff.rep.exercise);
		sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 8, engine_day(eff.rep.time));
		sqlite3_bind_text(st, 9, store_now(now), -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		inc = sqlite3_last_insert_rowid(store_db(E->db));
		is_new = 1;
		res->revision = 1;
	} else {
		inc = prev.id;
		res->revision = prev.revision + 1;
	}
	res->incident = inc;
	int exercise = eff.rep.exercise || prev.exercise;
	t_plan = ms_since(&t0);
	if (!exercise &&
	    plan_step(E, inc, r->action, is_new, &eff.rep, &prev, today, err,
		      errlen)) {
		/* A footprint naming an unknown kelurahan or RW, or a polygon
		 * that is empty after repair, is the sender's error: reject
		 * it, nothing changed (the plan step fails before changing
		 * anything, plan.h "Failures"). */
		if (is_new) {
			sqlite3_stmt *st = store_stmt(
				E->db, "DELETE FROM incidents WHERE id=?");
			if (st) {
				sqlite3_bind_int64(st, 1, inc);
				sqlite3_step(st);
			}
		}
		set_rejection(res, INGEST_BAD_FIELD, err, r);
		snprintf(res->e.field, sizeof(res->e.field), "footprint");
		snprintf(res->e.message, sizeof(res->e.message),
			 "footprint: %s", err);
		res->incident = 0;
		rc = engine_reject(E, &res->e, rawlen, origin);
		goto out;
	}
	t_plan = ms_since(&t0) - t_plan;
	char *effs = json_dumps(eff_json, JSON_COMPACT | JSON_REAL_PRECISION(17));
	store_journal j = {.origin = origin,
			   .source = r->source,
			   .source_id = r->source_id,
			   .action = report_action_name(r->action),
			   .hash = hash,
			   .incident = inc,
			   .revision = res->revision,
			   .operator_ = operator_,
			   .raw = raw,
			   .rawlen = rawlen,
			   .effective = effs,
			   .today = today};
	if (store_journal_add(E->db, &j) < 0) {
		free(effs);
		goto out;
	}
	if (emit(E, "ingest.accepted",
		 json_pack("{s:s,s:s,s:s,s:I,s:i,s:s,s:b,s:s,s:s?}", "source",
			   r->source, "source_id", r->source_id, "action",
			   report_action_name(r->action), "incident",
			   (json_int_t)inc, "revision", res->revision, "hash",
			   hash, "duplicate", 0, "origin", origin, "operator",
			   operator_))) {
		free(effs);
		goto out;
	}
	t_rows = ms_since(&t0);
	if (!exercise &&
	    write_changes(E, (uint32_t)inc, rev0, from_ev, from_disp,
			  is_new ? WC_TAIL_ONLY : 0, operator_, &cnt,
			  &res->placed, &res->unplaced, &res->released,
			  &res->released_p, &res->dispatches)) {
		free(effs);
		goto out;
	}
	t_rows = ms_since(&t0) - t_rows;
	/* the incident row: the revision in force and its totals */
	sqlite3_stmt *st = store_stmt(
		E->db,
		"UPDATE incidents SET state=?, type=?, title=?, severity=?,"
		" footprint=?, days=?, revision=?, hash=?, report=?,"
		" closed=CASE WHEN ?='closed' THEN ? ELSE closed END,"
		" affected_hh=?, affected_p=?, evac_hh=?, evac_p=?,"
		" placed_hh=?, placed_p=?, unplaced_hh=?, unplaced_p=?"
		" WHERE id=?");
	if (st == NULL) {
		free(effs);
		goto out;
	}
	const char *state = r->action == REPORT_CANCEL ? "closed" : "open";
	char *sevs = json_dumps(json_object_get(eff_json, "severity"),
				JSON_COMPACT);
	char *fps = json_dumps(json_object_get(eff_json, "footprint"),
			       JSON_COMPACT | JSON_REAL_PRECISION(17));
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, incident_type_name(eff.rep.type), -1,
			  SQLITE_STATIC);
	if (eff.rep.title)
		sqlite3_bind_text(st, 3, eff.rep.title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sevs ? sevs : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, fps ? fps : "{}", -1, SQLITE_TRANSIENT);
	int days = eff.rep.days ? eff.rep.days : E->cfg->supply.emergency_days;
	sqlite3_bind_int(st, 6, days);
	sqlite3_bind_int(st, 7, res->revision);
	sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, effs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, store_now(now), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, cnt.aff_hh);
	sqlite3_bind_int64(st, 13, cnt.aff_p);
	sqlite3_bind_int64(st, 14, cnt.ev_hh);
	sqlite3_bind_int64(st, 15, cnt.ev_p);
	sqlite3_bind_int64(st, 16, cnt.pl_hh);
	sqlite3_bind_int64(st, 17, cnt.pl_p);
	sqlite3_bind_int64(st, 18, cnt.un_hh);
	sqlite3_bind_int64(st, 19, cnt.un_p);
	sqlite3_bind_int64(st, 20, inc);
	free(sevs);
	free(fps);
	free(effs);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	json_t *sev = json_deep_copy(json_object_get(eff_json, "severity"));
	json_t *title = eff.rep.title ? json_string(eff.rep.title)
				      : json_null();
	if (r->action == REPORT_CANCEL) {
		if (emit(E, "incident.closed",
			 json_pack("{s:I,s:s,s:s,s:s,s:o,s:s?}", "incident",
				   (json_int_t)inc, "source", r->source,
				   "source_id", r->source_id, "reason",
				   operator_ ? "operator" : "cancel",
				   "released",
				   hp((int64_t)res->released, res->released_p), "operator",
				   operator_))) {
			json_decref(sev);
			json_decref(title);
			goto out;
		}
		json_decref(sev);
		json_decref(title);
	} else {
		json_t *b = json_pack(
			"{s:I,s:s,s:s,s:s,s:o,s:i,s:o,s:i,s:b,s:o,s:o,s:o,s:o}",
			"incident", (json_int_t)inc, "source", r->source,
			"source_id", r->source_id, "type",
			incident_type_name(eff.rep.type), "title", title,
			"revision", res->revision, "severity",
			sev ? sev : json_object(), "days", days, "exercise",
			exercise, "affected", hp(cnt.aff_hh, cnt.aff_p),
			"evacuees", hp(cnt.ev_hh, cnt.ev_p), "placed",
			hp(cnt.pl_hh, cnt.pl_p), "unplaced",
			hp(cnt.un_hh, cnt.un_p));
		if (b && !is_new)
			json_object_set_new(
				b, "changes",
				json_pack("{s:I,s:I,s:I}", "placed",
					  (json_int_t)res->placed, "released",
					  (json_int_t)res->released,
					  "unplaced",
					  (json_int_t)res->unplaced));
		if (emit(E, is_new ? "incident.opened" : "incident.updated",
			 b))
			goto out;
	}
	/* per decision, or once a batch (engine_batch_alerts) */
	if (!exercise && ((!E->batch_alerts && shelter_alerts(E)) ||
			  shortage_alerts(E, inc) ||
			  unplaced_alert(E, inc, &cnt) ||
			  (!E->batch_alerts && supply_alerts(E, today))))
		goto out;
	if (!exercise && E->batch_alerts) {
		E->alerts_due = 1;
		E->alerts_today = today;
	}
	rc = 0;
	plan_compact_maybe(E);
	log_debug("decide: incident %lld rev %d: %.1f ms (plan step %.1f, "
		  "plan rows and events %.1f)",
		  (long long)inc, res->revision, ms_since(&t0), t_plan,
		  t_rows);
out:
	if (rc && err[0] == '\0')
		snprintf(err, errlen, "store: %s", store_errmsg(E->db));
	json_decref(prev.report);
	json_decref(eff_json);
	ingest_msg_clear(&eff);
	return rc;
}

int
engine_batch_alerts(engine *E)
{
	if (!E->alerts_due)
		return 0;
	E->alerts_due = 0;
	return shelter_alerts(E) || supply_alerts(E, E->alerts_today) ? -1
									: 0;
}

/*
 * Closed incidents' released dispatch lines out of the plan
 * (alloc_plan_compact) once the array has doubled since the last time, so
 * that a daemon running for months holds what is live, not every line it
 * ever planned. Between steps, with the change log read. The lines'
 * ids (the store's and the events' dispatch numbers) do not change; the
 * indexes meal_live holds do, so it is rebuilt.
 */
static void plan_forget_maybe(engine *E);

static void
plan_compact_maybe(engine *E)
{
	size_t removed = 0;
	char e2[128];

	plan_forget_maybe(E);
	if (E->plan.ndispatches < E->compact_min ||
	    (E->compact_min > 1 && E->plan.ndispatches < E->compact_at))
		return;
	alloc_plan_changes_clear(&E->plan);
	if (alloc_plan_compact(&E->plan, &removed, e2, sizeof(e2)))
		log_warnx("plan: compact: %s", e2);
	else if (removed) {
		/* meal_live holds indexes: rebuilt from the lines */
		E->nmeal_live = 0;
		E->meal_seen = 0;
		log_info("plan: %zu released dispatch lines of closed "
			 "incidents let go, %zu kept", removed,
			 E->plan.ndispatches);
	}
	E->compact_at = 2 * E->plan.ndispatches;
}

/*
 * Closed incidents' evacuee records and stays out of the plan
 * (alloc_plan_forget_closed) once the records have doubled since the last
 * time; what household.find reads of them was written to the store at
 * their close (history_write). The per-evacuee shadows (ev_status,
 * ev_shelter) move with the records. A daemon running for months then
 * holds its open incidents' records, not every record it ever made
 * (issue 5).
 */
static void
plan_forget_maybe(engine *E)
{
	struct alloc_plan *pl = &E->plan;
	size_t removed = 0, n0 = pl->nevacuees;
	uint32_t *map = NULL;
	char e2[128];

	if (E->compact_min > 1 &&
	    (n0 < 4096 || n0 < E->forget_at))
		return;
	alloc_plan_changes_clear(pl);
	if (alloc_plan_forget_closed(pl, &removed, &map, e2, sizeof(e2))) {
		log_warnx("plan: forget closed incidents: %s", e2);
		E->forget_at = 2 * n0;
		return;
	}
	for (size_t i = 0; i < n0 && i < E->ev_cap; i++)
		if (map[i] != UINT32_MAX && map[i] != i) {
			E->ev_status[map[i]] = E->ev_status[i];
			E->ev_shelter[map[i]] = E->ev_shelter[i];
		}
	for (size_t i = pl->nevacuees; i < n0 && i < E->ev_cap; i++) {
		E->ev_status[i] = 0xff;
		E->ev_shelter[i] = ALLOC_NONE;
	}
	free(map);
	if (removed)
		log_info("plan: %zu household records of closed incidents let "
			 "go (household.find reads them from the store), %zu "
			 "kept",
			 removed, pl->nevacuees);
	E->forget_at = 2 * pl->nevacuees;
}

/* ---- replay ---------------------------------------------------------------- */

long
engine_replay(engine *E, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT action, incident, effective, today FROM journal"
		       " WHERE effective IS NOT NULL ORDER BY id");
	long n = 0, nimport = 0, nclosed = 0;
	if (st == NULL) {
		snprintf(err, errlen, "store: %s", store_errmsg(E->db));
		return -1;
	}
	/* A replayed close wrote its household history when it was
	 * decided. A store from before migration 7 has none: its closes
	 * write theirs now, in one transaction with the flag's removal. */
	sqlite3_stmt *bf = store_stmt(E->db, "SELECT 1 FROM meta WHERE"
					     " key='history_backfill'");
	int backfill = bf && sqlite3_step(bf) == SQLITE_ROW;
	if (bf)
		sqlite3_reset(bf);
	if (backfill && store_begin(E->db)) {
		log_warnx("replay: household history: %s",
			  store_errmsg(E->db));
		backfill = 0;
	}
	E->history_off = !backfill;
	E->history_failed = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *action = (const char *)sqlite3_column_text(st, 0);
		int64_t inc = sqlite3_column_int64(st, 1);
		const char *effs = (const char *)sqlite3_column_text(st, 2);
		int32_t today = sqlite3_column_int(st, 3);
		char e2[256] = "";
		if (effs == NULL)
			continue;
		/* imported zones are their file in state_dir/zones, not a
		 * step of the plan: the row is the record of who and when */
		if (strcmp(action, "import.zones") == 0)
			continue;
		if (strncmp(action, "import.", 7) == 0) {
			/* reference data imported (import.c) */
			if (import_replay(E, action, effs, today, e2,
					  sizeof(e2)))
				log_warnx("replay: %s: %s", action, e2);
			n++;
			nimport++;
			continue;
		}
		if (strcmp(action, "open") && strcmp(action, "update") &&
		    strcmp(action, "cancel")) {
			/* a desk command (desk.c) */
			if (desk_replay(E, action, effs, today, e2,
					sizeof(e2)))
				log_warnx("replay: %s: %s", action, e2);
			n++;
			continue;
		}
		json_t *o = json_loads(effs, 0, NULL);
		ingest_msg m;
		ingest_error ie;
		if (o == NULL || ingest_parse_object(o, "", &m, &ie)) {
			json_decref(o);
			continue;
		}
		report_action a = strcmp(action, "cancel") == 0 ? REPORT_CANCEL
				  : strcmp(action, "open") == 0 &&
						  alloc_plan_incident_find(
							  &E->plan,
							  (uint32_t)inc) < 0
					  ? REPORT_OPEN
					  : REPORT_UPDATE;
		int is_new = alloc_plan_incident_find(&E->plan,
						      (uint32_t)inc) < 0;
		if (!m.rep.exercise &&
		    (a != REPORT_CANCEL || !is_new)) {
			if (plan_step(E, inc, a, is_new, &m.rep, NULL, today,
				      e2, sizeof(e2)))
				log_warnx("replay: incident %lld: %s",
					  (long long)inc, e2);
			else if (a == REPORT_CANCEL)
				nclosed++;
		}
		/* nobody reads the change log of a replayed step */
		alloc_plan_changes_clear(&E->plan);
		plan_compact_maybe(E);
		json_decref(o);
		ingest_msg_clear(&m);
		n++;
	}
	sqlite3_reset(st);
	E->history_off = 0;
	if (backfill) {
		/* all or nothing: with a close's rows missing, the flag
		 * stays and the next start writes them all again */
		if (E->history_failed ||
		    store_exec(E->db, "DELETE FROM meta WHERE"
				      " key='history_backfill'") ||
		    store_commit(E->db)) {
			log_warnx("replay: household history not written, "
				  "the next start tries again: %s",
				  store_errmsg(E->db));
			store_rollback(E->db);
		} else {
			log_info("replay: household history written for %ld "
				 "closed incidents",
				 nclosed);
		}
	}
	/* the reference data as the replayed imports left it (import.c):
	 * the store's rows of the [data] files were written before them */
	if (nimport)
		log_info("data with %ld imported batches: %zu households, %zu "
			 "shelters, %zu depots, %zu lots",
			 nimport, E->nhh, E->nsh, E->ndep, E->nlots);
	if (mirror_reference(E))
		log_warnx("replay: reference data: %s", store_errmsg(E->db));
	/* shelters as the replayed desk steps left them */
	if (store_begin(E->db) == 0) {
		if (desk_sync_shelters(E) || store_commit(E->db)) {
			log_warnx("replay: shelters: %s", store_errmsg(E->db));
			store_rollback(E->db);
		}
	}
	/* what was written is what the plan holds now */
	if (shadow_grow(E) == 0)
		for (size_t i = 0; i < E->plan.nevacuees; i++) {
			E->ev_status[i] = E->plan.evacuees[i].status;
			E->ev_shelter[i] = E->plan.evacuees[i].shelter;
		}
	/* shelter alert levels from the open alerts */
	sqlite3_stmt *a = store_stmt(
		E->db, "SELECT id, subject, level FROM alerts WHERE"
		       " topic='alert.shelter' AND state != 'cleared'");
	if (a) {
		while (sqlite3_step(a) == SQLITE_ROW) {
			long k = engine_shelter_find(
				E, (const char *)sqlite3_column_text(a, 1));
			const char *lv = (const char *)sqlite3_column_text(a, 2);
			if (k < 0)
				continue;
			E->sh_alert[k] = sqlite3_column_int64(a, 0);
			E->sh_level[k] = strcmp(lv, "full") == 0       ? 3
					 : strcmp(lv, "critical") == 0 ? 2
								       : 1;
		}
		sqlite3_reset(a);
	}
	return n;
}
