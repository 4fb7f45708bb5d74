/* rtquery.c - asking rbox-runtime for data (stats, process lists): its stdout as a string. */
#define _GNU_SOURCE
#include "rtquery.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read both pipes to their end (a chatty stderr cannot block a long stdout). */
static void drain(int out, int errfd, char **obuf, size_t *olen, char *ebuf, size_t esize)
{
    size_t cap = 4096, elen = 0;
    *obuf = xmalloc(cap);
    *olen = 0;
    int fds[2] = { out, errfd };
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN },
                               { .fd = fds[1], .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents) {
            if (cap - *olen < 4096)
                *obuf = xrealloc(*obuf, cap *= 2);
            ssize_t n = read(fds[0], *obuf + *olen, cap - *olen - 1);
            if (n > 0)
                *olen += (size_t)n;
            else if (n == 0 || errno != EINTR)
                fds[0] = -1;
        }
        if (p[1].revents) {
            char tmp[1024];
            ssize_t n = read(fds[1], tmp, sizeof(tmp));
            if (n > 0 && elen + 1 < esize) {
                size_t k = (size_t)n < esize - elen - 1 ? (size_t)n : esize - elen - 1;
                memcpy(ebuf + elen, tmp, k);
                elen += k;
            } else if (n <= 0 && (n == 0 || errno != EINTR)) {
                fds[1] = -1;
            }
        }
    }
    (*obuf)[*olen] = '\0';
    ebuf[elen] = '\0';
}

static void child(const struct store *s, const char *const *args, int out, int errfd)
{
    const char *argv[16] = { s->runtime_bin, "--root", s->runtime_root };
    size_t n = 3;
    for (size_t i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(errfd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(s->runtime_bin, (char **)argv);
    _exit(127);
}

int rt_output(const struct store *s, const char *const *args, char **out, rbox_err **err)
{
    int o[2], e[2];
    *out = NULL;
    if (pipe2(o, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    if (pipe2(e, O_CLOEXEC) < 0) {
        close(o[0]);
        close(o[1]);
        return rbox_error(err, errno, "pipe");
    }
    pid_t pid = fork();
    if (pid == 0)
        child(s, args, o[1], e[1]);
    close(o[1]);
    close(e[1]);
    if (pid < 0) {
        close(o[0]);
        close(e[0]);
        return rbox_error(err, errno, "fork");
    }
    char ebuf[2048];
    size_t olen;
    drain(o[0], e[0], out, &olen, ebuf, sizeof(ebuf));
    close(o[0]);
    close(e[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return rbox_error(err, errno, "waiting for rbox-runtime");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    free(*out);
    *out = NULL;
    char *end = ebuf + strlen(ebuf);
    while (end > ebuf && end[-1] == '\n')
        *--end = '\0';
    char *line = strrchr(ebuf, '\n');
    line = line ? line + 1 : ebuf;
    if (str_has_prefix(line, "rbox-runtime: "))
        line += 14;
    return rbox_error(err, 0, "%s", *line ? line : "rbox-runtime failed");
}
