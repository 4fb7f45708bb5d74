/* nsflags.h - the namespace modes of run/create besides --network (netreq.h): --pid, --ipc,
 * --uts, --cgroupns, --userns. Each is NULL (the default: a namespace of the container's own),
 * "host" (the host's: no namespace), or for --pid and --ipc "container:ID" (another running
 * container's, joined through <runroot>/containers/<id>/ns-pid or ns-ipc, links made at start).
 * docs/manager.md. */
#ifndef RBOX_NSFLAGS_H
#define RBOX_NSFLAGS_H

#include "error.h"
#include "json.h"
#include "store.h"
#include <stdbool.h>

struct ns_flags {
    char *pid, *ipc, *uts, *cgroupns, *userns;
};
void ns_flags_clear(struct ns_flags *f);

/* One flag by its long name; false when name is not one of them. */
bool ns_flags_flag(struct ns_flags *f, const char *name, const char *v, rbox_err **err, int *rc);
/* At create: container:REF resolved to its ID; --uts host excludes --hostname. */
int ns_flags_check(struct store *s, struct ns_flags *f, bool hostname, rbox_err **err);
/* At start: the links to the joined containers' namespaces (they must run). */
int ns_flags_start(struct store *s, const char *id, const struct ns_flags *f, rbox_err **err);
/* config.json's namespaces entry of type ("pid", "ipc", "uts", "cgroup"): false when the
 * container has none of its own (host); *path the namespace to join (allocated) or NULL. */
bool ns_flags_entry(const struct store *s, const char *id, const struct ns_flags *f,
                    const char *type, char **path);

void ns_flags_save(json_w *w, const struct ns_flags *f);
void ns_flags_load(yajl_val v, struct ns_flags *f);
/* inspect HostConfig: PidMode, IpcMode, UTSMode, CgroupnsMode, UsernsMode (docker's values). */
void ns_flags_inspect(json_w *w, const struct ns_flags *f);

#endif
