/* hooks.c - running OCI hooks. */
#define _GNU_SOURCE
#include "hooks.h"
#include "log.h"
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool hooks_any(const struct rbox_hooks *hooks, enum hook_kind kind)
{
    return hooks && hooks->count[kind] > 0;
}

/* Keep the last bytes of the hook's stderr (what it says last is what explains a failure). */
static void keep_tail(char *tail, size_t cap, size_t *len, const char *buf, size_t n)
{
    if (n >= cap) {
        memcpy(tail, buf + n - cap, cap);
        *len = cap;
        return;
    }
    if (*len + n > cap) {
        size_t drop = *len + n - cap;
        memmove(tail, tail + drop, *len - drop);
        *len -= drop;
    }
    memcpy(tail + *len, buf, n);
    *len += n;
}

/* Wait for the hook while collecting its stderr; with a timeout (seconds, 0 = none), kill its
 * whole process group when it runs over. Never blocks on the pipe: a child the hook left
 * behind may hold it open forever. */
static void wait_hook(pid_t pid, int errfd, int64_t timeout, int *status, bool *timed_out,
                      char *tail, size_t cap, size_t *len)
{
    *timed_out = false;
    _cleanup_close_ int pfd = pidfd_open_pid(pid);
    uint64_t deadline = timeout > 0 ? now_ns_monotonic() + (uint64_t)timeout * 1000000000ULL : 0;
    fcntl(errfd, F_SETFL, fcntl(errfd, F_GETFL) | O_NONBLOCK);
    for (bool exited = pfd < 0; !exited;) {
        struct pollfd p[2] = { { .fd = pfd, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
        int ms = -1;
        if (deadline) {
            uint64_t now = now_ns_monotonic();
            ms = now >= deadline ? 0 : (int)((deadline - now) / 1000000 + 1);
        }
        int r = poll(p, errfd >= 0 ? 2 : 1, ms);
        if (r < 0 && errno != EINTR)
            break;
        if (r == 0) {
            *timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
        if (r > 0 && p[1].revents) {
            char buf[1024];
            ssize_t n = read(errfd, buf, sizeof(buf));
            if (n > 0)
                keep_tail(tail, cap, len, buf, (size_t)n);
            else if (n == 0 || errno != EAGAIN)
                errfd = -1;
        }
        exited = r > 0 && p[0].revents;
    }
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    /* what it wrote just before exiting */
    char buf[1024];
    ssize_t n;
    while (errfd >= 0 && (n = read(errfd, buf, sizeof(buf))) > 0)
        keep_tail(tail, cap, len, buf, (size_t)n);
}

static void exec_hook(const struct rbox_hook *h, int in, int errw)
{
    /* its own process group, so that a timeout kills what it started too */
    setpgid(0, 0);
    dup2(in, 0);
    dup2(errw, 2);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0)
        dup2(devnull, 1);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    char *fallback[] = { h->path, NULL };
    char *empty[] = { NULL };
    char *const *argv = h->args && h->args[0] ? h->args : fallback;
    execve(h->path, argv, h->env ? h->env : empty);
    dprintf(2, "exec %s: %s", h->path, rbox_strerror(errno));
    _exit(127);
}

static int run_one(const struct rbox_hook *h, const char *state_json, rbox_err **err)
{
    int in[2], errp[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return rbox_error(err, errno, "pipe");
    }
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(in[0]), close(in[1]), close(errp[0]), close(errp[1]);
        return rbox_error(err, saved, "fork");
    }
    if (pid == 0)
        exec_hook(h, in[0], errp[1]);
    setpgid(pid, pid); /* also here: no race with a timeout that fires early */
    close(in[0]);
    close(errp[1]);
    /* The hook may not read stdin: never block or die on it. The state is far below a pipe's
     * capacity, so the write completes without a reader. */
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGPIPE, &ign, &old);
    write_all(in[1], state_json, strlen(state_json));
    close(in[1]);
    sigaction(SIGPIPE, &old, NULL);
    int status = 0;
    bool timed_out = false;
    int64_t timeout = h->timeout.set ? h->timeout.v : 0;
    char tail[512];
    size_t n = 0;
    wait_hook(pid, errp[0], timeout, &status, &timed_out, tail, sizeof(tail) - 1, &n);
    close(errp[0]);
    tail[n] = '\0';
    while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' '))
        tail[--n] = '\0';
    for (char *c = tail; *c; c++)
        if (*c == '\n')
            *c = ' ';
    if (timed_out)
        return rbox_error_code(err, ETIMEDOUT, "killed after the %llds timeout",
                               (long long)timeout);
    if (WIFSIGNALED(status))
        return rbox_error(err, 0, "killed by signal %d%s%s", WTERMSIG(status), *tail ? ": " : "",
                          tail);
    if (WEXITSTATUS(status) != 0)
        return rbox_error(err, 0, "exited with status %d%s%s", WEXITSTATUS(status),
                          *tail ? ": " : "", tail);
    return 0;
}

int hooks_run(const struct rbox_hooks *hooks, enum hook_kind kind, const char *state_json,
              rbox_err **err)
{
    for (size_t i = 0; hooks && i < hooks->count[kind]; i++) {
        const struct rbox_hook *h = &hooks->list[kind][i];
        log_debug("running %s hook %s", hook_kind_names[kind], h->path);
        if (run_one(h, state_json, err) < 0)
            return rbox_error_prefix(err, "%s hook #%zu (%s)", hook_kind_names[kind], i, h->path);
    }
    return 0;
}

void hooks_run_warn(const struct rbox_hooks *hooks, enum hook_kind kind, const char *state_json)
{
    for (size_t i = 0; hooks && i < hooks->count[kind]; i++) {
        const struct rbox_hook *h = &hooks->list[kind][i];
        rbox_err *e = NULL;
        log_debug("running %s hook %s", hook_kind_names[kind], h->path);
        if (run_one(h, state_json, &e) < 0) {
            log_warn("%s hook #%zu (%s): %s", hook_kind_names[kind], i, h->path, e->msg);
            rbox_err_free(e);
        }
    }
}
