/* features.c - rbox-runtime features: the runtime-spec features document (features.md),
 * describing what this build accepts and what this host's kernel supports. */
#define _GNU_SOURCE
#include "caps.h"
#include "cli.h"
#include "json.h"
#include "seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif
#ifndef RBOX_COMMIT
#define RBOX_COMMIT "unknown"
#endif

static const char usage[] = "Usage: rbox-runtime features\n"
                            "\n"
                            "Print the runtime-spec features document (JSON): the OCI versions,\n"
                            "hooks, mount options, namespaces, capabilities, cgroup and seccomp\n"
                            "support of this build on this host.\n";

static void string_list(json_w *w, const char *key, const char *(*name)(size_t))
{
    jw_key(w, key);
    jw_arr_open(w);
    const char *n;
    for (size_t i = 0; (n = name(i)) != NULL; i++)
        jw_str(w, n);
    jw_arr_close(w);
}

static const char *hook_name(size_t i)
{
    return i < HOOK_KIND_COUNT ? hook_kind_names[i] : NULL;
}

static void namespaces(json_w *w)
{
    jw_key(w, "namespaces");
    jw_arr_open(w);
    for (int i = 0; i < NS_COUNT; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_proc_names[i]);
        if (access(path, F_OK) == 0)
            jw_str(w, ns_type_names[i]);
    }
    jw_arr_close(w);
}

static void capabilities(json_w *w)
{
    jw_key(w, "capabilities");
    jw_arr_open(w);
    int last = caps_last_cap();
    for (int cap = 0; cap <= last; cap++)
        if (capability_name(cap))
            jw_str(w, capability_name(cap));
    jw_arr_close(w);
}

/* The kernel's answer for one action (SECCOMP_GET_ACTION_AVAIL). */
static bool action_available(enum seccomp_action a)
{
    static const uint32_t value[SECCOMP_ACT_COUNT] = {
        [SECCOMP_ACT_KILL] = SECCOMP_RET_KILL_THREAD,
        [SECCOMP_ACT_KILL_PROCESS] = SECCOMP_RET_KILL_PROCESS,
        [SECCOMP_ACT_KILL_THREAD] = SECCOMP_RET_KILL_THREAD,
        [SECCOMP_ACT_TRAP] = SECCOMP_RET_TRAP,
        [SECCOMP_ACT_ERRNO] = SECCOMP_RET_ERRNO,
        [SECCOMP_ACT_TRACE] = SECCOMP_RET_TRACE,
        [SECCOMP_ACT_ALLOW] = SECCOMP_RET_ALLOW,
        [SECCOMP_ACT_LOG] = SECCOMP_RET_LOG,
        [SECCOMP_ACT_NOTIFY] = SECCOMP_RET_USER_NOTIF,
    };
    uint32_t v = value[a];
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &v) == 0;
}

/* A filter flag the kernel knows fails with EFAULT on a NULL program, an unknown one EINVAL. */
static bool flag_supported(const char *name)
{
    static const struct {
        const char *name;
        unsigned long flag;
    } flags[] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", 1UL << 0 },
        { "SECCOMP_FILTER_FLAG_LOG", 1UL << 1 },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1UL << 2 },
        /* only valid together with SECCOMP_FILTER_FLAG_NEW_LISTENER */
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", (1UL << 5) | (1UL << 3) },
    };
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (strcmp(flags[i].name, name) == 0)
            return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].flag, NULL) < 0 &&
                   errno == EFAULT;
    return false;
}

/* Does this build load seccomp profiles at all? Compile the smallest one. */
static bool seccomp_enabled(void)
{
    char *none[] = { NULL };
    struct rbox_seccomp s = {
        .present = true, .default_action = SECCOMP_ACT_ALLOW, .architectures = none, .flags = none
    };
    struct seccomp_prog *prog = NULL;
    rbox_err *err = NULL;
    int r = seccomp_compile(&s, NULL, &prog, &err);
    seccomp_prog_free(prog);
    rbox_err_free(err);
    return r == 0;
}

static void seccomp_section(json_w *w)
{
    jw_key(w, "seccomp");
    jw_obj_open(w);
    bool on = seccomp_enabled();
    jw_kbool(w, "enabled", on);
    if (on) {
        jw_key(w, "actions");
        jw_arr_open(w);
        for (int a = 0; a < SECCOMP_ACT_COUNT; a++)
            if (action_available((enum seccomp_action)a))
                jw_str(w, seccomp_action_names[a]);
        jw_arr_close(w);
        jw_key(w, "operators");
        jw_arr_open(w);
        for (int o = 0; o < SECCOMP_OP_COUNT; o++)
            jw_str(w, seccomp_op_names[o]);
        jw_arr_close(w);
        /* every name the parser accepts is known to the libseccomp (>= 2.5) we link */
        string_list(w, "archs", config_seccomp_arch_name);
        const char *n;
        string_list(w, "knownFlags", config_seccomp_flag_name);
        jw_key(w, "supportedFlags");
        jw_arr_open(w);
        for (size_t i = 0; (n = config_seccomp_flag_name(i)) != NULL; i++)
            if (flag_supported(n))
                jw_str(w, n);
        jw_arr_close(w);
    }
    jw_obj_close(w);
}

static void disabled(json_w *w, const char *key)
{
    jw_key(w, key);
    jw_obj_open(w);
    jw_kbool(w, "enabled", false);
    jw_obj_close(w);
}

static void linux_section(json_w *w)
{
    jw_key(w, "linux");
    jw_obj_open(w);
    namespaces(w);
    capabilities(w);
    jw_key(w, "cgroup");
    jw_obj_open(w);
    jw_kbool(w, "v1", true);
    jw_kbool(w, "v2", true);
    jw_kbool(w, "systemd", false);
    jw_kbool(w, "systemdUser", false);
    jw_kbool(w, "rdma", false);
    jw_obj_close(w);
    seccomp_section(w);
    disabled(w, "apparmor");
    disabled(w, "selinux");
    /* runtime-spec 1.3: refused at create (no resctrl support in this build) */
    jw_key(w, "intelRdt");
    jw_obj_open(w);
    jw_kbool(w, "enabled", false);
    jw_kbool(w, "schemata", false);
    jw_obj_close(w);
    jw_key(w, "memoryPolicy");
    jw_obj_open(w);
    string_list(w, "modes", config_mempolicy_mode_name);
    string_list(w, "flags", config_mempolicy_flag_name);
    jw_obj_close(w);
    jw_key(w, "netDevices");
    jw_obj_open(w);
    jw_kbool(w, "enabled", true);
    jw_obj_close(w);
    jw_key(w, "mountExtensions");
    jw_obj_open(w);
    disabled(w, "idmap");
    jw_obj_close(w);
    jw_obj_close(w);
}

int cmd_features(const struct global_opts *g, int argc, char **argv)
{
    (void)g;
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "features" };
    const char *arg;
    int id;
    while ((id = cli_next(&p, NULL, &arg, &err)) != 0)
        return id == CLI_HELP ? cli_usage(usage) : cli_fail(err);
    if (cli_require_args(&p, 0, 0, "", &err) < 0)
        return cli_fail(err);
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "ociVersionMin", "1.0.0");
    jw_kstr(&w, "ociVersionMax", "1.3.0");
    string_list(&w, "hooks", hook_name);
    /* idmapped mounts are parsed but not performed by this build: not listed */
    jw_key(&w, "mountOptions");
    jw_arr_open(&w);
    const char *n;
    for (size_t i = 0; (n = config_mount_option_name(i)) != NULL; i++)
        if (strcmp(n, "idmap") != 0 && strcmp(n, "ridmap") != 0)
            jw_str(&w, n);
    jw_arr_close(&w);
    linux_section(&w);
    jw_key(&w, "annotations");
    jw_obj_open(&w);
    jw_kstr(&w, "org.rbox.runtime.version", RBOX_VERSION);
    jw_kstr(&w, "org.rbox.runtime.commit", RBOX_COMMIT);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    jw_free(&w);
    return 0;
}
