/*
 * config/config.c - defaults, loading (inih), applying keys, %-expansion
 * and relative paths, lookups, and freeing.
 *
 * Loading runs in three passes so that every error can name FILE:LINE:
 *   1. inih reads the file through our line reader (which counts lines,
 *      spots section headers and over-long lines) and our handler collects
 *      every "key = value" with its line; indented continuation lines are
 *      joined to their key with '\n';
 *   2. each collected key is applied to a copy of the defaults (fixed keys
 *      through the cfg_keys table, [policy], [cap] map.N and [gates] by
 *      pattern);
 *   3. paths are expanded and made absolute, derived fields filled, and
 *      the whole config validated.
 * The first error (lowest line) is reported, with the count of the others.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_int.h"
#include "geo/geo.h"

/* Refuse config files above this: posko.conf is a few KiB. */
#define CFG_MAX_FILE (1024 * 1024)

const char *const cfg_sections[] = {"daemon",  "bus",    "data",   "policy",
                                    "shelter", "supply", "alerts", "cap",
                                    "feed",    "gates",  NULL};

#define OFF(f) offsetof(posko_config, f)
#define KEY(sec, name, type, field, min, max, what)                            \
	{                                                                      \
		sec, name, type, OFF(field), 0, min, max, what                 \
	}

const struct cfg_key cfg_keys[] = {
    KEY("daemon", "state_dir", K_PATH, daemon.state_dir, 0, 0, NULL),
    KEY("daemon", "runtime_dir", K_PATH, daemon.runtime_dir, 0, 0, NULL),
    KEY("daemon", "log_level", K_LOGLEVEL, daemon.log_level, 0, 0, NULL),
    KEY("daemon", "metric_crs", K_STR, daemon.metric_crs, 0, 0, NULL),
    KEY("daemon", "watchdog", K_BOOL, daemon.watchdog, 0, 0, NULL),
    KEY("daemon", "max_message_bytes", K_SIZE, daemon.max_message_bytes, 1024,
        1024.0 * 1024 * 1024, NULL),
    KEY("daemon", "max_pending", K_INT, daemon.max_pending, 1, 10000000, NULL),
    KEY("daemon", "outbox_keep_days", K_INT, daemon.outbox_keep_days, 0, 3660,
        NULL),
    KEY("daemon", "outbox_keep_rows", K_INT, daemon.outbox_keep_rows, 1000,
        1000000000, NULL),

    KEY("bus", "ingest", K_ENDPOINT, bus.ingest, 0, 0, NULL),
    KEY("bus", "control", K_ENDPOINT, bus.control, 0, 0, NULL),
    KEY("bus", "control_readonly", K_OPTENDPOINT, bus.control_readonly, 0, 0,
        NULL),
    KEY("bus", "events", K_ENDPOINT, bus.events, 0, 0, NULL),
    KEY("bus", "allow_remote", K_BOOL, bus.allow_remote, 0, 0, NULL),
    KEY("bus", "socket_group", K_GROUP, bus.socket_group, 0, 0, NULL),
    KEY("bus", "socket_mode", K_MODE, bus.socket_mode, 0, 0, NULL),

    KEY("data", "households", K_OPTPATH, data.households, 0, 0, NULL),
    KEY("data", "shelters", K_OPTPATH, data.shelters, 0, 0, NULL),
    KEY("data", "depots", K_OPTPATH, data.depots, 0, 0, NULL),
    KEY("data", "stock", K_OPTPATH, data.stock, 0, 0, NULL),
    {"data", "flood_zones", K_PATHLIST, OFF(data.flood_zones),
     OFF(data.nflood_zones), 0, 0, NULL},
    {"data", "fire_zones", K_PATHLIST, OFF(data.fire_zones),
     OFF(data.nfire_zones), 0, 0, NULL},
    KEY("data", "kelurahan", K_OPTPATH, data.kelurahan, 0, 0, NULL),
    KEY("data", "rw", K_OPTPATH, data.rw, 0, 0, NULL),
    KEY("data", "floodgates", K_OPTPATH, data.floodgates, 0, 0, NULL),

    KEY("shelter", "max_distance_m", K_DOUBLE, shelter.max_distance_m, 1,
        100000, "a distance in metres"),
    KEY("shelter", "m2_per_person", K_DOUBLE, shelter.m2_per_person, 1, 100,
        "an area in m2"),
    KEY("shelter", "vulnerable_weight", K_DOUBLE, shelter.vulnerable_weight, 1,
        10, "a weight"),

    KEY("supply", "emergency_days", K_INT, supply.emergency_days, 1, 366,
        "a number of days"),
    KEY("supply", "meals_per_person_day", K_INT, supply.meals_per_person_day, 1,
        10, "a number of meals"),
    KEY("supply", "kit_adult", K_KIT, supply.kit_adult, 0, 0, NULL),
    KEY("supply", "kit_under5", K_KIT, supply.kit_under5, 0, 0, NULL),
    KEY("supply", "kit_family", K_BOOL, supply.kit_family, 0, 0, NULL),
    KEY("supply", "kits_per_person", K_INT, supply.kits_per_person, 0, 10,
        "a number of kits"),
    KEY("supply", "expiry_warn_days", K_INT, supply.expiry_warn_days, 0, 365,
        "a number of days"),
    KEY("supply", "max_depot_distance_m", K_DOUBLE, supply.max_depot_distance_m,
        0, 1000000, "a distance in metres"),

    KEY("alerts", "shelter_warn", K_INT, alerts.shelter_warn, 1, 100,
        "a percentage"),
    KEY("alerts", "shelter_critical", K_INT, alerts.shelter_critical, 1, 100,
        "a percentage"),
    KEY("alerts", "shelter_full", K_INT, alerts.shelter_full, 1, 100,
        "a percentage"),
    KEY("alerts", "hysteresis", K_INT, alerts.hysteresis, 0, 50,
        "percentage points"),
    KEY("alerts", "depot_cover_days", K_DOUBLE, alerts.depot_cover_days, 0, 365,
        "a number of days"),
    KEY("alerts", "feed_stale_minutes", K_INT, alerts.feed_stale_minutes, 0,
        1440, "minutes"),
    KEY("alerts", "feed_stale_s", K_INT, alerts.feed_stale_s, 0, 86400,
        "seconds"),

    KEY("cap", "sender", K_SENDER, cap.sender, 0, 0, NULL),
    KEY("cap", "sender_name", K_STR, cap.sender_name, 0, 0, NULL),
    KEY("cap", "spool_dir", K_PATH, cap.spool_dir, 0, 0, NULL),
    KEY("cap", "outbox_dir", K_PATH, cap.outbox_dir, 0, 0, NULL),
    KEY("cap", "no_allocate", K_CAPSTATUS, cap.no_allocate, 0, 0, NULL),

    KEY("feed", "sitrep_interval_s", K_INT, feed.sitrep_interval_s, 0, 86400,
        "seconds"),
    KEY("feed", "sitrep_dir", K_PATH, feed.sitrep_dir, 0, 0, NULL),
    KEY("feed", "sitrep_first_s", K_INT, feed.sitrep_first_s, 0, 86400,
        "seconds"),
    KEY("feed", "petabencana_source", K_STR, feed.petabencana_source, 0, 0,
        NULL),
};
const size_t cfg_nkeys = sizeof(cfg_keys) / sizeof(cfg_keys[0]);

#define FIELD(c, k, T) ((T *)((char *)(c) + (k)->off))

/* ---- defaults ------------------------------------------------------------ */

/*
 * Water gates to kelurahan on watch. Manggarai measures the Ciliwung as it
 * enters the city: the riverbank kelurahan of Kampung Melayu and Bukit Duri
 * flood first, then Bidara Cina, Kebon Baru, Cawang, Rawajati, then the
 * rest of the valley. Karet is on the West Flood Canal (Banjir Kanal
 * Barat): Karet Tengsin and Petamburan first. Codes from
 * data/jakarta-admin (Kemendagri). These are starting points for the desk
 * to review, not an official BPBD table.
 */
static const struct {
	const char *gate;
	int siaga;
	const char *codes;
} default_gates[] = {
    {"Pintu Air Karet", 1,
     "31.71.07.1003, 31.71.07.1004, 31.71.07.1002, 31.71.07.1005, "
     "31.71.07.1007"},
    {"Pintu Air Karet", 2, "31.71.07.1003, 31.71.07.1004"},
    {"Pintu Air Manggarai", 1,
     "31.75.03.1001, 31.74.01.1005, 31.75.03.1002, 31.74.01.1004, "
     "31.75.04.1007, 31.74.08.1003, 31.74.01.1007, 31.74.01.1006, "
     "31.74.08.1005, 31.74.04.1005, 31.75.04.1005"},
    {"Pintu Air Manggarai", 2,
     "31.75.03.1001, 31.74.01.1005, 31.75.03.1002, 31.74.01.1004, "
     "31.75.04.1007, 31.74.08.1003"},
    {"Pintu Air Manggarai", 3, "31.75.03.1001, 31.74.01.1005"},
};

/*
 * CAP events as BMKG and BPBD DKI word them (Indonesian and English), most
 * specific first; anything else becomes "other" so that no alert is lost.
 */
static const struct {
	unsigned n;
	const char *rule;
} default_map[] = {
    {10, "event=*banjir* -> type=flood"},
    {20, "event=*flood* -> type=flood"},
    {30, "event=*kebakaran* -> type=fire"},
    {40, "category=Fire -> type=fire"},
    {50, "event=*gempa* -> type=earthquake"},
    {60, "event=*earthquake* -> type=earthquake"},
    {70, "event=*roboh* -> type=collapse"},
    {80, "event=*collapse* -> type=collapse"},
    {90, "category=Met -> type=extreme_weather"},
    {100, "* -> type=other"},
};

static int
set_str(char **field, const char *v)
{
	char *d = NULL;

	if (v != NULL && (d = cfg_strdup(v)) == NULL)
		return -1;
	free(*field);
	*field = d;
	return 0;
}

static int add_gate(posko_config *c, const char *gate, int siaga,
                    const char *codes, char *why);
static int set_rule(posko_config *c, unsigned n, const char *text, char *why);

posko_config *
cfg_default_raw(void)
{
	posko_config *c = calloc(1, sizeof(*c));
	char why[CFG_REASON_LEN];
	int bad = 0;

	if (c == NULL)
		return NULL;
	bad |= set_str(&c->daemon.state_dir, "/var/lib/posko");
	bad |= set_str(&c->daemon.runtime_dir, "/run/posko");
	c->daemon.log_level = CONFIG_LOG_INFO;
	bad |= set_str(&c->daemon.metric_crs, GEO_DEFAULT_METRIC_CRS);
	c->daemon.watchdog = 1;
	c->daemon.max_message_bytes = 4u * 1024 * 1024;
	c->daemon.max_pending = 10000;
	c->daemon.outbox_keep_days = 7;
	c->daemon.outbox_keep_rows = 500000;

	bad |= set_str(&c->bus.ingest, "ipc://%r/ingest.ipc");
	bad |= set_str(&c->bus.control, "ipc://%r/control.ipc");
	bad |= set_str(&c->bus.control_readonly, "ipc://%r/control-ro.ipc");
	bad |= set_str(&c->bus.events, "ipc://%r/events.ipc");
	c->bus.allow_remote = 0;
	bad |= set_str(&c->bus.socket_group, "posko");
	c->bus.socket_mode = 0660;

	alloc_policy_default(&c->policy);
	/* PetaBencana flood states: 1 "use caution" (no depth), 2 10-70 cm,
	 * 3 71-150 cm, 4 over 150 cm; each as its band's lower bound, so
	 * state 3 meets the flood policy's 71 cm band. */
	c->rw_state_cm[1] = 0;
	c->rw_state_cm[2] = 10;
	c->rw_state_cm[3] = 71;
	c->rw_state_cm[4] = 151;

	c->shelter.max_distance_m = 5000; /* issue 4 */
	c->shelter.m2_per_person = 3.5;   /* Sphere shelter standard 3 */
	c->shelter.vulnerable_weight = 1.1;

	c->supply.emergency_days = 7;
	c->supply.meals_per_person_day = 3; /* SPM permakanan 3x1 */
	c->supply.kit_adult = ALLOC_ITEM_KIT_ADULT;
	c->supply.kit_under5 = ALLOC_ITEM_KIT_INFANT;
	c->supply.kit_family = 1;
	c->supply.kits_per_person = 1;
	c->supply.expiry_warn_days = 3;
	c->supply.max_depot_distance_m = 0;

	c->alerts.shelter_warn = 80;
	c->alerts.shelter_critical = 95;
	c->alerts.shelter_full = 100;
	c->alerts.hysteresis = 5;
	c->alerts.depot_cover_days = 2;
	c->alerts.feed_stale_minutes = 30;

	bad |= set_str(&c->cap.sender, "posko@dinsos.jakarta.go.id");
	bad |= set_str(&c->cap.sender_name, "Dinas Sosial Provinsi DKI Jakarta");
	bad |= set_str(&c->cap.spool_dir, "%S/spool");
	bad |= set_str(&c->cap.outbox_dir, "%S/cap-out");
	c->cap.no_allocate = CONFIG_CAP_EXERCISE | CONFIG_CAP_SYSTEM |
	                     CONFIG_CAP_TEST | CONFIG_CAP_DRAFT;
	for (size_t i = 0;
	     !bad && i < sizeof(default_map) / sizeof(default_map[0]); i++)
		bad |= set_rule(c, default_map[i].n, default_map[i].rule, why);

	c->feed.sitrep_interval_s = 900;
	bad |= set_str(&c->feed.sitrep_dir, "%S/sitrep");
	bad |= set_str(&c->feed.petabencana_source, "petabencana");

	for (size_t i = 0;
	     !bad && i < sizeof(default_gates) / sizeof(default_gates[0]); i++)
		bad |=
		    add_gate(c, default_gates[i].gate, default_gates[i].siaga,
		             default_gates[i].codes, why);
	if (bad) {
		config_free(c);
		return NULL;
	}
	return c;
}

/* ---- freeing ------------------------------------------------------------- */

void
config_free(posko_config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->daemon.state_dir);
	free(c->daemon.runtime_dir);
	free(c->daemon.db_path);
	free(c->daemon.metric_crs);
	free(c->bus.ingest);
	free(c->bus.control);
	free(c->bus.control_readonly);
	free(c->bus.events);
	free(c->bus.socket_group);
	free(c->data.households);
	free(c->data.shelters);
	free(c->data.depots);
	free(c->data.stock);
	cfg_strv_free(c->data.flood_zones, c->data.nflood_zones);
	cfg_strv_free(c->data.fire_zones, c->data.nfire_zones);
	free(c->data.kelurahan);
	free(c->data.rw);
	free(c->data.floodgates);
	free(c->cap.sender);
	free(c->cap.sender_name);
	free(c->cap.spool_dir);
	free(c->cap.outbox_dir);
	for (size_t i = 0; i < c->cap.nmap; i++)
		cfg_cap_rule_clear(&c->cap.map[i]);
	free(c->cap.map);
	free(c->feed.sitrep_dir);
	free(c->feed.petabencana_source);
	for (size_t i = 0; i < c->gates.nwatch; i++) {
		free(c->gates.watch[i].gate);
		free(c->gates.watch[i].kelurahan);
	}
	free(c->gates.watch);
	free(c);
}

/* ---- CAP rules and gates (shared by defaults and the parser) --------------
 */

/* Set rule n from text ("" removes it); keeps map sorted by n. */
static int
set_rule(posko_config *c, unsigned n, const char *text, char *why)
{
	struct config_cap_rule r;
	size_t i;

	for (i = 0; i < c->cap.nmap && c->cap.map[i].n < n; i++)
		;
	if (*text == '\0') {
		if (i < c->cap.nmap && c->cap.map[i].n == n) {
			cfg_cap_rule_clear(&c->cap.map[i]);
			memmove(&c->cap.map[i], &c->cap.map[i + 1],
			        (c->cap.nmap - i - 1) * sizeof(r));
			c->cap.nmap--;
		}
		return 0;
	}
	r.n = n;
	if (cfg_cap_rule_parse(text, &r, why) != 0)
		return -1;
	if (i < c->cap.nmap && c->cap.map[i].n == n) {
		cfg_cap_rule_clear(&c->cap.map[i]);
		c->cap.map[i] = r;
		return 0;
	}
	{
		struct config_cap_rule *nm =
		    realloc(c->cap.map, (c->cap.nmap + 1) * sizeof(r));

		if (nm == NULL) {
			cfg_cap_rule_clear(&r);
			snprintf(why, CFG_REASON_LEN, "out of memory");
			return -1;
		}
		c->cap.map = nm;
	}
	memmove(&c->cap.map[i + 1], &c->cap.map[i],
	        (c->cap.nmap - i) * sizeof(r));
	c->cap.map[i] = r;
	c->cap.nmap++;
	return 0;
}

static int
gate_cmp(const char *ga, int sa, const char *gb, int sb)
{
	for (; *ga != '\0' && *gb != '\0'; ga++, gb++) {
		int a = (*ga >= 'A' && *ga <= 'Z') ? *ga + 32 : *ga;
		int b = (*gb >= 'A' && *gb <= 'Z') ? *gb + 32 : *gb;

		if (a != b)
			return a < b ? -1 : 1;
	}
	if (*ga != *gb)
		return *ga == '\0' ? -1 : 1;
	return sa < sb ? -1 : sa > sb;
}

/* Set the watch list of (gate, siaga) from a code list ("" removes it). */
static int
add_gate(posko_config *c, const char *gate, int siaga, const char *codes,
         char *why)
{
	struct config_gate_watch w = {0};
	char **v = NULL;
	long n;
	size_t i;
	int cmp = 1;

	for (i = 0; i < c->gates.nwatch; i++) {
		cmp = gate_cmp(c->gates.watch[i].gate, c->gates.watch[i].siaga,
		               gate, siaga);
		if (cmp >= 0)
			break;
	}
	if (*codes == '\0') {
		if (i < c->gates.nwatch && cmp == 0) {
			free(c->gates.watch[i].gate);
			free(c->gates.watch[i].kelurahan);
			memmove(&c->gates.watch[i], &c->gates.watch[i + 1],
			        (c->gates.nwatch - i - 1) * sizeof(w));
			c->gates.nwatch--;
		}
		return 0;
	}
	n = cfg_split(codes, 1, &v);
	if (n < 0)
		goto oom;
	w.kelurahan = calloc((size_t)n + 1, sizeof(uint32_t));
	w.gate = cfg_strdup(gate);
	if (w.kelurahan == NULL || w.gate == NULL)
		goto oom;
	w.siaga = siaga;
	for (long k = 0; k < n; k++) {
		uint32_t code;
		size_t j;

		if (geo_kel_parse(v[k], &code) != 0 || code < 1000000000u) {
			snprintf(why, CFG_REASON_LEN,
			         "must list kelurahan codes like "
			         "31.74.01.1001, not '%.40s'",
			         v[k]);
			goto fail;
		}
		for (j = 0; j < w.nkelurahan && w.kelurahan[j] != code; j++)
			;
		if (j == w.nkelurahan)
			w.kelurahan[w.nkelurahan++] = code;
	}
	cfg_strv_free(v, (size_t)n);
	v = NULL;
	n = 0;
	if (i < c->gates.nwatch && cmp == 0) {
		free(c->gates.watch[i].gate);
		free(c->gates.watch[i].kelurahan);
		c->gates.watch[i] = w;
		return 0;
	}
	{
		struct config_gate_watch *nw =
		    realloc(c->gates.watch, (c->gates.nwatch + 1) * sizeof(w));

		if (nw == NULL)
			goto oom;
		c->gates.watch = nw;
	}
	memmove(&c->gates.watch[i + 1], &c->gates.watch[i],
	        (c->gates.nwatch - i) * sizeof(w));
	c->gates.watch[i] = w;
	c->gates.nwatch++;
	return 0;
oom:
	snprintf(why, CFG_REASON_LEN, "out of memory");
fail:
	cfg_strv_free(v, n > 0 ? (size_t)n : 0);
	free(w.gate);
	free(w.kelurahan);
	return -1;
}

/* ---- the load state --------------------------------------------------------
 */

struct entry {
	char *section, *name, *value;
	int line;
};

struct load {
	const char *name; /* file name in messages, NULL for defaults */
	char *dir;        /* base of relative paths, NULL = none */
	const char *buf;
	size_t len, pos;
	int lineno;   /* line last handed to inih */
	int indented; /* that line starts with a blank */
	struct entry *e;
	size_t ne, cap;
	char *badsec[16]; /* unknown sections already reported */
	size_t nbadsec;
	int oom;
	int err_line; /* line of the reported error; 0 none yet, -1 no line */
	char err[512];
	size_t nerr;
	int err_code;
};

static void lerr(struct load *L, int line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record an error; the one with the lowest line is reported. */
static void
lerr(struct load *L, int line, int code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	L->nerr++;
	if (L->err_line > 0 && (line <= 0 || line >= L->err_line))
		return;
	if (L->err_line < 0 && line <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (L->name == NULL)
		snprintf(L->err, sizeof(L->err), "%s", msg);
	else if (line > 0)
		snprintf(L->err, sizeof(L->err), "%s:%d: %s", L->name, line,
		         msg);
	else
		snprintf(L->err, sizeof(L->err), "%s: %s", L->name, msg);
	L->err_line = line > 0 ? line : -1;
	L->err_code = code;
}

/* The value as shown after "got": one line, at most 60 characters. */
static const char *
got(const char *v, char *buf, size_t len)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < len && i < 60; i++)
		buf[i] = (v[i] == '\n') ? ' ' : v[i];
	buf[i] = '\0';
	if (v[i] != '\0' && len > 64)
		strcpy(buf + i, "...");
	if (buf[0] == ' ')
		return buf + 1;
	return buf;
}

static int
section_known(const char *s)
{
	for (size_t i = 0; cfg_sections[i] != NULL; i++)
		if (strcmp(s, cfg_sections[i]) == 0)
			return 1;
	return 0;
}

static int
badsec_seen(struct load *L, const char *s)
{
	for (size_t i = 0; i < L->nbadsec; i++)
		if (strcmp(L->badsec[i], s) == 0)
			return 1;
	return 0;
}

static void
badsec_add(struct load *L, const char *s, int line)
{
	lerr(L, line, CONFIG_ESYNTAX, "unknown section [%s]", s);
	if (L->nbadsec < sizeof(L->badsec) / sizeof(L->badsec[0])) {
		L->badsec[L->nbadsec] = cfg_strdup(s);
		if (L->badsec[L->nbadsec] != NULL)
			L->nbadsec++;
	}
}

/* fgets-like reader for inih: one line per call, counted. */
static char *
reader(char *str, int num, void *stream)
{
	struct load *L = stream;
	const char *p, *nl;
	size_t linelen, n;

	if (L->pos >= L->len || num < 3)
		return NULL;
	p = L->buf + L->pos;
	nl = memchr(p, '\n', L->len - L->pos);
	linelen = nl ? (size_t)(nl - p) + 1 : L->len - L->pos;
	L->pos += linelen;
	L->lineno++;
	L->indented = (p[0] == ' ' || p[0] == '\t');
	n = linelen;
	if (n > (size_t)num - 1) {
		/* inih would read the rest as a line of its own. */
		lerr(L, L->lineno, CONFIG_ESYNTAX,
		     "line longer than %d characters (continue a list on an "
		     "indented next line)",
		     num - 4);
		n = (size_t)num - 2;
		memcpy(str, p, n);
		str[n++] = '\n';
	} else {
		memcpy(str, p, n);
	}
	str[n] = '\0';
	{
		const char *q = str;

		if (L->lineno == 1 && strncmp(q, "\xEF\xBB\xBF", 3) == 0)
			q += 3;
		if (q[0] == '[') {
			const char *end = strchr(q, ']');
			char name[64];
			size_t k = end ? (size_t)(end - q - 1) : 0;

			if (end != NULL && k < sizeof(name)) {
				memcpy(name, q + 1, k);
				name[k] = '\0';
				if (!section_known(name) &&
				    !badsec_seen(L, name))
					badsec_add(L, name, L->lineno);
			}
		}
	}
	return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct load *L = user;
	struct entry *last = L->ne ? &L->e[L->ne - 1] : NULL;

	if (L->oom)
		return 1;
	if (section[0] == '\0') {
		lerr(L, L->lineno, CONFIG_ESYNTAX,
		     "%s: key outside any section", name);
		return 1;
	}
	if (!section_known(section)) {
		if (!badsec_seen(L, section))
			badsec_add(L, section, L->lineno);
		return 1;
	}
	if (L->indented && last != NULL && last->line < L->lineno &&
	    strcmp(last->section, section) == 0 &&
	    strcmp(last->name, name) == 0) {
		size_t a = strlen(last->value), b = strlen(value);
		char *nv = realloc(last->value, a + b + 2);

		if (nv == NULL) {
			L->oom = 1;
			return 1;
		}
		nv[a] = '\n';
		memcpy(nv + a + 1, value, b + 1);
		last->value = nv;
		return 1;
	}
	for (size_t i = 0; i < L->ne; i++)
		if (strcmp(L->e[i].section, section) == 0 &&
		    cfg_strcaseeq(L->e[i].name, name)) {
			lerr(L, L->lineno, CONFIG_ESYNTAX,
			     "[%s] %s: set twice (first at line %d)", section,
			     name, L->e[i].line);
			return 1;
		}
	if (L->ne == L->cap) {
		size_t nc = L->cap ? L->cap * 2 : 64;
		struct entry *ne = realloc(L->e, nc * sizeof(*ne));

		if (ne == NULL) {
			L->oom = 1;
			return 1;
		}
		L->e = ne;
		L->cap = nc;
	}
	L->e[L->ne].section = cfg_strdup(section);
	L->e[L->ne].name = cfg_strdup(name);
	L->e[L->ne].value = cfg_strdup(value);
	L->e[L->ne].line = L->lineno;
	if (!L->e[L->ne].section || !L->e[L->ne].name || !L->e[L->ne].value) {
		free(L->e[L->ne].section);
		free(L->e[L->ne].name);
		free(L->e[L->ne].value);
		L->oom = 1;
		return 1;
	}
	L->ne++;
	return 1;
}

static void
load_clear(struct load *L)
{
	for (size_t i = 0; i < L->ne; i++) {
		free(L->e[i].section);
		free(L->e[i].name);
		free(L->e[i].value);
	}
	free(L->e);
	for (size_t i = 0; i < L->nbadsec; i++)
		free(L->badsec[i]);
	free(L->dir);
}

/* ---- applying keys ----------------------------------------------------------
 */

/* Edit distance for "did you mean" (short key names only). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static void
unknown_key(struct load *L, const struct entry *e)
{
	const char *best = NULL;
	size_t bd = 4; /* suggest names at most 3 edits away */

	for (size_t i = 0; i < cfg_nkeys; i++) {
		size_t d;

		if (strcmp(cfg_keys[i].section, e->section) != 0)
			continue;
		d = distance(e->name, cfg_keys[i].name);
		if (d < bd) {
			bd = d;
			best = cfg_keys[i].name;
		}
	}
	if (best != NULL)
		lerr(L, e->line, CONFIG_ESYNTAX,
		     "[%s] %s: unknown key (did you mean %s?)", e->section,
		     e->name, best);
	else
		lerr(L, e->line, CONFIG_ESYNTAX, "[%s] %s: unknown key",
		     e->section, e->name);
}

static void
bad_value(struct load *L, const struct entry *e, const char *why)
{
	char g[80];

	lerr(L, e->line, CONFIG_EVALUE, "[%s] %s: %s, got %s", e->section,
	     e->name, why, got(e->value, g, sizeof(g)));
}

static int
apply_fixed(struct load *L, posko_config *c, const struct cfg_key *k,
            const struct entry *e)
{
	const char *v = e->value;
	char why[CFG_REASON_LEN] = "";
	int rc = 0;

	if (k->type != K_PATHLIST && strchr(v, '\n') != NULL) {
		bad_value(L, e, "must fit on one line");
		return -1;
	}
	switch (k->type) {
	case K_STR:
	case K_PATH:
	case K_ENDPOINT:
	case K_SENDER:
		if (*v == '\0') {
			snprintf(why, sizeof(why), "must not be empty");
			rc = -1;
		} else if (k->type == K_SENDER) {
			rc = cfg_parse_sender(v, why);
		}
		if (rc == 0 && set_str(FIELD(c, k, char *), v) != 0)
			L->oom = 1;
		break;
	case K_GROUP:
		if (*v != '\0')
			rc = cfg_parse_group(v, why);
		/* fall through */
	case K_OPTSTR:
	case K_OPTPATH:
	case K_OPTENDPOINT:
		if (rc == 0 &&
		    set_str(FIELD(c, k, char *), *v == '\0' ? NULL : v) != 0)
			L->oom = 1;
		break;
	case K_PATHLIST: {
		char **list = NULL;
		long n = cfg_split(v, 0, &list);
		size_t *np = (size_t *)((char *)c + k->noff);

		if (n < 0) {
			L->oom = 1;
			break;
		}
		cfg_strv_free(*FIELD(c, k, char **), *np);
		*FIELD(c, k, char **) = list;
		*np = (size_t)n;
		break;
	}
	case K_INT:
		rc = cfg_parse_int(v, (long)k->min, (long)k->max, k->what,
		                   FIELD(c, k, int), why);
		break;
	case K_DOUBLE:
		rc = cfg_parse_double(v, k->min, k->max, k->what,
		                      FIELD(c, k, double), why);
		break;
	case K_BOOL:
		rc = cfg_parse_bool(v, FIELD(c, k, int), why);
		break;
	case K_LOGLEVEL:
		rc = cfg_parse_loglevel(v, FIELD(c, k, int), why);
		break;
	case K_SIZE:
		rc =
		    cfg_parse_size(v, k->min, k->max, FIELD(c, k, size_t), why);
		break;
	case K_MODE:
		rc = cfg_parse_mode(v, FIELD(c, k, unsigned), why);
		break;
	case K_KIT:
		rc = cfg_parse_kit(v, FIELD(c, k, int), why);
		break;
	case K_CAPSTATUS:
		rc = cfg_parse_capstatus(v, FIELD(c, k, unsigned), why);
		break;
	}
	if (rc != 0)
		bad_value(L, e, why);
	return rc;
}

/* "12" -> 12 for a number without sign or leading zeros, else -1. */
static long
plain_number(const char *s, long max)
{
	long n = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > max)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n > max ? -1 : n;
}

static int
set_band(struct alloc_policy_rule *r, int32_t cm, const char *v,
         alloc_classmask m)
{
	int i;

	for (i = 0; i < r->ndepth && r->depth[i].min_cm < cm; i++)
		;
	if (i < r->ndepth && r->depth[i].min_cm == cm) {
		if (*v == '\0') {
			memmove(&r->depth[i], &r->depth[i + 1],
			        (size_t)(r->ndepth - i - 1) *
			            sizeof(r->depth[0]));
			r->ndepth--;
			memset(&r->depth[r->ndepth], 0, sizeof(r->depth[0]));
		} else {
			r->depth[i].classes = m;
		}
		return 0;
	}
	if (*v == '\0')
		return 0;
	if (r->ndepth >= ALLOC_POLICY_DEPTH_BANDS)
		return -1;
	memmove(&r->depth[i + 1], &r->depth[i],
	        (size_t)(r->ndepth - i) * sizeof(r->depth[0]));
	r->depth[i].min_cm = cm;
	r->depth[i].classes = m;
	r->ndepth++;
	return 0;
}

/* [policy]: <type>.hazard|siagaN|level.L|order|unspecified|depth.CM and
 * rw_stateN_cm. Returns 0, -1 (value error reported) or 1 (unknown key). */
static int
apply_policy(struct load *L, posko_config *c, const struct entry *e)
{
	const char *name = e->name, *dot = strchr(name, '.'), *rest;
	char why[CFG_REASON_LEN], tname[32];
	struct alloc_policy_rule *r;
	alloc_classmask m = 0, *slot = NULL;
	int type;
	long n;

	if (strncmp(name, "rw_state", 8) == 0 && name[8] >= '1' &&
	    name[8] <= '4' && strcmp(name + 9, "_cm") == 0) {
		int cm;

		if (cfg_parse_int(e->value, 0, 10000, "a depth in cm", &cm,
		                  why) != 0) {
			bad_value(L, e, why);
			return -1;
		}
		c->rw_state_cm[name[8] - '0'] = cm;
		return 0;
	}
	if (dot == NULL || (size_t)(dot - name) >= sizeof(tname))
		return 1;
	memcpy(tname, name, (size_t)(dot - name));
	tname[dot - name] = '\0';
	if ((type = cfg_type_parse(tname)) < 0)
		return 1;
	r = &c->policy.rule[type];
	rest = dot + 1;
	if (strcmp(rest, "hazard") == 0) {
		int h = cfg_hazard_parse(e->value);

		if (h < 0) {
			bad_value(L, e, "must be flood, fire or none");
			return -1;
		}
		r->hazard = (uint8_t)h;
		return 0;
	}
	if (strncmp(rest, "siaga", 5) == 0 && rest[5] >= '1' &&
	    rest[5] <= '4' && rest[6] == '\0')
		slot = &r->siaga[rest[5] - '0'];
	else if (strncmp(rest, "level.", 6) == 0 &&
	         cfg_level_parse(rest + 6) > 0 &&
	         strcmp(rest + 6, cfg_level_name(cfg_level_parse(rest + 6))) ==
	             0)
		slot = &r->level[cfg_level_parse(rest + 6)];
	else if (strcmp(rest, "order") == 0)
		slot = &r->order;
	else if (strcmp(rest, "unspecified") == 0)
		slot = &r->unspecified;
	else if (strncmp(rest, "depth.", 6) != 0)
		return 1;
	if (slot == NULL) { /* depth.CM */
		n = plain_number(rest + 6, 10000);
		if (n < 0) {
			bad_value(L, e,
			          "must be <type>.depth.<cm> with cm 0..10000");
			return -1;
		}
		if (*e->value != '\0' &&
		    cfg_parse_classes(e->value, &m, why) != 0) {
			bad_value(L, e, why);
			return -1;
		}
		if (set_band(r, (int32_t)n, e->value, m) != 0) {
			bad_value(L, e,
			          "must keep at most 4 depth bands per type "
			          "(defaults included; an empty value removes "
			          "a band)");
			return -1;
		}
		return 0;
	}
	if (cfg_parse_classes(e->value, &m, why) != 0) {
		bad_value(L, e, why);
		return -1;
	}
	*slot = m;
	return 0;
}

static int
apply_map(struct load *L, posko_config *c, const struct entry *e)
{
	char why[CFG_REASON_LEN];
	long n = plain_number(e->name + 4, 9999);

	if (n < 1) {
		bad_value(L, e, "must be named map.<n> with n 1..9999");
		return -1;
	}
	if (strchr(e->value, '\n') != NULL) {
		bad_value(L, e, "must fit on one line");
		return -1;
	}
	if (set_rule(c, (unsigned)n, e->value, why) != 0) {
		bad_value(L, e, why);
		return -1;
	}
	return 0;
}

static int
apply_gate(struct load *L, posko_config *c, const struct entry *e)
{
	char why[CFG_REASON_LEN], *gate;
	const char *dot = strrchr(e->name, '.');
	int rc;

	if (dot == NULL || strncmp(dot, ".siaga", 6) != 0 || dot[6] < '1' ||
	    dot[6] > '4' || dot[7] != '\0' || dot == e->name) {
		lerr(L, e->line, CONFIG_ESYNTAX,
		     "[gates] %s: must be named \"<gate name>.siaga<1..4>\"",
		     e->name);
		return -1;
	}
	gate = cfg_strdup_trim(e->name, (size_t)(dot - e->name));
	if (gate == NULL) {
		L->oom = 1;
		return -1;
	}
	rc = add_gate(c, gate, dot[6] - '0', e->value, why);
	free(gate);
	if (rc != 0)
		bad_value(L, e, why);
	return rc;
}

static void
apply_entry(struct load *L, posko_config *c, const struct entry *e)
{
	int rc = 1;

	for (size_t i = 0; i < cfg_nkeys; i++)
		if (strcmp(cfg_keys[i].section, e->section) == 0 &&
		    strcmp(cfg_keys[i].name, e->name) == 0) {
			apply_fixed(L, c, &cfg_keys[i], e);
			return;
		}
	if (strcmp(e->section, "policy") == 0)
		rc = apply_policy(L, c, e);
	else if (strcmp(e->section, "cap") == 0 &&
	         strncmp(e->name, "map.", 4) == 0)
		rc = apply_map(L, c, e);
	else if (strcmp(e->section, "gates") == 0)
		rc = apply_gate(L, c, e);
	if (rc == 1)
		unknown_key(L, e);
}

/* ---- expansion, relative paths, derived fields ----------------------------
 */

int
config_expand(const char *tmpl, const char *runtime_dir, const char *state_dir,
              char *out, size_t outlen)
{
	size_t o = 0;

	if (tmpl == NULL || out == NULL || outlen == 0)
		return CONFIG_EVALUE;
	for (const char *p = tmpl; *p != '\0'; p++) {
		const char *ins = NULL;
		char one[2] = {*p, '\0'};

		if (*p == '%') {
			p++;
			if (*p == '%')
				ins = "%";
			else if (*p == 'r' && runtime_dir != NULL)
				ins = runtime_dir;
			else if (*p == 'S' && state_dir != NULL)
				ins = state_dir;
			else
				return CONFIG_EVALUE;
		} else {
			ins = one;
		}
		for (; *ins != '\0'; ins++) {
			if (o + 1 >= outlen)
				return CONFIG_EVALUE;
			out[o++] = *ins;
		}
	}
	out[o] = '\0';
	return CONFIG_OK;
}

static int
line_of(struct load *L, const char *section, const char *key)
{
	if (L == NULL)
		return 0;
	for (size_t i = 0; i < L->ne; i++)
		if (strcmp(L->e[i].section, section) == 0 &&
		    strcmp(L->e[i].name, key) == 0)
			return L->e[i].line;
	return 0;
}

static int
line_cb(void *ctx, const char *section, const char *key)
{
	return line_of(ctx, section, key);
}

/* Expand %-escapes in *field and make a relative path absolute against
 * L->dir. is_ep: an endpoint (only ipc:// paths are resolved). */
static int
finish_path(struct load *L, posko_config *c, char **field, int is_ep,
            const char *sec, const char *key, int self)
{
	char buf[4096], *res;
	const char *rd = self ? NULL : c->daemon.runtime_dir;
	const char *sd = self ? NULL : c->daemon.state_dir;
	const char *path;
	size_t plen;

	if (*field == NULL)
		return 0;
	if (config_expand(*field, rd, sd, buf, sizeof(buf)) != 0) {
		if (L != NULL)
			lerr(L, line_of(L, sec, key), CONFIG_EVALUE,
			     "[%s] %s: %s, got %s", sec, key,
			     self ? "must not use %r or %S (only %%)"
			          : "must use only the escapes %r, %S and %%",
			     *field);
		return -1;
	}
	path = buf;
	if (is_ep) {
		if (strncmp(buf, "ipc://", 6) != 0)
			goto done;
		path = buf + 6;
	}
	if (path[0] == '/' || path[0] == '\0' || L == NULL || L->dir == NULL)
		goto done;
	plen = (size_t)(path - buf);
	res = malloc(plen + strlen(L->dir) + 1 + strlen(path) + 1);
	if (res == NULL)
		return -2;
	memcpy(res, buf, plen);
	sprintf(res + plen, "%s/%s", L->dir, path);
	free(*field);
	*field = res;
	return 0;
done:
	res = cfg_strdup(buf);
	if (res == NULL)
		return -2;
	free(*field);
	*field = res;
	return 0;
}

int
cfg_derive(posko_config *c)
{
	size_t n = strlen(c->daemon.state_dir);
	char *db = malloc(n + sizeof("/posko.db"));

	if (db == NULL)
		return -1;
	memcpy(db, c->daemon.state_dir, n);
	/* "/" as state_dir must not give "//posko.db" */
	strcpy(db + n - (n > 1 && c->daemon.state_dir[n - 1] == '/'),
	       "/posko.db");
	free(c->daemon.db_path);
	c->daemon.db_path = db;

	alloc_assign_params_default(&c->assign);
	c->assign.max_distance_m = c->shelter.max_distance_m;
	c->assign.vulnerable_weight = c->shelter.vulnerable_weight;

	alloc_supply_params_default(&c->supply_params);
	c->supply_params.meals_per_day =
	    (uint32_t)c->supply.meals_per_person_day;
	c->supply_params.days = (uint32_t)c->supply.emergency_days;
	c->supply_params.kit_under5 = (uint8_t)c->supply.kit_under5;
	c->supply_params.kit_other = (uint8_t)c->supply.kit_adult;
	c->supply_params.kits_per_person = (uint32_t)c->supply.kits_per_person;
	c->supply_params.family_kits = c->supply.kit_family ? 1 : 0;
	c->supply_params.expiry_warn_days =
	    (uint32_t)c->supply.expiry_warn_days;
	c->supply_params.max_depot_distance_m = c->supply.max_depot_distance_m;
	return 0;
}

/* Expand and resolve every path and endpoint, then derive. 0, -1 (error
 * reported to L) or -2 (out of memory). */
static int
finalize(struct load *L, posko_config *c)
{
	int rc = 0, r;

	rc |= finish_path(L, c, &c->daemon.state_dir, 0, "daemon", "state_dir",
	                  1);
	rc |= finish_path(L, c, &c->daemon.runtime_dir, 0, "daemon",
	                  "runtime_dir", 1);
	if (rc != 0)
		return rc == -2 ? -2 : -1;
	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		int ep = k->type == K_ENDPOINT || k->type == K_OPTENDPOINT;

		if (k->type == K_PATHLIST) {
			char **v = *FIELD(c, k, char **);
			size_t n = *(size_t *)((char *)c + k->noff);

			for (size_t j = 0; j < n; j++)
				if ((r = finish_path(L, c, &v[j], 0, k->section,
				                     k->name, 0)) != 0)
					rc = r == -2 ? -2 : (rc ? rc : -1);
			continue;
		}
		if (k->type != K_PATH && k->type != K_OPTPATH && !ep)
			continue;
		if (k->off == OFF(daemon.state_dir) ||
		    k->off == OFF(daemon.runtime_dir))
			continue;
		if ((r = finish_path(L, c, FIELD(c, k, char *), ep, k->section,
		                     k->name, 0)) != 0)
			rc = r == -2 ? -2 : (rc ? rc : -1);
	}
	if (rc != 0)
		return rc;
	return cfg_derive(c) == 0 ? 0 : -2;
}

/* ---- public entry points ----------------------------------------------------
 */

posko_config *
config_default(void)
{
	posko_config *c = cfg_default_raw();

	if (c != NULL && finalize(NULL, c) != 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

int
config_validate(const posko_config *c, char *err, size_t errlen)
{
	return cfg_validate(c, NULL, NULL, NULL, err, errlen);
}

/* The directory relative paths are resolved against: the config file's,
 * made absolute with the working directory. NULL (with *oom clear) when
 * name has no directory and is not a file (config_load_string). */
static char *
base_dir(const char *name, int is_file, int *oom)
{
	const char *slash = name ? strrchr(name, '/') : NULL;
	char cwd[4096], *dir, *abs;

	*oom = 0;
	if (slash == NULL && !is_file)
		return NULL;
	if (slash == name)
		dir = cfg_strdup("/");
	else if (slash != NULL)
		dir = cfg_strdup_trim(name, (size_t)(slash - name));
	else
		dir = cfg_strdup(".");
	if (dir == NULL || dir[0] == '/') {
		*oom = dir == NULL;
		return dir;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		/* No usable working directory: keep paths as written. */
		free(dir);
		return NULL;
	}
	abs = malloc(strlen(cwd) + strlen(dir) + 2);
	if (abs == NULL) {
		*oom = 1;
	} else if (strcmp(dir, ".") == 0) {
		strcpy(abs, cwd);
	} else {
		sprintf(abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, dir);
	}
	free(dir);
	return abs;
}

static int
load_buffer(const char *buf, size_t len, const char *name, int is_file,
            posko_config **out, char *err, size_t errlen)
{
	struct load L;
	posko_config *c = NULL;
	char verr[512];
	int rc, oom;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.name = name ? name : "(string)";
	L.buf = buf;
	L.len = len;
	if (memchr(buf, '\0', len) != NULL) {
		rc = cfg_seterr(err, errlen, CONFIG_ESYNTAX,
		                "%s: not a text file (NUL byte)", L.name);
		goto out;
	}
	L.dir = base_dir(name, is_file, &oom);
	if (oom)
		goto oom;
	rc = ini_parse_stream(reader, &L, handler, &L);
	if (L.oom || rc == -2)
		goto oom;
	if (rc > 0)
		lerr(&L, rc, CONFIG_ESYNTAX,
		     "not a \"key = value\" line or a [section] header");
	if ((c = cfg_default_raw()) == NULL)
		goto oom;
	for (size_t i = 0; i < L.ne && !L.oom; i++)
		apply_entry(&L, c, &L.e[i]);
	if (L.oom)
		goto oom;
	if (L.nerr == 0) {
		rc = finalize(&L, c);
		if (rc == -2)
			goto oom;
	}
	if (L.nerr == 0 &&
	    cfg_validate(c, L.name, line_cb, &L, verr, sizeof(verr)) != 0) {
		/* cfg_validate formats its own FILE:LINE prefix. */
		rc = cfg_seterr(err, errlen, CONFIG_EVALUE, "%s", verr);
		goto out;
	}
	if (L.nerr > 0) {
		if (L.nerr > 1)
			rc = cfg_seterr(err, errlen, L.err_code,
			                "%s (+%zu more error%s)", L.err,
			                L.nerr - 1, L.nerr > 2 ? "s" : "");
		else
			rc = cfg_seterr(err, errlen, L.err_code, "%s", L.err);
		goto out;
	}
	if (name != NULL && (c->path = cfg_strdup(name)) == NULL)
		goto oom;
	*out = c;
	c = NULL;
	rc = CONFIG_OK;
	goto out;
oom:
	rc =
	    cfg_seterr(err, errlen, CONFIG_ENOMEM, "%s: out of memory", L.name);
out:
	config_free(c);
	load_clear(&L);
	return rc;
}

int
config_load_string(const char *text, const char *name, posko_config **out,
                   char *err, size_t errlen)
{
	if (out == NULL)
		return cfg_seterr(err, errlen, CONFIG_EVALUE, "no output");
	*out = NULL;
	if (text == NULL)
		return cfg_seterr(err, errlen, CONFIG_EVALUE, "no text");
	return load_buffer(text, strlen(text), name, 0, out, err, errlen);
}

int
config_load(const char *path, posko_config **out, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (out == NULL)
		return cfg_seterr(err, errlen, CONFIG_EVALUE, "no output");
	*out = NULL;
	if (path == NULL)
		return cfg_seterr(err, errlen, CONFIG_EVALUE, "no path");
	f = fopen(path, "r");
	if (f == NULL)
		return cfg_seterr(err, errlen, CONFIG_EIO, "%s: %s", path,
		                  strerror(errno));
	buf = malloc(CFG_MAX_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		return cfg_seterr(err, errlen, CONFIG_ENOMEM,
		                  "%s: out of memory", path);
	}
	len = fread(buf, 1, CFG_MAX_FILE + 1, f);
	if (ferror(f)) {
		rc = cfg_seterr(err, errlen, CONFIG_EIO, "%s: read error: %s",
		                path, strerror(errno));
		goto out;
	}
	if (len > CFG_MAX_FILE) {
		rc = cfg_seterr(err, errlen, CONFIG_EIO,
		                "%s: larger than %d bytes, not a config file",
		                path, CFG_MAX_FILE);
		goto out;
	}
	rc = load_buffer(buf, len, path, 1, out, err, errlen);
out:
	fclose(f);
	free(buf);
	return rc;
}

/* ---- lookups ----------------------------------------------------------------
 */

const struct config_gate_watch *
config_gate_watch(const posko_config *c, const char *gate, int siaga)
{
	if (c == NULL || gate == NULL)
		return NULL;
	for (size_t i = 0; i < c->gates.nwatch; i++)
		if (gate_cmp(c->gates.watch[i].gate, c->gates.watch[i].siaga,
		             gate, siaga) == 0)
			return &c->gates.watch[i];
	return NULL;
}

int
config_rw_state_severity(const posko_config *c, int state,
                         struct alloc_severity *out)
{
	if (c == NULL || out == NULL || state < 1 || state > 4)
		return CONFIG_EVALUE;
	out->kind = ALLOC_SEV_DEPTH_CM;
	out->value = c->rw_state_cm[state];
	return CONFIG_OK;
}

void
config_alloc_params(const posko_config *c, struct alloc_params *out)
{
	alloc_params_default(out);
	if (c == NULL)
		return;
	out->policy = c->policy;
	out->assign = c->assign;
	out->supply = c->supply_params;
}
