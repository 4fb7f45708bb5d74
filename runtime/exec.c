/* exec.c - a new process in a running container (see exec.h).
 *
 * Protocol (one SOCK_SEQPACKET socketpair, the same numbers on both sides):
 *   the runtime forks the intermediate child A (still in the host's namespaces)
 *   1. runtime: A joins the container's cgroup (or --cgroup's sub-cgroups) -> SYNC_GO
 *   2. A: opens the init's root, joins its namespaces (user first), chroots into its root and
 *      forks B (B is in the container's pid namespace)               -> SYNC_PID (B's host pid)
 *      A exits; B is reparented to the runtime (a subreaper) or, with --detach, to the caller.
 *   3. runtime: the init is still the same live process (pidfd)      -> SYNC_START
 *   4. B: user, rlimits, cwd, terminal, capabilities, seccomp, execve; EOF on the socket (it is
 *      close-on-exec) means the exec happened, SYNC_ERROR carries why it did not. A filter with
 *      SCMP_ACT_NOTIFY adds B -> SYNC_SECCOMP (listener fd attached) before the execve: the
 *      runtime passes it on to linux.seccomp.listenerPath and answers SYNC_ACK (or SYNC_ERROR).
 */
#define _GNU_SOURCE
#include "exec.h"
#include "caps.h"
#include "foreground.h"
#include "json.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "pidfd.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct exec_ctx {
    const struct exec_opts *o;
    struct container_ref ref;
    struct rbox_config *cfg;    /* the container's saved config.json */
    struct rbox_config *sc_cfg; /* holds a seccomp profile given by --process */
    struct rbox_process proc;   /* from --process */
    struct rbox_process *p;     /* the process to run: &proc or &cfg->process */
    struct seccomp_prog *seccomp;
    bool which[NS_COUNT]; /* namespaces of the init that are not ours */
    int pidfd;            /* the init */
    int console_fd;       /* B's console socket (connected, or our socketpair's end) */
    int relay_fd;         /* our end when we relay the pty ourselves */
    int sync_fd;
    pid_t pid; /* B's host pid */

    enum container_status status; /* when exec began (for a seccomp agent) */
    bool paused;                  /* --ignore-paused and the container is paused */
    char **cg_dirs;               /* --cgroup: the directory to join in each hierarchy */
};

static void ctx_release(struct exec_ctx *x)
{
    container_ref_close(&x->ref);
    config_free(x->cfg);
    config_free(x->sc_cfg);
    if (x->p == &x->proc)
        config_process_clear(&x->proc);
    seccomp_prog_free(x->seccomp);
    strv_free(x->cg_dirs);
    x->cg_dirs = NULL;
    int *fds[] = { &x->pidfd, &x->console_fd, &x->relay_fd, &x->sync_fd };
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

/* --- the process ---------------------------------------------------------------------------- */

/* An rbox extension: a process JSON may carry "seccomp" (the schema of linux.seccomp). */
static int process_seccomp(struct exec_ctx *x, const char *text, rbox_err **err)
{
    yajl_val v = NULL;
    if (json_parse(text, x->o->process_file, &v, err) < 0)
        return -1;
    yajl_val sc = json_get(v, "seccomp");
    int ret = 0;
    if (sc) {
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_kstr(&w, "ociVersion", "1.2.0");
        jw_key(&w, "root");
        jw_obj_open(&w);
        jw_kstr(&w, "path", "/");
        jw_obj_close(&w);
        /* a config needs a process: a placeholder (the real one is parsed on its own) */
        jw_key(&w, "process");
        jw_obj_open(&w);
        jw_key(&w, "args");
        jw_arr_open(&w);
        jw_str(&w, "true");
        jw_arr_close(&w);
        jw_kstr(&w, "cwd", "/");
        jw_obj_close(&w);
        jw_key(&w, "linux");
        jw_obj_open(&w);
        jw_key(&w, "seccomp");
        jw_value(&w, sc);
        jw_obj_close(&w);
        jw_obj_close(&w);
        ret = config_parse(jw_text(&w, NULL), x->o->process_file, &x->sc_cfg, err);
        jw_free(&w);
    }
    yajl_tree_free(v);
    return ret;
}

static int parse_id(const char *flag, const char *s, uint32_t *out, rbox_err **err)
{
    uint64_t v;
    if (parse_u64(s, &v) < 0 || v > UINT32_MAX - 1)
        return rbox_error(err, 0, "%s: invalid id \"%s\" (a number is expected)", flag, s);
    *out = (uint32_t)v;
    return 0;
}

static int apply_user(struct rbox_process *p, const struct exec_opts *o, rbox_err **err)
{
    if (o->user) {
        _cleanup_free_ char *uid = xstrndup(o->user, strcspn(o->user, ":"));
        const char *gid = strchr(o->user, ':');
        if (parse_id("--user", uid, &p->user.uid, err) < 0 ||
            (gid && parse_id("--user", gid + 1, &p->user.gid, err) < 0))
            return -1;
    }
    size_t n = strv_len(o->additional_gids);
    if (n == 0)
        return 0;
    free(p->user.additional_gids);
    p->user.additional_gids = xcalloc(n, sizeof(gid_t));
    p->user.n_additional_gids = n;
    for (size_t i = 0; i < n; i++) {
        uint32_t g = 0;
        if (parse_id("--additional-gids", o->additional_gids[i], &g, err) < 0)
            return -1;
        p->user.additional_gids[i] = g;
    }
    return 0;
}

/* The command-line flags, on top of the container's process or the --process file. */
static int apply_flags(struct rbox_process *p, const struct exec_opts *o, rbox_err **err)
{
    if (o->args) {
        strv_free(p->args);
        p->args = strv_dup(o->args);
    }
    /* as runc: a command line gets a terminal only with --tty, whatever process.terminal of
     * the container says; a --process file says it itself (--tty forces one) */
    if (o->tty)
        p->terminal = true;
    else if (o->process_file == NULL)
        p->terminal = false;
    if (o->no_new_privs)
        p->no_new_privileges = true;
    if (o->cwd) {
        if (o->cwd[0] != '/')
            return rbox_error(err, 0, "--cwd: \"%s\" is not an absolute path", o->cwd);
        free(p->cwd);
        p->cwd = xstrdup(o->cwd);
    }
    for (size_t i = 0; o->env && o->env[i]; i++) {
        if (strchr(o->env[i], '=') == NULL || o->env[i][0] == '=')
            return rbox_error(err, 0, "--env: \"%s\" is not KEY=VALUE", o->env[i]);
        process_env_set(&p->env, o->env[i]);
    }
    for (size_t i = 0; o->caps && o->caps[i]; i++) {
        const char *name = o->caps[i];
        _cleanup_free_ char *full =
            str_has_prefix(name, "CAP_") ? xstrdup(name) : xasprintf("CAP_%s", name);
        int cap = capability_from_name(full);
        if (cap < 0)
            return rbox_error(err, 0, "--cap: unknown capability \"%s\"", name);
        uint64_t bit = 1ULL << cap;
        p->caps.bounding |= bit;
        p->caps.effective |= bit;
        p->caps.permitted |= bit;
        /* ambient needs inheritable: only when the process already has inheritable ones */
        if (p->caps.inheritable)
            p->caps.ambient |= bit;
    }
    return apply_user(p, o, err);
}

static int load_process(struct exec_ctx *x, rbox_err **err)
{
    const struct exec_opts *o = x->o;
    if (o->process_file) {
        if (o->args)
            return rbox_error(err, 0, "exec: --process and a command line are exclusive");
        _cleanup_free_ char *text = NULL;
        if (read_file_at(AT_FDCWD, o->process_file, &text, NULL) < 0)
            return rbox_error(err, errno, "--process %s", o->process_file);
        if (config_parse_process(text, o->process_file, &x->proc, err) < 0 ||
            process_seccomp(x, text, err) < 0)
            return -1;
        x->p = &x->proc;
    } else {
        if (o->args == NULL || o->args[0] == NULL)
            return rbox_error(err, 0, "exec: missing the command to run (or --process FILE)");
        x->p = &x->cfg->process;
    }
    return apply_flags(x->p, o, err);
}

/* --- before the fork ------------------------------------------------------------------------ */

static int check_running(struct exec_ctx *x, rbox_err **err)
{
    const char *id = x->o->id;
    enum container_status s = state_status(x->ref.dirfd, x->ref.st);
    /* as runc: a created container's init has its namespaces and root ready, so an exec works
     * before start; with --ignore-paused, the process joins the frozen cgroup and starts once
     * it is thawed (exec waits until then) */
    if (s == ST_PAUSED && !x->o->ignore_paused)
        return rbox_error(err, 0,
                          "cannot exec in container \"%s\": it is paused (resume it, or use "
                          "--ignore-paused)",
                          id);
    if (s != ST_RUNNING && s != ST_CREATED && s != ST_PAUSED)
        return rbox_error(err, 0, "cannot exec in container \"%s\": it is %s", id, status_name(s));
    x->paused = s == ST_PAUSED;
    x->status = s;
    /* hold the init: from here on its pid cannot name another process unnoticed */
    x->pidfd = pidfd_open_verified(x->ref.st->pid, x->ref.st->pid_start);
    if (x->pidfd < 0)
        return rbox_error(err, 0, "cannot exec in container \"%s\": it is stopped", id);
    return 0;
}

static bool same_ns(pid_t pid, const char *name)
{
    char a[64], b[64];
    struct stat sa, sb;
    snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
    snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
    if (stat(a, &sa) < 0)
        return true; /* not supported by this kernel: nothing to join */
    return stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static int setup_console(struct exec_ctx *x, rbox_err **err)
{
    const struct exec_opts *o = x->o;
    if (!x->p->terminal) {
        if (o->console_socket)
            return rbox_error(err, 0,
                              "--console-socket needs a terminal (--tty or "
                              "process.terminal)");
        return 0;
    }
    if (o->console_socket) {
        x->console_fd = terminal_connect_socket(o->console_socket, err);
        return x->console_fd < 0 ? -1 : 0;
    }
    if (o->detach)
        return rbox_error(err, 0, "a terminal with --detach needs --console-socket");
    return terminal_socketpair(&x->relay_fd, &x->console_fd, err);
}

static int prepare(struct exec_ctx *x, const struct global_opts *g, rbox_err **err)
{
    if (container_ref_open(g->root, x->o->id, true, &x->ref, err) < 0 || check_running(x, err) < 0)
        return -1;
    if (state_load_config(x->ref.dirfd, &x->cfg, err) < 0 || load_process(x, err) < 0)
        return -1;
    if (x->o->cgroups && x->ref.st->cgroup == NULL)
        return rbox_error(err, 0, "exec: --cgroup: container \"%s\" has no cgroup", x->o->id);
    if (x->ref.st->cgroup &&
        exec_cgroup_targets(x->ref.st->cgroup, x->o->cgroups, &x->cg_dirs, err) < 0)
        return -1;
    const struct rbox_seccomp *sc = x->sc_cfg ? &x->sc_cfg->linux.seccomp : &x->cfg->linux.seccomp;
    if (seccomp_compile(sc, g->root, &x->seccomp, err) < 0)
        return -1;
    for (int i = 0; i < NS_COUNT; i++)
        x->which[i] = !same_ns(x->ref.st->pid, ns_proc_names[i]);
    return setup_console(x, err);
}

/* --- the children --------------------------------------------------------------------------- */

static void child_signals(void)
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static bool setgroups_allowed(const struct exec_ctx *x)
{
    _cleanup_free_ char *sg = NULL;
    if (!x->which[NS_USER] || read_file_at(AT_FDCWD, "/proc/self/setgroups", &sg, NULL) < 0)
        return true;
    return !str_has_prefix(sg, "deny");
}

/* SCMP_ACT_NOTIFY: hand the listener fd to the runtime, which passes it on to listenerPath, and
 * wait until it did (as the init does at create). Runs under the filter already: the profile
 * must let sendmsg, recvfrom and close through. */
static int load_seccomp(struct exec_ctx *x, rbox_err **err)
{
    int notify_fd = -1;
    struct sync_msg m;
    if (seccomp_load(x->seccomp, &notify_fd, err) < 0)
        return -1;
    if (notify_fd < 0)
        return 0;
    int r = sync_send_fd(x->sync_fd, SYNC_SECCOMP, notify_fd);
    close(notify_fd);
    if (r < 0)
        return rbox_error(err, errno, "sending the seccomp listener fd to the runtime");
    return sync_expect(x->sync_fd, SYNC_ACK, &m, err);
}

/* Step 4 in B. Returns only on failure. */
static int exec_process(struct exec_ctx *x, rbox_err **err)
{
    const struct rbox_process *p = x->p;
    struct sync_msg m;
    if (sync_expect(x->sync_fd, SYNC_START, &m, err) < 0)
        _exit(1);
    if (process_set_oom_score_adj(p, err) < 0 || process_set_rlimits(p, err) < 0 ||
        process_set_misc(p, &x->cfg->linux, err) < 0)
        return -1;
    if (caps_drop_bounding(&p->caps, err) < 0 || caps_keep_on_setuid(err) < 0 ||
        process_set_user(p, setgroups_allowed(x), err) < 0 || caps_raise_effective(err) < 0)
        return -1;
    if (process_chdir(p, err) < 0)
        return -1;
    _cleanup_strv_ char **envp = process_env(p);
    _cleanup_free_ char *exe = NULL;
    if (process_find_executable(p->args[0], envp, &exe, err) < 0)
        return -1;
    if (p->terminal && terminal_setup_ex(p, x->console_fd, false, err) < 0)
        return -1;
    if (process_close_fds(x->o->preserve_fds, err) < 0)
        return -1;
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return rbox_error(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    /* as in the init: without no_new_privs or CAP_SYS_ADMIN left, load the filter first */
    bool seccomp_first = x->seccomp && !p->no_new_privileges &&
                         !(p->caps.effective & (1ULL << 21 /* CAP_SYS_ADMIN */));
    if (seccomp_first && load_seccomp(x, err) < 0)
        return -1;
    if (caps_apply(&p->caps, err) < 0)
        return -1;
    if (!seccomp_first && x->seccomp && load_seccomp(x, err) < 0)
        return -1;
    execve(exe, p->args, envp);
    return rbox_error(err, errno, "exec %s", exe);
}

/* Step 2 in A: join, fork B. Never returns. */
__attribute__((noreturn)) static void exec_intermediate(struct exec_ctx *x)
{
    rbox_err *err = NULL;
    struct sync_msg m;
    child_signals();
    if (sync_expect(x->sync_fd, SYNC_GO, &m, &err) < 0)
        _exit(1);
    pid_t init = x->ref.st->pid;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/root", (int)init);
    _cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        rbox_error(&err, errno, "opening %s", path);
        goto fail;
    }
    if (ns_join_pid(init, x->which, &err) < 0)
        goto fail;
    if (fchdir(root) < 0 || chroot(".") < 0) {
        rbox_error(&err, errno, "entering the container's root");
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        rbox_error(&err, errno, "fork");
        goto fail;
    }
    if (pid == 0) {
        exec_process(x, &err);
        sync_send_error(x->sync_fd, err);
        _exit(rbox_exec_exit_code(err));
    }
    _exit(sync_send(x->sync_fd, SYNC_PID, pid, NULL) < 0 ? 1 : 0);
fail:
    sync_send_error(x->sync_fd, err);
    _exit(1);
}

/* --- the runtime's side --------------------------------------------------------------------- */

static int reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* Steps 1-3 with A; returns with B's pid in x->pid once it is released. */
static int spawn(struct exec_ctx *x, rbox_err **err)
{
    pid_t a = fork_socketpair(&x->sync_fd, err);
    if (a < 0)
        return -1;
    if (a == 0)
        exec_intermediate(x);
    /* 1. */
    struct cgroup *cg = x->ref.st->cgroup;
    int r = x->cg_dirs ? exec_cgroup_enter(x->cg_dirs, a, err) : cg ? cgroup_enter(cg, a, err) : 0;
    if (r == 0 && sync_send(x->sync_fd, SYNC_GO, 0, NULL) < 0)
        r = rbox_error(err, errno, "sync");
    if (r < 0) {
        kill(a, SIGKILL);
        reap(a);
        return -1;
    }
    /* paused: A is frozen until `resume`, which needs the lock; the pidfd check of step 3 still
     * catches a container deleted meanwhile */
    if (x->paused)
        flock(x->ref.dirfd, LOCK_UN);
    /* 2. */
    struct sync_msg m;
    r = sync_expect(x->sync_fd, SYNC_PID, &m, err);
    reap(a);
    if (r < 0)
        return -1;
    x->pid = m.value;
    /* 3. the init lived through the join, so the namespaces were its own */
    struct pollfd pfd = { .fd = x->pidfd, .events = POLLIN };
    if (poll(&pfd, 1, 0) != 0) {
        kill(x->pid, SIGKILL);
        return rbox_error(err, 0, "container \"%s\" stopped during exec", x->o->id);
    }
    if (sync_send(x->sync_fd, SYNC_START, 0, NULL) < 0)
        return rbox_error(err, errno, "sync");
    return 0;
}

/* Step 4, SYNC_SECCOMP: the listener fd goes to listenerPath with the process's state (its pid,
 * the container's state), as runc sends it; then SYNC_ACK. */
static int pass_listener(struct exec_ctx *x, int nfd, rbox_err **err)
{
    const struct rbox_seccomp *sc = x->sc_cfg ? &x->sc_cfg->linux.seccomp : &x->cfg->linux.seccomp;
    _cleanup_free_ char *state = state_oci_json(x->ref.st, x->status, false);
    int r = seccomp_notify_send(sc, nfd, x->pid, state, err);
    close(nfd);
    if (r < 0) {
        sync_send_error(x->sync_fd, *err);
        return -1;
    }
    if (sync_send(x->sync_fd, SYNC_ACK, 0, NULL) < 0)
        return rbox_error(err, errno, "the exec'd process exited unexpectedly");
    return 0;
}

/* Step 4: EOF means the exec happened. */
static int await_exec(struct exec_ctx *x, rbox_err **err)
{
    struct sync_msg m;
    int r, nfd = -1;
    while ((r = sync_recv_fd(x->sync_fd, &m, &nfd)) > 0 && m.type == SYNC_SECCOMP) {
        if (nfd < 0)
            return rbox_error(err, EPROTO, "the exec'd process sent no seccomp listener fd");
        if (pass_listener(x, nfd, err) < 0)
            return -1;
        nfd = -1;
    }
    if (nfd >= 0)
        close(nfd);
    close(x->sync_fd);
    x->sync_fd = -1;
    if (r < 0)
        return rbox_error(err, errno, "reading from the exec'd process");
    if (r > 0 && m.type == SYNC_ERROR) {
        m.text[SYNC_MSG_MAX - 1] = '\0';
        return rbox_error_raw(err, m.value, m.text);
    }
    if (r > 0)
        return rbox_error(err, 0, "protocol error: unexpected message %d", m.type);
    return 0;
}

int container_exec(const struct global_opts *g, const struct exec_opts *o, rbox_err **err)
{
    struct exec_ctx x = {
        .o = o, .pidfd = -1, .console_fd = -1, .relay_fd = -1, .sync_fd = -1, .pid = -1
    };
    x.ref.dirfd = -1;
    sigset_t old;
    int sfd = -1, ret = -1;
    /* declared before the first goto: the jumps to out must not skip its initialization */
    _cleanup_close_ int master = -1;
    if (!o->detach) {
        /* B becomes our child when A exits; signals are forwarded to it */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        if ((sfd = foreground_signals(&old, err)) < 0)
            return -1;
    }
    log_debug("exec %s: preparing the process", o->id);
    if (prepare(&x, g, err) < 0 || spawn(&x, err) < 0)
        goto out;
    log_debug("exec %s: process is pid %d", o->id, (int)x.pid);
    /* B's end of the console socket stays with B only */
    if (x.console_fd >= 0) {
        close(x.console_fd);
        x.console_fd = -1;
    }
    if (await_exec(&x, err) < 0) {
        if (!o->detach)
            reap(x.pid); /* it reported the error and exits */
        goto out;
    }
    if (o->pid_file && write_pid_file(o->pid_file, x.pid, err) < 0) {
        kill(x.pid, SIGKILL);
        if (!o->detach)
            reap(x.pid);
        goto out;
    }
    log_debug("exec %s: pid %d runs", o->id, (int)x.pid);
    container_ref_close(&x.ref); /* unlock: the container may be deleted while we wait */
    if (o->detach) {
        ret = 0;
        goto out;
    }
    if (x.relay_fd >= 0 && terminal_recv_master(x.relay_fd, &master, err) < 0) {
        kill(x.pid, SIGKILL);
        reap(x.pid);
        goto out;
    }
    int status = foreground_wait(x.pid, sfd, master);
    ret = status < 0 ? 1 : foreground_exit_code(status);
out:
    ctx_release(&x);
    if (sfd >= 0)
        close(sfd);
    return ret;
}
