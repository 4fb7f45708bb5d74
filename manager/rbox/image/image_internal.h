/* image_internal.h - shared between image.c and image/import.c. */
#ifndef RBOX_IMAGE_INTERNAL_H
#define RBOX_IMAGE_INTERNAL_H

#include "image.h"
#include "json.h"

#define BUILTIN_BUSYBOX_REF "busybox:latest"

int index_load(struct store *s, yajl_val *out, rbox_err **err);
const char *index_lookup(yajl_val index, const char *tag);
int index_set(struct store *s, yajl_val index, const char *tag, const char *id, rbox_err **err);
/* Build the built-in busybox image from the host's static /bin/busybox. Needs the store lock. */
int builtin_busybox_create(struct store *s, rbox_err **err);

#endif
