/* report.h - a container's verdict when it ends (run --report, inspect's State.Report), shared
 * by rbox and rbox-monitor: no allocation, no JSON library (the monitor is static and small).
 *
 * The monitor fills it from the reaped init's wait status, its own clock, and the container's
 * cgroup counters (`rbox-runtime events --stats`, read before `delete` removes the cgroup);
 * see docs/sandbox.md for the format. */
#ifndef RBOX_REPORT_H
#define RBOX_REPORT_H

#include "ctrstate.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPORT_FILE     "report.json"  /* in the container's store dir, for inspect */
#define SANDBOX_CONF    "sandbox.conf" /* in the container's store dir, read by the monitor */
#define REPORT_MAXLEN   2048
#define REPORT_PATH_MAX 1024

struct verdict {
    char id[ID_LEN + 1];
    char name[NAME_MAXLEN + 1];
    bool started; /* false: the start failed (error says why; no times or counters) */
    int exit_code;
    int signal; /* that killed the init, 0 if it exited */
    bool oom_killed, timed_out;
    int64_t timeout_ns;              /* 0: none */
    int64_t started_ns, finished_ns; /* wall clock */
    int64_t wall_ns;                 /* monotonic, from start to reap */
    /* from the cgroup; -1: the host cannot tell */
    int64_t cpu_user_ns, cpu_system_ns, memory_peak, pids_peak;
    char error[512];
};
void verdict_init(struct verdict *v, const char *id, const char *name);

/* The JSON text (one object and a newline); -1 when it does not fit. */
int report_format(const struct verdict *v, char *buf, size_t len);

/* Fill the cgroup counters of v from the output of `rbox-runtime events --stats` (one JSON
 * line). Counters missing from it stay -1; returns false when it is not a stats event. */
bool verdict_from_stats(struct verdict *v, const char *json);

/* A number at a dotted key path ("data.memory.usage.max") of a JSON text, without building a
 * tree. false when the path is missing, not a non-negative integer, or the text is malformed. */
bool json_scan_u64(const char *json, const char *path, uint64_t *out);

/* The monitor's part of a container's config (SANDBOX_CONF, "key=value" lines): the timeout
 * and where to write the report ("" none, "-" only to attached clients). */
struct sandbox_conf {
    int64_t timeout_ns;
    char report[REPORT_PATH_MAX];
};
int sandbox_conf_format(const struct sandbox_conf *c, char *buf, size_t len);
/* Read it from dirfd; a missing file is no timeout and no report (0). -1 with errno. */
int sandbox_conf_read(int dirfd, struct sandbox_conf *c);
/* The same from its text (NUL-terminated, modified in place); unknown lines are ignored. */
void sandbox_conf_parse(char *text, struct sandbox_conf *c);

#endif
