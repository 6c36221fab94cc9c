#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/hindex.h"

/* Aim for about 8 households per cell: few enough that a footprint edge
 * cell tests little, many enough that the offsets stay ~0.5 byte per
 * household. */
#define HH_PER_CELL 8.0
#define MIN_CELL_M 10.0

struct geo_hindex {
	const geo_household *hh;
	size_t n;
	double ox, oy, cs, inv;
	uint32_t nx, ny;
	uint32_t *start; /* nx*ny + 1 */
	uint32_t *order; /* indexed households, by cell */
};

static uint32_t
cell_of(const geo_hindex *ix, double x, double y)
{
	double fx = (x - ix->ox) * ix->inv, fy = (y - ix->oy) * ix->inv;
	uint32_t cx = fx < 0 ? 0 : fx >= ix->nx ? ix->nx - 1 : (uint32_t)fx;
	uint32_t cy = fy < 0 ? 0 : fy >= ix->ny ? ix->ny - 1 : (uint32_t)fy;

	return cy * ix->nx + cx;
}

static int
choose_grid(geo_hindex *ix, double cell_m, double minx, double miny,
            double maxx, double maxy, size_t nin)
{
	double w = maxx - minx, h = maxy - miny, cs = cell_m, nx, ny;

	if (cs <= 0) {
		cs = sqrt(fmax(w * h, 1.0) * HH_PER_CELL / (double)(nin + 1));
		if (cs < MIN_CELL_M)
			cs = MIN_CELL_M;
	}
	nx = floor(w / cs) + 1;
	ny = floor(h / cs) + 1;
	/* a thin strip of points or a tiny cell_m must not explode memory */
	while (nx * ny > (double)nin * 4 + 1024) {
		cs *= 1.5;
		nx = floor(w / cs) + 1;
		ny = floor(h / cs) + 1;
	}
	ix->cs = cs;
	ix->inv = 1 / cs;
	ix->ox = minx;
	ix->oy = miny;
	ix->nx = (uint32_t)nx;
	ix->ny = (uint32_t)ny;
	return 0;
}

int
geo_hindex_build(const geo_household *hh, size_t n, double cell_m,
                 geo_hindex **out, char *err, size_t errlen)
{
	double minx = INFINITY, miny = INFINITY, maxx = -INFINITY,
	       maxy = -INFINITY;
	geo_hindex *ix;
	uint32_t *cell = NULL, *fill = NULL;
	size_t i, nin = 0, ncells;

	*out = NULL;
	if (n >= UINT32_MAX)
		return geo_seterr(err, errlen, GEO_EINVAL,
		                  "too many households (%zu)", n);
	for (i = 0; i < n; i++) {
		if (!isfinite(hh[i].x) || !isfinite(hh[i].y))
			continue;
		minx = fmin(minx, hh[i].x);
		maxx = fmax(maxx, hh[i].x);
		miny = fmin(miny, hh[i].y);
		maxy = fmax(maxy, hh[i].y);
		nin++;
	}
	if (nin == 0)
		minx = miny = maxx = maxy = 0;
	ix = calloc(1, sizeof *ix);
	if (ix == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	ix->hh = hh;
	ix->n = n;
	choose_grid(ix, cell_m, minx, miny, maxx, maxy, nin);
	ncells = (size_t)ix->nx * ix->ny;
	ix->start = calloc(ncells + 1, sizeof(uint32_t));
	ix->order = malloc(sizeof(uint32_t) * (nin ? nin : 1));
	cell = malloc(sizeof(uint32_t) * (n ? n : 1));
	fill = malloc(sizeof(uint32_t) * (ncells + 1));
	if (ix->start == NULL || ix->order == NULL || cell == NULL ||
	    fill == NULL)
		goto nomem;
	/* counting sort of household indexes by cell */
	for (i = 0; i < n; i++) {
		if (!isfinite(hh[i].x) || !isfinite(hh[i].y)) {
			cell[i] = UINT32_MAX;
			continue;
		}
		cell[i] = cell_of(ix, hh[i].x, hh[i].y);
		ix->start[cell[i] + 1]++;
	}
	for (i = 0; i < ncells; i++)
		ix->start[i + 1] += ix->start[i];
	memcpy(fill, ix->start, sizeof(uint32_t) * (ncells + 1));
	for (i = 0; i < n; i++)
		if (cell[i] != UINT32_MAX)
			ix->order[fill[cell[i]]++] = (uint32_t)i;
	free(cell);
	free(fill);
	*out = ix;
	return 0;
nomem:
	free(cell);
	free(fill);
	geo_hindex_free(ix);
	return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
}

void
geo_hindex_free(geo_hindex *ix)
{
	if (ix == NULL)
		return;
	free(ix->start);
	free(ix->order);
	free(ix);
}

const geo_household *
geo_hindex_households(const geo_hindex *ix)
{
	return ix->hh;
}

size_t
geo_hindex_count(const geo_hindex *ix)
{
	return ix->n;
}

size_t
geo_hindex_bytes(const geo_hindex *ix)
{
	return sizeof *ix +
	       sizeof(uint32_t) * ((size_t)ix->nx * ix->ny + 1 +
	                           ix->start[(size_t)ix->nx * ix->ny]);
}

void
geo_hindex_get_grid(const geo_hindex *ix, geo_hindex_grid *g)
{
	g->ox = ix->ox;
	g->oy = ix->oy;
	g->cell = ix->cs;
	g->nx = ix->nx;
	g->ny = ix->ny;
	g->start = ix->start;
	g->order = ix->order;
}

static int
reserve(uint32_t **idx, size_t *cap, size_t need)
{
	uint32_t *p;
	size_t c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	p = realloc(*idx, c * sizeof *p);
	if (p == NULL)
		return GEO_ENOMEM;
	*idx = p;
	*cap = c;
	return 0;
}

/* Column / row range of cells meeting [lo, hi] (clamped); 0 if none. */
static int
cell_range(double lo, double hi, double o, double inv, uint32_t nmax,
           uint32_t *a, uint32_t *b)
{
	double fa = floor((lo - o) * inv), fb = floor((hi - o) * inv);

	if (!(fb >= 0) || !(fa < (double)nmax) || hi < lo)
		return 0;
	*a = fa < 0 ? 0 : (uint32_t)fa;
	*b = fb >= nmax ? nmax - 1 : (uint32_t)fb;
	return 1;
}

int
geo_hindex_box(const geo_hindex *ix, double minx, double miny, double maxx,
               double maxy, uint32_t **idx, size_t *n, size_t *cap)
{
	uint32_t c0, c1, r0, r1, r, c, k;

	if (!cell_range(minx, maxx, ix->ox, ix->inv, ix->nx, &c0, &c1) ||
	    !cell_range(miny, maxy, ix->oy, ix->inv, ix->ny, &r0, &r1))
		return 0;
	for (r = r0; r <= r1; r++)
		for (c = c0; c <= c1; c++) {
			size_t cl = (size_t)r * ix->nx + c;
			uint32_t lo = ix->start[cl], hi = ix->start[cl + 1];

			if (reserve(idx, cap, *n + (hi - lo)) != 0)
				return GEO_ENOMEM;
			for (k = lo; k < hi; k++) {
				const geo_household *h = &ix->hh[ix->order[k]];

				if (h->x >= minx && h->x <= maxx &&
				    h->y >= miny && h->y <= maxy)
					(*idx)[(*n)++] = ix->order[k];
			}
		}
	return 0;
}

int
geo_hindex_radius(const geo_hindex *ix, double x, double y, double r,
                  uint32_t **idx, size_t *n, size_t *cap)
{
	uint32_t c0, c1, r0, r1, row, c, k;
	double r2 = r * r;

	if (!(r >= 0) ||
	    !cell_range(x - r, x + r, ix->ox, ix->inv, ix->nx, &c0, &c1) ||
	    !cell_range(y - r, y + r, ix->oy, ix->inv, ix->ny, &r0, &r1))
		return 0;
	for (row = r0; row <= r1; row++)
		for (c = c0; c <= c1; c++) {
			size_t cl = (size_t)row * ix->nx + c;
			uint32_t lo = ix->start[cl], hi = ix->start[cl + 1];

			if (reserve(idx, cap, *n + (hi - lo)) != 0)
				return GEO_ENOMEM;
			for (k = lo; k < hi; k++) {
				const geo_household *h = &ix->hh[ix->order[k]];
				double dx = h->x - x, dy = h->y - y;

				if (dx * dx + dy * dy <= r2)
					(*idx)[(*n)++] = ix->order[k];
			}
		}
	return 0;
}

long
geo_hindex_nearest(const geo_hindex *ix, double x, double y, double max_m)
{
	long best = -1;
	double bd = max_m * max_m, ring;
	long cx, cy, rr, r, c, maxr;

	if (!isfinite(x) || !isfinite(y) || !(max_m >= 0))
		return -1;
	cx = (long)floor((x - ix->ox) * ix->inv);
	cy = (long)floor((y - ix->oy) * ix->inv);
	maxr = (long)ceil(max_m * ix->inv) + 1;
	if (maxr > (long)(ix->nx + ix->ny) + 2)
		maxr = (long)(ix->nx + ix->ny) + 2;
	/* expanding square rings of cells; stop once the ring is farther
	 * than the best found */
	for (rr = 0; rr <= maxr; rr++) {
		ring = ((double)rr - 1) * ix->cs;
		if (best >= 0 && ring > 0 && ring * ring > bd)
			break;
		for (r = cy - rr; r <= cy + rr; r++) {
			if (r < 0 || r >= (long)ix->ny)
				continue;
			for (c = cx - rr; c <= cx + rr; c++) {
				size_t cl;
				uint32_t k;

				if (c < 0 || c >= (long)ix->nx)
					continue;
				if (r != cy - rr && r != cy + rr &&
				    c != cx - rr && c != cx + rr)
					continue;
				cl = (size_t)r * ix->nx + (size_t)c;
				for (k = ix->start[cl]; k < ix->start[cl + 1];
				     k++) {
					const geo_household *h =
					    &ix->hh[ix->order[k]];
					double dx = h->x - x, dy = h->y - y;
					double d = dx * dx + dy * dy;

					if (d <= bd &&
					    (best < 0 || d < bd ||
					     ix->order[k] < (uint32_t)best)) {
						bd = d;
						best = ix->order[k];
					}
				}
			}
		}
	}
	return best;
}
