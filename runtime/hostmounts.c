/* hostmounts.c - taking back the mounts of a container that shares the runtime's mount
 * namespace (see hostmounts.h). */
#define _GNU_SOURCE
#include "hostmounts.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/stat.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 0x8
#endif

uint64_t hostmounts_id(const char *path)
{
    struct statx sx;
    /* the raw syscall: not every libc this builds with declares statx() */
    if (syscall(SYS_statx, AT_FDCWD, path, AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID,
                &sx) < 0 ||
        !(sx.stx_mask & STATX_MNT_ID))
        return 0;
    return sx.stx_mnt_id;
}

static void detach(const char *path)
{
    if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
        log_warn("unmounting the container's mounts on %s: %s", path, rbox_strerror(errno));
}

void hostmounts_undo(const char *path, uint64_t base)
{
    uint64_t top = hostmounts_id(path);
    if (base != 0 && top != 0 && top != base)
        detach(path);
}

void hostmounts_remove(const char *path, uint64_t own)
{
    uint64_t top = hostmounts_id(path);
    if (own == 0 || top == 0)
        return;
    if (top != own) {
        log_warn("%s: the container's rootfs mount is covered by another mount; left in place",
                 path);
        return;
    }
    detach(path);
}
