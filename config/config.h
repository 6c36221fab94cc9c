/*
 * config/config.h - poskod's whole configuration, parsed once into one
 * struct, validated as a whole.
 *
 * The daemon loads /etc/posko/posko.conf with config_load() at start. On
 * SIGHUP it loads the file again into a NEW posko_config; only when that
 * succeeds does it swap the pointer and config_free() the old one. A bad
 * new file is refused with the message config_load() wrote and the old
 * configuration stays in force. Nothing ever patches a loaded config field
 * by field: treat a posko_config as immutable once loaded (it may then be
 * read from any number of threads).
 *
 * File format (INI, parsed by inih; docs/man/posko.conf.5 is the reference
 * and config/posko.conf documents every key with its default):
 *   - sections [daemon] [bus] [data] [policy] [shelter] [supply] [alerts]
 *     [cap] [feed] [gates]; "key = value"; comments start a line with ';'
 *     or '#', or follow a value after " ;".
 *   - an indented line continues the previous list value (gate kelurahan
 *     lists, zone paths); lines are at most 196 characters (inih's buffer).
 *   - an unknown section or key, a key set twice, or a bad value is an
 *     error "FILE:LINE: [section] key: reason, got VALUE".
 *   - in string values "%r" expands to runtime_dir, "%S" to state_dir and
 *     "%%" to '%' (config_expand); relative paths are relative to the
 *     directory of the config file.
 *
 * Errors are values: functions return 0 (CONFIG_OK) or a negative CONFIG_E*
 * code and write a NUL-terminated reason into err (when err != NULL and
 * errlen > 0). The library never prints and never exits.
 *
 * Ownership: a posko_config owns every pointer in it; config_free() releases
 * everything. Strings are never NULL unless a field says "NULL = not set".
 */
#ifndef POSKO_CONFIG_CONFIG_H
#define POSKO_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/plan.h"
#include "alloc/policy.h"
#include "alloc/shelter.h"
#include "alloc/supply.h"

enum config_err {
	CONFIG_OK = 0,
	CONFIG_EIO = -1,     /* the file cannot be opened or read */
	CONFIG_ESYNTAX = -2, /* not INI, unknown section or key, duplicate */
	CONFIG_EVALUE = -3,  /* a value is bad, or values contradict */
	CONFIG_ENOMEM = -4
};

/* The default file, as poskod.service passes it with --config. */
#define CONFIG_DEFAULT_PATH "/etc/posko/posko.conf"

/* Log levels, least verbose first: a message is logged when its level is
 * <= the configured one. */
enum config_log_level {
	CONFIG_LOG_ERROR = 0,
	CONFIG_LOG_WARN = 1,
	CONFIG_LOG_INFO = 2,
	CONFIG_LOG_DEBUG = 3
};

/* CAP 1.2 <status> values, as bits of posko_config.cap.no_allocate. */
enum config_cap_status {
	CONFIG_CAP_ACTUAL = 1u << 0,
	CONFIG_CAP_EXERCISE = 1u << 1,
	CONFIG_CAP_SYSTEM = 1u << 2,
	CONFIG_CAP_TEST = 1u << 3,
	CONFIG_CAP_DRAFT = 1u << 4
};

/*
 * One row of the CAP mapping table, from "[cap] map.<n> = CONDITIONS ->
 * RESULT" (see posko.conf.5). Conditions are case-insensitive glob patterns
 * ('*', '?') on the CAP <info> elements; NULL = any. The first rule in
 * increasing n whose conditions all match gives the incident type and how
 * its severity is derived.
 */
struct config_cap_rule {
	unsigned n;      /* the <n> of map.<n>; rules sorted by n, unique */
	char *category;  /* <category> pattern (Geo, Met, Fire, ...), or NULL */
	char *event;     /* <event> pattern ("*banjir*"), or NULL */
	char *severity;  /* <severity> pattern (Extreme..Unknown), or NULL */
	char *urgency;   /* <urgency> pattern (Immediate..Unknown), or NULL */
	char *certainty; /* <certainty> pattern (Observed..Unknown), or NULL */
	int type;        /* result: enum alloc_incident_type */
	uint8_t sev_from_cap;      /* 1: severity = CAP <severity> as a level
	                              (Extreme -> extreme .. Minor -> minor,
	                              Unknown -> none); 0: use sev */
	struct alloc_severity sev; /* result severity when !sev_from_cap */
};

/* "[gates] <gate name>.siaga<N> = codes": when water gate `gate` reaches
 * Siaga level `siaga`, put these kelurahan on watch (open shelters,
 * pre-stock depots; watch.* events, no evacuation). Each level lists its
 * whole set (levels are not cumulative). */
struct config_gate_watch {
	char *gate;          /* gate name as in floodgates.geojson
	                        ("Pintu Air Manggarai"); matched ignoring case */
	int siaga;           /* 1 (critical) .. 4 (normal) */
	uint32_t *kelurahan; /* kelurahan codes, uint32 of the digits */
	size_t nkelurahan;   /* entries in kelurahan, >= 1 */
};

typedef struct posko_config {
	char *path; /* the file this was loaded from; NULL for defaults */

	struct {
		char *state_dir;   /* persistent state (/var/lib/posko) */
		char *runtime_dir; /* sockets (/run/posko) */
		char *db_path;     /* derived: state_dir "/posko.db" (SQLite,
		                      WAL); not a key */
		int log_level;     /* enum config_log_level (info) */
		char *metric_crs;  /* CRS for metres inside (EPSG:32748); the
		                      daemon checks it with PROJ */
		int watchdog;      /* 1: send WATCHDOG=1 when systemd asks
		                      (WATCHDOG_USEC set); 0: never */
		size_t max_message_bytes; /* ingest messages above this are
		                             rejected (4 MiB) */
		int max_pending;      /* reports accepted and not yet decided
		                         above which ingest stops reading
		                         (10000) */
		int outbox_keep_days; /* published events kept this long (7) */
		int outbox_keep_rows; /* and at most this many (500000) */
	} daemon;

	/* nanomsg endpoints: ipc://PATH, tcp://HOST:PORT or ws://HOST:PORT.
	 * tcp/ws hosts are loopback unless allow_remote. */
	struct {
		char *ingest;  /* PULL, bind (ipc://%r/ingest.ipc) */
		char *control; /* REP, bind, read-write commands
		                  (ipc://%r/control.ipc) */
		/* REP, bind, read-only commands for wall displays
		 * (ipc://%r/control-ro.ipc); NULL = not bound */
		char *control_readonly;
		char *events;         /* PUB, bind (ipc://%r/events.ipc) */
		int allow_remote;     /* 1: tcp/ws on any address (no) */
		char *socket_group;   /* group of ipc socket files (posko);
		                         NULL = leave the process's group */
		unsigned socket_mode; /* mode of ipc socket files (0660) */
	} bus;

	/* Input files poskod loads at start. NULL = not set (the
	 * store keeps what `poskoctl import` put there). */
	struct {
		char *households;   /* households.csv (HACKING.md) */
		char *shelters;     /* shelters.csv */
		char *depots;       /* depots.csv */
		char *stock;        /* stock.csv */
		char **flood_zones; /* GeoJSON or .gpkg paths */
		size_t nflood_zones;
		char **fire_zones; /* GeoJSON or .gpkg paths */
		size_t nfire_zones;
		char *kelurahan;  /* kelurahan polygons, GeoJSON */
		char *rw;         /* RW polygons, GeoJSON */
		char *floodgates; /* water gates (points), GeoJSON */
	} data;

	/* Evacuation policy: per incident type, which zone classes evacuate
	 * at each severity (alloc/policy.h). Defaults alloc_policy_default. */
	struct alloc_policy policy;

	/* PetaBencana RW flood state 1..4 -> depth in cm, fed to the depth
	 * bands of the flood policy (index 0 unused: state 0 closes the RW).
	 * Defaults 0, 10, 71, 151: state 1 "use caution" has no depth; states
	 * 2..4 are 10-70, 71-150, > 150 cm (lower bounds). */
	int32_t rw_state_cm[5];

	struct {
		double max_distance_m; /* nobody is sent further (5000 m) */
		double m2_per_person;  /* floor area -> capacity when a shelter
		                          has no capacity (3.5, Sphere) */
		double vulnerable_weight; /* a vulnerable household's metres
		                             count this many times (1.1) */
	} shelter;

	struct {
		int emergency_days;       /* masa tanggap darurat (7 days) */
		int meals_per_person_day; /* permakanan 3x1 (3) */
		int kit_adult;            /* kit for members 5 and over:
		                             enum alloc_item (kit_adult) */
		int kit_under5;           /* kit for balita (kit_infant) */
		int kit_family;           /* 1: one kit_family per household
		                             (yes) */
		int expiry_warn_days;     /* alert for a lot expiring unused
		                             within this many days (3) */
		int kits_per_person;      /* kits per person at admission (1) */
		double max_depot_distance_m; /* depots further from a shelter
		                                are not used; 0 = no limit */
	} supply;

	/* [shelter] and [supply] as alloc takes them (derived, not keys):
	 * pass these to alloc_shelter_assign / the plan unchanged. alloc's
	 * tuning fields (epsilon_m, candidates) keep alloc's defaults. */
	struct alloc_assign_params assign;
	struct alloc_supply_params supply_params;

	/* Thresholds in percent of capacity; an alert is raised at the
	 * threshold and cleared below threshold - hysteresis. */
	struct {
		int shelter_warn;        /* 80 */
		int shelter_critical;    /* 95 */
		int shelter_full;        /* 100 */
		int hysteresis;          /* percentage points (5) */
		double depot_cover_days; /* alert.depot when meals in stock
		                            cover fewer days (2) */
		int feed_stale_minutes;  /* feed.stale after this long without
		                            a feed message while floods are
		                            active (30); 0 = off */
		int feed_stale_s;        /* the same in seconds, replaces the
		                            minutes when > 0 (tests); 0 */
	} alerts;

	struct {
		char *sender;    /* CAP <sender> of what posko writes
		                    (posko@dinsos.jakarta.go.id) */
		char *sender_name; /* CAP <senderName> (Dinas Sosial
		                      Provinsi DKI Jakarta) */
		char *spool_dir; /* watched for incoming CAP files (%S/spool) */
		char *outbox_dir; /* CAP files posko writes (%S/cap-out) */
		struct config_cap_rule *map; /* sorted by n */
		size_t nmap;
		unsigned no_allocate; /* bits of enum config_cap_status that are
		                         journaled but never allocate
		                         (Exercise, System, Test, Draft) */
	} cap;

	struct {
		int sitrep_interval_s; /* publish the sitrep every N s (900);
		                          0 = off */
		char *sitrep_dir;      /* where sitrep files go (%S/sitrep) */
		int sitrep_first_s;    /* the first timed sitrep this long
		                          after start; 0 = sitrep_interval_s */
		char *petabencana_source; /* source of a PetaBencana
		                             FeatureCollection naming none
		                             (petabencana) */
	} feed;

	struct {
		struct config_gate_watch *watch; /* sorted by gate, siaga */
		size_t nwatch;
	} gates;
} posko_config;

/*
 * Load and validate the file at path into a new config (*out; free with
 * config_free). Keys not in the file keep their defaults. On failure *out
 * is NULL, err holds "PATH:LINE: [section] key: reason, got VALUE" (the
 * first error; "(+N more errors)" when there were more) and the return is
 * CONFIG_EIO, CONFIG_ESYNTAX, CONFIG_EVALUE or CONFIG_ENOMEM.
 */
int config_load(const char *path, posko_config **out, char *err, size_t errlen);

/* The same from text in memory; `name` is used in messages and as the base
 * of relative paths (its directory). For tests and fuzzing. */
int config_load_string(const char *text, const char *name, posko_config **out,
                       char *err, size_t errlen);

/* A new config with every default (what an empty file gives), with %r/%S
 * already expanded. NULL when out of memory. */
posko_config *config_default(void);

/* Release c and everything it owns. NULL is fine. */
void config_free(posko_config *c);

/*
 * Check the whole config: ranges, thresholds in order, endpoints well
 * formed, distinct and loopback unless allow_remote, policy masks. Returns
 * 0 or CONFIG_EVALUE with "[section] key: reason" in err. config_load()
 * already calls it (and adds FILE:LINE).
 */
int config_validate(const posko_config *c, char *err, size_t errlen);

/*
 * Expand "%r" (runtime_dir), "%S" (state_dir) and "%%" in tmpl into out.
 * Returns 0, or CONFIG_EVALUE for an unknown %-escape or when out is too
 * small.
 */
int config_expand(const char *tmpl, const char *runtime_dir,
                  const char *state_dir, char *out, size_t outlen);

/*
 * The effective configuration as INI text that config_load() reads back to
 * the same config (every key, defaults included; for `poskod --check-config
 * --print`). Returns a malloc'd string the caller frees, or NULL.
 */
char *config_dump(const posko_config *c);

/*
 * Whether the key [section] name has different values in a and b (as
 * config_dump would write them). 1 differs, 0 same, -1 no such key (only
 * the plain keys of the table; not policy.*, map.N, watch.*).
 */
int config_key_differs(const posko_config *a, const posko_config *b,
                       const char *section, const char *name);

/*
 * Exchange the values of the key [section] name between a and b (both
 * loaded configs; each keeps owning what it then holds). SIGHUP keeps the
 * running value of a key that changes only at restart this way. [daemon]
 * state_dir takes the derived database path with it. 0, or -1 for no such
 * key (as config_key_differs).
 */
int config_key_swap(posko_config *a, posko_config *b, const char *section,
                    const char *name);

/* Names for logs and dumps: "error".."debug"; "?" otherwise. */
const char *config_log_level_name(int level);

/*
 * CAP mapping: the first rule matching these <info> values (NULL or "" for
 * an element that is absent: only a rule without that condition matches).
 * Returns the rule, or NULL when none matches (the alert is rejected,
 * naming <event>).
 */
const struct config_cap_rule *
config_cap_match(const posko_config *c, const char *category, const char *event,
                 const char *severity, const char *urgency,
                 const char *certainty);

/* The incident severity a matched rule gives for this CAP <severity>
 * ("Extreme".."Unknown"). Returns 0, or CONFIG_EVALUE for an unknown CAP
 * severity when the rule takes it from CAP. */
int config_cap_severity(const struct config_cap_rule *r,
                        const char *cap_severity, struct alloc_severity *out);

/* 1 when a CAP alert with this <status> may allocate, 0 when it is only
 * journaled, CONFIG_EVALUE for a status that is not CAP 1.2. */
int config_cap_status_allocates(const posko_config *c, const char *status);

/* The watch list for this gate and Siaga level (gate name matched ignoring
 * case), or NULL when the config has none. */
const struct config_gate_watch *config_gate_watch(const posko_config *c,
                                                  const char *gate, int siaga);

/* Everything alloc takes from the config: policy, assign, supply_params
 * copied into one struct alloc_params (alloc/plan.h). */
void config_alloc_params(const posko_config *c, struct alloc_params *out);

/* PetaBencana RW flood state 1..4 -> a depth severity for the flood policy.
 * Returns 0, or CONFIG_EVALUE for another state (0 closes the RW: the
 * caller handles it). */
int config_rw_state_severity(const posko_config *c, int state,
                             struct alloc_severity *out);

#endif
