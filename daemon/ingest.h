/*
 * ingest.h - incident reports in: JSON v1 (docs/protocol.md section 1) and
 * CAP 1.2 (handed to the feed module's cap_parse when it is built), parsed
 * and validated into a posko_report.
 *
 * Validation names the field and the reason in plain words; the first
 * error found is returned. Nothing here touches the store or the bus.
 */
#ifndef POSKO_DAEMON_INGEST_H
#define POSKO_DAEMON_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/report.h"

struct posko_config;

/* Rejection codes (protocol.md 1.3). */
#define INGEST_TOO_LARGE "too_large"
#define INGEST_BAD_JSON "bad_json"
#define INGEST_BAD_VERSION "unsupported_version"
#define INGEST_UNKNOWN_KIND "unknown_kind"
#define INGEST_UNSUPPORTED "unsupported"
#define INGEST_BAD_FIELD "bad_field"
#define INGEST_UNKNOWN_INCIDENT "unknown_incident"
#define INGEST_INCIDENT_CLOSED "incident_closed"

typedef struct ingest_error {
	char code[32];
	char field[128];    /* dotted path, "" when none */
	char message[512];  /* "field: reason, got X" (field <= 128) */
	char source[72];    /* as far as it could be read, "" otherwise */
	char source_id[136];
} ingest_error;

/* A parsed message: the report, its JSON form (for CAP: built from the
 * report) and its hash (FNV-1a 64 of the canonical JSON; of the raw bytes
 * for XML). */
typedef struct ingest_msg {
	posko_report rep;
	json_t *json;	/* owned */
	uint64_t hash;
	/* which optional fields the message gave (update merges the rest) */
	unsigned has; /* INGEST_HAS_* bits */
} ingest_msg;

#define INGEST_HAS_TYPE 1u
#define INGEST_HAS_SEVERITY 2u
#define INGEST_HAS_FOOTPRINT 4u
#define INGEST_HAS_DAYS 8u
#define INGEST_HAS_TITLE 16u
#define INGEST_HAS_TIME 32u

void ingest_msg_clear(ingest_msg *m);

/*
 * Parse one ingest-socket message of len bytes (need not be NUL
 * terminated). max_bytes: the size limit (0 = none). capctx: the feed
 * module's cap_ctx (NULL: CAP messages are rejected). Returns 0 and fills
 * m, or -1 and fills e (m is then cleared).
 */
int ingest_parse(const char *buf, size_t len, size_t max_bytes,
		 const struct posko_config *cfg, const void *capctx,
		 ingest_msg *m, ingest_error *e);

/* Validate a parsed JSON object as an incident.report (for
 * incident.submit; field paths get prefix, e.g. "args.report."). */
int ingest_parse_object(json_t *obj, const char *prefix, ingest_msg *m,
			ingest_error *e);

/*
 * The merged report of an update: cur is the JSON of the revision in force
 * (an incident.report object), upd the update message. Fields upd has
 * replace cur's; the result has action "open" semantics (a full report).
 * Returns a new reference, NULL on ENOMEM.
 */
json_t *ingest_merge(const json_t *cur, const json_t *upd);

/* The JSON incident.report form of a report (for CAP and merges). */
json_t *ingest_report_to_json(const posko_report *r);

/* FNV-1a 64-bit of the canonical serialisation of obj (sorted keys,
 * compact). */
uint64_t ingest_hash_json(const json_t *obj);
uint64_t ingest_hash_bytes(const void *p, size_t n);
/* 16 lower-case hex digits into buf (>= 17 bytes). */
char *ingest_hash_hex(uint64_t h, char *buf);

/* severity / footprint of a report as the protocol's JSON objects. */
json_t *ingest_severity_json(const report_severity *s);

/* Parse an RFC 3339 time; returns 0 and *t (UTC), or -1. */
int ingest_parse_time(const char *s, time_t *t);

#endif
