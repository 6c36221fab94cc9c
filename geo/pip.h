/*
 * geo/pip.h - internal: polygons in the metric CRS and the raster index
 * that makes point-in-polygon O(1) for most points. Used by zone.c,
 * area.c and footprint.c. Not part of the library's public contract.
 *
 * The index lays a uniform grid over the polygons. At build, every cell is
 * classified per polygon: "partial" when an edge passes within eps of the
 * cell (eps >= GEO_BOUNDARY_TOL_M), "full" when the cell is wholly inside,
 * nothing otherwise. A cell that no edge touches is wholly inside or wholly
 * outside, so testing its centre decides it. Each polygon also gets a row
 * band index: for every grid row, the edges whose y-range (widened by eps)
 * meets the row. An exact test then only looks at the few edges of the
 * point's row instead of the whole polygon.
 */
#ifndef POSKO_GEO_PIP_H
#define POSKO_GEO_PIP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

/* Band and partial-cell widening: a bit more than the boundary tolerance so
 * that rounding in the cell arithmetic never drops an edge. */
#define GEO_PIP_EPS (2.0 * GEO_BOUNDARY_TOL_M)

/*
 * One polygonal feature (Polygon or MultiPolygon, holes included) as flat
 * rings. Even-odd over all rings equals containment for valid geometry.
 */
typedef struct geo_mpoly {
	double *xy;     /* vertices x0,y0,x1,y1...; each ring closed */
	uint32_t *ring; /* nrings + 1 start offsets, in points */
	uint32_t *part; /* nparts + 1 start offsets, in rings; the first
	                   ring of a part is its shell, the others holes */
	uint32_t npts, nrings, nparts;
	double minx, miny, maxx, maxy;
} geo_mpoly;

void geo_mpoly_free(geo_mpoly *p);
/* Deep copy; 0 or GEO_ENOMEM. */
int geo_mpoly_copy(geo_mpoly *dst, const geo_mpoly *src);

typedef struct geo_grid {
	double ox, oy;  /* min corner */
	double cs, inv; /* cell size and 1 / cs */
	uint32_t nx, ny;
} geo_grid;

/*
 * Grid over [minx,maxx]x[miny,maxy] widened by one cell. cs = 0: chosen so
 * that nx*ny <= max_cells and cs >= min_cs. Returns 0 or GEO_EINVAL
 * (non-finite box, or too many cells for the given cs).
 */
int geo_grid_init(geo_grid *g, double minx, double miny, double maxx,
                  double maxy, double cs, double min_cs, size_t max_cells);

/* Cell of (x, y): 1 and *col, *row when inside the grid, else 0. */
static inline int
geo_grid_cell(const geo_grid *g, double x, double y, uint32_t *col,
              uint32_t *row)
{
	double fx = (x - g->ox) * g->inv, fy = (y - g->oy) * g->inv;

	/* written so that NaN fails the test */
	if (!(fx >= 0 && fx < (double)g->nx && fy >= 0 && fy < (double)g->ny))
		return 0;
	*col = (uint32_t)fx;
	*row = (uint32_t)fy;
	return 1;
}

/* Row of y clamped to [-1, ny] (for range computations). */
static inline long
geo_grid_row(const geo_grid *g, double y)
{
	double f = floor((y - g->oy) * g->inv);

	if (!(f >= 0))
		return -1;
	if (f >= (double)g->ny)
		return (long)g->ny;
	return (long)f;
}

static inline long
geo_grid_col(const geo_grid *g, double x)
{
	double f = floor((x - g->ox) * g->inv);

	if (!(f >= 0))
		return -1;
	if (f >= (double)g->nx)
		return (long)g->nx;
	return (long)f;
}

typedef struct geo_band {
	uint32_t r0, nrows; /* rows r0 .. r0+nrows-1 */
	uint32_t *off;      /* nrows + 1 offsets into edges */
	uint32_t *edges;    /* point index of each edge's first vertex */
} geo_band;

typedef struct geo_pipx {
	geo_grid g;
	const geo_mpoly *polys; /* not owned */
	size_t n;
	geo_band *bands; /* one per polygon */
} geo_pipx;

/*
 * Per-cell polygon lists produced by the build (CSR): the entries of cell c
 * are ent[off[c] .. off[c+1]), each (poly << 1) | partial, ascending poly.
 * Temporary: the caller derives its own cell encoding and frees it.
 */
typedef struct geo_cells {
	uint32_t *off; /* nx*ny + 1 */
	uint32_t *ent;
} geo_cells;

/*
 * Build bands for polys[0..n) on grid g; when cells is non-NULL also the
 * per-cell lists. polys must stay alive and unchanged while ix is used.
 * n must be < 2^31. 0 or GEO_ENOMEM / GEO_EINVAL.
 */
int geo_pipx_build(geo_pipx *ix, const geo_grid *g, const geo_mpoly *polys,
                   size_t n, geo_cells *cells);
void geo_pipx_free(geo_pipx *ix);
void geo_cells_free(geo_cells *c);
size_t geo_pipx_bytes(const geo_pipx *ix);

/*
 * Is (x, y) in polygon p (boundary within GEO_BOUNDARY_TOL_M = inside)?
 * row is the grid row of y (from geo_grid_cell); a point outside the grid
 * is outside every polygon and must not be asked.
 */
static inline int
geo_pipx_contains_row(const geo_pipx *ix, uint32_t p, uint32_t row, double x,
                      double y)
{
	const geo_band *b = &ix->bands[p];
	const double *v = ix->polys[p].xy;
	const double tol = GEO_BOUNDARY_TOL_M;
	uint32_t k, r, end;
	int in = 0;

	if (row < b->r0 || row - b->r0 >= b->nrows)
		return 0;
	r = row - b->r0;
	end = b->off[r + 1];
	for (k = b->off[r]; k < end; k++) {
		const double *e = v + 2 * (size_t)b->edges[k];
		double ax = e[0], ay = e[1], bx = e[2], by = e[3];
		double ylo = ay < by ? ay : by, yhi = ay < by ? by : ay;

		/* most edges of a row band are above or below the point:
		 * they can neither cross its ray nor touch it */
		if (y < ylo - tol || y > yhi + tol)
			continue;
		/* boundary rule: within tol of the edge counts as inside */
		if (x >= (ax < bx ? ax : bx) - tol &&
		    x <= (ax < bx ? bx : ax) + tol) {
			double dx = bx - ax, dy = by - ay;
			double l2 = dx * dx + dy * dy;
			double t =
			    l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
			double px, py;

			t = t < 0 ? 0 : t > 1 ? 1 : t;
			px = ax + t * dx - x;
			py = ay + t * dy - y;
			if (px * px + py * py <= tol * tol)
				return 1;
		}
		/* crossing number, half-open in y so shared vertices count
		 * once */
		if ((ay > y) != (by > y) &&
		    x < ax + (y - ay) * (bx - ax) / (by - ay))
			in ^= 1;
	}
	return in;
}

static inline int
geo_pipx_contains(const geo_pipx *ix, uint32_t p, double x, double y)
{
	uint32_t col, row;

	if (!geo_grid_cell(&ix->g, x, y, &col, &row))
		return 0;
	return geo_pipx_contains_row(ix, p, row, x, y);
}

/*
 * Interning of uint32 sequences (candidate lists shared by many cells).
 * id 0 is the empty sequence. Sequences are stored in `data`, sequence i
 * is data[off[i] .. off[i+1]).
 */
typedef struct geo_seqtab {
	uint32_t *data;
	size_t ndata, capdata;
	uint32_t *off; /* nseq + 1 */
	size_t nseq, capseq;
	uint32_t *slots; /* hash slots: seq id + 1, 0 empty */
	size_t nslots;
} geo_seqtab;

int geo_seqtab_init(geo_seqtab *t);
/* id of the sequence (added when new), or UINT32_MAX on out of memory. */
uint32_t geo_seqtab_intern(geo_seqtab *t, const uint32_t *s, uint32_t len);
/* Drop the hash (keep data/off) once building is over. */
void geo_seqtab_seal(geo_seqtab *t);
void geo_seqtab_free(geo_seqtab *t);

#endif
