/* caps.h - process.capabilities with libcap: bounding dropped early, the other four sets applied
 * last (after the uid switch, which keeps permitted capabilities via PR_SET_KEEPCAPS). */
#ifndef RBOX_CAPS_H
#define RBOX_CAPS_H

#include "config.h"
#include "error.h"

/* Highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);
/* Drop every capability not in the bounding set (needs CAP_SETPCAP: call before the uid switch). */
int caps_drop_bounding(const struct rbox_caps *c, rbox_err **err);
/* Keep permitted capabilities across setuid() away from 0. */
int caps_keep_on_setuid(rbox_err **err);
/* Raise every permitted capability into the effective set (after a uid switch cleared it). */
int caps_raise_effective(rbox_err **err);
/* Set effective/permitted/inheritable exactly, then the ambient set. */
int caps_apply(const struct rbox_caps *c, rbox_err **err);

#endif
