/* attach.c - rbox attach, and the client side of every attached stream (foreground run,
 * start -a): output to our stdout/stderr, our stdin to the container ('I', 'C'), our terminal
 * size ('W') and signals ('K') to the monitor, the detach key sequence ('D').
 *
 * The socket is non-blocking with one queued input message and one queued control message:
 * while the monitor cannot take our input we keep reading its output, so a container that
 * writes while we write can never deadlock with us. */
#define _GNU_SOURCE
#include "attach.h"
#include "ctr.h"
#include "log.h"
#include "mcli.h"
#include "proto.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static const char attach_usage[] =
    "Usage: rbox attach [OPTIONS] CONTAINER\n"
    "\n"
    "Attach this terminal's input and output to a running container. Several clients may be\n"
    "attached at once (output goes to all, input comes from any). With a terminal (-t), the\n"
    "container's terminal follows this one's size, and the detach sequence (default ctrl-p,\n"
    "ctrl-q) leaves the container running: attach prints \"read escape sequence\" and exits\n"
    "with 1, as docker does. When the container exits, attach exits with its exit code.\n"
    "\n"
    "Options:\n"
    "      --detach-keys KEYS   the detach sequence: comma-separated keys, each a character,\n"
    "                           ctrl-<a-z, @, [, \\, ], ^, _> or DEL (e.g. ctrl-x,y)\n"
    "      --no-stdin           do not send this terminal's input to the container\n";

int detach_keys_parse(const char *spec, char *out, size_t *n, rbox_err **err)
{
    static const char ctrl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
    *n = 0;
    const char *p = spec;
    for (;;) {
        size_t len = strcspn(p, ",");
        int code = -1;
        if (len == 1)
            code = (unsigned char)p[0];
        else if (len == 3 && strncmp(p, "DEL", 3) == 0)
            code = 127;
        else if (len == 6 && strncmp(p, "ctrl-", 5) == 0 && strchr(ctrl, p[5]) && p[5])
            code = (int)(strchr(ctrl, p[5]) - ctrl);
        if (code < 0)
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --detach-keys: unknown key \"%.*s\" (use "
                              "comma-separated characters, ctrl-<a-z@[\\]^_> or DEL, e.g. "
                              "ctrl-p,ctrl-q)",
                              spec, (int)len, p);
        if (*n == DETACH_KEYS_MAX)
            return rbox_error(err, 0, "invalid value \"%s\" for --detach-keys: at most %d keys",
                              spec, DETACH_KEYS_MAX);
        out[(*n)++] = (char)code;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

int attach_opts_for(struct store *s, const char *id, bool want_stdin, const char *keys,
                    struct attach_opts *o, rbox_err **err)
{
    memset(o, 0, sizeof(*o));
    if (detach_keys_parse(keys && *keys ? keys : DETACH_KEYS_DEFAULT, o->keys, &o->nkeys, err) < 0)
        return -1;
    struct ctr_spec sp;
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    if (fd < 0 || spec_load(fd, &sp, err) < 0)
        return -1;
    o->tty = sp.tty;
    o->in = want_stdin && sp.open_stdin;
    o->stdin_once = sp.stdin_once && !sp.tty;
    spec_clear(&sp);
    /* docker checks this whenever stdin is wanted, even if the container takes none */
    if (want_stdin && o->tty && !isatty(STDIN_FILENO))
        return rbox_error(err, 0, "the input device is not a TTY");
    return 0;
}

unsigned attach_flags(const struct attach_opts *o)
{
    return ATTACH_STDOUT | ATTACH_STDERR | (o->in ? ATTACH_STDIN : 0) |
           (o->tty ? ATTACH_RESIZE : 0);
}

int attach_signals(void)
{
    static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
    sigset_t mask;
    sigemptyset(&mask);
    for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
        sigaddset(&mask, fwd[i]);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &mask, SFD_CLOEXEC);
}

/* "W rows cols" of our terminal (stdin's, else stdout's); false when there is none. */
static bool size_msg(int extra, char *msg, size_t len)
{
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
        return false;
    snprintf(msg, len, "%c%u %u", MSG_RESIZE, ws.ws_row + extra, ws.ws_col + extra);
    return true;
}

void attach_send_size(int afd, int extra)
{
    char msg[32];
    if (size_msg(extra, msg, sizeof(msg)))
        (void)send(afd, msg, strlen(msg), MSG_NOSIGNAL);
}

struct streamer {
    int afd, sfd;
    const struct attach_opts *o;
    bool in_open;   /* still reading our stdin */
    size_t matched; /* bytes of the detach sequence seen (held back) */
    size_t plen, clen;
    char pend[PROTO_MSG_MAX]; /* queued input message */
    char ctl[32];             /* queued control message ('K', 'W', 'C') */
    bool raw, out_ok, err_ok;
    struct termios saved;
};

static void raw_on(struct streamer *st)
{
    if (!st->o->tty || !st->o->in || !isatty(STDIN_FILENO) ||
        tcgetattr(STDIN_FILENO, &st->saved) < 0)
        return;
    struct termios raw = st->saved;
    cfmakeraw(&raw);
    st->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void raw_off(struct streamer *st)
{
    if (st->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &st->saved);
    st->raw = false;
}

/* Send what is queued; false when the monitor is gone. */
static bool flush(struct streamer *st)
{
    char *bufs[2] = { st->ctl, st->pend };
    size_t *lens[2] = { &st->clen, &st->plen };
    for (int k = 0; k < 2; k++) {
        if (*lens[k] == 0)
            continue;
        ssize_t n = send(st->afd, bufs[k], *lens[k], MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return true;
        if (n < 0)
            return false;
        *lens[k] = 0;
    }
    return true;
}

static void control(struct streamer *st, const char *msg)
{
    size_t len = strlen(msg);
    if (st->clen && st->ctl[0] == MSG_KILL && msg[0] != MSG_KILL)
        return; /* never let a resize replace a pending signal */
    memcpy(st->ctl, msg, len);
    st->clen = len;
    flush(st);
}

/* Our stdin: the detach sequence is watched (with a terminal only, as docker does); a prefix
 * of it is held back and passed on when the next key does not continue it. Returns true when
 * the user detached. */
static bool read_input(struct streamer *st)
{
    char buf[PROTO_DATA_MAX - DETACH_KEYS_MAX];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return false;
    if (n <= 0) {
        st->in_open = false;
        if (st->o->stdin_once)
            control(st, (char[]){ MSG_CLOSE, 0 });
        return false;
    }
    size_t w = 1;
    st->pend[0] = MSG_INPUT;
    const char *keys = st->o->keys;
    for (ssize_t i = 0; i < n; i++) {
        char c = buf[i];
        if (st->o->tty && st->o->nkeys && c == keys[st->matched]) {
            if (++st->matched == st->o->nkeys) {
                st->plen = w > 1 ? w : 0; /* what came before the sequence still goes */
                return true;
            }
            continue;
        }
        if (st->matched) { /* not the sequence after all: pass the held keys on */
            memcpy(st->pend + w, keys, st->matched);
            w += st->matched;
            st->matched = 0;
            if (st->o->tty && c == keys[0]) {
                st->matched = 1;
                continue;
            }
        }
        st->pend[w++] = c;
    }
    st->plen = w > 1 ? w : 0;
    flush(st);
    return false;
}

/* Messages from the monitor; returns the exit code on 'X', -2 to go on, -3 when it went. */
static int read_monitor(struct streamer *st)
{
    static char msg[PROTO_MSG_MAX + 1];
    for (;;) {
        ssize_t n = recv(st->afd, msg, PROTO_MSG_MAX, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return -2;
        if (n <= 0)
            return -3;
        msg[n] = '\0';
        if (msg[0] == MSG_STDOUT && st->out_ok)
            st->out_ok = write_all(STDOUT_FILENO, msg + 1, (size_t)n - 1) >= 0;
        else if (msg[0] == MSG_STDERR && st->err_ok)
            st->err_ok = write_all(STDERR_FILENO, msg + 1, (size_t)n - 1) >= 0;
        else if (msg[0] == MSG_VERDICT)
            sbx_report_keep(msg + 1, (size_t)n - 1); /* the verdict, for --report - */
        else if (msg[0] == MSG_EXIT)
            return atoi(msg + 1);
    }
}

/* Our signals: SIGWINCH resizes, the others are forwarded; true for SIGHUP with a terminal:
 * ours is gone, so the client leaves and the container runs on (a closed docker window). */
static bool on_signal(struct streamer *st)
{
    struct signalfd_siginfo si;
    if (read(st->sfd, &si, sizeof(si)) != sizeof(si))
        return false;
    char msg[32];
    if (si.ssi_signo == SIGWINCH) {
        if (st->o->tty && size_msg(0, msg, sizeof(msg)))
            control(st, msg);
        return false;
    }
    if (si.ssi_signo == SIGHUP && st->o->tty)
        return true;
    snprintf(msg, sizeof(msg), "%c%u", MSG_KILL, si.ssi_signo);
    control(st, msg);
    return false;
}

/* Deliver what is queued (briefly waiting for the monitor), then say goodbye. */
static void detach(struct streamer *st)
{
    for (int k = 0; k < 100 && (st->plen || st->clen); k++) {
        struct pollfd p = { .fd = st->afd, .events = POLLOUT };
        if (poll(&p, 1, 10) < 0 || !flush(st))
            break;
    }
    control(st, (char[]){ MSG_DETACH, 0 });
}

static int relay(struct streamer *st)
{
    for (;;) {
        bool busy = st->plen || st->clen;
        struct pollfd p[3] = {
            { .fd = st->afd, .events = POLLIN | (busy ? POLLOUT : 0) },
            { .fd = st->sfd, .events = POLLIN },
            { .fd = st->in_open && !busy ? STDIN_FILENO : -1, .events = POLLIN },
        };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -3;
        }
        if ((p[0].revents & POLLOUT) && !flush(st)) {
            /* the monitor is gone (the container exited while our input was on the way):
             * what it sent before, its exit message too, is still to be read */
            int r = read_monitor(st);
            return r == -2 ? -3 : r;
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            int r = read_monitor(st);
            if (r != -2)
                return r;
        }
        if (p[1].revents && on_signal(st)) {
            detach(st);
            return 128 + SIGHUP;
        }
        if (p[2].revents && read_input(st)) {
            detach(st);
            return ATTACH_DETACHED;
        }
    }
}

int attach_stream(struct store *s, const char *id, int afd, int sfd, const struct attach_opts *o)
{
    struct streamer st = {
        .afd = afd, .sfd = sfd, .o = o, .in_open = o->in, .out_ok = true, .err_ok = true
    };
    fcntl(afd, F_SETFL, fcntl(afd, F_GETFL) | O_NONBLOCK);
    raw_on(&st);
    int r = relay(&st);
    raw_off(&st);
    if (r != -3)
        return r;
    /* the monitor went away without a word: trust the state (reconciled) */
    struct ctr_state cs;
    rbox_err *err = NULL;
    if (ctr_read(s, id, &cs, &err) == 0 && cs.status == CS_EXITED)
        return cs.exit_code;
    if (err)
        return cmd_fail(err);
    log_error("lost the connection to the monitor of container %.12s", id);
    return EXIT_RBOX;
}

/* Can we attach? docker's messages for a container that is not running. */
static int check_running(struct store *s, const char *id, rbox_err **err)
{
    struct ctr_state st;
    if (ctr_read(s, id, &st, err) < 0)
        return -1;
    if (st.status == CS_PAUSED)
        return rbox_error(err, 0, "cannot attach to a paused container, unpause it first");
    if (st.status != CS_RUNNING)
        return rbox_error(err, 0, "cannot attach to a stopped container, start it first");
    return 0;
}

static int attach_one(struct store *s, const char *ref, bool no_stdin, const char *keys)
{
    char id[ID_LEN + 1];
    struct attach_opts o;
    rbox_err *err = NULL;
    if (ctr_resolve(s, ref, id, &err) < 0 || check_running(s, id, &err) < 0 ||
        attach_opts_for(s, id, !no_stdin, keys, &o, &err) < 0)
        return cmd_fail(err);
    int sfd = attach_signals();
    /* no ATTACH_RESIZE in the hello: the size goes below, changed once to make the
     * program in the container redraw (docker does the same) */
    int afd = attach_connect(s, id, attach_flags(&o) & ~ATTACH_RESIZE, &err);
    if (afd < 0) {
        rbox_err *again = NULL;
        if (check_running(s, id, &again) < 0) {
            rbox_err_free(err);
            err = again;
        }
        close(sfd);
        return cmd_fail(err);
    }
    if (o.tty) {
        attach_send_size(afd, 1);
        attach_send_size(afd, 0);
    }
    int r = attach_stream(s, id, afd, sfd, &o);
    close(afd);
    close(sfd);
    if (r == ATTACH_DETACHED) {
        fputs("read escape sequence\n", stderr);
        return 1;
    }
    return r;
}

int cmd_attach(struct cmd_ctx *c, int argc, char **argv)
{
    enum { F_KEYS = 1, F_NO_STDIN };
    static const struct mopt opts[] = { { "detach-keys", 0, true, F_KEYS },
                                        { "no-stdin", 0, false, F_NO_STDIN },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox attach", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *arg, *keys = NULL;
    bool no_stdin = false;
    int id, ret;
    char tmp[DETACH_KEYS_MAX];
    size_t n;
    while ((id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            margs_free(&p);
            return id == MOPT_HELP ? cmd_help(attach_usage) : cmd_fail(err);
        }
        if (id == F_NO_STDIN)
            no_stdin = true;
        else
            keys = arg;
    }
    if (margs_require(&p, 1, 1, "exactly one CONTAINER", &err) < 0 ||
        (keys && *keys && detach_keys_parse(keys, tmp, &n, &err) < 0))
        ret = cmd_fail(err);
    else
        ret = attach_one(c->s, margs_at(&p, 0), no_stdin, keys);
    margs_free(&p);
    return ret;
}
