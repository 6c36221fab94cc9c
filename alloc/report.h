/*
 * alloc/report.h - the counts for the SPM report (Indeks Pencapaian SPM
 * Bencana; domain.md §3.3-3.5): per incident, per shelter and per
 * kelurahan of origin, over a range of days.
 *
 * The office's permakanan indicator (IKK 19, "pengungsi mendapat
 * permakanan 3x1") is ambiguous between unique persons and person-days
 * (domain.md §3.5 item 3), so both are kept: persons_fed counts each
 * evacuee once, person_days counts each evacuee once per day present.
 *
 * Numbers add up: the shelter rows sum to the total for every field, and so
 * do the kelurahan rows for every field they carry (see struct
 * alloc_counts). Computed from the plan on demand; O(records).
 */
#ifndef POSKO_ALLOC_REPORT_H
#define POSKO_ALLOC_REPORT_H

#include "alloc/plan.h"

struct alloc_counts {
	/* households and persons (each household counted once) */
	uint64_t households_affected; /* every household in the footprint,
					 evacuating or not */
	uint64_t persons_affected;
	uint64_t households_evacuating; /* the policy said evacuate */
	uint64_t persons_evacuating;
	uint64_t households_placed;   /* in a shelter on some day of the
					 range */
	uint64_t persons_placed;
	uint64_t households_unplaced; /* evacuating, UNPLACED now */
	uint64_t persons_unplaced;
	/* permakanan */
	uint64_t persons_fed;   /* unique persons present >= 1 day of the
				   range within the period */
	uint64_t person_days;   /* sum of persons x days present (range and
				   period) */
	uint64_t meals_due;     /* meals_per_day x person_days */
	uint64_t meals_planned; /* in PLANNED + CONFIRMED dispatches */
	uint64_t meals_delivered; /* in CONFIRMED dispatches */
	uint64_t meals_short;   /* open deficits */
	/* sandang (index enum alloc_item; [ALLOC_ITEM_MEAL] unused) */
	uint64_t kits_due[ALLOC_ITEM_COUNT];     /* by the kit rule, for
						    households whose first
						    day is in the range */
	uint64_t kits_planned[ALLOC_ITEM_COUNT]; /* PLANNED + CONFIRMED */
	uint64_t kits_issued[ALLOC_ITEM_COUNT];  /* CONFIRMED */
	uint64_t kits_short[ALLOC_ITEM_COUNT];   /* open deficits */
	uint64_t persons_clothed; /* persons of households whose kits are
				     due in the range */
	/* shelters */
	uint64_t shelters_used; /* shelters with someone present in the
				   range (1 or 0 in a shelter row) */
};

/*
 * A row: key is the shelter id (shelter rows) or the kelurahan code
 * (kelurahan rows, 0 = unknown). Shelter rows carry every field except
 * households/persons affected, evacuating and unplaced (those have no
 * shelter) which stay 0. Kelurahan rows (the evacuees' home kelurahan)
 * carry the household and person fields, persons_fed, person_days,
 * meals_due, kits_due and persons_clothed, and shelters_used = shelters
 * hosting someone from it (these do not sum to the total: a shelter hosts
 * several kelurahan); meals and kits planned, delivered and short are
 * counted where they go (shelters) and stay 0.
 */
struct alloc_report_row {
	uint32_t key;
	struct alloc_counts c;
};

struct alloc_report {
	uint32_t incident;
	alloc_day from, to;          /* the range, inclusive */
	struct alloc_counts total;
	struct alloc_report_row *shelters;  /* sorted by id; malloc'ed */
	size_t nshelters;
	struct alloc_report_row *kelurahan; /* sorted by code; malloc'ed */
	size_t nkelurahan;
};

/*
 * Counts for one incident over days [from, to] (inclusive; pass
 * INT32_MIN, ALLOC_DAY_NEVER - 1 for everything). Households affected,
 * evacuating and unplaced are counted whatever the range. Fills *out
 * (free with alloc_report_free). ALLOC_ENOENT for an unknown incident.
 */
int alloc_report_incident(const struct alloc_plan *pl, uint32_t incident,
			  alloc_day from, alloc_day to,
			  struct alloc_report *out, char *err, size_t errlen);

void alloc_report_free(struct alloc_report *r);

#endif
