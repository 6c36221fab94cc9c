/*
 * daemon/hxl.c - HXL-tagged CSV tables of the situation report (see hxl.h
 * and docs/feed.md, "HXL"). Hashtags from the HXL 1.1 dictionary
 * (anchors.md 3.4); "+hh" marks a count of households rather than people.
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/hxl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A CSV being written to memory. */
struct csv {
	FILE *f;
	char *buf;
	size_t len;
	int col; /* columns written in the current row */
};

static int
csv_open(struct csv *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	return c->f ? 0 : SITREP_ENOMEM;
}

/* One field, quoted when it holds a comma, a quote, CR/LF or leading or
 * trailing blanks (RFC 4180: quotes doubled). */
static void
field(struct csv *c, const char *s)
{
	if (c->col++)
		fputc(',', c->f);
	if (s == NULL || *s == '\0')
		return;
	size_t n = strlen(s);
	int quote =
	    strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ';
	if (!quote) {
		fputs(s, c->f);
		return;
	}
	fputc('"', c->f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', c->f);
		fputc(*s, c->f);
	}
	fputc('"', c->f);
}

static void
fieldu(struct csv *c, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	field(c, buf);
}

static void
fieldf(struct csv *c, double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.7f", v);
	field(c, buf);
}

static void
endrow(struct csv *c)
{
	fputs("\r\n", c->f);
	c->col = 0;
}

/* A row of fixed strings. */
static void
row(struct csv *c, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		field(c, cells[i]);
	endrow(c);
}

static int
csv_close(struct csv *c, char **out, size_t *len, char *err, size_t errlen)
{
	int bad = ferror(c->f);

	if (fclose(c->f) != 0 || bad || c->buf == NULL) {
		free(c->buf);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return SITREP_ENOMEM;
	}
	*out = c->buf;
	*len = c->len;
	return 0;
}

static int
check(const sitrep *s, char **out, size_t *len, char *err, size_t errlen)
{
	if (out == NULL || len == NULL)
		return SITREP_EINVAL;
	*out = NULL;
	*len = 0;
	return sitrep_check(s, err, errlen);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every table: check the arguments, open the buffer, write the header
 * row and the HXL hashtag row under it. */
static int
begin(struct csv *c, const sitrep *s, const char *const *head,
      const char *const *tags, size_t ncol, char **out, size_t *len,
      char *err, size_t errlen)
{
	int rc;

	if ((rc = check(s, out, len, err, errlen)) != 0 ||
	    (rc = csv_open(c)) != 0)
		return rc;
	row(c, head, ncol);
	row(c, tags, ncol);
	return 0;
}

static void
admin_codes(uint32_t code, char *kel, char *kec, char *city)
{
	sitrep_kelurahan_code(code, kel, 16);
	snprintf(kec, 12, "%.8s", kel);
	snprintf(city, 8, "%.5s", kel);
}

int
hxl_kelurahan(const sitrep *s, char **out, size_t *len, char *err,
              size_t errlen)
{
	static const char *const head[] = {"Date",
	                                   "Province code",
	                                   "Province",
	                                   "City code",
	                                   "City",
	                                   "Kecamatan code",
	                                   "Kecamatan",
	                                   "Kelurahan code",
	                                   "Kelurahan",
	                                   "People affected",
	                                   "Households affected",
	                                   "People displaced",
	                                   "Households displaced",
	                                   "People displaced without a place"};
	static const char *const tags[] = {"#date",
	                                   "#adm1+code",
	                                   "#adm1+name",
	                                   "#adm2+code",
	                                   "#adm2+name",
	                                   "#adm3+code",
	                                   "#adm3+name",
	                                   "#adm4+code",
	                                   "#adm4+name",
	                                   "#affected",
	                                   "#affected+hh",
	                                   "#affected+displaced",
	                                   "#affected+displaced+hh",
	                                   "#affected+displaced+unplaced"};
	struct csv c;
	char date[16], kel[16], kec[12], city[8];
	int rc;

	if ((rc = begin(&c, s, head, tags, N(head), out, len, err,
			 errlen)) != 0)
		return rc;
	sitrep_date(s, date, sizeof(date));
	for (size_t i = 0; i < s->nkelurahan; i++) {
		const sitrep_kelurahan *k = &s->kelurahan[i];
		admin_codes(k->code, kel, kec, city);
		char prov[4];
		snprintf(prov, sizeof(prov), "%.2s", kel);
		field(&c, date);
		field(&c, prov);
		/* province 31 is DKI Jakarta; another province is left
		 * unnamed rather than guessed */
		field(&c, strcmp(prov, "31") == 0 ? "DKI Jakarta" : NULL);
		field(&c, city);
		field(&c, k->city);
		field(&c, kec);
		field(&c, k->kecamatan);
		field(&c, kel);
		field(&c, k->name);
		fieldu(&c, k->affected.persons);
		fieldu(&c, k->affected.households);
		fieldu(&c, k->evacuees.persons);
		fieldu(&c, k->evacuees.households);
		fieldu(&c, k->unplaced.persons);
		endrow(&c);
	}
	return csv_close(&c, out, len, err, errlen);
}

int
hxl_shelters(const sitrep *s, char **out, size_t *len, char *err, size_t errlen)
{
	static const char *const head[] = {"Date",
	                                   "Kelurahan code",
	                                   "Shelter id",
	                                   "Shelter",
	                                   "Kind",
	                                   "Latitude",
	                                   "Longitude",
	                                   "Status",
	                                   "Capacity (people)",
	                                   "Free places",
	                                   "People registered",
	                                   "People present",
	                                   "Households registered"};
	static const char *const tags[] = {"#date",
	                                   "#adm4+code",
	                                   "#loc+code",
	                                   "#loc+name",
	                                   "#loc+type",
	                                   "#geo+lat",
	                                   "#geo+lon",
	                                   "#status",
	                                   "#capacity",
	                                   "#capacity+free",
	                                   "#affected+displaced",
	                                   "#affected+displaced+present",
	                                   "#affected+displaced+hh"};
	struct csv c;
	char date[16], kel[16];
	int rc;

	if ((rc = begin(&c, s, head, tags, N(head), out, len, err,
			 errlen)) != 0)
		return rc;
	sitrep_date(s, date, sizeof(date));
	for (size_t i = 0; i < s->nshelters; i++) {
		const sitrep_shelter *sh = &s->shelters[i];
		field(&c, date);
		field(&c, sh->kelurahan ? sitrep_kelurahan_code(
		                              sh->kelurahan, kel, sizeof(kel))
		                        : NULL);
		field(&c, sh->id);
		field(&c, sh->name);
		field(&c, sh->kind);
		fieldf(&c, sh->lat);
		fieldf(&c, sh->lon);
		field(&c, sh->state);
		fieldu(&c, sh->capacity);
		fieldu(&c, sh->capacity > sh->registered
		               ? sh->capacity - sh->registered
		               : 0);
		fieldu(&c, sh->registered);
		fieldu(&c, sh->present);
		fieldu(&c, sh->households);
		endrow(&c);
	}
	return csv_close(&c, out, len, err, errlen);
}

int
hxl_needs(const sitrep *s, char **out, size_t *len, char *err, size_t errlen)
{
	static const char *const head[] = {
	    "Date",   "Kelurahan code", "Shelter id", "Item",
	    "Needed", "Reserved",       "Delivered",  "Shortage"};
	static const char *const tags[] = {"#date",
	                                   "#adm4+code",
	                                   "#loc+code",
	                                   "#item+name",
	                                   "#value+needed",
	                                   "#value+reserved",
	                                   "#value+delivered",
	                                   "#value+shortage"};
	struct csv c;
	char date[16], kel[16];
	int rc;

	if ((rc = begin(&c, s, head, tags, N(head), out, len, err,
			 errlen)) != 0)
		return rc;
	sitrep_date(s, date, sizeof(date));
	for (size_t i = 0; i < s->nneeds; i++) {
		const sitrep_need *n = &s->needs[i];
		field(&c, date);
		field(&c, n->kelurahan ? sitrep_kelurahan_code(n->kelurahan,
		                                               kel, sizeof(kel))
		                       : NULL);
		field(&c, n->shelter);
		field(&c, n->item);
		fieldu(&c, n->needed);
		fieldu(&c, n->reserved);
		fieldu(&c, n->delivered);
		fieldu(&c, n->shortage);
		endrow(&c);
	}
	return csv_close(&c, out, len, err, errlen);
}

static void
fieldtime(struct csv *c, time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0) {
		field(c, NULL);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	field(c, buf);
}

int
hxl_incidents(const sitrep *s, char **out, size_t *len, char *err,
              size_t errlen)
{
	static const char *const head[] = {"Incident",
	                                   "Source",
	                                   "Source id",
	                                   "Type",
	                                   "Title",
	                                   "State",
	                                   "Exercise",
	                                   "Opened",
	                                   "Closed",
	                                   "People affected",
	                                   "Households affected",
	                                   "Evacuees",
	                                   "Evacuees placed",
	                                   "Evacuees without a place"};
	static const char *const tags[] = {"#event+id",
	                                   "#meta+source",
	                                   "#event+code",
	                                   "#event+type",
	                                   "#event+name",
	                                   "#status",
	                                   "#meta+exercise",
	                                   "#date+start",
	                                   "#date+end",
	                                   "#affected",
	                                   "#affected+hh",
	                                   "#affected+displaced",
	                                   "#affected+displaced+placed",
	                                   "#affected+displaced+unplaced"};
	struct csv c;
	int rc;

	if ((rc = begin(&c, s, head, tags, N(head), out, len, err,
			 errlen)) != 0)
		return rc;
	for (size_t i = 0; i < s->nincidents; i++) {
		const sitrep_incident *in = &s->incidents[i];
		fieldu(&c, in->id);
		field(&c, in->source);
		field(&c, in->source_id);
		field(&c, incident_type_name(in->type));
		field(&c, in->title);
		field(&c, in->open ? "open" : "closed");
		field(&c, in->exercise ? "yes" : "no");
		fieldtime(&c, in->opened);
		fieldtime(&c, in->closed);
		fieldu(&c, in->affected.persons);
		fieldu(&c, in->affected.households);
		fieldu(&c, in->evacuees.persons);
		fieldu(&c, in->placed.persons);
		fieldu(&c, in->unplaced.persons);
		endrow(&c);
	}
	return csv_close(&c, out, len, err, errlen);
}

hxl_writer
hxl_table(const char *name)
{
	static const struct {
		const char *name;
		hxl_writer fn;
	} tables[] = {{"kelurahan", hxl_kelurahan},
	              {"shelters", hxl_shelters},
	              {"needs", hxl_needs},
	              {"incidents", hxl_incidents}};

	for (size_t i = 0; name && i < N(tables); i++)
		if (strcmp(tables[i].name, name) == 0)
			return tables[i].fn;
	return NULL;
}
