/* rtclient.c - rbox-runtime invocation and the overlay mount. */
#define _GNU_SOURCE
#include "rtclient.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
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

int rt_run(const struct store *s, const char *const *args, rbox_err **err)
{
    const char *argv[16] = { s->runtime_bin, "--root", s->runtime_root };
    size_t n = 3;
    for (size_t i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return rbox_error(err, errno, "fork");
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(p[1], STDERR_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(s->runtime_bin, (char **)argv);
        dprintf(STDERR_FILENO, "rbox-runtime: cannot run %s: %s\n", s->runtime_bin,
                strerror(errno));
        _exit(127);
    }
    close(p[1]);
    char buf[4096];
    ssize_t len = read_all(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    buf[len > 0 ? len : 0] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return rbox_error(err, errno, "waiting for rbox-runtime");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    /* its last line is the error */
    char *end = buf + strlen(buf);
    while (end > buf && end[-1] == '\n')
        *--end = '\0';
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    if (str_has_prefix(line, "rbox-runtime: "))
        line += 14;
    return rbox_error(err, 0, "%s", *line ? line : "rbox-runtime failed");
}

bool rt_has_state(const struct store *s, const char *id)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", s->runtime_root, id);
    return access(p, F_OK) == 0;
}

int overlay_mount(const struct store *s, const char *id, const char *lower, rbox_err **err)
{
    _cleanup_free_ char *run = ctr_run_path(s, id, NULL);
    _cleanup_free_ char *target = ctr_run_path(s, id, "rootfs");
    _cleanup_free_ char *upper = ctr_path(s, id, "diff");
    _cleanup_free_ char *work = ctr_path(s, id, "work");
    if (strpbrk(lower, ",:"))
        return rbox_error(err, 0, "image path %s contains ',' or ':'", lower);
    if ((mkdir(run, 0700) < 0 && errno != EEXIST) || (mkdir(target, 0755) < 0 && errno != EEXIST))
        return rbox_error(err, errno, "creating %s", target);
    if (overlay_umount(s, id, err) < 0)
        return -1;
    _cleanup_free_ char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
    if (mount("overlay", target, "overlay", 0, opts) < 0)
        return rbox_error(err, errno, "mounting the container's overlay on %s", target);
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
