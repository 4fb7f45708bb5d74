/* ctl_parallel.h - stop, kill, rm and restart of many containers at once, output in argument
 * order. */
#ifndef RBOX_CTL_PARALLEL_H
#define RBOX_CTL_PARALLEL_H

/* At most this many jobs at a time: they mostly wait (a stop timeout, a monitor's exit). */
#define CTL_MAX_JOBS 32

/* Job k (0 <= k < n) of a command; what it prints is its output; returns its exit status. */
typedef int (*ctl_job)(void *ud, int k);

/* Run the n jobs in child processes, at most max_jobs at a time, each with its stdout and
 * stderr captured (memfds) and copied to ours in the order of k once it and every job before
 * it ended. Returns the last non-zero status of a job, else 0. */
int ctl_run_parallel(int n, int max_jobs, ctl_job job, void *ud);

#endif
