/*
 * geo/geo_int.h - internals shared by the geo library sources. Not for use
 * outside geo/ (no stability promise).
 */
#ifndef POSKO_GEO_GEO_INT_H
#define POSKO_GEO_GEO_INT_H

#include <geos_c.h>
#include <proj.h>

#include "geo/geo.h"

struct geo_ctx {
	GEOSContextHandle_t geos;
	PJ_CONTEXT *pj;
	PJ *to_metric; /* WGS84 lon/lat -> metric x/y (PJ_FWD), back (PJ_INV) */
	char crs[128];
	char geos_err[256]; /* last GEOS error/notice, for messages */
};

/* A transformation from crs (anything proj_create accepts) to the metric
 * CRS, lon/lat axis order for geographic sources. NULL + err on failure.
 * Free with proj_destroy. */
PJ *geo_ctx_transformer(geo_ctx *ctx, const char *crs, char *err,
                        size_t errlen);

/* Is this CRS string WGS84 lon/lat (so the context's own transformer
 * applies)? Recognises EPSG:4326, OGC CRS84 and their URN forms. */
int geo_crs_is_wgs84(const char *crs);

/* Is crs a geographic (degrees) CRS? 1 / 0 (unknown counts as 0). */
int geo_crs_is_geographic(geo_ctx *ctx, const char *crs);

/* Transform xy[0..2n) in place with P (PJ_FWD). 0 or GEO_EPROJ. */
int geo_pj_fwd_n(PJ *P, double *xy, size_t n);

/* strdup that tolerates NULL (returns "" copy). */
char *geo_strdup(const char *s);
/* Case-insensitive ASCII compare of s (trimmed of blanks) with word. */
int geo_word_eq(const char *s, const char *word);
/* Basename of a path (pointer into it). */
const char *geo_basename(const char *path);

#endif
