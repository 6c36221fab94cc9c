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

/*
 * A closed incident's household as household.find reads it: the rows of
 * the store's household_history (store.c migration 7), written when the
 * incident closes, so that the plan can let go of its records
 * (alloc_plan_forget_closed) and the daemon's memory does not grow with
 * its history. ENGINE_HIST_EVACUEE: one per evacuee record (affected_by;
 * kits: kit shelter, first day in lo or ALLOC_DAY_NEVER, persons and
 * under-fives); ENGINE_HIST_STAY: one per stay (shelter, persons, the fed
 * days [lo, hi) inside the incident's period); ENGINE_HIST_STAYED: both in
 * one, for the usual family with one stay, at its kit shelter from its
 * first day ([lo, hi)).
 */
enum { ENGINE_HIST_EVACUEE = 0, ENGINE_HIST_STAY = 1, ENGINE_HIST_STAYED = 2 };

typedef struct engine {
	const posko_config *cfg; /* borrowed; swapped on reload */
	store *db;		 /* the decision connection */
	geo_ctx *gctx;		 /* used only by the token holder */
	const void *cap;	 /* cap_ctx or NULL */
	/* set before engine_load by a rebuild (posko.c plan_rebuild): the
	 * reference rows were written at the start, so a failed write of
	 * them (a full disk) is a warning, not a failed load */
	int rebuild;

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
	/* alloc_plan_compact runs when plan.ndispatches reaches compact_at
	 * (twice the lines kept by the last one) and compact_min (4096; 1:
	 * after every decision, POSKOD_COMPACT_ALWAYS=1) */
	size_t compact_at, compact_min;
	/* alloc_plan_forget_closed runs when plan.nevacuees reaches forget_at
	 * (twice the records kept by the last one, at least 4096; after
	 * every decision with POSKOD_COMPACT_ALWAYS=1). What household.find
	 * needs of them is in the store (household_history), written at the
	 * close; history_off: not written (a replay, whose closes wrote
	 * theirs when they were decided). */
	size_t forget_at;
	int history_off;
	int history_failed; /* a close's rows could not be written */
	/* batch_alerts (set by the caller around a batch of decisions): the
	 * shelter occupancy and depot alerts wait for engine_batch_alerts()
	 * instead of running after every decision; alerts_due says a
	 * decision asked for them, on the plan day alerts_today */
	int batch_alerts, alerts_due;
	int32_t alerts_today;
	uint8_t *sh_level; /* per shelter: 0 none, 1 warn, 2 critical, 3 full */
	int64_t *sh_alert; /* per shelter: open alert id or 0 */
	uint8_t *sh_closed;
	/* per shelter: the zone class at it, flood [2i] and fire [2i + 1],
	 * for shelters [0, nsh_zclass) (engine.c affected(); emptied when
	 * the zones are reloaded, completed when shelters are appended) */
	uint8_t *sh_zclass;
	size_t nsh_zclass;

	/* reference data grown at runtime (import.c; token holder only):
	 * household id -> index + 1 (open addressing, 0 empty, built on
	 * first use), and whether hix must be rebuilt before a footprint
	 * query (households were added or moved since it was built) */
	uint32_t *hmap;
	size_t hmap_cap;
	int hix_stale;
	size_t hh_cap; /* households room (0: exactly nhh, as loaded) */
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
/* Replace the flood (fire 0) or fire (fire 1) zones by the GeoJSON text
 * (docs/protocol.md 2.8, import.zones): written to
 * state_dir/zones/<hazard>.geojson, used instead of [data]'s files from
 * then on (start and SIGHUP too); all or nothing: a file that does not
 * load changes nothing. Token holder only. 0 or -1 with err. */
int engine_import_zones(engine *E, int fire, const char *text, size_t len,
			char *err, size_t errlen);

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
 * The shelter occupancy and depot alerts of the decisions made since the
 * last call, while E->batch_alerts is set (issue 5): the occupancy of
 * every shelter and the cover of every depot are looked at once a batch
 * instead of once a report, in the batch's transaction, on the plan day
 * of its last decision. A threshold crossed and crossed back within one
 * batch raises nothing; the alerts of a batch follow its decisions'
 * events. 0 or -1 (store error: roll the batch back).
 */
int engine_batch_alerts(engine *E);

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

/*
 * Growing the reference data (daemon/import.c; token holder only). Arrays
 * only grow at the end, so alloc ids (index + 1) stay stable and the plan's
 * references stay valid; the callers tell the plan (alloc_plan_*).
 */
/* Index of the depot with this id, or -1. */
long engine_depot_find(const engine *E, const char *id);
/* The shelter's / depot's row in the store as given (upsert by id; lon /
 * lat from its metric place), in the caller's transaction. 0 or -1. */
int engine_store_shelter(engine *E, const geo_shelter *x);
int engine_store_depot(engine *E, const geo_depot *d);
/* Index of lot `lot` of depot index dep in E->lots, -1 when none. */
long engine_lot_find(const engine *E, long dep, const char *lot);
/* The register's household g as alloc takes it. */
void engine_household_alloc(const geo_household *g,
			    struct alloc_household *h);
/* Index of the household with this id, or -1 (-2: out of memory). */
long engine_household_find(engine *E, uint32_t id);
/* Append n households (exposure from the zones, kelurahan from the layer
 * when 0); the index is rebuilt before the next footprint query. 0 or -1. */
int engine_households_add(engine *E, const geo_household *h, size_t n);
/* Household k changed place: the index is rebuilt before the next query. */
void engine_household_moved(engine *E, size_t k);
/* Rebuild the household index when households were added or moved. */
int engine_hindex_refresh(engine *E, char *err, size_t errlen);
/* Append a shelter (open, no alert) or a depot; its index or -1. */
long engine_shelter_add(engine *E, const geo_shelter *s);
long engine_depot_add(engine *E, const geo_depot *d);
/* 1 when shelter k may not be used for incident inc (inside its footprint
 * or in a high zone of its hazard, as for the shelters held when it
 * opened), 0 when it may, -1 with err. */
int engine_shelter_unusable(engine *E, size_t k, uint32_t inc, char *err,
			    size_t errlen);

#endif
