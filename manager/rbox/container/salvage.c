/* salvage.c - half-made container directories become dead containers (see salvage.h).
 *
 * Creators and removers hold the store lock for the whole time a container directory exists
 * without its state file (make_entry writes the state last; removal unlinks it first). So a
 * directory without a state file seen *under the store lock* was left by a process that died
 * half-way: nobody will finish it. */
#define _GNU_SOURCE
#include "salvage.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unlink every names/<n> -> id; the last one's name goes to name (may be NULL). */
static bool release_names_of(const struct store *s, const char *id, char *name, size_t len)
{
    int fd = openat(s->root_fd, "names", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return false;
    }
    bool found = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char target[ID_LEN + 2];
        ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
        if (n != ID_LEN)
            continue;
        target[n] = '\0';
        if (strcmp(target, id) != 0 || unlinkat(dirfd(d), de->d_name, 0) < 0)
            continue;
        found = true;
        if (name)
            ctr_copy(name, len, de->d_name);
    }
    return found;
}

int ctr_salvage_locked(const struct store *s, const char *id)
{
    char rel[32 + ID_LEN];
    snprintf(rel, sizeof(rel), "containers/%s", id);
    _cleanup_close_ int fd =
        openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT && release_names_of(s, id, NULL, 0) ? 1 : 0;
    struct ctr_state st;
    if (ctr_state_read(fd, &st) == 0 || (errno != ENOENT && errno != EINVAL))
        return 0;
    memset(&st, 0, sizeof(st));
    CTR_SET(st.id, id);
    st.status = CS_DEAD;
    char name[NAME_MAXLEN + 1] = "";
    release_names_of(s, id, name, sizeof(name));
    struct ctr_spec sp = { 0 };
    if (spec_load(fd, &sp, NULL) == 0) {
        _cleanup_free_ char *cmd = spec_command_line(&sp);
        CTR_SET(st.image, sp.image ? sp.image : "");
        CTR_SET(st.image_id, sp.image_id ? sp.image_id : "");
        CTR_SET(st.command, cmd ? cmd : "");
        st.created_ns = sp.created_ns;
    }
    spec_clear(&sp);
    if (st.created_ns == 0) {
        struct stat sb;
        if (fstat(fd, &sb) == 0)
            st.created_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    }
    snprintf(st.error, sizeof(st.error),
             "incomplete container%s%s: its creation or removal was interrupted (name "
             "released); remove it with rm -f",
             name[0] ? " " : "", name);
    return ctr_state_write(fd, &st, true) < 0 ? 0 : 1;
}

int ctr_salvage(struct store *s, const char *id)
{
    bool had = s->lock_fd >= 0;
    if (!had && store_lock(s, NULL) < 0)
        return 0;
    int r = ctr_salvage_locked(s, id);
    if (!had)
        store_unlock(s);
    return r;
}
