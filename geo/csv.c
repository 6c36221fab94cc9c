#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geo/csv.h"
#include "geo/geo.h"

int
geo_csv_open(geo_csv *c, const char *path, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->f = fopen(path, "r");
	if (c->f == NULL)
		return geo_seterr(err, errlen, GEO_EIO, "%s: cannot open: %m",
		                  path);
	return 0;
}

void
geo_csv_close(geo_csv *c)
{
	if (c->f != NULL)
		fclose(c->f);
	free(c->line);
	free(c->field);
	memset(c, 0, sizeof *c);
}

static int
push(geo_csv *c, char *s)
{
	if (c->nfield == c->capfield) {
		size_t cap = c->capfield ? c->capfield * 2 : 16;
		char **f = realloc(c->field, cap * sizeof *f);

		if (f == NULL)
			return GEO_ENOMEM;
		c->field = f;
		c->capfield = cap;
	}
	c->field[c->nfield++] = s;
	return 0;
}

static char *
trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

/* Split in place. */
static int
split(geo_csv *c, char *p)
{
	c->nfield = 0;
	for (;;) {
		char *start, *w;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			start = w = ++p;
			for (;;) {
				if (*p == '\0')
					return GEO_EFORMAT;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ',' && *p != '\0')
				return GEO_EFORMAT;
			*w = '\0';
			if (push(c, start) != 0)
				return GEO_ENOMEM;
		} else {
			start = p;
			while (*p != ',' && *p != '\0')
				p++;
			{
				char save = *p;

				if (push(c, trim(start, p)) != 0)
					return GEO_ENOMEM;
				*p = save;
			}
		}
		if (*p == '\0')
			return 0;
		*p++ = '\0';
	}
}

int
geo_csv_next(geo_csv *c)
{
	ssize_t n;

	for (;;) {
		errno = 0;
		n = getline(&c->line, &c->linecap, c->f);
		if (n < 0)
			return ferror(c->f) ? GEO_EIO : 0;
		c->lineno++;
		while (n > 0 &&
		       (c->line[n - 1] == '\n' || c->line[n - 1] == '\r'))
			c->line[--n] = '\0';
		if (c->lineno == 1 && n >= 3 &&
		    memcmp(c->line, "\xef\xbb\xbf", 3) == 0)
			memmove(c->line, c->line + 3, (size_t)n - 2);
		if (c->line[strspn(c->line, " \t")] == '\0')
			continue;
		n = split(c, c->line);
		return n == 0 ? 1 : (int)n;
	}
}

int
geo_csv_col(const geo_csv *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nfield; i++)
		if (strcasecmp(c->field[i], name) == 0)
			return (int)i;
	return -1;
}
