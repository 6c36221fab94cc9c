/*
 * log.h - poskod's one logging vocabulary (after OpenBSD's log.c).
 *
 * One line per event on stderr: "<time> <level> <message>".  log_warn and
 * fatal append strerror(errno); the x variants do not.  fatal and fatalx
 * exit(1).  log_debug prints only at verbosity >= 2, log_info at >= 1.
 * Thread-safe: each line is written with one write(2).
 */
#ifndef POSKO_DAEMON_LOG_H
#define POSKO_DAEMON_LOG_H

#include <stdarg.h>

/* verbose: 0 warnings only, 1 info (default), 2 debug. */
void log_init(int verbose);
void log_setverbose(int verbose);
int log_getverbose(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
