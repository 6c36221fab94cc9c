/*
 * desk.h - the desk's write commands that change the plan or the store
 * (shelter.open/close/set_capacity, checkin, checkout, stock.receive,
 * stock.adjust, dispatch.confirm, alerts.ack). Decision-token holder only,
 * inside the caller's transaction.
 */
#ifndef POSKO_DAEMON_DESK_H
#define POSKO_DAEMON_DESK_H

#include <jansson.h>

#include "daemon/engine.h"

typedef struct desk_error {
	char code[32];     /* protocol.md 2 error code */
	char field[96];    /* "args.shelter", "" when none */
	char message[400];
} desk_error;

typedef struct desk_result {
	size_t placed, unplaced, released, dispatches;
	int64_t released_p;
} desk_result;

/* 1 when cmd is one of the commands above. */
int desk_is_step(const char *cmd);

/*
 * Run one command: 0 done (journaled, plan changed, rows and events
 * written), 1 refused (de says why; nothing was changed), -1 failed (err;
 * the caller rolls back).
 */
int desk_run(engine *E, const char *cmd, json_t *args, const char *op,
	     const char *raw, size_t rawlen, desk_result *res, desk_error *de,
	     char *err, size_t errlen);

/* Re-apply a journaled command to the plan at restart (no writes). */
int desk_replay(engine *E, const char *cmd, const char *effective,
		int32_t today, char *err, size_t errlen);

/* After a plan step that began at plan rev rev0 (a desk command, an
 * import): the changed records and their events, the incident totals,
 * the alerts. 0 or -1. */
int desk_after_step(engine *E, uint32_t rev0, const char *op, int32_t today,
		    desk_result *res);

/* Write every shelter's state and capacity (after a replay). */
int desk_sync_shelters(engine *E);

/* Append a lot to the engine's lot table; its index or -1. */
long desk_lot_add(engine *E, long depot, const char *lot, int item,
		  int32_t expires);

#endif
