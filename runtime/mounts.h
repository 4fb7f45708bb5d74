/* mounts.h - building the container's mount tree, pivot_root, masked and read-only paths.
 *
 * Everything runs in the init, in its new mount namespace, before pivot_root: every destination
 * is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT) and mounts are attached to that fd with
 * the new mount API (fsopen/fsmount/open_tree/mount_setattr/move_mount), so a symlink in the
 * rootfs - or one swapped in by another container sharing a volume - cannot send a mount outside.
 */
#ifndef RBOX_MOUNTS_H
#define RBOX_MOUNTS_H

#include "cgroup.h"
#include "config.h"
#include "error.h"

struct mount_env {
    const struct rbox_config *cfg;
    int rootfd;        /* O_PATH fd of the rootfs mount, set by mounts_prepare_root() */
    bool userns;       /* in a new user namespace: bind devices, keep locked flags */
    bool new_cgroupns; /* cgroup mounts may mount the filesystem instead of binding */
    bool new_netns;    /* sysfs may be mounted fresh */
    struct cgroup *cg; /* the container's cgroup (NULL when none) */
    bool host_mountns; /* no mount namespace: the runtime's is shared (never touch its /) */
};

/* Make / a slave (or rootfsPropagation) tree and bind the rootfs onto itself; opens rootfd. */
int mounts_prepare_root(struct mount_env *env, rbox_err **err);
/* Every config mount, in order. */
int mounts_setup(struct mount_env *env, rbox_err **err);
/* maskedPaths and readonlyPaths (resolved in the rootfs). */
int mounts_mask_and_readonly(struct mount_env *env, rbox_err **err);
/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot), then readonly root and
 * rootfsPropagation. */
int mounts_pivot(struct mount_env *env, bool no_pivot, rbox_err **err);
/* true when the config bind-mounts /dev (then no default devices are created) */
bool mounts_dev_is_bind(const struct rbox_config *cfg);
/* Bind a host file/dir onto a path inside the rootfs (devices in a user namespace, consoles). */
int mount_bind_into_root(int rootfd, const char *host_path, const char *dest, bool is_dir,
                         rbox_err **err);

#endif
