/* nsflags.c - --pid, --ipc, --uts, --cgroupns, --userns (nsflags.h). */
#define _GNU_SOURCE
#include "nsflags.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ns_flags_clear(struct ns_flags *f)
{
    free(f->pid);
    free(f->ipc);
    free(f->uts);
    free(f->cgroupns);
    free(f->userns);
    memset(f, 0, sizeof(*f));
}

static int set(char **field, const char *flag, const char *v, bool joinable, bool shareable,
               rbox_err **err)
{
    free(*field);
    *field = NULL;
    if (str_eq(v, "") || str_eq(v, "private") || (shareable && str_eq(v, "shareable")))
        return 0; /* the default: its own namespace */
    if (str_eq(v, "host") || (joinable && str_has_prefix(v, "container:") && v[10] != '\0')) {
        *field = xstrdup(v);
        return 0;
    }
    return rbox_error(err, 0, "invalid value \"%s\" for --%s: use %s", v, flag,
                      joinable ? (shareable ? "private, shareable, host or container:NAME"
                                            : "private, host or container:NAME")
                               : "private or host");
}

bool ns_flags_flag(struct ns_flags *f, const char *name, const char *v, rbox_err **err, int *rc)
{
    if (str_eq(name, "pid"))
        *rc = set(&f->pid, name, v, true, false, err);
    else if (str_eq(name, "ipc"))
        *rc = set(&f->ipc, name, v, true, true, err);
    else if (str_eq(name, "uts"))
        *rc = set(&f->uts, name, v, false, false, err);
    else if (str_eq(name, "cgroupns"))
        *rc = set(&f->cgroupns, name, v, false, false, err);
    else if (str_eq(name, "userns")) {
        /* root's containers have no user namespace: host is what they do already; keep-id is
         * rootless rbox's (container/rootless_spec.c) */
        *rc = str_eq(v, "") || str_eq(v, "host") || str_eq(v, "keep-id")
                  ? 0
                  : rbox_error(err, 0,
                               "invalid value \"%s\" for --userns: host or keep-id (rbox's "
                               "containers of root use no user namespace)",
                               v);
        free(f->userns);
        f->userns = *rc == 0 && *v ? xstrdup(v) : NULL;
    } else
        return false;
    return true;
}

static int resolve(struct store *s, char **field, const char *flag, rbox_err **err)
{
    if (*field == NULL || !str_has_prefix(*field, "container:"))
        return 0;
    char id[ID_LEN + 1];
    if (ctr_resolve(s, *field + 10, id, err) < 0)
        return rbox_error_prefix(err, "--%s %s", flag, *field);
    free(*field);
    *field = xasprintf("container:%s", id);
    return 0;
}

int ns_flags_check(struct store *s, struct ns_flags *f, bool hostname, rbox_err **err)
{
    if (str_eq(f->uts, "host") && hostname)
        return rbox_error(err, 0, "conflicting options: --hostname and --uts host");
    return resolve(s, &f->pid, "pid", err) < 0 ? -1 : resolve(s, &f->ipc, "ipc", err);
}

static int link_one(struct store *s, const char *id, const char *mode, const char *type,
                    rbox_err **err)
{
    if (mode == NULL || !str_has_prefix(mode, "container:"))
        return 0;
    struct ctr_state st;
    if (ctr_read(s, mode + 10, &st, err) < 0)
        return rbox_error_prefix(err, "--%s %s", type, mode);
    if (st.status != CS_RUNNING && st.status != CS_PAUSED)
        return rbox_error(err, 0, "cannot join the %s namespace of container %s: it is not running",
                          type, st.name);
    _cleanup_free_ char *name = xasprintf("ns-%s", type);
    _cleanup_free_ char *link = ctr_run_path(s, id, name);
    _cleanup_free_ char *target = xasprintf("/proc/%d/ns/%s", st.pid, type);
    unlink(link);
    if (symlink(target, link) < 0)
        return rbox_error(err, errno, "linking %s", link);
    return 0;
}

int ns_flags_start(struct store *s, const char *id, const struct ns_flags *f, rbox_err **err)
{
    return link_one(s, id, f->pid, "pid", err) < 0 ? -1 : link_one(s, id, f->ipc, "ipc", err);
}

bool ns_flags_entry(const struct store *s, const char *id, const struct ns_flags *f,
                    const char *type, char **path)
{
    const char *mode = str_eq(type, "pid")      ? f->pid
                       : str_eq(type, "ipc")    ? f->ipc
                       : str_eq(type, "uts")    ? f->uts
                       : str_eq(type, "cgroup") ? f->cgroupns
                                                : NULL;
    *path = NULL;
    if (str_eq(mode, "host"))
        return false;
    if (mode && str_has_prefix(mode, "container:")) {
        _cleanup_free_ char *name = xasprintf("ns-%s", type);
        *path = ctr_run_path(s, id, name);
    }
    return true;
}

void ns_flags_save(json_w *w, const struct ns_flags *f)
{
    jw_key(w, "namespaces");
    jw_obj_open(w);
    jw_kstr(w, "pid", f->pid);
    jw_kstr(w, "ipc", f->ipc);
    jw_kstr(w, "uts", f->uts);
    jw_kstr(w, "cgroupns", f->cgroupns);
    jw_kstr(w, "userns", f->userns);
    jw_obj_close(w);
}

static char *get(yajl_val v, const char *key)
{
    const char *s = json_get_str(v, key);
    return s ? xstrdup(s) : NULL;
}

void ns_flags_load(yajl_val v, struct ns_flags *f)
{
    memset(f, 0, sizeof(*f));
    f->pid = get(v, "pid");
    f->ipc = get(v, "ipc");
    f->uts = get(v, "uts");
    f->cgroupns = get(v, "cgroupns");
    f->userns = get(v, "userns");
}

void ns_flags_inspect(json_w *w, const struct ns_flags *f)
{
    jw_kstr(w, "PidMode", f->pid ? f->pid : "");
    jw_kstr(w, "IpcMode", f->ipc ? f->ipc : "private");
    jw_kstr(w, "UTSMode", f->uts ? f->uts : "");
    jw_kstr(w, "CgroupnsMode", f->cgroupns ? f->cgroupns : "private");
    jw_kstr(w, "UsernsMode", f->userns ? f->userns : "");
}
