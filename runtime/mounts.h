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
    int dev_ro_fd;     /* a read-only /dev, mounted read-write until mounts_dev_readonly() */
    int *bind_fds;     /* per config mount: a bind source opened by the runtime, or -1 */
    bool host_mountns; /* no mount namespace: the runtime's is shared (never touch its /) */
};

/* In the runtime, before clone, for a container with a new user namespace: open every bind
 * source as a detached mount (open_tree), with its flags applied, as runc does, so that sources
 * the container's root (an unprivileged host uid) cannot reach still mount. *fds gets one entry
 * per config mount (-1 for the others); free with mounts_close_bind_sources(). */
int mounts_open_bind_sources(const struct rbox_config *cfg, int **fds, rbox_err **err);
void mounts_close_bind_sources(int *fds, size_t n);

/* Make / a slave (or rootfsPropagation) tree and bind the rootfs onto itself; opens rootfd. */
int mounts_prepare_root(struct mount_env *env, rbox_err **err);
/* Every config mount, in order. */
int mounts_setup(struct mount_env *env, rbox_err **err);
/* Make a read-only /dev read-only, once the mounts inside it and the devices are made (as
 * runc); closes env->dev_ro_fd. */
int mounts_dev_readonly(struct mount_env *env, rbox_err **err);
/* maskedPaths and readonlyPaths (resolved in the rootfs). */
int mounts_mask_and_readonly(struct mount_env *env, rbox_err **err);
/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot), then readonly root and
 * rootfsPropagation. */
int mounts_pivot(struct mount_env *env, bool no_pivot, rbox_err **err);
/* --no-pivot in a new user namespace (mounts_nopivot.c): is the step below needed, and the step
 * itself, run before the user namespace is created: a private mount namespace in which the
 * host's procfs and sysfs mounts get covers that the user namespace's copy locks, so that they
 * are not "fully visible" to it (the kernel then refuses a fresh procfs or sysfs). */
bool mounts_nopivot_lock_needed(const struct rbox_config *cfg, bool no_pivot, bool new_userns);
int mounts_nopivot_lock_host(const struct rbox_config *cfg, rbox_err **err);
/* true when the config bind-mounts /dev (then no default devices are created) */
bool mounts_dev_is_bind(const struct rbox_config *cfg);
/* Bind a host file/dir onto a path inside the rootfs (devices in a user namespace, consoles). */
int mount_bind_into_root(int rootfd, const char *host_path, const char *dest, bool is_dir,
                         rbox_err **err);

#endif
