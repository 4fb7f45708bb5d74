/* system.c - rbox system check: what this host offers that rbox needs (or can use), each
 * probed for real (a namespace is unshared in a child, an overlay is mounted in the store),
 * one PASS/FAIL/WARN line per item. Exit 1 when something rbox needs is missing. */
#define _GNU_SOURCE
#include "mcli.h"
#include "proto.h"
#include "rootless.h"
#include "util.h"
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define CGROUP2_MAGIC 0x63677270
#define TMPFS_MAGIC   0x01021994

static const char system_usage[] = "Usage: rbox system COMMAND\n"
                                   "\n"
                                   "Commands:\n"
                                   "  service serve the Docker API on a Unix socket\n"
                                   "  check   report what this host supports\n"
                                   "  df      show the disk space of images, containers, volumes\n"
                                   "  prune   remove stopped containers, unused images, volumes\n"
                                   "  info    the same as rbox info\n"
                                   "  reconcile clean up after dead monitors, start --restart\n"
                                   "          containers again (at boot)\n";

static const char check_usage[] =
    "Usage: rbox system check\n"
    "\n"
    "Probe what this host offers and print one line per item: PASS, FAIL (rbox needs it) or\n"
    "WARN (optional: some flags or report fields will not work). Items: rbox-runtime and\n"
    "rbox-monitor, the kernel, namespaces (each unshared in a child process), the cgroup\n"
    "layout and controllers, seccomp and its actions, pidfd, overlayfs (an overlay mounted in\n"
    "the store), user namespaces, and rootless mode (docs/rootless.md): the user's\n"
    "/etc/subuid and /etc/subgid ranges, newuidmap/newgidmap, overlay in a user namespace or\n"
    "fuse-overlayfs, slirp4netns/pasta, a delegated cgroup v2 subtree. Exits 1 when something\n"
    "rbox needs is missing (for an ordinary user: what rootless mode needs).\n";

enum verdict { PASS, WARN, FAIL };

struct checker {
    int failed, warned;
};

static void line(struct checker *c, enum verdict v, const char *what, const char *fmt, ...)
    PRINTF(4, 5);
static void line(struct checker *c, enum verdict v, const char *what, const char *fmt, ...)
{
    static const char *const words[] = { "PASS", "WARN", "FAIL" };
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    printf("%s  %-22s %s\n", words[v], what, detail);
    c->failed += v == FAIL;
    c->warned += v == WARN;
}

/* Run argv with stdout captured (first line in out); its exit status, -1 if it cannot run. */
static int capture(const char *const *argv, char *out, size_t len)
{
    int p[2];
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        dup2(null, STDERR_FILENO);
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    close(p[1]);
    ssize_t n = pid < 0 ? -1 : read_all(p[0], out, len - 1);
    close(p[0]);
    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    int status;
    if (pid < 0)
        return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check_binaries(struct checker *c, const struct store *s)
{
    char out[256];
    const char *rt[] = { s->runtime_bin, "--version", NULL };
    if (capture(rt, out, sizeof(out)) == 0)
        line(c, PASS, "rbox-runtime", "%s (%s)", s->runtime_bin, out);
    else
        line(c, FAIL, "rbox-runtime",
             "%s does not run (set RBOX_RUNTIME, or install it next to "
             "rbox)",
             s->runtime_bin);
    if (access(s->monitor_bin, X_OK) == 0)
        line(c, PASS, "rbox-monitor", "%s", s->monitor_bin);
    else
        line(c, FAIL, "rbox-monitor", "%s: %s (set RBOX_MONITOR, or install it next to rbox)",
             s->monitor_bin, strerror(errno));
}

/* unshare(flag) in a child: 0, or the errno. */
static int probe_unshare(int flag)
{
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(unshare(flag) == 0 ? 0 : errno);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return errno;
    return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

static void check_namespaces(struct checker *c)
{
    static const struct {
        const char *name;
        int flag;
        bool needed;
        const char *use;
    } ns[] = {
        { "mount", CLONE_NEWNS, true, "every container" },
        { "pid", CLONE_NEWPID, true, "every container" },
        { "ipc", CLONE_NEWIPC, true, "every container" },
        { "uts", CLONE_NEWUTS, true, "every container" },
        { "network", CLONE_NEWNET, true, "--network none, the default" },
        { "cgroup", CLONE_NEWCGROUP, true, "every container" },
        { "user", CLONE_NEWUSER, false, "rootless containers and uid mappings" },
        { "time", CLONE_NEWTIME, false, "linux.timeOffsets, which rbox run does not use" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
        char what[32];
        snprintf(what, sizeof(what), "namespace %s", ns[i].name);
        int e = probe_unshare(ns[i].flag);
        if (e == 0)
            line(c, PASS, what, "unshared in a child; for %s", ns[i].use);
        else
            line(c, ns[i].needed ? FAIL : WARN, what, "unshare: %s; for %s", strerror(e),
                 ns[i].use);
    }
}

static bool v1_controller(const char *name, char *path, size_t len)
{
    snprintf(path, len, "/sys/fs/cgroup/%s/cgroup.procs", name);
    if (access(path, F_OK) == 0) {
        snprintf(path, len, "/sys/fs/cgroup/%s", name);
        return true;
    }
    return false;
}

static void check_cgroups(struct checker *c)
{
    struct statfs fs, uni;
    if (statfs("/sys/fs/cgroup", &fs) < 0) {
        line(c, FAIL, "cgroups", "/sys/fs/cgroup: %s", strerror(errno));
        return;
    }
    static const struct {
        const char *name;
        bool needed_v1;
        const char *use;
    } ctl[] = {
        { "memory", false, "--memory, OOM kill and peak memory in the report" },
        { "cpu", false, "--cpus" },
        { "cpuacct", false, "CPU time in the report" },
        { "pids", false, "--pids-limit, pids peak in the report" },
        { "devices", true, "the device rules of every container" },
        { "freezer", true, "rm -f and kill --all" },
        { "cpuset", false, "cpuset limits" },
        { "blkio", false, "block I/O limits" },
    };
    if ((unsigned long)fs.f_type == CGROUP2_MAGIC) {
        _cleanup_free_ char *have = NULL;
        read_file_at(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &have, NULL);
        line(c, PASS, "cgroups", "v2 (unified) at /sys/fs/cgroup");
        for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
            const char *n = ctl[i].name;
            if (!strcmp(n, "cpuacct") || !strcmp(n, "devices") || !strcmp(n, "freezer") ||
                !strcmp(n, "blkio"))
                continue; /* v2: part of cpu, a BPF program, cgroup.freeze, io */
            char what[40], word[16];
            snprintf(what, sizeof(what), "cgroup %s", n);
            snprintf(word, sizeof(word), " %s ", n);
            _cleanup_free_ char *padded = xasprintf(" %s ", have ? have : "");
            padded[strcspn(padded, "\n")] = ' ';
            if (strstr(padded, word))
                line(c, PASS, what, "v2 controller; for %s", ctl[i].use);
            else
                line(c, WARN, what, "not in /sys/fs/cgroup/cgroup.controllers; for %s", ctl[i].use);
        }
        return;
    }
    if ((unsigned long)fs.f_type != TMPFS_MAGIC) {
        line(c, FAIL, "cgroups", "nothing rbox knows is mounted at /sys/fs/cgroup");
        return;
    }
    bool hybrid =
        statfs("/sys/fs/cgroup/unified", &uni) == 0 && (unsigned long)uni.f_type == CGROUP2_MAGIC;
    line(c, PASS, "cgroups", "%s",
         hybrid ? "hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified"
                : "v1 controllers under /sys/fs/cgroup");
    for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
        char what[40], path[256];
        snprintf(what, sizeof(what), "cgroup %s", ctl[i].name);
        if (v1_controller(ctl[i].name, path, sizeof(path)))
            line(c, PASS, what, "v1 at %s; for %s", path, ctl[i].use);
        else
            line(c, ctl[i].needed_v1 ? FAIL : WARN, what, "no v1 hierarchy mounted; for %s",
                 ctl[i].use);
    }
}

static void check_seccomp(struct checker *c)
{
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
        line(c, FAIL, "seccomp", "prctl(PR_GET_SECCOMP): %s (the default profile needs it)",
             strerror(errno));
        return;
    }
    static const struct {
        const char *name;
        unsigned int action;
        bool needed;
    } act[] = {
        { "errno", SECCOMP_RET_ERRNO, true },
        { "kill_process", SECCOMP_RET_KILL_PROCESS, false },
        { "log", SECCOMP_RET_LOG, false },
        { "user_notif", SECCOMP_RET_USER_NOTIF, false },
    };
    char have[128] = "", missing[128] = "";
    bool needed_missing = false;
    for (size_t i = 0; i < ARRAY_SIZE(act); i++) {
        unsigned int a = act[i].action;
        bool ok = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0;
        char *buf = ok ? have : missing;
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof(have) - used, "%s%s", used ? " " : "", act[i].name);
        needed_missing = needed_missing || (!ok && act[i].needed);
    }
    if (needed_missing)
        line(c, FAIL, "seccomp", "filters work, but not the action errno (the profiles need it)");
    else
        line(c, *missing ? WARN : PASS, "seccomp", "filter mode; actions: %s%s%s", have,
             *missing ? "; missing: " : "", missing);
}

static void check_pidfd(struct checker *c)
{
    int fd = pidfd_open_pid(getpid());
    if (fd >= 0) {
        close(fd);
        line(c, PASS, "pidfd", "pidfd_open works; for stop and wait, which follow the monitor");
    } else {
        line(c, FAIL, "pidfd", "pidfd_open: %s (Linux 5.3 or later)", strerror(errno));
    }
}

/* An overlay mounted for real in the store (where containers' upper dirs live). */
static void check_overlay(struct checker *c, const struct store *s)
{
    _cleanup_free_ char *dir = xasprintf("%s/.check-XXXXXX", s->root);
    if (mkdtemp(dir) == NULL) {
        line(c, FAIL, "overlayfs", "creating a directory in %s: %s", s->root, strerror(errno));
        return;
    }
    static const char *const sub[] = { "lower", "upper", "work", "merged" };
    int e = 0;
    for (size_t i = 0; i < ARRAY_SIZE(sub) && e == 0; i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, sub[i]);
        if (mkdir(p, 0700) < 0)
            e = errno;
    }
    _cleanup_free_ char *opts =
        xasprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", dir, dir, dir);
    _cleanup_free_ char *target = xasprintf("%s/merged", dir);
    if (e == 0 && mount("overlay", target, "overlay", 0, opts) < 0)
        e = errno;
    else if (e == 0)
        umount2(target, MNT_DETACH);
    rm_rf_at(AT_FDCWD, dir);
    if (e == 0)
        line(c, PASS, "overlayfs", "mounted an overlay with its upper dir in %s", s->root);
    else
        line(c, FAIL, "overlayfs", "mounting an overlay in %s: %s", s->root, strerror(e));
}

static void check_userns(struct checker *c)
{
    _cleanup_free_ char *max = NULL;
    read_file_at(AT_FDCWD, "/proc/sys/user/max_user_namespaces", &max, NULL);
    long n = max ? strtol(max, NULL, 10) : -1;
    int e = probe_unshare(CLONE_NEWUSER);
    if (n > 0 && e == 0)
        line(c, PASS, "user namespaces", "max_user_namespaces=%ld, unshared in a child; optional",
             n);
    else
        line(c, WARN, "user namespaces", "max_user_namespaces=%ld, unshare: %s; optional", n,
             e ? strerror(e) : "ok");
}

/* ---- rootless mode (docs/rootless.md): one line each; required items FAIL only for a user ---- */

static bool in_path(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *cand = xasprintf("%s/%s", dir, name);
        if (access(cand, X_OK) == 0)
            return true;
    }
    return false;
}

static void check_subids(struct checker *c, bool user, bool uid)
{
    const char *file = uid ? "/etc/subuid" : "/etc/subgid";
    const char *what = uid ? "rootless: subuid" : "rootless: subgid";
    if (!user) {
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        if (read_file_at(AT_FDCWD, file, &text, NULL) == 0)
            for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                n += *l != '#' && strchr(l, ':') != NULL;
        line(c, n ? PASS : WARN, what, "%s: %zu range%s", file, n, n == 1 ? "" : "s");
        return;
    }
    struct subid_range *r = NULL;
    size_t n = 0;
    _cleanup_err_ rbox_err *err = NULL;
    if (rootless_subids(uid, &r, &n, &err) < 0 || n == 0)
        line(c, FAIL, what, "no range for uid %u in %s (usermod --add-sub%cids)",
             (unsigned)rootless_uid(), file, uid ? 'u' : 'g');
    else
        line(c, PASS, what, "%s: %u ids from %u", file, r[0].count, r[0].start);
    free(r);
}

static void check_rootless(struct checker *c, const struct store *s)
{
    bool user = rootless();
    enum verdict need = user ? FAIL : WARN;
    check_subids(c, user, true);
    check_subids(c, user, false);
    static const char *const helpers[] = { "newuidmap", "newgidmap" };
    for (size_t i = 0; i < ARRAY_SIZE(helpers); i++) {
        bool ok = in_path(helpers[i]);
        line(c, ok ? PASS : need, helpers[i], ok ? "found" : "missing (Debian package uidmap)");
    }
    struct utsname u;
    uname(&u);
    unsigned maj = 0, min = 0;
    sscanf(u.release, "%u.%u", &maj, &min);
    bool kovl = maj > 5 || (maj == 5 && min >= 11), fuse = in_path("fuse-overlayfs");
    _cleanup_free_ char *rec = NULL;
    if (user && read_file_at(s->root_fd, "storage-driver", &rec, NULL) == 0)
        rec[strcspn(rec, "\n")] = '\0';
    if (rec)
        line(c, PASS, "rootless: overlay", "the store uses %s (recorded in %s/storage-driver)", rec,
             s->root);
    else
        line(c, kovl || fuse ? PASS : need, "rootless: overlay",
             "overlay in a user namespace: %s; "
             "fuse-overlayfs: %s",
             kovl ? "ok (kernel >= 5.11)" : "missing (kernel < 5.11)", fuse ? "ok" : "missing");
    bool slirp = in_path("slirp4netns"), pasta = in_path("pasta");
    line(c, slirp || pasta ? PASS : WARN, "rootless: network", "slirp4netns: %s; pasta: %s",
         slirp ? "ok" : "missing", pasta ? "ok" : "missing");
    _cleanup_free_ char *parent = NULL;
    const char *why = "run this check as the user";
    bool deleg = user && rootless_cgroup_delegated(&parent, &why);
    if (deleg)
        line(c, PASS, "rootless: cgroups", "delegated v2 subtree %s: limits work", parent);
    else
        line(c, WARN, "rootless: cgroups", "no delegated cgroup v2 subtree (%s): limits refused",
             why);
}

static int system_check(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox system check", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *arg;
    int id = margs_next(&p, NULL, &arg, &err);
    if (id == 0)
        id = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (id != 0)
        return id == MOPT_HELP ? cmd_help(check_usage) : cmd_fail(err);
    struct checker c = { 0 };
    struct utsname u;
    uname(&u);
    line(&c, PASS, "kernel", "Linux %s (%s)", u.release, u.machine);
    check_binaries(&c, ctx->s);
    check_namespaces(&c);
    check_cgroups(&c);
    check_seccomp(&c);
    check_pidfd(&c);
    check_overlay(&c, ctx->s);
    check_userns(&c);
    check_rootless(&c, ctx->s);
    if (c.failed)
        printf("\n%d required item%s missing: rbox cannot run containers on this host\n", c.failed,
               c.failed == 1 ? " is" : "s are");
    else
        printf("\nrbox can run containers on this host%s\n",
               c.warned ? " (some optional features are missing)" : "");
    fflush(stdout);
    return c.failed ? 1 : 0;
}

int cmd_system(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return argc < 2 ? (fputs(system_usage, stderr), EXIT_RBOX) : cmd_help(system_usage);
    if (strcmp(argv[1], "service") == 0)
        return cmd_system_service(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return system_check(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "df") == 0)
        return cmd_system_df(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "prune") == 0)
        return cmd_system_prune(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "reconcile") == 0)
        return cmd_system_reconcile(c, argc - 1, argv + 1);
    rbox_err *err = NULL;
    rbox_error(&err, 0, "rbox system: unknown command \"%s\" (see 'rbox system --help')", argv[1]);
    return cmd_fail(err);
}
