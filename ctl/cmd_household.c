/*
 * cmd_household.c — `poskoctl household find`, `checkin` (a walk-in with
 * SHELTER --incident ID), `checkout`, `transfer`: where a family is, since
 * when, what it has received (protocol.md 2.4).
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/describe.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long long
kits_total(const json_t *h)
{
	return cj_int(h, "received.kits.kit_adult", 0) +
	       cj_int(h, "received.kits.kit_child", 0) +
	       cj_int(h, "received.kits.kit_infant", 0) +
	       cj_int(h, "received.kits.kit_family", 0);
}

static char *
vulnerable(char *buf, size_t len, const json_t *h)
{
	static const struct {
		const char *key, *word;
	} v[] = {
		{"elderly", N_("elderly")},
		{"under5", N_("under five")},
		{"disabled", N_("disabled")},
		{"pregnant", N_("pregnant")},
	};
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		long long n = cj_int(h, v[i].key, 0);
		if (n <= 0)
			continue;
		int w = snprintf(buf + o, len - o, "%s%lld %s", o ? ", " : "", n,
		                 _(v[i].word));
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	if (!o)
		snprintf(buf, len, "-");
	return buf;
}

/* "present in SH-0001 since 2007-02-02 09:10 WIB (3 h 5 min)" */
static char *
whereabouts(char *buf, size_t len, const json_t *h)
{
	const json_t *a = cj_get(h, "assignment");
	if (!a || json_is_null(a)) {
		snprintf(buf, len, "%s", _("not in a shelter"));
		return buf;
	}
	const char *status = cj_str(a, "status");
	const char *since = cj_str(a, "since");
	if (status && strcmp(status, "present") == 0 && cj_str(a, "checked_in"))
		since = cj_str(a, "checked_in");
	if (status && strcmp(status, "checked_out") == 0 &&
	    cj_str(a, "checked_out"))
		since = cj_str(a, "checked_out");
	char when[64], dur[64] = "";
	time_t t;
	if (since && out_time_parse(since, &t) == 0) {
		out_time(when, sizeof when, t);
		out_duration(dur, sizeof dur, (long long)(time(NULL) - t));
	} else {
		snprintf(when, sizeof when, "-");
	}
	if (status && strcmp(status, "released") == 0)
		/* protocol.md 2.4 gives no time for a release. */
		snprintf(buf, len, _("%s from %s, incident %s"),
		         describe_status(status), cj_text(a, "shelter"),
		         cj_text(a, "incident"));
	else if (status && strcmp(status, "checked_out") == 0)
		/* No longer there: say where it was and when it left. */
		snprintf(buf, len, _("%s from %s at %s (%s ago), incident %s"),
		         describe_status(status), cj_text(a, "shelter"), when,
		         dur, cj_text(a, "incident"));
	else
		snprintf(buf, len, _("%s in %s since %s (%s), incident %s"),
		         describe_status(status), cj_text(a, "shelter"), when,
		         dur, cj_text(a, "incident"));
	return buf;
}

static void
print_one(const json_t *h)
{
	char buf[512], a[OUT_NUMLEN];
	printf(_("Household %s"), cj_text(h, "household"));
	printf("\n");
	out_table *t = out_table_new();
	out_table_col(t, "", OUT_LEFT);
	out_table_col(t, "", OUT_LEFT);
	out_table_kv(t, _("Where"), whereabouts(buf, sizeof buf, h));
	out_table_kv(t, _("Members"),
	             out_num(a, sizeof a, cj_int(h, "members", 0)));
	out_table_kv(t, _("Vulnerable"), vulnerable(buf, sizeof buf, h));
	out_table_kv(t, _("Kelurahan"), cj_text(h, "kelurahan"));
	json_t *aff = cj_get(h, "affected_by");
	size_t i;
	json_t *x;
	size_t o = 0;
	buf[0] = '\0';
	json_array_foreach(aff, i, x)
	{
		int w = snprintf(buf + o, sizeof buf - o, "%s%lld", o ? ", " : "",
		                 (long long)json_integer_value(x));
		if (w < 0 || (size_t)w >= sizeof buf - o)
			break;
		o += (size_t)w;
	}
	out_table_kv(t, _("Affected by incident"), o ? buf : "-");
	if (!cj_get(h, "received")) {
		/* This poskod does not report it: say so, not "0 meals". */
		out_table_kv(t, _("Received"),
		             _("- (not reported by this poskod)"));
		out_table_print(t, stdout);
		out_table_free(t);
		return;
	}
	snprintf(buf, sizeof buf,
	         _("%s meals; %lld clothing kits (adult %lld, child %lld, "
	           "infant %lld, family %lld)"),
	         out_num(a, sizeof a, cj_int(h, "received.meals", 0)),
	         kits_total(h), cj_int(h, "received.kits.kit_adult", 0),
	         cj_int(h, "received.kits.kit_child", 0),
	         cj_int(h, "received.kits.kit_infant", 0),
	         cj_int(h, "received.kits.kit_family", 0));
	out_table_kv(t, _("Received"), buf);
	out_table_print(t, stdout);
	out_table_free(t);
}

static void
print_many(const json_t *d)
{
	json_t *arr = cj_get(d, "households");
	out_table *t = out_table_new();
	out_table_col(t, _("HOUSEHOLD"), OUT_RIGHT);
	out_table_col(t, _("MEMBERS"), OUT_RIGHT);
	out_table_col(t, _("VULNERABLE"), OUT_LEFT);
	out_table_col(t, _("STATUS"), OUT_LEFT);
	out_table_col(t, _("SHELTER"), OUT_LEFT);
	out_table_col(t, _("SINCE"), OUT_LEFT);
	out_table_col(t, _("MEALS"), OUT_RIGHT);
	out_table_col(t, _("KITS"), OUT_RIGHT);
	size_t i;
	json_t *h;
	json_array_foreach(arr, i, h)
	{
		char buf[256];
		const json_t *a = cj_get(h, "assignment");
		int has = a && !json_is_null(a);
		out_table_cell(t, cj_text(h, "household"));
		out_table_num(t, cj_int(h, "members", 0));
		out_table_cell(t, vulnerable(buf, sizeof buf, h));
		out_table_cell(t, has ? describe_status(cj_str(a, "status"))
		                      : "-");
		out_table_cell(t, has ? cj_text(a, "shelter") : "-");
		out_table_cell(t, has ? out_time_str(buf, sizeof buf,
		                                     cj_str(a, "since"))
		                      : "-");
		if (cj_get(h, "received")) {
			out_table_num(t, cj_int(h, "received.meals", 0));
			out_table_num(t, kits_total(h));
		} else {
			out_table_cell(t, "-");
			out_table_cell(t, "-");
		}
	}
	out_table_print(t, stdout);
	out_table_free(t);
	char a[OUT_NUMLEN], b[OUT_NUMLEN];
	printf(_("%s of %s households shown.\n"),
	       out_num(a, sizeof a, (long long)json_array_size(arr)),
	       out_num(b, sizeof b, cj_int(d, "total", 0)));
	if ((long long)json_array_size(arr) < cj_int(d, "total", 0))
		printf("%s\n", _("→ More with --offset N (and --limit N)."));
}

/* arg: the kelurahan asked for, or NULL when a household number was. */
static void
print_found(const json_t *d, const void *arg)
{
	json_t *arr = cj_get(d, "households");
	if (!json_array_size(arr))
		printf("%s\n", _("No household found."));
	else if (!arg && json_array_size(arr) == 1)
		print_one(json_array_get(arr, 0));
	else
		print_many(d);
}

static int
cmd_find(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"kelurahan", required_argument, 0, 'k'},
		{"limit", required_argument, 0, 'l'},
		{"offset", required_argument, 0, 'o'},
		{0, 0, 0, 0},
	};
	const char *kel = NULL;
	long long limit = 100, offset = 0;
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'k')
			kel = optarg;
		else if (c == 'l' && (limit = out_parse_count(optarg)) > 0)
			;
		else if (c == 'o' && (offset = out_parse_count(optarg)) >= 0)
			;
		else
			return ctl_usage("household", "%s",
			                 _("household find takes a household "
			                   "number, or --kelurahan CODE [--limit "
			                   "N] [--offset N]."));
	}
	json_t *args;
	if (kel) {
		if (optind != argc)
			return ctl_usage("household", "%s",
			                 _("give a household number or "
			                   "--kelurahan, not both."));
		args = json_pack("{s:s,s:I,s:I}", "kelurahan", kel, "limit",
		                 (json_int_t)limit, "offset", (json_int_t)offset);
	} else {
		if (optind + 1 != argc)
			return ctl_usage("household", "%s",
			                 _("household find takes one household "
			                   "number (or --kelurahan CODE)."));
		long long id = ctl_parse_id(argv[optind]);
		if (id < 0 || id > 4294967295LL)
			return ctl_usage("household",
			                 _("`%s` is not a household number."),
			                 argv[optind]);
		args = json_pack("{s:I}", "household", (json_int_t)id);
	}
	return ctl_request_print(ctx, "household.find", args, print_found, kel);
}

int
ctl_cmd_household(ctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "find") && strcmp(argv[1], "show")))
		return ctl_usage("household", "%s",
		                 _("household needs: find ID, or find "
		                   "--kelurahan CODE."));
	return cmd_find(ctx, argc - 1, argv + 1);
}

/* --- checkin / checkout / transfer ------------------------------------- */

static void
print_moved(const json_t *d, const void *arg)
{
	json_t *arr = cj_get(d, "households");
	const json_t *h = json_is_array(arr) ? json_array_get(arr, 0) : d;
	char buf[512];
	printf(_("Household %s: %s\n"), cj_text(h, "household"),
	       whereabouts(buf, sizeof buf, h));
}

static int
parse_household(const char *cmd, const char *s, long long *id)
{
	*id = ctl_parse_id(s);
	if (*id < 0 || *id > 4294967295LL) {
		ctl_usage(cmd, _("`%s` is not a household number; `poskoctl "
		                 "household find --kelurahan CODE` lists them."),
		          s);
		return -1;
	}
	return 0;
}

int
ctl_cmd_checkin(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"incident", required_argument, 0, 'i'},
		{0, 0, 0, 0},
	};
	long long incident = -1, id;
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'i' && (incident = ctl_parse_id(optarg)) > 0)
			continue;
		return ctl_usage("checkin", "%s",
		                 _("checkin takes a household number, a shelter "
		                   "id if it is not the assigned one, and "
		                   "--incident ID for a walk-in."));
	}
	if (optind >= argc || argc - optind > 2)
		return ctl_usage("checkin", "%s",
		                 _("checkin takes a household number and "
		                   "optionally a shelter id."));
	/* protocol.md 2.4: a walk-in is placed where it came to */
	if (incident > 0 && argc - optind != 2)
		return ctl_usage("checkin", "%s",
		                 _("a walk-in (--incident) needs the shelter "
		                   "the family came to: checkin HOUSEHOLD "
		                   "SHELTER --incident ID."));
	if (parse_household("checkin", argv[optind], &id))
		return CTL_EXIT_USAGE;
	json_t *args = json_pack("{s:I}", "household", (json_int_t)id);
	if (argc - optind == 2)
		json_object_set_new(args, "shelter", json_string(argv[optind + 1]));
	if (incident > 0)
		json_object_set_new(args, "incident", json_integer(incident));
	return ctl_request_print(ctx, "checkin", args, print_moved, NULL);
}

int
ctl_cmd_checkout(ctl_ctx *ctx, int argc, char **argv)
{
	const char *reason = NULL;
	long long id;
	if (ctl_getopt_value(argc, argv, "reason", &reason))
		return ctl_usage("checkout", "%s",
		                 _("checkout takes a household number and "
		                   "--reason TEXT."));
	if (optind + 1 != argc)
		return ctl_usage("checkout", "%s",
		                 _("checkout takes one household number."));
	if (parse_household("checkout", argv[optind], &id))
		return CTL_EXIT_USAGE;
	json_t *args = json_pack("{s:I}", "household", (json_int_t)id);
	if (reason)
		json_object_set_new(args, "reason", json_string(reason));
	return ctl_request_print(ctx, "checkout", args, print_moved, NULL);
}

int
ctl_cmd_transfer(ctl_ctx *ctx, int argc, char **argv)
{
	const char *reason = NULL;
	long long id;
	if (ctl_getopt_value(argc, argv, "reason", &reason))
		return ctl_usage("transfer", "%s",
		                 _("transfer takes a household number, a "
		                   "shelter id and --reason TEXT."));
	if (optind + 2 != argc)
		return ctl_usage("transfer", "%s",
		                 _("transfer takes a household number and the "
		                   "shelter id to move the whole family to."));
	if (parse_household("transfer", argv[optind], &id))
		return CTL_EXIT_USAGE;
	json_t *args = json_pack("{s:I,s:s}", "household", (json_int_t)id,
	                         "shelter", argv[optind + 1]);
	if (reason)
		json_object_set_new(args, "reason", json_string(reason));
	return ctl_request_print(ctx, "transfer", args, print_moved, NULL);
}
