/* seccomp_check.h - the one validator of a seccomp profile, shared by rbox-runtime (config.json's
 * linux.seccomp, runtime/config_linux.c) and rbox (--security-opt seccomp=FILE, checked at flag
 * time so that a profile rbox accepts is never refused by the runtime later).
 *
 * It checks everything about the object that does not depend on the host: types, required keys,
 * ranges (errnoRet 0..65535, args[].index 0..5), the names of actions, operators,
 * architectures and flags, errnoRet only with SCMP_ACT_ERRNO/SCMP_ACT_TRACE, and SCMP_ACT_NOTIFY
 * only with a listenerPath. Unknown keys are ignored (forward compatibility, "comment").
 * With docker set it also takes docker's profile extensions: "archMap" and, per rule, "name"
 * instead of "names" and "includes"/"excludes" conditions (caps, arches, minKernel). */
#ifndef RBOX_SECCOMP_CHECK_H
#define RBOX_SECCOMP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

/* The names it accepts; the runtime's enum seccomp_action / seccomp_op follow this order. */
#define SECCOMP_ACTION_COUNT   9
#define SECCOMP_OPERATOR_COUNT 7
#define SECCOMP_ARCH_COUNT     19
#define SECCOMP_FLAG_COUNT     4
extern const char *const seccomp_action_names[SECCOMP_ACTION_COUNT]; /* "SCMP_ACT_KILL", ... */
extern const char *const seccomp_op_names[SECCOMP_OPERATOR_COUNT];   /* "SCMP_CMP_NE", ... */
extern const char *const seccomp_arch_names[SECCOMP_ARCH_COUNT];     /* "SCMP_ARCH_X86", ... */
extern const char *const seccomp_flag_names[SECCOMP_FLAG_COUNT]; /* "SECCOMP_FILTER_FLAG_TSYNC" */

/* What is wrong and where: path relative to the seccomp object ("syscalls[3].errnoRet"; ""
 * for the object itself), message as the runtime words it ("must be at most 65535"). */
struct seccomp_problem {
    char path[160];
    char msg[320];
};

/* 0 when v is a valid seccomp object, else -1 with *p filled. */
int seccomp_check(yajl_val v, bool docker, struct seccomp_problem *p);

#endif
