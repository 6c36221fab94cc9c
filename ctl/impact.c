/*
 * impact.c - `poskoctl impact`: offline impact analysis (ctl/impact.h).
 *
 * Loads zones and households with the geo library, computes exposure with
 * the same index and the same boundary rule the daemon uses, optionally
 * restricts to an incident footprint, and tallies households, people and
 * vulnerable people per hazard class and per kelurahan.
 *
 * "Affected" means: inside the footprint when one is given; otherwise in a
 * flood or fire zone of any class. Every table breaks the same affected
 * set down, so each table's rows add up to the same total.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/impact.h"
#include "ctl/lang.h"
#include "ctl/out.h"
#include "geo/area.h"
#include "geo/footprint.h"
#include "geo/geo.h"
#include "geo/hindex.h"
#include "geo/points.h"
#include "geo/zone.h"

#ifndef _
#define _(s) lang_tr(s)
#endif

#define EXIT_OK 0
#define EXIT_INPUT 1
#define EXIT_USAGE 2
#define MAX_ZONE_FILES 64
/* Diagnostics printed per file before "... and N more". */
#define MAX_DIAG_SHOWN 20

typedef struct impact_opts {
	const char *zones[MAX_ZONE_FILES];
	size_t nzones;
	const char *households;
	const char *kelurahan;
	const char *footprint;
	int have_point;
	double lon, lat, radius;
	const char *crs;
	const char *out;
	int json;
} impact_opts;

/* People counted in one cell of a table. */
typedef struct tally {
	uint64_t households, people, elderly, under5, disabled, pregnant;
} tally;

typedef struct kel_row {
	uint32_t kel; /* 0: unknown */
	tally t;
	uint64_t by_class[GEO_HAZARD_COUNT][4]; /* households per class */
} kel_row;

typedef struct impact {
	geo_ctx *ctx;
	geo_zoneset *zs;
	geo_household *hh;
	size_t nhh;
	geo_hindex *ix;
	geo_areaset *kel;
	geo_footprint *fp;
	uint8_t *affected;
	tally total;
	tally by_class[GEO_HAZARD_COUNT][4];
	kel_row *rows;
	size_t nrows;
	size_t zones_rejected, zones_repaired, hh_rejected;
} impact;

static int load_footprint(impact *im, const char *path, char *err,
                          size_t errlen);

static void
usage(FILE *f)
{
	fputs(_("usage: poskoctl impact --zones FILE... --households FILE\n"
	        "         [--kelurahan K.geojson]\n"
	        "         [--footprint F.geojson | --point LON,LAT --radius-m "
	        "R]\n"
	        "         [--crs EPSG:32748] [--json] [--out rows.csv]\n"),
	      f);
}

static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "poskoctl impact: ");
	fprintf(stderr, what, arg ? arg : "");
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

static int
parse_point(const char *s, double *lon, double *lat)
{
	char *end;

	errno = 0;
	*lon = strtod(s, &end);
	if (errno != 0 || *end != ',')
		return -1;
	*lat = strtod(end + 1, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*lon) || !isfinite(*lat))
		return -1;
	return 0;
}

/* Returns -1 to go on, or an exit code. */
static int
parse_args(int argc, char **argv, impact_opts *o)
{
	int i, have_radius = 0;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return usage_error(_("unexpected argument '%s'"), a);
		if (v == NULL)
			return usage_error(_("%s needs a value"), a);
		i++;
		if (strcmp(a, "--zones") == 0) {
			/* several files may follow one --zones */
			for (; i < argc && strncmp(argv[i], "--", 2) != 0;
			     i++) {
				if (o->nzones == MAX_ZONE_FILES)
					return usage_error(
					    _("too many zone files"), NULL);
				o->zones[o->nzones++] = argv[i];
			}
			i--;
		} else if (strcmp(a, "--households") == 0) {
			o->households = v;
		} else if (strcmp(a, "--kelurahan") == 0) {
			o->kelurahan = v;
		} else if (strcmp(a, "--footprint") == 0) {
			o->footprint = v;
		} else if (strcmp(a, "--point") == 0) {
			if (parse_point(v, &o->lon, &o->lat) != 0)
				return usage_error(
				    _("--point wants LON,LAT, got '%s'"), v);
			o->have_point = 1;
		} else if (strcmp(a, "--radius-m") == 0) {
			char *end;

			o->radius = strtod(v, &end);
			if (*end != '\0' || !(o->radius > 0) ||
			    !isfinite(o->radius))
				return usage_error(
				    _("--radius-m wants metres > 0, got "
				      "'%s'"),
				    v);
			have_radius = 1;
		} else if (strcmp(a, "--crs") == 0) {
			o->crs = v;
		} else if (strcmp(a, "--out") == 0) {
			o->out = v;
		} else {
			return usage_error(_("unknown option '%s'"), a);
		}
	}
	if (o->nzones == 0)
		return usage_error(_("--zones is required"), NULL);
	if (o->households == NULL)
		return usage_error(_("--households is required"), NULL);
	if (o->footprint != NULL && o->have_point)
		return usage_error(_("give --footprint or --point, not both"),
		                   NULL);
	if (o->have_point != have_radius)
		return usage_error(_("--point and --radius-m go together"),
		                   NULL);
	return -1;
}

/* Diagnostics go to stderr: the table on stdout stays clean. */
static void
show_diag(const geo_diag *d)
{
	size_t i;

	for (i = 0; i < d->n && i < MAX_DIAG_SHOWN; i++)
		fprintf(stderr, "poskoctl impact: %s: %s\n",
		        d->items[i].level == GEO_DIAG_REJECT ? _("rejected")
		                                             : _("warning"),
		        d->items[i].msg);
	if (d->n + d->dropped > MAX_DIAG_SHOWN)
		fprintf(stderr, "poskoctl impact: ... %zu more\n",
		        d->n + d->dropped - MAX_DIAG_SHOWN);
}

static int
input_error(const char *msg)
{
	fprintf(stderr, "poskoctl impact: %s\n", msg);
	return EXIT_INPUT;
}

static int
load_inputs(impact *im, const impact_opts *o)
{
	char err[512];
	geo_diag d;
	int rc;

	im->ctx = geo_ctx_new(o->crs, err, sizeof err);
	if (im->ctx == NULL)
		return input_error(err);
	geo_diag_init(&d);
	rc = geo_zoneset_load(im->ctx, o->zones, o->nzones, NULL, &d, &im->zs,
	                      err, sizeof err);
	show_diag(&d);
	im->zones_rejected = d.nreject;
	im->zones_repaired = d.nwarn;
	geo_diag_free(&d);
	if (rc != 0)
		return input_error(err);
	geo_diag_init(&d);
	rc = geo_households_read(im->ctx, o->households, &im->hh, &im->nhh, &d,
	                         err, sizeof err);
	show_diag(&d);
	im->hh_rejected = d.nreject;
	geo_diag_free(&d);
	if (rc != 0)
		return input_error(err);
	if (im->nhh == 0)
		return input_error(_("no usable household"));
	if (o->kelurahan != NULL) {
		geo_diag_init(&d);
		rc = geo_areaset_load(im->ctx, o->kelurahan, GEO_AREA_KELURAHAN,
		                      NULL, &d, &im->kel, err, sizeof err);
		show_diag(&d);
		geo_diag_free(&d);
		if (rc != 0)
			return input_error(err);
		geo_areaset_assign_kelurahan(im->kel, im->hh, im->nhh, 0);
	}
	if (o->footprint != NULL)
		rc = load_footprint(im, o->footprint, err, sizeof err);
	else if (o->have_point)
		rc =
		    geo_footprint_from_point(im->ctx, o->lon, o->lat, o->radius,
		                             &im->fp, err, sizeof err);
	if (rc != 0)
		return input_error(err);
	return EXIT_OK;
}

/*
 * --footprint takes a GeoJSON geometry/Feature/FeatureCollection, or an
 * incident report (the ingest message of docs/protocol.md), so a planner
 * can run the very file BPBD will send: its footprint.geometry, or its
 * footprint.point + radius_m, or its footprint.kelurahan list (with
 * --kelurahan).
 */
static int
load_footprint(impact *im, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	json_t *fp = root ? json_object_get(root, "footprint") : NULL;
	int rc;

	if (fp == NULL || !json_is_object(fp)) {
		json_decref(root);
		return geo_footprint_from_file(im->ctx, path, NULL, &im->fp,
		                               err, errlen);
	}
	json_t *geom = json_object_get(fp, "geometry");
	json_t *pt = json_object_get(fp, "point");
	json_t *kel = json_object_get(fp, "kelurahan");
	if (geom != NULL) {
		rc = geo_footprint_from_json(im->ctx, geom, NULL, &im->fp, err,
		                             errlen);
	} else if (json_is_array(pt) && json_array_size(pt) == 2) {
		rc = geo_footprint_from_point(
		    im->ctx, json_number_value(json_array_get(pt, 0)),
		    json_number_value(json_array_get(pt, 1)),
		    json_number_value(json_object_get(fp, "radius_m")), &im->fp,
		    err, errlen);
	} else if (json_is_array(kel) && im->kel != NULL) {
		size_t n = json_array_size(kel);
		const char **keys = calloc(n ? n : 1, sizeof *keys);
		if (keys == NULL) {
			json_decref(root);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			keys[i] = json_string_value(json_array_get(kel, i));
		rc = geo_footprint_from_areas(im->ctx, im->kel,
		                              (const char *const *)keys, n,
		                              &im->fp, err, errlen);
		free(keys);
	} else {
		snprintf(err, errlen,
		         "%s: footprint: give geometry, point + radius_m, or "
		         "kelurahan (with --kelurahan); for RW lists use "
		         "poskoctl plan --rw",
		         path);
		rc = -1;
	}
	json_decref(root);
	return rc;
}

static void
tally_add(tally *t, const geo_household *h)
{
	t->households++;
	t->people += h->members;
	t->elderly += h->elderly;
	t->under5 += h->under5;
	t->disabled += h->disabled;
	t->pregnant += h->pregnant;
}

static int
cmp_kel(const void *a, const void *b)
{
	uint32_t x = ((const kel_row *)a)->kel, y = ((const kel_row *)b)->kel;

	/* unknown (0) last */
	if (x == 0 || y == 0)
		return (x == 0) - (y == 0);
	return (x > y) - (x < y);
}

/* Per-kelurahan rows: codes are few (267), households many. */
static int
tally_kelurahan(impact *im)
{
	size_t i, cap = 0, lo, hi, mid;

	for (i = 0; i < im->nhh; i++) {
		const geo_household *h = &im->hh[i];
		kel_row *r = NULL;

		if (!im->affected[i])
			continue;
		lo = 0;
		hi = im->nrows;
		while (lo < hi) { /* rows kept sorted by cmp_kel */
			kel_row key = {h->kel, {0}, {{0}}};

			mid = (lo + hi) / 2;
			if (cmp_kel(&im->rows[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < im->nrows && im->rows[lo].kel == h->kel) {
			r = &im->rows[lo];
		} else {
			if (im->nrows == cap) {
				kel_row *nr;

				cap = cap ? cap * 2 : 64;
				nr = realloc(im->rows, cap * sizeof *nr);
				if (nr == NULL)
					return -1;
				im->rows = nr;
			}
			memmove(&im->rows[lo + 1], &im->rows[lo],
			        (im->nrows - lo) * sizeof *im->rows);
			memset(&im->rows[lo], 0, sizeof *im->rows);
			im->rows[lo].kel = h->kel;
			im->nrows++;
			r = &im->rows[lo];
		}
		tally_add(&r->t, h);
		r->by_class[GEO_FLOOD][h->flood & 3]++;
		r->by_class[GEO_FIRE][h->fire & 3]++;
	}
	return 0;
}

static int
compute(impact *im)
{
	char err[256];
	size_t i;

	if (geo_hindex_build(im->hh, im->nhh, 0, &im->ix, err, sizeof err) != 0)
		return input_error(err);
	geo_hindex_exposure(im->ix, im->zs, im->hh);
	im->affected = calloc(im->nhh, 1);
	if (im->affected == NULL)
		return input_error(_("out of memory"));
	if (im->fp != NULL) {
		uint32_t *idx;
		size_t n;

		if (geo_footprint_households(im->fp, im->ix, &idx, &n) != 0)
			return input_error(_("out of memory"));
		for (i = 0; i < n; i++)
			im->affected[idx[i]] = 1;
		free(idx);
	} else {
		for (i = 0; i < im->nhh; i++)
			im->affected[i] = im->hh[i].flood != GEO_NONE ||
			                  im->hh[i].fire != GEO_NONE;
	}
	for (i = 0; i < im->nhh; i++) {
		const geo_household *h = &im->hh[i];

		if (!im->affected[i])
			continue;
		tally_add(&im->total, h);
		tally_add(&im->by_class[GEO_FLOOD][h->flood & 3], h);
		tally_add(&im->by_class[GEO_FIRE][h->fire & 3], h);
	}
	if (tally_kelurahan(im) != 0)
		return input_error(_("out of memory"));
	qsort(im->rows, im->nrows, sizeof *im->rows, cmp_kel);
	return EXIT_OK;
}

/* ---- output ------------------------------------------------------------ */

static const char *
kel_name(const impact *im, uint32_t kel)
{
	long i;

	if (im->kel == NULL || kel == 0)
		return "";
	i = geo_areaset_find_kel(im->kel, kel);
	return i < 0 ? "" : geo_areaset_get(im->kel, (size_t)i)->name;
}

static void
table_cols(out_table *t)
{
	out_table_col(t, _("households"), OUT_RIGHT);
	out_table_col(t, _("people"), OUT_RIGHT);
	out_table_col(t, _("elderly"), OUT_RIGHT);
	out_table_col(t, _("under-5"), OUT_RIGHT);
	out_table_col(t, _("disabled"), OUT_RIGHT);
	out_table_col(t, _("pregnant"), OUT_RIGHT);
}

static void
table_tally(out_table *t, const tally *v)
{
	out_table_num(t, (long long)v->households);
	out_table_num(t, (long long)v->people);
	out_table_num(t, (long long)v->elderly);
	out_table_num(t, (long long)v->under5);
	out_table_num(t, (long long)v->disabled);
	out_table_num(t, (long long)v->pregnant);
}

static void
print_header(const impact *im, const impact_opts *o)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN], c[OUT_NUMLEN];

	printf(_("Affected: %s households, %s people (of %s households "
	         "loaded)\n"),
	       out_num(a, sizeof a, (long long)im->total.households),
	       out_num(b, sizeof b, (long long)im->total.people),
	       out_num(c, sizeof c, (long long)im->nhh));
	if (o->have_point)
		printf(_("Footprint: %.6f,%.6f radius %g m\n"), o->lon, o->lat,
		       o->radius);
	else if (o->footprint != NULL)
		printf(_("Footprint: %s (%.2f km2)\n"), o->footprint,
		       geo_footprint_area_m2(im->fp) / 1e6);
	else
		printf(_("Footprint: none - households in any flood or fire "
		         "zone\n"));
	printf(_("Zones: %s flood, %s fire\n"),
	       out_num(a, sizeof a,
	               (long long)geo_zoneset_count_hazard(im->zs, GEO_FLOOD)),
	       out_num(b, sizeof b,
	               (long long)geo_zoneset_count_hazard(im->zs, GEO_FIRE)));
}

static void
print_classes(const impact *im)
{
	out_table *t = out_table_new();
	int h, c, rows = 0;

	out_table_col(t, _("hazard"), OUT_LEFT);
	out_table_col(t, _("class"), OUT_LEFT);
	table_cols(t);
	for (h = 0; h < GEO_HAZARD_COUNT; h++) {
		if (geo_zoneset_count_hazard(im->zs, (geo_hazard)h) == 0)
			continue;
		if (rows++)
			out_table_rule(t);
		for (c = GEO_HIGH; c >= GEO_NONE; c--) {
			out_table_cell(t, geo_hazard_name((geo_hazard)h));
			out_table_cell(t, geo_class_name((geo_class)c));
			table_tally(t, &im->by_class[h][c]);
		}
		out_table_rule(t);
		out_table_cell(t, geo_hazard_name((geo_hazard)h));
		out_table_cell(t, _("total"));
		table_tally(t, &im->total);
	}
	printf("\n%s\n", _("By hazard class"));
	out_table_print(t, stdout);
	out_table_free(t);
}

static void
print_kelurahan(const impact *im)
{
	out_table *t = out_table_new();
	char code[GEO_KEL_BUFLEN];
	size_t i;

	out_table_col(t, _("kelurahan"), OUT_LEFT);
	out_table_col(t, _("name"), OUT_LEFT);
	table_cols(t);
	for (i = 0; i < im->nrows; i++) {
		const kel_row *r = &im->rows[i];

		out_table_cell(t, r->kel ? geo_kel_format(r->kel, code)
		                         : _("(unknown)"));
		out_table_cell(t, kel_name(im, r->kel));
		table_tally(t, &r->t);
	}
	out_table_rule(t);
	out_table_cell(t, _("total"));
	out_table_cell(t, "");
	table_tally(t, &im->total);
	printf("\n%s\n", _("By kelurahan"));
	out_table_print(t, stdout);
	out_table_free(t);
}

static json_t *
tally_json(const tally *v)
{
	return json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I}", "households",
	    (json_int_t)v->households, "people", (json_int_t)v->people,
	    "elderly", (json_int_t)v->elderly, "under5", (json_int_t)v->under5,
	    "disabled", (json_int_t)v->disabled, "pregnant",
	    (json_int_t)v->pregnant);
}

static void
print_json(const impact *im, const impact_opts *o)
{
	json_t *root = json_object(), *cls = json_object(), *kel = json_array();
	json_t *fp = json_null();
	char code[GEO_KEL_BUFLEN];
	size_t i;
	int h, c;

	if (o->have_point)
		fp = json_pack("{s:s, s:[f, f], s:f, s:f}", "kind", "circle",
		               "point", o->lon, o->lat, "radius_m", o->radius,
		               "area_m2", geo_footprint_area_m2(im->fp));
	else if (o->footprint != NULL)
		fp = json_pack("{s:s, s:s, s:f}", "kind", "polygon", "file",
		               o->footprint, "area_m2",
		               geo_footprint_area_m2(im->fp));
	for (h = 0; h < GEO_HAZARD_COUNT; h++) {
		json_t *arr = json_array();

		for (c = GEO_HIGH; c >= GEO_NONE; c--) {
			json_t *row = tally_json(&im->by_class[h][c]);

			json_object_set_new(
			    row, "class",
			    json_string(geo_class_name((geo_class)c)));
			json_array_append_new(arr, row);
		}
		json_object_set_new(cls, geo_hazard_name((geo_hazard)h), arr);
	}
	for (i = 0; i < im->nrows; i++) {
		const kel_row *r = &im->rows[i];
		json_t *row = tally_json(&r->t);

		json_object_set_new(
		    row, "code",
		    r->kel ? json_string(geo_kel_format(r->kel, code))
		           : json_null());
		json_object_set_new(row, "name",
		                    json_string(kel_name(im, r->kel)));
		json_array_append_new(kel, row);
	}
	json_object_set_new(root, "households_loaded",
	                    json_integer((json_int_t)im->nhh));
	json_object_set_new(root, "selection",
	                    json_string(im->fp ? "footprint" : "zones"));
	json_object_set_new(root, "footprint", fp);
	json_object_set_new(
	    root, "zones",
	    json_pack("{s:I, s:I, s:I, s:I}", "flood",
	              (json_int_t)geo_zoneset_count_hazard(im->zs, GEO_FLOOD),
	              "fire",
	              (json_int_t)geo_zoneset_count_hazard(im->zs, GEO_FIRE),
	              "rejected", (json_int_t)im->zones_rejected, "repaired",
	              (json_int_t)im->zones_repaired));
	json_object_set_new(root, "households_rejected",
	                    json_integer((json_int_t)im->hh_rejected));
	json_object_set_new(root, "total", tally_json(&im->total));
	json_object_set_new(root, "by_class", cls);
	json_object_set_new(root, "by_kelurahan", kel);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

/* CSV field: names may hold commas or quotes. */
static void
csv_str(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_row(FILE *f, const char *code, const char *name, const tally *t,
        const uint64_t (*cls)[4])
{
	int h, c;

	csv_str(f, code);
	fputc(',', f);
	csv_str(f, name);
	fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu",
	        (unsigned long long)t->households,
	        (unsigned long long)t->people, (unsigned long long)t->elderly,
	        (unsigned long long)t->under5, (unsigned long long)t->disabled,
	        (unsigned long long)t->pregnant);
	for (h = 0; h < GEO_HAZARD_COUNT; h++)
		for (c = GEO_LOW; c <= GEO_HIGH; c++)
			fprintf(f, ",%llu", (unsigned long long)cls[h][c]);
	fputc('\n', f);
}

/* One row per kelurahan, then the total row (kelurahan "total"). */
static int
write_csv(const impact *im, const char *path)
{
	uint64_t cls[GEO_HAZARD_COUNT][4];
	char code[GEO_KEL_BUFLEN];
	FILE *f = fopen(path, "w");
	size_t i;
	int h, c;

	if (f == NULL) {
		fprintf(stderr, "poskoctl impact: %s: %s\n", path,
		        strerror(errno));
		return EXIT_INPUT;
	}
	fputs("kelurahan,name,households,people,elderly,under5,disabled,"
	      "pregnant,flood_low,flood_medium,flood_high,fire_low,"
	      "fire_medium,fire_high\n",
	      f);
	for (i = 0; i < im->nrows; i++)
		csv_row(f,
		        im->rows[i].kel ? geo_kel_format(im->rows[i].kel, code)
		                        : "",
		        kel_name(im, im->rows[i].kel), &im->rows[i].t,
		        (const uint64_t(*)[4])im->rows[i].by_class);
	for (h = 0; h < GEO_HAZARD_COUNT; h++)
		for (c = 0; c < 4; c++)
			cls[h][c] = im->by_class[h][c].households;
	csv_row(f, "total", "", &im->total, (const uint64_t(*)[4])cls);
	if (fclose(f) != 0) {
		fprintf(stderr, "poskoctl impact: %s: %s\n", path,
		        strerror(errno));
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static void
impact_free(impact *im)
{
	geo_footprint_free(im->fp);
	geo_areaset_free(im->kel);
	geo_hindex_free(im->ix);
	free(im->hh);
	free(im->affected);
	free(im->rows);
	geo_zoneset_free(im->zs);
	geo_ctx_free(im->ctx);
}

int
ctl_impact_main(int argc, char **argv)
{
	impact_opts o;
	impact im;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	memset(&im, 0, sizeof im);
	rc = load_inputs(&im, &o);
	if (rc == EXIT_OK)
		rc = compute(&im);
	if (rc == EXIT_OK && o.out != NULL)
		rc = write_csv(&im, o.out);
	if (rc == EXIT_OK) {
		if (o.json) {
			print_json(&im, &o);
		} else {
			print_header(&im, &o);
			print_classes(&im);
			print_kelurahan(&im);
		}
	}
	impact_free(&im);
	return rc;
}
