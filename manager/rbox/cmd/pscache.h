/* pscache.h - ps's cache of parsed container states (pscache.c). */
#pragma once

#include "ctrstate.h"
#include "store.h"

#include <stdbool.h>
#include <stddef.h>

struct psc_rec;

struct ps_cache {
    const struct psc_rec *old; /* the last cache file, mapped (sorted by id) */
    size_t n_old, map_len;
    unsigned char *seen;   /* [n_old]: records used this time */
    struct psc_rec *fresh; /* the states read this time; with the seen ones, the new cache */
    size_t n_fresh, cap;
    size_t hits;
    bool changed;
};

/* Map <runroot>/ps.cache (a missing or foreign one is an empty cache). */
void psc_open(struct ps_cache *c, const struct store *s);
/* The state of containers/<id>: from the cache when its file has not changed, else read
 * (0), or -1 with errno as ctr_state_read_at (ENOENT: no state file). */
int psc_read(struct ps_cache *c, const struct store *s, const char *id, struct ctr_state *st);
/* Write the cache back if it changed (atomically; errors are ignored: it is only a cache),
 * unmap it, free it. */
void psc_close(struct ps_cache *c, const struct store *s);
