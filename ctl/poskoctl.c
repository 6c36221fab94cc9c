/*
 * poskoctl.c — the Dinsos emergency desk console: global options, the
 * command table, help, and dispatch (see poskoctl(1)).
 *
 * Global options may stand anywhere on the line (before "--"), so a tired
 * operator can add --json or --lang id at the end of what they typed.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if __has_include("config/config.h") && __has_include("alloc/policy.h") && \
	!defined(POSKO_CTL_NO_CONFIG)
#include "config/config.h"
#define HAVE_CONFIG_LOAD 1
#else
#define HAVE_CONFIG_LOAD 0
#define CONFIG_DEFAULT_PATH "/etc/posko/posko.conf"
#endif

/* impact and plan are the geo and alloc helpers' files.  Weak references:
 * ctl objects are linked directly, so the real function wins when its file
 * is there, and poskoctl still links (and says so) while it is not. */
#if __has_include("ctl/impact.h")
#include "ctl/impact.h"
#endif
#if __has_include("ctl/plan.h")
#include "ctl/plan.h"
#endif
int ctl_impact_main(int argc, char **argv) __attribute__((weak));
int ctl_plan_main(int argc, char **argv) __attribute__((weak));
int ctl_cmd_feed(ctl_ctx *ctx, int argc, char **argv); /* ctl/cmd_feed.c */

#ifndef POSKO_VERSION
#define POSKO_VERSION "0.1.0"
#endif

struct ctl_command {
	const char *name;
	ctl_cmd_fn fn;
	const char *usage; /* synopsis lines, translated at print time */
	const char *what;  /* one line for the command list */
};

static int cmd_help(ctl_ctx *ctx, int argc, char **argv);
static int cmd_version(ctl_ctx *ctx, int argc, char **argv);
static int cmd_offline(ctl_ctx *ctx, int argc, char **argv);

static const struct ctl_command commands[] = {
	{"status", ctl_cmd_status, N_("status"),
	 N_("the situation now: incidents, people, shelters, meals, alerts")},
	{"incident", ctl_cmd_incident,
	 N_("incident submit FILE|-\n"
	    "incident list [--all|--closed]\n"
	    "incident show ID\n"
	    "incident update ID [--siaga N|--depth-cm N|--level L|--evacuate]\n"
	    "                   [--days N] [--title TEXT] [--footprint FILE]\n"
	    "incident close ID --reason TEXT"),
	 N_("register, list, show, revise and close incidents")},
	{"shelter", ctl_cmd_shelter,
	 N_("shelter list [--open|--closed] [--kelurahan CODE]\n"
	    "shelter show ID\n"
	    "shelter open ID\n"
	    "shelter close ID --reason TEXT\n"
	    "shelter set-capacity ID PERSONS --reason TEXT"),
	 N_("shelters with occupancy; open, close, change capacity")},
	{"household", ctl_cmd_household,
	 N_("household find ID\n"
	    "household find --kelurahan CODE [--limit N] [--offset N]"),
	 N_("where a family is, since when, what it has received")},
	{"checkin", ctl_cmd_checkin,
	 N_("checkin HOUSEHOLD [SHELTER] [--incident ID]"),
	 N_("a family has arrived at its shelter (or walks in)")},
	{"checkout", ctl_cmd_checkout,
	 N_("checkout HOUSEHOLD [--reason TEXT]"),
	 N_("a family has left its shelter")},
	{"transfer", ctl_cmd_transfer,
	 N_("transfer HOUSEHOLD SHELTER --reason TEXT"),
	 N_("move a whole family to another shelter")},
	{"stock", ctl_cmd_stock,
	 N_("stock list [--depot ID] [--item ITEM]\n"
	    "stock receive DEPOT ITEM QTY [--lot LOT] [--expires YYYY-MM-DD]\n"
	    "stock adjust DEPOT LOT DELTA --reason TEXT"),
	 N_("depot stock: list, receive, correct")},
	{"dispatch", ctl_cmd_dispatch,
	 N_("dispatch confirm ID"),
	 N_("meals or kits have been delivered")},
	{"alerts", ctl_cmd_alerts,
	 N_("alerts [--all|--acknowledged|--cleared]\n"
	    "alerts ack ID [--note TEXT]"),
	 N_("capacity, stock and shortage alerts; acknowledge one")},
	{"report", ctl_cmd_report,
	 N_("report spm [--date YYYY-MM-DD] [--incident ID] [--csv]"),
	 N_("the daily SPM report (meals 3x1, kits, shelters)")},
	{"import", ctl_cmd_import,
	 N_("import households|shelters|depots|stock FILE.csv [--batch N]\n"
	    "import flood-zones|fire-zones FILE.geojson"),
	 N_("load a CSV register (or a zone file) into poskod, with a "
	    "summary of rejected rows")},
	{"feed", ctl_cmd_feed,
	 N_("feed sitrep [--format json|geojson] [--out FILE]\n"
	    "feed hxl [--table NAME] [--out FILE]\n"
	    "feed cap [--out DIR]"),
	 N_("the situation report, HXL CSV or open CAP alerts for BPBD")},
	{"watch", ctl_cmd_watch,
	 N_("watch [--topic T] [--incident ID] [--shelter ID] [--since ID]\n"
	    "watch --board"),
	 N_("the live event stream, or the full-screen shelter board")},
	/* ctl/impact.c and ctl/plan.c (the geo and alloc helpers'): they
	 * run on the data files, without poskod; `poskoctl impact --help`
	 * and `poskoctl plan --help` give their full options. */
	{"impact", cmd_offline,
	 N_("impact --zones FILE... --households FILE\n"
	    "       [--footprint FILE|--point LON,LAT --radius-m R]"),
	 N_("offline: who a hazard zone or footprint affects (no daemon)")},
	{"plan", cmd_offline,
	 N_("plan --zones FILE... --households H --shelters S --depots D\n"
	    "     --stock K --incident REPORT.json [--date YYYY-MM-DD]"),
	 N_("offline: plan shelters, meals and kits (no daemon)")},
	{"help", cmd_help, N_("help [COMMAND]"), N_("this help")},
	{"version", cmd_version, N_("version"), N_("poskoctl's version")},
};

#define NCOMMANDS (sizeof commands / sizeof *commands)

static const struct ctl_command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	/* Forgiving spellings for the desk. */
	if (strcmp(name, "alert") == 0)
		return find_command("alerts");
	if (strcmp(name, "shelters") == 0)
		return find_command("shelter");
	if (strcmp(name, "incidents") == 0)
		return find_command("incident");
	return NULL;
}

/* Print a multi-line synopsis with "poskoctl " before each command line. */
static void
print_usage_lines(FILE *f, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(f, "  %s%.*s\n", *p == ' ' ? "         " : "poskoctl ",
		        (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void
print_global_help(FILE *f)
{
	fprintf(f, "%s\n\n", _("Global options (anywhere on the line):"));
	fprintf(f, "  --json            %s\n",
	        _("machine-readable JSON on stdout"));
	fprintf(f, "  --operator NAME   %s\n",
	        _("your name in the journal (default: your login name)"));
	fprintf(f, "  --config FILE     %s\n",
	        _("posko.conf to find the sockets (default "
	          "/etc/posko/posko.conf)"));
	fprintf(f, "  --control URL     %s\n",
	        _("the control socket (or $POSKO_CONTROL)"));
	fprintf(f, "  --events URL      %s\n",
	        _("the events socket (or $POSKO_EVENTS)"));
	fprintf(f, "  --lang id|en      %s\n",
	        _("language of messages (default: from LANG)"));
	fprintf(f, "  --timeout SECONDS %s\n",
	        _("how long to wait for poskod (default 10)"));
	fprintf(f, "  --no-color        %s\n\n",
	        _("no colour even on a terminal (also NO_COLOR=1)"));
	fprintf(f, "%s\n", _("Exit status:"));
	fprintf(f, "  0  %s\n", _("done"));
	fprintf(f, "  1  %s\n",
	        _("poskod refused or failed the command (its reason is "
	          "printed), or import rows were rejected"));
	fprintf(f, "  2  %s\n",
	        _("usage: unknown command, option or argument; unreadable "
	          "file"));
	fprintf(f, "  3  %s\n",
	        _("poskod could not be reached (not running, no permission, "
	          "no answer in time)"));
}

static int
cmd_help(ctl_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1) {
		const struct ctl_command *c = find_command(argv[1]);
		if (!c)
			return ctl_usage(NULL, _("there is no command `%s`."),
			                 argv[1]);
		printf("%s\n\n", _(c->what));
		print_usage_lines(stdout, _(c->usage));
		printf("\n%s\n", _("Every command takes --json. See "
		                   "poskoctl(1) for details."));
		return CTL_EXIT_OK;
	}
	printf("%s\n\n", _("poskoctl — the Dinsos emergency desk console for "
	                   "poskod"));
	printf("%s\n", _("Usage: poskoctl [OPTIONS] COMMAND [ARGS]"));
	printf("\n%s\n", _("Commands:"));
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, _(commands[i].what));
	printf("\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		print_usage_lines(stdout, _(commands[i].usage));
	printf("\n");
	print_global_help(stdout);
	return CTL_EXIT_OK;
}

static int
cmd_version(ctl_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (ctx->json) {
		json_t *v = json_pack("{s:s}", "version", POSKO_VERSION);
		ctl_print_json(v);
		json_decref(v);
	} else {
		printf("poskoctl %s\n", POSKO_VERSION);
	}
	return CTL_EXIT_OK;
}

/* impact and plan run without the daemon, in the geo and alloc helpers'
 * code; they parse their own options, so --json is handed on. */
static int
cmd_offline(ctl_ctx *ctx, int argc, char **argv)
{
	char **av = calloc((size_t)argc + 2, sizeof *av);
	if (!av)
		return CTL_EXIT_REFUSED;
	int n = 0;
	for (int i = 0; i < argc; i++)
		av[n++] = argv[i];
	if (ctx->json)
		av[n++] = "--json";
	av[n] = NULL;
	int (*fn)(int, char **) = strcmp(argv[0], "impact") == 0
	                                  ? ctl_impact_main
	                                  : ctl_plan_main;
	int rc = fn ? fn(n, av) : -1;
	free(av);
	if (rc == -1) {
		out_err(_("`poskoctl %s` is not built into this poskoctl."),
		        argv[0]);
		return CTL_EXIT_USAGE;
	}
	return rc;
}

/* --- global options ---------------------------------------------------- */

struct globals {
	int json, no_colour;
	const char *operator, *config, *control, *events, *lang, *timeout;
};

/* Take the global options out of argv wherever they stand (before "--");
 * the rest keeps its order.  Returns the new argc, or -1 (reported). */
static int
take_globals(int argc, char **argv, struct globals *g)
{
	static const struct {
		const char *name;
		size_t off; /* offset of the const char * in struct globals */
	} valued[] = {
		{"--operator", offsetof(struct globals, operator)},
		{"--config", offsetof(struct globals, config)},
		{"--control", offsetof(struct globals, control)},
		{"--events", offsetof(struct globals, events)},
		{"--lang", offsetof(struct globals, lang)},
		{"--timeout", offsetof(struct globals, timeout)},
	};
	int out = 1, end = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (end || a[0] != '-' || a[1] != '-') {
			argv[out++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			end = 1;
			argv[out++] = a;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			g->json = 1;
			continue;
		}
		if (strcmp(a, "--no-color") == 0 ||
		    strcmp(a, "--no-colour") == 0) {
			g->no_colour = 1;
			continue;
		}
		int taken = 0;
		for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) {
			size_t n = strlen(valued[k].name);
			if (strncmp(a, valued[k].name, n) != 0 ||
			    (a[n] != '\0' && a[n] != '='))
				continue;
			const char **slot =
				(const char **)((char *)g + valued[k].off);
			if (a[n] == '=') {
				*slot = a + n + 1;
			} else if (i + 1 < argc) {
				*slot = argv[++i];
			} else {
				out_err(_("option %s needs a value"), a);
				return -1;
			}
			taken = 1;
			break;
		}
		if (!taken)
			argv[out++] = a;
	}
	argv[out] = NULL;
	return out;
}

static const char *
login_name(void)
{
	/* Under sudo the person at the desk is SUDO_USER, not root. */
	const char *sudo = getenv("SUDO_USER");
	if (getuid() == 0 && sudo && *sudo)
		return sudo;
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	const char *user = getenv("USER");
	return user && *user ? user : NULL;
}

static void
set_url(char *dst, const char *src)
{
	if (src && *src)
		snprintf(dst, CLIENT_URL_MAX, "%s", src);
}

/* Endpoints: defaults < config file < environment < command line. */
static int
load_endpoints(ctl_ctx *ctx, const struct globals *g)
{
	client_cfg_defaults(&ctx->conn);
	const char *path = g->config;
	if (!path && access(CONFIG_DEFAULT_PATH, R_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
#if HAVE_CONFIG_LOAD
	posko_config *cfg = NULL;
	char err[512] = "";
	if (path) {
		if (config_load(path, &cfg, err, sizeof err) != 0) {
			out_err(_("cannot use the config %s: %s"), path, err);
			if (g->config)
				return -1;
			out_err(_("using the default sockets under /run/posko."));
		}
	} else {
		cfg = config_default();
	}
	if (cfg) {
		set_url(ctx->conn.control, cfg->bus.control);
		ctx->conn.control_ro[0] = '\0';
		set_url(ctx->conn.control_ro, cfg->bus.control_readonly);
		set_url(ctx->conn.events, cfg->bus.events);
		config_free(cfg);
	}
#else
	if (g->config && access(g->config, R_OK) != 0) {
		out_err(_("cannot read the config %s: %s"), g->config,
		        strerror(errno));
		return -1;
	}
#endif
	set_url(ctx->conn.control, getenv("POSKO_CONTROL"));
	set_url(ctx->conn.events, getenv("POSKO_EVENTS"));
	if (g->control) {
		set_url(ctx->conn.control, g->control);
		/* An explicit desk socket: do not fall back to another
		 * daemon's read-only socket. */
		ctx->conn.control_ro[0] = '\0';
	}
	set_url(ctx->conn.events, g->events);
	return 0;
}

static int
parse_timeout(const char *s, int *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 3600)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	return 0;
}

int
main(int argc, char **argv)
{
	struct globals g = {0};
	argc = take_globals(argc, argv, &g);
	if (lang_init(g.lang) != 0) {
		lang_init(NULL);
		return ctl_usage(NULL, _("--lang takes id or en, not `%s`."),
		                 g.lang);
	}
	if (argc < 0)
		return CTL_EXIT_USAGE;

	int id = lang_current() == LANG_ID;
	out_style st = {
		.colour = !g.no_colour && !g.json &&
		          out_colour_wanted(STDOUT_FILENO),
		.utf8 = out_locale_utf8(),
		.thousands = id ? '.' : ',',
		.decimal = id ? ',' : '.',
		.warn_pct = 80,
		.crit_pct = 95,
	};
	out_setup(&st);

	ctl_ctx ctx = {.json = g.json, .prog = "poskoctl"};
	ctx.operator = g.operator ? g.operator : login_name();
	if (argc < 2) {
		print_global_help(stderr);
		return ctl_usage(NULL, "%s", _("which command?"));
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(&ctx, 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(&ctx, 1, argv + 1);
	const struct ctl_command *c = find_command(argv[1]);
	if (!c)
		return ctl_usage(NULL, _("there is no command `%s`."), argv[1]);
	if (c->fn == cmd_offline || c->fn == cmd_help || c->fn == cmd_version)
		return c->fn(&ctx, argc - 1, argv + 1);

	if (load_endpoints(&ctx, &g) != 0)
		return CTL_EXIT_USAGE;
	ctx.conn.timeout_ms = 10000;
	if (g.timeout && parse_timeout(g.timeout, &ctx.conn.timeout_ms) != 0)
		return ctl_usage(NULL,
		                 _("--timeout takes seconds (like 10 or 2.5), "
		                   "not `%s`."),
		                 g.timeout);
	if (ctx.operator && (strlen(ctx.operator) == 0 ||
	                     strlen(ctx.operator) > 64))
		return ctl_usage(NULL, "%s",
		                 _("--operator takes a name of 1 to 64 "
		                   "characters."));
	/* `poskoctl shelter --help` */
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			char *hv[] = {"help", argv[1], NULL};
			return cmd_help(&ctx, 2, hv);
		}
	return c->fn(&ctx, argc - 1, argv + 1);
}
