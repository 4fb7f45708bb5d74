/* process.c - config.json's "process": user, args, environment, cwd, capabilities (docker's
 * default set and its --cap-add/--cap-drop rule, or every one with --privileged), --init in
 * front of the args, --ulimit, noNewPrivileges. */
#define _GNU_SOURCE
#include "bundle.h"
#include "json.h"
#include "spec.h"
#include "util.h"

#include <ctype.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const default_caps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
};

static bool has(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static int cap_index(const char *name)
{
    for (size_t i = 0; i < cap_count(); i++)
        if (strcmp(name, cap_name_at(i)) == 0)
            return (int)i;
    return -1;
}

/* The capabilities rbox holds (permitted), which the runtime it runs can grant. */
static uint64_t own_caps(void)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct d[2] = { 0 };
    if (syscall(SYS_capget, &h, d) < 0)
        return ~0ull;
    return (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
}

/* docker's rule: ALL in --cap-add starts from every capability, ALL in --cap-drop from none;
 * then single adds, then single drops. */
uint64_t bundle_capability_set(const struct ctr_spec *s)
{
    uint64_t set = 0;
    if (s->rf.privileged)
        return ((1ull << cap_count()) - 1) & own_caps(); /* --privileged: every one we hold */
    if (has(s->cap_add, "ALL"))
        set = (1ull << cap_count()) - 1;
    else if (!has(s->cap_drop, "ALL"))
        for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
            set |= 1ull << cap_index(default_caps[i]);
    for (size_t i = 0; s->cap_add && s->cap_add[i]; i++)
        if (strcmp(s->cap_add[i], "ALL") != 0)
            set |= 1ull << cap_index(s->cap_add[i] + 4);
    for (size_t i = 0; s->cap_drop && s->cap_drop[i]; i++)
        if (strcmp(s->cap_drop[i], "ALL") != 0 && !has(s->cap_add, s->cap_drop[i]))
            set &= ~(1ull << cap_index(s->cap_drop[i] + 4));
    return set;
}

static void cap_list(json_w *w, const char *key, uint64_t set)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (size_t i = 0; i < cap_count(); i++)
        if (set & (1ull << i)) {
            char name[48];
            snprintf(name, sizeof(name), "CAP_%s", cap_name_at(i));
            jw_str(w, name);
        }
    jw_arr_close(w);
}

void bundle_process(json_w *w, const struct ctr_spec *s, const char *hostname)
{
    jw_key(w, "process");
    jw_obj_open(w);
    jw_kbool(w, "terminal", s->tty);
    jw_key(w, "user");
    jw_obj_open(w);
    jw_kuint(w, "uid", s->uid);
    jw_kuint(w, "gid", s->gid);
    if (s->n_groups) {
        jw_key(w, "additionalGids");
        jw_arr_open(w);
        for (size_t i = 0; i < s->n_groups; i++)
            jw_uint(w, s->groups[i]);
        jw_arr_close(w);
    }
    jw_obj_close(w);
    _cleanup_strv_ char **args = spec_args(s);
    jw_key(w, "args");
    jw_arr_open(w);
    if (s->rf.init) { /* --init: the init is PID 1 and runs the command (docker's args) */
        jw_str(w, RF_INIT_PATH);
        jw_str(w, "--");
    }
    for (size_t i = 0; args[i]; i++)
        jw_str(w, args[i]);
    jw_arr_close(w);
    jw_key(w, "env");
    jw_arr_open(w);
    bool path = false, home = false;
    for (size_t i = 0; s->env && s->env[i]; i++) {
        path = path || str_has_prefix(s->env[i], "PATH=");
        home = home || str_has_prefix(s->env[i], "HOME=");
    }
    if (!path)
        jw_str(w, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    _cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", hostname);
    jw_str(w, hn);
    bool term = false; /* -t: TERM=xterm unless given (docker) */
    for (size_t i = 0; s->env && s->env[i]; i++)
        term = term || str_has_prefix(s->env[i], "TERM=");
    if (s->tty && !term)
        jw_str(w, "TERM=xterm");
    for (size_t i = 0; s->env && s->env[i]; i++)
        jw_str(w, s->env[i]);
    if (!home) {
        _cleanup_free_ char *h = xasprintf("HOME=%s", s->home ? s->home : "/");
        jw_str(w, h);
    }
    jw_arr_close(w);
    jw_kstr(w, "cwd", s->workdir ? s->workdir : "/");
    uint64_t caps = bundle_capability_set(s);
    jw_key(w, "capabilities");
    jw_obj_open(w);
    cap_list(w, "bounding", caps);
    /* a non-root user keeps only the bounding set (moby's behaviour) */
    cap_list(w, "effective", s->uid == 0 ? caps : 0);
    cap_list(w, "permitted", s->uid == 0 ? caps : 0);
    jw_obj_close(w);
    if (s->rf.n_ulimits) { /* --ulimit */
        jw_key(w, "rlimits");
        jw_arr_open(w);
        for (size_t i = 0; i < s->rf.n_ulimits; i++) {
            char type[32];
            snprintf(type, sizeof(type), "RLIMIT_%s", s->rf.ulimits[i].name);
            for (char *c = type; *c; c++)
                *c = (char)toupper((unsigned char)*c);
            jw_obj_open(w);
            jw_kstr(w, "type", type);
            jw_kuint(w, "soft", s->rf.ulimits[i].soft);
            jw_kuint(w, "hard", s->rf.ulimits[i].hard);
            jw_obj_close(w);
        }
        jw_arr_close(w);
    }
    jw_kbool(w, "noNewPrivileges", sbx_no_new_privs(&s->sbx));
    jw_obj_close(w);
}
