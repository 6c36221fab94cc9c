/*
 * daemon/bgjob.h - background jobs: one thread of their own, at a lower
 * CPU priority than the decisions, for the work nobody waits on (the CAP
 * files written for BPBD).
 *
 * Why (issue 5): on the two cores of the target machine the decision of a
 * 1,000-family incident shares the CPU with the loop publishing the events
 * before it, the subscribers reading them and the files the feed writes.
 * On libuv's thread pool those files ran at the decision's priority: a
 * quarter of the process's CPU time in the latency bench (each incident
 * fills and then frees ~20 shelters: ~44 CAP files), taken from the
 * decision in flight. Here they run at nice +BGJOB_NICE: when the cores
 * are busy the decision goes first; when they are not, the files are
 * written as soon as before. Under a saturated CPU the thread still gets
 * its share (CFS weights, not SCHED_IDLE), so the jobs cannot starve.
 *
 * Contract:
 *  - bgjob_new, bgjob_queue and bgjob_close are called on the loop
 *    thread only; each job's work() runs on the bgjob thread, one job at
 *    a time, in the order queued; its after() runs on the loop thread, in
 *    the same order, once work() returned. A job touches only what its
 *    owner hands it until after() runs.
 *  - While a job is queued or running the loop stays alive (as with
 *    uv_queue_work), so uv_run returns only once every after() ran.
 *  - bgjob_close(&p): no effect on the jobs already queued (they run,
 *    their after() too, and after() may still queue more); once none is
 *    left the thread ends, p is set to NULL and the handle closes; the
 *    bgjob is freed by the loop (run it until it returns). bgjob_queue
 *    on NULL returns -1: the caller does the work itself.
 *  - Errors are returned (bgjob_new fills err), never printed.
 */
#ifndef POSKO_DAEMON_BGJOB_H
#define POSKO_DAEMON_BGJOB_H

#include <stddef.h>

#include <uv.h>

/* The nice increment of the bgjob thread. 10: CFS weight 110 against
 * the decision thread's 1024, about a tenth of a core when they compete. */
#define BGJOB_NICE 10

typedef struct bgjob bgjob;
typedef struct bgjob_req bgjob_req;
typedef void (*bgjob_fn)(bgjob_req *req);

struct bgjob_req {
	void *data;       /* the caller's */
	bgjob_fn work;    /* on the bgjob thread */
	bgjob_fn after;   /* on the loop thread; may be NULL */
	bgjob_req *next;  /* the bgjob's */
};

/* A started bgjob thread at nice +nice_inc (0: the process's priority).
 * NULL with err on failure. */
bgjob *bgjob_new(uv_loop_t *loop, int nice_inc, char *err, size_t errlen);

/* Queue req (its storage stays valid until after() returned). 0, or -1
 * when the bgjob is closed (or NULL): nothing was queued. */
int bgjob_queue(bgjob *b, bgjob_req *req, bgjob_fn work, bgjob_fn after);

/* 0 when the thread's priority was lowered as asked, else the errno of
 * the failure (the thread then runs at the process's priority). */
int bgjob_nice_error(const bgjob *b);

/* Jobs queued or running (loop thread). */
size_t bgjob_pending(const bgjob *b);

/* Close *bp once the queue is empty, then set *bp to NULL (see the
 * contract). NULL or *bp NULL: a no-op. */
void bgjob_close(bgjob **bp);

#endif
