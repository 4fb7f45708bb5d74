/* selfexe.c - re-exec from a sealed memfd (see selfexe.h). */
#define _GNU_SOURCE
#include "selfexe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Global flags that take a value (to find the verb without parsing everything). */
static const char *const valued[] = { "--root", "--log", "--log-format", "--criu", "--rootless" };

bool selfexe_needed(int argc, char **argv)
{
#ifdef RBOX_SELFEXE_UNPROTECTED
    /* `make unprotected` only: a test/benchmark build without the protection (escapes.bats
     * shows the attack succeeding against it; docs/security.md measures the difference) */
    (void)argc;
    (void)argv;
    return false;
#endif
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            return strcmp(a, "create") == 0 || strcmp(a, "run") == 0 || strcmp(a, "exec") == 0 ||
                   strcmp(a, "serve") == 0;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            if (strcmp(a, valued[k]) == 0 || strcmp(a, valued[k] + 1) == 0)
                i++;
    }
    return false;
}

/* How much of the binary execve needs: up to the end of the last PT_LOAD segment. Debug info
 * and section headers come after it and are never mapped, so they need not be copied (in a -g
 * build that is almost half of the file). Falls back to the whole file. */
static off_t loadable_size(int exefd, off_t file_size)
{
    Elf64_Ehdr eh;
    if (pread(exefd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64)
        return file_size;
    Elf64_Phdr ph[64];
    size_t len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (pread(exefd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
        return file_size;
    off_t end = (off_t)(eh.e_phoff + len);
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && (off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
            end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
    return end > 0 && end <= file_size ? end : file_size;
}

static bool already_protected(int exefd)
{
    /* a sealed memfd: our own earlier re-exec (or a caller who did the same) */
    int seals = fcntl(exefd, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL))
        return true;
    /* on a read-only mount nobody can write the binary through /proc/<pid>/exe */
    struct statvfs sv;
    return fstatvfs(exefd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

int selfexe_protect(char **argv, char **envp, rbox_err **err)
{
    _cleanup_close_ int exefd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exefd < 0)
        return rbox_error(err, errno, "opening /proc/self/exe");
    if (already_protected(exefd))
        return 0;
    struct stat st;
    if (fstat(exefd, &st) < 0)
        return rbox_error(err, errno, "stat /proc/self/exe");
    int mfd = memfd_create("rbox-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL)
        mfd = memfd_create("rbox-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return rbox_error(err, errno, "memfd_create");
    off_t off = 0, size = loadable_size(exefd, st.st_size);
    while (off < size) {
        ssize_t n = sendfile(mfd, exefd, &off, (size_t)(size - off));
        if (n <= 0) {
            int saved = n < 0 ? errno : EIO;
            close(mfd);
            return rbox_error(err, saved, "copying the runtime binary into a memfd");
        }
    }
    int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    if (fcntl(mfd, F_ADD_SEALS, seals) < 0) {
        int saved = errno;
        close(mfd);
        return rbox_error(err, saved, "sealing the runtime memfd");
    }
    syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
    int saved = errno;
    close(mfd);
    return rbox_error(err, saved, "re-executing from the sealed memfd");
}
