/* usernet.c - slirp4netns and pasta networking (usernet.h). */
#define _GNU_SOURCE
#include "usernet.h"
#include "netdown.h"
#include "rtcall.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SLIRP_BIN  "/usr/bin/slirp4netns"
#define PASTA_BIN  "/usr/bin/pasta"
#define API_SOCKET "usernet.sock" /* slirp4netns's, in the run dir */
#define PASTA_PID  "usernet.pid"  /* pasta's --pid file, read and removed at once */
#define READY_WAIT 10000          /* ms for slirp4netns to set up the namespace */

static bool mode_of(const char *mode, const char *tool)
{
    size_t n = strlen(tool);
    return mode && strncmp(mode, tool, n) == 0 && (mode[n] == '\0' || mode[n] == ':');
}

bool usernet_is_slirp(const char *mode)
{
    return mode_of(mode, "slirp4netns");
}

bool usernet_is(const char *mode)
{
    return mode_of(mode, "slirp4netns") || mode_of(mode, "pasta");
}

const char *usernet_rootless_default(void)
{
    /* slirp4netns first: it works without a routable host interface, starts faster and dies
     * with its monitor (docs/networking.md has the figures) */
    if (access(SLIRP_BIN, X_OK) == 0)
        return "slirp4netns";
    if (access(PASTA_BIN, X_OK) == 0)
        return "pasta";
    return "none";
}

struct uopts {
    bool slirp, host_loopback;
    int mtu;
    char **args; /* pasta's, as given */
};

static int parse_opts(const char *mode, struct uopts *o, rbox_err **err)
{
    memset(o, 0, sizeof(*o));
    o->slirp = usernet_is_slirp(mode);
    o->mtu = 65520;
    const char *colon = strchr(mode, ':');
    size_t na = 0;
    o->args = xcalloc(1, sizeof(char *));
    if (colon == NULL)
        return 0;
    if (colon[1] == '\0')
        return rbox_error(err, 0, "invalid --network %s: no options after ':'", mode);
    _cleanup_free_ char *s = xstrdup(colon + 1);
    for (char *save = NULL, *opt = strtok_r(s, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        if (!o->slirp) {
            strv_push(&o->args, &na, xstrdup(opt));
            continue;
        }
        char *eq = strchr(opt, '=');
        const char *v = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        if (str_eq(opt, "allow_host_loopback") && (str_eq(v, "true") || str_eq(v, "false"))) {
            o->host_loopback = str_eq(v, "true");
        } else if (str_eq(opt, "mtu")) {
            if (parse_int(v, &o->mtu) < 0 || o->mtu < 68 || o->mtu > 65521)
                return rbox_error(
                    err, 0, "invalid --network %s: mtu must be a number from 68 to 65521", mode);
        } else if (str_eq(opt, "port_handler")) {
            if (!str_eq(v, "slirp4netns"))
                return rbox_error(err, 0,
                                  "invalid --network %s: port_handler must be slirp4netns "
                                  "(rootlesskit is not supported)",
                                  mode);
        } else if (str_eq(opt, "allow_host_loopback")) {
            return rbox_error(err, 0,
                              "invalid --network %s: allow_host_loopback must be true or "
                              "false",
                              mode);
        } else {
            return rbox_error(err, 0,
                              "invalid --network %s: unknown option \"%s\" (known: "
                              "allow_host_loopback, mtu, port_handler)",
                              mode, opt);
        }
    }
    if (!o->slirp)
        for (size_t i = 0; o->args[i]; i++)
            if (str_eq(o->args[i], "--netns") || str_eq(o->args[i], "--pid") ||
                str_eq(o->args[i], "--runas") || str_eq(o->args[i], "-f") ||
                str_eq(o->args[i], "--foreground"))
                return rbox_error(err, 0, "invalid --network %s: rbox sets %s itself", mode,
                                  o->args[i]);
    return 0;
}

int usernet_check(const char *mode, rbox_err **err)
{
    struct uopts o;
    int r = parse_opts(mode, &o, err);
    strv_free(o.args);
    return r;
}

/* Every published port, one by one, with the host ports 0 made free ones (the helper binds
 * them: rbox holds nothing). */
static int expand_ports(const struct ctr_spec *sp, struct port_map **out, size_t *nout,
                        rbox_err **err)
{
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < sp->net.n_ports; i++) {
        const struct port_map *p = &sp->net.ports[i];
        for (uint16_t k = 0; k < p->range; k++) {
            *out = xrealloc(*out, (*nout + 1) * sizeof(**out));
            struct port_map *m = &(*out)[(*nout)++];
            *m = *p;
            m->range = 1;
            m->ctr_port = (uint16_t)(p->ctr_port + k);
            m->host_port = p->host_port ? (uint16_t)(p->host_port + k) : 0;
            if (m->host_port)
                continue;
            bool udp = str_eq(p->proto, "udp");
            _cleanup_close_ int fd =
                socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
            struct sockaddr_in a = { .sin_family = AF_INET };
            if (p->host_ip[0])
                inet_pton(AF_INET, p->host_ip, &a.sin_addr);
            socklen_t len = sizeof(a);
            if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
                getsockname(fd, (struct sockaddr *)&a, &len) < 0)
                return rbox_error(err, errno, "finding a free host port for %u/%s",
                                  (unsigned)m->ctr_port, m->proto);
            m->host_port = ntohs(a.sin_port);
        }
    }
    return 0;
}

static int record(int dfd, const char *text, rbox_err **err)
{
    if (write_file_atomic_at(dfd, NET_TEARDOWN_FILE, text, strlen(text), 0600, false) < 0)
        return rbox_error(err, errno, "writing %s", NET_TEARDOWN_FILE);
    return 0;
}

/* An unlinked file in dir for a helper's stderr: its error message, and nothing left. */
static int err_file(int dfd)
{
    int fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    fd = openat(dfd, "usernet.err", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    unlinkat(dfd, "usernet.err", 0);
    return fd;
}

/* The last line of what the helper wrote to fd that is not pasta's syslog complaint (nor its
 * usage text). */
static void err_text(int fd, char *msg, size_t len)
{
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    snprintf(msg, len, "no message");
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (str_has_prefix(l, "Usage:"))
            break; /* a bad option: the line before pasta's usage names it */
        if (!str_has_prefix(l, "Failed to send") && *l)
            snprintf(msg, len, "%s", l);
    }
}

/* fork twice, so that the helper is nobody's child here (no zombie in a long-lived rbox
 * system service): the grandchild gets src[i] as dst[i], /dev/null as stdin and stdout, efd
 * as stderr, dir as its cwd, its own session. Its pid, or -1. */
static pid_t spawn_detached(const char *const *argv, int dfd, const int *src, const int *dst,
                            size_t n, int efd)
{
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        return -1;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t c = fork();
    if (c == 0) {
        setsid();
        pid_t g = fork();
        if (g != 0) {
            (void)!write(pp[1], &g, sizeof(g));
            _exit(0);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int tmp[8], te = fcntl(efd, F_DUPFD_CLOEXEC, 20);
        for (size_t i = 0; i < n && i < 8; i++)
            tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 20);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(te, 2) < 0 ||
            fchdir(dfd) < 0)
            _exit(127);
        for (size_t i = 0; i < n && i < 8; i++)
            if (dup2(tmp[i], dst[i]) < 0)
                _exit(127);
        close_range(3 + (unsigned)n, ~0U, 0); /* whatever rbox inherited without CLOEXEC */
        execve(argv[0], (char *const *)argv, environ);
        _exit(127);
    }
    if (devnull >= 0)
        close(devnull);
    close(pp[1]);
    pid_t g = -1;
    if (c > 0) {
        while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
            ;
        if (read(pp[0], &g, sizeof(g)) != sizeof(g))
            g = -1;
    }
    close(pp[0]);
    return g;
}

/* One request to slirp4netns's API socket; its error's text in msg (0: done). */
static int slirp_api(int dfd, const char *req, char *msg, size_t len)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, API_SOCKET);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        write_all(fd, req, strlen(req)) < 0 || shutdown(fd, SHUT_WR) < 0) {
        snprintf(msg, len, "its API socket: %s", strerror(errno));
        return -1;
    }
    char buf[1024];
    ssize_t n = read_all(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(buf, "slirp4netns", &v, NULL) == 0 && json_get(v, "return"))
        return 0;
    const char *desc = json_get_str(json_get(v, "error"), "desc");
    snprintf(msg, len, "%.400s", desc ? desc : buf);
    return -1;
}

static int slirp_ports(int dfd, const struct port_map *pm, size_t n, rbox_err **err)
{
    for (size_t i = 0; i < n; i++) {
        const char *hip = pm[i].host_ip[0] ? pm[i].host_ip : "0.0.0.0";
        _cleanup_free_ char *req = xasprintf(
            "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"%s\",\"host_addr\":\"%s\","
            "\"host_port\":%u,\"guest_addr\":\"%s\",\"guest_port\":%u}}",
            pm[i].proto, hip, (unsigned)pm[i].host_port, USERNET_SLIRP_IP,
            (unsigned)pm[i].ctr_port);
        char msg[512];
        if (slirp_api(dfd, req, msg, sizeof(msg)) < 0)
            return rbox_error(err, 0,
                              "cannot publish %s:%u/%s: slirp4netns refused it (the port is "
                              "probably in use): %s",
                              hip, (unsigned)pm[i].host_port, pm[i].proto, msg);
    }
    return 0;
}

static int start_slirp(const struct uopts *o, int dfd, const char *netns, const char *userns,
                       const char *rec, const struct port_map *pm, size_t npm, struct net_fds *fds,
                       rbox_err **err)
{
    if (fds->n + 1 > NET_MAX_PORT_FDS)
        return rbox_error(err, 0, "too many published ports (at most %d)", NET_MAX_PORT_FDS);
    int ex[2], rd[2];
    if (pipe2(ex, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    if (pipe2(rd, O_CLOEXEC) < 0) {
        close(ex[0]);
        close(ex[1]);
        return rbox_error(err, errno, "pipe");
    }
    fds->fd[fds->n++] = ex[1]; /* the monitor holds it: slirp4netns exits when it closes */
    _cleanup_close_ int efd = err_file(dfd), rfd = rd[0];
    _cleanup_free_ char *mtu = xasprintf("--mtu=%d", o->mtu);
    _cleanup_free_ char *up = userns ? xasprintf("--userns-path=%s", userns) : NULL;
    const char *argv[16];
    size_t n = 0;
    argv[n++] = SLIRP_BIN;
    argv[n++] = "--configure";
    argv[n++] = mtu;
    if (!o->host_loopback)
        argv[n++] = "--disable-host-loopback";
    argv[n++] = "--exit-fd=3";
    argv[n++] = "--ready-fd=4";
    argv[n++] = "--api-socket";
    argv[n++] = API_SOCKET;
    if (up)
        argv[n++] = up;
    argv[n++] = "--netns-type=path";
    argv[n++] = netns;
    argv[n++] = "tap0";
    argv[n] = NULL;
    int src[2] = { ex[0], rd[1] }, dst[2] = { 3, 4 };
    pid_t pid = efd < 0 ? -1 : spawn_detached(argv, dfd, src, dst, 2, efd);
    close(ex[0]);
    close(rd[1]);
    if (pid < 0)
        return rbox_error(err, errno, "cannot start %s", SLIRP_BIN);
    unsigned long long start = proc_start_time(pid);
    _cleanup_free_ char *full = xasprintf("%shelper %d %llu\n", rec, (int)pid, start);
    if (record(dfd, full, err) < 0)
        return -1;
    struct pollfd p = { .fd = rfd, .events = POLLIN };
    char c = 0;
    int pr;
    while ((pr = poll(&p, 1, READY_WAIT)) < 0 && errno == EINTR)
        ;
    if (pr <= 0 || read(rfd, &c, 1) != 1 || c != '1') {
        char msg[512];
        err_text(efd, msg, sizeof(msg));
        return rbox_error(err, 0, "slirp4netns failed to set up the network: %s",
                          pr == 0 ? "it did not answer" : msg);
    }
    return slirp_ports(dfd, pm, npm, err);
}

static bool has_arg(char *const *args, const char *a, const char *b)
{
    for (size_t i = 0; args[i]; i++)
        if (str_eq(args[i], a) || str_eq(args[i], b) ||
            (str_has_prefix(args[i], b) && args[i][strlen(b)] == '='))
            return true;
    return false;
}

static int start_pasta(const struct uopts *o, int dfd, const char *run_dir, const char *netns,
                       const char *userns, const char *rec, const struct port_map *pm, size_t npm,
                       rbox_err **err)
{
    _cleanup_strv_ char **argv = xcalloc(1, sizeof(char *));
    size_t n = 0;
    strv_push(&argv, &n, xstrdup(PASTA_BIN));
    strv_push(&argv, &n, xstrdup("--config-net"));
    strv_push(&argv, &n, xstrdup("--quiet"));
    strv_push(&argv, &n, xstrdup("--runas"));
    strv_push(&argv, &n, xasprintf("%u:%u", (unsigned)getuid(), (unsigned)getgid()));
    bool tcp = false, udp = false;
    for (size_t i = 0; i < npm; i++) {
        bool u = str_eq(pm[i].proto, "udp");
        strv_push(&argv, &n, xstrdup(u ? "-u" : "-t"));
        strv_push(&argv, &n,
                  pm[i].host_ip[0]
                      ? xasprintf("%s/%u:%u", pm[i].host_ip, (unsigned)pm[i].host_port,
                                  (unsigned)pm[i].ctr_port)
                      : xasprintf("%u:%u", (unsigned)pm[i].host_port, (unsigned)pm[i].ctr_port));
        tcp |= !u;
        udp |= u;
    }
    /* podman's defaults: nothing forwarded but what -p asks, no host loopback via the
     * gateway; the user's own arguments win */
    const char *defs[][4] = { { "-t", "--tcp-ports", "-t", "none" },
                              { "-u", "--udp-ports", "-u", "none" },
                              { "-T", "--tcp-ns", "-T", "none" },
                              { "-U", "--udp-ns", "-U", "none" } };
    for (size_t i = 0; i < 4; i++) {
        if ((i == 0 && tcp) || (i == 1 && udp) || has_arg(o->args, defs[i][0], defs[i][1]))
            continue;
        strv_push(&argv, &n, xstrdup(defs[i][2]));
        strv_push(&argv, &n, xstrdup(defs[i][3]));
    }
    if (!has_arg(o->args, "--map-gw", "--map-gw") &&
        !has_arg(o->args, "--no-map-gw", "--no-map-gw"))
        strv_push(&argv, &n, xstrdup("--no-map-gw"));
    for (size_t i = 0; o->args[i]; i++)
        if (!str_eq(o->args[i], "--map-gw"))
            strv_push(&argv, &n, xstrdup(o->args[i]));
    if (userns) {
        strv_push(&argv, &n, xstrdup("--userns"));
        strv_push(&argv, &n, xstrdup(userns));
    }
    strv_push(&argv, &n, xstrdup("--pid"));
    strv_push(&argv, &n, xasprintf("%s/%s", run_dir, PASTA_PID));
    strv_push(&argv, &n, xstrdup("--netns"));
    strv_push(&argv, &n, xstrdup(netns));
    /* the pid file before pasta runs, so that the teardown removes it whatever happens */
    _cleanup_free_ char *rec2 = xasprintf("%sfile %s/%s\n", rec, run_dir, PASTA_PID);
    if (record(dfd, rec2, err) < 0)
        return -1;
    _cleanup_close_ int efd = err_file(dfd);
    if (efd < 0)
        return rbox_error(err, errno, "creating a file in %s", run_dir);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    spawnattr_clean(&at, true);
    pid_t child;
    int r = posix_spawn(&child, PASTA_BIN, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (r != 0)
        return rbox_error(err, r, "cannot start %s", PASTA_BIN);
    int st = -1;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
        ;
    /* pasta forks itself into the background once the namespace is set up */
    _cleanup_free_ char *text = NULL;
    int pid = 0;
    if (read_file_at(dfd, PASTA_PID, &text, NULL) == 0)
        parse_int(strtok(text, "\n"), &pid);
    unlinkat(dfd, PASTA_PID, 0);
    if (pid > 1) {
        _cleanup_free_ char *full =
            xasprintf("%shelper %d %llu\n", rec, pid, proc_start_time((pid_t)pid));
        if (record(dfd, full, err) < 0)
            return -1;
    }
    if (st != 0 || pid <= 1) {
        char msg[512];
        err_text(efd, msg, sizeof(msg));
        return rbox_error(err, 0, "pasta failed to set up the network: %s", msg);
    }
    return 0;
}

static int state_json(int dfd, const char *tool, const struct port_map *pm, size_t n,
                      rbox_err **err)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "mode", tool);
    jw_key(&w, "networks");
    jw_arr_open(&w);
    jw_arr_close(&w);
    jw_key(&w, "ports");
    jw_arr_open(&w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_open(&w);
        jw_kstr(&w, "host_ip", pm[i].host_ip);
        jw_kint(&w, "container_port", pm[i].ctr_port);
        jw_kint(&w, "host_port", pm[i].host_port);
        jw_kstr(&w, "protocol", pm[i].proto);
        jw_obj_close(&w);
    }
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(dfd, NET_STATE_FILE, text, len, 0600, false);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing %s", NET_STATE_FILE);
    return 0;
}

int usernet_start(const struct ctr_spec *sp, const char *run_dir, const char *netns,
                  const char *userns, int (*mkns)(const char *path, rbox_err **err),
                  struct net_fds *fds, rbox_err **err)
{
    struct uopts o;
    _cleanup_free_ struct port_map *pm = NULL;
    size_t npm = 0;
    _cleanup_close_ int dfd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = -1;
    if (parse_opts(sp->network, &o, err) < 0)
        goto out;
    if (dfd < 0) {
        rbox_error(err, errno, "opening %s", run_dir);
        goto out;
    }
    if (access(o.slirp ? SLIRP_BIN : PASTA_BIN, X_OK) < 0) {
        rbox_error(err, 0, "--network %s needs %s (the Debian package %s)", sp->network,
                   o.slirp ? SLIRP_BIN : PASTA_BIN, o.slirp ? "slirp4netns" : "passt");
        goto out;
    }
    if (expand_ports(sp, &pm, &npm, err) < 0)
        goto out;
    _cleanup_free_ char *rec = o.slirp
                                   ? xasprintf("netns %s\nfile %s/%s\n", netns, run_dir, API_SOCKET)
                                   : xasprintf("netns %s\n", netns);
    if (record(dfd, rec, err) < 0 || (mkns && mkns(netns, err) < 0))
        goto out;
    if (o.slirp ? start_slirp(&o, dfd, netns, userns, rec, pm, npm, fds, err)
                : start_pasta(&o, dfd, run_dir, netns, userns, rec, pm, npm, err))
        goto out;
    r = state_json(dfd, o.slirp ? "slirp4netns" : "pasta", pm, npm, err);
out:
    strv_free(o.args);
    return r;
}
