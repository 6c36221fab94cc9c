/*
 * daemon/bgjob.c - background jobs on a low-priority thread (see bgjob.h).
 */
#define _GNU_SOURCE
#include "daemon/bgjob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct bgjob {
	uv_loop_t *loop;
	uv_async_t async;  /* the thread -> the loop: jobs done */
	uv_thread_t thread;
	uv_mutex_t mu;
	uv_cond_t cond;
	/* under mu */
	bgjob_req *todo, *todo_tail; /* queued, not started */
	bgjob_req *done, *done_tail; /* work() returned, after() not run */
	int quit;                    /* the thread ends once todo is empty */
	/* loop thread only */
	size_t pending; /* queued + running + done, not yet after() */
	int closing, closed;
	int nice_inc;
	int nice_err; /* errno of the setpriority, 0 if done */
	pid_t tid;    /* the thread's (under mu until started) */
	bgjob **owner; /* set to NULL when closed (bgjob_close) */
};

static void
worker(void *arg)
{
	bgjob *b = arg;

	uv_mutex_lock(&b->mu);
	b->tid = (pid_t)syscall(SYS_gettid);
	uv_cond_broadcast(&b->cond); /* bgjob_new waits for the id */
	for (;;) {
		while (b->todo == NULL && !b->quit)
			uv_cond_wait(&b->cond, &b->mu);
		if (b->todo == NULL)
			break;
		bgjob_req *r = b->todo;
		b->todo = r->next;
		if (b->todo == NULL)
			b->todo_tail = NULL;
		uv_mutex_unlock(&b->mu);
		r->work(r);
		r->next = NULL;
		uv_mutex_lock(&b->mu);
		if (b->done_tail)
			b->done_tail->next = r;
		else
			b->done = r;
		b->done_tail = r;
		uv_mutex_unlock(&b->mu);
		uv_async_send(&b->async);
		uv_mutex_lock(&b->mu);
	}
	uv_mutex_unlock(&b->mu);
}

static void
on_closed(uv_handle_t *h)
{
	bgjob *b = h->data;
	uv_cond_destroy(&b->cond);
	uv_mutex_destroy(&b->mu);
	free(b);
}

/* Loop thread, nothing pending: end the thread, close the handle. */
static void
finish(bgjob *b)
{
	b->closed = 1;
	if (b->owner)
		*b->owner = NULL;
	uv_mutex_lock(&b->mu);
	b->quit = 1;
	uv_cond_signal(&b->cond);
	uv_mutex_unlock(&b->mu);
	uv_thread_join(&b->thread);
	uv_close((uv_handle_t *)&b->async, on_closed);
}

static void
on_async(uv_async_t *h)
{
	bgjob *b = h->data;
	bgjob_req *r;

	uv_mutex_lock(&b->mu);
	r = b->done;
	b->done = b->done_tail = NULL;
	uv_mutex_unlock(&b->mu);
	while (r) {
		bgjob_req *next = r->next;
		b->pending--;
		if (r->after)
			r->after(r); /* may queue more, or free r */
		r = next;
	}
	if (b->pending == 0) {
		uv_unref((uv_handle_t *)&b->async);
		if (b->closing && !b->closed)
			finish(b);
	}
}

bgjob *
bgjob_new(uv_loop_t *loop, int nice_inc, char *err, size_t errlen)
{
	bgjob *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL) {
		snprintf(err, errlen, "background jobs: out of memory");
		return NULL;
	}
	b->loop = loop;
	b->nice_inc = nice_inc;
	if ((rc = uv_mutex_init(&b->mu)) != 0) {
		snprintf(err, errlen, "background jobs: mutex: %s",
			 uv_strerror(rc));
		free(b);
		return NULL;
	}
	if ((rc = uv_cond_init(&b->cond)) != 0) {
		snprintf(err, errlen, "background jobs: condition: %s",
			 uv_strerror(rc));
		uv_mutex_destroy(&b->mu);
		free(b);
		return NULL;
	}
	if ((rc = uv_async_init(loop, &b->async, on_async)) != 0) {
		snprintf(err, errlen, "background jobs: async: %s",
			 uv_strerror(rc));
		uv_cond_destroy(&b->cond);
		uv_mutex_destroy(&b->mu);
		free(b);
		return NULL;
	}
	b->async.data = b;
	uv_unref((uv_handle_t *)&b->async); /* nothing pending yet */
	if ((rc = uv_thread_create(&b->thread, worker, b)) != 0) {
		snprintf(err, errlen, "background jobs: thread: %s",
			 uv_strerror(rc));
		b->closed = 1;
		uv_close((uv_handle_t *)&b->async, on_closed);
		return NULL;
	}
	uv_mutex_lock(&b->mu);
	while (b->tid == 0)
		uv_cond_wait(&b->cond, &b->mu);
	uv_mutex_unlock(&b->mu);
	/* Linux: a thread id names one thread, whose priority this sets. A
	 * failure (a seccomp filter without setpriority, say) leaves the
	 * thread at the process's priority: the jobs run as they did on
	 * libuv's pool; bgjob_nice_error tells the caller. */
	if (nice_inc > 0) {
		errno = 0;
		int cur = getpriority(PRIO_PROCESS, (id_t)b->tid);
		if (errno != 0 ||
		    setpriority(PRIO_PROCESS, (id_t)b->tid, cur + nice_inc) != 0)
			b->nice_err = errno ? errno : EPERM;
	}
	return b;
}

int
bgjob_queue(bgjob *b, bgjob_req *req, bgjob_fn work, bgjob_fn after)
{
	if (b == NULL || b->closed)
		return -1;
	req->work = work;
	req->after = after;
	req->next = NULL;
	if (b->pending++ == 0)
		uv_ref((uv_handle_t *)&b->async);
	uv_mutex_lock(&b->mu);
	if (b->todo_tail)
		b->todo_tail->next = req;
	else
		b->todo = req;
	b->todo_tail = req;
	uv_cond_signal(&b->cond);
	uv_mutex_unlock(&b->mu);
	return 0;
}

int
bgjob_nice_error(const bgjob *b)
{
	return b ? b->nice_err : 0;
}

size_t
bgjob_pending(const bgjob *b)
{
	return b ? b->pending : 0;
}

void
bgjob_close(bgjob **bp)
{
	bgjob *b = bp ? *bp : NULL;

	if (b == NULL || b->closing)
		return;
	b->closing = 1;
	b->owner = bp;
	if (b->pending == 0)
		finish(b);
}
