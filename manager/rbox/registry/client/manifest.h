/* manifest.h - the manifest documents a pull reads: media types, descriptors, platform choice
 * in an index (manifest.c). No network. */
#ifndef RBOX_MANIFEST_H
#define RBOX_MANIFEST_H

#include "error.h"
#include "json.h"

#include <stdbool.h>
#include <stdint.h>

#define MT_OCI_INDEX     "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST  "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG    "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V2     "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MANIFEST_ACCEPT  MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_V2
#define MANIFEST_MAX     (4u << 20)

struct descriptor {
    char *media_type;
    char *digest;
    uint64_t size;
};

enum manifest_kind { MK_INDEX, MK_IMAGE };

/* The kind of a manifest from its mediaType field, else the Content-Type; an unknown or
 * schema 1 media type is an error naming it. */
int manifest_kind(yajl_val doc, const char *content_type, const char *what, enum manifest_kind *k,
                  char **media_type, rbox_err **err);
/* The descriptor at obj (mediaType, digest, size), checked: what names it in errors. */
int descriptor_parse(yajl_val obj, const char *what, struct descriptor *d, rbox_err **err);
void descriptor_clear(struct descriptor *d);
/* An image manifest's config and layers (n_layers of them). Unknown layer or config media types
 * are errors. */
int manifest_image(yajl_val doc, const char *what, struct descriptor *config,
                   struct descriptor **layers, size_t *n_layers, rbox_err **err);
/* The entry of an index for platform ("os/arch[/variant]"; NULL: linux/<this machine>); the
 * error lists the platforms there are. */
int manifest_pick(yajl_val doc, const char *platform, const char *what, struct descriptor *out,
                  rbox_err **err);
/* "linux/amd64" (or with /variant) for this machine; owned by the caller. */
char *platform_default(void);

#endif
