/*
 * control.h - the control socket's commands (docs/protocol.md section 2).
 * Reads are answered from the store at once; writes that decide go through
 * the decision queue.
 */
#ifndef POSKO_DAEMON_CONTROL_H
#define POSKO_DAEMON_CONTROL_H

#include <stddef.h>

struct posko;
struct ingest_msg;

/* Handle one request; returns the malloc'ed reply text (*len bytes). When
 * the request must wait for the decision in flight, returns NULL with
 * *deferred = 1: the caller stops reading the socket and calls again once
 * the decision is done (posko.c). */
char *control_handle(struct posko *P, const char *req, size_t len,
		     int readonly, size_t *rlen, int *deferred);

/* Release what the control handlers keep between requests (the copy of
 * the plan household.find reads). */
void control_free(void);

/* Queue a parsed report (posko.c), journaled in the inbox first;
 * returns its position. */
size_t posko_queue_message(struct posko *P, struct ingest_msg *m,
			   const char *raw, size_t rawlen, const char *origin,
			   const char *operator_);
/* The same for a report read from a spool file, which stays on disk until
 * decided (its journal): not written to the inbox. */
size_t posko_queue_spooled(struct posko *P, struct ingest_msg *m,
			   const char *raw, size_t rawlen, const char *origin);

#endif
