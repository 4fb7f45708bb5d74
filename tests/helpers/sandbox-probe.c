/* sandbox-probe.c - tries one system call per argument and prints "NAME: ok" or "NAME: ERRNO"
 * (the errno's name), so that a test sees which level of a seccomp profile lets it through.
 * Raw syscall(2) calls: libc cannot retry with another call behind our back. Built by the
 * tests with `cc -static` (tests/bats/manager/seccomp_profiles.bats).
 *
 *   write        write(2) to stdout                      (minimal)
 *   open PATH    openat(AT_FDCWD, PATH, O_RDONLY)         (io-heavy)
 *   mmap         an anonymous 1 MiB mapping              (compute)
 *   fork         fork(2), the child exits, wait4(2)       (compute)
 *   socket       socket(AF_INET, SOCK_STREAM)             (network)
 *   socketpair   socketpair(AF_UNIX, SOCK_STREAM)         (network)
 *   vsock        socket(AF_VSOCK, SOCK_STREAM)            (never in rbox's profiles)
 *   ptrace       ptrace(PTRACE_TRACEME)                   (default: not in any graded level)
 *   unshare      unshare(CLONE_NEWUTS)                    (default: only with CAP_SYS_ADMIN)
 *   setuid UID   setuid(UID)
 *   id           prints "uid=N gid=N" (getuid, getgid: minimal)
 * Exit status: 0 when every call succeeded, 1 otherwise, 2 on a usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *name, long r)
{
    char buf[128];
    int n = r >= 0 ? snprintf(buf, sizeof(buf), "%s: ok\n", name)
                   : snprintf(buf, sizeof(buf), "%s: %s\n", name, strerrorname_np(errno));
    if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
        _exit(3);
}

static long probe(const char *what, const char *arg)
{
    if (strcmp(what, "write") == 0)
        return syscall(SYS_write, STDOUT_FILENO, "", 0);
    if (strcmp(what, "open") == 0)
        return syscall(SYS_openat, AT_FDCWD, arg, O_RDONLY | O_CLOEXEC);
    if (strcmp(what, "mmap") == 0)
        return syscall(SYS_mmap, NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (strcmp(what, "fork") == 0) {
        long pid = syscall(SYS_fork);
        if (pid == 0)
            syscall(SYS_exit_group, 0);
        if (pid > 0)
            syscall(SYS_wait4, pid, NULL, 0, NULL);
        return pid;
    }
    if (strcmp(what, "socket") == 0)
        return syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    if (strcmp(what, "vsock") == 0)
        return syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
    if (strcmp(what, "socketpair") == 0) {
        int sv[2];
        return syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
    }
    if (strcmp(what, "ptrace") == 0)
        return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
    if (strcmp(what, "unshare") == 0)
        return syscall(SYS_unshare, CLONE_NEWUTS);
    if (strcmp(what, "setuid") == 0)
        return syscall(SYS_setuid, atoi(arg));
    if (strcmp(what, "id") == 0) {
        char buf[64];
        int n = snprintf(buf, sizeof(buf), "uid=%ld gid=%ld\n", syscall(SYS_getuid),
                         syscall(SYS_getgid));
        return write(STDOUT_FILENO, buf, (size_t)n) == n ? 0 : -1;
    }
    const char msg[] = "sandbox-probe: unknown probe\n";
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
        _exit(3);
    _exit(2);
}

int main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        const char *what = argv[i];
        const char *arg = NULL;
        if (strcmp(what, "open") == 0 || strcmp(what, "setuid") == 0) {
            if (i + 1 >= argc)
                _exit(2);
            arg = argv[++i];
        }
        long r = probe(what, arg);
        if (strcmp(what, "id") != 0)
            say(what, r);
        failed |= r < 0;
    }
    return failed;
}
