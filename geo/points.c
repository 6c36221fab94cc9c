#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geo/csv.h"
#include "geo/geom.h"
#include "geo/gpkg.h"
#include "geo/points.h"

/* Points are projected in batches: one PROJ call per CHUNK rows. */
#define CHUNK 4096

/* ---- names ------------------------------------------------------------ */

static const char *kind_names[] = {"school", "mosque",         "sports_hall",
                                   "office", "community_hall", "tent",
                                   "other"};
static const char *capsrc_names[] = {"parsed", "estimated", "declared"};
static const char *item_names[] = {"meal", "kit_adult", "kit_child",
                                   "kit_infant", "kit_family"};

static int
name_parse(const char *s, const char *const *names, size_t n, int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (geo_word_eq(s, names[i])) {
			*out = (int)i;
			return 0;
		}
	return GEO_EINVAL;
}

#define NAMES_N(a) (sizeof(a) / sizeof((a)[0]))

int
geo_shelter_kind_parse(const char *s, geo_shelter_kind *out)
{
	int v;

	if (name_parse(s, kind_names, NAMES_N(kind_names), &v) != 0)
		return GEO_EINVAL;
	*out = (geo_shelter_kind)v;
	return 0;
}

const char *
geo_shelter_kind_name(geo_shelter_kind k)
{
	return (unsigned)k < NAMES_N(kind_names) ? kind_names[k] : "?";
}

int
geo_capacity_source_parse(const char *s, geo_capacity_source *out)
{
	int v;

	if (name_parse(s, capsrc_names, NAMES_N(capsrc_names), &v) != 0)
		return GEO_EINVAL;
	*out = (geo_capacity_source)v;
	return 0;
}

const char *
geo_capacity_source_name(geo_capacity_source s)
{
	return (unsigned)s < NAMES_N(capsrc_names) ? capsrc_names[s] : "?";
}

int
geo_item_parse(const char *s, geo_item *out)
{
	int v;

	if (name_parse(s, item_names, NAMES_N(item_names), &v) != 0)
		return GEO_EINVAL;
	*out = (geo_item)v;
	return 0;
}

const char *
geo_item_name(geo_item it)
{
	return (unsigned)it < NAMES_N(item_names) ? item_names[it] : "?";
}

/* ---- dates ------------------------------------------------------------ */

/* Days from civil date (H. Hinnant's algorithm, proleptic Gregorian). */
static int32_t
days_from_civil(int y, unsigned m, unsigned d)
{
	unsigned yoe, doy, doe;
	int era;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

uint32_t
geo_days_to_ymd(int32_t z)
{
	int era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	return (uint32_t)y * 10000u + m * 100u + d;
}

int
geo_date_parse(const char *s, int32_t *days, uint32_t *ymd)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30,
	                                 31, 31, 30, 31, 30, 31};
	unsigned y, m, d;
	int n = 0;

	if (s == NULL || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || s[10] != '\0')
		return GEO_EINVAL;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return GEO_EINVAL;
	if (m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return GEO_EINVAL;
	if (days != NULL)
		*days = days_from_civil((int)y, m, d);
	if (ymd != NULL)
		*ymd = y * 10000u + m * 100u + d;
	return 0;
}

/* ---- field parsing ---------------------------------------------------- */

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
p_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (empty(s) || !(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	/* GIS tools write integer columns as "12.0" */
	if (*end == '.' && strspn(end + 1, "0") == strlen(end + 1))
		end += strlen(end);
	if (errno != 0 || *end != '\0' || x > max)
		return -1;
	*v = x;
	return 0;
}

static int
p_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (p_u64(s, UINT32_MAX, &x) != 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int
p_double(const char *s, double *v)
{
	char *end;

	if (empty(s))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && *end == '\0' && isfinite(*v) ? 0 : -1;
}

/* Copy src into dst[len] truncating at a UTF-8 character boundary. */
static void
copy_utf8(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- row sources -------------------------------------------------------- */

#define MAXCOL 16

/* Field access common to CSV rows and GeoPackage attribute rows. */
typedef struct rowsrc {
	const char *const *names; /* column names, by key */
	int ncols;
	/* CSV */
	geo_csv *csv;
	int map[MAXCOL];
	/* GeoPackage */
	json_t *props;
	char buf[MAXCOL][64];
} rowsrc;

static const char *
get(rowsrc *r, int key)
{
	if (r->csv != NULL) {
		int i = r->map[key];

		return i >= 0 && (size_t)i < r->csv->nfield ? r->csv->field[i]
		                                            : NULL;
	}
	return geo_prop_str(r->props, r->names[key], r->buf[key],
	                    sizeof r->buf[key]);
}

/* Map header columns; the required ones (bitmask) must exist. */
static int
map_header(rowsrc *r, geo_csv *c, unsigned required, const char *path,
           char *err, size_t errlen)
{
	int k;

	r->csv = c;
	for (k = 0; k < r->ncols; k++) {
		r->map[k] = geo_csv_col(c, r->names[k]);
		if (r->map[k] < 0 && (required >> k) & 1)
			return geo_seterr(err, errlen, GEO_EFORMAT,
			                  "%s: line 1: header has no column "
			                  "'%s'",
			                  path, r->names[k]);
	}
	return 0;
}

/* Row has every mapped column? (short rows are a common CSV fault) */
static int
row_complete(const rowsrc *r, char *why, size_t whylen)
{
	int k, need = 0;

	for (k = 0; k < r->ncols; k++)
		if (r->map[k] + 1 > need)
			need = r->map[k] + 1;
	if ((int)r->csv->nfield < need) {
		snprintf(why, whylen, "%zu fields, the header needs %d",
		         r->csv->nfield, need);
		return 0;
	}
	return 1;
}

/* ---- kinds of point record ------------------------------------------------ */

/* The attributes of one record (not its position) from a row; self is the
 * reader's state (the ids seen so far, for duplicates). 0, or -1 and why. */
typedef int (*attrs_fn)(void *self, rowsrc *rs, void *rec, char *why,
                        size_t whylen);

/* What the point readers need to know about one kind of record. */
typedef struct layout {
	const char *const *cols; /* column names, by key */
	int ncols;
	unsigned required; /* keys a CSV header must have (bitmask) */
	int klon, klat;    /* keys of the lon/lat columns of a CSV */
	size_t stride;     /* sizeof the record */
	size_t xoff;       /* offsetof its x; y follows */
	attrs_fn attrs;
} layout;

/* ---- batched projection ---------------------------------------------------
 */

/*
 * Project the last `cnt` records of an array (x, y at xoff, stride bytes
 * apart) in place. Records PROJ rejects are reported and removed. Returns
 * the number of records kept.
 */
static size_t
project_tail(PJ *P, char *base, size_t stride, size_t xoff, size_t cnt,
             const long *where, const char *path, const char *unit,
             geo_diag *diag)
{
	double xy[2 * CHUNK];
	size_t i, kept = 0;

	for (i = 0; i < cnt; i++)
		memcpy(xy + 2 * i, base + i * stride + xoff,
		       2 * sizeof(double));
	if (geo_pj_fwd_n(P, xy, cnt) == 0) {
		for (i = 0; i < cnt; i++)
			memcpy(base + i * stride + xoff, xy + 2 * i,
			       2 * sizeof(double));
		return cnt;
	}
	for (i = 0; i < cnt; i++) {
		double *p = (double *)(void *)(base + i * stride + xoff);
		double q[2] = {p[0], p[1]};

		if (geo_pj_fwd_n(P, q, 1) != 0) {
			geo_diag_add(diag, GEO_DIAG_REJECT, where[i],
			             "%s: %s %ld: position (%g, %g) cannot be "
			             "projected",
			             path, unit, where[i], p[0], p[1]);
			continue;
		}
		if (kept != i)
			memmove(base + kept * stride, base + i * stride,
			        stride);
		p = (double *)(void *)(base + kept * stride + xoff);
		p[0] = q[0];
		p[1] = q[1];
		kept++;
	}
	return kept;
}

/* A growable array of records plus the pending (unprojected) tail. */
typedef struct recs {
	char *v;
	size_t n, cap, stride, xoff;
	size_t pend;       /* records at the end not yet projected */
	long where[CHUNK]; /* their line / feature numbers */
	PJ *P;
	int geographic; /* source in degrees: check lon/lat ranges */
	const char *path, *unit;
	geo_diag *diag;
} recs;

static void *
recs_add(recs *r, long where)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		char *nv = realloc(r->v, cap * r->stride);

		if (nv == NULL)
			return NULL;
		r->v = nv;
		r->cap = cap;
	}
	memset(r->v + r->n * r->stride, 0, r->stride);
	r->where[r->pend] = where;
	return r->v + r->n * r->stride;
}

static void
recs_flush(recs *r)
{
	size_t first = r->n - r->pend, kept;

	if (r->pend == 0)
		return;
	kept = project_tail(r->P, r->v + first * r->stride, r->stride, r->xoff,
	                    r->pend, r->where, r->path, r->unit, r->diag);
	r->n = first + kept;
	r->pend = 0;
}

static void
recs_commit(recs *r)
{
	r->n++;
	if (++r->pend == CHUNK)
		recs_flush(r);
}

/* An empty array for lo's records (heap: where[] is large), or NULL. */
static recs *
recs_new(const layout *lo, geo_diag *diag)
{
	recs *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->stride = lo->stride;
	r->xoff = lo->xoff;
	r->diag = diag;
	return r;
}

/* Free r; when rc is 0, first project what is pending and hand the records
 * to the caller (*out, *n). Returns rc. */
static int
recs_end(recs *r, int rc, void **out, size_t *n)
{
	if (rc == 0) {
		recs_flush(r);
		*out = r->v;
		*n = r->n;
		r->v = NULL;
	}
	free(r->v);
	free(r);
	return rc;
}

/* ---- string set (duplicate ids) ------------------------------------------ */

typedef struct strset {
	char **slot;
	size_t n, cap;
} strset;

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void
strset_free(strset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	memset(s, 0, sizeof *s);
}

/* 1 added, 0 already there, GEO_ENOMEM. */
static int
strset_add(strset *s, const char *k)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		strset old = *s;
		size_t cap = s->cap ? s->cap * 2 : 64;

		s->slot = calloc(cap, sizeof *s->slot);
		if (s->slot == NULL) {
			*s = old;
			return GEO_ENOMEM;
		}
		s->cap = cap;
		s->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.slot[i] != NULL) {
				size_t h = str_hash(old.slot[i]) & (cap - 1);

				while (s->slot[h] != NULL)
					h = (h + 1) & (cap - 1);
				s->slot[h] = old.slot[i];
				s->n++;
			}
		free(old.slot);
	}
	i = str_hash(k) & (s->cap - 1);
	while (s->slot[i] != NULL) {
		if (strcmp(s->slot[i], k) == 0)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = strdup(k);
	if (s->slot[i] == NULL)
		return GEO_ENOMEM;
	s->n++;
	return 1;
}

/* ---- households ---------------------------------------------------------- */

enum { H_ID, H_LON, H_LAT, H_KEL, H_MEM, H_ELD, H_U5, H_DIS, H_PREG, H_N };
static const char *const hh_cols[H_N] = {"id",        "lon",      "lat",
                                         "kelurahan", "members",  "elderly",
                                         "under5",    "disabled", "pregnant"};

static int
count_field(rowsrc *r, int key, unsigned max, uint8_t *out, char *why,
            size_t whylen)
{
	const char *s = get(r, key);
	uint64_t v;

	if (empty(s)) {
		*out = 0;
		return 0;
	}
	if (p_u64(s, max, &v) != 0) {
		snprintf(why, whylen, "%s: '%s' is not a count 0..%u",
		         r->names[key], s, max);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

/* Attributes of a household (not the position). */
static int
hh_attrs(void *self, rowsrc *r, void *rec, char *why, size_t whylen)
{
	geo_household *h = rec;
	const char *s;
	uint64_t v;
	int k;

	s = get(r, H_ID);
	if (s == NULL && r->csv == NULL)
		s = geo_prop_str(r->props, "fid", r->buf[H_ID],
		                 sizeof r->buf[H_ID]);
	if (p_u32(s, &h->id) != 0) {
		snprintf(why, whylen,
		         "id: '%s' is not an unsigned 32-bit "
		         "integer",
		         s ? s : "");
		return -1;
	}
	s = get(r, H_KEL);
	if (!empty(s) && geo_kel_parse(s, &h->kel) != 0) {
		snprintf(why, whylen, "kelurahan: bad code '%s'", s);
		return -1;
	}
	s = get(r, H_MEM);
	if (p_u64(s, 255, &v) != 0 || v < 1) {
		snprintf(why, whylen, "members: '%s' is not a count 1..255",
		         s ? s : "");
		return -1;
	}
	h->members = (uint8_t)v;
	if (count_field(r, H_ELD, 255, &h->elderly, why, whylen) != 0 ||
	    count_field(r, H_U5, 255, &h->under5, why, whylen) != 0 ||
	    count_field(r, H_DIS, 255, &h->disabled, why, whylen) != 0 ||
	    count_field(r, H_PREG, 255, &h->pregnant, why, whylen) != 0)
		return -1;
	for (k = H_ELD; k <= H_PREG; k++) {
		uint8_t c = k == H_ELD   ? h->elderly
		            : k == H_U5  ? h->under5
		            : k == H_DIS ? h->disabled
		                         : h->pregnant;

		if (c > h->members) {
			snprintf(why, whylen, "%s (%u) exceeds members (%u)",
			         r->names[k], c, h->members);
			return -1;
		}
	}
	/* elderly and under-fives are disjoint age groups */
	if (h->elderly + h->under5 > h->members) {
		snprintf(why, whylen,
		         "elderly + under5 (%u) exceeds members (%u)",
		         h->elderly + h->under5, h->members);
		return -1;
	}
	return 0;
}

static const layout hh_layout = {
	.cols = hh_cols,
	.ncols = H_N,
	.required = (1u << H_ID) | (1u << H_LON) | (1u << H_LAT) | (1u << H_MEM),
	.klon = H_LON,
	.klat = H_LAT,
	.stride = sizeof(geo_household),
	.xoff = offsetof(geo_household, x),
	.attrs = hh_attrs,
};

/* lon/lat fields -> h (unprojected). */
static int
lonlat(rowsrc *r, int klon, int klat, double *x, double *y, char *why,
       size_t whylen)
{
	const char *a = get(r, klon), *b = get(r, klat);

	if (p_double(a, x) != 0 || p_double(b, y) != 0) {
		snprintf(why, whylen, "lon/lat: '%s', '%s' are not numbers",
		         a ? a : "", b ? b : "");
		return -1;
	}
	if (fabs(*x) > 180 || fabs(*y) > 90) {
		snprintf(why, whylen, "lon/lat (%g, %g) out of range", *x, *y);
		return -1;
	}
	return 0;
}

/* Open a CSV and map its header. */
static int
csv_start(geo_csv *c, rowsrc *rs, const char *path, unsigned required,
          char *err, size_t errlen)
{
	int rc = geo_csv_open(c, path, err, errlen);

	if (rc != 0)
		return rc;
	rc = geo_csv_next(c);
	if (rc != 1) {
		geo_csv_close(c);
		return geo_seterr(err, errlen, GEO_EFORMAT,
		                  "%s: no header line", path);
	}
	rc = map_header(rs, c, required, path, err, errlen);
	if (rc != 0)
		geo_csv_close(c);
	return rc;
}

/* Next data row; a row with a broken quote is reported and skipped.
 * 1 row, 0 end, negative error. */
static int
csv_row(geo_csv *c, const char *path, geo_diag *diag, char *err, size_t errlen)
{
	int rc;

	for (;;) {
		rc = geo_csv_next(c);
		if (rc == GEO_EFORMAT) {
			geo_diag_add(diag, GEO_DIAG_REJECT, c->lineno,
			             "%s: line %ld: unterminated quote", path,
			             c->lineno);
			continue;
		}
		if (rc < 0)
			return geo_seterr(err, errlen, rc, "%s: line %ld: %s",
			                  path, c->lineno,
			                  rc == GEO_ENOMEM ? "out of memory"
			                                   : "read error");
		return rc;
	}
}

/* Read a CSV of lo's records: rows that fail are reported in diag and
 * left out, the rest projected to the metric CRS. */
static int
read_csv_points(geo_ctx *ctx, const char *path, const layout *lo, void *self,
                void **out, size_t *n, geo_diag *diag, char *err,
                size_t errlen)
{
	rowsrc rs = {.names = lo->cols, .ncols = lo->ncols};
	recs *r;
	geo_csv c;
	char why[300];
	int rc;

	*out = NULL;
	*n = 0;
	r = recs_new(lo, diag);
	if (r == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	rc = csv_start(&c, &rs, path, lo->required, err, errlen);
	if (rc != 0) {
		free(r);
		return rc;
	}
	r->P = ctx->to_metric;
	r->path = path;
	r->unit = "line";
	while ((rc = csv_row(&c, path, diag, err, errlen)) == 1) {
		char *rec = recs_add(r, c.lineno);
		double *xy;

		if (rec == NULL) {
			rc = geo_seterr(err, errlen, GEO_ENOMEM,
			                "out of memory");
			break;
		}
		xy = (double *)(void *)(rec + lo->xoff);
		if (!row_complete(&rs, why, sizeof why) ||
		    lonlat(&rs, lo->klon, lo->klat, &xy[0], &xy[1], why,
		           sizeof why) != 0 ||
		    lo->attrs(self, &rs, rec, why, sizeof why) != 0) {
			geo_diag_add(diag, GEO_DIAG_REJECT, c.lineno,
			             "%s: line %ld: %s", path, c.lineno, why);
			continue;
		}
		recs_commit(r);
	}
	geo_csv_close(&c);
	return recs_end(r, rc, out, n);
}

int
geo_households_read_csv(geo_ctx *ctx, const char *path, geo_household **out,
                        size_t *n, geo_diag *diag, char *err, size_t errlen)
{
	return read_csv_points(ctx, path, &hh_layout, NULL, (void **)out, n,
	                       diag, err, errlen);
}

/* ---- GeoPackage point layers --------------------------------------------- */

typedef struct gprow {
	recs *r;
	rowsrc *rs;
	const char *src;
	const layout *lo;
	void *self;
} gprow;

static int
gp_point_row(void *ud, long index, json_t *props, const uint8_t *blob,
             size_t len)
{
	gprow *g = ud;
	const uint8_t *wkb;
	size_t wlen;
	int emptyg;
	int32_t srs;
	char why[200];
	char *rec;
	double *xy;

	g->rs->props = props;
	rec = recs_add(g->r, index);
	if (rec == NULL)
		return GEO_ENOMEM;
	xy = (double *)(void *)(rec + g->lo->xoff);
	if (blob == NULL) {
		snprintf(why, sizeof why, "no geometry");
		goto reject;
	}
	if (geo_gpkg_blob(blob, len, &wkb, &wlen, &emptyg, &srs, why,
	                  sizeof why) != 0)
		goto reject;
	if (emptyg) {
		snprintf(why, sizeof why, "empty geometry");
		goto reject;
	}
	if (geo_wkb_point(wkb, wlen, &xy[0], &xy[1], why, sizeof why) != 0)
		goto reject;
	if (g->r->geographic && !(fabs(xy[0]) <= 180 && fabs(xy[1]) <= 90)) {
		snprintf(why, sizeof why, "lon/lat (%g, %g) out of range",
		         xy[0], xy[1]);
		goto reject;
	}
	if (g->lo->attrs(g->self, g->rs, rec, why, sizeof why) != 0)
		goto reject;
	recs_commit(g->r);
	return 0;
reject:
	return geo_diag_add(g->r->diag, GEO_DIAG_REJECT, index,
	                    "%s: feature %ld: %s", g->src, index, why);
}

/* Scan the point layer (the only one when layer is NULL) into r. */
static int
scan_gpkg_points(geo_ctx *ctx, const char *path, const char *layer, recs *r,
                 gprow *gp, char *err, size_t errlen)
{
	geo_gpkg *g = NULL;
	geo_gpkg_layer *ls = NULL;
	size_t nl = 0;
	char src[512];
	int rc;

	rc = geo_gpkg_open_layers(path, layer, &g, &ls, &nl, err, errlen);
	if (rc != 0)
		return rc;
	if (nl > 1) {
		rc = geo_seterr(err, errlen, GEO_EINVAL,
		                "%s: %zu features layers, name one", path, nl);
		goto out;
	}
	if (ls[0].crs == NULL) {
		rc = geo_seterr(err, errlen, GEO_EPROJ,
		                "%s: layer %s: srs_id %d has no usable CRS",
		                path, ls[0].table, ls[0].srs_id);
		goto out;
	}
	r->geographic = geo_crs_is_geographic(ctx, ls[0].crs);
	r->P = geo_ctx_transformer(ctx, ls[0].crs, err, errlen);
	if (r->P == NULL) {
		rc = GEO_EPROJ;
		goto out;
	}
	snprintf(src, sizeof src, "%s:%s", path, ls[0].table);
	r->path = src;
	r->unit = "feature";
	gp->src = src;
	gp->r = r;
	rc = geo_gpkg_scan(g, &ls[0], gp_point_row, gp, err, errlen);
	if (rc > 0)
		rc = GEO_ENOMEM;
	recs_flush(r);
	proj_destroy(r->P);
	r->P = NULL;
out:
	geo_gpkg_layers_free(ls, nl);
	geo_gpkg_close(g);
	return rc;
}

/* Read a GeoPackage point layer of lo's records, like read_csv_points. */
static int
read_gpkg_points(geo_ctx *ctx, const char *path, const char *layer,
                 const layout *lo, void *self, void **out, size_t *n,
                 geo_diag *diag, char *err, size_t errlen)
{
	rowsrc rs = {.names = lo->cols, .ncols = lo->ncols};
	gprow gp = {.rs = &rs, .lo = lo, .self = self};
	recs *r;

	*out = NULL;
	*n = 0;
	r = recs_new(lo, diag);
	if (r == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	return recs_end(r,
	                scan_gpkg_points(ctx, path, layer, r, &gp, err, errlen),
	                out, n);
}

int
geo_households_read_gpkg(geo_ctx *ctx, const char *path, const char *layer,
                         geo_household **out, size_t *n, geo_diag *diag,
                         char *err, size_t errlen)
{
	return read_gpkg_points(ctx, path, layer, &hh_layout, NULL,
	                        (void **)out, n, diag, err, errlen);
}

static int
is_gpkg_path(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcasecmp(path + n - 5, ".gpkg") == 0;
}

int
geo_households_read(geo_ctx *ctx, const char *path, geo_household **out,
                    size_t *n, geo_diag *diag, char *err, size_t errlen)
{
	if (is_gpkg_path(path))
		return geo_households_read_gpkg(ctx, path, NULL, out, n, diag,
		                                err, errlen);
	return geo_households_read_csv(ctx, path, out, n, diag, err, errlen);
}

/* ---- shelters -------------------------------------------------------------
 */

enum {
	S_ID,
	S_NAME,
	S_KIND,
	S_LON,
	S_LAT,
	S_KEL,
	S_CAP,
	S_FLOOR,
	S_ACC,
	S_SRC,
	S_N
};
static const char *const sh_cols[S_N] = {
    "id",        "name",     "kind",     "lon",        "lat",
    "kelurahan", "capacity", "floor_m2", "accessible", "capacity_source"};

static int
id_field(rowsrc *r, int key, char *dst, char *why, size_t whylen)
{
	const char *s = get(r, key);

	if (empty(s)) {
		snprintf(why, whylen, "%s: empty", r->names[key]);
		return -1;
	}
	if (strlen(s) >= GEO_ID_LEN) {
		snprintf(why, whylen, "%s: '%s' longer than %d bytes",
		         r->names[key], s, GEO_ID_LEN - 1);
		return -1;
	}
	strcpy(dst, s);
	return 0;
}

static int
sh_attrs(void *self, rowsrc *r, void *rec, char *why, size_t whylen)
{
	strset *ids = self;
	geo_shelter *s = rec;
	const char *v, *cap, *fl;
	int rc;

	if (id_field(r, S_ID, s->id, why, whylen) != 0)
		return -1;
	copy_utf8(s->name, sizeof s->name, (v = get(r, S_NAME)) ? v : "");
	v = get(r, S_KIND);
	if (empty(v))
		s->kind = GEO_SHELTER_OTHER;
	else if (geo_shelter_kind_parse(v, &s->kind) != 0) {
		snprintf(why, whylen, "kind: unknown '%s'", v);
		return -1;
	}
	v = get(r, S_KEL);
	if (!empty(v) && geo_kel_parse(v, &s->kel) != 0) {
		snprintf(why, whylen, "kelurahan: bad code '%s'", v);
		return -1;
	}
	fl = get(r, S_FLOOR);
	if (!empty(fl) &&
	    (p_double(fl, &s->floor_m2) != 0 || s->floor_m2 < 0)) {
		snprintf(why, whylen, "floor_m2: '%s' is not an area", fl);
		return -1;
	}
	cap = get(r, S_CAP);
	v = get(r, S_SRC);
	s->capacity_source = GEO_CAP_DECLARED;
	if (!empty(v)) {
		geo_capacity_source cs;

		if (geo_capacity_source_parse(v, &cs) != 0) {
			snprintf(why, whylen, "capacity_source: unknown '%s'",
			         v);
			return -1;
		}
		s->capacity_source = (uint8_t)cs;
	}
	if (!empty(cap)) {
		if (p_u32(cap, &s->capacity) != 0) {
			snprintf(why, whylen, "capacity: '%s' is not a count",
			         cap);
			return -1;
		}
	} else if (s->floor_m2 > 0) {
		/* Sphere: 3.5 m2 of covered floor per person */
		s->capacity =
		    (uint32_t)floor(s->floor_m2 / GEO_SPHERE_M2_PER_PERSON);
		s->capacity_source = GEO_CAP_ESTIMATED;
	}
	if (s->capacity == 0) {
		snprintf(why, whylen,
		         "no capacity (capacity and floor_m2 "
		         "empty or zero)");
		return -1;
	}
	v = get(r, S_ACC);
	if (empty(v) || strcmp(v, "0") == 0)
		s->accessible = 0;
	else if (strcmp(v, "1") == 0)
		s->accessible = 1;
	else {
		snprintf(why, whylen, "accessible: '%s' is not 1 or 0", v);
		return -1;
	}
	rc = strset_add(ids, s->id);
	if (rc == 0) {
		snprintf(why, whylen, "duplicate id '%s'", s->id);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

static const layout sh_layout = {
	.cols = sh_cols,
	.ncols = S_N,
	.required = (1u << S_ID) | (1u << S_LON) | (1u << S_LAT),
	.klon = S_LON,
	.klat = S_LAT,
	.stride = sizeof(geo_shelter),
	.xoff = offsetof(geo_shelter, x),
	.attrs = sh_attrs,
};

int
geo_shelters_read_csv(geo_ctx *ctx, const char *path, geo_shelter **out,
                      size_t *n, geo_diag *diag, char *err, size_t errlen)
{
	strset ids = {0};
	int rc = read_csv_points(ctx, path, &sh_layout, &ids, (void **)out, n,
	                         diag, err, errlen);

	strset_free(&ids);
	return rc;
}

int
geo_shelters_read_gpkg(geo_ctx *ctx, const char *path, const char *layer,
                       geo_shelter **out, size_t *n, geo_diag *diag, char *err,
                       size_t errlen)
{
	strset ids = {0};
	int rc = read_gpkg_points(ctx, path, layer, &sh_layout, &ids,
	                          (void **)out, n, diag, err, errlen);

	strset_free(&ids);
	return rc;
}

int
geo_shelters_read(geo_ctx *ctx, const char *path, geo_shelter **out, size_t *n,
                  geo_diag *diag, char *err, size_t errlen)
{
	if (is_gpkg_path(path))
		return geo_shelters_read_gpkg(ctx, path, NULL, out, n, diag,
		                              err, errlen);
	return geo_shelters_read_csv(ctx, path, out, n, diag, err, errlen);
}

/* ---- depots
 * ------------------------------------------------------------------ */

enum { D_ID, D_NAME, D_LON, D_LAT, D_KEL, D_CITY, D_N };
static const char *const dp_cols[D_N] = {"id",  "name",      "lon",
                                         "lat", "kelurahan", "city"};

static int
dp_attrs(void *self, rowsrc *r, void *rec, char *why, size_t whylen)
{
	strset *ids = self;
	geo_depot *d = rec;
	const char *v;
	int rc;

	if (id_field(r, D_ID, d->id, why, whylen) != 0)
		return -1;
	copy_utf8(d->name, sizeof d->name, (v = get(r, D_NAME)) ? v : "");
	v = get(r, D_KEL);
	if (!empty(v) && geo_kel_parse(v, &d->kel) != 0) {
		snprintf(why, whylen, "kelurahan: bad code '%s'", v);
		return -1;
	}
	v = get(r, D_CITY);
	if (!empty(v) && geo_city_parse(v, &d->city) != 0) {
		snprintf(why, whylen, "city: bad code '%s'", v);
		return -1;
	}
	if (d->city == 0 && d->kel != 0)
		d->city = geo_kel_city(d->kel);
	rc = strset_add(ids, d->id);
	if (rc == 0) {
		snprintf(why, whylen, "duplicate id '%s'", d->id);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

static const layout dp_layout = {
	.cols = dp_cols,
	.ncols = D_N,
	.required = (1u << D_ID) | (1u << D_LON) | (1u << D_LAT),
	.klon = D_LON,
	.klat = D_LAT,
	.stride = sizeof(geo_depot),
	.xoff = offsetof(geo_depot, x),
	.attrs = dp_attrs,
};

int
geo_depots_read_csv(geo_ctx *ctx, const char *path, geo_depot **out, size_t *n,
                    geo_diag *diag, char *err, size_t errlen)
{
	strset ids = {0};
	int rc = read_csv_points(ctx, path, &dp_layout, &ids, (void **)out, n,
	                         diag, err, errlen);

	strset_free(&ids);
	return rc;
}

/* ---- stock lots
 * ------------------------------------------------------------------ */

enum { L_DEPOT, L_LOT, L_ITEM, L_QTY, L_EXP, L_N };
static const char *const lot_cols[L_N] = {"depot", "lot", "item", "qty",
                                          "expires"};

static long
depot_index(const geo_depot *d, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(d[i].id, id) == 0)
			return (long)i;
	return -1;
}

static int
lot_attrs(strset *keys, const geo_depot *depots, size_t nd, rowsrc *r,
          geo_lot *l, char *why, size_t whylen)
{
	const char *v;
	char key[2 * GEO_ID_LEN + 2];
	long di;
	int rc;

	v = get(r, L_DEPOT);
	di = empty(v) ? -1 : depot_index(depots, nd, v);
	if (di < 0) {
		snprintf(why, whylen, "depot: unknown '%s'", v ? v : "");
		return -1;
	}
	l->depot = (uint32_t)di;
	if (id_field(r, L_LOT, l->lot, why, whylen) != 0)
		return -1;
	v = get(r, L_ITEM);
	if (geo_item_parse(v, &l->item) != 0) {
		snprintf(why, whylen,
		         "item: unknown '%s' (want meal|kit_adult|kit_child|"
		         "kit_infant|kit_family)",
		         v ? v : "");
		return -1;
	}
	v = get(r, L_QTY);
	if (p_u32(v, &l->qty) != 0) {
		snprintf(why, whylen, "qty: '%s' is not a count", v ? v : "");
		return -1;
	}
	v = get(r, L_EXP);
	l->expires_days = GEO_NO_EXPIRY;
	l->expires_ymd = 0;
	if (!empty(v) &&
	    geo_date_parse(v, &l->expires_days, &l->expires_ymd) != 0) {
		snprintf(why, whylen, "expires: '%s' is not YYYY-MM-DD", v);
		return -1;
	}
	snprintf(key, sizeof key, "%s\x1f%s", depots[di].id, l->lot);
	rc = strset_add(keys, key);
	if (rc == 0) {
		snprintf(why, whylen, "duplicate lot '%s' in depot '%s'",
		         l->lot, depots[di].id);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

int
geo_lots_read_csv(const char *path, const geo_depot *depots, size_t ndepots,
                  geo_lot **out, size_t *n, geo_diag *diag, char *err,
                  size_t errlen)
{
	rowsrc rs = {.names = lot_cols, .ncols = L_N};
	strset keys = {0};
	geo_lot *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	geo_csv c;
	char why[300];
	int rc;

	*out = NULL;
	*n = 0;
	rc = csv_start(&c, &rs, path,
	               (1u << L_DEPOT) | (1u << L_LOT) | (1u << L_ITEM) |
	                   (1u << L_QTY),
	               err, errlen);
	if (rc != 0)
		return rc;
	while ((rc = csv_row(&c, path, diag, err, errlen)) == 1) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof *v);
			if (nv == NULL) {
				rc = geo_seterr(err, errlen, GEO_ENOMEM,
				                "out of memory");
				break;
			}
			v = nv;
		}
		memset(&v[cnt], 0, sizeof v[cnt]);
		if (!row_complete(&rs, why, sizeof why) ||
		    lot_attrs(&keys, depots, ndepots, &rs, &v[cnt], why,
		              sizeof why) != 0) {
			geo_diag_add(diag, GEO_DIAG_REJECT, c.lineno,
			             "%s: line %ld: %s", path, c.lineno, why);
			continue;
		}
		cnt++;
	}
	geo_csv_close(&c);
	strset_free(&keys);
	if (rc != 0) {
		free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}
