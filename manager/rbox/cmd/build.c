/* build.c - rbox build: the command line of the builder (manager/rbox/build, docs/build.md). */
#define _GNU_SOURCE
#include "build.h"
#include "image.h"
#include "mcli.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char build_usage[] =
    "Usage: rbox build [OPTIONS] CONTEXT\n"
    "\n"
    "Build an image from a Containerfile (or Dockerfile) in CONTEXT, a directory, or from\n"
    "stdin with CONTEXT \"-\": a tar archive there (also compressed) is the context, as for\n"
    "docker build - (-f names a file in it); else stdin is the Containerfile and COPY and ADD\n"
    "have no context to read. Each RUN, COPY and ADD step is one layer, the other steps change\n"
    "only the image config; a step whose parent image, text, build args and copied files are\n"
    "unchanged comes from the cache. RUN steps run in containers like `rbox run` (no stdin),\n"
    "removed after. .containerignore or .dockerignore in CONTEXT leaves files out. Prints STEP\n"
    "lines, RUN output and, last, the image ID. A failing RUN stops the build with its exit\n"
    "status. See docs/build.md.\n"
    "\n"
    "Options:\n"
    "  -t, --tag REF          tag the image (repeatable)\n"
    "  -f, --file FILE        the Containerfile (default CONTEXT/Containerfile, else\n"
    "                         CONTEXT/Dockerfile; \"-\": stdin)\n"
    "      --build-arg K[=V]  a value for ARG K (K alone: from the environment; repeatable)\n"
    "      --target STAGE     build up to the stage named STAGE (FROM ... AS STAGE)\n"
    "      --no-cache         build every step again\n"
    "      --network MODE     RUN steps' network: none (default), host, bridge or a\n"
    "                         network's name (docs/networking.md)\n"
    "      --pull             pull FROM images every time (default: when missing)\n"
    "      --label K=V        a label on the final image (repeatable)\n"
    "  -q, --quiet            print only the image ID\n";

enum { O_TAG = 1, O_FILE, O_ARG, O_TARGET, O_NOCACHE, O_NET, O_LABEL, O_QUIET, O_PULL };

static int read_text(const char *path, char **out, rbox_err **err)
{
    size_t len;
    if (strcmp(path, "-") == 0) {
        size_t cap = 4096;
        char *buf = xmalloc(cap);
        len = 0;
        ssize_t n;
        while ((n = read(STDIN_FILENO, buf + len, cap - len - 1)) > 0) {
            len += (size_t)n;
            if (cap - len < 2)
                buf = xrealloc(buf, cap *= 2);
        }
        buf[len] = '\0';
        if (n < 0) {
            free(buf);
            return rbox_error(err, errno, "reading the Containerfile from stdin");
        }
        *out = buf;
    } else if (read_file_at(AT_FDCWD, path, out, &len) < 0)
        return rbox_error(err, errno, "reading %s", path);
    if (strlen(*out) != len) {
        free(*out);
        return rbox_error(err, 0, "%s: a NUL byte in the Containerfile", path);
    }
    return 0;
}

/* stdin, when it is a tar archive, unpacked into <runroot>/build-context-XXXXXX (*dir; NULL
 * when stdin is a Containerfile, which stays readable as stdin: a pipe is spooled first). */
static int stdin_context(struct store *s, char **dir, rbox_err **err)
{
    *dir = NULL;
    struct stat st;
    int fd = STDIN_FILENO;
    _cleanup_close_ int spool = -1;
    if (fstat(STDIN_FILENO, &st) < 0 || !S_ISREG(st.st_mode)) {
        spool = open(s->runroot, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (spool < 0)
            return rbox_error(err, errno, "a temporary file in %s", s->runroot);
        char buf[65536];
        ssize_t n;
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
            if (write_all(spool, buf, (size_t)n) < 0)
                return rbox_error(err, errno, "spooling stdin");
        if (n < 0)
            return rbox_error(err, errno, "reading stdin");
        lseek(spool, 0, SEEK_SET);
        dup2(spool, STDIN_FILENO); /* a Containerfile is read from there as before */
        lseek(STDIN_FILENO, 0, SEEK_SET);
    }
    if (!build_is_archive(fd))
        return 0;
    char *d = xasprintf("%s/build-context-XXXXXX", s->runroot);
    if (mkdtemp(d) == NULL) {
        int e = errno;
        free(d);
        return rbox_error(err, e, "a directory in %s", s->runroot);
    }
    if (build_context_unpack(fd, d, false, err) < 0) {
        rm_rf_at(AT_FDCWD, d);
        free(d);
        return -1;
    }
    *dir = d;
    return 0;
}

int cmd_build(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = {
        { "tag", 't', true, O_TAG },         { "file", 'f', true, O_FILE },
        { "build-arg", 0, true, O_ARG },     { "target", 0, true, O_TARGET },
        { "no-cache", 0, false, O_NOCACHE }, { "pull", 0, false, O_PULL },
        { "network", 0, true, O_NET },       { "label", 0, true, O_LABEL },
        { "quiet", 'q', false, O_QUIET },    { NULL, 0, false, 0 }
    };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox build", .interspersed = true
    };
    rbox_err *err = NULL;
    _cleanup_strv_ char **tags = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **labels = NULL;
    size_t nt = 0, na = 0, nl = 0;
    struct build_opts o = { .network = "none" };
    const char *file = NULL, *arg;
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0) {
        switch (r) {
        case O_TAG: strv_push(&tags, &nt, xstrdup(arg)); break;
        case O_FILE: file = arg; break;
        case O_ARG: strv_push(&args, &na, xstrdup(arg)); break;
        case O_TARGET: o.target = arg; break;
        case O_NOCACHE: o.no_cache = true; break;
        case O_PULL: o.pull = "always"; break;
        case O_NET: o.network = arg; break;
        case O_LABEL:
            if (!labels)
                labels = xcalloc(1, sizeof(char *));
            strv_push(&labels, &nl, xstrdup(arg));
            break;
        case O_QUIET: o.quiet = true; break;
        }
    }
    if (r == 0)
        r = margs_require(&p, 1, 1, "a CONTEXT (a directory, or - for a Containerfile on stdin)",
                          &err);
    if (r == 0 && (str_has_prefix(o.network, "container:") || str_has_prefix(o.network, "ns:")))
        r = rbox_error(&err, 0,
                       "--network %s: rbox build runs RUN steps with none, host, bridge or a "
                       "network's name",
                       o.network);
    for (size_t i = 0; r == 0 && i < nt; i++) {
        char *n = image_normalize_ref(tags[i], &err);
        if (!n)
            r = rbox_error_prefix(&err, "-t %s", tags[i]);
        free(n);
    }
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(build_usage) : cmd_fail(err);
    }
    const char *ctx = margs_at(&p, 0);
    _cleanup_free_ char *path = NULL, *text = NULL, *unpacked = NULL;
    if (strcmp(ctx, "-") == 0 && !str_eq(file, "-") && !isatty(STDIN_FILENO)) {
        /* a tar archive on stdin is the context (docker build - < ctx.tar) */
        if (stdin_context(c->s, &unpacked, &err) < 0) {
            margs_free(&p);
            return cmd_fail(err);
        }
        if (unpacked)
            ctx = unpacked;
    }
    if (strcmp(ctx, "-") == 0) {
        o.context = NULL;
        path = xstrdup(file && strcmp(file, "-") != 0 ? file : "-");
    } else {
        o.context = ctx;
        if (file && unpacked && file[0] != '/')
            path = xasprintf("%s/%s", unpacked, file); /* docker's -f: inside the context */
        else if (file)
            path = xstrdup(file);
        else {
            path = xasprintf("%s/Containerfile", ctx);
            if (access(path, F_OK) < 0) {
                free(path);
                path = xasprintf("%s/Dockerfile", ctx);
            }
        }
    }
    o.fname = strcmp(path, "-") == 0 ? "Containerfile"
              : strrchr(path, '/')   ? strrchr(path, '/') + 1
                                     : path;
    o.build_args = args;
    o.labels = labels;
    r = read_text(path, &text, &err);
    o.file = text;
    char id[ID_LEN + 1];
    int code = 125;
    int saved = -1;
    if (r == 0 && o.quiet) {
        fflush(stdout);
        saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        int dn = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (dn >= 0) {
            dup2(dn, STDOUT_FILENO);
            close(dn);
        }
    }
    if (r == 0)
        r = build_image(c, &o, id, &code, &err);
    if (saved >= 0) {
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    for (size_t i = 0; r == 0 && i < nt; i++) {
        if (image_tag(c->s, id, tags[i], &err) < 0)
            r = -1;
        else if (!o.quiet) {
            _cleanup_free_ char *n = image_normalize_ref(tags[i], NULL);
            _cleanup_free_ char *fam = n ? image_familiar(n) : NULL;
            printf("Successfully tagged %s\n", fam ? fam : tags[i]);
        }
    }
    margs_free(&p);
    if (unpacked)
        rm_rf_at(AT_FDCWD, unpacked);
    if (r < 0) {
        cmd_fail(err);
        return code;
    }
    printf("%s\n", id);
    return 0;
}
