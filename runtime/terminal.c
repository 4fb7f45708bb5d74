/* terminal.c - the container's pty (process.terminal) and the console socket. */
#define _GNU_SOURCE
#include "terminal.h"
#include "fdpass.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "mountapi.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int terminal_connect_socket(const char *path, rbox_err **err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    _cleanup_close_ int dirfd = -1;
    if (strlen(path) < sizeof(sa.sun_path)) {
        strcpy(sa.sun_path, path);
    } else {
        /* long paths: connect through the directory's fd */
        _cleanup_free_ char *dir = path_dirname(path);
        dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
            return rbox_error(err, errno, "--console-socket %s", path);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd,
                 path_basename(path));
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rbox_error(err, errno, "--console-socket: socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int saved = errno;
        close(fd);
        return rbox_error(err, saved, "--console-socket: connecting to %s", path);
    }
    return fd;
}

/* /dev/console: the pty slave bind-mounted over it (as runc does). */
static int bind_console(const char *slave, rbox_err **err)
{
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    rbox_err *ignored = NULL;
    _cleanup_close_ int target = mkfile_in_root(root, "/dev/console", 0600, &ignored);
    if (target < 0) {
        /* a read-only /dev: the console is a convenience, not worth failing for */
        rbox_err_free(ignored);
        return 0;
    }
    _cleanup_close_ int mfd = open_tree(AT_FDCWD, slave, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (mfd < 0)
        return rbox_error(err, errno, "bind %s on /dev/console", slave);
    if (move_mount(mfd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return rbox_error(err, errno, "bind %s on /dev/console", slave);
    return 0;
}

int terminal_setup(const struct rbox_process *p, int sockfd, rbox_err **err)
{
    return terminal_setup_ex(p, sockfd, true, err);
}

int terminal_setup_ex(const struct rbox_process *p, int sockfd, bool console, rbox_err **err)
{
    _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return rbox_error(err, errno, "opening /dev/ptmx (is devpts mounted at /dev/pts?)");
    if (unlockpt(master) < 0)
        return rbox_error(err, errno, "unlockpt");
    char name[128];
    if (ptsname_r(master, name, sizeof(name)) != 0)
        return rbox_error(err, errno, "ptsname");
    _cleanup_close_ int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return rbox_error(err, errno, "opening %s", name);
    if (p->console_height.set || p->console_width.set) {
        struct winsize ws = { .ws_row = (unsigned short)p->console_height.v,
                              .ws_col = (unsigned short)p->console_width.v };
        if (ioctl(master, TIOCSWINSZ, &ws) < 0)
            return rbox_error(err, errno, "setting the console size");
    } else {
        /* a foreground run/exec from a terminal: its size, before the process can ask */
        struct winsize ws;
        if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
            ioctl(master, TIOCSWINSZ, &ws);
    }
    if (console && bind_console(name, err) < 0)
        return -1;
    if (send_fd(sockfd, name, strlen(name), master) < 0)
        return rbox_error(err, errno, "sending the pty master over the console socket");
    if (setsid() < 0 && errno != EPERM)
        return rbox_error(err, errno, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return rbox_error(err, errno, "making %s the controlling terminal", name);
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            return rbox_error(err, errno, "dup2 of the pty slave");
    return 0;
}

int terminal_socketpair(int *ours, int *theirs, rbox_err **err)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return rbox_error(err, errno, "console socketpair");
    *ours = sp[0];
    *theirs = sp[1];
    return 0;
}

int terminal_recv_master(int sock, int *master, rbox_err **err)
{
    char name[128];
    ssize_t r = recv_fd(sock, name, sizeof(name) - 1, master);
    if (r < 0)
        return rbox_error(err, errno, "receiving the pty master");
    if (*master < 0)
        return rbox_error(err, 0, "the container did not send its pty master");
    return 0;
}
