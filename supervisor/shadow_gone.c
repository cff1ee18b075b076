/* The removed dirs' stats (shadow_gone.h): a ring of the last ones. */
#include <pthread.h>
#include <stdlib.h>
#include "shadow_gone.h"

#define GONE_MAX 64

struct gone_dir {
	dev_t dev;
	ino_t ino;                      /* 0: a free slot */
	struct stat st;
};

struct shadow_gone {
	pthread_mutex_t lock;           /* guards next and d */
	unsigned next;                  /* the slot the next one takes */
	struct gone_dir d[GONE_MAX];
};

struct shadow_gone *gone_new(void)
{
	struct shadow_gone *g = calloc(1, sizeof(*g));
	if (g)
		pthread_mutex_init(&g->lock, NULL);
	return g;
}

void gone_free(struct shadow_gone *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g);
}

void gone_put(struct shadow_gone *g, dev_t dev, ino_t ino, const struct stat *st)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	unsigned i = 0;
	while (i < GONE_MAX && !(g->d[i].dev == dev && g->d[i].ino == ino))
		i++;
	if (i == GONE_MAX)              /* (a mirror's number back: the new one) */
		i = g->next++ % GONE_MAX;
	g->d[i] = (struct gone_dir){ .dev = dev, .ino = ino, .st = *st };
	pthread_mutex_unlock(&g->lock);
}

bool gone_get(struct shadow_gone *g, dev_t dev, ino_t ino, struct stat *st)
{
	if (!g || !ino)
		return false;
	bool found = false;
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < GONE_MAX && !found; i++)
		if (g->d[i].ino == ino && g->d[i].dev == dev) {
			*st = g->d[i].st;
			found = true;
		}
	pthread_mutex_unlock(&g->lock);
	return found;
}
