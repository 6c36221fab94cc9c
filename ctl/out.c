/*
 * out.c — numbers, bars, tables, times and colour for people (out.h).
 */
#define _GNU_SOURCE
#include "ctl/out.h"

#include "ctl/lang.h"

#include <ctype.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Jakarta has kept UTC+7 (WIB) without daylight saving since 1964. */
#define WIB_OFFSET (7 * 3600)

static out_style style = {
	.colour = 0,
	.utf8 = 0,
	.thousands = ',',
	.decimal = '.',
	.warn_pct = 80,
	.crit_pct = 95,
};

void
out_setup(const out_style *s)
{
	style = *s;
	if (style.warn_pct <= 0 || style.warn_pct > 100)
		style.warn_pct = 80;
	if (style.crit_pct < style.warn_pct || style.crit_pct > 100)
		style.crit_pct = style.warn_pct > 95 ? style.warn_pct : 95;
}

const out_style *
out_get(void)
{
	return &style;
}

int
out_colour_wanted(int fd)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fd);
}

int
out_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* --- numbers ----------------------------------------------------------- */

char *
out_num(char *buf, size_t len, long long v)
{
	char digits[32];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
	                             : (unsigned long long)v;
	int n = snprintf(digits, sizeof digits, "%llu", u);
	char tmp[OUT_NUMLEN];
	size_t o = 0;
	if (v < 0)
		tmp[o++] = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			tmp[o++] = style.thousands;
		tmp[o++] = digits[i];
	}
	tmp[o] = '\0';
	snprintf(buf, len, "%s", tmp);
	return buf;
}

char *
out_pct(char *buf, size_t len, long long num, long long den)
{
	if (den <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* Tenths, rounded half up, in integers: no float surprises on the
	 * totals row (999/1000 must not print 100.0%). */
	long long tenths = (num * 1000 * 2 + den) / (den * 2);
	if (tenths == 1000 && num < den)
		tenths = 999;
	snprintf(buf, len, "%lld%c%lld%%", tenths / 10, style.decimal,
	         tenths % 10 < 0 ? -(tenths % 10) : tenths % 10);
	return buf;
}

long long
out_parse_count(const char *s)
{
	if (!s || !*s)
		return -1;
	long long v = 0;
	int digits = 0, since_sep = -1;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (*p - '0');
			digits++;
			if (since_sep >= 0)
				since_sep++;
		} else if ((*p == ',' || *p == '.') && digits > 0) {
			/* A separator must split the number in groups of
			 * three: "1.200" is 1200, "1.5" is not a count. */
			if (since_sep >= 0 && since_sep != 3)
				return -1;
			if (since_sep < 0 && digits > 3)
				return -1;
			since_sep = 0;
		} else {
			return -1;
		}
	}
	if (since_sep >= 0 && since_sep != 3)
		return -1;
	return digits ? v : -1;
}

/* --- colour ------------------------------------------------------------ */

const char *
out_on(enum out_colour c)
{
	static const char *seq[] = {
		[OUT_PLAIN] = "",        [OUT_BOLD] = "\033[1m",
		[OUT_DIM] = "\033[2m",   [OUT_RED] = "\033[1;31m",
		[OUT_YELLOW] = "\033[33m", [OUT_GREEN] = "\033[32m",
		[OUT_CYAN] = "\033[36m", [OUT_REVERSE] = "\033[7m",
	};
	if (!style.colour || c == OUT_PLAIN)
		return "";
	return seq[c];
}

const char *
out_off(void)
{
	return style.colour ? "\033[0m" : "";
}

char *
out_paint(char *buf, size_t len, enum out_colour c, const char *text)
{
	if (!style.colour || c == OUT_PLAIN)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "%s%s%s", out_on(c), text, out_off());
	return buf;
}

/* --- occupancy --------------------------------------------------------- */

out_occupancy
out_occ_level(long long used, long long cap)
{
	if (cap <= 0)
		return OCC_UNKNOWN;
	if (used >= cap)
		return OCC_FULL;
	if (used * 100 >= cap * style.crit_pct)
		return OCC_CRITICAL;
	if (used * 100 >= cap * style.warn_pct)
		return OCC_NEARLY_FULL;
	return OCC_OK;
}

const char *
out_occ_word(out_occupancy o)
{
	switch (o) {
	case OCC_OK:
		return _("room");
	case OCC_NEARLY_FULL:
		return _("nearly full");
	case OCC_CRITICAL:
		return _("almost full");
	case OCC_FULL:
		return _("full");
	case OCC_UNKNOWN:
		break;
	}
	return _("capacity unknown");
}

enum out_colour
out_occ_colour(out_occupancy o)
{
	switch (o) {
	case OCC_OK:
		return OUT_GREEN;
	case OCC_NEARLY_FULL:
		return OUT_YELLOW;
	case OCC_CRITICAL:
	case OCC_FULL:
		return OUT_RED;
	case OCC_UNKNOWN:
		break;
	}
	return OUT_DIM;
}

/* U+2588 full block down to U+258F one-eighth block, index by eighths. */
static const char *const eighths[9] = {
	"", "\u258f", "\u258e", "\u258d", "\u258c",
	"\u258b", "\u258a", "\u2589", "\u2588",
};

static size_t
append(char *buf, size_t len, size_t o, const char *s)
{
	size_t n = strlen(s);
	if (o + n + 1 > len)
		return o;
	memcpy(buf + o, s, n + 1);
	return o + n;
}

char *
out_bar(char *buf, size_t len, long long used, long long cap, int width)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (width <= 0)
		return buf;
	out_occupancy lvl = out_occ_level(used, cap);
	/* UTF-8 fills in eighths of a cell, ASCII in whole cells. */
	int per = style.utf8 ? 8 : 1;
	long long units = (long long)width * per;
	long long fill;
	if (cap <= 0)
		fill = 0;
	else if (used >= cap)
		fill = units;
	else {
		fill = (used * units + cap / 2) / cap;
		/* Never show an empty bar for a shelter with people in it,
		 * nor a full one for a shelter with room left. */
		if (used > 0 && fill == 0)
			fill = 1;
		if (fill >= units)
			fill = units - 1;
	}
	if (!style.utf8)
		fill *= 8;
	int over = cap > 0 && used > cap;
	size_t o = append(buf, len, 0, out_on(out_occ_colour(lvl)));
	int cells = 0;
	for (; fill >= 8 && cells < width; fill -= 8, cells++) {
		if (over && cells == width - 1)
			o = append(buf, len, o, "!");
		else
			o = append(buf, len, o, style.utf8 ? eighths[8] : "#");
	}
	if (fill > 0 && cells < width && style.utf8) {
		o = append(buf, len, o, eighths[fill]);
		cells++;
	}
	o = append(buf, len, o, out_off());
	if (cells < width)
		o = append(buf, len, o, out_on(OUT_DIM));
	for (; cells < width; cells++)
		o = append(buf, len, o,
		           cap <= 0 ? "?" : (style.utf8 ? "\u2591" : "."));
	if (style.colour)
		append(buf, len, o, out_off());
	return buf;
}

/* --- text width -------------------------------------------------------- */

/* Decode one UTF-8 sequence at s; *cp = code point or -1 if invalid.
 * Returns the bytes used (at least 1). */
static size_t
utf8_next(const unsigned char *s, long *cp)
{
	unsigned c = s[0];
	size_t n;
	long v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, v = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, v = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, v = c & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

static int
cp_width(long cp)
{
	if (cp < 0)
		return 1;
	if (cp == 0 || (cp >= 0x300 && cp <= 0x36f) ||
	    (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xfe20 && cp <= 0xfe2f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) ||
	    (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* Length of an ANSI CSI sequence at s ("\033[...m"), or 0. */
static size_t
csi_len(const char *s)
{
	if (s[0] != '\033' || s[1] != '[')
		return 0;
	size_t i = 2;
	while (s[i] && (isdigit((unsigned char)s[i]) || s[i] == ';'))
		i++;
	return s[i] ? i + 1 : i;
}

/* The next character of s that is shown, colour sequences skipped: where
 * it starts (the final NUL when there is none), its length in *n and its
 * code point in *cp. */
static const char *
next_shown(const char *s, size_t *n, long *cp)
{
	size_t e;
	while ((e = csi_len(s)) != 0)
		s += e;
	*n = *s ? utf8_next((const unsigned char *)s, cp) : 0;
	return s;
}

size_t
out_width(const char *s)
{
	size_t w = 0, n;
	long cp;
	if (!s)
		return 0;
	for (s = next_shown(s, &n, &cp); *s; s = next_shown(s + n, &n, &cp))
		w += (size_t)cp_width(cp);
	return w;
}

char *
out_fit(char *buf, size_t len, const char *s, size_t cols)
{
	if (len == 0)
		return buf;
	if (out_width(s) <= cols) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	const char *ell = style.utf8 ? "\u2026" : "~";
	size_t o = 0, w = 0, n;
	long cp;
	for (s = next_shown(s, &n, &cp); *s; s = next_shown(s + n, &n, &cp)) {
		size_t cw = (size_t)cp_width(cp);
		if (w + cw + 1 > cols || o + n + 4 >= len)
			break;
		memcpy(buf + o, s, n);
		o += n, w += cw;
	}
	buf[o] = '\0';
	if (cols > 0)
		append(buf, len, o, ell);
	return buf;
}

/* --- tables ------------------------------------------------------------ */

struct out_table {
	size_t ncols;
	char **heads;
	enum out_align *align;
	char **cells;     /* row-major, ncols per row */
	size_t ncells, cap;
	size_t *rule_before; /* row indices that get a rule above them */
	size_t nrules;
	int rule_pending;
};

out_table *
out_table_new(void)
{
	return calloc(1, sizeof(out_table));
}

void
out_table_col(out_table *t, const char *head, enum out_align align)
{
	if (!t || t->ncells)
		return;
	char **h = realloc(t->heads, (t->ncols + 1) * sizeof *h);
	enum out_align *a = realloc(t->align, (t->ncols + 1) * sizeof *a);
	if (h)
		t->heads = h;
	if (a)
		t->align = a;
	if (!h || !a)
		return;
	t->heads[t->ncols] = strdup(head ? head : "");
	t->align[t->ncols] = align;
	t->ncols++;
}

void
out_table_cell(out_table *t, const char *text)
{
	if (!t || !t->ncols)
		return;
	if (t->ncells % t->ncols == 0 && t->rule_pending) {
		size_t *r = realloc(t->rule_before,
		                    (t->nrules + 1) * sizeof *r);
		if (r) {
			t->rule_before = r;
			t->rule_before[t->nrules++] = t->ncells / t->ncols;
		}
		t->rule_pending = 0;
	}
	if (t->ncells == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cells, ncap * sizeof *c);
		if (!c)
			return;
		t->cells = c;
		t->cap = ncap;
	}
	t->cells[t->ncells++] = strdup(text ? text : "");
}

void
out_table_cellf(out_table *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	out_table_cell(t, buf);
}

void
out_table_num(out_table *t, long long v)
{
	char buf[OUT_NUMLEN];
	out_table_cell(t, out_num(buf, sizeof buf, v));
}

void
out_table_kv(out_table *t, const char *label, const char *value)
{
	out_table_cell(t, label);
	out_table_cell(t, value);
}

void
out_table_rule(out_table *t)
{
	if (t)
		t->rule_pending = 1;
}

size_t
out_table_rows(const out_table *t)
{
	return t && t->ncols ? (t->ncells + t->ncols - 1) / t->ncols : 0;
}

static void
pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

static void
print_row(const out_table *t, FILE *f, char *const *cells, size_t n,
          const size_t *w, int head)
{
	/* Nothing after the last non-empty cell, and no padding after a
	 * left-aligned last cell: no trailing blanks for grep and diff. */
	size_t last = 0;
	for (size_t c = 0; c < n; c++)
		if (cells[c] && cells[c][0])
			last = c;
	for (size_t c = 0; c <= last && c < n; c++) {
		const char *s = cells[c] ? cells[c] : "";
		size_t sw = out_width(s);
		size_t gap = w[c] > sw ? w[c] - sw : 0;
		if (c)
			fputs("  ", f);
		if (t->align[c] == OUT_RIGHT)
			pad(f, gap);
		if (head)
			fputs(out_on(OUT_BOLD), f);
		fputs(s, f);
		if (head)
			fputs(out_off(), f);
		if (t->align[c] == OUT_LEFT && c < last)
			pad(f, gap);
	}
	fputc('\n', f);
}

static void
print_rule(FILE *f, const size_t *w, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		if (c)
			fputs("  ", f);
		for (size_t i = 0; i < w[c]; i++)
			fputs(style.utf8 ? "\u2500" : "-", f);
	}
	fputc('\n', f);
}

void
out_table_print(const out_table *t, FILE *f)
{
	if (!t || !t->ncols)
		return;
	size_t *w = calloc(t->ncols, sizeof *w);
	if (!w)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = out_width(t->heads[c]);
	for (size_t i = 0; i < t->ncells; i++) {
		size_t sw = out_width(t->cells[i]);
		if (sw > w[i % t->ncols])
			w[i % t->ncols] = sw;
	}
	int headless = 1;
	for (size_t c = 0; c < t->ncols; c++)
		if (t->heads[c][0])
			headless = 0;
	if (!headless) {
		print_row(t, f, t->heads, t->ncols, w, 1);
		print_rule(f, w, t->ncols);
	}
	size_t rows = out_table_rows(t);
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < t->nrules; k++)
			if (t->rule_before[k] == r)
				print_rule(f, w, t->ncols);
		size_t n = t->ncells - r * t->ncols;
		print_row(t, f, t->cells + r * t->ncols,
		          n < t->ncols ? n : t->ncols, w, 0);
	}
	free(w);
}

void
out_table_free(out_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		free(t->heads[c]);
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->heads);
	free(t->align);
	free(t->cells);
	free(t->rule_before);
	free(t);
}

/* --- time -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * civil-from-days algorithm, inverted). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int
digits_at(const char *s, int n, int *out)
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
out_time_parse(const char *s, time_t *t)
{
	if (!s || !*s)
		return -1;
	size_t n = strlen(s);
	if (strspn(s, "0123456789") == n) {
		*t = (time_t)strtoll(s, NULL, 10);
		return 0;
	}
	int Y, M, D, h = 0, m = 0, sec = 0;
	if (n < 10 || digits_at(s, 4, &Y) || s[4] != '-' ||
	    digits_at(s + 5, 2, &M) || s[7] != '-' || digits_at(s + 8, 2, &D))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31)
		return -1;
	const char *p = s + 10;
	long off = WIB_OFFSET; /* no zone given: the desk's own time */
	if (*p == 'T' || *p == ' ') {
		if (digits_at(p + 1, 2, &h) || p[3] != ':' ||
		    digits_at(p + 4, 2, &m))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits_at(p + 1, 2, &sec))
				return -1;
			p += 3;
		}
		if (*p == '.' || *p == ',') {
			p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			off = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om = 0;
			int sign = *p == '-' ? -1 : 1;
			if (digits_at(p + 1, 2, &oh))
				return -1;
			p += 3;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)*p)) {
				if (digits_at(p, 2, &om))
					return -1;
				p += 2;
			}
			off = sign * (oh * 3600L + om * 60L);
		}
	}
	if (*p || h > 23 || m > 59 || sec > 60)
		return -1;
	long long days = days_from_civil(Y, (unsigned)M, (unsigned)D);
	*t = (time_t)(days * 86400 + h * 3600LL + m * 60LL + sec - off);
	return 0;
}

static void
wib_tm(time_t t, struct tm *tm)
{
	time_t local = t + WIB_OFFSET;
	gmtime_r(&local, tm);
}

char *
out_time(char *buf, size_t len, time_t t)
{
	struct tm tm;
	wib_tm(t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d WIB", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	return buf;
}

char *
out_clock(char *buf, size_t len, time_t t)
{
	struct tm tm;
	wib_tm(t, &tm);
	snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
	return buf;
}

char *
out_date(char *buf, size_t len, time_t t)
{
	struct tm tm;
	wib_tm(t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	return buf;
}

char *
out_time_str(char *buf, size_t len, const char *iso)
{
	time_t t;
	if (!iso || out_time_parse(iso, &t) != 0)
		snprintf(buf, len, "%s", iso && *iso ? iso : "-");
	else
		out_time(buf, len, t);
	return buf;
}

char *
out_duration(char *buf, size_t len, long long s)
{
	if (s < 0)
		s = 0;
	long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
	if (d > 0)
		snprintf(buf, len, _("%lld d %lld h"), d, h);
	else if (h > 0)
		snprintf(buf, len, _("%lld h %lld min"), h, m);
	else
		snprintf(buf, len, _("%lld min"), m);
	return buf;
}

/* --- messages ---------------------------------------------------------- */

void
out_err(const char *fmt, ...)
{
	va_list ap;
	fputs("poskoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
out_progress(const char *what, long long done, long long total)
{
	if (!isatty(STDERR_FILENO))
		return;
	char bar[256], a[OUT_NUMLEN], b[OUT_NUMLEN], pct[OUT_NUMLEN];
	out_style saved = style;
	style.colour = 0; /* the bar's colour means occupancy, not progress */
	style.warn_pct = 100, style.crit_pct = 100;
	out_bar(bar, sizeof bar, done, total > 0 ? total : 1, 30);
	style = saved;
	fprintf(stderr, "\r%s %s %s %s/%s", what, bar,
	        out_pct(pct, sizeof pct, done, total), out_num(a, sizeof a, done),
	        out_num(b, sizeof b, total));
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}
