/* Store: migrations, journal, outbox ordering and re-publish. */
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
tmp_db(const char *name)
{
	static char path[512];
	const char *t = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/%s-%d.db", t ? t : "/tmp", name,
		 (int)getpid());
	unlink(path);
	return path;
}

static void
test_migrate_fresh_and_reopen(void **state)
{
	char err[256];
	store *s;
	char *p = tmp_db("mig");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	/* reopening an up-to-date file applies nothing and keeps data */
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_exec(s, "SELECT count(*) FROM outbox"), 0);
	store_close(s);
}

static void
test_refuses_newer_schema(void **state)
{
	char err[256];
	store *s;
	char *p = tmp_db("newer");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_exec(s, "PRAGMA user_version = 99"), 0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "newer"));
}

/* 2 -> 3 rebuilt assignments and dispatches (CHECK lists as pairs, issue
 * 5): rows kept, indexes back, the same values refused. */
static void
test_migration_3_keeps_rows_and_rules(void **state)
{
	char err[256];
	store *s;
	sqlite3_stmt *st;
	char *p = tmp_db("mig3");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(
		store_exec(s, "INSERT INTO assignments (id, incident,"
			      " household, shelter, persons, status, since)"
			      " VALUES (7, 1, 42, 'SH-1', 3, 'present', 't');"
			      "INSERT INTO dispatches (id, incident, kind,"
			      " shelter, item, qty, status, time) VALUES"
			      " (9, 1, 'meals', 'SH-1', 'meal', 30,"
			      " 'confirmed', 't');"
			      "PRAGMA user_version = 2"),
		0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(sqlite3_prepare_v2(store_db(s),
					    "SELECT (SELECT household||status"
					    " FROM assignments WHERE id=7),"
					    " (SELECT qty||status FROM"
					    " dispatches WHERE id=9),"
					    " (SELECT count(*) FROM"
					    " sqlite_schema WHERE type='index'"
					    " AND tbl_name IN ('assignments',"
					    " 'dispatches'))",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
			    "42present");
	assert_string_equal((const char *)sqlite3_column_text(st, 1),
			    "30confirmed");
	/* assignments: by incident, by shelter, by household live and
	 * ended (migration 5); dispatches: by incident, by shelter */
	assert_int_equal(sqlite3_column_int(st, 2), 6);
	sqlite3_finalize(st);
	assert_int_equal(store_exec(s, "INSERT INTO assignments (incident,"
				       " household, shelter, persons, status,"
				       " since) VALUES (1, 2, 'S', 1,"
				       " 'bogus', 't')"),
			 -1);
	assert_int_equal(store_exec(s, "INSERT INTO dispatches (incident,"
				       " kind, shelter, item, qty, status,"
				       " time) VALUES (1, 'meals', 'S',"
				       " 'meal', 1, 'bogus', 't')"),
			 -1);
	assert_int_equal(store_exec(s, "INSERT INTO assignments (incident,"
				       " household, shelter, persons, status,"
				       " since) VALUES (1, 2, 'S', 1,"
				       " 'released', 't')"),
			 0);
	store_close(s);
}

static void
test_journal_and_key_index(void **state)
{
	char err[256];
	store *s;
	store_journal j = {.origin = "json",
			   .source = "bpbd-dki",
			   .source_id = "x-1",
			   .action = "open",
			   .hash = "0123456789abcdef",
			   .raw = "{}",
			   .rawlen = 2};
	assert_int_equal(store_open(tmp_db("jr"), &s, err, sizeof(err)), 0);
	assert_int_equal(store_begin(s), 0);
	assert_true(store_journal_add(s, &j) == 1);
	assert_true(store_journal_add(s, &j) == 2);
	assert_int_equal(store_commit(s), 0);
	sqlite3_stmt *st = store_stmt(
		s, "SELECT count(*) FROM journal WHERE source='bpbd-dki'");
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	sqlite3_reset(st);
	store_close(s);
}

struct seen {
	int64_t ids[16];
	int n;
};

static int
collect(int64_t id, const char *topic, const char *time, const char *body,
	void *arg)
{
	struct seen *sn = arg;
	sn->ids[sn->n++] = id;
	return 0;
}

static void
test_outbox_rollback_and_republish(void **state)
{
	char err[256];
	store *s;
	struct seen sn = {0};
	assert_int_equal(store_open(tmp_db("ob"), &s, err, sizeof(err)), 0);
	/* a rolled-back decision leaves no event */
	assert_int_equal(store_begin(s), 0);
	assert_true(store_outbox_add(s, "a.b", "{\"x\":1}") > 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_last_event_id(s), 0);

	assert_int_equal(store_begin(s), 0);
	int64_t a = store_outbox_add(s, "a.b", "{\"x\":1}");
	int64_t b = store_outbox_add(s, "a.c", "{}");
	assert_int_equal(store_commit(s), 0);
	assert_true(b > a);
	assert_int_equal(store_outbox_unpublished(s, 0, 0, collect, &sn), 2);
	assert_true(sn.ids[0] == a && sn.ids[1] == b);
	/* not marked (a crash before marking): the same ids come again */
	sn.n = 0;
	assert_int_equal(store_outbox_unpublished(s, 0, 0, collect, &sn), 2);
	assert_true(sn.ids[0] == a);
	assert_int_equal(store_outbox_mark(s, a), 0);
	sn.n = 0;
	assert_int_equal(store_outbox_unpublished(s, 0, 0, collect, &sn), 1);
	assert_true(sn.ids[0] == b);
	/* trimmed empty: the last id stays (events.since, status), the
	 * first kept is the next one, and ids are not reused */
	int64_t first, last;
	assert_int_equal(store_event_range(s, &first, &last), 0);
	assert_true(first == a && last == b);
	assert_int_equal(store_outbox_mark(s, b), 0);
	assert_int_equal(store_exec(s, "DELETE FROM outbox"), 0);
	assert_int_equal(store_last_event_id(s), b);
	assert_int_equal(store_event_range(s, &first, &last), 0);
	assert_true(first == b + 1 && last == b);
	assert_int_equal(store_begin(s), 0);
	assert_true(store_outbox_add(s, "a.d", "{}") == b + 1);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

static void
test_event_text(void **state)
{
	size_t n;
	char *t = store_event_text(7, "alert.shelter", "2007-02-01T23:00:06Z",
				   "{\"alert\":3}", &n);
	assert_string_equal(t, "alert.shelter {\"v\":1,\"id\":7,\"time\":"
			       "\"2007-02-01T23:00:06Z\",\"alert\":3}");
	assert_int_equal(n, strlen(t));
	free(t);
	t = store_event_text(8, "x.y", "T", "{}", &n);
	assert_string_equal(t, "x.y {\"v\":1,\"id\":8,\"time\":\"T\"}");
	free(t);
}

/* Migration 4: the published flags of a v3 outbox become one number, the
 * end of the published prefix; what was not published comes again. */
static void
test_migration_4_published_prefix(void **state)
{
	char err[256];
	store *s;
	struct seen sn = {0};
	char *p = tmp_db("mig4");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(
		store_exec(s, "INSERT INTO outbox (id, topic, time, body,"
			      " published) VALUES (1, 'a.b', 't', '{}', 1),"
			      " (2, 'a.b', 't', '{}', 1),"
			      " (3, 'a.c', 't', '{}', 0),"
			      " (4, 'a.c', 't', '{}', 0);"
			      "CREATE INDEX outbox_unpub ON outbox (id)"
			      " WHERE published = 0;"
			      "DELETE FROM meta WHERE key = 'outbox_published';"
			      "PRAGMA user_version = 3"),
		0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_outbox_unpublished(s, 0, 0, collect, &sn), 2);
	assert_true(sn.ids[0] == 3 && sn.ids[1] == 4);
	/* marking never goes back */
	assert_int_equal(store_outbox_mark(s, 4), 0);
	assert_int_equal(store_outbox_mark(s, 1), 0);
	sn.n = 0;
	assert_int_equal(store_outbox_unpublished(s, 0, 0, collect, &sn), 0);
	store_close(s);
	(void)state;
}

/* The plan SQLite picks for sql: its details joined by "; ". */
static void
query_plan(store *s, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	char q[512];
	size_t n = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(store_db(s), q, -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < outlen)
		n += (size_t)snprintf(out + n, outlen - n, "%s; ",
				      (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/* sql's plan names `uses` and, when not NULL, not `never`. */
static void
plan_uses(store *s, const char *sql, const char *uses, const char *never)
{
	char plan[1024];
	query_plan(s, sql, plan, sizeof(plan));
	if (strstr(plan, uses) == NULL || (never && strstr(plan, never)))
		fail_msg("%s\n  plan: %s\n  wants %s%s%s", sql, plan, uses,
			 never ? ", not " : "", never ? never : "");
}

/* Migration 5: the household index split into live and ended rows; the
 * rows stay, the household lookups of household.find and the desk search
 * an index (not the table), and every row is in exactly one of the two. */
static void
test_migration_5_household_indexes(void **state)
{
	char err[256], plan[512];
	store *s;
	sqlite3_stmt *st;
	char *p = tmp_db("mig5");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(
		store_exec(s, "DROP INDEX assignments_hh_live;"
			      "DROP INDEX assignments_hh_ended;"
			      "CREATE INDEX assignments_hh ON assignments"
			      " (household);"
			      "INSERT INTO assignments (id, incident,"
			      " household, shelter, persons, status, since)"
			      " VALUES (7, 1, 42, 'SH-1', 3, 'released', 't'),"
			      " (8, 2, 42, 'SH-2', 3, 'present', 't'),"
			      " (9, 3, 42, 'SH-3', 3, 'checked_out', 't'),"
			      " (10, 3, 43, 'SH-3', 2, 'registered', 't');"
			      "PRAGMA user_version = 4"),
		0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	static const char *const lookups[3] = {
		"SELECT id FROM assignments WHERE household=42 AND status IN"
		" ('registered','present') ORDER BY id DESC LIMIT 1",
		"SELECT id FROM assignments WHERE household=42 AND status IN"
		" ('checked_out','released') ORDER BY id DESC LIMIT 1",
		"SELECT id, incident, shelter, status FROM assignments WHERE"
		" household=42 AND status IN ('registered','present') ORDER"
		" BY id DESC LIMIT 1"};
	static const char *const uses[3] = {"assignments_hh_live",
					    "assignments_hh_ended",
					    "assignments_hh_live"};
	static const int want[3] = {8, 9, 8};
	for (int k = 0; k < 3; k++) {
		query_plan(s, lookups[k], plan, sizeof(plan));
		assert_non_null(strstr(plan, uses[k]));
		assert_null(strstr(plan, "TEMP B-TREE"));
		assert_int_equal(sqlite3_prepare_v2(store_db(s), lookups[k], -1,
						    &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), want[k]);
		sqlite3_finalize(st);
	}
	assert_int_equal(
		sqlite3_prepare_v2(
			store_db(s),
			"SELECT (SELECT count(*) FROM assignments),"
			" (SELECT count(*) FROM assignments INDEXED BY"
			"  assignments_hh_live WHERE household > 0 AND status IN"
			"  ('registered','present')) + (SELECT count(*) FROM"
			"  assignments INDEXED BY assignments_hh_ended WHERE"
			"  household > 0 AND status IN ('checked_out',"
			"  'released')),"
			" (SELECT count(*) FROM sqlite_schema WHERE"
			"  name = 'assignments_hh')",
			-1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 4);
	assert_int_equal(sqlite3_column_int(st, 1), 4);
	assert_int_equal(sqlite3_column_int(st, 2), 0);
	sqlite3_finalize(st);
	/* a status change moves the row between them */
	assert_int_equal(store_exec(s, "UPDATE assignments SET"
				       " status='released' WHERE id=8"),
			 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(s), lookups[0], -1, &st,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	store_close(s);
	(void)state;
}

/* Migration 6: assignments by shelter indexed for the live rows only; the
 * console's and the sitrep's queries by shelter search that index, count
 * the live rows only, and a release takes the row out of it. */
/* 6 -> 7: household_history, keyed by household (household.find), and the
 * flag that has the next replay write the history of earlier closes. */
static void
test_migration_7_household_history(void **state)
{
	char err[256], plan[2048];
	store *s;
	sqlite3_stmt *st;
	char *p = tmp_db("mig7");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_exec(s, "DROP TABLE household_history;"
				       "DROP INDEX unplaced_hh;"
				       "DELETE FROM meta WHERE"
				       " key='history_backfill';"
				       "PRAGMA user_version = 6"),
			 0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(
		sqlite3_prepare_v2(store_db(s),
				   "SELECT value FROM meta WHERE"
				   " key='history_backfill'",
				   -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	/* a replayed row is ignored, not doubled */
	for (int k = 0; k < 2; k++)
		assert_int_equal(
			store_exec(s, "INSERT OR IGNORE INTO household_history"
				      " (household, incident, kind, shelter,"
				      " lo, hi, persons, under5) VALUES"
				      " (41, 1, 2, 'SH-1', 20000, 20003, 4, 1)"),
			0);
	/* control.c household_plan_fields: every table by an index */
	query_plan(s, "SELECT incident, kind, shelter, lo, hi, persons, under5"
		      " FROM household_history WHERE household=41 AND incident"
		      " IN (SELECT incident FROM assignments WHERE"
		      " household=41 AND status IN ('registered','present')"
		      " UNION SELECT incident FROM assignments WHERE"
		      " household=41 AND status IN ('checked_out','released')"
		      " UNION SELECT incident FROM unplaced WHERE"
		      " household=41)",
		   plan, sizeof(plan));
	assert_non_null(strstr(plan, "SEARCH household_history USING PRIMARY"
				     " KEY (incident=? AND household=?)"));
	assert_non_null(strstr(plan, "assignments_hh_live"));
	assert_non_null(strstr(plan, "assignments_hh_ended"));
	assert_non_null(strstr(plan, "unplaced_hh"));
	assert_null(strstr(plan, "SCAN"));
	assert_int_equal(
		sqlite3_prepare_v2(store_db(s),
				   "SELECT count(*) FROM household_history",
				   -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	store_close(s);
	(void)state;
}

/* 7 -> 8: dispatch lines indexed by day, not (shelter, day); today's
 * lines of a shelter (shelter.show) and of every shelter (shelter.list,
 * status, the sitrep) are read through it. */
static void
test_migration_8_dispatches_by_day(void **state)
{
	char err[256], plan[512];
	store *s;
	sqlite3_stmt *st;
	char *p = tmp_db("mig8");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_exec(s, "DROP INDEX dispatches_day;"
				       "CREATE INDEX dispatches_sh ON"
				       " dispatches (shelter, day);"
				       "PRAGMA user_version = 7"),
			 0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	query_plan(s, "SELECT id FROM dispatches WHERE shelter='SH-1' AND"
		      " kind='meals' AND day='2007-02-02' AND"
		      " status!='released'",
		   plan, sizeof(plan));
	assert_non_null(strstr(plan, "dispatches_day"));
	assert_int_equal(
		sqlite3_prepare_v2(store_db(s),
				   "SELECT count(*) FROM sqlite_schema WHERE"
				   " name='dispatches_sh'",
				   -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	store_close(s);
	(void)state;
}

/* Migration 9: status reads only what is live, by indexes: the open
 * incidents (incidents_open), the families in shelters (the live
 * assignments' partial index), today's planned meals through the open
 * incidents' planned lines (dispatches_inc, not every line of the day). */
static void
test_migration_9_status_indexes(void **state)
{
	char err[256];
	store *s;
	char *p = tmp_db("mig9");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_exec(s, "DROP INDEX incidents_open;"
				       "PRAGMA user_version = 8"),
			 0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	/* control.c cmd_status */
	plan_uses(s, "SELECT coalesce(sum(exercise = 0), 0),"
		     " coalesce(sum(affected_p), 0) FROM incidents"
		     " WHERE state = 'open'",
		  "incidents_open", NULL);
	plan_uses(s, "SELECT coalesce(sum(persons),0) FROM assignments WHERE"
		     " status IN ('registered','present') AND status='present'",
		  "USING INDEX assignments_", "assignments_hh_ended");
	/* status's and shelter.list's meals due today */
	plan_uses(s, "SELECT shelter, sum(qty) FROM dispatches WHERE"
		     TODAY_PLANNED_MEALS " GROUP BY shelter",
		  "dispatches_inc", "dispatches_day");
	plan_uses(s, "SELECT sum(qty) FROM dispatches WHERE" TODAY_PLANNED_MEALS,
		  "incidents_open", "dispatches_day");
	/* control.c cmd_report_spm's per-family lookups: by the family's
	 * incident, never a walk of the day's lines for each family */
	plan_uses(s, "SELECT a.household, EXISTS (SELECT 1 FROM dispatches d"
		     " WHERE d.incident=a.incident AND d.shelter=a.shelter AND"
		     " d.kind='meals' AND +d.day=?1 AND d.status IN"
		     " ('planned','confirmed') AND d.qty > 0) FROM assignments"
		     " a JOIN incidents i ON i.id=a.incident WHERE a.status IN"
		     " ('registered','present') AND i.start_day <= ?3 AND"
		     " ?3 < i.start_day + i.days ORDER BY a.household",
		  "dispatches_inc", "dispatches_day");
	store_close(s);
	(void)state;
}

static void
test_migration_6_shelter_live_index(void **state)
{
	char err[256], plan[512];
	store *s;
	sqlite3_stmt *st;
	char *p = tmp_db("mig6");
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(
		store_exec(s, "DROP INDEX assignments_sh_live;"
			      "CREATE INDEX assignments_sh ON assignments"
			      " (shelter, status);"
			      "INSERT INTO assignments (id, incident,"
			      " household, shelter, persons, status, since)"
			      " VALUES (7, 1, 41, 'SH-1', 3, 'released', 't'),"
			      " (8, 2, 42, 'SH-1', 4, 'present', 't'),"
			      " (9, 3, 43, 'SH-1', 5, 'checked_out', 't'),"
			      " (10, 3, 44, 'SH-1', 2, 'registered', 't');"
			      "PRAGMA user_version = 5"),
		0);
	store_close(s);
	assert_int_equal(store_open(p, &s, err, sizeof(err)), 0);
	assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
	/* control.c shelter.show and the sitrep's join (feedwire.c) */
	static const char *const q[2] = {
		"SELECT sum(persons) FROM assignments WHERE shelter='SH-1'"
		" AND status IN ('registered','present')",
		"SELECT coalesce(sum(a.persons),0) FROM (SELECT 'SH-1' AS id)"
		" s LEFT JOIN assignments a ON a.shelter=s.id AND a.status IN"
		" ('registered','present') GROUP BY s.id"};
	for (int k = 0; k < 2; k++) {
		query_plan(s, q[k], plan, sizeof(plan));
		assert_non_null(strstr(plan, "assignments_sh_live"));
		assert_int_equal(
			sqlite3_prepare_v2(store_db(s), q[k], -1, &st, NULL),
			SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 6);
		sqlite3_finalize(st);
	}
	/* a release leaves the index; the old one is gone */
	assert_int_equal(store_exec(s, "UPDATE assignments SET"
				       " status='released' WHERE id=8"),
			 0);
	assert_int_equal(
		sqlite3_prepare_v2(
			store_db(s),
			"SELECT (SELECT count(*) FROM assignments INDEXED BY"
			"  assignments_sh_live WHERE shelter='SH-1' AND status"
			"  IN ('registered','present')),"
			" (SELECT count(*) FROM sqlite_schema WHERE"
			"  name = 'assignments_sh')",
			-1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	sqlite3_finalize(st);
	store_close(s);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_fresh_and_reopen),
		cmocka_unit_test(test_refuses_newer_schema),
		cmocka_unit_test(test_migration_3_keeps_rows_and_rules),
		cmocka_unit_test(test_migration_4_published_prefix),
		cmocka_unit_test(test_migration_5_household_indexes),
		cmocka_unit_test(test_migration_6_shelter_live_index),
		cmocka_unit_test(test_migration_7_household_history),
	    cmocka_unit_test(test_migration_9_status_indexes),
		cmocka_unit_test(test_migration_8_dispatches_by_day),
		cmocka_unit_test(test_journal_and_key_index),
		cmocka_unit_test(test_outbox_rollback_and_republish),
		cmocka_unit_test(test_event_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
