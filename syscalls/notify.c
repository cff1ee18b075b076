/*
 * The sandbox's inotify watches and the events of overlay operations (see
 * include/ovlrun/notify.h).  Event order follows the kernel's fsnotify
 * hooks: a parent's watch hears of a child before the child's own watch
 * does; an unlink reports ATTRIB (link count) and DELETE_SELF on the
 * object before DELETE in the parent; a rename reports MOVED_FROM,
 * MOVED_TO, ATTRIB on a replaced target, MOVE_SELF, then the target's
 * DELETE_SELF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>
#include "ovlrun/context.h"
#include "notify_int.h"

static unsigned hash_path(const char *p)
{
	uint32_t h = 2166136261u;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h & (NOTIFY_HASH - 1);
}

struct notify *notify_get(struct sup *s)
{
	if (s->notify)
		return s->notify;
	struct notify *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ifd = -1;
	n->ffd = -1;
	n->root.cap_eff = ~0ULL;
	s->notify = n;
	return n;
}

struct nwatch *notify_find(struct notify *n, const char *path)
{
	for (struct nwatch *w = n->hash[hash_path(path)]; w; w = w->hnext)
		if (!strcmp(w->path, path))
			return w;
	return NULL;
}

/* The next watch on the same path after w, NULL at the end. */
static struct nwatch *next_same(struct nwatch *w)
{
	struct nwatch *x = w->hnext;
	while (x && strcmp(x->path, w->path))
		x = x->hnext;
	return x;
}

static void unhash(struct notify *n, struct nwatch *w)
{
	for (struct nwatch **p = &n->hash[hash_path(w->path)]; *p; p = &(*p)->hnext)
		if (*p == w) {
			*p = w->hnext;
			return;
		}
}

static void rehash(struct notify *n, struct nwatch *w)
{
	unsigned h = hash_path(w->path);
	w->hnext = n->hash[h];
	n->hash[h] = w;
}

void notify_watch_add(struct notify *n, struct nwatch *w)
{
	rehash(n, w);
	w->inext = w->inst->watches;
	w->inst->watches = w;
	n->nwatch++;
}

/* Bytes queued to the command and not read yet. */
static int unread(int sock)
{
	int q = 0;
	return ioctl(sock, SIOCOUTQ, &q) ? 0 : q;
}

static int send_event(struct ninst *in, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
	_Alignas(struct inotify_event) char buf[sizeof(struct inotify_event) + NAME_MAX + 16];
	struct inotify_event *ev = (struct inotify_event *)buf;
	size_t nl = name && *name ? strlen(name) : 0;
	/* the name is NUL-padded to a multiple of the header size, as the kernel does */
	size_t len = nl ? (nl + 1 + sizeof(*ev) - 1) / sizeof(*ev) * sizeof(*ev) : 0;
	*ev = (struct inotify_event){ .wd = wd, .mask = mask, .cookie = cookie, .len = (uint32_t)len };
	memset(ev->name, 0, len);
	if (nl)
		memcpy(ev->name, name, nl);
	if (send(in->sock, buf, sizeof(*ev) + len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	return -errno;
}

static void queue_event(struct ninst *in, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
	if (in->dn)
		return;  /* (dnotify: notify_deliver; no IN_IGNORED, no DELETE_SELF) */
	if (in->sock < 0)
		return;
	const char *nm = name ? name : "";
	struct nlast *l = &in->last;
	if (l->valid && l->wd == wd && l->mask == mask && l->cookie == cookie &&
	    !strcmp(l->name, nm) && unread(in->sock) > 0)
		return;  /* merged into the identical unread event before it */
	int err = 0;
	if (in->overflow && !(err = send_event(in, -1, IN_Q_OVERFLOW, 0, NULL)))
		in->overflow = false;
	if (!err)
		err = send_event(in, wd, mask, cookie, nm);
	if (err == -EAGAIN || err == -ENOBUFS) {
		in->overflow = true;
	} else if (err) {
		/* EPIPE: every copy of the command's end is closed */
		close(in->sock);
		in->sock = -1;
		return;
	}
	*l = (struct nlast){ .valid = !err, .wd = wd, .mask = mask, .cookie = cookie };
	snprintf(l->name, sizeof(l->name), "%s", nm);
}

void notify_watch_drop(struct sup *s, struct nwatch *w, bool ignored)
{
	struct notify *n = s->notify;
	struct ninst *in = w->inst;
	if (ignored)
		queue_event(in, w->wd, IN_IGNORED, 0, NULL);
	notify_real_detach(s, w);
	unhash(n, w);
	for (struct nwatch **p = &in->watches; *p; p = &(*p)->inext)
		if (*p == w) {
			*p = w->inext;
			break;
		}
	n->nwatch--;
	w->dead = true;
	w->hnext = n->graveyard;
	n->graveyard = w;
}

void notify_deliver(struct sup *s, struct nwatch *w, uint32_t mask, uint32_t cookie,
		    const char *name)
{
	if (w->dead || !(mask & w->mask & IN_ALL_EVENTS))
		return;
	if (w->inst->dn) {
		/* its fd closed (or another), or a one-shot one spent */
		if (!dnotify_alive(w->inst->dn) || dnotify_event(w->inst->dn, mask, cookie))
			notify_watch_drop(s, w, false);
		return;
	}
	queue_event(w->inst, w->wd, mask, cookie, name);
	if (w->mask & IN_ONESHOT)
		notify_watch_drop(s, w, true);
}

void notify_inst_free(struct sup *s, struct ninst *in)
{
	while (in->watches)
		notify_watch_drop(s, in->watches, false);
	if (in->sock >= 0)
		close(in->sock);
	if (in->dn)
		dnotify_free(in->dn);
	struct notify *n = s->notify;
	for (struct ninst **p = &n->insts; *p; p = &(*p)->next)
		if (*p == in) {
			*p = in->next;
			break;
		}
	n->ninst--;
	free(in);
}

void notify_free(struct sup *s)
{
	struct notify *n = s->notify;
	if (!n)
		return;
	while (n->insts)
		notify_inst_free(s, n->insts);
	notify_sweep(s, false);
	if (n->ifd >= 0)
		close(n->ifd);
	if (n->ffd >= 0)
		close(n->ffd);
	free(n);
	s->notify = NULL;
}

int notify_fd(const struct sup *s, int which)
{
	if (!s->notify)
		return -1;
	return which ? s->notify->ifd : s->notify->ffd;
}

bool notify_watching(const struct sup *s)
{
	return s->notify && s->notify->nwatch;
}

bool notify_in_use(const struct sup *s)
{
	const struct notify *n = s->notify;
	return n && (n->ninst || n->insts || n->nwatch || n->nreal || n->graveyard);
}


/* How the watches on an object's other names hear an event on it: not,
 * as the object at the path now, or as the object given. */
enum alias { ALIAS_NONE, ALIAS_AT_PATH, ALIAS_OBJ };

/* Deliver to every watch on path (each may go away on delivery); a self
 * event (no name) also to the watches on the object's other names. */
static void to_watches(struct sup *s, const char *path, uint32_t mask, uint32_t cookie,
		       const char *name, enum alias alias, const struct notify_obj *obj)
{
	struct nwatch *w = notify_find(s->notify, path);
	while (w) {
		struct nwatch *next = next_same(w);
		if (!name || w->isdir)
			notify_deliver(s, w, mask, cookie, name);
		w = next;
	}
	if (!name && alias != ALIAS_NONE)
		notify_real_aliases(s, path, alias == ALIAS_OBJ ? obj : NULL, mask & ~IN_ISDIR,
				    cookie);
}

/* Split path into its parent (in buf) and its last component. */
static const char *split(const char *path, char *parent)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return NULL;  /* the root */
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	memcpy(parent, path, n);
	parent[n] = 0;
	return slash + 1;
}

static void to_parent(struct sup *s, const char *path, uint32_t mask, uint32_t cookie)
{
	char parent[OVL_PATH_MAX];
	const char *name = split(path, parent);
	if (name)
		to_watches(s, parent, mask, cookie, name, ALIAS_NONE, NULL);
}

void notify_path(struct sup *s, const char *path, uint32_t mask, bool isdir)
{
	if (!notify_watching(s))
		return;
	notify_real_refresh(s, path);
	if (isdir)
		mask |= IN_ISDIR;
	to_parent(s, path, mask, 0);
	to_watches(s, path, mask, 0, NULL, isdir ? ALIAS_NONE : ALIAS_AT_PATH, NULL);
}

void notify_changed(struct sup *s, const char *path)
{
	notify_real_refresh(s, path);
}

void notify_create(struct sup *s, const char *path, bool isdir)
{
	if (!notify_watching(s))
		return;
	notify_real_refresh(s, path);
	to_parent(s, path, IN_CREATE | (isdir ? IN_ISDIR : 0), 0);
}

/* The object at path lost its last name: DELETE_SELF, then its watches go. */
static void deleted_self(struct sup *s, const char *path)
{
	struct nwatch *w = notify_find(s->notify, path);
	while (w) {
		struct nwatch *next = next_same(w);
		if (w->mask & IN_DELETE_SELF)
			queue_event(w->inst, w->wd, IN_DELETE_SELF, 0, NULL);  /* no ISDIR here */
		notify_watch_drop(s, w, true);
		w = next;
	}
}

/* The name watches were added by went while their object keeps others:
 * a watch on an object with several names stays on it (its attachments
 * hear the other names: notify_real_aliases), on no path, as the kernel's
 * inode watch; the others stay on the name (README Differences). */
static void detach(struct sup *s, const char *path)
{
	struct notify *n = s->notify;
	struct nwatch *w = notify_find(n, path);
	while (w) {
		struct nwatch *next = next_same(w);
		char *none = w->multi ? strdup("") : NULL;
		if (none) {
			unhash(n, w);
			free(w->path);
			w->path = none;
			rehash(n, w);
			w->has_upper = true;    /* its attachments are final */
		}
		w = next;
	}
}

/* The object obj lost its last name: the watches that stayed on it end. */
static void deleted_obj(struct sup *s, const struct notify_obj *obj)
{
	if (!obj || !obj->ino)
		return;
	for (struct ninst *in = s->notify->insts; in; in = in->next)
		for (struct nwatch *w = in->watches, *next; w; w = next) {
			next = w->inext;
			if (!w->path[0] && notify_watch_on(w, NULL, obj)) {
				if (w->mask & IN_DELETE_SELF)
					queue_event(w->inst, w->wd, IN_DELETE_SELF, 0, NULL);
				notify_watch_drop(s, w, true);
			}
		}
}

void notify_remove(struct sup *s, const char *path, bool isdir, bool last,
		   const struct notify_obj *obj)
{
	if (!notify_watching(s))
		return;
	if (!isdir)
		/* the link count changed */
		to_watches(s, path, IN_ATTRIB, 0, NULL, ALIAS_OBJ, obj);
	if (last || isdir)
		deleted_self(s, path);
	if (last && !isdir)
		deleted_obj(s, obj);
	else if (!isdir)
		detach(s, path);
	to_parent(s, path, IN_DELETE | (isdir ? IN_ISDIR : 0), 0);
	char parent[OVL_PATH_MAX];
	if (split(path, parent))
		notify_real_refresh(s, parent);
}

void notify_link(struct sup *s, const char *old, const char *new_path)
{
	if (!notify_watching(s))
		return;
	to_watches(s, old, IN_ATTRIB, 0, NULL, ALIAS_AT_PATH, NULL);
	notify_create(s, new_path, false);
	notify_real_refresh(s, old);
}

static uint32_t next_cookie(struct notify *n)
{
	if (!++n->cookie)
		n->cookie = 1;
	return n->cookie;
}

/* One fsnotify_move(): the two parents, then the moved object itself. */
static void moved(struct sup *s, const char *from, const char *to, bool isdir)
{
	uint32_t d = isdir ? IN_ISDIR : 0, c = next_cookie(s->notify);
	to_parent(s, from, IN_MOVED_FROM | d, c);
	to_parent(s, to, IN_MOVED_TO | d, c);
}

/* Watches on from and below it now watch the same objects under to. */
static size_t collect(struct notify *n, const char *from, struct nwatch **out, size_t max)
{
	size_t fl = strlen(from), k = 0;
	for (int h = 0; h < NOTIFY_HASH; h++)
		for (struct nwatch *w = n->hash[h]; w; w = w->hnext)
			if (!strncmp(w->path, from, fl) && (!w->path[fl] || w->path[fl] == '/') &&
			    k < max)
				out[k++] = w;
	return k;
}

static void repath(struct notify *n, struct nwatch **ws, size_t k, const char *from, const char *to)
{
	size_t fl = strlen(from);
	for (size_t i = 0; i < k; i++) {
		struct nwatch *w = ws[i];
		char *p = NULL;
		if (asprintf(&p, "%s%s", to, w->path + fl) < 0)
			continue;
		unhash(n, w);
		free(w->path);
		w->path = p;
		rehash(n, w);
	}
}

void notify_move(struct sup *s, const struct notify_move *m)
{
	if (!notify_watching(s))
		return;
	struct notify *n = s->notify;
	moved(s, m->from, m->to, m->isdir);
	/* MOVE_SELF and DELETE_SELF come without IN_ISDIR */
	if (m->exchange) {
		to_watches(s, m->from, IN_MOVE_SELF, 0, NULL, ALIAS_OBJ, &m->obj);
		moved(s, m->to, m->from, m->replaced_isdir);
		to_watches(s, m->to, IN_MOVE_SELF, 0, NULL, ALIAS_OBJ, &m->to_obj);
	} else {
		if (m->replaced)
			to_watches(s, m->to, IN_ATTRIB | (m->replaced_isdir ? IN_ISDIR : 0), 0, NULL,
				   m->replaced_isdir ? ALIAS_NONE : ALIAS_OBJ, &m->to_obj);
		to_watches(s, m->from, IN_MOVE_SELF, 0, NULL, ALIAS_OBJ, &m->obj);
		if (m->replaced && (m->replaced_last || m->replaced_isdir))
			deleted_self(s, m->to);
		if (m->replaced && m->replaced_last && !m->replaced_isdir)
			deleted_obj(s, &m->to_obj);
		else if (m->replaced && !m->replaced_isdir)
			detach(s, m->to);
	}
	/* move the watches: both sets first, so an exchange swaps them */
	size_t max = n->nwatch ? n->nwatch : 1;
	struct nwatch **a = calloc(max, sizeof(*a)), **b = calloc(max, sizeof(*b));
	if (a && b) {
		size_t ka = collect(n, m->from, a, max);
		size_t kb = m->exchange ? collect(n, m->to, b, max) : 0;
		repath(n, a, ka, m->from, m->to);
		repath(n, b, kb, m->to, m->from);
	}
	free(a);
	free(b);
	notify_real_refresh(s, m->to);
	notify_real_refresh(s, m->from);
}
