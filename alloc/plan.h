/*
 * alloc/plan.h - the living plan: incidents, who is in which shelter from
 * which day, the meal and kit dispatches with their stock reservations, and
 * the shortages; changed over time by small deterministic steps.
 *
 * One plan serves every open incident of the province: shelters and depot
 * stock are shared between incidents. The caller (the daemon, or poskoctl
 * plan for a one-shot run) owns the plan and the ledger and calls one
 * alloc_plan_* step per event:
 *
 *   alloc_plan_open            an incident is reported: policy -> evacuees,
 *                              assignment, meals and kits planned
 *   alloc_plan_add_households  more households hit (only the new ones are
 *                              placed; existing placements stay)
 *   alloc_plan_set_severity    severity changed: households that now
 *                              evacuate are placed (none is sent home)
 *   alloc_plan_set_days        the emergency period is extended/shortened
 *   alloc_plan_exclude_shelters a shelter became unsafe for an incident
 *                              (footprint grew): its families re-homed
 *   alloc_plan_update_shelter  a shelter is added, closes, shrinks, grows,
 *                              changes accessibility: families re-homed,
 *                              vulnerable first; who cannot fit becomes
 *                              unplaced with a reason
 *   alloc_plan_checkout        a family leaves: places and meals freed
 *   alloc_plan_place           the desk puts a family in a named shelter
 *                              (walk-in check-in, transfer): meals move
 *                              with it, kits are not issued twice
 *   alloc_plan_receive_stock   stock arrives: open shortages filled, oldest
 *                              day first
 *   alloc_plan_add_depot       a depot is added (imported while incidents
 *                              run): its lots are planned from now on
 *   alloc_plan_confirm         a dispatch left the depot: stock consumed
 *   alloc_plan_replan          re-try shortages (new day, or the caller
 *                              changed the ledger itself)
 *   alloc_plan_close           the incident ends: stays end, unconfirmed
 *                              reservations released, shortages closed
 *
 * Days: each step takes `today`, the day it happens. Changes take effect
 * from today: a family placed today is present (and fed) from today; a
 * family that leaves today is not fed today; dispatches for days before
 * today and confirmed dispatches are never changed.
 *
 * Determinism: a step's result depends only on the plan and the step's
 * arguments, never on the order of the arrays passed (sorted by id inside).
 * The same sequence of steps gives the same plan, so a journal of steps
 * replayed after a restart rebuilds it.
 *
 * Change tracking: plan->rev is incremented by every step; every record the
 * step creates or changes (incident, shelter, evacuee, stay, dispatch,
 * shortage) gets rev = plan->rev. After a step the caller stores and
 * publishes exactly the records with rev == plan->rev. Records in
 * evacuees, stays and shortages are only appended, never removed or moved:
 * their index is a stable handle. Dispatches are appended too, but
 * alloc_plan_compact removes the released lines of closed incidents, so a
 * dispatch's handle is its id (struct alloc_dispatch.id: 1, 2, 3, ... in
 * creation order, ascending in the array, never reused); its index equals
 * id - 1 until the first compaction. Shelters are kept sorted by id, so
 * adding a shelter moves indexes: find them by id.
 *
 * Failures: ALLOC_EINVAL, ALLOC_ENOENT, ALLOC_EEXIST and ALLOC_ESTATE are
 * found before anything changes (the plan is as before, rev included).
 * After ALLOC_ENOMEM the step may be half done but the plan still holds
 * every invariant (no shelter over capacity, reservations matching PLANNED
 * dispatches); free it or retry with more memory.
 *
 * Invariants (tested on random instances, tests/test_alloc_plan.c):
 *  - persons placed in a shelter <= capacity - occupancy; no family split;
 *  - a household with a disabled member only in an accessible shelter;
 *  - no household further than assign.max_distance_m from its shelter;
 *  - every evacuating household is PLACED or UNPLACED with a reason;
 *  - for each (incident, shelter, day in the period, meal): meals in
 *    PLANNED + CONFIRMED dispatches + the open shortage deficit
 *    = meals_per_day x persons present that day (the shortage says when
 *    less is planned; confirmed meals are never taken back, so after a
 *    check-out they may exceed the need);
 *  - lot stock never negative; ledger reserved = sum of PLANNED
 *    dispatches per lot (when only the plan reserves);
 *  - no dispatch from a lot expired on its day.
 */
#ifndef POSKO_ALLOC_PLAN_H
#define POSKO_ALLOC_PLAN_H

#include "alloc/common.h"
#include "alloc/policy.h"
#include "alloc/shelter.h"
#include "alloc/supply.h"

/* Everything the plan takes from config (filled by config/). */
struct alloc_params {
	struct alloc_policy policy;
	struct alloc_assign_params assign;
	struct alloc_supply_params supply;
};

/* All three parts at their documented defaults. */
void alloc_params_default(struct alloc_params *p);
/* Validates the three parts. Returns 0 or ALLOC_EINVAL. */
int alloc_params_validate(const struct alloc_params *p, char *err,
			  size_t errlen);

/* What the caller knows about a new incident. */
struct alloc_incident_spec {
	uint32_t id;                 /* unique among the plan's incidents */
	uint8_t type;                /* enum alloc_incident_type */
	struct alloc_severity severity;
	alloc_day start;             /* first day of the emergency period */
	uint32_t days;               /* period length; 0 = supply.days */
};

struct alloc_incident {
	uint32_t id;
	uint8_t type;                /* enum alloc_incident_type */
	uint8_t open;                /* 1 until alloc_plan_close */
	struct alloc_severity severity;
	alloc_day start;             /* period: [start, start + days) */
	uint32_t days;
	alloc_day closed;            /* day closed; ALLOC_DAY_NEVER if open */
	uint32_t *unusable;          /* sorted shelter ids not used for this
					incident (owned by the plan) */
	size_t nunusable;
	uint32_t rev;
};

/* A shelter as the plan holds it. */
struct alloc_plan_shelter {
	struct alloc_shelter s;      /* as last given by the caller */
	uint32_t placed;             /* persons the plan placed, present now */
	uint32_t rev;
};

/* Where an affected household stands in one incident. */
enum alloc_status {
	ALLOC_ST_AFFECTED = 0,  /* in the footprint, not evacuating */
	ALLOC_ST_PLACED = 1,    /* in a shelter (shelter, since) */
	ALLOC_ST_UNPLACED = 2,  /* evacuating without a shelter (reason) */
	ALLOC_ST_LEFT = 3       /* checked out, or the incident closed */
};

/* "affected", "placed", "unplaced", "left"; "?" else. */
const char *alloc_status_name(int status);

/* One record per (incident, household). */
struct alloc_evacuee {
	struct alloc_household hh;   /* as given */
	uint32_t id;                 /* 1, 2, 3, ... in creation order, never
					reused; kept by alloc_plan_compact
					(the daemon's assignment id) */
	uint32_t incident;
	uint8_t evacuate;            /* 1: the policy said evacuate */
	uint8_t status;              /* enum alloc_status */
	uint8_t reason;              /* enum alloc_reason when UNPLACED */
	uint8_t moves;               /* times re-homed (saturates at 255) */
	uint32_t shelter;            /* current shelter id when PLACED; the
					last one (or ALLOC_NONE) otherwise */
	double distance_m;           /* home to the current shelter */
	alloc_day since;             /* day the current status began */
	alloc_day first_day;         /* first day in any shelter (kits are
					issued at that shelter that day);
					ALLOC_DAY_NEVER if never placed */
	uint32_t stay;               /* index into stays of the current stay,
					ALLOC_NONE when not PLACED */
	uint32_t kit_shelter;        /* shelter of the first stay (kits go
					there), ALLOC_NONE if never placed */
	uint32_t rev;
};

/* A household present in a shelter for days [day_in, day_out). */
struct alloc_stay {
	uint32_t incident, household, shelter;
	uint32_t persons;
	alloc_day day_in;
	alloc_day day_out;           /* ALLOC_DAY_NEVER while present */
	uint32_t rev;
};

enum alloc_dispatch_state {
	ALLOC_DISPATCH_PLANNED = 0,   /* stock reserved */
	ALLOC_DISPATCH_CONFIRMED = 1, /* left the depot: stock consumed */
	ALLOC_DISPATCH_RELEASED = 2   /* no longer needed: qty 0, nothing
					 reserved */
};

/* "planned", "confirmed", "released"; "?" else. */
const char *alloc_dispatch_state_name(int state);

/*
 * Units of one item from one depot lot to one shelter for one day of one
 * incident. Meals: eaten that day. Kits: issued that day (the day the
 * families arrived). When the need falls, a PLANNED line's qty is lowered
 * (to 0: RELEASED) and its reservation released with it.
 */
struct alloc_dispatch {
	uint32_t id;                 /* 1, 2, 3, ... in creation order; kept
					by alloc_plan_compact */
	uint32_t incident, shelter, depot, lot;
	uint32_t lot_index;          /* index in the ledger */
	alloc_day day;
	alloc_day expires;           /* of the lot */
	uint8_t item;                /* enum alloc_item */
	uint8_t state;               /* enum alloc_dispatch_state */
	int64_t qty;
	double distance_m;           /* depot to shelter */
	uint32_t rev;
};

/*
 * Units that could not be planned for one (incident, shelter, day, item):
 * a result and an alert, never a silent cut. deficit is what is missing
 * now (0 once filled or no longer needed; the record stays).
 */
struct alloc_shortage {
	uint32_t incident, shelter;
	alloc_day day;
	uint8_t item;
	int64_t deficit;
	int64_t peak;                /* largest deficit it had */
	uint32_t rev;
};

struct alloc_plan_priv;

/*
 * The plan. Read the arrays freely; change them only through alloc_plan_*.
 * Kept sorted: shelters and depots by id, incidents by id. Append-only:
 * evacuees, stays, shortages; dispatches too, in id order, but
 * alloc_plan_compact removes released lines of closed incidents.
 */
struct alloc_plan {
	struct alloc_params params;
	struct alloc_ledger *ledger;      /* the caller's, borrowed */
	struct alloc_plan_shelter *shelters;
	size_t nshelters;
	struct alloc_depot *depots;
	size_t ndepots;
	struct alloc_incident *incidents;
	size_t nincidents;
	struct alloc_evacuee *evacuees;
	size_t nevacuees;
	struct alloc_stay *stays;
	size_t nstays;
	struct alloc_dispatch *dispatches;
	size_t ndispatches;
	struct alloc_shortage *shortages;
	size_t nshortages;
	uint32_t rev;
	struct alloc_plan_priv *priv;     /* indexes; opaque */
};

/*
 * Start a plan over these shelters and depots (copied; ids unique) and the
 * caller's ledger (borrowed: it must outlive the plan, and the caller
 * changes it only through the plan's steps or before alloc_plan_replan).
 * Lots of depots the plan does not know are never planned.
 */
int alloc_plan_init(struct alloc_plan *pl, const struct alloc_params *params,
		    const struct alloc_shelter *sh, size_t nsh,
		    const struct alloc_depot *dep, size_t ndep,
		    struct alloc_ledger *ledger, char *err, size_t errlen);

/* Free everything the plan owns (not the ledger). Reservations stay in the
 * ledger as they are. */
void alloc_plan_free(struct alloc_plan *pl);

/*
 * Open an incident with its n affected households (all in the footprint;
 * unique ids) and the shelters it must not use (inside the footprint or in a
 * high zone of its hazard; unknown ids ignored). Applies the policy, places
 * the evacuees from max(today, start), plans their meals for every day of
 * the period from then and their kits, reserving stock, recording
 * shortages. ALLOC_EEXIST if the id is in use.
 */
int alloc_plan_open(struct alloc_plan *pl,
		    const struct alloc_incident_spec *spec,
		    const struct alloc_household *hh, size_t n,
		    const uint32_t *unusable, size_t nunusable,
		    alloc_day today, char *err, size_t errlen);

/* More affected households for an open incident. Households it already has
 * are left as they are (so replaying a step is harmless); only new ones are
 * decided and placed. ALLOC_ESTATE if the incident is closed. */
int alloc_plan_add_households(struct alloc_plan *pl, uint32_t incident,
			      const struct alloc_household *hh, size_t n,
			      alloc_day today, char *err, size_t errlen);

/* New severity for an open incident: the policy is applied again to its
 * AFFECTED households and those that now evacuate are placed. Nobody
 * already evacuating is sent back (that is a check-out by the desk). */
int alloc_plan_set_severity(struct alloc_plan *pl, uint32_t incident,
			    const struct alloc_severity *sev, alloc_day today,
			    char *err, size_t errlen);

/* New emergency period length (>= 1) for an open incident: meals planned
 * for the added days, or released for the removed ones (from today on). */
int alloc_plan_set_days(struct alloc_plan *pl, uint32_t incident,
			uint32_t days, alloc_day today, char *err,
			size_t errlen);

/* More shelters this incident must not use (footprint grew). Its families
 * in them are re-homed from today, vulnerable first. */
int alloc_plan_exclude_shelters(struct alloc_plan *pl, uint32_t incident,
				const uint32_t *ids, size_t n, alloc_day today,
				char *err, size_t errlen);

/*
 * Add a shelter (new id) or replace what is known of one (same id). When it
 * closes or becomes unusable, all its families leave it from today; when
 * it becomes inaccessible, the families with a disabled member; when it
 * shrinks below what is placed in it, enough families to fit, chosen
 * deterministically: non-vulnerable before vulnerable, the most recently
 * placed first. Those that leave are re-homed (vulnerable first, by the
 * assignment rules); a family that fits nowhere becomes UNPLACED with its
 * reason. A shelter that opens or grows takes UNPLACED families of open
 * incidents, vulnerable first.
 */
int alloc_plan_update_shelter(struct alloc_plan *pl,
			      const struct alloc_shelter *s, alloc_day today,
			      char *err, size_t errlen);

/* A household leaves (from today): its stay ends, its places are free, its
 * meals from today are released. Kits already issued stay issued. Its
 * freed places go to UNPLACED families in reach. ALLOC_ENOENT if unknown;
 * a household not PLACED or UNPLACED: ALLOC_ESTATE. */
int alloc_plan_checkout(struct alloc_plan *pl, uint32_t incident,
			uint32_t household, alloc_day today, char *err,
			size_t errlen);

/* Stock arrives in the ledger (as alloc_ledger_receive), then open
 * shortages are filled: days from today in ascending order (kit shortages
 * of earlier days are filled for today: kits are still owed), then
 * incident, shelter, item. */
int alloc_plan_receive_stock(struct alloc_plan *pl, uint32_t depot,
			     uint32_t lot, int item, int64_t qty,
			     alloc_day expires, alloc_day today, char *err,
			     size_t errlen);

/*
 * A depot the plan does not know yet (new id; its place in metres, finite):
 * from now on its lots are planned like those of the depots it started
 * with. Lots of it the ledger already holds count as received now: open
 * shortages are filled from them as by alloc_plan_receive_stock. A depot
 * without lots changes no dispatch (no pass runs), so a plan started with
 * it decides as one it is added to later, and a replay may add it at
 * either point. Depots stay sorted by id (the indexes of greater ids move;
 * find them by id); nothing else moves, so the caller's ids stay valid.
 * ALLOC_EINVAL (id ALLOC_NONE, place not finite) and ALLOC_EEXIST (id
 * known) are found before anything changes.
 */
int alloc_plan_add_depot(struct alloc_plan *pl, const struct alloc_depot *d,
			 alloc_day today, char *err, size_t errlen);

/* dispatches[index] left the depot: its units are consumed from the lot
 * (find the index of a dispatch id with alloc_plan_dispatch_find).
 * ALLOC_ESTATE unless it is PLANNED. */
int alloc_plan_confirm(struct alloc_plan *pl, size_t index, char *err,
		       size_t errlen);

/* Re-plan every open incident from today: needs recomputed, surplus
 * released, shortages filled in order. Idempotent. */
int alloc_plan_replan(struct alloc_plan *pl, alloc_day today, char *err,
		      size_t errlen);

/* Close an incident: every stay ends today, PLANNED dispatches for days
 * from today are released (kits included), open shortages set to 0.
 * Evacuees become LEFT. Closing twice is ALLOC_ESTATE. */
int alloc_plan_close(struct alloc_plan *pl, uint32_t incident,
		     alloc_day today, char *err, size_t errlen);

/*
 * Give back the memory of finished work: every RELEASED dispatch line
 * (qty 0, nothing reserved) of a closed incident is removed from
 * dispatches, and so are the closed incidents' internal need cells left
 * without lines, and the closed incidents' unusable lists (emptied:
 * nunusable 0). Nothing any step, alloc_report or a caller reading the
 * arrays could see changes, except that dispatch indexes above a removed
 * line move down: ids stay (alloc_plan_dispatch_find). Evacuees, stays,
 * shortages and incidents are kept. rev is not bumped: nothing is stamped.
 * Call it between steps, with the change log read and cleared (ALLOC_ESTATE
 * otherwise; the logged indexes would be stale). *removed (when not NULL)
 * gets the number of lines removed. O(dispatches + cells); a caller doing
 * it when the array has doubled since the last time pays O(1) per line.
 */
int alloc_plan_compact(struct alloc_plan *pl, size_t *removed, char *err,
		       size_t errlen);

/*
 * Forget the closed incidents: their evacuee records and stays leave the
 * plan (their stays all ended at the close, their needs went then), which
 * a daemon running for months needs (issue 5: ~150 bytes per household
 * ever hit). No step reads them again: a closed incident takes no step.
 * What changes for a caller: evacuee and stay indexes move down (evacuee
 * ids stay: alloc_plan_evacuee_by_id), alloc_plan_evacuee_find no longer
 * finds a closed incident's households, and alloc_report_incident of a
 * closed incident counts nothing; keep what you need of them before (the
 * daemon keeps each household's history for household.find). Call it
 * between steps with the change log read and cleared (ALLOC_ESTATE
 * otherwise). *removed (when not NULL): the evacuee records removed;
 * *map (when not NULL): a malloc'd array, old evacuee index -> new index
 * or UINT32_MAX when removed, of the old nevacuees (the caller frees it).
 * O(evacuees + stays + incidents + shelters).
 */
int alloc_plan_forget_closed(struct alloc_plan *pl, size_t *removed,
			     uint32_t **map, char *err, size_t errlen);

/* ---- look-ups (O(log n) or O(1)); -1 when not found ----------------------- *//* ---- look-ups (O(log n) or O(1)); -1 when not found ----------------------- */

/* The index of the dispatch with this id (binary search). */
long alloc_plan_dispatch_find(const struct alloc_plan *pl, uint32_t id);
/* The index of the evacuee record with this id (binary search). */
long alloc_plan_evacuee_by_id(const struct alloc_plan *pl, uint32_t id);

long alloc_plan_incident_find(const struct alloc_plan *pl, uint32_t id);
long alloc_plan_shelter_find(const struct alloc_plan *pl, uint32_t id);
long alloc_plan_depot_find(const struct alloc_plan *pl, uint32_t id);
long alloc_plan_evacuee_find(const struct alloc_plan *pl, uint32_t incident,
			     uint32_t household);

/* Free places of shelters[index]: capacity - occupancy - placed, >= 0. */
uint32_t alloc_plan_shelter_free(const struct alloc_plan *pl, size_t index);

/* Indexes (ascending) of the stays of one incident, as above; after
 * alloc_plan_forget_closed a closed incident has none. */
size_t alloc_plan_incident_stays(const struct alloc_plan *pl,
				 uint32_t incident, const uint32_t **idx);

/* The ids (ascending) of the open incidents, owned by the plan and valid
 * until the next step. Walking these instead of every incident costs the
 * open incidents only: the plan keeps every closed incident's record. */
size_t alloc_plan_open_incidents(const struct alloc_plan *pl,
				 const uint32_t **ids);

/* Indexes (ascending) of the evacuees of one incident, owned by the plan and
 * valid until the next step; 0 and *idx NULL when the id is unknown. */
size_t alloc_plan_incident_evacuees(const struct alloc_plan *pl,
				    uint32_t incident, const uint32_t **idx);

/* ---- change log ------------------------------------------------------------
 * So that a caller need not scan the append-only arrays for rev: every
 * time a step stamps an evacuee, dispatch or shortage with plan->rev, its
 * index is logged (once per rev; in stamp order; an index may appear again
 * in a later step). The log only grows until the caller clears it (do so
 * when taking the rev to compare against); it never affects the plan. */
enum alloc_change_kind {
	ALLOC_CHG_EVACUEE = 0,
	ALLOC_CHG_DISPATCH = 1,
	ALLOC_CHG_SHORTAGE = 2,
	ALLOC_CHG_KINDS = 3
};

/* The logged indexes of one kind in *idx (owned by the plan, valid until
 * the next step or clear) and their count; -1 when the log is incomplete
 * (a step ran out of memory logging): scan the array by rev instead. */
long alloc_plan_changes(const struct alloc_plan *pl, int kind,
			const uint32_t **idx);
/* Empty the change log. */
void alloc_plan_changes_clear(struct alloc_plan *pl);

/*
 * The desk places one household of an open incident in a named shelter
 * (docs/protocol.md 2.4): a walk-in check-in, or a transfer between
 * shelters.
 *
 * hh: the household as the register has it. Used only when the incident
 * does not know it yet (the family came from outside the footprint): it is
 * then added as an evacuee that evacuates. When the incident knows it, its
 * own record (persons, disabled members) is used.
 *
 * The family arrives today (not before the incident's start). A PLACED
 * family leaves its shelter today as a re-home does: its meals from today
 * are released there and planned at the new shelter; the places it leaves
 * go to UNPLACED families in reach, as after a check-out. A family that was
 * AFFECTED, UNPLACED or LEFT is placed. Kits are owed at this shelter only
 * if the family never had a shelter (kits are issued once). The distance
 * limit is not applied: the desk decided.
 *
 * Refused before anything changes (plan as before, rev included), with
 * the reason of alloc_plan_place_check in err: ALLOC_ENOENT for an unknown
 * incident or shelter, ALLOC_ESTATE for the other refusals; ALLOC_EINVAL
 * for bad counts of a household new to the incident.
 */
enum alloc_place_refusal {
	ALLOC_PLACE_OK = 0,
	ALLOC_PLACE_NO_INCIDENT = 1,     /* unknown incident */
	ALLOC_PLACE_INCIDENT_CLOSED = 2, /* incident closed */
	ALLOC_PLACE_NO_SHELTER = 3,      /* unknown shelter */
	ALLOC_PLACE_SHELTER_CLOSED = 4,  /* shelter not open */
	ALLOC_PLACE_UNUSABLE = 5,        /* unusable, or excluded for this
	                                    incident (in its footprint or a
	                                    high zone of its hazard) */
	ALLOC_PLACE_INACCESSIBLE = 6,    /* a disabled member, shelter not
	                                    accessible */
	ALLOC_PLACE_FULL = 7,         /* free places < the family's persons */
	ALLOC_PLACE_ALREADY_THERE = 8 /* already placed in that shelter */
};

int alloc_plan_place(struct alloc_plan *pl, uint32_t incident,
                     const struct alloc_household *hh, uint32_t shelter,
                     alloc_day today, char *err, size_t errlen);

/* Would alloc_plan_place accept? Returns enum alloc_place_refusal (the
 * first that applies, in the enum's order, except that ALREADY_THERE is
 * found before the shelter's state); *free_places (when not NULL) gets the
 * shelter's free places (0 when unknown). Changes nothing. */
int alloc_plan_place_check(const struct alloc_plan *pl, uint32_t incident,
                           const struct alloc_household *hh, uint32_t shelter,
                           uint32_t *free_places);

/* Short English text of an enum alloc_place_refusal ("shelter closed",
 * "not enough free places", ...); "?" else. */
const char *alloc_place_refusal_name(int why);

#endif
