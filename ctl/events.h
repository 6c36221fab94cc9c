/*
 * events.h — subscribing to poskod's events socket (PUB, "topic SP json").
 */
#ifndef POSKO_CTL_EVENTS_H
#define POSKO_CTL_EVENTS_H

#include <jansson.h>
#include <stddef.h>

/* Open a SUB socket on url subscribed to each topic prefix (none = all).
 * Returns the nanomsg socket, or -1 with a plain-words reason in err. */
int events_open(const char *url, const char *const *prefixes, size_t n,
                char *err, size_t errlen);

/* Wait up to ms for the connection to be up (a subscriber that is not
 * connected yet misses what is published meanwhile).  1 up, 0 not yet. */
int events_wait_connected(int sock, int ms);

/* The next event within timeout_ms (-1 = forever): 1 with *topic (malloc)
 * and *ev (new reference), 0 on timeout or interrupt, -1 on a closed
 * socket.  A message that is not "topic SP json" is skipped. */
int events_next(int sock, int timeout_ms, char **topic, json_t **ev);

/* The descriptor that becomes readable when an event is waiting. */
int events_fd(int sock);

void events_close(int sock);

#endif
