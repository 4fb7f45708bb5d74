/* import.c - rootfs tarballs and the built-in busybox image as single-layer images. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct progress {
    bool on;
    int fd;
    off_t total;
    uint64_t last_ns;
    const char *file;
};

static void progress_show(struct progress *p, bool final)
{
    if (p == NULL || !p->on)
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

/* The decompressed stream of fd into out (a new uncompressed layer blob), hashed. */
static int copy_layer(int fd, int out, struct progress *p, char hex[ID_LEN + 1], uint64_t *size,
                      rbox_err **err)
{
    struct archive *raw = raw_reader(fd, err);
    if (raw == NULL)
        return -1;
    struct sha256_ctx md;
    sha256_init(&md);
    char *buf = xmalloc(1 << 17);
    la_ssize_t n;
    int r = 0;
    *size = 0;
    while ((n = archive_read_data(raw, buf, 1 << 17)) > 0) {
        sha256_update(&md, (size_t)n, (const uint8_t *)buf);
        if (write_all(out, buf, (size_t)n) < 0) {
            r = rbox_error(err, errno, "writing the layer");
            break;
        }
        *size += (uint64_t)n;
        progress_show(p, false);
    }
    if (r == 0 && n < 0)
        r = rbox_error(err, 0, "%s", archive_error_string(raw));
    free(buf);
    archive_read_free(raw);
    if (r == 0)
        sha_hex(&md, hex);
    return r;
}

/* A tar? And not an image archive (those go to rbox load)? */
static int check_rootfs_tar(int fd, rbox_err **err)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    struct archive_entry *e;
    int r, ret = 0;
    bool manifest = false, layout = false, any = false;
    if (lseek(fd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
        ret = rbox_error(err, 0, "not a tar archive: %s", archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *n = archive_entry_pathname(e);
        while (n[0] == '.' && n[1] == '/')
            n += 2;
        manifest = manifest || strcmp(n, "manifest.json") == 0;
        layout = layout || strcmp(n, "oci-layout") == 0;
        any = true;
    }
    if (r != ARCHIVE_EOF || !any)
        ret = rbox_error(err, 0, "not a tar archive: %s",
                         archive_error_string(a) ? archive_error_string(a) : "no entries");
    else if (manifest || layout)
        ret = rbox_error(err, 0,
                         "this is an image archive (%s), not a root filesystem: use "
                         "'rbox load -i FILE'",
                         layout ? "oci-layout inside" : "manifest.json inside");
out:
    archive_read_free(a);
    return ret;
}

static void jw_desc(json_w *w, const char *k, const char *mt, const char *digest, uint64_t size)
{
    if (k)
        jw_key(w, k);
    jw_obj_open(w);
    jw_kstr(w, "mediaType", mt);
    jw_kstr(w, "digest", digest);
    jw_kuint(w, "size", size);
    jw_obj_close(w);
}

static int put_blob(int lfd, const char *text, size_t len, char digest[DIGEST_LEN + 1],
                    rbox_err **err)
{
    struct sha256_ctx md;
    sha256_init(&md);
    sha256_update(&md, len, (const uint8_t *)text);
    char hex[ID_LEN + 1];
    sha_hex(&md, hex);
    snprintf(digest, DIGEST_LEN + 1, "sha256:%s", hex);
    _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", hex);
    if (write_file_atomic_at(lfd, rel, text, len, 0644, false) < 0)
        return rbox_error(err, errno, "writing blob %s", digest);
    return 0;
}

/* The config, manifest and index of a one-layer image around blobs/sha256/<diff>. */
static int write_layout(int lfd, const char *diff, uint64_t size, const char *created,
                        const char *config_json, const char *created_by, rbox_err **err)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "created", created);
    jw_kstr(&w, "architecture", "amd64");
    jw_kstr(&w, "os", "linux");
    jw_key(&w, "config");
    _cleanup_yajl_ yajl_val cfg = NULL;
    if (config_json && json_parse(config_json, "the image config", &cfg, err) < 0) {
        jw_free(&w);
        return -1;
    }
    if (cfg) {
        jw_value(&w, cfg);
    } else {
        jw_obj_open(&w);
        jw_obj_close(&w);
    }
    jw_key(&w, "rootfs");
    jw_obj_open(&w);
    jw_kstr(&w, "type", "layers");
    jw_key(&w, "diff_ids");
    jw_arr_open(&w);
    jw_str(&w, diff);
    jw_arr_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "history");
    jw_arr_open(&w);
    jw_obj_open(&w);
    jw_kstr(&w, "created", created);
    jw_kstr(&w, "created_by", created_by);
    jw_obj_close(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t clen;
    const char *ctext = jw_text(&w, &clen);
    char cdigest[DIGEST_LEN + 1], mdigest[DIGEST_LEN + 1];
    int r = put_blob(lfd, ctext, clen, cdigest, err);
    jw_free(&w);
    if (r < 0)
        return -1;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_kstr(&w, "mediaType", MT_OCI_MANIFEST);
    jw_desc(&w, "config", MT_OCI_CONFIG, cdigest, clen);
    jw_key(&w, "layers");
    jw_arr_open(&w);
    jw_desc(&w, NULL, MT_OCI_LAYER, diff, size);
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t mlen;
    const char *mtext = jw_text(&w, &mlen);
    r = put_blob(lfd, mtext, mlen, mdigest, err);
    jw_free(&w);
    if (r < 0)
        return -1;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_key(&w, "manifests");
    jw_arr_open(&w);
    jw_desc(&w, NULL, MT_OCI_MANIFEST, mdigest, mlen);
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t ilen;
    const char *itext = jw_text(&w, &ilen);
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    r = write_file_atomic_at(lfd, "index.json", itext, ilen, 0644, false) < 0 ||
                write_file_atomic_at(lfd, "oci-layout", layout, strlen(layout), 0644, false) < 0
            ? rbox_error(err, errno, "writing the image layout")
            : 0;
    jw_free(&w);
    return r;
}

static int from_tar(struct store *s, int fd, const char *tag, const char *source,
                    const char *config_json, const char *created, const char *created_by,
                    struct progress *p, char id[ID_LEN + 1], rbox_err **err)
{
    struct image_staging st;
    if (image_staging_create(s, &st, err) < 0)
        return -1;
    int r = -1;
    _cleanup_close_ int lfd = open(st.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int out = -1;
    char hex[ID_LEN + 1];
    uint64_t size;
    _cleanup_free_ char *blob = NULL, *diff = NULL;
    if (lfd < 0 || (out = openat(lfd, "blobs/sha256/layer", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
                                 0644)) < 0) {
        rbox_error(err, errno, "creating a layer in %s", st.dir);
        goto out;
    }
    if (copy_layer(fd, out, p, hex, &size, err) < 0 || check_rootfs_tar(out, err) < 0)
        goto out;
    progress_show(p, true);
    blob = xasprintf("blobs/sha256/%s", hex);
    diff = xasprintf("sha256:%s", hex);
    if (renameat(lfd, "blobs/sha256/layer", lfd, blob) < 0) {
        rbox_error(err, errno, "naming the layer in %s", st.dir);
        goto out;
    }
    if (write_layout(lfd, diff, size, created, config_json, created_by, err) < 0)
        goto out;
    const char *tags[2] = { tag, NULL };
    r = ingest_layout_ex(s, st.dir, tags, false, false, source, id, err);
out:
    image_staging_discard(s, &st);
    return r;
}

static void now_rfc3339(char *buf, size_t len)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    format_time_rfc3339(&t, buf, len);
}

int image_import(struct store *s, const char *file, const char *ref, bool progress,
                 char id[ID_LEN + 1], rbox_err **err)
{
    _cleanup_free_ char *tag = image_normalize_ref(ref, err);
    if (tag == NULL)
        return -1;
    if (strchr(tag, '@'))
        return rbox_error(err, 0, "invalid image reference \"%s\": a tag cannot hold a digest",
                          ref);
    bool in = strcmp(file, "-") == 0;
    _cleanup_close_ int fd =
        in ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rbox_error(err, errno, "opening %s", file);
    if (!in && !S_ISREG(st.st_mode))
        return rbox_error(err, 0, "%s is not a regular file", file);
    struct progress p = { .on = progress && !in, .fd = fd, .total = st.st_size, .file = file };
    char *real = in ? NULL : realpath(file, NULL);
    char created[48];
    now_rfc3339(created, sizeof(created));
    _cleanup_free_ char *by = xasprintf("rbox import %s", in ? "-" : real ? real : file);
    int r = from_tar(s, fd, tag, in ? "-" : real ? real : file, NULL, created, by, &p, id, err);
    free(real);
    return r < 0 ? rbox_error_prefix(err, "importing %s", in ? "stdin" : file) : 0;
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

static int tar_entry(struct archive *a, const char *path, mode_t type, mode_t mode, int64_t mtime,
                     uid_t uid, const char *data, size_t len, const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_uid(e, uid);
    archive_entry_set_gid(e, uid);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
    if (link)
        archive_entry_set_symlink(e, link);
    int r = archive_write_header(a, e);
    if (r == ARCHIVE_OK && type == AE_IFREG && len &&
        archive_write_data(a, data, len) != (la_ssize_t)len)
        r = ARCHIVE_FATAL;
    archive_entry_free(e);
    return r == ARCHIVE_OK ? 0 : -1;
}

/* The busybox tree as one tar (fixed order and times: the same binary gives the same layer). */
static int busybox_tar(int fd, const char *bin, size_t binlen, int64_t mtime, char *applets)
{
    static const struct {
        const char *p;
        mode_t mode;
        uid_t uid;
    } dirs[] = { { "bin", 0755, 0 },          { "sbin", 0755, 0 },     { "usr", 0755, 0 },
                 { "usr/bin", 0755, 0 },      { "usr/sbin", 0755, 0 }, { "etc", 0755, 0 },
                 { "proc", 0755, 0 },         { "sys", 0755, 0 },      { "dev", 0755, 0 },
                 { "tmp", 01777, 0 },         { "root", 0700, 0 },     { "home", 0755, 0 },
                 { "home/user", 0755, 1000 }, { "var", 0755, 0 },      { "var/tmp", 01777, 0 },
                 { "run", 0755, 0 } };
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    int r = archive_write_open_fd(a, fd) == ARCHIVE_OK ? 0 : -1;
    for (size_t i = 0; r == 0 && i < ARRAY_SIZE(dirs); i++)
        r = tar_entry(a, dirs[i].p, AE_IFDIR, dirs[i].mode, mtime, dirs[i].uid, NULL, 0, NULL);
    if (r == 0)
        r = tar_entry(a, "bin/busybox", AE_IFREG, 0755, mtime, 0, bin, binlen, NULL);
    if (r == 0)
        r = tar_entry(a, "etc/passwd", AE_IFREG, 0644, mtime, 0, builtin_passwd,
                      strlen(builtin_passwd), NULL);
    if (r == 0)
        r = tar_entry(a, "etc/group", AE_IFREG, 0644, mtime, 0, builtin_group,
                      strlen(builtin_group), NULL);
    char *save = NULL;
    for (char *ap = strtok_r(applets, "\n", &save); r == 0 && ap;
         ap = strtok_r(NULL, "\n", &save)) {
        while (*ap == '/')
            ap++;
        if (*ap == '\0' || strcmp(ap, "bin/busybox") == 0 || strstr(ap, ".."))
            continue;
        r = tar_entry(a, ap, AE_IFLNK, 0777, mtime, 0, NULL, 0, "/bin/busybox");
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        r = -1;
    archive_write_free(a);
    return r;
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
    struct stat bst;
    int64_t mtime = stat(HOST_BUSYBOX, &bst) == 0 ? (int64_t)bst.st_mtime : 0;
    _cleanup_close_ int fd = open(s->root, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
    if (fd < 0)
        return rbox_error(err, errno, "creating a temporary file in %s", s->root);
    if (busybox_tar(fd, bin, binlen, mtime, applets) < 0 || lseek(fd, 0, SEEK_SET) < 0)
        return rbox_error(err, errno, "building the busybox image");
    char created[48];
    struct timespec t = { .tv_sec = mtime };
    format_time_rfc3339(&t, created, sizeof(created));
    static const char config[] = "{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                 "/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]}";
    char id[ID_LEN + 1];
    if (from_tar(s, fd, BUILTIN_BUSYBOX_REF, "builtin: " HOST_BUSYBOX, config, created,
                 "rbox builtin busybox image from " HOST_BUSYBOX, NULL, id, err) < 0)
        return rbox_error_prefix(err, "building the busybox image");
    return 0;
}
