/*
 * daemon/spool.h - a watched spool directory for incoming feed files (CAP
 * 1.2 XML, RW-state and gate JSON), and atomic file writes for what posko
 * leaves in its outbox.
 *
 * Every *.xml or *.json file that appears in the directory (not starting
 * with '.') is read and handed to the on_file callback; after its verdict
 * the file is moved to done/ or failed/ next to a "<name>.reason" file
 * saying why. A file is never lost: one that cannot be moved stays where
 * it is, is reported once through on_error, is never handed over again,
 * and its move is retried on every later scan. A name already taken in
 * done/ or failed/ gets ".1", ".2", ... appended.
 *
 * Writers must create files under another name (".x.tmp", "x.part") and
 * rename() them into the directory, so that posko never reads half a
 * file (docs/feed.md, "Spool directory"); spool_write_atomic() does that.
 *
 * How it watches: a scan at start, a scan shortly (settle_ms) after any
 * file-system event on the directory (libuv uv_fs_event: inotify on
 * Linux), and a scan every rescan_s as a backstop for missed events. A
 * scan takes files oldest first (mtime, then name), so an Alert dropped
 * before its Update is read first.
 *
 * Threads: everything runs on the loop thread that owns the spool; the
 * callbacks are called there.
 */
#ifndef POSKO_DAEMON_SPOOL_H
#define POSKO_DAEMON_SPOOL_H

#include <stddef.h>

#include <uv.h>

enum spool_err {
	SPOOL_OK = 0,
	SPOOL_EINVAL = -1,
	SPOOL_EIO = -2, /* a directory cannot be created, read or written */
	SPOOL_ENOMEM = -3,
	SPOOL_ESTUCK = -4 /* a file could not be moved: it stays */
};

typedef enum {
	SPOOL_DONE = 0,   /* accepted: move to done/ */
	SPOOL_FAILED = 1, /* rejected: move to failed/ */
	SPOOL_PENDING = 2 /* decided later with spool_verdict() */
} spool_verdict_t;

typedef struct spool spool;

/*
 * A file to judge: its name in the directory and its whole content (buf
 * is NUL-terminated, owned by the spool, valid during the call). Write a
 * one-line reason (why it failed, or what it became) into reason.
 */
typedef spool_verdict_t (*spool_file_cb)(void *data, spool *s, const char *name,
                                         const char *buf, size_t len,
                                         char *reason, size_t reasonlen);

/* Something went wrong with a file or the directory: for the log. */
typedef void (*spool_error_cb)(void *data, const char *name, const char *msg);

typedef struct spool_opts {
	const char *dir;         /* the spool directory (created if missing) */
	size_t max_bytes;        /* larger files fail unread (0: 4 MiB) */
	unsigned settle_ms;      /* scan this long after an event (0: 200) */
	unsigned rescan_s;       /* backstop scan period (0: 60) */
	spool_file_cb on_file;   /* required */
	spool_error_cb on_error; /* may be NULL */
	void *data;              /* passed to both callbacks */
} spool_opts;

/* A spool on loop for o->dir (the strings are copied). NULL with err on
 * failure. Nothing happens before spool_start(). */
spool *spool_new(uv_loop_t *loop, const spool_opts *o, char *err,
                 size_t errlen);

/* Create dir, dir/done and dir/failed (0750), start watching and schedule
 * the first scan. Returns 0 or SPOOL_EIO with err. */
int spool_start(spool *s, char *err, size_t errlen);

/*
 * Scan now, synchronously: every eligible file is read, judged and moved.
 * Returns the number of files handed to on_file, or SPOOL_EIO when the
 * directory cannot be read. Usable without running the loop.
 */
int spool_scan(spool *s);

/*
 * The verdict for a file on_file left SPOOL_PENDING: move it now. Returns
 * 0, SPOOL_EINVAL when name is not pending, or SPOOL_ESTUCK (reported via
 * on_error; retried by later scans).
 */
int spool_verdict(spool *s, const char *name, spool_verdict_t v,
                  const char *reason);

/* Files currently stuck (could not be moved) and pending. */
size_t spool_stuck(const spool *s);
size_t spool_pending(const spool *s);

/* Stop watching and free s once libuv has closed its handles (run the
 * loop to let that happen). */
void spool_close(spool *s);

/*
 * Write buf to dir/name atomically: a temporary ".name.XXXXXX" in dir,
 * fsync, rename over dir/name. Returns 0 or SPOOL_EIO with
 * "<path>: <strerror>" in err.
 */
int spool_write_atomic(const char *dir, const char *name, const char *buf,
                       size_t len, char *err, size_t errlen);
/* The same without the fsync of the file: for many files in one cycle,
 * followed by one spool_sync_dir() (a process crash loses nothing; a power
 * loss may lose the last cycle's files, never leave a partial one under
 * its final name on ext4 with its default auto_da_alloc). */
int spool_write_nosync(const char *dir, const char *name, const char *buf,
                       size_t len, char *err, size_t errlen);
/* fsync the directory dir (the names written into it). */
int spool_sync_dir(const char *dir, char *err, size_t errlen);

#endif
