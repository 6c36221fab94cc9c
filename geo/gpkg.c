#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geo/geo.h"
#include "geo/gpkg.h"

struct geo_gpkg {
	sqlite3 *db;
	const char *path;
};

int
geo_gpkg_open(const char *path, geo_gpkg **out, char *err, size_t errlen)
{
	geo_gpkg *g;
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	g->path = path;
	rc = sqlite3_open_v2(path, &g->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		geo_seterr(err, errlen, GEO_EIO, "%s: cannot open: %s", path,
		           g->db ? sqlite3_errmsg(g->db) : "out of memory");
		geo_gpkg_close(g);
		return GEO_EIO;
	}
	rc = sqlite3_prepare_v2(g->db, "SELECT count(*) FROM gpkg_contents", -1,
	                        &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : SQLITE_ERROR;
	if (rc != SQLITE_OK) {
		geo_seterr(err, errlen, GEO_EFORMAT,
		           "%s: not a GeoPackage (no gpkg_contents): %s", path,
		           sqlite3_errmsg(g->db));
		sqlite3_finalize(st);
		geo_gpkg_close(g);
		return GEO_EFORMAT;
	}
	sqlite3_finalize(st);
	*out = g;
	return 0;
}

void
geo_gpkg_close(geo_gpkg *g)
{
	if (g == NULL)
		return;
	sqlite3_close(g->db);
	free(g);
}

void
geo_gpkg_layers_free(geo_gpkg_layer *l, size_t n)
{
	size_t i;

	for (i = 0; i < n && l != NULL; i++) {
		free(l[i].table);
		free(l[i].geom_col);
		free(l[i].geom_type);
		free(l[i].crs);
	}
	free(l);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s != NULL ? (const char *)s : "");
}

/* CRS string for PROJ from a gpkg_spatial_ref_sys row. */
static char *
srs_crs(sqlite3 *db, int srs_id)
{
	static const char *q =
	    "SELECT organization, organization_coordsys_id, definition "
	    "FROM gpkg_spatial_ref_sys WHERE srs_id = ?";
	sqlite3_stmt *st = NULL;
	char *crs = NULL, buf[64];

	if (srs_id == -1)
		return NULL; /* undefined Cartesian: cannot be placed */
	if (srs_id == 0)
		return strdup("EPSG:4326"); /* undefined geographic */
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int(st, 1, srs_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *org = (const char *)sqlite3_column_text(st, 0);
		int code = sqlite3_column_int(st, 1);
		const char *def = (const char *)sqlite3_column_text(st, 2);

		if (org != NULL && strcasecmp(org, "EPSG") == 0 && code > 0) {
			snprintf(buf, sizeof buf, "EPSG:%d", code);
			crs = strdup(buf);
		} else if (def != NULL && strcasecmp(def, "undefined") != 0) {
			crs = strdup(def);
		}
	}
	sqlite3_finalize(st);
	return crs;
}

int
geo_gpkg_layers(geo_gpkg *g, const char *only, geo_gpkg_layer **out, size_t *n,
                char *err, size_t errlen)
{
	static const char *q =
	    "SELECT c.table_name, gc.column_name, gc.geometry_type_name, "
	    "gc.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns gc "
	    "ON gc.table_name = c.table_name WHERE c.data_type = "
	    "'features' AND (?1 IS NULL OR c.table_name = ?1) "
	    "ORDER BY c.rowid";
	sqlite3_stmt *st = NULL;
	geo_gpkg_layer *l = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(g->db, q, -1, &st, NULL) != SQLITE_OK)
		return geo_seterr(err, errlen, GEO_EFORMAT,
		                  "%s: bad GeoPackage metadata: %s", g->path,
		                  sqlite3_errmsg(g->db));
	if (only != NULL)
		sqlite3_bind_text(st, 1, only, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 4;
			geo_gpkg_layer *nl = realloc(l, nc * sizeof *nl);

			if (nl == NULL)
				goto nomem;
			l = nl;
			cap = nc;
		}
		memset(&l[cnt], 0, sizeof l[cnt]);
		l[cnt].table = col_dup(st, 0);
		l[cnt].geom_col = col_dup(st, 1);
		l[cnt].geom_type = col_dup(st, 2);
		l[cnt].srs_id = sqlite3_column_int(st, 3);
		l[cnt].crs = srs_crs(g->db, l[cnt].srs_id);
		cnt++;
		if (l[cnt - 1].table == NULL || l[cnt - 1].geom_col == NULL ||
		    l[cnt - 1].geom_type == NULL)
			goto nomem;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		geo_gpkg_layers_free(l, cnt);
		return geo_seterr(err, errlen, GEO_EFORMAT, "%s: %s", g->path,
		                  sqlite3_errmsg(g->db));
	}
	if (cnt == 0) {
		free(l);
		if (only != NULL)
			return geo_seterr(err, errlen, GEO_EFORMAT,
			                  "%s: no features layer '%s'", g->path,
			                  only);
		return geo_seterr(err, errlen, GEO_EFORMAT,
		                  "%s: GeoPackage has no features layer",
		                  g->path);
	}
	*out = l;
	*n = cnt;
	return 0;
nomem:
	sqlite3_finalize(st);
	geo_gpkg_layers_free(l, cnt);
	return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
}

int
geo_gpkg_open_layers(const char *path, const char *only, geo_gpkg **g,
                     geo_gpkg_layer **out, size_t *n, char *err,
                     size_t errlen)
{
	int rc;

	*out = NULL;
	*n = 0;
	rc = geo_gpkg_open(path, g, err, errlen);
	if (rc != 0)
		return rc;
	rc = geo_gpkg_layers(*g, only, out, n, err, errlen);
	if (rc != 0) {
		geo_gpkg_close(*g);
		*g = NULL;
	}
	return rc;
}

static char *
quote_ident(const char *s)
{
	size_t n = strlen(s), i, j = 0;
	char *q = malloc(2 * n + 3);

	if (q == NULL)
		return NULL;
	q[j++] = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			q[j++] = '"';
		q[j++] = s[i];
	}
	q[j++] = '"';
	q[j] = '\0';
	return q;
}

static json_t *
col_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_stringn((const char *)sqlite3_column_text(st, i),
		                    (size_t)sqlite3_column_bytes(st, i));
	default:
		return json_null();
	}
}

int
geo_gpkg_scan(geo_gpkg *g, const geo_gpkg_layer *l, geo_gpkg_row_cb cb,
              void *ud, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *qt, *sql;
	json_t *props = NULL;
	long index = 0;
	int rc, ncol, i, gcol = -1, ret = 0;
	size_t sl;

	qt = quote_ident(l->table);
	if (qt == NULL)
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	sl = strlen(qt) + 32;
	sql = malloc(sl);
	if (sql == NULL) {
		free(qt);
		return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
	}
	snprintf(sql, sl, "SELECT * FROM %s", qt);
	free(qt);
	rc = sqlite3_prepare_v2(g->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return geo_seterr(err, errlen, GEO_EFORMAT, "%s: layer %s: %s",
		                  g->path, l->table, sqlite3_errmsg(g->db));
	ncol = sqlite3_column_count(st);
	for (i = 0; i < ncol; i++)
		if (strcasecmp(sqlite3_column_name(st, i), l->geom_col) == 0)
			gcol = i;
	if (gcol < 0) {
		sqlite3_finalize(st);
		return geo_seterr(err, errlen, GEO_EFORMAT,
		                  "%s: layer %s: no geometry column %s",
		                  g->path, l->table, l->geom_col);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *blob = NULL;
		size_t blen = 0;

		props = json_object();
		if (props == NULL)
			goto nomem;
		for (i = 0; i < ncol; i++) {
			if (i == gcol)
				continue;
			if (json_object_set_new(props,
			                        sqlite3_column_name(st, i),
			                        col_json(st, i)) != 0)
				goto nomem;
		}
		if (sqlite3_column_type(st, gcol) == SQLITE_BLOB) {
			blob = sqlite3_column_blob(st, gcol);
			blen = (size_t)sqlite3_column_bytes(st, gcol);
		}
		ret = cb(ud, index++, props, blob, blen);
		json_decref(props);
		props = NULL;
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = geo_seterr(err, errlen, GEO_EIO, "%s: layer %s: %s",
		                 g->path, l->table, sqlite3_errmsg(g->db));
	sqlite3_finalize(st);
	return ret;
nomem:
	json_decref(props);
	sqlite3_finalize(st);
	return geo_seterr(err, errlen, GEO_ENOMEM, "out of memory");
}

static uint32_t
rd32(const uint8_t *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	                (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
	          : (uint32_t)p[3] | (uint32_t)p[2] << 8 |
	                (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static double
rdf64(const uint8_t *p, int le)
{
	uint64_t v = 0;
	double d;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[le ? i : 7 - i] << (8 * i);
	memcpy(&d, &v, sizeof d);
	return d;
}

int
geo_gpkg_blob(const uint8_t *blob, size_t len, const uint8_t **wkb,
              size_t *wkblen, int *empty, int32_t *srs_id, char *why,
              size_t whylen)
{
	/* OGC 12-128r18 §2.1.3: envelope sizes by indicator 0..4 */
	static const size_t envsz[] = {0, 32, 48, 48, 64};
	unsigned flags, envind;
	size_t hdr;

	if (blob == NULL || len < 8)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "geometry blob too short");
	if (blob[0] != 'G' || blob[1] != 'P')
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "geometry blob without GeoPackage magic");
	if (blob[2] != 0)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "unsupported GeoPackage blob version %u",
		                  blob[2]);
	flags = blob[3];
	if (flags & 0x20)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "extended GeoPackage geometry type");
	envind = (flags >> 1) & 7;
	if (envind > 4)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "bad envelope indicator %u", envind);
	hdr = 8 + envsz[envind];
	if (len < hdr)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "geometry blob shorter than its header");
	*srs_id = (int32_t)rd32(blob + 4, flags & 1);
	*empty = (flags >> 4) & 1;
	*wkb = blob + hdr;
	*wkblen = len - hdr;
	return 0;
}

int
geo_wkb_point(const uint8_t *wkb, size_t len, double *x, double *y, char *why,
              size_t whylen)
{
	uint32_t type, base, n;
	int le, dims = 2;

	if (len < 5)
		return geo_seterr(why, whylen, GEO_EFORMAT, "WKB too short");
	le = wkb[0] == 1;
	type = rd32(wkb + 1, le);
	/* EWKB flags (PostGIS / some writers) */
	if (type & 0x80000000u)
		dims++;
	if (type & 0x40000000u)
		dims++;
	if (type & 0x20000000u)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "EWKB with SRID not supported");
	type &= 0x0fffffffu;
	base = type % 1000;
	if (type / 1000 == 1 || type / 1000 == 2)
		dims = 3;
	else if (type / 1000 == 3)
		dims = 4;
	if (base == 4) { /* MultiPoint: exactly one point */
		if (len < 9)
			return geo_seterr(why, whylen, GEO_EFORMAT,
			                  "WKB too short");
		n = rd32(wkb + 5, le);
		if (n != 1)
			return geo_seterr(why, whylen, GEO_EFORMAT,
			                  "MultiPoint with %u points, not 1",
			                  (unsigned)n);
		return geo_wkb_point(wkb + 9, len - 9, x, y, why, whylen);
	}
	if (base != 1)
		return geo_seterr(why, whylen, GEO_EFORMAT,
		                  "geometry type %u is not a point",
		                  (unsigned)type);
	if (len < 5 + 8 * (size_t)dims)
		return geo_seterr(why, whylen, GEO_EFORMAT, "WKB too short");
	*x = rdf64(wkb + 5, le);
	*y = rdf64(wkb + 13, le);
	if (isnan(*x) && isnan(*y))
		return geo_seterr(why, whylen, GEO_EFORMAT, "empty point");
	return 0;
}
