/*
 * config/cap.c - the CAP mapping table of [cap]: from the <info> elements of
 * a CAP 1.2 alert to an incident type and severity.
 *
 * A row is "map.<n> = CONDITIONS -> RESULT":
 *   CONDITIONS  "*" (any alert) or one or more FIELD=PATTERN, FIELD one of
 *               category, event, severity, urgency, certainty; PATTERN a
 *               case-insensitive glob ('*', '?'), in double quotes when it
 *               holds blanks: event="Banjir Rob*"
 *   RESULT      type=TYPE [severity=SPEC], TYPE an incident type, SPEC one
 *               of cap (the default: CAP <severity> as a level), unspecified,
 *               evacuate, level:minor..extreme, siaga:1..4, depth:CM
 * Rows are tried in increasing n; the first whose conditions all hold wins.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

enum { F_CATEGORY, F_EVENT, F_SEVERITY, F_URGENCY, F_CERTAINTY, F_COUNT };

static const char *const field_names[F_COUNT] = {
    "category", "event", "severity", "urgency", "certainty"};

static char **
rule_field(struct config_cap_rule *r, int f)
{
	switch (f) {
	case F_CATEGORY:
		return &r->category;
	case F_EVENT:
		return &r->event;
	case F_SEVERITY:
		return &r->severity;
	case F_URGENCY:
		return &r->urgency;
	default:
		return &r->certainty;
	}
}

static const char *
rule_cfield(const struct config_cap_rule *r, int f)
{
	return *rule_field((struct config_cap_rule *)r, f);
}

void
cfg_cap_rule_clear(struct config_cap_rule *r)
{
	for (int f = 0; f < F_COUNT; f++) {
		free(*rule_field(r, f));
		*rule_field(r, f) = NULL;
	}
}

int
cfg_cap_rule_copy(struct config_cap_rule *dst,
                  const struct config_cap_rule *src)
{
	*dst = *src;
	for (int f = 0; f < F_COUNT; f++) {
		const char *s = rule_cfield(src, f);

		*rule_field(dst, f) = NULL;
		if (s != NULL &&
		    (*rule_field(dst, f) = cfg_strdup(s)) == NULL) {
			cfg_cap_rule_clear(dst);
			return -1;
		}
	}
	return 0;
}

/* Next blank-separated token of *sp into tok (quotes removed), 1 when one
 * was read, 0 at the end, -1 on an unterminated quote or overlong token. */
static int
next_token(const char **sp, char *tok, size_t len, int *quoted)
{
	const char *s = *sp;
	size_t n = 0;
	int inq = 0;

	*quoted = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	while (*s != '\0' && (inq || !isspace((unsigned char)*s))) {
		if (*s == '"') {
			inq = !inq;
			*quoted = 1;
			s++;
			continue;
		}
		if (n + 1 >= len)
			return -1;
		tok[n++] = *s++;
	}
	if (inq)
		return -1;
	tok[n] = '\0';
	*sp = s;
	return 1;
}

static int
parse_sev_spec(const char *v, struct config_cap_rule *r)
{
	char *end;
	long n;

	r->sev_from_cap = 0;
	r->sev.kind = ALLOC_SEV_NONE;
	r->sev.value = 0;
	if (strcmp(v, "cap") == 0) {
		r->sev_from_cap = 1;
		return 0;
	}
	if (strcmp(v, "unspecified") == 0)
		return 0;
	if (strcmp(v, "evacuate") == 0) {
		r->sev.kind = ALLOC_SEV_EVACUATE;
		r->sev.value = 1;
		return 0;
	}
	if (strncmp(v, "level:", 6) == 0) {
		int l = cfg_level_parse(v + 6);

		if (l < 0)
			return -1;
		r->sev.kind = ALLOC_SEV_LEVEL;
		r->sev.value = l;
		return 0;
	}
	if (strncmp(v, "siaga:", 6) == 0 || strncmp(v, "depth:", 6) == 0) {
		int siaga = v[0] == 's';

		n = strtol(v + 6, &end, 10);
		if (end == v + 6 || *end != '\0' ||
		    (siaga && (n < 1 || n > 4)) ||
		    (!siaga && (n < 0 || n > 10000)))
			return -1;
		r->sev.kind = siaga ? ALLOC_SEV_SIAGA : ALLOC_SEV_DEPTH_CM;
		r->sev.value = (int32_t)n;
		return 0;
	}
	return -1;
}

static int
parse_condition(const char *tok, struct config_cap_rule *r, char *why)
{
	const char *eq = strchr(tok, '=');
	int f;

	for (f = 0; f < F_COUNT && eq != NULL; f++)
		if (strlen(field_names[f]) == (size_t)(eq - tok) &&
		    strncmp(tok, field_names[f], (size_t)(eq - tok)) == 0)
			break;
	if (eq == NULL || f == F_COUNT) {
		snprintf(why, CFG_REASON_LEN,
		         "must have conditions FIELD=PATTERN with FIELD "
		         "category, event, severity, urgency or certainty, "
		         "not '%.30s'",
		         tok);
		return -1;
	}
	if (eq[1] == '\0' || *rule_field(r, f) != NULL) {
		snprintf(why, CFG_REASON_LEN,
		         "must give %s a non-empty pattern, once",
		         field_names[f]);
		return -1;
	}
	*rule_field(r, f) = cfg_strdup(eq + 1);
	if (*rule_field(r, f) == NULL) {
		snprintf(why, CFG_REASON_LEN, "out of memory");
		return -1;
	}
	return 0;
}

static int
parse_result(const char *tok, struct config_cap_rule *r, int *have_type,
             int *have_sev, char *why)
{
	if (strncmp(tok, "type=", 5) == 0 && !*have_type) {
		r->type = cfg_type_parse(tok + 5);
		if (r->type < 0) {
			snprintf(why, CFG_REASON_LEN,
			         "must map to type=flood, fire, collapse, "
			         "extreme_weather, earthquake or other, not "
			         "'%.30s'",
			         tok + 5);
			return -1;
		}
		*have_type = 1;
		return 0;
	}
	if (strncmp(tok, "severity=", 9) == 0 && !*have_sev) {
		if (parse_sev_spec(tok + 9, r) != 0) {
			snprintf(why, CFG_REASON_LEN,
			         "must have severity=cap, unspecified, "
			         "evacuate, level:minor..extreme, "
			         "siaga:1..4 or depth:CM, not '%.30s'",
			         tok + 9);
			return -1;
		}
		*have_sev = 1;
		return 0;
	}
	snprintf(why, CFG_REASON_LEN,
	         "must have a result type=TYPE [severity=SPEC] (each once), "
	         "not '%.30s'",
	         tok);
	return -1;
}

int
cfg_cap_rule_parse(const char *s, struct config_cap_rule *r, char *why)
{
	char tok[256];
	int rc, quoted, right = 0, any = 0, nconds = 0;
	int have_type = 0, have_sev = 0;
	unsigned n = r->n;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->sev_from_cap = 1;
	while ((rc = next_token(&s, tok, sizeof(tok), &quoted)) == 1) {
		if (!quoted && strcmp(tok, "->") == 0 && !right) {
			right = 1;
			continue;
		}
		if (!right && !quoted && strcmp(tok, "*") == 0) {
			any = 1;
			continue;
		}
		rc = right ? parse_result(tok, r, &have_type, &have_sev, why)
		           : parse_condition(tok, r, why);
		if (rc != 0)
			goto fail;
		nconds += !right;
	}
	if (rc < 0) {
		snprintf(why, CFG_REASON_LEN,
		         "must close its quotes and keep tokens under 256 "
		         "characters");
		goto fail;
	}
	if (!right || !have_type || (any && nconds > 0) ||
	    (!any && nconds == 0)) {
		snprintf(why, CFG_REASON_LEN,
		         "must be CONDITIONS -> type=TYPE [severity=SPEC], "
		         "CONDITIONS '*' or FIELD=PATTERN ...");
		goto fail;
	}
	if (!have_sev)
		r->sev_from_cap = 1;
	return 0;
fail:
	cfg_cap_rule_clear(r);
	return -1;
}

char *
cfg_cap_rule_format(const struct config_cap_rule *r)
{
	char buf[1024], sev[48];
	size_t used = 0;

	buf[0] = '\0';
	for (int f = 0; f < F_COUNT; f++) {
		const char *p = rule_cfield(r, f);

		if (p == NULL)
			continue;
		used += (size_t)snprintf(
		    buf + used, used < sizeof(buf) ? sizeof(buf) - used : 0,
		    strpbrk(p, " \t") ? "%s=\"%s\" " : "%s=%s ", field_names[f],
		    p);
	}
	if (used == 0)
		used = (size_t)snprintf(buf, sizeof(buf), "* ");
	if (r->sev_from_cap)
		snprintf(sev, sizeof(sev), "cap");
	else if (r->sev.kind == ALLOC_SEV_EVACUATE)
		snprintf(sev, sizeof(sev), "evacuate");
	else if (r->sev.kind == ALLOC_SEV_LEVEL)
		snprintf(sev, sizeof(sev), "level:%s",
		         cfg_level_name(r->sev.value));
	else if (r->sev.kind == ALLOC_SEV_SIAGA)
		snprintf(sev, sizeof(sev), "siaga:%d", (int)r->sev.value);
	else if (r->sev.kind == ALLOC_SEV_DEPTH_CM)
		snprintf(sev, sizeof(sev), "depth:%d", (int)r->sev.value);
	else
		snprintf(sev, sizeof(sev), "unspecified");
	if (used < sizeof(buf))
		snprintf(buf + used, sizeof(buf) - used,
		         "-> type=%s severity=%s", cfg_type_name(r->type), sev);
	return cfg_strdup(buf);
}

const struct config_cap_rule *
config_cap_match(const posko_config *c, const char *category, const char *event,
                 const char *severity, const char *urgency,
                 const char *certainty)
{
	const char *v[F_COUNT] = {category, event, severity, urgency,
	                          certainty};

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < c->cap.nmap; i++) {
		const struct config_cap_rule *r = &c->cap.map[i];
		int f;

		for (f = 0; f < F_COUNT; f++) {
			const char *p = rule_cfield(r, f);

			if (p == NULL)
				continue;
			if (v[f] == NULL || v[f][0] == '\0' ||
			    !cfg_glob(p, v[f]))
				break;
		}
		if (f == F_COUNT)
			return r;
	}
	return NULL;
}

int
config_cap_severity(const struct config_cap_rule *r, const char *cap_severity,
                    struct alloc_severity *out)
{
	/* CAP 1.2 <severity> codes, mildest first, as alloc levels. */
	static const char *const words[] = {"Minor", "Moderate", "Severe",
	                                    "Extreme"};

	if (r == NULL || out == NULL)
		return CONFIG_EVALUE;
	if (!r->sev_from_cap) {
		*out = r->sev;
		return CONFIG_OK;
	}
	if (cap_severity == NULL)
		return CONFIG_EVALUE;
	if (cfg_strcaseeq(cap_severity, "Unknown")) {
		out->kind = ALLOC_SEV_NONE;
		out->value = 0;
		return CONFIG_OK;
	}
	for (int i = 0; i < 4; i++)
		if (cfg_strcaseeq(cap_severity, words[i])) {
			out->kind = ALLOC_SEV_LEVEL;
			out->value = ALLOC_LEVEL_MINOR + i;
			return CONFIG_OK;
		}
	return CONFIG_EVALUE;
}
