/* config: the defaults, config/posko.conf == the defaults, every section of
 * a full file parsed, %-expansion and relative paths, continuation lines,
 * and the dump reading back to the same config. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

#define FULL "tests/fixtures/config/full.conf"

static posko_config *
load_ok(const char *path)
{
	char err[512] = "";
	posko_config *c = NULL;
	int rc = config_load(path, &c, err, sizeof(err));

	if (rc != 0)
		fail_msg("%s: rc %d: %s", path, rc, err);
	assert_non_null(c);
	return c;
}

static posko_config *
string_ok(const char *text, const char *name)
{
	char err[512] = "";
	posko_config *c = NULL;
	int rc = config_load_string(text, name, &c, err, sizeof(err));

	if (rc != 0)
		fail_msg("rc %d: %s", rc, err);
	assert_non_null(c);
	return c;
}

/* The dump without its first line (which names the source file). */
static char *
dump_body(const posko_config *c)
{
	char *d = config_dump(c), *nl;

	assert_non_null(d);
	nl = strchr(d, '\n');
	assert_non_null(nl);
	memmove(d, nl + 1, strlen(nl + 1) + 1);
	return d;
}

/* Field by field: struct padding is not part of the contract. */
static void
assert_policy_equal(const struct alloc_policy *a, const struct alloc_policy *b)
{
	for (int t = 0; t < ALLOC_INC_COUNT; t++) {
		const struct alloc_policy_rule *x = &a->rule[t],
		                               *y = &b->rule[t];

		assert_int_equal(x->hazard, y->hazard);
		for (int i = 1; i <= 4; i++) {
			assert_int_equal(x->siaga[i], y->siaga[i]);
			assert_int_equal(x->level[i], y->level[i]);
		}
		assert_int_equal(x->order, y->order);
		assert_int_equal(x->unspecified, y->unspecified);
		assert_int_equal(x->ndepth, y->ndepth);
		for (int i = 0; i < x->ndepth; i++) {
			assert_int_equal(x->depth[i].min_cm,
			                 y->depth[i].min_cm);
			assert_int_equal(x->depth[i].classes,
			                 y->depth[i].classes);
		}
	}
}

static void
test_defaults(void **state)
{
	posko_config *c = config_default();
	struct alloc_policy p;
	char err[256];

	assert_non_null(c);
	assert_null(c->path);
	assert_string_equal(c->daemon.state_dir, "/var/lib/posko");
	assert_string_equal(c->daemon.runtime_dir, "/run/posko");
	assert_string_equal(c->daemon.db_path, "/var/lib/posko/posko.db");
	assert_int_equal(c->daemon.log_level, CONFIG_LOG_INFO);
	assert_string_equal(c->daemon.metric_crs, "EPSG:32748");
	assert_int_equal(c->daemon.watchdog, 1);
	assert_int_equal(c->daemon.max_message_bytes, 4 * 1024 * 1024);
	/* %r resolved against runtime_dir */
	assert_string_equal(c->bus.ingest, "ipc:///run/posko/ingest.ipc");
	assert_string_equal(c->bus.control, "ipc:///run/posko/control.ipc");
	assert_string_equal(c->bus.control_readonly,
	                    "ipc:///run/posko/control-ro.ipc");
	assert_string_equal(c->bus.events, "ipc:///run/posko/events.ipc");
	assert_int_equal(c->bus.allow_remote, 0);
	assert_string_equal(c->bus.socket_group, "posko");
	assert_int_equal(c->bus.socket_mode, 0660);
	assert_null(c->data.households);
	assert_null(c->data.shelters);
	assert_int_equal(c->data.nflood_zones, 0);
	assert_int_equal(c->data.nfire_zones, 0);

	alloc_policy_default(&p);
	assert_policy_equal(&c->policy, &p);
	assert_int_equal(c->rw_state_cm[2], 10);
	assert_int_equal(c->rw_state_cm[3], 71);
	assert_int_equal(c->rw_state_cm[4], 151);

	assert_true(c->shelter.max_distance_m == 5000);
	assert_true(c->shelter.m2_per_person == 3.5);
	assert_int_equal(c->supply.emergency_days, 7);
	assert_int_equal(c->supply.meals_per_person_day, 3);
	assert_int_equal(c->supply.kit_adult, ALLOC_ITEM_KIT_ADULT);
	assert_int_equal(c->supply.kit_under5, ALLOC_ITEM_KIT_INFANT);
	assert_int_equal(c->supply.kit_family, 1);
	assert_int_equal(c->supply.expiry_warn_days, 3);
	assert_int_equal(c->alerts.shelter_warn, 80);
	assert_int_equal(c->alerts.shelter_critical, 95);
	assert_int_equal(c->alerts.shelter_full, 100);
	assert_int_equal(c->alerts.hysteresis, 5);
	assert_true(c->alerts.depot_cover_days == 2);
	assert_int_equal(c->alerts.feed_stale_minutes, 30);
	assert_string_equal(c->cap.sender, "posko@dinsos.jakarta.go.id");
	assert_string_equal(c->cap.spool_dir, "/var/lib/posko/spool");
	assert_string_equal(c->cap.outbox_dir, "/var/lib/posko/cap-out");
	assert_int_equal(c->cap.no_allocate,
	                 CONFIG_CAP_EXERCISE | CONFIG_CAP_SYSTEM |
	                     CONFIG_CAP_TEST | CONFIG_CAP_DRAFT);
	assert_true(c->cap.nmap >= 5);
	assert_int_equal(c->feed.sitrep_interval_s, 900);
	assert_string_equal(c->feed.sitrep_dir, "/var/lib/posko/sitrep");
	assert_non_null(config_gate_watch(c, "Pintu Air Manggarai", 1));

	/* the derived alloc structs follow the keys */
	assert_true(c->assign.max_distance_m == 5000);
	assert_int_equal(c->supply_params.meals_per_day, 3);
	assert_int_equal(c->supply_params.days, 7);
	assert_int_equal(c->supply_params.kit_other, ALLOC_ITEM_KIT_ADULT);
	assert_int_equal(c->supply_params.kit_under5, ALLOC_ITEM_KIT_INFANT);
	assert_int_equal(c->supply_params.family_kits, 1);
	assert_int_equal(c->supply_params.expiry_warn_days, 3);

	assert_int_equal(config_validate(c, err, sizeof(err)), 0);
	config_free(c);
}

/* The documented default file gives exactly config_default(). */
static void
test_posko_conf_is_default(void **state)
{
	posko_config *f = load_ok("config/posko.conf");
	posko_config *d = config_default();
	char *df = dump_body(f), *dd = dump_body(d);

	assert_string_equal(df, dd);
	assert_policy_equal(&f->policy, &d->policy);
	assert_memory_equal(f->rw_state_cm, d->rw_state_cm,
	                    sizeof(d->rw_state_cm));
	assert_true(f->assign.max_distance_m == d->assign.max_distance_m);
	assert_true(f->assign.vulnerable_weight == d->assign.vulnerable_weight);
	assert_true(f->assign.epsilon_m == d->assign.epsilon_m);
	assert_int_equal(f->assign.candidates, d->assign.candidates);
	assert_int_equal(f->supply_params.meals_per_day,
	                 d->supply_params.meals_per_day);
	assert_int_equal(f->supply_params.days, d->supply_params.days);
	assert_int_equal(f->supply_params.kit_under5,
	                 d->supply_params.kit_under5);
	assert_int_equal(f->supply_params.kit_other,
	                 d->supply_params.kit_other);
	assert_int_equal(f->supply_params.family_kits,
	                 d->supply_params.family_kits);
	assert_int_equal(f->supply_params.expiry_warn_days,
	                 d->supply_params.expiry_warn_days);
	assert_int_equal(f->cap.nmap, d->cap.nmap);
	assert_int_equal(f->gates.nwatch, d->gates.nwatch);
	assert_string_equal(f->path, "config/posko.conf");
	free(df);
	free(dd);
	config_free(f);
	config_free(d);
}

static void
test_every_section(void **state)
{
	posko_config *c = load_ok(FULL);
	const struct alloc_policy_rule *fl = &c->policy.rule[ALLOC_INC_FLOOD];
	const struct config_gate_watch *w;
	const char *sfx = "/tests/fixtures/config/shelters.csv";

	/* [daemon] */
	assert_string_equal(c->daemon.state_dir, "/srv/posko/state");
	assert_string_equal(c->daemon.db_path, "/srv/posko/state/posko.db");
	assert_int_equal(c->daemon.log_level, CONFIG_LOG_DEBUG);
	assert_string_equal(c->daemon.metric_crs, "EPSG:32749");
	assert_int_equal(c->daemon.watchdog, 0);
	assert_int_equal(c->daemon.max_message_bytes, 512 * 1024);
	/* [bus] */
	assert_string_equal(c->bus.ingest, "tcp://127.0.0.1:5560");
	assert_string_equal(c->bus.control, "ipc:///srv/posko/run/ctl.ipc");
	assert_null(c->bus.control_readonly);
	assert_string_equal(c->bus.events, "ws://[::1]:5561/events");
	assert_string_equal(c->bus.socket_group, "dinsos");
	assert_int_equal(c->bus.socket_mode, 0640);
	/* [data]: relative to the file's directory, made absolute */
	assert_string_equal(c->data.households, "/data/households.csv");
	assert_true(c->data.shelters[0] == '/');
	assert_true(strlen(c->data.shelters) > strlen(sfx));
	assert_string_equal(
	    c->data.shelters + strlen(c->data.shelters) - strlen(sfx), sfx);
	assert_int_equal(c->data.nflood_zones, 2);
	assert_string_equal(c->data.flood_zones[0], "/data/flood-a.geojson");
	assert_string_equal(c->data.flood_zones[1], "/data/flood-b.gpkg");
	assert_int_equal(c->data.nfire_zones, 1);
	assert_string_equal(c->data.floodgates, "/data/floodgates.geojson");
	/* [policy] */
	assert_int_equal(fl->siaga[3], ALLOC_CLASSBIT(ALLOC_CLASS_LOW));
	assert_int_equal(fl->siaga[1], ALLOC_CLASSES_ALL);
	assert_int_equal(fl->siaga[2], ALLOC_CLASSBIT(ALLOC_CLASS_HIGH));
	assert_int_equal(fl->level[ALLOC_LEVEL_MINOR],
	                 ALLOC_CLASSBIT(ALLOC_CLASS_LOW) |
	                     ALLOC_CLASSBIT(ALLOC_CLASS_MEDIUM));
	assert_int_equal(fl->ndepth, 3); /* 30, 71 (default, changed), 150 */
	assert_int_equal(fl->depth[0].min_cm, 30);
	assert_int_equal(fl->depth[1].min_cm, 71);
	assert_int_equal(fl->depth[1].classes,
	                 ALLOC_CLASSBIT(ALLOC_CLASS_HIGH) |
	                     ALLOC_CLASSBIT(ALLOC_CLASS_MEDIUM));
	assert_int_equal(fl->depth[2].min_cm, 150);
	assert_int_equal(c->policy.rule[ALLOC_INC_FIRE].hazard,
	                 ALLOC_HAZARD_NONE);
	assert_int_equal(
	    c->policy.rule[ALLOC_INC_EARTHQUAKE].level[ALLOC_LEVEL_MODERATE],
	    ALLOC_CLASSBIT(ALLOC_CLASS_NONE) |
	        ALLOC_CLASSBIT(ALLOC_CLASS_HIGH));
	assert_int_equal(c->policy.rule[ALLOC_INC_OTHER].order, 0);
	assert_int_equal(c->rw_state_cm[2], 40);
	/* [shelter] [supply] */
	assert_true(c->shelter.max_distance_m == 3000);
	assert_true(c->shelter.m2_per_person == 4.5);
	assert_true(c->shelter.vulnerable_weight == 1.5);
	assert_true(c->assign.max_distance_m == 3000);
	assert_true(c->assign.vulnerable_weight == 1.5);
	assert_int_equal(c->supply.emergency_days, 14);
	assert_int_equal(c->supply.meals_per_person_day, 2);
	assert_int_equal(c->supply.kit_adult, ALLOC_ITEM_KIT_CHILD);
	assert_int_equal(c->supply.kit_under5, ALLOC_ITEM_KIT_CHILD);
	assert_int_equal(c->supply.kit_family, 0);
	assert_int_equal(c->supply.kits_per_person, 2);
	assert_int_equal(c->supply.expiry_warn_days, 5);
	assert_int_equal(c->supply_params.days, 14);
	assert_int_equal(c->supply_params.family_kits, 0);
	assert_int_equal(c->supply_params.kits_per_person, 2);
	assert_true(c->supply_params.max_depot_distance_m == 20000);
	/* [alerts] */
	assert_int_equal(c->alerts.shelter_warn, 70);
	assert_int_equal(c->alerts.shelter_critical, 90);
	assert_int_equal(c->alerts.shelter_full, 98);
	assert_int_equal(c->alerts.hysteresis, 3);
	assert_true(c->alerts.depot_cover_days == 1.5);
	assert_int_equal(c->alerts.feed_stale_minutes, 0);
	/* [cap]: %S and %% */
	assert_string_equal(c->cap.sender, "bpbd-test@example.org");
	assert_string_equal(c->cap.spool_dir, "/srv/posko/state/in");
	assert_string_equal(c->cap.outbox_dir, "/srv/out%1");
	assert_int_equal(c->cap.no_allocate,
	                 CONFIG_CAP_TEST | CONFIG_CAP_DRAFT);
	assert_int_equal(c->cap.map[0].n, 5);
	assert_string_equal(c->cap.map[0].event, "Banjir Rob*");
	for (size_t i = 0; i < c->cap.nmap; i++)
		assert_int_not_equal(c->cap.map[i].n, 20);
	/* [feed] */
	assert_int_equal(c->feed.sitrep_interval_s, 0);
	assert_string_equal(c->feed.sitrep_dir, "/srv/sitrep");
	/* [gates]: removal, case-insensitive replacement, continuation */
	assert_null(config_gate_watch(c, "Pintu Air Karet", 2));
	assert_non_null(config_gate_watch(c, "Pintu Air Karet", 1));
	w = config_gate_watch(c, "PINTU AIR MANGGARAI", 1);
	assert_non_null(w);
	assert_int_equal(w->nkelurahan, 2);
	assert_int_equal(w->kelurahan[0], 3174011007u);
	assert_int_equal(w->kelurahan[1], 3174011006u);
	w = config_gate_watch(c, "Pintu Air Istiqlal", 4);
	assert_non_null(w);
	assert_int_equal(w->kelurahan[0], 3171011001u);
	config_free(c);
}

/* The dump of a non-default config reads back to the same config. */
static void
test_dump_roundtrip(void **state)
{
	posko_config *a = load_ok(FULL), *b;
	char *da = dump_body(a), *db;

	b = string_ok(da, "/nonexistent/dump.conf");
	db = dump_body(b);
	assert_string_equal(da, db);
	assert_policy_equal(&a->policy, &b->policy);
	assert_string_equal(a->cap.outbox_dir, b->cap.outbox_dir);
	free(da);
	free(db);
	config_free(a);
	config_free(b);
}

static void
test_paths_and_expansion(void **state)
{
	posko_config *c =
	    string_ok("[daemon]\nstate_dir = st\nruntime_dir = /r\n"
	              "[bus]\ningest = ipc://in.ipc\nevents = ipc://%r/ev.ipc\n"
	              "[cap]\nspool_dir = %S/sp\noutbox_dir = out\n"
	              "[data]\nrw = ../rw.geojson\n",
	              "/etc/posko/posko.conf");
	char buf[64];

	assert_string_equal(c->daemon.state_dir, "/etc/posko/st");
	assert_string_equal(c->daemon.db_path, "/etc/posko/st/posko.db");
	assert_string_equal(c->bus.ingest, "ipc:///etc/posko/in.ipc");
	assert_string_equal(c->bus.events, "ipc:///r/ev.ipc");
	assert_string_equal(c->bus.control, "ipc:///r/control.ipc");
	assert_string_equal(c->cap.spool_dir, "/etc/posko/st/sp");
	assert_string_equal(c->cap.outbox_dir, "/etc/posko/out");
	assert_string_equal(c->data.rw, "/etc/posko/../rw.geojson");
	config_free(c);

	assert_int_equal(
	    config_expand("ipc://%r/x%%", "/run/p", "/s", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ipc:///run/p/x%");
	assert_int_equal(config_expand("%S/a", "/r", "/s", buf, sizeof(buf)),
	                 0);
	assert_string_equal(buf, "/s/a");
	assert_int_equal(config_expand("%q", "/r", "/s", buf, sizeof(buf)),
	                 CONFIG_EVALUE);
	assert_int_equal(config_expand("%r/long", "/r", "/s", buf, 5),
	                 CONFIG_EVALUE);
}

/* A key before its section's end, comments, blanks, CRLF and a BOM. */
static void
test_syntax_variants(void **state)
{
	posko_config *c = string_ok(
	    "\xEF\xBB\xBF# comment\r\n[alerts]\r\n\r\n"
	    "shelter_warn: 60 ; colon form, inline comment\r\n"
	    "  ; indented comment\r\n[shelter]\nmax_distance_m=2500.5\n"
	    "[daemon]\nmax_message_bytes = 65536\nwatchdog = TRUE\n",
	    "t.conf");

	assert_int_equal(c->alerts.shelter_warn, 60);
	assert_true(c->shelter.max_distance_m == 2500.5);
	assert_int_equal(c->daemon.max_message_bytes, 65536);
	assert_int_equal(c->daemon.watchdog, 1);
	config_free(c);
}

static void
test_missing_file(void **state)
{
	char err[256] = "";
	posko_config *c = (posko_config *)&err; /* must be reset to NULL */

	assert_int_equal(config_load("tests/fixtures/config/nope.conf", &c, err,
	                             sizeof(err)),
	                 CONFIG_EIO);
	assert_null(c);
	assert_non_null(strstr(err, "tests/fixtures/config/nope.conf"));
}

static void
test_alloc_params(void **state)
{
	posko_config *c = load_ok(FULL);
	struct alloc_params p;
	char err[256];

	config_alloc_params(c, &p);
	assert_policy_equal(&p.policy, &c->policy);
	assert_true(p.assign.max_distance_m == 3000);
	assert_int_equal(p.supply.days, 14);
	assert_int_equal(p.supply.meals_per_day, 2);
	assert_int_equal(alloc_params_validate(&p, err, sizeof(err)), 0);
	config_free(c);
}

/* What SIGHUP uses to name the keys that wait for a restart. */
static void
test_key_differs(void **state)
{
	posko_config *a, *b;
	char err[256];

	assert_int_equal(config_load_string("[daemon]\nlog_level = info\n"
	                                    "[data]\nflood_zones = a.geojson, "
	                                    "b.geojson\n",
	                                    "/etc/posko/a.conf", &a, err,
	                                    sizeof(err)),
	                 0);
	assert_int_equal(config_load_string("[daemon]\nlog_level = debug\n"
	                                    "state_dir = /srv/posko\n"
	                                    "[data]\nflood_zones = a.geojson\n"
	                                    "[cap]\nspool_dir = /srv/spool\n",
	                                    "/etc/posko/b.conf", &b, err,
	                                    sizeof(err)),
	                 0);
	assert_int_equal(config_key_differs(a, b, "daemon", "log_level"), 1);
	assert_int_equal(config_key_differs(a, b, "data", "flood_zones"), 1);
	assert_int_equal(config_key_differs(a, b, "cap", "spool_dir"), 1);
	assert_int_equal(config_key_differs(a, b, "bus", "ingest"), 0);
	assert_int_equal(config_key_differs(a, a, "daemon", "log_level"), 0);
	assert_int_equal(config_key_differs(a, b, "daemon", "no_such_key"), -1);
	assert_int_equal(config_key_differs(a, b, "data", "log_level"), -1);

	/* a swap exchanges exactly that key; each config frees its own */
	assert_int_equal(config_key_swap(a, b, "cap", "spool_dir"), 0);
	assert_string_equal(a->cap.spool_dir, "/srv/spool");
	assert_int_equal(config_key_differs(a, b, "cap", "spool_dir"), 1);
	assert_int_equal(config_key_swap(a, b, "cap", "spool_dir"), 0);
	assert_string_equal(b->cap.spool_dir, "/srv/spool");
	assert_int_equal(config_key_swap(a, b, "data", "flood_zones"), 0);
	assert_int_equal((int)a->data.nflood_zones, 1);
	assert_int_equal((int)b->data.nflood_zones, 2);
	assert_int_equal(config_key_swap(a, b, "daemon", "log_level"), 0);
	assert_int_equal(a->daemon.log_level, CONFIG_LOG_DEBUG);
	assert_int_equal(config_key_differs(a, b, "daemon", "log_level"), 1);
	assert_int_equal(config_key_differs(a, b, "daemon", "state_dir"), 1);
	assert_int_equal(config_key_swap(a, b, "daemon", "state_dir"), 0);
	assert_string_equal(a->daemon.db_path, "/srv/posko/posko.db");
	assert_string_equal(b->daemon.state_dir, "/var/lib/posko");
	assert_int_equal(config_key_swap(a, b, "daemon", "nope"), -1);
	config_free(a);
	config_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_posko_conf_is_default),
	    cmocka_unit_test(test_every_section),
	    cmocka_unit_test(test_dump_roundtrip),
	    cmocka_unit_test(test_paths_and_expansion),
	    cmocka_unit_test(test_syntax_variants),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_alloc_params),
	    cmocka_unit_test(test_key_differs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
