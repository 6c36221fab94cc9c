#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geom.h"
#include "geo/hindex.h"
#include "geo/zone.h"

/*
 * Cell encoding: bits 0-1 the flood class every point of the cell has at
 * least (zones wholly covering the cell), bits 2-3 the same for fire, bits
 * 4-31 a candidate list id (0 none): zones crossing the cell whose class is
 * higher than that base, sorted by class descending.
 */
#define CELL_LIST_SHIFT 4
#define MAX_LISTS (1u << 28)
/* Raster budget: 4M cells x 4 bytes = 16 MB, about 20 m cells over
 * Jakarta's 45 x 35 km. */
#define ZONE_MAX_CELLS (4u << 20)
#define ZONE_MIN_CELL_M 2.0

struct geo_zoneset {
	geo_zone *zones;
	geo_mpoly *polys;
	size_t n, cap;
	size_t nh[GEO_HAZARD_COUNT];
	int built;
	geo_pipx ix;
	uint32_t *cell;
	geo_seqtab lists;
	uint8_t *zcls; /* per zone: hazard << 2 | class */
	size_t boundary_cells;
};

geo_zoneset *
geo_zoneset_new(void)
{
	return calloc(1, sizeof(geo_zoneset));
}

static void
zone_free_strings(geo_zone *z)
{
	free((char *)z->id);
	free((char *)z->name);
	free((char *)z->file);
}

void
geo_zoneset_free(geo_zoneset *zs)
{
	size_t i;

	if (zs == NULL)
		return;
	for (i = 0; i < zs->n; i++) {
		zone_free_strings(&zs->zones[i]);
		geo_mpoly_free(&zs->polys[i]);
	}
	free(zs->zones);
	free(zs->polys);
	geo_pipx_free(&zs->ix);
	free(zs->cell);
	geo_seqtab_free(&zs->lists);
	free(zs->zcls);
	free(zs);
}

/* ---- loading ---------------------------------------------------------- */

/* Zones of one file, appended to the set only when the file loads. */
typedef struct batch {
	geo_zone *zones;
	geo_mpoly *polys;
	size_t n, cap;
	geo_hazard hazard;
	const char *path;
} batch;

static void
batch_free(batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		zone_free_strings(&b->zones[i]);
		geo_mpoly_free(&b->polys[i]);
	}
	free(b->zones);
	free(b->polys);
}

static int
zone_feature(void *ud, geo_feat *f, geo_diag *diag)
{
	batch *b = ud;
	char buf[64], idbuf[600];
	const char *hs, *cs, *id, *name, *depth;
	geo_hazard hz = b->hazard;
	geo_class cls;
	geo_zone *z;

	hs = geo_prop_str(f->props, "hazard", buf, sizeof buf);
	if (hs != NULL && geo_hazard_parse(hs, &hz) != 0)
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: unknown hazard '%s'",
		                    f->src, f->index, hs);
	if (hs == NULL && hz == GEO_HAZARD_ANY)
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: no hazard property",
		                    f->src, f->index);
	cs = geo_prop_str(f->props, "class", buf, sizeof buf);
	if (cs == NULL)
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: no class property",
		                    f->src, f->index);
	if (geo_class_parse(cs, &cls) != 0 || cls == GEO_NONE)
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: bad class '%s' (want "
		                    "low|medium|high|rendah|sedang|tinggi)",
		                    f->src, f->index, cs);
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		geo_zone *nz = realloc(b->zones, cap * sizeof *nz);
		geo_mpoly *np;

		if (nz == NULL)
			return GEO_ENOMEM;
		b->zones = nz;
		np = realloc(b->polys, cap * sizeof *np);
		if (np == NULL)
			return GEO_ENOMEM;
		b->polys = np;
		b->cap = cap;
	}
	z = &b->zones[b->n];
	memset(z, 0, sizeof *z);
	id = geo_prop_str(f->props, "id", idbuf, sizeof idbuf);
	if (id == NULL) {
		snprintf(idbuf, sizeof idbuf, "%s#%ld", geo_basename(f->src),
		         f->index);
		id = idbuf;
	}
	z->id = geo_strdup(id);
	name = json_string_value(geo_prop_get(f->props, "name"));
	z->name = geo_strdup(name);
	z->file = geo_strdup(f->src);
	if (z->id == NULL || z->name == NULL || z->file == NULL) {
		zone_free_strings(z);
		return GEO_ENOMEM;
	}
	z->feature = f->index;
	z->hazard = hz;
	z->cls = cls;
	depth = geo_prop_str(f->props, "depth_cm", buf, sizeof buf);
	z->depth_cm = depth != NULL ? (int)strtol(depth, NULL, 10) : -1;
	z->area_m2 = f->area_m2;
	z->minx = f->poly.minx;
	z->miny = f->poly.miny;
	z->maxx = f->poly.maxx;
	z->maxy = f->poly.maxy;
	b->polys[b->n] = f->poly; /* take it */
	memset(&f->poly, 0, sizeof f->poly);
	b->n++;
	return 0;
}

static int
append_batch(geo_zoneset *zs, batch *b, char *err, size_t errlen)
{
	size_t need = zs->n + b->n, i;

	if (need > zs->cap) {
		size_t cap = zs->cap ? zs->cap : 64;
		geo_zone *nz;
		geo_mpoly *np;

		while (cap < need)
			cap *= 2;
		nz = realloc(zs->zones, cap * sizeof *nz);
		if (nz == NULL)
			return geo_seterr(err, errlen, GEO_ENOMEM,
			                  "out of memory");
		zs->zones = nz;
		np = realloc(zs->polys, cap * sizeof *np);
		if (np == NULL)
			return geo_seterr(err, errlen, GEO_ENOMEM,
			                  "out of memory");
		zs->polys = np;
		zs->cap = cap;
	}
	for (i = 0; i < b->n; i++) {
		zs->zones[zs->n] = b->zones[i];
		zs->polys[zs->n] = b->polys[i];
		zs->nh[b->zones[i].hazard]++;
		zs->n++;
	}
	free(b->zones);
	free(b->polys);
	memset(b, 0, sizeof *b);
	return 0;
}

static int
check_open(const geo_zoneset *zs, char *err, size_t errlen)
{
	if (zs == NULL)
		return geo_seterr(err, errlen, GEO_EINVAL, "no zone set");
	if (zs->built)
		return geo_seterr(err, errlen, GEO_EINVAL,
		                  "zone set already built");
	return 0;
}

static int
finish_add(geo_zoneset *zs, batch *b, int rc, char *err, size_t errlen)
{
	size_t n = b->n;

	if (rc == 0)
		rc = append_batch(zs, b, err, errlen);
	batch_free(b);
	return rc < 0 ? rc : (int)n;
}

int
geo_zoneset_add_gpkg(geo_zoneset *zs, geo_ctx *ctx, const char *path,
                     const char *layer, geo_hazard hazard, geo_diag *diag,
                     char *err, size_t errlen)
{
	batch b = {NULL, NULL, 0, 0, hazard, path};
	int rc = check_open(zs, err, errlen);

	if (rc != 0)
		return rc;
	rc = geo_features_read(ctx, path, layer, zone_feature, &b, diag, err,
	                       errlen);
	return finish_add(zs, &b, rc, err, errlen);
}

int
geo_zoneset_add_file(geo_zoneset *zs, geo_ctx *ctx, const char *path,
                     geo_hazard hazard, geo_diag *diag, char *err,
                     size_t errlen)
{
	return geo_zoneset_add_gpkg(zs, ctx, path, NULL, hazard, diag, err,
	                            errlen);
}

int
geo_zoneset_add_geojson(geo_zoneset *zs, geo_ctx *ctx, const char *text,
                        size_t len, const char *name, geo_hazard hazard,
                        geo_diag *diag, char *err, size_t errlen)
{
	batch b = {NULL, NULL, 0, 0, hazard, name};
	int rc = check_open(zs, err, errlen);

	if (rc != 0)
		return rc;
	rc = geo_features_read_text(ctx, text, len, name, zone_feature, &b,
	                            diag, err, errlen);
	return finish_add(zs, &b, rc, err, errlen);
}

/* ---- build -------------------------------------------------------------- */

/* Insertion sort by class descending, then zone index: lists are short. */
static void
sort_cands(uint32_t *v, uint32_t n, const uint8_t *zcls)
{
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		uint32_t t = v[i];
		unsigned ct = zcls[t] & 3;

		for (j = i; j > 0; j--) {
			unsigned cj = zcls[v[j - 1]] & 3;

			if (cj > ct || (cj == ct && v[j - 1] < t))
				break;
			v[j] = v[j - 1];
		}
		v[j] = t;
	}
}

static int
derive_cells(geo_zoneset *zs, const geo_cells *cells, char *err, size_t errlen)
{
	size_t ncells = (size_t)zs->ix.g.nx * zs->ix.g.ny, c;
	uint32_t *tmp = NULL;
	size_t tcap = 0;

	zs->cell = calloc(ncells ? ncells : 1, sizeof(uint32_t));
	if (zs->cell == NULL || geo_seqtab_init(&zs->lists) != 0)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	for (c = 0; c < ncells; c++) {
		uint32_t k, lo = cells->off[c], hi = cells->off[c + 1];
		unsigned base[GEO_HAZARD_COUNT] = {0, 0};
		uint32_t nc = 0, id;

		if (lo == hi)
			continue;
		if (hi - lo > tcap) {
			tcap = hi - lo;
			free(tmp);
			tmp = malloc(tcap * sizeof *tmp);
			if (tmp == NULL)
				return geo_seterr(err, errlen, GEO_ENOMEM,
				                  "out of memory");
		}
		for (k = lo; k < hi; k++) {
			uint32_t e = cells->ent[k], z = e >> 1;
			unsigned h = zs->zcls[z] >> 2, cl = zs->zcls[z] & 3;

			if (!(e & 1) && cl > base[h])
				base[h] = cl;
		}
		for (k = lo; k < hi; k++) {
			uint32_t e = cells->ent[k], z = e >> 1;
			unsigned h = zs->zcls[z] >> 2, cl = zs->zcls[z] & 3;

			if ((e & 1) && cl > base[h])
				tmp[nc++] = z;
		}
		sort_cands(tmp, nc, zs->zcls);
		id = geo_seqtab_intern(&zs->lists, tmp, nc);
		if (id == UINT32_MAX || id >= MAX_LISTS) {
			free(tmp);
			return geo_seterr(err, errlen, GEO_ENOMEM,
			                  "too many boundary lists");
		}
		if (nc > 0)
			zs->boundary_cells++;
		zs->cell[c] = base[GEO_FLOOD] | base[GEO_FIRE] << 2 |
		              id << CELL_LIST_SHIFT;
	}
	free(tmp);
	geo_seqtab_seal(&zs->lists);
	return 0;
}

int
geo_zoneset_build(geo_zoneset *zs, double cell_m, char *err, size_t errlen)
{
	double minx = INFINITY, miny = INFINITY, maxx = -INFINITY,
	       maxy = -INFINITY;
	geo_cells cells;
	geo_grid g;
	size_t i;
	int rc = check_open(zs, err, errlen);

	if (rc != 0)
		return rc;
	zs->zcls = malloc(zs->n ? zs->n : 1);
	if (zs->zcls == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	for (i = 0; i < zs->n; i++) {
		const geo_zone *z = &zs->zones[i];

		zs->zcls[i] = (uint8_t)(z->hazard << 2 | z->cls);
		minx = fmin(minx, z->minx);
		miny = fmin(miny, z->miny);
		maxx = fmax(maxx, z->maxx);
		maxy = fmax(maxy, z->maxy);
	}
	if (zs->n == 0)
		minx = miny = maxx = maxy = 0;
	if (geo_grid_init(&g, minx, miny, maxx, maxy, cell_m, ZONE_MIN_CELL_M,
	                  ZONE_MAX_CELLS) != 0)
		return geo_seterr(err, errlen, GEO_EINVAL,
		                  "zone extent too large for cell size %g m",
		                  cell_m);
	rc = geo_pipx_build(&zs->ix, &g, zs->polys, zs->n, &cells);
	if (rc != 0)
		return geo_seterr(err, errlen, rc, "cannot index zones (%d)",
		                  rc);
	rc = derive_cells(zs, &cells, err, errlen);
	geo_cells_free(&cells);
	if (rc != 0)
		return rc;
	zs->built = 1;
	return 0;
}

int
geo_zoneset_load(geo_ctx *ctx, const char *const *paths, size_t npaths,
                 const geo_hazard *hazards, geo_diag *diag, geo_zoneset **out,
                 char *err, size_t errlen)
{
	geo_zoneset *zs;
	size_t i;
	int rc;

	*out = NULL;
	zs = geo_zoneset_new();
	if (zs == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	for (i = 0; i < npaths; i++) {
		rc = geo_zoneset_add_file(zs, ctx, paths[i],
		                          hazards ? hazards[i] : GEO_HAZARD_ANY,
		                          diag, err, errlen);
		if (rc < 0)
			goto fail;
	}
	rc = geo_zoneset_build(zs, 0, err, errlen);
	if (rc != 0)
		goto fail;
	*out = zs;
	return 0;
fail:
	geo_zoneset_free(zs);
	return rc;
}

/* ---- accessors ------------------------------------------------------------
 */

size_t
geo_zoneset_count(const geo_zoneset *zs)
{
	return zs->n;
}

const geo_zone *
geo_zoneset_zone(const geo_zoneset *zs, size_t i)
{
	return i < zs->n ? &zs->zones[i] : NULL;
}

size_t
geo_zoneset_count_hazard(const geo_zoneset *zs, geo_hazard h)
{
	return (unsigned)h < GEO_HAZARD_COUNT ? zs->nh[h] : 0;
}

void
geo_zoneset_get_stats(const geo_zoneset *zs, geo_zoneset_stats *st)
{
	size_t ncells = (size_t)zs->ix.g.nx * zs->ix.g.ny;

	memset(st, 0, sizeof *st);
	st->cell_m = zs->ix.g.cs;
	st->nx = zs->ix.g.nx;
	st->ny = zs->ix.g.ny;
	st->boundary_cells = zs->boundary_cells;
	if (!zs->built)
		return;
	st->bytes = ncells * sizeof(uint32_t) + geo_pipx_bytes(&zs->ix) +
	            sizeof(uint32_t) * (zs->lists.ndata + zs->lists.nseq + 1);
	for (size_t i = 0; i < zs->n; i++)
		st->bytes += 2 * sizeof(double) * zs->polys[i].npts;
}

/* ---- queries ----------------------------------------------------------------
 */

static inline uint32_t
classes_at(const geo_zoneset *zs, double x, double y)
{
	uint32_t col, row, v, id, k, end;
	unsigned best[GEO_HAZARD_COUNT];

	if (!zs->built || !geo_grid_cell(&zs->ix.g, x, y, &col, &row))
		return 0;
	v = zs->cell[(size_t)row * zs->ix.g.nx + col];
	id = v >> CELL_LIST_SHIFT;
	if (id == 0)
		return v & 15;
	best[GEO_FLOOD] = v & 3;
	best[GEO_FIRE] = (v >> 2) & 3;
	end = zs->lists.off[id + 1];
	for (k = zs->lists.off[id]; k < end; k++) {
		uint32_t z = zs->lists.data[k];
		unsigned h = zs->zcls[z] >> 2, cl = zs->zcls[z] & 3;

		/* sorted by class descending: a zone no better than what
		 * this hazard already has cannot change it */
		if (cl > best[h] &&
		    geo_pipx_contains_row(&zs->ix, z, row, x, y))
			best[h] = cl;
	}
	return best[GEO_FLOOD] | best[GEO_FIRE] << 2;
}

geo_class
geo_zoneset_class_at(const geo_zoneset *zs, geo_hazard h, double x, double y)
{
	uint32_t v = classes_at(zs, x, y);

	if (h == GEO_FLOOD)
		return (geo_class)(v & 3);
	if (h == GEO_FIRE)
		return (geo_class)((v >> 2) & 3);
	return GEO_NONE;
}

void
geo_zoneset_classes_at(const geo_zoneset *zs, double x, double y,
                       geo_class *flood, geo_class *fire)
{
	uint32_t v = classes_at(zs, x, y);

	if (flood != NULL)
		*flood = (geo_class)(v & 3);
	if (fire != NULL)
		*fire = (geo_class)((v >> 2) & 3);
}

size_t
geo_zoneset_zones_at(const geo_zoneset *zs, double x, double y, uint32_t *out,
                     size_t max)
{
	const double tol = GEO_BOUNDARY_TOL_M;
	size_t i, found = 0;

	if (!zs->built)
		return 0;
	/* Not a hot path (one shelter, one report): a bbox scan is fine. */
	for (i = 0; i < zs->n; i++) {
		const geo_zone *z = &zs->zones[i];

		if (x < z->minx - tol || x > z->maxx + tol ||
		    y < z->miny - tol || y > z->maxy + tol)
			continue;
		if (!geo_pipx_contains(&zs->ix, (uint32_t)i, x, y))
			continue;
		if (found < max)
			out[found] = (uint32_t)i;
		found++;
	}
	return found;
}

void
geo_exposure(const geo_zoneset *zs, geo_household *hh, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t v = classes_at(zs, hh[i].x, hh[i].y);

		hh[i].flood = (uint8_t)(v & 3);
		hh[i].fire = (uint8_t)((v >> 2) & 3);
	}
}

void
geo_exposure_xy(const geo_zoneset *zs, const double *xy, size_t n,
                uint8_t *out_flood, uint8_t *out_fire)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t v = classes_at(zs, xy[2 * i], xy[2 * i + 1]);

		if (out_flood != NULL)
			out_flood[i] = (uint8_t)(v & 3);
		if (out_fire != NULL)
			out_fire[i] = (uint8_t)((v >> 2) & 3);
	}
}

void
geo_hindex_exposure(const geo_hindex *ix, const geo_zoneset *zs,
                    geo_household *hh)
{
	geo_hindex_grid g;
	size_t i, n;

	geo_hindex_get_grid(ix, &g);
	n = g.start[(size_t)g.nx * g.ny];
	if (n < geo_hindex_count(ix)) /* households left out of the index */
		for (i = 0; i < geo_hindex_count(ix); i++)
			hh[i].flood = hh[i].fire = GEO_NONE;
	for (i = 0; i < n; i++) {
		geo_household *h = &hh[g.order[i]];
		uint32_t v = classes_at(zs, h->x, h->y);

		h->flood = (uint8_t)(v & 3);
		h->fire = (uint8_t)((v >> 2) & 3);
	}
}
