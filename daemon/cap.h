/*
 * daemon/cap.h - CAP 1.2 (OASIS Common Alerting Protocol) in and out.
 *
 * In: cap_parse() turns one CAP 1.2 <alert> (from BMKG, BPBD DKI or the
 * PetaBencana feed; on the ingest socket or from the spool directory) into
 * a posko_report, the struct every ingest path produces (daemon/report.h).
 * Out: cap_write_alert() writes a posko capacity / unplaced-evacuee alert
 * as a CAP 1.2 document for BPBD and partners (events topic cap.*, outbox
 * directory). docs/feed.md is the integrator's description of both.
 *
 * What cap_parse() checks, in this order, stopping at the first problem:
 *   1. size: over the limit -> CAP_ETOOLARGE without reading the bytes;
 *   2. XML: well-formed, no DOCTYPE (so no entities to expand and no DTD to
 *      fetch), never the network (XML_PARSE_NONET), libxml2's default
 *      limits (XML_PARSE_HUGE off) -> CAP_EXML;
 *   3. the root is <alert> in urn:oasis:names:tc:emergency:cap:1.2 and the
 *      document is valid against docs/cap/CAP-v1.2.xsd -> CAP_ESCHEMA;
 *   4. posko's profile: msgType Alert/Update/Cancel, references, areas
 *      (polygon, circle, kelurahan / RW geocodes), dates, parameters and
 *      the [cap] mapping table -> CAP_EVALUE.
 * Every error message starts with the element at fault as a path relative
 * to <alert> ("info[0].area[0].polygon", "msgType", "alert"), then ": "
 * and the reason, e.g.
 *   info[0].area[0].polygon: ring is not closed (first point != last point)
 * On any error *out is left zeroed: nothing half-filled.
 *
 * Incident key: for an Alert (source, source_id) = (sender, identifier);
 * for an Update or Cancel it is the (sender, identifier) of the EARLIEST
 * (by sent time) message named in <references>, so every message of a
 * chain lands on the incident its Alert opened. cap_parse_ex() also
 * returns all the references, for a daemon that wants to resolve a chain
 * whose references skip the Alert.
 *
 * Functions never print and never exit. A cap_ctx holds the compiled
 * schema; it is read-only after cap_ctx_new() and may be shared by threads
 * (each call builds its own validation context). Call cap_ctx_new() from
 * the main thread first: it initialises libxml2.
 */
#ifndef POSKO_DAEMON_CAP_H
#define POSKO_DAEMON_CAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/report.h"

struct posko_config;

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"

/* Size limit when no config is given; the config's [daemon]
 * max_message_bytes replaces it (same default, 4 MiB). A BMKG nowcast is a
 * few kB; a polygon of 50,000 points is about 1.2 MB. */
#define CAP_MAX_BYTES_DEFAULT ((size_t)4 << 20)

/* Circles larger than this are refused, as the JSON footprint refuses
 * radius_m > 50000 (docs/protocol.md 1.1). */
#define CAP_MAX_RADIUS_KM 50.0

enum cap_err {
	CAP_OK = 0,
	CAP_EINVAL = -1,    /* bad argument (NULL, zero length) */
	CAP_ETOOLARGE = -2, /* over the size limit: not parsed */
	CAP_EXML = -3,      /* not well-formed XML, or has a DOCTYPE */
	CAP_ESCHEMA = -4,   /* not CAP 1.2: namespace, or schema-invalid */
	CAP_EVALUE = -5,    /* CAP 1.2, but posko cannot use a value */
	CAP_ENOMEM = -6,
	CAP_EIO = -7 /* the schema file cannot be read or compiled */
};

/* The code an ingest.rejected event carries for a cap_parse() return:
 * "too_large", "bad_xml", "bad_cap", "bad_field", "internal". */
const char *cap_err_code(int rc);

/* ---- schema ------------------------------------------------------------ */

typedef struct cap_ctx cap_ctx;

/*
 * Compile the CAP 1.2 schema: from the file xsd_path, or from the copy
 * compiled into posko when xsd_path is NULL (identical to
 * docs/cap/CAP-v1.2.xsd). Returns NULL and fills err on failure.
 */
cap_ctx *cap_ctx_new(const char *xsd_path, char *err, size_t errlen);
void cap_ctx_free(cap_ctx *ctx);

/* The compiled-in copy of docs/cap/CAP-v1.2.xsd (NUL-terminated). */
const char *cap_schema_text(void);

/*
 * Steps 1-3 above only: is this a well-formed, schema-valid CAP 1.2
 * document of at most max_bytes (0 = CAP_MAX_BYTES_DEFAULT)? Returns 0 or
 * CAP_ETOOLARGE / CAP_EXML / CAP_ESCHEMA with the reason in err. Used on
 * what posko writes before it leaves.
 */
int cap_check(const cap_ctx *ctx, const char *xml, size_t len, size_t max_bytes,
              char *err, size_t errlen);

/* ---- in ---------------------------------------------------------------- */

/* One entry of <references>: "sender,identifier,sent". */
typedef struct cap_ref_in {
	char *sender;
	char *identifier;
	time_t sent;
} cap_ref_in;

/* What a CAP message says about itself, beyond the report. */
typedef struct cap_meta {
	char *sender;     /* <sender> */
	char *identifier; /* <identifier> */
	time_t sent;      /* <sent>, UTC */
	char *status;     /* Actual, Exercise, System, Test, Draft */
	char *msg_type;   /* Alert, Update, Cancel */
	char *event;      /* <event> of the <info> used, or NULL */
	cap_ref_in *refs; /* <references>, in document order */
	size_t nrefs;
} cap_meta;

void cap_meta_clear(cap_meta *m);

/*
 * Parse one CAP 1.2 alert into *out (zeroed first; release with
 * posko_report_clear). ctx: the compiled schema (required). cfg: the
 * [cap] mapping table, status policy and size limit; NULL = the built-in
 * defaults (docs/feed.md, "Mapping"). Returns 0 or a negative CAP_E* code
 * with "<element path>: <reason>" in err; *out is zeroed on error.
 *
 * Fills: origin ORIGIN_CAP; action from msgType; source/source_id (the
 * incident key, above); message_id = <identifier>; type and severity from
 * the first <info> through the mapping; footprint from that <info>'s
 * areas; time = onset, else effective, else sent; expires; exercise = 1
 * for a status that must not allocate; title = headline, else event;
 * days from a "days" parameter (1..90).
 */
int cap_parse(const cap_ctx *ctx, const char *xml, size_t len,
              const struct posko_config *cfg, posko_report *out, char *err,
              size_t errlen);

/* The same, also filling *meta (zeroed first, zeroed again on error;
 * release with cap_meta_clear). meta may be NULL. */
int cap_parse_ex(const cap_ctx *ctx, const char *xml, size_t len,
                 const struct posko_config *cfg, posko_report *out,
                 cap_meta *meta, char *err, size_t errlen);

/* ---- out --------------------------------------------------------------- */

typedef enum { CAP_MSG_ALERT = 0, CAP_MSG_UPDATE, CAP_MSG_CANCEL } cap_msg_type;

#define CAP_ID_MAX 160

/* A message posko wrote earlier, to reference (the sender is ours). */
typedef struct cap_ref {
	char identifier[CAP_ID_MAX];
	time_t sent;
} cap_ref;

/* A name/value pair written as <parameter>. */
typedef struct cap_param {
	const char *name;
	const char *value;
} cap_param;

/*
 * One posko alert as a CAP message. Strings are borrowed; NULL = absent
 * unless a field says otherwise.
 */
typedef struct cap_alert_out {
	const char *sender;      /* required: [cap] sender */
	const char *sender_name; /* <senderName> (e.g. "Dinas Sosial DKI
	                            Jakarta") */
	const char *identifier;  /* required: cap_identifier() */
	time_t sent;             /* required: the alert event's time */
	int utc_offset_min;      /* offset written in dates: 420 = WIB
	                            (UTC+7), 0 = UTC ("-00:00") */
	int exercise;            /* 1: status Exercise instead of Actual */
	cap_msg_type msg_type;
	const cap_ref *refs; /* Update, Cancel: >= 1 (cap_chain_next) */
	size_t nrefs;

	/* What: the alert event of docs/protocol.md 3.4. */
	const char *topic;       /* required: "alert.shelter", "alert.unplaced",
	                            "alert.depot", "alert.shortage" */
	const char *kind;        /* required: "occupancy", "unplaced", ... */
	const char *level;       /* required: "warn", "critical", "full" */
	uint64_t alert_id;       /* posko's alert id */
	const char *headline;    /* NULL: written from topic, kind, level */
	const char *description; /* free text (Indonesian) */
	const char *instruction;
	time_t expires;  /* 0: none */
	const char *web; /* absolute URI, or NULL */
	const char *contact;

	/* Where: a shelter (point), an incident (kelurahan). */
	const char *area_desc; /* required when an area is given */
	int has_point;         /* 1: lon/lat below are set */
	double lon, lat;
	double radius_km;          /* circle radius; <= 0: 0.1 km */
	const uint32_t *kelurahan; /* geocodes valueName "kelurahan" */
	size_t nkelurahan;

	const cap_param *params; /* written as <parameter> after "level" and
	                            "posko_alert" */
	size_t nparams;
} cap_alert_out;

/*
 * Write a CAP 1.2 document for a. On success *xml is a NUL-terminated
 * malloc'd UTF-8 document (free()) of *len bytes. Returns 0, CAP_EINVAL
 * with the field at fault in err, or CAP_ENOMEM. The document validates
 * against docs/cap/CAP-v1.2.xsd (tests/test_feed_cap.c, tests/
 * e2e_feed_cap_xmllint.sh); the daemon may also cap_check() it.
 */
int cap_write_alert(const cap_alert_out *a, char **xml, size_t *len, char *err,
                    size_t errlen);

/* "posko-<host>-alert-<alert_id>-<seq>", with every character CAP forbids
 * in an identifier (space, comma, '<', '&') and anything outside
 * [A-Za-z0-9._-] replaced by '_'. Returns 0, or CAP_EINVAL when it does
 * not fit in n (n >= CAP_ID_MAX always fits a host of 64 characters). */
int cap_identifier(char *buf, size_t n, const char *host, uint64_t alert_id,
                   unsigned seq);

/*
 * The CAP messages about one subject (a shelter's occupancy, an
 * incident's unplaced evacuees) form a chain: Alert when it is raised,
 * Update when it changes (a level change is "clear + raise" on the events
 * socket, one Update here), Cancel when it clears. The daemon keeps one
 * cap_chain per subject (zeroed = nothing sent yet) and persists it with
 * the alert so references survive a restart.
 */
typedef struct cap_chain {
	int open;             /* an Alert was sent and not cancelled */
	unsigned seq;         /* messages sent in this chain */
	uint64_t first_alert; /* posko alert id of the raise */
	cap_ref root;         /* the Alert */
	cap_ref last;         /* the latest message */
} cap_chain;

typedef enum {
	CAP_CHAIN_RAISE = 0,
	CAP_CHAIN_CHANGE,
	CAP_CHAIN_CLEAR
} cap_chain_event;

/*
 * Decide the next message of chain c for event ev at time sent: fills
 * *type, identifier (CAP_ID_MAX bytes: cap_identifier(host, the alert id
 * that opened the chain, the chain's message number)), refs (room for 2:
 * the Alert, and the latest message when it is not the Alert) and *nrefs,
 * and advances c. Returns 0 when a message is to be sent, 1 when there is
 * nothing to send (a CLEAR of a chain that is not open), CAP_EINVAL on bad
 * arguments. RAISE or CHANGE of a chain that is not open sends an Alert
 * (alert_id opens the chain); of an open one, an Update.
 */
int cap_chain_next(cap_chain *c, cap_chain_event ev, const char *host,
                   uint64_t alert_id, time_t sent, cap_msg_type *type,
                   char *identifier, cap_ref *refs, size_t *nrefs);

/* ---- times ------------------------------------------------------------- */

/*
 * Parse an RFC 3339 / CAP date-time ("2025-01-05T06:10:00+07:00"; also
 * "Z" and fractions of a second, which RW-state and gate messages may
 * use) into UTC seconds. Returns 0 or CAP_EVALUE.
 */
int cap_time_parse(const char *s, time_t *out);

/* Write t as a CAP date-time with the given offset in minutes
 * ("2025-01-05T06:10:00+07:00"; offset 0 is written "-00:00" as CAP 1.2
 * requires). Returns 0 or CAP_EINVAL when n < 26. */
int cap_time_format(time_t t, int utc_offset_min, char *buf, size_t n);

#endif
