/* registry.c - rbox pull, push, login, logout: the flags and --help here, the registry protocol
 * in rbox-registry (manager/rbox/registry/client; a separate program so that rbox stays static
 * without libcurl, see the Makefile). A pull fetches into a staging OCI layout under
 * <root>/images/tmp/ (the store's filesystem), which the store then ingests. */
#define _GNU_SOURCE
#include "conf.h"
#include "image.h"
#include "registry.h"
#include "mcli.h"
#include "ref.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TLS_HELP                                                                                 \
    "      --tls-verify=false  no certificate checks, and plain http when the registry\n"        \
    "                          has no TLS (insecure registries)\n"                               \
    "      --cert-dir DIR      CA certificates (*.crt) and a client certificate (*.cert +\n"     \
    "                          *.key) for the registry (default /etc/containers/certs.d/HOST)\n" \
    "      --authfile FILE     credentials file (default $REGISTRY_AUTH_FILE, else\n"            \
    "                          $XDG_RUNTIME_DIR/containers/auth.json, else\n"                    \
    "                          /run/containers/0/auth.json for root)\n"

static const char pull_usage[] =
    "Usage: rbox pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
    "\n"
    "Download an image from a registry. NAME resolves as docker's: alpine is\n"
    "docker.io/library/alpine:latest; HOST[:PORT]/PATH names another registry (a first part\n"
    "with a dot or a colon, or localhost). Manifest lists pick the platform; every blob is\n"
    "checked against its digest while it downloads; blobs already in the store are not fetched.\n"
    "\n"
    "Options:\n"
    "      --platform OS/ARCH[/VARIANT]  from a multi-platform image (default linux/<this\n"
    "                          machine>, e.g. linux/amd64)\n"
    "  -q, --quiet             print only the image ID\n" TLS_HELP;

static const char push_usage[] =
    "Usage: rbox push [OPTIONS] NAME[:TAG] [DESTINATION]\n"
    "\n"
    "Upload an image to a registry: to NAME's registry and repository, or to DESTINATION.\n"
    "Blobs the registry has are not sent again; a blob of another repository of the same\n"
    "registry is mounted from there instead of uploaded.\n"
    "\n"
    "Options:\n" TLS_HELP;

static const char login_usage[] =
    "Usage: rbox login [OPTIONS] [REGISTRY]\n"
    "\n"
    "Check credentials against REGISTRY (default docker.io) and store them in the auth file\n"
    "podman and skopeo read (format: {\"auths\": {\"HOST\": {\"auth\": base64(user:password)}}}).\n"
    "\n"
    "Options:\n"
    "  -u, --username USER     (asked on a terminal without it)\n"
    "  -p, --password PASS     (visible to other users in ps: prefer --password-stdin)\n"
    "      --password-stdin    read the password from stdin\n" TLS_HELP;

static const char logout_usage[] = "Usage: rbox logout [OPTIONS] [REGISTRY]\n"
                                   "\n"
                                   "Remove REGISTRY's (default docker.io) credentials from the "
                                   "auth file.\n"
                                   "\n"
                                   "Options:\n"
                                   "      --authfile FILE     (see rbox login --help)\n";

/* rbox-registry beside this binary, or $RBOX_REGISTRY */
static char *helper_path(void)
{
    const char *env = getenv("RBOX_REGISTRY");
    if (env && *env)
        return xstrdup(env);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    return xasprintf("%s/rbox-registry", self);
}

enum {
    F_PLATFORM = 1,
    F_TLS,
    F_CERTDIR,
    F_AUTHFILE,
    F_QUIET,
    F_LAYOUT,
    F_USER,
    F_PASS,
    F_PWSTDIN,
    F_MANIFEST
};

static const struct mopt reg_opts[] = {
    { "platform", 0, true, F_PLATFORM },
    { "tls-verify", 0, true, F_TLS },
    { "cert-dir", 0, true, F_CERTDIR },
    { "authfile", 0, true, F_AUTHFILE },
    { "quiet", 'q', false, F_QUIET },
    { "layout", 0, true, F_LAYOUT },
    { "username", 'u', true, F_USER },
    { "password", 'p', true, F_PASS },
    { "password-stdin", 0, false, F_PWSTDIN },
    { "manifest", 0, true, F_MANIFEST },
    { NULL, 0, false, 0 },
};

/* Parse the flags of verb (allowed: the ids in `allowed`), building the helper's argv. */
static int parse(struct cmd_ctx *c, int argc, char **argv, const char *verb, const char *allowed,
                 const char *usage, char ***hargv, size_t *hn, const char **layout, bool *quiet,
                 struct margs *p, rbox_err **err)
{
    (void)c;
    strv_push(hargv, hn, helper_path());
    strv_push(hargv, hn, xstrdup(verb));
    const char *arg;
    int id;
    while ((id = margs_next(p, reg_opts, &arg, err)) != 0) {
        if (id == -1)
            return -1;
        if (id == MOPT_HELP)
            return cmd_help(usage), 1;
        if (!strchr(allowed, '0' + id)) {
            return rbox_error(err, 0, "%s: unknown flag %s", p->cmd, argv[p->i - 1]);
        }
        const struct mopt *o = &reg_opts[id - 1];
        if (id == F_LAYOUT)
            *layout = arg;
        if (id == F_QUIET)
            *quiet = true;
        if (id == F_TLS && strcmp(arg, "true") != 0 && strcmp(arg, "false") != 0)
            return rbox_error(err, 0, "%s: --tls-verify=%s: expected true or false", p->cmd, arg);
        if (id == F_LAYOUT)
            continue;
        strv_push(hargv, hn,
                  o->has_arg ? xasprintf("--%s=%s", o->name, arg) : xasprintf("--%s", o->name));
    }
    (void)argc;
    return 0;
}

/* Run rbox-registry and wait: its exit status, or -1. errtext: its stderr is kept there (the
 * last line, allocated) instead of reaching ours. */
static int run_wait_capture(char **hargv, bool quiet, char **errtext, rbox_err **err)
{
    int efd = errtext ? memfd_create("rbox-registry-stderr", MFD_CLOEXEC) : -1;
    pid_t pid = fork();
    if (pid < 0) {
        if (efd >= 0)
            close(efd);
        return rbox_error(err, errno, "fork");
    }
    if (pid == 0) {
        char ppid[24];
        snprintf(ppid, sizeof(ppid), "%d", (int)getppid());
        setenv("RBOX_REGISTRY_PARENT", ppid, 1);
        /* -q: the ID to print is the store's, after the ingest */
        int null = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        if (efd >= 0)
            dup2(efd, STDERR_FILENO);
        execv(hargv[0], hargv);
        fprintf(stderr, "rbox: running %s: %s\n", hargv[0], strerror(errno));
        _exit(125);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            if (efd >= 0)
                close(efd);
            return rbox_error(err, errno, "waiting for %s", hargv[0]);
        }
    if (efd >= 0) {
        char buf[4096];
        ssize_t n = pread(efd, buf, sizeof(buf) - 1, 0);
        close(efd);
        buf[n > 0 ? n : 0] = '\0';
        size_t l = strlen(buf);
        while (l && buf[l - 1] == '\n')
            buf[--l] = '\0';
        char *line = strrchr(buf, '\n');
        line = line ? line + 1 : buf;
        if (str_has_prefix(line, "rbox: "))
            line += 6;
        *errtext = xstrdup(line);
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* Glue to the image store: a staging dir from image_staging_create() (flock'd, so that no other
 * command cleans it away), the layout written into <dir>/layout with the blobs the store has
 * left out (--omit-present), then image_ingest_layout() verifies, moves the blobs in, unpacks
 * and tags. */
struct stage {
    struct image_staging st;
    char *layout;
};

static int stage_begin(struct store *s, struct stage *g, char ***h, size_t *hn, rbox_err **err)
{
    if (image_staging_create(s, &g->st, err) < 0)
        return -1;
    g->layout = xasprintf("%s/layout", g->st.dir);
    strv_push(h, hn, xasprintf("--blobs=%s/images/blobs", s->root));
    strv_push(h, hn, xstrdup("--omit-present"));
    return 0;
}

static int stage_ingest(struct store *s, struct stage *g, const char *ref, char *id, size_t len,
                        rbox_err **err)
{
    const char *refs[] = { ref, NULL };
    char hex[ID_LEN + 1];
    if (image_ingest_layout(s, g->layout, refs, hex, err) < 0)
        return -1;
    snprintf(id, len, "%s", hex);
    return 0;
}

static void stage_end(struct store *s, struct stage *g)
{
    image_staging_discard(s, &g->st);
    free(g->layout);
}

static bool listed(char *const *v, const char *host)
{
    for (size_t i = 0; v && v[i]; i++)
        if (str_eq(v[i], host))
            return true;
    return false;
}

/* rbox.conf's insecure_registries: --tls-verify=false unless the command line said. */
static void conf_tls(char ***h, size_t *hn, const char *domain)
{
    const struct rbox_conf *conf;
    for (size_t i = 0; *h && (*h)[i]; i++)
        if (str_has_prefix((*h)[i], "--tls-verify="))
            return;
    if (rbox_conf_get(&conf, NULL) == 0 && listed(conf->insecure_registries, domain))
        strv_push(h, hn, xstrdup("--tls-verify=false"));
}

/* One pull of canon (fetched as `from`, a mirror's or the registry's reference) into the store. */
static int pull_one(struct store *s, char *const *base, const char *from, const char *canon,
                    bool quiet, bool capture, char *id, size_t len, rbox_err **err)
{
    _cleanup_strv_ char **h = strv_dup(base);
    size_t hn = strv_len(h);
    struct image_ref ref;
    if (image_ref_parse(from, &ref, err) < 0)
        return -1;
    conf_tls(&h, &hn, ref.domain);
    image_ref_clear(&ref);
    struct stage g = { 0 };
    if (stage_begin(s, &g, &h, &hn, err) < 0)
        return -1;
    strv_push(&h, &hn, xasprintf("--peers=%s/images/tmp", s->root));
    strv_push(&h, &hn, xasprintf("--layout=%s", g.layout));
    strv_push(&h, &hn, xstrdup(from));
    fflush(stdout);
    _cleanup_free_ char *why = NULL;
    int r = run_wait_capture(h, quiet, capture ? &why : NULL, err);
    if (r == 0 && stage_ingest(s, &g, canon, id, len, err) < 0)
        r = -1;
    else if (r > 0 && capture)
        r = rbox_error(err, 0, "pulling %s: %s", from, why && *why ? why : "failed");
    else if (r > 0)
        rbox_error(err, 0, "pulling %s failed", from); /* rbox-registry said why */
    stage_end(s, &g);
    return r == 0 ? 0 : r < 0 ? -1 : r;
}

int registry_pull(struct store *s, char *const *base, const char *name, bool quiet, char *id,
                  size_t len, rbox_err **err)
{
    return registry_pull_as(s, base, name, quiet, false, id, len, err);
}

int registry_pull_as(struct store *s, char *const *base, const char *name, bool quiet, bool capture,
                     char *id, size_t len, rbox_err **err)
{
    _cleanup_strv_ char **defaults = NULL;
    if (base == NULL) {
        size_t n = 0;
        strv_push(&defaults, &n, helper_path());
        strv_push(&defaults, &n, xstrdup("pull"));
        base = defaults;
    }
    struct image_ref ref;
    if (image_ref_parse(name, &ref, err) < 0)
        return -1;
    _cleanup_free_ char *canon = image_ref_string(&ref);
    /* rbox.conf's registry_mirrors ("REGISTRY=MIRROR"): each mirror first, then the registry */
    const struct rbox_conf *conf;
    if (rbox_conf_get(&conf, err) < 0) {
        image_ref_clear(&ref);
        return -1;
    }
    size_t dl = strlen(ref.domain);
    for (size_t i = 0; conf->registry_mirrors && conf->registry_mirrors[i]; i++) {
        const char *m = conf->registry_mirrors[i];
        if (strncmp(m, ref.domain, dl) != 0 || m[dl] != '=')
            continue;
        struct image_ref mr = ref;
        mr.domain = (char *)(m + dl + 1);
        _cleanup_free_ char *from = image_ref_string(&mr);
        rbox_err *e = NULL;
        if (pull_one(s, base, from, canon, quiet, capture, id, len, &e) == 0) {
            image_ref_clear(&ref);
            return 0;
        }
        if (!capture)
            fprintf(stderr, "rbox: mirror %s: %s; trying the next\n", m + dl + 1,
                    e ? e->msg : "failed");
        rbox_err_free(e);
    }
    image_ref_clear(&ref);
    return pull_one(s, base, canon, canon, quiet, capture, id, len, err);
}

int cmd_pull(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox pull", .interspersed = true
    };
    rbox_err *err = NULL;
    _cleanup_strv_ char **h = NULL;
    size_t hn = 0;
    const char *layout = NULL;
    bool quiet = false;
    int r = parse(c, argc, argv, "pull", "123456", pull_usage, &h, &hn, &layout, &quiet, &p, &err);
    if (r != 0) {
        margs_free(&p);
        return r < 0 ? cmd_fail(err) : 0;
    }
    if (margs_require(&p, 1, 1, "an image reference", &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    if (layout) {
        /* the tests' glue: the layout only, no store */
        strv_push(&h, &hn, xasprintf("--layout=%s", layout));
        strv_push(&h, &hn, xstrdup(margs_at(&p, 0)));
        margs_free(&p);
        fflush(stdout);
        execv(h[0], h);
        return cmd_fail((rbox_error(&err, errno, "running %s", h[0]), err));
    }
    char id[80] = "";
    r = registry_pull(c->s, h, margs_at(&p, 0), quiet, id, sizeof(id), &err);
    margs_free(&p);
    if (r < 0)
        return cmd_fail(err);
    if (r > 0) {
        rbox_err_free(err);
        return r;
    }
    if (quiet)
        printf("%s\n", id);
    return 0;
}

/* push from the store: its blobs dir is an OCI blobs dir, the manifest is the image's */
static int push_source(struct store *s, const char *ref, char ***h, size_t *hn, rbox_err **err)
{
    struct image img = { 0 };
    if (image_resolve(s, ref, &img, err) < 0)
        return -1;
    strv_push(h, hn, xasprintf("--layout=%s/images", s->root));
    strv_push(h, hn, xasprintf("--manifest=%s", img.manifest_digest));
    image_clear(&img);
    return 0;
}

/* push SRC DEST: within one registry, DEST's blobs can be mounted from SRC's repository */
static int push_mount(const char *from, const char *to, char ***h, size_t *hn, rbox_err **err)
{
    struct image_ref src, dst;
    if (image_ref_parse(to, &dst, err) < 0)
        return -1;
    /* SRC may be an image ID: then nothing to mount from */
    bool named = image_ref_parse(from, &src, NULL) == 0;
    if (named && strcmp(src.domain, dst.domain) == 0 && strcmp(src.path, dst.path) != 0)
        strv_push(h, hn, xasprintf("--mount-from=%s", src.path));
    if (named && !src.digest && src.tag && !str_eq(src.tag, dst.tag))
        strv_push(h, hn, xasprintf("--tag=%s", src.tag));
    if (named)
        image_ref_clear(&src);
    image_ref_clear(&dst);
    return 0;
}

/* login, logout and push hand over to rbox-registry entirely */
static int forward(struct cmd_ctx *c, int argc, char **argv, const char *verb, const char *allowed,
                   const char *usage, int maxpos)
{
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .interspersed = true };
    _cleanup_free_ char *cmd = xasprintf("rbox %s", verb);
    p.cmd = cmd;
    rbox_err *err = NULL;
    _cleanup_strv_ char **h = NULL;
    size_t hn = 0;
    const char *layout = NULL;
    bool quiet = false;
    int r = parse(c, argc, argv, verb, allowed, usage, &h, &hn, &layout, &quiet, &p, &err);
    if (r == 0 && margs_require(&p, strcmp(verb, "push") == 0, maxpos, "arguments", &err) < 0)
        r = -1;
    if (r == 0 && strcmp(verb, "push") == 0 && !layout)
        r = push_source(c->s, margs_at(&p, 0), &h, &hn, &err);
    if (r != 0) {
        margs_free(&p);
        return r < 0 ? cmd_fail(err) : 0;
    }
    if (layout)
        strv_push(&h, &hn, xasprintf("--layout=%s", layout));
    int npos = margs_count(&p);
    if (strcmp(verb, "push") == 0 && npos == 2 &&
        push_mount(margs_at(&p, 0), margs_at(&p, 1), &h, &hn, &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    if (npos > 0) {
        /* rbox.conf's insecure_registries, for push, login and logout alike */
        const char *last = margs_at(&p, npos - 1);
        struct image_ref dr;
        if (strcmp(verb, "push") == 0 && image_ref_parse(last, &dr, NULL) == 0) {
            conf_tls(&h, &hn, dr.domain);
            image_ref_clear(&dr);
        } else if (strcmp(verb, "push") != 0) {
            conf_tls(&h, &hn, last);
        }
        strv_push(&h, &hn, xstrdup(last));
    }
    margs_free(&p);
    fflush(stdout);
    execv(h[0], h);
    return cmd_fail((rbox_error(&err, errno, "running %s", h[0]), err));
}

int cmd_push(struct cmd_ctx *c, int argc, char **argv)
{
    return forward(c, argc, argv, "push", "2346:", push_usage, 2);
}

int cmd_login(struct cmd_ctx *c, int argc, char **argv)
{
    return forward(c, argc, argv, "login", "234789", login_usage, 1);
}

int cmd_logout(struct cmd_ctx *c, int argc, char **argv)
{
    return forward(c, argc, argv, "logout", "4", logout_usage, 1);
}

int image_resolve_pull(struct store *s, const char *ref, const char *policy, struct image *img,
                       rbox_err **err)
{
    if (str_eq(policy, "never"))
        return image_resolve(s, ref, img, err);
    if (str_eq(policy, "missing")) {
        int f = image_find(s, ref, img, err);
        if (f <= 0)
            return f;
        _cleanup_free_ char *norm = image_normalize_ref(ref, err);
        if (norm == NULL)
            return -1;
        if (str_eq(norm, IMAGE_BUILTIN_REF))
            return image_resolve(s, ref, img, err);
    }
    char id[80];
    if (registry_pull_as(s, NULL, ref, true, true, id, sizeof(id), err) != 0)
        return rbox_error_prefix(err, "--pull %s", policy);
    return image_resolve(s, ref, img, err);
}
