/* blob.c - the store's blobs by digest, its directories and the staging dirs under tmp/. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void sha_hex(struct sha256_ctx *md, char hex[ID_LEN + 1])
{
    unsigned char d[SHA256_DIGEST_SIZE];
    sha256_digest(md, sizeof(d), d);
    for (size_t i = 0; i < sizeof(d); i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

const char *digest_hex(const char *digest)
{
    if (digest == NULL || !str_has_prefix(digest, "sha256:"))
        return NULL;
    const char *h = digest + 7;
    return strlen(h) == ID_LEN && strspn(h, "0123456789abcdef") == ID_LEN ? h : NULL;
}

int sha256_fd(int fd, char hex[ID_LEN + 1], uint64_t *size)
{
    struct sha256_ctx md;
    sha256_init(&md);
    char *buf = xmalloc(1 << 17);
    uint64_t total = 0;
    off_t off = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, 1 << 17, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        sha256_update(&md, (size_t)n, (const uint8_t *)buf);
        off += n;
        total += (uint64_t)n;
    }
    free(buf);
    sha_hex(&md, hex);
    if (size)
        *size = total;
    return 0;
}

int store_dirs(struct store *s, rbox_err **err)
{
    static const char *const dirs[] = { "images",        "images/blobs", "images/blobs/sha256",
                                        "images/layers", "images/l",     "images/meta",
                                        "images/tmp" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        if (mkdirat(s->root_fd, dirs[i], 0700) < 0 && errno != EEXIST)
            return rbox_error(err, errno, "creating %s/%s", s->root, dirs[i]);
    return 0;
}

char *image_blob_path(const struct store *s, const char *digest)
{
    const char *h = digest_hex(digest);
    if (h == NULL)
        return NULL;
    char *p = xasprintf("%s/images/blobs/sha256/%s", s->root, h);
    if (access(p, F_OK) == 0)
        return p;
    free(p);
    return NULL;
}

int blob_open(const struct store *s, const char *digest, rbox_err **err)
{
    const char *h = digest_hex(digest);
    if (h == NULL)
        return rbox_error(err, 0, "invalid digest \"%s\"", digest ? digest : "");
    _cleanup_free_ char *rel = xasprintf("images/blobs/sha256/%s", h);
    int fd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "blob %s", digest);
    return fd;
}

int blob_read(struct store *s, const char *digest, char **data, size_t *len, rbox_err **err)
{
    const char *h = digest_hex(digest);
    if (h == NULL)
        return rbox_error(err, 0, "invalid digest \"%s\"", digest ? digest : "");
    _cleanup_free_ char *rel = xasprintf("images/blobs/sha256/%s", h);
    if (read_file_at(s->root_fd, rel, data, len) < 0)
        return rbox_error(err, errno, "reading blob %s", digest);
    return 0;
}

int blob_write(struct store *s, const void *data, size_t len, char digest_out[DIGEST_LEN + 1],
               rbox_err **err)
{
    struct sha256_ctx md;
    sha256_init(&md);
    sha256_update(&md, len, data);
    char hex[ID_LEN + 1];
    sha_hex(&md, hex);
    snprintf(digest_out, DIGEST_LEN + 1, "sha256:%s", hex);
    if (store_dirs(s, err) < 0)
        return -1;
    _cleanup_free_ char *rel = xasprintf("images/blobs/sha256/%s", hex);
    if (faccessat(s->root_fd, rel, F_OK, 0) == 0)
        return 0;
    /* write_file_atomic_at writes a temporary beside it and renames: never a partial blob */
    if (write_file_atomic_at(s->root_fd, rel, data, len, 0644, true) < 0)
        return rbox_error(err, errno, "writing blob %s", digest_out);
    return 0;
}

int blob_adopt(struct store *s, int dirfd, const char *path, const char *digest, uint64_t size,
               rbox_err **err)
{
    const char *h = digest_hex(digest);
    if (h == NULL)
        return rbox_error(err, 0, "invalid digest \"%s\"", digest ? digest : "");
    _cleanup_free_ char *rel = xasprintf("images/blobs/sha256/%s", h);
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT && faccessat(s->root_fd, rel, F_OK, 0) == 0)
            return 0; /* left out of the layout: the store has it */
        return rbox_error(err, errno, "blob %s", digest);
    }
    char hex[ID_LEN + 1];
    uint64_t got = 0;
    if (sha256_fd(fd, hex, &got) < 0)
        return rbox_error(err, errno, "reading blob %s", digest);
    if (strcmp(hex, h) != 0)
        return rbox_error(err, 0, "blob %s is corrupt: its content has digest sha256:%s", digest,
                          hex);
    if (size != UINT64_MAX && got != size)
        return rbox_error(err, 0, "blob %s has %llu bytes where %llu were announced", digest,
                          (unsigned long long)got, (unsigned long long)size);
    if (faccessat(s->root_fd, rel, F_OK, 0) == 0)
        return 0;
    if (fsync(fd) < 0 || fchmod(fd, 0644) < 0)
        return rbox_error(err, errno, "syncing blob %s", digest);
    if (renameat(dirfd, path, s->root_fd, rel) < 0)
        return rbox_error(err, errno, "moving blob %s into the store", digest);
    return 0;
}

int image_staging_create(struct store *s, struct image_staging *st, rbox_err **err)
{
    memset(st, 0, sizeof(*st));
    st->lock_fd = -1;
    if (store_dirs(s, err) < 0)
        return -1;
    /* made and locked under the store lock: tmp_cleanup (also under it) never sees it bare */
    bool had_lock = s->lock_fd >= 0;
    if (store_lock(s, err) < 0)
        return -1;
    char rnd[ID_LEN + 1];
    id_generate(rnd);
    _cleanup_free_ char *rel = xasprintf("images/tmp/%.16s", rnd);
    _cleanup_free_ char *lock = xasprintf("%s/.lock", rel);
    _cleanup_free_ char *blobs = xasprintf("%s/blobs", rel);
    _cleanup_free_ char *sha = xasprintf("%s/blobs/sha256", rel);
    int r = 0;
    if (mkdirat(s->root_fd, rel, 0700) < 0 ||
        (st->lock_fd = openat(s->root_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
        flock(st->lock_fd, LOCK_EX) < 0 || mkdirat(s->root_fd, blobs, 0700) < 0 ||
        mkdirat(s->root_fd, sha, 0700) < 0) {
        r = rbox_error(err, errno, "creating %s/%s", s->root, rel);
        if (st->lock_fd >= 0)
            close(st->lock_fd);
        st->lock_fd = -1;
        rm_rf_at(s->root_fd, rel);
    } else {
        st->dir = xasprintf("%s/%s", s->root, rel);
    }
    if (!had_lock)
        store_unlock(s);
    return r;
}

void image_staging_discard(struct store *s, struct image_staging *st)
{
    if (st->dir) {
        const char *rel = st->dir + strlen(s->root) + 1;
        rm_rf_at(s->root_fd, rel);
    }
    if (st->lock_fd >= 0)
        close(st->lock_fd);
    free(st->dir);
    st->dir = NULL;
    st->lock_fd = -1;
}

void tmp_cleanup(struct store *s)
{
    int fd = openat(s->root_fd, "images/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' &&
            (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
            continue;
        _cleanup_free_ char *lock = xasprintf("%s/.lock", de->d_name);
        _cleanup_close_ int lfd = openat(fd, lock, O_RDWR | O_CLOEXEC);
        if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0)
            continue; /* a live staging dir */
        _cleanup_free_ char *rel = xasprintf("images/tmp/%s", de->d_name);
        rm_rf_at(s->root_fd, rel);
    }
    closedir(d);
}
