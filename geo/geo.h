/*
 * geo/geo.h - the geo library's common ground: context (GEOS + PROJ),
 * hazard and class enums, diagnostics list, kelurahan codes, distances.
 *
 * The geo library answers "which households (and shelters) are hit, and how
 * badly". It has no I/O besides reading the input files it is pointed at, no
 * event loop, no bus; it never prints and never exits. Every function that
 * can fail returns 0 on success or a negative GEO_E* code, and writes a
 * human-readable reason into the caller's `char *err, size_t errlen` buffer
 * (always NUL-terminated when errlen > 0; err may be NULL). Problems that do
 * not stop a load (a bad row, a repaired polygon) go to a geo_diag list.
 *
 * Coordinates: files and messages carry WGS84 lon/lat (EPSG:4326, GeoJSON
 * axis order: x = lon, y = lat). Everything in memory is in metres in the
 * context's metric CRS (default EPSG:32748, UTM zone 48S). Every struct
 * field named x, y holds metric coordinates.
 *
 * Boundary rule (zones, areas, footprints alike): a point on a boundary, or
 * closer to it than GEO_BOUNDARY_TOL_M, counts as inside - for evacuation
 * the safer error. A point on the line shared by two zone classes therefore
 * takes the higher class. See docs/geo.md.
 *
 * Threads: a geo_ctx is used by one thread at a time (PROJ transformers and
 * the GEOS handle are not shared). Everything *built* with it (zone sets,
 * area sets, footprints, household indexes, point arrays) is plain memory,
 * does not refer back to the context, and is safe to read from any number
 * of threads at once once built.
 */
#ifndef POSKO_GEO_GEO_H
#define POSKO_GEO_GEO_H

#include <stddef.h>
#include <stdint.h>

/* Error codes (negative returns). */
enum {
	GEO_OK = 0,
	GEO_EINVAL = -1,  /* bad argument or unparsable value */
	GEO_EIO = -2,     /* file cannot be opened or read */
	GEO_EFORMAT = -3, /* file readable but not the format expected */
	GEO_ENOMEM = -4,
	GEO_EPROJ = -5, /* PROJ could not build or apply a transformation */
	GEO_EGEOS = -6, /* GEOS failed */
	GEO_EEMPTY = -7 /* nothing usable (all features/rows rejected) */
};

/*
 * Distance under which a point counts as lying on a boundary (metres).
 * Why 1 cm: zone edges are straight lines between vertices projected from
 * lon/lat, and a point exactly on a lon/lat edge lands off the projected
 * chord by L^2 * k / 8 (k ~ 1.6e-8 /m at 6 deg S in UTM): 0.02 mm for a
 * 100 m edge, 2 mm for 1 km. 1 cm keeps such points on the edge and is far
 * below any household geocoding accuracy.
 */
#define GEO_BOUNDARY_TOL_M 0.01

/* Default metric CRS: UTM zone 48S on WGS84, which covers Jakarta. */
#define GEO_DEFAULT_METRIC_CRS "EPSG:32748"

/* ---- context ---------------------------------------------------------- */

typedef struct geo_ctx geo_ctx;

/*
 * Create a context: a GEOS reentrant handle, a PROJ context, and the
 * transformations WGS84 <-> metric_crs (NULL or "" = GEO_DEFAULT_METRIC_CRS;
 * any string proj_create() accepts, e.g. "EPSG:32749"). The metric CRS must
 * be projected with metre units. Returns NULL and fills err on failure.
 * Free with geo_ctx_free.
 */
geo_ctx *geo_ctx_new(const char *metric_crs, char *err, size_t errlen);
void geo_ctx_free(geo_ctx *ctx);

/* The metric CRS string the context was created with. */
const char *geo_ctx_crs(const geo_ctx *ctx);

/*
 * WGS84 lon/lat (degrees) -> metric x/y (metres) and back. Return 0, or
 * GEO_EPROJ (outputs untouched) when the point cannot be transformed or is
 * not finite.
 */
int geo_to_metric(geo_ctx *ctx, double lon, double lat, double *x, double *y);
int geo_to_wgs84(geo_ctx *ctx, double x, double y, double *lon, double *lat);

/*
 * Transform n points in place (xy interleaved: x0,y0,x1,y1...). Returns 0,
 * or GEO_EPROJ if any point fails (then the array contents are unspecified).
 */
int geo_to_metric_n(geo_ctx *ctx, double *xy, size_t n);
int geo_to_wgs84_n(geo_ctx *ctx, double *xy, size_t n);

/* Planar distance in metres between two metric points. UTM scale error in
 * Jakarta (about 2 deg from the central meridian 105 E) is under 0.03 %. */
double geo_distance_m(double x1, double y1, double x2, double y2);

/* ---- hazards and classes ---------------------------------------------- */

typedef enum geo_hazard {
	GEO_FLOOD = 0,
	GEO_FIRE = 1,
	GEO_HAZARD_COUNT = 2,
	GEO_HAZARD_ANY = -1 /* "take it from the data" (loaders) */
} geo_hazard;

/* Ordered: a higher value is a worse class. Fits in 2 bits. */
typedef enum geo_class {
	GEO_NONE = 0,
	GEO_LOW = 1,
	GEO_MEDIUM = 2,
	GEO_HIGH = 3
} geo_class;

/* "flood" | "fire" (also "banjir", "kebakaran"), case-insensitive.
 * Returns 0 and sets *out, or GEO_EINVAL. */
int geo_hazard_parse(const char *s, geo_hazard *out);
/* "flood", "fire"; "?" for anything else. Static string. */
const char *geo_hazard_name(geo_hazard h);

/* "none" | "low" | "medium" | "high", and the RPBD terms "rendah" |
 * "sedang" | "tinggi" (case-insensitive, surrounding blanks ignored).
 * Returns 0 and sets *out, or GEO_EINVAL. */
int geo_class_parse(const char *s, geo_class *out);
/* "none", "low", "medium", "high"; "?" otherwise. Static string. */
const char *geo_class_name(geo_class c);

/* ---- diagnostics ------------------------------------------------------ */

typedef enum geo_diag_level {
	GEO_DIAG_WARN = 0,  /* loaded, but changed (e.g. polygon repaired) */
	GEO_DIAG_REJECT = 1 /* feature / row not loaded */
} geo_diag_level;

typedef struct geo_diag_item {
	geo_diag_level level;
	long where; /* feature index (0-based) / line (1-based), -1 */
	char *msg;  /* "file: feature 12: reason" / "file: line 7: reason" */
} geo_diag_item;

/*
 * A list of non-fatal problems found while loading. Zero-initialise (or
 * geo_diag_init), pass to loaders (which only append), read items[0..n),
 * then geo_diag_free. At most `max` items are kept (default 1000 when max is
 * 0); further ones only increase `dropped`, so a file with a million bad
 * rows cannot exhaust memory. A NULL geo_diag* is accepted by every loader
 * (problems are then only counted nowhere).
 */
typedef struct geo_diag {
	geo_diag_item *items;
	size_t n, cap;
	size_t max;     /* 0 = 1000 */
	size_t dropped; /* items not kept because of max */
	size_t nwarn;   /* totals, including dropped ones */
	size_t nreject;
} geo_diag;

void geo_diag_init(geo_diag *d);
void geo_diag_free(geo_diag *d);
void geo_diag_clear(geo_diag *d);
/* Append one item (printf-style). Returns 0 or GEO_ENOMEM. */
int geo_diag_add(geo_diag *d, geo_diag_level level, long where, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

/* ---- administrative codes --------------------------------------------- */

/*
 * Kemendagri kelurahan code "31.71.01.1001" (or its digits "3171011001")
 * <-> uint32 3171011001. Returns 0, or GEO_EINVAL for anything else,
 * including codes that do not fit 32 bits (provinces above 42).
 */
int geo_kel_parse(const char *s, uint32_t *out);
/* Format as "31.71.01.1001" into buf (at least GEO_KEL_BUFLEN bytes). */
#define GEO_KEL_BUFLEN 14
char *geo_kel_format(uint32_t code, char *buf);

/* City (kota / kabupaten) code "31.71" or "3171" <-> 3171. */
int geo_city_parse(const char *s, uint32_t *out);
/* The city part of a kelurahan code: 3171011001 -> 3171. */
static inline uint32_t
geo_kel_city(uint32_t kel)
{
	return kel / 1000000u;
}

/*
 * RW id "3172011001-09" (kelurahan digits, '-', RW number 1..99; the
 * kelurahan part may also be dotted) -> kelurahan code and RW number.
 */
int geo_rw_parse(const char *s, uint32_t *kel, unsigned *rw);
/* Format as "3172011001-09" into buf (at least GEO_RW_BUFLEN bytes). */
#define GEO_RW_BUFLEN 16
char *geo_rw_format(uint32_t kel, unsigned rw, char *buf);

/* Copy msg into err (truncating) when err is non-NULL; returns code.
 * Used by the library; exported for callers that wrap geo calls. */
int geo_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
