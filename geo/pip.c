#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/pip.h"

void
geo_mpoly_free(geo_mpoly *p)
{
	if (p == NULL)
		return;
	free(p->xy);
	free(p->ring);
	free(p->part);
	memset(p, 0, sizeof *p);
}

int
geo_mpoly_copy(geo_mpoly *dst, const geo_mpoly *src)
{
	*dst = *src;
	dst->xy = malloc(2 * sizeof(double) * (src->npts ? src->npts : 1));
	dst->ring = malloc(sizeof(uint32_t) * (src->nrings + 1));
	dst->part = malloc(sizeof(uint32_t) * (src->nparts + 1));
	if (dst->xy == NULL || dst->ring == NULL || dst->part == NULL) {
		free(dst->xy);
		free(dst->ring);
		free(dst->part);
		memset(dst, 0, sizeof *dst);
		return GEO_ENOMEM;
	}
	memcpy(dst->xy, src->xy, 2 * sizeof(double) * src->npts);
	memcpy(dst->ring, src->ring, sizeof(uint32_t) * (src->nrings + 1));
	memcpy(dst->part, src->part, sizeof(uint32_t) * (src->nparts + 1));
	return 0;
}

int
geo_grid_init(geo_grid *g, double minx, double miny, double maxx, double maxy,
              double cs, double min_cs, size_t max_cells)
{
	double w, h, nx, ny;

	if (!isfinite(minx) || !isfinite(miny) || !isfinite(maxx) ||
	    !isfinite(maxy) || maxx < minx || maxy < miny)
		return GEO_EINVAL;
	w = maxx - minx;
	h = maxy - miny;
	if (cs <= 0) {
		cs = sqrt((w * h) / (double)max_cells);
		/* thin extents: keep the longer side within the budget too */
		if (fmax(w, h) / cs > (double)max_cells / 4)
			cs = fmax(w, h) / ((double)max_cells / 4);
		if (cs < min_cs)
			cs = min_cs;
	}
	nx = floor(w / cs) + 3;
	ny = floor(h / cs) + 3;
	if (nx * ny > (double)max_cells * 1.5 + 64 || nx * ny > 2e9)
		return GEO_EINVAL;
	g->cs = cs;
	g->inv = 1.0 / cs;
	g->ox = minx - cs;
	g->oy = miny - cs;
	g->nx = (uint32_t)nx;
	g->ny = (uint32_t)ny;
	return 0;
}

/* ---- bands ------------------------------------------------------------ */

static void
edge_rows(const geo_grid *g, const double *e, long *r0, long *r1)
{
	*r0 = geo_grid_row(g, fmin(e[1], e[3]) - GEO_PIP_EPS);
	*r1 = geo_grid_row(g, fmax(e[1], e[3]) + GEO_PIP_EPS);
	if (*r0 < 0)
		*r0 = 0;
	if (*r1 >= (long)g->ny)
		*r1 = (long)g->ny - 1;
}

static int
build_band(geo_band *b, const geo_grid *g, const geo_mpoly *p)
{
	long r0, r1, er0, er1, r;
	uint32_t k, i;

	r0 = geo_grid_row(g, p->miny - GEO_PIP_EPS);
	r1 = geo_grid_row(g, p->maxy + GEO_PIP_EPS);
	if (r0 < 0)
		r0 = 0;
	if (r1 >= (long)g->ny)
		r1 = (long)g->ny - 1;
	if (r1 < r0 || p->npts == 0) {
		memset(b, 0, sizeof *b);
		b->off = calloc(1, sizeof(uint32_t));
		return b->off ? 0 : GEO_ENOMEM;
	}
	b->r0 = (uint32_t)r0;
	b->nrows = (uint32_t)(r1 - r0 + 1);
	b->off = calloc((size_t)b->nrows + 1, sizeof(uint32_t));
	if (b->off == NULL)
		return GEO_ENOMEM;
	/* count, prefix, fill: edges land in row order, ring order within */
	for (k = 0; k < p->nrings; k++)
		for (i = p->ring[k]; i + 1 < p->ring[k + 1]; i++) {
			edge_rows(g, p->xy + 2 * (size_t)i, &er0, &er1);
			for (r = er0; r <= er1; r++)
				b->off[r - r0 + 1]++;
		}
	for (r = 0; r < (long)b->nrows; r++)
		b->off[r + 1] += b->off[r];
	b->edges = malloc(sizeof(uint32_t) * (b->off[b->nrows] + 1));
	if (b->edges == NULL)
		return GEO_ENOMEM;
	{
		uint32_t *fill = malloc(sizeof(uint32_t) * b->nrows);

		if (fill == NULL)
			return GEO_ENOMEM;
		memcpy(fill, b->off, sizeof(uint32_t) * b->nrows);
		for (k = 0; k < p->nrings; k++)
			for (i = p->ring[k]; i + 1 < p->ring[k + 1]; i++) {
				edge_rows(g, p->xy + 2 * (size_t)i, &er0, &er1);
				for (r = er0; r <= er1; r++)
					b->edges[fill[r - r0]++] = i;
			}
		free(fill);
	}
	return 0;
}

/* ---- cell classification ----------------------------------------------- */

typedef struct pairbuf {
	uint64_t *v; /* (cell << 32) | (poly << 1) | partial */
	size_t n, cap;
} pairbuf;

static int
pair_push(pairbuf *pb, uint64_t v)
{
	if (pb->n == pb->cap) {
		size_t cap = pb->cap ? pb->cap * 2 : 4096;
		uint64_t *nv = realloc(pb->v, cap * sizeof *nv);

		if (nv == NULL)
			return GEO_ENOMEM;
		pb->v = nv;
		pb->cap = cap;
	}
	pb->v[pb->n++] = v;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Local window of the grid covering one polygon. */
typedef struct win {
	long c0, r0, w, h;
	uint8_t *m; /* 0 nothing, 1 partial, 2 full */
} win;

/* Mark every cell an edge passes within GEO_PIP_EPS of. */
static void
mark_edge(const geo_grid *g, win *wd, const double *e)
{
	double ax = e[0], ay = e[1], bx = e[2], by = e[3];
	long r, er0, er1, c0, c1, c;

	edge_rows(g, e, &er0, &er1);
	for (r = er0; r <= er1; r++) {
		double y0 = g->oy + (double)r * g->cs - GEO_PIP_EPS;
		double y1 = y0 + g->cs + 2 * GEO_PIP_EPS;
		double xa, xb;

		if (ay == by) {
			xa = fmin(ax, bx);
			xb = fmax(ax, bx);
		} else {
			double t0 = (y0 - ay) / (by - ay);
			double t1 = (y1 - ay) / (by - ay);
			double tl = fmax(0, fmin(t0, t1));
			double th = fmin(1, fmax(t0, t1));

			if (tl > th)
				continue;
			xa = ax + tl * (bx - ax);
			xb = ax + th * (bx - ax);
			if (xa > xb) {
				double t = xa;
				xa = xb;
				xb = t;
			}
		}
		c0 = geo_grid_col(g, xa - GEO_PIP_EPS);
		c1 = geo_grid_col(g, xb + GEO_PIP_EPS);
		if (c0 < wd->c0)
			c0 = wd->c0;
		if (c1 >= wd->c0 + wd->w)
			c1 = wd->c0 + wd->w - 1;
		if (r < wd->r0 || r >= wd->r0 + wd->h)
			continue;
		for (c = c0; c <= c1; c++)
			wd->m[(r - wd->r0) * wd->w + (c - wd->c0)] = 1;
	}
}

/* Fill the interior of row r: crossings of the row's centre line. */
static int
fill_row(const geo_pipx *ix, uint32_t p, win *wd, long r, double **xs,
         size_t *xcap)
{
	const geo_grid *g = &ix->g;
	const geo_band *b = &ix->bands[p];
	const double *v = ix->polys[p].xy;
	double y = g->oy + ((double)r + 0.5) * g->cs;
	uint32_t k, br;
	size_t nx = 0, i;
	long c, c0, c1;

	if ((uint32_t)r < b->r0 || (uint32_t)r - b->r0 >= b->nrows)
		return 0;
	br = (uint32_t)r - b->r0;
	for (k = b->off[br]; k < b->off[br + 1]; k++) {
		const double *e = v + 2 * (size_t)b->edges[k];

		if ((e[1] > y) == (e[3] > y))
			continue;
		if (nx == *xcap) {
			size_t cap = *xcap ? *xcap * 2 : 64;
			double *n = realloc(*xs, cap * sizeof *n);

			if (n == NULL)
				return GEO_ENOMEM;
			*xs = n;
			*xcap = cap;
		}
		(*xs)[nx++] = e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
	}
	if (nx > 1)
		qsort(*xs, nx, sizeof(double), cmp_double);
	for (i = 0; i + 1 < nx; i += 2) {
		/* columns whose centre lies in [xs[i], xs[i+1]] */
		c0 = (long)ceil(((*xs)[i] - g->ox) * g->inv - 0.5);
		c1 = (long)floor(((*xs)[i + 1] - g->ox) * g->inv - 0.5);
		if (c0 < wd->c0)
			c0 = wd->c0;
		if (c1 >= wd->c0 + wd->w)
			c1 = wd->c0 + wd->w - 1;
		for (c = c0; c <= c1; c++) {
			uint8_t *m =
			    &wd->m[(r - wd->r0) * wd->w + (c - wd->c0)];

			if (*m == 0)
				*m = 2;
		}
	}
	return 0;
}

static int
classify_poly(const geo_pipx *ix, uint32_t p, pairbuf *pb, double **xs,
              size_t *xcap)
{
	const geo_grid *g = &ix->g;
	const geo_mpoly *poly = &ix->polys[p];
	win wd;
	long c1, r1, r, c;
	uint32_t k, i;
	int rc = 0;

	if (poly->npts == 0)
		return 0;
	wd.c0 = geo_grid_col(g, poly->minx - GEO_PIP_EPS);
	c1 = geo_grid_col(g, poly->maxx + GEO_PIP_EPS);
	wd.r0 = geo_grid_row(g, poly->miny - GEO_PIP_EPS);
	r1 = geo_grid_row(g, poly->maxy + GEO_PIP_EPS);
	wd.c0 = wd.c0 < 0 ? 0 : wd.c0;
	wd.r0 = wd.r0 < 0 ? 0 : wd.r0;
	c1 = c1 >= (long)g->nx ? (long)g->nx - 1 : c1;
	r1 = r1 >= (long)g->ny ? (long)g->ny - 1 : r1;
	if (c1 < wd.c0 || r1 < wd.r0)
		return 0;
	wd.w = c1 - wd.c0 + 1;
	wd.h = r1 - wd.r0 + 1;
	wd.m = calloc((size_t)wd.w * (size_t)wd.h, 1);
	if (wd.m == NULL)
		return GEO_ENOMEM;
	for (k = 0; k < poly->nrings; k++)
		for (i = poly->ring[k]; i + 1 < poly->ring[k + 1]; i++)
			mark_edge(g, &wd, poly->xy + 2 * (size_t)i);
	for (r = wd.r0; r <= r1 && rc == 0; r++)
		rc = fill_row(ix, p, &wd, r, xs, xcap);
	for (r = 0; r < wd.h && rc == 0; r++)
		for (c = 0; c < wd.w && rc == 0; c++) {
			uint8_t m = wd.m[r * wd.w + c];
			uint64_t cell;

			if (m == 0)
				continue;
			cell = (uint64_t)(r + wd.r0) * g->nx +
			       (uint64_t)(c + wd.c0);
			rc = pair_push(pb, cell << 32 | (uint64_t)p << 1 |
			                       (m == 1));
		}
	free(wd.m);
	return rc;
}

static int
pairs_to_cells(const geo_grid *g, const pairbuf *pb, geo_cells *cells)
{
	size_t ncells = (size_t)g->nx * g->ny, i;
	uint32_t *fill;

	cells->off = calloc(ncells + 1, sizeof(uint32_t));
	cells->ent = malloc(sizeof(uint32_t) * (pb->n + 1));
	fill = malloc(sizeof(uint32_t) * (ncells + 1));
	if (cells->off == NULL || cells->ent == NULL || fill == NULL) {
		free(fill);
		geo_cells_free(cells);
		return GEO_ENOMEM;
	}
	for (i = 0; i < pb->n; i++)
		cells->off[(pb->v[i] >> 32) + 1]++;
	for (i = 0; i < ncells; i++)
		cells->off[i + 1] += cells->off[i];
	memcpy(fill, cells->off, sizeof(uint32_t) * (ncells + 1));
	/* stable: polygons were classified in ascending order */
	for (i = 0; i < pb->n; i++)
		cells->ent[fill[pb->v[i] >> 32]++] =
		    (uint32_t)(pb->v[i] & 0xffffffffu);
	free(fill);
	return 0;
}

int
geo_pipx_build(geo_pipx *ix, const geo_grid *g, const geo_mpoly *polys,
               size_t n, geo_cells *cells)
{
	pairbuf pb = {0};
	double *xs = NULL;
	size_t xcap = 0, i;
	int rc = 0;

	memset(ix, 0, sizeof *ix);
	if (cells != NULL)
		memset(cells, 0, sizeof *cells);
	if (n >= (1u << 31))
		return GEO_EINVAL;
	ix->g = *g;
	ix->polys = polys;
	ix->n = n;
	ix->bands = calloc(n ? n : 1, sizeof *ix->bands);
	if (ix->bands == NULL)
		return GEO_ENOMEM;
	for (i = 0; i < n && rc == 0; i++)
		rc = build_band(&ix->bands[i], g, &polys[i]);
	if (rc != 0 || cells == NULL)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = classify_poly(ix, (uint32_t)i, &pb, &xs, &xcap);
	if (rc == 0 && pb.n >= UINT32_MAX)
		rc = GEO_ENOMEM;
	if (rc == 0)
		rc = pairs_to_cells(g, &pb, cells);
out:
	free(pb.v);
	free(xs);
	if (rc != 0)
		geo_pipx_free(ix);
	return rc;
}

void
geo_pipx_free(geo_pipx *ix)
{
	size_t i;

	if (ix->bands != NULL)
		for (i = 0; i < ix->n; i++) {
			free(ix->bands[i].off);
			free(ix->bands[i].edges);
		}
	free(ix->bands);
	memset(ix, 0, sizeof *ix);
}

void
geo_cells_free(geo_cells *c)
{
	free(c->off);
	free(c->ent);
	c->off = c->ent = NULL;
}

size_t
geo_pipx_bytes(const geo_pipx *ix)
{
	size_t b = ix->n * sizeof *ix->bands, i;

	for (i = 0; i < ix->n; i++)
		b += sizeof(uint32_t) * ((size_t)ix->bands[i].nrows + 1 +
		                         ix->bands[i].off[ix->bands[i].nrows]);
	return b;
}

/* ---- sequence interning ------------------------------------------------- */

static uint32_t
seq_hash(const uint32_t *s, uint32_t len)
{
	uint32_t h = 2166136261u ^ len, i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 16777619u;
		h ^= h >> 15;
	}
	return h;
}

int
geo_seqtab_init(geo_seqtab *t)
{
	memset(t, 0, sizeof *t);
	t->capseq = 64;
	t->off = malloc(sizeof(uint32_t) * (t->capseq + 1));
	t->nslots = 256;
	t->slots = calloc(t->nslots, sizeof(uint32_t));
	if (t->off == NULL || t->slots == NULL) {
		geo_seqtab_free(t);
		return GEO_ENOMEM;
	}
	t->off[0] = 0;
	t->off[1] = 0; /* sequence 0: empty */
	t->nseq = 1;
	return 0;
}

static int
seq_eq(const geo_seqtab *t, uint32_t id, const uint32_t *s, uint32_t len)
{
	return t->off[id + 1] - t->off[id] == len &&
	       memcmp(t->data + t->off[id], s, len * sizeof *s) == 0;
}

static int
rehash(geo_seqtab *t)
{
	size_t ns = t->nslots * 2, i;
	uint32_t *sl = calloc(ns, sizeof *sl);

	if (sl == NULL)
		return GEO_ENOMEM;
	for (i = 1; i < t->nseq; i++) {
		size_t h =
		    seq_hash(t->data + t->off[i], t->off[i + 1] - t->off[i]) &
		    (ns - 1);

		while (sl[h] != 0)
			h = (h + 1) & (ns - 1);
		sl[h] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = sl;
	t->nslots = ns;
	return 0;
}

uint32_t
geo_seqtab_intern(geo_seqtab *t, const uint32_t *s, uint32_t len)
{
	size_t h;

	if (len == 0)
		return 0;
	h = seq_hash(s, len) & (t->nslots - 1);
	while (t->slots[h] != 0) {
		if (seq_eq(t, t->slots[h] - 1, s, len))
			return t->slots[h] - 1;
		h = (h + 1) & (t->nslots - 1);
	}
	if (t->nseq + 1 > t->capseq) {
		size_t cap = t->capseq * 2;
		uint32_t *o = realloc(t->off, sizeof(uint32_t) * (cap + 1));

		if (o == NULL)
			return UINT32_MAX;
		t->off = o;
		t->capseq = cap;
	}
	if (t->ndata + len > t->capdata) {
		size_t cap = t->capdata ? t->capdata * 2 : 1024;
		uint32_t *d;

		while (cap < t->ndata + len)
			cap *= 2;
		d = realloc(t->data, sizeof(uint32_t) * cap);
		if (d == NULL)
			return UINT32_MAX;
		t->data = d;
		t->capdata = cap;
	}
	memcpy(t->data + t->ndata, s, len * sizeof *s);
	t->ndata += len;
	t->slots[h] = (uint32_t)t->nseq + 1;
	t->off[t->nseq + 1] = (uint32_t)t->ndata;
	t->nseq++;
	if (t->nseq * 2 > t->nslots && rehash(t) != 0)
		return UINT32_MAX;
	return (uint32_t)t->nseq - 1;
}

void
geo_seqtab_seal(geo_seqtab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
}

void
geo_seqtab_free(geo_seqtab *t)
{
	free(t->data);
	free(t->off);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
