/*
 * geo/csv.h - internal: a small CSV line splitter (RFC 4180 quoting within
 * one line) used by the point readers.
 */
#ifndef POSKO_GEO_CSV_H
#define POSKO_GEO_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct geo_csv {
	FILE *f;
	char *line;
	size_t linecap;
	char **field;
	size_t nfield, capfield;
	long lineno; /* 1-based number of the line last read */
} geo_csv;

/* 0 or GEO_EIO (err filled). */
int geo_csv_open(geo_csv *c, const char *path, char *err, size_t errlen);
void geo_csv_close(geo_csv *c);

/*
 * Read the next non-empty line and split it into c->field[0..nfield)
 * (fields trimmed of surrounding blanks, quotes removed). Returns 1 for a
 * row, 0 at end of file, GEO_EIO on read error, GEO_EFORMAT for an
 * unterminated quote (the row is skipped, lineno set), GEO_ENOMEM.
 */
int geo_csv_next(geo_csv *c);

/* Index of the header column named `name` (case-insensitive), or -1. */
int geo_csv_col(const geo_csv *c, const char *name);

#endif
