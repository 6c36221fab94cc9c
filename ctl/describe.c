/*
 * describe.c — poskod's values and events in plain words (describe.h).
 */
#define _GNU_SOURCE
#include "ctl/describe.h"

#include "ctl/ctl.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	const char *key;
	const char *text;
};

static const char *
lookup(const struct word *w, size_t n, const char *key)
{
	if (!key)
		return "-";
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].key, key) == 0)
			return _(w[i].text);
	return key;
}

#define LOOKUP(table, key) lookup(table, sizeof table / sizeof *table, key)

const char *
describe_type(const char *type)
{
	static const struct word w[] = {
		{"flood", N_("flood")},
		{"fire", N_("fire")},
		{"collapse", N_("building collapse")},
		{"extreme_weather", N_("extreme weather")},
		{"earthquake", N_("earthquake")},
		{"other", N_("other")},
	};
	return LOOKUP(w, type);
}

char *
describe_severity(char *buf, size_t len, const json_t *sev)
{
	char n[OUT_NUMLEN];
	json_t *v;
	if ((v = json_object_get(sev, "siaga")) && json_is_integer(v))
		snprintf(buf, len, _("Siaga %lld"),
		         (long long)json_integer_value(v));
	else if ((v = json_object_get(sev, "depth_cm")) && json_is_number(v))
		snprintf(buf, len, _("water %s cm"),
		         out_num(n, sizeof n, (long long)json_number_value(v)));
	else if ((v = json_object_get(sev, "level")) && json_is_string(v)) {
		static const struct word w[] = {
			{"minor", N_("minor")},
			{"moderate", N_("moderate")},
			{"severe", N_("severe")},
			{"extreme", N_("extreme")},
		};
		snprintf(buf, len, "%s", LOOKUP(w, json_string_value(v)));
	} else if (json_is_true(json_object_get(sev, "evacuate")))
		snprintf(buf, len, "%s", _("evacuation order"));
	else if ((v = json_object_get(sev, "rw_state")) && json_is_integer(v))
		snprintf(buf, len, _("RW flood state %lld"),
		         (long long)json_integer_value(v));
	else
		snprintf(buf, len, "-");
	return buf;
}

const char *
describe_status(const char *status)
{
	static const struct word w[] = {
		{"registered", N_("registered")},
		{"present", N_("present")},
		{"checked_out", N_("checked out")},
		{"released", N_("released")},
		{"planned", N_("planned")},
		{"confirmed", N_("delivered")},
		{"raised", N_("raised")},
		{"acknowledged", N_("acknowledged")},
		{"cleared", N_("cleared")},
	};
	return LOOKUP(w, status);
}

const char *
describe_state(const char *state)
{
	static const struct word w[] = {
		{"open", N_("open")},
		{"closed", N_("closed")},
		{"full", N_("full")},
	};
	return LOOKUP(w, state);
}

const char *
describe_level(const char *level)
{
	static const struct word w[] = {
		{"warn", N_("warning")},
		{"critical", N_("critical")},
		{"full", N_("full")},
	};
	return LOOKUP(w, level);
}

const char *
describe_item(const char *item)
{
	static const struct word w[] = {
		{"meal", N_("meals")},
		{"kit_adult", N_("adult kits")},
		{"kit_child", N_("child kits")},
		{"kit_infant", N_("infant kits")},
		{"kit_family", N_("family kits")},
	};
	return LOOKUP(w, item);
}

static char *
num(char *b, long long v)
{
	return out_num(b, OUT_NUMLEN, v);
}

char *
describe_alert(char *buf, size_t len, const char *topic, const json_t *ev)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN], c[OUT_NUMLEN];
	const char *kind = cj_str(ev, "kind");
	if (!topic)
		topic = "";
	if (strcmp(topic, "alert.shelter") == 0 ||
	    (kind && strcmp(kind, "occupancy") == 0)) {
		out_pct(c, sizeof c, cj_int(ev, "registered", 0),
		        cj_int(ev, "capacity", 0));
		snprintf(buf, len, _("shelter %s is at %s (%s of %s persons)"),
		         cj_text(ev, "shelter"), c,
		         num(a, cj_int(ev, "registered", 0)),
		         num(b, cj_int(ev, "capacity", 0)));
	} else if (strcmp(topic, "alert.depot") == 0 ||
	           (kind && strcmp(kind, "meal_cover") == 0)) {
		char days[32], thr[32];
		snprintf(days, sizeof days, "%.1f",
		         cj_real(ev, "days_of_cover", 0));
		snprintf(thr, sizeof thr, "%g", cj_real(ev, "threshold_days", 2));
		for (char *p = days; *p; p++)
			if (*p == '.')
				*p = out_get()->decimal;
		for (char *p = thr; *p; p++)
			if (*p == '.')
				*p = out_get()->decimal;
		snprintf(buf, len,
		         _("depot %s has %s meals left, %s days of cover "
		           "(alert under %s days)"),
		         cj_text(ev, "depot"), num(a, cj_int(ev, "available", 0)),
		         days, thr);
	} else if (strcmp(topic, "alert.shortage") == 0 ||
	           (kind && (strcmp(kind, "meals") == 0 ||
	                     strcmp(kind, "kits") == 0))) {
		/* protocol.md 3.4: `short` is summed over the period's days,
		 * `days` the days with a deficit. */
		snprintf(buf, len,
		         _("shortage at shelter %s: %s %s missing over %s days "
		           "(incident %s)"),
		         cj_text(ev, "shelter"), num(a, cj_int(ev, "short", 0)),
		         describe_item(cj_str(ev, "item")),
		         num(b, cj_int(ev, "days", 0)), cj_text(ev, "incident"));
	} else if (strcmp(topic, "alert.unplaced") == 0 ||
	           (kind && strcmp(kind, "unplaced") == 0)) {
		snprintf(buf, len,
		         _("%s persons (%s households) have no shelter "
		           "(incident %s)"),
		         num(a, cj_int(ev, "persons", 0)),
		         num(b, cj_int(ev, "households", 0)),
		         cj_text(ev, "incident"));
	} else if (strcmp(topic, "alert.expiry") == 0 ||
	           (kind && strcmp(kind, "expiry") == 0)) {
		snprintf(buf, len, _("depot %s lot %s: %s %s expire on %s"),
		         cj_text(ev, "depot"), cj_text(ev, "lot"),
		         num(a, cj_int(ev, "qty", 0)),
		         describe_item(cj_str(ev, "item")),
		         cj_text(ev, "expires"));
	} else {
		const char *s = cj_str(ev, "subject");
		snprintf(buf, len, "%s %s", kind ? kind : topic, s ? s : "");
	}
	return buf;
}

static char *
counts(char *buf, size_t len, const json_t *ev, const char *key)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN];
	char path[64];
	snprintf(path, sizeof path, "%s.persons", key);
	long long p = cj_int(ev, path, 0);
	snprintf(path, sizeof path, "%s.households", key);
	long long h = cj_int(ev, path, 0);
	snprintf(buf, len, _("%s persons (%s households)"), num(a, p),
	         num(b, h));
	return buf;
}

static char *
describe_incident(char *buf, size_t len, const char *topic, const json_t *ev)
{
	char sev[128], af[128], ev_[128], un[128];
	const char *title = cj_str(ev, "title");
	if (strcmp(topic, "incident.closed") == 0) {
		counts(af, sizeof af, ev, "released");
		snprintf(buf, len, _("incident %s closed (%s): %s released"),
		         cj_text(ev, "incident"),
		         strcmp(cj_text(ev, "reason"), "cancel") == 0
		                 ? _("cancelled by its source")
		                 : _("by the desk"),
		         af);
		return buf;
	}
	describe_severity(sev, sizeof sev, cj_get(ev, "severity"));
	counts(af, sizeof af, ev, "affected");
	counts(ev_, sizeof ev_, ev, "evacuees");
	counts(un, sizeof un, ev, "unplaced");
	snprintf(buf, len,
	         strcmp(topic, "incident.opened") == 0
	                 ? _("incident %s opened: %s, %s, \"%s\"; affected %s, "
	                     "evacuating %s, without shelter %s%s")
	                 : _("incident %s revised: %s, %s, \"%s\"; affected "
	                     "%s, evacuating %s, without shelter %s%s"),
	         cj_text(ev, "incident"), describe_type(cj_str(ev, "type")),
	         sev, title ? title : cj_text(ev, "source_id"), af, ev_, un,
	         cj_bool(ev, "exercise", 0) ? _(" (EXERCISE: nothing "
	                                        "allocated)")
	                                    : "");
	return buf;
}

static char *
describe_assign(char *buf, size_t len, const json_t *ev)
{
	static const struct word how[] = {
		{"placed", N_("placed by poskod")},
		{"checkin", N_("checked in")},
		{"checkout", N_("checked out")},
		{"transfer", N_("transferred")},
		{"rehome", N_("re-homed: shelter closed")},
		{"released", N_("no longer needs to evacuate")},
	};
	char a[OUT_NUMLEN];
	const char *op = cj_str(ev, "operator");
	char who[96] = "";
	if (op)
		snprintf(who, sizeof who, _(", by %s"), op);
	/* protocol.md 3.2: for released (and checked out) `shelter` is the
	 * one the family was in: it has left it. */
	const char *st = cj_str(ev, "status");
	int left = st && (strcmp(st, "released") == 0 ||
	                  strcmp(st, "checked_out") == 0);
	snprintf(buf, len,
	         left ? _("household %s (%s persons) %s from %s (%s), "
	                  "incident %s%s")
	              : _("household %s (%s persons) %s in %s (%s), incident "
	                  "%s%s"),
	         cj_text(ev, "household"), num(a, cj_int(ev, "persons", 0)),
	         describe_status(st), cj_text(ev, "shelter"),
	         LOOKUP(how, cj_str(ev, "reason")), cj_text(ev, "incident"),
	         who);
	return buf;
}

char *
describe_event(char *buf, size_t len, const char *topic, const json_t *ev)
{
	char a[OUT_NUMLEN], d[512];
	if (strncmp(topic, "incident.", 9) == 0)
		return describe_incident(buf, len, topic, ev);
	if (strcmp(topic, "assign.household") == 0)
		return describe_assign(buf, len, ev);
	if (strcmp(topic, "unplaced.household") == 0) {
		static const struct word why[] = {
			{"no_capacity", N_("no shelter has room")},
			{"no_accessible_shelter",
			 N_("no accessible shelter has room")},
			{"shelter_closed", N_("its shelter closed")},
		};
		snprintf(buf, len,
		         _("household %s (%s persons) has NO SHELTER: %s "
		           "(incident %s)"),
		         cj_text(ev, "household"),
		         num(a, cj_int(ev, "persons", 0)),
		         LOOKUP(why, cj_str(ev, "reason")),
		         cj_text(ev, "incident"));
		return buf;
	}
	if (strcmp(topic, "dispatch.meals") == 0) {
		/* protocol.md 3.3: one plan line, one lot; a need that falls
		 * lowers a planned line, to 0 when released. */
		snprintf(buf, len,
		         _("meals %s for %s on %s: %s meals from %s lot %s "
		           "(dispatch %s, incident %s)"),
		         describe_status(cj_str(ev, "status")),
		         cj_text(ev, "shelter"), cj_text(ev, "date"),
		         num(a, cj_int(ev, "meals", 0)), cj_text(ev, "depot"),
		         cj_text(ev, "lot"), cj_text(ev, "dispatch"),
		         cj_text(ev, "incident"));
		return buf;
	}
	if (strcmp(topic, "dispatch.sandang") == 0) {
		snprintf(buf, len,
		         _("clothing kits %s for %s on %s: %s %s from %s lot %s "
		           "(dispatch %s, incident %s)"),
		         describe_status(cj_str(ev, "status")),
		         cj_text(ev, "shelter"), cj_text(ev, "date"),
		         num(a, cj_int(ev, "qty", 0)),
		         describe_item(cj_str(ev, "item")), cj_text(ev, "depot"),
		         cj_text(ev, "lot"), cj_text(ev, "dispatch"),
		         cj_text(ev, "incident"));
		return buf;
	}
	if (strncmp(topic, "alert.", 6) == 0) {
		describe_alert(d, sizeof d, topic, ev);
		const char *state = cj_str(ev, "state");
		snprintf(buf, len, "%s %s %s: %s",
		         state && strcmp(state, "cleared") == 0
		                 ? _("CLEARED")
		                 : (state && strcmp(state, "acknowledged") == 0
		                            ? _("ACKNOWLEDGED")
		                            : _("ALERT")),
		         cj_text(ev, "alert"),
		         describe_level(cj_str(ev, "level")), d);
		return buf;
	}
	if (strcmp(topic, "ingest.accepted") == 0) {
		snprintf(buf, len,
		         cj_bool(ev, "duplicate", 0)
		                 ? _("report %s/%s received again: already "
		                     "decided, nothing changed")
		                 : _("report %s/%s accepted (%s): incident %s "
		                     "revision %s"),
		         cj_text(ev, "source"), cj_text(ev, "source_id"),
		         cj_text(ev, "action"), cj_text(ev, "incident"),
		         cj_text(ev, "revision"));
		return buf;
	}
	if (strcmp(topic, "ingest.rejected") == 0) {
		snprintf(buf, len, _("report %s/%s REJECTED: %s"),
		         cj_text(ev, "source"), cj_text(ev, "source_id"),
		         cj_text(ev, "message"));
		return buf;
	}
	/* A topic this poskoctl does not know yet: its fields, briefly. */
	char *s = json_dumps(ev, JSON_COMPACT);
	snprintf(buf, len, "%s", s ? s : "");
	free(s);
	return buf;
}
