/* registry.h - pulling into the store, for rbox pull and run/create --pull (cmd/registry.c). */
#ifndef RBOX_CMD_REGISTRY_H
#define RBOX_CMD_REGISTRY_H

#include "image.h"
#include "store.h"
#include <stdbool.h>
#include <stddef.h>

/* Pull name into the store through rbox-registry (base: its argv so far, NULL: the defaults;
 * rbox.conf's registry_mirrors first and insecure_registries honoured). 0 and the image ID
 * in id; -1 with err; > 0: rbox-registry's exit status, its message already printed. */
int registry_pull(struct store *s, char *const *base, const char *name, bool quiet, char *id,
                  size_t len, rbox_err **err);
/* The same; capture: rbox-registry's message goes into err (one line, -1), not to stderr. */
int registry_pull_as(struct store *s, char *const *base, const char *name, bool quiet, bool capture,
                     char *id, size_t len, rbox_err **err);

/* An image by docker's --pull rule: "never" (the store only), "missing" (pull when the store
 * has none; the built-in busybox is made, never pulled), "always" (pull first). */
int image_resolve_pull(struct store *s, const char *ref, const char *policy, struct image *img,
                       rbox_err **err);

#endif
