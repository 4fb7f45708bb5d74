/* timearg.c - the time values of --since and --until (logs, events): timearg.h. */
#define _GNU_SOURCE
#include "timearg.h"
#include "ctrstate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" -> ns since the epoch; -1 when malformed. */
int parse_rfc3339(const char *s, size_t len, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char buf[64];
    if (len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *p = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL) {
        p = strptime(buf, "%Y-%m-%d", &tm);
        if (p == NULL || *p)
            return -1;
        *out = (int64_t)timegm(&tm) * 1000000000;
        return 0;
    }
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; isdigit((unsigned char)*p); p++)
            if (digits++ < 9)
                frac = frac * 10 + (*p - '0');
        for (; digits < 9; digits++)
            frac *= 10;
    }
    int64_t off = 0;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
        int h = 0, m = 0;
        if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2)
            return -1;
        off = (int64_t)(h * 3600 + m * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
    return 0;
}

int time_arg_parse(const char *v, const char *flag, int64_t *out, rbox_err **err)
{
    if (parse_rfc3339(v, strlen(v), out) == 0)
        return 0;
    char *end;
    errno = 0;
    double secs = strtod(v, &end);
    if (end != v && *end == '\0' && errno == 0 && secs >= 0 && isdigit((unsigned char)v[0])) {
        *out = secs > 9e9 ? INT64_MAX : (int64_t)(secs * 1e9);
        return 0;
    }
    /* a duration: 1h30m, 10m, 45s, 500ms */
    int64_t total = 0;
    const char *p = v;
    bool any = false;
    while (*p) {
        double n = strtod(p, &end);
        if (end == p || n < 0)
            break;
        int64_t unit;
        if (strncmp(end, "ms", 2) == 0)
            unit = 1000000, end += 2;
        else if (*end == 's')
            unit = 1000000000, end++;
        else if (*end == 'm')
            unit = 60ll * 1000000000, end++;
        else if (*end == 'h')
            unit = 3600ll * 1000000000, end++;
        else
            break;
        total += (int64_t)(n * (double)unit);
        p = end;
        any = true;
    }
    if (!any || *p)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for %s: expected a timestamp (RFC 3339 or "
                          "Unix seconds) or a duration such as 10m",
                          v, flag);
    *out = now_ns_realtime() - total;
    return 0;
}
