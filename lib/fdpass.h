/* fdpass.h - passing one file descriptor over a unix socket (SCM_RIGHTS), both directions. */
#ifndef RBOX_FDPASS_H
#define RBOX_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* One sendmsg of len bytes of data with passfd attached, retried on EINTR, no SIGPIPE.
 * Returns the bytes sent, or -1 with errno. */
ssize_t send_fd(int sock, const void *data, size_t len, int passfd);

/* One recvmsg of at most len bytes, retried on EINTR. *passfd gets the descriptor that came with
 * the message (close-on-exec), or -1 when none did; any further descriptors are closed. The
 * control buffer has room for SCM_CREDENTIALS too, for sockets with SO_PASSCRED. Returns the bytes
 * received (0 at EOF), or -1 with errno. */
ssize_t recv_fd(int sock, void *data, size_t len, int *passfd);

#endif
