/* rootless.c - rbox run by an ordinary user: the user's dirs and namespaces (rootless.h). */
#define _GNU_SOURCE
#include "rootless.h"
#include "ctrstate.h"
#include "passwd.h"
#include "spawn.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool active;
static uid_t user_uid;
static gid_t user_gid;

/* Inside a user namespace whose root is an ordinary user of the host (rbox run by rbox, or by
 * a process of the user's rootless namespace): the host ids mapped to 0. */
static bool mapped_root(const char *file, uint32_t *host)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    uint32_t inside, out, count;
    if (read_file_at(AT_FDCWD, file, &text, &len) < 0 ||
        sscanf(text, "%u %u %u", &inside, &out, &count) != 3)
        return false;
    if (inside != 0 || out == 0 || count == 4294967295u)
        return false;
    *host = out;
    return true;
}

bool rootless_init(void)
{
    uint32_t u, g;
    if (geteuid() != 0) {
        active = true;
        user_uid = geteuid();
        user_gid = getegid();
    } else if (mapped_root("/proc/self/uid_map", &u) && mapped_root("/proc/self/gid_map", &g)) {
        active = true;
        user_uid = u;
        user_gid = g;
    }
    return active;
}

bool rootless(void)
{
    return active;
}

uid_t rootless_uid(void)
{
    return user_uid;
}

gid_t rootless_gid(void)
{
    return user_gid;
}

/* The user's name or home from /etc/passwd (a static binary has no NSS). */
static char *user_field(bool home)
{
    struct pw_entry e;
    if (passwd_lookup("/etc/passwd", NULL, user_uid, &e) < 0)
        return home ? xstrdup("/") : xasprintf("%u", (unsigned)user_uid);
    char *v = xstrdup(home ? e.home : e.name);
    pw_entry_clear(&e);
    return v;
}

static char *home_dir(void)
{
    const char *home = getenv("HOME");
    return home && home[0] == '/' ? xstrdup(home) : user_field(true);
}

/* $VAR when absolute (the XDG spec ignores relative ones), else $HOME/fallback. */
static char *xdg_dir(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    if (v && v[0] == '/')
        return xstrdup(v);
    _cleanup_free_ char *home = home_dir();
    return xasprintf("%s/%s", home, fallback);
}

char *rootless_conf_path(void)
{
    _cleanup_free_ char *dir = xdg_dir("XDG_CONFIG_HOME", ".config");
    return xasprintf("%s/rbox/rbox.conf", dir);
}

/* The run dir must be the user's own, a real directory, closed to others. */
static int check_private_dir(const char *path, rbox_err **err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return rbox_error(err, errno, "the run directory %s", path);
    if (!S_ISDIR(st.st_mode))
        return rbox_error(err, 0, "the run directory %s is not a directory: remove it", path);
    if (st.st_uid != user_uid)
        return rbox_error(err, 0,
                          "the run directory %s belongs to uid %u, not to you (uid %u): remove "
                          "it or set XDG_RUNTIME_DIR",
                          path, (unsigned)st.st_uid, (unsigned)user_uid);
    if (st.st_mode & 077)
        return rbox_error(err, 0,
                          "the run directory %s is open to other users (mode %04o): chmod 700 "
                          "it",
                          path, (unsigned)(st.st_mode & 07777));
    return 0;
}

int rootless_dirs(char **root, char **runroot, rbox_err **err)
{
    _cleanup_free_ char *data = xdg_dir("XDG_DATA_HOME", ".local/share");
    const char *xrt = getenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *run = xrt && xrt[0] == '/'
                                   ? xasprintf("%s/rbox", xrt)
                                   : xasprintf("/tmp/rbox-run-%u", (unsigned)user_uid);
    /* inside the namespace the dir is owned by (mapped) root: checked on the way in */
    if (geteuid() != 0 && access(run, F_OK) == 0 && check_private_dir(run, err) < 0)
        return -1;
    *root = xasprintf("%s/rbox", data);
    *runroot = xstrdup(run);
    return 0;
}

/* ---- /etc/subuid, /etc/subgid ---- */

int rootless_subids(bool uid, struct subid_range **out, size_t *n, rbox_err **err)
{
    const char *file = uid ? "/etc/subuid" : "/etc/subgid";
    *out = NULL;
    *n = 0;
    _cleanup_free_ char *name = user_field(false);
    char idstr[16];
    snprintf(idstr, sizeof(idstr), "%u", (unsigned)user_uid);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (read_file_at(AT_FDCWD, file, &text, &len) < 0) {
        if (errno == ENOENT)
            return 0;
        return rbox_error(err, errno, "reading %s", file);
    }
    struct subid_range *v = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        if (!str_eq(line, name) && !str_eq(line, idstr))
            continue;
        uint64_t start, count;
        if (parse_u64(c1 + 1, &start) < 0 || parse_u64(c2 + 1, &count) < 0 || count == 0 ||
            start + count > 4294967295ull)
            continue;
        v = xrealloc(v, (*n + 1) * sizeof(*v));
        v[(*n)++] = (struct subid_range){ (uint32_t)start, (uint32_t)count };
    }
    *out = v;
    return 0;
}

/* ---- --userns keep-id ---- */

/* The first id of each extent of the rootless namespace's uid_map (or gid_map), in its own ids,
 * and the end of the last: a child's range must not straddle two (the kernel maps each child
 * extent into one parent extent). */
static size_t extent_bounds(bool uid, uint64_t **out)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0, n = 0;
    *out = xcalloc(1, sizeof(uint64_t));
    if (read_file_at(AT_FDCWD, uid ? "/proc/self/uid_map" : "/proc/self/gid_map", &text, &len) < 0)
        return 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned a, b, c;
        if (sscanf(line, "%u %u %u", &a, &b, &c) != 3)
            continue;
        *out = xrealloc(*out, (n + 2) * sizeof(uint64_t));
        (*out)[n++] = a;
        (*out)[n] = (uint64_t)a + c;
    }
    return n;
}

/* Append inside..inside+count-1 -> outside.., split where the parent's extents end. */
static void push_split(uint32_t (**m)[3], size_t *n, uint64_t inside, uint64_t outside,
                       uint64_t count, const uint64_t *bounds, size_t nb)
{
    while (count > 0) {
        uint64_t end = outside + count; /* the parent extent holding outside ends at... */
        for (size_t i = 0; i <= nb; i++)
            if (bounds[i] > outside && bounds[i] < end)
                end = bounds[i];
        uint64_t part = end - outside;
        *m = xrealloc(*m, (*n + 1) * sizeof(**m));
        (*m)[*n][0] = (uint32_t)inside, (*m)[*n][1] = (uint32_t)outside,
        (*m)[*n][2] = (uint32_t)part;
        (*n)++;
        inside += part, outside += part, count -= part;
    }
}

size_t rootless_keepid_map(bool uid, uint32_t (**out)[3])
{
    _cleanup_free_ uint64_t *bounds = NULL;
    size_t nb = extent_bounds(uid, &bounds), n = 0;
    uint64_t total = nb ? bounds[nb] : 0;
    uint64_t me = uid ? (uint64_t)user_uid : (uint64_t)user_gid;
    *out = NULL;
    if (me >= total) /* the range is too small to place the user's id */
        return 0;
    push_split(out, &n, 0, 1, me, bounds, nb);                       /* 0..me-1 -> 1..me */
    push_split(out, &n, me, 0, 1, bounds, nb);                       /* the user is itself */
    push_split(out, &n, me + 1, me + 1, total - me - 1, bounds, nb); /* the rest as they are */
    return n;
}

/* ---- cgroups ---- */

bool rootless_cgroup_delegated(char **parent, const char **why)
{
    *parent = NULL;
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0) {
        *why = "the host has no unified cgroup v2 hierarchy (cgroup v1 or hybrid)";
        return false;
    }
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, &len) < 0) {
        *why = "/proc/self/cgroup is unreadable";
        return false;
    }
    char *p = strstr(text, "0::/");
    char *slash = p ? strrchr(strtok(p + 3, "\n"), '/') : NULL;
    if (slash == NULL || slash == p + 3) {
        *why = "rbox runs in the root cgroup";
        return false;
    }
    /* the containers go beside rbox's own cgroup, in the delegated parent */
    _cleanup_free_ char *dir = xasprintf("/sys/fs/cgroup%.*s", (int)(slash - (p + 3)), p + 3);
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
    struct stat st;
    if (stat(dir, &st) < 0 || st.st_uid != geteuid() || access(procs, W_OK) < 0) {
        *why = "the host delegates no cgroup v2 subtree to you (systemd's user slice)";
        return false;
    }
    *parent = xstrdup(dir + strlen("/sys/fs/cgroup"));
    return true;
}

/* ---- the namespaces ---- */

struct idsetup {
    char *helper[2];          /* newuidmap, newgidmap */
    struct subid_range *r[2]; /* the user's ranges */
    size_t n[2];
};

static void idsetup_clear(struct idsetup *s)
{
    for (int i = 0; i < 2; i++) {
        free(s->helper[i]);
        free(s->r[i]);
    }
}

/* What the user namespace needs, checked before anything is created. */
static int idsetup_load(struct idsetup *s, rbox_err **err)
{
    static const char *const helpers[] = { "newuidmap", "newgidmap" };
    static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
    memset(s, 0, sizeof(*s));
    _cleanup_free_ char *name = user_field(false);
    for (int i = 0; i < 2; i++) {
        /* newuidmap/newgidmap through $PATH (as podman looks them up) */
        if ((s->helper[i] = find_in_path(helpers[i])) == NULL)
            return rbox_error(err, 0, "rootless rbox needs %s (install the Debian package uidmap)",
                              helpers[i]);
        if (rootless_subids(i == 0, &s->r[i], &s->n[i], err) < 0)
            return -1;
        if (s->n[i] == 0)
            return rbox_error(err, 0,
                              "rootless rbox: no range for user %s in %s: add one, e.g. "
                              "usermod --add-sub%cids 100000-165535 %s",
                              name, files[i], i == 0 ? 'u' : 'g', name);
    }
    return 0;
}

/* newuidmap/newgidmap PID 0 ID 1 (1 START COUNT)...; their stderr becomes the message. */
static int run_idmap(const struct idsetup *s, int which, pid_t pid, rbox_err **err)
{
    size_t n = s->n[which];
    char **argv = xcalloc(3 * n + 6, sizeof(char *));
    _cleanup_strv_ char **owned = argv;
    size_t a = 0;
    argv[a++] = xstrdup(s->helper[which]);
    argv[a++] = xasprintf("%d", (int)pid);
    argv[a++] = xstrdup("0");
    argv[a++] = xasprintf("%u", which == 0 ? (unsigned)user_uid : (unsigned)user_gid);
    argv[a++] = xstrdup("1");
    uint64_t next = 1;
    for (size_t i = 0; i < n; i++) {
        argv[a++] = xasprintf("%llu", (unsigned long long)next);
        argv[a++] = xasprintf("%u", s->r[which][i].start);
        argv[a++] = xasprintf("%u", s->r[which][i].count);
        next += s->r[which][i].count;
    }
    char out[512];
    int status;
    if (spawn_capture(argv[0], argv, NULL, out, sizeof(out), &status, err) < 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return rbox_error(err, 0, "rootless rbox: %s failed (check your range in /etc/sub%cid): %s",
                      s->helper[which], which == 0 ? 'u' : 'g', *out ? out : "no message");
}

/* The pause process: it only holds the namespaces open. */
static _Noreturn void pause_main(int sock)
{
    char c;
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
        c = (char)errno;
        write_all(sock, &c, 1);
        _exit(1);
    }
    c = 0;
    if (write_all(sock, &c, 1) != 1 || read_all(sock, &c, 1) != 1)
        _exit(1);
    setsid();
    if (chdir("/") < 0)
        _exit(1);
    prctl(PR_SET_NAME, "rbox-pause", 0, 0, 0);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    c = 0;
    write_all(sock, &c, 1);
    syscall(SYS_close_range, 3U, ~0U, 0);
    for (;;)
        pause();
}

static int spawn_pause(const struct idsetup *ids, pid_t *out, rbox_err **err)
{
    int fd;
    pid_t pid = fork_socketpair(&fd, err);
    if (pid < 0)
        return -1;
    if (pid == 0)
        pause_main(fd);
    _cleanup_close_ int sock = fd;
    char c = 1;
    int ret = -1;
    if (read_all(sock, &c, 1) != 1)
        rbox_error(err, 0, "rootless rbox: the namespace process died");
    else if (c != 0)
        rbox_error(err, c,
                   "rootless rbox: creating a user namespace (is "
                   "kernel.unprivileged_userns_clone or user.max_user_namespaces 0?)");
    else if (run_idmap(ids, 0, pid, err) == 0 && run_idmap(ids, 1, pid, err) == 0) {
        c = 0;
        if (write_all(sock, &c, 1) != 1 || read_all(sock, &c, 1) != 1)
            rbox_error(err, 0, "rootless rbox: the namespace process died");
        else
            ret = 0;
    }
    if (ret < 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return -1;
    }
    *out = pid;
    return 0;
}

static int join(pid_t pid, rbox_err **err)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/ns/user", (int)pid);
    _cleanup_close_ int ufd = open(p, O_RDONLY | O_CLOEXEC);
    snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
    _cleanup_close_ int mfd = open(p, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ufd < 0 || mfd < 0)
        return rbox_error(err, errno, "rootless rbox: opening the namespaces of process %d",
                          (int)pid);
    if (setns(ufd, CLONE_NEWUSER) < 0)
        return rbox_error(err, errno, "rootless rbox: joining the user namespace");
    if (setns(mfd, CLONE_NEWNS) < 0)
        return rbox_error(err, errno, "rootless rbox: joining the mount namespace");
    /* setns(CLONE_NEWNS) moved the cwd to / */
    if (cwd >= 0 && fchdir(cwd) < 0)
        return rbox_error(err, errno, "rootless rbox: returning to the working directory");
    return 0;
}

static bool same_userns(pid_t pid)
{
    char p[64];
    struct stat a, b;
    snprintf(p, sizeof(p), "/proc/%d/ns/user", (int)pid);
    return stat(p, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

/* pause.pid: "PID STARTTIME"; 0 when absent or dead. */
static pid_t pause_read(int dfd)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int pid;
    unsigned long long start;
    if (read_file_at(dfd, "pause.pid", &text, &len) < 0 ||
        sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0 || proc_start_time(pid) != start)
        return 0;
    return pid;
}

/* The pause process is gone (killed) but containers still run: their monitors sit in the
 * namespaces it held, so a live one stands in for it (podman rejoins through conmon likewise);
 * a new namespace could neither signal those containers nor see their mounts. 0: none. */
static pid_t monitor_holder(const char *root)
{
    _cleanup_free_ char *dir = xasprintf("%s/containers", root);
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *rel = xasprintf("%s/%s", de->d_name, CTR_STATE_FILE);
        struct ctr_state st;
        if (ctr_state_read_at(dirfd(d), rel, &st) < 0 || st.monitor_pid <= 0 ||
            proc_start_time(st.monitor_pid) != st.monitor_start)
            continue;
        char p[64];
        struct stat a, b;
        snprintf(p, sizeof(p), "/proc/%d/ns/user", (int)st.monitor_pid);
        /* a monitor of the user's rootless namespace: not the host's (a copied store) */
        if (stat(p, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino != b.st_ino)
            return st.monitor_pid;
    }
    return 0;
}

static int lock_dir(int dfd, const char *runroot, rbox_err **err)
{
    int fd = openat(dfd, "pause.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rbox_error(err, errno, "opening %s/pause.lock", runroot);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int saved = errno;
            close(fd);
            return rbox_error(err, saved, "locking %s/pause.lock", runroot);
        }
    return fd;
}

static int record_holder(int dfd, const char *runroot, pid_t pid, rbox_err **err)
{
    _cleanup_free_ char *rec = xasprintf("%d %llu\n", (int)pid, proc_start_time(pid));
    if (write_file_atomic_at(dfd, "pause.pid", rec, strlen(rec), 0600, false) < 0)
        return rbox_error(err, errno, "writing %s/pause.pid", runroot);
    return 0;
}

int rootless_enter(const char *root, const char *runroot, rbox_err **err)
{
    if (geteuid() == 0) /* already inside (rbox started by rbox) */
        return 0;
    _cleanup_close_ int dfd = open(runroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd >= 0) {
        _cleanup_close_ int lock = lock_dir(dfd, runroot, err);
        if (lock < 0)
            return -1;
        pid_t pid = pause_read(dfd);
        if (pid > 0)
            return same_userns(pid) ? 0 : join(pid, err);
    }
    /* a new namespace: check the setup first, so a bad one leaves nothing behind */
    struct idsetup ids;
    int ret = idsetup_load(&ids, err);
    if (ret == 0 && dfd < 0) {
        if (mkdir(runroot, 0700) < 0 && errno != EEXIST)
            ret = rbox_error(err, errno, "creating the run directory %s", runroot);
        else if ((ret = check_private_dir(runroot, err)) == 0 &&
                 (dfd = open(runroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
            ret = rbox_error(err, errno, "opening the run directory %s", runroot);
    }
    if (ret < 0) {
        idsetup_clear(&ids);
        return -1;
    }
    _cleanup_close_ int lock = lock_dir(dfd, runroot, err);
    pid_t pid = lock < 0 ? -1 : pause_read(dfd);
    if (pid == 0 && (pid = monitor_holder(root)) > 0 && record_holder(dfd, runroot, pid, err) < 0)
        pid = -1;
    if (pid == 0 && spawn_pause(&ids, &pid, err) == 0 &&
        record_holder(dfd, runroot, pid, err) < 0) {
        kill(pid, SIGKILL);
        pid = -1;
    }
    idsetup_clear(&ids);
    return pid <= 0 ? -1 : join(pid, err);
}
