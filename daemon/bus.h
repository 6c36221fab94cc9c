/*
 * bus.h - nanomsg sockets driven by the libuv loop.
 *
 * Each receiving socket's NN_RCVFD is watched with uv_poll: when it is
 * readable, every queued message is taken with nn_recv(NN_DONTWAIT) and
 * handed to the callback; nothing busy-polls and no thread blocks in
 * nn_recv. PUB sends never block (NN_DONTWAIT; a subscriber too slow to
 * keep its buffer drained loses messages, which is PUB/SUB's contract).
 */
#ifndef POSKO_DAEMON_BUS_H
#define POSKO_DAEMON_BUS_H

#include <stddef.h>

#include <uv.h>

typedef struct bus_sock bus_sock;

/* msg is owned by nanomsg (nn_freemsg after the callback returns). */
typedef void (*bus_recv_fn)(bus_sock *s, void *msg, size_t len, void *arg);

/*
 * Open a socket of protocol proto (NN_PULL, NN_REP, NN_PUB), bind it to
 * endpoint, and for ipc:// set the file's mode (and group when group is
 * non-NULL and exists). fn may be NULL for send-only sockets. Returns NULL
 * with err filled.
 */
bus_sock *bus_open(uv_loop_t *loop, int proto, const char *endpoint,
		   unsigned mode, const char *group, bus_recv_fn fn,
		   void *arg, char *err, size_t errlen);
/* Send (REP replies, PUB events). Returns 0 or -1 (errno). */
int bus_send(bus_sock *s, const void *buf, size_t len);
/* Stop watching, close the socket, remove the ipc file. */
void bus_close(bus_sock *s);
const char *bus_endpoint(const bus_sock *s);
/* Stop / start taking messages (a REP socket whose reply must wait). */
void bus_pause(bus_sock *s);
void bus_resume(bus_sock *s);
/* 1 while paused (NULL: 0). */
int bus_paused(const bus_sock *s);

#endif
