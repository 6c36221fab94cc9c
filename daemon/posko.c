#define _POSIX_C_SOURCE 200809L
#include "daemon/posko.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <systemd/sd-daemon.h>

#include "daemon/bgjob.h"
#include "daemon/control.h"
#include "daemon/feedwire.h"
#include "daemon/log.h"

#if __has_include("daemon/cap.h")
#include "daemon/cap.h"
#define HAVE_CAP 1
#endif

/* One queued message: parsed, waiting for its turn. */
struct qitem {
	qitem *next;
	ingest_msg m;
	char *raw;
	size_t rawlen;
	char origin[12];
	char *operator_;
	engine_result res;
	int failed;
	int skipped;	  /* not decided: the job stopped before it */
	int64_t inbox_id; /* its inbox row (0: not journaled) */
	int mem_only;	  /* its inbox write failed: a stop loses it */
	uint64_t t_recv;  /* uv_hrtime when it was read */
};

/*
 * Reports decided in one job and one transaction, at most: a batch takes
 * what is queued, so it is one report on a quiet day and grows only with
 * a backlog. Larger batches decide more per second (sustained bench,
 * 5,000 small reports/s offered: 2,139-2,307/s at 256, 2,579-2,703 at
 * 1,024, 2,832-2,885 at 4,096: a page that many reports of one
 * transaction change is one WAL frame at its commit), but a subscriber
 * on the same two cores then reads the events slower than they come
 * (~22 per report) and, past the 16 MB PUB buffer (bus.c), misses some:
 * 5,016 events in a 10 s run at 1,024, none at 256. Kept at 256 until
 * events can be paced or fetched again (issue 5 notes).
 */
#define BATCH_MAX 256

static void
qitem_free(qitem *q)
{
	ingest_msg_clear(&q->m);
	free(q->raw);
	free(q->operator_);
	free(q);
}

static void checkpoint_maybe(posko *P);

/* ---- publishing ---------------------------------------------------------- */

static int
publish_one(int64_t id, const char *topic, const char *time,
	    const char *body, void *arg)
{
	posko *P = arg;
	size_t len;
	char *t = store_event_text(id, topic, time, body, &len);
	if (t == NULL)
		return 0;
	if (bus_send(P->events, t, len))
		log_warnx("events: event %lld not sent: %s", (long long)id,
			  nn_strerror(nn_errno()));
	free(t);
	P->published = id;
	return 0;
}

/*
 * Publishing a batch's events (issue 5). A 1,000-household incident makes
 * some 1,500 events, ~25 ms of sends. They used to go out, all of them,
 * before the next report was even read, so the next incident waited for
 * the last one's events. Now the events of a committed batch go out in id
 * order as before, but: the first PUBLISH_FIRST at once (the first
 * assign.household of an incident is the second event of its decision),
 * then PUBLISH_SLICE per loop turn from an idle handle, between the
 * reads of the sockets, while the worker already decides the next batch.
 * A later batch's events have higher ids and queue behind (published only
 * moves forward), so subscribers see exactly the order of before.
 *
 * The published mark is a write on the loop's connection: it is made only
 * while no job holds the write lock (it would wait for the job's commit),
 * so after a crash the events sent since the last mark go out again, with
 * the same ids and bytes (at least once, docs/protocol.md), as before.
 */
#define PUBLISH_FIRST 64
#define PUBLISH_SLICE 256

/* Send at most max committed events after P->published. Returns the
 * number sent (max: maybe more are waiting) or -1. */
static long
publish_outbox(posko *P, size_t max)
{
	long n = store_outbox_unpublished(P->rdb, P->published, max,
					  publish_one, P);
	if (n < 0)
		log_warnx("outbox: %s", store_errmsg(P->rdb));
	return n;
}

static void
publish_all(posko *P)
{
	while (publish_outbox(P, 4096) == 4096)
		;
}

/* Mark what was sent, when no job holds the write lock: through the
 * decision connection (free then), not the loop's. A write by another
 * connection makes SQLite drop the decision connection's whole page
 * cache at its next transaction (the WAL changed under it): every batch
 * started by reading its hot pages again (sustained bench, decide per
 * 256-report batch 94.7/96.8 -> 89.2/94.3 ms). */
static void
publish_mark(posko *P)
{
	if (P->busy || P->published <= P->marked)
		return;
	if (store_outbox_mark(P->wdb, P->published))
		log_warnx("outbox: marking published: %s",
			  store_errmsg(P->wdb));
	else
		P->marked = P->published;
}

static void
on_pub_idle(uv_idle_t *h)
{
	posko *P = h->data;
	long n = P->publish_hold ? 0 : publish_outbox(P, PUBLISH_SLICE);

	if (n < PUBLISH_SLICE) {
		uv_idle_stop(h);
		publish_mark(P);
	}
}

/* Send the rest a slice per loop turn (see above). */
static void
publish_later(posko *P)
{
	if (P->pub_idle_on && !uv_is_active((uv_handle_t *)&P->pub_idle))
		uv_idle_start(&P->pub_idle, on_pub_idle);
}

/* Publish every committed, unpublished event in id order, then mark them. */
static void
publish_pending(posko *P)
{
	/* Right after a start, subscribers are still reconnecting: a report
	 * decided from the inbox in the first milliseconds would otherwise
	 * publish (and lose) the backlog before anyone is listening. */
	if (P->publish_hold)
		return;
	publish_all(P);
	feedwire_flush(P); /* the feed's waiting events, CAP out, sitrep */
	publish_all(P);
	publish_mark(P);
	checkpoint_maybe(P);
}

void
posko_publish(posko *P)
{
	publish_pending(P);
}

/* ---- the decision queue -------------------------------------------------- */

static void run_next(posko *P);
static void ingest_flow(posko *P);
static void inbox_trouble(posko *P);
static void run_pending_control(posko *P);
static void reload(posko *P);

/*
 * Published outbox rows beyond the kept window go, a slice at a time, in
 * the decision's transaction (the worker holds the write lock anyway).
 * While there is something to trim, every batch deletes as many rows as
 * it wrote plus TRIM_EXTRA: the outbox stays at its bound under any load,
 * and no single decision pays for a big delete (50,000 rows every 10 s
 * made one incident in a hundred ~100 ms late: issue 5, the p99 growing
 * over a long run). When nothing is left, the next look is in 10 s.
 */
#define TRIM_EXTRA 2048
#define TRIM_MAX 50000
static void
trim_outbox(posko *P, int64_t written)
{
	uint64_t now = uv_hrtime();
	char cut[32];
	long n;
	size_t slice = (size_t)(written > 0 ? written : 0) + TRIM_EXTRA;

	if (now < P->trim_at)
		return;
	if (slice > TRIM_MAX)
		slice = TRIM_MAX;
	store_time((int64_t)time(NULL) -
			   (int64_t)P->cfg->daemon.outbox_keep_days * 86400,
		   cut);
	n = store_outbox_trim(P->wdb, cut, P->cfg->daemon.outbox_keep_rows,
			      slice);
	log_debug("outbox trim: %ld rows (at most %zu) in %.1f ms", n, slice,
		  (uv_hrtime() - now) / 1e6);
	if (n < 0)
		log_warnx("outbox trim: %s", store_errmsg(P->wdb));
	/* again at the next batch while a backlog is left, else in 10 s */
	P->trim_at = now + (n > 0 ? 0 : 10 * (uint64_t)1000000000);
}

/*
 * A write of the batch failed. When the store itself is the cause (disk
 * full, an I/O error: store_transient), no report is to blame: the whole
 * batch goes back to the queue and is tried again after a pause (see
 * after_work_cb), so nothing accepted is dropped while the operator frees
 * the disk. Returns 1 then. Job thread, before the rollback.
 */
static int
store_down(posko *P)
{
	if (!store_transient(P->wdb))
		return 0;
	P->store_down = 1;
	store_errdetail(P->wdb, P->job_err, sizeof(P->job_err));
	return 1;
}

/* Roll back a batch that failed after its reports were decided: held for
 * a retry (store_down), or each report failed. */
static void
fail_all(posko *P)
{
	int down = store_down(P);
	store_rollback(P->wdb);
	if (!down)
		for (qitem *q = P->batch; q; q = q->next)
			q->failed = 1;
}

/*
 * A report whose own write the store refused (a constraint, a trigger:
 * not the store's state), decided alone, so on its last try: rejected in
 * a transaction of its own, code "internal", so that its sender hears of
 * it (ingest.rejected) as of any refusal, and the inbox moves past it.
 * 0; -1 when that could not be written either (then it is only logged).
 */
static int
reject_undecided(posko *P, qitem *q, const char *why)
{
	engine_result *r = &q->res;

	memset(r, 0, sizeof(*r));
	r->rejected = 1;
	snprintf(r->e.code, sizeof(r->e.code), "internal");
	snprintf(r->e.message, sizeof(r->e.message),
		 "could not be decided (%.400s); nothing changed, it may be "
		 "sent again",
		 why);
	snprintf(r->e.source, sizeof(r->e.source), "%.70s",
		 q->m.rep.source ? q->m.rep.source : "");
	snprintf(r->e.source_id, sizeof(r->e.source_id), "%.130s",
		 q->m.rep.source_id ? q->m.rep.source_id : "");
	if (store_begin(P->wdb) == 0) {
		if (engine_reject(&P->E, &r->e, q->rawlen, q->origin) == 0 &&
		    (q->inbox_id == 0 ||
		     store_inbox_set_decided(P->wdb, q->inbox_id) == 0) &&
		    store_commit(P->wdb) == 0)
			return 0;
		log_warnx("store: rejecting %s/%s: %s", r->e.source,
			  r->e.source_id, store_errmsg(P->wdb));
		store_rollback(P->wdb);
	}
	memset(r, 0, sizeof(*r));
	return -1;
}

/* Returns 1 when it rolled back after a plan step ran: the plan (memory)
 * is then ahead of the store (see plan_rebuild). */
static int
decide_batch(posko *P)
{
	int stepped = 0;
	char err[512];
	/* Token held: this thread owns the plan and the decision
	 * connection. One transaction for the batch (group commit). */
	if (store_begin(P->wdb)) {
		if (store_down(P))
			return 0;
		log_warnx("store: %s", store_errmsg(P->wdb));
		for (qitem *q = P->batch; q; q = q->next)
			q->failed = 1;
		return 0;
	}
	int64_t ev0 = store_last_event_id(P->wdb);
	int64_t upto = 0;
	for (qitem *q = P->batch; q; q = q->next) {
		err[0] = '\0';
		if (atomic_load(&P->halt)) {
			/* stopping: the rest stay pending in the inbox */
			for (; q; q = q->next)
				q->skipped = 1;
			break;
		}
		if (q->inbox_id > upto)
			upto = q->inbox_id;
		if (q->m.json == NULL && q->res.rejected) {
			/* rejected at parse time, queued to keep order */
			if (engine_reject(&P->E, &q->res.e, q->rawlen,
					  q->origin)) {
				if (!store_down(P))
					q->failed = 1;
				store_rollback(P->wdb);
				return stepped;
			}
			continue;
		}
		stepped = 1;
		if (engine_decide(&P->E, &q->m, q->raw, q->rawlen, q->origin,
				  q->operator_, &q->res, err, sizeof(err))) {
			log_warnx("decide %s/%s: %s", q->m.rep.source,
				  q->m.rep.source_id, err);
			if (!store_down(P))
				q->failed = 1;
			/* A failed step must not leave half a batch: roll
			 * back and decide the rest one by one next time. */
			store_rollback(P->wdb);
			if (q->failed && q == P->batch && q->next == NULL &&
			    reject_undecided(P, q, err) == 0)
				q->failed = 0;
			return 1;
		}
	}
	if (engine_batch_alerts(&P->E)) {
		log_warnx("alerts: %s", store_errmsg(P->wdb));
		fail_all(P);
		return stepped;
	}
	/* decided exactly once: the inbox mark commits with the decisions */
	if (upto && store_inbox_set_decided(P->wdb, upto)) {
		log_warnx("inbox: %s", store_errmsg(P->wdb));
		fail_all(P);
		return stepped;
	}
	trim_outbox(P, store_last_event_id(P->wdb) - ev0);
	P->t_commit = uv_hrtime();
	if (store_commit(P->wdb)) {
		log_warnx("commit: %s", store_errmsg(P->wdb));
		fail_all(P);
		return stepped;
	}
	return 0;
}

/*
 * A rolled-back batch leaves the plan ahead of the store: its steps ran
 * in memory, their rows are gone. Deciding again on that plan found the
 * batch's incidents already there ("plan: incident N exists") and
 * rejected every report behind the failed one (a disk error, ENOMEM, a
 * refused row). The store is the truth: rebuild the engine from it as a
 * start does (engine_load, engine_replay), here on the pool thread with
 * the token held, into a second engine, which the loop swaps in (it may
 * read the reference data of the first meanwhile). Only on failures:
 * it costs a start's load and replay.
 */
static void
plan_rebuild(posko *P)
{
	char err[512] = "";
	uint64_t t0 = uv_hrtime();
	engine *N = calloc(1, sizeof(*N));
	long n = -1;

	if (N == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else {
		N->cap = P->cap;
		N->rebuild = 1;
		if (engine_load(N, P->cfg, P->wdb, err, sizeof(err)) == 0)
			n = engine_replay(N, err, sizeof(err));
	}
	if (n < 0) {
		log_warnx("plan: rebuilding it from the store failed: %s; "
			  "stopping (the next start rebuilds it)", err);
		if (N) {
			engine_free(N);
			free(N);
		}
		P->rebuild_failed = 1;
		return;
	}
	log_warnx("plan: rebuilt from the store after a rolled-back write "
		  "(%ld journal steps in %.1f s)",
		  n, (uv_hrtime() - t0) / 1e9);
	P->E_next = N;
}

/* The job of posko_engine_suspect. */
static void
rebuild_cb(uv_work_t *w)
{
	posko *P = w->data;
	P->t_decide = uv_hrtime();
	P->t_commit = P->t_decide;
	plan_rebuild(P);
	P->t_done = uv_hrtime();
}

/* Loop thread, token free: the rebuilt engine replaces the old one. */
static void
plan_swap(posko *P)
{
	engine old = P->E;

	P->E = *P->E_next;
	/* the plan borrows the engine's ledger: it moved with the struct */
	P->E.plan.ledger = &P->E.ledger;
	free(P->E_next);
	P->E_next = NULL;
	engine_free(&old);
	/* the copies taken of the old plan */
	control_free();
	feedwire_plan_reset(P);
}

static void
work_cb(uv_work_t *w)
{
	posko *P = w->data;
	P->t_decide = uv_hrtime();
	/* shelter and depot alerts once for the batch, not once a report:
	 * they walk every shelter and every live meal line (9 % of a small
	 * report's decision, issue 5); whatever way the batch ends, the
	 * next decision outside a batch (none now) starts clean */
	P->E.batch_alerts = 1;
	P->E.alerts_due = 0;
	int ahead = decide_batch(P);
	P->E.batch_alerts = 0;
	P->E.alerts_due = 0;
	if (ahead)
		plan_rebuild(P);
	P->t_done = uv_hrtime();
}

/*
 * WAL checkpoints (issue 5): SQLite's automatic one ran inside the commit
 * that took the WAL past 1,000 pages, so every fourth incident or so
 * waited 10-20 ms more for its events. The decision and loop connections
 * never checkpoint (store_wal_manual); a job on the thread pool does it
 * on its own connection, PASSIVE (it waits for no one), once the WAL
 * has CHECKPOINT_PAGES after a batch, while the next batch is decided.
 */
#define CHECKPOINT_PAGES 2000

static void
ck_work_cb(uv_work_t *w)
{
	posko *P = w->data;
	uint64_t t0 = uv_hrtime();
	if (store_checkpoint(P->ckdb))
		log_warnx("store: checkpoint: %s", store_errmsg(P->ckdb));
	log_debug("checkpoint: %.1f ms", (uv_hrtime() - t0) / 1e6);
}

static void
ck_after_cb(uv_work_t *w, int status)
{
	posko *P = w->data;
	(void)status;
	P->ck_busy = 0;
}

static void
checkpoint_maybe(posko *P)
{
	/* wal_frames is written by the decision connection's commits: read
	 * it only while no job holds that connection */
	if (P->ckdb == NULL || P->ck_busy || P->busy ||
	    store_wal_frames(P->wdb) < CHECKPOINT_PAGES)
		return;
	P->ck_busy = 1;
	P->ck_work.data = P;
	uv_queue_work(P->loop, &P->ck_work, ck_work_cb, ck_after_cb);
}

/* Put a batch back at the head of the queue, in its order; returns its
 * length. */
static size_t
requeue(posko *P, qitem *q)
{
	qitem *last = q;
	size_t n = 1;

	while (last->next) {
		last = last->next;
		n++;
	}
	last->next = P->head;
	if (P->head == NULL)
		P->tail = last;
	P->head = q;
	P->queued += n;
	return n;
}

static void
on_retry(uv_timer_t *t)
{
	posko *P = t->data;
	P->held = 0;
	run_next(P);
}

/* The store refused the batch's writes (store_down): hold deciding and
 * try again after a pause, 1 s doubling to 60 s. Reports keep arriving
 * (into the inbox) and wait behind the held batch. */
static void
hold_for_store(posko *P)
{
	snprintf(P->store_err, sizeof(P->store_err), "%s", P->job_err);
	if (P->down_since == 0) {
		P->down_since = (int64_t)time(NULL);
		P->retry_ms = 1000;
	}
	P->down_tries++;
	log_warnx("store: writing failed: %s; deciding is held, %zu reports "
		  "wait (none is dropped); trying again in %u s (try %u)",
		  P->store_err, P->queued + P->received_n, P->retry_ms / 1000,
		  P->down_tries);
	if (!P->retry_on) {
		uv_timer_init(P->loop, &P->retry);
		P->retry.data = P;
		P->retry_on = 1;
	}
	P->held = 1;
	uv_timer_start(&P->retry, on_retry, P->retry_ms, 0);
	P->retry_ms = P->retry_ms >= 30000 ? 60000 : P->retry_ms * 2;
}

static void
after_work_cb(uv_work_t *w, int status)
{
	posko *P = w->data;
	qitem *q = P->batch, *next;
	int any_failed = 0;
	/* the first report's wait: read -> its batch started */
	uint64_t t_wait = q && q->t_recv && P->t_decide > q->t_recv
				  ? P->t_decide - q->t_recv
				  : 0;

	for (qitem *x = q; x; x = x->next)
		any_failed |= x->failed;
	P->batch = NULL;
	P->busy = 0;
	if (P->E_next)
		plan_swap(P);
	if (P->rebuild_failed)
		P->exit_status = 1;
	if (P->rebuild_failed && !P->stopping) {
		/* the plan cannot be trusted: nothing more is decided; what
		 * is queued stays in the inbox for the next start */
		P->stopping = 1;
		atomic_store(&P->halt, 1);
		bus_pause(P->ingest);
		for (qitem *x = q; x; x = x->next)
			x->skipped = 1;
	}
	if (P->store_down) {
		/* nothing of the batch is decided: every report of it goes
		 * back to the head of the queue (or stays in the inbox) */
		P->store_down = 0;
		for (qitem *x = q; x; x = x->next) {
			x->failed = 0;
			x->skipped = P->stopping;
		}
		if (!P->stopping && q) {
			requeue(P, q);
			hold_for_store(P);
			goto next;
		}
	} else if (q && P->down_since && !any_failed) {
		log_info("store: writes work again after %u tries (%lld s); "
			 "deciding goes on with %zu reports waiting",
			 P->down_tries,
			 (long long)(time(NULL) - P->down_since),
			 P->queued);
		P->down_since = 0;
		P->down_tries = 0;
		P->retry_ms = 0;
		P->store_err[0] = '\0';
	}
	if (any_failed && q && q->next && !P->stopping) {
		/* The batch was rolled back: decide again one at a time, so
		 * only the failing message is rejected (reject_undecided). */
		for (qitem *x = q; x; x = x->next)
			x->failed = 0;
		P->single = requeue(P, q);
		goto next;
	}
	for (; q; q = next) {
		next = q->next;
		if (q->mem_only) {
			P->mem_only--;
			P->mem_lost += q->skipped; /* not in the inbox */
		}
		if (q->skipped) {
			/* still pending in the inbox for the next start */
			qitem_free(q);
			continue;
		}
		if (q->failed) {
			log_warnx("incident report %s/%s not decided (see "
				  "above); the sender may resend it",
				  q->m.rep.source, q->m.rep.source_id);
		} else if (q->res.rejected && q->m.json == NULL) {
			/* logged when it arrived */
		} else if (q->res.rejected) {
			P->rejected++;
			log_info("rejected %s/%s: %s", q->m.rep.source,
				 q->m.rep.source_id, q->res.e.message);
		} else if (q->res.duplicate) {
			log_info("duplicate %s/%s: incident %lld unchanged",
				 q->m.rep.source, q->m.rep.source_id,
				 (long long)q->res.incident);
		} else {
			P->accepted++;
			log_info("incident %lld rev %d (%s/%s %s): %zu placed, "
				 "%zu unplaced, %zu released, %zu dispatch "
				 "lines",
				 (long long)q->res.incident, q->res.revision,
				 q->m.rep.source, q->m.rep.source_id,
				 report_action_name(q->m.rep.action),
				 q->res.placed, q->res.unplaced,
				 q->res.released, q->res.dispatches);
		}
		feedwire_decided(P, &q->m, &q->res, q->failed);
		qitem_free(q);
	}
next:
	if (!P->publish_hold) {
		uint64_t t_pub = uv_hrtime();
		/* the first events now; the feed's work (token free: CAP
		 * files, its events) before the next job; the rest of the
		 * events between the socket reads (see publish_outbox) */
		publish_outbox(P, PUBLISH_FIRST);
		uint64_t t_first = uv_hrtime();
		feedwire_flush(P);
		publish_mark(P);
		publish_later(P);
		checkpoint_maybe(P);
		log_debug("batch: waited %.1f ms, decided in %.1f ms, "
			  "committed in %.1f ms (loop %.1f), first events "
			  "out in %.1f ms, feed %.1f ms",
			  t_wait / 1e6, (P->t_commit - P->t_decide) / 1e6,
			  (t_pub - P->t_commit) / 1e6, (t_pub - P->t_done) / 1e6,
			  (t_first - t_pub) / 1e6,
			  (uv_hrtime() - t_first) / 1e6);
	}
	if (P->reload_pending && !P->stopping)
		reload(P);
	run_pending_control(P);
	run_next(P);
}

static void
run_next(posko *P)
{
	qitem *q, *last = NULL;
	size_t n = 0;

	if (P->stopping) {
		/* the queued reports stay pending in the inbox */
		if (!P->busy)
			posko_stop(P);
		return;
	}
	if (P->busy)
		return;
	/* (a rebuild first even while held: the desk's writes wait for it) */
	if (P->rebuild_due) {
		/* a job with no reports: the rebuild only */
		P->rebuild_due = 0;
		P->batch = NULL;
		P->busy = 1;
		P->work.data = P;
		uv_queue_work(P->loop, &P->work, rebuild_cb, after_work_cb);
		return;
	}
	if (P->head == NULL || P->held)
		return;
	/* a batch of consecutive reports (one after a failure) */
	q = P->head;
	size_t max = P->single ? 1 : BATCH_MAX;
	if (P->single)
		P->single--;
	while (P->head && n < max) {
		last = P->head;
		P->head = P->head->next;
		n++;
	}
	last->next = NULL;
	if (P->head == NULL)
		P->tail = NULL;
	P->queued -= n;
	ingest_flow(P);
	P->batch = q;
	P->busy = 1;
	P->work.data = P;
	uv_queue_work(P->loop, &P->work, work_cb, after_work_cb);
}

void
posko_engine_suspect(posko *P)
{
	log_warnx("plan: a rolled-back write may have changed it; rebuilding "
		  "it from the store before the next decision");
	if (P->stopping)
		return; /* the next start rebuilds it anyway */
	P->rebuild_due = 1;
	run_next(P);
}

/* Backpressure: reports accepted and not decided above max_pending stop
 * the reading of the ingest socket, so nanomsg's buffers fill and the
 * senders' nn_send waits; reading resumes below three quarters. */
static void
ingest_flow(posko *P)
{
	size_t pending = P->queued + P->received_n;
	size_t hi = (size_t)P->cfg->daemon.max_pending;
	size_t lo = hi - hi / 4;

	if (P->ingest == NULL)
		return;
	if (!P->ingest_paused && pending >= hi) {
		bus_pause(P->ingest);
		P->ingest_paused = 1;
		log_info("ingest paused: %zu reports pending", pending);
	} else if (P->ingest_paused && pending < lo && !P->stopping) {
		if (!P->inbox_retry_pending)
			bus_resume(P->ingest);
		P->ingest_paused = 0;
		log_info("ingest resumed: %zu reports pending", pending);
	}
}

static void
enqueue(posko *P, qitem *q)
{
	if (P->tail)
		P->tail->next = q;
	else
		P->head = q;
	P->tail = q;
	P->queued++;
	run_next(P);
}

static qitem *
make_item(ingest_msg *m, const char *raw, size_t rawlen, const char *origin,
	  const char *operator_)
{
	qitem *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		ingest_msg_clear(m);
		return NULL;
	}
	q->m = *m;
	memset(m, 0, sizeof(*m));
	q->raw = malloc(rawlen + 1);
	if (q->raw) {
		memcpy(q->raw, raw, rawlen);
		q->raw[rawlen] = '\0';
	}
	q->rawlen = rawlen;
	snprintf(q->origin, sizeof(q->origin), "%s", origin);
	q->operator_ = operator_ ? strdup(operator_) : NULL;
	q->t_recv = uv_hrtime();
	return q;
}

/* Commit the reports journaled since the last wakeup, then queue them for
 * deciding (in arrival order, behind what is queued). A failed commit
 * leaves them undurable, but they are still decided. */
static void
inbox_flush(posko *P)
{
	qitem *q = P->rhead;

	if (P->inbox_txn) {
		P->inbox_txn = 0;
		if (store_commit(P->inbox)) {
			log_warnx("inbox: commit: %s; %zu reports are only in "
				  "memory until decided",
				  store_errmsg(P->inbox), P->received_n);
			store_rollback(P->inbox);
			for (qitem *x = q; x; x = x->next)
				if (x->m.json && !x->mem_only) {
					x->mem_only = 1;
					P->mem_only++;
				}
			inbox_trouble(P);
		} else if (P->inbox_down && !P->inbox_retry_pending) {
			P->inbox_down = 0;
			P->inbox_retry_ms = 0;
			log_info("inbox: writes work again; the ingest socket "
				 "is read as before");
		}
	}
	if (q == NULL)
		return;
	if (P->tail)
		P->tail->next = q;
	else
		P->head = q;
	P->tail = P->rtail;
	P->queued += P->received_n;
	P->rhead = P->rtail = NULL;
	P->received_n = 0;
	run_next(P);
}

static void
on_inbox_check(uv_check_t *h)
{
	inbox_flush(h->data);
}

/*
 * The reports read while the inbox could not be written and not yet
 * decided, queued or in the job (which only reads the fields used here):
 * journaled now, with the ids they were given (the inbox is read back by
 * id, so they keep their place; one the job commits meanwhile has an id
 * at or below the decided mark, so it is never decided again). 0 when
 * done or nothing waits, -1 when the inbox still fails.
 */
static int
inbox_rejournal(posko *P)
{
	qitem *lists[2] = {P->batch, P->head};
	size_t n = 0;

	if (P->inbox_txn)
		return 0; /* (a wakeup's commit will say) */
	for (int l = 0; l < 2; l++)
		for (qitem *q = lists[l]; q; q = q->next)
			n += (size_t)q->mem_only;
	if (n == 0)
		return 0;
	if (store_begin(P->inbox))
		return -1;
	for (int l = 0; l < 2; l++)
		for (qitem *q = lists[l]; q; q = q->next)
			if (q->mem_only &&
			    store_inbox_add(P->inbox, q->inbox_id, q->origin,
					    q->m.rep.source, q->m.rep.source_id,
					    q->operator_, q->raw ? q->raw : "",
					    q->raw ? q->rawlen : 0)) {
				store_rollback(P->inbox);
				return -1;
			}
	if (store_commit(P->inbox)) {
		store_rollback(P->inbox);
		return -1;
	}
	for (int l = 0; l < 2; l++)
		for (qitem *q = lists[l]; q; q = q->next)
			if (q->mem_only) {
				q->mem_only = 0;
				P->mem_only--;
			}
	P->inbox_down = 0;
	P->inbox_retry_ms = 0;
	log_info("inbox: writes work again; the %zu reports read while it "
		 "could not be written are journaled now",
		 n);
	return 0;
}

static void
on_inbox_retry(uv_timer_t *t)
{
	posko *P = t->data;
	P->inbox_retry_pending = 0;
	if (P->stopping)
		return;
	if (inbox_rejournal(P)) {
		log_warnx("inbox: still cannot write: %s",
			  store_errmsg(P->inbox));
		inbox_trouble(P);
		return;
	}
	/* read again: the next wakeup's inbox commit says if it works */
	if (!P->ingest_paused)
		bus_resume(P->ingest);
}

/* The inbox could not be written: stop reading the ingest socket for a
 * while (see posko.h inbox_down). */
static void
inbox_trouble(posko *P)
{
	if (P->ingest == NULL || P->stopping)
		return;
	if (!P->inbox_down) {
		P->inbox_down = 1;
		P->inbox_retry_ms = 1000;
	}
	if (!P->inbox_retry_on) {
		uv_timer_init(P->loop, &P->inbox_retry);
		P->inbox_retry.data = P;
		P->inbox_retry_on = 1;
	}
	if (P->inbox_retry_pending)
		return;
	bus_pause(P->ingest);
	log_warnx("inbox: cannot write; %zu reports read are only in memory "
		  "until decided; the ingest socket is not read for %u s "
		  "(senders wait)",
		  P->mem_only, P->inbox_retry_ms / 1000);
	P->inbox_retry_pending = 1;
	uv_timer_start(&P->inbox_retry, on_inbox_retry, P->inbox_retry_ms, 0);
	P->inbox_retry_ms =
		P->inbox_retry_ms >= 30000 ? 60000 : P->inbox_retry_ms * 2;
}

/* A report received: journal it in the inbox (committed by inbox_flush
 * at the end of this loop wakeup, before it is queued). Items without a
 * report (rejections kept in order) are only held. */
static void
receive(posko *P, qitem *q)
{
	if (q->m.json) {
		if (!P->inbox_txn && store_begin(P->inbox) == 0)
			P->inbox_txn = 1;
		q->inbox_id = P->inbox_next++;
		if (!P->inbox_txn ||
		    store_inbox_add(P->inbox, q->inbox_id, q->origin,
				    q->m.rep.source, q->m.rep.source_id,
				    q->operator_, q->raw ? q->raw : "",
				    q->raw ? q->rawlen : 0)) {
			log_warnx("inbox: %s/%s not journaled: %s",
				  q->m.rep.source, q->m.rep.source_id,
				  store_errmsg(P->inbox));
			q->mem_only = 1;
			P->mem_only++;
			inbox_trouble(P);
		}
	}
	if (P->rtail)
		P->rtail->next = q;
	else
		P->rhead = q;
	P->rtail = q;
	P->received_n++;
	ingest_flow(P);
}

size_t
posko_queue_message(posko *P, ingest_msg *m, const char *raw, size_t rawlen,
		    const char *origin, const char *operator_)
{
	qitem *q = make_item(m, raw, rawlen, origin, operator_);
	if (q == NULL)
		return 0;
	receive(P, q);
	if (strcmp(origin, "control") == 0)
		inbox_flush(P); /* a desk submission is durable before its reply */
	/* the feed's (CAP, RW states from the socket, expiries) are committed
	 * with this wakeup's other reports, by the uv_check */
	return P->queued + P->received_n + (size_t)P->busy;
}

size_t
posko_queue_spooled(posko *P, ingest_msg *m, const char *raw, size_t rawlen,
		    const char *origin)
{
	/* a spool file stays until its reports are decided: it is their
	 * journal, so they skip the inbox */
	qitem *q = make_item(m, raw, rawlen, origin, NULL);
	if (q == NULL)
		return 0;
	inbox_flush(P); /* keep arrival order */
	enqueue(P, q);
	return P->queued + (size_t)P->busy;
}

/* ---- ingest socket -------------------------------------------------------- */

static void
on_ingest(bus_sock *s, void *msg, size_t len, void *arg)
{
	posko *P = arg;
	ingest_msg m;
	ingest_error e;

	P->received++;
	if (feedwire_ingest(P, msg, len))
		return; /* CAP, RW states, gate levels */
	if (ingest_parse(msg, len, P->cfg->daemon.max_message_bytes, P->cfg,
			 P->cap, &m, &e)) {
		P->rejected++;
		log_info("rejected message of %zu bytes (%s%s%s): %s", len,
			 e.source[0] ? e.source : "-", "/",
			 e.source_id[0] ? e.source_id : "-", e.message);
		/* Rejections write only an outbox row; when no decision is
		 * running the loop's connection may write. Otherwise queue
		 * it behind the decisions as a rejection item. */
		if (!P->busy && P->head == NULL && P->rhead == NULL &&
		    !P->stopping) {
			/* no job holds the token: the loop may use the
			 * decision connection the engine writes through */
			if (store_begin(P->wdb) == 0 &&
			    engine_reject(&P->E, &e, len,
					  m.rep.origin == ORIGIN_CAP ? "cap"
								     : "json") ==
				    0 &&
			    store_commit(P->wdb) == 0)
				publish_pending(P);
			else {
				log_warnx("store: %s", store_errmsg(P->wdb));
				store_rollback(P->wdb);
			}
		} else {
			/* keep order: a rejection event after the events of
			 * messages that arrived earlier */
			qitem *q = calloc(1, sizeof(*q));
			if (q) {
				q->res.rejected = 1;
				q->res.e = e;
				q->rawlen = len;
				snprintf(q->origin, sizeof(q->origin), "json");
				receive(P, q);
			}
		}
		return;
	}
	qitem *q = make_item(&m, msg, len,
			     m.rep.origin == ORIGIN_CAP ? "cap" : "json", NULL);
	if (q)
		receive(P, q);
	else
		log_warnx("ingest: out of memory, a report of %zu bytes "
			  "dropped",
			  len);
}

/* ---- control sockets ------------------------------------------------------ */

static void
on_control(bus_sock *s, void *msg, size_t len, void *arg, int readonly)
{
	posko *P = arg;
	size_t rlen;
	int deferred = 0;
	char *reply = control_handle(P, msg, len, readonly, &rlen, &deferred);
	if (deferred) {
		/* a desk write while a decision holds the token: stop reading
		 * the desk socket (REP answers one request at a time) and run
		 * it when the decision is done (run_pending_control) */
		P->ctl_pending = malloc(len ? len : 1);
		if (P->ctl_pending) {
			memcpy(P->ctl_pending, msg, len);
			P->ctl_pending_len = len;
			bus_pause(s);
			return;
		}
		reply = NULL;
	}
	if (reply == NULL) {
		static const char oom[] =
			"{\"v\":1,\"ok\":false,\"error\":{\"code\":\"internal\","
			"\"message\":\"out of memory\"}}";
		bus_send(s, oom, sizeof(oom) - 1);
		return;
	}
	if (bus_send(s, reply, rlen))
		log_warnx("control: reply not sent: %s",
			  nn_strerror(nn_errno()));
	free(reply);
}

/* The desk write that waited for the decision in flight. */
static void
run_pending_control(posko *P)
{
	char *req = P->ctl_pending;
	size_t rlen;
	int deferred = 0;
	char *reply;

	if (req == NULL || P->busy)
		return;
	P->ctl_pending = NULL;
	reply = control_handle(P, req, P->ctl_pending_len, 0, &rlen,
			       &deferred);
	free(req);
	if (reply && P->control) {
		if (bus_send(P->control, reply, rlen))
			log_warnx("control: reply not sent: %s",
				  nn_strerror(nn_errno()));
	}
	free(reply);
	bus_resume(P->control);
}

static void
on_control_rw(bus_sock *s, void *msg, size_t len, void *arg)
{
	on_control(s, msg, len, arg, 0);
}

static void
on_control_ro(bus_sock *s, void *msg, size_t len, void *arg)
{
	on_control(s, msg, len, arg, 1);
}

/* ---- signals, watchdog ---------------------------------------------------- */

static void
on_stop_signal(uv_signal_t *h, int signum)
{
	posko *P = h->data;
	log_info("signal %d: stopping after the report in flight; %zu "
		 "pending reports stay in the inbox for the next start",
		 signum, P->queued + P->received_n);
	sd_notify(0, "STOPPING=1");
	P->stopping = 1;
	atomic_store(&P->halt, 1);
	bus_pause(P->ingest);
	if (!P->busy)
		posko_stop(P);
}

/*
 * The keys read only at start: the store, the sockets, the reference data
 * loaded into the plan, the gate layer, the spool being watched, the first
 * sitrep's delay. SIGHUP keeps their running values (config_key_swap), so
 * that what `status` and the log say is what is in force, and names them.
 */
static const char *const restart_keys[][2] = {
	{"daemon", "state_dir"},    {"daemon", "runtime_dir"},
	{"daemon", "metric_crs"},   {"daemon", "watchdog"},
	{"bus", "ingest"},	    {"bus", "control"},
	{"bus", "control_readonly"}, {"bus", "events"},
	{"bus", "allow_remote"},    {"bus", "socket_group"},
	{"bus", "socket_mode"},	    {"data", "households"},
	{"data", "shelters"},	    {"data", "depots"},
	{"data", "stock"},	    {"data", "kelurahan"},
	{"data", "rw"},		    {"data", "floodgates"},
	{"cap", "spool_dir"},	    {"feed", "sitrep_first_s"},
};

/* The log level of a config: 0 warnings, 1 info, 2 debug (log_init). */
static int
config_verbose(const posko_config *c)
{
	return c->daemon.log_level >= CONFIG_LOG_DEBUG	? 2
	       : c->daemon.log_level >= CONFIG_LOG_INFO ? 1
							: 0;
}

/* Reload the config file and the zones it names, all or nothing. Runs on
 * the loop while no decision holds the token. */
static void
reload(posko *P)
{
	posko_config *n = NULL;
	char err[1024], later[512] = "";
	size_t nlater = 0, len = 0;

	P->reload_pending = 0;
	if (config_load(P->config_path, &n, err, sizeof(err))) {
		log_warnx("SIGHUP: new config refused, the old one stays: %s",
			  err);
		sd_notify(0, "READY=1\nSTATUS=new configuration refused (see "
			     "the log); the old one stays in force");
		return;
	}
	if (engine_reload_zones(&P->E, n, err, sizeof(err))) {
		log_warnx("SIGHUP: new config refused, the old one stays: "
			  "zones: %s",
			  err);
		sd_notify(0, "READY=1\nSTATUS=new configuration refused (see "
			     "the log); the old one stays in force");
		config_free(n);
		return;
	}
	/* Zones, thresholds, limits, policy, the log level, the CAP and
	 * sitrep output take effect now; the keys read only at start keep
	 * their running values until a restart. */
	for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]);
	     i++) {
		const char *sec = restart_keys[i][0], *key = restart_keys[i][1];
		if (config_key_differs(P->cfg, n, sec, key) != 1)
			continue;
		config_key_swap(P->cfg, n, sec, key);
		if (len < sizeof(later))
			len += (size_t)snprintf(later + len, sizeof(later) - len,
						"%s[%s] %s", nlater ? ", " : "",
						sec, key);
		nlater++;
	}
	posko_config *old = P->cfg;
	P->cfg = n;
	P->E.cfg = n;
	feedwire_reload(P, old);
	config_free(old);
	if (!P->log_fixed && config_verbose(n) != log_getverbose()) {
		log_setverbose(config_verbose(n));
		log_warnx("SIGHUP: log level %s",
			  config_log_level_name(n->daemon.log_level));
	}
	log_info("SIGHUP: configuration %s reloaded (zones: %zu)",
		 P->config_path, geo_zoneset_count(P->E.zones));
	if (nlater) {
		log_warnx("SIGHUP: %s changed in the file but take%s effect "
			  "only at a restart; the running value%s stay%s in "
			  "force",
			  later, nlater == 1 ? "s" : "", nlater == 1 ? "" : "s",
			  nlater == 1 ? "s" : "");
		sd_notifyf(0,
			   "READY=1\nSTATUS=configuration reloaded; %zu "
			   "changed key%s wait%s for a restart (see the log)",
			   nlater, nlater == 1 ? "" : "s",
			   nlater == 1 ? "s" : "");
	} else {
		sd_notify(0, "READY=1\nSTATUS=configuration reloaded");
	}
}

static void
on_hup(uv_signal_t *h, int signum)
{
	posko *P = h->data;

	if (P->config_path == NULL) {
		log_warnx("SIGHUP: no config file to reload");
		return;
	}
	sd_notify(0, "RELOADING=1");
	if (P->busy) {
		/* the running decision reads the config and the zones: reload
		 * when it ends (after_work_cb) */
		P->reload_pending = 1;
		return;
	}
	reload(P);
}

static void
on_watchdog(uv_timer_t *t)
{
	posko *P = t->data;
	char st[512];
	if (P->down_since)
		snprintf(st, sizeof(st),
			 "WATCHDOG=1\nSTATUS=store cannot write (%s) since "
			 "%lld s ago: %zu reports wait, none dropped",
			 P->store_err, (long long)(time(NULL) - P->down_since),
			 P->queued + P->received_n);
	else
		snprintf(st, sizeof(st),
			 "WATCHDOG=1\nSTATUS=%llu accepted, %llu rejected, "
			 "%zu pending",
			 (unsigned long long)P->accepted,
			 (unsigned long long)P->rejected,
			 P->queued + P->received_n);
	sd_notify(0, st);
}

/* mkdir -p path (the last component with mode). */
static int
make_dir(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(buf)) {
		snprintf(err, errlen, "%s: bad directory name", path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "mkdir %s: %s", buf, strerror(errno));
	return -1;
}

/* A pending report read back from the inbox at start. */
static void
load_pending(int64_t id, const char *origin, const char *operator_,
	     const char *raw, size_t rawlen, void *arg)
{
	posko *P = arg;
	ingest_msg m;
	ingest_error e;
	qitem *q;
	int bad;

	memset(&m, 0, sizeof(m));
	if (strcmp(origin, "control") == 0) {
		json_error_t je;
		json_t *o = json_loadb(raw, rawlen, 0, &je);
		bad = o == NULL || ingest_parse_object(o, "args.report.", &m,
						       &e);
		if (o == NULL)
			snprintf(e.message, sizeof(e.message), "%s", je.text);
		json_decref(o);
	} else {
		bad = ingest_parse(raw, rawlen, P->cfg->daemon.max_message_bytes,
				   P->cfg, P->cap, &m, &e);
		/* the feed journals what it derived as an incident.report
		 * (an RW state's report, a CAP expiry's cancel): keep where
		 * it came from, as feedwire_decided looks at it */
		if (!bad && strcmp(origin, "rw_state") == 0)
			m.rep.origin = ORIGIN_RW_STATE;
		else if (!bad && strcmp(origin, "cap") == 0)
			m.rep.origin = ORIGIN_CAP;
	}
	if (bad) {
		/* accepted under the config of its arrival, not under this
		 * one: rejected now, in its place */
		log_warnx("inbox: pending report %lld no longer valid: %s",
			  (long long)id, e.message);
		ingest_msg_clear(&m);
		q = calloc(1, sizeof(*q));
		if (q == NULL)
			return;
		q->res.rejected = 1;
		q->res.e = e;
		q->rawlen = rawlen;
		snprintf(q->origin, sizeof(q->origin), "%s", origin);
	} else if ((q = make_item(&m, raw, rawlen, origin, operator_)) ==
		   NULL) {
		return;
	}
	q->inbox_id = id;
	if (P->tail)
		P->tail->next = q;
	else
		P->head = q;
	P->tail = q;
	P->queued++;
}

/* Open the inbox next to the store and queue its pending reports, in
 * arrival order, ahead of anything received from now on. */
static int
inbox_start(posko *P, char *err, size_t errlen)
{
	char path[4096];
	int64_t decided, last;
	long n;

	if (snprintf(path, sizeof(path), "%s/inbox.db",
		     P->cfg->daemon.state_dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: name too long",
			 P->cfg->daemon.state_dir);
		return -1;
	}
	if (store_inbox_open(path, &P->inbox, err, errlen))
		return -1;
	decided = store_inbox_decided(P->wdb);
	last = store_inbox_last(P->inbox);
	if (decided < 0 || last < 0 ||
	    store_inbox_trim(P->inbox, decided)) {
		snprintf(err, errlen, "inbox: %s",
			 store_errmsg(decided < 0 ? P->wdb : P->inbox));
		return -1;
	}
	/* ids never go back, even if the inbox file was lost */
	P->inbox_next = (decided > last ? decided : last) + 1;
	n = store_inbox_pending(P->inbox, decided, load_pending, P);
	if (n < 0) {
		snprintf(err, errlen, "inbox: %s", store_errmsg(P->inbox));
		return -1;
	}
	if (n)
		log_info("inbox: %ld reports accepted before the restart and "
			 "not yet decided; deciding them first",
			 n);
	return 0;
}

static void
on_republish(uv_timer_t *t)
{
	posko *P = t->data;
	P->publish_hold = 0;
	if (!P->busy && !P->stopping)
		publish_pending(P);
}

/* ---- start / stop ----------------------------------------------------------- */

int
posko_start(posko *P, posko_config *cfg, const char *config_path, char *err,
	    size_t errlen)
{
	const char *grp = cfg->bus.socket_group;
	uint64_t wd_usec = 0;
	long n;

	P->cfg = cfg;
	P->config_path = config_path;
	P->started = (int64_t)time(NULL);
	/* systemd makes them (StateDirectory=, RuntimeDirectory=); by hand
	 * (make run, tests) poskod does */
	if (make_dir(cfg->daemon.state_dir, 0750, err, errlen) ||
	    make_dir(cfg->daemon.runtime_dir, 0755, err, errlen))
		return -1;
	if (store_open(cfg->daemon.db_path, &P->wdb, err, errlen) ||
	    store_open(cfg->daemon.db_path, &P->rdb, err, errlen) ||
	    store_open(cfg->daemon.db_path, &P->ckdb, err, errlen))
		return -1;
	store_wal_manual(P->wdb);
	store_wal_manual(P->rdb);
	/* A decision on a 1,000-household incident dirties a few MB
	 * (outbox, assignments, dispatches and their indexes); with the
	 * 2 MB default cache SQLite spilled pages to the WAL in the middle
	 * of the transaction (sqlite3PcacheFetchStress, issue 5 profile).
	 * 16 MB, used as needed, for the decision connection only. */
	if (store_exec(P->wdb, "PRAGMA cache_size = -16384"))
		log_warnx("store: cache_size: %s", store_errmsg(P->wdb));
	/* Debian's SQLite zeroes every page a DELETE frees (secure_delete
	 * on): the outbox trim in each decision once the outbox is full
	 * (~1,300 rows) wrote 105 pages to the WAL, 82 with FAST (measured
	 * on a bench store), which zeroes deleted content only where the
	 * page is written anyway. What it leaves on free pages are events
	 * already published; the journal keeps every report anyway. */
	if (store_exec(P->wdb, "PRAGMA secure_delete = FAST"))
		log_warnx("store: secure_delete: %s", store_errmsg(P->wdb));
#ifdef HAVE_CAP
	P->cap = cap_ctx_new(NULL, err, errlen);
	if (P->cap == NULL)
		log_warnx("CAP disabled: %s", err);
	err[0] = '\0';
#endif
	P->E.cap = P->cap;
	if (engine_load(&P->E, cfg, P->wdb, err, errlen))
		return -1;
	n = engine_replay(&P->E, err, errlen);
	if (n < 0)
		return -1;
	log_info("state rebuilt from the store: %ld journal steps replayed",
		 n);
	P->bg = bgjob_new(P->loop, BGJOB_NICE, err, errlen);
	if (P->bg == NULL)
		return -1;
	if (bgjob_nice_error(P->bg))
		log_warnx("background jobs (CAP files) run at the decisions' "
			  "priority: setpriority: %s (a system call filter "
			  "without setpriority?)",
			  strerror(bgjob_nice_error(P->bg)));
	if (feedwire_start(P, err, errlen))
		return -1;
	if (inbox_start(P, err, errlen))
		return -1;
	P->published = 0;
	P->publish_hold = 1;
	P->ingest = bus_open(P->loop, NN_PULL, cfg->bus.ingest,
			     cfg->bus.socket_mode, grp, on_ingest, P, err,
			     errlen);
	if (!P->ingest)
		return -1;
	P->control = bus_open(P->loop, NN_REP, cfg->bus.control,
			      cfg->bus.socket_mode, grp, on_control_rw, P, err,
			      errlen);
	if (!P->control)
		return -1;
	if (cfg->bus.control_readonly) {
		P->control_ro = bus_open(P->loop, NN_REP,
					 cfg->bus.control_readonly, 0666, NULL,
					 on_control_ro, P, err, errlen);
		if (!P->control_ro)
			return -1;
	}
	P->events = bus_open(P->loop, NN_PUB, cfg->bus.events,
			     cfg->bus.socket_mode, grp, NULL, P, err, errlen);
	if (!P->events)
		return -1;
	/* Events committed before a crash and not marked go out again with
	 * the same ids, a moment after the bind so that subscribers waiting
	 * to reconnect (nanomsg retries every 100 ms) are there to get them. */
	uv_update_time(P->loop); /* loading took a while: timers from now */
	uv_timer_init(P->loop, &P->republish);
	P->republish.data = P;
	uv_timer_start(&P->republish, on_republish, 300, 0);
	P->republish_on = 1;

	uv_signal_init(P->loop, &P->sigterm);
	uv_signal_init(P->loop, &P->sigint);
	uv_signal_init(P->loop, &P->sighup);
	P->sigterm.data = P->sigint.data = P->sighup.data = P;
	uv_signal_start(&P->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&P->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&P->sighup, on_hup, SIGHUP);
	if (cfg->daemon.watchdog && sd_watchdog_enabled(0, &wd_usec) > 0) {
		uv_timer_init(P->loop, &P->watchdog);
		P->watchdog.data = P;
		uv_timer_start(&P->watchdog, on_watchdog, wd_usec / 2000,
			       wd_usec / 2000);
		P->watchdog_on = 1;
	}
	uv_idle_init(P->loop, &P->pub_idle);
	P->pub_idle.data = P;
	P->pub_idle_on = 1;
	uv_check_init(P->loop, &P->inbox_check);
	P->inbox_check.data = P;
	uv_check_start(&P->inbox_check, on_inbox_check);
	P->inbox_check_on = 1;
	log_info("poskod %s ready: ingest %s, control %s, events %s",
		 POSKO_VERSION, cfg->bus.ingest, cfg->bus.control,
		 cfg->bus.events);
	sd_notify(0, "READY=1\nSTATUS=ready");
	ingest_flow(P);
	run_next(P); /* the pending reports first */
	return 0;
}

void
posko_stop(posko *P)
{
	P->stopping = 1;
	atomic_store(&P->halt, 1);
	if (P->busy)
		return; /* after_work_cb calls back here */
	/* what was received stays pending in the inbox */
	if (P->inbox_txn) {
		P->inbox_txn = 0;
		if (store_commit(P->inbox)) {
			log_warnx("inbox: commit: %s", store_errmsg(P->inbox));
			store_rollback(P->inbox);
		}
	}
	size_t lost = P->mem_lost, waiting = P->queued + P->received_n;
	for (qitem *q = P->head; q; q = q->next)
		lost += (size_t)q->mem_only, waiting -= (size_t)q->mem_only;
	for (qitem *q = P->rhead; q; q = q->next)
		lost += (size_t)q->mem_only, waiting -= (size_t)q->mem_only;
	if (waiting)
		log_info("%zu reports stay pending in the inbox for the next "
			 "start",
			 waiting);
	if (lost)
		log_warnx("%zu reports read while the inbox could not be "
			  "written are lost with this stop: their senders "
			  "must send them again",
			  lost);
	while (P->rhead) {
		qitem *q = P->rhead;
		P->rhead = q->next;
		qitem_free(q);
	}
	P->rtail = NULL;
	P->received_n = 0;
	if (P->inbox_check_on) {
		uv_close((uv_handle_t *)&P->inbox_check, NULL);
		P->inbox_check_on = 0;
	}
	publish_pending(P);
	bus_close(P->ingest);
	bus_close(P->control);
	bus_close(P->control_ro);
	bus_close(P->events);
	P->ingest = P->control = P->control_ro = P->events = NULL;
	feedwire_stop(P);
	/* the CAP files of what was just published are still written: the
	 * loop runs until the queue is empty */
	bgjob_close(&P->bg);
	if (!uv_is_closing((uv_handle_t *)&P->sigterm)) {
		uv_close((uv_handle_t *)&P->sigterm, NULL);
		uv_close((uv_handle_t *)&P->sigint, NULL);
		uv_close((uv_handle_t *)&P->sighup, NULL);
	}
	if (P->watchdog_on) {
		uv_close((uv_handle_t *)&P->watchdog, NULL);
		P->watchdog_on = 0;
	}
	if (P->republish_on) {
		uv_close((uv_handle_t *)&P->republish, NULL);
		P->republish_on = 0;
	}
	if (P->retry_on) {
		uv_close((uv_handle_t *)&P->retry, NULL);
		P->retry_on = 0;
	}
	if (P->inbox_retry_on) {
		uv_close((uv_handle_t *)&P->inbox_retry, NULL);
		P->inbox_retry_on = 0;
	}
	if (P->pub_idle_on) {
		uv_close((uv_handle_t *)&P->pub_idle, NULL);
		P->pub_idle_on = 0;
	}
	free(P->ctl_pending);
	P->ctl_pending = NULL;
	while (P->head) {
		qitem *q = P->head;
		P->head = q->next;
		qitem_free(q);
	}
	P->tail = NULL;
	P->queued = 0;
}

/* POSKOD_SQL_PROFILE: one log line per statement of a connection. */
static void
profile_line(const char *sql, uint64_t runs, uint64_t ns, void *arg)
{
	log_info("sql profile %s: %8.1f ms %9llu runs %7.2f us/run  %.90s",
		 (const char *)arg, ns / 1e6, (unsigned long long)runs,
		 runs ? ns / 1e3 / (double)runs : 0.0, sql);
}

void
posko_free(posko *P)
{
	if (getenv("POSKOD_SQL_PROFILE") != NULL) {
		if (P->wdb)
			store_profile(P->wdb, profile_line, "decision");
		if (P->rdb)
			store_profile(P->rdb, profile_line, "loop");
	}
	control_free();
	feedwire_free(P);
	engine_free(&P->E);
	store_close(P->inbox);
	store_close(P->ckdb);
	store_close(P->rdb);
	store_close(P->wdb);
#ifdef HAVE_CAP
	cap_ctx_free(P->cap);
#endif
}
