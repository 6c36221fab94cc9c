/* config: every way a file can be wrong is refused with FILE:LINE, the
 * section and key, and the reason; nothing is returned on failure; and
 * config_validate() catches a config broken by hand. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

struct bad {
	const char *text;
	int code;
	const char *prefix; /* err must start with this */
	const char *words;  /* and contain this (NULL: no check) */
};

static const struct bad bads[] = {
    /* unknown section, key; keys outside sections; duplicates */
    {"[alert]\nshelter_warn = 90\n", CONFIG_ESYNTAX,
     "t.conf:1: ", "unknown section [alert]"},
    {"[alerts]\n\n# c\nshelter_warning = 90\n", CONFIG_ESYNTAX,
     "t.conf:4: [alerts] shelter_warning: unknown key",
     "did you mean shelter_warn?"},
    {"[daemon]\nfoo = 1\n", CONFIG_ESYNTAX,
     "t.conf:2: [daemon] foo: ", "unknown key"},
    {"[policy]\nflod.siaga1 = high\n", CONFIG_ESYNTAX,
     "t.conf:2: [policy] flod.siaga1: ", "unknown key"},
    {"[policy]\nflood.siaga5 = high\n", CONFIG_ESYNTAX,
     "t.conf:2: [policy] flood.siaga5: ", "unknown key"},
    {"[cap]\nmapping = x\n", CONFIG_ESYNTAX,
     "t.conf:2: [cap] mapping: ", "unknown key"},
    {"shelter_warn = 90\n", CONFIG_ESYNTAX,
     "t.conf:1: shelter_warn: ", "outside any section"},
    {"[alerts]\nshelter_warn = 70\nhysteresis = 2\nSHELTER_WARN = 71\n",
     CONFIG_ESYNTAX,
     "t.conf:4: [alerts] SHELTER_WARN: ", "set twice (first at line 2)"},
    {"[alerts\nshelter_warn = 70\n", CONFIG_ESYNTAX, "t.conf:1: ", "[section]"},
    {"[alerts]\njust words\n", CONFIG_ESYNTAX, "t.conf:2: ", "key = value"},
    /* bad values name the key and the reason */
    {"[alerts]\nshelter_warn = 120\n", CONFIG_EVALUE,
     "t.conf:2: [alerts] shelter_warn: must be a percentage 1..100, "
     "got 120",
     NULL},
    {"[alerts]\nshelter_critical = 0\n", CONFIG_EVALUE,
     "t.conf:2: [alerts] shelter_critical: must be a percentage", "got 0"},
    {"[alerts]\nshelter_warn = 80%\n", CONFIG_EVALUE,
     "t.conf:2: [alerts] shelter_warn: must be a percentage", "got 80%"},
    {"[shelter]\nmax_distance_m = -5\n", CONFIG_EVALUE,
     "t.conf:2: [shelter] max_distance_m: must be a distance in metres",
     "got -5"},
    {"[shelter]\nm2_per_person = nan\n", CONFIG_EVALUE,
     "t.conf:2: [shelter] m2_per_person: ", "got nan"},
    {"[supply]\nemergency_days = 0\n", CONFIG_EVALUE,
     "t.conf:2: [supply] emergency_days: ", "got 0"},
    {"[supply]\nkit_adult = meal\n", CONFIG_EVALUE,
     "t.conf:2: [supply] kit_adult: must be kit_adult, kit_child or "
     "kit_infant",
     "got meal"},
    {"[daemon]\nwatchdog = maybe\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] watchdog: must be yes or no", NULL},
    {"[daemon]\nlog_level = verbose\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] log_level: must be error, warn, info or debug", NULL},
    {"[daemon]\nmax_message_bytes = 100\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] max_message_bytes: must be a size", "got 100"},
    {"[daemon]\nmax_message_bytes = 4X\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] max_message_bytes: ", NULL},
    {"[daemon]\nstate_dir =\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] state_dir: must not be empty", NULL},
    {"[daemon]\nruntime_dir = %S/run\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] runtime_dir: must not use %r or %S", NULL},
    {"[cap]\nspool_dir = %x/in\n", CONFIG_EVALUE,
     "t.conf:2: [cap] spool_dir: must use only the escapes", NULL},
    {"[daemon]\nlog_level = info\n  debug\n", CONFIG_EVALUE,
     "t.conf:2: [daemon] log_level: must fit on one line", NULL},
    /* bus endpoints */
    {"[bus]\ningest = tcp://0.0.0.0:5555\n", CONFIG_EVALUE,
     "t.conf:2: [bus] ingest: must be on loopback", "got tcp://0.0.0.0:5555"},
    {"[bus]\ncontrol = tcp://*:5555\n", CONFIG_EVALUE,
     "t.conf:2: [bus] control: must be on loopback", NULL},
    {"[bus]\nevents = ws://192.168.1.10:80\n", CONFIG_EVALUE,
     "t.conf:2: [bus] events: must be on loopback", NULL},
    {"[bus]\nallow_remote = no\ncontrol_readonly = tcp://[2001:db8::1]:1\n",
     CONFIG_EVALUE, "t.conf:3: [bus] control_readonly: must be on loopback",
     NULL},
    {"[bus]\ningest = tcp://127.0.0.1:0\n", CONFIG_EVALUE,
     "t.conf:2: [bus] ingest: must end in a port 1..65535", NULL},
    {"[bus]\ningest = tcp://127.0.0.1\n", CONFIG_EVALUE,
     "t.conf:2: [bus] ingest: must be HOST:PORT", NULL},
    {"[bus]\ningest = udp://127.0.0.1:5\n", CONFIG_EVALUE,
     "t.conf:2: [bus] ingest: must be ipc://PATH", NULL},
    {"[bus]\ningest = ipc:///run/posko/this-path-is-far-too-long-for-a-"
     "unix-socket/because-sun_path-holds-only-108-bytes/including-the-"
     "terminating-nul/ingest.ipc\n",
     CONFIG_EVALUE, "t.conf:2: [bus] ingest: must be an ipc path shorter",
     NULL},
    {"[bus]\nevents = ipc://%r/ingest.ipc\n", CONFIG_EVALUE,
     "t.conf:2: [bus] events: must differ from ingest", NULL},
    {"[bus]\nsocket_mode = 0666\n", CONFIG_EVALUE,
     "t.conf:2: [bus] socket_mode: must not let others write", NULL},
    {"[bus]\nsocket_mode = 0460\n", CONFIG_EVALUE,
     "t.conf:2: [bus] socket_mode: must let the owner read and write", NULL},
    {"[bus]\nsocket_mode = 0990\n", CONFIG_EVALUE,
     "t.conf:2: [bus] socket_mode: must be an octal file mode", NULL},
    {"[bus]\nsocket_group = posko staff\n", CONFIG_EVALUE,
     "t.conf:2: [bus] socket_group: must be a group name", NULL},
    /* thresholds tie together: the key the file set is blamed */
    {"[alerts]\nshelter_warn = 96\n", CONFIG_EVALUE,
     "t.conf:2: [alerts] shelter_warn: must be below shelter_critical "
     "(95), got 96",
     NULL},
    {"[alerts]\n\nshelter_critical = 70\n", CONFIG_EVALUE,
     "t.conf:3: [alerts] shelter_critical: must be above shelter_warn "
     "(80), got 70",
     NULL},
    {"[alerts]\nshelter_full = 90\n", CONFIG_EVALUE,
     "t.conf:2: [alerts] shelter_full: must not be below "
     "shelter_critical (95), got 90",
     NULL},
    {"[alerts]\nshelter_warn = 10\nhysteresis = 10\n", CONFIG_EVALUE,
     "t.conf:3: [alerts] hysteresis: must be below shelter_warn (10)", NULL},
    {"[feed]\nsitrep_interval_s = 5\n", CONFIG_EVALUE,
     "t.conf:2: [feed] sitrep_interval_s: must be 0 (off) or 60..86400", NULL},
    /* policy */
    {"[policy]\nflood.siaga1 = hihg\n", CONFIG_EVALUE,
     "t.conf:2: [policy] flood.siaga1: must be none, all, or a list of "
     "high, medium, low, unzoned, got hihg",
     NULL},
    {"[policy]\nflood.siaga2 = none, high\n", CONFIG_EVALUE,
     "t.conf:2: [policy] flood.siaga2: must be none, all", NULL},
    {"[policy]\nfire.order =\n", CONFIG_EVALUE,
     "t.conf:2: [policy] fire.order: must be none, all", NULL},
    {"[policy]\nflood.hazard = water\n", CONFIG_EVALUE,
     "t.conf:2: [policy] flood.hazard: must be flood, fire or none", NULL},
    {"[policy]\nflood.depth.x = high\n", CONFIG_EVALUE,
     "t.conf:2: [policy] flood.depth.x: must be <type>.depth.<cm>", NULL},
    {"[policy]\nflood.depth.10 = low\nflood.depth.20 = low\n"
     "flood.depth.30 = low\nflood.depth.40 = low\n",
     CONFIG_EVALUE, "t.conf:5: [policy] flood.depth.40: must keep at most 4",
     NULL},
    {"[policy]\nrw_state3_cm = 5\n", CONFIG_EVALUE,
     "t.conf:2: [policy] rw_state3_cm: must not be below rw_state2_cm "
     "(10), got 5",
     NULL},
    /* cap */
    {"[cap]\nsender = posko dinsos\n", CONFIG_EVALUE,
     "t.conf:2: [cap] sender: must be a CAP sender", NULL},
    {"[cap]\nno_allocate = Exercise, Actual\n", CONFIG_EVALUE,
     "t.conf:2: [cap] no_allocate: must not list Actual", NULL},
    {"[cap]\nno_allocate = Exercize\n", CONFIG_EVALUE,
     "t.conf:2: [cap] no_allocate: must list CAP statuses", NULL},
    {"[cap]\nmap.1 = event=x -> type=floods\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must map to type=flood", NULL},
    {"[cap]\nmap.1 = colour=red -> type=flood\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must have conditions FIELD=PATTERN", NULL},
    {"[cap]\nmap.1 = event=x type=flood\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must have conditions", NULL},
    {"[cap]\nmap.1 = event=x ->\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must be CONDITIONS -> type=TYPE", NULL},
    {"[cap]\nmap.1 = event=\"open -> type=flood\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must close its quotes", NULL},
    {"[cap]\nmap.1 = event=x -> type=flood severity=siaga:7\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must have severity=cap", NULL},
    {"[cap]\nmap.1 = * event=x -> type=flood\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.1: must be CONDITIONS", NULL},
    {"[cap]\nmap.01 = * -> type=flood\n", CONFIG_EVALUE,
     "t.conf:2: [cap] map.01: must be named map.<n>", NULL},
    /* gates */
    {"[gates]\nPintu Air Manggarai.siaga2 = 31.74.01.1001, 31.74.01\n",
     CONFIG_EVALUE,
     "t.conf:2: [gates] Pintu Air Manggarai.siaga2: must list kelurahan "
     "codes like 31.74.01.1001, not '31.74.01'",
     NULL},
    {"[gates]\nPintu Air Manggarai = 31.74.01.1001\n", CONFIG_ESYNTAX,
     "t.conf:2: [gates] Pintu Air Manggarai: must be named", NULL},
    {"[gates]\nPintu Air Manggarai.siaga0 = 31.74.01.1001\n", CONFIG_ESYNTAX,
     "t.conf:2: [gates] Pintu Air Manggarai.siaga0: ", NULL},
};

static void
test_bad_files(void **state)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char err[512] = "";
		posko_config *c = (posko_config *)err;
		int rc = config_load_string(bads[i].text, "t.conf", &c, err,
		                            sizeof(err));

		if (rc != bads[i].code)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc,
			         bads[i].code, err);
		if (c != NULL)
			fail_msg("case %zu: config returned on error", i);
		if (strncmp(err, bads[i].prefix, strlen(bads[i].prefix)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"",
			         i, err, bads[i].prefix);
		if (bads[i].words && strstr(err, bads[i].words) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			         bads[i].words);
	}
}

/* Remote endpoints are fine once allowed. */
static void
test_allow_remote(void **state)
{
	char err[512] = "";
	posko_config *c = NULL;

	assert_int_equal(config_load_string("[bus]\nallow_remote = yes\n"
	                                    "ingest = tcp://0.0.0.0:5555\n"
	                                    "events = ws://*:8080/events\n",
	                                    "t.conf", &c, err, sizeof(err)),
	                 0);
	assert_string_equal(c->bus.ingest, "tcp://0.0.0.0:5555");
	config_free(c);
	assert_int_equal(config_load_string("[bus]\ningest = "
	                                    "tcp://localhost:5555\ncontrol = "
	                                    "tcp://127.0.0.2:5556\nevents = "
	                                    "tcp://[::1]:5557\n",
	                                    "t.conf", &c, err, sizeof(err)),
	                 0);
	config_free(c);
}

/* The first error (lowest line) is reported, with the count of others. */
static void
test_first_error_and_count(void **state)
{
	char err[512] = "";
	posko_config *c = NULL;
	int rc =
	    config_load_string("[alerts]\nshelter_warn = 200\n"
	                       "[nope]\nx = 1\n[shelter]\n"
	                       "max_distance_m = -1\n",
	                       "/etc/posko/posko.conf", &c, err, sizeof(err));

	assert_int_not_equal(rc, 0);
	assert_null(c);
	assert_non_null(strstr(err, "/etc/posko/posko.conf:2: [alerts] "
	                            "shelter_warn: must be a percentage"));
	assert_non_null(strstr(err, "(+2 more errors)"));
}

static void
test_long_line(void **state)
{
	char text[600], err[512] = "";
	posko_config *c = NULL;
	int n = snprintf(text, sizeof(text), "[data]\nhouseholds = /");

	for (; n < 400; n++)
		text[n] = 'x';
	snprintf(text + n, sizeof(text) - (size_t)n, "\n[alerts]\nfoo = 1\n");
	assert_int_equal(
	    config_load_string(text, "t.conf", &c, err, sizeof(err)),
	    CONFIG_ESYNTAX);
	assert_null(c);
	assert_non_null(strstr(err, "t.conf:2: line longer than"));
	/* the rest of the long line is not read as a line of its own */
	assert_non_null(strstr(err, "(+1 more error)"));
}

static void
test_not_text(void **state)
{
	static const char bin[] = "[alerts]\nshelter_warn = 80\n\0junk\n";
	char path[512], err[512] = "";
	const char *tmp = getenv("TMPDIR");
	posko_config *c = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bin.conf", tmp ? tmp : "/tmp");
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(bin, 1, sizeof(bin), f);
	fclose(f);
	assert_int_equal(config_load(path, &c, err, sizeof(err)),
	                 CONFIG_ESYNTAX);
	assert_non_null(strstr(err, "not a text file"));
	remove(path);
}

/* config_validate on a config changed by hand (a tool or a test). */
static void
test_validate_by_hand(void **state)
{
	posko_config *c = config_default();
	char err[512] = "";

	assert_int_equal(config_validate(c, err, sizeof(err)), 0);
	c->alerts.shelter_warn = 99;
	assert_int_equal(config_validate(c, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "[alerts] shelter_warn: must be below "
	                            "shelter_critical (95), got 99"));
	c->alerts.shelter_warn = 80;
	c->shelter.max_distance_m = -1;
	assert_int_equal(config_validate(c, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "[shelter] max_distance_m"));
	c->shelter.max_distance_m = 5000;
	c->policy.rule[ALLOC_INC_FLOOD].siaga[1] = 0x30;
	assert_int_equal(config_validate(c, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "[policy]"));
	c->policy.rule[ALLOC_INC_FLOOD].siaga[1] = ALLOC_CLASSES_ALL;
	c->cap.no_allocate |= CONFIG_CAP_ACTUAL;
	assert_int_equal(config_validate(c, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "[cap] no_allocate"));
	c->cap.no_allocate &= ~(unsigned)CONFIG_CAP_ACTUAL;
	free(c->bus.events);
	c->bus.events = strdup("tcp://10.0.0.1:5000");
	assert_int_equal(config_validate(c, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "[bus] events: must be on loopback"));
	c->bus.allow_remote = 1;
	assert_int_equal(config_validate(c, err, sizeof(err)), 0);
	assert_int_equal(config_validate(NULL, err, sizeof(err)),
	                 CONFIG_EVALUE);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_allow_remote),
	    cmocka_unit_test(test_first_error_and_count),
	    cmocka_unit_test(test_long_line),
	    cmocka_unit_test(test_not_text),
	    cmocka_unit_test(test_validate_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
