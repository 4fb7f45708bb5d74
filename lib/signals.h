/* signals.h - signal names <-> numbers ("TERM", "SIGTERM", "15", "RTMIN+3"). */
#ifndef RBOX_SIGNALS_H
#define RBOX_SIGNALS_H

/* Returns the signal number, or -1 when the text names no signal. */
int signal_parse(const char *s);
/* "SIGTERM"; NULL for unknown numbers. */
const char *signal_name(int sig);

#endif
