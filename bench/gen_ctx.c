/* Shared plumbing of the scenario generator's stages: errors, output
 * files, the metric approximation.  Kept apart from gen_scenario.c (main)
 * because the Makefile links every bench/gen_*.c but gen_scenario.c into
 * every benchmark program, so these objects must not need main's file. */
#define _POSIX_C_SOURCE 200809L
#include "bench/gen_scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gen_io.h"

/* Metres per degree at 6.2 degrees S on the WGS84 ellipsoid (the usual
 * series: lat 111132.954 - 559.822 cos 2p + 1.175 cos 4p; lon 111412.84
 * cos p - 93.5 cos 3p + 0.118 cos 5p).  Jakarta spans 6.08-6.37 S, so the
 * error stays under 0.05 %. */
const double gen_m_per_deg_lon = 110672.6;
const double gen_m_per_deg_lat = 110587.2;

void
gen_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("gen_scenario: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

FILE *
gen_create(struct gen_ctx *c, const char *name)
{
	char path[1024];
	gen_path(path, sizeof path, c->opt.out, name);
	FILE *f = fopen(path, "w");
	if (!f)
		gen_fail("%s: %s", path, strerror(errno));
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

void
gen_close(FILE *f, const char *name)
{
	if (ferror(f) || fclose(f) != 0)
		gen_fail("%s: write error", name);
}
