/*
 * csv.c — RFC 4180 reader (csv.h).
 */
#define _GNU_SOURCE
#include "ctl/csv.h"

#include <stdlib.h>
#include <string.h>

struct csv_reader {
	FILE *f;
	long line;      /* lines consumed so far */
	int first;      /* BOM check pending */
	char *buf;      /* field text, NUL-separated */
	size_t len, cap;
	size_t *starts; /* offsets of fields in buf */
	char **fields;
	size_t nf, fcap;
};

csv_reader *
csv_open(FILE *f)
{
	csv_reader *r = calloc(1, sizeof *r);
	if (r) {
		r->f = f;
		r->first = 1;
	}
	return r;
}

static int
put(csv_reader *r, char c)
{
	if (r->len + 1 >= r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 256;
		char *b = realloc(r->buf, ncap);
		if (!b)
			return -1;
		r->buf = b;
		r->cap = ncap;
	}
	r->buf[r->len++] = c;
	return 0;
}

static int
end_field(csv_reader *r)
{
	if (put(r, '\0'))
		return -1;
	if (r->nf + 2 > r->fcap) {
		size_t ncap = r->fcap * 2;
		size_t *s = realloc(r->starts, ncap * sizeof *s);
		if (!s)
			return -1;
		r->starts = s;
		char **f = realloc(r->fields, ncap * sizeof *f);
		if (!f)
			return -1;
		r->fields = f;
		r->fcap = ncap;
	}
	r->nf++;
	r->starts[r->nf] = r->len; /* where the next field starts */
	return 0;
}

int
csv_next(csv_reader *r, char ***fields, long *line)
{
	for (;;) {
		r->len = 0;
		r->nf = 0;
		if (!r->starts) {
			r->starts = calloc(16, sizeof *r->starts);
			r->fields = calloc(16, sizeof *r->fields);
			if (!r->starts || !r->fields)
				return -1;
			r->fcap = 16;
		}
		r->starts[0] = 0;
		int c = fgetc(r->f);
		if (r->first) {
			r->first = 0;
			if (c == 0xef) {
				int b = fgetc(r->f), d = fgetc(r->f);
				if (b != 0xbb || d != 0xbf)
					return -1; /* not UTF-8 text */
				c = fgetc(r->f);
			}
		}
		if (c == EOF)
			return 0;
		*line = ++r->line;
		int quoted = 0, any = 0;
		for (;; c = fgetc(r->f)) {
			if (quoted) {
				if (c == EOF)
					return -1;
				if (c == '"') {
					int n = fgetc(r->f);
					if (n == '"') {
						if (put(r, '"'))
							return -1;
						continue;
					}
					quoted = 0;
					c = n;
				} else {
					if (c == '\n')
						r->line++;
					if (put(r, (char)c))
						return -1;
					continue;
				}
			}
			if (c == '"' && (r->len == r->starts[r->nf])) {
				quoted = 1;
				any = 1;
				continue;
			}
			if (c == ',') {
				if (end_field(r))
					return -1;
				any = 1;
				continue;
			}
			if (c == '\r') {
				int n = fgetc(r->f);
				if (n != '\n' && n != EOF)
					ungetc(n, r->f);
				c = '\n';
			}
			if (c == '\n' || c == EOF)
				break;
			if (put(r, (char)c))
				return -1;
			any = 1;
		}
		if (!any && r->len == 0) {
			if (c == EOF)
				return 0;
			continue; /* blank line */
		}
		if (end_field(r))
			return -1;
		for (size_t i = 0; i < r->nf; i++)
			r->fields[i] = r->buf + r->starts[i];
		*fields = r->fields;
		return (int)r->nf;
	}
}

void
csv_close(csv_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->starts);
	free(r->fields);
	free(r);
}
