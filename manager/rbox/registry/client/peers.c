/* peers.c - blobs shared between concurrent pulls (peers.h). */
#define _GNU_SOURCE
#include "peers.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static enum peer_state look(int dirfd, const struct stat *self, const char *dir, const char *hex,
                            uint64_t size)
{
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
        (st.st_dev == self->st_dev && st.st_ino == self->st_ino))
        return PEER_NONE;
    _cleanup_free_ char *done = xasprintf("%s/%s", dir, hex);
    if (stat(done, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size &&
        linkat(AT_FDCWD, done, dirfd, hex, 0) == 0)
        return PEER_LINKED;
    _cleanup_free_ char *partial = xasprintf("%s/%s.partial", dir, hex);
    _cleanup_close_ int fd = open(partial, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
        return PEER_FETCHING;
    return PEER_NONE;
}

enum peer_state peers_find(const char *peers_dir, int dirfd, const char *hex, uint64_t size)
{
    struct stat self;
    if (fstat(dirfd, &self) < 0)
        return PEER_NONE;
    _cleanup_closedir_ DIR *d = opendir(peers_dir);
    if (!d)
        return PEER_NONE;
    static const char *const subs[] = { "", "/layout", "/layout.partial" };
    enum peer_state found = PEER_NONE;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
            _cleanup_free_ char *dir =
                xasprintf("%s/%s%s/blobs/sha256", peers_dir, de->d_name, subs[i]);
            enum peer_state s = look(dirfd, &self, dir, hex, size);
            if (s == PEER_LINKED)
                return s;
            if (s == PEER_FETCHING)
                found = s;
        }
    }
    return found;
}
