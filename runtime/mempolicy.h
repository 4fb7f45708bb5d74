/* mempolicy.h - linux.memoryPolicy (runtime-spec 1.3): the NUMA policy the process starts with. */
#ifndef RBOX_MEMPOLICY_H
#define RBOX_MEMPOLICY_H

#include "config.h"
#include "error.h"

/* set_mempolicy(2) (the raw syscall: no libnuma) with mode | flags and the node list. Called
 * in the init right before execve; the policy is inherited across execve and fork. */
int mempolicy_apply(const struct rbox_memory_policy *mp, rbox_err **err);

#endif
