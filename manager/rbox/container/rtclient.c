/* rtclient.c - rbox calling rbox-runtime (over common/rtcall.c) and the overlay mount. */
#define _GNU_SOURCE
#include "rtclient.h"
#include "image.h"
#include "rtcall.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void find_helpers(struct store *s)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    const char *rt = getenv("RBOX_RUNTIME"), *mon = getenv("RBOX_MONITOR");
    s->runtime_bin = rt && *rt ? xstrdup(rt) : xasprintf("%s/rbox-runtime", self);
    s->monitor_bin = mon && *mon ? xstrdup(mon) : xasprintf("%s/rbox-monitor", self);
}

/* Read both pipes to their end (a chatty stderr cannot block a long stdout); out may be -1. */
static void drain(int out, int errfd, char **obuf, char *ebuf, size_t esize)
{
    size_t cap = 4096, olen = 0, elen = 0;
    *obuf = out >= 0 ? xmalloc(cap) : NULL;
    int fds[2] = { out, errfd };
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN },
                               { .fd = fds[1], .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0] >= 0 && p[0].revents) {
            if (cap - olen < 4096)
                *obuf = xrealloc(*obuf, cap *= 2);
            ssize_t n = read(fds[0], *obuf + olen, cap - olen - 1);
            if (n > 0)
                olen += (size_t)n;
            else if (n == 0 || errno != EINTR)
                fds[0] = -1;
        }
        if (fds[1] >= 0 && p[1].revents) {
            char tmp[1024];
            ssize_t n = read(fds[1], tmp, sizeof(tmp));
            if (n > 0 && elen + 1 < esize) {
                size_t k = (size_t)n < esize - elen - 1 ? (size_t)n : esize - elen - 1;
                memcpy(ebuf + elen, tmp, k);
                elen += k;
            } else if (n <= 0 && (n == 0 || errno != EINTR)) {
                fds[1] = -1;
            }
        }
    }
    if (*obuf)
        (*obuf)[olen] = '\0';
    ebuf[elen] = '\0';
}

/* rbox-runtime ARGS with stdout captured (out != NULL) or on /dev/null, stderr read for its
 * JSON error line. */
static int call(const struct store *s, const char *const *args, char **out, rbox_err **err)
{
    const struct rt_call c = { .bin = s->runtime_bin, .root = s->runtime_root };
    int o[2] = { -1, -1 }, e[2];
    if (out)
        *out = NULL;
    if (pipe2(e, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    if (out && pipe2(o, O_CLOEXEC) < 0) {
        close(e[0]);
        close(e[1]);
        return rbox_error(err, errno, "pipe");
    }
    pid_t pid;
    int r = rt_spawn(&c, args, (int[3]){ -1, o[1], e[1] }, &pid);
    int saved = errno;
    close(e[1]);
    if (o[1] >= 0)
        close(o[1]);
    if (r < 0) {
        close(e[0]);
        if (o[0] >= 0)
            close(o[0]);
        return rbox_error(err, saved, "cannot run %s", s->runtime_bin);
    }
    char ebuf[16384];
    _cleanup_free_ char *obuf = NULL;
    drain(o[0], e[0], &obuf, ebuf, sizeof(ebuf));
    close(e[0]);
    if (o[0] >= 0)
        close(o[0]);
    int status = rt_wait(pid);
    if (status == 0) {
        if (out)
            *out = steal_pointer(&obuf);
        return 0;
    }
    char msg[1024];
    int errnum;
    if (rt_error_text(ebuf, msg, sizeof(msg), &errnum) < 0)
        rt_status_text(s->runtime_bin, status, msg, sizeof(msg));
    return rbox_error_code(err, errnum, "%s", msg);
}

int rt_run(const struct store *s, const char *const *args, rbox_err **err)
{
    return call(s, args, NULL, err);
}

int rt_output(const struct store *s, const char *const *args, char **out, rbox_err **err)
{
    return call(s, args, out, err);
}

bool rt_has_state(const struct store *s, const char *id)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", s->runtime_root, id);
    return access(p, F_OK) == 0;
}

int overlay_mount(const struct store *s, const char *id, const struct image *img, rbox_err **err)
{
    return overlay_mount_opt(s, id, img, false, err);
}

int overlay_mount_opt(const struct store *s, const char *id, const struct image *img,
                      bool volatile_upper, rbox_err **err)
{
    _cleanup_free_ char *run = ctr_run_path(s, id, NULL);
    _cleanup_free_ char *target = ctr_run_path(s, id, "rootfs");
    _cleanup_free_ char *upper = ctr_path(s, id, "diff");
    _cleanup_free_ char *work = ctr_path(s, id, "work");
    if ((mkdir(run, 0700) < 0 && errno != EEXIST) || (mkdir(target, 0755) < 0 && errno != EEXIST))
        return rbox_error(err, errno, "creating %s", target);
    if (overlay_umount(s, id, err) < 0)
        return -1;
    /* a volatile mount leaves work/work/incompat/volatile, and overlayfs refuses the next
     * mount over it: the upper layer of a --rm container needs no such protection */
    _cleanup_free_ char *incompat = xasprintf("%s/work/incompat", work);
    rm_rf_at(AT_FDCWD, incompat);
    if ((volatile_upper ? image_mount_overlay_volatile : image_mount_overlay)(s, img, upper, work,
                                                                              target, err) < 0)
        return rbox_error_prefix(err, "the container's root");
    return 0;
}

int overlay_umount(const struct store *s, const char *id, rbox_err **err)
{
    _cleanup_free_ char *target = ctr_run_path(s, id, "rootfs");
    if (umount2(target, UMOUNT_NOFOLLOW) == 0)
        return 0;
    if (errno == EINVAL || errno == ENOENT)
        return 0; /* not mounted */
    if (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        return 0;
    return rbox_error(err, errno, "unmounting %s", target);
}
