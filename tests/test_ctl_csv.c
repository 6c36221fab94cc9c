/*
 * The CSV reader of `poskoctl import` (ctl/csv.c): quotes, "" inside
 * quotes, commas and newlines inside quotes, CRLF, a UTF-8 byte order
 * mark, blank lines, the line each record starts on (for the operator's
 * "line 17: ..." messages), and an unterminated quote.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/csv.c"

static FILE *
text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static void
test_plain_and_quoted(void **state)
{
	(void)state;
	FILE *f = text("\xef\xbb\xbfid,name,kind\r\n"
	               "SH-1,\"Masjid \"\"Al-Ikhlas\"\", Pluit\",mosque\r\n"
	               "\n"
	               "SH-2,\"Aula\nLantai 2\",office\n"
	               "SH-3,,\n"
	               "SH-4,last line without newline,tent");
	csv_reader *r = csv_open(f);
	char **v;
	long line;
	assert_int_equal(csv_next(r, &v, &line), 3);
	assert_int_equal(line, 1);
	assert_string_equal(v[0], "id"); /* BOM skipped */
	assert_string_equal(v[2], "kind");
	assert_int_equal(csv_next(r, &v, &line), 3);
	assert_int_equal(line, 2);
	assert_string_equal(v[1], "Masjid \"Al-Ikhlas\", Pluit");
	assert_string_equal(v[2], "mosque"); /* no \r */
	assert_int_equal(csv_next(r, &v, &line), 3);
	assert_int_equal(line, 4); /* the blank line 3 is skipped */
	assert_string_equal(v[1], "Aula\nLantai 2");
	assert_int_equal(csv_next(r, &v, &line), 3);
	assert_int_equal(line, 6); /* the record above took two lines */
	assert_string_equal(v[0], "SH-3");
	assert_string_equal(v[1], "");
	assert_string_equal(v[2], "");
	assert_int_equal(csv_next(r, &v, &line), 3);
	assert_int_equal(line, 7);
	assert_string_equal(v[2], "tent");
	assert_int_equal(csv_next(r, &v, &line), 0);
	assert_int_equal(csv_next(r, &v, &line), 0);
	csv_close(r);
	fclose(f);
}

static void
test_many_fields(void **state)
{
	(void)state;
	/* More fields than the reader starts with: it grows. */
	char buf[4096] = "";
	for (int i = 0; i < 100; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d",
		         i ? "," : "", i);
	strcat(buf, "\n");
	FILE *f = text(buf);
	csv_reader *r = csv_open(f);
	char **v;
	long line;
	assert_int_equal(csv_next(r, &v, &line), 100);
	assert_string_equal(v[0], "0");
	assert_string_equal(v[99], "99");
	csv_close(r);
	fclose(f);
}

static void
test_unterminated_quote(void **state)
{
	(void)state;
	FILE *f = text("a,b\n1,\"never closed\n2,3\n");
	csv_reader *r = csv_open(f);
	char **v;
	long line;
	assert_int_equal(csv_next(r, &v, &line), 2);
	assert_int_equal(csv_next(r, &v, &line), -1);
	assert_int_equal(line, 2);
	csv_close(r);
	fclose(f);
}

static void
test_empty(void **state)
{
	(void)state;
	FILE *f = text("");
	csv_reader *r = csv_open(f);
	char **v;
	long line;
	assert_int_equal(csv_next(r, &v, &line), 0);
	csv_close(r);
	fclose(f);
	f = text("\n\n\r\n");
	r = csv_open(f);
	assert_int_equal(csv_next(r, &v, &line), 0);
	csv_close(r);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_quoted),
		cmocka_unit_test(test_many_fields),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
