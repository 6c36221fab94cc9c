#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geo/geom.h"
#include "geo/gpkg.h"

/* ---- properties ------------------------------------------------------- */

json_t *
geo_prop_get(const json_t *props, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(props))
		return NULL;
	v = json_object_get(props, key);
	if (v != NULL)
		return v;
	json_object_foreach((json_t *)props, k,
	                    v) if (strcasecmp(k, key) == 0) return v;
	return NULL;
}

const char *
geo_prop_str(const json_t *props, const char *key, char *buf, size_t buflen)
{
	json_t *v = geo_prop_get(props, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, buflen, "%.17g", json_real_value(v));
		return buf;
	}
	return NULL;
}

/* ---- GEOS helpers ------------------------------------------------------- */

static void
geos_reason(geo_ctx *ctx, char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s%s%s", what, ctx->geos_err[0] ? ": " : "",
	         ctx->geos_err);
}

int
geo_geom_to_mpoly(geo_ctx *ctx, const GEOSGeometry *g, geo_mpoly *out)
{
	GEOSContextHandle_t h = ctx->geos;
	int np, i, j, nh, ty;
	uint32_t npts = 0, nrings = 0, ip = 0, ir = 0;

	memset(out, 0, sizeof *out);
	ty = GEOSGeomTypeId_r(h, g);
	if (ty != GEOS_POLYGON && ty != GEOS_MULTIPOLYGON)
		return GEO_EINVAL;
	np = GEOSGetNumGeometries_r(h, g);
	/* sizes first */
	for (i = 0; i < np; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);

		nh = GEOSGetNumInteriorRings_r(h, p);
		nrings += (uint32_t)nh + 1;
		npts += (uint32_t)GEOSGetNumCoordinates_r(h, p);
	}
	out->xy = malloc(2 * sizeof(double) * (npts ? npts : 1));
	out->ring = malloc(sizeof(uint32_t) * (nrings + 1));
	out->part = malloc(sizeof(uint32_t) * ((size_t)np + 1));
	if (out->xy == NULL || out->ring == NULL || out->part == NULL)
		goto nomem;
	out->minx = out->miny = INFINITY;
	out->maxx = out->maxy = -INFINITY;
	for (i = 0; i < np; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);

		out->part[i] = ir;
		nh = GEOSGetNumInteriorRings_r(h, p);
		for (j = -1; j < nh; j++) {
			const GEOSGeometry *r =
			    j < 0 ? GEOSGetExteriorRing_r(h, p)
			          : GEOSGetInteriorRingN_r(h, p, j);
			const GEOSCoordSequence *cs =
			    GEOSGeom_getCoordSeq_r(h, r);
			unsigned int sz = 0, k;

			GEOSCoordSeq_getSize_r(h, cs, &sz);
			out->ring[ir++] = ip;
			if (ip + sz > npts)
				goto nomem;
			GEOSCoordSeq_copyToBuffer_r(h, cs, out->xy + 2 * ip, 0,
			                            0);
			for (k = 0; k < sz; k++) {
				double x = out->xy[2 * (ip + k)];
				double y = out->xy[2 * (ip + k) + 1];

				out->minx = fmin(out->minx, x);
				out->maxx = fmax(out->maxx, x);
				out->miny = fmin(out->miny, y);
				out->maxy = fmax(out->maxy, y);
			}
			ip += sz;
		}
	}
	out->ring[ir] = ip;
	out->part[np] = ir;
	out->npts = ip;
	out->nrings = ir;
	out->nparts = (uint32_t)np;
	return 0;
nomem:
	geo_mpoly_free(out);
	return GEO_ENOMEM;
}

static GEOSGeometry *
ring_from(geo_ctx *ctx, const double *xy, uint32_t n)
{
	GEOSCoordSequence *cs;

	cs = GEOSCoordSeq_copyFromBuffer_r(ctx->geos, xy, n, 0, 0);
	if (cs == NULL)
		return NULL;
	return GEOSGeom_createLinearRing_r(ctx->geos, cs);
}

GEOSGeometry *
geo_geom_from_mpoly(geo_ctx *ctx, const geo_mpoly *p)
{
	GEOSContextHandle_t h = ctx->geos;
	GEOSGeometry **polys, **holes = NULL, *shell, *out = NULL;
	uint32_t i, k, nh;

	polys = calloc(p->nparts ? p->nparts : 1, sizeof *polys);
	holes = calloc(p->nrings ? p->nrings : 1, sizeof *holes);
	if (polys == NULL || holes == NULL)
		goto done;
	for (i = 0; i < p->nparts; i++) {
		uint32_t r0 = p->part[i], r1 = p->part[i + 1];

		shell = ring_from(ctx, p->xy + 2 * (size_t)p->ring[r0],
		                  p->ring[r0 + 1] - p->ring[r0]);
		if (shell == NULL)
			goto fail;
		nh = 0;
		for (k = r0 + 1; k < r1; k++) {
			holes[nh] =
			    ring_from(ctx, p->xy + 2 * (size_t)p->ring[k],
			              p->ring[k + 1] - p->ring[k]);
			if (holes[nh] == NULL) {
				while (nh > 0)
					GEOSGeom_destroy_r(h, holes[--nh]);
				GEOSGeom_destroy_r(h, shell);
				goto fail;
			}
			nh++;
		}
		polys[i] = GEOSGeom_createPolygon_r(h, shell, holes, nh);
		if (polys[i] == NULL)
			goto fail;
	}
	out =
	    GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, p->nparts);
	if (out != NULL)
		goto done;
fail:
	for (i = 0; i < p->nparts; i++)
		if (polys[i] != NULL)
			GEOSGeom_destroy_r(h, polys[i]);
done:
	free(polys);
	free(holes);
	return out;
}

/* Collect the polygons of g (any type) into *arr. */
static int
collect_polys(geo_ctx *ctx, const GEOSGeometry *g, GEOSGeometry ***arr,
              size_t *n, size_t *cap)
{
	GEOSContextHandle_t h = ctx->geos;
	int ty = GEOSGeomTypeId_r(h, g), i, ng;

	if (ty == GEOS_POLYGON) {
		if (GEOSisEmpty_r(h, g))
			return 0;
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 8;
			GEOSGeometry **a = realloc(*arr, c * sizeof *a);

			if (a == NULL)
				return GEO_ENOMEM;
			*arr = a;
			*cap = c;
		}
		(*arr)[*n] = GEOSGeom_clone_r(h, g);
		if ((*arr)[*n] == NULL)
			return GEO_EGEOS;
		(*n)++;
		return 0;
	}
	if (ty == GEOS_MULTIPOLYGON || ty == GEOS_GEOMETRYCOLLECTION) {
		ng = GEOSGetNumGeometries_r(h, g);
		for (i = 0; i < ng; i++) {
			int rc = collect_polys(ctx, GEOSGetGeometryN_r(h, g, i),
			                       arr, n, cap);
			if (rc != 0)
				return rc;
		}
	}
	return 0; /* points and lines carry no area: dropped */
}

/* GEOS says "Self-intersection[701709.85 9314561.46]" in metric
 * coordinates; an operator looks the place up in lon/lat. */
static void
valid_reason(geo_ctx *ctx, const char *reason, char *why, size_t whylen)
{
	const char *br = strchr(reason, '[');
	double x, y, lon, lat;

	if (br != NULL && sscanf(br, "[%lf %lf]", &x, &y) == 2 &&
	    geo_to_wgs84(ctx, x, y, &lon, &lat) == 0) {
		snprintf(why, whylen,
		         "invalid geometry (%.*s at lon %.7f lat "
		         "%.7f)",
		         (int)(br - reason), reason, lon, lat);
		return;
	}
	snprintf(why, whylen, "invalid geometry (%s)", reason);
}

int
geo_geom_fix(geo_ctx *ctx, GEOSGeometry **g, int *repaired, char *why,
             size_t whylen)
{
	GEOSContextHandle_t h = ctx->geos;
	GEOSGeometry *fixed = NULL, *out, **arr = NULL;
	size_t n = 0, cap = 0, i;
	char valid;
	int rc;

	*repaired = 0;
	ctx->geos_err[0] = '\0';
	valid = GEOSisValid_r(h, *g);
	if (valid == 2) {
		geos_reason(ctx, why, whylen, "validity check failed");
		return GEO_EGEOS;
	}
	if (!valid) {
		char *reason = GEOSisValidReason_r(h, *g);

		valid_reason(ctx, reason ? reason : "?", why, whylen);
		GEOSFree_r(h, reason);
		fixed = GEOSMakeValid_r(h, *g);
		if (fixed == NULL) {
			char tmp[200];

			snprintf(tmp, sizeof tmp, "%s", why);
			geos_reason(ctx, why, whylen, tmp);
			return GEO_EGEOS;
		}
		*repaired = 1;
	}
	rc = collect_polys(ctx, fixed ? fixed : *g, &arr, &n, &cap);
	if (fixed != NULL)
		GEOSGeom_destroy_r(h, fixed);
	if (rc != 0 || n == 0) {
		for (i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, arr[i]);
		free(arr);
		if (rc == 0) {
			size_t l = strlen(why);

			snprintf(why + l, whylen - l, "%sno area left%s",
			         l ? ", " : "",
			         *repaired ? " after repair" : "");
			return GEO_EEMPTY;
		}
		snprintf(why, whylen, "cannot extract polygons");
		return rc;
	}
	out =
	    GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, arr, (unsigned)n);
	free(arr);
	if (out == NULL) {
		geos_reason(ctx, why, whylen, "cannot build multipolygon");
		return GEO_EGEOS;
	}
	GEOSGeom_destroy_r(h, *g);
	*g = out;
	return 0;
}

/* ---- GeoJSON geometry -> GEOS (metric) ---------------------------------- */

typedef struct gjctx {
	geo_ctx *ctx;
	PJ *pj;    /* source -> metric */
	int wgs84; /* check lon/lat ranges */
	char *why;
	size_t whylen;
	int fixed_ring; /* a ring had to be closed */
} gjctx;

/*
 * Ring from n positions in xy (room for n + 1): the ring rules shared by
 * every input format. An unclosed ring is closed (and reported by the
 * caller as a repair); fewer than 4 positions is unusable. Consumes xy.
 */
static GEOSGeometry *
mk_ring(gjctx *c, double *xy, size_t n)
{
	GEOSGeometry *r;
	size_t i, m = n;

	for (i = 0; c->wgs84 && i < n; i++)
		if (!(fabs(xy[2 * i]) <= 180 && fabs(xy[2 * i + 1]) <= 90)) {
			snprintf(c->why, c->whylen,
			         "position %zu (%g, %g) is not WGS84 lon/lat",
			         i, xy[2 * i], xy[2 * i + 1]);
			goto fail;
		}
	if (n > 0 && (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1])) {
		xy[2 * n] = xy[0];
		xy[2 * n + 1] = xy[1];
		m = n + 1;
		c->fixed_ring = 1;
	}
	if (m < 4) {
		snprintf(c->why, c->whylen,
		         "ring with %zu positions, fewer than 4", n);
		goto fail;
	}
	if (geo_pj_fwd_n(c->pj, xy, m) != 0) {
		snprintf(c->why, c->whylen,
		         "coordinates cannot be projected to %s", c->ctx->crs);
		goto fail;
	}
	r = ring_from(c->ctx, xy, (uint32_t)m);
	if (r == NULL)
		geos_reason(c->ctx, c->why, c->whylen, "bad ring");
	free(xy);
	return r;
fail:
	free(xy);
	return NULL;
}

static GEOSGeometry *
gj_ring(gjctx *c, const json_t *arr)
{
	size_t n = json_array_size(arr), i;
	double *xy;

	if (!json_is_array(arr)) {
		snprintf(c->why, c->whylen, "ring is not an array");
		return NULL;
	}
	xy = malloc(2 * sizeof(double) * (n + 1));
	if (xy == NULL) {
		snprintf(c->why, c->whylen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const json_t *p = json_array_get(arr, i);

		if (json_array_size(p) < 2 ||
		    !json_is_number(json_array_get(p, 0)) ||
		    !json_is_number(json_array_get(p, 1))) {
			snprintf(c->why, c->whylen,
			         "position %zu is not [x, y]", i);
			free(xy);
			return NULL;
		}
		xy[2 * i] = json_number_value(json_array_get(p, 0));
		xy[2 * i + 1] = json_number_value(json_array_get(p, 1));
	}
	return mk_ring(c, xy, n);
}

static GEOSGeometry *
gj_polygon(gjctx *c, const json_t *rings)
{
	GEOSContextHandle_t h = c->ctx->geos;
	size_t n = json_array_size(rings), i;
	GEOSGeometry *shell, **holes, *p;

	if (!json_is_array(rings) || n == 0) {
		snprintf(c->why, c->whylen, "polygon without rings");
		return NULL;
	}
	shell = gj_ring(c, json_array_get(rings, 0));
	if (shell == NULL)
		return NULL;
	holes = calloc(n, sizeof *holes);
	if (holes == NULL) {
		GEOSGeom_destroy_r(h, shell);
		return NULL;
	}
	for (i = 1; i < n; i++) {
		holes[i - 1] = gj_ring(c, json_array_get(rings, i));
		if (holes[i - 1] == NULL) {
			while (--i > 0)
				GEOSGeom_destroy_r(h, holes[i - 1]);
			GEOSGeom_destroy_r(h, shell);
			free(holes);
			return NULL;
		}
	}
	p = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)(n - 1));
	free(holes);
	return p;
}

static GEOSGeometry *
gj_geometry(gjctx *c, const json_t *geom)
{
	GEOSContextHandle_t h = c->ctx->geos;
	const char *type = json_string_value(json_object_get(geom, "type"));
	const json_t *co = json_object_get(geom, "coordinates");
	GEOSGeometry **parts, *g;
	size_t n, i;

	if (!json_is_object(geom) || type == NULL) {
		snprintf(c->why, c->whylen, "no geometry");
		return NULL;
	}
	if (strcmp(type, "Polygon") == 0)
		return gj_polygon(c, co);
	if (strcmp(type, "MultiPolygon") != 0) {
		snprintf(c->why, c->whylen, "geometry type %s is not polygonal",
		         type);
		return NULL;
	}
	n = json_array_size(co);
	if (!json_is_array(co) || n == 0) {
		snprintf(c->why, c->whylen, "empty MultiPolygon");
		return NULL;
	}
	parts = calloc(n, sizeof *parts);
	if (parts == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		parts[i] = gj_polygon(c, json_array_get(co, i));
		if (parts[i] == NULL) {
			while (i-- > 0)
				GEOSGeom_destroy_r(h, parts[i]);
			free(parts);
			return NULL;
		}
	}
	g = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts,
	                                (unsigned)n);
	free(parts);
	return g;
}

/* ---- feature pipeline --------------------------------------------------- */

/* Geometry (metric GEOS) of feature f -> fix -> mpoly -> callback. Takes
 * ownership of g. */
static int
deliver(geo_ctx *ctx, GEOSGeometry *g, geo_feat *f, int fixed_ring,
        geo_feat_cb cb, void *ud, geo_diag *diag)
{
	char why[300] = "";
	int repaired = 0, rc;

	rc = geo_geom_fix(ctx, &g, &repaired, why, sizeof why);
	if (rc == GEO_ENOMEM) {
		GEOSGeom_destroy_r(ctx->geos, g);
		return rc;
	}
	if (rc != 0) {
		GEOSGeom_destroy_r(ctx->geos, g);
		return geo_diag_add(diag, GEO_DIAG_REJECT, f->index,
		                    "%s: feature %ld: %s", f->src, f->index,
		                    why);
	}
	if (repaired || fixed_ring) {
		rc = geo_diag_add(diag, GEO_DIAG_WARN, f->index,
		                  "%s: feature %ld: %s%s%s, repaired", f->src,
		                  f->index, fixed_ring ? "ring not closed" : "",
		                  fixed_ring && repaired ? "; " : "",
		                  repaired ? why : "");
		if (rc != 0)
			goto out;
	}
	f->repaired = repaired || fixed_ring;
	if (GEOSArea_r(ctx->geos, g, &f->area_m2) != 1)
		f->area_m2 = 0;
	rc = geo_geom_to_mpoly(ctx, g, &f->poly);
	if (rc != 0)
		goto out;
	rc = cb(ud, f, diag);
	geo_mpoly_free(&f->poly);
out:
	GEOSGeom_destroy_r(ctx->geos, g);
	return rc;
}

static int
gj_feature(gjctx *c, const json_t *geom, json_t *props, const char *name,
           long index, geo_feat_cb cb, void *ud, geo_diag *diag)
{
	GEOSGeometry *g;
	geo_feat f;
	json_t *empty = NULL;
	int rc;

	memset(&f, 0, sizeof f);
	f.src = name;
	f.index = index;
	if (!json_is_object(props)) {
		empty = json_object();
		if (empty == NULL)
			return GEO_ENOMEM;
		props = empty;
	}
	f.props = props;
	c->fixed_ring = 0;
	c->why[0] = '\0';
	c->ctx->geos_err[0] = '\0';
	g = json_is_null(geom) || geom == NULL ? NULL : gj_geometry(c, geom);
	if (g == NULL) {
		if (geom == NULL || json_is_null(geom))
			snprintf(c->why, c->whylen, "no geometry");
		else if (c->why[0] == '\0')
			geos_reason(c->ctx, c->why, c->whylen,
			            "cannot build geometry");
		rc = geo_diag_add(diag, GEO_DIAG_REJECT, index,
		                  "%s: feature %ld: %s", name, index, c->why);
	} else {
		rc = deliver(c->ctx, g, &f, c->fixed_ring, cb, ud, diag);
	}
	json_decref(empty);
	return rc;
}

static const char *
gj_crs(const json_t *root)
{
	const json_t *crs = json_object_get(root, "crs");

	return json_string_value(
	    json_object_get(json_object_get(crs, "properties"), "name"));
}

int
geo_features_read_json(geo_ctx *ctx, const json_t *root, const char *name,
                       geo_feat_cb cb, void *ud, geo_diag *diag, char *err,
                       size_t errlen)
{
	const char *type = json_string_value(json_object_get(root, "type"));
	const char *crs = gj_crs(root);
	char why[300];
	gjctx c = {ctx, ctx->to_metric, 1, why, sizeof why, 0};
	PJ *own = NULL;
	size_t i;
	int rc = 0;

	if (type == NULL)
		return geo_seterr(err, errlen, GEO_EFORMAT,
		                  "%s: not GeoJSON (no \"type\")", name);
	if (crs != NULL && !geo_crs_is_wgs84(crs)) {
		own = geo_ctx_transformer(ctx, crs, err, errlen);
		if (own == NULL)
			return GEO_EPROJ;
		c.pj = own;
		c.wgs84 = 0;
	}
	if (strcmp(type, "FeatureCollection") == 0) {
		const json_t *fs = json_object_get(root, "features");

		if (!json_is_array(fs)) {
			rc = geo_seterr(err, errlen, GEO_EFORMAT,
			                "%s: FeatureCollection without "
			                "features array",
			                name);
			goto out;
		}
		for (i = 0; i < json_array_size(fs) && rc == 0; i++) {
			const json_t *ft = json_array_get(fs, i);

			rc = gj_feature(&c, json_object_get(ft, "geometry"),
			                json_object_get(ft, "properties"), name,
			                (long)i, cb, ud, diag);
		}
	} else if (strcmp(type, "Feature") == 0) {
		rc = gj_feature(&c, json_object_get(root, "geometry"),
		                json_object_get(root, "properties"), name, 0,
		                cb, ud, diag);
	} else {
		rc = gj_feature(&c, root, NULL, name, 0, cb, ud, diag);
	}
	if (rc != 0 && err != NULL && err[0] == '\0')
		geo_seterr(err, errlen, rc, "%s: load aborted (code %d)", name,
		           rc);
out:
	if (own != NULL)
		proj_destroy(own);
	return rc;
}

int
geo_features_read_text(geo_ctx *ctx, const char *text, size_t len,
                       const char *name, geo_feat_cb cb, void *ud,
                       geo_diag *diag, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	root = json_loadb(text, len, 0, &je);
	if (root == NULL)
		return geo_seterr(err, errlen, GEO_EFORMAT, "%s: line %d: %s",
		                  name, je.line, je.text);
	rc = geo_features_read_json(ctx, root, name, cb, ud, diag, err, errlen);
	json_decref(root);
	return rc;
}

int
geo_is_sqlite_file(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char buf[16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return n == sizeof buf && memcmp(buf, magic, sizeof buf) == 0;
}

static int
read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return geo_seterr(err, errlen, GEO_EIO, "%s: cannot open: %m",
		                  path);
	for (;;) {
		if (cap - n < 65536) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return geo_seterr(err, errlen, GEO_ENOMEM,
				                  "%s: out of memory", path);
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return geo_seterr(err, errlen, GEO_EIO, "%s: read error", path);
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

/* ---- GeoPackage -----------------------------------------------------------
 */

typedef struct gpctx {
	geo_ctx *ctx;
	PJ *pj;
	int geographic;
	const char *src;
	GEOSWKBReader *rd;
	geo_feat_cb cb;
	void *ud;
	geo_diag *diag;
} gpctx;

static int
xy_cb(double *x, double *y, void *ud)
{
	const gpctx *g = ud;
	PJ_COORD c;

	if (g->geographic && !(fabs(*x) <= 180 && fabs(*y) <= 90))
		return 0;
	c = proj_trans(g->pj, PJ_FWD, proj_coord(*x, *y, 0, 0));

	if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || c.xy.x == HUGE_VAL)
		return 0;
	*x = c.xy.x;
	*y = c.xy.y;
	return 1;
}

/*
 * Own reader for polygonal WKB, used when GEOS's WKB reader refuses a
 * geometry (GEOS will not build an unclosed ring): rings then go through
 * mk_ring, so a GeoPackage gets the same repairs and the same reasons as
 * the same layer in GeoJSON.
 */
typedef struct wkbr {
	const uint8_t *p, *end;
} wkbr;

static int
wkb_u32(wkbr *r, int le, uint32_t *v)
{
	const uint8_t *p = r->p;

	if (r->end - p < 4)
		return -1;
	*v = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	              (uint32_t)p[3] << 24
	        : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	              (uint32_t)p[0] << 24;
	r->p += 4;
	return 0;
}

static int
wkb_f64(wkbr *r, int le, double *v)
{
	uint64_t u = 0;
	int i;

	if (r->end - r->p < 8)
		return -1;
	for (i = 0; i < 8; i++)
		u |= (uint64_t)r->p[le ? i : 7 - i] << (8 * i);
	memcpy(v, &u, sizeof *v);
	r->p += 8;
	return 0;
}

static int
wkb_header(wkbr *r, int *le, uint32_t *base, int *dims)
{
	uint32_t t;

	if (r->p >= r->end)
		return -1;
	*le = *r->p++ == 1;
	if (wkb_u32(r, *le, &t) != 0)
		return -1;
	*dims = 2 + ((t & 0x80000000u) != 0) + ((t & 0x40000000u) != 0);
	if (t & 0x20000000u)
		return -1; /* EWKB SRID: not GeoPackage */
	t &= 0x0fffffffu;
	if (t / 1000 == 1 || t / 1000 == 2)
		*dims = 3;
	else if (t / 1000 == 3)
		*dims = 4;
	*base = t % 1000;
	return 0;
}

static GEOSGeometry *
wkb_polygon(gjctx *c, wkbr *r, int le, int dims)
{
	GEOSContextHandle_t h = c->ctx->geos;
	GEOSGeometry **rings, *poly;
	uint32_t nr, np, i, j;
	int d;

	if (wkb_u32(r, le, &nr) != 0 || nr == 0 ||
	    nr > (uint32_t)(r->end - r->p) / 4) {
		snprintf(c->why, c->whylen, "bad WKB polygon");
		return NULL;
	}
	rings = calloc(nr, sizeof *rings);
	if (rings == NULL)
		return NULL;
	for (i = 0; i < nr; i++) {
		double *xy, skip;

		if (wkb_u32(r, le, &np) != 0 ||
		    np > (uint32_t)(r->end - r->p) / (8u * (uint32_t)dims))
			goto bad;
		xy = malloc(2 * sizeof(double) * ((size_t)np + 1));
		if (xy == NULL)
			goto fail;
		for (j = 0; j < np; j++) {
			wkb_f64(r, le, &xy[2 * j]);
			wkb_f64(r, le, &xy[2 * j + 1]);
			for (d = 2; d < dims; d++)
				wkb_f64(r, le, &skip);
		}
		rings[i] = mk_ring(c, xy, np);
		if (rings[i] == NULL)
			goto fail;
	}
	poly = GEOSGeom_createPolygon_r(h, rings[0], rings + 1, nr - 1);
	free(rings);
	return poly;
bad:
	snprintf(c->why, c->whylen, "bad WKB polygon");
fail:
	for (j = 0; j < nr; j++)
		if (rings[j] != NULL)
			GEOSGeom_destroy_r(h, rings[j]);
	free(rings);
	return NULL;
}

static GEOSGeometry *
wkb_geometry(gjctx *c, const uint8_t *wkb, size_t len)
{
	wkbr r = {wkb, wkb + len};
	GEOSGeometry **parts, *g;
	uint32_t base, n, i;
	int le, dims;

	if (wkb_header(&r, &le, &base, &dims) != 0) {
		snprintf(c->why, c->whylen, "bad WKB header");
		return NULL;
	}
	if (base == 3)
		return wkb_polygon(c, &r, le, dims);
	if (base != 6) {
		snprintf(c->why, c->whylen, "geometry type %u is not polygonal",
		         (unsigned)base);
		return NULL;
	}
	if (wkb_u32(&r, le, &n) != 0 || n == 0 ||
	    n > (uint32_t)(r.end - r.p) / 9) {
		snprintf(c->why, c->whylen, "bad WKB multipolygon");
		return NULL;
	}
	parts = calloc(n, sizeof *parts);
	if (parts == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (wkb_header(&r, &le, &base, &dims) != 0 || base != 3) {
			snprintf(c->why, c->whylen,
			         "bad WKB multipolygon part %u", (unsigned)i);
			parts[i] = NULL;
		} else {
			parts[i] = wkb_polygon(c, &r, le, dims);
		}
		if (parts[i] == NULL) {
			while (i-- > 0)
				GEOSGeom_destroy_r(c->ctx->geos, parts[i]);
			free(parts);
			return NULL;
		}
	}
	g = GEOSGeom_createCollection_r(c->ctx->geos, GEOS_MULTIPOLYGON, parts,
	                                n);
	free(parts);
	return g;
}

static int
gp_row(void *ud, long index, json_t *props, const uint8_t *blob, size_t len)
{
	gpctx *c = ud;
	GEOSGeometry *raw, *g;
	const uint8_t *wkb;
	size_t wlen;
	int empty;
	int32_t srs;
	char why[300];
	geo_feat f;
	int ty;

	if (blob == NULL)
		return geo_diag_add(c->diag, GEO_DIAG_REJECT, index,
		                    "%s: feature %ld: no geometry", c->src,
		                    index);
	if (geo_gpkg_blob(blob, len, &wkb, &wlen, &empty, &srs, why,
	                  sizeof why) != 0)
		return geo_diag_add(c->diag, GEO_DIAG_REJECT, index,
		                    "%s: feature %ld: %s", c->src, index, why);
	if (empty)
		return geo_diag_add(c->diag, GEO_DIAG_REJECT, index,
		                    "%s: feature %ld: empty geometry", c->src,
		                    index);
	memset(&f, 0, sizeof f);
	f.src = c->src;
	f.index = index;
	f.props = props;
	c->ctx->geos_err[0] = '\0';
	raw = GEOSWKBReader_read_r(c->ctx->geos, c->rd, wkb, wlen);
	if (raw == NULL) {
		/* GEOS refused it (unclosed or short ring...): decode it
		 * ourselves so the GeoJSON ring rules apply */
		gjctx gc = {c->ctx, c->pj, c->geographic, why, sizeof why, 0};

		why[0] = '\0';
		g = wkb_geometry(&gc, wkb, wlen);
		if (g == NULL) {
			if (why[0] == '\0')
				geos_reason(c->ctx, why, sizeof why, "bad WKB");
			return geo_diag_add(c->diag, GEO_DIAG_REJECT, index,
			                    "%s: feature %ld: %s", c->src,
			                    index, why);
		}
		return deliver(c->ctx, g, &f, gc.fixed_ring, c->cb, c->ud,
		               c->diag);
	}
	ty = GEOSGeomTypeId_r(c->ctx->geos, raw);
	if (ty != GEOS_POLYGON && ty != GEOS_MULTIPOLYGON) {
		char *tn = GEOSGeomType_r(c->ctx->geos, raw);

		snprintf(why, sizeof why, "geometry type %s is not polygonal",
		         tn ? tn : "?");
		GEOSFree_r(c->ctx->geos, tn);
		GEOSGeom_destroy_r(c->ctx->geos, raw);
		return geo_diag_add(c->diag, GEO_DIAG_REJECT, index,
		                    "%s: feature %ld: %s", c->src, index, why);
	}
	g = GEOSGeom_transformXY_r(c->ctx->geos, raw, xy_cb, c);
	GEOSGeom_destroy_r(c->ctx->geos, raw);
	if (g == NULL)
		return geo_diag_add(c->diag, GEO_DIAG_REJECT, index,
		                    "%s: feature %ld: coordinates cannot be "
		                    "projected to %s",
		                    c->src, index, c->ctx->crs);
	return deliver(c->ctx, g, &f, 0, c->cb, c->ud, c->diag);
}

static int
read_gpkg(geo_ctx *ctx, const char *path, const char *layer, geo_feat_cb cb,
          void *ud, geo_diag *diag, char *err, size_t errlen)
{
	geo_gpkg *g = NULL;
	geo_gpkg_layer *ls = NULL;
	size_t nl = 0, i;
	gpctx c = {ctx, NULL, 0, NULL, NULL, cb, ud, diag};
	char src[512];
	int rc;

	rc = geo_gpkg_open_layers(path, layer, &g, &ls, &nl, err, errlen);
	if (rc != 0)
		return rc;
	c.rd = GEOSWKBReader_create_r(ctx->geos);
	if (c.rd == NULL) {
		rc = geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
		goto out;
	}
	/* Check every layer's CRS before reading any: all or nothing. */
	for (i = 0; i < nl; i++)
		if (ls[i].crs == NULL) {
			rc = geo_seterr(err, errlen, GEO_EPROJ,
			                "%s: layer %s: srs_id %d has no usable "
			                "CRS definition",
			                path, ls[i].table, ls[i].srs_id);
			goto out;
		}
	for (i = 0; i < nl && rc == 0; i++) {
		snprintf(src, sizeof src, "%s:%s", path, ls[i].table);
		c.src = src;
		c.geographic = geo_crs_is_geographic(ctx, ls[i].crs);
		c.pj = geo_ctx_transformer(ctx, ls[i].crs, err, errlen);
		if (c.pj == NULL) {
			rc = GEO_EPROJ;
			break;
		}
		rc = geo_gpkg_scan(g, &ls[i], gp_row, &c, err, errlen);
		proj_destroy(c.pj);
	}
out:
	if (c.rd != NULL)
		GEOSWKBReader_destroy_r(ctx->geos, c.rd);
	geo_gpkg_layers_free(ls, nl);
	geo_gpkg_close(g);
	return rc;
}

int
geo_features_read(geo_ctx *ctx, const char *path, const char *layer,
                  geo_feat_cb cb, void *ud, geo_diag *diag, char *err,
                  size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc, sq;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	sq = geo_is_sqlite_file(path);
	if (sq < 0)
		return geo_seterr(err, errlen, GEO_EIO, "%s: cannot open: %m",
		                  path);
	if (sq)
		return read_gpkg(ctx, path, layer, cb, ud, diag, err, errlen);
	rc = read_file(path, &text, &len, err, errlen);
	if (rc != 0)
		return rc;
	rc = geo_features_read_text(ctx, text, len, path, cb, ud, diag, err,
	                            errlen);
	free(text);
	return rc;
}
