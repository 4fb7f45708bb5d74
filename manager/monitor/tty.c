/* tty.c - rbox-monitor's side of the container's input: the pty master (a container
 * with process.terminal, received over the console socket) or the write end of its stdin pipe
 * (-i without -t). Attach clients feed it ('I', 'C'), resize it ('W'); what the pty prints is
 * logged as stdout with "\r\n" turned back into "\n".
 *
 * Fixed memory, like the rest of the monitor: one input buffer of PROTO_DATA_MAX bytes. While it
 * holds data the monitor reads no client message (back-pressure on the clients, never
 * unbounded buffering); a client always keeps reading output, so nobody waits on anybody.
 */
#define _GNU_SOURCE
#include "fdpass.h"
#include "monitor.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static struct {
    bool tty, open_stdin;
    int master;       /* pty master, -1 when none or after the last slave closed */
    int in_r, in_w;   /* stdin pipe (-i without -t) */
    int console;      /* listening console socket while the container is created */
    bool close_after; /* 'C' came while input was still queued */
    unsigned short rows, cols;
    size_t inlen;
    char inbuf[PROTO_DATA_MAX];
    bool cr; /* the last tty chunk ended in '\r' (held back for the log) */
} t = { .master = -1, .in_r = -1, .in_w = -1, .console = -1 };

int mtty_init(bool tty, bool open_stdin)
{
    t.tty = tty;
    t.open_stdin = open_stdin;
    if (tty || !open_stdin)
        return 0;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    t.in_r = p[0];
    t.in_w = p[1];
    fcntl(t.in_w, F_SETFL, O_NONBLOCK);
    return 0;
}

int mtty_child_stdin(void)
{
    return t.in_r;
}

int mtty_console_listen(int runfd)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", runfd, CONSOLE_SOCKET);
    unlinkat(runfd, CONSOLE_SOCKET, 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    t.console = fd;
    return 0;
}

/* The runtime connected and sent the master during `create`; the connection is queued. */
int mtty_receive_master(int runfd, int timeout_ms)
{
    int lfd = t.console, conn = -1, master = -1;
    t.console = -1;
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    if (lfd >= 0 && poll(&p, 1, timeout_ms) == 1)
        conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (conn >= 0) {
        char name[128];
        p = (struct pollfd){ .fd = conn, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) == 1 && recv_fd(conn, name, sizeof(name), &master) <= 0 &&
            master >= 0) {
            close(master);
            master = -1;
        }
        close(conn);
    }
    if (lfd >= 0)
        close(lfd);
    unlinkat(runfd, CONSOLE_SOCKET, 0);
    if (master < 0)
        return -1;
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    t.master = master;
    if (t.rows && t.cols)
        mtty_resize(t.rows, t.cols);
    return 0;
}

void mtty_after_create(void)
{
    if (t.in_r >= 0)
        close(t.in_r);
    t.in_r = -1;
}

int mtty_master(void)
{
    return t.master;
}

void mtty_master_closed(void)
{
    if (t.master >= 0)
        close(t.master);
    t.master = -1;
    t.inlen = 0;
}

/* Where input goes: the master, or the stdin pipe. */
static int *target(void)
{
    return t.tty ? &t.master : &t.in_w;
}

int mtty_input_fd(void)
{
    return t.inlen ? *target() : -1;
}

bool mtty_input_pending(void)
{
    return t.inlen > 0 && *target() >= 0;
}

static void close_input(void)
{
    int *fd = target();
    if (!t.tty && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    t.inlen = 0;
    t.close_after = false;
}

/* Write what the target takes now; keep the rest (the caller stops reading clients). */
static void push(const char *data, size_t len)
{
    int fd = *target();
    size_t done = 0;
    while (fd >= 0 && done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        close_input(); /* EPIPE or EIO: the reader is gone */
        return;
    }
    if (fd >= 0 && done < len) {
        memmove(t.inbuf, data + done, len - done);
        t.inlen = len - done;
    }
}

void mtty_input(const char *data, size_t len)
{
    if (!t.open_stdin || len == 0 || len > sizeof(t.inbuf))
        return;
    if (t.inlen) { /* only when the clients were read anyway (the hello) */
        if (t.inlen + len > sizeof(t.inbuf))
            return;
        memcpy(t.inbuf + t.inlen, data, len);
        t.inlen += len;
        return;
    }
    push(data, len);
}

void mtty_flush_input(void)
{
    size_t len = t.inlen;
    t.inlen = 0;
    if (len)
        push(t.inbuf, len); /* push() moves the remainder to the front itself */
    if (t.inlen == 0 && t.close_after)
        close_input();
}

void mtty_close_stdin(void)
{
    if (t.tty)
        return; /* a terminal has no end of input; the client stops sending */
    if (t.inlen)
        t.close_after = true;
    else
        close_input();
}

void mtty_resize(unsigned rows, unsigned cols)
{
    if (rows == 0 || cols == 0 || rows > 65535 || cols > 65535)
        return;
    t.rows = (unsigned short)rows;
    t.cols = (unsigned short)cols;
    struct winsize ws = { .ws_row = t.rows, .ws_col = t.cols };
    if (t.master >= 0)
        ioctl(t.master, TIOCSWINSZ, &ws);
}

size_t mtty_log_text(char *buf, size_t len)
{
    size_t w = 0;
    if (t.cr && (len == 0 || buf[0] != '\n')) {
        /* the held-back '\r' was not part of "\r\n": put it back (buf has room before it) */
        memmove(buf + 1, buf, len);
        buf[0] = '\r';
        len++;
    }
    t.cr = false;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
            continue;
        if (buf[i] == '\r' && i + 1 == len) {
            t.cr = true;
            break;
        }
        buf[w++] = buf[i];
    }
    return w;
}
