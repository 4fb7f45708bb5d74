/* serve.c - rbox-runtime serve: librbox's prestart helper (hidden: not in --help).
 *
 * One long-lived process per librbox sandbox handle, started once (so the binary's re-exec
 * protection, the dynamic start and the flag parsing are paid once), serving the handle's
 * end of a SOCK_SEQPACKET socketpair on fd 3. Each request names a run the library prepared
 * (its bundle directory with config.json, its id, its writable layer) and carries a control
 * socket; the server forks one worker per request and goes back to its socket. The worker
 * is `rbox-runtime run` split at the create/start boundary, with the runtime's own code:
 *
 *   worker: private mount namespace, tmpfs + overlay of the writable layer (as librbox's
 *   child does for `run`), container_create() (fresh namespaces, fresh cgroup, the init held
 *   before the user's command) -> "C<init pid>" -> waits for "S" -> container_start_run() ->
 *   foreground_wait() -> "X<stats JSON>" (the shape of `run --stats`) -> container_destroy()
 *   -> the run directory removed.
 *
 * So the library can create run k+1's container while run k executes, and a run costs only
 * the start and the wait on its critical path. EOF on the control socket before "S" destroys
 * the created container (the handle was freed, or its process died); a failure is
 * "E<exit code> <message>" (126/127: the command could not be executed). At EOF on fd 3 the
 * server waits for its workers and exits. Protocol in docs/library.md ("The fast path"). */
#define _GNU_SOURCE
#include "cgroup.h"
#include "cli.h"
#include "fdpass.h"
#include "foreground.h"
#include "json.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVE_FD 3

struct serve_req {
    const char *dir, *id, *layer, *root, *overlay, *lock;
};

static ssize_t send_msg(int fd, const char *text, size_t len)
{
    ssize_t n;
    while ((n = send(fd, text, len, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n;
}

/* as `run` exits (cli_fail_exec): 127/126 when the user's command could not be executed */
static void send_error(int ctl, const rbox_err *err, const char *fallback)
{
    int code = err && strncmp(err->msg, "exec", 4) == 0 ? rbox_exec_exit_code(err) : 1;
    if (code == 1)
        code = 125;
    _cleanup_free_ char *m = xasprintf("E%d %s", code, err ? err->msg : fallback);
    send_msg(ctl, m, strlen(m));
}

/* The stopped container's counters, as `run --stats` writes them, behind the "X" tag. */
static char *stats_text(const struct container *c, int status, size_t *len)
{
    _cleanup_free_ char *t = run_stats_text(c, status, len);
    (*len)++;
    return xasprintf("X%s", t);
}

/* The writable layer, in this worker's own mount namespace: gone with it and its container. */
static int mount_layer(const struct serve_req *q, rbox_err **err)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return rbox_error(err, errno, "making a private mount namespace");
    _cleanup_free_ char *upper = xasprintf("%s/upper", q->layer);
    _cleanup_free_ char *work = xasprintf("%s/work", q->layer);
    if (mount("tmpfs", q->layer, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0 ||
        mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0)
        return rbox_error(err, errno, "mounting the tmpfs of the writable layer");
    if (mount("overlay", q->root, "overlay", MS_NOSUID | MS_NODEV, q->overlay) < 0)
        return rbox_error(err, errno, "mounting the overlay of the writable layer");
    return 0;
}

static void remove_run_dir(const struct serve_req *q)
{
    if (*q->layer) {
        umount2(q->root, MNT_DETACH);
        umount2(q->layer, MNT_DETACH);
    }
    rm_rf_at(AT_FDCWD, q->dir);
}

static _Noreturn void worker(const struct global_opts *g, const struct serve_req *q, int ctl)
{
    rbox_err *err = NULL;
    int fds[3];
    for (int i = 0; i < 3; i++) {
        char b;
        if (recv_fd(ctl, &b, 1, &fds[i]) != 1 || fds[i] < 0) {
            remove_run_dir(q);
            _exit(1);
        }
    }
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0)
            _exit(1);
    for (int i = 0; i < 3; i++)
        if (fds[i] > 2)
            close(fds[i]);
    struct create_opts o = { .mode = MODE_RUN, .id = q->id, .bundle = q->dir };
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    sigset_t old;
    int sfd = foreground_signals(&old, &err);
    struct container *c = NULL;
    _cleanup_close_ int lock = -1;
    if (sfd >= 0 && *q->layer && mount_layer(q, &err) < 0)
        sfd = -1;
    if (sfd >= 0 && *q->lock) {
        lock = open(q->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        while (lock >= 0 && flock(lock, LOCK_EX) < 0 && errno == EINTR)
            ;
    }
    if (sfd < 0 || container_create(g, &o, &c, &err) < 0) {
        send_error(ctl, err, "create failed");
        remove_run_dir(q);
        _exit(1);
    }
    if (lock >= 0) {
        close(lock); /* created: its cgroup is complete */
        lock = -1;
    }
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "C%d", (int)c->pid);
    char go = 0;
    ssize_t r = send_msg(ctl, msg, (size_t)n) < 0 ? -1 : recv(ctl, &go, 1, 0);
    while (r < 0 && errno == EINTR)
        r = recv(ctl, &go, 1, 0);
    if (r != 1 || go != 'S' || container_start_run(c, &err) < 0) {
        if (r == 1 && go == 'S')
            send_error(ctl, err, "start failed");
        container_destroy(g, c->dirfd, c->st, true, NULL);
        container_free(c);
        remove_run_dir(q);
        _exit(1);
    }
    int status = foreground_wait(c->pid, sfd, -1);
    /* our copies of the command's stdio: the library reads its pipes to EOF */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3 && null >= 0; i++)
        dup2(null, i);
    size_t len;
    _cleanup_free_ char *stats = stats_text(c, status, &len);
    send_msg(ctl, stats, len);
    /* the verdict is out: the teardown is off the caller's critical path */
    if (container_destroy(g, c->dirfd, c->st, true, &err) < 0)
        log_err_free(err);
    container_free(c);
    remove_run_dir(q);
    _exit(0);
}

/* "dir\0id\0layer\0root\0overlay\0lock\0" */
static int parse_req(char *buf, size_t len, struct serve_req *q)
{
    const char *f[6];
    size_t off = 0;
    for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
        char *end = off < len ? memchr(buf + off, '\0', len - off) : NULL;
        if (end == NULL)
            return -1;
        f[i] = buf + off;
        off = (size_t)(end - buf) + 1;
    }
    *q = (struct serve_req){ f[0], f[1], f[2], f[3], f[4], f[5] };
    return *q->dir && *q->id ? 0 : -1;
}

int cmd_serve(const struct global_opts *g, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* the workers are reaped by the kernel; EOF on fd 3 (the handle freed, or its process
     * gone) ends the loop, and each worker finishes or undoes its run on its own */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);
    for (;;) {
        char buf[8192];
        int ctl = -1;
        ssize_t n = recv_fd(SERVE_FD, buf, sizeof(buf), &ctl);
        if (n <= 0)
            break;
        struct serve_req q = { NULL, NULL, NULL, NULL, NULL, NULL };
        if (ctl < 0 || parse_req(buf, (size_t)n, &q) < 0) {
            if (ctl >= 0)
                close(ctl);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(SERVE_FD);
            signal(SIGPIPE, SIG_DFL);
            signal(SIGCHLD, SIG_DFL);
            worker(g, &q, ctl);
        }
        close(ctl);
    }
    /* with SIGCHLD ignored, wait() returns (ECHILD) once every worker is gone */
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    return 0;
}
