/* salvage.h - container directories left half-made by a kill (of rbox during create, of
 * the --rm monitor or rbox during removal): made visible as `dead` containers, so that ps -a
 * shows them and rm -f removes them, and their names released. */
#ifndef RBOX_CTR_SALVAGE_H
#define RBOX_CTR_SALVAGE_H

#include "store.h"

/* With the store lock held (no create or removal is half-way then): when containers/<id> has no
 * readable state, write a `dead` one and release the names pointing at id; when the directory
 * does not exist, only release those names. 1 when something was salvaged, 0 when the container
 * is whole or absent with no name. */
int ctr_salvage_locked(const struct store *s, const char *id);
/* The same, taking the store lock (when not held) for the call. */
int ctr_salvage(struct store *s, const char *id);

#endif
