/* context.c - a build context sent as a tar archive (rbox build - < ctx.tar, as docker build -
 * takes one; the API's /build sends its body that way): spooled, recognised by its magic, and
 * unpacked into a directory the build then reads as CONTEXT. The API's archive upload (docker
 * cp into a container) unpacks with it too. */
#define _GNU_SOURCE
#include "build.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool build_is_archive(int fd)
{
    unsigned char m[512] = { 0 };
    ssize_t n = pread(fd, m, sizeof(m), 0);
    if (n < 6)
        return false;
    if ((m[0] == 0x1f && m[1] == 0x8b) ||                               /* gzip */
        (m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') ||                  /* bzip2 */
        (m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X') ||  /* xz */
        (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)) /* zstd */
        return true;
    return n == 512 && memcmp(m + 257, "ustar", 5) == 0;
}

/* entry names under dir: never absolute, never through ".." (libarchive refuses those) */
static void rebase(struct archive_entry *e, const char *dir,
                   const char *(*get)(struct archive_entry *),
                   void (*set)(struct archive_entry *, const char *))
{
    const char *name = get(e);
    if (name == NULL)
        return;
    while (*name == '/')
        name++;
    _cleanup_free_ char *full = xasprintf("%s/%s", dir, name);
    set(e, full);
}

int build_context_unpack(int fd, const char *dir, bool owners, rbox_err **err)
{
    /* the real path: libarchive's symlink check looks at every component of the names */
    _cleanup_free_ char *real = realpath(dir, NULL);
    if (real == NULL)
        return rbox_error(err, errno, "%s", dir);
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    struct archive *disk = archive_write_disk_new();
    /* modes and times as in the archive (COPY keeps them), owners only when asked; nothing
     * outside dir */
    archive_write_disk_set_options(
        disk, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | (owners ? ARCHIVE_EXTRACT_OWNER : 0) |
                  ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    int ret = 0, r;
    struct archive_entry *e;
    lseek(fd, 0, SEEK_SET);
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
        ret = rbox_error(err, 0, "the build context: %s", archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        mode_t t = archive_entry_filetype(e);
        if (t != AE_IFREG && t != AE_IFDIR && t != AE_IFLNK)
            continue; /* devices, fifos: not context */
        rebase(e, real, archive_entry_pathname, archive_entry_set_pathname);
        if (archive_entry_hardlink(e))
            rebase(e, real, archive_entry_hardlink, archive_entry_set_hardlink);
        const char *why;
        if (image_extract_entry(a, disk, e, &why) < 0) {
            ret = rbox_error(err, 0, "the build context: %s: %s", archive_entry_pathname(e), why);
            goto out;
        }
    }
    if (r != ARCHIVE_EOF)
        ret = rbox_error(err, 0, "the build context: %s", archive_error_string(a));
out:
    archive_write_free(disk);
    archive_read_free(a);
    return ret;
}
