/*
 * report.h — one incoming incident report, whatever its source.
 *
 * Every ingest path (the JSON incident report of docs/protocol.md, a CAP 1.2
 * alert, a PetaBencana-style RW flood state, a water-gate level) is parsed
 * into a posko_report before anything else happens.  The pipeline only ever
 * sees this struct, so an update, a cancel, a CAP reference and an RW state
 * all land on the same incident through the same (source, source_id) key.
 *
 * Ownership: a posko_report owns every pointer in it; posko_report_free()
 * releases them.  Footprint geometry stays as GeoJSON text in WGS84 here; the
 * pipeline turns it into a geo_footprint in the metric CRS.
 */
#ifndef POSKO_REPORT_H
#define POSKO_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What the message asks for. */
typedef enum {
	REPORT_OPEN = 0, /* a new incident (or a replay of one: same key) */
	REPORT_UPDATE,   /* revise the incident with the same key */
	REPORT_CANCEL,   /* close the incident with the same key */
} report_action;

/* Incident types (domain.md §2.1; the office's operational categories). */
typedef enum {
	INCIDENT_FLOOD = 0,
	INCIDENT_FIRE,            /* kebakaran permukiman */
	INCIDENT_COLLAPSE,        /* rumah roboh */
	INCIDENT_EXTREME_WEATHER, /* cuaca ekstrem */
	INCIDENT_EARTHQUAKE,
	INCIDENT_OTHER,
	INCIDENT_NTYPES
} incident_type;

/* How severe: exactly one kind per report. */
typedef enum {
	SEV_NONE = 0,  /* not given (CAP "Unknown"): monitor only */
	SEV_SIAGA,     /* water-gate alert level 1 (critical) .. 4 (normal) */
	SEV_DEPTH_CM,  /* observed or forecast water depth in cm */
	SEV_LEVEL,     /* 1 minor, 2 moderate, 3 severe, 4 extreme (CAP) */
	SEV_EVACUATE,  /* explicit evacuation order: everyone in the footprint */
	SEV_RW_STATE,  /* PetaBencana flood state 0..4 (0 = water receded) */
} severity_kind;

typedef struct {
	severity_kind kind;
	int value; /* siaga 1..4, depth in cm, level 1..4, rw state 0..4 */
} report_severity;

typedef enum {
	FOOT_NONE = 0,  /* cancel, or an update that keeps the footprint */
	FOOT_GEOMETRY,  /* GeoJSON Polygon or MultiPolygon, WGS84 */
	FOOT_CIRCLE,    /* point + radius in metres */
	FOOT_KELURAHAN, /* list of kelurahan codes (uint32 of the digits) */
	FOOT_RW,        /* list of RW ids ("3172011001-09") */
} footprint_kind;

typedef struct {
	footprint_kind kind;
	char *geojson;     /* FOOT_GEOMETRY: the geometry object, compact text */
	double lon, lat;   /* FOOT_CIRCLE */
	double radius_m;   /* FOOT_CIRCLE, > 0 */
	uint32_t *codes;   /* FOOT_KELURAHAN */
	char **rw_ids;     /* FOOT_RW */
	size_t ncodes;     /* entries in codes or rw_ids */
} report_footprint;

/* Where the message came from, for the journal and the replies. */
typedef enum {
	ORIGIN_JSON = 0, /* JSON incident report on the ingest socket */
	ORIGIN_CAP,      /* CAP 1.2 alert (socket or spool directory) */
	ORIGIN_RW_STATE, /* PetaBencana-style flood state per RW */
	ORIGIN_GATE,     /* water-gate level (watch only, never evacuates) */
} report_origin;

typedef struct posko_report {
	report_origin origin;
	report_action action;
	char *source;    /* e.g. "bpbd-dki"; with source_id the idempotency key */
	char *source_id; /* e.g. "2007-02-banjir"; CAP: the referenced alert's
	                    identifier for Update/Cancel so all land on one key */
	char *message_id; /* the message's own id (CAP identifier), or NULL */
	incident_type type;
	report_severity severity;
	report_footprint footprint;
	time_t time;      /* when the source says it happened (UTC) */
	time_t expires;   /* CAP expires; 0 = none */
	int days;         /* emergency period override; 0 = config default */
	int exercise;     /* CAP status Exercise/Test/System/Draft: journal only,
	                     never allocate */
	char *title;      /* free text for the desk, may be NULL */
} posko_report;

/* Release everything r owns (not r itself). Safe on a zeroed struct. */
void posko_report_clear(posko_report *r);

/* Names for messages and logs; NULL on an out-of-range value. */
const char *incident_type_name(incident_type t);
const char *report_action_name(report_action a);
/* Parse a type name ("flood", "fire", ...); returns -1 if unknown. */
int incident_type_parse(const char *s);

/* Format an error message into err (errlen bytes); no-op when err is NULL
 * or errlen is 0. The one helper the daemon's parsers share. */
void posko_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse one JSON message of len bytes (one trailing NUL tolerated, as
 * docs/protocol.md says; duplicate keys refused). Returns the root, or
 * NULL with "message: not JSON (line:column): why" in err. */
struct json_t;
struct json_t *posko_json_message(const char *json, size_t len, char *err,
				  size_t errlen);

#endif
