#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geo/geo.h"
#include "geo/geo_int.h"

int
geo_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- context ---------------------------------------------------------- */

static void
geos_msg(const char *msg, void *userdata)
{
	geo_ctx *ctx = userdata;

	snprintf(ctx->geos_err, sizeof ctx->geos_err, "%s", msg);
}

int
geo_crs_is_wgs84(const char *crs)
{
	static const char *names[] = {
	    "EPSG:4326",
	    "OGC:CRS84",
	    "urn:ogc:def:crs:OGC:1.3:CRS84",
	    "urn:ogc:def:crs:EPSG::4326",
	    "urn:ogc:def:crs:OGC::CRS84",
	    "CRS84",
	    "WGS84",
	};
	size_t i;

	if (crs == NULL || *crs == '\0')
		return 1;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(crs, names[i]) == 0)
			return 1;
	return 0;
}

PJ *
geo_ctx_transformer(geo_ctx *ctx, const char *crs, char *err, size_t errlen)
{
	PJ *raw, *P;

	raw = proj_create_crs_to_crs(ctx->pj, crs, ctx->crs, NULL);
	if (raw == NULL) {
		geo_seterr(err, errlen, GEO_EPROJ,
		           "cannot transform from CRS '%s' to '%s': %s", crs,
		           ctx->crs,
		           proj_context_errno_string(
		               ctx->pj, proj_context_errno(ctx->pj)));
		return NULL;
	}
	/* Traditional GIS order (lon, lat / easting, northing) whatever the
	 * CRS definition says: GeoJSON and GeoPackage WKB store x = lon. */
	P = proj_normalize_for_visualization(ctx->pj, raw);
	proj_destroy(raw);
	if (P == NULL)
		geo_seterr(err, errlen, GEO_EPROJ,
		           "cannot normalise transformation from '%s'", crs);
	return P;
}

int
geo_crs_is_geographic(geo_ctx *ctx, const char *crs)
{
	PJ *p;
	PJ_TYPE t;

	if (geo_crs_is_wgs84(crs))
		return 1;
	p = proj_create(ctx->pj, crs);
	if (p == NULL)
		return 0;
	t = proj_get_type(p);
	proj_destroy(p);
	return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS;
}

static int
check_metric(geo_ctx *ctx, char *err, size_t errlen)
{
	PJ *crs;
	PJ_TYPE t;
	int ok;

	crs = proj_create(ctx->pj, ctx->crs);
	if (crs == NULL)
		return geo_seterr(err, errlen, GEO_EPROJ,
		                  "unknown metric CRS '%s'", ctx->crs);
	t = proj_get_type(crs);
	ok = t == PJ_TYPE_PROJECTED_CRS;
	proj_destroy(crs);
	if (!ok)
		return geo_seterr(err, errlen, GEO_EPROJ,
		                  "metric CRS '%s' is not a projected CRS",
		                  ctx->crs);
	return 0;
}

geo_ctx *
geo_ctx_new(const char *metric_crs, char *err, size_t errlen)
{
	geo_ctx *ctx;

	if (metric_crs == NULL || *metric_crs == '\0')
		metric_crs = GEO_DEFAULT_METRIC_CRS;
	if (strlen(metric_crs) >= sizeof ctx->crs) {
		geo_seterr(err, errlen, GEO_EINVAL, "metric CRS name too long");
		return NULL;
	}
	ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL) {
		geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(ctx->crs, sizeof ctx->crs, "%s", metric_crs);
	ctx->geos = GEOS_init_r();
	ctx->pj = proj_context_create();
	if (ctx->geos == NULL || ctx->pj == NULL) {
		geo_seterr(err, errlen, GEO_ENOMEM,
		           "cannot create GEOS/PROJ context");
		goto fail;
	}
	/* PROJ logs to stderr by default; a library must stay quiet. */
	proj_log_level(ctx->pj, PJ_LOG_NONE);
	GEOSContext_setErrorMessageHandler_r(ctx->geos, geos_msg, ctx);
	GEOSContext_setNoticeMessageHandler_r(ctx->geos, geos_msg, ctx);
	if (check_metric(ctx, err, errlen) != 0)
		goto fail;
	ctx->to_metric = geo_ctx_transformer(ctx, "EPSG:4326", err, errlen);
	if (ctx->to_metric == NULL)
		goto fail;
	return ctx;
fail:
	geo_ctx_free(ctx);
	return NULL;
}

void
geo_ctx_free(geo_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->to_metric != NULL)
		proj_destroy(ctx->to_metric);
	if (ctx->pj != NULL)
		proj_context_destroy(ctx->pj);
	if (ctx->geos != NULL)
		GEOS_finish_r(ctx->geos);
	free(ctx);
}

const char *
geo_ctx_crs(const geo_ctx *ctx)
{
	return ctx->crs;
}

static int
trans1(PJ *P, PJ_DIRECTION dir, double a, double b, double *oa, double *ob)
{
	PJ_COORD c;

	if (!isfinite(a) || !isfinite(b))
		return GEO_EPROJ;
	c = proj_trans(P, dir, proj_coord(a, b, 0, 0));
	if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || c.xy.x == HUGE_VAL)
		return GEO_EPROJ;
	*oa = c.xy.x;
	*ob = c.xy.y;
	return 0;
}

int
geo_to_metric(geo_ctx *ctx, double lon, double lat, double *x, double *y)
{
	if (lon < -180 || lon > 180 || lat < -90 || lat > 90)
		return GEO_EPROJ;
	return trans1(ctx->to_metric, PJ_FWD, lon, lat, x, y);
}

int
geo_to_wgs84(geo_ctx *ctx, double x, double y, double *lon, double *lat)
{
	return trans1(ctx->to_metric, PJ_INV, x, y, lon, lat);
}

static int
trans_n(PJ *P, PJ_DIRECTION dir, double *xy, size_t n)
{
	size_t i, done;

	if (n == 0)
		return 0;
	for (i = 0; i < 2 * n; i++)
		if (!isfinite(xy[i]))
			return GEO_EPROJ;
	done =
	    proj_trans_generic(P, dir, xy, 2 * sizeof(double), n, xy + 1,
	                       2 * sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
	if (done != n)
		return GEO_EPROJ;
	for (i = 0; i < 2 * n; i++)
		if (!isfinite(xy[i]) || xy[i] == HUGE_VAL)
			return GEO_EPROJ;
	return 0;
}

int
geo_pj_fwd_n(PJ *P, double *xy, size_t n)
{
	return trans_n(P, PJ_FWD, xy, n);
}

int
geo_to_metric_n(geo_ctx *ctx, double *xy, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(xy[2 * i] >= -180 && xy[2 * i] <= 180 &&
		      xy[2 * i + 1] >= -90 && xy[2 * i + 1] <= 90))
			return GEO_EPROJ;
	return trans_n(ctx->to_metric, PJ_FWD, xy, n);
}

int
geo_to_wgs84_n(geo_ctx *ctx, double *xy, size_t n)
{
	return trans_n(ctx->to_metric, PJ_INV, xy, n);
}

double
geo_distance_m(double x1, double y1, double x2, double y2)
{
	return hypot(x2 - x1, y2 - y1);
}

/* ---- enums ------------------------------------------------------------ */

int
geo_word_eq(const char *s, const char *word)
{
	size_t n = strlen(word);

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, word, n) != 0)
		return 0;
	s += n;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0';
}

int
geo_hazard_parse(const char *s, geo_hazard *out)
{
	if (geo_word_eq(s, "flood") || geo_word_eq(s, "banjir"))
		*out = GEO_FLOOD;
	else if (geo_word_eq(s, "fire") || geo_word_eq(s, "kebakaran"))
		*out = GEO_FIRE;
	else
		return GEO_EINVAL;
	return 0;
}

const char *
geo_hazard_name(geo_hazard h)
{
	switch (h) {
	case GEO_FLOOD:
		return "flood";
	case GEO_FIRE:
		return "fire";
	default:
		return "?";
	}
}

int
geo_class_parse(const char *s, geo_class *out)
{
	/* RPBD (Rencana Penanggulangan Bencana Daerah) uses the Indonesian
	 * rendah / sedang / tinggi for low / medium / high. */
	static const struct {
		const char *w;
		geo_class c;
	} words[] = {
	    {"none", GEO_NONE},   {"low", GEO_LOW},    {"medium", GEO_MEDIUM},
	    {"high", GEO_HIGH},   {"rendah", GEO_LOW}, {"sedang", GEO_MEDIUM},
	    {"tinggi", GEO_HIGH},
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (geo_word_eq(s, words[i].w)) {
			*out = words[i].c;
			return 0;
		}
	return GEO_EINVAL;
}

const char *
geo_class_name(geo_class c)
{
	static const char *names[] = {"none", "low", "medium", "high"};

	if ((int)c < 0 || (int)c > 3)
		return "?";
	return names[c];
}

/* ---- diagnostics ------------------------------------------------------ */

void
geo_diag_init(geo_diag *d)
{
	memset(d, 0, sizeof *d);
}

void
geo_diag_clear(geo_diag *d)
{
	size_t i, max = d->max;

	for (i = 0; i < d->n; i++)
		free(d->items[i].msg);
	free(d->items);
	memset(d, 0, sizeof *d);
	d->max = max;
}

void
geo_diag_free(geo_diag *d)
{
	if (d == NULL)
		return;
	geo_diag_clear(d);
}

int
geo_diag_add(geo_diag *d, geo_diag_level level, long where, const char *fmt,
             ...)
{
	size_t max;
	va_list ap;
	char *msg;
	int len;

	if (d == NULL)
		return 0;
	if (level == GEO_DIAG_REJECT)
		d->nreject++;
	else
		d->nwarn++;
	max = d->max ? d->max : 1000;
	if (d->n >= max) {
		d->dropped++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		geo_diag_item *it = realloc(d->items, cap * sizeof *it);

		if (it == NULL)
			return GEO_ENOMEM;
		d->items = it;
		d->cap = cap;
	}
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return GEO_EINVAL;
	msg = malloc((size_t)len + 1);
	if (msg == NULL)
		return GEO_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)len + 1, fmt, ap);
	va_end(ap);
	d->items[d->n].level = level;
	d->items[d->n].where = where;
	d->items[d->n].msg = msg;
	d->n++;
	return 0;
}

/* ---- codes ------------------------------------------------------------ */

/* Collect exactly `want` digits from s, allowing dots only at the given
 * digit positions (bitmask of "a dot may follow digit i"). */
static int
code_digits(const char *s, size_t want, unsigned dot_after, uint64_t *out,
            const char **end)
{
	uint64_t v = 0;
	size_t nd = 0;

	while (*s == ' ')
		s++;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (nd == want)
				return GEO_EINVAL;
			v = v * 10 + (uint64_t)(*s - '0');
			nd++;
		} else if (*s == '.' && nd > 0 && (dot_after >> (nd - 1)) & 1 &&
		           s[1] >= '0' && s[1] <= '9') {
			continue;
		} else {
			break;
		}
	}
	if (nd != want)
		return GEO_EINVAL;
	*out = v;
	if (end != NULL)
		*end = s;
	return 0;
}

static int
only_blanks(const char *s)
{
	while (*s == ' ' || *s == '\r' || *s == '\n' || *s == '\t')
		s++;
	return *s == '\0';
}

/* Kelurahan code: PP.KK.CC.DDDD -> dots may follow digits 2, 4, 6. */
#define KEL_DOTS ((1u << 1) | (1u << 3) | (1u << 5))

int
geo_kel_parse(const char *s, uint32_t *out)
{
	const char *end;
	uint64_t v;

	if (s == NULL || code_digits(s, 10, KEL_DOTS, &v, &end) != 0 ||
	    !only_blanks(end) || v > UINT32_MAX || v < 1000000000ull)
		return GEO_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

char *
geo_kel_format(uint32_t code, char *buf)
{
	snprintf(buf, GEO_KEL_BUFLEN, "%02u.%02u.%02u.%04u",
	         (unsigned)(code / 100000000u % 100u),
	         (unsigned)(code / 1000000u % 100u),
	         (unsigned)(code / 10000u % 100u), (unsigned)(code % 10000u));
	return buf;
}

int
geo_city_parse(const char *s, uint32_t *out)
{
	const char *end;
	uint64_t v;

	if (s == NULL || code_digits(s, 4, 1u << 1, &v, &end) != 0 ||
	    !only_blanks(end) || v < 1000)
		return GEO_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
geo_rw_parse(const char *s, uint32_t *kel, unsigned *rw)
{
	const char *end;
	uint64_t v;
	char *e2;
	long n;

	if (s == NULL || code_digits(s, 10, KEL_DOTS, &v, &end) != 0 ||
	    v > UINT32_MAX || v < 1000000000ull || *end != '-')
		return GEO_EINVAL;
	if (!(end[1] >= '0' && end[1] <= '9'))
		return GEO_EINVAL;
	errno = 0;
	n = strtol(end + 1, &e2, 10);
	if (errno != 0 || n < 1 || n > 99 || !only_blanks(e2))
		return GEO_EINVAL;
	*kel = (uint32_t)v;
	*rw = (unsigned)n;
	return 0;
}

char *
geo_rw_format(uint32_t kel, unsigned rw, char *buf)
{
	snprintf(buf, GEO_RW_BUFLEN, "%010u-%02u", (unsigned)kel, rw % 100u);
	return buf;
}

/* ---- small helpers ---------------------------------------------------- */

char *
geo_strdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

const char *
geo_basename(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL ? p + 1 : path;
}
