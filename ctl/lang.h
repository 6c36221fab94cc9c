/*
 * lang.h — the language of poskoctl's messages and headings.
 *
 * The desk works in Indonesian; everyone else reads English.  Indonesian is
 * chosen by --lang id, or by the locale (LC_ALL, then LC_MESSAGES, then LANG
 * starting with "id").  Translations come from the gettext catalogue
 * "poskoctl" (ctl/po/id.po, compiled by the Makefile), found in
 * $POSKO_LOCALEDIR, then build/locale beside the binary (so tests use the
 * uninstalled catalogue), then the installed POSKO_LOCALEDIR.
 *
 * The choice does not depend on the id_ID locale being installed: the
 * catalogue is selected through LANGUAGE and always read as UTF-8.
 */
#ifndef POSKO_CTL_LANG_H
#define POSKO_CTL_LANG_H

typedef enum {
	LANG_EN = 0,
	LANG_ID = 1,
} ctl_lang;

/* Choose the language: opt is the --lang value or NULL for the locale.
 * Returns 0, or -1 if opt names a language poskoctl does not speak. */
int lang_init(const char *opt);

/* The language in force. */
ctl_lang lang_current(void);

/* The translation of msgid (itself in English), or msgid. */
const char *lang_tr(const char *msgid);

/* The form of a counted message for n (Indonesian has one form). */
const char *lang_ntr(const char *one, const char *many, unsigned long n);

/* The directory the catalogue was found in, or NULL (for `help`). */
const char *lang_dir(void);

#define _(s) lang_tr(s)
#define N_(s) (s)

#endif
