/* image.h - the image store: OCI blobs by digest, layers unpacked once, image records, tags.
 *
 *   <root>/images/blobs/sha256/<hex>    every blob by digest, kept byte-for-byte as received:
 *                                       manifests, configs, layers (compressed as they came)
 *   <root>/images/layers/<hex>/diff/    one unpacked layer, named by its diff ID (sha256 of the
 *                                       uncompressed tar); whiteouts are overlay whiteouts
 *                                       (char 0/0), opaque dirs carry trusted.overlay.opaque=y
 *   <root>/images/l/<20 hex>            -> ../layers/<hex>/diff, the short lowerdir names
 *   <root>/images/meta/<id>.json        the image record (see image_record_write in ingest.c):
 *                                       manifest digest and media type, config digest, layers
 *                                       (diff ID, blob digest, media type, sizes), repo digests
 *   <root>/images/index.json            {"tags": {"docker.io/library/busybox:latest": "<id>"}}
 *   <root>/images/tmp/<random>/         staging dirs (a flock'd ".lock" file marks a live one;
 *                                       the others are removed by the next store-locked command)
 * The image ID is the hex sha256 of the config blob, as docker and podman. Every change is a
 * rename or an atomic file replace, made in the order blob -> layer -> record -> tag (and the
 * reverse on removal): a kill -9 leaves the old or the new state plus, at worst, unreferenced
 * blobs, layers and staging dirs that the next rmi/prune/ingest removes.
 *
 * References are normalized as docker does: "alpine" -> "docker.io/library/alpine:latest",
 * "host:5000/a/b" -> "host:5000/a/b:latest", "name@sha256:<hex>" is kept with its digest.
 * Listings show docker's familiar form ("alpine:latest", "host:5000/a/b:latest").
 *
 * For the registry client (pull/push), the contract is:
 *   1. image_staging_create(): a directory under <root>/images/tmp/ (same filesystem as the
 *      store), with blobs/sha256/ made; write the OCI layout there (oci-layout, index.json with
 *      ONE manifest descriptor, blobs/sha256/<hex> of the manifest, config and layers). A blob
 *      already in the store (image_blob_path() != NULL) may be left out of the layout.
 *   2. image_ingest_layout(s, st.dir, refs, id, err): verifies every blob's digest and size,
 *      moves them into the store, unpacks each new layer once, writes the record, tags it with
 *      refs (and records REPO@manifest-digest as a repo digest for each ref). Takes the store
 *      lock itself (only for the short install step).
 *   3. image_staging_discard() in every case (what ingest moved is no longer there).
 * For push: image_manifest() gives the manifest bytes + media type, image_blob_path() each blob
 * (config and layers as listed in the manifest, byte-identical to what was pulled or loaded).
 */
#ifndef RBOX_IMAGE_H
#define RBOX_IMAGE_H

#include "store.h"
#include <stdint.h>
#include <stdio.h>
#include <yajl/yajl_tree.h>

#define DIGEST_LEN (7 + ID_LEN) /* "sha256:" + 64 hex */

struct image_layer {
    char diff_id[DIGEST_LEN + 1]; /* sha256 of the uncompressed tar */
    char digest[DIGEST_LEN + 1];  /* the blob as stored (compressed or not) */
    char *media_type;
    uint64_t size;  /* blob size */
    uint64_t usize; /* unpacked bytes (regular files) */
};

/* The built-in image's name (made from the host's busybox-static, never pulled). */
#define IMAGE_BUILTIN_REF "docker.io/library/busybox:latest"

struct image {
    char id[ID_LEN + 1];
    char **tags;         /* NULL-terminated, normalized "docker.io/library/busybox:latest" */
    char **repo_digests; /* "docker.io/library/alpine@sha256:..." */
    int64_t created_ns;  /* the config's "created" (else when it was stored) */
    uint64_t size;       /* sum of the layers' unpacked sizes */
    char *source;
    char manifest_digest[DIGEST_LEN + 1];
    char *manifest_type;
    struct image_layer *layers; /* bottom first */
    size_t n_layers;
    yajl_val config; /* the parsed config blob */
    /* from config.config (NULL when absent) */
    char **cmd, **entrypoint, **env, **labels; /* labels as K=V */
    char *workdir, *user, *stop_signal;
    char *os, *arch;
};
void image_clear(struct image *img);

/* Docker's normalization (see above); NULL with an error when the reference is malformed. */
char *image_normalize_ref(const char *ref, rbox_err **err);
/* A reference normalized and split: domain "docker.io", repo "library/alpine", and either tag
 * "latest" (digest NULL) or digest "sha256:..." (tag NULL); all allocated. */
int image_ref_split(const char *ref, char **domain, char **repo, char **tag, char **digest,
                    rbox_err **err);
/* "docker.io/library/busybox:latest" -> "busybox:latest" (allocated). */
char *image_familiar(const char *name);
/* Find an image by name[:tag], name@digest, full ID ("sha256:" optional) or unique ID prefix.
 * The built-in "busybox" image is made on first use. Takes the store lock when it has to. */
int image_resolve(struct store *s, const char *ref, struct image *out, rbox_err **err);
/* Same, without building busybox: 0 found, 1 not found, -1 error. */
int image_find(struct store *s, const char *ref, struct image *out, rbox_err **err);
/* Load an image by its full ID (containers keep it). */
int image_load(struct store *s, const char *id, struct image *out, rbox_err **err);
int image_list(struct store *s, struct image **out, size_t *n, rbox_err **err);
/* Remove ref (untag; delete when no tag is left). Prints "Untagged:"/"Deleted:" lines. */
int image_remove(struct store *s, const char *ref, bool force, rbox_err **err);
/* Tag the image ref resolves to as dst. */
int image_tag(struct store *s, const char *ref, const char *dst, rbox_err **err);
/* Remove dangling (all: every) images no container uses; prints what it removes and adds the
 * bytes freed to *reclaimed. */
int image_prune(struct store *s, bool all, uint64_t *reclaimed, rbox_err **err);
/* The image inspect JSON object of one image. */
char *image_json(struct store *s, const struct image *img, bool pretty);
/* The layers' diff dirs, top first, joined by ':' (GraphDriver.Data.LowerDir). */
char *image_lower_dirs(const struct store *s, const struct image *img);
/* The overlay mount of a container: image layers below upper/work (short l/ names, mounted
 * from <root>/images so that 60+ layers fit the one-page option limit). */
int image_mount_overlay(const struct store *s, const struct image *img, const char *upper,
                        const char *work, const char *target, rbox_err **err);
/* The same with overlayfs's volatile option (no syncs) where the kernel has it: --rm. */
int image_mount_overlay_volatile(const struct store *s, const struct image *img, const char *upper,
                                 const char *work, const char *target, rbox_err **err);
/* A read-only directory fd of the image's merged tree (for /etc/passwd look-ups). */
int image_root_open(struct store *s, const struct image *img, rbox_err **err);

/* ---- import, load, save ---- */

/* Import a rootfs tarball (.tar, .tar.gz, .tar.xz, .tar.zst, ...; "-" = stdin) as ref. */
int image_import(struct store *s, const char *file, const char *ref, bool progress,
                 char id[ID_LEN + 1], rbox_err **err);
/* rbox load: a docker-archive or oci-archive (file NULL or "-": stdin). Prints "Loaded image:"
 * lines. */
int image_load_archive(struct store *s, const char *file, rbox_err **err);
/* rbox save: refs into a docker-archive (oci false) or oci-archive on fd. */
int image_save_archive(struct store *s, const char *const *refs, bool oci, int fd, rbox_err **err);
/* One entry e just read from a, written to disk (an archive_write_disk): its header, its data,
 * finished. -1 with *why libarchive's message (disk's, or a's when disk has none) for the caller
 * to name the entry and what it extracts (rbox load, a build context). */
struct archive;
struct archive_entry;
int image_extract_entry(struct archive *a, struct archive *disk, struct archive_entry *e,
                        const char **why);

/* rbox commit: the container's overlay upper dir as a new layer over base, with --change
 * instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, WORKDIR); ref may be
 * NULL (an untagged image). upper NULL: no new layer, only the config (history empty_layer). */
int image_commit(struct store *s, const struct image *base, const char *upper, const char *ref,
                 char *const *change, const char *author, const char *message, const char *by,
                 char id[ID_LEN + 1], rbox_err **err);
/* rbox diff: "A|C|D /path" lines for the upper dir over base. */
int image_diff(struct store *s, const struct image *base, const char *upper, FILE *out,
               rbox_err **err);
/* rbox export: the tree at root as a tar on fd. */
int image_export_tree(const char *root, int fd, rbox_err **err);

/* ---- the registry client's contract ---- */

struct image_staging {
    char *dir;   /* absolute: <root>/images/tmp/<random> */
    int lock_fd; /* flock'd <dir>/.lock: marks the dir as live */
};
/* A fresh staging dir with blobs/sha256/ in it, on the store's filesystem. */
int image_staging_create(struct store *s, struct image_staging *st, rbox_err **err);
/* Remove it (whatever is left in it). */
void image_staging_discard(struct store *s, struct image_staging *st);
/* Ingest an OCI image layout (see the contract above). refs may be NULL (then the layout's
 * org.opencontainers.image.ref.name annotations tag the images). Every image of index.json is
 * ingested; id_out gets the last one's ID. */
int image_ingest_layout(struct store *s, const char *layout_dir, const char *const *refs,
                        char id_out[ID_LEN + 1], rbox_err **err);
/* <root>/images/blobs/sha256/<hex> when the blob "sha256:<hex>" is in the store, else NULL
 * (allocated). */
char *image_blob_path(const struct store *s, const char *digest);
/* The image's manifest bytes and media type (allocated), for push. */
int image_manifest(struct store *s, const struct image *img, char **data, size_t *len,
                   char **media_type, rbox_err **err);

#endif
