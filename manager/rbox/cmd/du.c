/* du.c - directory usage and human sizes (du.h). */
#define _GNU_SOURCE
#include "du.h"
#include "util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* nftw has no user data: one walk at a time (rbox is single-threaded) */
static struct {
    uint64_t total;
    struct {
        dev_t dev;
        ino_t ino;
    } * seen;
    size_t n, cap;
} walk;

static bool seen_before(const struct stat *st)
{
    for (size_t i = 0; i < walk.n; i++)
        if (walk.seen[i].dev == st->st_dev && walk.seen[i].ino == st->st_ino)
            return true;
    if (walk.n == walk.cap)
        walk.seen =
            xrealloc(walk.seen, (walk.cap = walk.cap ? walk.cap * 2 : 16) * sizeof(*walk.seen));
    walk.seen[walk.n].dev = st->st_dev;
    walk.seen[walk.n].ino = st->st_ino;
    walk.n++;
    return false;
}

static int add_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)path, (void)f;
    if (type != FTW_F && type != FTW_SL)
        return 0;
    if (st->st_nlink > 1 && seen_before(st))
        return 0;
    walk.total += (uint64_t)st->st_size;
    return 0;
}

uint64_t dir_usage(const char *path)
{
    walk.total = 0;
    walk.n = 0;
    nftw(path, add_file, 32, FTW_PHYS | FTW_MOUNT);
    free(walk.seen);
    walk.seen = NULL;
    walk.cap = 0;
    return walk.total;
}

void human_size(uint64_t bytes, int precision, char *buf, size_t len)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, len, "%.*g%s", precision, v, units[u]);
}
