/* tty-probe.c - what a container process can do with the terminal it was given, for the
 * manager's terminal tests (built static, bind-mounted into busybox containers).
 *
 * Prints one line:  fd0=TYPE fd1=TYPE fd2=TYPE ctty=yes|no tiocsti=FDS|none
 * TYPE is pipe, tty, chr, reg, sock, dir or other. ctty: /dev/tty could be opened (the process
 * has a controlling terminal). tiocsti: the fds (0, 1, 2, "devtty") on which TIOCSTI of the line
 * "echo INJECTED-$((6*7))" succeeded; when it did, a host shell reading that terminal runs the
 * line and prints INJECTED-42. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *type_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return "closed";
    if (S_ISFIFO(st.st_mode))
        return "pipe";
    if (S_ISCHR(st.st_mode))
        return isatty(fd) ? "tty" : "chr";
    if (S_ISREG(st.st_mode))
        return "reg";
    if (S_ISSOCK(st.st_mode))
        return "sock";
    if (S_ISDIR(st.st_mode))
        return "dir";
    return "other";
}

/* Push the line into the terminal's input queue, one byte at a time. */
static int inject(int fd)
{
    static const char line[] = "echo INJECTED-$((6*7))\n";
    for (size_t i = 0; i < sizeof(line) - 1; i++)
        if (ioctl(fd, TIOCSTI, &line[i]) < 0)
            return -1;
    return 0;
}

int main(void)
{
    char types[128], hits[64] = "";
    snprintf(types, sizeof(types), "fd0=%s fd1=%s fd2=%s", type_of(0), type_of(1), type_of(2));
    for (int fd = 0; fd <= 2; fd++)
        if (inject(fd) == 0)
            snprintf(hits + strlen(hits), sizeof(hits) - strlen(hits), "%s%d", hits[0] ? "," : "",
                     fd);
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty >= 0 && inject(tty) == 0)
        snprintf(hits + strlen(hits), sizeof(hits) - strlen(hits), "%sdevtty", hits[0] ? "," : "");
    printf("%s ctty=%s tiocsti=%s\n", types, tty >= 0 ? "yes" : "no", hits[0] ? hits : "none");
    return 0;
}
