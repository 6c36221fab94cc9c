/*
 * cmd_watch.c — `poskoctl watch`: the live event stream, one line per
 * event in plain words (or one JSON object per line with --json), and
 * `watch --board` (board.c).
 */
#define _GNU_SOURCE
#include "ctl/board.h"
#include "ctl/ctl.h"
#include "ctl/describe.h"
#include "ctl/events.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct filter {
	long long incident; /* -1 = any */
	const char *shelter; /* NULL = any */
	const char *const *topics; /* prefixes; none = any */
	size_t ntopics;
};

static int
matches(const struct filter *f, const char *topic, const json_t *ev)
{
	/* live events are filtered by the subscription; fetched ones here */
	size_t k = 0;
	while (k < f->ntopics &&
	       strncmp(topic, f->topics[k], strlen(f->topics[k])) != 0)
		k++;
	if (f->ntopics > 0 && k == f->ntopics)
		return 0;
	if (f->incident > 0 && cj_int(ev, "incident", -1) != f->incident)
		return 0;
	if (f->shelter) {
		const char *s = cj_str(ev, "shelter");
		const char *subj = cj_str(ev, "subject");
		if (!(s && strcmp(s, f->shelter) == 0) &&
		    !(subj && strcmp(subj, f->shelter) == 0))
			return 0;
	}
	return 1;
}

static enum out_colour
topic_colour(const char *topic, const json_t *ev)
{
	if (strncmp(topic, "alert.", 6) == 0) {
		const char *state = cj_str(ev, "state");
		if (state && strcmp(state, "cleared") == 0)
			return OUT_GREEN;
		const char *lvl = cj_str(ev, "level");
		return lvl && strcmp(lvl, "warn") == 0 ? OUT_YELLOW : OUT_RED;
	}
	if (strcmp(topic, "unplaced.household") == 0 ||
	    strcmp(topic, "ingest.rejected") == 0)
		return OUT_RED;
	if (strncmp(topic, "incident.", 9) == 0)
		return OUT_BOLD;
	/* A dispatch line lowered to 0: nothing goes out any more. */
	const char *status = cj_str(ev, "status");
	if (strncmp(topic, "dispatch.", 9) == 0 && status &&
	    strcmp(status, "released") == 0)
		return OUT_DIM;
	return OUT_PLAIN;
}

static void
print_event(const char *topic, const json_t *ev)
{
	char line[1024], when[32], painted[1200];
	time_t t;
	const char *ts = cj_str(ev, "time");
	if (ts && out_time_parse(ts, &t) == 0) {
		struct tm tm;
		time_t local = t + 7 * 3600;
		gmtime_r(&local, &tm);
		snprintf(when, sizeof when, "%02d:%02d:%02d", tm.tm_hour,
		         tm.tm_min, tm.tm_sec);
	} else {
		snprintf(when, sizeof when, "--:--:--");
	}
	describe_event(line, sizeof line, topic, ev);
	printf("%s  %s%-18s%s %s\n", when, out_on(OUT_DIM), topic, out_off(),
	       out_paint(painted, sizeof painted, topic_colour(topic, ev),
	                 line));
}

/* One event, if it passes the filter: a line in plain words, or with
 * --json the event with its "topic". */
static void
show(ctl_ctx *ctx, const char *topic, json_t *ev, const struct filter *f,
     long long *shown)
{
	if (!matches(f, topic, ev))
		return;
	if (ctx->json) {
		json_object_set_new(ev, "topic", json_string(topic));
		char *s = json_dumps(ev, JSON_COMPACT);
		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		print_event(topic, ev);
	}
	fflush(stdout);
	(*shown)++;
}

/*
 * The events after *last from poskod's outbox (events.since, protocol.md
 * 2.10), shown like live ones, up to the id before `before` (0: all
 * there are), with at most `count` shown in all (0: no limit). *last
 * moves past what was fetched. A trimmed range is said once. Returns
 * CTL_EXIT_OK or the failed request's exit status.
 */
static int
catch_up(ctl_ctx *ctx, const char *topic, const struct filter *f,
         long long *last, long long before, long long count,
         long long *shown)
{
	for (;;) {
		json_t *d = NULL, *e;
		json_t *args = json_pack("{s:I,s:i}", "after",
		                         (json_int_t)*last, "limit", 500);
		size_t i;
		if (topic)
			json_object_set_new(args, "topic", json_string(topic));
		int rc = ctl_request(ctx, "events.since", args, &d);
		if (rc)
			return rc;
		if (json_is_true(json_object_get(d, "trimmed")))
			out_err(_("events %lld to %lld are no longer kept by "
			          "poskod (older than its outbox keeps); "
			          "`poskoctl incident list` shows the state "
			          "now"),
			        *last + 1, cj_int(d, "first_kept", 0) - 1);
		long long next = cj_int(d, "next", *last);
		int more = json_is_true(json_object_get(d, "more"));
		json_array_foreach(json_object_get(d, "events"), i, e)
		{
			json_t *ev = json_object_get(e, "event");
			long long id = cj_int(ev, "id", -1);
			if ((before > 0 && id >= before) ||
			    (count > 0 && *shown >= count)) {
				more = 0;
				break;
			}
			if (id <= *last)
				continue; /* shown already */
			show(ctx, cj_str(e, "topic"), ev, f, shown);
			*last = id;
		}
		if (more && next > *last)
			*last = next;
		/* never past the live event that revealed the gap */
		if (before > 0 && *last > before - 1)
			*last = before - 1;
		json_decref(d);
		if (!more || (before > 0 && *last >= before - 1) || stop)
			return CTL_EXIT_OK;
	}
}

static int
stream(ctl_ctx *ctx, const char *const *topics, size_t ntopics,
       const struct filter *f, long long count, long long since)
{
	char err[512];
	int sub = events_open(ctx->conn.events, topics, ntopics, err, sizeof err);
	if (sub < 0) {
		out_err("%s", err);
		return CTL_EXIT_UNREACHABLE;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (!ctx->json && isatty(fileno(stderr)))
		fprintf(stderr, "%s\n", _("Watching poskod's events (Ctrl-C to "
		                          "stop); times in WIB."));
	long long last_id = -1, shown = 0;
	if (since >= 0) {
		/* subscribed first, so nothing falls between the two: what
		 * comes live and was fetched is dropped by its id below */
		events_wait_connected(sub, 1000);
		last_id = since;
		int rc = catch_up(ctx, ntopics == 1 ? topics[0] : NULL, f,
		                  &last_id, 0, count, &shown);
		if (rc) {
			events_close(sub);
			return rc;
		}
	}
	while (!stop && (count <= 0 || shown < count)) {
		char *topic = NULL;
		json_t *ev = NULL;
		int r = events_next(sub, 500, &topic, &ev);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		long long id = cj_int(ev, "id", -1);
		/* Ids have no gaps: one here is events this terminal did not
		 * read in time (nanomsg dropped them). Fetch them first.
		 * Only when every topic is watched: with --topic, the ids of
		 * the others are skipped by design. */
		if (ntopics == 0 && last_id >= 0 && id > last_id + 1 &&
		    catch_up(ctx, NULL, f, &last_id, id, count, &shown) !=
		            CTL_EXIT_OK)
			out_err(_("events %lld to %lld were missed and could "
			          "not be fetched"),
			        last_id + 1, id - 1);
		/* After a crash poskod re-publishes with the same ids. */
		int dup = id >= 0 && id <= last_id;
		if (id > last_id)
			last_id = id;
		if (!dup && (count <= 0 || shown < count))
			show(ctx, topic, ev, f, &shown);
		free(topic);
		json_decref(ev);
	}
	events_close(sub);
	return CTL_EXIT_OK;
}

int
ctl_cmd_watch(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"topic", required_argument, 0, 't'},
		{"incident", required_argument, 0, 'i'},
		{"shelter", required_argument, 0, 's'},
		{"board", no_argument, 0, 'b'},
		{"count", required_argument, 0, 'n'},
		{"since", required_argument, 0, 'S'},
		{0, 0, 0, 0},
	};
	const char *topics[16];
	size_t ntopics = 0;
	struct filter f = {.incident = -1};
	int board = 0, c;
	long long count = 0, since = -1;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case 't':
			if (ntopics < sizeof topics / sizeof *topics)
				topics[ntopics++] = optarg;
			break;
		case 'i':
			if ((f.incident = ctl_parse_id(optarg)) < 0)
				return ctl_usage("watch",
				                 _("`%s` is not an incident "
				                   "number."),
				                 optarg);
			break;
		case 's':
			f.shelter = optarg;
			break;
		case 'b':
			board = 1;
			break;
		case 'S':
			if (strcmp(optarg, "0") == 0)
				since = 0;
			else if ((since = ctl_parse_id(optarg)) < 0)
				return ctl_usage("watch",
				                 _("--since takes an event id "
				                   "(0: the oldest poskod keeps)."));
			break;
		case 'n':
			if ((count = out_parse_count(optarg)) <= 0)
				return ctl_usage("watch", "%s",
				                 _("--count takes a number of "
				                   "events."));
			break;
		default:
			return ctl_usage("watch", "%s",
			                 _("watch takes --topic T, --incident ID, "
			                   "--shelter ID, --since ID, --count N or "
			                   "--board."));
		}
	}
	if (optind < argc)
		return ctl_usage("watch", _("unexpected argument `%s`."),
		                 argv[optind]);
	if (board)
		return board_run(ctx);
	f.topics = topics;
	f.ntopics = ntopics;
	return stream(ctx, topics, ntopics, &f, count, since);
}
