/*
 * engine.h - the incident pipeline: the reference data (households with
 * their spatial index and zone classes, shelters, depots, stock), the
 * living alloc plan, and the step that turns one accepted message into
 * decisions committed to the store with their events.
 *
 * Ownership of the mutable state (plan, ledger, shelter alert levels): the
 * holder of the decision token. The pipeline (pipeline.c) hands the token
 * to one thread-pool job at a time and takes it back in the after-work
 * callback; control writes run on the loop only while no job holds it.
 * The reference data is read-only once loaded.
 */
#ifndef POSKO_DAEMON_ENGINE_H
#define POSKO_DAEMON_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/alloc.h"
#include "config/config.h"
#include "daemon/ingest.h"
#include "daemon/store.h"
#include "geo/area.h"
#include "geo/footprint.h"
#include "geo/hindex.h"
#include "geo/points.h"
#include "geo/zone.h"

typedef struct engine {
	const posko_config *cfg; /* borrowed; swapped on reload */
	store *db;		 /* the decision connection */
	geo_ctx *gctx;		 /* used only by the token holder */
	const void *cap;	 /* cap_ctx or NULL */

	/* reference data (read-only after engine_load) */
	geo_household *hh;
	size_t nhh;
	geo_hindex *hix;
	geo_zoneset *zones;
	geo_areaset *kel, *rw;
	geo_shelter *sh; /* alloc shelter id = index + 1 */
	size_t nsh;
	geo_depot *dep; /* alloc depot id = index + 1 */
	size_t ndep;
	geo_lot *lots; /* alloc lot id = index + 1 */
	size_t nlots;

	/* decision state (token holder only) */
	struct alloc_ledger ledger;
	struct alloc_plan plan;
	int plan_ok;
	uint8_t *ev_status;   /* per plan evacuee: status last written */
	uint32_t *ev_shelter; /* per plan evacuee: shelter last written */
	size_t ev_cap;
	/* plan dispatches [0, meal_seen) looked at by supply_alerts; of them
	 * the PLANNED meal lines (ascending; a line never becomes PLANNED
	 * again once released or confirmed, so the rest need no look) */
	uint32_t *meal_live;
	size_t nmeal_live, meal_live_cap, meal_seen;
	uint8_t *sh_level; /* per shelter: 0 none, 1 warn, 2 critical, 3 full */
	int64_t *sh_alert; /* per shelter: open alert id or 0 */
	uint8_t *sh_closed;
} engine;

/* Load the reference data named by cfg and start an empty plan. Returns 0
 * or -1 with err. */
int engine_load(engine *E, const posko_config *cfg, store *db, char *err,
		size_t errlen);
void engine_free(engine *E);

/* Load the zones named by cfg and, on success only, swap them in and
 * recompute every household's exposure (token holder only). Returns 0 or
 * -1 with err; on failure nothing changed. */
int engine_reload_zones(engine *E, const posko_config *cfg, char *err,
			size_t errlen);

/* Rebuild the plan by replaying the journal's decided steps (no writes, no
 * events). Returns the number of steps replayed or -1. */
long engine_replay(engine *E, char *err, size_t errlen);

/* The result of one step, for the log and the reply. */
typedef struct engine_result {
	int rejected;	   /* 1: e says why, nothing but the event stored */
	ingest_error e;
	int duplicate;
	int64_t incident;
	int revision;
	size_t placed, unplaced, released, dispatches;
	int64_t released_p; /* persons released */
} engine_result;

/*
 * Decide one parsed message inside the caller's transaction: journal,
 * plan step, store rows, outbox events. raw is the message as received.
 * origin: "json", "cap", "control". Returns 0 (res filled; a rejection is
 * a success of the step) or -1 on a store or plan failure (the caller
 * rolls back).
 */
int engine_decide(engine *E, ingest_msg *m, const char *raw, size_t rawlen,
		  const char *origin, const char *operator_,
		  engine_result *res, char *err, size_t errlen);

/* Store a rejection as an ingest.rejected event (inside a transaction). */
int engine_reject(engine *E, const ingest_error *e, size_t bytes,
		  const char *origin);

/* Jakarta calendar day (days since 1970-01-01) of a UTC time: WIB is
 * UTC+7 all year (no daylight saving). */
int32_t engine_day(int64_t t);

/* Index of the shelter with this id, or -1. */
long engine_shelter_find(const engine *E, const char *id);

#endif
