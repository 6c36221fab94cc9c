/*
 * cmd_import.c — `poskoctl import households|shelters|depots|stock FILE`.
 *
 * The CSV is read here, checked for shape (header, number of fields), and
 * sent in batches (protocol.md §2.8); poskod validates every value and
 * refuses a whole batch when one of its rows is bad, naming the row and
 * the field: that row is reported by the file's own line number, so the
 * operator can open the file at that line.  Batches before it stay stored.
 * Rows are upserts by id: running an import again after fixing the file is
 * safe (rows that did not change are counted as unchanged).
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/csv.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column types: 'i' integer, 'r' real, 's' text. */
struct column {
	const char *name;
	char type;
};

struct kind {
	const char *name;
	const char *cmd;
	const struct column *cols;
	size_t ncols;
};

/* HACKING.md "Shared formats". */
static const struct column households[] = {
	{"id", 'i'},      {"lon", 'r'},    {"lat", 'r'},
	{"kelurahan", 's'}, {"members", 'i'}, {"elderly", 'i'},
	{"under5", 'i'},  {"disabled", 'i'}, {"pregnant", 'i'},
};
static const struct column shelters[] = {
	{"id", 's'},       {"name", 's'},     {"kind", 's'},
	{"lon", 'r'},      {"lat", 'r'},      {"kelurahan", 's'},
	{"capacity", 'i'}, {"floor_m2", 'r'}, {"accessible", 'i'},
	{"capacity_source", 's'},
};
static const struct column depots[] = {
	{"id", 's'},  {"name", 's'},      {"lon", 'r'},
	{"lat", 'r'}, {"kelurahan", 's'}, {"city", 's'},
};
static const struct column stock[] = {
	{"depot", 's'}, {"lot", 's'}, {"item", 's'},
	{"qty", 'i'},   {"expires", 's'},
};

#define KIND(n, c) {#n, "import." #n, c, sizeof c / sizeof *c}
static const struct kind kinds[] = {
	KIND(households, households),
	KIND(shelters, shelters),
	KIND(depots, depots),
	KIND(stock, stock),
};

/* One rejected row, by file line. */
struct rejection {
	long line;
	char *field, *message;
};

struct import {
	ctl_ctx *ctx;
	const struct kind *kind;
	const char *path;
	int map[16];     /* file column of each kind column */
	long long rows, accepted, rejected, total;
	long long added, updated, unchanged; /* of the accepted */
	long long sent;  /* rows sent so far (for progress) */
	long long rows_in_file;
	struct rejection *rej;
	size_t nrej, caprej;
	long long unlisted; /* rejections poskod counted but did not list */
	client_error err;   /* why a batch was refused (err.code "" if none) */
};

static void
reject(struct import *im, long line, const char *field, const char *msg)
{
	im->rejected++;
	if (im->nrej == im->caprej) {
		size_t n = im->caprej ? im->caprej * 2 : 32;
		struct rejection *r = realloc(im->rej, n * sizeof *r);
		if (!r)
			return;
		im->rej = r;
		im->caprej = n;
	}
	im->rej[im->nrej++] = (struct rejection){
		.line = line,
		.field = strdup(field ? field : ""),
		.message = strdup(msg ? msg : ""),
	};
}

static int
is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s || (s[0] == '0' && s[1]))
		return 0; /* "007" stays text */
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static json_t *
value(const char *s, char type)
{
	if (!*s)
		return json_string("");
	char *end;
	if (type == 'i' && is_int(s)) {
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (!errno)
			return json_integer(v);
	}
	if (type == 'r' || (type == 'i' && strchr(s, '.'))) {
		errno = 0;
		double v = strtod(s, &end);
		if (!errno && !*end && end != s)
			return json_real(v);
	}
	/* Anything else goes as text: poskod names what is wrong with it. */
	return json_string(s);
}

static int
map_header(struct import *im, char **f, int n)
{
	char missing[512] = "";
	size_t o = 0;
	for (size_t c = 0; c < im->kind->ncols; c++) {
		im->map[c] = -1;
		for (int i = 0; i < n; i++) {
			const char *h = f[i];
			while (isspace((unsigned char)*h))
				h++;
			size_t hl = strlen(h);
			while (hl && isspace((unsigned char)h[hl - 1]))
				hl--;
			if (hl == strlen(im->kind->cols[c].name) &&
			    strncmp(h, im->kind->cols[c].name, hl) == 0)
				im->map[c] = i;
		}
		if (im->map[c] < 0) {
			int w = snprintf(missing + o, sizeof missing - o, "%s%s",
			                 o ? ", " : "", im->kind->cols[c].name);
			if (w > 0 && (size_t)w < sizeof missing - o)
				o += (size_t)w;
		}
	}
	if (o) {
		out_err(_("%s: line 1 must be the header; these columns are "
		          "missing: %s."),
		        im->path, missing);
		out_err(_("a %s file has the columns: "), im->kind->name);
		for (size_t c = 0; c < im->kind->ncols; c++)
			fprintf(stderr, "%s%s", c ? "," : "  ",
			        im->kind->cols[c].name);
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

/* Send one batch; lines[i] is the file line of rows[i]. */
static int
send_batch(struct import *im, json_t *rows, const long *lines, int batch,
           int last)
{
	json_t *args = json_pack("{s:O,s:i,s:b}", "rows", rows, "batch", batch,
	                         "last", last);
	json_t *d = NULL;
	/* A refusal goes into the summary (one JSON object with --json). */
	int rc = ctl_request_err(im->ctx, im->kind->cmd, args, &d, &im->err, 0);
	if (rc) {
		char n[OUT_NUMLEN];
		int row = -1;
		/* "args.rows[3].members": the row at fault, by file line */
		if (im->err.code[0] &&
		    sscanf(im->err.field, "args.rows[%d]", &row) == 1 &&
		    row >= 0 && (size_t)row < json_array_size(rows)) {
			const char *f = strchr(im->err.field, ']');
			f = f && f[1] == '.' ? f + 2 : "";
			reject(im, lines[row], f, im->err.message);
			out_err(_("%s:%ld: %s"), im->path, lines[row],
			        im->err.message);
		}
		out_err(_("batch %d was not stored; %s rows before it were. Fix "
		          "the cause and run the import again (rows are "
		          "updated by id, so nothing is doubled)."),
		        batch, out_num(n, sizeof n, im->accepted));
		return rc;
	}
	im->accepted += cj_int(d, "accepted", 0);
	im->added += cj_int(d, "added", 0);
	im->updated += cj_int(d, "updated", 0);
	im->unchanged += cj_int(d, "unchanged", 0);
	im->total = cj_int(d, "total", im->total);
	json_t *rej = cj_get(d, "rejected");
	size_t i;
	json_t *r;
	size_t listed = 0;
	json_array_foreach(rej, i, r)
	{
		long long row = cj_int(r, "row", -1);
		long line = row >= 0 && (size_t)row < json_array_size(rows)
		                    ? lines[row]
		                    : 0;
		reject(im, line, cj_str(r, "field"), cj_str(r, "message"));
		listed++;
	}
	long long count = cj_int(d, "rejected_count", (long long)listed);
	if (count > (long long)listed) {
		im->unlisted += count - (long long)listed;
		im->rejected += count - (long long)listed;
	}
	json_decref(d);
	return CTL_EXIT_OK;
}

static long long
count_records(FILE *f)
{
	csv_reader *r = csv_open(f);
	char **fields;
	long line;
	long long n = 0;
	while (r && csv_next(r, &fields, &line) > 0)
		n++;
	csv_close(r);
	rewind(f);
	return n > 0 ? n - 1 : 0;
}

static int
run(struct import *im, FILE *f, int batch_size)
{
	int stdin_pipe = f == stdin;
	if (!stdin_pipe)
		im->rows_in_file = count_records(f);
	csv_reader *r = csv_open(f);
	if (!r)
		return CTL_EXIT_REFUSED;
	char **fields;
	long line;
	int n = csv_next(r, &fields, &line);
	if (n <= 0) {
		out_err(_("%s is empty or not CSV text."), im->path);
		csv_close(r);
		return CTL_EXIT_USAGE;
	}
	int nhead = n;
	if (map_header(im, fields, n)) {
		csv_close(r);
		return CTL_EXIT_USAGE;
	}
	json_t *rows = json_array();
	long *lines = calloc((size_t)batch_size, sizeof *lines);
	int batch = 0, rc = CTL_EXIT_OK;
	if (!lines) {
		json_decref(rows);
		csv_close(r);
		return CTL_EXIT_REFUSED;
	}
	for (;;) {
		n = csv_next(r, &fields, &line);
		if (n < 0) {
			out_err(_("%s:%ld: a quoted field is never closed; the "
			          "rest of the file is not read."),
			        im->path, line);
			rc = CTL_EXIT_USAGE;
			break;
		}
		if (n > 0) {
			im->rows++;
			if (n != nhead) {
				char msg[128];
				snprintf(msg, sizeof msg,
				         _("%d fields where the header has %d"), n,
				         nhead);
				reject(im, line, "", msg);
			} else {
				json_t *row = json_object();
				for (size_t c = 0; c < im->kind->ncols; c++)
					json_object_set_new(
						row, im->kind->cols[c].name,
						value(fields[im->map[c]],
						      im->kind->cols[c].type));
				lines[json_array_size(rows)] = line;
				json_array_append_new(rows, row);
			}
		}
		int last = n == 0;
		if (json_array_size(rows) == (size_t)batch_size ||
		    (last && (json_array_size(rows) || batch == 0))) {
			rc = send_batch(im, rows, lines, ++batch, last);
			im->sent = im->rows;
			json_array_clear(rows);
			if (!im->ctx->json) {
				/* poskod's counts so far beside the bar */
				char label[160], a[OUT_NUMLEN], b[OUT_NUMLEN],
					t[OUT_NUMLEN];
				snprintf(label, sizeof label,
				         _("%s (%s new, %s updated; poskod "
				           "holds %s)"),
				         im->kind->name,
				         out_num(a, sizeof a, im->added),
				         out_num(b, sizeof b, im->updated),
				         im->total >= 0
				                 ? out_num(t, sizeof t, im->total)
				                 : "?");
				out_progress(label, im->sent,
				             im->rows_in_file > im->sent
				                     ? im->rows_in_file
				                     : im->sent);
			}
			if (rc)
				break;
		}
		if (last)
			break;
	}
	json_decref(rows);
	free(lines);
	csv_close(r);
	return rc;
}

static int
cmp_rej(const void *a, const void *b)
{
	const struct rejection *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

static void
summary(const struct import *im)
{
	char a[OUT_NUMLEN], b[OUT_NUMLEN], c[OUT_NUMLEN], d[OUT_NUMLEN];
	if (im->total >= 0)
		printf(_("%s: %s rows read, %s accepted, %s rejected. poskod "
		         "now holds %s %s.\n"),
		       im->path, out_num(a, sizeof a, im->rows),
		       out_num(b, sizeof b, im->accepted),
		       out_num(c, sizeof c, im->rejected),
		       out_num(d, sizeof d, im->total), im->kind->name);
	else
		printf(_("%s: %s rows read, %s accepted, %s rejected.\n"),
		       im->path, out_num(a, sizeof a, im->rows),
		       out_num(b, sizeof b, im->accepted),
		       out_num(c, sizeof c, im->rejected));
	if (im->accepted)
		printf(_("  %s new, %s updated, %s unchanged.\n"),
		       out_num(a, sizeof a, im->added),
		       out_num(b, sizeof b, im->updated),
		       out_num(c, sizeof c, im->unchanged));
	for (size_t i = 0; i < im->nrej; i++) {
		const struct rejection *r = &im->rej[i];
		if (r->field[0] && !strstr(r->message, r->field))
			printf(_("  line %ld: %s: %s\n"), r->line, r->field,
			       r->message);
		else
			printf(_("  line %ld: %s\n"), r->line, r->message);
	}
	if (im->unlisted)
		printf(_("  ... and %s more rejected rows that poskod did not "
		         "list.\n"),
		       out_num(a, sizeof a, im->unlisted));
	if (im->rejected)
		printf("%s\n", _("→ Fix those lines and import the file again; "
		                 "rows already stored are updated, not "
		                 "doubled."));
}

static void
summary_json(const struct import *im)
{
	json_t *rej = json_array();
	for (size_t i = 0; i < im->nrej; i++)
		json_array_append_new(
			rej, json_pack("{s:I,s:s,s:s}", "line",
			               (json_int_t)im->rej[i].line, "field",
			               im->rej[i].field, "message",
			               im->rej[i].message));
	json_t *o = json_pack(
		"{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "kind", im->kind->name,
		"file", im->path, "rows", (json_int_t)im->rows, "accepted",
		(json_int_t)im->accepted, "added", (json_int_t)im->added,
		"updated", (json_int_t)im->updated, "unchanged",
		(json_int_t)im->unchanged, "rejected_count",
		(json_int_t)im->rejected, "rejected", rej);
	/* null when no batch was stored: poskod did not say */
	json_object_set_new(o, "total", im->total >= 0
	                                        ? json_integer(im->total)
	                                        : json_null());
	if (im->err.code[0])
		json_object_set_new(o, "error",
		                    json_pack("{s:s,s:s,s:s}", "code", im->err.code,
		                              "field", im->err.field, "message",
		                              im->err.message));
	ctl_print_json(o);
	json_decref(o);
}

/* import flood-zones|fire-zones FILE: the whole GeoJSON file in one
 * request; poskod replaces that hazard's zones all or nothing. */
static int
import_zones(ctl_ctx *ctx, int fire, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		out_err(_("cannot read %s: %s"), path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	do {
		if (len + 65536 > cap) {
			char *x = realloc(buf, cap = 2 * cap + 65536);
			if (x == NULL) {
				free(buf);
				if (f != stdin)
					fclose(f);
				out_err("%s", _("out of memory"));
				return CTL_EXIT_REFUSED;
			}
			buf = x;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (f != stdin)
		fclose(f);
	json_t *args = json_pack("{s:s,s:s%}", "hazard", fire ? "fire" : "flood",
	                         "geojson", buf, len);
	free(buf);
	if (args == NULL) {
		out_err(_("%s is not text (UTF-8 GeoJSON expected)"), path);
		return CTL_EXIT_USAGE;
	}
	json_t *d = NULL;
	int rc = ctl_request(ctx, "import.zones", args, &d);
	if (rc == 0) {
		if (ctx->json)
			ctl_print_json(d);
		else
			printf(fire ? _("Fire zones replaced from %s; every "
			                "household's exposure recomputed.\n")
			            : _("Flood zones replaced from %s; every "
			                "household's exposure recomputed.\n"),
			       path);
	}
	json_decref(d);
	return rc;
}

int
ctl_cmd_import(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"batch", required_argument, 0, 'b'},
		{0, 0, 0, 0},
	};
	long long batch = 2000;
	int c;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'b' && (batch = out_parse_count(optarg)) > 0 &&
		    batch <= 20000)
			continue;
		return ctl_usage("import", "%s",
		                 _("import takes --batch N (rows per request, "
		                   "1 to 20000, default 2000)."));
	}
	if (optind + 2 != argc)
		return ctl_usage("import", "%s",
		                 _("import takes what (households, shelters, "
		                   "depots or stock) and a CSV file."));
	const char *what = argv[optind], *path = argv[optind + 1];
	if (strcmp(what, "flood-zones") == 0 || strcmp(what, "fire-zones") == 0)
		return import_zones(ctx, what[1] == 'i', path);
	if (strcmp(what, "zones") == 0)
		return ctl_usage("import", "%s",
		                 _("say which zones: import flood-zones FILE or "
		                   "import fire-zones FILE (GeoJSON)."));
	const struct kind *k = NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(what, kinds[i].name) == 0)
			k = &kinds[i];
	if (!k)
		return ctl_usage("import",
		                 _("cannot import `%s`; use households, "
		                   "shelters, depots or stock."),
		                 what);
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		out_err(_("cannot read %s: %s"), path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	/* The last batch waits for the household index to be rebuilt. */
	if (ctx->conn.timeout_ms < 120000)
		ctx->conn.timeout_ms = 120000;
	struct import im = {.ctx = ctx, .kind = k, .path = path, .total = -1};
	int rc = run(&im, f, (int)batch);
	if (f != stdin)
		fclose(f);
	if (rc == CTL_EXIT_USAGE && im.rows == 0)
		return rc;
	if (im.nrej) /* qsort wants a real array even for 0 rows */
		qsort(im.rej, im.nrej, sizeof *im.rej, cmp_rej);
	if (ctx->json)
		summary_json(&im);
	else
		summary(&im);
	for (size_t i = 0; i < im.nrej; i++) {
		free(im.rej[i].field);
		free(im.rej[i].message);
	}
	free(im.rej);
	if (rc)
		return rc;
	return im.rejected ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
}
