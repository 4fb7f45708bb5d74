/* passwd.h - reading passwd/group files directly (static binaries have no NSS; a container's
 * users live in its own /etc/passwd anyway). */
#ifndef RBOX_PASSWD_H
#define RBOX_PASSWD_H

#include <stdbool.h>
#include <sys/types.h>

struct pw_entry {
    char *name;
    uid_t uid;
    gid_t gid;
    char *home;
    char *shell;
};

/* Find by name (name != NULL) or by uid. path: "/etc/passwd" or one inside a rootfs.
 * Returns 0 and fills *out (free with pw_entry_clear), -1 when not found or unreadable. */
int passwd_lookup(const char *path, const char *name, uid_t uid, struct pw_entry *out);
void pw_entry_clear(struct pw_entry *e);
/* Group by name -> gid; -1 when not found. */
int group_lookup(const char *path, const char *name, gid_t *gid);
/* Supplementary groups of user `name` (groups listing it as a member). */
int group_members_of(const char *path, const char *name, gid_t **gids, size_t *n);

#endif
