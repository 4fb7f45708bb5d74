/* hostmounts.h - a container without a mount namespace of its own (linux.namespaces has no
 * "mount"): its init mounts in the runtime's mount namespace, so the runtime must take back
 * what it mounted (runc leaves it on the host).
 *
 * The init bind-mounts the rootfs onto itself and mounts everything else beneath that bind, so
 * one MNT_DETACH of that bind takes it all. The runtime identifies mounts by id (statx
 * STATX_MNT_ID): the one at the rootfs path before create (the base) and, once the init is
 * ready, its bind on top (kept in state.json for delete). */
#ifndef RBOX_HOSTMOUNTS_H
#define RBOX_HOSTMOUNTS_H

#include <stdint.h>

/* The id of the topmost mount at path; 0 when unknown. */
uint64_t hostmounts_id(const char *path);
/* Failed create: detach what the init stacked on path above the mount base (if anything). */
void hostmounts_undo(const char *path, uint64_t base);
/* delete: detach the init's bind `own` from path, if it is still the topmost mount there
 * (otherwise warn: something was mounted over it since, and is left alone). */
void hostmounts_remove(const char *path, uint64_t own);

#endif
