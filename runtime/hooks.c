/* hooks.c - running OCI hooks. */
#define _GNU_SOURCE
#include "hooks.h"
#include "log.h"

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

static int pidfd_open_(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait for the hook with an optional timeout (seconds, 0 = none); kill it when it runs over. */
static int wait_hook(pid_t pid, int64_t timeout, int *status, bool *timed_out)
{
    *timed_out = false;
    if (timeout > 0) {
        _cleanup_close_ int pfd = pidfd_open_(pid);
        if (pfd >= 0) {
            struct pollfd p = { .fd = pfd, .events = POLLIN };
            int r;
            do {
                r = poll(&p, 1, (int)(timeout * 1000));
            } while (r < 0 && errno == EINTR);
            if (r == 0) {
                *timed_out = true;
                kill(pid, SIGKILL);
            }
        }
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
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
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(errp[1], 2);
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
        dprintf(2, "exec %s: %s", h->path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(errp[1]);
    /* The hook may not read stdin: never block on it (SIGPIPE ignored by MSG semantics). */
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGPIPE, &ign, &old);
    write_all(in[1], state_json, strlen(state_json));
    close(in[1]);
    sigaction(SIGPIPE, &old, NULL);
    int status = 0;
    bool timed_out = false;
    int64_t timeout = h->timeout.set ? h->timeout.v : 0;
    wait_hook(pid, timeout, &status, &timed_out);
    char tail[512];
    ssize_t n = read_all(errp[0], tail, sizeof(tail) - 1);
    close(errp[0]);
    tail[n > 0 ? n : 0] = '\0';
    while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' '))
        tail[--n] = '\0';
    for (char *c = tail; *c; c++)
        if (*c == '\n')
            *c = ' ';
    if (timed_out)
        return rbox_error(err, ETIMEDOUT, "timed out after %llds", (long long)timeout);
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
            return rbox_error_prefix(err, "%s hook #%zu (%s)", hook_kind_names[kind], i,
                                     h->path);
    }
    return 0;
}
