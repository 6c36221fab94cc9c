/*
 * board.c — the full-screen shelter board (board.h).
 */
#define _GNU_SOURCE
#include "ctl/board.h"

#include "ctl/client.h"
#include "ctl/describe.h"
#include "ctl/events.h"
#include "ctl/lang.h"
#include "ctl/out.h"
#include "ctl/shelter.h"

#include <errno.h>
#include <fcntl.h>
#include <nanomsg/nn.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define REFRESH_MS 10000  /* redraw from poskod even without events */
#define MIN_GAP_MS 300    /* at most ~3 refreshes a second in a burst */
#define LAST_EVENTS 3

static struct termios saved_tio;
static int tio_saved;
static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_winch, got_stop;

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_stop = 1;
	int e = errno;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = e;
}

static void
term_restore(void)
{
	/* Leave the alternate screen, show the cursor, reset colours. */
	fputs("\033[0m\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
}

static int
term_setup(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios raw = saved_tio;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
		tio_saved = 1;
	}
	fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
	fflush(stdout);
	atexit(term_restore);
	return 0;
}

static void
term_size(int *rows, int *cols)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	} else {
		*rows = 24;
		*cols = 80;
	}
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- data -------------------------------------------------------------- */

struct board {
	ctl_ctx *ctx;
	json_t *status, *shelters, *alerts;
	json_t *meals_due;        /* shelter id -> meals planned today */
	char error[1024];         /* why the last refresh failed, or "" */
	time_t updated;           /* last successful refresh */
	long long last_event_id;
	char last[LAST_EVENTS][512];
	int nlast;
};

static json_t *
fetch(struct board *b, const char *cmd, json_t *args)
{
	client_error err;
	json_t *data = NULL;
	client_cfg c = b->ctx->conn;
	c.operator = b->ctx->operator;
	client_status st = client_call(&c, cmd, args, &data, &err);
	json_decref(args);
	if (st != CLIENT_OK) {
		snprintf(b->error, sizeof b->error, "%s", err.message);
		return NULL;
	}
	return data;
}

static void
replace(json_t **slot, json_t *v)
{
	if (!v)
		return;
	json_decref(*slot);
	*slot = v;
}

static int
cmp_shelters(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa;
	const json_t *b = *(const json_t *const *)pb;
	int ca = strcmp(cj_text(a, "state"), "closed") == 0;
	int cb = strcmp(cj_text(b, "state"), "closed") == 0;
	if (ca != cb)
		return ca - cb;
	/* Fullest first: what the desk must act on is at the top. */
	long long ra = cj_int(a, "registered", 0), ka = cj_int(a, "capacity", 0);
	long long rb = cj_int(b, "registered", 0), kb = cj_int(b, "capacity", 0);
	long long l = ka > 0 ? ra * 10000 / ka : 0;
	long long r = kb > 0 ? rb * 10000 / kb : 0;
	if (l != r)
		return l < r ? 1 : -1;
	return strcmp(cj_text(a, "shelter"), cj_text(b, "shelter"));
}

static void
refresh(struct board *b, int visible)
{
	b->error[0] = '\0';
	json_t *st = fetch(b, "status", NULL);
	if (!st)
		return;
	replace(&b->status, st);
	json_t *sh = fetch(b, "shelter.list", json_pack("{s:s}", "state", "all"));
	if (!sh)
		return;
	/* Sort once here so the rows keep their places between redraws. */
	json_t *arr = cj_get(sh, "shelters");
	size_t n = json_array_size(arr);
	json_t **v = calloc(n ? n : 1, sizeof *v);
	if (v) {
		for (size_t i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(arr, i));
		qsort(v, n, sizeof *v, cmp_shelters);
		json_t *sorted = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(sorted, v[i]);
		free(v);
		json_decref(b->shelters);
		b->shelters = sorted;
		json_decref(sh);
	} else {
		json_decref(sh);
	}
	replace(&b->alerts,
	        fetch(b, "alerts.list", json_pack("{s:s}", "state", "open")));
	/* Meals due per shelter: shelter.list's meals_due_today (meals
	 * planned for today, not yet confirmed), one request for the whole
	 * board. A poskod that does not send it gets "-", never a made-up 0. */
	json_t *due = json_object();
	size_t i;
	json_t *s;
	json_array_foreach(b->shelters, i, s)
	{
		const char *id = cj_str(s, "shelter");
		json_t *m = json_object_get(s, "meals_due_today");
		if (id && json_is_integer(m))
			json_object_set_new(due, id, json_integer(
			                                     json_integer_value(m)));
	}
	replace(&b->meals_due, due);
	if (!b->error[0])
		b->updated = time(NULL);
}

/* --- drawing ----------------------------------------------------------- */

struct screen {
	char *buf;
	size_t len, cap;
	int rows, cols, line;
};

static void
put(struct screen *s, const char *text)
{
	size_t n = strlen(text);
	if (s->len + n + 1 > s->cap) {
		size_t ncap = (s->len + n + 1) * 2;
		char *nb = realloc(s->buf, ncap);
		if (!nb)
			return;
		s->buf = nb;
		s->cap = ncap;
	}
	memcpy(s->buf + s->len, text, n + 1);
	s->len += n;
}

/* End a line: clear the rest of it. Lines past the screen are dropped. */
static void
endl(struct screen *s)
{
	put(s, "\033[0m\033[K");
	s->line++;
	if (s->line < s->rows)
		put(s, "\r\n");
}

/* text cut or padded to exactly w columns, left or right aligned. */
static void
cell(struct screen *s, const char *text, int w, int right)
{
	char fit[1024];
	out_fit(fit, sizeof fit, text, (size_t)w);
	int pad = w - (int)out_width(fit);
	if (right)
		for (int i = 0; i < pad; i++)
			put(s, " ");
	put(s, fit);
	if (!right)
		for (int i = 0; i < pad; i++)
			put(s, " ");
}

static void
line_text(struct screen *s, const char *text)
{
	if (s->line >= s->rows)
		return;
	char fit[2048];
	put(s, out_fit(fit, sizeof fit, text, (size_t)s->cols));
	endl(s);
}

static void
draw_header(struct board *b, struct screen *s)
{
	char when[64], l[1024];
	char n1[OUT_NUMLEN], n2[OUT_NUMLEN], n3[OUT_NUMLEN], n4[OUT_NUMLEN],
		n5[OUT_NUMLEN], n6[OUT_NUMLEN];
	const json_t *st = b->status;
	out_time(when, sizeof when, time(NULL));
	put(s, out_on(OUT_REVERSE));
	char title[256];
	snprintf(title, sizeof title, " %s", _("POSKO — shelter board"));
	int tw = (int)out_width(title);
	int ww = (int)out_width(when) + 1;
	cell(s, title, s->cols - ww > tw ? s->cols - ww : tw, 0);
	if (s->cols - ww > tw)
		cell(s, when, ww, 1);
	put(s, out_off());
	endl(s);
	if (!st) {
		/* Never show zeros that were not read from poskod. */
		line_text(s, _("Waiting for poskod's first answer..."));
		line_text(s, "");
		line_text(s, "");
		return;
	}
	long long unplaced = cj_int(st, "people.unplaced", 0);
	snprintf(l, sizeof l,
	         _("Incidents %s   Affected %s   Evacuating %s   Registered "
	           "%s   Present %s   "),
	         out_num(n1, sizeof n1, cj_int(st, "incidents.open", 0)),
	         out_num(n2, sizeof n2, cj_int(st, "people.affected", 0)),
	         out_num(n3, sizeof n3, cj_int(st, "people.evacuating", 0)),
	         out_num(n4, sizeof n4, cj_int(st, "people.registered", 0)),
	         out_num(n5, sizeof n5, cj_int(st, "people.present", 0)));
	char un[256], painted[300];
	snprintf(un, sizeof un, _("No shelter %s"),
	         out_num(n6, sizeof n6, unplaced));
	strncat(l, out_paint(painted, sizeof painted,
	                     unplaced ? OUT_RED : OUT_PLAIN, un),
	        sizeof l - strlen(l) - 1);
	line_text(s, l);
	snprintf(l, sizeof l,
	         _("Meals due today %s   Open alerts %s   Shortages %s   "
	           "Shelters %s open, %s nearly full, %s full"),
	         out_num(n1, sizeof n1, cj_int(st, "meals.due_today", 0)),
	         out_num(n2, sizeof n2, cj_int(st, "alerts.open", 0)),
	         out_num(n3, sizeof n3, cj_int(st, "shortages.open", 0)),
	         out_num(n4, sizeof n4, cj_int(st, "shelters.open", 0)),
	         out_num(n5, sizeof n5, cj_int(st, "shelters.nearly_full", 0)),
	         out_num(n6, sizeof n6, cj_int(st, "shelters.full", 0)));
	line_text(s, l);
	line_text(s, "");
}

struct cols {
	int id, name, bar, pct, occ, free, meals, state;
};

static struct cols
layout(int width)
{
	struct cols c = {.id = 8, .bar = width >= 110 ? 20 : 10, .pct = 6,
	                 .occ = 13, .free = 6, .meals = 9, .state = 12};
	int fixed = c.id + c.bar + c.pct + c.occ + c.free + c.meals + c.state +
	            2 * 7;
	c.name = width - fixed - 2;
	if (c.name > 32)
		c.name = 32;
	if (c.name < 6)
		c.name = 0;
	return c;
}

static void
gap(struct screen *s)
{
	put(s, "  ");
}

static void
draw_shelters(struct board *b, struct screen *s, int nrows)
{
	struct cols c = layout(s->cols);
	put(s, out_on(OUT_BOLD));
	cell(s, _("SHELTER"), c.id, 0);
	if (c.name) {
		gap(s);
		cell(s, _("NAME"), c.name, 0);
	}
	gap(s);
	cell(s, _("OCCUPANCY"), c.bar, 0);
	gap(s);
	cell(s, "%", c.pct, 1);
	gap(s);
	cell(s, _("PERSONS"), c.occ, 1);
	gap(s);
	cell(s, _("FREE"), c.free, 1);
	gap(s);
	cell(s, _("MEALS DUE"), c.meals, 1);
	gap(s);
	cell(s, _("STATE"), c.state, 0);
	put(s, out_off());
	endl(s);
	size_t n = json_array_size(b->shelters);
	size_t i;
	json_t *sh;
	json_array_foreach(b->shelters, i, sh)
	{
		if ((int)i >= nrows)
			break;
		char bar[256], pct[OUT_NUMLEN], occ[96], a[OUT_NUMLEN],
			k[OUT_NUMLEN], word[128];
		long long r = cj_int(sh, "registered", 0),
			  cap = cj_int(sh, "capacity", 0);
		int closed = strcmp(cj_text(sh, "state"), "closed") == 0;
		cell(s, cj_text(sh, "shelter"), c.id, 0);
		if (c.name) {
			gap(s);
			cell(s, cj_text(sh, "name"), c.name, 0);
		}
		gap(s);
		put(s, shelter_bar(bar, sizeof bar, sh, c.bar));
		gap(s);
		cell(s, out_pct(pct, sizeof pct, r, cap), c.pct, 1);
		gap(s);
		snprintf(occ, sizeof occ, "%s/%s", out_num(a, sizeof a, r),
		         out_num(k, sizeof k, cap));
		cell(s, occ, c.occ, 1);
		gap(s);
		cell(s, out_num(a, sizeof a, closed ? 0 : cj_int(sh, "free", 0)),
		     c.free, 1);
		gap(s);
		json_t *due = json_object_get(b->meals_due,
		                              cj_text(sh, "shelter"));
		cell(s, json_is_integer(due)
		             ? out_num(a, sizeof a, json_integer_value(due))
		             : "-",
		     c.meals, 1);
		gap(s);
		out_occupancy lvl = out_occ_level(r, cap);
		put(s, out_on(closed ? OUT_DIM : out_occ_colour(lvl)));
		snprintf(word, sizeof word, "%s", shelter_word(sh));
		cell(s, word, c.state, 0);
		put(s, out_off());
		endl(s);
	}
	if (n > (size_t)nrows && nrows > 0) {
		char more[128], a[OUT_NUMLEN];
		snprintf(more, sizeof more,
		         _("… and %s more shelters (make the window taller, or "
		           "`poskoctl shelter list`)"),
		         out_num(a, sizeof a, (long long)(n - (size_t)nrows)));
		line_text(s, more);
	}
}

static void
draw_alerts(struct board *b, struct screen *s, int nrows)
{
	json_t *arr = cj_get(b->alerts, "alerts");
	char head[128], a[OUT_NUMLEN];
	snprintf(head, sizeof head, _("OPEN ALERTS (%s)"),
	         out_num(a, sizeof a, (long long)json_array_size(arr)));
	put(s, out_on(OUT_BOLD));
	line_text(s, head);
	size_t i;
	json_t *al;
	json_array_foreach(arr, i, al)
	{
		if ((int)i >= nrows)
			break;
		char d[512], l[768], when[32];
		const json_t *det = cj_get(al, "detail");
		describe_alert(d, sizeof d, cj_str(al, "topic"),
		               det && json_is_object(det) ? det : al);
		time_t t;
		if (out_time_parse(cj_text(al, "raised"), &t) == 0)
			out_clock(when, sizeof when, t);
		else
			snprintf(when, sizeof when, "--:--");
		const char *lvl = cj_str(al, "level");
		put(s, out_on(lvl && strcmp(lvl, "warn") == 0 ? OUT_YELLOW
		                                              : OUT_RED));
		snprintf(l, sizeof l, "%5s %s  %-9s %s", cj_text(al, "alert"),
		         when, describe_level(lvl), d);
		line_text(s, l);
	}
}

static void
draw(struct board *b)
{
	struct screen s = {0};
	term_size(&s.rows, &s.cols);
	put(&s, "\033[H");
	draw_header(b, &s);
	size_t nal = json_array_size(cj_get(b->alerts, "alerts"));
	int alert_rows = nal > 5 ? 5 : (int)nal;
	/* header 4, table head 1, blank + alerts head 2, events 1 + LAST,
	 * footer 1 */
	int room = s.rows - 4 - 1 - 2 - alert_rows - (1 + LAST_EVENTS) - 1;
	if (room < 1)
		room = 1;
	size_t nsh = json_array_size(b->shelters);
	int shelter_rows = (int)nsh > room ? room - 1 : (int)nsh;
	if (shelter_rows < 0)
		shelter_rows = 0;
	draw_shelters(b, &s, shelter_rows);
	line_text(&s, "");
	draw_alerts(b, &s, alert_rows);
	put(&s, out_on(OUT_BOLD));
	line_text(&s, _("LATEST EVENTS"));
	for (int i = 0; i < b->nlast; i++)
		line_text(&s, b->last[i]);
	while (s.line < s.rows - 1)
		line_text(&s, "");
	char foot[1024], when[64] = "-";
	if (b->updated)
		out_time(when, sizeof when, b->updated);
	if (b->error[0]) {
		put(&s, out_on(OUT_RED));
		snprintf(foot, sizeof foot, _("%s (showing data from %s)"),
		         b->error, when);
	} else {
		snprintf(foot, sizeof foot,
		         _("q quit · r refresh · updated %s · last event #%lld"),
		         when, b->last_event_id);
	}
	put(&s, out_on(OUT_DIM));
	char fit[2048];
	put(&s, out_fit(fit, sizeof fit, foot, (size_t)s.cols));
	put(&s, "\033[0m\033[K\033[J");
	fwrite(s.buf, 1, s.len, stdout);
	fflush(stdout);
	free(s.buf);
}

static void
remember_event(struct board *b, const char *topic, const json_t *ev)
{
	long long id = cj_int(ev, "id", -1);
	if (id >= 0 && id <= b->last_event_id)
		return; /* re-published after a crash */
	if (id > b->last_event_id)
		b->last_event_id = id;
	if (b->nlast == LAST_EVENTS) {
		memmove(b->last[0], b->last[1],
		        sizeof b->last[0] * (LAST_EVENTS - 1));
		b->nlast--;
	}
	char d[480], when[16] = "--:--";
	time_t t;
	if (out_time_parse(cj_text(ev, "time"), &t) == 0)
		out_clock(when, sizeof when, t);
	describe_event(d, sizeof d, topic, ev);
	snprintf(b->last[b->nlast++], sizeof b->last[0], "%s  %s", when, d);
}

/* Read every waiting event; 1 when any arrived. */
static int
drain(struct board *b, int sub)
{
	int any = 0;
	for (;;) {
		char *topic = NULL;
		json_t *ev = NULL;
		if (events_next(sub, 0, &topic, &ev) <= 0)
			break;
		remember_event(b, topic, ev);
		free(topic);
		json_decref(ev);
		any = 1;
	}
	return any;
}

int
board_run(ctl_ctx *ctx)
{
	if (!isatty(STDOUT_FILENO)) {
		out_err("%s", _("watch --board needs a terminal; use `poskoctl "
		                "watch` or `poskoctl status` in a script."));
		return CTL_EXIT_USAGE;
	}
	char err[512];
	int sub = events_open(ctx->conn.events, NULL, 0, err, sizeof err);
	if (sub < 0) {
		out_err("%s", err);
		return CTL_EXIT_UNREACHABLE;
	}
	int evfd = events_fd(sub);
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		events_close(sub);
		return CTL_EXIT_REFUSED;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Colour follows the terminal the board runs on. */
	out_style st = *out_get();
	st.colour = out_colour_wanted(STDOUT_FILENO);
	out_setup(&st);

	/* A short answer time keeps the board responsive when poskod is
	 * away; it retries every REFRESH_MS. */
	if (ctx->conn.timeout_ms > 3000)
		ctx->conn.timeout_ms = 3000;
	struct board b = {.ctx = ctx, .last_event_id = -1};
	term_setup();
	int rows, cols;
	term_size(&rows, &cols);
	refresh(&b, rows);
	draw(&b);
	long long last_refresh = now_ms(), pending = 0;
	while (!got_stop) {
		long long now = now_ms();
		int timeout = (int)(last_refresh + REFRESH_MS - now);
		if (pending)
			timeout = (int)(last_refresh + MIN_GAP_MS - now);
		if (timeout < 0)
			timeout = 0;
		struct pollfd p[3] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = evfd, .events = POLLIN},
			{.fd = wake_pipe[0], .events = POLLIN},
		};
		int r = poll(p, 3, timeout);
		if (r < 0 && errno != EINTR)
			break;
		int redraw = 0;
		if (r > 0 && (p[2].revents & POLLIN)) {
			char tmp[64];
			while (read(wake_pipe[0], tmp, sizeof tmp) > 0)
				;
		}
		if (got_winch) {
			got_winch = 0;
			fputs("\033[2J", stdout);
			redraw = 1;
		}
		if (r > 0 && (p[0].revents & POLLIN)) {
			char key[16];
			ssize_t n = read(STDIN_FILENO, key, sizeof key);
			for (ssize_t i = 0; i < n; i++) {
				if (key[i] == 'q' || key[i] == 'Q')
					got_stop = 1;
				else if (key[i] == 'r' || key[i] == 'R' ||
				         key[i] == '\f')
					pending = 1, last_refresh = 0;
			}
		}
		if (r > 0 && (p[1].revents & POLLIN) && drain(&b, sub))
			pending = 1;
		now = now_ms();
		if ((pending && now - last_refresh >= MIN_GAP_MS) ||
		    now - last_refresh >= REFRESH_MS) {
			term_size(&rows, &cols);
			refresh(&b, rows);
			last_refresh = now_ms();
			pending = 0;
			redraw = 1;
		}
		if (redraw && !got_stop)
			draw(&b);
	}
	term_restore();
	events_close(sub);
	json_decref(b.status);
	json_decref(b.shelters);
	json_decref(b.alerts);
	json_decref(b.meals_due);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	return CTL_EXIT_OK;
}
