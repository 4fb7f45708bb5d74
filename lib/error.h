/* error.h - the one error idiom: fallible functions return < 0 and fill an rbox_err.
 *
 *   if (mount(...) < 0)
 *       return rbox_error(err, errno, "mounting %s", dest);
 *   ...
 *   if (setup_mounts(cfg, err) < 0)
 *       return rbox_error_prefix(err, "preparing the root filesystem");
 *
 * Only the CLI layer prints an error, once (log_error_and_free()).
 */
#ifndef RBOX_ERROR_H
#define RBOX_ERROR_H

#include "util.h"

typedef struct rbox_err {
    int errnum; /* errno that caused it, 0 if none */
    char *msg;  /* full message, including ": strerror(errnum)" when errnum != 0 */
} rbox_err;

/* Set *err (replacing any previous one) and return -1. errnum 0 means "no errno". */
int rbox_error(rbox_err **err, int errnum, const char *fmt, ...) PRINTF(3, 4);
/* Like rbox_error, but errnum is only recorded (not appended as text): for messages that
 * already say what happened, while callers still need the errno (exit codes). */
int rbox_error_code(rbox_err **err, int errnum, const char *fmt, ...) PRINTF(3, 4);
/* Prefix the existing error with context ("what: <old message>") and return -1. */
int rbox_error_prefix(rbox_err **err, const char *fmt, ...) PRINTF(2, 3);
/* Build an error from a raw message and errno (used when an error crosses a process boundary). */
int rbox_error_raw(rbox_err **err, int errnum, const char *msg);
void rbox_err_free(rbox_err *err);
/* The exit status of a process that could not exec its command, as a shell gives it: 127 when
 * the command was not found, 126 when it could not be run, 1 otherwise. */
int rbox_exec_exit_code(const rbox_err *err);
/* strerror() in glibc's words whichever libc this is built with (see error.c) */
const char *rbox_strerror(int errnum);
void cleanup_errp(rbox_err **err);
#define _cleanup_err_ __attribute__((cleanup(cleanup_errp)))

#endif
