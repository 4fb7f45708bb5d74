/* store.h - the manager's on-disk store: paths, locks, IDs, names, container look-up.
 *
 *   <root>/lock                    store-wide lock (names, create/rm/rename, images)
 *   <root>/names/<name> -> <id>    name index (symlinks: creation is atomic)
 *   <root>/containers/<id>/        config.json, state, lock, bundle/, ctr.log, diff/, work/
 *   <root>/images/                 see image.h
 *   <runroot>/containers/<id>/     rootfs/ (overlay mount point), attach.sock, runtime.log
 *   <runroot>/runtime/             rbox-runtime --root
 * Lock order: store lock, then a container's lock.
 */
#ifndef RBOX_STORE_H
#define RBOX_STORE_H

#include "ctrstate.h"
#include "error.h"
#include <stdbool.h>

struct store {
    char *root, *runroot;
    int root_fd, run_fd; /* O_DIRECTORY */
    char *runtime_bin, *monitor_bin;
    char *runtime_root; /* <runroot>/runtime */
    char boot_id[40];
    int lock_fd; /* store lock when held, else -1 */
};

#define DEFAULT_ROOT    "/var/lib/rbox"
#define DEFAULT_RUNROOT "/run/rbox"

/* Open (creating) the store. root/runroot NULL: env RBOX_ROOT/RBOX_RUNROOT, then defaults. */
int store_open(struct store *s, const char *root, const char *runroot, rbox_err **err);
void store_close(struct store *s);
/* Store-wide lock (flock), released by store_unlock or exit. */
int store_lock(struct store *s, rbox_err **err);
void store_unlock(struct store *s);

/* Paths (allocated). */
char *ctr_path(const struct store *s, const char *id, const char *file);     /* file may be NULL */
char *ctr_run_path(const struct store *s, const char *id, const char *file); /* file may be NULL */
/* Open containers/<id> (O_DIRECTORY); ENOENT -> "no such container". */
int ctr_open_dir(const struct store *s, const char *id, rbox_err **err);
/* Lock a container: returns the lock fd; fails with "no such container" if it was removed. */
int ctr_lock(const struct store *s, const char *id, rbox_err **err);

/* A new random ID (64 hex, never all digits in its short form). */
void id_generate(char out[ID_LEN + 1]);
/* Every container ID in the store (sorted is not promised). */
int ctr_list_ids(const struct store *s, char ***ids, size_t *n, rbox_err **err);
/* Full ID, name, or unique ID prefix -> full ID. */
int ctr_resolve(const struct store *s, const char *ref, char out[ID_LEN + 1], rbox_err **err);

/* Names: validation and the name index. */
int name_validate(const char *name, rbox_err **err);
/* Claim <name> for id (fails if taken). Needs the store lock. */
int name_claim(const struct store *s, const char *name, const char *id, rbox_err **err);
/* Release <name> if it points at id. */
void name_release(const struct store *s, const char *name, const char *id);
/* A free generated adjective_noun name, claimed for id. Needs the store lock. */
int name_generate_claim(const struct store *s, const char *id, char *out, size_t len,
                        rbox_err **err);

/* Is this process alive with this start time? */
bool proc_alive(pid_t pid, unsigned long long start);

#endif
