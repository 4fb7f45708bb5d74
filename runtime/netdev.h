/* netdev.h - linux.netDevices (runtime-spec 1.3): host interfaces moved into the container. */
#ifndef RBOX_NETDEV_H
#define RBOX_NETDEV_H

#include "config.h"
#include "error.h"

#include <sys/types.h>

/* Runtime side, once the init's network namespace exists: move each listed host interface into
 * the container's network namespace (netns_fd when it is joined by path, else pid's), renamed to
 * its `name` (one RTM_NEWLINK each). Addresses are not carried over (the kernel drops them). */
int netdev_move(const struct rbox_linux *l, pid_t pid, int netns_fd, rbox_err **err);
/* Init side, in the container's network namespace: bring the moved interfaces up. */
int netdev_up(const struct rbox_linux *l, rbox_err **err);

#endif
