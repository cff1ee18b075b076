/*
 * What follows the overlay beside the engine: the one listener of its
 * change events (overlay.h: ovl_change), called under the change's locks
 * from the thread that made it, beside the changes of other dirs (the
 * shadow's and the tasks' state have locks of their own; inotify is only
 * in use while calls run alone: context.h).  The shadow drops or moves
 * its mirrors, the cwds kept of the threads are dropped when a directory
 * moves or goes, and inotify watches hear what the change meant on the
 * overlay.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include "ovlrun/notify.h"
#include "ovlrun/tasks.h"
#include "changes.h"
#include "shadow.h"

/* What the kernel reports for a metadata change (fsnotify_change): the
 * size is MODIFY; times are ATTRIB when both change, else ACCESS or
 * MODIFY; the rest ATTRIB. */
static uint32_t attr_mask(unsigned attr)
{
	if (attr & OVL_ATTR_SIZE)
		return IN_MODIFY;
	if ((attr & (OVL_ATTR_ATIME | OVL_ATTR_MTIME)) == OVL_ATTR_MTIME)
		return IN_MODIFY;
	if ((attr & (OVL_ATTR_ATIME | OVL_ATTR_MTIME)) == OVL_ATTR_ATIME)
		return IN_ACCESS;
	return IN_ATTRIB;
}

void changes_on(void *ctx, const struct ovl_change *c)
{
	struct sup *s = ctx;
	switch (c->kind) {
	case OVL_CHANGE_CREATE:
		shadow_forget(s, c->path);
		notify_create(s, c->path, S_ISDIR(c->type));
		break;
	case OVL_CHANGE_REMOVE:
		if (c->st)
			shadow_dir_removed(s, c->path, c->st);
		shadow_forget(s, c->path);
		notify_remove(s, c->path, S_ISDIR(c->type), c->last,
			      &(struct notify_obj){ .dev = c->dev, .ino = c->ino });
		break;
	case OVL_CHANGE_RENAME: {
		shadow_rename(s, c->path, c->to, c->exchange);
		struct notify_move m = { .from = c->path, .to = c->to, .isdir = S_ISDIR(c->type),
					 .replaced = c->to_type != 0,
					 .replaced_isdir = S_ISDIR(c->to_type),
					 .replaced_last = c->last, .exchange = c->exchange,
					 .obj = { .dev = c->dev, .ino = c->ino },
					 .to_obj = { .dev = c->to_dev, .ino = c->to_ino } };
		notify_move(s, &m);
		break;
	}
	case OVL_CHANGE_LINK:
		shadow_forget(s, c->to);
		notify_link(s, c->path, c->to);
		break;
	case OVL_CHANGE_ATTR:
		notify_path(s, c->path, attr_mask(c->attr), S_ISDIR(c->type));
		break;
	}
	/* a cwd is named by its dir's overlay path, which a move or a
	 * removal of it (or of a dir above) changes */
	if ((c->kind == OVL_CHANGE_REMOVE || c->kind == OVL_CHANGE_RENAME) &&
	    (S_ISDIR(c->type) || S_ISDIR(c->to_type)))
		tasks_changed(s->tasks, TASKS_FS);
}
