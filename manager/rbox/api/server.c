/* server.c - the service's socket (a path, or systemd's LISTEN_FDS), libmicrohttpd (a thread
 * per connection: an endpoint may block, as wait and logs --follow do), Docker's versioned
 * paths, headers and error bodies, the routing table and the idle timeout. */
#define _GNU_SOURCE
#include "api.h"
#include "conf.h"
#include "log.h"
#include "passwd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif

#define BODY_MAX (16u << 20)

static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int active;        /* open connections and relays */
static atomic_llong last_active; /* monotonic seconds when one ended */

void api_store_copy(struct store *dst, const struct store *src)
{
    *dst = *src;
    dst->lock_fd = -1;
}

void api_lock(void)
{
    pthread_mutex_lock(&core_lock);
}

void api_unlock(void)
{
    pthread_mutex_unlock(&core_lock);
}

static long long now_s(void)
{
    return (long long)(now_ns_monotonic() / 1000000000ull);
}

void api_busy(int delta)
{
    atomic_fetch_add(&active, delta);
    atomic_store(&last_active, now_s());
}

/* ---- answers ---- */

static void add_headers(struct MHD_Response *resp, const char *ctype)
{
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    MHD_add_response_header(resp, "Docker-Experimental", "false");
    MHD_add_response_header(resp, "Ostype", "linux");
    MHD_add_response_header(resp, "Server", "rbox/" RBOX_VERSION " (linux)");
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
}

int api_reply(struct api_req *r, unsigned status, const char *ctype, const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    add_headers(resp, ctype);
    int ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

int api_json(struct api_req *r, unsigned status, json_w *w)
{
    size_t len;
    const char *text = jw_text(w, &len);
    _cleanup_free_ char *body = xasprintf("%.*s\n", (int)len, text);
    jw_free(w);
    return api_reply(r, status, "application/json", body, strlen(body));
}

char *api_stream_line(const char *key, const char *text)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, key, text);
    jw_obj_close(&w);
    size_t len;
    const char *t = jw_text(&w, &len);
    char *line = xasprintf("%.*s\n", (int)len, t);
    jw_free(&w);
    return line;
}

/* a text sent chunked, as dockerd's streams are (the Docker SDK reads a progress stream line by
 * line only when it is chunked; with a length it takes it for one JSON document) */
struct chunked {
    char *text;
    size_t len;
};

static ssize_t chunked_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct chunked *c = cls;
    if (pos >= c->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = c->len - (size_t)pos < max ? c->len - (size_t)pos : max;
    memcpy(buf, c->text + pos, n);
    return (ssize_t)n;
}

static void chunked_free(void *cls)
{
    struct chunked *c = cls;
    free(c->text);
    free(c);
}

int api_stream_reply(struct api_req *r, const char *text)
{
    struct chunked *c = xzalloc(sizeof(*c));
    c->text = xstrdup(text);
    c->len = strlen(text);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, chunked_read, c, chunked_free);
    add_headers(resp, "application/json");
    int ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

int api_file_answer(struct api_req *r, int fd, uint64_t size, const char *ctype)
{
    struct MHD_Response *resp = MHD_create_response_from_fd(size, fd);
    add_headers(resp, ctype);
    int ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

int api_no_content(struct api_req *r)
{
    return api_reply(r, MHD_HTTP_NO_CONTENT, NULL, NULL, 0);
}

static int error_text(struct api_req *r, unsigned status, const char *msg)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "message", msg);
    jw_obj_close(&w);
    return api_json(r, status, &w);
}

int api_error(struct api_req *r, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    return error_text(r, status, msg);
}

int api_fail(struct api_req *r, rbox_err *err, unsigned dflt)
{
    const char *msg = err && err->msg ? err->msg : "internal error";
    unsigned status = dflt;
    if (strstr(msg, "no such ") || str_has_suffix(msg, " not found"))
        status = MHD_HTTP_NOT_FOUND;
    else if (strstr(msg, "already in use") || strstr(msg, "is running") ||
             strstr(msg, "not running") || strstr(msg, "keeps running") ||
             strstr(msg, "is in use") || strstr(msg, "already exists") ||
             strstr(msg, "must be forced") || strstr(msg, "already paused") ||
             strstr(msg, "not paused"))
        status = MHD_HTTP_CONFLICT;
    _cleanup_free_ char *text = xstrdup(msg);
    if (str_has_prefix(text, "no such "))
        text[0] = 'N'; /* docker's "No such container: x" */
    int ret = error_text(r, status, text);
    rbox_err_free(err);
    return ret;
}

const char *api_query(struct api_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

bool api_qbool_def(struct api_req *r, const char *key, bool def)
{
    const char *v = api_query(r, key);
    if (v == NULL)
        return def;
    return strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0;
}

bool api_qbool(struct api_req *r, const char *key)
{
    return api_qbool_def(r, key, false);
}

bool api_resolve(struct api_req *r, char id[ID_LEN + 1], int *ret)
{
    rbox_err *err = NULL;
    api_lock();
    int rc = ctr_resolve(r->s, r->seg[1], id, &err);
    api_unlock();
    if (rc == 0)
        return true;
    *ret = api_fail(r, err, MHD_HTTP_NOT_FOUND);
    return false;
}

int api_conn_fd(struct api_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

bool api_client_gone(int fd)
{
    struct pollfd p = { fd, POLLIN | POLLRDHUP, 0 };
    if (fd < 0 || poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
        return true;
    char c;
    return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

ssize_t api_pipe_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct api_pipe *p = cls;
    for (;;) {
        struct pollfd pf[2] = { { p->fd, POLLIN, 0 }, { p->client, POLLRDHUP, 0 } };
        if (poll(pf, p->client >= 0 ? 2 : 1, 1000) < 0 && errno != EINTR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (pf[0].revents) {
            ssize_t n = read(p->fd, buf, max);
            if (n > 0)
                return n;
            if (n == 0)
                return MHD_CONTENT_READER_END_OF_STREAM;
            if (errno != EINTR && errno != EAGAIN)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (api_client_gone(p->client))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

/* ---- hijacked connections (attach, exec start) ---- */

struct api_upgrade {
    struct MHD_UpgradeResponseHandle *urh;
    api_upgrade_fn fn;
    void *ud;
};

static void upgraded(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra,
                     size_t extra_len, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn, (void)con_cls;
    struct api_upgrade *up = cls;
    up->urh = urh;
    int fl = fcntl(sock, F_GETFL);
    if (fl >= 0)
        fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
    up->fn(up->ud, sock, extra, extra_len, up);
}

void api_upgrade_done(struct api_upgrade *up)
{
    MHD_upgrade_action(up->urh, MHD_UPGRADE_ACTION_CLOSE);
    free(up);
}

int api_upgrade(struct api_req *r, const char *ctype, api_upgrade_fn fn, void *ud)
{
    const char *want = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Upgrade");
    if (want == NULL)
        return api_error(r, MHD_HTTP_BAD_REQUEST,
                         "this endpoint needs a connection upgrade (Upgrade: tcp)");
    struct api_upgrade *up = xzalloc(sizeof(*up));
    up->fn = fn;
    up->ud = ud;
    struct MHD_Response *resp = MHD_create_response_for_upgrade(upgraded, up);
    add_headers(resp, ctype);
    MHD_add_response_header(resp, "Upgrade", "tcp"); /* libmicrohttpd adds Connection */
    int ret = MHD_queue_response(r->conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- routing ---- */

static const struct route {
    const char *method;
    const char *path; /* segments; "*" matches one */
    api_fn fn;
} routes[] = {
    { "GET", "_ping", api_ping },
    { "HEAD", "_ping", api_ping },
    { "GET", "version", api_version },
    { "GET", "info", api_info },
    { "GET", "events", api_events },
    { "GET", "system/df", api_df },
    { "POST", "build", api_build },
    { "GET", "containers/json", api_ctr_list },
    { "POST", "containers/create", api_ctr_create },
    { "POST", "containers/prune", api_ctr_prune },
    { "GET", "containers/*/json", api_ctr_inspect },
    { "POST", "containers/*/start", api_ctr_start },
    { "POST", "containers/*/stop", api_ctr_stop },
    { "POST", "containers/*/restart", api_ctr_restart },
    { "POST", "containers/*/kill", api_ctr_kill },
    { "POST", "containers/*/wait", api_ctr_wait },
    { "POST", "containers/*/rename", api_ctr_rename },
    { "POST", "containers/*/attach", api_ctr_attach },
    { "POST", "containers/*/resize", api_ctr_resize },
    { "POST", "containers/*/pause", api_ctr_pause },
    { "POST", "containers/*/unpause", api_ctr_unpause },
    { "GET", "containers/*/changes", api_ctr_changes },
    { "GET", "containers/*/export", api_ctr_export },
    { "POST", "containers/*/update", api_ctr_update },
    { "HEAD", "containers/*/archive", api_ctr_archive_head },
    { "GET", "containers/*/archive", api_ctr_archive_get },
    { "PUT", "containers/*/archive", api_ctr_archive_put },
    { "POST", "commit", api_commit },
    { "GET", "containers/*/logs", api_ctr_logs },
    { "GET", "containers/*/top", api_ctr_top },
    { "GET", "containers/*/stats", api_ctr_stats },
    { "POST", "containers/*/exec", api_exec_create },
    { "POST", "exec/*/start", api_exec_start },
    { "POST", "exec/*/resize", api_exec_resize },
    { "GET", "exec/*/json", api_exec_inspect },
    { "DELETE", "containers/*", api_ctr_delete },
    { "GET", "images/json", api_images_list },
    { "POST", "images/create", api_image_create },
    { "GET", "images/get", api_images_get },
    { "POST", "images/load", api_images_load },
    { "POST", "images/prune", api_images_prune },
    { "GET", "volumes", api_volumes_list },
    { "POST", "volumes/create", api_volume_create },
    { "POST", "volumes/prune", api_volumes_prune },
    { "GET", "volumes/*", api_volume_inspect },
    { "DELETE", "volumes/*", api_volume_remove },
    { "GET", "networks", api_networks_list },
    { "GET", "networks/*", api_network_inspect },
    { "POST", "networks/create", api_network_create },
    { "POST", "networks/prune", api_networks_prune },
    { "DELETE", "networks/*", api_network_remove },
    { "POST", "networks/*/connect", api_network_connect },
    { "POST", "networks/*/disconnect", api_network_disconnect },
    { NULL, NULL, NULL },
};

static bool route_match(const struct route *rt, char **seg, size_t nseg)
{
    const char *p = rt->path;
    for (size_t i = 0; i < nseg; i++) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0)
            return false;
        if (!(len == 1 && *p == '*') && (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0))
            return false;
        p += len;
        if (*p == '/')
            p++;
        else if (i + 1 < nseg)
            return false;
    }
    return *p == '\0';
}

/* "/v1.41/containers/json" -> {"containers", "json"}; *version "1.41" (NULL: none). */
static char **split_path(const char *url, size_t *n, char **version)
{
    char **v = NULL;
    *n = 0;
    *version = NULL;
    _cleanup_free_ char *copy = xstrdup(url);
    char *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (*n == 0 && *version == NULL && t[0] == 'v' && t[1] >= '0' && t[1] <= '9') {
            *version = xstrdup(t + 1);
            continue;
        }
        strv_push(&v, n, xstrdup(t));
    }
    if (v == NULL)
        v = xcalloc(1, sizeof(char *));
    return v;
}

/* 1.41 vs 1.9: major, then minor, as numbers */
static int version_cmp(const char *a, const char *b)
{
    unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;
    sscanf(a, "%u.%u", &amaj, &amin);
    sscanf(b, "%u.%u", &bmaj, &bmin);
    return amaj != bmaj ? (amaj < bmaj ? -1 : 1) : amin != bmin ? (amin < bmin ? -1 : 1) : 0;
}

static int dispatch(struct store *s, struct MHD_Connection *conn, const char *url,
                    const char *method, const char *body, size_t body_len, int body_fd)
{
    size_t nseg;
    char *version;
    char **seg = split_path(url, &nseg, &version);
    struct store local;
    api_store_copy(&local, s);
    struct api_req r = { .conn = conn,
                         .s = &local,
                         .method = method,
                         .seg = seg,
                         .nseg = nseg,
                         .body = body ? body : "",
                         .body_len = body_len,
                         .body_fd = body_fd };
    int ret;
    api_fn image_fn;
    if (version && version_cmp(version, API_VERSION) > 0) {
        ret = api_error(&r, MHD_HTTP_BAD_REQUEST,
                        "client version %s is too new. Maximum supported API version is "
                        "%s",
                        version, API_VERSION);
    } else if (version && version_cmp(version, API_MIN_VERSION) < 0) {
        ret = api_error(&r, MHD_HTTP_BAD_REQUEST,
                        "client version %s is too old. Minimum supported API version is %s, "
                        "please upgrade your client to a newer version",
                        version, API_MIN_VERSION);
    } else if ((image_fn = api_image_route(method, seg, nseg)) != NULL) {
        /* an image name may hold slashes: images/library/busybox/json */
        ret = image_fn(&r);
    } else {
        const struct route *rt = routes;
        while (rt->method && !(strcmp(rt->method, method) == 0 && route_match(rt, seg, nseg)))
            rt++;
        ret = rt->fn ? rt->fn(&r) : api_error(&r, MHD_HTTP_NOT_FOUND, "page not found");
    }
    strv_free(seg);
    free(version);
    return ret;
}

/* ---- libmicrohttpd ---- */

struct body {
    char *buf;
    size_t len;
    bool too_big;
    int fd; /* an upload (images/load, build): the body in an unnamed file of the store; else -1 */
};

/* Endpoints whose body is an archive: kept in a file, not in memory, and not bounded by
 * BODY_MAX. */
static bool is_upload(const char *url, const char *method)
{
    return strcmp(method, "POST") == 0 &&
           (str_has_suffix(url, "/images/load") || str_has_suffix(url, "/build") ||
            strstr(url, "/archive") != NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    struct body *b = *con_cls;
    struct store *st = cls;
    if (b == NULL) {
        b = xzalloc(sizeof(struct body));
        b->fd = -1;
        if (is_upload(url, method) || strcmp(method, "PUT") == 0)
            b->fd = open(st->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        *con_cls = b;
        return MHD_YES;
    }
    if (*data_size && b->fd >= 0) {
        if (write_all(b->fd, data, *data_size) < 0)
            b->too_big = true; /* the store's disk is full: answered below */
        *data_size = 0;
        return MHD_YES;
    }
    if (*data_size) {
        if (b->len + *data_size > BODY_MAX)
            b->too_big = true;
        if (!b->too_big) {
            b->buf = xrealloc(b->buf, b->len + *data_size + 1);
            memcpy(b->buf + b->len, data, *data_size);
            b->len += *data_size;
            b->buf[b->len] = '\0';
        }
        *data_size = 0;
        return MHD_YES;
    }
    atomic_store(&last_active, now_s());
    if (getenv("RBOX_API_TRACE"))
        fprintf(stderr, "api: %s %s\n", method, url);
    if (b->too_big) {
        struct api_req r = { .conn = conn };
        if (b->fd >= 0)
            return api_error(&r, MHD_HTTP_INTERNAL_SERVER_ERROR, "storing the request body: %s",
                             strerror(ENOSPC))
                       ? MHD_YES
                       : MHD_NO;
        return api_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %u bytes", BODY_MAX)
                   ? MHD_YES
                   : MHD_NO;
    }
    if (b->fd >= 0)
        lseek(b->fd, 0, SEEK_SET);
    return dispatch(cls, conn, url, method, b->buf, b->len, b->fd) ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct body *b = *con_cls;
    if (b) {
        free(b->buf);
        if (b->fd >= 0)
            close(b->fd);
        free(b);
        *con_cls = NULL;
    }
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls, (void)conn, (void)socket_context;
    api_busy(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
    if (getenv("RBOX_API_TRACE"))
        fprintf(stderr, "api: connection %s, %d open\n",
                toe == MHD_CONNECTION_NOTIFY_STARTED ? "opened" : "closed", atomic_load(&active));
}

/* libmicrohttpd's fatal errors: say which before aborting (its default says nothing useful
 * when stderr is a log) */
static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    (void)cls;
    fprintf(stderr, "rbox: libmicrohttpd: fatal error at %s:%u: %s\n", file ? file : "?", line,
            reason ? reason : "");
    fflush(stderr);
    abort();
}

/* ---- the socket ---- */

/* systemd's socket activation: LISTEN_PID is us and LISTEN_FDS >= 1: fd 3. */
static int activated_socket(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    int p, n;
    if (pid == NULL || fds == NULL || parse_int(pid, &p) < 0 || p != getpid() ||
        parse_int(fds, &n) < 0 || n < 1)
        return -1;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    fcntl(3, F_SETFD, FD_CLOEXEC);
    return 3;
}

static int listen_path(const struct api_opts *o, rbox_err **err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(o->socket) >= sizeof(sa.sun_path))
        return rbox_error(err, 0, "--socket %s: the path is too long for a Unix socket", o->socket);
    strcpy(sa.sun_path, o->socket);
    gid_t gid = 0;
    if (o->group) {
        int n;
        if (group_lookup("/etc/group", o->group, &gid) == 0)
            ;
        else if (parse_int(o->group, &n) == 0 && n >= 0)
            gid = (gid_t)n;
        else
            return rbox_error(err, 0, "--group %s: no such group", o->group);
    }
    _cleanup_free_ char *dir = xstrdup(o->socket);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir_p(dir, 0755) < 0)
            return rbox_error(err, errno, "creating %s", dir);
    }
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rbox_error(err, errno, "socket");
    struct stat st;
    if (lstat(o->socket, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return rbox_error(err, 0, "--socket %s: exists and is not a socket", o->socket);
        /* a socket left by a service that is gone is replaced; a live one is not */
        _cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return rbox_error(err, 0, "--socket %s: another service listens there", o->socket);
        unlink(o->socket);
    }
    mode_t old = umask(0177); /* 0600 until the chown and chmod below */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0)
        return rbox_error(err, errno, "binding %s", o->socket);
    if (chown(o->socket, 0, gid) < 0 || chmod(o->socket, o->mode) < 0) {
        int e = errno;
        unlink(o->socket);
        return rbox_error(err, e, "setting the owner and mode of %s", o->socket);
    }
    if (listen(fd, 128) < 0) {
        int e = errno;
        unlink(o->socket);
        return rbox_error(err, e, "listening on %s", o->socket);
    }
    return steal_fd(&fd);
}

int api_serve(struct store *s, const struct api_opts *o, rbox_err **err)
{
    /* rbox.conf is read once and cached: before any thread, and a bad one stops us here */
    const struct rbox_conf *conf;
    if (rbox_conf_get(&conf, err) < 0)
        return -1;
    int fd = activated_socket();
    bool own = fd < 0;
    if (own && (fd = listen_path(o, err)) < 0)
        return -1;
    struct stat mine = { 0 };
    if (own)
        lstat(o->socket, &mine);
    /* signals: TERM and INT to this thread (sigtimedwait below), none to the workers */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    atomic_store(&last_active, now_s());
    MHD_set_panic_func(on_panic, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_UPGRADE |
            MHD_USE_ITC,
        0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
    if (d == NULL) {
        close(fd);
        if (own)
            unlink(o->socket);
        return rbox_error(err, 0, "cannot start the HTTP server (libmicrohttpd)");
    }
    log_info("serving the Docker API %s on %s", API_VERSION, own ? o->socket : "fd 3 (systemd)");
    int sig = 0;
    for (;;) {
        struct timespec tick = { .tv_sec = 1 };
        sig = sigtimedwait(&set, NULL, &tick);
        if (sig > 0)
            break;
        if (o->timeout > 0 && atomic_load(&active) <= 0 &&
            now_s() - atomic_load(&last_active) >= o->timeout)
            break;
    }
    MHD_quiesce_daemon(d);
    /* our socket only: another service may have replaced it meanwhile */
    struct stat now;
    if (own && lstat(o->socket, &now) == 0 && now.st_ino == mine.st_ino &&
        now.st_dev == mine.st_dev)
        unlink(o->socket);
    log_info("exiting (%s)", sig > 0 ? strsignal(sig) : "idle");
    /* No MHD_stop_daemon, no exit(): joining the connection threads, or flushing the stdio
     * streams a stream thread may hold, can block for good (seen once after an attach). The
     * containers live in their monitors; nothing of the service's needs tearing down. */
    fflush(stdout);
    fflush(stderr);
    _exit(0);
}
