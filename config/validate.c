/*
 * config/validate.c - checking a whole posko_config: every field in range
 * and the rules that tie fields together (thresholds in order, endpoints
 * distinct and on loopback, the policy well formed). config_load() runs it
 * after parsing and names FILE:LINE of the key to blame; config_validate()
 * runs it on any config, e.g. one a test or tool built by hand.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/config_int.h"

struct vctx {
	const char *path;
	cfg_line_fn fn;
	void *fnctx;
	char *err;
	size_t errlen;
};

static int
line(struct vctx *v, const char *sec, const char *key)
{
	return v->fn ? v->fn(v->fnctx, sec, key) : 0;
}

static int verr(struct vctx *v, const char *sec, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "PATH:LINE: [sec] key: message" (parts left out when unknown). */
static int
verr(struct vctx *v, const char *sec, const char *key, const char *fmt, ...)
{
	char msg[300], where[300] = "";
	int ln = line(v, sec, key);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->path != NULL && ln > 0)
		snprintf(where, sizeof(where), "%s:%d: ", v->path, ln);
	else if (v->path != NULL)
		snprintf(where, sizeof(where), "%s: ", v->path);
	return cfg_seterr(v->err, v->errlen, CONFIG_EVALUE, "%s[%s] %s: %s",
	                  where, sec, key, msg);
}

/* The key to blame for a conflict between a and b: the one the file set
 * (the later one when both were). */
static const char *
blame(struct vctx *v, const char *sec, const char *a, const char *b)
{
	int la = line(v, sec, a), lb = line(v, sec, b);

	return (lb > la) ? b : a;
}

static int
check_fixed(struct vctx *v, const posko_config *c, const struct cfg_key *k)
{
	const void *p = (const char *)c + k->off;
	const char *s = NULL;
	char why[CFG_REASON_LEN];

	switch (k->type) {
	case K_INT: {
		int x = *(const int *)p;

		if (x < k->min || x > k->max)
			return verr(v, k->section, k->name,
			            "must be %s %.0f..%.0f, got %d", k->what,
			            k->min, k->max, x);
		return 0;
	}
	case K_DOUBLE: {
		double x = *(const double *)p;

		if (!isfinite(x) || x < k->min || x > k->max)
			return verr(v, k->section, k->name,
			            "must be %s %g..%g, got %g", k->what,
			            k->min, k->max, x);
		return 0;
	}
	case K_SIZE: {
		size_t x = *(const size_t *)p;

		if ((double)x < k->min || (double)x > k->max)
			return verr(v, k->section, k->name,
			            "must be %.0f..%.0f bytes, got %zu", k->min,
			            k->max, x);
		return 0;
	}
	case K_BOOL:
		if (*(const int *)p != 0 && *(const int *)p != 1)
			return verr(v, k->section, k->name,
			            "must be yes or no, got %d",
			            *(const int *)p);
		return 0;
	case K_LOGLEVEL:
		if (*(const int *)p < CONFIG_LOG_ERROR ||
		    *(const int *)p > CONFIG_LOG_DEBUG)
			return verr(v, k->section, k->name,
			            "must be error, warn, info or debug");
		return 0;
	case K_KIT: {
		int x = *(const int *)p;

		if (x != ALLOC_ITEM_KIT_ADULT && x != ALLOC_ITEM_KIT_CHILD &&
		    x != ALLOC_ITEM_KIT_INFANT)
			return verr(v, k->section, k->name,
			            "must be kit_adult, kit_child or "
			            "kit_infant, got item %d",
			            x);
		return 0;
	}
	case K_MODE: {
		unsigned m = *(const unsigned *)p;

		if (m > 0777)
			return verr(v, k->section, k->name,
			            "must be an octal file mode 0000..0777, "
			            "got %o",
			            m);
		if ((m & 0600) != 0600)
			return verr(v, k->section, k->name,
			            "must let the owner read and write "
			            "(0600), got %04o",
			            m);
		/* Anyone who can write a control socket can command the
		 * daemon: put desk users and displays in the group. */
		if (m & 0002)
			return verr(v, k->section, k->name,
			            "must not let others write (o+w); add "
			            "users to socket_group instead, got %04o",
			            m);
		return 0;
	}
	case K_CAPSTATUS:
		if (*(const unsigned *)p & ~0x1fu)
			return verr(v, k->section, k->name,
			            "has unknown status bits");
		return 0;
	case K_PATHLIST: {
		char *const *list = *(char *const *const *)p;
		size_t n = *(const size_t *)((const char *)c + k->noff);

		for (size_t i = 0; i < n; i++)
			if (list == NULL || list[i] == NULL ||
			    list[i][0] == '\0')
				return verr(v, k->section, k->name,
				            "must not have empty entries");
		return 0;
	}
	default:
		break;
	}
	s = *(const char *const *)p;
	switch (k->type) {
	case K_STR:
	case K_PATH:
	case K_ENDPOINT:
	case K_SENDER:
		if (s == NULL || *s == '\0')
			return verr(v, k->section, k->name,
			            "must not be empty");
		break;
	default:
		if (s == NULL)
			return 0;
	}
	if (k->type == K_SENDER && cfg_parse_sender(s, why) != 0)
		return verr(v, k->section, k->name, "%s, got %s", why, s);
	if (k->type == K_GROUP && cfg_parse_group(s, why) != 0)
		return verr(v, k->section, k->name, "%s, got %s", why, s);
	if ((k->type == K_ENDPOINT || k->type == K_OPTENDPOINT) &&
	    cfg_check_endpoint(s, c->bus.allow_remote, why) != 0) {
		/* A remote tcp:// is the endpoint's fault unless the file
		 * turned allow_remote off explicitly; blame the endpoint. */
		return verr(v, k->section, k->name, "%s, got %s", why, s);
	}
	return 0;
}

static int
check_daemon(struct vctx *v, const posko_config *c)
{
	if (c->daemon.state_dir[0] != '/')
		return verr(v, "daemon", "state_dir",
		            "must be an absolute path, got %s",
		            c->daemon.state_dir);
	if (c->daemon.runtime_dir[0] != '/')
		return verr(v, "daemon", "runtime_dir",
		            "must be an absolute path, got %s",
		            c->daemon.runtime_dir);
	return 0;
}

static int
check_bus(struct vctx *v, const posko_config *c)
{
	static const char *const names[] = {"ingest", "control",
	                                    "control_readonly", "events"};
	const char *eps[] = {c->bus.ingest, c->bus.control,
	                     c->bus.control_readonly, c->bus.events};

	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++) {
			const char *k, *other;

			if (eps[i] == NULL || eps[j] == NULL ||
			    strcmp(eps[i], eps[j]) != 0)
				continue;
			k = blame(v, "bus", names[i], names[j]);
			other = (k == names[i]) ? names[j] : names[i];
			return verr(v, "bus", k, "must differ from %s, got %s",
			            other, eps[i]);
		}
	return 0;
}

static int
check_alerts(struct vctx *v, const posko_config *c)
{
	const char *k;

	if (c->alerts.shelter_warn >= c->alerts.shelter_critical) {
		k = blame(v, "alerts", "shelter_warn", "shelter_critical");
		if (strcmp(k, "shelter_warn") == 0)
			return verr(v, "alerts", k,
			            "must be below shelter_critical (%d), got "
			            "%d",
			            c->alerts.shelter_critical,
			            c->alerts.shelter_warn);
		return verr(v, "alerts", k,
		            "must be above shelter_warn (%d), got %d",
		            c->alerts.shelter_warn, c->alerts.shelter_critical);
	}
	if (c->alerts.shelter_critical > c->alerts.shelter_full) {
		k = blame(v, "alerts", "shelter_critical", "shelter_full");
		if (strcmp(k, "shelter_critical") == 0)
			return verr(v, "alerts", k,
			            "must not be above shelter_full (%d), got "
			            "%d",
			            c->alerts.shelter_full,
			            c->alerts.shelter_critical);
		return verr(v, "alerts", k,
		            "must not be below shelter_critical (%d), got %d",
		            c->alerts.shelter_critical, c->alerts.shelter_full);
	}
	/* An alert clears below threshold - hysteresis: at or above the
	 * warning threshold itself it would never clear. */
	if (c->alerts.hysteresis >= c->alerts.shelter_warn)
		return verr(v, "alerts", "hysteresis",
		            "must be below shelter_warn (%d), got %d",
		            c->alerts.shelter_warn, c->alerts.hysteresis);
	return 0;
}

static int
check_policy(struct vctx *v, const posko_config *c)
{
	char why[256];

	if (alloc_policy_validate(&c->policy, why, sizeof(why)) != 0)
		return verr(v, "policy", "(rules)", "%s", why);
	for (int s = 1; s <= 4; s++) {
		char key[32];

		snprintf(key, sizeof(key), "rw_state%d_cm", s);
		if (c->rw_state_cm[s] < 0 || c->rw_state_cm[s] > 10000)
			return verr(v, "policy", key,
			            "must be a depth in cm 0..10000, got %d",
			            (int)c->rw_state_cm[s]);
		/* A higher PetaBencana state is deeper water. */
		if (s > 1 && c->rw_state_cm[s] < c->rw_state_cm[s - 1])
			return verr(v, "policy", key,
			            "must not be below rw_state%d_cm (%d), "
			            "got %d",
			            s - 1, (int)c->rw_state_cm[s - 1],
			            (int)c->rw_state_cm[s]);
	}
	return 0;
}

static int
check_cap(struct vctx *v, const posko_config *c)
{
	char key[24];

	if (c->cap.no_allocate & CONFIG_CAP_ACTUAL)
		return verr(v, "cap", "no_allocate",
		            "must not list Actual (real alerts always "
		            "allocate)");
	for (size_t i = 0; i < c->cap.nmap; i++) {
		const struct config_cap_rule *r = &c->cap.map[i];

		snprintf(key, sizeof(key), "map.%u", r->n);
		if (r->n < 1 || r->n > 9999 ||
		    (i > 0 && r->n <= c->cap.map[i - 1].n))
			return verr(v, "cap", key,
			            "rows must have n 1..9999, unique and "
			            "sorted");
		if (r->type < 0 || r->type >= ALLOC_INC_COUNT)
			return verr(v, "cap", key, "has an unknown type %d",
			            r->type);
		if (!r->sev_from_cap && r->sev.kind > ALLOC_SEV_EVACUATE)
			return verr(v, "cap", key,
			            "has an unknown severity kind %d",
			            r->sev.kind);
	}
	return 0;
}

static int
check_feed(struct vctx *v, const posko_config *c)
{
	/* Under a minute the sitrep is noise on the bus, not a report. */
	if (c->feed.sitrep_interval_s != 0 && c->feed.sitrep_interval_s < 60)
		return verr(v, "feed", "sitrep_interval_s",
		            "must be 0 (off) or 60..86400 seconds, got %d",
		            c->feed.sitrep_interval_s);
	return 0;
}

static int
check_gates(struct vctx *v, const posko_config *c)
{
	for (size_t i = 0; i < c->gates.nwatch; i++) {
		const struct config_gate_watch *w = &c->gates.watch[i];
		char key[200];

		snprintf(key, sizeof(key), "%s.siaga%d", w->gate ? w->gate : "",
		         w->siaga);
		if (w->gate == NULL || w->gate[0] == '\0' ||
		    strpbrk(w->gate, "=:;\n") != NULL || w->gate[0] == '[' ||
		    w->gate[0] == '#')
			return verr(v, "gates", key,
			            "must name a gate without = : ; and not "
			            "starting with [ or #");
		if (w->siaga < 1 || w->siaga > 4)
			return verr(v, "gates", key,
			            "must be a Siaga level 1..4");
		if (w->nkelurahan == 0 || w->kelurahan == NULL)
			return verr(v, "gates", key,
			            "must list at least one kelurahan");
		for (size_t j = 0; j < w->nkelurahan; j++)
			if (w->kelurahan[j] < 1000000000u)
				return verr(v, "gates", key,
				            "must list 10-digit kelurahan "
				            "codes, got %u",
				            w->kelurahan[j]);
	}
	return 0;
}

static int
check_derived(struct vctx *v, const posko_config *c)
{
	char why[256];

	if (c->daemon.db_path == NULL)
		return verr(v, "daemon", "state_dir",
		            "has no derived db_path (call cfg_derive)");
	if (alloc_assign_params_validate(&c->assign, why, sizeof(why)) != 0)
		return verr(v, "shelter", "max_distance_m", "%s", why);
	if (alloc_supply_params_validate(&c->supply_params, why, sizeof(why)) !=
	    0)
		return verr(v, "supply", "emergency_days", "%s", why);
	return 0;
}

int
cfg_validate(const posko_config *c, const char *path, cfg_line_fn fn, void *ctx,
             char *err, size_t errlen)
{
	struct vctx v = {path, fn, ctx, err, errlen};
	int rc;

	if (c == NULL)
		return cfg_seterr(err, errlen, CONFIG_EVALUE, "no config");
	for (size_t i = 0; i < cfg_nkeys; i++)
		if ((rc = check_fixed(&v, c, &cfg_keys[i])) != 0)
			return rc;
	if ((rc = check_daemon(&v, c)) != 0 || (rc = check_bus(&v, c)) != 0 ||
	    (rc = check_alerts(&v, c)) != 0 ||
	    (rc = check_policy(&v, c)) != 0 || (rc = check_cap(&v, c)) != 0 ||
	    (rc = check_feed(&v, c)) != 0 || (rc = check_gates(&v, c)) != 0 ||
	    (rc = check_derived(&v, c)) != 0)
		return rc;
	return CONFIG_OK;
}
