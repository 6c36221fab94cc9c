/*
 * alloc/supply.h - depot stock (a ledger of lots), the rules for meals
 * (permakanan 3x1) and clothing kits (sandang), and expiry warnings.
 *
 * The ledger is a plain struct the caller owns (the daemon keeps it in step
 * with its store). Stock moves in three steps:
 *   reserve  - a planned dispatch holds units of a lot (reserved += q);
 *   confirm  - the dispatch left the depot: the units are consumed
 *              (qty -= q, reserved -= q);
 *   release  - the plan no longer needs them (reserved -= q).
 * qty and reserved never go negative and reserved never exceeds qty: any
 * call that would break this fails with ALLOC_ESTOCK and changes nothing.
 *
 * Expiry (FEFO, first expired first out): a lot is usable on day d only if
 * expires >= d (it may still be eaten on its expiry date); planning takes
 * the lot that expires first among the usable ones. Ready meals and family
 * kits expire (the Tangsel expired family kit incident, Jan 2024, and
 * Kemensos's 6-monthly expiry check: anchors.md §4.4).
 */
#ifndef POSKO_ALLOC_SUPPLY_H
#define POSKO_ALLOC_SUPPLY_H

#include "alloc/common.h"

/* One lot of one item in one depot. */
struct alloc_lot {
	uint32_t depot;    /* depot id */
	uint32_t lot;      /* lot id (the caller maps lot strings); unique
			      per (depot, item) */
	uint8_t item;      /* enum alloc_item */
	alloc_day expires; /* last usable day; ALLOC_DAY_NEVER if none */
	int64_t qty;       /* units on hand, not yet consumed */
	int64_t reserved;  /* of qty, held by planned dispatches */
};

/* The ledger: lots[0..n). A lot keeps its index for the ledger's life
 * (lots are never removed, an empty lot stays with qty 0), so dispatches
 * may refer to lots by index. */
struct alloc_ledger {
	struct alloc_lot *lots;
	size_t n, cap;
};

void alloc_ledger_init(struct alloc_ledger *l);
void alloc_ledger_free(struct alloc_ledger *l);

/*
 * Stock received (or loaded): add qty (> 0) units to lot (depot, lot,
 * item), creating it if new. An existing lot must have the same expiry
 * (ALLOC_EINVAL otherwise). *index (may be NULL) gets the lot's index.
 */
int alloc_ledger_receive(struct alloc_ledger *l, uint32_t depot,
			 uint32_t lot, int item, int64_t qty,
			 alloc_day expires, size_t *index, char *err,
			 size_t errlen);

/* Index of lot (depot, lot, item), or -1. Linear; for loaders and tools. */
long alloc_ledger_find(const struct alloc_ledger *l, uint32_t depot,
		       uint32_t lot, int item);

/* The three steps on lots[index]; q > 0. Return 0, ALLOC_ENOENT (bad
 * index), ALLOC_EINVAL (q <= 0) or ALLOC_ESTOCK. */
int alloc_ledger_reserve(struct alloc_ledger *l, size_t index, int64_t q);
int alloc_ledger_confirm(struct alloc_ledger *l, size_t index, int64_t q);
int alloc_ledger_release(struct alloc_ledger *l, size_t index, int64_t q);

/* Units of item not reserved, usable on day (expires >= day), in depot
 * (ALLOC_NONE = all depots). */
int64_t alloc_ledger_available(const struct alloc_ledger *l, uint32_t depot,
			       int item, alloc_day day);

/* A lot about to expire with units nobody planned to use. */
struct alloc_expiring {
	size_t index;      /* lots[index] */
	uint32_t depot, lot;
	uint8_t item;
	alloc_day expires;
	int64_t unused;    /* qty - reserved */
};

/*
 * Lots with unused units that expire within `within_days` days of today
 * (today <= expires <= today + within_days), plus those already expired
 * (expires < today) that still hold units, sorted by (expires, depot,
 * item, lot). *out is malloc'ed (free()), NULL when *n is 0.
 */
int alloc_ledger_expiring(const struct alloc_ledger *l, alloc_day today,
			  uint32_t within_days, struct alloc_expiring **out,
			  size_t *n, char *err, size_t errlen);

/* ---- meals and kits ------------------------------------------------------ */

struct alloc_supply_params {
	uint32_t meals_per_day;    /* 3: SPM permakanan "3x1" (Permensos
				      9/2018; anchors.md §4.5) */
	uint32_t days;             /* default emergency period, 7 (Matraman
				      fire post ran 7 days, anchors.md §4.4;
				      overridable per incident) */
	uint8_t kit_under5;        /* item for an under-five: default
				      ALLOC_ITEM_KIT_INFANT (sandang bayi;
				      only under-5 counts are known) */
	uint8_t kit_other;         /* item for everyone else: default
				      ALLOC_ITEM_KIT_ADULT */
	uint32_t kits_per_person;  /* 1 at admission (anchors.md §4.5) */
	uint32_t family_kits;      /* kit_family per household, once per
				      evacuation; default 1 (0 = none) */
	uint32_t expiry_warn_days; /* warn for unused lots expiring within
				      this many days; default 7 */
	double max_depot_distance_m; /* depots further from a shelter are not
				      used; 0 = no limit (default) */
};

void alloc_supply_params_default(struct alloc_supply_params *p);
/* Returns 0 or ALLOC_EINVAL (meals_per_day 0, days 0 or > 366, a kit item
 * that is not a kit, negative or non-finite distance). */
int alloc_supply_params_validate(const struct alloc_supply_params *p,
				 char *err, size_t errlen);

/* Kits one household gets once per evacuation: counts[item] for every
 * item (counts[ALLOC_ITEM_MEAL] = 0). */
void alloc_supply_kits(const struct alloc_supply_params *p,
		       const struct alloc_household *h,
		       int64_t counts[ALLOC_ITEM_COUNT]);

#endif
