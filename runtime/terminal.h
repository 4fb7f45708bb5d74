/* terminal.h - process.terminal: a pty from the container's devpts, the slave as the process's
 * controlling terminal and stdio, the master sent over --console-socket (SCM_RIGHTS). */
#ifndef RBOX_TERMINAL_H
#define RBOX_TERMINAL_H

#include "config.h"
#include "error.h"

/* Runtime side, before clone: connect to the console socket (fd returned). */
int terminal_connect_socket(const char *path, rbox_err **err);
/* Init side, after pivot_root: open the pty, send the master over sockfd, make the slave the
 * controlling terminal and fds 0-2. */
int terminal_setup(const struct rbox_process *p, int sockfd, rbox_err **err);

/* Same; console=false leaves /dev/console alone (exec into a running container). */
int terminal_setup_ex(const struct rbox_process *p, int sockfd, bool console, rbox_err **err);
/* Foreground run/exec without --console-socket: a socketpair whose `theirs` end plays the
 * console socket for the container, `ours` receives the master. */
int terminal_socketpair(int *ours, int *theirs, rbox_err **err);
/* Receive the pty master sent by terminal_setup (O_CLOEXEC). */
int terminal_recv_master(int sock, int *master, rbox_err **err);

#endif
