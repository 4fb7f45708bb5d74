/* config.h - the OCI runtime-spec config.json (Linux), parsed and validated into typed structs.
 *
 * Everything rbox-runtime reads from a bundle goes through config_load(); every field it knows is
 * here. Unknown fields are ignored (forward compatibility). A validation failure produces one
 * line naming the JSON path, e.g.
 *     config.json: linux.namespaces[2].type: unknown namespace "pids"
 */
#ifndef RBOX_CONFIG_H
#define RBOX_CONFIG_H

#include "error.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

/* -std=gnu11 predefines `linux` as 1, which would break the member rbox_config.linux below. */
#undef linux

/* Optional scalars: .set tells whether the key was present. */
typedef struct {
    bool set;
    int64_t v;
} opt_i64;
typedef struct {
    bool set;
    uint64_t v;
} opt_u64;
typedef struct {
    bool set;
    bool v;
} opt_bool;

struct rbox_idmap {
    uint32_t container_id, host_id, size;
};

/* One mount; the options are also pre-parsed into mount(2) arguments. */
struct rbox_mount {
    char *destination; /* absolute path inside the container */
    char *type;        /* may be NULL (bind mounts) */
    char *source;      /* may be NULL */
    char **options;    /* as written, NULL-terminated */
    /* parsed from options: */
    unsigned long flags;       /* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, ...) */
    unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", "dev", "exec", ...) */
    unsigned long propagation; /* MS_PRIVATE|MS_SHARED|MS_SLAVE|MS_UNBINDABLE, optionally |MS_REC */
    /* Recursive attributes (mount_setattr(2) AT_RECURSIVE): "rro", "rnosuid", ... */
    uint64_t rec_attr_set, rec_attr_clr;
    char *data;     /* comma-joined filesystem options passed to mount(2) (may be NULL) */
    bool tmpcopyup; /* runc extension: copy the rootfs dir's contents into a new tmpfs */
    bool idmap;     /* "idmap"/"ridmap" (runtime-spec 1.2): needs uid/gidMappings below */
    bool recursive_idmap;
    struct rbox_idmap *uid_mappings, *gid_mappings; /* runtime-spec 1.2 idmapped mounts */
    size_t n_uid_mappings, n_gid_mappings;
};

struct rbox_rlimit {
    int resource; /* RLIMIT_* */
    char *name;   /* "RLIMIT_NOFILE" */
    uint64_t soft, hard;
};

/* Capability sets as bit masks (bit N = capability number N) and whether each list was given. */
struct rbox_caps {
    bool present; /* "capabilities" key present */
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct rbox_user {
    uint32_t uid, gid;
    opt_u64 umask;
    gid_t *additional_gids;
    size_t n_additional_gids;
    char *username; /* informational (Windows field in the spec; ignored on Linux) */
};

struct rbox_process {
    bool terminal;
    opt_u64 console_height, console_width;
    struct rbox_user user;
    char **args; /* NULL-terminated, at least one element */
    char **env;  /* NULL-terminated (may be empty) */
    char *cwd;   /* absolute */
    struct rbox_caps caps;
    struct rbox_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    opt_i64 oom_score_adj; /* -1000..1000 */
    char *apparmor_profile;
    char *selinux_label;
    /* ioPriority (1.1): class is IOPRIO_CLASS_RT/BE/IDLE */
    bool has_io_priority;
    int io_priority_class, io_priority;
    /* scheduler (1.2) */
    bool has_scheduler;
    int sched_policy; /* SCHED_* */
    int sched_nice, sched_priority;
    uint64_t sched_flags;
    uint64_t sched_runtime, sched_deadline, sched_period;
    /* execCPUAffinity (1.2) */
    char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

struct rbox_hook {
    char *path;      /* absolute */
    char **args;     /* NULL-terminated (may be empty: then argv is just {path}) */
    char **env;      /* NULL-terminated */
    opt_i64 timeout; /* seconds, > 0 */
};

enum hook_kind {
    HOOK_PRESTART = 0,
    HOOK_CREATE_RUNTIME,
    HOOK_CREATE_CONTAINER,
    HOOK_START_CONTAINER,
    HOOK_POSTSTART,
    HOOK_POSTSTOP,
    HOOK_KIND_COUNT
};
extern const char *const hook_kind_names[HOOK_KIND_COUNT]; /* "prestart", "createRuntime", ... */

struct rbox_hooks {
    struct rbox_hook *list[HOOK_KIND_COUNT];
    size_t count[HOOK_KIND_COUNT];
};

enum ns_type {
    NS_PID = 0,
    NS_NET,
    NS_MOUNT,
    NS_IPC,
    NS_UTS,
    NS_USER,
    NS_CGROUP,
    NS_TIME,
    NS_COUNT
};
extern const char *const ns_type_names[NS_COUNT]; /* OCI names: "pid", "network", "mount", ... */
extern const char *const ns_proc_names[NS_COUNT]; /* /proc/<pid>/ns names: "pid", "net", "mnt" */
extern const int ns_clone_flags[NS_COUNT];        /* CLONE_NEWPID, ... */

struct rbox_namespace {
    bool present; /* listed in linux.namespaces */
    char *path;   /* join this namespace instead of creating one (may be NULL) */
};

struct rbox_device {
    char type; /* 'c', 'b', 'u', 'p' */
    char *path;
    int64_t major, minor; /* required for c/b/u, ignored for p */
    opt_u64 file_mode;
    opt_u64 uid, gid;
};

struct rbox_device_rule {
    bool allow;
    char type;            /* 'a', 'c', 'b' ('a' when absent) */
    int64_t major, minor; /* -1 = wildcard */
    char access[4];       /* subset of "rwm"; "rwm" when absent */
};

struct rbox_weight_device {
    int64_t major, minor;
    opt_u64 weight, leaf_weight;
};

struct rbox_throttle_device {
    int64_t major, minor;
    uint64_t rate;
};

struct rbox_hugepage_limit {
    char *page_size; /* "2MB", "1GB" */
    uint64_t limit;
};

struct rbox_kv {
    char *key, *value;
};

struct rbox_resources {
    struct rbox_device_rule *devices;
    size_t n_devices;
    struct {
        opt_i64 limit, reservation, swap, kernel, kernel_tcp;
        opt_u64 swappiness;
        opt_bool disable_oom_killer, use_hierarchy, check_before_update;
    } memory;
    struct {
        opt_u64 shares;
        opt_i64 quota;
        opt_u64 burst, period;
        opt_i64 realtime_runtime;
        opt_u64 realtime_period;
        char *cpus, *mems;
        opt_i64 idle;
    } cpu;
    struct {
        opt_i64 limit; /* <= 0 means unlimited */
    } pids;
    struct {
        opt_u64 weight, leaf_weight;
        struct rbox_weight_device *weight_device;
        size_t n_weight_device;
        struct rbox_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
            *throttle_write_iops;
        size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
            n_throttle_write_iops;
    } block_io;
    struct rbox_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    struct {
        opt_u64 class_id;
        struct rbox_kv *priorities; /* name -> priority (value as decimal string) */
        size_t n_priorities;
    } network;
    struct rbox_kv *unified; /* linux.resources.unified */
    size_t n_unified;
};

enum seccomp_action {
    SECCOMP_ACT_KILL = 0, /* SCMP_ACT_KILL (thread) */
    SECCOMP_ACT_KILL_PROCESS,
    SECCOMP_ACT_KILL_THREAD,
    SECCOMP_ACT_TRAP,
    SECCOMP_ACT_ERRNO,
    SECCOMP_ACT_TRACE,
    SECCOMP_ACT_ALLOW,
    SECCOMP_ACT_LOG,
    SECCOMP_ACT_NOTIFY,
    SECCOMP_ACT_COUNT
};
extern const char *const seccomp_action_names[SECCOMP_ACT_COUNT]; /* "SCMP_ACT_KILL", ... */

enum seccomp_op {
    SECCOMP_OP_NE = 0, /* SCMP_CMP_NE */
    SECCOMP_OP_LT,
    SECCOMP_OP_LE,
    SECCOMP_OP_EQ,
    SECCOMP_OP_GE,
    SECCOMP_OP_GT,
    SECCOMP_OP_MASKED_EQ,
    SECCOMP_OP_COUNT
};
extern const char *const seccomp_op_names[SECCOMP_OP_COUNT]; /* "SCMP_CMP_NE", ... */

struct rbox_seccomp_arg {
    unsigned index; /* 0..5 */
    uint64_t value, value_two;
    enum seccomp_op op;
};

struct rbox_seccomp_rule {
    char **names; /* NULL-terminated, at least one */
    enum seccomp_action action;
    opt_u64 errno_ret;
    struct rbox_seccomp_arg *args;
    size_t n_args;
};

struct rbox_seccomp {
    bool present;
    enum seccomp_action default_action;
    opt_u64 default_errno_ret;
    char **architectures; /* "SCMP_ARCH_X86_64", ... NULL-terminated (may be empty) */
    char **flags;         /* "SECCOMP_FILTER_FLAG_TSYNC", ... NULL-terminated */
    char *listener_path, *listener_metadata;
    struct rbox_seccomp_rule *syscalls;
    size_t n_syscalls;
};

struct rbox_time_offset {
    bool set;
    int64_t secs;
    uint32_t nanosecs;
};

/* linux.memoryPolicy (runtime-spec 1.3): set_mempolicy(2) before exec. */
struct rbox_memory_policy {
    bool present;
    int mode;       /* MPOL_* (the index in the name table is the kernel's value) */
    char *nodes;    /* a node list "0-3,5"; NULL when absent or "" */
    uint64_t flags; /* MPOL_F_* bits (the kernel's values) */
};

/* linux.netDevices (runtime-spec 1.3): host interface -> its name in the container. */
struct rbox_net_device {
    char *host_name;
    char *name; /* NULL: keep host_name */
};

struct rbox_linux {
    struct rbox_namespace ns[NS_COUNT];
    struct rbox_idmap *uid_mappings, *gid_mappings;
    size_t n_uid_mappings, n_gid_mappings;
    struct rbox_device *devices;
    size_t n_devices;
    char *cgroups_path; /* may be NULL */
    bool has_resources;
    struct rbox_resources resources;
    struct rbox_kv *sysctl;
    size_t n_sysctl;
    struct rbox_seccomp seccomp;
    unsigned long rootfs_propagation; /* 0 when absent, else MS_SHARED|MS_SLAVE|... (|MS_REC) */
    char **masked_paths;              /* NULL-terminated */
    char **readonly_paths;            /* NULL-terminated */
    char *mount_label;
    bool has_personality;
    unsigned long personality; /* PER_LINUX or PER_LINUX32 | flags */
    struct rbox_time_offset time_monotonic, time_boottime;
    bool has_intel_rdt;
    struct rbox_memory_policy memory_policy;
    struct rbox_net_device *net_devices;
    size_t n_net_devices;
};

struct rbox_config {
    char *oci_version;
    char *root_path; /* as written (may be relative to the bundle) */
    bool root_readonly;
    struct rbox_mount *mounts;
    size_t n_mounts;
    bool has_process;
    struct rbox_process process;
    char *hostname;   /* NULL when absent */
    char *domainname; /* NULL when absent */
    struct rbox_hooks hooks;
    struct rbox_kv *annotations;
    size_t n_annotations;
    struct rbox_linux linux;

    /* Filled by config_load(), not from JSON: */
    char *bundle; /* absolute bundle directory */
    char *rootfs; /* absolute root filesystem path (root_path resolved against bundle) */
    char *raw;    /* the file's text, kept so the state dir can store an exact copy */
    size_t raw_len;
};

/* Load <bundle>/config.json: parse, validate, resolve root.path. bundle NULL = current dir.
 * On failure returns -1 and err says e.g. "config.json: process.args: must not be empty". */
int config_load(const char *bundle, struct rbox_config **out, rbox_err **err);
/* Parse and validate a config from text; `what` prefixes messages ("config.json"). */
int config_parse(const char *text, const char *what, struct rbox_config **out, rbox_err **err);
void config_free(struct rbox_config *cfg);
void cleanup_configp(struct rbox_config **cfg);
#define _cleanup_config_ __attribute__((cleanup(cleanup_configp)))

/* A process JSON on its own (exec --process FILE): the "process" object of the spec.
 * `what` prefixes messages, e.g. "process.json". */
int config_parse_process(const char *text, const char *what, struct rbox_process *out,
                         rbox_err **err);
void config_process_clear(struct rbox_process *p);

/* linux.resources on its own (update --resources FILE): the "resources" object.
 * Fields that are absent stay unset. */
int config_parse_resources(const char *text, const char *what, struct rbox_resources *out,
                           rbox_err **err);
void config_resources_clear(struct rbox_resources *r);

/* Helpers used by other mechanisms. */
int capability_from_name(const char *name); /* "CAP_SYS_ADMIN" -> 21, -1 if unknown */
const char *capability_name(int cap);       /* 21 -> "CAP_SYS_ADMIN", NULL if unknown */
int rlimit_from_name(const char *name);     /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, -1 if unknown */
/* Parse one mount option list into m's parsed fields (used for config mounts and by callers
 * that synthesize mounts). Unknown options go to data. Returns -1 for invalid ones. */
int mount_options_parse(struct rbox_mount *m, const char *path, rbox_err **err);
/* The i-th accepted mount option / seccomp architecture / seccomp flag name; NULL past the end. */
const char *config_mount_option_name(size_t i);
const char *config_seccomp_arch_name(size_t i);
const char *config_seccomp_flag_name(size_t i);
/* The i-th linux.memoryPolicy mode / flag name the parser accepts; NULL past the end. */
const char *config_mempolicy_mode_name(size_t i);
const char *config_mempolicy_flag_name(size_t i);

#endif
