/* io.c - rbox-monitor's log writer and attach server. Fixed memory, no allocation. */
#define _GNU_SOURCE
#include "monitor.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void logw_start(struct logw *w)
{
    off_t end = w->fd >= 0 ? lseek(w->fd, 0, SEEK_END) : -1;
    w->off = w->safe = end > 0 ? end : 0;
    w->bsafe = -1;
}

/* A full disk loses log lines, never the container, and never leaves a torn record: what a
 * failed write left is cut back to the last safe boundary (a truncation needs no space). */
static void logw_flush(struct logw *w)
{
    size_t done = 0;
    while (w->n && w->fd >= 0 && !w->failed && done < w->n) {
        ssize_t r = write(w->fd, w->buf + done, w->n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            w->failed = r < 0 ? errno : ENOSPC;
            int64_t keep = w->bsafe >= 0 && (size_t)w->bsafe <= done ? w->off + w->bsafe : w->safe;
            if (ftruncate(w->fd, keep) == 0)
                w->off = keep;
            break;
        }
        done += (size_t)r;
    }
    if (!w->failed) {
        if (w->bsafe >= 0)
            w->safe = w->off + w->bsafe;
        w->off += (int64_t)w->n;
    }
    w->n = 0;
    w->bsafe = -1;
}

static void logw_put(struct logw *w, const char *s, size_t len)
{
    while (len) {
        if (w->n == sizeof(w->buf))
            logw_flush(w);
        size_t k = sizeof(w->buf) - w->n;
        if (k > len)
            k = len;
        memcpy(w->buf + w->n, s, k);
        w->n += k;
        s += k;
        len -= k;
    }
}

/* ctr.log reached max-size: ctr.log.N-2 -> .N-1, ..., ctr.log -> ctr.log.1 and a new ctr.log
 * (max-file 1: the file starts over). A reader holding the old file reads it to its end. */
static void logw_rotate(struct logw *w)
{
    char from[32], to[32];
    if (w->max_file <= 1) {
        if (ftruncate(w->fd, 0) == 0)
            w->off = w->safe = 0;
        return;
    }
    for (int k = w->max_file - 1; k >= 1; k--) {
        if (k == 1)
            snprintf(from, sizeof(from), "ctr.log");
        else
            snprintf(from, sizeof(from), "ctr.log.%d", k - 1);
        snprintf(to, sizeof(to), "ctr.log.%d", k);
        renameat(w->dirfd, from, w->dirfd, to);
    }
    int fd = openat(w->dirfd, "ctr.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        w->failed = errno; /* the next lines cannot be kept: State.Error says so */
        return;
    }
    close(w->fd);
    w->fd = fd;
    w->off = w->safe = 0;
}

void logw_chunk(struct logw *w, const char *stream, const char *data, size_t len)
{
    if (w->failed)
        return; /* the rest of this run is missing from the log (State.Error says so) */
    struct timespec now;
    char ts[48];
    clock_gettime(CLOCK_REALTIME, &now);
    format_time_rfc3339(&now, ts, sizeof(ts));
    size_t tslen = strlen(ts), slen = strlen(stream);
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        logw_put(w, ts, tslen);
        logw_put(w, " ", 1);
        logw_put(w, stream, slen);
        logw_put(w, nl ? " F " : " P ", 3);
        logw_put(w, data + i, end - i);
        logw_put(w, "\n", 1);
        i = end + (nl ? 1 : 0);
        w->open_p[stream[3] == 'e'] = nl == NULL; /* "stderr"[3] */
        if (!w->open_p[0] && !w->open_p[1])
            w->bsafe = (long)w->n;
        /* --log-opt max-size: per record, as docker's json-file (one read holds many lines) */
        if (w->max_size > 0 && w->off + (int64_t)w->n >= w->max_size) {
            logw_flush(w);
            if (w->failed)
                return;
            logw_rotate(w);
        }
    }
    logw_flush(w);
}

void srv_init(struct srv *s, int listen_fd)
{
    s->listen_fd = listen_fd;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        s->c[i].fd = -1;
        s->c[i].plen = 0;
    }
}

static void drop(struct srv *s, int i)
{
    close(s->c[i].fd);
    s->c[i].fd = -1;
    s->c[i].plen = 0;
    s->c[i].hello = false;
    s->c[i].flags = 0;
}

void srv_accept(struct srv *s)
{
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int slot = -1;
        for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
            if (s->c[i].fd < 0)
                slot = i;
        if (slot < 0) {
            close(fd);
            continue;
        }
        s->c[slot].fd = fd;
        s->c[slot].hello = false;
        s->c[slot].flags = 0;
        s->c[slot].plen = 0;
        /* the hello (and a first resize) is usually queued already: foreground run sends it
         * before "go" */
        for (int k = 0; k < 4 && s->c[slot].fd >= 0 && !mtty_input_pending(); k++)
            srv_read(s, slot);
    }
}

static void send_to(struct srv *s, int i, const char *msg, size_t len)
{
    ssize_t r = send(s->c[i].fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r == (ssize_t)len)
        return;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        memcpy(s->c[i].pend, msg, len);
        s->c[i].plen = len;
        return;
    }
    drop(s, i);
}

void srv_forward(struct srv *s, char type, const char *data, size_t len)
{
    static char msg[PROTO_MSG_MAX];
    unsigned want = type == MSG_STDOUT ? ATTACH_STDOUT : ATTACH_STDERR;
    if (len > PROTO_DATA_MAX)
        len = PROTO_DATA_MAX;
    msg[0] = type;
    memcpy(msg + 1, data, len);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (s->c[i].fd >= 0 && (s->c[i].flags & want))
            send_to(s, i, msg, len + 1);
}

bool srv_any_pending(const struct srv *s)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (s->c[i].fd >= 0 && s->c[i].plen)
            return true;
    return false;
}

void srv_flush(struct srv *s, int i)
{
    if (s->c[i].fd < 0 || s->c[i].plen == 0)
        return;
    size_t len = s->c[i].plen;
    s->c[i].plen = 0;
    send_to(s, i, s->c[i].pend, len);
}

/* The hello: flags, then " rows cols" when the client drives the terminal size. */
static void hello(struct srv *s, int i, const char *msg, ssize_t n)
{
    s->c[i].flags = (unsigned char)msg[1];
    s->c[i].hello = true;
    unsigned rows, cols;
    if ((s->c[i].flags & ATTACH_RESIZE) && n > 2 && sscanf(msg + 2, " %u %u", &rows, &cols) == 2)
        mtty_resize(rows, cols);
}

int srv_read(struct srv *s, int i)
{
    static char msg[PROTO_MSG_MAX + 1];
    ssize_t n = recv(s->c[i].fd, msg, PROTO_MSG_MAX, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (n <= 0 || msg[0] == MSG_DETACH) {
        drop(s, i);
        return 0;
    }
    msg[n] = '\0';
    unsigned rows, cols;
    int sig;
    switch (msg[0]) {
    case MSG_HELLO:
        if (n >= 2)
            hello(s, i, msg, n);
        break;
    case MSG_KILL:
        if (parse_int(msg + 1, &sig) == 0 && sig > 0 && sig < 65)
            return sig;
        break;
    case MSG_INPUT:
        if (s->c[i].flags & ATTACH_STDIN)
            mtty_input(msg + 1, (size_t)n - 1);
        break;
    case MSG_CLOSE:
        if (s->c[i].flags & ATTACH_STDIN)
            mtty_close_stdin();
        break;
    case MSG_RESIZE:
        if (sscanf(msg + 1, "%u %u", &rows, &cols) == 2)
            mtty_resize(rows, cols);
        break;
    case MSG_EXEC: monitor_exec_request(s, i, msg + 1, (size_t)n - 1); break;
    case MSG_HEALTH: hc_request(s, i); break;
    }
    return 0;
}

void srv_send(struct srv *s, int i, const char *msg, size_t len)
{
    if (s->c[i].fd >= 0 && s->c[i].plen == 0)
        send_to(s, i, msg, len);
}

void srv_finish(struct srv *s, int exit_code, int signal)
{
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "%c%d %d", MSG_EXIT, exit_code, signal);
    struct timeval tv = { .tv_sec = 2 };
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (s->c[i].fd < 0)
            continue;
        int fl = fcntl(s->c[i].fd, F_GETFL);
        fcntl(s->c[i].fd, F_SETFL, fl & ~O_NONBLOCK);
        setsockopt(s->c[i].fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (s->c[i].plen &&
            send(s->c[i].fd, s->c[i].pend, s->c[i].plen, MSG_NOSIGNAL) != (ssize_t)s->c[i].plen) {
            drop(s, i);
            continue;
        }
        s->c[i].plen = 0;
        (void)send(s->c[i].fd, msg, (size_t)n, MSG_NOSIGNAL);
        /* closing with the client's input still unread would reset its connection, and the
         * reset can reach it before the exit message does: read what it sent until it closes
         * (it does once it has the exit), 200 ms at the most */
        shutdown(s->c[i].fd, SHUT_WR);
        struct timeval rt = { .tv_usec = 200000 };
        setsockopt(s->c[i].fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
        char sink[PROTO_MSG_MAX];
        while (recv(s->c[i].fd, sink, sizeof(sink), 0) > 0)
            ;
        drop(s, i);
    }
}
