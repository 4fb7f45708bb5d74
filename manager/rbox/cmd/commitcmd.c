/* commitcmd.c - rbox commit, diff and export: a container's changes as an image, a list, a tar. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "path.h"
#include "image.h"
#include "mcli.h"
#include "rtclient.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char commit_usage[] =
    "Usage: rbox commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n"
    "\n"
    "Make an image of a container's changes: its overlay upper dir becomes one more layer over\n"
    "the container's image (overlay whiteouts become OCI ones). Prints the new image's ID.\n"
    "\n"
    "Options:\n"
    "  -a, --author A      the author recorded in the image\n"
    "  -m, --message M     the comment of the new history entry\n"
    "  -c, --change C      a Dockerfile instruction applied to the config (repeatable): CMD,\n"
    "                      ENTRYPOINT (JSON or shell form), ENV K=V, EXPOSE PORT[/PROTO],\n"
    "                      LABEL K=V, STOPSIGNAL SIG, USER U, VOLUME PATH, WORKDIR DIR,\n"
    "                      ONBUILD INSTRUCTION\n";

static const char diff_usage[] =
    "Usage: rbox diff CONTAINER\n"
    "\n"
    "List what the container changed in its image: A (added), C (changed), D (deleted).\n";

static const char export_usage[] = "Usage: rbox export [OPTIONS] CONTAINER\n"
                                   "\n"
                                   "Write the container's filesystem (its image with its "
                                   "changes) as a tar, to stdout\n"
                                   "(never a terminal) or -o FILE.\n"
                                   "\n"
                                   "Options:\n"
                                   "  -o, --output FILE   write FILE\n";

/* The container's ID, spec and image. */
static int load_ctr(struct cmd_ctx *c, const char *ref, char id[ID_LEN + 1], struct ctr_spec *sp,
                    struct image *img, rbox_err **err)
{
    memset(sp, 0, sizeof(*sp));
    memset(img, 0, sizeof(*img));
    if (ctr_resolve(c->s, ref, id, err) < 0)
        return -1;
    _cleanup_close_ int fd = ctr_open_dir(c->s, id, err);
    if (fd < 0 || spec_load(fd, sp, err) < 0)
        return -1;
    return image_load(c->s, sp->image_id, img, err);
}

int cmd_commit(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "author", 'a', true, 1 },
                                        { "message", 'm', true, 2 },
                                        { "change", 'c', true, 3 },
                                        { "pause", 'p', false, 4 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox commit", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *author = NULL, *message = NULL, *arg;
    _cleanup_strv_ char **changes = xcalloc(1, sizeof(char *));
    size_t n = 0;
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0 && r != MOPT_HELP) {
        if (r == 1)
            author = arg;
        else if (r == 2)
            message = arg;
        else if (r == 3)
            strv_push(&changes, &n, xstrdup(arg));
    }
    if (r == 0)
        r = margs_require(&p, 1, 2, "a CONTAINER and an optional REPOSITORY[:TAG]", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(commit_usage) : cmd_fail(err);
    }
    char id[ID_LEN + 1], img_id[ID_LEN + 1];
    struct ctr_spec sp;
    struct image img;
    r = load_ctr(c, margs_at(&p, 0), id, &sp, &img, &err);
    if (r == 0) {
        _cleanup_free_ char *upper = ctr_path(c->s, id, "diff");
        _cleanup_free_ char *cmdline = spec_command_line(&sp);
        _cleanup_free_ char *by = xasprintf("rbox commit %.12s: %s", id, cmdline);
        r = image_commit(c->s, &img, upper, margs_count(&p) > 1 ? margs_at(&p, 1) : NULL, changes,
                         author, message, by, img_id, &err);
    }
    margs_free(&p);
    spec_clear(&sp);
    image_clear(&img);
    if (r < 0)
        return cmd_fail(err);
    printf("sha256:%s\n", img_id);
    return 0;
}

int cmd_diff(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox diff", .interspersed = true
    };
    rbox_err *err = NULL;
    bool flags[2] = { false };
    int r = margs_bools(&p, NULL, flags, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 1, 1, "a CONTAINER", &err);
    char id[ID_LEN + 1];
    struct ctr_spec sp = { 0 };
    struct image img = { 0 };
    if (r == 0)
        r = load_ctr(c, margs_at(&p, 0), id, &sp, &img, &err);
    margs_free(&p);
    if (r == 0) {
        _cleanup_free_ char *upper = ctr_path(c->s, id, "diff");
        r = image_diff(c->s, &img, upper, stdout, &err);
    }
    spec_clear(&sp);
    image_clear(&img);
    if (r == MOPT_HELP)
        return cmd_help(diff_usage);
    return r < 0 ? cmd_fail(err) : 0;
}

/* The merged tree of a container: the running container's mount, else an overlay mounted for
 * the command (under the container's lock, which is held until root_end). */
struct ctr_root {
    int lock;
    bool mounted;
    char *path;
};

static int root_begin(struct cmd_ctx *c, const char *id, const struct image *img,
                      struct ctr_root *cr, rbox_err **err)
{
    memset(cr, 0, sizeof(*cr));
    cr->lock = ctr_lock(c->s, id, err);
    if (cr->lock < 0)
        return -1;
    struct ctr_state st;
    int r = ctr_read(c->s, id, &st, err);
    bool running = r == 0 && (st.status == CS_RUNNING || st.status == CS_PAUSED);
    if (r == 0 && !running) {
        r = overlay_mount(c->s, id, img, err);
        cr->mounted = r == 0;
    }
    if (r < 0) {
        close(cr->lock);
        return -1;
    }
    cr->path = ctr_run_path(c->s, id, "rootfs");
    return 0;
}

static void root_end(struct cmd_ctx *c, const char *id, struct ctr_root *cr)
{
    if (cr->mounted)
        overlay_umount(c->s, id, NULL);
    if (cr->lock >= 0)
        close(cr->lock);
    free(cr->path);
    memset(cr, 0, sizeof(*cr));
}

static int export_ctr(struct cmd_ctx *c, const char *id, const struct image *img, int out,
                      rbox_err **err)
{
    struct ctr_root cr;
    if (root_begin(c, id, img, &cr, err) < 0)
        return -1;
    int r = image_export_tree(cr.path, out, err);
    root_end(c, id, &cr);
    return r;
}

int cmd_export(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "output", 'o', true, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox export", .interspersed = true
    };
    rbox_err *err = NULL;
    bool flags[2] = { false };
    const char *output = NULL;
    int r = margs_bools(&p, opts, flags, 1, &output, &err);
    if (r == 0)
        r = margs_require(&p, 1, 1, "a CONTAINER", &err);
    if (r == 0 && output == NULL && isatty(STDOUT_FILENO))
        r = rbox_error(&err, 0,
                       "refusing to write an archive to a terminal: use -o FILE or a redirection");
    char id[ID_LEN + 1];
    struct ctr_spec sp = { 0 };
    struct image img = { 0 };
    if (r == 0)
        r = load_ctr(c, margs_at(&p, 0), id, &sp, &img, &err);
    margs_free(&p);
    _cleanup_free_ char *tmp =
        r == 0 && output ? xasprintf("%s.tmp.%d", output, (int)getpid()) : NULL;
    int fd = STDOUT_FILENO;
    if (tmp && (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        r = rbox_error(&err, errno, "creating %s", output);
    if (r == 0)
        r = export_ctr(c, id, &img, fd, &err);
    if (tmp && fd >= 0) {
        if (r == 0 && (fsync(fd) < 0 || rename(tmp, output) < 0))
            r = rbox_error(&err, errno, "writing %s", output);
        close(fd);
        if (r < 0)
            unlink(tmp);
    }
    spec_clear(&sp);
    image_clear(&img);
    if (r == MOPT_HELP)
        return cmd_help(export_usage);
    return r < 0 ? cmd_fail(err) : 0;
}

static int open_parent(int rootfd, const char *path, char **base, rbox_err **err);

int ctr_path_stat(struct store *s, const char *ref, const char *path, struct stat *st, char *link,
                  size_t linklen, rbox_err **err)
{
    struct cmd_ctx c = { .s = s };
    char id[ID_LEN + 1];
    struct ctr_spec sp = { 0 };
    struct image img = { 0 };
    int r = load_ctr(&c, ref, id, &sp, &img, err);
    struct ctr_root cr = { .lock = -1 };
    if (r == 0)
        r = root_begin(&c, id, &img, &cr, err);
    if (r == 0) {
        _cleanup_close_ int root = open(cr.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int dir = -1;
        if (root < 0)
            r = rbox_error(err, errno, "opening %s", cr.path);
        else if (strcmp(path, "/") == 0 || path[0] == '\0')
            r = fstat(root, st) < 0 ? rbox_error(err, errno, "%s", path) : 0;
        else if ((dir = open_parent(root, path, &base, err)) < 0 ||
                 fstatat(dir, base, st, AT_SYMLINK_NOFOLLOW) < 0)
            r = dir < 0 ? rbox_error_prefix(err, "no such file %s", path)
                        : rbox_error(err, errno, "no such file %s", path);
        if (r == 0 && link && linklen) {
            link[0] = '\0';
            ssize_t n = S_ISLNK(st->st_mode) ? readlinkat(dir, base, link, linklen - 1) : -1;
            if (n > 0)
                link[n] = '\0';
        }
        root_end(&c, id, &cr);
    }
    spec_clear(&sp);
    image_clear(&img);
    return r;
}

/* ---- cp ---- */

static const char cp_usage[] =
    "Usage: rbox cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH\n"
    "       rbox cp [OPTIONS] SRC_PATH CONTAINER:DEST_PATH\n"
    "\n"
    "Copy files or directories out of or into a container (running or not). Paths in the\n"
    "container are resolved inside its root: a symlink there never leads outside it, and links\n"
    "below a copied directory are copied as links. An existing directory as the destination\n"
    "receives the source under its own name. Copies into a container are owned by root unless\n"
    "-a.\n"
    "\n"
    "Options:\n"
    "  -a, --archive   keep the owner (UID:GID) of what is copied in\n";

struct cp {
    bool archive;
    rbox_err **err;
};

/* Copy the entry name of sdir into ddir as dname (recursively; no link is followed). */
static int cp_entry(struct cp *cp, int sdir, const char *name, int ddir, const char *dname)
{
    struct stat st;
    if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return rbox_error(cp->err, errno, "reading %s", name);
    int r = 0;
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(ddir, dname, st.st_mode & 07777) < 0 && errno != EEXIST)
            return rbox_error(cp->err, errno, "creating %s", dname);
        _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d =
            openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return rbox_error(cp->err, errno, "opening %s", s < 0 ? name : dname);
        int dup = fcntl(s, F_DUPFD_CLOEXEC, 3);
        DIR *dir = dup >= 0 ? fdopendir(dup) : NULL;
        if (dir == NULL) {
            if (dup >= 0)
                close(dup);
            return rbox_error(cp->err, errno, "reading %s", name);
        }
        struct dirent *de;
        while (r == 0 && (de = readdir(dir)) != NULL)
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                r = cp_entry(cp, s, de->d_name, d, de->d_name);
        closedir(dir);
        if (r == 0 && cp->archive)
            fchown(d, st.st_uid, st.st_gid);
        if (r == 0)
            fchmod(d, st.st_mode & 07777);
        return r;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
        if (n < 0)
            return rbox_error(cp->err, errno, "reading the link %s", name);
        target[n] = '\0';
        unlinkat(ddir, dname, 0);
        if (symlinkat(target, ddir, dname) < 0)
            return rbox_error(cp->err, errno, "creating the link %s", dname);
        if (cp->archive)
            fchownat(ddir, dname, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return rbox_error(cp->err, 0, "%s is not a file, directory or link", name);
    _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return rbox_error(cp->err, errno, "opening %s", name);
    /* never write through a link at the destination: replace it */
    struct stat dst;
    if (fstatat(ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(dst.st_mode))
        unlinkat(ddir, dname, S_ISDIR(dst.st_mode) ? AT_REMOVEDIR : 0);
    _cleanup_close_ int out = openat(
        ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0)
        return rbox_error(cp->err, errno, "creating %s", dname);
    char *buf = xmalloc(1 << 16);
    ssize_t n;
    while (r == 0 && (n = read(in, buf, 1 << 16)) > 0)
        if (write_all(out, buf, (size_t)n) < 0)
            r = rbox_error(cp->err, errno, "writing %s", dname);
    free(buf);
    if (r == 0 && cp->archive)
        fchown(out, st.st_uid, st.st_gid);
    if (r == 0)
        fchmod(out, st.st_mode & 07777);
    return r;
}

/* The parent of path opened as a dir (in root when rootfd >= 0), and its last component. */
static int open_parent(int rootfd, const char *path, char **base, rbox_err **err)
{
    _cleanup_free_ char *clean = xstrdup(path);
    size_t len = strlen(clean);
    while (len > 1 && clean[len - 1] == '/')
        clean[--len] = '\0';
    char *slash = strrchr(clean, '/');
    const char *b = slash ? slash + 1 : clean;
    _cleanup_free_ char *parent =
        slash ? xstrndup(clean, slash == clean ? 1 : (size_t)(slash - clean)) : xstrdup(".");
    if (*b == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        b = ".";
    int fd = rootfd >= 0 ? open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY, 0)
                         : open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "%s", parent);
    *base = xstrdup(b);
    return fd;
}

/* src (in sroot, or on the host with -1) to dst (in droot, or on the host). */
static int cp_paths(struct cp *cp, int sroot, const char *src, int droot, const char *dst)
{
    _cleanup_free_ char *sbase = NULL, *dbase = NULL;
    _cleanup_close_ int sp = open_parent(sroot, src, &sbase, cp->err);
    if (sp < 0)
        return rbox_error_prefix(cp->err, "no such source %s", src);
    bool contents = strcmp(sbase, ".") == 0; /* "dir/." : what is in dir */
    if (contents) {
        close(sp);
        sp = sroot >= 0 ? open_in_root(sroot, src, O_RDONLY | O_DIRECTORY, 0)
                        : open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sp < 0)
            return rbox_error(cp->err, errno, "no such source %s", src);
    }
    struct stat st;
    if (fstatat(sp, contents ? "." : sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return rbox_error(cp->err, errno, "no such source %s", src);
    /* the destination: into an existing dir under the source's name, else as its name */
    _cleanup_close_ int dd = droot >= 0 ? open_in_root(droot, dst, O_RDONLY | O_DIRECTORY, 0)
                                        : open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *name;
    if (dd >= 0) {
        name = contents ? "." : sbase;
    } else {
        dd = open_parent(droot, dst, &dbase, cp->err);
        if (dd < 0)
            return rbox_error_prefix(cp->err, "the destination's directory");
        name = dbase;
    }
    return cp_entry(cp, sp, contents ? "." : sbase, dd, name);
}

int cmd_cp(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "archive", 'a', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .cmd = "rbox cp", .interspersed = true };
    rbox_err *err = NULL;
    bool f[2] = { false };
    int r = margs_bools(&p, opts, f, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 2, 2, "a SRC_PATH and a DEST_PATH", &err);
    const char *src = r == 0 ? margs_at(&p, 0) : NULL, *dst = r == 0 ? margs_at(&p, 1) : NULL;
    const char *sc = src ? strchr(src, ':') : NULL, *dc = dst ? strchr(dst, ':') : NULL;
    if (sc && src[0] == '/')
        sc = NULL; /* an absolute host path with a ':' */
    if (dc && dst[0] == '/')
        dc = NULL;
    if (r == 0 && (sc != NULL) == (dc != NULL))
        r = rbox_error(&err, 0,
                       "rbox cp: exactly one of SRC_PATH and DEST_PATH must be CONTAINER:PATH");
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(cp_usage) : cmd_fail(err);
    }
    const char *spec = sc ? src : dst, *colon = sc ? sc : dc;
    _cleanup_free_ char *name = xstrndup(spec, (size_t)(colon - spec));
    _cleanup_free_ char *cpath = xasprintf("%s%s", colon[1] == '/' ? "" : "/", colon + 1);
    char id[ID_LEN + 1];
    struct ctr_spec sp = { 0 };
    struct image img = { 0 };
    r = load_ctr(c, name, id, &sp, &img, &err);
    struct ctr_root cr = { .lock = -1 };
    if (r == 0)
        r = root_begin(c, id, &img, &cr, &err);
    if (r == 0) {
        _cleanup_close_ int root = open(cr.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct cp cp = { .archive = f[1], .err = &err };
        if (root < 0)
            r = rbox_error(&err, errno, "opening %s", cr.path);
        else if (sc)
            r = cp_paths(&cp, root, cpath, -1, dst);
        else
            r = cp_paths(&cp, -1, src, root, cpath);
        root_end(c, id, &cr);
    }
    margs_free(&p);
    spec_clear(&sp);
    image_clear(&img);
    return r < 0 ? cmd_fail(err) : 0;
}
