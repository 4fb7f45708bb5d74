/* rootless.h - rbox run by an ordinary user (docs/rootless.md).
 *
 * The store moves to the user's dirs ($XDG_DATA_HOME/rbox, $XDG_RUNTIME_DIR/rbox or a private
 * /tmp/rbox-run-<uid>, $XDG_CONFIG_HOME/rbox/rbox.conf), and rbox enters the user's rootless
 * namespaces before it opens the store: one user namespace (the user as root, the ranges of
 * /etc/subuid and /etc/subgid above it, written by newuidmap/newgidmap) and one mount namespace,
 * held by a small pause process (<runroot>/pause.pid), as with podman. Inside them the manager
 * works as it does for root: overlay mounts, chown of image layers to the mapped owners,
 * rbox-runtime as root of that namespace.
 */
#ifndef RBOX_ROOTLESS_H
#define RBOX_ROOTLESS_H

#include "error.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One range of /etc/subuid or /etc/subgid. */
struct subid_range {
    uint32_t start, count;
};

/* Called once at start-up, before anything else: true when the caller is not root (then every
 * rootless_* below applies). */
bool rootless_init(void);
/* Was rbox started by an ordinary user (even once inside its namespaces, where euid is 0)? */
bool rootless(void);
/* The user's real uid/gid and name (valid once rootless_init returned true). */
uid_t rootless_uid(void);
gid_t rootless_gid(void);
/* The default store, run dir and configuration file of the user (allocated). The run dir is
 * created (0700) and refused when it belongs to someone else or others may enter it. */
int rootless_dirs(char **root, char **runroot, rbox_err **err);
char *rootless_conf_path(void);
/* The user's ranges in /etc/subuid (uid true) or /etc/subgid: 0 with *n == 0 when none. */
int rootless_subids(bool uid, struct subid_range **out, size_t *n, rbox_err **err);
/* A cgroup v2 subtree the host delegates to the user (writable, systemd's user slice): the
 * parent for the containers' cgroups in *parent (allocated, relative to the cgroup root), or
 * false with *why saying what is missing (static text). */
bool rootless_cgroup_delegated(char **parent, const char **why);
/* --userns keep-id: the maps of the container's own user namespace, in the ids of the rootless
 * namespace (the user's uid maps to itself, root and the rest to the ids around it): *out
 * (allocated) gets {inside, outside, count} ranges; returns how many (0: the user's
 * subordinate range is smaller than the user's id). */
size_t rootless_keepid_map(bool uid, uint32_t (**out)[3]);
/* Join (creating them if needed) the user's rootless user and mount namespaces. When the pause
 * process is gone, a live monitor of the store at root holds them instead. */
int rootless_enter(const char *root, const char *runroot, rbox_err **err);

#endif
