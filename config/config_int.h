/*
 * config/config_int.h - internals shared by the config sources. Not for use
 * outside config/ (no stability promise).
 */
#ifndef POSKO_CONFIG_CONFIG_INT_H
#define POSKO_CONFIG_CONFIG_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Reasons written by the value parsers ("must be ..."): short, no value. */
#define CFG_REASON_LEN 160

/* Kinds of fixed keys (one struct field each). */
enum cfg_ktype {
	K_STR,         /* char *, non-empty */
	K_OPTSTR,      /* char *, "" -> NULL */
	K_PATH,        /* char *, non-empty, %-escapes, relative to the file */
	K_OPTPATH,     /* as K_PATH, "" -> NULL */
	K_ENDPOINT,    /* char *, nanomsg endpoint, %-escapes */
	K_OPTENDPOINT, /* as K_ENDPOINT, "" -> NULL */
	K_PATHLIST,    /* char **, size_t count at noff */
	K_INT,         /* int in [min, max] */
	K_DOUBLE,      /* double in [min, max] */
	K_BOOL,        /* int 0/1 */
	K_LOGLEVEL,    /* int enum config_log_level */
	K_SIZE,        /* size_t bytes, K/M/G(iB) suffixes, in [min, max] */
	K_MODE,        /* unsigned, octal file mode */
	K_KIT,         /* int enum alloc_item (a kit) or -1 */
	K_CAPSTATUS,   /* unsigned bit set of enum config_cap_status */
	K_GROUP,       /* char *, group name, "" -> NULL */
	K_SENDER       /* char *, CAP sender */
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_ktype type;
	size_t off;  /* offsetof(posko_config, field) */
	size_t noff; /* K_PATHLIST: offsetof the count */
	double min, max;
	const char
	    *what; /* "a percentage", for "must be a percentage 1..100" */
};

extern const struct cfg_key cfg_keys[];
extern const size_t cfg_nkeys;
extern const char *const cfg_sections[];

/* ---- strings and values (value.c) ---------------------------------------- */

/* Formatted message into err (when err && errlen); returns code. */
int cfg_seterr(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

char *cfg_strdup(const char *s);
/* Copy s without leading and trailing blanks into a new string. */
char *cfg_strdup_trim(const char *s, size_t n);
int cfg_strcaseeq(const char *a, const char *b);
/* Case-insensitive ASCII glob: '*' any run, '?' one character. */
int cfg_glob(const char *pat, const char *s);

/* Each returns 0, or -1 with a reason ("must be ...") in why. */
int cfg_parse_int(const char *s, long min, long max, const char *what, int *out,
                  char *why);
int cfg_parse_double(const char *s, double min, double max, const char *what,
                     double *out, char *why);
int cfg_parse_bool(const char *s, int *out, char *why);
int cfg_parse_size(const char *s, double min, double max, size_t *out,
                   char *why);
int cfg_parse_mode(const char *s, unsigned *out, char *why);
int cfg_parse_loglevel(const char *s, int *out, char *why);
int cfg_parse_kit(const char *s, int *out, char *why);
int cfg_parse_capstatus(const char *s, unsigned *out, char *why);
int cfg_parse_group(const char *s, char *why);
int cfg_parse_sender(const char *s, char *why);
/* A class set: "none" | "all" | list of unzoned, low, medium, high (also
 * rendah, sedang, tinggi). */
int cfg_parse_classes(const char *s, alloc_classmask *out, char *why);
/* Split a list on commas and newlines (and blanks when blank_sep) into a
 * NULL-terminated array of trimmed, non-empty, malloc'd strings. Returns
 * the count, or -1 when out of memory. */
long cfg_split(const char *s, int blank_sep, char ***out);
void cfg_strv_free(char **v, size_t n);

/* Checks a nanomsg endpoint; 0 or -1 + why. */
int cfg_check_endpoint(const char *ep, int allow_remote, char *why);

/* Names (static strings). */
const char *cfg_type_name(int type);
int cfg_type_parse(const char *s);
const char *cfg_kit_name(int item);
const char *cfg_hazard_name(int hazard);
int cfg_hazard_parse(const char *s);
const char *cfg_level_name(int level);
int cfg_level_parse(const char *s);
/* Class set as config text ("none", "all", "high, medium"). */
void cfg_format_classes(alloc_classmask m, char *buf, size_t len);
void cfg_format_capstatus(unsigned bits, char *buf, size_t len);

/* ---- CAP map (cap.c) ------------------------------------------------------
 */

/* Parse "CONDITIONS -> RESULT" into r (n not touched); 0 or -1 + why. */
int cfg_cap_rule_parse(const char *s, struct config_cap_rule *r, char *why);
void cfg_cap_rule_clear(struct config_cap_rule *r);
int cfg_cap_rule_copy(struct config_cap_rule *dst,
                      const struct config_cap_rule *src);
/* The rule as config text, malloc'd. */
char *cfg_cap_rule_format(const struct config_cap_rule *r);

/* ---- validation (validate.c) --------------------------------------------- */

/* Where a key was set: for FILE:LINE in cross-field messages. */
typedef int (*cfg_line_fn)(void *ctx, const char *section, const char *key);

int cfg_validate(const posko_config *c, const char *path, cfg_line_fn fn,
                 void *ctx, char *err, size_t errlen);

/* ---- defaults (config.c) --------------------------------------------------
 */

/* Defaults with %r/%S unexpanded (what the parser starts from). */
posko_config *cfg_default_raw(void);
/* Fill the derived fields (db_path, assign, supply_params). */
int cfg_derive(posko_config *c);

#endif
