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

#endif
