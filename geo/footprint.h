/*
 * geo/footprint.h - incident footprints: the area an incident covers.
 *
 * A footprint is built from one of the forms an incident report carries
 * (docs/protocol.md, HACKING.md "Incident report"):
 *   - a GeoJSON Polygon or MultiPolygon in WGS84 (text or jansson json_t);
 *   - a point (lon, lat) and a radius in metres: an exact circle in the
 *     metric CRS (containment is distance <= radius, not a polygonised
 *     buffer; a 64-segment buffer is used only for output and never makes a
 *     household 99 m from the centre of a 100 m circle fall outside);
 *   - a list of kelurahan codes or RW ids, looked up in a geo_areaset and
 *     unioned.
 * The boundary rule of geo/geo.h applies: on the boundary (within
 * GEO_BOUNDARY_TOL_M) is inside.
 *
 * A built footprint is plain memory (no GEOS objects, no reference to the
 * context), read-only and safe for concurrent readers. Free with
 * geo_footprint_free.
 */
#ifndef POSKO_GEO_FOOTPRINT_H
#define POSKO_GEO_FOOTPRINT_H

#include "geo/area.h"
#include "geo/geo.h"
#include "geo/hindex.h"

typedef struct geo_footprint geo_footprint;

typedef enum geo_footprint_kind {
	GEO_FP_POLYGON = 0, /* from GeoJSON geometry */
	GEO_FP_CIRCLE = 1,  /* point + radius */
	GEO_FP_AREAS = 2    /* union of kelurahan / RW */
} geo_footprint_kind;

/*
 * From GeoJSON text: a geometry object (Polygon / MultiPolygon), a Feature
 * holding one, or a FeatureCollection (union of its polygonal features).
 * Invalid geometry is repaired (a note goes to diag when given); a
 * footprint that is empty after repair is GEO_EEMPTY.
 */
int geo_footprint_from_geojson(geo_ctx *ctx, const char *text, size_t len,
                               geo_diag *diag, geo_footprint **out, char *err,
                               size_t errlen);

/* Same from a parsed jansson value (json_t *; declared void * so this
 * header does not pull jansson in). The value is not modified or kept. */
int geo_footprint_from_json(geo_ctx *ctx, const void *json, geo_diag *diag,
                            geo_footprint **out, char *err, size_t errlen);

/* From a GeoJSON file (as geo_footprint_from_geojson). */
int geo_footprint_from_file(geo_ctx *ctx, const char *path, geo_diag *diag,
                            geo_footprint **out, char *err, size_t errlen);

/* Circle of radius_m metres (> 0) around WGS84 (lon, lat). */
int geo_footprint_from_point(geo_ctx *ctx, double lon, double lat,
                             double radius_m, geo_footprint **out, char *err,
                             size_t errlen);

/*
 * Union of the areas named by keys[0..n) (kelurahan codes, dotted or not,
 * for a KELURAHAN set; RW ids for an RW set). An unknown key is an error
 * (GEO_EINVAL, err names it) - an incident must not silently shrink.
 */
int geo_footprint_from_areas(geo_ctx *ctx, const geo_areaset *as,
                             const char *const *keys, size_t n,
                             geo_footprint **out, char *err, size_t errlen);

void geo_footprint_free(geo_footprint *fp);

geo_footprint_kind geo_footprint_get_kind(const geo_footprint *fp);

/* Does the footprint contain metric point (x, y)? (boundary = inside) */
int geo_footprint_contains(const geo_footprint *fp, double x, double y);

/*
 * Households of the index inside the footprint: *idx_out gets a malloc'ed
 * array of household indexes (into the indexed array) in ascending order,
 * *n its length (0 with *idx_out NULL when none). Caller frees. Returns 0
 * or GEO_ENOMEM.
 */
int geo_footprint_households(const geo_footprint *fp, const geo_hindex *ix,
                             uint32_t **idx_out, size_t *n);

/* Area in square metres (metric CRS; exact pi r^2 for circles). */
double geo_footprint_area_m2(const geo_footprint *fp);

/* Metric bounding box. */
void geo_footprint_bbox(const geo_footprint *fp, double *minx, double *miny,
                        double *maxx, double *maxy);

/*
 * Back out in WGS84: WKT ("POLYGON ((lon lat, ...))" / "MULTIPOLYGON") or
 * a GeoJSON geometry object, as a malloc'ed string the caller frees.
 * Circles come out as a 64-segment polygon. NULL on error (err filled).
 */
char *geo_footprint_wkt(const geo_footprint *fp, geo_ctx *ctx, char *err,
                        size_t errlen);
char *geo_footprint_geojson(const geo_footprint *fp, geo_ctx *ctx, char *err,
                            size_t errlen);

#endif
