/* sandbox.h - sandbox mode and volumes on rbox's side: the run/create flags --timeout,
 * --report, --security-opt (seccomp profiles, no-new-privileges), -v and --tmpfs; their part
 * of the container's config.json, of the OCI bundle, and of inspect. See docs/sandbox.md and
 * docs/manager.md (Volumes). */
#ifndef RBOX_SANDBOX_H
#define RBOX_SANDBOX_H

#include "error.h"
#include "json.h"
#include "store.h"
#include <stdbool.h>
#include <stdint.h>

enum sbx_mount_type { SBX_BIND, SBX_VOLUME, SBX_TMPFS };

struct sbx_mount {
    enum sbx_mount_type type;
    char *source; /* bind: absolute host path; volume: its name; tmpfs: NULL */
    char *dest;   /* absolute path in the container */
    bool ro;
    char *options; /* tmpfs: the mount options, comma-separated (normalized) */
};

struct sbx_opts {
    int64_t timeout_ns; /* 0: none */
    char *report;       /* absolute path, "-", or NULL */
    char *seccomp;      /* profile name, absolute path of a JSON file, or NULL (default) */
    char *seccomp_text; /* the file's content (only while the container is being created) */
    bool no_new_privs;
    struct sbx_mount *mounts;
    size_t n_mounts;
};
void sbx_clear(struct sbx_opts *o);

/* One run/create flag: "timeout", "report", "security-opt", "volume", "tmpfs", "mount". */
int sbx_set_flag(struct sbx_opts *o, const char *flag, const char *v, rbox_err **err);
/* Checks across flags once all are parsed (run: foreground or -d). */
int sbx_finish(struct sbx_opts *o, bool run, bool detach, rbox_err **err);
/* Go-style duration ("1m30s", "500ms", "2h"); "0" is zero. */
int parse_duration(const char *v, const char *flag, int64_t *ns, rbox_err **err);

/* config.json of the container ("sandbox" key). */
void sbx_save(json_w *w, const struct sbx_opts *o);
void sbx_load(yajl_val v, struct sbx_opts *o);

/* The bundle. */
bool sbx_no_new_privs(const struct sbx_opts *o); /* the graded profiles imply it */
/* At create, under the store lock: named volumes (created on first use, owned by this
 * container then) and the monitor's sandbox.conf. */
int sbx_create_extras(const struct store *st, int ctrfd, const char *id, const struct sbx_opts *o,
                      rbox_err **err);

/* inspect: HostConfig keys, Mounts entries, State.Report. */
void sbx_inspect_host_config(json_w *w, const struct sbx_opts *o);
void sbx_inspect_mounts(json_w *w, const struct store *st, const struct sbx_opts *o);
void sbx_inspect_report(json_w *w, int ctrfd);

/* --report - in the foreground: keep the monitor's 'V' message, or note a failed start; print
 * it once the container is gone. */
void sbx_report_keep(const char *json, size_t len);
void sbx_report_failed(int code, const rbox_err *err);
void sbx_report_print(const char *id, const char *name);

/* seccomp_profiles.c */
/* Resolve a --security-opt seccomp= value: a built-in name or a JSON file (read now). */
int seccomp_profile_check(const char *value, char **name_or_path, char **text, rbox_err **err);
/* Check a profile's text with the runtime's validator (docker's extensions allowed); the
 * message names the rule: "syscalls[3].errnoRet: must be at most 65535". */
int seccomp_profile_validate(const char *text, rbox_err **err);
/* The built-in profile's text (NULL: no such profile). */
const char *seccomp_profile_builtin(const char *name);
bool seccomp_profile_graded(const char *name);

/* container/mounts.c */
int parse_volume_flag(const char *v, struct sbx_mount *m, rbox_err **err);
/* A container path of FLAG's value ARG made absolute and clean ("//a/./b/" -> "/a/b"); no "..",
 * not "/". what names it in the error ("container path", "target"). *out is allocated. */
int mount_dest_clean(const char *flag, const char *what, const char *arg, const char *d, char **out,
                     rbox_err **err);
int parse_tmpfs_flag(const char *v, struct sbx_mount *m, rbox_err **err);

#endif
