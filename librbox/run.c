/* run.c - librbox: one run of a sandbox.
 *
 * Each run is one `rbox-runtime run` of a bundle made for it in the work directory
 * (<workdir>/runs/<id>/: config.json, the pid file, the final stats, the runtime's log):
 * the isolation is the runtime's. The writable layer is made by the process that becomes the
 * runtime, between fork and exec: a private mount namespace, a new tmpfs for the upper and
 * work directories, an overlay of it on the read-only rootfs at <run dir>/rootfs. Only that
 * process and the container it creates see those mounts; they go away with them, whatever
 * happens to the caller. The verdict comes from the runtime: `run --stats` writes the init's
 * end and the cgroup's counters (`events --stats` shape) before the cgroup is removed, parsed
 * by the monitor's code (manager/common/report.c). The wall clock and the timeout start when
 * the pid file appears (the container's init exists, held before the user's command) and
 * end when the init exits, watched through a pidfd. */
#define _GNU_SOURCE
#include "internal.h"
#include "pidfd.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

extern char **environ;

struct run {
    const struct rbox_sandbox *sb;
    char id[64];
    char *dir, *state, *cfg_path, *pid_path, *stats_path, *log_path;
    char *layer, *root, *upper, *work, *overlay_opts;
    pid_t rt_pid;       /* rbox-runtime run */
    int rt_pidfd;       /* of it */
    int init_pidfd;     /* of the container's init, once the pid file is there */
    int ino;            /* inotify on the run dir, until the pid file is read */
    int out[2], err[2]; /* stream mode: pipes of the command's stdout and stderr */
    int create_lock;    /* pure cgroup v2: held while the runtime creates the container */
    uint64_t t_start, t_end;
    bool timed_out;
};

static atomic_uint run_counter;

static void run_free(struct run *r)
{
    free(r->dir);
    free(r->state);
    free(r->cfg_path);
    free(r->pid_path);
    free(r->stats_path);
    free(r->log_path);
    free(r->layer);
    free(r->root);
    free(r->upper);
    free(r->work);
    free(r->overlay_opts);
    int *fds[] = { &r->rt_pidfd, &r->init_pidfd, &r->ino,   &r->out[0],
                   &r->out[1],   &r->err[0],     &r->err[1] };
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

void lib_run_id(char *buf, size_t len)
{
    unsigned n = atomic_fetch_add(&run_counter, 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(buf, len, "lrb-%d-%u-%lx", (int)getpid(), n,
             (unsigned long)(ts.tv_nsec ^ (ts.tv_sec << 8)) & 0xffffff);
}

/* The run's directory and bundle. */
static int prepare(struct run *r, struct rbox_error *err)
{
    const struct rbox_sandbox *sb = r->sb;
    lib_run_id(r->id, sizeof(r->id));
    r->state = xasprintf("%s/state", sb->workdir);
    _cleanup_free_ char *runs = xasprintf("%s/runs", sb->workdir);
    if (mkdir_p(r->state, 0700) < 0)
        return lib_failf(err, errno, "work directory %s", r->state);
    if (mkdir_p(runs, 0700) < 0)
        return lib_failf(err, errno, "work directory %s", runs);
    r->dir = xasprintf("%s/%s", runs, r->id);
    if (mkdir(r->dir, 0700) < 0) {
        int e = errno;
        free(r->dir);
        r->dir = NULL;
        return lib_failf(err, e, "run directory %s/%s", runs, r->id);
    }
    r->cfg_path = xasprintf("%s/config.json", r->dir);
    r->pid_path = xasprintf("%s/pid", r->dir);
    r->stats_path = xasprintf("%s/stats", r->dir);
    r->log_path = xasprintf("%s/log", r->dir);
    if (!sb->readonly_root) {
        r->layer = xasprintf("%s/layer", r->dir);
        r->root = xasprintf("%s/rootfs", r->dir);
        r->upper = xasprintf("%s/upper", r->layer);
        r->work = xasprintf("%s/work", r->layer);
        r->overlay_opts =
            xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", sb->rootfs, r->upper, r->work);
        if (mkdir(r->layer, 0700) < 0 || mkdir(r->root, 0755) < 0)
            return lib_failf(err, errno, "run directory %s", r->dir);
    }
    _cleanup_free_ char *cg = lib_cgroup_path(sb, r->id);
    json_w w;
    jw_init(&w, false);
    lib_config(&w, sb, r->root ? r->root : sb->rootfs, cg);
    size_t len;
    const char *text = jw_text(&w, &len);
    int ret = write_file_atomic_at(AT_FDCWD, r->cfg_path, text, len, 0600, false);
    jw_free(&w);
    if (ret < 0)
        return lib_failf(err, errno, "writing %s", r->cfg_path);
    return 0;
}

/* The run directory and what is in it (its mounts were never in this namespace). */
static void remove_dir(struct run *r)
{
    if (r->dir)
        rm_rf_at(AT_FDCWD, r->dir);
}

/* Between fork and exec: only async-signal-safe calls. Reports errno on the status pipe. */
static _Noreturn void child(struct run *r, int in, int out, int errfd, int status_fd, char **argv)
{
    int step = 0;
    sigset_t none;
    sigemptyset(&none);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL); /* what the caller ignores (SIGPIPE...) the command must not */
    sigprocmask(SIG_SETMASK, &none, NULL);
    if ((in != 0 && dup2(in, 0) < 0) || (out != 1 && dup2(out, 1) < 0) ||
        (errfd != 2 && dup2(errfd, 2) < 0))
        goto fail;
    step = 1;
    if (r->overlay_opts) {
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            goto fail;
        step = 2;
        if (mount("tmpfs", r->layer, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0 ||
            mkdir(r->upper, 0755) < 0 || mkdir(r->work, 0700) < 0)
            goto fail;
        step = 3;
        if (mount("overlay", r->root, "overlay", MS_NOSUID | MS_NODEV, r->overlay_opts) < 0)
            goto fail;
    }
    step = 4;
    execve(argv[0], argv, environ);
fail:;
    int msg[2] = { step, errno };
    ssize_t n = write(status_fd, msg, sizeof(msg));
    (void)n;
    _exit(125);
}

static const char *const step_what[] = { "setting up the standard descriptors",
                                         "making a private mount namespace",
                                         "mounting the tmpfs of the writable layer",
                                         "mounting the overlay of the writable layer",
                                         "executing the runtime" };

static int open_or_dup(int fd, int flags)
{
    if (fd == -1)
        return open("/dev/null", flags | O_CLOEXEC);
    return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

int lib_stdio(const struct rbox_sandbox *sb, bool stream, int *in, int *out, int *errfd,
              int *rd_out, int *rd_err, struct rbox_error *err)
{
    *in = open_or_dup(sb->in_fd, O_RDONLY);
    if (stream) {
        int po[2], pe[2];
        if (pipe2(po, O_CLOEXEC) < 0)
            goto fail_pipe;
        if (pipe2(pe, O_CLOEXEC) < 0) {
            close(po[0]);
            close(po[1]);
            goto fail_pipe;
        }
        fcntl(po[0], F_SETFL, O_NONBLOCK);
        fcntl(pe[0], F_SETFL, O_NONBLOCK);
        *rd_out = po[0];
        *rd_err = pe[0];
        *out = po[1];
        *errfd = pe[1];
    } else {
        *out = open_or_dup(sb->out_fd == -2 ? 1 : sb->out_fd, O_WRONLY);
        *errfd = open_or_dup(sb->err_fd == -2 ? 2 : sb->err_fd, O_WRONLY);
    }
    if (*in < 0 || *out < 0 || *errfd < 0) {
        int e = errno;
        int *fds[] = { in, out, errfd };
        for (int i = 0; i < 3; i++)
            if (*fds[i] >= 0) {
                close(*fds[i]);
                *fds[i] = -1;
            }
        if (stream) {
            close(steal_fd(rd_out));
            close(steal_fd(rd_err));
        }
        return lib_failf(err, e, "standard descriptors of the command");
    }
    return 0;
fail_pipe : {
    int e = errno;
    if (*in >= 0)
        close(steal_fd(in));
    return lib_failf(err, e, "pipe");
}
}

/* On a pure cgroup v2 host, runs that share a cgroup parent must not create their containers
 * at the same time: when the parent is missing, the run that makes it enables the controllers
 * in its cgroup.subtree_control only after the mkdir, and a run that finds the parent in
 * between makes its cgroup without them (its memory.max is missing: the start fails). So the
 * create phase (until the pid file appears) holds an flock on <workdir>/create.lock, which
 * orders the runs of every thread and process using this work directory. v1 and hybrid hosts
 * have no subtree_control for the limits and need no lock. */
bool lib_pure_v2(void)
{
    static int v2 = -1;
    if (v2 < 0) {
        struct statfs fs;
        v2 = statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
    }
    return v2 == 1;
}

static int create_lock(struct run *r, struct rbox_error *err)
{
    if (!lib_pure_v2())
        return 0;
    _cleanup_free_ char *path = xasprintf("%s/create.lock", r->sb->workdir);
    r->create_lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (r->create_lock < 0)
        return lib_failf(err, errno, "opening %s", path);
    while (flock(r->create_lock, LOCK_EX) < 0)
        if (errno != EINTR)
            return lib_failf(err, errno, "locking %s", path);
    return 0;
}

static void create_unlock(struct run *r)
{
    if (r->create_lock >= 0) {
        close(r->create_lock);
        r->create_lock = -1;
    }
}

static int spawn(struct run *r, bool stream, struct rbox_error *err)
{
    const struct rbox_sandbox *sb = r->sb;
    char *argv[] = { sb->runtime,
                     (char *)"--root",
                     r->state,
                     (char *)"--log",
                     r->log_path,
                     (char *)"--log-format",
                     (char *)"json",
                     (char *)"run",
                     (char *)"--bundle",
                     r->dir,
                     (char *)"--pid-file",
                     r->pid_path,
                     (char *)"--stats",
                     r->stats_path,
                     r->id,
                     NULL };
    if (access(sb->runtime, X_OK) < 0)
        return lib_failf(err, errno, "runtime %s", sb->runtime);
    _cleanup_close_ int in = -1, out = -1, errfd = -1;
    if (lib_stdio(sb, stream, &in, &out, &errfd, &r->out[0], &r->err[0], err) < 0)
        return -1;
    r->ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (r->ino < 0 || inotify_add_watch(r->ino, r->dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
        return lib_failf(err, errno, "inotify on %s", r->dir);
    int status[2];
    if (create_lock(r, err) < 0)
        return -1;
    if (pipe2(status, O_CLOEXEC) < 0)
        return lib_failf(err, errno, "pipe");
    pid_t pid = fork();
    if (pid == 0)
        child(r, in, out, errfd, status[1], argv);
    close(status[1]);
    if (pid < 0) {
        close(status[0]);
        return lib_failf(err, errno, "fork");
    }
    r->rt_pid = pid;
    int msg[2];
    ssize_t n = read_all(status[0], msg, sizeof(msg));
    close(status[0]);
    if (n == sizeof(msg)) {
        waitpid(pid, NULL, 0);
        r->rt_pid = 0;
        int step = msg[0] >= 0 && msg[0] < (int)ARRAY_SIZE(step_what) ? msg[0] : 4;
        return lib_failf(err, msg[1], "%s%s%s", step_what[step], step == 4 ? " " : "",
                         step == 4 ? sb->runtime : "");
    }
    r->rt_pidfd = pidfd_open_pid(pid);
    if (r->rt_pidfd < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        r->rt_pid = 0;
        return lib_failf(err, e, "pidfd_open");
    }
    return 0;
}

/* The pid file appeared: hold the init by a pidfd, start the clock. */
static void init_appeared(struct run *r)
{
    char buf[32];
    char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (read(r->ino, ev, sizeof(ev)) > 0)
        ; /* the events only wake us: the pid file says whether it is there */
    _cleanup_close_ int fd = open(r->pid_path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return;
    buf[n] = '\0';
    int pid;
    if (parse_int(buf, &pid) < 0 && sscanf(buf, "%d", &pid) != 1)
        return;
    /* the init is ours until the runtime reaps it: it cannot have been reused yet */
    r->init_pidfd = pidfd_open_pid(pid);
    r->t_start = now_ns_monotonic();
    create_unlock(r); /* created: its cgroup is complete */
    close(r->ino);
    r->ino = -1;
}

void lib_drain(int *fd, int stream, const struct rbox_callbacks *cb, void *user, bool all,
               bool wait)
{
    char buf[16384];
    while (*fd >= 0) {
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN && !all)
            return;
        if (n < 0 && errno == EAGAIN && wait) {
            struct pollfd pf = { .fd = *fd, .events = POLLIN };
            poll(&pf, 1, -1);
            continue;
        }
        if (n <= 0) {
            close(*fd);
            *fd = -1;
            return;
        }
        if (cb && cb->on_output)
            cb->on_output(user, stream, buf, (size_t)n);
    }
}

char *lib_cgroup_path(const struct rbox_sandbox *sb, const char *id)
{
    const char *parent = sb->cgroup_parent;
    size_t plen = strlen(parent);
    while (plen > 1 && parent[plen - 1] == '/')
        plen--;
    return xasprintf("%.*s/%s", (int)plen, parent, id);
}

int lib_pidfd_send_signal(int fd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

/* Until the runtime exits: output to the callbacks, the pid file, the init's end, the
 * deadline. */
static void wait_loop(struct run *r, const struct rbox_callbacks *cb, void *user)
{
    const int64_t timeout = r->sb->timeout_ns;
    bool rt_done = false;
    while (!rt_done) {
        struct pollfd p[5] = { { .fd = r->rt_pidfd, .events = POLLIN },
                               { .fd = r->ino, .events = POLLIN },
                               { .fd = r->init_pidfd, .events = POLLIN },
                               { .fd = r->out[0], .events = POLLIN },
                               { .fd = r->err[0], .events = POLLIN } };
        if (r->t_end)
            p[2].fd = -1;
        int ms = -1;
        if (timeout > 0 && r->init_pidfd >= 0 && !r->t_end && !r->timed_out) {
            int64_t left = (int64_t)(r->t_start + (uint64_t)timeout) - (int64_t)now_ns_monotonic();
            ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
        int n = poll(p, 5, ms);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0) {
            /* the deadline: SIGKILL to the init, pid 1 of its namespace (the kernel kills the
             * rest), as the monitor does */
            if (lib_pidfd_send_signal(r->init_pidfd, SIGKILL) == 0 || errno == ESRCH)
                r->timed_out = true;
            continue;
        }
        if (p[1].revents)
            init_appeared(r);
        if (p[2].revents & POLLIN)
            r->t_end = now_ns_monotonic();
        if (p[3].revents)
            lib_drain(&r->out[0], 1, cb, user, false, false);
        if (p[4].revents)
            lib_drain(&r->err[0], 2, cb, user, false, false);
        if (p[0].revents & POLLIN)
            rt_done = true;
    }
    create_unlock(r); /* a create that failed before the pid file */
    /* what the command wrote just before its end (every writer is gone with its pid namespace) */
    lib_drain(&r->out[0], 1, cb, user, true, false);
    lib_drain(&r->err[0], 2, cb, user, true, false);
}

/* The runtime's last error line in its JSON log ("msg" and "errno"), if any. */
static bool runtime_error(struct run *r, char *msg, size_t len)
{
    _cleanup_free_ char *text = NULL;
    if (read_file_at(AT_FDCWD, r->log_path, &text, NULL) < 0)
        return false;
    bool found = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        _cleanup_yajl_ yajl_val v = NULL;
        if (json_parse(line, "log", &v, NULL) < 0 || !str_eq(json_get_str(v, "level"), "error"))
            continue;
        const char *m = json_get_str(v, "msg");
        snprintf(msg, len, "%s", m ? m : "rbox-runtime failed");
        found = true;
    }
    return found;
}

static void to_public(const struct verdict *in, struct rbox_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->started = in->started;
    v->exit_code = in->exit_code;
    v->signal = in->signal;
    v->oom_killed = in->oom_killed;
    v->timed_out = in->timed_out;
    v->timeout_ns = in->timeout_ns;
    v->wall_time_ns = in->started ? in->wall_ns : -1;
    v->cpu_user_ns = in->cpu_user_ns;
    v->cpu_system_ns = in->cpu_system_ns;
    v->memory_peak_bytes = in->memory_peak;
    v->pids_peak = in->pids_peak;
    snprintf(v->error, sizeof(v->error), "%s", in->error);
}

void lib_verdict(const struct rbox_sandbox *sb, const char *id, const char *stats, int exit_code,
                 const char *error, bool timed_out, uint64_t t_start, uint64_t t_end,
                 struct rbox_verdict *out)
{
    struct verdict v;
    verdict_init(&v, id, "");
    v.timeout_ns = sb->timeout_ns;
    v.timed_out = timed_out;
    _cleanup_yajl_ yajl_val root = NULL;
    if (stats && json_parse(stats, "stats", &root, NULL) == 0) {
        /* the runtime saw the init end */
        v.started = true;
        yajl_val e = json_get(root, "exit");
        yajl_val code = json_get(e, "code"), sig = json_get(e, "signal");
        v.exit_code = code && YAJL_IS_INTEGER(code) ? (int)YAJL_GET_INTEGER(code) : 1;
        v.signal = sig && YAJL_IS_INTEGER(sig) ? (int)YAJL_GET_INTEGER(sig) : 0;
        verdict_from_stats(&v, stats);
    } else {
        v.exit_code = exit_code == 126 || exit_code == 127 ? exit_code : 125;
        snprintf(v.error, sizeof(v.error), "%s", error);
    }
    uint64_t end = t_end ? t_end : now_ns_monotonic();
    v.wall_ns = t_start ? (int64_t)(end - t_start) : 0;
    to_public(&v, out);
}

static void verdict_of(struct run *r, int status, struct rbox_verdict *out)
{
    _cleanup_free_ char *stats = NULL;
    char error[512] = "";
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 125;
    if (read_file_at(AT_FDCWD, r->stats_path, &stats, NULL) < 0 &&
        !runtime_error(r, error, sizeof(error)))
        snprintf(error, sizeof(error), "rbox-runtime run failed (status %d)", status);
    lib_verdict(r->sb, r->id, stats, code, error, r->timed_out, r->t_start, r->t_end, out);
}

RBOX_API int rbox_run_stream(const rbox_sandbox *sb, const struct rbox_callbacks *cb, void *user,
                             struct rbox_verdict *v, struct rbox_error *err)
{
    if (sb == NULL || v == NULL)
        return lib_failf(err, 0, "rbox_run: no sandbox or verdict");
    int fast = lib_fast_run(sb, cb, user, v, err);
    if (fast <= 0)
        return fast;
    struct run r = { .sb = sb,
                     .rt_pidfd = -1,
                     .init_pidfd = -1,
                     .ino = -1,
                     .out = { -1, -1 },
                     .err = { -1, -1 },
                     .create_lock = -1 };
    int ret = prepare(&r, err);
    if (ret == 0)
        ret = spawn(&r, cb != NULL, err);
    if (ret == 0) {
        wait_loop(&r, cb, user);
        int status = 0;
        while (waitpid(r.rt_pid, &status, 0) < 0 && errno == EINTR)
            ;
        verdict_of(&r, status, v);
        if (cb && cb->on_exit)
            cb->on_exit(user, v);
    }
    remove_dir(&r);
    run_free(&r);
    return ret;
}

RBOX_API int rbox_run(const rbox_sandbox *sb, struct rbox_verdict *v, struct rbox_error *err)
{
    return rbox_run_stream(sb, NULL, NULL, v, err);
}

RBOX_API int rbox_verdict_json(const struct rbox_verdict *in, char *buf, size_t len)
{
    struct verdict v;
    verdict_init(&v, "", "");
    v.started = in->started;
    v.exit_code = in->exit_code;
    v.signal = in->signal;
    v.oom_killed = in->oom_killed;
    v.timed_out = in->timed_out;
    v.timeout_ns = in->timeout_ns;
    v.wall_ns = in->wall_time_ns;
    v.cpu_user_ns = in->cpu_user_ns;
    v.cpu_system_ns = in->cpu_system_ns;
    v.memory_peak = in->memory_peak_bytes;
    v.pids_peak = in->pids_peak;
    snprintf(v.error, sizeof(v.error), "%s", in->error);
    return report_format(&v, buf, len);
}

RBOX_API char *rbox_sandbox_oci_config(const rbox_sandbox *sb, const char *root,
                                       struct rbox_error *err)
{
    if (sb == NULL || root == NULL) {
        lib_failf(err, 0, "rbox_sandbox_oci_config: no sandbox or root");
        return NULL;
    }
    json_w w;
    jw_init(&w, true);
    _cleanup_free_ char *cg = xasprintf("%s/ID", sb->cgroup_parent);
    lib_config(&w, sb, root, cg);
    char *text = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return text;
}
