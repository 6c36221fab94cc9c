/*
 * ctl/plan.c - `poskoctl plan` (see ctl/plan.h): geo loads and intersects,
 * alloc decides, this file only wires them and prints.
 */
#define _POSIX_C_SOURCE 200809L

#include "ctl/plan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"
#include "geo/area.h"
#include "geo/footprint.h"
#include "geo/geo.h"
#include "geo/hindex.h"
#include "geo/points.h"
#include "geo/zone.h"

enum { OUT_TABLE, OUT_JSON, OUT_CSV };

struct opts {
	const char *zones[16];
	size_t nzones;
	const char *households, *shelters, *depots, *stock, *incident;
	const char *kelurahan, *rw, *date, *crs;
	int out;
};

/* Everything loaded, owned here. */
struct run {
	geo_ctx *ctx;
	geo_zoneset *zs;
	geo_household *hh;
	size_t nhh;
	geo_shelter *sh;
	size_t nsh;
	geo_depot *dep;
	size_t ndep;
	geo_lot *lots;
	size_t nlots;
	geo_areaset *kel, *rw;
	geo_footprint *fp;
	json_t *inc;
	/* the incident */
	int type;
	struct alloc_severity sev;
	alloc_day start, today;
	uint32_t days;
	const char *title;
	/* alloc */
	struct alloc_ledger led;
	struct alloc_plan pl;
	int plan_ok;
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: poskoctl plan --zones Z [Z2 ...] --households H "
		"--shelters S --depots D --stock K --incident I.json\n"
		"                     [--kelurahan K.geojson] [--rw R.geojson] "
		"[--json | --csv] [--date YYYY-MM-DD] [--crs EPSG:32748]\n");
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;

		if (strcmp(a, "--json") == 0) {
			o->out = OUT_JSON;
			continue;
		}
		if (strcmp(a, "--csv") == 0) {
			o->out = OUT_CSV;
			continue;
		}
		if (strcmp(a, "--zones") == 0) {
			/* one or more files up to the next option */
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
				if (o->nzones == 16)
					return -1;
				o->zones[o->nzones++] = argv[++i];
			}
			continue;
		}
		if (strcmp(a, "--households") == 0)
			dst = &o->households;
		else if (strcmp(a, "--shelters") == 0)
			dst = &o->shelters;
		else if (strcmp(a, "--depots") == 0)
			dst = &o->depots;
		else if (strcmp(a, "--stock") == 0)
			dst = &o->stock;
		else if (strcmp(a, "--incident") == 0)
			dst = &o->incident;
		else if (strcmp(a, "--kelurahan") == 0)
			dst = &o->kelurahan;
		else if (strcmp(a, "--rw") == 0)
			dst = &o->rw;
		else if (strcmp(a, "--date") == 0)
			dst = &o->date;
		else if (strcmp(a, "--crs") == 0)
			dst = &o->crs;
		if (dst == NULL || i + 1 >= argc)
			return -1;
		*dst = argv[++i];
	}
	if (o->nzones == 0 || !o->households || !o->shelters || !o->depots ||
	    !o->stock || !o->incident)
		return -1;
	return 0;
}

static void
print_diag(const geo_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "poskoctl plan: %s\n", d->items[i].msg);
	if (d->dropped)
		fprintf(stderr, "poskoctl plan: ... %zu more\n", d->dropped);
}

static int
fail(const char *what, const char *err)
{
	fprintf(stderr, "poskoctl plan: %s: %s\n", what, err);
	return 1;
}

/* ---- the incident ------------------------------------------------------ */

static int
parse_severity(json_t *sv, struct alloc_severity *s)
{
	json_t *v;

	memset(s, 0, sizeof(*s));
	if (sv == NULL || json_is_null(sv))
		return 0;
	if (!json_is_object(sv))
		return -1;
	if ((v = json_object_get(sv, "siaga")) != NULL) {
		s->kind = ALLOC_SEV_SIAGA;
		s->value = (int32_t)json_integer_value(v);
	} else if ((v = json_object_get(sv, "depth_cm")) != NULL) {
		s->kind = ALLOC_SEV_DEPTH_CM;
		s->value = (int32_t)json_number_value(v);
	} else if ((v = json_object_get(sv, "level")) != NULL) {
		s->kind = ALLOC_SEV_LEVEL;
		s->value = alloc_level_parse(json_string_value(v));
	} else if ((v = json_object_get(sv, "evacuate")) != NULL) {
		s->kind = ALLOC_SEV_EVACUATE;
		s->value = json_is_true(v);
	} else {
		return -1;
	}
	return 0;
}

/* Footprint: geometry, point + radius, kelurahan list or RW list. */
static int
load_footprint(struct run *r, json_t *f, char *err, size_t errlen)
{
	json_t *v;

	if (!json_is_object(f))
		return snprintf(err, errlen, "no footprint"), -1;
	if ((v = json_object_get(f, "geometry")) != NULL)
		return geo_footprint_from_json(r->ctx, v, NULL, &r->fp, err,
					       errlen);
	if ((v = json_object_get(f, "point")) != NULL) {
		json_t *rad = json_object_get(f, "radius_m");

		if (json_array_size(v) != 2 || !json_is_number(rad))
			return snprintf(err, errlen, "bad point footprint"), -1;
		return geo_footprint_from_point(
			r->ctx, json_number_value(json_array_get(v, 0)),
			json_number_value(json_array_get(v, 1)),
			json_number_value(rad), &r->fp, err, errlen);
	}
	{
		const char *keys_name = json_object_get(f, "kelurahan")
						? "kelurahan"
						: "rw";
		geo_areaset *as = strcmp(keys_name, "rw") ? r->kel : r->rw;
		json_t *arr = json_object_get(f, keys_name);
		const char **keys;
		size_t n = json_array_size(arr);
		int rc;

		if (!json_is_array(arr) || n == 0)
			return snprintf(err, errlen, "unknown footprint"), -1;
		if (as == NULL)
			return snprintf(err, errlen,
					"a %s footprint needs --%s", keys_name,
					keys_name),
			       -1;
		keys = calloc(n, sizeof(*keys));
		if (keys == NULL)
			return snprintf(err, errlen, "out of memory"), -1;
		for (size_t i = 0; i < n; i++)
			keys[i] = json_string_value(json_array_get(arr, i));
		rc = geo_footprint_from_areas(r->ctx, as, keys, n, &r->fp, err,
					      errlen);
		free(keys);
		return rc;
	}
}

static int
load_incident(struct run *r, const struct opts *o)
{
	json_error_t je;
	json_t *v;
	const char *time;
	char err[512];

	r->inc = json_load_file(o->incident, 0, &je);
	if (r->inc == NULL) {
		snprintf(err, sizeof(err), "line %d: %s", je.line, je.text);
		return fail(o->incident, err);
	}
	r->type = alloc_incident_type_parse(
		json_string_value(json_object_get(r->inc, "type")));
	if (r->type < 0)
		return fail(o->incident, "unknown or missing type");
	if (parse_severity(json_object_get(r->inc, "severity"), &r->sev))
		return fail(o->incident, "bad severity");
	v = json_object_get(r->inc, "days");
	r->days = json_is_integer(v) ? (uint32_t)json_integer_value(v) : 0;
	r->title = json_string_value(json_object_get(r->inc, "title"));
	time = json_string_value(json_object_get(r->inc, "time"));
	if (time != NULL && strlen(time) >= 10) {
		char ymd[11];

		memcpy(ymd, time, 10);
		ymd[10] = 0;
		if (alloc_day_parse(ymd, &r->start))
			return fail(o->incident, "bad time");
	} else if (o->date == NULL) {
		return fail(o->incident, "no time (give --date)");
	}
	if (o->date && alloc_day_parse(o->date, &r->today))
		return fail(o->date, "not a date YYYY-MM-DD");
	if (o->date == NULL)
		r->today = r->start;
	if (time == NULL)
		r->start = r->today;
	if (load_footprint(r, json_object_get(r->inc, "footprint"), err,
			   sizeof(err)))
		return fail(o->incident, err);
	return 0;
}

/* ---- loading ------------------------------------------------------------- */

static int
load(struct run *r, const struct opts *o)
{
	char err[512];
	geo_diag d;
	int rc = 1;

	geo_diag_init(&d);
	r->ctx = geo_ctx_new(o->crs, err, sizeof(err));
	if (r->ctx == NULL)
		return fail("crs", err);
	if (geo_zoneset_load(r->ctx, o->zones, o->nzones, NULL, &d, &r->zs,
			     err, sizeof(err)))
		goto out_err;
	if (geo_households_read(r->ctx, o->households, &r->hh, &r->nhh, &d,
				err, sizeof(err)) ||
	    geo_shelters_read(r->ctx, o->shelters, &r->sh, &r->nsh, &d, err,
			      sizeof(err)) ||
	    geo_depots_read_csv(r->ctx, o->depots, &r->dep, &r->ndep, &d, err,
				sizeof(err)) ||
	    geo_lots_read_csv(o->stock, r->dep, r->ndep, &r->lots, &r->nlots,
			      &d, err, sizeof(err)))
		goto out_err;
	if (o->kelurahan &&
	    geo_areaset_load(r->ctx, o->kelurahan, GEO_AREA_KELURAHAN, NULL,
			     &d, &r->kel, err, sizeof(err)))
		goto out_err;
	if (o->rw && geo_areaset_load(r->ctx, o->rw, GEO_AREA_RW, NULL, &d,
				      &r->rw, err, sizeof(err)))
		goto out_err;
	if (r->kel)
		geo_areaset_assign_kelurahan(r->kel, r->hh, r->nhh, 0);
	geo_exposure(r->zs, r->hh, r->nhh);
	print_diag(&d);
	geo_diag_free(&d);
	return load_incident(r, o);
out_err:
	print_diag(&d);
	geo_diag_free(&d);
	fprintf(stderr, "poskoctl plan: %s\n", err);
	return rc;
}

/* ---- planning ------------------------------------------------------------ */

static int
plan(struct run *r)
{
	struct alloc_params par;
	struct alloc_shelter *sh = NULL;
	struct alloc_depot *dep = NULL;
	struct alloc_household *hh = NULL;
	uint32_t *unusable = NULL, *idx = NULL;
	size_t nidx = 0, nun = 0;
	struct alloc_incident_spec sp;
	geo_hindex *ix = NULL;
	char err[512];
	int hazard, rc = 1;

	alloc_params_default(&par);
	alloc_ledger_init(&r->led);
	sh = calloc(r->nsh + 1, sizeof(*sh));
	dep = calloc(r->ndep + 1, sizeof(*dep));
	unusable = calloc(r->nsh + 1, sizeof(*unusable));
	if (!sh || !dep || !unusable)
		goto out;
	hazard = alloc_policy_hazard(&par.policy, r->type);
	/* ids are row numbers + 1: the tables map them back to strings */
	for (size_t j = 0; j < r->nsh; j++) {
		geo_class c = GEO_NONE;

		sh[j].id = (uint32_t)j + 1;
		sh[j].x = r->sh[j].x;
		sh[j].y = r->sh[j].y;
		sh[j].kelurahan = r->sh[j].kel;
		sh[j].capacity = r->sh[j].capacity;
		sh[j].accessible = r->sh[j].accessible;
		sh[j].open = 1;
		sh[j].usable = 1;
		if (hazard == ALLOC_HAZARD_FLOOD)
			c = geo_zoneset_class_at(r->zs, GEO_FLOOD, sh[j].x,
						 sh[j].y);
		else if (hazard == ALLOC_HAZARD_FIRE)
			c = geo_zoneset_class_at(r->zs, GEO_FIRE, sh[j].x,
						 sh[j].y);
		/* a shelter in the footprint or in a high zone of the
		 * incident's hazard is not used (design.md) */
		if (c == GEO_HIGH ||
		    geo_footprint_contains(r->fp, sh[j].x, sh[j].y))
			unusable[nun++] = sh[j].id;
	}
	for (size_t d = 0; d < r->ndep; d++) {
		dep[d].id = (uint32_t)d + 1;
		dep[d].x = r->dep[d].x;
		dep[d].y = r->dep[d].y;
	}
	for (size_t l = 0; l < r->nlots; l++)
		if (alloc_ledger_receive(&r->led, r->lots[l].depot + 1,
					 (uint32_t)l + 1, (int)r->lots[l].item,
					 r->lots[l].qty,
					 r->lots[l].expires_days ==
							 GEO_NO_EXPIRY
						 ? ALLOC_DAY_NEVER
						 : r->lots[l].expires_days,
					 NULL, err, sizeof(err)))
			fprintf(stderr, "poskoctl plan: stock lot %s: %s\n",
				r->lots[l].lot, err);
	if (geo_hindex_build(r->hh, r->nhh, 0, &ix, err, sizeof(err)) ||
	    geo_footprint_households(r->fp, ix, &idx, &nidx)) {
		fprintf(stderr, "poskoctl plan: %s\n", err);
		goto out;
	}
	hh = calloc(nidx + 1, sizeof(*hh));
	if (hh == NULL)
		goto out;
	for (size_t i = 0; i < nidx; i++) {
		const geo_household *g = &r->hh[idx[i]];

		hh[i].id = g->id;
		hh[i].x = g->x;
		hh[i].y = g->y;
		hh[i].kelurahan = g->kel;
		hh[i].persons = g->members;
		hh[i].elderly = g->elderly;
		hh[i].under5 = g->under5;
		hh[i].disabled = g->disabled;
		hh[i].pregnant = g->pregnant;
		hh[i].flood_class = g->flood;
		hh[i].fire_class = g->fire;
	}
	if (alloc_plan_init(&r->pl, &par, sh, r->nsh, dep, r->ndep, &r->led,
			    err, sizeof(err))) {
		fprintf(stderr, "poskoctl plan: %s\n", err);
		goto out;
	}
	r->plan_ok = 1;
	memset(&sp, 0, sizeof(sp));
	sp.id = 1;
	sp.type = (uint8_t)r->type;
	sp.severity = r->sev;
	sp.start = r->start;
	sp.days = r->days;
	if (alloc_plan_open(&r->pl, &sp, hh, nidx, unusable, nun, r->today,
			    err, sizeof(err))) {
		fprintf(stderr, "poskoctl plan: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	free(sh);
	free(dep);
	free(unusable);
	free(idx);
	free(hh);
	geo_hindex_free(ix);
	return rc;
}

/* ---- output -------------------------------------------------------------- */

static const char *
shelter_name(const struct run *r, uint32_t id)
{
	return id >= 1 && id <= r->nsh ? r->sh[id - 1].id : "-";
}

static const char *
depot_name(const struct run *r, uint32_t id)
{
	return id >= 1 && id <= r->ndep ? r->dep[id - 1].id : "-";
}

static const char *
lot_name(const struct run *r, uint32_t id)
{
	return id >= 1 && id <= r->nlots ? r->lots[id - 1].lot : "-";
}

static void
out_table(const struct run *r, const struct alloc_report *rep,
	  const struct alloc_expiring *ex, size_t nex)
{
	const struct alloc_plan *pl = &r->pl;
	const struct alloc_counts *t = &rep->total;
	char b1[ALLOC_DAY_BUFLEN], b2[ALLOC_DAY_BUFLEN];

	printf("incident      %s (%s)\n", r->title ? r->title : "-",
	       alloc_incident_type_name(r->type));
	printf("period        %s, %u days; planned on %s\n",
	       alloc_day_format(pl->incidents[0].start, b1),
	       pl->incidents[0].days, alloc_day_format(r->today, b2));
	printf("affected      %llu households, %llu persons\n",
	       (unsigned long long)t->households_affected,
	       (unsigned long long)t->persons_affected);
	printf("evacuating    %llu households, %llu persons\n",
	       (unsigned long long)t->households_evacuating,
	       (unsigned long long)t->persons_evacuating);
	printf("placed        %llu households, %llu persons in %llu "
	       "shelters\n",
	       (unsigned long long)t->households_placed,
	       (unsigned long long)t->persons_placed,
	       (unsigned long long)t->shelters_used);
	printf("unplaced      %llu households, %llu persons\n",
	       (unsigned long long)t->households_unplaced,
	       (unsigned long long)t->persons_unplaced);
	printf("meals         %llu due, %llu planned, %llu short "
	       "(%llu person-days)\n",
	       (unsigned long long)t->meals_due,
	       (unsigned long long)t->meals_planned,
	       (unsigned long long)t->meals_short,
	       (unsigned long long)t->person_days);
	for (int it = 1; it < ALLOC_ITEM_COUNT; it++)
		if (t->kits_due[it])
			printf("%-13s %llu due, %llu planned, %llu short\n",
			       alloc_item_name(it),
			       (unsigned long long)t->kits_due[it],
			       (unsigned long long)t->kits_planned[it],
			       (unsigned long long)t->kits_short[it]);
	printf("\nASSIGNMENTS\n%-10s %-10s %-10s %7s %9s  %s\n", "household",
	       "status", "shelter", "persons", "metres", "reason");
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];

		if (!e->evacuate)
			continue;
		printf("%-10u %-10s %-10s %7u %9.0f  %s\n", e->hh.id,
		       alloc_status_name(e->status),
		       e->status == ALLOC_ST_PLACED
			       ? shelter_name(r, e->shelter)
			       : "-",
		       e->hh.persons, e->distance_m,
		       e->status == ALLOC_ST_UNPLACED
			       ? alloc_reason_name(e->reason)
			       : "");
	}
	printf("\nSHELTERS\n%-10s %8s %8s %8s %10s\n", "shelter", "persons",
	       "capacity", "free", "meals/day");
	for (size_t j = 0; j < pl->nshelters; j++) {
		const struct alloc_plan_shelter *s = &pl->shelters[j];

		if (s->placed == 0)
			continue;
		printf("%-10s %8u %8u %8u %10u\n", shelter_name(r, s->s.id),
		       s->placed, s->s.capacity,
		       alloc_plan_shelter_free(pl, j),
		       s->placed * pl->params.supply.meals_per_day);
	}
	printf("\nDISPATCHES\n%-10s %-10s %-10s %-12s %-10s %8s %9s\n", "day",
	       "shelter", "depot", "lot", "item", "qty", "metres");
	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->state == ALLOC_DISPATCH_RELEASED)
			continue;
		printf("%-10s %-10s %-10s %-12s %-10s %8lld %9.0f\n",
		       alloc_day_format(d->day, b1), shelter_name(r, d->shelter),
		       depot_name(r, d->depot), lot_name(r, d->lot),
		       alloc_item_name(d->item), (long long)d->qty,
		       d->distance_m);
	}
	printf("\nSHORTAGES\n%-10s %-10s %-10s %8s\n", "day", "shelter",
	       "item", "deficit");
	for (size_t i = 0; i < pl->nshortages; i++) {
		const struct alloc_shortage *s = &pl->shortages[i];

		if (s->deficit > 0)
			printf("%-10s %-10s %-10s %8lld\n",
			       alloc_day_format(s->day, b1),
			       shelter_name(r, s->shelter),
			       alloc_item_name(s->item), (long long)s->deficit);
	}
	printf("\nEXPIRING UNUSED\n%-10s %-12s %-10s %-10s %8s\n", "depot",
	       "lot", "item", "expires", "unused");
	for (size_t i = 0; i < nex; i++)
		printf("%-10s %-12s %-10s %-10s %8lld\n",
		       depot_name(r, ex[i].depot), lot_name(r, ex[i].lot),
		       alloc_item_name(ex[i].item),
		       alloc_day_format(ex[i].expires, b1),
		       (long long)ex[i].unused);
}

static void
out_csv(const struct run *r, const struct alloc_expiring *ex, size_t nex)
{
	const struct alloc_plan *pl = &r->pl;
	char b[ALLOC_DAY_BUFLEN];

	printf("record,household,persons,status,reason,shelter,distance_m,"
	       "day,depot,lot,item,qty\n");
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];

		printf("household,%u,%u,%s,%s,%s,%.0f,,,,,\n", e->hh.id,
		       e->hh.persons,
		       e->evacuate ? alloc_status_name(e->status)
				   : "affected",
		       e->status == ALLOC_ST_UNPLACED
			       ? alloc_reason_name(e->reason)
			       : "",
		       e->status == ALLOC_ST_PLACED
			       ? shelter_name(r, e->shelter)
			       : "",
		       e->distance_m);
	}
	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->state == ALLOC_DISPATCH_RELEASED)
			continue;
		printf("dispatch,,,,,%s,%.0f,%s,%s,%s,%s,%lld\n",
		       shelter_name(r, d->shelter), d->distance_m,
		       alloc_day_format(d->day, b), depot_name(r, d->depot),
		       lot_name(r, d->lot), alloc_item_name(d->item),
		       (long long)d->qty);
	}
	for (size_t i = 0; i < pl->nshortages; i++) {
		const struct alloc_shortage *s = &pl->shortages[i];

		if (s->deficit > 0)
			printf("shortage,,,,,%s,,%s,,,%s,%lld\n",
			       shelter_name(r, s->shelter),
			       alloc_day_format(s->day, b),
			       alloc_item_name(s->item), (long long)s->deficit);
	}
	for (size_t i = 0; i < nex; i++)
		printf("expiring,,,,,,,%s,%s,%s,%s,%lld\n",
		       alloc_day_format(ex[i].expires, b),
		       depot_name(r, ex[i].depot), lot_name(r, ex[i].lot),
		       alloc_item_name(ex[i].item), (long long)ex[i].unused);
}

static int
out_json(const struct run *r, const struct alloc_report *rep,
	 const struct alloc_expiring *ex, size_t nex)
{
	const struct alloc_plan *pl = &r->pl;
	const struct alloc_counts *t = &rep->total;
	json_t *root = json_object(), *a, *v;
	char b[ALLOC_DAY_BUFLEN];

	json_object_set_new(root, "type",
			    json_string(alloc_incident_type_name(r->type)));
	json_object_set_new(root, "start",
			    json_string(alloc_day_format(pl->incidents[0].start,
							 b)));
	json_object_set_new(root, "days", json_integer(pl->incidents[0].days));
	v = json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI}",
		      "households_affected", (json_int_t)t->households_affected,
		      "persons_affected", (json_int_t)t->persons_affected,
		      "households_evacuating",
		      (json_int_t)t->households_evacuating,
		      "persons_evacuating", (json_int_t)t->persons_evacuating,
		      "households_placed", (json_int_t)t->households_placed,
		      "persons_placed", (json_int_t)t->persons_placed,
		      "households_unplaced", (json_int_t)t->households_unplaced,
		      "persons_unplaced", (json_int_t)t->persons_unplaced,
		      "person_days", (json_int_t)t->person_days, "meals_due",
		      (json_int_t)t->meals_due, "meals_planned",
		      (json_int_t)t->meals_planned, "meals_short",
		      (json_int_t)t->meals_short, "shelters_used",
		      (json_int_t)t->shelters_used);
	json_object_set_new(root, "summary", v);
	a = json_array();
	for (size_t i = 0; i < pl->nevacuees; i++) {
		const struct alloc_evacuee *e = &pl->evacuees[i];

		v = json_pack("{sI sI ss}", "household", (json_int_t)e->hh.id,
			      "persons", (json_int_t)e->hh.persons, "status",
			      e->evacuate ? alloc_status_name(e->status)
					  : "affected");
		if (e->status == ALLOC_ST_PLACED) {
			json_object_set_new(v, "shelter",
					    json_string(shelter_name(
						    r, e->shelter)));
			json_object_set_new(v, "distance_m",
					    json_integer((json_int_t)
							 (e->distance_m + 0.5)));
		}
		if (e->status == ALLOC_ST_UNPLACED)
			json_object_set_new(
				v, "reason",
				json_string(alloc_reason_name(e->reason)));
		json_array_append_new(a, v);
	}
	json_object_set_new(root, "assignments", a);
	a = json_array();
	for (size_t i = 0; i < pl->ndispatches; i++) {
		const struct alloc_dispatch *d = &pl->dispatches[i];

		if (d->state == ALLOC_DISPATCH_RELEASED)
			continue;
		json_array_append_new(
			a, json_pack("{ss ss ss ss ss sI}", "day",
				     alloc_day_format(d->day, b), "shelter",
				     shelter_name(r, d->shelter), "depot",
				     depot_name(r, d->depot), "lot",
				     lot_name(r, d->lot), "item",
				     alloc_item_name(d->item), "qty",
				     (json_int_t)d->qty));
	}
	json_object_set_new(root, "dispatches", a);
	a = json_array();
	for (size_t i = 0; i < pl->nshortages; i++) {
		const struct alloc_shortage *s = &pl->shortages[i];

		if (s->deficit <= 0)
			continue;
		json_array_append_new(
			a, json_pack("{ss ss ss sI}", "day",
				     alloc_day_format(s->day, b), "shelter",
				     shelter_name(r, s->shelter), "item",
				     alloc_item_name(s->item), "deficit",
				     (json_int_t)s->deficit));
	}
	json_object_set_new(root, "shortages", a);
	a = json_array();
	for (size_t i = 0; i < nex; i++)
		json_array_append_new(
			a, json_pack("{ss ss ss ss sI}", "depot",
				     depot_name(r, ex[i].depot), "lot",
				     lot_name(r, ex[i].lot), "item",
				     alloc_item_name(ex[i].item), "expires",
				     alloc_day_format(ex[i].expires, b),
				     "unused", (json_int_t)ex[i].unused));
	json_object_set_new(root, "expiring", a);
	json_dumpf(root, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
	return 0;
}

static void
run_free(struct run *r)
{
	if (r->plan_ok)
		alloc_plan_free(&r->pl);
	alloc_ledger_free(&r->led);
	geo_footprint_free(r->fp);
	geo_areaset_free(r->kel);
	geo_areaset_free(r->rw);
	free(r->lots);
	free(r->dep);
	free(r->sh);
	free(r->hh);
	geo_zoneset_free(r->zs);
	if (r->inc)
		json_decref(r->inc);
	geo_ctx_free(r->ctx);
}

int
ctl_plan_main(int argc, char **argv)
{
	struct opts o;
	struct run r;
	struct alloc_report rep;
	struct alloc_expiring *ex = NULL;
	size_t nex = 0;
	int rc;

	if (parse_args(argc, argv, &o)) {
		usage();
		return 2;
	}
	memset(&r, 0, sizeof(r));
	alloc_ledger_init(&r.led);
	rc = load(&r, &o);
	if (rc == 0)
		rc = plan(&r);
	if (rc == 0 &&
	    (alloc_report_incident(&r.pl, 1, INT32_MIN, ALLOC_DAY_NEVER - 1,
				   &rep, NULL, 0) ||
	     alloc_ledger_expiring(&r.led, r.today,
				   r.pl.params.supply.expiry_warn_days, &ex,
				   &nex, NULL, 0)))
		rc = fail("plan", "out of memory");
	if (rc == 0) {
		if (o.out == OUT_JSON)
			out_json(&r, &rep, ex, nex);
		else if (o.out == OUT_CSV)
			out_csv(&r, ex, nex);
		else
			out_table(&r, &rep, ex, nex);
		alloc_report_free(&rep);
	}
	free(ex);
	run_free(&r);
	return rc ? 1 : 0;
}
