/* exec.c - /containers/ID/exec, /exec/ID/start, /exec/ID/json, /exec/ID/resize.
 *
 * An exec instance is a request kept here until it starts; the start runs `rbox exec` itself
 * (this very binary, with the service's store), so the CLI's exec path does the work: its
 * foreground mode blocks signals and waits for its children, which a threaded server cannot
 * do in-process. Its stdio is the hijacked connection: pipes framed as Docker's multiplexed
 * stream, or a pseudo-terminal relayed raw (-t; resize sets the terminal's size). */
#define _GNU_SOURCE
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define EXECS_MAX 256

struct exec_inst {
    char id[ID_LEN + 1];
    char ctr[ID_LEN + 1];
    char **args; /* rbox exec's arguments after "exec" */
    char **cmd;
    char *user;
    bool tty, in, out, err;
    bool running, done, started;
    int exit_code;
    pid_t pid;
    int master; /* the pty's master while it runs (-t), else -1 */
    struct store *s, own;
    int sock;
    struct api_upgrade *up;
};

static pthread_mutex_t execs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct exec_inst *execs[EXECS_MAX];

static struct exec_inst *exec_find(const char *id)
{
    for (size_t i = 0; i < EXECS_MAX; i++)
        if (execs[i] && strcmp(execs[i]->id, id) == 0)
            return execs[i];
    return NULL;
}

static void exec_free(struct exec_inst *e)
{
    strv_free(e->args);
    strv_free(e->cmd);
    free(e->user);
    free(e);
}

/* Kept until the table is full: then the oldest finished one goes. */
static bool exec_add(struct exec_inst *e)
{
    pthread_mutex_lock(&execs_mu);
    size_t slot = EXECS_MAX;
    for (size_t i = 0; i < EXECS_MAX && slot == EXECS_MAX; i++)
        if (execs[i] == NULL)
            slot = i;
    for (size_t i = 0; i < EXECS_MAX && slot == EXECS_MAX; i++)
        if (execs[i]->done) {
            exec_free(execs[i]);
            slot = i;
        }
    if (slot < EXECS_MAX)
        execs[slot] = e;
    pthread_mutex_unlock(&execs_mu);
    return slot < EXECS_MAX;
}

int api_exec_create(struct api_req *r)
{
    char ctr[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, ctr, &ret))
        return ret;
    _cleanup_yajl_ yajl_val body = NULL;
    rbox_err *err = NULL;
    if (json_parse(r->body, "the request body", &body, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    yajl_val cmd = json_get(body, "Cmd");
    if (!YAJL_IS_ARRAY(cmd) || cmd->u.array.len == 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "No exec command specified");
    struct ctr_state st;
    api_lock();
    int rc = ctr_read(r->s, ctr, &st, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_NOT_FOUND);
    if (st.status != CS_RUNNING)
        return api_error(r, MHD_HTTP_CONFLICT, "Container %s is not running", ctr);
    struct exec_inst *e = xzalloc(sizeof(*e));
    id_generate(e->id);
    memcpy(e->ctr, ctr, sizeof(e->ctr));
    e->master = -1;
    api_store_copy(&e->own, r->s);
    e->s = &e->own;
    json_get_bool(body, "Tty", &e->tty);
    json_get_bool(body, "AttachStdin", &e->in);
    json_get_bool(body, "AttachStdout", &e->out);
    json_get_bool(body, "AttachStderr", &e->err);
    size_t n = 0, nc = 0;
    if (e->in)
        strv_push(&e->args, &n, xstrdup("--interactive"));
    if (e->tty)
        strv_push(&e->args, &n, xstrdup("--tty"));
    const char *user = json_get_str(body, "User"), *wd = json_get_str(body, "WorkingDir");
    if (user && *user) {
        strv_push(&e->args, &n, xasprintf("--user=%s", user));
        e->user = xstrdup(user);
    }
    if (wd && *wd)
        strv_push(&e->args, &n, xasprintf("--workdir=%s", wd));
    yajl_val env = json_get(body, "Env");
    for (size_t i = 0; YAJL_IS_ARRAY(env) && i < env->u.array.len; i++) {
        const char *v = YAJL_GET_STRING(env->u.array.values[i]);
        if (v && strchr(v, '='))
            strv_push(&e->args, &n, xasprintf("--env=%s", v));
    }
    strv_push(&e->args, &n, xstrdup(ctr));
    for (size_t i = 0; i < cmd->u.array.len; i++) {
        const char *v = YAJL_GET_STRING(cmd->u.array.values[i]);
        strv_push(&e->args, &n, xstrdup(v ? v : ""));
        strv_push(&e->cmd, &nc, xstrdup(v ? v : ""));
    }
    if (!exec_add(e)) {
        exec_free(e);
        return api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "too many exec instances");
    }
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "Id", e->id);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_CREATED, &w);
}

/* ---- running rbox exec ---- */

static void child_exec(struct exec_inst *e, bool detach)
{
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0)
        _exit(125);
    self[len] = '\0';
    char **argv = NULL;
    size_t n = 0;
    strv_push(&argv, &n, xstrdup("rbox"));
    strv_push(&argv, &n, xasprintf("--root=%s", e->s->root));
    strv_push(&argv, &n, xasprintf("--runroot=%s", e->s->runroot));
    strv_push(&argv, &n, xstrdup("exec"));
    if (detach)
        strv_push(&argv, &n, xstrdup("--detach"));
    for (size_t i = 0; e->args[i]; i++)
        if (!(detach && (str_eq(e->args[i], "--interactive") || str_eq(e->args[i], "--tty"))))
            strv_push(&argv, &n, xstrdup(e->args[i]));
    execv(self, argv);
    _exit(125);
}

static int frame(int fd, int stream, const char *p, size_t n, bool framed)
{
    if (framed) {
        unsigned char h[8] = { (unsigned char)stream,
                               0,
                               0,
                               0,
                               (unsigned char)(n >> 24),
                               (unsigned char)(n >> 16),
                               (unsigned char)(n >> 8),
                               (unsigned char)n };
        if (write_all(fd, h, sizeof(h)) < 0)
            return -1;
    }
    return write_all(fd, p, n) < 0 ? -1 : 0;
}

/* Relay until the process's output ends; in: the fd its stdin is (pipe or pty master). */
static void exec_relay_fds(struct exec_inst *e, int in, int out, int err)
{
    bool sock_open = true;
    char buf[16384];
    int fds[2] = { out, err };
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd pf[3] = { { fds[0], POLLIN, 0 },
                                { fds[1], POLLIN, 0 },
                                { sock_open ? e->sock : -1, POLLIN, 0 } };
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < 2; k++) {
            if (fds[k] < 0 || !pf[k].revents)
                continue;
            ssize_t n = read(fds[k], buf, sizeof(buf));
            if (n <= 0) {
                fds[k] = -1; /* EOF, or EIO from a pty whose process is gone */
                continue;
            }
            if (frame(e->sock, k + 1, buf, (size_t)n, !e->tty) < 0)
                sock_open = false;
        }
        if (sock_open && pf[2].revents) {
            ssize_t n = read(e->sock, buf, sizeof(buf));
            if (n > 0 && in >= 0) {
                if (write_all(in, buf, (size_t)n) < 0)
                    in = -1;
            } else if (n <= 0) {
                sock_open = false;
                if (!e->tty && in >= 0) /* the client's stdin ended: so does the process's */
                    close(in);
                in = -1;
            }
        }
    }
}

static int spawn_and_relay(struct exec_inst *e)
{
    int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, master = -1, slave = -1;
    if (e->tty) {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
            return -1;
        slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0) {
            close(master);
            return -1;
        }
    } else if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
               pipe2(perr, O_CLOEXEC) < 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (e->tty) {
            setsid();
            ioctl(slave, TIOCSCTTY, 0);
            dup2(slave, 0), dup2(slave, 1), dup2(slave, 2);
        } else {
            dup2(pin[0], 0), dup2(pout[1], 1), dup2(perr[1], 2);
        }
        child_exec(e, false);
    }
    if (e->tty) {
        close(slave);
    } else {
        close(pin[0]);
        close(pout[1]);
        close(perr[1]);
    }
    if (pid < 0)
        return -1;
    pthread_mutex_lock(&execs_mu);
    e->pid = pid;
    e->master = master;
    pthread_mutex_unlock(&execs_mu);
    if (e->tty)
        exec_relay_fds(e, master, master, -1);
    else
        exec_relay_fds(e, pin[1], pout[0], perr[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&execs_mu);
    e->master = -1;
    pthread_mutex_unlock(&execs_mu);
    if (e->tty) {
        close(master);
    } else {
        if (pin[1] >= 0)
            close(pin[1]);
        close(pout[0]);
        close(perr[0]);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *exec_thread(void *v)
{
    struct exec_inst *e = v;
    int code = spawn_and_relay(e);
    pthread_mutex_lock(&execs_mu);
    e->exit_code = code < 0 ? 125 : code;
    e->running = false;
    e->done = true;
    pthread_mutex_unlock(&execs_mu);
    /* the exit code is recorded before the client sees the end of the stream */
    shutdown(e->sock, SHUT_RDWR);
    api_upgrade_done(e->up);
    api_busy(-1);
    return NULL;
}

static void exec_upgraded(void *ud, int sock, const char *extra, size_t extra_len,
                          struct api_upgrade *up)
{
    (void)extra, (void)extra_len; /* stdin sent before the answer: docker's CLI sends none */
    struct exec_inst *e = ud;
    e->sock = sock;
    e->up = up;
    pthread_t t;
    api_busy(1);
    if (pthread_create(&t, NULL, exec_thread, e) != 0)
        abort();
    pthread_detach(t);
}

static struct exec_inst *exec_of(struct api_req *r, int *ret)
{
    pthread_mutex_lock(&execs_mu);
    struct exec_inst *e = exec_find(r->seg[1]);
    pthread_mutex_unlock(&execs_mu);
    if (e == NULL)
        *ret = api_error(r, MHD_HTTP_NOT_FOUND, "No such exec instance: %s", r->seg[1]);
    return e;
}

int api_exec_start(struct api_req *r)
{
    int ret;
    struct exec_inst *e = exec_of(r, &ret);
    if (e == NULL)
        return ret;
    _cleanup_yajl_ yajl_val body = NULL;
    rbox_err *err = NULL;
    if (*r->body && json_parse(r->body, "the request body", &body, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    bool detach = false;
    json_get_bool(body, "Detach", &detach);
    pthread_mutex_lock(&execs_mu);
    bool again = e->started;
    e->started = e->running = true;
    pthread_mutex_unlock(&execs_mu);
    if (again)
        return api_error(r, MHD_HTTP_CONFLICT, "Exec %s has already been started", e->id);
    if (!detach)
        return api_upgrade(r,
                           e->tty ? "application/vnd.docker.raw-stream"
                                  : "application/vnd.docker.multiplexed-stream",
                           exec_upgraded, e);
    /* detached: rbox exec -d (the container's monitor runs and reaps it) */
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        child_exec(e, true);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&execs_mu);
    e->running = false;
    e->done = true;
    e->exit_code = pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 125;
    pthread_mutex_unlock(&execs_mu);
    if (e->exit_code != 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exec failed (code %d)", e->exit_code);
    return api_reply(r, MHD_HTTP_OK, NULL, NULL, 0);
}

int api_exec_inspect(struct api_req *r)
{
    int ret;
    struct exec_inst *e = exec_of(r, &ret);
    if (e == NULL)
        return ret;
    json_w w;
    jw_init(&w, false);
    pthread_mutex_lock(&execs_mu);
    jw_obj_open(&w);
    jw_kstr(&w, "ID", e->id);
    jw_kbool(&w, "Running", e->running);
    jw_kint(&w, "ExitCode", e->exit_code);
    jw_key(&w, "ProcessConfig");
    jw_obj_open(&w);
    jw_kbool(&w, "tty", e->tty);
    jw_kstr(&w, "entrypoint", e->cmd[0]);
    jw_kstrv(&w, "arguments", e->cmd + 1);
    jw_kbool(&w, "privileged", false);
    jw_kstr(&w, "user", e->user ? e->user : "");
    jw_obj_close(&w);
    jw_kbool(&w, "OpenStdin", e->in);
    jw_kbool(&w, "OpenStdout", e->out);
    jw_kbool(&w, "OpenStderr", e->err);
    jw_kbool(&w, "CanRemove", false);
    jw_kstr(&w, "ContainerID", e->ctr);
    jw_kstr(&w, "DetachKeys", "");
    jw_kint(&w, "Pid", e->running ? e->pid : 0);
    jw_obj_close(&w);
    pthread_mutex_unlock(&execs_mu);
    return api_json(r, MHD_HTTP_OK, &w);
}

int api_exec_resize(struct api_req *r)
{
    int ret, h = 0, w = 0;
    struct exec_inst *e = exec_of(r, &ret);
    if (e == NULL)
        return ret;
    const char *hs = api_query(r, "h"), *ws = api_query(r, "w");
    if (!hs || !ws || parse_int(hs, &h) < 0 || parse_int(ws, &w) < 0 || h < 0 || w < 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "expected h and w (rows and columns)");
    pthread_mutex_lock(&execs_mu);
    struct winsize sz = { .ws_row = (unsigned short)h, .ws_col = (unsigned short)w };
    bool ok = e->master >= 0 && ioctl(e->master, TIOCSWINSZ, &sz) == 0;
    pthread_mutex_unlock(&execs_mu);
    if (!ok)
        return api_error(r, MHD_HTTP_CONFLICT, "exec %s has no terminal running", e->id);
    return api_reply(r, MHD_HTTP_OK, NULL, NULL, 0);
}
