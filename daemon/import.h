/*
 * import.h - import.households, import.shelters, import.depots,
 * import.stock (docs/protocol.md 2.8): reference data sent in batches by
 * `poskoctl import`.
 *
 * A batch is all or nothing: every row is validated first, and one bad
 * row refuses the whole batch (the error names the batch, the row, the
 * field and why) with nothing changed. A good batch is stored in one
 * transaction with its journal row (the operator, the rows that changed)
 * and made live: new households, shelters, depots and lots are appended to
 * the engine's arrays (alloc ids stay stable), changed ones updated where
 * that is safe. A restart replays the journaled batches in order, so the
 * plan is rebuilt as it was decided.
 */
#ifndef POSKO_DAEMON_IMPORT_H
#define POSKO_DAEMON_IMPORT_H

#include <jansson.h>

#include "daemon/desk.h"
#include "daemon/engine.h"

struct posko;

/* 1 when cmd is import.households|shelters|depots|stock. */
int import_is_cmd(const char *cmd);

/*
 * Run one batch as the decision-token holder inside the caller's
 * transaction. Returns 0 (*data: the reply data, the caller's), 1 refused
 * (de says why; nothing changed) or -1 failed (err; the caller rolls back).
 */
int import_run(engine *E, const char *cmd, json_t *args, const char *op,
               const char *raw, size_t rawlen, json_t **data, desk_error *de,
               char *err, size_t errlen);

/* Re-apply a journaled batch at restart (no store writes). */
int import_replay(engine *E, const char *cmd, const char *effective,
                  int32_t today, char *err, size_t errlen);

/*
 * The control command (daemon/control.c): waits for the decision in
 * flight (*deferred = 1, like the desk writes), else runs the batch in a
 * transaction, commits, publishes its events. 0 with *data, or -1 with de.
 */
int import_control(struct posko *P, const char *cmd, json_t *args,
                   const char *op, const char *raw, size_t rawlen,
                   int *deferred, json_t **data, desk_error *de);

#endif
