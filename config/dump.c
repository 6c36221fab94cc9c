/*
 * config/dump.c - the effective configuration as INI text
 * (`poskod --check-config --print`).
 *
 * The text loads back to the same configuration: every key is written,
 * '%' in paths is written as "%%", long lists go on indented continuation
 * lines, and a default depth band, CAP row or gate watch that the config
 * removed is written as an empty value (which removes it again).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "geo/geo.h"

/* Lists longer than this go one item per continuation line; inih's line
 * buffer holds 196 characters. */
#define WRAP 100

static void
put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			fputc('%', f);
		fputc(*s, f);
	}
}

static void
put_double(FILE *f, double x)
{
	char buf[40];

	if (x == floor(x) && fabs(x) < 1e15) {
		fprintf(f, "%.0f", x);
		return;
	}
	/* The shortest text that reads back as the same double. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	fputs(buf, f);
}

static void
put_size(FILE *f, size_t x)
{
	static const char *const units[] = {"GiB", "MiB", "KiB"};
	size_t div = (size_t)1 << 30;

	for (int i = 0; i < 3; i++, div >>= 10)
		if (x >= div && x % div == 0) {
			fprintf(f, "%zu%s", x / div, units[i]);
			return;
		}
	fprintf(f, "%zu", x);
}

/* "key = a, b, c", or on indented continuation lines when long. */
static void
put_list(FILE *f, const char *key, char *const *items, size_t n, int escape)
{
	size_t total = strlen(key) + 2, col = 0;
	int wrap;

	for (size_t i = 0; i < n; i++)
		total += strlen(items[i]) + 2;
	wrap = total > WRAP;
	fprintf(f, "%s =", key);
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(items[i]) + 2;

		if (wrap && (i == 0 || col + w > WRAP)) {
			fputs(i == 0 ? "\n\t" : ",\n\t", f);
			col = 8;
		} else {
			fputs(i == 0 ? " " : ", ", f);
		}
		col += w;
		if (escape)
			put_escaped(f, items[i]);
		else
			fputs(items[i], f);
	}
	fputc('\n', f);
}

static void
put_fixed(FILE *f, const posko_config *c, const struct cfg_key *k)
{
	const void *p = (const char *)c + k->off;
	char buf[128];

	if (k->type == K_PATHLIST) {
		put_list(f, k->name, *(char *const *const *)p,
		         *(const size_t *)((const char *)c + k->noff), 1);
		return;
	}
	fprintf(f, "%s =", k->name);
	switch (k->type) {
	case K_STR:
	case K_OPTSTR:
	case K_GROUP:
	case K_SENDER:
		if (*(char *const *)p != NULL)
			fprintf(f, " %s", *(char *const *)p);
		break;
	case K_PATH:
	case K_OPTPATH:
	case K_ENDPOINT:
	case K_OPTENDPOINT:
		if (*(char *const *)p != NULL) {
			fputc(' ', f);
			put_escaped(f, *(char *const *)p);
		}
		break;
	case K_CAPSTATUS:
		cfg_format_capstatus(*(const unsigned *)p, buf, sizeof(buf));
		if (buf[0] != '\0')
			fprintf(f, " %s", buf);
		break;
	default:
		fputc(' ', f);
		break;
	}
	switch (k->type) {
	case K_INT:
		fprintf(f, "%d", *(const int *)p);
		break;
	case K_DOUBLE:
		put_double(f, *(const double *)p);
		break;
	case K_BOOL:
		fputs(*(const int *)p ? "yes" : "no", f);
		break;
	case K_LOGLEVEL:
		fputs(config_log_level_name(*(const int *)p), f);
		break;
	case K_SIZE:
		put_size(f, *(const size_t *)p);
		break;
	case K_MODE:
		fprintf(f, "%04o", *(const unsigned *)p);
		break;
	case K_KIT:
		fputs(cfg_kit_name(*(const int *)p), f);
		break;
	default:
		break;
	}
	fputc('\n', f);
}

static void
put_classes(FILE *f, const char *type, const char *what, alloc_classmask m)
{
	char buf[64];

	cfg_format_classes(m, buf, sizeof(buf));
	fprintf(f, "%s.%s = %s\n", type, what, buf);
}

static int
has_band(const struct alloc_policy_rule *r, int32_t cm)
{
	for (int i = 0; i < r->ndepth; i++)
		if (r->depth[i].min_cm == cm)
			return 1;
	return 0;
}

static void
put_policy(FILE *f, const posko_config *c, const posko_config *def)
{
	char what[32], buf[64];

	for (int t = 0; t < ALLOC_INC_COUNT; t++) {
		const struct alloc_policy_rule *r = &c->policy.rule[t];
		const struct alloc_policy_rule *d = &def->policy.rule[t];
		const char *tn = cfg_type_name(t);

		fprintf(f, "%s.hazard = %s\n", tn, cfg_hazard_name(r->hazard));
		for (int s = 1; s <= 4; s++) {
			snprintf(what, sizeof(what), "siaga%d", s);
			put_classes(f, tn, what, r->siaga[s]);
		}
		for (int l = ALLOC_LEVEL_MINOR; l <= ALLOC_LEVEL_EXTREME; l++) {
			snprintf(what, sizeof(what), "level.%s",
			         cfg_level_name(l));
			put_classes(f, tn, what, r->level[l]);
		}
		put_classes(f, tn, "order", r->order);
		put_classes(f, tn, "unspecified", r->unspecified);
		for (int i = 0; i < d->ndepth; i++)
			if (!has_band(r, d->depth[i].min_cm))
				fprintf(f, "%s.depth.%d =\n", tn,
				        (int)d->depth[i].min_cm);
		for (int i = 0; i < r->ndepth; i++) {
			cfg_format_classes(r->depth[i].classes, buf,
			                   sizeof(buf));
			fprintf(f, "%s.depth.%d = %s\n", tn,
			        (int)r->depth[i].min_cm, buf);
		}
		fputc('\n', f);
	}
	for (int s = 1; s <= 4; s++)
		fprintf(f, "rw_state%d_cm = %d\n", s, (int)c->rw_state_cm[s]);
}

static void
put_cap_map(FILE *f, const posko_config *c, const posko_config *def)
{
	for (size_t i = 0; i < def->cap.nmap; i++) {
		size_t j;

		for (j = 0; j < c->cap.nmap; j++)
			if (c->cap.map[j].n == def->cap.map[i].n)
				break;
		if (j == c->cap.nmap)
			fprintf(f, "map.%u =\n", def->cap.map[i].n);
	}
	for (size_t i = 0; i < c->cap.nmap; i++) {
		char *s = cfg_cap_rule_format(&c->cap.map[i]);

		fprintf(f, "map.%u = %s\n", c->cap.map[i].n, s ? s : "");
		free(s);
	}
}

static void
put_gates(FILE *f, const posko_config *c, const posko_config *def)
{
	for (size_t i = 0; i < def->gates.nwatch; i++) {
		const struct config_gate_watch *d = &def->gates.watch[i];

		if (config_gate_watch(c, d->gate, d->siaga) == NULL)
			fprintf(f, "%s.siaga%d =\n", d->gate, d->siaga);
	}
	for (size_t i = 0; i < c->gates.nwatch; i++) {
		const struct config_gate_watch *w = &c->gates.watch[i];
		char key[256], **codes;

		codes = calloc(w->nkelurahan + 1, sizeof(*codes));
		if (codes == NULL)
			continue;
		for (size_t j = 0; j < w->nkelurahan; j++) {
			codes[j] = malloc(GEO_KEL_BUFLEN);
			if (codes[j] != NULL)
				geo_kel_format(w->kelurahan[j], codes[j]);
		}
		snprintf(key, sizeof(key), "%s.siaga%d", w->gate, w->siaga);
		for (size_t j = 0; j < w->nkelurahan; j++)
			if (codes[j] == NULL)
				goto skip;
		put_list(f, key, codes, w->nkelurahan, 0);
	skip:
		cfg_strv_free(codes, w->nkelurahan);
	}
}

/* One key as config_dump writes it; a malloc'd string or NULL. */
static char *
fixed_text(const posko_config *c, const struct cfg_key *k)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	put_fixed(f, c, k);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The table's entry of [section] name, or NULL. */
static const struct cfg_key *
find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < cfg_nkeys; i++)
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

int
config_key_differs(const posko_config *a, const posko_config *b,
                   const char *section, const char *name)
{
	const struct cfg_key *k = find_key(section, name);
	if (k == NULL)
		return -1;
	char *ta = fixed_text(a, k), *tb = fixed_text(b, k);
	/* out of memory: say it differs (the caller warns) */
	int d = ta == NULL || tb == NULL || strcmp(ta, tb) != 0;
	free(ta);
	free(tb);
	return d;
}

static void
swap_bytes(void *x, void *y, size_t n)
{
	unsigned char t[sizeof(double) > sizeof(size_t) ? sizeof(double)
	                                                : sizeof(size_t)];
	memcpy(t, x, n);
	memcpy(x, y, n);
	memcpy(y, t, n);
}

int
config_key_swap(posko_config *a, posko_config *b, const char *section,
                const char *name)
{
	const struct cfg_key *k = find_key(section, name);
	size_t n;

	if (k == NULL)
		return -1;
	switch (k->type) {
	case K_INT:
	case K_BOOL:
	case K_LOGLEVEL:
	case K_KIT:
		n = sizeof(int);
		break;
	case K_DOUBLE:
		n = sizeof(double);
		break;
	case K_SIZE:
		n = sizeof(size_t);
		break;
	case K_MODE:
	case K_CAPSTATUS:
		n = sizeof(unsigned);
		break;
	case K_PATHLIST:
		swap_bytes((char *)a + k->noff, (char *)b + k->noff,
		           sizeof(size_t));
		n = sizeof(char **);
		break;
	default: /* the strings */
		n = sizeof(char *);
		break;
	}
	swap_bytes((char *)a + k->off, (char *)b + k->off, n);
	if (strcmp(section, "daemon") == 0 && strcmp(name, "state_dir") == 0)
		swap_bytes(&a->daemon.db_path, &b->daemon.db_path,
		           sizeof(char *));
	return 0;
}

char *
config_dump(const posko_config *c)
{
	posko_config *def;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (c == NULL)
		return NULL;
	def = cfg_default_raw();
	if (def == NULL)
		return NULL;
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		config_free(def);
		return NULL;
	}
	fprintf(f, "# posko effective configuration%s%s\n",
	        c->path ? " from " : " (defaults)", c->path ? c->path : "");
	for (size_t s = 0; cfg_sections[s] != NULL; s++) {
		const char *sec = cfg_sections[s];

		fprintf(f, "\n[%s]\n", sec);
		for (size_t i = 0; i < cfg_nkeys; i++)
			if (strcmp(cfg_keys[i].section, sec) == 0)
				put_fixed(f, c, &cfg_keys[i]);
		if (strcmp(sec, "policy") == 0)
			put_policy(f, c, def);
		else if (strcmp(sec, "cap") == 0)
			put_cap_map(f, c, def);
		else if (strcmp(sec, "gates") == 0)
			put_gates(f, c, def);
	}
	config_free(def);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
