/* fast.c - librbox's fast path for many short runs: runs prepared ahead by a helper.
 *
 * A `rbox-runtime run` per run pays, on each run's critical path, the runtime's exec and
 * re-exec protection, the config, the cgroup (on cgroup v1 the init's move into it waits for an
 * RCU grace period: ~15 ms here), the namespaces, the mounts and pivot_root, then the teardown.
 * Here one helper per description, `rbox-runtime serve` (runtime/cmd/serve.c), started at the
 * first run, forks one worker per run from its already protected image; the worker runs the
 * runtime's own create (container_create: fresh namespaces, fresh cgroup, fresh writable
 * layer, init held before the command) and waits. The library keeps up to sb->prestart such
 * runs ready: a run takes one, says "start", and waits for the verdict ("X" + the `run
 * --stats` JSON); the next runs are created meanwhile, and the finished one is torn down by its
 * worker after the verdict is out. Nothing is shared between runs but the helper: each run
 * is its own container, created for it and destroyed after it.
 *
 * A prepared run is only used for the description it was made for: its "shape" (the
 * config.json with placeholders, the runtime, the work directory and the identity of the
 * stdio files) is compared at each run, and stale ones are dropped (EOF on their control
 * socket: the worker destroys the container). */
#define _GNU_SOURCE
#include "internal.h"
#include "fdpass.h"
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct slot {
    struct slot *next;
    char id[64];
    int ctl;      /* control socket to the worker */
    int out, err; /* stream mode: read ends of the command's stdout and stderr */
    bool stream;
};

struct lib_pool {
    pthread_mutex_t lock;
    pid_t server;
    int sock; /* to the helper */
    char *shape;
    struct slot *ready;
    size_t n_ready;
    bool gone; /* the helper died: restarted at the next run */
};

void lib_pool_init(struct rbox_sandbox *sb)
{
    const char *v = getenv("RBOX_LIB_PRESTART");
    int n = 2;
    if (v && *v && parse_int(v, &n) < 0)
        n = 2;
    sb->prestart = n < 0 ? 0 : n > 64 ? 64 : n;
    sb->pool = xzalloc(sizeof(*sb->pool));
    pthread_mutex_init(&sb->pool->lock, NULL);
    sb->pool->sock = -1;
}

static void slot_drop(struct slot *s)
{
    /* EOF before "start": the worker destroys the container and removes the run directory */
    int *fds[] = { &s->ctl, &s->out, &s->err };
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(s);
}

static void drop_ready(struct lib_pool *p)
{
    while (p->ready) {
        struct slot *s = p->ready;
        p->ready = s->next;
        slot_drop(s);
    }
    p->n_ready = 0;
}

void lib_pool_free(struct rbox_sandbox *sb)
{
    struct lib_pool *p = sb->pool;
    if (p == NULL)
        return;
    drop_ready(p);
    if (p->sock >= 0)
        close(p->sock);
    /* the helper exits once every worker has finished its run or undone its container */
    if (p->server > 0)
        while (waitpid(p->server, NULL, 0) < 0 && errno == EINTR)
            ;
    free(p->shape);
    pthread_mutex_destroy(&p->lock);
    free(p);
    sb->pool = NULL;
}

/* Start the helper; its end of the socketpair is its fd 3. */
static int start_server(const struct rbox_sandbox *sb, struct lib_pool *p, struct rbox_error *err)
{
    if (access(sb->runtime, X_OK) < 0)
        return lib_failf(err, errno, "runtime %s", sb->runtime);
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return lib_failf(err, errno, "socketpair");
    _cleanup_free_ char *state = xasprintf("%s/state", sb->workdir);
    if (mkdir_p(state, 0700) < 0) {
        int e = errno;
        close(sp[0]);
        close(sp[1]);
        return lib_failf(err, e, "work directory %s", state);
    }
    char *argv[] = { sb->runtime,         (char *)"--root", state, (char *)"--log",
                     (char *)"/dev/null", (char *)"serve",  NULL };
    pid_t pid = fork();
    if (pid == 0) {
        /* only async-signal-safe calls */
        sigset_t none;
        sigemptyset(&none);
        for (int s = 1; s < NSIG; s++)
            signal(s, SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (sp[1] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sp[1], 3) < 0)
            _exit(125);
        execve(argv[0], argv, environ);
        _exit(125);
    }
    int e = errno;
    close(sp[1]);
    if (pid < 0) {
        close(sp[0]);
        return lib_failf(err, e, "fork");
    }
    p->server = pid;
    p->sock = sp[0];
    return 0;
}

/* What a prepared run depends on: it is used only while this stays the same. */
static char *shape_of(const struct rbox_sandbox *sb)
{
    json_w w;
    jw_init(&w, false);
    lib_config(&w, sb, "ROOT", "CGROUP");
    struct stat st[3];
    int fds[3] = { sb->in_fd, sb->out_fd == -2 ? 1 : sb->out_fd,
                   sb->err_fd == -2 ? 2 : sb->err_fd };
    for (int i = 0; i < 3; i++)
        if (fds[i] < 0 || fstat(fds[i], &st[i]) < 0)
            memset(&st[i], 0, sizeof(st[i]));
    char *s = xasprintf("%s\n%s\n%s\n%d %lx:%lx %lx:%lx %lx:%lx", jw_text(&w, NULL), sb->runtime,
                        sb->workdir, sb->readonly_root, (unsigned long)st[0].st_dev,
                        (unsigned long)st[0].st_ino, (unsigned long)st[1].st_dev,
                        (unsigned long)st[1].st_ino, (unsigned long)st[2].st_dev,
                        (unsigned long)st[2].st_ino);
    jw_free(&w);
    return s;
}

/* A new run: its directory and config.json, the request to the helper, the stdio to the
 * worker. The worker creates the container from here on, on its own. */
static struct slot *prepare(const struct rbox_sandbox *sb, struct lib_pool *p, bool stream,
                            struct rbox_error *err)
{
    struct slot *s = xzalloc(sizeof(*s));
    s->ctl = s->out = s->err = -1;
    s->stream = stream;
    lib_run_id(s->id, sizeof(s->id));
    _cleanup_free_ char *runs = xasprintf("%s/runs", sb->workdir);
    _cleanup_free_ char *dir = xasprintf("%s/%s", runs, s->id);
    _cleanup_free_ char *layer = xasprintf("%s/layer", dir);
    _cleanup_free_ char *root = xasprintf("%s/rootfs", dir);
    _cleanup_free_ char *cfg = xasprintf("%s/config.json", dir);
    _cleanup_free_ char *overlay =
        xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", sb->rootfs, layer, layer);
    _cleanup_free_ char *lock =
        lib_pure_v2() ? xasprintf("%s/create.lock", sb->workdir) : xstrdup("");
    if (mkdir_p(runs, 0700) < 0 || mkdir(dir, 0700) < 0) {
        lib_failf(err, errno, "run directory %s", dir);
        free(s);
        return NULL;
    }
    if (!sb->readonly_root && (mkdir(layer, 0700) < 0 || mkdir(root, 0755) < 0)) {
        lib_failf(err, errno, "run directory %s", dir);
        goto fail_dir;
    }
    _cleanup_free_ char *cg = lib_cgroup_path(sb, s->id);
    json_w w;
    jw_init(&w, false);
    lib_config(&w, sb, sb->readonly_root ? sb->rootfs : root, cg);
    size_t len;
    const char *text = jw_text(&w, &len);
    int ret = write_file_atomic_at(AT_FDCWD, cfg, text, len, 0600, false);
    jw_free(&w);
    if (ret < 0) {
        lib_failf(err, errno, "writing %s", cfg);
        goto fail_dir;
    }
    /* "dir\0id\0layer\0root\0overlay\0lock\0" */
    char req[8192];
    int n = snprintf(req, sizeof(req), "%s%c%s%c%s%c%s%c%s%c%s%c", dir, 0, s->id, 0,
                     sb->readonly_root ? "" : layer, 0, sb->readonly_root ? "" : root, 0,
                     sb->readonly_root ? "" : overlay, 0, lock, 0);
    if (n < 0 || (size_t)n >= sizeof(req)) {
        lib_failf(err, ENAMETOOLONG, "run directory %s", dir);
        goto fail_dir;
    }
    int ctl[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
        lib_failf(err, errno, "socketpair");
        goto fail_dir;
    }
    s->ctl = ctl[0];
    _cleanup_close_ int in = -1, out = -1, errfd = -1;
    if (lib_stdio(sb, stream, &in, &out, &errfd, &s->out, &s->err, err) < 0) {
        close(ctl[1]);
        goto fail_dir;
    }
    /* the stdio first (queued on the worker's socket), then the request that makes it */
    int io[3] = { in, out, errfd };
    for (int i = 0; i < 3; i++)
        if (send_fd(s->ctl, "i", 1, io[i]) < 0) {
            close(ctl[1]);
            lib_failf(err, errno, "passing the stdio to the helper");
            goto fail_dir;
        }
    ssize_t sent = send_fd(p->sock, req, (size_t)n, ctl[1]);
    int e = errno;
    close(ctl[1]);
    if (sent < 0) {
        lib_failf(err, e, "rbox-runtime serve (the prestart helper)");
        p->gone = true;
        goto fail_dir;
    }
    return s;
fail_dir:
    rm_rf_at(AT_FDCWD, dir);
    slot_drop(s);
    return NULL;
}

/* The helper is gone (killed, or failed at its start): forget it and what it had made (their
 * workers see EOF and undo); the next run starts a new one. */
static void helper_gone(struct lib_pool *p)
{
    drop_ready(p);
    close(p->sock);
    p->sock = -1;
    while (waitpid(p->server, NULL, 0) < 0 && errno == EINTR)
        ;
    p->server = 0;
    p->gone = false;
}

/* Take a prepared run (or make one) and top the pool up. NULL: no run, *fallback when the
 * caller should run it the slow way (the helper could not be used). */
static struct slot *take(const struct rbox_sandbox *sb, bool stream, bool *fallback,
                         struct rbox_error *err)
{
    struct lib_pool *p = sb->pool;
    char *shape = shape_of(sb);
    struct slot *s = NULL;
    pthread_mutex_lock(&p->lock);
    *fallback = false;
    if (p->sock < 0 && start_server(sb, p, err) < 0)
        goto out;
    if (p->shape == NULL || strcmp(p->shape, shape) != 0) {
        drop_ready(p); /* made for another description */
        free(p->shape);
        p->shape = steal_pointer(&shape);
    }
    for (struct slot **pp = &p->ready; *pp; pp = &(*pp)->next)
        if ((*pp)->stream == stream) {
            s = *pp;
            *pp = s->next;
            p->n_ready--;
            break;
        }
    if (s == NULL && (s = prepare(sb, p, stream, err)) == NULL) {
        if (p->gone) {
            helper_gone(p);
            *fallback = true;
        }
        goto out;
    }
    /* the next runs are created while this one runs */
    while (p->n_ready < (size_t)sb->prestart) {
        struct slot *next = prepare(sb, p, stream, NULL);
        if (next == NULL) {
            if (p->gone)
                helper_gone(p);
            break;
        }
        next->next = p->ready;
        p->ready = next;
        p->n_ready++;
    }
out:
    pthread_mutex_unlock(&p->lock);
    free(shape);
    return s;
}

/* One message of the worker; "" at EOF. */
static char *recv_msg(int fd)
{
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        n = 0;
    buf[n] = '\0';
    return xstrdup(buf);
}

/* "E<code> <message>" */
static void failed(const struct rbox_sandbox *sb, const struct slot *s, const char *msg,
                   struct rbox_verdict *v)
{
    int code = 125;
    const char *text = "rbox-runtime serve: the run's worker ended without a verdict";
    if (msg[0] == 'E') {
        code = atoi(msg + 1);
        const char *sp = strchr(msg, ' ');
        text = sp ? sp + 1 : msg + 1;
    }
    lib_verdict(sb, s->id, NULL, code, text, false, 0, 0, v);
}

int lib_fast_run(const struct rbox_sandbox *sb, const struct rbox_callbacks *cb, void *user,
                 struct rbox_verdict *v, struct rbox_error *err)
{
    if (sb->prestart <= 0 || sb->pool == NULL)
        return 1;
    bool stream = cb != NULL;
    bool fallback;
    struct slot *s = take(sb, stream, &fallback, err);
    if (s == NULL)
        return fallback ? 1 : -1;
    _cleanup_free_ char *msg = recv_msg(s->ctl);
    int init = -1;
    int pid = 0;
    if (msg[0] != 'C' || parse_int(msg + 1, &pid) < 0 || (init = pidfd_open_pid(pid)) < 0) {
        failed(sb, s, msg, v);
        goto done;
    }
    /* the init is the worker's child, not reaped before "start": the pidfd is its */
    uint64_t t_start = now_ns_monotonic(), t_end = 0;
    bool timed_out = false;
    if (send(s->ctl, "S", 1, MSG_NOSIGNAL) != 1) {
        failed(sb, s, "", v);
        goto done;
    }
    free(msg);
    msg = NULL;
    const int64_t timeout = sb->timeout_ns;
    while (msg == NULL) {
        struct pollfd pf[4] = { { .fd = s->ctl, .events = POLLIN },
                                { .fd = t_end ? -1 : init, .events = POLLIN },
                                { .fd = s->out, .events = POLLIN },
                                { .fd = s->err, .events = POLLIN } };
        int ms = -1;
        if (timeout > 0 && !t_end && !timed_out) {
            int64_t left = (int64_t)(t_start + (uint64_t)timeout) - (int64_t)now_ns_monotonic();
            ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
        int n = poll(pf, 4, ms);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0) {
            /* the deadline: SIGKILL to the init (the kernel kills the rest of its namespace) */
            if (lib_pidfd_send_signal(init, SIGKILL) == 0 || errno == ESRCH)
                timed_out = true;
            continue;
        }
        if (n < 0)
            continue;
        if (pf[1].revents & POLLIN)
            t_end = now_ns_monotonic();
        if (pf[2].revents)
            lib_drain(&s->out, 1, cb, user, false, true);
        if (pf[3].revents)
            lib_drain(&s->err, 2, cb, user, false, true);
        if (pf[0].revents)
            msg = recv_msg(s->ctl);
    }
    if (!t_end)
        t_end = now_ns_monotonic();
    /* what the command wrote just before its end (the worker closed its copies) */
    lib_drain(&s->out, 1, cb, user, true, true);
    lib_drain(&s->err, 2, cb, user, true, true);
    if (msg && msg[0] == 'X')
        lib_verdict(sb, s->id, msg + 1, 0, "", timed_out, t_start, t_end, v);
    else
        failed(sb, s, msg ? msg : "", v);
done:
    if (init >= 0)
        close(init);
    slot_drop(s);
    if (cb && cb->on_exit)
        cb->on_exit(user, v);
    return 0;
}
