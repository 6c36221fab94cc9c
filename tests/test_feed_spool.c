/*
 * tests/test_feed_spool.c - the spool directory (daemon/spool.c): files are
 * judged and moved to done/ or failed/ with a reason file, never lost;
 * the libuv watch picks up new files; atomic writes.
 *
 * Works under $TMPDIR (tests/run.sh gives each test its own).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/spool.h"

struct seen {
	int calls;
	int stop_after; /* uv_stop() after this many calls */
	int errors;
	char last[256];
	char last_error[600];
	spool_verdict_t verdict; /* what to answer (PENDING, ...) */
	uv_loop_t *loop;
};

/* Files whose content starts with "ok" are accepted, others fail. */
static spool_verdict_t
judge(void *data, spool *s, const char *name, const char *buf, size_t len,
      char *reason, size_t reasonlen)
{
	struct seen *seen = data;

	(void)s;
	seen->calls++;
	snprintf(seen->last, sizeof(seen->last), "%s", name);
	assert_int_equal(strlen(buf), len);
	if (seen->stop_after && seen->calls >= seen->stop_after)
		uv_stop(seen->loop);
	if (seen->verdict == SPOOL_PENDING)
		return SPOOL_PENDING;
	if (strncmp(buf, "ok", 2) == 0) {
		snprintf(reason, reasonlen, "accepted as incident 7");
		return SPOOL_DONE;
	}
	snprintf(reason, reasonlen, "alert: not well-formed XML (line 1)");
	return SPOOL_FAILED;
}

static void
on_error(void *data, const char *name, const char *msg)
{
	struct seen *seen = data;

	seen->errors++;
	snprintf(seen->last_error, sizeof(seen->last_error), "%s: %s", name,
	         msg);
}

static char base[512];

static void
put(const char *rel, const char *text)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int
exists(const char *rel)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return stat(path, &st) == 0;
}

static char *
get(const char *rel)
{
	static char buf[1024];
	char path[700];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(base, sizeof(base), "%s/spool-test-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(base) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sh("rm -rf '%s'", base);
	return 0;
}

static spool *
make(uv_loop_t *loop, struct seen *seen, size_t max_bytes)
{
	spool_opts o = {.dir = base,
	                .max_bytes = max_bytes,
	                .settle_ms = 20,
	                .on_file = judge,
	                .on_error = on_error,
	                .data = seen};
	char err[256];
	spool *s = spool_new(loop, &o, err, sizeof(err));

	assert_non_null(s);
	if (spool_start(s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return s;
}

static void
close_spool(uv_loop_t *loop, spool *s)
{
	spool_close(s);
	uv_run(loop, UV_RUN_DEFAULT); /* lets the handles close */
	assert_int_equal(uv_loop_close(loop), 0);
}

static void
scan_moves_with_reasons(void **state)
{
	uv_loop_t loop;
	struct seen seen = {0};
	spool *s;

	(void)state;
	uv_loop_init(&loop);
	seen.loop = &loop;
	s = make(&loop, &seen, 64);
	put("a.xml", "ok <alert/>");
	put("b.json", "{broken");
	put("C.XML", "ok upper-case extension");
	put("notes.txt", "not a feed file");
	put(".c.xml.tmp", "a writer's temporary");
	put("big.xml", "ok but far too long for the 64-byte limit of this "
	               "spool, so it fails unread");

	assert_int_equal(spool_scan(s), 3); /* big.xml not handed over */
	assert_int_equal(seen.calls, 3);
	assert_true(exists("done/a.xml"));
	assert_string_equal(get("done/a.xml"), "ok <alert/>");
	assert_string_equal(get("done/a.xml.reason"),
	                    "done: accepted as incident 7\n");
	assert_true(exists("done/C.XML"));
	assert_true(exists("failed/b.json"));
	assert_string_equal(get("failed/b.json.reason"),
	                    "failed: alert: not well-formed XML (line 1)\n");
	assert_true(exists("failed/big.xml"));
	assert_non_null(
	    strstr(get("failed/big.xml.reason"), "over the limit of 64"));
	assert_false(exists("a.xml"));
	assert_false(exists("b.json"));
	assert_true(exists("notes.txt"));  /* not ours: left alone */
	assert_true(exists(".c.xml.tmp")); /* hidden: left alone */
	assert_int_equal(seen.errors, 0);

	/* the same name again: kept beside the first, not overwritten */
	put("a.xml", "ok second");
	assert_int_equal(spool_scan(s), 1);
	assert_string_equal(get("done/a.xml"), "ok <alert/>");
	assert_string_equal(get("done/a.xml.1"), "ok second");
	assert_true(exists("done/a.xml.1.reason"));
	assert_int_equal(spool_scan(s), 0);
	close_spool(&loop, s);
	sh("rm -rf '%s'/done '%s'/failed '%s'/notes.txt", base);
	sh("rm -f '%s'/.c.xml.tmp", base);
}

/* done/ replaced by a plain file: the move fails, the file stays, is
 * reported once, is not handed over again, and moves once done/ is
 * back. */
static void
unmovable_file_is_never_lost(void **state)
{
	uv_loop_t loop;
	struct seen seen = {0};
	spool *s;

	(void)state;
	uv_loop_init(&loop);
	seen.loop = &loop;
	s = make(&loop, &seen, 0);
	sh("rmdir '%s'/done && touch '%s'/done", base);
	put("x.xml", "ok stuck");
	assert_int_equal(spool_scan(s), 1);
	assert_true(exists("x.xml"));
	assert_int_equal(spool_stuck(s), 1);
	assert_int_equal(seen.errors, 1);
	assert_non_null(strstr(seen.last_error, "x.xml: cannot move to done/"));
	assert_int_equal(spool_scan(s), 0); /* not judged twice */
	assert_int_equal(seen.calls, 1);
	assert_true(exists("x.xml"));

	sh("rm '%s'/done && mkdir '%s'/done", base);
	assert_int_equal(spool_scan(s), 0);
	assert_int_equal(spool_stuck(s), 0);
	assert_false(exists("x.xml"));
	assert_string_equal(get("done/x.xml"), "ok stuck");
	assert_string_equal(get("done/x.xml.reason"),
	                    "done: accepted as incident 7\n");
	assert_int_equal(seen.calls, 1);
	close_spool(&loop, s);
	sh("rm -rf '%s'/done '%s'/failed", base);
}

static void
pending_verdict(void **state)
{
	uv_loop_t loop;
	struct seen seen = {.verdict = SPOOL_PENDING};
	spool *s;

	(void)state;
	uv_loop_init(&loop);
	seen.loop = &loop;
	s = make(&loop, &seen, 0);
	put("p.xml", "whatever");
	assert_int_equal(spool_scan(s), 1);
	assert_int_equal(spool_pending(s), 1);
	assert_true(exists("p.xml"));
	assert_int_equal(spool_scan(s), 0); /* pending: not again */
	assert_int_equal(spool_verdict(s, "p.xml", SPOOL_FAILED,
	                               "references: unknown alert"),
	                 0);
	assert_int_equal(spool_pending(s), 0);
	assert_string_equal(get("failed/p.xml.reason"),
	                    "failed: references: unknown alert\n");
	assert_int_equal(spool_verdict(s, "p.xml", SPOOL_DONE, "x"),
	                 SPOOL_EINVAL);
	close_spool(&loop, s);
	sh("rm -rf '%s'/done '%s'/failed", base);
}

static void
on_guard(uv_timer_t *t)
{
	struct seen *seen = t->data;

	seen->calls = -1000; /* fails the assertions below */
	uv_stop(t->loop);
}

static void
drop_file(uv_timer_t *t)
{
	(void)t;
	/* the writer's way: write under a hidden name, then rename */
	put(".w.xml.tmp", "ok from the watch");
	char a[700], b[700];
	snprintf(a, sizeof(a), "%s/.w.xml.tmp", base);
	snprintf(b, sizeof(b), "%s/w.xml", base);
	assert_int_equal(rename(a, b), 0);
}

/* Files present at start and a file renamed in later are both picked up
 * by the loop (start scan, then the fs event). */
static void
watch_picks_up_new_files(void **state)
{
	uv_loop_t loop;
	uv_timer_t guard, drop;
	struct seen seen = {.stop_after = 1};
	spool *s;

	(void)state;
	uv_loop_init(&loop);
	seen.loop = &loop;
	put("early.xml", "ok present at start");
	s = make(&loop, &seen, 0);
	/* A guard, not a timing: it only ends a test that would hang. */
	uv_timer_init(&loop, &guard);
	guard.data = &seen;
	uv_timer_start(&guard, on_guard, 10000, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.last, "early.xml");
	assert_true(exists("done/early.xml"));

	seen.stop_after = 2;
	uv_timer_init(&loop, &drop);
	uv_timer_start(&drop, drop_file, 1, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(seen.calls, 2);
	assert_string_equal(seen.last, "w.xml");
	assert_true(exists("done/w.xml"));
	assert_false(exists(".w.xml.tmp"));

	uv_close((uv_handle_t *)&guard, NULL);
	uv_close((uv_handle_t *)&drop, NULL);
	close_spool(&loop, s);
	sh("rm -rf '%s'/done '%s'/failed", base);
}

static void
atomic_write(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(
	    spool_write_atomic(base, "out.xml", "<a/>\n", 5, err, sizeof(err)),
	    0);
	assert_string_equal(get("out.xml"), "<a/>\n");
	assert_int_equal(
	    spool_write_atomic(base, "out.xml", "<b/>\n", 5, err, sizeof(err)),
	    0);
	assert_string_equal(get("out.xml"), "<b/>\n");
	/* no temporary left behind */
	sh("test -z \"$(ls -A '%s' | grep -v '^out.xml$')\"", base);
	assert_int_equal(
	    spool_write_atomic(base, "a/b", "x", 1, err, sizeof(err)),
	    SPOOL_EINVAL);
	assert_int_equal(spool_write_atomic("/nonexistent-posko-dir", "x", "x",
	                                    1, err, sizeof(err)),
	                 SPOOL_EIO);
	assert_non_null(strstr(err, "/nonexistent-posko-dir/"));
	sh("rm -f '%s'/out.xml", base);
}

static void
start_fails_cleanly(void **state)
{
	uv_loop_t loop;
	struct seen seen = {0};
	spool_opts o = {
	    .dir = "/proc/posko-cannot-exist", .on_file = judge, .data = &seen};
	char err[256];

	(void)state;
	uv_loop_init(&loop);
	spool *s = spool_new(&loop, &o, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spool_start(s, err, sizeof(err)), SPOOL_EIO);
	assert_non_null(strstr(err, "/proc/posko-cannot-exist"));
	spool_close(s);
	assert_int_equal(uv_loop_close(&loop), 0);
	o.on_file = NULL;
	assert_null(spool_new(&loop, &o, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scan_moves_with_reasons),
	    cmocka_unit_test(unmovable_file_is_never_lost),
	    cmocka_unit_test(pending_verdict),
	    cmocka_unit_test(watch_picks_up_new_files),
	    cmocka_unit_test(atomic_write),
	    cmocka_unit_test(start_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
