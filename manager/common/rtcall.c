/* rtcall.c - running rbox-runtime and reading its error (rtcall.h). */
#define _GNU_SOURCE
#include "rtcall.h"
#include "ctrstate.h"
#include "json.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define RT_MAX_ARGS 64

int rt_spawn(const struct rt_call *c, const char *const *args, const int fds[3], pid_t *pid)
{
    const char *argv[RT_MAX_ARGS] = { c->bin, "--root", c->root };
    size_t n = 3;
    if (c->log) {
        argv[n++] = "--log";
        argv[n++] = c->log;
        unlink(c->log);
    }
    argv[n++] = "--log-format";
    argv[n++] = "json";
    for (size_t i = 0; args[i]; i++) {
        if (n == RT_MAX_ARGS - 1) {
            errno = E2BIG;
            return -1;
        }
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    /* posix_spawn (a CLONE_VFORK clone) rather than fork: no page tables to copy */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            posix_spawn_file_actions_adddup2(&fa, fds[i], i);
        else
            posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
    spawnattr_clean(&at, false);
    int r = posix_spawn(pid, c->bin, &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (r != 0) {
        errno = r;
        return -1;
    }
    return 0;
}

void spawnattr_clean(posix_spawnattr_t *at, bool setsid)
{
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_init(at);
    posix_spawnattr_setflags(at, (setsid ? POSIX_SPAWN_SETSID : 0) | POSIX_SPAWN_SETSIGMASK |
                                     POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(at, &none);
    posix_spawnattr_setsigdefault(at, &all);
}

int rt_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

int rt_error_text(const char *text, char *msg, size_t len, int *errnum)
{
    int found = -1;
    *errnum = 0;
    if (len)
        msg[0] = '\0';
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n && memmem(line, n, "\"error\"", 7)) {
            _cleanup_free_ char *one = xstrndup(line, n);
            _cleanup_yajl_ yajl_val v = NULL;
            if (json_parse(one, "log", &v, NULL) == 0) {
                const char *m = json_get_str(v, "msg");
                int64_t e = 0;
                if (m && str_eq(json_get_str(v, "level"), "error")) {
                    ctr_copy(msg, len, m);
                    *errnum = json_get_i64(v, "errno", &e) && e > 0 && e < 4096 ? (int)e : 0;
                    found = 0;
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return found;
}

int rt_error_log(const char *path, char *msg, size_t len, int *errnum)
{
    _cleanup_free_ char *text = NULL;
    *errnum = 0;
    if (len)
        msg[0] = '\0';
    if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
        return -1;
    return rt_error_text(text, msg, len, errnum);
}

void rt_status_text(const char *bin, int status, char *msg, size_t len)
{
    if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
        snprintf(msg, len, "cannot run %s", bin);
    else if (WIFSIGNALED(status))
        snprintf(msg, len, "rbox-runtime was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(msg, len, "rbox-runtime exited with status %d and no message",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int rt_start_exit_code(const char *msg, int errnum)
{
    if (!str_has_prefix(msg, "exec"))
        return EXIT_RBOX;
    return errnum == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT;
}
