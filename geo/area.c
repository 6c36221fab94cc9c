#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/area.h"
#include "geo/geom.h"
#include "geo/points.h"

/* 1M cells x 4 bytes: about 40 m cells over Jakarta; a point lookup is not
 * a hot path for areas (footprints have their own raster). */
#define AREA_MAX_CELLS (1u << 20)
/* Cell value: area index + 1 (0: no area), or LIST | candidate list id,
 * the list being [fallback + 1, candidates ascending...]. */
#define CELL_LIST 0x80000000u

struct geo_areaset {
	geo_area_kind kind;
	geo_area *areas;
	geo_mpoly *polys;
	size_t n, cap;
	uint32_t *by_key; /* area indexes sorted by key (or kel code) */
	geo_pipx ix;
	uint32_t *cell;
	geo_seqtab lists;
};

typedef struct loadctx {
	geo_areaset *as;
	const char *key_prop;
	int fatal;
} loadctx;

static void
area_free_strings(geo_area *a)
{
	free((char *)a->key);
	free((char *)a->name);
}

void
geo_areaset_free(geo_areaset *as)
{
	size_t i;

	if (as == NULL)
		return;
	for (i = 0; i < as->n; i++) {
		area_free_strings(&as->areas[i]);
		geo_mpoly_free(&as->polys[i]);
	}
	free(as->areas);
	free(as->polys);
	free(as->by_key);
	geo_pipx_free(&as->ix);
	free(as->cell);
	geo_seqtab_free(&as->lists);
	free(as);
}

static int
grow(geo_areaset *as)
{
	size_t cap = as->cap ? as->cap * 2 : 64;
	geo_area *na;
	geo_mpoly *np;

	na = realloc(as->areas, cap * sizeof *na);
	if (na == NULL)
		return GEO_ENOMEM;
	as->areas = na;
	np = realloc(as->polys, cap * sizeof *np);
	if (np == NULL)
		return GEO_ENOMEM;
	as->polys = np;
	as->cap = cap;
	return 0;
}

static int
area_feature(void *ud, geo_feat *f, geo_diag *diag)
{
	loadctx *lc = ud;
	geo_areaset *as = lc->as;
	char buf[64], kb[64];
	const char *key, *name, *kel;
	geo_area a;

	memset(&a, 0, sizeof a);
	key = geo_prop_str(f->props, lc->key_prop, kb, sizeof kb);
	if (key == NULL || *key == '\0')
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: no '%s' property", f->src,
		                    f->index, lc->key_prop);
	if (as->kind == GEO_AREA_KELURAHAN && geo_kel_parse(key, &a.kel) != 0)
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: bad kelurahan code '%s'",
		                    f->src, f->index, key);
	if (as->kind == GEO_AREA_RW && geo_rw_parse(key, &a.kel, &a.rw) != 0) {
		/* RW ids that do not follow the shared format still work as
		 * keys; the kelurahan then comes from its own property */
		a.kel = 0;
		a.rw = 0;
		kel = geo_prop_str(f->props, "kelurahan", buf, sizeof buf);
		if (kel != NULL)
			geo_kel_parse(kel, &a.kel);
	}
	if (as->n == as->cap && grow(as) != 0)
		return GEO_ENOMEM;
	name = json_string_value(geo_prop_get(f->props, "name"));
	a.key = geo_strdup(key);
	a.name = geo_strdup(name);
	if (a.key == NULL || a.name == NULL) {
		area_free_strings(&a);
		return GEO_ENOMEM;
	}
	a.area_m2 = f->area_m2;
	a.minx = f->poly.minx;
	a.miny = f->poly.miny;
	a.maxx = f->poly.maxx;
	a.maxy = f->poly.maxy;
	as->areas[as->n] = a;
	as->polys[as->n] = f->poly;
	memset(&f->poly, 0, sizeof f->poly);
	as->n++;
	return 0;
}

/* ---- key lookup ---------------------------------------------------------- */

/* Sort entry: qsort has no context argument, so each entry carries its
 * own key (kelurahan code for KELURAHAN sets, the string otherwise). */
typedef struct keyent {
	uint32_t kel;
	uint32_t idx;
	const char *key; /* NULL for KELURAHAN sets */
} keyent;

static int
cmp_keyent(const void *a, const void *b)
{
	const keyent *x = a, *y = b;
	int c;

	if (x->key != NULL)
		c = strcmp(x->key, y->key);
	else
		c = (x->kel > y->kel) - (x->kel < y->kel);
	if (c == 0)
		c = (x->idx > y->idx) - (x->idx < y->idx);
	return c;
}

static int
sort_keys(geo_areaset *as, keyent *e)
{
	size_t i;

	for (i = 0; i < as->n; i++) {
		e[i].kel = as->areas[i].kel;
		e[i].idx = (uint32_t)i;
		e[i].key =
		    as->kind == GEO_AREA_KELURAHAN ? NULL : as->areas[i].key;
	}
	qsort(e, as->n, sizeof *e, cmp_keyent);
	return 0;
}

/* Sort keys; drop later duplicates (reported), keeping the first. */
static int
index_keys(geo_areaset *as, const char *path, geo_diag *diag)
{
	size_t i, w = 0;
	uint8_t *drop;
	keyent *e;

	as->by_key = malloc(sizeof(uint32_t) * (as->n ? as->n : 1));
	drop = calloc(as->n ? as->n : 1, 1);
	e = malloc(sizeof *e * (as->n ? as->n : 1));
	if (as->by_key == NULL || drop == NULL || e == NULL) {
		free(drop);
		free(e);
		return GEO_ENOMEM;
	}
	sort_keys(as, e);
	for (i = 1; i < as->n; i++)
		if (cmp_keyent(&(keyent){e[i - 1].kel, 0, e[i - 1].key},
		               &(keyent){e[i].kel, 0, e[i].key}) == 0)
			drop[e[i].idx] = 1;
	/* compact the areas, then rebuild the key index */
	for (i = 0; i < as->n; i++) {
		if (drop[i]) {
			geo_diag_add(diag, GEO_DIAG_REJECT, -1,
			             "%s: duplicate key '%s' (first one kept)",
			             path, as->areas[i].key);
			area_free_strings(&as->areas[i]);
			geo_mpoly_free(&as->polys[i]);
			continue;
		}
		as->areas[w] = as->areas[i];
		as->polys[w] = as->polys[i];
		w++;
	}
	free(drop);
	as->n = w;
	sort_keys(as, e);
	for (i = 0; i < as->n; i++)
		as->by_key[i] = e[i].idx;
	free(e);
	return 0;
}

long
geo_areaset_find_kel(const geo_areaset *as, uint32_t kel)
{
	size_t lo = 0, hi = as->n;

	if (as->kind != GEO_AREA_KELURAHAN) {
		size_t i;

		for (i = 0; i < as->n; i++)
			if (as->areas[i].kel == kel)
				return (long)i;
		return -1;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t k = as->areas[as->by_key[mid]].kel;

		if (k == kel)
			return as->by_key[mid];
		if (k < kel)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long
geo_areaset_find(const geo_areaset *as, const char *key)
{
	size_t lo = 0, hi = as->n;
	uint32_t kel;

	if (key == NULL)
		return -1;
	if (as->kind == GEO_AREA_KELURAHAN)
		return geo_kel_parse(key, &kel) == 0
		           ? geo_areaset_find_kel(as, kel)
		           : -1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(as->areas[as->by_key[mid]].key, key);

		if (c == 0)
			return as->by_key[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- raster
 * ------------------------------------------------------------------ */

static int
derive_cells(geo_areaset *as, const geo_cells *cells)
{
	size_t ncells = (size_t)as->ix.g.nx * as->ix.g.ny, c;
	uint32_t *tmp = NULL;
	size_t tcap = 0;

	as->cell = calloc(ncells ? ncells : 1, sizeof(uint32_t));
	if (as->cell == NULL || geo_seqtab_init(&as->lists) != 0)
		return GEO_ENOMEM;
	for (c = 0; c < ncells; c++) {
		uint32_t lo = cells->off[c], hi = cells->off[c + 1], k, nc = 1;
		uint32_t full = UINT32_MAX, id;

		if (lo == hi)
			continue;
		if (hi - lo + 1 > tcap) {
			tcap = hi - lo + 1;
			free(tmp);
			tmp = malloc(tcap * sizeof *tmp);
			if (tmp == NULL)
				return GEO_ENOMEM;
		}
		for (k = lo; k < hi; k++)
			if (!(cells->ent[k] & 1) && (cells->ent[k] >> 1) < full)
				full = cells->ent[k] >> 1;
		/* lower index wins on shared boundaries: only partial areas
		 * before the covering one can change the answer */
		for (k = lo; k < hi; k++)
			if ((cells->ent[k] & 1) && (cells->ent[k] >> 1) < full)
				tmp[nc++] = cells->ent[k] >> 1;
		if (nc == 1) {
			as->cell[c] = full + 1;
			continue;
		}
		tmp[0] = full == UINT32_MAX ? 0 : full + 1;
		id = geo_seqtab_intern(&as->lists, tmp, nc);
		if (id == UINT32_MAX || id >= CELL_LIST) {
			free(tmp);
			return GEO_ENOMEM;
		}
		as->cell[c] = CELL_LIST | id;
	}
	free(tmp);
	geo_seqtab_seal(&as->lists);
	return 0;
}

static int
build_index(geo_areaset *as)
{
	double minx = INFINITY, miny = INFINITY, maxx = -INFINITY,
	       maxy = -INFINITY;
	geo_cells cells;
	geo_grid g;
	size_t i;
	int rc;

	for (i = 0; i < as->n; i++) {
		minx = fmin(minx, as->areas[i].minx);
		miny = fmin(miny, as->areas[i].miny);
		maxx = fmax(maxx, as->areas[i].maxx);
		maxy = fmax(maxy, as->areas[i].maxy);
	}
	if (as->n == 0)
		minx = miny = maxx = maxy = 0;
	rc = geo_grid_init(&g, minx, miny, maxx, maxy, 0, 2.0, AREA_MAX_CELLS);
	if (rc != 0)
		return rc;
	rc = geo_pipx_build(&as->ix, &g, as->polys, as->n, &cells);
	if (rc != 0)
		return rc;
	rc = derive_cells(as, &cells);
	geo_cells_free(&cells);
	return rc;
}

int
geo_areaset_load(geo_ctx *ctx, const char *path, geo_area_kind kind,
                 const char *key_prop, geo_diag *diag, geo_areaset **out,
                 char *err, size_t errlen)
{
	loadctx lc;
	geo_areaset *as;
	int rc;

	*out = NULL;
	as = calloc(1, sizeof *as);
	if (as == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	as->kind = kind;
	lc.as = as;
	lc.key_prop = key_prop ? key_prop : kind == GEO_AREA_RW ? "id" : "code";
	lc.fatal = 0;
	if (kind == GEO_AREA_OTHER && key_prop == NULL) {
		rc = geo_seterr(err, errlen, GEO_EINVAL,
		                "area key property required");
		goto fail;
	}
	rc = geo_features_read(ctx, path, NULL, area_feature, &lc, diag, err,
	                       errlen);
	if (rc != 0)
		goto fail;
	if (as->n == 0) {
		rc = geo_seterr(err, errlen, GEO_EEMPTY, "%s: no usable area",
		                path);
		goto fail;
	}
	rc = index_keys(as, path, diag);
	if (rc == 0)
		rc = build_index(as);
	if (rc != 0) {
		geo_seterr(err, errlen, rc, "%s: cannot index areas", path);
		goto fail;
	}
	*out = as;
	return 0;
fail:
	geo_areaset_free(as);
	return rc;
}

geo_area_kind
geo_areaset_kind(const geo_areaset *as)
{
	return as->kind;
}

size_t
geo_areaset_count(const geo_areaset *as)
{
	return as->n;
}

const geo_area *
geo_areaset_get(const geo_areaset *as, size_t i)
{
	return i < as->n ? &as->areas[i] : NULL;
}

const geo_mpoly *
geo_areaset_poly(const geo_areaset *as, size_t i)
{
	return i < as->n ? &as->polys[i] : NULL;
}

long
geo_areaset_locate(const geo_areaset *as, double x, double y)
{
	uint32_t col, row, v, k, end, fb;

	if (!geo_grid_cell(&as->ix.g, x, y, &col, &row))
		return -1;
	v = as->cell[(size_t)row * as->ix.g.nx + col];
	if (!(v & CELL_LIST))
		return (long)v - 1;
	v &= ~CELL_LIST;
	k = as->lists.off[v];
	end = as->lists.off[v + 1];
	fb = as->lists.data[k];
	for (k++; k < end; k++)
		if (geo_pipx_contains_row(&as->ix, as->lists.data[k], row, x,
		                          y))
			return as->lists.data[k];
	return (long)fb - 1;
}

uint32_t
geo_areaset_kelurahan_at(const geo_areaset *as, double x, double y)
{
	long i = geo_areaset_locate(as, x, y);

	return i < 0 ? 0 : as->areas[i].kel;
}

size_t
geo_areaset_assign_kelurahan(const geo_areaset *as, geo_household *hh, size_t n,
                             int overwrite)
{
	size_t i, set = 0;

	for (i = 0; i < n; i++) {
		uint32_t k;

		if (hh[i].kel != 0 && !overwrite)
			continue;
		k = geo_areaset_kelurahan_at(as, hh[i].x, hh[i].y);
		if (k != 0) {
			hh[i].kel = k;
			set++;
		}
	}
	return set;
}
