/* image.h - images: rootfs trees unpacked once, read-only, shared by containers.
 *
 *   <root>/images/index.json          {"tags": {"name:tag": "<id>", ...}}
 *   <root>/images/<id>/image.json     {"id", "created", "size", "source", "cmd"}
 *   <root>/images/<id>/rootfs/        the tree (an overlay lowerdir; never written)
 * The ID is the sha256 of the uncompressed tar stream (docker's diff_id); the built-in busybox
 * image hashes the busybox binary and its generated files.
 */
#ifndef RBOX_IMAGE_H
#define RBOX_IMAGE_H

#include "store.h"
#include <stdint.h>

struct image {
    char id[ID_LEN + 1];
    char **tags; /* NULL-terminated "name:tag" list */
    int64_t created_ns;
    uint64_t size;
    char *source;
    char **cmd; /* default command (NULL when the image has none) */
    char *rootfs;
};
void image_clear(struct image *img);

/* "busybox" -> "busybox:latest"; NULL with an error when the reference is malformed. */
char *image_normalize_ref(const char *ref, rbox_err **err);
/* Find an image by name[:tag], full ID ("sha256:" optional) or unique ID prefix. The built-in
 * "busybox" image is made on first use. Takes the store lock when it has to build. */
int image_resolve(struct store *s, const char *ref, struct image *out, rbox_err **err);
/* Load an image by its full ID (containers keep it). */
int image_load(struct store *s, const char *id, struct image *out, rbox_err **err);
/* Import a rootfs tarball (.tar, .tar.gz, .tar.xz, .tar.zst, ...) as ref. */
int image_import(struct store *s, const char *file, const char *ref, bool progress,
                 char id[ID_LEN + 1], rbox_err **err);
int image_list(struct store *s, struct image **out, size_t *n, rbox_err **err);
/* Remove ref (untag; delete when no tag is left). Prints "Untagged:"/"Deleted:" lines. */
int image_remove(struct store *s, const char *ref, bool force, rbox_err **err);
/* The image inspect JSON object of one image. */
char *image_json(const struct image *img, bool pretty);

#endif
