/*
 * events.c — subscribing to poskod's events socket (events.h).
 */
#define _GNU_SOURCE
#include "ctl/events.h"

#include "ctl/client.h"
#include "ctl/lang.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
events_open(const char *url, const char *const *prefixes, size_t n,
            char *err, size_t errlen)
{
	const char *path = client_ipc_path(url);
	struct stat st;
	if (path && stat(path, &st) != 0) {
		snprintf(err, errlen,
		         _("poskod is not running: there is no events socket "
		           "at %s. Start it with `systemctl start poskod`, or "
		           "give the right one with --events or --config."),
		         path);
		return -1;
	}
	if (path && access(path, R_OK | W_OK) != 0) {
		snprintf(err, errlen,
		         _("you may not read the events socket %s. Ask an "
		           "administrator to add you to the posko group."),
		         path);
		return -1;
	}
	int s = nn_socket(AF_SP, NN_SUB);
	if (s < 0) {
		snprintf(err, errlen, "nn_socket: %s", nn_strerror(errno));
		return -1;
	}
	int unlimited = -1;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited,
	              sizeof unlimited);
	/* PUB drops what a slow subscriber's buffer cannot hold: an incident
	 * publishes ~1,200 events in one burst on the sample (and the board
	 * is busy asking poskod meanwhile), which overflows the default
	 * 128 kB.  16 MiB holds a city-wide burst. */
	int rcvbuf = 16 * 1024 * 1024;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (n == 0)
		nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0);
	for (size_t i = 0; i < n; i++)
		nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, prefixes[i],
		              strlen(prefixes[i]));
	if (nn_connect(s, url) < 0) {
		snprintf(err, errlen,
		         _("cannot use the events address %s (%s). Check [bus] "
		           "events in posko.conf or --events."),
		         url, nn_strerror(errno));
		nn_close(s);
		return -1;
	}
	return s;
}

int
events_wait_connected(int sock, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		if (nn_get_statistic(sock, NN_STAT_CURRENT_CONNECTIONS) > 0)
			return 1;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
events_next(int sock, int timeout_ms, char **topic, json_t **ev)
{
	nn_setsockopt(sock, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
	              sizeof timeout_ms);
	for (;;) {
		char *buf = NULL;
		int n = nn_recv(sock, &buf, NN_MSG, 0);
		if (n < 0) {
			if (errno == ETIMEDOUT || errno == EAGAIN ||
			    errno == EINTR)
				return 0;
			return -1;
		}
		size_t len = (size_t)n;
		while (len > 0 && (buf[len - 1] == '\0' || buf[len - 1] == '\n'))
			len--;
		char *sp = memchr(buf, ' ', len);
		if (!sp) {
			nn_freemsg(buf);
			continue;
		}
		json_t *obj = json_loadb(sp + 1, len - (size_t)(sp + 1 - buf),
		                         0, NULL);
		if (!obj || !json_is_object(obj)) {
			json_decref(obj);
			nn_freemsg(buf);
			continue;
		}
		/* The message is not NUL-terminated: copy the topic by
		 * length, never with a string function. */
		size_t tlen = (size_t)(sp - buf);
		*topic = malloc(tlen + 1);
		if (*topic == NULL) {
			json_decref(obj);
			nn_freemsg(buf);
			return -1;
		}
		memcpy(*topic, buf, tlen);
		(*topic)[tlen] = '\0';
		*ev = obj;
		nn_freemsg(buf);
		return 1;
	}
}

int
events_fd(int sock)
{
	int fd = -1;
	size_t sz = sizeof fd;
	if (nn_getsockopt(sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &sz) < 0)
		return -1;
	return fd;
}

void
events_close(int sock)
{
	if (sock >= 0)
		nn_close(sock);
}
