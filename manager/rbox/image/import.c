/* import.c - importing rootfs tarballs (libarchive) and the built-in busybox image. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha_final(struct sha256_ctx *md, char id[ID_LEN + 1])
{
    unsigned char d[SHA256_DIGEST_SIZE];
    sha256_digest(md, sizeof(d), d);
    hex(d, sizeof(d), id);
}

/* A fresh images/.tmp-<random> dir with rootfs/ in it; returns its relative path. */
static char *make_tmp(struct store *s, rbox_err **err)
{
    char rnd[ID_LEN + 1];
    id_generate(rnd);
    if (mkdirat(s->root_fd, "images", 0700) < 0 && errno != EEXIST) {
        rbox_error(err, errno, "creating %s/images", s->root);
        return NULL;
    }
    char *rel = xasprintf("images/.tmp-%.16s", rnd);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", rel);
    if (mkdirat(s->root_fd, rel, 0700) < 0 || mkdirat(s->root_fd, rootfs, 0755) < 0) {
        rbox_error(err, errno, "creating %s/%s", s->root, rel);
        free(rel);
        return NULL;
    }
    return rel;
}

/* Move a finished tree into place and tag it. Needs the store lock. */
static int install(struct store *s, const char *tmp, const char *id, uint64_t size,
                   const char *source, const char *const *cmd, const char *tag, rbox_err **err)
{
    _cleanup_free_ char *final = xasprintf("images/%s", id);
    struct stat st;
    if (fstatat(s->root_fd, final, &st, 0) == 0) {
        rm_rf_at(s->root_fd, tmp); /* same content: unpacked once */
    } else {
        json_w w;
        jw_init(&w, true);
        jw_obj_open(&w);
        jw_kstr(&w, "id", id);
        jw_kint(&w, "created", now_ns_realtime());
        jw_kuint(&w, "size", size);
        jw_kstr(&w, "source", source);
        jw_key(&w, "cmd");
        if (cmd) {
            jw_arr_open(&w);
            for (size_t i = 0; cmd[i]; i++)
                jw_str(&w, cmd[i]);
            jw_arr_close(&w);
        } else {
            jw_null(&w);
        }
        jw_obj_close(&w);
        size_t len;
        const char *text = jw_text(&w, &len);
        _cleanup_free_ char *meta = xasprintf("%s/image.json", tmp);
        int r = write_file_atomic_at(s->root_fd, meta, text, len, 0644, true);
        jw_free(&w);
        if (r < 0 || renameat(s->root_fd, tmp, s->root_fd, final) < 0) {
            int saved = errno;
            rm_rf_at(s->root_fd, tmp);
            return rbox_error(err, saved, "installing image %.12s", id);
        }
    }
    yajl_val index = NULL;
    if (index_load(s, &index, err) < 0)
        return -1;
    int r = index_set(s, index, tag, id, err);
    yajl_tree_free(index);
    return r;
}

/* The decompressed stream (libarchive "raw" format over every filter), hashed as the tar
 * reader pulls it: one pass gives the contents and the sha256 of the uncompressed tar. */
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

struct progress {
    bool on;
    int fd;
    off_t total;
    uint64_t last_ns;
    const char *file;
};

static void progress_show(struct progress *p, bool final)
{
    if (!p->on)
        return;
    uint64_t now = now_ns_monotonic();
    if (!final && now - p->last_ns < 100000000ull)
        return;
    p->last_ns = now;
    off_t pos = final ? p->total : lseek(p->fd, 0, SEEK_CUR);
    double mib = 1024.0 * 1024.0;
    fprintf(stderr, "\rImporting %s: %.1f MiB / %.1f MiB (%d%%)%s", p->file, (double)pos / mib,
            (double)p->total / mib, p->total ? (int)(pos * 100 / p->total) : 100,
            final ? "\n" : "");
    fflush(stderr);
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

static int extract_entries(struct archive *tar, struct archive *disk, struct progress *p,
                           uint64_t *size, rbox_err **err)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *path = rel_entry_path(archive_entry_pathname(e));
        if (path == NULL)
            continue;
        _cleanup_free_ char *own = xstrdup(path);
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
        progress_show(p, false);
    }
    if (r != ARCHIVE_EOF)
        return rbox_error(err, 0, "%s", archive_error_string(tar));
    return 0;
}

static int extract(int fd, int rootfd, struct progress *p, char id[ID_LEN + 1], uint64_t *size,
                   rbox_err **err)
{
    struct src *s = xzalloc(sizeof(*s));
    sha256_init(&s->md);
    s->raw = archive_read_new();
    archive_read_support_filter_all(s->raw);
    archive_read_support_format_raw(s->raw);
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
    struct archive_entry *e;
    if (archive_read_open_fd(s->raw, fd, 65536) != ARCHIVE_OK ||
        archive_read_next_header(s->raw, &e) != ARCHIVE_OK) {
        rbox_error(err, 0, "%s", archive_error_string(s->raw));
    } else if (archive_read_open(tar, s, NULL, src_read, NULL) != ARCHIVE_OK) {
        rbox_error(err, 0, "not a tar archive: %s",
                   s->errmsg[0] ? s->errmsg : archive_error_string(tar));
    } else if (fchdir(rootfd) < 0) {
        rbox_error(err, errno, "entering the image directory");
    } else if (extract_entries(tar, disk, p, size, err) == 0) {
        /* hash what follows the end-of-archive blocks too: the whole stream */
        la_ssize_t n;
        while ((n = archive_read_data(s->raw, s->buf, sizeof(s->buf))) > 0)
            sha256_update(&s->md, (size_t)n, (const uint8_t *)s->buf);
        sha_final(&s->md, id);
        ret = 0;
    }
    if (ret < 0 && s->errmsg[0])
        rbox_error_prefix(err, "%s", s->errmsg);
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

int image_import(struct store *s, const char *file, const char *ref, bool progress,
                 char id[ID_LEN + 1], rbox_err **err)
{
    _cleanup_free_ char *tag = image_normalize_ref(ref, err);
    if (tag == NULL)
        return -1;
    _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rbox_error(err, errno, "opening %s", file);
    if (!S_ISREG(st.st_mode))
        return rbox_error(err, 0, "%s is not a regular file", file);
    _cleanup_free_ char *tmp = make_tmp(s, err);
    if (tmp == NULL)
        return -1;
    _cleanup_free_ char *rootrel = xasprintf("%s/rootfs", tmp);
    _cleanup_close_ int rootfd = openat(s->root_fd, rootrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct progress p = { .on = progress, .fd = fd, .total = st.st_size, .file = file };
    uint64_t size = 0;
    if (rootfd < 0 || extract(fd, rootfd, &p, id, &size, err) < 0) {
        if (rootfd < 0)
            rbox_error(err, errno, "opening %s/%s", s->root, rootrel);
        rm_rf_at(s->root_fd, tmp);
        return rbox_error_prefix(err, "importing %s", file);
    }
    progress_show(&p, true);
    char *real = realpath(file, NULL);
    bool had_lock = s->lock_fd >= 0;
    int r = store_lock(s, err);
    if (r == 0)
        r = install(s, tmp, id, size, real ? real : file, NULL, tag, err);
    else
        rm_rf_at(s->root_fd, tmp);
    if (!had_lock)
        store_unlock(s);
    free(real);
    return r;
}

/* ---- the built-in busybox image ---- */

#define HOST_BUSYBOX "/bin/busybox"

static const char builtin_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                     "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                     "bin:x:2:2:bin:/bin:/bin/false\n"
                                     "nobody:x:65534:65534:nobody:/home:/bin/false\n"
                                     "user:x:1000:1000:user:/home/user:/bin/sh\n";
static const char builtin_group[] = "root:x:0:\ndaemon:x:1:\nbin:x:2:\ntty:x:5:\nusers:x:100:\n"
                                    "user:x:1000:\nnogroup:x:65534:\n";

/* A static ELF has no PT_INTERP program header. */
static bool elf_is_static(const char *data, size_t len)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64)
        return false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        size_t off = eh->e_phoff + (size_t)i * eh->e_phentsize;
        if (off + sizeof(Elf64_Phdr) > len)
            return false;
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(data + off);
        if (ph->p_type == PT_INTERP)
            return false;
    }
    return true;
}

/* `busybox --list-full`: every applet's path. */
static char *applet_list(rbox_err **err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "pipe"), NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        execl(HOST_BUSYBOX, "busybox", "--list-full", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t cap = 16384, n = 0;
    char *buf = xmalloc(cap);
    ssize_t r;
    while ((r = read(p[0], buf + n, cap - n - 1)) > 0 || (r < 0 && errno == EINTR)) {
        if (r > 0)
            n += (size_t)r;
        if (n + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
    }
    close(p[0]);
    buf[n] = '\0';
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || n == 0) {
        free(buf);
        rbox_error(err, 0, "%s --list-full failed", HOST_BUSYBOX);
        return NULL;
    }
    return buf;
}

static int populate(int rootfd, const char *bin, size_t binlen, char *applets, rbox_err **err)
{
    static const char *const dirs[] = { "bin",       "sbin", "usr",     "usr/bin",
                                        "usr/sbin",  "etc",  "proc",    "sys",
                                        "dev",       "tmp",  "root",    "home",
                                        "home/user", "var",  "var/tmp", "run" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        if (mkdirat(rootfd, dirs[i], 0755) < 0 && errno != EEXIST)
            return rbox_error(err, errno, "creating /%s", dirs[i]);
    fchmodat(rootfd, "tmp", 01777, 0);
    fchmodat(rootfd, "var/tmp", 01777, 0);
    fchmodat(rootfd, "root", 0700, 0);
    fchownat(rootfd, "home/user", 1000, 1000, AT_SYMLINK_NOFOLLOW);
    if (write_file_atomic_at(rootfd, "bin/busybox", bin, binlen, 0755, false) < 0 ||
        fchmodat(rootfd, "bin/busybox", 0755, 0) < 0 ||
        write_file_atomic_at(rootfd, "etc/passwd", builtin_passwd, strlen(builtin_passwd), 0644,
                             false) < 0 ||
        write_file_atomic_at(rootfd, "etc/group", builtin_group, strlen(builtin_group), 0644,
                             false) < 0)
        return rbox_error(err, errno, "writing the busybox image");
    char *save = NULL;
    for (char *a = strtok_r(applets, "\n", &save); a; a = strtok_r(NULL, "\n", &save)) {
        while (*a == '/')
            a++;
        if (*a == '\0' || strcmp(a, "bin/busybox") == 0 || strstr(a, ".."))
            continue;
        if (symlinkat("/bin/busybox", rootfd, a) < 0 && errno != EEXIST)
            return rbox_error(err, errno, "linking applet /%s", a);
    }
    return 0;
}

int builtin_busybox_create(struct store *s, rbox_err **err)
{
    _cleanup_free_ char *bin = NULL;
    size_t binlen = 0;
    if (read_file_at(AT_FDCWD, HOST_BUSYBOX, &bin, &binlen) < 0)
        return rbox_error(err, errno,
                          "the built-in busybox image needs %s (apt-get install busybox-static)",
                          HOST_BUSYBOX);
    if (!elf_is_static(bin, binlen))
        return rbox_error(err, 0,
                          "the built-in busybox image needs a static %s (apt-get install "
                          "busybox-static)",
                          HOST_BUSYBOX);
    _cleanup_free_ char *applets = applet_list(err);
    if (applets == NULL)
        return -1;
    struct sha256_ctx md;
    sha256_init(&md);
    static const char tag[] = "rbox builtin busybox image v1";
    sha256_update(&md, sizeof(tag), (const uint8_t *)tag);
    sha256_update(&md, binlen, (const uint8_t *)bin);
    sha256_update(&md, strlen(applets), (const uint8_t *)applets);
    sha256_update(&md, strlen(builtin_passwd), (const uint8_t *)builtin_passwd);
    sha256_update(&md, strlen(builtin_group), (const uint8_t *)builtin_group);
    char id[ID_LEN + 1];
    sha_final(&md, id);
    _cleanup_free_ char *tmp = make_tmp(s, err);
    if (tmp == NULL)
        return -1;
    _cleanup_free_ char *rootrel = xasprintf("%s/rootfs", tmp);
    _cleanup_close_ int rootfd = openat(s->root_fd, rootrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 || populate(rootfd, bin, binlen, applets, err) < 0) {
        if (rootfd < 0)
            rbox_error(err, errno, "opening %s", rootrel);
        rm_rf_at(s->root_fd, tmp);
        return rbox_error_prefix(err, "building the busybox image");
    }
    static const char *const cmd[] = { "sh", NULL };
    return install(s, tmp, id, binlen, "builtin: " HOST_BUSYBOX, cmd, BUILTIN_BUSYBOX_REF, err);
}
