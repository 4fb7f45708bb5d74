/* restart.h - run/create --restart no|on-failure[:N]|always|unless-stopped: the policy (kept in
 * the container's config.json, handed to rbox-monitor, which restarts the container), and the
 * stop request that keeps a stopped container from being restarted. */
#ifndef RBOX_RESTART_H
#define RBOX_RESTART_H

#include "json.h"
#include "store.h"

/* Check a --restart value; *policy: "no", "always", "unless-stopped", "on-failure" or
 * "on-failure:N" (allocated). */
int restart_parse(const char *v, char **policy, rbox_err **err);
/* inspect: HostConfig.RestartPolicy {Name, MaximumRetryCount} */
void restart_inspect(json_w *w, const char *policy);
/* rbox stop, kill -s KILL, rm -f: the user ends the container; no restart follows. */
void ctr_request_stop(const struct store *s, const char *id);
/* The store's mark of that request (USER_STOPPED in the container's dir): it survives a reboot;
 * a start clears it. */
#define USER_STOPPED "stopped-by-user"
bool ctr_stopped_by_user(const struct store *s, const char *id);
void ctr_started_by_user(const struct store *s, const char *id);
/* rbox system reconcile: does the policy start this exited container again (docker's rules when
 * dockerd starts)? */
bool restart_at_boot(const char *policy, const struct ctr_state *st, bool stopped_by_user);

/* Between two runs of a --restart container: exited, its monitor waiting to start it again. */
bool ctr_restarting(const struct ctr_state *st);
/* docker's State.Status: the status's name, or "restarting" between two runs. */
const char *ctr_state_name(const struct ctr_state *st);

#endif
