#define _POSIX_C_SOURCE 200809L
#include "daemon/bus.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include "daemon/log.h"

struct bus_sock {
	int nn;
	uv_poll_t poll;
	int polling;
	int paused; /* the callback asked to stop reading (bus_pause) */
	bus_recv_fn fn;
	void *arg;
	char endpoint[256];
};

static void
on_readable(uv_poll_t *h, int status, int events)
{
	bus_sock *s = h->data;
	/* Bound the work per wakeup so one busy socket cannot starve the
	 * others; the fd stays readable while messages remain. */
	for (int i = 0; i < 512; i++) {
		void *msg = NULL;
		int n = nn_recv(s->nn, &msg, NN_MSG, NN_DONTWAIT);
		if (n < 0) {
			if (nn_errno() != EAGAIN && nn_errno() != EINTR)
				log_warnx("bus: %s: receive: %s", s->endpoint,
					  nn_strerror(nn_errno()));
			return;
		}
		s->fn(s, msg, (size_t)n, s->arg);
		nn_freemsg(msg);
		/* a REP socket whose reply waits must not take the next
		 * request: nanomsg would drop the one waiting */
		if (s->paused)
			return;
	}
}

bus_sock *
bus_open(uv_loop_t *loop, int proto, const char *endpoint, unsigned mode,
	 const char *group, bus_recv_fn fn, void *arg, char *err,
	 size_t errlen)
{
	bus_sock *s = calloc(1, sizeof(*s));
	int fd;
	size_t sz = sizeof(fd);

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(s->endpoint, sizeof(s->endpoint), "%s", endpoint);
	s->fn = fn;
	s->arg = arg;
	s->nn = nn_socket(AF_SP, proto);
	if (s->nn < 0)
		goto nnfail;
	if (proto == NN_PULL || proto == NN_REP) {
		/* No nanomsg size limit: a message over max_message_bytes
		 * must be read to be rejected with an event (nanomsg would
		 * drop it and the connection silently). */
		int unlimited = -1;
		nn_setsockopt(s->nn, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited,
			      sizeof(unlimited));
	}
	if (proto == NN_PUB) {
		int buf = 16 << 20;
		nn_setsockopt(s->nn, NN_SOL_SOCKET, NN_SNDBUF, &buf,
			      sizeof(buf));
	}
	if (strncmp(endpoint, "ipc://", 6) == 0)
		unlink(endpoint + 6); /* a stale file from a crash */
	if (nn_bind(s->nn, endpoint) < 0)
		goto nnfail;
	if (strncmp(endpoint, "ipc://", 6) == 0) {
		const char *path = endpoint + 6;
		if (chmod(path, mode) < 0)
			log_warn("bus: chmod %o %s", mode, path);
		if (group && *group) {
			struct group *g = getgrnam(group);
			if (g && chown(path, (uid_t)-1, g->gr_gid) < 0)
				log_warn("bus: chgrp %s %s", group, path);
		}
	}
	if (fn) {
		if (nn_getsockopt(s->nn, NN_SOL_SOCKET, NN_RCVFD, &fd, &sz) <
		    0)
			goto nnfail;
		if (uv_poll_init(loop, &s->poll, fd)) {
			snprintf(err, errlen, "%s: uv_poll_init failed",
				 endpoint);
			goto fail;
		}
		s->poll.data = s;
		s->polling = 1;
		uv_poll_start(&s->poll, UV_READABLE, on_readable);
	}
	return s;
nnfail:
	snprintf(err, errlen, "%s: %s", endpoint, nn_strerror(nn_errno()));
fail:
	if (s->nn >= 0)
		nn_close(s->nn);
	free(s);
	return NULL;
}

int
bus_send(bus_sock *s, const void *buf, size_t len)
{
	return nn_send(s->nn, buf, len, NN_DONTWAIT) < 0 ? -1 : 0;
}

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
}

void
bus_close(bus_sock *s)
{
	if (s == NULL)
		return;
	if (s->polling)
		uv_poll_stop(&s->poll);
	nn_close(s->nn);
	if (strncmp(s->endpoint, "ipc://", 6) == 0)
		unlink(s->endpoint + 6);
	if (s->polling)
		uv_close((uv_handle_t *)&s->poll, on_closed);
	else
		free(s);
}

void
bus_pause(bus_sock *s)
{
	if (s && s->polling) {
		s->paused = 1;
		uv_poll_stop(&s->poll);
	}
}

void
bus_resume(bus_sock *s)
{
	if (s && s->polling && s->paused) {
		s->paused = 0;
		uv_poll_start(&s->poll, UV_READABLE, on_readable);
	}
}

int
bus_paused(const bus_sock *s)
{
	return s && s->paused;
}

const char *
bus_endpoint(const bus_sock *s)
{
	return s->endpoint;
}
