/*
 * poskoctl output for people (ctl/out.c): thousands separators, percents,
 * counts as typed, occupancy bars, UTF-8 widths, tables, colour rules and
 * times in Asia/Jakarta.
 *
 * ctl/ is a program, not a library, so its sources are compiled in here.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl/lang.c"
#include "ctl/out.c"

static void
use_style(int colour, int utf8, char thousands, char decimal)
{
	out_style s = {colour, utf8, thousands, decimal, 80, 95};
	out_setup(&s);
}

static void
test_thousands(void **state)
{
	(void)state;
	char b[OUT_NUMLEN];
	use_style(0, 0, ',', '.');
	assert_string_equal(out_num(b, sizeof b, 0), "0");
	assert_string_equal(out_num(b, sizeof b, 999), "999");
	assert_string_equal(out_num(b, sizeof b, 1000), "1,000");
	assert_string_equal(out_num(b, sizeof b, 66894), "66,894");
	assert_string_equal(out_num(b, sizeof b, 1234567), "1,234,567");
	assert_string_equal(out_num(b, sizeof b, -1234), "-1,234");
	assert_string_equal(out_num(b, sizeof b, -999), "-999");
	assert_string_equal(out_num(b, sizeof b, INT64_MIN),
	                    "-9,223,372,036,854,775,808");
	/* Indonesian: dots between thousands (domain.md §0.1). */
	use_style(0, 0, '.', ',');
	assert_string_equal(out_num(b, sizeof b, 198300), "198.300");
	assert_string_equal(out_num(b, sizeof b, 11000000), "11.000.000");
	/* A small buffer is cut, never overrun. */
	char small[4];
	out_num(small, sizeof small, 123456);
	assert_int_equal(strlen(small), 3);
}

static void
test_percent(void **state)
{
	(void)state;
	char b[OUT_NUMLEN];
	use_style(0, 0, ',', '.');
	assert_string_equal(out_pct(b, sizeof b, 1, 3), "33.3%");
	assert_string_equal(out_pct(b, sizeof b, 2, 3), "66.7%");
	assert_string_equal(out_pct(b, sizeof b, 204, 240), "85.0%");
	assert_string_equal(out_pct(b, sizeof b, 240, 240), "100.0%");
	assert_string_equal(out_pct(b, sizeof b, 300, 240), "125.0%");
	assert_string_equal(out_pct(b, sizeof b, 0, 240), "0.0%");
	/* Not yet full must never read as 100 %. */
	assert_string_equal(out_pct(b, sizeof b, 9999, 10000), "99.9%");
	assert_string_equal(out_pct(b, sizeof b, 5, 0), "-");
	use_style(0, 0, '.', ',');
	assert_string_equal(out_pct(b, sizeof b, 1, 3), "33,3%");
}

static void
test_parse_count(void **state)
{
	(void)state;
	assert_int_equal(out_parse_count("1200"), 1200);
	assert_int_equal(out_parse_count("1.200"), 1200);
	assert_int_equal(out_parse_count("1,200"), 1200);
	assert_int_equal(out_parse_count("1.234.567"), 1234567);
	assert_int_equal(out_parse_count("0"), 0);
	assert_int_equal(out_parse_count("1.5"), -1);
	assert_int_equal(out_parse_count("12,34"), -1);
	assert_int_equal(out_parse_count("1234.567"), -1);
	assert_int_equal(out_parse_count(".100"), -1);
	assert_int_equal(out_parse_count("100."), -1);
	assert_int_equal(out_parse_count("-5"), -1);
	assert_int_equal(out_parse_count(""), -1);
	assert_int_equal(out_parse_count("5k"), -1);
	assert_int_equal(out_parse_count("99999999999999999999"), -1);
}

static void
test_width_and_fit(void **state)
{
	(void)state;
	use_style(0, 1, ',', '.');
	assert_int_equal(out_width("abc"), 3);
	assert_int_equal(out_width(""), 0);
	assert_int_equal(out_width("Caf\xc3\xa9"), 4);       /* é */
	assert_int_equal(out_width("Cafe\xcc\x81"), 4);      /* e + ◌́ */
	assert_int_equal(out_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本 */
	assert_int_equal(out_width("\033[1;31mpenuh\033[0m"), 5);
	assert_int_equal(out_width("\u2588\u2588\u2591"), 3);
	assert_int_equal(out_width("\xff" "a"), 2);
	char b[64];
	out_fit(b, sizeof b, "Masjid Jami Al-Ikhlas", 10);
	assert_int_equal(out_width(b), 10);
	assert_string_equal(b, "Masjid Ja\u2026");
	out_fit(b, sizeof b, "SDN 01", 10);
	assert_string_equal(b, "SDN 01");
	/* A wide character is not split across the limit. */
	out_fit(b, sizeof b, "\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 4);
	assert_true(out_width(b) <= 4);
	use_style(0, 0, ',', '.');
	out_fit(b, sizeof b, "Masjid Jami Al-Ikhlas", 10);
	assert_string_equal(b, "Masjid Ja~");
}

static void
test_occupancy_levels(void **state)
{
	(void)state;
	use_style(0, 0, ',', '.');
	assert_int_equal(out_occ_level(0, 100), OCC_OK);
	assert_int_equal(out_occ_level(79, 100), OCC_OK);
	assert_int_equal(out_occ_level(80, 100), OCC_NEARLY_FULL);
	assert_int_equal(out_occ_level(94, 100), OCC_NEARLY_FULL);
	assert_int_equal(out_occ_level(95, 100), OCC_CRITICAL);
	assert_int_equal(out_occ_level(99, 100), OCC_CRITICAL);
	assert_int_equal(out_occ_level(100, 100), OCC_FULL);
	assert_int_equal(out_occ_level(130, 100), OCC_FULL);
	assert_int_equal(out_occ_level(5, 0), OCC_UNKNOWN);
	assert_string_equal(out_occ_word(OCC_FULL), "full");
	assert_string_equal(out_occ_word(OCC_NEARLY_FULL), "nearly full");
}

static void
test_bar_ascii(void **state)
{
	(void)state;
	char b[256];
	use_style(0, 0, ',', '.');
	assert_string_equal(out_bar(b, sizeof b, 0, 100, 10), "..........");
	assert_string_equal(out_bar(b, sizeof b, 50, 100, 10), "#####.....");
	assert_string_equal(out_bar(b, sizeof b, 100, 100, 10), "##########");
	/* Over capacity: full, and it says so in the last cell. */
	assert_string_equal(out_bar(b, sizeof b, 150, 100, 10), "#########!");
	/* One person shows; one free place shows. */
	assert_string_equal(out_bar(b, sizeof b, 1, 1000, 10), "#.........");
	assert_string_equal(out_bar(b, sizeof b, 999, 1000, 10), "#########.");
	assert_string_equal(out_bar(b, sizeof b, 3, 0, 5), "?????");
	assert_string_equal(out_bar(b, sizeof b, 1, 2, 0), "");
}

static void
test_bar_utf8(void **state)
{
	(void)state;
	char b[256];
	use_style(0, 1, ',', '.');
	for (long long used = 0; used <= 120; used += 7) {
		out_bar(b, sizeof b, used, 100, 12);
		assert_int_equal(out_width(b), 12);
	}
	assert_string_equal(out_bar(b, sizeof b, 50, 100, 4),
	                    "\u2588\u2588\u2591\u2591");
	/* 5/8 of a cell: 2 full + U+258B */
	assert_string_equal(out_bar(b, sizeof b, 2625, 10000, 10),
	                    "\u2588\u2588\u258b\u2591\u2591\u2591\u2591\u2591"
	                    "\u2591\u2591");
	assert_string_equal(out_bar(b, sizeof b, 1, 1000, 3),
	                    "\u258f\u2591\u2591");
}

static void
test_bar_colour(void **state)
{
	(void)state;
	char b[256];
	use_style(1, 0, ',', '.');
	out_bar(b, sizeof b, 50, 100, 10);
	assert_non_null(strstr(b, "\033[32m")); /* green: room */
	out_bar(b, sizeof b, 85, 100, 10);
	assert_non_null(strstr(b, "\033[33m")); /* yellow: nearly full */
	out_bar(b, sizeof b, 96, 100, 10);
	assert_non_null(strstr(b, "\033[1;31m")); /* red */
	assert_int_equal(out_width(b), 10);
	use_style(0, 0, ',', '.');
	out_bar(b, sizeof b, 96, 100, 10);
	assert_null(strchr(b, '\033'));
	char p[64];
	assert_string_equal(out_paint(p, sizeof p, OUT_RED, "full"), "full");
}

static void
test_colour_rules(void **state)
{
	(void)state;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);

	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_true(out_colour_wanted(s));
	assert_false(out_colour_wanted(pfd[1])); /* not a terminal */
	setenv("NO_COLOR", "1", 1);
	assert_false(out_colour_wanted(s));
	setenv("NO_COLOR", "", 1); /* no-color.org: empty means unset */
	assert_true(out_colour_wanted(s));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	assert_false(out_colour_wanted(s));
	close(s);
	close(m);
	close(pfd[0]);
	close(pfd[1]);
}

static void
test_table(void **state)
{
	(void)state;
	use_style(0, 1, ',', '.');
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	out_table *t = out_table_new();
	out_table_col(t, "ID", OUT_LEFT);
	out_table_col(t, "PERSONS", OUT_RIGHT);
	out_table_col(t, "NAME", OUT_LEFT);
	out_table_cell(t, "SH-0001");
	out_table_num(t, 1234);
	out_table_cell(t, "Masjid Caf\xc3\xa9");
	out_table_cell(t, "SH-2");
	out_table_num(t, 5);
	out_table_cell(t, "\xe6\x97\xa5\xe6\x9c\xac");
	out_table_rule(t);
	out_table_cell(t, "total");
	out_table_num(t, 1239);
	out_table_cell(t, "");
	assert_int_equal(out_table_rows(t), 3);
	out_table_print(t, f);
	out_table_free(t);
	fclose(f);
	const char *want =
		"ID       PERSONS  NAME\n"
		"\u2500\u2500\u2500\u2500\u2500\u2500\u2500  "
		"\u2500\u2500\u2500\u2500\u2500\u2500\u2500  "
		"\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
		"\u2500\n"
		"SH-0001    1,234  Masjid Caf\xc3\xa9\n"
		"SH-2           5  \xe6\x97\xa5\xe6\x9c\xac\n"
		"\u2500\u2500\u2500\u2500\u2500\u2500\u2500  "
		"\u2500\u2500\u2500\u2500\u2500\u2500\u2500  "
		"\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
		"\u2500\n"
		"total      1,239\n";
	assert_string_equal(text, want);
	/* No line ends in a blank. */
	for (char *p = text; (p = strchr(p, '\n')); p++)
		assert_true(p == text || p[-1] != ' ');
	free(text);
}

static void
test_table_headless(void **state)
{
	(void)state;
	use_style(0, 0, ',', '.');
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	out_table *t = out_table_new();
	out_table_col(t, "", OUT_LEFT);
	out_table_col(t, "", OUT_RIGHT);
	out_table_cell(t, "Incidents open");
	out_table_num(t, 1);
	out_table_cell(t, "Meals due today");
	out_table_num(t, 8940);
	out_table_print(t, f);
	out_table_free(t);
	fclose(f);
	assert_string_equal(text, "Incidents open       1\n"
	                          "Meals due today  8,940\n");
	free(text);
}

static void
test_time_jakarta(void **state)
{
	(void)state;
	time_t t;
	char b[64];
	assert_int_equal(out_time_parse("2007-02-02T06:00:00+07:00", &t), 0);
	assert_int_equal((long long)t, 1170370800LL);
	assert_string_equal(out_time(b, sizeof b, t), "2007-02-02 06:00 WIB");
	assert_int_equal(out_time_parse("2007-02-01T23:00:00Z", &t), 0);
	assert_int_equal((long long)t, 1170370800LL);
	assert_int_equal(out_time_parse("2007-02-01T23:00:00.250Z", &t), 0);
	assert_int_equal((long long)t, 1170370800LL);
	assert_int_equal(out_time_parse("2007-02-02 06:00:00+0700", &t), 0);
	assert_int_equal((long long)t, 1170370800LL);
	assert_int_equal(out_time_parse("1170370800", &t), 0);
	assert_string_equal(out_clock(b, sizeof b, t), "06:00");
	/* Late evening UTC is already tomorrow in Jakarta. */
	assert_int_equal(out_time_parse("2024-12-31T17:30:00Z", &t), 0);
	assert_string_equal(out_time(b, sizeof b, t), "2025-01-01 00:30 WIB");
	assert_string_equal(out_date(b, sizeof b, t), "2025-01-01");
	/* A date alone is the start of that day in Jakarta. */
	assert_int_equal(out_time_parse("2007-02-02", &t), 0);
	assert_string_equal(out_time(b, sizeof b, t), "2007-02-02 00:00 WIB");
	assert_int_equal(out_time_parse("2024-02-29T12:00:00-05:00", &t), 0);
	assert_string_equal(out_time(b, sizeof b, t), "2024-03-01 00:00 WIB");
	assert_int_equal(out_time_parse("2007-13-01T00:00:00Z", &t), -1);
	assert_int_equal(out_time_parse("yesterday", &t), -1);
	assert_int_equal(out_time_parse("2007-02-02T06:00:00Q", &t), -1);
	assert_int_equal(out_time_parse("", &t), -1);
	assert_string_equal(out_time_str(b, sizeof b, NULL), "-");
	assert_string_equal(out_time_str(b, sizeof b, "2007-02-01T23:00:06Z"),
	                    "2007-02-02 06:00 WIB");
	/* Independent of the machine's zone. */
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_string_equal(out_time_str(b, sizeof b, "2007-02-01T23:00:06Z"),
	                    "2007-02-02 06:00 WIB");
}

static void
test_duration(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(out_duration(b, sizeof b, 59), "0 min");
	assert_string_equal(out_duration(b, sizeof b, 4500), "1 h 15 min");
	assert_string_equal(out_duration(b, sizeof b, 3 * 86400 + 4 * 3600),
	                    "3 d 4 h");
	assert_string_equal(out_duration(b, sizeof b, -5), "0 min");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousands),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_parse_count),
		cmocka_unit_test(test_width_and_fit),
		cmocka_unit_test(test_occupancy_levels),
		cmocka_unit_test(test_bar_ascii),
		cmocka_unit_test(test_bar_utf8),
		cmocka_unit_test(test_bar_colour),
		cmocka_unit_test(test_colour_rules),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_headless),
		cmocka_unit_test(test_time_jakarta),
		cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
