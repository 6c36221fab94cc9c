/*
 * alloc/shelter.h - shelter assignment: which evacuee household goes to
 * which shelter.
 *
 * Rules (design.md "Domain rules", issue 4):
 *  - a family is never split: a household goes whole to one shelter;
 *  - only shelters that are open, usable and have room; no shelter ends
 *    over capacity (capacity - occupancy is what is free);
 *  - a household with a member with a disability goes only to an accessible
 *    shelter;
 *  - nobody goes further than max_distance_m (default 5 km);
 *  - vulnerable households (any elderly, under-five, disabled or pregnant
 *    member) are placed first when places are short, and nearer: their
 *    distance weighs vulnerable_weight times in the objective;
 *  - among such placements, total person-metres (persons x Euclidean
 *    distance) is made as small as the algorithm can (target: within 2 % of
 *    the optimum, measured by bench/bench_alloc.c against the LP bound);
 *  - whoever cannot be placed is returned with a reason, never dropped.
 *
 * Algorithm (docs/alloc.md): candidate shelters in reach from a grid index;
 * a price-directed assignment (each household takes the shelter with the
 * least distance + shelter price; an over-full shelter raises its price just
 * enough to shed its excess, households that leave take their next best)
 * which keeps every household within epsilon_m of its best choice at the
 * final prices (epsilon complementary slackness: the total is then within
 * persons x epsilon_m of the optimum of the relaxed problem, up to places
 * left empty by whole families); then a fill pass moving families into
 * places left empty when that shortens their trip.
 */
#ifndef POSKO_ALLOC_SHELTER_H
#define POSKO_ALLOC_SHELTER_H

#include "alloc/common.h"

/* Why a household has no shelter. */
enum alloc_reason {
	ALLOC_PLACED = 0,        /* it has one */
	ALLOC_NONE_IN_REACH = 1, /* no open, usable shelter within the
				    distance limit (that could ever hold
				    the whole family) */
	ALLOC_ALL_FULL = 2,      /* shelters in reach, but no room left */
	ALLOC_NO_ACCESSIBLE = 3  /* a member has a disability and no
				    accessible shelter is in reach */
};

/* "placed", "none_in_reach", "all_full", "no_accessible"; "?" else. */
const char *alloc_reason_name(int reason);

struct alloc_assign_params {
	double max_distance_m;    /* default 5000 (issue 4) */
	double vulnerable_weight; /* >= 1: a vulnerable household's metres
				     count this many times; default 1.1 */
	double epsilon_m;         /* price step in metres, > 0; default 1 */
	uint32_t candidates;      /* nearest shelters kept per household
				     before a lazy widening; default 16 */
};

void alloc_assign_params_default(struct alloc_assign_params *p);
/* Returns 0 or ALLOC_EINVAL (non-finite or non-positive distance, weight
 * < 1, epsilon <= 0, candidates 0). */
int alloc_assign_params_validate(const struct alloc_assign_params *p,
				 char *err, size_t errlen);

/* The decision for one household. */
struct alloc_assignment {
	uint32_t household; /* household id */
	uint32_t shelter;   /* shelter id, ALLOC_NONE when unplaced */
	uint8_t reason;     /* enum alloc_reason; ALLOC_PLACED when placed */
	double distance_m;  /* household to shelter; 0 when unplaced */
};

/* Totals of one assignment run. */
struct alloc_assign_stats {
	double person_metres;       /* sum persons x distance of placed */
	uint64_t households_placed;
	uint64_t households_unplaced;
	uint64_t persons_placed;
	uint64_t persons_unplaced;
	uint64_t price_rounds;      /* over-full shelters processed */
	uint32_t hurried;           /* 1: the work budget ran out (a region
				       far too crowded); rules hold, the
				       total may be further from optimum */
};

/*
 * Assign n households to m shelters. out[i] is the decision for hh[i]
 * (out has n elements, same order as hh; the computation itself is in id
 * order, so a permuted input gives the same decision per household).
 * Shelters with open == 0 or usable == 0, or with no free place, take
 * nobody. Household and shelter ids must be unique (ALLOC_EINVAL
 * otherwise), persons >= 1, coordinates finite. stats may be NULL.
 * Returns 0, ALLOC_EINVAL or ALLOC_ENOMEM.
 */
int alloc_shelter_assign(const struct alloc_household *hh, size_t n,
			 const struct alloc_shelter *sh, size_t m,
			 const struct alloc_assign_params *p,
			 struct alloc_assignment *out,
			 struct alloc_assign_stats *stats, char *err,
			 size_t errlen);

#endif
