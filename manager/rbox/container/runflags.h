/* runflags.h - the docker run/create flags that map straight onto config.json: -l/--label,
 * --label-file, --init, --privileged, --ulimit, --shm-size, --sysctl, --group-add, --device,
 * --memory-swap, --cpu-shares, --cpuset-cpus, --oom-kill-disable, --mount (mountflag.c). Parsed
 * into struct run_flags (part of struct ctr_spec), written by the bundle/ writers, shown by
 * inspect. See docs/manager.md (run and create). */
#ifndef RBOX_RUNFLAGS_H
#define RBOX_RUNFLAGS_H

#include "error.h"
#include "json.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where --init's binary appears in the container (docker's path). */
#define RF_INIT_PATH "/sbin/docker-init"
/* /dev/shm without --shm-size (docker's 64m) */
#define RF_SHM_DEFAULT (64 * 1024 * 1024)

struct rf_ulimit {
    char name[16];       /* "nofile" (OCI: RLIMIT_NOFILE) */
    uint64_t soft, hard; /* UINT64_MAX: unlimited */
};

struct rf_device {
    char *host, *path; /* PathOnHost, PathInContainer */
    char perms[4];     /* "rwm" or a part of it */
    char type;         /* 'c' or 'b' */
    int64_t major, minor;
    uint32_t mode, uid, gid; /* of the host's node */
};

struct run_flags {
    char **labels; /* K=V, one per key (a later flag replaces the value) */
    bool init;
    char *init_binary; /* the host's static init, found at create */
    bool privileged;
    struct rf_ulimit *ulimits;
    size_t n_ulimits;
    int64_t shm_size; /* bytes; 0: docker's 64m */
    char **sysctls;   /* K=V, one per key */
    char **group_add; /* names or numbers, resolved in the image at create */
    struct rf_device *devices;
    size_t n_devices;
    int64_t memory_swap; /* bytes, memory + swap; 0: unset; -1: unlimited */
    int64_t cpu_shares;  /* 0: unset */
    char *cpuset_cpus;   /* "0-2,4", NULL: unset */
    bool oom_kill_disable;
    char *restart; /* --restart: "no", "on-failure[:N]", "always", "unless-stopped"; NULL: no */
    char **notes;  /* one line each for stderr ("WARNING: ..."); not stored */
};
void rf_clear(struct run_flags *f);

/* One run/create flag by its long name ("label", "ulimit", ...); true when it is one of ours. */
bool rf_is_flag(const char *flag);
int rf_set_flag(struct run_flags *f, const char *flag, const char *v, rbox_err **err);
/* --security-opt label=disable and apparmor=unconfined: 1 when v is one of them (rbox applies
 * no SELinux label nor AppArmor profile, so both hold already; a note when the host lacks the
 * LSM), 0 for what sandbox.c parses. */
int rf_security_opt(struct run_flags *f, const char *v);
/* Checks across flags once all are parsed (memory: -m; network: "none"/"host"), and the
 * --init binary on this host. */
int rf_finish(struct run_flags *f, int64_t memory, const char *network, rbox_err **err);

/* --mount (mountflag.c): docker's type=bind|volume|tmpfs,source=,target=,readonly into the
 * mount -v and --tmpfs make (sandbox.h). */
struct sbx_mount;
int parse_mount_flag(const char *v, struct sbx_mount *m, rbox_err **err);

/* Size with units b, k, m, g, t (docker's RAMInBytes), named by flag in errors. */
int rf_parse_size(const char *v, const char *flag, int64_t *out, rbox_err **err);

/* The container's config.json ("flags" key). */
void rf_save(json_w *w, const struct run_flags *f);
void rf_load(yajl_val v, struct run_flags *f);

/* inspect: Config.Labels; HostConfig keys. */
void rf_inspect_config(json_w *w, const struct run_flags *f);
void rf_inspect_host_config(json_w *w, const struct run_flags *f, int64_t memory);

#endif
