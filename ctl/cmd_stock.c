/*
 * cmd_stock.c — `poskoctl stock list|receive|adjust` and `dispatch
 * confirm`: depot stock, and meals or kits delivered.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/describe.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const items[] = {
	"meal", "kit_adult", "kit_child", "kit_infant", "kit_family",
};
#define NITEMS (sizeof items / sizeof *items)

static int
valid_item(const char *s)
{
	for (size_t i = 0; i < NITEMS; i++)
		if (strcmp(s, items[i]) == 0)
			return 1;
	return 0;
}

static int
bad_item(const char *s)
{
	return ctl_usage("stock",
	                 _("`%s` is not an item; items are meal, kit_adult, "
	                   "kit_child, kit_infant, kit_family."),
	                 s);
}

/* YYYY-MM-DD with a real month and day. */
static int
valid_date(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	int m = atoi(s + 5), d = atoi(s + 8);
	return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static void
print_list(const json_t *d, const void *arg)
{
	json_t *depots = cj_get(d, "depots");
	char buf[256], a[OUT_NUMLEN];
	if (json_array_size(depots)) {
		out_table *t = out_table_new();
		out_table_col(t, _("DEPOT"), OUT_LEFT);
		out_table_col(t, _("NAME"), OUT_LEFT);
		out_table_col(t, _("MEALS FREE"), OUT_RIGHT);
		out_table_col(t, _("RESERVED"), OUT_RIGHT);
		out_table_col(t, _("DAYS OF COVER"), OUT_RIGHT);
		out_table_col(t, _("ADULT"), OUT_RIGHT);
		out_table_col(t, _("CHILD"), OUT_RIGHT);
		out_table_col(t, _("INFANT"), OUT_RIGHT);
		out_table_col(t, _("FAMILY"), OUT_RIGHT);
		size_t i;
		json_t *dp;
		json_array_foreach(depots, i, dp)
		{
			out_table_cell(t, cj_text(dp, "depot"));
			out_table_cell(t, out_fit(buf, sizeof buf,
			                          cj_text(dp, "name"), 32));
			out_table_num(t, cj_int(dp, "items.meal.available", 0));
			out_table_num(t, cj_int(dp, "items.meal.reserved", 0));
			json_t *cov = cj_get(dp, "items.meal.days_of_cover");
			if (json_is_number(cov)) {
				double v = json_number_value(cov);
				char txt[32];
				snprintf(txt, sizeof txt, "%.1f", v);
				char *dot = strchr(txt, '.');
				if (dot)
					*dot = out_get()->decimal;
				out_table_cell(t, out_paint(buf, sizeof buf,
				                            v < 2 ? OUT_RED
				                                  : OUT_PLAIN,
				                            txt));
			} else {
				out_table_cell(t, "-");
			}
			out_table_num(t, cj_int(dp, "items.kit_adult.available",
			                        0));
			out_table_num(t, cj_int(dp, "items.kit_child.available",
			                        0));
			out_table_num(t, cj_int(dp, "items.kit_infant.available",
			                        0));
			out_table_num(t, cj_int(dp, "items.kit_family.available",
			                        0));
		}
		out_table_print(t, stdout);
		out_table_free(t);
		printf("%s\n\n", _("(free = in stock and not reserved; kits "
		                   "free per kind)"));
	}
	json_t *lots = cj_get(d, "lots");
	if (!json_array_size(lots)) {
		printf("%s\n", _("No stock. Receive some with `poskoctl stock "
		                 "receive DEPOT ITEM QTY`."));
		return;
	}
	out_table *t = out_table_new();
	out_table_col(t, _("DEPOT"), OUT_LEFT);
	out_table_col(t, _("LOT"), OUT_LEFT);
	out_table_col(t, _("ITEM"), OUT_LEFT);
	out_table_col(t, _("QTY"), OUT_RIGHT);
	out_table_col(t, _("RESERVED"), OUT_RIGHT);
	out_table_col(t, _("FREE"), OUT_RIGHT);
	out_table_col(t, _("EXPIRES"), OUT_LEFT);
	size_t i;
	json_t *l;
	json_array_foreach(lots, i, l)
	{
		out_table_cell(t, cj_text(l, "depot"));
		out_table_cell(t, cj_text(l, "lot"));
		out_table_cell(t, describe_item(cj_str(l, "item")));
		out_table_num(t, cj_int(l, "qty", 0));
		out_table_num(t, cj_int(l, "reserved", 0));
		out_table_cell(t, out_num(a, sizeof a, cj_int(l, "available", 0)));
		out_table_cell(t, cj_text(l, "expires"));
	}
	out_table_print(t, stdout);
	out_table_free(t);
}

static int
cmd_list(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"depot", required_argument, 0, 'd'},
		{"item", required_argument, 0, 'i'},
		{0, 0, 0, 0},
	};
	json_t *args = json_object();
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'd') {
			json_object_set_new(args, "depot", json_string(optarg));
		} else if (c == 'i' && valid_item(optarg)) {
			json_object_set_new(args, "item", json_string(optarg));
		} else {
			json_decref(args);
			return c == 'i' ? bad_item(optarg)
			                : ctl_usage("stock", "%s",
			                            _("stock list takes --depot "
			                              "ID and --item ITEM."));
		}
	}
	if (optind < argc) {
		json_decref(args);
		return ctl_usage("stock", _("unexpected argument `%s`."),
		                 argv[optind]);
	}
	return ctl_request_print(ctx, "stock.list", args, print_list, NULL);
}

/* What stock receive took in, for its message. */
typedef struct {
	const char *depot, *item;
	long long qty;
} receipt;

static void
print_received(const json_t *d, const void *arg)
{
	const receipt *r = arg;
	char n[OUT_NUMLEN];
	const char *l = cj_str(d, "lot");
	printf(_("Received %s %s at %s"), out_num(n, sizeof n, r->qty),
	       describe_item(r->item), r->depot);
	if (l)
		printf(_(" (lot %s)"), l);
	printf(".\n%s\n", _("Shortages of open incidents are planned "
	                     "again from this stock."));
}

static int
cmd_receive(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"lot", required_argument, 0, 'l'},
		{"expires", required_argument, 0, 'e'},
		{0, 0, 0, 0},
	};
	const char *lot = NULL, *expires = NULL;
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'l')
			lot = optarg;
		else if (c == 'e')
			expires = optarg;
		else
			return ctl_usage("stock", "%s",
			                 _("stock receive takes --lot LOT and "
			                   "--expires YYYY-MM-DD."));
	}
	if (optind + 3 != argc)
		return ctl_usage("stock", "%s",
		                 _("stock receive takes a depot, an item and a "
		                   "quantity: stock receive DEP-3171 meal "
		                   "5000."));
	const char *depot = argv[optind], *item = argv[optind + 1];
	if (!valid_item(item))
		return bad_item(item);
	long long qty = out_parse_count(argv[optind + 2]);
	if (qty <= 0)
		return ctl_usage("stock",
		                 _("`%s` is not a quantity (a whole number above "
		                   "0)."),
		                 argv[optind + 2]);
	if (expires && !valid_date(expires))
		return ctl_usage("stock",
		                 _("`%s` is not a date like 2025-02-20."),
		                 expires);
	json_t *args = json_pack("{s:s,s:s,s:I}", "depot", depot, "item", item,
	                         "qty", (json_int_t)qty);
	if (lot)
		json_object_set_new(args, "lot", json_string(lot));
	if (expires)
		json_object_set_new(args, "expires", json_string(expires));
	receipt r = {depot, item, qty};
	return ctl_request_print(ctx, "stock.receive", args, print_received, &r);
}

/* What stock adjust changed, for its message. */
typedef struct {
	const char *depot, *lot;
	long long delta;
} adjustment;

static void
print_adjusted(const json_t *d, const void *arg)
{
	const adjustment *a = arg;
	char n[OUT_NUMLEN];
	printf(_("Lot %s at %s changed by %s%s.\n"), a->lot, a->depot,
	       a->delta > 0 ? "+" : "-",
	       out_num(n, sizeof n, a->delta > 0 ? a->delta : -a->delta));
}

static int
cmd_adjust(ctl_ctx *ctx, int argc, char **argv)
{
	/* Parsed by hand: "-40" is a change of stock, not an option. */
	const char *reason = NULL;
	const char *ops[4];
	int nops = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--reason=", 9) == 0) {
			reason = argv[i] + 9;
			continue;
		}
		if (strncmp(argv[i], "--", 2) == 0)
			return ctl_usage("stock", "%s",
			                 _("stock adjust takes --reason TEXT."));
		if (nops < 4)
			ops[nops] = argv[i];
		nops++;
	}
	if (nops != 3)
		return ctl_usage("stock", "%s",
		                 _("stock adjust takes a depot, a lot and a "
		                   "change: stock adjust DEP-3171 L-2007-009 -40 "
		                   "--reason \"basah, rusak\"."));
	const char *delta_s = ops[2];
	int neg = delta_s[0] == '-';
	long long delta = out_parse_count(delta_s + (neg || delta_s[0] == '+'));
	if (delta <= 0)
		return ctl_usage("stock",
		                 _("`%s` is not a change of stock: give a whole "
		                   "number like -40 or +15, not 0."),
		                 delta_s);
	if (neg)
		delta = -delta;
	if (!reason || !*reason)
		return ctl_usage("stock", "%s",
		                 _("a stock correction needs a reason: --reason "
		                   "\"damaged\", \"counted\", \"expired\" ..."));
	adjustment a = {ops[0], ops[1], delta};
	return ctl_request_print(ctx, "stock.adjust",
	                         json_pack("{s:s,s:s,s:I,s:s}", "depot", a.depot,
	                                   "lot", a.lot, "delta",
	                                   (json_int_t)delta, "reason", reason),
	                         print_adjusted, &a);
}

int
ctl_cmd_stock(ctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage("stock", "%s",
		                 _("stock needs one of: list, receive, adjust."));
	const char *sub = argv[1];
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		return cmd_list(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "receive") == 0)
		return cmd_receive(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "adjust") == 0)
		return cmd_adjust(ctx, argc - 1, argv + 1);
	return ctl_usage("stock",
	                 _("stock has no `%s`; use list, receive or adjust."),
	                 sub);
}

/* arg: the dispatch number (long long). */
static void
print_confirmed(const json_t *d, const void *arg)
{
	printf(_("Dispatch %lld confirmed as delivered; its stock is "
	         "now consumed.\n"),
	       *(const long long *)arg);
}

int
ctl_cmd_dispatch(ctl_ctx *ctx, int argc, char **argv)
{
	/* protocol.md 2.5: a line is confirmed whole; partial delivery is
	 * not in protocol v1 (what did not arrive: stock adjust, and the
	 * shortage is planned again). */
	if (argc < 2 || strcmp(argv[1], "confirm") != 0)
		return ctl_usage("dispatch", "%s",
		                 _("dispatch needs: confirm ID."));
	argc--, argv++;
	if (ctl_getopt_none(argc, argv))
		return ctl_usage("dispatch", "%s",
		                 _("dispatch confirm takes only the dispatch "
		                   "number: a line is confirmed whole."));
	if (optind + 1 != argc)
		return ctl_usage("dispatch", "%s",
		                 _("dispatch confirm takes one dispatch number "
		                   "(see `poskoctl shelter show ID`)."));
	long long id = ctl_parse_id(argv[optind]);
	if (id < 0)
		return ctl_usage("dispatch",
		                 _("`%s` is not a dispatch number."),
		                 argv[optind]);
	return ctl_request_print(ctx, "dispatch.confirm",
	                         json_pack("{s:I}", "dispatch", (json_int_t)id),
	                         print_confirmed, &id);
}
