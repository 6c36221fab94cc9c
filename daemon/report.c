#define _POSIX_C_SOURCE 200809L
#include "daemon/report.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[INCIDENT_NTYPES] = {
	"flood", "fire", "collapse", "extreme_weather", "earthquake", "other",
};

void
posko_report_clear(posko_report *r)
{
	if (r == NULL)
		return;
	free(r->source);
	free(r->source_id);
	free(r->message_id);
	free(r->title);
	free(r->footprint.geojson);
	free(r->footprint.codes);
	for (size_t i = 0; r->footprint.rw_ids && i < r->footprint.ncodes; i++)
		free(r->footprint.rw_ids[i]);
	free(r->footprint.rw_ids);
	memset(r, 0, sizeof(*r));
}

const char *
incident_type_name(incident_type t)
{
	if ((int)t < 0 || t >= INCIDENT_NTYPES)
		return NULL;
	return type_names[t];
}

const char *
report_action_name(report_action a)
{
	switch (a) {
	case REPORT_OPEN:
		return "open";
	case REPORT_UPDATE:
		return "update";
	case REPORT_CANCEL:
		return "cancel";
	}
	return NULL;
}

int
incident_type_parse(const char *s)
{
	for (int i = 0; s && i < INCIDENT_NTYPES; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

void
posko_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

json_t *
posko_json_message(const char *json, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;

	if (len > 0 && json[len - 1] == '\0')
		len--;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		posko_seterr(err, errlen, "message: not JSON (%d:%d): %s",
			     je.line, je.column, je.text);
	return root;
}
