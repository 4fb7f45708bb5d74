/* init.c - the container's init: from clone to execve of the user's process.
 *
 * Protocol steps (see sync.h; the same numbers are in container.c):
 *   1. wait for SYNC_GO: maps written, cgroup joined (value = our host pid)
 *   2. namespaces joined by path, cgroup namespace; mounts prepared in the rootfs
 *      -> SYNC_HOOKS / <- SYNC_ACK when prestart/createRuntime hooks exist
 *      createContainer hooks, hostname, sysctl, masked/readonly paths, pivot_root
 *   3. rlimits, user, cwd, executable resolved -> SYNC_READY
 *   4. <- SYNC_COMMIT then wait on the start gate (create), or <- SYNC_START (run)
 *      capabilities, seccomp, startContainer hooks, execve
 */
#define _GNU_SOURCE
#include "init.h"
#include "caps.h"
#include "devices.h"
#include "hooks.h"
#include "log.h"
#include "lsm.h"
#include "mempolicy.h"
#include "mounts.h"
#include "netdev.h"
#include "path.h"
#include "process.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Until execve, the init is pid 1 of its namespace: it would ignore SIGTERM from `kill` unless
 * it has a handler. A created-but-not-started container must die on TERM/INT/HUP/QUIT. */
static void die_on_signal(int sig)
{
    _exit(128 + sig);
}

static void init_signals(void)
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);
    struct sigaction die = { .sa_handler = die_on_signal };
    int fatal[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
        sigaction(fatal[i], &die, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Restore default dispositions right before execve (handlers are reset by execve anyway, but
 * be explicit for clarity). */
static void reset_signals(void)
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    int fatal[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
        sigaction(fatal[i], &dfl, NULL);
}

/* Double-fork path: tell the runtime our pid, translated into its pid namespace by the kernel. */
static int send_own_pid(int fd, rbox_err **err)
{
    struct sync_msg m = { .type = SYNC_PID, .value = 0 };
    struct iovec iov = { .iov_base = &m, .iov_len = offsetof(struct sync_msg, text) + 1 };
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred cred = { .pid = getpid(), .uid = getuid(), .gid = getgid() };
    memcpy(CMSG_DATA(c), &cred, sizeof(cred));
    m.text[0] = '\0';
    if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
        return rbox_error(err, errno, "reporting the init pid");
    return 0;
}

static int set_hostname(const struct rbox_config *cfg, rbox_err **err)
{
    if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
        return rbox_error(err, errno, "setting hostname \"%s\"", cfg->hostname);
    if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
        return rbox_error(err, errno, "setting domainname \"%s\"", cfg->domainname);
    return 0;
}

static int set_sysctls(int rootfd, const struct rbox_linux *l, rbox_err **err)
{
    for (size_t i = 0; i < l->n_sysctl; i++) {
        _cleanup_free_ char *path = xasprintf("/proc/sys/%s", l->sysctl[i].key);
        for (char *p = path + strlen("/proc/sys/"); *p; p++)
            if (*p == '.')
                *p = '/';
        _cleanup_close_ int fd = open_in_root(rootfd, path, O_WRONLY | O_TRUNC, 0);
        const char *v = l->sysctl[i].value;
        if (fd < 0 || write_all(fd, v, strlen(v)) < 0)
            return rbox_error(err, errno, "linux.sysctl: setting %s to \"%s\"", l->sysctl[i].key,
                              v);
    }
    return 0;
}

/* Step 2: the root filesystem, up to and including pivot_root. */
static int init_rootfs(struct init_args *a, pid_t host_pid, rbox_err **err)
{
    const struct rbox_config *cfg = a->cfg;
    struct mount_env env = {
        .cfg = cfg,
        .rootfd = -1,
        .userns = cfg->linux.ns[NS_USER].present || userns_unprivileged(),
        .new_cgroupns = cfg->linux.ns[NS_CGROUP].present && !cfg->linux.ns[NS_CGROUP].path,
        .new_netns = cfg->linux.ns[NS_NET].present && !cfg->linux.ns[NS_NET].path,
        .cg = a->cg,
        .dev_ro_fd = -1,
        .bind_fds = a->bind_fds,
        .host_mountns = !cfg->linux.ns[NS_MOUNT].present,
    };
    if (mounts_prepare_root(&env, err) < 0 || mounts_setup(&env, err) < 0)
        goto fail;
    log_debug("init: config.json's mounts done");
    if (devices_setup(env.rootfd, cfg, env.userns, err) < 0 || mounts_dev_readonly(&env, err) < 0)
        goto fail;
    log_debug("init: device nodes and links made");
    if (hooks_any(&cfg->hooks, HOOK_PRESTART) || hooks_any(&cfg->hooks, HOOK_CREATE_RUNTIME)) {
        struct sync_msg m;
        if (sync_send(a->sync_fd, SYNC_HOOKS, 0, NULL) < 0 ||
            sync_expect(a->sync_fd, SYNC_ACK, &m, err) < 0)
            goto fail;
    }
    if (hooks_any(&cfg->hooks, HOOK_CREATE_CONTAINER)) {
        /* runc runs them with the container's rootfs (not yet pivoted to) as their cwd */
        _cleanup_free_ char *state = state_json_from_config(cfg, a->id, host_pid, ST_CREATING);
        if (fchdir(env.rootfd) < 0) {
            rbox_error(err, errno, "chdir to the rootfs for the createContainer hooks");
            goto fail;
        }
        if (hooks_run(&cfg->hooks, HOOK_CREATE_CONTAINER, state, err) < 0)
            goto fail;
    }
    if (set_hostname(cfg, err) < 0 || set_sysctls(env.rootfd, &cfg->linux, err) < 0 ||
        mounts_mask_and_readonly(&env, err) < 0)
        goto fail;
    log_debug("init: hostname, sysctls, masked and read-only paths done");
    /* process.cwd is created when missing, as runc does */
    int cwdfd = mkdir_all_in_root(env.rootfd, cfg->process.cwd, 0755, err);
    if (cwdfd < 0) {
        rbox_error_prefix(err, "process.cwd"); /* magic links (/proc/self/fd/N) end here too */
        goto fail;
    }
    close(cwdfd);
    if (lsm_prepare(&cfg->process, err) < 0 || mounts_pivot(&env, a->no_pivot, err) < 0)
        goto fail;
    log_debug("init: %s done", a->no_pivot ? "MS_MOVE and chroot" : "pivot_root");
    close(env.rootfd);
    return 0;
fail:
    if (env.rootfd >= 0)
        close(env.rootfd);
    if (env.dev_ro_fd >= 0)
        close(env.dev_ro_fd);
    return -1;
}

/* Step 3: the process's identity and what it will exec. */
static int init_process(struct init_args *a, char **exe, char ***envp, rbox_err **err)
{
    const struct rbox_config *cfg = a->cfg;
    const struct rbox_process *p = &cfg->process;
    bool setgroups_ok = true;
    if (cfg->linux.ns[NS_USER].present) {
        _cleanup_free_ char *sg = NULL;
        if (read_file_at(AT_FDCWD, "/proc/self/setgroups", &sg, NULL) == 0)
            setgroups_ok = !str_has_prefix(sg, "deny");
    }
    if (process_set_rlimits(p, err) < 0 || process_set_misc(p, &cfg->linux, err) < 0)
        return -1;
    if (caps_drop_bounding(&p->caps, err) < 0 || caps_keep_on_setuid(err) < 0 ||
        process_set_user(p, setgroups_ok, err) < 0 || caps_raise_effective(err) < 0)
        return -1;
    if (process_chdir(p, err) < 0)
        return -1;
    *envp = process_env(p);
    if (a->listen_fds > 0)
        process_env_listen(envp, a->listen_fds);
    if (process_find_executable(p->args[0], *envp, exe, err) < 0)
        return -1;
    if (p->terminal && a->console_fd >= 0 && terminal_setup(p, a->console_fd, err) < 0)
        return -1;
    return 0;
}

/* Accept connections on the start gate until one says "start". Probes that connect and go
 * away (or a `start` that died) do not count. */
static int wait_start_gate(int listen_fd, int *conn, rbox_err **err)
{
    for (;;) {
        int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return rbox_error(err, errno, "waiting for start");
        }
        char b = 0;
        ssize_t n;
        do {
            n = recv(c, &b, 1, 0);
        } while (n < 0 && errno == EINTR);
        if (n == 1 && b == 'S') {
            *conn = c;
            return 0;
        }
        close(c);
    }
}

/* SCMP_ACT_NOTIFY: hand the listener fd to the runtime on the host (it passes it on to
 * linux.seccomp.listenerPath) and wait until it did. Runs under the filter already: the
 * profile must let sendmsg, recvfrom and close through. */
static int hand_over_notify_fd(int sync_fd, int notify_fd, rbox_err **err)
{
    struct sync_msg m;
    int r = sync_send_fd(sync_fd, SYNC_SECCOMP, notify_fd);
    close(notify_fd);
    if (r < 0)
        return rbox_error(err, errno, "sending the seccomp listener fd to the runtime");
    return sync_expect(sync_fd, SYNC_ACK, &m, err);
}

static int load_seccomp(struct init_args *a, rbox_err **err)
{
    int notify_fd = -1;
    if (seccomp_load(a->seccomp, &notify_fd, err) < 0)
        return -1;
    return notify_fd >= 0 ? hand_over_notify_fd(a->sync_fd, notify_fd, err) : 0;
}

/* Step 4 (last part): capabilities, seccomp, startContainer hooks, exec. Returns only on
 * failure. */
static int init_exec(struct init_args *a, pid_t host_pid, const char *exe, char **envp,
                     rbox_err **err)
{
    const struct rbox_config *cfg = a->cfg;
    const struct rbox_process *p = &cfg->process;
    if (process_close_fds(a->listen_fds + a->preserve_fds, err) < 0 || lsm_apply(p, err) < 0)
        return -1;
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return rbox_error(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    /* last allocations of the runtime's code are done: the policy is for the user's process */
    if (mempolicy_apply(&cfg->linux.memory_policy, err) < 0)
        return -1;
    reset_signals();
    /* Loading a filter needs no_new_privs or CAP_SYS_ADMIN (we still have every permitted
     * capability raised here). When neither is left in the final sets, the filter must be
     * loaded before the capabilities are applied (the profile must then allow capset/prctl);
     * otherwise it is the very last step before execve. */
    bool seccomp_first = a->seccomp && !p->no_new_privileges &&
                         !(p->caps.effective & (1ULL << 21 /* CAP_SYS_ADMIN */));
    if (seccomp_first && load_seccomp(a, err) < 0)
        return -1;
    if (caps_apply(&p->caps, err) < 0)
        return seccomp_first ? rbox_error_prefix(err, "after loading the seccomp filter "
                                                      "(noNewPrivileges is false and "
                                                      "CAP_SYS_ADMIN is dropped)")
                             : -1;
    if (!seccomp_first && a->seccomp && load_seccomp(a, err) < 0)
        return -1;
    log_debug("init: capabilities applied%s; execve %s",
              a->seccomp ? ", seccomp filter loaded" : "", exe);
    /* As runc: the hooks run as the process will, under its seccomp filter and capabilities,
     * and see none of the fds the runtime's caller leaked (they are close-on-exec by now). */
    if (hooks_any(&cfg->hooks, HOOK_START_CONTAINER)) {
        _cleanup_free_ char *state = state_json_from_config(cfg, a->id, host_pid, ST_CREATED);
        if (hooks_run(&cfg->hooks, HOOK_START_CONTAINER, state, err) < 0)
            return -1;
    }
    execve(exe, p->args, envp);
    return rbox_error(err, errno, "exec %s", exe);
}

static int init_run(struct init_args *a, rbox_err **err)
{
    const struct rbox_config *cfg = a->cfg;
    struct sync_msg m;
    init_signals();
    if (a->join_cgroup && cgroup_enter_self(a->cg, a->cgroup_v2_joined, err) < 0)
        return -1;
    if (a->report_pid && send_own_pid(a->sync_fd, err) < 0)
        return -1;
    /* 1. maps written and cgroup joined */
    if (sync_expect(a->sync_fd, SYNC_GO, &m, err) < 0)
        return -1;
    pid_t host_pid = m.value;
    /* its own session and process group, as runc: a caller that kills its own process group
     * (conmon's --timeout) must not take the container with it, nor the container the caller */
    if (setsid() < 0)
        return rbox_error(err, errno, "setsid");
    if (a->new_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        return rbox_error(err, errno, "becoming root in the new user namespace");
    /* 2. namespaces joined by path (fast path), cgroup namespace after the cgroup join */
    if (ns_join(a->plan, false, err) < 0)
        return -1;
    if (cfg->linux.ns[NS_CGROUP].present && !cfg->linux.ns[NS_CGROUP].path &&
        unshare(CLONE_NEWCGROUP) < 0)
        return rbox_error(err, errno, "creating the cgroup namespace");
    /* a new network namespace starts with lo down; docker and podman users expect it up */
    if (cfg->linux.ns[NS_NET].present && !cfg->linux.ns[NS_NET].path && ns_loopback_up(err) < 0)
        return -1;
    if (netdev_up(&cfg->linux, err) < 0)
        return -1;
    log_debug("init: session, namespaces, lo up");
    if (process_set_oom_score_adj(&cfg->process, err) < 0 || init_rootfs(a, host_pid, err) < 0)
        return -1;
    /* 3. identity and executable */
    _cleanup_free_ char *exe = NULL;
    _cleanup_strv_ char **envp = NULL;
    if (init_process(a, &exe, &envp, err) < 0)
        return -1;
    log_debug("init: rlimits, bounding set, user and executable set up");
    if (sync_send(a->sync_fd, SYNC_READY, 0, NULL) < 0)
        return rbox_error(err, errno, "reporting ready");
    /* 4. wait for start */
    if (a->start_fd < 0) {
        if (sync_expect(a->sync_fd, SYNC_START, &m, err) < 0)
            _exit(1); /* the runtime is gone or failed: nothing to report to */
        return init_exec(a, host_pid, exe, envp, err);
    }
    if (sync_expect(a->sync_fd, SYNC_COMMIT, &m, err) < 0)
        _exit(1);
    close(a->sync_fd);
    a->sync_fd = -1;
    int conn = -1;
    if (wait_start_gate(a->start_fd, &conn, err) < 0)
        return -1;
    a->sync_fd = conn; /* errors from here on go to `start` */
    return init_exec(a, host_pid, exe, envp, err);
}

void init_main(struct init_args *a)
{
    rbox_err *err = NULL;
    init_run(a, &err);
    if (a->sync_fd >= 0)
        sync_send_error(a->sync_fd, err);
    /* 127/126 as a shell would: command not found / not executable */
    _exit(rbox_exec_exit_code(err));
}

/* Double-fork path: join namespaces by path (user first), create the new ones, fork the init. */
void init_intermediate(struct init_args *a)
{
    rbox_err *err = NULL;
    struct sync_msg m;
    struct ns_plan *plan = a->plan;
    if (ns_join(plan, true, &err) < 0 || ns_join(plan, false, &err) < 0)
        goto fail;
    /* --no-pivot in a new user namespace: before it exists (see mounts_nopivot.c) */
    if (mounts_nopivot_lock_needed(a->cfg, a->no_pivot, a->new_userns) &&
        mounts_nopivot_lock_host(a->cfg, &err) < 0)
        goto fail;
    if (plan->fds[NS_PID] >= 0) {
        if (setns(plan->fds[NS_PID], CLONE_NEWPID) < 0) {
            rbox_error(&err, errno, "joining the pid namespace");
            goto fail;
        }
        close(plan->fds[NS_PID]);
        plan->fds[NS_PID] = -1;
    }
    if (a->new_userns) {
        if (unshare(CLONE_NEWUSER) < 0) {
            rbox_error(&err, errno, "creating the user namespace");
            goto fail;
        }
        if (sync_send(a->sync_fd, SYNC_MAPS, 0, NULL) < 0 ||
            sync_expect(a->sync_fd, SYNC_ACK, &m, &err) < 0)
            _exit(1);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
            rbox_error(&err, errno, "becoming root in the new user namespace");
            goto fail;
        }
    }
    int flags = plan->new_flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP);
    if (flags && unshare(flags) < 0) {
        rbox_error(&err, errno, "creating namespaces");
        goto fail;
    }
    /* the uid switch above left us non-dumpable, which hands /proc/self to the host's root:
     * timens_offsets would not be writable */
    if (a->new_userns && ns_needs_time_offsets(a->cfg))
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (ns_write_time_offsets(a->cfg, &err) < 0)
        goto fail;
    pid_t pid = fork();
    if (pid < 0) {
        rbox_error(&err, errno, "fork");
        goto fail;
    }
    if (pid == 0) {
        a->report_pid = true;
        a->new_userns = false; /* already done here; the init is root in it */
        init_main(a);
    }
    _exit(0);
fail:
    sync_send_error(a->sync_fd, err);
    _exit(1);
}
