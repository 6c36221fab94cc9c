/*
 * cmd_shelter.c — `poskoctl shelter list|show|open|close|set-capacity`.
 *
 * Occupancy is shown three ways at once: a bar, the numbers, and a word
 * (room / nearly full / almost full / full), so it reads the same without
 * colour, on a monochrome terminal and to a colour-blind operator.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/describe.h"
#include "ctl/lang.h"
#include "ctl/out.h"
#include "ctl/shelter.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 20

const char *
shelter_word(const json_t *s)
{
	const char *state = cj_str(s, "state");
	if (state && strcmp(state, "closed") == 0)
		return _("closed");
	return out_occ_word(out_occ_level(cj_int(s, "registered", 0),
	                                  cj_int(s, "capacity", 0)));
}

char *
shelter_bar(char *buf, size_t len, const json_t *s, int width)
{
	const char *state = cj_str(s, "state");
	if (state && strcmp(state, "closed") == 0) {
		/* A closed shelter has no room whatever its numbers. */
		size_t o = 0;
		for (int i = 0; i < width && o + 2 < len; i++)
			buf[o++] = '-';
		buf[o] = '\0';
		return buf;
	}
	return out_bar(buf, len, cj_int(s, "registered", 0),
	               cj_int(s, "capacity", 0), width);
}

/* arg: the kelurahan code to show, or NULL for all. */
static void
print_list(const json_t *d, const void *arg)
{
	const char *kelurahan = arg;
	json_t *arr = cj_get(d, "shelters");
	out_table *t = out_table_new();
	out_table_col(t, _("ID"), OUT_LEFT);
	out_table_col(t, _("NAME"), OUT_LEFT);
	out_table_col(t, _("OCCUPANCY"), OUT_LEFT);
	out_table_col(t, "%", OUT_RIGHT);
	out_table_col(t, _("REGISTERED"), OUT_RIGHT);
	out_table_col(t, _("CAPACITY"), OUT_RIGHT);
	out_table_col(t, _("FREE"), OUT_RIGHT);
	out_table_col(t, _("PRESENT"), OUT_RIGHT);
	out_table_col(t, _("MEALS DUE"), OUT_RIGHT);
	out_table_col(t, _("ACCESS"), OUT_LEFT);
	out_table_col(t, _("STATE"), OUT_LEFT);
	size_t i, shown = 0;
	json_t *s;
	long long reg = 0, cap = 0, fr = 0, pres = 0, due = 0;
	int due_known = 1;
	json_array_foreach(arr, i, s)
	{
		if (kelurahan && strcmp(cj_text(s, "kelurahan"), kelurahan))
			continue;
		char bar[256], name[128], pct[OUT_NUMLEN], word[128];
		long long r = cj_int(s, "registered", 0),
			  c = cj_int(s, "capacity", 0);
		int closed = strcmp(cj_text(s, "state"), "closed") == 0;
		out_table_cell(t, cj_text(s, "shelter"));
		out_table_cell(t, out_fit(name, sizeof name,
		                          cj_text(s, "name"), 28));
		out_table_cell(t, shelter_bar(bar, sizeof bar, s, BAR_WIDTH));
		out_table_cell(t, out_pct(pct, sizeof pct, r, c));
		out_table_num(t, r);
		out_table_num(t, c);
		out_table_num(t, closed ? 0 : cj_int(s, "free", 0));
		out_table_num(t, cj_int(s, "present", 0));
		/* protocol.md 2.3: meals planned for today, not yet
		 * confirmed; "-" from a poskod that does not say */
		if (json_is_integer(cj_get(s, "meals_due_today"))) {
			out_table_num(t, cj_int(s, "meals_due_today", 0));
			due += cj_int(s, "meals_due_today", 0);
		} else {
			out_table_cell(t, "-");
			due_known = 0;
		}
		out_table_cell(t, cj_bool(s, "accessible", 0) ? _("yes") : "-");
		out_occupancy lvl = out_occ_level(r, c);
		out_table_cell(t, out_paint(word, sizeof word,
		                            closed ? OUT_DIM : out_occ_colour(lvl),
		                            shelter_word(s)));
		reg += r, pres += cj_int(s, "present", 0);
		if (!closed)
			cap += c, fr += cj_int(s, "free", 0);
		shown++;
	}
	if (!shown) {
		out_table_free(t);
		printf("%s\n", _("No shelters match."));
		return;
	}
	char bar[256], pct[OUT_NUMLEN];
	out_table_rule(t);
	out_table_cell(t, _("total"));
	out_table_cellf(t, _("%zu shelters"), shown);
	out_table_cell(t, out_bar(bar, sizeof bar, reg, cap, BAR_WIDTH));
	out_table_cell(t, out_pct(pct, sizeof pct, reg, cap));
	out_table_num(t, reg);
	out_table_num(t, cap);
	out_table_num(t, fr);
	out_table_num(t, pres);
	if (due_known)
		out_table_num(t, due);
	else
		out_table_cell(t, "-");
	out_table_cell(t, "");
	out_table_cell(t, "");
	out_table_print(t, stdout);
	out_table_free(t);
	printf("%s\n", _("(persons; capacity and free places of open "
	                 "shelters)"));
}

static int
cmd_list(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, 0, 'a'},
		{"open", no_argument, 0, 'o'},
		{"closed", no_argument, 0, 'c'},
		{"kelurahan", required_argument, 0, 'k'},
		{0, 0, 0, 0},
	};
	const char *state = "all", *kel = NULL;
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'a')
			state = "all";
		else if (c == 'o')
			state = "open";
		else if (c == 'c')
			state = "closed";
		else if (c == 'k')
			kel = optarg;
		else
			return ctl_usage("shelter", "%s",
			                 _("shelter list takes --open, --closed, "
			                   "--all or --kelurahan CODE."));
	}
	if (optind < argc)
		return ctl_usage("shelter", _("unexpected argument `%s`."),
		                 argv[optind]);
	return ctl_request_print(ctx, "shelter.list",
	                         json_pack("{s:s}", "state", state), print_list,
	                         kel);
}

static void
print_show(const json_t *d, const void *arg)
{
	char buf[512], bar[256], a[OUT_NUMLEN], b[OUT_NUMLEN], pct[OUT_NUMLEN];
	printf(_("Shelter %s: %s"), cj_text(d, "shelter"), cj_text(d, "name"));
	printf("\n\n");
	out_table *t = out_table_new();
	out_table_col(t, "", OUT_LEFT);
	out_table_col(t, "", OUT_LEFT);
	long long r = cj_int(d, "registered", 0), c = cj_int(d, "capacity", 0);
	snprintf(buf, sizeof buf, "%s  %s  %s", shelter_bar(bar, sizeof bar, d, 30),
	         out_pct(pct, sizeof pct, r, c), shelter_word(d));
	out_table_kv(t, _("Occupancy"), buf);
	snprintf(buf, sizeof buf, _("%s of %s persons (%s)"),
	         out_num(a, sizeof a, r), out_num(b, sizeof b, c),
	         cj_text(d, "capacity_source"));
	out_table_kv(t, _("Registered"), buf);
	out_table_kv(t, _("Present now"),
	             out_num(a, sizeof a, cj_int(d, "present", 0)));
	out_table_kv(t, _("Free places"),
	             out_num(a, sizeof a, cj_int(d, "free", 0)));
	out_table_kv(t, _("Meals due today"),
	             json_is_integer(cj_get(d, "meals_due_today"))
	                     ? out_num(a, sizeof a,
	                               cj_int(d, "meals_due_today", 0))
	                     : "-");
	out_table_kv(t, _("State"), describe_state(cj_str(d, "state")));
	out_table_kv(t, _("Kind"), cj_text(d, "kind"));
	out_table_kv(t, _("Kelurahan"), cj_text(d, "kelurahan"));
	out_table_kv(t, _("Accessible"),
	             cj_bool(d, "accessible", 0) ? _("yes") : _("no"));
	snprintf(buf, sizeof buf, "%.5f, %.5f", cj_real(d, "lon", 0),
	         cj_real(d, "lat", 0));
	out_table_kv(t, _("Location (lon, lat)"), buf);
	out_table_print(t, stdout);
	out_table_free(t);

	json_t *hh = cj_get(d, "households");
	if (json_is_array(hh) && json_array_size(hh)) {
		printf("\n%s\n", _("Households:"));
		t = out_table_new();
		out_table_col(t, _("HOUSEHOLD"), OUT_RIGHT);
		out_table_col(t, _("PERSONS"), OUT_RIGHT);
		out_table_col(t, _("STATUS"), OUT_LEFT);
		out_table_col(t, _("SINCE"), OUT_LEFT);
		out_table_col(t, _("INCIDENT"), OUT_RIGHT);
		size_t i;
		json_t *h;
		json_array_foreach(hh, i, h)
		{
			out_table_cell(t, cj_text(h, "household"));
			out_table_num(t, cj_int(h, "persons", 0));
			out_table_cell(t, describe_status(cj_str(h, "status")));
			out_table_cell(t, out_time_str(buf, sizeof buf,
			                               cj_str(h, "since")));
			out_table_cell(t, cj_text(h, "incident"));
		}
		out_table_print(t, stdout);
		out_table_free(t);
	}
	json_t *meals = cj_get(d, "meals");
	if (json_array_size(meals)) {
		/* protocol.md 2.3 / 3.3: today's dispatch lines, one lot
		 * each; several lines may feed the shelter the same day. */
		printf("\n%s\n", _("Meals today:"));
		t = out_table_new();
		out_table_col(t, _("DISPATCH"), OUT_RIGHT);
		out_table_col(t, _("DATE"), OUT_LEFT);
		out_table_col(t, _("DEPOT"), OUT_LEFT);
		out_table_col(t, _("LOT"), OUT_LEFT);
		out_table_col(t, _("MEALS"), OUT_RIGHT);
		out_table_col(t, _("STATUS"), OUT_LEFT);
		size_t i;
		json_t *m;
		long long planned = 0;
		json_array_foreach(meals, i, m)
		{
			const char *st = cj_str(m, "status");
			out_table_cell(t, cj_text(m, "dispatch"));
			out_table_cell(t, cj_text(m, "date"));
			out_table_cell(t, cj_text(m, "depot"));
			out_table_cell(t, cj_text(m, "lot"));
			out_table_num(t, cj_int(m, "meals", 0));
			out_table_cell(t, describe_status(st));
			if (st && strcmp(st, "planned") == 0)
				planned++;
		}
		out_table_print(t, stdout);
		out_table_free(t);
		if (planned)
			printf("%s\n", _("→ When meals arrive: `poskoctl "
			                 "dispatch confirm DISPATCH`."));
	}
	json_t *al = cj_get(d, "alerts");
	if (json_array_size(al)) {
		printf("\n%s\n", _("Open alerts:"));
		size_t i;
		json_t *x;
		json_array_foreach(al, i, x)
		{
			const json_t *det = cj_get(x, "detail");
			describe_alert(buf, sizeof buf, cj_str(x, "topic"),
			               det ? det : x);
			printf("  %s %s: %s\n", cj_text(x, "alert"),
			       describe_level(cj_str(x, "level")), buf);
		}
	}
}

static int
need_id(int argc, char **argv, const char *what)
{
	if (optind + 1 != argc) {
		ctl_usage("shelter", _("shelter %s takes one shelter id, like "
		                       "SH-0001."),
		          what);
		return -1;
	}
	return 0;
}

static int
cmd_show(ctl_ctx *ctx, int argc, char **argv)
{
	if (ctl_getopt_none(argc, argv))
		return ctl_usage("shelter", "%s",
		                 _("shelter show takes a shelter id."));
	if (need_id(argc, argv, "show"))
		return CTL_EXIT_USAGE;
	return ctl_request_print(ctx, "shelter.show",
	                         json_pack("{s:s}", "shelter", argv[optind]),
	                         print_show, NULL);
}

/* open / close / set-capacity: the shelter after the change. */
static void
print_after(const json_t *d, const char *what)
{
	char bar[256], pct[OUT_NUMLEN], a[OUT_NUMLEN], b[OUT_NUMLEN];
	long long r = cj_int(d, "registered", 0), c = cj_int(d, "capacity", 0);
	printf("%s\n", what);
	printf("  %s  %s  %s  %s  (%s/%s)\n", cj_text(d, "shelter"),
	       shelter_bar(bar, sizeof bar, d, BAR_WIDTH),
	       out_pct(pct, sizeof pct, r, c), shelter_word(d),
	       out_num(a, sizeof a, r), out_num(b, sizeof b, c));
}

/* arg: the shelter id. */
static void
print_opened(const json_t *d, const void *arg)
{
	char msg[256];
	snprintf(msg, sizeof msg,
	         _("Shelter %s is open. Evacuees without a shelter are "
	           "placed now (follow with `poskoctl watch`)."),
	         (const char *)arg);
	print_after(d, msg);
}

static int
cmd_open(ctl_ctx *ctx, int argc, char **argv)
{
	if (ctl_getopt_none(argc, argv))
		return ctl_usage("shelter", "%s",
		                 _("shelter open takes a shelter id."));
	if (need_id(argc, argv, "open"))
		return CTL_EXIT_USAGE;
	return ctl_request_print(ctx, "shelter.open",
	                         json_pack("{s:s}", "shelter", argv[optind]),
	                         print_opened, argv[optind]);
}

/* arg: the shelter id. */
static void
print_closed(const json_t *d, const void *arg)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN];
	long long un = cj_int(d, "unplaced", 0);
	printf(_("Shelter %s is closed. %s households moved to other "
	         "shelters, %s without a shelter.\n"),
	       (const char *)arg, out_num(a, sizeof a, cj_int(d, "rehomed", 0)),
	       out_num(b, sizeof b, un));
	if (un > 0)
		printf("%s\n", _("→ Open another shelter or raise a "
		                 "capacity: `poskoctl shelter list`."));
}

static int
cmd_close(ctl_ctx *ctx, int argc, char **argv)
{
	const char *reason = NULL;
	if (ctl_getopt_value(argc, argv, "reason", &reason))
		return ctl_usage("shelter", "%s",
		                 _("shelter close takes --reason TEXT."));
	if (need_id(argc, argv, "close"))
		return CTL_EXIT_USAGE;
	if (!reason || !*reason)
		return ctl_usage("shelter", "%s",
		                 _("say why the shelter closes: --reason \"atap "
		                   "bocor\" (its families are moved, and the "
		                   "journal keeps the reason)."));
	return ctl_request_print(ctx, "shelter.close",
	                         json_pack("{s:s,s:s}", "shelter", argv[optind],
	                                   "reason", reason),
	                         print_closed, argv[optind]);
}

/* What set-capacity asked for, for its message. */
typedef struct {
	const char *shelter;
	long long capacity;
} capacity_change;

static void
print_capacity(const json_t *d, const void *arg)
{
	const capacity_change *cc = arg;
	char msg[256], n[OUT_NUMLEN];
	snprintf(msg, sizeof msg,
	         _("Shelter %s now holds %s persons. Families that no "
	           "longer fit are moved to other shelters or listed "
	           "without one (`poskoctl watch`)."),
	         cc->shelter, out_num(n, sizeof n, cc->capacity));
	print_after(d, msg);
}

static int
cmd_capacity(ctl_ctx *ctx, int argc, char **argv)
{
	const char *reason = NULL;
	if (ctl_getopt_value(argc, argv, "reason", &reason))
		return ctl_usage("shelter", "%s",
		                 _("shelter set-capacity takes --reason TEXT."));
	if (optind + 2 != argc)
		return ctl_usage("shelter", "%s",
		                 _("shelter set-capacity takes a shelter id and "
		                   "a number of persons: set-capacity SH-0001 "
		                   "300 --reason \"aula dibuka\"."));
	long long cap = out_parse_count(argv[optind + 1]);
	if (cap < 0)
		return ctl_usage("shelter",
		                 _("`%s` is not a number of persons."),
		                 argv[optind + 1]);
	if (!reason || !*reason)
		return ctl_usage("shelter", "%s",
		                 _("say why the capacity changes: --reason "
		                   "TEXT (it goes into the journal)."));
	capacity_change cc = {argv[optind], cap};
	return ctl_request_print(ctx, "shelter.set_capacity",
	                         json_pack("{s:s,s:I,s:s}", "shelter", cc.shelter,
	                                   "capacity", (json_int_t)cap,
	                                   "reason", reason),
	                         print_capacity, &cc);
}

int
ctl_cmd_shelter(ctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage("shelter", "%s",
		                 _("shelter needs one of: list, show, open, "
		                   "close, set-capacity."));
	const char *sub = argv[1];
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		return cmd_list(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "open") == 0)
		return cmd_open(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "close") == 0)
		return cmd_close(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "set-capacity") == 0 ||
	    strcmp(sub, "set_capacity") == 0)
		return cmd_capacity(ctx, argc - 1, argv + 1);
	return ctl_usage("shelter", _("shelter has no `%s`; use list, show, "
	                              "open, close or set-capacity."),
	                 sub);
}
