/*
 * cmd_feed.c — `poskoctl feed sitrep|hxl|cap`: what posko gives BPBD and
 * partners, on demand (docs/feed.md sections 6-8; the daemon commands
 * feed.sitrep, feed.hxl, feed.cap of docs/protocol.md "Feed").
 *
 *   feed sitrep [--format json|geojson] [--out FILE]
 *   feed hxl [--table kelurahan|shelters|needs|incidents] [--out FILE]
 *   feed cap [--out DIR]
 *
 * Without --out the document goes to stdout (cap: a list of the open CAP
 * alerts); with --json the daemon's reply is printed as it is.
 */
#define _GNU_SOURCE
#include "ctl/ctl.h"
#include "ctl/lang.h"
#include "ctl/out.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int ctl_cmd_feed(ctl_ctx *ctx, int argc, char **argv);

static int
write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *f;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		remove(tmp);
		return -1;
	}
	return rename(tmp, path);
}

static int
usage(void)
{
	return ctl_usage("feed", "%s",
	                 _("feed takes sitrep [--format json|geojson], hxl "
	                   "[--table NAME] or cap, and --out FILE (cap: a "
	                   "directory)."));
}

int
ctl_cmd_feed(ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, 0, 'o'},
		{"format", required_argument, 0, 'f'},
		{"table", required_argument, 0, 't'},
		{0, 0, 0, 0},
	};
	const char *out = NULL, *format = NULL, *table = NULL, *cmd;
	json_t *args, *data = NULL;
	int c, rc;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "sitrep") == 0)
		cmd = "feed.sitrep";
	else if (strcmp(argv[1], "hxl") == 0)
		cmd = "feed.hxl";
	else if (strcmp(argv[1], "cap") == 0)
		cmd = "feed.cap";
	else
		return usage();
	argc--, argv++;
	while ((c = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'f')
			format = optarg;
		else if (c == 't')
			table = optarg;
		else
			return usage();
	}
	if (optind < argc || (format && strcmp(cmd, "feed.sitrep")) ||
	    (table && strcmp(cmd, "feed.hxl")))
		return usage();
	args = json_object();
	if (format)
		json_object_set_new(args, "format", json_string(format));
	if (table)
		json_object_set_new(args, "table", json_string(table));
	rc = ctl_request(ctx, cmd, args, &data);
	if (rc != CTL_EXIT_OK)
		return rc;

	if (strcmp(cmd, "feed.cap") == 0) {
		json_t *a, *arr = cj_get(data, "alerts");
		size_t i;
		if (out && mkdir(out, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "poskoctl: %s: %s\n", out,
			        strerror(errno));
			json_decref(data);
			return CTL_EXIT_USAGE;
		}
		json_array_foreach(arr, i, a)
		{
			const char *xml = cj_str(a, "xml");
			char path[4096];
			if (out && xml) {
				snprintf(path, sizeof path, "%s/%s", out,
				         cj_text(a, "file"));
				if (write_file(path, xml, strlen(xml))) {
					fprintf(stderr, "poskoctl: %s: %s\n",
					        path, strerror(errno));
					json_decref(data);
					return CTL_EXIT_USAGE;
				}
			}
			if (!ctx->json)
				printf("%s\t%s\t%s %s\n", cj_text(a, "identifier"),
				       cj_text(a, "msg_type"), cj_text(a, "topic"),
				       cj_text(a, "subject"));
		}
		if (!ctx->json && json_array_size(arr) == 0)
			printf("%s\n", _("No open CAP alerts."));
		if (ctx->json)
			ctl_print_json(data);
		json_decref(data);
		return CTL_EXIT_OK;
	}

	const char *text = cj_str(data, "text");
	size_t len = text ? strlen(text) : 0;
	if (out) {
		if (write_file(out, text ? text : "", len)) {
			fprintf(stderr, "poskoctl: %s: %s\n", out,
			        strerror(errno));
			json_decref(data);
			return CTL_EXIT_USAGE;
		}
	}
	if (ctx->json)
		ctl_print_json(data);
	else if (!out && text)
		fwrite(text, 1, len, stdout);
	json_decref(data);
	return CTL_EXIT_OK;
}
