/* Hazard zones and the RW layer.
 *
 * Flood: the real HKV design-flood zones (2,739 polygons, low/medium/high)
 * are copied as they are.
 *
 * Fire: zones of our own making, since no fire-hazard map is published
 * (RPBD 2023-2027 names one, Gambar 2.10, without reproducing it).  For
 * every kelurahan polygon, its populated grid cells are merged (GEOS
 * union of row runs, clipped to the kelurahan) into one zone per class:
 *   high    density in the top decile of populated cells (>= P90) in a
 *           city whose RPBD fire risk is above the DKI-wide 54.42 %
 *           (Jakarta Timur 55.47, Barat 54.83, Pusat 54.50);
 *   medium  top decile in the other cities, or P75 <= density < P90;
 *   low     the rest of the populated area (RPBD: every city "Sedang",
 *           fire risk spread over the whole region, so no settled area is
 *           left without a class).
 * The densities are painted per kecamatan, so a kelurahan usually holds
 * one class; a class on fewer than 10 % of its cells is a spill across the
 * boundary and takes the kelurahan's main class (kel_classes).  Every
 * kelurahan gets at least one zone; one with no populated cell gets its
 * whole polygon as a low zone.
 *
 * RW: the InaSAFE RW layer with ids "<kelurahan digits>-<NN>".  An RW
 * belongs to the kelurahan that holds its interior point (the layer's own
 * kelurahan names carry typos such as "JAKATA UTARA", "TANAH SERAL").
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "bench/gen_io.h"

#define DKI_FIRE_RISK 54.42 /* RPBD Table 2.8, DKI Jakarta as a whole */

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Density percentiles over the populated cells of all kelurahan. */
static void
percentiles(struct gen_ctx *c, double *p75, double *p90)
{
	const struct gen_grid *g = &c->grid;
	size_t n = (size_t)g->ncols * (size_t)g->nrows, k = 0;
	float *v = malloc(n * sizeof *v);
	if (!v)
		gen_fail("out of memory");
	for (size_t i = 0; i < n; i++)
		if (g->v[i] > 0 && g->kel[i] >= 0)
			v[k++] = g->v[i];
	if (k == 0)
		gen_fail("population grid: no populated cell");
	qsort(v, k, sizeof *v, cmp_float);
	*p75 = v[(size_t)((double)(k - 1) * 0.75)];
	*p90 = v[(size_t)((double)(k - 1) * 0.90)];
	free(v);
}

enum fire_class { FIRE_LOW, FIRE_MEDIUM, FIRE_HIGH, FIRE_NCLASS };
static const char *fire_class_name[] = {"low", "medium", "high"};

static const char *
band_name(int cl, double city_risk)
{
	if (cl == FIRE_HIGH)
		return "P90+";
	if (cl == FIRE_LOW)
		return "below P75";
	return city_risk > DKI_FIRE_RISK ? "P75-P90" : "P75+";
}

static enum fire_class
classify(double v, double p75, double p90, double city_risk)
{
	if (v >= p90)
		return city_risk > DKI_FIRE_RISK ? FIRE_HIGH : FIRE_MEDIUM;
	return v >= p75 ? FIRE_MEDIUM : FIRE_LOW;
}

/* Grid window over kelurahan k's bounding box. */
struct window {
	int c0, c1, r0, r1;
};

static struct window
window_of(const struct gen_grid *g, const struct gen_area *k)
{
	struct window w;
	w.c0 = (int)floor((k->minx - g->x0) / g->cell);
	w.c1 = (int)floor((k->maxx - g->x0) / g->cell);
	w.r0 = (int)floor((g->ytop - k->maxy) / g->cell);
	w.r1 = (int)floor((g->ytop - k->miny) / g->cell);
	if (w.c0 < 0)
		w.c0 = 0;
	if (w.r0 < 0)
		w.r0 = 0;
	if (w.c1 >= g->ncols)
		w.c1 = g->ncols - 1;
	if (w.r1 >= g->nrows)
		w.r1 = g->nrows - 1;
	return w;
}

/* The classes of one kelurahan.  The grid's densities are painted per
 * kecamatan on ~50 m cells, whose edges do not follow the kelurahan
 * boundaries: a class held by fewer than MINOR_SHARE of the cells centred
 * in the kelurahan is a spill from a neighbour and is folded into the
 * kelurahan's main class, and cells centred outside it (which only
 * contribute their overlap) take the main class. */
#define MINOR_SHARE 0.10

struct kel_classes {
	enum fire_class main;
	int keep[FIRE_NCLASS];
	size_t cells;
};

static struct kel_classes
kel_classes(struct gen_ctx *c, int k, double p75, double p90, double risk)
{
	const struct gen_grid *g = &c->grid;
	struct window w = window_of(g, &c->kel[k]);
	struct kel_classes kc;
	size_t count[FIRE_NCLASS] = {0};
	memset(&kc, 0, sizeof kc);
	for (int row = w.r0; row <= w.r1; row++)
		for (int col = w.c0; col <= w.c1; col++) {
			size_t i = (size_t)row * g->ncols + col;
			if (g->kel[i] == k && g->v[i] > 0) {
				count[classify(g->v[i], p75, p90, risk)]++;
				kc.cells++;
			}
		}
	kc.main = FIRE_LOW;
	for (int cl = FIRE_LOW; cl < FIRE_NCLASS; cl++) {
		if (count[cl] > count[kc.main])
			kc.main = (enum fire_class)cl;
		kc.keep[cl] =
		    kc.cells && (double)count[cl] >= MINOR_SHARE * kc.cells;
	}
	kc.keep[kc.main] = 1;
	return kc;
}

static enum fire_class
cell_class(const struct gen_grid *g, size_t i, int k,
           const struct kel_classes *kc, double p75, double p90, double risk)
{
	if (g->kel[i] != k)
		return kc->main;
	enum fire_class cl = classify(g->v[i], p75, p90, risk);
	return kc->keep[cl] ? cl : kc->main;
}

/* Union of the populated cells of class cl overlapping kelurahan k, built
 * from row runs (a few rectangles per row instead of one per cell). */
static GEOSGeometry *
class_cells(struct gen_ctx *c, int k, const struct kel_classes *kc,
            enum fire_class cl, double p75, double p90, double risk)
{
	const struct gen_grid *g = &c->grid;
	struct window w = window_of(g, &c->kel[k]);
	size_t n = 0, cap = 64;
	GEOSGeometry **rects = malloc(cap * sizeof *rects);
	if (!rects)
		gen_fail("out of memory");
	for (int row = w.r0; row <= w.r1; row++) {
		int start = -1;
		for (int col = w.c0; col <= w.c1 + 1; col++) {
			int in = 0;
			if (col <= w.c1) {
				size_t i = (size_t)row * g->ncols + col;
				in = g->v[i] > 0 && cell_class(g, i, k, kc, p75,
				                               p90, risk) == cl;
			}
			if (in && start < 0)
				start = col;
			if (in || start < 0)
				continue;
			if (n == cap) {
				cap *= 2;
				rects = realloc(rects, cap * sizeof *rects);
				if (!rects)
					gen_fail("out of memory");
			}
			rects[n++] = GEOSGeom_createRectangle_r(
			    c->h, g->x0 + start * g->cell,
			    g->ytop - (row + 1) * g->cell,
			    g->x0 + col * g->cell, g->ytop - row * g->cell);
			start = -1;
		}
	}
	if (n == 0) {
		free(rects);
		return NULL;
	}
	GEOSGeometry *coll = GEOSGeom_createCollection_r(
	    c->h, GEOS_MULTIPOLYGON, rects, (unsigned)n);
	free(rects);
	GEOSGeometry *u = GEOSUnaryUnion_r(c->h, coll);
	GEOSGeom_destroy_r(c->h, coll);
	return u;
}

static void
write_zone(struct gen_ctx *c, FILE *f, const struct gen_area *k,
           enum fire_class cl, const GEOSGeometry *geom, double risk,
           const char *band)
{
	const char *digits = gen_area_digits(c, k);
	const char *code = gen_area_code(c, k);
	int reg = gen_area_regency(c, k);
	char id[48];
	if (digits)
		snprintf(id, sizeof id, "fire-%s-%s", digits,
		         fire_class_name[cl]);
	else
		snprintf(id, sizeof id, "fire-x%d-%s", k->src_id,
		         fire_class_name[cl]);
	fprintf(f,
	        "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"%s\","
	        "\"hazard\":\"fire\",\"class\":\"%s\",\"name\":",
	        c->n_fire_zones ? ",\n" : "", id, fire_class_name[cl]);
	char name[160];
	snprintf(name, sizeof name, "Permukiman %s (%s)",
	         code ? c->vil[k->match].name : k->name, gen_area_label(c, k));
	gen_json_str(f, name);
	fputs(",\"kelurahan\":", f);
	if (code)
		gen_json_str(f, code);
	else
		fputs("null", f);
	fputs(",\"city_code\":", f);
	if (reg >= 0)
		gen_json_str(f, c->reg[reg].code);
	else
		fputs("null", f);
	fprintf(f,
	        ",\"city_fire_risk_pct\":%.2f,\"density_band\":\"%s\"}"
	        ",\"geometry\":",
	        risk, band);
	gen_geom_write(f, c->h, geom, 6);
	fputs("}", f);
	c->n_fire_zones++;
}

static void
write_fire(struct gen_ctx *c)
{
	double p75, p90;
	percentiles(c, &p75, &p90);
	FILE *f = gen_create(c, "fire-zones.geojson");
	fprintf(f,
	        "{\"type\":\"FeatureCollection\",\"name\":\"fire-zones\","
	        "\"density_p75\":%.4f,\"density_p90\":%.4f,\"features\":[\n",
	        p75, p90);
	for (size_t i = 0; i < c->nkel; i++) {
		const struct gen_area *k = &c->kel[i];
		int reg = gen_area_regency(c, k);
		double risk = reg >= 0 ? c->reg[reg].fire_risk : DKI_FIRE_RISK;
		struct kel_classes kc = kel_classes(c, (int)i, p75, p90, risk);
		int made = 0;
		for (int cl = FIRE_HIGH; cl >= FIRE_LOW; cl--) {
			if (!kc.keep[cl])
				continue;
			GEOSGeometry *cells =
			    class_cells(c, (int)i, &kc, (enum fire_class)cl,
			                p75, p90, risk);
			if (!cells)
				continue;
			GEOSGeometry *z =
			    GEOSIntersection_r(c->h, cells, k->geom);
			GEOSGeometry *pz =
			    z ? gen_geom_snapped(c->h, z, 1e-6) : NULL;
			if (pz) {
				write_zone(c, f, k, (enum fire_class)cl, pz,
				           risk, band_name(cl, risk));
				made++;
				GEOSGeom_destroy_r(c->h, pz);
			}
			if (z)
				GEOSGeom_destroy_r(c->h, z);
			GEOSGeom_destroy_r(c->h, cells);
		}
		if (!made)
			write_zone(c, f, k, FIRE_LOW, k->geom, risk,
			           "no populated cell");
		gen_progress("fire zones", i + 1, c->nkel);
	}
	fputs("\n]}\n", f);
	gen_close(f, "fire-zones.geojson");
	gen_progress_done("fire zones", "%zu zones over %zu kelurahan",
	                  c->n_fire_zones, c->nkel);
}

/* ---- RW ---- */

static int
rw_number(const char *s)
{
	while (*s && !isdigit((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	return atoi(s);
}

static int
cmp_rw(const void *a, const void *b)
{
	const struct gen_rw *x = a, *y = b;
	int d = strcmp(x->id, y->id);
	if (d)
		return d;
	/* keep source order among parts of one RW */
	return (x->number > y->number) - (x->number < y->number);
}

static void
load_rw(struct gen_ctx *c)
{
	char path[512];
	json_error_t jerr;
	json_t *root = json_load_file(
	    gen_path(path, sizeof path, c->opt.data, "rw.geojson"), 0, &jerr);
	if (!root)
		gen_fail("%s:%d: %s", path, jerr.line, jerr.text);
	json_t *feats = json_object_get(root, "features");
	size_t n = json_array_size(feats), k = 0;
	struct gen_rw *rw = calloc(n ? n : 1, sizeof *rw);
	if (!rw)
		gen_fail("out of memory");
	c->rw_source = n;
	for (size_t i = 0; i < n; i++) {
		json_t *ft = json_array_get(feats, i);
		json_t *p = json_object_get(ft, "properties");
		const char *num = json_string_value(json_object_get(p, "RW"));
		const char *fp =
		    json_string_value(json_object_get(p, "FLOODPRONE"));
		int no = num ? rw_number(num) : -1;
		if (no < 0 || no > 99) {
			c->rw_no_number++;
			continue;
		}
		GEOSGeometry *g =
		    gen_geom_from_json(c->h, json_object_get(ft, "geometry"));
		if (!g)
			gen_fail("%s: feature %zu: no polygon", path, i);
		if (GEOSisValid_r(c->h, g) != 1) {
			GEOSGeometry *v = GEOSMakeValid_r(c->h, g);
			GEOSGeom_destroy_r(c->h, g);
			g = v ? gen_geom_snapped(c->h, v, 1e-7) : NULL;
			if (v)
				GEOSGeom_destroy_r(c->h, v);
			if (!g)
				gen_fail("%s: feature %zu: cannot be repaired",
				         path, i);
		}
		GEOSGeometry *pt = GEOSPointOnSurface_r(c->h, g);
		double x, y;
		GEOSGeomGetX_r(c->h, pt, &x);
		GEOSGeomGetY_r(c->h, pt, &y);
		GEOSGeom_destroy_r(c->h, pt);
		int kel = gen_admin_locate(c, x, y);
		if (kel < 0 || c->kel[kel].match < 0) {
			c->rw_no_kel++;
			GEOSGeom_destroy_r(c->h, g);
			continue;
		}
		struct gen_rw *r = &rw[k++];
		snprintf(r->id, sizeof r->id, "%s-%02d",
		         gen_area_digits(c, &c->kel[kel]), no);
		r->kel = kel;
		/* `number` doubles as the source order for a stable sort;
		 * the RW number is in the id */
		r->number = (int)i;
		r->floodprone = fp && strcasecmp(fp, "YES") == 0;
		r->geom = g;
	}
	json_decref(root);
	qsort(rw, k, sizeof *rw, cmp_rw);
	/* merge parts of one RW */
	size_t out = 0;
	for (size_t i = 0; i < k;) {
		size_t j = i + 1;
		while (j < k && strcmp(rw[j].id, rw[i].id) == 0)
			j++;
		struct gen_rw m = rw[i];
		if (j - i > 1) {
			GEOSGeometry **parts = malloc((j - i) * sizeof *parts);
			for (size_t t = i; t < j; t++) {
				parts[t - i] = rw[t].geom;
				m.floodprone |= rw[t].floodprone;
			}
			GEOSGeometry *coll = GEOSGeom_createCollection_r(
			    c->h, GEOS_GEOMETRYCOLLECTION, parts,
			    (unsigned)(j - i));
			free(parts);
			GEOSGeometry *u = GEOSUnaryUnion_r(c->h, coll);
			GEOSGeom_destroy_r(c->h, coll);
			m.geom = gen_geom_snapped(c->h, u, 1e-7);
			GEOSGeom_destroy_r(c->h, u);
			c->rw_merged += j - i;
		}
		m.number = atoi(strchr(m.id, '-') + 1);
		rw[out++] = m;
		i = j;
	}
	c->rw = rw;
	c->nrw = out;
}

static void
write_rw(struct gen_ctx *c)
{
	FILE *f = gen_create(c, "rw.geojson");
	fputs("{\"type\":\"FeatureCollection\",\"name\":\"rw\","
	      "\"features\":[\n",
	      f);
	for (size_t i = 0; i < c->nrw; i++) {
		const struct gen_rw *r = &c->rw[i];
		fprintf(f,
		        "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"%s\","
		        "\"kelurahan\":\"%s\",\"rw\":%d,\"floodprone\":%s},"
		        "\"geometry\":",
		        i ? ",\n" : "", r->id,
		        gen_area_code(c, &c->kel[r->kel]), r->number,
		        r->floodprone ? "true" : "false");
		gen_geom_write(f, c->h, r->geom, 7);
		fputs("}", f);
	}
	fputs("\n]}\n", f);
	gen_close(f, "rw.geojson");
	gen_progress_done("rw", "%zu RW from %zu polygons", c->nrw,
	                  c->rw_source);
}

void
gen_zones_write(struct gen_ctx *c)
{
	char from[512], to[512], err[1100];
	gen_path(from, sizeof from, c->opt.data, "flood-zones.geojson");
	gen_path(to, sizeof to, c->opt.out, "flood-zones.geojson");
	if (gen_copy_file(from, to, err, sizeof err) < 0)
		gen_fail("%s", err);
	write_fire(c);
	load_rw(c);
	write_rw(c);
}
