#define _POSIX_C_SOURCE 200809L
#include "bench/gen_io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *
read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory",
				         path);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

int
gen_csv_load(const char *path, struct gen_csv *csv, char *err, size_t errlen)
{
	size_t len, lines = 0;
	memset(csv, 0, sizeof *csv);
	csv->buf = read_all(path, &len, err, errlen);
	if (!csv->buf)
		return -1;
	for (size_t i = 0; i < len; i++)
		lines += csv->buf[i] == '\n';
	lines += 1;
	/* Header: count its fields. */
	size_t hl = strcspn(csv->buf, "\r\n");
	csv->ncols = 1;
	for (size_t i = 0; i < hl; i++)
		csv->ncols += csv->buf[i] == ',';
	csv->header = calloc(csv->ncols, sizeof *csv->header);
	csv->field = calloc(lines * csv->ncols, sizeof *csv->field);
	if (!csv->header || !csv->field) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	char *p = csv->buf;
	size_t row = 0, lineno = 0;
	while (*p) {
		char *eol = p + strcspn(p, "\n");
		char *next = *eol ? eol + 1 : eol;
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		lineno++;
		if (*p == '\0') {
			p = next;
			continue;
		}
		char **dst =
		    lineno == 1 ? csv->header : csv->field + row * csv->ncols;
		size_t col = 0;
		for (char *f = p;; col++) {
			char *c = strchr(f, ',');
			if (col >= csv->ncols) {
				snprintf(err, errlen,
				         "%s:%zu: more than %zu fields", path,
				         lineno, csv->ncols);
				goto fail;
			}
			dst[col] = f;
			if (!c)
				break;
			*c = '\0';
			f = c + 1;
		}
		if (col + 1 != csv->ncols) {
			snprintf(err, errlen,
			         "%s:%zu: %zu fields, header has %zu", path,
			         lineno, col + 1, csv->ncols);
			goto fail;
		}
		if (lineno > 1)
			row++;
		p = next;
	}
	csv->nrows = row;
	return 0;
fail:
	gen_csv_free(csv);
	return -1;
}

int
gen_csv_col(const struct gen_csv *csv, const char *name)
{
	for (size_t i = 0; i < csv->ncols; i++)
		if (csv->header[i] && strcmp(csv->header[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
gen_csv_get(const struct gen_csv *csv, size_t row, int col)
{
	if (col < 0 || row >= csv->nrows)
		return "";
	return csv->field[row * csv->ncols + (size_t)col];
}

void
gen_csv_free(struct gen_csv *csv)
{
	free(csv->buf);
	free(csv->field);
	free(csv->header);
	memset(csv, 0, sizeof *csv);
}

char *
gen_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

int
gen_copy_file(const char *from, const char *to, char *err, size_t errlen)
{
	size_t len;
	char *buf = read_all(from, &len, err, errlen);
	if (!buf)
		return -1;
	FILE *f = fopen(to, "wb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", to, strerror(errno));
		free(buf);
		return -1;
	}
	size_t put = fwrite(buf, 1, len, f);
	int bad = fclose(f) != 0 || put != len;
	free(buf);
	if (bad) {
		snprintf(err, errlen, "%s: write error", to);
		return -1;
	}
	return 0;
}

void
gen_json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			putc(*p, f);
	}
	putc('"', f);
}

static const int64_t pow10_tab[] = {1,      10,      100,      1000,     10000,
                                    100000, 1000000, 10000000, 100000000};

/* v is the value times 10^decimals. */
static int
fmt_scaled(char *buf, int64_t v, int decimals)
{
	char tmp[32];
	int n = 0, neg = v < 0;
	uint64_t u = neg ? (uint64_t)(-v) : (uint64_t)v;
	uint64_t ip = u / (uint64_t)pow10_tab[decimals];
	uint64_t fp = u % (uint64_t)pow10_tab[decimals];
	int len = 0;
	if (neg && u != 0)
		buf[len++] = '-';
	do {
		tmp[n++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	while (n)
		buf[len++] = tmp[--n];
	if (fp) {
		int d = decimals;
		while (fp % 10 == 0) {
			fp /= 10;
			d--;
		}
		buf[len++] = '.';
		for (int i = d - 1; i >= 0; i--) {
			buf[len + i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		len += d;
	}
	buf[len] = '\0';
	return len;
}

int
gen_fmt_fixed(char *buf, double v, int decimals)
{
	if (decimals < 0)
		decimals = 0;
	if (decimals > 8)
		decimals = 8;
	return fmt_scaled(buf, llround(v * (double)pow10_tab[decimals]),
	                  decimals);
}

/* ---- GeoJSON -> GEOS ---- */

static GEOSGeometry *
ring_from_json(GEOSContextHandle_t h, const json_t *ring)
{
	size_t n = json_array_size(ring);
	if (n < 4)
		return NULL;
	GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
	if (!seq)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const json_t *pt = json_array_get(ring, i);
		double x = json_number_value(json_array_get(pt, 0));
		double y = json_number_value(json_array_get(pt, 1));
		GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, x, y);
	}
	return GEOSGeom_createLinearRing_r(h, seq);
}

static GEOSGeometry *
polygon_from_json(GEOSContextHandle_t h, const json_t *rings)
{
	size_t n = json_array_size(rings);
	if (n == 0)
		return NULL;
	GEOSGeometry *shell = ring_from_json(h, json_array_get(rings, 0));
	if (!shell)
		return NULL;
	GEOSGeometry **holes = n > 1 ? calloc(n - 1, sizeof *holes) : NULL;
	size_t nh = 0;
	for (size_t i = 1; i < n; i++) {
		GEOSGeometry *r = ring_from_json(h, json_array_get(rings, i));
		if (r)
			holes[nh++] = r;
	}
	GEOSGeometry *poly =
	    GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
	free(holes);
	return poly;
}

GEOSGeometry *
gen_geom_from_json(GEOSContextHandle_t h, const json_t *g)
{
	const char *type = json_string_value(json_object_get(g, "type"));
	const json_t *coords = json_object_get(g, "coordinates");
	if (!type || !coords)
		return NULL;
	if (strcmp(type, "Point") == 0)
		return GEOSGeom_createPointFromXY_r(
		    h, json_number_value(json_array_get(coords, 0)),
		    json_number_value(json_array_get(coords, 1)));
	if (strcmp(type, "Polygon") == 0)
		return polygon_from_json(h, coords);
	if (strcmp(type, "MultiPolygon") != 0)
		return NULL;
	size_t n = json_array_size(coords), k = 0;
	GEOSGeometry **parts = calloc(n ? n : 1, sizeof *parts);
	if (!parts)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		GEOSGeometry *p =
		    polygon_from_json(h, json_array_get(coords, i));
		if (p)
			parts[k++] = p;
	}
	GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON,
	                                               parts, (unsigned)k);
	free(parts);
	return mp;
}

/* ---- GEOS -> GeoJSON ---- */

static void
collect_polygons(GEOSContextHandle_t h, const GEOSGeometry *g,
                 const GEOSGeometry ***out, size_t *n, size_t *cap)
{
	int t = GEOSGeomTypeId_r(h, g);
	if (t == GEOS_POLYGON) {
		if (GEOSisEmpty_r(h, g))
			return;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*out = realloc(*out, *cap * sizeof **out);
		}
		(*out)[(*n)++] = g;
		return;
	}
	if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
		int k = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < k; i++)
			collect_polygons(h, GEOSGetGeometryN_r(h, g, i), out, n,
			                 cap);
	}
}

/* Rounded, de-duplicated ring; returns its point count (0 if it
 * collapsed below a triangle). */
static size_t
ring_round(GEOSContextHandle_t h, const GEOSGeometry *ring, int decimals,
           int64_t **buf, size_t *cap)
{
	const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned n = 0;
	size_t k = 0;
	double scale = (double)pow10_tab[decimals];
	if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n < 4)
		return 0;
	if (*cap < 2 * (size_t)n) {
		*cap = 2 * (size_t)n;
		*buf = realloc(*buf, *cap * sizeof **buf);
	}
	for (unsigned i = 0; i < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
		int64_t ix = llround(x * scale), iy = llround(y * scale);
		if (k && (*buf)[2 * k - 2] == ix && (*buf)[2 * k - 1] == iy)
			continue;
		(*buf)[2 * k] = ix;
		(*buf)[2 * k + 1] = iy;
		k++;
	}
	return k >= 4 ? k : 0;
}

static void
ring_print(FILE *f, const int64_t *pts, size_t k, int decimals)
{
	char a[40], b[40];
	putc('[', f);
	for (size_t i = 0; i < k; i++) {
		fmt_scaled(a, pts[2 * i], decimals);
		fmt_scaled(b, pts[2 * i + 1], decimals);
		fprintf(f, "%s[%s,%s]", i ? "," : "", a, b);
	}
	putc(']', f);
}

static int
polygon_print(FILE *f, GEOSContextHandle_t h, const GEOSGeometry *p,
              int decimals, int *first, int64_t **buf, size_t *cap)
{
	size_t k =
	    ring_round(h, GEOSGetExteriorRing_r(h, p), decimals, buf, cap);
	if (!k)
		return 0;
	fputs(*first ? "[" : ",[", f);
	*first = 0;
	ring_print(f, *buf, k, decimals);
	int nh = GEOSGetNumInteriorRings_r(h, p);
	for (int i = 0; i < nh; i++) {
		k = ring_round(h, GEOSGetInteriorRingN_r(h, p, i), decimals,
		               buf, cap);
		if (!k)
			continue;
		putc(',', f);
		ring_print(f, *buf, k, decimals);
	}
	putc(']', f);
	return 1;
}

int
gen_geom_write(FILE *f, GEOSContextHandle_t h, const GEOSGeometry *g,
               int decimals)
{
	const GEOSGeometry **polys = NULL;
	size_t n = 0, cap = 0, bcap = 0;
	int64_t *buf = NULL;
	int first = 1, written = 0;
	collect_polygons(h, g, &polys, &n, &cap);
	if (n == 0) {
		free(polys);
		return -1;
	}
	/* Count the polygons that survive rounding to choose the type. */
	size_t alive = 0;
	for (size_t i = 0; i < n; i++)
		if (ring_round(h, GEOSGetExteriorRing_r(h, polys[i]), decimals,
		               &buf, &bcap))
			alive++;
	if (alive == 0) {
		free(polys);
		free(buf);
		return -1;
	}
	if (alive == 1) {
		fputs("{\"type\":\"Polygon\",\"coordinates\":", f);
		for (size_t i = 0; i < n && !written; i++) {
			int one = 1;
			written = polygon_print(f, h, polys[i], decimals, &one,
			                        &buf, &bcap);
		}
		putc('}', f);
	} else {
		fputs("{\"type\":\"MultiPolygon\",\"coordinates\":[", f);
		for (size_t i = 0; i < n; i++)
			polygon_print(f, h, polys[i], decimals, &first, &buf,
			              &bcap);
		fputs("]}", f);
	}
	free(polys);
	free(buf);
	return 0;
}

GEOSGeometry *
gen_geom_polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	const GEOSGeometry **polys = NULL;
	size_t n = 0, cap = 0;
	collect_polygons(h, g, &polys, &n, &cap);
	if (n == 0) {
		free(polys);
		return NULL;
	}
	GEOSGeometry **copies = calloc(n, sizeof *copies);
	for (size_t i = 0; i < n; i++)
		copies[i] = GEOSGeom_clone_r(h, polys[i]);
	GEOSGeometry *out;
	if (n == 1)
		out = copies[0];
	else
		out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, copies,
		                                  (unsigned)n);
	free(copies);
	free(polys);
	return out;
}

GEOSGeometry *
gen_geom_snapped(GEOSContextHandle_t h, const GEOSGeometry *g, double grid)
{
	GEOSGeometry *s = GEOSGeom_setPrecision_r(h, g, grid, 0);
	if (!s)
		return NULL;
	GEOSGeometry *p = GEOSisEmpty_r(h, s) ? NULL : gen_geom_polygonal(h, s);
	GEOSGeom_destroy_r(h, s);
	return p;
}

/* ---- progress ---- */

static int progress_on;

void
gen_progress_init(int quiet)
{
	progress_on = !quiet && isatty(STDERR_FILENO);
}

void
gen_progress(const char *stage, size_t done, size_t total)
{
	if (!progress_on)
		return;
	if (total)
		fprintf(stderr, "\r%-12s %zu/%zu (%zu%%)   ", stage, done,
		        total, done * 100 / total);
	else
		fprintf(stderr, "\r%-12s %zu   ", stage, done);
}

void
gen_progress_done(const char *stage, const char *fmt, ...)
{
	va_list ap;
	if (!progress_on)
		return;
	fprintf(stderr, "\r%-12s ", stage);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K\n", stderr);
}
