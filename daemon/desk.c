/*
 * desk.c - the desk's write commands that change the plan or the store
 * (docs/protocol.md 2.3 - 2.6): shelter.open/close/set_capacity, checkin
 * (walk-ins placed through the plan), checkout, transfer,
 * stock.receive/adjust, dispatch.confirm, alerts.ack.
 *
 * Each runs as the decision-token holder inside the caller's transaction:
 * it validates everything first (a refusal changes nothing), journals the
 * command with its resolved arguments and the plan's day, applies the plan
 * step, and stores the changed records with their events. A restart
 * replays the journaled steps (desk_replay) so the plan is rebuilt as it
 * was decided.
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/desk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/engine_int.h"
#include "daemon/log.h"
#include "geo/geo.h"

static int
refuse(desk_error *de, const char *code, const char *field, const char *fmt,
       ...) __attribute__((format(printf, 4, 5)));

static int
refuse(desk_error *de, const char *code, const char *field, const char *fmt,
       ...)
{
	va_list ap;
	snprintf(de->code, sizeof(de->code), "%s", code);
	snprintf(de->field, sizeof(de->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(de->message, sizeof(de->message), fmt, ap);
	va_end(ap);
	return 1;
}

static const char *
str_arg(json_t *args, const char *k)
{
	return json_string_value(json_object_get(args, k));
}

int
desk_after_step(engine *E, uint32_t rev0, const char *op, int32_t today,
	   desk_result *res)
{
	counts cnt = {0};
	if (write_changes(E, 0, rev0, 0, 0, WC_DESK, op, &cnt, &res->placed,
			  &res->unplaced, &res->released, &res->released_p,
			  &res->dispatches) ||
	    incidents_refresh(E) || shelter_alerts(E) ||
	    supply_alerts(E, today))
		return -1;
	return 0;
}

static int
journal(engine *E, const char *cmd, const char *op, const char *raw,
	size_t rawlen, json_t *effective, int32_t today)
{
	char *eff = effective ? json_dumps(effective, JSON_COMPACT |
							      JSON_SORT_KEYS)
			      : NULL;
	store_journal j = {.origin = "control",
			   .source = "control",
			   .action = cmd,
			   .operator_ = op,
			   .raw = raw,
			   .rawlen = rawlen,
			   .effective = eff,
			   .today = today};
	int64_t id = store_journal_add(E->db, &j);
	free(eff);
	return id < 0 ? -1 : 0;
}

/* ---- shelters ------------------------------------------------------------ */

static int
shelter_store(engine *E, long k)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "UPDATE shelters SET state=?, capacity=? WHERE id=?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, E->sh_closed[k] ? "closed" : "open", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, E->sh[k].capacity);
	sqlite3_bind_text(st, 3, E->sh[k].id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int
desk_sync_shelters(engine *E)
{
	for (size_t k = 0; k < E->nsh; k++)
		if (shelter_store(E, (long)k))
			return -1;
	return 0;
}

/* shelter.open, shelter.close, shelter.set_capacity */
/* Index of the shelter with this id, or -1 with the refusal in de. */
static long
shelter_known(engine *E, const char *id, desk_error *de)
{
	long k = engine_shelter_find(E, id);
	if (k < 0)
		refuse(de, "not_found", "args.shelter",
		       "no shelter %s; `poskoctl shelter list` shows the ids",
		       id);
	return k;
}

static int
do_shelter(engine *E, const char *cmd, json_t *args, int replay,
	   int32_t today, json_t **eff, desk_error *de, char *err,
	   size_t errlen)
{
	const char *id = str_arg(args, "shelter");
	long k;
	if (id == NULL)
		return refuse(de, "bad_argument", "args.shelter",
			      "give the shelter id, e.g. SH-0001");
	if ((k = shelter_known(E, id, de)) < 0)
		return 1;
	if (strcmp(cmd, "shelter.open") == 0) {
		if (!E->sh_closed[k] && !replay)
			return refuse(de, "conflict", "args.shelter",
				      "shelter %s is already open", id);
		E->sh_closed[k] = 0;
	} else if (strcmp(cmd, "shelter.close") == 0) {
		if (!replay && (str_arg(args, "reason") == NULL ||
				!*str_arg(args, "reason")))
			return refuse(de, "bad_argument", "args.reason",
				      "say why the shelter closes (reason)");
		if (E->sh_closed[k] && !replay)
			return refuse(de, "conflict", "args.shelter",
				      "shelter %s is already closed", id);
		E->sh_closed[k] = 1;
	} else {
		json_t *cap = json_object_get(args, "capacity");
		if (!json_is_integer(cap) || json_integer_value(cap) < 0 ||
		    json_integer_value(cap) > 1000000)
			return refuse(de, "bad_argument", "args.capacity",
				      "capacity must be a whole number of "
				      "persons, 0 to 1000000");
		if (!replay && (str_arg(args, "reason") == NULL ||
				!*str_arg(args, "reason")))
			return refuse(de, "bad_argument", "args.reason",
				      "say why the capacity changes (reason)");
		E->sh[k].capacity = (uint32_t)json_integer_value(cap);
	}
	if (shelter_replan(E, (size_t)k, today, err, errlen))
		return -1;
	if (!replay && shelter_store(E, k))
		return -1;
	*eff = json_pack("{s:s,s:s}", "cmd", cmd, "shelter", id);
	if (json_object_get(args, "capacity"))
		json_object_set(*eff, "capacity",
				json_object_get(args, "capacity"));
	return 0;
}

/* ---- households ------------------------------------------------------------ */

/* The household's current assignment in the store (registered/present). */
static int
find_assignment(engine *E, int64_t hh, int64_t *id, int64_t *inc,
		char *shelter, size_t shlen, char *status, size_t stlen)
{
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT id, incident, shelter, status FROM assignments"
		       " WHERE household=? AND status IN ('registered',"
		       "'present') ORDER BY id DESC LIMIT 1");
	int found = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, hh);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*inc = sqlite3_column_int64(st, 1);
		snprintf(shelter, shlen, "%s",
			 (const char *)sqlite3_column_text(st, 2));
		snprintf(status, stlen, "%s",
			 (const char *)sqlite3_column_text(st, 3));
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

static int
assign_event(engine *E, int64_t aid, const char *status, const char *reason,
	     const char *op)
{
	long i = aid >= 1 && aid <= UINT32_MAX
			 ? alloc_plan_evacuee_by_id(&E->plan, (uint32_t)aid)
			 : -1;
	if (i < 0)
		return -1;
	const struct alloc_evacuee *e = &E->plan.evacuees[i];
	int cls = e->hh.flood_class > e->hh.fire_class ? e->hh.flood_class
						       : e->hh.fire_class;
	return emit(E, "assign.household",
		    json_pack("{s:i,s:I,s:s,s:i,s:{s:i,s:i,s:i,s:i},s:s,s:s,"
			      "s:s,s:s?}",
			      "incident", (int)e->incident, "household",
			      (json_int_t)e->hh.id, "shelter",
			      shelter_name(E, e->shelter), "persons",
			      (int)e->hh.persons, "vulnerable", "elderly",
			      (int)e->hh.elderly, "under5", (int)e->hh.under5,
			      "disabled", (int)e->hh.disabled, "pregnant",
			      (int)e->hh.pregnant, "class",
			      geo_class_name((geo_class)cls), "status", status,
			      "reason", reason, "operator", op));
}

/* The register's record of household id, or -1 (-2: out of memory); the
 * register may grow at runtime (import.c), so it is looked up each time. */
static long
household_index(engine *E, int64_t id)
{
	if (id < 0 || id > (int64_t)UINT32_MAX)
		return -1;
	return engine_household_find(E, (uint32_t)id);
}

/* Why the plan will not place household hh of incident inc in shelter k,
 * as the desk should read it (protocol.md 2.4). */
static int
refuse_place(engine *E, desk_error *de, int why, int64_t hh, int64_t inc,
             long k, const struct alloc_household *h, uint32_t free_places)
{
	const char *sh = k >= 0 ? E->sh[k].id : "?";

	switch (why) {
	case ALLOC_PLACE_NO_INCIDENT:
		return refuse(de, "not_found", "args.incident",
		              "no incident %lld in the plan (unknown, or an "
		              "exercise); `poskoctl incident list` shows the "
		              "ids",
		              (long long)inc);
	case ALLOC_PLACE_INCIDENT_CLOSED:
		return refuse(de, "conflict", "args.incident",
		              "incident %lld is closed: nobody is placed for "
		              "it any more",
		              (long long)inc);
	case ALLOC_PLACE_NO_SHELTER:
		return refuse(de, "not_found", "args.shelter",
		              "no shelter %s; `poskoctl shelter list` shows "
		              "the ids",
		              sh);
	case ALLOC_PLACE_SHELTER_CLOSED:
		return refuse(de, "conflict", "args.shelter",
		              "shelter %s is closed; open it first "
		              "(`poskoctl shelter open`) or choose another",
		              sh);
	case ALLOC_PLACE_UNUSABLE:
		return refuse(de, "conflict", "args.shelter",
		              "shelter %s is not used for incident %lld: it "
		              "lies in the incident's footprint or in a high "
		              "zone of its hazard",
		              sh, (long long)inc);
	case ALLOC_PLACE_INACCESSIBLE:
		return refuse(de, "conflict", "args.shelter",
		              "household %lld has a member with a "
		              "disability and shelter %s is not accessible",
		              (long long)hh, sh);
	case ALLOC_PLACE_FULL:
		return refuse(de, "conflict", "args.shelter",
		              "shelter %s has %u free places; household "
		              "%lld is %u persons (never split)",
		              sh, free_places, (long long)hh,
		              (unsigned)h->persons);
	case ALLOC_PLACE_ALREADY_THERE:
		return refuse(de, "conflict", "args.shelter",
		              "household %lld is already in shelter %s",
		              (long long)hh, sh);
	}
	return refuse(de, "conflict", "args.shelter",
	              "household %lld cannot be placed in shelter %s (%s)",
	              (long long)hh, sh, alloc_place_refusal_name(why));
}

/*
 * Place household hh of incident inc in shelter k through the plan
 * (alloc_plan_place: a walk-in or a transfer), after the same checks the
 * plan makes, so that a refusal names the field and changes nothing.
 * replay: the journaled step again, no checks beyond the plan's own.
 */
static int
place(engine *E, int64_t hh, int64_t inc, long k, int replay, int32_t today,
      desk_error *de, char *err, size_t errlen)
{
	struct alloc_household h;
	long at =
	    alloc_plan_evacuee_find(&E->plan, (uint32_t)inc, (uint32_t)hh);
	long r = household_index(E, hh);
	uint32_t fr = 0;
	int why;

	if (at >= 0)
		h = E->plan.evacuees[at].hh;
	else if (r >= 0)
		engine_household_alloc(&E->hh[r], &h);
	else if (replay) {
		snprintf(err, errlen, "household %lld: not in the register",
		         (long long)hh);
		return -1;
	} else
		return refuse(de, "not_found", "args.household",
		              "no household %lld in the register",
		              (long long)hh);
	if (!replay) {
		why = alloc_plan_place_check(&E->plan, (uint32_t)inc, &h,
		                             (uint32_t)k + 1, &fr);
		if (why != ALLOC_PLACE_OK)
			return refuse_place(E, de, why, hh, inc, k, &h, fr);
	}
	return alloc_plan_place(&E->plan, (uint32_t)inc, &h, (uint32_t)k + 1,
	                        today, err, errlen)
	           ? -1
	           : 0;
}

/* Walk-in check-in (a household with no shelter): placed in the shelter
 * it came to, for the incident named, then marked present by
 * desk_checkin_present after the step's rows are written. */
static int
do_walkin(engine *E, json_t *args, int replay, int32_t today, json_t **eff,
          int64_t *present, desk_error *de, char *err, size_t errlen)
{
	json_t *h = json_object_get(args, "household");
	json_t *inc = json_object_get(args, "incident");
	const char *sh = str_arg(args, "shelter");
	long k, at;
	int rc;

	if (!json_is_integer(inc))
		return refuse(de, "bad_argument", "args.incident",
		              "household %lld has no shelter: a walk-in "
		              "check-in needs the incident (and the shelter "
		              "it came to)",
		              (long long)json_integer_value(h));
	if (sh == NULL)
		return refuse(de, "bad_argument", "args.shelter",
		              "household %lld has no shelter: a walk-in "
		              "check-in needs the shelter it came to",
		              (long long)json_integer_value(h));
	if ((k = shelter_known(E, sh, de)) < 0)
		return 1;
	rc = place(E, json_integer_value(h), json_integer_value(inc), k, replay,
	           today, de, err, errlen);
	if (rc)
		return rc;
	at =
	    alloc_plan_evacuee_find(&E->plan, (uint32_t)json_integer_value(inc),
	                            (uint32_t)json_integer_value(h));
	/* assignment id = the evacuee record's id */
	*present = at >= 0 ? E->plan.evacuees[at].id : 0;
	*eff = json_pack("{s:s,s:O,s:O,s:s,s:b}", "cmd", "checkin", "household",
	                 h, "incident", inc, "shelter", sh, "walkin", 1);
	return 0;
}

/* A walk-in's assignment (written by the step as registered) is present
 * from now: the family is at the door. */
static int
checkin_present(engine *E, int64_t aid, const char *op)
{
	char now[32];
	sqlite3_stmt *st = store_stmt(
	    E->db, "UPDATE assignments SET status='present', since=?,"
	           " checked_in=?, checked_out=NULL, released=NULL"
	           " WHERE id=?");
	if (st == NULL)
		return -1;
	store_now(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, aid);
	if (sqlite3_step(st) != SQLITE_DONE ||
	    sqlite3_changes(store_db(E->db)) != 1)
		return -1;
	return assign_event(E, aid, "present", "checkin", op);
}

static int
do_checkin(engine *E, json_t *args, const char *op, int replay, int32_t today,
           json_t **eff, int64_t *present, desk_error *de, char *err,
           size_t errlen)
{
	json_t *h = json_object_get(args, "household");
	const char *sh = str_arg(args, "shelter");
	int64_t aid = 0, inc = 0;
	char cur[64] = "", status[16] = "", now[32];
	if (!json_is_integer(h))
		return refuse(de, "bad_argument", "args.household",
			      "give the household number");
	if (replay)
		/* only walk-ins are journaled with their step */
		return json_is_true(json_object_get(args, "walkin"))
			       ? do_walkin(E, args, 1, today, eff, present, de,
					   err, errlen)
			       : 0;
	int f = find_assignment(E, json_integer_value(h), &aid, &inc, cur,
				sizeof(cur), status, sizeof(status));
	if (f < 0)
		return -1;
	if (f == 0)
		return do_walkin(E, args, 0, today, eff, present, de, err,
				 errlen);
	if (strcmp(status, "present") == 0)
		return refuse(de, "conflict", "args.household",
			      "household %lld is already checked in at %s",
			      (long long)json_integer_value(h), cur);
	if (sh && strcmp(sh, cur))
		return refuse(de, "conflict", "args.shelter",
			      "household %lld is assigned to %s, not %s; "
			      "check in there or transfer it",
			      (long long)json_integer_value(h), cur, sh);
	sqlite3_stmt *st = store_stmt(
		E->db, "UPDATE assignments SET status='present',"
		       " checked_in=? WHERE id=?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, store_now(now), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, aid);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	if (assign_event(E, aid, "present", "checkin", op))
		return -1;
	/* the store only: the plan counts registered and present alike */
	*eff = NULL;
	return 0;
}

static int
do_checkout(engine *E, json_t *args, const char *op, int replay,
	    int32_t today, json_t **eff, desk_error *de, char *err,
	    size_t errlen)
{
	json_t *h = json_object_get(args, "household");
	int64_t aid = 0, inc = 0;
	char cur[64] = "", status[16] = "";
	if (!json_is_integer(h))
		return refuse(de, "bad_argument", "args.household",
			      "give the household number");
	if (replay) {
		inc = json_integer_value(json_object_get(args, "incident"));
	} else {
		const char *reason = str_arg(args, "reason");
		if (reason == NULL || !*reason)
			return refuse(de, "bad_argument", "args.reason",
				      "say why the family leaves (reason)");
		int f = find_assignment(E, json_integer_value(h), &aid, &inc,
					cur, sizeof(cur), status,
					sizeof(status));
		if (f < 0)
			return -1;
		if (f == 0)
			return refuse(de, "not_found", "args.household",
				      "household %lld is not in a shelter",
				      (long long)json_integer_value(h));
	}
	if (alloc_plan_checkout(&E->plan, (uint32_t)inc,
				(uint32_t)json_integer_value(h), today, err,
				errlen))
		return -1;
	*eff = json_pack("{s:s,s:O,s:I}", "cmd", "checkout", "household", h,
			 "incident", (json_int_t)inc);
	return 0;
}

/* A placed family moves to another shelter (protocol.md 2.4). The plan
 * moves it and its meals; its assignment keeps its status, gets the new
 * shelter, and is published with reason transfer (the step's own writer
 * would call it a re-home, so it is told the move is written). */
static int
do_transfer(engine *E, json_t *args, const char *op, int replay, int32_t today,
            json_t **eff, desk_error *de, char *err, size_t errlen)
{
	json_t *h = json_object_get(args, "household");
	const char *sh = str_arg(args, "shelter");
	int64_t aid = 0, inc = 0;
	char cur[64] = "", status[16] = "", now[32];
	long k, at;

	if (!json_is_integer(h))
		return refuse(de, "bad_argument", "args.household",
		              "give the household number");
	if (sh == NULL)
		return refuse(de, "bad_argument", "args.shelter",
		              "give the shelter the family moves to, e.g. "
		              "SH-0002");
	if (replay) {
		inc = json_integer_value(json_object_get(args, "incident"));
	} else {
		const char *reason = str_arg(args, "reason");
		if (reason == NULL || !*reason)
			return refuse(de, "bad_argument", "args.reason",
			              "say why the family moves (reason)");
		if (household_index(E, json_integer_value(h)) < 0)
			return refuse(de, "not_found", "args.household",
			              "no household %lld in the register",
			              (long long)json_integer_value(h));
		int f =
		    find_assignment(E, json_integer_value(h), &aid, &inc, cur,
		                    sizeof(cur), status, sizeof(status));
		if (f < 0)
			return -1;
		if (f == 0)
			return refuse(de, "conflict", "args.household",
			              "household %lld is not in a shelter: "
			              "only a registered or present family is "
			              "transferred (a family without a shelter "
			              "is checked in where it is)",
			              (long long)json_integer_value(h));
	}
	if ((k = shelter_known(E, sh, de)) < 0)
		return 1;
	at = alloc_plan_evacuee_find(&E->plan, (uint32_t)inc,
	                             (uint32_t)json_integer_value(h));
	if (!replay && (at < 0 || E->plan.evacuees[at].id != aid)) {
		/* the store and the plan disagree: change neither */
		snprintf(err, errlen, "transfer: household %lld: assignment "
		         "%lld is not the plan's",
		         (long long)json_integer_value(h), (long long)aid);
		return -1;
	}
	int rc = place(E, json_integer_value(h), inc, k, replay, today, de, err,
	               errlen);
	if (rc)
		return rc;
	*eff = json_pack("{s:s,s:O,s:I,s:s}", "cmd", "transfer", "household", h,
	                 "incident", (json_int_t)inc, "shelter", sh);
	if (replay)
		return 0;
	if ((size_t)at < E->ev_cap) {
		E->ev_status[at] = ALLOC_ST_PLACED;
		E->ev_shelter[at] = (uint32_t)k + 1;
	}
	sqlite3_stmt *st = store_stmt(
	    E->db, "UPDATE assignments SET shelter=?, since=? WHERE id=?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, E->sh[k].id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store_now(now), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, aid);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	return assign_event(E, aid, status, "transfer", op);
}

/* ---- stock ----------------------------------------------------------------- */

/* Append a lot to the engine's lot table (alloc lot id = index + 1). */
long
desk_lot_add(engine *E, long dep, const char *lot, int item, int32_t expires)
{
	geo_lot *n = realloc(E->lots, (E->nlots + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	E->lots = n;
	geo_lot *l = &E->lots[E->nlots];
	memset(l, 0, sizeof(*l));
	l->depot = (uint32_t)dep;
	snprintf(l->lot, sizeof(l->lot), "%s", lot);
	l->item = (geo_item)item;
	l->expires_days = expires;
	l->expires_ymd = expires == GEO_NO_EXPIRY ? 0 : geo_days_to_ymd(expires);
	return (long)E->nlots++;
}

static int
movement(engine *E, const char *depot, const char *lot, const char *item,
	 const char *kind, int64_t qty, int64_t dispatch, const char *reason,
	 const char *op)
{
	char now[32];
	sqlite3_stmt *st = store_stmt(
		E->db, "INSERT INTO movements (time, depot, lot, item, kind,"
		       " qty, dispatch, reason, operator) VALUES"
		       " (?,?,?,?,?,?,?,?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, store_now(now), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, depot, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lot, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, item, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, qty);
	if (dispatch)
		sqlite3_bind_int64(st, 7, dispatch);
	if (reason)
		sqlite3_bind_text(st, 8, reason, -1, SQLITE_STATIC);
	if (op)
		sqlite3_bind_text(st, 9, op, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int
lot_qty_add(engine *E, long li, int64_t delta)
{
	const geo_lot *l = &E->lots[li];
	char exp[16];
	sqlite3_stmt *st = store_stmt(
		E->db, "UPDATE lots SET qty = qty + ? WHERE depot=? AND lot=?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, delta);
	sqlite3_bind_text(st, 2, E->dep[l->depot].id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, l->lot, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(store_db(E->db)) > 0)
		return 0;
	st = store_stmt(E->db, "INSERT INTO lots (depot, lot, item, qty,"
			       " expires) VALUES (?,?,?,?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, E->dep[l->depot].id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l->lot, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, geo_item_name(l->item), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, delta);
	if (l->expires_ymd) {
		snprintf(exp, sizeof(exp), "%04u-%02u-%02u",
			 l->expires_ymd / 10000, l->expires_ymd / 100 % 100,
			 l->expires_ymd % 100);
		sqlite3_bind_text(st, 5, exp, -1, SQLITE_TRANSIENT);
	}
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int
do_receive(engine *E, json_t *args, const char *op, int replay,
	   int32_t today, json_t **eff, desk_error *de, char *err,
	   size_t errlen)
{
	const char *depot = str_arg(args, "depot"), *item_s = str_arg(args, "item");
	const char *lot = str_arg(args, "lot"), *exp_s = str_arg(args, "expires");
	json_t *q = json_object_get(args, "qty");
	int32_t expires = GEO_NO_EXPIRY;
	uint32_t ymd;
	char lotbuf[GEO_ID_LEN];
	long dep, li;
	int item;

	if (depot == NULL || (dep = engine_depot_find(E, depot)) < 0)
		return refuse(de, depot ? "not_found" : "bad_argument",
			      "args.depot", "no depot %s; `poskoctl stock list` "
			      "shows the depots", depot ? depot : "given");
	item = item_s ? alloc_item_parse(item_s) : -1;
	if (item < 0)
		return refuse(de, "bad_argument", "args.item",
			      "item must be meal, kit_adult, kit_child, "
			      "kit_infant or kit_family");
	if (!json_is_integer(q) || json_integer_value(q) <= 0 ||
	    json_integer_value(q) > 100000000)
		return refuse(de, "bad_argument", "args.qty",
			      "qty must be a positive whole number of units");
	if (exp_s && geo_date_parse(exp_s, &expires, &ymd))
		return refuse(de, "bad_argument", "args.expires",
			      "expires must be a date YYYY-MM-DD, got %s",
			      exp_s);
	if (lot == NULL) {
		char d[ALLOC_DAY_BUFLEN];
		alloc_day_format(today, d);
		for (int n = 1;; n++) {
			snprintf(lotbuf, sizeof(lotbuf), "R%s-%d", d, n);
			if (engine_lot_find(E, dep, lotbuf) < 0)
				break;
		}
		lot = lotbuf;
	} else if (strlen(lot) < 1 || strlen(lot) >= GEO_ID_LEN) {
		return refuse(de, "bad_argument", "args.lot",
			      "lot must be 1 to %d characters",
			      GEO_ID_LEN - 1);
	}
	li = engine_lot_find(E, dep, lot);
	if (li >= 0 && ((int)E->lots[li].item != item ||
			E->lots[li].expires_days != expires))
		return refuse(de, "conflict", "args.lot",
			      "lot %s of %s holds %s expiring %s; a receipt "
			      "into it must be the same item and expiry",
			      lot, depot, geo_item_name(E->lots[li].item),
			      E->lots[li].expires_ymd ? "on its date" : "never");
	if (li < 0 && (li = desk_lot_add(E, dep, lot, item, expires)) < 0)
		return -1;
	/* the store first: a store error leaves the plan untouched */
	if (!replay && (lot_qty_add(E, li, json_integer_value(q)) ||
			movement(E, depot, lot, item_s, "received",
				 json_integer_value(q), 0, NULL, op)))
		return -1;
	if (alloc_plan_receive_stock(&E->plan, (uint32_t)dep + 1,
				     (uint32_t)li + 1, item,
				     json_integer_value(q),
				     expires == GEO_NO_EXPIRY ? ALLOC_DAY_NEVER
							      : expires,
				     today, err, errlen))
		return -1;
	*eff = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s?}", "cmd", "stock.receive",
			 "depot", depot, "lot", lot, "item", item_s, "qty", q,
			 "expires", exp_s);
	return 0;
}

static int
do_adjust(engine *E, json_t *args, const char *op, int replay,
	  int32_t today, json_t **eff, desk_error *de, char *err,
	  size_t errlen)
{
	const char *depot = str_arg(args, "depot"), *lot = str_arg(args, "lot");
	const char *reason = str_arg(args, "reason");
	json_t *d = json_object_get(args, "delta");
	long dep, li, idx;
	int64_t delta;

	if (depot == NULL || (dep = engine_depot_find(E, depot)) < 0)
		return refuse(de, depot ? "not_found" : "bad_argument",
			      "args.depot", "no depot %s",
			      depot ? depot : "given");
	if (lot == NULL || (li = engine_lot_find(E, dep, lot)) < 0)
		return refuse(de, lot ? "not_found" : "bad_argument",
			      "args.lot", "no lot %s in %s",
			      lot ? lot : "given", depot);
	if (!json_is_integer(d) || json_integer_value(d) == 0)
		return refuse(de, "bad_argument", "args.delta",
			      "delta must be a non-zero whole number of units");
	if (!replay && (reason == NULL || !*reason))
		return refuse(de, "bad_argument", "args.reason",
			      "a stock adjustment needs a reason (damaged, "
			      "counted, expired, ...)");
	delta = json_integer_value(d);
	const geo_lot *l = &E->lots[li];
	idx = alloc_ledger_find(&E->ledger, (uint32_t)dep + 1, (uint32_t)li + 1,
				(int)l->item);
	int64_t qty = idx >= 0 ? E->ledger.lots[idx].qty : 0;
	int64_t res = idx >= 0 ? E->ledger.lots[idx].reserved : 0;
	if (delta < 0 && qty + delta < res)
		return refuse(de, "conflict", "args.delta",
			      "lot %s holds %lld, %lld of them reserved for "
			      "planned dispatches: it cannot lose %lld",
			      lot, (long long)qty, (long long)res,
			      (long long)-delta);
	if (!replay && (lot_qty_add(E, li, delta) ||
			movement(E, depot, lot, geo_item_name(l->item),
				 "adjusted", delta, 0, reason, op)))
		return -1;
	if (delta > 0) {
		if (alloc_plan_receive_stock(
			    &E->plan, (uint32_t)dep + 1, (uint32_t)li + 1,
			    (int)l->item, delta,
			    l->expires_days == GEO_NO_EXPIRY ? ALLOC_DAY_NEVER
							     : l->expires_days,
			    today, err, errlen))
			return -1;
	} else {
		/* the ledger is the caller's: lower it, then re-plan */
		E->ledger.lots[idx].qty += delta;
		if (alloc_plan_replan(&E->plan, today, err, errlen))
			return -1;
	}
	*eff = json_pack("{s:s,s:s,s:s,s:I}", "cmd", "stock.adjust", "depot",
			 depot, "lot", lot, "delta", (json_int_t)delta);
	return 0;
}

static int
do_confirm(engine *E, json_t *args, const char *op, int replay, json_t **eff,
	   desk_error *de, char *err, size_t errlen)
{
	json_t *d = json_object_get(args, "dispatch");
	if (!json_is_integer(d))
		return refuse(de, "bad_argument", "args.dispatch",
			      "give the dispatch number");
	int64_t n = json_integer_value(d);
	long at = n >= 1 && n <= UINT32_MAX
			  ? alloc_plan_dispatch_find(&E->plan, (uint32_t)n)
			  : -1;
	if (at < 0) {
		/* a released line of a closed incident leaves the plan
		 * (alloc_plan_compact) but not the store */
		sqlite3_stmt *st = store_stmt(
			E->db, "SELECT status FROM dispatches WHERE id=?");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, n);
		int was = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (was)
			return refuse(de, "conflict", "args.dispatch",
				      "dispatch %lld is released, only a "
				      "planned one can be confirmed",
				      (long long)n);
		return refuse(de, "not_found", "args.dispatch",
			      "no dispatch %lld", (long long)n);
	}
	const struct alloc_dispatch *x = &E->plan.dispatches[at];
	if (x->state != ALLOC_DISPATCH_PLANNED)
		return refuse(de, "conflict", "args.dispatch",
			      "dispatch %lld is %s, only a planned one can be "
			      "confirmed",
			      (long long)n, alloc_dispatch_state_name(x->state));
	if (x->qty <= 0)
		return refuse(de, "conflict", "args.dispatch",
			      "dispatch %lld has nothing to send",
			      (long long)n);
	int64_t qty = x->qty;
	uint32_t lot = x->lot;
	if (!replay && lot >= 1 && lot <= E->nlots) {
		const geo_lot *l = &E->lots[lot - 1];
		if (lot_qty_add(E, (long)lot - 1, -qty) ||
		    movement(E, E->dep[l->depot].id, l->lot,
			     geo_item_name(l->item), "consumed", qty, n, NULL,
			     op))
			return -1;
	}
	if (alloc_plan_confirm(&E->plan, (size_t)at, err, errlen))
		return -1;
	*eff = json_pack("{s:s,s:I}", "cmd", "dispatch.confirm", "dispatch",
			 (json_int_t)n);
	return 0;
}

/* ---- alerts ---------------------------------------------------------------- */

static int
do_ack(engine *E, json_t *args, const char *op, desk_error *de)
{
	json_t *a = json_object_get(args, "alert");
	char now[32];
	if (!json_is_integer(a))
		return refuse(de, "bad_argument", "args.alert",
			      "give the alert number");
	sqlite3_stmt *st = store_stmt(
		E->db, "SELECT topic, kind, level, state, detail FROM alerts"
		       " WHERE id=?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, json_integer_value(a));
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return refuse(de, "not_found", "args.alert", "no alert %lld",
			      (long long)json_integer_value(a));
	}
	char topic[32], kind[32], level[16], state[16];
	snprintf(topic, sizeof(topic), "%s", sqlite3_column_text(st, 0));
	snprintf(kind, sizeof(kind), "%s", sqlite3_column_text(st, 1));
	snprintf(level, sizeof(level), "%s", sqlite3_column_text(st, 2));
	snprintf(state, sizeof(state), "%s", sqlite3_column_text(st, 3));
	json_t *detail = json_loads((const char *)sqlite3_column_text(st, 4),
				    0, NULL);
	sqlite3_reset(st);
	if (strcmp(state, "raised")) {
		json_decref(detail);
		return refuse(de, "conflict", "args.alert",
			      "alert %lld is %s already",
			      (long long)json_integer_value(a), state);
	}
	st = store_stmt(E->db, "UPDATE alerts SET state='acknowledged',"
			       " acknowledged=?, acked_by=?, note=? WHERE id=?");
	if (st == NULL) {
		json_decref(detail);
		return -1;
	}
	sqlite3_bind_text(st, 1, store_now(now), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
	if (str_arg(args, "note"))
		sqlite3_bind_text(st, 3, str_arg(args, "note"), -1,
				  SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, json_integer_value(a));
	if (sqlite3_step(st) != SQLITE_DONE) {
		json_decref(detail);
		return -1;
	}
	if (detail == NULL)
		detail = json_object();
	json_object_set_new(detail, "alert", json_copy(a));
	json_object_set_new(detail, "state", json_string("acknowledged"));
	json_object_set_new(detail, "kind", json_string(kind));
	json_object_set_new(detail, "level", json_string(level));
	json_object_set_new(detail, "operator", json_string(op));
	return emit(E, topic, detail);
}

/* ---- dispatch ---------------------------------------------------------------- */

int
desk_is_step(const char *cmd)
{
	static const char *const steps[] = {
		"shelter.open", "shelter.close", "shelter.set_capacity",
		"checkin",      "checkout",      "transfer",
		"stock.receive", "stock.adjust", "dispatch.confirm",
		"alerts.ack"};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(cmd, steps[i]) == 0)
			return 1;
	return 0;
}

/* present: set to a walk-in's assignment id, marked present after the
 * step's rows are written. */
static int
apply(engine *E, const char *cmd, json_t *args, const char *op, int replay,
      int32_t today, json_t **eff, int64_t *present, desk_error *de,
      char *err, size_t errlen)
{
	*eff = NULL;
	*present = 0;
	if (strncmp(cmd, "shelter.", 8) == 0)
		return do_shelter(E, cmd, args, replay, today, eff, de, err,
				  errlen);
	if (strcmp(cmd, "checkin") == 0)
		return do_checkin(E, args, op, replay, today, eff, present, de,
				  err, errlen);
	if (strcmp(cmd, "transfer") == 0)
		return do_transfer(E, args, op, replay, today, eff, de, err,
				   errlen);
	if (strcmp(cmd, "checkout") == 0)
		return do_checkout(E, args, op, replay, today, eff, de, err,
				   errlen);
	if (strcmp(cmd, "stock.receive") == 0)
		return do_receive(E, args, op, replay, today, eff, de, err,
				  errlen);
	if (strcmp(cmd, "stock.adjust") == 0)
		return do_adjust(E, args, op, replay, today, eff, de, err,
				 errlen);
	if (strcmp(cmd, "dispatch.confirm") == 0)
		return do_confirm(E, args, op, replay, eff, de, err, errlen);
	if (strcmp(cmd, "alerts.ack") == 0)
		return replay ? 0 : do_ack(E, args, op, de);
	return refuse(de, "unknown_command", "cmd", "%s is not a desk step",
		      cmd);
}

int
desk_run(engine *E, const char *cmd, json_t *args, const char *op,
	 const char *raw, size_t rawlen, desk_result *res, desk_error *de,
	 char *err, size_t errlen)
{
	int32_t today = engine_day((int64_t)time(NULL));
	uint32_t rev0 = E->plan.rev;
	json_t *eff = NULL;
	int64_t present = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(de, 0, sizeof(*de));
	rc = apply(E, cmd, args, op, 0, today, &eff, &present, de, err,
		   errlen);
	if (rc)
		goto out;
	if (eff)
		json_object_set_new(eff, "today", json_integer(today));
	if (journal(E, cmd, op, raw, rawlen, eff, today) ||
	    (E->plan.rev != rev0 && desk_after_step(E, rev0, op, today, res)) ||
	    (present && checkin_present(E, present, op)))
		rc = -1;
out:
	if (rc < 0 && err[0] == '\0')
		snprintf(err, errlen, "store: %s", store_errmsg(E->db));
	json_decref(eff);
	return rc;
}

int
desk_replay(engine *E, const char *cmd, const char *effective, int32_t today,
	    char *err, size_t errlen)
{
	json_t *args = json_loads(effective, 0, NULL), *eff = NULL;
	desk_error de;
	int64_t present;
	int rc;
	if (args == NULL) {
		snprintf(err, errlen, "journal: %s: not JSON", cmd);
		return -1;
	}
	rc = apply(E, cmd, args, NULL, 1, today, &eff, &present, &de, err,
		   errlen);
	if (rc > 0) {
		snprintf(err, errlen, "%s", de.message);
		rc = -1;
	}
	json_decref(eff);
	json_decref(args);
	return rc;
}
