/* process.c - user, rlimits, environment, executable lookup for the container's process. */
#define _GNU_SOURCE
#include "process.h"
#include "passwd.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int process_set_rlimits(const struct rbox_process *p, rbox_err **err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct rbox_rlimit *r = &p->rlimits[i];
        struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
        if (setrlimit(r->resource, &rl) < 0) {
            struct rlimit cur;
            getrlimit(r->resource, &cur);
            if (errno == EPERM && r->hard > cur.rlim_max)
                return rbox_error(err, EPERM,
                                  "setting %s to %llu/%llu: raising the hard limit above %llu "
                                  "needs CAP_SYS_RESOURCE",
                                  r->name, (unsigned long long)r->soft, (unsigned long long)r->hard,
                                  (unsigned long long)cur.rlim_max);
            return rbox_error(err, errno, "setting %s", r->name);
        }
    }
    return 0;
}

int process_set_oom_score_adj(const struct rbox_process *p, rbox_err **err)
{
    if (!p->oom_score_adj.set)
        return 0;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)p->oom_score_adj.v);
    if (write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf) < 0)
        return rbox_error(err, errno, "setting oomScoreAdj to %s%s", buf,
                          errno == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
    return 0;
}

int process_set_user(const struct rbox_process *p, bool setgroups_allowed, rbox_err **err)
{
    const struct rbox_user *u = &p->user;
    if (setgroups_allowed) {
        if (setgroups(u->n_additional_gids, u->additional_gids) < 0)
            return rbox_error(err, errno, "setgroups");
    } else if (u->n_additional_gids > 0) {
        return rbox_error(err, EPERM,
                          "process.user.additionalGids: setgroups is denied in this "
                          "user namespace");
    }
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        return rbox_error(err, errno, "setting gid %u", u->gid);
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        return rbox_error(err, errno, "setting uid %u", u->uid);
    return 0;
}

int process_chdir(const struct rbox_process *p, rbox_err **err)
{
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return rbox_error(err, errno, "opening /");
    _cleanup_close_ int fd = open_in_root(root, p->cwd, O_PATH | O_DIRECTORY, 0);
    if (fd < 0)
        return rbox_error(err, errno, "process.cwd %s", p->cwd);
    if (fchdir(fd) < 0)
        return rbox_error(err, errno, "process.cwd %s", p->cwd);
    return 0;
}

const char *env_get(char *const *env, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
            return env[i] + kl + 1;
    return NULL;
}

char **process_env(const struct rbox_process *p)
{
    char **env = strv_dup(p->env);
    size_t n = strv_len(env);
    if (env_get(env, "HOME") == NULL) {
        struct pw_entry pw = { 0 };
        bool found = passwd_lookup("/etc/passwd", NULL, p->user.uid, &pw) == 0;
        strv_push(&env, &n, xasprintf("HOME=%s", found && *pw.home ? pw.home : "/"));
        pw_entry_clear(&pw);
    }
    return env;
}

static int check_executable(const char *path, rbox_err **err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return rbox_error(err, errno, "exec: \"%s\": stat %s", path, path);
    if (S_ISDIR(st.st_mode))
        return rbox_error(err, EACCES, "exec: \"%s\": is a directory", path);
    if (access(path, X_OK) < 0)
        return rbox_error(err, errno, "exec: \"%s\"", path);
    return 0;
}

int process_find_executable(const char *arg0, char *const *env, char **out, rbox_err **err)
{
    if (strchr(arg0, '/')) {
        if (check_executable(arg0, err) < 0)
            return -1;
        *out = xstrdup(arg0);
        return 0;
    }
    const char *path = env_get(env, "PATH");
    if (path == NULL)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    _cleanup_free_ char *copy = xstrdup(path);
    int denied = 0;
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *cand = xasprintf("%s/%s", *dir ? dir : ".", arg0);
        struct stat st;
        if (stat(cand, &st) < 0 || S_ISDIR(st.st_mode))
            continue;
        if (access(cand, X_OK) < 0) {
            denied = errno;
            continue;
        }
        *out = steal_pointer(&cand);
        return 0;
    }
    if (denied)
        return rbox_error(err, denied, "exec: \"%s\"", arg0);
    return rbox_error_code(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
}

int process_set_misc(const struct rbox_process *p, const struct rbox_linux *l, rbox_err **err)
{
    if (l->has_personality && personality(l->personality) < 0)
        return rbox_error(err, errno, "linux.personality");
    if (p->user.umask.set)
        umask((mode_t)p->user.umask.v);
    if (p->has_io_priority) {
        int prio = (p->io_priority_class << 13) | p->io_priority;
        if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, prio) < 0)
            return rbox_error(err, errno, "process.ioPriority");
    }
    return 0;
}

int process_close_fds(int preserve_fds, rbox_err **err)
{
    unsigned first = 3 + (unsigned)preserve_fds;
    for (unsigned fd = 3; fd < first; fd++) {
        int flags = fcntl((int)fd, F_GETFD);
        if (flags >= 0)
            fcntl((int)fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return rbox_error(err, errno, "close_range");
    return 0;
}

int process_listen_fds(void)
{
    /* systemd socket activation (sd_listen_fds(3)): the fds are ours only when LISTEN_PID is us */
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    int p, n;
    if (pid == NULL || fds == NULL || parse_int(pid, &p) < 0 || p != getpid() ||
        parse_int(fds, &n) < 0 || n <= 0)
        return 0;
    return n;
}

static void env_set(char ***env, const char *key, char *entry)
{
    size_t kl = strlen(key), n = strv_len(*env);
    for (size_t i = 0; i < n; i++) {
        if (strncmp((*env)[i], key, kl) == 0 && (*env)[i][kl] == '=') {
            free((*env)[i]);
            (*env)[i] = entry;
            return;
        }
    }
    strv_push(env, &n, entry);
}

void process_env_listen(char ***env, int listen_fds)
{
    /* the fds sit at 3.. in the process that execs, whose pid is ours (1 in a new pid ns) */
    env_set(env, "LISTEN_FDS", xasprintf("LISTEN_FDS=%d", listen_fds));
    env_set(env, "LISTEN_PID", xasprintf("LISTEN_PID=%d", (int)getpid()));
}

void process_env_set(char ***env, const char *kv)
{
    _cleanup_free_ char *key = xstrndup(kv, strcspn(kv, "="));
    env_set(env, key, xstrdup(kv));
}
