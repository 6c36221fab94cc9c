/*
 * cmd_alerts.c — `poskoctl alerts [--all|--acknowledged|--cleared]` and
 * `poskoctl alerts ack ID`.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/describe.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static enum out_colour
level_colour(const char *level)
{
	if (level && (strcmp(level, "critical") == 0 || strcmp(level, "full") == 0))
		return OUT_RED;
	return OUT_YELLOW;
}

static void
print_list(const json_t *d, const void *arg)
{
	json_t *arr = cj_get(d, "alerts");
	if (!json_array_size(arr)) {
		printf("%s\n", _("No alerts."));
		return;
	}
	out_table *t = out_table_new();
	out_table_col(t, _("ID"), OUT_RIGHT);
	out_table_col(t, _("LEVEL"), OUT_LEFT);
	out_table_col(t, _("STATE"), OUT_LEFT);
	out_table_col(t, _("RAISED"), OUT_LEFT);
	out_table_col(t, _("WHAT"), OUT_LEFT);
	size_t i;
	json_t *a;
	int unacked = 0;
	json_array_foreach(arr, i, a)
	{
		char buf[512], when[64], lvl[128];
		const char *level = cj_str(a, "level");
		const char *state = cj_str(a, "state");
		const json_t *det = cj_get(a, "detail");
		out_table_cell(t, cj_text(a, "alert"));
		out_table_cell(t, out_paint(lvl, sizeof lvl, level_colour(level),
		                            describe_level(level)));
		if (state && strcmp(state, "acknowledged") == 0 &&
		    cj_str(a, "acked_by"))
			out_table_cellf(t, _("%s by %s"), describe_status(state),
			                cj_str(a, "acked_by"));
		else
			out_table_cell(t, describe_status(state));
		if (state && strcmp(state, "raised") == 0)
			unacked++;
		out_table_cell(t, out_time_str(when, sizeof when,
		                               cj_str(a, "raised")));
		out_table_cell(t, describe_alert(buf, sizeof buf,
		                                 cj_str(a, "topic"),
		                                 det && json_is_object(det) ? det
		                                                            : a));
	}
	out_table_print(t, stdout);
	out_table_free(t);
	if (unacked)
		printf("%s\n", _("→ Acknowledge an alert you are handling with "
		                 "`poskoctl alerts ack ID --note TEXT`; it clears "
		                 "by itself when its cause goes away."));
}

/* Who acknowledged which alert, for the message. */
typedef struct {
	long long alert;
	const char *operator;
} ack;

static void
print_acked(const json_t *d, const void *arg)
{
	const ack *a = arg;
	printf(_("Alert %lld acknowledged by %s. It stays open until its "
	         "cause goes away.\n"),
	       a->alert, a->operator ? a->operator : "?");
}

static int
cmd_ack(ctl_ctx *ctx, int argc, char **argv)
{
	const char *note = NULL;
	if (ctl_getopt_value(argc, argv, "note", &note))
		return ctl_usage("alerts", "%s",
		                 _("alerts ack takes an alert number and "
		                   "--note TEXT."));
	if (optind + 1 != argc)
		return ctl_usage("alerts", "%s",
		                 _("alerts ack takes one alert number."));
	long long id = ctl_parse_id(argv[optind]);
	if (id < 0)
		return ctl_usage("alerts",
		                 _("`%s` is not an alert number; `poskoctl "
		                   "alerts` shows them."),
		                 argv[optind]);
	json_t *args = json_pack("{s:I}", "alert", (json_int_t)id);
	if (note)
		json_object_set_new(args, "note", json_string(note));
	ack a = {id, ctx->operator};
	return ctl_request_print(ctx, "alerts.ack", args, print_acked, &a);
}

int
ctl_cmd_alerts(ctl_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "ack") == 0)
		return cmd_ack(ctx, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		argc--, argv++;
	static const struct option opts[] = {
		{"all", no_argument, 0, 'a'},
		{"open", no_argument, 0, 'o'},
		{"acknowledged", no_argument, 0, 'k'},
		{"cleared", no_argument, 0, 'c'},
		{0, 0, 0, 0},
	};
	const char *state = "open";
	if (ctl_getopt_state(argc, argv, opts, &state))
		return ctl_usage("alerts", "%s",
		                 _("alerts takes --all, --open, "
		                   "--acknowledged or --cleared."));
	if (optind < argc)
		return ctl_usage("alerts",
		                 _("alerts has no `%s`; use `alerts` or `alerts "
		                   "ack ID`."),
		                 argv[optind]);
	return ctl_request_print(ctx, "alerts.list",
	                         json_pack("{s:s}", "state", state), print_list,
	                         NULL);
}
