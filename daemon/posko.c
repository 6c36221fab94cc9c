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
};

#define BATCH_MAX 256

static void
qitem_free(qitem *q)
{
	ingest_msg_clear(&q->m);
	free(q->raw);
	free(q->operator_);
	free(q);
}

/* ---- publishing ---------------------------------------------------------- */

static void
publish_one(int64_t id, const char *topic, const char *time,
	    const char *body, void *arg)
{
	posko *P = arg;
	size_t len;
	char *t = store_event_text(id, topic, time, body, &len);
	if (t == NULL)
		return;
	if (bus_send(P->events, t, len))
		log_warnx("events: event %lld not sent: %s", (long long)id,
			  nn_strerror(nn_errno()));
	free(t);
	P->published = id;
}

/* Publish every committed, unpublished event in id order, then mark them. */
static void
publish_pending(posko *P)
{
	long n;
	feedwire_flush(P); /* the feed's waiting events, CAP out, sitrep */
	do {
		n = store_outbox_unpublished(P->rdb, P->published, 4096,
					     publish_one, P);
	} while (n == 4096);
	if (n < 0)
		log_warnx("outbox: %s", store_errmsg(P->rdb));
	if (P->published && store_outbox_mark(P->rdb, P->published))
		log_warnx("outbox: marking published: %s",
			  store_errmsg(P->rdb));
}

void
posko_publish(posko *P)
{
	publish_pending(P);
}

/* ---- the decision queue -------------------------------------------------- */

static void run_next(posko *P);
static void run_pending_control(posko *P);
static void reload(posko *P);

static void
work_cb(uv_work_t *w)
{
	posko *P = w->data;
	char err[512];
	P->t_decide = uv_hrtime();
	/* Token held: this thread owns the plan and the decision
	 * connection. One transaction for the batch (group commit). */
	if (store_begin(P->wdb)) {
		for (qitem *q = P->batch; q; q = q->next)
			q->failed = 1;
		return;
	}
	for (qitem *q = P->batch; q; q = q->next) {
		err[0] = '\0';
		if (q->m.json == NULL && q->res.rejected) {
			/* rejected at parse time, queued to keep order */
			if (engine_reject(&P->E, &q->res.e, q->rawlen,
					  q->origin)) {
				q->failed = 1;
				store_rollback(P->wdb);
				return;
			}
			continue;
		}
		if (engine_decide(&P->E, &q->m, q->raw, q->rawlen, q->origin,
				  q->operator_, &q->res, err, sizeof(err))) {
			q->failed = 1;
			log_warnx("decide %s/%s: %s", q->m.rep.source,
				  q->m.rep.source_id, err);
			/* A failed step must not leave half a batch: roll
			 * back and decide the rest one by one next time. */
			store_rollback(P->wdb);
			return;
		}
	}
	P->t_commit = uv_hrtime();
	if (store_commit(P->wdb)) {
		log_warnx("commit: %s", store_errmsg(P->wdb));
		store_rollback(P->wdb);
		for (qitem *q = P->batch; q; q = q->next)
			q->failed = 1;
	}
}

static void
after_work_cb(uv_work_t *w, int status)
{
	posko *P = w->data;
	qitem *q = P->batch, *next;
	int any_failed = 0;

	for (qitem *x = q; x; x = x->next)
		any_failed |= x->failed;
	P->batch = NULL;
	P->busy = 0;
	if (any_failed && q && q->next) {
		/* The batch was rolled back: decide again one at a time, so
		 * only the failing message is dropped. */
		qitem *last = q;
		size_t n = 1;
		while (last->next) {
			last->failed = 0;
			last = last->next;
			n++;
		}
		last->failed = 0;
		last->next = P->head;
		if (P->head == NULL)
			P->tail = last;
		P->head = q;
		P->queued += n;
		P->single = n;
		goto next;
	}
	for (; q; q = next) {
		next = q->next;
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
	{
		uint64_t t_pub = uv_hrtime();
		publish_pending(P);
		log_debug("batch: decided in %.1f ms, committed in %.1f ms, "
			  "published in %.1f ms",
			  (P->t_commit - P->t_decide) / 1e6,
			  (t_pub - P->t_commit) / 1e6,
			  (uv_hrtime() - t_pub) / 1e6);
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

	if (P->busy || P->head == NULL) {
		if (P->stopping && !P->busy)
			posko_stop(P);
		return;
	}
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
	P->batch = q;
	P->busy = 1;
	P->work.data = P;
	uv_queue_work(P->loop, &P->work, work_cb, after_work_cb);
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

size_t
posko_queue_message(posko *P, ingest_msg *m, const char *raw, size_t rawlen,
		    const char *origin, const char *operator_)
{
	qitem *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return 0;
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

	if (P->stopping)
		return;
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
		if (!P->busy && P->head == NULL) {
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
				enqueue(P, q);
			}
		}
		return;
	}
	posko_queue_message(P, &m, msg, len,
			    m.rep.origin == ORIGIN_CAP ? "cap" : "json", NULL);
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
	log_info("signal %d: stopping after the decision in flight", signum);
	sd_notify(0, "STOPPING=1");
	P->stopping = 1;
	if (!P->busy)
		posko_stop(P);
}

/* Reload the config file and the zones it names, all or nothing. Runs on
 * the loop while no decision holds the token. */
static void
reload(posko *P)
{
	posko_config *n = NULL;
	char err[1024];

	P->reload_pending = 0;
	if (config_load(P->config_path, &n, err, sizeof(err))) {
		log_warnx("SIGHUP: new config refused, the old one stays: %s",
			  err);
		return;
	}
	if (strcmp(n->daemon.db_path, P->cfg->daemon.db_path) ||
	    strcmp(n->bus.ingest, P->cfg->bus.ingest) ||
	    strcmp(n->bus.control, P->cfg->bus.control) ||
	    strcmp(n->bus.events, P->cfg->bus.events))
		log_warnx("SIGHUP: state_dir and [bus] endpoints change only "
			  "at restart; the sockets and the store stay");
	if (engine_reload_zones(&P->E, n, err, sizeof(err))) {
		log_warnx("SIGHUP: new config refused, the old one stays: "
			  "zones: %s",
			  err);
		config_free(n);
		return;
	}
	/* Households, shelters, depots and stock (the plan's reference
	 * data) reload at restart; zones, thresholds, limits and policy
	 * take effect now. */
	posko_config *old = P->cfg;
	P->cfg = n;
	P->E.cfg = n;
	config_free(old);
	log_info("SIGHUP: configuration %s reloaded (zones: %zu)",
		 P->config_path, geo_zoneset_count(P->E.zones));
	sd_notify(0, "READY=1\nSTATUS=configuration reloaded");
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
	char st[128];
	snprintf(st, sizeof(st),
		 "WATCHDOG=1\nSTATUS=%llu accepted, %llu rejected, %zu queued",
		 (unsigned long long)P->accepted,
		 (unsigned long long)P->rejected, P->queued);
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

static void
on_republish(uv_timer_t *t)
{
	posko *P = t->data;
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
	    store_open(cfg->daemon.db_path, &P->rdb, err, errlen))
		return -1;
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
	if (feedwire_start(P, err, errlen))
		return -1;
	P->published = 0;
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
	log_info("poskod %s ready: ingest %s, control %s, events %s",
		 POSKO_VERSION, cfg->bus.ingest, cfg->bus.control,
		 cfg->bus.events);
	sd_notify(0, "READY=1\nSTATUS=ready");
	return 0;
}

void
posko_stop(posko *P)
{
	P->stopping = 1;
	if (P->busy)
		return; /* after_work_cb calls back here */
	publish_pending(P);
	bus_close(P->ingest);
	bus_close(P->control);
	bus_close(P->control_ro);
	bus_close(P->events);
	P->ingest = P->control = P->control_ro = P->events = NULL;
	feedwire_stop(P);
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
	free(P->ctl_pending);
	P->ctl_pending = NULL;
	while (P->head) {
		qitem *q = P->head;
		P->head = q->next;
		qitem_free(q);
	}
	P->tail = NULL;
}

void
posko_free(posko *P)
{
	feedwire_free(P);
	engine_free(&P->E);
	store_close(P->rdb);
	store_close(P->wdb);
#ifdef HAVE_CAP
	cap_ctx_free(P->cap);
#endif
}
