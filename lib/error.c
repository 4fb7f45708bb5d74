/* error.c - the rbox_err error object. */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
const char *rbox_strerror(int errnum)
{
    return strerror(errnum);
}
#else
/* musl words many errors differently from glibc; rbox (glibc) and rbox-runtime (musl, see
 * Makefile) must say the same thing, and users search for the man pages' words */
#include "errno_text.h"

const char *rbox_strerror(int errnum)
{
    if (errnum > 0 && (size_t)errnum < sizeof(errno_text) / sizeof(errno_text[0]) &&
        errno_text[errnum] != NULL)
        return errno_text[errnum];
    return strerror(errnum);
}
#endif

static int set_error(rbox_err **err, int errnum, char *msg)
{
    if (err == NULL) {
        free(msg);
        return -1;
    }
    if (*err)
        rbox_err_free(*err);
    rbox_err *e = xzalloc(sizeof(*e));
    e->errnum = errnum;
    e->msg = msg;
    *err = e;
    return -1;
}

int rbox_error(rbox_err **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    char *what;
    va_start(ap, fmt);
    if (vasprintf(&what, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (errnum == 0)
        return set_error(err, 0, what);
    char *msg = xasprintf("%s: %s", what, rbox_strerror(errnum));
    free(what);
    return set_error(err, errnum, msg);
}

int rbox_error_code(rbox_err **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    char *what;
    va_start(ap, fmt);
    if (vasprintf(&what, fmt, ap) < 0)
        abort();
    va_end(ap);
    return set_error(err, errnum, what);
}

int rbox_error_raw(rbox_err **err, int errnum, const char *msg)
{
    return set_error(err, errnum, xstrdup(msg));
}

int rbox_error_prefix(rbox_err **err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    char *what;
    va_start(ap, fmt);
    if (vasprintf(&what, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (*err == NULL)
        return set_error(err, 0, what);
    char *msg = xasprintf("%s: %s", what, (*err)->msg);
    free(what);
    free((*err)->msg);
    (*err)->msg = msg;
    return -1;
}

int rbox_exec_exit_code(const rbox_err *err)
{
    if (err == NULL)
        return 1;
    return err->errnum == ENOENT ? 127 : err->errnum == EACCES ? 126 : 1;
}

void rbox_err_free(rbox_err *err)
{
    if (err) {
        free(err->msg);
        free(err);
    }
}

void cleanup_errp(rbox_err **err)
{
    rbox_err_free(*err);
    *err = NULL;
}
