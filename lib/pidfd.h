/* pidfd.h - holding a process by pidfd, verified against its start time. */
#ifndef RBOX_PIDFD_H
#define RBOX_PIDFD_H

#include <sys/types.h>

/* A pidfd for pid (close-on-exec), or -1 with errno. */
int pidfd_open_pid(pid_t pid);

/* A pidfd for pid, but only if pid is still the process that started at start_time (field 22
 * of /proc/<pid>/stat, as recorded when it was started): the pid checked after the pidfd is
 * held cannot be reused unnoticed. -1 with errno ESRCH when the process is gone or the pid
 * names another one now. */
int pidfd_open_verified(pid_t pid, unsigned long long start_time);

#endif
