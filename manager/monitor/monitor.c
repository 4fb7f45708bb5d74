/* monitor.c - rbox-monitor: one small process per container, like conmon.
 *
 * rbox starts it detached (posix_spawn with its own session; it is re-parented to init or the
 * nearest subreaper when rbox exits) with the container's lock held through an
 * inherited fd. It is a child subreaper, so the container's init becomes its child. Steps
 * (the startup messages are in proto.h):
 *   1. open the log, listen on the attach socket, record itself in the state, send "R"
 *   2. wait for "G" (a foreground client has connected by then)
 *   3. rbox-runtime run --detach (stdout/stderr = pipes it holds); with -t create and start
 *   4. state: running; send "S"; release the lock
 *   5. log every line, forward output to attach clients, until the init is reaped and the
 *      pipes are at EOF
 *   6. state: exited + exit code (fsync); rbox-runtime delete started, and while it runs the
 *      network's teardown (common/netdown.c), unmount the overlay, with --rm remove the
 *      container; the delete waited for; state: cleaned; send "X" to clients; exit
 * With --restart (restart.c) the container is created and started again between 5 and 6, after
 * docker's back-off, unless rbox asked for a stop (STOP_REQUEST).
 * It allocates nothing after startup: every buffer is static.
 */
#define _GNU_SOURCE
#include "ctrstate.h"
#include "monitor.h"
#include "netdown.h"
#include "events.h"
#include "report.h"
#include "rtcall.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
    const char *id, *runtime, *runtime_root, *store_root, *ctr_dir, *run_dir;
    int ctrfd, runfd, sync_fd, lock_fd, sigfd, out_r, err_r;
    pid_t pid;
    bool reaped;
    bool log_noted;            /* the log's write failure is in the state */
    bool terminal, open_stdin; /* -t, -i: see tty.c */
    const char *restart;       /* --restart policy ("no" when not given) */
    int wstatus;
    char path[4][PATH_MAX]; /* runtime log, pid file, rootfs, bundle */
    struct logw log;
    struct srv srv;
} m = {
    .ctrfd = -1, .runfd = -1, .sync_fd = -1, .lock_fd = -1, .sigfd = -1, .out_r = -1, .err_r = -1
};
enum { P_RTLOG, P_PIDFILE, P_ROOTFS, P_BUNDLE };

static NORETURN void die(const char *msg)
{
    /* only before the sync socket exists: stderr is still rbox's */
    dprintf(STDERR_FILENO, "rbox-monitor: %s\n", msg);
    _exit(EXIT_RBOX);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--id") == 0)
            m.id = v;
        else if (strcmp(k, "--runtime") == 0)
            m.runtime = v;
        else if (strcmp(k, "--runtime-root") == 0)
            m.runtime_root = v;
        else if (strcmp(k, "--store-root") == 0)
            m.store_root = v;
        else if (strcmp(k, "--ctr-dir") == 0)
            m.ctr_dir = v;
        else if (strcmp(k, "--run-dir") == 0)
            m.run_dir = v;
        else if (strcmp(k, "--sync-fd") == 0)
            m.sync_fd = atoi(v);
        else if (strcmp(k, "--lock-fd") == 0)
            m.lock_fd = atoi(v);
        else if (strcmp(k, "--terminal") == 0)
            m.terminal = strcmp(v, "1") == 0;
        else if (strcmp(k, "--stdin") == 0)
            m.open_stdin = strcmp(v, "1") == 0;
        else if (strcmp(k, "--port-fds") == 0) /* fds 5.. : published ports, held till exit */
            for (int fd = 5, n = atoi(v); n > 0 && fd < 5 + n; fd++)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
        else if (strcmp(k, "--restart") == 0)
            m.restart = v;
        else if (strcmp(k, "--log-max-size") == 0)
            m.log.max_size = atoll(v);
        else if (strcmp(k, "--log-max-file") == 0)
            m.log.max_file = atoi(v);
        else
            die("unknown argument (rbox-monitor is started by rbox)");
    }
    if (!m.id || !m.runtime || !m.runtime_root || !m.store_root || !m.ctr_dir || !m.run_dir ||
        m.sync_fd < 0 || m.lock_fd < 0)
        die("missing arguments (rbox-monitor is started by rbox)");
    snprintf(m.path[P_RTLOG], PATH_MAX, "%s/runtime.log", m.run_dir);
    snprintf(m.path[P_PIDFILE], PATH_MAX, "%s/pid", m.run_dir);
    snprintf(m.path[P_ROOTFS], PATH_MAX, "%s/rootfs", m.run_dir);
    snprintf(m.path[P_BUNDLE], PATH_MAX, "%s/bundle", m.ctr_dir);
}

static void sync_send(const char *fmt, ...) PRINTF(1, 2);
static void sync_send(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (m.sync_fd >= 0 && n > 0)
        (void)send(m.sync_fd, msg, (size_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1),
                   MSG_NOSIGNAL);
}

/* Run rbox-runtime with the given verb arguments; stdout/stderr as given (-1: /dev/null), stdin
 * -i's pipe. Returns its wait status, -1 if it could not run. Only this pid is waited for: the
 * container's init, a child of ours, is reaped by the main loop. */
static int runtime(const char *const *args, int out_fd, int err_fd)
{
    const struct rt_call c = { .bin = m.runtime, .root = m.runtime_root, .log = m.path[P_RTLOG] };
    pid_t pid;
    if (rt_spawn(&c, args, (int[3]){ mtty_child_stdin(), out_fd, err_fd }, &pid) < 0)
        return -1;
    return rt_wait(pid);
}

/* Why the last runtime call failed (from its JSON log, else from its wait status), and the exit
 * code docker gives for it. */
static int runtime_error(int status, char *msg, size_t len)
{
    int errnum;
    if (rt_error_log(m.path[P_RTLOG], msg, len, &errnum) < 0)
        rt_status_text(m.runtime, status, msg, len);
    return rt_start_exit_code(msg, errnum);
}

static void unmount_rootfs(void)
{
    if (umount2(m.path[P_ROOTFS], UMOUNT_NOFOLLOW) < 0 && errno == EBUSY)
        umount2(m.path[P_ROOTFS], MNT_DETACH | UMOUNT_NOFOLLOW);
}

static int lock_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    return fd;
}

/* --rm: remove everything of the container (store lock, then container lock: rbox's order). */
static void remove_container(void)
{
    int sfd = open(m.store_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int slock = sfd >= 0 ? lock_at(sfd, "lock") : -1;
    int clock = lock_at(m.ctrfd, CTR_LOCK_FILE);
    struct ctr_state st;
    if (ctr_state_read(m.ctrfd, &st) == 0 && strcmp(st.id, m.id) == 0) {
        char link[PATH_MAX], target[ID_LEN + 2];
        snprintf(link, sizeof(link), "names/%s", st.name);
        ssize_t n = sfd >= 0 ? readlinkat(sfd, link, target, sizeof(target) - 1) : -1;
        if (n == ID_LEN) {
            target[n] = '\0';
            if (strcmp(target, m.id) == 0)
                unlinkat(sfd, link, 0);
        }
        rm_rf_at(AT_FDCWD, m.run_dir);
        rm_rf_at(AT_FDCWD, m.ctr_dir);
    }
    if (clock >= 0)
        close(clock);
    if (slock >= 0)
        close(slock);
    if (sfd >= 0)
        close(sfd);
}

/* Start failed: undo, record why (status unchanged, like docker), tell rbox, exit. */
static NORETURN void fail_start(int code, const char *msg)
{
    static const char *const del[] = { "delete", "--force", NULL, NULL };
    const char *args[4] = { del[0], del[1], m.id, NULL };
    runtime(args, -1, -1);
    net_teardown(m.run_dir, m.id);
    unmount_rootfs();
    unlinkat(m.runfd, ATTACH_SOCKET, 0);
    unlinkat(m.runfd, CONSOLE_SOCKET, 0);
    struct ctr_state st;
    bool rm = false;
    if (ctr_state_read(m.ctrfd, &st) == 0) {
        mreport_failed(m.ctrfd, m.id, st.name, code, msg);
        rm = st.auto_remove;
        st.exit_code = code;
        st.monitor_pid = 0;
        st.monitor_start = 0;
        st.pid = 0;
        st.cleaned = true;
        CTR_SET(st.error, msg);
        ctr_state_write(m.ctrfd, &st, true);
        ctr_state_drop_spare(m.ctrfd);
    }
    sync_send("%c%d %s", MSG_FAILED, code, msg);
    close(m.sync_fd);
    m.sync_fd = -1;
    close(m.lock_fd); /* rbox closes its copy when it reads "F"; then --rm can lock */
    if (rm)
        remove_container();
    _exit(0);
}

static int listen_attach(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", m.runfd, ATTACH_SOCKET);
    unlinkat(m.runfd, ATTACH_SOCKET, 0);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 32) < 0)
        return -1;
    return fd;
}

/* 1: everything that can fail before the container exists. */
static void setup(void)
{
    m.ctrfd = open(m.ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    m.runfd = open(m.run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m.ctrfd < 0 || m.runfd < 0)
        fail_start(EXIT_RBOX, "monitor: opening the container's directories failed");
    m.log.fd = openat(m.ctrfd, "ctr.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (m.log.fd < 0)
        fail_start(EXIT_RBOX, "monitor: opening the container log failed");
    m.log.dirfd = m.ctrfd;
    logw_start(&m.log);
    hc_load(m.ctrfd, m.run_dir, m.id, m.runtime, m.runtime_root, m.store_root);
    int lfd = listen_attach();
    if (lfd < 0)
        fail_start(EXIT_RBOX, "monitor: creating the attach socket failed");
    srv_init(&m.srv, lfd);
    if (mtty_init(m.terminal, m.open_stdin) < 0)
        fail_start(EXIT_RBOX, "monitor: creating the stdin pipe failed");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGQUIT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    m.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (m.sigfd < 0)
        fail_start(EXIT_RBOX, "monitor: signalfd failed");
    struct ctr_state st;
    if (ctr_state_read(m.ctrfd, &st) < 0)
        fail_start(EXIT_RBOX, "monitor: reading the container state failed");
    if (mreport_load(m.ctrfd) < 0)
        fail_start(EXIT_RBOX, "monitor: reading " SANDBOX_CONF " failed");
    st.monitor_pid = getpid();
    st.monitor_start = proc_start_time(st.monitor_pid);
    read_boot_id(st.boot_id);
    st.cleaned = false;
    st.restart_count = 0; /* docker: a start by the user counts from 0 again */
    unlinkat(m.runfd, STOP_REQUEST, 0);
    if (ctr_state_write(m.ctrfd, &st, false) < 0)
        fail_start(EXIT_RBOX, "monitor: writing the container state failed");
}

/* 3-4: create and start the container. Without a terminal with one `rbox-runtime run
 * --detach`: one start-up and re-exec of the runtime fewer than create + start (the init
 * still becomes our child when the runtime exits, as after create). With -t, create and start:
 * the client's window size (its hello) must reach the pty before the process runs. */
static void start_container(void)
{
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
        fail_start(EXIT_RBOX, "monitor: pipe failed");
    bool one = !m.terminal;
    const char *create[] = { one ? "run" : "create",
                             "--bundle",
                             m.path[P_BUNDLE],
                             "--pid-file",
                             m.path[P_PIDFILE],
                             one ? "--detach" : m.id,
                             one ? m.id : NULL,
                             NULL,
                             NULL };
    char console[PATH_MAX];
    if (m.terminal) {
        /* -t: the runtime sends the pty master over this socket during create */
        snprintf(console, sizeof(console), "%s/%s", m.run_dir, CONSOLE_SOCKET);
        if (mtty_console_listen(m.runfd) < 0)
            fail_start(EXIT_RBOX, "monitor: creating the console socket failed");
        create[5] = "--console-socket";
        create[6] = console;
        create[7] = m.id;
    }
    int64_t started = 0;
    if (one) {
        srv_accept(&m.srv); /* clients that connected before "go" see every byte */
        started = mreport_started(m.ctrfd);
    }
    int status = runtime(create, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    mtty_after_create();
    m.out_r = out[0];
    m.err_r = err[0];
    fcntl(m.out_r, F_SETFL, O_NONBLOCK);
    fcntl(m.err_r, F_SETFL, O_NONBLOCK);
    char msg[512];
    if (status != 0) {
        int code = runtime_error(status, msg, sizeof(msg));
        fail_start(code, msg);
    }
    char pidbuf[32] = "";
    int fd = open(m.path[P_PIDFILE], O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read_all(fd, pidbuf, sizeof(pidbuf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    pidbuf[n > 0 ? n : 0] = '\0';
    if (parse_int(pidbuf, &m.pid) < 0 || m.pid <= 0)
        fail_start(EXIT_RBOX, "rbox-runtime create wrote no pid file");
    if (m.terminal && mtty_receive_master(m.runfd, 5000) < 0)
        fail_start(EXIT_RBOX, "monitor: the container's terminal did not arrive on the console "
                              "socket");
    if (!one) {
        srv_accept(&m.srv); /* clients that connected before "go" see every byte */
        started = mreport_started(m.ctrfd);
        const char *start[] = { "start", m.id, NULL };
        if ((status = runtime(start, -1, -1)) != 0) {
            int code = runtime_error(status, msg, sizeof(msg));
            fail_start(code, msg);
        }
    }
    /* the init is our child (we are its subreaper): until we reap it, even as a zombie, its
     * /proc entry stays and the pid is its */
    unsigned long long pid_start = proc_start_time(m.pid);
    struct ctr_state st;
    if (ctr_state_read(m.ctrfd, &st) == 0) {
        st.status = CS_RUNNING;
        st.pid = m.pid;
        st.pid_start = pid_start;
        st.started_ns = started; /* the report's started_at too */
        st.finished_ns = 0;
        st.exit_code = 0;
        st.exit_signal = 0;
        st.oom_killed = false;
        st.cleaned = false;
        st.error[0] = '\0';
        ctr_state_write(m.ctrfd, &st, false);
        const char *attrs[] = { "image", st.image, "name", st.name, NULL };
        event_append(m.store_root, "container", "start", m.id, attrs);
        hc_started(st.image, st.name, started);
    }
    sync_send("%c%d", MSG_STARTED, (int)m.pid);
    close(m.sync_fd);
    m.sync_fd = -1;
    close(m.lock_fd);
    m.lock_fd = -1;
}

static void reap(void)
{
    struct signalfd_siginfo si;
    while (read(m.sigfd, &si, sizeof(si)) == sizeof(si))
        ; /* SIGTERM & co are ignored: the monitor lives as long as the container */
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        if (p == m.pid && !m.reaped) {
            m.reaped = true;
            m.wstatus = status;
            mreport_reaped();
            hc_stopped();
        } else {
            hc_reaped(p, status);
        }
}

/* State.Error once the log could not be written (a full disk): inspect and logs say so. */
static void log_failure_text(char *out, size_t len)
{
    snprintf(out, len, "log write failed: %s (the output after it is missing from the log)",
             strerror(m.log.failed));
}

static void note_log_failure(void)
{
    m.log_noted = true;
    int lock = lock_at(m.ctrfd, CTR_LOCK_FILE);
    struct ctr_state st;
    if (ctr_state_read(m.ctrfd, &st) == 0) {
        log_failure_text(st.error, sizeof(st.error));
        ctr_state_write(m.ctrfd, &st, false); /* in place when the disk is full */
    }
    if (lock >= 0)
        close(lock);
}

static void read_pipe(int *fd, const char *stream, char type)
{
    static char buf[PROTO_DATA_MAX];
    ssize_t n = read(*fd, buf, sizeof(buf));
    if (n > 0) {
        logw_chunk(&m.log, stream, buf, (size_t)n);
        if (m.log.failed && !m.log_noted)
            note_log_failure();
        srv_forward(&m.srv, type, buf, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(*fd);
        *fd = -1;
    }
}

/* -t: what the pty prints goes to the clients as it is, to the log as stdout lines. */
static void read_tty(void)
{
    static char buf[PROTO_DATA_MAX + 1]; /* + the '\r' mtty_log_text may put back */
    ssize_t n = read(mtty_master(), buf, PROTO_DATA_MAX);
    if (n > 0) {
        srv_forward(&m.srv, MSG_STDOUT, buf, (size_t)n);
        size_t len = mtty_log_text(buf, (size_t)n);
        if (len)
            logw_chunk(&m.log, "stdout", buf, len);
        if (m.log.failed && !m.log_noted)
            note_log_failure();
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        mtty_master_closed(); /* EIO: every slave fd is closed */
    }
}

/* 5: until the init is reaped and its output drained. */
static void main_loop(void)
{
    int grace_ms = -1;
    while (!m.reaped || m.out_r >= 0 || m.err_r >= 0 || mtty_master() >= 0) {
        struct pollfd p[6 + MAX_CLIENTS];
        int n = 0;
        bool gate = srv_any_pending(&m.srv);
        bool input_full = mtty_input_pending(); /* no client message until it drains */
        p[n++] = (struct pollfd){ .fd = m.sigfd, .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = m.srv.listen_fd, .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = gate ? -1 : m.out_r, .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = gate ? -1 : m.err_r, .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = gate ? -1 : mtty_master(), .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = input_full ? mtty_input_fd() : -1, .events = POLLOUT };
        for (int i = 0; i < MAX_CLIENTS; i++)
            p[n++] = (struct pollfd){ .fd = m.srv.c[i].fd,
                                      .events = (input_full ? 0 : POLLIN) |
                                                (m.srv.c[i].plen ? POLLOUT : 0) };
        /* after the init died its pid namespace is gone; only a leaked pipe end keeps the
         * pipes open: give it a few seconds, not forever */
        if (m.reaped && grace_ms < 0)
            grace_ms = 5000;
        int tmo = mreport_timeout_ms(), htmo = hc_timeout_ms();
        if (htmo >= 0 && (tmo < 0 || htmo < tmo))
            tmo = htmo;
        int r = poll(p, (nfds_t)n, m.reaped ? grace_ms : tmo);
        if (!m.reaped)
            hc_tick();
        if (r == 0 && !m.reaped && mreport_timeout_ms() != 0)
            continue;
        if (r == 0 && !m.reaped) {
            /* --timeout: SIGKILL to the init of the pid namespace kills every process in it */
            mreport_timed_out();
            kill(m.pid, SIGKILL);
            continue;
        }
        if (r == 0)
            break;
        if (r < 0)
            continue;
        if (p[0].revents)
            reap();
        if (p[1].revents)
            srv_accept(&m.srv);
        if (p[2].revents)
            read_pipe(&m.out_r, "stdout", MSG_STDOUT);
        if (p[3].revents)
            read_pipe(&m.err_r, "stderr", MSG_STDERR);
        if (p[4].revents)
            read_tty();
        if (p[5].revents)
            mtty_flush_input();
        for (int i = 0; i < MAX_CLIENTS; i++) {
            short ev = p[6 + i].revents;
            if (ev & POLLOUT)
                srv_flush(&m.srv, i);
            /* a client that went away is read even while input waits: no busy loop on
             * POLLHUP; what does not fit of its last input is lost with it */
            if (((ev & POLLIN) && !mtty_input_pending()) || (ev & (POLLHUP | POLLERR))) {
                int sig = srv_read(&m.srv, i);
                if (sig > 0 && !m.reaped)
                    kill(m.pid, sig); /* our child, not yet reaped: the pid is still its */
            }
        }
    }
}

/* The container's final cgroup counters, read before `delete` removes the cgroup (the runtime
 * answers `events --stats` for a stopped container). Through a memfd: no pipe to drain while
 * waiting. NULL when they cannot be read. */
static const char *final_stats(void)
{
    static char buf[65536];
    int fd = memfd_create("rbox-stats", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    const char *args[] = { "events", "--stats", m.id, NULL };
    ssize_t n = runtime(args, fd, -1) == 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
    close(fd);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

/* 'P' (rbox exec -d): run "rbox-runtime exec --detach FLAGS ID CMD..." here, so that the
 * process ends up in the monitor's subtree (it is a child subreaper) and is reaped by it, as
 * conmon does for exec sessions; stdio is /dev/null (docker drops a detached exec's output).
 * The payload is NUL-separated: FLAGS..., "--", CMD... */
void monitor_exec_request(struct srv *s, int i, char *payload, size_t len)
{
    const char *args[56] = { "exec", "--detach" };
    size_t n = 2;
    bool cmd = false;
    char *end = payload + len;
    for (char *p = payload; p < end && n + 2 < ARRAY_SIZE(args); p += strlen(p) + 1) {
        if (!cmd && strcmp(p, "--") == 0) {
            args[n++] = m.id;
            cmd = true;
        } else {
            args[n++] = p;
        }
    }
    args[n] = NULL;
    char reply[600];
    int status = cmd && !m.reaped ? runtime(args, -1, -1) : -1;
    if (status == 0) {
        snprintf(reply, sizeof(reply), "%c0", MSG_EXEC_ANSWER);
    } else {
        char msg[512];
        int code = EXIT_RBOX;
        if (!cmd || m.reaped)
            ctr_copy(msg, sizeof(msg), cmd ? "the container exited" : "bad exec request");
        else
            code = runtime_error(status, msg, sizeof(msg));
        snprintf(reply, sizeof(reply), "%c%d %s", MSG_EXEC_ANSWER, code, msg);
    }
    srv_send(s, i, reply, strlen(reply));
}

/* --restart: the policy says so, and nobody asked for a stop. Records the exit (the state says
 * exited, the monitor still owns the container: ps shows "Restarting"), tells the attached
 * clients (X: the exit they wait for), deletes the runtime's container, waits docker's back-off
 * (100 ms, doubled each time up to 1 minute, from 100 ms again after a run of 10 s or more), then
 * creates and starts it again: true when it runs. */
static bool restart_wanted(void)
{
    static int count;
    static int64_t delay_ms = 100;
    int code = 255, sig = 0;
    if (m.reaped && WIFEXITED(m.wstatus))
        code = WEXITSTATUS(m.wstatus);
    else if (m.reaped && WIFSIGNALED(m.wstatus))
        code = 128 + (sig = WTERMSIG(m.wstatus));
    if (!m.restart || faccessat(m.runfd, STOP_REQUEST, F_OK, 0) == 0 ||
        !restart_policy_allows(m.restart, code, count))
        return false;
    int lock = lock_at(m.ctrfd, CTR_LOCK_FILE);
    struct ctr_state st;
    int64_t now = now_ns_realtime();
    if (ctr_state_read(m.ctrfd, &st) == 0) {
        if (now - st.started_ns >= 10 * 1000000000LL)
            delay_ms = 100;
        st.status = CS_EXITED;
        st.exit_code = code;
        st.exit_signal = sig;
        st.finished_ns = now;
        st.pid = 0;
        st.restart_count = ++count;
        ctr_state_write(m.ctrfd, &st, false);
    }
    if (lock >= 0)
        close(lock);
    /* docker: the clients (a foreground run, attach, wait) see this exit; later runs are
     * for new ones */
    srv_finish(&m.srv, code, sig);
    const char *del[] = { "delete", "--force", m.id, NULL };
    runtime(del, -1, -1);
    for (int64_t waited = 0; waited < delay_ms; waited += 50) {
        if (faccessat(m.runfd, STOP_REQUEST, F_OK, 0) == 0)
            return false;
        srv_accept(&m.srv); /* rbox wait and attach connect meanwhile */
        usleep(50000);
    }
    delay_ms = delay_ms * 2 > 60000 ? 60000 : delay_ms * 2;
    m.reaped = false;
    m.wstatus = 0;
    lock = lock_at(m.ctrfd, CTR_LOCK_FILE);
    m.lock_fd = lock; /* start_container releases it, as rbox's at the first start */
    start_container();
    return true;
}

/* The delete finish() started, if it still runs. */
static void wait_delete(pid_t *pid)
{
    if (*pid > 0)
        rt_wait(*pid);
    *pid = -1;
}

/* 6: record the exit, clean up, tell the clients. */
static NORETURN void finish(void)
{
    int code = 255, sig = 0;
    if (m.reaped && WIFEXITED(m.wstatus)) {
        code = WEXITSTATUS(m.wstatus);
    } else if (m.reaped && WIFSIGNALED(m.wstatus)) {
        sig = WTERMSIG(m.wstatus);
        code = 128 + sig;
    }
    unlinkat(m.runfd, STOP_REQUEST, 0);
    int lock = lock_at(m.ctrfd, CTR_LOCK_FILE);
    struct ctr_state st;
    bool have = ctr_state_read(m.ctrfd, &st) == 0;
    /* an --rm container without --report leaves nothing that shows them: no stats to read */
    const char *stats = have && st.auto_remove && !mreport_requested() ? NULL : final_stats();
    if (have) {
        /* report.json is for inspect; an --rm container is gone before anyone could */
        int rfd = st.auto_remove && !mreport_requested() ? -1 : m.ctrfd;
        st.oom_killed = mreport_finish(rfd, m.id, st.name, code, sig, stats);
        st.status = CS_EXITED;
        st.exit_code = code;
        st.exit_signal = sig;
        st.finished_ns = now_ns_realtime();
        st.cleaned = false;
        if (m.log.failed)
            log_failure_text(st.error, sizeof(st.error));
        ctr_state_write(m.ctrfd, &st, !st.auto_remove); /* --rm: it goes anyway */
        char ec[16];
        snprintf(ec, sizeof(ec), "%d", code);
        const char *attrs[] = { "image", st.image, "name", st.name, "exitCode", ec, NULL };
        if (st.oom_killed)
            event_append(m.store_root, "container", "oom", m.id, attrs);
        event_append(m.store_root, "container", "die", m.id, attrs);
    }
    /* The runtime's delete (its cgroups and state directory) and our own teardown (network,
     * overlay, the container's files) touch nothing of each other's, so they overlap: the
     * delete runs while we clean up, and the clients hear of the exit only when both are done.
     * Without --log: the run directory, where runtime.log lives, may go before it ends. */
    const char *del[] = { "delete", "--force", m.id, NULL };
    const struct rt_call dc = { .bin = m.runtime, .root = m.runtime_root };
    pid_t del_pid = -1;
    if (rt_spawn(&dc, del, (int[3]){ -1, -1, -1 }, &del_pid) < 0)
        del_pid = -1;
    net_teardown(m.run_dir, m.id);
    unmount_rootfs();
    unlinkat(m.runfd, ATTACH_SOCKET, 0);
    unlinkat(m.runfd, "pid", 0);
    unlinkat(m.runfd, "runtime.log", 0);
    if (have && !st.auto_remove) {
        wait_delete(&del_pid); /* "cleaned" says the runtime's part is gone too */
        st.cleaned = true;
        st.monitor_pid = 0;
        st.monitor_start = 0;
        ctr_state_write(m.ctrfd, &st, false);
        ctr_state_drop_spare(m.ctrfd);
    }
    if (lock >= 0)
        close(lock);
    if (have && st.auto_remove) {
        remove_container();
        wait_delete(&del_pid);
        const char *attrs[] = { "image", st.image, "name", st.name, NULL };
        event_append(m.store_root, "container", "destroy", m.id, attrs);
    }
    wait_delete(&del_pid);
    mreport_send(&m.srv);
    srv_finish(&m.srv, code, sig);
    _exit(0);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    fcntl(m.sync_fd, F_SETFD, FD_CLOEXEC);
    fcntl(m.lock_fd, F_SETFD, FD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    ctr_state_reuse_inode(true); /* the state is written 3+ times a run: one inode for all */
    setup();
    sync_send("%c%d", MSG_READY, (int)getpid());
    char go[8];
    ssize_t n;
    do {
        n = recv(m.sync_fd, go, sizeof(go), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0 || go[0] != MSG_GO)
        fail_start(EXIT_RBOX, "rbox went away before the container started");
    start_container();
    main_loop();
    while (restart_wanted())
        main_loop();
    finish();
}
