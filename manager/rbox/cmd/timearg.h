/* timearg.h - docker's time arguments: an RFC 3339 timestamp, Unix seconds (with a fraction),
 * or a duration back from now (10m, 1h30m, 45s, 500ms). */
#ifndef RBOX_TIMEARG_H
#define RBOX_TIMEARG_H

#include "error.h"
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" or "YYYY-MM-DD" -> ns since the epoch. */
int parse_rfc3339(const char *s, size_t len, int64_t *out);
/* v as one of the forms above -> ns since the epoch; the error names flag. */
int time_arg_parse(const char *v, const char *flag, int64_t *out, rbox_err **err);

#endif
