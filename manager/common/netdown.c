/* netdown.c - the network teardown record and netavark calls (netdown.h). */
#define _GNU_SOURCE
#include "netdown.h"
#include "ctrstate.h"
#include "rtcall.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int netavark_run(const char *bin, const char *aardvark, const char *config, const char *verb,
                 const char *nspath, int options_fd, int out_fd, int err_fd)
{
    const char *argv[10];
    size_t n = 0;
    argv[n++] = bin;
    if (config && *config) {
        argv[n++] = "--config";
        argv[n++] = config;
    }
    if (aardvark && *aardvark) {
        argv[n++] = "--aardvark-binary";
        argv[n++] = aardvark;
    }
    argv[n++] = verb;
    argv[n++] = nspath;
    argv[n] = NULL;
    /* a short PATH: netavark runs iptables a dozen times, each a PATH search */
    static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, options_fd, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    else
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    spawnattr_clean(&at, false);
    /* one netavark at a time per config dir (as podman locks it): two concurrent setups race
     * on creating the same iptables chains and on aardvark-dns's files */
    char lockpath[PATH_MAX];
    snprintf(lockpath, sizeof(lockpath), "%s/rbox-netavark.lock",
             config && *config ? config : "/run");
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    while (lock >= 0 && flock(lock, LOCK_EX) < 0 && errno == EINTR)
        ;
    pid_t pid;
    int r = posix_spawn(&pid, bin, &fa, &at, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    int status = -1;
    if (r != 0) {
        errno = r;
    } else {
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR) {
                status = -1;
                break;
            }
    }
    if (lock >= 0)
        close(lock);
    return status;
}

/* The value of the first line "key VALUE" in rec, or NULL (rec's lines are NUL-split). */
static const char *rec_get(const char *rec, size_t len, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = rec; p < rec + len; p += strlen(p) + 1)
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return p + klen + 1;
    return NULL;
}

int net_teardown(const char *run_dir, const char *id)
{
    static char rec[16384];
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", run_dir, NET_TEARDOWN_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t len = read_all(fd, rec, sizeof(rec) - 1);
    close(fd);
    if (len < 0)
        len = 0;
    rec[len] = '\0';
    for (ssize_t i = 0; i < len; i++)
        if (rec[i] == '\n')
            rec[i] = '\0';
    int r = 0;
    /* a user-mode network's helper (slirp4netns, pasta): by PID, when it still is the one */
    const char *helper = rec_get(rec, (size_t)len, "helper");
    int hpid = 0;
    unsigned long long hstart = 0;
    if (helper && sscanf(helper, "%d %llu", &hpid, &hstart) == 2 && hpid > 1 && hstart &&
        proc_start_time(hpid) == hstart) {
        kill(hpid, SIGTERM);
        for (int i = 0; i < 200 && proc_start_time(hpid) == hstart; i++)
            nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
        if (proc_start_time(hpid) == hstart)
            kill(hpid, SIGKILL);
    }
    const char *ns = rec_get(rec, (size_t)len, "netns");
    const char *opts = rec_get(rec, (size_t)len, "options");
    const char *bin = rec_get(rec, (size_t)len, "netavark");
    if (ns && opts && bin) {
        int ofd = open(opts, O_RDONLY | O_CLOEXEC);
        if (ofd >= 0) {
            int st = netavark_run(bin, rec_get(rec, (size_t)len, "aardvark"),
                                  rec_get(rec, (size_t)len, "config"), "teardown", ns, ofd, -1, -1);
            close(ofd);
            if (st != 0)
                r = -1;
        }
    }
    if (ns) {
        if (umount2(ns, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
            r = -1;
        unlink(ns);
    }
    for (const char *p = rec; p < rec + len; p += strlen(p) + 1) {
        if (strncmp(p, "link ", 5) == 0 || strncmp(p, "file ", 5) == 0)
            unlink(p + 5);
        if (strncmp(p, "lease ", 6) != 0)
            continue;
        char target[ID_LEN + 2];
        ssize_t n = readlink(p + 6, target, sizeof(target) - 1);
        if (n == ID_LEN) {
            target[n] = '\0';
            if (strcmp(target, id) == 0)
                unlink(p + 6);
        }
    }
    if (opts)
        unlink(opts);
    snprintf(path, sizeof(path), "%s/%s", run_dir, NET_STATE_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", run_dir, NET_TEARDOWN_FILE);
    unlink(path);
    return r;
}
