/* volume.h - named volumes in the store:
 *
 *   <root>/volumes/<name>/volume.json   name, created, created_by (the container that created
 *                                       it on first use; absent for `volume create`), labels
 *                                       ({"K": "V"}, optional)
 *   <root>/volumes/<name>/_data/        what containers see (bind-mounted)
 *
 * Creation and removal hold the store lock; a container's use of a volume is read from the
 * containers' config.json (no separate reference count to get out of step). */
#ifndef RBOX_VOLUME_H
#define RBOX_VOLUME_H

#include "store.h"
#include <stdint.h>

struct volume {
    char *name;
    int64_t created_ns;
    char *created_by; /* container ID, or NULL */
    char *mountpoint; /* <root>/volumes/<name>/_data */
    char **labels;    /* K=V (volume create --label), never NULL once loaded */
};
void volume_clear(struct volume *v);

int volume_name_validate(const char *name, rbox_err **err);
/* <root>/volumes/<name>/_data (allocated). */
char *volume_data_path(const struct store *s, const char *name);

/* Create it unless it exists (*created says which; may be NULL). created_by: the container
 * that creates it on first use, or NULL. Needs the store lock. */
int volume_create(const struct store *s, const char *name, const char *created_by, bool *created,
                  rbox_err **err);
/* The same with labels (K=V, NULL: none): volume create --label. */
int volume_create_labeled(const struct store *s, const char *name, const char *created_by,
                          char *const *labels, bool *created, rbox_err **err);
int volume_load(const struct store *s, const char *name, struct volume *v, rbox_err **err);
/* Every volume name, sorted. */
int volume_list(const struct store *s, char ***names, size_t *n, rbox_err **err);

/* The volumes container id mounts (NULL-terminated; empty when none or unreadable). */
char **volume_names_of(const struct store *s, const char *id);
/* Containers that use it: their names (allocated), and how many of them run. */
int volume_users(struct store *s, const char *name, char ***users, size_t *n, size_t *running,
                 rbox_err **err);
/* Remove it: refused while a container uses it, unless force (never while one runs). Takes the
 * store lock. */
int volume_remove(struct store *s, const char *name, bool force, rbox_err **err);
/* rm -v: remove the volumes (of names) that container id created on first use and that no
 * other container uses. */
void volumes_remove_created_by(struct store *s, const char *id, char *const *names);

#endif
