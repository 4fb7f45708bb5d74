/* events.c - appending to the store's event log (events.h). */
#define _GNU_SOURCE
#include "events.h"
#include "ctrstate.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* s as a JSON string body into out (at most len - 1 bytes; cut whole escapes only). */
static size_t escape(const char *s, char *out, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p && n + 7 < len; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, len - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n] = '\0';
    return n;
}

void event_append(const char *store_root, const char *type, const char *action, const char *id,
                  const char *const *attrs)
{
    char line[8192]; /* on the stack: the API service appends from several threads */
    char esc[1024], path[PATH_MAX];
    int64_t now = now_ns_realtime();
    size_t n = 0, len = sizeof(line) - 2;
    const char *from = NULL;
    for (size_t i = 0; attrs && attrs[i] && attrs[i + 1]; i += 2)
        if (strcmp(attrs[i], "image") == 0)
            from = attrs[i + 1];
#define ADD(...)                                                   \
    do {                                                           \
        if (n < len)                                               \
            n += (size_t)snprintf(line + n, len - n, __VA_ARGS__); \
    } while (0)
    escape(type, esc, sizeof(esc));
    ADD("{\"Type\":\"%s\"", esc);
    escape(action, esc, sizeof(esc));
    ADD(",\"Action\":\"%s\",\"status\":\"%s\"", esc, esc);
    escape(id, esc, sizeof(esc));
    ADD(",\"id\":\"%s\",\"Actor\":{\"ID\":\"%s\",\"Attributes\":{", esc, esc);
    for (size_t i = 0; attrs && attrs[i] && attrs[i + 1]; i += 2) {
        escape(attrs[i], esc, sizeof(esc));
        ADD("%s\"%s\":", i ? "," : "", esc);
        escape(attrs[i + 1], esc, sizeof(esc));
        ADD("\"%s\"", esc);
    }
    ADD("}}");
    if (from) {
        escape(from, esc, sizeof(esc));
        ADD(",\"from\":\"%s\"", esc);
    }
    ADD(",\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}", (long long)(now / 1000000000),
        (long long)now);
#undef ADD
    if (n >= len)
        return; /* a line that does not fit is not written half */
    line[n++] = '\n';
    snprintf(path, sizeof(path), "%s/%s", store_root, EVENTS_FILE);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > EVENTS_MAX_BYTES) {
        /* whoever renames first wins; a writer holding the old file finishes its line there */
        char old[PATH_MAX + 2];
        snprintf(old, sizeof(old), "%s.1", path);
        rename(path, old);
        close(fd);
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return;
    }
    ssize_t w = write(fd, line, n);
    (void)w;
    close(fd);
}
