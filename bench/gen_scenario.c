/* gen_scenario: make a posko scenario from the real Jakarta layers.
 *
 *   gen_scenario --households N --shelters M --depots D --seed S --out DIR
 *                [--data data/jakarta] [--osm-shelters K]
 *                [--shelter-max-capacity C] [--ref-date YYYY-MM-DD] [-q]
 *
 * Writes into DIR the files of HACKING.md's shared formats: kota,
 * kecamatan, kelurahan (with the official codes), rw, flood-zones and
 * fire-zones GeoJSON; households, shelters, depots and stock CSV;
 * incidents/ (the sample incident messages); UNMATCHED.md.  The same arguments
 * give byte-identical files.  Nothing is downloaded: everything comes from
 * --data.
 *
 * data/sample/ is this program's output; see data/sample/README.md for
 * the command (tools/gen-sample.sh).  Jakarta scale:
 *
 *   gen_scenario --households 3500000 --shelters 1500 --depots 50 --out DIR
 *
 * takes about 5 s on one core and writes 185 MB of households.csv.
 * Progress goes to stderr when it is a terminal (-q: never); the last line
 * on stdout is a one-line summary.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/gen_io.h"

static void
usage(void)
{
	fputs("usage: gen_scenario --out DIR [--households N] [--shelters M]\n"
	      "         [--depots D] [--seed S] [--data DIR] "
	      "[--osm-shelters K]\n"
	      "         [--shelter-max-capacity C] [--ref-date YYYY-MM-DD] "
	      "[-q]\n"
	      "defaults: 5000 households, 80 shelters (a fifth synthetic), "
	      "6 depots,\n"
	      "          seed 2007, data data/jakarta, ref-date 2026-12-01\n",
	      stderr);
	exit(2);
}

static unsigned long long
num_arg(const char *opt, const char *v, unsigned long long max)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v ? v : "", &end, 10);
	if (!v || !*v || *end || errno || n > max)
		gen_fail("%s: want an integer 0..%llu, got \"%s\"", opt, max,
		         v ? v : "");
	return n;
}

static void
parse_args(int argc, char **argv, struct gen_opts *o)
{
	memset(o, 0, sizeof *o);
	o->households = 5000;
	o->shelters = 80;
	o->osm_shelters = -1;
	o->depots = 6;
	o->seed = 2007;
	o->data = "data/jakarta";
	o->ref_date = "2026-12-01";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			usage();
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--households") == 0)
			o->households = num_arg(a, v, 20000000);
		else if (strcmp(a, "--shelters") == 0)
			o->shelters = num_arg(a, v, 1000000);
		else if (strcmp(a, "--osm-shelters") == 0)
			o->osm_shelters = (long)num_arg(a, v, 1000000);
		else if (strcmp(a, "--shelter-max-capacity") == 0)
			o->shelter_max_capacity =
			    (double)num_arg(a, v, 1000000);
		else if (strcmp(a, "--depots") == 0)
			o->depots = num_arg(a, v, 100000);
		else if (strcmp(a, "--seed") == 0)
			o->seed = num_arg(a, v, UINT64_MAX);
		else if (strcmp(a, "--out") == 0)
			o->out = v;
		else if (strcmp(a, "--data") == 0)
			o->data = v;
		else if (strcmp(a, "--ref-date") == 0)
			o->ref_date = v;
		else
			usage();
	}
	if (!o->out)
		usage();
	int y, m, d;
	char tail;
	if (sscanf(o->ref_date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		gen_fail("--ref-date: want YYYY-MM-DD, got \"%s\"",
		         o->ref_date);
}

static void
make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		gen_fail("%s: %s", path, strerror(errno));
}

static void
geos_notice(const char *fmt, ...)
{
	(void)fmt;
}

static void
geos_error(const char *fmt, ...)
{
	va_list ap;
	fputs("gen_scenario: GEOS: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
cleanup(struct gen_ctx *c)
{
	struct gen_area *layers[] = {c->kota, c->kec, c->kel};
	size_t counts[] = {c->nkota, c->nkec, c->nkel};
	for (int l = 0; l < 3; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			GEOSPreparedGeom_destroy_r(c->h, layers[l][i].prep);
			GEOSGeom_destroy_r(c->h, layers[l][i].geom);
		}
		free(layers[l]);
	}
	for (size_t i = 0; i < c->nrw; i++)
		GEOSGeom_destroy_r(c->h, c->rw[i].geom);
	free(c->rw);
	if (c->kel_tree)
		GEOSSTRtree_destroy_r(c->h, c->kel_tree);
	free(c->grid.v);
	free(c->grid.kel);
	free(c->grid.interior);
	free(c->grid.pop.cells);
	free(c->grid.pop.cdf);
	free(c->reg);
	free(c->dis);
	free(c->vil);
	GEOS_finish_r(c->h);
}

int
main(int argc, char **argv)
{
	struct gen_ctx c;
	char path[1024];
	memset(&c, 0, sizeof c);
	parse_args(argc, argv, &c.opt);
	gen_progress_init(c.opt.quiet);
	make_dir(c.opt.out);
	make_dir(gen_path(path, sizeof path, c.opt.out, "incidents"));
	c.h = GEOS_init_r();
	GEOSContext_setNoticeHandler_r(c.h, geos_notice);
	GEOSContext_setErrorHandler_r(c.h, geos_error);

	double t0 = now();
	gen_admin_load(&c);
	gen_admin_write(&c);
	gen_grid_load(&c);
	gen_house_write(&c);
	gen_zones_write(&c);
	gen_shelter_write(&c);
	gen_depot_write(&c);
	gen_incident_write(&c);
	gen_admin_report(&c);
	double secs = now() - t0;

	double p = c.persons ? (double)c.persons : 1;
	printf("gen_scenario: seed %llu -> %s: %zu households, %llu persons "
	       "(mean %.2f; elderly %.1f%%, under-5 %.1f%%, disabled %.1f%%, "
	       "pregnant %.1f%%), %zu shelters (%zu OSM, %zu synthetic, "
	       "%.0f places), %zu depots, %zu stock lots, %zu fire zones, "
	       "%zu RW, fire incident %s, %.1f s\n",
	       (unsigned long long)c.opt.seed, c.opt.out, c.opt.households,
	       (unsigned long long)c.persons,
	       c.opt.households ? p / (double)c.opt.households : 0.0,
	       100.0 * (double)c.elderly / p, 100.0 * (double)c.under5 / p,
	       100.0 * (double)c.disabled / p, 100.0 * (double)c.pregnant / p,
	       c.n_shelters_osm + c.n_shelters_syn, c.n_shelters_osm,
	       c.n_shelters_syn, c.shelter_capacity, c.n_depots, c.n_lots,
	       c.n_fire_zones, c.nrw, c.fire_file, secs);
	cleanup(&c);
	return 0;
}
