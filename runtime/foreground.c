/* foreground.c - wait for a foreground container process, relaying its pty (see foreground.h). */
#define _GNU_SOURCE
#include "foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int foreground_signals(sigset_t *old, rbox_err **err)
{
    sigset_t mask;
    sigfillset(&mask);
    /* synchronous faults stay ours */
    sigdelset(&mask, SIGSEGV);
    sigdelset(&mask, SIGBUS);
    sigdelset(&mask, SIGFPE);
    sigdelset(&mask, SIGILL);
    sigprocmask(SIG_BLOCK, &mask, old);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0)
        return rbox_error(err, errno, "signalfd");
    return sfd;
}

int foreground_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

struct relay {
    int master; /* -1 once the slave side is gone */
    int in;     /* our stdin while it is open, else -1 */
    bool raw;   /* stdin is a terminal we put into raw mode */
    struct termios saved;
};

static void copy_winsize(const struct relay *r)
{
    struct winsize ws;
    if (r->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(r->master, TIOCSWINSZ, &ws);
}

static void relay_start(struct relay *r, int master)
{
    r->master = master;
    r->in = master >= 0 ? STDIN_FILENO : -1;
    r->raw = false;
    if (master < 0)
        return;
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved) == 0) {
        struct termios raw = r->saved;
        cfmakeraw(&raw);
        r->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        copy_winsize(r);
    }
}

static void relay_stop(struct relay *r)
{
    if (r->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
    r->raw = false;
}

/* Copy what is readable from `from` to `to`; returns false at EOF or on an error of `from`. */
static bool pump(int from, int to)
{
    char buf[8192];
    for (;;) {
        ssize_t n = read(from, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0)
            return false; /* EOF, or EIO on a master whose slave is closed */
        if (write_all(to, buf, (size_t)n) < 0)
            return true; /* the reader went away: drop the output, keep waiting */
        if (from == STDIN_FILENO)
            return true; /* stdin may be blocking: one read per poll */
    }
}

/* One signal: returns true when pid has exited (status filled). */
static bool on_signal(struct relay *r, pid_t pid, int sig, int *status)
{
    if (sig == SIGWINCH) {
        copy_winsize(r);
        return false;
    }
    if (sig != SIGCHLD) {
        kill(pid, sig);
        return false;
    }
    bool done = false;
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0)
        if (p == pid) {
            *status = st;
            done = true;
        }
    return done;
}

int foreground_wait(pid_t pid, int sfd, int master)
{
    struct relay r;
    relay_start(&r, master);
    int status = -1;
    bool done = false;
    while (!done) {
        struct pollfd fds[3] = { { .fd = sfd, .events = POLLIN },
                                 { .fd = r.master, .events = POLLIN },
                                 { .fd = r.in, .events = POLLIN } };
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[1].revents && !pump(r.master, STDOUT_FILENO))
            r.master = r.in = -1; /* every slave fd is closed: nothing more to relay */
        if (fds[2].revents && r.master >= 0 && !pump(r.in, r.master))
            r.in = -1;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            ssize_t n = read(sfd, &si, sizeof(si));
            if (n < 0 && errno == EINTR)
                continue;
            if (n != sizeof(si))
                break;
            done = on_signal(&r, pid, (int)si.ssi_signo, &status);
        }
    }
    /* what the process wrote just before it exited */
    if (r.master >= 0)
        pump(r.master, STDOUT_FILENO);
    relay_stop(&r);
    return done ? status : -1;
}
