/*
 * alloc/common.h - what every part of the alloc library shares: error codes,
 * stock items, day numbers, and the plain structs for households, shelters
 * and depots.
 *
 * The alloc library turns "these households are hit" into decisions: who
 * evacuates (policy.h), who goes to which shelter (shelter.h), which meals
 * (permakanan 3x1) and clothing kits (sandang) come from which depot lot
 * (supply.h), how all of it changes over time (plan.h) and the SPM counts
 * (report.h). It is pure C over plain structs: no I/O, no globals, no
 * printing, no exit. It is deterministic: the same input gives the same
 * output whatever the order of the input arrays (everything is sorted by id
 * internally; ids must therefore be unique where a header says so).
 *
 * Errors: every function that can fail returns 0 (ALLOC_OK) or a negative
 * ALLOC_E* code and, when err is not NULL and errlen > 0, writes a
 * NUL-terminated reason into err. Outputs are unspecified on error unless a
 * function says otherwise; the structs the caller owns (ledger, plan) are
 * left unchanged by a failed call unless it says otherwise.
 *
 * Geometry: alloc never sees lon/lat or polygons. Positions arrive as x, y in
 * metres in the caller's metric CRS (default EPSG:32748) and distances are
 * Euclidean metres. Facts that need geometry ("this shelter lies inside the
 * footprint or in a high zone of the incident's hazard", "this household is
 * in a medium flood zone") are computed by the caller (geo/) and arrive as
 * flags and classes.
 */
#ifndef POSKO_ALLOC_COMMON_H
#define POSKO_ALLOC_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* ---- errors ------------------------------------------------------------ */

enum alloc_err {
	ALLOC_OK = 0,
	ALLOC_EINVAL = -1, /* bad argument: NULL, out of range, duplicate id */
	ALLOC_ENOMEM = -2, /* out of memory; nothing was changed */
	ALLOC_ENOENT = -3, /* unknown incident, shelter, household, lot */
	ALLOC_EEXIST = -4, /* already exists (incident id reused) */
	ALLOC_ESTATE = -5, /* not allowed in this state (incident closed,
			      dispatch already confirmed or released) */
	ALLOC_ESTOCK = -6  /* ledger would go negative (more than on hand or
			      reserved) */
};

/* Static English text for an ALLOC_E* code ("invalid argument", ...). */
const char *alloc_strerror(int err);

/* "No shelter / no id": used in uint32_t id fields. Ids themselves must be
 * different from ALLOC_NONE. */
#define ALLOC_NONE UINT32_MAX

/* ---- stock items (HACKING.md "Stock items") ----------------------------- */

enum alloc_item {
	ALLOC_ITEM_MEAL = 0,       /* one ready meal (nasi bungkus) */
	ALLOC_ITEM_KIT_ADULT = 1,  /* sandang dewasa */
	ALLOC_ITEM_KIT_CHILD = 2,  /* sandang anak */
	ALLOC_ITEM_KIT_INFANT = 3, /* sandang bayi */
	ALLOC_ITEM_KIT_FAMILY = 4, /* family kit (piranti pokok keluarga) */
	ALLOC_ITEM_COUNT = 5
};

/* "meal", "kit_adult", "kit_child", "kit_infant", "kit_family"; "?" else. */
const char *alloc_item_name(int item);
/* The inverse (exact, lower case). Returns the item or ALLOC_EINVAL. */
int alloc_item_parse(const char *s);

/* ---- hazard classes ----------------------------------------------------- */

/* Same order and values as geo_class: none < low < medium < high. */
enum alloc_class {
	ALLOC_CLASS_NONE = 0,
	ALLOC_CLASS_LOW = 1,
	ALLOC_CLASS_MEDIUM = 2,
	ALLOC_CLASS_HIGH = 3
};

/* ---- days --------------------------------------------------------------- */

/*
 * A calendar day (local date in Jakarta, WIB) as the number of days since
 * 1970-01-01 (day 0). Plans are per day: the emergency period, stock
 * expiry, check-in and check-out are all whole days.
 */
typedef int32_t alloc_day;

/* "Never": a lot without expiry date, a stay that has not ended. */
#define ALLOC_DAY_NEVER INT32_MAX

/* Proleptic Gregorian y-m-d -> day number. No validation beyond the
 * arithmetic; use alloc_day_parse for strings. */
alloc_day alloc_day_from_ymd(int y, int m, int d);
/* Day number -> y, m, d. */
void alloc_day_to_ymd(alloc_day day, int *y, int *m, int *d);
/* "YYYY-MM-DD" (a real date) -> day. Returns 0 or ALLOC_EINVAL. */
int alloc_day_parse(const char *s, alloc_day *out);
/* Format as "YYYY-MM-DD" into buf (ALLOC_DAY_BUFLEN bytes); "never" for
 * ALLOC_DAY_NEVER. Returns buf. */
#define ALLOC_DAY_BUFLEN 12
char *alloc_day_format(alloc_day day, char *buf);

/* ---- the things being allocated ------------------------------------------ */

/*
 * A household (KK, kartu keluarga). One family is one unit: it is never
 * split across shelters. persons >= 1; every vulnerable count <= persons.
 * The zone classes are those of the zones the household lies in (0..3,
 * enum alloc_class), filled by the caller from geo_exposure(); only the
 * evacuation policy reads them.
 */
struct alloc_household {
	double x, y;        /* metres, metric CRS */
	uint32_t id;        /* household id, unique */
	uint32_t kelurahan; /* kelurahan of origin, 3171011001; 0 unknown */
	uint16_t persons;   /* members, >= 1 */
	uint16_t elderly;   /* lansia */
	uint16_t under5;    /* balita */
	uint16_t disabled;  /* penyandang disabilitas: accessible shelter only */
	uint16_t pregnant;  /* ibu hamil */
	uint8_t flood_class; /* enum alloc_class of the flood zone */
	uint8_t fire_class;  /* enum alloc_class of the fire zone */
};

/* 1 when any member is elderly, under five, disabled or pregnant: such a
 * household is placed first and nearer (design.md, "Domain rules"). */
int alloc_household_vulnerable(const struct alloc_household *h);

/*
 * A shelter (tempat penampungan pengungsi). Shelter ids are short strings
 * in files ("SH-0001"); alloc takes a uint32 the caller maps them to (for
 * example the row number), unique.
 *
 * capacity: persons it can hold. When only the floor area is known, use
 * alloc_capacity_from_floor (Sphere: 3.5 m2 covered space per person).
 * occupancy: persons already there that this call (or this plan) did not
 * place: walk-ins, another system's evacuees. Free places are
 * capacity - occupancy - (persons alloc placed there).
 * usable: 0 when the shelter must not be used (for the stateless
 * alloc_shelter_assign: for this incident, i.e. inside the footprint or in
 * a high zone of the incident's hazard; for a plan: for any incident, e.g.
 * damaged; per-incident exclusions are given at alloc_plan_open).
 */
struct alloc_shelter {
	double x, y;        /* metres, metric CRS */
	uint32_t id;        /* unique */
	uint32_t kelurahan; /* where it is; 0 unknown */
	uint32_t capacity;  /* persons */
	uint32_t occupancy; /* persons present not placed by alloc */
	uint8_t accessible; /* 1: usable by people with disabilities */
	uint8_t open;       /* 1: open (0: closed) */
	uint8_t usable;     /* 1: not excluded (see above) */
};

/* Sphere "Shelter and settlement standard 3": at least 3.5 m2 of covered
 * living space per person (anchors.md §4.1). floor_m2 / 3.5, rounded down;
 * 0 for a non-finite or negative area. */
#define ALLOC_SPHERE_M2_PER_PERSON 3.5
uint32_t alloc_capacity_from_floor(double floor_m2);

/* A depot (gudang / lumbung sosial) holding stock lots. Depot ids are
 * strings in files ("DEP-3171"); alloc takes a unique uint32. */
struct alloc_depot {
	double x, y;  /* metres, metric CRS */
	uint32_t id;  /* unique */
};

#endif
