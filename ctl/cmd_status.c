/*
 * cmd_status.c — `poskoctl status`: the situation now, in one screen.
 *
 * The four people counts are kept apart on purpose (the office reports
 * them separately): affected (terdampak), evacuating (pengungsi), registered
 * in a shelter, present tonight.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

static void
row(out_table *t, const char *label, long long v, enum out_colour c)
{
	char n[OUT_NUMLEN], p[OUT_NUMLEN * 2];
	out_table_cell(t, label);
	out_table_cell(t, out_paint(p, sizeof p, v > 0 ? c : OUT_PLAIN,
	                            out_num(n, sizeof n, v)));
}

static void
print_status(const json_t *d)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN], c[OUT_NUMLEN], e[OUT_NUMLEN],
		when[64], up[64];
	out_time(when, sizeof when, time(NULL));
	out_duration(up, sizeof up, cj_int(d, "uptime_s", 0));
	printf(_("poskod %s, running for %s; as of %s"), cj_text(d, "version"),
	       up, when);
	printf("\n\n");

	out_table *t = out_table_new();
	out_table_col(t, "", OUT_LEFT);
	out_table_col(t, "", OUT_RIGHT);
	row(t, _("Incidents open"), cj_int(d, "incidents.open", 0), OUT_BOLD);
	row(t, _("People affected"), cj_int(d, "people.affected", 0),
	    OUT_PLAIN);
	row(t, _("People evacuating"), cj_int(d, "people.evacuating", 0),
	    OUT_PLAIN);
	row(t, _("Registered in a shelter"), cj_int(d, "people.registered", 0),
	    OUT_PLAIN);
	row(t, _("Present tonight"), cj_int(d, "people.present", 0),
	    OUT_PLAIN);
	row(t, _("Without a shelter"), cj_int(d, "people.unplaced", 0),
	    OUT_RED);
	row(t, _("Meals due today"), cj_int(d, "meals.due_today", 0),
	    OUT_PLAIN);
	row(t, _("Open alerts"), cj_int(d, "alerts.open", 0), OUT_YELLOW);
	row(t, _("Open shortages"), cj_int(d, "shortages.open", 0), OUT_RED);
	out_table_print(t, stdout);
	out_table_free(t);

	printf("\n");
	printf(_("Shelters: %s open, %s nearly full, %s full, %s closed"),
	       out_num(a, sizeof a, cj_int(d, "shelters.open", 0)),
	       out_num(b, sizeof b, cj_int(d, "shelters.nearly_full", 0)),
	       out_num(c, sizeof c, cj_int(d, "shelters.full", 0)),
	       out_num(e, sizeof e, cj_int(d, "shelters.closed", 0)));
	printf("\n");
	long long queued = cj_int(d, "pipeline.queued", 0);
	if ((queued > 0 || cj_bool(d, "pipeline.busy", 0)) &&
	    !cj_bool(d, "pipeline.held", 0))
		printf(_("poskod is deciding reports: %s waiting.\n"),
		       out_num(a, sizeof a, queued));

	/* What to do next, most urgent first. */
	if (cj_bool(d, "pipeline.held", 0))
		printf(_("→ poskod cannot write its store (%s): %s reports "
		         "wait, none is lost. Free disk space where the store "
		         "is (`df -h /var/lib/posko`); poskod tries again by "
		         "itself. Desk changes are refused until then.\n"),
		       cj_text(d, "pipeline.store_error"),
		       out_num(a, sizeof a, queued));
	long long unplaced = cj_int(d, "people.unplaced", 0);
	if (unplaced > 0)
		printf(_("→ %s persons have no shelter: open a shelter "
		         "(`poskoctl shelter open ID`) or raise a capacity "
		         "(`poskoctl shelter set-capacity`).\n"),
		       out_num(a, sizeof a, unplaced));
	if (cj_int(d, "shortages.open", 0) > 0)
		printf("%s", _("→ Supplies are short: see `poskoctl alerts` and "
		               "receive stock with `poskoctl stock receive`.\n"));
	else if (cj_int(d, "alerts.open", 0) > 0)
		printf("%s", _("→ See the open alerts with `poskoctl alerts`.\n"));
}

int
ctl_cmd_status(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{0, 0, 0, 0}};
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1)
		return ctl_usage("status", "%s", _("status takes no options."));
	if (optind < argc)
		return ctl_usage("status", _("status takes no argument, not "
		                             "`%s`."),
		                 argv[optind]);
	json_t *data = NULL;
	int rc = ctl_request(ctx, "status", NULL, &data);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json(data);
	else
		print_status(data);
	json_decref(data);
	return CTL_EXIT_OK;
}
