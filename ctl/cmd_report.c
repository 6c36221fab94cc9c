/*
 * cmd_report.c — `poskoctl report spm`: the daily minimum-service (SPM)
 * report for disaster victims (Permensos 9/2018; Renstra IKK 19-21).
 *
 * The Renstra's permakanan target may count unique evacuees or evacuee-days
 * (domain.md §3.5): the report gives both, side by side, and says which is
 * which.  Rows are checked here to add up (kelurahan -> city -> total)
 * before anything is printed, so a report that does not add up is never
 * handed on silently.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The counts that add up (protocol.md §2.7); shelters_used and needs_met
 * do not. */
static const char *const summed[] = {
	"evacuees",      "fed_3x1",        "person_days", "meals_planned",
	"meals_delivered", "kits_planned", "kits_issued",
};
#define NSUMMED (sizeof summed / sizeof *summed)

static int
in_city(const char *kel, const char *city)
{
	size_t n = strlen(city);
	return strncmp(kel, city, n) == 0 && kel[n] == '.';
}

/* 0 when every sum holds; otherwise the first mismatch is described. */
static int
check_sums(const json_t *d, char *why, size_t len)
{
	json_t *kel = cj_get(d, "kelurahan"), *cities = cj_get(d, "cities");
	const json_t *total = cj_get(d, "total");
	for (size_t f = 0; f < NSUMMED; f++) {
		long long all = 0;
		size_t i;
		json_t *c;
		json_array_foreach(cities, i, c)
		{
			long long sum = 0;
			size_t k;
			json_t *r;
			json_array_foreach(kel, k, r)
				if (in_city(cj_text(r, "code"), cj_text(c, "code")))
					sum += cj_int(r, summed[f], 0);
			if (sum != cj_int(c, summed[f], 0)) {
				snprintf(why, len,
				         _("%s: the kelurahan of city %s add up to "
				           "%lld, the city row says %lld"),
				         summed[f], cj_text(c, "code"), sum,
				         cj_int(c, summed[f], 0));
				return -1;
			}
			all += cj_int(c, summed[f], 0);
		}
		long long kall = 0;
		json_array_foreach(kel, i, c)
			kall += cj_int(c, summed[f], 0);
		if (kall != all) {
			snprintf(why, len,
			         _("%s: the kelurahan rows add up to %lld, the "
			           "cities to %lld"),
			         summed[f], kall, all);
			return -1;
		}
		if (all != cj_int(total, summed[f], 0)) {
			snprintf(why, len,
			         _("%s: the cities add up to %lld, the total row "
			           "says %lld"),
			         summed[f], all, cj_int(total, summed[f], 0));
			return -1;
		}
	}
	return 0;
}

static void
add_row(out_table *t, const char *code, const json_t *r, int strong)
{
	char pct[OUT_NUMLEN], buf[OUT_NUMLEN * 2];
	out_table_cell(t, out_paint(buf, sizeof buf,
	                            strong ? OUT_BOLD : OUT_PLAIN, code));
	for (size_t f = 0; f < NSUMMED; f++)
		out_table_num(t, cj_int(r, summed[f], 0));
	out_table_num(t, cj_int(r, "shelters_used", 0));
	long long ev = cj_int(r, "evacuees", 0), fed = cj_int(r, "fed_3x1", 0);
	/* No evacuees: nobody's needs went unmet (protocol: 1). */
	if (ev == 0)
		snprintf(pct, sizeof pct, "-");
	else
		out_pct(pct, sizeof pct, fed, ev);
	out_table_cell(t, out_paint(buf, sizeof buf,
	                            ev > 0 && fed < ev ? OUT_RED : OUT_PLAIN,
	                            pct));
}

static void
print_table(const json_t *d)
{
	const char *inc = cj_str(d, "incident");
	printf(_("SPM report for %s"), cj_text(d, "date"));
	if (inc)
		printf(_(", incident %s"), inc);
	else
		printf("%s", _(", all incidents"));
	printf("\n\n");
	out_table *t = out_table_new();
	out_table_col(t, _("AREA"), OUT_LEFT);
	out_table_col(t, _("EVACUEES"), OUT_RIGHT);
	out_table_col(t, _("FED 3x1"), OUT_RIGHT);
	out_table_col(t, _("PERSON-DAYS"), OUT_RIGHT);
	out_table_col(t, _("MEALS PLANNED"), OUT_RIGHT);
	out_table_col(t, _("DELIVERED"), OUT_RIGHT);
	out_table_col(t, _("KITS PLANNED"), OUT_RIGHT);
	out_table_col(t, _("ISSUED"), OUT_RIGHT);
	out_table_col(t, _("SHELTERS"), OUT_RIGHT);
	out_table_col(t, _("NEEDS MET"), OUT_RIGHT);
	json_t *kel = cj_get(d, "kelurahan"), *cities = cj_get(d, "cities");
	size_t i;
	json_t *c;
	json_array_foreach(cities, i, c)
	{
		size_t k;
		json_t *r;
		json_array_foreach(kel, k, r)
			if (in_city(cj_text(r, "code"), cj_text(c, "code"))) {
				char code[64];
				snprintf(code, sizeof code, "  %s",
				         cj_text(r, "code"));
				add_row(t, code, r, 0);
			}
		char code[64];
		snprintf(code, sizeof code, _("city %s"), cj_text(c, "code"));
		add_row(t, code, c, 1);
		out_table_rule(t);
	}
	add_row(t, _("TOTAL"), cj_get(d, "total"), 1);
	out_table_print(t, stdout);
	out_table_free(t);
	printf("\n%s\n", _("EVACUEES: unique persons registered or present in "
	                   "a shelter on the day."));
	printf("%s\n", _("FED 3x1: of them, persons whose three meals of the "
	                 "day were delivered in full."));
	printf("%s\n", _("PERSON-DAYS: persons x days with meals delivered, "
	                 "from the start of each incident to the day (the "
	                 "SPM target may count either; both are given)."));
	printf("%s\n", _("KITS: clothing kits (sandang) from the start of the "
	                 "incident. SHELTERS: shelters in use; the total "
	                 "counts each shelter once."));
	printf("%s\n", _("NEEDS MET: FED 3x1 as a share of EVACUEES."));
}

static void
csv_row(const char *date, const char *level, const char *code,
        const json_t *r)
{
	printf("%s,%s,%s", date, level, code);
	for (size_t f = 0; f < NSUMMED; f++)
		printf(",%lld", cj_int(r, summed[f], 0));
	printf(",%lld,%.3f\n", cj_int(r, "shelters_used", 0),
	       cj_real(r, "needs_met", 1.0));
}

/* CSV for spreadsheets: plain numbers, no separators, never translated. */
static void
print_csv(const json_t *d)
{
	const char *date = cj_text(d, "date");
	printf("date,level,code");
	for (size_t f = 0; f < NSUMMED; f++)
		printf(",%s", summed[f]);
	printf(",shelters_used,needs_met\n");
	size_t i;
	json_t *r;
	json_array_foreach(cj_get(d, "kelurahan"), i, r)
		csv_row(date, "kelurahan", cj_text(r, "code"), r);
	json_array_foreach(cj_get(d, "cities"), i, r)
		csv_row(date, "city", cj_text(r, "code"), r);
	csv_row(date, "total", "", cj_get(d, "total"));
}

static int
valid_date(const char *s)
{
	time_t t;
	return strlen(s) == 10 && out_time_parse(s, &t) == 0;
}

int
ctl_cmd_report(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"date", required_argument, 0, 'd'},
		{"incident", required_argument, 0, 'i'},
		{"csv", no_argument, 0, 'c'},
		{0, 0, 0, 0},
	};
	if (argc < 2 || strcmp(argv[1], "spm") != 0)
		return ctl_usage("report", "%s",
		                 _("the report is `report spm` (the daily SPM "
		                   "report)."));
	argc--, argv++;
	const char *date = NULL;
	long long incident = -1;
	int csv = 0, c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'd' && valid_date(optarg))
			date = optarg;
		else if (c == 'i' && (incident = ctl_parse_id(optarg)) > 0)
			continue;
		else if (c == 'c')
			csv = 1;
		else
			return ctl_usage("report", "%s",
			                 c == 'd' ? _("--date takes a day like "
			                              "2007-02-02.")
			                          : _("report spm takes --date "
			                              "YYYY-MM-DD, --incident ID "
			                              "and --csv."));
	}
	if (optind < argc)
		return ctl_usage("report", _("unexpected argument `%s`."),
		                 argv[optind]);
	json_t *args = json_object();
	if (date)
		json_object_set_new(args, "date", json_string(date));
	if (incident > 0)
		json_object_set_new(args, "incident", json_integer(incident));
	json_t *d = NULL;
	int rc = ctl_request(ctx, "report.spm", args, &d);
	if (rc)
		return rc;
	char why[256];
	int bad = check_sums(d, why, sizeof why);
	if (ctx->json)
		ctl_print_json(d);
	else if (csv)
		print_csv(d);
	else
		print_table(d);
	json_decref(d);
	if (bad) {
		out_err(_("this report does not add up (%s). Do not hand it on; "
		          "report it to the poskod maintainers."),
		        why);
		return CTL_EXIT_REFUSED;
	}
	return CTL_EXIT_OK;
}
