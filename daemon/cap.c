/*
 * daemon/cap.c - CAP 1.2 in (cap_parse) and out (cap_write_alert).
 *
 * The profile posko reads and writes is described for integrators in
 * docs/feed.md; the element list, cardinalities and value lists come from
 * the OASIS CAP 1.2 standard (docs/cap/CAP-v1.2.xsd). Geometry rules for
 * <polygon> follow CAP 1.2 3.2.4 (at least four "lat,lon" pairs, first
 * equals last) and the Google public-alerts guidance repeated in
 * anchors.md 3.3.
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/report.h"
#include "daemon/cap.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "config/config.h"

struct cap_ctx {
	xmlSchemaPtr schema;
};

/* ---- small helpers ------------------------------------------------------ */


static int
ieq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 0;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* 1 when the first n bytes of s equal w ignoring ASCII case. */
static int
prefix_ieq(const char *s, const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || tolower((unsigned char)s[i]) !=
		                        tolower((unsigned char)w[i]))
			return 0;
	return 1;
}

/* Case-insensitive substring test (ASCII). */
static int
icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) ==
		           tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

const char *
cap_err_code(int rc)
{
	switch (rc) {
	case CAP_OK:
		return "ok";
	case CAP_ETOOLARGE:
		return "too_large";
	case CAP_EXML:
		return "bad_xml";
	case CAP_ESCHEMA:
		return "bad_cap";
	case CAP_EVALUE:
	case CAP_EINVAL:
		return "bad_field";
	default:
		return "internal";
	}
}

/* ---- times ----------------------------------------------------------------
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no timegm() or TZ is needed. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
cap_time_parse(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};

	if (s == NULL || out == NULL || strlen(s) < 20)
		return CAP_EVALUE;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return CAP_EVALUE;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return CAP_EVALUE;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om))
			return CAP_EVALUE;
		p += 6;
	} else {
		return CAP_EVALUE;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return CAP_EVALUE;
	if (mo == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return CAP_EVALUE;
	int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	            h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*out = (time_t)t;
	return 0;
}

int
cap_time_format(time_t t, int utc_offset_min, char *buf, size_t n)
{
	struct tm tm;
	time_t local = t + (time_t)utc_offset_min * 60;
	int off = utc_offset_min < 0 ? -utc_offset_min : utc_offset_min;

	if (buf == NULL || n < 26 || gmtime_r(&local, &tm) == NULL)
		return CAP_EINVAL;
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, utc_offset_min > 0 ? '+' : '-', off / 60,
	         off % 60);
	return 0;
}

/* ---- schema ---------------------------------------------------------------
 */

/* The first error libxml2 reports, with the node it concerns. */
struct errcap {
	int have;
	int line;
	xmlNodePtr node;
	char msg[400];
};

static void
errcap_fn(void *data, xmlErrorPtr e)
{
	struct errcap *c = data;
	size_t n;

	if (c->have || e == NULL || e->level < XML_ERR_ERROR)
		return;
	c->have = 1;
	c->line = e->line;
	c->node = e->node;
	snprintf(c->msg, sizeof(c->msg), "%s", e->message ? e->message : "");
	n = strlen(c->msg);
	while (n > 0 && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
		c->msg[--n] = '\0';
}

/* The whole file at path, malloc'd; at most 1 MiB (the XSD is 9 kB). */
static int
read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		posko_seterr(err, errlen, "cap schema %s: %s", path, strerror(errno));
		return CAP_EIO;
	}
	buf = malloc((1u << 20) + 1);
	n = buf ? fread(buf, 1, 1u << 20, f) : 0;
	if (buf == NULL || ferror(f) || n == 0 || !feof(f)) {
		posko_seterr(err, errlen, "cap schema %s: %s", path,
		       buf == NULL ? "out of memory"
		       : n == 0    ? "empty or unreadable"
		                   : "larger than 1 MiB");
		free(buf);
		fclose(f);
		return CAP_EIO;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

cap_ctx *
cap_ctx_new(const char *xsd_path, char *err, size_t errlen)
{
	struct errcap ec = {0};
	xmlSchemaParserCtxtPtr pc;
	cap_ctx *ctx;
	char *text = NULL;
	size_t len = 0;

	xmlInitParser();
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		posko_seterr(err, errlen, "cap schema: out of memory");
		return NULL;
	}
	/* Read the file here rather than xmlSchemaNewParserCtxt(path):
	 * libxml2 prints "failed to load external entity" on its own. */
	if (xsd_path != NULL) {
		if (read_file(xsd_path, &text, &len, err, errlen) != 0) {
			free(ctx);
			return NULL;
		}
		pc = xmlSchemaNewMemParserCtxt(text, (int)len);
	} else {
		pc = xmlSchemaNewMemParserCtxt(cap_schema_text(),
		                               (int)strlen(cap_schema_text()));
	}
	if (pc == NULL) {
		posko_seterr(err, errlen, "cap schema %s: cannot create parser",
		       xsd_path ? xsd_path : "(built-in)");
		free(text);
		free(ctx);
		return NULL;
	}
	xmlSchemaSetParserStructuredErrors(pc, errcap_fn, &ec);
	ctx->schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	free(text);
	if (ctx->schema == NULL) {
		posko_seterr(err, errlen, "cap schema %s: %s",
		       xsd_path ? xsd_path : "(built-in)",
		       ec.have ? ec.msg : "cannot be read or compiled");
		free(ctx);
		return NULL;
	}
	return ctx;
}

void
cap_ctx_free(cap_ctx *ctx)
{
	if (ctx == NULL)
		return;
	xmlSchemaFree(ctx->schema);
	free(ctx);
}

/* ---- element paths for messages --------------------------------------------
 */

static int
is_cap_elem(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       strcmp((const char *)n->ns->href, CAP_NS) == 0 &&
	       (name == NULL || strcmp((const char *)n->name, name) == 0);
}

/* Elements whose index is always written ("info[0].area[0]"); other
 * repeatable elements get an index only when they have same-name
 * siblings ("info[0].area[0].polygon" for the only polygon). */
static int
always_indexed(const char *name)
{
	return strcmp(name, "info") == 0 || strcmp(name, "area") == 0;
}

/* Write the path of node n relative to <alert> into buf. */
static void
node_path(xmlNodePtr n, char *buf, size_t len)
{
	xmlNodePtr chain[16];
	size_t depth = 0, off = 0;

	buf[0] = '\0';
	for (; n && n->type == XML_ELEMENT_NODE && depth < 16; n = n->parent)
		chain[depth++] = n;
	if (depth == 0) {
		snprintf(buf, len, "alert");
		return;
	}
	if (depth == 1) {
		snprintf(buf, len, "%s", (const char *)chain[0]->name);
		return;
	}
	/* chain[depth-1] is the root <alert>: paths start below it. */
	for (size_t k = depth - 1; k-- > 0;) {
		xmlNodePtr e = chain[k];
		const char *name = (const char *)e->name;
		size_t idx = 0, same = 0;
		for (xmlNodePtr s = e->parent ? e->parent->children : e; s;
		     s = s->next) {
			if (s->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)s->name, name) != 0)
				continue;
			if (s == e)
				idx = same;
			same++;
		}
		int w;
		if (always_indexed(name) || same > 1)
			w = snprintf(buf + off, len - off, "%s%s[%zu]",
			             off ? "." : "", name, idx);
		else
			w = snprintf(buf + off, len - off, "%s%s",
			             off ? "." : "", name);
		if (w < 0 || (size_t)w >= len - off)
			return;
		off += (size_t)w;
	}
}

/* Remove every "{urn:...cap:1.2}" from libxml2's schema messages and the
 * leading "Element 'x': " that the path already says. */
static void
tidy_schema_msg(const char *in, char *out, size_t len)
{
	const char *ns = "{" CAP_NS "}";
	size_t nl = strlen(ns), o = 0;

	if (strncmp(in, "Element '", 9) == 0) {
		const char *q = strstr(in, "': ");
		if (q)
			in = q + 3;
	}
	while (*in && o + 1 < len) {
		if (strncmp(in, ns, nl) == 0) {
			in += nl;
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

/* ---- steps 1-3: size, XML, namespace, schema
 * --------------------------------- */

/*
 * Say what the schema found in posko's words. libxml2 reports a missing
 * required element at the element that came instead ("This element is not
 * expected. Expected is ( sender )") or at the parent when nothing came
 * ("Missing child element(s)"); both become "<parent>: missing or
 * misplaced element: expected sender, found sent".
 */
static void
schema_error(const struct errcap *ec, char *err, size_t errlen)
{
	static const char unexpected[] = "This element is not expected. ";
	static const char missing[] = "Missing child element(s). ";
	char path[200], msg[400], want[300];
	const char *m, *exp;

	tidy_schema_msg(ec->have ? ec->msg : "not valid CAP 1.2", msg,
	                sizeof(msg));
	m = msg;
	exp = strstr(m, "Expected is ");
	if (exp) {
		/* "Expected is one of ( category, event )." -> the list */
		const char *o = strchr(exp, '('),
		           *e = o ? strchr(o, ')') : NULL;
		if (o && e) {
			o++;
			while (*o == ' ')
				o++;
			while (e > o && e[-1] == ' ')
				e--;
			snprintf(want, sizeof(want), "expected %s%.*s",
			         strstr(exp, "one of") ? "one of " : "",
			         (int)(e - o), o);
		} else {
			exp = NULL;
		}
	}
	if (ec->have && ec->node && exp &&
	    strncmp(m, unexpected, sizeof(unexpected) - 1) == 0) {
		xmlNodePtr n = ec->node;
		node_path(n->parent, path, sizeof(path));
		if (n->parent == NULL || n->parent->type != XML_ELEMENT_NODE)
			snprintf(path, sizeof(path), "alert");
		posko_seterr(err, errlen,
		       "%s: missing or misplaced element: %s, found %s "
		       "(line %d)",
		       path, want, (const char *)n->name, ec->line);
		return;
	}
	node_path(ec->have ? ec->node : NULL, path, sizeof(path));
	if (exp && strncmp(m, missing, sizeof(missing) - 1) == 0) {
		posko_seterr(err, errlen, "%s: missing element: %s (line %d)", path,
		       want, ec->line);
		return;
	}
	posko_seterr(err, errlen, "%s: %s (line %d)", path, m, ec->line);
}

static int
load_doc(const cap_ctx *ctx, const char *xml, size_t len, size_t max_bytes,
         xmlDocPtr *docp, char *err, size_t errlen)
{
	struct errcap ec = {0};
	xmlParserCtxtPtr pc;
	xmlDocPtr doc;
	xmlNodePtr root;

	*docp = NULL;
	if (ctx == NULL || xml == NULL || len == 0) {
		posko_seterr(err, errlen, "alert: empty message");
		return CAP_EINVAL;
	}
	if (max_bytes == 0)
		max_bytes = CAP_MAX_BYTES_DEFAULT;
	if (len > max_bytes || len > (size_t)INT32_MAX) {
		posko_seterr(err, errlen,
		       "alert: message is %zu bytes, over the limit of %zu",
		       len, max_bytes);
		return CAP_ETOOLARGE;
	}
	pc = xmlNewParserCtxt();
	if (pc == NULL) {
		posko_seterr(err, errlen, "alert: out of memory");
		return CAP_ENOMEM;
	}
	/* No XML_PARSE_NOENT (no entity substitution), no DTDLOAD, no HUGE;
	 * NOERROR/NOWARNING keep libxml2 from printing. */
	doc = xmlCtxtReadMemory(pc, xml, (int)len, "cap.xml", NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR |
	                            XML_PARSE_NOWARNING);
	if (doc == NULL) {
		xmlErrorPtr e = xmlCtxtGetLastError(pc);
		char msg[300] = "";
		if (e && e->message) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			size_t n = strlen(msg);
			while (n > 0 && msg[n - 1] == '\n')
				msg[--n] = '\0';
		}
		posko_seterr(err, errlen, "alert: not well-formed XML (line %d): %s",
		       e ? e->line : 0, msg[0] ? msg : "cannot parse");
		xmlFreeParserCtxt(pc);
		return CAP_EXML;
	}
	xmlFreeParserCtxt(pc);
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		posko_seterr(err, errlen,
		       "alert: a DOCTYPE is not allowed in CAP (no DTD, no "
		       "entities)");
		goto schema_fail_xml;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "alert") != 0) {
		posko_seterr(err, errlen, "%s: the root element must be <alert>",
		       root ? (const char *)root->name : "alert");
		goto schema_fail;
	}
	if (root->ns == NULL ||
	    strcmp((const char *)root->ns->href, CAP_NS) != 0) {
		posko_seterr(err, errlen,
		       "alert: namespace \"%s\" is not CAP 1.2 (%s)",
		       root->ns ? (const char *)root->ns->href : "", CAP_NS);
		goto schema_fail;
	}
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(ctx->schema);
	if (vc == NULL) {
		xmlFreeDoc(doc);
		posko_seterr(err, errlen, "alert: out of memory");
		return CAP_ENOMEM;
	}
	xmlSchemaSetValidStructuredErrors(vc, errcap_fn, &ec);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (rc != 0) {
		schema_error(&ec, err, errlen);
		goto schema_fail;
	}
	*docp = doc;
	return 0;
schema_fail_xml:
	xmlFreeDoc(doc);
	return CAP_EXML;
schema_fail:
	xmlFreeDoc(doc);
	return CAP_ESCHEMA;
}

int
cap_check(const cap_ctx *ctx, const char *xml, size_t len, size_t max_bytes,
          char *err, size_t errlen)
{
	xmlDocPtr doc;
	int rc = load_doc(ctx, xml, len, max_bytes, &doc, err, errlen);

	if (rc == 0)
		xmlFreeDoc(doc);
	return rc;
}

/* ---- step 4: the posko profile
 * ----------------------------------------------- */

/* Accumulated footprint parts of the <info> used. */
struct ring {
	double *lonlat; /* lon,lat interleaved, closed */
	size_t n;       /* points */
};

struct circle {
	double lat, lon, radius_km;
};

struct parse {
	const posko_config *cfg;
	char *err;
	size_t errlen;
	posko_report r;
	cap_meta m;
	struct ring *rings;
	size_t nrings;
	struct circle *circles;
	size_t ncircles;
	uint32_t *kel;
	size_t nkel;
	char **rw;
	size_t nrw;
};

static void
parse_free_parts(struct parse *p)
{
	for (size_t i = 0; i < p->nrings; i++)
		free(p->rings[i].lonlat);
	free(p->rings);
	free(p->circles);
	free(p->kel);
	for (size_t i = 0; i < p->nrw; i++)
		free(p->rw[i]);
	free(p->rw);
}

/* Trimmed text content of n, malloc'd; "" for an empty element. */
static char *
text_of(xmlNodePtr n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s, *e, *r;

	if (c == NULL)
		return strdup("");
	s = (char *)c;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	r = strndup(s, (size_t)(e - s));
	xmlFree(c);
	return r;
}

static xmlNodePtr
child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
		if (is_cap_elem(c, name))
			return c;
	return NULL;
}

/* Text of the first child called name, malloc'd, or NULL if absent. */
static char *
child_text(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c = child(parent, name);
	return c ? text_of(c) : NULL;
}

/* Fail with "<path of node>: <reason>". */
static int
fail_at(struct parse *p, xmlNodePtr n, int rc, const char *fmt, ...)
{
	char path[200], msg[400];
	va_list ap;

	node_path(n, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	posko_seterr(p->err, p->errlen, "%s: %s", path, msg);
	return rc;
}

static int
oom(struct parse *p)
{
	posko_seterr(p->err, p->errlen, "alert: out of memory");
	return CAP_ENOMEM;
}

/* A decimal number filling the whole token. */
static int
parse_double(const char *s, size_t n, double *out)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (end == buf || *end != '\0' || errno != 0 || !isfinite(*out))
		return -1;
	return 0;
}

/*
 * "lat,lon" -> lat, lon; returns 0, or -1 with the reason in why. A pair
 * written lon,lat is caught by the range check and said so: CAP is lat
 * first, GeoJSON lon first, and the two get swapped in practice.
 */
static int
parse_latlon(const char *tok, size_t n, double *lat, double *lon, char *why,
             size_t whylen)
{
	const char *comma = memchr(tok, ',', n);

	if (comma == NULL ||
	    parse_double(tok, (size_t)(comma - tok), lat) != 0 ||
	    parse_double(comma + 1, n - (size_t)(comma - tok) - 1, lon) != 0) {
		snprintf(why, whylen, "is not \"lat,lon\" in decimal degrees");
		return -1;
	}
	if (*lat < -90 || *lat > 90) {
		snprintf(why, whylen,
		         "latitude %g is outside -90..90 (CAP pairs are "
		         "lat,lon)",
		         *lat);
		return -1;
	}
	if (*lon < -180 || *lon > 180) {
		snprintf(why, whylen, "longitude %g is outside -180..180",
		         *lon);
		return -1;
	}
	return 0;
}

static int
add_ring(struct parse *p, xmlNodePtr node, const char *text)
{
	struct ring ring = {0};
	size_t cap = 0;
	const char *s = text;
	char why[160];

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		const char *t = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		double lat, lon;
		if (parse_latlon(t, (size_t)(s - t), &lat, &lon, why,
		                 sizeof(why)) != 0) {
			free(ring.lonlat);
			return fail_at(p, node, CAP_EVALUE,
			               "point %zu \"%.*s\" %s", ring.n + 1,
			               (int)(s - t > 60 ? 60 : s - t), t, why);
		}
		if (ring.n == cap) {
			cap = cap ? cap * 2 : 16;
			double *v =
			    realloc(ring.lonlat, cap * 2 * sizeof(double));
			if (v == NULL) {
				free(ring.lonlat);
				return oom(p);
			}
			ring.lonlat = v;
		}
		ring.lonlat[2 * ring.n] = lon;
		ring.lonlat[2 * ring.n + 1] = lat;
		ring.n++;
	}
	if (ring.n < 4) {
		free(ring.lonlat);
		return fail_at(p, node, CAP_EVALUE,
		               "a polygon needs at least 4 \"lat,lon\" pairs "
		               "(a closed ring), got %zu",
		               ring.n);
	}
	if (ring.lonlat[0] != ring.lonlat[2 * (ring.n - 1)] ||
	    ring.lonlat[1] != ring.lonlat[2 * (ring.n - 1) + 1]) {
		free(ring.lonlat);
		return fail_at(p, node, CAP_EVALUE,
		               "ring is not closed (first point != last "
		               "point)");
	}
	struct ring *v = realloc(p->rings, (p->nrings + 1) * sizeof(*v));
	if (v == NULL) {
		free(ring.lonlat);
		return oom(p);
	}
	p->rings = v;
	p->rings[p->nrings++] = ring;
	return 0;
}

static int
add_circle(struct parse *p, xmlNodePtr node, const char *text)
{
	const char *s = text, *sp;
	struct circle c;
	char why[160];

	sp = s;
	while (*sp && !isspace((unsigned char)*sp))
		sp++;
	if (parse_latlon(s, (size_t)(sp - s), &c.lat, &c.lon, why,
	                 sizeof(why)) != 0)
		return fail_at(p, node, CAP_EVALUE, "centre \"%.*s\" %s",
		               (int)(sp - s > 60 ? 60 : sp - s), s, why);
	while (isspace((unsigned char)*sp))
		sp++;
	const char *r = sp;
	while (*sp && !isspace((unsigned char)*sp))
		sp++;
	const char *rest = sp;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest != '\0' ||
	    parse_double(r, (size_t)(sp - r), &c.radius_km) != 0)
		return fail_at(p, node, CAP_EVALUE,
		               "\"%s\" is not \"lat,lon radius_km\"", text);
	if (!(c.radius_km > 0) || c.radius_km > CAP_MAX_RADIUS_KM)
		return fail_at(p, node, CAP_EVALUE,
		               "radius %g km is outside (0, %g] km",
		               c.radius_km, CAP_MAX_RADIUS_KM);
	struct circle *v = realloc(p->circles, (p->ncircles + 1) * sizeof(*v));
	if (v == NULL)
		return oom(p);
	p->circles = v;
	p->circles[p->ncircles++] = c;
	return 0;
}

/* "31.71.01.1001" or "3171011001" -> 3171011001. */
static int
parse_kelurahan(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t nd = 0, len = strlen(s);

	if (len == 13) {
		if (s[2] != '.' || s[5] != '.' || s[8] != '.')
			return -1;
	} else if (len != 10) {
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && len == 13)
			continue;
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		nd++;
	}
	if (nd != 10 || v == 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "3172011001-09": ten digits, '-', two digits (HACKING.md). */
static int
valid_rw_id(const char *s)
{
	if (strlen(s) != 13 || s[10] != '-')
		return 0;
	for (int i = 0; i < 13; i++)
		if (i != 10 && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
add_kel(struct parse *p, uint32_t code)
{
	for (size_t i = 0; i < p->nkel; i++)
		if (p->kel[i] == code)
			return 0;
	uint32_t *v = realloc(p->kel, (p->nkel + 1) * sizeof(*v));
	if (v == NULL)
		return oom(p);
	p->kel = v;
	p->kel[p->nkel++] = code;
	return 0;
}

static int
add_rw(struct parse *p, const char *id)
{
	for (size_t i = 0; i < p->nrw; i++)
		if (strcmp(p->rw[i], id) == 0)
			return 0;
	char **v = realloc(p->rw, (p->nrw + 1) * sizeof(*v));
	if (v == NULL)
		return oom(p);
	p->rw = v;
	if ((p->rw[p->nrw] = strdup(id)) == NULL)
		return oom(p);
	p->nrw++;
	return 0;
}

/* valueName of a kelurahan code: posko's own name, the HXL level, and the
 * Indonesian "kode wilayah tingkat IV" names BMKG uses for adm4. */
static int
is_kel_name(const char *vn)
{
	return ieq(vn, "kelurahan") || ieq(vn, "adm4") ||
	       ieq(vn, "kode_kelurahan") || ieq(vn, "kemendagri");
}

static int
add_geocode(struct parse *p, xmlNodePtr node)
{
	char *vn = child_text(node, "valueName");
	char *val = child_text(node, "value");
	int rc = 0;

	if (vn == NULL || val == NULL) {
		rc = oom(p);
		goto out;
	}
	if (is_kel_name(vn)) {
		uint32_t code;
		if (parse_kelurahan(val, &code) != 0)
			rc = fail_at(p, node, CAP_EVALUE,
			             "\"%s\" is not a kelurahan code like "
			             "31.71.01.1001",
			             val);
		else
			rc = add_kel(p, code);
	} else if (ieq(vn, "rw")) {
		if (!valid_rw_id(val))
			rc = fail_at(p, node, CAP_EVALUE,
			             "\"%s\" is not an RW id like "
			             "3172011001-09",
			             val);
		else
			rc = add_rw(p, val);
	}
	/* Other valueNames (province, regency codes, SAME, ...) are not
	 * footprints posko can place: ignored. */
out:
	free(vn);
	free(val);
	return rc;
}

static int
parse_area(struct parse *p, xmlNodePtr area)
{
	int rc;

	for (xmlNodePtr c = area->children; c; c = c->next) {
		if (!is_cap_elem(c, NULL))
			continue;
		const char *name = (const char *)c->name;
		rc = 0;
		if (strcmp(name, "polygon") == 0 ||
		    strcmp(name, "circle") == 0) {
			char *t = text_of(c);
			if (t == NULL)
				return oom(p);
			rc = name[0] == 'p' ? add_ring(p, c, t)
			                    : add_circle(p, c, t);
			free(t);
		} else if (strcmp(name, "geocode") == 0) {
			rc = add_geocode(p, c);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- footprint assembly
 * ------------------------------------------------------ */

static json_t *
ring_json(const double *lonlat, size_t n)
{
	json_t *ring = json_array();

	for (size_t i = 0; ring && i < n; i++) {
		json_t *pt =
		    json_pack("[ff]", lonlat[2 * i], lonlat[2 * i + 1]);
		if (pt == NULL || json_array_append_new(ring, pt) != 0) {
			json_decref(ring);
			return NULL;
		}
	}
	return ring;
}

/*
 * A circle as a closed 32-gon in lon/lat whose edges stay outside the
 * circle (vertices at r / cos(pi/32)): when a circle must join polygons in
 * a MultiPolygon, the approximation may only grow the footprint, the safer
 * error for evacuation. 1 degree of latitude = 111.32 km (WGS84 mean).
 */
#define CIRCLE_SIDES 32
#define CAP_PI 3.14159265358979323846
static json_t *
circle_ring_json(const struct circle *c)
{
	double v[2 * (CIRCLE_SIDES + 1)];
	double r = c->radius_km / cos(CAP_PI / CIRCLE_SIDES);
	double dlat = r / 111.32;
	double dlon = r / (111.32 * cos(c->lat * CAP_PI / 180.0));

	for (int i = 0; i < CIRCLE_SIDES; i++) {
		double a = 2 * CAP_PI * i / CIRCLE_SIDES;
		v[2 * i] = c->lon + dlon * cos(a);
		v[2 * i + 1] = c->lat + dlat * sin(a);
	}
	v[2 * CIRCLE_SIDES] = v[0];
	v[2 * CIRCLE_SIDES + 1] = v[1];
	return ring_json(v, CIRCLE_SIDES + 1);
}

static int
build_geometry(struct parse *p)
{
	size_t nparts = p->nrings + p->ncircles;
	json_t *parts = json_array(), *geom = NULL;
	int rc = CAP_ENOMEM;

	if (parts == NULL)
		return oom(p);
	for (size_t i = 0; i < nparts; i++) {
		json_t *ring =
		    i < p->nrings
		        ? ring_json(p->rings[i].lonlat, p->rings[i].n)
		        : circle_ring_json(&p->circles[i - p->nrings]);
		json_t *poly = ring ? json_array() : NULL;
		if (poly == NULL || json_array_append_new(poly, ring) != 0 ||
		    json_array_append_new(parts, poly) != 0) {
			json_decref(ring);
			goto out;
		}
	}
	if (nparts == 1)
		geom = json_pack("{s:s,s:O}", "type", "Polygon", "coordinates",
		                 json_array_get(parts, 0));
	else
		geom = json_pack("{s:s,s:O}", "type", "MultiPolygon",
		                 "coordinates", parts);
	if (geom == NULL)
		goto out;
	/* 10 significant digits: 1e-7 degree, about 1 cm, at Jakarta's
	 * 106.8 E. */
	p->r.footprint.geojson =
	    json_dumps(geom, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (p->r.footprint.geojson == NULL)
		goto out;
	p->r.footprint.kind = FOOT_GEOMETRY;
	rc = 0;
out:
	json_decref(geom);
	json_decref(parts);
	return rc == 0 ? 0 : oom(p);
}

/*
 * Geometry wins over geocodes: BMKG sends province and regency geocodes
 * beside its polygons. One circle alone stays a circle. Kelurahan and RW
 * geocodes together become kelurahan: an RW id starts with its
 * kelurahan's digits, so the footprint only grows.
 */
static int
build_footprint(struct parse *p, xmlNodePtr info)
{
	report_footprint *f = &p->r.footprint;

	if (p->nrings + p->ncircles > 0) {
		if (p->nrings == 0 && p->ncircles == 1) {
			f->kind = FOOT_CIRCLE;
			f->lat = p->circles[0].lat;
			f->lon = p->circles[0].lon;
			f->radius_m = p->circles[0].radius_km * 1000.0;
			return 0;
		}
		return build_geometry(p);
	}
	if (p->nkel > 0) {
		for (size_t i = 0; i < p->nrw; i++) {
			uint32_t code;
			char digits10[11];
			memcpy(digits10, p->rw[i], 10);
			digits10[10] = '\0';
			if (parse_kelurahan(digits10, &code) != 0)
				return fail_at(p, info, CAP_EVALUE,
				               "RW id %s has no kelurahan code",
				               p->rw[i]);
			if (add_kel(p, code) != 0)
				return CAP_ENOMEM;
		}
		f->kind = FOOT_KELURAHAN;
		f->codes = p->kel;
		f->ncodes = p->nkel;
		p->kel = NULL;
		p->nkel = 0;
		return 0;
	}
	if (p->nrw > 0) {
		f->kind = FOOT_RW;
		f->rw_ids = p->rw;
		f->ncodes = p->nrw;
		p->rw = NULL;
		p->nrw = 0;
		return 0;
	}
	f->kind = FOOT_NONE;
	return 0;
}

/* ---- mapping --------------------------------------------------------------
 */

static int
cap_level(const char *sev)
{
	if (ieq(sev, "Extreme"))
		return 4;
	if (ieq(sev, "Severe"))
		return 3;
	if (ieq(sev, "Moderate"))
		return 2;
	if (ieq(sev, "Minor"))
		return 1;
	return 0;
}

/* A word matches as a substring ("kebanjiran" has "banjir"), except one
 * written "=word", which must stand alone: "rob" (tidal flood) is also
 * the start of "roboh" (collapsed). */
static int
any_word(const char *event, const char *const *words)
{
	for (; *words; words++) {
		const char *w = *words;
		if (w[0] != '=') {
			if (icontains(event, w))
				return 1;
			continue;
		}
		size_t n = strlen(++w);
		for (const char *s = event; *s; s++) {
			if ((s == event || !isalnum((unsigned char)s[-1])) &&
			    prefix_ieq(s, w, n) &&
			    !isalnum((unsigned char)s[n]))
				return 1;
		}
	}
	return 0;
}

/*
 * The built-in table when no config is given (docs/feed.md, "Mapping"):
 * Indonesian and English event words first, then the category.
 */
static incident_type
default_type(char **cats, size_t ncats, const char *event)
{
	static const char *const flood[] = {"banjir", "flood", "genangan",
	                                    "=rob", NULL};
	static const char *const fire[] = {"kebakaran", "fire", NULL};
	static const char *const quake[] = {"gempa", "earthquake", NULL};
	static const char *const collapse[] = {"roboh", "runtuh", "collapse",
	                                       NULL};
	static const char *const weather[] = {
	    "hujan", "angin", "cuaca", "puting beliung", "badai",
	    "rain",  "wind",  "storm", "weather",        NULL};

	if (any_word(event, flood))
		return INCIDENT_FLOOD;
	if (any_word(event, fire))
		return INCIDENT_FIRE;
	if (any_word(event, quake))
		return INCIDENT_EARTHQUAKE;
	if (any_word(event, collapse))
		return INCIDENT_COLLAPSE;
	if (any_word(event, weather))
		return INCIDENT_EXTREME_WEATHER;
	for (size_t i = 0; i < ncats; i++) {
		if (ieq(cats[i], "Fire"))
			return INCIDENT_FIRE;
		if (ieq(cats[i], "Met"))
			return INCIDENT_EXTREME_WEATHER;
	}
	return INCIDENT_OTHER;
}

static report_severity
from_alloc(const struct alloc_severity *a)
{
	report_severity s = {SEV_NONE, 0};

	switch (a->kind) {
	case ALLOC_SEV_SIAGA:
		s.kind = SEV_SIAGA;
		break;
	case ALLOC_SEV_DEPTH_CM:
		s.kind = SEV_DEPTH_CM;
		break;
	case ALLOC_SEV_LEVEL:
		s.kind = SEV_LEVEL;
		break;
	case ALLOC_SEV_EVACUATE:
		s.kind = SEV_EVACUATE;
		break;
	default:
		return s;
	}
	s.value = a->value;
	return s;
}

/* Type and base severity from the <info> elements through the config's
 * table (first rule by n over every <category>) or the built-in one. */
static int
map_info(struct parse *p, xmlNodePtr info, char **cats, size_t ncats,
         const char *event, const char *sev, const char *urg, const char *cert)
{
	if (p->cfg == NULL) {
		p->r.type = default_type(cats, ncats, event);
		int lvl = cap_level(sev);
		/* "Unlikely" (CAP: p ~ 0 to 2 %): watch, do not move people. */
		if (lvl > 0 && !ieq(cert, "Unlikely")) {
			p->r.severity.kind = SEV_LEVEL;
			p->r.severity.value = lvl;
		}
		return 0;
	}
	const struct config_cap_rule *best = NULL;
	for (size_t i = 0; i < ncats; i++) {
		const struct config_cap_rule *r =
		    config_cap_match(p->cfg, cats[i], event, sev, urg, cert);
		if (r && (best == NULL || r->n < best->n))
			best = r;
	}
	if (best == NULL)
		return fail_at(p, child(info, "event"), CAP_EVALUE,
		               "no [cap] map rule matches event \"%s\" "
		               "(category %s, severity %s, urgency %s, "
		               "certainty %s)",
		               event, ncats ? cats[0] : "-", sev, urg, cert);
	struct alloc_severity as;
	if (config_cap_severity(best, sev, &as) != 0)
		return fail_at(p, child(info, "severity"), CAP_EVALUE,
		               "severity \"%s\" cannot be mapped by [cap] "
		               "map.%u",
		               sev, best->n);
	if (best->type < 0 || best->type >= INCIDENT_NTYPES)
		return fail_at(p, child(info, "event"), CAP_EVALUE,
		               "[cap] map.%u gives an unknown incident type",
		               best->n);
	p->r.type = (incident_type)best->type;
	p->r.severity = from_alloc(&as);
	return 0;
}

/* I..IV, "Siaga II", "2" -> 1..4; -1 otherwise. */
static int
parse_siaga(const char *s)
{
	static const char *const roman[] = {"I", "II", "III", "IV"};

	if (icontains(s, "siaga") && strlen(s) > 5) {
		s += 5;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (s[0] >= '1' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 0; i < 4; i++)
		if (ieq(s, roman[i]))
			return i + 1;
	return -1;
}

static int
parse_int_range(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
truthy(const char *s)
{
	return ieq(s, "true") || ieq(s, "yes") || ieq(s, "ya") ||
	       strcmp(s, "1") == 0;
}

/* <parameter> siaga / depth_cm / evacuate / days override the mapping. */
static int
apply_parameters(struct parse *p, xmlNodePtr info)
{
	const char *sev_param = NULL;

	for (xmlNodePtr c = info->children; c; c = c->next) {
		if (!is_cap_elem(c, "parameter"))
			continue;
		char *vn = child_text(c, "valueName");
		char *val = child_text(c, "value");
		int rc = 0;
		long v;
		if (vn == NULL || val == NULL) {
			rc = oom(p);
		} else if (ieq(vn, "siaga") || ieq(vn, "depth_cm") ||
		           ieq(vn, "evacuate")) {
			if (sev_param != NULL && !ieq(sev_param, vn)) {
				rc = fail_at(p, c, CAP_EVALUE,
				             "%s and %s both given; give one "
				             "severity parameter",
				             sev_param, vn);
			} else if (ieq(vn, "siaga")) {
				int s = parse_siaga(val);
				if (s < 0) {
					rc = fail_at(p, c, CAP_EVALUE,
					             "siaga must be 1..4 (or "
					             "I..IV), got \"%s\"",
					             val);
				} else {
					p->r.severity.kind = SEV_SIAGA;
					p->r.severity.value = s;
					sev_param = "siaga";
				}
			} else if (ieq(vn, "depth_cm")) {
				if (parse_int_range(val, 0, 2000, &v) != 0) {
					rc =
					    fail_at(p, c, CAP_EVALUE,
					            "depth_cm must be 0..2000, "
					            "got \"%s\"",
					            val);
				} else {
					p->r.severity.kind = SEV_DEPTH_CM;
					p->r.severity.value = (int)v;
					sev_param = "depth_cm";
				}
			} else if (truthy(val)) {
				p->r.severity.kind = SEV_EVACUATE;
				p->r.severity.value = 1;
				sev_param = "evacuate";
			}
		} else if (ieq(vn, "days")) {
			if (parse_int_range(val, 1, 90, &v) != 0)
				rc = fail_at(p, c, CAP_EVALUE,
				             "days must be 1..90, got \"%s\"",
				             val);
			else
				p->r.days = (int)v;
		}
		free(vn);
		free(val);
		if (rc != 0)
			return rc;
	}
	/* An explicit evacuation order outranks every severity statement
	 * (CAP responseType "Evacuate": "relocate as instructed"). */
	for (xmlNodePtr c = info->children; c; c = c->next) {
		if (!is_cap_elem(c, "responseType"))
			continue;
		char *t = text_of(c);
		if (t == NULL)
			return oom(p);
		if (strcmp(t, "Evacuate") == 0) {
			p->r.severity.kind = SEV_EVACUATE;
			p->r.severity.value = 1;
		}
		free(t);
	}
	return 0;
}

static int
info_time(struct parse *p, xmlNodePtr info, const char *name, time_t *out)
{
	xmlNodePtr n = child(info, name);
	char *t;
	int rc = 0;

	if (n == NULL)
		return 1;
	if ((t = text_of(n)) == NULL)
		return oom(p);
	if (cap_time_parse(t, out) != 0)
		rc = fail_at(p, n, CAP_EVALUE, "\"%s\" is not a date-time", t);
	free(t);
	return rc;
}

static int
parse_info(struct parse *p, xmlNodePtr info, int is_alert)
{
	char *cats[16];
	size_t ncats = 0;
	char *event = NULL, *sev = NULL, *urg = NULL, *cert = NULL,
	     *headline = NULL;
	int rc;
	time_t t;

	for (xmlNodePtr c = info->children; c && ncats < 16; c = c->next)
		if (is_cap_elem(c, "category") &&
		    (cats[ncats] = text_of(c)) != NULL)
			ncats++;
	event = child_text(info, "event");
	sev = child_text(info, "severity");
	urg = child_text(info, "urgency");
	cert = child_text(info, "certainty");
	headline = child_text(info, "headline");
	if (event == NULL || sev == NULL || urg == NULL || cert == NULL) {
		rc = oom(p);
		goto out;
	}
	if ((p->m.event = strdup(event)) == NULL) {
		rc = oom(p);
		goto out;
	}
	rc = map_info(p, info, cats, ncats, event, sev, urg, cert);
	if (rc == 0)
		rc = apply_parameters(p, info);
	if (rc != 0)
		goto out;
	p->r.title = strdup(headline && *headline ? headline : event);
	if (p->r.title == NULL) {
		rc = oom(p);
		goto out;
	}
	if ((rc = info_time(p, info, "expires", &t)) < 0)
		goto out;
	if (rc == 0)
		p->r.expires = t;
	if ((rc = info_time(p, info, "onset", &t)) < 0)
		goto out;
	if (rc == 1 && (rc = info_time(p, info, "effective", &t)) < 0)
		goto out;
	if (rc == 0)
		p->r.time = t;
	rc = 0;
	for (xmlNodePtr c = info->children; c && rc == 0; c = c->next)
		if (is_cap_elem(c, "area"))
			rc = parse_area(p, c);
	if (rc == 0)
		rc = build_footprint(p, info);
	if (rc == 0 && is_alert && p->r.footprint.kind == FOOT_NONE)
		rc = fail_at(p, info, CAP_EVALUE,
		             "no <area> with a polygon, circle or kelurahan/rw "
		             "geocode: posko cannot place the alert");
out:
	for (size_t i = 0; i < ncats; i++)
		free(cats[i]);
	free(event);
	free(sev);
	free(urg);
	free(cert);
	free(headline);
	return rc;
}

/* <references>: "sender,identifier,sent" separated by white space. */
static int
parse_references(struct parse *p, xmlNodePtr node)
{
	char *text = text_of(node), *save = NULL;
	int rc = 0;
	size_t i = 0;

	if (text == NULL)
		return oom(p);
	for (char *tok = strtok_r(text, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save), i++) {
		char *c1 = strchr(tok, ','),
		     *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		time_t sent;
		if (c1 == NULL || c2 == NULL || c1 == tok || c2 == c1 + 1 ||
		    strchr(c2 + 1, ',') != NULL) {
			rc = fail_at(p, node, CAP_EVALUE,
			             "entry %zu \"%.80s\" is not "
			             "sender,identifier,sent",
			             i + 1, tok);
			break;
		}
		*c1 = *c2 = '\0';
		if (cap_time_parse(c2 + 1, &sent) != 0) {
			rc = fail_at(p, node, CAP_EVALUE,
			             "entry %zu: sent \"%.40s\" is not a "
			             "date-time",
			             i + 1, c2 + 1);
			break;
		}
		cap_ref_in *v =
		    realloc(p->m.refs, (p->m.nrefs + 1) * sizeof(*v));
		if (v == NULL) {
			rc = oom(p);
			break;
		}
		p->m.refs = v;
		cap_ref_in *r = &p->m.refs[p->m.nrefs];
		r->sender = strdup(tok);
		r->identifier = strdup(c1 + 1);
		r->sent = sent;
		p->m.nrefs++;
		if (r->sender == NULL || r->identifier == NULL) {
			rc = oom(p);
			break;
		}
	}
	free(text);
	return rc;
}

/*
 * The incident key from a CAP (sender, identifier). posko's source is 1..64
 * of [A-Za-z0-9._:-] (docs/protocol.md 1.1) and CAP senders are often
 * e-mail addresses ("bmkg@bmkg.go.id"): every other character becomes '_'
 * ("bmkg_bmkg.go.id"), the same way for an Alert and the messages that
 * reference it, so they still share one key. source_id is the identifier
 * as it is (CAP forbids spaces, commas, '<' and '&' in it).
 */
#define SOURCE_MAX 64
#define SOURCE_ID_MAX 128
static int
make_key(struct parse *p, xmlNodePtr node, const char *sender, const char *id)
{
	size_t n = strlen(sender);

	if (n == 0 || n > SOURCE_MAX)
		return fail_at(p, node, CAP_EVALUE,
		               "sender \"%.80s\" must be 1..%d characters to "
		               "key an incident",
		               sender, SOURCE_MAX);
	if (strlen(id) == 0 || strlen(id) > SOURCE_ID_MAX)
		return fail_at(p, node, CAP_EVALUE,
		               "identifier must be 1..%d characters to key an "
		               "incident",
		               SOURCE_ID_MAX);
	for (const char *s = id; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return fail_at(p, node, CAP_EVALUE,
			               "identifier has a control character");
	if ((p->r.source = strdup(sender)) == NULL ||
	    (p->r.source_id = strdup(id)) == NULL)
		return oom(p);
	for (char *s = p->r.source; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			*s = '_';
	return 0;
}

static int
parse_alert(struct parse *p, xmlNodePtr root)
{
	xmlNodePtr n;
	int rc;

	p->m.identifier = child_text(root, "identifier");
	p->m.sender = child_text(root, "sender");
	p->m.status = child_text(root, "status");
	p->m.msg_type = child_text(root, "msgType");
	char *sent = child_text(root, "sent");
	if (!p->m.identifier || !p->m.sender || !p->m.status ||
	    !p->m.msg_type || !sent) {
		free(sent);
		return oom(p);
	}
	rc = cap_time_parse(sent, &p->m.sent);
	free(sent);
	if (rc != 0)
		return fail_at(p, child(root, "sent"), CAP_EVALUE,
		               "not a date-time");
	p->r.origin = ORIGIN_CAP;
	p->r.time = p->m.sent;
	if (strcmp(p->m.msg_type, "Alert") == 0)
		p->r.action = REPORT_OPEN;
	else if (strcmp(p->m.msg_type, "Update") == 0)
		p->r.action = REPORT_UPDATE;
	else if (strcmp(p->m.msg_type, "Cancel") == 0)
		p->r.action = REPORT_CANCEL;
	else
		return fail_at(p, child(root, "msgType"), CAP_EVALUE,
		               "%s is not an incident report; posko takes "
		               "Alert, Update and Cancel",
		               p->m.msg_type);

	if (p->cfg != NULL) {
		int a = config_cap_status_allocates(p->cfg, p->m.status);
		if (a < 0)
			return fail_at(p, child(root, "status"), CAP_EVALUE,
			               "unknown status %s", p->m.status);
		p->r.exercise = a == 0;
	} else {
		p->r.exercise = strcmp(p->m.status, "Actual") != 0;
	}

	if ((n = child(root, "references")) != NULL &&
	    (rc = parse_references(p, n)) != 0)
		return rc;

	/* The incident key. */
	const char *key_sender, *key_id;
	xmlNodePtr key_node;
	if (p->r.action == REPORT_OPEN) {
		key_sender = p->m.sender;
		key_id = p->m.identifier;
		key_node = child(root, "sender");
	} else {
		if (p->m.nrefs == 0) {
			posko_seterr(p->err, p->errlen,
			       "references: an %s needs <references> naming "
			       "the alert it %s",
			       p->m.msg_type,
			       p->r.action == REPORT_UPDATE ? "updates"
			                                    : "cancels");
			return CAP_EVALUE;
		}
		const cap_ref_in *first = &p->m.refs[0];
		for (size_t i = 1; i < p->m.nrefs; i++)
			if (p->m.refs[i].sent < first->sent)
				first = &p->m.refs[i];
		key_sender = first->sender;
		key_id = first->identifier;
		key_node = n;
	}
	if ((rc = make_key(p, key_node, key_sender, key_id)) != 0)
		return rc;
	p->r.message_id = strdup(p->m.identifier);
	if (!p->r.message_id)
		return oom(p);

	/* posko reads the first <info>: BMKG sends the same alert in id and
	 * en as two blocks. */
	xmlNodePtr info = child(root, "info");
	if (p->r.action == REPORT_CANCEL) {
		p->r.type = INCIDENT_OTHER;
		if (info != NULL) {
			p->r.title = child_text(info, "headline");
			if ((p->m.event = child_text(info, "event")) == NULL)
				return oom(p);
		}
		return 0;
	}
	if (info == NULL)
		return fail_at(p, root, CAP_EVALUE,
		               "an %s needs an <info> block (posko takes the "
		               "incident type and severity from it)",
		               p->m.msg_type);
	return parse_info(p, info, p->r.action == REPORT_OPEN);
}

void
cap_meta_clear(cap_meta *m)
{
	if (m == NULL)
		return;
	free(m->sender);
	free(m->identifier);
	free(m->status);
	free(m->msg_type);
	free(m->event);
	for (size_t i = 0; i < m->nrefs; i++) {
		free(m->refs[i].sender);
		free(m->refs[i].identifier);
	}
	free(m->refs);
	memset(m, 0, sizeof(*m));
}

int
cap_parse_ex(const cap_ctx *ctx, const char *xml, size_t len,
             const struct posko_config *cfg, posko_report *out, cap_meta *meta,
             char *err, size_t errlen)
{
	struct parse p;
	xmlDocPtr doc = NULL;
	int rc;

	if (out == NULL) {
		posko_seterr(err, errlen, "alert: no report to fill");
		return CAP_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (meta)
		memset(meta, 0, sizeof(*meta));
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.err = err;
	p.errlen = errlen;
	rc = load_doc(ctx, xml, len, cfg ? cfg->daemon.max_message_bytes : 0,
	              &doc, err, errlen);
	if (rc != 0)
		return rc;
	rc = parse_alert(&p, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	parse_free_parts(&p);
	if (rc != 0) {
		posko_report_clear(&p.r);
		cap_meta_clear(&p.m);
		return rc;
	}
	*out = p.r;
	if (meta)
		*meta = p.m;
	else
		cap_meta_clear(&p.m);
	return 0;
}

int
cap_parse(const cap_ctx *ctx, const char *xml, size_t len,
          const struct posko_config *cfg, posko_report *out, char *err,
          size_t errlen)
{
	return cap_parse_ex(ctx, xml, len, cfg, out, NULL, err, errlen);
}

/* ---- out --------------------------------------------------------------------
 */

int
cap_identifier(char *buf, size_t n, const char *host, uint64_t alert_id,
               unsigned seq)
{
	int w;

	if (buf == NULL || n == 0)
		return CAP_EINVAL;
	w = snprintf(buf, n, "posko-%.64s-alert-%llu-%u",
	             host && *host ? host : "localhost",
	             (unsigned long long)alert_id, seq);
	if (w < 0 || (size_t)w >= n)
		return CAP_EINVAL;
	for (char *s = buf; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' &&
		    *s != '_')
			*s = '_';
	return 0;
}

int
cap_chain_next(cap_chain *c, cap_chain_event ev, const char *host,
               uint64_t alert_id, time_t sent, cap_msg_type *type,
               char *identifier, cap_ref *refs, size_t *nrefs)
{
	if (c == NULL || type == NULL || identifier == NULL || refs == NULL ||
	    nrefs == NULL)
		return CAP_EINVAL;
	/* A CHANGE of a chain that is not open (its state was lost) opens
	 * one: a receiver must hear about the new level. */
	if (!c->open && ev == CAP_CHAIN_CLEAR)
		return 1;
	if (!c->open) {
		memset(c, 0, sizeof(*c));
		c->first_alert = alert_id;
		*type = CAP_MSG_ALERT;
		*nrefs = 0;
	} else {
		*type = ev == CAP_CHAIN_CLEAR ? CAP_MSG_CANCEL : CAP_MSG_UPDATE;
		refs[0] = c->root;
		*nrefs = 1;
		if (strcmp(c->last.identifier, c->root.identifier) != 0)
			refs[(*nrefs)++] = c->last;
	}
	if (cap_identifier(identifier, CAP_ID_MAX, host, c->first_alert,
	                   c->seq) != 0)
		return CAP_EINVAL;
	cap_ref me;
	snprintf(me.identifier, sizeof(me.identifier), "%s", identifier);
	me.sent = sent;
	if (*type == CAP_MSG_ALERT)
		c->root = me;
	c->last = me;
	c->seq++;
	c->open = *type != CAP_MSG_CANCEL;
	return 0;
}

/* level -> CAP severity and urgency. A full shelter or people without a
 * place are a present threat to the people concerned (Severe, Immediate);
 * 95 % is Moderate; the 80 % warning is Minor and Expected. */
static void
level_to_cap(const char *kind, const char *level, const char **sev,
             const char **urg)
{
	*sev = "Minor";
	*urg = "Expected";
	if (ieq(level, "critical")) {
		*sev = "Moderate";
		*urg = "Immediate";
	}
	if (ieq(level, "full") || ieq(kind, "unplaced") || ieq(kind, "meals") ||
	    ieq(kind, "kits")) {
		*sev = "Severe";
		*urg = "Immediate";
	}
}

struct event_text {
	const char *topic;
	const char *id;
	const char *en;
};

static const struct event_text event_texts[] = {
    {"alert.shelter", "Kapasitas tempat pengungsian", "Shelter capacity"},
    {"alert.unplaced", "Pengungsi belum tertampung",
     "Evacuees without a shelter place"},
    {"alert.shortage", "Kekurangan logistik", "Relief supply shortage"},
    {"alert.depot", "Stok gudang menipis", "Depot stock running low"},
    {"alert.expiry", "Stok mendekati kedaluwarsa", "Stock close to expiry"},
};

static const struct event_text *
event_text(const char *topic)
{
	for (size_t i = 0; i < sizeof(event_texts) / sizeof(event_texts[0]);
	     i++)
		if (strcmp(event_texts[i].topic, topic) == 0)
			return &event_texts[i];
	return NULL;
}

/* Append <name>text</name> (escaped) to parent; NULL text: nothing. */
static int
add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	if (text == NULL)
		return 0;
	return xmlNewTextChild(parent, ns, (const xmlChar *)name,
	                       (const xmlChar *)text) != NULL
	           ? 0
	           : -1;
}

static int
add_time(xmlNodePtr parent, xmlNsPtr ns, const char *name, time_t t, int offset)
{
	char buf[32];

	if (cap_time_format(t, offset, buf, sizeof(buf)) != 0)
		return -1;
	return add_text(parent, ns, name, buf);
}

static int
add_pair(xmlNodePtr parent, xmlNsPtr ns, const char *elem, const char *name,
         const char *value)
{
	xmlNodePtr n = xmlNewChild(parent, ns, (const xmlChar *)elem, NULL);

	if (n == NULL)
		return -1;
	return add_text(n, ns, "valueName", name) ||
	       add_text(n, ns, "value", value);
}

static int
write_area(xmlNodePtr info, xmlNsPtr ns, const cap_alert_out *a)
{
	char buf[96];

	if (!a->has_point && a->nkelurahan == 0)
		return 0;
	xmlNodePtr area = xmlNewChild(info, ns, (const xmlChar *)"area", NULL);
	if (area == NULL ||
	    add_text(area, ns, "areaDesc", a->area_desc ? a->area_desc : "-"))
		return -1;
	if (a->has_point) {
		snprintf(buf, sizeof(buf), "%.7f,%.7f %g", a->lat, a->lon,
		         a->radius_km > 0 ? a->radius_km : 0.1);
		if (add_text(area, ns, "circle", buf))
			return -1;
	}
	for (size_t i = 0; i < a->nkelurahan; i++) {
		uint32_t c = a->kelurahan[i];
		snprintf(buf, sizeof(buf), "%02u.%02u.%02u.%04u",
		         c / 100000000u, c / 1000000u % 100, c / 10000u % 100,
		         c % 10000u);
		if (add_pair(area, ns, "geocode", "kelurahan", buf))
			return -1;
	}
	return 0;
}

/* One <info> block in lang ("id" or "en"). */
static int
write_info(xmlNodePtr root, xmlNsPtr ns, const cap_alert_out *a, int en)
{
	const struct event_text *et = event_text(a->topic);
	const char *sev, *urg;
	char headline[200], idbuf[32];
	xmlNodePtr info;

	level_to_cap(a->kind, a->level, &sev, &urg);
	if (a->msg_type == CAP_MSG_CANCEL) {
		sev = "Minor";
		urg = "Past";
	}
	info = xmlNewChild(root, ns, (const xmlChar *)"info", NULL);
	if (info == NULL)
		return -1;
	const char *event = et ? (en ? et->en : et->id) : a->topic;
	if (a->headline)
		snprintf(headline, sizeof(headline), "%s", a->headline);
	else
		snprintf(headline, sizeof(headline), "%s%s%s (%s)%s", event,
		         a->area_desc ? ": " : "",
		         a->area_desc ? a->area_desc : "", a->level,
		         a->msg_type == CAP_MSG_CANCEL
		             ? (en ? " - cleared" : " - selesai")
		             : "");
	snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)a->alert_id);
	char code[96];
	snprintf(code, sizeof(code), "%s.%s", a->topic, a->kind);
	if (add_text(info, ns, "language", en ? "en" : "id") ||
	    add_text(info, ns, "category", "Rescue") ||
	    add_text(info, ns, "event", event) ||
	    add_text(info, ns, "responseType",
	             a->msg_type == CAP_MSG_CANCEL ? "AllClear" : "Monitor") ||
	    add_text(info, ns, "urgency", urg) ||
	    add_text(info, ns, "severity", sev) ||
	    add_text(info, ns, "certainty", "Observed") ||
	    add_pair(info, ns, "eventCode", "posko", code) ||
	    (a->expires &&
	     add_time(info, ns, "expires", a->expires, a->utc_offset_min)) ||
	    add_text(info, ns, "senderName", a->sender_name) ||
	    add_text(info, ns, "headline", headline) ||
	    add_text(info, ns, "description", a->description) ||
	    add_text(info, ns, "instruction", a->instruction) ||
	    add_text(info, ns, "web", a->web) ||
	    add_text(info, ns, "contact", a->contact) ||
	    add_pair(info, ns, "parameter", "level", a->level) ||
	    add_pair(info, ns, "parameter", "posko_alert", idbuf))
		return -1;
	for (size_t i = 0; i < a->nparams; i++)
		if (a->params[i].name && a->params[i].value &&
		    add_pair(info, ns, "parameter", a->params[i].name,
		             a->params[i].value))
			return -1;
	return write_area(info, ns, a);
}

static int
check_out(const cap_alert_out *a, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (a->sender == NULL || !*a->sender || strpbrk(a->sender, " ,<&"))
		bad = "sender: required, without spaces, commas, < or &";
	else if (a->identifier == NULL || !*a->identifier ||
	         strpbrk(a->identifier, " ,<&"))
		bad = "identifier: required, without spaces, commas, < or &";
	else if (a->sent <= 0)
		bad = "sent: required";
	else if (a->topic == NULL || a->kind == NULL || a->level == NULL)
		bad = "topic, kind and level are required";
	else if (a->msg_type != CAP_MSG_ALERT && a->nrefs == 0)
		bad = "references: an Update or Cancel must reference the "
		      "Alert";
	else if (a->msg_type > CAP_MSG_CANCEL)
		bad = "msgType: unknown";
	else if (a->utc_offset_min < -14 * 60 || a->utc_offset_min > 14 * 60)
		bad = "utc_offset_min: outside -14:00..+14:00";
	else if (a->has_point &&
	         (!isfinite(a->lat) || !isfinite(a->lon) || a->lat < -90 ||
	          a->lat > 90 || a->lon < -180 || a->lon > 180))
		bad = "area: point outside lon -180..180, lat -90..90";
	for (size_t i = 0; bad == NULL && i < a->nrefs; i++)
		if (a->refs[i].identifier[0] == '\0' ||
		    strpbrk(a->refs[i].identifier, " ,<&"))
			bad = "references: an identifier is empty or has "
			      "spaces, commas, < or &";
	if (bad) {
		posko_seterr(err, errlen, "%s", bad);
		return CAP_EINVAL;
	}
	return 0;
}

int
cap_write_alert(const cap_alert_out *a, char **xml, size_t *len, char *err,
                size_t errlen)
{
	static const char *const types[] = {"Alert", "Update", "Cancel"};
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	xmlNsPtr ns;
	xmlChar *buf = NULL;
	int size = 0, rc = CAP_ENOMEM;
	char *refs = NULL;

	if (a == NULL || xml == NULL || len == NULL) {
		posko_seterr(err, errlen, "cap_write_alert: NULL argument");
		return CAP_EINVAL;
	}
	*xml = NULL;
	*len = 0;
	if ((rc = check_out(a, err, errlen)) != 0)
		return rc;
	rc = CAP_ENOMEM;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = doc ? xmlNewNode(NULL, (const xmlChar *)"alert") : NULL;
	if (root == NULL)
		goto out;
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, (const xmlChar *)CAP_NS, NULL);
	if (ns == NULL)
		goto out;
	xmlSetNs(root, ns);
	if (a->nrefs > 0) {
		size_t need = a->nrefs * (strlen(a->sender) + CAP_ID_MAX + 40);
		if ((refs = malloc(need)) == NULL)
			goto out;
		size_t off = 0;
		for (size_t i = 0; i < a->nrefs; i++) {
			char t[32];
			cap_time_format(a->refs[i].sent, a->utc_offset_min, t,
			                sizeof(t));
			off += (size_t)snprintf(
			    refs + off, need - off, "%s%s,%s,%s", i ? " " : "",
			    a->sender, a->refs[i].identifier, t);
		}
	}
	if (add_text(root, ns, "identifier", a->identifier) ||
	    add_text(root, ns, "sender", a->sender) ||
	    add_time(root, ns, "sent", a->sent, a->utc_offset_min) ||
	    add_text(root, ns, "status", a->exercise ? "Exercise" : "Actual") ||
	    add_text(root, ns, "msgType", types[a->msg_type]) ||
	    add_text(root, ns, "source", "poskod") ||
	    add_text(root, ns, "scope", "Public") ||
	    add_text(root, ns, "references", refs) ||
	    write_info(root, ns, a, 0) || write_info(root, ns, a, 1))
		goto out;
	xmlDocDumpFormatMemoryEnc(doc, &buf, &size, "UTF-8", 1);
	if (buf == NULL || size <= 0)
		goto out;
	if ((*xml = malloc((size_t)size + 1)) == NULL)
		goto out;
	memcpy(*xml, buf, (size_t)size);
	(*xml)[size] = '\0';
	*len = (size_t)size;
	rc = 0;
out:
	if (rc != 0)
		posko_seterr(err, errlen, "cap_write_alert: out of memory");
	xmlFree(buf);
	xmlFreeDoc(doc);
	free(refs);
	return rc;
}

/* ---- the compiled-in schema
 * ---------------------------------------------------- */

/*
 * BEGIN cap_schema_text: docs/cap/CAP-v1.2.xsd as a C string, compiled in
 * so poskod needs no schema path. tests/test_feed_cap.c fails when the two
 * differ. After editing the XSD, replace the lines below with the output
 * of
 *   sed -e 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$/\\n"/' docs/cap/CAP-v1.2.xsd
 * and run clang-format.
 */
static const char schema_text[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!--\n"
    "  CAP-v1.2.xsd - XML Schema for the Common Alerting Protocol 1.2, as "
    "posko\n"
    "  validates incoming alerts and checks the alerts it writes.\n"
    "\n"
    "  Written for posko from the element list, cardinalities and value lists "
    "of\n"
    "  the OASIS Standard \"Common Alerting Protocol Version 1.2\" (1 July "
    "2010),\n"
    "  section 3 (data dictionary) and section 3.3 (implementation notes). It\n"
    "  checks structure, order, required elements, enumerations and the "
    "dateTime\n"
    "  form; it deliberately keeps <polygon>, <circle> and <geocode> values "
    "as\n"
    "  plain strings: daemon/cap.c checks those itself so that a rejection "
    "can\n"
    "  say which point is wrong and why (docs/feed.md, \"CAP profile\").\n"
    "\n"
    "  The copy compiled into poskod (daemon/cap.c, cap_schema_text) must "
    "stay\n"
    "  byte-identical to this file; tests/test_feed_cap.c checks it.\n"
    "-->\n"
    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n"
    "           xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\"\n"
    "           targetNamespace=\"urn:oasis:names:tc:emergency:cap:1.2\"\n"
    "           elementFormDefault=\"qualified\"\n"
    "           attributeFormDefault=\"unqualified\"\n"
    "           version=\"1.2\">\n"
    "\n"
    "  <!-- CAP 1.2 section 3.3.2: dates are xs:dateTime with an explicit\n"
    "       numeric offset (\"2010-07-01T16:49:00-07:00\"); \"Z\" and "
    "fractions of a\n"
    "       second are not allowed. -->\n"
    "  <xs:simpleType name=\"DateTime\">\n"
    "    <xs:restriction base=\"xs:dateTime\">\n"
    "      <xs:pattern "
    "value=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+\\-][0-9]{"
    "2}:[0-9]{2}\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"Status\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Actual\"/>\n"
    "      <xs:enumeration value=\"Exercise\"/>\n"
    "      <xs:enumeration value=\"System\"/>\n"
    "      <xs:enumeration value=\"Test\"/>\n"
    "      <xs:enumeration value=\"Draft\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"MsgType\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Alert\"/>\n"
    "      <xs:enumeration value=\"Update\"/>\n"
    "      <xs:enumeration value=\"Cancel\"/>\n"
    "      <xs:enumeration value=\"Ack\"/>\n"
    "      <xs:enumeration value=\"Error\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"Scope\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Public\"/>\n"
    "      <xs:enumeration value=\"Restricted\"/>\n"
    "      <xs:enumeration value=\"Private\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"Category\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Geo\"/>\n"
    "      <xs:enumeration value=\"Met\"/>\n"
    "      <xs:enumeration value=\"Safety\"/>\n"
    "      <xs:enumeration value=\"Security\"/>\n"
    "      <xs:enumeration value=\"Rescue\"/>\n"
    "      <xs:enumeration value=\"Fire\"/>\n"
    "      <xs:enumeration value=\"Health\"/>\n"
    "      <xs:enumeration value=\"Env\"/>\n"
    "      <xs:enumeration value=\"Transport\"/>\n"
    "      <xs:enumeration value=\"Infra\"/>\n"
    "      <xs:enumeration value=\"CBRNE\"/>\n"
    "      <xs:enumeration value=\"Other\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"ResponseType\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Shelter\"/>\n"
    "      <xs:enumeration value=\"Evacuate\"/>\n"
    "      <xs:enumeration value=\"Prepare\"/>\n"
    "      <xs:enumeration value=\"Execute\"/>\n"
    "      <xs:enumeration value=\"Avoid\"/>\n"
    "      <xs:enumeration value=\"Monitor\"/>\n"
    "      <xs:enumeration value=\"Assess\"/>\n"
    "      <xs:enumeration value=\"AllClear\"/>\n"
    "      <xs:enumeration value=\"None\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"Urgency\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Immediate\"/>\n"
    "      <xs:enumeration value=\"Expected\"/>\n"
    "      <xs:enumeration value=\"Future\"/>\n"
    "      <xs:enumeration value=\"Past\"/>\n"
    "      <xs:enumeration value=\"Unknown\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <xs:simpleType name=\"Severity\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Extreme\"/>\n"
    "      <xs:enumeration value=\"Severe\"/>\n"
    "      <xs:enumeration value=\"Moderate\"/>\n"
    "      <xs:enumeration value=\"Minor\"/>\n"
    "      <xs:enumeration value=\"Unknown\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <!-- CAP 1.2 dropped \"Very Likely\" (deprecated in 1.1). -->\n"
    "  <xs:simpleType name=\"Certainty\">\n"
    "    <xs:restriction base=\"xs:string\">\n"
    "      <xs:enumeration value=\"Observed\"/>\n"
    "      <xs:enumeration value=\"Likely\"/>\n"
    "      <xs:enumeration value=\"Possible\"/>\n"
    "      <xs:enumeration value=\"Unlikely\"/>\n"
    "      <xs:enumeration value=\"Unknown\"/>\n"
    "    </xs:restriction>\n"
    "  </xs:simpleType>\n"
    "\n"
    "  <!-- eventCode, parameter and geocode: a valueName and its value. -->\n"
    "  <xs:complexType name=\"NamedValue\">\n"
    "    <xs:sequence>\n"
    "      <xs:element name=\"valueName\" type=\"xs:string\"/>\n"
    "      <xs:element name=\"value\" type=\"xs:string\"/>\n"
    "    </xs:sequence>\n"
    "  </xs:complexType>\n"
    "\n"
    "  <xs:complexType name=\"Resource\">\n"
    "    <xs:sequence>\n"
    "      <xs:element name=\"resourceDesc\" type=\"xs:string\"/>\n"
    "      <xs:element name=\"mimeType\" type=\"xs:string\"/>\n"
    "      <xs:element name=\"size\" type=\"xs:integer\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"uri\" type=\"xs:anyURI\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"derefUri\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"digest\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "    </xs:sequence>\n"
    "  </xs:complexType>\n"
    "\n"
    "  <xs:complexType name=\"Area\">\n"
    "    <xs:sequence>\n"
    "      <xs:element name=\"areaDesc\" type=\"xs:string\"/>\n"
    "      <xs:element name=\"polygon\" type=\"xs:string\" minOccurs=\"0\" "
    "maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"circle\" type=\"xs:string\" minOccurs=\"0\" "
    "maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"geocode\" type=\"cap:NamedValue\" "
    "minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"altitude\" type=\"xs:decimal\" "
    "minOccurs=\"0\"/>\n"
    "      <xs:element name=\"ceiling\" type=\"xs:decimal\" minOccurs=\"0\"/>\n"
    "    </xs:sequence>\n"
    "  </xs:complexType>\n"
    "\n"
    "  <xs:complexType name=\"Info\">\n"
    "    <xs:sequence>\n"
    "      <xs:element name=\"language\" type=\"xs:language\" minOccurs=\"0\" "
    "default=\"en-US\"/>\n"
    "      <xs:element name=\"category\" type=\"cap:Category\" "
    "maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"event\" type=\"xs:string\"/>\n"
    "      <xs:element name=\"responseType\" type=\"cap:ResponseType\" "
    "minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"urgency\" type=\"cap:Urgency\"/>\n"
    "      <xs:element name=\"severity\" type=\"cap:Severity\"/>\n"
    "      <xs:element name=\"certainty\" type=\"cap:Certainty\"/>\n"
    "      <xs:element name=\"audience\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"eventCode\" type=\"cap:NamedValue\" "
    "minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"effective\" type=\"cap:DateTime\" "
    "minOccurs=\"0\"/>\n"
    "      <xs:element name=\"onset\" type=\"cap:DateTime\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"expires\" type=\"cap:DateTime\" "
    "minOccurs=\"0\"/>\n"
    "      <xs:element name=\"senderName\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "      <xs:element name=\"headline\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"description\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "      <xs:element name=\"instruction\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "      <xs:element name=\"web\" type=\"xs:anyURI\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"contact\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "      <xs:element name=\"parameter\" type=\"cap:NamedValue\" "
    "minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"resource\" type=\"cap:Resource\" minOccurs=\"0\" "
    "maxOccurs=\"unbounded\"/>\n"
    "      <xs:element name=\"area\" type=\"cap:Area\" minOccurs=\"0\" "
    "maxOccurs=\"unbounded\"/>\n"
    "    </xs:sequence>\n"
    "  </xs:complexType>\n"
    "\n"
    "  <xs:element name=\"alert\">\n"
    "    <xs:complexType>\n"
    "      <xs:sequence>\n"
    "        <xs:element name=\"identifier\" type=\"xs:string\"/>\n"
    "        <xs:element name=\"sender\" type=\"xs:string\"/>\n"
    "        <xs:element name=\"sent\" type=\"cap:DateTime\"/>\n"
    "        <xs:element name=\"status\" type=\"cap:Status\"/>\n"
    "        <xs:element name=\"msgType\" type=\"cap:MsgType\"/>\n"
    "        <xs:element name=\"source\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "        <xs:element name=\"scope\" type=\"cap:Scope\"/>\n"
    "        <xs:element name=\"restriction\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "        <xs:element name=\"addresses\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "        <xs:element name=\"code\" type=\"xs:string\" minOccurs=\"0\" "
    "maxOccurs=\"unbounded\"/>\n"
    "        <xs:element name=\"note\" type=\"xs:string\" minOccurs=\"0\"/>\n"
    "        <xs:element name=\"references\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "        <xs:element name=\"incidents\" type=\"xs:string\" "
    "minOccurs=\"0\"/>\n"
    "        <xs:element name=\"info\" type=\"cap:Info\" minOccurs=\"0\" "
    "maxOccurs=\"unbounded\"/>\n"
    "        <!-- An enveloped XML signature (CAP 1.2 section 3.3.4). -->\n"
    "        <xs:any namespace=\"http://www.w3.org/2000/09/xmldsig#\" "
    "processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n"
    "      </xs:sequence>\n"
    "    </xs:complexType>\n"
    "  </xs:element>\n"
    "</xs:schema>\n";
/* END cap_schema_text */

const char *
cap_schema_text(void)
{
	return schema_text;
}
