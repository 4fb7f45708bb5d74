/* streams.c - the endpoints that stream: logs (rbox logs' reader into a pipe, in Docker's
 * 8-byte multiplexed frames unless the container has a terminal) and attach (the connection
 * hijacked with Upgrade: tcp, then relayed to and from the monitor's attach socket). An attach
 * made before the start (docker run) waits for the start, which connects it, so that no
 * output is lost. */
#define _GNU_SOURCE
#include "api.h"
#include "attach.h"
#include "cmdcore.h"
#include "ctr.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CT_RAW "application/vnd.docker.raw-stream"
#define CT_MUX "application/vnd.docker.multiplexed-stream"

/* Docker's frame: stream (1 stdout, 2 stderr), 3 zero bytes, the length (big endian). */
static int write_frame(int fd, int stream, const char *p, size_t n, bool framed)
{
    if (n == 0)
        return 0;
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

/* ---- logs ---- */

struct log_sink {
    int fd; /* the pipe's write end (shared by both streams) */
    int stream;
    bool framed, wanted;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    struct log_sink *k = cookie;
    if (!k->wanted)
        return (ssize_t)n;
    return write_frame(k->fd, k->stream, buf, n, k->framed) < 0 ? -1 : (ssize_t)n;
}

struct logs_job {
    struct store *s, own;
    char id[ID_LEN + 1];
    struct logs_req q;
    struct log_sink sink[2];
};

static void *logs_thread(void *v)
{
    struct logs_job *j = v;
    cookie_io_functions_t io = { .write = sink_write };
    FILE *out = fopencookie(&j->sink[0], "w", io), *err = fopencookie(&j->sink[1], "w", io);
    if (out && err) {
        rbox_err *e = NULL;
        if (logs_write(j->s, j->id, &j->q, out, err, &e) < 0)
            rbox_err_free(e);
    }
    if (out)
        fclose(out);
    if (err)
        fclose(err);
    close(j->sink[0].fd);
    free(j);
    return NULL;
}

static void pipe_free(void *cls)
{
    struct api_pipe *p = cls;
    close(p->fd);
    free(p);
    api_busy(-1);
}

int api_ctr_logs(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    bool out = api_qbool(r, "stdout"), err = api_qbool(r, "stderr");
    if (!out && !err)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "you must choose at least one stream");
    struct logs_req q = { .follow = api_qbool(r, "follow"),
                          .timestamps = api_qbool(r, "timestamps"),
                          .tail = -1 };
    const char *tail = api_query(r, "tail"), *since = api_query(r, "since");
    int64_t n;
    if (tail && *tail && strcmp(tail, "all") != 0) {
        if (parse_i64(tail, &n) < 0 || n < 0)
            return api_error(r, MHD_HTTP_BAD_REQUEST, "invalid tail \"%s\"", tail);
        q.tail = (long)n;
    }
    if (since && *since && strcmp(since, "0") != 0) {
        double secs = strtod(since, NULL);
        q.since = (int64_t)(secs * 1e9);
    }
    bool tty = false, in = false;
    api_lock();
    spec_stdio(r->s, id, &tty, &in);
    api_unlock();
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "pipe: %s", strerror(errno));
    struct logs_job *j = xzalloc(sizeof(*j));
    api_store_copy(&j->own, r->s);
    j->s = &j->own;
    memcpy(j->id, id, sizeof(j->id));
    j->q = q;
    j->sink[0] = (struct log_sink){ p[1], 1, !tty, out };
    j->sink[1] = (struct log_sink){ p[1], 2, !tty, err };
    pthread_t t;
    if (pthread_create(&t, NULL, logs_thread, j) != 0) {
        close(p[0]);
        close(p[1]);
        free(j);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot start a thread");
    }
    pthread_detach(t);
    api_busy(1);
    struct api_pipe *ap = xzalloc(sizeof(*ap));
    ap->fd = p[0];
    ap->client = api_conn_fd(r);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                                                  api_pipe_read, ap, pipe_free);
    MHD_add_response_header(resp, "Content-Type", tty ? CT_RAW : CT_MUX);
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- attach ---- */

struct attach {
    struct store *s, own;
    char id[ID_LEN + 1];
    unsigned flags;
    bool tty, in, stdin_once;
    int sock, afd;
    char *extra; /* bytes the client sent after its request: stdin */
    size_t extra_len;
    struct api_upgrade *up;
    /* waiting for the start (docker run attaches first) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool pending, started, gone;
    char keys[DETACH_KEYS_MAX]; /* the detach sequence (with a terminal, as docker) */
    size_t nkeys, matched;
    struct attach *next;
};

static pthread_mutex_t pending_mu = PTHREAD_MUTEX_INITIALIZER;
static struct attach *pending;

/* the last exit codes seen, newest over oldest */
static struct {
    char id[ID_LEN + 1];
    int code;
} exits[64];
static size_t exits_next;

void api_exit_record(const char *id, int code)
{
    pthread_mutex_lock(&pending_mu);
    memcpy(exits[exits_next].id, id, ID_LEN + 1);
    exits[exits_next].code = code;
    exits_next = (exits_next + 1) % (sizeof(exits) / sizeof(exits[0]));
    pthread_mutex_unlock(&pending_mu);
}

int api_exit_recorded(const char *id)
{
    int code = -1;
    pthread_mutex_lock(&pending_mu);
    for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
        if (strcmp(exits[i].id, id) == 0)
            code = exits[i].code;
    pthread_mutex_unlock(&pending_mu);
    return code;
}

static void pending_remove(struct attach *a)
{
    pthread_mutex_lock(&pending_mu);
    for (struct attach **pp = &pending; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    pthread_mutex_unlock(&pending_mu);
}

/* stdin from the client: the monitor's MSG_INPUT messages */
static bool relay_input(struct attach *a, const char *p, size_t n)
{
    char msg[PROTO_MSG_MAX];
    msg[0] = MSG_INPUT;
    while (n > 0) {
        size_t k = n < PROTO_DATA_MAX ? n : PROTO_DATA_MAX;
        memcpy(msg + 1, p, k);
        if (send(a->afd, msg, k + 1, MSG_NOSIGNAL) < 0)
            return false;
        p += k;
        n -= k;
    }
    return true;
}

/* Input with a terminal: the detach sequence is watched; a prefix of it is held back and
 * passed on when the next key does not continue it (rbox attach's rule). True: detach. */
static bool relay_keys(struct attach *a, const char *p, size_t n)
{
    char out[PROTO_DATA_MAX + DETACH_KEYS_MAX];
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->nkeys && p[i] == a->keys[a->matched]) {
            if (++a->matched == a->nkeys) {
                relay_input(a, out, w);
                return true;
            }
            continue;
        }
        memcpy(out + w, a->keys, a->matched); /* not the sequence after all */
        w += a->matched;
        a->matched = 0;
        out[w++] = p[i];
        if (w >= PROTO_DATA_MAX) {
            relay_input(a, out, w);
            w = 0;
        }
    }
    relay_input(a, out, w);
    return false;
}

/* Until the monitor says the container exited, or the client is gone. A client's half close
 * (docker's CLI closes its writing side at once when it sends no stdin) ends only its input. */
static void relay(struct attach *a)
{
    bool sock_open = true;
    if (a->in && a->extra_len)
        relay_input(a, a->extra, a->extra_len);
    static const char close_msg[] = { MSG_CLOSE };
    static const char detach_msg[] = { MSG_DETACH };
    char buf[PROTO_MSG_MAX + 1];
    for (;;) {
        struct pollfd pf[2] = { { a->afd, POLLIN, 0 }, { a->sock, POLLIN, 0 } };
        if (poll(pf, sock_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].revents) {
            ssize_t n = recv(a->afd, buf, PROTO_MSG_MAX, 0);
            if (n > 0 && buf[0] == MSG_EXIT) {
                buf[n] = '\0';
                api_exit_record(a->id, atoi(buf + 1));
            }
            if (n <= 0 || buf[0] == MSG_EXIT)
                break;
            int stream = buf[0] == MSG_STDOUT ? 1 : buf[0] == MSG_STDERR ? 2 : 0;
            if (stream && write_frame(a->sock, stream, buf + 1, (size_t)n - 1, !a->tty) < 0) {
                send(a->afd, detach_msg, 1, MSG_NOSIGNAL); /* the client went */
                break;
            }
        }
        if (sock_open && pf[1].revents) {
            ssize_t n = read(a->sock, buf, PROTO_DATA_MAX);
            if (n > 0 && a->in && a->tty) {
                if (relay_keys(a, buf, (size_t)n)) {
                    send(a->afd, detach_msg, 1, MSG_NOSIGNAL); /* the container stays */
                    break;
                }
            } else if (n > 0 && a->in) {
                relay_input(a, buf, (size_t)n);
            } else if (n == 0) {
                sock_open = false;
                if (a->in && a->stdin_once)
                    send(a->afd, close_msg, 1, MSG_NOSIGNAL);
            } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
                send(a->afd, detach_msg, 1, MSG_NOSIGNAL);
                break;
            }
        }
    }
}

/* Created: wait for the start to connect us (or the container to go). */
static void wait_start(struct attach *a)
{
    pthread_mutex_lock(&a->mu);
    while (!a->started) {
        /* the start signals cv; every 100 ms without it, check the container is still there */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 100 * 1000 * 1000;
        if (t.tv_nsec >= 1000000000) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000;
        }
        if (pthread_cond_timedwait(&a->cv, &a->mu, &t) == 0 || a->started)
            continue;
        pthread_mutex_unlock(&a->mu);
        struct ctr_state st;
        api_lock();
        bool gone = ctr_read(a->s, a->id, &st, NULL) < 0;
        api_unlock();
        pthread_mutex_lock(&a->mu);
        if (gone && !a->started) {
            a->gone = true;
            break;
        }
    }
    pthread_mutex_unlock(&a->mu);
    pending_remove(a);
}

static void *attach_thread(void *v)
{
    struct attach *a = v;
    if (a->pending)
        wait_start(a);
    if (a->afd >= 0)
        relay(a);
    if (a->afd >= 0)
        close(a->afd);
    shutdown(a->sock, SHUT_RDWR);
    api_upgrade_done(a->up);
    api_busy(-1);
    free(a->extra);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
    return NULL;
}

static void attach_upgraded(void *ud, int sock, const char *extra, size_t extra_len,
                            struct api_upgrade *up)
{
    struct attach *a = ud;
    a->sock = sock;
    a->up = up;
    if (extra_len) {
        a->extra = xmalloc(extra_len);
        memcpy(a->extra, extra, extra_len);
        a->extra_len = extra_len;
    }
    if (!a->pending) {
        api_lock();
        a->afd = attach_connect(a->s, a->id, a->flags, NULL);
        api_unlock();
    }
    pthread_t t;
    api_busy(1);
    if (pthread_create(&t, NULL, attach_thread, a) != 0)
        abort();
    pthread_detach(t);
}

int api_ctr_attach(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    struct attach *a = xzalloc(sizeof(*a));
    api_store_copy(&a->own, r->s);
    a->s = &a->own;
    memcpy(a->id, id, sizeof(a->id));
    a->afd = -1;
    bool tty = false, open_stdin = false;
    api_lock();
    spec_stdio(r->s, id, &tty, &open_stdin);
    struct ctr_state st;
    struct ctr_spec sp;
    _cleanup_close_ int fd = ctr_open_dir(r->s, id, NULL);
    if (fd >= 0 && spec_load(fd, &sp, NULL) == 0) {
        a->stdin_once = sp.stdin_once;
        spec_clear(&sp);
    }
    api_unlock();
    a->tty = tty;
    a->in = open_stdin && api_qbool(r, "stdin");
    const char *keys = api_query(r, "detachKeys");
    rbox_err *err = NULL;
    if (detach_keys_parse(keys && *keys ? keys : DETACH_KEYS_DEFAULT, a->keys, &a->nkeys, &err) <
        0) {
        free(a);
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    }
    a->flags = (api_qbool(r, "stdout") ? ATTACH_STDOUT : 0) |
               (api_qbool(r, "stderr") ? ATTACH_STDERR : 0) | (a->in ? ATTACH_STDIN : 0);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    /* not running: the start connects it. Listed now, before the 101 goes out: the client
     * may send its start before libmicrohttpd hands the connection over */
    api_lock();
    int rc = ctr_read(a->s, a->id, &st, NULL);
    api_unlock();
    if (rc == 0 && st.status != CS_RUNNING && st.status != CS_PAUSED) {
        a->pending = true;
        pthread_mutex_lock(&pending_mu);
        a->next = pending;
        pending = a;
        pthread_mutex_unlock(&pending_mu);
    }
    return api_upgrade(r, tty ? CT_RAW : CT_MUX, attach_upgraded, a);
}

int api_start_attached(struct store *s, const char *id, int *code, rbox_err **err)
{
    pthread_mutex_lock(&pending_mu);
    struct attach *a = pending;
    while (a && strcmp(a->id, id) != 0)
        a = a->next;
    if (a) { /* taken off the list: one start connects it */
        for (struct attach **pp = &pending; *pp; pp = &(*pp)->next)
            if (*pp == a) {
                *pp = a->next;
                break;
            }
        pthread_mutex_lock(&a->mu);
        if (a->gone) {
            pthread_mutex_unlock(&a->mu);
            a = NULL;
        }
    }
    pthread_mutex_unlock(&pending_mu);
    api_lock();
    int afd = -1;
    int rc = ctr_start(s, id, a ? a->flags : 0, a ? &afd : NULL, code, err);
    api_unlock();
    if (a) {
        a->afd = afd;
        a->started = true;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return rc;
}

int api_ctr_resize(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret, h = 0, w = 0;
    if (!api_resolve(r, id, &ret))
        return ret;
    const char *hs = api_query(r, "h"), *ws = api_query(r, "w");
    if (!hs || !ws || parse_int(hs, &h) < 0 || parse_int(ws, &w) < 0 || h < 0 || w < 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "expected h and w (rows and columns)");
    api_lock();
    int fd = attach_connect(r->s, id, 0, NULL);
    api_unlock();
    if (fd < 0)
        return api_error(r, MHD_HTTP_CONFLICT, "container %.12s is not running", id);
    char msg[32];
    int len = snprintf(msg, sizeof(msg), "%c%d %d", MSG_RESIZE, h, w);
    send(fd, msg, (size_t)len, MSG_NOSIGNAL);
    close(fd);
    return api_reply(r, MHD_HTTP_OK, NULL, NULL, 0);
}
