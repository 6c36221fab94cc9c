/* The sample incidents, as ingest messages (HACKING.md, incident report
 * v1).
 *
 * flood-2007.json: the February 2007 flood, footprint = union of the 1,009
 * RW polygons flooded then (InaSAFE Jakarta_RW_2007flood), snapped to a
 * 1e-6 degree grid (GEOS UnaryUnionPrec, so the rounded output is valid).
 * flood-2007-rw.json: the same flood as a list of RW ids: the RW of
 * rw.geojson holding each flooded polygon's interior point.
 * fire-<kelurahan>.json: a settlement fire, point + 300 m radius, in the
 * kelurahan of Jakarta Timur (highest RPBD fire risk, 55.47 %) with the
 * highest median cell density and then the largest populated area, at the
 * populated cell nearest to its population-weighted centre.  On the
 * bundled data that is Utan Kayu Selatan in Kecamatan Matraman, where
 * Sudin Sosial Jakarta Timur ran a 7-day post after the fire of December
 * 2024 (anchors.md §4.4).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench/gen_io.h"

#define FIRE_RADIUS_M 300
#define FIRE_CITY "31.75"

static GEOSGeometry **
load_flood(struct gen_ctx *c, size_t *count)
{
	char path[512];
	json_error_t jerr;
	json_t *root = json_load_file(
	    gen_path(path, sizeof path, c->opt.data, "flood-2007-rw.geojson"),
	    0, &jerr);
	if (!root)
		gen_fail("%s:%d: %s", path, jerr.line, jerr.text);
	json_t *feats = json_object_get(root, "features");
	size_t n = json_array_size(feats), k = 0;
	GEOSGeometry **g = calloc(n ? n : 1, sizeof *g);
	for (size_t i = 0; i < n; i++) {
		GEOSGeometry *x = gen_geom_from_json(
		    c->h,
		    json_object_get(json_array_get(feats, i), "geometry"));
		if (!x)
			continue;
		if (GEOSisValid_r(c->h, x) != 1) {
			GEOSGeometry *v = GEOSMakeValid_r(c->h, x);
			GEOSGeom_destroy_r(c->h, x);
			x = v ? gen_geom_polygonal(c->h, v) : NULL;
			if (v)
				GEOSGeom_destroy_r(c->h, v);
			if (!x)
				continue;
		}
		g[k++] = x;
	}
	json_decref(root);
	*count = k;
	return g;
}

static void
header(FILE *f, const char *source_id, const char *type, const char *time,
       const char *title)
{
	fprintf(f, "{\"v\":1,\"kind\":\"incident.report\",\"source\":"
	           "\"bpbd-dki\",\"source_id\":");
	gen_json_str(f, source_id);
	fprintf(f,
	        ",\"action\":\"open\",\"type\":\"%s\",\"time\":\"%s\","
	        "\"title\":",
	        type, time);
	gen_json_str(f, title);
}

static void
write_flood(struct gen_ctx *c, GEOSGeometry **parts, size_t n)
{
	GEOSGeometry **copy = malloc(n * sizeof *copy);
	for (size_t i = 0; i < n; i++)
		copy[i] = GEOSGeom_clone_r(c->h, parts[i]);
	GEOSGeometry *coll = GEOSGeom_createCollection_r(
	    c->h, GEOS_GEOMETRYCOLLECTION, copy, (unsigned)n);
	free(copy);
	GEOSGeometry *u = GEOSUnaryUnionPrec_r(c->h, coll, 1e-6);
	GEOSGeom_destroy_r(c->h, coll);
	if (!u)
		gen_fail("flood-2007: union failed");
	FILE *f = gen_create(c, "incidents/flood-2007.json");
	header(f, "2007-02-banjir", "flood", "2007-02-02T06:00:00+07:00",
	       "Banjir Februari 2007");
	fputs(",\"severity\":{\"siaga\":1},\"footprint\":{\"geometry\":", f);
	if (gen_geom_write(f, c->h, u, 6) < 0)
		gen_fail("flood-2007: empty footprint");
	fputs("},\"days\":7}\n", f);
	gen_close(f, "incidents/flood-2007.json");
	GEOSGeom_destroy_r(c->h, u);
}

struct rw_q {
	GEOSContextHandle_t h;
	const GEOSGeometry *pt;
	const struct gen_rw *base;
	long best;
};

static void
rw_cb(void *item, void *data)
{
	struct rw_q *q = data;
	const struct gen_rw *r = item;
	long idx = r - q->base;
	if (q->best >= 0 && idx > q->best)
		return;
	if (GEOSIntersects_r(q->h, r->geom, q->pt) == 1)
		q->best = idx;
}

static void
write_flood_rw(struct gen_ctx *c, GEOSGeometry **parts, size_t n)
{
	GEOSSTRtree *tree = GEOSSTRtree_create_r(c->h, 8);
	for (size_t i = 0; i < c->nrw; i++)
		GEOSSTRtree_insert_r(c->h, tree, c->rw[i].geom, &c->rw[i]);
	uint8_t *hit = calloc(c->nrw ? c->nrw : 1, 1);
	size_t missed = 0, ids = 0;
	for (size_t i = 0; i < n; i++) {
		GEOSGeometry *pt = GEOSPointOnSurface_r(c->h, parts[i]);
		struct rw_q q = {c->h, pt, c->rw, -1};
		GEOSSTRtree_query_r(c->h, tree, pt, rw_cb, &q);
		GEOSGeom_destroy_r(c->h, pt);
		if (q.best < 0)
			missed++;
		else
			hit[q.best] = 1;
	}
	FILE *f = gen_create(c, "incidents/flood-2007-rw.json");
	header(f, "2007-02-banjir-rw", "flood", "2007-02-02T06:00:00+07:00",
	       "Banjir Februari 2007 (per RW)");
	fputs(",\"severity\":{\"siaga\":1},\"footprint\":{\"rw\":[", f);
	for (size_t i = 0; i < c->nrw; i++)
		if (hit[i])
			fprintf(f, "%s\"%s\"", ids++ ? "," : "", c->rw[i].id);
	fputs("]},\"days\":7}\n", f);
	gen_close(f, "incidents/flood-2007-rw.json");
	gen_progress_done("flood 2007",
	                  "%zu polygons; %zu RW ids, %zu polygons in no RW", n,
	                  ids, missed);
	free(hit);
	GEOSSTRtree_destroy_r(c->h, tree);
}

static int
is_kel(struct gen_ctx *c, int kel, int arg)
{
	(void)c;
	return kel == arg;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Median density of the cells centred in each kelurahan (the median, not
 * the maximum: boundary cells carry a neighbouring kecamatan's density),
 * and the count of those cells. */
static void
kel_density(struct gen_ctx *c, double *median, double *cells)
{
	const struct gen_grid *g = &c->grid;
	size_t *count = calloc(c->nkel + 1, sizeof *count);
	size_t *start = calloc(c->nkel + 1, sizeof *start);
	float *v = malloc((g->pop.n ? g->pop.n : 1) * sizeof *v);
	if (!count || !start || !v)
		gen_fail("out of memory");
	for (size_t i = 0; i < g->pop.n; i++)
		count[g->kel[g->pop.cells[i]]]++;
	for (size_t k = 0; k < c->nkel; k++)
		start[k + 1] = start[k] + count[k];
	memset(count, 0, (c->nkel + 1) * sizeof *count);
	for (size_t i = 0; i < g->pop.n; i++) {
		uint32_t cell = g->pop.cells[i];
		int k = g->kel[cell];
		v[start[k] + count[k]++] = g->v[cell];
	}
	for (size_t k = 0; k < c->nkel; k++) {
		cells[k] = (double)count[k];
		median[k] = 0;
		if (!count[k])
			continue;
		qsort(v + start[k], count[k], sizeof *v, cmp_float);
		median[k] = v[start[k] + count[k] / 2];
	}
	free(count);
	free(start);
	free(v);
}

static void
write_fire(struct gen_ctx *c)
{
	double *area = calloc(c->nkel, sizeof *area);
	double *dens = calloc(c->nkel, sizeof *dens);
	if (!area || !dens)
		gen_fail("out of memory");
	kel_density(c, dens, area);
	int best = -1;
	for (size_t k = 0; k < c->nkel; k++) {
		const struct gen_area *a = &c->kel[k];
		int reg = gen_area_regency(c, a);
		if (a->match < 0 || reg < 0 ||
		    strcmp(c->reg[reg].code, FIRE_CITY) != 0 || area[k] == 0)
			continue;
		if (best < 0 || dens[k] > dens[best] ||
		    (dens[k] == dens[best] && area[k] > area[best]))
			best = (int)k;
	}
	free(area);
	free(dens);
	if (best < 0)
		gen_fail("fire: no populated kelurahan in %s", FIRE_CITY);
	double lon, lat;
	gen_grid_centre(c, is_kel, best, &lon, &lat);
	const struct gen_village *v = &c->vil[c->kel[best].match];
	char slug[80], file[120], sid[120], title[200], x[32], y[32];
	size_t n = 0;
	for (const char *p = v->name; *p && n + 1 < sizeof slug; p++)
		if (isalnum((unsigned char)*p))
			slug[n++] = (char)tolower((unsigned char)*p);
		else if (n && slug[n - 1] != '-')
			slug[n++] = '-';
	slug[n] = '\0';
	snprintf(file, sizeof file, "incidents/fire-%s.json", slug);
	snprintf(sid, sizeof sid, "%.7s-kebakaran-%s", c->opt.ref_date, slug);
	snprintf(title, sizeof title, "Kebakaran permukiman Kel. %s, %s",
	         v->name, c->dis[v->district].name);
	char time[40];
	snprintf(time, sizeof time, "%sT13:30:00+07:00", c->opt.ref_date);
	gen_fmt_fixed(x, lon, 6);
	gen_fmt_fixed(y, lat, 6);
	FILE *f = gen_create(c, file);
	header(f, sid, "fire", time, title);
	fprintf(f,
	        ",\"severity\":{\"evacuate\":true},\"footprint\":{"
	        "\"point\":[%s,%s],\"radius_m\":%d},\"days\":7}\n",
	        x, y, FIRE_RADIUS_M);
	gen_close(f, file);
	snprintf(c->fire_file, sizeof c->fire_file, "%s", file);
}

/* A fire file of an earlier run into the same directory would be a
 * second fire incident: remove incidents/fire-*.json first. */
static void
remove_old_fires(struct gen_ctx *c)
{
	char dir[1024], path[1400];
	gen_path(dir, sizeof dir, c->opt.out, "incidents");
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (strncmp(e->d_name, "fire-", 5) != 0 || n < 10 ||
		    strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (remove(path) != 0)
			gen_fail("%s: cannot remove", path);
	}
	closedir(d);
}

void
gen_incident_write(struct gen_ctx *c)
{
	remove_old_fires(c);
	size_t n;
	GEOSGeometry **parts = load_flood(c, &n);
	write_flood(c, parts, n);
	write_flood_rw(c, parts, n);
	for (size_t i = 0; i < n; i++)
		GEOSGeom_destroy_r(c->h, parts[i]);
	free(parts);
	write_fire(c);
}
