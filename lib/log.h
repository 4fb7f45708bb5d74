/* log.h - one logger per program: stderr or --log FILE, text or JSON lines (runc's shape). */
#ifndef RBOX_LOG_H
#define RBOX_LOG_H

#include "error.h"
#include <stdbool.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_FMT_TEXT = 0, LOG_FMT_JSON };

/* prog: name used as prefix on stderr; path NULL means stderr. Returns -1 on open failure. */
int log_init(const char *prog, const char *path, enum log_format fmt, bool debug, rbox_err **err);
bool log_debug_enabled(void);
void log_msg(enum log_level lvl, const char *fmt, ...) PRINTF(2, 3);
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                       \
    do {                                     \
        if (log_debug_enabled())             \
            log_msg(LOG_DEBUG, __VA_ARGS__); \
    } while (0)
/* Print an error (the CLI layer's single print) and free it. */
void log_err_free(rbox_err *err);

#endif
