/* container.c - the runtime side of create/start/run/delete.
 *
 * Protocol steps (see sync.h; the same numbers are in init.c):
 *   clone (one clone3 with every new namespace when nothing is joined by path, else the
 *   double-fork path through init_intermediate) ->
 *   1. write uid/gid maps, join the cgroup (unless CLONE_INTO_CGROUP did) -> SYNC_GO
 *   2. <- SYNC_HOOKS: run prestart + createRuntime hooks -> SYNC_ACK
 *   3. <- SYNC_READY: write config copy, state.json, --pid-file
 *   4. create: -> SYNC_COMMIT and exit; run: -> SYNC_START, EOF means the exec happened
 */
#define _GNU_SOURCE
#include "container.h"
#include "hooks.h"
#include "hostmounts.h"
#include "init.h"
#include "log.h"
#include "mounts.h"
#include "namespaces.h"
#include "netdev.h"
#include "process.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "userns.h"
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Everything a create holds until it succeeds or is undone. */
struct creating {
    const struct global_opts *g;
    const struct create_opts *o;
    struct rbox_config *cfg;
    struct ns_plan plan;
    struct cgroup *cg;
    struct seccomp_prog *seccomp;
    int dirfd, sync_fd, start_fd, console_fd, cgroup_fd;
    int relay_fd;  /* foreground run with a terminal: our end of the console socketpair */
    pid_t child;   /* the direct child (the init, or the intermediate on the double-fork path) */
    pid_t pid;     /* the init's host pid */
    int *bind_fds; /* new user namespace: bind sources opened here (mounts_open_bind_sources) */
    bool state_dir_made;
    int *cg_predicted; /* the cgroup components the first state.json said would be ours */
    /* no mount namespace: the mount at the rootfs path before the init mounted on it, and the
     * init's bind once it is ready (hostmounts.h) */
    uint64_t host_mount_base, host_mount_id;
};

static int unix_addr(struct sockaddr_un *sa, int dirfd, const char *name)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, name);
    return n < (int)sizeof(sa->sun_path) ? 0 : -1;
}

/* The start gate: a listening unix socket in the state dir, inherited by the init. */
static int make_start_socket(int dirfd, rbox_err **err)
{
    struct sockaddr_un sa;
    unix_addr(&sa, dirfd, START_SOCKET);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rbox_error(err, errno, "creating the start socket");
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
        int saved = errno;
        close(fd);
        return rbox_error(err, saved, "binding the start socket");
    }
    return fd;
}

static int write_id_maps(pid_t pid, const struct rbox_config *cfg, rbox_err **err)
{
    return userns_write_maps(pid, cfg, err);
}

static pid_t clone3_into(uint64_t flags, int cgroup_fd)
{
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    ca.flags = flags;
    ca.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cgroup_fd;
    }
    return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* The fast path needs nothing joined by path (then one clone3 creates everything). */
static bool can_clone_once(const struct ns_plan *plan)
{
    for (int i = 0; i < NS_COUNT; i++)
        if (plan->fds[i] >= 0 && (i == NS_USER || i == NS_PID || plan->new_user))
            return false;
    return true;
}

static int recv_pid_creds(int fd, struct sync_msg *m, pid_t *pid, rbox_err **err)
{
    struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)
    };
    ssize_t r;
    do {
        r = recvmsg(fd, &msg, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return rbox_error(err, errno, "reading from the container init");
    if (r == 0)
        return rbox_error(err, 0, "container init exited unexpectedly");
    m->text[SYNC_MSG_MAX - 1] = '\0';
    if (m->type == SYNC_ERROR)
        return rbox_error_raw(err, m->value, m->text);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof(cred));
            *pid = cred.pid;
        }
    }
    return 0;
}

/* Double-fork path: serve the intermediate child (maps) until the init reports its pid. */
static int await_init_pid(struct creating *cr, rbox_err **err)
{
    for (;;) {
        struct sync_msg m;
        pid_t pid = 0;
        if (recv_pid_creds(cr->sync_fd, &m, &pid, err) < 0)
            return -1;
        if (m.type == SYNC_MAPS) {
            if (write_id_maps(cr->child, cr->cfg, err) < 0)
                return -1;
            if (sync_send(cr->sync_fd, SYNC_ACK, 0, NULL) < 0)
                return rbox_error(err, errno, "sync");
            continue;
        }
        if (m.type != SYNC_PID || pid <= 0)
            return rbox_error(err, 0, "protocol error: expected the init's pid");
        cr->pid = pid;
        int status;
        while (waitpid(cr->child, &status, 0) < 0 && errno == EINTR)
            ;
        cr->child = -1;
        return 0;
    }
}

static int spawn_init(struct creating *cr, rbox_err **err)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return rbox_error(err, errno, "socketpair");
    int one = 1;
    setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    struct init_args a = {
        .cfg = cr->cfg,
        .id = cr->o->id,
        .sync_fd = sp[1],
        .start_fd = cr->start_fd,
        .console_fd = cr->console_fd,
        .no_pivot = cr->o->no_pivot,
        .preserve_fds = cr->o->preserve_fds,
        .listen_fds = process_listen_fds(),
        .plan = &cr->plan,
        .cg = cr->cg,
        .seccomp = cr->seccomp,
        .new_userns = cr->plan.new_user,
        .bind_fds = cr->bind_fds,
    };
    /* --no-pivot in a new user namespace may need a step before the user namespace exists */
    bool once = can_clone_once(&cr->plan) && !ns_needs_time_offsets(cr->cfg) &&
                !mounts_nopivot_lock_needed(cr->cfg, cr->o->no_pivot, cr->plan.new_user);
    uint64_t flags = once ? (uint64_t)(cr->plan.new_flags & ~CLONE_NEWCGROUP) : 0;
    /* one clone3 on a v1/hybrid host: the init joins the v1 hierarchies itself, the fast way
     * (cgroup_enter_self); the cgroup2 one (pure v2, or hybrid's unified) comes with clone3 */
    a.join_cgroup = once && cr->cg && cr->cg->layout != CG_LAYOUT_V2;
    a.cgroup_v2_joined = once && cr->cgroup_fd >= 0;
    pid_t pid = clone3_into(flags, once ? cr->cgroup_fd : -1);
    if (pid < 0) {
        int saved = errno;
        close(sp[0]);
        close(sp[1]);
        return rbox_error(err, saved, "clone3");
    }
    if (pid == 0) {
        close(sp[0]);
        if (once)
            init_main(&a);
        init_intermediate(&a);
    }
    close(sp[1]);
    log_debug("clone3: child %d", (int)pid);
    cr->sync_fd = sp[0];
    cr->child = pid;
    if (once) {
        cr->pid = pid;
        if (cr->plan.new_user && write_id_maps(pid, cr->cfg, err) < 0)
            return -1;
    } else if (await_init_pid(cr, err) < 0) {
        return -1;
    }
    /* linux.netDevices: into the init's network namespace (it exists by now on both paths) */
    if (netdev_move(&cr->cfg->linux, cr->pid, cr->plan.fds[NS_NET], err) < 0)
        return -1;
    /* 1. the init joins its cgroup before anything of the user's runs */
    if (cr->cg && !a.join_cgroup && !a.cgroup_v2_joined && cgroup_enter(cr->cg, cr->pid, err) < 0)
        return -1;
    if (sync_send(cr->sync_fd, SYNC_GO, cr->pid, NULL) < 0)
        return rbox_error(err, errno, "sync");
    log_debug("container init is pid %d (%s)", (int)cr->pid,
              once ? "one clone3" : "through an intermediate process");
    return 0;
}

/* 2-3: serve hook requests until the init is ready. */
static int await_ready(struct creating *cr, rbox_err **err)
{
    for (;;) {
        struct sync_msg m;
        int r = sync_recv(cr->sync_fd, &m);
        if (r < 0)
            return rbox_error(err, errno, "reading from the container init");
        if (r == 0)
            return rbox_error(err, 0, "container init exited unexpectedly");
        if (m.type == SYNC_ERROR)
            return rbox_error_raw(err, m.value, m.text);
        if (m.type == SYNC_READY) {
            log_debug("container init is ready: mounts, pivot_root and the process set up");
            return 0;
        }
        if (m.type != SYNC_HOOKS)
            return rbox_error(err, 0, "protocol error: unexpected message %d", m.type);
        _cleanup_free_ char *state =
            state_json_from_config(cr->cfg, cr->o->id, cr->pid, ST_CREATING);
        if (hooks_run(&cr->cfg->hooks, HOOK_PRESTART, state, err) < 0 ||
            hooks_run(&cr->cfg->hooks, HOOK_CREATE_RUNTIME, state, err) < 0)
            return -1;
        if (sync_send(cr->sync_fd, SYNC_ACK, 0, NULL) < 0)
            return rbox_error(err, errno, "sync");
    }
}

int write_pid_file(const char *path, pid_t pid, rbox_err **err)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    _cleanup_free_ char *dir = NULL;
    const char *slash = strrchr(path, '/');
    dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 ||
        write_file_atomic_at(dfd, slash ? slash + 1 : path, buf, (size_t)n, 0644, false) < 0)
        return rbox_error(err, errno, "--pid-file %s", path);
    return 0;
}

static struct rbox_state *make_state(struct creating *cr)
{
    struct rbox_state *st = xzalloc(sizeof(*st));
    struct timespec now;
    char tbuf[48];
    clock_gettime(CLOCK_REALTIME, &now);
    format_time_rfc3339(&now, tbuf, sizeof(tbuf));
    st->id = xstrdup(cr->o->id);
    st->pid = cr->pid;
    st->pid_start = proc_start_time(cr->pid);
    st->bundle = xstrdup(cr->cfg->bundle);
    st->rootfs = xstrdup(cr->cfg->rootfs);
    st->created = xstrdup(tbuf);
    st->owner = geteuid();
    st->systemd_cgroup = cr->g->systemd_cgroup;
    st->rootless = cr->g->rootless;
    st->cgroup = steal_pointer(&cr->cg);
    st->has_poststart = hooks_any(&cr->cfg->hooks, HOOK_POSTSTART);
    st->has_poststop = hooks_any(&cr->cfg->hooks, HOOK_POSTSTOP);
    st->host_mount_id = cr->host_mount_id;
    st->annotations = xcalloc(cr->cfg->n_annotations + 1, sizeof(struct rbox_kv));
    for (size_t i = 0; i < cr->cfg->n_annotations; i++) {
        st->annotations[i].key = xstrdup(cr->cfg->annotations[i].key);
        st->annotations[i].value = xstrdup(cr->cfg->annotations[i].value);
    }
    st->n_annotations = cr->cfg->n_annotations;
    return st;
}

/* A create that failed once the init ran: if the kernel's OOM killer struck in the container's
 * cgroup (v1 memory.oom_control, v2 memory.events: oom_kill), that is the reason, not the lost
 * sync socket ("container init exited unexpectedly") it caused. */
static void explain_oom(struct creating *cr, rbox_err **err)
{
    uint64_t kills = 0;
    if (err == NULL || cr->pid <= 0 || cr->cg == NULL || !cgroup_oom_kills(cr->cg, &kills) ||
        kills == 0)
        return;
    const opt_i64 *limit = &cr->cfg->linux.resources.memory.limit;
    rbox_err_free(steal_pointer(err));
    if (limit->set && limit->v > 0)
        rbox_error(err, 0,
                   "the container init was OOM-killed during setup: "
                   "linux.resources.memory.limit %lld is too small",
                   (long long)limit->v);
    else
        rbox_error(err, 0, "the container init was OOM-killed during setup");
}

/* The state of a create still in progress (status "creating" while this process lives). The
 * first one is written with the state dir, before any cgroup exists: it claims the container's
 * own leaf in every hierarchy (created >= 1) so that after a kill -9 at any point `delete` removes
 * whatever cgroup_create got to make; later ones record the real counts. */
static int write_creating_state(struct creating *cr, bool first, rbox_err **err)
{
    struct rbox_state *st = make_state(cr);
    st->pid = 0;
    st->pid_start = 0;
    st->creating = true;
    st->creator_pid = getpid();
    st->creator_start = proc_start_time(st->creator_pid);
    /* Before the cgroup exists: each component of its path that is missing now counts as ours,
     * so a create killed from here on leaves something `delete` can clean (and nothing it must
     * not). When cgroup_create then makes exactly these, this state needs no rewrite. */
    int saved[64];
    size_t n = st->cgroup && first ? st->cgroup->n : 0;
    if (n > ARRAY_SIZE(saved))
        n = ARRAY_SIZE(saved);
    free(cr->cg_predicted);
    cr->cg_predicted = n ? xcalloc(n, sizeof(int)) : NULL;
    for (size_t i = 0; i < n; i++) {
        saved[i] = st->cgroup->h[i].created;
        st->cgroup->h[i].created = cr->cg_predicted[i] = cgroup_missing_depth(st->cgroup->h[i].dir);
    }
    int r = first ? state_dir_create(cr->g->root, cr->o->id, st, &cr->dirfd, err)
                  : state_write(cr->dirfd, st, err);
    for (size_t i = 0; i < n; i++)
        st->cgroup->h[i].created = saved[i];
    cr->cg = steal_pointer(&st->cgroup);
    state_free(st);
    return r;
}

/* cgroup_create made exactly the components the first state.json counted as ours. */
static bool cgroup_as_predicted(const struct creating *cr)
{
    if (cr->cg == NULL || cr->cg_predicted == NULL)
        return false;
    for (size_t i = 0; i < cr->cg->n; i++)
        if (i >= 64 || cr->cg->h[i].created != cr->cg_predicted[i])
            return false;
    return true;
}

/* Undo a failed create: nothing may be left behind. */
static void undo_create(struct creating *cr)
{
    if (cr->pid > 0)
        kill(cr->pid, SIGKILL);
    if (cr->child > 0 && cr->child != cr->pid)
        kill(cr->child, SIGKILL);
    if (cr->child > 0)
        while (waitpid(cr->child, NULL, 0) < 0 && errno == EINTR)
            ;
    if (cr->cg) {
        rbox_err *e = NULL;
        if (cgroup_destroy(cr->cg, &e) < 0)
            log_warn("cleaning up after a failed create: %s", e->msg);
        rbox_err_free(e);
    }
    if (cr->host_mount_base)
        hostmounts_undo(cr->cfg->rootfs, cr->host_mount_base);
    if (cr->state_dir_made)
        state_dir_remove(cr->g->root, cr->o->id);
}

static void creating_release(struct creating *cr)
{
    ns_plan_close(&cr->plan);
    cgroup_free(cr->cg);
    free(cr->cg_predicted);
    cr->cg_predicted = NULL;
    seccomp_prog_free(cr->seccomp);
    if (cr->cfg)
        mounts_close_bind_sources(cr->bind_fds, cr->cfg->n_mounts);
    cr->bind_fds = NULL;
    config_free(cr->cfg);
    int *fds[] = { &cr->dirfd,      &cr->sync_fd,   &cr->start_fd,
                   &cr->console_fd, &cr->cgroup_fd, &cr->relay_fd };
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

/* Everything before clone: config, state dir, cgroup, seccomp, sockets. */
static int prepare(struct creating *cr, rbox_err **err)
{
    const struct create_opts *o = cr->o;
    if (validate_id(o->id, err) < 0 || config_load(o->bundle, &cr->cfg, err) < 0)
        return -1;
    const struct rbox_config *cfg = cr->cfg;
    log_debug("%s %s: config.json of bundle %s loaded", o->mode == MODE_CREATE ? "create" : "run",
              o->id, o->bundle ? o->bundle : ".");
    /* no mount namespace: the runtime's is shared (as runc); what the init mounts there is
     * taken back by delete, or by the undo of a failed create */
    if (!cfg->linux.ns[NS_MOUNT].present && (cr->host_mount_base = hostmounts_id(cfg->rootfs)) == 0)
        return rbox_error(err, errno,
                          "config.json: linux.namespaces: no mount namespace, and the mount at "
                          "%s cannot be identified (statx)",
                          cfg->rootfs);
    if (cfg->linux.has_intel_rdt)
        return access("/sys/fs/resctrl/info", F_OK) < 0
                   ? rbox_error(err, 0,
                                "config.json: linux.intelRdt: this host has no resctrl filesystem "
                                "(/sys/fs/resctrl)")
                   : rbox_error(err, 0,
                                "config.json: linux.intelRdt: not supported by this build (no "
                                "resctrl support)");
    if (cfg->process.terminal && (o->mode == MODE_CREATE || o->detach) && !o->console_socket)
        return rbox_error(err, 0, "process.terminal is true: --console-socket is required%s",
                          o->detach ? " with --detach" : "");
    if (ns_plan_init(cfg, &cr->plan, err) < 0 ||
        seccomp_compile(&cfg->linux.seccomp, cr->g->root, &cr->seccomp, err) < 0)
        return -1;
    /* as runc: the container's root may be a host uid that cannot reach a bind source, so
     * the runtime (a root that can) opens them (a rootless runtime could not open_tree) */
    if (cr->plan.new_user && geteuid() == 0 &&
        mounts_open_bind_sources(cfg, &cr->bind_fds, err) < 0)
        return -1;
    if (cgroup_resolve(cfg->linux.cgroups_path, o->id, cr->g->systemd_cgroup, &cr->cg, err) < 0)
        return -1;
    log_debug("namespaces planned, seccomp filter %s, cgroup paths resolved",
              cr->seccomp ? "compiled" : "none");
    /* the state dir appears with a state that says where the cgroups go (see
     * write_creating_state): a kill from here on leaves something `delete` can clean */
    if (write_creating_state(cr, true, err) < 0)
        return -1;
    cr->state_dir_made = true;
    log_debug("state directory %s/%s created", cr->g->root, o->id);
    if (cgroup_create(cr->cg, err) < 0) {
        if (!userns_may_skip_cgroup(cfg, (*err)->errnum))
            return -1;
        log_warn("rootless: running without a cgroup (%s)", (*err)->msg);
        rbox_err_free(steal_pointer(err));
        cgroup_destroy(cr->cg, NULL);
        cgroup_free(steal_pointer(&cr->cg));
    }
    if (!cgroup_as_predicted(cr) && write_creating_state(cr, false, err) < 0)
        return -1;
    if (cr->cg && cfg->linux.has_resources &&
        cgroup_apply(cr->cg, &cfg->linux.resources, false, err) < 0)
        return -1;
    cr->cgroup_fd = cr->cg ? cgroup_v2_dirfd(cr->cg) : -1;
    log_debug("cgroup %s", cr->cg ? "created" : "none");
    if (o->mode == MODE_CREATE && (cr->start_fd = make_start_socket(cr->dirfd, err)) < 0)
        return -1;
    if (o->console_socket && (cr->console_fd = terminal_connect_socket(o->console_socket, err)) < 0)
        return -1;
    /* foreground run: the runtime is the console socket's other end and relays the pty */
    if (cfg->process.terminal && o->console_socket == NULL &&
        terminal_socketpair(&cr->relay_fd, &cr->console_fd, err) < 0)
        return -1;
    return 0;
}

int container_create(const struct global_opts *g, const struct create_opts *o,
                     struct container **out, rbox_err **err)
{
    struct creating cr = { .g = g,
                           .o = o,
                           .dirfd = -1,
                           .sync_fd = -1,
                           .start_fd = -1,
                           .console_fd = -1,
                           .cgroup_fd = -1,
                           .relay_fd = -1,
                           .child = -1,
                           .pid = -1 };
    for (int i = 0; i < NS_COUNT; i++)
        cr.plan.fds[i] = -1;
    if (prepare(&cr, err) < 0 || spawn_init(&cr, err) < 0)
        goto fail;
    /* the exact copy of config.json, written while the init sets itself up */
    if (write_file_atomic_at(cr.dirfd, CONFIG_COPY, cr.cfg->raw, cr.cfg->raw_len, 0600, false) <
        0) {
        rbox_error(err, errno, "saving config.json in the state dir");
        goto fail;
    }
    if (await_ready(&cr, err) < 0)
        goto fail;
    /* 3. ready: record it (and, sharing the runtime's mount namespace, the init's rootfs bind) */
    if (cr.host_mount_base)
        cr.host_mount_id = hostmounts_id(cr.cfg->rootfs);
    struct rbox_state *st = make_state(&cr);
    if (state_write(cr.dirfd, st, err) < 0 ||
        (o->pid_file && write_pid_file(o->pid_file, cr.pid, err) < 0)) {
        cr.cg = steal_pointer(&st->cgroup);
        state_free(st);
        goto fail;
    }
    /* 4. create: the init now waits on the start gate */
    if (o->mode == MODE_CREATE && sync_send(cr.sync_fd, SYNC_COMMIT, 0, NULL) < 0) {
        rbox_error(err, errno, "container init exited unexpectedly");
        cr.cg = steal_pointer(&st->cgroup);
        state_free(st);
        goto fail;
    }
    log_debug("container %s created, pid %d", o->id, (int)cr.pid);
    struct container *c = xzalloc(sizeof(*c));
    c->cfg = steal_pointer(&cr.cfg);
    c->st = st;
    c->dirfd = steal_fd(&cr.dirfd);
    c->sync_fd = steal_fd(&cr.sync_fd);
    c->console_fd = steal_fd(&cr.relay_fd);
    c->pid = cr.pid;
    creating_release(&cr);
    *out = c;
    return 0;
fail:
    explain_oom(&cr, err);
    undo_create(&cr);
    creating_release(&cr);
    return -1;
}

/* After "start": serve the init until its execve (EOF) or its error. On the way, a
 * SYNC_SECCOMP carries the seccomp listener fd for linux.seccomp.listenerPath (cfg is loaded
 * from the state dir when the caller has none). */
static int await_exec(int fd, int dirfd, const struct rbox_config *cfg, pid_t pid,
                      const char *state_json, rbox_err **err)
{
    _cleanup_config_ struct rbox_config *loaded = NULL;
    for (;;) {
        struct sync_msg m;
        int nfd = -1;
        int r = sync_recv_fd(fd, &m, &nfd);
        if (r <= 0 || m.type != SYNC_SECCOMP) {
            if (nfd >= 0)
                close(nfd);
            if (r < 0)
                return rbox_error(err, errno, "reading from the container init");
            if (r > 0 && m.type == SYNC_ERROR)
                return rbox_error_raw(err, m.value, m.text);
            return 0; /* EOF: the sync fd was closed by execve */
        }
        if (nfd < 0)
            return rbox_error(err, EPROTO, "the container init sent no seccomp listener fd");
        if (cfg == NULL && state_load_config(dirfd, &loaded, err) == 0)
            cfg = loaded;
        r = cfg ? seccomp_notify_send(&cfg->linux.seccomp, nfd, pid, state_json, err) : -1;
        close(nfd);
        if (r < 0) {
            sync_send_error(fd, *err);
            return -1;
        }
        if (sync_send(fd, SYNC_ACK, 0, NULL) < 0)
            return rbox_error(err, errno, "container init exited unexpectedly");
    }
}

int container_start_run(struct container *c, rbox_err **err)
{
    if (sync_send(c->sync_fd, SYNC_START, 0, NULL) < 0)
        return rbox_error(err, errno, "container init exited unexpectedly");
    _cleanup_free_ char *state = state_json_from_config(c->cfg, c->st->id, c->pid, ST_CREATED);
    int r = await_exec(c->sync_fd, c->dirfd, c->cfg, c->pid, state, err);
    close(c->sync_fd);
    c->sync_fd = -1;
    return r;
}

void container_free(struct container *c)
{
    if (c == NULL)
        return;
    config_free(c->cfg);
    state_free(c->st);
    if (c->dirfd >= 0)
        close(c->dirfd);
    if (c->sync_fd >= 0)
        close(c->sync_fd);
    if (c->console_fd >= 0)
        close(c->console_fd);
    free(c);
}

/* poststop (runtime-spec 1.3: a failing poststop hook is a warning, the rest still run). */
static void run_poststop(int dirfd, struct rbox_state *st)
{
    _cleanup_config_ struct rbox_config *cfg = NULL;
    rbox_err *e = NULL;
    if (state_load_config(dirfd, &cfg, &e) < 0) {
        log_warn("poststop hooks: %s", e->msg);
        rbox_err_free(e);
        return;
    }
    _cleanup_free_ char *json = state_oci_json(st, ST_STOPPED, false);
    hooks_run_warn(&cfg->hooks, HOOK_POSTSTOP, json);
}

/* poststart (runtime-spec 1.3: a failing poststart hook is an error; the runtime stops the
 * container and continues with its destruction, poststop hooks included). Returns -1 with err
 * set when a hook failed and the container was destroyed. cfg NULL: load it from the state. */
int container_poststart(const struct global_opts *g, int dirfd, struct rbox_state *st,
                        const struct rbox_config *cfg, rbox_err **err)
{
    _cleanup_config_ struct rbox_config *loaded = NULL;
    if (cfg == NULL && state_load_config(dirfd, &loaded, err) < 0)
        return -1;
    _cleanup_free_ char *json = state_oci_json(st, ST_RUNNING, false);
    if (hooks_run(cfg ? &cfg->hooks : &loaded->hooks, HOOK_POSTSTART, json, err) == 0)
        return 0;
    rbox_err *e = NULL;
    if (container_destroy(g, dirfd, st, true, &e) < 0) {
        log_warn("removing the container after the failed poststart hook: %s", e->msg);
        rbox_err_free(e);
    }
    return rbox_error_prefix(err, "the container was stopped and removed");
}

int container_start(const struct global_opts *g, const char *id, rbox_err **err)
{
    struct container_ref ref;
    if (container_ref_open(g->root, id, true, &ref, err) < 0)
        return -1;
    /* declared before the first goto: cleanup attributes must not see them uninitialized */
    _cleanup_close_ int fd = -1;
    _cleanup_free_ char *state = NULL;
    int ret = -1;
    enum container_status status = state_status(ref.dirfd, ref.st);
    if (status != ST_CREATED) {
        rbox_error(err, 0, "cannot start container \"%s\": it is %s%s", id, status_name(status),
                   status == ST_STOPPED ? "" : " (already started)");
        goto out;
    }
    struct sockaddr_un sa;
    unix_addr(&sa, ref.dirfd, START_SOCKET);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rbox_error(err, errno, "cannot start container \"%s\": its init is not waiting", id);
        goto out;
    }
    log_debug("start %s: opening the start gate of pid %d", id, (int)ref.st->pid);
    if (send(fd, "S", 1, MSG_NOSIGNAL) != 1) {
        rbox_error(err, errno, "starting container \"%s\"", id);
        goto out;
    }
    state = state_oci_json(ref.st, ST_CREATED, false);
    int r = await_exec(fd, ref.dirfd, NULL, ref.st->pid, state, err);
    unlinkat(ref.dirfd, START_SOCKET, 0);
    if (r < 0)
        goto out;
    log_debug("start %s: the container's process runs", id);
    if (ref.st->has_poststart && container_poststart(g, ref.dirfd, ref.st, NULL, err) < 0)
        goto out;
    ret = 0;
out:
    container_ref_close(&ref);
    return ret;
}

/* Wait up to `ms` for a (non-child) process to exit, using a pidfd. */
static void wait_gone(pid_t pid, unsigned long long start, int ms)
{
    int pfd = pidfd_open_verified(pid, start);
    if (pfd < 0)
        return;
    struct pollfd p = { .fd = pfd, .events = POLLIN };
    while (poll(&p, 1, ms) < 0 && errno == EINTR)
        ;
    close(pfd);
}

int container_destroy(const struct global_opts *g, int dirfd, struct rbox_state *st, bool force,
                      rbox_err **err)
{
    enum container_status status = state_status(dirfd, st);
    if ((status == ST_RUNNING || status == ST_PAUSED || status == ST_CREATING) && !force)
        return rbox_error(err, 0,
                          "cannot delete container \"%s\": it is %s (stop it first, or "
                          "use --force)",
                          st->id, status_name(status));
    log_debug("delete %s: it is %s%s", st->id, status_name(status), force ? " (--force)" : "");
    /* --force on a create in progress: stop the runtime doing it, or it would go on */
    if (status == ST_CREATING && proc_start_time(st->creator_pid) == st->creator_start) {
        kill(st->creator_pid, SIGKILL);
        wait_gone(st->creator_pid, st->creator_start, 10000);
    }
    bool leftovers = force && st->cgroup && !cgroup_is_empty(st->cgroup);
    if (status != ST_STOPPED || leftovers) {
        if (st->cgroup) {
            rbox_err *e = NULL;
            if (cgroup_kill_all(st->cgroup, SIGKILL, &e) < 0) {
                log_warn("killing the container's processes: %s", e->msg);
                rbox_err_free(e);
            }
            if (status == ST_PAUSED)
                cgroup_freeze(st->cgroup, false, NULL);
        }
        /* the init itself, verified by its start time (none yet while creating) */
        if (st->pid > 0 && proc_start_time(st->pid) == st->pid_start) {
            kill(st->pid, SIGKILL);
            wait_gone(st->pid, st->pid_start, 10000);
        }
    }
    int ret = 0;
    if (st->host_mount_id)
        hostmounts_remove(st->rootfs, st->host_mount_id);
    if (st->cgroup && cgroup_destroy(st->cgroup, err) < 0)
        ret = -1;
    else if (st->cgroup)
        log_debug("delete %s: cgroup removed", st->id);
    if (st->has_poststop)
        run_poststop(dirfd, st);
    if (state_dir_remove(g->root, st->id) < 0 && ret == 0)
        ret = rbox_error(err, errno, "removing the state of \"%s\"", st->id);
    else
        log_debug("delete %s: state directory removed", st->id);
    return ret;
}
