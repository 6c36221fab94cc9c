/*
 * geo/gpkg.h - internal: minimal OGC GeoPackage reader (sqlite3).
 *
 * Reads gpkg_contents / gpkg_geometry_columns / gpkg_spatial_ref_sys,
 * scans a features table row by row, and decodes the GeoPackage geometry
 * blob header (magic "GP", version, flags, srs_id, envelope) down to its
 * WKB. The only sqlite user in geo/.
 */
#ifndef POSKO_GEO_GPKG_H
#define POSKO_GEO_GPKG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct geo_gpkg geo_gpkg;

typedef struct geo_gpkg_layer {
	char *table;     /* features table name */
	char *geom_col;  /* geometry column */
	char *geom_type; /* POINT, POLYGON, MULTIPOLYGON, GEOMETRY... */
	int srs_id;
	char *crs; /* "EPSG:4326", a WKT definition, or NULL (srs -1) */
} geo_gpkg_layer;

/* Open read-only and check it has gpkg_contents. 0 or GEO_EIO/EFORMAT. */
int geo_gpkg_open(const char *path, geo_gpkg **out, char *err, size_t errlen);
void geo_gpkg_close(geo_gpkg *g);

/* Features layers (data_type 'features'), in gpkg_contents order; only
 * `only` when non-NULL (error GEO_EFORMAT if absent). Free with
 * geo_gpkg_layers_free. */
int geo_gpkg_layers(geo_gpkg *g, const char *only, geo_gpkg_layer **out,
                    size_t *n, char *err, size_t errlen);
void geo_gpkg_layers_free(geo_gpkg_layer *l, size_t n);

/* geo_gpkg_open, then geo_gpkg_layers(only): what a reader does first.
 * On failure nothing is left open and *g, *out are NULL. */
int geo_gpkg_open_layers(const char *path, const char *only, geo_gpkg **g,
                         geo_gpkg_layer **out, size_t *n, char *err,
                         size_t errlen);

/* Per row: index (0-based scan position), attributes (borrowed object of
 * every non-geometry column), geometry blob (NULL when SQL NULL). Return
 * nonzero to stop (that value is returned by geo_gpkg_scan). */
typedef int (*geo_gpkg_row_cb)(void *ud, long index, json_t *props,
                               const uint8_t *blob, size_t len);

int geo_gpkg_scan(geo_gpkg *g, const geo_gpkg_layer *l, geo_gpkg_row_cb cb,
                  void *ud, char *err, size_t errlen);

/*
 * Strip the GeoPackage geometry header: *wkb and *wkblen the WKB that follows,
 * *empty set from the empty-geometry flag, *srs_id from the header.
 * 0, or GEO_EFORMAT with the reason in why.
 */
int geo_gpkg_blob(const uint8_t *blob, size_t len, const uint8_t **wkb,
                  size_t *wkblen, int *empty, int32_t *srs_id, char *why,
                  size_t whylen);

/* Decode a WKB Point (2D/Z/M/ZM, ISO or EWKB flags) or a MultiPoint of one
 * point into x, y. 0 or GEO_EFORMAT (why). */
int geo_wkb_point(const uint8_t *wkb, size_t len, double *x, double *y,
                  char *why, size_t whylen);

#endif
