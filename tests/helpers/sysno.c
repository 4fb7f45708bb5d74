/* sysno - call raw syscall numbers and print what came back: "NR RESULT ERRNO" per argument.
 * Built static in tests/bats/runtime/seccomp.bats (setup_file), bind-mounted into the
 * container, to see what the seccomp filter answers for numbers no libc wrapper covers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        long nr = strtol(argv[i], NULL, 0);
        errno = 0;
        long r = syscall(nr, 0, 0, 0, 0, 0, 0);
        printf("%ld %ld %d\n", nr, r, r < 0 ? errno : 0);
    }
    return 0;
}
