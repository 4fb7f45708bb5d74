/* pscache.c - ps's cache of parsed container states (pscache.h).
 *
 * `ps -a` read and parsed one state file per container: an open + read + close costs ~20 us
 * on this kind of VM, a stat ~2 us. The cache (<runroot>/ps.cache, one fixed-size record per
 * container: the parsed struct ctr_state and the identity of the file it came from) lets ps
 * stat each state file instead, and read only those that changed.
 *
 * A record is used only when the file's device, inode, size, mtime and ctime are those
 * recorded AND its ctime was at least a second older than the moment the record was read.
 * Every write of a state file (a rename of a new file, or in place on a full disk) sets its
 * ctime to the time of the write: a write after the read has a ctime later than the read
 * (timestamps lag the clock by one tick at most, far less than the second), so it never
 * matches an old record, even when the inode number is reused and the size is the same. Only
 * a clock stepped back by more than a second could make a changed file look unchanged.
 *
 * The state files stay the truth; the cache is rewritten (atomically, never synced) when it
 * differs from what ps saw, and a missing, foreign or damaged cache is an empty one.
 */
#define _GNU_SOURCE
#include "pscache.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PSC_FILE  "ps.cache"
#define PSC_MAGIC "RBOXPSC1"

struct psc_head {
    char magic[8];
    uint32_t rec_size, state_size;
    uint64_t n;
};

struct psc_rec {
    char id[ID_LEN + 1];
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns, read_ns;
    struct ctr_state st;
};

static int64_t ts_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void key_of(struct psc_rec *r, const struct stat *sb)
{
    r->dev = sb->st_dev;
    r->ino = sb->st_ino;
    r->size = (uint64_t)sb->st_size;
    r->mtime_ns = ts_ns(&sb->st_mtim);
    r->ctime_ns = ts_ns(&sb->st_ctim);
}

static bool key_same(const struct psc_rec *r, const struct stat *sb)
{
    return r->dev == sb->st_dev && r->ino == sb->st_ino && r->size == (uint64_t)sb->st_size &&
           r->mtime_ns == ts_ns(&sb->st_mtim) && r->ctime_ns == ts_ns(&sb->st_ctim) &&
           r->ctime_ns + 1000000000LL <= r->read_ns;
}

void psc_open(struct ps_cache *c, const struct store *s)
{
    memset(c, 0, sizeof(*c));
    _cleanup_close_ int fd = openat(s->run_fd, PSC_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0 || (size_t)sb.st_size < sizeof(struct psc_head))
        return;
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return;
    const struct psc_head *h = p;
    if (memcmp(h->magic, PSC_MAGIC, 8) != 0 || h->rec_size != sizeof(struct psc_rec) ||
        h->state_size != sizeof(struct ctr_state) ||
        h->n > ((size_t)sb.st_size - sizeof(*h)) / sizeof(struct psc_rec) ||
        sizeof(*h) + h->n * sizeof(struct psc_rec) != (size_t)sb.st_size) {
        munmap(p, (size_t)sb.st_size);
        return;
    }
    c->old = (const struct psc_rec *)(h + 1);
    c->n_old = h->n;
    c->map_len = (size_t)sb.st_size;
    c->seen = xcalloc(c->n_old + 1, 1);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct psc_rec *)a)->id, ((const struct psc_rec *)b)->id);
}

static int id_vs_rec(const void *id, const void *rec)
{
    return strcmp(id, ((const struct psc_rec *)rec)->id);
}

static struct psc_rec *push(struct ps_cache *c)
{
    if (c->n_fresh == c->cap)
        c->fresh = xrealloc(c->fresh, (c->cap = c->cap ? c->cap * 2 : 64) * sizeof(*c->fresh));
    return &c->fresh[c->n_fresh++];
}

int psc_read(struct ps_cache *c, const struct store *s, const char *id, struct ctr_state *st)
{
    char rel[32 + ID_LEN];
    snprintf(rel, sizeof(rel), "containers/%s/" CTR_STATE_FILE, id);
    struct stat sb;
    const struct psc_rec *r =
        c->old ? bsearch(id, c->old, c->n_old, sizeof(*c->old), id_vs_rec) : NULL;
    if (r && fstatat(s->root_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 && key_same(r, &sb)) {
        *st = r->st; /* not copied again unless the cache is written back */
        c->seen[r - c->old] = 1;
        c->hits++;
        return 0;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* the identity of what is read: the open file's, not the path's of a moment before */
    if (ctr_state_read_stat(s->root_fd, rel, st, &sb) < 0)
        return -1;
    struct psc_rec *f = push(c);
    memset(f, 0, sizeof(*f));
    ctr_copy(f->id, sizeof(f->id), id);
    key_of(f, &sb);
    f->read_ns = ts_ns(&now);
    f->st = *st;
    c->changed = true;
    return 0;
}

static void write_back(struct ps_cache *c, const struct store *s)
{
    for (size_t i = 0; i < c->n_old; i++)
        if (c->seen[i])
            *push(c) = c->old[i];
    qsort(c->fresh, c->n_fresh, sizeof(*c->fresh), by_id);
    char tmp[64];
    snprintf(tmp, sizeof(tmp), PSC_FILE ".tmp.%d", (int)getpid());
    int fd = openat(s->run_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    struct psc_head h = { .rec_size = sizeof(struct psc_rec),
                          .state_size = sizeof(struct ctr_state),
                          .n = c->n_fresh };
    memcpy(h.magic, PSC_MAGIC, sizeof(h.magic));
    bool ok = write_all(fd, &h, sizeof(h)) >= 0 &&
              write_all(fd, c->fresh, c->n_fresh * sizeof(*c->fresh)) >= 0;
    if (close(fd) < 0 || !ok || renameat(s->run_fd, tmp, s->run_fd, PSC_FILE) < 0)
        unlinkat(s->run_fd, tmp, 0);
}

void psc_close(struct ps_cache *c, const struct store *s)
{
    if (c->changed || c->hits != c->n_old)
        write_back(c, s);
    if (c->old)
        munmap((void *)((const struct psc_head *)c->old - 1), c->map_len);
    free(c->seen);
    free(c->fresh);
    memset(c, 0, sizeof(*c));
}
