/* Depots (gudang logistik) and their stock.
 *
 * Depots, in this order until --depots is reached:
 *  1. one per city, the Suku Dinas Sosial warehouse: DEP-3171 ... DEP-3175
 *     at the populated cell nearest to the city's population-weighted
 *     centre, then DEP-3101 for Kepulauan Seribu on Pulau Pramuka, the
 *     regency seat (coordinates from islands.csv; the island lies in
 *     Kelurahan Pulau Panggang, 31.01.01.1001);
 *  2. one per kecamatan (DEP-317101 ...), at the populated cell nearest to
 *     the kecamatan's population-weighted centre; the two Seribu kecamatan
 *     on Pulau Kelapa and Pulau Tidung Besar (their kelurahan carry the
 *     island's name);
 *  3. any more (DEP-X0001 ...) at cells drawn by population.
 * The locations are synthetic: Dinsos warehouse addresses are not in the
 * data.
 *
 * Stock (stock.csv), sized from the persons living in the depot's area
 * (the generated households; Kepulauan Seribu, which has none, counts as
 * 0.26 % of the total, its ~28 k of Jakarta's 10.6 M), for a planning
 * figure of 30 % of them evacuated (EVAC_SHARE; the sample's 2007
 * flood evacuates about 11 % of all residents, far more in the north and
 * west):
 *   meal        planned evacuees x 3 meals (SPM permakanan 3x1) x 7 days
 *               (default emergency period), except the Jakarta Utara
 *               depot, which holds 1 day's worth: the sample's honest
 *               shortage on the later days of a flood;
 *   kit_adult   planned evacuees x 0.907 (everyone but under-fives);
 *   kit_child   x 0.20 (a school-age kit, for operators who issue one);
 *   kit_infant  x 0.093 (InaSAFE under-5 share);
 *   kit_family  planned households.
 * Meals come in two lots, one expiring soon (reference date + 10 days),
 * one good for a year; DEP-3172 and DEP-3175 also hold a meal lot that
 * expired 20 days before the reference date, and DEP-3175 an expired
 * family-kit lot (the expired family kits found in Tangerang Selatan in
 * January 2024, anchors.md §4.4).  Infant kits (milk, food) expire after
 * 120 days, family kits after 180, adult and child clothing kits never.
 * Quantities vary by up to +-10 % (seeded) and are rounded up to tens.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/gen_io.h"

#define EVAC_SHARE 0.30
#define SERIBU_SHARE 0.0026

struct depot {
	char id[32];
	char name[128];
	double lon, lat;
	char kel_code[16];
	int regency;
	uint64_t persons, households;
};

/* Islands of Kepulauan Seribu used for depots, with the kelurahan that
 * bears the island's name (or holds it: Pramuka in Pulau Panggang). */
static const struct {
	const char *district, *island, *village;
} seribu[] = {
    {NULL, "Pulau Pramuka", "31.01.01.1001"},
    {"31.01.01", "Pulau Kelapa", "31.01.01.1002"},
    {"31.01.02", "Pulau Tidung Besar", "31.01.02.1002"},
};

/* "05°44'45.04\" S 106°36'50.06\" E" -> lon, lat */
static int
parse_dms(const char *s, double *lon, double *lat)
{
	double v[2];
	char hemi[2];
	const char *p = s;
	for (int i = 0; i < 2; i++) {
		char *end;
		double d = strtod(p, &end);
		p = strstr(end, "\xc2\xb0"); /* degree sign, UTF-8 */
		if (!p)
			return -1;
		double m = strtod(p + 2, &end);
		if (*end != '\'')
			return -1;
		double sec = strtod(end + 1, &end);
		if (*end != '"')
			return -1;
		p = end + 1;
		while (*p == ' ')
			p++;
		hemi[i] = *p++;
		v[i] = d + m / 60 + sec / 3600;
	}
	*lat = hemi[0] == 'S' ? -v[0] : v[0];
	*lon = hemi[1] == 'W' ? -v[1] : v[1];
	return 0;
}

static void
island(struct gen_ctx *c, const char *name, double *lon, double *lat)
{
	char path[512], err[600];
	struct gen_csv csv;
	if (gen_csv_load(
	        gen_path(path, sizeof path, c->opt.data, "islands.csv"), &csv,
	        err, sizeof err) < 0)
		gen_fail("%s", err);
	int cn = gen_csv_col(&csv, "name"),
	    cc = gen_csv_col(&csv, "coordinate");
	for (size_t i = 0; i < csv.nrows; i++)
		if (strcmp(gen_csv_get(&csv, i, cn), name) == 0 &&
		    parse_dms(gen_csv_get(&csv, i, cc), lon, lat) == 0) {
			gen_csv_free(&csv);
			*lon = round(*lon * 1e6) / 1e6;
			*lat = round(*lat * 1e6) / 1e6;
			return;
		}
	gen_fail("%s: no island \"%s\"", path, name);
}

static int
in_regency(struct gen_ctx *c, int kel, int reg)
{
	return kel >= 0 && c->kel[kel].match >= 0 &&
	       gen_area_regency(c, &c->kel[kel]) == reg;
}

static int
in_district(struct gen_ctx *c, int kel, int dis)
{
	return kel >= 0 && c->kel[kel].match >= 0 &&
	       c->vil[c->kel[kel].match].district == dis;
}

static void
count_people(struct gen_ctx *c, struct depot *d,
             int (*in)(struct gen_ctx *, int, int), int arg)
{
	for (size_t k = 0; k < c->nkel; k++)
		if (in(c, (int)k, arg)) {
			d->persons += c->kel[k].persons;
			d->households += c->kel[k].households;
		}
}

static size_t
make_depots(struct gen_ctx *c, struct depot *dep, size_t want)
{
	size_t n = 0;
	struct gen_rng r;
	gen_rng_seed(&r, c->opt.seed, GEN_STREAM_DEPOT);
	/* 1. cities, mainland first, Seribu last */
	for (int pass = 0; pass < 2 && n < want; pass++)
		for (size_t i = 0; i < c->nreg && n < want; i++) {
			struct gen_regency *g = &c->reg[i];
			int seribu_reg = strcmp(g->code, "31.01") == 0;
			if (seribu_reg != pass)
				continue;
			struct depot *d = &dep[n];
			memset(d, 0, sizeof *d);
			d->regency = (int)i;
			snprintf(d->id, sizeof d->id, "DEP-%c%c%c%c",
			         g->code[0], g->code[1], g->code[3],
			         g->code[4]);
			snprintf(d->name, sizeof d->name,
			         "Gudang Sudin Sosial %s", g->label);
			if (seribu_reg) {
				island(c, seribu[0].island, &d->lon, &d->lat);
				snprintf(d->kel_code, sizeof d->kel_code, "%s",
				         seribu[0].village);
			} else {
				int k = gen_grid_centre(c, in_regency, (int)i,
				                        &d->lon, &d->lat);
				if (k < 0)
					continue;
				snprintf(d->kel_code, sizeof d->kel_code, "%s",
				         gen_area_code(c, &c->kel[k]));
				count_people(c, d, in_regency, (int)i);
			}
			n++;
		}
	/* 2. kecamatan */
	for (size_t i = 0; i < c->ndis && n < want; i++) {
		struct gen_district *g = &c->dis[i];
		struct depot *d = &dep[n];
		memset(d, 0, sizeof *d);
		d->regency = g->regency;
		size_t dl = 0;
		char digits[12];
		for (const char *p = g->code; *p && dl + 1 < sizeof digits; p++)
			if (*p != '.')
				digits[dl++] = *p;
		digits[dl] = '\0';
		snprintf(d->id, sizeof d->id, "DEP-%s", digits);
		snprintf(d->name, sizeof d->name, "Gudang Kecamatan %s",
		         g->name);
		int done = 0;
		for (size_t s = 1; s < sizeof seribu / sizeof *seribu; s++)
			if (strcmp(seribu[s].district, g->code) == 0) {
				island(c, seribu[s].island, &d->lon, &d->lat);
				snprintf(d->kel_code, sizeof d->kel_code, "%s",
				         seribu[s].village);
				done = 1;
			}
		if (!done) {
			int k = gen_grid_centre(c, in_district, (int)i, &d->lon,
			                        &d->lat);
			if (k < 0)
				continue;
			snprintf(d->kel_code, sizeof d->kel_code, "%s",
			         gen_area_code(c, &c->kel[k]));
			count_people(c, d, in_district, (int)i);
		}
		n++;
	}
	/* 3. more, by population */
	for (size_t x = 1; n < want; x++) {
		struct depot *d = &dep[n++];
		memset(d, 0, sizeof *d);
		int k = gen_grid_place(c, &c->grid.pop, &r, &d->lon, &d->lat);
		d->regency = gen_area_regency(c, &c->kel[k]);
		snprintf(d->id, sizeof d->id, "DEP-X%04zu", x);
		snprintf(d->name, sizeof d->name, "Gudang tambahan %zu", x);
		snprintf(d->kel_code, sizeof d->kel_code, "%s",
		         gen_area_code(c, &c->kel[k]));
		d->persons = c->persons / 100;
		d->households = c->opt.households / 100;
	}
	/* Seribu's depots: its share of the people */
	for (size_t i = 0; i < n; i++)
		if (dep[i].persons == 0) {
			dep[i].persons =
			    (uint64_t)ceil((double)c->persons * SERIBU_SHARE);
			dep[i].households = (uint64_t)ceil(
			    (double)c->opt.households * SERIBU_SHARE);
		}
	return n;
}

static void
write_depots(struct gen_ctx *c, struct depot *d, size_t n)
{
	FILE *f = gen_create(c, "depots.csv");
	char lon[32], lat[32];
	fputs("id,name,lon,lat,kelurahan,city\n", f);
	for (size_t i = 0; i < n; i++) {
		gen_fmt_fixed(lon, d[i].lon, 6);
		gen_fmt_fixed(lat, d[i].lat, 6);
		fprintf(f, "%s,%s,%s,%s,%s,%s\n", d[i].id, d[i].name, lon, lat,
		        d[i].kel_code,
		        d[i].regency >= 0 ? c->reg[d[i].regency].code : "");
	}
	gen_close(f, "depots.csv");
}

/* ref + days as YYYY-MM-DD */
static void
date_add(char *out, size_t len, const char *ref, int days)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (sscanf(ref, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		gen_fail("--ref-date %s: want YYYY-MM-DD", ref);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	/* timegm is not C11/POSIX; mktime normalises the calendar and the
	 * noon hour keeps a DST shift from changing the day */
	time_t t = mktime(&tm);
	struct tm out_tm;
	localtime_r(&t, &out_tm);
	strftime(out, len, "%Y-%m-%d", &out_tm);
}

static long
qty(struct gen_rng *r, double base)
{
	double v = base * (0.9 + 0.2 * gen_rng_unit(r));
	long q = (long)(ceil(v / 10.0) * 10.0);
	return q < 10 ? 10 : q;
}

static void
lot(struct gen_ctx *c, FILE *f, const struct depot *d, const char *suffix,
    const char *item, long q, const char *expires)
{
	fprintf(f, "%s,%s-%s,%s,%ld,%s\n", d->id, d->id + 4, suffix, item, q,
	        expires ? expires : "");
	c->n_lots++;
}

static void
write_stock(struct gen_ctx *c, struct depot *d, size_t n)
{
	struct gen_rng r;
	char soon[16], year[16], expired[16], infant[16], family[16];
	gen_rng_seed(&r, c->opt.seed, GEN_STREAM_STOCK);
	date_add(soon, sizeof soon, c->opt.ref_date, 10);
	date_add(year, sizeof year, c->opt.ref_date, 365);
	date_add(expired, sizeof expired, c->opt.ref_date, -20);
	date_add(infant, sizeof infant, c->opt.ref_date, 120);
	date_add(family, sizeof family, c->opt.ref_date, 180);
	FILE *f = gen_create(c, "stock.csv");
	fputs("depot,lot,item,qty,expires\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct depot *dp = &d[i];
		double evac = (double)dp->persons * EVAC_SHARE;
		int lean = strcmp(dp->id, "DEP-3172") == 0;
		int stale = lean || strcmp(dp->id, "DEP-3175") == 0;
		double meals = evac * 3 * (lean ? 1 : 7);
		if (stale)
			lot(c, f, dp, "M0", "meal", qty(&r, meals * 0.1),
			    expired);
		lot(c, f, dp, "M1", "meal", qty(&r, meals * 0.4), soon);
		lot(c, f, dp, "M2", "meal", qty(&r, meals * 0.6), year);
		lot(c, f, dp, "KA", "kit_adult", qty(&r, evac * 0.907), NULL);
		lot(c, f, dp, "KC", "kit_child", qty(&r, evac * 0.20), NULL);
		lot(c, f, dp, "KI", "kit_infant", qty(&r, evac * 0.093),
		    infant);
		double fam = (double)dp->households * EVAC_SHARE;
		if (strcmp(dp->id, "DEP-3175") == 0)
			lot(c, f, dp, "KF0", "kit_family", qty(&r, fam * 0.2),
			    expired);
		lot(c, f, dp, "KF", "kit_family", qty(&r, fam), family);
	}
	gen_close(f, "stock.csv");
}

void
gen_depot_write(struct gen_ctx *c)
{
	size_t want = c->opt.depots;
	struct depot *d = calloc(want ? want : 1, sizeof *d);
	if (!d)
		gen_fail("out of memory");
	size_t n = make_depots(c, d, want);
	write_depots(c, d, n);
	write_stock(c, d, n);
	c->n_depots = n;
	gen_progress_done("depots", "%zu depots, %zu stock lots", n, c->n_lots);
	free(d);
}
