/* lsm.h - Linux security modules: process.apparmorProfile and process.selinuxLabel.
 *
 * AppArmor: when the host has it enabled, the profile is set for the user's process with
 * "exec <profile>" on the init's own attr file (opened before pivot_root, written right before
 * execve). SELinux labels are out of scope: refused on a host that enforces SELinux. On a host
 * without the module the field is parsed and ignored (a --debug line says so).
 */
#ifndef RBOX_LSM_H
#define RBOX_LSM_H

#include "config.h"
#include "error.h"
#include <stdbool.h>

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* In the init, before pivot_root: validate and open what lsm_apply writes. */
int lsm_prepare(const struct rbox_process *p, rbox_err **err);
/* In the init, after the last hook and before seccomp: the profile of the next execve. */
int lsm_apply(const struct rbox_process *p, rbox_err **err);

#endif
