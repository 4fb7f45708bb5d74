/* exec.c - rbox exec: another process in a running container, through
 * `rbox-runtime exec --process FILE` (the process object is the container's own, from its
 * bundle, with the command, environment, user, working directory and terminal replaced).
 *
 * In the foreground rbox runs the runtime as its child: the runtime is the subreaper that
 * waits for the process and forwards signals; with -t it gets our stdio and relays the
 * container's pty (raw mode, SIGWINCH); without -t it gets pipes that rbox relays
 * (exec_relay.c: never the caller's terminal); rbox exits with the process's code. With -d the
 * container's monitor runs `rbox-runtime exec --detach` (attach message 'P'), so the process lives
 * in the monitor's subtree and the monitor reaps it, as conmon does. */
#define _GNU_SOURCE
#include "ctr.h"
#include "exec_relay.h"
#include "json.h"
#include "log.h"
#include "mcli.h"
#include "proto.h"
#include "rtcall.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char exec_usage[] =
    "Usage: rbox exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
    "\n"
    "Run a command in a running container. It gets the container's environment, user and\n"
    "working directory unless the options change them. rbox exits with the command's exit\n"
    "code (126: it cannot be invoked, 127: it was not found, 125: rbox failed). Without -t\n"
    "its stdin, stdout and stderr are pipes that rbox relays, never this terminal.\n"
    "\n"
    "Options:\n"
    "  -d, --detach               run it in the background (no output; the container's\n"
    "                             rbox-monitor reaps it); not with -t\n"
    "  -e, --env K=V              set an environment variable (repeatable; K alone takes\n"
    "                             rbox's own value)\n"
    "  -i, --interactive          send this stdin to the command (else it reads /dev/null)\n"
    "  -t, --tty                  give it a terminal, relayed to this one (raw mode; the size\n"
    "                             follows); TERM=xterm unless set\n"
    "  -u, --user USER[:GROUP]    user (name or uid) and group, from the container's\n"
    "                             /etc/passwd and /etc/group\n"
    "  -w, --workdir DIR          working directory (absolute)\n";

struct exec_req {
    bool detach, interactive, tty;
    char **env;
    size_t n_env;
    const char *user, *workdir;
    char id[ID_LEN + 1];
    char **args;
};

static int parse(struct exec_req *r, int argc, char **argv, struct margs *p, rbox_err **err)
{
    enum { F_DETACH = 1, F_ENV, F_INTERACTIVE, F_TTY, F_USER, F_WORKDIR };
    static const struct mopt opts[] = {
        { "detach", 'd', false, F_DETACH },
        { "env", 'e', true, F_ENV },
        { "interactive", 'i', false, F_INTERACTIVE },
        { "tty", 't', false, F_TTY },
        { "user", 'u', true, F_USER },
        { "workdir", 'w', true, F_WORKDIR },
        { NULL, 0, false, 0 },
    };
    *p = (struct margs){ .argc = argc, .argv = argv, .i = 1, .cmd = "rbox exec" };
    const char *arg;
    int id;
    while ((id = margs_next(p, opts, &arg, err)) != 0) {
        switch (id) {
        case MOPT_HELP: return MOPT_HELP;
        case -1: return -1;
        case F_DETACH: r->detach = true; break;
        case F_INTERACTIVE: r->interactive = true; break;
        case F_TTY: r->tty = true; break;
        case F_USER: r->user = arg; break;
        case F_WORKDIR: r->workdir = arg; break;
        case F_ENV:
            if (parse_env_arg(arg, &r->env, &r->n_env, err) < 0)
                return -1;
            break;
        }
    }
    if (margs_require(p, 2, -1, "a CONTAINER and a COMMAND", err) < 0)
        return -1;
    if (r->detach && r->tty)
        return rbox_error(err, 0,
                          "rbox exec: -d and -t cannot be combined (nothing would read the "
                          "terminal of a detached process)");
    if (r->workdir && r->workdir[0] != '/')
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --workdir: the working directory must be "
                          "an absolute path",
                          r->workdir);
    if (r->interactive && r->tty && !r->detach && !isatty(STDIN_FILENO))
        return rbox_error(err, 0, "the input device is not a TTY");
    r->args = argv + p->i + 1;
    return 0;
}

static int check_running(struct store *s, struct exec_req *r, const char *ref, rbox_err **err)
{
    struct ctr_state st;
    if (ctr_resolve(s, ref, r->id, err) < 0 || ctr_read(s, r->id, &st, err) < 0)
        return -1;
    if (st.status == CS_PAUSED)
        return rbox_error(err, 0, "container %s is paused, unpause the container before exec",
                          st.name);
    if (st.status != CS_RUNNING)
        return rbox_error(err, 0, "container %s is not running", st.name);
    return 0;
}

static bool env_has(char *const *env, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, len) == 0 && env[i][len] == '=')
            return true;
    return false;
}

/* process.env: the container's, with -e replacing or adding; TERM with -t; HOME of -u. */
static void write_env(json_w *w, yajl_val env, const struct exec_req *r, const char *home)
{
    jw_key(w, "env");
    jw_arr_open(w);
    for (size_t i = 0; YAJL_IS_ARRAY(env) && i < env->u.array.len; i++) {
        const char *e = YAJL_GET_STRING(env->u.array.values[i]);
        if (e == NULL)
            continue;
        _cleanup_free_ char *key = xstrndup(e, strcspn(e, "="));
        if (env_has(r->env, key) || (home && strcmp(key, "HOME") == 0))
            continue;
        jw_str(w, e);
    }
    for (size_t i = 0; i < r->n_env; i++)
        jw_str(w, r->env[i]);
    if (home) {
        _cleanup_free_ char *h = xasprintf("HOME=%s", home);
        jw_str(w, h);
    }
    if (r->tty && !env_has(r->env, "TERM"))
        jw_str(w, "TERM=xterm");
    jw_arr_close(w);
}

static void write_user(json_w *w, const struct ctr_spec *u)
{
    jw_key(w, "user");
    jw_obj_open(w);
    jw_kuint(w, "uid", u->uid);
    jw_kuint(w, "gid", u->gid);
    jw_key(w, "additionalGids");
    jw_arr_open(w);
    for (size_t i = 0; i < u->n_groups; i++)
        jw_uint(w, u->groups[i]);
    jw_arr_close(w);
    jw_obj_close(w);
}

/* -u: resolved in the container's own root (its /etc/passwd may differ from the image's). */
static int resolve_user(struct store *s, const struct exec_req *r, const struct ctr_spec *sp,
                        struct ctr_spec *u, rbox_err **err)
{
    u->user = xstrdup(r->user);
    _cleanup_free_ char *root = ctr_run_path(s, r->id, "rootfs");
    _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return rbox_error(err, errno, "opening the root of container %.12s", r->id);
    if (spec_resolve_user(u, rootfd, err) < 0)
        return -1;
    /* the user's home unless HOME was set at create or here */
    if (env_has(sp->env, "HOME") || env_has(r->env, "HOME")) {
        free(u->home);
        u->home = NULL;
    }
    return 0;
}

/* The process object for rbox-runtime exec --process, as text. */
static char *process_json(struct store *s, const struct exec_req *r, rbox_err **err)
{
    _cleanup_close_ int fd = ctr_open_dir(s, r->id, err);
    _cleanup_free_ char *text = NULL;
    yajl_val cfg = NULL;
    struct ctr_spec sp = { 0 }, u = { 0 };
    char *out = NULL;
    if (fd < 0 || spec_load(fd, &sp, err) < 0)
        return NULL;
    if (read_file_at(fd, "bundle/config.json", &text, NULL) < 0) {
        rbox_error(err, errno, "reading the bundle of container %.12s", r->id);
        goto out;
    }
    if (json_parse(text, "the container's config.json", &cfg, err) < 0 ||
        (r->user && resolve_user(s, r, &sp, &u, err) < 0))
        goto out;
    yajl_val proc = json_get(cfg, "process");
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    for (size_t i = 0; YAJL_IS_OBJECT(proc) && i < proc->u.object.len; i++) {
        const char *k = proc->u.object.keys[i];
        /* replaced below; user and cwd only when given */
        if (str_eq(k, "args") || str_eq(k, "env") || str_eq(k, "terminal") ||
            str_eq(k, "consoleSize") || (str_eq(k, "user") && r->user) ||
            (str_eq(k, "cwd") && r->workdir))
            continue;
        jw_key(&w, k);
        jw_value(&w, proc->u.object.values[i]);
    }
    jw_kbool(&w, "terminal", r->tty);
    jw_key(&w, "args");
    jw_arr_open(&w);
    for (size_t i = 0; r->args[i]; i++)
        jw_str(&w, r->args[i]);
    jw_arr_close(&w);
    write_env(&w, json_get(proc, "env"), r, u.home);
    if (r->workdir)
        jw_kstr(&w, "cwd", r->workdir);
    if (r->user)
        write_user(&w, &u);
    jw_obj_close(&w);
    size_t len;
    out = xstrdup(jw_text(&w, &len));
    jw_free(&w);
out:
    if (cfg)
        yajl_tree_free(cfg);
    spec_clear(&sp);
    spec_clear(&u);
    return out;
}

/* The last error line of the runtime's JSON log ("" when none). */
static int wait_forwarding(pid_t pid, int sfd)
{
    int status;
    for (;;) {
        struct pollfd p = { .fd = sfd, .events = POLLIN };
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return status;
        if (w < 0 && errno != EINTR)
            return -1;
        if (poll(&p, 1, 100) > 0) {
            struct signalfd_siginfo si;
            /* a signal from the terminal reached the runtime too: forward only the others */
            if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_code != SI_KERNEL)
                kill(pid, (int)si.ssi_signo);
        }
    }
}

/* rbox's exit code from the runtime's wait status (< 0: err) and its log. */
static int exec_code(int status, rbox_err *err, const char *logpath)
{
    char msg[1024];
    int errnum;
    if (rt_error_log(logpath, msg, sizeof(msg), &errnum) == 0) {
        rbox_err_free(err);
        log_error("%s", msg);
        /* docker 20.10: any exec that could not start is 126, a missing command too
         * (ContainerExecStart's deferred ExitCode = 126 comes after the 127 of
         * translateContainerdStartErr); `run` keeps 127 */
        return EXIT_CANNOT;
    }
    if (status < 0)
        return err ? cmd_fail(err) : EXIT_RBOX;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Foreground: with -t the runtime relays the container's own pty and gets our stdio (it is
 * trusted; the process sees only the pty); without -t, pipes (exec_relay.c). */
static int run_foreground(struct store *s, const struct exec_req *r, const char *file,
                          const char *logpath)
{
    static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    sigset_t mask, old;
    sigemptyset(&mask);
    for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
        sigaddset(&mask, fwd[i]);
    sigprocmask(SIG_BLOCK, &mask, &old);
    rbox_err *err = NULL;
    _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    const char *argv[] = { s->runtime_bin, "--root",       s->runtime_root, "--log",
                           logpath,        "--log-format", "json",          "exec",
                           "--process",    file,           r->id,           NULL };
    fflush(stdout);
    if (!r->tty)
        return exec_code(exec_relay((char **)argv, r->interactive, sfd, &old, &err), err, logpath);
    pid_t pid = fork();
    if (pid < 0) {
        log_error("fork: %s", strerror(errno));
        return EXIT_RBOX;
    }
    if (pid == 0) {
        if (!r->interactive) {
            int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
            dup2(null, STDIN_FILENO);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        signal(SIGPIPE, SIG_DFL);
        execv(s->runtime_bin, (char **)argv);
        dprintf(STDERR_FILENO, "rbox: cannot run %s: %s\n", s->runtime_bin, strerror(errno));
        _exit(EXIT_RBOX);
    }
    return exec_code(wait_forwarding(pid, sfd), NULL, logpath);
}

/* -d: the monitor runs it; its answer is "R<code> <message>". */
static int run_detached(struct store *s, const struct exec_req *r, const char *file)
{
    rbox_err *err = NULL;
    _cleanup_close_ int afd = attach_connect(s, r->id, 0, &err);
    if (afd < 0)
        return cmd_fail(err);
    char req[PATH_MAX + 32];
    int n = snprintf(req, sizeof(req), "P--process%c%s%c--", '\0', file, '\0');
    if (send(afd, req, (size_t)n + 1, MSG_NOSIGNAL) < 0) {
        rbox_error(&err, errno, "talking to the monitor of %.12s", r->id);
        return cmd_fail(err);
    }
    char msg[PROTO_MSG_MAX + 1];
    for (;;) {
        ssize_t len = recv(afd, msg, PROTO_MSG_MAX, 0);
        if (len < 0 && errno == EINTR)
            continue;
        if (len <= 0 || msg[0] == MSG_EXIT) {
            log_error("container %.12s exited before the process started", r->id);
            return EXIT_RBOX;
        }
        msg[len] = '\0';
        if (msg[0] != MSG_EXEC_ANSWER)
            continue;
        int code = atoi(msg + 1);
        const char *text = strchr(msg, ' ');
        if (code != 0)
            log_error("%s", text ? text + 1 : "exec failed");
        /* docker 20.10: a failed exec is 126, a missing command too (exec_code) */
        return code == 0 ? 0 : EXIT_CANNOT;
    }
}

/* The process file in the container's run dir, then the foreground or detached exec. */
static int exec_process(struct store *s, const struct exec_req *r)
{
    rbox_err *err = NULL;
    _cleanup_free_ char *json = process_json(s, r, &err);
    if (json == NULL) {
        /* docker: an unknown user is a failed exec (126) */
        int code =
            r->user && err && str_has_prefix(err->msg, "unable to find") ? EXIT_CANNOT : EXIT_RBOX;
        log_err_free(err);
        return code;
    }
    _cleanup_free_ char *name = xasprintf("exec-%d.json", (int)getpid());
    _cleanup_free_ char *logname = xasprintf("exec-%d.log", (int)getpid());
    _cleanup_free_ char *file = ctr_run_path(s, r->id, name);
    _cleanup_free_ char *logpath = ctr_run_path(s, r->id, logname);
    if (write_file_atomic_at(AT_FDCWD, file, json, strlen(json), 0600, false) < 0) {
        rbox_error(&err, errno, "writing %s", file);
        return cmd_fail(err);
    }
    int ret = r->detach ? run_detached(s, r, file) : run_foreground(s, r, file, logpath);
    unlink(file);
    unlink(logpath);
    return ret;
}

int cmd_exec(struct cmd_ctx *c, int argc, char **argv)
{
    struct exec_req r = { 0 };
    struct margs p;
    rbox_err *err = NULL;
    int ret = parse(&r, argc, argv, &p, &err);
    if (ret == MOPT_HELP)
        ret = cmd_help(exec_usage);
    else if (ret < 0 || check_running(c->s, &r, argv[p.i], &err) < 0)
        ret = cmd_fail(err);
    else
        ret = exec_process(c->s, &r);
    strv_free(r.env);
    return ret;
}
