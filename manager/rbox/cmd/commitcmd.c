/* commitcmd.c - rbox commit, diff and export: a container's changes as an image, a list, a tar. */
#define _GNU_SOURCE
#include "ctr.h"
#include "image.h"
#include "mcli.h"
#include "rtclient.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    "                      LABEL K=V, STOPSIGNAL SIG, USER U, WORKDIR DIR\n";

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

/* The merged tree: the running container's mount, else a mount made for the export. */
static int export_ctr(struct cmd_ctx *c, const char *id, const struct image *img, int out,
                      rbox_err **err)
{
    int lock = ctr_lock(c->s, id, err);
    if (lock < 0)
        return -1;
    struct ctr_state st;
    int r = ctr_read(c->s, id, &st, err);
    bool running = r == 0 && (st.status == CS_RUNNING || st.status == CS_PAUSED);
    if (r == 0 && !running)
        r = overlay_mount(c->s, id, img, err);
    _cleanup_free_ char *root = ctr_run_path(c->s, id, "rootfs");
    if (r == 0)
        r = image_export_tree(root, out, err);
    if (!running)
        overlay_umount(c->s, id, NULL);
    close(lock);
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
