/*
 * describe.h — poskod's values and events in plain words for the desk
 * (translated): incident types, severities, statuses, alerts, and one line
 * per event for `poskoctl watch`.
 */
#ifndef POSKO_CTL_DESCRIBE_H
#define POSKO_CTL_DESCRIBE_H

#include <jansson.h>
#include <stddef.h>

/* "flood" -> "flood" / "banjir"; unknown names are returned as given. */
const char *describe_type(const char *type);
/* {"siaga":1} -> "Siaga 1"; {"depth_cm":80} -> "water 80 cm" ... */
char *describe_severity(char *buf, size_t len, const json_t *sev);
/* Assignment status: "registered", "present", "checked_out", "released". */
const char *describe_status(const char *status);
/* Shelter state: "open", "closed", "full". */
const char *describe_state(const char *state);
/* Alert level: "warn", "critical", "full". */
const char *describe_level(const char *level);
/* Item: "meal" -> "meals", "kit_adult" -> "adult kits". */
const char *describe_item(const char *item);

/* What an alert is about, from its event fields (or an alerts.list
 * detail): "SH-0001 is 85.0% full (204 of 240 persons)". */
char *describe_alert(char *buf, size_t len, const char *topic,
                     const json_t *ev);

/* One line for an event (without time and id):
 * "household 1001 (4 persons) registered in SH-0001, incident 1". */
char *describe_event(char *buf, size_t len, const char *topic,
                     const json_t *ev);

#endif
