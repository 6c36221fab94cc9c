/* gen_scenario: the scenario generator's shared state and stages.
 *
 * bench/gen_scenario.c holds main(); the stages live in bench/gen_*.c with
 * the prefix of their file (gen_admin_*, gen_grid_*, gen_house_*, ...).
 * Everything is deterministic from the seed: every stage draws from its
 * own random stream (gen_rng_seed(seed, GEN_STREAM_*)) and iterates in a
 * fixed order.
 */
#ifndef GEN_SCENARIO_H
#define GEN_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <geos_c.h>

#include "bench/gen_rng.h"

enum gen_stream {
	GEN_STREAM_HOUSE = 1,
	GEN_STREAM_SHELTER = 2,
	GEN_STREAM_DEPOT = 3,
	GEN_STREAM_STOCK = 4,
};

enum gen_match { GEN_MATCH_NONE, GEN_MATCH_EXACT, GEN_MATCH_SPELLING };

/* Kabupaten/kota (regencies.csv). */
struct gen_regency {
	char code[8];   /* "31.71" */
	char name[80];  /* as in regencies.csv */
	char label[40]; /* "Jakarta Pusat", "Kepulauan Seribu" */
	char norm[80];
	double fire_risk; /* RPBD 2023-2027 Table 2.8, % risiko */
	int poly;         /* index in kota layer, -1 */
};

/* Kecamatan (districts.csv). */
struct gen_district {
	char code[12]; /* "31.71.01" */
	int regency;
	char name[80];
	char norm[80];
	int poly; /* index in kecamatan layer, -1 */
};

/* Kelurahan (villages.csv). */
struct gen_village {
	char code[16]; /* "31.71.01.1001" */
	char digits[12];
	int district;
	char name[80];
	char norm[80];
	int poly; /* index in kelurahan layer, -1 */
};

/* One polygon of kota/kecamatan/kelurahan.geojson. */
struct gen_area {
	int src_id;         /* ID of the source feature, or its position */
	char name[80];      /* the layer's name */
	char kec_name[80];  /* the layer's kecamatan (kelurahan layer) */
	char city_name[80]; /* the layer's city */
	int match;          /* matched row of the admin table, -1 */
	enum gen_match how;
	int regency, district; /* resolved parents, -1 */
	GEOSGeometry *geom;    /* valid, polygonal, lon/lat */
	const GEOSPreparedGeometry *prep;
	double minx, miny, maxx, maxy;
	/* filled by the later stages */
	double weight; /* population weight of its cells */
	uint64_t persons;
	uint32_t households;
};

/* Cells to draw from, each with its weight, as a cumulative table. */
struct gen_sampler {
	uint32_t *cells;
	double *cdf;
	size_t n;
	double total;
};

/* The population grid (ESRI ASCII), row 0 is the northern row. */
struct gen_grid {
	int ncols, nrows;
	double x0, ytop, cell;  /* west edge, north edge, cell size (deg) */
	float *v;               /* ncols*nrows, NODATA and negative as 0 */
	int32_t *kel;           /* kelurahan of the cell centre, -1 */
	uint8_t *interior;      /* cell square lies inside kel[] alone */
	struct gen_sampler pop; /* populated cells of coded kelurahan */
};

/* One RW (rukun warga) of rw.geojson, after merging split polygons. */
struct gen_rw {
	char id[20]; /* "3172011001-09" */
	int kel;     /* kelurahan polygon */
	int number;  /* RW number */
	int floodprone;
	GEOSGeometry *geom;
};

struct gen_opts {
	size_t households;
	size_t shelters;
	long osm_shelters;           /* -1: default share */
	double shelter_max_capacity; /* 0: no cap */
	size_t depots;
	uint64_t seed;
	const char *out;
	const char *data;
	const char *ref_date; /* YYYY-MM-DD, for stock expiry */
	int quiet;
};

struct gen_ctx {
	GEOSContextHandle_t h;
	struct gen_opts opt;
	struct gen_regency *reg;
	size_t nreg;
	struct gen_district *dis;
	size_t ndis;
	struct gen_village *vil;
	size_t nvil;
	struct gen_area *kota, *kec, *kel;
	size_t nkota, nkec, nkel;
	size_t repaired; /* admin polygons made valid */
	GEOSSTRtree *kel_tree;
	struct gen_grid grid;
	struct gen_rw *rw;
	size_t nrw;
	size_t rw_source, rw_no_number, rw_no_kel, rw_merged;
	/* summary */
	uint64_t persons, under5, elderly, disabled, pregnant;
	size_t n_fire_zones, n_shelters_osm, n_shelters_syn;
	size_t n_depots, n_lots;
	double shelter_capacity;
	char fire_file[160];
};

/* gen_ctx.c */
void gen_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
FILE *gen_create(struct gen_ctx *c, const char *name);
void gen_close(FILE *f, const char *name);
/* Metres per degree at Jakarta's latitude (equirectangular, see
 * gen_scenario.c), for areas and distances of a few km. */
extern const double gen_m_per_deg_lon, gen_m_per_deg_lat;

/* gen_admin.c: admin tables, layers, code matching, the kelurahan index. */
void gen_admin_load(struct gen_ctx *c);
void gen_admin_write(struct gen_ctx *c);
/* UNMATCHED.md; after the RW stage, which it also reports on. */
void gen_admin_report(struct gen_ctx *c);
/* Kelurahan polygon holding lon/lat (boundary counts as inside; lowest
 * index wins), -1 outside all. */
int gen_admin_locate(struct gen_ctx *c, double lon, double lat);
const char *gen_area_code(const struct gen_ctx *c, const struct gen_area *k);
const char *gen_area_digits(const struct gen_ctx *c, const struct gen_area *k);
int gen_area_regency(const struct gen_ctx *c, const struct gen_area *k);
const char *gen_area_label(const struct gen_ctx *c, const struct gen_area *k);

/* gen_grid.c: population grid and its kelurahan raster. */
void gen_grid_load(struct gen_ctx *c);
void gen_grid_cell_center(const struct gen_grid *g, uint32_t cell, double *lon,
                          double *lat);
/* A cell drawn with probability proportional to its weight. */
uint32_t gen_sampler_draw(const struct gen_sampler *s, struct gen_rng *r);
/* A point (rounded to 6 decimals) drawn uniformly inside a cell drawn
 * from s, inside a coded kelurahan; returns the kelurahan index. */
int gen_grid_place(struct gen_ctx *c, const struct gen_sampler *s,
                   struct gen_rng *r, double *lon, double *lat);

/* The populated coded cell nearest to the population-weighted centre of
 * the cells whose kelurahan satisfies in(c, kel, arg); its centre in
 * lon/lat (6 decimals) and its kelurahan, or -1 when there is none. */
int gen_grid_centre(struct gen_ctx *c, int (*in)(struct gen_ctx *, int, int),
                    int arg, double *lon, double *lat);

/* gen_house.c */
void gen_house_write(struct gen_ctx *c);

/* gen_zones.c: flood zones (copied), fire zones (made), RW layer. */
void gen_zones_write(struct gen_ctx *c);

/* gen_shelter.c */
void gen_shelter_write(struct gen_ctx *c);

/* gen_depot.c: depots and their stock. */
void gen_depot_write(struct gen_ctx *c);

/* gen_incident.c: the sample incidents (2007 flood, a settlement fire). */
void gen_incident_write(struct gen_ctx *c);

#endif
