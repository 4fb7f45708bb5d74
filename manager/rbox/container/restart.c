/* restart.c - the --restart policy on rbox's side (restart.h); the restarts themselves are the
 * monitor's (manager/monitor/monitor.c). */
#define _GNU_SOURCE
#include "restart.h"
#include "proto.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int restart_parse(const char *v, char **policy, rbox_err **err)
{
    const char *colon = strchr(v, ':');
    size_t nlen = colon ? (size_t)(colon - v) : strlen(v);
    static const char *const names[] = { "no", "always", "unless-stopped", "on-failure" };
    size_t k = 0;
    while (k < ARRAY_SIZE(names) && (strlen(names[k]) != nlen || strncmp(names[k], v, nlen)))
        k++;
    if (k == ARRAY_SIZE(names))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --restart: expected no, on-failure[:N], "
                          "always or unless-stopped",
                          v);
    int n = 0;
    if (colon && k != 3)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --restart: a maximum retry count is only "
                          "for on-failure",
                          v);
    if (colon && (parse_int(colon + 1, &n) < 0 || n < 0))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --restart: the maximum retry count must be "
                          "a number >= 0",
                          v);
    free(*policy);
    *policy = n ? xasprintf("on-failure:%d", n) : xstrdup(names[k]);
    return 0;
}

void restart_inspect(json_w *w, const char *policy)
{
    const char *p = policy ? policy : "no";
    const char *colon = strchr(p, ':');
    jw_key(w, "RestartPolicy");
    jw_obj_open(w);
    _cleanup_free_ char *name = xstrndup(p, colon ? (size_t)(colon - p) : strlen(p));
    jw_kstr(w, "Name", name);
    jw_kint(w, "MaximumRetryCount", colon ? atoi(colon + 1) : 0);
    jw_obj_close(w);
}

void ctr_request_stop(const struct store *s, const char *id)
{
    _cleanup_free_ char *path = ctr_run_path(s, id, STOP_REQUEST);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0)
        close(fd);
    /* and in the store, which outlives a reboot: system reconcile's "unless-stopped" */
    _cleanup_free_ char *mark = ctr_path(s, id, USER_STOPPED);
    fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0)
        close(fd);
}

bool ctr_stopped_by_user(const struct store *s, const char *id)
{
    _cleanup_free_ char *mark = ctr_path(s, id, USER_STOPPED);
    return access(mark, F_OK) == 0;
}

void ctr_started_by_user(const struct store *s, const char *id)
{
    _cleanup_free_ char *mark = ctr_path(s, id, USER_STOPPED);
    unlink(mark);
}

bool restart_at_boot(const char *policy, const struct ctr_state *st, bool stopped_by_user)
{
    /* docker's restart manager when dockerd starts: always, unless-stopped unless the user
     * stopped it, on-failure[:N] after a failure (the retries left) */
    const char *p = policy ? policy : "no";
    if (str_eq(p, "always"))
        return true;
    if (str_eq(p, "unless-stopped"))
        return !stopped_by_user;
    if (str_has_prefix(p, "on-failure")) {
        int max = p[10] == ':' ? atoi(p + 11) : 0;
        return st->exit_code != 0 && !stopped_by_user && (max == 0 || st->restart_count < max);
    }
    return false;
}

const char *ctr_state_name(const struct ctr_state *st)
{
    return ctr_restarting(st) ? "restarting" : ctr_status_name(st->status);
}

bool ctr_restarting(const struct ctr_state *st)
{
    /* the monitor's final exit record keeps the pid; the one before a restart clears it */
    return st->status == CS_EXITED && st->monitor_pid != 0 && st->pid == 0 && st->restart_count > 0;
}
