/*
 * config/value.c - parsing and formatting single config values: numbers,
 * booleans, sizes, modes, class sets, lists, endpoints and the names of
 * types, kits, hazards and levels.
 *
 * Every parser takes the trimmed value text and returns 0, or -1 with a
 * reason "must be ..." in `why` (CFG_REASON_LEN bytes); the caller adds
 * FILE:LINE, the key and ", got VALUE".
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

int
cfg_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void why_set(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why_set(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, CFG_REASON_LEN, fmt, ap);
	va_end(ap);
}

char *
cfg_strdup(const char *s)
{
	size_t n;
	char *d;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	d = malloc(n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

char *
cfg_strdup_trim(const char *s, size_t n)
{
	char *d;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

int
cfg_strcaseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

int
cfg_glob(const char *pat, const char *s)
{
	/* Iterative matcher with one backtrack point: linear enough for
	 * the short CAP element values it sees. */
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' ||
		           (*pat != '\0' && tolower((unsigned char)*pat) ==
		                                tolower((unsigned char)*s))) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* ---- numbers ------------------------------------------------------------ */

int
cfg_parse_int(const char *s, long min, long max, const char *what, int *out,
              char *why)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max) {
		why_set(why, "must be %s %ld..%ld", what ? what : "an integer",
		        min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
cfg_parse_double(const char *s, double min, double max, const char *what,
                 double *out, char *why)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < min ||
	    v > max) {
		why_set(why, "must be %s %g..%g", what ? what : "a number", min,
		        max);
		return -1;
	}
	*out = v;
	return 0;
}

int
cfg_parse_bool(const char *s, int *out, char *why)
{
	static const char *const yes[] = {"yes", "on", "true", "1"};
	static const char *const no[] = {"no", "off", "false", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (cfg_strcaseeq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (cfg_strcaseeq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	why_set(why, "must be yes or no (on/off, true/false, 1/0)");
	return -1;
}

int
cfg_parse_size(const char *s, double min, double max, size_t *out, char *why)
{
	char *end;
	unsigned long long v;
	double mult = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0 || !isdigit((unsigned char)*s))
		goto bad;
	while (*end == ' ')
		end++;
	if (*end != '\0') {
		char u = (char)toupper((unsigned char)*end);

		if (u == 'K')
			mult = 1024.0;
		else if (u == 'M')
			mult = 1024.0 * 1024;
		else if (u == 'G')
			mult = 1024.0 * 1024 * 1024;
		else if (u != 'B')
			goto bad;
		if (u != 'B') {
			end++;
			if (cfg_strcaseeq(end, "ib"))
				end += 2;
			else if (cfg_strcaseeq(end, "b"))
				end += 1;
		} else {
			end++;
		}
		if (*end != '\0')
			goto bad;
	}
	if ((double)v * mult < min || (double)v * mult > max)
		goto bad;
	*out = (size_t)((double)v * mult);
	return 0;
bad:
	why_set(why, "must be a size %.0fKiB..%.0fMiB (bytes, or with K, M, G)",
	        min / 1024, max / (1024 * 1024));
	return -1;
}

int
cfg_parse_mode(const char *s, unsigned *out, char *why)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (end == s || *end != '\0' || errno != 0 || v > 0777 ||
	    !isdigit((unsigned char)*s)) {
		why_set(why, "must be an octal file mode 0000..0777");
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* ---- names -------------------------------------------------------------- */

static const char *const log_names[] = {"error", "warn", "info", "debug"};

const char *
config_log_level_name(int level)
{
	if (level < 0 || level > CONFIG_LOG_DEBUG)
		return "?";
	return log_names[level];
}

int
cfg_parse_loglevel(const char *s, int *out, char *why)
{
	for (int i = 0; i <= CONFIG_LOG_DEBUG; i++)
		if (cfg_strcaseeq(s, log_names[i])) {
			*out = i;
			return 0;
		}
	why_set(why, "must be error, warn, info or debug");
	return -1;
}

/* Same order and spelling as alloc/policy.h (a test checks it). */
static const char *const type_names[ALLOC_INC_COUNT] = {
    "flood", "fire", "collapse", "extreme_weather", "earthquake", "other"};

const char *
cfg_type_name(int type)
{
	if (type < 0 || type >= ALLOC_INC_COUNT)
		return "?";
	return type_names[type];
}

int
cfg_type_parse(const char *s)
{
	for (int i = 0; i < ALLOC_INC_COUNT; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

static const char *const hazard_names[] = {"none", "flood", "fire"};

const char *
cfg_hazard_name(int hazard)
{
	if (hazard < 0 || hazard > ALLOC_HAZARD_FIRE)
		return "?";
	return hazard_names[hazard];
}

int
cfg_hazard_parse(const char *s)
{
	for (int i = 0; i <= ALLOC_HAZARD_FIRE; i++)
		if (cfg_strcaseeq(s, hazard_names[i]))
			return i;
	return -1;
}

static const char *const level_names[] = {"?", "minor", "moderate", "severe",
                                          "extreme"};

const char *
cfg_level_name(int level)
{
	if (level < ALLOC_LEVEL_MINOR || level > ALLOC_LEVEL_EXTREME)
		return "?";
	return level_names[level];
}

int
cfg_level_parse(const char *s)
{
	for (int i = ALLOC_LEVEL_MINOR; i <= ALLOC_LEVEL_EXTREME; i++)
		if (cfg_strcaseeq(s, level_names[i]))
			return i;
	return -1;
}

/* Stock item names of HACKING.md; only kits are valid here. */
const char *
cfg_kit_name(int item)
{
	switch (item) {
	case -1:
		return "none";
	case ALLOC_ITEM_KIT_ADULT:
		return "kit_adult";
	case ALLOC_ITEM_KIT_CHILD:
		return "kit_child";
	case ALLOC_ITEM_KIT_INFANT:
		return "kit_infant";
	default:
		return "?";
	}
}

int
cfg_parse_kit(const char *s, int *out, char *why)
{
	/* No "none": alloc gives every person a kit; kits_per_person = 0
	 * turns person kits off. */
	static const int kits[] = {ALLOC_ITEM_KIT_ADULT, ALLOC_ITEM_KIT_CHILD,
	                           ALLOC_ITEM_KIT_INFANT};

	for (size_t i = 0; i < sizeof(kits) / sizeof(kits[0]); i++)
		if (strcmp(s, cfg_kit_name(kits[i])) == 0) {
			*out = kits[i];
			return 0;
		}
	why_set(why, "must be kit_adult, kit_child or kit_infant");
	return -1;
}

static const struct {
	const char *name;
	unsigned bit;
} cap_statuses[] = {
    {"Actual", CONFIG_CAP_ACTUAL}, {"Exercise", CONFIG_CAP_EXERCISE},
    {"System", CONFIG_CAP_SYSTEM}, {"Test", CONFIG_CAP_TEST},
    {"Draft", CONFIG_CAP_DRAFT},
};
#define NCAPSTATUS (sizeof(cap_statuses) / sizeof(cap_statuses[0]))

int
cfg_parse_capstatus(const char *s, unsigned *out, char *why)
{
	char **v = NULL;
	long n = cfg_split(s, 1, &v);
	unsigned bits = 0;
	size_t j;

	if (n < 0) {
		why_set(why, "out of memory");
		return -1;
	}
	for (long i = 0; i < n; i++) {
		for (j = 0; j < NCAPSTATUS; j++)
			if (cfg_strcaseeq(v[i], cap_statuses[j].name))
				break;
		if (j == NCAPSTATUS) {
			why_set(why,
			        "must list CAP statuses (Exercise, System, "
			        "Test, Draft), not '%.40s'",
			        v[i]);
			cfg_strv_free(v, (size_t)n);
			return -1;
		}
		bits |= cap_statuses[j].bit;
	}
	cfg_strv_free(v, (size_t)n);
	*out = bits;
	return 0;
}

void
cfg_format_capstatus(unsigned bits, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t j = 0; j < NCAPSTATUS; j++) {
		if (!(bits & cap_statuses[j].bit))
			continue;
		used += (size_t)snprintf(
		    buf + used, used < len ? len - used : 0, "%s%s",
		    used ? ", " : "", cap_statuses[j].name);
	}
}

int
config_cap_status_allocates(const posko_config *c, const char *status)
{
	if (c == NULL || status == NULL)
		return CONFIG_EVALUE;
	for (size_t j = 0; j < NCAPSTATUS; j++)
		if (strcmp(status, cap_statuses[j].name) == 0)
			return (c->cap.no_allocate & cap_statuses[j].bit) ? 0
			                                                  : 1;
	return CONFIG_EVALUE;
}

int
cfg_parse_group(const char *s, char *why)
{
	size_t n = strlen(s);

	/* The portable user/group name set (POSIX 3.437), as useradd takes. */
	if (n == 0 || n > 32 || s[0] == '-')
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			goto bad;
	return 0;
bad:
	why_set(why, "must be a group name (letters, digits, _ . -; "
	             "at most 32)");
	return -1;
}

int
cfg_parse_sender(const char *s, char *why)
{
	/* CAP 1.2 <sender>: "MUST NOT include spaces, commas or restricted
	 * characters (< and &)". */
	if (*s == '\0' || strpbrk(s, " \t,<&") != NULL) {
		why_set(why, "must be a CAP sender without spaces, commas, "
		             "< or &");
		return -1;
	}
	return 0;
}

/* ---- class sets -----------------------------------------------------------
 */

static const struct {
	const char *name;
	alloc_classmask bits;
} class_words[] = {
    {"high", ALLOC_CLASSBIT(ALLOC_CLASS_HIGH)},
    {"medium", ALLOC_CLASSBIT(ALLOC_CLASS_MEDIUM)},
    {"low", ALLOC_CLASSBIT(ALLOC_CLASS_LOW)},
    {"unzoned", ALLOC_CLASSBIT(ALLOC_CLASS_NONE)},
    {"tinggi", ALLOC_CLASSBIT(ALLOC_CLASS_HIGH)},
    {"sedang", ALLOC_CLASSBIT(ALLOC_CLASS_MEDIUM)},
    {"rendah", ALLOC_CLASSBIT(ALLOC_CLASS_LOW)},
};
#define NCLASSWORDS (sizeof(class_words) / sizeof(class_words[0]))

int
cfg_parse_classes(const char *s, alloc_classmask *out, char *why)
{
	char **v = NULL;
	long n = cfg_split(s, 1, &v);
	alloc_classmask m = 0;
	int special = 0;
	size_t j;

	if (n < 0) {
		why_set(why, "out of memory");
		return -1;
	}
	if (n == 0)
		goto bad;
	for (long i = 0; i < n; i++) {
		if (cfg_strcaseeq(v[i], "none") || cfg_strcaseeq(v[i], "all")) {
			special = 1;
			m = cfg_strcaseeq(v[i], "all") ? ALLOC_CLASSES_ALL
			                               : ALLOC_CLASSES_NONE;
			continue;
		}
		for (j = 0; j < NCLASSWORDS; j++)
			if (cfg_strcaseeq(v[i], class_words[j].name))
				break;
		if (j == NCLASSWORDS)
			goto bad;
		m |= class_words[j].bits;
	}
	/* "none" or "all" stands alone: "none, high" is a typo, not a set. */
	if (special && n > 1)
		goto bad;
	cfg_strv_free(v, (size_t)n);
	*out = m;
	return 0;
bad:
	cfg_strv_free(v, n > 0 ? (size_t)n : 0);
	why_set(why, "must be none, all, or a list of high, medium, low, "
	             "unzoned");
	return -1;
}

void
cfg_format_classes(alloc_classmask m, char *buf, size_t len)
{
	size_t used = 0;

	if (m == ALLOC_CLASSES_NONE) {
		snprintf(buf, len, "none");
		return;
	}
	if (m == ALLOC_CLASSES_ALL) {
		snprintf(buf, len, "all");
		return;
	}
	buf[0] = '\0';
	for (size_t j = 0; j < 4; j++) {
		if (!(m & class_words[j].bits))
			continue;
		used += (size_t)snprintf(buf + used,
		                         used < len ? len - used : 0, "%s%s",
		                         used ? ", " : "", class_words[j].name);
	}
}

/* ---- lists ----------------------------------------------------------------
 */

void
cfg_strv_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

long
cfg_split(const char *s, int blank_sep, char ***out)
{
	const char *seps = blank_sep ? ",\n \t" : ",\n";
	char **v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	while (*s != '\0') {
		size_t len = strcspn(s, seps);
		char *item;

		if (len > 0) {
			item = cfg_strdup_trim(s, len);
			if (item == NULL)
				goto oom;
			if (*item == '\0') {
				free(item);
			} else {
				if (n + 2 > cap) {
					size_t nc = cap ? cap * 2 : 8;
					char **nv =
					    realloc(v, nc * sizeof(*nv));

					if (nv == NULL) {
						free(item);
						goto oom;
					}
					v = nv;
					cap = nc;
				}
				v[n++] = item;
				v[n] = NULL;
			}
		}
		s += len;
		if (*s != '\0')
			s++;
	}
	*out = v;
	return (long)n;
oom:
	cfg_strv_free(v, n);
	return -1;
}

/* ---- endpoints ------------------------------------------------------------
 */

/* 108 bytes of sockaddr_un.sun_path on Linux, NUL included. */
#define CFG_SUN_PATH_MAX 108

static int
host_is_loopback(const char *host)
{
	unsigned char a4[4], a6[16];

	if (cfg_strcaseeq(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, a4) == 1)
		return a4[0] == 127; /* 127.0.0.0/8 (RFC 1122) */
	if (inet_pton(AF_INET6, host, a6) == 1) {
		static const unsigned char lo[16] = {[15] = 1};

		return memcmp(a6, lo, 16) == 0;
	}
	return 0;
}

int
cfg_check_endpoint(const char *ep, int allow_remote, char *why)
{
	const char *rest, *colon, *p;
	char host[256];
	size_t hlen;
	long port;

	if (strncmp(ep, "ipc://", 6) == 0) {
		rest = ep + 6;
		if (*rest == '\0') {
			why_set(why, "must name a socket path after ipc://");
			return -1;
		}
		if (strlen(rest) >= CFG_SUN_PATH_MAX) {
			why_set(why,
			        "must be an ipc path shorter than %d bytes "
			        "(the Unix socket limit)",
			        CFG_SUN_PATH_MAX);
			return -1;
		}
		return 0;
	}
	if (strncmp(ep, "tcp://", 6) == 0)
		rest = ep + 6;
	else if (strncmp(ep, "ws://", 5) == 0)
		rest = ep + 5;
	else {
		why_set(why, "must be ipc://PATH, tcp://HOST:PORT or "
		             "ws://HOST:PORT[/PATH]");
		return -1;
	}
	if (rest[0] == '[') { /* [IPv6]:port */
		p = strchr(rest, ']');
		if (p == NULL || p[1] != ':')
			goto badhost;
		hlen = (size_t)(p - rest - 1);
		if (hlen >= sizeof(host))
			goto badhost;
		memcpy(host, rest + 1, hlen);
		colon = p + 1;
	} else {
		colon = strchr(rest, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL ||
		    memchr(rest, ';', (size_t)(colon - rest)) != NULL)
			goto badhost;
		hlen = (size_t)(colon - rest);
		if (hlen >= sizeof(host))
			goto badhost;
		memcpy(host, rest, hlen);
	}
	host[hlen] = '\0';
	if (hlen == 0)
		goto badhost;
	port = 0;
	for (p = colon + 1; isdigit((unsigned char)*p) && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	if (p == colon + 1 || port < 1 || port > 65535 ||
	    (*p != '\0' && !(*p == '/' && strncmp(ep, "ws://", 5) == 0))) {
		why_set(why, "must end in a port 1..65535");
		return -1;
	}
	if (!allow_remote && !host_is_loopback(host)) {
		why_set(why, "must be on loopback (127.0.0.1, ::1, localhost) "
		             "unless [bus] allow_remote = yes");
		return -1;
	}
	return 0;
badhost:
	why_set(why, "must be HOST:PORT after the scheme ([ADDR]:PORT for "
	             "IPv6)");
	return -1;
}
