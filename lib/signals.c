/* signals.c - signal names. */
#define _GNU_SOURCE
#include "signals.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int sig;
} table[] = {
    { "HUP", SIGHUP },       { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },
    { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },   { "IOT", SIGIOT },   { "BUS", SIGBUS },
    { "FPE", SIGFPE },       { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
    { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
    { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },  { "CONT", SIGCONT },
    { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
    { "URG", SIGURG },       { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
    { "PROF", SIGPROF },     { "WINCH", SIGWINCH }, { "IO", SIGIO },     { "POLL", SIGPOLL },
    { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int signal_parse(const char *s)
{
    int n;
    if (s == NULL || *s == '\0')
        return -1;
    if (parse_int(s, &n) == 0)
        return n > 0 && n < NSIG ? n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < ARRAY_SIZE(table); i++)
        if (strcasecmp(s, table[i].name) == 0)
            return table[i].sig;
    if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
        bool min = strncasecmp(s, "RTMIN", 5) == 0;
        int base = min ? SIGRTMIN : SIGRTMAX, off = 0;
        const char *rest = s + 5;
        if (*rest && (parse_int(rest, &off) < 0 || (min ? off < 0 : off > 0)))
            return -1;
        int sig = base + off;
        return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
    }
    return -1;
}

const char *signal_name(int sig)
{
    static char buf[16];
    for (size_t i = 0; i < ARRAY_SIZE(table); i++)
        if (table[i].sig == sig) {
            snprintf(buf, sizeof(buf), "SIG%s", table[i].name);
            return buf;
        }
    return NULL;
}
