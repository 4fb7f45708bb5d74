/* layer.c - layers: unpacking a layer tar once (whiteouts made overlay's), the short l/ links,
 * and the overlay mount of an image's layers. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "path.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WH_OPQ ".wh..wh..opq"

struct archive *raw_reader(int fd, rbox_err **err)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_raw(a);
    struct archive_entry *e;
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        rbox_error(err, 0, "%s", archive_error_string(a) ? archive_error_string(a) : "empty");
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* The decompressed stream, hashed as the tar reader pulls it (the diff ID in one pass). */
struct src {
    struct archive *raw;
    struct sha256_ctx md;
    char buf[65536];
    char errmsg[256];
};

static la_ssize_t src_read(struct archive *a, void *ud, const void **buf)
{
    (void)a;
    struct src *s = ud;
    la_ssize_t n = archive_read_data(s->raw, s->buf, sizeof(s->buf));
    if (n < 0) {
        ctr_copy(s->errmsg, sizeof(s->errmsg), archive_error_string(s->raw));
        return -1;
    }
    if (n > 0)
        sha256_update(&s->md, (size_t)n, (const uint8_t *)s->buf);
    *buf = s->buf;
    return n;
}

/* "/a/b", "./a/b" -> "a/b"; "", ".", "./" -> NULL (the root itself). */
static const char *rel_entry_path(const char *p)
{
    for (;;) {
        if (p[0] == '/')
            p++;
        else if (p[0] == '.' && p[1] == '/')
            p += 2;
        else
            break;
    }
    return *p == '\0' || strcmp(p, ".") == 0 ? NULL : p;
}

static int copy_data(struct archive *in, struct archive *out)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    for (;;) {
        int r = archive_read_data_block(in, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            return ARCHIVE_OK;
        if (r < ARCHIVE_WARN)
            return r;
        if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
            return ARCHIVE_FATAL;
    }
}

/* .wh.NAME -> a 0/0 char device NAME; .wh..wh..opq -> the dir is opaque. */
static int whiteout(int dirfd, const char *path, rbox_err **err)
{
    _cleanup_free_ char *parent = path_dirname(path);
    const char *base = path_basename(path);
    _cleanup_close_ int pfd = -1;
    if (strcmp(parent, ".") == 0 || parent[0] == '\0') {
        pfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        _cleanup_close_ int opath = mkdir_all_in_root(dirfd, parent, 0755, err);
        if (opath < 0)
            return -1;
        pfd = open_in_root(dirfd, parent, O_RDONLY | O_DIRECTORY, 0);
    }
    if (pfd < 0)
        return rbox_error(err, errno, "opening %s", parent);
    if (strcmp(base, WH_OPQ) == 0) {
        if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
            return rbox_error(err, errno, "marking %s opaque", parent);
        return 0;
    }
    const char *name = base + 4;
    if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return rbox_error(err, 0, "bad whiteout %s", path);
    unlinkat(pfd, name, 0);
    if (mknodat(pfd, name, S_IFCHR | 0600, makedev(0, 0)) < 0)
        return rbox_error(err, errno, "making the whiteout of %s/%s", parent, name);
    return 0;
}

static int extract_entries(struct archive *tar, struct archive *disk, int dirfd, uint64_t *size,
                           rbox_err **err)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *path = rel_entry_path(archive_entry_pathname(e));
        if (path == NULL)
            continue;
        _cleanup_free_ char *own = xstrdup(path);
        size_t len = strlen(own);
        while (len > 1 && own[len - 1] == '/')
            own[--len] = '\0';
        if (str_has_prefix(path_basename(own), ".wh.")) {
            if (whiteout(dirfd, own, err) < 0)
                return -1;
            continue;
        }
        archive_entry_set_pathname(e, own);
        const char *link = archive_entry_hardlink(e);
        if (link) {
            const char *rl = rel_entry_path(link);
            _cleanup_free_ char *ownl = xstrdup(rl ? rl : ".");
            archive_entry_set_hardlink(e, ownl);
        }
        if (archive_write_header(disk, e) < ARCHIVE_WARN)
            return rbox_error(err, 0, "extracting %s: %s", own, archive_error_string(disk));
        if (archive_entry_size(e) > 0 && copy_data(tar, disk) != ARCHIVE_OK)
            return rbox_error(err, 0, "extracting %s: %s", own,
                              archive_error_string(disk) ? archive_error_string(disk)
                                                         : archive_error_string(tar));
        if (archive_write_finish_entry(disk) < ARCHIVE_WARN)
            return rbox_error(err, 0, "extracting %s: %s", own, archive_error_string(disk));
        if (archive_entry_filetype(e) == AE_IFREG)
            *size += (uint64_t)archive_entry_size(e);
    }
    if (r != ARCHIVE_EOF)
        return rbox_error(err, 0, "%s", archive_error_string(tar));
    return 0;
}

int layer_unpack(int fd, int dirfd, char diff_hex[ID_LEN + 1], uint64_t *usize, rbox_err **err)
{
    *usize = 0;
    struct src *s = xzalloc(sizeof(*s));
    sha256_init(&s->md);
    s->raw = raw_reader(fd, err);
    if (s->raw == NULL) {
        free(s);
        return -1;
    }
    struct archive *tar = archive_read_new();
    archive_read_support_format_tar(tar);
    archive_read_support_format_gnutar(tar);
    struct archive *disk = archive_write_disk_new();
    archive_write_disk_set_options(
        disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
                  ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                  ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
    int ret = -1;
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (archive_read_open(tar, s, NULL, src_read, NULL) != ARCHIVE_OK) {
        rbox_error(err, 0, "not a tar archive: %s",
                   s->errmsg[0] ? s->errmsg : archive_error_string(tar));
    } else if (fchdir(dirfd) < 0) {
        rbox_error(err, errno, "entering the layer directory");
    } else if (extract_entries(tar, disk, dirfd, usize, err) == 0) {
        /* hash what follows the end-of-archive blocks too: the whole stream */
        la_ssize_t n;
        while ((n = archive_read_data(s->raw, s->buf, sizeof(s->buf))) > 0)
            sha256_update(&s->md, (size_t)n, (const uint8_t *)s->buf);
        if (n < 0) {
            rbox_error(err, 0, "%s", archive_error_string(s->raw));
        } else {
            sha_hex(&s->md, diff_hex);
            ret = 0;
        }
    }
    if (ret < 0 && s->errmsg[0])
        rbox_error_prefix(err, "%s", s->errmsg);
    /* libarchive sets directories' modes and times (1777 /tmp, ...) at close, by relative
     * path: while still in the layer directory, not back in our cwd */
    if (archive_write_close(disk) != ARCHIVE_OK && ret == 0)
        ret = rbox_error(err, 0, "extracting the layer: %s", archive_error_string(disk));
    if (cwd >= 0) {
        (void)fchdir(cwd);
        close(cwd);
    }
    archive_write_free(disk);
    archive_read_free(tar);
    archive_read_free(s->raw);
    free(s);
    return ret;
}

bool layer_present(const struct store *s, const char *diff_id)
{
    const char *h = digest_hex(diff_id);
    if (h == NULL)
        return false;
    _cleanup_free_ char *rel = xasprintf("images/layers/%s/diff", h);
    return faccessat(s->root_fd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int layer_install(struct store *s, const char *rel, const char *diff_id, rbox_err **err)
{
    const char *h = digest_hex(diff_id);
    if (h == NULL)
        return rbox_error(err, 0, "invalid diff ID \"%s\"", diff_id);
    if (store_dirs(s, err) < 0)
        return -1;
    _cleanup_free_ char *final = xasprintf("images/layers/%s", h);
    _cleanup_free_ char *link = xasprintf("images/l/%.*s", LINK_LEN, h);
    _cleanup_free_ char *target = xasprintf("../layers/%s/diff", h);
    /* the link first: dangling until the rename, never a layer without its link */
    if (symlinkat(target, s->root_fd, link) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "linking layer %.12s", h);
    if (layer_present(s, diff_id)) {
        rm_rf_at(s->root_fd, rel);
        return 0;
    }
    rm_rf_at(s->root_fd, final); /* a dir without diff/: debris */
    if (renameat(s->root_fd, rel, s->root_fd, final) < 0)
        return rbox_error(err, errno, "installing layer %.12s", h);
    return 0;
}

int layer_remove(struct store *s, const char *hex)
{
    _cleanup_free_ char *rel = xasprintf("images/layers/%s", hex);
    _cleanup_free_ char *link = xasprintf("images/l/%.*s", LINK_LEN, hex);
    char rnd[ID_LEN + 1];
    id_generate(rnd);
    _cleanup_free_ char *trash = xasprintf("images/tmp/rm-%.16s", rnd);
    /* rename first: a half-removed tree is never taken for a layer */
    if (renameat(s->root_fd, rel, s->root_fd, trash) < 0)
        return -1;
    unlinkat(s->root_fd, link, 0);
    return rm_rf_at(s->root_fd, trash);
}

char *image_lower_dirs(const struct store *s, const struct image *img)
{
    size_t cap = 1;
    for (size_t i = 0; i < img->n_layers; i++)
        cap += strlen(s->root) + 32 + ID_LEN;
    char *out = xzalloc(cap);
    for (size_t i = img->n_layers; i-- > 0;) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s/images/layers/%s/diff", len ? ":" : "", s->root,
                 img->layers[i].diff_id + 7);
    }
    return out;
}

/* "l/<link>:l/<link>..." top first, relative to <root>/images */
/* Layer i appears again higher up (two RUN steps that changed nothing, for one): overlayfs
 * refuses a lowerdir listed twice (ELOOP), and the higher copy decides every path the lower one
 * holds, so the lower one is left out. */
static bool shadowed(const struct image *img, size_t i)
{
    for (size_t j = i + 1; j < img->n_layers; j++)
        if (strcmp(img->layers[j].diff_id, img->layers[i].diff_id) == 0)
            return true;
    return false;
}

static char *short_lowers(const struct image *img)
{
    char *out = xzalloc(img->n_layers * (LINK_LEN + 3) + 1);
    for (size_t i = img->n_layers; i-- > 0;) {
        if (shadowed(img, i))
            continue;
        if (out[0])
            strcat(out, ":");
        strcat(out, "l/");
        strncat(out, img->layers[i].diff_id + 7, LINK_LEN);
    }
    return out;
}

/* mount(2) in a child that chdir'd to <root>/images: lowerdirs relative to it, so the option
 * string stays short; the child shares our mount namespace. */
static int mount_in_images(const struct store *s, const char *target, const char *opts,
                           rbox_err **err)
{
    _cleanup_close_ int dfd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return rbox_error(err, errno, "opening %s/images", s->root);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return rbox_error(err, errno, "fork");
    }
    if (pid == 0) {
        int e = 0;
        if (fchdir(dfd) < 0 || mount("overlay", target, "overlay", 0, opts) < 0)
            e = errno;
        (void)write(p[1], &e, sizeof(e));
        _exit(e ? 1 : 0);
    }
    close(p[1]);
    int e = EIO;
    ssize_t n;
    while ((n = read(p[0], &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != sizeof(e))
        e = EIO;
    if (e)
        return rbox_error(err, e, "mounting the overlay on %s", target);
    return 0;
}

static int mount_overlay(const struct store *s, const struct image *img, const char *upper,
                         const char *work, const char *target, bool vol, rbox_err **err);

int image_mount_overlay(const struct store *s, const struct image *img, const char *upper,
                        const char *work, const char *target, rbox_err **err)
{
    return mount_overlay(s, img, upper, work, target, false, err);
}

/* overlayfs's "volatile" (Linux 5.10): no sync of the upper filesystem, above all none at
 * unmount, where a normal overlay syncs the whole filesystem under upperdir (0.3 ms on an
 * idle disk, several ms while others write to it). For --rm containers, whose upper layer is
 * removed with them (podman does the same): a crash leaves a directory rbox removes anyway. A
 * kernel without it refuses the option; then the mount is made without it. */
int image_mount_overlay_volatile(const struct store *s, const struct image *img, const char *upper,
                                 const char *work, const char *target, rbox_err **err)
{
    if (mount_overlay(s, img, upper, work, target, true, NULL) == 0)
        return 0;
    return mount_overlay(s, img, upper, work, target, false, err);
}

static int mount_overlay(const struct store *s, const struct image *img, const char *upper,
                         const char *work, const char *target, bool vol, rbox_err **err)
{
    const char *vopt = vol && upper ? ",volatile" : "";
    if (img->n_layers == 0)
        return rbox_error(err, 0, "image %.12s has no layers", img->id);
    if (upper && (strpbrk(upper, ",:") || strpbrk(work, ",:")))
        return rbox_error(err, 0, "store path %s contains ',' or ':'", upper);
    for (size_t i = 0; i < img->n_layers; i++)
        if (!layer_present(s, img->layers[i].diff_id))
            return rbox_error(err, 0, "layer %s of image %.12s is missing from the store",
                              img->layers[i].diff_id, img->id);
    _cleanup_free_ char *lowers = short_lowers(img);
    _cleanup_free_ char *opts =
        upper ? xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s", lowers, upper, work, vopt)
              : xasprintf("lowerdir=%s", lowers);
    if (strlen(opts) >= 4096)
        return rbox_error(err, 0, "image %.12s has too many layers (%zu) for one overlay mount",
                          img->id, img->n_layers);
    /* links lost to a crash are made again */
    for (size_t i = 0; i < img->n_layers; i++) {
        const char *h = img->layers[i].diff_id + 7;
        _cleanup_free_ char *link = xasprintf("images/l/%.*s", LINK_LEN, h);
        _cleanup_free_ char *tgt = xasprintf("../layers/%s/diff", h);
        if (symlinkat(tgt, s->root_fd, link) < 0 && errno != EEXIST)
            return rbox_error(err, errno, "linking layer %.12s", h);
    }
    int fuse = ovl_driver_fuse(s, err);
    if (fuse < 0)
        return -1;
    if (fuse)
        return ovl_fuse_mount(s, target, opts, err);
    /* absolute l/ paths when they fit the page (no child to fork), else relative ones */
    size_t abs_len = strlen(opts) + img->n_layers * (strlen(s->root) + 8) + 1;
    if (abs_len <= 4096 && !strpbrk(s->root, ",:")) {
        _cleanup_free_ char *a = xzalloc(abs_len);
        for (size_t i = img->n_layers; i-- > 0;) {
            if (shadowed(img, i))
                continue;
            size_t len = strlen(a);
            snprintf(a + len, abs_len - len, "%s%s/images/l/%.*s", len ? ":" : "", s->root,
                     LINK_LEN, img->layers[i].diff_id + 7);
        }
        _cleanup_free_ char *aopts =
            upper ? xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s", a, upper, work, vopt)
                  : xasprintf("lowerdir=%s", a);
        if (mount("overlay", target, "overlay", 0, aopts) < 0)
            return rbox_error(err, errno, "mounting the overlay on %s", target);
        return 0;
    }
    return mount_in_images(s, target, opts, err);
}

/* The layer (index, top first searched) holding etc/<file>: -1 when no layer has it, -2 when
 * links, whiteouts or opaque dirs make the answer the merged tree's to give. */
static int layer_with(const struct store *s, const struct image *img, const char *file)
{
    for (size_t i = img->n_layers; i-- > 0;) {
        _cleanup_free_ char *rel = xasprintf("images/layers/%s/diff", img->layers[i].diff_id + 7);
        _cleanup_close_ int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return -2;
        struct stat st;
        if (fstatat(fd, "etc", &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISDIR(st.st_mode))
            return -2;
        _cleanup_close_ int etc =
            openat(fd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (etc >= 0 && fstatat(etc, file, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            return S_ISREG(st.st_mode) ? (int)i : -2;
        }
        char v[2];
        if (etc >= 0 && fgetxattr(etc, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y')
            return -2;
    }
    return -1;
}

static int open_layer(const struct store *s, const struct image *img, size_t i, rbox_err **err)
{
    _cleanup_free_ char *rel = xasprintf("images/layers/%s/diff", img->layers[i].diff_id + 7);
    int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "opening the image's layer %s/%s", s->root, rel);
    return fd;
}

int image_root_open(struct store *s, const struct image *img, rbox_err **err)
{
    if (img->n_layers == 0)
        return rbox_error(err, 0, "image %.12s has no layers", img->id);
    if (img->n_layers == 1)
        return open_layer(s, img, 0, err);
    /* the look-ups read /etc/passwd and /etc/group: one layer holding both (or the one
     * holding either) answers as the merged tree would, without a mount */
    int p = layer_with(s, img, "passwd"), g = layer_with(s, img, "group");
    if (p != -2 && g != -2 && (p == g || p == -1 || g == -1))
        return open_layer(s, img, p >= 0 ? (size_t)p : g >= 0 ? (size_t)g : img->n_layers - 1, err);
    /* a read-only overlay, lazily unmounted at once: the fd keeps the tree */
    char rnd[ID_LEN + 1];
    id_generate(rnd);
    _cleanup_free_ char *mnt = xasprintf("%s/image-view-%.16s", s->runroot, rnd);
    if (mkdir(mnt, 0700) < 0)
        return rbox_error(err, errno, "creating %s", mnt);
    int r = image_mount_overlay(s, img, NULL, NULL, mnt, err);
    int fd = -1;
    if (r == 0) {
        fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            rbox_error(err, errno, "opening %s", mnt);
        umount2(mnt, MNT_DETACH);
    }
    rmdir(mnt);
    return fd;
}
