/* ctrstate.h - a container's small state file (containers/<id>/state), shared by rbox and
 * rbox-monitor.
 *
 * Format: one JSON object (yajl, as everywhere), one key per field. The struct has fixed-size
 * fields: the monitor keeps one in static memory. Writers hold the container's lock
 * and replace the file atomically (temp file, optional fsync, rename).
 */
#ifndef RBOX_CTRSTATE_H
#define RBOX_CTRSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define CTR_STATE_FILE "state"
#define CTR_LOCK_FILE  "lock"
#define ID_LEN         64
#define NAME_MAXLEN    128
#define IMAGE_MAXLEN   255

enum ctr_status { CS_CREATED = 0, CS_RUNNING, CS_PAUSED, CS_EXITED, CS_DEAD, CS_COUNT };

struct ctr_state {
    char id[ID_LEN + 1];
    char name[NAME_MAXLEN + 1];
    char image[IMAGE_MAXLEN + 1]; /* as the user named it */
    char image_id[ID_LEN + 1];
    char command[256];  /* display form for ps (may be cut) */
    int64_t created_ns; /* wall clock, ns since the epoch */
    enum ctr_status status;
    pid_t pid;                    /* container init (host pid), 0 when none */
    unsigned long long pid_start; /* its start time (field 22 of /proc/pid/stat) */
    pid_t monitor_pid;            /* 0 when no monitor */
    unsigned long long monitor_start;
    char boot_id[40];                /* boot the pids belong to */
    int64_t started_ns, finished_ns; /* 0 when never */
    int exit_code;
    int exit_signal;  /* signal that killed the init, 0 if it exited */
    bool oom_killed;  /* see docs/manager.md: pending `rbox-runtime events` */
    bool cleaned;     /* after exit: runtime state deleted, overlay unmounted */
    bool auto_remove; /* --rm */
    char error[512];  /* why the last start failed / what reconcile found */
    /* --restart: restarts by the monitor since the last start by the user */
    int restart_count;
};

const char *ctr_status_name(enum ctr_status s);

/* Serialize into buf (returns the length, or -1 when it does not fit). */
int ctr_state_format(const struct ctr_state *st, char *buf, size_t len);
/* Parse text (NUL-terminated). Unknown keys and values of the wrong type are ignored; strings
 * too long for their field are cut. -1 when it is not JSON or the id is missing (a torn or
 * foreign file). */
int ctr_state_parse(const char *text, struct ctr_state *st);

/* Read <dirfd>/state; -1 with errno (ENOENT: no such container, EINVAL: unreadable). */
int ctr_state_read(int dirfd, struct ctr_state *st);
/* The same for a state file at path (relative to dirfd): "containers/<id>/state". */
int ctr_state_read_at(int dirfd, const char *path, struct ctr_state *st);
/* The same, and with sb the open file's stat (the identity of what was read, not the path's of a
 * moment before); -1 with errno when that fails too. */
int ctr_state_read_stat(int dirfd, const char *path, struct ctr_state *st, struct stat *sb);
/* Write <dirfd>/state atomically; sync: fsync before the rename. -1 with errno. */
int ctr_state_write(int dirfd, const struct ctr_state *st, bool sync);
/* For a process that writes one container's state many times (the monitor): keep the old
 * inode as the next write's temporary file (RENAME_EXCHANGE) instead of a new inode per write.
 * ctr_state_drop_spare removes it when the process is done with a directory that stays. */
void ctr_state_reuse_inode(bool on);
void ctr_state_drop_spare(int dirfd);

/* Copy a string into a fixed field, cutting it when too long: at a character boundary, never
 * inside a UTF-8 sequence (the field ends up in JSON: ps, inspect, the --report verdict). */
void ctr_copy(char *dst, size_t size, const char *src);
#define CTR_SET(field, src) ctr_copy((field), sizeof(field), (src))
/* The length of s[0..n) without a UTF-8 sequence left incomplete at its end. */
size_t utf8_cut(const char *s, size_t n);

int64_t now_ns_realtime(void);
/* The kernel's boot id (/proc/sys/kernel/random/boot_id), "" when unreadable. */
void read_boot_id(char out[40]);

#endif
