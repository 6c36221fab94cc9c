#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/footprint.h"
#include "geo/geom.h"

/* Footprint raster: up to 1M one-byte cells (about 15 m for a city). */
#define FP_MAX_CELLS (1u << 20)
#define FP_MIN_CELL_M 1.0
/* Segments of the polygon a circle is written out as (output only). */
#define CIRCLE_SEGMENTS 64
#define GEO_PI 3.14159265358979323846

enum { FP_OUT = 0, FP_IN = 1, FP_EDGE = 2 };

struct geo_footprint {
	geo_footprint_kind kind;
	double cx, cy, r; /* circle */
	geo_mpoly poly;   /* polygon / areas */
	geo_pipx ix;
	uint8_t *cell;
	double area_m2;
	double minx, miny, maxx, maxy;
};

void
geo_footprint_free(geo_footprint *fp)
{
	if (fp == NULL)
		return;
	geo_pipx_free(&fp->ix);
	geo_mpoly_free(&fp->poly);
	free(fp->cell);
	free(fp);
}

geo_footprint_kind
geo_footprint_get_kind(const geo_footprint *fp)
{
	return fp->kind;
}

double
geo_footprint_area_m2(const geo_footprint *fp)
{
	return fp->area_m2;
}

void
geo_footprint_bbox(const geo_footprint *fp, double *minx, double *miny,
                   double *maxx, double *maxy)
{
	*minx = fp->minx;
	*miny = fp->miny;
	*maxx = fp->maxx;
	*maxy = fp->maxy;
}

/* Raster of the (single) polygon: in / out / edge per cell. */
static int
fp_index(geo_footprint *fp)
{
	geo_cells cells;
	geo_grid g;
	size_t ncells, c;
	int rc;

	fp->minx = fp->poly.minx;
	fp->miny = fp->poly.miny;
	fp->maxx = fp->poly.maxx;
	fp->maxy = fp->poly.maxy;
	rc = geo_grid_init(&g, fp->minx, fp->miny, fp->maxx, fp->maxy, 0,
	                   FP_MIN_CELL_M, FP_MAX_CELLS);
	if (rc != 0)
		return rc;
	rc = geo_pipx_build(&fp->ix, &g, &fp->poly, 1, &cells);
	if (rc != 0)
		return rc;
	ncells = (size_t)g.nx * g.ny;
	fp->cell = calloc(ncells, 1);
	if (fp->cell == NULL) {
		geo_cells_free(&cells);
		return GEO_ENOMEM;
	}
	for (c = 0; c < ncells; c++)
		if (cells.off[c + 1] > cells.off[c])
			fp->cell[c] =
			    (cells.ent[cells.off[c]] & 1) ? FP_EDGE : FP_IN;
	geo_cells_free(&cells);
	return 0;
}

/* Take ownership of a fixed, metric GEOS geometry. */
static int
fp_from_geos(geo_ctx *ctx, GEOSGeometry *g, geo_footprint_kind kind,
             geo_footprint **out, char *err, size_t errlen)
{
	geo_footprint *fp = calloc(1, sizeof *fp);
	int rc;

	if (fp == NULL) {
		GEOSGeom_destroy_r(ctx->geos, g);
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	}
	fp->kind = kind;
	if (GEOSArea_r(ctx->geos, g, &fp->area_m2) != 1)
		fp->area_m2 = 0;
	rc = geo_geom_to_mpoly(ctx, g, &fp->poly);
	GEOSGeom_destroy_r(ctx->geos, g);
	if (rc == 0)
		rc = fp_index(fp);
	if (rc != 0) {
		geo_footprint_free(fp);
		return geo_seterr(err, errlen, rc, "cannot index footprint");
	}
	*out = fp;
	return 0;
}

/* Union of a list of metric GEOS polygons (consumed), fixed. */
static int
union_all(geo_ctx *ctx, GEOSGeometry **parts, size_t n, GEOSGeometry **out,
          char *err, size_t errlen)
{
	GEOSGeometry *coll, *u;
	char why[300] = "";
	int repaired, rc;

	if (n == 1) {
		u = parts[0];
	} else {
		coll = GEOSGeom_createCollection_r(
		    ctx->geos, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
		if (coll == NULL) {
			while (n > 0)
				GEOSGeom_destroy_r(ctx->geos, parts[--n]);
			return geo_seterr(err, errlen, GEO_EGEOS,
			                  "cannot collect footprint parts");
		}
		u = GEOSUnaryUnion_r(ctx->geos, coll);
		GEOSGeom_destroy_r(ctx->geos, coll);
		if (u == NULL)
			return geo_seterr(err, errlen, GEO_EGEOS,
			                  "cannot union footprint: %s",
			                  ctx->geos_err);
	}
	rc = geo_geom_fix(ctx, &u, &repaired, why, sizeof why);
	if (rc != 0) {
		GEOSGeom_destroy_r(ctx->geos, u);
		return geo_seterr(err, errlen, rc, "footprint: %s", why);
	}
	*out = u;
	return 0;
}

/* ---- from GeoJSON
 * ------------------------------------------------------------ */

typedef struct collect {
	geo_ctx *ctx;
	GEOSGeometry **g;
	size_t n, cap;
} collect;

static int
collect_feat(void *ud, geo_feat *f, geo_diag *diag)
{
	collect *c = ud;
	GEOSGeometry *g;

	(void)diag;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		GEOSGeometry **ng = realloc(c->g, cap * sizeof *ng);

		if (ng == NULL)
			return GEO_ENOMEM;
		c->g = ng;
		c->cap = cap;
	}
	g = geo_geom_from_mpoly(c->ctx, &f->poly);
	if (g == NULL)
		return GEO_EGEOS;
	c->g[c->n++] = g;
	return 0;
}

static int
fp_from_collected(geo_ctx *ctx, collect *c, int rc, geo_footprint_kind kind,
                  geo_footprint **out, char *err, size_t errlen)
{
	GEOSGeometry *u;
	size_t i;

	if (rc != 0) {
		for (i = 0; i < c->n; i++)
			GEOSGeom_destroy_r(ctx->geos, c->g[i]);
		free(c->g);
		if (err != NULL && errlen > 0 && err[0] == '\0')
			geo_seterr(err, errlen, rc, "cannot read footprint");
		return rc;
	}
	if (c->n == 0) {
		free(c->g);
		return geo_seterr(err, errlen, GEO_EEMPTY,
		                  "footprint has no usable polygon");
	}
	rc = union_all(ctx, c->g, c->n, &u, err, errlen);
	free(c->g);
	if (rc != 0)
		return rc;
	return fp_from_geos(ctx, u, kind, out, err, errlen);
}

int
geo_footprint_from_json(geo_ctx *ctx, const void *json, geo_diag *diag,
                        geo_footprint **out, char *err, size_t errlen)
{
	collect c = {ctx, NULL, 0, 0};
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	rc = geo_features_read_json(ctx, json, "footprint", collect_feat, &c,
	                            diag, err, errlen);
	return fp_from_collected(ctx, &c, rc, GEO_FP_POLYGON, out, err, errlen);
}

int
geo_footprint_from_geojson(geo_ctx *ctx, const char *text, size_t len,
                           geo_diag *diag, geo_footprint **out, char *err,
                           size_t errlen)
{
	collect c = {ctx, NULL, 0, 0};
	int rc;

	*out = NULL;
	rc = geo_features_read_text(ctx, text, len, "footprint", collect_feat,
	                            &c, diag, err, errlen);
	return fp_from_collected(ctx, &c, rc, GEO_FP_POLYGON, out, err, errlen);
}

int
geo_footprint_from_file(geo_ctx *ctx, const char *path, geo_diag *diag,
                        geo_footprint **out, char *err, size_t errlen)
{
	collect c = {ctx, NULL, 0, 0};
	int rc;

	*out = NULL;
	rc = geo_features_read(ctx, path, NULL, collect_feat, &c, diag, err,
	                       errlen);
	return fp_from_collected(ctx, &c, rc, GEO_FP_POLYGON, out, err, errlen);
}

int
geo_footprint_from_point(geo_ctx *ctx, double lon, double lat, double radius_m,
                         geo_footprint **out, char *err, size_t errlen)
{
	geo_footprint *fp;
	double x, y;

	*out = NULL;
	if (!(radius_m > 0) || !isfinite(radius_m))
		return geo_seterr(err, errlen, GEO_EINVAL,
		                  "radius must be a positive number of "
		                  "metres");
	if (geo_to_metric(ctx, lon, lat, &x, &y) != 0)
		return geo_seterr(err, errlen, GEO_EPROJ,
		                  "point (%g, %g) is not a WGS84 lon/lat "
		                  "PROJ can place",
		                  lon, lat);
	fp = calloc(1, sizeof *fp);
	if (fp == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	fp->kind = GEO_FP_CIRCLE;
	fp->cx = x;
	fp->cy = y;
	fp->r = radius_m;
	fp->area_m2 = GEO_PI * radius_m * radius_m;
	fp->minx = x - radius_m;
	fp->maxx = x + radius_m;
	fp->miny = y - radius_m;
	fp->maxy = y + radius_m;
	*out = fp;
	return 0;
}

int
geo_footprint_from_areas(geo_ctx *ctx, const geo_areaset *as,
                         const char *const *keys, size_t n, geo_footprint **out,
                         char *err, size_t errlen)
{
	GEOSGeometry **parts, *u;
	uint8_t *seen;
	size_t i, np = 0;
	int rc;

	*out = NULL;
	if (n == 0)
		return geo_seterr(err, errlen, GEO_EINVAL, "no area listed");
	parts = calloc(n, sizeof *parts);
	seen = calloc(geo_areaset_count(as) + 1, 1);
	if (parts == NULL || seen == NULL) {
		free(parts);
		free(seen);
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		long a = geo_areaset_find(as, keys[i]);

		if (a < 0) {
			rc = geo_seterr(
			    err, errlen, GEO_EINVAL, "unknown %s '%s'",
			    geo_areaset_kind(as) == GEO_AREA_RW ? "RW"
			                                        : "kelurahan",
			    keys[i] ? keys[i] : "");
			goto fail;
		}
		if (seen[a])
			continue;
		seen[a] = 1;
		parts[np] = geo_geom_from_mpoly(ctx, geo_areaset_poly(as, a));
		if (parts[np] == NULL) {
			rc = geo_seterr(err, errlen, GEO_EGEOS,
			                "cannot rebuild area '%s'", keys[i]);
			goto fail;
		}
		np++;
	}
	free(seen);
	rc = union_all(ctx, parts, np, &u, err, errlen);
	free(parts);
	if (rc != 0)
		return rc;
	return fp_from_geos(ctx, u, GEO_FP_AREAS, out, err, errlen);
fail:
	while (np > 0)
		GEOSGeom_destroy_r(ctx->geos, parts[--np]);
	free(parts);
	free(seen);
	return rc;
}

/* ---- queries
 * ----------------------------------------------------------------- */

int
geo_footprint_contains(const geo_footprint *fp, double x, double y)
{
	uint32_t col, row;
	uint8_t v;

	if (fp->kind == GEO_FP_CIRCLE) {
		double dx = x - fp->cx, dy = y - fp->cy;
		double r = fp->r + GEO_BOUNDARY_TOL_M;

		return dx * dx + dy * dy <= r * r;
	}
	if (!geo_grid_cell(&fp->ix.g, x, y, &col, &row))
		return 0;
	v = fp->cell[(size_t)row * fp->ix.g.nx + col];
	if (v != FP_EDGE)
		return v == FP_IN;
	return geo_pipx_contains_row(&fp->ix, 0, row, x, y);
}

/* How a household-index cell box relates to the footprint. */
static int
box_state(const geo_footprint *fp, double x0, double y0, double x1, double y1)
{
	long c0, c1, r0, r1, r, c;
	int seen_in = 0, seen_out = 0;

	if (fp->kind == GEO_FP_CIRCLE) {
		double r2 = fp->r * fp->r, rr, dx, dy;
		double fx = fmax(fabs(x0 - fp->cx), fabs(x1 - fp->cx));
		double fy = fmax(fabs(y0 - fp->cy), fabs(y1 - fp->cy));

		if (fx * fx + fy * fy <= r2)
			return FP_IN; /* farthest corner inside */
		dx = fp->cx < x0 ? x0 - fp->cx : fp->cx > x1 ? fp->cx - x1 : 0;
		dy = fp->cy < y0 ? y0 - fp->cy : fp->cy > y1 ? fp->cy - y1 : 0;
		rr = fp->r + 2 * GEO_BOUNDARY_TOL_M;
		return dx * dx + dy * dy > rr * rr ? FP_OUT : FP_EDGE;
	}
	c0 = geo_grid_col(&fp->ix.g, x0);
	c1 = geo_grid_col(&fp->ix.g, x1);
	r0 = geo_grid_row(&fp->ix.g, y0);
	r1 = geo_grid_row(&fp->ix.g, y1);
	if (c1 < 0 || r1 < 0 || c0 >= (long)fp->ix.g.nx ||
	    r0 >= (long)fp->ix.g.ny)
		return FP_OUT;
	if (c0 < 0 || r0 < 0 || c1 >= (long)fp->ix.g.nx ||
	    r1 >= (long)fp->ix.g.ny)
		seen_out = 1;
	c0 = c0 < 0 ? 0 : c0;
	r0 = r0 < 0 ? 0 : r0;
	c1 = c1 >= (long)fp->ix.g.nx ? (long)fp->ix.g.nx - 1 : c1;
	r1 = r1 >= (long)fp->ix.g.ny ? (long)fp->ix.g.ny - 1 : r1;
	for (r = r0; r <= r1; r++)
		for (c = c0; c <= c1; c++) {
			uint8_t v =
			    fp->cell[(size_t)r * fp->ix.g.nx + (size_t)c];

			if (v == FP_EDGE)
				return FP_EDGE;
			if (v == FP_IN)
				seen_in = 1;
			else
				seen_out = 1;
			if (seen_in && seen_out)
				return FP_EDGE;
		}
	return seen_in ? FP_IN : FP_OUT;
}

/* LSD radix sort of uint32 (three 11-bit digits). */
static int
radix_sort(uint32_t *v, size_t n)
{
	uint32_t *tmp, *src = v, *dst, *t;
	size_t cnt[2048], i;
	int pass;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof *tmp);
	if (tmp == NULL)
		return GEO_ENOMEM;
	dst = tmp;
	for (pass = 0; pass < 3; pass++) {
		unsigned sh = 11u * (unsigned)pass;
		size_t sum = 0;

		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[(src[i] >> sh) & 2047]++;
		for (i = 0; i < 2048; i++) {
			size_t c = cnt[i];

			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(src[i] >> sh) & 2047]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* three passes: the result is in tmp */
	memcpy(v, src, n * sizeof *v);
	free(tmp);
	return 0;
}

int
geo_footprint_households(const geo_footprint *fp, const geo_hindex *hix,
                         uint32_t **idx_out, size_t *n)
{
	const geo_household *hh = geo_hindex_households(hix);
	const double pad = 1e-6; /* rounding of the cell arithmetic */
	geo_hindex_grid g;
	uint32_t *idx = NULL;
	size_t cnt = 0, cap = 0;
	long c0, c1, r0, r1, r, c;
	double tol = GEO_BOUNDARY_TOL_M;

	*idx_out = NULL;
	*n = 0;
	geo_hindex_get_grid(hix, &g);
	c0 = (long)floor((fp->minx - tol - g.ox) / g.cell);
	c1 = (long)floor((fp->maxx + tol - g.ox) / g.cell);
	r0 = (long)floor((fp->miny - tol - g.oy) / g.cell);
	r1 = (long)floor((fp->maxy + tol - g.oy) / g.cell);
	c0 = c0 < 0 ? 0 : c0;
	r0 = r0 < 0 ? 0 : r0;
	c1 = c1 >= (long)g.nx ? (long)g.nx - 1 : c1;
	r1 = r1 >= (long)g.ny ? (long)g.ny - 1 : r1;
	for (r = r0; r <= r1; r++)
		for (c = c0; c <= c1; c++) {
			size_t cl = (size_t)r * g.nx + (size_t)c;
			uint32_t lo = g.start[cl], hi = g.start[cl + 1], k;
			double x0 = g.ox + (double)c * g.cell;
			double y0 = g.oy + (double)r * g.cell;
			int st;

			if (lo == hi)
				continue;
			st = box_state(fp, x0 - pad, y0 - pad,
			               x0 + g.cell + pad, y0 + g.cell + pad);
			if (st == FP_OUT)
				continue;
			if (cnt + (hi - lo) > cap) {
				size_t nc = cap ? cap * 2 : 4096;
				uint32_t *ni;

				while (nc < cnt + (hi - lo))
					nc *= 2;
				ni = realloc(idx, nc * sizeof *ni);
				if (ni == NULL) {
					free(idx);
					return GEO_ENOMEM;
				}
				idx = ni;
				cap = nc;
			}
			if (st == FP_IN) {
				memcpy(idx + cnt, g.order + lo,
				       (hi - lo) * sizeof *idx);
				cnt += hi - lo;
				continue;
			}
			for (k = lo; k < hi; k++) {
				const geo_household *h = &hh[g.order[k]];

				if (geo_footprint_contains(fp, h->x, h->y))
					idx[cnt++] = g.order[k];
			}
		}
	if (radix_sort(idx, cnt) != 0) {
		free(idx);
		return GEO_ENOMEM;
	}
	if (cnt == 0) {
		free(idx);
		idx = NULL;
	}
	*idx_out = idx;
	*n = cnt;
	return 0;
}

/* ---- output
 * ------------------------------------------------------------------ */

typedef struct sbuf {
	char *s;
	size_t n, cap;
	int fail;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (b->fail)
		return;
	va_start(ap, fmt);
	len = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0,
	                fmt, ap);
	va_end(ap);
	if (len < 0) {
		b->fail = 1;
		return;
	}
	if (b->s == NULL || b->n + (size_t)len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *ns;

		while (cap < b->n + (size_t)len + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (ns == NULL) {
			b->fail = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
		va_start(ap, fmt);
		vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t)len;
}

/* The footprint as WGS84 rings (circle: CIRCLE_SEGMENTS-gon). */
static int
wgs84_poly(const geo_footprint *fp, geo_ctx *ctx, geo_mpoly *out)
{
	int i;

	if (fp->kind != GEO_FP_CIRCLE) {
		if (geo_mpoly_copy(out, &fp->poly) != 0)
			return GEO_ENOMEM;
	} else {
		memset(out, 0, sizeof *out);
		out->xy = malloc(2 * sizeof(double) * (CIRCLE_SEGMENTS + 1));
		out->ring = malloc(2 * sizeof(uint32_t));
		out->part = malloc(2 * sizeof(uint32_t));
		if (out->xy == NULL || out->ring == NULL || out->part == NULL) {
			geo_mpoly_free(out);
			return GEO_ENOMEM;
		}
		/* counter-clockwise, as RFC 7946 wants exterior rings */
		for (i = 0; i <= CIRCLE_SEGMENTS; i++) {
			double a = 2 * GEO_PI * (i % CIRCLE_SEGMENTS) /
			           CIRCLE_SEGMENTS;

			out->xy[2 * i] = fp->cx + fp->r * cos(a);
			out->xy[2 * i + 1] = fp->cy + fp->r * sin(a);
		}
		out->ring[0] = 0;
		out->ring[1] = CIRCLE_SEGMENTS + 1;
		out->part[0] = 0;
		out->part[1] = 1;
		out->npts = CIRCLE_SEGMENTS + 1;
		out->nrings = out->nparts = 1;
	}
	if (geo_to_wgs84_n(ctx, out->xy, out->npts) != 0) {
		geo_mpoly_free(out);
		return GEO_EPROJ;
	}
	return 0;
}

static char *
write_out(const geo_footprint *fp, geo_ctx *ctx, int json, char *err,
          size_t errlen)
{
	geo_mpoly p;
	sbuf b = {0};
	uint32_t i, k, j;
	int rc = wgs84_poly(fp, ctx, &p);

	if (rc != 0) {
		geo_seterr(err, errlen, rc, "cannot transform footprint");
		return NULL;
	}
	if (json)
		sb_printf(&b, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
	else
		sb_printf(&b, "MULTIPOLYGON (");
	for (i = 0; i < p.nparts; i++) {
		sb_printf(&b, "%s%s", i ? "," : "", json ? "[" : "(");
		for (k = p.part[i]; k < p.part[i + 1]; k++) {
			sb_printf(&b, "%s%s", k > p.part[i] ? "," : "",
			          json ? "[" : "(");
			for (j = p.ring[k]; j < p.ring[k + 1]; j++)
				sb_printf(
				    &b, json ? "%s[%.8f,%.8f]" : "%s%.8f %.8f",
				    j > p.ring[k] ? (json ? "," : ", ") : "",
				    p.xy[2 * j], p.xy[2 * j + 1]);
			sb_printf(&b, json ? "]" : ")");
		}
		sb_printf(&b, json ? "]" : ")");
	}
	sb_printf(&b, json ? "]}" : ")");
	geo_mpoly_free(&p);
	if (b.fail) {
		free(b.s);
		geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
		return NULL;
	}
	return b.s;
}

char *
geo_footprint_wkt(const geo_footprint *fp, geo_ctx *ctx, char *err,
                  size_t errlen)
{
	return write_out(fp, ctx, 0, err, errlen);
}

char *
geo_footprint_geojson(const geo_footprint *fp, geo_ctx *ctx, char *err,
                      size_t errlen)
{
	return write_out(fp, ctx, 1, err, errlen);
}
