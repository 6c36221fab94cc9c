/*
 * cmd_incident.c — `poskoctl incident submit|list|show|update|close`.
 *
 * submit waits (up to --timeout) for poskod to decide the report and says
 * what came of it, because the desk needs the incident number and whether
 * the report was taken, not just "queued".
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/describe.h"
#include "ctl/events.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *
counts(char *buf, size_t len, const json_t *o, const char *key)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN], path[64];
	snprintf(path, sizeof path, "%s.persons", key);
	out_num(a, sizeof a, cj_int(o, path, 0));
	snprintf(path, sizeof path, "%s.households", key);
	out_num(b, sizeof b, cj_int(o, path, 0));
	snprintf(buf, len, _("%s persons, %s households"), a, b);
	return buf;
}

static long long
persons(const json_t *o, const char *key)
{
	char path[64];
	snprintf(path, sizeof path, "%s.persons", key);
	return cj_int(o, path, 0);
}

/* --- list -------------------------------------------------------------- */

static void
print_list(const json_t *d, const void *arg)
{
	json_t *arr = cj_get(d, "incidents");
	if (!json_array_size(arr)) {
		printf("%s\n", _("No incidents. Register one with `poskoctl "
		                 "incident submit FILE`."));
		return;
	}
	out_table *t = out_table_new();
	out_table_col(t, _("ID"), OUT_RIGHT);
	out_table_col(t, _("TYPE"), OUT_LEFT);
	out_table_col(t, _("SEVERITY"), OUT_LEFT);
	out_table_col(t, _("STATE"), OUT_LEFT);
	out_table_col(t, _("OPENED"), OUT_LEFT);
	out_table_col(t, _("AFFECTED"), OUT_RIGHT);
	out_table_col(t, _("EVACUATING"), OUT_RIGHT);
	out_table_col(t, _("PLACED"), OUT_RIGHT);
	out_table_col(t, _("NO SHELTER"), OUT_RIGHT);
	out_table_col(t, _("TITLE"), OUT_LEFT);
	size_t i;
	json_t *in;
	json_array_foreach(arr, i, in)
	{
		char sev[96], when[64], p[OUT_NUMLEN * 2], n[OUT_NUMLEN],
			title[256];
		out_table_cell(t, cj_text(in, "incident"));
		out_table_cell(t, describe_type(cj_str(in, "type")));
		out_table_cell(t, describe_severity(sev, sizeof sev,
		                                    cj_get(in, "severity")));
		const char *state = describe_state(cj_str(in, "state"));
		if (cj_bool(in, "exercise", 0))
			out_table_cellf(t, "%s (%s)", state, _("exercise"));
		else
			out_table_cell(t, state);
		out_table_cell(t, out_time_str(when, sizeof when,
		                               cj_str(in, "opened")));
		out_table_num(t, persons(in, "affected"));
		out_table_num(t, persons(in, "evacuees"));
		out_table_num(t, persons(in, "placed"));
		long long un = persons(in, "unplaced");
		out_table_cell(t, out_paint(p, sizeof p, un ? OUT_RED : OUT_PLAIN,
		                            out_num(n, sizeof n, un)));
		const char *ti = cj_str(in, "title");
		out_table_cell(t, out_fit(title, sizeof title,
		                          ti ? ti : cj_text(in, "source_id"), 40));
	}
	out_table_print(t, stdout);
	out_table_free(t);
	printf("%s\n", _("(persons; `poskoctl incident show ID` gives "
	                 "households and shelters)"));
}

static int
cmd_list(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, 0, 'a'},
		{"closed", no_argument, 0, 'c'},
		{"open", no_argument, 0, 'o'},
		{0, 0, 0, 0},
	};
	const char *state = "open";
	if (ctl_getopt_state(argc, argv, opts, &state))
		return ctl_usage("incident", "%s",
		                 _("incident list takes --all, --open or "
		                   "--closed."));
	if (optind < argc)
		return ctl_usage("incident", _("unexpected argument `%s`."),
		                 argv[optind]);
	return ctl_request_print(ctx, "incident.list",
	                         json_pack("{s:s}", "state", state), print_list,
	                         NULL);
}

/* --- show -------------------------------------------------------------- */

static void
print_show(const json_t *d, const void *arg)
{
	char buf[256], sev[96], when[64];
	const char *title = cj_str(d, "title");
	printf(_("Incident %s: %s"), cj_text(d, "incident"),
	       title ? title : cj_text(d, "source_id"));
	printf("\n\n");
	out_table *t = out_table_new();
	out_table_col(t, "", OUT_LEFT);
	out_table_col(t, "", OUT_LEFT);
	out_table_kv(t, _("Type"), describe_type(cj_str(d, "type")));
	out_table_kv(t, _("Severity"),
	             describe_severity(sev, sizeof sev, cj_get(d, "severity")));
	snprintf(buf, sizeof buf, "%s%s", describe_state(cj_str(d, "state")),
	         cj_bool(d, "exercise", 0) ? _(" (exercise: nothing is "
	                                       "allocated)")
	                                   : "");
	out_table_kv(t, _("State"), buf);
	snprintf(buf, sizeof buf, "%s/%s", cj_text(d, "source"),
	         cj_text(d, "source_id"));
	out_table_kv(t, _("Source"), buf);
	out_table_kv(t, _("Revision"), cj_text(d, "revision"));
	snprintf(buf, sizeof buf, _("%s days"), cj_text(d, "days"));
	out_table_kv(t, _("Emergency period"), buf);
	out_table_kv(t, _("Opened"),
	             out_time_str(when, sizeof when, cj_str(d, "opened")));
	if (cj_str(d, "closed"))
		out_table_kv(t, _("Closed"), out_time_str(when, sizeof when,
		                                          cj_str(d, "closed")));
	out_table_kv(t, _("Affected"), counts(buf, sizeof buf, d, "affected"));
	out_table_kv(t, _("Evacuating"),
	             counts(buf, sizeof buf, d, "evacuees"));
	out_table_kv(t, _("Placed in a shelter"),
	             counts(buf, sizeof buf, d, "placed"));
	out_table_kv(t, _("Without a shelter"),
	             counts(buf, sizeof buf, d, "unplaced"));
	out_table_print(t, stdout);
	out_table_free(t);

	json_t *sh = cj_get(d, "shelters");
	if (json_array_size(sh)) {
		printf("\n%s\n", _("Shelters used by this incident:"));
		t = out_table_new();
		out_table_col(t, _("SHELTER"), OUT_LEFT);
		out_table_col(t, _("HOUSEHOLDS"), OUT_RIGHT);
		out_table_col(t, _("PERSONS"), OUT_RIGHT);
		size_t i;
		json_t *s;
		long long hh = 0, pp = 0;
		json_array_foreach(sh, i, s)
		{
			out_table_cell(t, cj_text(s, "shelter"));
			out_table_num(t, cj_int(s, "households", 0));
			out_table_num(t, cj_int(s, "persons", 0));
			hh += cj_int(s, "households", 0);
			pp += cj_int(s, "persons", 0);
		}
		out_table_rule(t);
		out_table_cell(t, _("total"));
		out_table_num(t, hh);
		out_table_num(t, pp);
		out_table_print(t, stdout);
		out_table_free(t);
	}
	json_t *rev = cj_get(d, "revisions");
	if (json_array_size(rev)) {
		printf("\n%s\n", _("History:"));
		t = out_table_new();
		out_table_col(t, _("REV"), OUT_RIGHT);
		out_table_col(t, _("ACTION"), OUT_LEFT);
		out_table_col(t, _("TIME"), OUT_LEFT);
		out_table_col(t, _("BY"), OUT_LEFT);
		size_t i;
		json_t *r;
		json_array_foreach(rev, i, r)
		{
			out_table_cell(t, cj_text(r, "revision"));
			out_table_cell(t, cj_text(r, "action"));
			out_table_cell(t, out_time_str(when, sizeof when,
			                               cj_str(r, "time")));
			const char *op = cj_str(r, "operator");
			out_table_cell(t, op ? op : cj_text(r, "source"));
		}
		out_table_print(t, stdout);
		out_table_free(t);
	}
	if (persons(d, "unplaced") > 0)
		printf("\n%s\n", _("→ Some evacuees have no shelter: open a "
		                   "shelter or raise a capacity (`poskoctl "
		                   "shelter list`)."));
}

static int
show_incident(ctl_ctx *ctx, json_t *args)
{
	return ctl_request_print(ctx, "incident.show", args, print_show, NULL);
}

static int
parse_incident_id(const char *s, long long *id)
{
	*id = ctl_parse_id(s);
	if (*id < 0) {
		ctl_usage("incident",
		          _("`%s` is not an incident number; `poskoctl incident "
		            "list` shows them."),
		          s);
		return -1;
	}
	return 0;
}

static int
cmd_show(ctl_ctx *ctx, int argc, char **argv)
{
	const char *source = NULL;
	if (ctl_getopt_value(argc, argv, "source", &source))
		return ctl_usage("incident", "%s",
		                 _("incident show takes an incident number."));
	if (optind + 1 != argc)
		return ctl_usage("incident", "%s",
		                 _("incident show takes one incident number "
		                   "(or --source SOURCE SOURCE_ID)."));
	if (source)
		return show_incident(ctx, json_pack("{s:s,s:s}", "source",
		                                    source, "source_id",
		                                    argv[optind]));
	long long id;
	if (parse_incident_id(argv[optind], &id))
		return CTL_EXIT_USAGE;
	return show_incident(ctx, json_pack("{s:I}", "incident", (json_int_t)id));
}

/* --- submit ------------------------------------------------------------ */

static json_t *
read_json_file(const char *path, int *rc)
{
	json_error_t je;
	json_t *j;
	if (strcmp(path, "-") == 0)
		j = json_loadf(stdin, 0, &je);
	else
		j = json_load_file(path, 0, &je);
	if (!j) {
		if (je.line <= 0 || strstr(je.text, "unable to open"))
			out_err(_("cannot read %s: %s"), path, je.text);
		else
			out_err(_("%s:%d:%d: not valid JSON: %s"), path, je.line,
			        je.column, je.text);
		*rc = CTL_EXIT_USAGE;
		return NULL;
	}
	if (!json_is_object(j)) {
		out_err(_("%s: an incident report is a JSON object "
		          "({\"v\":1,\"kind\":\"incident.report\",...})."),
		        path);
		json_decref(j);
		*rc = CTL_EXIT_USAGE;
		return NULL;
	}
	return j;
}

/* Wait for ingest.accepted / ingest.rejected of source/source_id. */
static int
wait_decision(ctl_ctx *ctx, int sub, const char *source, const char *sid,
              long long *incident)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int budget = ctx->conn.timeout_ms;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long el = (now.tv_sec - start.tv_sec) * 1000 +
		          (now.tv_nsec - start.tv_nsec) / 1000000;
		if (el >= budget)
			return -1;
		char *topic = NULL;
		json_t *ev = NULL;
		int r = events_next(sub, (int)(budget - el), &topic, &ev);
		if (r <= 0)
			return -1;
		int match = strcmp(cj_text(ev, "source"), source) == 0 &&
		            strcmp(cj_text(ev, "source_id"), sid) == 0;
		int result = -1;
		if (match && strcmp(topic, "ingest.accepted") == 0) {
			*incident = cj_int(ev, "incident", -1);
			if (!ctx->json) {
				char line[512];
				printf("%s\n", describe_event(line, sizeof line,
				                              topic, ev));
			}
			result = 0;
		} else if (match && strcmp(topic, "ingest.rejected") == 0) {
			out_err(_("poskod rejected the report: %s"),
			        cj_text(ev, "message"));
			result = 1;
		}
		free(topic);
		json_decref(ev);
		if (result >= 0)
			return result;
	}
}

/* Send a queued command (submit, update, close), wait for its decision
 * and show the incident. */
static int
queued_command(ctl_ctx *ctx, const char *cmd, json_t *args, int wait)
{
	char err[512];
	int sub = -1;
	if (wait) {
		const char *topics[] = {"ingest."};
		sub = events_open(ctx->conn.events, topics, 1, err, sizeof err);
		if (sub >= 0 && !events_wait_connected(sub, 1000)) {
			events_close(sub);
			sub = -1;
		}
	}
	json_t *d = NULL;
	int rc = ctl_request(ctx, cmd, args, &d);
	if (rc) {
		events_close(sub);
		return rc;
	}
	char source[128], sid[256];
	snprintf(source, sizeof source, "%s", cj_text(d, "source"));
	snprintf(sid, sizeof sid, "%s", cj_text(d, "source_id"));
	if (!ctx->json) {
		char n[OUT_NUMLEN];
		printf(_("Report %s/%s queued (place %s); poskod decides it in "
		         "arrival order.\n"),
		       source, sid, out_num(n, sizeof n, cj_int(d, "position", 0)));
	}
	if (sub < 0) {
		if (ctx->json)
			ctl_print_json(d);
		json_decref(d);
		if (wait)
			printf("%s\n", _("(the events socket could not be "
			                 "reached, so the outcome is not shown: "
			                 "see `poskoctl incident list`)"));
		return CTL_EXIT_OK;
	}
	long long incident = -1;
	int w = wait_decision(ctx, sub, source, sid, &incident);
	events_close(sub);
	if (w < 0) {
		if (ctx->json)
			ctl_print_json(d);
		else
			printf("%s\n", _("Not decided yet; follow it with "
			                 "`poskoctl watch --topic ingest.` or "
			                 "`poskoctl incident list`."));
		json_decref(d);
		return CTL_EXIT_OK;
	}
	json_decref(d);
	if (w > 0)
		return CTL_EXIT_REFUSED;
	if (incident > 0) {
		if (!ctx->json)
			printf("\n");
		return show_incident(ctx, json_pack("{s:I}", "incident",
		                                    (json_int_t)incident));
	}
	return CTL_EXIT_OK;
}

static int
cmd_submit(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-wait", no_argument, 0, 'n'},
		{0, 0, 0, 0},
	};
	int wait = 1, c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'n')
			wait = 0;
		else
			return ctl_usage("incident", "%s",
			                 _("incident submit takes a file (or - "
			                   "for standard input)."));
	}
	if (optind + 1 != argc)
		return ctl_usage("incident", "%s",
		                 _("incident submit takes one file: the "
		                   "incident report as JSON (or - for standard "
		                   "input)."));
	int rc = 0;
	json_t *report = read_json_file(argv[optind], &rc);
	if (!report)
		return rc;
	json_t *args = json_object();
	json_object_set_new(args, "report", report);
	return queued_command(ctx, "incident.submit", args, wait);
}

/* --- update / close ---------------------------------------------------- */

static json_t *
footprint_from_file(const char *path)
{
	int rc;
	json_t *j = read_json_file(path, &rc);
	if (!j)
		return NULL;
	const char *type = cj_str(j, "type");
	/* A GeoJSON Feature or geometry, or poskod's footprint object. */
	if (type && strcmp(type, "Feature") == 0) {
		json_t *g = json_incref(json_object_get(j, "geometry"));
		json_decref(j);
		return json_pack("{s:o}", "geometry", g);
	}
	if (type && (strcmp(type, "Polygon") == 0 ||
	             strcmp(type, "MultiPolygon") == 0))
		return json_pack("{s:o}", "geometry", j);
	return j;
}

static int
cmd_update(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"siaga", required_argument, 0, 's'},
		{"depth-cm", required_argument, 0, 'd'},
		{"level", required_argument, 0, 'l'},
		{"evacuate", no_argument, 0, 'e'},
		{"days", required_argument, 0, 'D'},
		{"title", required_argument, 0, 't'},
		{"footprint", required_argument, 0, 'f'},
		{"no-wait", no_argument, 0, 'n'},
		{0, 0, 0, 0},
	};
	json_t *args = json_object();
	int c, wait = 1, nsev = 0;
	long long v;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case 's':
			v = out_parse_count(optarg);
			if (v < 1 || v > 4)
				goto bad_value;
			json_object_set_new(args, "severity",
			                    json_pack("{s:I}", "siaga",
			                              (json_int_t)v));
			nsev++;
			break;
		case 'd':
			v = out_parse_count(optarg);
			if (v < 0 || v > 2000)
				goto bad_value;
			json_object_set_new(args, "severity",
			                    json_pack("{s:I}", "depth_cm",
			                              (json_int_t)v));
			nsev++;
			break;
		case 'l':
			if (strcmp(optarg, "minor") && strcmp(optarg, "moderate") &&
			    strcmp(optarg, "severe") && strcmp(optarg, "extreme"))
				goto bad_value;
			json_object_set_new(args, "severity",
			                    json_pack("{s:s}", "level", optarg));
			nsev++;
			break;
		case 'e':
			json_object_set_new(args, "severity",
			                    json_pack("{s:b}", "evacuate", 1));
			nsev++;
			break;
		case 'D':
			v = out_parse_count(optarg);
			if (v < 1 || v > 90)
				goto bad_value;
			json_object_set_new(args, "days", json_integer(v));
			break;
		case 't':
			json_object_set_new(args, "title", json_string(optarg));
			break;
		case 'f': {
			json_t *fp = footprint_from_file(optarg);
			if (!fp) {
				json_decref(args);
				return CTL_EXIT_USAGE;
			}
			json_object_set_new(args, "footprint", fp);
			break;
		}
		case 'n':
			wait = 0;
			break;
		default:
			json_decref(args);
			return ctl_usage("incident", "%s",
			                 _("see the options of incident update."));
		}
	}
	if (nsev > 1) {
		json_decref(args);
		return ctl_usage("incident", "%s",
		                 _("give one severity: --siaga, --depth-cm, "
		                   "--level or --evacuate."));
	}
	long long id;
	if (optind + 1 != argc || json_object_size(args) == 0) {
		json_decref(args);
		return ctl_usage("incident", "%s",
		                 _("incident update takes an incident number "
		                   "and at least one change."));
	}
	if (parse_incident_id(argv[optind], &id)) {
		json_decref(args);
		return CTL_EXIT_USAGE;
	}
	json_object_set_new(args, "incident", json_integer(id));
	return queued_command(ctx, "incident.update", args, wait);
bad_value:
	json_decref(args);
	return ctl_usage("incident", _("`%s` is not a valid value here."),
	                 optarg);
}

static int
cmd_close(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, 0, 'r'},
		{"no-wait", no_argument, 0, 'n'},
		{0, 0, 0, 0},
	};
	const char *reason = NULL;
	int c, wait = 1;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'r')
			reason = optarg;
		else if (c == 'n')
			wait = 0;
		else
			return ctl_usage("incident", "%s",
			                 _("incident close takes --reason TEXT."));
	}
	long long id;
	if (optind + 1 != argc)
		return ctl_usage("incident", "%s",
		                 _("incident close takes one incident number."));
	if (parse_incident_id(argv[optind], &id))
		return CTL_EXIT_USAGE;
	if (!reason || !*reason)
		return ctl_usage("incident", "%s",
		                 _("say why the incident is closed: --reason "
		                   "\"air surut\" (it goes into the journal)."));
	return queued_command(ctx, "incident.close",
	                      json_pack("{s:I,s:s}", "incident", (json_int_t)id,
	                                "reason", reason),
	                      wait);
}

int
ctl_cmd_incident(ctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage("incident", "%s",
		                 _("incident needs one of: submit, list, show, "
		                   "update, close."));
	const char *sub = argv[1];
	if (strcmp(sub, "submit") == 0)
		return cmd_submit(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		return cmd_list(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "update") == 0)
		return cmd_update(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "close") == 0)
		return cmd_close(ctx, argc - 1, argv + 1);
	return ctl_usage("incident", _("incident has no `%s`; use submit, list, "
	                               "show, update or close."),
	                 sub);
}
