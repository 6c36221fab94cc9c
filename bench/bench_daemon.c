/*
 * bench/bench_daemon.c - poskod end to end: incident latency, sustained
 * ingest, memory, each against a bare nanomsg echo measured in the same run.
 *
 * Issue 5, "Performance": an incident hitting 1,000 households must get its
 * first assign.household event out within 50 ms of the report (p99 over
 * 1,000 incidents, loopback ipc); 5,000 small reports per second for 60 s
 * with nothing lost and the memory flat.
 *
 * What it does:
 *
 *  - Data: the scenario of --scenario DIR (bench/run.sh passes the 3.5 M
 *    household Jakarta scenario), or else a 200,000-household scenario made
 *    by build/rel/bench/gen_scenario in the temporary directory (dense
 *    enough that a few hundred metres hold 1,000 households), or, when the
 *    generator or data/jakarta is missing, data/sample (5,000 households:
 *    fewer households per incident, printed).
 *  - Footprints: point + radius around a random household with a shelter
 *    within 2 km; the radius is the distance to its K-th nearest household
 *    (counted here from households.csv on a grid), so each incident hits
 *    about K households (K = 1,000; 5 for the small reports).  What poskod
 *    actually found is printed (households_per_incident, from the
 *    incident.opened events).
 *  - poskod: fork/exec'ed on a generated posko.conf in a temporary
 *    directory (ipc:// sockets there, as tools/sample.conf), ready when its
 *    control socket answers `status`; one SUB on its events socket, every
 *    topic; stopped with SIGTERM at the end (must exit 0).
 *  - Echo baseline: a child process (forked before anything else, so no
 *    thread or nanomsg state is copied) with a PULL socket re-publishing
 *    every message on a PUB socket, both bound on ipc:// like poskod's.
 *    The same message sequences go through it.
 *  - Latency: for each incident, send the open, wait for the first
 *    assign.household of that incident (mapped through ingest.accepted),
 *    then send a cancel (so shelters never fill up) and wait until it is
 *    decided: its incident.closed (the echo: the cancel back).  One
 *    report in flight at a time: this is the latency of one report, not
 *    of a queue.  (Until Nov 2026 the next open went out at the cancel's
 *    ingest.accepted, which poskod sends before deciding it, so every
 *    open also waited for the cancel's decision, ~10-15 ms.)  Echo:
 *    send -> the echoed message back.
 *  - Sustained: small reports paced at --rate for --duration; the
 *    sequence opens incidents and cancels each one WINDOW reports later
 *    (so about half the reports are cancels and at most WINDOW incidents
 *    are open: the state stays bounded and a memory rise means a leak or
 *    an unbounded queue, not more work).  Then wait until every report is
 *    answered (ingest.accepted/rejected), at most duration + 10 s; stop
 *    poskod; accepted = the journal rows of those reports in its store
 *    (SQLite, read after the stop), rejected = ingest.rejected events,
 *    lost = sent - accepted - rejected (a report read but not decided
 *    when poskod stops is lost to its fire-and-forget sender).  The rate
 *    achieved is the reports answered over the time from the first send
 *    to the last answer.  poskod's VmRSS is sampled every second;
 *    memory_flat = over the second half of the sending window the RSS
 *    never rises 10 % above where that half started.
 *
 * Exit status: 1 when a report is lost, an incident gets no
 * assign.household within the timeout, or poskod fails (crash, no start,
 * not draining, non-zero exit); the time and memory bounds are printed as
 * yes/no and fail the run only with --strict.  2: usage.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <sqlite3.h>

#include "bench/gen_rng.h"

#define NS 1000000000LL
#define SRC "bench"
/* Reports of the sustained run kept open before they are cancelled. */
#define WINDOW 200
/* Small reports: footprints drawn from this many prepared circles. */
#define SMALL_POOL 2048
/* Nearest shelter of an incident centre at most this far (poskod's
 * default max_distance_m is 5 km: keep well inside). */
#define SHELTER_NEAR_M 2000.0
/* Equirectangular metres around Jakarta (6.2 S, 106.8 E): good to a few
 * metres over the city, which is all a radius needs here. */
#define LON0 106.8
#define LAT0 -6.2
#define M_PER_DEG_LAT 110574.0

struct opts {
	int quick, strict, keep;
	long incidents, rate, duration, households, per_incident, small;
	double timeout_s;
	unsigned long long seed;
	const char *scenario;
};

/* ---- process bookkeeping (also read by the signal handler) ------------- */

static volatile sig_atomic_t g_poskod = 0, g_echo = 0;
static int g_poskod_status = -1; /* wait status once reaped */
static char g_tmp[PATH_MAX];
static char g_log[PATH_MAX + 16];

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_daemon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_signal(int sig)
{
	if (g_poskod > 0)
		kill((pid_t)g_poskod, SIGKILL);
	if (g_echo > 0)
		kill((pid_t)g_echo, SIGKILL);
	_exit(128 + sig);
}

static void
kill_children(void)
{
	if (g_echo > 0) {
		kill((pid_t)g_echo, SIGTERM);
		waitpid((pid_t)g_echo, NULL, 0);
		g_echo = 0;
	}
	if (g_poskod > 0) {
		kill((pid_t)g_poskod, SIGKILL);
		waitpid((pid_t)g_poskod, NULL, 0);
		g_poskod = 0;
	}
}

static void
tail_log(void)
{
	char line[1024];
	long n = 0, skip;
	FILE *f = fopen(g_log, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		n++;
	rewind(f);
	skip = n > 20 ? n - 20 : 0;
	fprintf(stderr, "--- %s (last lines)\n", g_log);
	for (long i = 0; fgets(line, sizeof(line), f); i++)
		if (i >= skip)
			fputs(line, stderr);
	fclose(f);
}

/* Stop everything, keep the temporary directory for a look, exit 1. */
static void
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_daemon: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	tail_log();
	kill_children();
	if (g_tmp[0])
		fprintf(stderr, "bench_daemon: kept %s\n", g_tmp);
	exit(1);
}

/* 1 while poskod runs; reaps it (status in g_poskod_status) once it is
 * gone. */
static int
poskod_alive(void)
{
	int st;

	if (g_poskod <= 0)
		return 0;
	if (waitpid((pid_t)g_poskod, &st, WNOHANG) == (pid_t)g_poskod) {
		g_poskod_status = st;
		g_poskod = 0;
		return 0;
	}
	return 1;
}

static void
need_poskod(const char *when)
{
	if (!poskod_alive()) {
		int st = g_poskod_status;
		if (WIFSIGNALED(st))
			fail("poskod died (signal %d) %s", WTERMSIG(st), when);
		fail("poskod exited (status %d) %s", WEXITSTATUS(st), when);
	}
}

/* snprintf for paths: a path too long for its buffer is an error, not a
 * silently different file. */
static void pathf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		fail("path too long: %s...", buf);
}

/* ---- arguments --------------------------------------------------------- */

static void
usage(FILE *f, int code)
{
	fputs("usage: bench_daemon [--quick] [--incidents N] [--rate R] "
	      "[--duration S]\n"
	      "                    [--scenario DIR] [--strict] "
	      "[--households N]\n"
	      "                    [--per-incident K] [--small K] "
	      "[--timeout S]\n"
	      "                    [--seed N] [--keep]\n"
	      "  --quick           smoke run: 50 incidents, 1,000 reports/s "
	      "for 3 s\n"
	      "  --incidents N     latency incidents (default 1000)\n"
	      "  --rate R          sustained reports per second (default "
	      "5000)\n"
	      "  --duration S      sustained run in seconds (default 60)\n"
	      "  --scenario DIR    use DIR's households.csv, shelters.csv, "
	      "... (gen_scenario\n"
	      "                    output) instead of generating a "
	      "200,000-household one\n"
	      "  --strict          also fail when p99 >= 50 ms, the rate is "
	      "not met or the\n"
	      "                    memory is not flat\n"
	      "  --households N    size of the generated scenario (default "
	      "200000)\n"
	      "  --per-incident K  households hit by a latency incident "
	      "(default 1000)\n"
	      "  --small K         households hit by a sustained report "
	      "(default 5)\n"
	      "  --timeout S       wait for an event at most S s (default "
	      "5)\n"
	      "  --seed N          footprint draw (default 42)\n"
	      "  --keep            keep the temporary directory\n"
	      "Environment: POSKOD_REL (default build/rel/poskod), TMPDIR,\n"
	      "  BENCH_LOG_LEVEL (poskod's log_level, default info; debug logs\n"
	      "  each batch's timings in the kept directory's log).\n"
	      "Prints key=value lines; progress on stderr.\n",
	      f);
	exit(code);
}

static long
num(const char *opt, const char *v, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || *v == '\0' || *end || errno || n < lo || n > hi) {
		fprintf(stderr, "bench_daemon: %s: want an integer %ld..%ld\n",
		        opt, lo, hi);
		usage(stderr, 2);
	}
	return n;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	long inc = -1, rate = -1, dur = -1;

	memset(o, 0, sizeof(*o));
	o->households = 200000;
	o->per_incident = 1000;
	o->small = 5;
	o->timeout_s = 5;
	o->seed = 42;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			usage(stdout, 0);
		if (strcmp(a, "--quick") == 0) {
			o->quick = 1;
			continue;
		}
		if (strcmp(a, "--strict") == 0) {
			o->strict = 1;
			continue;
		}
		if (strcmp(a, "--keep") == 0) {
			o->keep = 1;
			continue;
		}
		if (v == NULL)
			usage(stderr, 2);
		i++;
		if (strcmp(a, "--incidents") == 0)
			inc = num(a, v, 1, 1000000);
		else if (strcmp(a, "--rate") == 0)
			rate = num(a, v, 1, 1000000);
		else if (strcmp(a, "--duration") == 0)
			dur = num(a, v, 1, 86400);
		else if (strcmp(a, "--households") == 0)
			o->households = num(a, v, 1000, 20000000);
		else if (strcmp(a, "--per-incident") == 0)
			o->per_incident = num(a, v, 1, 1000000);
		else if (strcmp(a, "--small") == 0)
			o->small = num(a, v, 1, 10000);
		else if (strcmp(a, "--timeout") == 0)
			o->timeout_s = (double)num(a, v, 1, 3600);
		else if (strcmp(a, "--seed") == 0)
			o->seed = (unsigned long long)num(a, v, 0, LONG_MAX);
		else if (strcmp(a, "--scenario") == 0)
			o->scenario = v;
		else
			usage(stderr, 2);
	}
	o->incidents = inc > 0 ? inc : o->quick ? 50 : 1000;
	o->rate = rate > 0 ? rate : o->quick ? 1000 : 5000;
	o->duration = dur > 0 ? dur : o->quick ? 3 : 60;
}

/* ---- files and paths --------------------------------------------------- */

static int
is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The repository root: where data/ and build/ are.  The current directory
 * (bench/run.sh and make run from the root), else three levels above this
 * program (build/rel/bench/). */
static void
find_root(char *root, size_t len, char *exedir, size_t exelen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exedir[0] = '\0';
	if (n > 0) {
		exe[n] = '\0';
		char *s = strrchr(exe, '/');
		if (s)
			*s = '\0';
		snprintf(exedir, exelen, "%s", exe);
	}
	if (getcwd(root, len) && is_dir("data")) {
		return;
	}
	if (snprintf(root, len, "%s/../../..", exedir) >= (int)len)
		root[0] = '\0'; /* too long: no root */
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* ---- households and shelters ------------------------------------------- */

struct pts {
	double *x, *y;     /* metres */
	double *lon, *lat; /* WGS84 */
	size_t n, cap;
};

static double
kx(void)
{
	return M_PER_DEG_LAT * cos(LAT0 * M_PI / 180.0);
}

static void
pts_add(struct pts *p, double lon, double lat)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4096;
		p->x = realloc(p->x, p->cap * sizeof(double));
		p->y = realloc(p->y, p->cap * sizeof(double));
		p->lon = realloc(p->lon, p->cap * sizeof(double));
		p->lat = realloc(p->lat, p->cap * sizeof(double));
		if (!p->x || !p->y || !p->lon || !p->lat)
			fail("out of memory");
	}
	p->lon[p->n] = lon;
	p->lat[p->n] = lat;
	p->x[p->n] = (lon - LON0) * kx();
	p->y[p->n] = (lat - LAT0) * M_PER_DEG_LAT;
	p->n++;
}

static void
pts_free(struct pts *p)
{
	free(p->x);
	free(p->y);
	free(p->lon);
	free(p->lat);
}

/* Column `name` of a comma-separated header line, -1 if absent. */
static int
csv_col(const char *header, const char *name)
{
	size_t nl = strlen(name);
	int col = 0;

	for (const char *p = header;; col++) {
		const char *e = strpbrk(p, ",\r\n");
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == nl && memcmp(p, name, nl) == 0)
			return col;
		if (e == NULL || *e != ',')
			return -1;
		p = e + 1;
	}
}

static const char *
csv_field(const char *line, int col)
{
	for (int i = 0; i < col; i++) {
		line = strchr(line, ',');
		if (line == NULL)
			return NULL;
		line++;
	}
	return line;
}

/* lon, lat of every row of a CSV of HACKING.md's shared formats. */
static void
load_points(const char *path, struct pts *p)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int clon, clat;

	if (f == NULL)
		fail("%s: %s", path, strerror(errno));
	if (getline(&line, &cap, f) < 0)
		fail("%s: empty", path);
	clon = csv_col(line, "lon");
	clat = csv_col(line, "lat");
	if (clon < 0 || clat < 0)
		fail("%s: no lon/lat columns", path);
	while (getline(&line, &cap, f) > 0) {
		const char *a = csv_field(line, clon),
		           *b = csv_field(line, clat);
		if (a && b)
			pts_add(p, strtod(a, NULL), strtod(b, NULL));
	}
	free(line);
	fclose(f);
	if (p->n == 0)
		fail("%s: no rows", path);
}

/* A uniform grid over the households: point indexes sorted by cell. */
struct grid {
	double x0, y0, cell;
	long nx, ny;
	uint32_t *start, *idx;
};

static void
grid_build(struct grid *g, const struct pts *p, double cell)
{
	double x1 = p->x[0], y1 = p->y[0];
	size_t nc;

	g->x0 = p->x[0];
	g->y0 = p->y[0];
	for (size_t i = 1; i < p->n; i++) {
		g->x0 = fmin(g->x0, p->x[i]);
		g->y0 = fmin(g->y0, p->y[i]);
		x1 = fmax(x1, p->x[i]);
		y1 = fmax(y1, p->y[i]);
	}
	g->cell = cell;
	g->nx = (long)((x1 - g->x0) / cell) + 1;
	g->ny = (long)((y1 - g->y0) / cell) + 1;
	nc = (size_t)(g->nx * g->ny);
	g->start = calloc(nc + 1, sizeof(uint32_t));
	g->idx = malloc(p->n * sizeof(uint32_t));
	if (!g->start || !g->idx)
		fail("out of memory");
	for (size_t i = 0; i < p->n; i++) {
		long c = (long)((p->y[i] - g->y0) / cell) * g->nx +
		         (long)((p->x[i] - g->x0) / cell);
		g->start[c + 1]++;
	}
	for (size_t c = 0; c < nc; c++)
		g->start[c + 1] += g->start[c];
	uint32_t *fill = malloc(nc * sizeof(uint32_t));
	if (fill == NULL)
		fail("out of memory");
	memcpy(fill, g->start, nc * sizeof(uint32_t));
	for (size_t i = 0; i < p->n; i++) {
		long c = (long)((p->y[i] - g->y0) / cell) * g->nx +
		         (long)((p->x[i] - g->x0) / cell);
		g->idx[fill[c]++] = (uint32_t)i;
	}
	free(fill);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Distance from (cx, cy) to its k-th nearest household; -1 if there are
 * not k households within 30 km. */
static double
kth_dist(const struct pts *p, const struct grid *g, double cx, double cy,
         size_t k)
{
	static double *d;
	static size_t cap;

	for (double r = g->cell; r < 30000; r *= 1.5) {
		long i0 = (long)floor((cx - r - g->x0) / g->cell),
		     i1 = (long)floor((cx + r - g->x0) / g->cell),
		     j0 = (long)floor((cy - r - g->y0) / g->cell),
		     j1 = (long)floor((cy + r - g->y0) / g->cell);
		size_t n = 0;
		i0 = i0 < 0 ? 0 : i0;
		j0 = j0 < 0 ? 0 : j0;
		i1 = i1 >= g->nx ? g->nx - 1 : i1;
		j1 = j1 >= g->ny ? g->ny - 1 : j1;
		for (long j = j0; j <= j1; j++)
			for (long i = i0; i <= i1; i++) {
				long c = j * g->nx + i;
				for (uint32_t q = g->start[c];
				     q < g->start[c + 1]; q++) {
					uint32_t h = g->idx[q];
					double dx = p->x[h] - cx,
					       dy = p->y[h] - cy,
					       dd = dx * dx + dy * dy;
					if (dd > r * r)
						continue;
					if (n == cap) {
						cap = cap ? cap * 2 : 4096;
						d = realloc(d,
						            cap * sizeof(*d));
						if (d == NULL)
							fail("out of memory");
					}
					d[n++] = dd;
				}
			}
		if (n >= k) {
			qsort(d, n, sizeof(*d), cmp_double);
			return sqrt(d[k - 1]);
		}
	}
	return -1;
}

/* A point + radius footprint. */
struct circle {
	double lon, lat, r;
};

/* n circles around random households, each holding about k households,
 * with a shelter within SHELTER_NEAR_M. */
static void
draw_circles(const struct pts *hh, const struct grid *g, const struct pts *sh,
             size_t k, struct circle *out, size_t n, uint64_t seed,
             uint64_t stream)
{
	struct gen_rng rng;
	size_t tries = 0;

	gen_rng_seed(&rng, seed, stream);
	for (size_t i = 0; i < n;) {
		if (++tries > n * 100 + 1000)
			fail("cannot find %zu footprints of %zu households "
			     "near a shelter",
			     n, k);
		uint32_t h = gen_rng_below(&rng, (uint32_t)hh->n);
		double best = INFINITY;
		for (size_t s = 0; s < sh->n; s++) {
			double dx = sh->x[s] - hh->x[h],
			       dy = sh->y[s] - hh->y[h];
			best = fmin(best, dx * dx + dy * dy);
		}
		if (sqrt(best) > SHELTER_NEAR_M)
			continue;
		double r = kth_dist(hh, g, hh->x[h], hh->y[h], k);
		if (r < 0 || r > 10000)
			continue;
		out[i].lon = hh->lon[h];
		out[i].lat = hh->lat[h];
		/* poskod measures in UTM 48S (scale ~1.0001 here) and the
		 * k-th household must fall inside: a metre of margin */
		out[i].r = r + 1.0;
		i++;
	}
}

/* ---- messages ---------------------------------------------------------- */

static int
msg_open(char *buf, size_t len, const char *sid, const struct circle *c)
{
	return snprintf(
	    buf, len,
	    "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"" SRC
	    "\",\"source_id\":\"%s\",\"action\":\"open\","
	    "\"type\":\"fire\",\"title\":\"bench\","
	    "\"severity\":{\"evacuate\":true},"
	    "\"footprint\":{\"point\":[%.6f,%.6f],"
	    "\"radius_m\":%.1f}}",
	    sid, c->lon, c->lat, c->r);
}

static int
msg_cancel(char *buf, size_t len, const char *sid)
{
	return snprintf(
	    buf, len,
	    "{\"v\":1,\"kind\":\"incident.report\",\"source\":\"" SRC
	    "\",\"source_id\":\"%s\",\"action\":\"cancel\"}",
	    sid);
}

/* ---- what the subscribers saw ------------------------------------------ */

/* One message sequence (latency or sustained) through one target (poskod
 * or the echo): when each open and cancel was sent and came back. */
struct seq {
	size_t n;
	int64_t *send_open, *send_cancel, *got_open, *got_cancel;
	int64_t *closed;         /* its incident.closed arrived */
	unsigned char *rejected; /* bit 0 open, bit 1 cancel */
	int *affected;           /* incident.opened affected households */
	int64_t *incident;       /* poskod's id of the incident */
	long got, nrejected;
	int64_t last; /* arrival of the latest ingest.* of this sequence */
};

struct run {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct seq lat, sus, elat, esus;
	int64_t *first_assign; /* by incident id */
	size_t nfirst;
	long events, gaps, probes, echo_probes, echo_msgs;
	long long last_id;
	char first_reject[512];
	volatile int stop;
};

static void
seq_init(struct seq *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->send_open = calloc(n, sizeof(int64_t));
	s->send_cancel = calloc(n, sizeof(int64_t));
	s->got_open = calloc(n, sizeof(int64_t));
	s->got_cancel = calloc(n, sizeof(int64_t));
	s->closed = calloc(n, sizeof(int64_t));
	s->rejected = calloc(n, 1);
	s->affected = calloc(n, sizeof(int));
	s->incident = calloc(n, sizeof(int64_t));
	if (!s->send_open || !s->send_cancel || !s->got_open ||
	    !s->got_cancel || !s->closed || !s->rejected || !s->affected || !s->incident)
		fail("out of memory");
}

static void
seq_free(struct seq *s)
{
	free(s->send_open);
	free(s->send_cancel);
	free(s->got_open);
	free(s->got_cancel);
	free(s->closed);
	free(s->rejected);
	free(s->affected);
	free(s->incident);
}

/* The text after `key` (e.g. "\"incident\":") in buf[0..len), or NULL. */
static const char *
after(const char *buf, size_t len, const char *key)
{
	const char *p = memmem(buf, len, key, strlen(key));

	return p ? p + strlen(key) : NULL;
}

static long long
int_after(const char *buf, size_t len, const char *key)
{
	const char *p = after(buf, len, key);

	return p ? strtoll(p, NULL, 10) : -1;
}

/* Which message of ours this is: sequence and index from its source_id
 * ("lat-N" / "sus-N"), and whether it is the cancel. */
static struct seq *
ours(struct run *R, const char *buf, size_t len, int echo, size_t *k,
     int *cancel)
{
	const char *p = after(buf, len, "\"source_id\":\"");
	struct seq *s;

	if (p == NULL || (size_t)(p - buf) + 4 > len)
		return NULL;
	if (memcmp(p, "lat-", 4) == 0)
		s = echo ? &R->elat : &R->lat;
	else if (memcmp(p, "sus-", 4) == 0)
		s = echo ? &R->esus : &R->sus;
	else
		return NULL;
	*k = strtoul(p + 4, NULL, 10);
	if (*k >= s->n)
		return NULL;
	*cancel = memmem(buf, len, "\"action\":\"cancel\"", 17) != NULL;
	return s;
}

static void
seq_got(struct seq *s, size_t k, int cancel, int64_t t)
{
	int64_t *g = cancel ? &s->got_cancel[k] : &s->got_open[k];

	if (*g == 0) {
		*g = t;
		s->got++;
	}
	s->last = t;
}

/* One event from poskod (mutex held). */
static void
on_event(struct run *R, const char *buf, size_t len, int64_t t)
{
	const char *sp = memchr(buf, ' ', len);
	size_t tl = sp ? (size_t)(sp - buf) : len, k;
	long long id = int_after(buf, len, "{\"v\":1,\"id\":");
	int cancel;
	struct seq *s;

	R->events++;
	if (id > 0) {
		if (R->last_id > 0 && id > R->last_id + 1)
			R->gaps += id - R->last_id - 1;
		if (id > R->last_id)
			R->last_id = id;
	}
#define TOPIC(x) (tl == sizeof(x) - 1 && memcmp(buf, x, tl) == 0)
	if (TOPIC("assign.household")) {
		long long inc = int_after(buf, len, "\"incident\":");
		if (inc <= 0)
			return;
		if ((size_t)inc >= R->nfirst) {
			size_t n = R->nfirst ? R->nfirst : 4096;
			while (n <= (size_t)inc)
				n *= 2;
			int64_t *f = realloc(R->first_assign, n * sizeof(*f));
			if (f == NULL)
				return;
			memset(f + R->nfirst, 0, (n - R->nfirst) * sizeof(*f));
			R->first_assign = f;
			R->nfirst = n;
		}
		if (R->first_assign[inc] == 0) {
			R->first_assign[inc] = t;
			pthread_cond_broadcast(&R->cv);
		}
	} else if (TOPIC("ingest.accepted")) {
		if ((s = ours(R, buf, len, 0, &k, &cancel)) == NULL)
			return;
		if (!cancel)
			s->incident[k] = int_after(buf, len, "\"incident\":");
		seq_got(s, k, cancel, t);
		pthread_cond_broadcast(&R->cv);
	} else if (TOPIC("ingest.rejected")) {
		if ((s = ours(R, buf, len, 0, &k, &cancel)) == NULL) {
			R->probes++;
			pthread_cond_broadcast(&R->cv);
			return;
		}
		s->rejected[k] |= cancel ? 2 : 1;
		s->nrejected++;
		if (R->first_reject[0] == '\0')
			snprintf(R->first_reject, sizeof(R->first_reject),
			         "%.*s", (int)(len < 400 ? len : 400), buf);
		seq_got(s, k, cancel, t);
		pthread_cond_broadcast(&R->cv);
	} else if (TOPIC("incident.opened")) {
		if ((s = ours(R, buf, len, 0, &k, &cancel)) == NULL)
			return;
		s->affected[k] =
		    (int)int_after(buf, len, "\"affected\":{\"households\":");
	} else if (TOPIC("incident.closed")) {
		if ((s = ours(R, buf, len, 0, &k, &cancel)) == NULL)
			return;
		if (s->closed[k] == 0)
			s->closed[k] = t;
		pthread_cond_broadcast(&R->cv);
	}
#undef TOPIC
}

/* One message back from the echo (mutex held). */
static void
on_echo(struct run *R, const char *buf, size_t len, int64_t t)
{
	size_t k;
	int cancel;
	struct seq *s = ours(R, buf, len, 1, &k, &cancel);

	R->echo_msgs++;
	if (s)
		seq_got(s, k, cancel, t);
	else
		R->echo_probes++;
	pthread_cond_broadcast(&R->cv);
}

struct rx {
	struct run *R;
	int sock, echo;
	pthread_t th;
};

static void *
rx_main(void *arg)
{
	struct rx *x = arg;
	struct run *R = x->R;

	while (!R->stop) {
		char *m = NULL;
		int n = nn_recv(x->sock, &m, NN_MSG, 0);
		int64_t t = now_ns();
		if (n < 0)
			continue; /* timeout: look at stop */
		pthread_mutex_lock(&R->mu);
		if (x->echo)
			on_echo(R, m, (size_t)n, t);
		else
			on_event(R, m, (size_t)n, t);
		pthread_mutex_unlock(&R->mu);
		nn_freemsg(m);
	}
	return NULL;
}

/* Wait (mutex held) until the cond is signalled or `deadline`; 0 at the
 * deadline. */
static int
wait_until(struct run *R, int64_t deadline)
{
	int64_t now = now_ns(), t = now + NS / 10;
	struct timespec ts;

	if (now >= deadline)
		return 0;
	if (t > deadline)
		t = deadline;
	/* the cond uses CLOCK_MONOTONIC */
	ts.tv_sec = t / NS;
	ts.tv_nsec = t % NS;
	pthread_cond_timedwait(&R->cv, &R->mu, &ts);
	return 1;
}

/* ---- sockets ----------------------------------------------------------- */

static int
sock(int proto, const char *ep, int bind)
{
	int s = nn_socket(AF_SP, proto);

	if (s < 0)
		fail("nn_socket: %s", nn_strerror(nn_errno()));
	if ((bind ? nn_bind(s, ep) : nn_connect(s, ep)) < 0)
		fail("%s %s: %s", bind ? "bind" : "connect", ep,
		     nn_strerror(nn_errno()));
	return s;
}

static void
setopt(int s, int level, int opt, int v)
{
	nn_setsockopt(s, level, opt, &v, sizeof(v));
}

static int
sub_sock(const char *ep)
{
	int s = sock(NN_SUB, ep, 0);

	nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0);
	/* a deep receive queue: PUB drops what a slow subscriber cannot
	 * take, and that would be the bench losing events, not poskod */
	setopt(s, NN_SOL_SOCKET, NN_RCVBUF, 64 << 20);
	setopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, 100);
	return s;
}

static void
send_msg(int s, const char *buf, size_t len, const char *what)
{
	if (nn_send(s, buf, len, 0) < 0)
		fail("%s: send: %s (the receiver took nothing for 10 s)", what,
		     nn_strerror(nn_errno()));
}

/* The echo: a bare PULL -> PUB relay, run in a child forked before the
 * parent touched nanomsg.  PUB never blocks (NN_DONTWAIT), like poskod's. */
static void
echo_main(const char *in, const char *out)
{
	int pull = nn_socket(AF_SP, NN_PULL), pub = nn_socket(AF_SP, NN_PUB);

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	setopt(pub, NN_SOL_SOCKET, NN_SNDBUF, 16 << 20);
	if (pull < 0 || pub < 0 || nn_bind(pull, in) < 0 ||
	    nn_bind(pub, out) < 0) {
		fprintf(stderr, "bench_daemon: echo: %s\n",
		        nn_strerror(nn_errno()));
		_exit(1);
	}
	for (;;) {
		void *m = NULL;
		int n = nn_recv(pull, &m, NN_MSG, 0);
		if (n < 0) {
			if (nn_errno() == EINTR)
				continue;
			_exit(1);
		}
		if (nn_send(pub, &m, NN_MSG, NN_DONTWAIT) < 0)
			nn_freemsg(m);
	}
}

/* ---- poskod ------------------------------------------------------------ */

struct env {
	char dir[PATH_MAX];
	char data[PATH_MAX];
	char poskod[PATH_MAX];
	char ingest[PATH_MAX + 16], control[PATH_MAX + 16],
	    events[PATH_MAX + 16], echo_in[PATH_MAX + 16],
	    echo_out[PATH_MAX + 16], db[PATH_MAX + 16];
};

static void
write_conf(const struct env *E, const char *path)
{
	FILE *f = fopen(path, "w");
	static const char *layers[][2] = {
	    {"households", "households.csv"},
	    {"shelters", "shelters.csv"},
	    {"depots", "depots.csv"},
	    {"stock", "stock.csv"},
	    {"flood_zones", "flood-zones.geojson"},
	    {"fire_zones", "fire-zones.geojson"},
	    {"kelurahan", "kelurahan.geojson"},
	    {"rw", "rw.geojson"},
	};

	if (f == NULL)
		fail("%s: %s", path, strerror(errno));
	/* as tools/sample.conf: everything under the run directory, no
	 * systemd, no group, sitreps off */
	fprintf(f,
	        "; written by bench_daemon\n[daemon]\nstate_dir = %s/state\n"
	        "runtime_dir = %s/run\nlog_level = %s\nwatchdog = no\n\n"
	        "[bus]\ningest = ipc://%%r/ingest.ipc\n"
	        "control = ipc://%%r/control.ipc\n"
	        "control_readonly = ipc://%%r/control-ro.ipc\n"
	        "events = ipc://%%r/events.ipc\nsocket_group =\n"
	        "socket_mode = 0660\n\n[data]\n",
	        E->dir, E->dir,
	        getenv("BENCH_LOG_LEVEL") ? getenv("BENCH_LOG_LEVEL") : "info");
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		char p[PATH_MAX + 64];
		pathf(p, sizeof(p), "%s/%s", E->data, layers[i][1]);
		if (is_file(p))
			fprintf(f, "%s = %s\n", layers[i][0], p);
	}
	fprintf(f,
	        "\n[cap]\nspool_dir = %%S/spool\noutbox_dir = %%S/cap-out\n"
	        "\n[feed]\nsitrep_interval_s = 0\nsitrep_dir = %%S/sitrep\n");
	if (fclose(f))
		fail("%s: %s", path, strerror(errno));
}

static void
start_poskod(const struct env *E, const char *conf)
{
	pid_t pid;
	char run[PATH_MAX + 8];

	pathf(run, sizeof(run), "%s/run", E->dir);
	mkdir(run, 0755);
	pathf(g_log, sizeof(g_log), "%s/poskod.log", E->dir);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(g_log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		signal(SIGPIPE, SIG_DFL);
		execl(E->poskod, E->poskod, "--config", conf, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", E->poskod, strerror(errno));
		_exit(127);
	}
	g_poskod = pid;
}

/* One control request; the reply's "data", or NULL (no answer within
 * `ms`). */
static json_t *
request(int req, const char *body, int ms)
{
	char *reply = NULL;
	json_t *j, *d;
	int n;

	setopt(req, NN_SOL_SOCKET, NN_RCVTIMEO, ms);
	if (nn_send(req, body, strlen(body), 0) < 0)
		return NULL;
	n = nn_recv(req, &reply, NN_MSG, 0);
	if (n < 0)
		return NULL;
	j = json_loadb(reply, (size_t)n, 0, NULL);
	nn_freemsg(reply);
	if (j == NULL)
		return NULL;
	d = json_object_get(j, "data");
	if (!json_is_true(json_object_get(j, "ok")) || d == NULL) {
		json_decref(j);
		return NULL;
	}
	json_incref(d);
	json_decref(j);
	return d;
}

struct status {
	long long received, queued, last_event_id;
	int busy;
};

static int
get_status(int req, struct status *st, int ms)
{
	json_t *d = request(req, "{\"v\":1,\"cmd\":\"status\"}", ms);
	json_t *p;

	if (d == NULL)
		return -1;
	p = json_object_get(d, "pipeline");
	st->received = json_integer_value(json_object_get(p, "received"));
	st->queued = json_integer_value(json_object_get(p, "queued"));
	st->busy = json_is_true(json_object_get(p, "busy"));
	st->last_event_id =
	    json_integer_value(json_object_get(d, "last_event_id"));
	json_decref(d);
	return 0;
}

static void
wait_ready(int req)
{
	struct status st;
	int64_t deadline = now_ns() + 300 * NS;

	while (now_ns() < deadline) {
		need_poskod("while starting");
		if (get_status(req, &st, 500) == 0)
			return;
	}
	fail("poskod did not answer status within 300 s");
}

/* Send probes until the subscriber sees them (a SUB connected to a PUB
 * receives only after the connection is up). */
static void
wait_subscribed(struct run *R, int push, int echo, const char *what)
{
	static const char probe[] =
	    "{\"v\":1,\"kind\":\"probe\",\"source\":\"" SRC
	    "\",\"source_id\":\"probe\"}";
	int64_t deadline = now_ns() + 30 * NS;

	pthread_mutex_lock(&R->mu);
	while (now_ns() < deadline) {
		long *n = echo ? &R->echo_probes : &R->probes;
		if (*n > 0) {
			pthread_mutex_unlock(&R->mu);
			return;
		}
		pthread_mutex_unlock(&R->mu);
		if (!echo)
			need_poskod("while subscribing");
		send_msg(push, probe, sizeof(probe) - 1, what);
		pthread_mutex_lock(&R->mu);
		int64_t until = now_ns() + NS / 5;
		while (*n == 0 && wait_until(R, until))
			;
	}
	pthread_mutex_unlock(&R->mu);
	fail("%s: the subscriber never received the probe", what);
}

/* SIGTERM, then wait as long as systemd/poskod.service does
 * (TimeoutStopSec=60) before SIGKILL.  Returns 0 on a clean exit; *secs is
 * how long it took. */
static int
stop_poskod(double *secs)
{
	int64_t t0 = now_ns(), deadline = t0 + 60 * NS;

	*secs = 0;
	if (!poskod_alive()) {
		say("poskod was gone before the stop (wait status %#x)",
		    g_poskod_status);
		return -1;
	}
	kill((pid_t)g_poskod, SIGTERM);
	while (poskod_alive()) {
		if (now_ns() > deadline) {
			say("poskod did not stop within 60 s of SIGTERM "
			    "(systemd's TimeoutStopSec): SIGKILL");
			kill((pid_t)g_poskod, SIGKILL);
			waitpid((pid_t)g_poskod, &g_poskod_status, 0);
			g_poskod = 0;
			*secs = (double)(now_ns() - t0) / NS;
			return -1;
		}
		usleep(20000);
	}
	*secs = (double)(now_ns() - t0) / NS;
	if (!WIFEXITED(g_poskod_status) || WEXITSTATUS(g_poskod_status)) {
		say("poskod did not stop cleanly on SIGTERM (wait status %#x)",
		    g_poskod_status);
		return -1;
	}
	return 0;
}

static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	pathf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* ---- RSS sampling ------------------------------------------------------- */

struct sampler {
	pid_t pid;
	volatile int stop;
	int64_t *t;
	long *kb;
	size_t n, cap;
	pthread_t th;
};

static void *
sampler_main(void *arg)
{
	struct sampler *s = arg;
	int64_t next = now_ns();

	while (!s->stop) {
		if (now_ns() >= next) {
			long kb = rss_kb(s->pid);
			if (kb > 0 && s->n < s->cap) {
				s->t[s->n] = now_ns();
				s->kb[s->n] = kb;
				s->n++;
			}
			next += NS;
		}
		usleep(20000);
	}
	return NULL;
}

/* ---- statistics --------------------------------------------------------- */

/* Nearest-rank quantile of v[0..n) (sorted here). */
static double
quantile(double *v, size_t n, double q)
{
	size_t r;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	r = (size_t)ceil(q * (double)n);
	return v[r ? r - 1 : 0];
}

/* ---- the latency run ---------------------------------------------------- */

struct lat_result {
	double p50, p99, max;
	double first_p50, last_p50; /* first and last tenth of the run */
	size_t n, missing;
};

static void
latency_run(struct run *R, int push, int echo, const struct circle *c, size_t n,
            double timeout_s, struct lat_result *out)
{
	struct seq *s = echo ? &R->elat : &R->lat;
	double *ms = calloc(n, sizeof(double));
	size_t got = 0, missing = 0;
	char msg[1024], sid[32];
	const char *what = echo ? "echo" : "poskod";

	if (ms == NULL)
		fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		int len;
		int64_t t0, deadline, first = 0;

		snprintf(sid, sizeof(sid), "lat-%zu", i);
		len = msg_open(msg, sizeof(msg), sid, &c[i]);
		if (!echo)
			need_poskod("during the latency run");
		t0 = now_ns();
		pthread_mutex_lock(&R->mu);
		s->send_open[i] = t0;
		pthread_mutex_unlock(&R->mu);
		send_msg(push, msg, (size_t)len, what);
		deadline = t0 + (int64_t)(timeout_s * NS);
		pthread_mutex_lock(&R->mu);
		for (;;) {
			if (echo && s->got_open[i]) {
				first = s->got_open[i];
				break;
			}
			if (!echo && s->rejected[i])
				break;
			if (!echo && s->incident[i] > 0 &&
			    (size_t)s->incident[i] < R->nfirst &&
			    R->first_assign[s->incident[i]]) {
				first = R->first_assign[s->incident[i]];
				break;
			}
			if (!wait_until(R, deadline))
				break;
		}
		pthread_mutex_unlock(&R->mu);
		if (first) {
			ms[got++] = (double)(first - t0) / 1e6;
		} else {
			missing++;
			pthread_mutex_lock(&R->mu);
			say("%s: incident lat-%zu: %s", what, i,
			    s->rejected[i] ? "rejected"
			    : s->got_open[i]
			        ? "accepted, but no assign.household"
			        : "no ingest.accepted");
			if (s->rejected[i])
				say("rejection: %s", R->first_reject);
			pthread_mutex_unlock(&R->mu);
			if (!echo)
				need_poskod("during the latency run");
			if (missing >= 5) {
				say("%s: 5 incidents without an answer: "
				    "stopping the latency run",
				    what);
				break;
			}
		}
		/* the cancel: release the shelters before the next one */
		len = msg_cancel(msg, sizeof(msg), sid);
		pthread_mutex_lock(&R->mu);
		s->send_cancel[i] = now_ns();
		pthread_mutex_unlock(&R->mu);
		send_msg(push, msg, (size_t)len, what);
		deadline = now_ns() + (int64_t)(timeout_s * NS);
		pthread_mutex_lock(&R->mu);
		/* poskod: until the cancel is decided (incident.closed), so
		 * the next report does not queue behind it */
		while ((!s->got_cancel[i] || (!echo && !s->closed[i])) &&
		       wait_until(R, deadline))
			;
		int cancelled = s->got_cancel[i] != 0 && (echo || s->closed[i]);
		pthread_mutex_unlock(&R->mu);
		if (!cancelled) {
			missing++;
			say("%s: cancel of lat-%zu: nothing within %.0f s",
			    what, i, timeout_s);
		}
		if ((i + 1) % 100 == 0 || i + 1 == n)
			say("%s latency: %zu/%zu incidents", what, i + 1, n);
	}
	out->n = got;
	out->missing = missing;
	size_t tenth = got / 10 ? got / 10 : got;
	double *tmp = malloc((tenth ? tenth : 1) * sizeof(double));
	if (tmp == NULL)
		fail("out of memory");
	memcpy(tmp, ms, tenth * sizeof(double));
	out->first_p50 = quantile(tmp, tenth, 0.5);
	memcpy(tmp, ms + got - tenth, tenth * sizeof(double));
	out->last_p50 = quantile(tmp, tenth, 0.5);
	free(tmp);
	out->max = got ? quantile(ms, got, 1.0) : NAN;
	out->p50 = quantile(ms, got, 0.50);
	out->p99 = quantile(ms, got, 0.99);
	free(ms);
}

/* ---- the sustained run -------------------------------------------------- */

struct sus_result {
	size_t sent, opens, cancels;
	double seconds_sending, seconds_total, per_s;
	double p50, p99; /* send -> accepted (or echoed), ms */
	long got, rejected;
	int64_t t_start, t_sent; /* first send, last send */
	long long queued_at_timeout;
	size_t answered;
	int drained;
};

/* The k-th message of the sustained sequence: opens, and the cancel of
 * the incident opened WINDOW opens earlier. */
static int
sus_msg(char *buf, size_t len, size_t *next_open, size_t *next_cancel,
        const struct circle *pool, size_t *idx, int *cancel)
{
	char sid[32];

	if (*next_open - *next_cancel >= WINDOW) {
		*idx = (*next_cancel)++;
		*cancel = 1;
		snprintf(sid, sizeof(sid), "sus-%zu", *idx);
		return msg_cancel(buf, len, sid);
	}
	*idx = (*next_open)++;
	*cancel = 0;
	snprintf(sid, sizeof(sid), "sus-%zu", *idx);
	return msg_open(buf, len, sid, &pool[*idx % SMALL_POOL]);
}

static void
sustained_run(struct run *R, int push, int req, int echo,
              const struct circle *pool, long rate, long duration,
              struct sus_result *out)
{
	struct seq *s = echo ? &R->esus : &R->sus;
	size_t total = (size_t)rate * (size_t)duration, nopen = 0, ncancel = 0;
	const char *what = echo ? "echo" : "poskod";
	char msg[1024];
	int64_t t0, tsent, deadline, tick, send_cap;
	struct status st0 = {0}, st;
	size_t m;

	memset(out, 0, sizeof(*out));
	if (!echo && get_status(req, &st0, 10000))
		fail("poskod: no status before the sustained run");
	t0 = tick = now_ns();
	/* a receiver that pushes back must not hold the bench for ever */
	send_cap = t0 + (2 * duration + 10) * NS;
	for (m = 0; m < total; m++) {
		int64_t due = t0 + (int64_t)((double)m * NS / (double)rate);
		size_t idx;
		int cancel, len;
		if (now_ns() < due) {
			struct timespec ts = {due / NS, due % NS};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
			                NULL);
		}
		len = sus_msg(msg, sizeof(msg), &nopen, &ncancel, pool, &idx,
		              &cancel);
		int64_t t = now_ns();
		/* plain stores: the receiver never reads send times */
		if (cancel)
			s->send_cancel[idx] = t;
		else
			s->send_open[idx] = t;
		send_msg(push, msg, (size_t)len, what);
		if (t - tick >= 5 * NS) {
			tick = t;
			pthread_mutex_lock(&R->mu);
			say("%s sustained: %.0f s, %zu sent, %ld answered",
			    what, (double)(t - t0) / NS, m + 1, s->got);
			pthread_mutex_unlock(&R->mu);
			if (!echo)
				need_poskod("during the sustained run");
			if (t > send_cap) {
				say("%s: sending for %.0f s already: stopping "
				    "at %zu of %zu",
				    what, (double)(t - t0) / NS, m + 1, total);
				m++;
				break;
			}
		}
	}
	total = m;
	tsent = now_ns();
	out->sent = total;
	out->opens = nopen;
	out->cancels = ncancel;
	out->seconds_sending = (double)(tsent - t0) / NS;
	out->t_start = t0;
	out->t_sent = tsent;

	/* drain: every report answered, or (events dropped on the way to
	 * us) poskod idle with everything read and published.  A daemon
	 * that keeps up needs well under a second; allow 10 s plus the
	 * run's duration. */
	deadline = tsent + (int64_t)(duration + 10) * NS;
	int64_t next_status = now_ns(), next_say = now_ns() + 5 * NS;
	pthread_mutex_lock(&R->mu);
	for (;;) {
		if ((size_t)s->got >= total) {
			out->drained = 1;
			break;
		}
		if (!echo && now_ns() >= next_say) {
			say("%s: draining, %ld of %zu answered", what, s->got,
			    total);
			next_say += 5 * NS;
		}
		if (!echo && now_ns() >= next_status) {
			long long last_seen = R->last_id;
			pthread_mutex_unlock(&R->mu);
			need_poskod("while draining the sustained run");
			int ok = get_status(req, &st, 5000) == 0;
			pthread_mutex_lock(&R->mu);
			if (ok &&
			    st.received >= st0.received + (long long)total &&
			    st.queued == 0 && !st.busy &&
			    last_seen >= st.last_event_id &&
			    R->last_id == last_seen) {
				out->drained = 1;
				break;
			}
			out->queued_at_timeout = ok ? st.queued : -1;
			next_status = now_ns() + NS / 4;
		}
		if (echo && now_ns() > tsent + 2 * NS) {
			/* the echo keeps nothing: what is not back after 2 s
			 * was dropped */
			out->drained = 1;
			break;
		}
		if (!wait_until(R, deadline))
			break;
	}
	out->got = s->got;
	out->rejected = s->nrejected;
	out->seconds_total = (double)((s->last ? s->last : tsent) - t0) / NS;
	pthread_mutex_unlock(&R->mu);
	/* reports answered over the time until the last answer: when the
	 * receiver keeps up this is the rate sent */
	out->per_s = (double)out->got / out->seconds_total;

	double *ms = malloc((total ? total : 1) * sizeof(double));
	size_t n = 0;
	if (ms == NULL)
		fail("out of memory");
	pthread_mutex_lock(&R->mu);
	for (size_t i = 0; i < nopen; i++) {
		if (s->got_open[i] && s->send_open[i])
			ms[n++] =
			    (double)(s->got_open[i] - s->send_open[i]) / 1e6;
		if (i < ncancel && s->got_cancel[i] && s->send_cancel[i])
			ms[n++] =
			    (double)(s->got_cancel[i] - s->send_cancel[i]) /
			    1e6;
	}
	pthread_mutex_unlock(&R->mu);
	out->answered = n;
	out->p50 = quantile(ms, n, 0.50);
	out->p99 = quantile(ms, n, 0.99);
	free(ms);
}

/* Journal rows of poskod's store for the sustained reports: what poskod
 * committed as accepted. */
static long
journal_count(const char *db, const char *like, const char *action)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(h, 10000);
	/* accepted = decided (journal) or journaled on receipt and still
	 * pending (state_dir/inbox.db, above posko.db's inbox_decided) */
	char ib[PATH_MAX + 32], *sl;
	snprintf(ib, sizeof(ib), "%s", db);
	if ((sl = strrchr(ib, '/')) != NULL)
		snprintf(sl + 1, sizeof(ib) - (size_t)(sl + 1 - ib), "inbox.db");
	int has_inbox = is_file(ib);
	if (has_inbox) {
		if (sqlite3_prepare_v2(h, "ATTACH ?1 AS ib", -1, &st, NULL) !=
		        SQLITE_OK)
			goto out;
		sqlite3_bind_text(st, 1, ib, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (sqlite3_prepare_v2(
	        h,
	        has_inbox
	            ? "SELECT (SELECT count(*) FROM journal WHERE source = ?1"
	              " AND source_id LIKE ?2 AND (?3 IS NULL OR action = ?3))"
	              " + (SELECT count(*) FROM ib.inbox WHERE source = ?1"
	              " AND source_id LIKE ?2 AND id > (SELECT"
	              " CAST(value AS INTEGER) FROM meta"
	              " WHERE key = 'inbox_decided') AND (?3 IS NULL OR"
	              " json_extract(CAST(raw AS TEXT), '$.action') = ?3))"
	            : "SELECT count(*) FROM journal WHERE source = ?1"
	              " AND source_id LIKE ?2"
	              " AND (?3 IS NULL OR action = ?3)",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, SRC, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, like, -1, SQLITE_STATIC);
	if (action)
		sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
out:
	if (n < 0)
		say("%s: %s", db, h ? sqlite3_errmsg(h) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* ---- data set-up -------------------------------------------------------- */

/* Where the data comes from: --scenario, a generated scenario, or the
 * sample. */
static const char *
prepare_data(const struct opts *o, struct env *E, const char *root,
             const char *exedir)
{
	char gen[PATH_MAX + 32], jak[PATH_MAX + 32], hh[PATH_MAX + 32];

	if (o->scenario) {
		if (realpath(o->scenario, E->data) == NULL)
			fail("--scenario %s: %s", o->scenario, strerror(errno));
		pathf(hh, sizeof(hh), "%s/households.csv", E->data);
		if (!is_file(hh))
			fail("--scenario %s: no households.csv", o->scenario);
		return "scenario";
	}
	pathf(gen, sizeof(gen), "%s/gen_scenario", exedir);
	if (!is_file(gen))
		pathf(gen, sizeof(gen), "%s/build/rel/bench/gen_scenario",
		      root);
	pathf(jak, sizeof(jak), "%s/data/jakarta", root);
	if (is_file(gen) && is_dir(jak)) {
		char nh[32];
		int st;
		pid_t pid;
		pathf(E->data, sizeof(E->data), "%s/scenario", E->dir);
		snprintf(nh, sizeof(nh), "%ld", o->households);
		say("generating %ld households into %s", o->households,
		    E->data);
		pid = fork();
		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd >= 0)
				dup2(fd, 1);
			execl(gen, gen, "--households", nh, "--shelters",
			      "1200", "--depots", "50", "--seed", "42",
			      "--data", jak, "--out", E->data, "-q",
			      (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			fail("%s failed", gen);
		return "generated";
	}
	pathf(E->data, sizeof(E->data), "%s/data/sample", root);
	pathf(hh, sizeof(hh), "%s/households.csv", E->data);
	if (!is_file(hh))
		fail("no data: neither %s with data/jakarta nor %s", gen, hh);
	say("%s or %s missing: using data/sample (5,000 households)", gen, jak);
	return "sample";
}

/* ---- main --------------------------------------------------------------- */

static const char *
yesno(int b)
{
	return b ? "yes" : "no";
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct env E;
	char root[PATH_MAX], exedir[PATH_MAX], conf[PATH_MAX + 16],
	    path[PATH_MAX + 32];
	const char *tmpdir = getenv("TMPDIR"),
	           *env_poskod = getenv("POSKOD_REL");
	struct run R;
	struct pts hh = {0}, sh = {0};
	struct grid grid;
	struct circle *big, *small;
	size_t nbig;
	long k_big;
	pid_t echo;
	int bad = 0;

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&E, 0, sizeof(E));
	find_root(root, sizeof(root), exedir, sizeof(exedir));
	if (env_poskod && *env_poskod)
		pathf(E.poskod, sizeof(E.poskod), "%s", env_poskod);
	else
		pathf(E.poskod, sizeof(E.poskod), "%s/build/rel/poskod", root);
	if (access(E.poskod, X_OK))
		fail("%s is not built (make build/rel/poskod), or set "
		     "POSKOD_REL",
		     E.poskod);
	pathf(E.dir, sizeof(E.dir), "%s/posko-bench.XXXXXX",
	      tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(E.dir) == NULL)
		fail("mkdtemp %s: %s", E.dir, strerror(errno));
	snprintf(g_tmp, sizeof(g_tmp), "%s", E.dir);
	pathf(E.ingest, sizeof(E.ingest), "ipc://%s/run/ingest.ipc", E.dir);
	pathf(E.control, sizeof(E.control), "ipc://%s/run/control.ipc", E.dir);
	pathf(E.events, sizeof(E.events), "ipc://%s/run/events.ipc", E.dir);
	pathf(E.echo_in, sizeof(E.echo_in), "ipc://%s/echo-in.ipc", E.dir);
	pathf(E.echo_out, sizeof(E.echo_out), "ipc://%s/echo-out.ipc", E.dir);
	pathf(E.db, sizeof(E.db), "%s/state/posko.db", E.dir);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* the echo first: a fork before any thread or nanomsg state */
	echo = fork();
	if (echo < 0)
		fail("fork: %s", strerror(errno));
	if (echo == 0)
		echo_main(E.echo_in, E.echo_out);
	g_echo = echo;

	/* data and footprints */
	const char *source = prepare_data(&o, &E, root, exedir);
	pathf(path, sizeof(path), "%s/households.csv", E.data);
	load_points(path, &hh);
	pathf(path, sizeof(path), "%s/shelters.csv", E.data);
	load_points(path, &sh);
	k_big = o.per_incident;
	if ((size_t)k_big * 20 > hh.n) {
		k_big = (long)(hh.n / 20);
		say("%zu households: %ld per incident instead of %ld", hh.n,
		    k_big, o.per_incident);
	}
	grid_build(&grid, &hh, 100.0);
	nbig = (size_t)o.incidents;
	big = calloc(nbig, sizeof(*big));
	small = calloc(SMALL_POOL, sizeof(*small));
	if (!big || !small)
		fail("out of memory");
	say("drawing %zu footprints of ~%ld households and %d of ~%ld", nbig,
	    k_big, SMALL_POOL, o.small);
	draw_circles(&hh, &grid, &sh, (size_t)k_big, big, nbig, o.seed, 1);
	draw_circles(&hh, &grid, &sh, (size_t)o.small, small, SMALL_POOL,
	             o.seed, 2);
	double rsum = 0;
	for (size_t i = 0; i < nbig; i++)
		rsum += big[i].r;

	/* poskod */
	pathf(conf, sizeof(conf), "%s/posko.conf", E.dir);
	write_conf(&E, conf);
	say("starting %s on %s (%s, %zu households)", E.poskod, conf, source,
	    hh.n);
	int64_t tstart = now_ns();
	start_poskod(&E, conf);

	memset(&R, 0, sizeof(R));
	pthread_mutex_init(&R.mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&R.cv, &ca);
	size_t nsus = (size_t)o.rate * (size_t)o.duration;
	seq_init(&R.lat, nbig);
	seq_init(&R.elat, nbig);
	seq_init(&R.sus, nsus);
	seq_init(&R.esus, nsus);

	int req = sock(NN_REQ, E.control, 0);
	int push = sock(NN_PUSH, E.ingest, 0);
	int epush = sock(NN_PUSH, E.echo_in, 0);
	setopt(push, NN_SOL_SOCKET, NN_SNDTIMEO, 10000);
	setopt(epush, NN_SOL_SOCKET, NN_SNDTIMEO, 10000);
	wait_ready(req);
	double start_s = (double)(now_ns() - tstart) / NS;
	say("poskod ready after %.1f s (pid %d)", start_s, (int)g_poskod);
	struct rx rx_ev = {&R, sub_sock(E.events), 0, 0},
	          rx_echo = {&R, sub_sock(E.echo_out), 1, 0};
	if (pthread_create(&rx_ev.th, NULL, rx_main, &rx_ev) ||
	    pthread_create(&rx_echo.th, NULL, rx_main, &rx_echo))
		fail("pthread_create failed");
	wait_subscribed(&R, push, 0, "poskod events");
	wait_subscribed(&R, epush, 1, "echo");

	printf("bench=daemon\n");
	printf("data=%s\nhouseholds=%zu\nshelters=%zu\n", source, hh.n, sh.n);
	printf("poskod_start_s=%.2f\n", start_s);
	printf("rss_ready_mb=%.1f\n", rss_kb((pid_t)g_poskod) / 1024.0);

	/* 1. latency */
	struct lat_result L, EL;
	say("latency: %zu incidents of ~%ld households, one at a time", nbig,
	    k_big);
	latency_run(&R, epush, 1, big, nbig, o.timeout_s, &EL);
	latency_run(&R, push, 0, big, nbig, o.timeout_s, &L);
	long aff_sum = 0, aff_n = 0, aff_min = LONG_MAX, aff_max = 0;
	pthread_mutex_lock(&R.mu);
	for (size_t i = 0; i < nbig; i++) {
		if (R.lat.affected[i] <= 0)
			continue;
		aff_sum += R.lat.affected[i];
		aff_n++;
		aff_min =
		    R.lat.affected[i] < aff_min ? R.lat.affected[i] : aff_min;
		aff_max =
		    R.lat.affected[i] > aff_max ? R.lat.affected[i] : aff_max;
	}
	pthread_mutex_unlock(&R.mu);
	printf("incidents=%zu\n", nbig);
	printf("households_per_incident=%ld\n", aff_n ? aff_sum / aff_n : 0);
	printf("households_per_incident_min=%ld\n", aff_n ? aff_min : 0);
	printf("households_per_incident_max=%ld\n", aff_max);
	printf("radius_mean_m=%.0f\n", rsum / (double)nbig);
	printf("latency_incidents_answered=%zu\n", L.n);
	printf("latency_p50_ms=%.2f\nlatency_p99_ms=%.2f\nlatency_max_ms=%.2f"
	       "\n",
	       L.p50, L.p99, L.max);
	printf("latency_first_tenth_p50_ms=%.2f\n"
	       "latency_last_tenth_p50_ms=%.2f\n",
	       L.first_p50, L.last_p50);
	int lat_ok = L.n == nbig && L.p99 < 50.0;
	printf("latency_p99_under_50ms=%s\n", yesno(lat_ok));
	printf("echo_latency_p50_ms=%.3f\necho_latency_p99_ms=%.3f\n", EL.p50,
	       EL.p99);
	printf("latency_ratio_vs_echo=%.1f\n", L.p99 / EL.p99);
	if (L.missing) {
		say("FAIL: %zu latency incidents (or their cancels) got no "
		    "answer within %.0f s",
		    L.missing, o.timeout_s);
		bad = 1;
	}

	need_poskod("after the latency run");
	printf("rss_after_latency_mb=%.1f\n", rss_kb((pid_t)g_poskod) / 1024.0);

	/* 2. sustained ingest */
	struct sus_result S, ES;
	struct sampler smp = {0};
	say("sustained: %ld reports/s for %ld s (echo, then poskod)", o.rate,
	    o.duration);
	sustained_run(&R, epush, req, 1, small, o.rate, o.duration, &ES);
	smp.pid = (pid_t)g_poskod;
	smp.cap = (size_t)o.duration * 4 + 600;
	smp.t = calloc(smp.cap, sizeof(int64_t));
	smp.kb = calloc(smp.cap, sizeof(long));
	if (!smp.t || !smp.kb ||
	    pthread_create(&smp.th, NULL, sampler_main, &smp))
		fail("sampler: cannot start");
	sustained_run(&R, push, req, 0, small, o.rate, o.duration, &S);
	smp.stop = 1;
	pthread_join(smp.th, NULL);
	/* memory over the sending window (a daemon that queues what it
	 * cannot decide grows there, not in the drain after it) */
	long rss0 = -1, rss1 = -1, rssmax = 0, rss_half = -1, rss_half_max = 0;
	int64_t mid = S.t_start + (S.t_sent - S.t_start) / 2;
	for (size_t i = 0; i < smp.n; i++) {
		rssmax = smp.kb[i] > rssmax ? smp.kb[i] : rssmax;
		if (smp.t[i] < S.t_start || smp.t[i] > S.t_sent + NS)
			continue;
		if (rss0 < 0)
			rss0 = smp.kb[i];
		rss1 = smp.kb[i];
		if (smp.t[i] >= mid) {
			if (rss_half < 0)
				rss_half = smp.kb[i];
			rss_half_max =
			    smp.kb[i] > rss_half_max ? smp.kb[i] : rss_half_max;
		}
	}
	int flat = rss_half > 0 && (double)rss_half_max <= 1.10 * rss_half;
	int rate_ok =
	    S.drained && S.sent == nsus && S.per_s >= 0.98 * (double)o.rate;
	printf("sustained_rate_target=%ld\nsustained_duration_s=%ld\n", o.rate,
	       o.duration);
	printf("sustained_mix=open+cancel\nsustained_window=%d\n", WINDOW);
	printf("sustained_households_per_report=%ld\n", o.small);
	printf("sent=%zu\nsent_opens=%zu\nsent_cancels=%zu\n", S.sent, S.opens,
	       S.cancels);
	printf("sending_s=%.2f\n", S.seconds_sending);
	printf("drained=%s\n", yesno(S.drained));
	if (!S.drained)
		printf(
		    "answered_when_given_up=%ld\nqueued_when_given_up=%lld\n",
		    S.got, S.queued_at_timeout);
	printf("until_last_answer_s=%.2f\n", S.seconds_total);
	printf("achieved_reports_per_s=%.0f\n", S.per_s);
	printf("rate_target_met=%s\n", yesno(rate_ok));
	printf("sustained_answer_p50_ms=%.2f\nsustained_answer_p99_ms=%.2f\n",
	       S.p50, S.p99);
	printf("echo_reports_per_s=%.0f\necho_lost=%ld\n", ES.per_s,
	       (long)ES.sent - ES.got);
	printf("echo_sustained_p50_ms=%.3f\necho_sustained_p99_ms=%.3f\n",
	       ES.p50, ES.p99);
	printf("throughput_ratio_vs_echo=%.3f\n", S.per_s / ES.per_s);
	printf("rss_start_mb=%.1f\nrss_end_mb=%.1f\nrss_max_mb=%.1f\n",
	       rss0 / 1024.0, rss1 / 1024.0, rssmax / 1024.0);
	printf("rss_after_drain_mb=%.1f\n",
	       smp.n ? smp.kb[smp.n - 1] / 1024.0 : NAN);
	printf("rss_second_half_growth_pct=%.1f\n",
	       rss_half > 0 ? 100.0 * (rss_half_max - rss_half) / rss_half
	                    : NAN);
	printf("memory_flat=%s\n", yesno(flat));
	if (!S.drained) {
		say("FAIL: poskod fell behind: %ld of %zu sustained reports "
		    "answered %ld s after the last send",
		    S.got, S.sent, o.duration + 10);
		bad = 1;
	}

	/* 3. stop, then count what the store holds: a report read but not
	 * decided when poskod stops is lost to its sender (fire and forget) */
	R.stop = 1;
	pthread_join(rx_ev.th, NULL);
	pthread_join(rx_echo.th, NULL);
	say("stopping poskod (SIGTERM)");
	double stop_s;
	int stopped = stop_poskod(&stop_s) == 0;
	printf("stop_s=%.2f\nstop_clean=%s\n", stop_s, yesno(stopped));
	if (!stopped)
		bad = 1;
	kill((pid_t)g_echo, SIGTERM);
	waitpid((pid_t)g_echo, NULL, 0);
	g_echo = 0;
	long acc = journal_count(E.db, "sus-%", NULL);
	long acc_open = journal_count(E.db, "sus-%", "open");
	long lost = (long)S.sent - acc - S.rejected;
	printf("accepted=%ld\naccepted_opens=%ld\nrejected=%ld\nlost=%ld\n",
	       acc, acc_open, S.rejected, lost);
	printf("events_received=%ld\nevents_missed=%ld\n", R.events, R.gaps);
	if (acc < 0) {
		say("FAIL: cannot read poskod's journal");
		bad = 1;
	} else if (lost != 0 || S.rejected != 0) {
		say("FAIL: %zu sent, %ld accepted (journal), %ld rejected: %ld "
		    "lost",
		    S.sent, acc, S.rejected, lost);
		if (!S.drained)
			say("(the %ld not in the journal were still queued in "
			    "poskod, read from the socket but not decided, "
			    "when "
			    "it was stopped)",
			    lost);
		if (R.first_reject[0])
			say("first rejection: %s", R.first_reject);
		bad = 1;
	}
	nn_close(req);
	nn_close(push);
	nn_close(epush);
	nn_close(rx_ev.sock);
	nn_close(rx_echo.sock);

	if (o.strict && (!lat_ok || !rate_ok || !flat)) {
		say("FAIL (--strict): latency_p99_under_50ms=%s "
		    "rate_target_met=%s memory_flat=%s",
		    yesno(lat_ok), yesno(rate_ok), yesno(flat));
		bad = 1;
	}
	printf("ok=%s\n", yesno(!bad));
	seq_free(&R.lat);
	seq_free(&R.elat);
	seq_free(&R.sus);
	seq_free(&R.esus);
	free(R.first_assign);
	free(smp.t);
	free(smp.kb);
	free(big);
	free(small);
	free(grid.start);
	free(grid.idx);
	pts_free(&hh);
	pts_free(&sh);
	if (bad) {
		say("kept %s (poskod.log, state/posko.db)", E.dir);
		return 1;
	}
	if (o.keep)
		say("kept %s", E.dir);
	else
		nftw(E.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
