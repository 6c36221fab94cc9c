/*
 * posko.h - the running daemon: loop, sockets, the decision queue and the
 * control commands. main.c builds one and runs it.
 */
#ifndef POSKO_DAEMON_POSKO_H
#define POSKO_DAEMON_POSKO_H

#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "daemon/bus.h"
#include "daemon/engine.h"
#include "daemon/store.h"

#define POSKO_VERSION "0.1.0"

typedef struct qitem qitem;

typedef struct posko {
	uv_loop_t *loop;
	posko_config *cfg;
	const char *config_path;
	int log_fixed; /* -v or -q: SIGHUP leaves the log level alone */
	store *rdb; /* the loop's connection: control reads, outbox */
	store *wdb; /* the decision connection (engine) */
	engine E;
	void *cap;
	bus_sock *ingest, *control, *control_ro, *events;
	uv_signal_t sigterm, sigint, sighup;
	uv_timer_t watchdog;
	int watchdog_on;
	uv_timer_t republish; /* the outbox after a restart */
	int republish_on;
	int publish_hold; /* nothing goes out until the republish timer */
	/* the inbox (store.h): reports journaled on receipt */
	store *inbox;
	int64_t inbox_next;    /* id of the next report received */
	int inbox_txn;	       /* an inbox transaction is open */
	qitem *rhead, *rtail;  /* received this wakeup, queued at commit */
	size_t received_n;     /* in rhead */
	uv_check_t inbox_check; /* commits the inbox after each wakeup */
	int inbox_check_on;
	int ingest_paused;     /* backpressure: the ingest socket not read */
	/* The inbox could not be written (inbox_trouble): reports read are
	 * then only in memory until decided (mem_only of them queued), so
	 * the ingest socket is not read until inbox_retry fires, 1 s
	 * doubling to 60 s: senders wait (nanomsg's buffers, their nn_send)
	 * instead of handing over reports a stop would lose. */
	int inbox_down;
	unsigned inbox_retry_ms;
	uv_timer_t inbox_retry;
	int inbox_retry_on, inbox_retry_pending;
	size_t mem_only, mem_lost; /* lost: skipped by a stop */
	uint64_t trim_at;      /* uv_hrtime of the next outbox trim */
	/* the decision queue: reports in arrival order */
	qitem *head, *tail;
	size_t queued;
	int busy; /* a job holds the decision token */
	/* a plan rebuilt from the store by the job after a rolled-back
	 * write (posko.c plan_rebuild), swapped in by the loop; or the
	 * rebuild failed and poskod stops (exit status 1) */
	struct engine *E_next;
	int rebuild_failed;
	int rebuild_due; /* a failed write on the loop: rebuild first */
	/* The store refused a write for a reason of its own (store_transient:
	 * disk full, an I/O error, locked): nothing is dropped. The job sets
	 * store_down and job_err; the loop puts the batch back at the head
	 * of the queue and holds deciding (held) until the retry timer, the
	 * pause doubling from 1 s to 60 s; store_err and down_since (0 while
	 * writes work) say so in status and in systemd's STATUS. */
	int store_down;
	char job_err[256];
	char store_err[256];
	int64_t down_since;
	unsigned down_tries, retry_ms;
	int held;
	uv_timer_t retry;
	int retry_on;
	int exit_status;
	uv_work_t work;
	qitem *batch;
	size_t single; /* decide this many next ones alone (after a failure) */
	int stopping;
	atomic_int halt; /* the job stops after the report it is on */
	int reload_pending; /* SIGHUP arrived while a decision ran */
	char *ctl_pending;  /* a desk write waiting for the token */
	size_t ctl_pending_len;
	int64_t published; /* last event id sent */
	int64_t marked;	   /* last event id marked published in the store */
	uv_idle_t pub_idle; /* sends the rest of a batch's events, a slice
			       per loop turn, between socket reads */
	int pub_idle_on;
	store *ckdb;	    /* WAL checkpoints, on the thread pool */
	uv_work_t ck_work;
	int ck_busy;
	int64_t started;
	uint64_t accepted, rejected;
	uint64_t received; /* messages read from the ingest socket */
	uint64_t t_decide, t_commit, t_done; /* uv_hrtime of the batch's phases */
	struct feedwire *feed; /* the BPBD feed (daemon/feedwire.h) */
	/* background jobs at a lower CPU priority (daemon/bgjob.h): the
	 * feed's CAP files; NULL once closed (the work then runs inline) */
	struct bgjob *bg;
} posko;

int posko_start(posko *P, posko_config *cfg, const char *config_path,
		char *err, size_t errlen);
/* Graceful stop: no new messages, the job in flight finishes, committed
 * events are published, sockets closed. */
void posko_stop(posko *P);
void posko_free(posko *P);
/* A write on the loop (a desk command, an import) failed and was rolled
 * back after it may have changed the engine: rebuild the engine from the
 * store (as after a failed batch) before anything else is decided. Loop
 * only, token not held; the rebuild runs as a job holding the token. */
void posko_engine_suspect(posko *P);
/* Publish every committed, unpublished event (loop, token not held). */
void posko_publish(posko *P);

#endif
