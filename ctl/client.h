/*
 * client.h — one request to poskod's control socket (nanomsg REQ/REP).
 *
 * A request is sent, its reply awaited for at most timeout_ms, and the
 * socket closed: poskoctl is run once per command, so a long-lived
 * connection buys nothing.  REQ's automatic resend is pushed past the
 * timeout, because a resent write would be applied twice.
 *
 * Read-only commands go to the desk socket when this user may write to it
 * and to the read-only socket otherwise, so a wall display (not in the
 * posko group) works with the same commands.
 */
#ifndef POSKO_CTL_CLIENT_H
#define POSKO_CTL_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#define CLIENT_URL_MAX 512

typedef struct {
	char control[CLIENT_URL_MAX];    /* desk socket: every command */
	char control_ro[CLIENT_URL_MAX]; /* read-only socket, or "" */
	char events[CLIENT_URL_MAX];     /* PUB socket */
	int timeout_ms;                  /* per request */
	const char *operator;            /* sent with every request */
} client_cfg;

typedef enum {
	CLIENT_OK = 0,
	CLIENT_REFUSED,     /* ok:false: err has the daemon's code and reason */
	CLIENT_UNREACHABLE, /* no socket, no permission, no answer */
	CLIENT_PROTOCOL,    /* an answer poskoctl cannot read */
} client_status;

typedef struct {
	char code[64];      /* daemon's error code, or ours: "no_socket",
	                       "permission", "timeout", "connect", "protocol" */
	char field[128];    /* daemon's field at fault, or "" */
	char message[1024]; /* plain words, what to do next */
	char url[CLIENT_URL_MAX]; /* the endpoint tried */
	int maybe_applied;  /* a write timed out: it may have been applied */
} client_error;

/* Is cmd a read-only command (docs/protocol.md §2)? */
int client_cmd_readonly(const char *cmd);

/* Send {"v":1,"cmd":cmd,"args":args,"operator":..,"id":..}; args is
 * borrowed (NULL = {}).  On CLIENT_OK *data holds a new reference to the
 * reply's data (json null if none).  On anything else err says why. */
client_status client_call(const client_cfg *c, const char *cmd,
                          const json_t *args, json_t **data,
                          client_error *err);

/* The path of an ipc:// URL (NULL otherwise). */
const char *client_ipc_path(const char *url);

/* Defaults: the ipc sockets under /run/posko (protocol.md §Sockets). */
void client_cfg_defaults(client_cfg *c);

#endif
