/* image_internal.h - shared by the files of manager/rbox/image/. */
#ifndef RBOX_IMAGE_INTERNAL_H
#define RBOX_IMAGE_INTERNAL_H

#include "image.h"
#include "json.h"

#include <archive.h>
#include <string.h>
#include <nettle/sha2.h>

#define BUILTIN_BUSYBOX_REF IMAGE_BUILTIN_REF
#define LINK_LEN            20 /* hex digits of the diff ID in l/<link> */

#define MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* image.c: the tag index */
int index_load(struct store *s, yajl_val *out, rbox_err **err);
const char *index_lookup(yajl_val index, const char *tag);
int index_set(struct store *s, yajl_val index, const char *tag, const char *id, rbox_err **err);
/* Tag id with a normalized ref (reloads the index). Needs the store lock. */
int index_tag(struct store *s, const char *tag, const char *id, rbox_err **err);
/* Remove every blob, layer and link no image record uses. Needs the store lock. */
int store_gc(struct store *s, rbox_err **err);

/* blob.c */
void sha_hex(struct sha256_ctx *md, char hex[ID_LEN + 1]);
/* "sha256:<64 hex>" -> pointer to the hex, else NULL. */
const char *digest_hex(const char *digest);
/* sha256 of an fd's contents from its start; size in *size. */
int sha256_fd(int fd, char hex[ID_LEN + 1], uint64_t *size);
/* Write data as a blob of the store; digest_out "sha256:<hex>". Needs no lock. */
int blob_write(struct store *s, const void *data, size_t len, char digest_out[DIGEST_LEN + 1],
               rbox_err **err);
/* Move a file (on the store's filesystem) into the store as blob digest, after checking its
 * digest and (size != UINT64_MAX) its size. Already there: the file is left alone. */
int blob_adopt(struct store *s, int dirfd, const char *path, const char *digest, uint64_t size,
               rbox_err **err);
/* Read a whole blob. */
int blob_read(struct store *s, const char *digest, char **data, size_t *len, rbox_err **err);
/* Open a blob O_RDONLY. */
int blob_open(const struct store *s, const char *digest, rbox_err **err);
/* Remove staging dirs no live command holds. Needs the store lock. */
void tmp_cleanup(struct store *s);
/* images/, images/blobs/sha256, layers, l, meta, tmp */
int store_dirs(struct store *s, rbox_err **err);

/* layer.c */
/* Unpack the (compressed or not) tar on fd into dirfd, whiteouts converted; the diff ID (hex)
 * and the unpacked size. */
int layer_unpack(int fd, int dirfd, char diff_hex[ID_LEN + 1], uint64_t *usize, rbox_err **err);
/* Is layer diff_id (sha256:...) unpacked in the store? */
bool layer_present(const struct store *s, const char *diff_id);
/* Install <root>/<rel> (a dir with diff/ in it) as layer diff_id, with its short link. Needs
 * the store lock. Already there: rel is removed. */
int layer_install(struct store *s, const char *rel, const char *diff_id, rbox_err **err);
/* Remove a layer and its link. */
int layer_remove(struct store *s, const char *hex);

/* ingest.c */
/* Write images/meta/<id>.json for an image whose blobs and layers are all in the store. */
int record_write(struct store *s, const struct image *img, rbox_err **err);
/* A decompressing reader over fd (any libarchive filter, "raw" format). */
struct archive *raw_reader(int fd, rbox_err **err);

int ingest_layout_ex(struct store *s, const char *layout_dir, const char *const *refs,
                     bool repo_digests, bool print, const char *source, char id_out[ID_LEN + 1],
                     rbox_err **err);

static inline bool strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* ovldriver.c: 1 when the store mounts with fuse-overlayfs (chosen once, recorded), 0 for the
 * kernel's overlay; and the fuse-overlayfs mount (opts relative to <root>/images). */
int ovl_driver_fuse(const struct store *s, rbox_err **err);
int ovl_fuse_mount(const struct store *s, const char *target, const char *opts, rbox_err **err);

/* import.c */
/* Build the built-in busybox image from the host's static /bin/busybox. Needs the store lock. */
int builtin_busybox_create(struct store *s, rbox_err **err);
#endif
