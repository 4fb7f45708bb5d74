/* spec.h - what the user asked for a container (its config.json in the store), the parsing
 * and validation of run/create flags, and the OCI bundle generated from it (bundle.c). */
#ifndef RBOX_SPEC_H
#define RBOX_SPEC_H

#include "blkio.h"
#include "healthopts.h"
#include "image.h"
#include "logopts.h"
#include "netreq.h"
#include "nsflags.h"
#include "runflags.h"
#include "sandbox.h"
#include "store.h"
#include <stdint.h>

struct ctr_spec {
    char id[ID_LEN + 1];
    char *name;
    char *image; /* as given */
    char *image_id;
    int64_t created_ns;
    char **entrypoint;  /* --entrypoint (NULL: none) */
    char **cmd;         /* the command given after IMAGE, else the image's */
    char **env;         /* -e / --env-file, in order (K=V) */
    char *workdir;      /* -w (NULL: "/") */
    char *user;         /* -u as given (NULL: root) */
    char *hostname;     /* --hostname (NULL: short ID) */
    int64_t memory;     /* bytes, 0 = unlimited */
    int64_t nano_cpus;  /* 1e9 = one CPU, 0 = unlimited */
    int64_t pids_limit; /* 0 = unlimited */
    bool read_only, auto_remove;
    char **cap_add, **cap_drop; /* upper case, "CAP_" prefixed, or "ALL" */
    char *network;              /* "none", "host", "bridge" (net.nets), "container:ID", "ns:PATH" */
    char *stop_signal;          /* "SIGTERM" */
    int stop_timeout;           /* seconds */
    char *cgroup_parent;
    /* interactive: -t (process.terminal), -i (the monitor holds a stdin pipe or feeds the pty),
     * stdin_once (-i when attached at run/create: the client's EOF closes the container's
     * stdin, docker's StdinOnce) */
    bool tty, open_stdin, stdin_once;
    /* resolved from the image at create */
    uint32_t uid, gid;
    uint32_t *groups;
    size_t n_groups;
    char *home;
    struct sbx_opts sbx;       /* sandbox.h: --timeout, --report, --security-opt, -v, --tmpfs */
    struct run_flags rf;       /* runflags.h: --label, --init, --privileged, --ulimit, ... */
    struct net_req net;        /* netreq.h: --network, -p, --ip, --dns, --add-host, ... */
    struct ns_flags ns;        /* nsflags.h: --pid, --ipc, --uts, --cgroupns, --userns */
    struct log_opts log;       /* logopts.h: --log-opt max-size=, max-file= */
    struct health_opts health; /* healthopts.h: --health-*, the image's Healthcheck */
    struct blkio_opts blkio;   /* blkio.h: --blkio-weight, --blkio-weight-device */
};
void spec_clear(struct ctr_spec *s);

/* Flag value parsers: one clear error naming the flag. */
int parse_memory(const char *v, int64_t *out, rbox_err **err);
int parse_cpus(const char *v, int64_t *nano, rbox_err **err);
int parse_pids_limit(const char *v, int64_t *out, rbox_err **err);
int parse_capability(const char *v, const char *flag, char **out, rbox_err **err);
int parse_env_file(const char *path, char ***env, size_t *n, rbox_err **err);
int parse_env_arg(const char *v, char ***env, size_t *n, rbox_err **err);
int validate_hostname(const char *h, rbox_err **err);

/* Capability names (without "CAP_") indexed by number. */
size_t cap_count(void);
const char *cap_name_at(size_t i);

/* Complete and check the spec against its image: the image config's Entrypoint, Cmd, Env,
 * WorkingDir, User, StopSignal and Labels where no flag overrides them; the user's IDs. */
int spec_resolve(struct ctr_spec *s, struct store *st, const struct image *img, rbox_err **err);

/* config.json in the container's dir. */
int spec_save(int ctrfd, const struct ctr_spec *s, rbox_err **err);
int spec_load(int ctrfd, struct ctr_spec *s, rbox_err **err);
/* The final process arguments (entrypoint + cmd). */
char **spec_args(const struct ctr_spec *s);
/* The command as ps shows it: args joined by spaces. */
char *spec_command_line(const struct ctr_spec *s);

/* -t and -i of a stored container (false when unreadable). */
void spec_stdio(const struct store *st, const char *id, bool *tty, bool *open_stdin);
/* -u USER[:GROUP] resolved in a root (the image, or a running container's rootfs): fills
 * uid, gid, groups and home of s from s->user. */
int spec_resolve_user(struct ctr_spec *s, int rootfd, rbox_err **err);

/* Write <ctr dir>/bundle/config.json and the /etc files it bind-mounts. */
int bundle_write(const struct store *st, const struct ctr_spec *s, rbox_err **err);
/* Only config.json (rbox update: the limits change, the /etc files stay). */
int bundle_write_config(const struct store *st, const struct ctr_spec *s, rbox_err **err);

#endif
