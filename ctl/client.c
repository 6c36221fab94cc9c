/*
 * client.c — a request to poskod's control socket (client.h).
 */
#define _GNU_SOURCE
#include "ctl/client.h"

#include "ctl/lang.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* docs/protocol.md §2: every other command is a write. */
static const char *const readonly_cmds[] = {
	"status",         "incident.list", "incident.show",
	"shelter.list",   "shelter.show",  "household.find",
	"stock.list",     "alerts.list",   "report.spm",
};

int
client_cmd_readonly(const char *cmd)
{
	for (size_t i = 0; i < sizeof readonly_cmds / sizeof *readonly_cmds;
	     i++)
		if (strcmp(cmd, readonly_cmds[i]) == 0)
			return 1;
	return 0;
}

void
client_cfg_defaults(client_cfg *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->control, sizeof c->control, "%s",
	         "ipc:///run/posko/control.ipc");
	snprintf(c->control_ro, sizeof c->control_ro, "%s",
	         "ipc:///run/posko/control-ro.ipc");
	snprintf(c->events, sizeof c->events, "%s",
	         "ipc:///run/posko/events.ipc");
	c->timeout_ms = 10000;
}

const char *
client_ipc_path(const char *url)
{
	if (url && strncmp(url, "ipc://", 6) == 0)
		return url + 6;
	return NULL;
}

static void
set_err(client_error *e, const char *code, const char *url, const char *fmt,
        ...) __attribute__((format(printf, 4, 5)));

static void
set_err(client_error *e, const char *code, const char *url, const char *fmt,
        ...)
{
	va_list ap;
	snprintf(e->code, sizeof e->code, "%s", code);
	e->field[0] = '\0';
	snprintf(e->url, sizeof e->url, "%s", url ? url : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

/* What is wrong with an ipc socket file before nanomsg hides it behind a
 * silent reconnect loop: 0 usable, ENOENT, EACCES. */
static int
ipc_check(const char *url)
{
	const char *path = client_ipc_path(url);
	if (!path)
		return 0;
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == EACCES ? EACCES : ENOENT;
	if (access(path, R_OK | W_OK) != 0)
		return EACCES;
	/* A file nobody listens on is left from a run that died: say so
	 * instead of waiting out the timeout. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(fd);
	if (rc != 0 && e == ECONNREFUSED)
		return ECONNREFUSED;
	if (rc != 0 && e == EACCES)
		return EACCES;
	return 0;
}

/* Choose the socket for cmd: the desk socket, or for a read-only command
 * the read-only one when the desk socket is closed to this user. */
static const char *
pick_url(const client_cfg *c, const char *cmd, client_error *err)
{
	int rc = ipc_check(c->control);
	if (rc == 0)
		return c->control;
	int ro = client_cmd_readonly(cmd);
	if (ro && c->control_ro[0] && ipc_check(c->control_ro) == 0)
		return c->control_ro;
	if (rc == EACCES) {
		const char *user = getenv("USER");
		set_err(err, "permission", c->control,
		        _("you may not use the desk socket %s (it is for the "
		          "posko group). Ask an administrator to run `usermod "
		          "-aG posko %s`, then log in again.%s"),
		        client_ipc_path(c->control), user ? user : "YOU",
		        ro ? "" : _(" Read-only commands (status, lists, "
		                    "reports) work without it."));
		return NULL;
	}
	if (rc == ECONNREFUSED) {
		set_err(err, "no_socket", c->control,
		        _("poskod is not running: nothing listens on %s (the "
		          "file is left from an earlier run). Start it with "
		          "`systemctl start poskod` and see `systemctl status "
		          "poskod`."),
		        client_ipc_path(c->control));
		return NULL;
	}
	set_err(err, "no_socket", c->control,
	        _("poskod is not running: there is no socket at %s. Start it "
	          "with `systemctl start poskod` and see `systemctl status "
	          "poskod`; or point poskoctl at the right socket with "
	          "--config or --control."),
	        client_ipc_path(c->control));
	return NULL;
}

static json_t *
build_request(const client_cfg *c, const char *cmd, const json_t *args,
              const char *id)
{
	json_t *req = json_object();
	json_object_set_new(req, "v", json_integer(1));
	json_object_set_new(req, "cmd", json_string(cmd));
	json_object_set_new(req, "args",
	                    args ? json_deep_copy(args) : json_object());
	if (c->operator && *c->operator)
		json_object_set_new(req, "operator", json_string(c->operator));
	json_object_set_new(req, "id", json_string(id));
	return req;
}

/* Read a reply: CLIENT_OK with *data, CLIENT_REFUSED with err, or
 * CLIENT_PROTOCOL. */
static client_status
parse_reply(const char *buf, size_t len, const char *id, const char *url,
            json_t **data, client_error *err)
{
	json_error_t je;
	json_t *rep = json_loadb(buf, len, JSON_DECODE_ANY, &je);
	if (!rep || !json_is_object(rep)) {
		set_err(err, "protocol", url,
		        _("poskod sent a reply poskoctl cannot read (%s). Are "
		          "poskod and poskoctl the same version?"),
		        rep ? "not an object" : je.text);
		json_decref(rep);
		return CLIENT_PROTOCOL;
	}
	json_t *v = json_object_get(rep, "v");
	json_t *rid = json_object_get(rep, "id");
	json_t *ok = json_object_get(rep, "ok");
	if (!json_is_integer(v) || json_integer_value(v) != 1 ||
	    !json_is_boolean(ok) ||
	    (json_is_string(rid) && strcmp(json_string_value(rid), id) != 0)) {
		set_err(err, "protocol", url,
		        _("poskod sent a reply of another protocol version or "
		          "for another request. Are poskod and poskoctl the "
		          "same version?"));
		json_decref(rep);
		return CLIENT_PROTOCOL;
	}
	if (json_is_true(ok)) {
		json_t *d = json_object_get(rep, "data");
		*data = d ? json_incref(d) : json_null();
		json_decref(rep);
		return CLIENT_OK;
	}
	json_t *e = json_object_get(rep, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *field = json_string_value(json_object_get(e, "field"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	set_err(err, code ? code : "unknown", url, "%s",
	        msg ? msg : _("poskod refused the command without a reason"));
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	json_decref(rep);
	return CLIENT_REFUSED;
}

static int
open_req(const client_cfg *c, const char *url)
{
	int s = nn_socket(AF_SP, NN_REQ);
	if (s < 0)
		return -1;
	int to = c->timeout_ms > 0 ? c->timeout_ms : 10000;
	/* Never resend inside our own timeout: a resent write would be
	 * applied twice by a slow daemon. */
	int resend = to + 60000;
	int unlimited = -1, linger = 0;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &to, sizeof to);
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &to, sizeof to);
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited,
	              sizeof unlimited);
	nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &linger, sizeof linger);
	nn_setsockopt(s, NN_REQ, NN_REQ_RESEND_IVL, &resend, sizeof resend);
	if (nn_connect(s, url) < 0) {
		int e = errno;
		nn_close(s);
		errno = e;
		return -1;
	}
	return s;
}

static void
timeout_err(const client_cfg *c, const char *cmd, const char *url,
            client_error *err)
{
	char secs[32];
	snprintf(secs, sizeof secs, "%g", (c->timeout_ms > 0 ? c->timeout_ms
	                                                     : 10000) / 1000.0);
	if (client_cmd_readonly(cmd)) {
		set_err(err, "timeout", url,
		        _("poskod is not answering on %s (waited %s s): is it "
		          "running? See `systemctl status poskod`. If it is busy "
		          "with a large incident, try again with --timeout 60."),
		        url, secs);
	} else {
		set_err(err, "timeout", url,
		        _("poskod is not answering on %s (waited %s s): is it "
		          "running? See `systemctl status poskod`. The command "
		          "may still be carried out when poskod catches up: "
		          "check (for example with `poskoctl status`) before "
		          "you repeat it."),
		        url, secs);
		err->maybe_applied = 1;
	}
}

client_status
client_call(const client_cfg *c, const char *cmd, const json_t *args,
            json_t **data, client_error *err)
{
	static unsigned seq;
	memset(err, 0, sizeof *err);
	*data = NULL;
	const char *url = pick_url(c, cmd, err);
	if (!url)
		return CLIENT_UNREACHABLE;
	char id[64];
	snprintf(id, sizeof id, "poskoctl-%ld-%u", (long)getpid(), ++seq);
	json_t *req = build_request(c, cmd, args, id);
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text) {
		set_err(err, "protocol", url, "%s", _("out of memory"));
		return CLIENT_PROTOCOL;
	}
	int s = open_req(c, url);
	if (s < 0) {
		set_err(err, "connect", url,
		        _("cannot use the address %s (%s). Check [bus] control "
		          "in posko.conf or --control."),
		        url, nn_strerror(errno));
		free(text);
		return CLIENT_UNREACHABLE;
	}
	client_status st;
	if (nn_send(s, text, strlen(text), 0) < 0) {
		/* Not sent at all: nothing was applied, whatever the cmd. */
		timeout_err(c, "status", url, err);
		st = CLIENT_UNREACHABLE;
		goto done;
	}
	char *buf = NULL;
	int n = nn_recv(s, &buf, NN_MSG, 0);
	if (n < 0) {
		if (errno == ETIMEDOUT || errno == EAGAIN)
			timeout_err(c, cmd, url, err);
		else
			set_err(err, "connect", url, "%s: %s", url,
			        nn_strerror(errno));
		st = CLIENT_UNREACHABLE;
		goto done;
	}
	size_t len = (size_t)n;
	/* protocol.md: one trailing NUL or newline is tolerated. */
	while (len > 0 && (buf[len - 1] == '\0' || buf[len - 1] == '\n'))
		len--;
	st = parse_reply(buf, len, id, url, data, err);
	nn_freemsg(buf);
done:
	nn_close(s);
	free(text);
	return st;
}
