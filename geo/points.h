/*
 * geo/points.h - households, shelters, depots and stock lots: plain structs
 * and their readers (CSV per HACKING.md "Shared formats", GeoPackage point
 * layers for households and shelters).
 *
 * Readers take WGS84 lon/lat from the files and store metric x/y (the
 * context's CRS). A bad row is reported to the geo_diag list as
 * "<file>: line N: <reason>" (level GEO_DIAG_REJECT, where = N, 1-based
 * with the header as line 1; for GeoPackage, where = feature index and the
 * message says "feature N") and skipped; good rows still load. A file that
 * cannot be opened, has no or a wrong header, or is not a GeoPackage with a
 * usable point layer is an error: nothing is returned (*out NULL, *n 0).
 * Returned arrays are malloc'ed and owned by the caller (free()).
 */
#ifndef POSKO_GEO_POINTS_H
#define POSKO_GEO_POINTS_H

#include "geo/geo.h"

/* ---- households (KK) -------------------------------------------------- */

/*
 * One household. 32 bytes; millions are held in one array, so keep it
 * small (target: < 150 bytes per household including the index).
 * Counts above 255 are rejected by the readers.
 */
typedef struct geo_household {
	double x, y;      /* metric CRS, metres */
	uint32_t id;      /* household id from the file */
	uint32_t kel;     /* kelurahan code 3171011001, 0 unknown */
	uint8_t members;  /* people in the household, >= 1 */
	uint8_t elderly;  /* lansia */
	uint8_t under5;   /* balita */
	uint8_t disabled; /* penyandang disabilitas */
	uint8_t pregnant; /* ibu hamil */
	uint8_t flood;    /* geo_class, filled by geo_exposure() */
	uint8_t fire;     /* geo_class, filled by geo_exposure() */
	uint8_t flags;    /* free for the caller; readers set 0 */
} geo_household;

/*
 * households.csv: id,lon,lat,kelurahan,members,elderly,under5,disabled,
 * pregnant. Columns are found by header name (order free, extra columns
 * ignored); kelurahan may be empty (kel = 0). Rules: id a uint32, unique
 * ids are not checked here; lon/lat finite and transformable; members
 * 1..255; each vulnerable count 0..members; elderly + under5 <= members.
 * flood/fire are set to GEO_NONE.
 */
int geo_households_read_csv(geo_ctx *ctx, const char *path, geo_household **out,
                            size_t *n, geo_diag *diag, char *err,
                            size_t errlen);

/*
 * Household point layer of a GeoPackage: the same attribute columns as the
 * CSV (id may also be the layer's integer primary key when no "id" column
 * exists), geometry Point (or MultiPoint with one point) in the layer's
 * srs. layer NULL = the only features layer (error if several).
 */
int geo_households_read_gpkg(geo_ctx *ctx, const char *path, const char *layer,
                             geo_household **out, size_t *n, geo_diag *diag,
                             char *err, size_t errlen);

/* By extension: ".gpkg" -> GeoPackage (first/only layer), else CSV. */
int geo_households_read(geo_ctx *ctx, const char *path, geo_household **out,
                        size_t *n, geo_diag *diag, char *err, size_t errlen);

/* ---- shelters (tempat penampungan pengungsi) -------------------------- */

typedef enum geo_shelter_kind {
	GEO_SHELTER_SCHOOL = 0,
	GEO_SHELTER_MOSQUE,
	GEO_SHELTER_SPORTS_HALL,
	GEO_SHELTER_OFFICE,
	GEO_SHELTER_COMMUNITY_HALL,
	GEO_SHELTER_TENT,
	GEO_SHELTER_OTHER
} geo_shelter_kind;

typedef enum geo_capacity_source {
	GEO_CAP_PARSED = 0,    /* read from a capacity text */
	GEO_CAP_ESTIMATED = 1, /* from floor area (Sphere) */
	GEO_CAP_DECLARED = 2   /* stated by the shelter's manager */
} geo_capacity_source;

/* Sphere Handbook (2018), Shelter standard 3: 3.5 m2 covered floor area
 * per person. */
#define GEO_SPHERE_M2_PER_PERSON 3.5

#define GEO_ID_LEN 24
#define GEO_NAME_LEN 96

typedef struct geo_shelter {
	char id[GEO_ID_LEN];     /* "SH-0001" */
	char name[GEO_NAME_LEN]; /* truncated at a UTF-8 boundary */
	geo_shelter_kind kind;
	double x, y;        /* metric */
	uint32_t kel;       /* kelurahan code, 0 unknown */
	uint32_t capacity;  /* persons; floor(floor_m2 / 3.5) when estimated */
	double floor_m2;    /* 0 when unknown */
	uint8_t accessible; /* 1: usable by people with disabilities */
	uint8_t capacity_source; /* geo_capacity_source */
} geo_shelter;

/* "school", "mosque", ... as in shelters.csv; GEO_EINVAL otherwise. */
int geo_shelter_kind_parse(const char *s, geo_shelter_kind *out);
const char *geo_shelter_kind_name(geo_shelter_kind k);
int geo_capacity_source_parse(const char *s, geo_capacity_source *out);
const char *geo_capacity_source_name(geo_capacity_source s);

/*
 * shelters.csv: id,name,kind,lon,lat,kelurahan,capacity,floor_m2,
 * accessible,capacity_source. capacity empty -> floor(floor_m2 / 3.5)
 * (capacity_source becomes "estimated" when the column is empty); both
 * empty or zero -> row rejected. Quoted fields ("..." with "" escapes) are
 * accepted. accessible: 1|0 (empty = 0). Duplicate ids rejected.
 */
int geo_shelters_read_csv(geo_ctx *ctx, const char *path, geo_shelter **out,
                          size_t *n, geo_diag *diag, char *err, size_t errlen);
/* Shelter point layer of a GeoPackage, same attribute columns. */
int geo_shelters_read_gpkg(geo_ctx *ctx, const char *path, const char *layer,
                           geo_shelter **out, size_t *n, geo_diag *diag,
                           char *err, size_t errlen);
/* By extension, like geo_households_read. */
int geo_shelters_read(geo_ctx *ctx, const char *path, geo_shelter **out,
                      size_t *n, geo_diag *diag, char *err, size_t errlen);

/* ---- depots and stock lots ------------------------------------------- */

typedef struct geo_depot {
	char id[GEO_ID_LEN]; /* "DEP-3171" */
	char name[GEO_NAME_LEN];
	double x, y;   /* metric */
	uint32_t kel;  /* kelurahan code, 0 unknown */
	uint32_t city; /* city code 3171, 0 unknown */
} geo_depot;

/* depots.csv: id,name,lon,lat,kelurahan,city. Duplicate ids rejected. */
int geo_depots_read_csv(geo_ctx *ctx, const char *path, geo_depot **out,
                        size_t *n, geo_diag *diag, char *err, size_t errlen);

typedef enum geo_item {
	GEO_ITEM_MEAL = 0,  /* one ready meal (nasi bungkus), permakanan */
	GEO_ITEM_KIT_ADULT, /* sandang */
	GEO_ITEM_KIT_CHILD,
	GEO_ITEM_KIT_INFANT,
	GEO_ITEM_KIT_FAMILY,
	GEO_ITEM_COUNT
} geo_item;

int geo_item_parse(const char *s, geo_item *out);
const char *geo_item_name(geo_item it);

#define GEO_NO_EXPIRY INT32_MAX

typedef struct geo_lot {
	uint32_t depot;       /* index into the depots array given */
	char lot[GEO_ID_LEN]; /* lot id, unique per depot */
	geo_item item;
	uint32_t qty;         /* units of item */
	int32_t expires_days; /* days since 1970-01-01, GEO_NO_EXPIRY */
	uint32_t expires_ymd; /* YYYYMMDD, 0 = no expiry */
} geo_lot;

/*
 * stock.csv: depot,lot,item,qty,expires (YYYY-MM-DD or empty). The depot
 * column names a depot id from depots[0..ndepots) (rows naming an unknown
 * depot are rejected). Duplicate (depot, lot) rejected.
 */
int geo_lots_read_csv(const char *path, const geo_depot *depots, size_t ndepots,
                      geo_lot **out, size_t *n, geo_diag *diag, char *err,
                      size_t errlen);

/* Date helpers: "YYYY-MM-DD" -> days since 1970-01-01 (proleptic
 * Gregorian) and YYYYMMDD. Return 0 or GEO_EINVAL. */
int geo_date_parse(const char *s, int32_t *days, uint32_t *ymd);
/* days since epoch -> YYYYMMDD. */
uint32_t geo_days_to_ymd(int32_t days);

#endif
