/*
 * ctl/plan.h - `poskoctl plan`: offline shelter, meal and kit plan for one
 * incident, without the daemon.
 *
 *   poskoctl plan --zones Z [Z2 ...] --households H --shelters S
 *                 --depots D --stock K --incident I.json
 *                 [--kelurahan K.geojson] [--rw R.geojson]
 *                 [--json | --csv] [--date YYYY-MM-DD] [--crs EPSG:32748]
 *
 * Loads the data with the geo library, finds the households inside the
 * incident's footprint (HACKING.md "Incident report"), applies the
 * evacuation policy, places the evacuees, plans meals (3 per person per
 * day for the period) and clothing kits from the depots' lots, and prints
 * the summary, the assignments, the dispatch plan, the shortages and the
 * lots about to expire unused: an aligned table, or --json, or --csv (one
 * header, a `record` column telling the row kind).
 *
 * --date is the planning day (default: the incident's date). Shelters
 * inside the footprint or in a high zone of the incident's hazard are not
 * used. Defaults are alloc's (docs/alloc.md).
 *
 * Exit codes: 0 ok, 2 usage error, 1 input error.
 */
#ifndef POSKO_CTL_PLAN_H
#define POSKO_CTL_PLAN_H

/* argv[0] is "plan"; output on stdout, errors and diagnostics on stderr. */
int ctl_plan_main(int argc, char **argv);

#endif
