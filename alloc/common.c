/*
 * alloc/common.c - error texts, item names, day numbers, small rules shared
 * by the library.
 */
#define _POSIX_C_SOURCE 200809L

#include "alloc/common.h"
#include "alloc/internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
alloc_strerror(int err)
{
	switch (err) {
	case ALLOC_OK:
		return "ok";
	case ALLOC_EINVAL:
		return "invalid argument";
	case ALLOC_ENOMEM:
		return "out of memory";
	case ALLOC_ENOENT:
		return "not found";
	case ALLOC_EEXIST:
		return "already exists";
	case ALLOC_ESTATE:
		return "not allowed in this state";
	case ALLOC_ESTOCK:
		return "not enough stock";
	}
	return "unknown error";
}

int
alloc_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

int
alloc_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return ALLOC_OK;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / sz)
			return ALLOC_ENOMEM;
		ncap *= 2;
	}
	p = realloc(*arr, ncap * sz);
	if (p == NULL)
		return ALLOC_ENOMEM;
	*arr = p;
	*cap = ncap;
	return ALLOC_OK;
}

static const char *const item_names[ALLOC_ITEM_COUNT] = {
	"meal", "kit_adult", "kit_child", "kit_infant", "kit_family"
};

const char *
alloc_item_name(int item)
{
	if (item < 0 || item >= ALLOC_ITEM_COUNT)
		return "?";
	return item_names[item];
}

int
alloc_item_parse(const char *s)
{
	if (s == NULL)
		return ALLOC_EINVAL;
	for (int i = 0; i < ALLOC_ITEM_COUNT; i++)
		if (strcmp(s, item_names[i]) == 0)
			return i;
	return ALLOC_EINVAL;
}

/*
 * Days from civil date, the era-based algorithm (Howard Hinnant's
 * public-domain date algorithms): exact for the whole proleptic Gregorian
 * calendar, no tables, no time zone.
 */
alloc_day
alloc_day_from_ymd(int y, int m, int d)
{
	long yy = (long)y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long mp = (m + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (alloc_day)(era * 146097 + doe - 719468);
}

void
alloc_day_to_ymd(alloc_day day, int *y, int *m, int *d)
{
	long z = (long)day + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static int
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
alloc_day_parse(const char *s, alloc_day *out)
{
	int y, m, d, yy, mm, dd;
	alloc_day day;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !all_digits(s, 4) || !all_digits(s + 5, 2) ||
	    !all_digits(s + 8, 2))
		return ALLOC_EINVAL;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return ALLOC_EINVAL;
	day = alloc_day_from_ymd(y, m, d);
	/* 2023-02-30 round-trips to another date: not a real day. */
	alloc_day_to_ymd(day, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return ALLOC_EINVAL;
	*out = day;
	return ALLOC_OK;
}

char *
alloc_day_format(alloc_day day, char *buf)
{
	int y, m, d;

	if (day == ALLOC_DAY_NEVER) {
		snprintf(buf, ALLOC_DAY_BUFLEN, "never");
		return buf;
	}
	alloc_day_to_ymd(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		snprintf(buf, ALLOC_DAY_BUFLEN, "?");
	else
		snprintf(buf, ALLOC_DAY_BUFLEN, "%04d-%02d-%02d", y, m, d);
	return buf;
}

int
alloc_household_vulnerable(const struct alloc_household *h)
{
	return h->elderly || h->under5 || h->disabled || h->pregnant;
}

uint32_t
alloc_capacity_from_floor(double floor_m2)
{
	double c;

	if (!isfinite(floor_m2) || floor_m2 <= 0)
		return 0;
	c = floor(floor_m2 / ALLOC_SPHERE_M2_PER_PERSON);
	if (c > (double)UINT32_MAX - 1)
		return UINT32_MAX - 1;
	return (uint32_t)c;
}
