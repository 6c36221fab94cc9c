/*
 * geo/hindex.h - spatial index over a household array.
 *
 * A uniform grid over the households' extent; household indexes are
 * counting-sorted by cell, so a cell's households are one contiguous run.
 * Built once (O(n)), about 4.5 bytes per household on top of the 32-byte
 * geo_household itself.
 *
 * The index refers to the caller's array and does not own it: the array
 * must outlive the index and households must not move (their x, y must not
 * change); other fields (flood, fire, flags, counts) may change freely.
 * Read-only after build; safe for concurrent readers.
 */
#ifndef POSKO_GEO_HINDEX_H
#define POSKO_GEO_HINDEX_H

#include "geo/geo.h"
#include "geo/points.h"

typedef struct geo_hindex geo_hindex;

/*
 * Build over hh[0..n). cell_m: grid cell size in metres, 0 = auto (about
 * 8 households per cell on average, never below 10 m). Households with
 * non-finite coordinates are left out of the index (they are never found).
 * Returns 0 and *out, or a negative code (n above UINT32_MAX is GEO_EINVAL).
 */
int geo_hindex_build(const geo_household *hh, size_t n, double cell_m,
                     geo_hindex **out, char *err, size_t errlen);
void geo_hindex_free(geo_hindex *ix);

/* The array and count the index was built over. */
const geo_household *geo_hindex_households(const geo_hindex *ix);
size_t geo_hindex_count(const geo_hindex *ix);

/*
 * Households whose point lies in the closed box [minx,maxx] x [miny,maxy]:
 * appends their indexes (into the array) to *idx (realloc'ed; *idx may be
 * NULL and *n 0 initially; *cap tracks its capacity). Order: by grid cell.
 * Returns 0 or GEO_ENOMEM.
 */
int geo_hindex_box(const geo_hindex *ix, double minx, double miny, double maxx,
                   double maxy, uint32_t **idx, size_t *n, size_t *cap);

/*
 * Households within r metres (distance <= r) of (x, y), same conventions.
 */
int geo_hindex_radius(const geo_hindex *ix, double x, double y, double r,
                      uint32_t **idx, size_t *n, size_t *cap);

/* Index of the household nearest to (x, y) within max_m, or -1. */
long geo_hindex_nearest(const geo_hindex *ix, double x, double y, double max_m);

/* Memory held by the index (not counting the household array). */
size_t geo_hindex_bytes(const geo_hindex *ix);

/*
 * Exposure in index order (better memory locality than geo_exposure on an
 * unsorted array; same results). Writes flood/fire into the households:
 * the only write the index makes, hence the non-const array pointer.
 */
struct geo_zoneset;
void geo_hindex_exposure(const geo_hindex *ix, const struct geo_zoneset *zs,
                         geo_household *hh);

/*
 * Internal view for the geo library (footprint queries walk the grid).
 * Not part of the stable contract.
 */
typedef struct geo_hindex_grid {
	double ox, oy, cell; /* origin (min corner) and cell size, metres */
	uint32_t nx, ny;
	const uint32_t *start; /* nx*ny+1 offsets into order */
	const uint32_t *order; /* household indexes sorted by cell */
} geo_hindex_grid;
void geo_hindex_get_grid(const geo_hindex *ix, geo_hindex_grid *g);

#endif
