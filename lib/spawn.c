/* spawn.c - running a helper program and reading what it said (spawn.h). */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

char *find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/%s", dir, name);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
    }
    return NULL;
}

int spawn_capture(const char *exe, char *const argv[], const struct spawn_opts *opts, char *out,
                  size_t outsz, int *status, rbox_err **err)
{
    int dir_fd = opts ? opts->dir_fd : -1;
    bool daemon = opts && opts->daemon;
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    pid_t child = fork();
    if (child < 0) {
        int saved = errno;
        close(errp[0]);
        close(errp[1]);
        return rbox_error(err, saved, "fork");
    }
    if (child == 0) {
        if (dir_fd >= 0) {
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (fchdir(dir_fd) < 0 || null < 0)
                _exit(126);
            dup2(null, 0);
        }
        dup2(errp[1], 1);
        dup2(errp[1], 2);
        execve(exe, argv, environ);
        dprintf(2, "exec %s: %s", exe, rbox_strerror(errno));
        _exit(127);
    }
    close(errp[1]);
    ssize_t len = 0;
    if (!daemon)
        len = read_all(errp[0], out, outsz - 1);
    while (waitpid(child, status, 0) < 0 && errno == EINTR)
        ;
    if (daemon) {
        /* the daemon keeps the pipe's write end until it closes its stdio: read what is there */
        int fl = fcntl(errp[0], F_GETFL);
        fcntl(errp[0], F_SETFL, fl | O_NONBLOCK);
        len = read(errp[0], out, outsz - 1);
    }
    close(errp[0]);
    out[len > 0 ? len : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

pid_t fork_socketpair(int *fd, rbox_err **err)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return rbox_error(err, errno, "socketpair");
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(sp[0]);
        close(sp[1]);
        return rbox_error(err, saved, "fork");
    }
    if (pid == 0) {
        close(sp[0]);
        *fd = sp[1];
        return 0;
    }
    close(sp[1]);
    *fd = sp[0];
    return pid;
}
