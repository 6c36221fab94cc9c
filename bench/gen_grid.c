/* The population grid (HKV via InaSAFE, population-hkv.asc) and its
 * kelurahan raster.
 *
 * The grid is 638 x 649 cells of 0.000452 degrees (~50 m).  Its values
 * are a density painted per kecamatan (43 distinct values), so they are
 * used as relative weights only: a cell's share of households is its
 * value over the sum of all cells whose centre lies in a kelurahan with a
 * code.  Cells of uncoded kelurahan and cells outside every kelurahan get
 * no households.
 *
 * Each populated cell is tagged once with the kelurahan holding its centre
 * and whether the whole cell square lies inside that kelurahan; a point
 * jittered in an "interior" cell needs no polygon test, so placing 3.5
 * million households costs a GEOS query only near kelurahan boundaries.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/gen_io.h"

static char *
next_token(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (!*s)
		return NULL;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n')
		e++;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static void
read_asc(struct gen_ctx *c)
{
	struct gen_grid *g = &c->grid;
	char path[512], err[600];
	FILE *f = fopen(
	    gen_path(path, sizeof path, c->opt.data, "population-hkv.asc"),
	    "rb");
	if (!f)
		gen_fail("%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		gen_fail("%s: read error", path);
	buf[len] = '\0';
	fclose(f);
	char *p = buf;
	double xll = 0, yll = 0, nodata = -9999;
	for (int i = 0; i < 6; i++) {
		char *key = next_token(&p), *val = next_token(&p);
		if (!key || !val)
			gen_fail("%s: short header", path);
		if (strcasecmp(key, "ncols") == 0)
			g->ncols = atoi(val);
		else if (strcasecmp(key, "nrows") == 0)
			g->nrows = atoi(val);
		else if (strcasecmp(key, "xllcorner") == 0)
			xll = strtod(val, NULL);
		else if (strcasecmp(key, "yllcorner") == 0)
			yll = strtod(val, NULL);
		else if (strcasecmp(key, "cellsize") == 0)
			g->cell = strtod(val, NULL);
		else if (strcasecmp(key, "NODATA_value") == 0)
			nodata = strtod(val, NULL);
	}
	if (g->ncols <= 0 || g->nrows <= 0 || g->cell <= 0)
		gen_fail("%s: bad header", path);
	g->x0 = xll;
	g->ytop = yll + g->nrows * g->cell;
	size_t n = (size_t)g->ncols * (size_t)g->nrows;
	g->v = calloc(n, sizeof *g->v);
	if (!g->v)
		gen_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		char *t = next_token(&p);
		if (!t) {
			snprintf(err, sizeof err, "%s: %zu values, want %zu",
			         path, i, n);
			gen_fail("%s", err);
		}
		double v = strtod(t, NULL);
		g->v[i] = (v == nodata || v < 0) ? 0.0f : (float)v;
	}
	free(buf);
}

void
gen_grid_cell_center(const struct gen_grid *g, uint32_t cell, double *lon,
                     double *lat)
{
	int row = (int)(cell / (uint32_t)g->ncols);
	int col = (int)(cell % (uint32_t)g->ncols);
	*lon = g->x0 + (col + 0.5) * g->cell;
	*lat = g->ytop - (row + 0.5) * g->cell;
}

static void
tag_cells(struct gen_ctx *c)
{
	struct gen_grid *g = &c->grid;
	size_t n = (size_t)g->ncols * (size_t)g->nrows;
	g->kel = malloc(n * sizeof *g->kel);
	g->interior = calloc(n, 1);
	g->pop.cells = malloc(n * sizeof *g->pop.cells);
	g->pop.cdf = malloc(n * sizeof *g->pop.cdf);
	if (!g->kel || !g->interior || !g->pop.cells || !g->pop.cdf)
		gen_fail("out of memory");
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		double lon, lat;
		g->kel[i] = -1;
		if (g->v[i] <= 0)
			continue;
		gen_grid_cell_center(g, (uint32_t)i, &lon, &lat);
		int k = gen_admin_locate(c, lon, lat);
		g->kel[i] = k;
		if (i % 4096 == 0)
			gen_progress("grid", i, n);
		if (k < 0)
			continue;
		struct gen_area *a = &c->kel[k];
		double h = g->cell / 2;
		GEOSGeometry *sq = GEOSGeom_createRectangle_r(
		    c->h, lon - h, lat - h, lon + h, lat + h);
		g->interior[i] =
		    GEOSPreparedContainsProperly_r(c->h, a->prep, sq) == 1;
		GEOSGeom_destroy_r(c->h, sq);
		a->weight += g->v[i];
		if (a->match < 0)
			continue;
		acc += g->v[i];
		g->pop.cells[g->pop.n] = (uint32_t)i;
		g->pop.cdf[g->pop.n] = acc;
		g->pop.n++;
	}
	g->pop.total = acc;
	if (g->pop.n == 0)
		gen_fail("population grid: no populated cell in a coded "
		         "kelurahan");
}

void
gen_grid_load(struct gen_ctx *c)
{
	read_asc(c);
	tag_cells(c);
	size_t inner = 0;
	for (size_t i = 0; i < c->grid.pop.n; i++)
		inner += c->grid.interior[c->grid.pop.cells[i]];
	gen_progress_done("grid",
	                  "%zu populated cells in coded kelurahan, "
	                  "%zu interior",
	                  c->grid.pop.n, inner);
}

uint32_t
gen_sampler_draw(const struct gen_sampler *s, struct gen_rng *r)
{
	double x = gen_rng_unit(r) * s->total;
	size_t lo = 0, hi = s->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->cdf[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return s->cells[lo];
}

int
gen_grid_place(struct gen_ctx *c, const struct gen_sampler *s,
               struct gen_rng *r, double *lon, double *lat)
{
	const struct gen_grid *g = &c->grid;
	for (;;) {
		uint32_t cell = gen_sampler_draw(s, r);
		int row = (int)(cell / (uint32_t)g->ncols);
		int col = (int)(cell % (uint32_t)g->ncols);
		/* A boundary cell may need a few jitters to land inside a
		 * coded kelurahan; give up on it after 16 and draw again,
		 * which keeps the cell's weight honest. */
		for (int tries = 0; tries < 16; tries++) {
			double x = g->x0 + (col + gen_rng_unit(r)) * g->cell;
			double y = g->ytop - (row + gen_rng_unit(r)) * g->cell;
			/* Test the point as it will be written (6 decimals,
			 * ~0.1 m), so that a reader's point-in-polygon agrees
			 * with the kelurahan written beside it. */
			x = round(x * 1e6) / 1e6;
			y = round(y * 1e6) / 1e6;
			int inside = (int)((x - g->x0) / g->cell) == col &&
			             (int)((g->ytop - y) / g->cell) == row;
			int k;
			if (g->interior[cell] && inside)
				k = g->kel[cell];
			else
				k = gen_admin_locate(c, x, y);
			if (k >= 0 && c->kel[k].match >= 0) {
				*lon = x;
				*lat = y;
				return k;
			}
		}
	}
}

/* The populated coded cell nearest to the weighted centre of the cells
 * for which `in(kel)` holds. */
int
gen_grid_centre(struct gen_ctx *c, int (*in)(struct gen_ctx *, int, int),
                int arg, double *lon, double *lat)
{
	const struct gen_grid *g = &c->grid;
	double sx = 0, sy = 0, sw = 0;
	for (size_t i = 0; i < g->pop.n; i++) {
		uint32_t cell = g->pop.cells[i];
		if (!in(c, g->kel[cell], arg))
			continue;
		double x, y;
		gen_grid_cell_center(g, cell, &x, &y);
		sx += x * g->v[cell];
		sy += y * g->v[cell];
		sw += g->v[cell];
	}
	if (sw <= 0)
		return -1;
	sx /= sw;
	sy /= sw;
	/* Prefer a cell wholly inside its kelurahan, so that the rounded
	 * centre is in it beyond doubt. */
	double best = INFINITY;
	uint32_t bc = 0;
	for (int pass = 0; pass < 2 && best == INFINITY; pass++)
		for (size_t i = 0; i < g->pop.n; i++) {
			uint32_t cell = g->pop.cells[i];
			if (!in(c, g->kel[cell], arg))
				continue;
			if (pass == 0 && !g->interior[cell])
				continue;
			double x, y;
			gen_grid_cell_center(g, cell, &x, &y);
			double d = (x - sx) * (x - sx) + (y - sy) * (y - sy);
			if (d < best) {
				best = d;
				bc = cell;
			}
		}
	gen_grid_cell_center(g, bc, lon, lat);
	*lon = round(*lon * 1e6) / 1e6;
	*lat = round(*lat * 1e6) / 1e6;
	return g->kel[bc];
}
