/*
 * geo/area.h - named administrative polygons: kelurahan and RW.
 *
 * A geo_areaset holds one layer of areas keyed by a code string: kelurahan
 * by property `code` ("31.71.01.1001"), RW by property `id`
 * ("3172011001-09"), or another property named by the caller. Areas are
 * used to build footprints from code lists (geo/footprint.h) and to find
 * the kelurahan of a point (households without a kelurahan code, shelters).
 *
 * Loading follows the zone rules (geo/zone.h): GeoJSON (or GeoPackage)
 * in any CRS PROJ knows, transformed once into the metric CRS; invalid
 * polygons repaired and reported; features without a key or with an
 * unusable geometry rejected with their index; duplicate keys rejected
 * (the first wins). Read-only after load, thread-safe, independent of the
 * context.
 */
#ifndef POSKO_GEO_AREA_H
#define POSKO_GEO_AREA_H

#include "geo/geo.h"

typedef enum geo_area_kind {
	GEO_AREA_KELURAHAN = 0, /* key property "code", parsed to a uint32 */
	GEO_AREA_RW = 1,        /* key property "id" */
	GEO_AREA_OTHER = 2      /* key property given by the caller */
} geo_area_kind;

typedef struct geo_area {
	const char *key;  /* code / id as in the file (owned by the set) */
	const char *name; /* property "name", "" when absent */
	uint32_t kel;     /* kelurahan code: the key (KELURAHAN), the
	                     "kelurahan" property or the id prefix (RW); 0 */
	unsigned rw;      /* RW number (RW layers), 0 otherwise */
	double area_m2;
	double minx, miny, maxx, maxy;
} geo_area;

typedef struct geo_areaset geo_areaset;

/*
 * Load areas from a file (GeoJSON or GeoPackage by content). key_prop:
 * the key property; NULL = "code" for KELURAHAN, "id" for RW. For
 * KELURAHAN the key must parse as a kelurahan code (else the feature is
 * rejected). Returns 0 and a new set in *out, or a negative code (and
 * *out NULL). A file whose features are all rejected is GEO_EEMPTY.
 */
int geo_areaset_load(geo_ctx *ctx, const char *path, geo_area_kind kind,
                     const char *key_prop, geo_diag *diag, geo_areaset **out,
                     char *err, size_t errlen);
void geo_areaset_free(geo_areaset *as);

geo_area_kind geo_areaset_kind(const geo_areaset *as);
size_t geo_areaset_count(const geo_areaset *as);
const geo_area *geo_areaset_get(const geo_areaset *as, size_t i);

/* Index of the area with this key, or -1. For KELURAHAN sets, dotted and
 * undotted codes both match ("31.71.01.1001" == "3171011001"). */
long geo_areaset_find(const geo_areaset *as, const char *key);
/* Index of the kelurahan with this uint32 code, or -1. */
long geo_areaset_find_kel(const geo_areaset *as, uint32_t kel);

/*
 * Index of the area containing metric point (x, y), or -1. On a boundary
 * shared by two areas the one with the lower index wins (deterministic).
 */
long geo_areaset_locate(const geo_areaset *as, double x, double y);
/* Kelurahan code of the area containing (x, y), 0 if none. */
uint32_t geo_areaset_kelurahan_at(const geo_areaset *as, double x, double y);

/*
 * Fill hh[i].kel from the areas for every household whose kel is 0
 * (overwrite != 0: for all). Returns how many were set.
 */
struct geo_household;
size_t geo_areaset_assign_kelurahan(const geo_areaset *as,
                                    struct geo_household *hh, size_t n,
                                    int overwrite);

#endif
