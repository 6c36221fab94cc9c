/*
 * daemon/spool.c - the watched spool directory and atomic writes (see
 * spool.h and docs/feed.md, "Spool directory").
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon/report.h"
#include "daemon/spool.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_DEFAULT_MAX ((size_t)4 << 20)
#define REASON_MAX 512

/* A file whose verdict is known but that could not be moved yet. */
struct stuck {
	char *name;
	spool_verdict_t verdict;
	char *reason;
};

struct spool {
	uv_loop_t *loop;
	char *dir;
	size_t max_bytes;
	unsigned settle_ms, rescan_s;
	spool_file_cb on_file;
	spool_error_cb on_error;
	void *data;

	uv_fs_event_t ev;
	uv_timer_t settle;
	uv_timer_t rescan;
	int started;
	int open_handles; /* handles not yet closed */
	int closing;

	char **pending; /* names waiting for spool_verdict() */
	size_t npending;
	struct stuck *stuck;
	size_t nstuck;
};


static void
report(spool *s, const char *name, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (s->on_error == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->on_error(s->data, name, msg);
}

static char *
path_join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
	char *p = malloc(n);

	if (p == NULL)
		return NULL;
	if (c)
		snprintf(p, n, "%s/%s/%s", a, b, c);
	else
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* ---- atomic write ------------------------------------------------------- */

static int
write_file(const char *dir, const char *name, const char *buf, size_t len,
           int dosync, char *err, size_t errlen)
{
	char *tmp = NULL, *dst = NULL;
	int fd = -1, rc = SPOOL_EIO;
	size_t off = 0;

	if (dir == NULL || name == NULL || (buf == NULL && len > 0) ||
	    strchr(name, '/') != NULL || name[0] == '\0') {
		posko_seterr(err, errlen, "spool_write_atomic: bad argument");
		return SPOOL_EINVAL;
	}
	size_t tn = strlen(dir) + strlen(name) + 16;
	tmp = malloc(tn);
	dst = path_join(dir, name, NULL);
	if (tmp == NULL || dst == NULL) {
		posko_seterr(err, errlen, "out of memory");
		rc = SPOOL_ENOMEM;
		goto out;
	}
	snprintf(tmp, tn, "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkstemp(tmp)) < 0) {
		posko_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			posko_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	/* 0644: outbox files are read by other users (BPBD's collector). */
	if (fchmod(fd, 0644) != 0 || (dosync && fsync(fd) != 0)) {
		posko_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		posko_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) != 0) {
		posko_seterr(err, errlen, "%s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp && tmp[0])
		unlink(tmp);
	free(tmp);
	free(dst);
	return rc;
}

int
spool_write_atomic(const char *dir, const char *name, const char *buf,
                   size_t len, char *err, size_t errlen)
{
	return write_file(dir, name, buf, len, 1, err, errlen);
}

int
spool_write_nosync(const char *dir, const char *name, const char *buf,
                   size_t len, char *err, size_t errlen)
{
	return write_file(dir, name, buf, len, 0, err, errlen);
}

int
spool_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd) != 0) {
		posko_seterr(err, errlen, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SPOOL_EIO;
	}
	close(fd);
	return 0;
}

/* ---- lists ------------------------------------------------------------------
 */

static int
in_list(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

static int
is_stuck(const spool *s, const char *name)
{
	for (size_t i = 0; i < s->nstuck; i++)
		if (strcmp(s->stuck[i].name, name) == 0)
			return 1;
	return 0;
}

static int
add_pending(spool *s, const char *name)
{
	char **v = realloc(s->pending, (s->npending + 1) * sizeof(*v));

	if (v == NULL)
		return SPOOL_ENOMEM;
	s->pending = v;
	if ((v[s->npending] = strdup(name)) == NULL)
		return SPOOL_ENOMEM;
	s->npending++;
	return 0;
}

static int
remove_pending(spool *s, const char *name)
{
	for (size_t i = 0; i < s->npending; i++) {
		if (strcmp(s->pending[i], name) != 0)
			continue;
		free(s->pending[i]);
		s->pending[i] = s->pending[--s->npending];
		return 0;
	}
	return -1;
}

static void
add_stuck(spool *s, const char *name, spool_verdict_t v, const char *reason)
{
	struct stuck *nv = realloc(s->stuck, (s->nstuck + 1) * sizeof(*nv));

	if (nv == NULL)
		return; /* not remembered: the next scan hands it over again */
	s->stuck = nv;
	nv[s->nstuck].name = strdup(name);
	nv[s->nstuck].verdict = v;
	nv[s->nstuck].reason = strdup(reason ? reason : "");
	if (nv[s->nstuck].name == NULL || nv[s->nstuck].reason == NULL) {
		free(nv[s->nstuck].name);
		free(nv[s->nstuck].reason);
		return;
	}
	s->nstuck++;
}

size_t
spool_stuck(const spool *s)
{
	return s ? s->nstuck : 0;
}

size_t
spool_pending(const spool *s)
{
	return s ? s->npending : 0;
}

/* ---- moving
 * ------------------------------------------------------------------- */

/*
 * Move dir/name into dir/sub/ without overwriting: link() then unlink(),
 * trying name, name.1, name.2, ...; on file systems without hard links,
 * rename() to a name that does not exist yet. The final name goes to
 * final (size n).
 */
static int
move_file(const spool *s, const char *name, const char *sub, char *final,
          size_t n, int *err_no)
{
	char *src = path_join(s->dir, name, NULL);
	int rc = -1;

	*err_no = ENOMEM;
	if (src == NULL)
		return -1;
	for (unsigned k = 0; k < 1000; k++) {
		if (k == 0)
			snprintf(final, n, "%s", name);
		else
			snprintf(final, n, "%s.%u", name, k);
		char *dst = path_join(s->dir, sub, final);
		if (dst == NULL)
			break;
		if (link(src, dst) == 0) {
			free(dst);
			if (unlink(src) != 0) {
				*err_no = errno;
				/* both names exist: undo, the file stays */
				char *d2 = path_join(s->dir, sub, final);
				if (d2)
					unlink(d2);
				free(d2);
				break;
			}
			rc = 0;
			break;
		}
		*err_no = errno;
		if (errno == EEXIST) {
			free(dst);
			continue;
		}
		if (errno == EPERM || errno == EXDEV || errno == ENOTSUP ||
		    errno == EMLINK) {
			struct stat st;
			if (lstat(dst, &st) == 0) {
				free(dst);
				continue;
			}
			if (rename(src, dst) == 0)
				rc = 0;
			else
				*err_no = errno;
		}
		free(dst);
		break;
	}
	free(src);
	return rc;
}

/* Move a judged file and write its reason file; SPOOL_ESTUCK when the
 * file could not be moved (it stays in the spool). */
static int
settle_file(spool *s, const char *name, spool_verdict_t v, const char *reason)
{
	const char *sub = v == SPOOL_DONE ? "done" : "failed";
	char final[1100], why[REASON_MAX + 16], err[300];
	int err_no;

	if (move_file(s, name, sub, final, sizeof(final), &err_no) != 0) {
		report(s, name, "cannot move to %s/: %s; it stays in %s", sub,
		       strerror(err_no), s->dir);
		return SPOOL_ESTUCK;
	}
	char *subdir = path_join(s->dir, sub, NULL);
	size_t rn = strlen(final) + 8;
	char *rname = malloc(rn);
	if (subdir && rname) {
		snprintf(rname, rn, "%s.reason", final);
		int w = snprintf(why, sizeof(why), "%s: %s\n", sub,
		                 reason && *reason ? reason : "-");
		if (spool_write_atomic(subdir, rname, why,
		                       (size_t)(w < (int)sizeof(why)
		                                    ? w
		                                    : (int)sizeof(why) - 1),
		                       err, sizeof(err)) != 0)
			report(s, final, "moved to %s/ but no reason file: %s",
			       sub, err);
	}
	free(subdir);
	free(rname);
	return 0;
}

/* ---- scanning
 * ------------------------------------------------------------------ */

/* a equals the lower-case extension ext, ignoring ASCII case */
static int
strcasecmp_ext(const char *a, const char *ext)
{
	for (; *a && *ext; a++, ext++)
		if (tolower((unsigned char)*a) != *ext)
			return 0;
	return *a == *ext;
}

static int
eligible(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	if (n > 4 && strcasecmp_ext(name + n - 4, ".xml"))
		return 1;
	if (n > 5 && strcasecmp_ext(name + n - 5, ".json"))
		return 1;
	return 0;
}

struct entry {
	char *name;
	struct timespec mtime;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Read dir/name whole (NUL-terminated); 1 = over the limit (not read). */
static int
read_whole(const spool *s, const char *name, char **buf, size_t *len,
           size_t *size, int *err_no)
{
	char *path = path_join(s->dir, name, NULL);
	int fd, rc = -1;
	struct stat st;

	*buf = NULL;
	*err_no = ENOMEM;
	if (path == NULL)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	free(path);
	if (fd < 0) {
		*err_no = errno;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*err_no = errno ? errno : EINVAL;
		close(fd);
		return -1;
	}
	*size = (size_t)st.st_size;
	if ((size_t)st.st_size > s->max_bytes) {
		close(fd);
		return 1;
	}
	char *b = malloc((size_t)st.st_size + 1);
	size_t off = 0;
	if (b == NULL) {
		close(fd);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, b + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	if (off == (size_t)st.st_size) {
		b[off] = '\0';
		*buf = b;
		*len = off;
		rc = 0;
	} else {
		*err_no = errno ? errno : EIO;
		free(b);
	}
	close(fd);
	return rc;
}

static void
process(spool *s, const char *name, int *handed)
{
	char reason[REASON_MAX] = "";
	char *buf;
	size_t len = 0, size = 0;
	int err_no;
	spool_verdict_t v;

	int r = read_whole(s, name, &buf, &len, &size, &err_no);
	if (r < 0) {
		if (err_no != ENOENT) /* gone meanwhile: nothing to do */
			report(s, name, "cannot read: %s", strerror(err_no));
		return;
	}
	if (r == 1) {
		snprintf(reason, sizeof(reason),
		         "file is %zu bytes, over the limit of %zu; not read",
		         size, s->max_bytes);
		v = SPOOL_FAILED;
	} else {
		(*handed)++;
		v = s->on_file(s->data, s, name, buf, len, reason,
		               sizeof(reason));
		free(buf);
		if (v == SPOOL_PENDING) {
			if (add_pending(s, name) != 0)
				report(s, name,
				       "out of memory: the file will "
				       "be handed over again");
			return;
		}
		if (v != SPOOL_DONE)
			v = SPOOL_FAILED;
	}
	if (settle_file(s, name, v, reason) == SPOOL_ESTUCK)
		add_stuck(s, name, v, reason);
}

/* Retry the moves that failed before. */
static void
retry_stuck(spool *s)
{
	for (size_t i = 0; i < s->nstuck;) {
		struct stuck *st = &s->stuck[i];
		char *path = path_join(s->dir, st->name, NULL);
		struct stat sb;
		int gone = path && lstat(path, &sb) != 0 && errno == ENOENT;
		free(path);
		if (!gone &&
		    settle_file(s, st->name, st->verdict, st->reason) != 0) {
			i++;
			continue;
		}
		free(st->name);
		free(st->reason);
		s->stuck[i] = s->stuck[--s->nstuck];
	}
}

int
spool_scan(spool *s)
{
	DIR *d;
	struct dirent *de;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	int handed = 0;

	if (s == NULL)
		return SPOOL_EINVAL;
	if (s->nstuck)
		retry_stuck(s);
	if ((d = opendir(s->dir)) == NULL) {
		report(s, s->dir, "cannot read the spool directory: %s",
		       strerror(errno));
		return SPOOL_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (!eligible(de->d_name) ||
		    in_list(s->pending, s->npending, de->d_name) ||
		    is_stuck(s, de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
		        0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct entry *nv = realloc(v, nc * sizeof(*nv));
			if (nv == NULL)
				break;
			v = nv;
			cap = nc;
		}
		if ((v[n].name = strdup(de->d_name)) == NULL)
			break;
		v[n].mtime = st.st_mtim;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!s->closing)
			process(s, v[i].name, &handed);
		free(v[i].name);
	}
	free(v);
	return handed;
}

int
spool_verdict(spool *s, const char *name, spool_verdict_t v, const char *reason)
{
	if (s == NULL || name == NULL || remove_pending(s, name) != 0)
		return SPOOL_EINVAL;
	if (v != SPOOL_DONE)
		v = SPOOL_FAILED;
	if (settle_file(s, name, v, reason) == SPOOL_ESTUCK) {
		add_stuck(s, name, v, reason);
		return SPOOL_ESTUCK;
	}
	return 0;
}

/* ---- libuv
 * -------------------------------------------------------------------- */

static void
on_settle(uv_timer_t *t)
{
	spool_scan(t->data);
}

static void
on_rescan(uv_timer_t *t)
{
	spool_scan(t->data);
}

static void
on_fs_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
	spool *s = h->data;

	(void)filename;
	(void)events;
	if (status < 0) {
		report(s, s->dir, "watch error: %s", uv_strerror(status));
		return;
	}
	/* (Re)start the settle timer: a burst of events gives one scan. */
	uv_timer_start(&s->settle, on_settle, s->settle_ms, 0);
}

spool *
spool_new(uv_loop_t *loop, const spool_opts *o, char *err, size_t errlen)
{
	spool *s;

	if (loop == NULL || o == NULL || o->dir == NULL || o->on_file == NULL) {
		posko_seterr(err, errlen, "spool: loop, dir and on_file required");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->dir = strdup(o->dir)) == NULL) {
		free(s);
		posko_seterr(err, errlen, "spool: out of memory");
		return NULL;
	}
	s->loop = loop;
	s->max_bytes = o->max_bytes ? o->max_bytes : SPOOL_DEFAULT_MAX;
	s->settle_ms = o->settle_ms ? o->settle_ms : 200;
	s->rescan_s = o->rescan_s ? o->rescan_s : 60;
	s->on_file = o->on_file;
	s->on_error = o->on_error;
	s->data = o->data;
	return s;
}

static int
mkdir_p1(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, 0750) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	posko_seterr(err, errlen, "%s: %s", path,
	       errno == EEXIST ? "exists and is not a directory"
	                       : strerror(errno));
	return SPOOL_EIO;
}

int
spool_start(spool *s, char *err, size_t errlen)
{
	int rc;

	if (s == NULL || s->started) {
		posko_seterr(err, errlen, "spool: not started twice");
		return SPOOL_EINVAL;
	}
	char *done = path_join(s->dir, "done", NULL);
	char *failed = path_join(s->dir, "failed", NULL);
	rc = done && failed ? 0 : SPOOL_ENOMEM;
	if (rc == 0)
		rc = mkdir_p1(s->dir, err, errlen);
	if (rc == 0)
		rc = mkdir_p1(done, err, errlen);
	if (rc == 0)
		rc = mkdir_p1(failed, err, errlen);
	free(done);
	free(failed);
	if (rc != 0)
		return rc;
	uv_timer_init(s->loop, &s->settle);
	uv_timer_init(s->loop, &s->rescan);
	uv_fs_event_init(s->loop, &s->ev);
	s->settle.data = s->rescan.data = s->ev.data = s;
	s->open_handles = 3;
	s->started = 1;
	int e = uv_fs_event_start(&s->ev, on_fs_event, s->dir, 0);
	if (e != 0) {
		/* no events: the rescan timer still picks files up */
		report(s, s->dir, "cannot watch (%s); scanning every %u s",
		       uv_strerror(e), s->rescan_s);
	}
	uv_timer_start(&s->settle, on_settle, 0, 0);
	uv_timer_start(&s->rescan, on_rescan, (uint64_t)s->rescan_s * 1000,
	               (uint64_t)s->rescan_s * 1000);
	return 0;
}

static void
free_spool(spool *s)
{
	for (size_t i = 0; i < s->npending; i++)
		free(s->pending[i]);
	free(s->pending);
	for (size_t i = 0; i < s->nstuck; i++) {
		free(s->stuck[i].name);
		free(s->stuck[i].reason);
	}
	free(s->stuck);
	free(s->dir);
	free(s);
}

static void
on_closed(uv_handle_t *h)
{
	spool *s = h->data;

	if (--s->open_handles == 0)
		free_spool(s);
}

void
spool_close(spool *s)
{
	if (s == NULL)
		return;
	s->closing = 1;
	if (!s->started) {
		free_spool(s);
		return;
	}
	uv_close((uv_handle_t *)&s->ev, on_closed);
	uv_close((uv_handle_t *)&s->settle, on_closed);
	uv_close((uv_handle_t *)&s->rescan, on_closed);
}
