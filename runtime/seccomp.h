/* seccomp.h - linux.seccomp compiled with libseccomp in the runtime (before clone) into a BPF
 * program that the init loads as the very last step before execve. */
#ifndef RBOX_SECCOMP_H
#define RBOX_SECCOMP_H

#include "config.h"
#include "error.h"

struct seccomp_prog; /* a compiled filter (struct sock_fprog + flags) */

/* libseccomp exports a seccomp_load() of its own (that we do not use): ours links as
 * rbox_seccomp_load, callers keep the short name. */
#define seccomp_load rbox_seccomp_load

/* Compile; *out stays NULL when the config has no seccomp section. With cache_root (the state
 * root), a program compiled earlier for the same profile is reused (seccomp_cache.c). */
int seccomp_compile(const struct rbox_seccomp *s, const char *cache_root, struct seccomp_prog **out,
                    rbox_err **err);
/* Load into the calling process (needs no_new_privs or CAP_SYS_ADMIN). Returns the notify fd in
 * *notify_fd for SCMP_ACT_NOTIFY filters (else -1). */
int seccomp_load(const struct seccomp_prog *p, int *notify_fd, rbox_err **err);
void seccomp_prog_free(struct seccomp_prog *p);
/* The version of the libseccomp linked in ("2.5.4"), for `--version`. */
const char *seccomp_lib_version(void);
/* Host side of SCMP_ACT_NOTIFY: connect to s->listener_path and send the listener fd with the
 * runtime-spec "containerProcessState" JSON (pid, s->listener_metadata, the container's state). */
int seccomp_notify_send(const struct rbox_seccomp *s, int notify_fd, pid_t pid,
                        const char *state_json, rbox_err **err);

#endif
