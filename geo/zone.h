/*
 * geo/zone.h - flood and fire risk zones and household exposure.
 *
 * A geo_zoneset holds the risk zones of both hazards in the metric CRS and
 * answers "what is the highest flood / fire class at this point" in O(1)
 * for almost every point: the zones are rasterised once, at build, onto a
 * fine grid whose cells are either wholly inside a known set of zones,
 * wholly outside, or on a boundary; only points in boundary cells get an
 * exact point-in-polygon test against the few zones crossing that cell.
 *
 * Life cycle:
 *   geo_zoneset *zs = geo_zoneset_new();
 *   geo_zoneset_add_file(zs, ctx, "flood.geojson", GEO_HAZARD_ANY, &diag,..);
 *   geo_zoneset_add_file(zs, ctx, "fire.gpkg", GEO_FIRE, &diag, ...);
 *   geo_zoneset_build(zs, err, errlen);      -> read-only from here on
 *   ... queries (thread-safe, no context needed) ...
 *   geo_zoneset_free(zs);
 * or geo_zoneset_load() which does all of that for a list of files.
 *
 * Reload: load into a new set; on success the caller swaps pointers and
 * frees the old set; on error the old set is untouched and stays in use.
 *
 * Inputs:
 *  - GeoJSON FeatureCollection (or a single Feature). Properties: hazard
 *    (flood|fire|banjir|kebakaran), class (low|medium|high|rendah|sedang|
 *    tinggi), optional id (string or number), name, depth_cm. Geometry
 *    Polygon or MultiPolygon, with holes. CRS: RFC 7946 WGS84, or the
 *    legacy "crs" member naming any CRS PROJ knows.
 *  - GeoPackage (.gpkg): every features layer with a polygon geometry
 *    column (or only `layer` when given through geo_zoneset_add_gpkg); the
 *    layer's srs_id is honoured; hazard/class/id/name/depth_cm columns as
 *    above.
 * A feature's hazard comes from its property; when that is missing the
 * `hazard` argument is used (GEO_HAZARD_ANY: the feature is rejected).
 *
 * Per feature: an invalid polygon (self-intersection, bow-tie, ring not
 * closed...) is repaired with GEOSMakeValid and reported (GEO_DIAG_WARN,
 * "file: feature 12: invalid geometry (Self-intersection at ...), repaired");
 * a feature that cannot be used (no geometry, not polygonal, bad class,
 * empty after repair, coordinates PROJ rejects) is reported
 * (GEO_DIAG_REJECT, "file: feature 7: reason") and skipped. Feature indexes
 * are 0-based positions in the file's features array / layer rows.
 *
 * Boundary rule: see geo/geo.h (boundary and GEO_BOUNDARY_TOL_M count as
 * inside; on a line shared by two classes the higher wins).
 */
#ifndef POSKO_GEO_ZONE_H
#define POSKO_GEO_ZONE_H

#include "geo/geo.h"
#include "geo/points.h"

typedef struct geo_zoneset geo_zoneset;

/* One zone's attributes. Strings are owned by the set. */
typedef struct geo_zone {
	const char *id;   /* from the file, or "<file>#<index>" */
	const char *name; /* "" when absent */
	const char *file; /* path it was loaded from */
	long feature;     /* feature index in that file */
	geo_hazard hazard;
	geo_class cls;
	int depth_cm;                  /* -1 when absent */
	double area_m2;                /* after repair, in the metric CRS */
	double minx, miny, maxx, maxy; /* metric bounding box */
} geo_zone;

/* An empty, unbuilt set. NULL on out of memory. */
geo_zoneset *geo_zoneset_new(void);
void geo_zoneset_free(geo_zoneset *zs);

/*
 * Add the zones of one file (format by content: GeoPackage if it starts
 * with the SQLite header, else GeoJSON). All or nothing per file: if the
 * file cannot be read or parsed as a whole, returns a negative code, fills
 * err, and the set is unchanged. Feature-level problems go to diag. Returns
 * the number of zones added (>= 0) on success; a file with no usable
 * feature adds 0 and is not an error (it is reported in diag). Only before
 * geo_zoneset_build.
 */
int geo_zoneset_add_file(geo_zoneset *zs, geo_ctx *ctx, const char *path,
                         geo_hazard hazard, geo_diag *diag, char *err,
                         size_t errlen);

/* GeoJSON from memory; `name` is used in messages in place of a path. */
int geo_zoneset_add_geojson(geo_zoneset *zs, geo_ctx *ctx, const char *text,
                            size_t len, const char *name, geo_hazard hazard,
                            geo_diag *diag, char *err, size_t errlen);

/* One GeoPackage layer (layer NULL = every polygon features layer). */
int geo_zoneset_add_gpkg(geo_zoneset *zs, geo_ctx *ctx, const char *path,
                         const char *layer, geo_hazard hazard, geo_diag *diag,
                         char *err, size_t errlen);

/*
 * Build the query structures. cell_m: raster cell size in metres, 0 = auto
 * (about 20 m for a Jakarta-sized extent, larger when the extent is huge,
 * keeping the raster under ~16 MB). After this the set is read-only; adding
 * is an error (GEO_EINVAL). An empty set builds fine (everything is
 * GEO_NONE).
 */
int geo_zoneset_build(geo_zoneset *zs, double cell_m, char *err, size_t errlen);

/*
 * Convenience: new + add_file for each path (hazard from the data, each
 * file's hazard taken from hazards[i] when hazards is non-NULL) + build.
 * On any file-level error nothing is returned (*out = NULL) and err names
 * the file. On success *out is a built set owned by the caller.
 */
int geo_zoneset_load(geo_ctx *ctx, const char *const *paths, size_t npaths,
                     const geo_hazard *hazards, geo_diag *diag,
                     geo_zoneset **out, char *err, size_t errlen);

/* Zones held (valid before and after build). */
size_t geo_zoneset_count(const geo_zoneset *zs);
const geo_zone *geo_zoneset_zone(const geo_zoneset *zs, size_t i);
/* Zones per hazard. */
size_t geo_zoneset_count_hazard(const geo_zoneset *zs, geo_hazard h);

/* ---- queries (only after build; thread-safe) ------------------------- */

/* Highest class of hazard h among zones containing metric point (x, y). */
geo_class geo_zoneset_class_at(const geo_zoneset *zs, geo_hazard h, double x,
                               double y);

/* Both hazards at once. */
void geo_zoneset_classes_at(const geo_zoneset *zs, double x, double y,
                            geo_class *flood, geo_class *fire);

/*
 * Indexes (into geo_zoneset_zone) of every zone containing (x, y), any
 * hazard, ascending. Writes at most max, returns the total found (which may
 * exceed max).
 */
size_t geo_zoneset_zones_at(const geo_zoneset *zs, double x, double y,
                            uint32_t *out, size_t max);

/*
 * Exposure of every household at once: sets hh[i].flood and hh[i].fire.
 * This is the hot path (millions of points per second per core).
 */
void geo_exposure(const geo_zoneset *zs, geo_household *hh, size_t n);

/*
 * Exposure of n metric points xy[2*i], xy[2*i+1]; out_flood / out_fire
 * (geo_class values, either may be NULL) get n entries.
 */
void geo_exposure_xy(const geo_zoneset *zs, const double *xy, size_t n,
                     uint8_t *out_flood, uint8_t *out_fire);

/* Build statistics, for the bench and the logs. */
typedef struct geo_zoneset_stats {
	double cell_m;
	size_t nx, ny;         /* raster size */
	size_t boundary_cells; /* cells needing an exact test */
	size_t bytes;          /* memory held by the query structures */
} geo_zoneset_stats;
void geo_zoneset_get_stats(const geo_zoneset *zs, geo_zoneset_stats *st);

#endif
