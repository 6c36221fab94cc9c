/*
 * daemon/gate.h - water-gate (pintu air) alert levels: Siaga 4 (normal) ..
 * Siaga 1 (critical), as BPBD DKI and PetaBencana's flood gauges report
 * them for the 28 gates of data/jakarta/floodgates.geojson.
 *
 * A gate level never evacuates anyone. It drives preparedness: the config
 * ([gates] "<gate name>.siaga<N> = kelurahan codes") names the kelurahan
 * to put on watch while a gate is at that level (levels are not
 * cumulative: each level lists its whole set). posko publishes watch.*
 * events for the kelurahan entering and leaving the watch set (shelters
 * there to open, depots to pre-stock) and journals every gate above
 * normal as a watch-only incident (ORIGIN_GATE):
 *   key      source = message source (default "gate"),
 *            source_id = "gate-<slug of the name>-<opened, UTC>"
 *   4 -> 1..3  REPORT_OPEN   severity SEV_SIAGA n, footprint the watch
 *                            list of (gate, n) as FOOT_KELURAHAN (FOOT_NONE
 *                            when the config has none)
 *   n -> m<4   REPORT_UPDATE
 *   n -> 4     REPORT_CANCEL
 * A gate never reported counts as normal (level 0 = unknown here).
 *
 * Pure: no clock, no I/O except gate_table_load(), no printing.
 */
#ifndef POSKO_DAEMON_GATE_H
#define POSKO_DAEMON_GATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/report.h"

struct posko_config;

enum gate_err {
	GATE_OK = 0,
	GATE_EINVAL = -1, /* bad argument */
	GATE_EJSON = -2,  /* not JSON */
	GATE_EFIELD = -3, /* a field is missing, wrong or out of range */
	GATE_ENOMEM = -4,
	GATE_EIO = -5 /* the gate layer cannot be read */
};

#define GATE_NAME_LEN 64
#define GATE_NORMAL 4 /* Siaga 4 */

typedef struct gate_table gate_table;

/* A table of the given gate names (unique once "Pintu Air"/"PA" prefixes,
 * case and blanks are ignored). NULL with err on failure. */
gate_table *gate_table_new(const char *const *names, size_t n, char *err,
                           size_t errlen);

/* The gates of a GeoJSON point layer with a "name" property
 * (floodgates.geojson). Returns 0 or GATE_EIO / GATE_EFIELD. */
int gate_table_load(const char *path, gate_table **out, char *err,
                    size_t errlen);
void gate_table_free(gate_table *t);

size_t gate_count(const gate_table *t);
const char *gate_name(const gate_table *t, size_t i);
/* Position from the layer (0, 0 for gate_table_new). */
void gate_position(const gate_table *t, size_t i, double *lon, double *lat);
/* Current level 1..4, 0 = never reported. */
int gate_level(const gate_table *t, size_t i);

/*
 * The gate a name means, or -1. Matching ignores case, blanks and a
 * leading "Pintu Air" / "PA" / "P.A.": "PA. Manggarai", "MANGGARAI" and
 * "Pintu Air  Manggarai" are the same gate.
 */
int gate_find(const gate_table *t, const char *name);

/* "Siaga II", "II", "2", 2 -> 2; -1 otherwise. */
int gate_level_parse(const char *s);

/* ---- messages ---------------------------------------------------------------
 */

typedef struct gate_entry {
	size_t gate;   /* index in the table */
	int level;     /* 1..4 */
	time_t time;   /* 0 = not given */
	int height_cm; /* water height at the gate if given, else -1 */
} gate_entry;

typedef struct gate_msg {
	char *source; /* "gate" unless the message names one */
	time_t time;
	gate_entry *v;
	size_t n;
} gate_msg;

/*
 * Parse
 *   {"v":1,"kind":"gate.level","source":S,"gate":NAME,"level":L,
 *    "time":T,"height_cm":H}
 *   {"v":1,"kind":"gate.levels","source":S,"time":T,
 *    "levels":[{"gate":NAME,"level":L,"time":T,"height_cm":H},...]}
 * (source, time, height_cm optional; level 1..4 or "Siaga I".."Siaga IV").
 * Every gate must be in t. A gate listed twice keeps its last entry.
 * Returns 0 or GATE_E* with "<field>: <reason>" in err; *out zeroed on
 * error. Release with gate_msg_clear.
 */
int gate_parse(const char *json, size_t len, const gate_table *t, gate_msg *out,
               char *err, size_t errlen);
void gate_msg_clear(gate_msg *m);

/* ---- changes, watch sets, reports
 * ---------------------------------------------- */

typedef struct gate_change {
	size_t gate;
	int from, to; /* from 0 = never reported */
	time_t time;
} gate_change;

typedef struct gate_result {
	gate_change *changes; /* gates whose level changed */
	size_t nchanges;
	posko_report *reports; /* watch-only incidents to open/update/cancel */
	size_t nreports;
	uint32_t *watch_on; /* kelurahan newly on watch (sorted) */
	size_t nwatch_on;
	uint32_t *watch_off; /* kelurahan no longer on watch (sorted) */
	size_t nwatch_off;
} gate_result;

void gate_result_clear(gate_result *r);

/*
 * Apply message m: new levels, what changed, the reports and the change
 * of the watch set (union over every gate at its level, from cfg; cfg
 * NULL = no watch lists). now: the time for a change without one. All or
 * nothing: on error t is unchanged and *out zeroed.
 */
int gate_ingest(gate_table *t, const gate_msg *m,
                const struct posko_config *cfg, time_t now, gate_result *out,
                char *err, size_t errlen);

/* The current watch set, sorted, malloc'd (NULL when empty). */
int gate_watch_set(const gate_table *t, const struct posko_config *cfg,
                   uint32_t **codes, size_t *n);

/* After a restart: a gate incident still open in the store (its key as
 * gate_ingest made it, and its Siaga level 1..3). Returns 0, GATE_EFIELD
 * when source_id names no gate of t. */
int gate_restore(gate_table *t, const char *source, const char *source_id,
                 int level);

#endif
