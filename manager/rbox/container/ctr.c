/* ctr.c - create, reconcile, start, kill, stop, remove. */
#define _GNU_SOURCE
#include "ctr.h"
#include "restart.h"
#include "salvage.h"
#include "events.h"
#include "netsetup.h"
#include "proto.h"
#include "rtclient.h"
#include "rtcall.h"
#include "signals.h"
#include "util.h"
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int make_entry(struct store *s, struct ctr_spec *spec, rbox_err **err)
{
    _cleanup_free_ char *dir = ctr_path(s, spec->id, NULL);
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || mkdirat(fd, "diff", 0755) < 0 || mkdirat(fd, "work", 0700) < 0)
        return rbox_error(err, errno, "creating %s", dir);
    if (spec_save(fd, spec, err) < 0 || bundle_write(s, spec, err) < 0)
        return -1;
    struct ctr_state st;
    memset(&st, 0, sizeof(st));
    CTR_SET(st.id, spec->id);
    CTR_SET(st.name, spec->name);
    CTR_SET(st.image, spec->image);
    CTR_SET(st.image_id, spec->image_id);
    _cleanup_free_ char *cmd = spec_command_line(spec);
    CTR_SET(st.command, cmd);
    st.created_ns = spec->created_ns;
    st.status = CS_CREATED;
    st.auto_remove = spec->auto_remove;
    /* the state file comes last: a directory without it is not a container yet */
    if (ctr_state_write(fd, &st, !st.auto_remove) < 0)
        return rbox_error(err, errno, "writing the container state");
    return 0;
}

int ctr_create(struct store *s, struct ctr_spec *spec, const struct image *img, rbox_err **err)
{
    id_generate(spec->id);
    spec->created_ns = now_ns_realtime();
    free(spec->image_id);
    spec->image_id = xstrdup(img->id);
    if (store_lock(s, err) < 0)
        return -1;
    /* the directory before the name: a create killed at any point leaves a directory that
     * ctr_salvage finds (and releases the name with), never a name pointing at nothing */
    _cleanup_free_ char *cdir = ctr_path(s, spec->id, NULL);
    if (mkdir(cdir, 0700) < 0) {
        rbox_error(err, errno, "creating %s", cdir);
        store_unlock(s);
        return -1;
    }
    char name[NAME_MAXLEN + 1];
    int r = spec->name ? name_claim(s, spec->name, spec->id, err)
                       : name_generate_claim(s, spec->id, name, sizeof(name), err);
    if (r < 0) {
        rmdir(cdir);
        store_unlock(s);
        return -1;
    }
    if (spec->name == NULL)
        spec->name = xstrdup(name);
    if (make_entry(s, spec, err) < 0) {
        _cleanup_free_ char *dir = ctr_path(s, spec->id, NULL);
        rm_rf_at(AT_FDCWD, dir);
        name_release(s, spec->name, spec->id);
        store_unlock(s);
        return rbox_error_prefix(err, "creating the container");
    }
    store_unlock(s);
    const char *attrs[] = { "image", spec->image, "name", spec->name, NULL };
    event_append(s->root, "container", "create", spec->id, attrs);
    return 0;
}

bool ctr_needs_reconcile(const struct store *s, const struct ctr_state *st)
{
    bool active = st->status == CS_RUNNING || st->status == CS_PAUSED || st->monitor_pid != 0 ||
                  (st->status == CS_EXITED && !st->cleaned);
    if (!active)
        return false;
    if (strcmp(st->boot_id, s->boot_id) != 0)
        return true;
    return !proc_alive(st->monitor_pid, st->monitor_start);
}

/* Undo what a container holds in the kernel: runtime state (and so its cgroup and processes),
 * the overlay mount, the attach socket. Errors are not fatal: what can be removed is. */
static void release_resources(struct store *s, const char *id)
{
    rbox_err *e = NULL;
    if (rt_has_state(s, id)) {
        const char *args[] = { "delete", "--force", id, NULL };
        rt_run(s, args, &e);
        rbox_err_free(e);
        e = NULL;
    }
    net_stop(s, id);
    overlay_umount(s, id, &e);
    rbox_err_free(e);
    _cleanup_free_ char *sock = ctr_run_path(s, id, ATTACH_SOCKET);
    unlink(sock);
}

/* Under the container lock: make the state true again. *remove: --rm container to delete. */
static int reconcile_locked(struct store *s, int ctrfd, struct ctr_state *st, bool *remove)
{
    *remove = false;
    if (!ctr_needs_reconcile(s, st))
        return 0;
    bool same_boot = strcmp(st->boot_id, s->boot_id) == 0;
    if (st->status == CS_RUNNING || st->status == CS_PAUSED) {
        bool init_alive = same_boot && proc_alive(st->pid, st->pid_start);
        if (init_alive) {
            /* nobody holds its output or will reap it: like containerd after a dead shim */
            const char *args[] = { "delete", "--force", st->id, NULL };
            rbox_err *e = NULL;
            rt_run(s, args, &e);
            rbox_err_free(e);
            st->exit_code = 128 + SIGKILL;
            st->exit_signal = SIGKILL;
            snprintf(st->error, sizeof(st->error),
                     "rbox-monitor (pid %d) died; the container was killed", st->monitor_pid);
        } else {
            st->exit_code = 255;
            st->exit_signal = 0;
            if (same_boot)
                snprintf(st->error, sizeof(st->error),
                         "rbox-monitor (pid %d) died; the container's exit status is unknown",
                         st->monitor_pid);
            else
                ctr_copy(st->error, sizeof(st->error),
                         "the host rebooted while the container ran; its exit status is unknown");
        }
        st->status = CS_EXITED;
        st->finished_ns = now_ns_realtime();
    } else if (st->status == CS_CREATED && st->monitor_pid != 0 && st->error[0] == '\0') {
        /* killed while it started the container: say so (the status stays, as docker's) */
        snprintf(st->error, sizeof(st->error),
                 "rbox-monitor (pid %d) died before the container started", st->monitor_pid);
    }
    release_resources(s, st->id);
    st->monitor_pid = 0;
    st->monitor_start = 0;
    st->pid = 0;
    st->cleaned = true;
    ctr_state_write(ctrfd, st, true);
    *remove = st->auto_remove && st->status == CS_EXITED;
    return 0;
}

int ctr_read(struct store *s, const char *id, struct ctr_state *st, rbox_err **err)
{
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    if (fd < 0)
        return -1;
    /* a directory without a state left by a kill becomes a dead container */
    if (ctr_state_read(fd, st) < 0 && (ctr_salvage(s, id) < 0 || ctr_state_read(fd, st) < 0))
        return errno == ENOENT ? rbox_error(err, 0, "no such container: %s", id)
                               : rbox_error(err, errno, "reading the state of %s", id);
    if (!ctr_needs_reconcile(s, st))
        return 0;
    _cleanup_close_ int lock = ctr_lock(s, id, err);
    if (lock < 0 || ctr_state_read(fd, st) < 0)
        return lock < 0 ? -1 : rbox_error(err, errno, "reading the state of %s", id);
    bool remove = false;
    reconcile_locked(s, fd, st, &remove);
    close(lock);
    lock = -1;
    if (remove) {
        ctr_remove(s, id, true, NULL);
        return rbox_error(err, 0, "no such container: %s", id);
    }
    return 0;
}

/* Start rbox-monitor in its own session, with the sync socket as fd 3 and the lock as fd 4,
 * stdio on /dev/null, no blocked signals, default dispositions and umask 022. posix_spawn (a
 * vfork-style clone in glibc) instead of a double fork: forking this static binary twice cost
 * ~1 ms of page-table copies. The monitor is our child until we exit (we never wait for it;
 * it re-parents to init or the nearest subreaper as a double fork would make it). Returns the
 * monitor's pid. */
static pid_t spawn_monitor(struct store *s, const struct ctr_spec *spec, int sync_fd, int lock_fd,
                           const struct net_fds *ports, rbox_err **err)
{
    const char *id = spec->id;
    _cleanup_free_ char *ctr_dir = ctr_path(s, id, NULL);
    _cleanup_free_ char *run_dir = ctr_run_path(s, id, NULL);
    /* -t, -i: the monitor holds the pty / stdin pipe */
    bool tty = spec->tty, open_stdin = spec->open_stdin;
    char nports[16];
    snprintf(nports, sizeof(nports), "%zu", ports->n);
    const char *restart = spec->rf.restart ? spec->rf.restart : "no";
    char log_size[24], log_file[16]; /* --log-opt (logopts.h) */
    snprintf(log_size, sizeof(log_size), "%lld", (long long)spec->log.max_size);
    snprintf(log_file, sizeof(log_file), "%d", spec->log.max_file > 0 ? spec->log.max_file : 1);
    const char *argv[] = { s->monitor_bin,
                           "--id",
                           id,
                           "--runtime",
                           s->runtime_bin,
                           "--runtime-root",
                           s->runtime_root,
                           "--store-root",
                           s->root,
                           "--ctr-dir",
                           ctr_dir,
                           "--run-dir",
                           run_dir,
                           "--sync-fd",
                           "3",
                           "--lock-fd",
                           "4",
                           "--terminal",
                           tty ? "1" : "0",
                           "--stdin",
                           open_stdin ? "1" : "0",
                           "--port-fds",
                           nports,
                           "--restart",
                           restart,
                           "--log-max-size",
                           log_size,
                           "--log-max-file",
                           log_file,
                           NULL };
    /* through fds above all of them, so that no dup2 to 3, 4, 5... clobbers another */
    int high = (sync_fd > lock_fd ? sync_fd : lock_fd) + 1;
    for (size_t i = 0; i < ports->n; i++)
        if (ports->fd[i] >= high)
            high = ports->fd[i] + 1;
    if (high < 5 + (int)ports->n)
        high = 5 + (int)ports->n;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sync_fd, high);
    posix_spawn_file_actions_adddup2(&fa, lock_fd, high + 1);
    for (size_t i = 0; i < ports->n; i++)
        posix_spawn_file_actions_adddup2(&fa, ports->fd[i], high + 2 + (int)i);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&fa, 0, 1);
    posix_spawn_file_actions_adddup2(&fa, 0, 2);
    posix_spawn_file_actions_adddup2(&fa, high, 3);
    posix_spawn_file_actions_adddup2(&fa, high + 1, 4);
    for (size_t i = 0; i < ports->n; i++)
        posix_spawn_file_actions_adddup2(&fa, high + 2 + (int)i, 5 + (int)i);
    posix_spawn_file_actions_addclosefrom_np(&fa, 5 + (int)ports->n);
    spawnattr_clean(&at, true);
    mode_t old_umask = umask(022);
    pid_t pid;
    int r = posix_spawn(&pid, s->monitor_bin, &fa, &at, (char *const *)argv, environ);
    umask(old_umask);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (r != 0)
        return rbox_error(err, r, "cannot start rbox-monitor (%s)", s->monitor_bin);
    return pid;
}

/* One message from the monitor; "" on EOF. */
static int monitor_recv(int fd, char *buf, size_t len, rbox_err **err)
{
    ssize_t n;
    do {
        n = recv(fd, buf, len - 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return rbox_error(err, errno, "reading from rbox-monitor");
    buf[n] = '\0';
    return 0;
}

int attach_connect(const struct store *s, const char *id, unsigned flags, rbox_err **err)
{
    _cleanup_free_ char *dir = ctr_run_path(s, id, NULL);
    _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, ATTACH_SOCKET);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (dfd < 0 || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return rbox_error(err, saved, "connecting to the monitor of %.12s", id);
    }
    char hello[32] = { MSG_HELLO, (char)flags };
    size_t hlen = 2;
    struct winsize ws;
    if ((flags & ATTACH_RESIZE) &&
        (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
        hlen += (size_t)snprintf(hello + 2, sizeof(hello) - 2, " %u %u", ws.ws_row, ws.ws_col);
    if (send(fd, hello, hlen, MSG_NOSIGNAL) != (ssize_t)hlen) {
        int saved = errno;
        close(fd);
        return rbox_error(err, saved, "attaching to %.12s", id);
    }
    return fd;
}

/* The part of start that runs with the container locked. */
static int start_locked(struct store *s, const char *id, int lock, unsigned attach_flags,
                        int *attach_fd, int *code, rbox_err **err)
{
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    struct ctr_state st;
    if (fd < 0 || ctr_state_read(fd, &st) < 0)
        return fd < 0 ? -1 : rbox_error(err, errno, "reading the state of %s", id);
    bool remove;
    reconcile_locked(s, fd, &st, &remove);
    /* a monitor that waits to restart it (--restart) still owns it */
    if (st.status == CS_RUNNING || st.status == CS_PAUSED || st.monitor_pid != 0)
        return 1;
    if (st.status == CS_DEAD)
        return rbox_error(err, 0,
                          "container %.12s is dead (its removal failed): remove it with "
                          "rm -f",
                          id);
    struct image img;
    if (image_load(s, st.image_id, &img, err) < 0)
        return rbox_error_prefix(err, "cannot start container %.12s", id);
    int r = overlay_mount_opt(s, id, &img, st.auto_remove, err);
    image_clear(&img);
    if (r < 0)
        return -1;
    struct ctr_spec spec;
    struct net_fds ports = { .n = 0 };
    if (spec_load(fd, &spec, err) < 0 || ns_flags_start(s, id, &spec.ns, err) < 0 ||
        net_start(s, &spec, &ports, err) < 0) {
        spec_clear(&spec);
        overlay_umount(s, id, NULL);
        rbox_error_prefix(err, "cannot start container %.12s", id);
        return CTR_START_REFUSED;
    }
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        spec_clear(&spec);
        net_fds_close(&ports);
        net_stop(s, id);
        overlay_umount(s, id, NULL);
        return rbox_error(err, errno, "socketpair");
    }
    _cleanup_close_ int sync = sp[0];
    r = spawn_monitor(s, &spec, sp[1], lock, &ports, err);
    spec_clear(&spec); /* the one load of config.json a start needs */
    close(sp[1]);
    net_fds_close(&ports); /* the monitor holds them now */
    char msg[1024];
    if (r < 0 || monitor_recv(sync, msg, sizeof(msg), err) < 0 || msg[0] != MSG_READY) {
        net_stop(s, id);
        overlay_umount(s, id, NULL);
        if (r >= 0 && msg[0] == MSG_FAILED)
            return rbox_error(err, 0, "%s", strchr(msg, ' ') ? strchr(msg, ' ') + 1 : msg);
        return r < 0 ? -1 : rbox_error(err, 0, "rbox-monitor (%s) failed to start", s->monitor_bin);
    }
    if (attach_flags && (*attach_fd = attach_connect(s, id, attach_flags, err)) < 0)
        return -1; /* closing sync tells the monitor to give up */
    if (send(sync, &(char){ MSG_GO }, 1, MSG_NOSIGNAL) != 1 ||
        monitor_recv(sync, msg, sizeof(msg), err) < 0)
        return rbox_error(err, errno, "talking to rbox-monitor");
    if (msg[0] == MSG_STARTED)
        return 0;
    if (msg[0] == MSG_FAILED) {
        char *text = strchr(msg, ' ');
        *code = atoi(msg + 1);
        return rbox_error(err, 0, "%s", text ? text + 1 : "start failed");
    }
    return rbox_error(err, 0, "rbox-monitor exited before the container started");
}

int ctr_start(struct store *s, const char *id, unsigned attach_flags, int *attach_fd, int *code,
              rbox_err **err)
{
    *code = EXIT_RBOX;
    if (attach_fd)
        *attach_fd = -1;
    int lock = ctr_lock(s, id, err);
    if (lock < 0)
        return -1;
    int r = start_locked(s, id, lock, attach_flags, attach_fd, code, err);
    if (r >= 0)
        ctr_started_by_user(s, id); /* restart.h: unless-stopped counts from here */
    close(lock);
    if (r < 0 && attach_fd && *attach_fd >= 0) {
        close(*attach_fd);
        *attach_fd = -1;
    }
    return r;
}

int ctr_kill(struct store *s, const char *id, int sig, rbox_err **err)
{
    struct ctr_state st;
    if (ctr_read(s, id, &st, err) < 0)
        return -1;
    if (st.status != CS_RUNNING && st.status != CS_PAUSED)
        return rbox_error(err, 0, "cannot kill container %s: it is not running", st.name);
    if (sig == SIGKILL)
        ctr_request_stop(s, id); /* docker: no restart after a kill with SIGKILL */
    char num[16];
    snprintf(num, sizeof(num), "%d", sig);
    const char *args[] = { "kill", st.id, num, NULL };
    const char *attrs[] = { "image", st.image, "name", st.name, "signal", num, NULL };
    event_append(s->root, "container", "kill", st.id, attrs);
    if (rt_run(s, args, err) < 0) {
        /* it may have exited meanwhile */
        struct ctr_state again;
        if (ctr_read(s, id, &again, NULL) == 0 && again.status != CS_RUNNING &&
            again.status != CS_PAUSED)
            return rbox_error(err, 0, "cannot kill container %s: it is not running", st.name);
        return rbox_error_prefix(err, "cannot kill container %s", st.name);
    }
    if (st.status == CS_PAUSED)
        ctr_thaw(s, id);
    return 0;
}

int ctr_wait_monitor(const struct ctr_state *st, int timeout_ms)
{
    if (st->monitor_pid <= 0)
        return 0;
    int pfd = pidfd_open_verified(st->monitor_pid, st->monitor_start);
    if (pfd < 0)
        return 0;
    struct pollfd p = { .fd = pfd, .events = POLLIN };
    int n;
    while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    close(pfd);
    return n == 0 ? 1 : 0;
}

static void stopped_event(const struct store *s, const struct ctr_state *st)
{
    const char *attrs[] = { "image", st->image, "name", st->name, NULL };
    event_append(s->root, "container", "stop", st->id, attrs);
}

int ctr_stop(struct store *s, const char *id, int timeout, rbox_err **err)
{
    struct ctr_state st;
    if (ctr_read(s, id, &st, err) < 0)
        return -1;
    if (st.status != CS_RUNNING && st.status != CS_PAUSED) {
        if (st.monitor_pid != 0) { /* between two runs of a --restart container: end it */
            ctr_request_stop(s, id);
            ctr_wait_monitor(&st, 30000);
        }
        return 0; /* docker: stopping a stopped container succeeds */
    }
    ctr_request_stop(s, id);
    struct ctr_spec spec;
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    if (fd < 0 || spec_load(fd, &spec, err) < 0)
        return -1;
    int sig = signal_parse(spec.stop_signal ? spec.stop_signal : "SIGTERM");
    if (timeout < 0)
        timeout = spec.stop_timeout;
    spec_clear(&spec);
    rbox_err *e = NULL;
    if (ctr_kill(s, id, sig > 0 ? sig : SIGTERM, &e) < 0) {
        rbox_err_free(e);
        e = NULL;
    } else if (ctr_wait_monitor(&st, timeout * 1000) == 0) {
        stopped_event(s, &st);
        return 0;
    }
    /* a kill that failed while the container still runs (rbox-runtime killed) is retried */
    for (int attempt = 0; attempt < 3 && ctr_kill(s, id, SIGKILL, &e) < 0; attempt++) {
        rbox_err_free(e);
        e = NULL;
        struct ctr_state now;
        if (ctr_read(s, id, &now, NULL) < 0 ||
            (now.status != CS_RUNNING && now.status != CS_PAUSED))
            break;
    }
    rbox_err_free(e);
    ctr_wait_monitor(&st, 30000);
    stopped_event(s, &st);
    return 0;
}

static int remove_locked(struct store *s, const char *id, int fd, bool force, rbox_err **err)
{
    struct ctr_state st;
    if (ctr_state_read(fd, &st) < 0)
        return rbox_error(err, 0, "no such container: %s", id);
    bool unused;
    reconcile_locked(s, fd, &st, &unused);
    if (st.status == CS_RUNNING || st.status == CS_PAUSED || st.monitor_pid) {
        if (!force)
            return rbox_error(err, 0,
                              "cannot remove container %s: it is running (stop it first, or use "
                              "rm -f)",
                              st.name);
        return 1; /* kill it without the locks held */
    }
    release_resources(s, id);
    /* the state file first: from now on the container no longer exists for readers */
    if (unlinkat(fd, CTR_STATE_FILE, 0) < 0 && errno != ENOENT) {
        st.status = CS_DEAD;
        ctr_state_write(fd, &st, true);
        return rbox_error(err, errno, "removing container %s", st.name);
    }
    name_release(s, st.name, st.id);
    const char *attrs[] = { "image", st.image, "name", st.name, NULL };
    event_append(s->root, "container", "destroy", st.id, attrs);
    _cleanup_free_ char *run = ctr_run_path(s, id, NULL);
    _cleanup_free_ char *dir = ctr_path(s, id, NULL);
    if (rm_rf_at(AT_FDCWD, run) < 0 || rm_rf_at(AT_FDCWD, dir) < 0)
        return rbox_error(err, errno, "removing the files of container %s", st.name);
    return 0;
}

int ctr_remove(struct store *s, const char *id, bool force, rbox_err **err)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        bool had = s->lock_fd >= 0;
        if (store_lock(s, err) < 0)
            return -1;
        ctr_salvage_locked(s, id); /* half-made by a kill: removable as a dead container */
        int lock = ctr_lock(s, id, err);
        int r = -1;
        if (lock >= 0) {
            _cleanup_close_ int fd = ctr_open_dir(s, id, err);
            r = fd < 0 ? -1 : remove_locked(s, id, fd, force, err);
            close(lock);
        }
        /* never wait for a monitor with the store lock held: a --rm monitor needs it */
        store_unlock(s);
        if (r != 1) {
            if (had)
                store_lock(s, NULL);
            return r;
        }
        /* running and forced: kill, wait for the monitor to record it, then remove */
        struct ctr_state st;
        if (ctr_read(s, id, &st, NULL) < 0) {
            if (had)
                store_lock(s, NULL);
            return 0; /* --rm removed it meanwhile */
        }
        rbox_err *e = NULL;
        ctr_request_stop(s, id);
        if (ctr_kill(s, id, SIGKILL, &e) < 0) {
            rbox_err_free(e); /* e.g. the runtime was killed: try again, do not wait */
            if (st.status != CS_RUNNING && st.status != CS_PAUSED)
                ctr_wait_monitor(&st, 30000); /* a --restart monitor between two runs */
        } else {
            ctr_wait_monitor(&st, 30000);
        }
        if (had)
            store_lock(s, NULL);
        if (ctr_read(s, id, &st, NULL) < 0)
            return 0;
    }
    return rbox_error(err, 0, "cannot remove container %s: it keeps running", id);
}
