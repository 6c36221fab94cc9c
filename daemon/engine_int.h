/*
 * engine_int.h - the parts of engine.c that the desk commands (desk.c)
 * share: storing plan changes with their events, alerts. Token holder
 * only; inside the caller's transaction.
 */
#ifndef POSKO_DAEMON_ENGINE_INT_H
#define POSKO_DAEMON_ENGINE_INT_H

#include <jansson.h>

#include "daemon/engine.h"

/* Households and persons of one incident, as incident events carry them. */
typedef struct counts {
	int64_t aff_hh, aff_p, ev_hh, ev_p, pl_hh, pl_p, un_hh, un_p;
} counts;

void fill_alloc_shelter(const engine *E, size_t i, struct alloc_shelter *a);
/* Every incident's totals from the plan into the store, and its unplaced
 * and shortage alerts (after a step that may place anyone: a desk step, a
 * new shelter, new stock). 0 or -1. */
int incidents_refresh(engine *E);
/* Tell the plan shelter i changed (state, capacity, accessibility, or new):
 * its families re-homed or unplaced families placed. 0 or -1 with err. */
int shelter_replan(engine *E, size_t i, int32_t today, char *err,
		   size_t errlen);
const char *shelter_name(const engine *E, uint32_t id);
/* Add an event to the outbox (body consumed). 0 or -1. */
int emit(engine *E, const char *topic, json_t *body);
int64_t alert_raise(engine *E, const char *topic, const char *kind,
		    const char *subject, const char *level, json_t *detail);
int alert_clear(engine *E, int64_t id, const char *topic, json_t *detail);
int64_t open_alert(engine *E, const char *topic, const char *subject);
int shelter_alerts(engine *E);
int shortage_alerts(engine *E, int64_t inc);
int unplaced_alert(engine *E, int64_t inc, const counts *c);
/* alert.depot (meal cover) and alert.expiry as of day today. */
int supply_alerts(engine *E, int32_t today);
void count_evacuee(counts *c, const struct alloc_evacuee *e);
/* Store and publish every plan record with rev > rev0 (see engine.c).
 * flags: WC_TAIL_ONLY (only records from from_ev / from_disp changed),
 * WC_DESK (a desk step: a family that leaves checked out, not released).
 * operator_ goes on the events (NULL when no person decided). */
enum { WC_TAIL_ONLY = 1, WC_DESK = 2 };
int write_changes(engine *E, uint32_t inc, uint32_t rev0, size_t from_ev,
		  size_t from_disp, int flags, const char *operator_,
		  counts *cnt, size_t *placed, size_t *unplaced,
		  size_t *released, int64_t *released_p, size_t *ndisp);

#endif
