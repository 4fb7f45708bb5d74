/* seccomp_enosys.h - runc's "ENOSYS stub" in front of a compiled filter.
 *
 * A profile names the syscalls it knows about; anything newer (than the profile, or than the
 * libseccomp that compiled it) would get the default action, usually EPERM, and programs that
 * probe for a new syscall (clone3, openat2, faccessat2, ...) then fail instead of falling back.
 * As runc does, syscall numbers above the highest one the profile names on an architecture
 * return ENOSYS, as they would on an older kernel.
 */
#ifndef RBOX_SECCOMP_ENOSYS_H
#define RBOX_SECCOMP_ENOSYS_H

#include "config.h"
#include "error.h"

#include <linux/filter.h>

/* Prepend the stub to *prog (reallocated) for every architecture of the filter; `def` is the
 * libseccomp default action value. Nothing is added when the default action lets the call
 * through (ALLOW, LOG) or already returns ENOSYS. */
int seccomp_enosys_stub(const struct rbox_seccomp *s, uint32_t def, struct sock_fprog *prog,
                        rbox_err **err);

#endif
