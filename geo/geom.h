/*
 * geo/geom.h - internal: reading polygonal features (GeoJSON, GeoPackage)
 * into validated metric polygons, and GEOS <-> geo_mpoly conversion.
 * Shared by zone.c, area.c, footprint.c. Not a public contract.
 */
#ifndef POSKO_GEO_GEOM_H
#define POSKO_GEO_GEOM_H

#include <jansson.h>

#include "geo/geo_int.h"
#include "geo/pip.h"

/* One feature handed to a loader callback. */
typedef struct geo_feat {
	const char *src; /* "file" or "file:layer", for messages */
	long index;      /* 0-based feature index in the file / layer */
	json_t *props;   /* borrowed; always an object (maybe empty) */
	geo_mpoly poly;  /* metric; the callback may take it (then it
	                    must zero the struct) */
	double area_m2;
	int repaired; /* 1 when GEOSMakeValid changed it */
} geo_feat;

/*
 * Called once per usable feature. Returns 0 to continue, or a negative
 * code to abort the whole load (only for fatal errors like ENOMEM; a
 * feature the callback does not want is reported by it to diag and 0 is
 * returned).
 */
typedef int (*geo_feat_cb)(void *ud, geo_feat *f, geo_diag *diag);

/*
 * Read every polygonal feature of a file (GeoPackage when the file starts
 * with the SQLite header, else GeoJSON); layer restricts a GeoPackage to
 * one table (NULL = every features table). Unusable geometries are
 * reported to diag (REJECT) and skipped; repaired ones reported (WARN) and
 * passed on. Returns 0, or a negative code when the file as a whole cannot
 * be read (then err is filled).
 */
int geo_features_read(geo_ctx *ctx, const char *path, const char *layer,
                      geo_feat_cb cb, void *ud, geo_diag *diag, char *err,
                      size_t errlen);
/* Same for GeoJSON text in memory; name stands for the file in messages. */
int geo_features_read_text(geo_ctx *ctx, const char *text, size_t len,
                           const char *name, geo_feat_cb cb, void *ud,
                           geo_diag *diag, char *err, size_t errlen);
/* Same for a parsed GeoJSON value (FeatureCollection, Feature, geometry). */
int geo_features_read_json(geo_ctx *ctx, const json_t *root, const char *name,
                           geo_feat_cb cb, void *ud, geo_diag *diag, char *err,
                           size_t errlen);

/* Is the file a SQLite database (GeoPackage candidate)? 1/0, -1 unreadable */
int geo_is_sqlite_file(const char *path);

/*
 * Make g (metric) valid and polygonal: repaired with GEOSMakeValid when
 * invalid (*repaired = 1, reason in why), polygonal parts extracted. On
 * success *g is replaced (old one destroyed). Returns 0 or a negative code
 * with the reason in why.
 */
int geo_geom_fix(geo_ctx *ctx, GEOSGeometry **g, int *repaired, char *why,
                 size_t whylen);

/* Polygon / MultiPolygon -> flat rings. 0 or negative (why). */
int geo_geom_to_mpoly(geo_ctx *ctx, const GEOSGeometry *g, geo_mpoly *out);
/* Flat rings -> GEOS MultiPolygon (caller destroys); NULL on failure. */
GEOSGeometry *geo_geom_from_mpoly(geo_ctx *ctx, const geo_mpoly *p);

/* String property (or number formatted), NULL when absent / null. The
 * returned pointer is valid until the next call with the same buf. */
const char *geo_prop_str(const json_t *props, const char *key, char *buf,
                         size_t buflen);
/* Case-insensitive object lookup (GIS tools change column case). */
json_t *geo_prop_get(const json_t *props, const char *key);

/* Polygon of area i of an area set (area.c), for footprints. */
struct geo_areaset;
const geo_mpoly *geo_areaset_poly(const struct geo_areaset *as, size_t i);

#endif
