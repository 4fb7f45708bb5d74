/* exec_relay.c - rbox exec without -t through pipes (see exec_relay.h).
 *
 * Handing our own stdio to `rbox-runtime exec` would give the process in the container the
 * caller's descriptors: from a terminal, the host pty slave in the caller's session, i.e. its
 * controlling terminal, with which a container process can TIOCSTI a command line into the
 * host shell or keep reading what the user types after exec returned. So the runtime gets
 * three pipes (stdin only with -i, else /dev/null) and runs in a session of its own (no
 * controlling terminal: /dev/tty inside opens nothing), and rbox copies between the pipes
 * and its stdio, as the monitor does for `rbox run`. stdout and stderr stay two streams;
 * the end of our input closes the process's stdin; when our stdout or stderr is closed
 * (`| head`), the pipe is closed too, so the process gets EPIPE/SIGPIPE as it would have. */
#define _GNU_SOURCE
#include "exec_relay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct xrelay {
    int in;          /* write end of the process's stdin; -1: closed (or never, without -i) */
    int src[2];      /* read ends of its stdout and stderr; -1 at EOF */
    bool stdin_open; /* we still read our stdin */
    char ibuf[8192]; /* our stdin, not yet taken by the pipe */
    size_t ilen, ioff;
    char obuf[65536]; /* one read of the process's output */
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* dup2 that also clears close-on-exec when fd already is target */
static int move_fd(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

static _Noreturn void exec_child(int in, int out, int errfd, char *const argv[],
                                 const sigset_t *old)
{
    if (setsid() < 0 || move_fd(in, STDIN_FILENO) < 0 || move_fd(out, STDOUT_FILENO) < 0 ||
        move_fd(errfd, STDERR_FILENO) < 0)
        _exit(125);
    sigprocmask(SIG_SETMASK, old, NULL);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    dprintf(STDERR_FILENO, "rbox: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(125);
}

/* One read of the process's stream k, copied to our fd 1 or 2. */
static void copy_out(struct xrelay *x, int k)
{
    ssize_t n = read(x->src[k], x->obuf, sizeof(x->obuf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0 || write_all(STDOUT_FILENO + k, x->obuf, (size_t)n) < 0)
        close_fd(&x->src[k]);
}

/* What the process wrote before it exited is in the pipes: take it all. */
static void drain(struct xrelay *x)
{
    for (int k = 0; k < 2; k++) {
        int fl = fcntl(x->src[k], F_GETFL);
        if (x->src[k] >= 0 && fl >= 0)
            fcntl(x->src[k], F_SETFL, fl | O_NONBLOCK);
        while (x->src[k] >= 0) {
            ssize_t n = read(x->src[k], x->obuf, sizeof(x->obuf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || write_all(STDOUT_FILENO + k, x->obuf, (size_t)n) < 0)
                close_fd(&x->src[k]);
        }
    }
}

static void read_stdin(struct xrelay *x)
{
    ssize_t n = read(STDIN_FILENO, x->ibuf, sizeof(x->ibuf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* end of our input: the process sees EOF */
        x->stdin_open = false;
        close_fd(&x->in);
        return;
    }
    x->ilen = (size_t)n;
    x->ioff = 0;
}

static void write_stdin(struct xrelay *x)
{
    ssize_t n = write(x->in, x->ibuf + x->ioff, x->ilen - x->ioff);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) { /* the process closed its stdin */
        x->stdin_open = false;
        close_fd(&x->in);
        x->ilen = x->ioff = 0;
        return;
    }
    x->ioff += (size_t)n;
    if (x->ioff == x->ilen)
        x->ilen = x->ioff = 0;
}

static void forward_signal(int sfd, pid_t pid)
{
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof(si)) == sizeof(si))
        kill(pid, (int)si.ssi_signo);
}

/* The copy loop until the runtime exits; returns its wait status. */
static int relay_loop(struct xrelay *x, pid_t pid, int pidfd, int sfd)
{
    for (;;) {
        struct pollfd p[5];
        int n = 0, i_sig = -1, i_pid, i_out[2] = { -1, -1 }, i_in = -1;
        if (sfd >= 0) {
            i_sig = n;
            p[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
        }
        i_pid = n;
        p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        for (int k = 0; k < 2; k++)
            if (x->src[k] >= 0) {
                i_out[k] = n;
                p[n++] = (struct pollfd){ .fd = x->src[k], .events = POLLIN };
            }
        if (x->in >= 0 && x->ilen > 0) {
            i_in = n;
            p[n++] = (struct pollfd){ .fd = x->in, .events = POLLOUT };
        } else if (x->in >= 0 && x->stdin_open) {
            i_in = n;
            p[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (i_sig >= 0 && p[i_sig].revents)
            forward_signal(sfd, pid);
        for (int k = 0; k < 2; k++)
            if (i_out[k] >= 0 && p[i_out[k]].revents)
                copy_out(x, k);
        if (i_in >= 0 && p[i_in].revents) {
            if (x->ilen > 0)
                write_stdin(x);
            else
                read_stdin(x);
        }
        if (p[i_pid].revents) {
            int status;
            while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                    return -1;
            return status;
        }
    }
}

int exec_relay(char *const argv[], bool interactive, int sfd, const sigset_t *old, rbox_err **err)
{
    int in[2] = { -1, -1 }, out[2], errp[2];
    if (interactive ? pipe2(in, O_CLOEXEC) < 0
                    : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        return rbox_error(err, errno, "creating the process's stdin");
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        int e = errno;
        close_fd(&in[0]);
        close_fd(&in[1]);
        return rbox_error(err, e, "creating the process's output pipes");
    }
    pid_t pid = fork();
    if (pid == 0)
        exec_child(in[0], out[1], errp[1], argv, old);
    int e = errno;
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    struct xrelay *x = xzalloc(sizeof(*x));
    *x = (struct xrelay){ .in = in[1], .src = { out[0], errp[0] }, .stdin_open = interactive };
    int status = -1, pidfd = -1;
    if (pid < 0)
        rbox_error(err, e, "fork");
    else if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
        rbox_error(err, errno, "pidfd_open");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    } else {
        if (x->in >= 0)
            fcntl(x->in, F_SETFL, O_NONBLOCK);
        void (*prev)(int) = signal(SIGPIPE, SIG_IGN);
        status = relay_loop(x, pid, pidfd, sfd);
        if (status < 0)
            rbox_error(err, errno, "waiting for rbox-runtime");
        close_fd(&x->in);
        drain(x);
        signal(SIGPIPE, prev);
        close(pidfd);
    }
    close_fd(&x->in);
    close_fd(&x->src[0]);
    close_fd(&x->src[1]);
    free(x);
    return status;
}
