/*
 * daemon/sitrep.h - the situation report (laporan situasi, LAPSIT) for
 * BPBD and partners: incidents, people affected and evacuees (pengungsi)
 * per kelurahan and per shelter, needs and shortages.
 *
 * The daemon fills one plain `sitrep` from its state (every pointer is
 * borrowed, nothing is copied; zeroed fields mean "none" or "unknown") and
 * asks for it as JSON (sitrep_json), as GeoJSON with shelters as points
 * (sitrep_geojson) or as HXL-tagged CSV (daemon/hxl.h). Nothing here does
 * I/O or reads the clock. docs/feed.md has the field list and examples.
 */
#ifndef POSKO_DAEMON_SITREP_H
#define POSKO_DAEMON_SITREP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/report.h"

enum sitrep_err {
	SITREP_OK = 0,
	SITREP_EINVAL = -1, /* a field is out of range (err says which) */
	SITREP_ENOMEM = -2
};

/* People counted twice: as households (KK) and as persons (jiwa). */
typedef struct sitrep_count {
	uint32_t households;
	uint32_t persons;
} sitrep_count;

typedef struct sitrep_incident {
	uint64_t id;        /* posko's incident id */
	const char *source; /* with source_id: the incident key */
	const char *source_id;
	incident_type type;
	const char *title; /* may be NULL */
	int open;          /* 1 open, 0 closed */
	int exercise;      /* journaled only, never allocated */
	report_severity severity;
	time_t opened;         /* 0 = unknown */
	time_t closed;         /* 0 = still open */
	sitrep_count affected; /* terdampak: in the footprint */
	sitrep_count evacuees; /* pengungsi: required to evacuate */
	sitrep_count placed;   /* evacuees with a shelter place */
	sitrep_count unplaced; /* evacuees without one */
} sitrep_incident;

/* One kelurahan of origin (where the households live). */
typedef struct sitrep_kelurahan {
	uint32_t code;         /* 3171011001 for 31.71.01.1001 */
	const char *name;      /* may be NULL: codes are enough */
	const char *kecamatan; /* name, may be NULL */
	const char *city;      /* name, may be NULL */
	sitrep_count affected;
	sitrep_count evacuees; /* displaced from this kelurahan */
	sitrep_count unplaced;
} sitrep_kelurahan;

typedef struct sitrep_shelter {
	const char *id; /* "SH-0001" */
	const char *name;
	const char *kind;    /* school, mosque, ... (HACKING.md) */
	uint32_t kelurahan;  /* where the shelter is; 0 = unknown */
	double lon, lat;     /* WGS84 */
	const char *state;   /* "open", "closed", "full" */
	int accessible;      /* 1: usable for people with disabilities */
	uint32_t capacity;   /* persons */
	uint32_t registered; /* persons assigned (registered + present) */
	uint32_t present;    /* persons checked in */
	uint32_t households; /* households assigned */
} sitrep_shelter;

/* A need for one item, at one shelter or in total (shelter NULL). */
typedef struct sitrep_need {
	const char *item;    /* meal, kit_adult, kit_child, kit_infant,
	                        kit_family */
	const char *shelter; /* shelter id, or NULL for a total */
	uint32_t kelurahan;  /* the shelter's kelurahan, 0 = n/a */
	uint64_t needed;     /* for the period the sitrep covers */
	uint64_t reserved;   /* planned from depot stock */
	uint64_t delivered;  /* dispatches confirmed */
	uint64_t shortage;   /* needed but no stock to plan: an alert */
} sitrep_need;

typedef struct sitrep {
	time_t generated;   /* required: when the state was read */
	int utc_offset_min; /* for the report date (420 = WIB) */
	const char *office; /* "Dinas Sosial Provinsi DKI Jakarta" */
	uint64_t seq;       /* sitrep number, for the reader; 0 = none */

	const sitrep_incident *incidents;
	size_t nincidents;
	const sitrep_kelurahan *kelurahan;
	size_t nkelurahan;
	const sitrep_shelter *shelters;
	size_t nshelters;
	const sitrep_need *needs;
	size_t nneeds;
} sitrep;

/* Sums the writers print as "totals" (and a desk console may show). */
typedef struct sitrep_totals {
	size_t incidents_open;
	sitrep_count affected, evacuees, placed, unplaced; /* open, not
	                                                     exercise */
	size_t shelters_open, shelters_full;
	uint64_t capacity, registered, present, free_places; /* open and
	                                                         full */
	size_t shortages; /* needs with shortage > 0 */
} sitrep_totals;

void sitrep_sum(const sitrep *s, sitrep_totals *t);

/* "31.71.01.1001" from 3171011001 (buf >= 14). Returns buf. */
char *sitrep_kelurahan_code(uint32_t code, char *buf, size_t n);

/* Local date "YYYY-MM-DD" of s->generated (buf >= 11). */
char *sitrep_date(const sitrep *s, char *buf, size_t n);

/* Check s before writing: generated set, arrays present, kelurahan codes
 * of 10 digits, shelters with an id and a WGS84 point, needs with an item.
 * Returns 0 or SITREP_EINVAL with "<field>: <reason>" in err. */
int sitrep_check(const sitrep *s, char *err, size_t errlen);

/*
 * The situation report as one JSON object (docs/feed.md, "sitrep"):
 * malloc'd NUL-terminated text in *out (free()), *len bytes. Returns 0,
 * SITREP_EINVAL (field named in err) or SITREP_ENOMEM.
 */
int sitrep_json(const sitrep *s, char **out, size_t *len, char *err,
                size_t errlen);

/* Shelters as a GeoJSON FeatureCollection of points with occupancy. */
int sitrep_geojson(const sitrep *s, char **out, size_t *len, char *err,
                   size_t errlen);

#endif
