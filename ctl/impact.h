/*
 * ctl/impact.h - `poskoctl impact`: offline impact analysis for planners.
 *
 *   poskoctl impact --zones Z [--zones Z2 ...] --households H
 *                   [--kelurahan K.geojson]
 *                   [--footprint F.geojson | --point lon,lat --radius-m R]
 *                   [--crs EPSG:32748] [--json] [--out rows.csv]
 *
 * Runs without the daemon, on the same geo library the daemon uses, and
 * prints per hazard class and per kelurahan the households, people and
 * vulnerable people (elderly, under-fives, disabled, pregnant) affected,
 * with a total row that the rows add up to. --zones also accepts several
 * files after one flag (up to the next option).
 *
 * Exit codes: 0 ok, 2 usage error, 1 input error (unreadable file, no
 * usable data).
 */
#ifndef POSKO_CTL_IMPACT_H
#define POSKO_CTL_IMPACT_H

/* argv[0] is "impact" (the subcommand name); output on stdout, errors and
 * load diagnostics on stderr. */
int ctl_impact_main(int argc, char **argv);

#endif
