/*
 * alloc/policy.h - evacuation policy: for an incident's type and severity,
 * which affected households evacuate.
 *
 * The policy is data (filled by config/ from posko.conf), not code: per
 * incident type, a rule gives the set of zone classes that evacuate for each
 * way the severity can be stated. A household in the footprint whose zone
 * class (of the rule's hazard) is in the set evacuates; every other
 * household in the footprint is "affected only". Affected households are
 * still counted: the office reports people affected and evacuees
 * separately (domain.md §2.4, §3.4).
 *
 * Class sets are bit masks over enum alloc_class: bit c set = class c
 * evacuates. ALLOC_CLASSES_ALL includes class "none", so it means "everyone
 * in the footprint", whatever zone they are in.
 */
#ifndef POSKO_ALLOC_POLICY_H
#define POSKO_ALLOC_POLICY_H

#include "alloc/common.h"

/* Incident types (HACKING.md "Incident report"). */
enum alloc_incident_type {
	ALLOC_INC_FLOOD = 0,
	ALLOC_INC_FIRE = 1,
	ALLOC_INC_COLLAPSE = 2,
	ALLOC_INC_EXTREME_WEATHER = 3,
	ALLOC_INC_EARTHQUAKE = 4,
	ALLOC_INC_OTHER = 5,
	ALLOC_INC_COUNT = 6
};

/* "flood", "fire", "collapse", "extreme_weather", "earthquake", "other";
 * "?" else. */
const char *alloc_incident_type_name(int type);
/* The inverse (exact). Returns the type or ALLOC_EINVAL. */
int alloc_incident_type_parse(const char *s);

/* How the severity was stated (one of, per HACKING.md). */
enum alloc_severity_kind {
	ALLOC_SEV_NONE = 0,     /* no severity given */
	ALLOC_SEV_SIAGA = 1,    /* water-gate alert level, value 1..4 (1 worst) */
	ALLOC_SEV_DEPTH_CM = 2, /* water depth in cm, value >= 0 */
	ALLOC_SEV_LEVEL = 3,    /* value enum alloc_level 1..4 */
	ALLOC_SEV_EVACUATE = 4  /* explicit evacuation order, value 1 */
};

enum alloc_level {
	ALLOC_LEVEL_MINOR = 1,
	ALLOC_LEVEL_MODERATE = 2,
	ALLOC_LEVEL_SEVERE = 3,
	ALLOC_LEVEL_EXTREME = 4
};

/* "minor".."extreme" <-> 1..4. parse returns the level or ALLOC_EINVAL. */
const char *alloc_level_name(int level);
int alloc_level_parse(const char *s);

struct alloc_severity {
	uint8_t kind;  /* enum alloc_severity_kind */
	int32_t value; /* see the kind */
};

/* Which household zone class a rule tests. */
enum alloc_hazard {
	ALLOC_HAZARD_NONE = 0,  /* no zone layer: every household has class
				   "none" for this rule */
	ALLOC_HAZARD_FLOOD = 1, /* alloc_household.flood_class */
	ALLOC_HAZARD_FIRE = 2   /* alloc_household.fire_class */
};

typedef uint8_t alloc_classmask;
#define ALLOC_CLASSBIT(c) ((alloc_classmask)(1u << (c)))
#define ALLOC_CLASSES_NONE ((alloc_classmask)0)
#define ALLOC_CLASSES_ALL ((alloc_classmask)0x0f)

#define ALLOC_POLICY_DEPTH_BANDS 4

/* A depth band: a depth >= min_cm evacuates `classes`. */
struct alloc_depth_band {
	int32_t min_cm;
	alloc_classmask classes;
};

/*
 * The rule for one incident type. For a severity of kind:
 *   SIAGA v     -> siaga[v]            (v 1..4; index 0 unused)
 *   DEPTH_CM d  -> classes of the band with the largest min_cm <= d, or
 *                  none when no band applies
 *   LEVEL v     -> level[v]            (v 1..4; index 0 unused)
 *   EVACUATE    -> order
 *   NONE        -> unspecified
 */
struct alloc_policy_rule {
	uint8_t hazard; /* enum alloc_hazard: which class the masks test */
	alloc_classmask siaga[5];
	alloc_classmask level[5];
	alloc_classmask order;
	alloc_classmask unspecified;
	uint8_t ndepth; /* bands used, 0..ALLOC_POLICY_DEPTH_BANDS */
	struct alloc_depth_band depth[ALLOC_POLICY_DEPTH_BANDS];
};

struct alloc_policy {
	struct alloc_policy_rule rule[ALLOC_INC_COUNT];
};

/*
 * The documented defaults (docs/alloc.md has the table and sources):
 *  flood (hazard flood): Siaga 1 -> high + medium, Siaga 2 -> high,
 *    Siaga 3 and 4 -> none (monitor); depth >= 71 cm -> everyone in the
 *    footprint (PetaBencana state 3 "moderate" starts at 71 cm, the band
 *    InaSAFE gives a displacement rate for; anchors.md §1.3, §3.1);
 *    level minor -> none, moderate -> high, severe -> high + medium,
 *    extreme -> all; order -> all; unspecified -> high.
 *  fire (hazard fire), collapse: everyone in the footprint, whatever the
 *    severity (a burning or collapsed block is left).
 *  extreme_weather, earthquake, other (hazard none): severe and extreme
 *    levels, Siaga 1 and an order -> all; otherwise none.
 */
void alloc_policy_default(struct alloc_policy *p);

/* Checks masks (only bits 0..3), hazards, band count and that bands are in
 * increasing min_cm order with min_cm >= 0. Returns 0 or ALLOC_EINVAL. */
int alloc_policy_validate(const struct alloc_policy *p, char *err,
			  size_t errlen);

/* The hazard whose zones the rule for `type` tests (enum alloc_hazard):
 * the caller uses it to exclude shelters in a high zone of that hazard. */
int alloc_policy_hazard(const struct alloc_policy *p, int type);

/*
 * The class set that evacuates for this type and severity. Returns 0, or
 * ALLOC_EINVAL for an unknown type or kind or a value out of range (siaga
 * and level outside 1..4, negative depth).
 */
int alloc_policy_classes(const struct alloc_policy *p, int type,
			 const struct alloc_severity *sev,
			 alloc_classmask *out, char *err, size_t errlen);

/*
 * Decide for n affected households (all inside the footprint): evacuate[i]
 * = 1 when hh[i] evacuates, 0 when affected only. Returns as
 * alloc_policy_classes; evacuate is untouched on error.
 */
int alloc_policy_decide(const struct alloc_policy *p, int type,
			const struct alloc_severity *sev,
			const struct alloc_household *hh, size_t n,
			uint8_t *evacuate, char *err, size_t errlen);

#endif
