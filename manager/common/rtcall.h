/* rtcall.h - running rbox-runtime, for rbox and rbox-monitor alike, and reading its error.
 *
 * Every call asks for --log-format json, so the runtime's error arrives as a JSON line (in the
 * --log file, or on its stderr) with the message and the errno behind it: exit codes come from
 * the errno, never from matching the text.
 */
#ifndef RBOX_RTCALL_H
#define RBOX_RTCALL_H

#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rt_call {
    const char *bin;  /* rbox-runtime */
    const char *root; /* its --root */
    const char *log;  /* --log FILE (removed first), or NULL: JSON lines on its stderr */
};

/* Start `bin --root ROOT [--log LOG] --log-format json ARGS...` with stdio fds[0..2] (-1:
 * /dev/null), no blocked signals and default dispositions. 0 and *pid, or -1 with errno. */
int rt_spawn(const struct rt_call *c, const char *const *args, const int fds[3], pid_t *pid);
/* posix_spawnattr_init for a child that starts clean (rbox-runtime, netavark, pasta, the
 * monitor): no blocked signals, every disposition the default; with setsid its own session.
 * posix_spawnattr_destroy it after. */
void spawnattr_clean(posix_spawnattr_t *at, bool setsid);
/* Wait for it (EINTR retried): its wait status, or -1. */
int rt_wait(pid_t pid);

/* The runtime's error from JSON-lines text (the last "level":"error" line): its message into
 * msg (cut at a character boundary) and its errno (0 when it gave none). 0 when found, -1 when
 * the text has no error line. */
int rt_error_text(const char *text, char *msg, size_t len, int *errnum);
/* The same from a --log file. */
int rt_error_log(const char *path, char *msg, size_t len, int *errnum);
/* What to say when it failed without a message: "rbox-runtime was killed by signal 9",
 * "rbox-runtime exited with status 3 and no message", "cannot run BIN". */
void rt_status_text(const char *bin, int status, char *msg, size_t len);

/* docker's exit code for a container process that could not start (run, start, exec):
 * 127 when its command was not found, 126 when it could not be run, 125 for the rest. */
int rt_start_exit_code(const char *msg, int errnum);

#endif
