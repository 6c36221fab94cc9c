/* Store: the inbox (reports durable on receipt), the 1 -> 2 migration and
 * outbox trimming. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/store.h"

static char *
tmp_db(const char *name, char *path, size_t n)
{
	const char *t = getenv("TMPDIR");
	snprintf(path, n, "%s/%s-%d.db", t ? t : "/tmp", name, (int)getpid());
	unlink(path);
	return path;
}

typedef struct seen {
	int64_t ids[8];
	char raw[8][32];
	int n;
} seen;

static void
collect(int64_t id, const char *origin, const char *op, const char *raw,
	size_t len, void *arg)
{
	seen *s = arg;
	assert_true(s->n < 8);
	s->ids[s->n] = id;
	snprintf(s->raw[s->n], sizeof(s->raw[0]), "%.*s", (int)len, raw);
	s->n++;
}

static void
test_inbox_pending_and_trim(void **state)
{
	char err[256], p[512];
	store *ib;
	seen s = {0};

	assert_int_equal(store_inbox_open(tmp_db("inbox", p, sizeof(p)), &ib,
					  err, sizeof(err)),
			 0);
	assert_int_equal(store_version(ib), 1);
	assert_int_equal(store_inbox_last(ib), 0);
	assert_int_equal(store_begin(ib), 0);
	assert_int_equal(store_inbox_add(ib, 1, "json", "s", "a", NULL,
					 "{\"a\":1}", 7),
			 0);
	assert_int_equal(store_inbox_add(ib, 2, "control", "s", "b", "op",
					 "{\"b\":2}", 7),
			 0);
	assert_int_equal(store_inbox_add(ib, 3, "json", "s", "c", NULL,
					 "{\"c\":3}", 7),
			 0);
	/* the same id twice is refused: an id is one report */
	assert_int_equal(store_inbox_add(ib, 3, "json", "s", "c", NULL, "x", 1),
			 -1);
	assert_int_equal(store_commit(ib), 0);
	assert_int_equal(store_inbox_last(ib), 3);
	/* pending above the decided mark, in arrival order */
	assert_int_equal(store_inbox_pending(ib, 1, collect, &s), 2);
	assert_int_equal(s.ids[0], 2);
	assert_int_equal(s.ids[1], 3);
	assert_string_equal(s.raw[0], "{\"b\":2}");
	assert_int_equal(store_inbox_trim(ib, 2), 0);
	s.n = 0;
	assert_int_equal(store_inbox_pending(ib, 0, collect, &s), 1);
	assert_int_equal(s.ids[0], 3);
	store_close(ib);
}

static void
test_decided_mark_commits_with_the_transaction(void **state)
{
	char err[256], p[512];
	store *s;

	assert_int_equal(store_open(tmp_db("mark", p, sizeof(p)), &s, err,
				    sizeof(err)),
			 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_inbox_decided(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_inbox_set_decided(s, 5), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_inbox_decided(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_inbox_set_decided(s, 7), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_inbox_decided(s), 7);
	store_close(s);
}

static void
test_migration_from_version_1(void **state)
{
	char err[256], p[512];
	store *s;

	assert_int_equal(store_open(tmp_db("v1", p, sizeof(p)), &s, err,
				    sizeof(err)),
			 0);
	/* as a version 1 file left it: no inbox mark */
	assert_int_equal(store_exec(s, "DELETE FROM meta WHERE"
				       " key = 'inbox_decided';"
				       "PRAGMA user_version = 1"),
			 0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_inbox_decided(s), 0);
	store_close(s);
}

static int64_t
count(store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_outbox_trim(void **state)
{
	char err[256], p[512];
	store *s;

	assert_int_equal(store_open(tmp_db("trim", p, sizeof(p)), &s, err,
				    sizeof(err)),
			 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 10; i++)
		assert_true(store_outbox_add(s, "t", "{}") > 0);
	assert_int_equal(store_commit(s), 0);
	/* rows 1..4 old, the rest now; 1..8 published */
	assert_int_equal(store_exec(s, "UPDATE outbox SET time ="
				       " '2000-01-01T00:00:00Z' WHERE id <= 4"),
			 0);
	assert_int_equal(store_outbox_mark(s, 8), 0);
	/* by age: 1..4 go */
	assert_int_equal(store_outbox_trim(s, "2001-01-01T00:00:00Z", 1000,
					   1000),
			 4);
	assert_int_equal(count(s, "SELECT min(id) FROM outbox"), 5);
	/* by rows (keep 3 -> 8..10), but unpublished 9, 10 always stay and
	 * a slice is at most 2 rows */
	assert_int_equal(store_outbox_trim(s, "2001-01-01T00:00:00Z", 3, 2),
			 2);
	assert_int_equal(store_outbox_trim(s, "2001-01-01T00:00:00Z", 3, 2),
			 1);
	assert_int_equal(count(s, "SELECT count(*) FROM outbox"), 3);
	assert_int_equal(count(s, "SELECT min(id) FROM outbox"), 8);
	/* everything old and published: the unpublished stay */
	assert_int_equal(store_outbox_trim(s, "2999-01-01T00:00:00Z", 1000,
					   1000),
			 1);
	assert_int_equal(count(s, "SELECT count(*) FROM outbox"), 2);
	/* ids are never reused */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_outbox_add(s, "t", "{}"), 11);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbox_pending_and_trim),
		cmocka_unit_test(test_decided_mark_commits_with_the_transaction),
		cmocka_unit_test(test_migration_from_version_1),
		cmocka_unit_test(test_outbox_trim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
