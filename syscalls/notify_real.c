/*
 * The native I/O behind the sandbox's watches, and its relay.  The command
 * reads and writes real layer files itself: only the kernel sees that.
 * The supervisor marks the sandbox's own mounts — its clones of the lower
 * layers, its upper mount, the shadow root — with fanotify: what comes
 * through them is this sandbox's doing, never another process's reading a
 * shared lower.  Events carry the pid: the supervisor's own (copy-up reads,
 * opens made for the command) are dropped; the handler reports what the
 * call meant instead.  Events carry file handles: each watch is attached
 * to the handles of the real objects behind its path (every real dir of a
 * merged dir, the real object of a file), which a copy-up or a new upper
 * dir changes (notify_real_refresh).  A closed directory fd is a mirror dir
 * of the shadow root: its handle leads back to the overlay path.
 *
 * Kernel-served mounts (/dev) are the sandbox's own: a watch there is a
 * plain kernel inotify watch (ROLE_RAW), relayed as it comes.
 *
 * Run by a user (rootless), fanotify marks no mount (that needs CAP_SYS_ADMIN
 * on the host): each real object a watch is attached to gets an inode mark
 * (a dir's also for its children) when first attached, kept for the run
 * (unmarking would need a path to it; a mark costs the kernel a few bytes).
 * Such marks see any process's I/O on the object, and the kernel tells an
 * unprivileged listener no pid but its own: so the supervisor's own work is
 * still dropped, while a host process reading the user's lower while a watch
 * is on it is reported too (README: Limits).  A watched dir's mirror is
 * marked for its close (a dir fd the command closes), and named back by its
 * attachment (no file handle opens in a user namespace).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "ovlrun/context.h"
#include "notify_int.h"
#include "shadow.h"

/* What native I/O can cause; namespace and metadata changes are all the
 * supervisor's, reported by the handlers. */
#define FAN_DATA (FAN_ACCESS | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN | \
		  FAN_OPEN_EXEC | FAN_ONDIR)

static unsigned hash_key(const struct nkey *k)
{
	uint32_t h = 2166136261u;
	const unsigned char *p = (const unsigned char *)&k->fsid;
	for (size_t i = 0; i < sizeof(k->fsid); i++)
		h = (h ^ p[i]) * 16777619u;
	for (unsigned i = 0; i < k->len; i++)
		h = (h ^ k->h[i]) * 16777619u;
	return h & (NOTIFY_HASH - 1);
}

static bool same_key(const struct nkey *a, const struct nkey *b)
{
	return a->fsid == b->fsid && a->type == b->type && a->len == b->len &&
	       !memcmp(a->h, b->h, a->len);
}

/* The handle of the object fd refers to, as fanotify reports it. */
static int key_of(int fd, struct nkey *k)
{
	struct {
		struct file_handle fh;
		unsigned char b[NOTIFY_MAX_HANDLE];
	} h = { .fh.handle_bytes = NOTIFY_MAX_HANDLE };
	struct statfs sf;
	int mnt;
	if (name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) || fstatfs(fd, &sf))
		return -errno;
	memset(k, 0, sizeof(*k));
	memcpy(&k->fsid, &sf.f_fsid, sizeof(k->fsid));
	k->type = h.fh.handle_type;
	k->len = h.fh.handle_bytes;
	memcpy(k->h, h.fh.f_handle, k->len);
	return 0;
}

static void unlink_real(struct notify *n, struct nreal *x)
{
	for (struct nreal **p = &n->real_hash[hash_key(&x->key)]; *p; p = &(*p)->next)
		if (*p == x) {
			*p = x->next;
			n->nreal--;
			return;
		}
}

/* The attachments on the kernel watch rwd (raw watches on one object
 * share it: the kernel gives one wd per inode). */
static int raw_users(struct notify *n, int rwd)
{
	struct nkey k = { .len = sizeof(rwd) };
	memcpy(k.h, &rwd, sizeof(rwd));
	int c = 0;
	for (struct nreal *x = n->real_hash[hash_key(&k)]; x; x = x->next)
		c += x->role == ROLE_RAW && x->rwd == rwd;
	return c;
}

static void drop_real(struct notify *n, struct nwatch *w, int i)
{
	struct nreal *x = w->real[i];
	unlink_real(n, x);
	if (x->role == ROLE_RAW && n->ifd >= 0 && !raw_users(n, x->rwd))
		inotify_rm_watch(n->ifd, x->rwd);
	w->real[i] = w->real[--w->nreal];
	free(x);
}

static void set_multi(struct notify *n, struct nwatch *w, bool multi)
{
	if (w->multi != multi)
		n->nmulti += multi ? 1 : (size_t)-1;
	w->multi = multi;
}

void notify_real_detach(struct sup *s, struct nwatch *w)
{
	while (w->nreal)
		drop_real(s->notify, w, w->nreal - 1);
	w->has_upper = false;
	set_multi(s->notify, w, false);
}

static void mark_mount(struct notify *n, const char *path)
{
	if (fanotify_mark(n->ffd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_DATA, AT_FDCWD, path))
		fprintf(stderr, "ovlrun: fanotify_mark %s: %s\n", path, strerror(errno));
}

/* path inside the sandbox, as the supervisor reaches it: through the
 * command's root, in the command's own mount namespace, whose copies of
 * the shadow's mounts are the ones the command's I/O goes through; by an
 * fd of its parent's mirror (a path may be longer than a call takes) */
static void mark_sandbox_mount(struct sup *s, struct notify *n, const char *path)
{
	char parent[OVL_PATH_MAX];
	const char *slash = strrchr(path, '/'), *name = slash && slash[1] ? slash + 1 : ".";
	size_t pl = slash && slash != path ? (size_t)(slash - path) : 1;
	if (pl >= sizeof(parent))
		return;
	memcpy(parent, path, pl);
	parent[pl] = 0;
	int dfd = shadow_dir_for_tracee(s, parent, O_PATH), err = dfd;
	if (dfd >= 0) {
		err = fanotify_mark(n->ffd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_DATA, dfd, name) ? -errno
											 : 0;
		close(dfd);
	}
	if (err)
		fprintf(stderr, "ovlrun: fanotify_mark of the mount at %s: %s\n", path,
			strerror(-err));
}

void notify_mount_added(struct sup *s, const char *canon)
{
	if (!s->notify || !s->notify->marked || s->notify->inode_marks)
		return;
	mark_sandbox_mount(s, s->notify, canon);
}

/* The command's root and the binds already in it (executables, FIFOs,
 * sockets); the kernel-served mounts (/dev, /proc) are not the overlay's. */
static void mark_shadow_binds(struct sup *s, struct notify *n)
{
	char info[64];
	snprintf(info, sizeof(info), "/proc/%d/mountinfo", (int)s->init_pid);
	FILE *f = fopen(info, "re");
	if (!f)
		return;
	char *line = NULL, *mp = NULL;
	size_t cap = 0;
	for (ssize_t len; (len = getline(&line, &cap, f)) > 0;) {
		char *grown = realloc(mp, (size_t)len + 1);
		if (!grown)
			break;
		mp = grown;
		/* "id parent major:minor root mount-point ...", octal escapes */
		char *p = line;
		for (int field = 0; field < 4 && p; field++)
			p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
		if (!p)
			continue;
		size_t k = 0;
		for (; *p && *p != ' '; p++) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) {
				mp[k++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
				p += 3;
			} else {
				mp[k++] = *p;
			}
		}
		mp[k] = 0;
		bool pass = false;
		for (int i = 0; i < s->npass && !pass; i++) {
			size_t pl = strlen(s->pass[i]);
			pass = !strncmp(mp, s->pass[i], pl) && (!mp[pl] || mp[pl] == '/');
		}
		if (!pass)
			mark_sandbox_mount(s, n, mp);
	}
	free(line);
	free(mp);
	fclose(f);
}

void notify_prepare(struct sup *s)
{
	struct notify *n = notify_get(s);
	if (!n)
		return;
	n->ffd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET | FAN_NONBLOCK |
			       FAN_CLOEXEC, O_RDONLY);
	n->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	n->inode_marks = s->rootless;
}

/* Mark the sandbox's mounts, once: lowers, upper, shadow root. */
static int mark_mounts(struct sup *s, struct notify *n)
{
	if (n->marked)
		return 0;
	if (n->ffd < 0) {
		fprintf(stderr, "ovlrun: fanotify for inotify watches: unavailable, "
			"no events of native reads and writes\n");
		return -EOPNOTSUPP;
	}
	n->marked = true;
	struct statfs sf;
	if (!fstatfs(s->shadow_fd, &sf))
		memcpy(&n->shadow_fsid, &sf.f_fsid, sizeof(n->shadow_fsid));
	if (n->inode_marks)
		return 0;  /* (marked one by one: want) */
	const char *mounts[OVL_MAX_LOWER + 2];
	int k = 0;
	for (int i = 0; i < s->opt.nlower; i++)
		mounts[k++] = s->lower_prefix[i];
	if (s->upper_prefix[0])
		mounts[k++] = s->upper_prefix;
	mounts[k++] = s->shadow;  /* mirror dirs the supervisor opened for the command */
	for (int i = 0; i < k; i++)
		mark_mount(n, mounts[i]);
	mark_shadow_binds(s, n);
	return 0;
}

static struct nreal *new_real(struct nwatch *w, enum real_role role, bool *keep)
{
	if (w->nreal >= NOTIFY_MAX_REAL)
		return NULL;
	if (w->nreal == w->creal) {
		/* as many as the watched dir has real dirs: most have 1 to 3 */
		int c = w->creal ? 2 * w->creal : 4;
		struct nreal **r = realloc(w->real, (size_t)c * sizeof(*r));
		if (!r)
			return NULL;
		w->real = r;
		w->creal = c;
	}
	struct nreal *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->role = role;
	x->w = w;
	keep[w->nreal] = true;
	w->real[w->nreal++] = x;
	return x;
}

/* The inode mark of a rootless run on the object fd refers to (k), unless
 * an attachment on it already made it: its data events (a dir's also of
 * its children), or a mirror's close and its subdirs' (the command's dir
 * fds are mirrors: a subdir's is a child of the watched dir's). */
static void mark_inode(struct notify *n, int fd, const struct nkey *k, enum real_role role,
		       bool dir)
{
	for (struct nreal *x = n->real_hash[hash_key(k)]; x; x = x->next)
		if (x->role != ROLE_RAW && same_key(&x->key, k))
			return;
	/* (a non-dir's mark takes no dir bits: ENOTDIR for a TARGET_FID group) */
	uint64_t mask = role == ROLE_MIRROR ? FAN_CLOSE_NOWRITE | FAN_ONDIR | FAN_EVENT_ON_CHILD
			: dir ? FAN_DATA | FAN_EVENT_ON_CHILD : FAN_DATA & ~(uint64_t)FAN_ONDIR;
	char proc[64];
	/* (fd may be O_PATH: the mark is taken by its /proc name) */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fanotify_mark(n->ffd, FAN_MARK_ADD | FAN_MARK_INODE, mask, AT_FDCWD, proc))
		fprintf(stderr, "ovlrun: fanotify_mark of a watched object: %s\n", strerror(errno));
}

static void link_real(struct notify *n, struct nreal *x)
{
	unsigned h = hash_key(&x->key);
	x->next = n->real_hash[h];
	n->real_hash[h] = x;
	n->nreal++;
}

/* Attach w to the real object fd refers to (kept if already attached). */
static void want(struct notify *n, struct nwatch *w, int fd, enum real_role role, bool *keep)
{
	struct nkey k;
	if (key_of(fd, &k))
		return;
	for (int i = 0; i < w->nreal; i++)
		if (w->real[i]->role == role && same_key(&w->real[i]->key, &k)) {
			keep[i] = true;
			return;
		}
	struct nreal *x = new_real(w, role, keep);
	struct stat st = { 0 };
	if (x) {
		x->key = k;
		if (!fstat(fd, &st)) {
			x->dev = st.st_dev;
			x->ino = st.st_ino;
		}
		if (n->inode_marks)
			mark_inode(n, fd, &k, role, S_ISDIR(st.st_mode));
		link_real(n, x);
	}
}

int notify_real_attach_raw(struct sup *s, struct nwatch *w, int fd)
{
	struct notify *n = s->notify;
	char proc[64];
	bool keep[NOTIFY_MAX_REAL * 2] = { false };
	if (n->ifd < 0)
		return -ENOSYS;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int rwd = inotify_add_watch(n->ifd, proc, (w->mask & IN_ALL_EVENTS) | IN_MASK_ADD);
	if (rwd < 0)
		return -errno;
	struct nreal *x = new_real(w, ROLE_RAW, keep);
	if (!x) {
		if (!raw_users(n, rwd))
			inotify_rm_watch(n->ifd, rwd);
		return -ENOMEM;
	}
	x->rwd = rwd;
	x->key.len = sizeof(rwd);  /* RAW entries are found by rwd */
	memcpy(x->key.h, &rwd, sizeof(rwd));
	link_real(n, x);
	w->has_upper = true;  /* never refreshed */
	return 0;
}

/* A non-dir whose names are one object, as the kernel's overlay inode
 * is: several names of an upper file, or of a lower file where the kernel
 * keeps lower hard links one (the index; or no upper to break them). */
static bool one_object(struct sup *s, const struct ovl_entry *e)
{
	if (!e->type || S_ISDIR(e->type) || e->passthrough)
		return false;
	if (e->indexed)
		return true;
	return e->st.st_nlink > 1 && (e->layer == OVL_UPPER || ovl_fs_indexed(s->fs) ||
				      !ovl_fs_writable(s->fs));
}

void notify_real_attach(struct sup *s, struct nwatch *w)
{
	struct notify *n = s->notify;
	bool keep[NOTIFY_MAX_REAL * 2] = { false };
	int before = w->nreal;
	struct ovl_entry e;
	if (w->raw)
		return;  /* attached once, to the object itself */
	w->has_upper = false;
	if (!ovl_lookup(s->fs, &n->root, "/", w->path, OVL_LOOKUP_NO_PERM, &e)) {
		if (e.passthrough) {
			w->has_upper = true;  /* a kernel-served path now: nothing of ours */
		} else if (!mark_mounts(s, n) && S_ISDIR(e.type)) {
			for (int i = 0; i < e.dir.n; i++) {
				want(n, w, e.dir.fd[i], ROLE_LAYER_DIR, keep);
				w->has_upper |= e.dir.layer[i] == OVL_UPPER;
			}
			int mfd = n->inode_marks ? shadow_dir_for_tracee(s, w->path, O_PATH) : -1;
			if (mfd >= 0) {
				want(n, w, mfd, ROLE_MIRROR, keep);
				close(mfd);
			}
		} else if (e.type) {
			int fd = ovl_open_real(s->fs, &e, O_PATH);
			if (fd >= 0) {
				want(n, w, fd, ROLE_FILE, keep);
				close(fd);
			}
			w->has_upper = e.layer == OVL_UPPER;
			set_multi(n, w, one_object(s, &e));
		}
		ovl_entry_release(&e);
	}
	if (!ovl_fs_writable(s->fs))
		w->has_upper = true;  /* nothing will ever come up */
	/* what was attached before and is no longer behind the path */
	for (int i = before - 1; i >= 0; i--)
		if (!keep[i]) {
			keep[i] = keep[w->nreal - 1];
			drop_real(n, w, i);
		}
}

/* The real object of another name of a hard-linked lower file may have
 * changed (a copy-up into the index: overlay/index.c): the watches on
 * such names not yet in upper look again. */
static void refresh_multi(struct sup *s, struct notify *n)
{
	for (struct ninst *in = n->insts; in && n->nmulti; in = in->next)
		for (struct nwatch *w = in->watches; w; w = w->inext)
			if (w->multi && !w->has_upper && !w->dead)
				notify_real_attach(s, w);
}

/* The real key of the object at base/path (one_only: if its names are
 * one object, a watch on any of them being on it). */
static bool key_at(struct sup *s, const char *base, const char *path, bool one_only,
		   struct nkey *k)
{
	struct ovl_entry e;
	bool have = false;
	if (ovl_lookup(s->fs, &s->notify->root, base, path, OVL_LOOKUP_NO_PERM, &e))
		return false;
	if (one_only ? one_object(s, &e) : e.type && !e.passthrough) {
		int fd = ovl_open_real(s->fs, &e, O_PATH);
		have = fd >= 0 && !key_of(fd, k);
		if (fd >= 0)
			close(fd);
	}
	ovl_entry_release(&e);
	return have;
}

bool notify_watch_on(const struct nwatch *w, const struct nkey *k, const struct notify_obj *obj)
{
	for (int i = 0; !w->dead && i < w->nreal; i++) {
		const struct nreal *x = w->real[i];
		if (x->role == ROLE_FILE && (k ? same_key(&x->key, k)
					       : x->dev == obj->dev && x->ino == obj->ino))
			return true;
	}
	return false;
}

struct nwatch *notify_real_same(struct sup *s, struct ninst *in, const char *canon)
{
	struct nkey k;
	if (!s->notify || !s->notify->nmulti || !key_at(s, "/", canon, true, &k))
		return NULL;
	for (struct nwatch *w = in->watches; w; w = w->inext)
		if (notify_watch_on(w, &k, NULL))
			return w;
	return NULL;
}

void notify_real_aliases(struct sup *s, const char *path, const struct notify_obj *obj,
			 uint32_t mask, uint32_t cookie)
{
	struct notify *n = s->notify;
	struct nkey k;
	bool have = false;
	if (!n || !n->nmulti)
		return;
	/* the object's key: a watch on path has it, else the object the
	 * name shows; or its ids, given */
	for (struct nwatch *w = notify_find(n, path); w && !have && !obj; w = w->hnext)
		for (int i = 0; i < w->nreal && !have && !strcmp(w->path, path); i++)
			if (w->real[i]->role == ROLE_FILE) {
				k = w->real[i]->key;
				have = true;
			}
	if (!have && !obj)
		have = key_at(s, "/", path, true, &k);
	if (!have && !(obj && obj->ino))
		return;
	/* (collected first: a delivery may drop a watch and its attachments) */
	struct nwatch *to[64];
	int nto = 0;
	for (struct ninst *in = n->insts; in && nto < 64; in = in->next)
		for (struct nwatch *w = in->watches; w && nto < 64; w = w->inext)
			if (w->multi && strcmp(w->path, path) &&
			    notify_watch_on(w, have ? &k : NULL, obj))
				to[nto++] = w;
	for (int i = 0; i < nto; i++)
		notify_deliver(s, to[i], mask, cookie, NULL);
}

void notify_real_refresh(struct sup *s, const char *path)
{
	struct notify *n = s->notify;
	if (!n || !n->nwatch)
		return;
	if (n->nmulti)
		refresh_multi(s, n);
	char p[OVL_PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		for (struct nwatch *w = notify_find(n, p); w; w = w->hnext)
			if (!strcmp(w->path, p) && !w->has_upper)
				notify_real_attach(s, w);
		char *slash = strrchr(p, '/');
		if (!slash || !strcmp(p, "/"))
			break;
		slash[slash == p] = 0;  /* "/a" -> "/", "/a/b" -> "/a" */
	}
}

/* fanotify merges the events of one object: out in the order they happen. */
static const uint32_t data_order[] = { FAN_OPEN, FAN_ACCESS, FAN_MODIFY, FAN_CLOSE_WRITE,
				       FAN_CLOSE_NOWRITE };

/* IN_EXCL_UNLINK: a child's event is not for the dir watch w once the
 * child (obj, its real key) is no longer at name in w's dir. */
static bool child_gone(struct sup *s, const struct nwatch *w, const struct nkey *obj,
		       const char *name)
{
	struct nkey k;
	if (!(w->mask & IN_EXCL_UNLINK) || !obj)
		return false;
	return !key_at(s, w->path, name, false, &k) || !same_key(&k, obj);
}

static void each_data_event(struct sup *s, uint64_t mask, const struct nkey *obj,
			    const struct nkey *dir, const char *name)
{
	struct notify *n = s->notify;
	if (mask & FAN_OPEN_EXEC)
		mask |= FAN_OPEN;
	for (size_t i = 0; i < sizeof(data_order) / sizeof(data_order[0]); i++) {
		if (!(mask & data_order[i]))
			continue;
		uint32_t m = data_order[i];  /* the IN_* bits are the same */
		/* the watches the object serves; delivery may drop one
		 * (IN_ONESHOT), so they are taken first */
		struct nwatch *ws[64];
		const char *names[64];
		int k = 0;
		for (int pass = 0; pass < 2; pass++) {
			const struct nkey *key = pass ? dir : obj;
			if (!key)
				continue;
			for (struct nreal *x = n->real_hash[hash_key(key)]; x && k < 64; x = x->next)
				if (same_key(&x->key, key) &&
				    x->role == (pass ? ROLE_LAYER_DIR : ROLE_FILE) &&
				    !(pass && child_gone(s, x->w, obj, name))) {
					names[k] = pass ? name : NULL;
					ws[k++] = x->w;
				}
		}
		/* parents hear of it before the object itself */
		for (int pass = 0; pass < 2; pass++)
			for (int j = 0; j < k; j++)
				if ((names[j] != NULL) == !pass && !ws[j]->dead)
					notify_deliver(s, ws[j], m, 0, names[j]);
	}
}

/* A directory fd of the command was closed: the mirror dir's handle leads
 * back to its overlay path. */
static void dir_closed(struct sup *s, struct file_handle *fh)
{
	int fd = open_by_handle_at(s->shadow_fd, fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	char proc[64], link[OVL_PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t len = readlink(proc, link, sizeof(link) - 1);
	close(fd);
	if (len <= 0)
		return;
	link[len] = 0;
	const char *rest = link + s->shadow_len;
	if ((size_t)len < s->shadow_len || strncmp(link, s->shadow, s->shadow_len) ||
	    (*rest && *rest != '/'))
		return;
	notify_path(s, *rest ? rest : "/", IN_CLOSE_NOWRITE, true);
}

/* The overlay path of watched dir w's subdir whose mirror is k, if one
 * is: found by their handles (the mirrors' names are the overlay's). */
static bool mirror_child(struct sup *s, const struct nwatch *w, const struct nkey *k,
			 char *path, size_t size)
{
	int dfd = shadow_dir(s, w->path, 0);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	bool found = false;
	for (struct dirent *de; !found && (de = readdir(d));) {
		struct nkey ck;
		int cfd = de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")
			  ? -1 : openat(dfd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		found = cfd >= 0 && !key_of(cfd, &ck) && same_key(&ck, k) &&
			snprintf(path, size, "%s%s%s", w->path, w->path[1] ? "/" : "", de->d_name) <
			(int)size;
		if (cfd >= 0)
			close(cfd);
	}
	closedir(d);
	return found;
}

/* The same, rootless: the mirror's attachment names the watched path.  A
 * subdir's close comes by the mark of the watched dir's mirror (it takes
 * its children's events) but names the subdir's own mirror, which has no
 * attachment: it is looked for among the watched dirs' subdirs. */
static void mirror_closed(struct sup *s, const struct nkey *k)
{
	for (struct nreal *x = s->notify->real_hash[hash_key(k)]; x; x = x->next)
		if (x->role == ROLE_MIRROR && same_key(&x->key, k)) {
			notify_path(s, x->w->path, IN_CLOSE_NOWRITE, true);
			return;
		}
	char path[OVL_PATH_MAX];
	for (struct ninst *in = s->notify->insts; in; in = in->next)
		for (struct nwatch *w = in->watches; w; w = w->inext)
			if (!w->dead && w->isdir && !w->raw &&
			    mirror_child(s, w, k, path, sizeof(path))) {
				notify_path(s, path, IN_CLOSE_NOWRITE, true);
				return;
			}
}

/* One event: md is a copy of its header, raw the event in the buffer
 * (events are 4-byte aligned, the header wants 8). */
static void fan_event(struct sup *s, const struct fanotify_event_metadata *md, const char *raw)
{
	struct notify *n = s->notify;
	if (md->mask & FAN_Q_OVERFLOW) {
		for (struct ninst *in = n->insts; in; in = in->next)
			in->overflow = true;
		return;
	}
	if (md->pid == getpid())
		return;  /* the supervisor's own work */
	struct nkey obj, dir;
	bool have_obj = false, have_dir = false;
	const char *name = NULL;
	struct file_handle *dir_fh = NULL;
	const char *end = raw + md->event_len;
	for (const char *q = raw + md->metadata_len; q < end;) {
		const struct fanotify_event_info_fid *fi = (const void *)q;
		if (fi->hdr.len == 0)
			break;
		struct file_handle *fh = (struct file_handle *)fi->handle;
		struct nkey *k = fi->hdr.info_type == FAN_EVENT_INFO_TYPE_FID ? &obj : &dir;
		if ((fi->hdr.info_type == FAN_EVENT_INFO_TYPE_FID ||
		     fi->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) &&
		    fh->handle_bytes <= NOTIFY_MAX_HANDLE) {
			memset(k, 0, sizeof(*k));
			memcpy(&k->fsid, &fi->fsid, sizeof(k->fsid));
			k->type = fh->handle_type;
			k->len = fh->handle_bytes;
			memcpy(k->h, fh->f_handle, k->len);
			if (fi->hdr.info_type == FAN_EVENT_INFO_TYPE_FID) {
				have_obj = true;
			} else {
				have_dir = true;
				dir_fh = fh;
				name = (const char *)fh->f_handle + fh->handle_bytes;
			}
		}
		q += fi->hdr.len;
	}
	if (md->mask & FAN_ONDIR) {
		/* a directory's own event: DFID is the dir, the name "." */
		if ((md->mask & FAN_CLOSE_NOWRITE) && have_dir && dir.fsid == n->shadow_fsid) {
			if (n->inode_marks)
				mirror_closed(s, &dir);
			else
				dir_closed(s, dir_fh);
		}
		return;
	}
	each_data_event(s, md->mask, have_obj ? &obj : NULL,
			have_dir && name && strcmp(name, ".") ? &dir : NULL, name);
}

static void raw_event(struct sup *s, const struct inotify_event *ev)
{
	struct notify *n = s->notify;
	struct nkey k = { .len = sizeof(ev->wd) };
	memcpy(k.h, &ev->wd, sizeof(ev->wd));
	struct nwatch *ws[64];
	int m = 0;
	for (struct nreal *x = n->real_hash[hash_key(&k)]; x && m < 64; x = x->next)
		if (x->role == ROLE_RAW && x->rwd == ev->wd)
			ws[m++] = x->w;
	for (int i = 0; i < m; i++) {
		if (ws[i]->dead)
			continue;
		if (ev->mask & IN_IGNORED)
			notify_real_detach(s, ws[i]);
		else
			notify_deliver(s, ws[i], ev->mask, ev->cookie, ev->len ? ev->name : NULL);
	}
}

void notify_relay(struct sup *s)
{
	notify_relay_pending(s);
	notify_sweep(s, false);
}

void notify_relay_pending(struct sup *s)
{
	struct notify *n = s->notify;
	if (!n)
		return;
	_Alignas(8) char buf[16384];
	ssize_t len;
	while (n->ffd >= 0 && (len = read(n->ffd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; len - off >= (ssize_t)sizeof(struct fanotify_event_metadata);) {
			struct fanotify_event_metadata md;
			memcpy(&md, buf + off, sizeof(md));
			if (md.event_len < sizeof(md) || md.event_len > (size_t)(len - off))
				break;
			fan_event(s, &md, buf + off);
			off += md.event_len;
		}
	}
	while (n->ifd >= 0 && (len = read(n->ifd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			raw_event(s, ev);
			p += sizeof(*ev) + ev->len;
		}
}

/* Free the instances whose every copy the command closed (a send failed
 * with EPIPE, or poll says so when check). */
void notify_sweep(struct sup *s, bool check)
{
	struct notify *n = s->notify;
	for (struct ninst *in = n ? n->insts : NULL, *next; in; in = next) {
		next = in->next;
		struct pollfd p = { .fd = in->sock, .events = POLLOUT };
		if (in->sock >= 0 && check && poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) {
			close(in->sock);
			in->sock = -1;
		}
		if (in->dn ? !in->watches : in->sock < 0)
			notify_inst_free(s, in);  /* (a dnotify one: its watch gone) */
	}
	while (n && n->graveyard) {
		struct nwatch *w = n->graveyard;
		n->graveyard = w->hnext;
		free(w->path);
		free(w->real);
		free(w);
	}
}

/* Before a handler: what the command did natively comes first. */
void notify_begin(struct sup *s)
{
	if (!s->notify)
		return;
	if (s->notify->nreal)
		notify_relay(s);  /* sweeps too */
	else
		notify_sweep(s, false);
}
