/*
 * out.h — output for people: numbers, bars, tables, times, colour.
 *
 * The desk reads this at night, tired: numbers carry thousands separators
 * (1,234 in English, 1.234 in Indonesian), occupancy is a bar *and* the
 * numbers *and* a word, times are in Asia/Jakarta (WIB, UTC+7, no daylight
 * saving since 1964, so no tz database is needed), and colour is only ever
 * an extra: on a terminal, never with NO_COLOR set.
 *
 * Every function that fills a caller's buffer truncates safely and returns
 * that buffer, so calls nest inside printf arguments.
 */
#ifndef POSKO_CTL_OUT_H
#define POSKO_CTL_OUT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Big enough for any formatted number, percentage or time. */
#define OUT_NUMLEN 48

typedef struct {
	int colour;      /* ANSI colour sequences on stdout */
	int utf8;        /* block characters for bars, box lines for rules */
	char thousands;  /* ',' (en) or '.' (id) */
	char decimal;    /* '.' (en) or ',' (id) */
	int warn_pct;    /* occupancy at or above: nearly full (default 80) */
	int crit_pct;    /* occupancy at or above: critical (default 95) */
} out_style;

/* The style in force (defaults: no colour, ASCII, English, 80/95). */
void out_setup(const out_style *s);
const out_style *out_get(void);

/* Should fd get colour?  Only a terminal, never with NO_COLOR set to
 * anything non-empty (no-color.org), never with TERM=dumb. */
int out_colour_wanted(int fd);

/* Does the locale's character set (LC_CTYPE) speak UTF-8? */
int out_locale_utf8(void);

/* --- numbers ----------------------------------------------------------- */

/* 1234567 -> "1,234,567" (style separator). */
char *out_num(char *buf, size_t len, long long v);
/* 0.4567 -> "45.7%" (one decimal, style decimal mark); "-" if den is 0. */
char *out_pct(char *buf, size_t len, long long num, long long den);
/* Parse a non-negative count as typed by an operator ("1200", "1.200",
 * "1,200" are all 1200); -1 on anything else. */
long long out_parse_count(const char *s);

/* --- colour ------------------------------------------------------------ */

enum out_colour {
	OUT_PLAIN = 0,
	OUT_BOLD,
	OUT_DIM,
	OUT_RED,
	OUT_YELLOW,
	OUT_GREEN,
	OUT_CYAN,
	OUT_REVERSE,
};

/* The sequence that starts colour c ("" without colour), and the reset. */
const char *out_on(enum out_colour c);
const char *out_off(void);
/* text wrapped in colour c (or plain text) into buf. */
char *out_paint(char *buf, size_t len, enum out_colour c, const char *text);

/* --- occupancy --------------------------------------------------------- */

typedef enum {
	OCC_UNKNOWN = 0, /* no capacity known */
	OCC_OK,          /* below warn_pct */
	OCC_NEARLY_FULL, /* warn_pct .. crit_pct */
	OCC_CRITICAL,    /* crit_pct .. 100 % */
	OCC_FULL,        /* at or over capacity */
} out_occupancy;

out_occupancy out_occ_level(long long used, long long cap);
/* The word for a level, translated ("nearly full"). */
const char *out_occ_word(out_occupancy o);
enum out_colour out_occ_colour(out_occupancy o);

/* A bar of exactly width cells for used/cap, coloured by level when the
 * style has colour.  UTF-8: eighth blocks on a shaded track; ASCII: '#'
 * on '.'.  Over capacity fills the bar and ends in '!'. */
char *out_bar(char *buf, size_t len, long long used, long long cap,
              int width);

/* --- text width -------------------------------------------------------- */

/* Columns s takes on a terminal: UTF-8 aware (combining marks 0, East
 * Asian wide 2), ANSI colour sequences 0, invalid bytes 1 each. */
size_t out_width(const char *s);
/* Copy at most `cols` columns of s into buf, ending in "…" (or "~")
 * when cut; colour sequences are dropped from a cut string. */
char *out_fit(char *buf, size_t len, const char *s, size_t cols);

/* --- tables ------------------------------------------------------------ */

enum out_align { OUT_LEFT = 0, OUT_RIGHT = 1 };

typedef struct out_table out_table;

out_table *out_table_new(void);
/* Add a column (before any cell). */
void out_table_col(out_table *t, const char *head, enum out_align align);
/* Append a cell; a row ends when every column has one. */
void out_table_cell(out_table *t, const char *text);
void out_table_cellf(out_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_table_num(out_table *t, long long v);
/* A row of a two-column table: a label and its value. */
void out_table_kv(out_table *t, const char *label, const char *value);
/* A rule before the next row (totals). */
void out_table_rule(out_table *t);
size_t out_table_rows(const out_table *t);
/* Headings (none when every heading is ""), then rows, columns two
 * spaces apart, no trailing blanks. */
void out_table_print(const out_table *t, FILE *f);
void out_table_free(out_table *t);

/* --- time (Asia/Jakarta) ----------------------------------------------- */

/* Parse "2007-02-02T06:00:00+07:00" (also Z, +0700, fractional seconds,
 * a space for T, a date alone = 00:00 WIB) or seconds since the epoch.
 * 0 or -1. */
int out_time_parse(const char *s, time_t *t);
/* "2007-02-02 06:00 WIB" */
char *out_time(char *buf, size_t len, time_t t);
/* "06:00" (the board) */
char *out_clock(char *buf, size_t len, time_t t);
/* "2007-02-02", the WIB calendar day of t. */
char *out_date(char *buf, size_t len, time_t t);
/* The daemon's time value (string or number) as out_time(), or "-". */
char *out_time_str(char *buf, size_t len, const char *iso);
/* "3 d 4 h", "2 h 15 min", "5 min" (translated units). */
char *out_duration(char *buf, size_t len, long long seconds);

/* --- messages ---------------------------------------------------------- */

/* "poskoctl: " + message + "\n" on stderr. */
void out_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A progress bar on stderr when it is a terminal (import); done == total
 * ends the line. */
void out_progress(const char *what, long long done, long long total);

#endif
