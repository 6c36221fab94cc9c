/*
 * common.c — running a control command, usage errors, option parsing and
 * JSON path helpers shared by every poskoctl command (ctl.h).
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"

#include "ctl/lang.h"
#include "ctl/out.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ctl_request(ctl_ctx *ctx, const char *cmd, json_t *args, json_t **data)
{
	client_error err;
	return ctl_request_err(ctx, cmd, args, data, &err, 1);
}

int
ctl_request_err(ctl_ctx *ctx, const char *cmd, json_t *args, json_t **data,
                client_error *errp, int json_error)
{
	client_cfg c = ctx->conn;
	c.operator = ctx->operator;
	client_status st = client_call(&c, cmd, args, data, errp);
	json_decref(args);
	switch (st) {
	case CLIENT_OK:
		return CTL_EXIT_OK;
	case CLIENT_REFUSED:
		if (ctx->json && json_error) {
			json_t *e = json_pack("{s:b,s:{s:s,s:s,s:s}}", "ok", 0,
			                      "error", "code", errp->code, "field",
			                      errp->field, "message", errp->message);
			ctl_print_json(e);
			json_decref(e);
		}
		out_err(_("poskod refused: %s"), errp->message);
		if (strcmp(errp->code, "read_only") == 0)
			out_err(_("this terminal is connected to the read-only "
			          "socket %s; changes need the desk socket."),
			        errp->url);
		else if (strcmp(errp->code, "missing_operator") == 0)
			out_err(_("give your name with --operator NAME."));
		else if (strcmp(errp->code, "unknown_command") == 0)
			out_err(_("this poskod does not have `%s` yet: it is "
			          "older than this poskoctl. Nothing was "
			          "changed."),
			        cmd);
		else if (strcmp(errp->code, "internal") == 0)
			out_err(_("nothing was changed; the reason is in the "
			          "log: journalctl -u poskod"));
		return CTL_EXIT_REFUSED;
	case CLIENT_UNREACHABLE:
		out_err("%s", errp->message);
		return CTL_EXIT_UNREACHABLE;
	case CLIENT_PROTOCOL:
		break;
	}
	out_err("%s", errp->message);
	return CTL_EXIT_REFUSED;
}

void
ctl_print_json(const json_t *data)
{
	/* 15 significant digits: poskod's 97.4 prints as 97.4, not as
	 * the nearest double's 97.400000000000006. */
	char *s = json_dumps(data, JSON_INDENT(2) | JSON_ENCODE_ANY |
	                                   JSON_REAL_PRECISION(15));
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
}

int
ctl_request_print(ctl_ctx *ctx, const char *cmd, json_t *args,
                  ctl_print_fn print, const void *arg)
{
	json_t *d = NULL;
	int rc = ctl_request(ctx, cmd, args, &d);
	if (rc)
		return rc;
	if (ctx->json)
		ctl_print_json(d);
	else
		print(d, arg);
	json_decref(d);
	return CTL_EXIT_OK;
}

int
ctl_usage(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	out_err("%s", msg);
	if (cmd)
		out_err(_("see `poskoctl help %s` for how to use it."), cmd);
	else
		out_err(_("see `poskoctl help` for the commands."));
	return CTL_EXIT_USAGE;
}

int
ctl_getopt(int argc, char **argv, const char *shortopts,
           const struct option *longopts)
{
	static char **last;
	if (argv != last) {
		last = argv;
		optind = 0; /* glibc: re-initialise completely */
	}
	/* '+' stops at the first operand only for the main command line;
	 * subcommands allow options after operands ("show 3 --json"). */
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?') {
		if (optopt)
			out_err(_("option -%c is not known here or needs a "
			          "value"),
			        optopt);
		else
			out_err(_("option %s is not known here or needs a "
			          "value"),
			        argv[optind - 1]);
	} else if (c == ':') {
		out_err(_("option %s needs a value"), argv[optind - 1]);
		c = '?';
	}
	return c;
}

int
ctl_getopt_value(int argc, char **argv, const char *name, const char **value)
{
	/* name NULL: the table is empty and every option is unknown.  The
	 * option's letter is its name's first, the one ctl_getopt shows
	 * when the value is missing. */
	const int letter = name ? name[0] : 0;
	const struct option opts[] = {
		{name, required_argument, 0, letter},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c != letter)
			return -1;
		*value = optarg;
	}
	return 0;
}

int
ctl_getopt_none(int argc, char **argv)
{
	return ctl_getopt_value(argc, argv, NULL, NULL);
}

int
ctl_getopt_state(int argc, char **argv, const struct option *opts,
                 const char **state)
{
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		const struct option *o = opts;
		while (o->name && o->val != c)
			o++;
		if (!o->name)
			return -1;
		*state = o->name;
	}
	return 0;
}

json_t *
cj_get(const json_t *o, const char *path)
{
	char key[128];
	const json_t *cur = o;
	while (cur && path && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		path = dot ? dot + 1 : NULL;
	}
	return (json_t *)cur;
}

long long
cj_int(const json_t *o, const char *path, long long dflt)
{
	json_t *v = cj_get(o, path);
	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)(json_real_value(v) + 0.5);
	if (json_is_boolean(v))
		return json_is_true(v);
	return dflt;
}

double
cj_real(const json_t *o, const char *path, double dflt)
{
	json_t *v = cj_get(o, path);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

const char *
cj_str(const json_t *o, const char *path)
{
	static char num[8][64];
	static unsigned k;
	json_t *v = cj_get(o, path);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		char *b = num[k++ % 8];
		snprintf(b, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return b;
	}
	if (json_is_real(v)) {
		char *b = num[k++ % 8];
		snprintf(b, 64, "%g", json_real_value(v));
		return b;
	}
	return NULL;
}

int
cj_bool(const json_t *o, const char *path, int dflt)
{
	json_t *v = cj_get(o, path);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	return dflt;
}

const char *
cj_text(const json_t *o, const char *path)
{
	const char *s = cj_str(o, path);
	return s && *s ? s : "-";
}

long long
ctl_parse_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return -1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	long long v = strtoll(s, NULL, 10);
	return v > 0 ? v : -1;
}
