/* Administrative areas: the official codes (jakarta-admin, Kemendagri codes
 * from idn-area-data) matched to the polygons (InaSAFE/OSM layers) by
 * normalised name.
 *
 * Matching rules, in order; anything else stays unmatched and is reported
 * in UNMATCHED.md (never guessed):
 *  1. city: KAB_NAME against regencies.csv without "KOTA ADMINISTRASI" /
 *     "KABUPATEN ADMINISTRASI";
 *  2. kecamatan: name within that city;
 *  3. kelurahan, exact: name within that kecamatan.  Names are normalised
 *     by upper-casing, dropping a "KELURAHAN "/"KECAMATAN " prefix and
 *     every character that is not a letter or digit (so "Kali Deres" =
 *     "Kalideres", "Pal Merah" = "Palmerah");
 *  4. kelurahan, spelling variant: among the names still unmatched in the
 *     SAME kecamatan, a polygon and a code whose normalised names are one
 *     edit apart (Kesuma/Kusuma, Priuk/Priok, Papango/Papanggo), when each
 *     is the other's only such candidate.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench/gen_io.h"

/* RPBD DKI Jakarta 2023-2027, Table 2.8 "risiko kebakaran gedung dan
 * permukiman" per kabupaten/kota, % risiko (../shared/domain.md §2.3). */
static const struct {
	const char *code;
	double risk;
} fire_risk[] = {
    {"31.01", 51.35}, {"31.71", 54.50}, {"31.72", 53.03},
    {"31.73", 54.83}, {"31.74", 53.79}, {"31.75", 55.47},
};

static void
normalise(char *dst, size_t len, const char *src)
{
	static const char *prefix[] = {"KELURAHAN ", "KECAMATAN ",
	                               "KOTA ADMINISTRASI ",
	                               "KABUPATEN ADMINISTRASI "};
	size_t n = 0;
	for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++) {
		size_t pl = strlen(prefix[i]);
		if (strncasecmp(src, prefix[i], pl) == 0) {
			src += pl;
			break;
		}
	}
	for (; *src && n + 1 < len; src++)
		if (isalnum((unsigned char)*src))
			dst[n++] = (char)toupper((unsigned char)*src);
	dst[n] = '\0';
}

/* 1 when a and b are exactly one insertion, deletion or substitution
 * apart. */
static int
one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la < lb) {
		const char *t = a;
		a = b;
		b = t;
		size_t tl = la;
		la = lb;
		lb = tl;
	}
	if (la - lb > 1)
		return 0;
	size_t i = 0;
	while (i < lb && a[i] == b[i])
		i++;
	if (la == lb)
		return i < la && strcmp(a + i + 1, b + i + 1) == 0;
	return strcmp(a + i + 1, b + i) == 0;
}

/* Truncating copy (names longer than the fields do not occur in the
 * data; truncation keeps a bad file from overflowing). */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* "KOTA ADMINISTRASI JAKARTA PUSAT" -> "Jakarta Pusat". */
static void
make_label(char *dst, size_t len, const char *name)
{
	char tmp[80];
	const char *p = name;
	if (strncmp(p, "KOTA ADMINISTRASI ", 18) == 0)
		p += 18;
	else if (strncmp(p, "KABUPATEN ADMINISTRASI ", 23) == 0)
		p += 23;
	copy_str(tmp, sizeof tmp, p);
	for (size_t i = 0; tmp[i]; i++)
		tmp[i] = (char)(i == 0 || tmp[i - 1] == ' '
		                    ? toupper((unsigned char)tmp[i])
		                    : tolower((unsigned char)tmp[i]));
	copy_str(dst, len, tmp);
}

static struct gen_csv
load_csv(struct gen_ctx *c, const char *name)
{
	char path[512], err[600];
	struct gen_csv csv;
	if (gen_csv_load(gen_path(path, sizeof path, c->opt.data, name), &csv,
	                 err, sizeof err) < 0)
		gen_fail("%s", err);
	return csv;
}

static void
load_tables(struct gen_ctx *c)
{
	struct gen_csv r = load_csv(c, "regencies.csv");
	struct gen_csv d = load_csv(c, "districts.csv");
	struct gen_csv v = load_csv(c, "villages.csv");
	int rc = gen_csv_col(&r, "code"), rn = gen_csv_col(&r, "name");
	int dc = gen_csv_col(&d, "code"), dn = gen_csv_col(&d, "name");
	int dr = gen_csv_col(&d, "regency_code");
	int vc = gen_csv_col(&v, "code"), vn = gen_csv_col(&v, "name");
	int vd = gen_csv_col(&v, "district_code");
	if (rc < 0 || rn < 0 || dc < 0 || dn < 0 || dr < 0 || vc < 0 ||
	    vn < 0 || vd < 0)
		gen_fail("admin CSV without the expected columns");
	c->nreg = r.nrows;
	c->ndis = d.nrows;
	c->nvil = v.nrows;
	c->reg = calloc(c->nreg, sizeof *c->reg);
	c->dis = calloc(c->ndis, sizeof *c->dis);
	c->vil = calloc(c->nvil, sizeof *c->vil);
	if (!c->reg || !c->dis || !c->vil)
		gen_fail("out of memory");
	for (size_t i = 0; i < c->nreg; i++) {
		struct gen_regency *g = &c->reg[i];
		copy_str(g->code, sizeof g->code, gen_csv_get(&r, i, rc));
		copy_str(g->name, sizeof g->name, gen_csv_get(&r, i, rn));
		make_label(g->label, sizeof g->label, g->name);
		normalise(g->norm, sizeof g->norm, g->name);
		g->poly = -1;
		for (size_t k = 0; k < sizeof fire_risk / sizeof *fire_risk;
		     k++)
			if (strcmp(fire_risk[k].code, g->code) == 0)
				g->fire_risk = fire_risk[k].risk;
	}
	for (size_t i = 0; i < c->ndis; i++) {
		struct gen_district *g = &c->dis[i];
		copy_str(g->code, sizeof g->code, gen_csv_get(&d, i, dc));
		copy_str(g->name, sizeof g->name, gen_csv_get(&d, i, dn));
		normalise(g->norm, sizeof g->norm, g->name);
		g->poly = -1;
		g->regency = -1;
		for (size_t k = 0; k < c->nreg; k++)
			if (strcmp(c->reg[k].code, gen_csv_get(&d, i, dr)) == 0)
				g->regency = (int)k;
	}
	for (size_t i = 0; i < c->nvil; i++) {
		struct gen_village *g = &c->vil[i];
		copy_str(g->code, sizeof g->code, gen_csv_get(&v, i, vc));
		copy_str(g->name, sizeof g->name, gen_csv_get(&v, i, vn));
		normalise(g->norm, sizeof g->norm, g->name);
		size_t n = 0;
		for (const char *p = g->code; *p && n + 1 < sizeof g->digits;
		     p++)
			if (isdigit((unsigned char)*p))
				g->digits[n++] = *p;
		g->digits[n] = '\0';
		g->poly = -1;
		g->district = -1;
		for (size_t k = 0; k < c->ndis; k++)
			if (strcmp(c->dis[k].code, gen_csv_get(&v, i, vd)) == 0)
				g->district = (int)k;
	}
	gen_csv_free(&r);
	gen_csv_free(&d);
	gen_csv_free(&v);
}

static const char *
prop_str(const json_t *props, const char *key)
{
	const char *s = json_string_value(json_object_get(props, key));
	return s ? s : "";
}

/* Read a polygon layer; `names` are the property keys of the area name,
 * its kecamatan and its city (NULL when the layer has none). */
static struct gen_area *
load_layer(struct gen_ctx *c, const char *file, const char *name_key,
           const char *kec_key, const char *city_key, size_t *count)
{
	char path[512];
	json_error_t jerr;
	json_t *root = json_load_file(
	    gen_path(path, sizeof path, c->opt.data, file), 0, &jerr);
	if (!root)
		gen_fail("%s:%d: %s", path, jerr.line, jerr.text);
	json_t *feats = json_object_get(root, "features");
	size_t n = json_array_size(feats);
	struct gen_area *a = calloc(n ? n : 1, sizeof *a);
	if (!a)
		gen_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(feats, i);
		json_t *p = json_object_get(f, "properties");
		struct gen_area *k = &a[i];
		json_t *id = json_object_get(p, "ID");
		k->src_id =
		    json_is_integer(id) ? (int)json_integer_value(id) : (int)i;
		copy_str(k->name, sizeof k->name, prop_str(p, name_key));
		if (kec_key)
			copy_str(k->kec_name, sizeof k->kec_name,
			         prop_str(p, kec_key));
		if (city_key)
			copy_str(k->city_name, sizeof k->city_name,
			         prop_str(p, city_key));
		k->match = k->regency = k->district = -1;
		GEOSGeometry *g =
		    gen_geom_from_json(c->h, json_object_get(f, "geometry"));
		if (!g)
			gen_fail("%s: feature %zu: no polygon", path, i);
		if (GEOSisValid_r(c->h, g) != 1) {
			GEOSGeometry *v = GEOSMakeValid_r(c->h, g);
			GEOSGeometry *pg =
			    v ? gen_geom_snapped(c->h, v, 1e-7) : NULL;
			GEOSGeom_destroy_r(c->h, g);
			if (v)
				GEOSGeom_destroy_r(c->h, v);
			if (!pg)
				gen_fail("%s: feature %zu: cannot be repaired",
				         path, i);
			g = pg;
			c->repaired++;
		}
		k->geom = g;
		k->prep = GEOSPrepare_r(c->h, g);
		GEOSGeom_getXMin_r(c->h, g, &k->minx);
		GEOSGeom_getYMin_r(c->h, g, &k->miny);
		GEOSGeom_getXMax_r(c->h, g, &k->maxx);
		GEOSGeom_getYMax_r(c->h, g, &k->maxy);
	}
	json_decref(root);
	*count = n;
	return a;
}

static int
find_regency(struct gen_ctx *c, const char *layer_name)
{
	char norm[80];
	normalise(norm, sizeof norm, layer_name);
	for (size_t i = 0; i < c->nreg; i++)
		if (strcmp(c->reg[i].norm, norm) == 0)
			return (int)i;
	return -1;
}

static int
find_district(struct gen_ctx *c, int regency, const char *layer_name)
{
	char norm[80];
	if (regency < 0)
		return -1;
	normalise(norm, sizeof norm, layer_name);
	for (size_t i = 0; i < c->ndis; i++)
		if (c->dis[i].regency == regency &&
		    strcmp(c->dis[i].norm, norm) == 0)
			return (int)i;
	return -1;
}

static void
match_kelurahan(struct gen_ctx *c)
{
	char norm[80];
	/* exact */
	for (size_t i = 0; i < c->nkel; i++) {
		struct gen_area *k = &c->kel[i];
		k->regency = find_regency(c, k->city_name);
		k->district = find_district(c, k->regency, k->kec_name);
		if (k->district < 0)
			continue;
		normalise(norm, sizeof norm, k->name);
		int hit = -1, hits = 0;
		for (size_t v = 0; v < c->nvil; v++)
			if (c->vil[v].district == k->district &&
			    strcmp(c->vil[v].norm, norm) == 0) {
				hit = (int)v;
				hits++;
			}
		if (hits == 1 && c->vil[hit].poly < 0) {
			k->match = hit;
			k->how = GEN_MATCH_EXACT;
			c->vil[hit].poly = (int)i;
		}
	}
	/* one edit apart, mutual and unique within the kecamatan */
	for (size_t i = 0; i < c->nkel; i++) {
		struct gen_area *k = &c->kel[i];
		if (k->match >= 0 || k->district < 0)
			continue;
		normalise(norm, sizeof norm, k->name);
		int hit = -1, hits = 0;
		for (size_t v = 0; v < c->nvil; v++)
			if (c->vil[v].poly < 0 &&
			    c->vil[v].district == k->district &&
			    one_edit(c->vil[v].norm, norm)) {
				hit = (int)v;
				hits++;
			}
		if (hits != 1)
			continue;
		int back = 0;
		for (size_t j = 0; j < c->nkel; j++) {
			char other[80];
			if (c->kel[j].match >= 0 ||
			    c->kel[j].district != k->district)
				continue;
			normalise(other, sizeof other, c->kel[j].name);
			back += one_edit(c->vil[hit].norm, other);
		}
		if (back != 1)
			continue;
		k->match = hit;
		k->how = GEN_MATCH_SPELLING;
		c->vil[hit].poly = (int)i;
	}
}

void
gen_admin_load(struct gen_ctx *c)
{
	load_tables(c);
	c->kota =
	    load_layer(c, "kota.geojson", "KAB_NAME", NULL, NULL, &c->nkota);
	c->kec = load_layer(c, "kecamatan.geojson", "KEC_NAME", NULL,
	                    "KAB_NAME", &c->nkec);
	c->kel = load_layer(c, "kelurahan.geojson", "KEL_NAME2", "KEC_NAME_1",
	                    "KAB_NAME_1", &c->nkel);
	for (size_t i = 0; i < c->nkota; i++) {
		struct gen_area *k = &c->kota[i];
		k->regency = k->match = find_regency(c, k->name);
		if (k->match >= 0 && c->reg[k->match].poly < 0) {
			k->how = GEN_MATCH_EXACT;
			c->reg[k->match].poly = (int)i;
		} else {
			k->match = -1;
		}
	}
	for (size_t i = 0; i < c->nkec; i++) {
		struct gen_area *k = &c->kec[i];
		k->regency = find_regency(c, k->city_name);
		k->district = k->match = find_district(c, k->regency, k->name);
		if (k->match >= 0 && c->dis[k->match].poly < 0) {
			k->how = GEN_MATCH_EXACT;
			c->dis[k->match].poly = (int)i;
		} else {
			k->match = -1;
		}
	}
	match_kelurahan(c);
	c->kel_tree = GEOSSTRtree_create_r(c->h, 8);
	for (size_t i = 0; i < c->nkel; i++)
		GEOSSTRtree_insert_r(c->h, c->kel_tree, c->kel[i].geom,
		                     &c->kel[i]);
}

/* ---- lookups ---- */

struct locate_q {
	struct gen_ctx *c;
	const GEOSGeometry *pt;
	int best;
};

static void
locate_cb(void *item, void *data)
{
	struct locate_q *q = data;
	struct gen_area *k = item;
	int idx = (int)(k - q->c->kel);
	if (q->best >= 0 && idx > q->best)
		return;
	if (GEOSPreparedIntersects_r(q->c->h, k->prep, q->pt) == 1)
		q->best = idx;
}

int
gen_admin_locate(struct gen_ctx *c, double lon, double lat)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->h, lon, lat);
	struct locate_q q = {c, pt, -1};
	GEOSSTRtree_query_r(c->h, c->kel_tree, pt, locate_cb, &q);
	GEOSGeom_destroy_r(c->h, pt);
	return q.best;
}

const char *
gen_area_code(const struct gen_ctx *c, const struct gen_area *k)
{
	return k->match >= 0 ? c->vil[k->match].code : NULL;
}

const char *
gen_area_digits(const struct gen_ctx *c, const struct gen_area *k)
{
	return k->match >= 0 ? c->vil[k->match].digits : NULL;
}

int
gen_area_regency(const struct gen_ctx *c, const struct gen_area *k)
{
	if (k->match >= 0)
		return c->dis[c->vil[k->match].district].regency;
	return k->regency;
}

const char *
gen_area_label(const struct gen_ctx *c, const struct gen_area *k)
{
	int r = gen_area_regency(c, k);
	return r >= 0 ? c->reg[r].label : k->city_name;
}

/* ---- output ---- */

static void
put_str_or_null(FILE *f, const char *s)
{
	if (s)
		gen_json_str(f, s);
	else
		fputs("null", f);
}

static const char *
how_str(enum gen_match how)
{
	return how == GEN_MATCH_EXACT      ? "exact"
	       : how == GEN_MATCH_SPELLING ? "spelling"
	                                   : NULL;
}

static void
write_kota(struct gen_ctx *c)
{
	FILE *f = gen_create(c, "kota.geojson");
	fputs("{\"type\":\"FeatureCollection\",\"name\":\"kota\","
	      "\"features\":[\n",
	      f);
	for (size_t i = 0; i < c->nkota; i++) {
		struct gen_area *k = &c->kota[i];
		const struct gen_regency *r =
		    k->match >= 0 ? &c->reg[k->match] : NULL;
		fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"code\":",
		        i ? ",\n" : "");
		put_str_or_null(f, r ? r->code : NULL);
		fputs(",\"name\":", f);
		gen_json_str(f, r ? r->label : k->name);
		fputs(",\"source_name\":", f);
		gen_json_str(f, k->name);
		fprintf(f, ",\"fire_risk_pct\":");
		if (r)
			fprintf(f, "%.2f", r->fire_risk);
		else
			fputs("null", f);
		fputs("},\"geometry\":", f);
		gen_geom_write(f, c->h, k->geom, 7);
		fputs("}", f);
	}
	fputs("\n]}\n", f);
	gen_close(f, "kota.geojson");
}

static void
write_kecamatan(struct gen_ctx *c)
{
	FILE *f = gen_create(c, "kecamatan.geojson");
	fputs("{\"type\":\"FeatureCollection\",\"name\":\"kecamatan\","
	      "\"features\":[\n",
	      f);
	for (size_t i = 0; i < c->nkec; i++) {
		struct gen_area *k = &c->kec[i];
		const struct gen_district *d =
		    k->match >= 0 ? &c->dis[k->match] : NULL;
		const struct gen_regency *r =
		    k->regency >= 0 ? &c->reg[k->regency] : NULL;
		fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"code\":",
		        i ? ",\n" : "");
		put_str_or_null(f, d ? d->code : NULL);
		fputs(",\"name\":", f);
		gen_json_str(f, d ? d->name : k->name);
		fputs(",\"city\":", f);
		put_str_or_null(f, r ? r->label : NULL);
		fputs(",\"city_code\":", f);
		put_str_or_null(f, r ? r->code : NULL);
		fputs(",\"source_name\":", f);
		gen_json_str(f, k->name);
		fputs("},\"geometry\":", f);
		gen_geom_write(f, c->h, k->geom, 7);
		fputs("}", f);
	}
	fputs("\n]}\n", f);
	gen_close(f, "kecamatan.geojson");
}

static void
write_kelurahan(struct gen_ctx *c)
{
	FILE *f = gen_create(c, "kelurahan.geojson");
	fputs("{\"type\":\"FeatureCollection\",\"name\":\"kelurahan\","
	      "\"features\":[\n",
	      f);
	for (size_t i = 0; i < c->nkel; i++) {
		struct gen_area *k = &c->kel[i];
		const struct gen_village *v =
		    k->match >= 0 ? &c->vil[k->match] : NULL;
		const struct gen_district *d =
		    k->district >= 0 ? &c->dis[k->district] : NULL;
		const struct gen_regency *r =
		    k->regency >= 0 ? &c->reg[k->regency] : NULL;
		fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"code\":",
		        i ? ",\n" : "");
		put_str_or_null(f, v ? v->code : NULL);
		fputs(",\"name\":", f);
		gen_json_str(f, v ? v->name : k->name);
		fputs(",\"kecamatan\":", f);
		gen_json_str(f, d ? d->name : k->kec_name);
		fputs(",\"kecamatan_code\":", f);
		put_str_or_null(f, d ? d->code : NULL);
		fputs(",\"city\":", f);
		gen_json_str(f, r ? r->label : k->city_name);
		fputs(",\"city_code\":", f);
		put_str_or_null(f, r ? r->code : NULL);
		fputs(",\"source_name\":", f);
		gen_json_str(f, k->name);
		fputs(",\"match\":", f);
		put_str_or_null(f, how_str(k->how));
		fprintf(f, ",\"source_id\":%d},\"geometry\":", k->src_id);
		gen_geom_write(f, c->h, k->geom, 7);
		fputs("}", f);
	}
	fputs("\n]}\n", f);
	gen_close(f, "kelurahan.geojson");
}

static void
write_unmatched(struct gen_ctx *c)
{
	FILE *f = gen_create(c, "UNMATCHED.md");
	size_t exact = 0, spelling = 0, nopoly = 0, nocode = 0;
	for (size_t i = 0; i < c->nkel; i++) {
		exact += c->kel[i].how == GEN_MATCH_EXACT;
		spelling += c->kel[i].how == GEN_MATCH_SPELLING;
		nocode += c->kel[i].match < 0;
	}
	for (size_t i = 0; i < c->nvil; i++)
		nopoly += c->vil[i].poly < 0;
	fprintf(f,
	        "# Kelurahan names that do not match\n\n"
	        "Written by bench/gen_scenario (gen_admin.c), which matches "
	        "the %zu kelurahan polygons of\ndata/jakarta/kelurahan.geojson "
	        "to the %zu kelurahan codes of data/jakarta/villages.csv.\n"
	        "Rules: same city, same kecamatan, normalised name equal "
	        "(case, \"KELURAHAN \" prefix,\nspaces and punctuation "
	        "ignored); then, among the names left in the same "
	        "kecamatan,\na pair one letter apart when each is the other's "
	        "only candidate. Nothing else is\nguessed: an unmatched "
	        "polygon keeps `code: null`, and no household, shelter or "
	        "RW\nis placed in it.\n\n"
	        "Matched: %zu exact, %zu by spelling variant. Polygons "
	        "without a code: %zu. Codes\nwithout a polygon: %zu.\n\n",
	        c->nkel, c->nvil, exact, spelling, nocode, nopoly);
	fputs("## Matched by spelling variant (same kecamatan)\n\n"
	      "| polygon name (layer) | kecamatan | code | official name |\n"
	      "|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < c->nkel; i++) {
		struct gen_area *k = &c->kel[i];
		if (k->how != GEN_MATCH_SPELLING)
			continue;
		fprintf(f, "| %s | %s | %s | %s |\n", k->name,
		        c->dis[k->district].name, c->vil[k->match].code,
		        c->vil[k->match].name);
	}
	fputs("\n## Polygons without a code\n\n"
	      "| layer ID | polygon name | layer kecamatan | layer city | "
	      "why |\n|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < c->nkel; i++) {
		struct gen_area *k = &c->kel[i];
		if (k->match >= 0)
			continue;
		const char *why = k->district < 0
		                      ? "kecamatan not found"
		                      : "no code of that name in this "
		                        "kecamatan";
		fprintf(f, "| %d | %s | %s | %s | %s |\n", k->src_id, k->name,
		        k->kec_name, k->city_name, why);
	}
	fputs("\n## Codes without a polygon\n\n"
	      "| code | name | kecamatan | city |\n|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < c->nvil; i++) {
		struct gen_village *v = &c->vil[i];
		if (v->poly >= 0)
			continue;
		const struct gen_district *d =
		    v->district >= 0 ? &c->dis[v->district] : NULL;
		fprintf(f, "| %s | %s | %s | %s |\n", v->code, v->name,
		        d ? d->name : "?",
		        d && d->regency >= 0 ? c->reg[d->regency].label : "?");
	}
	size_t kec_un = 0, kota_un = 0;
	for (size_t i = 0; i < c->nkec; i++)
		kec_un += c->kec[i].match < 0;
	for (size_t i = 0; i < c->nkota; i++)
		kota_un += c->kota[i].match < 0;
	fprintf(f,
	        "\n## Kecamatan and cities\n\n"
	        "kecamatan.geojson: %zu polygons, %zu without a code; "
	        "kota.geojson: %zu polygons,\n%zu without a code. Codes "
	        "without a polygon:\n\n",
	        c->nkec, kec_un, c->nkota, kota_un);
	for (size_t i = 0; i < c->ndis; i++)
		if (c->dis[i].poly < 0)
			fprintf(f, "- kecamatan %s %s\n", c->dis[i].code,
			        c->dis[i].name);
	for (size_t i = 0; i < c->nreg; i++)
		if (c->reg[i].poly < 0)
			fprintf(f, "- city %s %s\n", c->reg[i].code,
			        c->reg[i].name);
	fprintf(f,
	        "\nThe layers predate some boundary changes, and Kepulauan "
	        "Seribu has no polygon in\nthem. %zu source polygons were "
	        "invalid and repaired with GEOS MakeValid.\n",
	        c->repaired);
	fprintf(f,
	        "\n## RW\n\n"
	        "rw.geojson: %zu source polygons -> %zu RW. Left out: %zu "
	        "without an RW number\n(RW empty or not a number), %zu whose "
	        "interior point lies in a kelurahan without\na code (an RW id "
	        "needs the kelurahan code). %zu polygons were parts of an RW "
	        "that\nappears more than once (same kelurahan and number) and "
	        "were merged into it.\n",
	        c->rw_source, c->nrw, c->rw_no_number, c->rw_no_kel,
	        c->rw_merged);
	gen_close(f, "UNMATCHED.md");
}

void
gen_admin_write(struct gen_ctx *c)
{
	write_kota(c);
	write_kecamatan(c);
	write_kelurahan(c);
}

void
gen_admin_report(struct gen_ctx *c)
{
	write_unmatched(c);
}
