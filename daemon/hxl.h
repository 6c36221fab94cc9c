/*
 * daemon/hxl.h - the situation report as HXL-tagged CSV for humanitarian
 * partners (HXL 1.1: a header row, then a row of hashtags, then data;
 * anchors.md 3.4). Jakarta's levels: #adm1 province (DKI Jakarta, 31),
 * #adm2 kota ("31.71"), #adm3 kecamatan ("31.71.01"), #adm4 kelurahan
 * ("31.71.01.1001"); #loc is a shelter.
 *
 * Four tables, each its own CSV (RFC 4180, UTF-8, CRLF line ends):
 *   hxl_kelurahan  people affected and displaced per kelurahan of origin
 *   hxl_shelters   shelters with capacity and occupancy
 *   hxl_needs      needs per item (and shelter) with shortages
 *   hxl_incidents  the incidents
 * The columns are listed in docs/feed.md ("HXL"). Input is the same
 * `sitrep` the JSON writer takes (daemon/sitrep.h). Pure: no I/O.
 */
#ifndef POSKO_DAEMON_HXL_H
#define POSKO_DAEMON_HXL_H

#include <stddef.h>

#include "daemon/sitrep.h"

/* Each writes malloc'd NUL-terminated CSV to *out (free()), *len bytes;
 * returns 0, SITREP_EINVAL (field in err) or SITREP_ENOMEM. */
int hxl_kelurahan(const sitrep *s, char **out, size_t *len, char *err,
                  size_t errlen);
int hxl_shelters(const sitrep *s, char **out, size_t *len, char *err,
                 size_t errlen);
int hxl_needs(const sitrep *s, char **out, size_t *len, char *err,
              size_t errlen);
int hxl_incidents(const sitrep *s, char **out, size_t *len, char *err,
                  size_t errlen);

/* Look a table up by name ("kelurahan", "shelters", "needs", "incidents")
 * for `poskoctl feed hxl --table NAME`; NULL when unknown. */
typedef int (*hxl_writer)(const sitrep *s, char **out, size_t *len, char *err,
                          size_t errlen);
hxl_writer hxl_table(const char *name);

#endif
