/*
 * alloc/policy.c - evacuation policy: incident type and severity -> the
 * zone classes that evacuate -> per household evacuate or affected only.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/policy.h"
#include "alloc/internal.h"

#include <string.h>

static const char *const type_names[ALLOC_INC_COUNT] = {
	"flood", "fire", "collapse", "extreme_weather", "earthquake", "other"
};

static const char *const level_names[5] = {
	"?", "minor", "moderate", "severe", "extreme"
};

const char *
alloc_incident_type_name(int type)
{
	if (type < 0 || type >= ALLOC_INC_COUNT)
		return "?";
	return type_names[type];
}

int
alloc_incident_type_parse(const char *s)
{
	if (s == NULL)
		return ALLOC_EINVAL;
	for (int i = 0; i < ALLOC_INC_COUNT; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return ALLOC_EINVAL;
}

const char *
alloc_level_name(int level)
{
	if (level < ALLOC_LEVEL_MINOR || level > ALLOC_LEVEL_EXTREME)
		return "?";
	return level_names[level];
}

int
alloc_level_parse(const char *s)
{
	if (s == NULL)
		return ALLOC_EINVAL;
	for (int i = ALLOC_LEVEL_MINOR; i <= ALLOC_LEVEL_EXTREME; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return ALLOC_EINVAL;
}

#define HIGH ALLOC_CLASSBIT(ALLOC_CLASS_HIGH)
#define MEDIUM ALLOC_CLASSBIT(ALLOC_CLASS_MEDIUM)

/* Everyone in the footprint, whatever the severity: fire and collapse. */
static void
rule_everyone(struct alloc_policy_rule *r, uint8_t hazard)
{
	memset(r, 0, sizeof(*r));
	r->hazard = hazard;
	for (int i = 1; i <= 4; i++) {
		r->siaga[i] = ALLOC_CLASSES_ALL;
		r->level[i] = ALLOC_CLASSES_ALL;
	}
	r->order = ALLOC_CLASSES_ALL;
	r->unspecified = ALLOC_CLASSES_ALL;
	r->ndepth = 1;
	r->depth[0].min_cm = 0;
	r->depth[0].classes = ALLOC_CLASSES_ALL;
}

/* No zone layer: only the worst levels and an order move people. */
static void
rule_no_zones(struct alloc_policy_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->hazard = ALLOC_HAZARD_NONE;
	r->siaga[1] = ALLOC_CLASSES_ALL;
	r->level[ALLOC_LEVEL_SEVERE] = ALLOC_CLASSES_ALL;
	r->level[ALLOC_LEVEL_EXTREME] = ALLOC_CLASSES_ALL;
	r->order = ALLOC_CLASSES_ALL;
}

void
alloc_policy_default(struct alloc_policy *p)
{
	struct alloc_policy_rule *f = &p->rule[ALLOC_INC_FLOOD];

	memset(p, 0, sizeof(*p));
	/*
	 * Flood by water-gate alert level (Siaga 4 normal .. Siaga 1 critical,
	 * PetaBencana floodgauges, anchors.md §3.1): at Siaga 1 high and
	 * medium zones leave, at Siaga 2 high zones, at 3 and 4 the desk
	 * monitors (issue 4).
	 */
	f->hazard = ALLOC_HAZARD_FLOOD;
	f->siaga[1] = HIGH | MEDIUM;
	f->siaga[2] = HIGH;
	/*
	 * Flood by depth: PetaBencana's state 3 ("moderate", 71-150 cm) is
	 * where InaSAFE's PetaBencana classes start counting displaced people
	 * at a higher rate (anchors.md §1.3, §3.1); below 71 cm (state 2,
	 * 10-70 cm) people usually stay. The footprint is the area at that
	 * depth, so everyone in it leaves.
	 */
	f->ndepth = 1;
	f->depth[0].min_cm = 71;
	f->depth[0].classes = ALLOC_CLASSES_ALL;
	/* Levels follow PetaBencana's severity words for states 2..4. */
	f->level[ALLOC_LEVEL_MINOR] = ALLOC_CLASSES_NONE;
	f->level[ALLOC_LEVEL_MODERATE] = HIGH;
	f->level[ALLOC_LEVEL_SEVERE] = HIGH | MEDIUM;
	f->level[ALLOC_LEVEL_EXTREME] = ALLOC_CLASSES_ALL;
	f->order = ALLOC_CLASSES_ALL;
	/* A flood reported without a severity: treat like Siaga 2. */
	f->unspecified = HIGH;

	rule_everyone(&p->rule[ALLOC_INC_FIRE], ALLOC_HAZARD_FIRE);
	rule_everyone(&p->rule[ALLOC_INC_COLLAPSE], ALLOC_HAZARD_NONE);
	rule_no_zones(&p->rule[ALLOC_INC_EXTREME_WEATHER]);
	rule_no_zones(&p->rule[ALLOC_INC_EARTHQUAKE]);
	rule_no_zones(&p->rule[ALLOC_INC_OTHER]);
}

static int
mask_ok(alloc_classmask m)
{
	return (m & ~ALLOC_CLASSES_ALL) == 0;
}

static int
rule_validate(const struct alloc_policy_rule *r, int type, char *err,
	      size_t errlen)
{
	const char *tn = alloc_incident_type_name(type);

	if (r->hazard > ALLOC_HAZARD_FIRE)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "policy %s: unknown hazard %u", tn,
				    r->hazard);
	for (int i = 0; i <= 4; i++)
		if (!mask_ok(r->siaga[i]) || !mask_ok(r->level[i]))
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "policy %s: class mask out of "
					    "range", tn);
	if (!mask_ok(r->order) || !mask_ok(r->unspecified))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "policy %s: class mask out of range", tn);
	if (r->ndepth > ALLOC_POLICY_DEPTH_BANDS)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "policy %s: %u depth bands (max %d)", tn,
				    r->ndepth, ALLOC_POLICY_DEPTH_BANDS);
	for (int i = 0; i < r->ndepth; i++) {
		if (r->depth[i].min_cm < 0 || !mask_ok(r->depth[i].classes))
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "policy %s: bad depth band %d",
					    tn, i);
		if (i > 0 && r->depth[i].min_cm <= r->depth[i - 1].min_cm)
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "policy %s: depth bands not in "
					    "increasing order", tn);
	}
	return ALLOC_OK;
}

int
alloc_policy_validate(const struct alloc_policy *p, char *err, size_t errlen)
{
	int rc;

	if (p == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL, "no policy");
	for (int t = 0; t < ALLOC_INC_COUNT; t++) {
		rc = rule_validate(&p->rule[t], t, err, errlen);
		if (rc != ALLOC_OK)
			return rc;
	}
	return ALLOC_OK;
}

int
alloc_policy_hazard(const struct alloc_policy *p, int type)
{
	if (p == NULL || type < 0 || type >= ALLOC_INC_COUNT)
		return ALLOC_HAZARD_NONE;
	return p->rule[type].hazard;
}

static alloc_classmask
depth_classes(const struct alloc_policy_rule *r, int32_t cm)
{
	alloc_classmask m = ALLOC_CLASSES_NONE;

	for (int i = 0; i < r->ndepth && i < ALLOC_POLICY_DEPTH_BANDS; i++)
		if (cm >= r->depth[i].min_cm)
			m = r->depth[i].classes;
	return m;
}

int
alloc_policy_classes(const struct alloc_policy *p, int type,
		     const struct alloc_severity *sev, alloc_classmask *out,
		     char *err, size_t errlen)
{
	const struct alloc_policy_rule *r;
	int32_t v;

	if (p == NULL || sev == NULL || out == NULL)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "policy: NULL argument");
	if (type < 0 || type >= ALLOC_INC_COUNT)
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "policy: unknown incident type %d", type);
	r = &p->rule[type];
	v = sev->value;
	switch (sev->kind) {
	case ALLOC_SEV_NONE:
		*out = r->unspecified;
		return ALLOC_OK;
	case ALLOC_SEV_SIAGA:
		if (v < 1 || v > 4)
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "policy: siaga %d not in 1..4",
					    (int)v);
		*out = r->siaga[v];
		return ALLOC_OK;
	case ALLOC_SEV_DEPTH_CM:
		if (v < 0)
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "policy: negative depth %d cm",
					    (int)v);
		*out = depth_classes(r, v);
		return ALLOC_OK;
	case ALLOC_SEV_LEVEL:
		if (v < ALLOC_LEVEL_MINOR || v > ALLOC_LEVEL_EXTREME)
			return alloc_seterr(err, errlen, ALLOC_EINVAL,
					    "policy: level %d not in 1..4",
					    (int)v);
		*out = r->level[v];
		return ALLOC_OK;
	case ALLOC_SEV_EVACUATE:
		/* An order that says "no" is no order. */
		*out = v ? r->order : r->unspecified;
		return ALLOC_OK;
	}
	return alloc_seterr(err, errlen, ALLOC_EINVAL,
			    "policy: unknown severity kind %u", sev->kind);
}

int
alloc_policy_decide(const struct alloc_policy *p, int type,
		    const struct alloc_severity *sev,
		    const struct alloc_household *hh, size_t n,
		    uint8_t *evacuate, char *err, size_t errlen)
{
	alloc_classmask m;
	int hazard, rc;

	rc = alloc_policy_classes(p, type, sev, &m, err, errlen);
	if (rc != ALLOC_OK)
		return rc;
	if (n > 0 && (hh == NULL || evacuate == NULL))
		return alloc_seterr(err, errlen, ALLOC_EINVAL,
				    "policy: NULL households");
	hazard = p->rule[type].hazard;
	for (size_t i = 0; i < n; i++) {
		unsigned c = ALLOC_CLASS_NONE;

		if (hazard == ALLOC_HAZARD_FLOOD)
			c = hh[i].flood_class;
		else if (hazard == ALLOC_HAZARD_FIRE)
			c = hh[i].fire_class;
		/* A class out of range is read as the worst: when in
		 * doubt, evacuate. */
		if (c > ALLOC_CLASS_HIGH)
			c = ALLOC_CLASS_HIGH;
		evacuate[i] = (m & ALLOC_CLASSBIT(c)) != 0;
	}
	return ALLOC_OK;
}
