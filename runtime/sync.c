/* sync.c - messages of the runtime <-> init protocol (see sync.h for the steps). */
#define _GNU_SOURCE
#include "sync.h"
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int sync_send(int fd, enum sync_type type, int32_t value, const char *text)
{
    struct sync_msg m;
    m.type = type;
    m.value = value;
    size_t len = 0;
    if (text) {
        len = strnlen(text, SYNC_MSG_MAX - 1);
        memcpy(m.text, text, len);
    }
    m.text[len] = '\0';
    size_t size = offsetof(struct sync_msg, text) + len + 1;
    ssize_t r;
    do {
        r = send(fd, &m, size, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

int sync_recv(int fd, struct sync_msg *m)
{
    ssize_t r;
    do {
        r = recv(fd, m, sizeof(*m), 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    if ((size_t)r < offsetof(struct sync_msg, text) + 1) {
        errno = EPROTO;
        return -1;
    }
    m->text[SYNC_MSG_MAX - 1] = '\0';
    return 1;
}

int sync_expect(int fd, enum sync_type want, struct sync_msg *m, rbox_err **err)
{
    int r = sync_recv(fd, m);
    if (r < 0)
        return rbox_error(err, errno, "reading from the container init");
    if (r == 0)
        return rbox_error(err, 0, "container init exited unexpectedly");
    if (m->type == SYNC_ERROR)
        return rbox_error_raw(err, m->value, m->text);
    if (m->type != (int32_t)want)
        return rbox_error(err, 0, "protocol error: expected message %d, got %d", want, m->type);
    return 0;
}

int sync_send_fd(int fd, enum sync_type type, int passfd)
{
    struct sync_msg m = { .type = type, .value = 0 };
    m.text[0] = '\0';
    return send_fd(fd, &m, offsetof(struct sync_msg, text) + 1, passfd) < 0 ? -1 : 0;
}

int sync_recv_fd(int fd, struct sync_msg *m, int *passfd)
{
    ssize_t r = recv_fd(fd, m, sizeof(*m), passfd);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    if ((size_t)r < offsetof(struct sync_msg, text) + 1) {
        errno = EPROTO;
        return -1;
    }
    m->text[SYNC_MSG_MAX - 1] = '\0';
    return 1;
}

void sync_send_error(int fd, const rbox_err *err)
{
    sync_send(fd, SYNC_ERROR, err ? err->errnum : 0, err ? err->msg : "unknown error");
}
