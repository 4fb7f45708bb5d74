/* build.c - POST /build: the body (a tar of the context, as the docker CLI sends it) goes to
 * `rbox build ... -` as its stdin (this very binary, with the service's store: the CLI's build
 * reads a tar on stdin as the context, docker build - does the same), and its output comes
 * back as docker's progress stream: {"stream": line} for each line, then {"aux": {"ID"}} and
 * "Successfully built", or {"error", "errorDetail"} with the last line rbox build printed. */
#define _GNU_SOURCE
#include "api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct build_job {
    pid_t pid;
    int out; /* rbox build's stdout and stderr */
    int wfd; /* the answer's pipe (the reader is libmicrohttpd's callback) */
    bool quiet;
};

static enum MHD_Result collect_tags(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    char ***v = cls;
    if (key && strcmp(key, "t") == 0 && value && *value) {
        size_t n = strv_len(*v);
        strv_push(v, &n, xasprintf("--tag=%s", value));
    }
    return MHD_YES;
}

/* buildargs= / labels=: a JSON object {"K": "V"} as repeated --flag=K=V */
static int kv_flags(struct api_req *r, const char *key, const char *flag, char ***argv,
                    rbox_err **err)
{
    const char *text = api_query(r, key);
    if (text == NULL || *text == '\0')
        return 0;
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(text, key, &v, err) < 0)
        return -1;
    if (!YAJL_IS_OBJECT(v))
        return rbox_error(err, 0, "%s: expected a JSON object", key);
    for (size_t i = 0; i < v->u.object.len; i++) {
        yajl_val x = v->u.object.values[i];
        size_t n = strv_len(*argv);
        if (YAJL_IS_NULL(x)) /* a build arg without a value */
            strv_push(argv, &n, xasprintf("--%s=%s", flag, v->u.object.keys[i]));
        else if (YAJL_IS_STRING(x))
            strv_push(argv, &n,
                      xasprintf("--%s=%s=%s", flag, v->u.object.keys[i], YAJL_GET_STRING(x)));
        else
            return rbox_error(err, 0, "%s: %s: expected a string", key, v->u.object.keys[i]);
    }
    return 0;
}

static void put(struct build_job *j, bool *open, const char *key, const char *text)
{
    _cleanup_free_ char *line = api_stream_line(key, text);
    if (*open && write_all(j->wfd, line, strlen(line)) < 0)
        *open = false; /* the client left: the build goes on to its end, unseen */
}

static bool is_image_id(const char *l)
{
    if (strlen(l) != ID_LEN)
        return false;
    for (const char *p = l; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

struct relay_state {
    bool open;
    char last[1024], id[ID_LEN + 1];
};

static void one_line(struct build_job *j, struct relay_state *rs, const char *l, size_t len)
{
    _cleanup_free_ char *line = xstrndup(l, len);
    if (is_image_id(line)) {
        snprintf(rs->id, sizeof(rs->id), "%s", line); /* rbox build's last line: the aux */
        return;
    }
    snprintf(rs->last, sizeof(rs->last), "%s", str_has_prefix(line, "rbox: ") ? line + 6 : line);
    if (!j->quiet) {
        _cleanup_free_ char *withnl = xasprintf("%s\n", line);
        put(j, &rs->open, "stream", withnl);
    }
}

/* rbox build's lines into the answer; at its end the aux object, or the error */
static void *build_relay(void *arg)
{
    struct build_job *j = arg;
    struct relay_state rs = { .open = true };
    char buf[16384];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(j->out, buf + have, sizeof(buf) - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            have += (size_t)n;
        size_t start = 0;
        char *nl;
        while ((nl = memchr(buf + start, '\n', have - start)) != NULL) {
            one_line(j, &rs, buf + start, (size_t)(nl - (buf + start)));
            start = (size_t)(nl - buf) + 1;
        }
        /* a line longer than the buffer, or the last one without its \n: as it is */
        if ((start == 0 && have == sizeof(buf)) || (n <= 0 && start < have)) {
            one_line(j, &rs, buf + start, have - start);
            start = have;
        }
        have -= start;
        memmove(buf, buf + start, have);
        if (n <= 0)
            break;
    }
    bool open = rs.open;
    const char *id = rs.id, *last = rs.last;
    close(j->out);
    int st = 0;
    while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
        ;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (code == 0 && id[0]) {
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_key(&w, "aux");
        jw_obj_open(&w);
        _cleanup_free_ char *full = xasprintf("sha256:%s", id);
        jw_kstr(&w, "ID", full);
        jw_obj_close(&w);
        jw_obj_close(&w);
        _cleanup_free_ char *line = xasprintf("%s\n", jw_text(&w, NULL));
        jw_free(&w);
        if (open && write_all(j->wfd, line, strlen(line)) < 0)
            open = false;
        if (j->quiet) {
            _cleanup_free_ char *t = xasprintf("sha256:%s\n", id);
            put(j, &open, "stream", t);
        } else {
            _cleanup_free_ char *t = xasprintf("Successfully built %.12s\n", id);
            put(j, &open, "stream", t);
        }
    } else {
        const char *msg = last[0] ? last : "the build failed";
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_key(&w, "errorDetail");
        jw_obj_open(&w);
        jw_kint(&w, "code", code);
        jw_kstr(&w, "message", msg);
        jw_obj_close(&w);
        jw_kstr(&w, "error", msg);
        jw_obj_close(&w);
        _cleanup_free_ char *line = xasprintf("%s\n", jw_text(&w, NULL));
        jw_free(&w);
        if (open)
            (void)write_all(j->wfd, line, strlen(line));
    }
    close(j->wfd);
    free(j);
    api_busy(-1);
    return NULL;
}

static void build_free(void *cls)
{
    struct api_pipe *p = cls;
    close(p->fd);
    free(p);
}

int api_build(struct api_req *r)
{
    if (api_query(r, "remote") && *api_query(r, "remote"))
        return api_error(r, MHD_HTTP_BAD_REQUEST,
                         "remote build contexts are not supported: send the context as the body");
    if (r->body_fd < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the upload was not stored");
    struct stat bst;
    if (fstat(r->body_fd, &bst) == 0 && bst.st_size == 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "the request body is empty: send the context");
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "/proc/self/exe: %s", strerror(errno));
    self[len] = '\0';
    _cleanup_strv_ char **argv = xcalloc(1, sizeof(char *));
    size_t n = 0;
    strv_push(&argv, &n, xstrdup("rbox"));
    strv_push(&argv, &n, xasprintf("--root=%s", r->s->root));
    strv_push(&argv, &n, xasprintf("--runroot=%s", r->s->runroot));
    strv_push(&argv, &n, xstrdup("build"));
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_tags, &argv);
    rbox_err *err = NULL;
    if (kv_flags(r, "buildargs", "build-arg", &argv, &err) < 0 ||
        kv_flags(r, "labels", "label", &argv, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    n = strv_len(argv);
    const char *df = api_query(r, "dockerfile"), *target = api_query(r, "target");
    const char *net = api_query(r, "networkmode"), *pull = api_query(r, "pull");
    if (df && *df)
        strv_push(&argv, &n, xasprintf("--file=%s", df));
    if (target && *target)
        strv_push(&argv, &n, xasprintf("--target=%s", target));
    if (net && *net && strcmp(net, "default") != 0)
        strv_push(&argv, &n, xasprintf("--network=%s", net));
    if (api_qbool(r, "nocache"))
        strv_push(&argv, &n, xstrdup("--no-cache"));
    if (pull && *pull && strcmp(pull, "0") != 0 && strcasecmp(pull, "false") != 0)
        strv_push(&argv, &n, xstrdup("--pull"));
    bool quiet = api_qbool(r, "q");
    strv_push(&argv, &n, xstrdup("-"));
    int out[2], ans[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "pipe: %s", strerror(errno));
    if (pipe2(ans, O_CLOEXEC) < 0) {
        close(out[0]);
        close(out[1]);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "pipe: %s", strerror(errno));
    }
    lseek(r->body_fd, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(r->body_fd, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(out[1], STDERR_FILENO);
        execv(self, argv);
        _exit(127);
    }
    close(out[1]);
    if (pid < 0) {
        close(out[0]);
        close(ans[0]);
        close(ans[1]);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "fork: %s", strerror(errno));
    }
    struct build_job *j = xzalloc(sizeof(*j));
    j->pid = pid;
    j->out = out[0];
    j->wfd = ans[1];
    j->quiet = quiet;
    api_busy(1); /* until rbox build has ended, even if the client leaves */
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, build_relay, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        /* no relay: rbox build still runs to its end; its output goes nowhere */
        close(j->out);
        close(j->wfd);
        free(j);
        api_busy(-1);
        close(ans[0]);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "thread: %s", strerror(rc));
    }
    struct api_pipe *ap = xzalloc(sizeof(*ap));
    ap->fd = ans[0];
    ap->client = api_conn_fd(r);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, api_pipe_read, ap, build_free);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    int ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}
