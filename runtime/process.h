/* process.h - the user's process: rlimits, user and groups, environment, executable lookup. */
#ifndef RBOX_PROCESS_H
#define RBOX_PROCESS_H

#include "config.h"
#include "error.h"

int process_set_rlimits(const struct rbox_process *p, rbox_err **err);
int process_set_oom_score_adj(const struct rbox_process *p, rbox_err **err);
/* setgroups (unless forbidden in this user namespace), setresgid, setresuid. */
int process_set_user(const struct rbox_process *p, bool setgroups_allowed, rbox_err **err);
/* chdir to process.cwd, resolved inside the current root, never through a magic link. */
int process_chdir(const struct rbox_process *p, rbox_err **err);
/* The environment for execve: process.env plus HOME from /etc/passwd when missing. */
char **process_env(const struct rbox_process *p);
/* Resolve args[0] through PATH (from env) in the current root; checks it is executable by the
 * current user. Errors say "exec: \"x\": executable file not found in $PATH" like runc. */
int process_find_executable(const char *arg0, char *const *env, char **out, rbox_err **err);
/* personality, umask, io priority and scheduler (the parts that are inherited by execve). */
int process_set_misc(const struct rbox_process *p, const struct rbox_linux *l, rbox_err **err);
/* Make fds >= 3 + preserve_fds close on exec; fds 3..3+preserve_fds-1 stay open. */
int process_close_fds(int preserve_fds, rbox_err **err);
/* Socket activation: the number of LISTEN_FDS passed to this process (LISTEN_PID must be our
 * pid), else 0. They sit at fds 3.. and go to the container before the --preserve-fds ones. */
int process_listen_fds(void);
/* Set LISTEN_FDS=n and LISTEN_PID=<our pid> in env (replacing any values there). */
void process_env_listen(char ***env, int listen_fds);
/* Set KEY=VALUE in env, replacing an existing KEY. */
void process_env_set(char ***env, const char *kv);
/* Look a value up in a KEY=VALUE vector. */
const char *env_get(char *const *env, const char *key);

#endif
