/*
 * ctl.h — what every poskoctl command shares: the context built from the
 * global options, the exit codes, the command table and small JSON helpers.
 *
 * Exit codes (documented in poskoctl(1) and `poskoctl help`):
 *   0  done
 *   1  poskod refused or failed the command (its reason is printed), or
 *      rows of an import were rejected
 *   2  usage: unknown command or option, bad argument, unreadable file
 *   3  poskod could not be reached: no socket, no permission, no answer
 *      within --timeout
 */
#ifndef POSKO_CTL_CTL_H
#define POSKO_CTL_CTL_H

#include <jansson.h>
#include <stddef.h>

#include "ctl/client.h"

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,
};

typedef struct {
	int json;             /* --json: machine-readable output */
	const char *operator; /* --operator or the login name */
	client_cfg conn;      /* endpoints, timeout */
	const char *prog;     /* "poskoctl" */
} ctl_ctx;

/* A subcommand: argv[0] is its name; returns an exit code. */
typedef int (*ctl_cmd_fn)(ctl_ctx *ctx, int argc, char **argv);

/* --- commands (ctl/cmd_*.c) ------------------------------------------- */
int ctl_cmd_status(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_incident(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_shelter(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_household(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_checkin(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_checkout(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_transfer(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_stock(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_dispatch(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_alerts(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_report(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_import(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_watch(ctl_ctx *ctx, int argc, char **argv);

/* --- running a control command ---------------------------------------- */

/* Send cmd with args (reference stolen; NULL = {}) and print what went
 * wrong, in plain words, if it did.  *data gets a new reference on
 * success.  Returns an exit code. */
int ctl_request(ctl_ctx *ctx, const char *cmd, json_t *args, json_t **data);

/* The same, with the error returned in *err; with json_error 0 a refusal
 * is not printed as JSON on stdout (for a command that reports it in its
 * own JSON object), only in words on stderr. */
int ctl_request_err(ctl_ctx *ctx, const char *cmd, json_t *args,
                    json_t **data, client_error *err, int json_error);

/* Print data as JSON on stdout (--json). */
void ctl_print_json(const json_t *data);

/* Shows a reply in words; arg is what the command passed along. */
typedef void (*ctl_print_fn)(const json_t *data, const void *arg);

/* ctl_request, then the reply on stdout: as JSON with --json, otherwise
 * in words by print(data, arg).  args is stolen.  Returns an exit code. */
int ctl_request_print(ctl_ctx *ctx, const char *cmd, json_t *args,
                      ctl_print_fn print, const void *arg);

/* Usage error: message, then "try `poskoctl help CMD`". Returns 2. */
int ctl_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse the subcommand's options with getopt_long from argv[0] on.
 * Returns the option character, -1 at the end, '?' on an error (already
 * reported). Resets getopt when argv changes. */
struct option;
int ctl_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/* The options of a subcommand whose only option is --NAME VALUE: *value
 * gets the last one given (untouched when none is).  0, or -1 on any
 * other option (already reported; the caller adds its usage). */
int ctl_getopt_value(int argc, char **argv, const char *name,
                     const char **value);

/* The same for a subcommand that takes no options at all. */
int ctl_getopt_none(int argc, char **argv);

/* The options of a list filtered by state, where every option in opts is
 * a flag named after the state poskod is asked for (--all, --open...):
 * *state gets the name of the last one given (untouched when none is).
 * 0, or -1 on any other option (already reported). */
int ctl_getopt_state(int argc, char **argv, const struct option *opts,
                     const char **state);

/* --- JSON helpers: dotted paths ("people.present"), NULL-safe --------- */

json_t *cj_get(const json_t *o, const char *path);
long long cj_int(const json_t *o, const char *path, long long dflt);
double cj_real(const json_t *o, const char *path, double dflt);
/* A string value; numbers are formatted; NULL when absent or null. */
const char *cj_str(const json_t *o, const char *path);
int cj_bool(const json_t *o, const char *path, int dflt);
/* Like cj_str but "-" when absent. */
const char *cj_text(const json_t *o, const char *path);

/* Parse an operator-typed id: a positive integer; -1 otherwise. */
long long ctl_parse_id(const char *s);

#endif
