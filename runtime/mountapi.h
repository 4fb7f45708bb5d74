/* mountapi.h - <sys/mount.h> plus the new mount API (fsopen, fsconfig, fsmount, move_mount,
 * open_tree, mount_setattr). glibc >= 2.36 declares them in <sys/mount.h>; musl (the default
 * libc of rbox-runtime, see Makefile) does not, so they are thin syscall wrappers here. */
#ifndef RBOX_MOUNTAPI_H
#define RBOX_MOUNTAPI_H

#include <sys/mount.h>

#ifndef __GLIBC__
#include <linux/mount.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int fsopen(const char *fs, unsigned int flags)
{
    return (int)syscall(SYS_fsopen, fs, flags);
}
static inline int fsconfig(int fd, unsigned int cmd, const char *key, const void *val, int aux)
{
    return (int)syscall(SYS_fsconfig, fd, cmd, key, val, aux);
}
static inline int fsmount(int fd, unsigned int flags, unsigned int attr)
{
    return (int)syscall(SYS_fsmount, fd, flags, attr);
}
static inline int move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
                             unsigned int flags)
{
    return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}
static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}
static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
                                struct mount_attr *attr, size_t size)
{
    return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}
#endif

#endif
