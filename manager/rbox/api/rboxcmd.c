/* rboxcmd.c - endpoints that are one rbox command: the service runs this very binary with its
 * store (as exec.c runs rbox exec and build.c rbox build), so the CLI's own code does the work
 * (its locks, checks and messages), and the answer is made of what it printed: pause,
 * unpause, changes (rbox diff), export, update, commit, volume and network prune. */
#define _GNU_SOURCE
#include "api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *fd_text(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return xstrdup("");
    char *t = xzalloc((size_t)st.st_size + 1);
    if (pread(fd, t, (size_t)st.st_size, 0) < 0)
        t[0] = '\0';
    return t;
}

int api_rbox(struct api_req *r, char *const *args, int in, int out_fd, char **out, char **errline)
{
    if (out)
        *out = NULL;
    *errline = NULL;
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0)
        return -1;
    self[len] = '\0';
    _cleanup_strv_ char **argv = xcalloc(1, sizeof(char *));
    size_t n = 0;
    strv_push(&argv, &n, xstrdup("rbox"));
    strv_push(&argv, &n, xasprintf("--root=%s", r->s->root));
    strv_push(&argv, &n, xasprintf("--runroot=%s", r->s->runroot));
    for (size_t i = 0; args[i]; i++)
        strv_push(&argv, &n, xstrdup(args[i]));
    _cleanup_close_ int ofd = out_fd >= 0 ? -1 : memfd_create("rbox-api-out", MFD_CLOEXEC);
    _cleanup_close_ int efd = memfd_create("rbox-api-err", MFD_CLOEXEC);
    _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int o = out_fd >= 0 ? out_fd : ofd, i = in >= 0 ? in : null;
    if (o < 0 || efd < 0 || i < 0)
        return -1;
    if (in >= 0)
        lseek(in, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(i, STDIN_FILENO);
        dup2(o, STDOUT_FILENO);
        dup2(efd, STDERR_FILENO);
        execv(self, argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (out)
        *out = ofd >= 0 ? fd_text(ofd) : xstrdup("");
    _cleanup_free_ char *e = fd_text(efd);
    size_t l = strlen(e);
    while (l && e[l - 1] == '\n')
        e[--l] = '\0';
    char *last = strrchr(e, '\n');
    last = last ? last + 1 : e;
    if (str_has_prefix(last, "rbox: "))
        last += 6;
    *errline = xstrdup(last);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int api_rbox_fail(struct api_req *r, int code, const char *errline, unsigned dflt)
{
    rbox_err *err = NULL;
    if (code < 0)
        rbox_error(&err, errno, "running rbox");
    else
        rbox_error(&err, 0, "%s", errline && *errline ? errline : "rbox failed");
    return api_fail(r, err, dflt);
}

/* `rbox ARGS... ID` for the container of the path: 204, or the command's error */
static int ctr_simple(struct api_req *r, const char *verb)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    char *args[] = { (char *)verb, id, NULL };
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

int api_ctr_pause(struct api_req *r)
{
    return ctr_simple(r, "pause");
}

int api_ctr_unpause(struct api_req *r)
{
    return ctr_simple(r, "unpause");
}

/* GET /containers/ID/changes: rbox diff's "A|C|D /path" lines as [{"Path", "Kind"}] (0
 * modified, 1 added, 2 deleted) */
int api_ctr_changes(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    char *args[] = { "diff", id, NULL };
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strlen(l) < 3 || l[1] != ' ')
            continue;
        jw_obj_open(&w);
        jw_kstr(&w, "Path", l + 2);
        jw_kint(&w, "Kind", l[0] == 'C' ? 0 : l[0] == 'A' ? 1 : 2);
        jw_obj_close(&w);
    }
    jw_arr_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* GET /containers/ID/export: rbox export's tar, from an unnamed file of the store */
int api_ctr_export(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    int fd = open(r->s->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "a temporary file in %s: %s",
                         r->s->root, strerror(errno));
    char *args[] = { "export", id, NULL };
    _cleanup_free_ char *why = NULL;
    int code = api_rbox(r, args, -1, fd, NULL, &why);
    struct stat st;
    if (code != 0 || fstat(fd, &st) < 0) {
        close(fd);
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    return api_file_answer(r, fd, (uint64_t)st.st_size, "application/x-tar");
}

/* POST /containers/ID/update: the body's resources as rbox update's flags */
int api_ctr_update(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    _cleanup_yajl_ yajl_val b = NULL;
    rbox_err *err = NULL;
    if (*r->body && json_parse(r->body, "the request body", &b, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    size_t n = 0;
    strv_push(&args, &n, xstrdup("update"));
    int64_t v;
    if (json_get_i64(b, "Memory", &v) && v > 0)
        strv_push(&args, &n, xasprintf("--memory=%lld", (long long)v));
    if (json_get_i64(b, "MemorySwap", &v) && v != 0)
        strv_push(&args, &n, xasprintf("--memory-swap=%lld", (long long)v));
    if (json_get_i64(b, "NanoCpus", &v) && v > 0)
        strv_push(&args, &n,
                  xasprintf("--cpus=%lld.%09lld", (long long)(v / 1000000000),
                            (long long)(v % 1000000000)));
    if (json_get_i64(b, "CpuShares", &v) && v > 0)
        strv_push(&args, &n, xasprintf("--cpu-shares=%lld", (long long)v));
    if (json_get_i64(b, "PidsLimit", &v) && v != 0)
        strv_push(&args, &n, xasprintf("--pids-limit=%lld", (long long)v));
    const char *cpus = json_get_str(b, "CpusetCpus");
    if (cpus && *cpus)
        strv_push(&args, &n, xasprintf("--cpuset-cpus=%s", cpus));
    static const char *const refused[] = { "CpuQuota",    "CpuPeriod",     "CpuRealtimePeriod",
                                           "CpusetMems",  "KernelMemory",  "MemoryReservation",
                                           "BlkioWeight", "RestartPolicy", NULL };
    for (size_t i = 0; refused[i]; i++) {
        yajl_val x = json_get(b, refused[i]);
        bool set = x && !YAJL_IS_NULL(x) && !(YAJL_IS_NUMBER(x) && YAJL_GET_INTEGER(x) == 0) &&
                   !(YAJL_IS_OBJECT(x) && !json_get_str(x, "Name")) &&
                   !(YAJL_IS_OBJECT(x) && str_eq(json_get_str(x, "Name"), "")) &&
                   !(YAJL_IS_STRING(x) && !*YAJL_GET_STRING(x));
        if (set)
            return api_error(r, MHD_HTTP_BAD_REQUEST, "%s: rbox update does not change it",
                             refused[i]);
    }
    if (n == 1)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "nothing to update: no resource given");
    strv_push(&args, &n, xstrdup(id));
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_BAD_REQUEST);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "Warnings");
    jw_arr_open(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

static enum MHD_Result collect_changes(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    char ***v = cls;
    if (key && strcmp(key, "changes") == 0 && value && *value) {
        size_t n = strv_len(*v);
        /* docker sends one parameter a change; a value may also hold several lines */
        _cleanup_free_ char *copy = xstrdup(value);
        char *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            strv_push(v, &n, xasprintf("--change=%s", l));
    }
    return MHD_YES;
}

/* POST /commit?container=&repo=&tag=&comment=&author=&changes=: rbox commit (201 {"Id"}) */
int api_commit(struct api_req *r)
{
    const char *ctr = api_query(r, "container"), *repo = api_query(r, "repo");
    const char *tag = api_query(r, "tag"), *comment = api_query(r, "comment");
    const char *author = api_query(r, "author");
    if (ctr == NULL || *ctr == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST, "container is required");
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    size_t n = 0;
    strv_push(&args, &n, xstrdup("commit"));
    if (comment && *comment)
        strv_push(&args, &n, xasprintf("--message=%s", comment));
    if (author && *author)
        strv_push(&args, &n, xasprintf("--author=%s", author));
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_changes, &args);
    n = strv_len(args);
    strv_push(&args, &n, xstrdup(ctr));
    if (repo && *repo)
        strv_push(&args, &n, tag && *tag ? xasprintf("%s:%s", repo, tag) : xstrdup(repo));
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_BAD_REQUEST);
    size_t l = strlen(out);
    while (l && out[l - 1] == '\n')
        out[--l] = '\0';
    char *last = strrchr(out, '\n');
    last = last ? last + 1 : out;
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    _cleanup_free_ char *full =
        str_has_prefix(last, "sha256:") ? xstrdup(last) : xasprintf("sha256:%s", last);
    jw_kstr(&w, "Id", full);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_CREATED, &w);
}

/* rbox volume|network prune -f: the names under its "Deleted ...:" line */
static int prune(struct api_req *r, const char *what, const char *key, bool space)
{
    if (api_query(r, "filters") && strcmp(api_query(r, "filters"), "{}") != 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "%s prune takes no filters", what);
    char *args[] = { (char *)what, "prune", "--force", NULL };
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, key);
    jw_arr_open(&w);
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (!str_has_prefix(l, "Deleted ") && *l)
            jw_str(&w, l);
    jw_arr_close(&w);
    if (space)
        jw_kint(&w, "SpaceReclaimed", 0);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

int api_volumes_prune(struct api_req *r)
{
    return prune(r, "volume", "VolumesDeleted", true);
}

int api_networks_prune(struct api_req *r)
{
    return prune(r, "network", "NetworksDeleted", false);
}
