/*
 * tests/test_bgjob.c - background jobs (daemon/bgjob.c): work runs on a
 * thread of its own at nice +BGJOB_NICE, one job at a time in the order
 * queued; after() runs on the loop in the same order; the loop stays alive
 * while a job is pending; a close lets the queued jobs (and the jobs their
 * after() queues) finish, then sets the owner's pointer to NULL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/bgjob.h"

#define NJOBS 64

struct log {
	uv_loop_t *loop;
	bgjob **bp;
	int work_order[NJOBS + 8], nwork;   /* written by the thread */
	int after_order[NJOBS + 8], nafter; /* written by the loop */
	int work_nice[NJOBS + 8];
	pid_t work_tid[NJOBS + 8];
	pid_t loop_tid;
	pid_t after_tid[NJOBS + 8];
	int requeue;		/* after() of job 0 queues job NJOBS */
	int pending_in_after[NJOBS + 8];
};

struct job {
	bgjob_req req;
	struct log *log;
	int id;
};

static void
job_work(bgjob_req *r)
{
	struct job *j = r->data;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	/* a little work, so jobs overlap the loop's queueing */
	usleep(200);
	errno = 0;
	j->log->work_nice[j->id] = getpriority(PRIO_PROCESS, (id_t)tid);
	j->log->work_tid[j->id] = tid;
	j->log->work_order[j->log->nwork++] = j->id;
}

static void
job_after(bgjob_req *r)
{
	struct job *j = r->data;
	struct log *L = j->log;

	/* the loop lags behind the first job: the next ones finish
	 * meanwhile and reach the loop together, in one wakeup */
	if (j->id == 0)
		usleep(20000);
	L->after_tid[j->id] = (pid_t)syscall(SYS_gettid);
	L->after_order[L->nafter++] = j->id;
	L->pending_in_after[j->id] = (int)bgjob_pending(*L->bp);
}

static struct job extra_job;

static void
job_after_requeue(bgjob_req *r)
{
	struct job *j = r->data;
	struct log *L = j->log;

	job_after(r);
	if (L->requeue) {
		L->requeue = 0;
		extra_job.log = L;
		extra_job.id = NJOBS;
		extra_job.req.data = &extra_job;
		assert_int_equal(bgjob_queue(*L->bp, &extra_job.req, job_work,
					     job_after),
				 0);
	}
}

/* Every job runs, work and after in the queued order, on the right
 * threads, at the lower priority; uv_run returns only once all are
 * done (nothing else keeps this loop alive). */
static void
test_order_and_priority(void **state)
{
	uv_loop_t loop;
	struct log L;
	static struct job jobs[NJOBS];
	char err[256] = "";
	bgjob *b;
	int base;

	(void)state;
	memset(&L, 0, sizeof(L));
	assert_int_equal(uv_loop_init(&loop), 0);
	errno = 0;
	base = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	b = bgjob_new(&loop, BGJOB_NICE, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(bgjob_nice_error(b), 0);
	L.loop = &loop;
	L.bp = &b;
	L.loop_tid = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < NJOBS; i++) {
		jobs[i].log = &L;
		jobs[i].id = i;
		jobs[i].req.data = &jobs[i];
		assert_int_equal(bgjob_queue(b, &jobs[i].req, job_work,
					     job_after),
				 0);
	}
	assert_int_equal(bgjob_pending(b), NJOBS);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(L.nwork, NJOBS);
	assert_int_equal(L.nafter, NJOBS);
	assert_int_equal(bgjob_pending(b), 0);
	for (int i = 0; i < NJOBS; i++) {
		assert_int_equal(L.work_order[i], i);
		assert_int_equal(L.after_order[i], i);
		assert_int_equal(L.after_tid[i], L.loop_tid);
		assert_int_not_equal(L.work_tid[i], L.loop_tid);
		assert_int_equal(L.work_tid[i], L.work_tid[0]);
		/* pending counts the jobs whose after() has not run */
		assert_int_equal(L.pending_in_after[i], NJOBS - 1 - i);
		/* nice: higher is lower priority (capped at 19) */
		int want = base + BGJOB_NICE > 19 ? 19 : base + BGJOB_NICE;
		assert_int_equal(L.work_nice[i], want);
	}
	/* the loop's own thread keeps its priority */
	assert_int_equal(getpriority(PRIO_PROCESS, 0), base);
	bgjob_close(&b);
	assert_null(b); /* nothing pending: closed at once */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* A close with jobs queued: they all run, a job queued by an after()
 * during the close runs too, then the owner's pointer goes NULL and a
 * later queue is refused (the caller then does the work itself). */
static void
test_close_drains(void **state)
{
	uv_loop_t loop;
	struct log L;
	static struct job jobs[8];
	char err[256] = "";
	bgjob *b;
	bgjob_req late;

	(void)state;
	memset(&L, 0, sizeof(L));
	assert_int_equal(uv_loop_init(&loop), 0);
	b = bgjob_new(&loop, 0, err, sizeof(err));
	assert_non_null(b);
	L.loop = &loop;
	L.bp = &b;
	L.requeue = 1;
	for (int i = 0; i < 8; i++) {
		jobs[i].log = &L;
		jobs[i].id = i;
		jobs[i].req.data = &jobs[i];
		assert_int_equal(bgjob_queue(b, &jobs[i].req, job_work,
					     i == 0 ? job_after_requeue
						    : job_after),
				 0);
	}
	bgjob_close(&b);
	assert_non_null(b); /* still jobs to run */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_null(b);
	assert_int_equal(L.nwork, 9);
	assert_int_equal(L.nafter, 9);
	for (int i = 0; i < 8; i++)
		assert_int_equal(L.after_order[i], i);
	assert_int_equal(L.after_order[8], NJOBS); /* the requeued one last */
	assert_int_equal(bgjob_queue(b, &late, job_work, job_after), -1);
	assert_int_equal(bgjob_pending(b), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* An idle bgjob does not keep the loop alive. */
static void
test_idle_unref(void **state)
{
	uv_loop_t loop;
	char err[256] = "";
	bgjob *b;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	b = bgjob_new(&loop, BGJOB_NICE, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	bgjob_close(&b);
	assert_null(b);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_priority),
		cmocka_unit_test(test_close_drains),
		cmocka_unit_test(test_idle_unref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
