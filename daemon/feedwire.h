/*
 * daemon/feedwire.h - the BPBD feed wired into poskod (issue 7): RW flood
 * states, water-gate levels and CAP on the ingest socket and from the
 * spool directory, CAP 1.2 out for shelter-capacity and unplaced-evacuee
 * alerts, the situation report and HXL (timer and control commands),
 * feed.stale and CAP expires. docs/feed.md describes what an integrator
 * sees; this file only how posko.c calls it.
 *
 * Threads: everything runs on the loop. The feed writes to the store only
 * in feedwire_flush(), which posko.c calls at the start of every publish
 * (the decision token is free then); what the feed wants written before
 * that waits in a queue in memory.
 *
 * Store: the feed keeps its own tables (feed_meta, feed_cap, feed_expiry,
 * feed_gate), created if missing at start.
 */
#ifndef POSKO_DAEMON_FEEDWIRE_H
#define POSKO_DAEMON_FEEDWIRE_H

#include <stddef.h>

#include <jansson.h>

struct posko;
struct ingest_msg;
struct engine_result;
struct posko_config;

/* After engine_replay(): tables, RW and gate state from the store, the
 * spool directory, the outbox and sitrep directories, the timers. A
 * spool or gate layer that cannot be used is logged, not fatal. Returns 0
 * or -1 with err. */
int feedwire_start(struct posko *P, char *err, size_t errlen);
/* SIGHUP applied a new config (P->cfg; `old` is the one it replaced, freed
 * after): a new sitrep interval restarts the sitrep timer, new CAP outbox
 * and sitrep directories are created (a failure is logged, as at start).
 * The spool directory and the gate layer change only at restart (posko.c
 * keeps their running values). Loop only. */
void feedwire_reload(struct posko *P, const struct posko_config *old);
/* Stop the spool and the timers (posko_stop). */
void feedwire_stop(struct posko *P);
/* Release everything (posko_free, after the loop ended). */
void feedwire_free(struct posko *P);

/*
 * An ingest-socket message: returns 1 when the feed took it (CAP XML,
 * rw.state, rw.states, a PetaBencana FeatureCollection, gate.level,
 * gate.levels: queued, journaled or rejected with its ingest.rejected
 * event), 0 when it is for the ordinary path (incident.report and
 * anything else).
 */
int feedwire_ingest(struct posko *P, const char *buf, size_t len);

/* A queued message was decided (posko.c after_work_cb, once per item,
 * before it is freed): spool verdicts, CAP expiry bookkeeping. */
void feedwire_decided(struct posko *P, const struct ingest_msg *m,
		      const struct engine_result *res, int failed);

/* The engine was rebuilt (posko.c plan_swap): forget what was taken from
 * the old plan (the per-kelurahan sums). Loop only. */
void feedwire_plan_reset(struct posko *P);

/* Write what the feed has waiting (events, journal rows, feed.stale,
 * CAP out for new alert events, a due sitrep) in one transaction. Loop
 * only, decision token free: posko.c calls it first thing in every
 * publish. */
void feedwire_flush(struct posko *P);

/*
 * Control commands feed.sitrep, feed.hxl, feed.cap (docs/protocol.md,
 * "Feed"). Returns 0 with *data set, or -1 with code, field ("" when
 * none) and msg.
 */
int feedwire_control(struct posko *P, const char *cmd, json_t *args,
		     json_t **data, char *code, size_t codelen, char *field,
		     size_t fieldlen, char *msg, size_t msglen);

#endif
