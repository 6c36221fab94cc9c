/*
 * csv.h — a small RFC 4180 reader for `poskoctl import`: comma separated,
 * double quotes with "" inside, fields may span lines, CRLF or LF, a UTF-8
 * byte order mark is skipped.  Blank lines are skipped.
 */
#ifndef POSKO_CTL_CSV_H
#define POSKO_CTL_CSV_H

#include <stdio.h>

typedef struct csv_reader csv_reader;

/* Read from f (not closed by csv_close). NULL when out of memory. */
csv_reader *csv_open(FILE *f);

/* The next record: returns its number of fields, 0 at the end, -1 on an
 * unterminated quote or out of memory.  *fields stays valid until the
 * next call; *line is the line the record starts on (1-based). */
int csv_next(csv_reader *r, char ***fields, long *line);

void csv_close(csv_reader *r);

#endif
