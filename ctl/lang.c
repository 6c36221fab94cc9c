/*
 * lang.c — language selection and message lookup for poskoctl (lang.h).
 */
#define _GNU_SOURCE
#include "ctl/lang.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef POSKO_LOCALEDIR
#define POSKO_LOCALEDIR "/usr/local/share/locale"
#endif

#define LANG_DOMAIN "poskoctl"

static ctl_lang current = LANG_EN;
static char found_dir[PATH_MAX];

/* Does dir hold the Indonesian catalogue? */
static int
has_catalogue(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/id/LC_MESSAGES/%s.mo", dir,
	                 LANG_DOMAIN);
	if (n < 0 || (size_t)n >= sizeof path)
		return 0;
	return access(path, R_OK) == 0;
}

/* build/locale relative to the binary: build/<v>/poskoctl -> build/locale.
 * /proc/self/exe resolves the build/poskoctl symlink to build/rel/. */
static int
exe_relative_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	int m = snprintf(out, len, "%s/../locale", exe);
	if (m < 0 || (size_t)m >= len)
		return -1;
	return has_catalogue(out) ? 0 : -1;
}

static const char *
find_catalogue(void)
{
	const char *env = getenv("POSKO_LOCALEDIR");
	if (env && *env && has_catalogue(env)) {
		snprintf(found_dir, sizeof found_dir, "%s", env);
		return found_dir;
	}
	if (exe_relative_dir(found_dir, sizeof found_dir) == 0)
		return found_dir;
	if (has_catalogue(POSKO_LOCALEDIR)) {
		snprintf(found_dir, sizeof found_dir, "%s", POSKO_LOCALEDIR);
		return found_dir;
	}
	found_dir[0] = '\0';
	return NULL;
}

/* The POSIX order: LC_ALL overrides LC_MESSAGES overrides LANG. */
static const char *
locale_messages_name(void)
{
	static const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return "";
}

static int
names_indonesian(const char *s)
{
	return strncmp(s, "id", 2) == 0 &&
	       (s[2] == '\0' || s[2] == '_' || s[2] == '.' || s[2] == '@');
}

int
lang_init(const char *opt)
{
	if (opt) {
		if (strcmp(opt, "id") == 0 || strcmp(opt, "indonesia") == 0)
			current = LANG_ID;
		else if (strcmp(opt, "en") == 0 || strcmp(opt, "english") == 0)
			current = LANG_EN;
		else
			return -1;
	} else {
		current = names_indonesian(locale_messages_name()) ? LANG_ID
		                                                   : LANG_EN;
	}
	/* The user's locale for character classes; if it is not installed
	 * (id_ID often is not on a server), C.UTF-8 still reads UTF-8. */
	if (!setlocale(LC_ALL, ""))
		setlocale(LC_ALL, "C.UTF-8");
	/* Numbers are formatted by out.c for people and must stay "1.5" in
	 * CSV and JSON whatever the locale says. */
	setlocale(LC_NUMERIC, "C");
	if (current != LANG_ID)
		return 0;
	const char *dir = find_catalogue();
	if (!dir)
		return 0; /* no catalogue: English, which is still correct */
	/* glibc ignores LANGUAGE in the "C" locale; C.UTF-8 honours it. */
	const char *msgs = setlocale(LC_MESSAGES, NULL);
	if (!msgs || strcmp(msgs, "C") == 0 || strcmp(msgs, "POSIX") == 0)
		setlocale(LC_MESSAGES, "C.UTF-8");
	setenv("LANGUAGE", "id", 1);
	bindtextdomain(LANG_DOMAIN, dir);
	bind_textdomain_codeset(LANG_DOMAIN, "UTF-8");
	return 0;
}

ctl_lang
lang_current(void)
{
	return current;
}

const char *
lang_tr(const char *msgid)
{
	if (current != LANG_ID || !found_dir[0] || !msgid || !*msgid)
		return msgid;
	return dgettext(LANG_DOMAIN, msgid);
}

const char *
lang_ntr(const char *one, const char *many, unsigned long n)
{
	if (current != LANG_ID || !found_dir[0])
		return n == 1 ? one : many;
	return dngettext(LANG_DOMAIN, one, many, n);
}

const char *
lang_dir(void)
{
	return found_dir[0] ? found_dir : NULL;
}
