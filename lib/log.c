/* log.c - logging to stderr or a log file, as text or runc-style JSON lines. */
#define _GNU_SOURCE
#include "log.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
    const char *prog;
    int fd; /* -1: stderr */
    enum log_format fmt;
    bool debug;
    struct timespec t0; /* the first log_init: debug lines say how long after it they come */
} logger = { "rbox", -1, LOG_FMT_TEXT, false, { 0, 0 } };

static const char *level_name[] = { "error", "warning", "info", "debug" };

int log_init(const char *prog, const char *path, enum log_format fmt, bool debug, rbox_err **err)
{
    if (logger.t0.tv_sec == 0 && logger.t0.tv_nsec == 0)
        clock_gettime(CLOCK_MONOTONIC, &logger.t0);
    logger.prog = prog;
    logger.fmt = fmt;
    logger.debug = debug;
    if (path && *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            return rbox_error(err, errno, "--log: opening %s", path);
        logger.fd = fd;
    }
    return 0;
}

bool log_debug_enabled(void)
{
    return logger.debug;
}

/* One line: JSON lines carry the error's errno ("errno", when there is one) so that a caller
 * reading them can tell "not found" from "not allowed" without matching the text. */
static void emit(enum log_level lvl, int errnum, const char *msg)
{
    char *line;
    struct timespec ts;
    char tbuf[48];
    clock_gettime(CLOCK_REALTIME, &ts);
    format_time_rfc3339(&ts, tbuf, sizeof(tbuf));
    /* debug lines: microseconds since the process started logging (where the time goes,
     * docs/performance.md) */
    long us = -1;
    if (lvl == LOG_DEBUG) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        us = (now.tv_sec - logger.t0.tv_sec) * 1000000L + (now.tv_nsec - logger.t0.tv_nsec) / 1000;
    }
    char el[48] = "";
    if (logger.fmt == LOG_FMT_JSON) {
        _cleanup_free_ char *m = json_quote(msg);
        char en[32] = "";
        if (errnum > 0)
            snprintf(en, sizeof(en), ",\"errno\":%d", errnum);
        if (us >= 0)
            snprintf(el, sizeof(el), ",\"elapsed_us\":%ld", us);
        line = xasprintf("{\"level\":\"%s\",\"msg\":%s%s%s,\"time\":\"%s\"}\n",
                         lvl == LOG_WARN ? "warning" : level_name[lvl], m, en, el, tbuf);
    } else if (logger.fd >= 0) {
        _cleanup_free_ char *m = json_quote(msg);
        if (us >= 0)
            snprintf(el, sizeof(el), " elapsed_us=%ld", us);
        line = xasprintf("time=\"%s\" level=%s msg=%s%s\n", tbuf, level_name[lvl], m, el);
    } else if (lvl == LOG_ERROR) {
        /* "rbox run: unknown flag ..." names the program already: never "rbox: rbox run: ..." */
        size_t pl = strlen(logger.prog);
        bool named = strncmp(msg, logger.prog, pl) == 0 && (msg[pl] == ' ' || msg[pl] == ':');
        line = named ? xasprintf("%s\n", msg) : xasprintf("%s: %s\n", logger.prog, msg);
    } else if (us >= 0) {
        line = xasprintf("%s: %s: %s (+%ld us)\n", logger.prog, level_name[lvl], msg, us);
    } else {
        line = xasprintf("%s: %s: %s\n", logger.prog, level_name[lvl], msg);
    }
    int fd = logger.fd >= 0 ? logger.fd : STDERR_FILENO;
    ssize_t r = write_all(fd, line, strlen(line));
    (void)r;
    free(line);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if (lvl == LOG_DEBUG && !logger.debug)
        return;
    int saved = errno;
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        va_end(ap);
        return;
    }
    va_end(ap);
    emit(lvl, 0, msg);
    free(msg);
    errno = saved;
}

void log_err_free(rbox_err *err)
{
    if (err == NULL)
        return;
    int saved = errno;
    emit(LOG_ERROR, err->errnum, err->msg);
    rbox_err_free(err);
    errno = saved;
}
