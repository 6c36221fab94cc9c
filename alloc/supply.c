/*
 * alloc/supply.c - the rules for meals (permakanan 3x1) and clothing kits
 * (sandang), and their parameters.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/supply.h"
#include "alloc/internal.h"

#include <math.h>
#include <string.h>

void
alloc_supply_params_default(struct alloc_supply_params *p)
{
	memset(p, 0, sizeof(*p));
	/* SPM permakanan "3x1": three meals a day per evacuee during the
	 * emergency period (Renstra Dinsos DKI sub-activity 2.2.2,
	 * domain.md §3.2; Permensos 9/2018, anchors.md §4.3). */
	p->meals_per_day = 3;
	/* The seeds give no length for masa tanggap darurat (domain.md §8);
	 * 7 days is what the Matraman fire evacuation post ran, Dec 2024
	 * (anchors.md §4.4). Overridden per incident. */
	p->days = 7;
	/* Only under-five counts are known per household: they get the baby
	 * kit (sandang bayi: diapers, baby blankets, anchors.md §4.4);
	 * everyone else the adult kit. kit_child stays for config. */
	p->kit_under5 = ALLOC_ITEM_KIT_INFANT;
	p->kit_other = ALLOC_ITEM_KIT_ADULT;
	/* One kit per person at admission (anchors.md §4.5; Sphere's
	 * "2 sets" is met by the kit's contents, not by two kits). */
	p->kits_per_person = 1;
	/* One family kit per household, once per evacuation (Perka BNPB
	 * 7/2008 counts family kits per family, anchors.md §4.2). */
	p->family_kits = 1;
	/* Warn a week ahead: enough to move a lot to an open incident
	 * before it is lost (Kemensos checks expiry twice a year,
	 * anchors.md §4.4, which is too late for ready meals). */
	p->expiry_warn_days = 7;
	p->max_depot_distance_m = 0;
}

static int
is_kit(int item)
{
	return item == ALLOC_ITEM_KIT_ADULT || item == ALLOC_ITEM_KIT_CHILD ||
	       item == ALLOC_ITEM_KIT_INFANT || item == ALLOC_ITEM_KIT_FAMILY;
}

int
alloc_supply_params_validate(const struct alloc_supply_params *p, char *err,
			     size_t errlen)
{
	if (p == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "supply: no parameters");
	if (p->meals_per_day == 0 || p->meals_per_day > 10)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "supply: meals_per_day must be 1..10");
	if (p->days == 0 || p->days > 366)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "supply: days must be 1..366");
	if (!is_kit(p->kit_under5) || !is_kit(p->kit_other))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "supply: kit items must be kits");
	if (p->kits_per_person > 100 || p->family_kits > 100)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "supply: kits per person or family "
				    "above 100");
	if (!isfinite(p->max_depot_distance_m) || p->max_depot_distance_m < 0)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "supply: max_depot_distance_m must be "
				    ">= 0");
	return ALLOC_OK;
}

void
alloc_supply_kits(const struct alloc_supply_params *p,
		  const struct alloc_household *h,
		  int64_t counts[ALLOC_ITEM_COUNT])
{
	int64_t u5 = h->under5 < h->persons ? h->under5 : h->persons;

	memset(counts, 0, sizeof(int64_t) * ALLOC_ITEM_COUNT);
	counts[p->kit_under5] += u5 * p->kits_per_person;
	counts[p->kit_other] += (h->persons - u5) * p->kits_per_person;
	counts[ALLOC_ITEM_KIT_FAMILY] += p->family_kits;
	counts[ALLOC_ITEM_MEAL] = 0;
}
