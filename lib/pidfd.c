/* pidfd.c - holding a process by pidfd, verified against its start time. */
#define _GNU_SOURCE
#include "pidfd.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

int pidfd_open_pid(pid_t pid)
{
    /* pidfds are always close-on-exec */
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int pidfd_open_verified(pid_t pid, unsigned long long start_time)
{
    if (pid <= 0) {
        errno = ESRCH;
        return -1;
    }
    int fd = pidfd_open_pid(pid);
    if (fd < 0)
        return -1;
    if (proc_start_time(pid) != start_time) {
        close(fd);
        errno = ESRCH;
        return -1;
    }
    return fd;
}
