/* ovldriver.c - how a store mounts its overlays: the kernel's overlay or, for a rootless store
 * on a kernel that refuses overlay in a user namespace (before 5.11), fuse-overlayfs. Chosen once
 * per store and recorded in <root>/storage-driver, so every container of the store is mounted
 * the same way (docs/rootless.md). */
#define _GNU_SOURCE
#include "image_internal.h"
#include "rootless.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DRIVER_FILE "storage-driver"
#define FUSE_BIN    "fuse-overlayfs"

/* Does the kernel mount an overlay here (in the user namespace)? */
static bool kernel_overlay_works(const struct store *s)
{
    _cleanup_free_ char *dir = xasprintf("%s/.ovlprobe-%d", s->root, (int)getpid());
    _cleanup_free_ char *opts =
        xasprintf("lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", dir, dir, dir);
    _cleanup_free_ char *m = xasprintf("%s/m", dir);
    bool ok = false;
    if (mkdir(dir, 0700) == 0) {
        static const char *const sub[] = { "l", "u", "w", "m" };
        int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (size_t i = 0; d >= 0 && i < 4; i++)
            (void)mkdirat(d, sub[i], 0700);
        if (d >= 0)
            close(d);
        ok = mount("overlay", m, "overlay", 0, opts) == 0;
        if (ok)
            umount2(m, MNT_DETACH);
    }
    (void)rm_rf_at(AT_FDCWD, dir);
    return ok;
}

int ovl_driver_fuse(const struct store *s, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (read_file_at(s->root_fd, DRIVER_FILE, &text, &len) == 0) {
        text[strcspn(text, "\n")] = '\0';
        if (str_eq(text, "overlay") || str_eq(text, FUSE_BIN))
            return str_eq(text, FUSE_BIN);
        return rbox_error(err, 0, "%s/%s: unknown driver \"%s\" (overlay or %s)", s->root,
                          DRIVER_FILE, text, FUSE_BIN);
    }
    if (errno != ENOENT)
        return rbox_error(err, errno, "reading %s/%s", s->root, DRIVER_FILE);
    if (!rootless())
        return 0; /* root's stores: the kernel's overlay, no record */
    /* the first mount of a rootless store decides; RBOX_STORAGE_DRIVER may ask for one */
    const char *want = getenv("RBOX_STORAGE_DRIVER");
    bool fuse;
    if (want && *want) {
        if (!str_eq(want, "overlay") && !str_eq(want, FUSE_BIN))
            return rbox_error(err, 0, "RBOX_STORAGE_DRIVER=%s: expected overlay or %s", want,
                              FUSE_BIN);
        fuse = str_eq(want, FUSE_BIN);
    } else {
        fuse = !kernel_overlay_works(s);
    }
    _cleanup_free_ char *bin = fuse ? find_in_path(FUSE_BIN) : NULL;
    if (fuse && bin == NULL)
        return rbox_error(err, 0,
                          "rootless rbox: this kernel mounts no overlay in a user namespace "
                          "(5.11 or later does) and %s is not installed (Debian package %s)",
                          FUSE_BIN, FUSE_BIN);
    const char *rec = fuse ? FUSE_BIN "\n" : "overlay\n";
    if (write_file_atomic_at(s->root_fd, DRIVER_FILE, rec, strlen(rec), 0600, true) < 0)
        return rbox_error(err, errno, "writing %s/%s", s->root, DRIVER_FILE);
    return fuse;
}

int ovl_fuse_mount(const struct store *s, const char *target, const char *opts, rbox_err **err)
{
    _cleanup_free_ char *bin = find_in_path(FUSE_BIN);
    if (bin == NULL)
        return rbox_error(err, 0,
                          "the store %s mounts with %s (%s/%s), which is not installed "
                          "(Debian package %s)",
                          s->root, FUSE_BIN, s->root, DRIVER_FILE, FUSE_BIN);
    _cleanup_close_ int dfd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return rbox_error(err, errno, "opening %s/images", s->root);
    /* the daemon it leaves behind holds none of our stdio; its errors come back here */
    char *const argv[] = { FUSE_BIN, "-o", (char *)opts, (char *)target, NULL };
    const struct spawn_opts so = { .dir_fd = dfd, .daemon = true };
    char out[512];
    int status;
    if (spawn_capture(bin, argv, &so, out, sizeof(out), &status, err) < 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return rbox_error(err, 0, "mounting %s on %s: %s", FUSE_BIN, target,
                      *out ? out : "it failed without a message");
}
