/* ctl_parallel.c - jobs in child processes, output in order (see ctl_parallel.h).
 *
 * A child per container keeps each job's code exactly what it is serially (one ctr_stop,
 * ctr_kill, ctr_remove with their locks and waits), so `stop -t 10` of 30 containers that ignore
 * SIGTERM takes one timeout, not 30. The children share nothing but the store's directory fds;
 * each takes the locks it needs itself. */
#define _GNU_SOURCE
#include "ctl_parallel.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct slot {
    pid_t pid;
    int fd[2]; /* the job's captured stdout, stderr */
    int status;
    bool done;
};

static void copy_out(int from, int to)
{
    char buf[8192];
    off_t off = 0;
    ssize_t n;
    while ((n = pread(from, buf, sizeof(buf), off)) > 0) {
        (void)write_all(to, buf, (size_t)n);
        off += n;
    }
}

/* Fork job k with its output in two memfds; -1 when it could not be started. */
static int start(struct slot *s, int k, ctl_job job, void *ud)
{
    s->fd[0] = memfd_create("rbox-job-out", MFD_CLOEXEC);
    s->fd[1] = memfd_create("rbox-job-err", MFD_CLOEXEC);
    s->pid = s->fd[0] >= 0 && s->fd[1] >= 0 ? fork() : -1;
    if (s->pid == 0) {
        dup2(s->fd[0], STDOUT_FILENO);
        dup2(s->fd[1], STDERR_FILENO);
        int r = job(ud, k);
        fflush(stdout);
        fflush(stderr);
        _exit(r);
    }
    if (s->pid > 0)
        return 0;
    for (int i = 0; i < 2; i++)
        if (s->fd[i] >= 0)
            close(s->fd[i]);
    s->fd[0] = s->fd[1] = -1;
    return -1;
}

static void reap_one(struct slot *slots, int n, int *running)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, 0)) < 0)
        if (errno != EINTR)
            return;
    for (int i = 0; i < n; i++)
        if (slots[i].pid == pid && !slots[i].done) {
            slots[i].done = true;
            slots[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            (*running)--;
        }
}

int ctl_run_parallel(int n, int max_jobs, ctl_job job, void *ud)
{
    struct slot *slots = xcalloc((size_t)n, sizeof(*slots));
    int started = 0, printed = 0, running = 0, ret = 0;
    fflush(stdout);
    fflush(stderr);
    while (printed < n) {
        while (running < max_jobs && started < n) {
            if (start(&slots[started], started, job, ud) < 0) {
                if (running > 0)
                    break; /* try again once one has ended */
                /* nothing runs and all before it are printed: run it here, in order */
                slots[started].status = job(ud, started);
                fflush(stdout);
                fflush(stderr);
                slots[started].done = true;
                started++;
                continue;
            }
            started++;
            running++;
        }
        while (printed < n && slots[printed].done) {
            struct slot *s = &slots[printed++];
            if (s->fd[0] >= 0) {
                copy_out(s->fd[0], STDOUT_FILENO);
                copy_out(s->fd[1], STDERR_FILENO);
                close(s->fd[0]);
                close(s->fd[1]);
            }
            if (s->status != 0)
                ret = s->status;
        }
        if (printed < n && running > 0)
            reap_one(slots, n, &running);
    }
    free(slots);
    return ret;
}
