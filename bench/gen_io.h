/* gen_io: files, CSV, JSON text and GeoJSON geometry for the scenario
 * generator.  Nothing here knows about the scenario itself. */
#ifndef GEN_IO_H
#define GEN_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <geos_c.h>
#include <jansson.h>

/* A CSV file read whole: comma separated, no quoting (the admin tables of
 * data/jakarta/ have none), first line is the header. */
struct gen_csv {
	char *buf;
	char **field; /* nrows * ncols pointers into buf */
	size_t nrows; /* data rows, header excluded */
	size_t ncols;
	char **header; /* ncols names */
};

int gen_csv_load(const char *path, struct gen_csv *csv, char *err,
                 size_t errlen);
/* Column index of `name`, or -1. */
int gen_csv_col(const struct gen_csv *csv, const char *name);
const char *gen_csv_get(const struct gen_csv *csv, size_t row, int col);
void gen_csv_free(struct gen_csv *csv);

/* "<dir>/<name>" into buf; returns buf. */
char *gen_path(char *buf, size_t len, const char *dir, const char *name);
int gen_copy_file(const char *from, const char *to, char *err, size_t errlen);

/* JSON string literal (with quotes) for UTF-8 text s. */
void gen_json_str(FILE *f, const char *s);
/* Fixed-point decimal of v with `decimals` digits, trailing zeros removed,
 * "-0" never printed.  Deterministic and locale-free.  Returns length. */
int gen_fmt_fixed(char *buf, double v, int decimals);

/* GeoJSON geometry (Polygon or MultiPolygon; Point) -> GEOS, NULL on
 * anything else. */
GEOSGeometry *gen_geom_from_json(GEOSContextHandle_t h, const json_t *g);
/* GEOS (Polygon, MultiPolygon, or a collection holding polygons, whose
 * other members are dropped) -> GeoJSON geometry object text.  Rings are
 * written as stored.  Returns 0, or -1 when nothing polygonal is left. */
int gen_geom_write(FILE *f, GEOSContextHandle_t h, const GEOSGeometry *g,
                   int decimals);
/* Only the polygonal parts of g, as a new Polygon or MultiPolygon (NULL
 * when there is none). */
GEOSGeometry *gen_geom_polygonal(GEOSContextHandle_t h, const GEOSGeometry *g);

/* g snapped to a grid of `grid` degrees (GEOS setPrecision, which keeps
 * it valid), polygonal parts only; NULL when nothing is left.  Written
 * with the grid's decimals, the output is then exactly this valid
 * geometry: rounding at write time alone can make rings cross. */
GEOSGeometry *gen_geom_snapped(GEOSContextHandle_t h, const GEOSGeometry *g,
                               double grid);

/* Progress on stderr, only when stderr is a terminal and not quiet. */
void gen_progress_init(int quiet);
void gen_progress(const char *stage, size_t done, size_t total);
void gen_progress_done(const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
