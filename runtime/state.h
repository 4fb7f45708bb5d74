/* state.h - the per-container state directory <root>/<id>/ and its state.json.
 *
 * Files: state.json (written atomically), config.json (exact copy of the bundle's config),
 * start.sock (the start gate: exists while the init waits for `start`).
 * Status is computed live: the init's PID *and* its start time must match, so a reused PID is
 * never mistaken for the container.
 */
#ifndef RBOX_STATE_H
#define RBOX_STATE_H

#include "cgroup.h"
#include "config.h"
#include "error.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define STATE_FILE   "state.json"
#define CONFIG_COPY  "config.json"
#define START_SOCKET "start.sock"

enum container_status { ST_CREATING = 0, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };
const char *status_name(enum container_status s);

struct rbox_state {
    char *id;
    pid_t pid;
    unsigned long long pid_start; /* field 22 of /proc/<pid>/stat at creation */
    char *bundle;
    char *rootfs;
    char *created; /* RFC 3339 */
    uid_t owner;
    bool systemd_cgroup;
    bool rootless;
    bool has_poststart, has_poststop; /* saves parsing the config copy when there are none */
    /* no mount namespace: the id of the init's rootfs bind in the runtime's mount namespace,
     * which delete detaches (hostmounts.h); 0 otherwise */
    uint64_t host_mount_id;
    /* Written before the first cgroup is made, so that a create killed at any moment leaves a
     * state `delete` can clean: while `creating`, the status is "creating" as long as the
     * runtime that writes it (creator_pid, verified by its start time) lives, else "stopped". */
    bool creating;
    pid_t creator_pid;
    unsigned long long creator_start;
    struct cgroup *cgroup; /* NULL when cgroups were skipped (rootless) */
    struct rbox_kv *annotations;
    size_t n_annotations;
};

/* The default --root: /run/rbox-runtime, or $XDG_RUNTIME_DIR/rbox-runtime when not root. */
const char *state_default_root(void);
/* Container IDs: 1..1024 chars of [A-Za-z0-9_+.-], not "." / "..". */
int validate_id(const char *id, rbox_err **err);

/* Create <root>/<id> (refusing a duplicate) already holding state.json from st: it appears
 * atomically (a temporary dot-dir renamed with RENAME_NOREPLACE), so no other verb ever sees a
 * state dir without its state. Returns an O_DIRECTORY fd. */
int state_dir_create(const char *root, const char *id, const struct rbox_state *st, int *dirfd,
                     rbox_err **err);
/* Remove the temporary dirs of creates killed before their state dir appeared (list and create
 * call it). */
void state_sweep(const char *root);
/* Open <root>/<id>; "container \"x\" does not exist" when missing. */
int state_dir_open(const char *root, const char *id, int *dirfd, rbox_err **err);
/* Remove <root>/<id> and everything in it. */
int state_dir_remove(const char *root, const char *id);
/* Exclusive lock on the state dir (flock), held until the fd is closed. */
int state_lock(int dirfd, rbox_err **err);

int state_write(int dirfd, const struct rbox_state *st, rbox_err **err);
int state_read(int dirfd, const char *id, struct rbox_state **out, rbox_err **err);
void state_free(struct rbox_state *st);
void cleanup_statep(struct rbox_state **st);
#define _cleanup_state_ __attribute__((cleanup(cleanup_statep)))

/* Live status: the state dir fd is needed to see the start gate. */
enum container_status state_status(int dirfd, const struct rbox_state *st);
/* The OCI state JSON (what `state` prints). */
char *state_oci_json(const struct rbox_state *st, enum container_status status, bool pretty);
/* The OCI state JSON built from a config, for hooks run before state.json exists. */
char *state_json_from_config(const struct rbox_config *cfg, const char *id, pid_t pid,
                             enum container_status status);
/* Load the copy of config.json kept in the state dir. */
int state_load_config(int dirfd, struct rbox_config **cfg, rbox_err **err);

/* Open state dir + read state in one call (the common start of verbs). */
struct container_ref {
    int dirfd;
    struct rbox_state *st;
};
int container_ref_open(const char *root, const char *id, bool lock, struct container_ref *ref,
                       rbox_err **err);
void container_ref_close(struct container_ref *ref);

#endif
