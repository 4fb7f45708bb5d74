/* devices.h - the container's /dev: default nodes, linux.devices, standard symlinks. */
#ifndef RBOX_DEVICES_H
#define RBOX_DEVICES_H

#include "config.h"
#include "error.h"

/* Create /dev/{null,zero,full,random,urandom,tty}, the config's linux.devices, the symlinks
 * fd/stdin/stdout/stderr/ptmx/core and /dev/shm. In a user namespace (no mknod) the host nodes
 * are bind-mounted instead. Skipped when /dev is a bind mount of the host's /dev. */
int devices_setup(int rootfd, const struct rbox_config *cfg, bool userns, rbox_err **err);

#endif
