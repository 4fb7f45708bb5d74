/* copy.c - COPY and ADD for rbox build (build.h): sources resolved inside their root (the
 * context or an image, never outside it), .dockerignore, the content hash for the cache,
 * docker's destination rules, ADD's tar extraction. */
#define _GNU_SOURCE
#include "build.h"
#include "image_internal.h"
#include "path.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- .dockerignore ---- */

char **build_ignore_load(int ctxfd)
{
    char *text = NULL;
    size_t len;
    if (read_file_at(ctxfd, ".containerignore", &text, &len) < 0 &&
        read_file_at(ctxfd, ".dockerignore", &text, &len) < 0)
        return NULL;
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        while (*l == ' ' || *l == '\t')
            l++;
        size_t e = strlen(l);
        while (e && (l[e - 1] == ' ' || l[e - 1] == '\t' || l[e - 1] == '\r'))
            l[--e] = '\0';
        if (!*l || *l == '#')
            continue;
        bool neg = *l == '!';
        const char *p = neg ? l + 1 : l;
        while (*p == '/')
            p++;
        _cleanup_free_ char *clean = path_clean(*p ? p : ".");
        strv_push(&v, &n, xasprintf("%s%s", neg ? "!" : "", clean[1] ? clean + 1 : "."));
    }
    free(text);
    return v;
}

/* pattern matches rel or one of its parent dirs ("**" matches any number of dirs) */
static bool pat_match(const char *pat, const char *rel)
{
    _cleanup_free_ char *path = xstrdup(rel);
    for (;;) {
        if (fnmatch(pat, path, FNM_PATHNAME | FNM_PERIOD) == 0)
            return true;
        if (strstr(pat, "**")) {
            /* "**" as "*" without FNM_PATHNAME; a leading double star and slash may match
             * no directory at all */
            if (fnmatch(pat, path, 0) == 0 ||
                (str_has_prefix(pat, "**/") && fnmatch(pat + 3, path, 0) == 0))
                return true;
        }
        char *slash = strrchr(path, '/');
        if (!slash)
            return false;
        *slash = '\0';
    }
}

bool build_ignored(char *const *patterns, const char *rel)
{
    bool ign = false;
    for (size_t i = 0; patterns && patterns[i]; i++) {
        const char *p = patterns[i];
        bool neg = *p == '!';
        if (pat_match(neg ? p + 1 : p, rel))
            ign = !neg;
    }
    return ign;
}

/* ---- sources ---- */

static bool has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* The sources as paths relative to the root, wildcards (in the last component) expanded. */
static int expand_sources(const struct copy_src *src, char *const *srcs, char ***out,
                          rbox_err **err)
{
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; srcs[i]; i++) {
        /* relative to the root, never above it ("../x" is "x", as docker) */
        _cleanup_free_ char *abs = path_clean(srcs[i]);
        _cleanup_free_ char *c = xstrdup(abs[1] ? abs + 1 : ".");
        if (!has_glob(c)) {
            if (strcmp(c, ".") != 0 && build_ignored(src->ignore, c)) {
                strv_free(v);
                return rbox_error(err, 0, "%s: excluded by .dockerignore / .containerignore",
                                  srcs[i]);
            }
            strv_push(&v, &n, steal_pointer(&c));
            continue;
        }
        _cleanup_free_ char *dir = path_dirname(c);
        const char *base = path_basename(c);
        int dfd = open_in_root(src->rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
            if (dfd >= 0)
                close(dfd);
            continue;
        }
        struct dirent *de;
        size_t before = n;
        while ((de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                fnmatch(base, de->d_name, FNM_PERIOD) == 0) {
                char *rel = strcmp(dir, ".") == 0 ? xstrdup(de->d_name)
                                                  : xasprintf("%s/%s", dir, de->d_name);
                if (build_ignored(src->ignore, rel))
                    free(rel);
                else
                    strv_push(&v, &n, rel);
            }
        closedir(d);
        if (n == before) {
            strv_free(v);
            return rbox_error(err, 0, "no source files were specified: %s matches nothing",
                              srcs[i]);
        }
    }
    *out = v;
    return 0;
}

/* ---- hash ---- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walk {
    const struct copy_src *src;
    struct sha256_ctx md;
    rbox_err **err;
};

static int hash_entry(struct walk *w, int dfd0, const char *name, const char *rel)
{
    struct stat st;
    if (fstatat(dfd0, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return rbox_error(w->err, errno, "%s", rel);
    char head[PATH_MAX + 64];
    int hl = snprintf(head, sizeof(head), "%s\n%o %lld\n", rel, (unsigned)st.st_mode,
                      (long long)(S_ISREG(st.st_mode) ? st.st_size : 0));
    sha256_update(&w->md, (size_t)hl, (const uint8_t *)head);
    if (S_ISLNK(st.st_mode)) {
        char t[PATH_MAX];
        ssize_t n = readlinkat(dfd0, name, t, sizeof(t));
        if (n > 0)
            sha256_update(&w->md, (size_t)n, (const uint8_t *)t);
        return 0;
    }
    if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int fd = openat(dfd0, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char hex[ID_LEN + 1];
        uint64_t size;
        if (fd < 0 || sha256_fd(fd, hex, &size) < 0)
            return rbox_error(w->err, errno, "reading %s", rel);
        sha256_update(&w->md, ID_LEN, (const uint8_t *)hex);
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return 0;
    int dfd = openat(dfd0, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return rbox_error(w->err, errno, "reading %s", rel);
    }
    char **names = xcalloc(1, sizeof(char *));
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            strv_push(&names, &n, xstrdup(de->d_name));
    qsort(names, n, sizeof(char *), cmp_name);
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        _cleanup_free_ char *sub =
            strcmp(rel, ".") == 0 ? xstrdup(names[i]) : xasprintf("%s/%s", rel, names[i]);
        if (!build_ignored(w->src->ignore, sub))
            r = hash_entry(w, dirfd(d), names[i], sub);
    }
    strv_free(names);
    closedir(d);
    return r;
}

int build_copy_hash(const struct copy_src *src, char *const *srcs, char hex[ID_LEN + 1],
                    rbox_err **err)
{
    _cleanup_strv_ char **v = NULL;
    if (expand_sources(src, srcs, &v, err) < 0)
        return -1;
    struct walk w = { .src = src, .err = err };
    sha256_init(&w.md);
    for (char **p = v; *p; p++) {
        _cleanup_free_ char *dir = path_dirname(*p);
        _cleanup_close_ int dfd = open_in_root(src->rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
        if (dfd < 0)
            return rbox_error(err, errno, "%s: no such file or directory in the context", *p);
        if (hash_entry(&w, dfd, strcmp(*p, ".") == 0 ? "." : path_basename(*p), *p) < 0)
            return rbox_error_prefix(err, "%s", *p);
    }
    sha_hex(&w.md, hex);
    return 0;
}

/* ---- copy ---- */

struct cp {
    const struct copy_src *src;
    long uid, gid, mode;
    rbox_err **err;
};

static void set_owner_mode(struct cp *cp, int fd, const struct stat *st)
{
    if (fchown(fd, cp->uid < 0 ? 0 : (uid_t)cp->uid, cp->gid < 0 ? 0 : (gid_t)cp->gid) < 0) {
        /* an image root we own: cannot fail but on a read-only copy */
    }
    fchmod(fd, cp->mode >= 0 ? (mode_t)cp->mode : st->st_mode & 07777);
}

/* Copy sdir/name (rel in the source root, for .dockerignore) to ddir/dname. */
static int cp_entry(struct cp *cp, int sdir, const char *name, const char *rel, int ddir,
                    const char *dname)
{
    struct stat st;
    if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return rbox_error(cp->err, errno, "reading %s", rel);
    struct stat dst;
    bool exists = fstatat(ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0;
    if (S_ISDIR(st.st_mode)) {
        if (exists && !S_ISDIR(dst.st_mode) && unlinkat(ddir, dname, 0) < 0)
            return rbox_error(cp->err, errno, "replacing %s", dname);
        if ((!exists || !S_ISDIR(dst.st_mode)) && mkdirat(ddir, dname, 0755) < 0)
            return rbox_error(cp->err, errno, "creating %s", dname);
        _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d =
            openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return rbox_error(cp->err, errno, "opening %s", s < 0 ? rel : dname);
        int dup = fcntl(s, F_DUPFD_CLOEXEC, 3);
        DIR *dir = dup >= 0 ? fdopendir(dup) : NULL;
        if (dir == NULL) {
            if (dup >= 0)
                close(dup);
            return rbox_error(cp->err, errno, "reading %s", rel);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(dir)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            _cleanup_free_ char *sub =
                strcmp(rel, ".") == 0 ? xstrdup(de->d_name) : xasprintf("%s/%s", rel, de->d_name);
            if (!build_ignored(cp->src->ignore, sub))
                r = cp_entry(cp, s, de->d_name, sub, d, de->d_name);
        }
        closedir(dir);
        /* COPY dir /dst/: the contents are copied; dst keeps its mode (0755 when made) */
        if (r == 0 && strcmp(dname, ".") != 0)
            set_owner_mode(cp, d, &st);
        else if (r == 0 && cp->uid >= 0 && fchown(d, (uid_t)cp->uid, (gid_t)cp->gid) < 0)
            r = rbox_error(cp->err, errno, "chown %s", rel);
        return r;
    }
    if (exists)
        unlinkat(ddir, dname, S_ISDIR(dst.st_mode) ? AT_REMOVEDIR : 0);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
        if (n < 0)
            return rbox_error(cp->err, errno, "reading the link %s", rel);
        target[n] = '\0';
        if (symlinkat(target, ddir, dname) < 0)
            return rbox_error(cp->err, errno, "creating the link %s", dname);
        fchownat(ddir, dname, cp->uid < 0 ? 0 : (uid_t)cp->uid, cp->gid < 0 ? 0 : (gid_t)cp->gid,
                 AT_SYMLINK_NOFOLLOW);
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return rbox_error(cp->err, 0, "%s is not a file, directory or link", rel);
    _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int out =
        in < 0 ? -1
               : openat(ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (in < 0 || out < 0)
        return rbox_error(cp->err, errno, "copying %s", rel);
    char *buf = xmalloc(1 << 16);
    ssize_t n;
    int r = 0;
    while (r == 0 && (n = read(in, buf, 1 << 16)) > 0)
        if (write_all(out, buf, (size_t)n) < 0)
            r = rbox_error(cp->err, errno, "writing %s", dname);
    free(buf);
    if (r == 0)
        set_owner_mode(cp, out, &st);
    return r;
}

/* ADD: is the file a tar archive (compressed or not) libarchive reads? */
static struct archive *open_tar(int fd)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    struct archive_entry *e;
    if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    archive_read_free(a);
    lseek(fd, 0, SEEK_SET);
    a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Extract into ddir: the entries' owners and modes kept, nothing outside ddir. */
static int extract(struct archive *a, int ddir, const char *rel, rbox_err **err)
{
    _cleanup_close_ int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || fchdir(ddir) < 0)
        return rbox_error(err, errno, "entering the destination of %s", rel);
    struct archive *w = archive_write_disk_new();
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                                          ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                          ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
    struct archive_entry *e;
    int r = 0, s;
    while (r == 0 && (s = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        if (archive_write_header(w, e) != ARCHIVE_OK) {
            r = rbox_error(err, 0, "extracting %s: %s", rel, archive_error_string(w));
            break;
        }
        const void *buf;
        size_t len;
        la_int64_t off;
        int d;
        while ((d = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK) {
                d = ARCHIVE_FATAL;
                break;
            }
        if (d != ARCHIVE_EOF)
            r = rbox_error(err, 0, "extracting %s: %s", rel, archive_error_string(a));
        else
            archive_write_finish_entry(w);
    }
    if (r == 0 && s != ARCHIVE_EOF)
        r = rbox_error(err, 0, "reading the archive %s: %s", rel, archive_error_string(a));
    archive_write_free(w);
    if (fchdir(cwd) < 0 && r == 0)
        r = rbox_error(err, errno, "returning to the working directory");
    return r;
}

int build_copy(const struct copy_src *src, char *const *srcs, int dstroot, const char *dst,
               long uid, long gid, long mode, bool extract_tars, rbox_err **err)
{
    _cleanup_strv_ char **v = NULL;
    if (expand_sources(src, srcs, &v, err) < 0)
        return -1;
    size_t n = strv_len(v);
    bool dst_dir = str_has_suffix(dst, "/") || str_has_suffix(dst, "/.");
    _cleanup_free_ char *dclean = path_clean(dst);
    {
        _cleanup_close_ int probe = open_in_root(dstroot, dclean, O_RDONLY | O_DIRECTORY, 0);
        dst_dir = dst_dir || probe >= 0 || strcmp(dclean, "/") == 0;
    }
    bool wild = false;
    for (size_t i = 0; srcs[i]; i++)
        wild = wild || has_glob(srcs[i]);
    if ((n > 1 || wild) && !dst_dir)
        return rbox_error(err, 0,
                          "with more than one source, the destination %s must be a "
                          "directory and end with a /",
                          dst);
    struct cp cp = { .src = src, .uid = uid, .gid = gid, .mode = mode, .err = err };
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *sdirp = path_dirname(v[i]);
        const char *sname = strcmp(v[i], ".") == 0 ? "." : path_basename(v[i]);
        _cleanup_close_ int sdir = open_in_root(src->rootfd, sdirp, O_RDONLY | O_DIRECTORY, 0);
        struct stat st;
        if (sdir < 0 || fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return rbox_error(err, errno, "%s: no such file or directory", v[i]);
        /* the directory that receives it, and the name in it */
        bool into = S_ISDIR(st.st_mode) || dst_dir;
        _cleanup_free_ char *ddirp = into ? xstrdup(dclean) : path_dirname(dclean);
        int mk = mkdir_all_in_root(dstroot, ddirp, 0755, err);
        if (mk < 0)
            return rbox_error_prefix(err, "creating %s", ddirp);
        close(mk);
        _cleanup_close_ int ddir = open_in_root(dstroot, ddirp, O_RDONLY | O_DIRECTORY, 0);
        if (ddir < 0)
            return rbox_error(err, errno, "opening %s", ddirp);
        int r;
        struct archive *a = NULL;
        _cleanup_close_ int afd = -1;
        if (extract_tars && S_ISREG(st.st_mode) &&
            (afd = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
            (a = open_tar(afd)) != NULL) {
            r = extract(a, ddir, v[i], err);
            archive_read_free(a);
        } else if (S_ISDIR(st.st_mode))
            r = cp_entry(&cp, sdir, sname, v[i], ddir, ".");
        else
            r = cp_entry(&cp, sdir, sname, v[i], ddir,
                         into ? path_basename(v[i]) : path_basename(dclean));
        if (r < 0)
            return -1;
    }
    return 0;
}
