/* rtclient.h - running rbox-runtime (the only way rbox touches the kernel, besides mounting the
 * container's overlay) and the overlay mount itself. */
#ifndef RBOX_RTCLIENT_H
#define RBOX_RTCLIENT_H

#include "store.h"

/* rbox-runtime --root <runroot>/runtime ARGS...: 0 on success, else err holds its one error
 * message (and the errno behind it). */
int rt_run(const struct store *s, const char *const *args, rbox_err **err);
/* The same, with *out = its stdout (NUL-terminated, to free) on success: for the verbs whose
 * output rbox reads (events --stats, ps --format json). */
int rt_output(const struct store *s, const char *const *args, char **out, rbox_err **err);
/* Does the runtime hold state for this container? */
bool rt_has_state(const struct store *s, const char *id);

/* Mount the container's overlay (lower = the image's layers, upper/work in its store dir) on
 * <runroot>/containers/<id>/rootfs; an old mount there is replaced. */
struct image;
int overlay_mount(const struct store *s, const char *id, const struct image *img, rbox_err **err);
/* volatile_upper: overlayfs's volatile option (--rm containers: nothing of them outlives
 * them, so their upper layer needs no sync; image_mount_overlay_volatile) */
int overlay_mount_opt(const struct store *s, const char *id, const struct image *img,
                      bool volatile_upper, rbox_err **err);
/* Unmount it (nothing mounted is fine). */
int overlay_umount(const struct store *s, const char *id, rbox_err **err);

/* Where rbox-runtime and rbox-monitor live: RBOX_RUNTIME / RBOX_MONITOR, else next to rbox. */
void find_helpers(struct store *s);

#endif
